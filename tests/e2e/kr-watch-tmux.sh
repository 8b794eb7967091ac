#!/usr/bin/env bash
# kr-watch-tmux: the real full-screen `watch` in tmux (send-keys,
# capture-pane) against rollouts-sim on its manual clock: the view shows a
# rollout paused at its indefinite pause as "waiting for promote", `p`
# promotes it (the write command's own line in the status line) and the
# view moves past the pause when the clock advances, a resize to 80x24
# keeps the layout, `a` then `n` cancels, `a` then `y` aborts and the view
# shows Degraded with the abort reason, a server killed and restarted on
# the same port is survived ("reconnecting", then back), `q` quits with the
# terminal restored. Skipped (77) without tmux or when the binary was built
# without the tui feature. The pane's TERM and locale are set here, never
# the caller's.
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"
RO=/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts

E2E_CONTROLLER=1 start_sim --clock manual --fixtures "$FIXTURES/faults/web.yaml"
advance 10s
req_json PATCH "$RO/web" application/merge-patch+json \
	'{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"example/web:2.0"}]}}}}'
advance 10s

SOCK=$WORK/tmux.sock
tm() {
	tmux -S "$SOCK" -f /dev/null "$@"
}
cleanup_tmux() {
	tm kill-server >/dev/null 2>&1
}
trap cleanup_tmux EXIT
tm new-session -d -s w -x 100 -y 30 \
	"env TERM=xterm-256color LC_ALL=C.UTF-8 KUBECONFIG='$KUBECONFIG_FILE' '$KR' watch web -n shop; echo \"exit:\$?\"; sleep 30"

# wait_for TEXT: up to 10 s for the pane to show TEXT
wait_for() {
	local i=0
	while [ $i -lt 100 ]; do
		tm capture-pane -p -t w >"$WORK/pane" 2>/dev/null
		grep -qF -- "$1" "$WORK/pane" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	cat "$WORK/pane" >&2
	return 1
}

wait_for "waiting for promote" || wait_for "exit:"
if grep -q "built without the watch view" "$WORK/pane"; then
	skip "built without the tui feature"
fi
if wait_for "web  shop  ॥ Paused" && wait_for "▶ pause: waiting for promote"; then
	e2e_ok "the view shows the indefinite pause waiting for promote"
else
	e2e_fail "the view shows the indefinite pause waiting for promote"
fi
tm send-keys -t w p
if wait_for "rollout 'web' promoted"; then
	e2e_ok "p promotes: the write command's line in the status line"
else
	e2e_fail "p promotes: the write command's line in the status line"
fi
advance 10s
if wait_for "web  shop  ✔ Healthy" && wait_for " 2 ✔ pause until promoted"; then
	e2e_ok "the view follows the rollout past the pause to Healthy"
else
	e2e_fail "the view follows the rollout past the pause to Healthy"
fi
if wait_for "step 1/2 -> 2/2" && wait_for "-> Healthy"; then
	e2e_ok "the event log shows the step change and Healthy"
else
	e2e_fail "the event log shows the step change and Healthy"
fi
tm set-option -t w window-size manual >/dev/null 2>&1
tm resize-window -t w -x 80 -y 24
sleep 0.5
if wait_for "Traffic" &&
	[ "$(wc -l <"$WORK/pane")" -eq 24 ] &&
	python3 -c 'import sys; sys.exit(any(len(l.rstrip("\n")) > 80 for l in open(sys.argv[1], encoding="utf-8")))' "$WORK/pane" &&
	[[ "$(tail -1 "$WORK/pane")" == *"rollout 'web' promoted"* ]]; then
	e2e_ok "after a resize to 80x24 the layout fits, the status line on the last row"
else
	cat "$WORK/pane" >&2
	e2e_fail "after a resize to 80x24 the layout fits, the status line on the last row"
fi
tm send-keys -t w a
if wait_for "abort rollout 'web'? (y/n)"; then
	e2e_ok "a asks before aborting"
else
	e2e_fail "a asks before aborting"
fi
tm send-keys -t w n
if wait_for "cancelled"; then
	e2e_ok "n cancels the abort"
else
	e2e_fail "n cancels the abort"
fi
req GET "$RO/web"
if printf '%s' "$BODY" | jval 'd["status"].get("abort", False)' | grep -q true; then
	e2e_fail "a cancelled abort sends nothing"
else
	e2e_ok "a cancelled abort sends nothing"
fi
# a new revision stops at the pause again; a then y aborts: Degraded
req_json PATCH "$RO/web" application/merge-patch+json \
	'{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"example/web:3.0"}]}}}}'
advance 10s
if wait_for "▶ pause: waiting for promote"; then
	e2e_ok "a new revision shows the pause again"
else
	e2e_fail "a new revision shows the pause again"
fi
tm send-keys -t w a
wait_for "abort rollout 'web'? (y/n)" >/dev/null
tm send-keys -t w y
if wait_for "rollout 'web' aborted" && wait_for "web  shop  ✖ Degraded"; then
	e2e_ok "a then y aborts, and the view shows Degraded"
else
	e2e_fail "a then y aborts, and the view shows Degraded"
fi
if wait_for "✖ aborted: RolloutAborted"; then
	e2e_ok "the abort reason shows"
else
	e2e_fail "the abort reason shows"
fi
tm send-keys -t w u
if wait_for "undo rollout 'web'? (y/n)"; then
	tm send-keys -t w n
	if wait_for "cancelled"; then
		e2e_ok "u asks before undoing; n cancels"
	else
		e2e_fail "u asks before undoing; n cancels"
	fi
else
	e2e_fail "u asks before undoing; n cancels"
fi
# the server killed and restarted on the same port: the view keeps what
# it showed, says reconnecting, and comes back
OLD_PID=$SIM_PID
SIM_PID=""
kill -KILL "$OLD_PID"
wait "$OLD_PID" 2>/dev/null
e2e_forget "$OLD_PID"
if wait_for "[reconnecting]" && grep -qF "web  shop" "$WORK/pane"; then
	e2e_ok "server gone: the view keeps the rollout and says reconnecting"
else
	e2e_fail "server gone: the view keeps the rollout and says reconnecting"
fi
E2E_CONTROLLER=1 start_sim --clock manual --fixtures "$FIXTURES/faults/web.yaml" --listen "127.0.0.1:$PORT"
advance 10s
# wait_gone TEXT: up to 20 s (the watches' back-off) for TEXT to leave
i=0
while [ $i -lt 200 ]; do
	tm capture-pane -p -t w >"$WORK/pane" 2>/dev/null
	grep -qF "[reconnecting]" "$WORK/pane" || break
	sleep 0.1
	i=$((i + 1))
done
if ! grep -qF "[reconnecting]" "$WORK/pane" && wait_for "web  shop  ✔ Healthy"; then
	e2e_ok "server back: the view recovers and shows the new server's rollout"
else
	cat "$WORK/pane" >&2
	e2e_fail "server back: the view recovers and shows the new server's rollout"
fi
tm send-keys -t w q
if wait_for "exit:0"; then
	e2e_ok "q quits with exit 0"
else
	e2e_fail "q quits with exit 0"
fi
stop_sim
finish
