#!/usr/bin/env bash
# kr-golden: kubectl-rollouts against rollouts-sim, for every golden view in
# tests/golden/{rollout,experiment}/. The goldens were rendered from every
# object of the fixture (the unit test joins them all); here the real
# binary fetches only what the view needs (the rollout's selector, the
# experiments' templates), so equal output shows the narrow fetch loses
# nothing. Also checks the requests it made: no unfiltered Pod or
# ReplicaSet list for a rollout without experiments.
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
GOLDEN=${GOLDEN:-$E2E_DIR/../golden}
export PDKIT_NOW=2026-01-08T00:00:00Z

for kind in rollout experiment; do
	for dir in "$GOLDEN/$kind"/*/; do
		name=$(basename "$dir")
		read -r -a args <"$dir/args"
		objects=$dir/objects.yaml
		flags=()
		color=0
		i=2
		while [ $i -lt ${#args[@]} ]; do
			case ${args[$i]} in
			color) color=1 ;;
			json) flags+=(-o json) ;;
			revisions) i=$((i + 1)); flags+=(--revisions "${args[$i]}") ;;
			now) i=$((i + 1)); export PDKIT_NOW=${args[$i]} ;;
			objects) i=$((i + 1)); objects=$GOLDEN/$kind/${args[$i]}/objects.yaml ;;
			esac
			i=$((i + 1))
		done
		[ $color = 1 ] || flags+=(--no-color)
		ns=$(python3 - "$objects" "${args[1]}" "${args[0]}" <<'PY'
import sys, re
# the namespace of the named object (first match), without a YAML library
text = open(sys.argv[1]).read()
kind = {"rollout": "Rollout", "experiment": "Experiment"}[sys.argv[3]]
for doc in re.split(r"^---\s*$", text, flags=re.M):
    if re.search(r"^kind:\s*%s\s*$" % kind, doc, re.M) and \
       re.search(r"^  name:\s*%s\s*$" % re.escape(sys.argv[2]), doc, re.M):
        m = re.search(r"^  namespace:\s*(\S+)", doc, re.M)
        print(m.group(1) if m else "default")
        break
PY
)
		start_sim --no-controller --fixtures "$objects"
		out=$WORK/$kind-$name.out
		# colour needs a terminal type that has it (the suite runs with
		# TERM=dumb, which turns colour off); the others ask for none
		term=dumb
		[ $color = 1 ] && term=xterm-256color
		env -u NO_COLOR TERM=$term KUBECONFIG="$KUBECONFIG_FILE" "$KR" get "${args[0]}" "${args[1]}" \
			-n "$ns" "${flags[@]}" >"$out" 2>"$WORK/err"
		rc=$?
		expect_eq "$rc" 0 "$kind/$name: exit status"
		if diff -u "$dir/expected.txt" "$out" >"$WORK/diff"; then
			e2e_ok "$kind/$name: output equals the golden"
		else
			cat "$WORK/diff" >&2
			e2e_fail "$kind/$name: output equals the golden"
		fi
		if [ "$kind" = rollout ] && ! grep -q "experiment" "$objects"; then
			if grep -q '"path":"/api/v1/namespaces/[^"]*/pods","query":"limit=500"' "$REQLOG"; then
				e2e_fail "$kind/$name: pods were listed without a selector"
			else
				e2e_ok "$kind/$name: pods listed by the rollout's selector only"
			fi
		fi
		stop_sim
		export PDKIT_NOW=2026-01-08T00:00:00Z
	done
done
finish
