/* SPDX-License-Identifier: Apache-2.0 */
/*
 * write: the parts the write commands share (see write.h): --dry-run,
 * -l/--selector, the status-subresource-first PATCH and the loop over
 * targets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "msg.h"
#include "selector.h"
#include "write.h"
#include "xalloc.h"

const struct write_kind write_rollouts = { "rollouts", "rollout" };
const struct write_kind write_experiments = { "experiments", "experiment" };
const struct write_kind write_analysisruns = { "analysisruns",
					       "analysisrun" };

bool
write_dry_run(struct cmd_ctx *ctx)
{
	return cmd_flag_bool(ctx, "dry-run", false);
}

char *
write_path(struct cmd_ctx *ctx, const struct write_kind *k, const char *name)
{
	return kube_path("argoproj.io", "v1alpha1", cmd_namespace(ctx),
			 k->plural, name);
}

int
write_get(struct cmd_ctx *ctx, const char *path, const char *word,
	  const char *name, cJSON **out)
{
	*out = NULL;
	struct kube_client *c = cmd_client(ctx);
	if (!c) {
		return -(ctx->err.code ? ctx->err.code : PD_EINTERNAL);
	}
	int rc = kube_request(c, "GET", path, NULL, NULL, out, &ctx->err);
	/* the server's 404 (a missing tokenFile is not found too) */
	if (rc == -PD_ENOTFOUND && ctx->err.http_status == 404) {
		return err_set(&ctx->err, PD_ENOTFOUND,
			       "%s '%s' not found in namespace '%s'", word,
			       name, cmd_namespace(ctx));
	}
	if (rc < 0) {
		err_prefix(&ctx->err, "cannot get %s '%s'", word, name);
		return rc;
	}
	if (!cJSON_IsObject(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		return err_set(&ctx->err, PD_ERUNTIME,
			       "unexpected answer to GET %s", path);
	}
	return rc;
}

int
write_send(struct cmd_ctx *ctx, const char *method, const char *path,
	   const char *ctype, const char *body, cJSON **out)
{
	if (out) {
		*out = NULL;
	}
	if (write_dry_run(ctx)) {
		printf("%s %s\nContent-Type: %s\n\n%s\n\n", method, path, ctype,
		       body);
		return 0;
	}
	struct kube_client *c = cmd_client(ctx);
	if (!c) {
		return -(ctx->err.code ? ctx->err.code : PD_EINTERNAL);
	}
	return kube_request(c, method, path, ctype, body, out, &ctx->err);
}

int
write_patch_status(struct cmd_ctx *ctx, const char *path,
		   const char *status_body, const char *fallback_body,
		   bool *missing)
{
	if (missing) {
		*missing = false;
	}
	char *sp = xasprintf("%s/status", path);
	int rc = write_send(ctx, "PATCH", sp, WRITE_MERGE, status_body, NULL);
	free(sp);
	if (rc != -PD_ENOTFOUND || ctx->err.http_status != 404) {
		return rc;
	}
	/* no status subresource (a v0.9 CRD): the main resource */
	memset(&ctx->err, 0, sizeof(ctx->err));
	if (!fallback_body) {
		if (missing) {
			*missing = true;
		}
		return 0;
	}
	return write_send(ctx, "PATCH", path, WRITE_MERGE, fallback_body,
			  NULL);
}

void
write_add_str(struct buf *b, const char *s)
{
	buf_addch(b, '"');
	buf_add_json_escaped(b, s);
	buf_addch(b, '"');
}

/* One target: reset the error, run fn, remember the first failure. */
static void
write_one(struct cmd_ctx *ctx, const char *name, const cJSON *obj,
	  write_fn fn, void *arg, int *first)
{
	memset(&ctx->err, 0, sizeof(ctx->err));
	int rc = fn(ctx, name, obj, arg);
	fflush(stdout);
	if (rc != 0 && *first == 0) {
		*first = rc;
	}
}

static int
write_usage(struct cmd_ctx *ctx)
{
	const struct cmd_entry *e = ctx->entry;
	err_set(&ctx->err, PD_EUSAGE, "missing argument: kubectl rollouts "
		"%s%s%s %s", e->parent ? e->parent : "", e->parent ? " " : "",
		e->name, e->usage);
	return cmd_fail(ctx);
}

/* -l: one LIST, then fn on each item in the order the server gave. */
static int
write_each_selected(struct cmd_ctx *ctx, const struct write_kind *k,
		    const char *sel, write_fn fn, void *arg)
{
	struct pd_err pe = { 0 };
	struct selector *s = selector_parse(sel, &pe);
	if (!s) {
		err_set(&ctx->err, PD_EUSAGE, "invalid selector '%s': %s", sel,
			pe.msg);
		return cmd_fail(ctx);
	}
	bool empty = selector_empty(s);
	selector_free(s);
	if (empty) {
		err_set(&ctx->err, PD_EUSAGE, "--selector must not be empty "
			"(it would select every %s)", k->word);
		return cmd_fail(ctx);
	}
	struct kube_client *c = cmd_client(ctx);
	if (!c) {
		return cmd_fail(ctx);
	}
	char *path = write_path(ctx, k, NULL);
	struct buf q = BUF_INIT;
	buf_adds(&q, "labelSelector=");
	buf_add_urlenc(&q, sel);
	cJSON *list = NULL;
	int rc = kube_list(c, path, q.buf, &list, &ctx->err);
	free(path);
	buf_release(&q);
	if (rc < 0) {
		err_prefix(&ctx->err, "cannot list %s", k->plural);
		return cmd_fail(ctx);
	}
	const cJSON *items = cJSON_GetObjectItem(list, "items");
	int first = 0, n = 0;
	for (const cJSON *it = items ? items->child : NULL; it; it = it->next) {
		const char *name = json_str(it, "metadata.name");
		if (!name) {
			continue;
		}
		n++;
		write_one(ctx, name, it, fn, arg, &first);
	}
	cJSON_Delete(list);
	if (n == 0) {
		err_set(&ctx->err, PD_ENOTFOUND, "no %s match selector '%s' "
			"in namespace '%s'", k->plural, sel,
			cmd_namespace(ctx));
		return cmd_fail(ctx);
	}
	return first;
}

int
write_each(struct cmd_ctx *ctx, const struct write_kind *k, bool get,
	   write_fn fn, void *arg)
{
	const char *sel = cmd_flag_str(ctx, "selector");
	if (sel && ctx->nargs > 0) {
		err_set(&ctx->err, PD_EUSAGE, "give %s names or --selector, "
			"not both", k->word);
		return cmd_fail(ctx);
	}
	if (sel) {
		return write_each_selected(ctx, k, sel, fn, arg);
	}
	if (ctx->nargs == 0) {
		return write_usage(ctx);
	}
	if (!cmd_client(ctx)) {
		return cmd_fail(ctx);
	}
	int first = 0;
	for (int i = 0; i < ctx->nargs; i++) {
		const char *name = ctx->args[i];
		if (!get) {
			write_one(ctx, name, NULL, fn, arg, &first);
			continue;
		}
		memset(&ctx->err, 0, sizeof(ctx->err));
		char *path = write_path(ctx, k, name);
		cJSON *obj = NULL;
		int rc = write_get(ctx, path, k->word, name, &obj);
		free(path);
		if (rc < 0) {
			rc = cmd_fail(ctx);
			if (first == 0) {
				first = rc;
			}
			continue;
		}
		write_one(ctx, name, obj, fn, arg, &first);
		cJSON_Delete(obj);
	}
	return first;
}
