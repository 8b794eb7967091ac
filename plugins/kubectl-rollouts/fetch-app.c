/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fetch-app: the Argo CD Applications that manage a rollout (gitops.h),
 * for the trace in `get rollout -o json|yaml`, `status --revision` and
 * the watch view's header: one LIST of the controller namespace's
 * Applications when the rollout carries the tracking annotation or label
 * (the app and, for an app of apps, the apps above it), none when it
 * does not.
 */
#include <stdlib.h>

#include "fetch.h"
#include "gitops.h"
#include "msg.h"

char *
fetch_applications_path(const cJSON *rollout, const char *ctl_ns)
{
	struct gitops_ref ref;
	if (!rollout || !gitops_ref_init(&ref, rollout, ctl_ns)) {
		return NULL;
	}
	char *p = kube_path("argoproj.io", "v1alpha1", ref.ns, "applications",
			    NULL);
	gitops_ref_release(&ref);
	return p;
}

cJSON *
fetch_applications(struct kube_client *c, const cJSON *rollout,
		   const char *ctl_ns)
{
	char *p = fetch_applications_path(rollout, ctl_ns);
	if (!p) {
		return NULL;
	}
	cJSON *list = NULL, *items = NULL;
	struct pd_err e = { 0 };
	if (kube_list(c, p, NULL, &list, &e) < 0) {
		/* the trace is an addition: the view goes on without it */
		msg_warn("no GitOps trace: %s", e.msg);
	} else {
		items = cJSON_DetachItemFromObject(list, "items");
	}
	cJSON_Delete(list);
	free(p);
	return items;
}
