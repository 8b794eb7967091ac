/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim: the shared state of rollouts-sim, a local Kubernetes API server.
 * registry.c knows the resource types (built-in and learnt from fixtures) and
 * renders discovery; store.c holds the objects, the global resourceVersion
 * counter and the event history that watches read; apierr.c builds Status
 * bodies; server.c is the Kubernetes API over simhttp's daemon (watch.c the
 * watch streams, write.c the writes); faults.c the fault injection;
 * fixtures.c the loader. One mutex (sim_lock) guards the
 * registry, the store and the faults; the watch condition variable is
 * signalled on every new event. Pointers to registry entries live as long as
 * the process. Store objects are owned by the store: callers copy what they
 * need while holding the lock.
 */
#ifndef SIM_H
#define SIM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"
#include "selector.h"

/* ---- registry.c ---- */

struct sim_resource {
	char *group;        /* "" for the core group */
	char *versions[4];  /* served versions, preferred first, NULL-ended */
	char *plural;
	char *singular;
	char *kind;
	char *short_names;  /* comma-separated, or NULL */
	char *categories;   /* comma-separated ("all"), or NULL */
	bool namespaced;
	bool has_status;    /* status subresource */
	bool has_scale;     /* scale subresource */
	bool builtin;       /* a Kubernetes built-in kind (strategic merge) */
	bool generic;       /* learnt from a fixture, not in the table */
	bool allow_unconditional_update;
	int idx;            /* index into the store's per-resource tables */
};

void registry_init(void);
int registry_count(void);
struct sim_resource *registry_at(int i);
/* By group, version and plural (NULL when the version is not served). */
struct sim_resource *registry_find(const char *group, const char *version,
				   const char *plural);
/* By apiVersion ("argoproj.io/v1alpha1", "v1") and kind; when learn is true
 * an unknown kind is registered generically under that group and version. */
struct sim_resource *registry_find_kind(const char *api_version,
					const char *kind, bool learn);
bool registry_serves_version(const struct sim_resource *r, const char *version);
/* "rollouts.argoproj.io", or "pods" for the core group. */
void registry_qualified(const struct sim_resource *r, struct buf *out);
/* Discovery documents. aggregated selects the apidiscovery v2 form. */
void registry_api(struct buf *out, bool aggregated);
void registry_apis(struct buf *out, bool aggregated);
/* /apis/{group}: 0, or -1 when the group is unknown. */
int registry_group(struct buf *out, const char *group);
/* /api/v1 or /apis/{group}/{version}: 0, or -1 when unknown. */
int registry_resource_list(struct buf *out, const char *group,
			   const char *version);
/* Lower-case plural of a kind as Kubernetes guesses it. */
char *registry_guess_plural(const char *kind);

/* ---- store.c ---- */

enum sim_event_type {
	SIM_ADDED,
	SIM_MODIFIED,
	SIM_DELETED,
};

struct sim_obj {
	struct sim_resource *res;
	char *key;          /* "ns/name" ("/name" when cluster-scoped) */
	char *ns;           /* "" when cluster-scoped */
	char *name;
	cJSON *json;        /* the stored object, kind and apiVersion set */
	char *text;         /* compact JSON, apiVersion and kind first */
	size_t body_off;    /* offset of the members after apiVersion, kind */
	uint64_t rv;
};

struct sim_event {
	uint64_t rv;
	enum sim_event_type type;
	struct sim_resource *res;
	char *ns;
	char *name;
	char *text;         /* the object as sent in the event */
	cJSON *labels;      /* labels after the change (copy) */
	cJSON *old_labels;  /* labels before (MODIFIED only), or NULL */
};

extern pthread_mutex_t sim_lock;
extern pthread_cond_t sim_cond;
extern volatile int sim_stopping;

void store_init(size_t history);
/* Current resourceVersion (the last one handed out). Lock held. */
uint64_t store_rv(void);
/* Oldest resourceVersion a watch may resume from. Lock held. */
uint64_t store_floor(void);
/* Lock held for all of the following. */
struct sim_obj *store_get(struct sim_resource *r, const char *ns,
			  const char *name);
/* Objects of r (in ns, or all when ns is NULL) sorted by key; the array is
 * malloc()ed (caller frees it), the objects are borrowed. */
struct sim_obj **store_list(struct sim_resource *r, const char *ns,
			    size_t *n);
/* Put obj (ownership moves to the store), assigning a new resourceVersion
 * unless keep_rv (fixtures). Records an event unless quiet. Returns the
 * stored object. */
struct sim_obj *store_put(struct sim_resource *r, cJSON *obj, bool keep_rv,
			  bool quiet);
/* Remove and record a DELETED event; the object is freed. */
void store_delete(struct sim_obj *o);
bool store_namespace_exists(const char *ns);
/* Make sure namespace ns exists (fixtures, quietly). */
void store_ensure_namespace(const char *ns);
/* Events with rv > after, in order: the first index and count. */
size_t store_events_since(uint64_t after, size_t *first);
/* NULL when idx has left the ring (the watcher fell behind) or is not yet
 * written; store_seq_end() is the sequence number of the next event. */
const struct sim_event *store_event_at(size_t idx);
size_t store_seq_end(void);
size_t store_seq_begin(void);
/* Compact JSON of an object, apiVersion and kind first. Caller frees. */
char *store_serialise(const cJSON *obj, size_t *body_off);
/* Whether obj lists uid among its ownerReferences. */
bool store_owned_by(const cJSON *obj, const char *uid);
/* Count of objects of all kinds (for start-up messages). */
size_t store_total(void);

/* ---- apierr.c: Status bodies (JSON) and their HTTP codes ---- */

struct sim_reply {
	int status;
	const char *ctype;  /* static string */
	struct buf body;
	int retry_after;    /* seconds, 0 = none */
	char **warnings;    /* Warning headers' texts (malloc()ed, freed
			       with the reply by server.c), or NULL */
	size_t nwarnings;
};

void apierr_status(struct sim_reply *rep, int code, const char *reason,
		   const char *message, const struct sim_resource *r,
		   const char *name);
void apierr_notfound(struct sim_reply *rep, const struct sim_resource *r,
		     const char *name);
void apierr_nopath(struct sim_reply *rep);
void apierr_conflict(struct sim_reply *rep, const struct sim_resource *r,
		     const char *name);
void apierr_exists(struct sim_reply *rep, const struct sim_resource *r,
		   const char *name);
void apierr_badrequest(struct sim_reply *rep, const char *message);
void apierr_invalid(struct sim_reply *rep, const struct sim_resource *r,
		    const char *name, const char *field, const char *detail);
void apierr_forbidden(struct sim_reply *rep, const struct sim_resource *r,
		      const char *name, const char *sub, const char *verb,
		      const char *user, const char *ns);
void apierr_unauthorized(struct sim_reply *rep);
void apierr_method(struct sim_reply *rep, const char *verb,
		   const struct sim_resource *r);
void apierr_media(struct sim_reply *rep);
void apierr_expired(struct sim_reply *rep, const char *message);
void apierr_internal(struct sim_reply *rep, const char *message);
void apierr_toomany(struct sim_reply *rep, int retry_after);
/* The Status as a watch ERROR event line (newline-terminated). */
void apierr_watch_expired(struct buf *out, uint64_t asked, uint64_t current);

/* ---- faults.c ---- */

struct sim_faults {
	long watch_drop_after;  /* events before a watch is cut; 0 = never */
	double error_rate;      /* share of requests answered with error_code */
	int error_code;         /* 500 or 429 */
	int retry_after;        /* seconds, sent with 429 and 5xx; 0 = none */
	long latency_ms;        /* added to every API request */
	bool watch_expire;      /* watches with a resourceVersion get 410 */
	char forbid[32][96];    /* "verb:resource" pairs answered 403 */
	int nforbid;
	char statusless[8][64]; /* plurals served without a status
				   subresource (a v0.9 Rollout CRD) */
	int nstatusless;
	long conflict_writes;   /* the next N updates (PUT) answer 409 */
	char crash_images[8][128]; /* pods of images containing one of
				      these never become Ready */
	int ncrash_images;
	double error_acc;       /* accumulator for error_rate */
};

extern struct sim_faults sim_faults;
/* Apply a JSON object of settings (the admin endpoint's body). */
int faults_apply(const cJSON *j, struct pd_err *e);
void faults_reset(void);
void faults_json(struct buf *out);
/* Parse one "verb:resource" flag. */
int faults_add_forbid(const char *spec, struct pd_err *e);
/* Decide for one API request (lock held): 0, or the HTTP code to answer. */
int faults_roll(void);
bool faults_forbidden(const char *verb, const char *plural);
/* Whether r has its status subresource (statusless faults remove it). */
bool faults_has_status(const struct sim_resource *r);
/* Lock held: true when this update must be refused with a conflict. */
bool faults_take_conflict(void);
/* Lock held: whether pods of this image crash (CrashLoopBackOff). */
bool faults_crashes(const char *image);

/* ---- fixtures.c ---- */

/* Load a file or every .yaml/.yml/.json file of a directory (sorted). */
int fixtures_load(const char *path, struct pd_err *e);
/* Fill in uid, creationTimestamp, generation, namespace of a new object. */
void fixtures_fill_meta(cJSON *obj, const struct sim_resource *r,
			const char *ns);
/* A new random UUID (v4) into out[37]. */
void fixtures_uuid(char out[37]);
/* The current time as RFC 3339 (UTC, seconds) into out[32]. */
void fixtures_now_rfc3339(char out[32]);

/* ---- table.c: meta.k8s.io/v1 Table responses ---- */

bool table_wanted(const char *accept);
/* A new Table (caller frees) with column definitions when defs. */
cJSON *table_new(const struct sim_resource *r, bool defs, const char *rv,
		 const char *cont);
void table_add(cJSON *table, const struct sim_resource *r, const cJSON *obj);

/* ---- clock.c: simulated time (ms since the epoch) ---- */

void clock_init(bool manual, double scale, long long start_ms);
bool clock_manual(void);
double clock_scale(void);
long long clock_now_ms(void);
/* Manual mode: move the clock forward to ms (never backwards). */
void clock_set_ms(long long ms);
void clock_rfc3339(long long ms, char out[32]);
long long clock_parse_rfc3339(const char *s);
long long clock_parse_duration(const char *s);
/* A duration as the controller waits it: divided by --time-scale. */
long long clock_scaled(long long ms);

/* ---- controller.c: the Argo Rollouts controller simulation (its parts:
 * controller.h) ---- */

struct ctl_options {
	bool enabled;
	long long pod_ready_ms;   /* time a new pod takes to become Ready */
	unsigned seed;
};

void controller_init(const struct ctl_options *o);
/* Start the controller thread (real clock) or nothing (manual clock). */
int controller_start(void);
void controller_stop(void);
/* Lock held: reconcile everything at the current time. */
void controller_reconcile(void);
/* Lock held: advance the manual clock by ms, reconciling at every due
 * point on the way. */
void controller_advance(long long ms);
/* Traffic per rollout ("good" or "bad"); lock held. */
const char *controller_traffic(const char *ns, const char *name);
int controller_set_traffic(const char *ns, const char *name,
			   const char *mode);
void controller_traffic_json(struct buf *out);

/* ---- argocd.c: the Argo CD application controller simulation (its
 * parts: argocd.h); its passes run inside controller_reconcile() ---- */

struct argocd_options {
	bool enabled;
	long long refresh_ms;     /* polling interval; 0 = never poll */
};

/* Before controller_start(): creates the cache directory for checkouts. */
void argocd_init(const struct argocd_options *o);
bool argocd_enabled(void);
/* Lock held: one pass over every Application. */
void argocd_pass(void);
/* Remove the cache directory (at exit). */
void argocd_cleanup(void);

/* ---- server.c ---- */

struct sim_options {
	const char *listen;       /* ADDR:PORT */
	bool tls;
	const char *token;
	bool client_cert;
	const char *port_file;
	const char *kubeconfig;
	bool controller;
};

int server_run(const struct sim_options *o, struct pd_err *e);

#endif
