#!/bin/bash
# faults: rollouts-sim's fault injection: --forbid (403 with the real
# Forbidden texts), the admin endpoint /sim/v1/faults, the deterministic
# error rate (429 plain text with Retry-After, 500 InternalError), watch
# drops and expiry, latency, and kubectl riding out 429s.
. "$(dirname "$0")/lib.sh"
RO=/apis/argoproj.io/v1alpha1/namespaces/demo/rollouts
AR=/apis/argoproj.io/v1alpha1/namespaces/demo/analysisruns

status_of() {
	jval '"%s %s %s" % (d.get("code"), d.get("reason"), d.get("message"))'
}

# ------------------------------------------------------------- --forbid
start_sim --fixtures "$FIXTURES/main" --forbid list:analysisruns --forbid 'patch:rollouts/status'
req GET "$AR"
expect_eq "$(printf '%s' "$BODY" | status_of)" \
	'403 Forbidden analysisruns.argoproj.io is forbidden: User "system:anonymous" cannot list resource "analysisruns" in API group "argoproj.io" in the namespace "demo"' \
	"--forbid list:analysisruns: 403 with the Forbidden text"
expect_eq "$(printf '%s' "$BODY" | jval '[d["kind"], d["status"], d["details"]]')" \
	'["Status","Failure",{"group":"argoproj.io","kind":"analysisruns"}]' "the 403 Status details"
req GET /apis/argoproj.io/v1alpha1/analysisruns
expect_eq "$(printf '%s' "$BODY" | status_of)" \
	'403 Forbidden analysisruns.argoproj.io is forbidden: User "system:anonymous" cannot list resource "analysisruns" in API group "argoproj.io" at the cluster scope' \
	"a forbidden list across namespaces: at the cluster scope"
req GET "$AR/web-run-1"
expect_eq "$CODE" "200" "get of an analysis run is still allowed"
watch_bg "$WORK/w0" "$AR?watch=true&resourceVersion=0"
expect_true "watch of analysis runs is still allowed" wait_until 10 file_has "$WORK/w0" '"name":"web-run-1"'
watch_stop "$WATCH_PID"
req GET "$RO"
expect_eq "$CODE" "200" "list of rollouts is still allowed"
req_json PATCH "$RO/web/status" application/merge-patch+json '{"status":{"phase":"Paused"}}'
expect_eq "$(printf '%s' "$BODY" | status_of)" \
	'403 Forbidden rollouts.argoproj.io "web" is forbidden: User "system:anonymous" cannot patch resource "rollouts/status" in API group "argoproj.io" in the namespace "demo"' \
	"--forbid patch:rollouts/status: 403 naming the object and the subresource"
req_json PATCH "$RO/web" application/merge-patch+json '{"spec":{"paused":true}}'
expect_eq "$CODE" "200" "a patch of the main resource is still allowed"
req GET /sim/v1/faults
expect_eq "$(printf '%s' "$BODY" | jval 'd["forbid"]')" '["list:analysisruns","patch:rollouts/status"]' \
	"the admin endpoint lists the forbid rules"

# ------------------------------------------------------ admin endpoint
req DELETE /sim/v1/faults
expect_eq "$CODE" "200" "DELETE /sim/v1/faults"
expect_eq "$(printf '%s' "$BODY" | jval 'd')" \
	'{"conflictWrites":0,"crashImages":[],"errorCode":500,"errorRate":0,"forbid":[],"latencyMs":0,"retryAfter":0,"statusless":[],"watchDropAfter":0,"watchExpire":false}' \
	"DELETE turns every fault off"
req GET "$AR"
expect_eq "$CODE" "200" "the list is allowed again after DELETE"
req_json PUT /sim/v1/faults application/json '{"latencyMs":5,"forbid":["get:pods","*:configmaps"]}'
expect_eq "$CODE" "200" "PUT /sim/v1/faults"
expect_eq "$(printf '%s' "$BODY" | jval '[d["latencyMs"], d["forbid"], d["errorRate"]]')" \
	'[5,["get:pods","*:configmaps"],0]' "PUT answers with the new settings"
req GET /sim/v1/faults
expect_eq "$(printf '%s' "$BODY" | jval '[d["latencyMs"], d["forbid"]]')" '[5,["get:pods","*:configmaps"]]' \
	"latencyMs and forbid read back"
req GET /api/v1/namespaces/demo/pods/shop-pod
expect_eq "$(printf '%s' "$BODY" | status_of)" \
	'403 Forbidden pods "shop-pod" is forbidden: User "system:anonymous" cannot get resource "pods" in API group "" in the namespace "demo"' \
	"a forbidden get of a core kind: API group \"\""
req GET /api/v1/namespaces/demo/configmaps
expect_eq "$CODE" "403" "*:configmaps forbids list"
req_json POST /api/v1/namespaces/demo/configmaps application/json '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}'
expect_eq "$CODE" "403" "*:configmaps forbids create"
req_json PUT /sim/v1/faults application/json '{"forbid":["get:namespaces","list:namespaces","watch:rollouts"]}'
req GET /api/v1/namespaces
expect_eq "$(printf '%s' "$BODY" | status_of)" \
	'403 Forbidden namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope' \
	"a forbidden list of a cluster-scoped kind: at the cluster scope"
# As kube-apiserver does: for /api/v1/namespaces/NAME kube-apiserver's request info takes
# NAME as the namespace, so the text ends 'in the namespace "demo"'
# (apiserver pkg/endpoints/request/requestinfo.go); rollouts-sim says 'at
# the cluster scope'
req GET /api/v1/namespaces/demo
expect_eq "$(printf '%s' "$BODY" | status_of)" \
	'403 Forbidden namespaces "demo" is forbidden: User "system:anonymous" cannot get resource "namespaces" in API group "" in the namespace "demo"' \
	"a forbidden get of a namespace names it as the namespace"
req GET "$RO?watch=true&resourceVersion=0"
expect_eq "$(printf '%s' "$BODY" | status_of)" \
	'403 Forbidden rollouts.argoproj.io is forbidden: User "system:anonymous" cannot watch resource "rollouts" in API group "argoproj.io" in the namespace "demo"' \
	"--forbid watch:rollouts: a watch gets a plain 403"
req GET "$RO"
expect_eq "$CODE" "200" "watch:rollouts leaves list alone"
req_json PUT /sim/v1/faults application/json '{"forbid":["get:pods","*:configmaps"]}'
req_json PATCH /sim/v1/faults application/json '{"retryAfter":3}'
expect_eq "$(printf '%s' "$BODY" | jval '[d["latencyMs"], d["retryAfter"], d["forbid"]]')" '[5,3,["get:pods","*:configmaps"]]' \
	"PATCH changes only the settings it names"
req_json POST /sim/v1/faults application/json '{"forbid":[]}'
expect_eq "$(printf '%s' "$BODY" | jval 'd["forbid"]')" '[]' "POST with an empty forbid list clears it"
req_json PUT /sim/v1/faults application/json '{"bogus":1}'
expect_eq "$CODE" "400" "an unknown setting: 400"
expect_contains "$(printf '%s' "$BODY" | jval 'd["message"]')" "bogus" "the 400 names the bad setting"
req_json PUT /sim/v1/faults application/json '{"errorRate":2}'
expect_eq "$CODE" "400" "errorRate 2: 400"
expect_contains "$(printf '%s' "$BODY" | jval 'd["message"]')" "errorRate" "the 400 names errorRate"
req_json PUT /sim/v1/faults application/json '{"errorCode":404}'
expect_eq "$CODE" "400" "errorCode 404: 400"
req_json PUT /sim/v1/faults application/json '{"latencyMs":7,"watchExpire":"yes"}'
expect_eq "$CODE" "400" "watchExpire must be a boolean"
req GET /sim/v1/faults
expect_eq "$(printf '%s' "$BODY" | jval '[d["latencyMs"], d["watchExpire"]]')" '[5,false]' \
	"a refused PUT changes nothing"
req_json PUT /sim/v1/faults application/json 'not json'
expect_eq "$CODE" "400" "a body that is not JSON: 400"
req GET /sim/v1/nothing
expect_eq "$CODE" "404" "an unknown admin path: 404"
req DELETE /sim/v1/faults

# -------------------------------------------------- error rate and 429
req_json PUT /sim/v1/faults application/json '{"errorRate":0.5,"errorCode":429,"retryAfter":2}'
expect_eq "$(printf '%s' "$BODY" | jval '[d["errorRate"], d["errorCode"], d["retryAfter"]]')" '[0.5,429,2]' \
	"errorRate 0.5, errorCode 429, retryAfter 2 set"
codes=""
for i in 1 2 3 4 5 6 7 8; do
	req GET "$RO"
	codes="$codes$CODE "
	if [ "$CODE" = 429 ]; then
		t429_body=$BODY
		t429_ct=$(header Content-Type)
		t429_ra=$(header Retry-After)
	fi
	# the admin endpoint and the health checks are not API requests
	if [ "$i" = 3 ]; then
		req GET /sim/v1/faults
		expect_eq "$CODE" "200" "the admin endpoint is never failed"
		req GET /healthz
		expect_eq "$CODE" "200" "/healthz is never failed"
	fi
done
expect_eq "$codes" "200 429 200 429 200 429 200 429 " "exactly every second API request gets 429"
expect_eq "${t429_body:-}" "Too many requests, please try again later." "the 429 body is the plain text of API Priority and Fairness"
expect_contains "${t429_ct:-}" "text/plain" "the 429 is text/plain"
expect_eq "${t429_ra:-}" "2" "the 429 carries Retry-After: 2"
req_json PUT /sim/v1/faults application/json '{"errorRate":0.25,"errorCode":500,"retryAfter":0}'
codes=""
for i in 1 2 3 4 5 6 7 8; do
	req GET "$RO/web"
	codes="$codes$CODE "
	if [ "$CODE" = 500 ]; then
		t500=$BODY
		t500_ra=$(header Retry-After)
		t500_ct=$(header Content-Type)
	fi
done
expect_eq "$codes" "200 200 200 500 200 200 200 500 " "errorRate 0.25 fails every fourth request"
expect_eq "$(printf '%s' "${t500:-{\}}" | jval '[d["kind"], d["status"], d["reason"], d["code"], d["message"].startswith("Internal error occurred: ")]')" \
	'["Status","Failure","InternalError",500,true]' "errorCode 500 gives an InternalError Status"
expect_eq "${t500_ct:-}" "application/json" "the 500 is JSON"
expect_eq "${t500_ra:-}" "" "no Retry-After when retryAfter is 0"
req_json PUT /sim/v1/faults application/json '{"errorRate":1,"errorCode":429,"retryAfter":0}'
req GET "$RO/web"
expect_eq "$CODE/$(header Retry-After)" "429/1" "a 429 always carries Retry-After (1 by default)"
req_json PUT /sim/v1/faults application/json '{"errorRate":1,"errorCode":503,"retryAfter":4}'
req GET "$RO/web"
expect_eq "$CODE/$(header Retry-After)" "503/4" "errorRate 1: every request fails, with the code and Retry-After set"
req DELETE /sim/v1/faults
req GET "$RO/web"
expect_eq "$CODE" "200" "DELETE stops the errors"

# ---------------------------------------------------------- watch faults
req GET "$RO"
LIST_RV=$(printf '%s' "$BODY" | jval 'd["metadata"]["resourceVersion"]')
req_json PUT /sim/v1/faults application/json '{"watchDropAfter":1}'
watch_bg "$WORK/w1" "$RO?watch=true&resourceVersion=$LIST_RV"
w1=$WATCH_PID
req_json PATCH "$RO/api" application/merge-patch+json '{"spec":{"replicas":4}}'
req_json PATCH "$RO/api" application/merge-patch+json '{"spec":{"replicas":5}}'
watch_end "$w1"
expect_ne "$WATCH_RC" "0" "watchDropAfter 1: the stream is cut, not ended cleanly"
expect_ne "$WATCH_RC" "running" "watchDropAfter 1: the stream ends"
expect_contains "18 56 92" "$WATCH_RC" "curl reports a transfer error (exit 18, 56 or 92; got $WATCH_RC)"
expect_eq "$(jlines 'd["type"] + " " + str(d["object"]["spec"]["replicas"])' <"$WORK/w1" | tr '\n' ',')" \
	"MODIFIED 4," "the cut stream delivered exactly one event"
req DELETE /sim/v1/faults

req GET "$RO"
LIST_RV=$(printf '%s' "$BODY" | jval 'd["metadata"]["resourceVersion"]')
req_json PUT /sim/v1/faults application/json '{"watchExpire":true}'
expect_eq "$(printf '%s' "$BODY" | jval 'd["watchExpire"]')" "true" "watchExpire set"
curl "${CURL_OPTS[@]}" -N -m 30 -o "$WORK/w2" "$BASE$RO?watch=true&resourceVersion=$LIST_RV"
expect_eq "$?" "0" "watchExpire: the resumed watch ends at once, cleanly"
expect_eq "$(jval '[d["type"], d["object"]["code"], d["object"]["reason"]]' <"$WORK/w2")" '["ERROR",410,"Expired"]' \
	"watchExpire: a watch resuming from a resourceVersion gets an ERROR 410 Expired event"
watch_bg "$WORK/w3" "$RO?watch=true&resourceVersion=0"
w3=$WATCH_PID
expect_true "watchExpire: a watch from resourceVersion 0 still starts" \
	wait_until 10 file_count_ge "$WORK/w3" '"type":"ADDED"' 3
watch_stop "$w3"
expect_not_contains "$(cat "$WORK/w3")" '"ERROR"' "watchExpire leaves watches without a resourceVersion alone"
req DELETE /sim/v1/faults
stop_sim

# ------------------------------------------------- the same by flags
start_sim --fault-error-rate 0.5 --fault-error-code 500 --fault-retry-after 3 \
	--fault-latency 1 --fault-watch-drop 7 --fault-watch-expire
req GET /sim/v1/faults
expect_eq "$(printf '%s' "$BODY" | jval 'd')" \
	'{"conflictWrites":0,"crashImages":[],"errorCode":500,"errorRate":0.5,"forbid":[],"latencyMs":1,"retryAfter":3,"statusless":[],"watchDropAfter":7,"watchExpire":true}' \
	"the fault flags show in the admin endpoint"
codes=""
for i in 1 2 3 4; do
	req GET /api/v1/namespaces
	codes="$codes$CODE "
done
expect_eq "$codes" "200 500 200 500 " "--fault-error-rate 0.5 --fault-error-code 500"
stop_sim

# ------------------------------------------------ kubectl rides out 429s
if need_kubectl_ok; then
	start_sim --fixtures "$FIXTURES/main" --fault-error-rate 0.5 --fault-error-code 429 --fault-retry-after 1
	expect_kc 0 "kubectl get with every second request answered 429" get rollouts -n demo
	expect_eq "$(printf '%s\n' "$KC_OUT" | awk 'NR > 1 {print $1}' | tr '\n' ' ')" "api web worker " \
		"kubectl retried and listed the rollouts"
	expect_true "kubectl repeated the requests answered 429" python3 - "$REQLOG" <<'EOF'
import collections, json, sys
seen = collections.Counter()
for line in open(sys.argv[1]):
    r = json.loads(line)
    seen[(r["method"], r["path"], r["query"])] += 1
sys.exit(0 if seen and max(seen.values()) >= 2 else 1)
EOF
else
	echo "# kubectl not available: the kubectl part is skipped"
fi

finish
