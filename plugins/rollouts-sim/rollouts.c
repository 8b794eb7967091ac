/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rollouts: the Rollout controller of rollouts-sim's controller
 * (controller.h): the pod template's ReplicaSet, canary steps (setWeight,
 * pause, analysis, experiment, setCanaryScale), traffic weights on the
 * status and an Istio VirtualService, background analysis, abort and retry,
 * promote and promote --full, pause, restart, blue-green (preview and
 * active services, pre- and post-promotion analysis), conditions, phase and
 * counts, as Argo Rollouts writes them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "json.h"
#include "sim.h"
#include "xalloc.h"
#include "rollout.h"
#include "rollout-validate.h"

/* ------------------------------------------------------------ rollouts */

struct rollouts_state {
	cJSON *ro;              /* the working copy */
	const char *ns, *name, *uid;
	long replicas;
	char hash[16];
	int revision;
	struct sim_obj *new_rs;  /* refreshed after every write
				    (rollouts_refresh) */
	char rsname[256];
	const char *stable;     /* status.stableRS (into ro) */
	bool traffic;           /* canary with trafficRouting */
	char *abort_msg;        /* why a child aborted the rollout, or NULL */
};

/* Conditions, as Argo's SetRolloutCondition: the same status and reason
 * keep the condition (its times); the same status keeps
 * lastTransitionTime. */
static void
rollouts_condition(cJSON *status, const char *type, const char *st,
		   const char *reason, const char *message)
{
	cJSON *conds = cJSON_GetObjectItem(status, "conditions");
	if (!cJSON_IsArray(conds)) {
		conds = cJSON_CreateArray();
		json_set_item(status, "conditions", conds);
	}
	char ts[32];
	controller_ts(controller.now, ts);
	char *transition = xstrdup(ts);
	for (cJSON *c = conds->child; c; c = c->next) {
		const char *t = json_str(c, "type");
		if (!t || strcmp(t, type) != 0) {
			continue;
		}
		const char *cs = json_str(c, "status");
		const char *cr = json_str(c, "reason");
		if (cs && cr && strcmp(cs, st) == 0 &&
		    strcmp(cr, reason) == 0) {
			if (message && json_str(c, "message") &&
			    strcmp(json_str(c, "message"), message) != 0) {
				json_set_str(c, "message", message);
				json_set_str(c, "lastUpdateTime", ts);
			}
			free(transition);
			return;
		}
		if (cs && strcmp(cs, st) == 0 &&
		    json_str(c, "lastTransitionTime")) {
			free(transition);
			transition = xstrdup(json_str(c, "lastTransitionTime"));
		}
		cJSON_DetachItemViaPointer(conds, c);
		cJSON_Delete(c);
		break;
	}
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "lastTransitionTime", transition);
	cJSON_AddStringToObject(c, "lastUpdateTime", ts);
	cJSON_AddStringToObject(c, "message", message ? message : reason);
	cJSON_AddStringToObject(c, "reason", reason);
	cJSON_AddStringToObject(c, "status", st);
	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddItemToArray(conds, c);
	free(transition);
}

/* Record progress: the condition's lastUpdateTime becomes now. */
static void
rollouts_condition_touch(cJSON *status, const char *type)
{
	cJSON *conds = cJSON_GetObjectItem(status, "conditions");
	for (cJSON *c = conds ? conds->child : NULL; c; c = c->next) {
		const char *t = json_str(c, "type");
		if (t && strcmp(t, type) == 0) {
			char ts[32];
			controller_ts(controller.now, ts);
			json_set_str(c, "lastUpdateTime", ts);
		}
	}
}

static const cJSON *
rollouts_condition_get(const cJSON *status, const char *type)
{
	const cJSON *conds = cJSON_GetObjectItem(status, "conditions");
	for (const cJSON *c = conds ? conds->child : NULL; c; c = c->next) {
		const char *t = json_str(c, "type");
		if (t && strcmp(t, type) == 0) {
			return c;
		}
	}
	return NULL;
}

/*
 * Argo's controller validates the spec first (ValidateRollout, the same
 * rules as lint): an invalid one gets the InvalidSpec condition with the
 * first error, "The Rollout "NAME" is invalid: FIELD: BODY", and nothing
 * else happens; a valid one loses the condition. True when invalid.
 */
static bool
rollouts_invalid(const cJSON *ro, cJSON *status, const cJSON *tmpl)
{
	struct rollout_validate_list vl = ROLLOUT_VALIDATE_LIST_INIT;
	struct buf m = BUF_INIT;
	const char *name = json_str(ro, "metadata.name");
	bool bad;

	rollout_validate_spec(ro, -1, &vl);
	bad = vl.n > 0 || !tmpl;
	if (bad) {
		buf_addf(&m, "The Rollout \"%s\" is invalid: ", name ? name : "");
		if (vl.n > 0) {
			rollout_validate_format(&vl.v[0], &m);
		} else {
			/* a workloadRef whose Deployment is missing:
			 * InvalidWorkloadRef() with the lister's error */
			const cJSON *ref = json_path(ro, "spec.workloadRef");
			char *rj = ref ? cJSON_PrintUnformatted(ref) : NULL;
			const char *rn = ref ? json_str(ref, "name") : NULL;
			buf_addf(&m, "spec.workloadRef: Invalid value: %s: "
				 "deployments.apps \"%s\" not found",
				 rj ? rj : "null", rn ? rn : "");
			free(rj);
		}
		rollouts_condition(status, "InvalidSpec", "True", "InvalidSpec",
				   m.buf);
	} else if (rollouts_condition_get(status, "InvalidSpec")) {
		cJSON *conds = cJSON_GetObjectItem(status, "conditions");
		for (cJSON *c = conds->child; c; c = c->next) {
			const char *t = json_str(c, "type");
			if (t && strcmp(t, "InvalidSpec") == 0) {
				cJSON_DetachItemViaPointer(conds, c);
				cJSON_Delete(c);
				break;
			}
		}
	}
	buf_release(&m);
	rollout_validate_list_release(&vl);
	return bad;
}

/* The pod template: spec.template, or the workloadRef Deployment's. */
static const cJSON *
rollouts_template(const cJSON *ro)
{
	const char *wk = json_str(ro, "spec.workloadRef.kind");
	const char *wn = json_str(ro, "spec.workloadRef.name");
	if (wk && wn && strcmp(wk, "Deployment") == 0) {
		struct sim_obj *d =
			controller_find(controller.deploy,
					json_str(ro, "metadata.namespace"), wn);
		return d ? json_path(d->json, "spec.template") : NULL;
	}
	return json_path(ro, "spec.template");
}

/* ReplicaSets the rollout owns, newest revision first. */
static struct sim_obj **
rollouts_rollout_rss(const char *ns, const char *uid, size_t *n)
{
	size_t all;
	struct sim_obj **rss = store_list(controller.rs, ns, &all);
	size_t k = 0;
	for (size_t i = 0; i < all; i++) {
		if (store_owned_by(rss[i]->json, uid)) {
			rss[k++] = rss[i];
		}
	}
	/* insertion sort by revision, descending */
	for (size_t i = 1; i < k; i++) {
		struct sim_obj *x = rss[i];
		long rx = strtol(
			controller_annotation(x->json, CONTROLLER_ANN_REVISION)
				? controller_annotation(x->json,
							CONTROLLER_ANN_REVISION)
				: "0",
			NULL, 10);
		size_t j = i;
		while (j > 0) {
			const char *a = controller_annotation(
				rss[j - 1]->json, CONTROLLER_ANN_REVISION);
			if (strtol(a ? a : "0", NULL, 10) >= rx) {
				break;
			}
			rss[j] = rss[j - 1];
			j--;
		}
		rss[j] = x;
	}
	*n = k;
	return rss;
}

static struct sim_obj *
rollouts_rs_by_hash(struct sim_obj **rss, size_t n, const char *hash)
{
	for (size_t i = 0; hash && i < n; i++) {
		const char *h =
			controller_label(rss[i]->json, CONTROLLER_HASH_LABEL);
		if (h && strcmp(h, hash) == 0) {
			return rss[i];
		}
	}
	return NULL;
}

/* A ReplicaSet whose template equals the rollout's (its hash label aside)
 * is the current one whatever its hash: Argo finds it the same way, and
 * fixtures carry the hashes a real controller computed. */
static void
rollouts_adopt_hash(struct rollouts_state *s, const cJSON *tmpl)
{
	size_t n;
	struct sim_obj **rss = rollouts_rollout_rss(s->ns, s->uid, &n);
	for (size_t i = 0; i < n; i++) {
		const char *h =
			controller_label(rss[i]->json, CONTROLLER_HASH_LABEL);
		const cJSON *t = json_path(rss[i]->json, "spec.template");
		if (!h || !t || strlen(h) >= sizeof(s->hash)) {
			continue;
		}
		cJSON *copy = cJSON_Duplicate(t, 1);
		cJSON *labels = json_path(copy, "metadata.labels");
		cJSON_DeleteItemFromObjectCaseSensitive(labels,
							CONTROLLER_HASH_LABEL);
		bool same = json_equal(copy, tmpl);
		cJSON_Delete(copy);
		if (same) {
			snprintf(s->hash, sizeof(s->hash), "%s", h);
			break;
		}
	}
	free(rss);
}

/* Make sure the ReplicaSet of the current template exists and carries the
 * newest revision (an undo re-uses an old one and bumps its revision). */
static void
rollouts_ensure_new_rs(struct rollouts_state *s, const cJSON *tmpl, bool first)
{
	size_t n;
	struct sim_obj **rss = rollouts_rollout_rss(s->ns, s->uid, &n);
	long maxrev = 0;
	for (size_t i = 0; i < n; i++) {
		const char *a = controller_annotation(rss[i]->json,
						      CONTROLLER_ANN_REVISION);
		long r = strtol(a ? a : "0", NULL, 10);
		maxrev = r > maxrev ? r : maxrev;
	}
	struct sim_obj *rs = rollouts_rs_by_hash(rss, n, s->hash);
	free(rss);
	if (rs) {
		char *rsname = xstrdup(rs->name);
		const char *a = controller_annotation(rs->json,
						      CONTROLLER_ANN_REVISION);
		long r = strtol(a ? a : "0", NULL, 10);
		if (r < maxrev) {
			/* an older template is back (undo): it becomes the
			 * newest revision */
			cJSON *next = cJSON_Duplicate(rs->json, 1);
			char rev[24];
			snprintf(rev, sizeof(rev), "%ld", maxrev + 1);
			controller_set_annotation(next, CONTROLLER_ANN_REVISION,
						  rev);
			controller_put(controller.rs, next, rs->json);
		}
		snprintf(s->rsname, sizeof(s->rsname), "%s", rsname);
		s->new_rs = store_get(controller.rs, s->ns, rsname);
		free(rsname);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "apiVersion", "apps/v1");
	cJSON_AddStringToObject(o, "kind", "ReplicaSet");
	cJSON *md = cJSON_AddObjectToObject(o, "metadata");
	char *name = xasprintf("%s-%s", s->name, s->hash);
	cJSON_AddStringToObject(md, "name", name);
	cJSON_AddStringToObject(md, "namespace", s->ns);
	cJSON *t = tmpl ? cJSON_Duplicate(tmpl, 1) : cJSON_CreateObject();
	cJSON *tl = json_obj_ensure(json_obj_ensure(t, "metadata"), "labels");
	json_set_str(tl, CONTROLLER_HASH_LABEL, s->hash);
	cJSON_AddItemToObject(md, "labels", cJSON_Duplicate(tl, 1));
	cJSON *ann = cJSON_AddObjectToObject(md, "annotations");
	char rev[24], des[24];
	snprintf(rev, sizeof(rev), "%ld", maxrev + 1);
	snprintf(des, sizeof(des), "%ld", s->replicas);
	cJSON_AddStringToObject(ann, "rollout.argoproj.io/desired-replicas",
				des);
	cJSON_AddStringToObject(ann, CONTROLLER_ANN_REVISION, rev);
	cJSON_AddItemToObject(
		md, "ownerReferences",
		controller_owner_ref(s->ro, "argoproj.io/v1alpha1", "Rollout"));
	cJSON *spec = cJSON_AddObjectToObject(o, "spec");
	cJSON_AddNumberToObject(spec, "replicas", first ? (double)s->replicas
							: 0);
	cJSON *sel = cJSON_AddObjectToObject(spec, "selector");
	const cJSON *ml = json_path(s->ro, "spec.selector.matchLabels");
	cJSON *nml = ml ? cJSON_Duplicate(ml, 1) : cJSON_CreateObject();
	json_set_str(nml, CONTROLLER_HASH_LABEL, s->hash);
	cJSON_AddItemToObject(sel, "matchLabels", nml);
	cJSON_AddItemToObject(spec, "template", t);
	cJSON_AddNumberToObject(cJSON_AddObjectToObject(o, "status"),
				"replicas", 0);
	controller_create(controller.rs, s->ns, o);
	events_record(s->ro, "Normal", "NewReplicaSetCreated",
		      "Created ReplicaSet %s (revision %ld)", name, maxrev + 1);
	snprintf(s->rsname, sizeof(s->rsname), "%s", name);
	s->new_rs = store_get(controller.rs, s->ns, name);
	free(name);
}

/* Writes replace store objects: look the new ReplicaSet up again. */
static void
rollouts_refresh(struct rollouts_state *s)
{
	s->new_rs = store_get(controller.rs, s->ns, s->rsname);
}

/* The SetWeight at step idx, as rollout.h computes it (Argo's
 * GetCurrentSetWeight: 0 when aborted, else the last setWeight at or before
 * the step): status, the working copy's, moves to step idx first. */
static int
rollouts_step_weight(struct rollouts_state *s, cJSON *status, int idx)
{
	json_set_num(status, "currentStepIndex", idx);
	return rollout_set_weight(s->ro);
}

/* setCanaryScale in force at idx: replicas to use for the canary, or -1. */
static long
rollouts_canary_scale(const cJSON *steps, int idx, long replicas)
{
	for (int i = idx; i >= 0; i--) {
		const cJSON *cs = json_path(cJSON_GetArrayItem(steps, i),
					    "setCanaryScale");
		if (!cs) {
			continue;
		}
		if (json_bool(cs, "matchTrafficWeight", false)) {
			return -1;
		}
		const cJSON *r = cJSON_GetObjectItem(cs, "replicas");
		if (cJSON_IsNumber(r)) {
			return (long)r->valuedouble;
		}
		const cJSON *w = cJSON_GetObjectItem(cs, "weight");
		if (cJSON_IsNumber(w)) {
			return (long)ceil(w->valuedouble * (double)replicas /
					  100.0);
		}
	}
	return -1;
}

/* The canary's replicas at step idx for weight: setCanaryScale's, or the
 * weight's share of spec.replicas, rounded up. */
static long
rollouts_canary_want(const struct rollouts_state *s, const cJSON *steps,
		     int idx, int weight)
{
	long want = rollouts_canary_scale(steps, idx, s->replicas);
	if (want < 0) {
		want = (long)ceil((double)weight * (double)s->replicas / 100.0);
	}
	return want;
}

static void
rollouts_update_virtualservice(const struct rollouts_state *s, int canary_w)
{
	const cJSON *istio = json_path(s->ro,
		"spec.strategy.canary.trafficRouting.istio");
	const char *vsname = json_str(istio, "virtualService.name");
	if (!vsname) {
		return;
	}
	struct sim_obj *vs = controller_find(controller.vs, s->ns, vsname);
	if (!vs) {
		return;
	}
	const char *canary_svc = json_str(s->ro,
					  "spec.strategy.canary.canaryService");
	const char *stable_svc = json_str(s->ro,
					  "spec.strategy.canary.stableService");
	const cJSON *routes = json_path(istio, "virtualService.routes");
	cJSON *next = cJSON_Duplicate(vs->json, 1);
	cJSON *http = json_path(next, "spec.http");
	for (cJSON *h = http ? http->child : NULL; h; h = h->next) {
		const char *hn = json_str(h, "name");
		bool wanted = !routes || cJSON_GetArraySize(routes) == 0;
		for (const cJSON *r = routes ? routes->child : NULL;
		     r && !wanted; r = r->next) {
			wanted = hn && cJSON_IsString(r) &&
				 strcmp(r->valuestring, hn) == 0;
		}
		if (!wanted) {
			continue;
		}
		cJSON *dests = cJSON_GetObjectItem(h, "route");
		for (cJSON *d = dests ? dests->child : NULL; d; d = d->next) {
			const char *host = json_str(d, "destination.host");
			if (host && canary_svc &&
			    strcmp(host, canary_svc) == 0) {
				json_set_num(d, "weight", canary_w);
			} else if (host && stable_svc &&
				   strcmp(host, stable_svc) == 0) {
				json_set_num(d, "weight", 100 - canary_w);
			}
		}
	}
	controller_put(controller.vs, next, vs->json);
}

static void
rollouts_weights(struct rollouts_state *s, cJSON *status, int canary_w)
{
	if (!s->traffic) {
		return;
	}
	cJSON *canary = json_obj_ensure(status, "canary");
	cJSON *w = json_obj_ensure(canary, "weights");
	cJSON *c = json_obj_ensure(w, "canary");
	cJSON *st = json_obj_ensure(w, "stable");
	json_set_num(c, "weight", canary_w);
	json_set_str(c, "podTemplateHash", s->hash);
	const char *cs = json_str(s->ro, "spec.strategy.canary.canaryService");
	const char *ss = json_str(s->ro, "spec.strategy.canary.stableService");
	if (cs) {
		json_set_str(c, "serviceName", cs);
	}
	json_set_num(st, "weight", 100 - canary_w);
	json_set_str(st, "podTemplateHash", s->stable && *s->stable ?
		     s->stable : s->hash);
	if (ss) {
		json_set_str(st, "serviceName", ss);
	}
	rollouts_update_virtualservice(s, canary_w);
}

static void
rollouts_run_status(cJSON *status, const char *key, const char *ns,
		    const char *name)
{
	cJSON *canary = json_obj_ensure(status, "canary");
	struct sim_obj *ar = controller_find(controller.ar, ns, name);
	if (!ar) {
		cJSON_DeleteItemFromObjectCaseSensitive(canary, key);
		return;
	}
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "name", name);
	const char *ph = json_str(ar->json, "status.phase");
	cJSON_AddStringToObject(r, "status", ph ? ph : "Pending");
	const char *m = json_str(ar->json, "status.message");
	if (m && *m) {
		cJSON_AddStringToObject(r, "message", m);
	}
	json_set_item(canary, key, r);
}

static cJSON *
rollouts_pause_find(cJSON *status, const char *reason)
{
	cJSON *pcs = cJSON_GetObjectItem(status, "pauseConditions");
	for (cJSON *p = pcs ? pcs->child : NULL; p; p = p->next) {
		const char *r = json_str(p, "reason");
		if (r && strcmp(r, reason) == 0) {
			return p;
		}
	}
	return NULL;
}

static void
rollouts_pause_add(cJSON *status, const char *reason)
{
	if (rollouts_pause_find(status, reason)) {
		return;
	}
	cJSON *pcs = cJSON_GetObjectItem(status, "pauseConditions");
	if (!cJSON_IsArray(pcs)) {
		pcs = cJSON_CreateArray();
		json_set_item(status, "pauseConditions", pcs);
	}
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "reason", reason);
	char ts[32];
	controller_ts(controller.now, ts);
	cJSON_AddStringToObject(p, "startTime", ts);
	cJSON_AddItemToArray(pcs, p);
	json_set_item(status, "controllerPause", cJSON_CreateTrue());
}

static void
rollouts_pause_clear(cJSON *status)
{
	cJSON_DeleteItemFromObjectCaseSensitive(status, "pauseConditions");
}

/* Old ReplicaSets (neither new nor stable) go to zero, after the
 * scale-down delay when traffic is routed. */
static void
rollouts_scale_down_old(struct rollouts_state *s, const char *keep1,
			const char *keep2, long long delay_ms)
{
	size_t n;
	struct sim_obj **rss = rollouts_rollout_rss(s->ns, s->uid, &n);
	char **names = xcalloc(n + 1, sizeof(*names));
	for (size_t i = 0; i < n; i++) {
		const char *h =
			controller_label(rss[i]->json, CONTROLLER_HASH_LABEL);
		if ((keep1 && h && strcmp(h, keep1) == 0) ||
		    (keep2 && h && strcmp(h, keep2) == 0)) {
			continue;
		}
		names[i] = xstrdup(rss[i]->name);
	}
	free(rss);
	for (size_t i = 0; i < n; i++) {
		if (names[i]) {
			struct sim_obj *rs =
				store_get(controller.rs, s->ns, names[i]);
			if (rs &&
			    controller_int(rs->json, "spec.replicas", 1) > 0) {
				replicasets_scale(rs, 0, delay_ms);
			}
			free(names[i]);
		}
	}
	free(names);
}

/* Replica counts of the rollout from its ReplicaSets. */
static void
rollouts_counts(struct rollouts_state *s, cJSON *status)
{
	size_t n;
	struct sim_obj **rss = rollouts_rollout_rss(s->ns, s->uid, &n);
	long replicas = 0, ready = 0, avail = 0, updated = 0;
	for (size_t i = 0; i < n; i++) {
		replicas += controller_int(rss[i]->json, "status.replicas", 0);
		ready +=
			controller_int(rss[i]->json, "status.readyReplicas", 0);
		avail += controller_int(rss[i]->json,
					"status.availableReplicas", 0);
		const char *h =
			controller_label(rss[i]->json, CONTROLLER_HASH_LABEL);
		if (h && strcmp(h, s->hash) == 0) {
			updated = controller_int(rss[i]->json,
						 "status.replicas", 0);
		}
	}
	free(rss);
	json_set_num(status, "replicas", (double)replicas);
	json_set_num(status, "HPAReplicas", (double)replicas);
	json_set_num(status, "readyReplicas", (double)ready);
	json_set_num(status, "availableReplicas", (double)avail);
	json_set_num(status, "updatedReplicas", (double)updated);
	struct buf sel = BUF_INIT;
	const cJSON *ml = json_path(s->ro, "spec.selector.matchLabels");
	for (const cJSON *l = ml ? ml->child : NULL; l; l = l->next) {
		if (cJSON_IsString(l)) {
			buf_addf(&sel, "%s%s=%s", sel.len ? "," : "", l->string,
				 l->valuestring);
		}
	}
	json_set_str(status, "selector", sel.buf);
	buf_release(&sel);
	if (avail >= s->replicas) {
		rollouts_condition(status, "Available", "True",
				   "AvailableReason",
				   "Rollout has minimum availability");
	} else {
		rollouts_condition(
			status, "Available", "False", "AvailableReason",
			"Rollout does not have minimum availability");
	}
}

/* The base name of a background (step -1) or step analysis run, as Argo's
 * newAnalysisRunFromRollout: <rollout>-<pod hash>-<revision>[-<step>]. */
static char *
rollouts_run_name(const struct rollouts_state *s, int step)
{
	return step >= 0 ? xasprintf("%s-%s-%d-%d", s->name, s->hash,
				     s->revision, step)
			 : xasprintf("%s-%s-%d", s->name, s->hash, s->revision);
}

/* Whether name is base or one of its collision names (base.N). */
static bool
rollouts_run_is(const char *name, const char *base)
{
	size_t n = strlen(base);
	if (strncmp(name, base, n) != 0) {
		return false;
	}
	if (name[n] == '\0') {
		return true;
	}
	return name[n] == '.' && name[n + 1] &&
	       strspn(name + n + 1, "0123456789") == strlen(name + n + 1);
}

/* The current run of a kind, as Argo knows it: the one the status records
 * at status.<section>.<key> when it is base (or base.N) and exists; NULL
 * otherwise. The caller frees it. */
static char *
rollouts_run_current(const cJSON *status, const char *section,
		     const char *key, const char *ns, const char *base)
{
	const cJSON *sec = cJSON_GetObjectItem(status, section);
	const char *name = json_str(cJSON_GetObjectItem(sec, key), "name");
	if (!name || !rollouts_run_is(name, base) ||
	    !controller_find(controller.ar, ns, name)) {
		return NULL;
	}
	return xstrdup(name);
}

/* A new run's name: base, else Argo's CreateWithCollisionCounter's
 * base.1, base.2, ... (runs of earlier attempts are kept). */
static char *
rollouts_run_free_name(const char *ns, const char *base)
{
	char *name = xstrdup(base);
	for (int i = 1; controller_find(controller.ar, ns, name); i++) {
		free(name);
		name = xasprintf("%s.%d", base, i);
	}
	return name;
}

/* Argo's reconcileAnalysisRuns: every run of the rollout that is not one
 * of its current runs (a superseded revision's, a step left behind) and
 * still runs is terminated (spec.terminate). */
static void
rollouts_cancel_other_runs(const struct rollouts_state *s,
			   const cJSON *status)
{
	static const char *const current[][2] = {
		{ "canary", "currentBackgroundAnalysisRunStatus" },
		{ "canary", "currentStepAnalysisRunStatus" },
		{ "blueGreen", "prePromotionAnalysisRunStatus" },
		{ "blueGreen", "postPromotionAnalysisRunStatus" },
	};
	size_t n;
	struct sim_obj **ars = store_list(controller.ar, s->ns, &n);
	char **names = xcalloc(n + 1, sizeof(*names));
	for (size_t i = 0; i < n; i++) {
		bool keep = !store_owned_by(ars[i]->json, s->uid);
		for (size_t k = 0; !keep && k < 4; k++) {
			const char *c = json_str(cJSON_GetObjectItem(
				cJSON_GetObjectItem(status, current[k][0]),
				current[k][1]), "name");
			keep = c && strcmp(c, ars[i]->name) == 0;
		}
		if (!keep) {
			names[i] = xstrdup(ars[i]->name);
		}
	}
	free(ars);
	for (size_t i = 0; i < n; i++) {
		if (names[i]) {
			controller_terminate_run(s->ns, names[i]);
			free(names[i]);
		}
	}
	free(names);
}

/*
 * What a child's phase (an AnalysisRun or an Experiment) means for the
 * rollout, as Argo's pause context records it: Successful moves on (1);
 * Failed or Error aborts with "<what>: <child's message>" (-1);
 * Inconclusive pauses with pause_reason (0); anything else waits (0).
 */
static int
rollouts_child_verdict(struct rollouts_state *s, cJSON *status,
		       const cJSON *child, const char *what,
		       const char *pause_reason)
{
	const char *ph = child ? json_str(child, "status.phase") : NULL;
	if (!ph) {
		return 0;
	}
	if (strcmp(ph, "Successful") == 0) {
		return 1;
	}
	if (strcmp(ph, "Failed") == 0 || strcmp(ph, "Error") == 0) {
		const char *m = json_str(child, "status.message");
		free(s->abort_msg);
		s->abort_msg = xasprintf("%s%s%s", what, m ? ": " : "",
					 m ? m : "");
		json_set_item(status, "abort", cJSON_CreateTrue());
		return -1;
	}
	if (strcmp(ph, "Inconclusive") == 0) {
		rollouts_pause_add(status, pause_reason);
	}
	return 0;
}

/* utils/rollout CanaryStepString, for RolloutStepCompleted. The caller
 * frees it. */
static char *
rollouts_step_string(const cJSON *step)
{
	const cJSON *sw = cJSON_GetObjectItem(step, "setWeight");
	const cJSON *pause = cJSON_GetObjectItem(step, "pause");
	const cJSON *scale = cJSON_GetObjectItem(step, "setCanaryScale");
	if (cJSON_IsNumber(sw)) {
		return xasprintf("setWeight: %d", sw->valueint);
	}
	if (pause) {
		const cJSON *d = cJSON_GetObjectItem(pause, "duration");
		if (cJSON_IsString(d)) {
			return xasprintf("pause: %s", d->valuestring);
		}
		if (cJSON_IsNumber(d)) {
			return xasprintf("pause: %d", d->valueint);
		}
		return xstrdup("pause");
	}
	if (cJSON_GetObjectItem(step, "experiment")) {
		return xstrdup("experiment");
	}
	if (cJSON_GetObjectItem(step, "analysis")) {
		return xstrdup("analysis");
	}
	if (scale) {
		const cJSON *w = cJSON_GetObjectItem(scale, "weight");
		const cJSON *r = cJSON_GetObjectItem(scale, "replicas");
		if (cJSON_IsNumber(w)) {
			return xasprintf("setCanaryScale{weight: %d}",
					 w->valueint);
		}
		if (json_bool(scale, "matchTrafficWeight", false)) {
			return xstrdup("setCanaryScale{matchTrafficWeight: "
				       "true}");
		}
		if (cJSON_IsNumber(r)) {
			return xasprintf("setCanaryScale{replicas: %d}",
					 r->valueint);
		}
	}
	const char *pn = json_str(step, "plugin.name");
	if (pn) {
		return xasprintf("plugin: %s", pn);
	}
	const char *hr = json_str(step, "setHeaderRoute.name");
	if (hr) {
		return xasprintf("setHeaderRoute: %s", hr);
	}
	const char *mr = json_str(step, "setMirrorRoute.name");
	if (mr) {
		return xasprintf("setMirrorRoute: %s", mr);
	}
	return xstrdup("invalid");
}

static void
rollouts_canary(struct rollouts_state *s, cJSON *status)
{
	const cJSON *canary = json_path(s->ro, "spec.strategy.canary");
	const cJSON *steps = cJSON_GetObjectItem(canary, "steps");
	int n = cJSON_GetArraySize(steps);
	int idx = (int)controller_int(status, "currentStepIndex", 0);
	bool abort = json_bool(status, "abort", false);
	bool paused = json_bool(s->ro, "spec.paused", false);
	const char *stable = s->stable;
	bool fresh = !stable || !*stable;
	long long sdelay = clock_scaled(
		(long long)controller_int(canary, "scaleDownDelaySeconds",
					  s->traffic ? 30 : 0) *
		1000);
	long long adelay = clock_scaled(
		(long long)controller_int(canary, "abortScaleDownDelaySeconds",
					  s->traffic ? 30 : 0) *
		1000);

	if (json_bool(status, "promoteFull", false)) {
		idx = n;
		rollouts_pause_clear(status);
		cJSON_DeleteItemFromObjectCaseSensitive(status,
							"controllerPause");
	}
	if (fresh) {
		idx = n;
	}

	/* background analysis */
	char *bgbase = rollouts_run_name(s, -1);
	char *bg = rollouts_run_current(status, "canary",
					"currentBackgroundAnalysisRunStatus",
					s->ns, bgbase);
	const cJSON *bga = cJSON_GetObjectItem(canary, "analysis");
	bool full = !fresh && strcmp(stable, s->hash) == 0;
	int starting = (int)controller_int(bga, "startingStep", 0);
	if (!bg && bga && !fresh && !full && !abort && idx >= starting) {
		bg = rollouts_run_free_name(s->ns, bgbase);
		controller_create_run(s->ro, bga, bg, s->hash, "Background",
				      -1);
	}
	free(bgbase);
	struct sim_obj *bgo = controller_find(controller.ar, s->ns, bg);
	if (bgo && !abort &&
	    rollouts_child_verdict(s, status, bgo->json,
				   "Background analysis phase error/failed",
				   "InconclusiveAnalysisRun") < 0) {
		abort = true;
	}

	/* steps */
	int from = idx;
	while (!abort && !paused && idx < n) {
		const cJSON *step = cJSON_GetArrayItem(steps, idx);
		const cJSON *sw = cJSON_GetObjectItem(step, "setWeight");
		const cJSON *pause = cJSON_GetObjectItem(step, "pause");
		const cJSON *an = cJSON_GetObjectItem(step, "analysis");
		if (rollouts_pause_find(status, "InconclusiveAnalysisRun")) {
			break;
		}
		if (cJSON_IsNumber(sw)) {
			long want = rollouts_canary_want(s, steps, idx,
				rollouts_step_weight(s, status, idx));
			if (controller_int(s->new_rs->json, "spec.replicas",
					   0) != want) {
				replicasets_scale(s->new_rs, want, 0);
				rollouts_refresh(s);
			}
			if (replicasets_available(s->new_rs) < want) {
				break;
			}
			idx++;
			continue;
		}
		if (pause) {
			cJSON *pc =
				rollouts_pause_find(status, "CanaryPauseStep");
			if (!pc &&
			    json_bool(status, "controllerPause", false)) {
				/* promoted past the pause */
				cJSON_DeleteItemFromObjectCaseSensitive(status,
					"controllerPause");
				idx++;
				continue;
			}
			if (!pc) {
				rollouts_pause_add(status, "CanaryPauseStep");
				break;
			}
			const char *d = json_str(pause, "duration");
			long long dur = d ? clock_parse_duration(d) : -1;
			if (!d && cJSON_IsNumber(cJSON_GetObjectItem(pause,
							"duration"))) {
				dur = (long long)json_num(pause, "duration", 0)
				      * 1000;
			}
			if (dur >= 0) {
				dur = clock_scaled(dur);
				long long start = clock_parse_rfc3339(
					json_str(pc, "startTime"));
				if (controller.now >= start + dur) {
					rollouts_pause_clear(status);
					cJSON_DeleteItemFromObjectCaseSensitive(
						status, "controllerPause");
					idx++;
					continue;
				}
				controller_wake_at(start + dur);
			}
			break;
		}
		if (an) {
			char *base = rollouts_run_name(s, idx);
			char *rn = rollouts_run_current(status, "canary",
				"currentStepAnalysisRunStatus", s->ns, base);
			struct sim_obj *ar =
				controller_find(controller.ar, s->ns, rn);
			if (!ar) {
				free(rn);
				rn = rollouts_run_free_name(s->ns, base);
				controller_create_run(s->ro, an, rn, s->hash,
						      "Step", idx);
				rollouts_run_status(status,
					"currentStepAnalysisRunStatus", s->ns,
					rn);
				free(base);
				free(rn);
				break;
			}
			free(base);
			int v = rollouts_child_verdict(
				s, status, ar->json,
				"Step-based analysis phase error/failed",
				"InconclusiveAnalysisRun");
			if (v > 0) {
				free(rn);
				idx++;
				continue;
			}
			abort = abort || v < 0;
			free(rn);
			break;
		}
		const cJSON *ex = cJSON_GetObjectItem(step, "experiment");
		if (ex) {
			char *en = xasprintf("%s-%s-%d-%d", s->name, s->hash,
					     s->revision, idx);
			struct sim_obj *eo =
				controller_find(controller.exp, s->ns, en);
			if (!eo) {
				size_t nr;
				struct sim_obj **rss = rollouts_rollout_rss(
					s->ns, s->uid, &nr);
				struct sim_obj *srs =
					rollouts_rs_by_hash(rss, nr, s->stable);
				free(rss);
				experiments_create(s->ro, ex, en, s->hash,
						   s->new_rs, srs);
				rollouts_refresh(s);
				eo = controller_find(controller.exp, s->ns, en);
				if (eo) {
					experiments_reconcile(eo);
				}
				free(en);
				break;
			}
			json_set_str(json_obj_ensure(status, "canary"),
				     "currentExperiment", en);
			int v = rollouts_child_verdict(
				s, status, eo->json,
				"Experiment analysis phase is error/failed",
				"InconclusiveExperiment");
			if (v > 0) {
				cJSON_DeleteItemFromObjectCaseSensitive(
					json_obj_ensure(status, "canary"),
					"currentExperiment");
				free(en);
				idx++;
				continue;
			}
			abort = abort || v < 0;
			free(en);
			break;
		}
		/* setCanaryScale, header and mirror routes: nothing to
		 * wait for */
		idx++;
	}
	for (int k = from; k < idx && k < n; k++) {
		char *what = rollouts_step_string(cJSON_GetArrayItem(steps, k));
		events_record(s->ro, "Normal", "RolloutStepCompleted",
			      "Rollout step %d/%d completed (%s)", k + 1, n,
			      what);
		free(what);
	}
	if (n > 0 || cJSON_GetObjectItem(status, "currentStepIndex")) {
		json_set_num(status, "currentStepIndex", idx);
	}

	/* scale and weights */
	if (abort) {
		if (!json_str(status, "abortedAt")) {
			char ts[32];
			controller_ts(controller.now, ts);
			json_set_str(status, "abortedAt", ts);
		}
		rollouts_pause_clear(status);
		cJSON_DeleteItemFromObjectCaseSensitive(status,
							"controllerPause");
		if (!full) {
			replicasets_scale(s->new_rs, 0, adelay);
			rollouts_refresh(s);
		}
		rollouts_weights(s, status, 0);
		controller_terminate_run(s->ns, bg);
		char *base = rollouts_run_name(s, idx);
		char *sn = rollouts_run_current(status, "canary",
			"currentStepAnalysisRunStatus", s->ns, base);
		controller_terminate_run(s->ns, sn);
		free(sn);
		free(base);
	} else if (idx >= n) {
		replicasets_scale(s->new_rs, s->replicas, 0);
		rollouts_refresh(s);
		if (replicasets_available(s->new_rs) >= s->replicas) {
			json_set_str(status, "stableRS", s->hash);
			s->stable = json_str(status, "stableRS");
			cJSON_DeleteItemFromObjectCaseSensitive(status,
								"promoteFull");
			rollouts_scale_down_old(s, s->hash, NULL, sdelay);
			controller_terminate_run(s->ns, bg);
			rollouts_weights(s, status, 0);
		}
		/* until the new ReplicaSet is fully available the weights
		 * stay where the last step put them */
	} else {
		int weight = rollouts_step_weight(s, status, idx);
		long want = rollouts_canary_want(s, steps, idx, weight);
		replicasets_scale(s->new_rs, want, 0);
		rollouts_refresh(s);
		if (replicasets_available(s->new_rs) >= want) {
			rollouts_weights(s, status, weight);
		}
	}
	/* the stable ReplicaSet keeps full size (traffic routing), or makes
	 * room for the canary (basic canary) */
	struct sim_obj *stable_rs = NULL;
	if (s->stable && *s->stable && strcmp(s->stable, s->hash) != 0) {
		size_t nr;
		struct sim_obj **rss = rollouts_rollout_rss(s->ns, s->uid, &nr);
		stable_rs = rollouts_rs_by_hash(rss, nr, s->stable);
		free(rss);
		if (stable_rs) {
			long cw = controller_int(s->new_rs->json,
						 "spec.replicas", 0);
			long want = s->traffic || abort ? s->replicas
				  : (s->replicas - cw > 0 ? s->replicas - cw
							  : 0);
			replicasets_scale(stable_rs, want, 0);
		}
		rollouts_scale_down_old(s, s->hash, s->stable, sdelay);
	}
	rollouts_run_status(status, "currentBackgroundAnalysisRunStatus", s->ns,
			    bg);
	free(bg);
	char *sbase = rollouts_run_name(s, idx < n ? idx : -2);
	char *sn = rollouts_run_current(status, "canary",
					"currentStepAnalysisRunStatus", s->ns,
					sbase);
	free(sbase);
	if (sn && idx < n &&
	    cJSON_IsObject(json_path(cJSON_GetArrayItem(steps, idx),
				     "analysis"))) {
		rollouts_run_status(status, "currentStepAnalysisRunStatus",
				    s->ns, sn);
	} else {
		cJSON_DeleteItemFromObjectCaseSensitive(
			json_obj_ensure(status, "canary"),
			"currentStepAnalysisRunStatus");
	}
	free(sn);
}

static void
rollouts_service_selector(const char *ns, const char *svc, const char *hash)
{
	struct sim_obj *o = controller_find(controller.svc, ns, svc);
	if (!o || !hash) {
		return;
	}
	cJSON *next = cJSON_Duplicate(o->json, 1);
	json_set_str(json_obj_ensure(json_obj_ensure(next, "spec"), "selector"),
		     CONTROLLER_HASH_LABEL, hash);
	controller_put(controller.svc, next, o->json);
}

/* A blue-green analysis (pre- or post-promotion): created when due, its
 * status recorded; returns rollouts_child_verdict's answer (1 go on, 0 wait,
 * -1 aborted). */
static int
rollouts_bluegreen_analysis(struct rollouts_state *s, cJSON *status,
			    const cJSON *ra, const char *infix,
			    const char *type, const char *key, const char *what)
{
	char *base = xasprintf("%s-%s-%d-%s", s->name, s->hash, s->revision,
			       infix);
	char *name = rollouts_run_current(status, "blueGreen", key, s->ns,
					  base);
	if (!name) {
		name = rollouts_run_free_name(s->ns, base);
		controller_create_run(s->ro, ra, name, s->hash, type, -1);
		rollouts_refresh(s);
	}
	free(base);
	struct sim_obj *ar = controller_find(controller.ar, s->ns, name);
	cJSON *bgs = json_obj_ensure(status, "blueGreen");
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "name", name);
	const char *ph = ar ? json_str(ar->json, "status.phase") : NULL;
	cJSON_AddStringToObject(r, "status", ph ? ph : "Pending");
	const char *m = ar ? json_str(ar->json, "status.message") : NULL;
	if (m && *m) {
		cJSON_AddStringToObject(r, "message", m);
	}
	json_set_item(bgs, key, r);
	int v = ar ? rollouts_child_verdict(s, status, ar->json, what,
					    "InconclusiveAnalysisRun")
		   : 0;
	free(name);
	return v;
}

static void
rollouts_bluegreen(struct rollouts_state *s, cJSON *status)
{
	const cJSON *bg = json_path(s->ro, "spec.strategy.blueGreen");
	cJSON *bgs = json_obj_ensure(status, "blueGreen");
	const char *active = json_str(bgs, "activeSelector");
	bool fresh = !active || !*active;
	bool autopromote = json_bool(bg, "autoPromotionEnabled", true);
	long long sdelay = clock_scaled(
		(long long)controller_int(bg, "scaleDownDelaySeconds", 30) *
		1000);
	long preview = controller_int(bg, "previewReplicaCount", s->replicas);
	bool abort = json_bool(status, "abort", false);
	const cJSON *pre = cJSON_GetObjectItem(bg, "prePromotionAnalysis");
	const cJSON *post = cJSON_GetObjectItem(bg, "postPromotionAnalysis");

	if (fresh) {
		replicasets_scale(s->new_rs, s->replicas, 0);
		rollouts_refresh(s);
		if (replicasets_available(s->new_rs) >= s->replicas) {
			json_set_str(bgs, "activeSelector", s->hash);
			json_set_str(bgs, "previewSelector", s->hash);
			json_set_str(status, "stableRS", s->hash);
		}
	} else if (strcmp(active, s->hash) != 0 && !abort) {
		bool promote = json_bool(status, "promoteFull", false);
		replicasets_scale(s->new_rs, promote ? s->replicas : preview,
				  0);
		rollouts_refresh(s);
		bool ready = replicasets_available(s->new_rs) >=
			     (promote ? s->replicas : preview);
		if (ready) {
			json_set_str(bgs, "previewSelector", s->hash);
		}
		/* pre-promotion analysis gates the switch */
		bool verified = true;
		if (pre && ready && !promote) {
			int v = rollouts_bluegreen_analysis(
				s, status, pre, "pre", "PrePromotion",
				"prePromotionAnalysisRunStatus",
				"Blue/green pre-promotion analysis phase "
				"error/failed");
			abort = v < 0;
			verified = v > 0;
		}
		cJSON *pc = rollouts_pause_find(status, "BlueGreenPause");
		bool released = !pc && json_bool(status, "controllerPause",
						 false);
		long long asec = clock_scaled((long long)controller_int(bg,
			"autoPromotionSeconds", 0) * 1000);
		if (pc && asec > 0) {
			long long st =
				clock_parse_rfc3339(json_str(pc, "startTime"));
			if (controller.now >= st + asec) {
				rollouts_pause_clear(status);
				released = true;
			} else {
				controller_wake_at(st + asec);
			}
		}
		if (abort) {
			/* handled below */
		} else if (ready && verified && !autopromote && !pc &&
			   !released && !promote) {
			rollouts_pause_add(status, "BlueGreenPause");
		} else if (ready && verified &&
			   (autopromote || released || promote)) {
			replicasets_scale(s->new_rs, s->replicas, 0);
			rollouts_refresh(s);
			if (replicasets_available(s->new_rs) >= s->replicas) {
				rollouts_pause_clear(status);
				cJSON_DeleteItemFromObjectCaseSensitive(status,
					"controllerPause");
				json_set_str(bgs, "activeSelector", s->hash);
				if (!post || promote) {
					json_set_str(status, "stableRS",
						     s->hash);
				}
				cJSON_DeleteItemFromObjectCaseSensitive(status,
					"promoteFull");
			}
		}
	}
	/* post-promotion analysis: the new ReplicaSet becomes stable only
	 * once it succeeds; a failure rolls the active Service back */
	active = json_str(bgs, "activeSelector");
	const char *stable = json_str(status, "stableRS");
	if (post && !abort && active && strcmp(active, s->hash) == 0 &&
	    stable && strcmp(stable, s->hash) != 0) {
		int v = rollouts_bluegreen_analysis(
			s, status, post, "post", "PostPromotion",
			"postPromotionAnalysisRunStatus",
			"Blue/green post-promotion analysis phase "
			"error/failed");
		if (v > 0) {
			json_set_str(status, "stableRS", s->hash);
		}
		abort = v < 0;
	}
	if (abort) {
		rollouts_pause_clear(status);
		cJSON_DeleteItemFromObjectCaseSensitive(status,
							"controllerPause");
		stable = json_str(status, "stableRS");
		active = json_str(bgs, "activeSelector");
		if (stable && *stable && strcmp(stable, s->hash) != 0) {
			/* back to the stable ReplicaSet */
			json_set_str(bgs, "activeSelector", stable);
			json_set_str(bgs, "previewSelector", stable);
			replicasets_scale(s->new_rs, 0, clock_scaled(30000));
			rollouts_refresh(s);
		}
	}
	active = json_str(bgs, "activeSelector");
	stable = json_str(status, "stableRS");
	if (active && *active) {
		const char *keep2 = strcmp(active, s->hash) != 0 ? s->hash
				  : (stable && strcmp(stable, s->hash) != 0 ?
				     stable : NULL);
		rollouts_scale_down_old(s, active, keep2, sdelay);
		rollouts_service_selector(s->ns, json_str(bg, "activeService"),
					  active);
	}
	const char *pv = json_str(bgs, "previewSelector");
	if (pv && json_str(bg, "previewService")) {
		rollouts_service_selector(s->ns, json_str(bg, "previewService"),
					  pv);
	}
}

/* Pods older than spec.restartAt are replaced one at a time. */
static void
rollouts_restart(struct rollouts_state *s, cJSON *status)
{
	const char *ra = json_str(s->ro, "spec.restartAt");
	if (!ra) {
		return;
	}
	long long at = clock_parse_rfc3339(ra);
	if (controller.now < at) {
		controller_wake_at(at);
		return;
	}
	const char *done = json_str(status, "restartedAt");
	if (done && strcmp(done, ra) == 0) {
		return;
	}
	size_t nr;
	struct sim_obj **rss = rollouts_rollout_rss(s->ns, s->uid, &nr);
	char **uids = xcalloc(nr + 1, sizeof(*uids));
	for (size_t i = 0; i < nr; i++) {
		uids[i] = xstrdup(json_str(rss[i]->json, "metadata.uid"));
	}
	free(rss);
	size_t np;
	struct sim_obj **pods = store_list(controller.pod, s->ns, &np);
	struct sim_obj *old = NULL;
	bool all_ready = true;
	for (size_t i = 0; i < np; i++) {
		bool mine = false;
		for (size_t k = 0; k < nr && !mine; k++) {
			mine = store_owned_by(pods[i]->json, uids[k]);
		}
		if (!mine) {
			continue;
		}
		all_ready = all_ready && replicasets_pod_ready(pods[i]->json);
		long long created = clock_parse_rfc3339(json_str(pods[i]->json,
					"metadata.creationTimestamp"));
		if (created < at && !old) {
			old = pods[i];
		}
	}
	if (!old) {
		json_set_str(status, "restartedAt", ra);
	} else if (all_ready) {
		store_delete(old);
		controller.changed = true;
	}
	free(pods);
	for (size_t i = 0; i < nr; i++) {
		free(uids[i]);
	}
	free(uids);
}

/* Argo's RolloutProgressing: did this pass move the rollout on? */
static bool
rollouts_progressed(const cJSON *before, const cJSON *after)
{
	const cJSON *a = json_path(before, "status");
	const cJSON *b = json_path(after, "status");
	long oupd = controller_int(a, "updatedReplicas", 0);
	long nupd = controller_int(b, "updatedReplicas", 0);
	long oold = controller_int(a, "replicas", 0) - oupd;
	long nold = controller_int(b, "replicas", 0) - nupd;
	const char *keys[] = { "stableRS", "currentStepHash",
			       "blueGreen.activeSelector",
			       "blueGreen.previewSelector" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *x = json_str(a, keys[i]), *y = json_str(b, keys[i]);
		if ((x || y) && (!x || !y || strcmp(x, y) != 0)) {
			return true;
		}
	}
	return nupd != oupd || nold < oold ||
	       controller_int(b, "readyReplicas", 0) >
		       controller_int(a, "readyReplicas", 0) ||
	       controller_int(b, "availableReplicas", 0) >
		       controller_int(a, "availableReplicas", 0) ||
	       controller_int(b, "currentStepIndex", 0) !=
		       controller_int(a, "currentStepIndex", 0);
}

/* emitAnalysisRunStatusChanges: an event when the current run of a kind
 * changes phase ("Pending" is the sim's word for no phase yet). */
static void
rollouts_run_events(const struct rollouts_state *s, const cJSON *before,
		    const cJSON *after, const char *section, const char *key,
		    const char *type)
{
	const cJSON *b = cJSON_GetObjectItem(cJSON_GetObjectItem(before,
								 section), key);
	const cJSON *a = cJSON_GetObjectItem(cJSON_GetObjectItem(after,
								 section), key);
	const char *name = json_str(a, "name");
	const char *ph = json_str(a, "status");
	if (!name || !ph || strcmp(ph, "Pending") == 0) {
		return;
	}
	const char *bname = json_str(b, "name");
	const char *bph = json_str(b, "status");
	const char *prev = "NoPreviousStatus";
	if (bname && strcmp(bname, name) == 0) {
		if (bph && strcmp(bph, ph) == 0) {
			return;
		}
		prev = bph && strcmp(bph, "Pending") != 0 ? bph : "";
	} else if (bname) {
		prev = "";
	}
	bool bad = strcmp(ph, "Failed") == 0 || strcmp(ph, "Error") == 0;
	char *reason = xasprintf("AnalysisRun%s", ph);
	events_record(s->ro, bad ? "Warning" : "Normal", reason,
		      "%s Analysis Run '%s' Status New: '%s' Previous: '%s'",
		      type, name, ph, prev);
	free(reason);
}

/* The events of a reconcile, from the status before and after it:
 * sendStateChangeEvents (RolloutPaused, RolloutResumed), the abort
 * (RolloutAborted, a Warning), promoteStable (RolloutCompleted) and the
 * analysis runs' phases. */
static void
rollouts_events(const struct rollouts_state *s, const cJSON *before,
		const cJSON *after, bool bluegreen)
{
	const cJSON *bpc = cJSON_GetObjectItem(before, "pauseConditions");
	const cJSON *apc = cJSON_GetObjectItem(after, "pauseConditions");
	bool was_paused = cJSON_GetArraySize(bpc) > 0;
	bool paused = cJSON_GetArraySize(apc) > 0;
	if (!was_paused && paused) {
		events_record(s->ro, "Normal", "RolloutPaused",
			      "Rollout is paused (%s)",
			      json_str(cJSON_GetArrayItem(apc, 0), "reason"));
	} else if (was_paused && !paused && !json_str(after, "abortedAt")) {
		events_record(s->ro, "Normal", "RolloutResumed",
			      "Rollout is resumed");
	}
	const cJSON *bp = rollouts_condition_get(before, "Progressing");
	const cJSON *ap = rollouts_condition_get(after, "Progressing");
	const char *ar = json_str(ap, "reason");
	const char *am = json_str(ap, "message");
	if (ar && strcmp(ar, "RolloutAborted") == 0 && am &&
	    (!json_str(bp, "reason") ||
	     strcmp(json_str(bp, "reason"), "RolloutAborted") != 0 ||
	     !json_str(bp, "message") ||
	     strcmp(json_str(bp, "message"), am) != 0)) {
		events_record(s->ro, "Warning", "RolloutAborted", "%s", am);
	}
	const char *bst = json_str(before, "stableRS");
	const char *ast = json_str(after, "stableRS");
	if (ast && strcmp(ast, s->hash) == 0 && (!bst || strcmp(bst, ast))) {
		int steps = cJSON_GetArraySize(json_path(s->ro,
					"spec.strategy.canary.steps"));
		char *why;
		if (!bst || !*bst) {
			why = xstrdup("Initial deploy");
		} else if (json_bool(before, "promoteFull", false)) {
			why = xstrdup("Full promotion requested");
		} else if (bluegreen) {
			why = xstrdup("Completed blue-green update");
		} else {
			why = xasprintf("Completed all %d canary steps", steps);
		}
		events_record(s->ro, "Normal", "RolloutCompleted",
			      "Rollout completed update to revision %d (%s): "
			      "%s", s->revision, s->hash, why);
		free(why);
	}
	rollouts_run_events(s, before, after, "blueGreen",
			    "postPromotionAnalysisRunStatus", "PostPromotion");
	rollouts_run_events(s, before, after, "blueGreen",
			    "prePromotionAnalysisRunStatus", "PrePromotion");
	rollouts_run_events(s, before, after, "canary",
			    "currentStepAnalysisRunStatus", "Step");
	rollouts_run_events(s, before, after, "canary",
			    "currentBackgroundAnalysisRunStatus", "Background");
}

void
rollouts_reconcile(struct sim_obj *o)
{
	struct rollouts_state s;
	memset(&s, 0, sizeof(s));
	s.ro = cJSON_Duplicate(o->json, 1);
	s.ns = json_str(s.ro, "metadata.namespace");
	s.name = json_str(s.ro, "metadata.name");
	s.uid = json_str(s.ro, "metadata.uid");
	s.replicas = controller_int(s.ro, "spec.replicas", 1);
	bool bluegreen = json_path(s.ro, "spec.strategy.blueGreen") != NULL;
	s.traffic =
		json_path(s.ro, "spec.strategy.canary.trafficRouting") != NULL;
	cJSON *status = json_obj_ensure(s.ro, "status");
	const cJSON *tmpl = rollouts_template(s.ro);
	if (rollouts_invalid(s.ro, status, tmpl)) {
		goto finish;
	}
	controller_hash(tmpl, s.hash);
	rollouts_adopt_hash(&s, tmpl);
	s.stable = json_str(status, "stableRS");
	const char *cur = json_str(status, "currentPodHash");
	bool first = !s.stable || !*s.stable;
	if (!cur || strcmp(cur, s.hash) != 0) {
		/* a new revision: Argo resets the step state */
		json_set_str(status, "currentPodHash", s.hash);
		cJSON_DeleteItemFromObjectCaseSensitive(status, "abort");
		cJSON_DeleteItemFromObjectCaseSensitive(status, "abortedAt");
		rollouts_pause_clear(status);
		cJSON_DeleteItemFromObjectCaseSensitive(status,
							"controllerPause");
		cJSON_DeleteItemFromObjectCaseSensitive(status, "promoteFull");
		if (!bluegreen) {
			json_set_num(status, "currentStepIndex", 0);
		}
	}
	rollouts_ensure_new_rs(&s, tmpl, first);
	if (!s.new_rs) {
		goto finish;
	}
	const char *rev =
		controller_annotation(s.new_rs->json, CONTROLLER_ANN_REVISION);
	s.revision = (int)strtol(rev ? rev : "1", NULL, 10);
	const char *was = controller_annotation(o->json,
						CONTROLLER_ANN_REVISION);
	if (!was || strcmp(was, rev ? rev : "1") != 0) {
		events_record(s.ro, "Normal", "RolloutUpdated",
			      "Rollout updated to revision %s", rev ? rev : "1");
	}
	controller_set_annotation(s.ro, CONTROLLER_ANN_REVISION,
				  rev ? rev : "1");
	if (!bluegreen) {
		const cJSON *steps = json_path(s.ro,
					       "spec.strategy.canary.steps");
		char sh[16];
		cJSON *sj = steps ? cJSON_Duplicate(steps, 1)
				  : cJSON_CreateArray();
		controller_hash(sj, sh);
		cJSON_Delete(sj);
		json_set_str(status, "currentStepHash", sh);
	}

	/* retry: abort cleared after an abort */
	const cJSON *prog = rollouts_condition_get(status, "Progressing");
	bool was_aborted =
		prog && json_str(prog, "reason") &&
		strcmp(json_str(prog, "reason"), "RolloutAborted") == 0;
	bool abort = json_bool(status, "abort", false);
	if (was_aborted && !abort) {
		rollouts_condition(status, "Progressing", "Unknown",
				   "RolloutRetry",
				   "Retrying Rollout after abort");
		cJSON_DeleteItemFromObjectCaseSensitive(status, "abortedAt");
		if (!bluegreen) {
			json_set_num(status, "currentStepIndex", 0);
		}
		/* Argo's needsNewAnalysisRun after an abort: the runs of
		 * the aborted attempt stay, new ones get the next name */
		cJSON_DeleteItemFromObjectCaseSensitive(
			cJSON_GetObjectItem(status, "canary"),
			"currentBackgroundAnalysisRunStatus");
		cJSON_DeleteItemFromObjectCaseSensitive(
			cJSON_GetObjectItem(status, "canary"),
			"currentStepAnalysisRunStatus");
		cJSON_DeleteItemFromObjectCaseSensitive(
			cJSON_GetObjectItem(status, "blueGreen"),
			"prePromotionAnalysisRunStatus");
		cJSON_DeleteItemFromObjectCaseSensitive(
			cJSON_GetObjectItem(status, "blueGreen"),
			"postPromotionAnalysisRunStatus");
	}
	if (bluegreen) {
		rollouts_bluegreen(&s, status);
	} else {
		rollouts_canary(&s, status);
	}
	rollouts_cancel_other_runs(&s, status);
	rollouts_restart(&s, status);
	rollouts_counts(&s, status);

	/* conditions */
	abort = json_bool(status, "abort", false);
	const char *stable = json_str(status, "stableRS");
	bool completed = stable && strcmp(stable, s.hash) == 0;
	bool is_paused = cJSON_GetArraySize(cJSON_GetObjectItem(status,
					"pauseConditions")) > 0 ||
			 json_bool(s.ro, "spec.paused", false);
	rollouts_refresh(&s);
	const char *rsmsg = s.rsname;
	if (abort) {
		prog = rollouts_condition_get(status, "Progressing");
		const char *pm = prog ? json_str(prog, "message") : NULL;
		char *base = xasprintf("Rollout aborted update to revision %d",
				       s.revision);
		char *msg;
		if (s.abort_msg) {
			msg = xasprintf("%s: %s", base, s.abort_msg);
		} else if (pm && strncmp(pm, base, strlen(base)) == 0) {
			msg = xstrdup(pm);
		} else {
			msg = xstrdup(base);
		}
		rollouts_condition(status, "Progressing", "False",
				   "RolloutAborted", msg);
		free(msg);
		free(base);
	} else if (completed && json_num(status, "availableReplicas", 0) >=
		   (double)s.replicas) {
		char *m = xasprintf("ReplicaSet \"%s\" has successfully "
				    "progressed.", rsmsg);
		rollouts_condition(status, "Progressing", "True",
				   "NewReplicaSetAvailable", m);
		free(m);
	} else if (is_paused) {
		rollouts_condition(status, "Progressing", "Unknown",
				   "RolloutPaused", "Rollout is paused");
	} else {
		prog = rollouts_condition_get(status, "Progressing");
		const char *pr = prog ? json_str(prog, "reason") : NULL;
		char *m = xasprintf("ReplicaSet \"%s\" is progressing.",
				    rsmsg);
		if (!pr || strcmp(pr, "NewReplicaSetAvailable") == 0 ||
		    strcmp(pr, "RolloutPaused") == 0 ||
		    strcmp(pr, "RolloutRetry") == 0) {
			rollouts_condition(status, "Progressing", "True",
					   "ReplicaSetUpdated", m);
		} else if (rollouts_progressed(o->json, s.ro)) {
			rollouts_condition(status, "Progressing", "True",
					   "ReplicaSetUpdated", m);
			rollouts_condition_touch(status, "Progressing");
		} else if (strcmp(pr, "ProgressDeadlineExceeded") != 0) {
			/* no progress for progressDeadlineSeconds */
			long long dl = clock_scaled((long long)controller_int(
				s.ro, "spec.progressDeadlineSeconds", 600)
				* 1000);
			long long from = clock_parse_rfc3339(json_str(prog,
							"lastUpdateTime"));
			if (from > 0 && controller.now >= from + dl) {
				char *tm = xasprintf("ReplicaSet \"%s\" has "
						     "timed out progressing.",
						     rsmsg);
				rollouts_condition(
					status, "Progressing", "False",
					"ProgressDeadlineExceeded", tm);
				if (json_bool(s.ro,
					      "spec.progressDeadlineAbort",
					      false)) {
					json_set_item(status, "abort",
						      cJSON_CreateTrue());
					char *am = xasprintf("Rollout aborted "
						"update to revision %d: %s",
						s.revision, tm);
					rollouts_condition(
						status, "Progressing", "False",
						"RolloutAborted", am);
					free(am);
				}
				free(tm);
			} else if (from > 0) {
				controller_wake_at(from + dl);
			}
		}
		free(m);
	}
	/* checkPausedConditions: Paused is written once the rollout
	 * pauses (True), then follows it (False on resume); a rollout never
	 * paused has none */
	if (!abort && (is_paused || rollouts_condition_get(status, "Paused"))) {
		rollouts_condition(status, "Paused",
				   is_paused ? "True" : "False",
				   "RolloutPaused", "Rollout is paused");
	}
	rollouts_condition(status, "Completed", completed ? "True" : "False",
			   "RolloutCompleted", "RolloutCompleted");
finish:;
	char og[24];
	snprintf(og, sizeof(og), "%.0f",
		 json_num(s.ro, "metadata.generation", 1));
	json_set_str(status, "observedGeneration", og);
	/* Healthy, then phase and message as Argo computes them */
	cJSON_DeleteItemFromObjectCaseSensitive(status, "phase");
	cJSON_DeleteItemFromObjectCaseSensitive(status, "message");
	struct buf msg = BUF_INIT;
	const char *phase = rollout_phase_r(s.ro, &msg);
	bool healthy = phase && strcmp(phase, "Healthy") == 0;
	if (healthy || rollouts_condition_get(status, "Healthy")) {
		rollouts_condition(status, "Healthy",
				   healthy ? "True" : "False", "RolloutHealthy",
				   healthy ? "Rollout is healthy"
					   : "Rollout is not healthy");
	}
	json_set_str(status, "phase", phase ? phase : "Progressing");
	json_set_str(status, "message", msg.buf);
	buf_release(&msg);
	free(s.abort_msg);
	rollouts_events(&s, json_path(o->json, "status"), status, bluegreen);
	struct sim_obj *now = store_get(controller.ro, o->ns, o->name);
	if (now) {
		controller_put(controller.ro, s.ro, now->json);
	} else {
		cJSON_Delete(s.ro);
	}
}
