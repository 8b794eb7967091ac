/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for src/gitops.c: finding the Application from the tracking
 * annotation or label, the trace JSON and summary line, revision matching
 * and the verdicts of `status --revision` and `status --image`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "buf.h"
#include "gitops.h"
#include "json.h"

static cJSON *
parse(const char *s)
{
	cJSON *j = json_parse(s, strlen(s), NULL);
	if (!j) {
		printf("Bail out! bad JSON in test: %s\n", s);
		exit(1);
	}
	return j;
}

static void
test_ref(void)
{
	struct gitops_ref r;
	cJSON *ro = parse("{\"apiVersion\":\"argoproj.io/v1alpha1\","
		"\"kind\":\"Rollout\",\"metadata\":{\"name\":\"web\","
		"\"namespace\":\"production\",\"annotations\":{"
		"\"argocd.argoproj.io/tracking-id\":"
		"\"devops-toolkit:argoproj.io/Rollout:production/web\"}}}");
	ok(gitops_ref_init(&r, ro, NULL), "tracking annotation found");
	is_str(r.app, "devops-toolkit", "app name from the annotation");
	is_str(r.ns, "argocd", "controller namespace by default");
	ok(!r.by_label, "not by label");
	gitops_ref_release(&r);
	ok(gitops_ref_init(&r, ro, "gitops"), "with a controller namespace");
	is_str(r.ns, "gitops", "the given controller namespace");
	gitops_ref_release(&r);
	cJSON_Delete(ro);

	ro = parse("{\"apiVersion\":\"argoproj.io/v1alpha1\","
		"\"kind\":\"Rollout\",\"metadata\":{\"name\":\"web\","
		"\"namespace\":\"team\",\"annotations\":{"
		"\"argocd.argoproj.io/tracking-id\":"
		"\"team_web-app:argoproj.io/Rollout:team/web\"}}}");
	ok(gitops_ref_init(&r, ro, NULL), "app outside the controller ns");
	is_str(r.app, "web-app", "NS_APP: the app");
	is_str(r.ns, "team", "NS_APP: the namespace");
	gitops_ref_release(&r);
	cJSON_Delete(ro);

	/* copied from another object: does not count */
	ro = parse("{\"apiVersion\":\"argoproj.io/v1alpha1\","
		"\"kind\":\"Rollout\",\"metadata\":{\"name\":\"web2\","
		"\"namespace\":\"production\",\"annotations\":{"
		"\"argocd.argoproj.io/tracking-id\":"
		"\"devops-toolkit:argoproj.io/Rollout:production/web\"}}}");
	ok(!gitops_ref_init(&r, ro, NULL), "annotation naming another object");
	cJSON_Delete(ro);
	ro = parse("{\"apiVersion\":\"argoproj.io/v1alpha1\","
		"\"kind\":\"Rollout\",\"metadata\":{\"name\":\"web\","
		"\"namespace\":\"production\",\"annotations\":{"
		"\"argocd.argoproj.io/tracking-id\":\"garbage\"}}}");
	ok(!gitops_ref_init(&r, ro, NULL), "malformed annotation");
	cJSON_Delete(ro);

	ro = parse("{\"kind\":\"Rollout\",\"metadata\":{\"name\":\"web\","
		"\"labels\":{\"app.kubernetes.io/instance\":\"legacy\"}}}");
	ok(gitops_ref_init(&r, ro, NULL), "instance label found");
	is_str(r.app, "legacy", "app from the label");
	ok(r.by_label, "by label");
	gitops_ref_release(&r);
	cJSON_Delete(ro);

	ro = parse("{\"kind\":\"Rollout\",\"metadata\":{\"name\":\"web\"}}");
	ok(!gitops_ref_init(&r, ro, NULL), "untracked: none");
	cJSON_Delete(ro);
}

#define SHA "1c4f344b7e2d9a0f6c5b8e3d2a1f0e9d8c7b6a59"
#define OLD "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"

static cJSON *
app(const char *sync, const char *rev, const char *health,
	const char *phase, const char *oprev, const char *cond)
{
	struct buf b = BUF_INIT;
	buf_addf(&b, "{\"metadata\":{\"name\":\"devops-toolkit\","
		 "\"namespace\":\"argocd\"},\"status\":{\"sync\":{"
		 "\"status\":\"%s\",\"revision\":\"%s\"},\"health\":{"
		 "\"status\":\"%s\"}", sync, rev, health);
	if (phase) {
		buf_addf(&b, ",\"operationState\":{\"phase\":\"%s\","
			 "\"message\":\"one or more objects failed to apply\","
			 "\"startedAt\":\"2026-01-08T00:00:00Z\","
			 "\"syncResult\":{\"revision\":\"%s\"}}", phase, oprev);
	}
	if (cond) {
		buf_addf(&b, ",\"conditions\":[{\"type\":\"%s\","
			 "\"message\":\"Failed to load target state\"}]", cond);
	}
	buf_adds(&b, "}}");
	cJSON *j = parse(b.buf);
	buf_release(&b);
	return j;
}

static void
test_trace(void)
{
	cJSON *a = app("Synced", SHA, "Healthy", "Succeeded", SHA, NULL);
	cJSON *t = gitops_trace_json(a);
	is_str(json_str(t, "application"), "devops-toolkit", "trace: name");
	is_str(json_str(t, "namespace"), "argocd", "trace: namespace");
	is_str(json_str(t, "syncStatus"), "Synced", "trace: sync");
	is_str(json_str(t, "revision"), SHA, "trace: full SHA");
	is_str(json_str(t, "health"), "Healthy", "trace: health");
	is_str(json_str(t, "lastOperation.phase"), "Succeeded", "trace: op");
	is_str(json_str(t, "lastOperation.revision"), SHA, "trace: op rev");
	ok(!cJSON_GetObjectItem(t, "conditions"), "trace: no conditions");
	cJSON_Delete(t);
	struct buf b = BUF_INIT;
	gitops_summary(&b, a);
	is_str(b.buf, "devops-toolkit Synced to 1c4f344, Healthy", "summary");
	cJSON_Delete(a);
	buf_reset(&b);
	a = app("OutOfSync", OLD, "Progressing", "Running", SHA, NULL);
	gitops_summary(&b, a);
	is_str(b.buf, "devops-toolkit OutOfSync to 9f8e7d6, Progressing "
	       "(sync Running)", "summary of a running sync");
	cJSON_Delete(a);
	buf_reset(&b);
	a = parse("{\"metadata\":{\"name\":\"x\"}}");
	gitops_summary(&b, a);
	is_str(b.buf, "x Unknown, Unknown", "summary without status");
	t = gitops_trace_json(a);
	ok(!cJSON_GetObjectItem(t, "lastOperation"), "no operation: left out");
	cJSON_Delete(t);
	cJSON_Delete(a);
	buf_release(&b);
}

static void
test_revision(void)
{
	ok(gitops_sha_matches(SHA, "1c4f344"), "short SHA matches");
	ok(gitops_sha_matches(SHA, "1C4F344B"), "any case");
	ok(gitops_sha_matches(SHA, SHA), "full SHA");
	ok(!gitops_sha_matches(SHA, "1c4f345"), "other SHA");
	ok(!gitops_sha_matches(SHA, "1c4"), "too short");
	ok(!gitops_sha_matches(SHA, "main"), "not hex");
	ok(!gitops_sha_matches(NULL, "1c4f344"), "no revision");
	ok(!gitops_sha_valid("1c4f34g"), "invalid");

	struct buf m = BUF_INIT;
	cJSON *a = app("Synced", SHA, "Healthy", "Succeeded", SHA, NULL);
	is_int(gitops_revision_state(a, "1c4f344", &m), GITOPS_REV_SYNCED,
	       "synced to it");
	cJSON_Delete(a);
	a = app("Synced", OLD, "Healthy", "Succeeded", OLD, NULL);
	is_int(gitops_revision_state(a, "1c4f344", &m), GITOPS_REV_PENDING,
	       "synced to an older commit: pending");
	cJSON_Delete(a);
	a = app("OutOfSync", SHA, "Healthy", NULL, NULL, NULL);
	is_int(gitops_revision_state(a, "1c4f344", &m), GITOPS_REV_PENDING,
	       "compared, out of sync: pending");
	cJSON_Delete(a);
	a = app("Synced", SHA, "Progressing", "Running", SHA, NULL);
	is_int(gitops_revision_state(a, "1c4f344", &m), GITOPS_REV_PENDING,
	       "its operation still running: pending");
	cJSON_Delete(a);
	a = app("OutOfSync", OLD, "Healthy", "Failed", SHA, NULL);
	is_int(gitops_revision_state(a, "1c4f344", &m), GITOPS_REV_FAILED,
	       "its sync failed");
	is_str(m.buf, "application 'devops-toolkit' failed to sync 1c4f344: "
	       "one or more objects failed to apply", "the app's message");
	cJSON_Delete(a);
	buf_reset(&m);
	a = app("OutOfSync", OLD, "Healthy", "Failed", OLD, NULL);
	is_int(gitops_revision_state(a, "1c4f344", &m), GITOPS_REV_PENDING,
	       "an older commit's failed sync: pending");
	cJSON_Delete(a);
	a = app("Unknown", OLD, "Healthy", NULL, NULL, "ComparisonError");
	is_int(gitops_revision_state(a, "1c4f344", &m), GITOPS_REV_FAILED,
	       "comparison error");
	is_str(m.buf, "application 'devops-toolkit': ComparisonError: "
	       "Failed to load target state", "the condition's message");
	cJSON_Delete(a);
	buf_release(&m);
}

static void
test_image(void)
{
	const char *img = "vfarcic/devops-toolkit-series:2.9.17";
	ok(gitops_image_matches(img, img), "whole image");
	ok(gitops_image_matches(img, ":2.9.17"), "tag only");
	ok(!gitops_image_matches(img, ":2.9.1"), "other tag");
	ok(!gitops_image_matches(img, "vfarcic/devops-toolkit-series"),
	   "repository alone is not a release");
	ok(gitops_image_matches("reg:5000/app:v1", ":v1"),
	   "registry port is not a tag");
	ok(!gitops_image_matches("reg:5000/app", ":5000"),
	   "no tag: the port does not match");
	ok(gitops_image_matches("app@sha256:abc", "@sha256:abc"), "digest");
	ok(gitops_image_matches("app:v1@sha256:abc", ":v1"), "tag and digest");
	cJSON *ro = parse("{\"spec\":{\"template\":{\"spec\":{\"containers\":"
		"[{\"name\":\"a\",\"image\":\"x:1\"},{\"name\":\"b\","
		"\"image\":\"y:2\"}]}}}}");
	ok(gitops_rollout_has_image(ro, "y:2"), "second container");
	ok(gitops_rollout_has_image(ro, ":1"), "tag of the first");
	ok(!gitops_rollout_has_image(ro, ":3"), "absent");
	cJSON_Delete(ro);
}

/* an app of apps: production (env repo) manages devops-toolkit (app repo) */
static void
test_chain(void)
{
	const char *apps_s = "["
		"{\"apiVersion\":\"argoproj.io/v1alpha1\",\"kind\":\"Application\","
		"\"metadata\":{\"name\":\"devops-toolkit\",\"namespace\":\"argocd\","
		"\"annotations\":{\"argocd.argoproj.io/tracking-id\":"
		"\"production:argoproj.io/Application:argocd/devops-toolkit\"}},"
		"\"spec\":{\"source\":{\"repoURL\":\"app\",\"helm\":{\"values\":\"tag: b\"}}},"
		"\"status\":{\"sync\":{\"status\":\"Synced\",\"revision\":\"" OLD "\","
		"\"comparedTo\":{\"source\":{\"repoURL\":\"app\",\"helm\":{\"values\":\"tag: a\"}}}},"
		"\"health\":{\"status\":\"Healthy\"}}},"
		"{\"apiVersion\":\"argoproj.io/v1alpha1\",\"kind\":\"Application\","
		"\"metadata\":{\"name\":\"production\",\"namespace\":\"argocd\"},"
		"\"status\":{\"sync\":{\"status\":\"Synced\",\"revision\":\"" SHA "\"},"
		"\"health\":{\"status\":\"Healthy\"}}}]";
	cJSON *apps = parse(apps_s);
	cJSON *ro = parse("{\"apiVersion\":\"argoproj.io/v1alpha1\","
		"\"kind\":\"Rollout\",\"metadata\":{\"name\":\"web\","
		"\"namespace\":\"production\",\"annotations\":{"
		"\"argocd.argoproj.io/tracking-id\":"
		"\"devops-toolkit:argoproj.io/Rollout:production/web\"}}}");
	const cJSON *chain[4];
	size_t n = gitops_chain(apps, ro, NULL, chain, 4);
	is_int(n, 2, "chain: the app and its app of apps");
	is_str(json_str(chain[1], "metadata.name"), "production", "chain[1]");
	struct buf m = BUF_INIT;
	is_int(gitops_chain_state(chain, n, "1c4f344", &m), GITOPS_REV_PENDING,
	       "env commit synced, the app not yet compared at its new spec");
	cJSON *dt = cJSON_GetArrayItem(apps, 0);
	cJSON *cmp = (cJSON *)json_path(dt, "status.sync.comparedTo");
	cJSON_ReplaceItemInObject(cmp, "source",
		cJSON_Duplicate(json_path(dt, "spec.source"), 1));
	is_int(gitops_chain_state(chain, n, "1c4f344", &m), GITOPS_REV_SYNCED,
	       "env commit synced and the app compared at it: synced");
	is_int(gitops_chain_state(chain, n, "9f8e7d6", &m), GITOPS_REV_SYNCED,
	       "the app repo's commit: synced");
	is_int(gitops_chain_state(chain, n, "abcdef1", &m), GITOPS_REV_PENDING,
	       "another commit: pending");
	cJSON *j = gitops_chain_json(chain, n);
	is_str(json_str(j, "application"), "devops-toolkit", "json: the app");
	const cJSON *par = cJSON_GetObjectItem(j, "parents");
	is_int(cJSON_GetArraySize(par), 1, "json: one parent");
	is_str(json_str(cJSON_GetArrayItem(par, 0), "revision"), SHA,
	       "json: the parent's revision");
	cJSON_Delete(j);
	buf_reset(&m);
	gitops_chain_summary(&m, chain, n);
	is_str(m.buf, "devops-toolkit Synced to 9f8e7d6, Healthy; production "
	       "Synced to 1c4f344, Healthy", "chain summary");
	/* a loop of annotations ends */
	cJSON *prod = cJSON_GetArrayItem(apps, 1);
	cJSON *md = cJSON_GetObjectItem(prod, "metadata");
	cJSON *ann = cJSON_AddObjectToObject(md, "annotations");
	cJSON_AddStringToObject(ann, "argocd.argoproj.io/tracking-id",
		"devops-toolkit:argoproj.io/Application:argocd/production");
	n = gitops_chain(apps, ro, NULL, chain, 4);
	is_int(n, 2, "a loop of tracking annotations ends the chain");
	buf_release(&m);
	cJSON_Delete(ro);
	cJSON_Delete(apps);
}

int
main(void)
{
	test_ref();
	test_trace();
	test_revision();
	test_image();
	test_chain();
	return done_testing();
}
