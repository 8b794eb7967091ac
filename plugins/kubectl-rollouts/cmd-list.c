/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-list: `list rollouts` (the plugin's table; -A, --name, --timestamps,
 * and -w printing a row whenever a rollout's columns change) and
 * `list experiments`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "informer.h"
#include "json.h"
#include "msg.h"
#include "render.h"
#include "xalloc.h"

static const struct cmd_opt cmd_list_rollouts_opts[] = {
	{ "all-namespaces", 'A', CMD_OPT_BOOL, NULL, "list rollouts in every namespace", NULL },
	{ "name", 0, CMD_OPT_STR, "NAME", "only the rollout with this name", NULL },
	{ "watch", 'w', CMD_OPT_BOOL, NULL, "print a row whenever a rollout changes", NULL },
	{ "timestamps", 0, CMD_OPT_BOOL, NULL, "prefix rows with the time", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct cmd_opt cmd_list_experiments_opts[] = {
	{ "all-namespaces", 'A', CMD_OPT_BOOL, NULL, "list experiments in every namespace", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

struct cmd_list_watch {
	struct cmd_ctx *ctx;
	bool all, ts;
	/* last row printed per namespace/name */
	char **keys;
	char **rows;
	size_t n, cap;
};

static char **
cmd_list_slot(struct cmd_list_watch *w, const char *key)
{
	for (size_t i = 0; i < w->n; i++) {
		if (strcmp(w->keys[i], key) == 0) {
			return &w->rows[i];
		}
	}
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->keys = xrealloc(w->keys, w->cap * sizeof(*w->keys));
		w->rows = xrealloc(w->rows, w->cap * sizeof(*w->rows));
	}
	w->keys[w->n] = xstrdup(key);
	w->rows[w->n] = NULL;
	return &w->rows[w->n++];
}

/* Record (or compare with) the row of each rollout; print changed ones. */
static void
cmd_list_rows(struct cmd_list_watch *w, const cJSON *items, bool print)
{
	for (const cJSON *it = items ? items->child : NULL; it; it = it->next) {
		char *key = xasprintf("%s/%s",
			json_str(it, "metadata.namespace") ?
			json_str(it, "metadata.namespace") : "",
			json_str(it, "metadata.name") ?
			json_str(it, "metadata.name") : "");
		struct buf cmp = BUF_INIT;
		render_list_rollout_row(&cmp, it, w->all, false,
					cmd_now(w->ctx));
		char **slot = cmd_list_slot(w, key);
		if (!*slot || strcmp(*slot, cmp.buf) != 0) {
			if (print) {
				struct buf row = BUF_INIT;
				render_list_rollout_row(&row, it, w->all, w->ts,
							cmd_now(w->ctx));
				fwrite(row.buf, 1, row.len, stdout);
				fflush(stdout);
				buf_release(&row);
			}
			free(*slot);
			*slot = buf_detach(&cmp, NULL);
		}
		buf_release(&cmp);
		free(key);
	}
}

struct cmd_list_tick_arg {
	struct cmd_list_watch *w;
	struct informer *inf;
};

static int
cmd_list_tick(void *arg, bool changed)
{
	struct cmd_list_tick_arg *a = arg;
	if (changed) {
		cmd_list_rows(a->w, informer_items(a->inf), true);
	}
	return 0;
}

static int
cmd_list_watch_run(struct cmd_ctx *ctx, struct kube_client *c,
		   const char *path, const char *query, const cJSON *items,
		   bool all, bool ts)
{
	struct cmd_list_watch w;
	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	w.all = all;
	w.ts = ts;
	cmd_list_rows(&w, items, false);
	struct cmd_list_tick_arg a = { &w, informer_new(c, path, query) };
	cmd_catch_signals();
	int rc = informer_run(&a.inf, 1, 1000, cmd_list_tick, &a,
				    &cmd_interrupted, &ctx->err);
	informer_free(a.inf);
	for (size_t i = 0; i < w.n; i++) {
		free(w.keys[i]);
		free(w.rows[i]);
	}
	free(w.keys);
	free(w.rows);
	if (rc == -PD_ETIMEOUT && cmd_interrupted) {
		return 0;
	}
	return rc < 0 ? cmd_fail(ctx) : 0;
}

static int
cmd_list_rollouts_exec(struct cmd_ctx *ctx)
{
	bool all = cmd_flag_bool(ctx, "all-namespaces", false);
	bool ts = cmd_flag_bool(ctx, "timestamps", false);
	const char *name = cmd_flag_str(ctx, "name");
	struct kube_client *c = cmd_client(ctx);
	if (!c) {
		return cmd_fail(ctx);
	}
	char *path = kube_path("argoproj.io", "v1alpha1",
			       all ? NULL : cmd_namespace(ctx), "rollouts",
			       NULL);
	struct buf q = BUF_INIT;
	if (name) {
		buf_adds(&q, "fieldSelector=");
		struct buf fs = BUF_INIT;
		buf_addf(&fs, "metadata.name=%s", name);
		buf_add_urlenc(&q, fs.buf);
		buf_release(&fs);
	}
	cJSON *list = NULL;
	int rc = kube_list(c, path, q.len ? q.buf : NULL, &list, &ctx->err);
	if (rc < 0) {
		free(path);
		buf_release(&q);
		return cmd_fail(ctx);
	}
	const cJSON *items = cJSON_GetObjectItem(list, "items");
	bool watch = cmd_flag_bool(ctx, "watch", false);
	if (cJSON_GetArraySize(items) == 0 && !watch) {
		fprintf(stderr, "No resources found.\n");
	} else {
		struct buf out = BUF_INIT;
		render_list_rollouts(&out, items, all, ts, cmd_now(ctx));
		fwrite(out.buf, 1, out.len, stdout);
		fflush(stdout);
		buf_release(&out);
	}
	if (!watch) {
		cJSON_Delete(list);
		free(path);
		buf_release(&q);
		return 0;
	}
	rc = cmd_list_watch_run(ctx, c, path, q.len ? q.buf : NULL, items, all,
				ts);
	cJSON_Delete(list);
	free(path);
	buf_release(&q);
	return rc;
}

static int
cmd_list_experiments_exec(struct cmd_ctx *ctx)
{
	bool all = cmd_flag_bool(ctx, "all-namespaces", false);
	struct kube_client *c = cmd_client(ctx);
	if (!c) {
		return cmd_fail(ctx);
	}
	char *path = kube_path("argoproj.io", "v1alpha1",
			       all ? NULL : cmd_namespace(ctx), "experiments",
			       NULL);
	cJSON *list = NULL;
	int rc = kube_list(c, path, NULL, &list, &ctx->err);
	free(path);
	if (rc < 0) {
		return cmd_fail(ctx);
	}
	const cJSON *items = cJSON_GetObjectItem(list, "items");
	if (cJSON_GetArraySize(items) == 0) {
		fprintf(stderr, "No resources found.\n");
	} else {
		struct buf out = BUF_INIT;
		render_list_experiments(&out, items, all, cmd_now(ctx));
		fwrite(out.buf, 1, out.len, stdout);
		buf_release(&out);
	}
	cJSON_Delete(list);
	return 0;
}

const struct cmd_entry cmd_list_rollouts_entry = {
	.name = "rollouts",
	.parent = "list",
	.aliases = "ro,rollout",
	.usage = "[-A] [--name NAME] [-w] [--timestamps]",
	.summary = "List rollouts",
	.min_args = 0,
	.max_args = 0,
	.opts = cmd_list_rollouts_opts,
	.exec = cmd_list_rollouts_exec,
};

const struct cmd_entry cmd_list_experiments_entry = {
	.name = "experiments",
	.parent = "list",
	.aliases = "exp,experiment",
	.usage = "[-A]",
	.summary = "List experiments",
	.min_args = 0,
	.max_args = 0,
	.opts = cmd_list_experiments_opts,
	.exec = cmd_list_experiments_exec,
};
