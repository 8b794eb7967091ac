#!/bin/bash
# kubectl-watch: kubectl get -w against rollouts-sim: a collection watch
# prints the patched row again, a single-object watch with -o json prints
# the patched object (it uses fieldSelector and resourceVersion=0).
. "$(dirname "$0")/lib.sh"
need_kubectl
start_sim --fixtures "$FIXTURES/main"

# watch_started PATH QUERY-SUBSTRING: the watch request is in the request log
watch_started() {
	reqlog_has GET "$1" "$2"
}

# --- collection watch: kubectl get rollouts -w -n demo
kc_bg "$WORK/watch1" get rollouts -w -n demo
w1=$KC_PID
expect_true "the collection watcher printed the list" \
	wait_until 20 file_has "$WORK/watch1" "worker"
expect_true "kubectl started the watch from the list's resourceVersion" \
	wait_until 20 watch_started /apis/argoproj.io/v1alpha1/namespaces/demo/rollouts "watch=true"
expect_true "the collection watch carries resourceVersion=N (not 0)" python3 - "$REQLOG" <<'EOF'
import json, sys, re
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["path"] == "/apis/argoproj.io/v1alpha1/namespaces/demo/rollouts" and "watch=true" in r["query"]:
        m = re.search(r"resourceVersion=(\d+)", r["query"])
        sys.exit(0 if m and m.group(1) != "0" and "fieldSelector" not in r["query"] else 1)
sys.exit(1)
EOF
expect_eq "$(grep -c '^api ' "$WORK/watch1")" "1" "one api row before the patch"

# --- single-object watch: kubectl get ro api -w -o json
kc_bg "$WORK/watch2" get ro api -n demo -w -o json
w2=$KC_PID
expect_true "the single-object watcher printed the object" \
	wait_until 20 file_has "$WORK/watch2" '"name": "api"'
expect_true "the single-object watch went to the collection with fieldSelector and resourceVersion=0" \
	wait_until 20 watch_started /apis/argoproj.io/v1alpha1/namespaces/demo/rollouts \
	"fieldSelector=metadata.name%3Dapi&resourceVersion=0&watch=true"

# --- one patch, seen by both
expect_kc 0 "patch the watched rollout" patch ro api -n demo --type merge -p '{"spec":{"replicas":7}}'
expect_true "the collection watcher printed the api row again (MODIFIED)" \
	wait_until 20 file_count_ge "$WORK/watch1" "api " 2
expect_true "the single-object watcher printed the patched object" \
	wait_until 20 file_has "$WORK/watch2" '"replicas": 7'
# the first event of a single-object watch (the synthetic ADDED) is not
# printed: the object appears twice, before and after the patch
# two_objects FILE: FILE holds exactly two complete JSON objects, replicas 2
# then 7, with different resourceVersions
two_objects() {
	python3 - "$1" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
dec = json.JSONDecoder()
objs, i = [], 0
try:
    while i < len(text):
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            break
        o, i = dec.raw_decode(text, i)
        objs.append(o)
except ValueError:
    sys.exit(1)
ok = (len(objs) == 2 and objs[0]["spec"]["replicas"] == 2
      and objs[1]["spec"]["replicas"] == 7
      and objs[0]["metadata"]["resourceVersion"] != objs[1]["metadata"]["resourceVersion"])
sys.exit(0 if ok else 1)
EOF
}
if wait_until 20 two_objects "$WORK/watch2"; then
	e2e_ok "the single-object watcher printed exactly two objects"
else
	e2e_fail "the single-object watcher printed exactly two objects" "$(cat "$WORK/watch2")"
fi
# a patch of another rollout does not reach the single-object watcher
expect_kc 0 "patch another rollout" patch ro worker -n demo --type merge -p '{"spec":{"replicas":3}}'
expect_true "the collection watcher printed the worker row again" \
	wait_until 20 file_count_ge "$WORK/watch1" "worker " 2
# events come in order: once a later change of api is printed, a worker
# event would have been printed before it
expect_kc 0 "patch the watched rollout again" patch ro api -n demo --type merge -p '{"spec":{"replicas":8}}'
expect_true "the single-object watcher printed the second change" \
	wait_until 20 file_has "$WORK/watch2" '"replicas": 8'
expect_not_contains "$(cat "$WORK/watch2")" '"name": "worker"' "the single-object watcher saw only its object"

for p in $w1 $w2; do
	expect_true "watcher $p was still running" kill -0 "$p"
	watch_stop "$p"
done

finish
