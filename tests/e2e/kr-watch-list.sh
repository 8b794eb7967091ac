#!/usr/bin/env bash
# kr-watch-list: `kubectl-rollouts watch` without a name, the live list, in
# tmux (send-keys, capture-pane) against rollouts-sim on its manual clock:
# the list of the namespace (-A: of every namespace; -l: by labels), j/k
# move, / filters by name as it is typed and Esc clears it, Enter opens a
# rollout's view and Esc returns to the list, which follows changes; the
# Istio rollout's view shows the VirtualService's weights the simulator
# writes; a blue-green rollout's stages follow the controller; a resize
# keeps the list's layout; q quits with exit 0. Into a pipe, the list is
# list rollouts -w; --dump prints the list's frame; a forbidden list is one
# line and exit 5. Skipped (77) without
# tmux or when the binary was built without the tui feature. The pane's
# TERM and locale are set here, never the caller's.
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
RO=/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts

# a forbidden list is one line and exit 5, before any screen
start_sim --fixtures "$E2E_DIR/fixtures/watch/many.yaml" --forbid list:rollouts
KUBECONFIG="$KUBECONFIG_FILE" "$KR" watch -n shop --dump=80x20 >"$WORK/out" 2>"$WORK/err"
expect_eq "$?" 5 "a forbidden list: exit 5"
if [ "$(wc -l <"$WORK/err")" -eq 1 ] && grep -q "^kubectl-rollouts: error: .*forbidden" "$WORK/err" && [ ! -s "$WORK/out" ]; then
	e2e_ok "a forbidden list: one line on stderr, nothing on stdout"
else
	cat "$WORK/err" >&2
	e2e_fail "a forbidden list: one line on stderr, nothing on stdout"
fi
stop_sim

E2E_CONTROLLER=1 start_sim --clock manual --fixtures "$E2E_DIR/fixtures/watch/many.yaml"
advance 10s

# not a terminal: the text of list rollouts -w; --dump: one frame
KUBECONFIG="$KUBECONFIG_FILE" timeout 10 "$KR" watch -n shop --timeout-seconds 1 >"$WORK/pipe" 2>"$WORK/err"
expect_eq "$?" 0 "the list into a pipe ends with --timeout-seconds"
KUBECONFIG="$KUBECONFIG_FILE" "$KR" list rollouts -n shop >"$WORK/list" 2>&1
if diff -u "$WORK/list" "$WORK/pipe" >&2; then
	e2e_ok "the list into a pipe prints list rollouts' table"
else
	e2e_fail "the list into a pipe prints list rollouts' table"
fi
KUBECONFIG="$KUBECONFIG_FILE" timeout 10 "$KR" watch -l tier=back -n shop --timeout-seconds 1 >"$WORK/pipe" 2>"$WORK/err"
if grep -q '^api ' "$WORK/pipe" && grep -q '^db ' "$WORK/pipe" && ! grep -q '^web ' "$WORK/pipe"; then
	e2e_ok "-l selects the rows by label"
else
	cat "$WORK/pipe" >&2
	e2e_fail "-l selects the rows by label"
fi
LC_ALL=C.UTF-8 KUBECONFIG="$KUBECONFIG_FILE" "$KR" watch -A --dump=100x12 >"$WORK/dump" 2>"$WORK/err"
expect_eq "$?" 0 "watch -A --dump exits 0"
if [ "$(wc -l <"$WORK/dump")" -eq 12 ] && grep -q "^Rollouts  all namespaces  4$" "$WORK/dump" &&
	grep -q "^▶ ops        jobs " "$WORK/dump" && grep -q "^  shop       web " "$WORK/dump"; then
	e2e_ok "watch -A --dump prints the list's frame, the first row selected"
else
	cat "$WORK/dump" >&2
	e2e_fail "watch -A --dump prints the list's frame, the first row selected"
fi
KUBECONFIG="$KUBECONFIG_FILE" "$KR" watch web -A --dump=100x12 >/dev/null 2>"$WORK/err"
expect_eq "$?" 2 "a name with -A is a usage error"

command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"
SOCK=$WORK/tmux.sock
tm() {
	tmux -S "$SOCK" -f /dev/null "$@"
}
cleanup_tmux() {
	tm kill-server >/dev/null 2>&1
}
trap cleanup_tmux EXIT
tm new-session -d -s w -x 110 -y 30 \
	"env TERM=xterm-256color LC_ALL=C.UTF-8 KUBECONFIG='$KUBECONFIG_FILE' '$KR' watch -n shop; echo \"exit:\$?\"; sleep 30"

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
# wait_gone TEXT: up to 10 s for TEXT to leave the pane
wait_gone() {
	local i=0
	while [ $i -lt 100 ]; do
		tm capture-pane -p -t w >"$WORK/pane" 2>/dev/null
		grep -qF -- "$1" "$WORK/pane" || return 0
		sleep 0.1
		i=$((i + 1))
	done
	cat "$WORK/pane" >&2
	return 1
}

wait_for "Rollouts" || wait_for "exit:"
if grep -q "built without the watch view" "$WORK/pane"; then
	skip "built without the tui feature"
fi
if wait_for "Rollouts  namespace 'shop'  3" && wait_for "▶ api " && wait_for "  web "; then
	e2e_ok "the list shows the namespace's rollouts, the first selected"
else
	e2e_fail "the list shows the namespace's rollouts, the first selected"
fi
tm send-keys -t w j
if wait_for "▶ db " && wait_for "  api "; then
	e2e_ok "j moves the selection down"
else
	e2e_fail "j moves the selection down"
fi
tm send-keys -t w k
if wait_for "▶ api "; then
	e2e_ok "k moves it back up"
else
	e2e_fail "k moves it back up"
fi
tm send-keys -t w / w
if wait_for "/w_" && wait_for "1 of 3 matching 'w'" && wait_for "▶ web " && wait_gone "  api "; then
	e2e_ok "/ filters by name as it is typed"
else
	e2e_fail "/ filters by name as it is typed"
fi
tm send-keys -t w Escape
if wait_for "▶ api " && wait_for "  db " && wait_gone "matching"; then
	e2e_ok "Esc clears the filter"
else
	e2e_fail "Esc clears the filter"
fi
tm send-keys -t w / w e Enter
wait_for "▶ web " >/dev/null
tm send-keys -t w Enter
if wait_for "web  shop  ✔ Healthy" && wait_for "VirtualService web-vsvc primary: web-stable 100% / web-canary 0%"; then
	e2e_ok "Enter opens the rollout's view, with its VirtualService's weights"
else
	e2e_fail "Enter opens the rollout's view, with its VirtualService's weights"
fi
# the view keeps trimmed pods: its ReplicaSets and pods read as --dump's
LC_ALL=C.UTF-8 KUBECONFIG="$KUBECONFIG_FILE" "$KR" watch web -n shop --dump=110x30 >"$WORK/dump" 2>"$WORK/err"
tm capture-pane -p -t w >"$WORK/pane"
# (the ages, last on each line, are the client's clock's: left out)
grep -E '^(rev |        [^ V])' "$WORK/dump" | sed 's/ [^ ]*$//' >"$WORK/dump.rs"
grep -E '^(rev |        [^ V])' "$WORK/pane" | sed 's/ [^ ]*$//' >"$WORK/pane.rs"
if [ -s "$WORK/dump.rs" ] && diff -u "$WORK/dump.rs" "$WORK/pane.rs" >&2; then
	e2e_ok "the view's ReplicaSets and pods equal --dump's"
else
	e2e_fail "the view's ReplicaSets and pods equal --dump's"
fi
req_json PATCH "$RO/web" application/merge-patch+json \
	'{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"example/web:2.0"}]}}}}'
advance 10s
if wait_for "▶ pause: waiting for promote" && wait_for "web-stable 80% / web-canary 20%"; then
	e2e_ok "the VirtualService's weights follow the simulator's (80/20 at setWeight 20)"
else
	e2e_fail "the VirtualService's weights follow the simulator's (80/20 at setWeight 20)"
fi
tm send-keys -t w p
advance 10s
if wait_for "web-stable 40% / web-canary 60%"; then
	e2e_ok "p promotes; the VirtualService moves to 40/60"
else
	e2e_fail "p promotes; the VirtualService moves to 40/60"
fi
tm send-keys -t w Escape
if wait_for "Rollouts  namespace 'shop'" && wait_for "▶ web " && wait_for "Paused"; then
	e2e_ok "Esc returns to the list, the selection kept, web Paused"
else
	e2e_fail "Esc returns to the list, the selection kept, web Paused"
fi
tm send-keys -t w Escape
wait_gone "matching" >/dev/null
# the list follows changes made while it is shown
req_json PATCH "$RO/api" application/merge-patch+json \
	'{"spec":{"template":{"spec":{"containers":[{"name":"api","image":"example/api:2.0"}]}}}}'
advance 10s
if wait_for "api   Canary     Paused"; then
	e2e_ok "the list follows a change (api Paused)"
else
	e2e_fail "the list follows a change (api Paused)"
fi
# blue-green: the stages follow the controller
tm send-keys -t w / d Enter
wait_for "▶ db " >/dev/null
tm send-keys -t w Enter
wait_for "db  shop  ✔ Healthy" >/dev/null
req_json PATCH "$RO/db" application/merge-patch+json \
	'{"spec":{"template":{"spec":{"containers":[{"name":"db","image":"example/db:2.0"}]}}}}'
advance 10s
if wait_for "✔ preview up" && wait_for "▶ awaiting promotion: waiting for promote" && wait_for "○ active switched"; then
	e2e_ok "blue-green: preview up, awaiting promotion, active not switched"
else
	e2e_fail "blue-green: preview up, awaiting promotion, active not switched"
fi
tm send-keys -t w p
advance 5s
if wait_for "✔ active switched" && wait_for "▶ scale-down delay ("; then
	e2e_ok "blue-green: p switches the active Service; the scale-down delay runs"
else
	e2e_fail "blue-green: p switches the active Service; the scale-down delay runs"
fi
advance 60s
if wait_for "✔ scale-down delay"; then
	e2e_ok "blue-green: the scale-down delay passes"
else
	e2e_fail "blue-green: the scale-down delay passes"
fi
tm send-keys -t w Escape
wait_for "Rollouts  namespace 'shop'" >/dev/null
# a resize keeps the list's layout: every line fits, the hints last
tm set-option -t w window-size manual >/dev/null 2>&1
tm resize-window -t w -x 60 -y 12
sleep 0.5
if wait_for "Rollouts" && [ "$(wc -l <"$WORK/pane")" -eq 12 ] &&
	python3 -c 'import sys; sys.exit(any(len(l.rstrip("\n")) > 60 for l in open(sys.argv[1], encoding="utf-8")))' "$WORK/pane" &&
	[[ "$(tail -1 "$WORK/pane")" == "j/k move"* ]]; then
	e2e_ok "after a resize to 60x12 the list fits, the hints on the last row"
else
	cat "$WORK/pane" >&2
	e2e_fail "after a resize to 60x12 the list fits, the hints on the last row"
fi
tm send-keys -t w q
if wait_for "exit:0"; then
	e2e_ok "q quits with exit 0"
else
	e2e_fail "q quits with exit 0"
fi
tm kill-server >/dev/null 2>&1
SOCK=$WORK/tmux2.sock

# -A in tmux: every namespace; Enter opens a rollout of another namespace
tm new-session -d -s w -x 110 -y 30 \
	"env TERM=xterm-256color LC_ALL=C.UTF-8 KUBECONFIG='$KUBECONFIG_FILE' '$KR' watch -A; echo \"exit:\$?\"; sleep 30"
if wait_for "Rollouts  all namespaces  4" && wait_for "▶ ops        jobs"; then
	e2e_ok "-A lists every namespace"
else
	e2e_fail "-A lists every namespace"
fi
tm send-keys -t w Enter
if wait_for "jobs  ops  ✔ Healthy"; then
	e2e_ok "Enter opens a rollout of another namespace"
else
	e2e_fail "Enter opens a rollout of another namespace"
fi
tm send-keys -t w z
if wait_for "rollout 'jobs' paused"; then
	e2e_ok "a key acts in the rollout's own namespace"
else
	e2e_fail "a key acts in the rollout's own namespace"
fi
tm send-keys -t w q
if wait_for "exit:0"; then
	e2e_ok "q in a rollout's view quits"
else
	e2e_fail "q in a rollout's view quits"
fi
stop_sim
finish
