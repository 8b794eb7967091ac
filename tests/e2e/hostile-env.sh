#!/usr/bin/env bash
# hostile-env: the tools and this harness in a hostile environment, the
# kind a developer's shell has: TERM=dumb; http_proxy, https_proxy,
# HTTPS_PROXY, HTTP_PROXY, ALL_PROXY pointing at a dead local port; a HOME
# whose ~/.curlrc holds `fail`, `proxy = 127.0.0.1:9` and `silent` and whose
# ~/.kube/config names a dead server; odd LANG, LC_ALL and LC_NUMERIC; a
# TMPDIR with spaces (so rollouts-sim's --port-file and --kubeconfig, and
# gitops-render -o, go to directories with spaces). It checks outputs and
# exit codes of kubectl-rollouts get/list/status/promote against
# rollouts-sim, gitops-render -o, rollouts-sim's start, and that the
# harness's own curl is immune (-q, --noproxy '*').
#
# kubectl-rollouts itself runs here with the proxy variables removed; with
# them it must still reach a loopback server directly: that part needs the
# client's loopback no-proxy fix and is tests/e2e/hostile-proxy.sh, which
# runs this script with --proxied (every check then carries the label
# "[loopback no-proxy]").
#
# The script re-runs itself inside the hostile environment (stage 2).

if [ -z "${HOSTILE_STAGE:-}" ]; then
	base=$(mktemp -d "${TMPDIR:-/tmp}/hostile env.XXXXXX") || exit 1
	mkdir -p "$base/tmp dir with spaces" "$base/home dir/.kube" || exit 1
	# a local port nothing listens on
	dead=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
	[ -n "$dead" ] || dead=9
	printf 'fail\nproxy = 127.0.0.1:9\nsilent\n' >"$base/home dir/.curlrc"
	cat >"$base/home dir/.kube/config" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: dead
  cluster: {server: "http://127.0.0.1:$dead"}
contexts:
- name: dead
  context: {cluster: dead, namespace: shop}
current-context: dead
users: []
EOF
	proxy=http://127.0.0.1:$dead
	HOSTILE_STAGE=2 HOSTILE_DEAD=$dead \
		TERM=dumb \
		http_proxy=$proxy https_proxy=$proxy HTTPS_PROXY=$proxy HTTP_PROXY=$proxy \
		ALL_PROXY=$proxy all_proxy=$proxy no_proxy= NO_PROXY= \
		HOME="$base/home dir" CURL_HOME="$base/home dir" XDG_CONFIG_HOME="$base/home dir" \
		LANG=tr_TR.ISO-8859-9 LC_ALL=tr_TR.UTF-8 LC_NUMERIC=de_DE.UTF-8 \
		TMPDIR="$base/tmp dir with spaces" \
		bash "$0" "$@" 2> >(grep -v 'setlocale: LC_ALL: cannot change locale' >&2)
	rc=$?
	rm -rf "$base"
	exit $rc
fi

PROXIED=0
if [ "${1:-}" = --proxied ]; then
	PROXIED=1
	shift
fi
. "$(dirname "$0")/lib.sh"
if [ "$PROXIED" = 1 ]; then
	E2E_NAME=hostile-proxy
fi

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
GR=${GITOPS_RENDER:?GITOPS_RENDER is not set}
KRFIX=$FIXTURES/kr
export PDKIT_NOW=2026-01-08T00:00:00Z
PROXY_VARS=(http_proxy https_proxy HTTPS_PROXY HTTP_PROXY ALL_PROXY all_proxy)

# check LABEL...: a check's name, with "[loopback no-proxy]" in front when
# kubectl-rollouts runs with the proxy variables (hostile-proxy)
label() {
	if [ "$PROXIED" = 1 ]; then
		printf '[loopback no-proxy] %s' "$*"
	else
		printf '%s' "$*"
	fi
}

# kr ARGS...: kubectl-rollouts in the hostile environment (without the
# proxy variables unless --proxied), KUBECONFIG naming the server's file
kr() {
	local unset=()
	if [ "$PROXIED" = 0 ]; then
		local v
		for v in "${PROXY_VARS[@]}"; do
			unset+=(-u "$v")
		done
	fi
	env "${unset[@]}" KUBECONFIG="$KUBECONFIG_FILE" timeout 20 "$KR" "$@" </dev/null
}

# kr_exit CODE MSG ARGS...: kr ARGS exits CODE; $OUT and $ERR hold its output
kr_exit() {
	local want=$1 msg=$2 rc
	shift 2
	kr "$@" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	OUT=$(cat "$WORK/out")
	ERR=$(cat "$WORK/err")
	if [ "$rc" = "$want" ]; then
		e2e_ok "$(label "$msg: exit $want")"
	else
		e2e_fail "$(label "$msg: exit $want")" "got exit $rc" \
			"stdout: $(head -c 1500 "$WORK/out")" "stderr: $(head -c 1500 "$WORK/err")"
	fi
}

# ------------------------------------------------ the environment is hostile
expect_eq "$TERM" dumb "$(label "TERM is dumb")"
expect_contains "$TMPDIR" " " "$(label "TMPDIR has spaces")"
expect_eq "$LANG:$LC_ALL:$LC_NUMERIC" "tr_TR.ISO-8859-9:tr_TR.UTF-8:de_DE.UTF-8" "$(label "odd LANG, LC_ALL, LC_NUMERIC")"
expect_eq "${http_proxy:-}:${HTTPS_PROXY:-}" "http://127.0.0.1:$HOSTILE_DEAD:http://127.0.0.1:$HOSTILE_DEAD" \
	"$(label "http_proxy and HTTPS_PROXY name a dead local port")"
expect_eq "$(cat "$HOME/.curlrc")" "$(printf 'fail\nproxy = 127.0.0.1:9\nsilent')" \
	"$(label "~/.curlrc holds fail, a dead proxy, silent")"
expect_contains "$WORK" "$TMPDIR/" "$(label "the harness's directory is under TMPDIR")"

# ------------------------------------------------- rollouts-sim's start
# start_sim passes --port-file and --kubeconfig under $WORK (with spaces)
start_sim --no-controller --fixtures "$KRFIX/shop.yaml" --fixtures "$KRFIX/other.yaml"
expect_contains "$SIM_DIR" " " "$(label "rollouts-sim's files are in a directory with spaces")"
if printf '%s' "$PORT" | grep -Eqx '[0-9]+'; then
	e2e_ok "$(label "--port-file in a directory with spaces: the port ($PORT)")"
else
	e2e_fail "$(label "--port-file in a directory with spaces: the port")" "port file: $PORT"
fi
expect_contains "$(cat "$KUBECONFIG_FILE")" "http://127.0.0.1:$PORT" \
	"$(label "--kubeconfig in a directory with spaces: the server")"

# a plain curl obeys ~/.curlrc and the proxies: the environment does bite
curl -o /dev/null "$BASE/version" 2>/dev/null
expect_ne "$?" 0 "$(label "a curl without -q and --noproxy fails here (the environment is hostile)")"
# the harness's curl does not
req GET /version
expect_eq "$CURL_RC:$CODE" "0:200" "$(label "the harness's curl (-q --noproxy '*') reaches rollouts-sim")"
expect_contains "$BODY" '"gitVersion"' "$(label "the harness's curl: the body, not a proxy's")"

# ------------------------------------------------------- kubectl-rollouts
kr_exit 0 "list rollouts -n shop" list rollouts -n shop
expect_eq "$OUT" "$(cat "$KRFIX/expect/list-rollouts-shop.txt")" \
	"$(label "list rollouts -n shop: the table, byte for byte")"
expect_eq "$ERR" "" "$(label "list rollouts -n shop: nothing on stderr")"

kr_exit 0 "get rollout web" get rollout web -n shop
expect_contains "$OUT" "Status:          ✔ Healthy" "$(label "get rollout web: Healthy, its symbol intact")"
expect_not_contains "$OUT" $'\033' "$(label "get rollout web: TERM=dumb, no escape sequences")"
cp "$WORK/out" "$WORK/web-dumb.txt"
kr_exit 0 "get rollout web --no-color" get rollout web -n shop --no-color
expect_eq "$(cat "$WORK/web-dumb.txt")" "$OUT" "$(label "get rollout web: TERM=dumb prints what --no-color prints")"
kr_exit 0 "get rollout web -o json" get rollout web -n shop -o json
expect_eq "$(printf '%s' "$OUT" | jval '[d["name"], d["status"], d["replicas"]["desired"]]')" \
	'["web","Healthy",3]' "$(label "get rollout web -o json: name, status, replicas")"

kr_exit 0 "status web --watch=false" status web -n shop --watch=false
expect_eq "$OUT" "Healthy" "$(label "status web --watch=false: Healthy")"
kr_exit 7 "status payments --watch=false" status payments -n shop --watch=false
expect_eq "$OUT" "Degraded" "$(label "status payments --watch=false: Degraded")"
expect_contains "$ERR" "kubectl-rollouts: error: " "$(label "status payments: the error line")"
# a watch that never finishes ends at --timeout: exit 6 (no time measured)
kr_exit 6 "status search --timeout 1s" status search -n shop --timeout 1s

kr_exit 0 "promote checkout" promote checkout -n shop
expect_eq "$OUT" "rollout 'checkout' promoted" "$(label "promote checkout: the plugin's line")"
req GET /apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/checkout
expect_eq "$(printf '%s' "$BODY" | jval 'd["status"].get("pauseConditions")')" null \
	"$(label "promote checkout: the pause conditions are cleared on the server")"

# the dead ~/.kube/config is read when nothing else is named: exit 1, one
# line naming the dead server (not a proxy)
if [ "$PROXIED" = 0 ]; then
	expect_exit 1 env -u KUBECONFIG -u http_proxy -u https_proxy -u HTTPS_PROXY -u HTTP_PROXY \
		-u ALL_PROXY -u all_proxy "$KR" -n shop list rollouts
	expect_contains "$ERR" "127.0.0.1:$HOSTILE_DEAD" "$(label "~/.kube/config's dead server: the message names it")"
fi

# ---------------------------------------------------------- gitops-render
if [ "$PROXIED" = 0 ]; then
	OUTDIR="$TMPDIR/render out"
	mkdir -p "$OUTDIR"
	printf 'kind: ConfigMap\ndata:\n  tag: "{{.TAG}}"\n  n: "{{.N}}"\n' >"$WORK/in put.yaml"
	expect_exit 0 "$GR" -v TAG=v1.2.3 -v N=1.5 -o "$OUTDIR/out put.yaml" "$WORK/in put.yaml"
	expect_eq "$(cat "$OUTDIR/out put.yaml")" "$(printf 'kind: ConfigMap\ndata:\n  tag: "v1.2.3"\n  n: "1.5"')" \
		"gitops-render -o into a directory with spaces: the render"
	expect_eq "$(ls -A "$OUTDIR")" "out put.yaml" "gitops-render -o: no temporary file left"
	expect_eq "$OUT$ERR" "" "gitops-render -o: nothing on stdout or stderr"
	expect_exit 8 "$GR" -o "$OUTDIR/out put.yaml" "$WORK/in put.yaml"
	expect_contains "$ERR" "in put.yaml:3:9: no value for 'TAG'" \
		"gitops-render: a missing value, FILE:LINE:COL in the message"
	expect_contains "$(cat "$OUTDIR/out put.yaml")" 'tag: "v1.2.3"' "gitops-render: a failed render leaves the file"
fi

finish
