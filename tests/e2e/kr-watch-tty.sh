#!/usr/bin/env bash
# kr-watch-tty: `kubectl-rollouts get rollout NAME -w` on a terminal (a pty
# from script(1)): the view is drawn in place, the screen is cleared once,
# later redraws go home and overwrite line by line (ESC[K), clearing only
# below (ESC[J). Skipped (77), never passed, where script(1) is missing or
# no pty can be opened. The watch ends by itself (--exit-on-complete, the
# rollout made Healthy through the API), so nothing waits on a timeout.
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
KRFIX=$FIXTURES/kr
export PDKIT_NOW=2026-01-08T00:00:00Z

command -v script >/dev/null 2>&1 || skip "script(1) is not installed: no pty test"
# can a pty be opened here? script runs tty(1) on it
probe=$(SHELL=/bin/sh timeout 10 script -qec tty /dev/null </dev/null 2>&1 | tr -d '\r')
case $probe in
/dev/*) ;;
*) skip "no pty can be opened here (script -c tty: $(printf '%s' "$probe" | head -n 1))" ;;
esac

start_sim --no-controller --fixtures "$KRFIX/shop.yaml" --fixtures "$KRFIX/other.yaml"

patch_status() {
	req PATCH "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/$1/status" \
		-H 'Content-Type: application/merge-patch+json' --data-binary "$2"
	expect_eq "$CODE" 200 "PATCH rollouts/$1/status"
}

# script -c runs its command through $SHELL -c: the paths reach it through
# the environment, so any character in them (spaces in TMPDIR) is safe
PTY_KR=$KR PTY_KC=$KUBECONFIG_FILE SHELL=/bin/sh TERM=xterm HOME=$WORK/home KUBECONFIG='' \
	timeout 20 script -qfec \
	'"$PTY_KR" --kubeconfig "$PTY_KC" -n shop --no-color get rollout search -w --exit-on-complete' \
	"$WORK/pty.log" </dev/null >/dev/null 2>&1 &
PTY_PID=$!
E2E_BG="$E2E_BG $PTY_PID"
expect_true "tty: the first view appears" wait_until 10 file_has "$WORK/pty.log" "Name:"
patch_status search '{"status":{"message":"redrawn on a terminal"}}'
expect_true "tty: the change is redrawn" wait_until 10 file_has "$WORK/pty.log" "redrawn on a terminal"
patch_status search '{"status":{"phase":"Healthy","message":"","stableRS":"8e7d6c5b4","currentStepIndex":4,"replicas":4,"updatedReplicas":4,"readyReplicas":4,"availableReplicas":4}}'
watch_end "$PTY_PID"
expect_eq "$WATCH_RC" 0 "tty: the watch ends by itself once the rollout is Healthy (exit 0)"
pty=$(tr -d '\r' <"$WORK/pty.log")
esc=$(printf '\033')
clears=$(printf '%s' "$pty" | grep -o "$esc\\[2J" | wc -l)
homes=$(printf '%s' "$pty" | grep -o "$esc\\[H" | wc -l)
expect_eq "$clears" "1" "tty: the screen is cleared once, not on every redraw"
expect_true "tty: later views are drawn from the top again (ESC[H, $homes times)" test "$homes" -ge 2
expect_contains "$pty" "$esc[K" "tty: lines are overwritten in place (ESC[K)"
expect_contains "$pty" "$esc[J" "tty: what is below the view is cleared (ESC[J)"
expect_contains "$pty" "✔ Healthy" "tty: the last view shows Healthy"

finish
