/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/json.c: json_filter_items (a list's items kept or
 * dropped before parsing). */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "json.h"

/* keep the items whose text holds the string arg */
static bool
keep_has(const char *item, size_t len, void *arg)
{
	const char *needle = arg;
	size_t nl = strlen(needle);
	for (size_t i = 0; i + nl <= len; i++) {
		if (memcmp(item + i, needle, nl) == 0) {
			return true;
		}
	}
	return false;
}

static char *
filter(const char *in, const char *needle, int *rc)
{
	struct buf out = BUF_INIT;
	*rc = json_filter_items(in, strlen(in), keep_has, (void *)needle,
				&out);
	return buf_detach(&out, NULL);
}

int
main(void)
{
	int rc;
	char *s;

	s = filter("{\"kind\":\"List\",\"items\":[{\"a\":1},{\"b\":2},{\"a\":3}],"
		   "\"metadata\":{\"continue\":\"x\"}}", "\"a\"", &rc);
	is_int(rc, 0, "a list is filtered");
	is_str(s, "{\"kind\":\"List\",\"items\":[{\"a\":1},{\"a\":3}],"
		  "\"metadata\":{\"continue\":\"x\"}}",
	       "kept items in order, the rest of the object as it was");
	free(s);

	s = filter(" {\n \"metadata\" : {\"items\":[1]},\n \"items\" : [ "
		   "{\"a\":\"]}\\\"[{\"} , {\"b\":[1,{\"a\":2}]} ] } ", "\"b\"",
		   &rc);
	is_int(rc, 0, "white space, nested items keys and brackets in strings");
	is_str(s, " {\n \"metadata\" : {\"items\":[1]},\n \"items\" : "
		  "[{\"b\":[1,{\"a\":2}]}] } ",
	       "only the top-level items array is filtered");
	cJSON *j = json_parse(s, strlen(s), NULL);
	ok(j && cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")) == 1,
	   "the result parses");
	cJSON_Delete(j);
	free(s);

	s = filter("{\"items\":[{\"s\":\"a\\\\\"},{\"t\":\"\\\\\\\"a\"}]}",
		   "\"t\"", &rc);
	is_int(rc, 0, "escaped backslashes before a closing quote");
	is_str(s, "{\"items\":[{\"t\":\"\\\\\\\"a\"}]}", "escapes kept whole");
	free(s);

	s = filter("{\"items\":[{\"a\":1}]}", "\"zzz\"", &rc);
	is_str(s, "{\"items\":[]}", "no item kept: an empty array");
	free(s);

	s = filter("{\"items\":[]}", "\"a\"", &rc);
	is_int(rc, 0, "an empty list");
	is_str(s, "{\"items\":[]}", "stays empty");
	free(s);

	const char *bad[] = {
		"[1,2]", "{\"items\":[{\"a\":1}", "{\"items\":[{\"a\":1},]}",
		"{\"items\":{\"a\":1}}", "{\"kind\":\"x\"}", "{\"items\":[\"a]}",
		"", "{\"a\" 1,\"items\":[]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = filter(bad[i], "\"a\"", &rc);
		ok(rc == -1 && *s == '\0', "not a list, or cut short: -1, "
		   "nothing written (%s)", bad[i]);
		free(s);
	}
	return done_testing();
}
