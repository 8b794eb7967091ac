/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hpa: the part of the HorizontalPodAutoscaler controller that others
 * read: its status (current and desired replicas, from the scale target's
 * replicas within minReplicas..maxReplicas) and its conditions AbleToScale,
 * ScalingActive and ScalingLimited, in status.conditions for autoscaling/v2
 * and in the autoscaling.alpha.kubernetes.io/conditions annotation for
 * autoscaling/v1, as kube-controller-manager writes them. Argo CD's HPA
 * health check reads them (without them an app stays Progressing "Waiting
 * to Autoscale"). No metrics are simulated, so the HPA never rescales its
 * target.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "json.h"
#include "xalloc.h"

#define HPA_ANN_CONDITIONS "autoscaling.alpha.kubernetes.io/conditions"

static cJSON *
hpa_condition(const char *type, const char *status, const char *reason,
	      const char *message, const char *ts)
{
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddStringToObject(c, "status", status);
	cJSON_AddStringToObject(c, "lastTransitionTime", ts);
	cJSON_AddStringToObject(c, "reason", reason);
	cJSON_AddStringToObject(c, "message", message);
	return c;
}

void
hpa_reconcile(struct sim_obj *o)
{
	const cJSON *hpa = o->json;
	const char *av = json_str(hpa, "apiVersion");
	bool v1 = av && strcmp(av, "autoscaling/v1") == 0;
	/* the target's replicas */
	long cur = 0;
	const char *tav = json_str(hpa, "spec.scaleTargetRef.apiVersion");
	const char *tk = json_str(hpa, "spec.scaleTargetRef.kind");
	const char *tn = json_str(hpa, "spec.scaleTargetRef.name");
	struct sim_resource *tr = tav && tk ? registry_find_kind(tav, tk, false)
					    : NULL;
	struct sim_obj *t = tr && tn ? store_get(tr, o->ns, tn) : NULL;
	if (t) {
		cur = controller_int(t->json, "status.replicas",
				     controller_int(t->json, "spec.replicas",
						    1));
	}
	long lo = controller_int(hpa, "spec.minReplicas", 1);
	long hi = controller_int(hpa, "spec.maxReplicas", lo);
	long want = cur < lo ? lo : cur > hi ? hi : cur;
	cJSON *next = cJSON_Duplicate(hpa, 1);
	cJSON *st = json_obj_ensure(next, "status");
	json_set_num(st, "currentReplicas", (double)cur);
	json_set_num(st, "desiredReplicas", (double)want);
	/* conditions keep their transition time while they hold */
	const cJSON *old = json_path(hpa, "status.conditions");
	const char *oldann = controller_annotation(hpa, HPA_ANN_CONDITIONS);
	cJSON *parsed = oldann ? cJSON_Parse(oldann) : NULL;
	const char *ts0 = json_str(v1 ? (parsed ? parsed->child : NULL)
				      : (old ? old->child : NULL),
				   "lastTransitionTime");
	char ts[32];
	controller_ts(controller.now, ts);
	const char *when = ts0 ? ts0 : ts;
	cJSON *conds = cJSON_CreateArray();
	cJSON_AddItemToArray(conds, hpa_condition("AbleToScale", "True",
		"ReadyForNewScale", "recommended size matches current size",
		when));
	cJSON_AddItemToArray(conds, hpa_condition("ScalingActive", "True",
		"ValidMetricFound", "the HPA was able to successfully calculate "
		"a replica count from cpu resource utilization (percentage of "
		"request)", when));
	cJSON_AddItemToArray(conds, hpa_condition("ScalingLimited", "False",
		"DesiredWithinRange", "the desired count is within the "
		"acceptable range", when));
	if (v1) {
		char *text = cJSON_PrintUnformatted(conds);
		controller_set_annotation(next, HPA_ANN_CONDITIONS, text);
		free(text);
		cJSON_Delete(conds);
	} else {
		json_set_item(st, "conditions", conds);
	}
	cJSON_Delete(parsed);
	controller_put(o->res, next, hpa);
}
