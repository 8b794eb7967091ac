/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-status: `status NAME`, the plugin's status lines. With --watch (the
 * default) it prints a line each time it changes and ends on Healthy (exit
 * 0), Degraded (7), the --timeout (6) or an interrupt (6); with
 * --watch=false it prints the line once (Degraded exits 7). The timeout
 * counts from the command's start and bounds everything, the first reads
 * included, whatever the server does (no answer, 429s, latency). No
 * verdict is drawn before the informers' first sync.
 *
 * --revision SHA follows a release from the merge: it also watches the
 * Argo CD Application that manages the rollout (gitops.h), waits until
 * the application has synced that commit, and only then takes the
 * rollout's verdict; a failed sync or a ComparisonError ends it at once
 * (exit 1, the application's message). --image IMAGE waits until the
 * rollout's template runs that image (":TAG" for any repository) and
 * takes the verdict from then on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "fetch.h"
#include "gitops.h"
#include "json.h"
#include "msg.h"
#include "render.h"
#include "rollout.h"
#include "xalloc.h"

static const struct cmd_opt cmd_status_opts[] = {
	{ "watch", 'w', CMD_OPT_BOOL, NULL, "watch the status until Healthy or Degraded", "true" },
	{ "timeout", 't', CMD_OPT_DURATION, "DURATION", "give up after DURATION (Go syntax: 30s, 5m; 0: never)", "0" },
	{ "revision", 0, CMD_OPT_STR, "SHA", "wait until the Argo CD Application managing the rollout has synced commit SHA (4 to 40 hex digits), then for the rollout's verdict", NULL },
	{ "image", 0, CMD_OPT_STR, "IMAGE", "wait until the rollout runs IMAGE (REPO:TAG, or :TAG for any repository), then for its verdict", NULL },
	{ "argocd-namespace", 0, CMD_OPT_STR, "NS", "where Argo CD's Applications live, for --revision", "argocd" },
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
	/* --revision: the application's informer (fw's are first) */
	const char *revision;
	const char *image;
	struct kube_client *client;
	struct informer *app_inf;
	char *app_name;
	const char *ctl_ns;
	char *rollout_path;
	struct buf app_last;
	struct buf app_msg;
	bool app_failed;
	bool app_synced;
	long long min_generation; /* the rollout's, read once synced */
	bool release_seen;        /* --image: the template runs it */
};

/* --revision: the application's state; true when the rollout's verdict
 * may be taken (the commit is synced and the rollout is the synced one). */
static bool
cmd_status_app(struct cmd_status_state *st, const cJSON *rollout)
{
	const cJSON *chain[8];
	size_t n = gitops_chain(informer_items(st->app_inf), rollout,
				st->ctl_ns, chain, 8);
	struct buf line = BUF_INIT;
	buf_adds(&line, "GitOps: ");
	if (n) {
		gitops_chain_summary(&line, chain, n);
	} else {
		buf_addf(&line, "waiting for application '%s'", st->app_name);
	}
	buf_addch(&line, '\n');
	if (strcmp(line.buf, st->app_last.buf) != 0) {
		fputs(line.buf, stdout);
		fflush(stdout);
		buf_reset(&st->app_last);
		buf_adds(&st->app_last, line.buf);
	}
	buf_release(&line);
	if (!n) {
		return false;
	}
	buf_reset(&st->app_msg);
	enum gitops_rev r = gitops_chain_state(chain, n, st->revision,
					       &st->app_msg);
	if (r == GITOPS_REV_FAILED) {
		st->app_failed = true;
		return false;
	}
	if (r != GITOPS_REV_SYNCED) {
		return false;
	}
	if (!st->app_synced) {
		/* the watch streams are not ordered with each other: read the
		 * rollout as it is now, after the sync, and take no verdict
		 * from an older copy */
		cJSON *ro = NULL;
		struct pd_err e = { 0 };
		if (kube_request(st->client, "GET", st->rollout_path, NULL,
				 NULL, &ro, &e) < 0) {
			cJSON_Delete(ro);
			return false;
		}
		st->min_generation = (long long)json_num(ro,
					"metadata.generation", 0);
		cJSON_Delete(ro);
		st->app_synced = true;
	}
	return (long long)json_num(rollout, "metadata.generation", 0) >=
	       st->min_generation;
}

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
	bool verdict = true;
	if (st->revision) {
		verdict = cmd_status_app(st, fs.rollout);
		if (st->app_failed) {
			return 1;
		}
	}
	if (st->image) {
		if (!st->release_seen &&
		    gitops_rollout_has_image(fs.rollout, st->image)) {
			st->release_seen = true;
		}
		verdict = verdict && st->release_seen;
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
	if (verdict && (strcmp(st->status.buf, "Healthy") == 0 ||
			strcmp(st->status.buf, "Degraded") == 0)) {
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
	if (!cmd_flag_bool(ctx, "watch", true) && (st->revision || st->image)) {
		fetch_release(fsp);
		err_set(&ctx->err, PD_EUSAGE, "--%s waits for a release: it "
			"cannot be used with --watch=false",
			st->revision ? "revision" : "image");
		return cmd_fail(ctx);
	}
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
	struct informer *infs[8];
	size_t n = st->fw.n;
	memcpy(infs, st->fw.infs, n * sizeof(infs[0]));
	if (st->revision) {
		st->ctl_ns = cmd_flag_str(ctx, "argocd-namespace");
		struct gitops_ref ref;
		if (!gitops_ref_init(&ref, fsp->rollout, st->ctl_ns)) {
			fetch_watch_release(&st->fw);
			fetch_release(fsp);
			err_set(&ctx->err, PD_ENOTFOUND, "rollout '%s' is not "
				"managed by an Argo CD application (no "
				"argocd.argoproj.io/tracking-id annotation or "
				"app.kubernetes.io/instance label)", name);
			return cmd_fail(ctx);
		}
		/* the namespace's applications: the app, and those above it
		 * for an app of apps, in one ordered stream */
		char *p = kube_path("argoproj.io", "v1alpha1", ref.ns,
				    "applications", NULL);
		st->app_name = ref.app;
		ref.app = NULL;
		gitops_ref_release(&ref);
		st->app_inf = informer_new(c, p, NULL);
		free(p);
		infs[n++] = st->app_inf;
		st->client = c;
		st->rollout_path = kube_path("argoproj.io", "v1alpha1", ns,
					     "rollouts", name);
	}
	fetch_release(fsp);
	if (timeout_ms > 0) {
		st->deadline_ms = ctx->start_ms + timeout_ms;
	}
	cmd_catch_signals();
	rc = informer_run(infs, n, timeout_ms > 0 &&
				timeout_ms < 1000 ? timeout_ms : 1000,
				cmd_status_tick, st, &cmd_interrupted,
				&ctx->err);
	fetch_watch_release(&st->fw);
	informer_free(st->app_inf);
	free(st->app_name);
	free(st->rollout_path);
	buf_release(&st->app_last);
	buf_release(&st->last);
	if (st->app_failed) {
		err_set(&ctx->err, PD_ERUNTIME, "%s", st->app_msg.buf);
		buf_release(&st->app_msg);
		return cmd_fail(ctx);
	}
	buf_release(&st->app_msg);
	/* -PD_ETIMEOUT: interrupted, or the client's deadline (-t) */
	if (rc < 0 && rc != -PD_ETIMEOUT) {
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
	const char *rev = cmd_flag_str(ctx, "revision");
	const char *img = cmd_flag_str(ctx, "image");
	if (rev && !gitops_sha_valid(rev)) {
		err_set(&ctx->err, PD_EUSAGE, "invalid argument '%s' for "
			"--revision: want a commit SHA (4 to 40 hex digits)",
			rev);
		return cmd_fail(ctx);
	}
	if (img && (!*img || !strcmp(img, ":") || !strcmp(img, "@"))) {
		err_set(&ctx->err, PD_EUSAGE, "invalid argument '%s' for "
			"--image: want REPO:TAG, REPO@DIGEST, :TAG or @DIGEST",
			img);
		return cmd_fail(ctx);
	}
	struct kube_client *c = cmd_client(ctx);
	if (!c) {
		return cmd_fail(ctx);
	}
	if (timeout_ms > 0) {
		/* -t bounds the whole command, whatever the server does */
		long long left = ctx->start_ms + timeout_ms - cmd_mono_ms();
		kube_client_set_deadline(c, left > 0 ? left : 0);
	}
	const char *ns = cmd_namespace(ctx);
	struct fetch_set fs;
	int rc = fetch_run(c, ns, name, NULL, &fs, &ctx->err);
	if (rc < 0) {
		bool missing = -rc == PD_ENOTFOUND &&
			       ctx->err.http_status == 404 && !fs.rollout;
		fetch_release(&fs);
		if (rc == -PD_ETIMEOUT && kube_client_remaining(c) == 0) {
			err_prefix(&ctx->err, "rollout '%s' status watch "
				   "exceeded timeout", name);
		}
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
	st.revision = cmd_flag_str(ctx, "revision");
	st.image = cmd_flag_str(ctx, "image");
	buf_init(&st.status, 0);
	buf_init(&st.message, 0);
	buf_init(&st.app_last, 0);
	buf_init(&st.app_msg, 0);
	rc = cmd_status_run(ctx, &st, c, ns, &fs, timeout_ms);
	buf_release(&st.status);
	buf_release(&st.message);
	return rc;
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "ROLLOUT_NAME [--watch=false] [-t DURATION] [--revision SHA | --image IMAGE]",
	.summary = "Show the status of a rollout",
	.complete = "rollouts",
	.min_args = 1,
	.max_args = 1,
	.opts = cmd_status_opts,
	.exec = cmd_status_exec,
};
