/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-watch: what the `watch` command (cmd-watch.c) shares with its
 * full-screen part (cmd-watch-tui.c, built with the tui feature, or its
 * stand-in that says the binary was built without it). The frame is owned
 * by the caller (watchview_frame_release()); fetch sets as in fetch.h.
 */
#ifndef KR_CMD_WATCH_H
#define KR_CMD_WATCH_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "cmd.h"
#include "fetch.h"
#include "watchview.h"

/* The locale's character set is UTF-8 (sets LC_CTYPE from the
 * environment). */
bool cmd_watch_utf8(void);
/* Informer trims (informer_set_trim): the view's pods keep only what the
 * model reads of them (names, owners' uids, times, phase, container
 * statuses);
 * other objects lose their managedFields and last-applied annotation. */
void cmd_watch_trim(cJSON *obj);
void cmd_watch_trim_pod(cJSON *pod);
/* Build the model from fs and lay out one frame into f. */
void cmd_watch_frame(struct cmd_ctx *ctx, const struct fetch_set *fs,
		     const struct watchview_opts *vo, struct watchview_frame *f);
/* Fetch the rollout once: 0, or the exit code of the reported failure. */
int cmd_watch_fetch(struct cmd_ctx *ctx, const char *name,
		    struct fetch_set *fs);
/* The rollout uses Istio traffic routing (its VirtualServices' weights
 * are shown). */
bool cmd_watch_istio(const cJSON *rollout);
/* The path of ns's VirtualServices (free it), and their items once
 * (caller frees; NULL when they cannot be listed: no Istio, forbidden). */
char *cmd_watch_vs_path(const char *ns);
cJSON *cmd_watch_vs_list(struct cmd_ctx *ctx, const char *ns);

/* The list's scope from -A and -l: the rollouts' collection path, the
 * label selector query (or NULL) and the title's words; owned, freed by
 * cmd_watch_list_release(). -1 with ctx->err filled. */
struct cmd_watch_list {
	bool all;
	char *path, *query, *scope;
};
int cmd_watch_list_scope(struct cmd_ctx *ctx, struct cmd_watch_list *wl);
void cmd_watch_list_release(struct cmd_watch_list *wl);

/* The full-screen view on the terminal: of one rollout, or (name NULL)
 * the list of the -A / -l scope; an exit code. */
int cmd_watch_tui(struct cmd_ctx *ctx, const char *name);

#endif
