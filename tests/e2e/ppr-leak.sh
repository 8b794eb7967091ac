#!/bin/bash
# pipeline-pr never shows its token: runs with a secret token (from
# GITHUB_TOKEN, from --token-file, and inside the remote URL) through a
# release, a re-run, a merge, a dry run and an API error, with a git
# wrapper first on PATH that records every child's argv, scans
# /proc/*/cmdline for the token while git runs, and copies the clone's
# .git/config and searches the temporary directory at each push. The token
# must be in none of: stdout, stderr, forge-sim's request log and output,
# the argv of any process, .git/config, the temporary directory.
. "$(dirname "$0")/ppr-common.bash"

ROOT=$WORK/root
mkdir -p "$ROOT/vfarcic"
ENV="$ROOT/vfarcic/argocd-production.git"
make_env_repo "$ENV" || { echo "cannot make the env repo" >&2; exit 1; }
TOKEN="leak-$$-$RANDOM-Sup3rS3cretV4lue"
printf '%s\n' "$TOKEN" >"$WORK/token"
# the pattern lives in a file: a grep with the token in its argv would
# find itself in /proc
printf '%s\n' "$TOKEN" >"$WORK/pattern"
BASIC=$(printf 'x-access-token:%s' "$TOKEN" | base64 | tr -d '\n')
printf '%s\n' "$BASIC" >>"$WORK/pattern"
ppr_start_forge "$WORK/forge" "$ROOT" --token-file "$WORK/token"
URL="$BASE/vfarcic/argocd-production.git"

mkdir -p "$WORK/bin" "$WORK/configs"
: >"$WORK/git-argv"
: >"$WORK/proc-hits"
: >"$WORK/tmp-hits"
cat >"$WORK/bin/git" <<EOF
#!/bin/bash
printf '%s\n' "\$*" >>"$WORK/git-argv"
# one grep over every process's argv; pipeline-pr itself (the parent) has
# the token in its argv only when the test puts it in the URL on purpose
grep -laFf "$WORK/pattern" /proc/[0-9]*/cmdline 2>/dev/null |
	grep -vx "/proc/\$PPID/cmdline" >>"$WORK/proc-hits"
if [ "\$1" = -C ] && [ "\$3" = push ]; then
	cp "\$2/.git/config" "$WORK/configs/config.\$\$"
	grep -rlaFf "$WORK/pattern" "$TMPDIR" >>"$WORK/tmp-hits" 2>/dev/null
fi
exec "$REAL_GIT" "\$@"
EOF
chmod +x "$WORK/bin/git"
export PATH="$WORK/bin:$PATH"

run=0
# leak_run EXIT ARGS...: a run whose outputs are kept for the search
leak_run() {
	local want=$1
	shift
	run=$((run + 1))
	expect_exit "$want" "$@"
	cp "$WORK/out" "$WORK/run$run.out"
	cp "$WORK/err" "$WORK/run$run.err"
}

PPR=("$PIPELINE_PR" --env-repo "$URL" --forge github --template "$TEMPLATE"
	--app devops-toolkit --author "Viktor Farcic <viktor@example.com>" --label release)
leak_run 0 env GITHUB_TOKEN="$TOKEN" "${PPR[@]}" --tag 1eaf001
expect_contains "$OUT" "$BASE/vfarcic/argocd-production/pull/" "the release opened a PR"
leak_run 0 env GITHUB_TOKEN="$TOKEN" "${PPR[@]}" --tag 1eaf001 -o json
leak_run 0 "${PPR[@]}" --token-file "$WORK/token" --tag 1eaf002 --merge
expect_eq "$OUT" "$("$REAL_GIT" -C "$ENV" rev-parse master)" "the merge with --token-file"
leak_run 0 env GITHUB_TOKEN="$TOKEN" "${PPR[@]}" --tag 1eaf003 --dry-run
leak_run 3 env GITHUB_TOKEN="$TOKEN" "${PPR[@]}" --tag 1eaf004 --forge-repo vfarcic/nosuch
# the token inside the URL: taken out of it for git and the API (GitLab)
leak_run 0 "$PIPELINE_PR" \
	--env-repo "http://oauth2:$TOKEN@127.0.0.1:$PORT/vfarcic/argocd-production.git" \
	--forge gitlab --template "$TEMPLATE" --app devops-toolkit --tag 1eaf005
expect_contains "$OUT" "$BASE/vfarcic/argocd-production/-/merge_requests/" \
	"a token in the URL works for git and the API"
# a bad token in the URL: the error must not show it either
leak_run 5 "$PIPELINE_PR" \
	--env-repo "http://oauth2:${TOKEN}x@127.0.0.1:$PORT/vfarcic/argocd-production.git" \
	--forge gitlab --template "$TEMPLATE" --app devops-toolkit --tag 1eaf006

expect_true "git ran through the wrapper" test -s "$WORK/git-argv"
expect_true "the clone's .git/config was captured" \
	bash -c "ls '$WORK/configs' | grep -q config"
for f in "$WORK"/run*.out "$WORK"/run*.err "$REQLOG" "$WORK/forge/stdout" \
	"$WORK/forge/stderr" "$WORK/git-argv" "$WORK"/configs/config.*; do
	if grep -qaFf "$WORK/pattern" "$f"; then
		e2e_fail "no token in $(basename "$f")" "$(grep -aFf "$WORK/pattern" "$f" | head -3)"
	else
		e2e_ok "no token in $(basename "$f")"
	fi
done
expect_eq "$(cat "$WORK/proc-hits")" "" "no token in any process's argv"
expect_eq "$(cat "$WORK/tmp-hits")" "" "no token in the temporary directory"
expect_true "the request log is not empty" test -s "$REQLOG"
no_temp_left

finish
