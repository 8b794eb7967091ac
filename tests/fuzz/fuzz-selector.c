/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-selector: label selectors. The input (up to its first NUL) is parsed
 * with selector_parse; a selector that parses is formatted, and the
 * canonical string must parse again and format to the same string (abort()
 * otherwise). It is also matched against a fixed set of labels.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "buf.h"
#include "selector.h"

static cJSON *fuzz_selector_labels;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fuzz_selector_labels) {
		fuzz_selector_labels = cJSON_Parse(
			"{\"app\":\"web\",\"tier\":\"front\","
			"\"rollouts-pod-template-hash\":\"5d9f8c\","
			"\"a.b/c\":\"\"}");
	}
	char *s = malloc(size + 1);
	if (!s) {
		return 0;
	}
	memcpy(s, data, size);
	s[size] = '\0';
	struct pd_err e = { 0 };
	struct selector *sel = selector_parse(s, &e);
	if (sel) {
		struct buf first = BUF_INIT;
		selector_format(sel, &first);
		(void)selector_match(sel, fuzz_selector_labels);
		(void)selector_match(sel, NULL);
		(void)selector_empty(sel);
		struct pd_err e2 = { 0 };
		struct selector *again = selector_parse(first.buf, &e2);
		if (!again) {
			fprintf(stderr, "fuzz-selector: '%s' formats as '%s', "
				"which does not parse: %s\n", s, first.buf,
				e2.msg);
			abort();
		}
		struct buf second = BUF_INIT;
		selector_format(again, &second);
		if (strcmp(first.buf, second.buf) != 0) {
			fprintf(stderr, "fuzz-selector: '%s' formats as '%s', "
				"then as '%s'\n", s, first.buf, second.buf);
			abort();
		}
		buf_release(&second);
		buf_release(&first);
		selector_free(again);
	}
	selector_free(sel);
	free(s);
	return 0;
}
