/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/selector.c. */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "buf.h"
#include "selector.h"

/* Parse and print back; NULL on a parse error. */
static char *
roundtrip(const char *s)
{
	struct pd_err e = { 0 };
	struct selector *sel = selector_parse(s, &e);
	if (!sel) {
		return NULL;
	}
	struct buf b = BUF_INIT;
	selector_format(sel, &b);
	selector_free(sel);
	return buf_detach(&b, NULL);
}

/* The input with control characters escaped, for test names. */
static const char *
shown(const char *in)
{
	static char out[256];
	size_t n = 0;
	for (; *in && n + 3 < sizeof(out); in++) {
		if (*in == '\n' || *in == '\r' || *in == '\t') {
			out[n++] = '\\';
			out[n++] = *in == '\n' ? 'n' : *in == '\r' ? 'r' : 't';
		} else {
			out[n++] = *in;
		}
	}
	out[n] = '\0';
	return out;
}

static void
check_format(const char *in, const char *want)
{
	char *got = roundtrip(in);
	is_str(got, want, "format '%s'", shown(in));
	free(got);
}

/* The error message of a parse that must fail ("" if it parsed). */
static void
check_error(const char *in, const char *want)
{
	struct pd_err e = { 0 };
	struct selector *sel = selector_parse(in, &e);
	ok(!sel && e.code == PD_EUSAGE, "'%s' is rejected with PD_EUSAGE", shown(in));
	if (want) {
		is_str(sel ? "" : e.msg, want, "error message for '%s'", shown(in));
	}
	selector_free(sel);
}

/* Whether sel matches the labels given as JSON (NULL: no labels). */
static int
match(const char *sel, const char *labels)
{
	struct pd_err e = { 0 };
	struct selector *s = selector_parse(sel, &e);
	cJSON *l = labels ? cJSON_Parse(labels) : NULL;
	int r = s ? selector_match(s, l) : -1;
	cJSON_Delete(l);
	selector_free(s);
	return r;
}

/* from_json then format; on error returns "ERR: <message>". */
static char *
from_json(const char *json)
{
	struct pd_err e = { 0 };
	cJSON *j = json ? cJSON_Parse(json) : NULL;
	struct selector *s = selector_from_json(j, &e);
	cJSON_Delete(j);
	struct buf b = BUF_INIT;
	if (!s) {
		buf_addf(&b, "ERR: %s", e.msg);
	} else {
		selector_format(s, &b);
	}
	selector_free(s);
	return buf_detach(&b, NULL);
}

static void
check_json(const char *json, const char *want)
{
	char *got = from_json(json);
	is_str(got, want, "from_json %s", json ? json : "NULL");
	free(got);
}

/* selector_json_string over a JSON text; "ERR" when refused. */
static char *
json_string(const char *json)
{
	cJSON *j = json ? cJSON_Parse(json) : NULL;
	struct buf b = BUF_INIT;
	struct pd_err e = { 0 };
	int r = selector_json_string(j, &b, &e);
	cJSON_Delete(j);
	if (r < 0) {
		buf_release(&b);
		return strdup("ERR");
	}
	return buf_detach(&b, NULL);
}

/* metav1.LabelSelectorAsSelector(ls).String() */
static void
test_json_string(void)
{
	static const char *const cases[][2] = {
		{ NULL, "" },
		{ "null", "" },
		{ "{}", "" },
		{ "{\"matchLabels\":{}}", "" },
		{ "{\"matchLabels\":{\"app\":\"web\"}}", "app=web" },
		{ "{\"matchLabels\":{\"tier\":\"fe\",\"app\":\"web\"}}",
		  "app=web,tier=fe" },
		{ "{\"matchLabels\":{\"app\":\"\"}}", "app=" },
		{ "{\"matchExpressions\":[{\"key\":\"env\",\"operator\":"
		  "\"In\",\"values\":[\"prod\",\"dev\",\"qa\"]}]}",
		  "env in (dev,prod,qa)" },
		{ "{\"matchExpressions\":[{\"key\":\"env\",\"operator\":"
		  "\"NotIn\",\"values\":[\"x\"]}]}", "env notin (x)" },
		{ "{\"matchExpressions\":[{\"key\":\"gpu\",\"operator\":"
		  "\"Exists\"}]}", "gpu" },
		{ "{\"matchExpressions\":[{\"key\":\"gpu\",\"operator\":"
		  "\"DoesNotExist\"}]}", "!gpu" },
		{ "{\"matchLabels\":{\"z\":\"1\",\"b\":\"2\"},"
		  "\"matchExpressions\":[{\"key\":\"m\",\"operator\":"
		  "\"Exists\"},{\"key\":\"a\",\"operator\":\"DoesNotExist"
		  "\"},{\"key\":\"c\",\"operator\":\"In\",\"values\":"
		  "[\"y\",\"x\"]}]}", "!a,b=2,c in (x,y),m,z=1" },
		{ "{\"matchLabels\":{\"app.kubernetes.io/name\":\"web\"}}",
		  "app.kubernetes.io/name=web" },
		/* LabelSelectorAsSelector refuses these */
		{ "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":"
		  "\"Equals\",\"values\":[\"x\"]}]}", "ERR" },
		{ "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":"
		  "\"In\",\"values\":[]}]}", "ERR" },
		{ "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":"
		  "\"Exists\",\"values\":[\"x\"]}]}", "ERR" },
		{ "{\"matchLabels\":{\"bad key\":\"x\"}}", "ERR" },
		{ "{\"matchLabels\":{\"app\":\"a b\"}}", "ERR" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = json_string(cases[i][0]);
		is_str(got, cases[i][1], "LabelSelector %s -> '%s'",
		       cases[i][0] ? cases[i][0] : "NULL", cases[i][1]);
		free(got);
	}
	/* appends to what is there */
	struct buf b = BUF_INIT;
	buf_adds(&b, "labelSelector=");
	cJSON *j = cJSON_Parse("{\"matchLabels\":{\"app\":\"web\"}}");
	is_int(selector_json_string(j, &b, NULL), 0, "appends, e may be NULL");
	is_str(b.buf, "labelSelector=app=web", "appended");
	cJSON_Delete(j);
	buf_release(&b);
}

int
main(void)
{
	/* every operator, printed back */
	check_format("a=b", "a=b");
	check_format("a==b", "a==b");
	check_format("a!=b", "a!=b");
	check_format("a in (y,x)", "a in (x,y)");
	check_format("a notin (x, y)", "a notin (x,y)");
	check_format("a", "a");
	check_format("!a", "!a");
	check_format("x>1,z<5", "x>1,z<5");

	/* whitespace, empty values, sorting */
	check_format("", "");
	check_format("  a = b ,  c != d  ", "a=b,c!=d");
	check_format("\rx", "x");
	check_format("foo  in\t (abc)", "foo in (abc)");
	check_format("x notin\n (abc)", "x notin (abc)");
	check_format("a=", "a=");
	check_format("x= ,z= ", "x=,z=");
	check_format("z=1,a=2,m", "a=2,m,z=1");
	check_format("e in (y,x),!f,c!=d,a=b", "a=b,c!=d,e in (x,y),!f");
	check_format("x in (b,a,b)", "x in (a,b)");
	check_format("x in (a,,)", "x in (,a)");
	check_format("x in ()", "x in ()");
	check_format("a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)");
	check_format("notin=in", "notin=in");
	check_format("in in (in)", "in in (in)");

	/* keys with a DNS prefix */
	check_format("app.kubernetes.io/name=web", "app.kubernetes.io/name=web");
	check_format("0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
		     "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)");
	check_format("!example.com/gone", "!example.com/gone");

	/* syntax errors, with the upstream messages */
	check_error("!", "unable to parse requirement: found '', expected: "
		    "identifier");
	check_error(",x", "found ',', expected: !, identifier, or 'end of "
		    "string'");
	check_error("x,,y", "found ',', expected: identifier after ','");
	check_error("a in (xyz),", "found '', expected: identifier after ','");
	check_error("x nott in (y)", "unable to parse requirement: found "
		    "'nott', expected: in, notin, =, ==, !=, gt, lt");
	check_error("a in (xyz abc)", "unable to parse requirement: found "
		    "'abc', expected: ',' or ')'");
	check_error("a in x", "unable to parse requirement: found 'x' "
		    "expected: '('");
	check_error("!x=a", "found '=', expected: ',' or 'end of string'");
	check_error("x==a==b", "found '==', expected: ',' or 'end of string'");
	check_error("a=b c", "found 'c', expected: ',' or 'end of string'");
	check_error("x=a||y=b", NULL);
	check_error("a notin(", NULL);
	check_error("(", NULL);
	check_error("a (", NULL);
	check_error("x<a", "unable to parse requirement: values[0]: Invalid "
		    "value: \"a\": for 'Gt', 'Lt' operators, the value must be "
		    "an integer");

	/* validation of keys and values */
	check_error("-a=b", NULL);
	check_error("a=-b", NULL);
	check_error("a_=b", NULL);
	check_error("Foo.com/a=b", NULL);
	check_error("a/b/c", NULL);
	check_error("/a", "unable to parse requirement: key: Invalid value: "
		    "\"/a\": prefix part must be non-empty");
	check_error("a=0123456789012345678901234567890123456789012345678901"
		    "234567890123", NULL);
	check_error("k0123456789012345678901234567890123456789012345678901"
		    "234567890123", NULL);
	check_format("a=012345678901234567890123456789012345678901234567890"
		     "123456789012",
		     "a=012345678901234567890123456789012345678901234567890"
		     "123456789012");
	check_format("a=A.b_c-D", "a=A.b_c-D");

	/* matching */
	is_int(match("a=b", "{\"a\":\"b\"}"), 1, "= matches the value");
	is_int(match("a=b", "{\"a\":\"c\"}"), 0, "= rejects another value");
	is_int(match("a=b", "{}"), 0, "= rejects an absent key");
	is_int(match("a=b", NULL), 0, "= rejects missing labels");
	is_int(match("a==b", "{\"a\":\"b\"}"), 1, "== matches the value");
	is_int(match("a!=b", "{\"a\":\"b\"}"), 0, "!= rejects the value");
	is_int(match("a!=b", "{\"a\":\"c\"}"), 1, "!= matches another value");
	is_int(match("a!=b", "{}"), 1, "!= matches an absent key");
	is_int(match("a!=b", NULL), 1, "!= matches missing labels");
	is_int(match("a in (x,y)", "{\"a\":\"y\"}"), 1, "in matches a member");
	is_int(match("a in (x,y)", "{\"a\":\"z\"}"), 0, "in rejects a non-member");
	is_int(match("a in (x,y)", "{}"), 0, "in rejects an absent key");
	is_int(match("a notin (x,y)", "{\"a\":\"x\"}"), 0,
	       "notin rejects a member");
	is_int(match("a notin (x,y)", "{\"a\":\"z\"}"), 1,
	       "notin matches a non-member");
	is_int(match("a notin (x,y)", "{}"), 1, "notin matches an absent key");
	is_int(match("a", "{\"a\":\"\"}"), 1, "exists matches an empty value");
	is_int(match("a", "{\"b\":\"a\"}"), 0, "exists rejects an absent key");
	is_int(match("!a", "{\"b\":\"a\"}"), 1, "!a matches an absent key");
	is_int(match("!a", "{\"a\":\"x\"}"), 0, "!a rejects a present key");
	is_int(match("a=", "{\"a\":\"\"}"), 1, "a= matches the empty value");
	is_int(match("a=", "{\"a\":\"x\"}"), 0, "a= rejects a non-empty value");
	is_int(match("x in ()", "{\"x\":\"\"}"), 1, "in () holds the empty value");
	is_int(match("x>1", "{\"x\":\"2\"}"), 1, "> matches a greater number");
	is_int(match("x>1", "{\"x\":\"0\"}"), 0, "> rejects a smaller number");
	is_int(match("x>1", "{\"x\":\"v2\"}"), 0, "> rejects a non-number");
	is_int(match("x<1", "{\"x\":\"0\"}"), 1, "< matches a smaller number");
	is_int(match("", "{\"x\":\"y\"}"), 1, "empty selector matches all");
	is_int(match("", NULL), 1, "empty selector matches no labels");
	is_int(match("app.kubernetes.io/name=web",
		     "{\"app.kubernetes.io/name\":\"web\"}"), 1,
	       "prefixed key matches");
	is_int(match("app=web,tier!=db,env in (prod,staging),!legacy",
		     "{\"app\":\"web\",\"env\":\"prod\"}"), 1,
	       "all requirements hold");
	is_int(match("app=web,tier!=db,env in (prod,staging),!legacy",
		     "{\"app\":\"web\",\"env\":\"prod\",\"legacy\":\"1\"}"), 0,
	       "one failing requirement fails the selector");
	is_int(match("a=1", "{\"a\":1}"), 0, "a non-string label equals nothing");

	struct pd_err e = { 0 };
	struct selector *s = selector_parse("", &e);
	ok(s && selector_empty(s), "empty string gives an empty selector");
	selector_free(s);
	s = selector_parse("a", &e);
	ok(s && !selector_empty(s), "a requirement makes it non-empty");
	selector_free(s);
	ok(selector_match(NULL, NULL), "NULL selector matches");
	selector_free(NULL);

	/* metav1.LabelSelector */
	check_json(NULL, "");
	check_json("{}", "");
	check_json("{\"matchLabels\":{},\"matchExpressions\":[]}", "");
	check_json("{\"matchLabels\":{\"b\":\"2\",\"a\":\"1\"}}", "a=1,b=2");
	check_json("{\"matchExpressions\":[{\"key\":\"k\",\"operator\":\"In\","
		   "\"values\":[\"y\",\"x\"]}]}", "k in (x,y)");
	check_json("{\"matchLabels\":{\"z\":\"\"},\"matchExpressions\":["
		   "{\"key\":\"n\",\"operator\":\"NotIn\",\"values\":[\"a\"]},"
		   "{\"key\":\"e\",\"operator\":\"Exists\"},"
		   "{\"key\":\"d\",\"operator\":\"DoesNotExist\"}]}",
		   "!d,e,n notin (a),z=");
	check_json("{\"matchExpressions\":[{\"key\":\"k\",\"operator\":\"Foo\"}]}",
		   "ERR: \"Foo\" is not a valid label selector operator");
	check_json("{\"matchExpressions\":[{\"key\":\"k\",\"operator\":\"In\","
		   "\"values\":[]}]}", "ERR: values: Invalid value: []: for "
		   "'in', 'notin' operators, values set can't be empty");
	check_json("{\"matchExpressions\":[{\"key\":\"k\",\"operator\":"
		   "\"Exists\",\"values\":[\"x\"]}]}", "ERR: values: Invalid "
		   "value: values set must be empty for exists and does not "
		   "exist");
	char *got = from_json("{\"matchLabels\":{\"a\":\"-x\"}}");
	const char *want = "ERR: values[0][a]: Invalid value: \"-x\": a valid";
	ok(strncmp(got, want, strlen(want)) == 0,
	   "matchLabels values are validated (%s)", got);
	free(got);

	cJSON *j = cJSON_Parse("{}");
	s = selector_from_json(j, &e);
	ok(s && selector_empty(s), "an empty LabelSelector is empty");
	ok(s && selector_match(s, NULL), "an empty LabelSelector selects all");
	selector_free(s);
	cJSON_Delete(j);
	s = selector_from_json(NULL, &e);
	j = cJSON_Parse("{\"x\":\"y\"}");
	ok(s && selector_empty(s) && selector_match(s, j),
	   "a NULL LabelSelector selects all");
	cJSON_Delete(j);
	selector_free(s);
	j = cJSON_Parse("{\"matchExpressions\":[{\"key\":\"t\",\"operator\":"
			"\"NotIn\",\"values\":[\"db\"]}],\"matchLabels\":"
			"{\"app\":\"web\"}}");
	s = selector_from_json(j, &e);
	cJSON *l = cJSON_Parse("{\"app\":\"web\"}");
	ok(s && selector_match(s, l), "from_json NotIn matches an absent key");
	cJSON_Delete(l);
	l = cJSON_Parse("{\"app\":\"web\",\"t\":\"db\"}");
	ok(s && !selector_match(s, l), "from_json NotIn rejects a member");
	cJSON_Delete(l);
	selector_free(s);
	cJSON_Delete(j);

	test_json_string();
	return done_testing();
}
