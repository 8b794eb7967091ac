/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fetch-app: the Argo CD Application that manages a rollout (gitops.h),
 * for the trace in `get rollout -o json|yaml`, `status --revision` and
 * the watch view's header: one GET when the rollout carries the tracking
 * annotation or label, none when it does not.
 */
#include <stdlib.h>

#include "fetch.h"
#include "gitops.h"
#include "msg.h"

char *
fetch_application_path(const cJSON *rollout, const char *ctl_ns,
		       char **app_name)
{
	struct gitops_ref ref;
	if (!rollout || !gitops_ref_init(&ref, rollout, ctl_ns)) {
		return NULL;
	}
	char *p = kube_path("argoproj.io", "v1alpha1", ref.ns, "applications",
			    app_name ? NULL : ref.app);
	if (app_name) {
		*app_name = ref.app;
		ref.app = NULL;
	}
	gitops_ref_release(&ref);
	return p;
}

cJSON *
fetch_application(struct kube_client *c, const cJSON *rollout,
		  const char *ctl_ns)
{
	char *p = fetch_application_path(rollout, ctl_ns, NULL);
	if (!p) {
		return NULL;
	}
	cJSON *app = NULL;
	struct pd_err e = { 0 };
	if (kube_request(c, "GET", p, NULL, NULL, &app, &e) < 0) {
		/* the trace is an addition: the view goes on without it */
		msg_warn("no GitOps trace: %s", e.msg);
		cJSON_Delete(app);
		app = NULL;
	}
	free(p);
	return app;
}
