/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/template.c: values, the template subset, in-place
 * substitution and its positions, trims, defaults, escapes, errors with
 * FILE:LINE:COL, type warnings, kyml mode and the lints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "buf.h"
#include "template.h"
#include "yaml-emit.h"

/* Diagnostics of one render: "E|W|F place: msg" lines. */
static struct buf diags = BUF_INIT;

static void
on_diag(void *arg, const struct tmpl_diag *d)
{
	(void)arg;
	const char *k = d->severity == TMPL_ERROR     ? "E"
			: d->severity == TMPL_WARNING ? "W"
						      : "F";
	if (d->file && d->line && d->col) {
		buf_addf(&diags, "%s %s:%ld:%ld: %s\n", k, d->file, d->line,
			 d->col, d->msg);
	} else if (d->file && d->line) {
		buf_addf(&diags, "%s %s:%ld: %s\n", k, d->file, d->line,
			 d->msg);
	} else {
		buf_addf(&diags, "%s %s\n", k, d->msg);
	}
}

static int
to_buf(void *arg, const void *p, size_t n)
{
	return buf_add(arg, p, n);
}

static int last_rc;

/* Render in (named f.yaml) and return the output (static buffer). */
static const char *
render(const char *in, const struct tmpl_values *v, unsigned flags)
{
	static struct buf out = BUF_INIT;
	buf_reset(&out);
	buf_reset(&diags);
	struct tmpl_opts o = { 0 };
	o.flags = flags;
	o.diag = on_diag;
	o.write = to_buf;
	o.write_arg = &out;
	struct tmpl_render *r = tmpl_render_new(v, &o);
	struct pd_err e = { 0 };
	last_rc = tmpl_render_mem(r, in, strlen(in), "f.yaml", &e);
	if (last_rc == 0) {
		last_rc = tmpl_render_finish(r, &e);
	}
	tmpl_render_free(r);
	return out.buf;
}

/* tmpl_expand of s: the result, or "ERR@offset: message". */
static const char *
expand(const char *s, const struct tmpl_values *v, unsigned flags)
{
	static struct buf out = BUF_INIT;
	struct pd_err e = { 0 };
	size_t at = 0;
	buf_reset(&out);
	if (tmpl_expand(s, strlen(s), v, flags, &out, &at, &e) < 0) {
		buf_reset(&out);
		buf_addf(&out, "ERR@%zu: %s", at, e.msg);
	}
	return out.buf;
}

static int
has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

static void
test_values(void)
{
	struct tmpl_values *v = tmpl_values_new();
	struct pd_err e = { 0 };
	int origin = 0;

	ok(tmpl_values_add_arg(v, "a=1", &e) == 0, "-v a=1");
	is_str(tmpl_values_get(v, "a", &origin), "1", "a is 1");
	is_int(origin, TMPL_FROM_ARG, "a came from -v");
	ok(tmpl_values_add_arg(v, "b=x,y", &e) == 0, "-v b=x,y (one '=')");
	is_str(tmpl_values_get(v, "b", NULL), "x,y", "one '=' keeps commas");
	ok(tmpl_values_add_arg(v, "c=1,d=2", &e) == 0, "-v c=1,d=2 (csv)");
	is_str(tmpl_values_get(v, "c", NULL), "1", "csv pair c");
	is_str(tmpl_values_get(v, "d", NULL), "2", "csv pair d");
	ok(tmpl_values_add_arg(v, "\"q=1\"", &e) == 0, "-v \"q=1\"");
	is_str(tmpl_values_get(v, "q", NULL), "1",
	       "surrounding quotes trimmed");
	ok(tmpl_values_add_arg(v, "\"u=a,b=c\",w=2", &e) == 0,
	   "csv quoted field");
	is_str(tmpl_values_get(v, "u", NULL), "a,b=c", "csv quoted value");
	ok(tmpl_values_add_arg(v, "novalue", &e) < 0 && e.code == PD_EUSAGE,
	   "no '=' is a usage error");
	ok(has(e.msg, "must be formatted as key=value"), "pflag's message");
	ok(tmpl_values_add_arg(v, "x=a\"b,y=2", &e) < 0,
	   "bare quote in a csv field");

	/* precedence: file < arg < env, whatever the order */
	tmpl_values_set(v, "P", "env", TMPL_FROM_ENV);
	tmpl_values_set(v, "P", "arg", TMPL_FROM_ARG);
	tmpl_values_set(v, "P", "file", TMPL_FROM_FILE);
	is_str(tmpl_values_get(v, "P", &origin), "env", "-e wins over -v");
	is_int(origin, TMPL_FROM_ENV, "origin env");
	tmpl_values_set(v, "Q", "file", TMPL_FROM_FILE);
	tmpl_values_set(v, "Q", "arg", TMPL_FROM_ARG);
	is_str(tmpl_values_get(v, "Q", NULL), "arg", "-v wins over --values");
	tmpl_values_set(v, "Q", "arg2", TMPL_FROM_ARG);
	is_str(tmpl_values_get(v, "Q", NULL), "arg2", "the later -v wins");

	const char *vf = "TAG: 0123\nON: yes\nNULLED: ~\nQ2: '7'\n";
	ok(tmpl_values_load(v, vf, strlen(vf), "v.yaml", &e) == 0,
	   "--values file");
	is_str(tmpl_values_get(v, "TAG", NULL), "0123", "values keep the text");
	is_str(tmpl_values_get(v, "ON", NULL), "yes", "yes stays yes");
	ok(tmpl_values_get(v, "NULLED", &origin) == NULL && origin != 0,
	   "null is unset");
	const char *bad = "A:\n  nested: 1\n";
	ok(tmpl_values_load(v, bad, strlen(bad), "v.yaml", &e) < 0 &&
	       e.code == PD_EINVALID,
	   "nested values are refused");
	is_str(e.msg,
	       "v.yaml:2:3: the value of 'A' is not a string, number "
	       "or boolean",
	       "values error names FILE:LINE:COL");
	const char *seq = "- a\n";
	ok(tmpl_values_load(v, seq, strlen(seq), "v.yaml", &e) < 0,
	   "a sequence is not a values file");
	ok(tmpl_values_add_env(v, "", &e) < 0, "-e needs a name");
	tmpl_values_free(v);
}

static void
test_expand(void)
{
	struct tmpl_values *v = tmpl_values_new();
	tmpl_values_set(v, "T", "ef19bd2", TMPL_FROM_ARG);
	tmpl_values_set(v, "E", "", TMPL_FROM_ARG);
	tmpl_values_set(v, "U", NULL, TMPL_FROM_ENV);
	tmpl_values_set(v, "S", "s3cr3t", TMPL_FROM_ENV);

	is_str(expand("{{.T}}", v, 0), "ef19bd2", "{{.T}}");
	is_str(expand("{{ .T }}", v, 0), "ef19bd2", "{{ .T }}");
	is_str(expand("a:{{.T}}:b", v, 0), "a:ef19bd2:b", "embedded");
	is_str(expand("a  {{- .T}}", v, 0), "aef19bd2", "left trim");
	is_str(expand("{{.T -}}  \n b", v, 0), "ef19bd2b", "right trim");
	is_str(expand("x \n {{- .T -}} \n y", v, 0), "xef19bd2y", "both trims");
	is_str(expand("a {{-.T}}", v, 0)[0] == 'E' ? "err" : "ok", "err",
	       "{{-.T}} is not a trim marker");
	is_str(expand("{{ .M | default \"x\" }}", v, 0), "x",
	       "default for a missing key");
	is_str(expand("{{ .E | default \"x\" }}", v, 0), "x",
	       "default for an empty value");
	is_str(expand("{{ .U | default `raw` }}", v, 0), "raw",
	       "default for an unset -e, raw string");
	is_str(expand("{{ .T | default \"x\" }}", v, 0), "ef19bd2",
	       "default not used when set");
	is_str(expand("{{\"{{\"}}x}}", v, 0), "{{x}}", "the {{\"{{\"}} escape");
	is_str(expand("{{`{{`}}", v, 0), "{{", "raw string escape");
	is_str(expand("a{{/* note */}}b", v, 0), "ab", "comment");
	is_str(expand("a {{- /* c */ -}} b", v, 0), "ab", "comment with trims");
	is_str(expand("{{\"\\u00e9\\x41\\n\"}}", v, 0),
	       "\xc3\xa9"
	       "A\n",
	       "Go string escapes");
	is_str(expand("no actions { } }}", v, 0), "no actions { } }}",
	       "text without actions");
	is_str(expand("{{ if .T }}x{{ end }}", v, 0),
	       "ERR@0: unsupported template action 'if': only {{.KEY}}, "
	       "{{.KEY | default \"x\"}} and {{\"{{\"}} are supported",
	       "if is refused");
	ok(has(expand("a {{ printf \"%s\" .T }}", v, 0), "ERR@2: unsupported "
							 "template action "
							 "'printf'"),
	   "printf is refused at its offset");
	is_str(expand("{{.T", v, 0), "ERR@0: unclosed action", "unclosed");
	is_str(expand("x {{ .T ", v, 0), "ERR@2: unclosed action",
	       "unclosed after spaces");
	ok(has(expand("{{.A.B}}", v, 0), "nested field '.A.B'"),
	   "nested fields refused");
	ok(has(expand("{{ .T | upper }}", v, 0),
	       "unsupported function 'upper'"),
	   "other functions refused");
	ok(has(expand("{{ .T | default .E }}", v, 0), "default takes a quoted"),
	   "default needs a string");
	ok(has(expand("{{ . }}", v, 0), "whole value map"), "{{.}} refused");
	ok(has(expand("{{ }}", v, 0), "missing value for command"),
	   "empty action");
	ok(has(expand("{{ \"abc }}", v, 0), "unclosed action") ||
	       has(expand("{{ \"abc }}", v, 0), "unterminated"),
	   "unterminated string");
	is_str(expand("{{.M}}", v, 0),
	       "ERR@0: no value for 'M' (give it with -v, -e or --values, or "
	       "write {{ .M | default \"...\" }})",
	       "a missing key names the key");
	ok(has(expand("{{.U}}", v, 0), "environment variable U is not set"),
	   "unset -e is an error");
	ok(!has(expand("{{.U}}", v, 0), "s3cr3t"), "no value printed");
	ok(has(expand("{{.E}}", v, 0), "'E' is empty"), "empty is an error");
	is_str(expand("[{{.U}}][{{.E}}]", v, TMPL_ALLOW_EMPTY), "[][]",
	       "--allow-empty renders them empty");
	tmpl_values_set(v, "BR", "{{x}}", TMPL_FROM_ARG);
	ok(has(expand("{{.BR}}", v, 0), "contains '{{'"),
	   "a value holding {{ is refused");
	tmpl_values_free(v);
}

static void
test_layout(void)
{
	struct tmpl_values *v = tmpl_values_new();
	tmpl_values_set(v, "TAG", "ef19bd2", TMPL_FROM_ARG);
	tmpl_values_set(v, "N", "1234567", TMPL_FROM_ARG);
	tmpl_values_set(v, "Q", "it's \"x\"", TMPL_FROM_ARG);
	tmpl_values_set(v, "ML", "l1\nl2", TMPL_FROM_ARG);
	tmpl_values_set(v, "SEC", "9999", TMPL_FROM_ENV);

	const char *in = "# keep me\nb: 2\na: \"{{.TAG}}\"  # after\n";
	is_str(render(in, v, 0), "# keep me\nb: 2\na: \"ef19bd2\"  # after\n",
	       "comments, order and quoting kept");
	const char *none = "z: 1\n# c\n---\n- [a, {b: c}]\n...\n";
	is_str(render(none, v, 0), none, "no placeholders: input unchanged");
	is_str(render("a: x-{{.TAG}}\n", v, 0), "a: x-ef19bd2\n", "plain");
	is_str(render("a: 'v {{.Q}}'\n", v, 0), "a: 'v it''s \"x\"'\n",
	       "single quotes doubled");
	is_str(render("a: \"v {{.Q}}\"\n", v, 0), "a: \"v it's \\\"x\\\"\"\n",
	       "double quotes escaped");
	is_str(render("a: \"{{.ML}}\"\n", v, 0), "a: \"l1\\nl2\"\n",
	       "line break escaped in double quotes");
	tmpl_values_set(v, "SP", " x ", TMPL_FROM_ARG);
	is_str(render("a: \"m\n  {{.SP}}\n  n\"\n", v, 0),
	       "a: \"m\n  \\x20x\\x20\n  n\"\n",
	       "blanks at a line's edges escaped in double quotes");
	is_str(render("a: |\n  x: {{.ML}}\n  y\n", v, 0),
	       "a: |\n  x: l1\n  l2\n  y\n", "line break indented in a block");
	is_str(render("a: |\n  {{.TAG}}\n", v, 0), "a: |\n  ef19bd2\n",
	       "block scalar");
	is_str(render("a: >\n  f {{.TAG}}\n  g\n", v, 0),
	       "a: >\n  f ef19bd2\n  g\n", "folded block");
	is_str(render("a: [\"{{.TAG}}\", 1]\nb: {c: 'd{{.TAG}}'}\n", v, 0),
	       "a: [\"ef19bd2\", 1]\nb: {c: 'def19bd2'}\n", "flow collections");
	is_str(render("a: \"x  {{- .TAG -}}  y\"\n", v, 0),
	       "a: \"xef19bd2y\"\n", "trims on one line");
	is_str(render("a: |\n  x\n  {{- .TAG }}\n  y\n", v, 0),
	       "a: |\n  xef19bd2\n  y\n", "a trim that joins lines");
	is_str(render("a: '{{ .NOPE | default \"d\" }}'\n", v, 0), "a: 'd'\n",
	       "default");
	is_str(render("a: 'x {{\"{{\"}} y'\n", v, 0), "a: 'x {{ y'\n",
	       "escaped {{ may stay");
	is_str(render("a: &anc \"{{.TAG}}\"\nb: *anc\n", v, 0),
	       "a: &anc \"ef19bd2\"\nb: *anc\n", "anchored scalar");
	is_str(render("a: !!str v{{.TAG}}\n", v, 0), "a: !!str vef19bd2\n",
	       "tagged string");
	is_str(
	    render(
		"k: \"h\xc3\xa9\xe2\x80\x94{{.TAG}}\"\nl: \xc3\xbc-{{.TAG}}\n",
		v, 0),
	    "k: \"h\xc3\xa9\xe2\x80\x94"
	    "ef19bd2\"\nl: \xc3\xbc-ef19bd2\n",
	    "UTF-8 before placeholders");
	is_str(render("\xef\xbb\xbf"
		      "a: \"{{.TAG}}\"\n",
		      v, 0),
	       "\xef\xbb\xbf"
	       "a: \"ef19bd2\"\n",
	       "a byte order mark is kept");
	is_str(render("a: \"{{.TAG}}\"\r\nb: c\r\n", v, 0),
	       "a: \"ef19bd2\"\r\nb: c\r\n", "CRLF kept");
	is_str(render("a: \"{{.TAG}}\"\n---\nb: x{{.TAG}}\n", v, 0),
	       "a: \"ef19bd2\"\n---\nb: xef19bd2\n", "several documents");

	/* errors, with their places */
	render("a: 1\nb: x{{.MISSING}}\n", v, 0);
	is_int(last_rc, -PD_EINVALID, "missing value fails");
	ok(has(diags.buf, "E f.yaml:2:5: no value for 'MISSING'"),
	   "missing value at FILE:LINE:COL");
	render("a:\n  tag: {{.TAG}}\n", v, 0);
	ok(has(diags.buf, "E f.yaml:2:8: '{{.TAG}}' starts an unquoted value, "
			  "which YAML reads as a flow mapping: quote it "
			  "(\"{{.TAG}}\")"),
	   "unquoted whole-scalar placeholder: quote it");
	render("a: x\nb: \"{{ if .TAG }}y{{ end }}\"\n", v, 0);
	ok(has(diags.buf, "E f.yaml:2:5: unsupported template action 'if'"),
	   "other actions name their place");
	render("\"{{.TAG}}\": v\n", v, 0);
	ok(has(diags.buf, "E f.yaml:1:2: '{{' in a key"),
	   "a key is not templated");
	render("a: 1 # {{.TAG}}\n", v, 0);
	ok(has(diags.buf, "E f.yaml:1:8: '{{' in a comment"),
	   "{{ in a comment is an error");
	render("a: x-{{.Q}}: y\n", v, 0);
	render("a: x{{.ML}}\n", v, 0);
	ok(has(diags.buf, "E f.yaml:1:5: the value of 'ML' changes the YAML"),
	   "a line break in a plain scalar is refused");
	tmpl_values_set(v, "COLON", "a: b", TMPL_FROM_ARG);
	is_str(render("a: x-{{.COLON}}\n", v, 0), "",
	       "nothing written after an error");
	ok(has(diags.buf, "quote the scalar: \"x-{{.COLON}}\""),
	   "a ': ' in a plain scalar: quote it");
	render("a: 'x{{.ML}}'\n", v, 0);
	ok(has(diags.buf, "single-quoted"), "a line break in single quotes");
	render("a: |\n  tag: {{.ML}}\n", v, 0);
	ok(has(diags.buf, "breaks the YAML inside this block scalar"),
	   "breaking Helm values is an error");

	/* type changes */
	render("v: |\n  image:\n    tag: {{.N}}\n", v, 0);
	is_int(last_rc, 0, "a type change is a warning, not an error");
	ok(has(diags.buf, "W f.yaml:3:10: the value of 'N' ('1234567') makes "
			  "'tag' read back as an integer"),
	   "Helm values: number warning at the placeholder");
	ok(has(diags.buf, "quote it (tag: \"{{.N}}\")"), "says how to quote");
	render("v: |\n  image: {tag: {{.N}}}\n", v, 0);
	ok(has(diags.buf, "W f.yaml:2:16:") && has(diags.buf, "an integer"),
	   "found through a full parse in a flow map");
	render("v: |\n  tag: \"{{.N}}\"\n", v, 0);
	is_str(diags.buf, "", "quoted inside the block: no warning");
	render("port: 80{{.N}}\n", v, 0);
	ok(has(diags.buf,
	       "W f.yaml:1:7: with the value of 'N' ('1234567') this "
	       "unquoted scalar reads back as an integer"),
	   "unquoted manifest value turned number");
	render("v: |\n  n: {{.SEC}}\n", v, 0);
	ok(has(diags.buf, "'SEC' (from the environment)") &&
	       !has(diags.buf, "9999"),
	   "secret values are never printed");
	tmpl_values_set(v, "B", "yes", TMPL_FROM_ARG);
	render("v: |\n  flag: {{.B}}\n", v, 0);
	ok(has(diags.buf, "a boolean"), "boolean warning");
	render("v: |\n  x: {{.E | default \"\"}}\n", v, 0);
	ok(has(diags.buf, "null"), "null warning");
	render("s: |\n  #!/bin/sh\n  sleep {{.N}}\n", v, 0);
	is_str(diags.buf, "", "a script block gives no warning");
	tmpl_values_free(v);
}

static void
test_kyml(void)
{
	struct tmpl_values *v = tmpl_values_new();
	tmpl_values_set(v, "TAG", "ef19bd2", TMPL_FROM_ARG);
	tmpl_values_set(v, "N", "3", TMPL_FROM_ARG);

	const char *in = "kind: ConfigMap\napiVersion: v1\nmetadata:\n"
			 "  name: x\ndata:\n  b: \"{{.TAG}}\"\n  a: '{{.N}}'\n"
			 "  list:\n    - 1.0\n    - yes\n    - null\n";
	is_str(render(in, v, TMPL_KYML),
	       "---\napiVersion: v1\ndata:\n  a: \"3\"\n  b: ef19bd2\n  list:\n"
	       "  - 1\n  - true\n  - null\nkind: ConfigMap\nmetadata:\n  name: "
	       "x\n",
	       "kyml: sorted, ---, quoting, YAML 1.1 types");
	const char *two = "kind: Deployment\napiVersion: apps/v1\nmetadata:\n"
			  "  name: d\n---\nkind: Namespace\napiVersion: v1\n"
			  "metadata:\n  name: ns\n";
	is_str(render(two, v, TMPL_KYML),
	       "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n"
	       "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
	       "  name: d\n",
	       "kyml: Namespace first");
	const char *dup = "kind: A\nmetadata: {name: a}\nspec: '{{.NOPE}}'\n"
			  "---\nkind: B\nmetadata: {name: b}\n---\n"
			  "kind: A\nmetadata: {name: a}\nspec: second\n";
	is_str(render(dup, v, TMPL_KYML),
	       "---\nkind: A\nmetadata:\n  name: a\nspec: second\n---\n"
	       "kind: B\nmetadata:\n  name: b\n",
	       "kyml: dedupe in place, replaced document never evaluated");
	is_int(last_rc, 0, "kyml: no error from the replaced document");
	render("apiVersion: v1\ndata: {}\n", v, TMPL_KYML);
	ok(has(diags.buf, "E f.yaml:1:1: this document has no 'kind'"),
	   "kyml: kind required");
	is_str(render("kind: K\nk10: 1\nk9: 2\nK: 3\n_a: 4\n", v, TMPL_KYML),
	       "---\n_a: 4\nK: 3\nk9: 2\nk10: 1\nkind: K\n",
	       "kyml: go-yaml's key order (numbers within keys)");
	is_str(render("kind: K\nv: \"a\\n\\nb\\n\\n\"\n", v, TMPL_KYML),
	       "---\nkind: K\nv: |+\n  a\n\n  b\n\n...\n",
	       "kyml: keep-chomped block ends the document with ...");
	is_str(render("kind: K\nv: \"a\\n\\n\"\nw: x\n", v, TMPL_KYML),
	       "---\nkind: K\nv: |+\n  a\n\nw: x\n",
	       "kyml: ... only at the end");
	is_str(render("kind: K\nf: 1.5\ng: 1e21\nh: 0.00001\ni: 1234567.5\nj: "
		      "2.5e6\n",
		      v, TMPL_KYML),
	       "---\nf: 1.5\ng: 1e+21\nh: 1e-05\ni: 1.2345675e+06\nj: "
	       "2500000\nkind: K\n",
	       "kyml: Go's float format");
	is_str(render("kind: K\nd: \"2020-01-02\"\no: \"0x1F\"\nb: \"1:20\"\n"
		      "t: \"true\"\ne: \"\"\n",
		      v, TMPL_KYML),
	       "---\nb: \"1:20\"\nd: \"2020-01-02\"\ne: \"\"\nkind: K\no: "
	       "\"0x1F\"\n"
	       "t: \"true\"\n",
	       "kyml: strings that read as other types are double-quoted");
	tmpl_values_free(v);
}

static void
test_helpers(void)
{
	struct buf f = BUF_INIT;
	ok(yaml_emit_plain_is_string("ef19bd2", 7), "ef19bd2 is a string");
	ok(!yaml_emit_plain_is_string("1234567", 7), "1234567 is not");
	ok(!yaml_emit_plain_is_string("1234e56", 7), "1234e56 is a float");
	ok(yaml_emit_plain_is_string("12e4567", 7),
	   "12e4567 overflows: a string");
	ok(!yaml_emit_plain_is_string("n", 1), "n is a boolean (YAML 1.1)");
	ok(!yaml_emit_plain_is_string("2001-12-14", 10),
	   "a date is a timestamp");
	ok(yaml_emit_plain_is_string("2001-13-14", 10),
	   "month 13 is a string");
	ok(!yaml_emit_plain_is_string("1:20", 4), "base 60");
	ok(!yaml_emit_plain_is_string("<<", 2), "merge key");
	ok(!yaml_emit_plain_is_string(".inf", 4), ".inf");
	yaml_emit_number(&f, 1234567.5);
	is_str(f.buf, "1.2345675e+06", "FormatFloat g, large");
	buf_reset(&f);
	yaml_emit_number(&f, 0.0001);
	is_str(f.buf, "0.0001", "FormatFloat g, small");
	buf_reset(&f);
	yaml_emit_number(&f, 100000.5);
	is_str(f.buf, "100000.5", "FormatFloat g, below 1e6");
	buf_release(&f);
}

static void
test_check(void)
{
	struct tmpl_values *v = tmpl_values_new();
	tmpl_values_set(v, "TAG", "latest", TMPL_FROM_ARG);
	const char *app =
	    "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
	    "metadata:\n  name: web\nspec:\n  project: prod\n  source:\n"
	    "    targetRevision: HEAD\n    helm:\n      values: |\n"
	    "        image:\n          tag: \"{{.TAG}}\"\n"
	    "        istio:\n          enabled: true\n"
	    "        rollout:\n          enabled: true\n";
	render(app, v, TMPL_CHECK);
	is_int(last_rc, 0, "findings do not fail");
	ok(has(diags.buf, "F f.yaml:16: Application 'web' enables an Argo "
			  "Rollout with Istio traffic routing"),
	   "rollout without ignoreDifferences");
	ok(has(diags.buf, "F f.yaml:12: image tag 'latest' is mutable"),
	   "latest tag at its line");
	ok(has(diags.buf, "F f.yaml:8: targetRevision 'HEAD' with the mutable "
			  "image tag 'latest'"),
	   "HEAD with a mutable tag");
	struct buf b = BUF_INIT;
	buf_adds(&b, app);
	buf_adds(&b, "  ignoreDifferences:\n  - group: networking.istio.io\n"
		     "    kind: VirtualService\n    jsonPointers:\n"
		     "    - /spec/http\n---\napiVersion: argoproj.io/v1alpha1\n"
		     "kind: AppProject\nmetadata:\n  name: other\n");
	render(b.buf, v, TMPL_CHECK);
	ok(!has(diags.buf, "enables an Argo Rollout"),
	   "covered by ignoreDifferences");
	ok(has(diags.buf, "F f.yaml:6: Application 'web' uses project 'prod', "
			  "which no AppProject in the input defines"),
	   "a project no AppProject defines");
	render("apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
	       "metadata:\n  name: x\nspec: {}\n",
	       v, TMPL_CHECK | TMPL_KYML);
	ok(has(diags.buf, "has no spec.project"), "no project (kyml mode too)");
	tmpl_values_set(v, "N", "topsecret", TMPL_FROM_ENV);
	render("apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
	       "metadata:\n  name: \"{{.N}}\"\nspec: {}\n",
	       v, TMPL_CHECK);
	ok(has(diags.buf, "Application '(from the environment)'") &&
		   !has(diags.buf, "topsecret"),
	   "findings never print a value from the environment");
	buf_release(&b);
	tmpl_values_free(v);
}

/* Issue 10: nesting, duplicate keys, messages, the empty kyml stream. */
static void
test_hardening(void)
{
	struct tmpl_values *v = tmpl_values_new();
	struct pd_err e = { 0 };
	struct buf b = BUF_INIT;
	tmpl_values_set(v, "X", "1", TMPL_FROM_ARG);

	/* the collection stack is reallocated under an open flow sequence */
	buf_adds(&b, "a: ");
	for (int i = 0; i < 40; i++) {
		buf_addch(&b, '[');
	}
	for (int i = 0; i < 40; i++) {
		buf_addch(&b, ']');
	}
	buf_addch(&b, '\n');
	is_str(render(b.buf, v, TMPL_CHECK), b.buf,
	       "40 nested flow sequences render unchanged");
	is_int(last_rc, 0, "40 nested: no error");
	static const unsigned modes[] = { 0, TMPL_KYML, TMPL_CHECK };
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		buf_reset(&b);
		buf_adds(&b, "kind: K\na: ");
		for (int i = 0; i < 9000; i++) {
			buf_addch(&b, '[');
		}
		for (int i = 0; i < 9000; i++) {
			buf_addch(&b, ']');
		}
		buf_addch(&b, '\n');
		is_str(render(b.buf, v, modes[m]), "",
		       "9000 nested (mode %u): no output", modes[m]);
		is_int(last_rc, -PD_EINVALID, "9000 nested (mode %u): invalid",
		       modes[m]);
		is_str(diags.buf,
		       "E f.yaml:2:1003: document nested too deeply\n",
		       "9000 nested (mode %u): one error at the limit",
		       modes[m]);
	}

	/* duplicate keys, as kubectl (and yaml_to_json) refuse them */
	for (size_t m = 0; m < 2; m++) {
		unsigned fl = modes[m];
		render("kind: K\ndup: 1\ndup: 2\n", v, fl);
		is_int(last_rc, -PD_EINVALID, "duplicate key (mode %u)", fl);
		is_str(diags.buf,
		       "E f.yaml:3:1: mapping key \"dup\" already defined at "
		       "line 2\n",
		       "duplicate key (mode %u): place and kubectl's words",
		       fl);
		render("kind: A\n---\nkind: B\nmetadata:\n  name: x\n"
		       "  name: y\n",
		       v, fl);
		is_str(diags.buf,
		       "E f.yaml:6:3: mapping key \"name\" already defined "
		       "at line 5\n",
		       "duplicate key in a second document (mode %u): lines "
		       "of the file",
		       fl);
		render("kind: K\na: {x: 1, \"x\": 2}\n", v, fl);
		is_str(diags.buf,
		       "E f.yaml:2:11: mapping key \"x\" already defined at "
		       "line 2\n",
		       "duplicate key in a flow mapping (mode %u)", fl);
		render("kind: K\nk: &k key\n*k: 1\nkey: 2\n", v, fl);
		is_str(diags.buf,
		       "E f.yaml:4:1: mapping key \"key\" already defined at "
		       "line 3\n",
		       "an alias key is its anchor's text (mode %u)", fl);
		render("kind: K\nb: &m {x: 1}\nc:\n  <<: *m\n  <<: *m\n"
		       "  x: 2\nd: {x: 1}\ne:\n- x: 1\n- x: 2\n",
		       v, fl);
		is_int(last_rc, 0, "merge keys repeat, maps apart (mode %u)",
		       fl);
	}

	/* messages */
	render("{{.X}}: v\n", v, 0);
	is_str(diags.buf,
	       "E f.yaml:1:1: '{{.X}}' is a mapping key: keys are never "
	       "templated, and YAML reads an unquoted '{{' as a flow mapping\n",
	       "an action as a key is called a key");
	render("a:\n  {{.X}}: v\n", v, TMPL_KYML);
	ok(has(diags.buf, "E f.yaml:2:3: '{{.X}}' is a mapping key"),
	   "an action as a nested key (kyml)");
	render("a: {{.X}}\n", v, 0);
	ok(has(diags.buf, "starts an unquoted value"),
	   "an action as a value is still an unquoted value");
	render("a:\n\tb: \"{{.X}}\"\n", v, 0);
	is_str(diags.buf,
	       "E f.yaml:2:1: invalid YAML: found character that cannot start "
	       "any token (while scanning for the next token at line 2); a "
	       "tab cannot indent YAML: indent with spaces\n",
	       "a tab in indentation: a tab hint, not a quoting one");
	render("a: {b: 1}\n\tc: \"{{.X}}\"\n", v, 0);
	ok(has(diags.buf, "a tab cannot indent YAML") &&
	       !has(diags.buf, "quote it"),
	   "a tab after a flow mapping: no quoting hint");
	render("key: value\n\tindented: tab\n", v, 0);
	is_str(diags.buf,
	       "E f.yaml:2:1: invalid YAML: found a tab character that "
	       "violates indentation (while scanning a plain scalar at line "
	       "1)\n",
	       "libyaml's own tab message stands alone");

	/* an empty kyml stream (qsort(NULL, 0) before) */
	is_str(render("", v, TMPL_KYML | TMPL_CHECK), "", "empty kyml stream");
	is_int(last_rc, 0, "empty kyml stream: ok");
	is_str(render("# only a comment\n---\n", v, TMPL_KYML), "",
	       "kyml stream of comments");
	is_int(last_rc, 0, "kyml stream of comments: ok");

	/* values: an empty -v key, aliases, duplicate keys */
	ok(tmpl_values_add_arg(v, "=1", &e) < 0 && e.code == PD_EUSAGE,
	   "-v =1 is a usage error");
	is_str(e.msg, "invalid argument '=1' for -v: empty key",
	       "-v =1: empty key");
	ok(tmpl_values_add_arg(v, "a=1,=2", &e) < 0, "-v a=1,=2: empty key");
	const char *al = "a: &x v1\nTAG: *x\nn: &n ~\nN: *n\nk: &k K\n*k: kv\n";
	ok(tmpl_values_load(v, al, strlen(al), "v.yaml", &e) == 0,
	   "--values: aliases to scalars");
	is_str(tmpl_values_get(v, "TAG", NULL), "v1", "an alias is its scalar");
	int origin = 0;
	ok(tmpl_values_get(v, "N", &origin) == NULL && origin != 0,
	   "an alias to null is unset");
	is_str(tmpl_values_get(v, "K", NULL), "kv", "an alias as a key");
	const char *am = "&r {a: 1, B: *r}\n";
	ok(tmpl_values_load(v, am, strlen(am), "v.yaml", &e) < 0, "--values: "
	   "an alias to a mapping is refused");
	is_str(e.msg,
	       "v.yaml:1:14: the value of 'B' is not a string, number or "
	       "boolean",
	       "an alias to a mapping: the existing message");
	const char *au = "A: *nope\n";
	ok(tmpl_values_load(v, au, strlen(au), "v.yaml", &e) < 0,
	   "--values: an unknown anchor");
	is_str(e.msg, "v.yaml:1:4: unknown anchor 'nope' referenced",
	       "an unknown anchor: yaml_to_json's words");
	const char *vd = "T: 1\nT: 2\n";
	ok(tmpl_values_load(v, vd, strlen(vd), "v.yaml", &e) < 0 &&
	       e.code == PD_EINVALID,
	   "--values: a duplicate key is refused");
	is_str(e.msg, "v.yaml:2:1: mapping key \"T\" already defined at line 1",
	       "--values duplicate key: kubectl's words");
	buf_reset(&b);
	buf_adds(&b, "T: ");
	for (int i = 0; i < 9000; i++) {
		buf_addch(&b, '[');
	}
	ok(tmpl_values_load(v, b.buf, b.len, "v.yaml", &e) < 0 &&
	       e.code == PD_EINVALID,
	   "--values: deep nesting is refused at its first level");
	buf_release(&b);
	tmpl_values_free(v);
}

int
main(void)
{
	test_values();
	test_expand();
	test_layout();
	test_kyml();
	test_helpers();
	test_check();
	test_hardening();
	buf_release(&diags);
	return done_testing();
}
