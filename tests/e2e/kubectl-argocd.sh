#!/bin/bash
# kubectl-argocd: the real kubectl lists the simulated Argo CD's
# Applications with the columns of Argo CD's CRD (SYNC STATUS, HEALTH
# STATUS; REVISION and PROJECT with -o wide) and its AppProjects (NAME,
# AGE), by their short names too; and --no-argocd leaves an Application as
# written. The Application's source is a Git repository made here.
. "$(dirname "$0")/lib.sh"
need_kubectl
command -v git >/dev/null 2>&1 || skip "git is not installed"
export GIT_CONFIG_NOSYSTEM=1 HOME=$WORK/home GIT_AUTHOR_NAME=e2e \
	GIT_AUTHOR_EMAIL=e2e@example.com GIT_COMMITTER_NAME=e2e \
	GIT_COMMITTER_EMAIL=e2e@example.com
mkdir -p "$HOME" "$WORK/repo/k8s"
cat >"$WORK/repo/k8s/svc.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  ports: [{port: 80}]
YAML
git -C "$WORK/repo" init -q -b main && git -C "$WORK/repo" add . &&
	git -C "$WORK/repo" commit -q -m one || e2e_fail "make the repository"
sha=$(git -C "$WORK/repo" rev-parse HEAD)
cat >"$WORK/app.yaml" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web, namespace: argocd}
spec:
  project: default
  source: {repoURL: "file://$WORK/repo", targetRevision: HEAD, path: k8s}
  destination: {server: "https://kubernetes.default.svc", namespace: shop}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true]
YAML
start_sim --clock manual --fixtures "$WORK/app.yaml"
advance 1s

expect_kc 0 "kubectl get applications -n argocd" get applications -n argocd
expect_eq "$(printf '%s\n' "$KC_OUT" | sed 's/  */ /g')" "NAME SYNC STATUS HEALTH STATUS
web Synced Healthy" "the Application's columns, as Argo CD's CRD prints them"
expect_kc 0 "kubectl get applications -o wide" get applications -n argocd -o wide
expect_eq "$(printf '%s\n' "$KC_OUT" | sed 's/  */ /g')" "NAME SYNC STATUS HEALTH STATUS REVISION PROJECT
web Synced Healthy $sha default" "-o wide adds REVISION (the full SHA) and PROJECT"
expect_kc 0 "kubectl get app (short name)" get app web -n argocd -o jsonpath='{.status.operationState.message}'
expect_eq "$KC_OUT" "successfully synced (all tasks run)" "the operation's message"
expect_kc 0 "kubectl get appproj" get appproj -n argocd
expect_eq "$(printf '%s\n' "$KC_OUT" | head -n 1 | sed 's/  */ /g')" "NAME AGE" "AppProject: no printer columns"
expect_contains "$KC_OUT" "default" "the default project exists"
expect_kc 0 "the synced Service" get service web -n shop \
	-o jsonpath='{.metadata.annotations.argocd\.argoproj\.io/tracking-id}'
expect_eq "$KC_OUT" "web:/Service:shop/web" "the Service carries the tracking id"
stop_sim

start_sim --clock manual --no-argocd --fixtures "$WORK/app.yaml"
advance 1s
expect_kc 0 "kubectl get applications with --no-argocd" get applications -n argocd
expect_eq "$(printf '%s\n' "$KC_OUT" | sed 's/  *$//; s/  */ /g')" "NAME SYNC STATUS HEALTH STATUS
web" "--no-argocd: the Application stays as written"
expect_kc 1 "no Service without Argo CD" get service web -n shop
stop_sim
finish
