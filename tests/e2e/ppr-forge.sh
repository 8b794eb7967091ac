#!/bin/bash
# pipeline-pr against forge-sim over git's smart HTTP, for each forge
# (GitHub, GitLab, Gitea APIs): the tutorial's first release opens a pull
# request (branch, message, file = gitops-render's output, title), a re-run
# finds it (exit 0, same URL, nothing pushed), a new tag opens another,
# --merge merges at once (a real merge commit on master), after which the
# same release is "up to date"; a bad token fails cleanly (exit 5, nothing
# pushed); forge 500s and 429s are retried, then reported (exit 1).
. "$(dirname "$0")/ppr-common.bash"

ROOT=$WORK/root
mkdir -p "$ROOT/vfarcic"
ENV="$ROOT/vfarcic/argocd-production.git"
make_env_repo "$ENV" || { echo "cannot make the env repo" >&2; exit 1; }
TOKEN="ppr-e2e-$$-$RANDOM-token"
printf '%s\n' "$TOKEN" >"$WORK/token"
ppr_start_forge "$WORK/forge" "$ROOT" --token-file "$WORK/token"
URL="$BASE/vfarcic/argocd-production.git"

n=0
for forge in github gitlab gitea; do
	case $forge in
	github) tokvar=GITHUB_TOKEN; prpath=pull; short=ab ;;
	gitlab) tokvar=GITLAB_TOKEN; prpath=-/merge_requests; short=cd ;;
	gitea) tokvar=GITEA_TOKEN; prpath=pull; short=ef ;;
	esac
	PPR=(env "$tokvar=$TOKEN" "$PIPELINE_PR" --env-repo "$URL" --forge "$forge"
		--template "$TEMPLATE" --app devops-toolkit
		--author "Viktor Farcic <viktor@example.com>")
	tag=${short}00001
	branch=devops-toolkit-$tag
	n=$((n + 1))

	# the first release: a branch, a commit, a pull request
	expect_exit 0 "${PPR[@]}" --tag "$tag"
	url=$OUT
	expect_eq "$url" "$BASE/vfarcic/argocd-production/$prpath/$n" "$forge: the PR URL on stdout"
	expect_eq "$("$REAL_GIT" -C "$ENV" log -1 --format='%s|%an' "$branch")" \
		"Adding commit $tag from devops-toolkit|Viktor Farcic" "$forge: the branch's commit"
	expect_eq "$(show "$ENV" "$branch:helm/templates/devops-toolkit.yaml")" \
		"$(expected_render "$tag")" "$forge: the file is gitops-render's output"
	p=$(pulls)
	expect_eq "$(jget "$p" "[(x['head'],x['base'],x['title'],x['state']) for x in d if x['number']==$n][0]")" \
		"('$branch', 'master', '$tag from devops-toolkit', 'open')" "$forge: the PR in forge-sim"

	# a re-run: the same PR, nothing pushed
	before=$(refs "$ENV")
	expect_exit 0 "${PPR[@]}" --tag "$tag" -o json
	expect_eq "$(jget "$OUT" "d['action'], d['url'], d['number']")" "exists $url $n" \
		"$forge: re-run finds the PR"
	expect_eq "$(refs "$ENV")" "$before" "$forge: re-run pushes nothing"
	expect_eq "$(jget "$(pulls)" "len([x for x in d if x['head']=='$branch'])")" 1 \
		"$forge: still one PR for the branch"

	# --merge: a new tag, merged at once
	n=$((n + 1))
	mtag=${short}00002
	expect_exit 0 "${PPR[@]}" --tag "$mtag" --merge -o json
	merged=$(jget "$OUT" "d['merged']")
	expect_eq "$merged" "$("$REAL_GIT" -C "$ENV" rev-parse master)" "$forge: --merge names master's new commit"
	expect_eq "$(jget "$OUT" "d['action']")" "merged" "$forge: action merged"
	expect_eq "$(show "$ENV" master:helm/templates/devops-toolkit.yaml)" \
		"$(expected_render "$mtag")" "$forge: merged content on master"
	expect_exit 0 "${PPR[@]}" --tag "$mtag" --merge
	expect_eq "$OUT" "up to date" "$forge: the merged release again: up to date"
	# the first PR is still open; master moved in the same file only: the
	# branch's tree is what a re-run makes, nothing to push
	before=$(refs "$ENV")
	expect_exit 0 "${PPR[@]}" --tag "$tag" -o json
	expect_eq "$(jget "$OUT" "d['action'], d['url']")" "exists $url" \
		"$forge: same tree after the merge: the PR found"
	expect_eq "$(refs "$ENV")" "$before" "$forge: nothing pushed"
	# master moves in another file: a re-run updates the branch
	# (force-with-lease) and finds the PR
	"$REAL_GIT" clone -q "$ENV" "$WORK/other-$forge"
	echo "$forge" >"$WORK/other-$forge/other.txt"
	"$REAL_GIT" -C "$WORK/other-$forge" add -A
	"$REAL_GIT" -C "$WORK/other-$forge" commit -q -m "Other change"
	"$REAL_GIT" -C "$WORK/other-$forge" push -q origin master
	expect_exit 0 "${PPR[@]}" --tag "$tag" -o json
	expect_eq "$(jget "$OUT" "d['action'], d['url']")" "updated $url" \
		"$forge: a stale branch is updated, the PR found"
	expect_eq "$("$REAL_GIT" -C "$ENV" rev-parse "$branch~1")" "$("$REAL_GIT" -C "$ENV" rev-parse master)" \
		"$forge: the branch now starts at master"
done

# ---- a bad token: exit 5, the push step named, nothing pushed
before=$(refs "$ENV")
expect_exit 5 env GITHUB_TOKEN=wrong-token "$PIPELINE_PR" --env-repo "$URL" --forge github \
	--template "$TEMPLATE" --app devops-toolkit --tag bad0001
expect_contains "$ERR" "pipeline-pr: error: push: " "bad token: the push step"
expect_not_contains "$ERR" "wrong-token" "bad token: not in the message"
expect_eq "$(refs "$ENV")" "$before" "bad token: nothing pushed"
# the API refuses it too (git over file:// needs no token): GitHub's message
expect_exit 5 env GITHUB_TOKEN=wrong-token "$PIPELINE_PR" --env-repo "file://$ENV" --forge github \
	--api-url "$BASE/api/v3" --forge-repo vfarcic/argocd-production \
	--template "$TEMPLATE" --app devops-toolkit --tag bad0002
expect_contains "$ERR" "pipeline-pr: error: pull request: github: POST /repos/vfarcic/argocd-production/pulls: 401" \
	"bad token: the API's 401 reported"
expect_exit 3 env GITHUB_TOKEN="$TOKEN" "$PIPELINE_PR" --env-repo "file://$ENV" --forge github \
	--api-url "$BASE/api/v3" --forge-repo vfarcic/nosuch \
	--template "$TEMPLATE" --app devops-toolkit --tag bad0002
expect_contains "$ERR" "404" "an unknown repo on the forge: 404, exit 3"

# ---- faults: a 500 and a 429 are retried; too many are reported
PPR=(env "GITHUB_TOKEN=$TOKEN" "$PIPELINE_PR" --env-repo "$URL" --forge github
	--template "$TEMPLATE" --app devops-toolkit)
fault '{"status":500,"count":1,"path":"/api/v3/repos/vfarcic/argocd-production/pulls"}'
expect_exit 0 "${PPR[@]}" --tag f500001
expect_contains "$ERR" "POST /repos/vfarcic/argocd-production/pulls: 500 server error, retrying" \
	"500 once: retried"
expect_contains "$OUT" "$BASE/vfarcic/argocd-production/pull/" "500 once: the PR opened"
fault '{"status":429,"count":1,"retryAfter":1,"path":"/api/v3/repos/vfarcic/argocd-production/pulls"}'
expect_exit 0 "${PPR[@]}" --tag f429001
expect_contains "$ERR" "429 rate limited, retrying in 1.000s" "429 once: Retry-After honoured"
expect_contains "$OUT" "$BASE/vfarcic/argocd-production/pull/" "429 once: the PR opened"
fault '{"status":500,"count":20,"path":"/api/v3/repos/vfarcic/argocd-production/pulls"}'
expect_exit 1 "${PPR[@]}" --tag f500002
expect_contains "$ERR" "pipeline-pr: error: pull request: github: POST /repos/vfarcic/argocd-production/pulls: 500" \
	"500 throughout: a clean error"
curl "${CURL_SAFE[@]}" -sS -o /dev/null -X DELETE "$BASE/sim/v1/faults"
fault '{"status":429,"count":20,"retryAfter":30,"path":"/api/v3/repos/vfarcic/argocd-production/pulls"}'
expect_exit 1 "${PPR[@]}" --tag f429002 --max-wait 5s
expect_contains "$ERR" "rate limited: the wait (30s) would pass the 5s bound" \
	"429 past the bound: a clean error, no wait"
curl "${CURL_SAFE[@]}" -sS -o /dev/null -X DELETE "$BASE/sim/v1/faults"
# the branch was pushed: the next run completes the release
expect_exit 0 "${PPR[@]}" --tag f500002
expect_contains "$OUT" "$BASE/vfarcic/argocd-production/pull/" "after the faults: the re-run opens the PR"
expect_not_contains "$(cat "$REQLOG")" "$TOKEN" "the request log has no token"
no_temp_left

finish
