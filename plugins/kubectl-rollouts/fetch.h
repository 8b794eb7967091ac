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
#include "kube.h"

enum { FETCH_RS, FETCH_PODS, FETCH_DEPLOY };

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
/* labelSelector=... (URL-encoded) for a LabelSelector, or NULL. */
char *fetch_selector_query(const cJSON *selector);

#endif
