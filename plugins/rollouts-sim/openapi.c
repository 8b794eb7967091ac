/* SPDX-License-Identifier: Apache-2.0 */
/*
 * openapi: the OpenAPI documents kubectl reads before it writes (the v3
 * index /openapi/v3, one document per group-version under
 * /openapi/v3/apis/GROUP/VERSION and /openapi/v3/api/v1, and the v2 document
 * /openapi/v2 in JSON), and the API server's field validation
 * (fieldValidation=Strict|Warn|Ignore: unknown and duplicate fields as
 * strict decoding errors, warnings, or silently dropped) checked against the
 * same schemas. The schemas come from openapi-schemas.inc
 * (scripts/gen-openapi-schemas: Argo Rollouts' CRDs as published, the core
 * kinds written out); a kind learnt from a fixture has an open schema.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "server.h"
#include "sim.h"
#include "xalloc.h"

#include "openapi-schemas.inc"

#define OPENAPI_REF "#/components/schemas/"

static cJSON *openapi_defs;
static pthread_once_t openapi_once = PTHREAD_ONCE_INIT;

static void
openapi_load(void)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; openapi_schema_chunks[i]; i++) {
		buf_adds(&b, openapi_schema_chunks[i]);
	}
	openapi_defs = json_parse(b.buf, b.len, NULL);
	if (!openapi_defs) {
		openapi_defs = cJSON_CreateObject();
	}
	buf_release(&b);
}

static const cJSON *
openapi_table(void)
{
	pthread_once(&openapi_once, openapi_load);
	return openapi_defs;
}

/* The definition name of r's kind at version: io.k8s.api.core.v1.Pod,
 * io.k8s.api.apps.v1.ReplicaSet, io.argoproj.v1alpha1.Rollout. */
static void
openapi_def_name(const struct sim_resource *r, const char *version,
		 const char *kind, struct buf *out)
{
	const char *g = r->group;
	size_t gl = strlen(g);
	if (!*g) {
		buf_addf(out, "io.k8s.api.core.%s.%s", version, kind);
		return;
	}
	if (!strchr(g, '.') ||
	    (gl > 7 && strcmp(g + gl - 7, ".k8s.io") == 0)) {
		buf_addf(out, "io.k8s.api.%.*s.%s.%s", (int)strcspn(g, "."), g,
			 version, kind);
		return;
	}
	/* reverse the domain: networking.istio.io -> io.istio.networking */
	size_t end = gl;
	while (end > 0) {
		size_t start = end;
		while (start > 0 && g[start - 1] != '.') {
			start--;
		}
		buf_addf(out, "%s%.*s", out->len ? "." : "", (int)(end - start),
			 g + start);
		end = start ? start - 1 : 0;
	}
	buf_addf(out, ".%s.%s", version, kind);
}

/* r's schema in the table (under any version it serves), or NULL. */
static const cJSON *
openapi_kind_schema(const struct sim_resource *r, const char *version)
{
	const cJSON *t = openapi_table();
	const cJSON *s = NULL;
	for (int i = -1; i < 4 && !s; i++) {
		const char *v = i < 0 ? version : r->versions[i];
		if (!v) {
			break;
		}
		struct buf n = BUF_INIT;
		openapi_def_name(r, v, r->kind, &n);
		s = cJSON_GetObjectItemCaseSensitive(t, n.buf);
		buf_release(&n);
	}
	return s;
}

static const cJSON *
openapi_resolve(const cJSON *s)
{
	for (int depth = 0; s && depth < 8; depth++) {
		const char *ref = json_str(s, "$ref");
		if (!ref) {
			return s;
		}
		if (strncmp(ref, OPENAPI_REF, strlen(OPENAPI_REF)) != 0) {
			return NULL;
		}
		s = cJSON_GetObjectItemCaseSensitive(openapi_table(),
						     ref + strlen(OPENAPI_REF));
	}
	return s;
}

/* ------------------------------------------------------ field validation */

struct openapi_walk {
	bool prune;          /* drop unknown fields, earlier duplicates */
	struct buf errs;     /* `unknown field "x"`, ", "-separated */
	char **warns;        /* the same, one per finding */
	size_t nwarns;
	char **skip;         /* paths already unknown in the stored object */
	size_t nskip;
};

static bool
openapi_skipped(const struct openapi_walk *w, const char *path)
{
	for (size_t i = 0; i < w->nskip; i++) {
		if (strcmp(w->skip[i], path) == 0) {
			return true;
		}
	}
	return false;
}

static void
openapi_finding(struct openapi_walk *w, const char *what, const char *path)
{
	if (openapi_skipped(w, path)) {
		return;
	}
	char *msg = xasprintf("%s field \"%s\"", what, path);
	buf_addf(&w->errs, "%s%s", w->errs.len ? ", " : "", msg);
	w->warns = xrealloc(w->warns, (w->nwarns + 1) * sizeof(*w->warns));
	w->warns[w->nwarns++] = msg;
}

static void openapi_walk_value(struct openapi_walk *w, const cJSON *schema,
			       cJSON *val, struct buf *path, int depth);

static void
openapi_walk_object(struct openapi_walk *w, const cJSON *s, cJSON *val,
		    struct buf *path, int depth)
{
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(s, "properties");
	const cJSON *addl = cJSON_GetObjectItemCaseSensitive(
		s, "additionalProperties");
	bool preserve = json_bool(s, "x-kubernetes-preserve-unknown-fields",
				  false);
	if (!cJSON_IsObject(addl)) {
		addl = NULL;
	}
	if (!props && !addl && (preserve || !json_str(s, "type"))) {
		return;   /* anything goes below */
	}
	size_t base = path->len;
	cJSON *next;
	for (cJSON *m = val->child; m; m = next) {
		next = m->next;
		buf_setlen(path, base);
		buf_addf(path, "%s%s", base ? "." : "", m->string);
		/* a later member of the same name wins, as in Go */
		bool dup = false;
		for (cJSON *l = next; l && !dup; l = l->next) {
			dup = strcmp(l->string, m->string) == 0;
		}
		if (dup) {
			openapi_finding(w, "duplicate", path->buf);
			if (w->prune) {
				cJSON_Delete(cJSON_DetachItemViaPointer(val, m));
			}
			continue;
		}
		const cJSON *sub = props ? cJSON_GetObjectItemCaseSensitive(
						   props, m->string) : NULL;
		if (!sub) {
			sub = addl;
		}
		if (sub) {
			openapi_walk_value(w, sub, m, path, depth + 1);
		} else if (!preserve) {
			openapi_finding(w, "unknown", path->buf);
			if (w->prune && !openapi_skipped(w, path->buf)) {
				cJSON_Delete(cJSON_DetachItemViaPointer(val, m));
			}
		}
	}
	buf_setlen(path, base);
}

static void
openapi_walk_value(struct openapi_walk *w, const cJSON *schema, cJSON *val,
		   struct buf *path, int depth)
{
	const cJSON *s = openapi_resolve(schema);
	if (!s || depth > 64) {
		return;
	}
	if (cJSON_IsObject(val)) {
		openapi_walk_object(w, s, val, path, depth);
	} else if (cJSON_IsArray(val)) {
		const cJSON *items = cJSON_GetObjectItemCaseSensitive(s,
								      "items");
		if (!cJSON_IsObject(items)) {
			return;
		}
		size_t base = path->len;
		int i = 0;
		for (cJSON *e = val->child; e; e = e->next, i++) {
			buf_setlen(path, base);
			buf_addf(path, "[%d]", i);
			openapi_walk_value(w, items, e, path, depth + 1);
		}
		buf_setlen(path, base);
	}
}

static int
openapi_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A custom resource's findings in the API server's order: duplicates (the
 * JSON decoder's), then the root metadata's unknown fields (ObjectMeta's
 * check), then the pruned paths sorted (apiextensions' PruneWithOptions
 * sorts them). errs is rebuilt. */
static void
openapi_crd_order(struct openapi_walk *w)
{
	static const char unk[] = "unknown field \"";
	size_t first = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = first; i < w->nwarns; i++) {
			bool dup = strncmp(w->warns[i], unk, strlen(unk)) != 0;
			bool meta = !dup && strncmp(w->warns[i] + strlen(unk),
						    "metadata.", 9) == 0;
			if (pass == 0 ? dup : meta) {
				char *m = w->warns[i];
				memmove(w->warns + first + 1, w->warns + first,
					(i - first) * sizeof(*w->warns));
				w->warns[first++] = m;
			}
		}
	}
	if (w->nwarns > first) {
		qsort(w->warns + first, w->nwarns - first, sizeof(*w->warns),
		      openapi_cmp);
	}
	buf_reset(&w->errs);
	for (size_t i = 0; i < w->nwarns; i++) {
		buf_addf(&w->errs, "%s%s", i ? ", " : "", w->warns[i]);
	}
}

static void
openapi_walk_release(struct openapi_walk *w)
{
	buf_release(&w->errs);
	for (size_t i = 0; i < w->nwarns; i++) {
		free(w->warns[i]);
	}
	free(w->warns);
	for (size_t i = 0; i < w->nskip; i++) {
		free(w->skip[i]);
	}
	free(w->skip);
}

/* The unknown fields of a stored object (which came from a fixture or the
 * controller, not through validation): a patch does not report them. */
static void
openapi_old_unknowns(const cJSON *schema, const cJSON *old,
		     struct openapi_walk *w)
{
	struct openapi_walk o = { .errs = BUF_INIT };
	cJSON *copy = cJSON_Duplicate(old, 1);
	struct buf path = BUF_INIT;
	openapi_walk_value(&o, schema, copy, &path, 0);
	buf_release(&path);
	cJSON_Delete(copy);
	for (size_t i = 0; i < o.nwarns; i++) {
		/* `unknown field "PATH"` -> PATH */
		const char *q = strchr(o.warns[i], '"');
		size_t n = strlen(q + 1);
		w->skip = xrealloc(w->skip, (w->nskip + 1) * sizeof(*w->skip));
		w->skip[w->nskip++] = xstrndup(q + 1, n ? n - 1 : 0);
	}
	openapi_walk_release(&o);
}

int
openapi_directive(struct MHD_Connection *c, const char *options,
		  enum openapi_validation *out, struct sim_reply *rep)
{
	const char *v = httpd_arg(c, "fieldValidation");
	*out = OPENAPI_WARN;   /* the default since Kubernetes 1.27 */
	if (!v || !*v || strcmp(v, "Warn") == 0) {
		return 0;
	}
	if (strcmp(v, "Strict") == 0) {
		*out = OPENAPI_STRICT;
		return 0;
	}
	if (strcmp(v, "Ignore") == 0) {
		*out = OPENAPI_IGNORE;
		return 0;
	}
	struct sim_resource opts = {
		.group = "meta.k8s.io", .kind = (char *)options,
		.plural = (char *)options,
	};
	char *detail = xasprintf("Unsupported value: \"%s\": supported "
				 "values: \"Ignore\", \"Strict\", \"Warn\"",
				 v);
	apierr_invalid(rep, &opts, "", "fieldValidation", detail);
	free(detail);
	return -1;
}

int
openapi_validate(enum openapi_validation d, const struct sim_resource *r,
		 const char *version, cJSON *obj, const cJSON *old,
		 const char *patched, struct sim_reply *rep)
{
	const cJSON *schema = openapi_kind_schema(r, version);
	if (!schema) {
		return 0;   /* a kind learnt from a fixture: no schema */
	}
	struct openapi_walk w = {
		.prune = d != OPENAPI_STRICT, .errs = BUF_INIT,
	};
	if (old) {
		openapi_old_unknowns(schema, old, &w);
	}
	struct buf path = BUF_INIT;
	openapi_walk_value(&w, schema, obj, &path, 0);
	buf_release(&path);
	if (!r->builtin) {
		openapi_crd_order(&w);
	}
	int rc = 0;
	if (w.nwarns && d == OPENAPI_STRICT) {
		char *msg;
		if (patched) {
			/* patch.go: field.Invalid(field.NewPath("patch"),
			 * string(patchedObjJS), strictDecodingError) under an
			 * empty GroupKind */
			struct buf q = BUF_INIT;
			buf_add_json_escaped(&q, patched);
			msg = xasprintf(" \"\" is invalid: patch: Invalid value: "
					"\"%s\": strict decoding error: %s",
					q.buf, w.errs.buf);
			buf_release(&q);
			apierr_status(rep, 422, "Invalid", msg, NULL, NULL);
		} else {
			const char *kind = json_str(obj, "kind");
			msg = xasprintf("%s in version \"%s\" cannot be handled "
					"as a %s: strict decoding error: %s",
					kind && *kind ? kind : r->kind, version,
					r->kind, w.errs.buf);
			apierr_badrequest(rep, msg);
		}
		free(msg);
		rc = -1;
	} else if (w.nwarns && d == OPENAPI_WARN) {
		for (size_t i = 0; i < w.nwarns; i++) {
			rep->warnings = xrealloc(rep->warnings,
				(rep->nwarnings + 1) * sizeof(*rep->warnings));
			rep->warnings[rep->nwarnings++] = w.warns[i];
			w.warns[i] = NULL;
		}
	}
	openapi_walk_release(&w);
	return rc;
}

/* ------------------------------------------------------------ documents */

/* Add the definition name and everything it refers to (transitively). */
static void
openapi_collect(cJSON *schemas, const char *name, const cJSON *s);

static void
openapi_collect_refs(cJSON *schemas, const cJSON *node)
{
	if (cJSON_IsObject(node)) {
		const char *ref = json_str(node, "$ref");
		if (ref && strncmp(ref, OPENAPI_REF, strlen(OPENAPI_REF)) == 0) {
			const char *n = ref + strlen(OPENAPI_REF);
			openapi_collect(schemas, n,
				cJSON_GetObjectItemCaseSensitive(
					openapi_table(), n));
		}
	}
	if (cJSON_IsObject(node) || cJSON_IsArray(node)) {
		for (const cJSON *c = node->child; c; c = c->next) {
			openapi_collect_refs(schemas, c);
		}
	}
}

static void
openapi_collect(cJSON *schemas, const char *name, const cJSON *s)
{
	if (!s || cJSON_GetObjectItemCaseSensitive(schemas, name)) {
		return;
	}
	cJSON_AddItemToObject(schemas, name, cJSON_Duplicate(s, 1));
	openapi_collect_refs(schemas, s);
}

static cJSON *
openapi_gvk(const char *group, const char *version, const char *kind)
{
	cJSON *g = cJSON_CreateObject();
	cJSON_AddStringToObject(g, "group", group);
	cJSON_AddStringToObject(g, "kind", kind);
	cJSON_AddStringToObject(g, "version", version);
	return g;
}

static cJSON *
openapi_param(const char *name, const char *in, bool required)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "name", name);
	cJSON_AddStringToObject(p, "in", in);
	if (required) {
		cJSON_AddBoolToObject(p, "required", true);
	}
	cJSON *sch = cJSON_AddObjectToObject(p, "schema");
	cJSON_AddStringToObject(sch, "type",
		strcmp(name, "force") == 0 || strcmp(name, "watch") == 0 ?
		"boolean" : strcmp(name, "limit") == 0 ? "integer" : "string");
	cJSON_AddBoolToObject(p, "uniqueItems", true);
	return p;
}

static cJSON *
openapi_content(const char *ref, const char *const *types)
{
	cJSON *c = cJSON_CreateObject();
	for (int i = 0; types[i]; i++) {
		cJSON *t = cJSON_AddObjectToObject(c, types[i]);
		cJSON *s = cJSON_AddObjectToObject(t, "schema");
		cJSON_AddStringToObject(s, "$ref", ref);
	}
	return c;
}

/* One operation: verb (get, list, create, ...) on r at version. */
static cJSON *
openapi_op(const struct sim_resource *r, const char *version,
	   const char *action, const char *opid, const char *ref,
	   const char *const *qparams, bool body, bool v2)
{
	static const char *const json_types[] = { "application/json",
						  "application/yaml", NULL };
	static const char *const patch_types[] = {
		"application/apply-patch+yaml", "application/json-patch+json",
		"application/merge-patch+json",
		"application/strategic-merge-patch+json", NULL };
	cJSON *op = cJSON_CreateObject();
	cJSON *tags = cJSON_AddArrayToObject(op, "tags");
	struct buf tag = BUF_INIT;
	for (const char *p = *r->group ? r->group : "core"; *p; p++) {
		buf_addch(&tag, *p == '.' ? '_' : *p);
	}
	buf_addf(&tag, "_%s", version);
	cJSON_AddItemToArray(tags, cJSON_CreateString(tag.buf));
	buf_release(&tag);
	cJSON_AddStringToObject(op, "operationId", opid);
	cJSON *params = cJSON_AddArrayToObject(op, "parameters");
	for (int i = 0; qparams[i]; i++) {
		cJSON_AddItemToArray(params,
				     openapi_param(qparams[i], "query", false));
	}
	bool patch = strcmp(action, "patch") == 0;
	if (body && !v2) {
		cJSON *rb = cJSON_AddObjectToObject(op, "requestBody");
		if (patch) {
			cJSON *c = cJSON_CreateObject();
			for (int i = 0; patch_types[i]; i++) {
				/* a CRD takes no strategic merge patch, and
				 * kubectl apply reads this to choose */
				if (!r->builtin && strstr(patch_types[i],
							  "strategic")) {
					continue;
				}
				cJSON *t = cJSON_AddObjectToObject(c,
								   patch_types[i]);
				cJSON_AddStringToObject(cJSON_AddObjectToObject(
					t, "schema"), "$ref", OPENAPI_REF
					"io.k8s.apimachinery.pkg.apis.meta.v1."
					"Patch");
			}
			cJSON_AddItemToObject(rb, "content", c);
		} else {
			cJSON_AddItemToObject(rb, "content",
					      openapi_content(ref, json_types));
		}
		cJSON_AddBoolToObject(rb, "required", true);
	} else if (body) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "name", "body");
		cJSON_AddStringToObject(p, "in", "body");
		cJSON_AddBoolToObject(p, "required", true);
		cJSON *s = cJSON_AddObjectToObject(p, "schema");
		cJSON_AddStringToObject(s, "$ref", patch ?
			"#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"
			: ref);
		cJSON_AddItemToArray(params, p);
	}
	cJSON *resp = cJSON_AddObjectToObject(op, "responses");
	cJSON *ok = cJSON_AddObjectToObject(resp,
		strcmp(action, "post") == 0 ? "201" : "200");
	cJSON_AddStringToObject(ok, "description",
				strcmp(action, "post") == 0 ? "Created" : "OK");
	if (v2) {
		cJSON_AddStringToObject(cJSON_AddObjectToObject(ok, "schema"),
					"$ref", ref);
	} else {
		cJSON_AddItemToObject(ok, "content",
				      openapi_content(ref, json_types));
	}
	cJSON_AddStringToObject(op, "x-kubernetes-action", action);
	cJSON_AddItemToObject(op, "x-kubernetes-group-version-kind",
			      openapi_gvk(r->group, version, r->kind));
	return op;
}

static void
openapi_opid(struct buf *b, const char *verb, const struct sim_resource *r,
	     const char *version, const char *scope, const char *suffix)
{
	buf_reset(b);
	buf_adds(b, verb);
	bool up = true;
	for (const char *p = *r->group ? r->group : "core"; *p; p++) {
		if (*p == '.' || *p == '-') {
			up = true;
			continue;
		}
		buf_addch(b, up ? (char)(*p & ~0x20) : *p);
		up = false;
	}
	buf_addch(b, (char)(version[0] & ~0x20));
	buf_adds(b, version + 1);
	buf_addf(b, "%s%s%s", scope, r->kind, suffix);
}

/* The paths of r at version into paths. */
static void
openapi_paths(cJSON *paths, const struct sim_resource *r,
	      const char *version, const char *ref, const char *list_ref,
	      bool v2)
{
	static const char *const q_list[] = { "allowWatchBookmarks",
		"continue", "fieldSelector", "labelSelector", "limit",
		"resourceVersion", "resourceVersionMatch", "sendInitialEvents",
		"timeoutSeconds", "watch", NULL };
	static const char *const q_create[] = { "dryRun", "fieldManager",
		"fieldValidation", NULL };
	static const char *const q_patch[] = { "dryRun", "fieldManager",
		"fieldValidation", "force", NULL };
	static const char *const q_delete[] = { "dryRun",
		"gracePeriodSeconds", "propagationPolicy", NULL };
	static const char *const q_get[] = { NULL };
	struct buf base = BUF_INIT, p = BUF_INIT, id = BUF_INIT;
	if (*r->group) {
		buf_addf(&base, "/apis/%s/%s", r->group, version);
	} else {
		buf_addf(&base, "/api/%s", version);
	}
	const char *scope = r->namespaced ? "Namespaced" : "";
	const char *nsseg = r->namespaced ? "/namespaces/{namespace}" : "";

	buf_addf(&p, "%s%s/%s", base.buf, nsseg, r->plural);
	cJSON *coll = cJSON_AddObjectToObject(paths, p.buf);
	openapi_opid(&id, "list", r, version, scope, "");
	cJSON_AddItemToObject(coll, "get", openapi_op(r, version, "list",
		id.buf, list_ref, q_list, false, v2));
	openapi_opid(&id, "create", r, version, scope, "");
	cJSON_AddItemToObject(coll, "post", openapi_op(r, version, "post",
		id.buf, ref, q_create, true, v2));
	openapi_opid(&id, "deletecollection", r, version, scope, "");
	cJSON_AddItemToObject(coll, "delete", openapi_op(r, version,
		"deletecollection", id.buf, ref, q_delete, false, v2));
	cJSON *cp = cJSON_AddArrayToObject(coll, "parameters");
	if (r->namespaced) {
		cJSON_AddItemToArray(cp, openapi_param("namespace", "path",
						       true));
	}
	cJSON_AddItemToArray(cp, openapi_param("pretty", "query", false));

	const char *subs[] = { "", "/status", NULL };
	for (int i = 0; subs[i]; i++) {
		if (i == 1 && !r->has_status) {
			continue;
		}
		buf_reset(&p);
		buf_addf(&p, "%s%s/%s/{name}%s", base.buf, nsseg, r->plural,
			 subs[i]);
		cJSON *item = cJSON_AddObjectToObject(paths, p.buf);
		const char *sfx = i ? "Status" : "";
		openapi_opid(&id, "read", r, version, scope, sfx);
		cJSON_AddItemToObject(item, "get", openapi_op(r, version, "get",
			id.buf, ref, q_get, false, v2));
		openapi_opid(&id, "replace", r, version, scope, sfx);
		cJSON_AddItemToObject(item, "put", openapi_op(r, version, "put",
			id.buf, ref, q_create, true, v2));
		openapi_opid(&id, "patch", r, version, scope, sfx);
		cJSON_AddItemToObject(item, "patch", openapi_op(r, version,
			"patch", id.buf, ref, q_patch, true, v2));
		if (!i) {
			openapi_opid(&id, "delete", r, version, scope, "");
			cJSON_AddItemToObject(item, "delete", openapi_op(r,
				version, "delete", id.buf, ref, q_delete, false,
				v2));
		}
		cJSON *ip = cJSON_AddArrayToObject(item, "parameters");
		cJSON_AddItemToArray(ip, openapi_param("name", "path", true));
		if (r->namespaced) {
			cJSON_AddItemToArray(ip, openapi_param("namespace",
							       "path", true));
		}
		cJSON_AddItemToArray(ip, openapi_param("pretty", "query",
						       false));
	}
	if (r->namespaced) {
		buf_reset(&p);
		buf_addf(&p, "%s/%s", base.buf, r->plural);
		cJSON *all = cJSON_AddObjectToObject(paths, p.buf);
		openapi_opid(&id, "list", r, version, "", "ForAllNamespaces");
		cJSON_AddItemToObject(all, "get", openapi_op(r, version, "list",
			id.buf, list_ref, q_list, false, v2));
		cJSON_AddItemToArray(cJSON_AddArrayToObject(all, "parameters"),
				     openapi_param("pretty", "query", false));
	}
	buf_release(&base);
	buf_release(&p);
	buf_release(&id);
}

/* r's kind and list schemas at version into schemas (names into kname,
 * lname). */
static void
openapi_kind_defs(cJSON *schemas, const struct sim_resource *r,
		  const char *version, struct buf *kname, struct buf *lname)
{
	openapi_def_name(r, version, r->kind, kname);
	struct buf lk = BUF_INIT;
	buf_addf(&lk, "%sList", r->kind);
	openapi_def_name(r, version, lk.buf, lname);
	buf_release(&lk);
	const cJSON *s = openapi_kind_schema(r, version);
	cJSON *k;
	if (s) {
		k = cJSON_Duplicate(s, 1);
		openapi_collect_refs(schemas, s);
	} else {
		/* a kind learnt from a fixture: an open schema */
		k = cJSON_CreateObject();
		cJSON_AddStringToObject(k, "type", "object");
		cJSON *p = cJSON_AddObjectToObject(k, "properties");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(p, "apiVersion"),
					"type", "string");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(p, "kind"),
					"type", "string");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(p, "metadata"),
			"$ref", OPENAPI_REF
			"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
		cJSON_AddBoolToObject(k, "x-kubernetes-preserve-unknown-fields",
				      true);
		openapi_collect_refs(schemas, k);
	}
	cJSON *gvks = cJSON_CreateArray();
	cJSON_AddItemToArray(gvks, openapi_gvk(r->group, version, r->kind));
	cJSON_DeleteItemFromObjectCaseSensitive(k,
		"x-kubernetes-group-version-kind");
	cJSON_AddItemToObject(k, "x-kubernetes-group-version-kind", gvks);
	cJSON_DeleteItemFromObjectCaseSensitive(schemas, kname->buf);
	cJSON_AddItemToObject(schemas, kname->buf, k);

	cJSON *l = cJSON_CreateObject();
	cJSON *lp = cJSON_AddObjectToObject(l, "properties");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(lp, "apiVersion"),
				"type", "string");
	cJSON *items = cJSON_AddObjectToObject(lp, "items");
	cJSON_AddStringToObject(items, "type", "array");
	struct buf ref = BUF_INIT;
	buf_addf(&ref, OPENAPI_REF "%s", kname->buf);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(items, "items"), "$ref",
				ref.buf);
	buf_release(&ref);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(lp, "kind"), "type",
				"string");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(lp, "metadata"), "$ref",
		OPENAPI_REF "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta");
	cJSON *req = cJSON_AddArrayToObject(l, "required");
	cJSON_AddItemToArray(req, cJSON_CreateString("items"));
	cJSON_AddStringToObject(l, "type", "object");
	struct buf lkind = BUF_INIT;
	buf_addf(&lkind, "%sList", r->kind);
	cJSON *lg = cJSON_CreateArray();
	cJSON_AddItemToArray(lg, openapi_gvk(r->group, version, lkind.buf));
	buf_release(&lkind);
	cJSON_AddItemToObject(l, "x-kubernetes-group-version-kind", lg);
	openapi_collect_refs(schemas, l);
	cJSON_AddItemToObject(schemas, lname->buf, l);
}

static void
openapi_patch_def(cJSON *schemas)
{
	const char *n = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";
	if (!cJSON_GetObjectItemCaseSensitive(schemas, n)) {
		cJSON *p = cJSON_AddObjectToObject(schemas, n);
		cJSON_AddStringToObject(p, "type", "object");
	}
}

/* The v3 document of one group-version (NULL when nothing is served
 * there). Lock held. */
static cJSON *
openapi_v3_doc(const char *group, const char *version)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "openapi", "3.0.0");
	cJSON *info = cJSON_AddObjectToObject(doc, "info");
	cJSON_AddStringToObject(info, "title", "Kubernetes");
	cJSON_AddStringToObject(info, "version", "v1.32.0");
	cJSON *paths = cJSON_AddObjectToObject(doc, "paths");
	cJSON *comp = cJSON_AddObjectToObject(doc, "components");
	cJSON *schemas = cJSON_AddObjectToObject(comp, "schemas");
	int n = 0;
	for (int i = 0; i < registry_count(); i++) {
		const struct sim_resource *r = registry_at(i);
		if (strcmp(r->group, group) != 0 ||
		    !registry_serves_version(r, version)) {
			continue;
		}
		struct buf k = BUF_INIT, l = BUF_INIT, kr = BUF_INIT,
			   lr = BUF_INIT;
		openapi_kind_defs(schemas, r, version, &k, &l);
		buf_addf(&kr, OPENAPI_REF "%s", k.buf);
		buf_addf(&lr, OPENAPI_REF "%s", l.buf);
		openapi_paths(paths, r, version, kr.buf, lr.buf, false);
		buf_release(&k);
		buf_release(&l);
		buf_release(&kr);
		buf_release(&lr);
		n++;
	}
	openapi_patch_def(schemas);
	cJSON *sec = cJSON_AddObjectToObject(comp, "securitySchemes");
	cJSON *bt = cJSON_AddObjectToObject(sec, "BearerToken");
	cJSON_AddStringToObject(bt, "type", "apiKey");
	cJSON_AddStringToObject(bt, "name", "authorization");
	cJSON_AddStringToObject(bt, "in", "header");
	if (!n) {
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}

/* A short stable hash of a document (the index's ?hash=). */
static void
openapi_hash(const char *s, char out[33])
{
	uint64_t h1 = 1469598103934665603ULL, h2 = 0x9e3779b97f4a7c15ULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		h1 = (h1 ^ *p) * 1099511628211ULL;
		h2 = (h2 ^ *p) * 0x100000001b3ULL + (h2 >> 29);
	}
	snprintf(out, 33, "%016llX%016llX", (unsigned long long)h1,
		 (unsigned long long)h2);
}

/* Each served group-version once: "v1" or "group/version". */
static int
openapi_group_versions(char ***out)
{
	char **gvs = NULL;
	int n = 0;
	for (int i = 0; i < registry_count(); i++) {
		const struct sim_resource *r = registry_at(i);
		for (int v = 0; v < 4 && r->versions[v]; v++) {
			char *gv = *r->group ? xasprintf("%s/%s", r->group,
							 r->versions[v])
					     : xstrdup(r->versions[v]);
			bool seen = false;
			for (int k = 0; k < n && !seen; k++) {
				seen = strcmp(gvs[k], gv) == 0;
			}
			if (seen) {
				free(gv);
				continue;
			}
			gvs = xrealloc(gvs, (size_t)(n + 1) * sizeof(*gvs));
			gvs[n++] = gv;
		}
	}
	*out = gvs;
	return n;
}

static void
openapi_v3_index(struct sim_reply *rep)
{
	char **gvs;
	int n = openapi_group_versions(&gvs);
	cJSON *idx = cJSON_CreateObject();
	cJSON *paths = cJSON_AddObjectToObject(idx, "paths");
	for (int i = 0; i < n; i++) {
		char *slash = strchr(gvs[i], '/');
		cJSON *doc;
		char *key;
		if (slash) {
			*slash = '\0';
			doc = openapi_v3_doc(gvs[i], slash + 1);
			key = xasprintf("apis/%s/%s", gvs[i], slash + 1);
		} else {
			doc = openapi_v3_doc("", gvs[i]);
			key = xasprintf("api/%s", gvs[i]);
		}
		if (doc) {
			char *text = json_print(doc);
			char hash[33];
			openapi_hash(text, hash);
			char *url = xasprintf("/openapi/v3/%s?hash=%s", key,
					      hash);
			cJSON_AddStringToObject(cJSON_AddObjectToObject(paths,
				key), "serverRelativeURL", url);
			free(url);
			free(text);
			cJSON_Delete(doc);
		}
		free(key);
		free(gvs[i]);
	}
	free(gvs);
	server_reply_json(rep, 200, idx);
	cJSON_Delete(idx);
}

/* Rewrite v3 references (#/components/schemas/) to v2 (#/definitions/). */
static void
openapi_to_v2_refs(cJSON *node)
{
	if (cJSON_IsObject(node)) {
		cJSON *ref = cJSON_GetObjectItemCaseSensitive(node, "$ref");
		if (cJSON_IsString(ref) &&
		    strncmp(ref->valuestring, OPENAPI_REF,
			    strlen(OPENAPI_REF)) == 0) {
			char *v = xasprintf("#/definitions/%s", ref->valuestring
					    + strlen(OPENAPI_REF));
			cJSON_SetValuestring(ref, v);
			free(v);
		}
	}
	if (cJSON_IsObject(node) || cJSON_IsArray(node)) {
		for (cJSON *c = node->child; c; c = c->next) {
			openapi_to_v2_refs(c);
		}
	}
}

static void
openapi_v2(struct sim_reply *rep)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "swagger", "2.0");
	cJSON *info = cJSON_AddObjectToObject(doc, "info");
	cJSON_AddStringToObject(info, "title", "Kubernetes");
	cJSON_AddStringToObject(info, "version", "v1.32.0");
	cJSON *paths = cJSON_AddObjectToObject(doc, "paths");
	cJSON *defs = cJSON_AddObjectToObject(doc, "definitions");
	for (int i = 0; i < registry_count(); i++) {
		const struct sim_resource *r = registry_at(i);
		for (int v = 0; v < 4 && r->versions[v]; v++) {
			struct buf k = BUF_INIT, l = BUF_INIT, kr = BUF_INIT,
				   lr = BUF_INIT;
			openapi_kind_defs(defs, r, r->versions[v], &k, &l);
			buf_addf(&kr, "#/definitions/%s", k.buf);
			buf_addf(&lr, "#/definitions/%s", l.buf);
			openapi_paths(paths, r, r->versions[v], kr.buf, lr.buf,
				      true);
			buf_release(&k);
			buf_release(&l);
			buf_release(&kr);
			buf_release(&lr);
		}
	}
	openapi_patch_def(defs);
	openapi_to_v2_refs(defs);
	server_reply_json(rep, 200, doc);
	cJSON_Delete(doc);
}

/* Whether an Accept header takes JSON (absent, any type, application/any,
 * application/json). */
static bool
openapi_accepts_json(const char *accept)
{
	if (!accept || !*accept) {
		return true;
	}
	char *copy = xstrdup(accept), *save = NULL;
	bool ok = false;
	for (char *mr = strtok_r(copy, ",", &save); mr && !ok;
	     mr = strtok_r(NULL, ",", &save)) {
		while (*mr == ' ') {
			mr++;
		}
		size_t n = strcspn(mr, "; ");
		ok = (n == 3 && strncmp(mr, "*/*", 3) == 0) ||
		     (n == 13 && strncmp(mr, "application/*", 13) == 0) ||
		     (n == 16 && strncmp(mr, "application/json", 16) == 0);
	}
	free(copy);
	return ok;
}

void
openapi_serve(struct MHD_Connection *c, const char *method, char **segs,
	      int n, struct sim_reply *rep)
{
	if (strcmp(method, "GET") != 0) {
		apierr_method(rep, method, NULL);
		return;
	}
	const char *accept = httpd_header(c, MHD_HTTP_HEADER_ACCEPT);
	bool v2 = n == 2 && strcmp(segs[1], "v2") == 0;
	bool v3 = n >= 2 && strcmp(segs[1], "v3") == 0;
	if (!v2 && !v3) {
		apierr_nopath(rep);
		return;
	}
	if (!openapi_accepts_json(accept)) {
		/* the protobuf form is not served: 406 (kube-openapi's
		 * answer to a type it cannot give), so clients fall back */
		rep->status = 406;
		rep->ctype = "text/plain; charset=utf-8";
		buf_adds(&rep->body, "406 Not Acceptable\n");
		return;
	}
	pthread_mutex_lock(&sim_lock);
	if (v2) {
		openapi_v2(rep);
	} else if (n == 2) {
		openapi_v3_index(rep);
	} else {
		cJSON *doc = NULL;
		if (n == 4 && strcmp(segs[2], "api") == 0) {
			doc = openapi_v3_doc("", segs[3]);
		} else if (n == 5 && strcmp(segs[2], "apis") == 0) {
			doc = openapi_v3_doc(segs[3], segs[4]);
		}
		if (doc) {
			server_reply_json(rep, 200, doc);
			cJSON_Delete(doc);
		} else {
			apierr_nopath(rep);
		}
	}
	pthread_mutex_unlock(&sim_lock);
}
