/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-status: `status NAME`, the plugin's status lines. With --watch (the
 * default) it prints a line each time it changes and ends on Healthy (exit
 * 0), Degraded (7), the --timeout (6) or an interrupt (6); with
 * --watch=false it prints the line once (Degraded exits 7).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "fetch.h"
#include "json.h"
#include "msg.h"
#include "render.h"
#include "rollout.h"
#include "xalloc.h"

static const struct cmd_opt cmd_status_opts[] = {
	{ "watch", 'w', CMD_OPT_BOOL, NULL, "watch the status until Healthy or Degraded", "true" },
	{ "timeout", 't', CMD_OPT_DURATION, "DURATION", "give up after DURATION (Go syntax: 30s, 5m; 0: never)", "0" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

struct cmd_status_state {
	struct cmd_ctx *ctx;
	struct fetch_watch fw;
	long long deadline_ms;
	struct buf last;
	struct buf status;       /* the status and message, whole */
	struct buf message;
	bool seen;
	bool deleted;
};

/* Compute status and message from the objects. */
static void
cmd_status_compute(struct cmd_status_state *st, const struct fetch_set *fs)
{
	struct ro_objects objs = {
		.rollout = fs->rollout,
		.replicasets = fs->replicasets,
		.pods = fs->pods,
		.analysisruns = fs->analysisruns,
		.experiments = fs->experiments,
		.deployments = fs->deployments,
	};
	struct ro_info *ri = rollout_info_new(&objs, cmd_now(st->ctx));
	const char *s = ri->status;
	const char *m = ri->message;
	buf_reset(&st->status);
	buf_reset(&st->message);
	buf_adds(&st->status, s ? s : "");
	buf_adds(&st->message, m ? m : "");
	rollout_info_free(ri);
}

static int
cmd_status_tick(void *arg, bool changed)
{
	struct cmd_status_state *st = arg;
	(void)changed;
	struct fetch_set fs;
	if (!fetch_watch_view(&st->fw, &fs)) {
		st->deleted = true;
		return 1;
	}
	cmd_status_compute(st, &fs);
	struct buf line = BUF_INIT;
	render_status_line(&line, st->status.buf, st->message.buf);
	if (!st->seen || strcmp(line.buf, st->last.buf) != 0) {
		fputs(line.buf, stdout);
		fflush(stdout);
		buf_reset(&st->last);
		buf_adds(&st->last, line.buf);
		st->seen = true;
	}
	buf_release(&line);
	if (strcmp(st->status.buf, "Healthy") == 0 ||
	    strcmp(st->status.buf, "Degraded") == 0) {
		return 1;
	}
	if (st->deadline_ms && cmd_mono_ms() >= st->deadline_ms) {
		return 2;
	}
	return 0;
}

static int
cmd_status_degraded(struct cmd_ctx *ctx, const char *message)
{
	err_set(&ctx->err, PD_EDEGRADED,
		"rollout '%s' is degraded: %s", ctx->args[0], message);
	return cmd_fail(ctx);
}

/* The view once, or the watch: the exit code. fsp is released. */
static int
cmd_status_run(struct cmd_ctx *ctx, struct cmd_status_state *st,
	       struct kube_client *c, const char *ns, struct fetch_set *fsp,
	       long long timeout_ms)
{
	const char *name = ctx->args[0];
	int rc;
	cmd_status_compute(st, fsp);
	if (!cmd_flag_bool(ctx, "watch", true)) {
		fetch_release(fsp);
		struct buf line = BUF_INIT;
		render_status_line_once(&line, st->status.buf, st->message.buf);
		fputs(line.buf, stdout);
		buf_release(&line);
		if (strcmp(st->status.buf, "Degraded") == 0) {
			fflush(stdout);
			return cmd_status_degraded(ctx, st->message.buf);
		}
		return 0;
	}

	/* watch: the same collections, kept up to date */
	fetch_watch_init(&st->fw, c, ns, name, true, fsp->rollout);
	fetch_release(fsp);
	if (timeout_ms > 0) {
		st->deadline_ms = cmd_mono_ms() + timeout_ms;
	}
	cmd_catch_signals();
	rc = informer_run(st->fw.infs, st->fw.n, timeout_ms > 0 &&
				timeout_ms < 1000 ? timeout_ms : 1000,
				cmd_status_tick, st, &cmd_interrupted,
				&ctx->err);
	fetch_watch_release(&st->fw);
	buf_release(&st->last);
	if (rc < 0 && !(rc == -PD_ETIMEOUT && cmd_interrupted)) {
		return cmd_fail(ctx);
	}
	if (st->deleted) {
		err_set(&ctx->err, PD_ENOTFOUND, "rollout '%s' was deleted",
			name);
		return cmd_fail(ctx);
	}
	if (strcmp(st->status.buf, "Healthy") == 0 && rc == 1) {
		return 0;
	}
	if (strcmp(st->status.buf, "Degraded") == 0 && rc == 1) {
		return cmd_status_degraded(ctx, st->message.buf);
	}
	err_set(&ctx->err, PD_ETIMEOUT, "rollout '%s' status watch %s", name,
		cmd_interrupted ? "interrupted" : "exceeded timeout");
	return cmd_fail(ctx);
}

static int
cmd_status_exec(struct cmd_ctx *ctx)
{
	const char *name = ctx->args[0];
	long long timeout_ms;
	if (cmd_flag_duration(ctx, "timeout", &timeout_ms) < 0) {
		return cmd_fail(ctx);
	}
	struct kube_client *c = cmd_client(ctx);
	if (!c) {
		return cmd_fail(ctx);
	}
	const char *ns = cmd_namespace(ctx);
	struct fetch_set fs;
	int rc = fetch_run(c, ns, name, NULL, &fs, &ctx->err);
	if (rc < 0) {
		bool missing = -rc == PD_ENOTFOUND && !fs.rollout;
		fetch_release(&fs);
		if (missing) {
			err_set(&ctx->err, PD_ENOTFOUND,
				"rollout '%s' not found in namespace '%s'", name,
				ns);
		}
		return cmd_fail(ctx);
	}
	struct cmd_status_state st;
	memset(&st, 0, sizeof(st));
	st.ctx = ctx;
	buf_init(&st.status, 0);
	buf_init(&st.message, 0);
	rc = cmd_status_run(ctx, &st, c, ns, &fs, timeout_ms);
	buf_release(&st.status);
	buf_release(&st.message);
	return rc;
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "ROLLOUT_NAME [--watch=false] [-t DURATION]",
	.summary = "Show the status of a rollout",
	.complete = "rollouts",
	.min_args = 1,
	.max_args = 1,
	.opts = cmd_status_opts,
	.exec = cmd_status_exec,
};
