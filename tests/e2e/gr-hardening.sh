#!/usr/bin/env bash
# gr-hardening: gitops-render on hostile or odd input (issue 10): nesting
# past yaml.c's limit is one error naming FILE:LINE:COL (it was a use after
# free, and a crash at depth 9,000), in both modes and in --values files;
# duplicate keys are refused as kubectl refuses them; an action used as a
# key is called a key; a tab in indentation gets a tab hint, not a quoting
# one; a full device is one line; -v with an empty key is a usage error;
# aliases to scalars in --values are their scalars; an empty --kyml stream
# renders nothing. Each error leaves stdout empty and an -o target as it
# was.
. "$(dirname "$0")/lib.sh"

GR=${GITOPS_RENDER:?GITOPS_RENDER is not set}
cd "$WORK" || exit 1

E="gitops-render: error:"

# fails CODE STDERR MSG -- CMD...: the exit code, exactly one stderr line,
# nothing on stdout
fails() {
	local code=$1 want=$2 msg=$3
	shift 4
	expect_exit "$code" "$@"
	expect_eq "$ERR" "$want" "$msg: stderr"
	expect_eq "$OUT" "" "$msg: nothing on stdout"
}

# untouched MSG -- CMD...: with -o old.yaml, the old file is kept and no
# temporary file is left
untouched() {
	local msg=$1
	shift 2
	printf 'old: content\n' >old.yaml
	"$@" -o old.yaml >/dev/null 2>&1
	expect_eq "$(cat old.yaml)" "old: content" "$msg: -o keeps the old file"
	expect_eq "$(find . -maxdepth 1 -name '.old.yaml.*' | wc -l)" 0 \
		"$msg: no temporary file left"
}

# nested flow collections: the stack is reallocated under an open one
{ printf 'kind: K\na: '; printf '[%.0s' $(seq 40); printf ']%.0s' $(seq 40); echo; } >d40.yaml
{ printf 'kind: K\na: '; printf '[%.0s' $(seq 9000); printf ']%.0s' $(seq 9000); echo; } >deep.yaml
{ printf 'kind: K\na: '; printf '[{b: %.0s' $(seq 9000); printf '}]%.0s' $(seq 9000); echo; } >deepmap.yaml
expect_exit 0 "$GR" d40.yaml
expect_eq "$OUT" "$(cat d40.yaml)" "40 nested flow sequences render unchanged"
expect_exit 0 "$GR" --kyml --check d40.yaml
for mode in "" --kyml --check; do
	fails 8 "$E deep.yaml:2:1003: document nested too deeply" \
		"9000 nested ${mode:-layout}" -- "$GR" $mode deep.yaml
	untouched "9000 nested ${mode:-layout}" -- "$GR" $mode deep.yaml
done
fails 8 "$E deepmap.yaml:2:2500: document nested too deeply" \
	"9000 nested maps in sequences" -- "$GR" deepmap.yaml
fails 8 "$E deepmap.yaml:2:2500: document nested too deeply" \
	"9000 nested maps in sequences --kyml" -- "$GR" --kyml deepmap.yaml
printf 'a: "{{.TAG}}"\n' >in.yaml
{ printf 'TAG: '; printf '[%.0s' $(seq 9000); printf ']%.0s' $(seq 9000); echo; } >deepvalues.yaml
fails 8 "$E deepvalues.yaml:1:6: the value of 'TAG' is not a string, number or boolean" \
	"9000 nested in --values" -- "$GR" --values deepvalues.yaml in.yaml
{ printf '[%.0s' $(seq 9000); printf ']%.0s' $(seq 9000); echo; } >deepvalues2.yaml
fails 8 "$E deepvalues2.yaml:1:1: a values file is a map of KEY: value" \
	"9000 nested --values root" -- "$GR" --values deepvalues2.yaml in.yaml

# duplicate keys, in both modes, with kubectl's words and the file's lines
printf 'dup: 1\ndup: 2\n' >dupkey.yaml
fails 8 "$E dupkey.yaml:2:1: mapping key \"dup\" already defined at line 1" \
	"duplicate key" -- "$GR" -v TAG=1 dupkey.yaml
untouched "duplicate key" -- "$GR" -v TAG=1 dupkey.yaml
printf 'kind: A\n---\nkind: B\nmetadata:\n  name: x\n  name: "{{.TAG}}"\n' >dup2.yaml
# (layout mode streams: the first document is on stdout already)
for mode in "" --kyml; do
	expect_exit 8 "$GR" $mode -v TAG=1 dup2.yaml
	expect_eq "$ERR" "$E dup2.yaml:6:3: mapping key \"name\" already defined at line 5" \
		"duplicate key in a second document ${mode:-layout}: the file's lines"
	untouched "duplicate key ${mode:-layout}" -- "$GR" $mode -v TAG=1 dup2.yaml
done
printf 'kind: K\nb: &m {x: 1}\nc:\n  <<: *m\n  <<: *m\n  x: "{{.TAG}}"\nd: {x: 1}\n' >merge.yaml
expect_exit 0 "$GR" -v TAG=2 merge.yaml
expect_contains "$OUT" 'x: "2"' "merge keys may repeat, other maps may share keys"
printf 'TAG: 1\nTAG: 2\n' >dupvalues.yaml
fails 8 "$E dupvalues.yaml:2:1: mapping key \"TAG\" already defined at line 1" \
	"duplicate key in --values" -- "$GR" --values dupvalues.yaml in.yaml

# an action as a key
printf 'a: 1\n{{.TAG}}: v\n' >keyact.yaml
for mode in "" --kyml; do
	fails 8 "$E keyact.yaml:2:1: '{{.TAG}}' is a mapping key: keys are never templated, and YAML reads an unquoted '{{' as a flow mapping" \
		"an action as a key ${mode:-layout}" -- "$GR" $mode -v TAG=1 keyact.yaml
done
printf 'a: {{.TAG}}\n' >valact.yaml
fails 8 "$E valact.yaml:1:4: '{{.TAG}}' starts an unquoted value, which YAML reads as a flow mapping: quote it (\"{{.TAG}}\")" \
	"an action as a value" -- "$GR" -v TAG=1 valact.yaml

# tabs in indentation: no quoting hint
printf 'a:\n\tb: "{{.TAG}}"\n' >tab.yaml
fails 8 "$E tab.yaml:2:1: invalid YAML: found character that cannot start any token (while scanning for the next token at line 2); a tab cannot indent YAML: indent with spaces" \
	"a tab in indentation" -- "$GR" -v TAG=1 tab.yaml
printf 'key: value\n\tindented: tab\n' >tab2.yaml
fails 8 "$E tab2.yaml:2:1: invalid YAML: found a tab character that violates indentation (while scanning a plain scalar at line 1)" \
	"a tab libyaml names" -- "$GR" -v TAG=1 tab2.yaml

# a full device: one line, small or large output
if [ -w /dev/full ]; then
	awk 'BEGIN { for (i = 0; i < 100000; i++) printf "k%d: \"{{.TAG}}-padding-padding\"\n", i }' >big.yaml
	for f in in.yaml big.yaml; do
		fails 1 "$E cannot write '/dev/full': No space left on device" \
			"-o /dev/full ($f)" -- "$GR" -v TAG=1 -o /dev/full "$f"
		expect_exit 1 bash -c "'$GR' -v TAG=1 $f >/dev/full"
		expect_eq "$ERR" "$E write failure on standard output" "stdout on /dev/full ($f): one line"
	done
fi

# -v with an empty key
fails 2 "$E invalid argument '=1' for -v: empty key" "-v =1" -- "$GR" -v =1 in.yaml
fails 2 "$E invalid argument 'a=1,=2' for -v: empty key" "-v a=1,=2" -- "$GR" -v a=1,=2 in.yaml

# aliases in --values: to a scalar it is that scalar
printf 'a: &x v1\nTAG: *x\n' >alias.yaml
expect_exit 0 "$GR" --values alias.yaml in.yaml
expect_eq "$OUT" 'a: "v1"' "--values: an alias to a scalar is its value"
printf 'k: &k TAG\n*k: v2\n' >aliaskey.yaml
expect_exit 0 "$GR" --values aliaskey.yaml in.yaml
expect_eq "$OUT" 'a: "v2"' "--values: an alias as a key"
printf '&r {a: 1, TAG: *r}\n' >aliasmap.yaml
fails 8 "$E aliasmap.yaml:1:16: the value of 'TAG' is not a string, number or boolean" \
	"--values: an alias to a mapping" -- "$GR" --values aliasmap.yaml in.yaml

# an empty --kyml stream
: >empty.yaml
printf '# only a comment\n---\n' >comments.yaml
for f in empty.yaml comments.yaml; do
	expect_exit 0 "$GR" --kyml "$f"
	expect_eq "$OUT$ERR" "" "--kyml $f: nothing out, nothing said"
	expect_exit 0 "$GR" --kyml --check "$f"
done
expect_exit 0 bash -c "'$GR' --kyml </dev/null"
finish
