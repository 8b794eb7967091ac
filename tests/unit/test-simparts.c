/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for rollouts-sim's pure parts: plural guessing, discovery
 * documents, server-side ages, base64 and the JSON helpers. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tap.h"
#include "base64.h"
#include "json.h"
#include "sim.h"
#include "timeutil.h"

static void
test_plural(void)
{
	static const char *const cases[][2] = {
		{ "HorizontalPodAutoscaler", "horizontalpodautoscalers" },
		{ "Gateway", "gateways" },
		{ "Ingress", "ingresses" },
		{ "NetworkPolicy", "networkpolicies" },
		{ "Endpoints", "endpointses" },
		{ "Box", "boxes" },
		{ "Mesh", "meshes" },
		{ "Patch", "patches" },
		{ "Day", "days" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *p = registry_guess_plural(cases[i][0]);
		is_str(p, cases[i][1], "plural of %s", cases[i][0]);
		free(p);
	}
}

static void
test_registry(void)
{
	registry_init();
	struct sim_resource *ro = registry_find("argoproj.io", "v1alpha1",
						"rollouts");
	ok(ro && ro->has_status && ro->has_scale, "rollouts: status, scale");
	struct sim_resource *ar = registry_find("argoproj.io", "v1alpha1",
						"analysisruns");
	ok(ar && !ar->has_status, "analysisruns have no status subresource");
	ok(registry_find("networking.istio.io", "v1alpha3", "virtualservices")
	   == registry_find("networking.istio.io", "v1beta1",
			    "virtualservices"),
	   "virtualservices served under two versions, stored once");
	ok(!registry_find("argoproj.io", "v1", "rollouts"),
	   "unknown version is not served");
	struct sim_resource *hpa = registry_find_kind("autoscaling/v2",
		"HorizontalPodAutoscaler", true);
	ok(hpa && hpa->generic, "unknown kind learnt generically");
	is_str(hpa ? hpa->plural : NULL, "horizontalpodautoscalers",
	       "generic plural");
	ok(registry_find_kind("autoscaling/v1", "HorizontalPodAutoscaler",
			      true) == hpa, "second version joins the kind");
	ok(registry_find("autoscaling", "v1", "horizontalpodautoscalers") ==
	   hpa, "served under the second version");

	struct buf b = BUF_INIT;
	registry_apis(&b, true);
	cJSON *j = json_parse(b.buf, b.len, NULL);
	is_str(json_str(j, "apiVersion"), "apidiscovery.k8s.io/v2",
	       "aggregated /apis apiVersion");
	int groups = cJSON_GetArraySize(cJSON_GetObjectItem(j, "items"));
	is_int(groups, 6, "groups: apps batch events.k8s.io argoproj.io istio "
	       "autoscaling");
	ok(hpa && hpa->categories && strcmp(hpa->categories, "all") == 0,
	   "a learnt HorizontalPodAutoscaler is in category all");
	ok(strstr(b.buf, "\"categories\":[\"all\"]") != NULL,
	   "aggregated discovery carries categories");
	ok(strstr(b.buf, "\"subresource\":\"status\"") != NULL,
	   "subresources listed");
	cJSON_Delete(j);
	buf_reset(&b);
	registry_apis(&b, false);
	j = json_parse(b.buf, b.len, NULL);
	is_str(json_str(j, "kind"), "APIGroupList", "legacy /apis kind");
	cJSON_Delete(j);
	buf_reset(&b);
	is_int(registry_resource_list(&b, "argoproj.io", "v1alpha1"), 0,
	       "argoproj.io/v1alpha1 resource list");
	ok(strstr(b.buf, "\"name\":\"rollouts/status\"") &&
	   strstr(b.buf, "\"name\":\"rollouts/scale\""),
	   "status and scale entries");
	buf_reset(&b);
	is_int(registry_resource_list(&b, "argoproj.io", "v9"), -1,
	       "unknown group version");
	buf_reset(&b);
	registry_qualified(registry_find("", "v1", "pods"), &b);
	is_str(b.buf, "pods", "core resources are not qualified");
	buf_reset(&b);
	registry_qualified(ro, &b);
	is_str(b.buf, "rollouts.argoproj.io", "qualified name");
	buf_release(&b);
}

static void
test_age(void)
{
	/* 2026-01-08T00:00:00Z */
	time_t now = 1767830400;
	static const struct {
		const char *ts, *want;
	} cases[] = {
		{ "2026-01-08T00:00:00Z", "0s" },
		{ "2026-01-07T23:59:01Z", "59s" },
		{ "2026-01-07T23:58:01Z", "119s" },
		{ "2026-01-07T23:57:30Z", "2m30s" },
		{ "2026-01-07T23:55:00Z", "5m" },
		{ "2026-01-07T23:45:00Z", "15m" },
		{ "2026-01-07T21:30:00Z", "150m" },
		{ "2026-01-07T19:30:00Z", "4h30m" },
		{ "2026-01-07T19:00:00Z", "5h" },
		{ "2026-01-07T00:00:00Z", "24h" },
		{ "2026-01-01T00:00:00Z", "7d" },
		{ "2026-01-04T12:00:00Z", "3d12h" },
		{ "2025-11-01T00:00:00Z", "68d" },
		{ "2023-01-08T00:00:00Z", "3y1d" }, /* 1096 days: 2024 is a leap year */
		{ "2016-01-08T00:00:00Z", "10y" },
		{ "2026-01-08T00:00:05Z", "<invalid>" },
		{ "garbage", "<unknown>" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[32];
		timeutil_age(out, sizeof(out), cases[i].ts, now);
		is_str(out, cases[i].want, "age of %s", cases[i].ts);
	}
}

static void
test_base64(void)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob",
					     "fooba", "foobar" };
	static const char *const enc[] = { "", "Zg==", "Zm8=", "Zm9v",
					   "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	for (int i = 0; i < 7; i++) {
		struct buf b = BUF_INIT, d = BUF_INIT;
		base64_encode(&b, plain[i], strlen(plain[i]));
		is_str(b.buf, enc[i], "encode '%s' (RFC 4648 vector)",
		       plain[i]);
		is_int(base64_decode(&d, b.buf, b.len), 0, "decode %s",
		       enc[i]);
		is_str(d.buf, plain[i], "round trip '%s'", plain[i]);
		buf_release(&b);
		buf_release(&d);
	}
	struct buf d = BUF_INIT;
	is_int(base64_decode(&d, "Zm9v\nYmFy\n", 10), 0, "newlines ignored");
	is_str(d.buf, "foobar", "decoded across newlines");
	buf_reset(&d);
	is_int(base64_decode(&d, "Zm9v!", 5), -1, "invalid character refused");
	is_int(d.len, 0, "nothing left behind on error");
	buf_release(&d);
}

static void
test_json(void)
{
	struct pd_err e = { 0 };
	const char *doc = "{\"a\":{\"b\":\"c\",\"n\":3,\"t\":true}}";
	cJSON *j = json_parse(doc, strlen(doc), &e);
	is_str(json_str(j, "a.b"), "c", "json_str by dotted path");
	is_int((long)json_num(j, "a.n", -1), 3, "json_num");
	ok(json_bool(j, "a.t", false), "json_bool");
	ok(json_str(j, "a.n") == NULL, "json_str of a number is NULL");
	ok(json_path(j, "a.x.y") == NULL, "missing path");
	json_set_str(json_obj_ensure(j, "m"), "k", "v");
	char *s = json_print(j);
	is_str(s, "{\"a\":{\"b\":\"c\",\"n\":3,\"t\":true},\"m\":{\"k\":\"v\"}}",
	       "obj_ensure and set_str");
	free(s);
	cJSON_Delete(j);
	ok(json_parse("{\"a\":\n  x}", 10, &e) == NULL, "invalid JSON");
	is_str(e.msg, "2:3: invalid JSON", "error position line:col");
	ok(json_parse("{} x", 4, &e) == NULL, "trailing data refused");
}

/* --forbid rules: known verbs (and *) only. */
static void
test_forbid(void)
{
	struct pd_err e = { 0 };
	faults_reset();
	ok(faults_add_forbid("list:analysisruns", &e) == 0, "list:analysisruns");
	ok(faults_add_forbid("*:pods", &e) == 0, "*:pods");
	ok(faults_add_forbid("deletecollection:*", &e) == 0,
	   "deletecollection:*");
	ok(faults_add_forbid("frobnicate:pods", &e) < 0 &&
	   e.code == PD_EUSAGE, "frobnicate:pods refused as a usage error");
	is_str(e.msg, "invalid verb 'frobnicate' in forbid rule "
	       "'frobnicate:pods' (valid: get, list, watch, create, update, "
	       "patch, delete, deletecollection, *)", "  naming the verb");
	ok(faults_add_forbid("lis:pods", &e) < 0, "a verb's prefix refused");
	ok(faults_forbidden("list", "analysisruns") &&
	   !faults_forbidden("get", "analysisruns"), "the rules apply");
	faults_reset();
}

int
main(void)
{
	test_plural();
	test_registry();
	test_age();
	test_base64();
	test_json();
	test_forbid();
	return done_testing();
}
