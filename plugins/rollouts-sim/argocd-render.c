/* SPDX-License-Identifier: Apache-2.0 */
/*
 * argocd-render: what Argo CD's repo server makes of a source directory.
 * A directory with a Chart.yaml is a Helm chart, rendered here in a subset
 * of `helm template`: the lookups .Values.*, .Release.{Name,Namespace,
 * Service}, .Chart.{Name,Version,AppVersion}; if / else / else if / end;
 * the functions default, quote and not; pipelines of those, parentheses,
 * string, number and boolean literals, comments and {{- -}} trimming. Any
 * other action (include, toYaml, range, with, variables, ...) is an error
 * naming the template and line, which the controller turns into the
 * Application's ComparisonError. Values follow Helm's precedence
 * (parameters > valuesObject > values > valueFiles > values.yaml). Numbers
 * from values are float64 as in Helm, and print as Go's %v prints them
 * (1234567 renders 1.234567e+06). Any other directory is a plain one:
 * its *.yaml, *.yml and *.json files (subdirectories with
 * directory.recurse, include/exclude globs), every document with a kind.
 */
#include <dirent.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "argocd.h"
#include "json.h"
#include "xalloc.h"
#include "yaml.h"

/* ------------------------------------------------------ value printing */

/* Go's %v of a float64 (strconv 'g', shortest, exponent from 1e+06). */
static void
argocd_render_go_float(struct buf *b, double d)
{
	if (d == 0) {
		buf_adds(b, "0");
		return;
	}
	if (isinf(d) || isnan(d)) {
		buf_adds(b, isnan(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf");
		return;
	}
	char tmp[64];
	int prec = 1;
	for (; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
		if (strtod(tmp, NULL) == d) {
			break;
		}
	}
	/* tmp is [-]D[.DDD]e[+-]XX */
	char digits[32];
	int nd = 0;
	const char *p = tmp;
	bool neg = *p == '-';
	if (neg) {
		p++;
	}
	for (; *p && *p != 'e'; p++) {
		if (*p >= '0' && *p <= '9' && nd < 31) {
			digits[nd++] = *p;
		}
	}
	digits[nd] = '\0';
	int exp = atoi(p + 1);
	while (nd > 1 && digits[nd - 1] == '0') {
		digits[--nd] = '\0';
	}
	if (neg) {
		buf_addch(b, '-');
	}
	if (exp < -4 || exp >= 6) {
		buf_addch(b, digits[0]);
		if (nd > 1) {
			buf_addch(b, '.');
			buf_adds(b, digits + 1);
		}
		buf_addf(b, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
		return;
	}
	if (exp < 0) {
		buf_adds(b, "0.");
		for (int i = 0; i < -exp - 1; i++) {
			buf_addch(b, '0');
		}
		buf_adds(b, digits);
		return;
	}
	for (int i = 0; i <= exp; i++) {
		buf_addch(b, i < nd ? digits[i] : '0');
	}
	if (nd > exp + 1) {
		buf_addch(b, '.');
		buf_adds(b, digits + exp + 1);
	}
}

/* text/template's printing of a value (Go's %v); nil prints nothing, as
 * Helm removes "<no value>". */
static void
argocd_render_print(struct buf *b, const cJSON *v)
{
	if (!v || cJSON_IsNull(v)) {
		return;
	}
	if (cJSON_IsString(v)) {
		buf_adds(b, v->valuestring);
	} else if (cJSON_IsBool(v)) {
		buf_adds(b, cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsNumber(v)) {
		argocd_render_go_float(b, v->valuedouble);
	} else if (cJSON_IsArray(v)) {
		buf_addch(b, '[');
		for (const cJSON *c = v->child; c; c = c->next) {
			argocd_render_print(b, c);
			if (c->next) {
				buf_addch(b, ' ');
			}
		}
		buf_addch(b, ']');
	} else if (cJSON_IsObject(v)) {
		/* map[k:v ...], keys sorted */
		int n = cJSON_GetArraySize(v);
		const cJSON **keys = xcalloc((size_t)n + 1, sizeof(*keys));
		int k = 0;
		for (const cJSON *c = v->child; c; c = c->next) {
			int i = k++;
			while (i > 0 && strcmp(keys[i - 1]->string, c->string) >
						0) {
				keys[i] = keys[i - 1];
				i--;
			}
			keys[i] = c;
		}
		buf_adds(b, "map[");
		for (int i = 0; i < k; i++) {
			buf_addf(b, "%s%s:", i ? " " : "", keys[i]->string);
			argocd_render_print(b, keys[i]);
		}
		buf_addch(b, ']');
		free(keys);
	}
}

/* Go template truth (and Sprig's "not empty"). */
static bool
argocd_render_truthy(const cJSON *v)
{
	if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v)) {
		return false;
	}
	if (cJSON_IsString(v)) {
		return v->valuestring[0] != '\0';
	}
	if (cJSON_IsNumber(v)) {
		return v->valuedouble != 0;
	}
	if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
		return v->child != NULL;
	}
	return true;
}

/* ---------------------------------------------------- the Helm subset */

struct helm {
	const char *fname;
	const char *text;
	size_t len;
	const cJSON *values, *release, *chart;
	struct buf *err;
	cJSON *arena;      /* values made while evaluating */
	long line;         /* line of the action being parsed */
	const char *p, *end; /* the action's text being parsed */
	bool failed;
};

static void
argocd_render_fail(struct helm *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
argocd_render_fail(struct helm *h, const char *fmt, ...)
{
	if (h->failed) {
		return;
	}
	h->failed = true;
	buf_reset(h->err);
	buf_addf(h->err, "%s:%ld: ", h->fname, h->line);
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(h->err, fmt, ap);
	va_end(ap);
}

static const cJSON *
argocd_render_keep(struct helm *h, cJSON *v)
{
	cJSON_AddItemToArray(h->arena, v);
	return v;
}

static void
argocd_render_skip_space(struct helm *h)
{
	while (h->p < h->end && (*h->p == ' ' || *h->p == '\t' ||
				 *h->p == '\n' || *h->p == '\r')) {
		h->p++;
	}
}

static bool
argocd_render_ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static const cJSON *argocd_render_pipeline(struct helm *h, bool live);

/* .A.B.C against the root {Values, Release, Chart}. */
static const cJSON *
argocd_render_field(struct helm *h, bool live)
{
	const char *start = h->p;
	const cJSON *cur = NULL;
	int depth = 0;
	char root[256] = "";
	while (h->p < h->end && *h->p == '.') {
		h->p++;
		const char *s = h->p;
		while (h->p < h->end && argocd_render_ident_char(*h->p)) {
			h->p++;
		}
		size_t n = (size_t)(h->p - s);
		if (n == 0) {
			if (depth == 0) {
				argocd_render_fail(h, "unsupported in rollouts-sim's "
					  "Helm subset: the dot '.' alone");
			} else {
				argocd_render_fail(h, "bad field '%.*s'",
					  (int)(h->p - start), start);
			}
			return NULL;
		}
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)n, s);
		if (depth == 0) {
			snprintf(root, sizeof(root), "%s", name);
			if (strcmp(name, "Values") == 0) {
				cur = h->values;
			} else if (strcmp(name, "Release") == 0) {
				cur = h->release;
			} else if (strcmp(name, "Chart") == 0) {
				cur = h->chart;
			} else {
				argocd_render_fail(h, "unsupported in rollouts-sim's "
					  "Helm subset: '.%s'", name);
				return NULL;
			}
		} else if (strcmp(root, "Values") != 0 && depth == 1) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(
				cur, name);
			if (!v) {
				argocd_render_fail(h, "unsupported in rollouts-sim's "
					  "Helm subset: '.%s.%s'", root, name);
				return NULL;
			}
			cur = v;
		} else if (live) {
			if (!cur || cJSON_IsNull(cur)) {
				argocd_render_fail(h, "executing at <%.*s>: nil pointer "
					  "evaluating interface {}.%s",
					  (int)(h->end - start) >
						  (int)(h->p - start)
					  ? (int)(h->p - start) : 0,
					  start, name);
				return NULL;
			}
			if (!cJSON_IsObject(cur)) {
				argocd_render_fail(h, "executing at <%.*s>: can't "
					  "evaluate field %s in type %s",
					  (int)(h->p - start), start, name,
					  cJSON_IsString(cur) ? "string"
					  : cJSON_IsArray(cur)
						  ? "[]interface {}"
						  : cJSON_IsNumber(cur)
							    ? "float64"
							    : "bool");
				return NULL;
			}
			cur = cJSON_GetObjectItemCaseSensitive(cur, name);
		}
		depth++;
	}
	if (depth == 1 && strcmp(root, "Values") != 0) {
		argocd_render_fail(h, "unsupported in rollouts-sim's Helm subset: "
			  "'.%s' alone", root);
		return NULL;
	}
	return live ? cur : NULL;
}

/* A string literal "..." (Go escapes) or `...`. */
static const cJSON *
argocd_render_string(struct helm *h)
{
	struct buf s = BUF_INIT;
	char q = *h->p++;
	bool closed = false;
	while (h->p < h->end) {
		char c = *h->p++;
		if (c == q) {
			closed = true;
			break;
		}
		if (q == '"' && c == '\\' && h->p < h->end) {
			char e = *h->p++;
			switch (e) {
			case 'n': buf_addch(&s, '\n'); break;
			case 't': buf_addch(&s, '\t'); break;
			case 'r': buf_addch(&s, '\r'); break;
			case '\\': buf_addch(&s, '\\'); break;
			case '"': buf_addch(&s, '"'); break;
			default:
				argocd_render_fail(h, "unsupported escape '\\%c' in a "
					  "string", e);
				buf_release(&s);
				return NULL;
			}
			continue;
		}
		if (q == '"' && c == '\n') {
			break;
		}
		buf_addch(&s, c);
	}
	if (!closed) {
		argocd_render_fail(h, "unterminated quoted string");
		buf_release(&s);
		return NULL;
	}
	const cJSON *v = argocd_render_keep(h, cJSON_CreateString(s.buf ? s.buf : ""));
	buf_release(&s);
	return v;
}

enum helm_fn { FN_NONE, FN_DEFAULT, FN_QUOTE, FN_NOT };

/* Sprig's quote: each non-nil argument as Go's %q, space-separated. */
static void
argocd_render_quote(struct buf *b, const cJSON *v)
{
	struct buf s = BUF_INIT;
	argocd_render_print(&s, v);
	buf_addch(b, '"');
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.buf[i];
		switch (c) {
		case '"': buf_adds(b, "\\\""); break;
		case '\\': buf_adds(b, "\\\\"); break;
		case '\n': buf_adds(b, "\\n"); break;
		case '\t': buf_adds(b, "\\t"); break;
		case '\r': buf_adds(b, "\\r"); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				buf_addf(b, "\\x%02x", c);
			} else {
				buf_addch(b, (char)c);
			}
		}
	}
	buf_addch(b, '"');
	buf_release(&s);
}

/* One operand; *is_fn set for a function name. */
static const cJSON *
argocd_render_operand(struct helm *h, bool live, enum helm_fn *fn, bool *got)
{
	*got = true;
	*fn = FN_NONE;
	argocd_render_skip_space(h);
	if (h->p >= h->end || *h->p == '|' || *h->p == ')') {
		*got = false;
		return NULL;
	}
	char c = *h->p;
	if (c == '.') {
		return argocd_render_field(h, live);
	}
	if (c == '"' || c == '`') {
		return argocd_render_string(h);
	}
	if (c == '(') {
		h->p++;
		const cJSON *v = argocd_render_pipeline(h, live);
		argocd_render_skip_space(h);
		if (h->failed) {
			return NULL;
		}
		if (h->p >= h->end || *h->p != ')') {
			argocd_render_fail(h, "unclosed left paren");
			return NULL;
		}
		h->p++;
		return v;
	}
	if (c == '$') {
		argocd_render_fail(h, "unsupported in rollouts-sim's Helm subset: "
			  "variables ('$')");
		return NULL;
	}
	if ((c >= '0' && c <= '9') || c == '-' || c == '+') {
		char *e;
		double d = strtod(h->p, &e);
		if (e == h->p || (e < h->end && argocd_render_ident_char(*e))) {
			argocd_render_fail(h, "bad number syntax: '%.*s'",
				  (int)(h->end - h->p), h->p);
			return NULL;
		}
		h->p = e;
		return argocd_render_keep(h, cJSON_CreateNumber(d));
	}
	if (argocd_render_ident_char(c)) {
		const char *s = h->p;
		while (h->p < h->end && (argocd_render_ident_char(*h->p) ||
					 *h->p == '.')) {
			h->p++;
		}
		int n = (int)(h->p - s);
		if (n == 4 && strncmp(s, "true", 4) == 0) {
			return argocd_render_keep(h, cJSON_CreateTrue());
		}
		if (n == 5 && strncmp(s, "false", 5) == 0) {
			return argocd_render_keep(h, cJSON_CreateFalse());
		}
		if (n == 3 && strncmp(s, "nil", 3) == 0) {
			return NULL;
		}
		if (n == 7 && strncmp(s, "default", 7) == 0) {
			*fn = FN_DEFAULT;
		} else if (n == 5 && strncmp(s, "quote", 5) == 0) {
			*fn = FN_QUOTE;
		} else if (n == 3 && strncmp(s, "not", 3) == 0) {
			*fn = FN_NOT;
		} else {
			argocd_render_fail(h, "unsupported in rollouts-sim's Helm "
				  "subset: function \"%.*s\"", n, s);
		}
		return NULL;
	}
	argocd_render_fail(h, "unexpected \"%c\" in command", c);
	return NULL;
}

/* One command: an operand, or a function with its arguments; prev is the
 * previous command's value in a pipeline (has_prev). */
static const cJSON *
argocd_render_command(struct helm *h, bool live, const cJSON *prev, bool has_prev)
{
	enum helm_fn fn;
	bool got;
	const cJSON *first = argocd_render_operand(h, live, &fn, &got);
	if (h->failed) {
		return NULL;
	}
	if (!got) {
		argocd_render_fail(h, "missing value for command");
		return NULL;
	}
	if (fn == FN_NONE) {
		argocd_render_skip_space(h);
		if (h->p < h->end && *h->p != '|' && *h->p != ')') {
			argocd_render_fail(h, "can't give argument to non-function "
				  "'%.*s'", (int)(h->end - h->p), h->p);
			return NULL;
		}
		if (has_prev) {
			argocd_render_fail(h, "can't give argument to non-function");
			return NULL;
		}
		return first;
	}
	const cJSON *args[16];
	int nargs = 0;
	for (;;) {
		enum helm_fn afn;
		const cJSON *a = argocd_render_operand(h, live, &afn, &got);
		if (h->failed) {
			return NULL;
		}
		if (!got) {
			break;
		}
		if (afn != FN_NONE) {
			argocd_render_fail(h, "unsupported in rollouts-sim's Helm "
				  "subset: a function as an argument "
				  "(use parentheses)");
			return NULL;
		}
		if (nargs == 15) {
			argocd_render_fail(h, "too many arguments");
			return NULL;
		}
		args[nargs++] = a;
	}
	if (has_prev) {
		args[nargs++] = prev;
	}
	switch (fn) {
	case FN_DEFAULT:
		if (nargs != 2) {
			argocd_render_fail(h, "wrong number of args for default: want "
				  "2 got %d", nargs);
			return NULL;
		}
		return argocd_render_truthy(args[1]) ? args[1] : args[0];
	case FN_NOT:
		if (nargs != 1) {
			argocd_render_fail(h, "wrong number of args for not: want 1 "
				  "got %d", nargs);
			return NULL;
		}
		return argocd_render_keep(h, cJSON_CreateBool(!argocd_render_truthy(args[0])));
	case FN_QUOTE: {
		struct buf q = BUF_INIT;
		bool any = false;
		for (int i = 0; i < nargs; i++) {
			if (!args[i] || cJSON_IsNull(args[i])) {
				continue;
			}
			if (any) {
				buf_addch(&q, ' ');
			}
			argocd_render_quote(&q, args[i]);
			any = true;
		}
		const cJSON *v = argocd_render_keep(h, cJSON_CreateString(
			q.buf ? q.buf : ""));
		buf_release(&q);
		return v;
	}
	case FN_NONE:
		break;
	}
	return NULL;
}

static const cJSON *
argocd_render_pipeline(struct helm *h, bool live)
{
	const cJSON *v = NULL;
	bool has = false;
	for (;;) {
		v = argocd_render_command(h, live, v, has);
		if (h->failed) {
			return NULL;
		}
		has = true;
		argocd_render_skip_space(h);
		if (h->p < h->end && *h->p == '|') {
			h->p++;
			continue;
		}
		return v;
	}
}

/* Whether the action's text starts with the keyword kw. */
static bool
argocd_render_keyword(struct helm *h, const char *kw)
{
	size_t n = strlen(kw);
	if ((size_t)(h->end - h->p) < n || strncmp(h->p, kw, n) != 0) {
		return false;
	}
	if (h->p + n < h->end && argocd_render_ident_char(h->p[n])) {
		return false;
	}
	h->p += n;
	return true;
}

#define HELM_MAX_NEST 64

struct helm_frame {
	bool parent_live; /* the enclosing block emits */
	bool taken;       /* a branch of this if ran */
	bool live;        /* the current branch emits */
	bool in_else;
	long line;
};

static bool
argocd_render_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int
argocd_render_helm_template(const char *text, size_t len, const char *fname,
		     const cJSON *values, const cJSON *release,
		     const cJSON *chart, struct buf *out, struct buf *err)
{
	struct helm h = { .fname = fname, .text = text, .len = len,
			  .values = values, .release = release,
			  .chart = chart, .err = err,
			  .arena = cJSON_CreateArray() };
	struct helm_frame st[HELM_MAX_NEST];
	int depth = 0;
	size_t pos = 0;
	bool ltrim = false;
	long line = 1;
	const char *scan_from = text;
	while (pos <= len && !h.failed) {
		const char *open = NULL;
		for (size_t i = pos; i + 1 < len; i++) {
			if (text[i] == '{' && text[i + 1] == '{') {
				open = text + i;
				break;
			}
		}
		size_t tend = open ? (size_t)(open - text) : len;
		bool rtrim = open && (size_t)(open - text) + 3 < len &&
			     open[2] == '-' && argocd_render_space(open[3]);
		size_t ts = pos, te = tend;
		if (ltrim) {
			while (ts < te && argocd_render_space(text[ts])) {
				ts++;
			}
		}
		if (rtrim) {
			while (te > ts && argocd_render_space(text[te - 1])) {
				te--;
			}
		}
		bool live = depth == 0 || st[depth - 1].live;
		if (live && te > ts) {
			buf_add(out, text + ts, te - ts);
		}
		if (!open) {
			break;
		}
		for (const char *q = scan_from; q < open; q++) {
			line += *q == '\n';
		}
		scan_from = open;
		h.line = line;
		/* find the closing }} outside string literals */
		const char *a = open + 2 + (rtrim ? 1 : 0);
		const char *close = NULL;
		char inq = 0;
		for (const char *q = a; q + 1 < text + len; q++) {
			if (inq) {
				if (*q == '\\' && inq == '"') {
					q++;
				} else if (*q == inq) {
					inq = 0;
				}
				continue;
			}
			if (*q == '"' || *q == '`') {
				inq = *q;
			} else if (q[0] == '}' && q[1] == '}') {
				close = q;
				break;
			}
		}
		if (!close) {
			argocd_render_fail(&h, "unclosed action");
			break;
		}
		const char *ae = close;
		ltrim = false;
		if (ae - a >= 2 && ae[-1] == '-' && argocd_render_space(ae[-2])) {
			ltrim = true;
			ae--;
		}
		pos = (size_t)(close - text) + 2;
		h.p = a;
		h.end = ae;
		argocd_render_skip_space(&h);
		/* comments */
		if (h.end - h.p >= 4 && strncmp(h.p, "/*", 2) == 0) {
			const char *ce = h.end;
			while (ce > h.p && argocd_render_space(ce[-1])) {
				ce--;
			}
			if (ce - h.p < 4 || strncmp(ce - 2, "*/", 2) != 0) {
				argocd_render_fail(&h, "unclosed comment");
			}
			continue;
		}
		if (argocd_render_keyword(&h, "if")) {
			if (depth == HELM_MAX_NEST) {
				argocd_render_fail(&h, "if nested too deeply");
				break;
			}
			const cJSON *v = argocd_render_pipeline(&h, live);
			struct helm_frame *f = &st[depth++];
			f->parent_live = live;
			f->live = live && argocd_render_truthy(v);
			f->taken = f->live;
			f->in_else = false;
			f->line = line;
		} else if (argocd_render_keyword(&h, "else")) {
			if (depth == 0 || st[depth - 1].in_else) {
				argocd_render_fail(&h, "unexpected {{else}}");
				break;
			}
			struct helm_frame *f = &st[depth - 1];
			argocd_render_skip_space(&h);
			if (argocd_render_keyword(&h, "if")) {
				bool can = f->parent_live && !f->taken;
				const cJSON *v = argocd_render_pipeline(&h, can);
				f->live = can && argocd_render_truthy(v);
				f->taken = f->taken || f->live;
			} else {
				f->live = f->parent_live && !f->taken;
				f->taken = true;
				f->in_else = true;
			}
		} else if (argocd_render_keyword(&h, "end")) {
			if (depth == 0) {
				argocd_render_fail(&h, "unexpected {{end}}");
				break;
			}
			depth--;
		} else {
			static const char *const kws[] = {
				"range", "with", "define", "template",
				"block", "break", "continue",
			};
			for (size_t i = 0; i < sizeof(kws) / sizeof(kws[0]);
			     i++) {
				const char *save = h.p;
				if (argocd_render_keyword(&h, kws[i])) {
					argocd_render_fail(&h, "unsupported in "
						  "rollouts-sim's Helm subset: "
						  "'%s'", kws[i]);
				}
				h.p = save;
			}
			if (h.failed) {
				break;
			}
			const cJSON *v = argocd_render_pipeline(&h, live);
			if (!h.failed && live) {
				argocd_render_print(out, v);
			}
		}
		argocd_render_skip_space(&h);
		if (!h.failed && h.p < h.end) {
			argocd_render_fail(&h, "unexpected \"%.*s\" in command",
				  (int)(h.end - h.p), h.p);
		}
	}
	if (!h.failed && depth > 0) {
		h.line = st[depth - 1].line;
		argocd_render_fail(&h, "unexpected EOF (an {{if}} without {{end}})");
	}
	cJSON_Delete(h.arena);
	return h.failed ? -1 : 0;
}

/* ------------------------------------------------------------- values */

void
argocd_render_merge_values(cJSON *dst, const cJSON *src)
{
	if (!cJSON_IsObject(dst) || !cJSON_IsObject(src)) {
		return;
	}
	for (const cJSON *s = src->child; s; s = s->next) {
		cJSON *d = cJSON_GetObjectItemCaseSensitive(dst, s->string);
		if (cJSON_IsNull(s)) {
			cJSON_DeleteItemFromObjectCaseSensitive(dst, s->string);
		} else if (d && cJSON_IsObject(d) && cJSON_IsObject(s)) {
			argocd_render_merge_values(d, s);
		} else {
			json_set_item(dst, s->string, cJSON_Duplicate(s, 1));
		}
	}
}

int
argocd_render_set_value(cJSON *values, const char *name, const char *value,
		bool force_string, struct buf *err)
{
	if (!name || !*name || strpbrk(name, "[]\\")) {
		buf_addf(err, "helm parameter '%s': rollouts-sim supports "
			 "dotted names only", name ? name : "");
		return -1;
	}
	cJSON *cur = values;
	char *copy = xstrdup(name);
	char *save = NULL;
	char *part = strtok_r(copy, ".", &save);
	while (part) {
		char *next = strtok_r(NULL, ".", &save);
		if (!next) {
			cJSON *v;
			if (force_string) {
				v = cJSON_CreateString(value ? value : "");
			} else if (!value || strcmp(value, "null") == 0) {
				v = cJSON_CreateNull();
			} else if (strcmp(value, "true") == 0 ||
				   strcmp(value, "false") == 0) {
				v = cJSON_CreateBool(value[0] == 't');
			} else {
				char *e;
				long long n = strtoll(value, &e, 10);
				v = *value && !*e &&
						    (value[0] != '0' ||
						     !value[1])
					    ? cJSON_CreateNumber((double)n)
					    : cJSON_CreateString(value);
			}
			if (cJSON_IsNull(v)) {
				cJSON_Delete(v);
				cJSON_DeleteItemFromObjectCaseSensitive(cur,
									part);
			} else {
				json_set_item(cur, part, v);
			}
			break;
		}
		cJSON *sub = cJSON_GetObjectItemCaseSensitive(cur, part);
		if (!cJSON_IsObject(sub)) {
			sub = cJSON_CreateObject();
			json_set_item(cur, part, sub);
		}
		cur = sub;
		part = next;
	}
	free(copy);
	return 0;
}

/* -------------------------------------------------------------- files */

static bool
argocd_render_is_manifest(const char *name)
{
	size_t n = strlen(name);
	return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(name + n - 4, ".yml") == 0) ||
	       (n > 5 && strcmp(name + n - 5, ".json") == 0);
}

static int
argocd_render_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Relative paths of the files under root/rel (sorted), recursing when
 * recurse. */
static void
argocd_render_list(const char *root, const char *rel, bool recurse, char ***out,
	    size_t *n, size_t *cap)
{
	char *dir = *rel ? xasprintf("%s/%s", root, rel) : xstrdup(root);
	DIR *d = opendir(dir);
	if (!d) {
		free(dir);
		return;
	}
	char **names = NULL;
	size_t nn = 0, nc = 0;
	for (struct dirent *de = readdir(d); de; de = readdir(d)) {
		if (de->d_name[0] == '.') {
			continue;
		}
		if (nn == nc) {
			nc = nc ? nc * 2 : 16;
			names = xrealloc(names, nc * sizeof(*names));
		}
		names[nn++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (nn) {
		qsort(names, nn, sizeof(*names), argocd_render_cmp);
	}
	for (size_t i = 0; i < nn; i++) {
		char *r = *rel ? xasprintf("%s/%s", rel, names[i])
			       : xstrdup(names[i]);
		char *full = xasprintf("%s/%s", root, r);
		struct stat sb;
		if (stat(full, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			if (recurse) {
				argocd_render_list(root, r, recurse, out, n, cap);
			}
			free(r);
		} else if (stat(full, &sb) == 0 && S_ISREG(sb.st_mode)) {
			if (*n == *cap) {
				*cap = *cap ? *cap * 2 : 16;
				*out = xrealloc(*out, *cap * sizeof(**out));
			}
			(*out)[(*n)++] = r;
		} else {
			free(r);
		}
		free(full);
		free(names[i]);
	}
	free(names);
	free(dir);
}

/* Append the documents of one file (YAML or JSON) to arr. */
static int
argocd_render_docs(cJSON *arr, const char *data, size_t len, const char *fname,
	    struct buf *err)
{
	struct pd_err e = { 0 };
	int *lines = NULL;
	cJSON *docs = yaml_to_json_lines(data, len, fname, &lines, &e);
	if (!docs) {
		buf_addf(err, "%s", e.msg);
		return -1;
	}
	int i = 0;
	for (cJSON *d = docs->child; d; d = d->next, i++) {
		if (cJSON_IsNull(d)) {
			continue;
		}
		const char *kind = json_str(d, "kind");
		if (!cJSON_IsObject(d) || !kind || !*kind) {
			buf_addf(err, "%s:%d: Object 'Kind' is missing", fname,
				 lines ? lines[i] : 1);
			free(lines);
			cJSON_Delete(docs);
			return -1;
		}
		if (strcmp(kind, "List") == 0 &&
		    cJSON_IsArray(cJSON_GetObjectItem(d, "items"))) {
			for (cJSON *it = cJSON_GetObjectItem(d, "items")->child;
			     it; it = it->next) {
				cJSON_AddItemToArray(arr,
						     cJSON_Duplicate(it, 1));
			}
			continue;
		}
		cJSON_AddItemToArray(arr, cJSON_Duplicate(d, 1));
	}
	free(lines);
	cJSON_Delete(docs);
	return 0;
}

static bool
argocd_render_glob_any(const char *globs, const char *path)
{
	if (!globs || !*globs) {
		return false;
	}
	/* "{a,b}" or "a" (Argo CD's brace list, without nesting) */
	char *copy = xstrdup(globs);
	char *s = copy;
	size_t n = strlen(s);
	if (n >= 2 && s[0] == '{' && s[n - 1] == '}') {
		s[n - 1] = '\0';
		s++;
	}
	bool hit = false;
	char *save = NULL;
	for (char *g = strtok_r(s, ",", &save); g && !hit;
	     g = strtok_r(NULL, ",", &save)) {
		const char *base = strrchr(path, '/');
		hit = fnmatch(g, path, 0) == 0 ||
		      (!strchr(g, '/') && fnmatch(g, base ? base + 1 : path,
						  0) == 0);
	}
	free(copy);
	return hit;
}

static cJSON *
argocd_render_directory(const cJSON *src, const char *dir, struct buf *err)
{
	bool recurse = json_bool(src, "directory.recurse", false);
	const char *inc = json_str(src, "directory.include");
	const char *exc = json_str(src, "directory.exclude");
	char **files = NULL;
	size_t n = 0, cap = 0;
	argocd_render_list(dir, "", recurse, &files, &n, &cap);
	cJSON *arr = cJSON_CreateArray();
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0 && argocd_render_is_manifest(files[i]) &&
		    (!inc || !*inc || argocd_render_glob_any(inc, files[i])) &&
		    !argocd_render_glob_any(exc, files[i])) {
			char *full = xasprintf("%s/%s", dir, files[i]);
			struct buf data = BUF_INIT;
			if (buf_read_file(&data, full) < 0) {
				buf_addf(err, "%s: cannot read", files[i]);
				rc = -1;
			} else {
				rc = argocd_render_docs(arr, data.buf ? data.buf : "",
						 data.len, files[i], err);
			}
			buf_release(&data);
			free(full);
		}
		free(files[i]);
	}
	free(files);
	if (rc < 0) {
		cJSON_Delete(arr);
		return NULL;
	}
	return arr;
}

/* The first document of a YAML file as an object ({} when empty). */
static cJSON *
argocd_render_yaml_object(const char *data, size_t len, const char *fname,
		   struct buf *err)
{
	struct pd_err e = { 0 };
	cJSON *docs = yaml_to_json(data, len, fname, &e);
	if (!docs) {
		buf_addf(err, "%s", e.msg);
		return NULL;
	}
	cJSON *first = docs->child;
	cJSON *obj;
	if (!first || cJSON_IsNull(first)) {
		obj = cJSON_CreateObject();
	} else if (!cJSON_IsObject(first)) {
		buf_addf(err, "%s: values must be a map", fname);
		cJSON_Delete(docs);
		return NULL;
	} else {
		obj = cJSON_DetachItemViaPointer(docs, first);
	}
	cJSON_Delete(docs);
	return obj;
}

static cJSON *
argocd_render_helm(const cJSON *app, const char *dir, const char *root,
	    struct buf *err)
{
	const cJSON *src = json_path(app, "spec.source");
	const cJSON *helm = cJSON_GetObjectItem(src, "helm");
	struct buf data = BUF_INIT;
	cJSON *out = NULL, *chart = NULL, *values = NULL, *release = NULL;
	char *path = xasprintf("%s/Chart.yaml", dir);
	if (buf_read_file(&data, path) < 0) {
		buf_addf(err, "Chart.yaml: cannot read");
		goto done;
	}
	cJSON *cy = argocd_render_yaml_object(data.buf ? data.buf : "", data.len,
				       "Chart.yaml", err);
	if (!cy) {
		goto done;
	}
	chart = cJSON_CreateObject();
	const char *cn = json_str(cy, "name");
	cJSON_AddStringToObject(chart, "Name", cn ? cn : "");
	const cJSON *cv = cJSON_GetObjectItem(cy, "version");
	struct buf vb = BUF_INIT;
	argocd_render_print(&vb, cv);
	cJSON_AddStringToObject(chart, "Version", vb.buf ? vb.buf : "");
	buf_reset(&vb);
	argocd_render_print(&vb, cJSON_GetObjectItem(cy, "appVersion"));
	cJSON_AddStringToObject(chart, "AppVersion", vb.buf ? vb.buf : "");
	buf_release(&vb);
	cJSON_Delete(cy);

	/* values: values.yaml < valueFiles < values|valuesObject < params */
	free(path);
	path = xasprintf("%s/values.yaml", dir);
	buf_reset(&data);
	if (buf_read_file(&data, path) == 0) {
		values = argocd_render_yaml_object(data.buf ? data.buf : "", data.len,
					    "values.yaml", err);
		if (!values) {
			goto done;
		}
	} else {
		values = cJSON_CreateObject();
	}
	const cJSON *vf = cJSON_GetObjectItem(helm, "valueFiles");
	for (const cJSON *f = vf ? vf->child : NULL; f; f = f->next) {
		if (!cJSON_IsString(f) || strstr(f->valuestring, "..") ||
		    f->valuestring[0] == '/' ||
		    strstr(f->valuestring, "://")) {
			buf_addf(err, "value file '%s': rollouts-sim reads "
				 "value files inside the chart only",
				 cJSON_IsString(f) ? f->valuestring : "");
			goto done;
		}
		free(path);
		path = xasprintf("%s/%s", dir, f->valuestring);
		buf_reset(&data);
		if (buf_read_file(&data, path) < 0) {
			buf_addf(err, "open %s: no such file or directory",
				 f->valuestring);
			goto done;
		}
		cJSON *o = argocd_render_yaml_object(data.buf ? data.buf : "",
					      data.len, f->valuestring, err);
		if (!o) {
			goto done;
		}
		argocd_render_merge_values(values, o);
		cJSON_Delete(o);
	}
	const cJSON *vo = cJSON_GetObjectItem(helm, "valuesObject");
	const char *vs = json_str(helm, "values");
	if (cJSON_IsObject(vo)) {
		argocd_render_merge_values(values, vo);
	} else if (vs && *vs) {
		cJSON *o = argocd_render_yaml_object(vs, strlen(vs),
					      "spec.source.helm.values", err);
		if (!o) {
			goto done;
		}
		argocd_render_merge_values(values, o);
		cJSON_Delete(o);
	}
	const cJSON *params = cJSON_GetObjectItem(helm, "parameters");
	for (const cJSON *p = params ? params->child : NULL; p; p = p->next) {
		if (argocd_render_set_value(values, json_str(p, "name"),
				    json_str(p, "value"),
				    json_bool(p, "forceString", false),
				    err) < 0) {
			goto done;
		}
	}
	release = cJSON_CreateObject();
	const char *rn = json_str(helm, "releaseName");
	if (!rn || !*rn) {
		rn = json_str(app, "metadata.name");
	}
	const char *rns = json_str(helm, "namespace");
	if (!rns || !*rns) {
		rns = json_str(app, "spec.destination.namespace");
	}
	cJSON_AddStringToObject(release, "Name", rn ? rn : "");
	cJSON_AddStringToObject(release, "Namespace", rns ? rns : "");
	cJSON_AddStringToObject(release, "Service", "Helm");
	cJSON_AddTrueToObject(release, "IsInstall");
	cJSON_AddFalseToObject(release, "IsUpgrade");

	/* templates/, every file but partials (_*) and NOTES.txt */
	char *tdir = xasprintf("%s/templates", dir);
	char **files = NULL;
	size_t n = 0, cap = 0;
	argocd_render_list(tdir, "", true, &files, &n, &cap);
	out = cJSON_CreateArray();
	const char *rel = dir + strlen(root);
	while (*rel == '/') {
		rel++;
	}
	for (size_t i = 0; i < n; i++) {
		const char *base = strrchr(files[i], '/');
		base = base ? base + 1 : files[i];
		if (out && base[0] != '_' && strcmp(base, "NOTES.txt") != 0) {
			char *full = xasprintf("%s/%s", tdir, files[i]);
			char *fname = xasprintf("%s%stemplates/%s", rel,
						*rel ? "/" : "", files[i]);
			struct buf text = BUF_INIT, res = BUF_INIT;
			if (buf_read_file(&text, full) < 0 ||
			    argocd_render_helm_template(text.buf ? text.buf : "",
						 text.len, fname, values,
						 release, chart, &res,
						 err) < 0 ||
			    argocd_render_docs(out, res.buf ? res.buf : "", res.len,
					fname, err) < 0) {
				if (!err->len) {
					buf_addf(err, "%s: cannot read", fname);
				}
				cJSON_Delete(out);
				out = NULL;
			}
			buf_release(&text);
			buf_release(&res);
			free(fname);
			free(full);
		}
		free(files[i]);
	}
	free(files);
	free(tdir);
done:
	free(path);
	buf_release(&data);
	cJSON_Delete(chart);
	cJSON_Delete(values);
	cJSON_Delete(release);
	return out;
}

cJSON *
argocd_render(const cJSON *app, const char *root, const char **type,
	      struct buf *err)
{
	const cJSON *src = json_path(app, "spec.source");
	const char *path = json_str(src, "path");
	if (!path || !*path) {
		path = ".";
	}
	if (path[0] == '/' || strstr(path, "..")) {
		buf_addf(err, "%s: app path is outside the repository", path);
		return NULL;
	}
	if (json_str(src, "chart")) {
		buf_addf(err, "Helm repository sources (spec.source.chart) "
			 "are not simulated: use a chart in a Git repository");
		return NULL;
	}
	char *dir = strcmp(path, ".") == 0 ? xstrdup(root)
					   : xasprintf("%s/%s", root, path);
	struct stat sb;
	cJSON *out = NULL;
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		buf_addf(err, "%s: app path does not exist", path);
	} else {
		char *cy = xasprintf("%s/Chart.yaml", dir);
		char *kz = xasprintf("%s/kustomization.yaml", dir);
		if (stat(cy, &sb) == 0) {
			*type = "Helm";
			out = argocd_render_helm(app, dir, root, err);
		} else if (stat(kz, &sb) == 0) {
			buf_addf(err, "%s: Kustomize sources are not "
				 "simulated by rollouts-sim", path);
		} else {
			*type = "Directory";
			out = argocd_render_directory(src, dir, err);
		}
		free(cy);
		free(kz);
	}
	free(dir);
	return out;
}
