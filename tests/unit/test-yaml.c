/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/yaml.c and src/yaml-emit.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "buf.h"
#include "json.h"
#include "utf8.h"
#include "yaml-emit.h"
#include "yaml.h"

/* Compact JSON of a plain scalar's resolution. */
static char *
res(const char *s)
{
	cJSON *j = yaml_resolve_plain(s, strlen(s));
	char *out = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return out;
}

#define is_res(in, want)                                                    \
	do {                                                                \
		char *r_ = res(in);                                         \
		is_str(r_, want, "resolve %s", in);                         \
		free(r_);                                                   \
	} while (0)

/* Compact JSON of the whole stream, or "ERR <message>". */
static char *
conv(const char *yaml, const char *fname)
{
	struct pd_err e = { 0 };
	cJSON *j = yaml_to_json(yaml, strlen(yaml), fname, &e);
	if (!j) {
		char *out = malloc(strlen(e.msg) + 16);
		sprintf(out, "ERR %d %s", e.code, e.msg);
		return out;
	}
	char *out = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return out;
}

#define is_conv(in, want, ...)                                              \
	do {                                                                \
		char *v_ = conv(in, "f.yaml");                              \
		is_str(v_, want, __VA_ARGS__);                              \
		free(v_);                                                   \
	} while (0)

#define is_err(in, fname, want, ...)                                        \
	do {                                                                \
		char *v_ = conv(in, fname);                                 \
		is_str(v_, "ERR 8 " want, __VA_ARGS__);                     \
		free(v_);                                                   \
	} while (0)

/* yaml_from_json of a JSON text. */
static char *
emit(const char *json)
{
	cJSON *j = cJSON_Parse(json);
	char *out = yaml_from_json(j);
	cJSON_Delete(j);
	return out;
}

#define is_emit(json, want, ...)                                            \
	do {                                                                \
		char *e_ = emit(json);                                      \
		is_str(e_, want, __VA_ARGS__);                              \
		free(e_);                                                   \
	} while (0)

/* yaml_from_json then yaml_to_json gives back the same tree. */
static int
round_trip(const cJSON *j)
{
	char *y = yaml_from_json(j);
	struct pd_err e = { 0 };
	cJSON *back = yaml_to_json(y, strlen(y), "rt.yaml", &e);
	int same = back && cJSON_GetArraySize(back) == 1 &&
		   json_equal(cJSON_GetArrayItem(back, 0), j);
	if (!same) {
		char *want = cJSON_PrintUnformatted(j);
		printf("# yaml:\n%s# error: %s\n# want: %s\n", y,
		       back ? "-" : e.msg, want);
		free(want);
	}
	cJSON_Delete(back);
	free(y);
	return same;
}

static void
test_resolve(void)
{
	static const char *const trues[] = {
		"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
		"on", "On", "ON",
	};
	static const char *const falses[] = {
		"n", "N", "no", "No", "NO", "false", "False", "FALSE",
		"off", "Off", "OFF",
	};
	int all = 1;
	for (size_t i = 0; i < sizeof(trues) / sizeof(trues[0]); i++) {
		char *r = res(trues[i]);
		all &= strcmp(r, "true") == 0;
		free(r);
	}
	ok(all, "every YAML 1.1 true spelling resolves to true");
	all = 1;
	for (size_t i = 0; i < sizeof(falses) / sizeof(falses[0]); i++) {
		char *r = res(falses[i]);
		all &= strcmp(r, "false") == 0;
		free(r);
	}
	ok(all, "every YAML 1.1 false spelling resolves to false");
	is_res("tRUE", "\"tRUE\"");
	is_res("yEs", "\"yEs\"");

	is_res("", "null");
	is_res("~", "null");
	is_res("null", "null");
	is_res("Null", "null");
	is_res("NULL", "null");
	is_res("nULL", "\"nULL\"");

	is_res("0", "0");
	is_res("123", "123");
	is_res("-17", "-17");
	is_res("+17", "17");
	is_res("1_000_000", "1000000");
	is_res("0x1F", "31");
	is_res("0X1f", "31");
	is_res("-0x10", "-16");
	is_res("0o17", "15");
	is_res("0755", "493");
	is_res("0123", "83");
	is_res("08", "8");
	is_res("0b1010", "10");
	is_res("-0b101", "-5");
	is_res("0x", "\"0x\"");
	is_res("0x1G", "\"0x1G\"");
	/* go-yaml v2 (Kubernetes, Helm) does not resolve base 60 */
	is_res("190:20:30", "\"190:20:30\"");
	is_res("1:20", "\"1:20\"");
	is_res("-1:30", "\"-1:30\"");
	is_res("1:60", "\"1:60\"");
	is_res("0:30", "\"0:30\"");
	is_res("18446744073709551615", "1.8446744073709552e+19");
	is_res("0xFFFFFFFFFFFFFFFFF", "\"0xFFFFFFFFFFFFFFFFF\"");
	cJSON *big = yaml_resolve_plain("9007199254740993", 16);
	ok(cJSON_IsNumber(big) && big->valuedouble == 9007199254740992.0,
	   "an int past 2^53 stays a number, rounded to a double");
	cJSON_Delete(big);

	is_res("1.5", "1.5");
	is_res("-1.5e3", "-1500");
	is_res("1e3", "1000");
	is_res("1E3", "1000");
	is_res(".5", "0.5");
	is_res("+.5", "0.5");
	is_res("1.", "1");
	is_res("1_0.2_5", "10.25");
	is_res("6.02e+23", "6.02e+23");
	is_res("1e400", "\"1e400\"");
	is_res("1e", "\"1e\"");
	is_res("1.2.3", "\"1.2.3\"");
	is_res(".", "\".\"");

	is_res(".inf", "\".inf\"");
	is_res(".Inf", "\".inf\"");
	is_res("+.INF", "\".inf\"");
	is_res("-.inf", "\"-.inf\"");
	is_res(".NaN", "\".nan\"");
	is_res(".nan", "\".nan\"");
	is_res(".Nan", "\".Nan\"");

	is_res("ef19bd2", "\"ef19bd2\"");
	is_res("1234567", "1234567");
	is_res("2001-12-14", "\"2001-12-14\"");
	is_res("<<", "\"<<\"");
	is_res("hello world", "\"hello world\"");
	is_res("-", "\"-\"");
	is_res("+", "\"+\"");
}

static void
test_scalars_in_documents(void)
{
	is_conv("image:\n  tag: 1234567\n", "[{\"image\":{\"tag\":1234567}}]",
		"helm: an all-digit image tag is a number");
	is_conv("tag: 0123\n", "[{\"tag\":83}]",
		"helm: a leading-0 tag is octal");
	is_conv("tag: 1e10\n", "[{\"tag\":10000000000}]",
		"helm: 1e10 is a float");
	is_conv("tag: ef19bd2\n", "[{\"tag\":\"ef19bd2\"}]",
		"helm: a hex-looking sha is a string");
	is_conv("a: \"0123\"\nb: '1e10'\nc: \"true\"\nd: ''\n",
		"[{\"a\":\"0123\",\"b\":\"1e10\",\"c\":\"true\",\"d\":\"\"}]",
		"quoted scalars are always strings");
	is_conv("a: |\n  123\nb: >-\n  true\n  yes\nc:\n",
		"[{\"a\":\"123\\n\",\"b\":\"true yes\",\"c\":null}]",
		"block scalars are strings, a missing value is null");
	is_conv("a: !!str 123\nb: !!int \"42\"\nc: !!float 1\n"
		"d: !!bool \"yes\"\ne: !!null ''\nf: !foo 12\ng: ! 12\n"
		"h: !!str\ni: !!float .inf\n",
		"[{\"a\":\"123\",\"b\":42,\"c\":1,\"d\":true,\"e\":null,"
		"\"f\":\"12\",\"g\":\"12\",\"h\":\"\",\"i\":\".inf\"}]",
		"core tags are honoured, an unknown tag keeps the text");
	is_conv("m: !!map {x: 1}\ns: !!seq [1]\n",
		"[{\"m\":{\"x\":1},\"s\":[1]}]", "!!map and !!seq");
	is_err("a: 1\nb: !!int abc\n", "t.yaml",
	       "t.yaml:2:4: cannot decode !!str `abc` as a !!int",
	       "!!int on a non-int is an error");
	is_err("a: !!seq {x: 1}\n", "t.yaml",
	       "t.yaml:1:4: cannot decode !!map as a !!seq",
	       "!!seq on a mapping is an error");
	is_conv("true: 1\n1: 2\n~: 3\n0x10: 4\n\"q\": 5\n",
		"[{\"true\":1,\"1\":2,\"~\":3,\"0x10\":4,\"q\":5}]",
		"scalar keys become their text");
	is_err("[a]: 1\n", "k.yaml", "k.yaml:1:1: mapping keys must be scalars",
	       "a sequence key is an error");
	is_err("x:\n  ? {a: 1}\n  : 2\n", "k.yaml",
	       "k.yaml:2:5: mapping keys must be scalars",
	       "a mapping key is an error");
	is_conv("{a: [1, {b: c}], d: 'e'}", "[{\"a\":[1,{\"b\":\"c\"}],\"d\":\"e\"}]",
		"flow style");
}

static void
test_anchors(void)
{
	is_conv("base: &b {x: 1, y: [1, 2]}\ncopy: *b\n",
		"[{\"base\":{\"x\":1,\"y\":[1,2]},\"copy\":{\"x\":1,\"y\":[1,2]}}]",
		"an alias is a copy of the anchored mapping");
	is_conv("a: &v hello\nb: *v\nc: [*v, *v]\n",
		"[{\"a\":\"hello\",\"b\":\"hello\",\"c\":[\"hello\",\"hello\"]}]",
		"scalar aliases");
	is_conv("a: &x 1\nb: &x 2\nc: *x\n", "[{\"a\":1,\"b\":2,\"c\":2}]",
		"a redefined anchor refers to the latest node");
	is_conv("k: &k name\n*k : v\n", "[{\"k\":\"name\",\"name\":\"v\"}]",
		"an alias as a key");
	is_conv("&k key: 1\nother: *k\n", "[{\"key\":1,\"other\":\"key\"}]",
		"an anchored key can be aliased");
	is_err("a: &a [1]\n*a : 2\n", "a.yaml",
	       "a.yaml:2:1: mapping keys must be scalars",
	       "an alias to a sequence is not a key");
	is_conv("base: &b {a: 1}\nm: &m {<<: *b, c: 2}\nn: *m\n",
		"[{\"base\":{\"a\":1},\"m\":{\"a\":1,\"c\":2},"
		"\"n\":{\"a\":1,\"c\":2}}]",
		"an alias of a mapping with a merge key");
	is_conv("x:\n  <<: &in {a: 1}\n  b: *in\ny: *in\n",
		"[{\"x\":{\"a\":1,\"b\":{\"a\":1}},\"y\":{\"a\":1}}]",
		"an anchor defined inside a merge value");
	is_conv("b: &b {a: 1}\nm:\n  !!merge x: *b\n  c: 2\n",
		"[{\"b\":{\"a\":1},\"m\":{\"a\":1,\"c\":2}}]",
		"the !!merge tag makes a merge key");
	is_conv("l: &l [1, [2, 3]]\nm: [*l, *l]\n",
		"[{\"l\":[1,[2,3]],\"m\":[[1,[2,3]],[1,[2,3]]]}]",
		"aliases of nested sequences");
	is_err("a: 1\nb: *nope\n", "a.yaml",
	       "a.yaml:2:4: unknown anchor 'nope' referenced",
	       "unknown anchor");
	is_err("a: &a [1, *a]\n", "a.yaml",
	       "a.yaml:1:11: unknown anchor 'a' referenced",
	       "an anchor cannot contain itself");
	is_err("---\na: &a 1\n---\nb: *a\n", "a.yaml",
	       "a.yaml:4:4: unknown anchor 'a' referenced",
	       "anchors do not cross documents");

	/* the same values must not be shared between the copies */
	struct pd_err e = { 0 };
	const char *y = "a: &a {x: [1]}\nb: *a\n";
	cJSON *j = yaml_to_json(y, strlen(y), "f.yaml", &e);
	cJSON *d = cJSON_GetArrayItem(j, 0);
	cJSON *ax = json_path(d, "a.x"), *bx = json_path(d, "b.x");
	ok(ax && bx && ax != bx, "alias copies are deep copies");
	cJSON_Delete(j);

	const char *merge =
		"base: &base {a: 1, b: 2}\n"
		"other: &other {b: 3, c: 4}\n"
		"m1:\n  <<: *base\n  b: 9\n"
		"m2:\n  <<: [*base, *other]\n  d: 5\n"
		"m3:\n  x: 0\n  <<: *other\n"
		"m4: {<<: *base, a: 7}\n"
		"m5:\n  <<: {z: 1}\n  \"<<\": lit\n";
	e.msg[0] = '\0';
	j = yaml_to_json(merge, strlen(merge), "m.yaml", &e);
	d = cJSON_GetArrayItem(j, 0);
	char *s;
	s = cJSON_PrintUnformatted(cJSON_GetObjectItem(d, "m1"));
	is_str(s, "{\"a\":1,\"b\":9}", "merge: an explicit key wins");
	free(s);
	s = cJSON_PrintUnformatted(cJSON_GetObjectItem(d, "m2"));
	is_str(s, "{\"a\":1,\"b\":2,\"c\":4,\"d\":5}",
	       "merge list: earlier maps win over later ones");
	free(s);
	s = cJSON_PrintUnformatted(cJSON_GetObjectItem(d, "m3"));
	is_str(s, "{\"x\":0,\"b\":3,\"c\":4}", "merge after explicit keys");
	free(s);
	s = cJSON_PrintUnformatted(cJSON_GetObjectItem(d, "m4"));
	is_str(s, "{\"b\":2,\"a\":7}",
	       "an explicit key after the merge still wins");
	free(s);
	s = cJSON_PrintUnformatted(cJSON_GetObjectItem(d, "m5"));
	is_str(s, "{\"z\":1,\"<<\":\"lit\"}",
	       "inline merge map; a quoted << is an ordinary key");
	free(s);
	s = cJSON_PrintUnformatted(cJSON_GetObjectItem(d, "base"));
	is_str(s, "{\"a\":1,\"b\":2}", "merging leaves the anchor alone");
	free(s);
	cJSON_Delete(j);

	is_err("a:\n  <<: 5\n", "m.yaml",
	       "m.yaml:2:7: map merge requires map or sequence of maps as "
	       "the value",
	       "merging a scalar is an error");
	is_err("x: &x [1]\na:\n  <<: [*x]\n", "m.yaml",
	       "m.yaml:3:7: map merge requires map or sequence of maps as "
	       "the value",
	       "merging a list of non-maps is an error");
}

static void
test_documents(void)
{
	const char *y =
		"# leading comment\n"      /* 1 */
		"---\n"                    /* 2 */
		"a: 1\n"                   /* 3 */
		"---\n"                    /* 4 */
		"# only a comment\n"       /* 5 */
		"---\n"                    /* 6 */
		"\n"                       /* 7 */
		"---\n"                    /* 8 */
		"b: 2\n"                   /* 9 */
		"...\n"                    /* 10 */
		"--- ~\n"                  /* 11 */
		"---\n"                    /* 12 */
		"- x\n";                   /* 13 */
	struct pd_err e = { 0 };
	int *lines = NULL;
	cJSON *j = yaml_to_json_lines(y, strlen(y), "m.yaml", &lines, &e);
	char *s = cJSON_PrintUnformatted(j);
	is_str(s, "[{\"a\":1},{\"b\":2},null,[\"x\"]]",
	       "empty documents are skipped, an explicit null is kept");
	free(s);
	ok(lines && lines[0] == 2 && lines[1] == 8 && lines[2] == 11 &&
	   lines[3] == 12, "starting line of each document");
	cJSON_Delete(j);
	free(lines);

	const char *implicit = "\n# c\n\nkind: A\n";
	j = yaml_to_json_lines(implicit, strlen(implicit), "i.yaml", &lines,
			       &e);
	ok(j && cJSON_GetArraySize(j) == 1 && lines[0] == 4,
	   "an implicit document starts at its first token");
	cJSON_Delete(j);
	free(lines);

	j = yaml_to_json_lines("", 0, "e.yaml", &lines, &e);
	ok(j && cJSON_GetArraySize(j) == 0 && lines,
	   "empty input: no documents");
	cJSON_Delete(j);
	free(lines);
	is_conv("# nothing\n---\n---\n", "[]", "comments only: no documents");
	is_conv("plain scalar\n", "[\"plain scalar\"]", "a scalar document");
}

static void
test_errors(void)
{
	is_err("a: 1\nb: 2\nc: 1\na: 3\n", "dup.yaml",
	       "dup.yaml:4:1: mapping key \"a\" already defined at line 1",
	       "duplicate key");
	is_err("top:\n  x: 1\n  y: 2\n  x: 3\n", "dup.yaml",
	       "dup.yaml:4:3: mapping key \"x\" already defined at line 2",
	       "nested duplicate key");
	is_err("{a: 1, a: 2}\n", "dup.yaml",
	       "dup.yaml:1:8: mapping key \"a\" already defined at line 1",
	       "flow duplicate key");
	is_err("1: a\n\"1\": b\n", "dup.yaml",
	       "dup.yaml:2:1: mapping key \"1\" already defined at line 1",
	       "keys compare by text");
	is_err("a: 1\nb: 2\nc: d: e\n", "prod.yaml",
	       "prod.yaml:3:5: mapping values are not allowed in this context",
	       "syntax error position");
	is_err("a:\n\tb: 1\n", "tab.yaml",
	       "tab.yaml:2:1: found character that cannot start any token",
	       "tab indentation");
	is_err("a: [1, 2\nb: 3\n", "flow.yaml",
	       "flow.yaml:2:2: did not find expected ',' or ']'",
	       "unclosed flow sequence");
	is_err("a: ok\nb: \xff\xfe\n", "bin.yaml",
	       "bin.yaml:2:4: invalid leading UTF-8 octet", "invalid UTF-8");
	is_err("a: b\n  c: d\n", "<stdin>",
	       "<stdin>:2:4: mapping values are not allowed in this context",
	       "bad indentation");

	struct pd_err e = { 0 };
	ok(yaml_to_json("a: [", 4, "x", NULL) == NULL,
	   "a NULL error struct is allowed");
	cJSON *j = yaml_to_json("a: [", 4, NULL, &e);
	ok(!j && e.code == PD_EINVALID &&
	   strncmp(e.msg, "<input>:", 8) == 0,
	   "a NULL file name is allowed");

	/* nesting too deep for the recursive conversion */
	struct buf b = BUF_INIT;
	for (int i = 0; i < 5000; i++) {
		buf_addch(&b, '[');
	}
	j = yaml_to_json(b.buf, b.len, "deep.yaml", &e);
	ok(!j && strstr(e.msg, "deep.yaml:1:1001: document nested too deeply"),
	   "deep nesting is refused");
	buf_release(&b);

	/* the limit and the rule gitops-render's streaming pass shares */
	buf_reset(&b);
	for (int i = 0; i < YAML_MAX_DEPTH; i++) {
		buf_addch(&b, '[');
	}
	for (int i = 0; i < YAML_MAX_DEPTH; i++) {
		buf_addch(&b, ']');
	}
	j = yaml_to_json(b.buf, b.len, "deep.yaml", &e);
	ok(j != NULL, "YAML_MAX_DEPTH open collections are read");
	cJSON_Delete(j);
	buf_release(&b);
	ok(yaml_is_merge_key(NULL, 1, "<<"), "plain << is the merge key");
	ok(!yaml_is_merge_key(NULL, 0, "<<"), "quoted << is a key");
	ok(yaml_is_merge_key("tag:yaml.org,2002:merge", 0, "x"),
	   "!!merge is the merge key");
	ok(!yaml_is_merge_key("tag:yaml.org,2002:str", 1, "<<"),
	   "!!str << is a key");
}

static void
test_alias_bomb(void)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\","
		     "\"lol\",\"lol\",\"lol\"]\n");
	for (char c = 'b'; c <= 'i'; c++) {
		buf_addf(&b, "%c: &%c [", c, c);
		for (int i = 0; i < 9; i++) {
			buf_addf(&b, "%s*%c", i ? "," : "", c - 1);
		}
		buf_adds(&b, "]\n");
	}
	struct pd_err e = { 0 };
	cJSON *j = yaml_to_json(b.buf, b.len, "bomb.yaml", &e);
	ok(!j, "billion laughs is refused");
	is_str(e.msg,
	       "bomb.yaml:8:8: document too large after alias expansion",
	       "alias bomb message");
	is_int(e.code, PD_EINVALID, "alias bomb error code");
	buf_release(&b);

	/* a small fan-out is fine */
	const char *y = "a: &a [1, 2, 3]\nb: &b [*a, *a, *a]\nc: [*b, *b]\n";
	j = yaml_to_json(y, strlen(y), "ok.yaml", &e);
	cJSON *c = j ? json_path(cJSON_GetArrayItem(j, 0), "c") : NULL;
	ok(c && cJSON_GetArraySize(c) == 2 &&
	   cJSON_GetArraySize(cJSON_GetArrayItem(c, 1)) == 3,
	   "moderate alias use is accepted");
	cJSON_Delete(j);
}

static void
test_emit(void)
{
	is_emit("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
		"\"metadata\":{\"name\":\"x\",\"labels\":{}},"
		"\"data\":{\"a\":\"true\",\"b\":\"123\",\"c\":\"\","
		"\"d\":\"hello world\",\"e\":\"multi\\nline\\n\","
		"\"f\":\"no newline\\nend\",\"g\":\"keep\\n\\n\"},"
		"\"list\":[1,2.5,\"x\",null,true,[],{}],"
		"\"nested\":[{\"name\":\"a\",\"ports\":[80,443]},[\"p\",\"q\"]]}",
		"apiVersion: v1\n"
		"kind: ConfigMap\n"
		"metadata:\n"
		"  name: x\n"
		"  labels: {}\n"
		"data:\n"
		"  a: \"true\"\n"
		"  b: \"123\"\n"
		"  c: \"\"\n"
		"  d: hello world\n"
		"  e: |\n"
		"    multi\n"
		"    line\n"
		"  f: |-\n"
		"    no newline\n"
		"    end\n"
		"  g: |+\n"
		"    keep\n"
		"\n"
		"list:\n"
		"- 1\n"
		"- 2.5\n"
		"- x\n"
		"- null\n"
		"- true\n"
		"- []\n"
		"- {}\n"
		"nested:\n"
		"- name: a\n"
		"  ports:\n"
		"  - 80\n"
		"  - 443\n"
		"- - p\n"
		"  - q\n",
		"kubectl-style block YAML");
	is_emit("[{\"a\":\"x\\ny\"},\"p\\nq\\n\"]",
		"- a: |-\n"
		"    x\n"
		"    y\n"
		"- |\n"
		"  p\n"
		"  q\n",
		"block scalars inside sequences");

	static const struct {
		const char *json, *yaml;
	} q[] = {
		{ "\"yes\"", "\"yes\"" },
		{ "\"null\"", "\"null\"" },
		{ "\"~\"", "\"~\"" },
		{ "\"0755\"", "\"0755\"" },
		{ "\"1e3\"", "\"1e3\"" },
		{ "\".inf\"", "\".inf\"" },
		{ "\"1:20\"", "\"1:20\"" },
		{ "\"2023-01-02T03:04:05Z\"", "\"2023-01-02T03:04:05Z\"" },
		{ "\" lead\"", "' lead'" },
		{ "\"trail \"", "'trail '" },
		{ "\"- x\"", "'- x'" },
		{ "\"-x\"", "-x" },
		{ "\"--port=80\"", "--port=80" },
		{ "\"a: b\"", "'a: b'" },
		{ "\"key:\"", "'key:'" },
		{ "\"a:b\"", "a:b" },
		{ "\"a #b\"", "'a #b'" },
		{ "\"a#b\"", "a#b" },
		{ "\"#c\"", "'#c'" },
		{ "\"it's\"", "it's" },
		{ "\"'q\"", "'''q'" },
		{ "\"*x\"", "'*x'" },
		{ "\"&x\"", "'&x'" },
		{ "\"!x\"", "'!x'" },
		{ "\"%x\"", "'%x'" },
		{ "\"@x\"", "'@x'" },
		{ "\"`x\"", "'`x'" },
		{ "\"{x\"", "'{x'" },
		{ "\"[x\"", "'[x'" },
		{ "\",x\"", "',x'" },
		{ "\"?x\"", "?x" },
		{ "\"|x\"", "'|x'" },
		{ "\">x\"", "'>x'" },
		{ "\"\\\"x\"", "'\"x'" },
		{ "\"<<\"", "\"<<\"" },
		{ "\"---\"", "'---'" },
		{ "\"caf\\u00e9\"", "caf\xc3\xa9" },
		{ "\"tab\\there\"", "\"tab\\there\"" },
		{ "\"bell\\u0007\"", "\"bell\\a\"" },
		{ "\"cr\\r\\nlf\"", "\"cr\\r\\nlf\"" },
		{ "\"a \\nb\"", "\"a \\nb\"" },
		{ "\" x\\ny\"", "|2-\n   x\n  y" },
		{ "\"\\u2028\"", "'\xe2\x80\xa8  '" },
		{ "\"\\ufeffbom\"", "\"\\uFEFFbom\"" },
		{ "1e20", "1e+20" },
		{ "0.1", "0.1" },
		{ "-0.0", "0" },
		{ "1234567", "1234567" },
		{ "0.3333333333333333", "0.3333333333333333" },
		{ "-2.5e-7", "-2.5e-07" },
		{ "false", "false" },
		{ "null", "null" },
	};
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		char want[128];
		snprintf(want, sizeof(want), "%s\n", q[i].yaml);
		is_emit(q[i].json, want, "emit %s", q[i].json);
	}
	is_emit("\"a\\nb\"", "|-\n  a\n  b\n", "top-level block scalar");
	is_emit("{}", "{}\n", "top-level empty map");
	is_emit("[]", "[]\n", "top-level empty list");
	is_emit("{\"true\":1,\"a b\":2,\"\":3,\"x: y\":4,\"l\\nm\":5}",
		"\"true\": 1\na b: 2\n\"\": 3\n'x: y': 4\n? |-\n  l\n  m\n: 5\n",
		"keys are quoted like values");
	char *n = yaml_from_json(NULL);
	is_str(n, "null\n", "NULL tree");
	free(n);
}

static void
test_round_trip(void)
{
	static const char *const strs[] = {
		"", "true", "False", "yes", "no", "on", "OFF", "y", "N", "~",
		"null", "NULL", "123", "-17", "0755", "0x1F", "0o17", "0b101",
		"1e3", "1.5", ".5", "1.", ".inf", "-.Inf", ".nan", "1:20",
		"190:20:30", "12:30:45.5", "2001-12-14", "<<", " x", "x ",
		"- a", "-a", "? q", ":x", "a: b", "a #c", "#", "&a", "*a",
		"!t", "|", ">", "'", "\"", "%", "@", "`", "[1]", "{a}",
		"a,b", "---", "...", "--- x", "a\tb", "\t", "\x01\x7f",
		"line\nline", "trailing\n", "two\n\n", "three\n\n\n",
		"\nlead", "sp \nx", "x\n  indented\n", "a\n\nb", "\r\n",
		"caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80", "\xc2\x85",
		"\xe2\x80\xa8\xe2\x80\xa9", "\xef\xbb\xbf", "back\\slash",
		"quote's", "\"dq\"", "ends with colon:", "= x",
		"ef19bd2", "1_000", "+1", "0.0", "-", "1e400",
	};
	cJSON *vals = cJSON_CreateArray();
	cJSON *keys = cJSON_CreateObject();
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		cJSON *one = cJSON_CreateObject();
		cJSON_AddStringToObject(one, "v", strs[i]);
		ok(round_trip(one), "round trip: string #%zu as a value", i);
		cJSON_Delete(one);
		cJSON_AddItemToArray(vals, cJSON_CreateString(strs[i]));
		if (!cJSON_GetObjectItemCaseSensitive(keys, strs[i])) {
			cJSON_AddNumberToObject(keys, strs[i], (double)i);
		}
	}
	ok(round_trip(vals), "round trip: tricky strings in a list");
	ok(round_trip(keys), "round trip: tricky strings as keys");
	cJSON *top = cJSON_CreateObject();
	cJSON_AddItemToObject(top, "vals", vals);
	cJSON_AddItemToObject(top, "keys", keys);
	ok(round_trip(top), "round trip: nested");
	cJSON_Delete(top);

	static const double nums[] = {
		0, 1, -1, 0.1, 1.0 / 3, 1e-300, 1e300, 123456789012345.0,
		9007199254740992.0, -2.5e-7, 3.14159, 1e21,
	};
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		cJSON_AddItemToArray(arr, cJSON_CreateNumber(nums[i]));
	}
	ok(round_trip(arr), "round trip: numbers");
	cJSON_Delete(arr);

	const char *doc =
		"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
		"\"metadata\":{\"name\":\"web\",\"annotations\":{"
		"\"a/b\":\"1\",\"c\":\"\"}},\"spec\":{\"replicas\":3,"
		"\"template\":{\"spec\":{\"containers\":[{\"name\":\"app\","
		"\"image\":\"nginx:1.25\",\"args\":[\"--x\",\"-y\",\"z: w\"],"
		"\"env\":[{\"name\":\"A\",\"value\":\"true\"}],"
		"\"ports\":[{\"containerPort\":80}],\"command\":[],"
		"\"resources\":{}}]}}},\"deep\":[[[1,[2,{}]],[]],{\"x\":[{}]}]}";
	cJSON *j = cJSON_Parse(doc);
	ok(round_trip(j), "round trip: a deployment");
	cJSON_Delete(j);
}

/* yaml_emit_number of d. */
static char *
num(double d)
{
	struct buf b = BUF_INIT;
	yaml_emit_number(&b, d);
	return buf_detach(&b, NULL);
}

#define is_num(d, go)                                                       \
	do {                                                                \
		char *go_ = num(d);                                         \
		is_str(go_, go, "number %s", #d);                           \
		free(go_);                                                  \
	} while (0)

/* yaml_emit_dq of s with flags. */
static char *
dq(const char *s, unsigned flags)
{
	struct buf b = BUF_INIT;
	yaml_emit_dq(&b, s, strlen(s), flags);
	return buf_detach(&b, NULL);
}

static void
test_emit_options(void)
{
	/* numbers as go-yaml v2 writes them */
	is_num(3.0, "3");
	is_num(-0.0, "0");
	is_num(0.0001, "0.0001");
	is_num(0.00001, "1e-05");
	is_num(123456.7, "123456.7");
	is_num(1234567.5, "1.2345675e+06");
	is_num(-1000000.5, "-1.0000005e+06");
	is_num(9.3e18, "9.3e+18");
	is_num(1e19, "1e+19");
	is_num(1.5e300, "1.5e+300");
	is_num(0.1, "0.1");
	is_num(NAN, "NaN");
	is_num(INFINITY, "+Inf");
	is_num(-INFINITY, "-Inf");

	/* double-quoted escapes: named (a whole scalar) or minimal (text
	 * put into an existing scalar) */
	const char *in = "t\tb\x07\x1b\xef\xbb\xbf\x01 \xe2\x80\xa8\"\\\n\xff";
	char *n = dq(in, YAML_EMIT_DQ_NAMED);
	char *m = dq(in, 0);
	is_str(n, "t\\tb\\a\\e\\uFEFF\\x01 \\L\\\"\\\\\\n\\xFF",
	       "dq named: short escapes, tab escaped, bad byte as \\xFF");
	is_str(m, "t\tb\\x07\\x1B\\uFEFF\\x01 \\L\\\"\\\\\\n\xff",
	       "dq minimal: tab kept, hex escapes, bad byte copied");
	free(n);
	free(m);
	n = dq("\xc3\xa9\xf0\x9f\x98\x80\xc2\x85\x7f", YAML_EMIT_DQ_NAMED);
	is_str(n, "\xc3\xa9\xf0\x9f\x98\x80\\N\\x7F",
	       "dq: printable characters kept, NEL and DEL escaped");
	free(n);

	struct buf q = BUF_INIT;
	yaml_emit_sq(&q, "it's 'x'\t", 10);
	is_str(q.buf, "it''s ''x''\t", "single quotes doubled, nothing else");
	buf_release(&q);

	ok(yaml_emit_printable('\t') && yaml_emit_printable(0x85) &&
	       yaml_emit_printable(0xFEFF) && yaml_emit_printable(0x1F600),
	   "printable: tab, NEL, BOM, beyond U+FFFF");
	ok(!yaml_emit_printable(0x7F) && !yaml_emit_printable(0xFFFE) &&
	       !yaml_emit_printable(0xD800) && !yaml_emit_printable(0x1B),
	   "not printable: DEL, U+FFFE, surrogates, ESC");

	/* one encoder: kyml's documents sorted with "---", -o yaml's in
	 * the tree's order; both quote, number and fold as go-yaml v2 (and
	 * so kubectl -o yaml) does */
	cJSON *j = cJSON_Parse("{\"z\":\"2024-13-01\",\"b\":\"<<\","
			       "\"a\":\"2024-01-02\",\"x\":1234567.5}");
	struct buf g = BUF_INIT;
	ok(yaml_emit_go_document(&g, j) == 0, "go document");
	is_str(g.buf,
	       "---\na: \"2024-01-02\"\nb: \"<<\"\nx: 1.2345675e+06\n"
	       "z: 2024-13-01\n",
	       "go document: sorted keys, go-yaml's quoting and numbers");
	char *bl = yaml_emit_block(j);
	is_str(bl,
	       "z: 2024-13-01\nb: \"<<\"\na: \"2024-01-02\"\n"
	       "x: 1.2345675e+06\n",
	       "block: tree order, go-yaml's quoting and numbers");
	free(bl);
	cJSON_Delete(j);
	buf_reset(&g);
	j = cJSON_Parse("{\"k\":\"aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa "
			"aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa\"}");
	yaml_emit_go_document(&g, j);
	is_str(g.buf,
	       "---\nk: aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa "
	       "aaaa aaaa aaaa aaaa aaaa aaaa\n  aaaa\n",
	       "go document: folded at 80 columns");
	bl = yaml_emit_block(j);
	is_str(bl,
	       "k: aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa "
	       "aaaa aaaa aaaa aaaa aaaa\n  aaaa\n",
	       "block: folded at 80 columns, as kubectl -o yaml");
	free(bl);
	cJSON_Delete(j);
	buf_release(&g);

	char u[4];
	ok(utf8_encode('A', u) == 1 && u[0] == 'A', "utf8_encode ASCII");
	ok(utf8_encode(0xE9, u) == 2 && memcmp(u, "\xc3\xa9", 2) == 0,
	   "utf8_encode two bytes");
	ok(utf8_encode(0x1F600, u) == 4 &&
	       memcmp(u, "\xf0\x9f\x98\x80", 4) == 0,
	   "utf8_encode four bytes");
}

int
main(void)
{
	test_resolve();
	test_scalars_in_documents();
	test_anchors();
	test_documents();
	test_errors();
	test_alias_bomb();
	test_emit();
	test_round_trip();
	test_emit_options();
	return done_testing();
}
