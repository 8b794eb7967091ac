/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-get: `get rollout NAME` and `get experiment NAME`, the tree views of
 * kubectl-argo-rollouts byte for byte, plus -o json|yaml (the computed
 * view), --revisions N, and a --watch that redraws in place only when the
 * text changes, with --timeout-seconds and --exit-on-complete.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "fetch.h"
#include "gitops.h"
#include "json.h"
#include "msg.h"
#include "render.h"
#include "rollout.h"
#include "xalloc.h"
#include "yaml.h"

static const struct cmd_opt cmd_get_rollout_opts[] = {
	{ "watch", 'w', CMD_OPT_BOOL, NULL, "watch live updates to the rollout", NULL },
	{ "timeout-seconds", 0, CMD_OPT_INT, "N", "stop watching after N seconds (0: never)", "0" },
	{ "exit-on-complete", 0, CMD_OPT_BOOL, NULL, "with --watch, exit when the rollout is Healthy (0) or Degraded (7); 6 on timeout or interrupt", NULL },
	{ "output", 'o', CMD_OPT_STR, "FORMAT", "json or yaml: the computed view", NULL },
	{ "revisions", 0, CMD_OPT_INT, "N", "show only the newest N revisions (0: all)", "0" },
	{ "argocd-namespace", 0, CMD_OPT_STR, "NS", "where Argo CD's Applications live, for the gitOps trace of -o json|yaml", "argocd" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct cmd_opt cmd_get_experiment_opts[] = {
	{ "watch", 'w', CMD_OPT_BOOL, NULL, "watch live updates to the experiment", NULL },
	{ "timeout-seconds", 0, CMD_OPT_INT, "N", "stop watching after N seconds (0: never)", "0" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

/* The not-found error in our form, naming the namespace. */
static int
cmd_get_notfound(struct cmd_ctx *ctx, const char *kind, const char *name)
{
	err_set(&ctx->err, PD_ENOTFOUND, "%s '%s' not found in namespace '%s'",
		kind, name, cmd_namespace(ctx));
	return cmd_fail(ctx);
}

/* Render the current view into out; *status set for rollouts. */
static void
cmd_get_render(struct cmd_ctx *ctx, const struct fetch_set *fs,
	       const cJSON *apps, const char *fmt, long revisions,
	       struct buf *out, char *status, size_t statuslen)
{
	struct ro_objects objs = {
		.rollout = fs->rollout,
		.replicasets = fs->replicasets,
		.pods = fs->pods,
		.analysisruns = fs->analysisruns,
		.experiments = fs->experiments,
		.deployments = fs->deployments,
	};
	struct render_opts ro = {
		.color = ctx->color && !fmt,
		.now = cmd_now(ctx),
		.revisions = (int)revisions,
	};
	buf_reset(out);
	if (fs->experiment) {
		struct exp_info *ei = rollout_experiment_new(fs->experiment, &objs,
							  ro.now);
		render_experiment(out, ei, &ro);
		rollout_experiment_free(ei);
		return;
	}
	struct ro_info *ri = rollout_info_new(&objs, ro.now);
	if (status) {
		snprintf(status, statuslen, "%s", ri->status ? ri->status : "");
	}
	if (fmt) {
		cJSON *j = render_rollout_json(ri);
		/* --revisions N: the newest N (revisions are newest first) */
		cJSON *revs = cJSON_GetObjectItem(j, "revisions");
		while (revisions > 0 && cJSON_GetArraySize(revs) > revisions) {
			cJSON_DeleteItemFromArray(revs,
				cJSON_GetArraySize(revs) - 1);
		}
		/* the Argo CD Applications that manage it (gitops.h) */
		const cJSON *chain[8];
		size_t n = apps ? gitops_chain(apps, fs->rollout,
				cmd_flag_str(ctx, "argocd-namespace"), chain,
				8) : 0;
		if (n) {
			json_set_item(j, "gitOps", gitops_chain_json(chain, n));
		}
		if (strcmp(fmt, "json") == 0) {
			json_write_pretty(out, j);
		} else {
			char *s = yaml_from_json(j);
			buf_adds(out, s);
			free(s);
		}
		cJSON_Delete(j);
	} else {
		render_rollout(out, ri, &ro);
	}
	rollout_info_free(ri);
}

/* ---------------------------------------------------------------- watch */

struct cmd_get_watch {
	struct cmd_ctx *ctx;
	const char *fmt;
	long revisions;
	long long deadline_ms;    /* 0: none */
	long long start_ms;
	bool exit_on_complete;
	bool tty;
	bool drawn;
	int result;
	struct buf last;
	struct buf cur;
	struct fetch_watch fw;
	const cJSON *apps;        /* for the gitOps trace, read once */
};

/* Draw text in place: home, each line cleared to its end, then clear
 * below, so nothing flickers and nothing scrolls away. */
static void
cmd_get_draw(struct cmd_get_watch *w)
{
	if (!w->tty) {
		fwrite(w->cur.buf, 1, w->cur.len, stdout);
		fflush(stdout);
		return;
	}
	struct buf o = BUF_INIT;
	buf_adds(&o, w->drawn ? "\033[H" : "\033[H\033[2J");
	for (const char *p = w->cur.buf; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		buf_add(&o, p, n);
		buf_adds(&o, "\033[K\n");
		p += n + (nl ? 1 : 0);
	}
	buf_adds(&o, "\033[J");
	fwrite(o.buf, 1, o.len, stdout);
	fflush(stdout);
	buf_release(&o);
	w->drawn = true;
}

static int
cmd_get_tick(void *arg, bool changed)
{
	struct cmd_get_watch *w = arg;
	long long now = cmd_mono_ms();
	if (w->deadline_ms && now >= w->deadline_ms) {
		/* only Healthy may give 0 when completion was asked for */
		w->result = w->exit_on_complete ? -PD_ETIMEOUT : 0;
		return 1;
	}
	struct fetch_set fs;
	if (!fetch_watch_view(&w->fw, &fs)) {
		err_set(&w->ctx->err, PD_ENOTFOUND, "%s '%s' was deleted",
			w->fw.is_rollout ? "rollout" : "experiment",
			w->fw.name);
		w->result = -PD_ENOTFOUND;
		return 1;
	}
	char status[32] = "";
	cmd_get_render(w->ctx, &fs, w->apps, w->fmt, w->revisions, &w->cur,
		       status, sizeof(status));
	if (w->cur.len != w->last.len ||
	    memcmp(w->cur.buf, w->last.buf, w->cur.len) != 0) {
		cmd_get_draw(w);
		buf_reset(&w->last);
		buf_add(&w->last, w->cur.buf, w->cur.len);
	}
	if (w->exit_on_complete && *status) {
		if (strcmp(status, "Healthy") == 0) {
			w->result = 0;
			return 1;
		}
		if (strcmp(status, "Degraded") == 0) {
			w->result = PD_EXIT_DEGRADED;
			return 1;
		}
	}
	(void)changed;
	return 0;
}

static int
cmd_get_watch(struct cmd_ctx *ctx, struct kube_client *c, const char *ns,
	      const char *name, bool is_rollout, const struct fetch_set *first,
	      const cJSON *apps, const char *fmt, long revisions, long timeout)
{
	struct cmd_get_watch w;
	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	w.fmt = fmt;
	w.apps = apps;
	w.revisions = revisions;
	w.tty = isatty(1);
	w.start_ms = ctx->start_ms;
	w.deadline_ms = timeout > 0 ? w.start_ms + timeout * 1000 : 0;
	w.exit_on_complete = cmd_flag_bool(ctx, "exit-on-complete", false);

	fetch_watch_init(&w.fw, c, ns, name, is_rollout,
			 is_rollout ? first->rollout : NULL);

	cmd_catch_signals();
	int rc = informer_run(w.fw.infs, w.fw.n, 1000, cmd_get_tick,
				    &w, &cmd_interrupted, &ctx->err);
	fetch_watch_release(&w.fw);
	buf_release(&w.last);
	buf_release(&w.cur);
	if (rc == -PD_ETIMEOUT && !cmd_interrupted) {
		/* the client's deadline: --timeout-seconds ran out */
		rc = 1;
		w.result = w.exit_on_complete ? -PD_ETIMEOUT : 0;
	}
	if (rc > 0 && w.result == -PD_ETIMEOUT) {
		err_set(&ctx->err, PD_ETIMEOUT, "%s '%s' did not complete "
			"within %lds", is_rollout ? "rollout" : "experiment",
			name, timeout);
		return cmd_fail(ctx);
	}
	if (rc > 0) {
		if (w.result < 0) {
			return cmd_fail(ctx);
		}
		return w.result;
	}
	if (rc == -PD_ETIMEOUT && cmd_interrupted) {
		if (w.exit_on_complete) {
			err_set(&ctx->err, PD_ETIMEOUT, "%s '%s' watch "
				"interrupted before it completed",
				is_rollout ? "rollout" : "experiment", name);
			return cmd_fail(ctx);
		}
		return 0; /* Ctrl-C ends a watch normally, as the plugin does */
	}
	return rc < 0 ? cmd_fail(ctx) : 0;
}

static int
cmd_get_exec_common(struct cmd_ctx *ctx, bool is_rollout)
{
	const char *name = ctx->args[0];
	const char *fmt = is_rollout ? cmd_flag_str(ctx, "output") : NULL;
	long revisions = 0, timeout = 0;
	if (fmt && strcmp(fmt, "json") != 0 && strcmp(fmt, "yaml") != 0) {
		err_set(&ctx->err, PD_EUSAGE,
			"unsupported output format '%s' (want json or yaml)",
			fmt);
		return cmd_fail(ctx);
	}
	if ((is_rollout && cmd_flag_int(ctx, "revisions", 0, &revisions) < 0) ||
	    cmd_flag_int(ctx, "timeout-seconds", 0, &timeout) < 0) {
		return cmd_fail(ctx);
	}
	if (revisions < 0 || timeout < 0) {
		err_set(&ctx->err, PD_EUSAGE, "invalid argument '%ld' for %s: "
			"must not be negative", revisions < 0 ? revisions : timeout,
			revisions < 0 ? "--revisions" : "--timeout-seconds");
		return cmd_fail(ctx);
	}
	struct kube_client *c = cmd_client(ctx);
	if (!c) {
		return cmd_fail(ctx);
	}
	bool watch = cmd_flag_bool(ctx, "watch", false);
	if (watch && timeout > 0) {
		/* --timeout-seconds bounds the whole command, counted from
		 * its start, whatever the server does */
		long long left = ctx->start_ms + timeout * 1000 - cmd_mono_ms();
		kube_client_set_deadline(c, left > 0 ? left : 0);
	}
	const char *ns = cmd_namespace(ctx);
	struct fetch_set fs;
	int rc = fetch_run(c, ns, is_rollout ? name : NULL,
			   is_rollout ? NULL : name, &fs, &ctx->err);
	if (rc == -PD_ETIMEOUT && watch && kube_client_remaining(c) == 0) {
		/* the watch's time ran out before the first view */
		fetch_release(&fs);
		if (cmd_flag_bool(ctx, "exit-on-complete", false)) {
			err_prefix(&ctx->err, "%s '%s' did not complete within "
				   "%lds", is_rollout ? "rollout" : "experiment",
				   name, timeout);
			return cmd_fail(ctx);
		}
		msg_warn("%s", ctx->err.msg);
		return 0;
	}
	if (rc < 0) {
		/* the object's own 404, not a missing tokenFile */
		bool main_missing = -rc == PD_ENOTFOUND &&
				    ctx->err.http_status == 404 &&
				    !fs.rollout && !fs.experiment;
		fetch_release(&fs);
		if (main_missing) {
			return cmd_get_notfound(ctx, is_rollout ? "rollout"
						: "experiment", name);
		}
		return cmd_fail(ctx);
	}
	/* -o json|yaml: the gitOps trace, one more request when tracked */
	cJSON *apps = fmt && fs.rollout ? fetch_applications(c, fs.rollout,
				cmd_flag_str(ctx, "argocd-namespace")) : NULL;
	if (watch) {
		rc = cmd_get_watch(ctx, c, ns, name, is_rollout, &fs, apps, fmt,
				   revisions, timeout);
		fetch_release(&fs);
		cJSON_Delete(apps);
		return rc;
	}
	struct buf out = BUF_INIT;
	cmd_get_render(ctx, &fs, apps, fmt, revisions, &out, NULL, 0);
	fwrite(out.buf, 1, out.len, stdout);
	buf_release(&out);
	fetch_release(&fs);
	cJSON_Delete(apps);
	return 0;
}

static int
cmd_get_rollout_exec(struct cmd_ctx *ctx)
{
	return cmd_get_exec_common(ctx, true);
}

static int
cmd_get_experiment_exec(struct cmd_ctx *ctx)
{
	return cmd_get_exec_common(ctx, false);
}

const struct cmd_entry cmd_get_rollout_entry = {
	.name = "rollout",
	.parent = "get",
	.aliases = "ro,rollouts",
	.usage = "ROLLOUT_NAME [-w] [-o json|yaml] [--revisions N]",
	.summary = "Get details about a rollout",
	.complete = "rollouts",
	.min_args = 1,
	.max_args = 1,
	.opts = cmd_get_rollout_opts,
	.exec = cmd_get_rollout_exec,
};

const struct cmd_entry cmd_get_experiment_entry = {
	.name = "experiment",
	.parent = "get",
	.aliases = "exp,experiments",
	.usage = "EXPERIMENT_NAME [-w]",
	.summary = "Get details about an Experiment",
	.complete = "experiments",
	.min_args = 1,
	.max_args = 1,
	.opts = cmd_get_experiment_opts,
	.exec = cmd_get_experiment_exec,
};
