/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for rollouts-sim's field validation (openapi.c): unknown and
 * duplicate fields under Strict, Warn and Ignore, the CRDs'
 * x-kubernetes-preserve-unknown-fields, maps, list items, the fields a
 * stored object already had, and kinds without a schema. */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "json.h"
#include "server.h"
#include "sim.h"
#include "xalloc.h"

/* Validate text as r at version; the reply's message (or warnings joined
 * by "|") into out; returns openapi_validate's result. obj (may be NULL)
 * gets the object after pruning. */
static int
check(const char *group, const char *version, const char *plural,
	enum openapi_validation d, const char *text, const char *old,
	struct buf *out, cJSON **obj)
{
	struct sim_resource *r = registry_find(group, version, plural);
	struct sim_reply rep = { .status = 0, .body = BUF_INIT };
	cJSON *o = json_parse(text, strlen(text), NULL);
	cJSON *po = old ? json_parse(old, strlen(old), NULL) : NULL;
	int rc = openapi_validate(d, r, version, o, po, NULL, &rep);
	buf_reset(out);
	if (rc < 0) {
		cJSON *st = json_parse(rep.body.buf, rep.body.len, NULL);
		buf_addf(out, "%d %s", rep.status, json_str(st, "message"));
		cJSON_Delete(st);
	}
	for (size_t i = 0; i < rep.nwarnings; i++) {
		buf_addf(out, "%s%s", i ? "|" : "", rep.warnings[i]);
		free(rep.warnings[i]);
	}
	free(rep.warnings);
	buf_release(&rep.body);
	cJSON_Delete(po);
	if (obj) {
		*obj = o;
	} else {
		cJSON_Delete(o);
	}
	return rc;
}

#define RO_HEAD "{\"apiVersion\":\"argoproj.io/v1alpha1\",\"kind\":\"Rollout\"," \
	"\"metadata\":{\"name\":\"a\",\"labels\":{\"any-key\":\"v\"}},"

static void
test_rollout(void)
{
	struct buf m = BUF_INIT;
	cJSON *o = NULL;
	int rc = check("argoproj.io", "v1alpha1", "rollouts", OPENAPI_STRICT,
		       RO_HEAD "\"spec\":{\"replicas\":1,\"strategy\":{\"canary\":"
		       "{\"steps\":[{\"setWeight\":5},{\"pause\":{},\"x\":1}]}}}}",
		       NULL, &m, NULL);
	is_int(rc, -1, "Strict: an unknown field in a list item refuses");
	is_str(m.buf, "400 Rollout in version \"v1alpha1\" cannot be handled "
	       "as a Rollout: strict decoding error: unknown field "
	       "\"spec.strategy.canary.steps[1].x\"", "the decoder's message");

	rc = check("argoproj.io", "v1alpha1", "rollouts", OPENAPI_STRICT,
		   RO_HEAD "\"spec\":{\"strategy\":{\"canary\":{\"trafficRouting\":"
		   "{\"plugins\":{\"p\":{\"any\":{\"deep\":1}}}}}}}}", NULL, &m,
		   NULL);
	is_int(rc, 0, "Strict: preserve-unknown-fields (plugins) accepts anything");

	rc = check("argoproj.io", "v1alpha1", "rollouts", OPENAPI_WARN,
		   RO_HEAD "\"spec\":{\"replicas\":1,\"foo\":2,\"replicas\":3},"
		   "\"bar\":1}", NULL, &m, &o);
	is_int(rc, 0, "Warn: accepted");
	is_str(m.buf, "duplicate field \"spec.replicas\"|unknown field "
	       "\"bar\"|unknown field \"spec.foo\"", "Warn: a warning each, "
	       "duplicates first, then the pruned paths sorted (a CRD)");
	char *s = json_print(o);
	is_str(s, RO_HEAD "\"spec\":{\"replicas\":3}}", "Warn: dropped, the "
	       "last duplicate kept");
	free(s);
	cJSON_Delete(o);

	rc = check("argoproj.io", "v1alpha1", "rollouts", OPENAPI_IGNORE,
		   RO_HEAD "\"spec\":{\"foo\":2}}", NULL, &m, &o);
	s = json_print(o);
	ok(rc == 0 && m.len == 0 && strstr(s, "foo") == NULL,
	   "Ignore: dropped, no warning");
	free(s);
	cJSON_Delete(o);

	rc = check("argoproj.io", "v1alpha1", "rollouts", OPENAPI_STRICT,
		   RO_HEAD "\"spec\":{\"foo\":2,\"bar\":1}}",
		   RO_HEAD "\"spec\":{\"foo\":1}}", &m, NULL);
	is_str(m.buf, "400 Rollout in version \"v1alpha1\" cannot be handled "
	       "as a Rollout: strict decoding error: unknown field "
	       "\"spec.bar\"", "a field the stored object had is not reported");

	rc = check("argoproj.io", "v1alpha1", "rollouts", OPENAPI_STRICT,
		   RO_HEAD "\"spec\":{\"template\":{\"metadata\":{\"name\":\"x\"},"
		   "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\","
		   "\"resources\":{\"limits\":{\"cpu\":\"1\"}},\"imag\":\"j\"}]}}}}",
		   NULL, &m, NULL);
	is_str(m.buf, "400 Rollout in version \"v1alpha1\" cannot be handled "
	       "as a Rollout: strict decoding error: unknown field "
	       "\"spec.template.metadata.name\", unknown field "
	       "\"spec.template.spec.containers[0].imag\"",
	       "the CRD's template: metadata has labels and annotations only; "
	       "the pod spec is checked");
	buf_release(&m);
}

static void
test_core(void)
{
	struct buf m = BUF_INIT;
	int rc = check("", "v1", "services", OPENAPI_STRICT,
		       "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":"
		       "{\"name\":\"s\",\"nam\":\"t\"},\"spec\":{\"ports\":[{"
		       "\"port\":80,\"targetPort\":\"http\"}],\"selector\":{"
		       "\"app\":\"a\"}}}", NULL, &m, NULL);
	is_str(m.buf, "400 Service in version \"v1\" cannot be handled as a "
	       "Service: strict decoding error: unknown field \"metadata.nam\"",
	       "ObjectMeta is checked");
	rc = check("", "v1", "services", OPENAPI_STRICT,
		   "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":"
		   "{\"name\":\"s\"},\"spec\":{\"z\":1,\"a\":2}}", NULL, &m,
		   NULL);
	is_str(m.buf, "400 Service in version \"v1\" cannot be handled as a "
	       "Service: strict decoding error: unknown field \"spec.z\", "
	       "unknown field \"spec.a\"", "a built-in kind: document order");
	rc = check("argoproj.io", "v1alpha1", "rollouts", OPENAPI_STRICT,
		   RO_HEAD "\"spec\":{\"z\":1,\"a\":2}}", NULL, &m, NULL);
	is_str(m.buf, "400 Rollout in version \"v1alpha1\" cannot be handled "
	       "as a Rollout: strict decoding error: unknown field "
	       "\"spec.a\", unknown field \"spec.z\"",
	       "a custom resource: the pruned paths sorted");
	rc = check("networking.istio.io", "v1alpha3", "virtualservices",
		   OPENAPI_STRICT,
		   "{\"apiVersion\":\"networking.istio.io/v1alpha3\",\"kind\":"
		   "\"VirtualService\",\"metadata\":{\"name\":\"v\"},\"spec\":{"
		   "\"hosts\":[\"h\"],\"http\":[{\"name\":\"primary\",\"route\":"
		   "[{\"destination\":{\"host\":\"h\"},\"weight\":100,\"wieght\":"
		   "1}]}]}}", NULL, &m, NULL);
	is_str(m.buf, "400 VirtualService in version \"v1alpha3\" cannot be "
	       "handled as a VirtualService: strict decoding error: unknown "
	       "field \"spec.http[0].route[0].wieght\"",
	       "a VirtualService under its second version");
	struct sim_resource *g = registry_find_kind("example.com/v1", "Widget",
						    true);
	ok(g != NULL, "a kind learnt from a fixture");
	rc = check("example.com", "v1", "widgets", OPENAPI_STRICT,
		   "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\","
		   "\"metadata\":{\"name\":\"w\"},\"spec\":{\"any\":1}}", NULL,
		   &m, NULL);
	is_int(rc, 0, "a kind without a schema takes anything");
	buf_release(&m);
}

int
main(void)
{
	registry_init();
	test_rollout();
	test_core();
	return done_testing();
}
