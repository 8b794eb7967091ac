#!/bin/sh
# demo: start rollouts-sim with the tutorial's production objects and show
# them the way an operator would, with kubectl when it is installed and with
# plain HTTP otherwise. Pass --keep to leave the server running.
#   scripts/demo.sh BUILD_DIR [--keep]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
keep=${2:-}
sim=$build/plugins/rollouts-sim/rollouts-sim
kr=$build/plugins/kubectl-rollouts/kubectl-rollouts
work=$(mktemp -d "${TMPDIR:-/tmp}/pdkit-demo.XXXXXX")
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
[ "$keep" = --keep ] || trap cleanup EXIT INT TERM

"$sim" --fixtures "$top/demo/production.yaml" --no-controller \
	--port-file "$work/port" --kubeconfig "$work/kubeconfig" &
pid=$!
i=0
while [ ! -s "$work/port" ]; do
	i=$((i + 1))
	if [ $i -gt 200 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "demo: error: rollouts-sim did not start" >&2
		exit 1
	fi
	sleep 0.05
done
port=$(cat "$work/port")
base=http://127.0.0.1:$port

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

echo "rollouts-sim is serving the tutorial's production namespace on $base"
echo "kubeconfig: $work/kubeconfig"

say kubectl rollouts get rollout devops-toolkit-devops-toolkit -n production
KUBECONFIG=$work/kubeconfig "$kr" get rollout devops-toolkit-devops-toolkit -n production
say kubectl rollouts list rollouts -A
KUBECONFIG=$work/kubeconfig "$kr" list rollouts -A
say kubectl rollouts status devops-toolkit-devops-toolkit -n production --watch=false
KUBECONFIG=$work/kubeconfig "$kr" status devops-toolkit-devops-toolkit -n production --watch=false

kubectl=""
[ -n "${PDKIT_DEMO_NO_KUBECTL:-}" ] || for k in /usr/lib/google-cloud-sdk/bin/kubectl.1.32 kubectl; do
	if command -v "$k" >/dev/null 2>&1; then
		kubectl=$k
		break
	fi
done
if [ -n "$kubectl" ]; then
	kc="$kubectl --kubeconfig $work/kubeconfig --cache-dir $work/cache"
	say kubectl get rollouts,analysistemplates -n production
	$kc get rollouts,analysistemplates -n production
	say kubectl get replicasets,pods,services -n production
	$kc get replicasets,pods,services -n production
	say kubectl get virtualservices -n production -o jsonpath='{.items[0].spec.http[0].route[*].weight}'
	$kc get virtualservices -n production -o jsonpath='{.items[0].spec.http[0].route[*].weight}'
	echo
	say kubectl get rollout devops-toolkit-devops-toolkit -n production -o jsonpath='{.status.phase} {.status.stableRS} {.spec.template.spec.containers[0].image}'
	$kc get rollout devops-toolkit-devops-toolkit -n production \
		-o jsonpath='{.status.phase} {.status.stableRS} {.spec.template.spec.containers[0].image}'
	echo
else
	say curl $base/apis/argoproj.io/v1alpha1/namespaces/production/rollouts/devops-toolkit-devops-toolkit
	curl -fsS "$base/apis/argoproj.io/v1alpha1/namespaces/production/rollouts/devops-toolkit-devops-toolkit" |
		python3 -c 'import json,sys; r=json.load(sys.stdin); s=r["status"]; c=r["spec"]["template"]["spec"]["containers"][0]
print("Name:     ", r["metadata"]["name"]); print("Namespace:", r["metadata"]["namespace"])
print("Status:   ", s["phase"]); print("Strategy:  Canary, steps", len(r["spec"]["strategy"]["canary"]["steps"]))
print("Image:    ", c["image"], "(stable)"); print("Replicas:  desired", r["spec"]["replicas"], "ready", s["readyReplicas"])'
	for what in "api/v1/namespaces/production/pods" "apis/apps/v1/namespaces/production/replicasets" "api/v1/namespaces/production/services"; do
		say curl $base/$what
		curl -fsS "$base/$what" | python3 -c 'import json,sys; [print(i["metadata"]["name"]) for i in json.load(sys.stdin)["items"]]'
	done
fi
if [ "$keep" = --keep ]; then
	echo
	echo "rollouts-sim keeps running (pid $pid); stop it with: kill $pid"
	echo "try: kubectl --kubeconfig $work/kubeconfig get rollouts -n production -w"
fi
