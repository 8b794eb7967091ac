#!/bin/sh
# demo-check: the README's demo (scripts/demo.sh) end to end, at 30x, as a
# test: it must end by itself with exit 0 (release 0 deployed, release 1
# aborted by analysis, release 2 promoted) and say so, and leave nothing
# running (its servers are its own children).
#   demo-check.sh SOURCE_ROOT BUILD_ROOT
set -u
src=$1
build=$2
command -v git >/dev/null 2>&1 || { echo "SKIP: git is not installed"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
out=${TMPDIR:-/tmp}/demo-check.$$
PDKIT_DEMO_SCALE=30 timeout 300 sh "$src/scripts/demo.sh" "$build" >"$out" 2>&1
rc=$?
fail=0
check() {
	if grep -q "$1" "$out"; then
		echo "ok - $2"
	else
		echo "not ok - $2"
		fail=1
	fi
}
if [ "$rc" = 0 ]; then echo "ok - the demo exits 0"; else echo "not ok - the demo exits 0 (got $rc)"; fail=1; fi
check "release 0: deployed (Healthy)" "release 0 deployed"
check "release 1 (bad traffic): aborted by analysis, rolled back" "release 1 aborted by analysis"
check "release 2 (good traffic): promoted to stable" "release 2 promoted"
check "pull request: http://127.0.0.1:[0-9]*/vfarcic/argocd-production/pull/1" "a pull request was opened"
check "^devops-toolkit *Synced *Healthy" "kubectl get applications shows the app Synced and Healthy"
check "GitOps: devops-toolkit Synced to [0-9a-f]\{7\}, Healthy; production Synced to" "status --revision follows the app of apps"
check '"application": "devops-toolkit"' "get rollout -o json carries the trace"
echo "1..8"
if [ "$fail" != 0 ]; then
	echo "# the demo's output:"
	sed 's/^/# /' "$out"
fi
rm -f "$out"
exit $fail
