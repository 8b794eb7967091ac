#!/bin/bash
# kubectl-all: discovery categories as the real API server serves them, so
# `kubectl get all` lists the built-in workloads (pods, services,
# replicasets, deployments, statefulsets, jobs ...) and nothing of Argo's
# CRDs, which declare no category.
. "$(dirname "$0")/lib.sh"
need_kubectl
cat >"$WORK/all.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: example/api:1}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: example/db:1}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {a: b}
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: example/web:1}]}
  strategy: {canary: {steps: [{setWeight: 50}]}}
YAML
start_sim --fixtures "$WORK/all.yaml"

# --- discovery: categories in the legacy and aggregated documents
req GET /api/v1
expect_eq "$(printf '%s' "$BODY" | jval '[r["name"] for r in d["resources"] if "all" in r.get("categories", [])]')" \
	'["pods","services"]' "/api/v1: pods and services are in category all"
req GET /apis/apps/v1
expect_eq "$(printf '%s' "$BODY" | jval 'sorted(r["name"] for r in d["resources"] if "all" in r.get("categories", []))')" \
	'["deployments","replicasets","statefulsets"]' "/apis/apps/v1: deployments, replicasets and the learnt statefulsets are in all"
req GET /apis/argoproj.io/v1alpha1
expect_eq "$(printf '%s' "$BODY" | jval '[r["name"] for r in d["resources"] if "categories" in r]')" \
	'[]' "Argo's CRDs have no categories (as their CRDs)"
req GET /apis -H 'Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'
expect_eq "$(printf '%s' "$BODY" | jval 'sorted(r["resource"] for g in d["items"] for v in g["versions"] for r in v["resources"] if "all" in r.get("categories", []))')" \
	'["deployments","jobs","replicasets","statefulsets"]' "aggregated discovery carries the categories"
req GET /api/v1
expect_eq "$(printf '%s' "$BODY" | jval '[r for r in d["resources"] if r["name"] == "configmaps"][0].get("categories")')" \
	'null' "configmaps have no category"

# --- kubectl get all
expect_kc 0 "kubectl get all -n shop" get all -n shop
expect_contains "$KC_OUT" "service/web" "get all lists the service"
expect_contains "$KC_OUT" "deployment.apps/api" "get all lists the deployment"
expect_contains "$KC_OUT" "statefulset.apps/db" "get all lists the statefulset learnt from the fixture"
expect_not_contains "$KC_OUT" "rollout" "get all lists no rollout (Argo's CRDs are in no category)"
expect_not_contains "$KC_OUT" "configmap" "get all lists no configmap"
expect_kc 0 "kubectl get all -A" get all -A
expect_contains "$KC_OUT" "shop        service/web" "get all -A has the namespace column"
expect_kc 0 "kubectl get all -n empty" get all -n empty
expect_contains "$KC_ERR" "No resources found in empty namespace." "get all in an empty namespace says so"

finish
