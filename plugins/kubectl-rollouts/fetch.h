/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fetch: the requests behind `get rollout`, `get experiment` and `status`
 * (see fetch.c for the plan). struct fetch_set owns every cJSON tree in it;
 * fetch_release() frees them (safe on a zeroed struct).
 */
#ifndef KR_FETCH_H
#define KR_FETCH_H

#include <cjson/cJSON.h>

#include "err.h"
#include "informer.h"
#include "kube.h"

enum { FETCH_RS, FETCH_PODS, FETCH_DEPLOY, FETCH_AR };

struct fetch_set {
	cJSON *rollout;       /* the object (get rollout, status) */
	cJSON *experiment;    /* the object (get experiment) */
	cJSON *replicasets;   /* arrays of objects */
	cJSON *pods;
	cJSON *analysisruns;
	cJSON *experiments;
	cJSON *deployments;
};

/* Exactly one of rollout and experiment is non-NULL. 0, or a negative
 * PD_E* with e filled (the first failure: not found, forbidden, ...). */
int fetch_run(struct kube_client *c, const char *ns, const char *rollout,
	      const char *experiment, struct fetch_set *fs, struct pd_err *e);
void fetch_release(struct fetch_set *fs);
/*
 * The same collections kept up to date by informers, for -w and status:
 * the object itself (by name), the namespace's AnalysisRuns and
 * Experiments, and ReplicaSets and Pods by the rollout's selector (the
 * namespace's when the view is an experiment's or the rollout runs
 * experiments, whose pods do not carry it). first is the rollout of the
 * first fetch (NULL for an experiment view). Run fw->infs with
 * informer_run; fetch_watch_release() frees them.
 */
struct fetch_watch {
	struct informer *infs[5];
	size_t n;
	const char *name;    /* borrowed */
	bool is_rollout;
};
void fetch_watch_init(struct fetch_watch *fw, struct kube_client *c,
		      const char *ns, const char *name, bool is_rollout,
		      const cJSON *first);
/* The current contents as a fetch_set of borrowed arrays (valid until
 * the next informer run step); false when the object is gone. */
bool fetch_watch_view(const struct fetch_watch *fw, struct fetch_set *fs);
void fetch_watch_release(struct fetch_watch *fw);

/*
 * The Argo CD Applications that may manage rollout (gitops.h): the path
 * of the collection its tracking annotation or label points into
 * (malloc()ed), or NULL when the rollout is untracked. ctl_ns is Argo
 * CD's namespace (NULL: argocd). fetch_applications() LISTs it: the items
 * (an array the caller owns; gitops_chain() finds the managing apps in
 * it), or NULL when untracked or unreadable (then a warning says why: the
 * trace is an addition, never a failure).
 */
char *fetch_applications_path(const cJSON *rollout, const char *ctl_ns);
cJSON *fetch_applications(struct kube_client *c, const cJSON *rollout,
			  const char *ctl_ns);

/* labelSelector=... (URL-encoded) for a LabelSelector, or NULL. */
char *fetch_selector_query(const cJSON *selector);

#endif
