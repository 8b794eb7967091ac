/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry: the API resource types rollouts-sim serves (a fixed table of
 * built-ins and Argo and Istio CRDs, plus kinds learnt from fixtures) and
 * the discovery documents kubectl reads: aggregated (apidiscovery.k8s.io/v2)
 * and legacy (APIVersions, APIGroupList, APIGroup, APIResourceList).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sim.h"
#include "xalloc.h"

#define REGISTRY_MAX 256

static struct sim_resource *registry_tab[REGISTRY_MAX];
static int registry_n;

struct registry_seed {
	const char *group, *v1, *v2, *plural, *kind, *shorts;
	bool namespaced, status, scale, builtin;
	const char *categories;
};

static const struct registry_seed registry_seeds[] = {
	{ "", "v1", NULL, "namespaces", "Namespace", "ns", false, true, false, true, NULL },
	{ "", "v1", NULL, "pods", "Pod", "po", true, true, false, true, "all" },
	{ "", "v1", NULL, "services", "Service", "svc", true, true, false, true, "all" },
	{ "", "v1", NULL, "configmaps", "ConfigMap", "cm", true, false, false, true, NULL },
	{ "", "v1", NULL, "events", "Event", "ev", true, false, false, true, NULL },
	{ "apps", "v1", NULL, "replicasets", "ReplicaSet", "rs", true, true, true, true, "all" },
	{ "apps", "v1", NULL, "deployments", "Deployment", "deploy", true, true, true, true, "all" },
	{ "batch", "v1", NULL, "jobs", "Job", NULL, true, true, false, true, "all" },
	{ "events.k8s.io", "v1", NULL, "events", "Event", "ev", true, false, false, true, NULL },
	{ "argoproj.io", "v1alpha1", NULL, "rollouts", "Rollout", "ro", true, true, true, false, NULL },
	{ "argoproj.io", "v1alpha1", NULL, "analysisruns", "AnalysisRun", "ar", true, false, false, false, NULL },
	{ "argoproj.io", "v1alpha1", NULL, "analysistemplates", "AnalysisTemplate", "at", true, false, false, false, NULL },
	{ "argoproj.io", "v1alpha1", NULL, "clusteranalysistemplates", "ClusterAnalysisTemplate", "cat", false, false, false, false, NULL },
	{ "argoproj.io", "v1alpha1", NULL, "experiments", "Experiment", "exp", true, false, false, false, NULL },
	{ "networking.istio.io", "v1beta1", "v1alpha3", "virtualservices", "VirtualService", "vs", true, false, false, false, NULL },
	/* Argo CD's CRDs: no subresources (status is written with the
	 * object) */
	{ "argoproj.io", "v1alpha1", NULL, "applications", "Application", "app,apps", true, false, false, false, NULL },
	{ "argoproj.io", "v1alpha1", NULL, "appprojects", "AppProject", "appproj,appprojs", true, false, false, false, NULL },
};

static char *
registry_lower(const char *s)
{
	char *p = xstrdup(s);
	for (char *q = p; *q; q++) {
		*q = (char)tolower((unsigned char)*q);
	}
	return p;
}

static struct sim_resource *
registry_add(const char *group, const char *version, const char *plural,
	     const char *kind)
{
	if (registry_n >= REGISTRY_MAX) {
		return NULL;
	}
	struct sim_resource *r = xcalloc(1, sizeof(*r));
	r->group = xstrdup(group);
	r->versions[0] = xstrdup(version);
	r->plural = xstrdup(plural);
	r->singular = registry_lower(kind);
	r->kind = xstrdup(kind);
	r->namespaced = true;
	r->idx = registry_n;
	registry_tab[registry_n++] = r;
	return r;
}

void
registry_init(void)
{
	size_t n = sizeof(registry_seeds) / sizeof(registry_seeds[0]);
	for (size_t i = 0; i < n; i++) {
		const struct registry_seed *s = &registry_seeds[i];
		struct sim_resource *r = registry_add(s->group, s->v1,
						      s->plural, s->kind);
		if (s->v2) {
			r->versions[1] = xstrdup(s->v2);
		}
		r->short_names = s->shorts ? xstrdup(s->shorts) : NULL;
		r->categories = s->categories ? xstrdup(s->categories) : NULL;
		r->namespaced = s->namespaced;
		r->has_status = s->status;
		r->has_scale = s->scale;
		r->builtin = s->builtin;
		r->allow_unconditional_update = s->builtin;
	}
}

int
registry_count(void)
{
	return registry_n;
}

struct sim_resource *
registry_at(int i)
{
	return i >= 0 && i < registry_n ? registry_tab[i] : NULL;
}

bool
registry_serves_version(const struct sim_resource *r, const char *version)
{
	for (int i = 0; i < 4 && r->versions[i]; i++) {
		if (strcmp(r->versions[i], version) == 0) {
			return true;
		}
	}
	return false;
}

struct sim_resource *
registry_find(const char *group, const char *version, const char *plural)
{
	for (int i = 0; i < registry_n; i++) {
		struct sim_resource *r = registry_tab[i];
		if (strcmp(r->group, group) == 0 &&
		    strcmp(r->plural, plural) == 0 &&
		    registry_serves_version(r, version)) {
			return r;
		}
	}
	return NULL;
}

char *
registry_guess_plural(const char *kind)
{
	char *low = registry_lower(kind);
	size_t n = strlen(low);
	char *out;
	if (n == 0) {
		return low;
	}
	char last = low[n - 1];
	if (last == 's' || last == 'x' || last == 'z' ||
	    (n >= 2 && (strcmp(low + n - 2, "ch") == 0 ||
			strcmp(low + n - 2, "sh") == 0))) {
		out = xasprintf("%ses", low);
	} else if (last == 'y' && n >= 2 && !strchr("aeiou", low[n - 2])) {
		low[n - 1] = '\0';
		out = xasprintf("%sies", low);
	} else {
		out = xasprintf("%ss", low);
	}
	free(low);
	return out;
}

/* The categories a real API server gives a kind learnt from fixtures
 * (kubectl get all: the built-in workloads; Argo's CRDs have none). */
static char *
registry_known_categories(const char *group, const char *kind)
{
	static const char *const tab[][2] = {
		{ "apps", "StatefulSet" },
		{ "apps", "DaemonSet" },
		{ "batch", "CronJob" },
		{ "autoscaling", "HorizontalPodAutoscaler" },
		{ "", "ReplicationController" },
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (strcmp(tab[i][0], group) == 0 &&
		    strcmp(tab[i][1], kind) == 0) {
			return xstrdup("all");
		}
	}
	return NULL;
}

/* Short names real clusters give kinds rollouts-sim learns from fixtures. */
static char *
registry_known_short(const char *kind)
{
	static const char *const tab[][2] = {
		{ "HorizontalPodAutoscaler", "hpa" },
		{ "Gateway", "gw" },
		{ "DestinationRule", "dr" },
		{ "ServiceEntry", "se" },
		{ "Ingress", "ing" },
		{ "PodDisruptionBudget", "pdb" },
		{ "ServiceAccount", "sa" },
		{ "StatefulSet", "sts" },
		{ "DaemonSet", "ds" },
		{ "CronJob", "cj" },
		{ "ReplicationController", "rc" },
		{ "Application", "app,apps" },
		{ "AppProject", "appproj,appprojs" },
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (strcmp(tab[i][0], kind) == 0) {
			return xstrdup(tab[i][1]);
		}
	}
	return NULL;
}

struct sim_resource *
registry_find_kind(const char *api_version, const char *kind, bool learn)
{
	const char *slash = strchr(api_version, '/');
	char *group = slash ? xstrndup(api_version,
				       (size_t)(slash - api_version))
			    : xstrdup("");
	const char *version = slash ? slash + 1 : api_version;
	struct sim_resource *found = NULL, *same_kind = NULL;
	for (int i = 0; i < registry_n && !found; i++) {
		struct sim_resource *r = registry_tab[i];
		if (strcmp(r->group, group) != 0 ||
		    strcmp(r->kind, kind) != 0) {
			continue;
		}
		same_kind = r;
		if (registry_serves_version(r, version)) {
			found = r;
		}
	}
	if (!found && learn && *version && *kind) {
		if (same_kind) {
			for (int i = 0; i < 3; i++) {
				if (!same_kind->versions[i]) {
					same_kind->versions[i] =
						xstrdup(version);
					found = same_kind;
					break;
				}
			}
		} else {
			char *plural = registry_guess_plural(kind);
			found = registry_add(group, version, plural, kind);
			if (found) {
				found->generic = true;
				found->short_names = registry_known_short(kind);
				found->categories =
					registry_known_categories(group, kind);
			}
			free(plural);
		}
	}
	free(group);
	return found;
}

void
registry_qualified(const struct sim_resource *r, struct buf *out)
{
	buf_adds(out, r->plural);
	if (*r->group) {
		buf_addf(out, ".%s", r->group);
	}
}

static cJSON *
registry_verbs(bool sub)
{
	static const char *const all[] = { "create", "delete",
		"deletecollection", "get", "list", "patch", "update", "watch" };
	static const char *const some[] = { "get", "patch", "update" };
	return sub ? cJSON_CreateStringArray(some, 3)
		   : cJSON_CreateStringArray(all, 8);
}

/* A comma-separated list as a JSON array of strings. */
static cJSON *
registry_csv(const char *list)
{
	cJSON *a = cJSON_CreateArray();
	if (list) {
		char *copy = xstrdup(list), *save = NULL;
		for (char *t = strtok_r(copy, ",", &save); t;
		     t = strtok_r(NULL, ",", &save)) {
			cJSON_AddItemToArray(a, cJSON_CreateString(t));
		}
		free(copy);
	}
	return a;
}

static cJSON *
registry_gvk(const char *group, const char *version, const char *kind)
{
	cJSON *k = cJSON_CreateObject();
	cJSON_AddStringToObject(k, "group", group);
	cJSON_AddStringToObject(k, "version", version);
	cJSON_AddStringToObject(k, "kind", kind);
	return k;
}

/* Resources of one group version, aggregated form. */
static cJSON *
registry_agg_resources(const char *group, const char *version)
{
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; i < registry_n; i++) {
		struct sim_resource *r = registry_tab[i];
		if (strcmp(r->group, group) != 0 ||
		    !registry_serves_version(r, version)) {
			continue;
		}
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "resource", r->plural);
		cJSON_AddItemToObject(o, "responseKind",
				      registry_gvk(group, version, r->kind));
		cJSON_AddStringToObject(o, "scope",
					r->namespaced ? "Namespaced"
						      : "Cluster");
		cJSON_AddStringToObject(o, "singularResource", r->singular);
		cJSON_AddItemToObject(o, "verbs", registry_verbs(false));
		if (r->short_names) {
			cJSON_AddItemToObject(o, "shortNames",
					      registry_csv(r->short_names));
		}
		if (r->categories) {
			cJSON_AddItemToObject(o, "categories",
					      registry_csv(r->categories));
		}
		if (r->has_status || r->has_scale) {
			cJSON *subs = cJSON_AddArrayToObject(o, "subresources");
			if (r->has_scale) {
				cJSON *s = cJSON_CreateObject();
				cJSON_AddStringToObject(s, "subresource",
							"scale");
				cJSON_AddItemToObject(s, "responseKind",
					registry_gvk("autoscaling", "v1",
						     "Scale"));
				cJSON_AddItemToObject(s, "verbs",
						      registry_verbs(true));
				cJSON_AddItemToArray(subs, s);
			}
			if (r->has_status) {
				cJSON *s = cJSON_CreateObject();
				cJSON_AddStringToObject(s, "subresource",
							"status");
				cJSON_AddItemToObject(s, "responseKind",
					registry_gvk(group, version, r->kind));
				cJSON_AddItemToObject(s, "verbs",
						      registry_verbs(true));
				cJSON_AddItemToArray(subs, s);
			}
		}
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* The distinct versions served for group, in preference order (the table's
 * order); returns how many were stored in out. */
static int
registry_group_versions(const char *group, const char **out, int max)
{
	int n = 0;
	for (int i = 0; i < registry_n; i++) {
		struct sim_resource *r = registry_tab[i];
		if (strcmp(r->group, group) != 0) {
			continue;
		}
		for (int v = 0; v < 4 && r->versions[v]; v++) {
			bool dup = false;
			for (int k = 0; k < n && !dup; k++) {
				dup = strcmp(out[k], r->versions[v]) == 0;
			}
			if (!dup && n < max) {
				out[n++] = r->versions[v];
			}
		}
	}
	return n;
}

static cJSON *
registry_agg_group(const char *group)
{
	cJSON *item = cJSON_CreateObject();
	cJSON *md = cJSON_AddObjectToObject(item, "metadata");
	if (*group) {
		cJSON_AddStringToObject(md, "name", group);
	} else {
		cJSON_AddNullToObject(md, "creationTimestamp");
	}
	cJSON *vers = cJSON_AddArrayToObject(item, "versions");
	const char *versions[16];
	int nv = registry_group_versions(group, versions, 16);
	for (int v = 0; v < nv; v++) {
		cJSON *vo = cJSON_CreateObject();
		cJSON_AddStringToObject(vo, "version", versions[v]);
		cJSON_AddItemToObject(vo, "resources",
			registry_agg_resources(group, versions[v]));
		cJSON_AddStringToObject(vo, "freshness", "Current");
		cJSON_AddItemToArray(vers, vo);
	}
	return item;
}

/* Distinct non-core groups in table order. */
static int
registry_groups(const char **out, int max)
{
	int n = 0;
	for (int i = 0; i < registry_n; i++) {
		const char *g = registry_tab[i]->group;
		bool dup = !*g;
		for (int j = 0; j < n && !dup; j++) {
			dup = strcmp(out[j], g) == 0;
		}
		if (!dup && n < max) {
			out[n++] = g;
		}
	}
	return n;
}

static void
registry_emit(struct buf *out, cJSON *doc)
{
	json_write(out, doc);
	buf_addch(out, '\n');
	cJSON_Delete(doc);
}

static cJSON *
registry_agg_list(void)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "kind", "APIGroupDiscoveryList");
	cJSON_AddStringToObject(doc, "apiVersion", "apidiscovery.k8s.io/v2");
	cJSON_AddObjectToObject(doc, "metadata");
	cJSON_AddArrayToObject(doc, "items");
	return doc;
}

void
registry_api(struct buf *out, bool aggregated)
{
	cJSON *doc;
	if (aggregated) {
		doc = registry_agg_list();
		cJSON_AddItemToArray(cJSON_GetObjectItem(doc, "items"),
				     registry_agg_group(""));
	} else {
		doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "kind", "APIVersions");
		const char *v[] = { "v1" };
		cJSON_AddItemToObject(doc, "versions",
				      cJSON_CreateStringArray(v, 1));
		cJSON *a = cJSON_AddArrayToObject(doc,
						  "serverAddressByClientCIDRs");
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "clientCIDR", "0.0.0.0/0");
		cJSON_AddStringToObject(c, "serverAddress", "127.0.0.1:6443");
		cJSON_AddItemToArray(a, c);
	}
	registry_emit(out, doc);
}

static cJSON *
registry_legacy_group(const char *group)
{
	cJSON *g = cJSON_CreateObject();
	cJSON_AddStringToObject(g, "name", group);
	cJSON *vers = cJSON_AddArrayToObject(g, "versions");
	const char *versions[16];
	int nv = registry_group_versions(group, versions, 16);
	const char *pref = nv ? versions[0] : NULL;
	for (int v = 0; v < nv; v++) {
		cJSON *vo = cJSON_CreateObject();
		char *gv = xasprintf("%s/%s", group, versions[v]);
		cJSON_AddStringToObject(vo, "groupVersion", gv);
		cJSON_AddStringToObject(vo, "version", versions[v]);
		cJSON_AddItemToArray(vers, vo);
		free(gv);
	}
	if (pref) {
		cJSON *p = cJSON_AddObjectToObject(g, "preferredVersion");
		char *gv = xasprintf("%s/%s", group, pref);
		cJSON_AddStringToObject(p, "groupVersion", gv);
		cJSON_AddStringToObject(p, "version", pref);
		free(gv);
	}
	return g;
}

void
registry_apis(struct buf *out, bool aggregated)
{
	const char *groups[64];
	int n = registry_groups(groups, 64);
	cJSON *doc;
	if (aggregated) {
		doc = registry_agg_list();
		cJSON *items = cJSON_GetObjectItem(doc, "items");
		for (int i = 0; i < n; i++) {
			cJSON_AddItemToArray(items,
					     registry_agg_group(groups[i]));
		}
	} else {
		doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "kind", "APIGroupList");
		cJSON_AddStringToObject(doc, "apiVersion", "v1");
		cJSON *arr = cJSON_AddArrayToObject(doc, "groups");
		for (int i = 0; i < n; i++) {
			cJSON_AddItemToArray(arr,
					     registry_legacy_group(groups[i]));
		}
	}
	registry_emit(out, doc);
}

int
registry_group(struct buf *out, const char *group)
{
	const char *groups[64];
	int n = registry_groups(groups, 64);
	for (int i = 0; i < n; i++) {
		if (strcmp(groups[i], group) == 0) {
			cJSON *g = registry_legacy_group(group);
			cJSON_AddStringToObject(g, "kind", "APIGroup");
			cJSON_AddStringToObject(g, "apiVersion", "v1");
			registry_emit(out, g);
			return 0;
		}
	}
	return -1;
}

int
registry_resource_list(struct buf *out, const char *group,
		       const char *version)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "kind", "APIResourceList");
	cJSON_AddStringToObject(doc, "apiVersion", "v1");
	char *gv = *group ? xasprintf("%s/%s", group, version)
			  : xstrdup(version);
	cJSON_AddStringToObject(doc, "groupVersion", gv);
	free(gv);
	cJSON *arr = cJSON_AddArrayToObject(doc, "resources");
	int found = 0;
	for (int i = 0; i < registry_n; i++) {
		struct sim_resource *r = registry_tab[i];
		if (strcmp(r->group, group) != 0 ||
		    !registry_serves_version(r, version)) {
			continue;
		}
		found++;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", r->plural);
		cJSON_AddStringToObject(o, "singularName", r->singular);
		cJSON_AddBoolToObject(o, "namespaced", r->namespaced);
		cJSON_AddStringToObject(o, "kind", r->kind);
		cJSON_AddItemToObject(o, "verbs", registry_verbs(false));
		if (r->short_names) {
			cJSON_AddItemToObject(o, "shortNames",
					      registry_csv(r->short_names));
		}
		if (r->categories) {
			cJSON_AddItemToObject(o, "categories",
					      registry_csv(r->categories));
		}
		cJSON_AddItemToArray(arr, o);
		if (r->has_status) {
			o = cJSON_CreateObject();
			char *nm = xasprintf("%s/status", r->plural);
			cJSON_AddStringToObject(o, "name", nm);
			free(nm);
			cJSON_AddStringToObject(o, "singularName", "");
			cJSON_AddBoolToObject(o, "namespaced", r->namespaced);
			cJSON_AddStringToObject(o, "kind", r->kind);
			cJSON_AddItemToObject(o, "verbs", registry_verbs(true));
			cJSON_AddItemToArray(arr, o);
		}
		if (r->has_scale) {
			o = cJSON_CreateObject();
			char *nm = xasprintf("%s/scale", r->plural);
			cJSON_AddStringToObject(o, "name", nm);
			free(nm);
			cJSON_AddStringToObject(o, "singularName", "");
			cJSON_AddBoolToObject(o, "namespaced", r->namespaced);
			cJSON_AddStringToObject(o, "group", "autoscaling");
			cJSON_AddStringToObject(o, "version", "v1");
			cJSON_AddStringToObject(o, "kind", "Scale");
			cJSON_AddItemToObject(o, "verbs", registry_verbs(true));
			cJSON_AddItemToArray(arr, o);
		}
	}
	if (!found) {
		cJSON_Delete(doc);
		return -1;
	}
	registry_emit(out, doc);
	return 0;
}
