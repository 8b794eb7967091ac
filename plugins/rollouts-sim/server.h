/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server (private): what rollouts-sim's HTTP layer shares between its
 * files. server.c routes a request to a verb and answers reads, discovery,
 * the admin endpoints and authentication; watch.c streams watch responses;
 * write.c does create, update, patch, delete and deletecollection (and the
 * scale subresource). All of them fill a struct sim_reply (sim.h) unless a
 * watch stream is returned. The functions below marked "lock held" expect
 * sim_lock; replies and watches are owned by the caller (the request).
 */
#ifndef SIM_SERVER_H
#define SIM_SERVER_H

#include <stdbool.h>
#include <microhttpd.h>

#include "httpd.h"
#include "selector.h"
#include "sim.h"

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

/* One more field term (Events' involvedObject.name, reason, type, ...):
 * the object's value at path, "" when absent. */
struct server_field_term {
	char *path;
	char *val;
	bool neg;
};

/* A fieldSelector: metadata.name and metadata.namespace, =, == and !=;
 * for events also the field labels the API server knows for them. */
struct server_fields {
	char *name;
	bool name_neg;
	char *ns;
	bool ns_neg;
	struct server_field_term *terms;
	int nterms;
};

/* ---- server.c ---- */

/* A query flag's truth as the API server reads it ("0", "false" are not). */
bool server_truthy(const char *v);
/* The stored object o as served under gv, into rep (status code status). */
void server_reply_obj(struct sim_reply *rep, int status,
		      const struct sim_obj *o, const char *gv);
void server_reply_json(struct sim_reply *rep, int status, const cJSON *j);
/* 0, or -1 with rep filled (400); release with server_fields_release(). */
int server_fields_parse(const char *s, const struct sim_resource *r,
			struct server_fields *f, struct sim_reply *rep);
void server_fields_release(struct server_fields *f);
/* obj is needed only when f->nterms (NULL: the terms do not match). */
bool server_fields_match(const struct server_fields *f, const char *ns,
			 const char *name, const cJSON *obj);
/* The request's labelSelector (caller frees), or NULL with rep filled. */
struct selector *server_label_selector(struct MHD_Connection *c,
				       struct sim_reply *rep);

/* ---- watch.c ---- */

struct watch;

/* Lock held: a watch for the route (the initial events queued), or NULL
 * with rep filled. */
struct watch *watch_start(struct MHD_Connection *c,
			  const struct server_route *rt,
			  struct sim_reply *rep);
/* Queue the watch's stream on c; the response owns w from then on. */
enum MHD_Result watch_send(struct MHD_Connection *c, struct watch *w);
/* At shut-down: wake the watches and wait (3 s at most) for them to end. */
void watch_drain(void);

/* ---- write.c: lock held for all ---- */

void write_create(const struct server_route *rt, const struct httpd_req *rq,
		  struct sim_reply *rep);
/* Server-side apply to an object that does not exist yet. */
void write_apply_create(const struct server_route *rt,
			const struct httpd_req *rq, struct sim_reply *rep);
void write_update(const struct server_route *rt, struct sim_obj *o,
		  const struct httpd_req *rq, struct sim_reply *rep);
void write_patch(struct MHD_Connection *c, const struct server_route *rt,
		 struct sim_obj *o, const struct httpd_req *rq,
		 struct sim_reply *rep);
/* Delete o and (unless orphan) what it owns, as the garbage collector's
 * background cascade does, at once. Lock held. */
void write_delete_cascade(struct sim_obj *o, bool orphan, int depth);
void write_delete(const struct server_route *rt, struct sim_obj *o,
		  const struct httpd_req *rq, struct sim_reply *rep);
void write_delete_collection(struct MHD_Connection *c,
			     const struct server_route *rt,
			     struct sim_reply *rep);
/* The autoscaling/v1 Scale of o (caller frees). */
cJSON *write_scale_of(const struct sim_obj *o);

/* ---- openapi.c ---- */

/* GET /openapi/v2, /openapi/v3 and /openapi/v3/api[s]/...: segs are the
 * path's segments ("openapi", "v3", ...). Takes sim_lock itself. */
void openapi_serve(struct MHD_Connection *c, const char *method, char **segs,
		   int n, struct sim_reply *rep);

enum openapi_validation {
	OPENAPI_IGNORE,
	OPENAPI_WARN,
	OPENAPI_STRICT,
};

/* The request's fieldValidation (Warn when absent): 0, or -1 with rep
 * filled (422 on the options kind, "CreateOptions", "PatchOptions" or
 * "UpdateOptions"). */
int openapi_directive(struct MHD_Connection *c, const char *options,
		      enum openapi_validation *out, struct sim_reply *rep);
/* Lock held. Check obj (the object a write would store, apiVersion
 * version) against r's schema: unknown and duplicate fields are dropped
 * (Ignore), dropped with a warning each in rep (Warn), or refused (Strict:
 * -1 with rep filled, 400 with the decoder's message, or 422 naming the
 * patched object when patched is the patch's result as JSON). Fields the
 * stored object old (or NULL) already had are not reported. 0 otherwise. */
int openapi_validate(enum openapi_validation d, const struct sim_resource *r,
		     const char *version, cJSON *obj, const cJSON *old,
		     const char *patched, struct sim_reply *rep);

#endif
