#!/usr/bin/env bash
# kr-lint-conformance: `kubectl-rollouts lint` over the Argo Rollouts
# plugin's own lint test data (../shared/conformance/argo/lint, read through
# SHARED_CONFORMANCE; skipped when it is absent). Every case must give the
# plugin's result (its expected.tsv): "valid" is exit 0 with nothing
# printed; otherwise exit 9 and, after our prefix, the plugin's stderr line
# after its "Error: ".
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
CDIR=${SHARED_CONFORMANCE:-$E2E_DIR/../../../shared/conformance}/argo/lint
[ -f "$CDIR/expected.tsv" ] || skip "no plugin lint data at $CDIR"

n=0
while IFS=$'\t' read -r file want; do
	case $file in '#'* | '') continue ;; esac
	HOME=$WORK/home timeout 20 "$KR" lint -f "$CDIR/$file" </dev/null >"$WORK/out" 2>"$WORK/err"
	rc=$?
	if [ "$want" = valid ]; then
		expect_eq "$rc:$(cat "$WORK/out" "$WORK/err")" "0:" "$file: valid"
	else
		expect_eq "$rc:$(cat "$WORK/err")" "9:kubectl-rollouts: error: ${want#Error: }" "$file: the plugin's error"
	fi
	n=$((n + 1))
done <"$CDIR/expected.tsv"
expect_true "every case of expected.tsv ran ($n)" test "$n" -ge 20
finish
