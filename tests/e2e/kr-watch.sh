#!/usr/bin/env bash
# kr-watch: `kubectl-rollouts get rollout NAME -w` with stdout not a
# terminal (each new version of the text is written out, once), ended by
# --timeout-seconds (exit 0) or --exit-on-complete (0 on Healthy, 7 on
# Degraded); a status change made through the API redraws the view; and
# -o json (the documented fields) and --revisions N. Fixtures:
# tests/e2e/fixtures/kr, ages against PDKIT_NOW so the text is stable.
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
KRFIX=$FIXTURES/kr
export PDKIT_NOW=2026-01-08T00:00:00Z

start_sim --no-controller --fixtures "$KRFIX/shop.yaml" --fixtures "$KRFIX/other.yaml"

kr() {
	HOME=$WORK/home KUBECONFIG='' "$KR" --kubeconfig "$KUBECONFIG_FILE" -n shop --no-color "$@" </dev/null
}

# kr_bg FILE ARGS...: kubectl-rollouts in the background; its pid in KR_PID
kr_bg() {
	local out=$1
	shift
	HOME=$WORK/home KUBECONFIG='' timeout 20 "$KR" --kubeconfig "$KUBECONFIG_FILE" \
		-n shop --no-color "$@" </dev/null >"$out" 2>"$out.err" &
	KR_PID=$!
	E2E_BG="$E2E_BG $KR_PID"
}

patch_status() {
	req PATCH "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/$1/status" \
		-H 'Content-Type: application/merge-patch+json' --data-binary "$2"
	expect_eq "$CODE" 200 "PATCH rollouts/$1/status"
}

# ------------------------------------------- one view, then the timeout
expect_exit 0 kr get rollout web
cp "$WORK/out" "$WORK/web.txt"
expect_contains "$OUT" "Status:          ✔ Healthy" "get rollout web: Healthy"

# the watch ends at its timeout with exit 0 (the exit code and output are
# checked, never the time it took)
expect_exit 0 kr get rollout web -w --timeout-seconds 1
if cmp -s "$WORK/web.txt" "$WORK/out"; then
	e2e_ok "get rollout web -w --timeout-seconds 1: the view, printed once"
else
	e2e_fail "get rollout web -w --timeout-seconds 1: the view, printed once" \
		"$(diff "$WORK/web.txt" "$WORK/out" | head -n 20)"
fi
expect_eq "$ERR" "" "get rollout web -w --timeout-seconds 1: nothing on stderr"
expect_not_contains "$OUT" $'\033' "not a terminal: no escape sequences"

# ---------------------------------------------- a change redraws the view
W=$WORK/watch-search.out
kr_bg "$W" get rollout search -w --timeout-seconds 4
if wait_until 10 file_has "$W" "Name:            search"; then
	e2e_ok "get rollout search -w: the first view"
else
	e2e_fail "get rollout search -w: the first view" "stderr: $(cat "$W.err")"
fi
expect_true "get rollout search -w: one view so far" file_count_ge "$W" "Name:" 1
patch_status search '{"status":{"updatedReplicas":2,"readyReplicas":5,"availableReplicas":5}}'
if wait_until 10 file_count_ge "$W" "Name:            search" 2; then
	e2e_ok "get rollout search -w: the view again after the patch"
else
	e2e_fail "get rollout search -w: the view again after the patch" "stdout: $(cat "$W")"
fi
watch_end "$KR_PID"
expect_eq "$WATCH_RC" 0 "get rollout search -w --timeout-seconds 4: exit 0 at the timeout"
expect_eq "$(grep -c '^Name:' "$W")" 2 "get rollout search -w: exactly two views"
second=$(awk '/^Name:/ {n++} n == 2' "$W")
expect_contains "$second" "  Updated:       2" "the second view: Updated 2"
expect_contains "$second" "  Available:     5" "the second view: Available 5"
expect_contains "$(awk '/^Name:/ {n++} n == 1' "$W")" "  Available:     4" "the first view: Available 4"
expect_eq "$(cat "$W.err")" "" "get rollout search -w: nothing on stderr"
expect_true "the watch's pods were listed by the rollout's selector" \
	reqlog_has GET /api/v1/namespaces/shop/pods "labelSelector=app%3Dsearch"

# SIGINT ends a watch with exit 0, as the Go plugin does
W=$WORK/watch-int.out
kr_bg "$W" get rollout web -w
wait_until 10 file_has "$W" "Name:            web"
kill -INT "$KR_PID"
watch_end "$KR_PID"
expect_eq "$WATCH_RC" 0 "get rollout web -w: SIGINT, exit 0"
expect_true "get rollout web -w: the view once before SIGINT" cmp -s "$WORK/web.txt" "$W"

# ----------------------------------------------------- --exit-on-complete
# a Healthy rollout ends the watch by itself: exit 0, not timeout's 124
expect_exit 0 timeout 20 env HOME="$WORK/home" KUBECONFIG='' "$KR" --kubeconfig "$KUBECONFIG_FILE" \
	-n shop --no-color get rollout web -w --exit-on-complete
expect_true "--exit-on-complete on a Healthy rollout: the view first" cmp -s "$WORK/web.txt" "$WORK/out"

# a Paused blue-green is aborted while watched: exit 7
W=$WORK/watch-checkout.out
kr_bg "$W" get rollout checkout -w --exit-on-complete
# kr_bg's timeout is 20 s; the watch must end long before
wait_until 10 file_has "$W" "Status:          ॥ Paused"
patch_status checkout '{"status":{"phase":"Degraded","message":"RolloutAborted: Rollout aborted update to revision 2","abort":true,"pauseConditions":null,"controllerPause":null}}'
# at most 5 s (not watch_end's 10): the suite stays fast when this fails
if wait_until 5 bash -c "! kill -0 $KR_PID 2>/dev/null"; then
	wait "$KR_PID"
	WATCH_RC=$?
	e2e_forget "$KR_PID"
else
	WATCH_RC="still running 5 s after the patch"
	watch_stop "$KR_PID"
fi
expect_eq "$WATCH_RC" 7 "--exit-on-complete: exit 7 once the rollout is Degraded"
expect_contains "$(cat "$W")" "Status:          ✖ Degraded" "--exit-on-complete: the Degraded view was printed"

# ------------------------------------------------------------- -o json
expect_exit 0 kr get rollout web -o json
cp "$WORK/out" "$WORK/web.json"
expect_eq "$(jval 'type(d).__name__' <"$WORK/web.json")" dict "-o json: one JSON object"
cat >"$WORK/want.json" <<'EOF'
{"name": "web", "namespace": "shop", "status": "Healthy", "message": "",
 "strategy": "Canary", "step": "4/4", "setWeight": 100, "actualWeight": 100,
 "images": [{"image": "registry.example.com/web:2.4.1", "tags": ["stable"]}],
 "replicas": {"desired": 3, "current": 3, "updated": 3, "ready": 3, "available": 3}}
EOF
if json_subset "$WORK/want.json" "$WORK/web.json"; then
	e2e_ok "-o json: name, namespace, status, step, weights, images, replicas"
else
	e2e_fail "-o json: name, namespace, status, step, weights, images, replicas"
fi
expect_eq "$(jval '[r["revision"] for r in d["revisions"]]' <"$WORK/web.json")" "[2,1]" \
	"-o json: revisions, newest first"
expect_eq "$(jval '[[rs["name"], rs["status"], rs["tags"]] for r in d["revisions"] for rs in r["replicaSets"]]' <"$WORK/web.json")" \
	'[["web-7d9f8c6b5","Healthy",["stable"]],["web-5b8c7d6e4","ScaledDown",[]]]' \
	"-o json: each revision's replicaSets (name, status, tags)"
expect_eq "$(jval '[[p["name"], p["status"], p["ready"], p["restarts"], p["age"]] for p in d["revisions"][0]["replicaSets"][0]["pods"]]' <"$WORK/web.json")" \
	'[["web-7d9f8c6b5-4xk2p","Running","1/1",0,"3h59m"],["web-7d9f8c6b5-b7q9z","Running","1/1",0,"3h59m"],["web-7d9f8c6b5-m3n8w","Running","1/1",0,"3h59m"]]' \
	"-o json: the pods (name, status, ready, restarts, age)"
expect_eq "$(jval 'sorted(d["revisions"][0].keys() & {"analysisRuns", "experiments"})' <"$WORK/web.json")" \
	'["analysisRuns","experiments"]' "-o json: revisions carry analysisRuns and experiments"

expect_exit 0 kr get rollout payments -o json
printf '%s' "$OUT" >"$WORK/payments.json"
expect_eq "$(jval '[d["status"], d["step"], d["setWeight"], d["actualWeight"]]' <"$WORK/payments.json")" \
	'["Degraded","0/4",0,0]' "-o json payments: Degraded, step 0/4, weights 0"
expect_eq "$(jval '[[a["name"], a["status"], a["successful"], a["failed"], a["inconclusive"], a["error"]] for r in d["revisions"] for a in r["analysisRuns"]]' <"$WORK/payments.json")" \
	'[["payments-9c8b7a6d5-3","Failed",2,3,0,0]]' "-o json payments: the analysis run and its counts"

expect_exit 0 kr get rollout search -o json
expect_eq "$(printf '%s' "$OUT" | jval '[d["strategy"], d["step"], d["setWeight"], d["actualWeight"]]')" \
	'["Canary","0/4",25,0]' "-o json search: step 0/4, setWeight 25, actualWeight 0"

expect_exit 0 kr get rollout checkout -o json
expect_eq "$(printf '%s' "$OUT" | jval '[d["strategy"], d["step"], d["setWeight"], d["actualWeight"]]')" \
	'["BlueGreen",null,null,null]' "-o json checkout (blue-green): no step or weights"

# -o yaml, parsed with the project's own loader (no PyYAML needed): one
# document, the same data as -o json
expect_exit 0 kr get rollout web -o yaml
printf '%s\n' "$OUT" >"$WORK/web.yaml"
expect_eq "$(yval 'len(d)' <"$WORK/web.yaml")" 1 "-o yaml: one document"
expect_eq "$(yval 'd[0]' <"$WORK/web.yaml")" "$(jval 'd' <"$WORK/web.json")" \
	"-o yaml: the same data as -o json"
expect_eq "$(yval '[d[0]["name"], d[0]["replicas"]["desired"]]' <"$WORK/web.yaml")" '["web",3]' \
	"-o yaml: name web, 3 desired replicas"

# -w -o json: the JSON once, then the timeout
expect_exit 0 kr get rollout web -w -o json --timeout-seconds 1
expect_true "-w -o json: the same JSON, once" cmp -s "$WORK/web.json" "$WORK/out"

# ---------------------------------------------------------- --revisions
expect_exit 0 kr get rollout web --revisions 1
expect_contains "$OUT" "# revision:2" "--revisions 1: the newest revision"
expect_not_contains "$OUT" "# revision:1" "--revisions 1: not the older one"
expect_not_contains "$OUT" "web-5b8c7d6e4" "--revisions 1: not the older ReplicaSet"
expect_eq "$(printf '%s\n' "$OUT" | sed -n '/^NAME /,$p' | sed 's/ *$//')" \
	"NAME                            KIND        STATUS     AGE    INFO
⟳ web                           Rollout     ✔ Healthy  38d
└──# revision:2
   └──⧉ web-7d9f8c6b5           ReplicaSet  ✔ Healthy  4h     stable
      ├──□ web-7d9f8c6b5-4xk2p  Pod         ✔ Running  3h59m  ready:1/1
      ├──□ web-7d9f8c6b5-b7q9z  Pod         ✔ Running  3h59m  ready:1/1
      └──□ web-7d9f8c6b5-m3n8w  Pod         ✔ Running  3h59m  ready:1/1" \
	"--revisions 1: the tree (trailing spaces stripped)"
expect_exit 0 kr get rollout web --revisions 1 -o json
expect_eq "$(printf '%s' "$OUT" | jval '[r["revision"] for r in d["revisions"]]')" "[2]" \
	"--revisions 1 -o json: one revision"
expect_exit 0 kr get rollout web --revisions 5
expect_true "--revisions 5 (more than there are): the whole view" cmp -s "$WORK/web.txt" "$WORK/out"

finish
