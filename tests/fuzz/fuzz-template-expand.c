/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-template-expand: the template actions of one string value
 * (tmpl_expand), kyml's text/template subset. The input's first line holds
 * values as `-v` takes them, on top of fixed values; the rest is the string,
 * expanded once strictly and once with --allow-empty.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "buf.h"
#include "template.h"

/* Values from the first line (len bytes at line) and fixed ones. */
static struct tmpl_values *
fuzz_template_expand_values(const char *line, size_t len)
{
	struct tmpl_values *v = tmpl_values_new();
	tmpl_values_set(v, "IMAGE_TAG", "1.2.3", TMPL_FROM_FILE);
	tmpl_values_set(v, "NAME", "web", TMPL_FROM_ARG);
	tmpl_values_set(v, "EMPTY", "", TMPL_FROM_FILE);
	tmpl_values_set(v, "UNSET", NULL, TMPL_FROM_ENV);
	tmpl_values_set(v, "QUOTE", "a\"b'c{{d}}", TMPL_FROM_FILE);
	char *arg = malloc(len + 1);
	if (arg) {
		memcpy(arg, line, len);
		arg[len] = '\0';
		struct pd_err e = { 0 };
		(void)tmpl_values_add_arg(v, arg, &e);
		free(arg);
	}
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	const char *nl = memchr(in, '\n', size);
	size_t first = nl ? (size_t)(nl - in) : size;
	const char *s = nl ? nl + 1 : in + size;
	size_t len = size - (size_t)(s - in);
	struct tmpl_values *v = fuzz_template_expand_values(in, first);
	static const unsigned flags[] = { 0, TMPL_ALLOW_EMPTY };
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		struct buf out = BUF_INIT;
		struct pd_err e = { 0 };
		size_t at = 0;
		if (tmpl_expand(s, len, v, flags[i], &out, &at, &e) < 0 &&
		    at > len) {
			abort(); /* the failing action must lie in s */
		}
		buf_release(&out);
	}
	tmpl_values_free(v);
	return 0;
}
