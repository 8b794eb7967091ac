/* SPDX-License-Identifier: Apache-2.0 */
/*
 * controller (private): what the parts of rollouts-sim's controller share.
 * controller.c is the core: the reconcile loop and its thread, the state of
 * the pass below, the helpers every part writes through, the AnalysisRuns
 * (analysis.c's engine with simulated providers) and the traffic modes;
 * replicasets.c plays the ReplicaSet controller and the kubelet (pods,
 * readiness, scale-down deadlines); events.c the Events the controller
 * records; experiments.c the Experiment
 * controller; rollouts.c the Rollout controller (canary steps, weights,
 * analysis, abort and retry, promote, pause, restart, blue-green). Every
 * function here runs with sim_lock held. Objects returned are the store's
 * (borrowed until the next write); cJSON trees returned are the caller's.
 */
#ifndef SIM_CONTROLLER_H
#define SIM_CONTROLLER_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "sim.h"

#define CONTROLLER_ANN_READY "sim.pdkit.io/ready-at"
#define CONTROLLER_ANN_DEADLINE "scale-down-deadline"
#define CONTROLLER_ANN_REVISION "rollout.argoproj.io/revision"
#define CONTROLLER_HASH_LABEL "rollouts-pod-template-hash"

/* The state of the reconcile pass (controller.c owns it). */
struct controller {
	struct ctl_options opts;
	struct sim_resource *ro, *rs, *pod, *ar, *at, *cat, *exp, *vs,
		*deploy, *svc;
	long long now;      /* the instant being reconciled */
	bool changed;       /* a pass wrote something */
};

extern struct controller controller;

/* ---- controller.c ---- */

/* Ask for a pass at ms (a due point after controller.now). */
void controller_wake_at(long long ms);
/* ms as RFC 3339 (clock_rfc3339). */
void controller_ts(long long ms, char out[32]);
/* The seeded pseudo-random sequence (pod names, measurement noise). */
unsigned controller_next_rand(void);
/* Store next (owned) in place of orig when they differ; the stored object,
 * or NULL when nothing changed. */
struct sim_obj *controller_put(struct sim_resource *r, cJSON *next,
			       const cJSON *orig);
/* Store a new object (owned), metadata filled in. */
struct sim_obj *controller_create(struct sim_resource *r, const char *ns,
				  cJSON *obj);
/* An ownerReferences array naming owner as the controller. */
/* A new argoproj.io/v1alpha1 object of kind with metadata.name and
 * namespace, and metadata.labels holding the string members of labels_src
 * (may be NULL); *labels is set to that labels object. The caller owns
 * the object. */
cJSON *controller_new_object(const char *kind, const char *name,
			     const char *ns, const cJSON *labels_src,
			     cJSON **labels);
cJSON *controller_owner_ref(const cJSON *owner, const char *api,
			    const char *kind);
/* A label or annotation of obj (borrowed), or NULL. */
const char *controller_label(const cJSON *obj, const char *key);
const char *controller_annotation(const cJSON *obj, const char *key);
/* Set an annotation, or remove it when val is NULL. */
void controller_set_annotation(cJSON *obj, const char *key,
			       const char *val);
/* A number (or numeric string) at path, or def. */
long controller_int(const cJSON *obj, const char *path, long def);
/* A pod-template-hash-shaped hash of j. */
void controller_hash(const cJSON *j, char out[16]);
/* store_get(), NULL for a NULL name. */
struct sim_obj *controller_find(struct sim_resource *r, const char *ns,
				const char *name);
/* Create the AnalysisRun name for rollout ro from RolloutAnalysis ra. */
void controller_create_run(const cJSON *ro, const cJSON *ra,
			   const char *name, const char *hash,
			   const char *type, int step);
/* Terminate a running AnalysisRun (spec.terminate). */
void controller_terminate_run(const char *ns, const char *name);

/* ---- events.c ---- */

/* Record an Event about obj (type "Normal" or "Warning", Argo's reason and
 * message), in core v1 and events.k8s.io/v1; the same event again is
 * counted (count, lastTimestamp). */
void events_record(const cJSON *obj, const char *type, const char *reason,
		   const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The same, recorded by another component (argocd-application-controller). */
void events_record_from(const char *component, const cJSON *obj,
			const char *type, const char *reason,
			const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* ---- replicasets.c ---- */

/* Whether rs is one the controller manages (owned by a Rollout or an
 * Experiment). */
bool replicasets_managed(const cJSON *rs);
/* Pods, readiness, availability and the scale-down deadline of rs. */
void replicasets_reconcile(struct sim_obj *o);
/* Scale rs to want, at once or after delay_ms (the deadline annotation). */
void replicasets_scale(struct sim_obj *rs, long want, long long delay_ms);
bool replicasets_pod_ready(const cJSON *pod);
/* status.availableReplicas of rs (0 for NULL). */
long replicasets_available(const struct sim_obj *rs);

/* ---- experiments.c ---- */

void experiments_reconcile(struct sim_obj *o);
/* Create the Experiment of a canary step for rollout ro. */
void experiments_create(const cJSON *ro, const cJSON *step, const char *name,
			const char *hash, const struct sim_obj *new_rs,
			const struct sim_obj *stable_rs);

/* ---- hpa.c ---- */

/* The status and conditions of a HorizontalPodAutoscaler. */
void hpa_reconcile(struct sim_obj *o);

/* ---- rollouts.c ---- */

void rollouts_reconcile(struct sim_obj *o);

#endif
