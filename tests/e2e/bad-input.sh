#!/usr/bin/env bash
# bad-input: the bad-input table (docs/errors.md). Every row runs one binary
# on one bad input (malformed, truncated, binary and enormous kubeconfig,
# YAML and JSON; YAML bombs; unknown context, namespace, rollout, container;
# bad flags, names and durations; unreachable, TLS-mismatched,
# unauthorized, forbidden and failing servers; unwritable, non-regular and
# missing output paths; a full disk) and checks, against the table:
#   - the exact stderr line (one line, "PROGRAM: error: ...") and exit code;
#   - nothing on stdout;
#   - no file was half written or replaced (every file of the sandbox but
#     the row's own scratch is byte-identical afterwards, no temporary left);
#   - no secret (the server's token, a proxy password) in stdout or stderr.
# The table is generated, never edited by hand and never by `meson test`:
#   tests/e2e/bad-input.sh --update docs/errors.md   (scripts/update-golden)
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
GR=${GITOPS_RENDER:?GITOPS_RENDER is not set}
SIM=$ROLLOUTS_SIM
DOC=${BAD_INPUT_DOC:-$E2E_DIR/../../docs/errors.md}
UPDATE=
if [ "${2:-}" = "--update" ] || [ "${1:-}" = "--update" ]; then
	UPDATE=${3:-${2:-}}
	[ "$UPDATE" = "--update" ] && UPDATE=$DOC
	case $UPDATE in
	/*) ;;
	*) UPDATE=$(pwd)/$UPDATE ;;
	esac
fi
TOKEN=bad-input-s3cret-$$-token
SECRETS=("$TOKEN" "pr0xy-passw0rd")

# ---------------------------------------------------------- the sandbox
W=$WORK/sandbox
mkdir -p "$W/out" "$W/ro"
cd "$W" || exit 1

printf 'kind: ConfigMap\ndata:\n  tag: "{{.TAG}}"\n' >in.yaml
printf 'old content\n' >out/keep.yaml
printf 'a: [1, 2\nb: c\n' >truncated.yaml
printf 'a: "unterminated\n' >unterminated.yaml
printf 'x: \x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\xff\xfe\n' >binary.yaml
{
	echo 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
	p=a
	for n in b c d e f g h i; do
		echo "$n: &$n [*$p,*$p,*$p,*$p,*$p,*$p,*$p,*$p,*$p]"
		p=$n
	done
} >bomb.yaml
printf 'key: value\n\tindented: tab\n' >tab.yaml
printf 'a: {{.TAG}\n' >badaction.yaml
printf 'a: "{{ upper .TAG }}"\n' >badfunc.yaml
printf 'dup: 1\ndup: 2\n' >dupkey.yaml
printf '{"kind": "ConfigMap", "data": {' >truncated.json
printf 'TAG: [unclosed\n' >badvalues.yaml
python3 -c 'import sys; sys.stdout.write("a: " + "x" * (70 * 1024 * 1024) + "\nb: {{.TAG}\n")' >enormous.yaml

# kubeconfigs
printf 'apiVersion: v1\nkind: Config\nclusters:\n- name: sim\n  cluster: {server: http://127.0.0.1:1\n' >kc-malformed
printf 'apiVersion: v1\nkind: Config\nclusters:\n- name: sim\n  cluster:\n    server: "http://127.0.0.1:1\n' >kc-truncated
cp binary.yaml kc-binary
printf -- '- just\n- a list\n' >kc-list
cp bomb.yaml kc-bomb
: >kc-empty
{
	printf 'apiVersion: v1\nkind: Config\n'
	python3 -c 'import sys; sys.stdout.write("# " + "x" * (20 * 1024 * 1024) + "\n")'
} >kc-enormous
cat >kc-nocontext <<KC
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "http://127.0.0.1:1"}
users:
- name: u
  user: {}
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: gone
KC
cat >kc-nocafile <<KC
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1", certificate-authority: $W/no-such-ca.crt}
users:
- name: u
  user: {}
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
KC
cat >kc-notokenfile <<KC
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}
users:
- name: u
  user: {tokenFile: $W/no-such-token}
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
KC

# servers: plain http with the shop fixtures, https with a token
start_sim --fixtures "$FIXTURES/kr/shop.yaml"
HTTP_KC=$W/kc-http
cp "$KUBECONFIG_FILE" "$HTTP_KC"
HTTP_BASE=$BASE
HTTP_PID=$SIM_PID
printf '%s\n' "$TOKEN" >"$W/token"
start_sim --tls --token-file "$W/token" --forbid list:analysisruns --fixtures "$FIXTURES/kr/shop.yaml"
TLS_KC=$W/kc-tls
cp "$KUBECONFIG_FILE" "$TLS_KC"
TLS_PORT=$PORT
grep -v 'certificate-authority-data' "$TLS_KC" >kc-noca
sed "s/^\( *token:\).*/\1 wr0ng-token/" "$TLS_KC" >kc-wrongtoken
sed "s#https://#http://#" "$TLS_KC" >kc-plain-to-tls
sed "s#http://127.0.0.1:[0-9]*#http://127.0.0.1:1#" "$HTTP_KC" >kc-closed
cat >kc-proxy <<KC
$(sed '/^users:/,$d' "$HTTP_KC" | sed "s#^\(    server: .*\)#\1\n    proxy-url: http://user:pr0xy-passw0rd@127.0.0.1:1#")
users:
- name: rollouts-sim
  user: {}
KC
mkdir -p "$W/dir-out"
chmod 0555 "$W/ro"

# precious: every file the rows must not touch, by name, inode (a rename
# over it changes it), size and modification time to the nanosecond (a
# write changes them), plus the checksums of the small ones; and any
# temporary left behind (a new name shows)
snapshot() {
	(cd "$W" && find . -path ./scratch -prune -o \( -type f -o -type p \) \
		-printf '%p %i %s %T@\n' | sort
	find . -path ./scratch -prune -o -type f -size -1M -print0 |
		sort -z | xargs -0 sha1sum 2>/dev/null)
}
BEFORE=$(snapshot)

# -------------------------------------------------------------- the rows
ROWS=""
NROW=0

# norm: the sandbox path and ports made stable
norm() {
	sed -e "s#$W#\$W#g" -e "s#$WORK#\$WORK#g" \
		-e 's#127\.0\.0\.1:[0-9][0-9]*#127.0.0.1:PORT#g' \
		-e 's#\[::1\]:[0-9][0-9]*#[::1]:PORT#g'
}

# row BINARY DESCRIPTION -- COMMAND...: run one bad input
row() {
	local bin=$1 what=$2
	shift 3
	NROW=$((NROW + 1))
	mkdir -p "$W/scratch"
	local out err rc
	out=$(cd "$W" && HOME=$WORK/home KUBECONFIG= NO_COLOR=1 timeout 30 "$@" 2>"$WORK/row.err" </dev/null)
	rc=$?
	err=$(norm <"$WORK/row.err")
	rm -rf "$W/scratch"
	local line="| $NROW | $bin | $what | $rc | \`$(printf '%s' "$err" | sed 's/|/\\|/g')\` |"
	ROWS="$ROWS$line
"
	if [ -n "$UPDATE" ]; then
		return
	fi
	local want
	want=$(grep -F -- "| $NROW | $bin | $what |" "$DOC" | head -n 1)
	expect_eq "$line" "$want" "row $NROW ($bin, $what): exit and stderr as the table says"
	expect_eq "$(printf '%s\n' "$err" | wc -l)" 1 "row $NROW: one line on stderr"
	expect_eq "${err:0:$((${#bin} + 8))}" "$bin: error:" "row $NROW: '$bin: error:' prefix"
	expect_eq "$(printf '%s' "$out" | head -c 200)" "" "row $NROW: nothing on stdout"
	local s
	for s in "${SECRETS[@]}"; do
		expect_not_contains "$out$err" "$s" "row $NROW: no secret in the output"
	done
	expect_eq "$(snapshot)" "$BEFORE" "row $NROW: no file written, replaced or left behind"
}

KRH=("$KR" --kubeconfig "$HTTP_KC" -n shop)
# kubectl-rollouts: configuration
row kubectl-rollouts "missing --kubeconfig file" -- "$KR" --kubeconfig "$W/no-such" get rollout web
row kubectl-rollouts "malformed kubeconfig" -- "$KR" --kubeconfig kc-malformed get rollout web
row kubectl-rollouts "truncated kubeconfig" -- "$KR" --kubeconfig kc-truncated get rollout web
row kubectl-rollouts "binary kubeconfig" -- "$KR" --kubeconfig kc-binary get rollout web
row kubectl-rollouts "kubeconfig that is a list" -- "$KR" --kubeconfig kc-list get rollout web
row kubectl-rollouts "kubeconfig YAML bomb" -- "$KR" --kubeconfig kc-bomb get rollout web
row kubectl-rollouts "enormous kubeconfig (20 MiB, no cluster)" -- "$KR" --kubeconfig kc-enormous get rollout web
row kubectl-rollouts "empty kubeconfig" -- "$KR" --kubeconfig kc-empty get rollout web
row kubectl-rollouts "current-context names no context" -- "$KR" --kubeconfig kc-nocontext get rollout web
row kubectl-rollouts "unknown --context" -- "$KR" --kubeconfig "$HTTP_KC" --context nope get rollout web
row kubectl-rollouts "certificate-authority file missing" -- "$KR" --kubeconfig kc-nocafile get rollout web
row kubectl-rollouts "tokenFile missing" -- "$KR" --kubeconfig kc-notokenfile get rollout web
# kubectl-rollouts: usage
row kubectl-rollouts "unknown command" -- "${KRH[@]}" frobnicate
row kubectl-rollouts "unknown flag" -- "${KRH[@]}" get rollout web --frobnicate
row kubectl-rollouts "flag without its value" -- "${KRH[@]}" get rollout web -n
row kubectl-rollouts "bare number as a duration" -- "${KRH[@]}" status web --timeout 60
row kubectl-rollouts "bad duration unit" -- "${KRH[@]}" status web --timeout=5x
row kubectl-rollouts "negative --timeout-seconds" -- "${KRH[@]}" get rollout web -w --timeout-seconds=-1
row kubectl-rollouts "unknown output format" -- "${KRH[@]}" get rollout web -o xml
row kubectl-rollouts "boolean flag with a bad value" -- "${KRH[@]}" get rollout web --watch=maybe
row kubectl-rollouts "missing rollout name" -- "${KRH[@]}" promote
row kubectl-rollouts "empty rollout name" -- "${KRH[@]}" abort ""
row kubectl-rollouts "rollout name with a slash" -- "${KRH[@]}" set image web/status web=nginx:2
row kubectl-rollouts "namespace with a slash" -- "$KR" --kubeconfig "$HTTP_KC" -n a/b list rollouts
row kubectl-rollouts "bad label selector" -- "${KRH[@]}" promote -l 'app in (x'
row kubectl-rollouts "set image without '='" -- "${KRH[@]}" set image web nginx
row kubectl-rollouts "unknown shell for completion" -- "$KR" completion powershell
# kubectl-rollouts: what the server does not have
row kubectl-rollouts "unknown rollout" -- "${KRH[@]}" get rollout nope
row kubectl-rollouts "unknown namespace" -- "$KR" --kubeconfig "$HTTP_KC" -n nowhere get rollout web
row kubectl-rollouts "unknown container" -- "${KRH[@]}" set image web nope=nginx:2
row kubectl-rollouts "unknown revision for undo" -- "${KRH[@]}" undo web --to-revision 99
row kubectl-rollouts "unknown experiment" -- "${KRH[@]}" get experiment nope
# kubectl-rollouts: servers
row kubectl-rollouts "connection refused" -- "$KR" --kubeconfig kc-closed -n shop get rollout web
row kubectl-rollouts "unreachable proxy (proxy-url)" -- "$KR" --kubeconfig kc-proxy -n shop get rollout web
row kubectl-rollouts "server certificate not trusted" -- "$KR" --kubeconfig kc-noca -n shop list rollouts
row kubectl-rollouts "plain http to a TLS server" -- "$KR" --kubeconfig kc-plain-to-tls -n shop list rollouts
row kubectl-rollouts "unauthorized (wrong token)" -- "$KR" --kubeconfig kc-wrongtoken -n shop get rollout web
row kubectl-rollouts "forbidden (analysisruns)" -- "$KR" --kubeconfig "$TLS_KC" -n shop get rollout web
# http_faults JSON|off: set or clear the plain server's faults
http_faults() {
	if [ "$1" = off ]; then
		curl -q -sS --noproxy '*' -X DELETE "$HTTP_BASE/sim/v1/faults" >/dev/null
	else
		curl -q -sS --noproxy '*' -X PUT -H 'Content-Type: application/json' \
			--data-binary "$1" "$HTTP_BASE/sim/v1/faults" >/dev/null
	fi
}
http_faults '{"errorRate":1,"errorCode":500}'
row kubectl-rollouts "server error 500" -- env PDKIT_RETRY_SCALE=0 "${KRH[@]}" get rollout web
http_faults '{"errorRate":1,"errorCode":429,"retryAfter":1}'
row kubectl-rollouts "server busy (429 on every request)" -- env PDKIT_RETRY_SCALE=0 "${KRH[@]}" list rollouts
http_faults off

# gitops-render
row gitops-render "missing input file" -- "$GR" -v TAG=1 no-such.yaml
row gitops-render "flow sequence never closed" -- "$GR" -v TAG=1 truncated.yaml
row gitops-render "unterminated quoted string" -- "$GR" -v TAG=1 unterminated.yaml
row gitops-render "binary input" -- "$GR" -v TAG=1 binary.yaml
row gitops-render "YAML bomb (--kyml expands aliases)" -- "$GR" --kyml -v TAG=1 bomb.yaml
row gitops-render "tab in indentation" -- "$GR" -v TAG=1 tab.yaml
row gitops-render "missing value" -- "$GR" in.yaml
row gitops-render "unclosed action" -- "$GR" -v TAG=1 badaction.yaml
row gitops-render "unknown function" -- "$GR" -v TAG=1 badfunc.yaml
row gitops-render "duplicate key" -- "$GR" -v TAG=1 dupkey.yaml
row gitops-render "truncated JSON" -- "$GR" -v TAG=1 truncated.json
row gitops-render "enormous input (70 MiB), an error at its end" -- "$GR" -v TAG=1 enormous.yaml
row gitops-render "-v without '='" -- "$GR" -v TAG in.yaml
row gitops-render "missing --values file" -- "$GR" --values no-such.yaml in.yaml
row gitops-render "malformed --values file" -- "$GR" --values badvalues.yaml in.yaml
row gitops-render "unknown option" -- "$GR" --frobnicate in.yaml
row gitops-render "abbreviated option" -- "$GR" --val v.yaml in.yaml
row gitops-render "boolean option with a bad value" -- "$GR" --strict=maybe in.yaml
row gitops-render "--in-place with stdin" -- "$GR" --in-place -
row gitops-render "-o into a missing directory" -- "$GR" -v TAG=1 -o "$W/scratch/no/such/out.yaml" in.yaml
row gitops-render "-o onto a directory" -- "$GR" -v TAG=1 -o dir-out in.yaml
row gitops-render "-o onto a full disk (/dev/full)" -- "$GR" -v TAG=1 -o /dev/full in.yaml
row gitops-render "-o keeps the old file on a failed render" -- "$GR" -o out/keep.yaml in.yaml

# rollouts-sim
row rollouts-sim "missing --fixtures file" -- "$SIM" --listen 127.0.0.1:0 --fixtures no-such.yaml
row rollouts-sim "malformed --fixtures file" -- "$SIM" --listen 127.0.0.1:0 --fixtures truncated.yaml
row rollouts-sim "binary --fixtures file" -- "$SIM" --listen 127.0.0.1:0 --fixtures binary.yaml
row rollouts-sim "--fixtures YAML bomb" -- "$SIM" --listen 127.0.0.1:0 --fixtures bomb.yaml
row rollouts-sim "bad port in --listen" -- "$SIM" --listen 127.0.0.1:99999
row rollouts-sim "bad --time-scale" -- "$SIM" --listen 127.0.0.1:0 --time-scale fast
row rollouts-sim "--token without --tls" -- "$SIM" --listen 127.0.0.1:0 --token x
row rollouts-sim "missing --token-file" -- "$SIM" --listen 127.0.0.1:0 --tls --token-file no-such-token
row rollouts-sim "--port-file in a missing directory" -- "$SIM" --listen 127.0.0.1:0 --port-file "$W/scratch/no/such/port"
row rollouts-sim "port already in use" -- "$SIM" --listen "127.0.0.1:$TLS_PORT"
row rollouts-sim "unknown option" -- "$SIM" --frobnicate
row rollouts-sim "abbreviated option" -- "$SIM" --port 8080

if [ -n "$UPDATE" ]; then
	{
		cat <<'HEAD'
# Bad input: what each binary says

Generated by `scripts/update-golden` from `tests/e2e/bad-input.sh`, which
runs every row in the test suite and fails when a binary's exit code or
stderr line differs from this table, when anything appears on stdout, when
a file in its sandbox was written, replaced or left behind, or when a
secret (a bearer token, a proxy password) is printed. `$W` is the sandbox
directory; ports are shown as `PORT`. Exit codes are those of every man
page: 1 runtime, 2 usage, 3 not found, 4 conflict, 5 unauthorized or
forbidden, 8 invalid input.

| # | binary | bad input | exit | stderr |
|---:|---|---|---:|---|
HEAD
		printf '%s' "$ROWS"
	} >"$UPDATE"
	echo "bad-input: wrote $NROW rows to $UPDATE" >&2
	exit 0
fi
expect_eq "$(grep -c '^| [0-9]' "$DOC")" "$NROW" "the table has exactly one row per case"
finish
