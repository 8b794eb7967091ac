/* SPDX-License-Identifier: Apache-2.0 */
/*
 * controller: what the Argo Rollouts controller, the ReplicaSet controller
 * and the kubelet would do to the objects, simulated in-process. Each
 * reconcile pass (sim_lock held) walks ReplicaSets (pods, readiness,
 * scale-down deadlines), AnalysisRuns (analysis.c), Experiments and
 * Rollouts (canary steps, traffic weights, analysis, abort and retry,
 * promote, pause, restart, blue-green), writing through the store so every
 * change is a real watch event with a new resourceVersion. Passes repeat
 * until nothing changes, so one instant settles completely. Every wait
 * reads the simulated clock (clock.c) and reports its deadline, so a
 * manual clock can jump exactly from one due point to the next.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis.h"
#include "json.h"
#include "rollout.h"
#include "sim.h"
#include "xalloc.h"

#define CTL_ANN_READY "sim.pdkit.io/ready-at"
#define CTL_ANN_DEADLINE "scale-down-deadline"
#define CTL_ANN_REVISION "rollout.argoproj.io/revision"
#define CTL_HASH_LABEL "rollouts-pod-template-hash"

static struct ctl_options ctl_opts;
static struct sim_resource *ctl_ro, *ctl_rs, *ctl_pod, *ctl_ar, *ctl_at,
	*ctl_cat, *ctl_exp, *ctl_vs, *ctl_deploy, *ctl_svc;
static long long ctl_now;     /* the instant being reconciled */
static long long ctl_wake;    /* the next due point after ctl_now, or 0 */
static bool ctl_changed;      /* a pass wrote something */
static unsigned ctl_rand;
static pthread_t ctl_thread;
static bool ctl_running;

/* traffic mode per rollout, "ns/name" -> bad */
static char ctl_bad[64][192];
static int ctl_nbad;

/* ------------------------------------------------------------ helpers */

static void
ctl_wake_at(long long ms)
{
	if (ms > ctl_now && (ctl_wake == 0 || ms < ctl_wake)) {
		ctl_wake = ms;
	}
}

static void
ctl_ts(long long ms, char out[32])
{
	clock_rfc3339(ms, out);
}

static unsigned
ctl_next_rand(void)
{
	ctl_rand = ctl_rand * 1103515245u + 12345u;
	return (ctl_rand >> 8) & 0xffffff;
}

/* Store next (owned) in place of orig when they differ. */
static struct sim_obj *
ctl_put(struct sim_resource *r, cJSON *next, const cJSON *orig)
{
	if (orig && json_equal(next, orig)) {
		cJSON_Delete(next);
		return NULL;
	}
	ctl_changed = true;
	return store_put(r, next, false, false);
}

static struct sim_obj *
ctl_create(struct sim_resource *r, const char *ns, cJSON *obj)
{
	fixtures_fill_meta(obj, r, ns);
	ctl_changed = true;
	return store_put(r, obj, false, false);
}

static cJSON *
ctl_owner_ref(const cJSON *owner, const char *api, const char *kind)
{
	cJSON *refs = cJSON_CreateArray();
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "apiVersion", api);
	cJSON_AddStringToObject(r, "kind", kind);
	cJSON_AddStringToObject(r, "name", json_str(owner, "metadata.name"));
	cJSON_AddStringToObject(r, "uid", json_str(owner, "metadata.uid"));
	cJSON_AddTrueToObject(r, "controller");
	cJSON_AddTrueToObject(r, "blockOwnerDeletion");
	cJSON_AddItemToArray(refs, r);
	return refs;
}

static const char *
ctl_label(const cJSON *obj, const char *key)
{
	const cJSON *l = json_path(obj, "metadata.labels");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(l, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *
ctl_annotation(const cJSON *obj, const char *key)
{
	const cJSON *a = json_path(obj, "metadata.annotations");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void
ctl_set_annotation(cJSON *obj, const char *key, const char *val)
{
	cJSON *a = json_obj_ensure(json_obj_ensure(obj, "metadata"),
				   "annotations");
	if (val) {
		json_set_str(a, key, val);
	} else {
		cJSON_DeleteItemFromObjectCaseSensitive(a, key);
	}
}

static long
ctl_int(const cJSON *obj, const char *path, long def)
{
	const cJSON *v = json_path(obj, path);
	if (cJSON_IsNumber(v)) {
		return (long)v->valuedouble;
	}
	if (cJSON_IsString(v)) {
		return strtol(v->valuestring, NULL, 10);
	}
	return def;
}

/* Canonical JSON (object keys sorted) for hashing. */
static void
ctl_canon(struct buf *b, const cJSON *j)
{
	if (cJSON_IsObject(j)) {
		const cJSON *keys[256];
		int n = 0;
		for (const cJSON *c = j->child; c && n < 256; c = c->next) {
			int i = n++;
			while (i > 0 && strcmp(keys[i - 1]->string, c->string) > 0) {
				keys[i] = keys[i - 1];
				i--;
			}
			keys[i] = c;
		}
		buf_addch(b, '{');
		for (int i = 0; i < n; i++) {
			buf_addf(b, "%s\"", i ? "," : "");
			buf_add_json_escaped(b, keys[i]->string);
			buf_adds(b, "\":");
			ctl_canon(b, keys[i]);
		}
		buf_addch(b, '}');
	} else if (cJSON_IsArray(j)) {
		buf_addch(b, '[');
		for (const cJSON *c = j->child; c; c = c->next) {
			ctl_canon(b, c);
			if (c->next) {
				buf_addch(b, ',');
			}
		}
		buf_addch(b, ']');
	} else {
		json_write(b, j);
	}
}

/* FNV-32a, then Kubernetes' SafeEncodeString of its decimal form (the
 * shape of the hashes Argo writes; the values differ: Go hashes its own
 * struct dump). */
static void
ctl_hash(const cJSON *j, char out[16])
{
	static const char alnum[] = "bcdfghjklmnpqrstvwxz2456789";
	struct buf b = BUF_INIT;
	ctl_canon(&b, j);
	unsigned h = 2166136261u;
	for (size_t i = 0; i < b.len; i++) {
		h ^= (unsigned char)b.buf[i];
		h *= 16777619u;
	}
	buf_release(&b);
	char dec[16];
	snprintf(dec, sizeof(dec), "%u", h);
	size_t i = 0;
	for (; dec[i] && i < 15; i++) {
		out[i] = alnum[(unsigned char)dec[i] % (sizeof(alnum) - 1)];
	}
	out[i] = '\0';
}

static struct sim_obj *
ctl_find(struct sim_resource *r, const char *ns, const char *name)
{
	return name ? store_get(r, ns, name) : NULL;
}

static long ctl_available(const struct sim_obj *rs);

/* --------------------------------------------------------------- pods */

static cJSON *
ctl_new_pod(const cJSON *rs, long long now)
{
	const char *rsname = json_str(rs, "metadata.name");
	const char *ns = json_str(rs, "metadata.namespace");
	static const char alnum[] = "bcdfghjklmnpqrstvwxz2456789";
	char sfx[6];
	char *name = NULL;
	for (int tries = 0; tries < 20; tries++) {
		for (int i = 0; i < 5; i++) {
			sfx[i] = alnum[ctl_next_rand() % (sizeof(alnum) - 1)];
		}
		sfx[5] = '\0';
		free(name);
		name = xasprintf("%s-%s", rsname, sfx);
		if (!store_get(ctl_pod, ns, name)) {
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
		 now + clock_scaled(ctl_opts.pod_ready_ms));
	cJSON_AddStringToObject(ann, CTL_ANN_READY, ready);
	cJSON_AddItemToObject(md, "ownerReferences",
			      ctl_owner_ref(rs, "apps/v1", "ReplicaSet"));
	const cJSON *spec = json_path(rs, "spec.template.spec");
	cJSON_AddItemToObject(p, "spec", spec ? cJSON_Duplicate(spec, 1)
					      : cJSON_CreateObject());
	cJSON *st = cJSON_AddObjectToObject(p, "status");
	cJSON_AddStringToObject(st, "phase", "Pending");
	ctl_wake_at(now + clock_scaled(ctl_opts.pod_ready_ms));
	return p;
}

/* A pending pod whose time has come becomes Running and Ready. */
static void
ctl_pod_start(struct sim_obj *o)
{
	const char *phase = json_str(o->json, "status.phase");
	if (phase && strcmp(phase, "Pending") != 0) {
		return;
	}
	const char *ra = ctl_annotation(o->json, CTL_ANN_READY);
	if (!ra) {
		return; /* a fixture's pod: left as it is */
	}
	long long at = strtoll(ra, NULL, 10);
	if (ctl_now < at) {
		ctl_wake_at(at);
		return;
	}
	cJSON *p = cJSON_Duplicate(o->json, 1);
	char ts[32];
	ctl_ts(ctl_now, ts);
	const cJSON *c0 = cJSON_GetArrayItem(json_path(p, "spec.containers"), 0);
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
		ctl_put(ctl_pod, p, o->json);
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
	unsigned n = ctl_next_rand();
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
	ctl_put(ctl_pod, p, o->json);
}

static bool
ctl_pod_ready(const cJSON *pod)
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

static bool
ctl_managed_rs(const cJSON *rs)
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

/* Pods, readiness and status of one ReplicaSet; the scale-down deadline. */
static void
ctl_replicaset(struct sim_obj *o)
{
	char *ns = xstrdup(o->ns), *name = xstrdup(o->name);
	const char *dl = ctl_annotation(o->json, CTL_ANN_DEADLINE);
	if (dl) {
		long long at = clock_parse_rfc3339(dl);
		if (ctl_now >= at) {
			cJSON *next = cJSON_Duplicate(o->json, 1);
			json_set_num(json_obj_ensure(next, "spec"), "replicas", 0);
			ctl_set_annotation(next, CTL_ANN_DEADLINE, NULL);
			ctl_put(ctl_rs, next, o->json);
		} else {
			ctl_wake_at(at);
		}
	}
	o = store_get(ctl_rs, ns, name);
	if (!o) {
		goto out;
	}
	char *uid = xstrdup(json_str(o->json, "metadata.uid"));
	long want = ctl_int(o->json, "spec.replicas", 1);
	size_t n;
	struct sim_obj **pods = store_list(ctl_pod, ns, &n);
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
			ctl_changed = true;
			have--;
		}
	}
	free(pods);
	o = store_get(ctl_rs, ns, name);
	while (o && have < want) {
		ctl_create(ctl_pod, ns, ctl_new_pod(o->json, ctl_now));
		have++;
		o = store_get(ctl_rs, ns, name);
	}
	pods = store_list(ctl_pod, ns, &n);
	long ready = 0, total = 0;
	for (size_t i = 0; i < n; i++) {
		if (!store_owned_by(pods[i]->json, uid)) {
			continue;
		}
		char *pn = xstrdup(pods[i]->name);
		ctl_pod_start(pods[i]);
		struct sim_obj *p = store_get(ctl_pod, ns, pn);
		free(pn);
		total++;
		ready += p && ctl_pod_ready(p->json);
	}
	free(pods);
	o = store_get(ctl_rs, ns, name);
	if (o) {
		cJSON *next = cJSON_Duplicate(o->json, 1);
		cJSON *st = json_obj_ensure(next, "status");
		json_set_num(st, "replicas", (double)total);
		json_set_num(st, "fullyLabeledReplicas", (double)total);
		json_set_num(st, "readyReplicas", (double)ready);
		json_set_num(st, "availableReplicas", (double)ready);
		json_set_num(st, "observedGeneration",
			     json_num(next, "metadata.generation", 1));
		ctl_put(ctl_rs, next, o->json);
	}
	free(uid);
out:
	free(ns);
	free(name);
}

/* Set a ReplicaSet's replicas now, or at now + delay (the
 * scale-down-deadline annotation) when scaling down with a delay. */
static void
ctl_scale(struct sim_obj *rs, long want, long long delay_ms)
{
	if (!rs) {
		return;
	}
	cJSON *next = cJSON_Duplicate(rs->json, 1);
	long cur = ctl_int(next, "spec.replicas", 1);
	const char *dl = ctl_annotation(next, CTL_ANN_DEADLINE);
	if (want < cur && delay_ms > 0 && want == 0) {
		if (!dl) {
			char ts[32];
			ctl_ts(ctl_now + delay_ms, ts);
			ctl_set_annotation(next, CTL_ANN_DEADLINE, ts);
			ctl_wake_at(ctl_now + delay_ms);
		}
	} else {
		if (dl) {
			ctl_set_annotation(next, CTL_ANN_DEADLINE, NULL);
		}
		json_set_num(json_obj_ensure(next, "spec"), "replicas",
			     (double)want);
	}
	ctl_put(ctl_rs, next, rs->json);
}

/* ------------------------------------------------------- AnalysisRuns */

static int
ctl_measure(void *arg, const cJSON *run, const cJSON *metric, cJSON **value,
	    char *msg, size_t msglen)
{
	(void)arg;
	const char *owner = NULL, *okind = NULL;
	const char *ns = json_str(run, "metadata.namespace");
	const cJSON *refs = json_path(run, "metadata.ownerReferences");
	for (const cJSON *r = refs ? refs->child : NULL; r; r = r->next) {
		owner = json_str(r, "name");
		okind = json_str(r, "kind");
	}
	/* an experiment's runs measure the traffic of its rollout */
	if (owner && okind && strcmp(okind, "Experiment") == 0) {
		struct sim_obj *e = ctl_find(ctl_exp, ns, owner);
		const cJSON *erefs = e ? json_path(e->json,
					"metadata.ownerReferences") : NULL;
		for (const cJSON *r = erefs ? erefs->child : NULL; r;
		     r = r->next) {
			owner = json_str(r, "name");
		}
	}
	const cJSON *prom = json_path(metric, "provider.prometheus");
	const cJSON *web = json_path(metric, "provider.web");
	const cJSON *job = json_path(metric, "provider.job");
	bool bad = owner && ns &&
		   strcmp(controller_traffic(ns, owner), "bad") == 0;
	/* a little deterministic noise, the same for the same run */
	double noise = (double)(ctl_next_rand() % 1000) / 1000.0;
	if (prom) {
		const char *q = json_str(prom, "query");
		bool latency = q && (strstr(q, "duration") || strstr(q, "latency"));
		double v;
		if (latency) {
			v = bad ? 35.0 + noise * 10 : 90.0 + noise * 40;
		} else {
			v = bad ? 0.05 + noise * 0.1 : 0.985 + noise * 0.014;
		}
		*value = cJSON_CreateArray();
		cJSON_AddItemToArray(*value, cJSON_CreateNumber(
			round(v * 10000) / 10000));
		return 0;
	}
	if (web || job) {
		*value = cJSON_CreateBool(!bad);
		return 0;
	}
	snprintf(msg, msglen, "rollouts-sim: no simulated provider for "
		 "metric '%s'", json_str(metric, "name") ?
		 json_str(metric, "name") : "");
	return -1;
}

static void
ctl_analysisrun(struct sim_obj *o)
{
	cJSON *next = cJSON_Duplicate(o->json, 1);
	struct analysis_provider p = { ctl_measure, NULL,
		clock_manual() ? 1 : clock_scale() };
	long long wake = 0;
	analysis_reconcile(next, ctl_now, &p, &wake);
	if (wake > 0) {
		ctl_wake_at(wake);
	}
	ctl_put(ctl_ar, next, o->json);
}

/* Create an AnalysisRun for a rollout from RolloutAnalysis ra. */
static void
ctl_create_run(const cJSON *ro, const cJSON *ra, const char *name,
	       const char *hash, const char *type, int step)
{
	const char *ns = json_str(ro, "metadata.namespace");
	cJSON *tpls = cJSON_CreateArray();
	const cJSON *refs = cJSON_GetObjectItem(ra, "templates");
	for (const cJSON *t = refs ? refs->child : NULL; t; t = t->next) {
		const char *tn = json_str(t, "templateName");
		struct sim_obj *to = json_bool(t, "clusterScope", false)
			? ctl_find(ctl_cat, NULL, tn) : ctl_find(ctl_at, ns, tn);
		if (to) {
			cJSON_AddItemToArray(tpls, cJSON_Duplicate(to->json, 1));
		}
	}
	/* args: values, or the pod template hash */
	cJSON *args = cJSON_CreateArray();
	const cJSON *ra_args = cJSON_GetObjectItem(ra, "args");
	for (const cJSON *a = ra_args ? ra_args->child : NULL; a; a = a->next) {
		cJSON *na = cJSON_CreateObject();
		cJSON_AddStringToObject(na, "name", json_str(a, "name") ?
					json_str(a, "name") : "");
		const char *v = json_str(a, "value");
		const char *ph = json_str(a, "valueFrom.podTemplateHashValue");
		if (ph) {
			v = strcmp(ph, "Stable") == 0 ?
				json_str(ro, "status.stableRS") : hash;
		}
		if (v) {
			cJSON_AddStringToObject(na, "value", v);
		}
		cJSON_AddItemToArray(args, na);
	}
	char err[256] = "";
	cJSON *spec = cJSON_GetArraySize(tpls) ?
		analysis_spec_from_templates(tpls, args, err, sizeof(err)) : NULL;
	cJSON_Delete(tpls);
	cJSON_Delete(args);
	cJSON *run = cJSON_CreateObject();
	cJSON_AddStringToObject(run, "apiVersion", "argoproj.io/v1alpha1");
	cJSON_AddStringToObject(run, "kind", "AnalysisRun");
	cJSON *md = cJSON_AddObjectToObject(run, "metadata");
	cJSON_AddStringToObject(md, "name", name);
	cJSON_AddStringToObject(md, "namespace", ns);
	cJSON *labels = cJSON_AddObjectToObject(md, "labels");
	const cJSON *ml = json_path(ro, "spec.selector.matchLabels");
	for (const cJSON *l = ml ? ml->child : NULL; l; l = l->next) {
		if (cJSON_IsString(l)) {
			cJSON_AddStringToObject(labels, l->string, l->valuestring);
		}
	}
	cJSON_AddStringToObject(labels, CTL_HASH_LABEL, hash);
	cJSON_AddStringToObject(labels, "rollout-type", type);
	if (step >= 0) {
		char idx[16];
		snprintf(idx, sizeof(idx), "%d", step);
		cJSON_AddStringToObject(labels, "step-index", idx);
	}
	cJSON *ann = cJSON_AddObjectToObject(md, "annotations");
	const char *rev = ctl_annotation(ro, CTL_ANN_REVISION);
	cJSON_AddStringToObject(ann, CTL_ANN_REVISION, rev ? rev : "1");
	const char *okind = json_str(ro, "kind");
	cJSON_AddItemToObject(md, "ownerReferences",
		ctl_owner_ref(ro, "argoproj.io/v1alpha1", okind ? okind
			      : "Rollout"));
	if (!spec) {
		spec = cJSON_CreateObject();
		cJSON_AddArrayToObject(spec, "metrics");
		cJSON *st = cJSON_AddObjectToObject(run, "status");
		cJSON_AddStringToObject(st, "phase", "Error");
		cJSON_AddStringToObject(st, "message", err[0] ? err
					: "analysis template not found");
	}
	cJSON_AddItemToObject(run, "spec", spec);
	ctl_create(ctl_ar, ns, run);
}

static void
ctl_terminate_run(const char *ns, const char *name)
{
	struct sim_obj *ar = ctl_find(ctl_ar, ns, name);
	if (!ar || json_bool(ar->json, "spec.terminate", false) ||
	    analysis_phase_completed(json_str(ar->json, "status.phase"))) {
		return;
	}
	cJSON *next = cJSON_Duplicate(ar->json, 1);
	cJSON_AddTrueToObject(json_obj_ensure(next, "spec"), "terminate");
	ctl_put(ctl_ar, next, ar->json);
	ar = ctl_find(ctl_ar, ns, name);
	if (ar) {
		ctl_analysisrun(ar);
	}
}

/* -------------------------------------------------------- experiments */

static cJSON *
ctl_exp_template_status(cJSON *status, const char *name)
{
	cJSON *ts = cJSON_GetObjectItem(status, "templateStatuses");
	if (!cJSON_IsArray(ts)) {
		ts = cJSON_CreateArray();
		json_set_item(status, "templateStatuses", ts);
	}
	for (cJSON *t = ts->child; t; t = t->next) {
		const char *n = json_str(t, "name");
		if (n && strcmp(n, name) == 0) {
			return t;
		}
	}
	cJSON *t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "name", name);
	cJSON_AddItemToArray(ts, t);
	return t;
}

/* An Experiment: a ReplicaSet per template, AnalysisRuns per analysis,
 * Running once every template is available, Successful after its duration
 * (or when its analyses are done), Failed when an analysis fails. */
static void
ctl_experiment(struct sim_obj *o)
{
	cJSON *e = cJSON_Duplicate(o->json, 1);
	const char *ns = json_str(e, "metadata.namespace");
	const char *name = json_str(e, "metadata.name");
	cJSON *status = json_obj_ensure(e, "status");
	const char *phase = json_str(status, "phase");
	char ts[32];
	ctl_ts(ctl_now, ts);
	if (phase && (strcmp(phase, "Successful") == 0 ||
		      strcmp(phase, "Failed") == 0 ||
		      strcmp(phase, "Error") == 0)) {
		/* done: its ReplicaSets are scaled down */
		const cJSON *tpls = json_path(e, "spec.templates");
		for (const cJSON *t = tpls ? tpls->child : NULL; t; t = t->next) {
			char *rsn = xasprintf("%s-%s", name, json_str(t, "name"));
			struct sim_obj *rs = ctl_find(ctl_rs, ns, rsn);
			if (rs && ctl_int(rs->json, "spec.replicas", 1) > 0) {
				ctl_scale(rs, 0, 0);
			}
			free(rsn);
		}
		cJSON_Delete(e);
		return;
	}
	if (!phase) {
		/* a new start, or a retry (the plugin clears the status):
		 * earlier runs of its analyses are replaced */
		json_set_str(status, "phase", "Pending");
		const cJSON *an0 = json_path(e, "spec.analyses");
		for (const cJSON *a = an0 ? an0->child : NULL; a; a = a->next) {
			char *arn = xasprintf("%s-%s", name, json_str(a, "name") ?
					      json_str(a, "name") : "");
			struct sim_obj *old = ctl_find(ctl_ar, ns, arn);
			if (old) {
				store_delete(old);
				ctl_changed = true;
			}
			free(arn);
		}
	}
	bool all_ready = true;
	const cJSON *tpls = json_path(e, "spec.templates");
	for (const cJSON *t = tpls ? tpls->child : NULL; t; t = t->next) {
		const char *tn = json_str(t, "name");
		if (!tn) {
			continue;
		}
		long want = ctl_int(t, "replicas", 1);
		char *rsn = xasprintf("%s-%s", name, tn);
		struct sim_obj *rs = ctl_find(ctl_rs, ns, rsn);
		if (!rs) {
			cJSON *r = cJSON_CreateObject();
			cJSON_AddStringToObject(r, "apiVersion", "apps/v1");
			cJSON_AddStringToObject(r, "kind", "ReplicaSet");
			cJSON *md = cJSON_AddObjectToObject(r, "metadata");
			cJSON_AddStringToObject(md, "name", rsn);
			cJSON_AddStringToObject(md, "namespace", ns);
			const cJSON *tl = json_path(t, "template.metadata.labels");
			cJSON_AddItemToObject(md, "labels", tl ?
				cJSON_Duplicate(tl, 1) : cJSON_CreateObject());
			cJSON *ann = cJSON_AddObjectToObject(md, "annotations");
			cJSON_AddStringToObject(ann, "experiment.argoproj.io/name",
						name);
			cJSON_AddStringToObject(ann,
				"experiment.argoproj.io/template-name", tn);
			cJSON_AddItemToObject(md, "ownerReferences",
				ctl_owner_ref(e, "argoproj.io/v1alpha1",
					      "Experiment"));
			cJSON *spec = cJSON_AddObjectToObject(r, "spec");
			cJSON_AddNumberToObject(spec, "replicas", (double)want);
			const cJSON *sel = cJSON_GetObjectItem(t, "selector");
			cJSON_AddItemToObject(spec, "selector", sel ?
				cJSON_Duplicate(sel, 1) : cJSON_CreateObject());
			const cJSON *pt = cJSON_GetObjectItem(t, "template");
			cJSON_AddItemToObject(spec, "template", pt ?
				cJSON_Duplicate(pt, 1) : cJSON_CreateObject());
			cJSON_AddNumberToObject(cJSON_AddObjectToObject(r,
					"status"), "replicas", 0);
			ctl_create(ctl_rs, ns, r);
			rs = ctl_find(ctl_rs, ns, rsn);
		}
		free(rsn);
		if (ctl_int(rs->json, "spec.replicas", 1) != want) {
			char *keep = xstrdup(rs->name);
			ctl_scale(rs, want, 0);
			rs = ctl_find(ctl_rs, ns, keep);
			free(keep);
			if (!rs) {
				continue;
			}
		}
		long avail = ctl_available(rs);
		cJSON *st = ctl_exp_template_status(status, tn);
		json_set_num(st, "replicas", (double)ctl_int(rs->json,
					"status.replicas", 0));
		json_set_num(st, "updatedReplicas", (double)ctl_int(rs->json,
					"status.replicas", 0));
		json_set_num(st, "readyReplicas", (double)ctl_int(rs->json,
					"status.readyReplicas", 0));
		json_set_num(st, "availableReplicas", (double)avail);
		const char *want_st = avail >= want ? "Running" : "Progressing";
		const char *cur = json_str(st, "status");
		if (!cur || strcmp(cur, want_st) != 0) {
			json_set_str(st, "status", want_st);
			json_set_str(st, "lastTransitionTime", ts);
		}
		all_ready = all_ready && avail >= want;
	}
	if (all_ready && !json_str(status, "availableAt")) {
		json_set_str(status, "availableAt", ts);
		json_set_str(status, "phase", "Running");
	}
	/* analyses, once running */
	bool any_failed = false, all_done = true;
	char failmsg[512] = "";
	const cJSON *ans = json_path(e, "spec.analyses");
	if (json_str(status, "availableAt")) {
		cJSON *ars = cJSON_CreateArray();
		for (const cJSON *a = ans ? ans->child : NULL; a; a = a->next) {
			const char *an = json_str(a, "name");
			if (!an) {
				continue;
			}
			char *arn = xasprintf("%s-%s", name, an);
			struct sim_obj *ar = ctl_find(ctl_ar, ns, arn);
			if (!ar) {
				/* reuse the rollout path: templates and args */
				cJSON *ra = cJSON_CreateObject();
				cJSON *refs = cJSON_AddArrayToObject(ra, "templates");
				cJSON *ref = cJSON_CreateObject();
				cJSON_AddStringToObject(ref, "templateName",
					json_str(a, "templateName") ?
					json_str(a, "templateName") : "");
				if (json_bool(a, "clusterScope", false)) {
					cJSON_AddTrueToObject(ref, "clusterScope");
				}
				cJSON_AddItemToArray(refs, ref);
				const cJSON *args = cJSON_GetObjectItem(a, "args");
				if (args) {
					cJSON_AddItemToObject(ra, "args",
						cJSON_Duplicate(args, 1));
				}
				const char *eh = ctl_label(e, CTL_HASH_LABEL);
				ctl_create_run(e, ra, arn, eh ? eh : "",
					       "Experiment", -1);
				cJSON_Delete(ra);
				ar = ctl_find(ctl_ar, ns, arn);
			}
			const char *ph = ar ? json_str(ar->json, "status.phase")
					    : NULL;
			cJSON *entry = cJSON_CreateObject();
			cJSON_AddStringToObject(entry, "name", an);
			cJSON_AddStringToObject(entry, "analysisRun", arn);
			cJSON_AddStringToObject(entry, "phase", ph ? ph : "Pending");
			cJSON_AddItemToArray(ars, entry);
			if (ph && (strcmp(ph, "Failed") == 0 ||
				   strcmp(ph, "Error") == 0)) {
				any_failed = true;
				const char *m = json_str(ar->json, "status.message");
				snprintf(failmsg, sizeof(failmsg), "%s", m ? m : ph);
			}
			all_done = all_done && analysis_phase_completed(ph);
			free(arn);
		}
		json_set_item(status, "analysisRuns", ars);
	}
	const char *dur = json_str(e, "spec.duration");
	long long d = dur ? clock_scaled(clock_parse_duration(dur)) : -1;
	long long avail_at = clock_parse_rfc3339(json_str(status,
							  "availableAt"));
	bool expired = json_str(status, "availableAt") && d >= 0 &&
		       ctl_now >= avail_at + d;
	if (json_str(status, "availableAt") && d >= 0 && !expired) {
		ctl_wake_at(avail_at + d);
	}
	bool terminate = json_bool(e, "spec.terminate", false);
	const char *done = NULL, *msg = NULL;
	if (any_failed) {
		done = "Failed";
		msg = failmsg;
	} else if (terminate) {
		done = "Successful";
		msg = "Experiment was terminated";
	} else if (expired || (d < 0 && ans && cJSON_GetArraySize(ans) &&
			       all_done && json_str(status, "availableAt"))) {
		done = "Successful";
	}
	if (done) {
		json_set_str(status, "phase", done);
		if (msg) {
			json_set_str(status, "message", msg);
		}
		for (const cJSON *a = ans ? ans->child : NULL; a; a = a->next) {
			char *arn = xasprintf("%s-%s", name, json_str(a, "name") ?
					      json_str(a, "name") : "");
			ctl_terminate_run(ns, arn);
			free(arn);
		}
		cJSON *tss = cJSON_GetObjectItem(status, "templateStatuses");
		for (cJSON *t = tss ? tss->child : NULL; t; t = t->next) {
			json_set_str(t, "status", done);
		}
	}
	struct sim_obj *now = store_get(ctl_exp, o->ns, o->name);
	if (now) {
		ctl_put(ctl_exp, e, now->json);
	} else {
		cJSON_Delete(e);
	}
}

/* A rollout's experiment step: the Experiment Argo would create. */
static void
ctl_create_experiment(const cJSON *ro, const cJSON *step, const char *name,
		      const char *hash, const struct sim_obj *new_rs,
		      const struct sim_obj *stable_rs)
{
	const char *ns = json_str(ro, "metadata.namespace");
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "apiVersion", "argoproj.io/v1alpha1");
	cJSON_AddStringToObject(e, "kind", "Experiment");
	cJSON *md = cJSON_AddObjectToObject(e, "metadata");
	cJSON_AddStringToObject(md, "name", name);
	cJSON_AddStringToObject(md, "namespace", ns);
	cJSON *labels = cJSON_AddObjectToObject(md, "labels");
	const cJSON *rl = json_path(ro, "metadata.labels");
	for (const cJSON *l = rl ? rl->child : NULL; l; l = l->next) {
		if (cJSON_IsString(l)) {
			cJSON_AddStringToObject(labels, l->string, l->valuestring);
		}
	}
	json_set_str(labels, CTL_HASH_LABEL, hash);
	const char *rev = ctl_annotation(ro, CTL_ANN_REVISION);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(md, "annotations"),
				CTL_ANN_REVISION, rev ? rev : "1");
	cJSON_AddItemToObject(md, "ownerReferences",
		ctl_owner_ref(ro, "argoproj.io/v1alpha1", "Rollout"));
	cJSON *spec = cJSON_AddObjectToObject(e, "spec");
	const char *dur = json_str(step, "duration");
	if (dur) {
		cJSON_AddStringToObject(spec, "duration", dur);
	}
	cJSON *tpls = cJSON_AddArrayToObject(spec, "templates");
	const cJSON *st = cJSON_GetObjectItem(step, "templates");
	for (const cJSON *t = st ? st->child : NULL; t; t = t->next) {
		const char *ref = json_str(t, "specRef");
		const struct sim_obj *src = ref && strcmp(ref, "stable") == 0
			? stable_rs : new_rs;
		cJSON *nt = cJSON_CreateObject();
		cJSON_AddStringToObject(nt, "name", json_str(t, "name") ?
					json_str(t, "name") : "");
		cJSON_AddNumberToObject(nt, "replicas", json_num(t, "replicas", 1));
		const cJSON *pt = src ? json_path(src->json, "spec.template")
				      : NULL;
		cJSON *tmpl = pt ? cJSON_Duplicate(pt, 1) : cJSON_CreateObject();
		const cJSON *sel = cJSON_GetObjectItem(t, "selector");
		cJSON *nsel = sel ? cJSON_Duplicate(sel, 1)
			: cJSON_Duplicate(src ? json_path(src->json,
					"spec.selector") : NULL, 1);
		if (!nsel) {
			nsel = cJSON_CreateObject();
		}
		const cJSON *ml = json_path(t, "metadata.labels");
		for (const cJSON *l = ml ? ml->child : NULL; l; l = l->next) {
			if (!cJSON_IsString(l)) {
				continue;
			}
			json_set_str(json_obj_ensure(json_obj_ensure(tmpl,
				"metadata"), "labels"), l->string, l->valuestring);
			json_set_str(json_obj_ensure(nsel, "matchLabels"),
				     l->string, l->valuestring);
		}
		cJSON_AddItemToObject(nt, "selector", nsel);
		cJSON_AddItemToObject(nt, "template", tmpl);
		cJSON_AddItemToArray(tpls, nt);
	}
	const cJSON *ans = cJSON_GetObjectItem(step, "analyses");
	if (ans) {
		cJSON_AddItemToObject(spec, "analyses", cJSON_Duplicate(ans, 1));
	}
	ctl_create(ctl_exp, ns, e);
}

/* ------------------------------------------------------------ rollouts */

struct ctl_ro_state {
	cJSON *ro;              /* the working copy */
	const char *ns, *name, *uid;
	long replicas;
	char hash[16];
	int revision;
	struct sim_obj *new_rs;  /* refreshed after every write (ctl_refresh) */
	char rsname[256];
	const char *stable;     /* status.stableRS (into ro) */
	bool traffic;           /* canary with trafficRouting */
	char abort_msg[512];
};

/* Conditions, as Argo's SetRolloutCondition: the same status and reason
 * keep the condition (its times); the same status keeps
 * lastTransitionTime. */
static void
ctl_condition(cJSON *status, const char *type, const char *st,
	      const char *reason, const char *message)
{
	cJSON *conds = cJSON_GetObjectItem(status, "conditions");
	if (!cJSON_IsArray(conds)) {
		conds = cJSON_CreateArray();
		json_set_item(status, "conditions", conds);
	}
	char ts[32];
	ctl_ts(ctl_now, ts);
	char *transition = xstrdup(ts);
	for (cJSON *c = conds->child; c; c = c->next) {
		const char *t = json_str(c, "type");
		if (!t || strcmp(t, type) != 0) {
			continue;
		}
		const char *cs = json_str(c, "status");
		const char *cr = json_str(c, "reason");
		if (cs && cr && strcmp(cs, st) == 0 && strcmp(cr, reason) == 0) {
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
ctl_condition_touch(cJSON *status, const char *type)
{
	cJSON *conds = cJSON_GetObjectItem(status, "conditions");
	for (cJSON *c = conds ? conds->child : NULL; c; c = c->next) {
		const char *t = json_str(c, "type");
		if (t && strcmp(t, type) == 0) {
			char ts[32];
			ctl_ts(ctl_now, ts);
			json_set_str(c, "lastUpdateTime", ts);
		}
	}
}

static const cJSON *
ctl_condition_get(const cJSON *status, const char *type)
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

/* The pod template: spec.template, or the workloadRef Deployment's. */
static const cJSON *
ctl_template(const cJSON *ro)
{
	const char *wk = json_str(ro, "spec.workloadRef.kind");
	const char *wn = json_str(ro, "spec.workloadRef.name");
	if (wk && wn && strcmp(wk, "Deployment") == 0) {
		struct sim_obj *d = ctl_find(ctl_deploy,
			json_str(ro, "metadata.namespace"), wn);
		return d ? json_path(d->json, "spec.template") : NULL;
	}
	return json_path(ro, "spec.template");
}

/* ReplicaSets the rollout owns, newest revision first. */
static struct sim_obj **
ctl_rollout_rss(const char *ns, const char *uid, size_t *n)
{
	size_t all;
	struct sim_obj **rss = store_list(ctl_rs, ns, &all);
	size_t k = 0;
	for (size_t i = 0; i < all; i++) {
		if (store_owned_by(rss[i]->json, uid)) {
			rss[k++] = rss[i];
		}
	}
	/* insertion sort by revision, descending */
	for (size_t i = 1; i < k; i++) {
		struct sim_obj *x = rss[i];
		long rx = strtol(ctl_annotation(x->json, CTL_ANN_REVISION) ?
				 ctl_annotation(x->json, CTL_ANN_REVISION) : "0",
				 NULL, 10);
		size_t j = i;
		while (j > 0) {
			const char *a = ctl_annotation(rss[j - 1]->json,
						       CTL_ANN_REVISION);
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
ctl_rs_by_hash(struct sim_obj **rss, size_t n, const char *hash)
{
	for (size_t i = 0; hash && i < n; i++) {
		const char *h = ctl_label(rss[i]->json, CTL_HASH_LABEL);
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
ctl_adopt_hash(struct ctl_ro_state *s, const cJSON *tmpl)
{
	size_t n;
	struct sim_obj **rss = ctl_rollout_rss(s->ns, s->uid, &n);
	for (size_t i = 0; i < n; i++) {
		const char *h = ctl_label(rss[i]->json, CTL_HASH_LABEL);
		const cJSON *t = json_path(rss[i]->json, "spec.template");
		if (!h || !t || strlen(h) >= sizeof(s->hash)) {
			continue;
		}
		cJSON *copy = cJSON_Duplicate(t, 1);
		cJSON *labels = json_path(copy, "metadata.labels");
		cJSON_DeleteItemFromObjectCaseSensitive(labels, CTL_HASH_LABEL);
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
ctl_ensure_new_rs(struct ctl_ro_state *s, const cJSON *tmpl, bool first)
{
	size_t n;
	struct sim_obj **rss = ctl_rollout_rss(s->ns, s->uid, &n);
	long maxrev = 0;
	for (size_t i = 0; i < n; i++) {
		const char *a = ctl_annotation(rss[i]->json, CTL_ANN_REVISION);
		long r = strtol(a ? a : "0", NULL, 10);
		maxrev = r > maxrev ? r : maxrev;
	}
	struct sim_obj *rs = ctl_rs_by_hash(rss, n, s->hash);
	free(rss);
	if (rs) {
		char *rsname = xstrdup(rs->name);
		const char *a = ctl_annotation(rs->json, CTL_ANN_REVISION);
		long r = strtol(a ? a : "0", NULL, 10);
		if (r < maxrev) {
			/* an older template is back (undo): it becomes the
			 * newest revision */
			cJSON *next = cJSON_Duplicate(rs->json, 1);
			char rev[24];
			snprintf(rev, sizeof(rev), "%ld", maxrev + 1);
			ctl_set_annotation(next, CTL_ANN_REVISION, rev);
			ctl_put(ctl_rs, next, rs->json);
		}
		snprintf(s->rsname, sizeof(s->rsname), "%s", rsname);
		s->new_rs = store_get(ctl_rs, s->ns, rsname);
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
	json_set_str(tl, CTL_HASH_LABEL, s->hash);
	cJSON_AddItemToObject(md, "labels", cJSON_Duplicate(tl, 1));
	cJSON *ann = cJSON_AddObjectToObject(md, "annotations");
	char rev[24], des[24];
	snprintf(rev, sizeof(rev), "%ld", maxrev + 1);
	snprintf(des, sizeof(des), "%ld", s->replicas);
	cJSON_AddStringToObject(ann, "rollout.argoproj.io/desired-replicas",
				des);
	cJSON_AddStringToObject(ann, CTL_ANN_REVISION, rev);
	cJSON_AddItemToObject(md, "ownerReferences",
		ctl_owner_ref(s->ro, "argoproj.io/v1alpha1", "Rollout"));
	cJSON *spec = cJSON_AddObjectToObject(o, "spec");
	cJSON_AddNumberToObject(spec, "replicas", first ? (double)s->replicas
							: 0);
	cJSON *sel = cJSON_AddObjectToObject(spec, "selector");
	const cJSON *ml = json_path(s->ro, "spec.selector.matchLabels");
	cJSON *nml = ml ? cJSON_Duplicate(ml, 1) : cJSON_CreateObject();
	json_set_str(nml, CTL_HASH_LABEL, s->hash);
	cJSON_AddItemToObject(sel, "matchLabels", nml);
	cJSON_AddItemToObject(spec, "template", t);
	cJSON_AddNumberToObject(cJSON_AddObjectToObject(o, "status"),
				"replicas", 0);
	ctl_create(ctl_rs, s->ns, o);
	snprintf(s->rsname, sizeof(s->rsname), "%s", name);
	s->new_rs = store_get(ctl_rs, s->ns, name);
	free(name);
}

/* Writes replace store objects: look the new ReplicaSet up again. */
static void
ctl_refresh(struct ctl_ro_state *s)
{
	s->new_rs = store_get(ctl_rs, s->ns, s->rsname);
}

static long
ctl_available(const struct sim_obj *rs)
{
	/* defined late: used by experiments and rollouts alike */
	return rs ? ctl_int(rs->json, "status.availableReplicas", 0) : 0;
}

/* The weight of the steps up to (not past) idx: Argo's
 * GetCurrentSetWeight walking back from the current step. */
static int
ctl_set_weight(const cJSON *steps, int idx, int n)
{
	if (idx >= n) {
		return 100;
	}
	for (int i = idx; i >= 0; i--) {
		const cJSON *w = json_path(cJSON_GetArrayItem(steps, i),
					   "setWeight");
		if (cJSON_IsNumber(w)) {
			return (int)w->valuedouble;
		}
	}
	return 0;
}

/* setCanaryScale in force at idx: replicas to use for the canary, or -1. */
static long
ctl_canary_scale(const cJSON *steps, int idx, long replicas, int weight)
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
	(void)weight;
	return -1;
}

static void
ctl_update_virtualservice(const struct ctl_ro_state *s, int canary_w)
{
	const cJSON *istio = json_path(s->ro,
		"spec.strategy.canary.trafficRouting.istio");
	const char *vsname = json_str(istio, "virtualService.name");
	if (!vsname) {
		return;
	}
	struct sim_obj *vs = ctl_find(ctl_vs, s->ns, vsname);
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
		for (const cJSON *r = routes ? routes->child : NULL; r && !wanted;
		     r = r->next) {
			wanted = hn && cJSON_IsString(r) &&
				 strcmp(r->valuestring, hn) == 0;
		}
		if (!wanted) {
			continue;
		}
		cJSON *dests = cJSON_GetObjectItem(h, "route");
		for (cJSON *d = dests ? dests->child : NULL; d; d = d->next) {
			const char *host = json_str(d, "destination.host");
			if (host && canary_svc && strcmp(host, canary_svc) == 0) {
				json_set_num(d, "weight", canary_w);
			} else if (host && stable_svc &&
				   strcmp(host, stable_svc) == 0) {
				json_set_num(d, "weight", 100 - canary_w);
			}
		}
	}
	ctl_put(ctl_vs, next, vs->json);
}

static void
ctl_weights(struct ctl_ro_state *s, cJSON *status, int canary_w)
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
	ctl_update_virtualservice(s, canary_w);
}

static void
ctl_run_status(cJSON *status, const char *key, const char *ns,
	       const char *name)
{
	cJSON *canary = json_obj_ensure(status, "canary");
	struct sim_obj *ar = ctl_find(ctl_ar, ns, name);
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
ctl_pause_find(cJSON *status, const char *reason)
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
ctl_pause_add(cJSON *status, const char *reason)
{
	if (ctl_pause_find(status, reason)) {
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
	ctl_ts(ctl_now, ts);
	cJSON_AddStringToObject(p, "startTime", ts);
	cJSON_AddItemToArray(pcs, p);
	json_set_item(status, "controllerPause", cJSON_CreateTrue());
}

static void
ctl_pause_clear(cJSON *status)
{
	cJSON_DeleteItemFromObjectCaseSensitive(status, "pauseConditions");
}

/* Old ReplicaSets (neither new nor stable) go to zero, after the
 * scale-down delay when traffic is routed. */
static void
ctl_scale_down_old(struct ctl_ro_state *s, const char *keep1,
		   const char *keep2, long long delay_ms)
{
	size_t n;
	struct sim_obj **rss = ctl_rollout_rss(s->ns, s->uid, &n);
	char **names = xcalloc(n + 1, sizeof(*names));
	for (size_t i = 0; i < n; i++) {
		const char *h = ctl_label(rss[i]->json, CTL_HASH_LABEL);
		if ((keep1 && h && strcmp(h, keep1) == 0) ||
		    (keep2 && h && strcmp(h, keep2) == 0)) {
			continue;
		}
		names[i] = xstrdup(rss[i]->name);
	}
	free(rss);
	for (size_t i = 0; i < n; i++) {
		if (names[i]) {
			struct sim_obj *rs = store_get(ctl_rs, s->ns, names[i]);
			if (rs && ctl_int(rs->json, "spec.replicas", 1) > 0) {
				ctl_scale(rs, 0, delay_ms);
			}
			free(names[i]);
		}
	}
	free(names);
}

/* Replica counts of the rollout from its ReplicaSets. */
static void
ctl_counts(struct ctl_ro_state *s, cJSON *status)
{
	size_t n;
	struct sim_obj **rss = ctl_rollout_rss(s->ns, s->uid, &n);
	long replicas = 0, ready = 0, avail = 0, updated = 0;
	for (size_t i = 0; i < n; i++) {
		replicas += ctl_int(rss[i]->json, "status.replicas", 0);
		ready += ctl_int(rss[i]->json, "status.readyReplicas", 0);
		avail += ctl_int(rss[i]->json, "status.availableReplicas", 0);
		const char *h = ctl_label(rss[i]->json, CTL_HASH_LABEL);
		if (h && strcmp(h, s->hash) == 0) {
			updated = ctl_int(rss[i]->json, "status.replicas", 0);
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
		ctl_condition(status, "Available", "True", "AvailableReason",
			      "Rollout has minimum availability");
	} else {
		ctl_condition(status, "Available", "False", "AvailableReason",
			      "Rollout does not have minimum availability");
	}
}

/* The analysis run named by the current background/step analysis. */
static char *
ctl_run_name(const struct ctl_ro_state *s, int step)
{
	return step >= 0 ? xasprintf("%s-%s-%d-%d", s->name, s->hash,
				     s->revision, step)
			 : xasprintf("%s-%s-%d", s->name, s->hash, s->revision);
}

/*
 * What a child's phase (an AnalysisRun or an Experiment) means for the
 * rollout, as Argo's pause context records it: Successful moves on (1);
 * Failed or Error aborts with "<what>: <child's message>" (-1);
 * Inconclusive pauses with pause_reason (0); anything else waits (0).
 */
static int
ctl_child_verdict(struct ctl_ro_state *s, cJSON *status, const cJSON *child,
		  const char *what, const char *pause_reason)
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
		snprintf(s->abort_msg, sizeof(s->abort_msg), "%s%s%s", what,
			 m ? ": " : "", m ? m : "");
		json_set_item(status, "abort", cJSON_CreateTrue());
		return -1;
	}
	if (strcmp(ph, "Inconclusive") == 0) {
		ctl_pause_add(status, pause_reason);
	}
	return 0;
}

static void
ctl_canary(struct ctl_ro_state *s, cJSON *status)
{
	const cJSON *canary = json_path(s->ro, "spec.strategy.canary");
	const cJSON *steps = cJSON_GetObjectItem(canary, "steps");
	int n = cJSON_GetArraySize(steps);
	int idx = (int)ctl_int(status, "currentStepIndex", 0);
	bool abort = json_bool(status, "abort", false);
	bool paused = json_bool(s->ro, "spec.paused", false);
	const char *stable = s->stable;
	bool fresh = !stable || !*stable;
	long long sdelay = clock_scaled((long long)ctl_int(canary,
		"scaleDownDelaySeconds", s->traffic ? 30 : 0) * 1000);
	long long adelay = clock_scaled((long long)ctl_int(canary,
		"abortScaleDownDelaySeconds", s->traffic ? 30 : 0) * 1000);

	if (json_bool(status, "promoteFull", false)) {
		idx = n;
		ctl_pause_clear(status);
		cJSON_DeleteItemFromObjectCaseSensitive(status,
							"controllerPause");
	}
	if (fresh) {
		idx = n;
	}

	/* background analysis */
	char *bg = ctl_run_name(s, -1);
	const cJSON *bga = cJSON_GetObjectItem(canary, "analysis");
	bool full = !fresh && strcmp(stable, s->hash) == 0;
	int starting = (int)ctl_int(bga, "startingStep", 0);
	if (bga && !fresh && !full && !abort && idx >= starting &&
	    !ctl_find(ctl_ar, s->ns, bg)) {
		ctl_create_run(s->ro, bga, bg, s->hash, "Background", -1);
	}
	struct sim_obj *bgo = ctl_find(ctl_ar, s->ns, bg);
	if (bgo && !abort &&
	    ctl_child_verdict(s, status, bgo->json,
			      "Background analysis phase error/failed",
			      "InconclusiveAnalysisRun") < 0) {
		abort = true;
	}

	/* steps */
	while (!abort && !paused && idx < n) {
		const cJSON *step = cJSON_GetArrayItem(steps, idx);
		const cJSON *sw = cJSON_GetObjectItem(step, "setWeight");
		const cJSON *pause = cJSON_GetObjectItem(step, "pause");
		const cJSON *an = cJSON_GetObjectItem(step, "analysis");
		if (ctl_pause_find(status, "InconclusiveAnalysisRun")) {
			break;
		}
		if (cJSON_IsNumber(sw)) {
			long want = ctl_canary_scale(steps, idx, s->replicas,
						     (int)sw->valuedouble);
			if (want < 0) {
				want = (long)ceil(sw->valuedouble *
						  (double)s->replicas / 100.0);
			}
			if (ctl_int(s->new_rs->json, "spec.replicas", 0) != want) {
				ctl_scale(s->new_rs, want, 0);
				ctl_refresh(s);
			}
			if (ctl_available(s->new_rs) < want) {
				break;
			}
			idx++;
			continue;
		}
		if (pause) {
			cJSON *pc = ctl_pause_find(status, "CanaryPauseStep");
			if (!pc && json_bool(status, "controllerPause", false)) {
				/* promoted past the pause */
				cJSON_DeleteItemFromObjectCaseSensitive(status,
					"controllerPause");
				idx++;
				continue;
			}
			if (!pc) {
				ctl_pause_add(status, "CanaryPauseStep");
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
				if (ctl_now >= start + dur) {
					ctl_pause_clear(status);
					cJSON_DeleteItemFromObjectCaseSensitive(
						status, "controllerPause");
					idx++;
					continue;
				}
				ctl_wake_at(start + dur);
			}
			break;
		}
		if (an) {
			char *rn = ctl_run_name(s, idx);
			struct sim_obj *ar = ctl_find(ctl_ar, s->ns, rn);
			if (!ar) {
				ctl_create_run(s->ro, an, rn, s->hash, "Step",
					       idx);
				free(rn);
				break;
			}
			int v = ctl_child_verdict(s, status, ar->json,
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
			struct sim_obj *eo = ctl_find(ctl_exp, s->ns, en);
			if (!eo) {
				size_t nr;
				struct sim_obj **rss = ctl_rollout_rss(s->ns,
							s->uid, &nr);
				struct sim_obj *srs = ctl_rs_by_hash(rss, nr,
								     s->stable);
				free(rss);
				ctl_create_experiment(s->ro, ex, en, s->hash,
						      s->new_rs, srs);
				ctl_refresh(s);
				eo = ctl_find(ctl_exp, s->ns, en);
				if (eo) {
					ctl_experiment(eo);
				}
				free(en);
				break;
			}
			json_set_str(json_obj_ensure(status, "canary"),
				     "currentExperiment", en);
			int v = ctl_child_verdict(s, status, eo->json,
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
	if (n > 0 || cJSON_GetObjectItem(status, "currentStepIndex")) {
		json_set_num(status, "currentStepIndex", idx);
	}

	/* scale and weights */
	int weight = abort ? 0 : ctl_set_weight(steps, idx, n);
	if (abort) {
		if (!json_str(status, "abortedAt")) {
			char ts[32];
			ctl_ts(ctl_now, ts);
			json_set_str(status, "abortedAt", ts);
		}
		ctl_pause_clear(status);
		cJSON_DeleteItemFromObjectCaseSensitive(status,
							"controllerPause");
		if (!full) {
			ctl_scale(s->new_rs, 0, adelay);
			ctl_refresh(s);
		}
		ctl_weights(s, status, 0);
		ctl_terminate_run(s->ns, bg);
		char *sn = ctl_run_name(s, idx);
		ctl_terminate_run(s->ns, sn);
		free(sn);
	} else if (idx >= n) {
		ctl_scale(s->new_rs, s->replicas, 0);
		ctl_refresh(s);
		if (ctl_available(s->new_rs) >= s->replicas) {
			json_set_str(status, "stableRS", s->hash);
			s->stable = json_str(status, "stableRS");
			cJSON_DeleteItemFromObjectCaseSensitive(status,
								"promoteFull");
			ctl_scale_down_old(s, s->hash, NULL, sdelay);
			ctl_terminate_run(s->ns, bg);
			ctl_weights(s, status, 0);
		}
		/* until the new ReplicaSet is fully available the weights
		 * stay where the last step put them */
	} else {
		long want = ctl_canary_scale(steps, idx, s->replicas, weight);
		if (want < 0) {
			want = (long)ceil((double)weight * (double)s->replicas /
					  100.0);
		}
		ctl_scale(s->new_rs, want, 0);
		ctl_refresh(s);
		if (ctl_available(s->new_rs) >= want) {
			ctl_weights(s, status, weight);
		}
	}
	/* the stable ReplicaSet keeps full size (traffic routing), or makes
	 * room for the canary (basic canary) */
	struct sim_obj *stable_rs = NULL;
	if (s->stable && *s->stable && strcmp(s->stable, s->hash) != 0) {
		size_t nr;
		struct sim_obj **rss = ctl_rollout_rss(s->ns, s->uid, &nr);
		stable_rs = ctl_rs_by_hash(rss, nr, s->stable);
		free(rss);
		if (stable_rs) {
			long cw = ctl_int(s->new_rs->json, "spec.replicas", 0);
			long want = s->traffic || abort ? s->replicas
				  : (s->replicas - cw > 0 ? s->replicas - cw : 0);
			ctl_scale(stable_rs, want, 0);
		}
		ctl_scale_down_old(s, s->hash, s->stable, sdelay);
	}
	ctl_run_status(status, "currentBackgroundAnalysisRunStatus", s->ns, bg);
	free(bg);
	char *sn = ctl_run_name(s, idx < n ? idx : -2);
	if (idx < n && cJSON_IsObject(json_path(cJSON_GetArrayItem(steps, idx),
						"analysis"))) {
		ctl_run_status(status, "currentStepAnalysisRunStatus", s->ns,
			       sn);
	} else {
		cJSON_DeleteItemFromObjectCaseSensitive(
			json_obj_ensure(status, "canary"),
			"currentStepAnalysisRunStatus");
	}
	free(sn);
}

static void
ctl_service_selector(const char *ns, const char *svc, const char *hash)
{
	struct sim_obj *o = ctl_find(ctl_svc, ns, svc);
	if (!o || !hash) {
		return;
	}
	cJSON *next = cJSON_Duplicate(o->json, 1);
	json_set_str(json_obj_ensure(json_obj_ensure(next, "spec"),
				     "selector"), CTL_HASH_LABEL, hash);
	ctl_put(ctl_svc, next, o->json);
}

/* A blue-green analysis (pre- or post-promotion): created when due, its
 * status recorded; returns ctl_child_verdict's answer (1 go on, 0 wait,
 * -1 aborted). */
static int
ctl_bluegreen_analysis(struct ctl_ro_state *s, cJSON *status,
		       const cJSON *ra, const char *infix, const char *type,
		       const char *key, const char *what)
{
	char *name = xasprintf("%s-%s-%d-%s", s->name, s->hash, s->revision,
			       infix);
	if (!ctl_find(ctl_ar, s->ns, name)) {
		ctl_create_run(s->ro, ra, name, s->hash, type, -1);
		ctl_refresh(s);
	}
	struct sim_obj *ar = ctl_find(ctl_ar, s->ns, name);
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
	int v = ar ? ctl_child_verdict(s, status, ar->json, what,
				       "InconclusiveAnalysisRun") : 0;
	free(name);
	return v;
}

static void
ctl_bluegreen(struct ctl_ro_state *s, cJSON *status)
{
	const cJSON *bg = json_path(s->ro, "spec.strategy.blueGreen");
	cJSON *bgs = json_obj_ensure(status, "blueGreen");
	const char *active = json_str(bgs, "activeSelector");
	bool fresh = !active || !*active;
	bool autopromote = json_bool(bg, "autoPromotionEnabled", true);
	long long sdelay = clock_scaled((long long)ctl_int(bg,
		"scaleDownDelaySeconds", 30) * 1000);
	long preview = ctl_int(bg, "previewReplicaCount", s->replicas);
	bool abort = json_bool(status, "abort", false);
	const cJSON *pre = cJSON_GetObjectItem(bg, "prePromotionAnalysis");
	const cJSON *post = cJSON_GetObjectItem(bg, "postPromotionAnalysis");

	if (fresh) {
		ctl_scale(s->new_rs, s->replicas, 0);
		ctl_refresh(s);
		if (ctl_available(s->new_rs) >= s->replicas) {
			json_set_str(bgs, "activeSelector", s->hash);
			json_set_str(bgs, "previewSelector", s->hash);
			json_set_str(status, "stableRS", s->hash);
		}
	} else if (strcmp(active, s->hash) != 0 && !abort) {
		bool promote = json_bool(status, "promoteFull", false);
		ctl_scale(s->new_rs, promote ? s->replicas : preview, 0);
		ctl_refresh(s);
		bool ready = ctl_available(s->new_rs) >= (promote ? s->replicas
							   : preview);
		if (ready) {
			json_set_str(bgs, "previewSelector", s->hash);
		}
		/* pre-promotion analysis gates the switch */
		bool verified = true;
		if (pre && ready && !promote) {
			int v = ctl_bluegreen_analysis(s, status, pre, "pre",
				"PrePromotion", "prePromotionAnalysisRunStatus",
				"Blue/green pre-promotion analysis phase "
				"error/failed");
			abort = v < 0;
			verified = v > 0;
		}
		cJSON *pc = ctl_pause_find(status, "BlueGreenPause");
		bool released = !pc && json_bool(status, "controllerPause",
						 false);
		long long asec = clock_scaled((long long)ctl_int(bg,
			"autoPromotionSeconds", 0) * 1000);
		if (pc && asec > 0) {
			long long st = clock_parse_rfc3339(json_str(pc,
								    "startTime"));
			if (ctl_now >= st + asec) {
				ctl_pause_clear(status);
				released = true;
			} else {
				ctl_wake_at(st + asec);
			}
		}
		if (abort) {
			/* handled below */
		} else if (ready && verified && !autopromote && !pc &&
			   !released && !promote) {
			ctl_pause_add(status, "BlueGreenPause");
		} else if (ready && verified &&
			   (autopromote || released || promote)) {
			ctl_scale(s->new_rs, s->replicas, 0);
			ctl_refresh(s);
			if (ctl_available(s->new_rs) >= s->replicas) {
				ctl_pause_clear(status);
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
		int v = ctl_bluegreen_analysis(s, status, post, "post",
			"PostPromotion", "postPromotionAnalysisRunStatus",
			"Blue/green post-promotion analysis phase "
			"error/failed");
		if (v > 0) {
			json_set_str(status, "stableRS", s->hash);
		}
		abort = v < 0;
	}
	if (abort) {
		ctl_pause_clear(status);
		cJSON_DeleteItemFromObjectCaseSensitive(status,
							"controllerPause");
		stable = json_str(status, "stableRS");
		active = json_str(bgs, "activeSelector");
		if (stable && *stable && strcmp(stable, s->hash) != 0) {
			/* back to the stable ReplicaSet */
			json_set_str(bgs, "activeSelector", stable);
			json_set_str(bgs, "previewSelector", stable);
			ctl_scale(s->new_rs, 0, clock_scaled(30000));
			ctl_refresh(s);
		}
	}
	active = json_str(bgs, "activeSelector");
	stable = json_str(status, "stableRS");
	if (active && *active) {
		const char *keep2 = strcmp(active, s->hash) != 0 ? s->hash
				  : (stable && strcmp(stable, s->hash) != 0 ?
				     stable : NULL);
		ctl_scale_down_old(s, active, keep2, sdelay);
		ctl_service_selector(s->ns, json_str(bg, "activeService"),
				     active);
	}
	const char *pv = json_str(bgs, "previewSelector");
	if (pv && json_str(bg, "previewService")) {
		ctl_service_selector(s->ns, json_str(bg, "previewService"), pv);
	}
}

/* Pods older than spec.restartAt are replaced one at a time. */
static void
ctl_restart(struct ctl_ro_state *s, cJSON *status)
{
	const char *ra = json_str(s->ro, "spec.restartAt");
	if (!ra) {
		return;
	}
	long long at = clock_parse_rfc3339(ra);
	if (ctl_now < at) {
		ctl_wake_at(at);
		return;
	}
	const char *done = json_str(status, "restartedAt");
	if (done && strcmp(done, ra) == 0) {
		return;
	}
	size_t nr;
	struct sim_obj **rss = ctl_rollout_rss(s->ns, s->uid, &nr);
	char **uids = xcalloc(nr + 1, sizeof(*uids));
	for (size_t i = 0; i < nr; i++) {
		uids[i] = xstrdup(json_str(rss[i]->json, "metadata.uid"));
	}
	free(rss);
	size_t np;
	struct sim_obj **pods = store_list(ctl_pod, s->ns, &np);
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
		all_ready = all_ready && ctl_pod_ready(pods[i]->json);
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
		ctl_changed = true;
	}
	free(pods);
	for (size_t i = 0; i < nr; i++) {
		free(uids[i]);
	}
	free(uids);
}

/* Argo's RolloutProgressing: did this pass move the rollout on? */
static bool
ctl_progressed(const cJSON *before, const cJSON *after)
{
	const cJSON *a = json_path(before, "status");
	const cJSON *b = json_path(after, "status");
	long oupd = ctl_int(a, "updatedReplicas", 0);
	long nupd = ctl_int(b, "updatedReplicas", 0);
	long oold = ctl_int(a, "replicas", 0) - oupd;
	long nold = ctl_int(b, "replicas", 0) - nupd;
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
	       ctl_int(b, "readyReplicas", 0) > ctl_int(a, "readyReplicas", 0) ||
	       ctl_int(b, "availableReplicas", 0) >
		       ctl_int(a, "availableReplicas", 0) ||
	       ctl_int(b, "currentStepIndex", 0) !=
		       ctl_int(a, "currentStepIndex", 0);
}

static void
ctl_rollout(struct sim_obj *o)
{
	struct ctl_ro_state s;
	memset(&s, 0, sizeof(s));
	s.ro = cJSON_Duplicate(o->json, 1);
	s.ns = json_str(s.ro, "metadata.namespace");
	s.name = json_str(s.ro, "metadata.name");
	s.uid = json_str(s.ro, "metadata.uid");
	s.replicas = ctl_int(s.ro, "spec.replicas", 1);
	bool bluegreen = json_path(s.ro, "spec.strategy.blueGreen") != NULL;
	s.traffic = json_path(s.ro, "spec.strategy.canary.trafficRouting") != NULL;
	cJSON *status = json_obj_ensure(s.ro, "status");
	const cJSON *tmpl = ctl_template(s.ro);
	if (!tmpl || (!bluegreen &&
		      !json_path(s.ro, "spec.strategy.canary"))) {
		ctl_condition(status, "InvalidSpec", "True", "InvalidSpec",
			      tmpl ? "Rollout has missing field "
				     "'.spec.strategy.canary or "
				     ".spec.strategy.blueGreen'"
				   : "Rollout has missing field "
				     "'.spec.template'");
		goto finish;
	}
	ctl_hash(tmpl, s.hash);
	ctl_adopt_hash(&s, tmpl);
	s.stable = json_str(status, "stableRS");
	const char *cur = json_str(status, "currentPodHash");
	bool first = !s.stable || !*s.stable;
	if (!cur || strcmp(cur, s.hash) != 0) {
		/* a new revision: Argo resets the step state */
		json_set_str(status, "currentPodHash", s.hash);
		cJSON_DeleteItemFromObjectCaseSensitive(status, "abort");
		cJSON_DeleteItemFromObjectCaseSensitive(status, "abortedAt");
		ctl_pause_clear(status);
		cJSON_DeleteItemFromObjectCaseSensitive(status,
							"controllerPause");
		cJSON_DeleteItemFromObjectCaseSensitive(status, "promoteFull");
		if (!bluegreen) {
			json_set_num(status, "currentStepIndex", 0);
		}
	}
	ctl_ensure_new_rs(&s, tmpl, first);
	if (!s.new_rs) {
		goto finish;
	}
	const char *rev = ctl_annotation(s.new_rs->json, CTL_ANN_REVISION);
	s.revision = (int)strtol(rev ? rev : "1", NULL, 10);
	ctl_set_annotation(s.ro, CTL_ANN_REVISION, rev ? rev : "1");
	if (!bluegreen) {
		const cJSON *steps = json_path(s.ro,
					       "spec.strategy.canary.steps");
		char sh[16];
		cJSON *sj = steps ? cJSON_Duplicate(steps, 1)
				  : cJSON_CreateArray();
		ctl_hash(sj, sh);
		cJSON_Delete(sj);
		json_set_str(status, "currentStepHash", sh);
	}

	/* retry: abort cleared after an abort */
	const cJSON *prog = ctl_condition_get(status, "Progressing");
	bool was_aborted = prog && json_str(prog, "reason") &&
			   strcmp(json_str(prog, "reason"), "RolloutAborted") == 0;
	bool abort = json_bool(status, "abort", false);
	if (was_aborted && !abort) {
		ctl_condition(status, "Progressing", "Unknown", "RolloutRetry",
			      "Retrying Rollout after abort");
		cJSON_DeleteItemFromObjectCaseSensitive(status, "abortedAt");
		if (!bluegreen) {
			json_set_num(status, "currentStepIndex", 0);
		}
		/* the failed runs of this revision are replaced */
		char *bg = ctl_run_name(&s, -1);
		struct sim_obj *ar = ctl_find(ctl_ar, s.ns, bg);
		if (ar) {
			store_delete(ar);
			ctl_changed = true;
		}
		free(bg);
	}
	if (bluegreen) {
		ctl_bluegreen(&s, status);
	} else {
		ctl_canary(&s, status);
	}
	ctl_restart(&s, status);
	ctl_counts(&s, status);

	/* conditions */
	abort = json_bool(status, "abort", false);
	const char *stable = json_str(status, "stableRS");
	bool completed = stable && strcmp(stable, s.hash) == 0;
	bool is_paused = cJSON_GetArraySize(cJSON_GetObjectItem(status,
					"pauseConditions")) > 0 ||
			 json_bool(s.ro, "spec.paused", false);
	char rsmsg[512];
	ctl_refresh(&s);
	snprintf(rsmsg, sizeof(rsmsg), "%s", s.rsname);
	if (abort) {
		char msg[1024];
		prog = ctl_condition_get(status, "Progressing");
		const char *pm = prog ? json_str(prog, "message") : NULL;
		char base[64];
		snprintf(base, sizeof(base), "Rollout aborted update to revision "
			 "%d", s.revision);
		if (s.abort_msg[0]) {
			snprintf(msg, sizeof(msg), "%s: %s", base, s.abort_msg);
		} else if (pm && strncmp(pm, base, strlen(base)) == 0) {
			snprintf(msg, sizeof(msg), "%s", pm);
		} else {
			snprintf(msg, sizeof(msg), "%s", base);
		}
		ctl_condition(status, "Progressing", "False", "RolloutAborted",
			      msg);
	} else if (completed && json_num(status, "availableReplicas", 0) >=
		   (double)s.replicas) {
		char m[600];
		snprintf(m, sizeof(m), "ReplicaSet \"%s\" has successfully "
			 "progressed.", rsmsg);
		ctl_condition(status, "Progressing", "True",
			      "NewReplicaSetAvailable", m);
	} else if (is_paused) {
		ctl_condition(status, "Progressing", "Unknown", "RolloutPaused",
			      "Rollout is paused");
	} else {
		prog = ctl_condition_get(status, "Progressing");
		const char *pr = prog ? json_str(prog, "reason") : NULL;
		char m[600];
		snprintf(m, sizeof(m), "ReplicaSet \"%s\" is progressing.",
			 rsmsg);
		if (!pr || strcmp(pr, "NewReplicaSetAvailable") == 0 ||
		    strcmp(pr, "RolloutPaused") == 0 ||
		    strcmp(pr, "RolloutRetry") == 0) {
			ctl_condition(status, "Progressing", "True",
				      "ReplicaSetUpdated", m);
		} else if (ctl_progressed(o->json, s.ro)) {
			ctl_condition(status, "Progressing", "True",
				      "ReplicaSetUpdated", m);
			ctl_condition_touch(status, "Progressing");
		} else if (strcmp(pr, "ProgressDeadlineExceeded") != 0) {
			/* no progress for progressDeadlineSeconds */
			long long dl = clock_scaled((long long)ctl_int(s.ro,
				"spec.progressDeadlineSeconds", 600) * 1000);
			long long from = clock_parse_rfc3339(json_str(prog,
							"lastUpdateTime"));
			if (from > 0 && ctl_now >= from + dl) {
				char tm[600];
				snprintf(tm, sizeof(tm), "ReplicaSet \"%s\" has "
					 "timed out progressing.", rsmsg);
				ctl_condition(status, "Progressing", "False",
					      "ProgressDeadlineExceeded", tm);
				if (json_bool(s.ro, "spec.progressDeadlineAbort",
					      false)) {
					json_set_item(status, "abort",
						      cJSON_CreateTrue());
					char am[700];
					snprintf(am, sizeof(am), "Rollout aborted "
						 "update to revision %d: %s",
						 s.revision, tm);
					ctl_condition(status, "Progressing",
						      "False", "RolloutAborted",
						      am);
				}
			} else if (from > 0) {
				ctl_wake_at(from + dl);
			}
		}
	}
	if (!abort) {
		ctl_condition(status, "Paused", is_paused ? "True" : "False",
			      "RolloutPaused", "Rollout is paused");
	}
	ctl_condition(status, "Completed", completed ? "True" : "False",
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
	if (healthy || ctl_condition_get(status, "Healthy")) {
		ctl_condition(status, "Healthy", healthy ? "True" : "False",
			      "RolloutHealthy", healthy ? "Rollout is healthy"
			      : "Rollout is not healthy");
	}
	json_set_str(status, "phase", phase ? phase : "Progressing");
	json_set_str(status, "message", msg.buf);
	buf_release(&msg);
	struct sim_obj *now = store_get(ctl_ro, o->ns, o->name);
	if (now) {
		ctl_put(ctl_ro, s.ro, now->json);
	} else {
		cJSON_Delete(s.ro);
	}
}

/* --------------------------------------------------------------- loop */

/* Run fn on every object of r that filter accepts (NULL: all). Keys are
 * copied first: fn writes, and writes replace store objects. */
static void
ctl_each(struct sim_resource *r, bool (*filter)(const cJSON *),
	 void (*fn)(struct sim_obj *))
{
	size_t n;
	struct sim_obj **objs = store_list(r, NULL, &n);
	char **keys = xcalloc(n + 1, sizeof(*keys));
	for (size_t i = 0; i < n; i++) {
		if (!filter || filter(objs[i]->json)) {
			keys[i] = xstrdup(objs[i]->key);
		}
	}
	free(objs);
	for (size_t i = 0; i < n; i++) {
		if (!keys[i]) {
			continue;
		}
		char *slash = strchr(keys[i], '/');
		*slash = '\0';
		struct sim_obj *o = store_get(r, keys[i], slash + 1);
		if (o) {
			fn(o);
		}
		free(keys[i]);
	}
	free(keys);
}

static bool
ctl_run_pending(const cJSON *run)
{
	return !analysis_phase_completed(json_str(run, "status.phase"));
}

static void
ctl_pass(void)
{
	ctl_each(ctl_rs, ctl_managed_rs, ctl_replicaset);
	ctl_each(ctl_ar, ctl_run_pending, ctl_analysisrun);
	ctl_each(ctl_exp, NULL, ctl_experiment);
	ctl_each(ctl_ro, NULL, ctl_rollout);
}

void
controller_reconcile(void)
{
	if (!ctl_opts.enabled) {
		return;
	}
	ctl_now = clock_now_ms();
	ctl_wake = 0;
	for (int i = 0; i < 20; i++) {
		ctl_changed = false;
		ctl_pass();
		if (!ctl_changed) {
			break;
		}
	}
}

void
controller_advance(long long ms)
{
	long long target = clock_now_ms() + ms;
	controller_reconcile();
	while (ctl_opts.enabled && ctl_wake > 0 && ctl_wake <= target) {
		clock_set_ms(ctl_wake);
		controller_reconcile();
	}
	clock_set_ms(target);
	controller_reconcile();
}

void
controller_init(const struct ctl_options *o)
{
	ctl_opts = *o;
	ctl_rand = o->seed ? o->seed : 1;
	ctl_ro = registry_find("argoproj.io", "v1alpha1", "rollouts");
	ctl_rs = registry_find("apps", "v1", "replicasets");
	ctl_pod = registry_find("", "v1", "pods");
	ctl_ar = registry_find("argoproj.io", "v1alpha1", "analysisruns");
	ctl_at = registry_find("argoproj.io", "v1alpha1", "analysistemplates");
	ctl_cat = registry_find("argoproj.io", "v1alpha1",
				"clusteranalysistemplates");
	ctl_exp = registry_find("argoproj.io", "v1alpha1", "experiments");
	ctl_vs = registry_find("networking.istio.io", "v1beta1",
			       "virtualservices");
	ctl_deploy = registry_find("apps", "v1", "deployments");
	ctl_svc = registry_find("", "v1", "services");
}

static void *
ctl_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&sim_lock);
	size_t seen = (size_t)-1;
	while (!sim_stopping) {
		/* something changed, or something is due */
		if (store_seq_end() != seen ||
		    (ctl_wake != 0 && clock_now_ms() >= ctl_wake)) {
			controller_reconcile();
			seen = store_seq_end();
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&sim_cond, &sim_lock, &ts);
	}
	pthread_mutex_unlock(&sim_lock);
	return NULL;
}

int
controller_start(void)
{
	if (!ctl_opts.enabled) {
		return 0;
	}
	pthread_mutex_lock(&sim_lock);
	controller_reconcile();
	pthread_mutex_unlock(&sim_lock);
	if (clock_manual()) {
		return 0;
	}
	if (pthread_create(&ctl_thread, NULL, ctl_main, NULL) != 0) {
		return -1;
	}
	ctl_running = true;
	return 0;
}

void
controller_stop(void)
{
	if (ctl_running) {
		pthread_mutex_lock(&sim_lock);
		sim_stopping = 1;
		pthread_cond_broadcast(&sim_cond);
		pthread_mutex_unlock(&sim_lock);
		pthread_join(ctl_thread, NULL);
		ctl_running = false;
	}
}

/* ------------------------------------------------------------ traffic */

const char *
controller_traffic(const char *ns, const char *name)
{
	char key[192];
	snprintf(key, sizeof(key), "%s/%s", ns, name);
	for (int i = 0; i < ctl_nbad; i++) {
		if (strcmp(ctl_bad[i], key) == 0) {
			return "bad";
		}
	}
	return "good";
}

int
controller_set_traffic(const char *ns, const char *name, const char *mode)
{
	char key[192];
	snprintf(key, sizeof(key), "%s/%s", ns, name);
	bool bad = strcmp(mode, "bad") == 0;
	if (!bad && strcmp(mode, "good") != 0) {
		return -1;
	}
	for (int i = 0; i < ctl_nbad; i++) {
		if (strcmp(ctl_bad[i], key) == 0) {
			if (!bad) {
				memmove(ctl_bad[i], ctl_bad[ctl_nbad - 1],
					sizeof(ctl_bad[0]));
				ctl_nbad--;
			}
			return 0;
		}
	}
	if (bad && ctl_nbad < 64) {
		snprintf(ctl_bad[ctl_nbad++], sizeof(ctl_bad[0]), "%s", key);
	}
	return 0;
}

void
controller_traffic_json(struct buf *out)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "default", "good");
	cJSON *bad = cJSON_AddArrayToObject(j, "bad");
	for (int i = 0; i < ctl_nbad; i++) {
		cJSON_AddItemToArray(bad, cJSON_CreateString(ctl_bad[i]));
	}
	json_write(out, j);
	buf_addch(out, '\n');
	cJSON_Delete(j);
}
