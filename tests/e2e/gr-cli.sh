#!/usr/bin/env bash
# gr-cli: gitops-render's command line: help and version, stdin and '-',
# several files as one stream, -v (kyml's pflag syntax), --values and -e
# precedence, secrets never printed, --allow-empty, --check findings, and
# every exit status (0, 1, 2, 3, 8, 9).
. "$(dirname "$0")/lib.sh"

GR=${GITOPS_RENDER:?GITOPS_RENDER is not set}
cd "$WORK" || exit 1

expect_exit 0 "$GR" --help
expect_contains "$OUT" "usage: gitops-render" "--help prints the usage on stdout"
expect_exit 0 "$GR" --version
expect_contains "$OUT" "gitops-render " "--version"
expect_exit 2 "$GR" --no-such-flag
expect_exit 2 "$GR" -v novalue
expect_contains "$ERR" "must be formatted as key=value" "-v without '=': pflag's message"
expect_exit 3 "$GR" no-such-file.yaml
expect_contains "$ERR" "cannot read 'no-such-file.yaml'" "a missing FILE"
expect_exit 3 "$GR" --values no-such-values.yaml
mkdir adir
expect_exit 1 "$GR" adir
expect_exit 1 bash -c "printf 'a: \"{{.X}}\"\n' | '$GR' -v X=1 >/dev/full"
expect_contains "$ERR" "write" "a write failure is exit 1"

# stdin, '-', several files
expect_exit 0 bash -c "printf 'a: \"{{.X}}\"\n' | '$GR' -v X=1"
expect_eq "$OUT" 'a: "1"' "stdin when no FILE"
printf 'b: x-{{.X}}\n' >b.yaml
expect_exit 0 bash -c "printf 'a: 1' | '$GR' -v X=2 - b.yaml"
expect_eq "$OUT" "$(printf 'a: 1\n---\nb: x-2')" "'-' and a file: one stream, documents kept apart"

# values: --values < -v < -e, kyml's csv -v
printf 'A: from-file\nB: from-file\nC: from-file\nD: 0123\n' >vals.yaml
printf 'v: "{{.A}} {{.B}} {{.C}} {{.D}} {{.E}} {{.F}}"\n' >p.yaml
expect_exit 0 env C=from-env "$GR" -e C --values vals.yaml -v B=from-arg -v C=from-arg -v E=1,F=2 p.yaml
expect_eq "$OUT" 'v: "from-file from-arg from-env 0123 1 2"' "precedence --values < -v < -e, csv pairs, text kept"

# secrets from -e are never printed
printf 'x: "{{.S}}"\ny: |\n  n: {{.S}}\n' >s.yaml
expect_exit 0 env S=424242 "$GR" -e S s.yaml
expect_not_contains "$ERR" "424242" "a secret is not printed in a warning"
expect_contains "$ERR" "(from the environment)" "the warning says where the value came from"
expect_exit 8 env S='has {{ braces' "$GR" -e S s.yaml
expect_not_contains "$ERR" "braces" "a secret is not printed in an error"
expect_exit 8 env S= "$GR" -e S s.yaml
expect_contains "$ERR" "environment variable S is empty" "an empty -e is an error"
expect_exit 0 env S= "$GR" -e S --allow-empty s.yaml
expect_contains "$OUT" 'x: ""' "--allow-empty renders it empty"

# invalid input
printf 'a: [1, 2\nb: 3\n' >bad.yaml
expect_exit 8 "$GR" bad.yaml
expect_contains "$ERR" "bad.yaml:2:" "a YAML error names FILE:LINE"
printf 'a: "{{ printf \\"%%s\\" .X }}"\n' >act.yaml
expect_exit 8 "$GR" -v X=1 act.yaml
expect_contains "$ERR" "act.yaml:1:5: unsupported template action 'printf'" "other actions name FILE:LINE:COL"
printf 'a: b # {{.X}}\n' >cmt.yaml
expect_exit 8 "$GR" -v X=1 cmt.yaml
expect_contains "$ERR" "cmt.yaml:1:8: '{{' in a comment" "{{ left in a comment"
printf 'a: x-{{.X}}\n' >pl.yaml
expect_exit 8 "$GR" -v 'X=1 # not a comment' pl.yaml
expect_contains "$ERR" 'quote the scalar: "x-{{.X}}"' "a value that breaks a plain scalar: quote it"
printf 'a: "{{.X}}"\n' >q.yaml
expect_exit 0 "$GR" -v 'X=1 # fine' q.yaml
expect_eq "$OUT" 'a: "1 # fine"' "the same value in quotes is fine"

# --check
printf 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: a\nspec:\n  source:\n    helm:\n      values: |\n        image:\n          tag: "{{.T}}"\n' >app.yaml
expect_exit 0 "$GR" --check -v T=latest app.yaml
expect_contains "$ERR" "app.yaml:10: warning: image tag 'latest' is mutable" "a finding: FILE:LINE: warning:"
expect_contains "$ERR" "app.yaml:1: warning: Application 'a' has no spec.project" "no project"
expect_contains "$OUT" 'tag: "latest"' "--check still writes the output"
expect_exit 9 "$GR" --check --strict -v T=latest app.yaml
printf 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: "{{.N}}"\nspec:\n  project: "p-{{.N}}"\n---\napiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: other\n' >sec.yaml
expect_exit 0 env N=topsecret "$GR" --check -e N sec.yaml
expect_contains "$ERR" "sec.yaml:6: warning: Application '(from the environment)' uses project '(from the environment)'" \
	"a finding names no value from the environment"
expect_not_contains "$ERR" "topsecret" "the secret is not printed"
expect_exit 0 env N=topsecret "$GR" --check --kyml -e N sec.yaml
expect_not_contains "$ERR" "topsecret" "nor with --kyml"
expect_exit 0 "$GR" --check -v T=v1.2.3 -o ok.yaml app.yaml
finish
