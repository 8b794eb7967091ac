# shellcheck shell=bash
# ppr-common.bash: what the pipeline-pr end-to-end tests (ppr-*.sh) share,
# on top of lib.sh: hermetic git (a fresh HOME, GIT_CONFIG_NOSYSTEM=1, the
# test's author through the environment), an environment repository built
# as the tutorial's (a bare repo with helm/Chart.yaml and
# helm/templates/devops-toolkit.yaml at tag "latest"), the template, and a
# git wrapper to put first on PATH (records every argv, can run a hook
# before a subcommand, then execs the real git).
#
# Inputs: PIPELINE_PR (the binary), GITOPS_RENDER, FORGE_SIM (optional).
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PIPELINE_PR=${PIPELINE_PR:-}
if [ -z "$PIPELINE_PR" ] || [ ! -x "$PIPELINE_PR" ]; then
	echo "$E2E_NAME: PIPELINE_PR is not set to an executable" >&2
	exit 1
fi
REAL_GIT=$(command -v git) || skip "git is not installed"
PPR_FIX=$FIXTURES/ppr
TEMPLATE=$PPR_FIX/production.yaml

export HOME="$WORK/home"
export GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME="Test Seed" GIT_AUTHOR_EMAIL=seed@example.com
export GIT_COMMITTER_NAME="Test Seed" GIT_COMMITTER_EMAIL=seed@example.com
export TMPDIR="$WORK/tmp dir"
mkdir -p "$TMPDIR"
unset GITHUB_TOKEN GITLAB_TOKEN GITEA_TOKEN GITHUB_ACTIONS GITLAB_CI CF_BUILD_ID

# make_env_repo BARE: the tutorial's env repo (master), bare
make_env_repo() {
	local bare=$1 seed="$WORK/seed.$$.$RANDOM"
	"$REAL_GIT" init -q --bare -b master "$bare" || return 1
	"$REAL_GIT" init -q -b master "$seed" || return 1
	mkdir -p "$seed/helm/templates"
	cp "$PPR_FIX/Chart.yaml" "$seed/helm/Chart.yaml"
	cp "$PPR_FIX/devops-toolkit.yaml" "$seed/helm/templates/devops-toolkit.yaml"
	"$REAL_GIT" -C "$seed" add -A &&
		"$REAL_GIT" -C "$seed" commit -q -m "Initial" &&
		"$REAL_GIT" -C "$seed" push -q "$bare" master 2>/dev/null || return 1
	rm -rf "$seed"
}

# refs BARE: every ref and its commit (to see that nothing was pushed)
refs() {
	"$REAL_GIT" -C "$1" for-each-ref --format='%(refname) %(objectname)'
}

# show BARE REV:PATH
show() {
	"$REAL_GIT" -C "$1" show "$2"
}

# the file gitops-render makes of the template for a tag
expected_render() {
	"$GITOPS_RENDER" -v "IMAGE_TAG=$1" "$TEMPLATE"
}

# no_temp_left: pipeline-pr left nothing in TMPDIR
no_temp_left() {
	local left
	left=$(find "$TMPDIR" -maxdepth 1 -name 'pipeline-pr.*' | head -3)
	expect_eq "$left" "" "no temporary directory left in TMPDIR"
}

# make_git_wrapper: $WORK/bin/git logs its argv (one line per run, in
# $WORK/git-argv) and sources $WORK/hook-SUBCOMMAND (once; renamed first)
# before the real git (a hook may exec, becoming the child pipeline-pr sees). Put "$WORK/bin" first on PATH to use it.
make_git_wrapper() {
	mkdir -p "$WORK/bin"
	cat >"$WORK/bin/git" <<EOF
#!/bin/bash
printf '%s\n' "\$*" >>"$WORK/git-argv"
sub=\$1
if [ "\$1" = -C ]; then sub=\$3; fi
hook="$WORK/hook-\$sub"
if [ -f "\$hook" ]; then
	mv "\$hook" "\$hook.ran"
	. "\$hook.ran"
fi
exec "$REAL_GIT" "\$@"
EOF
	chmod +x "$WORK/bin/git"
}

# ppr_start_forge DIR ROOT ARGS...: forge-sim on a free port over ROOT;
# sets FORGE_PID, PORT, BASE, REQLOG. Skips (77) without FORGE_SIM.
FORGE_PID=""
ppr_start_forge() {
	local dir=$1 root=$2 i=0
	shift 2
	if [ -z "${FORGE_SIM:-}" ] || [ ! -x "$FORGE_SIM" ]; then
		skip "FORGE_SIM is not set to an executable"
	fi
	mkdir -p "$dir"
	REQLOG=$dir/requests.log
	"$FORGE_SIM" --root "$root" --port-file "$dir/port" \
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
}

# pulls: forge-sim's pull requests (JSON)
pulls() {
	curl "${CURL_SAFE[@]}" -sS "$BASE/sim/v1/pulls"
}

# fault JSON: add a fault rule at run time
fault() {
	curl "${CURL_SAFE[@]}" -sS -o /dev/null -X POST -d "$1" "$BASE/sim/v1/faults"
}

# jq-free field of a JSON document: jget JSON PYEXPR (d is the document)
jget() {
	printf '%s' "$1" | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"
}
