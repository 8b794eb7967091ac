/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dash: the parts of `kubectl rollouts dashboard` (cmd-dashboard.c runs
 * them). dash-store.c keeps the computed views (the list row and the
 * `get rollout -o json` view of every rollout, as compact JSON strings)
 * that the informers' loop publishes and the HTTP thread reads, each with
 * the sequence number of its last change, so an event stream sends only
 * what changed since it last wrote. dash-http.c is the libmicrohttpd
 * server: one internal polling thread, server-sent events by suspended
 * connections that the store's publisher resumes, and actions handed to
 * the informers' thread (which owns the Kubernetes client) through a queue.
 *
 * Ownership: dash_store_new() and dash_http_new() return objects freed by
 * dash_store_free() and dash_http_free(); strings returned by the store
 * are malloc()ed copies owned by the caller. The page files (dash_assets,
 * generated at build time by dashboard/embed.py) are static.
 */
#ifndef KR_DASH_H
#define KR_DASH_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"

/* ------------------------------------------------------------- assets */

struct dash_asset {
	const char *name;          /* "index.html" */
	const char *type;          /* Content-Type */
	const unsigned char *data; /* NUL-terminated */
	size_t len;
};

extern const struct dash_asset dash_assets[];

/* -------------------------------------------------------------- store */

struct dash_store;

struct dash_store *dash_store_new(void);
void dash_store_free(struct dash_store *s);

/*
 * Publish the current objects (cJSON arrays of the informers, borrowed):
 * computes every rollout's row and view, and records those that changed
 * (and the rollouts that went) with a new sequence number. Returns the
 * number of rollouts that changed. now is the clock of the views' ages.
 */
size_t dash_store_publish(struct dash_store *s, const cJSON *rollouts,
			  const cJSON *replicasets, const cJSON *pods,
			  const cJSON *analysisruns, const cJSON *experiments,
			  long long now);
/* The informers' connection state (false while they reconnect). */
void dash_store_set_connected(struct dash_store *s, bool connected);
/* Events published so far (changed rollouts, counted one by one). */
unsigned long long dash_store_events(struct dash_store *s);

/* {"rollouts":[ROW...]} of namespace ns (NULL: all) into out. */
void dash_store_list(struct dash_store *s, const char *ns, struct buf *out);
/* The view of one rollout into out; false when there is none. */
bool dash_store_info(struct dash_store *s, const char *ns, const char *name,
		     struct buf *out);

/*
 * What an event stream has not sent yet: the server-sent events for the
 * changes after *seq (a list stream of namespace ns (NULL: all), or, with
 * name, one rollout's), appended to out, and *seq moved on. The first call
 * (*seq == 0), and a stream that fell behind the kept history, get a whole
 * snapshot. *status is the connection state last sent (-1: none yet).
 * Returns false when there was nothing to send.
 */
bool dash_store_events_since(struct dash_store *s, const char *ns,
			     const char *name, unsigned long long *seq,
			     int *status, struct buf *out);
/* The sequence number of the last change. */
unsigned long long dash_store_seq(struct dash_store *s);

/* --------------------------------------------------------------- http */

struct dash_http;

struct dash_http_options {
	const char *address;    /* "127.0.0.1", "0.0.0.0", "::1", a name */
	int port;               /* 0: a free one */
	const char *root;       /* "rollouts" (no slashes around it) */
	const char *token;      /* bearer token, or NULL (not copied) */
	bool read_only;
	bool loopback;          /* address is a loopback one: Host checked */
	const char *ns;         /* the namespace watched, NULL with -A */
	struct dash_store *store;
};

/* An action the page asked for, run by the informers' thread. */
struct dash_action {
	const char *ns, *name;   /* borrowed from the request, decoded */
	const char *verb;        /* promote, abort, retry, restart, set, undo */
	const char *arg1, *arg2, *arg3; /* set: container, image, tag;
					   undo: revision */
	bool full;               /* promote?full=true */
	/* filled by the runner */
	int exit_code;
	struct buf message;      /* the command's last line */
};

int dash_http_new(struct dash_http **out, const struct dash_http_options *o,
		  struct pd_err *e);
/* The port bound. */
int dash_http_port(const struct dash_http *h);
/* Wake every waiting event stream (after a publish, and now and then for
 * the keep-alive comment). */
void dash_http_wake(struct dash_http *h);
/* Run the queued actions with run (from the informers' thread). */
void dash_http_run_actions(struct dash_http *h,
			   void (*run)(void *arg, struct dash_action *a),
			   void *arg);
/* Open event streams. */
size_t dash_http_streams(struct dash_http *h);
/* Stop serving and free h (NULL does nothing). */
void dash_http_free(struct dash_http *h);

#endif
