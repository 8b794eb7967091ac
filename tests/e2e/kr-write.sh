#!/usr/bin/env bash
# kr-write: the write commands of kubectl-rollouts (promote, abort, retry,
# pause, undo, restart, set image, terminate) against rollouts-sim without
# its controller: each sends exactly the requests of the Go plugin
# (argo-plugin.md section 7: method, path, content type, body byte for byte,
# order), prints the plugin's line, and leaves the object as expected; plus
# --dry-run (sends no write), -l/--selector, the notes, bad input and the
# exit codes of DEVELOPERS.md. The status-subresource 404 fallback and the
# set image conflict retries need answers rollouts-sim never gives (it
# always serves rollouts/status and has no conflict fault), so they run
# against a small scripted server, fake.py, at the end.
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
FX=$FIXTURES/write
RO=/apis/argoproj.io/v1alpha1/namespaces/ops/rollouts
AR=/apis/argoproj.io/v1alpha1/namespaces/ops/analysisruns
EX=/apis/argoproj.io/v1alpha1/namespaces/ops/experiments
DEP=/apis/apps/v1/namespaces/ops/deployments
MP=application/merge-patch+json
JP=application/json-patch+json
export PDKIT_NOW=2026-01-08T00:00:00Z
unset NO_COLOR KUBECONFIG

# kr ARGS...: the binary against the current server, in namespace ops
kr() {
	KUBECONFIG=$KUBECONFIG_FILE "$KR" -n ops "$@"
}

# krc WORDS...: the hidden __complete command (its words are taken raw)
krc() {
	KUBECONFIG=$KUBECONFIG_FILE "$KR" __complete -n ops "$@"
}

# mark: remember the request log's length; writes and requests read after it
mark() {
	MARK=$(wc -l <"$REQLOG")
}

# requests: every request since the mark, "METHOD PATH[?QUERY]" a line
requests() {
	tail -n +"$((MARK + 1))" "$REQLOG" |
		jlines 'd["method"] + " " + d["path"] + ("?" + d["query"] if d["query"] else "")'
}

# writes: every request but GET since the mark, "METHOD PATH TYPE BODY" a
# line, the body with \, newline and tab written as \\, \n and \t
writes() {
	tail -n +"$((MARK + 1))" "$REQLOG" |
		jlines '"" if d["method"] == "GET" else " ".join([d["method"], d["path"], d["content_type"], d["body"].replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")])' |
		sed '/^$/d'
}

# expect_writes MSG: writes since the mark equal stdin
expect_writes() {
	local want got
	want=$(cat)
	got=$(writes)
	expect_eq "$got" "$want" "$1: requests sent"
}

# field KIND-PATH NAME EXPR: a Python expression over the stored object
field() {
	req GET "$1/$2"
	printf '%s' "$BODY" | jval "$3"
}

# run_ok MSG STDOUT ARGS...: kr ARGS exits 0 and prints exactly STDOUT
run_ok() {
	local msg=$1 want=$2
	shift 2
	expect_exit 0 kr "$@"
	expect_eq "$OUT" "$want" "$msg: stdout"
}

# ============================================================ the plugin's
start_sim --no-controller --fixtures "$FX"

# ---------------------------------------------------------------- promote
mark
run_ok "promote --full of a canary held at a pause step" \
	"rollout 'web' fully promoted" promote web --full
expect_writes "promote web --full" <<EOF
PATCH $RO/web/status $MP {"status":{"pauseConditions":null, "promoteFull":true}}
EOF
expect_eq "$(field "$RO" web 'd["status"].get("pauseConditions")')" null \
	"promote --full clears the pause conditions (argo-rollouts #2648)"
expect_eq "$(field "$RO" web 'd["status"].get("promoteFull")')" true \
	"promote --full sets status.promoteFull"

mark
run_ok "promote of a canary mid-step" "rollout 'web' promoted" promote web
expect_writes "promote web (no pause conditions: skip the step)" <<EOF
PATCH $RO/web/status $MP {"status":{"pauseConditions":null, "currentStepIndex":2}}
EOF
expect_eq "$(field "$RO" web 'd["status"]["currentStepIndex"]')" 2 \
	"promote moved web to step 2"

mark
run_ok "promote of a canary held by an inconclusive analysis" \
	"rollout 'incon' promoted" promote incon
expect_writes "promote incon" <<EOF
PATCH $RO/incon/status $MP {"status":{"pauseConditions":null, "controllerPause":false, "currentStepIndex":1}}
EOF
expect_eq "$(field "$RO" incon '[d["status"].get("pauseConditions"), d["status"]["controllerPause"], d["status"]["currentStepIndex"]]')" \
	'[null,false,1]' "promote incon: status after"

mark
run_ok "promote of a canary running an analysis step" \
	"rollout 'mid' promoted" promote mid
expect_writes "promote mid" <<EOF
PATCH $RO/mid/status $MP {"status":{"pauseConditions":null, "currentStepIndex":2}}
EOF

mark
run_ok "promote --full of a canary paused by hand" \
	"rollout 'manual' fully promoted" promote manual --full
expect_writes "promote manual --full: status first, then spec" <<EOF
PATCH $RO/manual/status $MP {"status":{"promoteFull":true}}
PATCH $RO/manual $MP {"spec":{"paused":false}}
EOF
expect_eq "$(field "$RO" manual '[d["spec"]["paused"], d["status"]["promoteFull"]]')" \
	'[false,true]' "promote manual --full: object after"

mark
run_ok "promote --full of a fully promoted rollout" \
	"rollout 'done' fully promoted" promote done --full
expect_eq "$ERR" "kubectl-rollouts: note: rollout 'done' is already fully promoted; nothing to promote" \
	"promote --full of a fully promoted rollout: note"
expect_writes "promote done --full sends nothing" </dev/null

mark
run_ok "promote of a paused blue-green" "rollout 'api' promoted" promote api
expect_writes "promote api" <<EOF
PATCH $RO/api $MP {"spec":{"paused":false}}
EOF
mark
run_ok "promote of a blue-green that is not paused" "rollout 'api' promoted" promote api
expect_contains "$ERR" "note: rollout 'api' is not paused; nothing to promote" \
	"promote of an unpaused blue-green: note"
expect_writes "promote api (not paused) sends nothing" </dev/null

mark
expect_exit 0 kr promote mid -c
expect_contains "$ERR" "warning: --skip-current-step (-c) is deprecated" "-c: deprecation warning"
expect_writes "promote -c" <<EOF
PATCH $RO/mid/status $MP {"status":{"currentStepIndex":3}}
EOF
mark
expect_exit 0 kr promote done --skip-all-steps
expect_writes "promote --skip-all-steps" <<EOF
PATCH $RO/done/status $MP {"status":{"currentStepIndex":2}}
EOF
mark
expect_exit 2 kr promote web -c -a
expect_contains "$ERR" "cannot use --skip-current-step and --skip-all-steps at the same time" \
	"-c with -a: message"
expect_eq "$(requests)" "" "-c with -a: no request at all"
expect_exit 2 kr promote api -a
expect_contains "$ERR" "cannot skip steps of blue-green rollout 'api'" "-a on a blue-green: message"
expect_exit 0 kr promote --help
expect_not_contains "$OUT" "skip-current-step" "promote --help hides the deprecated flags"
expect_contains "$OUT" "--dry-run" "promote --help shows --dry-run"

# ------------------------------------------------------------ abort, retry
mark
run_ok "abort" "rollout 'mid' aborted" abort mid
expect_eq "$ERR" "" "abort: nothing on stderr"
expect_eq "$(requests)" "GET $RO/mid
PATCH $RO/mid/status" "abort: a GET, then the status subresource"
expect_writes "abort mid" <<EOF
PATCH $RO/mid/status $MP {"status":{"abort":true}}
EOF
expect_eq "$(field "$RO" mid 'd["status"]["abort"]')" true "abort set status.abort"

mark
run_ok "abort of an aborted rollout" "rollout 'worker' aborted" abort worker
expect_eq "$ERR" "kubectl-rollouts: note: rollout 'worker' is already aborted" \
	"abort of an aborted rollout: note"
expect_writes "abort of an aborted rollout still sends the plugin's patch" <<EOF
PATCH $RO/worker/status $MP {"status":{"abort":true}}
EOF

mark
run_ok "retry rollout" "rollout 'worker' retried" retry rollout worker
expect_writes "retry rollout worker" <<EOF
PATCH $RO/worker/status $MP {"status":{"abort":false}}
EOF
expect_eq "$(field "$RO" worker 'd["status"]["abort"]')" false "retry cleared status.abort"
run_ok "retry ro (alias) of a rollout that is not aborted" "rollout 'worker' retried" retry ro worker
expect_contains "$ERR" "note: rollout 'worker' is not aborted" "retry of a running rollout: note"

# ------------------------------------------------------------------ pause
mark
run_ok "pause" "rollout 'web' paused" pause web
expect_writes "pause web" <<EOF
PATCH $RO/web $MP {"spec":{"paused":true}}
EOF
expect_eq "$(field "$RO" web 'd["spec"]["paused"]')" true "pause set spec.paused"
mark
run_ok "pause of a paused rollout" "rollout 'web' paused" pause web
expect_contains "$ERR" "note: rollout 'web' is already paused" "pause of a paused rollout: note"
expect_writes "pause of a paused rollout still sends the patch" <<EOF
PATCH $RO/web $MP {"spec":{"paused":true}}
EOF

# ---------------------------------------------------------------- restart
mark
run_ok "restart --in" "rollout 'web' restarts in 10m" restart web --in 10m
expect_eq "$(requests)" "PATCH $RO/web" "restart: one PATCH, no GET"
expect_writes "restart web --in 10m (tabs and newlines in the body)" <<'EOF'
PATCH /apis/argoproj.io/v1alpha1/namespaces/ops/rollouts/web application/merge-patch+json {\n\t"spec": {\n\t\t"restartAt": "2026-01-08T00:10:00Z"\n\t}\n}
EOF
expect_eq "$(field "$RO" web 'd["spec"]["restartAt"]')" 2026-01-08T00:10:00Z "restart set spec.restartAt"
mark
run_ok "restart" "rollout 'web' restarts in 0s" restart web
expect_writes "restart web" <<'EOF'
PATCH /apis/argoproj.io/v1alpha1/namespaces/ops/rollouts/web application/merge-patch+json {\n\t"spec": {\n\t\t"restartAt": "2026-01-08T00:00:00Z"\n\t}\n}
EOF
run_ok "restart -i 1h30m" "rollout 'web' restarts in 1h30m" restart web -i 1h30m
expect_eq "$(field "$RO" web 'd["spec"]["restartAt"]')" 2026-01-08T01:30:00Z "restart -i 1h30m: restartAt"
mark
for bad in 10 bogus -5m; do
	expect_exit 2 kr restart web --in "$bad"
	expect_contains "$ERR" "invalid argument '$bad' for --in" "restart --in $bad: message"
done
expect_eq "$(requests)" "" "a bad --in sends nothing"

# -------------------------------------------------------------- terminate
mark
run_ok "terminate analysisrun" "analysisRun 'web-ar' terminated" terminate analysisrun web-ar
expect_writes "terminate analysisrun web-ar" <<EOF
PATCH $AR/web-ar $MP {"spec":{"terminate":true}}
EOF
expect_eq "$(field "$AR" web-ar 'd["spec"]["terminate"]')" true "terminate set spec.terminate"
run_ok "terminate ar of a completed run" "analysisRun 'old-ar' terminated" terminate ar old-ar
expect_contains "$ERR" "note: analysisrun 'old-ar' has already completed (Successful)" \
	"terminate of a completed run: note"
mark
run_ok "terminate experiment says terminated (the plugin says retried)" \
	"experiment 'exp1' terminated" terminate experiment exp1
expect_writes "terminate experiment exp1" <<EOF
PATCH $EX/exp1 $MP {"spec":{"terminate":true}}
EOF
run_ok "terminate exp of a terminated experiment" "experiment 'exp2' terminated" terminate exp exp2
expect_contains "$ERR" "note: experiment 'exp2' is already terminated" "terminate exp twice: note"
expect_exit 3 kr terminate ar nosuch
expect_eq "$ERR" "kubectl-rollouts: error: analysisrun 'nosuch' not found in namespace 'ops'" \
	"terminate ar of an unknown run: message"

# ------------------------------------------------------- retry experiment
mark
run_ok "retry experiment" "experiment 'exp1' retried" retry experiment exp1
expect_writes "retry experiment exp1" <<EOF
PATCH $EX/exp1 $MP {"status":null}
EOF
expect_eq "$(field "$EX" exp1 '"status" in d')" false "retry experiment removed the status"
expect_exit 3 kr retry exp nosuch
expect_eq "$ERR" "kubectl-rollouts: error: experiment 'nosuch' not found in namespace 'ops'" \
	"retry exp of an unknown experiment: message"

# ------------------------------------------------------- several targets
mark
expect_exit 3 kr abort done nosuch incon
expect_eq "$OUT" "rollout 'done' aborted
rollout 'incon' aborted" "abort of three names: a line for each that worked"
expect_eq "$ERR" "kubectl-rollouts: error: rollout 'nosuch' not found in namespace 'ops'" \
	"abort of three names: one error line"
expect_writes "abort of three names" <<EOF
PATCH $RO/done/status $MP {"status":{"abort":true}}
PATCH $RO/incon/status $MP {"status":{"abort":true}}
EOF
for cmd in promote pause abort "retry rollout" restart undo "set image"; do
	extra=()
	[ "$cmd" = "set image" ] && extra=(web=x)
	# shellcheck disable=SC2086
	expect_exit 3 kr $cmd nosuch "${extra[@]}"
	expect_contains "$ERR" "rollout 'nosuch' not found in namespace 'ops'" "$cmd of an unknown rollout: message"
done

# ------------------------------------------------------------- selectors
mark
expect_exit 0 kr promote -l tier=front
expect_eq "$OUT" "rollout 'api' promoted
rollout 'web' promoted" "promote -l: a line per rollout"
expect_eq "$(requests | sed -n 1p)" "GET $RO?labelSelector=tier%3Dfront&limit=500" \
	"promote -l: one LIST by label selector"
expect_eq "$(requests | grep -c '^GET')" 1 "promote -l: no GET per rollout"
mark
expect_exit 0 kr pause --selector 'tier in (front,back)'
expect_eq "$(printf '%s\n' "$OUT" | sort | tr '\n' ' ')" \
	"rollout 'api' paused rollout 'web' paused rollout 'worker' paused " "pause -l 'tier in (...)'"
expect_eq "$(writes | wc -l)" 3 "pause -l: three patches"
mark
run_ok "abort -l" "rollout 'worker' aborted" abort -l tier=back
run_ok "retry rollout -l" "rollout 'worker' retried" retry rollout -l tier=back
run_ok "restart -l" "rollout 'worker' restarts in 1m" restart -l tier=back --in 1m
expect_writes "abort, retry, restart -l tier=back" <<'EOF'
PATCH /apis/argoproj.io/v1alpha1/namespaces/ops/rollouts/worker/status application/merge-patch+json {"status":{"abort":true}}
PATCH /apis/argoproj.io/v1alpha1/namespaces/ops/rollouts/worker/status application/merge-patch+json {"status":{"abort":false}}
PATCH /apis/argoproj.io/v1alpha1/namespaces/ops/rollouts/worker application/merge-patch+json {\n\t"spec": {\n\t\t"restartAt": "2026-01-08T00:01:00Z"\n\t}\n}
EOF
expect_exit 3 kr promote -l tier=nothing
expect_eq "$ERR" "kubectl-rollouts: error: no rollouts match selector 'tier=nothing' in namespace 'ops'" \
	"-l matching nothing: message"
mark
expect_exit 2 kr abort web -l tier=front
expect_exit 2 kr abort -l ''
expect_exit 2 kr abort -l 'tier in (front'
expect_exit 2 kr abort
expect_exit 2 kr promote
expect_exit 2 kr restart
expect_eq "$(writes)" "" "selector and argument errors send no write"

# ------------------------------------------------------------ --dry-run
mark
expect_exit 0 kr abort web --dry-run
expect_eq "$OUT" "PATCH $RO/web/status
Content-Type: $MP

{\"status\":{\"abort\":true}}" "abort --dry-run: the request block"
expect_exit 0 kr restart web --dry-run --in 30s
expect_eq "$OUT" "PATCH $RO/web
Content-Type: $MP

{
	\"spec\": {
		\"restartAt\": \"2026-01-08T00:00:30Z\"
	}
}" "restart --dry-run: the body as it would be sent"
expect_exit 0 kr promote manual --dry-run
expect_exit 0 kr promote -l tier=front --full --dry-run
expect_exit 0 kr retry rollout web --dry-run
expect_exit 0 kr pause -l tier=back --dry-run
expect_exit 0 kr set image web web=reg/web:9 --dry-run
expect_contains "$OUT" "PUT $RO/web" "set image --dry-run: the PUT"
expect_contains "$OUT" '"image":"reg/web:9"' "set image --dry-run: the new image in the body"
expect_exit 0 kr undo web --dry-run
expect_contains "$OUT" "PATCH $RO/web
Content-Type: $JP" "undo --dry-run: the JSON patch"
expect_exit 0 kr terminate ar web-ar --dry-run
expect_exit 0 kr terminate exp exp1 --dry-run
expect_exit 0 kr retry exp exp1 --dry-run
expect_eq "$(writes)" "" "--dry-run sends no write"
expect_eq "$(field "$RO" web 'd["spec"]["template"]["spec"]["containers"][0]["image"]')" reg/web:2 \
	"--dry-run changed nothing"

# ------------------------------------------------------------ completion
expect_exit 0 krc abort ''
expect_contains "$OUT" "worker" "abort completes rollout names"
expect_exit 0 krc terminate ar ''
expect_eq "$(printf '%s\n' "$OUT" | sort | tr '\n' ' ')" ":4 old-ar web-ar " \
	"terminate ar completes analysis runs"
expect_exit 0 krc retry exp ''
expect_eq "$(printf '%s\n' "$OUT" | sort | tr '\n' ' ')" ":4 exp1 exp2 " \
	"retry exp completes experiments"
expect_exit 0 krc set image ''
expect_contains "$OUT" "web" "set image completes the rollout name"
expect_exit 0 krc set image web ''
expect_eq "$OUT" ":4" "set image does not offer rollout names for CONTAINER=IMAGE"
expect_exit 0 krc ''
expect_contains "$OUT" "retry	Retry a rollout or experiment" "the retry word has its own summary"
expect_exit 0 krc promote --s
expect_not_contains "$OUT" "skip" "hidden flags are not completed"
stop_sim

# =================================================== undo and set image
start_sim --no-controller --fixtures "$FX"
mark
run_ok "undo" "rollout 'web' undo" undo web
expect_eq "$(requests)" "GET $RO/web
GET /apis/apps/v1/namespaces/ops/replicasets?labelSelector=app%3Dweb&limit=500
PATCH $RO/web" "undo: GET, LIST by selector, PATCH"
expect_writes "undo web (revision 1's template, without the hash label)" <<EOF
PATCH $RO/web $JP [{"op":"replace","path":"/spec/template","value":{"metadata":{"labels":{"app":"web"}},"spec":{"initContainers":[{"name":"init","image":"reg/init:1"}],"containers":[{"name":"web","image":"reg/web:1"}]}}}]
EOF
expect_eq "$(field "$RO" web 'd["spec"]["template"]["spec"]["containers"][0]["image"]')" reg/web:1 \
	"undo brought back revision 1's image"
mark
run_ok "undo when the template already matches" \
	"skipped rollback (current template already matches revision 1)" undo web
expect_writes "undo of a matching template sends nothing" </dev/null
run_ok "undo --to-revision 2" "rollout 'web' undo" undo web --to-revision 2
expect_eq "$(field "$RO" web 'd["spec"]["template"]["spec"]["containers"][0]["image"]')" reg/web:2 \
	"undo --to-revision 2 brought back reg/web:2 (not the stray ReplicaSet's)"
expect_exit 3 kr undo web --to-revision 9
expect_contains "$ERR" "revision 9 of rollout 'web' not found" "undo to a revision it does not control"
expect_exit 2 kr undo web --to-revision -1
expect_exit 2 kr undo web --to-revision two
expect_exit 3 kr undo odd
expect_contains "$ERR" "rollout 'odd' has no previous revision" "undo without history: message"
mark
run_ok "undo of a workloadRef rollout" "rollout 'ref' undo" undo ref
expect_writes "undo ref patches the Deployment" <<EOF
PATCH $DEP/ref-deploy $JP [{"op":"replace","path":"/spec/template","value":{"metadata":{"labels":{"app":"ref"}},"spec":{"containers":[{"name":"app","image":"reg/ref:1"}]}}}]
EOF
expect_eq "$(field "$DEP" ref-deploy 'd["spec"]["template"]["spec"]["containers"][0]["image"]')" reg/ref:1 \
	"undo ref restored the Deployment's template"

mark
run_ok "set image" 'rollout "web" image updated' set image web web=reg/web:3
expect_eq "$(requests)" "GET $RO/web
PUT $RO/web" "set image: GET, then PUT"
expect_eq "$(tail -n 1 "$REQLOG" | jval 'd["content_type"]')" application/json "set image: PUT as application/json"
expect_eq "$(tail -n 1 "$REQLOG" | jval 'json.loads(d["body"])["metadata"]["resourceVersion"] != ""')" true \
	"set image: PUT carries the resourceVersion it read"
expect_eq "$(field "$RO" web '[c["image"] for c in d["spec"]["template"]["spec"]["initContainers"] + d["spec"]["template"]["spec"]["containers"]]')" \
	'["reg/init:1","reg/web:3"]' "set image changed the named container only"
run_ok "set image '*'" 'rollout "web" image updated' set image web '*=reg/all:1'
expect_eq "$(field "$RO" web '[c["image"] for c in d["spec"]["template"]["spec"]["initContainers"] + d["spec"]["template"]["spec"]["containers"]]')" \
	'["reg/all:1","reg/all:1"]' "set image '*' changed every container"
run_ok "set image to the same image" 'rollout "web" image updated' set image web web=reg/all:1
expect_contains "$ERR" "note: rollout 'web' already runs image 'reg/all:1'" "set image to the same image: note"
mark
run_ok "set image of a workloadRef rollout" 'deployment "ref-deploy" image updated' set image ref app=reg/ref:3
expect_eq "$(requests)" "GET $RO/ref
GET $DEP/ref-deploy
PUT $DEP/ref-deploy" "set image ref: the Deployment is read and PUT"
expect_eq "$(field "$DEP" ref-deploy 'd["spec"]["template"]["spec"]["containers"][0]["image"]')" reg/ref:3 \
	"set image ref updated the Deployment"
mark
expect_exit 8 kr set image odd app=x
expect_contains "$ERR" "rollout 'odd' refers to a StatefulSet (spec.workloadRef); set image supports only a Deployment" \
	"set image of an unsupported workloadRef kind: message"
expect_exit 3 kr set image web nope=x
expect_eq "$ERR" "kubectl-rollouts: error: rollout 'web' has no container named 'nope' (it has 'init', 'web')" \
	"set image of an unknown container: message"
for bad in web =x web= a=b=c; do
	expect_exit 2 kr set image web "$bad"
	expect_contains "$ERR" "want CONTAINER=IMAGE" "set image web '$bad': message"
done
expect_exit 2 kr set image web
expect_eq "$(writes)" "" "bad set image arguments send no write"
stop_sim

# ============================================================= forbidden
start_sim --no-controller --fixtures "$FX" --forbid patch:rollouts/status
for cmd in "abort web" "retry rollout web" "promote web" "promote done --skip-all-steps"; do
	# shellcheck disable=SC2086
	expect_exit 5 kr $cmd
done
expect_contains "$ERR" "cannot promote rollout 'done'" "forbidden: the message names the rollout"
mark
expect_exit 5 kr promote web --full
expect_eq "$(writes | wc -l)" 1 "a forbidden status patch is not followed by a spec patch"
expect_exit 0 kr pause web
stop_sim
start_sim --no-controller --fixtures "$FX" --forbid patch:rollouts
expect_exit 5 kr pause web
expect_contains "$ERR" "cannot pause rollout 'web'" "forbidden pause: message"
expect_exit 5 kr restart web
expect_exit 5 kr promote api
expect_exit 0 kr abort web
stop_sim
start_sim --no-controller --fixtures "$FX" --forbid list:rollouts --forbid update:rollouts \
	--forbid get:experiments
expect_exit 5 kr promote -l tier=front
expect_contains "$ERR" "cannot list rollouts" "a forbidden -l LIST: message"
expect_exit 5 kr set image web web=x
expect_contains "$ERR" "cannot update rollout 'web'" "a forbidden PUT: message"
expect_exit 5 kr terminate exp exp1
expect_contains "$ERR" "kubectl-rollouts: error: cannot get experiment 'exp1': " "a forbidden GET: message"
stop_sim

# ==================================== 404 fallback and conflicts (fake.py)
# A scripted server: GET answers from objects.json; PATCH .../status
# answers 404 (a CRD without the status subresource); PATCH answers 200;
# PUT answers 409 while PUT_CONFLICTS (the env, decremented) is above 0.
cat >"$WORK/fake.py" <<'PYEOF'
import json, os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
objs = json.load(open(sys.argv[1]))
log = open(sys.argv[2], "a")
conflicts = [int(sys.argv[4])]
def status(code, reason, msg):
    return code, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                  "message": msg, "reason": reason, "code": code}
class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def handle_one(self, method):
        path, _, query = self.path.partition("?")
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode() if n else ""
        log.write(json.dumps({"method": method, "path": path, "query": query,
                              "content_type": self.headers.get("Content-Type") or "",
                              "body": body}) + "\n")
        log.flush()
        base = path[:-len("/status")] if path.endswith("/status") else path
        if base not in objs:
            code, out = status(404, "NotFound", "%s not found" % base)
        elif method == "GET":
            code, out = 200, objs[base]
        elif path.endswith("/status"):
            code, out = status(404, "NotFound", "the server could not find the requested resource")
        elif method == "PUT" and conflicts[0] > 0:
            conflicts[0] -= 1
            code, out = status(409, "Conflict", "Operation cannot be fulfilled on rollouts.argoproj.io \"web\": the object has been modified; please apply your changes to the latest version and try again")
        elif method == "PUT":
            code, out = 200, json.loads(body)
        else:
            code, out = 200, objs[base]
        data = json.dumps(out).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        self.handle_one("GET")
    def do_PATCH(self):
        self.handle_one("PATCH")
    def do_PUT(self):
        self.handle_one("PUT")
srv = HTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[3] + ".tmp", "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.rename(sys.argv[3] + ".tmp", sys.argv[3])
srv.serve_forever()
PYEOF

# start_fake CONFLICTS: rollouts web and mid, served by fake.py
start_fake() {
	SIM_N=$((SIM_N + 1))
	SIM_DIR=$WORK/fake$SIM_N
	mkdir -p "$SIM_DIR"
	REQLOG=$SIM_DIR/requests.log
	: >"$REQLOG"
	python3 - "$SIM_DIR/objects.json" <<'PYEOF'
import json, sys
# web: a canary held at its pause step; mid: a canary paused by hand
web = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
       "metadata": {"name": "web", "namespace": "ops", "resourceVersion": "7"},
       "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "reg/web:2"}]}},
                "strategy": {"canary": {"steps": [{"setWeight": 20}, {"pause": {}}]}}},
       "status": {"currentPodHash": "bbb", "stableRS": "aaa", "currentStepIndex": 1,
                  "controllerPause": True,
                  "pauseConditions": [{"reason": "CanaryPauseStep"}]}}
mid = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
       "metadata": {"name": "mid", "namespace": "ops"},
       "spec": {"paused": True, "strategy": {"canary": {"steps": [{"setWeight": 20}, {"pause": {}}]}}},
       "status": {"currentPodHash": "bbb", "stableRS": "aaa", "currentStepIndex": 0}}
base = "/apis/argoproj.io/v1alpha1/namespaces/ops/rollouts/"
json.dump({base + "web": web, base + "mid": mid}, open(sys.argv[1], "w"))
PYEOF
	# the interpreter itself (not the python3 function) so that $! is
	# the server's pid
	"$E2E_PYTHON" "$WORK/fake.py" "$SIM_DIR/objects.json" "$REQLOG" \
		"$SIM_DIR/port" "$1" 2>"$SIM_DIR/stderr" &
	FAKE_PID=$!
	E2E_BG="$E2E_BG $FAKE_PID"
	if ! wait_until 10 test -s "$SIM_DIR/port"; then
		e2e_fail "start fake.py" "$(cat "$SIM_DIR/stderr")"
		finish
	fi
	KUBECONFIG_FILE=$SIM_DIR/kubeconfig
	cat >"$KUBECONFIG_FILE" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: http://127.0.0.1:$(cat "$SIM_DIR/port")
users:
- name: fake
  user: {}
contexts:
- name: fake
  context: {cluster: fake, user: fake, namespace: ops}
current-context: fake
EOF
}

stop_fake() {
	watch_stop "$FAKE_PID"
}

start_fake 0
mark
run_ok "abort without a status subresource" "rollout 'web' aborted" abort web
expect_writes "abort falls back to the main resource on 404" <<EOF
PATCH $RO/web/status $MP {"status":{"abort":true}}
PATCH $RO/web $MP {"status":{"abort":true}}
EOF
mark
run_ok "retry without a status subresource" "rollout 'web' retried" retry rollout web
expect_writes "retry falls back to the main resource on 404" <<EOF
PATCH $RO/web/status $MP {"status":{"abort":false}}
PATCH $RO/web $MP {"status":{"abort":false}}
EOF
mark
run_ok "promote without a status subresource" "rollout 'web' promoted" promote web
expect_writes "promote: the unified patch after a 404" <<EOF
PATCH $RO/web/status $MP {"status":{"pauseConditions":null}}
PATCH $RO/web $MP {"spec":{"paused":false},"status":{"pauseConditions":null}}
EOF
mark
run_ok "promote of a paused canary without a status subresource" "rollout 'mid' promoted" promote mid
expect_writes "promote mid: the unified patch with the step after a 404" <<EOF
PATCH $RO/mid/status $MP {"status":{"pauseConditions":null, "currentStepIndex":1}}
PATCH $RO/mid $MP {"spec":{"paused":false},"status":{"pauseConditions":null, "currentStepIndex":1}}
EOF
mark
run_ok "promote --full without a status subresource" "rollout 'web' fully promoted" promote web --full
expect_writes "promote --full: the unified patch after a 404" <<EOF
PATCH $RO/web/status $MP {"status":{"pauseConditions":null, "promoteFull":true}}
PATCH $RO/web $MP {"spec":{"paused":false},"status":{"pauseConditions":null, "promoteFull":true}}
EOF
mark
run_ok "promote --full of a paused canary without a status subresource" \
	"rollout 'mid' fully promoted" promote mid --full
expect_writes "promote mid --full: the plugin's unified patch after a 404" <<EOF
PATCH $RO/mid/status $MP {"status":{"promoteFull":true}}
PATCH $RO/mid $MP {"spec":{"paused":false},"status":{"promoteFull":true}}
EOF
stop_fake

start_fake 2
mark
run_ok "set image after two conflicts" 'rollout "web" image updated' set image web web=reg/web:3
expect_eq "$(requests | tr '\n' ' ')" "GET $RO/web PUT $RO/web GET $RO/web PUT $RO/web GET $RO/web PUT $RO/web " \
	"set image: each conflict starts again from a GET"
stop_fake

start_fake 5
mark
expect_exit 4 kr set image web web=reg/web:3
expect_eq "$(requests | grep -c '^PUT')" 5 "set image: five attempts"
expect_contains "$ERR" "kubectl-rollouts: error: cannot update rollout 'web': conflict on each of 5 attempts: Operation cannot be fulfilled" \
	"set image: the last conflict reported as one line"
expect_eq "$(printf '%s\n' "$ERR" | wc -l)" 1 "set image conflicts: one line on stderr"
expect_eq "$OUT" "" "set image conflicts: nothing on stdout"
stop_fake

finish
