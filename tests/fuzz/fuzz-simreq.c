/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-simreq: what rollouts-sim does with a request's path, query and
 * patch body, through the public parts it is built from. Input lines:
 *   1: PATH[?QUERY]  (e.g. /apis/argoproj.io/v1alpha1/namespaces/x/rollouts)
 *   2: Content-Type  (application/merge-patch+json, json-patch+json,
 *                     strategic-merge-patch+json, apply-patch+yaml)
 *   3-: the body
 * The path's segments go to the registry as the router looks them up
 * (group, version, plural, kind; discovery documents); the query's
 * labelSelector to selector_parse and continue to the token decoder's
 * base64 and JSON steps; the body is applied as the Content-Type says to a
 * fixed Rollout and, as a strategic merge patch, to a fixed Deployment.
 * The router itself (server_split, server_route_parse, fieldSelector and
 * continue-token parsing) is static in server.c and not reached yet.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "base64.h"
#include "buf.h"
#include "json.h"
#include "patch.h"
#include "selector.h"
#include "sim.h"
#include "yaml.h"

#define FUZZ_SIMREQ_MAX_SEGS 10

static const char fuzz_simreq_rollout[] =
	"{\"apiVersion\":\"argoproj.io/v1alpha1\",\"kind\":\"Rollout\","
	"\"metadata\":{\"name\":\"web\",\"namespace\":\"default\","
	"\"resourceVersion\":\"7\",\"labels\":{\"app\":\"web\"}},"
	"\"spec\":{\"replicas\":2,\"strategy\":{\"canary\":{\"steps\":["
	"{\"setWeight\":10},{\"pause\":{\"duration\":\"2m\"}}]}},"
	"\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\","
	"\"image\":\"web:1\",\"env\":[{\"name\":\"A\",\"value\":\"1\"}]}]}}},"
	"\"status\":{\"currentStepIndex\":1,\"pauseConditions\":null}}";

static const char fuzz_simreq_deployment[] =
	"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
	"\"metadata\":{\"name\":\"web\",\"namespace\":\"default\","
	"\"finalizers\":[\"a\",\"b\"]},\"spec\":{\"replicas\":1,"
	"\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\","
	"\"image\":\"web:1\",\"ports\":[{\"containerPort\":80,"
	"\"protocol\":\"TCP\"}],\"env\":[{\"name\":\"A\",\"value\":\"1\"}]},"
	"{\"name\":\"side\",\"image\":\"side:1\"}],"
	"\"volumes\":[{\"name\":\"v\",\"emptyDir\":{}}]}}}}";

static bool fuzz_simreq_ready;

/* A malloc()ed NUL-terminated copy of n bytes at p. */
static char *
fuzz_simreq_strndup(const char *p, size_t n)
{
	char *s = malloc(n + 1);
	if (!s) {
		abort();
	}
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* The path's segments through the registry, as the router uses it. */
static void
fuzz_simreq_path(char *path)
{
	char *segs[FUZZ_SIMREQ_MAX_SEGS];
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(path, "/", &save); t && n < FUZZ_SIMREQ_MAX_SEGS;
	     t = strtok_r(NULL, "/", &save)) {
		segs[n++] = t;
	}
	if (n == 0) {
		return;
	}
	const char *group = "";
	const char *version = n >= 2 ? segs[1] : "v1";
	int base = 2;
	if (strcmp(segs[0], "api") != 0) {
		group = n >= 2 ? segs[1] : "";
		version = n >= 3 ? segs[2] : "v1";
		base = 3;
	}
	struct buf out = BUF_INIT;
	(void)registry_group(&out, group);
	(void)registry_resource_list(&out, group, version);
	struct buf gv = BUF_INIT;
	if (*group) {
		buf_addf(&gv, "%s/%s", group, version);
	} else {
		buf_adds(&gv, version);
	}
	for (int i = base; i < n; i++) {
		struct sim_resource *r = registry_find(group, version, segs[i]);
		if (r) {
			registry_qualified(r, &out);
			(void)registry_serves_version(r, version);
		}
		(void)registry_find_kind(gv.buf, segs[i], false);
		free(registry_guess_plural(segs[i]));
	}
	buf_release(&gv);
	buf_release(&out);
}

/* labelSelector and continue from the query (not URL-decoded). */
static void
fuzz_simreq_query(char *query)
{
	char *save = NULL;
	for (char *t = strtok_r(query, "&", &save); t;
	     t = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(t, '=');
		if (!eq) {
			continue;
		}
		*eq = '\0';
		const char *val = eq + 1;
		if (strcmp(t, "labelSelector") == 0) {
			struct pd_err e = { 0 };
			selector_free(selector_parse(val, &e));
		} else if (strcmp(t, "continue") == 0) {
			struct buf raw = BUF_INIT;
			if (base64_decode(&raw, val, strlen(val)) == 0) {
				cJSON_Delete(json_parse(raw.buf, raw.len, NULL));
			}
			buf_release(&raw);
		}
	}
}

/* Apply the body as ctype says to a copy of the fixed object text. */
static void
fuzz_simreq_patch(const char *ctype, const char *body, size_t len)
{
	bool merge = strcmp(ctype, "application/merge-patch+json") == 0;
	bool jsonp = strcmp(ctype, "application/json-patch+json") == 0;
	bool smp = strcmp(ctype,
			  "application/strategic-merge-patch+json") == 0;
	bool apply = strcmp(ctype, "application/apply-patch+yaml") == 0;
	if (!(merge || jsonp || smp || apply)) {
		merge = true;
	}
	cJSON *p = NULL;
	if (apply) {
		cJSON *docs = yaml_to_json(body, len, "body", NULL);
		if (docs && cJSON_IsObject(docs->child)) {
			p = cJSON_DetachItemViaPointer(docs, docs->child);
		}
		cJSON_Delete(docs);
	} else {
		p = json_parse(body, len, NULL);
	}
	if (!p) {
		return;
	}
	const char *text = smp ? fuzz_simreq_deployment : fuzz_simreq_rollout;
	cJSON *doc = cJSON_Parse(text);
	struct pd_err e = { 0 };
	int r = jsonp ? patch_json(&doc, p, &e)
		: smp ? patch_strategic(&doc, p, &e)
		      : patch_merge(&doc, p, &e);
	if (r < 0) {
		/* on error the document is left unchanged */
		cJSON *orig = cJSON_Parse(text);
		if (!json_equal(doc, orig)) {
			fprintf(stderr, "fuzz-simreq: a failed patch (%s) "
				"changed the document\n", e.msg);
			abort();
		}
		cJSON_Delete(orig);
	} else {
		struct buf out = BUF_INIT;
		json_write(&out, doc);
		buf_release(&out);
	}
	cJSON_Delete(doc);
	cJSON_Delete(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fuzz_simreq_ready) {
		registry_init();
		fuzz_simreq_ready = true;
	}
	const char *in = (const char *)data;
	const char *end = in + size;
	const char *nl1 = memchr(in, '\n', size);
	const char *l2 = nl1 ? nl1 + 1 : end;
	const char *nl2 = memchr(l2, '\n', (size_t)(end - l2));
	const char *body = nl2 ? nl2 + 1 : end;

	char *url = fuzz_simreq_strndup(in, (size_t)((nl1 ? nl1 : end) - in));
	char *ctype = fuzz_simreq_strndup(l2, (size_t)((nl2 ? nl2 : end) - l2));
	char *q = strchr(url, '?');
	if (q) {
		*q = '\0';
		fuzz_simreq_query(q + 1);
	}
	fuzz_simreq_path(url);
	fuzz_simreq_patch(ctype, body, (size_t)(end - body));
	free(ctype);
	free(url);
	return 0;
}
