#!/usr/bin/env bash
# kr-names: names and namespaces go into URL paths, so kubectl-rollouts
# refuses what client-go refuses (empty, ".", "..", "/" or "%" inside) with
# one usage line (exit 2) before any request: `abort ''` must not patch
# .../rollouts/status, `set image NAME/status` must not PUT the status
# subresource, `get rollout ''` must not print an empty tree.
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
start_sim --no-controller --fixtures "$FIXTURES/kr/shop.yaml"

kr() {
	HOME=$WORK/home KUBECONFIG='' NO_COLOR=1 timeout 20 "$KR" \
		--kubeconfig "$KUBECONFIG_FILE" "$@" </dev/null
}

# refused WHY ARGS...: exit 2, nothing on stdout, one error line ending WHY
refused() {
	local why=$1
	shift
	expect_exit 2 kr "$@"
	expect_eq "$OUT" "" "$*: nothing on stdout"
	expect_eq "$(printf '%s\n' "$ERR" | wc -l)" 1 "$*: one line on stderr"
	expect_contains "$ERR" "kubectl-rollouts: error: " "$*: the error prefix"
	expect_contains "$ERR" "$why" "$*: $why"
}

: >"$REQLOG"
refused "resource name may not be empty" get rollout "" -n shop
refused "resource name may not be empty" abort "" -n shop
refused "invalid resource name '.': may not be '.'" promote . -n shop
refused "invalid resource name '..': may not be '..'" status .. -n shop
refused "invalid resource name 'web/status': may not contain '/'" \
	set image web/status web=nginx:2 -n shop
refused "invalid resource name 'web%2Fstatus': may not contain '%'" \
	restart web%2Fstatus -n shop
refused "invalid resource name 'x/y': may not contain '/'" \
	retry rollout web x/y -n shop
refused "invalid resource name 'a/b': may not contain '/'" \
	terminate analysisrun a/b -n shop
refused "invalid namespace 'shop/x': may not contain '/'" list rollouts -n shop/x
refused "invalid namespace '..': may not be '..'" get rollout web --namespace=..
expect_eq "$(grep -c . "$REQLOG" || true)" 0 "no request reached the server"

# valid names still work
expect_exit 0 kr get rollout web -n shop
expect_contains "$OUT" "Name:            web" "a valid name is fetched"
expect_exit 0 kr list rollouts -n shop
finish
