#!/usr/bin/env bash
# kr-dashboard: `kubectl-rollouts dashboard` over HTTP (curl), against
# rollouts-sim with its controller on the manual clock: the flags' usage
# errors and the rule that an address other than loopback needs a token or
# --read-only; the URL it prints; the pages and the API at /api/v1 and
# under the root path (list, one rollout's view, not found, a namespace not
# watched); the event streams (a snapshot first, then a change of the
# canary reaches the stream without any polling); actions through the write
# commands (set image with an image name's slash encoded, promote, undo) and
# their refusals: a foreign Origin, a cross-site fetch, no CSRF token, a
# foreign Host (DNS rebinding), --read-only; the bearer token of
# --token-file (header or cookie, 401 without); and SIGTERM ending it with
# 0 while streams are open. The browser checks are kr-dashboard-browser.
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
RO=/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts

if "$KR" dashboard --port -1 2>&1 | grep -q "built without the dashboard"; then
	skip "built without the dashboard feature"
fi

cat >"$WORK/shop.yaml" <<'YAML'
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: example/web:1.0}]}
  strategy:
    canary:
      steps: [{setWeight: 25}, {pause: {duration: 30s}}, {setWeight: 75}, {pause: {}}]
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: api, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: example/api:1.0}]}
  strategy:
    canary:
      steps: [{setWeight: 50}, {pause: {}}]
YAML

E2E_CONTROLLER=1 start_sim --clock manual --fixtures "$WORK/shop.yaml"
advance 10s
SIM_BASE=$BASE
export KUBECONFIG=$KUBECONFIG_FILE

# ------------------------------------------------------------ usage

expect_exit 2 "$KR" dashboard -n shop --address 0.0.0.0 -p 0
expect_contains "$ERR" "address '0.0.0.0' is not a loopback one: it needs --token-file or --read-only" \
	"a public address without a token or --read-only is refused"
expect_exit 2 "$KR" dashboard -n shop --root-path a/b -p 0
expect_exit 2 "$KR" dashboard -n shop --root-path api -p 0
expect_exit 2 "$KR" dashboard -n shop -p 70000
expect_exit 2 "$KR" dashboard -n shop -p 0 extra
expect_exit 3 "$KR" dashboard -n shop -p 0 --token-file "$WORK/none"
: >"$WORK/empty"
expect_exit 8 "$KR" dashboard -n shop -p 0 --token-file "$WORK/empty"
expect_contains "$ERR" "kubectl-rollouts: error: token file" "an empty token file is invalid input"

# ------------------------------------------------------ start one

# dash_start NAME ARGS...: a dashboard in the background; its URL in
# DASH_URL, its pid in DASH_PID
dash_start() {
	local name=$1
	shift
	"$KR" dashboard -n shop -p 0 "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
	DASH_PID=$!
	E2E_BG="$E2E_BG $DASH_PID"
	if ! wait_until 10 file_has "$WORK/$name.out" "http://"; then
		e2e_fail "dashboard $* prints its URL" "$(cat "$WORK/$name.err")"
		finish
	fi
	DASH_URL=$(head -n 1 "$WORK/$name.out")
}

dash_start d1
D1_PID=$DASH_PID
D1=$DASH_URL
case "$D1" in
http://127.0.0.1:[0-9]*/rollouts/) e2e_ok "the URL on stdout: $D1" ;;
*) e2e_fail "the URL on stdout" "got: $D1" ;;
esac
HOSTPORT=${D1#http://}
HOSTPORT=${HOSTPORT%%/*}
BASE=http://$HOSTPORT

# ------------------------------------------------------------ reads

req GET /
expect_eq "$CODE $(header Location)" "302 /rollouts/" "/ redirects to the root path"
req GET /rollouts/
expect_eq "$CODE" 200 "the list page"
expect_contains "$BODY" 'data-root="rollouts"' "the page knows its root path"
expect_contains "$(header Content-Security-Policy)" "default-src 'self'" "the page forbids other origins' resources"
expect_eq "$(header X-Frame-Options)" DENY "the page cannot be framed"
CSRF=$(printf '%s' "$BODY" | sed -n 's/.*data-csrf="\([0-9a-f]*\)".*/\1/p')
expect_eq "${#CSRF}" 32 "the page carries a CSRF token"
req GET /rollouts/rollout/shop/web
expect_eq "$CODE" 200 "a rollout's page"
req GET /rollouts/app.js
expect_eq "$CODE $(header Content-Type)" "200 text/javascript; charset=utf-8" "the script is embedded"
req GET /rollouts/app.css
expect_eq "$CODE" 200 "the style sheet is embedded"
req GET /rollouts/nothing/here
expect_eq "$CODE" 404 "an unknown page is 404"

wait_until 10 bash -c "curl -s $BASE/api/v1/rollouts/shop/info | grep -q '\"web\"'"
req GET /api/v1/rollouts/shop/info
expect_eq "$CODE" 200 "GET /api/v1/rollouts/shop/info"
expect_eq "$(printf '%s' "$BODY" | jval '[r["name"] + ":" + r["status"] for r in d["rollouts"]]')" \
	'["api:Healthy","web:Healthy"]' "the list's rows"
expect_eq "$(printf '%s' "$BODY" | jval '"revisions" in d["rollouts"][0]')" false "a row has no revisions"
req GET /rollouts/api/v1/rollouts/shop/web/info
expect_eq "$CODE" 200 "the API under the root path"
expect_eq "$(printf '%s' "$BODY" | jval '[d["name"], d["strategy"], d["step"], d["setWeight"], len(d["steps"]), d["currentStepIndex"], d["revisions"][0]["replicaSets"][0]["images"]]')" \
	'["web","Canary","4/4",100,4,4,["example/web:1.0"]]' "a rollout's view: get -o json plus the steps"
"$KR" get rollout web -n shop -o json | python3 -c '
import json, sys
def noage(v):
    if isinstance(v, dict):
        return {k: noage(x) for k, x in v.items() if k != "age"}
    if isinstance(v, list):
        return [noage(x) for x in v]
    return v
print(json.dumps(noage(json.load(sys.stdin))))' >"$WORK/get.json"
printf '%s' "$BODY" | python3 -c '
import json, sys
def noage(v):
    if isinstance(v, dict):
        return {k: noage(x) for k, x in v.items() if k != "age"}
    if isinstance(v, list):
        return [noage(x) for x in v]
    return v
d = noage(json.load(sys.stdin))
for k in ("steps", "currentStepIndex", "paused", "aborted"):
    d.pop(k)
for r in d["revisions"]:
    for a in r["analysisRuns"]:
        a.pop("metrics")
print(json.dumps(d))' >"$WORK/dash.json"
if json_subset "$WORK/get.json" "$WORK/dash.json"; then
	e2e_ok "the view holds what get rollout -o json prints"
else
	e2e_fail "the view holds what get rollout -o json prints"
fi
req GET /api/v1/rollouts/shop/nope/info
expect_eq "$CODE $(printf '%s' "$BODY" | jval 'd["error"]')" \
	"404 rollout 'nope' not found in namespace 'shop'" "an unknown rollout is 404"
req GET /api/v1/rollouts/other/info
expect_eq "$CODE" 404 "a namespace not watched is 404"
req GET /api/v1/rollouts/_all/info
expect_eq "$CODE" 404 "every namespace only with -A"
req GET /api/v1/rollouts/shop/info -H "Host: evil.example:$PORT"
expect_eq "$CODE" 403 "a foreign Host is refused (DNS rebinding)"
req GET /api/v1/rollouts/shop/info -H "Host: localhost:${HOSTPORT#*:}"
expect_eq "$CODE" 200 "localhost is a loopback Host"

# ---------------------------------------------------------- streams

watch_bg "$WORK/list.sse" /api/v1/rollouts/shop/info/watch
LIST_PID=$WATCH_PID
watch_bg "$WORK/web.sse" /api/v1/rollouts/shop/web/info/watch
WEB_PID=$WATCH_PID
if wait_until 10 file_has "$WORK/list.sse" "event: snapshot" &&
	wait_until 10 file_has "$WORK/web.sse" "event: info"; then
	e2e_ok "a stream starts with the whole state"
else
	e2e_fail "a stream starts with the whole state" "$(head -c 500 "$WORK/list.sse")"
fi
expect_true "the stream tells the client to reconnect after 1 s" file_has "$WORK/list.sse" "retry: 1000"

# ---------------------------------------------------------- actions

put() {
	req PUT "$1" "${@:2}"
}
BASE=$SIM_BASE req GET "$RO/web"
RV=$(printf '%s' "$BODY" | jval 'd["metadata"]["resourceVersion"]')

put /api/v1/rollouts/shop/web/abort -H "X-CSRF-Token: $CSRF" -H "Origin: http://evil.example"
expect_eq "$CODE $(printf '%s' "$BODY" | jval 'd["error"]')" "403 cross-origin request refused" \
	"a PUT from another origin is refused"
put /api/v1/rollouts/shop/web/abort -H "X-CSRF-Token: $CSRF" -H "Sec-Fetch-Site: cross-site"
expect_eq "$CODE" 403 "a cross-site fetch is refused"
put /api/v1/rollouts/shop/web/abort
expect_eq "$CODE $(printf '%s' "$BODY" | jval 'd["error"]')" "403 missing or wrong X-CSRF-Token" \
	"a PUT without the CSRF token is refused"
put /api/v1/rollouts/shop/web/abort -H "X-CSRF-Token: 0123456789abcdef0123456789abcdef"
expect_eq "$CODE" 403 "a PUT with a wrong CSRF token is refused"
BASE=$SIM_BASE req GET "$RO/web"
expect_eq "$(printf '%s' "$BODY" | jval 'd["metadata"]["resourceVersion"]')" "$RV" \
	"the refused PUTs changed nothing"

put /api/v1/rollouts/shop/web/set/web/registry.example%2Fteam%2Fweb/2.0 -H "X-CSRF-Token: $CSRF" \
	-H "Origin: http://$HOSTPORT"
expect_eq "$CODE $(printf '%s' "$BODY" | jval '[d["ok"], d["message"]]')" \
	'200 [true,"rollout \"web\" image updated"]' "set image: the write command's message"
BASE=$SIM_BASE req GET "$RO/web"
expect_eq "$(printf '%s' "$BODY" | jval 'd["spec"]["template"]["spec"]["containers"][0]["image"]')" \
	"registry.example/team/web:2.0" "set image: the image's slashes decoded"
BASE=$SIM_BASE advance 5s
if wait_until 10 file_has "$WORK/web.sse" '"step":"1/4"' &&
	wait_until 10 file_has "$WORK/list.sse" '"status":"Paused"'; then
	e2e_ok "the streams carry the canary's progress"
else
	e2e_fail "the streams carry the canary's progress" "$(tail -c 600 "$WORK/web.sse")"
fi
put /rollouts/api/v1/rollouts/shop/web/promote -H "X-CSRF-Token: $CSRF"
expect_eq "$CODE $(printf '%s' "$BODY" | jval 'd["message"]')" "200 rollout 'web' promoted" \
	"promote under the root path"
put /api/v1/rollouts/shop/nope/promote -H "X-CSRF-Token: $CSRF"
expect_eq "$CODE $(printf '%s' "$BODY" | jval '[d["ok"], d["exitCode"]]')" '404 [false,3]' \
	"an action on an unknown rollout: the command's exit code 3 as 404"
expect_contains "$BODY" "not found" "its message is the command's error line"
put /api/v1/rollouts/shop/web/launch -H "X-CSRF-Token: $CSRF"
expect_eq "$CODE" 404 "an unknown action is 404"
put /api/v1/rollouts/other/web/promote -H "X-CSRF-Token: $CSRF"
expect_eq "$CODE" 404 "an action in a namespace not watched is 404"
put /api/v1/rollouts/shop/web/undo/1 -H "X-CSRF-Token: $CSRF"
expect_eq "$CODE $(printf '%s' "$BODY" | jval 'd["message"]')" "200 rollout 'web' undo" "undo to revision 1"
BASE=$SIM_BASE req GET "$RO/web"
expect_eq "$(printf '%s' "$BODY" | jval 'd["spec"]["template"]["spec"]["containers"][0]["image"]')" \
	"example/web:1.0" "undo: the old template is back"
req POST /api/v1/rollouts/shop/web/promote -H "X-CSRF-Token: $CSRF"
expect_eq "$CODE" 405 "POST is not an action"

# ------------------------------------------------------- read-only

dash_start ro --read-only
RO_PID=$DASH_PID
BASE=${DASH_URL%/rollouts/}
req GET /rollouts/
expect_contains "$BODY" 'data-readonly="true"' "the read-only page knows it"
expect_contains "$BODY" 'data-csrf=""' "the read-only page carries no CSRF token"
put /api/v1/rollouts/shop/api/promote -H "X-CSRF-Token: $CSRF"
expect_eq "$CODE $(printf '%s' "$BODY" | jval 'd["error"]')" "403 the dashboard is read-only" \
	"--read-only refuses actions"
kill "$RO_PID"
bg_end "$RO_PID"

# ----------------------------------------------------- bearer token

printf 's3cret-token\n' >"$WORK/token"
dash_start tok --address 0.0.0.0 --token-file "$WORK/token"
TOK_PID=$DASH_PID
case "$DASH_URL" in
http://0.0.0.0:*) e2e_ok "a public address with a token starts" ;;
*) e2e_fail "a public address with a token starts" "$DASH_URL" ;;
esac
TP=${DASH_URL#http://0.0.0.0:}
BASE=http://127.0.0.1:${TP%%/*}
req GET /api/v1/rollouts/shop/info
expect_eq "$CODE" 401 "no token: 401"
req GET /rollouts/
expect_eq "$CODE" 401 "the page without a token: the sign-in form"
expect_contains "$BODY" '<label for="t">Bearer token</label>' "the sign-in form is labelled"
req GET /api/v1/rollouts/shop/info -H "Authorization: Bearer wrong"
expect_eq "$CODE" 401 "a wrong token: 401"
req GET /api/v1/rollouts/shop/info -H "Authorization: Bearer s3cret-token"
expect_eq "$CODE" 200 "the bearer token reads"
req GET /rollouts/ -H "Cookie: pdkit_dash_token=s3cret-token"
expect_eq "$CODE" 200 "the sign-in cookie reads"
put /api/v1/rollouts/shop/api/restart -H "Authorization: Bearer s3cret-token"
expect_eq "$CODE $(printf '%s' "$BODY" | jval 'd["message"]')" "200 rollout 'api' restarts in 0s" \
	"a bearer header acts without the page's CSRF token"
put /api/v1/rollouts/shop/api/restart -H "Cookie: pdkit_dash_token=s3cret-token"
expect_eq "$CODE" 403 "the cookie alone does not act (CSRF)"
expect_not_contains "$(cat "$WORK"/*.out "$WORK"/*.err)" "s3cret" "the token is never printed"
kill "$TOK_PID"
bg_end "$TOK_PID"
expect_eq "$BG_RC" 0 "SIGTERM ends the dashboard with 0"

# ------------------------------------------------ SIGTERM with streams

kill "$D1_PID"
bg_end "$D1_PID"
expect_eq "$BG_RC" 0 "SIGTERM ends it with 0 while streams are open"
watch_end "$LIST_PID" 10
expect_ne "$WATCH_RC" running "the open streams end with the server"
watch_end "$WEB_PID" 10
BASE=$SIM_BASE

# ------------------------------------- -A, and the metrics' latest values

stop_sim
start_sim --fixtures "$FIXTURES/kr/shop.yaml"
SIM_BASE=$BASE
export KUBECONFIG=$KUBECONFIG_FILE
dash_start all -A
ALL_PID=$DASH_PID
BASE=${DASH_URL%/rollouts/}
wait_until 10 bash -c "curl -s $BASE/api/v1/rollouts/_all/info | grep -q payments"
req GET /api/v1/rollouts/_all/info
expect_eq "$(printf '%s' "$BODY" | jval '[r["namespace"] + "/" + r["name"] for r in d["rollouts"]]')" \
	'["shop/checkout","shop/payments","shop/search","shop/web"]' "-A: the list of every namespace at _all"
req GET /rollouts/
expect_contains "$BODY" 'data-ns="_all"' "-A: the page lists every namespace"
AR=payments-9c8b7a6d5-3
watch_bg "$WORK/pay.sse" /api/v1/rollouts/shop/payments/info/watch
PAY_PID=$WATCH_PID
wait_until 10 file_has "$WORK/pay.sse" "event: info"
expect_eq "$(sed -n 's/^data: //p' "$WORK/pay.sse" | tail -n 1 | jval '[a["metrics"] for r in d["revisions"] for a in r["analysisRuns"] if a["name"] == "'$AR'"]')" \
	'[[{"count":5,"name":"error-rate","phase":"Failed","value":null}]]' "an analysis run's metrics, no measurement yet"
BASE=$SIM_BASE req_json PATCH "/apis/argoproj.io/v1alpha1/namespaces/shop/analysisruns/$AR" \
	application/merge-patch+json \
	'{"status":{"metricResults":[{"name":"error-rate","phase":"Failed","count":6,"measurements":[{"phase":"Successful","value":"0.01"},{"phase":"Failed","value":"0.12"}]}]}}'
expect_eq "$CODE" 200 "a new measurement"
if wait_until 10 file_has "$WORK/pay.sse" '"value":"0.12"'; then
	e2e_ok "the stream carries the metric's latest value"
else
	e2e_fail "the stream carries the metric's latest value" "$(tail -c 800 "$WORK/pay.sse")"
fi
kill "$ALL_PID"
bg_end "$ALL_PID"
expect_eq "$BG_RC" 0 "the -A dashboard ends with 0"
watch_end "$PAY_PID" 10
BASE=$SIM_BASE
finish
