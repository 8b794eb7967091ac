#!/usr/bin/env bash
# forge-sim end to end: bare repositories over git's smart HTTP (clone,
# pushes refused without the token, accepted with it, a push big enough to
# be sent chunked), each flavour's pull request endpoints (create, duplicate,
# lookup, labels, reviewers, merge into a real merge commit), each flavour's
# 401 bodies, faults (500, 429 with Retry-After and rate-limit headers, from
# flags and at run time), usage errors, and a request log without the token.
# The token reaches git through the environment (GIT_CONFIG_*), never argv.
. "$(dirname "$0")/lib.sh"

FORGE_SIM=${FORGE_SIM:-}
if [ -z "$FORGE_SIM" ] || [ ! -x "$FORGE_SIM" ]; then
	echo "$E2E_NAME: FORGE_SIM is not set to an executable" >&2
	exit 1
fi
command -v git >/dev/null 2>&1 || skip "git is not installed"

# hermetic git: no system or global config, a fresh HOME, fixed identity
export HOME=$WORK/home
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0
export GIT_AUTHOR_NAME="E2E Author" GIT_AUTHOR_EMAIL=author@example.com
export GIT_COMMITTER_NAME="E2E Author" GIT_COMMITTER_EMAIL=author@example.com
unset GIT_ASKPASS SSH_ASKPASS GIT_DIR GIT_WORK_TREE

TOKEN="fs-e2e-$$-$RANDOM-secret-token"
ROOT=$WORK/root
mkdir -p "$ROOT"
printf '%s\n' "$TOKEN" >"$WORK/token"
FORGE_PID=""

# start_forge DIR ARGS...: forge-sim in the background on a free port;
# sets FORGE_PID, PORT, BASE, REQLOG, CURL_OPTS
start_forge() {
	local dir=$1 i=0
	shift
	mkdir -p "$dir"
	REQLOG=$dir/requests.log
	"$FORGE_SIM" --root "$ROOT" --port-file "$dir/port" \
		--request-log "$REQLOG" "$@" >"$dir/stdout" 2>"$dir/stderr" &
	FORGE_PID=$!
	E2E_SIMS="$E2E_SIMS $FORGE_PID"
	while [ ! -s "$dir/port" ]; do
		if ! kill -0 "$FORGE_PID" 2>/dev/null || [ "$i" -gt 200 ]; then
			e2e_fail "start forge-sim $*" "$(cat "$dir/stderr")"
			finish
		fi
		i=$((i + 1))
		sleep 0.05
	done
	PORT=$(cat "$dir/port")
	BASE=http://127.0.0.1:$PORT
	CURL_OPTS=("${CURL_SAFE[@]}" -sS)
}

# stop_forge: SIGTERM, and exit 0 within 10 s
stop_forge() {
	local pid=$FORGE_PID i=0 rc
	kill -TERM "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 200 ]; do
		i=$((i + 1))
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	e2e_forget "$pid"
	expect_eq "$rc" 0 "forge-sim stops on SIGTERM with exit 0"
}

# git with the token in the environment (an http.extraHeader), not argv
BASIC=$(printf 'x-access-token:%s' "$TOKEN" | base64 | tr -d '\n')
git_auth() {
	GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=http.extraHeader \
		GIT_CONFIG_VALUE_0="Authorization: Basic $BASIC" git "$@"
}

# bare SHA-OF: a ref of the bare repository
bare() {
	git --git-dir "$ROOT/acme/env.git" rev-parse -q --verify "$1"
}

# gh/gl/gt METHOD PATH [JSON]: an API request of each flavour with the token
gh() {
	req "$1" "/api/v3$2" -H "Authorization: Bearer $TOKEN" \
		-H 'Accept: application/vnd.github+json' \
		-H 'Content-Type: application/json' ${3:+--data-binary "$3"}
}
gl() {
	req "$1" "/api/v4$2" -H "PRIVATE-TOKEN: $TOKEN" \
		-H 'Content-Type: application/json' ${3:+--data-binary "$3"}
}
gt() {
	req "$1" "/api/v1$2" -H "Authorization: token $TOKEN" \
		-H 'Content-Type: application/json' ${3:+--data-binary "$3"}
}

# new_branch NAME: a branch off master with one changed file, pushed
new_branch() {
	git -C "$WORK/wc" checkout -q -B "$1" master &&
		printf '%s\n' "$1" >"$WORK/wc/$1.txt" &&
		git -C "$WORK/wc" add "$1.txt" &&
		git -C "$WORK/wc" commit -q -m "change on $1" &&
		git_auth -C "$WORK/wc" push -q origin "$1" 2>"$WORK/push.err"
}

# merge_parents: "P1 P2" of master's commit in the bare repository
merge_parents() {
	git --git-dir "$ROOT/acme/env.git" rev-list --parents -n 1 master |
		cut -d' ' -f2-
}

# ------------------------------------------------------------ usage

expect_exit 2 "$FORGE_SIM" --port-file "$WORK/p"
expect_contains "$ERR" "forge-sim: error: --root is required" "--root is required"
expect_exit 3 "$FORGE_SIM" --root "$ROOT" --token-file "$WORK/absent"
expect_contains "$ERR" "cannot read token file" "a missing token file is named"
expect_exit 2 "$FORGE_SIM" --root "$ROOT" --latency 5
expect_contains "$ERR" "invalid duration '5'" "a bare number is not a duration"
expect_exit 2 "$FORGE_SIM" --root "$ROOT" --fault-500 x
expect_exit 0 "$FORGE_SIM" --version
expect_contains "$OUT" "forge-sim " "--version"
expect_exit 0 "$FORGE_SIM" --help
expect_contains "$OUT" "--token-file FILE" "--help lists the flags"

# ------------------------------------------------------------ git over HTTP

git init -q --bare -b master "$ROOT/acme/env.git"
start_forge "$WORK/f1" --token-file "$WORK/token"

req GET /healthz
expect_eq "$CODE:$BODY" "200:ok" "healthz"
req POST /sim/v1/repos -H 'Content-Type: application/json' \
	--data-binary '{"name":"acme/made","defaultBranch":"main"}'
expect_eq "$CODE" 201 "POST /sim/v1/repos creates a repository"
expect_eq "$(git --git-dir "$ROOT/acme/made.git" symbolic-ref HEAD)" refs/heads/main \
	"the created repository's default branch"
req POST /sim/v1/repos -H 'Content-Type: application/json' \
	--data-binary '{"name":"acme/made"}'
expect_eq "$CODE" 409 "creating it again conflicts"
req POST /sim/v1/repos -H 'Content-Type: application/json' \
	--data-binary '{"name":"../x"}'
expect_eq "$CODE" 400 "a bad repository name is refused"

expect_true "clone an empty repository anonymously" \
	git clone -q "$BASE/acme/env.git" "$WORK/wc"
printf 'first\n' >"$WORK/wc/README"
git -C "$WORK/wc" add README
git -C "$WORK/wc" commit -q -m "first"
git -C "$WORK/wc" push -q origin master 2>"$WORK/push.err"
expect_ne "$?" 0 "a push without the token is refused"
expect_contains "$(cat "$WORK/push.err")" "terminal prompts disabled" \
	"git was asked for credentials (401)"
expect_true "the refused push left no master" bash -c "! git --git-dir '$ROOT/acme/env.git' rev-parse -q --verify master"
req GET '/acme/env.git/info/refs?service=git-receive-pack'
expect_eq "$CODE" 401 "receive-pack without the token: 401"
expect_eq "$(header WWW-Authenticate)" 'Basic realm="forge-sim"' "WWW-Authenticate: Basic"
req GET '/acme/env.git/info/refs?service=git-receive-pack' -u "x:wrong-$TOKEN"
expect_eq "$CODE" 401 "receive-pack with a wrong password: 401"
req GET '/acme/env.git/info/refs?service=git-upload-pack'
expect_eq "$CODE" 200 "upload-pack is anonymous"
expect_eq "$(header Content-Type)" application/x-git-upload-pack-advertisement \
	"the advertisement's content type comes from http-backend"
req GET '/acme/absent.git/info/refs?service=git-upload-pack'
expect_eq "$CODE" 404 "an unknown repository is 404"

git_auth -C "$WORK/wc" push -q origin master 2>"$WORK/push.err"
expect_eq "$?" 0 "a push with the token (from the environment) works"
expect_eq "$(bare master)" "$(git -C "$WORK/wc" rev-parse HEAD)" "the bare repository has the pushed master"

# a pack over git's 1 MiB post buffer goes chunked
git -C "$WORK/wc" checkout -q -b big
head -c 3000000 /dev/urandom >"$WORK/wc/blob.bin"
git -C "$WORK/wc" add blob.bin
git -C "$WORK/wc" commit -q -m "big"
git_auth -C "$WORK/wc" push -q origin big 2>"$WORK/push.err"
expect_eq "$?" 0 "a 3 MB push (chunked request body)"
expect_eq "$(bare big)" "$(git -C "$WORK/wc" rev-parse HEAD)" "the big branch arrived"
expect_true "clone again over HTTP, all branches" \
	git clone -q --no-single-branch "$BASE/acme/env.git" "$WORK/wc2"
expect_eq "$(git -C "$WORK/wc2" rev-parse origin/big)" "$(bare big)" "the clone has the big branch"
expect_true "a shallow fetch (protocol v2)" \
	git -c protocol.version=2 clone -q --depth 1 --single-branch -b master "$BASE/acme/env.git" "$WORK/wc3"
git -C "$WORK/wc" checkout -q master

# ------------------------------------------------------------ GitHub

new_branch gh-1
expect_eq "$?" 0 "push branch gh-1"
gh GET /repos/acme/env
expect_eq "$CODE" 200 "github: get the repository"
expect_eq "$(printf '%s' "$BODY" | jval 'd["full_name"] + " " + d["default_branch"]')" "acme/env master" \
	"github: full_name and default_branch"
gh GET /repos/acme/nope
expect_eq "$CODE" 404 "github: unknown repository"
expect_eq "$(printf '%s' "$BODY" | jval 'd["message"] + " " + d["status"]')" "Not Found 404" "github: 404 body"

gh POST /repos/acme/env/pulls '{"title":"gh one","head":"gh-1","base":"master","body":"b","draft":false}'
expect_eq "$CODE" 201 "github: create a pull request"
GH_N=$(printf '%s' "$BODY" | jval 'd["number"]')
expect_eq "$(printf '%s' "$BODY" | jval 'd["html_url"]')" "$BASE/acme/env/pull/$GH_N" "github: html_url"
expect_eq "$(printf '%s' "$BODY" | jval 'd["state"] + " " + d["head"]["ref"] + " " + d["base"]["ref"]')" \
	"open gh-1 master" "github: state, head and base"
expect_eq "$(printf '%s' "$BODY" | jval 'd["head"]["sha"]')" "$(bare gh-1)" "github: head.sha"
expect_eq "$(printf '%s' "$BODY" | jval 'd["draft"]')" false "github: draft"
expect_eq "$(header Location)" "$BASE/api/v3/repos/acme/env/pulls/$GH_N" "github: Location"

gh POST /repos/acme/env/pulls '{"title":"again","head":"acme:gh-1","base":"master"}'
expect_eq "$CODE" 422 "github: a duplicate is 422"
expect_eq "$(printf '%s' "$BODY" | jval 'd["message"] + "|" + d["errors"][0]["code"] + "|" + d["errors"][0]["message"]')" \
	"Validation Failed|custom|A pull request already exists for acme:gh-1." "github: the already-exists body"
gh POST /repos/acme/env/pulls '{"title":"none","head":"master","base":"master"}'
expect_eq "$CODE:$(printf '%s' "$BODY" | jval 'd["errors"][0]["message"]')" \
	"422:No commits between master and master" "github: no commits between"
gh POST /repos/acme/env/pulls '{"title":"x","head":"no-such-branch","base":"master"}'
expect_eq "$CODE:$(printf '%s' "$BODY" | jval 'd["errors"][0]["field"] + " " + d["errors"][0]["code"]')" \
	"422:head invalid" "github: head invalid"
gh POST /repos/acme/env/pulls 'not json'
expect_eq "$CODE:$(printf '%s' "$BODY" | jval 'd["message"]')" "400:Problems parsing JSON" "github: bad JSON"

gh GET "/repos/acme/env/pulls?state=open&head=acme:gh-1&base=master"
expect_eq "$CODE:$(printf '%s' "$BODY" | jval '[p["number"] for p in d]')" "200:[$GH_N]" "github: lookup by head=OWNER:BRANCH"
gh GET "/repos/acme/env/pulls?state=open&head=other:gh-1"
expect_eq "$(printf '%s' "$BODY" | jval 'len(d)')" 0 "github: another owner's head finds nothing"
gh GET "/repos/acme/env/pulls/$GH_N"
expect_eq "$CODE:$(printf '%s' "$BODY" | jval 'd["title"]')" "200:gh one" "github: get one"

gh POST "/repos/acme/env/issues/$GH_N/labels" '{"labels":["release","env/prod"]}'
expect_eq "$CODE:$(printf '%s' "$BODY" | jval '[l["name"] for l in d]')" '200:["release","env/prod"]' "github: labels"
gh POST "/repos/acme/env/pulls/$GH_N/requested_reviewers" '{"reviewers":["alice"]}'
expect_eq "$CODE:$(printf '%s' "$BODY" | jval '[u["login"] for u in d["requested_reviewers"]]')" '201:["alice"]' \
	"github: requested reviewers"
gh POST "/repos/acme/env/pulls/$GH_N/requested_reviewers" '{"reviewers":["pdkit-bot"]}'
expect_eq "$CODE" 422 "github: the author cannot review"
gh POST "/repos/acme/env/issues/999/labels" '{"labels":["x"]}'
expect_eq "$CODE" 404 "github: labels of a missing PR"

OLD_MASTER=$(bare master)
gh PUT "/repos/acme/env/pulls/$GH_N/merge" '{"merge_method":"merge"}'
expect_eq "$CODE" 200 "github: merge"
GH_SHA=$(printf '%s' "$BODY" | jval 'd["sha"]')
expect_eq "$(printf '%s' "$BODY" | jval 'str(d["merged"]) + " " + d["message"]')" \
	"True Pull Request successfully merged" "github: merge body"
expect_eq "$(bare master)" "$GH_SHA" "github: master advanced to the merge commit"
expect_eq "$(merge_parents)" "$OLD_MASTER $(bare gh-1)" "github: the merge commit's parents are master and the head"
expect_contains "$(git --git-dir "$ROOT/acme/env.git" log -1 --format=%B master)" \
	"Merge pull request #$GH_N from acme/gh-1" "github: merge message"
gh GET "/repos/acme/env/pulls/$GH_N"
expect_eq "$(printf '%s' "$BODY" | jval 'd["state"] + " " + str(d["merged"]) + " " + d["merge_commit_sha"]')" \
	"closed True $GH_SHA" "github: the PR is closed and merged"
gh PUT "/repos/acme/env/pulls/$GH_N/merge" '{}'
expect_eq "$CODE:$(printf '%s' "$BODY" | jval 'd["message"]')" "405:Pull Request is not mergeable" \
	"github: merging twice is 405"
gh GET "/repos/acme/env/pulls?state=open&head=acme:gh-1"
expect_eq "$(printf '%s' "$BODY" | jval 'len(d)')" 0 "github: a merged PR is not open"

# ------------------------------------------------------------ GitLab

git -C "$WORK/wc" pull -q origin master 2>/dev/null
new_branch gl-1
expect_eq "$?" 0 "push branch gl-1"
gl GET /projects/acme%2Fenv
expect_eq "$CODE:$(printf '%s' "$BODY" | jval 'd["path_with_namespace"] + " " + d["default_branch"]')" \
	"200:acme/env master" "gitlab: project by url-encoded path"
GL_ID=$(printf '%s' "$BODY" | jval 'd["id"]')
gl GET "/projects/$GL_ID"
expect_eq "$CODE:$(printf '%s' "$BODY" | jval 'd["web_url"]')" "200:$BASE/acme/env" "gitlab: project by id"
gl GET /projects/acme%2Fnope
expect_eq "$CODE:$BODY" '404:{"message":"404 Project Not Found"}' "gitlab: 404 body"
gl POST "/projects/$GL_ID/merge_requests" '{"source_branch":"gl-1","target_branch":"master","title":"gl one","description":"d","labels":"a,b","draft":false}'
expect_eq "$CODE" 201 "gitlab: create a merge request"
GL_IID=$(printf '%s' "$BODY" | jval 'd["iid"]')
expect_eq "$(printf '%s' "$BODY" | jval 'd["web_url"]')" "$BASE/acme/env/-/merge_requests/$GL_IID" "gitlab: web_url"
expect_eq "$(printf '%s' "$BODY" | jval 'd["state"] + " " + d["sha"] + " " + ",".join(d["labels"])')" \
	"opened $(bare gl-1) a,b" "gitlab: state, sha and labels"
gl POST /projects/acme%2Fenv/merge_requests '{"source_branch":"gl-1","target_branch":"master","title":"again"}'
expect_eq "$CODE:$BODY" "409:{\"message\":[\"Another open merge request already exists for this source branch: !$GL_IID\"]}" \
	"gitlab: the already-exists body"
gl POST /projects/acme%2Fenv/merge_requests '{"source_branch":"gl-1","target_branch":"master"}'
expect_eq "$CODE:$BODY" '400:{"error":"title is missing"}' "gitlab: a missing title"
gl GET "/projects/$GL_ID/merge_requests?state=opened&source_branch=gl-1&target_branch=master"
expect_eq "$CODE:$(printf '%s' "$BODY" | jval '[m["iid"] for m in d]')" "200:[$GL_IID]" "gitlab: lookup"
gl POST "/projects/$GL_ID/merge_requests" '{"source_branch":"gh-1","target_branch":"master","title":"wip","draft":true}'
expect_eq "$CODE:$(printf '%s' "$BODY" | jval 'd["title"] + " " + str(d["draft"])')" "201:Draft: wip True" "gitlab: draft"
GL_DRAFT=$(printf '%s' "$BODY" | jval 'd["iid"]')
gl PUT "/projects/$GL_ID/merge_requests/$GL_DRAFT/merge"
expect_eq "$CODE" 405 "gitlab: a draft cannot be merged"
OLD_MASTER=$(bare master)
gl PUT "/projects/$GL_ID/merge_requests/$GL_IID/merge"
expect_eq "$CODE:$(printf '%s' "$BODY" | jval 'd["state"]')" "200:merged" "gitlab: merge"
expect_eq "$(printf '%s' "$BODY" | jval 'd["merge_commit_sha"]')" "$(bare master)" "gitlab: merge_commit_sha is master"
expect_eq "$(merge_parents)" "$OLD_MASTER $(bare gl-1)" "gitlab: the merge commit's parents"
expect_contains "$(git --git-dir "$ROOT/acme/env.git" log -1 --format=%B master)" \
	"Merge branch 'gl-1' into 'master'" "gitlab: merge message"

# ------------------------------------------------------------ Gitea

git -C "$WORK/wc" pull -q origin master 2>/dev/null
new_branch gt-1
expect_eq "$?" 0 "push branch gt-1"
gt GET /repos/acme/env
expect_eq "$CODE:$(printf '%s' "$BODY" | jval 'd["full_name"]')" "200:acme/env" "gitea: get the repository"
gt POST /repos/acme/env/labels '{"name":"deploy","color":"#00aabb"}'
expect_eq "$CODE" 201 "gitea: create a label"
GT_LABEL=$(printf '%s' "$BODY" | jval 'd["id"]')
gt POST /repos/acme/env/pulls "{\"head\":\"gt-1\",\"base\":\"master\",\"title\":\"gt one\",\"body\":\"b\",\"labels\":[$GT_LABEL],\"assignees\":[\"bob\"]}"
expect_eq "$CODE" 201 "gitea: create a pull request"
GT_N=$(printf '%s' "$BODY" | jval 'd["number"]')
expect_eq "$(printf '%s' "$BODY" | jval 'd["html_url"] + " " + d["head"]["ref"] + " " + d["head"]["sha"]')" \
	"$BASE/acme/env/pull/$GT_N gt-1 $(bare gt-1)" "gitea: html_url and head"
expect_eq "$(printf '%s' "$BODY" | jval '[l["name"] for l in d["labels"]]')" '["deploy"]' "gitea: label ids become labels"
gt POST /repos/acme/env/pulls '{"head":"gt-1","base":"master","title":"again"}'
expect_eq "$CODE" 409 "gitea: a duplicate is 409"
expect_contains "$(printf '%s' "$BODY" | jval 'd["message"]')" \
	"pull request already exists for these targets [id: " "gitea: the already-exists message"
expect_contains "$(printf '%s' "$BODY" | jval 'd["message"]')" \
	"issue_id: $GT_N, " "gitea: its issue_id is the PR number"
gt POST /repos/acme/env/pulls '{"head":"master","base":"master","title":"same"}'
expect_eq "$CODE:$(printf '%s' "$BODY" | jval 'd["message"]')" \
	"422:Invalid PullRequest: There are no changes between the head and the base" "gitea: same head and base"
gt GET "/repos/acme/env/pulls?state=open"
expect_eq "$(printf '%s' "$BODY" | jval '[p["number"] for p in d if p["head"]["ref"] == "gt-1"]')" "[$GT_N]" \
	"gitea: the open list has it"
OLD_MASTER=$(bare master)
gt POST "/repos/acme/env/pulls/$GT_N/merge" '{"Do":"merge"}'
expect_eq "$CODE:$BODY" "200:" "gitea: merge (empty body)"
expect_eq "$(merge_parents)" "$OLD_MASTER $(bare gt-1)" "gitea: the merge commit's parents"
gt POST "/repos/acme/env/pulls/$GT_N/merge" '{"Do":"merge"}'
expect_eq "$CODE" 405 "gitea: merging twice is 405"
gt GET "/repos/acme/env/pulls/$GT_N"
expect_eq "$(printf '%s' "$BODY" | jval 'd["state"] + " " + str(d["merged"])')" "closed True" "gitea: closed and merged"

# ------------------------------------------------------------ the model

req GET /sim/v1/pulls
expect_eq "$CODE" 200 "GET /sim/v1/pulls"
expect_eq "$(printf '%s' "$BODY" | jval '[(p["number"], p["state"]) for p in d]')" \
	"[[$GH_N,\"merged\"],[$GL_IID,\"merged\"],[$GL_DRAFT,\"open\"],[$GT_N,\"merged\"]]" \
	"one model behind the three flavours"
expect_eq "$(printf '%s' "$BODY" | jval 'd[0]["labels"] + d[0]["reviewers"]')" \
	'["release","env/prod","alice"]' "the model keeps labels and reviewers"

# ------------------------------------------------------------ tokens

req GET /api/v3/repos/acme/env -H "Authorization: Bearer wrong"
expect_eq "$CODE:$(printf '%s' "$BODY" | jval 'd["message"] + " " + d["status"]')" "401:Bad credentials 401" \
	"github: a wrong token"
req GET /api/v3/repos/acme/env
expect_eq "$CODE:$(printf '%s' "$BODY" | jval 'd["message"]')" "401:Requires authentication" "github: no token"
req GET /api/v4/projects/acme%2Fenv -H "PRIVATE-TOKEN: wrong"
expect_eq "$CODE:$BODY" '401:{"message":"401 Unauthorized"}' "gitlab: a wrong token"
req GET /api/v4/projects/acme%2Fenv -H "Authorization: Bearer $TOKEN"
expect_eq "$CODE" 200 "gitlab: Bearer works too"
req GET /api/v1/repos/acme/env -H "Authorization: token wrong"
expect_eq "$CODE:$(printf '%s' "$BODY" | jval 'd["message"]')" "401:invalid token" "gitea: a wrong token"
req GET /api/v1/repos/acme/env -H "Authorization: Bearer $TOKEN"
expect_eq "$CODE" 200 "gitea: Bearer works too"
req GET /sim/v1/pulls
expect_eq "$CODE" 200 "the simulator's control needs no token"

# ------------------------------------------------------------ faults

req POST /sim/v1/faults -H 'Content-Type: application/json' --data-binary '{"status":500,"count":1}'
expect_eq "$CODE" 200 "set a 500 fault"
gh GET /repos/acme/env
expect_eq "$CODE:$(printf '%s' "$BODY" | jval 'd["message"]')" "500:Server Error" "github: the injected 500"
gh GET /repos/acme/env
expect_eq "$CODE" 200 "the fault is used up"
req POST /sim/v1/faults -H 'Content-Type: application/json' \
	--data-binary '{"status":429,"count":2,"retryAfter":3,"path":"/api/v"}'
gh GET /repos/acme/env
expect_eq "$CODE" 429 "github: the injected 429"
expect_eq "$(header Retry-After)" 3 "github: Retry-After"
expect_eq "$(header x-ratelimit-remaining)" 0 "github: x-ratelimit-remaining 0"
expect_ne "$(header x-ratelimit-reset)" "" "github: x-ratelimit-reset"
gl GET /projects/acme%2Fenv
expect_eq "$CODE:$(header Retry-After)" "429:3" "gitlab: the injected 429 with Retry-After"
gl GET /projects/acme%2Fenv
expect_eq "$CODE" 200 "the 429s are used up"
req POST /sim/v1/faults -H 'Content-Type: application/json' --data-binary '{"status":200}'
expect_eq "$CODE" 400 "a fault of status 200 is refused"
req POST /sim/v1/faults -H 'Content-Type: application/json' --data-binary '{"latencyMs":1}'
expect_eq "$CODE:$(printf '%s' "$BODY" | jval 'd["latencyMs"]')" "200:1" "set latency"
req POST /sim/v1/faults -H 'Content-Type: application/json' --data-binary '{"status":503,"count":1}'
req DELETE /sim/v1/faults
expect_eq "$CODE:$(printf '%s' "$BODY" | jval '[d["latencyMs"], d["rules"]]')" "200:[0,[]]" "DELETE clears the faults"
gh GET /repos/acme/env
expect_eq "$CODE" 200 "no fault after DELETE"

stop_forge

# ------------------------------------------------------------ the log

expect_true "the request log has lines" test -s "$REQLOG"
expect_eq "$(grep -cF -- "$TOKEN" "$REQLOG" "$WORK/f1/stdout" "$WORK/f1/stderr" | awk -F: '{s += $2} END {print s}')" 0 \
	"no token in the request log or forge-sim's output"
expect_eq "$(grep -cF -- "$BASIC" "$REQLOG" | head -n 1)" 0 "no Basic credentials in the request log"
expect_eq "$(jlines '"status" in d and "body_bytes" in d' <"$REQLOG" | sort -u)" true \
	"every logged request has its status"
expect_true "the refused push is logged with 401" bash -c \
	"grep -F 'git-receive-pack' '$REQLOG' | grep -qF '\"status\":401'"
expect_true "a created PR is logged with 201" bash -c \
	"grep -F '/api/v3/repos/acme/env/pulls' '$REQLOG' | grep -qF '\"status\":201'"
expect_true "packs are not logged, their size is" bash -c \
	"grep -F '/git-receive-pack\"' '$REQLOG' | grep -F '\"status\":200' | grep -qF '\"body\":\"\"'"

# ------------------------------------------------------------ flags, no token

start_forge "$WORK/f2" --fault-429 1 --retry-after 2 --fault-500 1 --latency 1ms
req GET /api/v3/repos/acme/env
expect_eq "$CODE" 500 "--fault-500: the first API request"
req GET /api/v3/repos/acme/env
expect_eq "$CODE:$(header Retry-After)" "429:2" "--fault-429 with --retry-after"
req GET /api/v3/repos/acme/env
expect_eq "$CODE" 200 "without --token-file the API needs no token"
req GET '/acme/env.git/info/refs?service=git-receive-pack'
expect_eq "$CODE" 200 "without --token-file pushes need no token"
req GET /api/v1/repos/acme/made
expect_eq "$CODE:$(printf '%s' "$BODY" | jval 'd["default_branch"]')" "200:main" "a repository made before the restart"
stop_forge

finish
