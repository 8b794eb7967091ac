/* SPDX-License-Identifier: Apache-2.0 */
/*
 * replicasets: the ReplicaSet controller and the kubelet of rollouts-sim's
 * controller (controller.h): a managed ReplicaSet gets or loses pods to
 * match spec.replicas, each pod turns Ready after --pod-ready (or crashes
 * for a crash-image fault), the ReplicaSet's status counts them, and a
 * scale-down deadline annotation scales it to zero when due.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "json.h"
#include "sim.h"
#include "xalloc.h"

/* --------------------------------------------------------------- pods */

static cJSON *
replicasets_new_pod(const cJSON *rs, long long now)
{
	const char *rsname = json_str(rs, "metadata.name");
	const char *ns = json_str(rs, "metadata.namespace");
	static const char alnum[] = "bcdfghjklmnpqrstvwxz2456789";
	char sfx[6];
	char *name = NULL;
	for (int tries = 0; tries < 20; tries++) {
		for (int i = 0; i < 5; i++) {
			sfx[i] = alnum[controller_next_rand() %
				       (sizeof(alnum) - 1)];
		}
		sfx[5] = '\0';
		free(name);
		name = xasprintf("%s-%s", rsname, sfx);
		if (!store_get(controller.pod, ns, name)) {
			break;
		}
	}
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "apiVersion", "v1");
	cJSON_AddStringToObject(p, "kind", "Pod");
	cJSON *md = cJSON_AddObjectToObject(p, "metadata");
	cJSON_AddStringToObject(md, "name", name);
	free(name);
	cJSON_AddStringToObject(md, "namespace", ns);
	char gen[256];
	snprintf(gen, sizeof(gen), "%s-", rsname);
	cJSON_AddStringToObject(md, "generateName", gen);
	const cJSON *labels = json_path(rs, "spec.template.metadata.labels");
	cJSON_AddItemToObject(md, "labels", labels ? cJSON_Duplicate(labels, 1)
						  : cJSON_CreateObject());
	cJSON *ann = cJSON_AddObjectToObject(md, "annotations");
	char ready[32];
	snprintf(ready, sizeof(ready), "%lld",
		 now + clock_scaled(controller.opts.pod_ready_ms));
	cJSON_AddStringToObject(ann, CONTROLLER_ANN_READY, ready);
	cJSON_AddItemToObject(
		md, "ownerReferences",
		controller_owner_ref(rs, "apps/v1", "ReplicaSet"));
	const cJSON *spec = json_path(rs, "spec.template.spec");
	cJSON_AddItemToObject(p, "spec", spec ? cJSON_Duplicate(spec, 1)
					      : cJSON_CreateObject());
	cJSON *st = cJSON_AddObjectToObject(p, "status");
	cJSON_AddStringToObject(st, "phase", "Pending");
	controller_wake_at(now + clock_scaled(controller.opts.pod_ready_ms));
	return p;
}

/* A pending pod whose time has come becomes Running and Ready. */
static void
replicasets_pod_start(struct sim_obj *o)
{
	const char *phase = json_str(o->json, "status.phase");
	if (phase && strcmp(phase, "Pending") != 0) {
		return;
	}
	const char *ra = controller_annotation(o->json, CONTROLLER_ANN_READY);
	if (!ra) {
		return; /* a fixture's pod: left as it is */
	}
	long long at = strtoll(ra, NULL, 10);
	if (controller.now < at) {
		controller_wake_at(at);
		return;
	}
	cJSON *p = cJSON_Duplicate(o->json, 1);
	char ts[32];
	controller_ts(controller.now, ts);
	const cJSON *c0 =
		cJSON_GetArrayItem(json_path(p, "spec.containers"), 0);
	bool crash = faults_crashes(json_str(c0, "image"));
	cJSON *st = cJSON_CreateObject();
	cJSON_AddStringToObject(st, "phase", "Running");
	if (crash) {
		/* the container starts, fails and backs off, for ever */
		cJSON *conds = cJSON_AddArrayToObject(st, "conditions");
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "type", "Ready");
		cJSON_AddStringToObject(c, "status", "False");
		cJSON_AddStringToObject(c, "reason", "ContainersNotReady");
		cJSON_AddStringToObject(c, "lastTransitionTime", ts);
		cJSON_AddItemToArray(conds, c);
		cJSON_AddStringToObject(st, "startTime", ts);
		cJSON *cs = cJSON_AddArrayToObject(st, "containerStatuses");
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "name", json_str(c0, "name") ?
					json_str(c0, "name") : "");
		cJSON_AddStringToObject(x, "image", json_str(c0, "image"));
		cJSON_AddFalseToObject(x, "ready");
		cJSON_AddNumberToObject(x, "restartCount", 3);
		cJSON_AddFalseToObject(x, "started");
		cJSON *w = cJSON_AddObjectToObject(cJSON_AddObjectToObject(x,
						   "state"), "waiting");
		cJSON_AddStringToObject(w, "reason", "CrashLoopBackOff");
		cJSON_AddStringToObject(w, "message", "back-off 40s restarting "
					"failed container");
		cJSON_AddItemToArray(cs, x);
		json_set_item(p, "status", st);
		controller_put(controller.pod, p, o->json);
		return;
	}
	cJSON *conds = cJSON_AddArrayToObject(st, "conditions");
	const char *types[] = { "Initialized", "Ready", "ContainersReady",
				"PodScheduled" };
	for (int i = 0; i < 4; i++) {
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "type", types[i]);
		cJSON_AddStringToObject(c, "status", "True");
		cJSON_AddStringToObject(c, "lastTransitionTime", ts);
		cJSON_AddItemToArray(conds, c);
	}
	char ip[32];
	unsigned n = controller_next_rand();
	snprintf(ip, sizeof(ip), "10.244.%u.%u", (n >> 8) % 250, n % 250 + 2);
	cJSON_AddStringToObject(st, "podIP", ip);
	cJSON_AddStringToObject(st, "startTime", ts);
	cJSON *cs = cJSON_AddArrayToObject(st, "containerStatuses");
	const cJSON *ctrs = json_path(p, "spec.containers");
	for (const cJSON *c = ctrs ? ctrs->child : NULL; c; c = c->next) {
		cJSON *s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "name", json_str(c, "name") ?
					json_str(c, "name") : "");
		cJSON_AddStringToObject(s, "image", json_str(c, "image") ?
					json_str(c, "image") : "");
		cJSON_AddTrueToObject(s, "ready");
		cJSON_AddNumberToObject(s, "restartCount", 0);
		cJSON_AddTrueToObject(s, "started");
		cJSON *state = cJSON_AddObjectToObject(s, "state");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(state,
					"running"), "startedAt", ts);
		cJSON_AddItemToArray(cs, s);
	}
	json_set_item(p, "status", st);
	controller_put(controller.pod, p, o->json);
}

bool
replicasets_pod_ready(const cJSON *pod)
{
	const cJSON *conds = json_path(pod, "status.conditions");
	for (const cJSON *c = conds ? conds->child : NULL; c; c = c->next) {
		const char *t = json_str(c, "type");
		const char *s = json_str(c, "status");
		if (t && s && strcmp(t, "Ready") == 0) {
			return strcmp(s, "True") == 0;
		}
	}
	return false;
}

/* --------------------------------------------------------- ReplicaSets */

bool
replicasets_managed(const cJSON *rs)
{
	const cJSON *refs = json_path(rs, "metadata.ownerReferences");
	for (const cJSON *r = refs ? refs->child : NULL; r; r = r->next) {
		const char *k = json_str(r, "kind");
		if (k && (strcmp(k, "Rollout") == 0 ||
			  strcmp(k, "Experiment") == 0)) {
			return true;
		}
	}
	return false;
}

/* Argo's ScalingReplicaSet event on the owning Rollout. */
static void
replicasets_scaled_event(const cJSON *rs, long from, long to)
{
	const cJSON *refs = json_path(rs, "metadata.ownerReferences");
	for (const cJSON *r = refs ? refs->child : NULL; r; r = r->next) {
		const char *kind = json_str(r, "kind");
		if (!kind || strcmp(kind, "Rollout") != 0) {
			continue;
		}
		struct sim_obj *ro = controller_find(controller.ro,
			json_str(rs, "metadata.namespace"), json_str(r, "name"));
		const char *rev = controller_annotation(rs,
						CONTROLLER_ANN_REVISION);
		if (ro) {
			events_record(ro->json, "Normal", "ScalingReplicaSet",
				      "Scaled %s ReplicaSet %s (revision %s) "
				      "from %ld to %ld",
				      to > from ? "up" : "down",
				      json_str(rs, "metadata.name"),
				      rev ? rev : "0", from, to);
		}
	}
}

/* Pods, readiness and status of one ReplicaSet; the scale-down deadline. */
void
replicasets_reconcile(struct sim_obj *o)
{
	char *ns = xstrdup(o->ns), *name = xstrdup(o->name);
	const char *dl =
		controller_annotation(o->json, CONTROLLER_ANN_DEADLINE);
	if (dl) {
		long long at = clock_parse_rfc3339(dl);
		if (controller.now >= at) {
			cJSON *next = cJSON_Duplicate(o->json, 1);
			long cur = controller_int(next, "spec.replicas", 1);
			if (cur != 0) {
				replicasets_scaled_event(o->json, cur, 0);
			}
			json_set_num(json_obj_ensure(next, "spec"), "replicas",
				     0);
			controller_set_annotation(next, CONTROLLER_ANN_DEADLINE,
						  NULL);
			controller_put(controller.rs, next, o->json);
		} else {
			controller_wake_at(at);
		}
	}
	o = store_get(controller.rs, ns, name);
	if (!o) {
		goto out;
	}
	char *uid = xstrdup(json_str(o->json, "metadata.uid"));
	long want = controller_int(o->json, "spec.replicas", 1);
	size_t n;
	struct sim_obj **pods = store_list(controller.pod, ns, &n);
	long have = 0;
	for (size_t i = 0; i < n; i++) {
		if (store_owned_by(pods[i]->json, uid)) {
			have++;
		}
	}
	/* too many: delete the newest first */
	for (size_t i = n; i-- > 0 && have > want;) {
		if (store_owned_by(pods[i]->json, uid)) {
			store_delete(pods[i]);
			controller.changed = true;
			have--;
		}
	}
	free(pods);
	o = store_get(controller.rs, ns, name);
	while (o && have < want) {
		controller_create(controller.pod, ns,
				  replicasets_new_pod(o->json, controller.now));
		have++;
		o = store_get(controller.rs, ns, name);
	}
	pods = store_list(controller.pod, ns, &n);
	long ready = 0, total = 0;
	for (size_t i = 0; i < n; i++) {
		if (!store_owned_by(pods[i]->json, uid)) {
			continue;
		}
		char *pn = xstrdup(pods[i]->name);
		replicasets_pod_start(pods[i]);
		struct sim_obj *p = store_get(controller.pod, ns, pn);
		free(pn);
		total++;
		ready += p && replicasets_pod_ready(p->json);
	}
	free(pods);
	o = store_get(controller.rs, ns, name);
	if (o) {
		cJSON *next = cJSON_Duplicate(o->json, 1);
		cJSON *st = json_obj_ensure(next, "status");
		json_set_num(st, "replicas", (double)total);
		json_set_num(st, "fullyLabeledReplicas", (double)total);
		json_set_num(st, "readyReplicas", (double)ready);
		json_set_num(st, "availableReplicas", (double)ready);
		json_set_num(st, "observedGeneration",
			     json_num(next, "metadata.generation", 1));
		controller_put(controller.rs, next, o->json);
	}
	free(uid);
out:
	free(ns);
	free(name);
}

/* Set a ReplicaSet's replicas now, or at now + delay (the
 * scale-down-deadline annotation) when scaling down with a delay. */
void
replicasets_scale(struct sim_obj *rs, long want, long long delay_ms)
{
	if (!rs) {
		return;
	}
	cJSON *next = cJSON_Duplicate(rs->json, 1);
	long cur = controller_int(next, "spec.replicas", 1);
	const char *dl = controller_annotation(next, CONTROLLER_ANN_DEADLINE);
	if (want < cur && delay_ms > 0 && want == 0) {
		if (!dl) {
			char ts[32];
			controller_ts(controller.now + delay_ms, ts);
			controller_set_annotation(next, CONTROLLER_ANN_DEADLINE,
						  ts);
			controller_wake_at(controller.now + delay_ms);
		}
	} else {
		if (dl) {
			controller_set_annotation(next, CONTROLLER_ANN_DEADLINE,
						  NULL);
		}
		json_set_num(json_obj_ensure(next, "spec"), "replicas",
			     (double)want);
		if (want != cur) {
			replicasets_scaled_event(rs->json, cur, want);
		}
	}
	controller_put(controller.rs, next, rs->json);
}

long
replicasets_available(const struct sim_obj *rs)
{
	return rs ? controller_int(rs->json, "status.availableReplicas", 0) : 0;
}
