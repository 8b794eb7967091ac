#!/usr/bin/env bash
# kr-dashboard-browser: the dashboard in a real browser. Debian's chromium,
# headless, is driven over the DevTools protocol (tests/browser/cdp.py, on
# --remote-debugging-pipe: no port, no network) by tests/browser/
# dash_test.py against rollouts-sim on its manual clock during a live
# canary: the list shows the rollouts and filters them, a rollout's page
# follows the canary to its next step without a reload, the promote button
# promotes the paused rollout, abort asks first then aborts, Tab reaches
# the buttons, and the read-only dashboard has no buttons and refuses a
# PUT. Skipped (77) without chromium or without the dashboard feature.
# DASH_SCREENSHOTS=DIR (by hand) also writes the README's screenshots.
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
BROWSER_DIR=$E2E_DIR/../browser
if [ -z "${CHROMIUM:-}" ] || [ ! -x "$CHROMIUM" ]; then
	CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
fi
[ -n "$CHROMIUM" ] || skip "chromium is not installed"
export CHROMIUM
if "$KR" dashboard --port -1 2>&1 | grep -q "built without the dashboard"; then
	skip "built without the dashboard feature"
fi

cat >"$WORK/shop.yaml" <<'YAML'
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: example/web:1.0}]}
  strategy:
    canary:
      steps: [{setWeight: 25}, {pause: {duration: 30s}}, {setWeight: 75}, {pause: {}}]
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: api, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: example/api:1.0}]}
  strategy:
    canary:
      steps: [{setWeight: 50}, {pause: {}}]
YAML

E2E_CONTROLLER=1 start_sim --clock manual --fixtures "$WORK/shop.yaml"
advance 10s
export KUBECONFIG=$KUBECONFIG_FILE

# dash_start NAME ARGS...: a dashboard in the background, its URL in DASH_URL
dash_start() {
	local name=$1
	shift
	"$KR" dashboard -n shop -p 0 "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
	DASH_PIDS="${DASH_PIDS:-} $!"
	E2E_BG="$E2E_BG $!"
	if ! wait_until 10 file_has "$WORK/$name.out" "http://"; then
		e2e_fail "dashboard $* prints its URL" "$(cat "$WORK/$name.err")"
		finish
	fi
	DASH_URL=$(head -n 1 "$WORK/$name.out")
}
dash_start rw
RW=$DASH_URL
dash_start ro --read-only
RO_URL=$DASH_URL

python3 "$BROWSER_DIR/dash_test.py" "$RW" "$RO_URL" "$BASE" ${DASH_SCREENSHOTS:+"$DASH_SCREENSHOTS"} \
	>"$WORK/browser.out" 2>"$WORK/browser.err"
rc=$?
if [ "$rc" = 77 ]; then
	skip "$(cat "$WORK/browser.out")"
fi
while IFS= read -r line; do
	case "$line" in
	"ok - "*) e2e_ok "${line#ok - }" ;;
	"not ok - "*) e2e_fail "${line#not ok - }" ;;
	*) echo "# $line" ;;
	esac
done <"$WORK/browser.out"
if [ "$rc" != 0 ]; then
	e2e_fail "the browser test ran to its end" "exit $rc" "$(tail -c 2000 "$WORK/browser.err")"
fi
[ "$E2E_CHECKS" -ge 20 ] || e2e_fail "the browser test made its checks" "only $E2E_CHECKS"
for p in $DASH_PIDS; do
	kill "$p"
	bg_end "$p"
	expect_eq "$BG_RC" 0 "the dashboard ends with 0 on SIGTERM"
done
finish
