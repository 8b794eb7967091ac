#!/usr/bin/env bash
# gr-kyml: gitops-render on the research fixtures (../shared/research/
# fixtures, read in place; skipped when absent): kyml's expected renders
# byte for byte with --kyml (the tutorial's production.yaml,
# production-rollouts.yaml and preview.yaml, kyml's own tmpl test), every
# fixtures/cases case with kyml's behaviour and ours, the layout-preserving
# render of the tutorial's files (only the placeholder spans change), and
# the properties: a file without placeholders renders to itself byte for
# byte, and rendering twice is stable.
. "$(dirname "$0")/lib.sh"

GR=${GITOPS_RENDER:?GITOPS_RENDER is not set}
F=${GR_SHARED:-$E2E_DIR/../../../shared/research}/fixtures
[ -d "$F" ] || skip "the research fixtures ($F) are absent"
cd "$WORK" || exit 1

# same FILE WANT MSG
same() {
	if cmp -s "$1" "$2"; then
		e2e_ok "$3"
	else
		e2e_fail "$3" "$(diff -u "$2" "$1" | head -30)"
	fi
}

# ---- kyml's expected renders, byte for byte
expect_exit 0 "$GR" --kyml -v IMAGE_TAG=ef19bd2 "$F/devops-toolkit_production.yaml"
same "$WORK/out" "$F/expected_render_production_IMAGE_TAG-ef19bd2.yaml" \
	"--kyml production.yaml equals kyml's render"
IMAGE_TAG=ef19bd2 "$GR" --kyml -e IMAGE_TAG <"$F/devops-toolkit_production.yaml" >prod.out 2>prod.err
same prod.out "$F/expected_render_production_IMAGE_TAG-ef19bd2.yaml" \
	"the tutorial's pipe (stdin, -e IMAGE_TAG) gives the same bytes"
expect_exit 0 "$GR" --kyml -v IMAGE_TAG=ef19bd2 "$F/devops-toolkit_orig_production-rollouts.yaml"
same "$WORK/out" "$F/expected_render_production-rollouts_IMAGE_TAG-ef19bd2.yaml" \
	"--kyml production-rollouts.yaml equals kyml's render"
expect_exit 0 "$GR" --kyml -v APP_ID=pr-devops-toolkit-2 -v IMAGE_TAG=ef19bd2 "$F/devops-toolkit_preview.yaml"
same "$WORK/out" "$F/expected_render_preview_APP_ID-pr-devops-toolkit-2_IMAGE_TAG-ef19bd2.yaml" \
	"--kyml preview.yaml equals kyml's render"
SECRET=\''123_"_' "$GR" --kyml -v branch=my-feature -v tag=latest -e SECRET \
	<"$F/kyml_tmpl_test_input.yaml" >kt.out 2>kt.err
same kt.out "$F/kyml_tmpl_test_expected_branch-my-feature_tag-latest_SECRET.yaml" \
	"kyml's tmpl test 'success' (a secret with quotes)"
expect_exit 8 "$GR" --kyml -v tag=latest "$F/kyml_tmpl_test_input.yaml"
expect_eq "$OUT" "" "kyml's tmpl test 'missing value': no output"
expect_contains "$ERR" "kyml_tmpl_test_input.yaml:7:14: no value for 'branch'" \
	"the missing key and where it is used"
printf 'label: {{.branch\nimage: hello:{{.tag}}\n' >invalid.yaml
expect_exit 8 "$GR" --kyml -v branch=b -v tag=t invalid.yaml
expect_eq "$OUT" "" "kyml's tmpl test 'invalid template': no output"
expect_exit 0 "$GR" --kyml "$F/kyml-output_real_commit_1c4f344.yaml"
same "$WORK/out" "$F/kyml-output_real_commit_1c4f344.yaml" \
	"real kyml output is already canonical"

# ---- fixtures/cases: kyml's behaviour (--kyml) and ours (default)
C=$F/cases
expect_exit 8 "$GR" --kyml -v IMAGE_TAG=x "$C/err_missing_kind.yaml"
expect_contains "$ERR" "err_missing_kind.yaml:1:1: this document has no 'kind'" \
	"missing kind: kyml's error"
expect_exit 0 "$GR" -v IMAGE_TAG=x "$C/err_missing_kind.yaml"
expect_contains "$OUT" 'tag: "x"' "missing kind: ours renders any YAML"
for m in --kyml --allow-empty; do
	expect_exit 8 "$GR" $m -v IMAGE_TAG=x "$C/err_template_parse_in_string.yaml"
	expect_contains "$ERR" "err_template_parse_in_string.yaml:6:9: unclosed action" \
		"unclosed action in a string ($m)"
	expect_exit 8 "$GR" $m -v branch=b -v tag=t "$C/err_unclosed_action.yaml"
	expect_contains "$ERR" "err_unclosed_action.yaml:1:8: '{{.branch' starts an unquoted value" \
		"unclosed action as an unquoted value ($m)"
	expect_exit 8 "$GR" $m -v IMAGE_TAG=x "$C/err_unquoted_whole_scalar_placeholder.yaml"
	expect_contains "$ERR" 'err_unquoted_whole_scalar_placeholder.yaml:6:8: '"'"'{{.IMAGE_TAG}}'"'"' starts an unquoted value, which YAML reads as a flow mapping: quote it ("{{.IMAGE_TAG}}")' \
		"unquoted whole-scalar placeholder: quote it ($m)"
done
expect_exit 0 "$GR" --kyml "$C/ok_multidoc_dedupe_sort.yaml"
same "$WORK/out" "$C/ok_multidoc_dedupe_sort.expected_PROJECT-unused.yaml" \
	"dedupe and sort: kyml's output, PROJECT never evaluated"
expect_exit 8 "$GR" "$C/ok_multidoc_dedupe_sort.yaml"
expect_contains "$ERR" "ok_multidoc_dedupe_sort.yaml:7:13: no value for 'PROJECT'" \
	"dedupe and sort: ours renders every document, so PROJECT is needed"
expect_exit 0 "$GR" -v PROJECT=p "$C/ok_multidoc_dedupe_sort.yaml"
sed 's/{{.PROJECT}}/p/' "$C/ok_multidoc_dedupe_sort.yaml" >dd.want
same "$WORK/out" dd.want "dedupe and sort: ours keeps every document as written"
expect_exit 0 "$GR" --kyml -v IMAGE_TAG=ef19bd2 "$C/ok_non_string_values_untouched.yaml"
same "$WORK/out" "$C/ok_non_string_values_untouched.expected_IMAGE_TAG-ef19bd2.yaml" \
	"non-string values untouched: kyml's output"
expect_contains "$ERR" "warning:" "a key with {{ is a warning with --kyml"
expect_exit 8 "$GR" -v IMAGE_TAG=ef19bd2 "$C/ok_non_string_values_untouched.yaml"
expect_contains "$ERR" "ok_non_string_values_untouched.yaml:6:6: '{{' in a key" \
	"non-string values untouched: ours refuses {{ left in a key"

# ---- the tutorial's files, layout-preserving: only the placeholders change
for f in devops-toolkit_production.yaml devops-toolkit_orig_production-rollouts.yaml \
	devops-toolkit_preview.yaml; do
	expect_exit 0 "$GR" -v IMAGE_TAG=ef19bd2 -v APP_ID=pr-devops-toolkit-2 "$F/$f"
	sed -e 's/{{\.IMAGE_TAG}}/ef19bd2/g' -e 's/{{\.APP_ID}}/pr-devops-toolkit-2/g' "$F/$f" >want
	same "$WORK/out" want "$f: byte for byte but the placeholder spans"
	cp "$WORK/out" once
	"$GR" once >twice 2>/dev/null
	same twice once "$f: rendering twice is stable"
	"$GR" --kyml -v IMAGE_TAG=ef19bd2 -v APP_ID=a "$F/$f" >k1 2>/dev/null
	"$GR" --kyml k1 >k2 2>/dev/null
	same k2 k1 "$f: --kyml twice is stable"
done
expect_exit 8 "$GR" -e GR_E2E_SURELY_UNSET_TAG "$F/devops-toolkit_production.yaml"
expect_exit 8 env -u IMAGE_TAG "$GR" -e IMAGE_TAG "$F/devops-toolkit_production.yaml"
expect_contains "$ERR" "devops-toolkit_production.yaml:18:16: 'IMAGE_TAG' has no value: environment variable IMAGE_TAG is not set" \
	"the tutorial's unset IMAGE_TAG is an error naming key and place"
expect_eq "$OUT" "" "nothing rendered with IMAGE_TAG unset"
expect_exit 0 env -u IMAGE_TAG "$GR" -e IMAGE_TAG --allow-empty "$F/devops-toolkit_production.yaml"
expect_contains "$OUT" "tag: 
" "--allow-empty restores kyml's empty tag"
expect_exit 0 "$GR" -v IMAGE_TAG=1234567 "$F/devops-toolkit_production.yaml"
expect_contains "$ERR" "devops-toolkit_production.yaml:18:16: the value of 'IMAGE_TAG' ('1234567') makes 'tag' read back as an integer" \
	"an all-digit short SHA in Helm values is a warning"
expect_exit 9 "$GR" --strict -v IMAGE_TAG=1234567 "$F/devops-toolkit_production.yaml"
expect_exit 8 "$GR" "$F/rendered_devops-toolkit_chart_production-rollouts_values.yaml"
expect_contains "$ERR" "unsupported template action 'args'" \
	"Argo Rollouts' {{args...}} must be escaped"

# ---- property: no placeholders, output equals input byte for byte
n=0
for f in "$F"/*.yaml; do
	grep -qF '{{' "$f" && continue
	"$GR" "$f" >same.out 2>same.err
	rc=$?
	if [ $rc = 0 ] && cmp -s same.out "$f"; then
		n=$((n + 1))
	else
		e2e_fail "$(basename "$f") without placeholders renders to itself" \
			"exit $rc" "$(head -c 500 same.err)"
	fi
done
expect_ne "$n" 0 "$n files without placeholders render to themselves byte for byte"
finish
