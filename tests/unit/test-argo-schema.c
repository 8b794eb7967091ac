/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/argo-schema.c: unknown fields as Argo's strict decoding finds them. */
#include <stdio.h>
#include <string.h>

#include "../tap.h"
#include "argo-schema.h"
#include "buf.h"
#include "yaml.h"

static void
collect(void *cls, const char *path, const char *field)
{
	struct buf *b = cls;
	buf_addf(b, "%s%s|%s", b->len ? ";" : "", path, field);
}

/* The unknown fields of a one-document YAML, "path|field;..." (document order). */
static int
check(const char *yaml, const char *kind, struct buf *out, int sorted)
{
	struct pd_err e = { 0 };
	cJSON *docs = yaml_to_json(yaml, strlen(yaml), "t.yaml", &e);
	int n;
	buf_setlen(out, 0);
	if (!docs) {
		return -2;
	}
	if (sorted)
		n = argo_schema_unknown_sorted(cJSON_GetArrayItem(docs, 0), kind, collect, out);
	else
		n = argo_schema_unknown(cJSON_GetArrayItem(docs, 0), kind, collect, out);
	cJSON_Delete(docs);
	return n;
}

static const char rollout[] =
	"apiVersion: argoproj.io/v1alpha1\n"
	"kind: Rollout\n"
	"metadata: {name: web, labels: {anything: goes}, annotations: {x: y}}\n"
	"spec:\n"
	"  replicas: 3\n"
	"  selector: {matchLabels: {app: web}, matchExpressions: [{key: a, operator: In, values: [b]}]}\n"
	"  template:\n"
	"    metadata: {labels: {app: web}}\n"
	"    spec:\n"
	"      containers:\n"
	"      - name: web\n"
	"        image: nginx\n"
	"        ports: [{containerPort: 80, protocol: TCP}]\n"
	"        resources: {requests: {cpu: 10m, memory: 1Gi}}\n"
	"        readinessProbe: {httpGet: {path: /, port: http}}\n"
	"        env: [{name: A, valueFrom: {secretKeyRef: {name: s, key: k}}}]\n"
	"      volumes: [{name: v, configMap: {name: c}}, {name: e, emptyDir: {}}]\n"
	"      affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: []}}\n"
	"  strategy:\n"
	"    canary:\n"
	"      canaryService: c\n"
	"      stableService: s\n"
	"      maxSurge: 25%\n"
	"      maxUnavailable: 0\n"
	"      antiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {}}\n"
	"      trafficRouting:\n"
	"        istio: {virtualService: {name: vs, routes: [primary]}}\n"
	"        nginx: {stableIngress: i, additionalIngressAnnotations: {a: b}}\n"
	"      steps:\n"
	"      - setWeight: 20\n"
	"      - pause: {duration: 1h}\n"
	"      - analysis: {templates: [{templateName: t}], args: [{name: a, value: b}]}\n"
	"      - experiment: {templates: [{name: c, specRef: canary, weight: 5}]}\n"
	"status: {phase: Healthy, conditions: [{type: Available, status: 'True'}]}\n";

int
main(void)
{
	struct buf b = BUF_INIT;

	is_int(check(rollout, "Rollout", &b, 0), 0, "a full Rollout has no unknown field");
	is_str(b.buf, "", "and no callback");

	is_int(check("kind: Rollout\nspec:\n  strategy:\n    unknown-strategy: {}\n", "Rollout", &b, 0), 1,
	       "an unknown strategy");
	is_str(b.buf, "spec.strategy|unknown-strategy", "its path and name");

	is_int(check("kind: Rollout\nspec:\n  strategy:\n    canary: {foo: 1, steps: [{setWeight: 1}, {bar: 2}]}\n",
		     "Rollout", &b, 0), 2, "two unknown fields");
	is_str(b.buf, "spec.strategy.canary|foo;spec.strategy.canary.steps[1]|bar", "paths into lists");

	is_int(check("kind: Rollout\nSpec: {Replicas: 2, TEMPLATE: {}}\n", "Rollout", &b, 0), 0,
	       "names match case-insensitively, as Go's encoding/json");

	is_int(check("spec:\n  template:\n    spec:\n      containers:\n      - name: a\n        imagee: x\n"
		     "      volumes: [{name: v, configMap: {nam: c}}]\n", "Rollout", &b, 0), 2,
	       "core/v1 PodSpec is checked at every level");
	is_str(b.buf, "spec.template.spec.containers[0]|imagee;spec.template.spec.volumes[0].configMap|nam",
	       "container and volume source paths");

	is_int(check("spec:\n  strategy:\n    canary:\n      antiAffinity:\n"
		     "        requiredDuringSchedulingIgnoredDuringExecution: {x: 1}\n", "Rollout", &b, 0), 1,
	       "an empty Go struct takes no field");

	is_int(check("metadata: {labels: {Foo: bar}, creationTimestamp: null}\n"
		     "spec: {template: {spec: {containers: [{name: a, resources: {limits: {cpu: {odd: 1}}}}]}}}\n",
		     "Rollout", &b, 0), 0, "map keys and Quantity values are not checked");

	is_int(check("zeta: 1\nalpha: 2\nspec: {zz: 1, aa: 2}\n", "Rollout", &b, 0), 4, "document order");
	is_str(b.buf, "|zeta;|alpha;spec|zz;spec|aa", "document order visits");
	is_int(check("zeta: 1\nalpha: 2\nspec: {zz: 1, aa: 2}\n", "Rollout", &b, 1), 4, "sorted order");
	is_str(b.buf, "|alpha;spec|aa;spec|zz;|zeta", "sorted visits as sigs.k8s.io/yaml's JSON");

	is_int(check("spec: {metrics: [{name: m, provider: {prometheus: {query: q, adress: a}}}]}\n",
		     "AnalysisTemplate", &b, 0), 1, "AnalysisTemplate providers");
	is_str(b.buf, "spec.metrics[0].provider.prometheus|adress", "provider path");
	is_int(check("spec: {metrics: [{name: m, provider: {job: {spec: {template: {spec: {containers: [{nme: x}]}}}}}}]}\n",
		     "ClusterAnalysisTemplate", &b, 0), 1, "a job metric's pod spec");
	is_int(check("spec: {metrics: [], args: [{name: a, valueFrom: {secretKeyRef: {name: s, key: k}}}], terminate: true}\n",
		     "AnalysisRun", &b, 0), 0, "AnalysisRun");
	is_int(check("spec: {duration: 1h, templates: [{name: a, replicas: 1, selector: {}, template: {}, service: {}}],"
		     " analyses: [{name: x, templateName: t}], colour: red}\n", "Experiment", &b, 0), 1,
	       "Experiment");
	is_str(b.buf, "spec|colour", "Experiment path");
	is_int(check("spec: {selector: {app: x}, ports: [{port: 80, targetPort: http, nodeport: 1, nodPort: 2}]}\n",
		     "Service", &b, 0), 1, "Service: nodeport folds to nodePort, nodPort is unknown");
	is_int(check("spec: {rules: [{host: h, http: {paths: [{path: /, pathType: Prefix,"
		     " backend: {service: {name: s, port: {name: http}}}}]}}]}\n", "Ingress", &b, 0), 0,
	       "networking/v1 Ingress");
	is_int(check("spec: {rules: [{http: {paths: [{backend: {service: {name: s}}}]}}]}\n",
		     "Ingress/v1beta1", &b, 0), 1, "extensions/v1beta1 Ingress has serviceName, not service");
	is_int(check("a: 1\n", "Deployment", &b, 0), -1, "an unknown kind");
	ok(argo_schema_has_kind("AnalysisRun") && !argo_schema_has_kind("Pod"), "has_kind");
	is_int(argo_schema_unknown(NULL, "Rollout", NULL, NULL), 0, "NULL object");

	{
		struct pd_err e = { 0 };
		const char *y = "{match: [{headerValue: {prefix: '<a&b>'}}], name: h, extra: 1}\n";
		cJSON *d = yaml_to_json(y, strlen(y), "t", &e);
		buf_setlen(&b, 0);
		is_int(argo_schema_marshal(&b, cJSON_GetArrayItem(d, 0), "argo.SetHeaderRoute"), 0, "marshal");
		is_str(b.buf, "{\"name\":\"h\",\"match\":[{\"headerName\":\"\",\"headerValue\":{\"prefix\":\"\\u003ca\\u0026b\\u003e\"}}]}",
		       "marshal: struct order, zero values of fields without omitempty, unknown fields dropped, HTML escapes");
		cJSON_Delete(d);
		y = "{matchLabels: {b: '2', a: '1'}}\n";
		d = yaml_to_json(y, strlen(y), "t", &e);
		buf_setlen(&b, 0);
		argo_schema_marshal(&b, cJSON_GetArrayItem(d, 0), "meta.LabelSelector");
		is_str(b.buf, "{\"matchLabels\":{\"a\":\"1\",\"b\":\"2\"}}", "marshal: map keys sorted, empty slices omitted");
		cJSON_Delete(d);
		y = "{name: a, percentage: 0}\n";
		d = yaml_to_json(y, strlen(y), "t", &e);
		buf_setlen(&b, 0);
		argo_schema_marshal(&b, cJSON_GetArrayItem(d, 0), "argo.SetMirrorRoute");
		is_str(b.buf, "{\"name\":\"a\",\"percentage\":0}", "marshal: a pointer's zero is kept under omitempty");
		cJSON_Delete(d);
		is_int(argo_schema_marshal(&b, NULL, "argo.Nope"), -1, "marshal: an unknown type");
	}

	char msg[200];
	snprintf(msg, sizeof(msg), ARGO_SCHEMA_MSG_YAML, "unknown-strategy");
	is_str(msg, "error unmarshaling JSON: while decoding JSON: json: unknown field \"unknown-strategy\"",
	       "the plugin's message (lint testdata invalid-unknown-field.yml)");
	buf_release(&b);
	return done_testing();
}
