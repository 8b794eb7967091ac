/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tmpl-expand: the template actions of one string value, as kyml fills
 * them with Go's text/template: {{.KEY}}, {{.KEY | default "x"}}, string
 * literals ({{"{{"}}), comments and trim markers; anything else is an
 * error naming what is supported. tmpl_expand_run() also records where
 * each action's result lies, for the in-place renderer.
 */
#include "template-int.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "xalloc.h"

/* ------------------------------------------------------------------ */
/* small helpers */

int
tmpl_expand_isws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
tmpl_expand_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static int
tmpl_expand_isalpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Go's isAlphaNumeric for identifiers; bytes of multi-byte UTF-8
 * characters count as letters. */
static int
tmpl_expand_isident(int c)
{
	return c == '_' || tmpl_expand_isalpha(c) || tmpl_expand_isdigit(c) ||
	       c >= 0x80;
}

static const char *
tmpl_expand_memmem(const char *h, size_t hl, const char *n, size_t nl)
{
	if (nl == 0) {
		return h;
	}
	while (hl >= nl) {
		const char *p = memchr(h, n[0], hl - nl + 1);
		if (!p) {
			return NULL;
		}
		if (memcmp(p, n, nl) == 0) {
			return p;
		}
		hl -= (size_t)(p - h) + 1;
		h = p + 1;
	}
	return NULL;
}

/* The first "{{" in s[0..len), or NULL. */
const char *
tmpl_expand_find_open(const char *s, size_t len)
{
	const char *end = s + len;
	while (s < end) {
		const char *p = memchr(s, '{', (size_t)(end - s));
		if (!p || p + 1 >= end) {
			return NULL;
		}
		if (p[1] == '{') {
			return p;
		}
		s = p + 1;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* actions */

void
tmpl_expand_res_release(struct tmpl_expand_res *r)
{
	buf_release(&r->out);
	for (size_t i = 0; i < r->n; i++) {
		free(r->acts[i].str);
	}
	free(r->acts);
	memset(r, 0, sizeof(*r));
}

int
tmpl_expand_hexval(int c)
{
	if (tmpl_expand_isdigit(c)) {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/*
 * A Go string literal at s[*i] ('"' interpreted or '`' raw), as
 * strconv.Unquote reads it. Returns 0 with the text in out and *i past the
 * closing quote, or -1 with *why.
 */
static int
tmpl_expand_go_string(const char *s, size_t len, size_t *i, struct buf *out,
		      const char **why)
{
	size_t k = *i;
	char q = s[k++];
	if (q == '`') {
		while (k < len && s[k] != '`') {
			if (s[k] != '\r') {
				buf_addch(out, s[k]);
			}
			k++;
		}
		if (k >= len) {
			*why = "unterminated raw quoted string";
			return -1;
		}
		*i = k + 1;
		return 0;
	}
	for (;;) {
		if (k >= len || s[k] == '\n') {
			*why = "unterminated quoted string";
			return -1;
		}
		char c = s[k];
		if (c == '"') {
			*i = k + 1;
			return 0;
		}
		if (c != '\\') {
			buf_addch(out, c);
			k++;
			continue;
		}
		if (k + 1 >= len) {
			*why = "unterminated quoted string";
			return -1;
		}
		char x = s[k + 1];
		k += 2;
		switch (x) {
		case 'a':
			buf_addch(out, '\a');
			break;
		case 'b':
			buf_addch(out, '\b');
			break;
		case 'f':
			buf_addch(out, '\f');
			break;
		case 'n':
			buf_addch(out, '\n');
			break;
		case 'r':
			buf_addch(out, '\r');
			break;
		case 't':
			buf_addch(out, '\t');
			break;
		case 'v':
			buf_addch(out, '\v');
			break;
		case '\\':
			buf_addch(out, '\\');
			break;
		case '"':
			buf_addch(out, '"');
			break;
		case 'x':
		case 'u':
		case 'U': {
			int nd = x == 'x' ? 2 : x == 'u' ? 4 : 8;
			uint32_t v = 0;
			for (int d = 0; d < nd; d++) {
				int h = k < len ? tmpl_expand_hexval(s[k]) : -1;
				if (h < 0) {
					*why =
					    "invalid escape in quoted string";
					return -1;
				}
				v = v << 4 | (uint32_t)h;
				k++;
			}
			if (x == 'x') {
				buf_addch(out, (char)v);
			} else if (v > 0x10FFFF ||
				   (v >= 0xD800 && v <= 0xDFFF)) {
				*why = "invalid escape in quoted string";
				return -1;
			} else {
				char u[4];
				buf_add(out, u, utf8_encode(v, u));
			}
			break;
		}
		default:
			if (x >= '0' && x <= '7') {
				uint32_t v = (uint32_t)(x - '0');
				for (int d = 0; d < 2; d++) {
					if (k >= len || s[k] < '0' ||
					    s[k] > '7') {
						*why =
						    "invalid escape in quoted "
						    "string";
						return -1;
					}
					v = v * 8 + (uint32_t)(s[k++] - '0');
				}
				if (v > 255) {
					*why =
					    "invalid escape in quoted string";
					return -1;
				}
				buf_addch(out, (char)v);
				break;
			}
			*why = "invalid escape in quoted string";
			return -1;
		}
	}
}

static size_t
tmpl_expand_skip_ws(const char *s, size_t len, size_t i)
{
	while (i < len && tmpl_expand_isws((unsigned char)s[i])) {
		i++;
	}
	return i;
}

/* Whether "}}" follows at i, or " -}}" (a right trim marker). */
static int
tmpl_expand_at_close(const char *s, size_t len, size_t i)
{
	return i + 1 < len && s[i] == '}' && s[i + 1] == '}';
}

/* The word at s[i] for a message: an identifier, or one character. */
static void
tmpl_expand_word(const char *s, size_t len, size_t i, char *w, size_t wsize)
{
	size_t n = 0;
	if (i < len && (tmpl_expand_isident((unsigned char)s[i]) ||
			s[i] == '$' || s[i] == '.' || s[i] == '-')) {
		n = 1;
		while (i + n < len && n < 24 &&
		       tmpl_expand_isident((unsigned char)s[i + n])) {
			n++;
		}
	} else if (i < len) {
		n = 1;
	}
	snprintf(w, wsize, "%.*s", (int)n, s + i);
}

static const char tmpl_expand_supported[] =
	"only {{.KEY}}, {{.KEY | default \"x\"}} and {{\"{{\"}} are "
	"supported";

/* Set msg to a formatted message. */
__attribute__((format(printf, 2, 3))) static void
tmpl_expand_msgf(struct buf *msg, const char *fmt, ...)
{
	va_list ap;
	buf_reset(msg);
	va_start(ap, fmt);
	buf_vaddf(msg, fmt, ap);
	va_end(ap);
}

/*
 * Parse the action at s[at] ("{{"). Returns 0 with a filled (a->str owned),
 * or -1 with a message in msg.
 */
static int
tmpl_expand_parse(const char *s, size_t len, size_t at,
		  struct tmpl_expand_act *a, struct buf *msg)
{
	const char *why = NULL;
	char w[32];
	struct buf str = BUF_INIT;
	size_t i = at + 2;

	memset(a, 0, sizeof(*a));
	a->start = at;
	if (i + 1 < len && s[i] == '-' &&
	    tmpl_expand_isws((unsigned char)s[i + 1])) {
		a->ltrim = 1;
		i++;
	}
	/* a comment starts right after "{{" or after "{{- " */
	if (i + 2 < len && a->ltrim && s[i + 1] == '/' && s[i + 2] == '*') {
		i++;
	}
	if (i + 1 < len && s[i] == '/' && s[i + 1] == '*') {
		const char *c =
		    tmpl_expand_memmem(s + i + 2, len - i - 2, "*/", 2);
		if (!c) {
			why = "unclosed comment";
			goto fail;
		}
		i = (size_t)(c - s) + 2;
		a->kind = TMPL_EXPAND_COMMENT;
		if (i + 3 < len && tmpl_expand_isws((unsigned char)s[i]) &&
		    s[i + 1] == '-' && tmpl_expand_at_close(s, len, i + 2)) {
			a->rtrim = 1;
			a->end = i + 4;
			return 0;
		}
		if (tmpl_expand_at_close(s, len, i)) {
			a->end = i + 2;
			return 0;
		}
		why = "comment ends before closing delimiter";
		goto fail;
	}
	i = tmpl_expand_skip_ws(s, len, i);
	if (i >= len) {
		why = "unclosed action";
		goto fail;
	}
	if (tmpl_expand_at_close(s, len, i) ||
	    (i + 2 < len && s[i] == '-' &&
	     tmpl_expand_at_close(s, len, i + 1))) {
		why = "missing value for command";
		goto fail;
	}
	if (s[i] == '.' && i + 1 < len &&
	    tmpl_expand_isident((unsigned char)s[i + 1]) &&
	    !tmpl_expand_isdigit((unsigned char)s[i + 1])) {
		a->kind = TMPL_EXPAND_FIELD;
		a->key = ++i;
		while (i < len && tmpl_expand_isident((unsigned char)s[i])) {
			i++;
		}
		a->klen = i - a->key;
		if (i + 1 < len && s[i] == '.' &&
		    tmpl_expand_isident((unsigned char)s[i + 1])) {
			size_t j = i + 1;
			while (j < len && j - i < 24 &&
			       tmpl_expand_isident((unsigned char)s[j])) {
				j++;
			}
			tmpl_expand_msgf(
			    msg,
			    "nested field '.%.*s%.*s' is not supported "
			    "(values are flat): %s",
			    (int)a->klen, s + a->key, (int)(j - i), s + i,
			    tmpl_expand_supported);
			return -1;
		}
	} else if (s[i] == '"' || s[i] == '`') {
		a->kind = TMPL_EXPAND_STRING;
		if (tmpl_expand_go_string(s, len, &i, &str, &why) < 0) {
			goto fail;
		}
	} else {
		tmpl_expand_word(s, len, i, w, sizeof(w));
		if (strcmp(w, ".") == 0) {
			tmpl_expand_msgf(msg,
					 "'{{.}}' (the whole value map) is not "
					 "supported: %s",
					 tmpl_expand_supported);
		} else {
			tmpl_expand_msgf(msg,
					 "unsupported template action '%s': %s",
					 w, tmpl_expand_supported);
		}
		goto fail_msg;
	}
	size_t before = i;
	i = tmpl_expand_skip_ws(s, len, i);
	if (i < len && s[i] == '|' && a->kind == TMPL_EXPAND_FIELD) {
		i = tmpl_expand_skip_ws(s, len, i + 1);
		tmpl_expand_word(s, len, i, w, sizeof(w));
		if (strcmp(w, "default") != 0 || i + 7 > len ||
		    memcmp(s + i, "default", 7) != 0 ||
		    (i + 7 < len &&
		     tmpl_expand_isident((unsigned char)s[i + 7]))) {
			tmpl_expand_msgf(msg, "unsupported function '%s': %s",
					 w, tmpl_expand_supported);
			goto fail_msg;
		}
		i = tmpl_expand_skip_ws(s, len, i + 7);
		if (i >= len || (s[i] != '"' && s[i] != '`')) {
			tmpl_expand_word(s, len, i, w, sizeof(w));
			tmpl_expand_msgf(
			    msg, "default takes a quoted string, not '%s': %s",
			    w, tmpl_expand_supported);
			goto fail_msg;
		}
		if (tmpl_expand_go_string(s, len, &i, &str, &why) < 0) {
			goto fail;
		}
		a->has_def = 1;
		before = i;
		i = tmpl_expand_skip_ws(s, len, i);
	}
	if (i > before && i + 2 < len && s[i] == '-' &&
	    tmpl_expand_at_close(s, len, i + 1) &&
	    tmpl_expand_isws((unsigned char)s[i - 1])) {
		a->rtrim = 1;
		a->end = i + 3;
	} else if (tmpl_expand_at_close(s, len, i)) {
		a->end = i + 2;
	} else if (i >= len) {
		why = "unclosed action";
		goto fail;
	} else {
		tmpl_expand_word(s, len, i, w, sizeof(w));
		tmpl_expand_msgf(msg, "unexpected '%s' in action: %s", w,
				 tmpl_expand_supported);
		goto fail_msg;
	}
	if (a->kind != TMPL_EXPAND_FIELD || a->has_def) {
		a->slen = str.len;
		a->str = buf_detach(&str, NULL);
	}
	buf_release(&str);
	return 0;
fail:
	tmpl_expand_msgf(msg, "%s", why);
fail_msg:
	/* Go reports an action that never closes as unclosed */
	if (!tmpl_expand_memmem(s + at + 2, len - at - 2, "}}", 2)) {
		tmpl_expand_msgf(msg, "unclosed action");
	}
	buf_release(&str);
	return -1;
}

/* Why a field has no usable value, or NULL when val is usable. */
static const char *
tmpl_expand_missing(const struct tmpl_values_item *t, unsigned flags)
{
	if (!t) {
		return "absent";
	}
	if ((t->val && *t->val) || (flags & TMPL_ALLOW_EMPTY)) {
		return NULL;
	}
	return t->val ? "empty" : "unset";
}

/*
 * Expand every action of s (kyml semantics). Returns 0, or -1 with e filled
 * and *at the offset of the failing action.
 */
int
tmpl_expand_run(const char *s, size_t len, const struct tmpl_values *v,
		unsigned flags, struct tmpl_expand_res *res, size_t *at,
		struct pd_err *e)
{
	size_t i = 0;
	for (;;) {
		const char *p = tmpl_expand_find_open(s + i, len - i);
		if (!p) {
			break;
		}
		size_t pos = (size_t)(p - s);
		struct tmpl_expand_act a;
		struct buf msg = BUF_INIT;
		if (tmpl_expand_parse(s, len, pos, &a, &msg) < 0) {
			*at = pos;
			int rc = err_set(e, PD_EINVALID, "%s", msg.buf);
			buf_release(&msg);
			return rc;
		}
		size_t tend = pos;
		if (a.ltrim) {
			while (tend > i &&
			       tmpl_expand_isws((unsigned char)s[tend - 1])) {
				tend--;
			}
		}
		buf_add(&res->out, s + i, tend - i);
		a.rstart = res->out.len;
		if (a.kind == TMPL_EXPAND_STRING) {
			buf_add(&res->out, a.str, a.slen);
		} else if (a.kind == TMPL_EXPAND_FIELD) {
			const struct tmpl_values_item *t =
			    tmpl_values_find(v, s + a.key, a.klen);
			const char *why = tmpl_expand_missing(t, flags);
			if (!why) {
				const char *val = t->val ? t->val : "";
				if (tmpl_expand_find_open(val, strlen(val))) {
					free(a.str);
					*at = pos;
					return err_set(e, PD_EINVALID,
						       "the value of '%.*s' "
						       "contains '{{', which "
						       "Helm would read as a "
						       "template",
						       (int)a.klen, s + a.key);
				}
				buf_adds(&res->out, val);
			} else if (a.has_def) {
				if (tmpl_expand_find_open(a.str, a.slen)) {
					free(a.str);
					*at = pos;
					return err_set(e, PD_EINVALID,
						       "the default of '%.*s' "
						       "contains '{{', which "
						       "Helm would read as a "
						       "template",
						       (int)a.klen, s + a.key);
				}
				buf_add(&res->out, a.str, a.slen);
			} else {
				free(a.str);
				*at = pos;
				if (strcmp(why, "absent") == 0) {
					return err_set(e, PD_EINVALID,
						       "no value for '%.*s' "
						       "(give it with -v, -e "
						       "or --values, or write "
						       "{{ .%.*s | default "
						       "\"...\" }})",
						       (int)a.klen, s + a.key,
						       (int)a.klen, s + a.key);
				}
				if (t->origin == TMPL_FROM_ENV) {
					return err_set(e, PD_EINVALID,
						       "'%.*s' has no value: "
						       "environment variable "
						       "%.*s is %s (use "
						       "--allow-empty to "
						       "render it empty)",
						       (int)a.klen, s + a.key,
						       (int)a.klen, s + a.key,
						       strcmp(why, "unset") == 0
							   ? "not set"
							   : "empty");
				}
				return err_set(
				    e, PD_EINVALID,
				    "'%.*s' is %s (use --allow-empty "
				    "to render it empty)",
				    (int)a.klen, s + a.key,
				    strcmp(why, "unset") == 0 ? "unset"
							      : "empty");
			}
		}
		a.rlen = res->out.len - a.rstart;
		a.lcut = pos - tend;
		i = a.end;
		if (a.rtrim) {
			i = tmpl_expand_skip_ws(s, len, i);
		}
		a.rcut = i - a.end;
		if (res->n == res->cap) {
			res->cap = res->cap ? res->cap * 2 : 4;
			res->acts =
			    xrealloc(res->acts, res->cap * sizeof(*res->acts));
		}
		res->acts[res->n++] = a;
	}
	buf_add(&res->out, s + i, len - i);
	return 0;
}

int
tmpl_expand(const char *s, size_t len, const struct tmpl_values *v,
	    unsigned flags, struct buf *out, size_t *at, struct pd_err *e)
{
	struct tmpl_expand_res res;
	size_t where = 0;
	memset(&res, 0, sizeof(res));
	res.out = (struct buf)BUF_INIT;
	int rc = tmpl_expand_run(s, len, v, flags, &res, &where, e);
	if (rc == 0) {
		buf_add(out, res.out.buf, res.out.len);
	} else if (at) {
		*at = where;
	}
	tmpl_expand_res_release(&res);
	return rc;
}
