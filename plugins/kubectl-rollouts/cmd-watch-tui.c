/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-watch-tui: the full-screen part of `watch`. Built without the tui
 * feature (ncursesw, PDKIT_TUI undefined), it is one line saying so and
 * exit 1.
 */
#include "cmd-watch.h"

#ifndef PDKIT_TUI

int
cmd_watch_tui(struct cmd_ctx *ctx, const char *name)
{
	(void)name;
	err_set(&ctx->err, PD_ERUNTIME, "built without the watch view "
		"(meson -Dtui=enabled)");
	return cmd_fail(ctx);
}

#endif
