/* SPDX-License-Identifier: Apache-2.0 */
/*
 * forge-sim: a local forge for tests and rehearsals. Bare repositories
 * over git's smart HTTP and the GitHub, GitLab and Gitea pull request APIs
 * over one model. main parses the options and hands over to server_run().
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cliopt.h"
#include "forge.h"
#include "msg.h"
#include "reqlog.h"
#include "timeutil.h"
#include "version.h"

static void
forge_usage(FILE *fp)
{
	fprintf(fp,
"usage: forge-sim --root DIR [options]\n"
"\n"
"A local forge: the bare repositories DIR/OWNER/NAME.git over git's smart\n"
"HTTP, and the GitHub (/api/v3), GitLab (/api/v4) and Gitea (/api/v1) pull\n"
"request APIs over one set of pull requests.\n"
"\n"
"Options:\n"
"  --root DIR            the repositories' directory (required)\n"
"  --listen ADDR:PORT    address to listen on (default 127.0.0.1:0)\n"
"  --port-file FILE      write the port (decimal, newline) once listening\n"
"  --token-file FILE     require the token in FILE for the APIs and pushes\n"
"                        (without it nothing is authenticated)\n"
"  --user NAME           the login the token belongs to (default pdkit-bot)\n"
"  --request-log FILE    append one JSON line per request (no credentials)\n"
"  --fault-500 N         answer the next N API requests with 500\n"
"  --fault-429 N         answer the next N API requests with 429\n"
"  --retry-after SECS    Retry-After of injected 429s (default 1)\n"
"  --latency DURATION    add DURATION (Go syntax: 200ms, 1s) to every request\n"
"  -h, --help            show this help\n"
"  --version             show the version\n"
"\n"
"Faults can be changed at run time: GET/POST/DELETE /sim/v1/faults.\n"
"Exit status: 0 stopped by SIGINT/SIGTERM, 1 runtime failure, 2 usage,\n"
"3 root or token file not found. See forge-sim(1).\n");
}

enum {
	OPT_LISTEN = 256, OPT_PORT_FILE, OPT_ROOT, OPT_TOKEN_FILE, OPT_REQLOG,
	OPT_F500, OPT_F429, OPT_RETRY, OPT_LATENCY, OPT_USER, OPT_VERSION,
};

static const struct option forge_longopts[] = {
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "port-file", required_argument, NULL, OPT_PORT_FILE },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "request-log", required_argument, NULL, OPT_REQLOG },
	{ "fault-500", required_argument, NULL, OPT_F500 },
	{ "fault-429", required_argument, NULL, OPT_F429 },
	{ "retry-after", required_argument, NULL, OPT_RETRY },
	{ "latency", required_argument, NULL, OPT_LATENCY },
	{ "user", required_argument, NULL, OPT_USER },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static int
forge_count(const char *opt, const char *v, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (!*v || *end || errno || n < lo || n > hi) {
		msg_error("invalid value '%s' for --%s (want %ld..%ld)", v, opt,
			  lo, hi);
		return -1;
	}
	*out = n;
	return 0;
}

/* The token in path, trailing white space dropped, into *out (malloc()ed):
 * 0 or an exit code. */
static int
forge_read_token(const char *path, char **out)
{
	struct buf tb = BUF_INIT;
	if (buf_read_file(&tb, path) < 0) {
		int en = errno;
		msg_error("cannot read token file '%s': %s", path,
			  strerror(en));
		buf_release(&tb);
		return en == ENOENT ? PD_EXIT_NOTFOUND : PD_EXIT_RUNTIME;
	}
	buf_trim(&tb);
	if (!tb.len || memchr(tb.buf, '\n', tb.len) ||
	    strlen(tb.buf) != tb.len) {
		msg_error("token file '%s' is empty or has more than one line",
			  path);
		buf_release(&tb);
		return PD_EXIT_USAGE;
	}
	free(*out);
	*out = buf_detach(&tb, NULL);
	return 0;
}

int
main(int argc, char **argv)
{
	msg_set_prog("forge-sim");
	struct forge_options o = { .user = "pdkit-bot", .retry_after = 1 };
	char *token = NULL;
	long f500 = 0, f429 = 0, v;
	long long latency = 0;
	struct pd_err e = { 0 };
	int rc;

	faults_init();
	pulls_init();
	struct cliopt co;
	cliopt_init(&co, argc, argv, "h", forge_longopts);
	for (;;) {
		int c = cliopt_next(&co, &e);
		if (c == -1) {
			break;
		}
		switch (c) {
		case OPT_LISTEN: o.listen = optarg; break;
		case OPT_PORT_FILE: o.port_file = optarg; break;
		case OPT_ROOT: o.root = optarg; break;
		case OPT_USER:
			if (!repos_valid_part(optarg)) {
				msg_error("invalid --user '%s'", optarg);
				goto usage;
			}
			o.user = optarg;
			break;
		case OPT_TOKEN_FILE:
			rc = forge_read_token(optarg, &token);
			if (rc) {
				free(token);
				return rc;
			}
			break;
		case OPT_REQLOG:
			if (reqlog_open(optarg, &e) < 0) {
				free(token);
				return msg_err(&e);
			}
			break;
		case OPT_F500:
			if (forge_count("fault-500", optarg, 0, 1000000, &f500)) {
				goto usage;
			}
			break;
		case OPT_F429:
			if (forge_count("fault-429", optarg, 0, 1000000, &f429)) {
				goto usage;
			}
			break;
		case OPT_RETRY:
			if (forge_count("retry-after", optarg, 0, 86400, &v)) {
				goto usage;
			}
			o.retry_after = (int)v;
			break;
		case OPT_LATENCY: {
			char why[128];
			if (timeutil_parse_duration(optarg, &latency, why,
						    sizeof(why)) < 0 ||
			    latency < 0 || latency > 600000) {
				msg_error("invalid duration '%s' for --latency "
					  "(Go syntax: 200ms, 1s)", optarg);
				goto usage;
			}
			break;
		}
		case 'h':
			forge_usage(stdout);
			free(token);
			return msg_finish(0);
		case OPT_VERSION:
			printf("forge-sim %s\n", PDKIT_VERSION);
			free(token);
			return msg_finish(0);
		default:
			msg_error("%s (see 'forge-sim --help')", e.msg);
			goto usage;
		}
	}
	if (optind < argc) {
		msg_error("unexpected argument '%s'", argv[optind]);
		goto usage;
	}
	if (!o.root) {
		msg_error("--root is required (the repositories' directory)");
		goto usage;
	}
	struct stat st;
	if (stat(o.root, &st) < 0 || !S_ISDIR(st.st_mode)) {
		msg_error("root '%s' is not a directory", o.root);
		free(token);
		return PD_EXIT_NOTFOUND;
	}
	char *root = realpath(o.root, NULL);
	if (!root) {
		msg_error("cannot resolve root '%s': %s", o.root,
			  strerror(errno));
		free(token);
		return PD_EXIT_RUNTIME;
	}
	o.root = root;
	o.token = token;
	repos_init(o.root);
	if (f500) {
		faults_add(500, f500, 0, NULL);
	}
	if (f429) {
		faults_add(429, f429, o.retry_after, NULL);
	}
	faults_set_latency((long)latency);
	rc = server_run(&o, &e);
	reqlog_close();
	pulls_reset();
	free(token);
	free(root);
	if (rc < 0) {
		return msg_err(&e);
	}
	return msg_finish(0);
usage:
	free(token);
	return PD_EXIT_USAGE;
}
