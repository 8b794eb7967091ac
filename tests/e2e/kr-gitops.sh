#!/usr/bin/env bash
# kr-gitops: the trace from a commit to a canary. A rollout that an Argo CD
# Application manages (tracking annotation or instance label) gets a gitOps
# object in `get rollout -o json|yaml` (one extra request, none when
# untracked; the text view is unchanged); `status --revision SHA` waits
# until the application has synced that commit and then for the rollout's
# verdict (a failed sync or a ComparisonError ends it with exit 1 and the
# application's message); `status --image` waits for the rollout to run an
# image. The Application's status is written by hand here (rollouts-sim
# --no-argocd), so every transition is the test's own; the simulated Argo
# CD drives the same commands in the scenarios and the demo.
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
export PDKIT_NOW=2026-01-08T00:00:00Z
NEW=1c4f344b7e2d9a0f6c5b8e3d2a1f0e9d8c7b6a59
OLD=9f8e7d6c5b4a39281706f5e4d3c2b1a098765432

start_sim --no-controller --no-argocd --fixtures "$FIXTURES/kr/shop.yaml"

kr() {
	HOME=$WORK/home KUBECONFIG='' timeout 20 "$KR" --kubeconfig "$KUBECONFIG_FILE" -n shop "$@" </dev/null
}
kr_bg() {
	local out=$1
	shift
	HOME=$WORK/home KUBECONFIG='' "$KR" --kubeconfig "$KUBECONFIG_FILE" -n shop "$@" \
		</dev/null >"$out" 2>"$out.err" &
	KR_PID=$!
	E2E_BG="$E2E_BG $KR_PID"
}
# jg DOTTED: a field of the JSON on stdin ("" when absent)
jg() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    d = d.get(k) if isinstance(d, dict) else None
print("" if d is None else d if isinstance(d, str) else json.dumps(d))
' "$1"
}
APPS=/apis/argoproj.io/v1alpha1/namespaces/argocd/applications

# app_status JSON: replace the Application's status (no status subresource:
# a merge patch of the object, as Argo CD writes it)
app_status() {
	req PATCH "$APPS/devops-toolkit" \
		-H 'Content-Type: application/merge-patch+json' \
		--data-binary "{\"status\":null}"
	req PATCH "$APPS/devops-toolkit" \
		-H 'Content-Type: application/merge-patch+json' \
		--data-binary "{\"status\":$1}"
	expect_eq "$CODE" 200 "PATCH applications/devops-toolkit status"
}
synced() { # SHA HEALTH
	app_status "{\"sync\":{\"status\":\"Synced\",\"revision\":\"$1\"},\"health\":{\"status\":\"$2\"},\"operationState\":{\"phase\":\"Succeeded\",\"message\":\"successfully synced (all tasks run)\",\"startedAt\":\"2026-01-08T00:00:00Z\",\"finishedAt\":\"2026-01-08T00:00:01Z\",\"syncResult\":{\"revision\":\"$1\"}}}"
}

req_json POST /api/v1/namespaces application/json \
	'{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"argocd"}}'
expect_eq "$CODE" 201 "create namespace argocd"
req_json POST "$APPS" application/json \
	'{"apiVersion":"argoproj.io/v1alpha1","kind":"Application","metadata":{"name":"devops-toolkit","namespace":"argocd"},"spec":{"project":"default","source":{"repoURL":"http://forge.example/vfarcic/argocd-production.git","path":"helm","targetRevision":"HEAD"},"destination":{"server":"https://kubernetes.default.svc","namespace":"shop"}}}'
expect_eq "$CODE" 201 "create application devops-toolkit"
synced "$OLD" Healthy

# ------------------------------------------------------------ untracked
expect_exit 0 kr watch web --dump=100x30
expect_not_contains "$OUT" "GitOps:" "untracked: no GitOps line in the watch view"
expect_exit 0 kr get rollout web -o json
expect_eq "$(printf '%s' "$OUT" | jg gitOps)" "" "untracked: no gitOps object"
if reqlog_has GET "$APPS/devops-toolkit" ""; then
	e2e_fail "untracked: no request for an application"
else
	e2e_ok "untracked: no request for an application"
fi
expect_exit 3 kr status web --revision 1c4f344 -t 5s
expect_contains "$ERR" "kubectl-rollouts: error: rollout 'web' is not managed by an Argo CD application" \
	"untracked: --revision says why"
expect_exit 2 kr status web --revision main
expect_contains "$ERR" "invalid argument 'main' for --revision" "--revision wants hex"
expect_exit 2 kr status web --image ''
expect_exit 2 kr status web --revision 1c4f344 --watch=false
expect_contains "$ERR" "cannot be used with --watch=false" "--revision needs the watch"

# -------------------------------------------------------------- tracked
TEXT_BEFORE=$(kr get rollout web)
req PATCH /apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/web \
	-H 'Content-Type: application/merge-patch+json' \
	--data-binary '{"metadata":{"annotations":{"argocd.argoproj.io/tracking-id":"devops-toolkit:argoproj.io/Rollout:shop/web"}}}'
expect_eq "$CODE" 200 "annotate web with its tracking id"
expect_exit 0 kr get rollout web
expect_eq "$OUT" "$TEXT_BEFORE" "tracked: the text view is unchanged"
expect_exit 0 kr get rollout web -o json
J=$OUT
expect_eq "$(printf '%s' "$J" | jg gitOps.application)" devops-toolkit "gitOps.application"
expect_eq "$(printf '%s' "$J" | jg gitOps.namespace)" argocd "gitOps.namespace"
expect_eq "$(printf '%s' "$J" | jg gitOps.syncStatus)" Synced "gitOps.syncStatus"
expect_eq "$(printf '%s' "$J" | jg gitOps.revision)" "$OLD" "gitOps.revision: the full SHA"
expect_eq "$(printf '%s' "$J" | jg gitOps.health)" Healthy "gitOps.health"
expect_eq "$(printf '%s' "$J" | jg gitOps.lastOperation.phase)" Succeeded "gitOps.lastOperation.phase"
expect_exit 0 kr get rollout web -o yaml
expect_contains "$OUT" "gitOps:" "-o yaml carries the trace"
expect_contains "$OUT" "revision: $OLD" "-o yaml: the revision"
# the watch view's header (its screen-dump mode, the renderer of the view)
expect_exit 0 kr watch web --dump=100x30
expect_contains "$OUT" "GitOps: devops-toolkit Synced to 9f8e7d6, Healthy" "watch: the GitOps line"

# Argo CD elsewhere: the application is not found there, no trace
expect_exit 0 kr get rollout web -o json --argocd-namespace elsewhere
expect_eq "$(printf '%s' "$OUT" | jg gitOps)" "" "another controller namespace: no trace"
expect_contains "$OUT" '"name": "web"' "another controller namespace: the view is printed"
# unreadable (a 403 on the list): a warning, the view without the trace
req_json POST /sim/v1/faults application/json '{"forbid":["list:applications"]}'
expect_exit 0 kr get rollout web -o json
expect_contains "$ERR" "warning: no GitOps trace" "an unreadable application is a warning"
expect_eq "$(printf '%s' "$OUT" | jg gitOps)" "" "an unreadable application: no trace"
expect_contains "$OUT" '"name": "web"' "an unreadable application: the view is printed"
req DELETE /sim/v1/faults

# ---------------------------------------------- status --revision, synced
kr_bg "$WORK/rev1" status web --revision 1c4f344 -t 60s
wait_until 10 grep -q "GitOps: devops-toolkit Synced to 9f8e7d6, Healthy" "$WORK/rev1"
expect_true "--revision: the application's line is printed" \
	grep -q "GitOps: devops-toolkit Synced to 9f8e7d6, Healthy" "$WORK/rev1"
expect_true "--revision: still waiting while an older commit is synced" kill -0 "$KR_PID"
app_status "{\"sync\":{\"status\":\"OutOfSync\",\"revision\":\"$NEW\"},\"health\":{\"status\":\"Healthy\"},\"operationState\":{\"phase\":\"Running\",\"message\":\"waiting for healthy state\",\"syncResult\":{\"revision\":\"$NEW\"}}}"
wait_until 10 grep -q "(sync Running)" "$WORK/rev1"
expect_true "--revision: still waiting while its sync runs" kill -0 "$KR_PID"
synced "$NEW" Healthy
bg_end "$KR_PID"
expect_eq "$BG_RC" 0 "--revision: exit 0 once synced and Healthy"
expect_true "--revision: the synced line" grep -q "GitOps: devops-toolkit Synced to 1c4f344, Healthy" "$WORK/rev1"
expect_true "--revision: the rollout's verdict" grep -qx "Healthy" "$WORK/rev1"

# full SHA, already synced: at once
expect_exit 0 kr status web --revision "$NEW" -t 30s

# ------------------------------------------ status --revision, failures
kr_bg "$WORK/rev2" status web --revision aaaaaaa -t 60s
wait_until 10 grep -q "GitOps:" "$WORK/rev2"
app_status "{\"sync\":{\"status\":\"OutOfSync\",\"revision\":\"$NEW\"},\"health\":{\"status\":\"Healthy\"},\"operationState\":{\"phase\":\"Failed\",\"message\":\"one or more objects failed to apply, reason: admission webhook denied the request\",\"syncResult\":{\"revision\":\"aaaaaaa000000000000000000000000000000000\"}}}"
bg_end "$KR_PID"
expect_eq "$BG_RC" 1 "--revision: a failed sync exits 1"
expect_true "--revision: the application's message" \
	grep -q "error: application 'devops-toolkit' failed to sync aaaaaaa: one or more objects failed to apply" "$WORK/rev2.err"

synced "$OLD" Healthy
kr_bg "$WORK/rev3" status web --revision bbbbbbb -t 60s
wait_until 10 grep -q "GitOps:" "$WORK/rev3"
app_status "{\"sync\":{\"status\":\"Unknown\",\"revision\":\"$OLD\"},\"health\":{\"status\":\"Healthy\"},\"conditions\":[{\"type\":\"ComparisonError\",\"message\":\"Failed to load target state: unable to resolve 'bbbbbbb' to a commit SHA\"}]}"
bg_end "$KR_PID"
expect_eq "$BG_RC" 1 "--revision: a ComparisonError exits 1"
expect_true "--revision: the condition's message" \
	grep -q "ComparisonError: Failed to load target state" "$WORK/rev3.err"

# the deadline bounds it
synced "$OLD" Healthy
expect_exit 6 kr status web --revision ccccccc -t 1s
expect_contains "$ERR" "exceeded timeout" "--revision: timeout exits 6"

# ------------------------------------------------------ status --image
expect_exit 0 kr status web --image registry.example.com/web:2.4.1 -t 30s
expect_exit 0 kr status web --image :2.4.1 -t 30s
expect_exit 6 kr status web --image :9.9.9 -t 1s
expect_contains "$OUT" "Healthy" "--image: the lines are printed while it waits"
kr_bg "$WORK/img" status web --image :2.5.0 -t 60s
wait_until 10 grep -q "Healthy" "$WORK/img"
expect_true "--image: a Healthy rollout on another image is not the verdict" kill -0 "$KR_PID"
req PATCH /apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/web \
	-H 'Content-Type: application/merge-patch+json' \
	--data-binary '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"registry.example.com/web:2.5.0"}]}}}}'
expect_eq "$CODE" 200 "a new image for web"
wait_until 10 grep -q "waiting for rollout spec update to be observed" "$WORK/img"
expect_true "--image: waits for the controller" kill -0 "$KR_PID"
GEN=$(curl "${CURL_OPTS[@]}" "$BASE/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/web" | jg metadata.generation)
req PATCH /apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/web/status \
	-H 'Content-Type: application/merge-patch+json' \
	--data-binary "{\"status\":{\"observedGeneration\":\"$GEN\",\"abort\":true,\"phase\":\"Degraded\",\"message\":\"RolloutAborted: Rollout aborted update to revision 4\",\"conditions\":[{\"type\":\"Progressing\",\"status\":\"False\",\"reason\":\"RolloutAborted\",\"message\":\"Rollout aborted update to revision 4\"}]}}"
expect_eq "$CODE" 200 "the controller aborts web"
bg_end "$KR_PID"
expect_eq "$BG_RC" 7 "--image: the release aborted exits 7"

finish
