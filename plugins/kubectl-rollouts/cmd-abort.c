/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-abort: `abort NAME...` or `abort -l SELECTOR`: the plugin's
 * {"status":{"abort":true}} merge patch to each rollout's status
 * subresource (the main resource when that answers 404), after a GET that
 * notes a rollout already aborted (the patch is still sent, as the plugin
 * sends it).
 */
#include <stdio.h>
#include <stdlib.h>

#include "json.h"
#include "msg.h"
#include "write.h"

static const struct cmd_opt cmd_abort_opts[] = {
	WRITE_OPT_SELECTOR,
	WRITE_OPT_DRY_RUN,
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static int
cmd_abort_one(struct cmd_ctx *ctx, const char *name, const cJSON *obj,
	      void *arg)
{
	static const char body[] = "{\"status\":{\"abort\":true}}";
	(void)arg;
	if (json_bool(obj, "status.abort", false)) {
		msg_note("rollout '%s' is already aborted", name);
	}
	char *path = write_path(ctx, &write_rollouts, name);
	int rc = write_patch_status(ctx, path, body, body, NULL);
	free(path);
	if (rc < 0) {
		err_prefix(&ctx->err, "cannot abort rollout '%s'", name);
		return cmd_fail(ctx);
	}
	if (!write_dry_run(ctx)) {
		printf("rollout '%s' aborted\n", name);
	}
	return 0;
}

static int
cmd_abort_exec(struct cmd_ctx *ctx)
{
	return write_each(ctx, &write_rollouts, true, cmd_abort_one, NULL);
}

const struct cmd_entry cmd_abort_entry = {
	.name = "abort",
	.usage = "ROLLOUT_NAME... | -l SELECTOR",
	.summary = "Abort a rollout",
	.complete = "rollouts",
	.min_args = 0,
	.max_args = -1,
	.opts = cmd_abort_opts,
	.exec = cmd_abort_exec,
};
