#!/usr/bin/env bash
# kr-complete: shell completion of kubectl-rollouts. The hidden __complete
# command speaks cobra's protocol (candidates, one a line, then
# ":DIRECTIVE"): commands, the kinds under get and list, and rollout and
# experiment names listed from rollouts-sim in the namespace the words name.
# `completion bash|zsh|fish` scripts parse (each shell that is installed);
# through the real kubectl (1.26+, skipped without it) the plugin runs as
# `kubectl rollouts` and kubectl's own __complete reaches it through
# kubectl_complete-rollouts.
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
KR=$(cd "$(dirname "$KR")" && pwd)/$(basename "$KR") # for the symlinks
KRFIX=$FIXTURES/kr
HELPER=$E2E_DIR/../../plugins/kubectl-rollouts/kubectl_complete-rollouts

start_sim --no-controller --fixtures "$KRFIX/shop.yaml" --fixtures "$KRFIX/other.yaml"
K=(--kubeconfig "$KUBECONFIG_FILE")

kr() {
	HOME=$WORK/home KUBECONFIG='' timeout 20 "$KR" "$@" </dev/null
}

# cands: the candidates of the last $OUT (first field, without the
# directive line), one a line
cands() {
	printf '%s\n' "$OUT" | sed '$d' | cut -f1
}
directive() {
	printf '%s\n' "$OUT" | tail -n 1
}

# ------------------------------------------------------------ __complete
expect_exit 0 kr __complete ""
expect_eq "$(directive)" ":4" "__complete '': ends with :4 (NoFileComp)"
for c in completion get list status version; do
	expect_true "__complete '': offers $c" grep -qx -- "$c" <<<"$(cands)"
done
expect_true "__complete '': each command once" test "$(cands | sort | uniq -d)" = ""
expect_not_contains "$(cands)" "__complete" "__complete '': the hidden command is not offered"
expect_contains "$OUT" $'status\tShow the status of a rollout' "__complete '': candidates carry descriptions"

expect_exit 0 kr __complete st
expect_eq "$(cands)" "status" "__complete st: status"

expect_exit 0 kr __complete get ""
expect_eq "$(cands)" "experiment
rollout" "__complete get '': experiment and rollout"
expect_eq "$(directive)" ":4" "__complete get '': :4"
expect_exit 0 kr __complete list ""
expect_eq "$(cands)" "experiments
rollouts" "__complete list '': experiments and rollouts"

expect_exit 0 kr __complete get rollout "${K[@]}" -n shop ""
expect_eq "$(cands)" "checkout
payments
search
web" "__complete get rollout --kubeconfig K -n shop '': the rollouts of shop"
expect_eq "$(directive)" ":4" "__complete get rollout: :4"
expect_exit 0 kr __complete "${K[@]}" --namespace=staging get ro ""
expect_eq "$(cands)" "web" "__complete --namespace=staging get ro '': the rollouts of staging"
expect_exit 0 kr __complete get rollout "${K[@]}" -n shop "pa"
expect_eq "$(cands)" "payments" "__complete get rollout ... pa: the names with that prefix"
expect_exit 0 kr __complete get rollout "${K[@]}" -n shop web ""
expect_eq "$(cands)" "" "__complete get rollout web '': no second name"
expect_exit 0 kr __complete get experiment "${K[@]}" -n shop ""
expect_eq "$(cands)" "cache-ab
load-test" "__complete get experiment '': the experiments of shop"

expect_exit 0 kr __complete status -n shop "${K[@]}" ""
expect_eq "$(cands)" "checkout
payments
search
web" "__complete status -n shop '': the rollouts"
expect_exit 0 kr __complete "${K[@]}" -n staging status ""
expect_eq "$(cands)" "web" "__complete -n staging status '': flags before the command"
expect_exit 0 kr __complete "${K[@]}" -n quiet status ""
expect_eq "$(cands)" "" "__complete -n quiet status '': none"
expect_eq "$(directive)" ":4" "__complete -n quiet status '': still :4"

# -n's value: the namespaces
expect_exit 0 kr __complete "${K[@]}" status -n ""
for ns in default quiet shop staging; do
	expect_true "__complete status -n '': offers $ns" grep -qx -- "$ns" <<<"$(cands)"
done
expect_exit 0 kr __complete "${K[@]}" status --namespace=sta
expect_eq "$(cands)" "staging" "__complete status --namespace=sta: the namespace value after ="
expect_exit 0 kr __complete completion ""
expect_eq "$(cands)" "bash
zsh
fish" "__complete completion '': the shells"
expect_exit 0 kr __complete completion z
expect_eq "$(cands)" "zsh" "__complete completion z: zsh"
expect_exit 0 kr __complete get rollout -o ""
expect_eq "$(cands)" "json
yaml" "__complete get rollout -o '': the output formats"
expect_exit 0 kr __complete get rollout --output=j
expect_eq "$(cands)" "json" "__complete get rollout --output=j: json"
# --context: the kubeconfig's contexts
cat >"$WORK/kc-contexts" <<'KC'
apiVersion: v1
kind: Config
contexts:
- name: prod
  context: {cluster: a, user: b}
- name: staging
  context: {cluster: a, user: b}
- name: prod-eu
  context: {cluster: a, user: b}
KC
expect_exit 0 kr __complete --kubeconfig "$WORK/kc-contexts" get rollout --context ""
expect_eq "$(cands)" "prod
staging
prod-eu" "__complete --context '': every context of the kubeconfig"
expect_exit 0 kr __complete --kubeconfig "$WORK/kc-contexts" status --context=pro
expect_eq "$(cands)" "prod
prod-eu" "__complete --context=pro: the contexts starting with pro"
expect_exit 0 kr get rollout --help
expect_contains "$OUT" $'Aliases:\n  rollout, ro, rollouts' "help lists aliases as the plugin does"
# flags
expect_exit 0 kr __complete get rollout --wat
expect_eq "$(cands)" "--watch" "__complete get rollout --wat: --watch"
expect_exit 0 kr __complete status --time
expect_eq "$(cands)" "--timeout" "__complete status --time: --timeout"

# no server: no candidates, no failure
expect_exit 0 kr __complete get rollout --kubeconfig "$WORK/none" -n shop ""
expect_eq "$(cands)" "" "__complete without a kubeconfig: no names"
expect_eq "$(directive)" ":4" "__complete without a kubeconfig: a directive still"

# -------------------------------------------------------- completion SHELL
expect_exit 0 kr completion bash
cp "$WORK/out" "$WORK/c.bash"
expect_true "completion bash: bash -n accepts it" bash -n "$WORK/c.bash"
expect_contains "$OUT" "__complete" "completion bash: asks __complete"
# and it works: complete 'kubectl-rollouts get rollout -n shop <TAB>' in bash
mkdir -p "$WORK/bin"
ln -s "$KR" "$WORK/bin/kubectl-rollouts"
got=$(cd "$WORK" && HOME=$WORK/home KUBECONFIG=$KUBECONFIG_FILE PATH="$WORK/bin:$PATH" bash -c '
	. ./c.bash
	COMP_WORDS=(kubectl-rollouts get rollout -n shop "")
	COMP_CWORD=5
	_kubectl_rollouts
	printf "%s\n" "${COMPREPLY[@]}"
	COMP_WORDS=(kubectl-rollouts -n shop status s)
	COMP_CWORD=4
	_kubectl_rollouts
	printf "%s\n" "${COMPREPLY[@]}"' 2>&1)
expect_eq "$got" "checkout
payments
search
web
search" "completion bash: the function completes rollout names"

for sh in zsh fish; do
	expect_exit 0 kr completion "$sh"
	cp "$WORK/out" "$WORK/c.$sh"
	expect_contains "$OUT" "__complete" "completion $sh: asks __complete"
	if command -v "$sh" >/dev/null 2>&1; then
		expect_true "completion $sh: $sh -n accepts it" "$sh" -n "$WORK/c.$sh"
	else
		echo "# $sh is not installed: completion $sh not parsed"
	fi
done
expect_exit 2 kr completion powershell
expect_eq "$OUT" "" "completion powershell: nothing on stdout"
expect_contains "$ERR" "kubectl-rollouts: error: " "completion powershell: an error line"

# ------------------------------------------------- through the real kubectl
if ! need_kubectl_ok; then
	echo "# $KUBECTL_WHY: the tests through kubectl are not run"
else
	P=$WORK/plugins
	mkdir -p "$P"
	ln -s "$KR" "$P/kubectl-rollouts"
	ln -s "$(cd "$(dirname "$HELPER")" && pwd)/kubectl_complete-rollouts" "$P/kubectl_complete-rollouts"
	kctl() {
		HOME=$WORK/home KUBECONFIG='' PATH="$P:$PATH" timeout 30 "$KUBECTL" "$@" </dev/null
	}
	expect_exit 0 kr version --short
	want=$OUT
	expect_exit 0 kctl rollouts version --short
	expect_eq "$OUT" "$want" "kubectl rollouts version --short: the plugin's line"
	expect_contains "$OUT" "kubectl-rollouts: v" "kubectl rollouts version --short: kubectl-rollouts: vX"

	expect_exit 0 kctl rollouts "${K[@]}" -n shop list rollouts --name web
	expect_contains "$OUT" "web         Canary     Healthy" "kubectl rollouts list rollouts: kubectl passes the flags"

	expect_exit 3 kctl rollouts "${K[@]}" -n shop get rollout no-such
	expect_contains "$ERR" "kubectl-rollouts: error: " "kubectl rollouts: the plugin's exit code and error pass through"

	expect_exit 0 kctl __complete rollouts get rollout "${K[@]}" -n shop ""
	expect_eq "$(cands)" "checkout
payments
search
web" "kubectl __complete rollouts get rollout '': the rollout names"
	expect_eq "$(directive)" ":4" "kubectl __complete rollouts ...: :4"
	expect_exit 0 kctl __complete rollouts ""
	expect_true "kubectl __complete rollouts '': the plugin's commands" grep -qx status <<<"$(cands)"
	expect_exit 0 env KUBECONFIG="$KUBECONFIG_FILE" HOME="$WORK/home" PATH="$P:$PATH" \
		"$KUBECTL" __complete rollouts status -n staging ""
	expect_eq "$(cands)" "web" "kubectl __complete rollouts status -n staging '' (KUBECONFIG): web"
fi

finish
