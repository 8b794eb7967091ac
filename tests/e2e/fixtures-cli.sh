#!/bin/bash
# fixtures-cli: rollouts-sim's command line and fixture loading: bad
# fixtures (exit 8 with FILE:LINE:COL), usage errors (exit 2), --help
# against the man page, SIGTERM and SIGINT, directories of YAML and JSON
# fixtures, List kinds, and 20 clients at once.
. "$(dirname "$0")/lib.sh"
MAN=$E2E_DIR/../../man/rollouts-sim.1
B=$FIXTURES/bad

# sim_fails CODE ARGS...: rollouts-sim ARGS exits CODE before listening
# (no port file); its stderr in $ERR
sim_fails() {
	local want=$1
	shift
	rm -f "$WORK/never.port"
	expect_exit "$want" timeout 30 "$ROLLOUTS_SIM" --port-file "$WORK/never.port" "$@"
	expect_true "rollouts-sim $* did not listen" test ! -e "$WORK/never.port"
}
# one_line: $ERR is exactly one line
one_line() {
	expect_eq "$(printf '%s\n' "$ERR" | wc -l)" "1" "$1: stderr is exactly one line"
}
# matches STRING ERE
matches() {
	printf '%s\n' "$1" | grep -Eq -- "$2"
}

# ------------------------------------------------------- bad fixtures
sim_fails 8 --fixtures "$B/bad-yaml.yaml"
one_line "bad YAML"
expect_true "bad YAML: 'rollouts-sim: error: FILE:7:COL: ...' (the line of '- not a key'): $ERR" \
	matches "$ERR" "^rollouts-sim: error: $B/bad-yaml.yaml:7:[0-9]+: [a-z].*"

sim_fails 8 --fixtures "$B/no-kind.yaml"
one_line "no kind"
# the second document starts at its '---' (line 5); its mapping at line 6
expect_true "no kind: names the file and the line of the second document: $ERR" \
	matches "$ERR" "^rollouts-sim: error: $B/no-kind.yaml:(5|6):[0-9]+: .*kind"

sim_fails 8 --fixtures "$B/no-name.yaml"
one_line "no name"
expect_true "no metadata.name: names the file and the line of the second document: $ERR" \
	matches "$ERR" "^rollouts-sim: error: $B/no-name.yaml:(5|7):[0-9]+: .*metadata.name"

sim_fails 8 --fixtures "$B/bad.json"
one_line "bad JSON"
expect_true "bad JSON: 'rollouts-sim: error: FILE:3:COL: ...': $ERR" \
	matches "$ERR" "^rollouts-sim: error: $B/bad.json:3:[0-9]+: .+"

sim_fails 3 --fixtures "$WORK/missing.yaml"
one_line "a missing file"
expect_eq "$ERR" "rollouts-sim: error: cannot read '$WORK/missing.yaml': No such file or directory" \
	"a missing fixture file: exit 8 naming it"

# a bad file after a good directory still stops the server
sim_fails 8 --fixtures "$FIXTURES/main" --fixtures "$B/no-kind.yaml"

# --------------------------------------------------------- usage errors
sim_fails 2 --token secret
expect_contains "$ERR" "--tls" "--token without --tls: the message names --tls"
one_line "--token without --tls"
sim_fails 2 --client-cert
sim_fails 2 --no-such-option
expect_contains "$ERR" "no-such-option" "an unknown option is named"
sim_fails 2 stray-argument
sim_fails 2 --history 0
sim_fails 2 --history many
sim_fails 2 --fault-error-rate 1.5
sim_fails 2 --fault-error-code 404
sim_fails 2 --fault-latency -1
sim_fails 2 --forbid list
sim_fails 2 --listen nowhere
sim_fails 2 --fixtures

# ------------------------------------------------------ help, version
expect_exit 0 "$ROLLOUTS_SIM" --help
help=$OUT
expect_eq "$ERR" "" "--help writes nothing to stderr"
opts=$(sed -n 's/^\.\(It\|Op\) //p' "$MAN" | grep -o 'Fl -[a-z][a-z-]*' | sed 's/^Fl -/--/' | sort -u)
expect_true "the man page lists options" test "$(printf '%s\n' "$opts" | wc -l)" -ge 17
for o in $opts; do
	expect_contains "$help" "$o " "--help mentions $o (from the man page)"
done
expect_exit 0 "$ROLLOUTS_SIM" -h
expect_eq "$OUT" "$help" "-h is --help"
expect_exit 0 "$ROLLOUTS_SIM" --version
expect_true "--version prints 'rollouts-sim X.Y.Z': $OUT" matches "$OUT" '^rollouts-sim [0-9]+\.[0-9]+\.[0-9]+$'

# ------------------------------------------------- runtime failures
start_sim
busy=$PORT
sim_fails 1 --listen "127.0.0.1:$busy"
expect_contains "$ERR" "cannot listen" "a port in use: exit 1, cannot listen"
sim_fails 1 --request-log "$WORK/no/such/dir/log"
stop_sim TERM

# ------------------------------------------------------ SIGINT, SIGTERM
start_sim --fixtures "$FIXTURES/main"
watch_bg "$WORK/w" "/apis/argoproj.io/v1alpha1/rollouts?watch=true"
w=$WATCH_PID
expect_true "a watch is open" wait_until 10 file_count_ge "$WORK/w" '"type":"ADDED"' 5
stop_sim INT
watch_end "$w"
# As kube-apiserver does: the watch reader ends the stream cleanly when sim_stopping is
# set, but MHD_stop_daemon closes the connection first: curl gets no final
# chunk (exit 18). kube-apiserver ends watches with the chunked terminator
# on shutdown.
expect_eq "$WATCH_RC" "0" "the open watch ends cleanly at SIGINT (curl exit 0, not a cut stream)"
start_sim --fixtures "$FIXTURES/main"
watch_bg "$WORK/w2" "/apis/argoproj.io/v1alpha1/rollouts?watch=true"
w=$WATCH_PID
expect_true "a watch is open" wait_until 10 file_count_ge "$WORK/w2" '"type":"ADDED"' 5
stop_sim TERM
watch_end "$w"
expect_eq "$WATCH_RC" "0" "the open watch ends cleanly at SIGTERM (curl exit 0)"

# ---------------------------------------------- a directory of fixtures
start_sim --fixtures "$FIXTURES/dir" --fixtures "$FIXTURES/main/04-checkout.json"
req GET /api/v1/configmaps
expect_eq "$CODE" "200" "list configmaps"
expect_eq "$(printf '%s' "$BODY" | jval '" ".join(sorted(i["metadata"]["namespace"] + "/" + i["metadata"]["name"] for i in d["items"]))')" \
	"default/a default/arr1 default/cml1 default/l1 default/same team-b/b team/arr2 team/c" \
	".yaml, .yml and .json files, a List, a JSON array and a ConfigMapList are loaded; other files are not"
req GET /api/v1/namespaces/default/configmaps/same
expect_eq "$(printf '%s' "$BODY" | jval 'd["data"]["from"]')" "20-b.yml" "files load in name order (the later one wins)"
req GET /api/v1/namespaces/team/configmaps/c
expect_eq "$(printf '%s' "$BODY" | jval '[d["data"], d["metadata"]["labels"]]')" '[{"file":"30-c.json","n":"1"},{"fmt":"json"}]' \
	"a JSON fixture keeps its data and labels"
req GET /api/v1/namespaces
expect_eq "$(printf '%s' "$BODY" | jval '" ".join(sorted(i["metadata"]["name"] for i in d["items"]))')" \
	"default staging team team-b" "namespaces are created as needed (and default always)"
req GET /api/v1/namespaces/team
expect_eq "$(printf '%s' "$BODY" | jval 'd["metadata"]["labels"]["owner"]')" "e2e" "a Namespace fixture is kept"
req GET /api/v1/namespaces/team-b
expect_eq "$(printf '%s' "$BODY" | jval '[d["status"]["phase"], d["metadata"]["labels"]["kubernetes.io/metadata.name"]]')" \
	'["Active","team-b"]' "a created namespace is Active with its name label"
req GET /apis/argoproj.io/v1alpha1/clusteranalysistemplates/cat1
expect_eq "$CODE/$(printf '%s' "$BODY" | jval '"namespace" in d["metadata"]')" "200/false" \
	"a cluster-scoped fixture is served without a namespace"
req GET /apis/argoproj.io/v1alpha1/namespaces/team/rollouts/l2
expect_eq "$CODE/$(printf '%s' "$BODY" | jval 'd["spec"]["replicas"]')" "200/2" "a Rollout from a List is served"
req GET /apis/argoproj.io/v1alpha1/namespaces/staging/rollouts/checkout
expect_eq "$CODE/$(printf '%s' "$BODY" | jval 'd["metadata"]["resourceVersion"]')" "200/50" \
	"a second --fixtures (a file) is loaded too, resourceVersion kept"
req GET /api/v1/namespaces/default/configmaps/ignored-txt
expect_eq "$CODE" "404" "notes.txt is not loaded"
req GET /api/v1/namespaces/default/configmaps/ignored-bak
expect_eq "$CODE" "404" "a .yaml.bak file is not loaded"
req GET /api/v1/configmaps
ids=$(printf '%s' "$BODY" | jval 'len(set(i["metadata"]["uid"] for i in d["items"])) == len(d["items"]) and all(i["metadata"]["resourceVersion"].isdigit() for i in d["items"])')
expect_eq "$ids" "true" "every loaded object has its own uid and a resourceVersion"
stop_sim

# ------------------------------------------------------ 20 clients at once
start_sim --fixtures "$FIXTURES/main" --fixtures "$FIXTURES/dir"
pids=""
for i in $(seq 1 20); do
	curl "${CURL_OPTS[@]}" -o "$WORK/c$i.json" -w '%{http_code}' "$BASE/api/v1/pods" >"$WORK/c$i.code" 2>"$WORK/c$i.err" &
	pids="$pids $!"
done
fails=0
for p in $pids; do
	wait "$p" || fails=$((fails + 1))
done
expect_eq "$fails" "0" "20 concurrent curl clients all finished without error"
codes=$(for i in $(seq 1 20); do cat "$WORK/c$i.code"; echo; done | sort | uniq -c | sed 's/^ *//')
expect_eq "$codes" "20 200" "20 concurrent lists of pods: all 200"
good=0
for i in $(seq 1 20); do
	[ "$(jval 'sorted(i["metadata"]["name"] for i in d["items"])' <"$WORK/c$i.json")" = '["shop-pod","web-6d9f7c8b5-x2k4p"]' ] &&
		good=$((good + 1))
done
expect_eq "$good" "20" "every concurrent client got the full pod list"
expect_eq "$(grep -c '"path":"/api/v1/pods"' "$REQLOG")" "20" "the request log has the 20 lists"
stop_sim

# --token-file: the token stays out of argv
printf 'tok-from-file\n' >"$WORK/token"
start_sim --tls --token-file "$WORK/token"
expect_eq "$(kc_field token)" "tok-from-file" "--token-file: the kubeconfig carries the file's token (trimmed)"
expect_eq "$(curl "${CURL_OPTS[@]}" -o /dev/null -w '%{http_code}' "$BASE/version")" "200" "--token-file: the token is accepted"
expect_eq "$(curl "${CURL_SAFE[@]}" -sS --cacert "$SIM_DIR/ca.crt" -H 'Authorization: Bearer wrong' -o /dev/null -w '%{http_code}' "$BASE/version")" "401" "--token-file: another token is refused"
stop_sim
: >"$WORK/empty"
expect_exit 2 "$ROLLOUTS_SIM" --tls --token-file "$WORK/empty"
expect_exit 3 "$ROLLOUTS_SIM" --tls --token-file "$WORK/missing"
expect_contains "$ERR" "No such file or directory" "a missing token file: not found (3), with the reason"

# --forbid VERB:RESOURCE: an unknown verb is a usage error, one line
expect_exit 2 "$ROLLOUTS_SIM" --forbid frobnicate:pods
expect_eq "$ERR" "rollouts-sim: error: invalid verb 'frobnicate' in forbid rule 'frobnicate:pods' (valid: get, list, watch, create, update, patch, delete, deletecollection, *)" \
	"--forbid frobnicate:pods names the verb and the valid ones"
expect_exit 2 "$ROLLOUTS_SIM" --forbid pods
expect_contains "$ERR" "invalid forbid rule 'pods'" "--forbid without a verb: usage error"

finish
