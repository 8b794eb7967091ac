/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fetch: gather what the rollout and experiment views need, and nothing
 * more, in two parallel rounds:
 *   1. the rollout (GET) and the namespace's Experiments;
 *   2. the ReplicaSets and Pods matching the rollout's selector, and for
 *      each Experiment the rollout owns, the ReplicaSets and Pods matching
 *      each of its templates' selectors (they do not carry the rollout's
 *      labels), plus the workloadRef Deployment when there is one; and the
 *      namespace's AnalysisRuns, of which only those whose text names the
 *      rollout's or an owned Experiment's UID are parsed (no label
 *      selects them: the Go plugin joins by owner, and some carry no
 *      rollouts-pod-template-hash), so their cost follows the rollout's
 *      own objects rather than the namespace.
 * The model joins them by ownerReference UID (rollout.c), exactly as if
 * every object of the namespace had been listed (tests/golden shows both
 * give the same text). The watch variant keeps the same collections up to
 * date with informers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fetch.h"
#include "json.h"
#include "selector.h"
#include "xalloc.h"

void
fetch_release(struct fetch_set *fs)
{
	cJSON_Delete(fs->rollout);
	cJSON_Delete(fs->experiment);
	cJSON_Delete(fs->replicasets);
	cJSON_Delete(fs->pods);
	cJSON_Delete(fs->analysisruns);
	cJSON_Delete(fs->experiments);
	cJSON_Delete(fs->deployments);
	memset(fs, 0, sizeof(*fs));
}

/* A LabelSelector as a labelSelector query, in apimachinery's canonical
 * form (selector_json_string), URL-encoded; NULL when it is empty or
 * invalid (then the caller lists everything). */
char *
fetch_selector_query(const cJSON *sel)
{
	struct buf raw = BUF_INIT;
	if (selector_json_string(sel, &raw, NULL) < 0 || !raw.len) {
		buf_release(&raw);
		return NULL;
	}
	struct buf q = BUF_INIT;
	buf_adds(&q, "labelSelector=");
	buf_add_urlenc(&q, raw.buf);
	buf_release(&raw);
	return buf_detach(&q, NULL);
}

static char *
fetch_with_query(const char *path, const char *query)
{
	return query ? xasprintf("%s?%s", path, query) : xstrdup(path);
}

/* Append every item of list (owned) to the array *into (created). */
static void
fetch_merge_items(cJSON **into, cJSON *list)
{
	if (!*into) {
		*into = cJSON_CreateArray();
	}
	cJSON *items = cJSON_GetObjectItem(list, "items");
	while (items && items->child) {
		cJSON *it = cJSON_DetachItemViaPointer(items, items->child);
		/* the same object may come from two selectors */
		const char *uid = json_str(it, "metadata.uid");
		bool dup = false;
		for (const cJSON *o = (*into)->child; uid && o && !dup;
		     o = o->next) {
			const char *u = json_str(o, "metadata.uid");
			dup = u && strcmp(u, uid) == 0;
		}
		if (dup) {
			cJSON_Delete(it);
		} else {
			cJSON_AddItemToArray(*into, it);
		}
	}
	cJSON_Delete(list);
}

static bool
fetch_owned_by(const cJSON *obj, const char *uid)
{
	const cJSON *refs = json_path(obj, "metadata.ownerReferences");
	for (const cJSON *r = refs ? refs->child : NULL; r; r = r->next) {
		const char *u = json_str(r, "uid");
		if (u && uid && strcmp(u, uid) == 0) {
			return true;
		}
	}
	return false;
}

/* The quoted UIDs ("uid", as JSON writes them) an AnalysisRun in view
 * must name: the viewed object's and its Experiments'. */
struct fetch_uids {
	char *quoted[64];
	size_t n;
	bool all;       /* an owner without a UID: keep everything */
};

static void
fetch_uids_add(struct fetch_uids *u, const char *uid)
{
	if (!uid || !*uid) {
		u->all = true;
	} else if (u->n < sizeof(u->quoted) / sizeof(u->quoted[0])) {
		u->quoted[u->n++] = xasprintf("\"%s\"", uid);
	} else {
		u->all = true;
	}
}

static void
fetch_uids_release(struct fetch_uids *u)
{
	for (size_t i = 0; i < u->n; i++) {
		free(u->quoted[i]);
	}
	memset(u, 0, sizeof(*u));
}

/* n (a quoted UID, at least 3 bytes) in h: memchr() on its first
 * character inside the quotes, far rarer in JSON than the quote. */
static bool
fetch_has(const char *h, size_t hl, const char *n, size_t nl)
{
	if (nl < 3 || hl < nl) {
		return false;
	}
	const char *end = h + hl;
	for (const char *p = h + 1; (size_t)(end - p) >= nl - 1; p++) {
		p = memchr(p, n[1], (size_t)(end - p) - (nl - 1) + 1);
		if (!p) {
			return false;
		}
		if (p[-1] == '"' && memcmp(p, n + 1, nl - 1) == 0) {
			return true;
		}
	}
	return false;
}

/* json_filter_items' keep(): the item's text names one of the UIDs (a
 * superset of the owned ones; the join by owner UID decides). */
static bool
fetch_keep_owned(const char *item, size_t len, void *arg)
{
	const struct fetch_uids *u = arg;
	if (u->all) {
		return true;
	}
	for (size_t i = 0; i < u->n; i++) {
		if (fetch_has(item, len, u->quoted[i], strlen(u->quoted[i]))) {
			return true;
		}
	}
	return false;
}

/* Requests of round 2, into paths[] (malloc()ed) and kinds[]: the
 * AnalysisRuns first, then the selectors. */
static size_t
fetch_plan(const struct fetch_set *fs, const char *ns, char **paths,
	   int *kinds, size_t max)
{
	size_t n = 0;
	char *rs = kube_path("apps", "v1", ns, "replicasets", NULL);
	char *pods = kube_path("", "v1", ns, "pods", NULL);
	const cJSON *owner = fs->rollout ? fs->rollout : fs->experiment;
	const char *uid = json_str(owner, "metadata.uid");
	paths[n] = kube_path("argoproj.io", "v1alpha1", ns, "analysisruns",
			     NULL);
	kinds[n++] = FETCH_AR;
	if (fs->rollout) {
		char *q = fetch_selector_query(json_path(fs->rollout,
							 "spec.selector"));
		paths[n] = fetch_with_query(rs, q);
		kinds[n++] = FETCH_RS;
		paths[n] = fetch_with_query(pods, q);
		kinds[n++] = FETCH_PODS;
		free(q);
		const char *wk = json_str(fs->rollout, "spec.workloadRef.kind");
		const char *wn = json_str(fs->rollout, "spec.workloadRef.name");
		if (wk && wn && strcmp(wk, "Deployment") == 0) {
			paths[n] = kube_path("apps", "v1", ns, "deployments",
					     wn);
			kinds[n++] = FETCH_DEPLOY;
		}
	}
	/* experiments: the one viewed, or those the rollout owns */
	const cJSON *exps = fs->experiments;
	const cJSON *single = fs->experiment;
	const cJSON *e = single ? single : (exps ? exps->child : NULL);
	for (; e && n + 2 <= max; e = single ? NULL : e->next) {
		if (!single && !fetch_owned_by(e, uid)) {
			continue;
		}
		const cJSON *tpls = json_path(e, "spec.templates");
		for (const cJSON *t = tpls ? tpls->child : NULL;
		     t && n + 2 <= max; t = t->next) {
			char *q = fetch_selector_query(json_path(t,
								 "selector"));
			if (!q) {
				continue;
			}
			paths[n] = fetch_with_query(rs, q);
			kinds[n++] = FETCH_RS;
			paths[n] = fetch_with_query(pods, q);
			kinds[n++] = FETCH_PODS;
			free(q);
		}
	}
	free(rs);
	free(pods);
	return n;
}

/* Experiments in view: the one viewed, or those the rollout owns. */
static bool
fetch_exp_in_view(const struct fetch_set *fs, const cJSON *exp)
{
	if (fs->experiment) {
		return exp == fs->experiment;
	}
	return fetch_owned_by(exp, json_str(fs->rollout, "metadata.uid"));
}

/*
 * Objects the selectors could not reach: an experiment template with no
 * ReplicaSet found (some controllers leave the ReplicaSet itself
 * unlabelled), or an experiment ReplicaSet with replicas but no pods
 * found. Then the whole namespace's ReplicaSets (or Pods) are listed
 * once; the join by owner UID keeps only the right ones.
 */
static void
fetch_gaps(const struct fetch_set *fs, bool *all_rs, bool *all_pods)
{
	*all_rs = *all_pods = false;
	const cJSON *first = fs->experiment ? fs->experiment
			     : (fs->experiments ? fs->experiments->child : NULL);
	for (const cJSON *e = first; e; e = fs->experiment ? NULL : e->next) {
		if (!fetch_exp_in_view(fs, e)) {
			continue;
		}
		const char *euid = json_str(e, "metadata.uid");
		const cJSON *tpls = json_path(e, "spec.templates");
		for (const cJSON *t = tpls ? tpls->child : NULL; t;
		     t = t->next) {
			bool found = false;
			for (const cJSON *rs = fs->replicasets ?
			     fs->replicasets->child : NULL; rs && !found;
			     rs = rs->next) {
				found = fetch_owned_by(rs, euid);
			}
			if (!found) {
				*all_rs = true;
			}
		}
		for (const cJSON *rs = fs->replicasets ?
		     fs->replicasets->child : NULL; rs; rs = rs->next) {
			if (!fetch_owned_by(rs, euid) ||
			    json_num(rs, "status.replicas", 0) <= 0) {
				continue;
			}
			const char *rsuid = json_str(rs, "metadata.uid");
			bool pods = false;
			for (const cJSON *p = fs->pods ? fs->pods->child : NULL;
			     p && !pods; p = p->next) {
				pods = fetch_owned_by(p, rsuid);
			}
			if (!pods) {
				*all_pods = true;
			}
		}
	}
}

int
fetch_run(struct kube_client *c, const char *ns, const char *rollout,
	  const char *experiment, struct fetch_set *fs, struct pd_err *e)
{
	memset(fs, 0, sizeof(*fs));
	struct kube_call r1[2];
	memset(r1, 0, sizeof(r1));
	char *p0 = rollout ? kube_path("argoproj.io", "v1alpha1", ns,
				       "rollouts", rollout)
			   : kube_path("argoproj.io", "v1alpha1", ns,
				       "experiments", experiment);
	char *p1 = kube_path("argoproj.io", "v1alpha1", ns, "experiments",
			     NULL);
	r1[0].path = p0;
	r1[1].path = p1;
	r1[1].list = true;
	int rc = kube_parallel(c, r1, 2);
	free(p0);
	free(p1);
	if (rc < 0) {
		for (int i = 0; i < 2; i++) {
			if (r1[i].rc < 0) {
				*e = r1[i].err;
				break;
			}
		}
		for (int i = 0; i < 2; i++) {
			cJSON_Delete(r1[i].out);
		}
		return rc;
	}
	if (rollout) {
		fs->rollout = r1[0].out;
	} else {
		fs->experiment = r1[0].out;
	}
	fs->experiments = cJSON_DetachItemFromObject(r1[1].out, "items");
	cJSON_Delete(r1[1].out);

	/* the AnalysisRuns in view name the object's or its Experiments' UID */
	struct fetch_uids uids;
	memset(&uids, 0, sizeof(uids));
	fetch_uids_add(&uids, json_str(rollout ? fs->rollout : fs->experiment,
				       "metadata.uid"));
	for (const cJSON *x = fs->experiments ? fs->experiments->child : NULL;
	     x && rollout; x = x->next) {
		if (fetch_exp_in_view(fs, x)) {
			fetch_uids_add(&uids, json_str(x, "metadata.uid"));
		}
	}
	char *paths[64];
	int kinds[64];
	size_t n = fetch_plan(fs, ns, paths, kinds, 64);
	struct kube_call r2[64];
	memset(r2, 0, sizeof(r2));
	for (size_t i = 0; i < n; i++) {
		r2[i].path = paths[i];
		r2[i].list = kinds[i] != FETCH_DEPLOY;
		if (kinds[i] == FETCH_AR) {
			r2[i].keep = fetch_keep_owned;
			r2[i].keep_arg = &uids;
		}
	}
	if (n) {
		kube_parallel(c, r2, n);
	}
	fetch_uids_release(&uids);
	rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (r2[i].rc < 0) {
			/* a missing workloadRef Deployment is shown, not fatal */
			if (rc == 0 && !(kinds[i] == FETCH_DEPLOY &&
					 -r2[i].rc == PD_ENOTFOUND)) {
				rc = r2[i].rc;
				*e = r2[i].err;
			}
			continue;
		}
		if (kinds[i] == FETCH_AR) {
			fs->analysisruns =
				cJSON_DetachItemFromObject(r2[i].out, "items");
			cJSON_Delete(r2[i].out);
		} else if (kinds[i] == FETCH_RS) {
			fetch_merge_items(&fs->replicasets, r2[i].out);
		} else if (kinds[i] == FETCH_PODS) {
			fetch_merge_items(&fs->pods, r2[i].out);
		} else {
			if (!fs->deployments) {
				fs->deployments = cJSON_CreateArray();
			}
			cJSON_AddItemToArray(fs->deployments, r2[i].out);
		}
		r2[i].out = NULL;
	}
	for (size_t i = 0; i < n; i++) {
		cJSON_Delete(r2[i].out);
		free(paths[i]);
	}
	if (!fs->replicasets) {
		fs->replicasets = cJSON_CreateArray();
	}
	if (!fs->pods) {
		fs->pods = cJSON_CreateArray();
	}
	if (!fs->analysisruns) {
		fs->analysisruns = cJSON_CreateArray();
	}
	if (rc < 0) {
		return rc;
	}
	/* round 3, rarely: what no selector could reach */
	bool all_rs, all_pods;
	fetch_gaps(fs, &all_rs, &all_pods);
	struct kube_call r3[2];
	int kinds3[2];
	size_t n3 = 0;
	memset(r3, 0, sizeof(r3));
	char *p3[2] = { NULL, NULL };
	if (all_rs) {
		p3[n3] = kube_path("apps", "v1", ns, "replicasets", NULL);
		kinds3[n3++] = FETCH_RS;
	}
	if (all_pods || all_rs) {
		p3[n3] = kube_path("", "v1", ns, "pods", NULL);
		kinds3[n3++] = FETCH_PODS;
	}
	for (size_t i = 0; i < n3; i++) {
		r3[i].path = p3[i];
		r3[i].list = true;
	}
	if (n3) {
		rc = kube_parallel(c, r3, n3);
	}
	for (size_t i = 0; i < n3; i++) {
		if (r3[i].rc < 0) {
			if (rc < 0 && e->code == 0) {
				*e = r3[i].err;
			}
		} else {
			/* the whole namespace's list holds everything the
			 * selectors found: it replaces them (merging would
			 * compare every pair) */
			cJSON **into = kinds3[i] == FETCH_RS ?
				       &fs->replicasets : &fs->pods;
			cJSON_Delete(*into);
			*into = cJSON_DetachItemFromObject(r3[i].out, "items");
			if (!*into) {
				*into = cJSON_CreateArray();
			}
		}
		cJSON_Delete(r3[i].out);
		free(p3[i]);
	}
	return rc;
}

void
fetch_watch_init(struct fetch_watch *fw, struct kube_client *c,
		 const char *ns, const char *name, bool is_rollout,
		 const cJSON *first)
{
	memset(fw, 0, sizeof(*fw));
	fw->name = name;
	fw->is_rollout = is_rollout;
	struct buf q = BUF_INIT;
	buf_adds(&q, "fieldSelector=metadata.name%3D");
	buf_add_urlenc(&q, name);
	char *p = kube_path("argoproj.io", "v1alpha1", ns,
			    is_rollout ? "rollouts" : "experiments", NULL);
	fw->infs[fw->n++] = informer_new(c, p, q.buf);
	free(p);
	buf_release(&q);
	p = kube_path("argoproj.io", "v1alpha1", ns, "analysisruns", NULL);
	fw->infs[fw->n++] = informer_new(c, p, NULL);
	free(p);
	p = kube_path("argoproj.io", "v1alpha1", ns, "experiments", NULL);
	fw->infs[fw->n++] = informer_new(c, p, NULL);
	free(p);
	char *sel = NULL;
	if (is_rollout) {
		sel = fetch_selector_query(json_path(first, "spec.selector"));
		const cJSON *steps = json_path(first,
					       "spec.strategy.canary.steps");
		for (const cJSON *s = steps ? steps->child : NULL; s;
		     s = s->next) {
			if (cJSON_GetObjectItem(s, "experiment")) {
				free(sel);
				sel = NULL;
				break;
			}
		}
	}
	p = kube_path("apps", "v1", ns, "replicasets", NULL);
	fw->infs[fw->n++] = informer_new(c, p, sel);
	free(p);
	p = kube_path("", "v1", ns, "pods", NULL);
	fw->infs[fw->n++] = informer_new(c, p, sel);
	free(p);
	free(sel);
}

bool
fetch_watch_view(const struct fetch_watch *fw, struct fetch_set *fs)
{
	memset(fs, 0, sizeof(*fs));
	const cJSON *items = informer_items(fw->infs[0]);
	cJSON *obj = NULL;
	for (cJSON *it = items ? items->child : NULL; it; it = it->next) {
		const char *n = json_str(it, "metadata.name");
		if (n && strcmp(n, fw->name) == 0) {
			obj = it;
		}
	}
	if (fw->is_rollout) {
		fs->rollout = obj;
	} else {
		fs->experiment = obj;
	}
	fs->analysisruns = (cJSON *)informer_items(fw->infs[1]);
	fs->experiments = (cJSON *)informer_items(fw->infs[2]);
	fs->replicasets = (cJSON *)informer_items(fw->infs[3]);
	fs->pods = (cJSON *)informer_items(fw->infs[4]);
	return obj != NULL;
}

void
fetch_watch_release(struct fetch_watch *fw)
{
	for (size_t i = 0; i < fw->n; i++) {
		informer_free(fw->infs[i]);
	}
	memset(fw, 0, sizeof(*fw));
}
