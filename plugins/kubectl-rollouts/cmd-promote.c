/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-promote: `promote NAME [--full]` or `promote -l SELECTOR`: a GET,
 * then the plugin's patches (argo-plugin.md section 7.1) byte for byte,
 * in its order: the status patch to the status subresource (on 404 the
 * spec patch becomes the unified one), then the spec patch.
 *
 * One change: with --full, a rollout held by pause conditions (a pause
 * step, an inconclusive analysis) also gets "pauseConditions":null in its
 * status patch, as a plain promote sends, so --full leaves the pause at
 * once (argo-rollouts #2648); the plugin's bytes are unchanged otherwise.
 * Hidden deprecated -c/--skip-current-step and -a/--skip-all-steps set
 * the step index as the plugin does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "msg.h"
#include "write.h"
#include "xalloc.h"

static const struct cmd_opt cmd_promote_opts[] = {
	{ "full", 0, CMD_OPT_BOOL, NULL, "perform a full promotion, skipping analysis, pauses and steps", NULL },
	WRITE_OPT_SELECTOR,
	WRITE_OPT_DRY_RUN,
	/* deprecated and hidden (help NULL), as in the plugin */
	{ "skip-current-step", 'c', CMD_OPT_BOOL, NULL, NULL, NULL },
	{ "skip-all-steps", 'a', CMD_OPT_BOOL, NULL, NULL, NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

enum cmd_promote_mode { PROMOTE_STEP, PROMOTE_FULL, PROMOTE_SKIP_CURRENT,
			PROMOTE_SKIP_ALL };

struct cmd_promote_patches {
	char *spec;        /* to the main resource, or NULL */
	char *status;      /* to the status subresource, or NULL */
	char *unified;     /* the spec patch when /status answers 404 */
	const char *note;  /* why nothing will change, or NULL */
};

static bool
cmd_promote_canary(const cJSON *ro)
{
	return cJSON_IsObject(json_path(ro, "spec.strategy.canary"));
}

static int
cmd_promote_nsteps(const cJSON *ro)
{
	const cJSON *steps = json_path(ro, "spec.strategy.canary.steps");
	return cJSON_IsArray(steps) ? cJSON_GetArraySize(steps) : 0;
}

/* GetCurrentCanaryStep's index: false when not a canary with steps. */
static bool
cmd_promote_index(const cJSON *ro, long *idx)
{
	if (!cmd_promote_canary(ro) || cmd_promote_nsteps(ro) == 0) {
		return false;
	}
	*idx = (long)json_num(ro, "status.currentStepIndex", 0);
	return true;
}

/* idx + 1, never past the number of steps. */
static long
cmd_promote_next(const cJSON *ro, long idx)
{
	return idx < cmd_promote_nsteps(ro) ? idx + 1 : idx;
}

static bool
cmd_promote_has_pause_conditions(const cJSON *ro)
{
	const cJSON *pc = json_path(ro, "status.pauseConditions");
	return cJSON_IsArray(pc) && cJSON_GetArraySize(pc) > 0;
}

static void
cmd_promote_compute(const cJSON *ro, enum cmd_promote_mode mode,
		    struct cmd_promote_patches *p)
{
	memset(p, 0, sizeof(*p));
	bool paused = json_bool(ro, "spec.paused", false);
	bool pconds = cmd_promote_has_pause_conditions(ro);
	long idx = 0;
	switch (mode) {
	case PROMOTE_SKIP_CURRENT:
		if (cmd_promote_index(ro, &idx)) {
			p->status = xasprintf("{\"status\":{\"currentStepIndex"
					      "\":%ld}}",
					      cmd_promote_next(ro, idx));
			p->unified = xstrdup(p->status);
		}
		return;
	case PROMOTE_SKIP_ALL:
		p->status = xasprintf("{\"status\":{\"currentStepIndex\":%d}}",
				      cmd_promote_nsteps(ro));
		p->unified = xstrdup(p->status);
		return;
	case PROMOTE_FULL: {
		const char *cur = json_str(ro, "status.currentPodHash");
		const char *stable = json_str(ro, "status.stableRS");
		bool promoted = strcmp(cur ? cur : "", stable ? stable : "")
				== 0;
		if (paused) {
			p->spec = xstrdup("{\"spec\":{\"paused\":false}}");
		}
		if (!promoted && pconds) {
			/* #2648: leave the pause as well */
			p->status = xstrdup("{\"status\":{\"pauseConditions\":"
					    "null, \"promoteFull\":true}}");
			p->unified = xstrdup("{\"spec\":{\"paused\":false},"
					     "\"status\":{\"pauseConditions\":"
					     "null, \"promoteFull\":true}}");
			return;
		}
		if (!promoted) {
			p->status = xstrdup("{\"status\":{\"promoteFull\":"
					    "true}}");
			p->unified = xstrdup("{\"spec\":{\"paused\":false},"
					     "\"status\":{\"promoteFull\":"
					     "true}}");
		} else if (pconds) {
			/* promoted, yet held: what a plain promote sends */
			p->status = xstrdup("{\"status\":{\"pauseConditions\":"
					    "null}}");
			p->unified = xstrdup("{\"spec\":{\"paused\":false},"
					     "\"status\":{\"pauseConditions\":"
					     "null}}");
		}
		if (!p->spec && !p->status) {
			p->note = "is already fully promoted";
		}
		return;
	}
	case PROMOTE_STEP:
		break;
	}
	p->unified = xstrdup("{\"spec\":{\"paused\":false},\"status\":"
			     "{\"pauseConditions\":null}}");
	if (paused) {
		p->spec = xstrdup("{\"spec\":{\"paused\":false}}");
	}
	const char *ar = json_str(ro, "status.canary."
				  "currentStepAnalysisRunStatus.status");
	bool inconclusive = cmd_promote_canary(ro) && ar &&
			    strcmp(ar, "Inconclusive") == 0;
	if (inconclusive && pconds &&
	    json_bool(ro, "status.controllerPause", false)) {
		if (cmd_promote_index(ro, &idx)) {
			p->status = xasprintf("{\"status\":{\"pauseConditions"
					      "\":null, \"controllerPause\":"
					      "false, \"currentStepIndex\":"
					      "%ld}}",
					      cmd_promote_next(ro, idx));
		}
	} else if (pconds) {
		p->status = xstrdup("{\"status\":{\"pauseConditions\":null}}");
	} else if (cmd_promote_canary(ro)) {
		if (cmd_promote_index(ro, &idx)) {
			long next = cmd_promote_next(ro, idx);
			p->status = xasprintf("{\"status\":{\"pauseConditions"
					      "\":null, \"currentStepIndex\":"
					      "%ld}}", next);
			free(p->unified);
			p->unified = xasprintf("{\"spec\":{\"paused\":false},"
					       "\"status\":{\"pauseConditions"
					       "\":null, \"currentStepIndex\""
					       ":%ld}}", next);
			if (next == idx && !paused) {
				p->note = "has completed all its steps";
			}
		}
	}
	if (!p->spec && !p->status) {
		p->note = "is not paused";
	}
}

static void
cmd_promote_release(struct cmd_promote_patches *p)
{
	free(p->spec);
	free(p->status);
	free(p->unified);
}

static int
cmd_promote_one(struct cmd_ctx *ctx, const char *name, const cJSON *ro,
		void *arg)
{
	enum cmd_promote_mode mode = *(const enum cmd_promote_mode *)arg;
	bool full = mode == PROMOTE_FULL;
	if (mode == PROMOTE_SKIP_CURRENT || mode == PROMOTE_SKIP_ALL) {
		if (cJSON_IsObject(json_path(ro, "spec.strategy.blueGreen"))) {
			err_set(&ctx->err, PD_EUSAGE, "cannot skip steps of "
				"blue-green rollout '%s': run promote without "
				"-c or -a", name);
			return cmd_fail(ctx);
		}
		if (cmd_promote_canary(ro) && cmd_promote_nsteps(ro) == 0) {
			err_set(&ctx->err, PD_EUSAGE, "cannot skip steps of "
				"rollout '%s': it has no steps", name);
			return cmd_fail(ctx);
		}
	}
	struct cmd_promote_patches p;
	cmd_promote_compute(ro, mode, &p);
	if (p.note) {
		msg_note("rollout '%s' %s; nothing to promote", name, p.note);
	}
	char *path = write_path(ctx, &write_rollouts, name);
	int rc = 0;
	const char *spec = p.spec;
	if (p.status) {
		bool missing = false;
		rc = write_patch_status(ctx, path, p.status, NULL, &missing);
		if (rc == 0 && missing) {
			spec = p.unified;
		}
	}
	if (rc == 0 && spec) {
		rc = write_send(ctx, "PATCH", path, WRITE_MERGE, spec, NULL);
	}
	free(path);
	cmd_promote_release(&p);
	if (rc < 0) {
		err_prefix(&ctx->err, "cannot promote rollout '%s'", name);
		return cmd_fail(ctx);
	}
	if (!write_dry_run(ctx)) {
		printf("rollout '%s' %spromoted\n", name, full ? "fully " : "");
	}
	return 0;
}

static int
cmd_promote_exec(struct cmd_ctx *ctx)
{
	bool cur = cmd_flag_bool(ctx, "skip-current-step", false);
	bool all = cmd_flag_bool(ctx, "skip-all-steps", false);
	bool full = cmd_flag_bool(ctx, "full", false);
	if (cur && all) {
		err_set(&ctx->err, PD_EUSAGE, "cannot use --skip-current-step "
			"and --skip-all-steps at the same time");
		return cmd_fail(ctx);
	}
	if (full && (cur || all)) {
		err_set(&ctx->err, PD_EUSAGE, "cannot use --full with "
			"--skip-current-step or --skip-all-steps");
		return cmd_fail(ctx);
	}
	if (cur) {
		msg_warn("--skip-current-step (-c) is deprecated: use "
			 "'promote ROLLOUT_NAME' without it");
	} else if (all) {
		msg_warn("--skip-all-steps (-a) is deprecated: use "
			 "'promote ROLLOUT_NAME --full'");
	}
	enum cmd_promote_mode mode = cur ? PROMOTE_SKIP_CURRENT :
				     all ? PROMOTE_SKIP_ALL :
				     full ? PROMOTE_FULL : PROMOTE_STEP;
	return write_each(ctx, &write_rollouts, true, cmd_promote_one, &mode);
}

const struct cmd_entry cmd_promote_entry = {
	.name = "promote",
	.usage = "ROLLOUT_NAME [--full] | -l SELECTOR [--full]",
	.summary = "Promote a rollout",
	.complete = "rollouts",
	.min_args = 0,
	.max_args = 1,
	.opts = cmd_promote_opts,
	.exec = cmd_promote_exec,
};
