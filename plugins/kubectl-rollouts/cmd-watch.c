/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-watch: `watch ROLLOUT`, the live view (src/watchview.c lays the
 * frame out), and `watch` without a name (or with -A, -l SELECTOR), the
 * live list of rollouts whose Enter opens one. --dump=COLSxROWS fetches
 * once and prints one frame as plain text (the tests' screen dump); when
 * stdout is not a terminal it is `get rollout -w` (`list rollouts -w` for
 * the list); on a terminal, the full-screen view (cmd-watch-tui.c, built
 * with the tui feature).
 */
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd-watch.h"
#include "fetch.h"
#include "gitops.h"
#include "informer.h"
#include "json.h"
#include "msg.h"
#include "render.h"
#include "rollout.h"
#include "watchview.h"
#include "xalloc.h"

extern const struct cmd_entry cmd_get_rollout_entry;

static const struct cmd_opt cmd_watch_opts[] = {
	{ "all-namespaces", 'A', CMD_OPT_BOOL, NULL,
	  "without a name: the list of every namespace's rollouts", NULL },
	{ "selector", 'l', CMD_OPT_STR, "SELECTOR",
	  "without a name: the list of the rollouts with these labels", NULL },
	{ "dump", 0, CMD_OPT_STR, "COLSxROWS",
	  "print one frame of the view at this size as plain text and exit",
	  NULL },
	{ "timeout-seconds", 0, CMD_OPT_INT, "N",
	  "when stdout is not a terminal (get rollout -w, list rollouts -w): "
	  "stop after N seconds",
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

bool
cmd_watch_istio(const cJSON *rollout)
{
	return json_path(rollout,
			 "spec.strategy.canary.trafficRouting.istio") != NULL;
}

char *
cmd_watch_vs_path(const char *ns)
{
	return kube_path("networking.istio.io", "v1alpha3", ns,
			 "virtualservices", NULL);
}

cJSON *
cmd_watch_vs_list(struct cmd_ctx *ctx, const char *ns)
{
	struct kube_client *c = cmd_client(ctx);
	char *path = cmd_watch_vs_path(ns);
	cJSON *list = NULL;
	struct pd_err e;
	memset(&e, 0, sizeof(e));
	cJSON *items = NULL;
	if (c && kube_list(c, path, NULL, &list, &e) == 0) {
		items = cJSON_DetachItemFromObjectCaseSensitive(list, "items");
	}
	cJSON_Delete(list);
	free(path);
	return items;
}

int
cmd_watch_list_scope(struct cmd_ctx *ctx, struct cmd_watch_list *wl)
{
	memset(wl, 0, sizeof(*wl));
	wl->all = cmd_flag_bool(ctx, "all-namespaces", false);
	const char *sel = cmd_flag_str(ctx, "selector");
	struct kube_client *c = cmd_client(ctx);
	if (!c) {
		return -1;
	}
	wl->path = kube_path("argoproj.io", "v1alpha1",
			     wl->all ? NULL : cmd_namespace(ctx), "rollouts",
			     NULL);
	struct buf b = BUF_INIT;
	if (sel && *sel) {
		buf_adds(&b, "labelSelector=");
		buf_add_urlenc(&b, sel);
		wl->query = buf_detach(&b, NULL);
	}
	if (wl->all) {
		buf_adds(&b, "all namespaces");
	} else {
		buf_addf(&b, "namespace '%s'", cmd_namespace(ctx));
	}
	if (sel && *sel) {
		buf_addf(&b, " with labels %s", sel);
	}
	wl->scope = buf_detach(&b, NULL);
	return 0;
}

void
cmd_watch_list_release(struct cmd_watch_list *wl)
{
	free(wl->path);
	free(wl->query);
	free(wl->scope);
	memset(wl, 0, sizeof(*wl));
}

/* Delete obj's members not named in keep (NULL-terminated). */
static void
cmd_watch_keep(cJSON *obj, const char *const *keep)
{
	cJSON *it = cJSON_IsObject(obj) ? obj->child : NULL;
	while (it) {
		cJSON *next = it->next;
		bool kept = false;
		for (size_t i = 0; keep[i] && !kept; i++) {
			kept = it->string && !strcmp(it->string, keep[i]);
		}
		if (!kept) {
			cJSON_Delete(cJSON_DetachItemViaPointer(obj, it));
		}
		it = next;
	}
}

static void
cmd_watch_keep_each(cJSON *arr, const char *const *keep)
{
	for (cJSON *it = cJSON_IsArray(arr) ? arr->child : NULL; it;
	     it = it->next) {
		cmd_watch_keep(it, keep);
	}
}

void
cmd_watch_trim(cJSON *obj)
{
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	cJSON_DeleteItemFromObjectCaseSensitive(md, "managedFields");
	cJSON_DeleteItemFromObjectCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(md, "annotations"),
		"kubectl.kubernetes.io/last-applied-configuration");
}

void
cmd_watch_trim_pod(cJSON *pod)
{
	static const char *const top[] = { "metadata", "spec", "status",
					   NULL };
	static const char *const meta[] = {
		"name", "namespace", "ownerReferences", "creationTimestamp",
		"deletionTimestamp", NULL,
	};
	static const char *const owner[] = { "uid", NULL };
	static const char *const spec[] = { "containers", "initContainers",
					    NULL };
	static const char *const cont[] = { "name", "restartPolicy", NULL };
	static const char *const status[] = {
		"phase", "reason", "containerStatuses",
		"initContainerStatuses", NULL,
	};
	static const char *const cstat[] = { "name", "ready", "started",
					     "restartCount", "state", NULL };
	cmd_watch_keep(pod, top);
	cJSON *md = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
	cmd_watch_keep(md, meta);
	/* pods are matched to their ReplicaSet by the owner's uid */
	cmd_watch_keep_each(cJSON_GetObjectItemCaseSensitive(md,
							     "ownerReferences"),
			    owner);
	cJSON *sp = cJSON_GetObjectItemCaseSensitive(pod, "spec");
	cmd_watch_keep(sp, spec);
	cmd_watch_keep_each(cJSON_GetObjectItemCaseSensitive(sp, "containers"),
			    cont);
	cmd_watch_keep_each(cJSON_GetObjectItemCaseSensitive(sp,
							     "initContainers"),
			    cont);
	cJSON *st = cJSON_GetObjectItemCaseSensitive(pod, "status");
	cmd_watch_keep(st, status);
	cmd_watch_keep_each(cJSON_GetObjectItemCaseSensitive(
				    st, "containerStatuses"),
			    cstat);
	cmd_watch_keep_each(cJSON_GetObjectItemCaseSensitive(
				    st, "initContainerStatuses"),
			    cstat);
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

/* The list once (the first LIST of the live list): 0 with *items owned by
 * the caller, or the exit code of the reported failure. */
static int
cmd_watch_list_fetch(struct cmd_ctx *ctx, const struct cmd_watch_list *wl,
		     cJSON **items)
{
	cJSON *list = NULL;
	*items = NULL;
	if (kube_list(cmd_client(ctx), wl->path, wl->query, &list,
		      &ctx->err) < 0) {
		return cmd_fail(ctx);
	}
	*items = cJSON_DetachItemFromObjectCaseSensitive(list, "items");
	if (!cJSON_IsArray(*items)) {
		cJSON_Delete(*items);
		*items = cJSON_CreateArray();
	}
	cJSON_Delete(list);
	return 0;
}

/* --dump of the list: the first rollout selected. */
static int
cmd_watch_dump_list(struct cmd_ctx *ctx, int cols, int rows)
{
	struct cmd_watch_list wl;
	if (cmd_watch_list_scope(ctx, &wl) < 0) {
		return cmd_fail(ctx);
	}
	cJSON *items = NULL;
	int rc = cmd_watch_list_fetch(ctx, &wl, &items);
	if (rc == 0) {
		struct watchview_list_opts lo = {
			.cols = cols,
			.rows = rows,
			.utf8 = cmd_watch_utf8(),
			.all_namespaces = wl.all,
			.scope = wl.scope,
			.now = cmd_now(ctx),
		};
		struct watchview_frame f;
		watchview_list_render(&f, items, &lo);
		struct buf out = BUF_INIT;
		watchview_frame_text(&f, &out);
		fwrite(out.buf, 1, out.len, stdout);
		buf_release(&out);
		watchview_frame_release(&f);
	}
	cJSON_Delete(items);
	cmd_watch_list_release(&wl);
	return rc;
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
	if (!name) {
		return cmd_watch_dump_list(ctx, cols, rows);
	}
	struct fetch_set fs;
	int rc = cmd_watch_fetch(ctx, name, &fs);
	if (rc != 0) {
		return rc;
	}
	cJSON *vs = cmd_watch_istio(fs.rollout)
			    ? cmd_watch_vs_list(ctx, cmd_namespace(ctx))
			    : NULL;
	/* managed by Argo CD: the GitOps line (one LIST, none untracked) */
	cJSON *apps = fetch_applications(cmd_client(ctx), fs.rollout, NULL);
	const cJSON *chain[8];
	size_t nchain = gitops_chain(apps, fs.rollout, NULL, chain, 8);
	struct buf gitops = BUF_INIT;
	gitops_chain_summary(&gitops, chain, nchain);
	struct watchview_opts vo = {
		.gitops = gitops.len ? gitops.buf : NULL,
		.cols = cols,
		.rows = rows,
		.color = false,
		.utf8 = cmd_watch_utf8(),
		.now = cmd_now(ctx),
		.virtualservices = vs,
	};
	struct watchview_frame f;
	cmd_watch_frame(ctx, &fs, &vo, &f);
	struct buf out = BUF_INIT;
	watchview_frame_text(&f, &out);
	fwrite(out.buf, 1, out.len, stdout);
	buf_release(&out);
	watchview_frame_release(&f);
	fetch_release(&fs);
	cJSON_Delete(vs);
	cJSON_Delete(apps);
	buf_release(&gitops);
	return 0;
}

/* ---- the list into a pipe: list rollouts -w ----------------------------- */

struct cmd_watch_rows {
	struct cmd_ctx *ctx;
	struct informer *inf;
	bool all;
	/* the row last printed per namespace/name */
	char **keys, **rows;
	size_t n, cap;
};

static char **
cmd_watch_rows_slot(struct cmd_watch_rows *w, const char *key)
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

/* Record each rollout's row; print (when print) the ones that changed. */
static void
cmd_watch_rows_update(struct cmd_watch_rows *w, const cJSON *items,
		      bool print)
{
	for (const cJSON *it = items ? items->child : NULL; it; it = it->next) {
		const char *ns = json_str(it, "metadata.namespace");
		const char *name = json_str(it, "metadata.name");
		char *key = xasprintf("%s/%s", ns ? ns : "", name ? name : "");
		struct buf row = BUF_INIT;
		render_list_rollout_row(&row, it, w->all, false,
					cmd_now(w->ctx));
		char **slot = cmd_watch_rows_slot(w, key);
		if (!*slot || strcmp(*slot, row.buf) != 0) {
			if (print) {
				fwrite(row.buf, 1, row.len, stdout);
				fflush(stdout);
			}
			free(*slot);
			*slot = buf_detach(&row, NULL);
		}
		buf_release(&row);
		free(key);
	}
}

static int
cmd_watch_rows_tick(void *arg, bool changed)
{
	struct cmd_watch_rows *w = arg;
	if (changed) {
		cmd_watch_rows_update(w, informer_items(w->inf), true);
	}
	return 0;
}

/* `list rollouts -w` for the list's scope (with -l too). */
static int
cmd_watch_list_text(struct cmd_ctx *ctx)
{
	long timeout = 0;
	if (cmd_flag_int(ctx, "timeout-seconds", 0, &timeout) < 0) {
		return cmd_fail(ctx);
	}
	struct cmd_watch_list wl;
	if (cmd_watch_list_scope(ctx, &wl) < 0) {
		return cmd_fail(ctx);
	}
	struct kube_client *c = cmd_client(ctx);
	if (timeout > 0) {
		long long left = ctx->start_ms + timeout * 1000 - cmd_mono_ms();
		kube_client_set_deadline(c, left > 0 ? left : 0);
	}
	cJSON *items = NULL;
	int rc = cmd_watch_list_fetch(ctx, &wl, &items);
	if (rc != 0) {
		cmd_watch_list_release(&wl);
		return rc;
	}
	struct buf out = BUF_INIT;
	render_list_rollouts(&out, items, wl.all, false, cmd_now(ctx));
	fwrite(out.buf, 1, out.len, stdout);
	fflush(stdout);
	buf_release(&out);
	struct cmd_watch_rows w;
	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	w.all = wl.all;
	cmd_watch_rows_update(&w, items, false);
	cJSON_Delete(items);
	w.inf = informer_new(c, wl.path, wl.query);
	cmd_catch_signals();
	rc = informer_run(&w.inf, 1, 1000, cmd_watch_rows_tick, &w,
			  &cmd_interrupted, &ctx->err);
	informer_free(w.inf);
	for (size_t i = 0; i < w.n; i++) {
		free(w.keys[i]);
		free(w.rows[i]);
	}
	free(w.keys);
	free(w.rows);
	cmd_watch_list_release(&wl);
	if (rc == -PD_ETIMEOUT) {
		/* interrupted, or --timeout-seconds ran out */
		return 0;
	}
	return rc < 0 ? cmd_fail(ctx) : 0;
}

static int
cmd_watch_exec(struct cmd_ctx *ctx)
{
	const char *dump = cmd_flag_str(ctx, "dump");
	const char *name = ctx->nargs ? ctx->args[0] : NULL;
	bool many = cmd_flag_bool(ctx, "all-namespaces", false) ||
		    cmd_flag_str(ctx, "selector");
	if (name && many) {
		err_set(&ctx->err, PD_EUSAGE, "a rollout name and %s do not go "
			"together: the list is watch without a name",
			cmd_flag_str(ctx, "selector") ? "--selector"
						      : "--all-namespaces");
		return cmd_fail(ctx);
	}
	const char *problem = name ? cmd_name_problem(name) : NULL;
	if (problem) {
		err_set(&ctx->err, PD_EUSAGE, "invalid rollout name '%s': %s",
			name, problem);
		return cmd_fail(ctx);
	}
	if (dump) {
		return cmd_watch_dump(ctx, name, dump);
	}
	if (!name && !isatty(1)) {
		return cmd_watch_list_text(ctx);
	}
	if (!name) {
		return cmd_watch_tui(ctx, NULL);
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
	.usage = "[ROLLOUT_NAME | -A | -l SELECTOR] [--dump COLSxROWS]",
	.summary =
		"Watch a rollout live (or a list of them): steps, traffic, analysis, keys to promote and abort",
	.complete = "rollouts",
	.min_args = 0,
	.max_args = 1,
	.opts = cmd_watch_opts,
	.exec = cmd_watch_exec,
};
