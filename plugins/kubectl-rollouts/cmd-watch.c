/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-watch: `watch ROLLOUT`, the live view (src/watchview.c lays the
 * frame out). --dump=COLSxROWS fetches once and prints one frame as plain
 * text (the tests' screen dump); when stdout is not a terminal it is
 * `get rollout -w`; on a terminal, the full-screen view (cmd-watch-tui.c,
 * built with the tui feature).
 */
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd-watch.h"
#include "fetch.h"
#include "msg.h"
#include "rollout.h"
#include "watchview.h"

extern const struct cmd_entry cmd_get_rollout_entry;

static const struct cmd_opt cmd_watch_opts[] = {
	{ "dump", 0, CMD_OPT_STR, "COLSxROWS",
	  "print one frame of the view at this size as plain text and exit",
	  NULL },
	{ "timeout-seconds", 0, CMD_OPT_INT, "N",
	  "when stdout is not a terminal (get rollout -w): stop after N seconds",
	  "0" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

bool
cmd_watch_utf8(void)
{
	if (!setlocale(LC_CTYPE, "")) {
		return false;
	}
	const char *cs = nl_langinfo(CODESET);
	return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

void
cmd_watch_frame(struct cmd_ctx *ctx, const struct fetch_set *fs,
		const struct watchview_opts *vo, struct watchview_frame *f)
{
	struct ro_objects objs = {
		.rollout = fs->rollout,
		.replicasets = fs->replicasets,
		.pods = fs->pods,
		.analysisruns = fs->analysisruns,
		.experiments = fs->experiments,
		.deployments = fs->deployments,
	};
	struct ro_info *ri = rollout_info_new(&objs, cmd_now(ctx));
	watchview_render(f, ri, &objs, vo);
	rollout_info_free(ri);
}

/* Fetch the rollout once; 0, or an exit code already reported. */
int
cmd_watch_fetch(struct cmd_ctx *ctx, const char *name, struct fetch_set *fs)
{
	struct kube_client *c = cmd_client(ctx);
	if (!c) {
		return cmd_fail(ctx);
	}
	int rc = fetch_run(c, cmd_namespace(ctx), name, NULL, fs, &ctx->err);
	if (rc < 0) {
		bool missing = -rc == PD_ENOTFOUND &&
			       ctx->err.http_status == 404 && !fs->rollout;
		fetch_release(fs);
		if (missing) {
			err_set(&ctx->err, PD_ENOTFOUND,
				"rollout '%s' not "
				"found in namespace '%s'",
				name, cmd_namespace(ctx));
		}
		return cmd_fail(ctx);
	}
	return 0;
}

static int
cmd_watch_dump(struct cmd_ctx *ctx, const char *name, const char *size)
{
	int cols = 0, rows = 0;
	char tail = 0;
	if (sscanf(size, "%dx%d%c", &cols, &rows, &tail) != 2 || cols < 40 ||
	    rows < 10 || cols > 1000 || rows > 1000) {
		err_set(&ctx->err, PD_EUSAGE,
			"invalid argument '%s' for "
			"--dump: want COLSxROWS, at least 40x10",
			size);
		return cmd_fail(ctx);
	}
	struct fetch_set fs;
	int rc = cmd_watch_fetch(ctx, name, &fs);
	if (rc != 0) {
		return rc;
	}
	struct watchview_opts vo = {
		.cols = cols,
		.rows = rows,
		.color = false,
		.utf8 = cmd_watch_utf8(),
		.now = cmd_now(ctx),
	};
	struct watchview_frame f;
	cmd_watch_frame(ctx, &fs, &vo, &f);
	struct buf out = BUF_INIT;
	watchview_frame_text(&f, &out);
	fwrite(out.buf, 1, out.len, stdout);
	buf_release(&out);
	watchview_frame_release(&f);
	fetch_release(&fs);
	return 0;
}

static int
cmd_watch_exec(struct cmd_ctx *ctx)
{
	const char *dump = cmd_flag_str(ctx, "dump");
	const char *problem = cmd_name_problem(ctx->args[0]);
	if (problem) {
		err_set(&ctx->err, PD_EUSAGE, "invalid rollout name '%s': %s",
			ctx->args[0], problem);
		return cmd_fail(ctx);
	}
	if (dump) {
		return cmd_watch_dump(ctx, ctx->args[0], dump);
	}
	if (!isatty(1)) {
		/* a pipe or a file: the text view, as get rollout -w */
		cmd_flag_add(ctx, "watch", "true");
		return cmd_get_rollout_entry.exec(ctx);
	}
	return cmd_watch_tui(ctx, ctx->args[0]);
}

const struct cmd_entry cmd_watch_entry = {
	.name = "watch",
	.usage = "ROLLOUT_NAME [--dump COLSxROWS]",
	.summary =
		"Watch a rollout live: steps, traffic, analysis, keys to promote and abort",
	.complete = "rollouts",
	.min_args = 1,
	.max_args = 1,
	.opts = cmd_watch_opts,
	.exec = cmd_watch_exec,
};
