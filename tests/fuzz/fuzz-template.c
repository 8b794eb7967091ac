/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-template: gitops-render's renderer. The input's first line holds
 * values as `-v` takes them (KEY=VALUE, or a CSV line of them; a malformed
 * line is ignored), on top of fixed values; the rest is the YAML stream. It
 * is rendered twice through the streaming API (tmpl_render_new/mem/finish):
 * layout-preserving with --check, and in kyml mode with --allow-empty and
 * --check. (The empty kyml stream, once qsort(NULL, 0) in
 * tmpl_render_finish, is in the corpus:
 * corpus/template/crash-da39a3ee5e6b4b0d3255bfef95601890afd80709.)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "buf.h"
#include "template.h"

static void
fuzz_template_diag(void *arg, const struct tmpl_diag *d)
{
	unsigned *n = arg;
	(*n)++;
}

static int
fuzz_template_write(void *arg, const void *p, size_t n)
{
	return buf_add(arg, p, n);
}

/* Values from the first line (len bytes at line) and fixed ones. */
static struct tmpl_values *
fuzz_template_values(const char *line, size_t len)
{
	struct tmpl_values *v = tmpl_values_new();
	tmpl_values_set(v, "IMAGE_TAG", "1.2.3", TMPL_FROM_FILE);
	tmpl_values_set(v, "NAME", "web", TMPL_FROM_FILE);
	tmpl_values_set(v, "REPLICAS", "3", TMPL_FROM_FILE);
	tmpl_values_set(v, "EMPTY", "", TMPL_FROM_FILE);
	tmpl_values_set(v, "UNSET", NULL, TMPL_FROM_ENV);
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

/* One render of body (blen bytes) with flags. */
static void
fuzz_template_render(const struct tmpl_values *v, unsigned flags,
		     const char *body, size_t blen)
{
	struct buf out = BUF_INIT;
	unsigned ndiag = 0;
	struct tmpl_opts o = { 0 };
	o.flags = flags;
	o.diag = fuzz_template_diag;
	o.diag_arg = &ndiag;
	o.write = fuzz_template_write;
	o.write_arg = &out;
	struct tmpl_render *r = tmpl_render_new(v, &o);
	struct pd_err e = { 0 };
	int rc = tmpl_render_mem(r, body, blen, "fuzz.yaml", &e);
	if (rc == 0) {
		(void)tmpl_render_finish(r, &e);
	}
	unsigned errors, warnings, findings;
	tmpl_render_counts(r, &errors, &warnings, &findings);
	tmpl_render_free(r);
	buf_release(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	const char *nl = memchr(in, '\n', size);
	size_t first = nl ? (size_t)(nl - in) : size;
	const char *body = nl ? nl + 1 : in + size;
	size_t blen = size - (size_t)(body - in);
	struct tmpl_values *v = fuzz_template_values(in, first);
	fuzz_template_render(v, TMPL_CHECK, body, blen);
	fuzz_template_render(v, TMPL_KYML | TMPL_ALLOW_EMPTY | TMPL_CHECK,
			     body, blen);
	tmpl_values_free(v);
	return 0;
}
