/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch: rollouts-sim's watch responses. A watch starts from the store's
 * objects (or from a resourceVersion in the event history), then turns each
 * new event of its resource into a line (ADDED, MODIFIED, DELETED, with the
 * label selector's view of a relabelled object, as Tables for kubectl get
 * -w), sends bookmarks, ends at its timeout, and is cut by the
 * watch-drop-after fault. The response reads lines as sim_cond announces
 * events; shut-down waits for the open ones to finish.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "server.h"
#include "sim.h"
#include "xalloc.h"

struct watch {
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

static int watch_open; /* open watch responses (sim_lock) */

static void
watch_destroy(struct watch *w)
{
	free(w->ns);
	selector_free(w->sel);
	server_fields_release(&w->fields);
	buf_release(&w->pending);
	free(w);
}

/* libmicrohttpd's free callback: the response is done. */
static void
watch_free(void *cls)
{
	pthread_mutex_lock(&sim_lock);
	watch_open--;
	pthread_cond_broadcast(&sim_cond);
	pthread_mutex_unlock(&sim_lock);
	watch_destroy(cls);
}

static void
watch_line(struct watch *w, const char *type, const char *text)
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
watch_bookmark(struct watch *w, bool initial_end)
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
watch_collect(struct watch *w)
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
		/* event field terms read the object as sent */
		cJSON *obj = w->fields.nterms ? cJSON_Parse(ev->text) : NULL;
		bool match = server_fields_match(&w->fields, ev->ns, ev->name,
						 obj);
		cJSON_Delete(obj);
		if (!match) {
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
		watch_line(w, type, ev->text);
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
watch_reader(void *cls, uint64_t pos, char *out, size_t max)
{
	struct watch *w = cls;
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
				watch_bookmark(w, false);
			}
			w->done = true;
		} else if (w->cursor == store_seq_end()) {
			watch_bookmark(w, false);
		} else {
			watch_collect(w);
		}
		pthread_mutex_unlock(&sim_lock);
	}
}

/* Lock held. Returns the watch, or NULL with rep filled. */
struct watch *
watch_start(struct MHD_Connection *c, const struct server_route *rt,
	    struct sim_reply *rep)
{
	struct watch *w = xcalloc(1, sizeof(*w));
	buf_init(&w->pending, 0);
	w->res = rt->res;
	snprintf(w->gv, sizeof(w->gv), "%s", rt->gv);
	w->ns = rt->ns ? xstrdup(rt->ns) : NULL;
	if (server_fields_parse(httpd_arg(c, "fieldSelector"), rt->res,
				&w->fields, rep) < 0) {
		free(w->ns);
		buf_release(&w->pending);
		free(w);
		return NULL;
	}
	w->sel = server_label_selector(c, rep);
	if (!w->sel) {
		watch_destroy(w);
		return NULL;
	}
	w->bookmarks = server_truthy(httpd_arg(c, "allowWatchBookmarks"));
	w->table = table_wanted(httpd_header(c, MHD_HTTP_HEADER_ACCEPT));
	const char *ts = httpd_arg(c, "timeoutSeconds");
	long secs = ts ? strtol(ts, NULL, 10) : 0;
	if (secs <= 0) {
		secs = 1800 + rand() % 1800;
	}
	w->deadline = time(NULL) + secs;
	w->last_send = time(NULL);

	const char *rvq = httpd_arg(c, "resourceVersion");
	const char *sie = httpd_arg(c, "sendInitialEvents");
	const char *rvm = httpd_arg(c, "resourceVersionMatch");
	if (rvm && *rvm && !server_truthy(sie)) {
		apierr_badrequest(rep, "resourceVersionMatch is forbidden for "
				  "watch unless sendInitialEvents is "
				  "provided");
		watch_destroy(w);
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
			watch_destroy(w);
			return NULL;
		}
		if (want > store_rv()) {
			/* a resourceVersion this server never issued (a
			 * client from before a restart): the API server's
			 * watch cache gives up with 504 "Too large resource
			 * version", and clients list again */
			char *msg = xasprintf("Too large resource version: "
					      "%llu, current: %llu", want,
					      (unsigned long long)store_rv());
			apierr_status(rep, 504, "Timeout", msg, NULL, NULL);
			free(msg);
			watch_destroy(w);
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
		if (server_fields_match(&w->fields, o->ns, o->name, o->json) &&
		    selector_match(w->sel, json_path(o->json,
						     "metadata.labels"))) {
			watch_line(w, "ADDED", o->text);
		}
	}
	free(objs);
	if (server_truthy(sie) && w->bookmarks) {
		watch_bookmark(w, true);
	}
	w->cursor = store_seq_end();
	return w;
}

enum MHD_Result
watch_send(struct MHD_Connection *c, struct watch *w)
{
	pthread_mutex_lock(&sim_lock);
	watch_open++;
	pthread_mutex_unlock(&sim_lock);
	struct MHD_Response *r = MHD_create_response_from_callback(
		MHD_SIZE_UNKNOWN, 64 * 1024, watch_reader, w, watch_free);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
				"no-cache, private");
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

void
watch_drain(void)
{
	pthread_mutex_lock(&sim_lock);
	sim_stopping = 1;
	pthread_cond_broadcast(&sim_cond);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 3;
	while (watch_open > 0 &&
	       pthread_cond_timedwait(&sim_cond, &sim_lock, &until) == 0) {
	}
	pthread_mutex_unlock(&sim_lock);
}
