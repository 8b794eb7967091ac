#!/usr/bin/env bash
# kr-scale: `get rollout` in a crowded namespace. A generator writes one
# target rollout ("checkout") and 50 others (one named "checkout-worker",
# one whose ReplicaSet shares a pod-template hash with the target's), 200
# ReplicaSets and 2,000 Pods in the namespace "crowd", all with the labels
# and owner references a controller gives them. The view must list only
# the target's ReplicaSets and Pods (the same text as from a namespace that
# holds nothing else), and kubectl-rollouts must fetch them by the rollout's
# selector: labelSelector on the pods and replicasets LISTs, at most 6
# requests in all.
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
export PDKIT_NOW=2026-01-08T00:00:00Z

python3 - "$WORK/crowd.json" "$WORK/alone.json" "$WORK/target-names" <<'PY'
import json, sys

NS = "crowd"
objs, alone, names = [], [], []


def uid(kind, i, j=0):
    return "5ca1e000-%04x-4000-8000-%012x" % (kind, i * 10000 + j)


def owner(kind, api, name, u):
    return [{"apiVersion": api, "kind": kind, "name": name, "uid": u,
             "controller": True, "blockOwnerDeletion": True}]


def rollout(i, name, replicas, stable, current, step, image):
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
            "metadata": {"name": name, "namespace": NS, "uid": uid(1, i),
                         "generation": 5, "creationTimestamp": "2025-11-01T00:00:00Z",
                         "labels": {"team": "payments"}},
            "spec": {"replicas": replicas,
                     "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name, "team": "payments"}},
                                  "spec": {"containers": [{"name": "app", "image": image}]}},
                     "strategy": {"canary": {"steps": [{"setWeight": 20}, {"pause": {}},
                                                       {"setWeight": 60}, {"pause": {"duration": "2m"}}]}}},
            "status": {"observedGeneration": "5", "currentPodHash": current, "stableRS": stable,
                       "currentStepIndex": step, "replicas": replicas, "updatedReplicas": replicas,
                       "readyReplicas": replicas, "availableReplicas": replicas,
                       "phase": "Healthy" if stable == current else "Paused",
                       "message": "" if stable == current else "CanaryPauseStep",
                       "pauseConditions": None if stable == current else
                       [{"reason": "CanaryPauseStep", "startTime": "2026-01-07T23:30:00Z"}],
                       "selector": "app=" + name}}


def rs(i, j, ro, h, rev, replicas, image, created):
    lab = {"app": ro["metadata"]["name"], "rollouts-pod-template-hash": h, "team": "payments"}
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "%s-%s" % (ro["metadata"]["name"], h), "namespace": NS,
                         "uid": uid(2, i, j), "generation": 1, "creationTimestamp": created,
                         "labels": lab,
                         "annotations": {"rollout.argoproj.io/revision": str(rev)},
                         "ownerReferences": owner("Rollout", "argoproj.io/v1alpha1",
                                                  ro["metadata"]["name"], ro["metadata"]["uid"])},
            "spec": {"replicas": replicas, "selector": {"matchLabels": dict(lab)},
                     "template": {"metadata": {"labels": dict(lab)},
                                  "spec": {"containers": [{"name": "app", "image": image}]}}},
            "status": {"observedGeneration": 1, "replicas": replicas, "readyReplicas": replicas,
                       "availableReplicas": replicas}}


def pod(i, j, k, r, created):
    lab = r["metadata"]["labels"]
    name = "%s-%05d" % (r["metadata"]["name"], k)
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": NS, "uid": uid(3, i, j * 1000 + k),
                         "creationTimestamp": created, "labels": dict(lab),
                         "ownerReferences": owner("ReplicaSet", "apps/v1", r["metadata"]["name"],
                                                  r["metadata"]["uid"])},
            "spec": {"nodeName": "node-%d" % (k % 7),
                     "containers": [{"name": "app",
                                     "image": r["spec"]["template"]["spec"]["containers"][0]["image"]}]},
            "status": {"phase": "Running", "podIP": "10.1.%d.%d" % (i, k % 250),
                       "containerStatuses": [{"name": "app", "ready": True, "restartCount": 0,
                                              "started": True,
                                              "state": {"running": {"startedAt": created}}}]}}


def hsh(i, rev):
    return "%x" % (0x5f0000000 + i * 0x10000 + rev * 0x101)


# the target: 4 ReplicaSets (canary 2 pods, stable 8, two scaled down), 10 pods
T = 0
target = rollout(T, "checkout", 10, hsh(T, 3), hsh(T, 4), 1, "registry.example.com/checkout:4.0.0")
target["status"]["updatedReplicas"] = 2
tr = [rs(T, 4, target, hsh(T, 4), 4, 2, "registry.example.com/checkout:4.0.0", "2026-01-07T23:20:00Z"),
      rs(T, 3, target, hsh(T, 3), 3, 8, "registry.example.com/checkout:3.9.0", "2025-12-20T00:00:00Z"),
      rs(T, 2, target, hsh(T, 2), 2, 0, "registry.example.com/checkout:3.8.1", "2025-12-01T00:00:00Z"),
      rs(T, 1, target, hsh(T, 1), 1, 0, "registry.example.com/checkout:3.8.0", "2025-11-01T00:00:00Z")]
tp = [pod(T, 4, k, tr[0], "2026-01-07T23:21:00Z") for k in range(2)] + \
     [pod(T, 3, k, tr[1], "2025-12-20T00:01:00Z") for k in range(8)]
ar = {"apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisRun",
      "metadata": {"name": "checkout-%s-4-1" % hsh(T, 4), "namespace": NS, "uid": uid(4, T),
                   "creationTimestamp": "2026-01-07T23:22:00Z",
                   "labels": {"rollout-type": "Step", "rollouts-pod-template-hash": hsh(T, 4)},
                   "annotations": {"rollout.argoproj.io/revision": "4"},
                   "ownerReferences": owner("Rollout", "argoproj.io/v1alpha1", "checkout",
                                            target["metadata"]["uid"])},
      "spec": {"metrics": [{"name": "success-rate", "provider": {"job": {}}}]},
      "status": {"phase": "Running", "metricResults": [{"name": "success-rate", "phase": "Running",
                                                        "count": 2, "successful": 2}]}}
mine = [target] + tr + tp + [ar]
objs += mine
alone += mine
names = [o["metadata"]["name"] for o in tr + tp]

# 50 others: 46 with 4 ReplicaSets, 4 with 3 (196); 1,990 pods
npods = [40] * 40 + [39] * 10
for i in range(1, 51):
    name = "checkout-worker" if i == 1 else "svc-%02d" % i
    ro = rollout(i, name, npods[i - 1], hsh(i, 3), hsh(i, 3), 4, "registry.example.com/%s:1.%d" % (name, i))
    objs.append(ro)
    nrs = 4 if i <= 46 else 3
    for rev in range(nrs, 0, -1):
        h = hsh(i, rev)
        if i == 2 and rev == 3:
            h = hsh(T, 3)      # the same hash as the target's stable RS
            ro["status"]["currentPodHash"] = ro["status"]["stableRS"] = h
        rep = npods[i - 1] if rev == 3 else 0
        r = rs(i, rev, ro, h, rev, rep, ro["spec"]["template"]["spec"]["containers"][0]["image"],
               "2025-12-%02dT00:00:00Z" % (rev + 10))
        objs.append(r)
        for k in range(rep):
            objs.append(pod(i, rev, k, r, "2025-12-%02dT00:05:00Z" % (rev + 10)))
    if i % 10 == 0:
        objs.append({"apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisRun",
                     "metadata": {"name": "%s-%s-3-1" % (name, hsh(i, 3)), "namespace": NS,
                                  "uid": uid(4, i), "creationTimestamp": "2025-12-13T00:00:00Z",
                                  "annotations": {"rollout.argoproj.io/revision": "3"},
                                  "ownerReferences": owner("Rollout", "argoproj.io/v1alpha1", name,
                                                           ro["metadata"]["uid"])},
                     "spec": {"metrics": [{"name": "success-rate", "provider": {"job": {}}}]},
                     "status": {"phase": "Successful"}})

kinds = {}
for o in objs:
    kinds[o["kind"]] = kinds.get(o["kind"], 0) + 1
assert kinds == {"Rollout": 51, "ReplicaSet": 200, "Pod": 2000, "AnalysisRun": 6}, kinds
json.dump({"apiVersion": "v1", "kind": "List", "items": objs}, open(sys.argv[1], "w"))
json.dump({"apiVersion": "v1", "kind": "List", "items": alone}, open(sys.argv[2], "w"))
open(sys.argv[3], "w").write("\n".join(sorted(names)) + "\n")
PY
expect_eq "$?" 0 "the generator wrote the fixtures"

kr() {
	HOME=$WORK/home KUBECONFIG='' timeout 30 "$KR" --kubeconfig "$KUBECONFIG_FILE" -n crowd \
		--no-color "$@" </dev/null
}
# names KIND-ICON: the object names of the rows with that icon in $OUT
names() {
	printf '%s\n' "$OUT" | sed -n "s/.*$1 \([^ ]*\) .*/\1/p" | sort
}

# the target alone: the reference text
start_sim --no-controller --fixtures "$WORK/alone.json"
expect_exit 0 kr get rollout checkout
cp "$WORK/out" "$WORK/alone.txt"
stop_sim

start_sim --no-controller --fixtures "$WORK/crowd.json"
expect_exit 0 kr list rollouts
expect_eq "$(printf '%s\n' "$OUT" | sed 1d | wc -l)" 51 "the crowd: 51 rollouts"
: >"$REQLOG"

expect_exit 0 kr get rollout checkout
expect_eq "$ERR" "" "get rollout checkout: nothing on stderr"
expect_eq "$(printf '%s\n' "$(names '⧉')" "$(names '□')" | sort)" "$(cat "$WORK/target-names")" \
	"get rollout checkout: exactly the target's ReplicaSets and Pods"
expect_eq "$(names '⧉' | wc -l)" 4 "get rollout checkout: 4 ReplicaSets"
expect_eq "$(names '□' | wc -l)" 10 "get rollout checkout: 10 Pods"
expect_eq "$(names 'α')" "checkout-5f0000404-4-1" "get rollout checkout: only its AnalysisRun"
expect_not_contains "$OUT" "checkout-worker" "get rollout checkout: nothing of checkout-worker"
expect_not_contains "$OUT" "svc-02" "get rollout checkout: nothing of svc-02 (same pod hash)"
if cmp -s "$WORK/alone.txt" "$WORK/out"; then
	e2e_ok "get rollout checkout: the same text as in a namespace with nothing else"
else
	e2e_fail "get rollout checkout: the same text as in a namespace with nothing else" \
		"$(diff "$WORK/alone.txt" "$WORK/out" | head -n 20)"
fi

# the requests: the selector on both big LISTs, at most 6 in all
python3 - "$REQLOG" >"$WORK/reqs" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(r["method"], r["path"] + ("?" + r["query"] if r["query"] else ""))
PY
n=$(grep -c '' "$WORK/reqs")
expect_true "get rollout checkout: at most 6 requests (made $n: $(tr '\n' ';' <"$WORK/reqs"))" test "$n" -le 6
expect_true "the pods LIST carried the rollout's labelSelector" \
	reqlog_has GET /api/v1/namespaces/crowd/pods "labelSelector=app%3Dcheckout"
expect_true "the replicasets LIST carried the rollout's labelSelector" \
	reqlog_has GET /apis/apps/v1/namespaces/crowd/replicasets "labelSelector=app%3Dcheckout"
expect_eq "$(grep -E ' /api/v1/namespaces/crowd/pods|/replicasets' "$WORK/reqs" | grep -vc 'labelSelector=')" 0 \
	"no pods or replicasets LIST without a labelSelector"

# status and -o json fetch as little
: >"$REQLOG"
expect_exit 0 kr status checkout --watch=false
expect_eq "$OUT" "Paused - CanaryPauseStep" "status checkout --watch=false in the crowd"
n=$(grep -c '' "$REQLOG")
expect_true "status checkout --watch=false: at most 6 requests ($n)" test "$n" -le 6
expect_exit 0 kr get rollout checkout -o json
expect_eq "$(printf '%s' "$OUT" | jval 'sum(len(rs["pods"]) for r in d["revisions"] for rs in r["replicaSets"])')" 10 \
	"get rollout checkout -o json: 10 pods"

finish
