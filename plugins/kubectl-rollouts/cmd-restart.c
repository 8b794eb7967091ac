/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-restart: `restart NAME [--in DURATION]` or `restart -l SELECTOR`: the
 * plugin's merge patch setting spec.restartAt to now (PDKIT_NOW when set)
 * plus DURATION, in the plugin's layout (tabs and newlines in the body). A
 * bad duration is a usage error (the plugin panics).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "msg.h"
#include "write.h"
#include "xalloc.h"

static const struct cmd_opt cmd_restart_opts[] = {
	{ "in", 'i', CMD_OPT_DURATION, "DURATION", "restart after DURATION (Go syntax: 30s, 5m, 1h)", "0s" },
	WRITE_OPT_SELECTOR,
	WRITE_OPT_DRY_RUN,
	{ NULL, 0, 0, NULL, NULL, NULL },
};

struct cmd_restart_args {
	const char *in;      /* as given, for the message */
	char at[32];         /* RFC 3339 UTC */
};

static int
cmd_restart_one(struct cmd_ctx *ctx, const char *name, const cJSON *obj,
		void *arg)
{
	const struct cmd_restart_args *ra = arg;
	char *body = xasprintf("{\n\t\"spec\": {\n\t\t\"restartAt\": \"%s\"\n"
			       "\t}\n}", ra->at);
	char *path = write_path(ctx, &write_rollouts, name);
	int rc = write_send(ctx, "PATCH", path, WRITE_MERGE, body, NULL);
	free(path);
	free(body);
	if (rc == -PD_ENOTFOUND && ctx->err.http_status == 404) {
		err_set(&ctx->err, PD_ENOTFOUND, "rollout '%s' not found in "
			"namespace '%s'", name, cmd_namespace(ctx));
		return cmd_fail(ctx);
	}
	if (rc < 0) {
		err_prefix(&ctx->err, "cannot restart rollout '%s'", name);
		return cmd_fail(ctx);
	}
	if (!write_dry_run(ctx)) {
		printf("rollout '%s' restarts in %s\n", name, ra->in);
	}
	return 0;
}

static int
cmd_restart_exec(struct cmd_ctx *ctx)
{
	struct cmd_restart_args ra;
	memset(&ra, 0, sizeof(ra));
	const char *in = cmd_flag_str(ctx, "in");
	long long ms = 0;
	if (in && *in && cmd_flag_duration(ctx, "in", &ms) < 0) {
		return cmd_fail(ctx);
	}
	ra.in = in && *in ? in : "0s";
	/* now + DURATION, truncated to the second as Go's RFC3339 does */
	long long now_ms;
	if (ctx->now_fixed) {
		now_ms = (long long)ctx->now * 1000;
	} else {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		now_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	}
	time_t at = (time_t)((now_ms + ms) / 1000);
	struct tm tm;
	if (!gmtime_r(&at, &tm) ||
	    strftime(ra.at, sizeof(ra.at), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		err_set(&ctx->err, PD_EUSAGE, "invalid argument '%s' for --in: "
			"out of range", ra.in);
		return cmd_fail(ctx);
	}
	return write_each(ctx, &write_rollouts, false, cmd_restart_one, &ra);
}

const struct cmd_entry cmd_restart_entry = {
	.name = "restart",
	.usage = "ROLLOUT_NAME [--in DURATION] | -l SELECTOR",
	.summary = "Restart the pods of a rollout",
	.complete = "rollouts",
	.min_args = 0,
	.max_args = 1,
	.opts = cmd_restart_opts,
	.exec = cmd_restart_exec,
};
