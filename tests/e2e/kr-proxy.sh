#!/usr/bin/env bash
# kr-proxy: kubectl-rollouts picks its proxy as kubectl does (src/proxy.c):
# HTTP(S)_PROXY / http(s)_proxy never apply to a loopback server, even when
# they point at a dead port; NO_PROXY exempts a name; a kubeconfig
# proxy-url applies to every server, loopback included, and when it cannot
# be reached the error names the proxy (without its credentials) and the
# server, exit 1. libcurl's own reading of the environment never applies.
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
KRFIX=$FIXTURES/kr
FIX=(--no-controller --fixtures "$KRFIX/shop.yaml")
TOKEN=kr-proxy-s3cret-$$-token
PROXY_PW=pr0xy-pw-$$

# a dead port: a server that was listening and is gone
start_sim "${FIX[@]}"
DEAD=$PORT
stop_sim
DEADP=http://127.0.0.1:$DEAD

# kr ENV... -- ARGS...: kubectl-rollouts (bounded) with only these proxy
# variables set
kr() {
	local envs=()
	while [ "$1" != "--" ]; do
		envs+=("$1")
		shift
	done
	shift
	expect_exit "$WANT" timeout 20 env -u HTTP_PROXY -u http_proxy \
		-u HTTPS_PROXY -u https_proxy -u NO_PROXY -u no_proxy \
		-u ALL_PROXY -u all_proxy -u REQUEST_METHOD \
		HOME="$WORK/home" KUBECONFIG='' NO_COLOR=1 "${envs[@]}" \
		"$KR" "$@"
}

# --------------------------------------------- the environment, loopback
start_sim "${FIX[@]}"
HTTP_KC=$KUBECONFIG_FILE
HTTP_PORT=$PORT
WANT=0
kr http_proxy="$DEADP" HTTP_PROXY="$DEADP" https_proxy="$DEADP" \
	HTTPS_PROXY="$DEADP" ALL_PROXY="$DEADP" -- \
	--kubeconfig "$HTTP_KC" -n shop get rollout web
expect_contains "$OUT" "web" "http: dead http_proxy/HTTP_PROXY/ALL_PROXY do not apply to 127.0.0.1"
sed "s|127\.0\.0\.1:$HTTP_PORT|localhost:$HTTP_PORT|" "$HTTP_KC" >"$WORK/kc-localhost"
kr http_proxy="$DEADP" -- --kubeconfig "$WORK/kc-localhost" -n shop list rollouts
expect_contains "$OUT" "web" "http: a dead http_proxy does not apply to localhost"

# -------------------------------- the kubeconfig's proxy-url, loopback too
# proxy-url goes into the cluster, after its server line
sed "s|^\( *\)server: \(.*\)|&\n\1proxy-url: http://u:$PROXY_PW@127.0.0.1:$DEAD|" \
	"$HTTP_KC" >"$WORK/kc-proxy"
expect_contains "$(cat "$WORK/kc-proxy")" "proxy-url:" "kubeconfig with proxy-url written"
WANT=1
kr -- --kubeconfig "$WORK/kc-proxy" -n shop get rollout web
expect_eq "$(printf '%s\n' "$ERR" | wc -l)" 1 "proxy-url dead: one line on stderr"
expect_contains "$ERR" "kubectl-rollouts: error: cannot reach proxy '$DEADP' for http://127.0.0.1:$HTTP_PORT" \
	"proxy-url dead: the error names the proxy and the server ($ERR)"
expect_not_contains "$OUT$ERR" "$PROXY_PW" "proxy-url dead: no proxy password in the output"
expect_eq "$OUT" "" "proxy-url dead: nothing on stdout"
# NO_PROXY does not exempt from proxy-url (client-go's http.ProxyURL)
kr NO_PROXY='*' -- --kubeconfig "$WORK/kc-proxy" -n shop list rollouts
expect_contains "$ERR" "cannot reach proxy '$DEADP'" "proxy-url applies whatever NO_PROXY says"
stop_sim

# ------------------------------------------------ https: HTTPS_PROXY
start_sim --tls --token "$TOKEN" "${FIX[@]}"
TLS_KC=$KUBECONFIG_FILE
WANT=0
kr HTTPS_PROXY="$DEADP" https_proxy="$DEADP" -- --kubeconfig "$TLS_KC" -n shop get rollout web
expect_contains "$OUT" "web" "https: a dead HTTPS_PROXY does not apply to 127.0.0.1"
sed "s|^\( *\)server: \(.*\)|&\n\1proxy-url: http://127.0.0.1:$DEAD|" "$TLS_KC" >"$WORK/kc-tls-proxy"
WANT=1
kr -- --kubeconfig "$WORK/kc-tls-proxy" -n shop status web --watch=false
expect_contains "$ERR" "cannot reach proxy '$DEADP' for https://127.0.0.1:$PORT" \
	"https proxy-url dead: the error names the proxy ($ERR)"
expect_not_contains "$OUT$ERR" "$TOKEN" "https proxy-url dead: no token in the output"
stop_sim

# --------------------------- a name that is not loopback: the environment
# (".invalid" never resolves, RFC 6761; nothing leaves the machine)
sed "s|127\.0\.0\.1:$HTTP_PORT|sim.invalid:$HTTP_PORT|" "$HTTP_KC" >"$WORK/kc-invalid"
WANT=1
kr HTTP_PROXY="$DEADP" -- --kubeconfig "$WORK/kc-invalid" -n shop get rollout web
expect_contains "$ERR" "cannot reach proxy '$DEADP' for http://sim.invalid:$HTTP_PORT" \
	"HTTP_PROXY applies to a name ($ERR)"
kr http_proxy="$DEADP" -- --kubeconfig "$WORK/kc-invalid" -n shop get rollout web
expect_contains "$ERR" "cannot reach proxy '$DEADP'" "http_proxy applies too ($ERR)"
kr HTTPS_PROXY="$DEADP" -- --kubeconfig "$WORK/kc-invalid" -n shop get rollout web
expect_not_contains "$ERR" "proxy" "HTTPS_PROXY does not apply to an http server ($ERR)"
kr HTTP_PROXY="$DEADP" NO_PROXY=example.com,.invalid -- --kubeconfig "$WORK/kc-invalid" -n shop get rollout web
expect_not_contains "$ERR" "proxy" "NO_PROXY=.invalid exempts sim.invalid ($ERR)"
kr HTTP_PROXY="$DEADP" no_proxy="sim.invalid:$HTTP_PORT" -- --kubeconfig "$WORK/kc-invalid" -n shop get rollout web
expect_not_contains "$ERR" "proxy" "no_proxy=NAME:PORT exempts it ($ERR)"
kr HTTP_PROXY="$DEADP" REQUEST_METHOD=GET -- --kubeconfig "$WORK/kc-invalid" -n shop get rollout web
expect_contains "$ERR" "refusing to use HTTP_PROXY value in CGI environment" \
	"with REQUEST_METHOD (CGI) HTTP_PROXY is refused ($ERR)"

finish
