/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gitops: the Application behind a Rollout, and the verdicts of
 * `status --revision` and `status --image` (see gitops.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "gitops.h"
#include "json.h"
#include "xalloc.h"

#define GITOPS_TRACKING_ANNOTATION "argocd.argoproj.io/tracking-id"
#define GITOPS_INSTANCE_LABEL "app.kubernetes.io/instance"

void
gitops_ref_release(struct gitops_ref *ref)
{
	free(ref->app);
	free(ref->ns);
	ref->app = NULL;
	ref->ns = NULL;
}

/* The object's apiVersion group ("" for the core group). */
static void
gitops_group(const cJSON *obj, struct buf *out)
{
	const char *av = json_str(obj, "apiVersion");
	const char *slash = av ? strchr(av, '/') : NULL;
	if (slash) {
		buf_add(out, av, (size_t)(slash - av));
	}
}

/* "APP:GROUP/KIND:NS/NAME": does it name obj? Then the APP part. */
static bool
gitops_parse_tracking(const char *id, const cJSON *obj, struct buf *app)
{
	const char *c1 = strchr(id, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c1 || !c2 || c1 == id) {
		return false;
	}
	const char *gk = c1 + 1;          /* GROUP/KIND */
	const char *nn = c2 + 1;          /* NS/NAME */
	const char *s1 = memchr(gk, '/', (size_t)(c2 - gk));
	const char *s2 = strchr(nn, '/');
	if (!s1 || !s2) {
		return false;
	}
	struct buf want = BUF_INIT;
	gitops_group(obj, &want);
	buf_addch(&want, '/');
	buf_adds(&want, json_str(obj, "kind") ? json_str(obj, "kind") : "");
	buf_addch(&want, ':');
	const char *ns = json_str(obj, "metadata.namespace");
	buf_adds(&want, ns ? ns : "");
	buf_addch(&want, '/');
	const char *name = json_str(obj, "metadata.name");
	buf_adds(&want, name ? name : "");
	bool same = strcmp(gk, want.buf) == 0;
	buf_release(&want);
	if (!same) {
		return false;
	}
	buf_add(app, id, (size_t)(c1 - id));
	return true;
}

bool
gitops_ref_init(struct gitops_ref *ref, const cJSON *obj, const char *ctl_ns)
{
	memset(ref, 0, sizeof(*ref));
	const cJSON *ann = json_path(obj, "metadata.annotations");
	const cJSON *id = ann ? cJSON_GetObjectItemCaseSensitive(ann,
				GITOPS_TRACKING_ANNOTATION) : NULL;
	if (!ctl_ns || !*ctl_ns) {
		ctl_ns = GITOPS_DEFAULT_NAMESPACE;
	}
	if (cJSON_IsString(id)) {
		struct buf app = BUF_INIT;
		if (!gitops_parse_tracking(id->valuestring, obj, &app)) {
			buf_release(&app);
			return false;
		}
		/* an application outside the controller namespace: NS_APP */
		const char *us = strchr(app.buf, '_');
		if (us && us != app.buf && us[1]) {
			ref->ns = xstrndup(app.buf, (size_t)(us - app.buf));
			ref->app = xstrdup(us + 1);
		} else {
			ref->ns = xstrdup(ctl_ns);
			ref->app = xstrdup(app.buf);
		}
		buf_release(&app);
		return true;
	}
	const cJSON *labels = json_path(obj, "metadata.labels");
	const cJSON *inst = labels ? cJSON_GetObjectItemCaseSensitive(labels,
				     GITOPS_INSTANCE_LABEL) : NULL;
	if (cJSON_IsString(inst) && inst->valuestring[0]) {
		ref->app = xstrdup(inst->valuestring);
		ref->ns = xstrdup(ctl_ns);
		ref->by_label = true;
		return true;
	}
	return false;
}

size_t
gitops_chain(const cJSON *apps, const cJSON *obj, const char *ctl_ns,
	     const cJSON **chain, size_t max)
{
	size_t n = 0;
	const cJSON *cur = obj;
	while (n < max) {
		struct gitops_ref ref;
		if (!gitops_ref_init(&ref, cur, ctl_ns)) {
			break;
		}
		const cJSON *found = NULL;
		for (const cJSON *a = apps ? apps->child : NULL; a && !found;
		     a = a->next) {
			const char *an = json_str(a, "metadata.name");
			const char *ans = json_str(a, "metadata.namespace");
			if (an && strcmp(an, ref.app) == 0 &&
			    (!ans || strcmp(ans, ref.ns) == 0)) {
				found = a;
			}
		}
		gitops_ref_release(&ref);
		/* a loop of annotations ends the chain */
		for (size_t i = 0; found && i < n; i++) {
			if (chain[i] == found) {
				found = NULL;
			}
		}
		if (!found) {
			break;
		}
		chain[n++] = found;
		cur = found;
	}
	return n;
}

static void
gitops_copy(cJSON *to, const char *key, const cJSON *from, const char *path)
{
	const char *s = json_str(from, path);
	if (s) {
		json_set_str(to, key, s);
	}
}

/* The revision an operation was for: its result's, else what it asked. */
static const char *
gitops_op_revision(const cJSON *os)
{
	const char *r = json_str(os, "syncResult.revision");
	return r ? r : json_str(os, "operation.sync.revision");
}

cJSON *
gitops_trace_json(const cJSON *app)
{
	cJSON *j = cJSON_CreateObject();
	gitops_copy(j, "application", app, "metadata.name");
	gitops_copy(j, "namespace", app, "metadata.namespace");
	gitops_copy(j, "syncStatus", app, "status.sync.status");
	gitops_copy(j, "revision", app, "status.sync.revision");
	gitops_copy(j, "health", app, "status.health.status");
	const cJSON *os = json_path(app, "status.operationState");
	if (cJSON_IsObject(os)) {
		cJSON *op = cJSON_CreateObject();
		gitops_copy(op, "phase", os, "phase");
		gitops_copy(op, "message", os, "message");
		const char *rev = gitops_op_revision(os);
		if (rev) {
			json_set_str(op, "revision", rev);
		}
		gitops_copy(op, "startedAt", os, "startedAt");
		gitops_copy(op, "finishedAt", os, "finishedAt");
		json_set_item(j, "lastOperation", op);
	}
	const cJSON *conds = json_path(app, "status.conditions");
	if (cJSON_GetArraySize(conds) > 0) {
		cJSON *arr = cJSON_CreateArray();
		for (const cJSON *c = conds->child; c; c = c->next) {
			cJSON *o = cJSON_CreateObject();
			gitops_copy(o, "type", c, "type");
			gitops_copy(o, "message", c, "message");
			cJSON_AddItemToArray(arr, o);
		}
		json_set_item(j, "conditions", arr);
	}
	return j;
}

cJSON *
gitops_chain_json(const cJSON *const *chain, size_t n)
{
	if (!n) {
		return NULL;
	}
	cJSON *j = gitops_trace_json(chain[0]);
	if (n > 1) {
		cJSON *parents = cJSON_CreateArray();
		for (size_t i = 1; i < n; i++) {
			cJSON_AddItemToArray(parents,
					     gitops_trace_json(chain[i]));
		}
		json_set_item(j, "parents", parents);
	}
	return j;
}

void
gitops_chain_summary(struct buf *out, const cJSON *const *chain, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i) {
			buf_adds(out, "; ");
		}
		gitops_summary(out, chain[i]);
	}
}

void
gitops_summary(struct buf *out, const cJSON *app)
{
	const char *name = json_str(app, "metadata.name");
	const char *sync = json_str(app, "status.sync.status");
	const char *rev = json_str(app, "status.sync.revision");
	const char *health = json_str(app, "status.health.status");
	buf_adds(out, name ? name : "?");
	buf_addch(out, ' ');
	buf_adds(out, sync ? sync : "Unknown");
	if (rev && *rev) {
		buf_adds(out, " to ");
		buf_add(out, rev, strlen(rev) < 7 ? strlen(rev) : 7);
	}
	buf_adds(out, ", ");
	buf_adds(out, health ? health : "Unknown");
	const char *phase = json_str(app, "status.operationState.phase");
	if (phase && strcmp(phase, "Succeeded") != 0) {
		buf_addf(out, " (sync %s)", phase);
	}
}

bool
gitops_sha_valid(const char *want)
{
	size_t n = want ? strlen(want) : 0;
	if (n < 4 || n > 40) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)want[i])) {
			return false;
		}
	}
	return true;
}

bool
gitops_sha_matches(const char *full, const char *want)
{
	if (!full || !gitops_sha_valid(want) || strlen(full) < strlen(want)) {
		return false;
	}
	for (size_t i = 0; want[i]; i++) {
		if (tolower((unsigned char)full[i]) !=
		    tolower((unsigned char)want[i])) {
			return false;
		}
	}
	return true;
}

enum gitops_rev
gitops_revision_state(const cJSON *app, const char *want, struct buf *msg)
{
	const char *name = json_str(app, "metadata.name");
	const cJSON *conds = json_path(app, "status.conditions");
	for (const cJSON *c = conds ? conds->child : NULL; c; c = c->next) {
		const char *t = json_str(c, "type");
		if (t && (strcmp(t, "ComparisonError") == 0 ||
			  strcmp(t, "InvalidSpecError") == 0)) {
			const char *m = json_str(c, "message");
			buf_addf(msg, "application '%s': %s: %s",
				 name ? name : "?", t, m ? m : "");
			return GITOPS_REV_FAILED;
		}
	}
	const cJSON *os = json_path(app, "status.operationState");
	const char *phase = json_str(os, "phase");
	const char *oprev = gitops_op_revision(os);
	bool op_for_want = oprev && gitops_sha_matches(oprev, want);
	if (op_for_want && phase &&
	    (strcmp(phase, "Failed") == 0 || strcmp(phase, "Error") == 0)) {
		const char *m = json_str(os, "message");
		buf_addf(msg, "application '%s' failed to sync %.7s: %s",
			 name ? name : "?", oprev, m ? m : phase);
		return GITOPS_REV_FAILED;
	}
	if (op_for_want && phase && (strcmp(phase, "Running") == 0 ||
				     strcmp(phase, "Terminating") == 0)) {
		return GITOPS_REV_PENDING;
	}
	const char *sync = json_str(app, "status.sync.status");
	const char *rev = json_str(app, "status.sync.revision");
	if (sync && strcmp(sync, "Synced") == 0 &&
	    gitops_sha_matches(rev, want)) {
		return GITOPS_REV_SYNCED;
	}
	return GITOPS_REV_PENDING;
}

/* A condition that stops every comparison: the app's own message. */
static bool
gitops_blocked(const cJSON *app, struct buf *msg)
{
	const char *name = json_str(app, "metadata.name");
	const cJSON *conds = json_path(app, "status.conditions");
	for (const cJSON *c = conds ? conds->child : NULL; c; c = c->next) {
		const char *t = json_str(c, "type");
		if (t && (strcmp(t, "ComparisonError") == 0 ||
			  strcmp(t, "InvalidSpecError") == 0)) {
			const char *m = json_str(c, "message");
			buf_addf(msg, "application '%s': %s: %s",
				 name ? name : "?", t, m ? m : "");
			return true;
		}
	}
	return false;
}

/* Synced, and compared at its current spec, with nothing running. */
static bool
gitops_settled(const cJSON *app)
{
	const char *sync = json_str(app, "status.sync.status");
	const char *phase = json_str(app, "status.operationState.phase");
	if (!sync || strcmp(sync, "Synced") != 0 ||
	    (phase && (strcmp(phase, "Running") == 0 ||
		       strcmp(phase, "Terminating") == 0))) {
		return false;
	}
	const cJSON *cmp = json_path(app, "status.sync.comparedTo.source");
	return !cmp || json_equal(cmp, json_path(app, "spec.source"));
}

enum gitops_rev
gitops_chain_state(const cJSON *const *chain, size_t n, const char *want,
		   struct buf *msg)
{
	for (size_t i = 0; i < n; i++) {
		if (gitops_blocked(chain[i], msg)) {
			return GITOPS_REV_FAILED;
		}
	}
	for (size_t k = 0; k < n; k++) {
		enum gitops_rev r = gitops_revision_state(chain[k], want, msg);
		if (r == GITOPS_REV_FAILED) {
			return r;
		}
		if (r != GITOPS_REV_SYNCED) {
			continue;
		}
		for (size_t j = 0; j < k; j++) {
			if (!gitops_settled(chain[j])) {
				return GITOPS_REV_PENDING;
			}
		}
		return GITOPS_REV_SYNCED;
	}
	return GITOPS_REV_PENDING;
}

bool
gitops_image_matches(const char *image, const char *want)
{
	if (!image || !want || !*want) {
		return false;
	}
	if (want[0] == ':' || want[0] == '@') {
		/* the tag (after the last ':' past the last '/') or digest */
		const char *at = strchr(image, '@');
		if (want[0] == '@') {
			return at && strcmp(at, want) == 0;
		}
		size_t len = at ? (size_t)(at - image) : strlen(image);
		const char *colon = NULL;
		for (size_t i = 0; i < len; i++) {
			if (image[i] == '/') {
				colon = NULL;   /* a registry's port */
			} else if (image[i] == ':') {
				colon = image + i;
			}
		}
		if (!colon) {
			return false;
		}
		size_t n = (size_t)(image + len - colon);
		return n == strlen(want) && strncmp(colon, want, n) == 0;
	}
	return strcmp(image, want) == 0;
}

static bool
gitops_containers_have(const cJSON *list, const char *want)
{
	for (const cJSON *c = list ? list->child : NULL; c; c = c->next) {
		if (gitops_image_matches(json_str(c, "image"), want)) {
			return true;
		}
	}
	return false;
}

bool
gitops_rollout_has_image(const cJSON *rollout, const char *want)
{
	const cJSON *spec = json_path(rollout, "spec.template.spec");
	return gitops_containers_have(cJSON_GetObjectItem(spec, "containers"),
				      want) ||
	       gitops_containers_have(cJSON_GetObjectItem(spec,
				      "initContainers"), want);
}
