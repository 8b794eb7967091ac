#!/bin/bash
# kubectl-events: the simulated controller records Argo's events on the
# rollout (core v1 and events.k8s.io/v1, aggregated like client-go's
# recorder), served as a namespaced list/watch resource with the Events
# field selectors, so `kubectl get events` and `kubectl describe rollout`
# show them. The controller runs on the manual clock.
. "$(dirname "$0")/lib.sh"
need_kubectl
cat >"$WORK/web.yaml" <<'YAML'
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: example/web:1}]}
  strategy:
    canary:
      steps:
      - setWeight: 50
      - pause: {}
      - pause: {duration: 10s}
YAML
E2E_CONTROLLER=1 start_sim --clock manual --fixtures "$WORK/web.yaml"
advance() {
	req POST "/sim/v1/clock?advance=$1"
	expect_eq "$CODE" "200" "advance the clock $1"
}
advance 5s
req_json PATCH /apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/web application/json-patch+json \
	'[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"example/web:2"}]'
expect_eq "$CODE" "200" "a new release"
advance 5s

# --- core v1: the events of the new revision, in the recorder's shape
req GET /api/v1/namespaces/shop/events
expect_eq "$CODE" "200" "GET /api/v1/namespaces/shop/events"
reasons=$(printf '%s' "$BODY" | jval '" ".join(sorted(set(e["reason"] for e in d["items"])))')
expect_eq "$reasons" "NewReplicaSetCreated RolloutCompleted RolloutPaused RolloutStepCompleted RolloutUpdated ScalingReplicaSet" \
	"the controller recorded Argo's events"
expect_eq "$(printf '%s' "$BODY" | jval '[e["message"] for e in d["items"] if e["reason"] == "RolloutStepCompleted"]')" \
	'["Rollout step 1/3 completed (setWeight: 50)"]' "RolloutStepCompleted with Argo's message"
expect_eq "$(printf '%s' "$BODY" | jval '[e["message"] for e in d["items"] if e["reason"] == "RolloutPaused"]')" \
	'["Rollout is paused (CanaryPauseStep)"]' "RolloutPaused with the pause reason"
expect_eq "$(printf '%s' "$BODY" | jval '[e["message"] for e in d["items"] if e["reason"] == "RolloutUpdated"]')" \
	'["Rollout updated to revision 1","Rollout updated to revision 2"]' "RolloutUpdated for both revisions"
ev=$(printf '%s' "$BODY" | jval '[e for e in d["items"] if e["reason"] == "RolloutPaused"][0]')
expect_eq "$(printf '%s' "$ev" | jval '[d["involvedObject"]["kind"], d["involvedObject"]["name"], d["involvedObject"]["apiVersion"], d["source"]["component"], d["type"], d["count"], d["metadata"]["name"].startswith("web.")]')" \
	'["Rollout","web","argoproj.io/v1alpha1","rollouts-controller","Normal",1,true]' \
	"an event names the rollout and the rollouts-controller, as client-go writes it"

# --- the same pause again counts up (the recorder's aggregation)
req_json PATCH /apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/web/status application/merge-patch+json \
	'{"status":{"pauseConditions":null}}'
expect_eq "$CODE" "200" "promote past the indefinite pause"
advance 1s
req GET "/api/v1/namespaces/shop/events?fieldSelector=involvedObject.name%3Dweb,reason%3DRolloutPaused"
expect_eq "$(printf '%s' "$BODY" | jval '[[e["count"], e["message"]] for e in d["items"]]')" \
	'[[2,"Rollout is paused (CanaryPauseStep)"]]' "the second pause counts up the same event (fieldSelector on name and reason)"
req GET "/api/v1/namespaces/shop/events?fieldSelector=reason%3DRolloutResumed"
expect_eq "$(printf '%s' "$BODY" | jval 'len(d["items"])')" "0" \
	"no RolloutResumed when the client cleared the pause (Argo compares its own statuses)"
req GET "/api/v1/namespaces/shop/events?fieldSelector=involvedObject.kind%3DPod"
expect_eq "$(printf '%s' "$BODY" | jval 'len(d["items"])')" "0" "fieldSelector involvedObject.kind=Pod: none"
req GET "/api/v1/namespaces/shop/pods?fieldSelector=reason%3DX"
expect_eq "$CODE" "400" "an event field label on pods is refused (400)"
expect_contains "$BODY" "field label not supported: reason" "with the API server's message"

# --- events.k8s.io/v1: the same events in the new shape
req GET /apis/events.k8s.io/v1/namespaces/shop/events
expect_eq "$CODE" "200" "GET /apis/events.k8s.io/v1/namespaces/shop/events"
expect_eq "$(printf '%s' "$BODY" | jval '[[e["regarding"]["name"], e["note"], e["deprecatedCount"], e["reportingController"]] for e in d["items"] if e["reason"] == "RolloutPaused"]')" \
	'[["web","Rollout is paused (CanaryPauseStep)",2,"rollouts-controller"]]' "events.k8s.io/v1: regarding, note, deprecatedCount"
req GET "/apis/events.k8s.io/v1/namespaces/shop/events?fieldSelector=regarding.name%3Dweb,type%3DWarning"
expect_eq "$(printf '%s' "$BODY" | jval 'len(d["items"])')" "0" "events.k8s.io/v1: fieldSelector on regarding.name and type"

# --- watch with a field selector
req GET /api/v1/namespaces/shop/events
rv=$(printf '%s' "$BODY" | jval 'd["metadata"]["resourceVersion"]')
watch_bg "$WORK/watch" "/api/v1/namespaces/shop/events?watch=true&resourceVersion=$rv&fieldSelector=reason%3DRolloutStepCompleted"
advance 11s
expect_true "the watch saw the step 3 event" wait_until 10 grep -q 'Rollout step 3/3 completed' "$WORK/watch"
watch_stop "$WATCH_PID"
req GET "/api/v1/namespaces/shop/events?fieldSelector=reason%3DRolloutResumed"
expect_eq "$(printf '%s' "$BODY" | jval '[e["message"] for e in d["items"]]')" '["Rollout is resumed"]' \
	"RolloutResumed when the timed pause ends"
expect_eq "$(grep -c RolloutPaused "$WORK/watch")" "0" "the watch sends only events of that reason"

# --- kubectl
expect_kc 0 "kubectl get events -n shop" get events -n shop
expect_contains "$KC_OUT" "LAST SEEN" "get events has the API server's columns"
expect_contains "$KC_OUT" "rollout/web" "get events names the object kind/name"
expect_contains "$KC_OUT" "Rollout step 2/3 completed (pause)" "get events shows the messages"
expect_kc 0 "kubectl get events.events.k8s.io -n shop" get events.events.k8s.io -n shop
expect_contains "$KC_OUT" "RolloutCompleted" "events.k8s.io events through kubectl"
expect_kc 0 "kubectl describe rollout web -n shop" describe rollout web -n shop
expect_contains "$KC_OUT" "Events:" "describe rollout has an Events section"
expect_contains "$KC_OUT" "rollouts-controller  Rollout is paused (CanaryPauseStep)" "describe rollout lists the rollout's events"
expect_kc 0 "kubectl get events -A --field-selector type=Warning" get events -A --field-selector type=Warning
expect_contains "$KC_ERR" "No resources found" "no Warning events"

finish
