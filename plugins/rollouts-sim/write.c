/* SPDX-License-Identifier: Apache-2.0 */
/*
 * write: rollouts-sim's write verbs: create (and server-side apply of a new
 * object), update (with the generation rule, the status subresource and
 * resourceVersion conflicts), merge, JSON and strategic merge patches
 * (patch.c), the scale subresource, and delete and deletecollection with
 * the owner-reference cascade. Every write goes through the store, so each
 * is a watch event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "patch.h"
#include "server.h"
#include "sim.h"
#include "xalloc.h"
#include "yaml.h"

/* Everything but metadata (and status, when it is a subresource), for the
 * generation rule (apiextensions-apiserver PrepareForUpdate). */
static bool
write_spec_equal(const cJSON *a, const cJSON *b, bool has_status)
{
	cJSON *x = cJSON_Duplicate(a, 1), *y = cJSON_Duplicate(b, 1);
	const char *drop[] = { "metadata", "status" };
	for (int i = 0; i < (has_status ? 2 : 1); i++) {
		cJSON_DeleteItemFromObjectCaseSensitive(x, drop[i]);
		cJSON_DeleteItemFromObjectCaseSensitive(y, drop[i]);
	}
	bool eq = json_equal(x, y);
	cJSON_Delete(x);
	cJSON_Delete(y);
	return eq;
}

static void
write_copy_member(cJSON *dst, const cJSON *src, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(src, key);
	cJSON_DeleteItemFromObjectCaseSensitive(dst, key);
	if (v) {
		cJSON_AddItemToObject(dst, key, cJSON_Duplicate(v, 1));
	}
}

/*
 * Turn the client's version of an object (next, owned) into what is stored,
 * given the stored one (old): status subresource semantics, immutable
 * metadata, generation. Stores it unless nothing changed, and replies with
 * the result.
 */
static void
write_commit(const struct server_route *rt, struct sim_obj *old, cJSON *next,
	     struct sim_reply *rep)
{
	cJSON *result;
	if (rt->sub && strcmp(rt->sub, "status") == 0) {
		result = cJSON_Duplicate(old->json, 1);
		write_copy_member(result, next, "status");
		cJSON_Delete(next);
	} else {
		result = next;
		if (faults_has_status(rt->res)) {
			write_copy_member(result, old->json, "status");
		}
	}
	cJSON *md = json_obj_ensure(result, "metadata");
	const cJSON *omd = cJSON_GetObjectItem(old->json, "metadata");
	const char *keep[] = { "name", "namespace", "uid",
			       "creationTimestamp", "generation",
			       "resourceVersion" };
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		write_copy_member(md, omd, keep[i]);
	}
	json_set_str(result, "apiVersion", json_str(old->json, "apiVersion"));
	json_set_str(result, "kind", old->res->kind);
	if (json_equal(result, old->json)) {
		cJSON_Delete(result);
		server_reply_obj(rep, 200, old, rt->gv);
		return;
	}
	if (!write_spec_equal(result, old->json, faults_has_status(rt->res))) {
		double g = json_num(omd, "generation", 1);
		json_set_num(md, "generation", g + 1);
	}
	struct sim_obj *o = store_put(rt->res, result, false, false);
	server_reply_obj(rep, 200, o, rt->gv);
}

static cJSON *
write_parse_body(const struct httpd_req *rq, struct sim_reply *rep,
		 bool want_object)
{
	struct pd_err e = { 0 };
	cJSON *j = json_parse(rq->body.buf, rq->body.len, &e);
	if (!j) {
		char *msg = xasprintf("error decoding body: %s", e.msg);
		apierr_badrequest(rep, msg);
		free(msg);
		return NULL;
	}
	if (want_object && !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		apierr_badrequest(rep, "the body of the request must be a JSON "
				  "object");
		return NULL;
	}
	return j;
}

static int
write_check_gvk(const struct server_route *rt, const cJSON *obj,
		struct sim_reply *rep)
{
	const char *av = json_str(obj, "apiVersion");
	const char *kind = json_str(obj, "kind");
	if (av && *av && strcmp(av, rt->gv) != 0) {
		char *msg = xasprintf("the API version in the data (%s) does "
				      "not match the expected API version "
				      "(%s)", av, rt->gv);
		apierr_badrequest(rep, msg);
		free(msg);
		return -1;
	}
	if (kind && *kind && strcmp(kind, rt->res->kind) != 0) {
		char *msg = xasprintf("the kind in the data (%s) does not "
				      "match the expected kind (%s)", kind,
				      rt->res->kind);
		apierr_badrequest(rep, msg);
		free(msg);
		return -1;
	}
	return 0;
}

/* fieldValidation over obj, the object the write would store (openapi.c):
 * 0, or -1 with rep filled. patched: obj is a patch's result. */
static int
write_validate(const struct server_route *rt, const struct httpd_req *rq,
	       const char *options, cJSON *obj, const cJSON *old,
	       bool patched, struct sim_reply *rep)
{
	enum openapi_validation d;
	if (openapi_directive(rq->conn, options, &d, rep) < 0) {
		return -1;
	}
	char *text = patched && d == OPENAPI_STRICT ? json_print(obj) : NULL;
	int rc = openapi_validate(d, rt->res, rt->version, obj, old, text,
				  rep);
	free(text);
	return rc;
}

/* Create obj (owned) in the route's collection. */
static void
write_create_obj(const struct server_route *rt, cJSON *obj,
		 struct sim_reply *rep)
{
	if (write_check_gvk(rt, obj, rep) < 0) {
		cJSON_Delete(obj);
		return;
	}
	cJSON *md = json_obj_ensure(obj, "metadata");
	const char *bns = json_str(md, "namespace");
	if (rt->res->namespaced && bns && *bns && strcmp(bns, rt->ns) != 0) {
		apierr_badrequest(rep, "the namespace of the provided object "
				  "does not match the namespace sent on the "
				  "request");
		cJSON_Delete(obj);
		return;
	}
	const char *name = json_str(md, "name");
	const char *gen = json_str(md, "generateName");
	if ((!name || !*name) && gen && *gen) {
		static const char alnum[] = "bcdfghjklmnpqrstvwxz2456789";
		char sfx[6];
		for (int i = 0; i < 5; i++) {
			sfx[i] = alnum[rand() % (int)(sizeof(alnum) - 1)];
		}
		sfx[5] = '\0';
		char *nm = xasprintf("%s%s", gen, sfx);
		json_set_str(md, "name", nm);
		free(nm);
		name = json_str(md, "name");
	}
	if (!name || !*name) {
		apierr_invalid(rep, rt->res, "", "metadata.name",
			       "Required value: name or generateName is "
			       "required");
		cJSON_Delete(obj);
		return;
	}
	if (rt->res->namespaced && !store_namespace_exists(rt->ns)) {
		apierr_notfound(rep, registry_find("", "v1", "namespaces"),
				rt->ns);
		cJSON_Delete(obj);
		return;
	}
	if (store_get(rt->res, rt->ns, name)) {
		apierr_exists(rep, rt->res, name);
		cJSON_Delete(obj);
		return;
	}
	json_set_str(obj, "apiVersion", rt->gv);
	json_set_str(obj, "kind", rt->res->kind);
	const char *drop[] = { "uid", "creationTimestamp", "resourceVersion",
			       "generation", "deletionTimestamp" };
	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
		cJSON_DeleteItemFromObjectCaseSensitive(md, drop[i]);
	}
	if (faults_has_status(rt->res)) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
	}
	if (strcmp(rt->res->plural, "namespaces") == 0) {
		cJSON *labels = json_obj_ensure(md, "labels");
		json_set_str(labels, "kubernetes.io/metadata.name", name);
		json_set_str(json_obj_ensure(obj, "status"), "phase",
			     "Active");
	}
	fixtures_fill_meta(obj, rt->res, rt->res->namespaced ? rt->ns : NULL);
	struct sim_obj *o = store_put(rt->res, obj, false, false);
	server_reply_obj(rep, 201, o, rt->gv);
}

void
write_create(const struct server_route *rt, const struct httpd_req *rq,
	     struct sim_reply *rep)
{
	cJSON *obj = write_parse_body(rq, rep, true);
	if (obj && write_validate(rt, rq, "CreateOptions", obj, NULL, false,
				  rep) < 0) {
		cJSON_Delete(obj);
		return;
	}
	if (obj) {
		write_create_obj(rt, obj, rep);
	}
}

/* Server-side apply of an object that does not exist yet creates it. */
void
write_apply_create(const struct server_route *rt, const struct httpd_req *rq,
		   struct sim_reply *rep)
{
	struct pd_err e = { 0 };
	cJSON *docs = yaml_to_json(rq->body.buf, rq->body.len, "body", &e);
	if (!docs || !cJSON_IsObject(docs->child)) {
		cJSON_Delete(docs);
		apierr_badrequest(rep, e.msg[0] ? e.msg
				  : "error decoding YAML: not an object");
		return;
	}
	cJSON *obj = cJSON_DetachItemViaPointer(docs, docs->child);
	cJSON_Delete(docs);
	const char *name = json_str(obj, "metadata.name");
	if (name && strcmp(name, rt->name) != 0) {
		char *msg = xasprintf("the name of the object (%s) does not "
				      "match the name on the URL (%s)", name,
				      rt->name);
		apierr_badrequest(rep, msg);
		free(msg);
		cJSON_Delete(obj);
		return;
	}
	json_set_str(json_obj_ensure(obj, "metadata"), "name", rt->name);
	write_create_obj(rt, obj, rep);
}

static const char *
write_scale_selector(const struct sim_obj *o, struct buf *tmp)
{
	const char *s = json_str(o->json, "status.selector");
	if (s) {
		return s;
	}
	const cJSON *ml = json_path(o->json, "spec.selector.matchLabels");
	for (const cJSON *c = ml ? ml->child : NULL; c; c = c->next) {
		if (cJSON_IsString(c)) {
			buf_addf(tmp, "%s%s=%s", tmp->len ? "," : "",
				 c->string, c->valuestring);
		}
	}
	return tmp->buf;
}

cJSON *
write_scale_of(const struct sim_obj *o)
{
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "kind", "Scale");
	cJSON_AddStringToObject(s, "apiVersion", "autoscaling/v1");
	cJSON *md = cJSON_AddObjectToObject(s, "metadata");
	const char *keys[] = { "name", "namespace", "uid", "resourceVersion",
			       "creationTimestamp" };
	const cJSON *omd = cJSON_GetObjectItem(o->json, "metadata");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		write_copy_member(md, omd, keys[i]);
	}
	cJSON_AddNumberToObject(cJSON_AddObjectToObject(s, "spec"), "replicas",
				json_num(o->json, "spec.replicas", 1));
	cJSON *st = cJSON_AddObjectToObject(s, "status");
	bool ro = strcmp(o->res->plural, "rollouts") == 0;
	cJSON_AddNumberToObject(st, "replicas",
		json_num(o->json, ro ? "status.HPAReplicas" : "status.replicas",
			 0));
	struct buf tmp = BUF_INIT;
	cJSON_AddStringToObject(st, "selector", write_scale_selector(o, &tmp));
	buf_release(&tmp);
	return s;
}

/* Apply a changed Scale back onto its object. */
static void
write_scale_commit(const struct server_route *rt, struct sim_obj *o,
		   const cJSON *scale, struct sim_reply *rep)
{
	const cJSON *r = json_path(scale, "spec.replicas");
	if (!cJSON_IsNumber(r) || r->valuedouble < 0) {
		apierr_invalid(rep, rt->res, o->name, "spec.replicas",
			       "Invalid value: must be a non-negative "
			       "integer");
		return;
	}
	const char *rv = json_str(scale, "metadata.resourceVersion");
	if (rv && *rv &&
	    strcmp(rv, json_str(o->json, "metadata.resourceVersion")) != 0) {
		apierr_conflict(rep, rt->res, o->name);
		return;
	}
	cJSON *next = cJSON_Duplicate(o->json, 1);
	json_set_num(json_obj_ensure(next, "spec"), "replicas",
		     r->valuedouble);
	struct server_route main_rt = *rt;
	main_rt.sub = NULL;
	struct sim_reply tmp = { .body = BUF_INIT };
	write_commit(&main_rt, o, next, &tmp);
	buf_release(&tmp.body);
	struct sim_obj *now = store_get(rt->res, rt->ns, rt->name);
	cJSON *s = write_scale_of(now);
	server_reply_json(rep, 200, s);
	cJSON_Delete(s);
}

void
write_update(const struct server_route *rt, struct sim_obj *o,
	     const struct httpd_req *rq, struct sim_reply *rep)
{
	cJSON *obj = write_parse_body(rq, rep, true);
	if (!obj) {
		return;
	}
	if (rt->sub && strcmp(rt->sub, "scale") == 0) {
		write_scale_commit(rt, o, obj, rep);
		cJSON_Delete(obj);
		return;
	}
	if (write_check_gvk(rt, obj, rep) < 0 ||
	    write_validate(rt, rq, "UpdateOptions", obj, o->json, false,
			   rep) < 0) {
		cJSON_Delete(obj);
		return;
	}
	const char *name = json_str(obj, "metadata.name");
	if (name && strcmp(name, o->name) != 0) {
		char *msg = xasprintf("the name of the object (%s) does not "
				      "match the name on the URL (%s)", name,
				      o->name);
		apierr_badrequest(rep, msg);
		free(msg);
		cJSON_Delete(obj);
		return;
	}
	if (faults_take_conflict()) {
		apierr_conflict(rep, rt->res, o->name);
		cJSON_Delete(obj);
		return;
	}
	const char *rv = json_str(obj, "metadata.resourceVersion");
	if (!rv || !*rv) {
		if (!rt->res->allow_unconditional_update) {
			apierr_invalid(rep, rt->res, o->name,
				       "metadata.resourceVersion",
				       "Invalid value: 0x0: must be specified "
				       "for an update");
			cJSON_Delete(obj);
			return;
		}
	} else if (strcmp(rv, json_str(o->json,
				       "metadata.resourceVersion")) != 0) {
		apierr_conflict(rep, rt->res, o->name);
		cJSON_Delete(obj);
		return;
	}
	write_commit(rt, o, obj, rep);
}

void
write_patch(struct MHD_Connection *c, const struct server_route *rt,
	    struct sim_obj *o, const struct httpd_req *rq,
	    struct sim_reply *rep)
{
	const char *ct = httpd_header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
	char type[96] = "";
	if (ct) {
		size_t n = strcspn(ct, "; ");
		snprintf(type, sizeof(type), "%.*s", (int)n, ct);
	}
	bool merge = strcmp(type, "application/merge-patch+json") == 0;
	bool jsonp = strcmp(type, "application/json-patch+json") == 0;
	bool smp = strcmp(type, "application/strategic-merge-patch+json") == 0;
	bool apply = strcmp(type, "application/apply-patch+yaml") == 0;
	if (!(merge || jsonp || smp || apply) || (smp && !rt->res->builtin)) {
		apierr_media(rep);
		return;
	}
	cJSON *p;
	if (apply) {
		struct pd_err e = { 0 };
		cJSON *docs = yaml_to_json(rq->body.buf, rq->body.len, "body",
					   &e);
		if (!docs || !cJSON_IsObject(docs->child)) {
			cJSON_Delete(docs);
			apierr_badrequest(rep, e.msg[0] ? e.msg
					  : "error decoding YAML: not an "
					    "object");
			return;
		}
		p = cJSON_DetachItemViaPointer(docs, docs->child);
		cJSON_Delete(docs);
	} else {
		struct pd_err e = { 0 };
		p = json_parse(rq->body.buf, rq->body.len, &e);
		if (!p) {
			char *msg = xasprintf("error decoding patch: %s",
					      e.msg);
			apierr_badrequest(rep, msg);
			free(msg);
			return;
		}
	}
	bool scale = rt->sub && strcmp(rt->sub, "scale") == 0;
	cJSON *doc = scale ? write_scale_of(o) : cJSON_Duplicate(o->json, 1);
	struct pd_err e = { 0 };
	int r = jsonp  ? patch_json(&doc, p, &e)
		: smp  ? patch_strategic(&doc, p, &e)
		       : patch_merge(&doc, p, &e);
	cJSON_Delete(p);
	if (r < 0) {
		if (-r == PD_ECONFLICT) {
			apierr_status(rep, 422, "Invalid", e.msg, NULL, NULL);
		} else {
			apierr_badrequest(rep, e.msg);
		}
		cJSON_Delete(doc);
		return;
	}
	if (!cJSON_IsObject(doc)) {
		apierr_badrequest(rep, "the patch did not produce an object");
		cJSON_Delete(doc);
		return;
	}
	if (scale) {
		write_scale_commit(rt, o, doc, rep);
		cJSON_Delete(doc);
		return;
	}
	/* server-side apply reports unknown fields in its own terms (a typed
	 * patch): not reproduced, its body is kept as sent */
	if (!apply && write_validate(rt, rq, "PatchOptions", doc, o->json,
				     true, rep) < 0) {
		cJSON_Delete(doc);
		return;
	}
	const char *rv = json_str(doc, "metadata.resourceVersion");
	if (rv && strcmp(rv, json_str(o->json, "metadata.resourceVersion"))) {
		apierr_conflict(rep, rt->res, o->name);
		cJSON_Delete(doc);
		return;
	}
	write_commit(rt, o, doc, rep);
}

/* Delete o and, unless orphaning, the objects it owns (the garbage
 * collector's background cascade, done at once). */
void
write_delete_cascade(struct sim_obj *o, bool orphan, int depth)
{
	char *uid = xstrdup(json_str(o->json, "metadata.uid") ?
			    json_str(o->json, "metadata.uid") : "");
	bool is_ns = strcmp(o->res->plural, "namespaces") == 0;
	/* a Namespace's objects are its own; an owner's dependents share
	 * its namespace (any namespace for a cluster-scoped owner) */
	char *ns = is_ns ? xstrdup(o->name) : *o->ns ? xstrdup(o->ns) : NULL;
	bool cascade = is_ns || (!orphan && *uid && depth <= 8);
	store_delete(o);
	for (int i = 0; cascade && i < registry_count(); i++) {
		struct sim_resource *r = registry_at(i);
		if (!r->namespaced) {
			continue;
		}
		size_t n;
		struct sim_obj **objs = store_list(r, ns, &n);
		/* keys first: deleting frees store objects */
		char **keys = xcalloc(n + 1, sizeof(*keys));
		for (size_t k = 0; k < n; k++) {
			if (is_ns || store_owned_by(objs[k]->json, uid)) {
				keys[k] = xstrdup(objs[k]->key);
			}
		}
		free(objs);
		for (size_t k = 0; k < n; k++) {
			if (!keys[k]) {
				continue;
			}
			char *slash = strchr(keys[k], '/');
			*slash = '\0';
			struct sim_obj *d = store_get(r, keys[k], slash + 1);
			if (d && is_ns) {
				store_delete(d);
			} else if (d) {
				write_delete_cascade(d, false, depth + 1);
			}
			free(keys[k]);
		}
		free(keys);
	}
	free(uid);
	free(ns);
}

void
write_delete(const struct server_route *rt, struct sim_obj *o,
	     const struct httpd_req *rq, struct sim_reply *rep)
{
	bool orphan = false;
	if (rq->body.len) {
		cJSON *opts = json_parse(rq->body.buf, rq->body.len, NULL);
		const char *pp = json_str(opts, "propagationPolicy");
		orphan = (pp && strcmp(pp, "Orphan") == 0) ||
			 json_bool(opts, "orphanDependents", false);
		cJSON_Delete(opts);
	}
	cJSON *last = cJSON_Duplicate(o->json, 1);
	char *uid = xstrdup(json_str(last, "metadata.uid") ?
			    json_str(last, "metadata.uid") : "");
	write_delete_cascade(o, orphan, 0);
	if (rt->res->builtin) {
		server_reply_json(rep, 200, last);
	} else {
		cJSON *st = cJSON_CreateObject();
		cJSON_AddStringToObject(st, "kind", "Status");
		cJSON_AddStringToObject(st, "apiVersion", "v1");
		cJSON_AddObjectToObject(st, "metadata");
		cJSON_AddStringToObject(st, "status", "Success");
		cJSON *d = cJSON_AddObjectToObject(st, "details");
		cJSON_AddStringToObject(d, "name", rt->name);
		cJSON_AddStringToObject(d, "group", rt->res->group);
		cJSON_AddStringToObject(d, "kind", rt->res->plural);
		cJSON_AddStringToObject(d, "uid", uid);
		server_reply_json(rep, 200, st);
		cJSON_Delete(st);
	}
	free(uid);
	cJSON_Delete(last);
}

void
write_delete_collection(struct MHD_Connection *c,
			const struct server_route *rt, struct sim_reply *rep)
{
	struct server_fields f;
	if (server_fields_parse(httpd_arg(c, "fieldSelector"), rt->res, &f,
				rep) < 0) {
		return;
	}
	struct selector *sel = server_label_selector(c, rep);
	if (!sel) {
		server_fields_release(&f);
		return;
	}
	size_t n;
	struct sim_obj **objs = store_list(rt->res, rt->ns, &n);
	cJSON *list = cJSON_CreateObject();
	char *kind = xasprintf("%sList", rt->res->kind);
	cJSON_AddStringToObject(list, "kind", kind);
	free(kind);
	cJSON_AddStringToObject(list, "apiVersion", rt->gv);
	cJSON *items = cJSON_AddArrayToObject(list, "items");
	for (size_t i = 0; i < n; i++) {
		if (server_fields_match(&f, objs[i]->ns, objs[i]->name,
					objs[i]->json) &&
		    selector_match(sel, json_path(objs[i]->json,
						  "metadata.labels"))) {
			cJSON_AddItemToArray(items,
				cJSON_Duplicate(objs[i]->json, 1));
			store_delete(objs[i]);
		}
	}
	free(objs);
	char rv[24];
	snprintf(rv, sizeof(rv), "%llu", (unsigned long long)store_rv());
	cJSON_AddStringToObject(cJSON_AddObjectToObject(list, "metadata"),
				"resourceVersion", rv);
	server_reply_json(rep, 200, list);
	cJSON_Delete(list);
	selector_free(sel);
	server_fields_release(&f);
}
