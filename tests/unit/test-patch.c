/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for plugins/rollouts-sim/patch.c. */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "json.h"
#include "patch.h"
#include "xalloc.h"

#define MERGE patch_merge
#define JSONP patch_json
#define SMP patch_strategic

static struct pd_err err;
static int last_rc;

/* Apply patch to doc; the printed result (the document as left on error). */
static char *
run(int (*fn)(cJSON **, const cJSON *, struct pd_err *), const char *doc,
	const char *patch)
{
	cJSON *d = doc ? cJSON_Parse(doc) : NULL;
	cJSON *p = cJSON_Parse(patch);
	memset(&err, 0, sizeof(err));
	last_rc = fn(&d, p, &err);
	cJSON_Delete(p);
	char *s = d ? cJSON_PrintUnformatted(d) : xstrdup("(none)");
	cJSON_Delete(d);
	return s;
}

/* Succeeds with a result equal to want (object member order ignored). */
static void
check(int (*fn)(cJSON **, const cJSON *, struct pd_err *), const char *doc,
	const char *patch, const char *want, const char *name)
{
	char *got = run(fn, doc, patch);
	cJSON *g = cJSON_Parse(got), *w = cJSON_Parse(want);
	if (!ok(last_rc == 0 && g && w && json_equal(g, w), "%s", name)) {
		printf("#   rc: %d (%s)\n#  got: %s\n# want: %s\n", last_rc,
		       err.msg, got, want);
	}
	cJSON_Delete(g);
	cJSON_Delete(w);
	free(got);
}

/* Succeeds with exactly this printed result (order matters). */
static void
check_exact(int (*fn)(cJSON **, const cJSON *, struct pd_err *),
	    const char *doc, const char *patch, const char *want,
	    const char *name)
{
	char *got = run(fn, doc, patch);
	if (last_rc != 0) {
		printf("# rc %d: %s\n", last_rc, err.msg);
	}
	is_str(got, want, "%s", name);
	free(got);
}

/* Fails with code and leaves the document as it was. */
static void
check_fail(int (*fn)(cJSON **, const cJSON *, struct pd_err *),
	   const char *doc, const char *patch, int code, const char *name)
{
	char *got = run(fn, doc, patch);
	cJSON *g = cJSON_Parse(got), *d = cJSON_Parse(doc);
	if (!ok(last_rc == -code && err.code == code && json_equal(g, d),
		"%s", name)) {
		printf("#   rc: %d (%s)\n#  got: %s\n", last_rc, err.msg, got);
	}
	cJSON_Delete(g);
	cJSON_Delete(d);
	free(got);
}

static void
test_merge(void)
{
	/* RFC 7386 appendix A */
	check(MERGE, "{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}", "7386 A.1");
	check(MERGE, "{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}",
	      "7386 A.2");
	check(MERGE, "{\"a\":\"b\"}", "{\"a\":null}", "{}", "7386 A.3");
	check(MERGE, "{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}",
	      "7386 A.4");
	check(MERGE, "{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}", "7386 A.5");
	check(MERGE, "{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}",
	      "7386 A.6");
	check(MERGE, "{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}",
	      "{\"a\":{\"b\":\"d\"}}", "7386 A.7");
	check(MERGE, "{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}",
	      "7386 A.8");
	check(MERGE, "[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]", "7386 A.9");
	check(MERGE, "{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]", "7386 A.10");
	check(MERGE, "{\"a\":\"foo\"}", "null", "null", "7386 A.11");
	check(MERGE, "{\"a\":\"foo\"}", "\"bar\"", "\"bar\"", "7386 A.12");
	check(MERGE, "{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}",
	      "7386 A.13");
	check(MERGE, "[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}",
	      "7386 A.14");
	check(MERGE, "{}", "{\"a\":{\"bb\":{\"ccc\":null}}}",
	      "{\"a\":{\"bb\":{}}}", "7386 A.15");
	/* RFC 7386 section 3 */
	check(MERGE, "{\"title\":\"Goodbye!\",\"author\":{\"givenName\":\"John\","
	      "\"familyName\":\"Doe\"},\"tags\":[\"example\",\"sample\"],"
	      "\"content\":\"This will be unchanged\"}",
	      "{\"title\":\"Hello!\",\"phoneNumber\":\"+01-123-456-7890\","
	      "\"author\":{\"familyName\":null},\"tags\":[\"example\"]}",
	      "{\"title\":\"Hello!\",\"author\":{\"givenName\":\"John\"},"
	      "\"tags\":[\"example\"],\"content\":\"This will be unchanged\","
	      "\"phoneNumber\":\"+01-123-456-7890\"}", "7386 section 3");
	check_exact(MERGE, "{\"a\":1,\"b\":2,\"c\":3}", "{\"b\":20}",
		    "{\"a\":1,\"b\":20,\"c\":3}", "merge keeps member order");

	/* the patch's nodes are copied, never linked into the document */
	cJSON *doc = cJSON_Parse("{\"a\":{\"x\":1}}");
	cJSON *p = cJSON_Parse("{\"a\":{\"y\":[1,{\"z\":2}]},\"b\":\"s\"}");
	is_int(patch_merge(&doc, p, &err), 0, "merge returns 0");
	cJSON *y = json_path(doc, "a.y");
	ok(y && y != json_path(p, "a.y"), "merged values are copies");
	cJSON_Delete(p);
	char *s = cJSON_PrintUnformatted(doc);
	is_str(s, "{\"a\":{\"x\":1,\"y\":[1,{\"z\":2}]},\"b\":\"s\"}",
	       "document intact after the patch is freed");
	free(s);
	cJSON_Delete(doc);
	doc = NULL;
	p = cJSON_Parse("{\"k\":\"v\"}");
	is_int(patch_merge(&doc, p, &err), 0, "merge onto no document");
	is_str(json_str(doc, "k"), "v", "a missing document becomes an object");
	cJSON_Delete(doc);
	cJSON_Delete(p);
}

static void
test_json(void)
{
	/* RFC 6902 appendix A */
	check(JSONP, "{\"foo\":\"bar\"}",
	      "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\"}]",
	      "{\"baz\":\"qux\",\"foo\":\"bar\"}", "6902 A.1 add object member");
	check_exact(JSONP, "{\"foo\":[\"bar\",\"baz\"]}",
		    "[{\"op\":\"add\",\"path\":\"/foo/1\",\"value\":\"qux\"}]",
		    "{\"foo\":[\"bar\",\"qux\",\"baz\"]}",
		    "6902 A.2 add array element");
	check(JSONP, "{\"baz\":\"qux\",\"foo\":\"bar\"}",
	      "[{\"op\":\"remove\",\"path\":\"/baz\"}]", "{\"foo\":\"bar\"}",
	      "6902 A.3 remove object member");
	check_exact(JSONP, "{\"foo\":[\"bar\",\"qux\",\"baz\"]}",
		    "[{\"op\":\"remove\",\"path\":\"/foo/1\"}]",
		    "{\"foo\":[\"bar\",\"baz\"]}", "6902 A.4 remove array element");
	check(JSONP, "{\"baz\":\"qux\",\"foo\":\"bar\"}",
	      "[{\"op\":\"replace\",\"path\":\"/baz\",\"value\":\"boo\"}]",
	      "{\"baz\":\"boo\",\"foo\":\"bar\"}", "6902 A.5 replace a value");
	check(JSONP, "{\"foo\":{\"bar\":\"baz\",\"waldo\":\"fred\"},"
	      "\"qux\":{\"corge\":\"grault\"}}",
	      "[{\"op\":\"move\",\"from\":\"/foo/waldo\",\"path\":\"/qux/thud\"}]",
	      "{\"foo\":{\"bar\":\"baz\"},\"qux\":{\"corge\":\"grault\","
	      "\"thud\":\"fred\"}}", "6902 A.6 move a value");
	check_exact(JSONP, "{\"foo\":[\"all\",\"grass\",\"cows\",\"eat\"]}",
		    "[{\"op\":\"move\",\"from\":\"/foo/1\",\"path\":\"/foo/3\"}]",
		    "{\"foo\":[\"all\",\"cows\",\"eat\",\"grass\"]}",
		    "6902 A.7 move an array element");
	check(JSONP, "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}",
	      "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"qux\"},"
	      "{\"op\":\"test\",\"path\":\"/foo/1\",\"value\":2}]",
	      "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}", "6902 A.8 test success");
	check_fail(JSONP, "{\"baz\":\"qux\"}",
		   "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"bar\"}]",
		   PD_ECONFLICT, "6902 A.9 test error");
	is_str(err.msg, "the server rejected our request due to an error in "
	       "our request: test operation does not apply: value does not "
	       "match: /baz", "test error message");
	check(JSONP, "{\"foo\":\"bar\"}",
	      "[{\"op\":\"add\",\"path\":\"/child\",\"value\":{\"grandchild\":{}}}]",
	      "{\"foo\":\"bar\",\"child\":{\"grandchild\":{}}}",
	      "6902 A.10 add nested member object");
	check(JSONP, "{\"foo\":\"bar\"}",
	      "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\",\"xyz\":123}]",
	      "{\"foo\":\"bar\",\"baz\":\"qux\"}",
	      "6902 A.11 ignore unrecognized elements");
	check_fail(JSONP, "{\"foo\":\"bar\"}",
		   "[{\"op\":\"add\",\"path\":\"/baz/bat\",\"value\":\"qux\"}]",
		   PD_ECONFLICT, "6902 A.12 add to a nonexistent target");
	is_str(err.msg, "the server rejected our request due to an error in "
	       "our request: add operation does not apply: doc is missing "
	       "path: /baz/bat", "missing target message");
	check_fail(JSONP, "{\"foo\":\"bar\"}",
		   "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\","
		   "\"op\":\"remove\"}]", PD_EUSAGE,
		   "6902 A.13 invalid patch (two ops)");
	check(JSONP, "{\"/\":9,\"~1\":10}",
	      "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":10}]",
	      "{\"/\":9,\"~1\":10}", "6902 A.14 ~ escape ordering");
	check_fail(JSONP, "{\"/\":9,\"~1\":10}",
		   "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":\"10\"}]",
		   PD_ECONFLICT, "6902 A.15 comparing strings and numbers");
	check(JSONP, "{\"foo\":[\"bar\"]}",
	      "[{\"op\":\"add\",\"path\":\"/foo/-\",\"value\":[\"abc\",\"def\"]}]",
	      "{\"foo\":[\"bar\",[\"abc\",\"def\"]]}",
	      "6902 A.16 adding an array value");

	/* failures to apply */
	check_fail(JSONP, "{\"spec\":{}}",
		   "[{\"op\":\"replace\",\"path\":\"/spec/foo\",\"value\":1}]",
		   PD_ECONFLICT, "replace of a missing key");
	is_str(err.msg, "the server rejected our request due to an error in "
	       "our request: replace operation does not apply: doc is missing "
	       "key: /spec/foo", "replace error names op and path");
	check_fail(JSONP, "{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/b\"}]",
		   PD_ECONFLICT, "remove of a missing key");
	check_fail(JSONP, "{\"a\":[1,2]}",
		   "[{\"op\":\"add\",\"path\":\"/a/3\",\"value\":9}]",
		   PD_ECONFLICT, "add past the array end");
	check_fail(JSONP, "{\"a\":[1,2]}",
		   "[{\"op\":\"replace\",\"path\":\"/a/01\",\"value\":9}]",
		   PD_ECONFLICT, "leading-zero index is invalid");
	check_fail(JSONP, "{\"a\":[1,2]}",
		   "[{\"op\":\"add\",\"path\":\"/a/01\",\"value\":9}]",
		   PD_ECONFLICT, "leading-zero index is invalid for add");
	check_fail(JSONP, "{\"a\":[1,2]}", "[{\"op\":\"remove\",\"path\":\"/a/-\"}]",
		   PD_ECONFLICT, "remove of - is invalid");
	check_fail(JSONP, "{\"a\":{\"b\":1}}",
		   "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/b/c\"}]",
		   PD_ECONFLICT, "move into its own child");
	check_fail(JSONP, "{\"a\":1}",
		   "[{\"op\":\"copy\",\"from\":\"/x\",\"path\":\"/y\"}]",
		   PD_ECONFLICT, "copy from a missing path");
	check_fail(JSONP, "{\"A\":1}",
		   "[{\"op\":\"test\",\"path\":\"/a\",\"value\":1}]",
		   PD_ECONFLICT, "keys are case-sensitive");
	check_fail(JSONP, "{\"a\":{\"B\":1}}",
		   "[{\"op\":\"test\",\"path\":\"/a\",\"value\":{\"b\":1}}]",
		   PD_ECONFLICT, "test compares nested keys case-sensitively");

	/* more successes */
	check(JSONP, "{\"a\":{\"x\":1,\"y\":[1,2]}}",
	      "[{\"op\":\"test\",\"path\":\"/a\",\"value\":{\"y\":[1,2],\"x\":1}}]",
	      "{\"a\":{\"x\":1,\"y\":[1,2]}}", "test: object member order ignored");
	check(JSONP, "{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"\",\"value\":[1]}]",
	      "[1]", "replace of the whole document");
	check(JSONP, "{\"a\":1}",
	      "[{\"op\":\"add\",\"path\":\"\",\"value\":{\"b\":2}}]",
	      "{\"b\":2}", "add at the root replaces the document");
	check(JSONP, "{\"a\":{\"b\":[1]}}",
	      "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/c\"},"
	      "{\"op\":\"add\",\"path\":\"/c/b/0\",\"value\":0}]",
	      "{\"a\":{\"b\":[1]},\"c\":{\"b\":[0,1]}}", "copy is a deep copy");
	check(JSONP, "{}", "[{\"op\":\"add\",\"path\":\"/a~1b\",\"value\":1},"
	      "{\"op\":\"add\",\"path\":\"/m~0n\",\"value\":2}]",
	      "{\"a/b\":1,\"m~n\":2}", "~1 and ~0 unescape");
	check(JSONP, "{\"\":{\"\":1}}", "[{\"op\":\"replace\",\"path\":\"//\","
	      "\"value\":2}]", "{\"\":{\"\":2}}", "empty keys");
	check(JSONP, "{\"a\":1}",
	      "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a\"}]",
	      "{\"a\":1}", "move onto itself is a no-op");
	check(JSONP, "{\"a\":[1,2]}",
	      "[{\"op\":\"add\",\"path\":\"/a/2\",\"value\":3},"
	      "{\"op\":\"add\",\"path\":\"/a/0\",\"value\":0}]",
	      "{\"a\":[0,1,2,3]}", "add at the end index and at 0");
	check(JSONP, "{\"metadata\":{\"labels\":{\"a\":\"1\"}}}",
	      "[{\"op\":\"replace\",\"path\":\"/metadata/labels/a\",\"value\":null}]",
	      "{\"metadata\":{\"labels\":{\"a\":null}}}", "replace with null");
	check(JSONP, "{\"a\":1}", "[]", "{\"a\":1}", "an empty patch");

	/* undecodable patches */
	check_fail(JSONP, "{\"a\":1}", "{\"op\":\"add\"}", PD_EUSAGE,
		   "a patch that is not an array");
	check_fail(JSONP, "{\"a\":1}", "[{\"path\":\"/a\"}]", PD_EUSAGE,
		   "an op without op");
	check_fail(JSONP, "{\"a\":1}", "[{\"op\":\"frob\",\"path\":\"/a\"}]",
		   PD_EUSAGE, "an unknown op");
	is_str(err.msg, "error decoding patch: operation 0: unknown op \"frob\"",
	       "unknown op message");
	check_fail(JSONP, "{\"a\":1}", "[{\"op\":\"remove\"}]", PD_EUSAGE,
		   "an op without path");
	check_fail(JSONP, "{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/b\"}]",
		   PD_EUSAGE, "add without value");
	check_fail(JSONP, "{\"a\":1}", "[{\"op\":\"test\",\"path\":\"/a\"}]",
		   PD_EUSAGE, "test without value");
	check_fail(JSONP, "{\"a\":1}", "[{\"op\":\"move\",\"path\":\"/b\"}]",
		   PD_EUSAGE, "move without from");
	check_fail(JSONP, "{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"a\"}]",
		   PD_EUSAGE, "a pointer without the leading /");
	check_fail(JSONP, "{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/a~2\"}]",
		   PD_EUSAGE, "a bad ~ escape");
	check_fail(JSONP, "{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/a\"},"
		   "{\"op\":\"remove\",\"path\":\"/b~\"}]", PD_EUSAGE,
		   "a later malformed op fails before any change");

	/* atomic: a failure halfway leaves the document as it was */
	cJSON *doc = cJSON_Parse("{\"a\":1,\"l\":[1,2]}");
	cJSON *before = doc;
	cJSON *ops = cJSON_Parse("[{\"op\":\"add\",\"path\":\"/b\",\"value\":2},"
				 "{\"op\":\"remove\",\"path\":\"/l/0\"},"
				 "{\"op\":\"replace\",\"path\":\"/nope\",\"value\":3}]");
	is_int(patch_json(&doc, ops, &err), -PD_ECONFLICT, "third op fails");
	char *s = cJSON_PrintUnformatted(doc);
	ok(doc == before, "the document root is untouched");
	is_str(s, "{\"a\":1,\"l\":[1,2]}", "the first two ops were not applied");
	free(s);
	cJSON_Delete(ops);
	ops = cJSON_Parse("[{\"op\":\"add\",\"path\":\"/b\",\"value\":{\"c\":[1]}}]");
	is_int(patch_json(&doc, ops, &err), 0, "add succeeds");
	ok(json_path(doc, "b") &&
	   json_path(doc, "b") != cJSON_GetObjectItem(ops->child, "value"),
	   "added values are copies");
	cJSON_Delete(ops);
	s = cJSON_PrintUnformatted(doc);
	is_str(s, "{\"a\":1,\"l\":[1,2],\"b\":{\"c\":[1]}}",
	       "document intact after the patch is freed");
	free(s);
	cJSON_Delete(doc);
}

static void
test_strategic(void)
{
	const char *pod = "{\"spec\":{\"containers\":["
		"{\"name\":\"app\",\"image\":\"app:1\",\"env\":["
		"{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"2\"}],"
		"\"ports\":[{\"containerPort\":80,\"name\":\"http\"},"
		"{\"containerPort\":443}]},"
		"{\"name\":\"sidecar\",\"image\":\"side:1\"}]}}";

	check_exact(SMP, pod,
		    "{\"spec\":{\"containers\":[{\"name\":\"sidecar\","
		    "\"image\":\"side:2\"}]}}",
		    "{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":"
		    "\"app:1\",\"env\":[{\"name\":\"A\",\"value\":\"1\"},"
		    "{\"name\":\"B\",\"value\":\"2\"}],\"ports\":[{\"containerPort\":"
		    "80,\"name\":\"http\"},{\"containerPort\":443}]},{\"name\":"
		    "\"sidecar\",\"image\":\"side:2\"}]}}",
		    "smp: image change by name keeps the other containers");
	check_exact(SMP, pod,
		    "{\"spec\":{\"containers\":[{\"name\":\"app\",\"env\":["
		    "{\"name\":\"B\",\"value\":\"3\"},{\"name\":\"C\",\"value\":"
		    "\"4\"}]}]}}",
		    "{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":"
		    "\"app:1\",\"env\":[{\"name\":\"A\",\"value\":\"1\"},"
		    "{\"name\":\"B\",\"value\":\"3\"},{\"name\":\"C\",\"value\":"
		    "\"4\"}],\"ports\":[{\"containerPort\":80,\"name\":\"http\"},"
		    "{\"containerPort\":443}]},{\"name\":\"sidecar\",\"image\":"
		    "\"side:1\"}]}}", "smp: env merged by name");
	check_exact(SMP, pod,
		    "{\"spec\":{\"containers\":[{\"name\":\"app\",\"ports\":["
		    "{\"containerPort\":80,\"protocol\":\"TCP\"}]}]}}",
		    "{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":"
		    "\"app:1\",\"env\":[{\"name\":\"A\",\"value\":\"1\"},"
		    "{\"name\":\"B\",\"value\":\"2\"}],\"ports\":[{\"containerPort\":"
		    "80,\"name\":\"http\",\"protocol\":\"TCP\"},{\"containerPort\":"
		    "443}]},{\"name\":\"sidecar\",\"image\":\"side:1\"}]}}",
		    "smp: container ports merged by containerPort");
	check_exact(SMP, pod,
		    "{\"spec\":{\"containers\":[{\"name\":\"sidecar\","
		    "\"$patch\":\"delete\"}]}}",
		    "{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":"
		    "\"app:1\",\"env\":[{\"name\":\"A\",\"value\":\"1\"},"
		    "{\"name\":\"B\",\"value\":\"2\"}],\"ports\":[{\"containerPort\":"
		    "80,\"name\":\"http\"},{\"containerPort\":443}]}]}}",
		    "smp: $patch delete removes a list element");
	check_exact(SMP, pod,
		    "{\"spec\":{\"containers\":[{\"$patch\":\"replace\"},"
		    "{\"name\":\"only\",\"image\":\"only:1\"}]}}",
		    "{\"spec\":{\"containers\":[{\"name\":\"only\",\"image\":"
		    "\"only:1\"}]}}", "smp: $patch replace replaces the list");
	check_exact(SMP, "{\"c\":[{\"name\":\"a\"},{\"name\":\"b\"}]}",
		    "{\"c\":[{\"name\":\"b\",\"x\":1}]}",
		    "{\"c\":[{\"name\":\"b\",\"x\":1}]}",
		    "smp: lists without a merge key are replaced");
	check_exact(SMP, "{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}",
		    "{\"containers\":[{\"name\":\"c\"}]}",
		    "{\"containers\":[{\"name\":\"c\"},{\"name\":\"a\"},"
		    "{\"name\":\"b\"}]}",
		    "smp: a new element goes before the server-only ones "
		    "(upstream order)");
	check_exact(SMP, "{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"},"
		    "{\"name\":\"c\"}]}",
		    "{\"containers\":[{\"name\":\"c\",\"v\":1},{\"name\":\"a\","
		    "\"v\":2}]}",
		    "{\"containers\":[{\"name\":\"b\"},{\"name\":\"c\",\"v\":1},"
		    "{\"name\":\"a\",\"v\":2}]}",
		    "smp: patch order kept, server-only interleaved");
	check_exact(SMP, "{\"containers\":[{\"name\":\"a\"}]}",
		    "{\"containers\":[{\"image\":\"x\"}]}",
		    "{\"containers\":[{\"name\":\"a\"},{\"image\":\"x\"}]}",
		    "smp: elements without the merge key are appended");
	check_exact(SMP, "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":8080},"
		    "{\"port\":443,\"targetPort\":8443}]}}",
		    "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":9090}]}}",
		    "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":9090},"
		    "{\"port\":443,\"targetPort\":8443}]}}",
		    "smp: service ports merged by port");
	check_exact(SMP, "{\"metadata\":{\"finalizers\":[\"a\",\"b\"]}}",
		    "{\"metadata\":{\"finalizers\":[\"b\",\"c\"]}}",
		    "{\"metadata\":{\"finalizers\":[\"a\",\"b\",\"c\"]}}",
		    "smp: finalizers are a union");
	check_exact(SMP, "{\"metadata\":{\"finalizers\":[\"a\",\"b\",\"c\"]}}",
		    "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"b\"]}}",
		    "{\"metadata\":{\"finalizers\":[\"a\",\"c\"]}}",
		    "smp: $deleteFromPrimitiveList");
	check_exact(SMP, "{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"},"
		    "{\"name\":\"c\"}]}",
		    "{\"$setElementOrder/containers\":[{\"name\":\"c\"},"
		    "{\"name\":\"a\"},{\"name\":\"b\"}],\"containers\":["
		    "{\"name\":\"a\",\"image\":\"new\"}]}",
		    "{\"containers\":[{\"name\":\"c\"},{\"name\":\"a\",\"image\":"
		    "\"new\"},{\"name\":\"b\"}]}", "smp: $setElementOrder");
	check_exact(SMP, "{\"finalizers\":[\"a\",\"b\"]}",
		    "{\"$setElementOrder/finalizers\":[\"b\",\"c\",\"a\"],"
		    "\"finalizers\":[\"c\"]}",
		    "{\"finalizers\":[\"b\",\"c\",\"a\"]}",
		    "smp: $setElementOrder on a primitive list");
	check_exact(SMP, "{\"spec\":{\"strategy\":{\"type\":\"RollingUpdate\","
		    "\"rollingUpdate\":{\"maxSurge\":1}}}}",
		    "{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],"
		    "\"type\":\"Recreate\"}}}",
		    "{\"spec\":{\"strategy\":{\"type\":\"Recreate\"}}}",
		    "smp: $retainKeys drops unlisted keys");
	check_fail(SMP, "{\"s\":{\"a\":1}}",
		   "{\"s\":{\"$retainKeys\":[\"a\"],\"b\":2}}", PD_EUSAGE,
		   "smp: patched key missing from $retainKeys");
	check_exact(SMP, "{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\"}}}",
		    "{\"metadata\":{\"labels\":{\"$patch\":\"replace\","
		    "\"x\":\"1\"}}}", "{\"metadata\":{\"labels\":{\"x\":\"1\"}}}",
		    "smp: $patch replace replaces a map");
	check_exact(SMP, "{\"m\":{\"a\":1},\"k\":2}",
		    "{\"m\":{\"$patch\":\"delete\"}}", "{\"m\":{},\"k\":2}",
		    "smp: $patch delete empties a map (upstream)");
	check_exact(SMP, "{\"m\":{\"a\":1,\"b\":2}}",
		    "{\"m\":{\"$patch\":\"merge\",\"b\":3}}",
		    "{\"m\":{\"a\":1,\"b\":3}}", "smp: $patch merge is the default");
	check_exact(SMP, "{\"metadata\":{\"annotations\":{\"x\":\"1\",\"y\":\"2\"}}}",
		    "{\"metadata\":{\"annotations\":{\"x\":null,\"z\":null}}}",
		    "{\"metadata\":{\"annotations\":{\"y\":\"2\"}}}",
		    "smp: null deletes a key");
	check_exact(SMP, "{\"spec\":{}}",
		    "{\"spec\":{\"containers\":[{\"name\":\"x\",\"$patch\":"
		    "\"delete\"},{\"name\":\"y\",\"env\":null}],\"m\":{\"$patch\":"
		    "\"replace\",\"a\":{\"$retainKeys\":[\"b\"],\"b\":1}},"
		    "\"gone\":{\"$patch\":\"delete\"}}}",
		    "{\"spec\":{\"containers\":[{\"name\":\"y\"}],\"m\":{\"a\":"
		    "{\"b\":1}}}}", "smp: no directive reaches the result");
	check_exact(SMP, "{\"spec\":{\"containers\":[{\"name\":\"a\","
		    "\"volumeMounts\":[{\"mountPath\":\"/x\",\"name\":\"v1\"}]}]}}",
		    "{\"spec\":{\"containers\":[{\"name\":\"a\",\"volumeMounts\":"
		    "[{\"mountPath\":\"/x\",\"readOnly\":true},{\"mountPath\":"
		    "\"/y\",\"name\":\"v2\"}]}]}}",
		    "{\"spec\":{\"containers\":[{\"name\":\"a\",\"volumeMounts\":"
		    "[{\"mountPath\":\"/x\",\"name\":\"v1\",\"readOnly\":true},"
		    "{\"mountPath\":\"/y\",\"name\":\"v2\"}]}]}}",
		    "smp: volumeMounts merged by mountPath");
	check_exact(SMP, "{\"status\":{\"conditions\":[{\"type\":\"Ready\","
		    "\"status\":\"False\"},{\"type\":\"Synced\",\"status\":"
		    "\"True\"}]}}",
		    "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":"
		    "\"True\"}]}}",
		    "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":"
		    "\"True\"},{\"type\":\"Synced\",\"status\":\"True\"}]}}",
		    "smp: conditions merged by type");
	check_exact(SMP, "{\"args\":[\"a\",\"b\"],\"n\":1}",
		    "{\"args\":[\"c\"],\"n\":{\"x\":1}}",
		    "{\"args\":[\"c\"],\"n\":{\"x\":1}}",
		    "smp: scalar lists and type changes replace");

	/* errors leave the document unchanged */
	check_fail(SMP, pod, "{\"spec\":{\"containers\":[{\"name\":\"app\","
		   "\"image\":\"x\"}],\"x\":{\"$patch\":\"frob\"}}}", PD_EUSAGE,
		   "smp: unknown $patch value");
	check_fail(SMP, pod, "{\"spec\":{\"containers\":[{\"$patch\":"
		   "\"delete\",\"image\":\"x\"}]}}", PD_EUSAGE,
		   "smp: delete without the merge key");
	check_fail(SMP, pod, "[1]", PD_EUSAGE, "smp: a patch that is not an object");
	check_fail(SMP, "{\"f\":[\"a\"]}",
		   "{\"$deleteFromPrimitiveList/f\":\"a\"}", PD_EUSAGE,
		   "smp: $deleteFromPrimitiveList needs a list");

	cJSON *doc = cJSON_Parse(pod);
	cJSON *before = doc;
	cJSON *p = cJSON_Parse("{\"metadata\":{\"name\":\"x\"},\"spec\":{"
			       "\"containers\":[{\"name\":\"app\",\"$patch\":"
			       "\"bogus\"}]}}");
	is_int(patch_strategic(&doc, p, &err), -PD_EUSAGE, "smp: bad patch fails");
	cJSON *orig = cJSON_Parse(pod);
	ok(doc == before && json_equal(doc, orig),
	   "smp: a failed patch changes nothing");
	cJSON_Delete(orig);
	cJSON_Delete(p);
	cJSON_Delete(doc);
}

int
main(void)
{
	test_merge();
	test_json();
	test_strategic();
	return done_testing();
}
