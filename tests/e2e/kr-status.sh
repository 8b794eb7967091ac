#!/usr/bin/env bash
# kr-status: `kubectl-rollouts status` against rollouts-sim, with the
# fixtures of tests/e2e/fixtures/kr (namespace shop): web (Healthy canary),
# checkout (Paused blue-green), payments (aborted canary, Degraded) and
# search (Progressing canary). --watch=false prints the plugin's line once
# (exit 0, or 7 for Degraded); the watch (the default) ends on Healthy (0),
# Degraded (7), --timeout (6) or SIGINT (6), and follows status changes
# made through the API while it runs.
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
KRFIX=$FIXTURES/kr
export PDKIT_NOW=2026-01-08T00:00:00Z
ABORTED='RolloutAborted: Rollout aborted update to revision 3: Metric "error-rate" assessed Failed due to failed (3) > failureLimit (2)'

start_sim --no-controller --fixtures "$KRFIX/shop.yaml" --fixtures "$KRFIX/other.yaml"

kr() {
	HOME=$WORK/home KUBECONFIG='' timeout 20 "$KR" --kubeconfig "$KUBECONFIG_FILE" -n shop "$@" </dev/null
}

# kr_bg FILE ARGS...: kubectl-rollouts in the background; its pid in KR_PID
kr_bg() {
	local out=$1
	shift
	HOME=$WORK/home KUBECONFIG='' "$KR" --kubeconfig "$KUBECONFIG_FILE" -n shop "$@" \
		</dev/null >"$out" 2>"$out.err" &
	KR_PID=$!
	E2E_BG="$E2E_BG $KR_PID"
}

# patch_status NAME JSON: a merge patch of the rollout's status subresource
patch_status() {
	req PATCH "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/$1/status" \
		-H 'Content-Type: application/merge-patch+json' --data-binary "$2"
	expect_eq "$CODE" 200 "PATCH rollouts/$1/status"
}

lines() {
	printf '%s' "$1" | grep -c ''
}

# ------------------------------------------------------- --watch=false
expect_exit 0 kr status web --watch=false
expect_eq "$OUT" "Healthy" "status web --watch=false: Healthy alone"
expect_eq "$ERR" "" "status web --watch=false: nothing on stderr"

expect_exit 0 kr status checkout --watch=false
expect_eq "$OUT" "Paused - BlueGreenPause" "status checkout --watch=false"
expect_eq "$ERR" "" "status checkout --watch=false: nothing on stderr"

expect_exit 7 kr status payments --watch=false
expect_eq "$OUT" "Degraded" "status payments --watch=false: Degraded alone"
expect_eq "$(lines "$ERR")" 1 "status payments --watch=false: one line on stderr"
expect_contains "$ERR" "kubectl-rollouts: error: " "status payments --watch=false: an error line"
expect_contains "$ERR" "$ABORTED" "status payments --watch=false: the error carries the message"

expect_exit 0 kr status search --watch=false
expect_eq "$OUT" "Progressing - more replicas need to be updated" "status search --watch=false"

# -w=false and --watch false-y spellings are the same flag
expect_exit 0 kr status checkout -w=false
expect_eq "$OUT" "Paused - BlueGreenPause" "status checkout -w=false"
expect_exit 0 kr status --watch=0 checkout
expect_eq "$OUT" "Paused - BlueGreenPause" "status --watch=0 checkout (flag before the name)"

# ------------------------------------------------------------- watching
# a Healthy rollout ends the watch by itself: exit 0, not timeout's 124
expect_exit 0 kr status web
expect_eq "$OUT" "Healthy" "status web (watch): one line, Healthy"

expect_exit 7 kr status payments
expect_eq "$OUT" "Degraded - $ABORTED" "status payments (watch): the Degraded line"
expect_eq "$(lines "$ERR")" 1 "status payments (watch): one line on stderr"
expect_contains "$ERR" "kubectl-rollouts: error: " "status payments (watch): an error line"

# a rollout that never finishes: --timeout ends the watch with exit 6 (the
# exit code and message are checked, never the time it took)
expect_exit 6 kr status search --timeout 1s
expect_eq "$OUT" "Progressing - more replicas need to be updated" \
	"status search --timeout 1s: its line, printed once"
expect_eq "$(lines "$ERR")" 1 "status search --timeout 1s: one line on stderr"
expect_contains "$ERR" "kubectl-rollouts: error: " "status search --timeout 1s: an error line"

expect_exit 6 kr status checkout -t 300ms
expect_eq "$OUT" "Paused - BlueGreenPause" "status checkout -t 300ms: Paused does not end the watch"

# the watch sees the rollout become Healthy
W=$WORK/status-search.out
kr_bg "$W" status search --timeout 30s
if wait_until 10 file_has "$W" "Progressing - more replicas need to be updated"; then
	e2e_ok "status search (background): the first line"
else
	e2e_fail "status search (background): the first line" "stdout: $(cat "$W")" "stderr: $(cat "$W.err")"
fi
patch_status search '{"status":{"phase":"Healthy","message":"","stableRS":"8e7d6c5b4","currentStepIndex":4,"replicas":4,"updatedReplicas":4,"readyReplicas":4,"availableReplicas":4}}'
watch_end "$KR_PID"
expect_eq "$WATCH_RC" 0 "status search: exit 0 once the rollout is Healthy"
expect_eq "$(cat "$W")" "Progressing - more replicas need to be updated
Healthy" "status search: a second line, Healthy"
expect_eq "$(cat "$W.err")" "" "status search: nothing on stderr"
expect_true "the watch listed rollouts by name" \
	reqlog_has GET /apis/argoproj.io/v1alpha1/namespaces/shop/rollouts "fieldSelector=metadata.name%3Dsearch"
expect_true "the watch watched rollouts" \
	reqlog_has GET /apis/argoproj.io/v1alpha1/namespaces/shop/rollouts "watch"

# SIGINT during a watch: exit 6
W=$WORK/status-int.out
kr_bg "$W" status checkout
if wait_until 10 file_has "$W" "Paused - BlueGreenPause"; then
	e2e_ok "status checkout (background): the first line"
else
	e2e_fail "status checkout (background): the first line" "stderr: $(cat "$W.err")"
fi
kill -INT "$KR_PID"
watch_end "$KR_PID"
expect_eq "$WATCH_RC" 6 "status checkout: SIGINT ends the watch with exit 6"
expect_eq "$(cat "$W")" "Paused - BlueGreenPause" "status checkout: one line before SIGINT"
expect_eq "$(grep -c '' "$W.err")" 1 "status checkout after SIGINT: one line on stderr"
expect_contains "$(cat "$W.err")" "kubectl-rollouts: error: " "status checkout after SIGINT: an error line"

# SIGTERM is an interrupt too
W=$WORK/status-term.out
kr_bg "$W" status checkout
wait_until 10 file_has "$W" "Paused - BlueGreenPause"
kill -TERM "$KR_PID"
watch_end "$KR_PID"
expect_eq "$WATCH_RC" 6 "status checkout: SIGTERM ends the watch with exit 6"

# the watch sees the rollout become Degraded (aborted): exit 7
W=$WORK/status-abort.out
kr_bg "$W" status checkout --timeout 30s
wait_until 10 file_has "$W" "Paused - BlueGreenPause"
patch_status checkout '{"status":{"phase":"Degraded","message":"RolloutAborted: Rollout aborted update to revision 2","abort":true,"pauseConditions":null,"controllerPause":null}}'
watch_end "$KR_PID"
expect_eq "$WATCH_RC" 7 "status checkout: exit 7 once the rollout is aborted"
expect_eq "$(cat "$W")" "Paused - BlueGreenPause
Degraded - RolloutAborted: Rollout aborted update to revision 2" "status checkout: the Degraded line follows"
expect_contains "$(cat "$W.err")" "RolloutAborted: Rollout aborted update to revision 2" \
	"status checkout aborted: stderr carries the message"

# a change that leaves the line as it is prints nothing new
patch_status search '{"status":{"phase":"Progressing","message":"updated replicas are still becoming available","availableReplicas":3}}'
W=$WORK/status-same.out
kr_bg "$W" status search --timeout 30s
wait_until 10 file_has "$W" "Progressing - updated replicas are still becoming available"
patch_status search '{"status":{"readyReplicas":3}}'
patch_status search '{"status":{"phase":"Healthy","message":"","readyReplicas":4,"availableReplicas":4}}'
watch_end "$KR_PID"
expect_eq "$WATCH_RC" 0 "status search (Healthy again): exit 0"
expect_eq "$(cat "$W")" "Progressing - updated replicas are still becoming available
Healthy" "status search: a change that keeps the line prints nothing"

# watch streams cut after every event: the watch carries on
req PUT /sim/v1/faults -H 'Content-Type: application/json' --data-binary '{"watchDropAfter":1}'
expect_eq "$CODE" 200 "faults: watch streams cut after one event"
patch_status search '{"status":{"phase":"Progressing","message":"more replicas need to be updated","updatedReplicas":1}}'
W=$WORK/status-drop.out
kr_bg "$W" status search --timeout 30s
wait_until 10 file_has "$W" "Progressing - more replicas need to be updated"
patch_status search '{"status":{"updatedReplicas":2}}'
patch_status search '{"status":{"phase":"Progressing","message":"updated replicas are still becoming available"}}'
wait_until 10 file_has "$W" "Progressing - updated replicas are still becoming available"
patch_status search '{"status":{"phase":"Healthy","message":"","updatedReplicas":4}}'
watch_end "$KR_PID"
expect_eq "$WATCH_RC" 0 "status search with cut watch streams: exit 0 on Healthy"
expect_eq "$(cat "$W")" "Progressing - more replicas need to be updated
Progressing - updated replicas are still becoming available
Healthy" "status search with cut watch streams: every line, once"
req DELETE /sim/v1/faults

finish
