/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-expr: rollouts-sim's analysis condition language (expr_eval_bool).
 * The input's first line is the JSON value bound to `result` (none when it
 * does not parse); the rest, up to a NUL, is the condition.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "expr.h"
#include "json.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	const char *nl = memchr(in, '\n', size);
	if (!nl) {
		return 0;
	}
	cJSON *result = json_parse(in, (size_t)(nl - in), NULL);
	size_t len = size - (size_t)(nl + 1 - in);
	char *cond = malloc(len + 1);
	if (!cond) {
		cJSON_Delete(result);
		return 0;
	}
	memcpy(cond, nl + 1, len);
	cond[len] = '\0';
	bool out = false;
	struct buf err = BUF_INIT;
	(void)expr_eval_bool(cond, result, &out, &err);
	buf_release(&err);
	free(cond);
	cJSON_Delete(result);
	return 0;
}
