#!/usr/bin/env bash
# kr-concurrency: operators at the same time (issue 10).
#   - Two operators promote and abort the same paused rollout at once,
#     round after round: each exit code is true to what happened (0, or 4
#     on a conflict), and the end state agrees with the writes that
#     succeeded: aborted (Degraded) exactly when the abort succeeded (a
#     promote never clears an abort), else Healthy once the clock moves.
#   - Two operators set different images at once while the server refuses
#     the next updates with 409 (conflictWrites): each exits 0 or 4, and
#     the image that stands is one whose command succeeded.
#   - Ten `status` watchers on one server all end with the same exit code,
#     the right one, when the rollout completes (0) or is aborted (7).
# Exit codes and end states only; the manual clock moves the rollout.
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
FFIX=$FIXTURES/faults
RO=/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts

E2E_CONTROLLER=1 start_sim --clock manual --fixtures "$FFIX/web.yaml"

kr() {
	HOME=$WORK/home KUBECONFIG='' NO_COLOR=1 timeout 30 "$KR" \
		--kubeconfig "$KUBECONFIG_FILE" -n shop "$@" </dev/null
}


# field EXPR: a Python expression over web (d)
field() {
	req GET "$RO/web"
	printf '%s' "$BODY" | jval "$1"
}

VERSION=1
# paused: web (not aborted) at a new revision, stopped at its pause
paused() {
	VERSION=$((VERSION + 1))
	req DELETE /sim/v1/faults
	if [ "$(field 'd["status"].get("abort", False)')" = true ]; then
		req_json PATCH "$RO/web/status" application/merge-patch+json '{"status":{"abort":false}}'
	fi
	req_json PATCH "$RO/web" application/merge-patch+json \
		"{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"example/web:$VERSION.0\"}]}}}}"
	advance 10s
	local ph
	ph=$(field 'd["status"]["phase"]')
	[ "$ph" = Paused ] || e2e_fail "web is Paused at example/web:$VERSION.0" "phase: $ph"
}

advance 10s

# ------------------------------------------- promote and abort at once
ROUNDS=8
bad_codes=0
bad_states=0
aborted_rounds=0
promoted_rounds=0
for r in $(seq 1 "$ROUNDS"); do
	paused
	kr promote web >"$WORK/p.out" 2>"$WORK/p.err" &
	P=$!
	kr abort web >"$WORK/a.out" 2>"$WORK/a.err" &
	A=$!
	wait "$P"
	prc=$?
	wait "$A"
	arc=$?
	advance 30s
	abort=$(field 'd["status"].get("abort", False)')
	phase=$(field 'd["status"]["phase"]')
	case "$prc$arc" in
	00 | 04 | 40 | 44) ;;
	*)
		bad_codes=$((bad_codes + 1))
		e2e_fail "round $r: promote $prc, abort $arc (want 0 or 4 each)" \
			"promote: $(cat "$WORK/p.err")" "abort: $(cat "$WORK/a.err")"
		;;
	esac
	if [ "$arc" = 0 ]; then
		aborted_rounds=$((aborted_rounds + 1))
		if [ "$abort" != true ] || [ "$phase" != Degraded ]; then
			bad_states=$((bad_states + 1))
			e2e_fail "round $r: the abort succeeded: aborted and Degraded" "abort=$abort phase=$phase"
		fi
	elif [ "$prc" = 0 ]; then
		promoted_rounds=$((promoted_rounds + 1))
		if [ "$abort" = true ] || [ "$phase" != Healthy ]; then
			bad_states=$((bad_states + 1))
			e2e_fail "round $r: only the promote succeeded: Healthy" "abort=$abort phase=$phase"
		fi
	fi
	# a 4 must come with the conflict's message
	for f in p a; do
		rc=$prc
		[ "$f" = a ] && rc=$arc
		if [ "$rc" = 4 ] && ! grep -qi 'conflict\|modified' "$WORK/$f.err"; then
			e2e_fail "round $r: exit 4 says conflict" "$(cat "$WORK/$f.err")"
		fi
	done
done
expect_eq "$bad_codes" 0 "promote and abort at once, $ROUNDS rounds: every exit code is 0 or 4"
expect_eq "$bad_states" 0 "promote and abort at once: every end state agrees with the writes that succeeded"
echo "# $aborted_rounds rounds aborted, $promoted_rounds promoted only"

# two operators update at once (set image: GET, then PUT with the
# resourceVersion, retried on conflict) while the server refuses updates
for n in 2 6 12; do
	paused
	req_json PUT /sim/v1/faults application/json "{\"conflictWrites\":$n}"
	kr set image web "web=example/web:$VERSION.1" >"$WORK/s1.out" 2>"$WORK/s1.err" &
	S1=$!
	kr set image web "web=example/web:$VERSION.2" >"$WORK/s2.out" 2>"$WORK/s2.err" &
	S2=$!
	wait "$S1"
	rc1=$?
	wait "$S2"
	rc2=$?
	req DELETE /sim/v1/faults
	image=$(field 'd["spec"]["template"]["spec"]["containers"][0]["image"]')
	ok_images=" "
	[ "$rc1" = 0 ] && ok_images="$ok_images example/web:$VERSION.1 "
	[ "$rc2" = 0 ] && ok_images="$ok_images example/web:$VERSION.2 "
	[ "$ok_images" = " " ] && ok_images=" example/web:$VERSION.0 "
	case "$rc1$rc2" in
	00 | 04 | 40 | 44) e2e_ok "$n conflicts: two set image exit $rc1 and $rc2 (0 or 4 each)" ;;
	*) e2e_fail "$n conflicts: two set image exit 0 or 4" "exit $rc1: $(cat "$WORK/s1.err")" \
		"exit $rc2: $(cat "$WORK/s2.err")" ;;
	esac
	expect_contains "$ok_images" " $image " "$n conflicts: the image that stands ($image) is a successful write's"
	for f in s1 s2; do
		if grep -q . "$WORK/$f.err" && [ "$(grep -c . "$WORK/$f.err")" != 1 ]; then
			e2e_fail "$n conflicts: $f's error is one line" "$(cat "$WORK/$f.err")"
		fi
	done
done

# --------------------------------------------- ten status watchers
# ten_watchers WANT-RC WANT-LAST-LINE ACTION: ten `status web` watchers,
# ACTION once all show Paused, then each must end WANT-RC
ten_watchers() {
	local want=$1 last=$2 action=$3 i pids=""
	paused
	for i in 0 1 2 3 4 5 6 7 8 9; do
		HOME=$WORK/home KUBECONFIG='' NO_COLOR=1 timeout 60 "$KR" \
			--kubeconfig "$KUBECONFIG_FILE" -n shop status web -t 50s \
			</dev/null >"$WORK/w$i.out" 2>"$WORK/w$i.err" &
		pids="$pids $!"
		E2E_BG="$E2E_BG $!"
	done
	for i in 0 1 2 3 4 5 6 7 8 9; do
		wait_until 20 file_has "$WORK/w$i.out" "Paused - CanaryPauseStep" ||
			e2e_fail "watcher $i shows Paused" "$(cat "$WORK/w$i.out" "$WORK/w$i.err")"
	done
	$action
	advance 30s
	local codes="" lasts="" p
	i=0
	for p in $pids; do
		wait "$p"
		codes="$codes$? "
		e2e_forget "$p"
		lasts="$lasts$(tail -n 1 "$WORK/w$i.out" | cut -d' ' -f1) "
		i=$((i + 1))
	done
	local w
	w=$(printf "$want %.0s" 1 2 3 4 5 6 7 8 9 10)
	expect_eq "$codes" "$w" "ten watchers ($action): every one exits $want"
	w=$(printf "$last %.0s" 1 2 3 4 5 6 7 8 9 10)
	expect_eq "$lasts" "$w" "ten watchers ($action): every last line is $last"
}

do_promote() {
	expect_exit 0 kr promote web
}

do_abort() {
	expect_exit 0 kr abort web
}

ten_watchers 0 Healthy do_promote
ten_watchers 7 Degraded do_abort
finish
