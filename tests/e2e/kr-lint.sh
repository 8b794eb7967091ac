#!/usr/bin/env bash
# kr-lint: `kubectl-rollouts lint` over tests/e2e/fixtures/lint/, one valid
# and one invalid file per validation rule (expected.tsv: the file, then
# "valid" or the first error as Argo words it). A valid file: exit 0,
# nothing on stdout or stderr. An invalid one: exit 9, the error on stderr
# after the program's prefix, each finding's body on stdout (as the plugin
# prints them). Then -o json, stdin, JSON input, the exit codes of an
# unreadable or unparsable file (8) and of a missing -f (2), and
# rollouts-sim's controller: an invalid Rollout gets Argo's InvalidSpec
# condition (get rollout: Degraded with its message) until it is fixed.
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
LFIX=$FIXTURES/lint
PFX='kubectl-rollouts: error: '

kr() {
	HOME=$WORK/home KUBECONFIG='' timeout 20 "$KR" "$@" </dev/null
}

# ------------------------------------------------ one case per rule
nvalid=0
ninvalid=0
while IFS=$'\t' read -r file want; do
	case $file in '#'* | '') continue ;; esac
	if [ "$want" = valid ]; then
		expect_exit 0 kr lint -f "$LFIX/$file"
		expect_eq "$OUT$ERR" "" "$file: nothing printed"
		nvalid=$((nvalid + 1))
	else
		expect_exit 9 kr lint -f "$LFIX/$file"
		expect_eq "$ERR" "$PFX$want" "$file: the first error"
		case $want in
		'error unmarshaling JSON:'*)
			expect_eq "$OUT" "" "$file: a decoding error prints no finding" ;;
		*)
			# stdout starts with the body of the first error (FIELD: BODY)
			body=${want#*: }
			expect_eq "$(printf '%s\n' "$OUT" | head -n 1)" "$body" "$file: its body on stdout" ;;
		esac
		ninvalid=$((ninvalid + 1))
	fi
done <"$LFIX/expected.tsv"
expect_true "at least 50 rules have a valid and an invalid case" \
	test "$nvalid" -ge 50 -a "$ninvalid" -ge 50

# ------------------------------------------------ every finding, -o json
cat >"$WORK/two.yaml" <<'EOF'
# two documents, two rollouts with problems
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: a}
spec:
  replicas: -1
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a}}
    spec: {containers: [{name: a, image: nginx}]}
  strategy: {canary: {steps: [{setWeight: 120}]}}
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: b}
spec:
  selector: {matchLabels: {app: b}}
  template:
    metadata: {labels: {app: b}}
    spec: {containers: [{name: b, image: nginx}]}
  strategy: {blueGreen: {activeService: s, previewService: s}}
EOF
expect_exit 9 kr lint -f "$WORK/two.yaml"
expect_eq "$OUT" "Invalid value: -1: must be greater than or equal to 0
Invalid value: 120: SetWeight needs to be between 0 and 100
Invalid value: \"s\": This rollout uses the same service for the active and preview services, but two different services are required." \
	"every finding's body on stdout, in file order"
expect_eq "$ERR" "${PFX}spec.replicas: Invalid value: -1: must be greater than or equal to 0" "the first on stderr"

expect_exit 9 kr lint -f "$WORK/two.yaml" -o json
expect_eq "$(printf '%s' "$OUT" | jval 'len(d)')" 3 "-o json: three findings"
expect_eq "$(printf '%s' "$OUT" | jval 'd[1]')" \
	'{"document":1,"field":"spec.strategy.steps[0].setWeight","file":"'"$WORK"'/two.yaml","line":2,"message":"Invalid value: 120: SetWeight needs to be between 0 and 100"}' \
	"-o json: file, document, line, field, message"
expect_eq "$(printf '%s' "$OUT" | jval '[d[2]["document"], d[2]["line"], d[2]["field"]]')" \
	'[2,12,"spec.strategy.activeService"]' "-o json: the second document and its line"

expect_exit 9 kr lint -f "$LFIX/invalid-unknown-field.yaml" -o json
expect_eq "$(printf '%s' "$OUT" | jval '[d[0]["field"], d[0]["message"]]')" \
	'[null,"error unmarshaling JSON: while decoding JSON: json: unknown field \"replica\""]' \
	"-o json: a decoding error has no field"

expect_exit 2 kr lint -f "$WORK/two.yaml" -o yaml
expect_contains "$ERR" "$PFX" "-o yaml: a usage error"

# ------------------------------------------------ stdin and JSON
HOME=$WORK/home timeout 20 "$KR" lint -f - <"$LFIX/invalid-set-weight.yaml" >"$WORK/out" 2>"$WORK/err"
expect_eq "$?" 9 "lint -f - reads stdin"
expect_eq "$(cat "$WORK/err")" \
	"${PFX}spec.strategy.steps[0].setWeight: Invalid value: 120: SetWeight needs to be between 0 and 100" \
	"lint -f -: the error"
"$YAML2JSON" "$LFIX/valid-max-surge.yaml" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[0], indent=2))' \
	>"$WORK/valid.json"
expect_exit 0 kr lint -f "$WORK/valid.json"
sed 's/"maxUnavailable": 1/"maxUnavailable": 0/' "$WORK/valid.json" >"$WORK/invalid.json"
expect_exit 9 kr lint -f "$WORK/invalid.json"
expect_eq "$ERR" "${PFX}spec.strategy.maxSurge: Invalid value: 0: MaxSurge and MaxUnavailable both can not be zero" \
	"a JSON file"
expect_exit 0 kr lint --filename="$LFIX/valid-replicas.yaml"

# ------------------------------------------------ exit codes
expect_exit 8 kr lint -f "$WORK/none.yaml"
expect_eq "$ERR" "${PFX}open $WORK/none.yaml: no such file or directory" "a missing file: exit 8"
printf 'kind: Rollout\nspec: [\n' >"$WORK/bad.yaml"
expect_exit 8 kr lint -f "$WORK/bad.yaml"
expect_contains "$ERR" "${PFX}$WORK/bad.yaml:3" "an unparsable file: exit 8 naming file:line"
expect_exit 2 kr lint
expect_eq "$ERR" "${PFX}required flag \"filename\" not set" "no -f: usage"
: >"$WORK/empty.yaml"
expect_exit 0 kr lint -f "$WORK/empty.yaml"

# ------------------------------------------------ rollouts-sim: InvalidSpec
E2E_CONTROLLER=1 start_sim --clock manual
krs() {
	HOME=$WORK/home KUBECONFIG='' timeout 20 "$KR" --kubeconfig "$KUBECONFIG_FILE" -n default "$@" </dev/null
}
RO=/apis/argoproj.io/v1alpha1/namespaces/default/rollouts
"$YAML2JSON" "$LFIX/invalid-template-labels.yaml" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[0]))' \
	>"$WORK/ro.json"
req POST "$RO" -H 'Content-Type: application/json' --data-binary @"$WORK/ro.json"
expect_eq "$CODE" 201 "create an invalid Rollout"
advance 1s
INVALID='The Rollout "web" is invalid: spec.template.metadata.labels: Invalid value: {"app":"other","tier":"front"}: `selector` does not match template `labels`'
cond() {
	req GET "$RO/web"
	printf '%s' "$BODY" | jval '[c for c in d["status"].get("conditions", []) if c["type"] == "InvalidSpec"]'
}
wait_until 10 bash -c "curl ${CURL_OPTS[*]@Q} -s '$BASE$RO/web' | grep -q InvalidSpec"
expect_eq "$(cond | jval '[(c["status"], c["reason"], c["message"]) for c in d]')" \
	"$(python3 -c 'import json,sys; print(json.dumps([["True", "InvalidSpec", sys.argv[1]]], sort_keys=True, separators=(",", ":")))' "$INVALID")" \
	"the InvalidSpec condition: True, reason InvalidSpec, Argo's message"
req GET "$RO/web"
expect_eq "$(printf '%s' "$BODY" | jval '[d["status"]["phase"], d["status"]["message"]]')" \
	"$(python3 -c 'import json,sys; print(json.dumps(["Degraded", "InvalidSpec: " + sys.argv[1]], separators=(",", ":")))' "$INVALID")" \
	"status: phase Degraded, message InvalidSpec: ..."
expect_exit 0 krs get rollout web --no-color
expect_contains "$OUT" "Status:          ✖ Degraded" "get rollout: Degraded"
expect_contains "$OUT" "Message:         InvalidSpec: $INVALID" "get rollout: the InvalidSpec message"
expect_exit 7 krs status web --watch=false
expect_eq "$OUT" "Degraded" "status: Degraded"

# fixing the labels (an update) clears the condition
req PATCH "$RO/web" -H 'Content-Type: application/merge-patch+json' \
	--data-binary '{"spec":{"template":{"metadata":{"labels":{"app":"web"}}}}}'
expect_eq "$CODE" 200 "fix the template labels"
advance 1s
wait_until 10 bash -c "! curl ${CURL_OPTS[*]@Q} -s '$BASE$RO/web' | grep -q InvalidSpec"
expect_eq "$(cond)" "[]" "a valid spec: no InvalidSpec condition"

# an update that breaks it again
req PATCH "$RO/web" -H 'Content-Type: application/merge-patch+json' \
	--data-binary '{"spec":{"strategy":{"canary":{"steps":[{"setWeight":150}]}}}}'
advance 1s
wait_until 10 bash -c "curl ${CURL_OPTS[*]@Q} -s '$BASE$RO/web' | grep -q InvalidSpec"
expect_contains "$(cond)" 'The Rollout \"web\" is invalid: spec.strategy.steps[0].setWeight: Invalid value: 150: SetWeight needs to be between 0 and 100' \
	"an invalid update: the new message"

finish
