#!/bin/sh
# demo: play the tutorial's canary release without a cluster. rollouts-sim
# serves the production app (Rollout devops-toolkit-devops-toolkit, 2
# replicas, steps 10% / 2m / 30% / 30s / 50% / 30s, background analysis
# from step 2 on the two Prometheus metrics, Istio VirtualService) with its
# Argo Rollouts controller running six times faster than real time. Then:
#   1. a release under bad traffic: the analysis fails, Argo aborts and
#      rolls back (Degraded);
#   2. a release under good traffic: it rolls forward to Healthy.
# Both are shown live with `kubectl rollouts get rollout --watch`. It ends
# by itself in under a minute (54 s measured) and leaves nothing running.
#   scripts/demo.sh [BUILD_DIR] [--keep]     (--keep: leave the server up)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
keep=${2:-}
sim=$build/plugins/rollouts-sim/rollouts-sim
kr=$build/plugins/kubectl-rollouts/kubectl-rollouts
ns=production
ro=devops-toolkit-devops-toolkit
scale=${PDKIT_DEMO_SCALE:-6}
work=$(mktemp -d "${TMPDIR:-/tmp}/pdkit-demo.XXXXXX")
pid=
cleanup() {
	if [ -n "$pid" ] && [ "$keep" != --keep ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	[ "$keep" = --keep ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$sim" --fixtures "$top/demo/production.yaml" --time-scale "$scale" \
	--seed 42 --port-file "$work/port" --kubeconfig "$work/kubeconfig" \
	2>"$work/sim.log" &
pid=$!
i=0
while [ ! -s "$work/port" ]; do
	i=$((i + 1))
	if [ $i -gt 200 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "demo: error: rollouts-sim did not start:" >&2
		cat "$work/sim.log" >&2
		exit 1
	fi
	sleep 0.05
done
export KUBECONFIG="$work/kubeconfig"
unset NO_COLOR

say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
run() { printf '\033[1m$ %s\033[0m\n' "$*" | sed "s|$kr|kubectl rollouts|; s|$sim|rollouts-sim|"; "$@"; }

# wait until the rollout leaves the state it is in (the controller reacts
# within moments of a change), at most 10 s
wait_leave() {
	i=0
	while [ $i -lt 100 ]; do
		s=$("$kr" status "$ro" -n "$ns" --watch=false 2>/dev/null || true)
		case $s in "$1"*) ;; *) return 0 ;; esac
		i=$((i + 1))
		sleep 0.1
	done
}

echo "rollouts-sim serves the tutorial's production namespace; its controller runs ${scale}x faster than real time."
say "The app as Argo CD left it: revision 1, Healthy"
run "$kr" get rollout "$ro" -n "$ns"
run "$kr" list rollouts -n "$ns"

say "Release 1: a build whose traffic fails (the tutorial's curl loop on a missing path)"
run "$sim" traffic "$ns/$ro" bad
run "$kr" set image "$ro" -n "$ns" "devops-toolkit=vfarcic/devops-toolkit:0bad0bad"
wait_leave Healthy
say "Watching: 10% of traffic, a 2 minute pause, then the background analysis judges it"
rc=0
"$kr" get rollout "$ro" -n "$ns" --watch --exit-on-complete \
	--timeout-seconds 120 || rc=$?
echo
if [ "$rc" = 7 ]; then
	echo "=> the analysis failed, Argo Rollouts aborted the release and sent all traffic back to stable (exit 7, Degraded)."
else
	echo "=> unexpected: the watch ended with exit $rc"
fi
run "$kr" status "$ro" -n "$ns" --watch=false || true

say "Release 2: a good build, under good traffic"
run "$sim" traffic "$ns/$ro" good
run "$kr" set image "$ro" -n "$ns" "devops-toolkit=vfarcic/devops-toolkit:600d600d"
wait_leave Degraded
rc2=0
"$kr" get rollout "$ro" -n "$ns" --watch --exit-on-complete \
	--timeout-seconds 120 || rc2=$?
echo
if [ "$rc2" = 0 ]; then
	echo "=> every step passed and the analysis stayed green: the new version is stable (Healthy)."
else
	echo "=> unexpected: the watch ended with exit $rc2"
fi

say "What happened"
"$kr" get rollout "$ro" -n "$ns" --no-color | sed -n '/^NAME/,$p'
runs=$(curl -fsS "http://127.0.0.1:$(cat "$work/port")/apis/argoproj.io/v1alpha1/namespaces/$ns/analysisruns" 2>/dev/null |
	python3 -c 'import json,sys
for a in json.load(sys.stdin)["items"]:
    s = a.get("status", {})
    print("  AnalysisRun %s: %s%s" % (a["metadata"]["name"], s.get("phase"), (" - " + s["message"]) if s.get("message") else ""))' 2>/dev/null || true)
[ -n "$runs" ] && printf '%s\n' "$runs"
echo "  release 1 (bad traffic): $([ "$rc" = 7 ] && echo 'aborted by analysis, rolled back' || echo "exit $rc")"
echo "  release 2 (good traffic): $([ "$rc2" = 0 ] && echo 'promoted to stable' || echo "exit $rc2")"
if [ "$keep" = --keep ]; then
	echo
	echo "rollouts-sim keeps running (pid $pid); KUBECONFIG=$work/kubeconfig; stop it with: kill $pid"
fi
[ "$rc" = 7 ] && [ "$rc2" = 0 ]
