/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaml2json: a test helper. Reads YAML (FILE, or stdin when FILE is absent
 * or "-") with the project's own loader (yaml_to_json, YAML 1.1) and prints
 * the documents as one compact JSON array, one element per document. Exit 0,
 * 8 on invalid YAML, 1 when FILE cannot be read, 2 on usage errors. Used by
 * the e2e scripts to check `-o yaml` output without PyYAML.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "yaml.h"

int
main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "-";
	FILE *f;
	char *data = NULL;
	size_t len = 0, cap = 0, n;
	struct pd_err e = {0};
	cJSON *docs;
	char *out;

	if (argc > 2) {
		fprintf(stderr, "usage: yaml2json [FILE]\n");
		return 2;
	}
	f = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
	if (!f) {
		fprintf(stderr, "yaml2json: error: cannot read '%s': %s\n", name,
			strerror(errno));
		return 1;
	}
	do {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			data = realloc(data, cap);
			if (!data) {
				fprintf(stderr, "yaml2json: error: out of memory\n");
				return 70;
			}
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		fprintf(stderr, "yaml2json: error: cannot read '%s'\n", name);
		free(data);
		return 1;
	}
	if (f != stdin) {
		fclose(f);
	}
	docs = yaml_to_json(data, len, strcmp(name, "-") == 0 ? "<stdin>" : name, &e);
	free(data);
	if (!docs) {
		fprintf(stderr, "yaml2json: error: %s\n", e.msg);
		return 8;
	}
	out = cJSON_PrintUnformatted(docs);
	cJSON_Delete(docs);
	if (!out) {
		fprintf(stderr, "yaml2json: error: out of memory\n");
		return 70;
	}
	printf("%s\n", out);
	free(out);
	return 0;
}
