#!/usr/bin/env bash
# kr-watch-view: `kubectl-rollouts watch NAME --dump=COLSxROWS` against
# rollouts-sim, for every golden frame in tests/golden/watch/. Each case's
# args file reads "ROLLOUT OBJECTS_DIR SIZE..." (ROLLOUT "-": the list of
# every namespace's rollouts, `watch -A --dump`): the objects are
# OBJECTS_DIR/objects.yaml (relative to the case), each SIZE a frame
# expected-SIZE.txt, rendered in UTF-8 and with LC_ALL=C (ASCII icons,
# expected-SIZE-ascii.txt) at PDKIT_NOW. With --update (scripts/update-golden
# only), the frames are rewritten instead of compared.
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
GOLDEN=${GOLDEN:-$E2E_DIR/../golden}
update=0
[ "${1:-}" = --update ] && update=1
export PDKIT_NOW=2026-01-08T00:00:00Z

for dir in "$GOLDEN"/watch/*/; do
	case=$(basename "$dir")
	read -r -a args <"$dir/args"
	name=${args[0]}
	objects=$dir/${args[1]}/objects.yaml
	ns=$(sed -n '/^kind: Rollout$/,/^---/{s/^  namespace: *//p}' "$objects" | head -1)
	[ -n "$ns" ] || ns=default
	if [ "$name" = - ]; then
		what=(-A)
	else
		what=("$name" -n "$ns")
	fi
	start_sim --no-controller --fixtures "$objects"
	for size in "${args[@]:2}"; do
		for loc in C.UTF-8 C; do
			suffix=
			[ "$loc" = C ] && suffix=-ascii
			exp=$dir/expected-$size$suffix.txt
			out=$WORK/$case-$size$suffix.out
			env LC_ALL=$loc KUBECONFIG="$KUBECONFIG_FILE" "$KR" watch "${what[@]}" \
				--dump="$size" >"$out" 2>"$WORK/err"
			rc=$?
			expect_eq "$rc" 0 "$case $size $loc: exit status"
			lines=$(wc -l <"$out")
			expect_eq "$lines" "${size#*x}" "$case $size $loc: one line per row"
			if python3 -c 'import sys; sys.exit(any(len(l.rstrip("\n")) > int(sys.argv[2]) for l in open(sys.argv[1], encoding="utf-8")))' "$out" "${size%x*}"; then
				e2e_ok "$case $size $loc: no line wider than the screen"
			else
				e2e_fail "$case $size $loc: no line wider than the screen"
			fi
			if [ $update = 1 ]; then
				cp "$out" "$exp"
			elif diff -u "$exp" "$out" >"$WORK/diff"; then
				e2e_ok "$case $size $loc: frame equals the golden"
			else
				cat "$WORK/diff" >&2
				e2e_fail "$case $size $loc: frame equals the golden"
			fi
		done
	done
	stop_sim
done

# usage errors: a bad size; an unknown rollout is not found (3)
start_sim --no-controller --fixtures "$GOLDEN/watch/canary-analysis/objects.yaml"
KUBECONFIG="$KUBECONFIG_FILE" "$KR" watch shop -n prod --dump=10x5 >/dev/null 2>"$WORK/err"
expect_eq "$?" 2 "--dump=10x5 is a usage error"
KUBECONFIG="$KUBECONFIG_FILE" "$KR" watch nope -n prod --dump=80x24 >/dev/null 2>"$WORK/err"
expect_eq "$?" 3 "an unknown rollout is not found"
# stdout not a terminal: the text of get rollout -w
KUBECONFIG="$KUBECONFIG_FILE" timeout 10 "$KR" watch shop -n prod --timeout-seconds 1 >"$WORK/pipe" 2>"$WORK/err"
expect_eq "$?" 0 "watch into a pipe ends with --timeout-seconds"
if grep -q '^Name: *shop$' "$WORK/pipe"; then
	e2e_ok "watch into a pipe prints the get rollout view"
else
	e2e_fail "watch into a pipe prints the get rollout view"
fi
stop_sim
finish
