/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server: the Kubernetes API of rollouts-sim, behind simhttp's daemon
 * (httpd.h). It routes Kubernetes API paths to the verbs (list, watch, get,
 * create, update, patch, delete and the status and scale subresources; the
 * watch streams are watch.c's, the writes write.c's), serves discovery and
 * /version and the /sim/v1 admin endpoints, checks credentials and applies
 * fault injection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base64.h"
#include "httpd.h"
#include "json.h"
#include "server.h"
#include "sim.h"
#include "xalloc.h"

#define SERVER_MAX_BODY (3 * 1024 * 1024)
#define SERVER_MAX_SEGS 10

static const struct sim_options *server_opts;
static struct httpd *server_httpd;

/* ---------------------------------------------------------------- util */

bool
server_truthy(const char *v)
{
	return v && strcmp(v, "0") != 0 && strcmp(v, "false") != 0 &&
	       strcmp(v, "False") != 0;
}

/* Emit a stored object, rewriting apiVersion when served under another
 * version, and leaving out apiVersion and kind for built-in list items. */
static void
server_emit_obj(struct buf *out, const struct sim_obj *o, const char *gv,
		bool list_item)
{
	if (list_item && o->res->builtin) {
		const char *rest = o->text + o->body_off;
		buf_addch(out, '{');
		buf_adds(out, *rest == ',' ? rest + 1 : rest);
		return;
	}
	const char *av = json_str(o->json, "apiVersion");
	if (av && strcmp(av, gv) != 0) {
		const char *k = strstr(o->text, ",\"kind\":");
		buf_adds(out, "{\"apiVersion\":\"");
		buf_add_json_escaped(out, gv);
		buf_addch(out, '"');
		buf_adds(out, k ? k : "}");
		return;
	}
	buf_adds(out, o->text);
}

void
server_reply_obj(struct sim_reply *rep, int status, const struct sim_obj *o,
		 const char *gv)
{
	rep->status = status;
	rep->ctype = "application/json";
	buf_reset(&rep->body);
	server_emit_obj(&rep->body, o, gv, false);
	buf_addch(&rep->body, '\n');
}

void
server_reply_json(struct sim_reply *rep, int status, const cJSON *j)
{
	rep->status = status;
	rep->ctype = "application/json";
	buf_reset(&rep->body);
	json_write(&rep->body, j);
	buf_addch(&rep->body, '\n');
}

/* ----------------------------------------------------------- selectors */

void
server_fields_release(struct server_fields *f)
{
	free(f->name);
	free(f->ns);
	for (int i = 0; i < f->nterms; i++) {
		free(f->terms[i].path);
		free(f->terms[i].val);
	}
	free(f->terms);
}

/* The path in a stored object of an Event field label, or NULL when r is
 * not events or does not know the label. The API server accepts the same
 * labels on both groups (one storage); core objects hold involvedObject,
 * events.k8s.io ones regarding. */
static const char *
server_event_field(const struct sim_resource *r, const char *label)
{
	static const char *const sub[] = { "kind", "namespace", "name", "uid",
		"apiVersion", "resourceVersion", "fieldPath" };
	static const char *const core[][2] = {
		{ "reason", "reason" },
		{ "type", "type" },
		{ "source", "source.component" },
		{ "reportingComponent", "reportingComponent" },
	};
	static const char *const v1[][2] = {
		{ "reason", "reason" },
		{ "type", "type" },
		{ "source", "deprecatedSource.component" },
		{ "reportingComponent", "reportingController" },
		{ "reportingController", "reportingController" },
	};
	static char path[64];
	if (!r || strcmp(r->plural, "events") != 0 || !r->builtin) {
		return NULL;
	}
	bool is_v1 = strcmp(r->group, "events.k8s.io") == 0;
	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		const char *pre[] = { "involvedObject.", "regarding." };
		for (size_t k = 0; k < 2; k++) {
			size_t n = strlen(pre[k]);
			if (strncmp(label, pre[k], n) == 0 &&
			    strcmp(label + n, sub[i]) == 0) {
				snprintf(path, sizeof(path), "%s%s",
					 is_v1 ? "regarding." : "involvedObject.",
					 sub[i]);
				return path;
			}
		}
	}
	if (is_v1) {
		for (size_t i = 0; i < sizeof(v1) / sizeof(v1[0]); i++) {
			if (strcmp(label, v1[i][0]) == 0) {
				return v1[i][1];
			}
		}
		return NULL;
	}
	for (size_t i = 0; i < sizeof(core) / sizeof(core[0]); i++) {
		if (strcmp(label, core[i][0]) == 0) {
			return core[i][1];
		}
	}
	return NULL;
}

/* fieldSelector: metadata.name and metadata.namespace with =, == and !=,
 * and for events their field labels. */
int
server_fields_parse(const char *s, const struct sim_resource *r,
		    struct server_fields *f, struct sim_reply *rep)
{
	memset(f, 0, sizeof(*f));
	if (!s || !*s) {
		return 0;
	}
	char *copy = xstrdup(s), *save = NULL;
	int rc = 0;
	for (char *t = strtok_r(copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ') {
			t++;
		}
		bool neg = false;
		char *op = strstr(t, "!=");
		size_t skip = 2;
		if (op) {
			neg = true;
		} else {
			op = strstr(t, "==");
			if (!op) {
				op = strchr(t, '=');
				skip = 1;
			}
		}
		if (!op) {
			char *msg = xasprintf("invalid selector: '%s'; can't "
					      "understand '%s'", s, t);
			apierr_badrequest(rep, msg);
			free(msg);
			rc = -1;
			break;
		}
		*op = '\0';
		const char *val = op + skip;
		const char *path = NULL;
		if (strcmp(t, "metadata.name") == 0) {
			free(f->name);
			f->name = xstrdup(val);
			f->name_neg = neg;
		} else if (strcmp(t, "metadata.namespace") == 0) {
			free(f->ns);
			f->ns = xstrdup(val);
			f->ns_neg = neg;
		} else {
			path = server_event_field(r, t);
			if (!path) {
				char *msg = xasprintf("field label not "
						      "supported: %s", t);
				apierr_badrequest(rep, msg);
				free(msg);
				rc = -1;
				break;
			}
			f->terms = xrealloc(f->terms, (size_t)(f->nterms + 1) *
					    sizeof(*f->terms));
			f->terms[f->nterms].path = xstrdup(path);
			f->terms[f->nterms].val = xstrdup(val);
			f->terms[f->nterms].neg = neg;
			f->nterms++;
		}
	}
	free(copy);
	if (rc < 0) {
		server_fields_release(f);
	}
	return rc;
}

bool
server_fields_match(const struct server_fields *f, const char *ns,
		    const char *name, const cJSON *obj)
{
	if (f->name && (strcmp(f->name, name) == 0) == f->name_neg) {
		return false;
	}
	if (f->ns && (strcmp(f->ns, ns) == 0) == f->ns_neg) {
		return false;
	}
	for (int i = 0; i < f->nterms; i++) {
		if (!obj) {
			return false;
		}
		const cJSON *v = json_path(obj, f->terms[i].path);
		const char *s = cJSON_IsString(v) ? v->valuestring : "";
		if ((strcmp(s, f->terms[i].val) == 0) == f->terms[i].neg) {
			return false;
		}
	}
	return true;
}

struct selector *
server_label_selector(struct MHD_Connection *c, struct sim_reply *rep)
{
	struct pd_err e = { 0 };
	const char *ls = httpd_arg(c, "labelSelector");
	struct selector *sel = selector_parse(ls ? ls : "", &e);
	if (!sel) {
		apierr_badrequest(rep, e.msg);
	}
	return sel;
}

/* ---------------------------------------------------------------- list */

static void
server_continue_token(struct buf *out, uint64_t rv, const char *key)
{
	struct buf raw = BUF_INIT;
	buf_addf(&raw, "{\"v\":\"meta.k8s.io/v1\",\"rv\":%llu,\"start\":\"",
		 (unsigned long long)rv);
	buf_add_json_escaped(&raw, key);
	buf_adds(&raw, "\\u0000\"}");
	base64_encode(out, raw.buf, raw.len);
	buf_release(&raw);
}

/* 0 with *rv and *start (malloc()ed) set, or -1. */
static int
server_continue_parse(const char *tok, uint64_t *rv, char **start)
{
	struct buf raw = BUF_INIT;
	int rc = -1;
	if (base64_decode(&raw, tok, strlen(tok)) == 0) {
		cJSON *j = json_parse(raw.buf, raw.len, NULL);
		const char *s = json_str(j, "start");
		double v = json_num(j, "rv", -1);
		if (s && v >= 0) {
			size_t n = strlen(s);
			*start = xstrndup(s, n);
			*rv = (uint64_t)v;
			rc = 0;
		}
		cJSON_Delete(j);
	}
	buf_release(&raw);
	return rc;
}

static void
server_list(struct MHD_Connection *c, const struct server_route *rt,
	    struct sim_reply *rep)
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
	const char *rvq = httpd_arg(c, "resourceVersion");
	const char *rvm = httpd_arg(c, "resourceVersionMatch");
	const char *lim = httpd_arg(c, "limit");
	const char *cont = httpd_arg(c, "continue");
	long limit = lim ? strtol(lim, NULL, 10) : 0;
	uint64_t list_rv = store_rv();
	char *start = NULL;

	if (rvm && *rvm && (!rvq || !*rvq)) {
		apierr_badrequest(rep, "resourceVersionMatch is forbidden "
				  "unless resourceVersion is provided");
		goto out;
	}
	if (rvq && *rvq && strcmp(rvq, "0") != 0) {
		char *end;
		unsigned long long want = strtoull(rvq, &end, 10);
		if (*end) {
			char *msg = xasprintf("invalid resource version: %s",
					      rvq);
			apierr_badrequest(rep, msg);
			free(msg);
			goto out;
		}
		if (want > list_rv) {
			char *msg = xasprintf("Too large resource version: "
					      "%llu, current: %llu", want,
					      (unsigned long long)list_rv);
			apierr_status(rep, 504, "Timeout", msg, NULL, NULL);
			rep->retry_after = 1;
			free(msg);
			goto out;
		}
		if (rvm && strcmp(rvm, "Exact") == 0 && want != list_rv) {
			char *msg = xasprintf("too old resource version: %llu "
					      "(%llu)", want,
					      (unsigned long long)list_rv);
			apierr_expired(rep, msg);
			free(msg);
			goto out;
		}
	}
	if (rvq && strcmp(rvq, "0") == 0) {
		limit = 0; /* the watch cache ignores limit */
	}
	if (cont && *cont) {
		uint64_t crv;
		if (server_continue_parse(cont, &crv, &start) < 0) {
			apierr_badrequest(rep, "continue key is not valid: "
					  "incorrect encoded start "
					  "resourceVersion (version "
					  "meta.k8s.io/v1)");
			goto out;
		}
		if (crv < store_floor()) {
			apierr_expired(rep, "The provided continue parameter "
				       "is too old to display a consistent "
				       "list result. You can start a new "
				       "list without the continue "
				       "parameter, or use the continue "
				       "token in this response to retrieve "
				       "the remainder of the results. "
				       "Continuing with the provided token "
				       "results in an inconsistent list - "
				       "objects that were created, modified, "
				       "or deleted between the time the "
				       "first chunk was returned and now may "
				       "show up in the list.");
			goto out;
		}
		list_rv = crv;
	}

	size_t n;
	struct sim_obj **objs = store_list(rt->res, rt->ns, &n);
	struct sim_obj **page = xmalloc((n + 1) * sizeof(*page));
	size_t count = 0, remaining = 0;
	for (size_t i = 0; i < n; i++) {
		struct sim_obj *o = objs[i];
		if (start && strcmp(o->key, start) <= 0) {
			continue;
		}
		if (!server_fields_match(&f, o->ns, o->name, o->json) ||
		    !selector_match(sel, json_path(o->json,
						   "metadata.labels"))) {
			continue;
		}
		if (limit > 0 && (long)count >= limit) {
			remaining++;
			continue;
		}
		page[count++] = o;
	}
	struct buf tok = BUF_INIT;
	if (remaining && count) {
		server_continue_token(&tok, list_rv, page[count - 1]->key);
	}
	char rvs[24];
	snprintf(rvs, sizeof(rvs), "%llu", (unsigned long long)list_rv);
	struct buf *b = &rep->body;
	buf_reset(b);
	if (table_wanted(httpd_header(c, MHD_HTTP_HEADER_ACCEPT))) {
		cJSON *t = table_new(rt->res, true, rvs,
				     tok.len ? tok.buf : NULL);
		for (size_t i = 0; i < count; i++) {
			table_add(t, rt->res, page[i]->json);
		}
		if (tok.len && selector_empty(sel) && !f.name && !f.ns) {
			cJSON_AddNumberToObject(cJSON_GetObjectItem(t,
					"metadata"), "remainingItemCount",
					(double)remaining);
		}
		json_write(b, t);
		buf_addch(b, '\n');
		cJSON_Delete(t);
	} else {
		buf_adds(b, "{\"kind\":\"");
		buf_adds(b, rt->res->kind);
		buf_adds(b, "List\",\"apiVersion\":\"");
		buf_adds(b, rt->gv);
		buf_addf(b, "\",\"metadata\":{\"resourceVersion\":\"%s\"",
			 rvs);
		if (tok.len) {
			buf_addf(b, ",\"continue\":\"%s\"", tok.buf);
		}
		/* the real server counts what remains only when unfiltered */
		if (tok.len && selector_empty(sel) && !f.name && !f.ns) {
			buf_addf(b, ",\"remainingItemCount\":%zu", remaining);
		}
		buf_adds(b, "},\"items\":[");
		for (size_t i = 0; i < count; i++) {
			if (i) {
				buf_addch(b, ',');
			}
			server_emit_obj(b, page[i], rt->gv, true);
		}
		buf_adds(b, "]}\n");
	}
	buf_release(&tok);
	free(page);
	free(objs);
	rep->status = 200;
	rep->ctype = "application/json";
out:
	free(start);
	selector_free(sel);
	server_fields_release(&f);
}

/* -------------------------------------------------------------- routing */

/* Split path into segments (in place). Returns the count, or -1. */
static int
server_split(char *path, char **segs)
{
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(path, "/", &save); t;
	     t = strtok_r(NULL, "/", &save)) {
		if (n == SERVER_MAX_SEGS) {
			return -1;
		}
		segs[n++] = t;
	}
	return n;
}

/*
 * Parse an API path below /api/v1 or /apis/G/V. Returns 1 for a resource
 * route, 0 when rep was filled (discovery or an error).
 */
static int
server_route_parse(char **segs, int n, struct server_route *rt,
		   struct sim_reply *rep)
{
	memset(rt, 0, sizeof(*rt));
	int base;
	if (strcmp(segs[0], "api") == 0) {
		if (n < 2) {
			return -1;
		}
		rt->group = "";
		rt->version = segs[1];
		base = 2;
	} else {
		if (n < 3) {
			return -1;
		}
		rt->group = segs[1];
		rt->version = segs[2];
		base = 3;
	}
	if (*rt->group) {
		snprintf(rt->gv, sizeof(rt->gv), "%s/%s", rt->group,
			 rt->version);
	} else {
		snprintf(rt->gv, sizeof(rt->gv), "%s", rt->version);
	}
	char **rest = segs + base;
	int nr = n - base;
	if (nr >= 3 && strcmp(rest[0], "namespaces") == 0) {
		struct sim_resource *r = registry_find(rt->group, rt->version,
						       rest[2]);
		if (r && r->namespaced) {
			rt->ns = rest[1];
			rest += 2;
			nr -= 2;
		}
	}
	if (nr < 1 || nr > 3) {
		apierr_nopath(rep);
		return 0;
	}
	rt->res = registry_find(rt->group, rt->version, rest[0]);
	rt->name = nr >= 2 ? rest[1] : NULL;
	rt->sub = nr >= 3 ? rest[2] : NULL;
	if (!rt->res || (rt->ns && !rt->res->namespaced) ||
	    (!rt->ns && rt->name && rt->res->namespaced)) {
		apierr_nopath(rep);
		return 0;
	}
	if (rt->sub && !((strcmp(rt->sub, "status") == 0 &&
			  faults_has_status(rt->res)) ||
			 (strcmp(rt->sub, "scale") == 0 &&
			  rt->res->has_scale))) {
		apierr_nopath(rep);
		return 0;
	}
	return 1;
}

static bool
server_accepts_aggregated(const char *accept, const char **ctype)
{
	if (!accept) {
		return false;
	}
	char *copy = xstrdup(accept), *save = NULL;
	bool found = false;
	for (char *mr = strtok_r(copy, ",", &save); mr && !found;
	     mr = strtok_r(NULL, ",", &save)) {
		bool g = false, as = false;
		const char *v = NULL;
		char *save2 = NULL;
		for (char *p = strtok_r(mr, ";", &save2); p;
		     p = strtok_r(NULL, ";", &save2)) {
			while (*p == ' ') {
				p++;
			}
			if (strcmp(p, "g=apidiscovery.k8s.io") == 0) {
				g = true;
			} else if (strcmp(p, "as=APIGroupDiscoveryList") == 0) {
				as = true;
			} else if (strcmp(p, "v=v2") == 0) {
				v = "v2";
			} else if (strcmp(p, "v=v2beta1") == 0) {
				v = "v2beta1";
			}
		}
		if (g && as && v) {
			found = true;
			*ctype = strcmp(v, "v2") == 0 ?
				"application/json;g=apidiscovery.k8s.io;v=v2;"
				"as=APIGroupDiscoveryList" :
				"application/json;g=apidiscovery.k8s.io;"
				"v=v2beta1;as=APIGroupDiscoveryList";
		}
	}
	free(copy);
	return found;
}

static void
server_version(struct sim_reply *rep)
{
	rep->status = 200;
	rep->ctype = "application/json";
	buf_adds(&rep->body,
		 "{\"major\":\"1\",\"minor\":\"32\",\"emulationMajor\":\"1\","
		 "\"emulationMinor\":\"32\",\"gitVersion\":\"v1.32.0\","
		 "\"gitCommit\":\"0000000000000000000000000000000000000000\","
		 "\"gitTreeState\":\"clean\",\"buildDate\":"
		 "\"2024-12-11T00:00:00Z\",\"goVersion\":\"go1.23.3\","
		 "\"compiler\":\"gc\",\"platform\":\"linux/amd64\"}\n");
}

static void
server_discovery(char **segs, int n, const char *accept,
		 struct sim_reply *rep)
{
	const char *agg_type = NULL;
	bool agg = server_accepts_aggregated(accept, &agg_type);
	rep->status = 200;
	rep->ctype = "application/json";
	if (n == 1) {
		if (strcmp(segs[0], "api") == 0) {
			registry_api(&rep->body, agg);
		} else {
			registry_apis(&rep->body, agg);
		}
		if (agg) {
			rep->ctype = agg_type;
			if (strstr(agg_type, "v2beta1")) {
				/* same body, older apiVersion */
				char *p = strstr(rep->body.buf,
						 "apidiscovery.k8s.io/v2");
				if (p) {
					struct buf nb = BUF_INIT;
					size_t off = (size_t)(p - rep->body.buf)
						     + strlen("apidiscovery.k8s.io/v2");
					buf_add(&nb, rep->body.buf, off);
					buf_adds(&nb, "beta1");
					buf_adds(&nb, rep->body.buf + off);
					buf_release(&rep->body);
					rep->body = nb;
				}
			}
		}
		return;
	}
	int rc;
	if (strcmp(segs[0], "api") == 0) {
		rc = registry_resource_list(&rep->body, "", segs[1]);
	} else if (n == 2) {
		rc = registry_group(&rep->body, segs[1]);
	} else {
		rc = registry_resource_list(&rep->body, segs[1], segs[2]);
	}
	if (rc < 0) {
		apierr_nopath(rep);
	}
}

static const char *
server_verb(const char *method, const struct server_route *rt,
	    struct MHD_Connection *c)
{
	if (strcmp(method, "GET") == 0) {
		if (rt->name) {
			return "get";
		}
		return server_truthy(httpd_arg(c, "watch")) ? "watch" : "list";
	}
	if (strcmp(method, "POST") == 0) {
		return rt->name ? NULL : "create";
	}
	if (strcmp(method, "PUT") == 0) {
		return rt->name ? "update" : NULL;
	}
	if (strcmp(method, "PATCH") == 0) {
		return rt->name ? "patch" : NULL;
	}
	if (strcmp(method, "DELETE") == 0) {
		return rt->name ? "delete" : "deletecollection";
	}
	return NULL;
}

/* Lock held. May return a watch to stream instead of filling rep. */
static struct watch *
server_api(struct MHD_Connection *c, const char *method,
	   const struct server_route *rt, const struct httpd_req *rq,
	   const char *user, struct sim_reply *rep)
{
	const char *verb = server_verb(method, rt, c);
	if (!verb) {
		apierr_method(rep, method, rt->res);
		return NULL;
	}
	char subres[128];
	snprintf(subres, sizeof(subres), "%s/%s", rt->res->plural,
		 rt->sub ? rt->sub : "");
	if ((!rt->sub && faults_forbidden(verb, rt->res->plural)) ||
	    (rt->sub && faults_forbidden(verb, subres))) {
		apierr_forbidden(rep, rt->res, rt->name, rt->sub, verb, user,
				 rt->ns);
		return NULL;
	}
	if (strcmp(verb, "list") == 0) {
		server_list(c, rt, rep);
		return NULL;
	}
	if (strcmp(verb, "watch") == 0) {
		return watch_start(c, rt, rep);
	}
	if (strcmp(verb, "create") == 0) {
		if (rt->sub) {
			apierr_method(rep, method, rt->res);
			return NULL;
		}
		write_create(rt, rq, rep);
		return NULL;
	}
	if (strcmp(verb, "deletecollection") == 0) {
		write_delete_collection(c, rt, rep);
		return NULL;
	}
	struct sim_obj *o = store_get(rt->res, rt->ns, rt->name);
	if (!o) {
		const char *ct = httpd_header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
		if (strcmp(verb, "patch") == 0 && !rt->sub && ct &&
		    strncmp(ct, "application/apply-patch+yaml", 28) == 0) {
			if (rt->res->namespaced &&
			    !store_namespace_exists(rt->ns)) {
				apierr_notfound(rep, registry_find("", "v1",
						"namespaces"), rt->ns);
			} else {
				write_apply_create(rt, rq, rep);
			}
			return NULL;
		}
		apierr_notfound(rep, rt->res, rt->name);
		return NULL;
	}
	if (strcmp(verb, "get") == 0) {
		if (rt->sub && strcmp(rt->sub, "scale") == 0) {
			cJSON *s = write_scale_of(o);
			server_reply_json(rep, 200, s);
			cJSON_Delete(s);
		} else if (!rt->sub && table_wanted(httpd_header(c,
					MHD_HTTP_HEADER_ACCEPT))) {
			cJSON *t = table_new(rt->res, true,
				json_str(o->json, "metadata.resourceVersion"),
				NULL);
			table_add(t, rt->res, o->json);
			server_reply_json(rep, 200, t);
			cJSON_Delete(t);
		} else {
			server_reply_obj(rep, 200, o, rt->gv);
		}
	} else if (strcmp(verb, "update") == 0) {
		write_update(rt, o, rq, rep);
	} else if (strcmp(verb, "patch") == 0) {
		write_patch(c, rt, o, rq, rep);
	} else if (rt->sub) {
		apierr_method(rep, method, rt->res);
	} else {
		write_delete(rt, o, rq, rep);
	}
	return NULL;
}

/* --------------------------------------------------------------- admin */

/* /sim/v1/clock: GET the simulated time; POST or PUT ?advance=DURATION
 * moves a manual clock forward, reconciling at every due point. */
static void
server_admin_clock(struct MHD_Connection *c, const char *method,
		   struct sim_reply *rep)
{
	if (strcmp(method, "GET") != 0) {
		const char *adv = httpd_arg(c, "advance");
		long long ms = adv ? clock_parse_duration(adv) : -1;
		if (!clock_manual()) {
			apierr_status(rep, 409, "Conflict", "the clock is not "
				      "manual (start rollouts-sim with --clock "
				      "manual)", NULL, NULL);
			return;
		}
		if (ms < 0 || (adv && adv[strspn(adv, "0123456789.")] == '\0'
			       && strcmp(adv, "0") != 0)) {
			apierr_badrequest(rep, "advance needs a Go duration, "
					  "e.g. ?advance=30s");
			return;
		}
		controller_advance(ms);
	}
	char ts[32];
	long long now = clock_now_ms();
	clock_rfc3339(now, ts);
	rep->status = 200;
	rep->ctype = "application/json";
	buf_addf(&rep->body, "{\"now\":\"%s\",\"ms\":%lld,\"mode\":\"%s\","
		 "\"scale\":%g}\n", ts, now, clock_manual() ? "manual" : "real",
		 clock_scale());
}

/* /sim/v1/traffic: GET the modes; PUT or POST
 * {"namespace":NS,"rollout":NAME,"mode":"good"|"bad"} (or the same as
 * query parameters) switches one rollout's simulated traffic. */
static void
server_admin_traffic(struct MHD_Connection *c, const char *method,
		     const struct httpd_req *rq, struct sim_reply *rep)
{
	if (strcmp(method, "GET") != 0) {
		cJSON *j = rq->body.len ? json_parse(rq->body.buf, rq->body.len,
						     NULL) : NULL;
		const char *ns = json_str(j, "namespace");
		const char *ro = json_str(j, "rollout");
		const char *mode = json_str(j, "mode");
		ns = ns ? ns : httpd_arg(c, "namespace");
		ro = ro ? ro : httpd_arg(c, "rollout");
		mode = mode ? mode : httpd_arg(c, "mode");
		if (!ns || !ro || !mode ||
		    controller_set_traffic(ns, ro, mode) < 0) {
			cJSON_Delete(j);
			apierr_badrequest(rep, "traffic needs namespace, rollout "
					  "and mode (good or bad)");
			return;
		}
		cJSON_Delete(j);
	}
	rep->status = 200;
	rep->ctype = "application/json";
	controller_traffic_json(&rep->body);
}

static void
server_admin(struct MHD_Connection *c, const char *method, char **segs,
	     int n, const struct httpd_req *rq, struct sim_reply *rep)
{
	if (n != 3) {
		apierr_nopath(rep);
		return;
	}
	pthread_mutex_lock(&sim_lock);
	if (strcmp(segs[2], "clock") == 0) {
		server_admin_clock(c, method, rep);
		pthread_mutex_unlock(&sim_lock);
		return;
	}
	if (strcmp(segs[2], "traffic") == 0) {
		server_admin_traffic(c, method, rq, rep);
		pthread_mutex_unlock(&sim_lock);
		return;
	}
	if (strcmp(segs[2], "faults") != 0) {
		pthread_mutex_unlock(&sim_lock);
		apierr_nopath(rep);
		return;
	}
	if (strcmp(method, "GET") != 0) {
		if (strcmp(method, "DELETE") == 0) {
			faults_reset();
		} else {
			struct pd_err e = { 0 };
			cJSON *j = json_parse(rq->body.buf, rq->body.len, &e);
			if (!j || faults_apply(j, &e) < 0) {
				apierr_badrequest(rep, e.msg);
				cJSON_Delete(j);
				pthread_mutex_unlock(&sim_lock);
				return;
			}
			cJSON_Delete(j);
		}
	}
	rep->status = 200;
	rep->ctype = "application/json";
	faults_json(&rep->body);
	pthread_mutex_unlock(&sim_lock);
}

/* ---------------------------------------------------------------- auth */

/* 0 when allowed (user filled), -1 with rep filled. */
static int
server_auth(struct MHD_Connection *c, char *user, size_t ulen,
	    struct sim_reply *rep)
{
	snprintf(user, ulen, "system:anonymous");
	const struct sim_options *o = server_opts;
	if (!o->token && !o->client_cert) {
		return 0;
	}
	const char *auth = httpd_header(c, MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth && strncmp(auth, "Bearer ", 7) == 0) {
		if (o->token && strcmp(auth + 7, o->token) == 0) {
			snprintf(user, ulen, "rollouts-sim");
			return 0;
		}
		apierr_unauthorized(rep);
		return -1;
	}
	if (o->client_cert) {
		char cn[256];
		if (httpd_client_cn(server_httpd, c, cn, sizeof(cn)) == 0) {
			snprintf(user, ulen, "%s", cn);
			return 0;
		}
	}
	apierr_unauthorized(rep);
	return -1;
}

/* ------------------------------------------------------------- handler */

static enum MHD_Result
server_send(struct MHD_Connection *c, struct sim_reply *rep)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		rep->body.len, rep->body.buf, MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				rep->ctype ? rep->ctype : "application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
				"no-cache, private");
	char aid[37];
	fixtures_uuid(aid);
	MHD_add_response_header(r, "Audit-Id", aid);
	if (rep->retry_after > 0) {
		char ra[16];
		snprintf(ra, sizeof(ra), "%d", rep->retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	for (size_t i = 0; i < rep->nwarnings; i++) {
		/* RFC 7234 warn-code 299, agent "-", the text quoted */
		struct buf w = BUF_INIT;
		buf_adds(&w, "299 - \"");
		for (const char *p = rep->warnings[i]; *p; p++) {
			if (*p == '"' || *p == '\\') {
				buf_addch(&w, '\\');
			}
			buf_addch(&w, *p);
		}
		buf_addch(&w, '"');
		MHD_add_response_header(r, "Warning", w.buf);
		buf_release(&w);
	}
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)rep->status, r);
	MHD_destroy_response(r);
	return ret;
}

static void
server_handle(struct MHD_Connection *c, const char *url, const char *method,
	      struct httpd_req *rq, struct sim_reply *rep,
	      struct watch **watch)
{
	if (rq->too_big) {
		apierr_status(rep, 413, "RequestEntityTooLarge",
			      "Request entity too large: limit is 3145728", NULL,
			      NULL);
		return;
	}
	char user[256];
	if (server_auth(c, user, sizeof(user), rep) < 0) {
		return;
	}
	char *path = xstrdup(url);
	char *segs[SERVER_MAX_SEGS];
	int n = server_split(path, segs);
	const char *accept = httpd_header(c, MHD_HTTP_HEADER_ACCEPT);

	if (n >= 2 && strcmp(segs[0], "sim") == 0 &&
	    strcmp(segs[1], "v1") == 0) {
		server_admin(c, method, segs, n, rq, rep);
		goto out;
	}
	if (n == 1 && (strcmp(segs[0], "healthz") == 0 ||
		       strcmp(segs[0], "livez") == 0 ||
		       strcmp(segs[0], "readyz") == 0)) {
		rep->status = 200;
		rep->ctype = "text/plain; charset=utf-8";
		buf_adds(&rep->body, "ok");
		goto out;
	}

	/* faults apply to the Kubernetes API only */
	long latency;
	int fault;
	pthread_mutex_lock(&sim_lock);
	latency = sim_faults.latency_ms;
	fault = faults_roll();
	int retry_after = sim_faults.retry_after;
	pthread_mutex_unlock(&sim_lock);
	if (latency > 0) {
		struct timespec ts = { latency / 1000,
				       (latency % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (fault == 429) {
		apierr_toomany(rep, retry_after ? retry_after : 1);
		goto out;
	}
	if (fault) {
		apierr_status(rep, fault, "InternalError",
			      "Internal error occurred: injected fault", NULL,
			      NULL);
		rep->retry_after = retry_after;
		goto out;
	}

	if (n == 1 && strcmp(segs[0], "version") == 0) {
		server_version(rep);
		goto out;
	}
	bool api = n >= 1 && (strcmp(segs[0], "api") == 0 ||
			      strcmp(segs[0], "apis") == 0);
	if (!api) {
		if (n >= 1 && strcmp(segs[0], "openapi") == 0) {
			openapi_serve(c, method, segs, n, rep);
		} else {
			rep->status = 404;
			rep->ctype = "text/plain; charset=utf-8";
			buf_adds(&rep->body, "404 page not found\n");
		}
		goto out;
	}
	bool disc = (strcmp(segs[0], "api") == 0 && n <= 2) ||
		    (strcmp(segs[0], "apis") == 0 && n <= 3);
	if (disc) {
		if (strcmp(method, "GET") != 0) {
			apierr_method(rep, method, NULL);
		} else {
			pthread_mutex_lock(&sim_lock);
			server_discovery(segs, n, accept, rep);
			pthread_mutex_unlock(&sim_lock);
		}
		goto out;
	}
	struct server_route rt;
	if (server_route_parse(segs, n, &rt, rep) == 1) {
		pthread_mutex_lock(&sim_lock);
		*watch = server_api(c, method, &rt, rq, user, rep);
		/* on a manual clock the controller reacts at once, so a
		 * client sees the consequence of its write without any time
		 * passing; on a real clock its thread does */
		if (!*watch && strcmp(method, "GET") != 0 &&
		    rep->status < 300 && clock_manual()) {
			controller_reconcile();
		}
		pthread_mutex_unlock(&sim_lock);
	}
out:
	free(path);
}

/* httpd's handler: one complete request. */
static enum MHD_Result
server_request(void *cls, struct httpd_req *rq)
{
	struct sim_reply rep = { .status = 500, .body = BUF_INIT };
	struct watch *w = NULL;
	(void)cls;
	server_handle(rq->conn, rq->url, rq->method, rq, &rep, &w);
	enum MHD_Result ret;
	if (w) {
		ret = watch_send(rq->conn, w);
	} else {
		ret = server_send(rq->conn, &rep);
	}
	buf_release(&rep.body);
	for (size_t i = 0; i < rep.nwarnings; i++) {
		free(rep.warnings[i]);
	}
	free(rep.warnings);
	return ret;
}

/* ---------------------------------------------------------- start-up */

int
server_run(const struct sim_options *o, struct pd_err *e)
{
	server_opts = o;
	/* block the stop signals in every thread; httpd_wait_signal() takes
	 * them */
	httpd_block_signals();
	struct httpd_options ho = {
		.listen = o->listen,
		.tls = o->tls,
		.client_cert = o->client_cert,
		.max_body = SERVER_MAX_BODY,
		.handler = server_request,
	};
	int rc = httpd_new(&server_httpd, &ho, e);
	if (rc < 0) {
		return rc;
	}
	if (o->kubeconfig) {
		rc = httpd_write_kubeconfig(server_httpd, o->kubeconfig,
					    "rollouts-sim", o->token,
					    o->client_cert, e);
	}
	if (rc == 0 && o->port_file) {
		rc = httpd_write_port_file(server_httpd, o->port_file, e);
	}
	if (rc == 0) {
		httpd_wait_signal();
	}
	/* stop accepting, let open watches send their last chunk (bounded),
	 * then stop */
	httpd_quiesce(server_httpd);
	watch_drain();
	httpd_free(server_httpd);
	server_httpd = NULL;
	return rc;
}
