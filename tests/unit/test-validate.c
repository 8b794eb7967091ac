/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/rollout-validate.c: Argo's Rollout validation and lint's references. */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "buf.h"
#include "rollout-validate.h"
#include "yaml.h"

#define BASE \
	"apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web}\nspec:\n" \
	"  replicas: 2\n  selector: {matchLabels: {app: web}}\n" \
	"  template:\n    metadata: {labels: {app: web}}\n" \
	"    spec: {containers: [{name: web, image: nginx}]}\n"

static cJSON *
parse(const char *yaml)
{
	struct pd_err e = { 0 };
	return yaml_to_json(yaml, strlen(yaml), "t.yaml", &e);
}

/* All findings of one Rollout document, "FIELD: BODY" joined by "\n". */
static char *
spec(const char *yaml)
{
	cJSON *docs = parse(yaml);
	struct rollout_validate_list l = ROLLOUT_VALIDATE_LIST_INIT;
	struct buf b = BUF_INIT;
	if (!docs)
		return strdup("<parse error>");
	rollout_validate_spec(cJSON_GetArrayItem(docs, 0), 0, &l);
	for (size_t i = 0; i < l.n; i++) {
		if (i)
			buf_addch(&b, '\n');
		rollout_validate_format(&l.v[i], &b);
	}
	rollout_validate_list_release(&l);
	cJSON_Delete(docs);
	return buf_detach(&b, NULL);
}

/* The first finding of a whole file, and whether it was a decoding error. */
static char *
file(const char *yaml, int *fatal, int *n)
{
	cJSON *docs = parse(yaml);
	struct rollout_validate_list l = ROLLOUT_VALIDATE_LIST_INIT;
	struct buf b = BUF_INIT;
	if (!docs)
		return strdup("<parse error>");
	*n = rollout_validate_file(docs, &l, fatal);
	if (l.n)
		rollout_validate_format(&l.v[0], &b);
	rollout_validate_list_release(&l);
	cJSON_Delete(docs);
	return buf_detach(&b, NULL);
}

static void
check_spec(const char *yaml, const char *want, const char *name)
{
	char *got = spec(yaml);
	is_str(got, want, "%s", name);
	free(got);
}

int
main(void)
{
	int fatal, n;
	char *s;

	check_spec(BASE "  strategy: {canary: {steps: [{setWeight: 50}, {pause: {duration: 1h}}]}}\n", "",
		   "a valid canary");
	check_spec(BASE "  strategy: {blueGreen: {activeService: a, previewService: b}}\n", "", "a valid blue-green");
	check_spec(BASE "  strategy: {canary: {maxSurge: 0, maxUnavailable: '0%'}}\n",
		   "spec.strategy.maxSurge: Invalid value: 0: MaxSurge and MaxUnavailable both can not be zero",
		   "maxSurge and maxUnavailable zero (the plugin's invalid.yml)");
	check_spec(BASE "  strategy: {canary: {maxSurge: 0}}\n", "",
		   "maxUnavailable defaults to 25");
	check_spec("kind: Rollout\nspec: {strategy: {canary: {}}, template: {spec: {containers: [{name: a, image: b}]}}}\n",
		   "spec.selector: Required value: Rollout has missing field '.spec.selector'\n"
		   "spec.template.metadata.labels: Invalid value: null: `selector` does not match template `labels`",
		   "no selector: Required, and labels.Nothing() matches no template");
	check_spec("kind: Rollout\nspec:\n  replicas: -3\n  selector: {matchLabels: {app: web}}\n"
		   "  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: nginx}]}}\n"
		   "  strategy: {canary: {}}\n",
		   "spec.replicas: Invalid value: -3: must be greater than or equal to 0", "negative replicas");
	check_spec(BASE "  minReadySeconds: 700\n  strategy: {canary: {}}\n",
		   "spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds",
		   "progressDeadlineSeconds defaults to 600");
	check_spec(BASE "  strategy: {}\n",
		   "spec.strategy.strategy: Required value: Rollout has missing field '.spec.strategy.canary or .spec.strategy.blueGreen'",
		   "no strategy (Argo's doubled path)");
	check_spec(BASE "  strategy: {canary: {steps: [{setWeight: 10}, {}, {setWeight: 101}]}}\n",
		   "spec.strategy.steps[1]: Invalid value: \"step.Experiment: true step.Pause: true step.SetWeight: true "
		   "step.Analysis: true step.SetCanaryScale: true step.SetHeaderRoute: true step.SetMirrorRoute: true "
		   "step.Plugin: true\": Step must have one of the following set: experiment, setWeight, setCanaryScale, plugin or pause\n"
		   "spec.strategy.steps[2].setWeight: Invalid value: 101: SetWeight needs to be between 0 and 100",
		   "steps: an empty one, a weight over 100");
	check_spec(BASE "  strategy: {canary: {steps: [{pause: {duration: '10'}}, {pause: {duration: 5m}}, {pause: {duration: x}}]}}\n",
		   "spec.strategy.steps[2].pause.duration: Invalid value: -1: Duration needs to be greater than 0",
		   "pause durations: bare seconds, Go durations, garbage");
	check_spec(BASE "  strategy: {canary: {canaryService: c, trafficRouting: {smi: {}}}}\n",
		   "spec.strategy.stableService: Invalid value: \"\": Canary service and Stable service must to be set to use Traffic Routing",
		   "SMI needs both services");
	check_spec(BASE "  strategy: {canary: {canaryService: c, stableService: s, trafficRouting: "
		   "{istio: {virtualService: {name: v}, destinationRule: {name: d}}, managedRoutes: [{name: m}]},"
		   " steps: [{setHeaderRoute: {name: m, match: [{headerName: h, headerValue: {exact: a, regex: b}}]}}]}}\n",
		   "spec.strategy.steps[0].setHeaderRoute.match[0]: Invalid value: {\"exact\":\"a\",\"regex\":\"b\"}: "
		   "StringMatch match value must have exactly one of the following: exact, regex, prefix",
		   "header match with two values");
	check_spec(BASE "  strategy: {canary: {steps: [{setMirrorRoute: {name: m}}]}}\n",
		   "spec.strategy.steps[0].setMirrorRoute: Invalid value: {\"name\":\"m\"}: SetMirrorRoute requires TrafficRouting, supports Istio only",
		   "mirror route without Istio: the value as Go marshals it");
	check_spec(BASE "  strategy: {canary: {steps: [{analysis: {templates: [{templateName: t}], args: ["
		   "{name: a, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['app']\"}}},"
		   "{name: b, valueFrom: {fieldRef: {fieldPath: \"metadata.annotations['bad key']\"}}}]}}]}}\n",
		   "spec.strategy.steps[0].analyses: Invalid value: [{\"name\":\"a\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":"
		   "\"metadata.labels['app']\"}}},{\"name\":\"b\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":"
		   "\"metadata.annotations['bad key']\"}}}]: Analyses arguments must refer to valid object metadata supported by downwardAPI",
		   "analysis args: a bad subscript");
	check_spec(BASE "  strategy: {canary: {antiAffinity: {}}}\n",
		   "spec.strategy.antiAffinity: Invalid value: \"antiAffinity.PreferredDuringSchedulingIgnoredDuringExecution: false "
		   "antiAffinity.RequiredDuringSchedulingIgnoredDuringExecution: false\": AntiAffinity must have exactly one strategy listed",
		   "anti-affinity with neither");
	check_spec(BASE "  strategy: {canary: {pingPong: {pingService: a, pongService: b}, trafficRouting: {nginx: {stableIngress: i}}}}\n",
		   "spec.strategy.trafficRouting.alb: Invalid value: null: Ping-pong feature works with the ALB and Istio traffic routers only\n"
		   "spec.strategy.stableService: Invalid value: \"\": Canary service and Stable service must to be set to use Traffic Routing\n"
		   "spec.strategy.canaryService: Invalid value: \"\": Canary service and Stable service must to be set to use Traffic Routing",
		   "ping-pong with NGINX: every finding in Argo's order");
	check_spec("kind: Rollout\nspec:\n  selector: {matchExpressions: [{key: app, operator: Exists, values: [x]}]}\n"
		   "  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: nginx}]}}\n"
		   "  strategy: {canary: {}}\n",
		   "spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'\n"
		   "spec.selector: Invalid value: {\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"Exists\",\"values\":[\"x\"]}]}: invalid label selector",
		   "selector: Exists with values");
	check_spec(BASE "  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  strategy: {canary: {}}\n",
		   "spec.template: Internal error: template must be empty for workload reference rollout",
		   "workloadRef with a template");

	/* files */
	s = file(BASE "  strategy: {canary: {canaryService: c, stableService: s}}\n---\n"
		 "apiVersion: v1\nkind: Service\nmetadata: {name: c}\nspec: {selector: {app: web, zone: a, rollouts-pod-template-hash: x}}\n",
		 &fatal, &n);
	is_str(s, "spec.strategy.canary.canaryService: Invalid value: \"c\": Service \"c\" has unmatch label \"zone\" in rollout",
	       "a Service of the file with a label the template lacks (the hash label ignored)");
	ok(fatal == 0 && n == 1, "one finding, not fatal");
	free(s);
	s = file(BASE "  strategy: {canary: {}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: other}\n"
		 "spec: {selector: {zone: a}}\n", &fatal, &n);
	is_str(s, "", "a Service no Rollout references is not checked");
	free(s);
	s = file(BASE "  strategy: {canary: {}}\n---\nkind: Rollout\napiVersion: argoproj.io/v1alpha1\nspec: {bogus: 1}\n",
		 &fatal, &n);
	is_str(s, "error unmarshaling JSON: while decoding JSON: json: unknown field \"bogus\"", "an unknown field stops the run");
	ok(fatal == 1 && n == 1, "fatal, one finding");
	free(s);
	s = file("---\n---\n" BASE "  strategy: {canary: {}}\n", &fatal, &n);
	is_str(s, "", "empty documents are skipped");
	free(s);
	s = file(BASE "  strategy: {canary: {canaryService: c, stableService: s, trafficRouting: {istio: {virtualService: {name: vs}}}}}\n"
		 "---\napiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata: {name: vs}\n"
		 "spec: {http: [{route: [{destination: {host: s}}, {destination: {host: c.ns.svc}}]}],"
		 " tcp: [{route: [{destination: {host: s}}]}]}\n", &fatal, &n);
	is_str(s, "spec.strategy.canary.trafficRouting.istio.virtualService.name: Invalid value: \"vs\": Istio VirtualService has "
	       "invalid TCP routes. Error: Canary Service 'c' not found in route",
	       "a VirtualService: HTTP routes fine, a TCP route without the canary");
	free(s);
	s = file(BASE "  strategy: {canary: {canaryService: c, stableService: s, trafficRouting: {istio: {virtualService: {name: vs.ns}}}}}\n"
		 "---\napiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata: {name: vs}\n"
		 "spec: {tcp: [{route: [{destination: {host: s}}]}]}\n", &fatal, &n);
	is_str(s, "", "lint matches a VirtualService by the full NAME.NAMESPACE, as the plugin does");
	free(s);
	return done_testing();
}
