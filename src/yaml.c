/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaml: YAML to cJSON over libyaml's event API; yaml_from_json() hands the
 * way back to yaml-emit.c.
 *
 * Reading builds the cJSON tree straight from the events. An alias becomes a
 * placeholder node, and a mapping with merge keys keeps its "<<" values as
 * children for now; both are recorded as operations run in event order when
 * the document ends (an anchor is complete before any alias to it, so its
 * own aliases and merges are done before it is copied). The size and height
 * of every node after alias expansion are added up as it completes, so an
 * alias that would take the stream past YAML_MAX_NODES expanded nodes (or
 * nesting past YAML_MAX_DEPTH) is refused before anything is copied: an
 * alias bomb costs no more than its own text.
 *
 * Plain scalars resolve as go-yaml v2 does (see yaml_resolve()). Two things
 * JSON cannot say: .inf, -.inf and .nan resolve to the strings ".inf",
 * "-.inf" and ".nan" (cJSON would print an infinite or NaN number as null),
 * and integers past 2^53 are kept as numbers but lose precision in cJSON's
 * double.
 */
#include "yaml.h"

/* libyaml's header has the same name; src/meson.build builds this library
 * without -I src, so the angle form finds libyaml's */
#include <yaml.h>

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "utf8.h"
#include "xalloc.h"
#include "yaml-emit.h"

#define YAML_MAX_NODES 10000000u

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

/* What a scalar resolved to. */
enum yaml_vkind {
	YAML_V_NULL,
	YAML_V_BOOL,
	YAML_V_INT,
	YAML_V_FLOAT,
	YAML_V_SPECIAL, /* .inf, -.inf, .nan: kept as strings */
	YAML_V_STR,
};

struct yaml_val {
	enum yaml_vkind kind;
	double num;
	int truth;
	const char *special;
};

/* Open-addressing string set (keys are borrowed). */
struct yaml_slot {
	const char *key;
	long line;
	void *ptr;
};

struct yaml_set {
	struct yaml_slot *slots;
	size_t cap, n;
};

/* A completed anchored node. */
struct yaml_anchor {
	char *name;
	const cJSON *node;
	char *text; /* scalars: their text, for use as a key */
	size_t size;
	int height;
};

/* A "<<" value waiting in its mapping. */
struct yaml_merge {
	cJSON *value;
	long line, col;
};

/* An open collection. */
struct yaml_frame {
	cJSON *node;
	long line, col; /* where it starts */
	int is_map;
	char *anchor;
	size_t size;
	int height;
	/* maps */
	int have_key, key_merge;
	char *key;
	long key_line;
	struct yaml_set keys; /* explicit keys so far, with their lines */
	struct yaml_merge *merges;
	size_t nmerges, capmerges;
};

/* Work left for the end of the document, run in event order. */
struct yaml_op {
	cJSON *node;          /* the placeholder, or the mapping */
	const cJSON *target;  /* aliases: the anchored node */
	struct yaml_merge *merges; /* merges (owned) */
	size_t nmerges;
};

struct yaml_ctx {
	const char *fname;
	struct pd_err *e;
	struct yaml_frame *stack;
	size_t depth, capstack;
	struct yaml_set anchors; /* name -> latest struct yaml_anchor */
	struct yaml_anchor **anchorv;
	size_t nanchors, capanchors;
	struct yaml_op *ops;
	size_t nops, capops;
	cJSON **grave; /* merge values taken out of their mapping */
	size_t ngrave, capgrave;
	cJSON *root;
	int root_empty;
	size_t total;
};

/* ---- small helpers ---- */

static int
yaml_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static size_t
yaml_sat_add(size_t a, size_t b)
{
	size_t s = a + b;
	if (s < a || s > YAML_MAX_NODES + 1) {
		return YAML_MAX_NODES + 1;
	}
	return s;
}

/* strtod() that ignores LC_NUMERIC: s uses '.' as its decimal point. */
static double
yaml_strtod(const char *s)
{
	const struct lconv *lc = localeconv();
	const char *dp = lc && lc->decimal_point ? lc->decimal_point : ".";
	if (strcmp(dp, ".") == 0 || !strchr(s, '.')) {
		return strtod(s, NULL);
	}
	struct buf b = BUF_INIT;
	for (const char *p = s; *p; p++) {
		if (*p == '.') {
			buf_adds(&b, dp);
		} else {
			buf_addch(&b, *p);
		}
	}
	double d = strtod(b.buf, NULL);
	buf_release(&b);
	return d;
}

/* ---- scalar resolution ---- */

static const struct {
	const char *word;
	enum yaml_vkind kind;
	int truth;
	const char *special;
} yaml_words[] = {
	{ "y", YAML_V_BOOL, 1, NULL },     { "Y", YAML_V_BOOL, 1, NULL },
	{ "yes", YAML_V_BOOL, 1, NULL },   { "Yes", YAML_V_BOOL, 1, NULL },
	{ "YES", YAML_V_BOOL, 1, NULL },   { "true", YAML_V_BOOL, 1, NULL },
	{ "True", YAML_V_BOOL, 1, NULL },  { "TRUE", YAML_V_BOOL, 1, NULL },
	{ "on", YAML_V_BOOL, 1, NULL },    { "On", YAML_V_BOOL, 1, NULL },
	{ "ON", YAML_V_BOOL, 1, NULL },    { "n", YAML_V_BOOL, 0, NULL },
	{ "N", YAML_V_BOOL, 0, NULL },     { "no", YAML_V_BOOL, 0, NULL },
	{ "No", YAML_V_BOOL, 0, NULL },    { "NO", YAML_V_BOOL, 0, NULL },
	{ "false", YAML_V_BOOL, 0, NULL }, { "False", YAML_V_BOOL, 0, NULL },
	{ "FALSE", YAML_V_BOOL, 0, NULL }, { "off", YAML_V_BOOL, 0, NULL },
	{ "Off", YAML_V_BOOL, 0, NULL },   { "OFF", YAML_V_BOOL, 0, NULL },
	{ "~", YAML_V_NULL, 0, NULL },     { "null", YAML_V_NULL, 0, NULL },
	{ "Null", YAML_V_NULL, 0, NULL },  { "NULL", YAML_V_NULL, 0, NULL },
	{ ".inf", YAML_V_SPECIAL, 0, ".inf" },
	{ ".Inf", YAML_V_SPECIAL, 0, ".inf" },
	{ ".INF", YAML_V_SPECIAL, 0, ".inf" },
	{ "+.inf", YAML_V_SPECIAL, 0, ".inf" },
	{ "+.Inf", YAML_V_SPECIAL, 0, ".inf" },
	{ "+.INF", YAML_V_SPECIAL, 0, ".inf" },
	{ "-.inf", YAML_V_SPECIAL, 0, "-.inf" },
	{ "-.Inf", YAML_V_SPECIAL, 0, "-.inf" },
	{ "-.INF", YAML_V_SPECIAL, 0, "-.inf" },
	{ ".nan", YAML_V_SPECIAL, 0, ".nan" },
	{ ".NaN", YAML_V_SPECIAL, 0, ".nan" },
	{ ".NAN", YAML_V_SPECIAL, 0, ".nan" },
};

/*
 * Go's strconv.ParseInt(p, 0, 64), falling back to ParseUint: optional sign,
 * 0x/0o/0b prefixes, a leading 0 meaning octal. 1 with *out set, or 0.
 */
static int
yaml_parse_int(const char *p, double *out)
{
	int neg = 0, plus = 0;
	if (*p == '+' || *p == '-') {
		neg = *p == '-';
		plus = *p == '+';
		p++;
	}
	size_t n = strlen(p);
	if (n == 0) {
		return 0;
	}
	unsigned base = 10;
	if (p[0] == '0') {
		if (n >= 3 && (p[1] == 'b' || p[1] == 'B')) {
			base = 2;
			p += 2;
		} else if (n >= 3 && (p[1] == 'o' || p[1] == 'O')) {
			base = 8;
			p += 2;
		} else if (n >= 3 && (p[1] == 'x' || p[1] == 'X')) {
			base = 16;
			p += 2;
		} else {
			base = 8;
			p += 1;
		}
	}
	uint64_t v = 0;
	for (; *p; p++) {
		unsigned d;
		if (yaml_isdigit(*p)) {
			d = (unsigned)(*p - '0');
		} else if (*p >= 'a' && *p <= 'f') {
			d = (unsigned)(*p - 'a' + 10);
		} else if (*p >= 'A' && *p <= 'F') {
			d = (unsigned)(*p - 'A' + 10);
		} else {
			return 0;
		}
		if (d >= base || v > (UINT64_MAX - d) / base) {
			return 0;
		}
		v = v * base + d;
	}
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1) {
			return 0;
		}
		*out = -(double)v;
		return 1;
	}
	if (plus && v > (uint64_t)INT64_MAX) {
		return 0; /* ParseUint takes no sign */
	}
	*out = (double)v;
	return 1;
}

/* go-yaml's float regex: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static int
yaml_match_float(const char *p)
{
	if (*p == '+' || *p == '-') {
		p++;
	}
	if (*p == '.') {
		p++;
		if (!yaml_isdigit(*p)) {
			return 0;
		}
		while (yaml_isdigit(*p)) {
			p++;
		}
	} else {
		if (!yaml_isdigit(*p)) {
			return 0;
		}
		while (yaml_isdigit(*p)) {
			p++;
		}
		if (*p == '.') {
			p++;
			while (yaml_isdigit(*p)) {
				p++;
			}
		}
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-') {
			p++;
		}
		if (!yaml_isdigit(*p)) {
			return 0;
		}
		while (yaml_isdigit(*p)) {
			p++;
		}
	}
	return *p == '\0';
}

/*
 * Resolve a plain scalar as go-yaml v2's resolve() with no tag: a table of
 * words, then by the first character: '.' may start a float, a digit or
 * sign an int (underscores dropped, Go's ParseInt then ParseUint), a YAML
 * 1.1 sexagesimal int, or a float matching go-yaml's regex; anything else,
 * and anything that fails, is a string. Timestamps stay strings, as go-yaml
 * v2 gives them to an interface{}.
 */
static void
yaml_resolve(const char *s, size_t len, struct yaml_val *v)
{
	memset(v, 0, sizeof(*v));
	v->kind = YAML_V_STR;
	if (len == 0) {
		v->kind = YAML_V_NULL;
		return;
	}
	if (len <= 6) {
		for (size_t i = 0; i < sizeof(yaml_words) / sizeof(yaml_words[0]);
		     i++) {
			if (strlen(yaml_words[i].word) == len &&
			    memcmp(yaml_words[i].word, s, len) == 0) {
				v->kind = yaml_words[i].kind;
				v->truth = yaml_words[i].truth;
				v->special = yaml_words[i].special;
				return;
			}
		}
	}
	if (memchr(s, '\0', len)) {
		return;
	}
	if (s[0] == '.') {
		char *t = xstrndup(s, len);
		if (yaml_match_float(t)) {
			double d = yaml_strtod(t);
			if (!isinf(d)) {
				v->kind = YAML_V_FLOAT;
				v->num = d;
			}
		}
		free(t);
		return;
	}
	if (!yaml_isdigit(s[0]) && s[0] != '+' && s[0] != '-') {
		return;
	}
	char *plain = xmalloc(len + 1);
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '_') {
			plain[n++] = s[i];
		}
	}
	plain[n] = '\0';
	double d;
	if (yaml_parse_int(plain, &d)) {
		v->kind = YAML_V_INT;
		v->num = d;
	} else if (yaml_match_float(plain)) {
		d = yaml_strtod(plain);
		if (!isinf(d)) {
			v->kind = YAML_V_FLOAT;
			v->num = d;
		}
	}
	free(plain);
}

static cJSON *
yaml_val_json(const struct yaml_val *v, const char *text)
{
	switch (v->kind) {
	case YAML_V_NULL:
		return cJSON_CreateNull();
	case YAML_V_BOOL:
		return cJSON_CreateBool(v->truth);
	case YAML_V_INT:
	case YAML_V_FLOAT:
		return cJSON_CreateNumber(v->num);
	case YAML_V_SPECIAL:
		return cJSON_CreateString(v->special);
	case YAML_V_STR:
		break;
	}
	return cJSON_CreateString(text);
}

cJSON *
yaml_resolve_plain(const char *s, size_t len)
{
	struct yaml_val v;
	if (!s) {
		s = "";
		len = 0;
	}
	yaml_resolve(s, len, &v);
	if (v.kind != YAML_V_STR) {
		return yaml_val_json(&v, NULL);
	}
	/* cJSON strings end at a NUL byte anyway */
	char *t = xstrndup(s, len);
	cJSON *j = cJSON_CreateString(t);
	free(t);
	return j;
}

/* ---- string set ---- */

static size_t
yaml_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return (size_t)(h ^ (h >> 32));
}

static struct yaml_slot *
yaml_set_slot(const struct yaml_set *set, const char *key)
{
	size_t mask = set->cap - 1;
	size_t i = yaml_hash(key) & mask;
	while (set->slots[i].key && strcmp(set->slots[i].key, key) != 0) {
		i = (i + 1) & mask;
	}
	return &set->slots[i];
}

static struct yaml_slot *
yaml_set_get(const struct yaml_set *set, const char *key)
{
	if (!set->cap) {
		return NULL;
	}
	struct yaml_slot *sl = yaml_set_slot(set, key);
	return sl->key ? sl : NULL;
}

/* The slot for key, added (with line 0, ptr NULL) when absent. */
static struct yaml_slot *
yaml_set_put(struct yaml_set *set, const char *key)
{
	if ((set->n + 1) * 2 > set->cap) {
		struct yaml_set grown;
		grown.cap = set->cap ? set->cap * 2 : 16;
		grown.n = set->n;
		grown.slots = xcalloc(grown.cap, sizeof(*grown.slots));
		for (size_t i = 0; i < set->cap; i++) {
			if (set->slots[i].key) {
				*yaml_set_slot(&grown, set->slots[i].key) =
					set->slots[i];
			}
		}
		free(set->slots);
		*set = grown;
	}
	struct yaml_slot *sl = yaml_set_slot(set, key);
	if (!sl->key) {
		sl->key = key;
		sl->line = 0;
		sl->ptr = NULL;
		set->n++;
	}
	return sl;
}

static void
yaml_set_free(struct yaml_set *set)
{
	free(set->slots);
	set->slots = NULL;
	set->cap = 0;
	set->n = 0;
}

/* ---- YAML to cJSON ---- */

__attribute__((format(printf, 4, 5))) static int
yaml_fail(struct yaml_ctx *c, long line, long col, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	err_set(c->e, PD_EINVALID, "%s:%ld:%ld: %s", c->fname, line, col,
		msg.buf);
	buf_release(&msg);
	return -1;
}

static int
yaml_oom(struct yaml_ctx *c)
{
	err_set(c->e, PD_EINTERNAL, "%s: out of memory", c->fname);
	return -1;
}

/* libyaml's error, placed at problem_mark (context_mark when that is
 * unset; reader errors only give a byte offset). */
static void
yaml_fail_parser(struct yaml_ctx *c, const yaml_parser_t *p,
		 const char *data, size_t len)
{
	const char *problem = p->problem ? p->problem : "invalid YAML";
	long line, col;
	if (p->error == YAML_MEMORY_ERROR) {
		yaml_oom(c);
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		size_t off = p->problem_offset < len ? p->problem_offset : len;
		line = 1;
		col = 1;
		for (size_t i = 0; i < off; i++) {
			unsigned char ch = (unsigned char)data[i];
			if (ch == '\n') {
				line++;
				col = 1;
			} else if ((ch & 0xC0) != 0x80) {
				col++;
			}
		}
	} else {
		yaml_mark_t m = p->problem_mark;
		if (m.line == 0 && m.column == 0 && m.index == 0 &&
		    p->context) {
			m = p->context_mark;
		}
		line = (long)m.line + 1;
		col = (long)m.column + 1;
	}
	yaml_fail(c, line, col, "%s", problem);
}

static void
yaml_frame_free(struct yaml_frame *f)
{
	cJSON_Delete(f->node);
	free(f->anchor);
	free(f->key);
	free(f->merges);
	yaml_set_free(&f->keys);
	memset(f, 0, sizeof(*f));
}

/* Forget the current document: its tree, anchors and pending work. */
static void
yaml_ctx_clear(struct yaml_ctx *c)
{
	while (c->depth) {
		yaml_frame_free(&c->stack[--c->depth]);
	}
	cJSON_Delete(c->root);
	c->root = NULL;
	c->root_empty = 0;
	for (size_t i = 0; i < c->ngrave; i++) {
		cJSON_Delete(c->grave[i]);
	}
	c->ngrave = 0;
	for (size_t i = 0; i < c->nops; i++) {
		free(c->ops[i].merges);
	}
	c->nops = 0;
	for (size_t i = 0; i < c->nanchors; i++) {
		free(c->anchorv[i]->name);
		free(c->anchorv[i]->text);
		free(c->anchorv[i]);
	}
	c->nanchors = 0;
	yaml_set_free(&c->anchors);
}

static void
yaml_ctx_free(struct yaml_ctx *c)
{
	yaml_ctx_clear(c);
	free(c->stack);
	free(c->grave);
	free(c->ops);
	free(c->anchorv);
}

static struct yaml_op *
yaml_op_add(struct yaml_ctx *c)
{
	if (c->nops == c->capops) {
		c->capops = c->capops ? c->capops * 2 : 16;
		c->ops = xrealloc(c->ops, c->capops * sizeof(*c->ops));
	}
	struct yaml_op *op = &c->ops[c->nops++];
	memset(op, 0, sizeof(*op));
	return op;
}

/* Keep a node out of the tree alive until the document ends. */
static void
yaml_grave_add(struct yaml_ctx *c, cJSON *node)
{
	if (c->ngrave == c->capgrave) {
		c->capgrave = c->capgrave ? c->capgrave * 2 : 8;
		c->grave = xrealloc(c->grave, c->capgrave * sizeof(*c->grave));
	}
	c->grave[c->ngrave++] = node;
}

/* Anchor a completed node (a later anchor of the same name wins). */
static void
yaml_anchor_add(struct yaml_ctx *c, char *name, const cJSON *node,
		const char *text, size_t size, int height)
{
	struct yaml_anchor *a = xcalloc(1, sizeof(*a));
	a->name = name;
	a->node = node;
	a->text = text ? xstrdup(text) : NULL;
	a->size = size;
	a->height = height;
	if (c->nanchors == c->capanchors) {
		c->capanchors = c->capanchors ? c->capanchors * 2 : 16;
		c->anchorv = xrealloc(c->anchorv,
				      c->capanchors * sizeof(*c->anchorv));
	}
	c->anchorv[c->nanchors++] = a;
	struct yaml_slot *sl = yaml_set_put(&c->anchors, a->name);
	sl->key = a->name;
	sl->ptr = a;
}

/* The map at the top of the stack waits for a key, or NULL. */
static struct yaml_frame *
yaml_wants_key(struct yaml_ctx *c)
{
	struct yaml_frame *f = c->depth ? &c->stack[c->depth - 1] : NULL;
	return f && f->is_map && !f->have_key ? f : NULL;
}

/* A scalar key; merge for the merge key "<<". */
static int
yaml_key(struct yaml_ctx *c, struct yaml_frame *f, const char *text,
	 int merge, long line, long col)
{
	if (!merge) {
		const struct yaml_slot *dup = yaml_set_get(&f->keys, text);
		if (dup) {
			return yaml_fail(c, line, col, YAML_MSG_DUP_KEY, text,
					 dup->line);
		}
		f->key = xstrdup(text);
	}
	f->have_key = 1;
	f->key_merge = merge;
	f->key_line = line;
	return 0;
}

/* A completed value goes into its parent (or becomes the root). */
static int
yaml_value(struct yaml_ctx *c, cJSON *v, size_t size, int height, long line,
	   long col)
{
	if (c->depth == 0) {
		c->root = v;
		return 0;
	}
	struct yaml_frame *f = &c->stack[c->depth - 1];
	if (!f->is_map) {
		if (!cJSON_AddItemToArray(f->node, v)) {
			cJSON_Delete(v);
			return yaml_oom(c);
		}
	} else {
		const char *k = f->key_merge ? "<<" : f->key;
		if (!cJSON_AddItemToObject(f->node, k, v)) {
			cJSON_Delete(v);
			return yaml_oom(c);
		}
		if (f->key_merge) {
			if (f->nmerges == f->capmerges) {
				f->capmerges = f->capmerges ? f->capmerges * 2 : 2;
				f->merges = xrealloc(f->merges,
						     f->capmerges *
						     sizeof(*f->merges));
			}
			f->merges[f->nmerges].value = v;
			f->merges[f->nmerges].line = line;
			f->merges[f->nmerges].col = col;
			f->nmerges++;
		} else {
			yaml_set_put(&f->keys, v->string)->line = f->key_line;
		}
		free(f->key);
		f->key = NULL;
		f->have_key = 0;
		f->key_merge = 0;
	}
	f->size = yaml_sat_add(f->size, size);
	if (height + 1 > f->height) {
		f->height = height + 1;
	}
	return 0;
}

static const char *
yaml_short_kind(enum yaml_vkind k)
{
	switch (k) {
	case YAML_V_NULL:
		return "!!null";
	case YAML_V_BOOL:
		return "!!bool";
	case YAML_V_INT:
		return "!!int";
	case YAML_V_FLOAT:
	case YAML_V_SPECIAL:
		return "!!float";
	case YAML_V_STR:
		break;
	}
	return "!!str";
}

/* The short form of a core-schema tag ("!!int"), or NULL for another tag. */
static const char *
yaml_core_tag(const char *tag)
{
	static const char *const names[] = {
		"str", "int", "float", "bool", "null", "map", "seq",
		"binary", "timestamp", "merge",
	};
	static const char *const shorts[] = {
		"!!str", "!!int", "!!float", "!!bool", "!!null", "!!map",
		"!!seq", "!!binary", "!!timestamp", "!!merge",
	};
	size_t plen = strlen(YAML_TAG_PREFIX);
	if (!tag || strncmp(tag, YAML_TAG_PREFIX, plen) != 0) {
		return NULL;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(tag + plen, names[i]) == 0) {
			return shorts[i];
		}
	}
	return NULL;
}

int
yaml_is_merge_key(const char *tag, int plain, const char *text)
{
	if (!tag) {
		return plain && strcmp(text, "<<") == 0;
	}
	const char *core = yaml_core_tag(tag);
	return core && strcmp(core, "!!merge") == 0;
}

static int
yaml_on_scalar(struct yaml_ctx *c, const yaml_event_t *ev)
{
	long line = (long)ev->start_mark.line + 1;
	long col = (long)ev->start_mark.column + 1;
	size_t len = ev->data.scalar.length;
	char *text = xmalloc(len + 1);
	if (len) {
		memcpy(text, ev->data.scalar.value, len);
	}
	text[len] = '\0';
	c->total++;

	const char *tag = (const char *)ev->data.scalar.tag;
	const char *core = yaml_core_tag(tag);
	int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	int merge = 0, empty_plain = 0, rc;
	struct yaml_val v = { .kind = YAML_V_STR };
	if (!tag) {
		/* untagged: resolve as go-yaml v2 does */
		if (plain) {
			yaml_resolve(text, len, &v);
			empty_plain = !tag && len == 0;
			merge = yaml_is_merge_key(tag, plain, text);
		}
	} else if (!core || strcmp(core, "!!str") == 0 ||
		   strcmp(core, "!!binary") == 0 ||
		   strcmp(core, "!!timestamp") == 0) {
		/* "!" (non-specific) and string-like tags keep the text */
	} else if (yaml_is_merge_key(tag, plain, text)) {
		merge = 1;
	} else if (strcmp(core, "!!map") == 0 || strcmp(core, "!!seq") == 0) {
		rc = yaml_fail(c, line, col, "cannot decode a scalar as a %s",
			       core);
		free(text);
		return rc;
	} else {
		int fits;
		yaml_resolve(text, len, &v);
		if (strcmp(core, "!!int") == 0) {
			fits = v.kind == YAML_V_INT;
		} else if (strcmp(core, "!!float") == 0) {
			fits = v.kind == YAML_V_INT || v.kind == YAML_V_FLOAT ||
			       v.kind == YAML_V_SPECIAL;
		} else if (strcmp(core, "!!bool") == 0) {
			fits = v.kind == YAML_V_BOOL;
		} else {
			fits = v.kind == YAML_V_NULL;
		}
		if (!fits) {
			rc = yaml_fail(c, line, col,
				       "cannot decode %s `%.100s` as a %s",
				       yaml_short_kind(v.kind), text, core);
			free(text);
			return rc;
		}
	}

	cJSON *node = NULL;
	struct yaml_frame *kf = yaml_wants_key(c);
	if (!kf || ev->data.scalar.anchor) {
		node = yaml_val_json(&v, text);
		if (!node) {
			free(text);
			return yaml_oom(c);
		}
	}
	if (ev->data.scalar.anchor) {
		yaml_anchor_add(c, xstrdup((const char *)ev->data.scalar.anchor),
				node, text, 1, 1);
	}
	if (kf) {
		rc = yaml_key(c, kf, text, merge, line, col);
		if (node) {
			/* an anchored key: keep its node for aliases */
			yaml_grave_add(c, node);
		}
	} else {
		if (c->depth == 0) {
			c->root_empty = empty_plain;
		}
		rc = yaml_value(c, node, 1, 1, line, col);
	}
	free(text);
	return rc;
}

static int
yaml_on_alias(struct yaml_ctx *c, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	long line = (long)ev->start_mark.line + 1;
	long col = (long)ev->start_mark.column + 1;
	const struct yaml_slot *sl = yaml_set_get(&c->anchors, name);
	if (!sl) {
		return yaml_fail(c, line, col,
				 "unknown anchor '%.100s' referenced", name);
	}
	const struct yaml_anchor *a = sl->ptr;
	struct yaml_frame *kf = yaml_wants_key(c);
	if (kf) {
		if (!a->text) {
			return yaml_fail(c, line, col,
					 "mapping keys must be scalars");
		}
		return yaml_key(c, kf, a->text, 0, line, col);
	}
	c->total = yaml_sat_add(c->total, a->size);
	if (c->total > YAML_MAX_NODES) {
		return yaml_fail(c, line, col,
				 "document too large after alias expansion");
	}
	if (c->depth + (size_t)a->height > YAML_MAX_DEPTH) {
		return yaml_fail(c, line, col,
				 "document nested too deeply after alias "
				 "expansion");
	}
	cJSON *ph = cJSON_CreateNull();
	if (!ph) {
		return yaml_oom(c);
	}
	struct yaml_op *op = yaml_op_add(c);
	op->node = ph;
	op->target = a->node;
	return yaml_value(c, ph, a->size, a->height, line, col);
}

static int
yaml_on_start(struct yaml_ctx *c, const yaml_event_t *ev, int is_map)
{
	long line = (long)ev->start_mark.line + 1;
	long col = (long)ev->start_mark.column + 1;
	const yaml_char_t *rawtag = is_map ? ev->data.mapping_start.tag
					   : ev->data.sequence_start.tag;
	const yaml_char_t *anchor = is_map ? ev->data.mapping_start.anchor
					   : ev->data.sequence_start.anchor;
	const char *core = yaml_core_tag((const char *)rawtag);
	const char *want = is_map ? "!!map" : "!!seq";
	if (c->depth >= YAML_MAX_DEPTH) {
		return yaml_fail(c, line, col, YAML_MSG_DEPTH);
	}
	if (yaml_wants_key(c)) {
		return yaml_fail(c, line, col, "mapping keys must be scalars");
	}
	if (core && strcmp(core, want) != 0) {
		return yaml_fail(c, line, col, "cannot decode %s as a %s",
				 want, core);
	}
	cJSON *node = is_map ? cJSON_CreateObject() : cJSON_CreateArray();
	if (!node) {
		return yaml_oom(c);
	}
	c->total++;
	if (c->depth == c->capstack) {
		c->capstack = c->capstack ? c->capstack * 2 : 16;
		c->stack = xrealloc(c->stack, c->capstack * sizeof(*c->stack));
	}
	struct yaml_frame *f = &c->stack[c->depth++];
	memset(f, 0, sizeof(*f));
	f->node = node;
	f->line = line;
	f->col = col;
	f->is_map = is_map;
	f->size = 1;
	f->height = 1;
	/* anchored when complete, so it cannot contain itself */
	f->anchor = anchor ? xstrdup((const char *)anchor) : NULL;
	return 0;
}

static int
yaml_on_end(struct yaml_ctx *c)
{
	struct yaml_frame *f = &c->stack[c->depth - 1];
	cJSON *node = f->node;
	long line = f->line, col = f->col;
	size_t size = f->size;
	int height = f->height;
	if (f->nmerges) {
		struct yaml_op *op = yaml_op_add(c);
		op->node = node;
		op->merges = f->merges;
		op->nmerges = f->nmerges;
		f->merges = NULL;
	}
	if (f->anchor) {
		yaml_anchor_add(c, f->anchor, node, NULL, size, height);
		f->anchor = NULL;
	}
	f->node = NULL;
	yaml_frame_free(f);
	c->depth--;
	return yaml_value(c, node, size, height, line, col);
}

/* Turn a placeholder into a deep copy of target. */
static int
yaml_run_alias(struct yaml_ctx *c, cJSON *ph, const cJSON *target)
{
	cJSON *d = cJSON_Duplicate(target, 1);
	if (!d) {
		return yaml_oom(c);
	}
	ph->type = d->type;
	ph->child = d->child;
	ph->valuestring = d->valuestring;
	ph->valueint = d->valueint;
	ph->valuedouble = d->valuedouble;
	d->child = NULL;
	d->valuestring = NULL;
	cJSON_Delete(d);
	return 0;
}

static int
yaml_is_merge_value(const struct yaml_op *op, const cJSON *kid)
{
	for (size_t i = 0; i < op->nmerges; i++) {
		if (op->merges[i].value == kid) {
			return 1;
		}
	}
	return 0;
}

/* Put a copy of src's keys that are neither explicit nor merged already in
 * front of the merge value at. */
static int
yaml_merge_from(struct yaml_ctx *c, cJSON *obj, cJSON *at, const cJSON *src,
		const struct yaml_set *explicit_keys, struct yaml_set *seen)
{
	for (const cJSON *kid = src->child; kid; kid = kid->next) {
		const char *k = kid->string ? kid->string : "";
		if (yaml_set_get(explicit_keys, k) || yaml_set_get(seen, k)) {
			continue;
		}
		cJSON *d = cJSON_Duplicate(kid, 1);
		if (!d || !d->string) {
			cJSON_Delete(d);
			return yaml_oom(c);
		}
		/* link d in before at */
		d->next = at;
		d->prev = at->prev;
		if (at == obj->child) {
			obj->child = d;
		} else {
			at->prev->next = d;
		}
		at->prev = d;
		yaml_set_put(seen, d->string);
	}
	return 0;
}

/* Apply a mapping's merge keys: explicit keys win, then earlier merged
 * maps over later ones; merged keys take the place of the "<<". */
static int
yaml_run_merge(struct yaml_ctx *c, const struct yaml_op *op)
{
	cJSON *obj = op->node;
	struct yaml_set explicit_keys = { 0 }, seen = { 0 };
	int rc = 0;
	for (const cJSON *kid = obj->child; kid; kid = kid->next) {
		if (!yaml_is_merge_value(op, kid)) {
			yaml_set_put(&explicit_keys, kid->string);
		}
	}
	for (size_t i = 0; i < op->nmerges && !rc; i++) {
		const struct yaml_merge *m = &op->merges[i];
		cJSON *v = m->value;
		if (cJSON_IsObject(v)) {
			rc = yaml_merge_from(c, obj, v, v, &explicit_keys,
					     &seen);
		} else if (cJSON_IsArray(v)) {
			for (const cJSON *s = v->child; s && !rc; s = s->next) {
				if (!cJSON_IsObject(s)) {
					rc = yaml_fail(c, m->line, m->col,
						       "map merge requires map "
						       "or sequence of maps as "
						       "the value");
				} else {
					rc = yaml_merge_from(c, obj, v, s,
							     &explicit_keys,
							     &seen);
				}
			}
		} else {
			rc = yaml_fail(c, m->line, m->col,
				       "map merge requires map or sequence of "
				       "maps as the value");
		}
		if (!rc) {
			/* anchors may still point into it: free it later */
			cJSON_DetachItemViaPointer(obj, v);
			yaml_grave_add(c, v);
		}
	}
	yaml_set_free(&explicit_keys);
	yaml_set_free(&seen);
	return rc;
}

/* ---- the stream ---- */

static int
yaml_on_document_end(struct yaml_ctx *c, cJSON *out, int **lines,
		     size_t *nlines, size_t *caplines, int doc_line)
{
	int rc = 0;
	for (size_t i = 0; i < c->nops && !rc; i++) {
		const struct yaml_op *op = &c->ops[i];
		rc = op->merges ? yaml_run_merge(c, op)
				: yaml_run_alias(c, op->node, op->target);
	}
	if (!rc && c->root && !c->root_empty) {
		if (!cJSON_AddItemToArray(out, c->root)) {
			rc = yaml_oom(c);
		} else {
			c->root = NULL;
			if (*nlines == *caplines) {
				*caplines = *caplines ? *caplines * 2 : 8;
				*lines = xrealloc(*lines,
						  *caplines * sizeof(**lines));
			}
			(*lines)[(*nlines)++] = doc_line;
		}
	}
	yaml_ctx_clear(c);
	return rc;
}

cJSON *
yaml_to_json_lines(const char *data, size_t len, const char *fname,
		   int **lines, struct pd_err *e)
{
	struct yaml_ctx c;
	struct pd_err scratch;
	yaml_parser_t p;
	yaml_event_t ev;
	int *ls = NULL;
	size_t nls = 0, capls = 0;
	int doc_line = 1, failed = 0, done = 0;
	cJSON *out;

	if (lines) {
		*lines = NULL;
	}
	memset(&c, 0, sizeof(c));
	c.fname = fname ? fname : "<input>";
	c.e = e ? e : &scratch;
	if (!data) {
		data = "";
		len = 0;
	}
	out = cJSON_CreateArray();
	if (!out) {
		yaml_oom(&c);
		return NULL;
	}
	if (!yaml_parser_initialize(&p)) {
		yaml_oom(&c);
		cJSON_Delete(out);
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	while (!done && !failed) {
		if (!yaml_parser_parse(&p, &ev)) {
			yaml_fail_parser(&c, &p, data, len);
			failed = 1;
			break;
		}
		int rc = 0;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			yaml_ctx_clear(&c);
			doc_line = (int)ev.start_mark.line + 1;
			break;
		case YAML_DOCUMENT_END_EVENT:
			rc = yaml_on_document_end(&c, out, &ls, &nls, &capls,
						  doc_line);
			break;
		case YAML_SCALAR_EVENT:
			rc = yaml_on_scalar(&c, &ev);
			break;
		case YAML_ALIAS_EVENT:
			rc = yaml_on_alias(&c, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			rc = yaml_on_start(&c, &ev, 0);
			break;
		case YAML_MAPPING_START_EVENT:
			rc = yaml_on_start(&c, &ev, 1);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			rc = yaml_on_end(&c);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (rc) {
			failed = 1;
		}
	}
	yaml_ctx_free(&c);
	yaml_parser_delete(&p);
	if (failed) {
		free(ls);
		cJSON_Delete(out);
		return NULL;
	}
	if (lines) {
		*lines = ls ? ls : xcalloc(1, sizeof(int));
	} else {
		free(ls);
	}
	return out;
}

cJSON *
yaml_to_json(const char *data, size_t len, const char *fname, struct pd_err *e)
{
	return yaml_to_json_lines(data, len, fname, NULL, e);
}

/* ---- cJSON to YAML ---- */

char *
yaml_from_json(const cJSON *item)
{
	return yaml_emit_block(item);
}
