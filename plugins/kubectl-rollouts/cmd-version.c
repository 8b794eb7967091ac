/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-version: print the version in kubectl-argo-rollouts' layout
 * (`--short`: the first line only). Makes no request.
 */
#include <stdio.h>

#include "cmd.h"
#include "version.h"

static const struct cmd_opt cmd_version_opts[] = {
	{ "short", 0, CMD_OPT_BOOL, NULL, "print only the version line", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static int
cmd_version_exec(struct cmd_ctx *ctx)
{
	printf("kubectl-rollouts: v%s+%s\n", PDKIT_VERSION, PDKIT_COMMIT_SHORT);
	if (cmd_flag_bool(ctx, "short", false)) {
		return 0;
	}
	printf("  BuildDate: %s\n", PDKIT_BUILD_DATE);
	printf("  GitCommit: %s\n", PDKIT_COMMIT);
	printf("  GitTreeState: %s\n", PDKIT_TREE_STATE);
	printf("  Compiler: %s\n", PDKIT_COMPILER);
	printf("  Platform: %s\n", PDKIT_PLATFORM);
	return 0;
}

const struct cmd_entry cmd_version_entry = {
	.name = "version",
	.usage = "[--short]",
	.summary = "Print version",
	.min_args = 0,
	.max_args = 0,
	.opts = cmd_version_opts,
	.exec = cmd_version_exec,
};
