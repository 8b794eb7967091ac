/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-retry: `retry rollout NAME...` (or -l SELECTOR): the plugin's
 * {"status":{"abort":false}} merge patch to each rollout's status
 * subresource (the main resource on 404), after a GET that notes a rollout
 * that is not aborted; `retry experiment NAME...`: {"status":null} to each
 * experiment (no status subresource).
 */
#include <stdio.h>
#include <stdlib.h>

#include "json.h"
#include "msg.h"
#include "write.h"

static const struct cmd_opt cmd_retry_rollout_opts[] = {
	WRITE_OPT_SELECTOR,
	WRITE_OPT_DRY_RUN,
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct cmd_opt cmd_retry_experiment_opts[] = {
	WRITE_OPT_DRY_RUN,
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static int
cmd_retry_rollout_one(struct cmd_ctx *ctx, const char *name,
		      const cJSON *obj, void *arg)
{
	static const char body[] = "{\"status\":{\"abort\":false}}";
	(void)arg;
	if (!json_bool(obj, "status.abort", false)) {
		msg_note("rollout '%s' is not aborted", name);
	}
	char *path = write_path(ctx, &write_rollouts, name);
	int rc = write_patch_status(ctx, path, body, body, NULL);
	free(path);
	if (rc < 0) {
		err_prefix(&ctx->err, "cannot retry rollout '%s'", name);
		return cmd_fail(ctx);
	}
	if (!write_dry_run(ctx)) {
		printf("rollout '%s' retried\n", name);
	}
	return 0;
}

static int
cmd_retry_rollout_exec(struct cmd_ctx *ctx)
{
	return write_each(ctx, &write_rollouts, true, cmd_retry_rollout_one,
			  NULL);
}

static int
cmd_retry_experiment_one(struct cmd_ctx *ctx, const char *name,
			 const cJSON *obj, void *arg)
{
	(void)obj;
	(void)arg;
	char *path = write_path(ctx, &write_experiments, name);
	int rc = write_send(ctx, "PATCH", path, WRITE_MERGE,
			    "{\"status\":null}", NULL);
	free(path);
	if (rc == -PD_ENOTFOUND && ctx->err.http_status == 404) {
		err_set(&ctx->err, PD_ENOTFOUND, "experiment '%s' not found "
			"in namespace '%s'", name, cmd_namespace(ctx));
		return cmd_fail(ctx);
	}
	if (rc < 0) {
		err_prefix(&ctx->err, "cannot retry experiment '%s'", name);
		return cmd_fail(ctx);
	}
	if (!write_dry_run(ctx)) {
		printf("experiment '%s' retried\n", name);
	}
	return 0;
}

static int
cmd_retry_experiment_exec(struct cmd_ctx *ctx)
{
	return write_each(ctx, &write_experiments, false,
			  cmd_retry_experiment_one, NULL);
}

const struct cmd_entry cmd_retry_rollout_entry = {
	.name = "rollout",
	.parent = "retry",
	.aliases = "ro,rollouts",
	.usage = "ROLLOUT_NAME... | -l SELECTOR",
	.summary = "Retry an aborted rollout",
	.complete = "rollouts",
	.min_args = 0,
	.max_args = -1,
	.opts = cmd_retry_rollout_opts,
	.exec = cmd_retry_rollout_exec,
};

const struct cmd_entry cmd_retry_experiment_entry = {
	.name = "experiment",
	.parent = "retry",
	.aliases = "exp,experiments",
	.usage = "EXPERIMENT_NAME...",
	.summary = "Retry an experiment",
	.complete = "experiments",
	.min_args = 1,
	.max_args = -1,
	.opts = cmd_retry_experiment_opts,
	.exec = cmd_retry_experiment_exec,
};
