/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-yaml: the YAML loader (yaml_to_json) on arbitrary bytes and, for
 * every document that parses, the round trip through yaml_from_json: the
 * emitted YAML must parse again to an equal document (abort() otherwise).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"
#include "yaml.h"

/* Emit doc as YAML, parse it back and compare; abort() on a difference. */
static void
fuzz_yaml_round_trip(const cJSON *doc)
{
	char *text = yaml_from_json(doc);
	struct pd_err e = { 0 };
	cJSON *back = yaml_to_json(text, strlen(text), "<emitted>", &e);
	bool same;
	if (cJSON_IsNull(doc)) {
		/* a null document may be left out as empty */
		same = back && (cJSON_GetArraySize(back) == 0 ||
				(cJSON_GetArraySize(back) == 1 &&
				 cJSON_IsNull(back->child)));
	} else {
		same = back && cJSON_GetArraySize(back) == 1 &&
		       json_equal(back->child, doc);
	}
	if (!same) {
		char *orig = json_print(doc);
		char *again = back ? json_print(back) : NULL;
		fprintf(stderr, "fuzz-yaml: round trip differs\n"
			"document: %s\nemitted:\n%s\nread back: %s%s\n",
			orig, text, again ? again : "error: ",
			back ? "" : e.msg);
		free(orig);
		free(again);
		abort();
	}
	cJSON_Delete(back);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pd_err e = { 0 };
	int *lines = NULL;
	cJSON *docs = yaml_to_json_lines((const char *)data, size, "<fuzz>",
					 &lines, &e);
	if (docs) {
		const cJSON *doc;
		cJSON_ArrayForEach(doc, docs) {
			fuzz_yaml_round_trip(doc);
		}
		/* the whole stream as one sequence */
		char *all = yaml_from_json(docs);
		free(all);
	}
	cJSON_Delete(docs);
	free(lines);
	return 0;
}
