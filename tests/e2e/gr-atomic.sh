#!/usr/bin/env bash
# gr-atomic: gitops-render's -o and --in-place write a temporary file next
# to the target and rename it: on success the target has the new content
# and keeps its mode; on any failure (a render error, --strict with a
# warning, one of several --in-place files failing) the old file and its
# mode are untouched and no temporary file is left. A symlink's target is
# replaced, the link kept. A target that is not a regular file (a pipe, a
# device, /dev/stdout, a link to /proc/self/fd/1) is written directly,
# never renamed over.
. "$(dirname "$0")/lib.sh"

GR=${GITOPS_RENDER:?GITOPS_RENDER is not set}
D=$WORK/dir
mkdir -p "$D"
cd "$D" || exit 1

mode() {
	stat -c %a "$1"
}

# temporaries are hidden files beside the target (.NAME.XXXXXX)
no_temps() {
	local left
	left=$(find "$D" -name '.*' -type f | wc -l)
	expect_eq "$left" 0 "$1: no temporary file left"
}

printf 'kind: ConfigMap\ndata:\n  tag: "{{.TAG}}"\n' >in.yaml
printf 'old content\n' >out.yaml
chmod 640 out.yaml

expect_exit 0 "$GR" -v TAG=v2 -o out.yaml in.yaml
expect_eq "$(cat out.yaml)" "$(printf 'kind: ConfigMap\ndata:\n  tag: "v2"')" \
	"-o writes the render"
expect_eq "$(mode out.yaml)" 640 "-o keeps the file mode"
expect_eq "$OUT" "" "-o writes nothing on stdout"
no_temps "-o success"

printf 'old content\n' >out.yaml
chmod 604 out.yaml
expect_exit 8 "$GR" -o out.yaml in.yaml
expect_eq "$(cat out.yaml)" "old content" "a failing render leaves the old file"
expect_eq "$(mode out.yaml)" 604 "and its mode"
expect_contains "$ERR" "in.yaml:3:9: no value for 'TAG'" "the error names key and place"
no_temps "failed render"

printf 'v: |\n  n: {{.TAG}}\n' >warn.yaml
expect_exit 9 "$GR" --strict -v TAG=12345 -o out.yaml warn.yaml
expect_eq "$(cat out.yaml)" "old content" "--strict with a warning writes nothing"
no_temps "--strict"
expect_exit 0 "$GR" -v TAG=12345 -o out.yaml warn.yaml
expect_contains "$ERR" "warning:" "without --strict the warning is printed"
expect_eq "$(cat out.yaml)" "$(printf 'v: |\n  n: 12345')" "and the file written"

rm -f new.yaml
(umask 027 && "$GR" -v TAG=v3 -o new.yaml in.yaml)
expect_eq "$(mode new.yaml)" 640 "a new file gets the umask's mode"

# --in-place: all or nothing
printf 'a: "{{.TAG}}"\n' >one.yaml
printf 'b: "{{.TAG}}-{{.OTHER}}"\n' >two.yaml
chmod 600 one.yaml
chmod 644 two.yaml
expect_exit 8 "$GR" -v TAG=t --in-place one.yaml two.yaml
expect_eq "$(cat one.yaml)" 'a: "{{.TAG}}"' "--in-place: the good file is untouched when another fails"
expect_eq "$(cat two.yaml)" 'b: "{{.TAG}}-{{.OTHER}}"' "--in-place: the failing file is untouched"
no_temps "--in-place failure"
expect_exit 0 "$GR" -v TAG=t -v OTHER=o -i one.yaml two.yaml
expect_eq "$(cat one.yaml)" 'a: "t"' "--in-place renders each file into itself"
expect_eq "$(cat two.yaml)" 'b: "t-o"' "--in-place, second file"
expect_eq "$(mode one.yaml):$(mode two.yaml)" "600:644" "--in-place keeps each mode"
no_temps "--in-place success"

# a symlink's target is replaced, the link stays
mkdir -p real
printf 'old\n' >real/target.yaml
ln -sf real/target.yaml link.yaml
expect_exit 0 "$GR" -v TAG=s -o link.yaml in.yaml
expect_true "the link is still a link" test -L link.yaml
expect_contains "$(cat real/target.yaml)" 'tag: "s"' "the link's target is rendered"

# -o onto its own input: read first, replaced at the end
printf 'x: "{{.TAG}}"\n' >self.yaml
expect_exit 0 "$GR" -v TAG=me -o self.yaml self.yaml
expect_eq "$(cat self.yaml)" 'x: "me"' "-o onto the input itself"
no_temps "-o onto the input"

# usage and unwritable places
expect_exit 2 "$GR" -o x.yaml --in-place in.yaml
expect_exit 2 "$GR" --in-place
expect_exit 2 "$GR" --in-place -
expect_exit 1 "$GR" -v TAG=v -o "$D/no/such/dir/out.yaml" in.yaml
expect_contains "$ERR" "cannot create a temporary file" "an unwritable place is a runtime failure"
no_temps "unwritable"
expect_exit 1 "$GR" -v TAG=v -o "$D" in.yaml
expect_contains "$ERR" "cannot write '$D': Is a directory" "a directory as output is refused"

# non-regular targets: written directly, never replaced by a plain file
expect_exit 0 "$GR" -v TAG=dev -o /dev/stdout in.yaml
expect_contains "$OUT" 'tag: "dev"' "-o /dev/stdout writes to stdout"
expect_true "/dev/stdout is still a link" test -L /dev/stdout
ln -sf /proc/self/fd/1 fd1
expect_exit 0 "$GR" -v TAG=fd -o fd1 in.yaml
expect_contains "$OUT" 'tag: "fd"' "-o onto a link to /proc/self/fd/1 writes to stdout"
expect_true "the link to fd 1 is still a link" test -L fd1
mkfifo pipe
cat pipe >from-pipe &
reader=$!
expect_exit 0 "$GR" -v TAG=pipe -o pipe in.yaml
wait "$reader"
expect_contains "$(cat from-pipe)" 'tag: "pipe"' "-o onto a FIFO feeds its reader"
expect_true "the FIFO is still a FIFO" test -p pipe
got=$("$GR" -v TAG=sub -o >(cat) in.yaml; echo "rc=$?")
expect_contains "$got" "rc=0" "-o >(cat) succeeds"
expect_exit 0 "$GR" -v TAG=null -o /dev/null in.yaml
expect_true "/dev/null is still a device" test -c /dev/null
if [ -w /dev/full ]; then
	expect_exit 1 "$GR" -v TAG=full -o /dev/full in.yaml
	expect_contains "$ERR" "cannot write '/dev/full': No space left on device" \
		"a full device is a runtime failure naming it"
	expect_true "/dev/full is still a device" test -c /dev/full
fi
no_temps "non-regular targets"
finish
