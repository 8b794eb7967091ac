#!/usr/bin/env bash
# gr-golden: gitops-render on every case of tests/golden/gitops-render/ (see
# its README): the default and the --kyml render, their stderr and exit
# status. Then two properties over every output: rendering an output again
# (it has no placeholders left) gives it back byte for byte, and --kyml of a
# --kyml output is stable. `gr-golden.sh --update` (what scripts/update-golden
# runs; never meson test, which passes no argument) rewrites the expected
# files; no environment variable does.
GR_UPDATE=0
if [ "${1:-}" = --update ]; then
	GR_UPDATE=1
	shift
fi
. "$(dirname "$0")/lib.sh"

GR=${GITOPS_RENDER:?GITOPS_RENDER is not set}
GDIR=${GOLDEN:-$E2E_DIR/../golden}/gitops-render

# compare FILE WANT-FILE MSG (a missing WANT-FILE means empty)
compare() {
	local want=$2
	if [ "$GR_UPDATE" = 1 ]; then
		if [ -s "$1" ]; then
			cp "$1" "$want"
		else
			rm -f "$want"
		fi
	fi
	[ -f "$want" ] || want=/dev/null
	if cmp -s "$1" "$want"; then
		e2e_ok "$3"
	else
		e2e_fail "$3" "$(diff -u "$want" "$1" | head -40)"
	fi
}

# render DIR MODE: run the case (MODE "" or "kyml"); sets RC
render() {
	local dir=$1 mode=$2 args=() envs=()
	read -r -a args <"$dir/args"
	[ "$mode" = kyml ] && args=(--kyml "${args[@]}")
	[ -f "$dir/env" ] && mapfile -t envs <"$dir/env"
	(cd "$dir" && env ${envs[@]+"${envs[@]}"} "$GR" "${args[@]}" input.yaml) \
		>"$WORK/out" 2>"$WORK/err"
	RC=$?
}

for dir in "$GDIR"/*/; do
	dir=${dir%/}
	name=$(basename "$dir")
	for mode in "" kyml; do
		sfx=${mode:+.$mode}
		render "$dir" "$mode"
		if [ "$RC" = 0 ]; then
			: >"$WORK/exit"
		else
			echo "$RC" >"$WORK/exit"
		fi
		compare "$WORK/out" "$dir/expected$sfx.yaml" "$name${sfx}: output"
		compare "$WORK/err" "$dir/expected$sfx.err" "$name${sfx}: stderr"
		compare "$WORK/exit" "$dir/expected$sfx.exit" "$name${sfx}: exit status"
		[ "$RC" -ge 126 ] && e2e_fail "$name$sfx: did not crash" "exit $RC"
		# properties, on outputs without "{{" (an escape renders to one)
		if [ "$RC" = 0 ] && [ -s "$WORK/out" ] && ! grep -qF '{{' "$WORK/out"; then
			cp "$WORK/out" "$WORK/first"
			if [ -z "$mode" ]; then
				"$GR" "$WORK/first" >"$WORK/again" 2>/dev/null
			else
				"$GR" --kyml "$WORK/first" >"$WORK/again" 2>/dev/null
			fi
			if cmp -s "$WORK/first" "$WORK/again"; then
				e2e_ok "$name$sfx: rendering the output again changes nothing"
			else
				e2e_fail "$name$sfx: rendering the output again changes nothing" \
					"$(diff -u "$WORK/first" "$WORK/again" | head -20)"
			fi
		fi
	done
done
finish
