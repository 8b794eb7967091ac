/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-dashboard: `dashboard`, a small live web view of the namespace's
 * rollouts with the write commands behind its buttons. The informers of
 * `get -w` (every rollout, ReplicaSet, pod, AnalysisRun and Experiment of
 * the namespace, or of all with -A) feed the store of dash-store.c after
 * every batch of changes; the server of dash-http.c serves the page, the
 * API and the event streams from its own polling thread, and hands the
 * actions back to this thread, which runs the write commands' own exec on
 * a copy of the context (their output caught, the last line the answer).
 * Built without the dashboard feature (PDKIT_DASHBOARD undefined), the
 * command says so and exits 1.
 */
#include "cmd.h"

static const struct cmd_opt cmd_dashboard_opts[] = {
	{ "port", 'p', CMD_OPT_INT, "PORT", "port to listen on (0: a free one)", "3100" },
	{ "address", 0, CMD_OPT_STR, "ADDR", "address to listen on; one that is not loopback needs --token-file or --read-only", "127.0.0.1" },
	{ "root-path", 0, CMD_OPT_STR, "PATH", "path of the pages", "rollouts" },
	{ "read-only", 0, CMD_OPT_BOOL, NULL, "no actions: the buttons are hidden and every PUT is refused", NULL },
	{ "token-file", 0, CMD_OPT_STR, "FILE", "require the bearer token in FILE for every request", NULL },
	{ "all-namespaces", 'A', CMD_OPT_BOOL, NULL, "show the rollouts of every namespace", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

#ifndef PDKIT_DASHBOARD

static int
cmd_dashboard_exec(struct cmd_ctx *ctx)
{
	err_set(&ctx->err, PD_ERUNTIME, "built without the dashboard "
		"(meson -Ddashboard=enabled, needs libmicrohttpd)");
	return cmd_fail(ctx);
}

#else

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dash.h"
#include "informer.h"
#include "xalloc.h"

extern const struct cmd_entry cmd_promote_entry;
extern const struct cmd_entry cmd_abort_entry;
extern const struct cmd_entry cmd_retry_rollout_entry;
extern const struct cmd_entry cmd_pause_entry;
extern const struct cmd_entry cmd_undo_entry;
extern const struct cmd_entry cmd_restart_entry;
extern const struct cmd_entry cmd_set_image_entry;

enum { DASH_RO, DASH_RS, DASH_PODS, DASH_AR, DASH_EXP, DASH_N };

struct cmd_dashboard {
	struct cmd_ctx *ctx;
	struct informer *infs[DASH_N];
	struct dash_store *store;
	struct dash_http *http;
	long long last_publish, last_wake;
	bool down;
};

/* Run a write command's exec for an action, its output caught: the last
 * line it wrote is the action's message. */
static void
cmd_dashboard_act(void *arg, struct dash_action *a)
{
	struct cmd_dashboard *d = arg;
	const struct cmd_entry *e = NULL;
	const char *flag = NULL, *flagval = "true";
	char *extra = NULL;
	if (strcmp(a->verb, "promote") == 0) {
		e = &cmd_promote_entry;
		flag = a->full ? "full" : NULL;
	} else if (strcmp(a->verb, "abort") == 0) {
		e = &cmd_abort_entry;
	} else if (strcmp(a->verb, "retry") == 0) {
		e = &cmd_retry_rollout_entry;
	} else if (strcmp(a->verb, "restart") == 0) {
		e = &cmd_restart_entry;
	} else if (strcmp(a->verb, "pause") == 0) {
		e = &cmd_pause_entry;
	} else if (strcmp(a->verb, "set") == 0) {
		e = &cmd_set_image_entry;
		extra = xasprintf("%s=%s:%s", a->arg1, a->arg2, a->arg3);
	} else if (strcmp(a->verb, "undo") == 0) {
		e = &cmd_undo_entry;
		flag = "to-revision";
		flagval = a->arg1;
	}
	const char *problem = cmd_name_problem(a->name);
	if (!problem) {
		problem = cmd_name_problem(a->ns);
	}
	if (!e || problem) {
		a->exit_code = PD_EXIT_USAGE;
		buf_addf(&a->message, "invalid request: %s",
			 problem ? problem : "unknown action");
		free(extra);
		return;
	}
	struct cmd_ctx *ctx = d->ctx;
	struct cmd_ctx sub = *ctx;
	char *args[] = { (char *)a->name, extra, NULL };
	sub.entry = e;
	sub.args = args;
	sub.nargs = extra ? 2 : 1;
	sub.cfg.namespace = (char *)a->ns;
	sub.avals = ctx->nvals + 1;
	sub.val_name = xcalloc((size_t)sub.avals, sizeof(*sub.val_name));
	sub.val = xcalloc((size_t)sub.avals, sizeof(*sub.val));
	sub.nvals = 0;
	for (int i = 0; i < ctx->nvals; i++) {
		sub.val_name[sub.nvals] = ctx->val_name[i];
		sub.val[sub.nvals++] = ctx->val[i];
	}
	if (flag) {
		cmd_flag_add(&sub, flag, flagval);
	}
	memset(&sub.err, 0, sizeof(sub.err));
	char *path = xasprintf("%s/kr-dash-XXXXXX", getenv("TMPDIR") &&
			       *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0) {
		a->exit_code = PD_EXIT_RUNTIME;
		buf_addf(&a->message, "cannot run %s: no temporary file",
			 e->name);
		free(path);
		free(sub.val_name);
		free(sub.val);
		free(extra);
		return;
	}
	unlink(path);
	free(path);
	fflush(stdout);
	fflush(stderr);
	int out = dup(1), err = dup(2);
	dup2(fd, 1);
	dup2(fd, 2);
	a->exit_code = e->exec(&sub);
	fflush(stdout);
	fflush(stderr);
	dup2(out, 1);
	dup2(err, 2);
	close(out);
	close(err);
	struct buf b = BUF_INIT;
	lseek(fd, 0, SEEK_SET);
	char chunk[4096];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n <= 0) {
			break;
		}
		buf_add(&b, chunk, (size_t)n);
	}
	close(fd);
	buf_trim(&b);
	const char *last = b.buf ? strrchr(b.buf, '\n') : NULL;
	last = last ? last + 1 : (b.buf ? b.buf : "");
	if (*last) {
		buf_adds(&a->message, last);
	} else {
		buf_addf(&a->message, "%s: exit %d", e->name, a->exit_code);
	}
	buf_release(&b);
	free(sub.val_name);
	free(sub.val);
	free(extra);
}

static int
cmd_dashboard_tick(void *arg, bool changed)
{
	struct cmd_dashboard *d = arg;
	long long now = cmd_mono_ms();
	bool down = false, wake = false;
	for (size_t i = 0; i < DASH_N; i++) {
		down = down || informer_retrying(d->infs[i]);
	}
	if (down != d->down) {
		d->down = down;
		dash_store_set_connected(d->store, !down);
		wake = true;
	}
	/* on a change, and every 5 s for the ages */
	if (changed || now - d->last_publish >= 5000) {
		size_t n = dash_store_publish(d->store,
			informer_items(d->infs[DASH_RO]),
			informer_items(d->infs[DASH_RS]),
			informer_items(d->infs[DASH_PODS]),
			informer_items(d->infs[DASH_AR]),
			informer_items(d->infs[DASH_EXP]),
			(long long)cmd_now(d->ctx));
		d->last_publish = now;
		wake = wake || n > 0;
	}
	dash_http_run_actions(d->http, cmd_dashboard_act, d);
	/* the keep-alive comment finds the pages that went away */
	if (wake || now - d->last_wake >= 15000) {
		dash_http_wake(d->http);
		d->last_wake = now;
	}
	return 0;
}

/* The address is a loopback one (127/8, ::1, localhost). */
static bool
cmd_dashboard_loopback(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (strcmp(addr, "localhost") == 0) {
		return true;
	}
	if (inet_pton(AF_INET, addr, &a4) == 1) {
		return (ntohl(a4.s_addr) >> 24) == 127;
	}
	if (inet_pton(AF_INET6, addr, &a6) == 1) {
		return memcmp(&a6, &in6addr_loopback, sizeof(a6)) == 0;
	}
	return false;
}

/* The token in file (trimmed): 0, or a negative PD_E* with ctx->err. */
static int
cmd_dashboard_token(struct cmd_ctx *ctx, const char *file, struct buf *tok)
{
	if (buf_read_file(tok, file) < 0) {
		return err_set(&ctx->err, errno == ENOENT ? PD_ENOTFOUND :
			       PD_ERUNTIME, "cannot read token file '%s': %s",
			       file, strerror(errno));
	}
	buf_trim(tok);
	if (!tok->len || strchr(tok->buf, '\n')) {
		return err_set(&ctx->err, PD_EINVALID, "token file '%s' must "
			       "hold one non-empty line", file);
	}
	return 0;
}

static int
cmd_dashboard_exec(struct cmd_ctx *ctx)
{
	long port = 3100;
	if (cmd_flag_int(ctx, "port", 3100, &port) < 0) {
		return cmd_fail(ctx);
	}
	if (port < 0 || port > 65535) {
		err_set(&ctx->err, PD_EUSAGE, "invalid argument '%ld' for "
			"--port: want 0 to 65535", port);
		return cmd_fail(ctx);
	}
	const char *address = cmd_flag_str(ctx, "address");
	address = address ? address : "127.0.0.1";
	const char *rp = cmd_flag_str(ctx, "root-path");
	rp = rp ? rp : "rollouts";
	while (*rp == '/') {
		rp++;
	}
	char *root = xstrdup(rp);
	size_t rl = strlen(root);
	while (rl > 0 && root[rl - 1] == '/') {
		root[--rl] = '\0';
	}
	bool root_ok = rl > 0 && strcmp(root, "api") != 0;
	for (size_t i = 0; i < rl; i++) {
		char ch = root[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		      ch == '.')) {
			root_ok = false;
		}
	}
	if (!root_ok) {
		err_set(&ctx->err, PD_EUSAGE, "invalid argument '%s' for "
			"--root-path: want one path segment of letters, digits, "
			"'-', '_' or '.', not 'api'", rp);
		free(root);
		return cmd_fail(ctx);
	}
	bool read_only = cmd_flag_bool(ctx, "read-only", false);
	bool all = cmd_flag_bool(ctx, "all-namespaces", false);
	const char *token_file = cmd_flag_str(ctx, "token-file");
	bool loopback = cmd_dashboard_loopback(address);
	if (!loopback && !token_file && !read_only) {
		err_set(&ctx->err, PD_EUSAGE, "address '%s' is not a loopback "
			"one: it needs --token-file or --read-only", address);
		free(root);
		return cmd_fail(ctx);
	}
	struct buf token = BUF_INIT;
	if (token_file && cmd_dashboard_token(ctx, token_file, &token) < 0) {
		buf_release(&token);
		free(root);
		return cmd_fail(ctx);
	}
	struct kube_client *c = cmd_client(ctx);
	if (!c) {
		buf_release(&token);
		free(root);
		return cmd_fail(ctx);
	}
	const char *ns = all ? NULL : cmd_namespace(ctx);

	struct cmd_dashboard d;
	memset(&d, 0, sizeof(d));
	d.ctx = ctx;
	static const struct {
		const char *group, *version, *plural;
	} kinds[DASH_N] = {
		{ "argoproj.io", "v1alpha1", "rollouts" },
		{ "apps", "v1", "replicasets" },
		{ "", "v1", "pods" },
		{ "argoproj.io", "v1alpha1", "analysisruns" },
		{ "argoproj.io", "v1alpha1", "experiments" },
	};
	for (size_t i = 0; i < DASH_N; i++) {
		char *p = kube_path(kinds[i].group, kinds[i].version, ns,
				    kinds[i].plural, NULL);
		d.infs[i] = informer_new(c, p, NULL);
		free(p);
	}
	d.store = dash_store_new();
	struct dash_http_options ho = {
		.address = address,
		.port = (int)port,
		.root = root,
		.token = token_file ? token.buf : NULL,
		.read_only = read_only,
		.loopback = loopback,
		.ns = ns,
		.store = d.store,
	};
	signal(SIGPIPE, SIG_IGN);
	int rc = dash_http_new(&d.http, &ho, &ctx->err);
	if (rc == 0) {
		bool v6 = strchr(address, ':') != NULL;
		printf(v6 ? "http://[%s]:%d/%s/\n" : "http://%s:%d/%s/\n",
		       address, dash_http_port(d.http), root);
		fflush(stdout);
		cmd_catch_signals();
		d.last_publish = d.last_wake = cmd_mono_ms();
		/* 25 ms ticks: the queued actions wait no longer */
		rc = informer_run(d.infs, DASH_N, 25, cmd_dashboard_tick, &d,
				  &cmd_interrupted, &ctx->err);
		dash_http_free(d.http);
	}
	dash_store_free(d.store);
	for (size_t i = 0; i < DASH_N; i++) {
		informer_free(d.infs[i]);
	}
	buf_release(&token);
	free(root);
	if (rc == -PD_ETIMEOUT && cmd_interrupted) {
		return 0;
	}
	return rc < 0 ? cmd_fail(ctx) : 0;
}

#endif

const struct cmd_entry cmd_dashboard_entry = {
	.name = "dashboard",
	.usage = "[-p PORT] [--address ADDR] [--root-path PATH] [--read-only] [--token-file FILE] [-A]",
	.summary = "Serve a live web view of the rollouts, with actions",
	.min_args = 0,
	.max_args = 0,
	.opts = cmd_dashboard_opts,
	.exec = cmd_dashboard_exec,
};
