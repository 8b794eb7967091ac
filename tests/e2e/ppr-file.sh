#!/bin/bash
# pipeline-pr over file:// (no forge): the tutorial's release pushed
# straight to the base (--direct), a re-run ("up to date"), a base that
# moves during the push (fetch, re-apply, retry), --remove, --dry-run
# (the diff and the requests, nothing sent), usage and template errors
# (nothing pushed), and the temporary directory removed on SIGTERM.
. "$(dirname "$0")/ppr-common.bash"

ENV="$WORK/repos/env.git"
mkdir -p "$WORK/repos"
make_env_repo "$ENV" || { echo "cannot make the env repo" >&2; exit 1; }
URL="file://$ENV"
PPR=("$PIPELINE_PR" --env-repo "$URL" --template "$TEMPLATE" --app devops-toolkit
	--author "Viktor Farcic <viktor@example.com>")

# ---- --dry-run, PR mode: the diff and the requests, nothing sent
before=$(refs "$ENV")
expect_exit 0 "${PPR[@]}" --tag ef19bd2 --dry-run --forge github \
	--api-url http://127.0.0.1:9/api/v3 --forge-repo vfarcic/argocd-production \
	--label release
expect_contains "$OUT" "+          tag: ef19bd2" "dry run: the diff"
expect_contains "$OUT" "git push $URL HEAD:refs/heads/devops-toolkit-ef19bd2" \
	"dry run: the push it would make"
expect_contains "$OUT" "POST http://127.0.0.1:9/api/v3/repos/vfarcic/argocd-production/pulls" \
	"dry run: the create request"
expect_contains "$OUT" '"title":"ef19bd2 from devops-toolkit"' "dry run: the title"
expect_contains "$OUT" '"head":"devops-toolkit-ef19bd2","base":"master"' \
	"dry run: head and base"
expect_contains "$OUT" "/issues/{number}/labels" "dry run: the labels request"
expect_eq "$(refs "$ENV")" "$before" "dry run: nothing pushed"

# ---- PR mode over file:// without a forge: a usage error, nothing done
expect_exit 2 "${PPR[@]}" --tag ef19bd2
expect_contains "$ERR" "pipeline-pr: error: cannot tell the forge of '$URL'" \
	"file:// without --forge: the message"
expect_exit 2 "${PPR[@]}" --tag ef19bd2 --forge github
expect_contains "$ERR" "use --api-url" "file:// with --forge: needs --api-url"
expect_exit 2 "${PPR[@]}" --tag ef19bd2 --direct --merge
expect_exit 2 "${PPR[@]}" --tag ef19bd2 --direct --dest ../x.yaml
expect_exit 2 "${PPR[@]}" --tag ef19bd2 --direct --max-wait 60
expect_exit 2 "${PPR[@]}" --tag ef19bd2 --direct --bogus
expect_exit 2 "$PIPELINE_PR" --env-repo "$URL" --template "$TEMPLATE" --tag x --direct
expect_contains "$ERR" "--app is required" "no app outside CI"

# ---- the first release, straight to master
expect_exit 0 "${PPR[@]}" --tag ef19bd2 --direct
sha=$OUT
expect_eq "$sha" "$("$REAL_GIT" -C "$ENV" rev-parse master)" "direct: stdout is the pushed commit"
expect_eq "$("$REAL_GIT" -C "$ENV" log -1 --format='%s' master)" \
	"Adding commit ef19bd2 from devops-toolkit" "direct: the tutorial's message"
expect_eq "$("$REAL_GIT" -C "$ENV" log -1 --format='%an <%ae>' master)" \
	"Viktor Farcic <viktor@example.com>" "direct: the author"
expect_eq "$(show "$ENV" master:helm/templates/devops-toolkit.yaml)" \
	"$(expected_render ef19bd2)" "direct: the file is gitops-render's output"
expect_eq "$("$REAL_GIT" -C "$ENV" rev-list --count master)" 2 "direct: one commit"
expect_contains "$ERR" "pipeline-pr: clone: $URL (master)" "progress on stderr"

# ---- a re-run: up to date, nothing pushed
before=$(refs "$ENV")
expect_exit 0 "${PPR[@]}" --tag ef19bd2 --direct
expect_eq "$OUT" "up to date" "re-run: up to date"
expect_eq "$(refs "$ENV")" "$before" "re-run: nothing pushed"
expect_exit 0 "${PPR[@]}" --tag ef19bd2 --direct -o json
expect_eq "$OUT" '{"action":"up-to-date","branch":"master"}' "re-run: -o json"

# ---- --direct while the base moves: fetch, re-apply, retry
make_git_wrapper
"$REAL_GIT" clone -q "$ENV" "$WORK/other"
cat >"$WORK/hook-push" <<EOF
cd "$WORK/other" || exit 1
echo "replicas: 3" >other.yaml
env -u GIT_CONFIG_COUNT -u GIT_CONFIG_KEY_0 -u GIT_CONFIG_VALUE_0 \
	GIT_AUTHOR_NAME=Other GIT_AUTHOR_EMAIL=o@example.com \
	GIT_COMMITTER_NAME=Other GIT_COMMITTER_EMAIL=o@example.com \
	sh -c '"$REAL_GIT" add -A && "$REAL_GIT" commit -q -m "Other change" && "$REAL_GIT" push -q origin master'
EOF
PATH="$WORK/bin:$PATH" expect_exit 0 "${PPR[@]}" --tag 1a2b3c4 --direct -o json
expect_true "moved base: the hook ran" test -f "$WORK/hook-push.ran"
expect_contains "$ERR" "push: 'master' moved, fetching it and trying again (2/5)" \
	"moved base: the retry reported"
expect_eq "$("$REAL_GIT" -C "$ENV" log --format='%s' -2 master | tr '\n' '|')" \
	"Adding commit 1a2b3c4 from devops-toolkit|Other change|" \
	"moved base: ours on top of the other change"
expect_contains "$OUT" "\"commit\":\"$("$REAL_GIT" -C "$ENV" rev-parse master)\"" \
	"moved base: json names the pushed commit"
expect_contains "$OUT" '"action":"pushed"' "moved base: action pushed"
expect_eq "$(show "$ENV" master:helm/templates/devops-toolkit.yaml)" \
	"$(expected_render 1a2b3c4)" "moved base: the file rendered"
expect_eq "$(show "$ENV" master:other.yaml)" "replicas: 3" "moved base: the other change kept"
clone_args=$(grep -m1 '^clone ' "$WORK/git-argv")
expect_contains "$clone_args" "clone --quiet --depth 1 --single-branch --no-tags --branch master" \
	"the clone is shallow and single-branch"

# ---- a bad template: exit 8, the render step named, nothing pushed
before=$(refs "$ENV")
printf 'kind: ConfigMap\ndata:\n  a: "{{.MISSING}}"\n' >"$WORK/bad.yaml"
expect_exit 8 "$PIPELINE_PR" --env-repo "$URL" --template "$WORK/bad.yaml" --tag t \
	--app devops-toolkit --direct
expect_contains "$ERR" "pipeline-pr: error: render: $WORK/bad.yaml:3:" "bad template: the step and place"
expect_eq "$(refs "$ENV")" "$before" "bad template: nothing pushed"
expect_exit 3 "${PPR[@]}" --tag t --direct --base nosuch
expect_contains "$ERR" "pipeline-pr: error: clone: branch 'nosuch' not found" \
	"a missing base: not found"
expect_exit 3 "$PIPELINE_PR" --env-repo "file://$WORK/repos/none.git" --template "$TEMPLATE" \
	--tag t --app devops-toolkit --direct
expect_contains "$ERR" "pipeline-pr: error: clone: " "a missing repo: the clone step"

# ---- --remove --direct (the preview teardown), then again: up to date
expect_exit 0 "${PPR[@]}" --remove --direct
expect_eq "$OUT" "$("$REAL_GIT" -C "$ENV" rev-parse master)" "remove: the commit"
expect_eq "$("$REAL_GIT" -C "$ENV" log -1 --format='%s' master)" "Removing devops-toolkit" \
	"remove: the message"
expect_true "remove: the file is gone" \
	bash -c "! '$REAL_GIT' -C '$ENV' cat-file -e master:helm/templates/devops-toolkit.yaml"
expect_true "remove: Chart.yaml kept" "$REAL_GIT" -C "$ENV" cat-file -e master:helm/Chart.yaml
expect_exit 0 "${PPR[@]}" --remove --direct
expect_eq "$OUT" "up to date" "remove again: up to date"

# ---- CI variables (Codefresh): app, tag, author from the environment
expect_exit 0 env CF_BUILD_ID=1 CF_REPO_NAME=devops-paradox CF_SHORT_REVISION=0ddba11 \
	CF_COMMIT_AUTHOR=vfarcic "$PIPELINE_PR" --env-repo "$URL" --template "$TEMPLATE" --direct
expect_eq "$("$REAL_GIT" -C "$ENV" log -1 --format='%s|%an' master)" \
	"Adding commit 0ddba11 from devops-paradox|vfarcic" "codefresh: message and author"
expect_true "codefresh: helm/templates/devops-paradox.yaml" \
	"$REAL_GIT" -C "$ENV" cat-file -e master:helm/templates/devops-paradox.yaml

# ---- SIGTERM during a step: the temporary directory is removed
cat >"$WORK/hook-commit" <<EOF
touch "$WORK/in-commit"
exec sleep 30
EOF
PATH="$WORK/bin:$PATH" "${PPR[@]}" --tag fe11ed0 --direct >/dev/null 2>"$WORK/sig-err" &
ppr_pid=$!
E2E_BG="$E2E_BG $ppr_pid"
wait_until 20 test -f "$WORK/in-commit"
expect_true "sigterm: the run reached the commit" test -f "$WORK/in-commit"
kill -TERM "$ppr_pid"
wait "$ppr_pid"
expect_eq "$?" 143 "sigterm: ended by the signal"
e2e_forget "$ppr_pid"
no_temp_left

finish
