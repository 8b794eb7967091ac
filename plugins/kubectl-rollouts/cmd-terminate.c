/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-terminate: `terminate analysisrun NAME...` and `terminate experiment
 * NAME...`: the plugin's {"spec":{"terminate":true}} merge patch to each
 * (neither kind has a status subresource), after a GET that notes one that
 * is already terminated or completed. The plugin prints
 * "experiment 'NAME' retried" for a terminated experiment (a copy-paste
 * slip); this prints "terminated".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "msg.h"
#include "write.h"

static const struct cmd_opt cmd_terminate_opts[] = {
	WRITE_OPT_DRY_RUN,
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static bool
cmd_terminate_completed(const char *phase)
{
	static const char *const done[] = { "Successful", "Failed", "Error",
					    "Inconclusive" };
	for (size_t i = 0; phase && i < sizeof(done) / sizeof(done[0]); i++) {
		if (strcmp(phase, done[i]) == 0) {
			return true;
		}
	}
	return false;
}

static int
cmd_terminate_one(struct cmd_ctx *ctx, const char *name, const cJSON *obj,
		  void *arg)
{
	const struct write_kind *k = arg;
	const char *phase = json_str(obj, "status.phase");
	if (json_bool(obj, "spec.terminate", false)) {
		msg_note("%s '%s' is already terminated", k->word, name);
	} else if (cmd_terminate_completed(phase)) {
		msg_note("%s '%s' has already completed (%s)", k->word, name,
			 phase);
	}
	char *path = write_path(ctx, k, name);
	int rc = write_send(ctx, "PATCH", path, WRITE_MERGE,
			    "{\"spec\":{\"terminate\":true}}", NULL);
	free(path);
	if (rc < 0) {
		err_prefix(&ctx->err, "cannot terminate %s '%s'", k->word,
			   name);
		return cmd_fail(ctx);
	}
	if (!write_dry_run(ctx)) {
		printf("%s '%s' terminated\n", k == &write_analysisruns ?
		       "analysisRun" : "experiment", name);
	}
	return 0;
}

static int
cmd_terminate_analysisrun_exec(struct cmd_ctx *ctx)
{
	return write_each(ctx, &write_analysisruns, true, cmd_terminate_one,
			  (void *)&write_analysisruns);
}

static int
cmd_terminate_experiment_exec(struct cmd_ctx *ctx)
{
	return write_each(ctx, &write_experiments, true, cmd_terminate_one,
			  (void *)&write_experiments);
}

const struct cmd_entry cmd_terminate_analysisrun_entry = {
	.name = "analysisrun",
	.parent = "terminate",
	.aliases = "ar,analysisruns",
	.usage = "ANALYSISRUN_NAME...",
	.summary = "Terminate an AnalysisRun",
	.complete = "analysisruns",
	.min_args = 1,
	.max_args = -1,
	.opts = cmd_terminate_opts,
	.exec = cmd_terminate_analysisrun_exec,
};

const struct cmd_entry cmd_terminate_experiment_entry = {
	.name = "experiment",
	.parent = "terminate",
	.aliases = "exp,experiments",
	.usage = "EXPERIMENT_NAME...",
	.summary = "Terminate an Experiment",
	.complete = "experiments",
	.min_args = 1,
	.max_args = -1,
	.opts = cmd_terminate_opts,
	.exec = cmd_terminate_experiment_exec,
};
