/* SPDX-License-Identifier: Apache-2.0 */
/*
 * template: the gitops-render engine (see template.h).
 *
 * Layout-preserving mode reads the input once with libyaml's event parser.
 * A string scalar (never a key) whose value holds "{{" is expanded at the
 * value level, exactly as kyml expands the decoded string; its actions are
 * then found in the scalar's source text (event marks give the span) and
 * replaced there, each result encoded for the scalar's style (escaped in
 * double quotes, doubled quotes in single quotes, indented in block
 * scalars). The new source text of the scalar is proven to read back as the
 * expanded value: directly when the change is on one line and cannot alter
 * the scalar's syntax, otherwise by parsing it again in a reconstructed
 * context (its parent's indentation and flow level). Everything outside the
 * placeholder spans is copied byte for byte, one document at a time.
 *
 * libyaml counts marks in characters; the byte offset of a mark is the
 * character index itself until the first non-ASCII byte of the input, and a
 * cursor walking UTF-8 lead bytes after that.
 *
 * kyml mode runs the same pass (positions for messages, deferred per
 * document so a document that a later duplicate replaces is never
 * reported), converts each document with yaml_to_json(), dedupes and sorts
 * as kyml's cat does, expands the strings of the tree and writes it through
 * libyaml's emitter driven as go-yaml v2's encoder drives its port of it.
 */
#include "template.h"
#include "utf8.h"

/* libyaml's header; src/meson.build builds without -I src, so the angle
 * form is libyaml's and the quoted "yaml.h" below is ours */
#include <yaml.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "json.h"
#include "xalloc.h"
#include "yaml-emit.h"
#include "yaml.h"

#define TR_MAX_ERRORS 50
#define TR_CHUNK (256 * 1024)

/* ------------------------------------------------------------------ */
/* small helpers */

static int
tx_isws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
tx_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static int
tx_isalpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Go's isAlphaNumeric for identifiers; bytes of multi-byte UTF-8
 * characters count as letters. */
static int
tx_isident(int c)
{
	return c == '_' || tx_isalpha(c) || tx_isdigit(c) || c >= 0x80;
}

static const char *
tx_memmem(const char *h, size_t hl, const char *n, size_t nl)
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
static const char *
tx_find_open(const char *s, size_t len)
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


static void
tx_put_utf8(struct buf *b, uint32_t cp)
{
	char t[4];
	if (cp < 0x80) {
		buf_addch(b, (char)cp);
	} else if (cp < 0x800) {
		t[0] = (char)(0xC0 | (cp >> 6));
		t[1] = (char)(0x80 | (cp & 0x3F));
		buf_add(b, t, 2);
	} else if (cp < 0x10000) {
		t[0] = (char)(0xE0 | (cp >> 12));
		t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		t[2] = (char)(0x80 | (cp & 0x3F));
		buf_add(b, t, 3);
	} else {
		t[0] = (char)(0xF0 | (cp >> 18));
		t[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		t[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		t[3] = (char)(0x80 | (cp & 0x3F));
		buf_add(b, t, 4);
	}
}

static int
tx_is_break(uint32_t c)
{
	return c == '\n' || c == '\r' || c == 0x85 || c == 0x2028 ||
	       c == 0x2029;
}

/* What a text holds, for deciding how it may be written. */
struct tx_scan {
	int invalid; /* not UTF-8, or a character YAML cannot hold */
	int breaks;  /* a line break */
};

static void
tx_scan_text(const char *s, size_t len, struct tx_scan *sc)
{
	memset(sc, 0, sizeof(*sc));
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode((const unsigned char *)s + i, len - i, &cp);
		if (!n) {
			sc->invalid = 1;
			return;
		}
		if (!yaml_emit_printable(cp) || cp == 0xFEFF) {
			sc->invalid = 1;
		}
		if (tx_is_break(cp)) {
			sc->breaks = 1;
		}
		i += n;
	}
}

/* ------------------------------------------------------------------ */
/* values */

struct tmpl_val {
	char *key;
	char *val; /* NULL: unset */
	int origin;
};

struct tmpl_values {
	struct tmpl_val *v;
	size_t n, cap;
	size_t *slots; /* open addressing: index + 1, 0 = empty */
	size_t nslots;
};

static size_t
tv_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return (size_t)(h ^ (h >> 29));
}

static struct tmpl_val *
tv_find(const struct tmpl_values *v, const char *key, size_t len)
{
	if (!v || !v->nslots) {
		return NULL;
	}
	size_t mask = v->nslots - 1;
	for (size_t i = tv_hash(key, len) & mask;; i = (i + 1) & mask) {
		size_t s = v->slots[i];
		if (!s) {
			return NULL;
		}
		struct tmpl_val *t = &v->v[s - 1];
		if (strlen(t->key) == len && memcmp(t->key, key, len) == 0) {
			return t;
		}
	}
}

static void
tv_rehash(struct tmpl_values *v)
{
	size_t ns = v->nslots ? v->nslots * 2 : 16;
	free(v->slots);
	v->slots = xcalloc(ns, sizeof(*v->slots));
	v->nslots = ns;
	for (size_t k = 0; k < v->n; k++) {
		size_t i = tv_hash(v->v[k].key, strlen(v->v[k].key)) & (ns - 1);
		while (v->slots[i]) {
			i = (i + 1) & (ns - 1);
		}
		v->slots[i] = k + 1;
	}
}

struct tmpl_values *
tmpl_values_new(void)
{
	return xcalloc(1, sizeof(struct tmpl_values));
}

void
tmpl_values_free(struct tmpl_values *v)
{
	if (!v) {
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		free(v->v[i].key);
		free(v->v[i].val);
	}
	free(v->v);
	free(v->slots);
	free(v);
}

void
tmpl_values_set(struct tmpl_values *v, const char *key, const char *value,
		enum tmpl_origin origin)
{
	struct tmpl_val *t = tv_find(v, key, strlen(key));
	if (t) {
		if ((int)origin < t->origin) {
			return;
		}
		free(t->val);
		t->val = value ? xstrdup(value) : NULL;
		t->origin = (int)origin;
		return;
	}
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 8;
		v->v = xrealloc(v->v, v->cap * sizeof(*v->v));
	}
	t = &v->v[v->n++];
	t->key = xstrdup(key);
	t->val = value ? xstrdup(value) : NULL;
	t->origin = (int)origin;
	if ((v->n + 1) * 2 > v->nslots) {
		tv_rehash(v);
	} else {
		size_t mask = v->nslots - 1;
		size_t i = tv_hash(key, strlen(key)) & mask;
		while (v->slots[i]) {
			i = (i + 1) & mask;
		}
		v->slots[i] = v->n;
	}
}

const char *
tmpl_values_get(const struct tmpl_values *v, const char *key, int *origin)
{
	const struct tmpl_val *t = tv_find(v, key, strlen(key));
	if (origin) {
		*origin = t ? t->origin : 0;
	}
	return t ? t->val : NULL;
}

/* One KEY=VALUE pair of -v. */
static int
tv_add_pair(struct tmpl_values *v, const char *pair, size_t len,
	    struct pd_err *e)
{
	const char *eq = memchr(pair, '=', len);
	if (!eq) {
		return err_set(e, PD_EUSAGE,
			       "invalid argument '%.*s' for -v: must be "
			       "formatted as key=value",
			       (int)len, pair);
	}
	char *key = xstrndup(pair, (size_t)(eq - pair));
	char *val = xstrndup(eq + 1, len - (size_t)(eq - pair) - 1);
	tmpl_values_set(v, key, val, TMPL_FROM_ARG);
	free(key);
	free(val);
	return 0;
}

/*
 * pflag's StringToString: no '=' is an error; one '=' takes the argument
 * whole with surrounding '"' trimmed; more are read as one CSV record (Go's
 * encoding/csv: quoted fields with "" for a quote, no bare quotes).
 */
int
tmpl_values_add_arg(struct tmpl_values *v, const char *arg, struct pd_err *e)
{
	size_t len = strlen(arg), neq = 0;
	for (size_t i = 0; i < len; i++) {
		neq += arg[i] == '=';
	}
	if (neq == 0) {
		return err_set(e, PD_EUSAGE,
			       "invalid argument '%s' for -v: must be "
			       "formatted as key=value",
			       arg);
	}
	if (neq == 1) {
		size_t a = 0, z = len;
		while (a < z && arg[a] == '"') {
			a++;
		}
		while (z > a && arg[z - 1] == '"') {
			z--;
		}
		return tv_add_pair(v, arg + a, z - a, e);
	}
	struct buf field = BUF_INIT;
	size_t i = 0;
	int rc = 0;
	for (;;) {
		buf_reset(&field);
		if (i < len && arg[i] == '"') {
			i++;
			for (;;) {
				if (i >= len) {
					rc =
					    err_set(e, PD_EUSAGE,
						    "invalid argument '%s' for "
						    "-v: extraneous or missing "
						    "\" in quoted-field",
						    arg);
					goto out;
				}
				if (arg[i] == '"') {
					if (i + 1 < len && arg[i + 1] == '"') {
						buf_addch(&field, '"');
						i += 2;
						continue;
					}
					i++;
					break;
				}
				buf_addch(&field, arg[i++]);
			}
			if (i < len && arg[i] != ',') {
				rc = err_set(e, PD_EUSAGE,
					     "invalid argument '%s' for -v: "
					     "extraneous or missing \" in "
					     "quoted-field",
					     arg);
				goto out;
			}
		} else {
			while (i < len && arg[i] != ',') {
				if (arg[i] == '"') {
					rc =
					    err_set(e, PD_EUSAGE,
						    "invalid argument '%s' for "
						    "-v: bare \" in non-quoted-"
						    "field",
						    arg);
					goto out;
				}
				buf_addch(&field, arg[i++]);
			}
		}
		rc = tv_add_pair(v, field.buf, field.len, e);
		if (rc < 0 || i >= len) {
			break;
		}
		i++; /* the comma */
	}
out:
	buf_release(&field);
	return rc;
}

int
tmpl_values_add_env(struct tmpl_values *v, const char *name, struct pd_err *e)
{
	if (!*name || strchr(name, '=')) {
		return err_set(e, PD_EUSAGE,
			       "invalid environment variable name '%s' for -e",
			       name);
	}
	tmpl_values_set(v, name, getenv(name), TMPL_FROM_ENV);
	return 0;
}

static int
tv_is_null_word(const char *s, size_t len)
{
	static const char *const words[] = { "", "~", "null", "Null", "NULL" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strlen(words[i]) == len && memcmp(words[i], s, len) == 0) {
			return 1;
		}
	}
	return 0;
}

int
tmpl_values_load(struct tmpl_values *v, const char *data, size_t len,
		 const char *fname, struct pd_err *e)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0, rc = 0, docs = 0, done = 0;
	char *key = NULL;

	if (!yaml_parser_initialize(&p)) {
		return err_set(e, PD_EINTERNAL, "out of memory");
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	while (!done && !rc) {
		if (!yaml_parser_parse(&p, &ev)) {
			yaml_mark_t m = p.problem_mark;
			rc = err_set(e, PD_EINVALID, "%s:%lu:%lu: %s", fname,
				     (unsigned long)m.line + 1,
				     (unsigned long)m.column + 1,
				     p.problem ? p.problem : "invalid YAML");
			break;
		}
		unsigned long line = (unsigned long)ev.start_mark.line + 1;
		unsigned long col = (unsigned long)ev.start_mark.column + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				rc = err_set(e, PD_EINVALID,
					     "%s:%lu:%lu: a values file holds "
					     "one document",
					     fname, line, col);
			}
			break;
		case YAML_MAPPING_START_EVENT:
			if (depth == 0) {
				depth = 1;
				break;
			}
			/* fall through */
		case YAML_SEQUENCE_START_EVENT:
		case YAML_ALIAS_EVENT:
			if (depth == 0) {
				rc = err_set(e, PD_EINVALID,
					     "%s:%lu:%lu: a values file is a "
					     "map of KEY: value",
					     fname, line, col);
			} else {
				rc = err_set(e, PD_EINVALID,
					     "%s:%lu:%lu: the value of '%s' is "
					     "not a string, number or boolean",
					     fname, line, col, key ? key : "?");
			}
			break;
		case YAML_SCALAR_EVENT: {
			const char *s = (const char *)ev.data.scalar.value;
			size_t n = ev.data.scalar.length;
			if (depth == 0) {
				if (ev.data.scalar.style ==
					YAML_PLAIN_SCALAR_STYLE &&
				    tv_is_null_word(s, n)) {
					break; /* an empty document */
				}
				rc = err_set(e, PD_EINVALID,
					     "%s:%lu:%lu: a values file is a "
					     "map of KEY: value",
					     fname, line, col);
			} else if (!key) {
				key = xstrndup(s, n);
			} else {
				int null = ev.data.scalar.style ==
					       YAML_PLAIN_SCALAR_STYLE &&
					   !ev.data.scalar.tag &&
					   tv_is_null_word(s, n);
				char *val = null ? NULL : xstrndup(s, n);
				tmpl_values_set(v, key, val, TMPL_FROM_FILE);
				free(val);
				free(key);
				key = NULL;
			}
			break;
		}
		case YAML_MAPPING_END_EVENT:
			depth = 0;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	free(key);
	yaml_parser_delete(&p);
	return rc;
}

/* ------------------------------------------------------------------ */
/* template actions (Go text/template, the supported subset) */

enum tx_kind {
	TX_FIELD = 1,   /* .KEY, .KEY | default "x" */
	TX_STRING = 2,  /* "text" or `text`: the {{"{{"}} escape */
	TX_COMMENT = 3, /* a comment action */
};

struct tx_act {
	size_t start, end; /* "{{" .. after "}}" in the text */
	unsigned ltrim, rtrim;
	enum tx_kind kind;
	size_t key, klen; /* the field name (offset in the text) */
	int has_def;
	char *str; /* the string literal or the default (owned) */
	size_t slen;
	size_t rstart, rlen; /* the result in the expanded text */
	size_t lcut, rcut;   /* whitespace the trim markers removed */
};

struct tx_res {
	struct buf out;
	struct tx_act *acts;
	size_t n, cap;
};

static void
tx_res_release(struct tx_res *r)
{
	buf_release(&r->out);
	for (size_t i = 0; i < r->n; i++) {
		free(r->acts[i].str);
	}
	free(r->acts);
	memset(r, 0, sizeof(*r));
}

static int
tx_hexval(int c)
{
	if (tx_isdigit(c)) {
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
tx_go_string(const char *s, size_t len, size_t *i, struct buf *out,
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
				int h = k < len ? tx_hexval(s[k]) : -1;
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
				tx_put_utf8(out, v);
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
tx_skip_ws(const char *s, size_t len, size_t i)
{
	while (i < len && tx_isws((unsigned char)s[i])) {
		i++;
	}
	return i;
}

/* Whether "}}" follows at i, or " -}}" (a right trim marker). */
static int
tx_at_close(const char *s, size_t len, size_t i)
{
	return i + 1 < len && s[i] == '}' && s[i + 1] == '}';
}

/* The word at s[i] for a message: an identifier, or one character. */
static void
tx_word(const char *s, size_t len, size_t i, char *w, size_t wsize)
{
	size_t n = 0;
	if (i < len && (tx_isident((unsigned char)s[i]) || s[i] == '$' ||
			s[i] == '.' || s[i] == '-')) {
		n = 1;
		while (i + n < len && n < 24 &&
		       tx_isident((unsigned char)s[i + n])) {
			n++;
		}
	} else if (i < len) {
		n = 1;
	}
	snprintf(w, wsize, "%.*s", (int)n, s + i);
}

static const char tx_supported[] =
    "only {{.KEY}}, {{.KEY | default \"x\"}} and {{\"{{\"}} are "
    "supported";

/*
 * Parse the action at s[at] ("{{"). Returns 0 with a filled (a->str owned),
 * or -1 with a message in msg.
 */
static int
tx_parse_action(const char *s, size_t len, size_t at, struct tx_act *a,
		char *msg, size_t msize)
{
	const char *why = NULL;
	char w[32];
	struct buf str = BUF_INIT;
	size_t i = at + 2;

	memset(a, 0, sizeof(*a));
	a->start = at;
	if (i + 1 < len && s[i] == '-' && tx_isws((unsigned char)s[i + 1])) {
		a->ltrim = 1;
		i++;
	}
	/* a comment starts right after "{{" or after "{{- " */
	if (i + 2 < len && a->ltrim && s[i + 1] == '/' && s[i + 2] == '*') {
		i++;
	}
	if (i + 1 < len && s[i] == '/' && s[i + 1] == '*') {
		const char *c = tx_memmem(s + i + 2, len - i - 2, "*/", 2);
		if (!c) {
			why = "unclosed comment";
			goto fail;
		}
		i = (size_t)(c - s) + 2;
		a->kind = TX_COMMENT;
		if (i + 3 < len && tx_isws((unsigned char)s[i]) &&
		    s[i + 1] == '-' && tx_at_close(s, len, i + 2)) {
			a->rtrim = 1;
			a->end = i + 4;
			return 0;
		}
		if (tx_at_close(s, len, i)) {
			a->end = i + 2;
			return 0;
		}
		why = "comment ends before closing delimiter";
		goto fail;
	}
	i = tx_skip_ws(s, len, i);
	if (i >= len) {
		why = "unclosed action";
		goto fail;
	}
	if (tx_at_close(s, len, i) ||
	    (i + 2 < len && s[i] == '-' && tx_at_close(s, len, i + 1))) {
		why = "missing value for command";
		goto fail;
	}
	if (s[i] == '.' && i + 1 < len && tx_isident((unsigned char)s[i + 1]) &&
	    !tx_isdigit((unsigned char)s[i + 1])) {
		a->kind = TX_FIELD;
		a->key = ++i;
		while (i < len && tx_isident((unsigned char)s[i])) {
			i++;
		}
		a->klen = i - a->key;
		if (i + 1 < len && s[i] == '.' &&
		    tx_isident((unsigned char)s[i + 1])) {
			size_t j = i + 1;
			while (j < len && j - i < 24 &&
			       tx_isident((unsigned char)s[j])) {
				j++;
			}
			snprintf(msg, msize,
				 "nested field '.%.*s%.*s' is not supported "
				 "(values are flat): %s",
				 (int)a->klen, s + a->key, (int)(j - i), s + i,
				 tx_supported);
			return -1;
		}
	} else if (s[i] == '"' || s[i] == '`') {
		a->kind = TX_STRING;
		if (tx_go_string(s, len, &i, &str, &why) < 0) {
			goto fail;
		}
	} else {
		tx_word(s, len, i, w, sizeof(w));
		if (strcmp(w, ".") == 0) {
			snprintf(msg, msize,
				 "'{{.}}' (the whole value map) is not "
				 "supported: %s",
				 tx_supported);
		} else {
			snprintf(msg, msize,
				 "unsupported template action '%s': %s", w,
				 tx_supported);
		}
		goto fail_msg;
	}
	size_t before = i;
	i = tx_skip_ws(s, len, i);
	if (i < len && s[i] == '|' && a->kind == TX_FIELD) {
		i = tx_skip_ws(s, len, i + 1);
		tx_word(s, len, i, w, sizeof(w));
		if (strcmp(w, "default") != 0 || i + 7 > len ||
		    memcmp(s + i, "default", 7) != 0 ||
		    (i + 7 < len && tx_isident((unsigned char)s[i + 7]))) {
			snprintf(msg, msize, "unsupported function '%s': %s", w,
				 tx_supported);
			goto fail_msg;
		}
		i = tx_skip_ws(s, len, i + 7);
		if (i >= len || (s[i] != '"' && s[i] != '`')) {
			tx_word(s, len, i, w, sizeof(w));
			snprintf(msg, msize,
				 "default takes a quoted string, not '%s': %s",
				 w, tx_supported);
			goto fail_msg;
		}
		if (tx_go_string(s, len, &i, &str, &why) < 0) {
			goto fail;
		}
		a->has_def = 1;
		before = i;
		i = tx_skip_ws(s, len, i);
	}
	if (i > before && i + 2 < len && s[i] == '-' &&
	    tx_at_close(s, len, i + 1) && tx_isws((unsigned char)s[i - 1])) {
		a->rtrim = 1;
		a->end = i + 3;
	} else if (tx_at_close(s, len, i)) {
		a->end = i + 2;
	} else if (i >= len) {
		why = "unclosed action";
		goto fail;
	} else {
		tx_word(s, len, i, w, sizeof(w));
		snprintf(msg, msize, "unexpected '%s' in action: %s", w,
			 tx_supported);
		goto fail_msg;
	}
	if (a->kind != TX_FIELD || a->has_def) {
		a->slen = str.len;
		a->str = buf_detach(&str, NULL);
	}
	buf_release(&str);
	return 0;
fail:
	snprintf(msg, msize, "%s", why);
fail_msg:
	/* Go reports an action that never closes as unclosed */
	if (!tx_memmem(s + at + 2, len - at - 2, "}}", 2)) {
		snprintf(msg, msize, "unclosed action");
	}
	buf_release(&str);
	return -1;
}

/* Why a field has no usable value, or NULL when val is usable. */
static const char *
tx_missing(const struct tmpl_val *t, unsigned flags)
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
static int
tx_expand(const char *s, size_t len, const struct tmpl_values *v,
	  unsigned flags, struct tx_res *res, size_t *at, struct pd_err *e)
{
	char msg[400];
	size_t i = 0;
	for (;;) {
		const char *p = tx_find_open(s + i, len - i);
		if (!p) {
			break;
		}
		size_t pos = (size_t)(p - s);
		struct tx_act a;
		if (tx_parse_action(s, len, pos, &a, msg, sizeof(msg)) < 0) {
			*at = pos;
			return err_set(e, PD_EINVALID, "%s", msg);
		}
		size_t tend = pos;
		if (a.ltrim) {
			while (tend > i &&
			       tx_isws((unsigned char)s[tend - 1])) {
				tend--;
			}
		}
		buf_add(&res->out, s + i, tend - i);
		a.rstart = res->out.len;
		if (a.kind == TX_STRING) {
			buf_add(&res->out, a.str, a.slen);
		} else if (a.kind == TX_FIELD) {
			const struct tmpl_val *t =
			    tv_find(v, s + a.key, a.klen);
			const char *why = tx_missing(t, flags);
			if (!why) {
				const char *val = t->val ? t->val : "";
				if (tx_find_open(val, strlen(val))) {
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
				if (tx_find_open(a.str, a.slen)) {
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
			i = tx_skip_ws(s, len, i);
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
	struct tx_res res;
	size_t where = 0;
	memset(&res, 0, sizeof(res));
	res.out = (struct buf)BUF_INIT;
	int rc = tx_expand(s, len, v, flags, &res, &where, e);
	if (rc == 0) {
		buf_add(out, res.out.buf, res.out.len);
	} else if (at) {
		*at = where;
	}
	tx_res_release(&res);
	return rc;
}

/* ------------------------------------------------------------------ */
/* a light YAML tree with lines, for the --check lints */

enum tn_type { TN_NULL, TN_SCALAR, TN_MAP, TN_SEQ };

struct tnode {
	enum tn_type type;
	int plain;  /* an untagged plain scalar */
	int block;  /* a literal or folded scalar */
	int secret; /* holds a value from the environment: never printed */
	long line;
	char *key; /* in a map */
	char *val; /* scalars */
	struct tnode *kid, *last, *next;
};

static void
tn_free(struct tnode *n)
{
	while (n) {
		struct tnode *next = n->next;
		tn_free(n->kid);
		free(n->key);
		free(n->val);
		free(n);
		n = next;
	}
}

struct tn_frame {
	struct tnode *node; /* NULL: a collection used as a key (dropped) */
	int want_key;
	char *key;
};

struct tn_builder {
	struct tnode *root;
	struct tn_frame *st;
	size_t depth, cap;
	long base; /* added to every line */
};

static void
tn_builder_release(struct tn_builder *b)
{
	for (size_t i = 0; i < b->depth; i++) {
		free(b->st[i].key);
	}
	free(b->st);
	tn_free(b->root);
	memset(b, 0, sizeof(*b));
}

/* Attach a new node (NULL when it is a key or is dropped). */
/* style: 1 untagged plain, 2 block, 0 other */
static struct tnode *
tn_attach(struct tn_builder *b, enum tn_type type, long line, const char *val,
	  size_t len, int style)
{
	struct tn_frame *f = b->depth ? &b->st[b->depth - 1] : NULL;
	if (f && f->node && f->node->type == TN_MAP && f->want_key) {
		if (type == TN_SCALAR) {
			free(f->key);
			f->key = xstrndup(val, len);
			f->want_key = 0;
			return NULL;
		}
		/* a complex key: dropped, with its value */
		free(f->key);
		f->key = NULL;
		f->want_key = 0;
		return NULL;
	}
	if (f && !f->node) {
		return NULL;
	}
	if (!f && b->root) {
		return NULL;
	}
	struct tnode *n = xcalloc(1, sizeof(*n));
	n->type = type;
	n->line = line + b->base;
	n->plain = style == 1;
	n->block = style == 2;
	if (type == TN_SCALAR) {
		n->val = xstrndup(val, len);
	}
	if (!f) {
		b->root = n;
		return n;
	}
	if (f->node->type == TN_MAP) {
		n->key = f->key ? f->key : xstrdup("");
		f->key = NULL;
		f->want_key = 1;
	}
	if (f->node->last) {
		f->node->last->next = n;
	} else {
		f->node->kid = n;
	}
	f->node->last = n;
	return n;
}

static void
tn_push(struct tn_builder *b, struct tnode *n, int keyed)
{
	if (b->depth == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->st = xrealloc(b->st, b->cap * sizeof(*b->st));
	}
	struct tn_frame *f = &b->st[b->depth++];
	f->node = keyed ? NULL : n;
	f->want_key = 1;
	f->key = NULL;
}

static void
tn_on_start(struct tn_builder *b, enum tn_type type, long line)
{
	struct tn_frame *f = b->depth ? &b->st[b->depth - 1] : NULL;
	int keyed = f && f->node && f->node->type == TN_MAP && f->want_key;
	struct tnode *n = tn_attach(b, type, line, NULL, 0, 0);
	if (keyed || (f && !f->node)) {
		n = NULL;
		keyed = 1;
	}
	tn_push(b, n, keyed);
}

static void
tn_on_end(struct tn_builder *b)
{
	if (!b->depth) {
		return;
	}
	struct tn_frame *f = &b->st[--b->depth];
	free(f->key);
	int dropped = !f->node;
	if (dropped && b->depth) {
		struct tn_frame *p = &b->st[b->depth - 1];
		if (p->node && p->node->type == TN_MAP && !p->want_key &&
		    !p->key) {
			/* the complex key is done: its value comes next */
			p->key = xstrdup("");
		}
	}
}

static const struct tnode *
tn_get(const struct tnode *n, const char *key)
{
	if (!n || n->type != TN_MAP) {
		return NULL;
	}
	const struct tnode *found = NULL;
	for (const struct tnode *k = n->kid; k; k = k->next) {
		if (k->key && strcmp(k->key, key) == 0) {
			found = k; /* the last one wins, as in Kubernetes */
		}
	}
	return found;
}

static const struct tnode *
tn_path(const struct tnode *n, const char *dotted)
{
	char part[128];
	while (n && *dotted) {
		const char *dot = strchr(dotted, '.');
		size_t len = dot ? (size_t)(dot - dotted) : strlen(dotted);
		if (len >= sizeof(part)) {
			return NULL;
		}
		memcpy(part, dotted, len);
		part[len] = '\0';
		n = tn_get(n, part);
		dotted += len + (dot ? 1 : 0);
	}
	return n;
}

static const char *
tn_str(const struct tnode *n)
{
	return n && n->type == TN_SCALAR ? n->val : NULL;
}

static int
tn_truthy(const struct tnode *n)
{
	const char *s = tn_str(n);
	if (!s) {
		return 0;
	}
	if (n->plain) {
		cJSON *j = yaml_resolve_plain(s, strlen(s));
		int t = cJSON_IsTrue(j);
		cJSON_Delete(j);
		return t;
	}
	return strcmp(s, "true") == 0;
}

static int
tn_style(const yaml_event_t *ev)
{
	yaml_scalar_style_t st = ev->data.scalar.style;
	if (st == YAML_PLAIN_SCALAR_STYLE) {
		return ev->data.scalar.tag ? 0 : 1;
	}
	return st == YAML_LITERAL_SCALAR_STYLE || st == YAML_FOLDED_SCALAR_STYLE
		   ? 2
		   : 0;
}

static void
tn_taint(struct tnode *n)
{
	for (; n; n = n->next) {
		n->secret = 1;
		tn_taint(n->kid);
	}
}

/* Parse YAML text into a tree (NULL when it is not YAML). */
static struct tnode *
tn_parse(const char *s, size_t len, long base)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct tn_builder b;
	int done = 0, bad = 0, docs = 0;
	memset(&b, 0, sizeof(b));
	b.base = base;
	if (!yaml_parser_initialize(&p)) {
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)s, len);
	while (!done && !bad) {
		if (!yaml_parser_parse(&p, &ev)) {
			bad = 1;
			break;
		}
		long line = (long)ev.start_mark.line + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				done = 1;
			}
			break;
		case YAML_SCALAR_EVENT:
			tn_attach(&b, TN_SCALAR, line,
				  (const char *)ev.data.scalar.value,
				  ev.data.scalar.length, tn_style(&ev));
			break;
		case YAML_ALIAS_EVENT:
			tn_attach(&b, TN_NULL, line, NULL, 0, 0);
			break;
		case YAML_MAPPING_START_EVENT:
			tn_on_start(&b, TN_MAP, line);
			break;
		case YAML_SEQUENCE_START_EVENT:
			tn_on_start(&b, TN_SEQ, line);
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			tn_on_end(&b);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	struct tnode *root = NULL;
	if (!bad) {
		root = b.root;
		b.root = NULL;
	}
	tn_builder_release(&b);
	return root;
}

/* ------------------------------------------------------------------ */
/* the --check lints */

struct tr_app {
	char *file;
	long line;
	char *name;
	char *project;
	int secret; /* the project came from the environment */
};

/* A finding goes out through tr_emit() (defined with the render). */
struct tmpl_render;
static void tr_emit(struct tmpl_render *r, enum tmpl_severity sev,
		    const char *file, long line, long col, const char *msg);

__attribute__((format(printf, 4, 5))) static void
ck_find(struct tmpl_render *r, const char *file, long line, const char *fmt,
	...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tr_emit(r, TMPL_FINDING, file, line, 0, msg);
}

/* Helm values of one Application source, by precedence: parameters over
 * valuesObject over values. */
struct ck_values {
	const struct tnode *params;
	const struct tnode *object;
	struct tnode *text; /* owned: helm.values parsed */
};

static const struct tnode *
ck_value(const struct ck_values *hv, const char *path)
{
	const struct tnode *found = NULL;
	if (hv->params && hv->params->type == TN_SEQ) {
		for (const struct tnode *p = hv->params->kid; p; p = p->next) {
			const char *name = tn_str(tn_get(p, "name"));
			if (name && strcmp(name, path) == 0) {
				found = tn_get(p, "value");
			}
		}
	}
	if (!found) {
		found = tn_path(hv->object, path);
	}
	if (!found) {
		found = tn_path(hv->text, path);
	}
	return found;
}

static int
ck_has_key(const struct tnode *n, const char *key, int depth)
{
	if (!n || depth > 50) {
		return 0;
	}
	for (const struct tnode *k = n->kid; k; k = k->next) {
		if ((k->key && strcmp(k->key, key) == 0) ||
		    ck_has_key(k, key, depth + 1)) {
			return 1;
		}
	}
	return 0;
}

/* The tag of an image reference ("" when it has none, NULL when pinned by
 * digest). */
static const char *
ck_image_tag(const char *image)
{
	if (strchr(image, '@')) {
		return NULL;
	}
	const char *slash = strrchr(image, '/');
	const char *colon = strrchr(image, ':');
	if (colon && (!slash || colon > slash)) {
		return colon + 1;
	}
	return "";
}

static int
ck_mutable_tag(const char *tag)
{
	static const char *const words[] = { "latest", "main", "master",
					     "stable", "edge", "nightly" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcmp(tag, words[i]) == 0) {
			return 1;
		}
	}
	return 0;
}

/* Report 'latest' tags under n (Helm values or a manifest); returns the
 * first mutable tag seen (borrowed) or NULL. */
static const char *
ck_tags(struct tmpl_render *r, const char *file, const struct tnode *n,
	int depth)
{
	const char *mut = NULL;
	if (!n || depth > 100) {
		return NULL;
	}
	for (const struct tnode *k = n->kid; k; k = k->next) {
		const char *v = tn_str(k);
		if (v && k->key) {
			const char *tag = NULL;
			size_t kl = strlen(k->key);
			if (strcmp(k->key, "image") == 0) {
				tag = ck_image_tag(v);
			} else if (strcmp(k->key, "tag") == 0 ||
				   (kl > 3 &&
				    strcmp(k->key + kl - 3, "Tag") == 0)) {
				tag = v;
			}
			if (tag && strcmp(tag, "latest") == 0) {
				ck_find(r, file, k->line,
					"image tag 'latest' is mutable: pin a "
					"version or a digest");
			}
			if (tag && !mut && ck_mutable_tag(tag)) {
				mut = tag;
			}
		}
		const char *sub = ck_tags(r, file, k, depth + 1);
		if (!mut) {
			mut = sub;
		}
	}
	return mut;
}

/* Whether spec.ignoreDifferences covers the VirtualService /spec/http. */
static int
ck_ignores_vs_http(const struct tnode *app)
{
	const struct tnode *ig = tn_path(app, "spec.ignoreDifferences");
	if (!ig || ig->type != TN_SEQ) {
		return 0;
	}
	for (const struct tnode *d = ig->kid; d; d = d->next) {
		const char *kind = tn_str(tn_get(d, "kind"));
		const char *group = tn_str(tn_get(d, "group"));
		if (!kind || strcmp(kind, "VirtualService") != 0 ||
		    (group && strcmp(group, "networking.istio.io") != 0)) {
			continue;
		}
		const struct tnode *jp = tn_get(d, "jsonPointers");
		for (const struct tnode *p = jp ? jp->kid : NULL; p;
		     p = p->next) {
			const char *s = tn_str(p);
			if (!s) {
				continue;
			}
			if (strcmp(s, "") == 0 || strcmp(s, "/") == 0 ||
			    strcmp(s, "/spec") == 0 ||
			    strncmp(s, "/spec/http", 10) == 0) {
				return 1;
			}
		}
		const struct tnode *jq = tn_get(d, "jqPathExpressions");
		for (const struct tnode *p = jq ? jq->kid : NULL; p;
		     p = p->next) {
			const char *s = tn_str(p);
			if (s && (strcmp(s, ".spec") == 0 ||
				  strncmp(s, ".spec.http", 10) == 0)) {
				return 1;
			}
		}
	}
	return 0;
}

static void
ck_source(struct tmpl_render *r, const char *file, const struct tnode *app,
	  const char *name, const struct tnode *src)
{
	struct ck_values hv;
	memset(&hv, 0, sizeof(hv));
	const struct tnode *helm = tn_get(src, "helm");
	const struct tnode *vt = tn_get(helm, "values");
	if (tn_str(vt)) {
		/* a literal block's lines start on the line after "|" */
		hv.text = tn_parse(vt->val, strlen(vt->val),
				   vt->block ? vt->line : vt->line - 1);
		if (vt->secret) {
			tn_taint(hv.text);
		}
	}
	hv.object = tn_get(helm, "valuesObject");
	hv.params = tn_get(helm, "parameters");

	const struct tnode *en = ck_value(&hv, "rollout.enabled");
	if (tn_truthy(en)) {
		const char *router = NULL;
		if (tn_truthy(ck_value(&hv, "istio.enabled"))) {
			router = "Istio traffic routing";
		} else if (ck_has_key(tn_path(hv.object, "rollout"),
				      "trafficRouting", 0) ||
			   ck_has_key(tn_path(hv.text, "rollout"),
				      "trafficRouting", 0)) {
			router = "traffic routing";
		}
		if (router && !ck_ignores_vs_http(app)) {
			ck_find(
			    r, file, en->line,
			    "Application '%s' enables an Argo Rollout with "
			    "%s, but spec.ignoreDifferences does not cover "
			    "the VirtualService route weights (/spec/http): "
			    "Argo CD's self-heal will fight Argo Rollouts "
			    "over them",
			    name, router);
		}
	}
	const char *mut = ck_tags(r, file, hv.object, 0);
	const char *m2 = ck_tags(r, file, hv.text, 0);
	if (!mut) {
		mut = m2;
	}
	if (hv.params && hv.params->type == TN_SEQ) {
		for (const struct tnode *p = hv.params->kid; p; p = p->next) {
			const char *pn = tn_str(tn_get(p, "name"));
			const struct tnode *pv = tn_get(p, "value");
			size_t pl = pn ? strlen(pn) : 0;
			if (!pn || !tn_str(pv) ||
			    !(pl >= 3 && strcmp(pn + pl - 3, "tag") == 0)) {
				continue;
			}
			if (strcmp(pv->val, "latest") == 0) {
				ck_find(r, file, pv->line,
					"image tag 'latest' is mutable: pin a "
					"version or a digest");
			}
			if (!mut && ck_mutable_tag(pv->val)) {
				mut = pv->val;
			}
		}
	}
	const struct tnode *rev = tn_get(src, "targetRevision");
	const char *revs = tn_str(rev);
	if (mut && (!revs || strcmp(revs, "HEAD") == 0)) {
		ck_find(
		    r, file, rev ? rev->line : src->line,
		    "targetRevision 'HEAD' with the mutable image tag '%s': "
		    "what runs can change without a commit to pin it",
		    mut);
	}
	tn_free(hv.text);
}

/* The lints of one rendered document. */
static void
ck_document(struct tmpl_render *r, struct tr_app **apps, size_t *napps,
	    size_t *capapps, char ***projects, size_t *nprojects,
	    size_t *capprojects, const char *file, const struct tnode *doc)
{
	const char *api = tn_str(tn_get(doc, "apiVersion"));
	const char *kind = tn_str(tn_get(doc, "kind"));
	const char *name = tn_str(tn_path(doc, "metadata.name"));
	int argo = api && strncmp(api, "argoproj.io/", 12) == 0;
	if (argo && kind && strcmp(kind, "AppProject") == 0 && name) {
		if (*nprojects == *capprojects) {
			*capprojects = *capprojects ? *capprojects * 2 : 8;
			*projects = xrealloc(*projects,
					     *capprojects * sizeof(**projects));
		}
		(*projects)[(*nprojects)++] = xstrdup(name);
		return;
	}
	if (!argo || !kind || strcmp(kind, "Application") != 0) {
		ck_tags(r, file, doc, 0);
		return;
	}
	const char *an = name ? name : "?";
	if (tn_path(doc, "metadata.name") &&
	    tn_path(doc, "metadata.name")->secret) {
		an = "(from the environment)";
	}
	const struct tnode *proj = tn_path(doc, "spec.project");
	if (!tn_str(proj) || !*proj->val) {
		ck_find(r, file, doc->line,
			"Application '%s' has no spec.project", an);
	} else {
		if (*napps == *capapps) {
			*capapps = *capapps ? *capapps * 2 : 8;
			*apps = xrealloc(*apps, *capapps * sizeof(**apps));
		}
		struct tr_app *a = &(*apps)[(*napps)++];
		a->file = xstrdup(file);
		a->line = proj->line;
		a->name = xstrdup(an);
		a->project = xstrdup(proj->val);
		a->secret = proj->secret;
	}
	const struct tnode *src = tn_path(doc, "spec.source");
	if (src && src->type == TN_MAP) {
		ck_source(r, file, doc, an, src);
	}
	const struct tnode *srcs = tn_path(doc, "spec.sources");
	for (const struct tnode *s = srcs ? srcs->kid : NULL; s; s = s->next) {
		if (s->type == TN_MAP) {
			ck_source(r, file, doc, an, s);
		}
	}
}

/* ------------------------------------------------------------------ */
/* the render: state */

struct tr_msg {
	enum tmpl_severity sev;
	long line, col;
	char *msg;
};

/* A document, kept whole in kyml mode. */
struct tr_doc {
	size_t start, end; /* bytes of the input */
	long line, col;    /* where it starts */
	size_t file;
	struct tr_msg *msgs; /* diagnostics deferred until dedupe is done */
	size_t nmsgs, capmsgs;
	int errors;
	struct tnode *check;
	cJSON *tree;
	char *id; /* group, version, kind, namespace, name */
	int order;
	size_t seq;
};

struct tmpl_render {
	const struct tmpl_values *vals;
	struct tmpl_opts o;
	int failed; /* negative PD_E* once failed */
	unsigned nerr, nwarn, nfind;
	struct pd_err first;
	int have_first;
	char **files;
	size_t nfiles, capfiles;
	unsigned long docs_out;
	int wrote, last_nl;
	int finished;
	/* kyml */
	struct tr_doc **docs;
	size_t ndocs, capdocs;
	size_t *ids; /* open addressing: index in docs + 1 */
	size_t nids;
	size_t seq;
	/* --check */
	struct tr_app *apps;
	size_t napps, capapps;
	char **projects;
	size_t nprojects, capprojects;
};

/* An open collection of the input. */
struct tr_frame {
	int map, flow, want_key;
	long col;  /* a block collection's column (-1 until known) */
	long bcol; /* the nearest block collection's column, -1 at the root */
	int bmap;  /* that collection is a map */
};

struct tr_edit {
	size_t start, end;
	char *text;
	size_t len;
};

struct tr_range {
	size_t s, e;
};

/* One input being rendered. */
struct tr_in {
	struct tmpl_render *r;
	const char *fname;
	size_t file;
	int fd;
	char *wbuf; /* bytes [woff, woff + wlen) of the input */
	size_t woff, wlen, wcap;
	int owned;
	size_t served; /* bytes given to libyaml */
	int eof, read_errno;
	size_t hb; /* the first byte >= 0x80 (after a BOM), SIZE_MAX: none */
	size_t bom;
	size_t cur_ci, cur_bo; /* character index -> byte cursor */
	size_t anchor_pos;     /* a byte whose line and column are known */
	long anchor_line, anchor_col;
	size_t flushed; /* output written up to here */
	struct tr_edit *edits;
	size_t nedits, capedits;
	struct tr_range *seen; /* "{{" already reported, or keys */
	size_t nseen, capseen;
	int started, sep_pending, ndocs;
	int unquoted; /* "quote it" errors reported */
	size_t doc_start;
	long doc_line, doc_col;
	int doc_errors, errors, stop;
	struct tr_doc *kdoc;
	struct tr_doc **kdocs; /* this input's documents (kyml) */
	size_t nkdocs, capkdocs;
	struct tr_frame *stack;
	size_t depth, capstack;
	struct tn_builder tb;
	yaml_parser_t p;
};

/* ------------------------------------------------------------------ */
/* diagnostics and output */

static void
tr_emit(struct tmpl_render *r, enum tmpl_severity sev, const char *file,
	long line, long col, const char *msg)
{
	if (sev == TMPL_ERROR) {
		r->nerr++;
		if (!r->have_first) {
			r->have_first = 1;
			if (file && line && col) {
				err_set(&r->first, PD_EINVALID,
					"%s:%ld:%ld: %s", file, line, col, msg);
			} else if (file && line) {
				err_set(&r->first, PD_EINVALID, "%s:%ld: %s",
					file, line, msg);
			} else if (file) {
				err_set(&r->first, PD_EINVALID, "%s: %s", file,
					msg);
			} else {
				err_set(&r->first, PD_EINVALID, "%s", msg);
			}
		}
	} else if (sev == TMPL_WARNING) {
		r->nwarn++;
	} else {
		r->nfind++;
	}
	if (r->o.diag) {
		struct tmpl_diag d = { sev, file, line, col, msg };
		r->o.diag(r->o.diag_arg, &d);
	}
}

static void
tr_doc_defer(struct tr_doc *d, enum tmpl_severity sev, long line, long col,
	     const char *msg)
{
	if (d->nmsgs == d->capmsgs) {
		d->capmsgs = d->capmsgs ? d->capmsgs * 2 : 4;
		d->msgs = xrealloc(d->msgs, d->capmsgs * sizeof(*d->msgs));
	}
	struct tr_msg *m = &d->msgs[d->nmsgs++];
	m->sev = sev;
	m->line = line;
	m->col = col;
	m->msg = xstrdup(msg);
	if (sev == TMPL_ERROR) {
		d->errors++;
	}
}

/* Line and column (1-based, columns in characters) of byte pos. */
static void
tr_linecol(const struct tr_in *in, size_t pos, long *line, long *col)
{
	size_t p = in->anchor_pos;
	long l = in->anchor_line, c = in->anchor_col;
	if (pos < p || p < in->woff) {
		*line = in->anchor_line;
		*col = in->anchor_col;
		return;
	}
	const unsigned char *w = (const unsigned char *)in->wbuf;
	size_t lim = in->woff + in->wlen;
	for (; p < pos && p < lim; p++) {
		unsigned char ch = w[p - in->woff];
		if (ch == '\n') {
			l++;
			c = 1;
		} else if ((ch & 0xC0) != 0x80 && ch != '\r') {
			c++;
		}
	}
	*line = l;
	*col = c;
}

__attribute__((format(printf, 6, 7))) static void
tr_say(struct tr_in *in, enum tmpl_severity sev, int defer, long line, long col,
       const char *fmt, ...)
{
	char msg[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (sev == TMPL_ERROR) {
		in->doc_errors++;
		if (++in->errors >= TR_MAX_ERRORS) {
			in->stop = 1;
		}
	}
	if (defer && in->kdoc) {
		tr_doc_defer(in->kdoc, sev, line, col, msg);
	} else {
		tr_emit(in->r, sev, in->fname, line, col, msg);
	}
}

static const char *
tr_src(const struct tr_in *in, size_t pos)
{
	return in->wbuf + (pos - in->woff);
}

static void
tr_write(struct tmpl_render *r, const char *p, size_t n)
{
	if (!n || r->failed) {
		return;
	}
	if (r->o.write && r->o.write(r->o.write_arg, p, n) < 0) {
		r->failed = -PD_ERUNTIME;
		if (!r->have_first) {
			r->have_first = 1;
			err_set(&r->first, PD_ERUNTIME,
				"cannot write the output");
		}
		return;
	}
	r->wrote = 1;
	r->last_nl = p[n - 1] == '\n';
}

static void
tr_out(struct tr_in *in, const char *p, size_t n)
{
	struct tmpl_render *r = in->r;
	if (!n) {
		return;
	}
	if (!in->started) {
		in->started = 1;
		if (r->wrote && !r->last_nl) {
			tr_write(r, "\n", 1);
		}
		if (in->sep_pending) {
			tr_write(r, "---\n", 4);
		}
	}
	tr_write(r, p, n);
}

/* ------------------------------------------------------------------ */
/* reading */

static size_t
tr_first_high(const unsigned char *p, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if (w & 0x8080808080808080ull) {
			break;
		}
	}
	for (; i < n; i++) {
		if (p[i] & 0x80) {
			return i;
		}
	}
	return n;
}

static int
tr_fill(struct tr_in *in)
{
	if (in->fd < 0 || in->eof) {
		return 0;
	}
	if (!(in->r->o.flags & TMPL_KYML) && in->flushed > in->woff) {
		size_t drop = in->flushed - in->woff;
		if (drop > in->wlen) {
			drop = in->wlen;
		}
		if (drop >= in->wlen / 2 || drop >= ((size_t)4 << 20)) {
			memmove(in->wbuf, in->wbuf + drop, in->wlen - drop);
			in->woff += drop;
			in->wlen -= drop;
		}
	}
	if (in->wcap - in->wlen < TR_CHUNK) {
		size_t nc = in->wcap * 2;
		if (nc < in->wlen + TR_CHUNK) {
			nc = in->wlen + TR_CHUNK;
		}
		in->wbuf = xrealloc(in->wbuf, nc);
		in->wcap = nc;
	}
	for (;;) {
		ssize_t n = read(in->fd, in->wbuf + in->wlen, TR_CHUNK);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			in->read_errno = errno;
			in->eof = 1;
			return -1;
		}
		if (n == 0) {
			in->eof = 1;
		}
		in->wlen += (size_t)n;
		return 0;
	}
}

static int
tr_read_handler(void *data, unsigned char *buffer, size_t size,
		size_t *size_read)
{
	struct tr_in *in = data;
	if (in->served == in->woff + in->wlen && !in->eof && tr_fill(in) < 0) {
		return 0;
	}
	size_t avail = in->woff + in->wlen - in->served;
	size_t n = avail < size ? avail : size;
	const unsigned char *src =
	    (const unsigned char *)tr_src(in, in->served);
	if (n && in->hb == SIZE_MAX) {
		size_t from = in->served < in->bom ? in->bom - in->served : 0;
		if (from < n) {
			size_t k = tr_first_high(src + from, n - from);
			if (k < n - from) {
				in->hb = in->served + from + k;
			}
		}
	}
	memcpy(buffer, src, n);
	in->served += n;
	*size_read = n;
	return 1;
}

/* The byte offset of libyaml's character index ci. */
static size_t
tr_byte(struct tr_in *in, size_t ci)
{
	size_t b = ci + in->bom;
	if (in->hb == SIZE_MAX || b <= in->hb) {
		return b;
	}
	if (in->cur_bo < in->hb || in->cur_bo < in->woff) {
		if (in->hb >= in->woff) {
			in->cur_ci = in->hb - in->bom;
			in->cur_bo = in->hb;
		}
	}
	const unsigned char *w = (const unsigned char *)in->wbuf;
	size_t lim = in->woff + in->wlen;
	while (in->cur_ci < ci && in->cur_bo < lim) {
		unsigned char c = w[in->cur_bo - in->woff];
		in->cur_bo += c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		in->cur_ci++;
	}
	while (in->cur_ci > ci && in->cur_bo > in->woff) {
		do {
			in->cur_bo--;
		} while (in->cur_bo > in->woff &&
			 (w[in->cur_bo - in->woff] & 0xC0) == 0x80);
		in->cur_ci--;
	}
	return in->cur_bo < lim ? in->cur_bo : lim;
}

/* ------------------------------------------------------------------ */
/* a templated scalar */

/* Where an action sits in the scalar's source (relative to its start). */
struct tr_span {
	size_t as, ae; /* "{{" .. after "}}" */
	size_t ts, te; /* with the whitespace the trim markers remove */
};

static size_t
tx_chars(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++) {
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	}
	return c;
}

/* A YAML double-quoted escape at s (s[0] == '\\'): its UTF-8 bytes in d. */
static int
tr_dq_escape(const char *s, size_t n, char *d, size_t *dn, size_t *used)
{
	uint32_t cp;
	int hex = 0;
	if (n < 2) {
		return 0;
	}
	switch (s[1]) {
	case '0':
		cp = 0;
		break;
	case 'a':
		cp = 7;
		break;
	case 'b':
		cp = 8;
		break;
	case 't':
	case '\t':
		cp = 9;
		break;
	case 'n':
		cp = 10;
		break;
	case 'v':
		cp = 11;
		break;
	case 'f':
		cp = 12;
		break;
	case 'r':
		cp = 13;
		break;
	case 'e':
		cp = 27;
		break;
	case ' ':
		cp = ' ';
		break;
	case '"':
		cp = '"';
		break;
	case '/':
		cp = '/';
		break;
	case '\'':
		cp = '\'';
		break;
	case '\\':
		cp = '\\';
		break;
	case 'N':
		cp = 0x85;
		break;
	case '_':
		cp = 0xA0;
		break;
	case 'L':
		cp = 0x2028;
		break;
	case 'P':
		cp = 0x2029;
		break;
	case 'x':
		hex = 2;
		break;
	case 'u':
		hex = 4;
		break;
	case 'U':
		hex = 8;
		break;
	default:
		return 0;
	}
	*used = 2;
	if (hex) {
		cp = 0;
		if (n < (size_t)hex + 2) {
			return 0;
		}
		for (int i = 0; i < hex; i++) {
			int h = tx_hexval(s[2 + i]);
			if (h < 0) {
				return 0;
			}
			cp = cp << 4 | (uint32_t)h;
		}
		*used = 2 + (size_t)hex;
	}
	struct buf b = BUF_INIT;
	tx_put_utf8(&b, cp);
	memcpy(d, b.buf, b.len);
	*dn = b.len;
	buf_release(&b);
	return 1;
}

/*
 * Find the actions of a value in the scalar's source S[cs..ce): each must
 * read, in the scalar's style, as the action's text does in the value, on
 * one line. Returns how many matched, in order.
 */
static size_t
tr_match(const char *S, size_t cs, size_t ce, yaml_scalar_style_t style,
	 const char *V, const struct tx_act *acts, size_t n, struct tr_span *sp)
{
	size_t pos = cs;
	for (size_t k = 0; k < n; k++) {
		const char *f =
		    pos < ce ? tx_find_open(S + pos, ce - pos) : NULL;
		if (!f) {
			return k;
		}
		size_t q = (size_t)(f - S), j = acts[k].start;
		sp[k].as = q;
		while (j < acts[k].end) {
			if (q >= ce) {
				return k;
			}
			char c = S[q];
			if (c == '\n' || c == '\r') {
				return k;
			}
			if (style == YAML_DOUBLE_QUOTED_SCALAR_STYLE &&
			    c == '\\') {
				char d[4];
				size_t dn, used;
				if (!tr_dq_escape(S + q, ce - q, d, &dn,
						  &used) ||
				    j + dn > acts[k].end ||
				    memcmp(V + j, d, dn) != 0) {
					return k;
				}
				j += dn;
				q += used;
				continue;
			}
			if (style == YAML_SINGLE_QUOTED_SCALAR_STYLE &&
			    c == '\'') {
				if (q + 1 >= ce || S[q + 1] != '\'' ||
				    V[j] != '\'') {
					return k;
				}
				j++;
				q += 2;
				continue;
			}
			if (V[j] != c) {
				return k;
			}
			j++;
			q++;
		}
		sp[k].ae = q;
		pos = q;
	}
	return n;
}

/* Blanks at a line's edge in double quotes, escaped so that folding keeps
 * them. */
static void
tr_edge_blanks(struct buf *t, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		buf_adds(t, s[i] == ' ' ? "\\x20" : "\\t");
	}
}

/* Encode an action's result for the scalar's style. */
static void
tr_encode(struct buf *t, yaml_scalar_style_t style, const char *s, size_t n,
	  size_t indent, int edges)
{
	/* double quotes: blanks at a line's edge would be folded away, so
	 * those are escaped (edges: 1 leading, 2 trailing) */
	size_t lead = 0, trail = n;
	if (edges & 1) {
		while (lead < n && (s[lead] == ' ' || s[lead] == '\t')) {
			lead++;
		}
	}
	if (edges & 2) {
		while (trail > lead &&
		       (s[trail - 1] == ' ' || s[trail - 1] == '\t')) {
			trail--;
		}
	}
	switch (style) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '\'') {
				buf_addch(t, '\'');
			}
			buf_addch(t, s[i]);
		}
		return;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		tr_edge_blanks(t, s, lead);
		yaml_emit_dq(t, s + lead, trail - lead, 0);
		tr_edge_blanks(t, s + trail, n - trail);
		return;
	case YAML_LITERAL_SCALAR_STYLE:
	case YAML_FOLDED_SCALAR_STYLE:
		for (size_t i = 0; i < n; i++) {
			buf_addch(t, s[i]);
			if (s[i] == '\n' && (i + 1 == n || s[i + 1] != '\n')) {
				for (size_t k = 0; k < indent; k++) {
					buf_addch(t, ' ');
				}
			}
		}
		return;
	default:
		buf_add(t, s, n);
		return;
	}
}

/* A plain scalar's text that reads back as itself on one line. */
static int
tr_plain_ok(const char *t, size_t n, int flow)
{
	if (!n || tx_isws((unsigned char)t[n - 1]) || t[n - 1] == ':') {
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		if (c == ':' &&
		    (i + 1 == n || tx_isws((unsigned char)t[i + 1]) ||
		     (flow && strchr(",[]{}", t[i + 1])))) {
			return 0;
		}
		if (c == '#' && i > 0 && tx_isws((unsigned char)t[i - 1])) {
			return 0;
		}
		if (flow && strchr(",[]{}", c)) {
			return 0;
		}
	}
	return 1;
}

/*
 * Whether t, a scalar's source text (properties included), reads back as
 * want in style, parsed in a context rebuilt from its parent: the parent's
 * indentation and block or flow collection.
 */
static int
tr_verify(const struct tr_frame *top, const char *t, size_t tlen,
	  const char *want, size_t wlen, yaml_scalar_style_t style)
{
	struct buf d = BUF_INIT;
	const char *suffix = "";
	int keys = 0;
	if (top && !top->flow) {
		for (long i = 0; i < top->col; i++) {
			buf_addch(&d, ' ');
		}
		buf_adds(&d, top->map ? "k: " : "- ");
		keys = top->map;
	} else if (top) {
		if (top->bcol >= 0) {
			for (long i = 0; i < top->bcol; i++) {
				buf_addch(&d, ' ');
			}
			buf_adds(&d, top->bmap ? "k: " : "- ");
			keys = top->bmap;
		}
		if (top->map) {
			buf_adds(&d, "{k: ");
			keys++;
			suffix = "}";
		} else {
			buf_adds(&d, "[");
			suffix = "]";
		}
	}
	size_t tend = tx_chars(d.buf, d.len) + tx_chars(t, tlen);
	buf_add(&d, t, tlen);
	buf_adds(&d, suffix);

	yaml_parser_t p;
	yaml_event_t ev;
	int scalars = 0, ok = 0, bad = 0;
	if (!yaml_parser_initialize(&p)) {
		buf_release(&d);
		return 0;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)d.buf, d.len);
	for (;;) {
		if (!yaml_parser_parse(&p, &ev)) {
			bad = 1;
			break;
		}
		yaml_event_type_t type = ev.type;
		if (type == YAML_SCALAR_EVENT) {
			if (scalars == keys) {
				int block =
				    style == YAML_LITERAL_SCALAR_STYLE ||
				    style == YAML_FOLDED_SCALAR_STYLE;
				ok = ev.data.scalar.style == style &&
				     ev.data.scalar.length == wlen &&
				     memcmp(ev.data.scalar.value, want, wlen) ==
					 0 &&
				     (block || ev.end_mark.index == tend);
			}
			scalars++;
		} else if (type == YAML_ALIAS_EVENT) {
			scalars++;
		}
		yaml_event_delete(&ev);
		if (type == YAML_STREAM_END_EVENT) {
			break;
		}
	}
	yaml_parser_delete(&p);
	buf_release(&d);
	return !bad && ok && scalars == keys + 1;
}

static const char *
tr_type_name(const cJSON *j)
{
	if (cJSON_IsNull(j)) {
		return "null";
	}
	if (cJSON_IsBool(j)) {
		return "a boolean";
	}
	if (cJSON_IsNumber(j)) {
		return j->valuedouble == trunc(j->valuedouble) ? "an integer"
							       : "a float";
	}
	return "a string";
}

/* "'KEY' ('value')", or "'KEY' (from the environment)" for secrets. */
static void
tr_value_desc(const struct tmpl_values *v, const char *V,
	      const struct tx_act *a, const char *R, char *out, size_t size)
{
	const struct tmpl_val *t = tv_find(v, V + a->key, a->klen);
	if (t && t->origin == TMPL_FROM_ENV) {
		snprintf(out, size, "'%.*s' (from the environment)",
			 (int)a->klen, V + a->key);
	} else {
		snprintf(out, size, "'%.*s' ('%.*s')", (int)a->klen, V + a->key,
			 (int)(a->rlen > 60 ? 60 : a->rlen), R + a->rstart);
	}
}

/* A line of a block scalar's value, as far as a warning needs it. */
enum { SH_SAFE, SH_SUSPECT, SH_COMPLEX };

static int
tr_shape(const char *R, size_t rlen, size_t rs, size_t re, char *key,
	 size_t ksize, cJSON **res)
{
	size_t ls = rs, le = re, i, vs, ve, kend = 0;
	int keyed = 0;
	*res = NULL;
	key[0] = '\0';
	if (memchr(R + rs, '\n', re - rs)) {
		return SH_COMPLEX;
	}
	while (ls > 0 && R[ls - 1] != '\n') {
		ls--;
	}
	while (le < rlen && R[le] != '\n') {
		le++;
	}
	i = ls;
	while (i < le && R[i] == ' ') {
		i++;
	}
	while (i + 1 < le && R[i] == '-' && R[i + 1] == ' ') {
		i += 2;
		while (i < le && R[i] == ' ') {
			i++;
		}
	}
	if (rs < i) {
		return SH_COMPLEX;
	}
	vs = i;
	for (size_t j = i; j < rs; j++) {
		if (R[j] == '#' && j > i && tx_isws((unsigned char)R[j - 1])) {
			return SH_SAFE; /* in a comment */
		}
		if (R[j] == ':' &&
		    (j + 1 == le || R[j + 1] == ' ' || R[j + 1] == '\t')) {
			kend = j;
			keyed = 1;
			vs = j + 1;
			break;
		}
	}
	if (keyed) {
		if (strchr("\"'[]{}&*!|>%@`?#,", R[i])) {
			return SH_COMPLEX;
		}
		snprintf(key, ksize, "%.*s", (int)(kend - i), R + i);
		while (vs < le && (R[vs] == ' ' || R[vs] == '\t')) {
			vs++;
		}
	}
	if (rs < vs) {
		return SH_COMPLEX;
	}
	ve = le;
	for (size_t j = vs; j < le; j++) {
		if (R[j] == '#' && j > vs && tx_isws((unsigned char)R[j - 1])) {
			ve = j;
			break;
		}
	}
	if (ve <= rs && re > rs) {
		return SH_SAFE; /* in a comment */
	}
	while (ve > vs && tx_isws((unsigned char)R[ve - 1])) {
		ve--;
	}
	if (re > ve || (vs < ve && strchr("\"'[]{}&*!|>%@`", R[vs]))) {
		return SH_COMPLEX;
	}
	for (size_t j = vs; j < ve; j++) {
		if (R[j] == ':' &&
		    (j + 1 == ve || tx_isws((unsigned char)R[j + 1]))) {
			return SH_COMPLEX;
		}
	}
	cJSON *j = yaml_resolve_plain(R + vs, ve - vs);
	if (cJSON_IsString(j)) {
		cJSON_Delete(j);
		return SH_SAFE;
	}
	*res = j;
	return SH_SUSPECT;
}

/* Whether text parses as YAML whose root is a mapping or a sequence;
 * otherwise msg (when non-NULL) gets libyaml's complaint. */
static int
tr_is_yaml_doc(const char *s, size_t n, char *msg, size_t msize)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int res = 0, seen_root = 0;
	if (msg) {
		msg[0] = '\0';
	}
	if (!yaml_parser_initialize(&p)) {
		return 0;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)s, n);
	for (;;) {
		if (!yaml_parser_parse(&p, &ev)) {
			if (msg) {
				snprintf(msg, msize, "line %lu: %s",
					 (unsigned long)p.problem_mark.line + 1,
					 p.problem ? p.problem
						   : "invalid YAML");
			}
			res = 0;
			break;
		}
		yaml_event_type_t t = ev.type;
		if (!seen_root && (t == YAML_MAPPING_START_EVENT ||
				   t == YAML_SEQUENCE_START_EVENT ||
				   t == YAML_SCALAR_EVENT)) {
			seen_root = 1;
			res = t != YAML_SCALAR_EVENT;
		}
		yaml_event_delete(&ev);
		if (t == YAML_STREAM_END_EVENT) {
			break;
		}
	}
	yaml_parser_delete(&p);
	return res;
}

/*
 * A block scalar whose expanded value is itself YAML (Helm values): warn
 * when a substituted value makes a plain scalar there read back as another
 * type; fail when it breaks that YAML.
 */
static void
tr_inner_yaml(struct tr_in *in, int defer, const char *V, size_t vlen,
	      const struct tx_res *res, const char *S, size_t sb,
	      const struct tr_span *sp, size_t matched)
{
	const char *R = res->out.buf;
	size_t rlen = res->out.len;
	int complex = 0, yaml = -1;
	char key[80], desc[160], ymsg[200];
	/* the actions a line-level look cannot decide */
	unsigned char *slow = xcalloc(res->n + 1, 1);
	for (size_t k = 0; k < res->n; k++) {
		const struct tx_act *a = &res->acts[k];
		if (a->kind != TX_FIELD) {
			continue;
		}
		cJSON *j = NULL;
		int sh = tr_shape(R, rlen, a->rstart, a->rstart + a->rlen, key,
				  sizeof(key), &j);
		if (sh == SH_COMPLEX) {
			complex = 1;
			slow[k] = 1;
		} else if (sh == SH_SUSPECT) {
			if (yaml < 0) {
				yaml = tr_is_yaml_doc(R, rlen, NULL, 0);
			}
			if (yaml) {
				long line, col;
				size_t pos = sb + (k < matched ? sp[k].as : 0);
				tr_linecol(in, pos, &line, &col);
				tr_value_desc(in->r->vals, V, a, R, desc,
					      sizeof(desc));
				size_t an =
				    k < matched ? sp[k].ae - sp[k].as : 0;
				tr_say(
				    in, TMPL_WARNING, defer, line, col,
				    "the value of %s makes '%s' read back as "
				    "%s under YAML 1.1, as Helm reads these "
				    "values: quote it (%s: \"%.*s\")",
				    desc, key[0] ? key : "the value",
				    tr_type_name(j), key[0] ? key : "value",
				    (int)an, S + (k < matched ? sp[k].as : 0));
			}
		}
		cJSON_Delete(j);
	}
	if (!complex) {
		free(slow);
		return;
	}
	/* the slow way: parse the value and look at every plain scalar */
	if (!tr_is_yaml_doc(R, rlen, ymsg, sizeof(ymsg))) {
		/* was it YAML with neutral values in the placeholders? */
		struct buf v2 = BUF_INIT;
		size_t x = 0;
		for (size_t k = 0; k < res->n; k++) {
			buf_add(&v2, V + x, res->acts[k].start - x);
			buf_addch(&v2, 'x');
			x = res->acts[k].end;
		}
		buf_add(&v2, V + x, vlen - x);
		int was = tr_is_yaml_doc(v2.buf, v2.len, NULL, 0);
		buf_release(&v2);
		if (was && ymsg[0]) {
			const struct tx_act *a = res->n ? &res->acts[0] : NULL;
			long line, col;
			tr_linecol(in, sb + (matched ? sp[0].as : 0), &line,
				   &col);
			tr_say(in, TMPL_ERROR, defer, line, col,
			       "the substituted value%s%.*s%s breaks the YAML "
			       "inside this block scalar, which Helm reads as "
			       "values (%s)",
			       a ? " of '" : "", a ? (int)a->klen : 0,
			       a ? V + a->key : "", a ? "'" : "", ymsg);
		}
		free(slow);
		return;
	}
	yaml_parser_t p;
	yaml_event_t ev;
	if (!yaml_parser_initialize(&p)) {
		free(slow);
		return;
	}
	/* character index -> byte, for marks inside R */
	size_t *cb = NULL, nch = tx_chars(R, rlen);
	cb = xmalloc((nch + 1) * sizeof(*cb));
	for (size_t i = 0, c = 0; i <= rlen; i++) {
		if (i == rlen || ((unsigned char)R[i] & 0xC0) != 0x80) {
			cb[c++] = i;
		}
		if (c > nch) {
			break;
		}
	}
	struct {
		int map, want_key;
		char key[80];
	} st[64];
	int depth = 0;
	yaml_parser_set_input_string(&p, (const unsigned char *)R, rlen);
	for (;;) {
		if (!yaml_parser_parse(&p, &ev)) {
			break;
		}
		yaml_event_type_t t = ev.type;
		int is_key =
		    depth > 0 && st[depth - 1].map && st[depth - 1].want_key;
		if (t == YAML_MAPPING_START_EVENT ||
		    t == YAML_SEQUENCE_START_EVENT) {
			if (depth < 64) {
				st[depth].map = t == YAML_MAPPING_START_EVENT;
				st[depth].want_key = 1;
				st[depth].key[0] = '\0';
			}
			depth++;
		} else if (t == YAML_MAPPING_END_EVENT ||
			   t == YAML_SEQUENCE_END_EVENT) {
			depth--;
			if (depth > 0 && depth <= 64 && st[depth - 1].map) {
				st[depth - 1].want_key =
				    !st[depth - 1].want_key;
			}
		} else if (t == YAML_SCALAR_EVENT || t == YAML_ALIAS_EVENT) {
			if (t == YAML_SCALAR_EVENT && is_key && depth <= 64) {
				snprintf(st[depth - 1].key, sizeof(st[0].key),
					 "%.*s", (int)ev.data.scalar.length,
					 ev.data.scalar.value);
			}
			if (t == YAML_SCALAR_EVENT && !is_key &&
			    ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
			    !ev.data.scalar.tag) {
				size_t s0 = ev.start_mark.index <= nch
						? cb[ev.start_mark.index]
						: rlen;
				size_t s1 = ev.end_mark.index <= nch
						? cb[ev.end_mark.index]
						: rlen;
				cJSON *j = yaml_resolve_plain(
				    (const char *)ev.data.scalar.value,
				    ev.data.scalar.length);
				for (size_t k = 0;
				     k < res->n && !cJSON_IsString(j); k++) {
					const struct tx_act *a = &res->acts[k];
					if (a->kind != TX_FIELD || !slow[k] ||
					    a->rstart + a->rlen < s0 ||
					    a->rstart > s1 || s0 == s1) {
						continue;
					}
					const char *kn =
					    depth > 0 && depth <= 64
						? st[depth - 1].key
						: "";
					long line, col;
					tr_linecol(
					    in,
					    sb + (k < matched ? sp[k].as : 0),
					    &line, &col);
					tr_value_desc(in->r->vals, V, a, R,
						      desc, sizeof(desc));
					size_t an = k < matched
							? sp[k].ae - sp[k].as
							: 0;
					tr_say(
					    in, TMPL_WARNING, defer, line, col,
					    "the value of %s makes '%s' read "
					    "back as %s under YAML 1.1, as "
					    "Helm "
					    "reads these values: quote it (%s: "
					    "\"%.*s\")",
					    desc, kn[0] ? kn : "the value",
					    tr_type_name(j),
					    kn[0] ? kn : "value", (int)an,
					    S + (k < matched ? sp[k].as : 0));
				}
				cJSON_Delete(j);
			}
			if (depth > 0 && depth <= 64 && st[depth - 1].map) {
				st[depth - 1].want_key =
				    !st[depth - 1].want_key;
			}
		}
		yaml_event_delete(&ev);
		if (t == YAML_STREAM_END_EVENT) {
			break;
		}
	}
	free(cb);
	free(slow);
	yaml_parser_delete(&p);
}

static void
tr_seen(struct tr_in *in, size_t s, size_t e)
{
	if (in->nseen == in->capseen) {
		in->capseen = in->capseen ? in->capseen * 2 : 8;
		in->seen = xrealloc(in->seen, in->capseen * sizeof(*in->seen));
	}
	in->seen[in->nseen].s = s;
	in->seen[in->nseen].e = e;
	in->nseen++;
}

/* The scalar's token after its properties (anchor, tag). */
static size_t
tr_skip_props(const char *S, size_t n)
{
	size_t i = 0;
	while (i < n && (S[i] == '&' || S[i] == '!')) {
		while (i < n && !tx_isws((unsigned char)S[i])) {
			i++;
		}
		while (i < n && tx_isws((unsigned char)S[i])) {
			i++;
		}
	}
	return i;
}

/*
 * A string scalar (not a key) whose value holds "{{": expand it, and in
 * layout mode replace its actions in the source. Returns the expanded
 * value (malloc()ed, length in *rlen), or NULL after an error.
 */
static char *
tr_scalar(struct tr_in *in, const yaml_event_t *ev, const struct tr_frame *top,
	  size_t *rlen, int *secret)
{
	struct tmpl_render *r = in->r;
	int kyml = (r->o.flags & TMPL_KYML) != 0;
	const char *V = (const char *)ev->data.scalar.value;
	size_t vlen = ev->data.scalar.length;
	yaml_scalar_style_t style = ev->data.scalar.style;
	int block = style == YAML_LITERAL_SCALAR_STYLE ||
		    style == YAML_FOLDED_SCALAR_STYLE;
	struct tx_res res;
	struct pd_err e = { 0 };
	size_t at = 0;
	char *out = NULL;
	long line, col;

	size_t sb = tr_byte(in, ev->start_mark.index);
	size_t eb = tr_byte(in, ev->end_mark.index);
	if (eb < sb) {
		eb = sb;
	}
	const char *S = tr_src(in, sb);
	size_t slen = eb - sb;
	size_t tb = (ev->data.scalar.anchor || ev->data.scalar.tag)
			? tr_skip_props(S, slen)
			: 0;
	size_t cs = tb, ce = slen;
	if (style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
	    style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) {
		cs = tb + 1;
		ce = slen > cs ? slen - 1 : cs;
	} else if (block) {
		const char *nl = memchr(S + tb, '\n', slen - tb);
		cs = nl ? (size_t)(nl - S) + 1 : slen;
		ce = slen;
		while (ce > cs && tx_isws((unsigned char)S[ce - 1])) {
			ce--;
		}
	}

	memset(&res, 0, sizeof(res));
	res.out = (struct buf)BUF_INIT;
	int rc = tx_expand(V, vlen, r->vals, r->o.flags, &res, &at, &e);
	struct tr_span *sp = xcalloc(res.n + 1, sizeof(*sp));
	size_t matched = tr_match(S, cs, ce, style, V, res.acts, res.n, sp);
	if (rc < 0) {
		size_t pos = 0;
		if (matched == res.n) {
			size_t from = res.n ? sp[res.n - 1].ae : cs;
			const char *f = from < ce
					    ? tx_find_open(S + from, ce - from)
					    : NULL;
			pos = f ? (size_t)(f - S) : 0;
		}
		tr_linecol(in, sb + pos, &line, &col);
		tr_say(in, TMPL_ERROR, 1, line, col, "%s", e.msg);
		tr_seen(in, sb, eb);
		goto done;
	}
	if (kyml) {
		if (block) {
			tr_inner_yaml(in, 1, V, vlen, &res, S, sb, sp, matched);
		}
		goto ok;
	}
	if (matched < res.n) {
		tr_linecol(in,
			   sb + (matched < res.n && sp[matched].as
				     ? sp[matched].as
				     : 0),
			   &line, &col);
		tr_say(in, TMPL_ERROR, 0, line, col,
		       "this template action cannot be replaced in place: it "
		       "spans lines, or escapes in the quoted string hide "
		       "its text; write it on one line, without escapes");
		tr_seen(in, sb, eb);
		goto done;
	}

	/* the trim markers, in the source */
	int crossed = 0, exact = 1;
	for (size_t k = 0; k < res.n; k++) {
		const struct tx_act *a = &res.acts[k];
		size_t lo = k ? sp[k - 1].te : cs;
		sp[k].ts = sp[k].as;
		sp[k].te = sp[k].ae;
		if (a->ltrim) {
			while (sp[k].ts > lo &&
			       tx_isws((unsigned char)S[sp[k].ts - 1])) {
				sp[k].ts--;
				crossed |=
				    S[sp[k].ts] == '\n' || S[sp[k].ts] == '\r';
			}
		}
		if (a->rtrim) {
			while (sp[k].te < ce &&
			       tx_isws((unsigned char)S[sp[k].te])) {
				crossed |=
				    S[sp[k].te] == '\n' || S[sp[k].te] == '\r';
				sp[k].te++;
			}
		}
		if (sp[k].as - sp[k].ts != a->lcut ||
		    sp[k].te - sp[k].ae != a->rcut) {
			exact = 0;
		}
	}

	/* the block's indentation, for values with line breaks */
	size_t indent = 0;
	if (block) {
		size_t i = cs;
		for (;;) {
			size_t k = i;
			while (k < slen && S[k] == ' ') {
				k++;
			}
			if (k < slen && (S[k] == '\n' || S[k] == '\r')) {
				i = k + 1;
				continue;
			}
			indent = k - i;
			break;
		}
	}

	/* the new source text, and whether it plainly reads back right */
	struct buf t = BUF_INIT;
	int fast = exact && !crossed;
	size_t x = 0;
	for (size_t k = 0; k < res.n; k++) {
		const struct tx_act *a = &res.acts[k];
		const char *rv = res.out.buf + a->rstart;
		struct tx_scan sc;
		tx_scan_text(rv, a->rlen, &sc);
		if (sc.invalid || sc.breaks) {
			fast = 0;
		}
		/* at a line's start, leading blanks would be indentation */
		int dq = style == YAML_DOUBLE_QUOTED_SCALAR_STYLE, edges = 0;
		size_t ls = sp[k].ts;
		while (ls > 0 && (S[ls - 1] == ' ' || S[ls - 1] == '\t')) {
			ls--;
		}
		if ((ls == 0 || S[ls - 1] == '\n') && ls > tb &&
		    (a->rlen == 0 || tx_isws((unsigned char)rv[0]))) {
			if (dq && a->rlen) {
				edges |= 1;
			} else {
				fast = 0;
			}
		}
		/* at the end of a line: trailing blanks are dropped */
		if (!block) {
			size_t le = sp[k].te;
			while (le < slen && (S[le] == ' ' || S[le] == '\t')) {
				le++;
			}
			if (((le < slen && (S[le] == '\n' || S[le] == '\r')) ||
			     (style == YAML_PLAIN_SCALAR_STYLE && le >= ce)) &&
			    (a->rlen == 0 ||
			     tx_isws((unsigned char)rv[a->rlen - 1]))) {
				if (dq && a->rlen) {
					edges |= 2;
				} else {
					fast = 0;
				}
			}
		}
		buf_add(&t, S + x, sp[k].ts - x);
		tr_encode(&t, style, rv, a->rlen, indent, edges);
		x = sp[k].te;
	}
	buf_add(&t, S + x, slen - x);
	if (style == YAML_PLAIN_SCALAR_STYLE && fast &&
	    !tr_plain_ok(t.buf + tb, t.len - tb, top && top->flow)) {
		fast = 0;
	}
	if (!fast &&
	    !tr_verify(top, t.buf, t.len, res.out.buf, res.out.len, style)) {
		const struct tx_act *a = &res.acts[0];
		for (size_t k = 0; k < res.n; k++) {
			if (res.acts[k].kind == TX_FIELD) {
				a = &res.acts[k];
				break;
			}
		}
		tr_linecol(in, sb + sp[0].as, &line, &col);
		if (!tr_verify(top, S, slen, V, vlen, style)) {
			tr_say(
			    in, TMPL_ERROR, 0, line, col,
			    "cannot check a substitution in place in this "
			    "scalar (an unusual layout); render with --kyml, "
			    "or simplify the YAML around it");
		} else if (crossed || !exact) {
			tr_say(in, TMPL_ERROR, 0, line, col,
			       "the trim markers of this action remove line "
			       "breaks or escapes in a way the scalar's text "
			       "cannot keep; drop the trim markers here");
		} else if (style == YAML_PLAIN_SCALAR_STYLE) {
			tr_say(in, TMPL_ERROR, 0, line, col,
			       "the value of '%.*s' changes the YAML around "
			       "this unquoted scalar (it holds ': ', ' #', a "
			       "flow indicator, a line break or edge "
			       "blanks); quote the scalar: \"%.*s\"",
			       (int)a->klen, V + a->key, (int)(slen - tb),
			       S + tb);
		} else if (style == YAML_SINGLE_QUOTED_SCALAR_STYLE) {
			tr_say(
			    in, TMPL_ERROR, 0, line, col,
			    "the value of '%.*s' cannot be written in this "
			    "single-quoted scalar (a line break or a control "
			    "character); use double quotes",
			    (int)a->klen, V + a->key);
		} else if (block) {
			tr_say(in, TMPL_ERROR, 0, line, col,
			       "the value of '%.*s' does not fit this block "
			       "scalar (line breaks in a folded scalar, or "
			       "blanks at the start of a line); use a literal "
			       "block (|) or put the placeholder after other "
			       "text",
			       (int)a->klen, V + a->key);
		} else {
			tr_say(
			    in, TMPL_ERROR, 0, line, col,
			    "the value of '%.*s' cannot be written in this "
			    "scalar (it is not valid UTF-8, holds characters "
			    "YAML cannot carry, or is empty at the edge of a "
			    "line that folding would change)",
			    (int)a->klen, V + a->key);
		}
		buf_release(&t);
		tr_seen(in, sb, eb);
		goto done;
	}
	/* an unquoted scalar that now reads back as another type */
	if (style == YAML_PLAIN_SCALAR_STYLE && !ev->data.scalar.tag) {
		cJSON *j = yaml_resolve_plain(res.out.buf, res.out.len);
		if (!cJSON_IsString(j)) {
			char desc[160] = "";
			for (size_t k = 0; k < res.n; k++) {
				if (res.acts[k].kind == TX_FIELD) {
					tr_value_desc(r->vals, V, &res.acts[k],
						      res.out.buf, desc,
						      sizeof(desc));
					break;
				}
			}
			tr_linecol(in, sb, &line, &col);
			tr_say(in, TMPL_WARNING, 0, line, col,
			       "with the value of %s this unquoted scalar "
			       "reads back as %s under YAML 1.1, not as the "
			       "string kyml would keep: quote it (\"%.*s\")",
			       desc, tr_type_name(j), (int)(slen - tb), S + tb);
		}
		cJSON_Delete(j);
	}
	if (block) {
		tr_inner_yaml(in, 0, V, vlen, &res, S, sb, sp, matched);
	}
	if (in->nedits == in->capedits) {
		in->capedits = in->capedits ? in->capedits * 2 : 8;
		in->edits =
		    xrealloc(in->edits, in->capedits * sizeof(*in->edits));
	}
	struct tr_edit *ed = &in->edits[in->nedits++];
	ed->start = sb;
	ed->end = eb;
	ed->len = t.len;
	ed->text = buf_detach(&t, NULL);
ok:
	*rlen = res.out.len;
	for (size_t k = 0; k < res.n; k++) {
		const struct tmpl_val *tv =
		    tv_find(r->vals, V + res.acts[k].key, res.acts[k].klen);
		if (res.acts[k].kind == TX_FIELD && tv &&
		    tv->origin == TMPL_FROM_ENV) {
			*secret = 1;
		}
	}
	out = buf_detach(&res.out, NULL);
done:
	free(sp);
	tx_res_release(&res);
	return out;
}

/* ------------------------------------------------------------------ */
/* the event pass */

static struct tr_frame *
tr_top(struct tr_in *in)
{
	return in->depth ? &in->stack[in->depth - 1] : NULL;
}

static void
tr_node_done(struct tr_in *in)
{
	struct tr_frame *f = tr_top(in);
	if (f && f->map) {
		f->want_key = !f->want_key;
	}
}

/* Scalars kyml templates: strings (untagged, !!str and friends, or any
 * tag outside the core schema, as go-yaml keeps those as strings). */
static int
tr_string_tagged(const yaml_event_t *ev)
{
	const char *tag = (const char *)ev->data.scalar.tag;
	if (!tag || strncmp(tag, "tag:yaml.org,2002:", 18) != 0) {
		return 1;
	}
	tag += 18;
	return strcmp(tag, "str") == 0 || strcmp(tag, "binary") == 0 ||
	       strcmp(tag, "timestamp") == 0;
}

/* "{{" at pos starts an unquoted value: YAML reads a flow mapping. */
static void
tr_unquoted(struct tr_in *in, size_t pos)
{
	const char *p = tr_src(in, pos);
	size_t avail = in->woff + in->wlen - pos, k = 0;
	int closed = 0;
	long line, col;
	while (k < avail && p[k] != '\n' && p[k] != '\r') {
		if (k + 1 < avail && p[k] == '}' && p[k + 1] == '}') {
			k += 2;
			closed = 1;
			break;
		}
		k++;
	}
	if (k > 60) {
		k = 60;
	}
	tr_linecol(in, pos, &line, &col);
	tr_seen(in, pos, pos + 2);
	in->unquoted++;
	tr_say(in, TMPL_ERROR, 0, line, col,
	       "'%.*s' starts an unquoted value, which YAML reads as a flow "
	       "mapping%s: quote it (\"%.*s%s\")",
	       (int)k, p, closed ? "" : ", and the action is not closed",
	       (int)k, p, closed ? "" : "}}");
}

/* The last "{{" in [from, to) that starts an unquoted value, or SIZE_MAX. */
static size_t
tr_find_unquoted(struct tr_in *in, size_t from, size_t to)
{
	size_t found = SIZE_MAX, x = from;
	while (x + 1 < to) {
		const char *base = tr_src(in, x);
		const char *f = tx_find_open(base, to - x);
		if (!f) {
			break;
		}
		size_t pos = x + (size_t)(f - base), ls = pos;
		while (ls > from && *tr_src(in, ls - 1) != '\n') {
			ls--;
		}
		size_t k = pos;
		while (k > ls && (*tr_src(in, k - 1) == ' ' ||
				  *tr_src(in, k - 1) == '\t')) {
			k--;
		}
		int quotes = 0;
		for (size_t q = ls; q < pos; q++) {
			char c = *tr_src(in, q);
			quotes += c == '"' || c == '\'';
		}
		char prev = k > ls ? *tr_src(in, k - 1) : '\n';
		/* after a line's indentation, "key: ", "- ", "[" or "," */
		if (!(quotes & 1) &&
		    (prev == '\n' || prev == '[' || prev == ',' ||
		     ((prev == ':' || prev == '-') && k < pos))) {
			found = pos;
		}
		x = pos + 2;
	}
	return found;
}

static void
tr_on_start(struct tr_in *in, const yaml_event_t *ev, int map)
{
	struct tr_frame *top = tr_top(in);
	int flow, props;
	if (map) {
		flow = ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
		props =
		    ev->data.mapping_start.anchor || ev->data.mapping_start.tag;
	} else {
		flow =
		    ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
		props = ev->data.sequence_start.anchor ||
			ev->data.sequence_start.tag;
	}
	long col = (long)ev->start_mark.column;
	if (top && !top->flow && top->col < 0) {
		top->col = top->map ? col : (col >= 2 ? col - 2 : 0);
	}
	if (flow) {
		size_t b = tr_byte(in, ev->start_mark.index);
		const char *s = tr_src(in, b);
		size_t avail = in->woff + in->wlen - b;
		size_t k = props ? tr_skip_props(s, avail) : 0;
		if (k + 1 < avail && s[k] == '{' && s[k + 1] == '{') {
			tr_unquoted(in, b + k);
		}
	}
	if (in->r->o.flags & TMPL_CHECK) {
		tn_on_start(&in->tb, map ? TN_MAP : TN_SEQ,
			    (long)ev->start_mark.line + 1);
	}
	if (in->depth == in->capstack) {
		in->capstack = in->capstack ? in->capstack * 2 : 32;
		in->stack =
		    xrealloc(in->stack, in->capstack * sizeof(*in->stack));
	}
	struct tr_frame *f = &in->stack[in->depth++];
	f->map = map;
	f->flow = flow;
	f->want_key = 1;
	f->col = (!flow && !map && !props) ? col : -1;
	f->bcol = -1;
	f->bmap = 0;
	if (flow && top) {
		f->bcol = top->flow ? top->bcol : top->col;
		f->bmap = top->flow ? top->bmap : top->map;
	}
}

static void
tr_on_end(struct tr_in *in)
{
	if (in->depth) {
		in->depth--;
	}
	if (in->r->o.flags & TMPL_CHECK) {
		tn_on_end(&in->tb);
	}
	tr_node_done(in);
}

static void
tr_on_scalar(struct tr_in *in, const yaml_event_t *ev)
{
	struct tmpl_render *r = in->r;
	struct tr_frame *top = tr_top(in);
	int is_key = top && top->map && top->want_key;
	long col = (long)ev->start_mark.column;
	if (top && !top->flow && top->col < 0) {
		top->col = top->map ? col : (col >= 2 ? col - 2 : 0);
	}
	const char *V = (const char *)ev->data.scalar.value;
	size_t vlen = ev->data.scalar.length, rlen = 0;
	char *R = NULL;
	int secret = 0;
	if (vlen >= 2 && tx_find_open(V, vlen)) {
		if (is_key) {
			size_t sb = tr_byte(in, ev->start_mark.index);
			size_t eb = tr_byte(in, ev->end_mark.index);
			const char *f =
			    eb > sb ? tx_find_open(tr_src(in, sb), eb - sb)
				    : NULL;
			long line, c;
			tr_linecol(in,
				   f ? sb + (size_t)(f - tr_src(in, sb)) : sb,
				   &line, &c);
			if (r->o.flags & TMPL_KYML) {
				tr_say(in, TMPL_WARNING, 1, line, c,
				       "'{{' in a key is left as it is (kyml "
				       "never templates keys), and Helm would "
				       "read it as a template");
			} else {
				tr_say(in, TMPL_ERROR, 0, line, c,
				       "'{{' in a key: keys are not templated, "
				       "and Helm would read it as a template");
			}
			tr_seen(in, sb, eb);
		} else if (tr_string_tagged(ev)) {
			R = tr_scalar(in, ev, top, &rlen, &secret);
		}
	}
	if (r->o.flags & TMPL_CHECK) {
		struct tnode *n =
		    tn_attach(&in->tb, TN_SCALAR, (long)ev->start_mark.line + 1,
			      R ? R : V, R ? rlen : vlen, tn_style(ev));
		if (n) {
			n->secret = secret;
		}
	}
	free(R);
	tr_node_done(in);
}

/* Report "{{" left between pos x and y of the output's verbatim text. */
static void
tr_leftover(struct tr_in *in, size_t x, size_t y)
{
	while (x + 1 < y) {
		const char *base = tr_src(in, x);
		const char *f = tx_find_open(base, y - x);
		if (!f) {
			return;
		}
		size_t pos = x + (size_t)(f - base), skip = 0;
		for (size_t i = 0; i < in->nseen; i++) {
			if (pos >= in->seen[i].s && pos < in->seen[i].e) {
				skip = in->seen[i].e;
				break;
			}
		}
		if (skip) {
			x = skip > pos ? skip : pos + 2;
			continue;
		}
		size_t ls = pos;
		while (ls > in->woff && *tr_src(in, ls - 1) != '\n') {
			ls--;
		}
		int comment = 0;
		for (size_t k = ls; k < pos; k++) {
			if (*tr_src(in, k) == '#' &&
			    (k == ls ||
			     tx_isws((unsigned char)*tr_src(in, k - 1)))) {
				comment = 1;
				break;
			}
		}
		long line, col;
		tr_linecol(in, pos, &line, &col);
		if (comment) {
			tr_say(
			    in, TMPL_ERROR, 0, line, col,
			    "'{{' in a comment: Helm reads the whole file as "
			    "a template, comments included; remove it");
		} else {
			tr_say(in, TMPL_ERROR, 0, line, col,
			       "'{{' outside a string value: it is not "
			       "templated, and Helm would read it as a "
			       "template");
		}
		x = pos + 2;
	}
}

/* Write the input up to upto, with the edits, after checking what is
 * copied as it is for "{{". */
static void
tr_flush(struct tr_in *in, size_t upto)
{
	struct tmpl_render *r = in->r;
	if (upto < in->flushed) {
		upto = in->flushed;
	}
	size_t x = in->flushed;
	for (size_t i = 0; i <= in->nedits; i++) {
		size_t y = i < in->nedits ? in->edits[i].start : upto;
		tr_leftover(in, x, y);
		if (i < in->nedits) {
			x = in->edits[i].end;
		}
	}
	if (!r->nerr && !r->failed) {
		x = in->flushed;
		for (size_t i = 0; i < in->nedits; i++) {
			tr_out(in, tr_src(in, x), in->edits[i].start - x);
			tr_out(in, in->edits[i].text, in->edits[i].len);
			x = in->edits[i].end;
		}
		tr_out(in, tr_src(in, x), upto - x);
	}
	for (size_t i = 0; i < in->nedits; i++) {
		free(in->edits[i].text);
	}
	in->nedits = 0;
	in->nseen = 0;
	in->flushed = upto;
}

static void
tr_on_doc_start(struct tr_in *in, const yaml_event_t *ev)
{
	struct tmpl_render *r = in->r;
	in->doc_start = tr_byte(in, ev->start_mark.index);
	in->doc_line = (long)ev->start_mark.line + 1;
	in->doc_col = (long)ev->start_mark.column + 1;
	in->doc_errors = 0;
	in->depth = 0;
	if (in->ndocs == 0 && ev->data.document_start.implicit &&
	    r->docs_out > 0) {
		in->sep_pending = 1;
	}
	in->ndocs++;
	tn_builder_release(&in->tb);
	if (r->o.flags & TMPL_KYML) {
		struct tr_doc *d = xcalloc(1, sizeof(*d));
		d->start = in->doc_start;
		d->line = in->doc_line;
		d->col = in->doc_col;
		d->file = in->file;
		if (in->nkdocs == in->capkdocs) {
			in->capkdocs = in->capkdocs ? in->capkdocs * 2 : 16;
			in->kdocs = xrealloc(in->kdocs,
					     in->capkdocs * sizeof(*in->kdocs));
		}
		in->kdocs[in->nkdocs++] = d;
		in->kdoc = d;
	}
}

static void
tr_on_doc_end(struct tr_in *in, const yaml_event_t *ev)
{
	struct tmpl_render *r = in->r;
	size_t db = tr_byte(in, ev->end_mark.index);
	if (r->o.flags & TMPL_KYML) {
		if (in->kdoc) {
			in->kdoc->end = db;
			in->kdoc->check = in->tb.root;
			in->tb.root = NULL;
			in->kdoc = NULL;
		}
	} else {
		if ((r->o.flags & TMPL_CHECK) && !in->doc_errors &&
		    in->tb.root) {
			ck_document(r, &r->apps, &r->napps, &r->capapps,
				    &r->projects, &r->nprojects,
				    &r->capprojects, in->fname, in->tb.root);
		}
		tr_flush(in, db);
	}
	tn_builder_release(&in->tb);
	r->docs_out++;
	in->anchor_pos = db;
	in->anchor_line = (long)ev->end_mark.line + 1;
	in->anchor_col = (long)ev->end_mark.column + 1;
	if (in->hb != SIZE_MAX && db >= in->hb) {
		in->cur_ci = ev->end_mark.index;
		in->cur_bo = db;
	}
}

static void
tr_parse_error(struct tr_in *in)
{
	yaml_parser_t *p = &in->p;
	long line, col;
	if (in->read_errno) {
		tr_say(in, TMPL_ERROR, 0, 0, 0, "cannot read: %s",
		       strerror(in->read_errno));
		return;
	}
	if (p->error == YAML_MEMORY_ERROR) {
		tr_say(in, TMPL_ERROR, 0, 0, 0, "out of memory");
		return;
	}
	size_t pos;
	if (p->error == YAML_READER_ERROR) {
		pos = p->problem_offset;
		tr_linecol(in, pos, &line, &col);
	} else {
		yaml_mark_t m = p->problem_mark;
		if (m.line == 0 && m.column == 0 && m.index == 0 &&
		    p->context) {
			m = p->context_mark;
		}
		pos = tr_byte(in, m.index);
		line = (long)m.line + 1;
		col = (long)m.column + 1;
	}
	size_t to = pos;
	while (to < in->woff + in->wlen && *tr_src(in, to) != '\n') {
		to++;
	}
	/* an unquoted placeholder on the error's line or the line before */
	size_t from = pos, lines = 0;
	size_t lo = in->flushed > in->woff ? in->flushed : in->woff;
	while (from > lo) {
		if (*tr_src(in, from - 1) == '\n' && ++lines == 2) {
			break;
		}
		from--;
	}
	size_t f = tr_find_unquoted(in, from, to);
	if (f != SIZE_MAX) {
		for (size_t i = 0; i < in->nseen; i++) {
			if (in->seen[i].s == f) {
				return; /* reported when its mapping started */
			}
		}
		tr_unquoted(in, f);
		return;
	}
	if (in->unquoted) {
		return; /* a consequence of an unquoted placeholder */
	}
	size_t ls = pos;
	while (ls > lo && *tr_src(in, ls - 1) != '\n') {
		ls--;
	}
	const char *hint = "";
	if (to > ls && tx_find_open(tr_src(in, ls), to - ls) &&
	    (memchr(tr_src(in, ls), '[', to - ls) ||
	     memchr(tr_src(in, ls), '{', to - ls))) {
		hint = "; a '{{' in an unquoted value inside [...] or {...} "
		       "ends that value: quote it";
	}
	if (p->context && p->error != YAML_READER_ERROR) {
		tr_say(in, TMPL_ERROR, 0, line, col,
		       "invalid YAML: %s (%s at line %lu)%s",
		       p->problem ? p->problem : "syntax error", p->context,
		       (unsigned long)p->context_mark.line + 1, hint);
	} else {
		tr_say(in, TMPL_ERROR, 0, line, col, "invalid YAML: %s",
		       p->problem ? p->problem : "syntax error");
	}
}

/* ------------------------------------------------------------------ */
/* kyml: documents, dedupe, sort */

static void
tr_doc_free(struct tr_doc *d)
{
	if (!d) {
		return;
	}
	for (size_t i = 0; i < d->nmsgs; i++) {
		free(d->msgs[i].msg);
	}
	free(d->msgs);
	tn_free(d->check);
	cJSON_Delete(d->tree);
	free(d->id);
	free(d);
}

/* kyml's ordered kinds: group, version, kind. */
static const char *const tr_kind_order[][3] = {
	{ "", "v1", "Namespace" },
	{ "apiextensions.k8s.io", "v1beta1", "CustomResourceDefinition" },
	{ "storage.k8s.io", "v1", "StorageClass" },
	{ "", "v1", "ConfigMap" },
	{ "", "v1", "Secret" },
	{ "", "v1", "ServiceAccount" },
	{ "rbac.authorization.k8s.io", "v1", "Role" },
	{ "rbac.authorization.k8s.io", "v1", "ClusterRole" },
	{ "rbac.authorization.k8s.io", "v1", "RoleBinding" },
	{ "rbac.authorization.k8s.io", "v1", "ClusterRoleBinding" },
	{ "", "v1", "Service" },
	{ "apps", "v1", "DaemonSet" },
	{ "apps", "v1", "Deployment" },
	{ "apps", "v1", "ReplicaSet" },
	{ "apps", "v1", "StatefulSet" },
	{ "batch", "v1", "Job" },
	{ "batch", "v1beta1", "CronJob" },
	{ "", "v1", "ReplicationController" },
};

/* The identity kyml dedupes on, and the kind's rank. */
static void
tr_doc_identity(struct tr_doc *d, const cJSON *root)
{
	const char *api = json_str(root, "apiVersion");
	const char *kind = json_str(root, "kind");
	const char *ns = json_str(root, "metadata.namespace");
	const char *name = json_str(root, "metadata.name");
	char *group = xstrdup(""), *version = xstrdup("");
	api = api ? api : "";
	const char *slash = strchr(api, '/');
	int bad = 0;
	if (!*api || strcmp(api, "/") == 0) {
		/* empty group version */
	} else if (!slash) {
		free(version);
		version = xstrdup(api);
	} else if (!strchr(slash + 1, '/')) {
		free(group);
		free(version);
		group = xstrndup(api, (size_t)(slash - api));
		version = xstrdup(slash + 1);
	} else {
		bad = 1; /* Kubernetes then has no group, version or kind */
	}
	const char *k = bad ? "" : (kind ? kind : "");
	struct buf id = BUF_INIT;
	buf_addf(&id, "%s%c%s%c%s%c%s%c%s", group, 1, version, 1, k, 1,
		 ns ? ns : "", 1, name ? name : "");
	d->id = buf_detach(&id, NULL);
	d->order = 1000;
	for (size_t i = 0; i < sizeof(tr_kind_order) / sizeof(tr_kind_order[0]);
	     i++) {
		if (strcmp(tr_kind_order[i][0], group) == 0 &&
		    strcmp(tr_kind_order[i][1], version) == 0 &&
		    strcmp(tr_kind_order[i][2], k) == 0) {
			d->order = (int)i;
			break;
		}
	}
	free(group);
	free(version);
}

static void
tr_ids_rehash(struct tmpl_render *r)
{
	size_t n = r->nids ? r->nids * 2 : 64;
	free(r->ids);
	r->ids = xcalloc(n, sizeof(*r->ids));
	r->nids = n;
	for (size_t i = 0; i < r->ndocs; i++) {
		size_t h =
		    tv_hash(r->docs[i]->id, strlen(r->docs[i]->id)) & (n - 1);
		while (r->ids[h]) {
			h = (h + 1) & (n - 1);
		}
		r->ids[h] = i + 1;
	}
}

/* kyml's addOrReplaceExistingDocs: a later duplicate takes the earlier
 * one's place. */
static void
tr_kyml_add(struct tmpl_render *r, struct tr_doc *d)
{
	if ((r->ndocs + 1) * 2 > r->nids) {
		tr_ids_rehash(r);
	}
	size_t mask = r->nids - 1;
	size_t h = tv_hash(d->id, strlen(d->id)) & mask;
	while (r->ids[h]) {
		struct tr_doc *o = r->docs[r->ids[h] - 1];
		if (strcmp(o->id, d->id) == 0) {
			r->docs[r->ids[h] - 1] = d;
			tr_doc_free(o);
			return;
		}
		h = (h + 1) & mask;
	}
	if (r->ndocs == r->capdocs) {
		r->capdocs = r->capdocs ? r->capdocs * 2 : 16;
		r->docs = xrealloc(r->docs, r->capdocs * sizeof(*r->docs));
	}
	r->docs[r->ndocs++] = d;
	r->ids[h] = r->ndocs;
}

/* Convert this input's documents and add them to the stream (kyml). */
static void
tr_kyml_input(struct tr_in *in)
{
	struct tmpl_render *r = in->r;
	for (size_t i = 0; i < in->nkdocs; i++) {
		struct tr_doc *d = in->kdocs[i];
		in->kdocs[i] = NULL;
		if (r->nerr || r->failed || d->end < d->start) {
			tr_doc_free(d);
			continue;
		}
		struct pd_err ye = { 0 };
		cJSON *arr = yaml_to_json(tr_src(in, d->start),
					  d->end - d->start, in->fname, &ye);
		if (!arr) {
			/* its lines count from the document's start */
			size_t pl = strlen(in->fname);
			long l = 0, c = 0;
			int used = 0;
			if (strncmp(ye.msg, in->fname, pl) == 0 &&
			    ye.msg[pl] == ':' &&
			    sscanf(ye.msg + pl + 1, "%ld:%ld: %n", &l, &c,
				   &used) == 2 &&
			    used > 0) {
				if (l == 1) {
					c += d->col - 1;
				}
				l += d->line - 1;
				tr_emit(r, TMPL_ERROR, in->fname, l, c,
					ye.msg + pl + 1 + used);
			} else {
				tr_emit(r, TMPL_ERROR, in->fname, d->line, 0,
					ye.msg);
			}
			tr_doc_free(d);
			continue;
		}
		cJSON *root = cJSON_DetachItemFromArray(arr, 0);
		cJSON_Delete(arr);
		if (!root) {
			tr_doc_free(d); /* an empty document */
			continue;
		}
		const char *kind = json_str(root, "kind");
		if (!cJSON_IsObject(root)) {
			tr_emit(r, TMPL_ERROR, in->fname, d->line, d->col,
				"this document is not a mapping: kyml needs "
				"Kubernetes objects");
		} else if (!kind || !*kind) {
			tr_emit(
			    r, TMPL_ERROR, in->fname, d->line, d->col,
			    "this document has no 'kind': kyml needs "
			    "Kubernetes objects (Object 'Kind' is missing)");
		} else {
			d->tree = root;
			root = NULL;
			tr_doc_identity(d, d->tree);
			tr_kyml_add(r, d);
			d = NULL;
		}
		cJSON_Delete(root);
		tr_doc_free(d);
	}
	in->nkdocs = 0;
}

/* ------------------------------------------------------------------ */
/* one input */

static int
tr_status(struct tmpl_render *r, struct pd_err *e)
{
	if (r->failed) {
		if (e) {
			*e = r->first;
		}
		return r->failed;
	}
	if (r->nerr) {
		if (e) {
			*e = r->first;
		}
		return -PD_EINVALID;
	}
	return 0;
}

static int
tr_run(struct tmpl_render *r, struct tr_in *in, struct pd_err *e)
{
	yaml_event_t ev;
	int done = 0;

	if (r->nerr || r->failed || r->finished) {
		return r->finished && !r->nerr && !r->failed
			   ? err_set(e, PD_EINTERNAL, "render already finished")
			   : tr_status(r, e);
	}
	if (r->nfiles == r->capfiles) {
		r->capfiles = r->capfiles ? r->capfiles * 2 : 4;
		r->files = xrealloc(r->files, r->capfiles * sizeof(*r->files));
	}
	r->files[r->nfiles] = xstrdup(in->fname);
	in->file = r->nfiles++;
	in->fname = r->files[in->file];
	in->r = r;
	in->hb = SIZE_MAX;
	in->anchor_line = 1;
	in->anchor_col = 1;
	while (in->wlen < 4 && !in->eof) {
		if (tr_fill(in) < 0) {
			break;
		}
	}
	if (in->read_errno) {
		tr_emit(r, TMPL_ERROR, in->fname, 0, 0,
			"cannot read the input");
		r->failed = -PD_ERUNTIME;
		err_set(&r->first, PD_ERUNTIME, "%s: cannot read: %s",
			in->fname, strerror(in->read_errno));
		return tr_status(r, e);
	}
	const unsigned char *u = (const unsigned char *)in->wbuf;
	if (in->wlen >= 2 && ((u[0] == 0xFE && u[1] == 0xFF) ||
			      (u[0] == 0xFF && u[1] == 0xFE))) {
		tr_emit(r, TMPL_ERROR, in->fname, 1, 1,
			"UTF-16 input is not supported: convert it to UTF-8");
		return tr_status(r, e);
	}
	if (in->wlen >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
		in->bom = 3;
	}
	in->anchor_pos = in->bom;
	if (!yaml_parser_initialize(&in->p)) {
		return err_set(e, PD_EINTERNAL, "out of memory");
	}
	yaml_parser_set_input(&in->p, tr_read_handler, in);
	while (!done && !in->stop && !r->failed) {
		if (!yaml_parser_parse(&in->p, &ev)) {
			tr_parse_error(in);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			tr_on_doc_start(in, &ev);
			break;
		case YAML_DOCUMENT_END_EVENT:
			tr_on_doc_end(in, &ev);
			break;
		case YAML_MAPPING_START_EVENT:
			tr_on_start(in, &ev, 1);
			break;
		case YAML_SEQUENCE_START_EVENT:
			tr_on_start(in, &ev, 0);
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			tr_on_end(in);
			break;
		case YAML_SCALAR_EVENT:
			tr_on_scalar(in, &ev);
			break;
		case YAML_ALIAS_EVENT:
			if (r->o.flags & TMPL_CHECK) {
				tn_attach(&in->tb, TN_NULL,
					  (long)ev.start_mark.line + 1, NULL, 0,
					  0);
			}
			tr_node_done(in);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&in->p);
	if (done && !(r->o.flags & TMPL_KYML)) {
		tr_flush(in, in->woff + in->wlen);
	}
	if (r->o.flags & TMPL_KYML) {
		tr_kyml_input(in);
	}
	return tr_status(r, e);
}

static void
tr_in_release(struct tr_in *in)
{
	for (size_t i = 0; i < in->nedits; i++) {
		free(in->edits[i].text);
	}
	free(in->edits);
	free(in->seen);
	for (size_t i = 0; i < in->nkdocs; i++) {
		tr_doc_free(in->kdocs[i]);
	}
	free(in->kdocs);
	free(in->stack);
	tn_builder_release(&in->tb);
	if (in->owned) {
		free(in->wbuf);
	}
}

/* ------------------------------------------------------------------ */
/* the API */

struct tmpl_render *
tmpl_render_new(const struct tmpl_values *v, const struct tmpl_opts *o)
{
	struct tmpl_render *r = xcalloc(1, sizeof(*r));
	r->vals = v;
	if (o) {
		r->o = *o;
	}
	r->last_nl = 1;
	return r;
}

int
tmpl_render_fd(struct tmpl_render *r, int fd, const char *fname,
	       struct pd_err *e)
{
	struct tr_in in;
	memset(&in, 0, sizeof(in));
	in.fd = fd;
	in.fname = fname ? fname : "<stdin>";
	in.owned = 1;
	int rc = tr_run(r, &in, e);
	tr_in_release(&in);
	return rc;
}

int
tmpl_render_mem(struct tmpl_render *r, const char *data, size_t len,
		const char *fname, struct pd_err *e)
{
	struct tr_in in;
	memset(&in, 0, sizeof(in));
	in.fd = -1;
	in.fname = fname ? fname : "<input>";
	in.wbuf = (char *)(data ? data : "");
	in.wlen = data ? len : 0;
	in.wcap = in.wlen;
	in.eof = 1;
	int rc = tr_run(r, &in, e);
	tr_in_release(&in);
	return rc;
}

static int
tr_sort_cmp(const void *x, const void *y)
{
	const struct tr_doc *a = *(const struct tr_doc *const *)x;
	const struct tr_doc *b = *(const struct tr_doc *const *)y;
	if (a->order != b->order) {
		return a->order < b->order ? -1 : 1;
	}
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Expand the strings of a tree (values only: keys are never templated). */
static void
tr_kyml_expand(struct tmpl_render *r, cJSON *n, const char *file, int depth)
{
	if (depth > 10000) {
		return;
	}
	for (cJSON *k = n->child; k;) {
		cJSON *next = k->next;
		if (cJSON_IsString(k) && k->valuestring &&
		    tx_find_open(k->valuestring, strlen(k->valuestring))) {
			struct buf out = BUF_INIT;
			struct pd_err e = { 0 };
			if (tmpl_expand(k->valuestring, strlen(k->valuestring),
					r->vals, r->o.flags, &out, NULL,
					&e) < 0) {
				tr_emit(r, TMPL_ERROR, file, 0, 0, e.msg);
			} else {
				cJSON *s = cJSON_CreateString(out.buf);
				if (s) {
					/* the key moves to the new item */
					s->string = k->string;
					s->type |=
					    k->type & cJSON_StringIsConst;
					k->string = NULL;
					cJSON_ReplaceItemViaPointer(n, k, s);
				}
			}
			buf_release(&out);
		} else if (cJSON_IsObject(k) || cJSON_IsArray(k)) {
			tr_kyml_expand(r, k, file, depth + 1);
		}
		k = next;
	}
}

int
tmpl_render_finish(struct tmpl_render *r, struct pd_err *e)
{
	if (r->finished) {
		return tr_status(r, e);
	}
	r->finished = 1;
	if ((r->o.flags & TMPL_KYML) && !r->nerr && !r->failed) {
		for (size_t i = 0; i < r->ndocs; i++) {
			r->docs[i]->seq = i;
		}
		qsort(r->docs, r->ndocs, sizeof(*r->docs), tr_sort_cmp);
		for (size_t i = 0; i < r->ndocs; i++) {
			struct tr_doc *d = r->docs[i];
			for (size_t k = 0; k < d->nmsgs; k++) {
				tr_emit(r, d->msgs[k].sev, r->files[d->file],
					d->msgs[k].line, d->msgs[k].col,
					d->msgs[k].msg);
			}
		}
		if (!r->nerr && (r->o.flags & TMPL_CHECK)) {
			for (size_t i = 0; i < r->ndocs; i++) {
				if (r->docs[i]->check) {
					ck_document(r, &r->apps, &r->napps,
						    &r->capapps, &r->projects,
						    &r->nprojects,
						    &r->capprojects,
						    r->files[r->docs[i]->file],
						    r->docs[i]->check);
				}
			}
		}
		struct buf out = BUF_INIT;
		for (size_t i = 0; i < r->ndocs && !r->nerr; i++) {
			tr_kyml_expand(r, r->docs[i]->tree,
				       r->files[r->docs[i]->file], 0);
			if (!r->nerr &&
			    yaml_emit_go_document(&out, r->docs[i]->tree) < 0) {
				tr_emit(r, TMPL_ERROR,
					r->files[r->docs[i]->file],
					r->docs[i]->line, 0,
					"cannot encode this document");
			}
		}
		if (!r->nerr) {
			tr_write(r, out.buf, out.len);
		}
		buf_release(&out);
	}
	if ((r->o.flags & TMPL_CHECK) && !r->nerr && r->nprojects) {
		for (size_t i = 0; i < r->napps; i++) {
			struct tr_app *a = &r->apps[i];
			int known = strcmp(a->project, "default") == 0;
			for (size_t k = 0; k < r->nprojects && !known; k++) {
				known = strcmp(r->projects[k], a->project) == 0;
			}
			if (!known) {
				ck_find(
				    r, a->file, a->line,
				    "Application '%s' uses project '%s', "
				    "which no AppProject in the input defines",
				    a->name,
				    a->secret ? "(from the environment)"
					      : a->project);
			}
		}
	}
	return tr_status(r, e);
}

void
tmpl_render_counts(const struct tmpl_render *r, unsigned *errors,
		   unsigned *warnings, unsigned *findings)
{
	if (errors) {
		*errors = r->nerr;
	}
	if (warnings) {
		*warnings = r->nwarn;
	}
	if (findings) {
		*findings = r->nfind;
	}
}

void
tmpl_render_free(struct tmpl_render *r)
{
	if (!r) {
		return;
	}
	for (size_t i = 0; i < r->ndocs; i++) {
		tr_doc_free(r->docs[i]);
	}
	free(r->docs);
	free(r->ids);
	for (size_t i = 0; i < r->nfiles; i++) {
		free(r->files[i]);
	}
	free(r->files);
	for (size_t i = 0; i < r->napps; i++) {
		free(r->apps[i].file);
		free(r->apps[i].name);
		free(r->apps[i].project);
	}
	free(r->apps);
	for (size_t i = 0; i < r->nprojects; i++) {
		free(r->projects[i]);
	}
	free(r->projects);
	free(r);
}

static int
tr_buf_write(void *arg, const void *p, size_t n)
{
	return buf_add(arg, p, n);
}

int
tmpl_render_string(const char *data, size_t len, const char *fname,
		   const struct tmpl_values *v, unsigned flags, struct buf *out,
		   struct pd_err *e)
{
	struct tmpl_opts o;
	memset(&o, 0, sizeof(o));
	o.flags = flags;
	o.write = tr_buf_write;
	o.write_arg = out;
	struct tmpl_render *r = tmpl_render_new(v, &o);
	int rc = tmpl_render_mem(r, data, len, fname, e);
	if (rc == 0) {
		rc = tmpl_render_finish(r, e);
	}
	tmpl_render_free(r);
	return rc;
}
