/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rollouts-sim: a local Kubernetes API server for Argo Rollouts objects,
 * the test bed of pdkit and the engine of its no-cluster demo. main parses
 * the options, loads fixtures and hands over to server_run().
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cliopt.h"
#include "kube.h"
#include "kubeconfig.h"
#include "msg.h"
#include "reqlog.h"
#include "sim.h"
#include "version.h"


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
"  --token-file FILE       the same, read from FILE (keeps it out of argv)\n"
"  --client-cert           issue a client certificate and require it (needs --tls)\n"
"  --no-controller         keep objects static (no controller loop)\n"
"  --no-argocd             no simulated Argo CD (Applications stay as written)\n"
"  --argocd-refresh DURATION\n"
"                          Argo CD's polling interval (default 3m, 0: never)\n"
"  --clock real|manual     real time (default), or stopped until advanced\n"
"                          through /sim/v1/clock?advance=30s\n"
"  --time-scale N          run every duration N times faster (real clock)\n"
"  --seed N                seed for generated names and metric noise\n"
"  --pod-ready DURATION    time a new pod takes to become Ready (default 2s)\n"
"  --history N             watch events kept for resuming (default 10000)\n"
"  --fault-watch-drop N    cut every watch stream after N events\n"
"  --fault-error-rate R    answer a share R (0..1) of API requests with an error\n"
"  --fault-error-code C    that error: 500 (default), 429 or another 5xx\n"
"  --fault-retry-after S   send Retry-After: S with injected errors\n"
"  --fault-latency MS      add MS milliseconds to every API request\n"
"  --fault-watch-expire    answer watches that resume from a resourceVersion with 410\n"
"  --forbid VERB:RESOURCE  answer 403 to that verb on that resource (repeatable)\n"
"  --fault-crash-image S   pods of images containing S crash (CrashLoopBackOff)\n"
"  -h, --help              show this help\n"
"  --version               show the version\n"
"\n"
"Fault settings can be changed at run time: GET/PUT/DELETE /sim/v1/faults.\n"
"\n"
"       rollouts-sim traffic [--kubeconfig FILE] NAMESPACE/ROLLOUT good|bad\n"
"switches a running simulator's traffic for one rollout.\n"
"Exit status: 0 stopped by SIGINT/SIGTERM, 1 runtime failure, 2 usage,\n"
"8 invalid fixture. See rollouts-sim(1).\n");
}

enum {
	OPT_FIXTURES = 256, OPT_LISTEN, OPT_PORT_FILE, OPT_KUBECONFIG,
	OPT_REQLOG, OPT_TLS, OPT_TOKEN, OPT_CLIENT_CERT, OPT_NO_CONTROLLER,
	OPT_HISTORY, OPT_F_DROP, OPT_F_RATE, OPT_F_CODE, OPT_F_RETRY,
	OPT_F_LATENCY, OPT_F_EXPIRE, OPT_FORBID, OPT_VERSION, OPT_CLOCK,
	OPT_SCALE, OPT_SEED, OPT_POD_READY, OPT_TOKEN_FILE, OPT_F_CRASH,
	OPT_NO_ARGOCD, OPT_ARGOCD_REFRESH,
};

static const struct option sim_longopts[] = {
	{ "fixtures", required_argument, NULL, OPT_FIXTURES },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "port-file", required_argument, NULL, OPT_PORT_FILE },
	{ "kubeconfig", required_argument, NULL, OPT_KUBECONFIG },
	{ "request-log", required_argument, NULL, OPT_REQLOG },
	{ "tls", optional_argument, NULL, OPT_TLS },
	{ "token", required_argument, NULL, OPT_TOKEN },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "client-cert", optional_argument, NULL, OPT_CLIENT_CERT },
	{ "no-controller", optional_argument, NULL, OPT_NO_CONTROLLER },
	{ "no-argocd", optional_argument, NULL, OPT_NO_ARGOCD },
	{ "argocd-refresh", required_argument, NULL, OPT_ARGOCD_REFRESH },
	{ "history", required_argument, NULL, OPT_HISTORY },
	{ "fault-watch-drop", required_argument, NULL, OPT_F_DROP },
	{ "fault-error-rate", required_argument, NULL, OPT_F_RATE },
	{ "fault-error-code", required_argument, NULL, OPT_F_CODE },
	{ "fault-retry-after", required_argument, NULL, OPT_F_RETRY },
	{ "fault-latency", required_argument, NULL, OPT_F_LATENCY },
	{ "fault-watch-expire", optional_argument, NULL, OPT_F_EXPIRE },
	{ "forbid", required_argument, NULL, OPT_FORBID },
	{ "fault-crash-image", required_argument, NULL, OPT_F_CRASH },
	{ "clock", required_argument, NULL, OPT_CLOCK },
	{ "time-scale", required_argument, NULL, OPT_SCALE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "pod-ready", required_argument, NULL, OPT_POD_READY },
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

/* `rollouts-sim traffic [--kubeconfig F] NS/ROLLOUT good|bad`: switch a
 * running simulator's traffic through its admin endpoint. */
static int
sim_traffic(int argc, char **argv)
{
	struct kube_flags f;
	memset(&f, 0, sizeof(f));
	f.insecure_skip_tls_verify = -1;
	const char *ops[2];
	int nops = 0;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--kubeconfig") == 0 && i + 1 < argc) {
			f.kubeconfig = argv[++i];
		} else if (strncmp(argv[i], "--kubeconfig=", 13) == 0) {
			f.kubeconfig = argv[i] + 13;
		} else if (argv[i][0] == '-' || nops == 2) {
			msg_error("usage: rollouts-sim traffic [--kubeconfig "
				  "FILE] NAMESPACE/ROLLOUT good|bad");
			return PD_EXIT_USAGE;
		} else {
			ops[nops++] = argv[i];
		}
	}
	const char *slash = nops == 2 ? strchr(ops[0], '/') : NULL;
	if (!slash || (strcmp(ops[1], "good") && strcmp(ops[1], "bad"))) {
		msg_error("usage: rollouts-sim traffic [--kubeconfig FILE] "
			  "NAMESPACE/ROLLOUT good|bad");
		return PD_EXIT_USAGE;
	}
	struct kube_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	struct pd_err e = { 0 };
	if (kubeconfig_load(&cfg, &f, &e) < 0) {
		return msg_err(&e);
	}
	struct kube_client *c = kube_client_new(&cfg, "rollouts-sim", &e);
	int rc = 0;
	if (!c) {
		rc = msg_err(&e);
	} else {
		struct buf body = BUF_INIT;
		buf_adds(&body, "{\"namespace\":\"");
		buf_add(&body, ops[0], (size_t)(slash - ops[0]));
		buf_adds(&body, "\",\"rollout\":\"");
		buf_add_json_escaped(&body, slash + 1);
		buf_addf(&body, "\",\"mode\":\"%s\"}", ops[1]);
		if (kube_request(c, "PUT", "/sim/v1/traffic", "application/json",
				 body.buf, NULL, &e) < 0) {
			rc = msg_err(&e);
		} else {
			printf("traffic for %s is %s\n", ops[0], ops[1]);
		}
		buf_release(&body);
	}
	kube_client_free(c);
	kubeconfig_release(&cfg);
	return msg_finish(rc);
}

int
main(int argc, char **argv)
{
	msg_set_prog("rollouts-sim");
	if (argc >= 2 && strcmp(argv[1], "traffic") == 0) {
		return sim_traffic(argc, argv);
	}
	struct sim_options o = { .controller = true };
	const char **fixtures = calloc((size_t)argc + 1, sizeof(*fixtures));
	int nfix = 0;
	double history = 10000, scale = 1;
	char *token_storage = NULL;
	bool manual = false;
	struct ctl_options copts = { .enabled = true, .pod_ready_ms = 2000,
				     .seed = 0 };
	struct argocd_options aopts = { .enabled = true,
					.refresh_ms = 180000 };
	struct pd_err e = { 0 };
	int c;
	double d;

	registry_init();
	faults_reset();
	struct cliopt co;
	cliopt_init(&co, argc, argv, "h", sim_longopts);
	for (;;) {
		c = cliopt_next(&co, &e);
		if (c == -1) {
			break;
		}
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
		case OPT_TLS: o.tls = co.on; break;
		case OPT_TOKEN: o.token = optarg; break;
		case OPT_TOKEN_FILE: {
			struct buf tb = BUF_INIT;
			if (buf_read_file(&tb, optarg) < 0) {
				int en = errno;
				msg_error("cannot read token file '%s': %s",
					  optarg, strerror(en));
				buf_release(&tb);
				free(fixtures);
				return en == ENOENT ? PD_EXIT_NOTFOUND
						    : PD_EXIT_RUNTIME;
			}
			while (tb.len && (tb.buf[tb.len - 1] == '\n' ||
					  tb.buf[tb.len - 1] == '\r' ||
					  tb.buf[tb.len - 1] == ' ')) {
				buf_setlen(&tb, tb.len - 1);
			}
			if (!tb.len) {
				msg_error("token file '%s' is empty", optarg);
				buf_release(&tb);
				free(fixtures);
				return PD_EXIT_USAGE;
			}
			free(token_storage);
			token_storage = buf_detach(&tb, NULL);
			o.token = token_storage;
			break;
		}
		case OPT_CLIENT_CERT: o.client_cert = co.on; break;
		case OPT_NO_CONTROLLER: o.controller = !co.on; break;
		case OPT_NO_ARGOCD: aopts.enabled = !co.on; break;
		case OPT_ARGOCD_REFRESH:
			aopts.refresh_ms = clock_parse_duration(optarg);
			if (aopts.refresh_ms < 0 ||
			    (optarg[strspn(optarg, "0123456789.")] == '\0' &&
			     strcmp(optarg, "0") != 0)) {
				msg_error("invalid duration '%s' for "
					  "--argocd-refresh (Go syntax: 3m, "
					  "90s; 0 to never poll)", optarg);
				goto usage;
			}
			break;
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
		case OPT_F_EXPIRE: sim_faults.watch_expire = co.on; break;
		case OPT_F_CRASH:
			if (!*optarg || sim_faults.ncrash_images == 8) {
				msg_error("invalid --fault-crash-image '%s'",
					  optarg);
				goto usage;
			}
			snprintf(sim_faults.crash_images[
				 sim_faults.ncrash_images++],
				 sizeof(sim_faults.crash_images[0]), "%s",
				 optarg);
			break;
		case OPT_CLOCK:
			if (strcmp(optarg, "manual") == 0) {
				manual = true;
			} else if (strcmp(optarg, "real") != 0) {
				msg_error("invalid value '%s' for --clock (want "
					  "real or manual)", optarg);
				goto usage;
			}
			break;
		case OPT_SCALE:
			if (sim_number("time-scale", optarg, 0.001, 100000,
				       &scale)) {
				goto usage;
			}
			break;
		case OPT_SEED:
			if (sim_number("seed", optarg, 0, 4294967295.0, &d)) {
				goto usage;
			}
			copts.seed = (unsigned)d;
			break;
		case OPT_POD_READY:
			copts.pod_ready_ms = clock_parse_duration(optarg);
			if (copts.pod_ready_ms < 0 ||
			    optarg[strspn(optarg, "0123456789.")] == '\0') {
				msg_error("invalid duration '%s' for --pod-ready "
					  "(Go syntax: 2s, 500ms)", optarg);
				goto usage;
			}
			break;
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
			printf("rollouts-sim %s\n", PDKIT_VERSION);
			free(fixtures);
			return msg_finish(0);
		default:
			msg_error("%s (see 'rollouts-sim --help')", e.msg);
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
		free(token_storage);
		goto usage;
	}
	srand(copts.seed ? copts.seed : (unsigned)time(NULL) ^ (unsigned)getpid());
	if (!copts.seed) {
		copts.seed = (unsigned)rand();
	}
	copts.enabled = o.controller;
	clock_init(manual, scale, 0);
	store_init((size_t)history);
	pthread_mutex_lock(&sim_lock);
	for (int i = 0; i < nfix; i++) {
		if (fixtures_load(fixtures[i], &e) < 0) {
			pthread_mutex_unlock(&sim_lock);
			free(fixtures);
			return msg_err(&e);
		}
	}
	store_ensure_namespace("default");
	pthread_mutex_unlock(&sim_lock);
	free(fixtures);
	controller_init(&copts);
	argocd_init(&aopts);
	if (controller_start() < 0) {
		msg_error("cannot start the controller thread");
		argocd_cleanup();
		return PD_EXIT_RUNTIME;
	}
	int rc = server_run(&o, &e);
	controller_stop();
	argocd_cleanup();
	reqlog_close();
	free(token_storage);
	if (rc < 0) {
		return msg_err(&e);
	}
	return msg_finish(0);
usage:
	free(fixtures);
	return PD_EXIT_USAGE;
}
