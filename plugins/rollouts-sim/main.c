/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rollouts-sim: a local Kubernetes API server for Argo Rollouts objects,
 * the test bed of pdkit and the engine of its no-cluster demo. main parses
 * the options, loads fixtures and hands over to server_run().
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "sim.h"

#define SIM_VERSION "0.1.0"

static void
sim_usage(FILE *fp)
{
	fprintf(fp,
"usage: rollouts-sim [options]\n"
"\n"
"A local Kubernetes API server (v1.32 API) holding Argo Rollouts objects.\n"
"\n"
"Options:\n"
"  --fixtures FILE|DIR     load objects (YAML or JSON, repeatable)\n"
"  --listen ADDR:PORT      address to listen on (default 127.0.0.1:0)\n"
"  --port-file FILE        write the port (decimal, newline) once listening\n"
"  --kubeconfig FILE       write a kubeconfig for this server\n"
"  --request-log FILE      append one JSON line per request\n"
"  --tls                   serve HTTPS with a generated CA and certificate\n"
"  --token TOKEN           require this bearer token (needs --tls)\n"
"  --client-cert           issue a client certificate and require it (needs --tls)\n"
"  --no-controller         keep objects static (no controller loop)\n"
"  --history N             watch events kept for resuming (default 10000)\n"
"  --fault-watch-drop N    cut every watch stream after N events\n"
"  --fault-error-rate R    answer a share R (0..1) of API requests with an error\n"
"  --fault-error-code C    that error: 500 (default), 429 or another 5xx\n"
"  --fault-retry-after S   send Retry-After: S with injected errors\n"
"  --fault-latency MS      add MS milliseconds to every API request\n"
"  --fault-watch-expire    answer watches that resume from a resourceVersion with 410\n"
"  --forbid VERB:RESOURCE  answer 403 to that verb on that resource (repeatable)\n"
"  -h, --help              show this help\n"
"  --version               show the version\n"
"\n"
"Fault settings can be changed at run time: GET/PUT/DELETE /sim/v1/faults.\n"
"Exit status: 0 stopped by SIGINT/SIGTERM, 1 runtime failure, 2 usage,\n"
"8 invalid fixture. See rollouts-sim(1).\n");
}

enum {
	OPT_FIXTURES = 256, OPT_LISTEN, OPT_PORT_FILE, OPT_KUBECONFIG,
	OPT_REQLOG, OPT_TLS, OPT_TOKEN, OPT_CLIENT_CERT, OPT_NO_CONTROLLER,
	OPT_HISTORY, OPT_F_DROP, OPT_F_RATE, OPT_F_CODE, OPT_F_RETRY,
	OPT_F_LATENCY, OPT_F_EXPIRE, OPT_FORBID, OPT_VERSION,
};

static const struct option sim_longopts[] = {
	{ "fixtures", required_argument, NULL, OPT_FIXTURES },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "port-file", required_argument, NULL, OPT_PORT_FILE },
	{ "kubeconfig", required_argument, NULL, OPT_KUBECONFIG },
	{ "request-log", required_argument, NULL, OPT_REQLOG },
	{ "tls", no_argument, NULL, OPT_TLS },
	{ "token", required_argument, NULL, OPT_TOKEN },
	{ "client-cert", no_argument, NULL, OPT_CLIENT_CERT },
	{ "no-controller", no_argument, NULL, OPT_NO_CONTROLLER },
	{ "history", required_argument, NULL, OPT_HISTORY },
	{ "fault-watch-drop", required_argument, NULL, OPT_F_DROP },
	{ "fault-error-rate", required_argument, NULL, OPT_F_RATE },
	{ "fault-error-code", required_argument, NULL, OPT_F_CODE },
	{ "fault-retry-after", required_argument, NULL, OPT_F_RETRY },
	{ "fault-latency", required_argument, NULL, OPT_F_LATENCY },
	{ "fault-watch-expire", no_argument, NULL, OPT_F_EXPIRE },
	{ "forbid", required_argument, NULL, OPT_FORBID },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static int
sim_number(const char *opt, const char *v, double lo, double hi, double *out)
{
	char *end;
	double d = strtod(v, &end);
	if (!*v || *end || d < lo || d > hi) {
		msg_error("invalid value '%s' for --%s", v, opt);
		return -1;
	}
	*out = d;
	return 0;
}

int
main(int argc, char **argv)
{
	msg_set_prog("rollouts-sim");
	struct sim_options o = { .controller = true };
	const char **fixtures = calloc((size_t)argc + 1, sizeof(*fixtures));
	int nfix = 0;
	double history = 10000;
	struct pd_err e = { 0 };
	int c;
	double d;

	registry_init();
	faults_reset();
	while ((c = getopt_long(argc, argv, "h", sim_longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FIXTURES: fixtures[nfix++] = optarg; break;
		case OPT_LISTEN: o.listen = optarg; break;
		case OPT_PORT_FILE: o.port_file = optarg; break;
		case OPT_KUBECONFIG: o.kubeconfig = optarg; break;
		case OPT_REQLOG:
			if (reqlog_open(optarg, &e) < 0) {
				free(fixtures);
				return msg_err(&e);
			}
			break;
		case OPT_TLS: o.tls = true; break;
		case OPT_TOKEN: o.token = optarg; break;
		case OPT_CLIENT_CERT: o.client_cert = true; break;
		case OPT_NO_CONTROLLER: o.controller = false; break;
		case OPT_HISTORY:
			if (sim_number("history", optarg, 1, 1e7, &history)) {
				goto usage;
			}
			break;
		case OPT_F_DROP:
			if (sim_number("fault-watch-drop", optarg, 0, 1e9, &d)) {
				goto usage;
			}
			sim_faults.watch_drop_after = (long)d;
			break;
		case OPT_F_RATE:
			if (sim_number("fault-error-rate", optarg, 0, 1, &d)) {
				goto usage;
			}
			sim_faults.error_rate = d;
			break;
		case OPT_F_CODE:
			if (sim_number("fault-error-code", optarg, 429, 599,
				       &d) ||
			    (d != 429 && d < 500)) {
				msg_error("--fault-error-code must be 429 or "
					  "5xx");
				goto usage;
			}
			sim_faults.error_code = (int)d;
			break;
		case OPT_F_RETRY:
			if (sim_number("fault-retry-after", optarg, 0, 3600,
				       &d)) {
				goto usage;
			}
			sim_faults.retry_after = (int)d;
			break;
		case OPT_F_LATENCY:
			if (sim_number("fault-latency", optarg, 0, 600000,
				       &d)) {
				goto usage;
			}
			sim_faults.latency_ms = (long)d;
			break;
		case OPT_F_EXPIRE: sim_faults.watch_expire = true; break;
		case OPT_FORBID:
			if (faults_add_forbid(optarg, &e) < 0) {
				msg_error("%s", e.msg);
				goto usage;
			}
			break;
		case 'h':
			sim_usage(stdout);
			free(fixtures);
			return msg_finish(0);
		case OPT_VERSION:
			printf("rollouts-sim %s\n", SIM_VERSION);
			free(fixtures);
			return msg_finish(0);
		default:
			goto usage;
		}
	}
	if (optind < argc) {
		msg_error("unexpected argument '%s'", argv[optind]);
		goto usage;
	}
	if ((o.token || o.client_cert) && !o.tls) {
		msg_error("--token and --client-cert need --tls (kubectl sends "
			  "credentials only over https)");
		goto usage;
	}
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	store_init((size_t)history);
	pthread_mutex_lock(&sim_lock);
	for (int i = 0; i < nfix; i++) {
		if (fixtures_load(fixtures[i], &e) < 0) {
			pthread_mutex_unlock(&sim_lock);
			free(fixtures);
			msg_error("%s", e.msg);
			return PD_EXIT_INVALID;
		}
	}
	store_ensure_namespace("default");
	pthread_mutex_unlock(&sim_lock);
	free(fixtures);
	int rc = server_run(&o, &e);
	reqlog_close();
	if (rc < 0) {
		return msg_err(&e);
	}
	return msg_finish(0);
usage:
	free(fixtures);
	fprintf(stderr, "Try 'rollouts-sim --help' for more information.\n");
	return PD_EXIT_USAGE;
}
