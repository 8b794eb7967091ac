#!/bin/bash
# kubectl-patch: kubectl patch against rollouts-sim: merge and JSON patches,
# no-op patches, the status subresource, strategic merge refused on a custom
# resource and applied on built-in kinds, generation, the request log.
. "$(dirname "$0")/lib.sh"
need_kubectl
start_sim --fixtures "$FIXTURES/main"

# get_ro NAME EXPR: a field of rollout demo/NAME read back through curl
get_ro() {
	req GET "/apis/argoproj.io/v1alpha1/namespaces/demo/rollouts/$1"
	printf '%s' "$BODY" | jval "$2"
}

rv0=$(get_ro web 'd["metadata"]["resourceVersion"]')
gen0=$(get_ro web 'd["metadata"]["generation"]')
expect_eq "$rv0/$gen0" "100/3" "fixture resourceVersion and generation before the patches"

# --- merge patch, then the same patch again
expect_kc 0 "patch --type merge" patch rollout web -n demo --type merge -p '{"spec":{"replicas":5}}'
expect_eq "$KC_OUT" "rollout.argoproj.io/web patched" "merge patch prints patched"
rv1=$(get_ro web 'd["metadata"]["resourceVersion"]')
expect_ne "$rv1" "$rv0" "a real change gives a new resourceVersion"
expect_eq "$(get_ro web 'd["spec"]["replicas"]')" "5" "merge patch changed spec.replicas"
expect_eq "$(get_ro web 'd["metadata"]["generation"]')" "4" "a spec change bumps generation"
expect_eq "$(get_ro web 'd["spec"]["template"]["spec"]["containers"][0]["image"]')" "example/web:1.0" \
	"merge patch kept the rest of spec"
expect_true "the request log has the PATCH with its content type and body" python3 - "$REQLOG" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if (r["method"] == "PATCH"
            and r["path"] == "/apis/argoproj.io/v1alpha1/namespaces/demo/rollouts/web"
            and r["content_type"] == "application/merge-patch+json"
            and json.loads(r["body"]) == {"spec": {"replicas": 5}}
            and "fieldManager=kubectl-patch" in r["query"]):
        sys.exit(0)
sys.exit(1)
EOF

expect_kc 0 "the same merge patch again" patch rollout web -n demo --type merge -p '{"spec":{"replicas":5}}'
expect_eq "$KC_OUT" "rollout.argoproj.io/web patched (no change)" "an identical patch prints patched (no change)"
expect_eq "$(get_ro web 'd["metadata"]["resourceVersion"]')" "$rv1" "a no-op patch keeps the resourceVersion"
expect_eq "$(get_ro web 'd["metadata"]["generation"]')" "4" "a no-op patch keeps generation"

# --- a label change is a metadata change: new resourceVersion, same generation
expect_kc 0 "merge patch of a label" patch rollout web -n demo --type merge -p '{"metadata":{"labels":{"track":"stable"}}}'
expect_eq "$(get_ro web '[d["metadata"]["labels"], d["metadata"]["generation"]]')" \
	'[{"app":"a","tier":"web","track":"stable"},4]' "a label patch keeps generation"

# --- JSON patch
expect_kc 0 "patch --type json" patch rollout web -n demo --type json \
	-p '[{"op":"replace","path":"/spec/replicas","value":2},{"op":"add","path":"/spec/paused","value":true}]'
expect_eq "$KC_OUT" "rollout.argoproj.io/web patched" "JSON patch prints patched"
expect_eq "$(get_ro web '[d["spec"]["replicas"], d["spec"]["paused"], d["metadata"]["generation"]]')" \
	'[2,true,5]' "JSON patch applied (replicas 2, paused) and generation bumped"
expect_true "the request log has the JSON patch content type" \
	grep -qF '"content_type":"application/json-patch+json"' "$REQLOG"
expect_kc 1 "a JSON patch with a failing test op" patch rollout web -n demo --type json \
	-p '[{"op":"test","path":"/spec/replicas","value":99},{"op":"replace","path":"/spec/replicas","value":7}]'
expect_eq "$(get_ro web 'd["spec"]["replicas"]')" "2" "a failed JSON patch changes nothing"

# --- status: the main resource ignores it, the subresource takes only it
rv2=$(get_ro web 'd["metadata"]["resourceVersion"]')
expect_kc 0 "merge patch of status on the main resource" patch rollout web -n demo --type merge \
	-p '{"status":{"phase":"Degraded"}}'
expect_eq "$KC_OUT" "rollout.argoproj.io/web patched (no change)" "a status patch on the main resource is a no-op"
expect_eq "$(get_ro web '[d["status"]["phase"], d["metadata"]["resourceVersion"]]')" \
	"[\"Healthy\",\"$rv2\"]" "status unchanged by a main-resource patch"

expect_kc 0 "patch --subresource status" patch rollout web -n demo --subresource status --type merge \
	-p '{"status":{"phase":"Paused","currentStepIndex":1},"spec":{"replicas":9}}'
expect_eq "$KC_OUT" "rollout.argoproj.io/web patched" "status subresource patch prints patched"
expect_eq "$(get_ro web '[d["status"]["phase"], d["status"]["currentStepIndex"], d["status"]["stableRS"], d["spec"]["replicas"]]')" \
	'["Paused",1,"6d9f7c8b5",2]' "the status subresource changed status only (spec.replicas still 2)"
expect_ne "$(get_ro web 'd["metadata"]["resourceVersion"]')" "$rv2" "a status change gives a new resourceVersion"
expect_eq "$(get_ro web 'd["metadata"]["generation"]')" "5" "a status change does not bump generation"
expect_true "kubectl read the status subresource first" \
	reqlog_has GET /apis/argoproj.io/v1alpha1/namespaces/demo/rollouts/web/status ""
expect_true "and patched the status subresource" \
	reqlog_has PATCH /apis/argoproj.io/v1alpha1/namespaces/demo/rollouts/web/status "fieldManager=kubectl-patch"

# --- strategic merge: refused on a custom resource
expect_kc 1 "default (strategic) patch on a rollout" patch rollout web -n demo -p '{"spec":{"replicas":4}}'
expect_eq "$KC_ERR" "error: application/strategic-merge-patch+json is not supported by argoproj.io/v1alpha1, Kind=Rollout: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml" \
	"strategic merge on a rollout is refused with kubectl's 415 text"
expect_eq "$(get_ro web 'd["spec"]["replicas"]')" "2" "the refused patch changed nothing"

# --- strategic merge on built-in kinds merges containers by name
expect_kc 0 "strategic patch of a Deployment container image" patch deployment shop -n demo \
	-p '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"example/shop:2.0"}]}}}}'
expect_eq "$KC_OUT" "deployment.apps/shop patched" "strategic patch on a Deployment prints patched"
req GET /apis/apps/v1/namespaces/demo/deployments/shop
expect_eq "$(printf '%s' "$BODY" | jval '[(c["name"], c["image"]) for c in d["spec"]["template"]["spec"]["containers"]]')" \
	'[["app","example/shop:2.0"],["sidecar","example/envoy:1.0"]]' \
	"the app container changed, the sidecar kept"
expect_eq "$(printf '%s' "$BODY" | jval 'd["metadata"]["generation"]')" "2" "Deployment generation bumped"
expect_true "kubectl sent a strategic merge patch" \
	grep -qF '"content_type":"application/strategic-merge-patch+json"' "$REQLOG"

expect_kc 0 "strategic patch of a Pod container image" patch pod shop-pod -n demo \
	-p '{"spec":{"containers":[{"name":"sidecar","image":"example/envoy:2.0"}]}}'
expect_eq "$KC_OUT" "pod/shop-pod patched" "strategic patch on a Pod prints patched"
req GET /api/v1/namespaces/demo/pods/shop-pod
expect_eq "$(printf '%s' "$BODY" | jval '[(c["name"], c["image"]) for c in d["spec"]["containers"]] + [d["status"]["phase"]]')" \
	'[["app","example/shop:1.0"],["sidecar","example/envoy:2.0"],"Running"]' \
	"the sidecar changed, the app container and status kept"

# a merge patch replaces the list whole (the contrast with strategic merge)
expect_kc 0 "merge patch of a Pod's containers" patch pod shop-pod -n demo --type merge \
	-p '{"spec":{"containers":[{"name":"app","image":"example/shop:3.0"}]}}'
req GET /api/v1/namespaces/demo/pods/shop-pod
expect_eq "$(printf '%s' "$BODY" | jval '[c["name"] for c in d["spec"]["containers"]]')" '["app"]' \
	"a merge patch replaces the containers list"

finish
