/* SPDX-License-Identifier: Apache-2.0 */
/*
 * argocd-diff: whether a live object is in sync with its manifest, as Argo
 * CD v3's diff decides it. Both sides are normalised first: status (ignored
 * for every kind since v3), the metadata the API server sets
 * (resourceVersion, uid, generation, creationTimestamp, managedFields,
 * selfLink) and the last-applied annotation are dropped, and the
 * Application's ignoreDifferences entries that match the object remove
 * their jsonPointers and jqPathExpressions (a missing path is skipped).
 * Then the three-way rule: a field the manifest sets must have the same
 * value live; a field only live (server defaults, controller writes) never
 * counts, unless the last-applied configuration had it and the manifest no
 * longer does; lists of custom resources are compared whole (a JSON merge
 * patch replaces them), lists of built-in kinds element by element (a
 * strategic merge keeps live-only fields and elements: each element of
 * the manifest must match one live element). The
 * tracking annotation is part of the manifest, so an object not yet
 * tracked differs, as in Argo CD. managedFieldsManagers is not simulated.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "argocd.h"
#include "json.h"
#include "xalloc.h"

/* "" for the core group. */
static void
argocd_diff_group(const cJSON *obj, char *out, size_t n)
{
	const char *av = json_str(obj, "apiVersion");
	const char *slash = av ? strchr(av, '/') : NULL;
	size_t len = slash ? (size_t)(slash - av) : 0;
	if (len >= n) {
		len = n - 1;
	}
	memcpy(out, av ? av : "", len);
	out[len] = '\0';
}

static bool
argocd_diff_glob(const char *pat, const char *s)
{
	if (!pat || !*pat) {
		return true;
	}
	return fnmatch(pat, s ? s : "", 0) == 0;
}

void
argocd_diff_remove_pointer(cJSON *obj, const char *ptr)
{
	if (!ptr || !*ptr || strcmp(ptr, "/") == 0) {
		return;
	}
	cJSON *cur = obj;
	char *copy = xstrdup(ptr + (ptr[0] == '/' ? 1 : 0));
	char *seg = copy;
	for (;;) {
		char *slash = strchr(seg, '/');
		if (slash) {
			*slash = '\0';
		}
		/* unescape ~1 and ~0 */
		char *w = seg;
		for (char *r = seg; *r; r++) {
			if (r[0] == '~' && r[1] == '1') {
				*w++ = '/';
				r++;
			} else if (r[0] == '~' && r[1] == '0') {
				*w++ = '~';
				r++;
			} else {
				*w++ = *r;
			}
		}
		*w = '\0';
		cJSON *next = NULL;
		int idx = -1;
		if (cJSON_IsArray(cur)) {
			char *e;
			long l = strtol(seg, &e, 10);
			if (*seg && !*e && l >= 0) {
				idx = (int)l;
				next = cJSON_GetArrayItem(cur, idx);
			}
		} else if (cJSON_IsObject(cur)) {
			next = cJSON_GetObjectItemCaseSensitive(cur, seg);
		}
		if (!next) {
			break;
		}
		if (!slash) {
			if (idx >= 0) {
				cJSON_DeleteItemFromArray(cur, idx);
			} else {
				cJSON_DeleteItemFromObjectCaseSensitive(cur,
									seg);
			}
			break;
		}
		cur = next;
		seg = slash + 1;
	}
	free(copy);
}

/* One step of a jq path: a key, an index, or every element ([]). */
struct jq_step {
	char *key;  /* NULL for an index or [] */
	int index;  /* -1 for [] */
};

static void
argocd_diff_jq_at(cJSON *cur, const struct jq_step *st, size_t n)
{
	if (!cur || n == 0) {
		return;
	}
	if (st->key) {
		if (!cJSON_IsObject(cur)) {
			return;
		}
		if (n == 1) {
			cJSON_DeleteItemFromObjectCaseSensitive(cur, st->key);
			return;
		}
		argocd_diff_jq_at(cJSON_GetObjectItemCaseSensitive(cur, st->key),
			     st + 1, n - 1);
		return;
	}
	if (!cJSON_IsArray(cur)) {
		return;
	}
	if (st->index >= 0) {
		if (n == 1) {
			if (st->index < cJSON_GetArraySize(cur)) {
				cJSON_DeleteItemFromArray(cur, st->index);
			}
			return;
		}
		argocd_diff_jq_at(cJSON_GetArrayItem(cur, st->index), st + 1, n - 1);
		return;
	}
	if (n == 1) {
		while (cur->child) {
			cJSON_DeleteItemFromArray(cur, 0);
		}
		return;
	}
	for (cJSON *c = cur->child; c; c = c->next) {
		argocd_diff_jq_at(c, st + 1, n - 1);
	}
}

int
argocd_diff_jq_delete(cJSON *obj, const char *expr, struct buf *err)
{
	struct jq_step steps[64];
	size_t n = 0;
	const char *p = expr;
	int rc = 0;
	while (*p == ' ') {
		p++;
	}
	if (*p != '.') {
		rc = -1;
	}
	while (rc == 0 && *p && *p != ' ') {
		if (n == 64) {
			rc = -1;
			break;
		}
		if (p[0] == '.' && p[1] != '[') {
			p++;
			const char *s = p;
			while (*p && *p != '.' && *p != '[' && *p != ' ') {
				if (!((*p >= 'a' && *p <= 'z') ||
				      (*p >= 'A' && *p <= 'Z') ||
				      (*p >= '0' && *p <= '9') || *p == '_')) {
					rc = -1;
					break;
				}
				p++;
			}
			if (rc < 0 || p == s) {
				rc = -1;
				break;
			}
			steps[n].key = xasprintf("%.*s", (int)(p - s), s);
			steps[n++].index = 0;
			continue;
		}
		if (p[0] == '.' && p[1] == '[') {
			p++;
		}
		if (*p != '[') {
			rc = -1;
			break;
		}
		p++;
		if (*p == ']') {
			steps[n].key = NULL;
			steps[n++].index = -1;
			p++;
		} else if (*p == '"') {
			const char *s = ++p;
			while (*p && *p != '"') {
				p++;
			}
			if (*p != '"' || p[1] != ']') {
				rc = -1;
				break;
			}
			steps[n].key = xasprintf("%.*s", (int)(p - s), s);
			steps[n++].index = 0;
			p += 2;
		} else {
			char *e;
			long l = strtol(p, &e, 10);
			if (e == p || *e != ']' || l < 0) {
				rc = -1;
				break;
			}
			steps[n].key = NULL;
			steps[n++].index = (int)l;
			p = e + 1;
		}
	}
	while (*p == ' ') {
		p++;
	}
	if (rc == 0 && (*p || n == 0)) {
		rc = -1;
	}
	if (rc == 0) {
		argocd_diff_jq_at(obj, steps, n);
	} else if (err) {
		buf_addf(err, "jqPathExpression '%s': rollouts-sim supports "
			 "paths of the form .a.b[].c only", expr);
	}
	for (size_t i = 0; i < n; i++) {
		free(steps[i].key);
	}
	return rc;
}

void
argocd_diff_normalize(cJSON *obj, const cJSON *ignores)
{
	static const char *const meta[] = {
		"resourceVersion", "uid", "generation", "creationTimestamp",
		"managedFields", "selfLink",
	};
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
	cJSON *md = cJSON_GetObjectItem(obj, "metadata");
	for (size_t i = 0; md && i < sizeof(meta) / sizeof(meta[0]); i++) {
		cJSON_DeleteItemFromObjectCaseSensitive(md, meta[i]);
	}
	cJSON *ann = cJSON_GetObjectItem(md, "annotations");
	if (ann) {
		cJSON_DeleteItemFromObjectCaseSensitive(ann,
			ARGOCD_ANN_LAST_APPLIED);
		if (!ann->child) {
			cJSON_DeleteItemFromObjectCaseSensitive(md,
								"annotations");
		}
	}
	char group[128];
	argocd_diff_group(obj, group, sizeof(group));
	const char *kind = json_str(obj, "kind");
	const char *name = json_str(obj, "metadata.name");
	const char *ns = json_str(obj, "metadata.namespace");
	for (const cJSON *ig = ignores ? ignores->child : NULL; ig;
	     ig = ig->next) {
		const char *ik = json_str(ig, "kind");
		const char *igrp = json_str(ig, "group");
		if (!ik || !argocd_diff_glob(ik, kind) ||
		    !(igrp ? fnmatch(igrp, group, 0) == 0 : !*group) ||
		    !argocd_diff_glob(json_str(ig, "name"), name) ||
		    !argocd_diff_glob(json_str(ig, "namespace"), ns)) {
			continue;
		}
		const cJSON *jp = cJSON_GetObjectItem(ig, "jsonPointers");
		for (const cJSON *p = jp ? jp->child : NULL; p; p = p->next) {
			if (cJSON_IsString(p)) {
				argocd_diff_remove_pointer(obj, p->valuestring);
			}
		}
		const cJSON *jq = cJSON_GetObjectItem(ig, "jqPathExpressions");
		for (const cJSON *p = jq ? jq->child : NULL; p; p = p->next) {
			if (cJSON_IsString(p)) {
				argocd_diff_jq_delete(obj, p->valuestring,
						      NULL);
			}
		}
	}
}

static void
argocd_diff_path(struct buf *why, const char *path)
{
	if (why && !why->len) {
		buf_adds(why, *path ? path : "/");
	}
}

static bool
argocd_diff_all_objects(const cJSON *arr)
{
	for (const cJSON *c = arr->child; c; c = c->next) {
		if (!cJSON_IsObject(c)) {
			return false;
		}
	}
	return arr->child != NULL;
}

static bool
argocd_diff_walk(const cJSON *t, const cJSON *l, const cJSON *last, bool builtin,
	  struct buf *path, struct buf *why)
{
	size_t mark = path->len;
	if (cJSON_IsObject(t)) {
		if (!cJSON_IsObject(l)) {
			argocd_diff_path(why, path->buf ? path->buf : "");
			return true;
		}
		for (const cJSON *c = t->child; c; c = c->next) {
			const cJSON *lc = cJSON_GetObjectItemCaseSensitive(
				l, c->string);
			buf_addf(path, "/%s", c->string);
			bool m;
			if (cJSON_IsNull(c)) {
				m = lc && !cJSON_IsNull(lc);
			} else if (!lc) {
				m = true;
			} else {
				m = argocd_diff_walk(c, lc,
					      cJSON_IsObject(last)
						      ? cJSON_GetObjectItem(
								last, c->string)
						      : NULL,
					      builtin, path, why);
			}
			if (m) {
				argocd_diff_path(why, path->buf);
				buf_setlen(path, mark);
				return true;
			}
			buf_setlen(path, mark);
		}
		/* removed from the manifest since the last apply */
		for (const cJSON *c = cJSON_IsObject(last) ? last->child : NULL;
		     c; c = c->next) {
			if (!cJSON_GetObjectItemCaseSensitive(t, c->string) &&
			    cJSON_GetObjectItemCaseSensitive(l, c->string)) {
				buf_addf(path, "/%s", c->string);
				argocd_diff_path(why, path->buf);
				buf_setlen(path, mark);
				return true;
			}
		}
		return false;
	}
	if (cJSON_IsArray(t)) {
		if (builtin && cJSON_IsArray(l) && argocd_diff_all_objects(t) &&
		    argocd_diff_all_objects(l)) {
			/* a strategic merge keeps live-only elements unless
			 * the last apply had them */
			if (cJSON_IsArray(last) &&
			    cJSON_GetArraySize(last) > cJSON_GetArraySize(t) &&
			    cJSON_GetArraySize(l) > cJSON_GetArraySize(t)) {
				argocd_diff_path(why, path->buf ? path->buf : "");
				return true;
			}
			int i = 0;
			for (const cJSON *c = t->child; c; c = c->next, i++) {
				bool match = false;
				struct buf sub = BUF_INIT;
				for (const cJSON *lc = l->child; lc && !match;
				     lc = lc->next) {
					buf_reset(&sub);
					match = !argocd_diff_walk(c, lc, NULL, builtin,
							   path, &sub);
				}
				buf_release(&sub);
				if (!match) {
					buf_addf(path, "/%d", i);
					argocd_diff_path(why, path->buf);
					buf_setlen(path, mark);
					return true;
				}
			}
			return false;
		}
		if (!cJSON_IsArray(l) ||
		    cJSON_GetArraySize(t) != cJSON_GetArraySize(l)) {
			argocd_diff_path(why, path->buf ? path->buf : "");
			return true;
		}
		if (!builtin) {
			if (!json_equal(t, l)) {
				argocd_diff_path(why, path->buf ? path->buf : "");
				return true;
			}
			return false;
		}
		int i = 0;
		const cJSON *lc = l->child;
		for (const cJSON *c = t->child; c; c = c->next, lc = lc->next,
		     i++) {
			buf_addf(path, "/%d", i);
			bool m = argocd_diff_walk(c, lc,
					   cJSON_IsArray(last)
						   ? cJSON_GetArrayItem(last, i)
						   : NULL,
					   builtin, path, why);
			buf_setlen(path, mark);
			if (m) {
				return true;
			}
		}
		return false;
	}
	if (!json_equal(t, l)) {
		argocd_diff_path(why, path->buf ? path->buf : "");
		return true;
	}
	return false;
}

bool
argocd_diff_modified(const cJSON *target, const cJSON *live,
		     const cJSON *ignores, bool builtin, struct buf *why)
{
	cJSON *t = cJSON_Duplicate(target, 1);
	cJSON *l = cJSON_Duplicate(live, 1);
	cJSON *last = NULL;
	const cJSON *ann = json_path(live, "metadata.annotations");
	const cJSON *la = cJSON_GetObjectItemCaseSensitive(
		ann, ARGOCD_ANN_LAST_APPLIED);
	if (cJSON_IsString(la)) {
		last = cJSON_Parse(la->valuestring);
	}
	argocd_diff_normalize(t, ignores);
	argocd_diff_normalize(l, ignores);
	if (last) {
		argocd_diff_normalize(last, ignores);
	}
	struct buf path = BUF_INIT;
	buf_adds(&path, "");
	bool m = argocd_diff_walk(t, l, last, builtin, &path, why);
	buf_release(&path);
	cJSON_Delete(t);
	cJSON_Delete(l);
	cJSON_Delete(last);
	return m;
}
