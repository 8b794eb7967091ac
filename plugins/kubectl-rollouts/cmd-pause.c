/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-pause: `pause NAME...` or `pause -l SELECTOR`: the plugin's
 * {"spec":{"paused":true}} merge patch to each rollout, after a GET that
 * notes a rollout already paused (the patch is still sent).
 */
#include <stdio.h>
#include <stdlib.h>

#include "json.h"
#include "msg.h"
#include "write.h"

static const struct cmd_opt cmd_pause_opts[] = {
	WRITE_OPT_SELECTOR,
	WRITE_OPT_DRY_RUN,
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static int
cmd_pause_one(struct cmd_ctx *ctx, const char *name, const cJSON *obj,
	      void *arg)
{
	(void)arg;
	if (json_bool(obj, "spec.paused", false)) {
		msg_note("rollout '%s' is already paused", name);
	}
	char *path = write_path(ctx, &write_rollouts, name);
	int rc = write_send(ctx, "PATCH", path, WRITE_MERGE,
			    "{\"spec\":{\"paused\":true}}", NULL);
	free(path);
	if (rc < 0) {
		err_prefix(&ctx->err, "cannot pause rollout '%s'", name);
		return cmd_fail(ctx);
	}
	if (!write_dry_run(ctx)) {
		printf("rollout '%s' paused\n", name);
	}
	return 0;
}

static int
cmd_pause_exec(struct cmd_ctx *ctx)
{
	return write_each(ctx, &write_rollouts, true, cmd_pause_one, NULL);
}

const struct cmd_entry cmd_pause_entry = {
	.name = "pause",
	.usage = "ROLLOUT_NAME... | -l SELECTOR",
	.summary = "Pause a rollout",
	.complete = "rollouts",
	.min_args = 0,
	.max_args = -1,
	.opts = cmd_pause_opts,
	.exec = cmd_pause_exec,
};
