/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gitops-render: kyml-compatible placeholder rendering that cannot silently
 * produce a broken manifest. main parses the options, gathers the values
 * (--values < -v < -e), runs the engine (src/template.h) over the inputs,
 * prints its diagnostics and writes the output: to stdout, or atomically to
 * -o OUT or to each input (--in-place) through a temporary file that is
 * renamed over the target only when everything succeeded.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "buf.h"
#include "cliopt.h"
#include "err.h"
#include "msg.h"
#include "template.h"
#include "version.h"
#include "xalloc.h"


static void
gr_usage(FILE *fp)
{
	fprintf(fp,
"usage: gitops-render [FILE...] [-e NAME]... [-v KEY=VALUE]... [--values FILE]\n"
"                     [-o OUT | --in-place] [--kyml] [--check] [--allow-empty]\n"
"                     [--strict]\n"
"\n"
"Fill {{.KEY}} placeholders in the string values of Kubernetes YAML, as\n"
"kyml tmpl does, without ever producing a broken manifest. Reads stdin when\n"
"no FILE is given (or for '-'); several FILEs render as one stream.\n"
"\n"
"Options:\n"
"  -e, --env NAME          the value of KEY NAME is $NAME (never printed)\n"
"  -v, --value KEY=VALUE   a value (kyml's syntax: -v a=1,b=2 sets two)\n"
"      --values FILE       a YAML map of KEY: value (repeatable)\n"
"  -o, --output OUT        write OUT atomically (temporary file + rename)\n"
"  -i, --in-place          render each FILE into itself, atomically\n"
"      --kyml              kyml's canonical output (sorted keys, ---)\n"
"      --check             lint the Argo CD Applications rendered\n"
"      --allow-empty       render unset and empty values as \"\" (kyml)\n"
"      --strict            warnings and findings fail (exit 9)\n"
"  -h, --help              show this help\n"
"      --version           show the version\n"
"\n"
"Precedence for one key: --values < -v < -e. Placeholders: {{.KEY}},\n"
"{{ .KEY }}, {{- .KEY -}}, {{ .KEY | default \"x\" }}; a literal {{ is\n"
"written {{\"{{\"}}.\n"
"Exit status: 0 ok, 1 read or write failure, 2 usage, 3 file not found,\n"
"8 invalid input (YAML, template, missing value), 9 warnings or findings\n"
"with --strict. See gitops-render(1).\n");
}

enum {
	OPT_VALUES = 256,
	OPT_KYML,
	OPT_CHECK,
	OPT_ALLOW_EMPTY,
	OPT_STRICT,
	OPT_VERSION,
};

static const struct option gr_longopts[] = {
	{ "env", required_argument, NULL, 'e' },
	{ "value", required_argument, NULL, 'v' },
	{ "values", required_argument, NULL, OPT_VALUES },
	{ "output", required_argument, NULL, 'o' },
	{ "in-place", optional_argument, NULL, 'i' },
	{ "kyml", optional_argument, NULL, OPT_KYML },
	{ "check", optional_argument, NULL, OPT_CHECK },
	{ "allow-empty", optional_argument, NULL, OPT_ALLOW_EMPTY },
	{ "strict", optional_argument, NULL, OPT_STRICT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* Temporary files to remove if a signal ends the run: copies of their
 * names, one slot per output, allocated before the first is made. */
static char **gr_temps;
static volatile sig_atomic_t gr_ntemps;

static void
gr_on_signal(int sig)
{
	for (sig_atomic_t i = 0; i < gr_ntemps; i++) {
		if (gr_temps[i]) {
			unlink(gr_temps[i]);
		}
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

struct gr_state {
	int strict;
	unsigned warnings; /* warnings and findings */
	int quiet_output;  /* --strict after a warning: write nothing more */
};

static void
gr_diag(void *arg, const struct tmpl_diag *d)
{
	struct gr_state *st = arg;
	char place[PATH_MAX + 64] = "";
	if (d->file && d->line && d->col) {
		snprintf(place, sizeof(place), "%s:%ld:%ld: ", d->file, d->line,
			 d->col);
	} else if (d->file && d->line) {
		snprintf(place, sizeof(place), "%s:%ld: ", d->file, d->line);
	} else if (d->file) {
		snprintf(place, sizeof(place), "%s: ", d->file);
	}
	switch (d->severity) {
	case TMPL_ERROR:
		msg_error("%s%s", place, d->msg);
		break;
	case TMPL_WARNING:
		st->warnings++;
		if (st->strict) {
			st->quiet_output = 1;
		}
		msg_warn("%s%s", place, d->msg);
		break;
	case TMPL_FINDING:
		st->warnings++;
		if (st->strict) {
			st->quiet_output = 1;
		}
		/* compiler style: FILE:LINE: warning: ... */
		fflush(stdout);
		fprintf(stderr, "%swarning: %s\n", place, d->msg);
		break;
	}
}

struct gr_out {
	FILE *fp;
	const char *name; /* the target, NULL for stdout */
	struct gr_state *st;
	int failed, err;
};

/* A failed write: one line, the same whatever the output's size. */
static int
gr_write_failed(const struct gr_out *o)
{
	if (!o->name) {
		msg_error("write failure on standard output");
	} else {
		msg_error("cannot write '%s': %s", o->name, strerror(o->err));
	}
	return PD_EXIT_RUNTIME;
}

static int
gr_write(void *arg, const void *p, size_t n)
{
	struct gr_out *o = arg;
	if (o->st->quiet_output) {
		return 0;
	}
	if (fwrite(p, 1, n, o->fp) != n) {
		o->failed = 1;
		o->err = errno;
		return -1;
	}
	return 0;
}

/* Render inputs into fp (oname: its name, NULL for stdout). Returns an
 * exit code. */
static int
gr_render(char **files, int nfiles, const struct tmpl_values *vals,
	  unsigned flags, struct gr_state *st, FILE *fp, const char *oname)
{
	struct gr_out out = { fp, oname, st, 0, 0 };
	struct tmpl_opts o;
	memset(&o, 0, sizeof(o));
	o.flags = flags;
	o.diag = gr_diag;
	o.diag_arg = st;
	o.write = gr_write;
	o.write_arg = &out;
	struct tmpl_render *r = tmpl_render_new(vals, &o);
	struct pd_err e = { 0 };
	int rc = 0;
	for (int i = 0; i < (nfiles ? nfiles : 1) && rc == 0; i++) {
		const char *f = nfiles ? files[i] : "-";
		int fd = 0;
		const char *name = "<stdin>";
		if (strcmp(f, "-") != 0) {
			fd = open(f, O_RDONLY | O_CLOEXEC);
			name = f;
			if (fd < 0) {
				int err = errno;
				msg_error("cannot read '%s': %s", f,
					  strerror(err));
				rc = err == ENOENT ? PD_EXIT_NOTFOUND
						   : PD_EXIT_RUNTIME;
				break;
			}
		}
		int res = tmpl_render_fd(r, fd, name, &e);
		if (fd > 0) {
			close(fd);
		}
		if (res < 0 && out.failed) {
			rc = gr_write_failed(&out);
		} else if (res < 0) {
			unsigned errors = 0;
			tmpl_render_counts(r, &errors, NULL, NULL);
			if (res != -PD_EINVALID || !errors) {
				msg_error("%s", e.msg);
			}
			rc = err_exit_code(res);
		}
	}
	if (rc == 0) {
		int res = tmpl_render_finish(r, &e);
		if (res < 0 && out.failed) {
			rc = gr_write_failed(&out);
		} else if (res < 0) {
			unsigned errors = 0;
			tmpl_render_counts(r, &errors, NULL, NULL);
			if (res != -PD_EINVALID || !errors) {
				msg_error("%s", e.msg);
			}
			rc = err_exit_code(res);
		}
	}
	if (rc == 0 && out.failed) {
		rc = gr_write_failed(&out);
	}
	if (rc == 0 && st->strict && st->warnings) {
		msg_error("%u warning%s or finding%s with --strict",
			  st->warnings, st->warnings == 1 ? "" : "s",
			  st->warnings == 1 ? "" : "s");
		rc = PD_EXIT_FINDINGS;
	}
	tmpl_render_free(r);
	return rc;
}

int
main(int argc, char **argv)
{
	msg_set_prog("gitops-render");
	struct tmpl_values *vals = tmpl_values_new();
	const char **envs = xcalloc((size_t)argc + 1, sizeof(*envs));
	const char **args = xcalloc((size_t)argc + 1, sizeof(*args));
	const char **vfiles = xcalloc((size_t)argc + 1, sizeof(*vfiles));
	int nenvs = 0, nargs = 0, nvfiles = 0, in_place = 0, c;
	const char *output = NULL;
	unsigned flags = 0;
	struct gr_state st = { 0, 0, 0 };
	struct pd_err e = { 0 };
	int rc = 0;

	struct cliopt co;
	cliopt_init(&co, argc, argv, "e:v:o:ih", gr_longopts);
	for (;;) {
		c = cliopt_next(&co, &e);
		if (c == -1) {
			break;
		}
		switch (c) {
		case 'e':
			envs[nenvs++] = optarg;
			break;
		case 'v':
			args[nargs++] = optarg;
			break;
		case OPT_VALUES:
			vfiles[nvfiles++] = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'i':
			in_place = co.on;
			break;
		case OPT_KYML:
			flags = co.on ? flags | TMPL_KYML : flags & ~TMPL_KYML;
			break;
		case OPT_CHECK:
			flags = co.on ? flags | TMPL_CHECK : flags & ~TMPL_CHECK;
			break;
		case OPT_ALLOW_EMPTY:
			flags = co.on ? flags | TMPL_ALLOW_EMPTY
				      : flags & ~TMPL_ALLOW_EMPTY;
			break;
		case OPT_STRICT:
			st.strict = co.on;
			break;
		case 'h':
			gr_usage(stdout);
			rc = msg_finish(0);
			goto out;
		case OPT_VERSION:
			printf("gitops-render %s\n", PDKIT_VERSION);
			rc = msg_finish(0);
			goto out;
		default:
			msg_error("%s (see 'gitops-render --help')", e.msg);
			rc = PD_EXIT_USAGE;
			goto out;
		}
	}
	char **files = argv + optind;
	int nfiles = argc - optind;
	if (output && in_place) {
		msg_error("-o and --in-place exclude each other");
		rc = PD_EXIT_USAGE;
		goto out;
	}
	if (in_place && nfiles == 0) {
		msg_error("--in-place needs at least one FILE");
		rc = PD_EXIT_USAGE;
		goto out;
	}
	for (int i = 0; i < nfiles && in_place; i++) {
		if (strcmp(files[i], "-") == 0) {
			msg_error("--in-place cannot write to stdin ('-')");
			rc = PD_EXIT_USAGE;
			goto out;
		}
	}
	if (tmpl_values_collect(vals, vfiles, args, envs, &e) < 0) {
		rc = msg_err(&e);
		goto out;
	}
	signal(SIGINT, gr_on_signal);
	signal(SIGTERM, gr_on_signal);
	signal(SIGHUP, gr_on_signal);

	if (!output && !in_place) {
		static char obuf[1 << 20];
		setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
		rc = gr_render(files, nfiles, vals, flags, &st, stdout, NULL);
		rc = msg_finish(rc);
		goto out;
	}
	/* atomic: every output to a temporary file (a regular target) or
	 * written directly (a pipe or device), renamed when all are done */
	int nout = in_place ? nfiles : 1;
	struct atomicfile *afs = xcalloc((size_t)nout, sizeof(*afs));
	gr_temps = xcalloc((size_t)nout, sizeof(*gr_temps));
	int made = 0;
	for (int i = 0; i < nout && rc == 0; i++) {
		const char *target = in_place ? files[i] : output;
		struct pd_err fe = { 0 };
		if (atomicfile_open(&afs[i], target, -1, &fe) < 0) {
			msg_error("%s", fe.msg);
			rc = err_exit_code(fe.code);
			break;
		}
		if (afs[i].tmp) {
			gr_temps[i] = xstrdup(afs[i].tmp);
		}
		gr_ntemps = i + 1;
		made = i + 1;
		if (in_place) {
			rc = gr_render(&files[i], 1, vals, flags, &st,
				       afs[i].fp, target);
		} else {
			rc = gr_render(files, nfiles, vals, flags, &st,
				       afs[i].fp, target);
		}
	}
	for (int i = 0; i < made; i++) {
		struct pd_err fe = { 0 };
		if (rc != 0) {
			atomicfile_abort(&afs[i]);
		} else if (atomicfile_commit(&afs[i], &fe) < 0) {
			msg_error("%s", fe.msg);
			rc = err_exit_code(fe.code);
		}
	}
	gr_ntemps = 0;
	for (int i = 0; i < nout; i++) {
		free(gr_temps[i]);
	}
	free(gr_temps);
	gr_temps = NULL;
	free(afs);
	rc = msg_finish(rc);
out:
	free(envs);
	free(args);
	free(vfiles);
	tmpl_values_free(vals);
	return rc;
}
