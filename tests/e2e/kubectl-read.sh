#!/bin/bash
# kubectl-read: the real kubectl reads the fixtures through rollouts-sim:
# lists across namespaces, get -o json against the fixture, short and
# singular names, kinds learnt from fixtures, NotFound texts, paging.
. "$(dirname "$0")/lib.sh"
need_kubectl
start_sim --fixtures "$FIXTURES/main"

# --- get rollouts -A: both namespaces, with a NAMESPACE column
expect_kc 0 "get rollouts -A" get rollouts -A
rows=$(printf '%s\n' "$KC_OUT" | awk '{print $1 "/" $2}' | sort | tr '\n' ' ')
expect_eq "$rows" "NAMESPACE/NAME demo/api demo/web demo/worker staging/checkout staging/web " \
	"get rollouts -A lists every fixture rollout with its namespace"
expect_eq "$(printf '%s\n' "$KC_OUT" | head -n 1 | awk '{print $1}')" "NAMESPACE" \
	"get rollouts -A has a NAMESPACE column first"
expect_true "the request was the all-namespaces list with limit=500" \
	reqlog_has GET /apis/argoproj.io/v1alpha1/rollouts "limit=500"

# --- get -o json equals the fixtures (YAML and JSON)
expect_kc 0 "get rollout web -n demo -o json" get rollout web -n demo -o json
printf '%s\n' "$KC_OUT" >"$WORK/web.json"
expect_true "rollout demo/web equals its YAML fixture (uid, resourceVersion, creationTimestamp kept)" \
	json_subset "$FIXTURES/expect/web.json" "$WORK/web.json"
expect_kc 0 "get rollout checkout -n staging -o json" get rollout checkout -n staging -o json
printf '%s\n' "$KC_OUT" >"$WORK/checkout.json"
expect_true "rollout staging/checkout equals its JSON fixture" \
	json_subset "$FIXTURES/main/04-checkout.json" "$WORK/checkout.json"
# members the fixture did not give are filled in
expect_eq "$(jval 'd["metadata"]["generation"]' <"$WORK/web.json")" "3" "fixture generation kept"
kc get rollout api -n demo -o json
api_meta=$(printf '%s' "$KC_OUT" | jval '[len(d["metadata"]["uid"]), bool(d["metadata"]["creationTimestamp"]), d["metadata"]["resourceVersion"].isdigit(), d["metadata"]["generation"]]')
expect_eq "$api_meta" '[36,true,true,1]' "uid, creationTimestamp, resourceVersion and generation filled in when not given"

# --- short name and singular
expect_kc 0 "get ro (short name)" get ro -n demo
expect_eq "$(printf '%s\n' "$KC_OUT" | awk 'NR > 1 {print $1}' | tr '\n' ' ')" "api web worker " \
	"get ro -n demo lists the three demo rollouts"
expect_kc 0 "get rollout (singular)" get rollout -n staging
expect_eq "$(printf '%s\n' "$KC_OUT" | awk 'NR > 1 {print $1}' | tr '\n' ' ')" "checkout web " \
	"get rollout -n staging lists the two staging rollouts"
expect_kc 0 "get ro web -o name" get ro web -n demo -o name
expect_eq "$KC_OUT" "rollout.argoproj.io/web" "get ro web -o name"
expect_kc 0 "get rollouts.argoproj.io (fully qualified)" get rollouts.argoproj.io -n demo -o name
expect_eq "$(printf '%s\n' "$KC_OUT" | tr '\n' ' ')" \
	"rollout.argoproj.io/api rollout.argoproj.io/web rollout.argoproj.io/worker " \
	"get rollouts.argoproj.io -o name"

# --- kinds learnt from fixtures
expect_kc 0 "get hpa -A" get hpa -A
expect_contains "$KC_OUT" "web-hpa" "get hpa lists the HorizontalPodAutoscaler fixture"
expect_true "the HPA list went to autoscaling/v2" \
	reqlog_has GET /apis/autoscaling/v2/horizontalpodautoscalers "limit=500"
expect_kc 0 "get gateways.networking.istio.io -A" get gateways.networking.istio.io -A
expect_contains "$KC_OUT" "public-gw" "get gateways.networking.istio.io lists the Gateway fixture"
expect_contains "$KC_OUT" "istio-system" "the Gateway is in istio-system"
expect_kc 0 "get gw (short name of a learnt kind)" get gw -n istio-system -o name
expect_eq "$KC_OUT" "gateway.networking.istio.io/public-gw" "get gw -o name"
expect_kc 0 "get hpa web-hpa -o json" get hpa web-hpa -n demo -o json
expect_eq "$(printf '%s' "$KC_OUT" | jval '[d["apiVersion"], d["kind"], d["spec"]["maxReplicas"], d["spec"]["scaleTargetRef"]["kind"]]')" \
	'["autoscaling/v2","HorizontalPodAutoscaler",10,"Rollout"]' "get hpa web-hpa -o json"

# --- NotFound texts
expect_kc 1 "get rollout nope" get rollout nope -n demo
expect_eq "$KC_ERR" 'Error from server (NotFound): rollouts.argoproj.io "nope" not found' \
	"NotFound text for a missing rollout"
expect_kc 1 "get rollout nope -n x" get rollout nope -n x
expect_eq "$KC_ERR" 'Error from server (NotFound): namespaces "x" not found' \
	"NotFound text for a missing namespace"
expect_true "kubectl looked up the namespace after the 404" \
	reqlog_has GET /api/v1/namespaces/x ""
expect_kc 0 "get rollouts in an empty namespace" get rollouts -n default
expect_contains "$KC_ERR" "No resources found in default namespace." "empty list message"

# --- paging
expect_kc 0 "get rollouts -A --chunk-size=1" get rollouts -A --chunk-size=1
rows=$(printf '%s\n' "$KC_OUT" | awk 'NR > 1 {print $1 "/" $2}' | sort | tr '\n' ' ')
expect_eq "$rows" "demo/api demo/web demo/worker staging/checkout staging/web " \
	"--chunk-size=1 returns every rollout"
expect_true "the request log shows limit=1" \
	reqlog_has GET /apis/argoproj.io/v1alpha1/rollouts "limit=1"
expect_true "the request log shows a continue= request" \
	reqlog_has GET /apis/argoproj.io/v1alpha1/rollouts "continue="
n=$(grep -c '"path":"/apis/argoproj.io/v1alpha1/rollouts","query":"[^"]*limit=1"' "$REQLOG")
expect_eq "$n" "5" "five pages of one for five rollouts"

finish
