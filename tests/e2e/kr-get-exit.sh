#!/usr/bin/env bash
# kr-get-exit: `get rollout -w --exit-on-complete` gives 0 only when the
# rollout is Healthy: a --timeout-seconds that runs out or an interrupt
# first gives 6 with one error line; without --exit-on-complete both end
# the watch normally (0), as the plugin does. Exit codes and end states
# only, no durations.
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
start_sim --no-controller --fixtures "$FIXTURES/kr/shop.yaml"

kr() {
	HOME=$WORK/home KUBECONFIG='' NO_COLOR=1 timeout 30 "$KR" \
		--kubeconfig "$KUBECONFIG_FILE" -n shop "$@" </dev/null
}

# checkout is Paused and stays so (no controller)
expect_exit 6 kr get rollout checkout -w --exit-on-complete --timeout-seconds 1
expect_eq "$ERR" "kubectl-rollouts: error: rollout 'checkout' did not complete within 1s" \
	"--exit-on-complete: a timeout is exit 6 with one line"
expect_contains "$OUT" "Name:            checkout" "the view was drawn first"
expect_exit 0 kr get rollout checkout -w --timeout-seconds 1
expect_eq "$ERR" "" "without --exit-on-complete a timeout ends the watch quietly"
expect_exit 0 kr get rollout web -w --exit-on-complete --timeout-seconds 5
expect_eq "$ERR" "" "a Healthy rollout completes at once with 0"

# an interrupt: SIGINT once the view is on stdout
interrupted() {
	local out=$WORK/int.out err=$WORK/int.err pid rc
	HOME=$WORK/home KUBECONFIG='' NO_COLOR=1 "$KR" --kubeconfig "$KUBECONFIG_FILE" \
		-n shop get rollout checkout -w "$@" >"$out" 2>"$err" </dev/null &
	pid=$!
	wait_until 20 file_has "$out" "Name:"
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	cat "$err" >&2
	return "$rc"
}
expect_exit 6 interrupted --exit-on-complete
expect_eq "$ERR" "kubectl-rollouts: error: rollout 'checkout' watch interrupted before it completed" \
	"--exit-on-complete: an interrupt is exit 6 with one line"
expect_exit 0 interrupted
expect_eq "$ERR" "" "without --exit-on-complete Ctrl-C ends the watch with 0"
finish
