#!/bin/sh
# check.sh KUBECTL_ROLLOUTS SRCDIR: the installed completion scripts of
# kubectl-rollouts are files in completions/ (so a cross build installs them
# without running the binary it built); this test fails when they differ
# from what the binary's `completion SHELL` writes. Regenerate with
#   scripts/update-completions BUILD_DIR
set -u
kr=$1
dir=$2/completions
rc=0
n=0
for pair in bash:bash/kubectl-rollouts zsh:zsh/_kubectl-rollouts \
	fish:fish/kubectl-rollouts.fish; do
	sh=${pair%%:*}
	file=${pair#*:}
	n=$((n + 1))
	if env -i PATH=/usr/bin:/bin "$kr" completion "$sh" | cmp -s - "$dir/$file"; then
		echo "ok $n - completions/$file matches 'completion $sh'"
	else
		echo "not ok $n - completions/$file differs from 'completion $sh' (run scripts/update-completions)"
		rc=1
	fi
done
echo "1..$n"
exit $rc
