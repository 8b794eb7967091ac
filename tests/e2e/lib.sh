# shellcheck shell=bash
# lib.sh: the shared harness of the rollouts-sim end-to-end tests. Sourced by
# every tests/e2e/*.sh script (bash). It starts the real rollouts-sim on a
# free port in a fresh temporary directory, wraps curl and kubectl, and counts
# assertions. A script exits 0 when every assertion held, 1 when one failed,
# 77 (skip) when a tool it needs is absent. Nothing here sleeps for a fixed
# time: waits poll for a condition and give up after a bound.
#
# Inputs (environment, set by tests/meson.build):
#   ROLLOUTS_SIM  path of the rollouts-sim binary (or the script's first arg)
#   FIXTURES      tests/e2e/fixtures (default: next to this file)
#   YAML2JSON     tests/tools/yaml2json (the project's YAML loader), for
#                 yval; without it yval fails the check
#   E2E_KUBECTL   optional, when a script is run by hand (meson test scrubs
#                 it): the kubectl to use, or "none" to run as if kubectl
#                 were not installed (the kubectl tests then skip)
#
# Under meson test every script runs in tests/run-scrubbed's environment
# (fresh HOME and TMPDIR, TERM=dumb, LC_ALL=C.UTF-8, no proxies).

set -u

E2E_NAME=$(basename "$0" .sh)
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROLLOUTS_SIM=${ROLLOUTS_SIM:-${1:-}}
FIXTURES=${FIXTURES:-$E2E_DIR/fixtures}
E2E_CHECKS=0
E2E_FAILS=0
E2E_FAILED=""     # the failed checks, repeated at the end
E2E_SIMS=""       # pids of every rollouts-sim started, for the cleanup
E2E_BG=""         # pids of other background processes (watchers)
SIM_PID=""
SIM_N=0

if [ -z "$ROLLOUTS_SIM" ] || [ ! -x "$ROLLOUTS_SIM" ]; then
	echo "$E2E_NAME: ROLLOUTS_SIM is not set to an executable" >&2
	exit 1
fi
for tool in curl python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool is not installed"
		exit 77
	fi
done

# python3 may be a version-manager shim (slow to start): resolve the
# interpreter once and call it directly
E2E_PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
if [ -z "$E2E_PYTHON" ] || [ ! -x "$E2E_PYTHON" ]; then
	E2E_PYTHON=$(command -v python3)
fi
python3() {
	"$E2E_PYTHON" "$@"
}

# the first arguments of every curl (see start_sim)
CURL_SAFE=(-q --noproxy '*')

WORK=$(mktemp -d "${TMPDIR:-/tmp}/e2e-$E2E_NAME.XXXXXX") || exit 1
mkdir -p "$WORK/home"

# e2e_forget PID: a process that has been reaped; the cleanup must not
# signal its pid (which may have been reused) any more
e2e_forget() {
	E2E_SIMS=$(printf '%s\n' $E2E_SIMS | grep -vx -- "$1" | tr '\n' ' ')
	E2E_BG=$(printf '%s\n' $E2E_BG | grep -vx -- "$1" | tr '\n' ' ')
}

e2e_cleanup() {
	local p
	for p in $E2E_BG; do
		kill "$p" 2>/dev/null
	done
	for p in $E2E_SIMS; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$WORK"
}
trap e2e_cleanup EXIT
trap 'echo "$E2E_NAME: interrupted" >&2; exit 1' INT TERM HUP

# ------------------------------------------------------------ assertions

e2e_ok() {
	E2E_CHECKS=$((E2E_CHECKS + 1))
	echo "ok $E2E_CHECKS - $1"
}

e2e_fail() {
	E2E_CHECKS=$((E2E_CHECKS + 1))
	E2E_FAILS=$((E2E_FAILS + 1))
	echo "not ok $E2E_CHECKS - $1"
	E2E_FAILED="$E2E_FAILED#   not ok $E2E_CHECKS - $1
"
	shift
	local l
	for l in "$@"; do
		printf '#   %s\n' "$l"
	done
}

# expect_eq GOT WANT MSG
expect_eq() {
	if [ "$1" = "$2" ]; then
		e2e_ok "$3"
	else
		e2e_fail "$3" "got:  $1" "want: $2"
	fi
}

expect_ne() {
	if [ "$1" != "$2" ]; then
		e2e_ok "$3"
	else
		e2e_fail "$3" "got:  $1" "want anything else"
	fi
}

# expect_contains HAYSTACK NEEDLE MSG (fixed string)
expect_contains() {
	case "$1" in
	*"$2"*) e2e_ok "$3" ;;
	*) e2e_fail "$3" "missing: $2" "in: $(printf '%s' "$1" | head -c 2000)" ;;
	esac
}

expect_not_contains() {
	case "$1" in
	*"$2"*) e2e_fail "$3" "unexpected: $2" "in: $(printf '%s' "$1" | head -c 2000)" ;;
	*) e2e_ok "$3" ;;
	esac
}

# expect_true MSG CMD... : CMD must exit 0
expect_true() {
	local msg=$1
	shift
	if "$@"; then
		e2e_ok "$msg"
	else
		e2e_fail "$msg" "command failed: $*"
	fi
}

# expect_exit CODE CMD... : runs CMD with its stdout in $OUT and stderr in
# $ERR (files $WORK/out, $WORK/err); an exit of 126 or more (not found,
# killed by a signal) is always a failure.
expect_exit() {
	local want=$1 rc
	shift
	"$@" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	OUT=$(cat "$WORK/out")
	ERR=$(cat "$WORK/err")
	if [ "$rc" -ge 126 ] && [ "$want" -lt 126 ]; then
		e2e_fail "exit $want: $*" "exit $rc (crashed or killed)" "stderr: $ERR"
	elif [ "$rc" = "$want" ]; then
		e2e_ok "exit $want: $*"
	else
		e2e_fail "exit $want: $*" "got exit $rc" "stdout: $(head -c 1500 "$WORK/out")" \
			"stderr: $(head -c 1500 "$WORK/err")"
	fi
	return 0
}

# finish: report and exit with the script's status
finish() {
	if [ -n "$SIM_PID" ]; then
		stop_sim
	fi
	echo "# $E2E_NAME: $E2E_CHECKS checks, $E2E_FAILS failed"
	if [ "$E2E_FAILS" -gt 0 ]; then
		printf '# failed:\n%s' "$E2E_FAILED"
		exit 1
	fi
	exit 0
}

skip() {
	echo "SKIP: $*"
	exit 77
}

# wait_until SECONDS CMD... : poll CMD (every 50 ms) until it succeeds;
# returns 1 when the bound passes first.
wait_until() {
	local limit=$1 i=0
	shift
	local n=$((limit * 20))
	while [ "$i" -lt "$n" ]; do
		if "$@"; then
			return 0
		fi
		sleep 0.05
		i=$((i + 1))
	done
	"$@"
}

# file_has FILE STRING: FILE exists and contains STRING (fixed)
file_has() {
	[ -f "$1" ] && grep -qF -- "$2" "$1"
}

# file_count_ge FILE STRING N: at least N lines of FILE contain STRING
file_count_ge() {
	[ -f "$1" ] && [ "$(grep -cF -- "$2" "$1")" -ge "$3" ]
}

# ------------------------------------------------------------------ JSON

# jval EXPR: read JSON on stdin, print the Python expression EXPR over it
# (d is the document; strings raw, everything else as compact JSON).
jval() {
	python3 -c '
import json, sys
try:
    d = json.loads(sys.stdin.read())
    v = eval(sys.argv[1], {"d": d, "json": json})
except Exception as ex:
    print("<jval error: %s: %s>" % (type(ex).__name__, ex))
    sys.exit(0)
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True, separators=(",", ":")))
' "$1"
}

# yval EXPR: read YAML on stdin with the project's own loader (YAML2JSON),
# then like jval over the array of its documents (d[0] is the first)
yval() {
	if [ -z "${YAML2JSON:-}" ] || [ ! -x "$YAML2JSON" ]; then
		echo "<yval error: YAML2JSON is not set to an executable>"
		return 0
	fi
	"$YAML2JSON" - 2>&1 | jval "$1"
}

# jlines EXPR: like jval, over each line (newline-delimited JSON) of stdin;
# prints one result per line
jlines() {
	python3 -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    try:
        d = json.loads(line)
        v = eval(sys.argv[1], {"d": d, "json": json})
    except Exception as ex:
        v = "<jlines error: %s: %s>" % (type(ex).__name__, ex)
    print(v if isinstance(v, str) else json.dumps(v, sort_keys=True, separators=(",", ":")))
' "$1"
}

# json_subset WANT-FILE GOT-FILE: every member of WANT is in GOT with the
# same value (objects recursively; arrays element by element, same length).
# Prints the differences and fails when there are any.
json_subset() {
	python3 - "$1" "$2" <<'PYEOF'
import json, sys
want = json.load(open(sys.argv[1]))
got = json.load(open(sys.argv[2]))
diffs = []
def same(w, g):
    if isinstance(w, bool) or isinstance(g, bool):
        return w is g
    if isinstance(w, (int, float)) and isinstance(g, (int, float)):
        return w == g
    return type(w) is type(g) and w == g
def walk(w, g, path):
    if isinstance(w, dict):
        if not isinstance(g, dict):
            diffs.append("%s: want an object, got %r" % (path, g))
            return
        for k, v in w.items():
            if k not in g:
                diffs.append("%s.%s: missing" % (path, k))
            else:
                walk(v, g[k], path + "." + k)
    elif isinstance(w, list):
        if not isinstance(g, list) or len(g) != len(w):
            diffs.append("%s: want %r, got %r" % (path, w, g))
            return
        for i, (a, b) in enumerate(zip(w, g)):
            walk(a, b, "%s[%d]" % (path, i))
    elif not same(w, g):
        diffs.append("%s: want %r, got %r" % (path, w, g))
walk(want, got, "")
for d in diffs:
    print("#   " + d)
sys.exit(1 if diffs else 0)
PYEOF
}

# ------------------------------------------------------------ the server

# start_sim [ARGS...]: start rollouts-sim in the background in a fresh
# directory; exports SIM_DIR, PORT, KUBECONFIG_FILE, REQLOG, BASE, SIM_PID,
# and CURL_OPTS (an array: TLS and credentials for curl). CURL_OPTS starts
# with CURL_SAFE, which every curl of the tests puts first: -q (no
# ~/.curlrc; it must be the first argument) and --noproxy '*' (loopback
# traffic never goes to a proxy).
start_sim() {
	SIM_N=$((SIM_N + 1))
	SIM_DIR=$(mktemp -d "$WORK/sim$SIM_N.XXXXXX")
	KUBECONFIG_FILE=$SIM_DIR/kubeconfig
	REQLOG=$SIM_DIR/requests.log
	local tls=0 a
	for a in "$@"; do
		[ "$a" = "--tls" ] && tls=1
	done
	# API-fidelity tests keep objects static; set E2E_CONTROLLER=1 to run
	# the simulated Argo Rollouts controller
	local ctl=--no-controller
	[ "${E2E_CONTROLLER:-0}" = 1 ] && ctl=
	"$ROLLOUTS_SIM" --port-file "$SIM_DIR/port" $ctl \
		--kubeconfig "$KUBECONFIG_FILE" --request-log "$REQLOG" "$@" \
		>"$SIM_DIR/stdout" 2>"$SIM_DIR/stderr" &
	SIM_PID=$!
	E2E_SIMS="$E2E_SIMS $SIM_PID"
	local i=0
	while [ ! -s "$SIM_DIR/port" ]; do
		if ! kill -0 "$SIM_PID" 2>/dev/null; then
			wait "$SIM_PID"
			echo "$E2E_NAME: rollouts-sim $* exited with $? before listening:" >&2
			e2e_forget "$SIM_PID"
			cat "$SIM_DIR/stderr" >&2
			SIM_PID=""
			e2e_fail "start rollouts-sim $*"
			finish
		fi
		i=$((i + 1))
		if [ "$i" -gt 200 ]; then
			echo "$E2E_NAME: rollouts-sim wrote no port file in 10 s" >&2
			e2e_fail "start rollouts-sim $*"
			finish
		fi
		sleep 0.05
	done
	PORT=$(cat "$SIM_DIR/port")
	CURL_OPTS=("${CURL_SAFE[@]}" -sS)
	if [ "$tls" = 1 ]; then
		BASE=https://127.0.0.1:$PORT
		kc_field certificate-authority-data | base64 -d >"$SIM_DIR/ca.crt"
		CURL_OPTS+=(--cacert "$SIM_DIR/ca.crt")
		local tok
		tok=$(kc_field token)
		if [ -n "$tok" ]; then
			CURL_OPTS+=(-H "Authorization: Bearer $tok")
		fi
		if [ -n "$(kc_field client-certificate-data)" ]; then
			kc_field client-certificate-data | base64 -d >"$SIM_DIR/client.crt"
			kc_field client-key-data | base64 -d >"$SIM_DIR/client.key"
			CURL_OPTS+=(--cert "$SIM_DIR/client.crt" --key "$SIM_DIR/client.key")
		fi
	else
		BASE=http://127.0.0.1:$PORT
	fi
	export SIM_DIR PORT KUBECONFIG_FILE REQLOG BASE SIM_PID
}

# kc_field KEY: the value of "KEY: value" in the kubeconfig
kc_field() {
	sed -n "s/^ *$1: *//p" "$KUBECONFIG_FILE" | head -n 1
}

# stop_sim [SIGNAL]: stop the current server (SIGTERM by default) and check
# that it exits with status 0 within 10 s.
stop_sim() {
	local sig=${1:-TERM} pid=$SIM_PID i=0 rc
	SIM_PID=""
	kill "-$sig" "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -gt 200 ]; then
			kill -KILL "$pid" 2>/dev/null
			break
		fi
		sleep 0.05
	done
	wait "$pid"
	rc=$?
	e2e_forget "$pid"
	if [ "$rc" = 0 ]; then
		e2e_ok "rollouts-sim stops on SIG$sig with exit 0"
	else
		e2e_fail "rollouts-sim stops on SIG$sig with exit 0" "exit $rc" \
			"stderr: $(tail -c 3000 "$SIM_DIR/stderr")"
	fi
}

# req METHOD PATH [CURL ARGS...]: one request to the current server. Sets
# CODE (HTTP status), BODY, HDRS (the response headers, CR removed), CURL_RC.
req() {
	local m=$1 p=$2
	shift 2
	curl "${CURL_OPTS[@]}" -X "$m" -o "$WORK/body" -D "$WORK/hdrs" \
		-w '%{http_code}' "$@" "$BASE$p" >"$WORK/code" 2>"$WORK/curlerr"
	CURL_RC=$?
	CODE=$(cat "$WORK/code")
	BODY=$(cat "$WORK/body" 2>/dev/null)
	HDRS=$(tr -d '\r' <"$WORK/hdrs" 2>/dev/null)
	if [ "$CURL_RC" != 0 ]; then
		echo "# curl $m $p: exit $CURL_RC: $(cat "$WORK/curlerr")"
	fi
}

# header NAME: a header of the last response (case-insensitive name)
header() {
	printf '%s\n' "$HDRS" | sed -n "s/^$1: *//Ip" | tail -n 1
}

# req_json METHOD PATH CONTENT-TYPE BODY
req_json() {
	req "$1" "$2" -H "Content-Type: $3" --data-binary "$4"
}

# watch_bg FILE PATH?QUERY [CURL ARGS...]: a streaming curl in the
# background writing to FILE; its pid in WATCH_PID
watch_bg() {
	local out=$1 p=$2
	shift 2
	curl "${CURL_OPTS[@]}" -N "$@" "$BASE$p" >"$out" 2>"$out.err" &
	WATCH_PID=$!
	E2E_BG="$E2E_BG $WATCH_PID"
}

# watch_end PID [SECONDS]: wait (at most SECONDS, default 10) for a
# background watcher to end by itself; sets WATCH_RC (its exit status, or
# "running" when it did not end)
watch_end() {
	if wait_until "${2:-10}" bash -c "! kill -0 $1 2>/dev/null"; then
		wait "$1"
		WATCH_RC=$?
		e2e_forget "$1"
	else
		WATCH_RC=running
		watch_stop "$1"
	fi
}

# bg_end PID: wait (at most 30 s) for a background command to end by
# itself; sets BG_RC (its exit status, or "running" when it did not end)
bg_end() {
	watch_end "$1" 30
	BG_RC=$WATCH_RC
}

# advance DURATION: move rollouts-sim's manual clock (a failed request is a
# failed check; a good one counts none)
advance() {
	req POST "/sim/v1/clock?advance=$1"
	[ "$CODE" = 200 ] || e2e_fail "advance the clock $1" "HTTP $CODE: $BODY"
}

# watch_stop PID: end a background watcher
watch_stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	e2e_forget "$1"
}

# reqlog_has METHOD PATH QUERY-SUBSTRING: a logged request matches
reqlog_has() {
	python3 - "$REQLOG" "$1" "$2" "$3" <<'EOF'
import json, sys
path, m, p, q = sys.argv[1:5]
with open(path) as f:
    for line in f:
        r = json.loads(line)
        if r["method"] == m and r["path"] == p and q in r["query"]:
            sys.exit(0)
sys.exit(1)
EOF
}

# --------------------------------------------------------------- kubectl

# need_kubectl_ok: set KUBECTL and return 0, or return 1 when kubectl is
# absent from PATH or older than 1.26 (KUBECTL_WHY says why)
need_kubectl_ok() {
	if [ "${E2E_KUBECTL:-}" = none ]; then
		KUBECTL_WHY="kubectl disabled by E2E_KUBECTL=none"
		return 1
	elif [ -n "${E2E_KUBECTL:-}" ]; then
		KUBECTL=$E2E_KUBECTL
	elif command -v kubectl >/dev/null 2>&1; then
		KUBECTL=$(command -v kubectl)
	else
		KUBECTL_WHY="kubectl is not on PATH"
		return 1
	fi
	local minor
	minor=$(HOME=$WORK/home timeout 30 "$KUBECTL" version --client -o json 2>/dev/null |
		jval 'int("".join(c for c in d["clientVersion"]["minor"] if c.isdigit()))')
	case "$minor" in
	'' | *[!0-9]*)
		KUBECTL_WHY="cannot read the version of $KUBECTL"
		return 1
		;;
	esac
	if [ "$minor" -lt 26 ]; then
		KUBECTL_WHY="kubectl 1.$minor is older than 1.26"
		return 1
	fi
	return 0
}

# need_kubectl: set KUBECTL or skip the script (exit 77)
need_kubectl() {
	need_kubectl_ok || skip "$KUBECTL_WHY"
}

# kc ARGS...: run kubectl against the current server with a fresh cache
# directory and HOME; sets KC_OUT, KC_ERR, KC_RC. An exit of 126 or more is
# counted as a failure at once.
kc() {
	local cache
	cache=$(mktemp -d "$WORK/kcache.XXXXXX")
	HOME=$WORK/home KUBECONFIG='' timeout 60 "$KUBECTL" \
		--kubeconfig "$KUBECONFIG_FILE" --cache-dir "$cache" "$@" \
		</dev/null >"$WORK/kc.out" 2>"$WORK/kc.err"
	KC_RC=$?
	KC_OUT=$(cat "$WORK/kc.out")
	KC_ERR=$(cat "$WORK/kc.err")
	if [ "$KC_RC" -ge 124 ]; then
		e2e_fail "kubectl $* did not crash or time out" "exit $KC_RC" "stderr: $KC_ERR"
	fi
}

# kc_bg OUTFILE ARGS...: kubectl in the background (a watcher); its pid in
# KC_PID, killed by the cleanup at the latest
kc_bg() {
	local out=$1 cache
	shift
	cache=$(mktemp -d "$WORK/kcache.XXXXXX")
	HOME=$WORK/home KUBECONFIG='' "$KUBECTL" \
		--kubeconfig "$KUBECONFIG_FILE" --cache-dir "$cache" "$@" \
		</dev/null >"$out" 2>"$out.err" &
	KC_PID=$!
	E2E_BG="$E2E_BG $KC_PID"
}

# expect_kc RC MSG ARGS...: run kubectl and check its exit status
expect_kc() {
	local want=$1 msg=$2
	shift 2
	kc "$@"
	if [ "$KC_RC" = "$want" ]; then
		e2e_ok "$msg (kubectl exit $want)"
	else
		e2e_fail "$msg (kubectl exit $want)" "kubectl $*: exit $KC_RC" \
			"stdout: $(printf '%s' "$KC_OUT" | head -c 1500)" \
			"stderr: $(printf '%s' "$KC_ERR" | head -c 1500)"
	fi
}
