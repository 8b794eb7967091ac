/* SPDX-License-Identifier: Apache-2.0 */
/*
 * controller: what the Argo Rollouts controller, the ReplicaSet controller
 * and the kubelet would do to the objects, simulated in-process. This file
 * is the core (controller.h names the parts): each reconcile pass (sim_lock
 * held) walks ReplicaSets (replicasets.c), AnalysisRuns (analysis.c's engine,
 * here), Experiments (experiments.c) and Rollouts (rollouts.c), writing
 * through the store so every change is a real watch event with a new
 * resourceVersion. Passes repeat until nothing changes, so one instant
 * settles completely. Every wait reads the simulated clock (clock.c) and
 * reports its deadline, so a manual clock can jump exactly from one due
 * point to the next.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis.h"
#include "controller.h"
#include "json.h"
#include "sim.h"
#include "xalloc.h"

struct controller controller;
static long long controller_wake; /* the next due point after now, or 0 */
static unsigned controller_rand;
static pthread_t controller_thread;
static bool controller_running;

/* traffic mode per rollout, "ns/name" -> bad */
static char controller_bad[64][192];
static int controller_nbad;

/* ------------------------------------------------------------ helpers */

void
controller_wake_at(long long ms)
{
	if (ms > controller.now &&
	    (controller_wake == 0 || ms < controller_wake)) {
		controller_wake = ms;
	}
}

void
controller_ts(long long ms, char out[32])
{
	clock_rfc3339(ms, out);
}

unsigned
controller_next_rand(void)
{
	controller_rand = controller_rand * 1103515245u + 12345u;
	return (controller_rand >> 8) & 0xffffff;
}

/* Store next (owned) in place of orig when they differ. */
struct sim_obj *
controller_put(struct sim_resource *r, cJSON *next, const cJSON *orig)
{
	if (orig && json_equal(next, orig)) {
		cJSON_Delete(next);
		return NULL;
	}
	controller.changed = true;
	return store_put(r, next, false, false);
}

struct sim_obj *
controller_create(struct sim_resource *r, const char *ns, cJSON *obj)
{
	fixtures_fill_meta(obj, r, ns);
	controller.changed = true;
	return store_put(r, obj, false, false);
}

cJSON *
controller_new_object(const char *kind, const char *name, const char *ns,
		      const cJSON *labels_src, cJSON **labels)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "apiVersion", "argoproj.io/v1alpha1");
	cJSON_AddStringToObject(o, "kind", kind);
	cJSON *md = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(md, "name", name);
	cJSON_AddStringToObject(md, "namespace", ns);
	*labels = cJSON_AddObjectToObject(md, "labels");
	for (const cJSON *l = labels_src ? labels_src->child : NULL; l;
	     l = l->next) {
		if (cJSON_IsString(l)) {
			cJSON_AddStringToObject(*labels, l->string,
						l->valuestring);
		}
	}
	return o;
}

cJSON *
controller_owner_ref(const cJSON *owner, const char *api, const char *kind)
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

const char *
controller_label(const cJSON *obj, const char *key)
{
	const cJSON *l = json_path(obj, "metadata.labels");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(l, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

const char *
controller_annotation(const cJSON *obj, const char *key)
{
	const cJSON *a = json_path(obj, "metadata.annotations");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

void
controller_set_annotation(cJSON *obj, const char *key, const char *val)
{
	cJSON *a = json_obj_ensure(json_obj_ensure(obj, "metadata"),
				   "annotations");
	if (val) {
		json_set_str(a, key, val);
	} else {
		cJSON_DeleteItemFromObjectCaseSensitive(a, key);
	}
}

long
controller_int(const cJSON *obj, const char *path, long def)
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
controller_canon(struct buf *b, const cJSON *j)
{
	if (cJSON_IsObject(j)) {
		const cJSON *keys[256];
		int n = 0;
		for (const cJSON *c = j->child; c && n < 256; c = c->next) {
			int i = n++;
			while (i > 0 &&
			       strcmp(keys[i - 1]->string, c->string) > 0) {
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
			controller_canon(b, keys[i]);
		}
		buf_addch(b, '}');
	} else if (cJSON_IsArray(j)) {
		buf_addch(b, '[');
		for (const cJSON *c = j->child; c; c = c->next) {
			controller_canon(b, c);
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
void
controller_hash(const cJSON *j, char out[16])
{
	static const char alnum[] = "bcdfghjklmnpqrstvwxz2456789";
	struct buf b = BUF_INIT;
	controller_canon(&b, j);
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

struct sim_obj *
controller_find(struct sim_resource *r, const char *ns, const char *name)
{
	return name ? store_get(r, ns, name) : NULL;
}

/* ------------------------------------------------------- AnalysisRuns */

static int
controller_measure(void *arg, const cJSON *run, const cJSON *metric,
		   cJSON **value, struct buf *msg)
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
		struct sim_obj *e = controller_find(controller.exp, ns, owner);
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
	double noise = (double)(controller_next_rand() % 1000) / 1000.0;
	if (prom) {
		const char *q = json_str(prom, "query");
		bool latency =
			q && (strstr(q, "duration") || strstr(q, "latency"));
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
	buf_addf(msg, "rollouts-sim: no simulated provider for metric '%s'",
		 json_str(metric, "name") ? json_str(metric, "name") : "");
	return -1;
}

static void
controller_analysisrun(struct sim_obj *o)
{
	cJSON *next = cJSON_Duplicate(o->json, 1);
	struct analysis_provider p = { controller_measure, NULL,
				       clock_manual() ? 1 : clock_scale() };
	long long wake = 0;
	analysis_reconcile(next, controller.now, &p, &wake);
	if (wake > 0) {
		controller_wake_at(wake);
	}
	controller_put(controller.ar, next, o->json);
}

/* Create an AnalysisRun for a rollout from RolloutAnalysis ra. */
void
controller_create_run(const cJSON *ro, const cJSON *ra, const char *name,
		      const char *hash, const char *type, int step)
{
	const char *ns = json_str(ro, "metadata.namespace");
	cJSON *tpls = cJSON_CreateArray();
	const cJSON *refs = cJSON_GetObjectItem(ra, "templates");
	for (const cJSON *t = refs ? refs->child : NULL; t; t = t->next) {
		const char *tn = json_str(t, "templateName");
		struct sim_obj *to =
			json_bool(t, "clusterScope", false)
				? controller_find(controller.cat, NULL, tn)
				: controller_find(controller.at, ns, tn);
		if (to) {
			cJSON_AddItemToArray(tpls,
					     cJSON_Duplicate(to->json, 1));
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
	struct buf err = BUF_INIT;
	cJSON *spec = cJSON_GetArraySize(tpls)
			      ? analysis_spec_from_templates(tpls, args, &err)
			      : NULL;
	cJSON_Delete(tpls);
	cJSON_Delete(args);
	cJSON *labels;
	cJSON *run = controller_new_object("AnalysisRun", name, ns,
					   json_path(ro,
						     "spec.selector.matchLabels"),
					   &labels);
	cJSON *md = cJSON_GetObjectItemCaseSensitive(run, "metadata");
	cJSON_AddStringToObject(labels, CONTROLLER_HASH_LABEL, hash);
	cJSON_AddStringToObject(labels, "rollout-type", type);
	if (step >= 0) {
		char idx[16];
		snprintf(idx, sizeof(idx), "%d", step);
		cJSON_AddStringToObject(labels, "step-index", idx);
	}
	cJSON *ann = cJSON_AddObjectToObject(md, "annotations");
	const char *rev = controller_annotation(ro, CONTROLLER_ANN_REVISION);
	cJSON_AddStringToObject(ann, CONTROLLER_ANN_REVISION, rev ? rev : "1");
	const char *okind = json_str(ro, "kind");
	cJSON_AddItemToObject(md, "ownerReferences",
			      controller_owner_ref(ro, "argoproj.io/v1alpha1",
						   okind ? okind : "Rollout"));
	if (!spec) {
		spec = cJSON_CreateObject();
		cJSON_AddArrayToObject(spec, "metrics");
		cJSON *st = cJSON_AddObjectToObject(run, "status");
		cJSON_AddStringToObject(st, "phase", "Error");
		cJSON_AddStringToObject(st, "message", err.len ? err.buf
					: "analysis template not found");
	}
	buf_release(&err);
	cJSON_AddItemToObject(run, "spec", spec);
	controller_create(controller.ar, ns, run);
}

void
controller_terminate_run(const char *ns, const char *name)
{
	struct sim_obj *ar = controller_find(controller.ar, ns, name);
	if (!ar || json_bool(ar->json, "spec.terminate", false) ||
	    analysis_phase_completed(json_str(ar->json, "status.phase"))) {
		return;
	}
	cJSON *next = cJSON_Duplicate(ar->json, 1);
	cJSON_AddTrueToObject(json_obj_ensure(next, "spec"), "terminate");
	controller_put(controller.ar, next, ar->json);
	ar = controller_find(controller.ar, ns, name);
	if (ar) {
		controller_analysisrun(ar);
	}
}

/* --------------------------------------------------------------- loop */

/* Run fn on every object of r that filter accepts (NULL: all). Keys are
 * copied first: fn writes, and writes replace store objects. */
static void
controller_each(struct sim_resource *r, bool (*filter)(const cJSON *),
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
controller_run_pending(const cJSON *run)
{
	return !analysis_phase_completed(json_str(run, "status.phase"));
}

static void
controller_pass(void)
{
	controller_each(controller.rs, replicasets_managed,
			replicasets_reconcile);
	controller_each(controller.ar, controller_run_pending,
			controller_analysisrun);
	controller_each(controller.exp, NULL, experiments_reconcile);
	controller_each(controller.ro, NULL, rollouts_reconcile);
}

/* Whether anything runs passes: the Rollouts controller, Argo CD. */
static bool
controller_active(void)
{
	return controller.opts.enabled || argocd_enabled();
}

void
controller_reconcile(void)
{
	if (!controller_active()) {
		return;
	}
	controller.now = clock_now_ms();
	controller_wake = 0;
	for (int i = 0; i < 20; i++) {
		controller.changed = false;
		if (controller.opts.enabled) {
			controller_pass();
		}
		argocd_pass();
		if (!controller.changed) {
			break;
		}
	}
}

void
controller_advance(long long ms)
{
	long long target = clock_now_ms() + ms;
	controller_reconcile();
	while (controller_active() && controller_wake > 0 &&
	       controller_wake <= target) {
		clock_set_ms(controller_wake);
		controller_reconcile();
	}
	clock_set_ms(target);
	controller_reconcile();
}

void
controller_init(const struct ctl_options *o)
{
	controller.opts = *o;
	controller_rand = o->seed ? o->seed : 1;
	controller.ro = registry_find("argoproj.io", "v1alpha1", "rollouts");
	controller.rs = registry_find("apps", "v1", "replicasets");
	controller.pod = registry_find("", "v1", "pods");
	controller.ar =
		registry_find("argoproj.io", "v1alpha1", "analysisruns");
	controller.at =
		registry_find("argoproj.io", "v1alpha1", "analysistemplates");
	controller.cat = registry_find("argoproj.io", "v1alpha1",
				       "clusteranalysistemplates");
	controller.exp =
		registry_find("argoproj.io", "v1alpha1", "experiments");
	controller.vs = registry_find("networking.istio.io", "v1beta1",
				      "virtualservices");
	controller.deploy = registry_find("apps", "v1", "deployments");
	controller.svc = registry_find("", "v1", "services");
}

static void *
controller_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&sim_lock);
	size_t seen = (size_t)-1;
	while (!sim_stopping) {
		/* something changed, or something is due */
		if (store_seq_end() != seen ||
		    (controller_wake != 0 &&
		     clock_now_ms() >= controller_wake)) {
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
	if (!controller_active()) {
		return 0;
	}
	pthread_mutex_lock(&sim_lock);
	controller_reconcile();
	pthread_mutex_unlock(&sim_lock);
	if (clock_manual()) {
		return 0;
	}
	if (pthread_create(&controller_thread, NULL, controller_main, NULL) !=
	    0) {
		return -1;
	}
	controller_running = true;
	return 0;
}

void
controller_stop(void)
{
	if (controller_running) {
		pthread_mutex_lock(&sim_lock);
		sim_stopping = 1;
		pthread_cond_broadcast(&sim_cond);
		pthread_mutex_unlock(&sim_lock);
		pthread_join(controller_thread, NULL);
		controller_running = false;
	}
}

/* ------------------------------------------------------------ traffic */

const char *
controller_traffic(const char *ns, const char *name)
{
	char key[192];
	snprintf(key, sizeof(key), "%s/%s", ns, name);
	for (int i = 0; i < controller_nbad; i++) {
		if (strcmp(controller_bad[i], key) == 0) {
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
	for (int i = 0; i < controller_nbad; i++) {
		if (strcmp(controller_bad[i], key) == 0) {
			if (!bad) {
				memmove(controller_bad[i],
					controller_bad[controller_nbad - 1],
					sizeof(controller_bad[0]));
				controller_nbad--;
			}
			return 0;
		}
	}
	if (bad && controller_nbad < 64) {
		snprintf(controller_bad[controller_nbad++],
			 sizeof(controller_bad[0]), "%s", key);
	}
	return 0;
}

void
controller_traffic_json(struct buf *out)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "default", "good");
	cJSON *bad = cJSON_AddArrayToObject(j, "bad");
	for (int i = 0; i < controller_nbad; i++) {
		cJSON_AddItemToArray(bad,
				     cJSON_CreateString(controller_bad[i]));
	}
	json_write(out, j);
	buf_addch(out, '\n');
	cJSON_Delete(j);
}
