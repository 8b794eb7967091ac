#!/bin/sh
# dash-screenshots.sh [BUILD_DIR]: the README's screenshots of the dashboard
# (docs/img/dashboard-list.png, docs/img/dashboard-rollout.png), taken with
# headless chromium (cdp.py, Page.captureScreenshot) against rollouts-sim
# playing the demo's production app: a good release paused at 30% with its
# analysis running. Run by hand; never by the tests.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
sim=$build/plugins/rollouts-sim/rollouts-sim
kr=$build/plugins/kubectl-rollouts/kubectl-rollouts
work=$(mktemp -d "${TMPDIR:-/tmp}/dash-shots.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
"$sim" --port-file "$work/port" --clock manual --kubeconfig "$work/kc" \
	--fixtures "$top/demo/production.yaml" >"$work/sim.log" 2>&1 &
pids="$pids $!"
while [ ! -s "$work/port" ]; do sleep 0.05; done
base=http://127.0.0.1:$(cat "$work/port")
export KUBECONFIG="$work/kc"
ro=devops-toolkit-devops-toolkit
advance() {
	curl -q --noproxy '*' -fsS -X POST "$base/sim/v1/clock?advance=$1" >/dev/null
}
"$sim" traffic "production/$ro" good >/dev/null
advance 10s
"$kr" set image "$ro" -n production devops-toolkit=vfarcic/devops-toolkit:600d600d >/dev/null
i=0
while [ $i -lt 30 ]; do
	advance 5s
	sleep 0.05
	i=$((i + 1))
done
# ages against the simulator's clock, not the wall clock
now=$(curl -q --noproxy '*' -fsS "$base/sim/v1/clock" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["now"])')
PDKIT_NOW=$now "$kr" dashboard -n production -p 0 >"$work/url" 2>"$work/dash.log" &
pids="$pids $!"
while [ ! -s "$work/url" ]; do sleep 0.05; done
mkdir -p "$top/docs/img"
python3 - "$(cat "$work/url")" "$top" <<'PY'
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(sys.argv[2], "tests", "browser"))
import cdp  # noqa: E402
url, top = sys.argv[1], sys.argv[2]
out = os.path.join(top, "docs", "img")
b = cdp.Browser(cdp.find_chromium() or "chromium")
try:
    p = b.new_page(url)
    p.wait_for("document.querySelectorAll('#rows tr').length >= 1", 10)
    p.viewport(1000, 330)
    p.screenshot(os.path.join(out, "dashboard-list.png"), full=False)
    p.send("Emulation.clearDeviceMetricsOverride")
    p.goto(url + "rollout/production/devops-toolkit-devops-toolkit")
    p.wait_for("document.querySelector('.runs .metric')", 10)
    p.viewport(1000, 100)
    h = p.eval("document.documentElement.scrollHeight")
    p.viewport(1000, min(h, 2000))
    p.screenshot(os.path.join(out, "dashboard-rollout.png"), full=False)
finally:
    b.close()
PY
echo "wrote docs/img/dashboard-list.png and docs/img/dashboard-rollout.png"
