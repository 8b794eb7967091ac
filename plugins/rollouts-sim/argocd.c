/* SPDX-License-Identifier: Apache-2.0 */
/*
 * argocd: the Argo CD application controller, simulated in-process (the
 * parts: argocd.h). controller.c runs argocd_pass() in every reconcile
 * pass with sim_lock held, on the simulator's clock. For each Application:
 * check its AppProject (InvalidSpecError), refresh when due (the polling
 * interval, 3m by default, --argocd-refresh; at once when spec.source
 * changed or the argocd.argoproj.io/refresh annotation is set, which is
 * then removed): resolve the revision with git and render the manifests;
 * compare them with the live objects on every pass (as the watch-driven
 * refresh does), computing sync status, health and resources; run the sync
 * operation a client requested (operation.sync) or auto-sync decides
 * (automated, prune, selfHeal with its backoff, allowEmpty), applying
 * manifests the way kubectl apply does (last-applied annotation, three-way
 * deletion, strategic merge for built-ins, merge patch for custom
 * resources) with Argo CD v3's tracking-id annotation, creating the
 * namespace with CreateNamespace=true and pruning tracked extras; then
 * write the status as Argo CD does. A deleted Application with the
 * resources finalizer takes its resources with it.
 */
#include <fnmatch.h>
#include <pthread.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "argocd.h"
#include "controller.h"
#include "json.h"
#include "patch.h"
#include "server.h"
#include "sim.h"
#include "xalloc.h"

#define ARGOCD_NS "argocd"
#define ARGOCD_IN_CLUSTER "https://kubernetes.default.svc"
#define ARGOCD_FINALIZER "resources-finalizer.argocd.argoproj.io"

/* What the controller remembers of an Application between passes (Argo
 * CD's cache of the last comparison). */
struct argocd_app {
	char *key;         /* ns/name */
	char *uid;
	char *appid;       /* the tracking id's application part */
	char *source;      /* compact JSON of the spec.source rendered */
	char sha[41];      /* resolved revision ("" when unresolved) */
	cJSON *targets;    /* normalised manifests of the last good render */
	const char *type;  /* "Helm" or "Directory" */
	char *error;       /* the ComparisonError message, or NULL */
	long long refreshed; /* when the last refresh ran (0 = never) */
	bool cascade;      /* has the resources finalizer */
	bool seen;         /* met in this pass */
};

static struct argocd_options argocd_opts;
static struct argocd_app *argocd_apps;
static size_t argocd_napps, argocd_capps;
static char *argocd_dir;
static struct sim_resource *argocd_app_res, *argocd_proj_res, *argocd_ns_res;

static struct sim_obj *argocd_default_project(const char *ns, bool quiet);

bool
argocd_enabled(void)
{
	return argocd_opts.enabled;
}

/* rm -r path (no symlinks followed). */
static void
argocd_rm_rf(const char *path)
{
	struct stat sb;
	if (lstat(path, &sb) < 0) {
		return;
	}
	if (S_ISDIR(sb.st_mode)) {
		DIR *d = opendir(path);
		for (struct dirent *de = d ? readdir(d) : NULL; de;
		     de = readdir(d)) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0) {
				continue;
			}
			char *sub = xasprintf("%s/%s", path, de->d_name);
			argocd_rm_rf(sub);
			free(sub);
		}
		if (d) {
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

void
argocd_cleanup(void)
{
	if (argocd_dir) {
		argocd_rm_rf(argocd_dir);
		free(argocd_dir);
		argocd_dir = NULL;
	}
}

void
argocd_init(const struct argocd_options *o)
{
	argocd_opts = *o;
	if (!o->enabled) {
		return;
	}
	argocd_app_res = registry_find("argoproj.io", "v1alpha1",
				       "applications");
	argocd_proj_res = registry_find("argoproj.io", "v1alpha1",
					"appprojects");
	argocd_ns_res = registry_find("", "v1", "namespaces");
	/* what an installed Argo CD has: its namespace, project default */
	pthread_mutex_lock(&sim_lock);
	store_ensure_namespace(ARGOCD_NS);
	if (!store_get(argocd_proj_res, ARGOCD_NS, "default")) {
		argocd_default_project(ARGOCD_NS, true);
	}
	pthread_mutex_unlock(&sim_lock);
	const char *tmp = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/rollouts-sim-argocd.XXXXXX",
			       tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(tmpl)) {
		argocd_dir = tmpl;
		argocd_git_init(argocd_dir);
	} else {
		free(tmpl);
		argocd_git_init(".");
	}
}

/* ------------------------------------------------------------ helpers */

static struct argocd_app *
argocd_state(const char *ns, const char *name, const char *uid)
{
	char *key = xasprintf("%s/%s", ns, name);
	for (size_t i = 0; i < argocd_napps; i++) {
		struct argocd_app *a = &argocd_apps[i];
		if (strcmp(a->key, key) != 0) {
			continue;
		}
		free(key);
		if (strcmp(a->uid, uid ? uid : "") != 0) {
			/* the same name, a new Application */
			free(a->uid);
			a->uid = xstrdup(uid ? uid : "");
			free(a->source);
			a->source = NULL;
			cJSON_Delete(a->targets);
			a->targets = NULL;
			free(a->error);
			a->error = NULL;
			a->sha[0] = '\0';
			a->refreshed = 0;
		}
		return a;
	}
	if (argocd_napps == argocd_capps) {
		argocd_capps = argocd_capps ? argocd_capps * 2 : 8;
		argocd_apps = xrealloc(argocd_apps,
				       argocd_capps * sizeof(*argocd_apps));
	}
	struct argocd_app *a = &argocd_apps[argocd_napps++];
	memset(a, 0, sizeof(*a));
	a->key = key;
	a->uid = xstrdup(uid ? uid : "");
	a->appid = strcmp(ns, ARGOCD_NS) == 0 ? xstrdup(name)
					      : xasprintf("%s_%s", ns, name);
	return a;
}

static void
argocd_forget(size_t i)
{
	struct argocd_app *a = &argocd_apps[i];
	free(a->key);
	free(a->uid);
	free(a->appid);
	free(a->source);
	cJSON_Delete(a->targets);
	free(a->error);
	argocd_apps[i] = argocd_apps[--argocd_napps];
}

/* group ("" for core) and version of an apiVersion. */
static void
argocd_gv(const cJSON *obj, char *group, size_t gn, const char **version)
{
	const char *av = json_str(obj, "apiVersion");
	const char *slash = av ? strchr(av, '/') : NULL;
	size_t len = slash ? (size_t)(slash - av) : 0;
	if (len >= gn) {
		len = gn - 1;
	}
	memcpy(group, av ? av : "", len);
	group[len] = '\0';
	if (version) {
		*version = slash ? slash + 1 : av ? av : "";
	}
}

/* "<app>:<group>/<kind>:<namespace>/<name>" */
static char *
argocd_tracking_id(const char *appid, const cJSON *obj)
{
	char group[128];
	argocd_gv(obj, group, sizeof(group), NULL);
	const char *ns = json_str(obj, "metadata.namespace");
	return xasprintf("%s:%s/%s:%s/%s", appid, group,
			 json_str(obj, "kind") ? json_str(obj, "kind") : "",
			 ns ? ns : "", json_str(obj, "metadata.name")
			 ? json_str(obj, "metadata.name") : "");
}

static struct sim_resource *
argocd_res_of(const cJSON *obj, bool learn)
{
	const char *av = json_str(obj, "apiVersion");
	const char *kind = json_str(obj, "kind");
	if (!av || !kind) {
		return NULL;
	}
	return registry_find_kind(av, kind, learn);
}

static struct sim_obj *
argocd_live(const cJSON *target)
{
	struct sim_resource *r = argocd_res_of(target, false);
	if (!r) {
		return NULL;
	}
	const char *ns = json_str(target, "metadata.namespace");
	return store_get(r, r->namespaced && ns ? ns : "",
			 json_str(target, "metadata.name"));
}

static bool
argocd_has_option(const cJSON *app, const char *opt)
{
	const cJSON *opts = json_path(app, "spec.syncPolicy.syncOptions");
	for (const cJSON *o = opts ? opts->child : NULL; o; o = o->next) {
		if (cJSON_IsString(o) && strcmp(o->valuestring, opt) == 0) {
			return true;
		}
	}
	return false;
}

/* Store app in place of the stored Application (generation moves with any
 * change outside metadata: the CRD has no status subresource). */
static void
argocd_write(const cJSON *app)
{
	const char *ns = json_str(app, "metadata.namespace");
	const char *name = json_str(app, "metadata.name");
	struct sim_obj *cur = store_get(argocd_app_res, ns, name);
	if (!cur) {
		return;
	}
	cJSON *next = cJSON_Duplicate(app, 1);
	if (json_equal(next, cur->json)) {
		cJSON_Delete(next);
		return;
	}
	cJSON *a = cJSON_Duplicate(next, 1), *b = cJSON_Duplicate(cur->json, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(a, "metadata");
	cJSON_DeleteItemFromObjectCaseSensitive(b, "metadata");
	if (!json_equal(a, b)) {
		cJSON *md = json_obj_ensure(next, "metadata");
		json_set_num(md, "generation",
			     json_num(cur->json, "metadata.generation", 1) + 1);
	}
	cJSON_Delete(a);
	cJSON_Delete(b);
	controller_put(argocd_app_res, next, cur->json);
}

static void
argocd_set_condition(cJSON *status, const char *type, const char *msg)
{
	cJSON *conds = cJSON_GetObjectItem(status, "conditions");
	char ts[32];
	controller_ts(controller.now, ts);
	cJSON *keep = NULL;
	for (cJSON *c = conds ? conds->child : NULL; c; c = c->next) {
		const char *t = json_str(c, "type");
		if (t && strcmp(t, type) == 0) {
			keep = c;
			break;
		}
	}
	if (!msg) {
		if (keep) {
			cJSON_DetachItemViaPointer(conds, keep);
			cJSON_Delete(keep);
		}
		if (conds && !conds->child) {
			cJSON_DeleteItemFromObjectCaseSensitive(status,
								"conditions");
		}
		return;
	}
	if (keep) {
		const char *m = json_str(keep, "message");
		if (m && strcmp(m, msg) == 0) {
			return;
		}
		json_set_str(keep, "message", msg);
		json_set_str(keep, "lastTransitionTime", ts);
		return;
	}
	if (!conds) {
		conds = cJSON_AddArrayToObject(status, "conditions");
	}
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "lastTransitionTime", ts);
	cJSON_AddStringToObject(c, "message", msg);
	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddItemToArray(conds, c);
}

/* --------------------------------------------------------- the project */

static bool
argocd_glob(const char *pat, const char *s)
{
	return pat && (strcmp(pat, "*") == 0 ||
		       fnmatch(pat, s ? s : "", 0) == 0);
}

/* The project Argo CD's API server creates at start-up, in ns. */
static struct sim_obj *
argocd_default_project(const char *ns, bool quiet)
{
	cJSON *dp = cJSON_Parse(
		"{\"apiVersion\":\"argoproj.io/v1alpha1\","
		"\"kind\":\"AppProject\",\"metadata\":{\"name\":"
		"\"default\"},\"spec\":{\"sourceRepos\":[\"*\"],"
		"\"destinations\":[{\"server\":\"*\",\"namespace\":"
		"\"*\"}],\"clusterResourceWhitelist\":[{\"group\":"
		"\"*\",\"kind\":\"*\"}]},\"status\":{}}");
	json_set_str(json_obj_ensure(dp, "metadata"), "namespace", ns);
	fixtures_fill_meta(dp, argocd_proj_res, ns);
	if (!quiet) {
		controller.changed = true;
	}
	return store_put(argocd_proj_res, dp, false, quiet);
}

/* Whether the project lets app be deployed; the message in msg when
 * not. */
static bool
argocd_project_ok(const cJSON *app, struct buf *msg)
{
	const char *ns = json_str(app, "metadata.namespace");
	const char *p = json_str(app, "spec.project");
	if (!p || !*p) {
		p = "default";
	}
	struct sim_obj *proj = store_get(argocd_proj_res, ns, p);
	if (!proj && strcmp(p, "default") == 0) {
		proj = argocd_default_project(ns, false);
	}
	if (!proj) {
		buf_addf(msg, "Application referencing project %s which does "
			 "not exist", p);
		return false;
	}
	const char *repo = json_str(app, "spec.source.repoURL");
	bool ok = false;
	const cJSON *repos = json_path(proj->json, "spec.sourceRepos");
	for (const cJSON *r = repos ? repos->child : NULL; r && !ok;
	     r = r->next) {
		ok = cJSON_IsString(r) && argocd_glob(r->valuestring, repo);
	}
	if (!ok) {
		buf_addf(msg, "application repo %s is not permitted in "
			 "project '%s'", repo ? repo : "", p);
		return false;
	}
	const char *server = json_str(app, "spec.destination.server");
	const char *dname = json_str(app, "spec.destination.name");
	const char *dns = json_str(app, "spec.destination.namespace");
	if ((!server || !*server) && dname && strcmp(dname, "in-cluster") == 0) {
		server = ARGOCD_IN_CLUSTER;
	}
	if (!server || strcmp(server, ARGOCD_IN_CLUSTER) != 0) {
		buf_addf(msg, "there are no clusters with this URL: %s",
			 server ? server : dname ? dname : "");
		return false;
	}
	ok = false;
	const cJSON *dests = json_path(proj->json, "spec.destinations");
	for (const cJSON *d = dests ? dests->child : NULL; d && !ok;
	     d = d->next) {
		const char *ds = json_str(d, "server");
		const char *dn = json_str(d, "name");
		const char *dnsp = json_str(d, "namespace");
		bool srv = ds ? argocd_glob(ds, server)
			      : dn && argocd_glob(dn, "in-cluster");
		ok = srv && argocd_glob(dnsp ? dnsp : "*", dns ? dns : "");
	}
	if (!ok) {
		buf_addf(msg, "application destination server '%s' and "
			 "namespace '%s' do not match any of the allowed "
			 "destinations in project '%s'", server,
			 dns ? dns : "", p);
		return false;
	}
	return true;
}

/* ---------------------------------------------------- refresh (render) */

/* Resolve rev and render app's source at it: the normalised manifests
 * (tracking added, namespaces set), or NULL with err. */
static cJSON *
argocd_load(const cJSON *app, const char *appid, const char *rev,
	    char sha[41], const char **type, struct buf *err)
{
	const char *url = json_str(app, "spec.source.repoURL");
	if (!url || !*url) {
		buf_adds(err, "spec.source.repoURL is required");
		return NULL;
	}
	struct buf e = BUF_INIT, dir = BUF_INIT;
	cJSON *out = NULL;
	if (argocd_git_resolve(url, rev, sha, &e) < 0 ||
	    argocd_git_checkout(url, sha, &dir, &e) < 0) {
		goto done;
	}
	cJSON *docs = argocd_render(app, dir.buf, type, &e);
	if (!docs) {
		goto done;
	}
	const char *dns = json_str(app, "spec.destination.namespace");
	for (cJSON *d = docs->child; d; d = d->next) {
		struct sim_resource *r = argocd_res_of(d, true);
		if (!r) {
			buf_addf(&e, "%s '%s' has no apiVersion",
				 json_str(d, "kind"),
				 json_str(d, "metadata.name")
				 ? json_str(d, "metadata.name") : "");
			cJSON_Delete(docs);
			goto done;
		}
		cJSON *md = json_obj_ensure(d, "metadata");
		if (!json_str(d, "metadata.name")) {
			buf_addf(&e, "%s has no metadata.name", r->kind);
			cJSON_Delete(docs);
			goto done;
		}
		if (!r->namespaced) {
			cJSON_DeleteItemFromObjectCaseSensitive(md,
								"namespace");
		} else if (!json_str(d, "metadata.namespace") ||
			   !*json_str(d, "metadata.namespace")) {
			json_set_str(md, "namespace", dns && *dns ? dns
							      : "default");
		}
		char *tid = argocd_tracking_id(appid, d);
		controller_set_annotation(d, ARGOCD_ANN_TRACKING, tid);
		free(tid);
	}
	out = docs;
done:
	if (!out) {
		buf_addf(err, "Failed to load target state: failed to generate "
			 "manifest for source 1 of 1: rpc error: code = "
			 "Unknown desc = %s", e.buf ? e.buf : "");
	}
	buf_release(&e);
	buf_release(&dir);
	return out;
}

static void
argocd_refresh(struct argocd_app *st, const cJSON *app)
{
	struct buf err = BUF_INIT;
	char sha[41] = "";
	const char *type = NULL;
	cJSON *t = argocd_load(app, st->appid,
			       json_str(app, "spec.source.targetRevision"),
			       sha, &type, &err);
	free(st->error);
	st->error = NULL;
	if (sha[0]) {
		memcpy(st->sha, sha, 41);
	}
	if (t) {
		cJSON_Delete(st->targets);
		st->targets = t;
		st->type = type;
	} else {
		st->error = buf_detach(&err, NULL);
	}
	buf_release(&err);
	st->refreshed = controller.now;
}

/* ------------------------------------------------------------- compare */

static int
argocd_res_cmp(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a;
	const cJSON *y = *(const cJSON *const *)b;
	static const char *const keys[] = { "group", "kind", "namespace",
					    "name" };
	for (int i = 0; i < 4; i++) {
		const char *p = json_str(x, keys[i]);
		const char *q = json_str(y, keys[i]);
		int c = strcmp(p ? p : "", q ? q : "");
		if (c) {
			return c;
		}
	}
	return 0;
}

/* A resources[] entry for obj (a manifest or a live object). */
static cJSON *
argocd_res_entry(const cJSON *obj)
{
	char group[128];
	const char *version;
	argocd_gv(obj, group, sizeof(group), &version);
	cJSON *e = cJSON_CreateObject();
	if (*group) {
		cJSON_AddStringToObject(e, "group", group);
	}
	cJSON_AddStringToObject(e, "kind", json_str(obj, "kind"));
	const char *ns = json_str(obj, "metadata.namespace");
	if (ns && *ns) {
		cJSON_AddStringToObject(e, "namespace", ns);
	}
	cJSON_AddStringToObject(e, "name", json_str(obj, "metadata.name"));
	cJSON_AddStringToObject(e, "version", version);
	return e;
}

static bool
argocd_is_target(const cJSON *targets, const cJSON *obj, struct sim_resource *r)
{
	for (const cJSON *t = targets ? targets->child : NULL; t; t = t->next) {
		if (argocd_res_of(t, false) == r &&
		    strcmp(json_str(t, "metadata.name"),
			   json_str(obj, "metadata.name")) == 0) {
			const char *a = json_str(t, "metadata.namespace");
			const char *b = json_str(obj, "metadata.namespace");
			if (strcmp(a ? a : "", b ? b : "") == 0) {
				return true;
			}
		}
	}
	return false;
}

/* Live objects this app tracks that are not among targets (copies, in an
 * array the caller frees). */
static cJSON *
argocd_extras(const char *appid, const cJSON *targets)
{
	cJSON *out = cJSON_CreateArray();
	size_t plen = strlen(appid);
	for (int i = 0; i < registry_count(); i++) {
		struct sim_resource *r = registry_at(i);
		size_t n;
		struct sim_obj **objs = store_list(r, NULL, &n);
		for (size_t k = 0; k < n; k++) {
			const cJSON *o = objs[k]->json;
			const char *tid = controller_annotation(
				o, ARGOCD_ANN_TRACKING);
			if (!tid || strncmp(tid, appid, plen) != 0 ||
			    tid[plen] != ':' ||
			    json_path(o, "metadata.ownerReferences")) {
				continue;
			}
			char *own = argocd_tracking_id(appid, o);
			bool mine = strcmp(own, tid) == 0;
			free(own);
			if (mine && !argocd_is_target(targets, o, r)) {
				cJSON_AddItemToArray(out,
						     cJSON_Duplicate(o, 1));
			}
		}
		free(objs);
	}
	return out;
}

/* Images of the pods under the managed objects (owner chains). */
static void
argocd_images(const cJSON *uids, cJSON *images)
{
	struct sim_resource *rs = registry_find("apps", "v1", "replicasets");
	struct sim_resource *pod = registry_find("", "v1", "pods");
	cJSON *all = cJSON_Duplicate(uids, 1);
	size_t n;
	struct sim_obj **objs = store_list(rs, NULL, &n);
	for (size_t i = 0; i < n; i++) {
		for (const cJSON *u = uids->child; u; u = u->next) {
			if (store_owned_by(objs[i]->json, u->valuestring)) {
				const char *uid = json_str(objs[i]->json,
							   "metadata.uid");
				cJSON_AddItemToArray(all, cJSON_CreateString(
					uid ? uid : ""));
				break;
			}
		}
	}
	free(objs);
	objs = store_list(pod, NULL, &n);
	for (size_t i = 0; i < n; i++) {
		bool mine = false;
		for (const cJSON *u = all->child; u && !mine; u = u->next) {
			mine = store_owned_by(objs[i]->json, u->valuestring);
		}
		if (!mine) {
			continue;
		}
		const cJSON *cs = json_path(objs[i]->json, "spec.containers");
		for (const cJSON *c = cs ? cs->child : NULL; c; c = c->next) {
			const char *img = json_str(c, "image");
			if (!img) {
				continue;
			}
			/* sorted, unique */
			cJSON *at = images->child;
			int idx = 0;
			bool dup = false;
			for (; at; at = at->next, idx++) {
				int cmp = strcmp(at->valuestring, img);
				if (cmp == 0) {
					dup = true;
				}
				if (cmp >= 0) {
					break;
				}
			}
			if (!dup) {
				cJSON_InsertItemInArray(images, idx,
							cJSON_CreateString(img));
			}
		}
	}
	free(objs);
	cJSON_Delete(all);
}

/* Compare st's targets with the live objects: a new resources[] array;
 * *sync and *health set (static strings). */
static cJSON *
argocd_compare(const cJSON *app, struct argocd_app *st, const char **sync,
	       const char **health, cJSON *images)
{
	cJSON *ignores = cJSON_GetObjectItem(json_obj_ensure(
		(cJSON *)app, "spec"), "ignoreDifferences");
	size_t cap = 16, n = 0;
	cJSON **rows = xcalloc(cap, sizeof(*rows));
	bool outofsync = false;
	int worst = 0, live_count = 0, expected = 0;
	cJSON *uids = cJSON_CreateArray();
	cJSON *extras = argocd_extras(st->appid, st->targets);
	for (int pass = 0; pass < 2; pass++) {
		const cJSON *list = pass == 0 ? st->targets : extras;
		for (const cJSON *t = list ? list->child : NULL; t;
		     t = t->next) {
			struct sim_obj *live = argocd_live(t);
			cJSON *e = argocd_res_entry(t);
			const char *s;
			if (pass == 1) {
				s = "OutOfSync";
				cJSON_AddTrueToObject(e, "requiresPruning");
			} else if (!live) {
				s = "OutOfSync";
			} else {
				bool builtin = live->res->builtin;
				s = argocd_diff_modified(t, live->json, ignores,
							 builtin, NULL)
					    ? "OutOfSync"
					    : "Synced";
			}
			cJSON_AddStringToObject(e, "status", s);
			outofsync = outofsync || strcmp(s, "OutOfSync") == 0;
			char group[128];
			argocd_gv(t, group, sizeof(group), NULL);
			const char *hs = NULL;
			struct buf msg = BUF_INIT;
			bool has;
			if (live) {
				has = argocd_health(group, json_str(t, "kind"),
						    live->json, &hs, &msg);
				const char *uid = json_str(live->json,
							   "metadata.uid");
				cJSON_AddItemToArray(uids, cJSON_CreateString(
					uid ? uid : ""));
			} else {
				struct buf tmp = BUF_INIT;
				has = argocd_health(group, json_str(t, "kind"),
						    t, &hs, &tmp);
				buf_release(&tmp);
				hs = "Missing";
			}
			if (pass == 0) {
				expected++;
				live_count += live != NULL;
			}
			if (has) {
				cJSON *h = cJSON_AddObjectToObject(e, "health");
				cJSON_AddStringToObject(h, "status", hs);
				if (msg.len) {
					cJSON_AddStringToObject(h, "message",
								msg.buf);
				}
				if (live && argocd_health_rank(hs) > worst) {
					worst = argocd_health_rank(hs);
				}
			}
			buf_release(&msg);
			if (n == cap) {
				cap *= 2;
				rows = xrealloc(rows, cap * sizeof(*rows));
			}
			rows[n++] = e;
		}
	}
	cJSON_Delete(extras);
	qsort(rows, n, sizeof(*rows), argocd_res_cmp);
	cJSON *res = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(res, rows[i]);
	}
	free(rows);
	argocd_images(uids, images);
	cJSON_Delete(uids);
	static const char *const order[] = {
		"Healthy", "Suspended", "Progressing", "Missing", "Degraded",
		"Unknown",
	};
	*health = expected > 0 && live_count == 0 ? "Missing" : order[worst];
	*sync = st->error ? "Unknown" : outofsync ? "OutOfSync" : "Synced";
	return res;
}

/* ---------------------------------------------------------------- sync */

static const char *const argocd_kind_order[] = {
	"Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
	"PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount",
	"Secret", "SecretList", "ConfigMap", "StorageClass",
	"PersistentVolume", "PersistentVolumeClaim",
	"CustomResourceDefinition", "ClusterRole", "ClusterRoleList",
	"ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList",
	"RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod",
	"ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob",
	"IngressClass", "Ingress", "APIService",
};

static int
argocd_kind_rank(const char *kind)
{
	size_t n = sizeof(argocd_kind_order) / sizeof(argocd_kind_order[0]);
	for (size_t i = 0; kind && i < n; i++) {
		if (strcmp(argocd_kind_order[i], kind) == 0) {
			return (int)i;
		}
	}
	return (int)n;
}

static int
argocd_task_cmp(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a;
	const cJSON *y = *(const cJSON *const *)b;
	int rx = argocd_kind_rank(json_str(x, "kind"));
	int ry = argocd_kind_rank(json_str(y, "kind"));
	if (rx != ry) {
		return rx - ry;
	}
	int c = strcmp(json_str(x, "kind"), json_str(y, "kind"));
	return c ? c : strcmp(json_str(x, "metadata.name"),
			      json_str(y, "metadata.name"));
}

/* kubectl's "<kind>[.<group>]/<name>". */
static void
argocd_obj_ref(struct buf *b, const cJSON *obj)
{
	char group[128];
	argocd_gv(obj, group, sizeof(group), NULL);
	const char *kind = json_str(obj, "kind");
	for (const char *p = kind; p && *p; p++) {
		buf_addch(b, (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p));
	}
	if (*group) {
		buf_addf(b, ".%s", group);
	}
	buf_addf(b, "/%s", json_str(obj, "metadata.name"));
}

/* Fields last-applied had that the manifest dropped: removed from next
 * (the deletions of kubectl apply's three-way patch). */
static void
argocd_drop_removed(cJSON *next, const cJSON *last, const cJSON *target)
{
	if (!cJSON_IsObject(next) || !cJSON_IsObject(last) ||
	    !cJSON_IsObject(target)) {
		return;
	}
	for (const cJSON *c = last->child; c; c = c->next) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(target,
								  c->string);
		if (!t) {
			cJSON_DeleteItemFromObjectCaseSensitive(next,
								c->string);
		} else {
			argocd_drop_removed(cJSON_GetObjectItemCaseSensitive(
						    next, c->string),
					    c, t);
		}
	}
}

/* Apply one manifest as kubectl apply does: the result message ("created",
 * "configured", "unchanged"), or -1 with the error in msg. */
static int
argocd_apply(const cJSON *target, struct buf *msg)
{
	struct sim_resource *r = argocd_res_of(target, true);
	if (!r) {
		buf_adds(msg, "no apiVersion");
		return -1;
	}
	const char *ns = r->namespaced ? json_str(target, "metadata.namespace")
				       : "";
	if (r->namespaced && !store_namespace_exists(ns)) {
		buf_addf(msg, "namespaces \"%s\" not found", ns);
		return -1;
	}
	cJSON *desired = cJSON_Duplicate(target, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(desired, "status");
	cJSON *lac = cJSON_Duplicate(desired, 1);
	controller_set_annotation(lac, ARGOCD_ANN_LAST_APPLIED, NULL);
	const cJSON *lann = json_path(lac, "metadata.annotations");
	if (lann && !lann->child) {
		cJSON_DeleteItemFromObjectCaseSensitive(
			cJSON_GetObjectItem(lac, "metadata"), "annotations");
	}
	char *lac_text = cJSON_PrintUnformatted(lac);
	cJSON_Delete(lac);
	controller_set_annotation(desired, ARGOCD_ANN_LAST_APPLIED, lac_text);
	free(lac_text);
	struct sim_obj *live = store_get(r, ns ? ns : "",
					 json_str(target, "metadata.name"));
	argocd_obj_ref(msg, target);
	if (!live) {
		controller_create(r, ns ? ns : "", desired);
		buf_adds(msg, " created");
		return 0;
	}
	cJSON *next = cJSON_Duplicate(live->json, 1);
	const char *old = controller_annotation(live->json,
						ARGOCD_ANN_LAST_APPLIED);
	cJSON *last = old ? cJSON_Parse(old) : NULL;
	if (last) {
		cJSON_DeleteItemFromObjectCaseSensitive(last, "status");
		argocd_drop_removed(next, last, desired);
	}
	cJSON_Delete(last);
	struct pd_err e = { 0 };
	int rc = r->builtin ? patch_strategic(&next, desired, &e)
			    : patch_merge(&next, desired, &e);
	cJSON_Delete(desired);
	if (rc < 0) {
		cJSON_Delete(next);
		buf_reset(msg);
		buf_adds(msg, e.msg);
		return -1;
	}
	if (json_equal(next, live->json)) {
		cJSON_Delete(next);
		buf_adds(msg, " unchanged");
		return 0;
	}
	/* generation: any change but metadata (and status when it is a
	 * subresource) */
	cJSON *a = cJSON_Duplicate(next, 1), *b = cJSON_Duplicate(live->json,
								   1);
	cJSON_DeleteItemFromObjectCaseSensitive(a, "metadata");
	cJSON_DeleteItemFromObjectCaseSensitive(b, "metadata");
	if (faults_has_status(r)) {
		cJSON_DeleteItemFromObjectCaseSensitive(a, "status");
		cJSON_DeleteItemFromObjectCaseSensitive(b, "status");
	}
	if (!json_equal(a, b)) {
		json_set_num(json_obj_ensure(next, "metadata"), "generation",
			     json_num(live->json, "metadata.generation", 1) + 1);
	}
	cJSON_Delete(a);
	cJSON_Delete(b);
	controller_put(r, next, live->json);
	buf_adds(msg, " configured");
	return 0;
}

static cJSON *
argocd_result(const cJSON *obj, const char *status, const char *message,
	      const char *hook_phase, const char *sync_phase)
{
	cJSON *e = argocd_res_entry(obj);
	cJSON_AddStringToObject(e, "status", status);
	cJSON_AddStringToObject(e, "message", message);
	if (hook_phase) {
		cJSON_AddStringToObject(e, "hookPhase", hook_phase);
	}
	cJSON_AddStringToObject(e, "syncPhase", sync_phase);
	return e;
}

/* Whether the partial-sync list (NULL: all) names obj. */
static bool
argocd_selected(const cJSON *list, const cJSON *obj)
{
	if (!list) {
		return true;
	}
	char group[128];
	argocd_gv(obj, group, sizeof(group), NULL);
	for (const cJSON *r = list->child; r; r = r->next) {
		const char *g = json_str(r, "group");
		const char *ns = json_str(r, "namespace");
		const char *ons = json_str(obj, "metadata.namespace");
		if (strcmp(g ? g : "", group) == 0 &&
		    json_str(r, "kind") &&
		    strcmp(json_str(r, "kind"), json_str(obj, "kind")) == 0 &&
		    json_str(r, "name") &&
		    strcmp(json_str(r, "name"),
			   json_str(obj, "metadata.name")) == 0 &&
		    (!ns || !*ns || strcmp(ns, ons ? ons : "") == 0)) {
			return true;
		}
	}
	return false;
}

/* Run the sync operation op (owned by app's "operation") on app (the
 * working copy, written here). */
static void
argocd_sync(cJSON *app, struct argocd_app *st)
{
	cJSON *op = cJSON_Duplicate(cJSON_GetObjectItem(app, "operation"), 1);
	const cJSON *sync = cJSON_GetObjectItem(op, "sync");
	cJSON *status = json_obj_ensure(app, "status");
	char ts[32];
	controller_ts(controller.now, ts);
	cJSON *os = cJSON_CreateObject();
	cJSON_AddItemToObject(os, "operation", cJSON_Duplicate(op, 1));
	cJSON_AddStringToObject(os, "phase", "Running");
	cJSON_AddStringToObject(os, "message", "");
	cJSON_AddStringToObject(os, "startedAt", ts);
	json_set_item(status, "operationState", os);
	argocd_write(app);

	/* the manifests at the operation's revision */
	const char *rev = json_str(sync, "revision");
	cJSON *targets = NULL;
	char sha[41] = "";
	struct buf err = BUF_INIT;
	if (!rev || !*rev || (st->sha[0] && strcmp(rev, st->sha) == 0)) {
		if (st->targets && !st->error) {
			targets = cJSON_Duplicate(st->targets, 1);
			memcpy(sha, st->sha, 41);
		} else {
			buf_adds(&err, st->error ? st->error
				 : "no manifests to sync");
		}
	} else {
		const char *type;
		targets = argocd_load(app, st->appid, rev, sha, &type, &err);
	}
	const cJSON *partial = cJSON_GetObjectItem(sync, "resources");
	if (partial && !cJSON_IsArray(partial)) {
		partial = NULL;
	}
	bool prune = json_bool(sync, "prune", false);
	bool oos_only = argocd_has_option(app, "ApplyOutOfSyncOnly=true");
	cJSON *results = cJSON_CreateArray();
	struct buf failures = BUF_INIT;
	if (targets) {
		/* CreateNamespace=true: a PreSync task first */
		const char *dns = json_str(app, "spec.destination.namespace");
		if (argocd_has_option(app, "CreateNamespace=true") && dns &&
		    *dns && !store_namespace_exists(dns)) {
			cJSON *nso = cJSON_CreateObject();
			cJSON_AddStringToObject(nso, "apiVersion", "v1");
			cJSON_AddStringToObject(nso, "kind", "Namespace");
			cJSON *md = cJSON_AddObjectToObject(nso, "metadata");
			cJSON_AddStringToObject(md, "name", dns);
			const cJSON *mnm = json_path(app, "spec.syncPolicy."
						     "managedNamespaceMetadata");
			if (cJSON_GetObjectItem(mnm, "labels")) {
				cJSON_AddItemToObject(md, "labels",
					cJSON_Duplicate(cJSON_GetObjectItem(
						mnm, "labels"), 1));
			}
			if (cJSON_GetObjectItem(mnm, "annotations")) {
				cJSON_AddItemToObject(md, "annotations",
					cJSON_Duplicate(cJSON_GetObjectItem(
						mnm, "annotations"), 1));
			}
			cJSON *spec = cJSON_AddObjectToObject(nso, "spec");
			cJSON *fin = cJSON_AddArrayToObject(spec, "finalizers");
			cJSON_AddItemToArray(fin,
					     cJSON_CreateString("kubernetes"));
			cJSON_AddItemToObject(json_obj_ensure(nso, "status"),
					      "phase",
					      cJSON_CreateString("Active"));
			cJSON *ref = cJSON_Duplicate(nso, 1);
			controller_create(argocd_ns_res, "", nso);
			char *m = xasprintf("namespace/%s created", dns);
			cJSON_AddItemToArray(results,
					     argocd_result(ref, "Synced", m,
							   "Succeeded",
							   "PreSync"));
			free(m);
			cJSON_Delete(ref);
		}
		int n = cJSON_GetArraySize(targets);
		cJSON **tasks = xcalloc((size_t)n + 1, sizeof(*tasks));
		int k = 0;
		for (cJSON *t = targets->child; t; t = t->next) {
			tasks[k++] = t;
		}
		qsort(tasks, (size_t)k, sizeof(*tasks), argocd_task_cmp);
		cJSON *ignores = json_path(app, "spec.ignoreDifferences");
		for (int i = 0; i < k; i++) {
			const cJSON *t = tasks[i];
			if (!argocd_selected(partial, t)) {
				continue;
			}
			if (oos_only) {
				struct sim_obj *live = argocd_live(t);
				if (live && !argocd_diff_modified(
					    t, live->json, ignores,
					    live->res->builtin, NULL)) {
					continue;
				}
			}
			struct buf m = BUF_INIT;
			int rc = argocd_apply(t, &m);
			cJSON_AddItemToArray(results, argocd_result(
				t, rc < 0 ? "SyncFailed" : "Synced",
				m.buf ? m.buf : "", "Running", "Sync"));
			if (rc < 0) {
				buf_addf(&failures, "%s%s",
					 failures.len ? "," : "", m.buf);
			}
			buf_release(&m);
		}
		free(tasks);
		/* prune what the app tracks and no longer renders */
		cJSON *extras = argocd_extras(st->appid, targets);
		for (cJSON *x = extras->child; x; x = x->next) {
			if (!argocd_selected(partial, x)) {
				continue;
			}
			if (!prune) {
				cJSON_AddItemToArray(results, argocd_result(
					x, "PruneSkipped",
					"ignored (requires pruning)", NULL,
					"Sync"));
				continue;
			}
			struct sim_obj *live = argocd_live(x);
			if (live) {
				write_delete_cascade(live, false, 0);
				controller.changed = true;
			}
			cJSON_AddItemToArray(results, argocd_result(
				x, "Pruned", "pruned", NULL, "Sync"));
		}
		cJSON_Delete(extras);
	}
	/* the operation's end */
	status = json_obj_ensure(app, "status");
	os = cJSON_GetObjectItem(status, "operationState");
	controller_ts(controller.now, ts);
	if (!targets) {
		json_set_str(os, "phase", "Error");
		json_set_str(os, "message", err.buf ? err.buf : "");
	} else if (failures.len) {
		json_set_str(os, "phase", "Failed");
		char *m = xasprintf("one or more objects failed to apply, "
				    "reason: %s", failures.buf);
		json_set_str(os, "message", m);
		free(m);
	} else {
		json_set_str(os, "phase", "Succeeded");
		json_set_str(os, "message",
			     "successfully synced (all tasks run)");
	}
	cJSON *sr = cJSON_CreateObject();
	cJSON_AddItemToObject(sr, "resources", results);
	cJSON_AddStringToObject(sr, "revision", sha);
	cJSON_AddItemToObject(sr, "source", cJSON_Duplicate(
		json_path(app, "spec.source"), 1));
	json_set_item(os, "syncResult", sr);
	json_set_str(os, "finishedAt", ts);
	cJSON_DeleteItemFromObjectCaseSensitive(app, "operation");
	bool ok = targets && !failures.len;
	if (ok && !partial) {
		cJSON *hist = cJSON_GetObjectItem(status, "history");
		if (!cJSON_IsArray(hist)) {
			hist = cJSON_CreateArray();
			json_set_item(status, "history", hist);
		}
		long id = 0;
		for (const cJSON *h = hist->child; h; h = h->next) {
			id = (long)json_num(h, "id", 0) + 1;
		}
		cJSON *h = cJSON_CreateObject();
		cJSON_AddStringToObject(h, "deployStartedAt",
					json_str(os, "startedAt"));
		cJSON_AddStringToObject(h, "deployedAt", ts);
		cJSON_AddNumberToObject(h, "id", (double)id);
		const cJSON *by = cJSON_GetObjectItem(op, "initiatedBy");
		if (by) {
			cJSON_AddItemToObject(h, "initiatedBy",
					      cJSON_Duplicate(by, 1));
		}
		cJSON_AddStringToObject(h, "revision", sha);
		cJSON_AddItemToObject(h, "source", cJSON_Duplicate(
			json_path(app, "spec.source"), 1));
		cJSON_AddItemToArray(hist, h);
		long limit = controller_int(app, "spec.revisionHistoryLimit",
					    10);
		while (cJSON_GetArraySize(hist) > limit && limit >= 0) {
			cJSON_DeleteItemFromArray(hist, 0);
		}
	}
	buf_release(&failures);
	buf_release(&err);
	cJSON_Delete(targets);
	cJSON_Delete(op);
}

/* ----------------------------------------------------------- auto-sync */

/* Self-heal delay after n attempts: 0, 2s, 6s, 18s ... capped at 5m. */
static long long
argocd_heal_delay(long n)
{
	if (n <= 0) {
		return 0;
	}
	long long d = 2000;
	for (long i = 1; i < n && d < 300000; i++) {
		d *= 3;
	}
	return d > 300000 ? 300000 : d;
}

/* Argo CD's autoSync: maybe set app's operation; a SyncError message goes
 * to msg. */
static void
argocd_autosync(cJSON *app, struct argocd_app *st, const cJSON *resources,
		struct buf *msg)
{
	const cJSON *auto_ = json_path(app, "spec.syncPolicy.automated");
	if (!cJSON_IsObject(auto_)) {
		return;
	}
	const cJSON *en = cJSON_GetObjectItem(auto_, "enabled");
	if (cJSON_IsFalse(en)) {
		return;
	}
	if (cJSON_GetObjectItem(app, "operation") ||
	    json_path(app, "metadata.deletionTimestamp")) {
		return;
	}
	const cJSON *status = cJSON_GetObjectItem(app, "status");
	const char *ss = json_str(status, "sync.status");
	if (!ss || strcmp(ss, "OutOfSync") != 0) {
		return;
	}
	bool prune = json_bool(auto_, "prune", false);
	bool heal = json_bool(auto_, "selfHeal", false);
	bool allow_empty = json_bool(auto_, "allowEmpty", false);
	int nonsynced = 0, prune_only = 0, total = 0, need_prune = 0;
	for (const cJSON *r = resources ? resources->child : NULL; r;
	     r = r->next) {
		total++;
		bool rp = json_bool(r, "requiresPruning", false);
		need_prune += rp;
		if (strcmp(json_str(r, "status"), "Synced") != 0) {
			nonsynced++;
			prune_only += rp;
		}
	}
	if (!prune && nonsynced > 0 && nonsynced == prune_only) {
		return;
	}
	const cJSON *os = cJSON_GetObjectItem(status, "operationState");
	const cJSON *sr = cJSON_GetObjectItem(os, "syncResult");
	const char *srrev = json_str(sr, "revision");
	bool attempted = sr && srrev && strcmp(srrev, st->sha) == 0 &&
			 json_equal(cJSON_GetObjectItem(sr, "source"),
				    json_path(app, "spec.source"));
	cJSON *op = cJSON_CreateObject();
	cJSON *sync = cJSON_AddObjectToObject(op, "sync");
	cJSON_AddStringToObject(sync, "revision", st->sha);
	if (prune) {
		cJSON_AddTrueToObject(sync, "prune");
	}
	const cJSON *opts = json_path(app, "spec.syncPolicy.syncOptions");
	if (opts) {
		cJSON_AddItemToObject(sync, "syncOptions",
				      cJSON_Duplicate(opts, 1));
	}
	cJSON_AddItemToObject(sync, "source", cJSON_Duplicate(
		json_path(app, "spec.source"), 1));
	cJSON *by = cJSON_AddObjectToObject(op, "initiatedBy");
	cJSON_AddTrueToObject(by, "automated");
	const cJSON *retry = json_path(app, "spec.syncPolicy.retry");
	if (retry) {
		cJSON_AddItemToObject(op, "retry", cJSON_Duplicate(retry, 1));
	} else {
		cJSON *r5 = cJSON_AddObjectToObject(op, "retry");
		cJSON_AddNumberToObject(r5, "limit", 5);
	}
	if (attempted) {
		const char *phase = json_str(os, "phase");
		if (!phase || strcmp(phase, "Succeeded") != 0) {
			buf_addf(msg, "Failed last sync attempt to [%s]: %s",
				 st->sha, json_str(os, "message")
				 ? json_str(os, "message") : "");
			cJSON_Delete(op);
			return;
		}
		if (!heal) {
			cJSON_Delete(op);
			return;
		}
		long attempts = (long)json_num(os, "operation.sync."
					       "autoHealAttemptsCount", 0);
		long long fin = clock_parse_rfc3339(json_str(os, "finishedAt")
						    ? json_str(os, "finishedAt")
						    : "");
		long long due = fin + clock_scaled(argocd_heal_delay(attempts));
		if (due > controller.now) {
			controller_wake_at(due);
			cJSON_Delete(op);
			return;
		}
		cJSON *list = cJSON_AddArrayToObject(sync, "resources");
		for (const cJSON *r = resources ? resources->child : NULL; r;
		     r = r->next) {
			if (strcmp(json_str(r, "status"), "Synced") == 0) {
				continue;
			}
			cJSON *e = cJSON_CreateObject();
			const char *g = json_str(r, "group");
			cJSON_AddStringToObject(e, "group", g ? g : "");
			cJSON_AddStringToObject(e, "kind", json_str(r, "kind"));
			cJSON_AddStringToObject(e, "name", json_str(r, "name"));
			const char *ns = json_str(r, "namespace");
			if (ns) {
				cJSON_AddStringToObject(e, "namespace", ns);
			}
			cJSON_AddItemToArray(list, e);
		}
		cJSON_AddNumberToObject(sync, "autoHealAttemptsCount",
					(double)(attempts + 1));
	}
	if (prune && !allow_empty && total > 0 && need_prune == total) {
		buf_addf(msg, "Skipping sync attempt to [%s]: auto-sync will "
			 "wipe out all resources", st->sha);
		cJSON_Delete(op);
		return;
	}
	json_set_item(app, "operation", op);
}

/* ------------------------------------------------------- one app, pass */

/* Build the status from the comparison into app. */
static void
argocd_status(cJSON *app, struct argocd_app *st, bool reconciled)
{
	cJSON *old = cJSON_GetObjectItem(app, "status");
	cJSON *status = cJSON_CreateObject();
	const char *sync, *health;
	cJSON *images = cJSON_CreateArray();
	cJSON *resources = argocd_compare(app, st, &sync, &health, images);
	char ts[32];
	controller_ts(controller.now, ts);
	cJSON *s = cJSON_AddObjectToObject(status, "sync");
	cJSON_AddStringToObject(s, "status", sync);
	if (st->sha[0]) {
		cJSON_AddStringToObject(s, "revision", st->sha);
	}
	cJSON *cmp = cJSON_AddObjectToObject(s, "comparedTo");
	cJSON_AddItemToObject(cmp, "destination", cJSON_Duplicate(
		json_path(app, "spec.destination"), 1));
	if (json_path(app, "spec.ignoreDifferences")) {
		cJSON_AddItemToObject(cmp, "ignoreDifferences", cJSON_Duplicate(
			json_path(app, "spec.ignoreDifferences"), 1));
	}
	cJSON_AddItemToObject(cmp, "source", cJSON_Duplicate(
		json_path(app, "spec.source"), 1));
	cJSON *h = cJSON_AddObjectToObject(status, "health");
	cJSON_AddStringToObject(h, "status", health);
	const char *oh = json_str(old, "health.status");
	const char *olt = json_str(old, "health.lastTransitionTime");
	cJSON_AddStringToObject(h, "lastTransitionTime",
				oh && strcmp(oh, health) == 0 && olt ? olt : ts);
	cJSON_AddItemToObject(status, "resources", resources);
	cJSON *sum = cJSON_AddObjectToObject(status, "summary");
	if (images->child) {
		cJSON_AddItemToObject(sum, "images", images);
	} else {
		cJSON_Delete(images);
	}
	/* reconciledAt moves on a refresh and when the comparison changed */
	const char *ora = json_str(old, "reconciledAt");
	bool same = ora && !reconciled &&
		    json_equal(cJSON_GetObjectItem(old, "sync"),
			       cJSON_GetObjectItem(status, "sync")) &&
		    json_equal(cJSON_GetObjectItem(old, "resources"),
			       resources) &&
		    oh && strcmp(oh, health) == 0;
	cJSON_AddStringToObject(status, "reconciledAt", same ? ora : ts);
	static const char *const keep[] = { "operationState", "history",
					    "conditions" };
	for (size_t i = 0; i < 3; i++) {
		const cJSON *v = cJSON_GetObjectItem(old, keep[i]);
		if (v) {
			cJSON_AddItemToObject(status, keep[i],
					      cJSON_Duplicate(v, 1));
		}
	}
	argocd_set_condition(status, "InvalidSpecError", NULL);
	argocd_set_condition(status, "ComparisonError", st->error);
	if (st->type) {
		cJSON_AddStringToObject(status, "sourceType", st->type);
	}
	cJSON_AddStringToObject(status, "controllerNamespace", ARGOCD_NS);
	json_set_item(app, "status", status);
}

static void
argocd_app_pass(struct sim_obj *o)
{
	cJSON *app = cJSON_Duplicate(o->json, 1);
	const char *ns = json_str(app, "metadata.namespace");
	const char *name = json_str(app, "metadata.name");
	struct argocd_app *st = argocd_state(ns, name,
					     json_str(app, "metadata.uid"));
	st->seen = true;
	st->cascade = false;
	const cJSON *fins = json_path(app, "metadata.finalizers");
	for (const cJSON *f = fins ? fins->child : NULL; f; f = f->next) {
		if (cJSON_IsString(f) &&
		    strncmp(f->valuestring, ARGOCD_FINALIZER,
			    strlen(ARGOCD_FINALIZER)) == 0) {
			st->cascade = true;
		}
	}
	struct buf perr = BUF_INIT;
	if (!argocd_project_ok(app, &perr)) {
		cJSON *status = json_obj_ensure(app, "status");
		cJSON *s = json_obj_ensure(status, "sync");
		json_set_str(s, "status", "Unknown");
		cJSON *h = json_obj_ensure(status, "health");
		json_set_str(h, "status", "Unknown");
		argocd_set_condition(status, "InvalidSpecError", perr.buf);
		argocd_write(app);
		buf_release(&perr);
		cJSON_Delete(app);
		return;
	}
	buf_release(&perr);
	char *src = cJSON_PrintUnformatted(json_path(app, "spec.source"));
	const char *refresh = controller_annotation(app, ARGOCD_ANN_REFRESH);
	long long every = argocd_opts.refresh_ms > 0
				  ? clock_scaled(argocd_opts.refresh_ms)
				  : 0;
	bool due = !st->refreshed || !st->source ||
		   strcmp(st->source, src ? src : "") != 0 || refresh ||
		   (every > 0 && controller.now >= st->refreshed + every);
	if (due) {
		argocd_refresh(st, app);
		free(st->source);
		st->source = xstrdup(src ? src : "");
		if (refresh) {
			controller_set_annotation(app, ARGOCD_ANN_REFRESH, NULL);
			const cJSON *ann = json_path(app,
						     "metadata.annotations");
			if (ann && !ann->child) {
				cJSON_DeleteItemFromObjectCaseSensitive(
					cJSON_GetObjectItem(app, "metadata"),
					"annotations");
			}
		}
	}
	free(src);
	if (every > 0) {
		controller_wake_at(st->refreshed + every);
	}
	/* a requested operation runs first */
	if (cJSON_IsObject(json_path(app, "operation.sync"))) {
		argocd_status(app, st, due);
		argocd_sync(app, st);
	}
	argocd_status(app, st, due);
	struct buf serr = BUF_INIT;
	argocd_autosync(app, st, json_path(app, "status.resources"), &serr);
	argocd_set_condition(json_obj_ensure(app, "status"), "SyncError",
			     serr.len ? serr.buf : NULL);
	buf_release(&serr);
	if (cJSON_GetObjectItem(app, "operation")) {
		argocd_sync(app, st);
		argocd_status(app, st, false);
		argocd_set_condition(json_obj_ensure(app, "status"),
				     "SyncError", NULL);
	}
	argocd_write(app);
	cJSON_Delete(app);
}

/* A deleted Application with the resources finalizer: delete what it
 * tracked (Argo CD's cascading delete). */
static void
argocd_cascade(struct argocd_app *st)
{
	cJSON *extras = argocd_extras(st->appid, NULL);
	for (cJSON *x = extras->child; x; x = x->next) {
		struct sim_obj *live = argocd_live(x);
		if (live) {
			write_delete_cascade(live, false, 0);
			controller.changed = true;
		}
	}
	cJSON_Delete(extras);
}

void
argocd_pass(void)
{
	if (!argocd_opts.enabled || !argocd_app_res) {
		return;
	}
	for (size_t i = 0; i < argocd_napps; i++) {
		argocd_apps[i].seen = false;
	}
	size_t n;
	struct sim_obj **objs = store_list(argocd_app_res, NULL, &n);
	char **keys = xcalloc(n + 1, sizeof(*keys));
	for (size_t i = 0; i < n; i++) {
		keys[i] = xstrdup(objs[i]->key);
	}
	free(objs);
	for (size_t i = 0; i < n; i++) {
		char *slash = strchr(keys[i], '/');
		*slash = '\0';
		struct sim_obj *o = store_get(argocd_app_res, keys[i],
					      slash + 1);
		if (o) {
			argocd_app_pass(o);
		}
		free(keys[i]);
	}
	free(keys);
	for (size_t i = 0; i < argocd_napps;) {
		if (!argocd_apps[i].seen) {
			if (argocd_apps[i].cascade) {
				argocd_cascade(&argocd_apps[i]);
			}
			argocd_forget(i);
		} else {
			i++;
		}
	}
}
