/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rollout: the pure model behind `kubectl-rollouts get|status|list`. From a
 * Rollout (or an Experiment) and the namespace's ReplicaSets, Pods,
 * AnalysisRuns and Experiments, it computes what the Argo Rollouts plugin
 * shows: the status and message (GetRolloutPhase), the canary step and
 * weights, the images with their role tags, and the revision tree (each
 * revision's ReplicaSets with their pods, Experiments with their own
 * ReplicaSets and AnalysisRuns, AnalysisRuns with their Jobs), joined by
 * ownerReferences UID and ordered as the plugin orders them.
 *
 * Pure: no I/O, no clock, no environment. "now" is always a parameter.
 *
 * Ownership: the input cJSON trees are borrowed for the duration of the call
 * only; every string in a struct ro_info / struct exp_info is a private copy
 * owned by that struct and freed with it (rollout_info_free(),
 * rollout_experiment_free()). Static strings (the icons) are marked as such.
 * Functions returning const char * without saying otherwise return either a
 * static string or one borrowed from the cJSON argument.
 */
#ifndef PD_ROLLOUT_H
#define PD_ROLLOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <cjson/cJSON.h>

#include "buf.h"

/* The objects a view is built from: each a cJSON array of objects (as in a
 * LIST's "items"), any may be NULL. They may hold unrelated objects; only
 * those joined by ownerReferences[].uid are used. deployments is accepted
 * for a workloadRef rollout and reported in the model; it changes nothing
 * in the tree (the plugin shows the Rollout's own ReplicaSets). */
struct ro_objects {
	const cJSON *rollout;       /* the Rollout object (not an array) */
	const cJSON *replicasets;
	const cJSON *pods;
	const cJSON *analysisruns;
	const cJSON *experiments;
	const cJSON *deployments;
};

/* ReplicaSet role tags (bit set). */
enum ro_tag {
	RO_TAG_STABLE = 1 << 0,
	RO_TAG_CANARY = 1 << 1,
	RO_TAG_ACTIVE = 1 << 2,
	RO_TAG_PREVIEW = 1 << 3,
	RO_TAG_PING = 1 << 4,
	RO_TAG_PONG = 1 << 5,
};

struct ro_pod {
	char *name;
	char *status;       /* kubectl STATUS: Running, ImagePullBackOff, Init:0/1 */
	const char *icon;   /* static */
	int ready, total, restarts;
	char *created;      /* creationTimestamp (RFC 3339) or NULL */
	char age[32];       /* HumanDuration at the model's now */
};

struct ro_job {
	char *name;
	char *namespace;    /* job-namespace, else the AnalysisRun's */
	char *status;       /* the measurement phase */
	const char *icon;   /* static */
	char *started;      /* measurement startedAt or NULL */
	char age[32];
};

struct ro_analysisrun {
	char *name;
	char *status;       /* status.phase ("" when unset) */
	const char *icon;   /* static */
	int revision;
	char *created;
	char age[32];
	int successful, failed, inconclusive, error;
	struct ro_job *jobs;
	size_t n_jobs;
};

struct ro_replicaset {
	char *name;
	char *status;       /* Healthy, Progressing, ScaledDown, ReplicaFailure */
	const char *icon;   /* static */
	int revision;       /* rollout.argoproj.io/revision, 0 when absent */
	unsigned tags;      /* enum ro_tag bits */
	char *template;     /* experiment.argoproj.io/template-name or NULL */
	char *scale_down_deadline; /* annotation scale-down-deadline or NULL */
	char delay[32];     /* "" or HumanDuration(deadline - now) or "passed" */
	int replicas;       /* status.replicas */
	int available;      /* status.availableReplicas */
	char *created;
	char age[32];
	char **images;      /* spec.template.spec.containers[].image */
	size_t n_images;
	struct ro_pod *pods;
	size_t n_pods;
};

struct ro_experiment {
	char *name;
	char *namespace;
	char *status;       /* status.phase ("" when unset) */
	char *message;      /* status.message ("" when unset) */
	const char *icon;   /* static */
	int revision;
	char *created;
	char age[32];
	struct ro_replicaset *replicasets;
	size_t n_replicasets;
	struct ro_analysisrun *analysisruns;
	size_t n_analysisruns;
};

struct ro_revision {
	int revision;
	struct ro_replicaset *replicasets;   /* name ascending */
	size_t n_replicasets;
	struct ro_experiment *experiments;   /* creation ascending */
	size_t n_experiments;
	struct ro_analysisrun *analysisruns; /* creation asc, then name desc */
	size_t n_analysisruns;
};

struct ro_image {
	char *image;
	char **tags;        /* "canary", "stable", ..., "Σ:<template>" */
	size_t n_tags;
};

struct ro_replicas {
	int desired, current, updated, ready, available;
};

struct ro_info {
	char *name;
	char *namespace;
	char *status;       /* phase: Healthy, Progressing, Paused, Degraded... */
	char *message;      /* "" when none */
	const char *icon;   /* static */
	char *strategy;     /* "Canary", "BlueGreen" or "" */
	char *step;         /* "1/3", or NULL (canary without steps or index) */
	int set_weight;     /* meaningful for Canary only */
	int actual_weight;  /* meaningful for Canary only */
	char *workload_ref; /* "<kind>/<name>" of spec.workloadRef, or NULL */
	bool workload_found;/* the workloadRef Deployment was among deployments */
	struct ro_image *images;  /* sorted by image */
	size_t n_images;
	struct ro_replicas replicas;
	char *created;
	char age[32];
	time_t now;         /* the now the model was computed at */
	struct ro_revision *revisions; /* revision descending */
	size_t n_revisions;
};

struct exp_info {
	struct ro_experiment exp;
	struct ro_image *images;  /* sorted by image */
	size_t n_images;
	time_t now;
};

/*
 * Build the `get rollout` model from o (o->rollout must be an object; NULL
 * is returned otherwise). The caller owns the result: rollout_info_free().
 */
struct ro_info *rollout_info_new(const struct ro_objects *o, time_t now);
void rollout_info_free(struct ro_info *ri);

/*
 * Build the `get experiment` model for experiment, with its ReplicaSets,
 * pods and AnalysisRuns taken from o (o->rollout is ignored). NULL when
 * experiment is not an object. Free with rollout_experiment_free().
 */
struct exp_info *rollout_experiment_new(const cJSON *experiment,
				     const struct ro_objects *o, time_t now);
void rollout_experiment_free(struct exp_info *ei);

/*
 * GetRolloutPhase for a bare Rollout object. Returns the phase (static, or
 * borrowed from rollout when status.phase is set). When message is
 * non-NULL, *message receives the message ("" when none), kept in a
 * per-thread buffer: valid until the next rollout_phase() call in the same
 * thread.
 * rollout_phase_r() is the reentrant form: it appends the message to msg.
 */
const char *rollout_phase(const cJSON *rollout, const char **message);
const char *rollout_phase_r(const cJSON *rollout, struct buf *msg);

/* "Canary", "BlueGreen" or "" (static). */
const char *rollout_strategy(const cJSON *rollout);
/* Writes "<index>/<steps>" into out and returns true for a canary with
 * steps and status.currentStepIndex set; false (out = "") otherwise. */
bool rollout_step(const cJSON *rollout, char *out, size_t len);
/* GetCurrentSetWeight: 0 when aborted, maxWeight without a current step,
 * else the last setWeight at or before the current step (0 when none). */
int rollout_set_weight(const cJSON *rollout);

/* Icon (static) for a rollout status, a ReplicaSet status, a pod status,
 * and an analysis phase (AnalysisRun, Experiment, Job). */
const char *rollout_status_icon(const char *status);
const char *rollout_rs_icon(const char *status);
const char *rollout_pod_icon(const char *status);
const char *rollout_analysis_icon(const char *phase);


#endif
