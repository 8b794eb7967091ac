/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server: the HTTP layer of rollouts-sim over libmicrohttpd (a thread per
 * connection, keep-alive, chunked watch streams). It routes Kubernetes API
 * paths to the verbs (list, watch, get, create, update, patch, delete and
 * the status and scale subresources), serves discovery and /version, checks
 * credentials, applies fault injection and logs each request.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "base64.h"
#include "certs.h"
#include "json.h"
#include "patch.h"
#include "sim.h"
#include "xalloc.h"
#include "yaml.h"

#define SERVER_MAX_BODY (3 * 1024 * 1024)
#define SERVER_MAX_SEGS 10

static const struct sim_options *server_opts;
static struct sim_certs server_certs;

/* Per-request state kept between libmicrohttpd callbacks. */
struct server_req {
	struct buf body;
	bool too_big;
};

/* A parsed API path. */
struct server_route {
	const char *group;
	const char *version;
	struct sim_resource *res;
	const char *ns;    /* NULL: all namespaces or cluster scope */
	const char *name;  /* NULL: the collection */
	const char *sub;   /* "status", "scale" or NULL */
	char gv[160];      /* "argoproj.io/v1alpha1" or "v1" */
};

/* ---------------------------------------------------------------- util */

static const char *
server_arg(struct MHD_Connection *c, const char *k)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, k);
}

static const char *
server_header(struct MHD_Connection *c, const char *k)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, k);
}

static enum MHD_Result
server_query_cb(void *cls, enum MHD_ValueKind kind, const char *key,
		const char *value)
{
	struct buf *b = cls;
	if (b->len) {
		buf_addch(b, '&');
	}
	buf_add_urlenc(b, key);
	if (value) {
		buf_addch(b, '=');
		buf_add_urlenc(b, value);
	}
	return MHD_YES;
}

static bool
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

static void
server_reply_obj(struct sim_reply *rep, int status, const struct sim_obj *o,
		 const char *gv)
{
	rep->status = status;
	rep->ctype = "application/json";
	buf_reset(&rep->body);
	server_emit_obj(&rep->body, o, gv, false);
	buf_addch(&rep->body, '\n');
}

static void
server_reply_json(struct sim_reply *rep, int status, const cJSON *j)
{
	rep->status = status;
	rep->ctype = "application/json";
	buf_reset(&rep->body);
	json_write(&rep->body, j);
	buf_addch(&rep->body, '\n');
}

/* ----------------------------------------------------------- selectors */

struct server_fields {
	char *name;
	bool name_neg;
	char *ns;
	bool ns_neg;
};

static void
server_fields_release(struct server_fields *f)
{
	free(f->name);
	free(f->ns);
}

/* fieldSelector: metadata.name and metadata.namespace with =, == and !=. */
static int
server_fields_parse(const char *s, struct server_fields *f,
		    struct sim_reply *rep)
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
		if (strcmp(t, "metadata.name") == 0) {
			free(f->name);
			f->name = xstrdup(val);
			f->name_neg = neg;
		} else if (strcmp(t, "metadata.namespace") == 0) {
			free(f->ns);
			f->ns = xstrdup(val);
			f->ns_neg = neg;
		} else {
			char *msg = xasprintf("field label not supported: %s",
					      t);
			apierr_badrequest(rep, msg);
			free(msg);
			rc = -1;
			break;
		}
	}
	free(copy);
	if (rc < 0) {
		server_fields_release(f);
	}
	return rc;
}

static bool
server_fields_match(const struct server_fields *f, const char *ns,
		    const char *name)
{
	if (f->name && (strcmp(f->name, name) == 0) == f->name_neg) {
		return false;
	}
	if (f->ns && (strcmp(f->ns, ns) == 0) == f->ns_neg) {
		return false;
	}
	return true;
}

static struct selector *
server_label_selector(struct MHD_Connection *c, struct sim_reply *rep)
{
	struct pd_err e = { 0 };
	const char *ls = server_arg(c, "labelSelector");
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
	if (server_fields_parse(server_arg(c, "fieldSelector"), &f, rep) < 0) {
		return;
	}
	struct selector *sel = server_label_selector(c, rep);
	if (!sel) {
		server_fields_release(&f);
		return;
	}
	const char *rvq = server_arg(c, "resourceVersion");
	const char *rvm = server_arg(c, "resourceVersionMatch");
	const char *lim = server_arg(c, "limit");
	const char *cont = server_arg(c, "continue");
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
		if (!server_fields_match(&f, o->ns, o->name) ||
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
	if (table_wanted(server_header(c, MHD_HTTP_HEADER_ACCEPT))) {
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

/* --------------------------------------------------------------- watch */

struct server_watch {
	struct sim_resource *res;
	char gv[160];
	char *ns;
	struct selector *sel;
	struct server_fields fields;
	size_t cursor;
	struct buf pending;
	time_t deadline;
	time_t last_send;
	bool bookmarks;
	bool done;
	bool drop;
	bool table;        /* Table objects (kubectl get -w) */
	bool table_defs;   /* column definitions already sent */
	long sent;
};

static int server_watchers; /* open watch responses (sim_lock) */

static void
server_watch_destroy(struct server_watch *w)
{
	free(w->ns);
	selector_free(w->sel);
	server_fields_release(&w->fields);
	buf_release(&w->pending);
	free(w);
}

/* libmicrohttpd's free callback: the response is done. */
static void
server_watch_free(void *cls)
{
	pthread_mutex_lock(&sim_lock);
	server_watchers--;
	pthread_cond_broadcast(&sim_cond);
	pthread_mutex_unlock(&sim_lock);
	server_watch_destroy(cls);
}

static void
server_watch_line(struct server_watch *w, const char *type, const char *text)
{
	buf_adds(&w->pending, "{\"type\":\"");
	buf_adds(&w->pending, type);
	buf_adds(&w->pending, "\",\"object\":");
	if (w->table) {
		cJSON *obj = cJSON_Parse(text);
		cJSON *t = table_new(w->res, !w->table_defs,
				     json_str(obj, "metadata.resourceVersion"),
				     NULL);
		w->table_defs = true;
		table_add(t, w->res, obj);
		json_write(&w->pending, t);
		buf_adds(&w->pending, "}\n");
		cJSON_Delete(t);
		cJSON_Delete(obj);
		return;
	}
	const char *av = "\"apiVersion\":\"";
	const char *k = strstr(text, ",\"kind\":");
	if (strncmp(text + 1, av, strlen(av)) == 0 && k &&
	    !(strncmp(text + 1 + strlen(av), w->gv, strlen(w->gv)) == 0 &&
	      text[1 + strlen(av) + strlen(w->gv)] == '"')) {
		buf_adds(&w->pending, "{\"apiVersion\":\"");
		buf_adds(&w->pending, w->gv);
		buf_addch(&w->pending, '"');
		buf_adds(&w->pending, k);
	} else {
		buf_adds(&w->pending, text);
	}
	buf_adds(&w->pending, "}\n");
}

static void
server_watch_bookmark(struct server_watch *w, bool initial_end)
{
	buf_addf(&w->pending,
		 "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"%s\","
		 "\"apiVersion\":\"%s\",\"metadata\":{\"resourceVersion\":"
		 "\"%llu\",\"creationTimestamp\":null%s}}}\n",
		 w->res->kind, w->gv, (unsigned long long)store_rv(),
		 initial_end ? ",\"annotations\":{\"k8s.io/initial-events-end"
			       "\":\"true\"}" : "");
}

/* Lock held: turn new events into lines. */
static void
server_watch_collect(struct server_watch *w)
{
	size_t end = store_seq_end();
	if (w->cursor < store_seq_begin()) {
		apierr_watch_expired(&w->pending, 0, store_rv());
		w->done = true;
		return;
	}
	for (; w->cursor < end; w->cursor++) {
		const struct sim_event *ev = store_event_at(w->cursor);
		if (!ev || ev->res != w->res) {
			continue;
		}
		if (w->ns && w->res->namespaced && strcmp(ev->ns, w->ns) != 0) {
			continue;
		}
		if (!server_fields_match(&w->fields, ev->ns, ev->name)) {
			continue;
		}
		bool now = selector_match(w->sel, ev->labels);
		const char *type = NULL;
		if (ev->type == SIM_ADDED) {
			type = now ? "ADDED" : NULL;
		} else if (ev->type == SIM_DELETED) {
			type = now ? "DELETED" : NULL;
		} else {
			bool before = selector_match(w->sel, ev->old_labels);
			type = before && now ? "MODIFIED"
			     : now	  ? "ADDED"
			     : before     ? "DELETED"
					  : NULL;
		}
		if (!type) {
			continue;
		}
		server_watch_line(w, type, ev->text);
		w->sent++;
		if (sim_faults.watch_drop_after > 0 &&
		    w->sent >= sim_faults.watch_drop_after) {
			w->drop = true;
			w->cursor++;
			return;
		}
	}
}

static ssize_t
server_watch_reader(void *cls, uint64_t pos, char *out, size_t max)
{
	struct server_watch *w = cls;
	for (;;) {
		if (w->pending.len) {
			size_t n = w->pending.len < max ? w->pending.len : max;
			memcpy(out, w->pending.buf, n);
			buf_consume(&w->pending, n);
			w->last_send = time(NULL);
			return (ssize_t)n;
		}
		if (w->drop) {
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		if (w->done) {
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		pthread_mutex_lock(&sim_lock);
		while (!sim_stopping && w->cursor == store_seq_end() &&
		       time(NULL) < w->deadline) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&sim_cond, &sim_lock, &ts);
			if (w->bookmarks && time(NULL) - w->last_send >= 60) {
				break;
			}
		}
		if (sim_stopping || time(NULL) >= w->deadline) {
			if (w->bookmarks && !sim_stopping) {
				server_watch_bookmark(w, false);
			}
			w->done = true;
		} else if (w->cursor == store_seq_end()) {
			server_watch_bookmark(w, false);
		} else {
			server_watch_collect(w);
		}
		pthread_mutex_unlock(&sim_lock);
	}
}

/* Lock held. Returns the watch, or NULL with rep filled. */
static struct server_watch *
server_watch_start(struct MHD_Connection *c, const struct server_route *rt,
		   struct sim_reply *rep)
{
	struct server_watch *w = xcalloc(1, sizeof(*w));
	buf_init(&w->pending, 0);
	w->res = rt->res;
	snprintf(w->gv, sizeof(w->gv), "%s", rt->gv);
	w->ns = rt->ns ? xstrdup(rt->ns) : NULL;
	if (server_fields_parse(server_arg(c, "fieldSelector"), &w->fields,
				rep) < 0) {
		free(w->ns);
		buf_release(&w->pending);
		free(w);
		return NULL;
	}
	w->sel = server_label_selector(c, rep);
	if (!w->sel) {
		server_watch_destroy(w);
		return NULL;
	}
	w->bookmarks = server_truthy(server_arg(c, "allowWatchBookmarks"));
	w->table = table_wanted(server_header(c, MHD_HTTP_HEADER_ACCEPT));
	const char *ts = server_arg(c, "timeoutSeconds");
	long secs = ts ? strtol(ts, NULL, 10) : 0;
	if (secs <= 0) {
		secs = 1800 + rand() % 1800;
	}
	w->deadline = time(NULL) + secs;
	w->last_send = time(NULL);

	const char *rvq = server_arg(c, "resourceVersion");
	const char *sie = server_arg(c, "sendInitialEvents");
	const char *rvm = server_arg(c, "resourceVersionMatch");
	if (rvm && *rvm && !server_truthy(sie)) {
		apierr_badrequest(rep, "resourceVersionMatch is forbidden for "
				  "watch unless sendInitialEvents is "
				  "provided");
		server_watch_destroy(w);
		return NULL;
	}
	bool initial = !rvq || !*rvq || strcmp(rvq, "0") == 0 ||
		       server_truthy(sie);
	if (rvq && *rvq && strcmp(rvq, "0") != 0) {
		char *end;
		unsigned long long want = strtoull(rvq, &end, 10);
		if (*end) {
			char *msg = xasprintf("invalid resource version: %s",
					      rvq);
			apierr_badrequest(rep, msg);
			free(msg);
			server_watch_destroy(w);
			return NULL;
		}
		if (sim_faults.watch_expire || want < store_floor()) {
			apierr_watch_expired(&w->pending, want, store_rv());
			w->done = true;
			return w;
		}
		if (!initial) {
			store_events_since(want, &w->cursor);
			return w;
		}
	}
	size_t n;
	struct sim_obj **objs = store_list(rt->res, rt->ns, &n);
	for (size_t i = 0; i < n; i++) {
		struct sim_obj *o = objs[i];
		if (server_fields_match(&w->fields, o->ns, o->name) &&
		    selector_match(w->sel, json_path(o->json,
						     "metadata.labels"))) {
			server_watch_line(w, "ADDED", o->text);
		}
	}
	free(objs);
	if (server_truthy(sie) && w->bookmarks) {
		server_watch_bookmark(w, true);
	}
	w->cursor = store_seq_end();
	return w;
}

/* ------------------------------------------------------------- writes */

/* Everything but metadata (and status, when it is a subresource), for the
 * generation rule (apiextensions-apiserver PrepareForUpdate). */
static bool
server_spec_equal(const cJSON *a, const cJSON *b, bool has_status)
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
server_copy_member(cJSON *dst, const cJSON *src, const char *key)
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
server_commit(const struct server_route *rt, struct sim_obj *old, cJSON *next,
	      struct sim_reply *rep)
{
	cJSON *result;
	if (rt->sub && strcmp(rt->sub, "status") == 0) {
		result = cJSON_Duplicate(old->json, 1);
		server_copy_member(result, next, "status");
		cJSON_Delete(next);
	} else {
		result = next;
		if (faults_has_status(rt->res)) {
			server_copy_member(result, old->json, "status");
		}
	}
	cJSON *md = json_obj_ensure(result, "metadata");
	const cJSON *omd = cJSON_GetObjectItem(old->json, "metadata");
	const char *keep[] = { "name", "namespace", "uid",
			       "creationTimestamp", "generation",
			       "resourceVersion" };
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		server_copy_member(md, omd, keep[i]);
	}
	json_set_str(result, "apiVersion", json_str(old->json, "apiVersion"));
	json_set_str(result, "kind", old->res->kind);
	if (json_equal(result, old->json)) {
		cJSON_Delete(result);
		server_reply_obj(rep, 200, old, rt->gv);
		return;
	}
	if (!server_spec_equal(result, old->json, faults_has_status(rt->res))) {
		double g = json_num(omd, "generation", 1);
		json_set_num(md, "generation", g + 1);
	}
	struct sim_obj *o = store_put(rt->res, result, false, false);
	server_reply_obj(rep, 200, o, rt->gv);
}

static cJSON *
server_parse_body(const struct server_req *rq, struct sim_reply *rep,
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
server_check_gvk(const struct server_route *rt, const cJSON *obj,
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

/* Create obj (owned) in the route's collection. */
static void
server_create_obj(const struct server_route *rt, cJSON *obj,
		  struct sim_reply *rep)
{
	if (server_check_gvk(rt, obj, rep) < 0) {
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

static void
server_create(const struct server_route *rt, const struct server_req *rq,
	      struct sim_reply *rep)
{
	cJSON *obj = server_parse_body(rq, rep, true);
	if (obj) {
		server_create_obj(rt, obj, rep);
	}
}

/* Server-side apply of an object that does not exist yet creates it. */
static void
server_apply_create(const struct server_route *rt,
		    const struct server_req *rq, struct sim_reply *rep)
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
	server_create_obj(rt, obj, rep);
}

static const char *
server_scale_selector(const struct sim_obj *o, struct buf *tmp)
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

static cJSON *
server_scale_of(const struct sim_obj *o)
{
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "kind", "Scale");
	cJSON_AddStringToObject(s, "apiVersion", "autoscaling/v1");
	cJSON *md = cJSON_AddObjectToObject(s, "metadata");
	const char *keys[] = { "name", "namespace", "uid", "resourceVersion",
			       "creationTimestamp" };
	const cJSON *omd = cJSON_GetObjectItem(o->json, "metadata");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		server_copy_member(md, omd, keys[i]);
	}
	cJSON_AddNumberToObject(cJSON_AddObjectToObject(s, "spec"), "replicas",
				json_num(o->json, "spec.replicas", 1));
	cJSON *st = cJSON_AddObjectToObject(s, "status");
	bool ro = strcmp(o->res->plural, "rollouts") == 0;
	cJSON_AddNumberToObject(st, "replicas",
		json_num(o->json, ro ? "status.HPAReplicas" : "status.replicas",
			 0));
	struct buf tmp = BUF_INIT;
	cJSON_AddStringToObject(st, "selector", server_scale_selector(o, &tmp));
	buf_release(&tmp);
	return s;
}

/* Apply a changed Scale back onto its object. */
static void
server_scale_commit(const struct server_route *rt, struct sim_obj *o,
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
	if (rv && *rv && strcmp(rv, json_str(o->json,
					     "metadata.resourceVersion")) != 0) {
		apierr_conflict(rep, rt->res, o->name);
		return;
	}
	cJSON *next = cJSON_Duplicate(o->json, 1);
	json_set_num(json_obj_ensure(next, "spec"), "replicas",
		     r->valuedouble);
	struct server_route main_rt = *rt;
	main_rt.sub = NULL;
	struct sim_reply tmp = { .body = BUF_INIT };
	server_commit(&main_rt, o, next, &tmp);
	buf_release(&tmp.body);
	struct sim_obj *now = store_get(rt->res, rt->ns, rt->name);
	cJSON *s = server_scale_of(now);
	server_reply_json(rep, 200, s);
	cJSON_Delete(s);
}

static void
server_update(const struct server_route *rt, struct sim_obj *o,
	      const struct server_req *rq, struct sim_reply *rep)
{
	cJSON *obj = server_parse_body(rq, rep, true);
	if (!obj) {
		return;
	}
	if (rt->sub && strcmp(rt->sub, "scale") == 0) {
		server_scale_commit(rt, o, obj, rep);
		cJSON_Delete(obj);
		return;
	}
	if (server_check_gvk(rt, obj, rep) < 0) {
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
	server_commit(rt, o, obj, rep);
}

static void
server_patch(struct MHD_Connection *c, const struct server_route *rt,
	     struct sim_obj *o, const struct server_req *rq,
	     struct sim_reply *rep)
{
	const char *ct = server_header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
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
	cJSON *doc = scale ? server_scale_of(o) : cJSON_Duplicate(o->json, 1);
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
		server_scale_commit(rt, o, doc, rep);
		cJSON_Delete(doc);
		return;
	}
	const char *rv = json_str(doc, "metadata.resourceVersion");
	if (rv && strcmp(rv, json_str(o->json, "metadata.resourceVersion"))) {
		apierr_conflict(rep, rt->res, o->name);
		cJSON_Delete(doc);
		return;
	}
	server_commit(rt, o, doc, rep);
}

/* Delete o and, unless orphaning, the objects it owns (the garbage
 * collector's background cascade, done at once). */
static void
server_delete_cascade(struct sim_obj *o, bool orphan, int depth)
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
				server_delete_cascade(d, false, depth + 1);
			}
			free(keys[k]);
		}
		free(keys);
	}
	free(uid);
	free(ns);
}

static void
server_delete(const struct server_route *rt, struct sim_obj *o,
	      const struct server_req *rq, struct sim_reply *rep)
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
	server_delete_cascade(o, orphan, 0);
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

static void
server_delete_collection(struct MHD_Connection *c,
			 const struct server_route *rt, struct sim_reply *rep)
{
	struct server_fields f;
	if (server_fields_parse(server_arg(c, "fieldSelector"), &f, rep) < 0) {
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
		if (server_fields_match(&f, objs[i]->ns, objs[i]->name) &&
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
		return server_truthy(server_arg(c, "watch")) ? "watch" : "list";
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
static struct server_watch *
server_api(struct MHD_Connection *c, const char *method,
	   const struct server_route *rt, const struct server_req *rq,
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
		return server_watch_start(c, rt, rep);
	}
	if (strcmp(verb, "create") == 0) {
		if (rt->sub) {
			apierr_method(rep, method, rt->res);
			return NULL;
		}
		server_create(rt, rq, rep);
		return NULL;
	}
	if (strcmp(verb, "deletecollection") == 0) {
		server_delete_collection(c, rt, rep);
		return NULL;
	}
	struct sim_obj *o = store_get(rt->res, rt->ns, rt->name);
	if (!o) {
		const char *ct = server_header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
		if (strcmp(verb, "patch") == 0 && !rt->sub && ct &&
		    strncmp(ct, "application/apply-patch+yaml", 28) == 0) {
			if (rt->res->namespaced &&
			    !store_namespace_exists(rt->ns)) {
				apierr_notfound(rep, registry_find("", "v1",
						"namespaces"), rt->ns);
			} else {
				server_apply_create(rt, rq, rep);
			}
			return NULL;
		}
		apierr_notfound(rep, rt->res, rt->name);
		return NULL;
	}
	if (strcmp(verb, "get") == 0) {
		if (rt->sub && strcmp(rt->sub, "scale") == 0) {
			cJSON *s = server_scale_of(o);
			server_reply_json(rep, 200, s);
			cJSON_Delete(s);
		} else if (!rt->sub && table_wanted(server_header(c,
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
		server_update(rt, o, rq, rep);
	} else if (strcmp(verb, "patch") == 0) {
		server_patch(c, rt, o, rq, rep);
	} else if (rt->sub) {
		apierr_method(rep, method, rt->res);
	} else {
		server_delete(rt, o, rq, rep);
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
		const char *adv = server_arg(c, "advance");
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
		     const struct server_req *rq, struct sim_reply *rep)
{
	if (strcmp(method, "GET") != 0) {
		cJSON *j = rq->body.len ? json_parse(rq->body.buf, rq->body.len,
						     NULL) : NULL;
		const char *ns = json_str(j, "namespace");
		const char *ro = json_str(j, "rollout");
		const char *mode = json_str(j, "mode");
		ns = ns ? ns : server_arg(c, "namespace");
		ro = ro ? ro : server_arg(c, "rollout");
		mode = mode ? mode : server_arg(c, "mode");
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
	     int n, const struct server_req *rq, struct sim_reply *rep)
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
	const char *auth = server_header(c, MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth && strncmp(auth, "Bearer ", 7) == 0) {
		if (o->token && strcmp(auth + 7, o->token) == 0) {
			snprintf(user, ulen, "rollouts-sim");
			return 0;
		}
		apierr_unauthorized(rep);
		return -1;
	}
	if (o->client_cert) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
			c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
		char cn[256];
		if (ci && certs_verify_client(&server_certs, ci->tls_session,
					      cn, sizeof(cn)) == 0) {
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
	sim_uuid(aid);
	MHD_add_response_header(r, "Audit-Id", aid);
	if (rep->retry_after > 0) {
		char ra[16];
		snprintf(ra, sizeof(ra), "%d", rep->retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)rep->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
server_send_watch(struct MHD_Connection *c, struct server_watch *w)
{
	pthread_mutex_lock(&sim_lock);
	server_watchers++;
	pthread_mutex_unlock(&sim_lock);
	struct MHD_Response *r = MHD_create_response_from_callback(
		MHD_SIZE_UNKNOWN, 64 * 1024, server_watch_reader, w,
		server_watch_free);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
				"no-cache, private");
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static void
server_handle(struct MHD_Connection *c, const char *url, const char *method,
	      struct server_req *rq, struct sim_reply *rep,
	      struct server_watch **watch)
{
	struct buf query = BUF_INIT;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, server_query_cb,
				  &query);
	reqlog_write(method, url, query.buf,
		     server_header(c, MHD_HTTP_HEADER_CONTENT_TYPE),
		     rq->body.buf, rq->body.len);
	buf_release(&query);

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
	const char *accept = server_header(c, MHD_HTTP_HEADER_ACCEPT);

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
			apierr_nopath(rep);
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

static enum MHD_Result
server_access(void *cls, struct MHD_Connection *c, const char *url,
	      const char *method, const char *version,
	      const char *upload_data, size_t *upload_data_size,
	      void **con_cls)
{
	struct server_req *rq = *con_cls;
	if (!rq) {
		rq = xcalloc(1, sizeof(*rq));
		buf_init(&rq->body, SERVER_MAX_BODY);
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (buf_add(&rq->body, upload_data, *upload_data_size) < 0) {
			rq->too_big = true;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	struct sim_reply rep = { .status = 500, .body = BUF_INIT };
	struct server_watch *w = NULL;
	server_handle(c, url, method, rq, &rep, &w);
	enum MHD_Result ret;
	if (w) {
		ret = server_send_watch(c, w);
	} else {
		ret = server_send(c, &rep);
	}
	buf_release(&rep.body);
	return ret;
}

static void
server_completed(void *cls, struct MHD_Connection *c, void **con_cls,
		 enum MHD_RequestTerminationCode toe)
{
	struct server_req *rq = *con_cls;
	if (rq) {
		buf_release(&rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

static void
server_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	(void)fmt;
	(void)ap;
}

/* ---------------------------------------------------------- start-up */

static int
server_listen(const char *spec, struct pd_err *e, int *port_out)
{
	char host[128] = "127.0.0.1";
	long port = 0;
	if (spec) {
		const char *colon = strrchr(spec, ':');
		if (!colon) {
			return err_set(e, PD_EUSAGE, "invalid --listen '%s' "
				       "(want ADDR:PORT)", spec);
		}
		size_t hl = (size_t)(colon - spec);
		if (hl >= sizeof(host)) {
			return err_set(e, PD_EUSAGE, "invalid --listen '%s'",
				       spec);
		}
		if (hl) {
			memcpy(host, spec, hl);
			host[hl] = '\0';
		}
		char *end;
		port = strtol(colon + 1, &end, 10);
		if (*end || port < 0 || port > 65535) {
			return err_set(e, PD_EUSAGE, "invalid port in --listen "
				       "'%s'", spec);
		}
	}
	struct sockaddr_in a4;
	struct sockaddr_in6 a6;
	struct sockaddr *sa;
	socklen_t sl;
	int fam;
	char h6[128];
	snprintf(h6, sizeof(h6), "%s", host);
	if (h6[0] == '[') {
		memmove(h6, h6 + 1, strlen(h6));
		h6[strcspn(h6, "]")] = '\0';
	}
	memset(&a4, 0, sizeof(a4));
	memset(&a6, 0, sizeof(a6));
	if (inet_pton(AF_INET, host, &a4.sin_addr) == 1) {
		a4.sin_family = AF_INET;
		a4.sin_port = htons((uint16_t)port);
		sa = (struct sockaddr *)&a4;
		sl = sizeof(a4);
		fam = AF_INET;
	} else if (inet_pton(AF_INET6, h6, &a6.sin6_addr) == 1) {
		a6.sin6_family = AF_INET6;
		a6.sin6_port = htons((uint16_t)port);
		sa = (struct sockaddr *)&a6;
		sl = sizeof(a6);
		fam = AF_INET6;
	} else {
		return err_set(e, PD_EUSAGE, "invalid address '%s' in --listen "
			       "(want an IP address)", host);
	}
	int fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return err_set(e, PD_ERUNTIME, "socket: %s", strerror(errno));
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, sa, sl) < 0 || listen(fd, 512) < 0) {
		int err = errno;
		close(fd);
		return err_set(e, PD_ERUNTIME, "cannot listen on %s:%ld: %s",
			       host, port, strerror(err));
	}
	struct sockaddr_storage got;
	socklen_t gl = sizeof(got);
	getsockname(fd, (struct sockaddr *)&got, &gl);
	*port_out = fam == AF_INET
		? ntohs(((struct sockaddr_in *)&got)->sin_port)
		: ntohs(((struct sockaddr_in6 *)&got)->sin6_port);
	return fd;
}

static void
server_kube_b64(struct buf *out, const char *key, const char *pem)
{
	buf_addf(out, "    %s: ", key);
	base64_encode(out, pem, strlen(pem));
	buf_addch(out, '\n');
}

static int
server_write_kubeconfig(const struct sim_options *o, const char *host,
			int port, struct pd_err *e)
{
	struct buf b = BUF_INIT;
	bool v6 = strchr(host, ':') != NULL;
	buf_adds(&b, "apiVersion: v1\nkind: Config\npreferences: {}\n"
		 "clusters:\n- name: rollouts-sim\n  cluster:\n");
	buf_addf(&b, "    server: %s://%s%s%s:%d\n", o->tls ? "https" : "http",
		 v6 ? "[" : "", host, v6 ? "]" : "", port);
	if (o->tls) {
		server_kube_b64(&b, "certificate-authority-data",
				server_certs.ca_cert_pem);
	}
	buf_adds(&b, "contexts:\n- name: rollouts-sim\n  context:\n"
		 "    cluster: rollouts-sim\n    user: rollouts-sim\n"
		 "    namespace: default\n"
		 "current-context: rollouts-sim\n"
		 "users:\n- name: rollouts-sim\n  user:");
	if (!o->token && !o->client_cert) {
		buf_adds(&b, " {}\n");
	} else {
		buf_addch(&b, '\n');
		if (o->token) {
			buf_addf(&b, "    token: %s\n", o->token);
		}
		if (o->client_cert) {
			server_kube_b64(&b, "client-certificate-data",
					server_certs.client_cert_pem);
			server_kube_b64(&b, "client-key-data",
					server_certs.client_key_pem);
		}
	}
	int rc = atomicfile_write(o->kubeconfig, b.buf, b.len, 0600, e);
	buf_release(&b);
	return rc;
}

int
server_run(const struct sim_options *o, struct pd_err *e)
{
	server_opts = o;
	signal(SIGPIPE, SIG_IGN);
	/* block the stop signals in every thread; sigwait() takes them */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	int port = 0;
	int fd = server_listen(o->listen, e, &port);
	if (fd < 0) {
		return fd;
	}
	char host[128] = "127.0.0.1";
	if (o->listen && o->listen[0] != ':') {
		snprintf(host, sizeof(host), "%.*s",
			 (int)(strrchr(o->listen, ':') - o->listen), o->listen);
		if (host[0] == '[') {
			memmove(host, host + 1, strlen(host));
			host[strcspn(host, "]")] = '\0';
		}
	}
	if (o->tls) {
		int r = certs_generate(&server_certs, o->client_cert, NULL,
				       NULL, e);
		if (r < 0) {
			close(fd);
			return r;
		}
	}
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC;
	struct MHD_OptionItem opts[8];
	int k = 0;
	opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_LISTEN_SOCKET, fd,
					     NULL };
	opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT,
					     600, NULL };
	opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED,
		(intptr_t)server_completed, NULL };
	opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER,
		(intptr_t)server_mhd_log, NULL };
	if (o->tls) {
		flags |= MHD_USE_TLS;
		opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY,
			0, server_certs.server_key_pem };
		opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT,
			0, server_certs.server_cert_pem };
		if (o->client_cert) {
			opts[k++] = (struct MHD_OptionItem){
				MHD_OPTION_HTTPS_MEM_TRUST, 0,
				server_certs.ca_cert_pem };
		}
	}
	opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	struct MHD_Daemon *d = MHD_start_daemon(flags, 0, NULL, NULL,
		server_access, NULL, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!d) {
		close(fd);
		certs_release(&server_certs);
		return err_set(e, PD_ERUNTIME, "cannot start the HTTP server");
	}
	int rc = 0;
	if (o->kubeconfig) {
		rc = server_write_kubeconfig(o, host, port, e);
	}
	if (rc == 0 && o->port_file) {
		char line[16];
		int n = snprintf(line, sizeof(line), "%d\n", port);
		rc = atomicfile_write(o->port_file, line, (size_t)n, 0644, e);
	}
	if (rc == 0) {
		int sig;
		sigwait(&stop, &sig);
	}
	/* stop accepting, let open watches send their last chunk (bounded),
	 * then stop */
	MHD_quiesce_daemon(d);
	pthread_mutex_lock(&sim_lock);
	sim_stopping = 1;
	pthread_cond_broadcast(&sim_cond);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 3;
	while (server_watchers > 0 &&
	       pthread_cond_timedwait(&sim_cond, &sim_lock, &until) == 0) {
	}
	pthread_mutex_unlock(&sim_lock);
	MHD_stop_daemon(d);
	close(fd);
	certs_release(&server_certs);
	return rc;
}
