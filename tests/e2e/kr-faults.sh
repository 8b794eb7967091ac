#!/usr/bin/env bash
# kr-faults: the fault matrix (issue 10). `get rollout`, `status`,
# `get rollout -w --exit-on-complete` and `list rollouts -w` against
# rollouts-sim's faults: dropped watches, 410 Expired, a burst of 500s, a
# burst of 429 with Retry-After, latency (0.5 s, 1.5 s, 3 s), a server that
# accepts and never answers, and the server killed and restarted on the
# same port. Each case ends in the server's final state or with the
# documented exit code, and none reports a verdict the server never had
# (no "deleted", no Degraded). Exit codes and end states only: the manual
# clock moves the rollout, `timeout N` and the waits' bounds are safety nets.
#
# The watchers' case: web is Paused at a new revision and every watcher
# has printed it; web is promoted (its pods not ready yet), the fault is
# set, the clock advanced (web Healthy on the server); a fault that would
# stop everything (500s, 429s, no answer) is lifted once the watchers'
# requests have met it. Then status and get -w must end 0 on Healthy and
# list -w must print web's Healthy row.
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
# back-offs and Retry-After sleeps at half length (kube.h), to keep it short
export PDKIT_RETRY_SCALE=0.5
FFIX=$FIXTURES/faults
RO=/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts

E2E_CONTROLLER=1 start_sim --clock manual --fixtures "$FFIX/web.yaml"
KC=$KUBECONFIG_FILE

kr() {
	HOME=$WORK/home KUBECONFIG='' NO_COLOR=1 timeout 30 "$KR" \
		--kubeconfig "$KC" -n shop "$@" </dev/null
}

# kr_bg FILE ARGS...: a watcher in the background; its pid in KR_PID
kr_bg() {
	local out=$1
	shift
	HOME=$WORK/home KUBECONFIG='' NO_COLOR=1 timeout 60 "$KR" \
		--kubeconfig "$KC" -n shop "$@" </dev/null >"$out" 2>"$out.err" &
	KR_PID=$!
	E2E_BG="$E2E_BG $KR_PID"
}



faults() {
	req_json PUT /sim/v1/faults application/json "$1"
	[ "$CODE" = 200 ] || e2e_fail "faults $1" "HTTP $CODE: $BODY"
}

nofaults() {
	req DELETE /sim/v1/faults
}

# api_requests: how many API requests the log holds so far
api_requests() {
	grep -c '"path":"/api' "$REQLOG" 2>/dev/null || true
}

# requests_ge N: the log holds at least N API requests
requests_ge() {
	[ "$(api_requests)" -ge "$1" ]
}

VERSION=1
# paused: web at a new revision, stopped at its indefinite pause
paused() {
	VERSION=$((VERSION + 1))
	nofaults
	req_json PATCH "$RO/web" application/merge-patch+json \
		"{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"example/web:$VERSION.0\"}]}}}}"
	advance 10s
	req GET "$RO/web"
	[ "$(printf '%s' "$BODY" | jval 'd["status"]["phase"]')" = Paused ] ||
		e2e_fail "web is Paused at example/web:$VERSION.0" "$(printf '%s' "$BODY" | jval 'd["status"]')"
}

# promote: the plugin's promote of a canary pause, through the API
promote() {
	req_json PATCH "$RO/web/status" application/merge-patch+json '{"status":{"pauseConditions":null}}'
	[ "$CODE" = 200 ] || e2e_fail "promote web" "HTTP $CODE: $BODY"
}

# watchers [ARGS...]: start status, get -w and list -w (extra global
# flags in ARGS) and wait until each shows web Paused
watchers() {
	S=$WORK/$CASE.status
	G=$WORK/$CASE.get
	L=$WORK/$CASE.list
	kr_bg "$S" "$@" status web -t 50s
	S_PID=$KR_PID
	kr_bg "$G" "$@" get rollout web -w --exit-on-complete --timeout-seconds 50
	G_PID=$KR_PID
	kr_bg "$L" "$@" list rollouts -w
	L_PID=$KR_PID
	wait_until 15 file_has "$S" "Paused - CanaryPauseStep" &&
		wait_until 15 file_has "$G" "Status:          ॥ Paused" &&
		wait_until 15 grep -qE '^web +Canary +Paused' "$L" ||
		e2e_fail "$CASE: the watchers show web Paused first" \
			"status: $(cat "$S" "$S.err")" "get: $(tail -c 300 "$G"; cat "$G.err")" "list: $(cat "$L" "$L.err")"
}

# converged: status and get -w end 0 on Healthy, list -w prints web's
# Healthy row; no false verdict anywhere
converged() {
	bg_end "$S_PID"
	expect_eq "$BG_RC" 0 "$CASE: status ends 0"
	expect_eq "$(tail -n 1 "$S")" "Healthy" "$CASE: status's last line is Healthy"
	bg_end "$G_PID"
	expect_eq "$BG_RC" 0 "$CASE: get -w --exit-on-complete ends 0"
	expect_contains "$(tail -c 3000 "$G")" "Status:          ✔ Healthy" "$CASE: get -w's last view is Healthy"
	if wait_until 20 grep -qE '^web +Canary +Healthy' "$L"; then
		e2e_ok "$CASE: list -w prints web Healthy"
	else
		e2e_fail "$CASE: list -w prints web Healthy" "stdout: $(cat "$L")" "stderr: $(cat "$L.err")"
	fi
	if kill -0 "$L_PID" 2>/dev/null; then
		e2e_ok "$CASE: list -w still watching"
	else
		e2e_fail "$CASE: list -w still watching" "stderr: $(cat "$L.err")"
	fi
	kill -INT "$L_PID" 2>/dev/null
	bg_end "$L_PID"
	expect_eq "$BG_RC" 0 "$CASE: list -w ends 0 on SIGINT"
	local all
	all=$(cat "$S" "$S.err" "$G" "$G.err" "$L" "$L.err")
	expect_not_contains "$all" "deleted" "$CASE: nobody says deleted"
	expect_not_contains "$all" "Degraded" "$CASE: nobody says Degraded"
}

# run_case NAME FAULTS [LIFT [GLOBAL FLAGS...]]: the watchers' case.
# With LIFT = N, the fault is lifted once the log holds N API requests
# answered under it; LIFT = stall: after a pause of 3 s (the requests of a
# stall are answered only when it ends, so none is logged: the pause only
# gives the stall a length, nothing is measured); without, it stays on to
# the end.
run_case() {
	CASE=$1
	local f=$2 lift=${3:-}
	shift 3 2>/dev/null || shift $#
	paused
	watchers "$@"
	promote
	: >"$REQLOG"
	faults "$f"
	advance 30s
	if [ "$lift" = stall ]; then
		sleep 3
		nofaults
	elif [ -n "$lift" ]; then
		if wait_until 30 requests_ge "$lift"; then
			e2e_ok "$CASE: the watchers met the fault ($(api_requests) requests)"
		else
			e2e_fail "$CASE: the watchers met the fault" "$(api_requests) requests"
		fi
		nofaults
	fi
	converged
	nofaults
}

# ----------------------------------------------------- one-shot commands
advance 10s
paused
faults '{"watchDropAfter":1,"watchExpire":true}'
expect_exit 0 kr get rollout web
expect_contains "$OUT" "Status:          ॥ Paused" "drops and 410: get rollout shows Paused"
expect_exit 6 kr status web -t 2s
expect_eq "$OUT" "Paused - CanaryPauseStep" "drops and 410: status -t shows Paused, exit 6"
faults '{"watchDropAfter":0,"watchExpire":false,"errorRate":1,"errorCode":500}'
expect_exit 1 kr get rollout web
expect_eq "$OUT" "" "500s: get rollout prints no view"
expect_contains "$ERR" "injected fault" "500s: get rollout names the server's error"
expect_exit 1 kr status web -t 5s
expect_eq "$OUT" "" "500s: status prints no status"
expect_exit 1 kr list rollouts -w
faults '{"errorRate":0.5,"errorCode":429,"retryAfter":1}'
expect_exit 0 kr get rollout web
expect_contains "$OUT" "Status:          ॥ Paused" "every second request 429: get rollout rides them out"
expect_exit 0 kr status web --watch=false
expect_eq "$OUT" "Paused - CanaryPauseStep" "every second request 429: status --watch=false"
faults '{"errorRate":1,"errorCode":429,"retryAfter":1}'
expect_exit 6 kr status web -t 2s
expect_exit 0 kr get rollout web -w --timeout-seconds 2
expect_exit 6 kr get rollout web -w --timeout-seconds 2 --exit-on-complete
nofaults
for ms in 500 1500 3000; do
	faults "{\"latencyMs\":$ms}"
	expect_exit 0 kr get rollout web
	expect_contains "$OUT" "Status:          ॥ Paused" "latency $ms ms: get rollout shows Paused"
done
expect_exit 0 kr status web --watch=false
expect_eq "$OUT" "Paused - CanaryPauseStep" "latency 3000 ms: status --watch=false"
faults '{"latencyMs":1500}'
expect_exit 6 kr status web -t 4s
# its line, or none when the deadline came before the first sync
case "$OUT" in
"" | "Paused - CanaryPauseStep") e2e_ok "latency 1500 ms: status -t prints Paused or nothing" ;;
*) e2e_fail "latency 1500 ms: status -t prints Paused or nothing" "got: $OUT" ;;
esac
expect_not_contains "$ERR" "deleted" "latency 1500 ms: status -t never says deleted"
nofaults

# ------------------------------------------------------ the watchers
run_case drops '{"watchDropAfter":1}'
run_case expired '{"watchDropAfter":1,"watchExpire":true}'
run_case burst500 '{"watchDropAfter":1,"errorRate":1,"errorCode":500}' 3
run_case burst429 '{"watchDropAfter":1,"errorRate":1,"errorCode":429,"retryAfter":1}' 3
run_case latency500 '{"watchDropAfter":1,"latencyMs":500}'
run_case latency1500 '{"watchDropAfter":1,"latencyMs":1500}'
run_case latency3000 '{"watchDropAfter":2,"latencyMs":3000}'
# no answer for a while (a request's sleep of 10 min): each request is
# bounded by --request-timeout, the watchers retry and recover
run_case stall '{"watchDropAfter":1,"latencyMs":600000}' stall --request-timeout 1s

# ---------------------------- a server that accepts and never answers
"$E2E_PYTHON" -c '
import os, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(64)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    c, _ = s.accept()
    held.append(c)
' "$WORK/hang.port" </dev/null >/dev/null 2>&1 &
HANG_PID=$!
E2E_BG="$E2E_BG $HANG_PID"
wait_until 10 test -s "$WORK/hang.port"
hang() {
	HOME=$WORK/home KUBECONFIG='' NO_COLOR=1 timeout 20 "$KR" \
		--server "http://127.0.0.1:$(cat "$WORK/hang.port")" -n shop "$@" </dev/null
}
expect_exit 1 hang --request-timeout 1s get rollout web
expect_exit 6 hang status web -t 1s
expect_exit 0 hang get rollout web -w --timeout-seconds 1
expect_exit 6 hang get rollout web -w --timeout-seconds 1 --exit-on-complete
expect_exit 1 hang --request-timeout 1s list rollouts -w
expect_exit 1 hang --request-timeout 1s status web
kill "$HANG_PID" 2>/dev/null
wait "$HANG_PID" 2>/dev/null
e2e_forget "$HANG_PID"

# -------------------------- killed and restarted on the same port
CASE=restart
paused
watchers
OLD_PID=$SIM_PID
SIM_PID=""
kill -KILL "$OLD_PID"
wait "$OLD_PID" 2>/dev/null
e2e_forget "$OLD_PID"
expect_exit 1 kr get rollout web
expect_contains "$ERR" "127.0.0.1:$PORT" "server down: get rollout names the server"
# the same objects, a new server: web comes back at its first revision,
# Healthy once the clock moves (the final state)
E2E_CONTROLLER=1 start_sim --clock manual --fixtures "$FFIX/web.yaml" --listen "127.0.0.1:$PORT"
# the watchers come back (their back-off) and watch from their last
# resourceVersion: 11 watches (status 5, get -w 5, list -w 1)
if wait_until 30 bash -c "[ \$(grep -c 'watch=true' '$REQLOG') -ge 11 ]"; then
	e2e_ok "restart: the watchers watch the new server"
else
	e2e_fail "restart: the watchers watch the new server" "$(grep -c 'watch=true' "$REQLOG") watches"
fi
advance 10s
converged
expect_exit 0 kr get rollout web
expect_contains "$OUT" "Status:          ✔ Healthy" "restarted: get rollout shows Healthy"

# the stalled requests of the stall case sleep on in the first server's
# threads; this one stops cleanly
finish
