/* SPDX-License-Identifier: Apache-2.0 */
/*
 * argocd-health: Argo CD's built-in health checks for the kinds the
 * simulator runs (gitops-engine's Go checks for Deployment, ReplicaSet,
 * Service, Ingress, PersistentVolumeClaim, Pod and HorizontalPodAutoscaler;
 * the Lua checks argo-cd ships for argoproj.io Rollout and AnalysisRun),
 * with their messages. Kinds without a check (VirtualService, ConfigMap,
 * AnalysisTemplate, Application since Argo CD 1.8, ...) have no health.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argocd.h"
#include "json.h"

static const char *const argocd_health_order[] = {
	"Healthy", "Suspended", "Progressing", "Missing", "Degraded",
	"Unknown",
};

int
argocd_health_rank(const char *status)
{
	for (int i = 0; i < 6; i++) {
		if (status && strcmp(status, argocd_health_order[i]) == 0) {
			return i;
		}
	}
	return 5;
}

static const char *
argocd_health_condition(const cJSON *obj, const char *type, const char **reason,
		 const char **message)
{
	const cJSON *conds = json_path(obj, "status.conditions");
	for (const cJSON *c = conds ? conds->child : NULL; c; c = c->next) {
		const char *t = json_str(c, "type");
		if (t && strcmp(t, type) == 0) {
			if (reason) {
				*reason = json_str(c, "reason");
			}
			if (message) {
				*message = json_str(c, "message");
			}
			return json_str(c, "status");
		}
	}
	return NULL;
}

static const char *
argocd_health_deployment(const cJSON *o, struct buf *msg)
{
	if (json_bool(o, "spec.paused", false)) {
		buf_adds(msg, "Deployment is paused");
		return "Suspended";
	}
	double gen = json_num(o, "metadata.generation", 0);
	double og = json_num(o, "status.observedGeneration", 0);
	if (gen > og) {
		buf_adds(msg, "Waiting for rollout to finish: observed "
			 "deployment generation less than desired generation");
		return "Progressing";
	}
	const char *reason = NULL;
	argocd_health_condition(o, "Progressing", &reason, NULL);
	if (reason && strcmp(reason, "ProgressDeadlineExceeded") == 0) {
		buf_addf(msg, "Deployment \"%s\" exceeded its progress "
			 "deadline", json_str(o, "metadata.name"));
		return "Degraded";
	}
	long want = (long)json_num(o, "spec.replicas", 1);
	long upd = (long)json_num(o, "status.updatedReplicas", 0);
	long cur = (long)json_num(o, "status.replicas", 0);
	long avail = (long)json_num(o, "status.availableReplicas", 0);
	if (upd < want) {
		buf_addf(msg, "Waiting for rollout to finish: %ld out of %ld "
			 "new replicas have been updated...", upd, want);
		return "Progressing";
	}
	if (cur > upd) {
		buf_addf(msg, "Waiting for rollout to finish: %ld old "
			 "replicas are pending termination...", cur - upd);
		return "Progressing";
	}
	if (avail < upd) {
		buf_addf(msg, "Waiting for rollout to finish: %ld of %ld "
			 "updated replicas are available...", avail, upd);
		return "Progressing";
	}
	return "Healthy";
}

static const char *
argocd_health_replicaset(const cJSON *o, struct buf *msg)
{
	double gen = json_num(o, "metadata.generation", 0);
	double og = json_num(o, "status.observedGeneration", 0);
	if (gen > og) {
		buf_adds(msg, "Waiting for rollout to finish: observed "
			 "replica set generation less than desired "
			 "generation");
		return "Progressing";
	}
	const char *m = NULL;
	const char *st = argocd_health_condition(o, "ReplicaFailure", NULL, &m);
	if (st && strcmp(st, "True") == 0) {
		buf_adds(msg, m ? m : "");
		return "Degraded";
	}
	long want = (long)json_num(o, "spec.replicas", 1);
	long avail = (long)json_num(o, "status.availableReplicas", 0);
	if (avail < want) {
		buf_addf(msg, "Waiting for rollout to finish: %ld out of %ld "
			 "new replicas are available...", avail, want);
		return "Progressing";
	}
	return "Healthy";
}

static const char *
argocd_health_pod(const cJSON *o, struct buf *msg)
{
	const char *policy = json_str(o, "spec.restartPolicy");
	bool always = !policy || strcmp(policy, "Always") == 0;
	const cJSON *cs = json_path(o, "status.containerStatuses");
	if (always) {
		bool bad = false;
		for (const cJSON *c = cs ? cs->child : NULL; c; c = c->next) {
			const char *r = json_str(c, "state.waiting.reason");
			size_t n = r ? strlen(r) : 0;
			if (r && (strncmp(r, "Err", 3) == 0 ||
				  (n >= 5 && strcmp(r + n - 5, "Error") == 0) ||
				  (n >= 7 &&
				   strcmp(r + n - 7, "BackOff") == 0))) {
				const char *m = json_str(c,
							 "state.waiting.message");
				buf_addf(msg, "%s%s", bad ? ", " : "",
					 m ? m : "");
				bad = true;
			}
		}
		if (bad) {
			return "Degraded";
		}
	}
	const char *phase = json_str(o, "status.phase");
	const char *pm = json_str(o, "status.message");
	buf_adds(msg, pm ? pm : "");
	if (!phase || strcmp(phase, "Pending") == 0) {
		return "Progressing";
	}
	if (strcmp(phase, "Succeeded") == 0) {
		return "Healthy";
	}
	if (strcmp(phase, "Failed") == 0) {
		return "Degraded";
	}
	if (strcmp(phase, "Running") == 0) {
		if (!always) {
			return "Progressing";
		}
		const char *ready = argocd_health_condition(o, "Ready", NULL, NULL);
		if (ready && strcmp(ready, "True") == 0) {
			return "Healthy";
		}
		for (const cJSON *c = cs ? cs->child : NULL; c; c = c->next) {
			if (json_path(c, "lastState.terminated")) {
				return "Degraded";
			}
		}
		return "Progressing";
	}
	return "Unknown";
}

static const char *
argocd_health_hpa(const cJSON *o, struct buf *msg)
{
	static const char *const degraded[] = {
		"FailedGetScale", "FailedUpdateScale",
		"FailedGetResourceMetric", "FailedGetObjectMetric",
		"FailedGetPodsMetric", "FailedGetExternalMetric",
		"FailedComputeMetricsReplicas", "InvalidSelector",
	};
	const cJSON *conds = json_path(o, "status.conditions");
	bool healthy = false;
	for (const cJSON *c = conds ? conds->child : NULL; c; c = c->next) {
		const char *t = json_str(c, "type");
		const char *r = json_str(c, "reason");
		const char *s = json_str(c, "status");
		for (size_t i = 0; r && i < sizeof(degraded) / sizeof(*degraded);
		     i++) {
			if (strcmp(r, degraded[i]) == 0) {
				const char *m = json_str(c, "message");
				buf_adds(msg, m ? m : "");
				return "Degraded";
			}
		}
		if (t && s && strcmp(s, "True") == 0 &&
		    (strcmp(t, "AbleToScale") == 0 ||
		     strcmp(t, "ScalingLimited") == 0)) {
			healthy = true;
		}
	}
	if (healthy) {
		return "Healthy";
	}
	buf_adds(msg, "Waiting to Autoscale");
	return "Progressing";
}

/* resource_customizations/argoproj.io/Rollout/health.lua, rule by rule. */
static const char *
argocd_health_rollout(const cJSON *o, struct buf *msg)
{
	const cJSON *st = cJSON_GetObjectItem(o, "status");
	const cJSON *og = cJSON_GetObjectItem(st, "observedGeneration");
	double gen = json_num(o, "metadata.generation", 0);
	bool observed = st != NULL;
	if (observed && og) {
		double ogv = -1;
		if (cJSON_IsNumber(og)) {
			ogv = og->valuedouble;
		} else if (cJSON_IsString(og)) {
			char *e;
			ogv = strtod(og->valuestring, &e);
			if (*e || !*og->valuestring) {
				ogv = -1;
			}
		}
		observed = ogv < 0 || ogv > gen || ogv == gen;
	}
	if (observed && json_path(o, "spec.workloadRef")) {
		const cJSON *ann = json_path(o, "metadata.annotations");
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(
			ann, "rollout.argoproj.io/workload-generation");
		if (ann) {
			double a = cJSON_IsString(w) ? strtod(w->valuestring,
							      NULL)
					: -1;
			double b = json_num(st, "workloadObservedGeneration",
					    -2);
			const char *bs = json_str(st,
						  "workloadObservedGeneration");
			if (bs) {
				b = strtod(bs, NULL);
			}
			observed = a == b;
		}
	}
	if (!observed) {
		buf_adds(msg, "Waiting for rollout spec update to be observed");
		return "Progressing";
	}
	const char *phase = json_str(st, "phase");
	if (phase) {
		const char *m = json_str(st, "message");
		buf_adds(msg, m ? m : "");
		if (strcmp(phase, "Paused") == 0) {
			return "Suspended";
		}
		if (strcmp(phase, "Healthy") == 0) {
			return "Healthy";
		}
		if (strcmp(phase, "Progressing") == 0) {
			return "Progressing";
		}
		if (strcmp(phase, "Degraded") == 0) {
			return "Degraded";
		}
		return "Unknown";
	}
	const cJSON *conds = cJSON_GetObjectItem(st, "conditions");
	for (const cJSON *c = conds ? conds->child : NULL; c; c = c->next) {
		const char *t = json_str(c, "type");
		const char *r = json_str(c, "reason");
		if ((t && strcmp(t, "InvalidSpec") == 0) ||
		    (t && r && strcmp(t, "Progressing") == 0 &&
		     (strcmp(r, "RolloutAborted") == 0 ||
		      strcmp(r, "ProgressDeadlineExceeded") == 0))) {
			const char *m = json_str(c, "message");
			buf_adds(msg, m ? m : "");
			return "Degraded";
		}
	}
	const cJSON *pc = cJSON_GetObjectItem(st, "pauseConditions");
	if ((cJSON_IsArray(pc) && pc->child) ||
	    json_bool(o, "spec.paused", false)) {
		buf_adds(msg, "Rollout is paused");
		return "Suspended";
	}
	const char *hash = json_str(st, "currentPodHash");
	if (!hash) {
		buf_adds(msg, "Waiting for rollout to finish: status has not "
			 "been reconciled.");
		return "Progressing";
	}
	double want = json_num(o, "spec.replicas", 1);
	double cur = json_num(st, "replicas", 0);
	double upd = json_num(st, "updatedReplicas", 0);
	double avail = json_num(st, "availableReplicas", 0);
	if (upd < want) {
		buf_adds(msg, "Waiting for roll out to finish: More replicas "
			 "need to be updated");
		return "Progressing";
	}
	if (avail < upd) {
		buf_adds(msg, "Waiting for roll out to finish: updated "
			 "replicas are still becoming available");
		return "Progressing";
	}
	const char *stable = json_str(st, "stableRS");
	if (!stable) {
		stable = json_str(st, "canary.stableRS");
	}
	if (!stable) {
		stable = "";
	}
	if (json_path(o, "spec.strategy.blueGreen")) {
		const char *as = json_str(st, "blueGreen.activeSelector");
		if (!as || strcmp(as, hash) != 0) {
			buf_adds(msg, "active service cutover pending");
			return "Progressing";
		}
		if (*stable && strcmp(stable, hash) != 0) {
			buf_adds(msg, "waiting for analysis to complete");
			return "Progressing";
		}
	} else if (json_path(o, "spec.strategy.canary")) {
		if (cur > upd) {
			buf_adds(msg, "Waiting for roll out to finish: old "
				 "replicas are pending termination");
			return "Progressing";
		}
		if (!*stable || strcmp(stable, hash) != 0) {
			buf_adds(msg, "Waiting for rollout to finish steps");
			return "Progressing";
		}
	}
	return "Healthy";
}

static const char *
argocd_health_analysisrun(const cJSON *o, struct buf *msg)
{
	const char *phase = json_str(o, "status.phase");
	const char *m = json_str(o, "status.message");
	if (!phase) {
		buf_adds(msg, "Waiting for analysis run to finish: status has "
			 "not been reconciled.");
		return "Progressing";
	}
	if (strcmp(phase, "Pending") == 0 || strcmp(phase, "Running") == 0) {
		buf_adds(msg, "Analysis run is running");
		return "Progressing";
	}
	if (strcmp(phase, "Successful") == 0) {
		buf_adds(msg, m ? m : "Analysis run completed successfully");
		return "Healthy";
	}
	if (strcmp(phase, "Failed") == 0) {
		buf_adds(msg, m ? m : "Analysis run failed");
		return "Degraded";
	}
	if (strcmp(phase, "Error") == 0) {
		buf_adds(msg, m ? m : "Analysis run had an error");
		return "Degraded";
	}
	buf_adds(msg, m ? m : "Analysis run was inconclusive");
	return "Unknown";
}

bool
argocd_health(const char *group, const char *kind, const cJSON *obj,
	      const char **status, struct buf *msg)
{
	const char *g = group ? group : "";
	const char *s = NULL;
	if (json_path(obj, "metadata.deletionTimestamp")) {
		buf_adds(msg, "Pending deletion");
		*status = "Progressing";
		return true;
	}
	if (strcmp(g, "apps") == 0 && strcmp(kind, "Deployment") == 0) {
		s = argocd_health_deployment(obj, msg);
	} else if (strcmp(g, "apps") == 0 && strcmp(kind, "ReplicaSet") == 0) {
		s = argocd_health_replicaset(obj, msg);
	} else if (!*g && strcmp(kind, "Service") == 0) {
		const char *type = json_str(obj, "spec.type");
		const cJSON *ing = json_path(obj,
					     "status.loadBalancer.ingress");
		s = type && strcmp(type, "LoadBalancer") == 0 &&
				    !(cJSON_IsArray(ing) && ing->child)
			    ? "Progressing"
			    : "Healthy";
	} else if (strcmp(g, "networking.k8s.io") == 0 &&
		   strcmp(kind, "Ingress") == 0) {
		const cJSON *ing = json_path(obj,
					     "status.loadBalancer.ingress");
		s = cJSON_IsArray(ing) && ing->child ? "Healthy"
						     : "Progressing";
	} else if (!*g && strcmp(kind, "PersistentVolumeClaim") == 0) {
		const char *p = json_str(obj, "status.phase");
		s = !p ? "Unknown" : strcmp(p, "Bound") == 0 ? "Healthy"
			: strcmp(p, "Pending") == 0	  ? "Progressing"
			: strcmp(p, "Lost") == 0	  ? "Degraded"
							  : "Unknown";
	} else if (!*g && strcmp(kind, "Pod") == 0) {
		s = argocd_health_pod(obj, msg);
	} else if (strcmp(g, "autoscaling") == 0 &&
		   strcmp(kind, "HorizontalPodAutoscaler") == 0) {
		s = argocd_health_hpa(obj, msg);
	} else if (strcmp(g, "argoproj.io") == 0 &&
		   strcmp(kind, "Rollout") == 0) {
		s = argocd_health_rollout(obj, msg);
	} else if (strcmp(g, "argoproj.io") == 0 &&
		   strcmp(kind, "AnalysisRun") == 0) {
		s = argocd_health_analysisrun(obj, msg);
	}
	if (!s) {
		return false;
	}
	*status = s;
	return true;
}
