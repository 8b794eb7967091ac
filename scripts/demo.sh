#!/bin/sh
# demo: the whole tutorial on a laptop, without a cluster or a forge account.
#   forge-sim     a local GitHub holding the app repo (vfarcic/devops-toolkit:
#                 production.yaml and the chart in demo/app) and the env repo
#                 (vfarcic/argocd-production: project, app of apps, demo/env)
#   rollouts-sim  a Kubernetes API with Argo CD and Argo Rollouts simulated,
#                 their clocks running faster than real time
# Then, as the tutorial's pipeline and operators would:
#   0. the first release goes straight to the env repo (pipeline-pr --direct);
#      Argo CD syncs the app of apps, then the app: the canary is Healthy;
#   1. release 1 under bad traffic: gitops-render + pipeline-pr open a pull
#      request, it is merged, Argo CD syncs the merge commit, the canary
#      starts, the analysis fails and Argo Rollouts aborts it (Degraded);
#   2. release 2 under good traffic: the same, and the canary is promoted.
# `kubectl rollouts status --revision SHA` follows each release from the merge
# commit to its result. It ends by itself in under two minutes and leaves
# nothing running.
#   scripts/demo.sh [BUILD_DIR] [--keep]     (--keep: leave the servers up)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
keep=${2:-}
sim=$build/plugins/rollouts-sim/rollouts-sim
forge=$build/plugins/forge-sim/forge-sim
kr=$build/plugins/kubectl-rollouts/kubectl-rollouts
gr=$build/plugins/gitops-render/gitops-render
ppr=$build/plugins/pipeline-pr/pipeline-pr
ns=production
ro=devops-toolkit-devops-toolkit
scale=${PDKIT_DEMO_SCALE:-10}
work=$(mktemp -d "${TMPDIR:-/tmp}/pdkit-demo.XXXXXX")
simpid=
forgepid=
cleanup() {
	if [ "$keep" != --keep ]; then
		for p in $simpid $forgepid; do
			kill "$p" 2>/dev/null || true
			wait "$p" 2>/dev/null || true
		done
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# git, hermetic: no system or user configuration, no prompts
export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
mkdir -p "$HOME"
export GIT_AUTHOR_NAME="Viktor Farcic" GIT_AUTHOR_EMAIL="viktor@example.com"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
unset NO_COLOR

wait_port() { # FILE PID LOG
	i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$2" 2>/dev/null; then
			echo "demo: error: a server did not start:" >&2
			cat "$3" >&2
			exit 1
		fi
		sleep 0.05
	done
}

# the forge, with a token the pipeline reads from a file (never argv)
umask 077
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/token"
umask 022
mkdir -p "$work/forge"
"$forge" --root "$work/forge" --token-file "$work/token" \
	--port-file "$work/forge.port" 2>"$work/forge.log" &
forgepid=$!
wait_port "$work/forge.port" "$forgepid" "$work/forge.log"
fport=$(cat "$work/forge.port")
furl=http://127.0.0.1:$fport
app_repo=$furl/vfarcic/devops-toolkit.git
env_repo=$furl/vfarcic/argocd-production.git

# the cluster: Argo CD and Argo Rollouts
"$sim" --time-scale "$scale" --seed 42 --port-file "$work/sim.port" \
	--kubeconfig "$work/kubeconfig" 2>"$work/sim.log" &
simpid=$!
wait_port "$work/sim.port" "$simpid" "$work/sim.log"
api=http://127.0.0.1:$(cat "$work/sim.port")
export KUBECONFIG="$work/kubeconfig"

# python3 may be a version manager's shim, slow to start: resolve it once
py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || command -v python3)
python3() { "$py" "$@"; }

say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
show() { printf '\033[1m$ %s\033[0m\n' "$*"; }
# the command as a person types it
show_cmd() {
	show "$*" | sed "s|$kr|kubectl rollouts|; s|$sim|rollouts-sim|; s|$ppr|pipeline-pr|; s|$gr|gitops-render|; s|$top/||g; s|$work/||g"
}
run() {
	show_cmd "$@"
	"$@"
}
api() { # METHOD PATH [CURL ARGS]: the API as kubectl would use it
	m=$1
	p=$2
	shift 2
	curl -q --noproxy '*' -fsS -X "$m" "$@" "$api$p"
}
# kubectl apply --server-side -f - of one object (the demo has no kubectl)
apply() { # OBJECT_PATH
	api PATCH "$1?fieldManager=kubectl" \
		-H 'Content-Type: application/apply-patch+yaml' --data-binary @- >/dev/null
}
# `kubectl get applications -n argocd`, printed from the API's Table
apps_table() {
	show "kubectl get applications -n argocd"
	api GET /apis/argoproj.io/v1alpha1/namespaces/argocd/applications \
		-H 'Accept: application/json;as=Table;v=v1;g=meta.k8s.io' |
		python3 -c '
import json, sys
t = json.load(sys.stdin)
cols = [c["name"].upper() for c in t["columnDefinitions"] if c.get("priority", 0) == 0]
rows = [[str(c) for c, d in zip(r["cells"], t["columnDefinitions"]) if d.get("priority", 0) == 0] for r in t["rows"]]
w = [max(len(x) for x in col) for col in zip(cols, *rows)]
for r in [cols] + rows:
    print("   ".join(x.ljust(n) for x, n in zip(r, w)).rstrip())'
}
# a push to the forge: as a CI runner would, the token in the environment
push_dir() { # DIR OWNER/NAME MESSAGE
	d=$(mktemp -d "$work/seed.XXXXXX")
	cp -R "$1/." "$d/"
	git -C "$d" init -q -b master
	git -C "$d" add -A
	git -C "$d" commit -q -m "$3"
	api POST /sim/v1/repos >/dev/null 2>&1 || true
	curl -q --noproxy '*' -fsS -X POST -H 'Content-Type: application/json' \
		--data-binary "{\"name\":\"$2\",\"defaultBranch\":\"master\"}" \
		"$furl/sim/v1/repos" >/dev/null
	auth=$(printf 'x-access-token:%s' "$(cat "$work/token")" | base64 | tr -d '\n')
	GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=http.extraHeader \
	GIT_CONFIG_VALUE_0="Authorization: Basic $auth" \
		git -C "$d" push -q "$furl/$2.git" master 2>>"$work/git.log"
	git -C "$d" rev-parse HEAD
}
# the app of apps asks Argo CD to look now (as a forge webhook does)
refresh() {
	for a in production devops-toolkit; do
		api PATCH "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/$a" \
			-H 'Content-Type: application/merge-patch+json' \
			--data-binary '{"metadata":{"annotations":{"argocd.argoproj.io/refresh":"normal"}}}' \
			>/dev/null 2>&1 || true
	done
}
# one release: render, branch, commit, push, PR; merge; follow
release() { # TAG TRAFFIC DIRECT
	tag=$1
	if [ "$3" = direct ]; then
		set -- "$ppr" --env-repo "$env_repo" --template "$top/demo/app/production.yaml" \
			--tag "$tag" --app devops-toolkit --forge github --api-url "$furl/api/v3" \
			--token-file "$work/token" -v "APP_REPO=$app_repo" --direct
		show_cmd "$@"
		"$@" >"$work/out" || return 1
		sha=$(cat "$work/out")
		echo "$sha"
	else
		set -- "$ppr" --env-repo "$env_repo" --template "$top/demo/app/production.yaml" \
			--tag "$tag" --app devops-toolkit --forge github --api-url "$furl/api/v3" \
			--token-file "$work/token" -v "APP_REPO=$app_repo" -o json
		show_cmd "$@"
		"$@" >"$work/out" || return 1
		url=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["url"])' <"$work/out")
		num=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["number"])' <"$work/out")
		echo "pull request: $url"
		say "A reviewer merges pull request #$num"
		show "curl -X PUT $furl/api/v3/repos/vfarcic/argocd-production/pulls/$num/merge"
		sha=$(curl -q --noproxy '*' -fsS -X PUT \
			-H "Authorization: Bearer $(cat "$work/token")" \
			-H 'Content-Type: application/json' --data-binary '{"merge_method":"merge"}' \
			"$furl/api/v3/repos/vfarcic/argocd-production/pulls/$num/merge" |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["sha"])')
		echo "merge commit: $sha"
	fi
	refresh
	short=$(printf '%.7s' "$sha")
	# a first deployment: the rollout appears once Argo CD has synced
	i=0
	until "$kr" get rollout "$ro" -n "$ns" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 300 ] && { echo "demo: error: rollout '$ro' never appeared" >&2; return 1; }
		sleep 0.1
	done
	say "Argo CD syncs $short; Argo Rollouts runs the canary; the pipeline follows it"
	rc=0
	run "$kr" status "$ro" -n "$ns" --revision "$short" --timeout 100s || rc=$?
	return $rc
}

echo "forge-sim serves the app and env repos at $furl;"
echo "rollouts-sim runs Argo CD and Argo Rollouts ${scale}x faster than real time."

say "The repos: the app's template and chart, the env repo's project and app of apps"
appsha=$(push_dir "$top/demo/app" vfarcic/devops-toolkit "The devops-toolkit app: production.yaml and its chart")
envsha=$(push_dir "$top/demo/env" vfarcic/argocd-production "Production environment")
echo "vfarcic/devops-toolkit $(printf '%.7s' "$appsha"), vfarcic/argocd-production $(printf '%.7s' "$envsha")"
show "kubectl apply --server-side -f project.yaml -f apps.yaml   # in the env repo"
# (Argo CD's namespace is there already, as after its installation)
apply /apis/argoproj.io/v1alpha1/namespaces/argocd/appprojects/production <"$top/demo/env/project.yaml"
"$gr" -v "ENV_REPO=$env_repo" "$top/demo/env/apps.yaml" |
	apply /apis/argoproj.io/v1alpha1/namespaces/argocd/applications/production

say "Release 0 (ef19bd2): the first deployment, straight to the env repo"
rc0=0
release ef19bd2 good direct || rc0=$?
apps_table
run "$kr" get rollout "$ro" -n "$ns"

say "Release 1 (0bad0bd): its traffic fails (the tutorial's curl loop on a missing path)"
run "$sim" traffic --kubeconfig "$KUBECONFIG" "$ns/$ro" bad
rc1=0
release 0bad0bd bad pr || rc1=$?
[ "$rc1" = 7 ] && echo "=> the analysis failed: Argo Rollouts aborted the release and sent all traffic back to stable (exit 7, Degraded)."
run "$kr" get rollout "$ro" -n "$ns"

say "Release 2 (600d600): good traffic"
run "$sim" traffic --kubeconfig "$KUBECONFIG" "$ns/$ro" good
rc2=0
release 600d600 good pr || rc2=$?
[ "$rc2" = 0 ] && echo "=> every step passed and the analysis stayed green: the new version is stable (Healthy)."
apps_table
show_cmd "$kr" get rollout "$ro" -n "$ns" -o json "| jq .gitOps"
"$kr" get rollout "$ro" -n "$ns" -o json >"$work/ro.json"
python3 -c 'import json,sys; g = json.load(sys.stdin)["gitOps"]; print(json.dumps(g, indent=2))' <"$work/ro.json" || true

say "What happened"
echo "  release 0: $([ "$rc0" = 0 ] && echo 'deployed (Healthy)' || echo "exit $rc0")"
echo "  release 1 (bad traffic): $([ "$rc1" = 7 ] && echo 'aborted by analysis, rolled back' || echo "exit $rc1")"
echo "  release 2 (good traffic): $([ "$rc2" = 0 ] && echo 'promoted to stable' || echo "exit $rc2")"
if [ "$keep" = --keep ]; then
	echo
	echo "still running: rollouts-sim (pid $simpid, KUBECONFIG=$work/kubeconfig), forge-sim (pid $forgepid, $furl)"
fi
[ "$rc0" = 0 ] && [ "$rc1" = 7 ] && [ "$rc2" = 0 ]
