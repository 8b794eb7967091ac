#!/usr/bin/env bash
# kr-list: `kubectl-rollouts list rollouts|experiments` against rollouts-sim
# with the fixtures of tests/e2e/fixtures/kr. The tables are compared byte
# for byte (trailing spaces included) with files written by hand from the
# plugin's rules (fixtures/kr/expect/list-*.txt); -A, --name, --timestamps,
# the empty case, and `list rollouts -w` printing a row when a rollout's
# columns change (and only then), ended by SIGINT with exit 0.
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
KRFIX=$FIXTURES/kr
EXPECT=$KRFIX/expect
export PDKIT_NOW=2026-01-08T00:00:00Z

start_sim --no-controller --fixtures "$KRFIX/shop.yaml" --fixtures "$KRFIX/other.yaml"

kr() {
	HOME=$WORK/home KUBECONFIG='' timeout 20 "$KR" --kubeconfig "$KUBECONFIG_FILE" "$@" </dev/null
}

# same_as FILE MSG: $WORK/out (the last expect_exit's stdout) equals FILE
same_as() {
	if diff -u "$1" "$WORK/out" >"$WORK/diff"; then
		e2e_ok "$2"
	else
		e2e_fail "$2" "$(sed 's/$/|/' "$WORK/diff")"
	fi
}

# ------------------------------------------------------- list rollouts
expect_exit 0 kr -n shop list rollouts
same_as "$EXPECT/list-rollouts-shop.txt" "list rollouts -n shop: the table, byte for byte"
expect_eq "$ERR" "" "list rollouts: nothing on stderr"
expect_exit 0 kr list ro -n shop
same_as "$EXPECT/list-rollouts-shop.txt" "list ro (alias), -n after the command"
expect_exit 0 kr list rollout --namespace=shop
same_as "$EXPECT/list-rollouts-shop.txt" "list rollout (alias), --namespace=shop"

# every row keeps the trailing spaces of the %-9d AVAILABLE column
expect_eq "$(grep -c ' $' "$WORK/out")" 4 "list rollouts: the header has none, each of the 4 rows ends in spaces"

expect_exit 0 kr list rollouts -A
same_as "$EXPECT/list-rollouts-all.txt" "list rollouts -A: NAMESPACE first"
expect_exit 0 kr list rollouts --all-namespaces -n quiet
same_as "$EXPECT/list-rollouts-all.txt" "list rollouts --all-namespaces ignores -n"

expect_exit 0 kr -n shop list rollouts --name search
expect_eq "$OUT" "$(head -n 1 "$EXPECT/list-rollouts-shop.txt")
$(grep '^search ' "$EXPECT/list-rollouts-shop.txt")" "list rollouts --name search: header and one row"
expect_true "list rollouts --name: a field selector on the name" \
	reqlog_has GET /apis/argoproj.io/v1alpha1/namespaces/shop/rollouts "fieldSelector=metadata.name%3Dsearch"

expect_exit 0 kr list rollouts -A --name web --timestamps
same_as "$EXPECT/list-rollouts-name-ts.txt" \
	"list rollouts -A --name web --timestamps: TIMESTAMP is PDKIT_NOW, before NAMESPACE"

# without PDKIT_NOW: the current UTC time, 2006-01-02T15:04:05Z, padded to 20
before=$(date -u +%s)
expect_exit 0 env -u PDKIT_NOW HOME="$WORK/home" KUBECONFIG='' "$KR" \
	--kubeconfig "$KUBECONFIG_FILE" -n shop list rollouts --timestamps
after=$(date -u +%s)
expect_eq "$(printf '%s\n' "$OUT" | head -n 1 | cut -c1-34)" "TIMESTAMP             NAME        " \
	"--timestamps: the header"
ts=$(printf '%s\n' "$OUT" | sed -n 2p | cut -c1-22)
if printf '%s\n' "$ts" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z  $'; then
	e2e_ok "--timestamps: the first column is RFC 3339 UTC ($ts)"
else
	e2e_fail "--timestamps: the first column is RFC 3339 UTC" "got: '$ts'"
fi
tsec=$(date -u -d "${ts%% *}" +%s 2>/dev/null || echo 0)
expect_true "--timestamps: the time is now ($ts)" test "$tsec" -ge "$((before - 1))" -a "$tsec" -le "$((after + 1))"

# empty: "No resources found." on stderr, nothing on stdout, exit 0
expect_exit 0 kr -n quiet list rollouts
expect_eq "$OUT" "" "list rollouts in an empty namespace: nothing on stdout"
expect_eq "$ERR" "No resources found." "list rollouts in an empty namespace: stderr"
expect_exit 0 kr -n no-such-namespace list rollouts
expect_eq "$ERR" "No resources found." "list rollouts in a namespace that does not exist"
expect_exit 0 kr -n shop list rollouts --name no-such-rollout
expect_eq "$OUT" "" "list rollouts --name (no match): nothing on stdout"
expect_eq "$ERR" "No resources found." "list rollouts --name (no match): stderr"

# ----------------------------------------------------- list experiments
expect_exit 0 kr -n shop list experiments
same_as "$EXPECT/list-experiments-shop.txt" "list experiments -n shop: the table, byte for byte"
expect_exit 0 kr -n shop list exp
same_as "$EXPECT/list-experiments-shop.txt" "list exp (alias)"
expect_exit 0 kr list experiments -A
same_as "$EXPECT/list-experiments-all.txt" "list experiments -A"
expect_exit 0 kr -n quiet list experiments
expect_eq "$OUT" "" "list experiments in an empty namespace: nothing on stdout"
expect_eq "$ERR" "No resources found." "list experiments in an empty namespace: stderr"

# ---------------------------------------------------- list rollouts -w
W=$WORK/list-watch.out
HOME=$WORK/home KUBECONFIG='' "$KR" --kubeconfig "$KUBECONFIG_FILE" -n shop \
	list rollouts -w </dev/null >"$W" 2>"$W.err" &
LW=$!
E2E_BG="$E2E_BG $LW"
if wait_until 10 file_count_ge "$W" " Canary " 3; then
	e2e_ok "list rollouts -w: the table first"
else
	e2e_fail "list rollouts -w: the table first" "stdout: $(cat "$W")" "stderr: $(cat "$W.err")"
fi
# the watch must be open before the patches, or they are in its list
wait_until 10 reqlog_has GET /apis/argoproj.io/v1alpha1/namespaces/shop/rollouts watch
# a change outside the columns prints nothing; then one in AVAILABLE a row
BASEP=/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/search/status
req PATCH "$BASEP" -H 'Content-Type: application/merge-patch+json' \
	--data-binary '{"status":{"message":"ReplicaSet search-8e7d6c5b4 is progressing"}}'
expect_eq "$CODE" 200 "PATCH search's status.message"
req PATCH "$BASEP" -H 'Content-Type: application/merge-patch+json' \
	--data-binary '{"status":{"availableReplicas":5}}'
expect_eq "$CODE" 200 "PATCH search's status.availableReplicas"
ROW='search      Canary     Progressing   0/4   25          4/5    4        1           5        '
if wait_until 10 file_has "$W" "$ROW"; then
	e2e_ok "list rollouts -w: a new row for search with AVAILABLE 5"
else
	e2e_fail "list rollouts -w: a new row for search with AVAILABLE 5" "stdout: $(cat "$W")"
fi
kill -INT "$LW"
watch_end "$LW"
expect_eq "$WATCH_RC" 0 "list rollouts -w: SIGINT ends it with exit 0"
{
	cat "$EXPECT/list-rollouts-shop.txt"
	printf '%s\n' "$ROW"
} >"$WORK/want-watch"
if diff -u "$WORK/want-watch" "$W" >"$WORK/diff"; then
	e2e_ok "list rollouts -w: the table, then exactly one row (the AVAILABLE change)"
else
	e2e_fail "list rollouts -w: the table, then exactly one row" "$(sed 's/$/|/' "$WORK/diff")"
fi
expect_eq "$(cat "$W.err")" "" "list rollouts -w: nothing on stderr"

# -w on an empty namespace: no "No resources found.", a row once one appears
W=$WORK/list-watch-empty.out
HOME=$WORK/home KUBECONFIG='' "$KR" --kubeconfig "$KUBECONFIG_FILE" -n quiet \
	list rollouts -w </dev/null >"$W" 2>"$W.err" &
LW=$!
E2E_BG="$E2E_BG $LW"
wait_until 10 reqlog_has GET /apis/argoproj.io/v1alpha1/namespaces/quiet/rollouts watch
cat >"$WORK/quiet-ro.json" <<'EOF'
{"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout",
 "metadata":{"name":"api","namespace":"quiet"},
 "spec":{"replicas":2,"selector":{"matchLabels":{"app":"api"}},
  "template":{"metadata":{"labels":{"app":"api"}},
   "spec":{"containers":[{"name":"api","image":"registry.example.com/api:1.0.0"}]}},
  "strategy":{"canary":{"steps":[{"setWeight":50},{"pause":{}}]}}}}
EOF
req POST /apis/argoproj.io/v1alpha1/namespaces/quiet/rollouts \
	-H 'Content-Type: application/json' --data-binary "@$WORK/quiet-ro.json"
expect_eq "$CODE" 201 "create a rollout in quiet"
if wait_until 10 file_has "$W" "api "; then
	e2e_ok "list rollouts -w (empty namespace): the new rollout's row"
else
	e2e_fail "list rollouts -w (empty namespace): the new rollout's row" "stdout: $(cat "$W")"
fi
kill -INT "$LW"
watch_end "$LW"
expect_eq "$WATCH_RC" 0 "list rollouts -w (empty namespace): SIGINT, exit 0"
expect_not_contains "$(cat "$W.err")" "No resources found." \
	"list rollouts -w (empty namespace): no 'No resources found.'"

finish
