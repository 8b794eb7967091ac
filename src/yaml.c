/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaml: YAML to cJSON over libyaml's event API, and cJSON back to block YAML.
 *
 * Reading goes through a small tree of our own per document: events become
 * nodes, an alias stays a pointer to its anchored node, and each node's size
 * and height after alias expansion are added up as it completes. An alias
 * that would take the stream past YAML_MAX_NODES expanded nodes (or nesting
 * past YAML_MAX_DEPTH) is refused before anything is copied, so an alias
 * bomb costs no more than its own text. Only then is the tree turned into
 * cJSON, aliases copied and merge keys applied.
 *
 * Plain scalars resolve as go-yaml v2 does (see yaml_resolve()). Two things
 * JSON cannot say: .inf, -.inf and .nan resolve to the strings ".inf",
 * "-.inf" and ".nan" (cJSON would print an infinite or NaN number as null),
 * and integers past 2^53 are kept as numbers but lose precision in cJSON's
 * double.
 */
#include "yaml.h"

/*
 * libyaml's header is also named yaml.h, and -I src precedes the system
 * directories, so <yaml.h> may find this module's own header (a no-op thanks
 * to its guard). Then reach libyaml's through its include directory.
 */
#include <yaml.h>
#ifndef YAML_H
#include <../include/yaml.h>
#endif

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

#define YAML_MAX_NODES 10000000u
#define YAML_MAX_DEPTH 1000

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

enum yaml_ikind {
	YAML_I_SCALAR,
	YAML_I_SEQ,
	YAML_I_MAP,
	YAML_I_ALIAS,
};

/* One node of a document as parsed, before conversion to cJSON. */
struct yaml_item {
	enum yaml_ikind kind;
	int line, col;            /* 1-based */
	char *text;               /* scalars: NUL-terminated value */
	size_t len;
	struct yaml_val val;      /* scalars: resolved value */
	int empty_plain;          /* untagged empty plain scalar */
	int merge;                /* the merge key "<<" */
	int has_merge;            /* maps: some key is "<<" */
	struct yaml_item *target; /* aliases: the anchored node */
	struct yaml_item **kids;  /* seq items; map key, value, key, ... */
	size_t nkids, capkids;
	char *anchor;
	size_t size;              /* nodes after expansion, capped */
	int height;               /* nesting after expansion */
};

/* Open-addressing string set (keys are borrowed). */
struct yaml_slot {
	const char *key;
	int line;
	struct yaml_item *item;
};

struct yaml_set {
	struct yaml_slot *slots;
	size_t cap, n;
};

struct yaml_frame {
	struct yaml_item *item;
	struct yaml_item *key; /* maps: key waiting for its value */
	struct yaml_set keys;  /* maps: explicit keys so far */
};

struct yaml_ctx {
	const char *fname;
	struct pd_err *e;
	struct yaml_frame *stack;
	size_t depth, capstack;
	struct yaml_item **items;
	size_t nitems, capitems;
	struct yaml_set anchors;
	struct yaml_item *root;
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
 * YAML 1.1 base 60: as_int, [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+ (the int form,
 * value stored in *out when out is non-NULL); otherwise the float form
 * go-yaml quotes on output, [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?.
 */
static int
yaml_match_base60(const char *s, size_t len, int as_int, double *out)
{
	size_t i = 0;
	int neg = 0;
	double v = 0;
	if (i < len && (s[i] == '+' || s[i] == '-')) {
		neg = s[i] == '-';
		i++;
	}
	if (i >= len || !yaml_isdigit(s[i]) || (as_int && s[i] == '0')) {
		return 0;
	}
	for (; i < len && (yaml_isdigit(s[i]) || s[i] == '_'); i++) {
		if (s[i] != '_') {
			v = v * 10 + (s[i] - '0');
		}
	}
	int groups = 0;
	while (i < len && s[i] == ':') {
		i++;
		if (i >= len || !yaml_isdigit(s[i])) {
			return 0;
		}
		int g = s[i] - '0';
		if (i + 1 < len && yaml_isdigit(s[i + 1])) {
			if (s[i] > '5') {
				return 0;
			}
			g = g * 10 + (s[i + 1] - '0');
			i++;
		}
		i++;
		v = v * 60 + g;
		groups++;
	}
	if (!groups) {
		return 0;
	}
	if (!as_int && i < len && s[i] == '.') {
		for (i++; i < len && (yaml_isdigit(s[i]) || s[i] == '_'); i++) {
		}
	}
	if (i != len) {
		return 0;
	}
	if (out) {
		*out = neg ? -v : v;
	}
	return 1;
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
	} else if (yaml_match_base60(s, len, 1, &d)) {
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

/* The slot for key, added (with line 0, item NULL) when absent. */
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
		sl->item = NULL;
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

/* ---- YAML to the item tree ---- */

__attribute__((format(printf, 4, 5))) static int
yaml_fail(struct yaml_ctx *c, long line, long col, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err_set(c->e, PD_EINVALID, "%s:%ld:%ld: %s", c->fname, line, col, msg);
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
		problem = "out of memory";
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

static struct yaml_item *
yaml_item_new(struct yaml_ctx *c, enum yaml_ikind kind, const yaml_mark_t *m)
{
	struct yaml_item *it = xcalloc(1, sizeof(*it));
	it->kind = kind;
	it->line = (int)m->line + 1;
	it->col = (int)m->column + 1;
	it->size = 1;
	it->height = 1;
	if (c->nitems == c->capitems) {
		c->capitems = c->capitems ? c->capitems * 2 : 64;
		c->items = xrealloc(c->items, c->capitems * sizeof(*c->items));
	}
	c->items[c->nitems++] = it;
	return it;
}

static void
yaml_kid_add(struct yaml_item *p, struct yaml_item *kid)
{
	if (p->nkids == p->capkids) {
		p->capkids = p->capkids ? p->capkids * 2 : 8;
		p->kids = xrealloc(p->kids, p->capkids * sizeof(*p->kids));
	}
	p->kids[p->nkids++] = kid;
}

/* Forget the current document's items, anchors and open collections. */
static void
yaml_ctx_clear(struct yaml_ctx *c)
{
	for (size_t i = 0; i < c->depth; i++) {
		yaml_set_free(&c->stack[i].keys);
	}
	c->depth = 0;
	for (size_t i = 0; i < c->nitems; i++) {
		free(c->items[i]->text);
		free(c->items[i]->kids);
		free(c->items[i]->anchor);
		free(c->items[i]);
	}
	c->nitems = 0;
	yaml_set_free(&c->anchors);
	c->root = NULL;
}

static void
yaml_anchor_set(struct yaml_ctx *c, struct yaml_item *it, const yaml_char_t *a)
{
	if (!a) {
		return;
	}
	it->anchor = xstrdup((const char *)a);
	struct yaml_slot *sl = yaml_set_put(&c->anchors, it->anchor);
	sl->key = it->anchor; /* a redefinition takes over the name */
	sl->item = it;
}

/* A completed node goes into its parent (or becomes the root). */
static int
yaml_attach(struct yaml_ctx *c, struct yaml_item *it)
{
	if (c->depth == 0) {
		c->root = it;
		return 0;
	}
	struct yaml_frame *f = &c->stack[c->depth - 1];
	struct yaml_item *p = f->item;
	if (p->kind == YAML_I_MAP && !f->key) {
		const struct yaml_item *k =
			it->kind == YAML_I_ALIAS ? it->target : it;
		if (k->kind != YAML_I_SCALAR) {
			return yaml_fail(c, it->line, it->col,
					 "mapping keys must be scalars");
		}
		if (it->merge) {
			p->has_merge = 1;
		} else {
			const struct yaml_slot *dup =
				yaml_set_get(&f->keys, k->text);
			if (dup) {
				return yaml_fail(c, it->line, it->col,
						 "mapping key \"%.200s\" already "
						 "defined at line %d",
						 k->text, dup->line);
			}
			yaml_set_put(&f->keys, k->text)->line = it->line;
		}
		f->key = it;
	} else if (p->kind == YAML_I_MAP) {
		f->key = NULL;
	}
	yaml_kid_add(p, it);
	p->size = yaml_sat_add(p->size, it->size);
	if (it->height + 1 > p->height) {
		p->height = it->height + 1;
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

static int
yaml_on_scalar(struct yaml_ctx *c, const yaml_event_t *ev)
{
	struct yaml_item *it = yaml_item_new(c, YAML_I_SCALAR, &ev->start_mark);
	size_t len = ev->data.scalar.length;
	it->text = xmalloc(len + 1);
	if (len) {
		memcpy(it->text, ev->data.scalar.value, len);
	}
	it->text[len] = '\0';
	it->len = len;
	c->total++;

	const char *tag = (const char *)ev->data.scalar.tag;
	const char *core = yaml_core_tag(tag);
	int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	it->val.kind = YAML_V_STR;
	if (!tag || (!core && strcmp(tag, "!") != 0)) {
		/* untagged, or a tag we do not know: resolve as untagged */
		if (plain) {
			yaml_resolve(it->text, len, &it->val);
			it->empty_plain = !tag && len == 0;
			it->merge = !tag && strcmp(it->text, "<<") == 0;
		}
	} else if (!core || strcmp(core, "!!str") == 0 ||
		   strcmp(core, "!!binary") == 0 ||
		   strcmp(core, "!!timestamp") == 0) {
		/* "!" (non-specific) and string-like tags keep the text */
	} else if (strcmp(core, "!!merge") == 0) {
		it->merge = 1;
	} else if (strcmp(core, "!!map") == 0 || strcmp(core, "!!seq") == 0) {
		return yaml_fail(c, it->line, it->col,
				 "cannot decode a scalar as a %s", core);
	} else {
		struct yaml_val v;
		int fits;
		yaml_resolve(it->text, len, &v);
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
			return yaml_fail(c, it->line, it->col,
					 "cannot decode %s `%.100s` as a %s",
					 yaml_short_kind(v.kind), it->text,
					 core);
		}
		it->val = v;
	}
	yaml_anchor_set(c, it, ev->data.scalar.anchor);
	return yaml_attach(c, it);
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
	struct yaml_item *t = sl->item;
	c->total = yaml_sat_add(c->total, t->size);
	if (c->total > YAML_MAX_NODES) {
		return yaml_fail(c, line, col,
				 "document too large after alias expansion");
	}
	if (c->depth + (size_t)t->height > YAML_MAX_DEPTH) {
		return yaml_fail(c, line, col,
				 "document nested too deeply after alias "
				 "expansion");
	}
	struct yaml_item *it = yaml_item_new(c, YAML_I_ALIAS, &ev->start_mark);
	it->target = t;
	it->size = t->size;
	it->height = t->height;
	return yaml_attach(c, it);
}

static int
yaml_on_start(struct yaml_ctx *c, const yaml_event_t *ev,
	      enum yaml_ikind kind)
{
	long line = (long)ev->start_mark.line + 1;
	long col = (long)ev->start_mark.column + 1;
	const yaml_char_t *rawtag = kind == YAML_I_MAP
		? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
	const char *core = yaml_core_tag((const char *)rawtag);
	const char *want = kind == YAML_I_MAP ? "!!map" : "!!seq";
	if (c->depth >= YAML_MAX_DEPTH) {
		return yaml_fail(c, line, col, "document nested too deeply");
	}
	if (c->depth && c->stack[c->depth - 1].item->kind == YAML_I_MAP &&
	    !c->stack[c->depth - 1].key) {
		return yaml_fail(c, line, col, "mapping keys must be scalars");
	}
	if (core && strcmp(core, want) != 0) {
		return yaml_fail(c, line, col, "cannot decode %s as a %s",
				 want, core);
	}
	struct yaml_item *it = yaml_item_new(c, kind, &ev->start_mark);
	c->total++;
	const yaml_char_t *anchor = kind == YAML_I_MAP
		? ev->data.mapping_start.anchor
		: ev->data.sequence_start.anchor;
	if (anchor) {
		/* registered when complete, so it cannot contain itself */
		it->anchor = xstrdup((const char *)anchor);
	}
	if (c->depth == c->capstack) {
		c->capstack = c->capstack ? c->capstack * 2 : 16;
		c->stack = xrealloc(c->stack, c->capstack * sizeof(*c->stack));
	}
	memset(&c->stack[c->depth], 0, sizeof(c->stack[c->depth]));
	c->stack[c->depth].item = it;
	c->depth++;
	return 0;
}

static int
yaml_on_end(struct yaml_ctx *c)
{
	struct yaml_frame *f = &c->stack[--c->depth];
	struct yaml_item *it = f->item;
	yaml_set_free(&f->keys);
	if (it->anchor) {
		struct yaml_slot *sl = yaml_set_put(&c->anchors, it->anchor);
		sl->key = it->anchor;
		sl->item = it;
	}
	return yaml_attach(c, it);
}

/* ---- the item tree to cJSON ---- */

static cJSON *yaml_build(struct yaml_ctx *c, const struct yaml_item *it);

static cJSON *
yaml_oom(struct yaml_ctx *c, cJSON *partial)
{
	cJSON_Delete(partial);
	err_set(c->e, PD_EINTERNAL, "%s: out of memory", c->fname);
	return NULL;
}

static const struct yaml_item *
yaml_deref(const struct yaml_item *it)
{
	return it->kind == YAML_I_ALIAS ? it->target : it;
}

/* Move src's keys that are neither explicit nor merged already into obj. */
static int
yaml_merge_one(struct yaml_ctx *c, cJSON *obj, const struct yaml_item *src,
	       const struct yaml_set *explicit_keys, struct yaml_set *seen)
{
	cJSON *m = yaml_build(c, src);
	if (!m) {
		return -1;
	}
	while (m->child) {
		cJSON *kid = cJSON_DetachItemViaPointer(m, m->child);
		const char *k = kid->string ? kid->string : "";
		if (yaml_set_get(explicit_keys, k) || yaml_set_get(seen, k)) {
			cJSON_Delete(kid);
			continue;
		}
		cJSON_AddItemToArray(obj, kid);
		yaml_set_put(seen, k);
	}
	cJSON_Delete(m);
	return 0;
}

static cJSON *
yaml_build_map(struct yaml_ctx *c, const struct yaml_item *it)
{
	cJSON *obj = cJSON_CreateObject();
	struct yaml_set explicit_keys = { 0 }, seen = { 0 };
	if (!obj) {
		return yaml_oom(c, NULL);
	}
	if (it->has_merge) {
		for (size_t i = 0; i + 1 < it->nkids; i += 2) {
			if (!it->kids[i]->merge) {
				yaml_set_put(&explicit_keys,
					     yaml_deref(it->kids[i])->text);
			}
		}
	}
	for (size_t i = 0; i + 1 < it->nkids; i += 2) {
		const struct yaml_item *key = it->kids[i];
		const struct yaml_item *val = it->kids[i + 1];
		if (!key->merge) {
			cJSON *v = yaml_build(c, val);
			if (!v) {
				goto fail;
			}
			if (!cJSON_AddItemToObject(obj, yaml_deref(key)->text,
						   v)) {
				cJSON_Delete(v);
				yaml_oom(c, NULL);
				goto fail;
			}
			continue;
		}
		const struct yaml_item *src = yaml_deref(val);
		if (src->kind == YAML_I_MAP) {
			if (yaml_merge_one(c, obj, src, &explicit_keys, &seen)) {
				goto fail;
			}
			continue;
		}
		if (src->kind != YAML_I_SEQ) {
			yaml_fail(c, val->line, val->col,
				  "map merge requires map or sequence of maps "
				  "as the value");
			goto fail;
		}
		for (size_t j = 0; j < src->nkids; j++) {
			const struct yaml_item *s = yaml_deref(src->kids[j]);
			if (s->kind != YAML_I_MAP) {
				yaml_fail(c, src->kids[j]->line,
					  src->kids[j]->col,
					  "map merge requires map or sequence "
					  "of maps as the value");
				goto fail;
			}
			if (yaml_merge_one(c, obj, s, &explicit_keys, &seen)) {
				goto fail;
			}
		}
	}
	yaml_set_free(&explicit_keys);
	yaml_set_free(&seen);
	return obj;
fail:
	yaml_set_free(&explicit_keys);
	yaml_set_free(&seen);
	cJSON_Delete(obj);
	return NULL;
}

static cJSON *
yaml_build(struct yaml_ctx *c, const struct yaml_item *it)
{
	it = yaml_deref(it);
	if (it->kind == YAML_I_SCALAR) {
		cJSON *j = yaml_val_json(&it->val, it->text);
		return j ? j : yaml_oom(c, NULL);
	}
	if (it->kind == YAML_I_MAP) {
		return yaml_build_map(c, it);
	}
	cJSON *arr = cJSON_CreateArray();
	if (!arr) {
		return yaml_oom(c, NULL);
	}
	for (size_t i = 0; i < it->nkids; i++) {
		cJSON *v = yaml_build(c, it->kids[i]);
		if (!v) {
			cJSON_Delete(arr);
			return NULL;
		}
		if (!cJSON_AddItemToArray(arr, v)) {
			cJSON_Delete(v);
			return yaml_oom(c, arr);
		}
	}
	return arr;
}

/* ---- the stream ---- */

static int
yaml_on_document_end(struct yaml_ctx *c, cJSON *out, int **lines,
		     size_t *nlines, size_t *caplines, int doc_line)
{
	const struct yaml_item *r = c->root;
	int rc = 0;
	if (r && !(r->kind == YAML_I_SCALAR && r->empty_plain)) {
		cJSON *doc = yaml_build(c, r);
		if (!doc) {
			rc = -1;
		} else if (!cJSON_AddItemToArray(out, doc)) {
			yaml_oom(c, doc);
			rc = -1;
		} else {
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
	c.e = e;
	if (!data) {
		data = "";
		len = 0;
	}
	out = cJSON_CreateArray();
	if (!out) {
		return yaml_oom(&c, NULL);
	}
	if (!yaml_parser_initialize(&p)) {
		return yaml_oom(&c, out);
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
			rc = yaml_on_start(&c, &ev, YAML_I_SEQ);
			break;
		case YAML_MAPPING_START_EVENT:
			rc = yaml_on_start(&c, &ev, YAML_I_MAP);
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
	yaml_ctx_clear(&c);
	free(c.stack);
	free(c.items);
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

enum yaml_style {
	YAML_S_PLAIN,
	YAML_S_SINGLE,
	YAML_S_DOUBLE,
	YAML_S_LITERAL,
};

/* Decode one UTF-8 character: its length, or 0 when invalid. */
static size_t
yaml_utf8(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t v;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		v = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (len < n) {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			return 0;
		}
		v = v << 6 | (s[i] & 0x3F);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
	    (v >= 0xD800 && v <= 0xDFFF)) {
		return 0;
	}
	*cp = v;
	return n;
}

/* Printable in YAML and not a line break (tab and newline excluded). */
static int
yaml_printable(uint32_t c)
{
	if (c >= 0x20 && c <= 0x7E) {
		return 1;
	}
	if (c >= 0xA0 && c <= 0xD7FF) {
		return c != 0x2028 && c != 0x2029;
	}
	if (c >= 0xE000 && c <= 0xFFFD) {
		return c != 0xFEFF;
	}
	return c >= 0x10000 && c <= 0x10FFFF;
}

/* Whether s can be written plain and read back as the same string. */
static int
yaml_plain_ok(const char *s, size_t len)
{
	struct yaml_val v;
	if (len == 0) {
		return 0;
	}
	yaml_resolve(s, len, &v);
	if (v.kind != YAML_V_STR || strcmp(s, "<<") == 0 ||
	    yaml_match_base60(s, len, 0, NULL)) {
		return 0;
	}
	/* looks like a timestamp (YYYY-...): quoted, as go-yaml does */
	if (len > 5 && yaml_isdigit(s[0]) && yaml_isdigit(s[1]) &&
	    yaml_isdigit(s[2]) && yaml_isdigit(s[3]) && s[4] == '-' &&
	    yaml_isdigit(s[5])) {
		return 0;
	}
	if (s[0] == ' ' || s[len - 1] == ' ' || s[len - 1] == ':') {
		return 0;
	}
	if (strchr("#,[]{}&*!|>'\"%@`?:", s[0])) {
		return 0;
	}
	if (s[0] == '-' && (len == 1 || s[1] == ' ')) {
		return 0;
	}
	if (len >= 3 &&
	    (memcmp(s, "---", 3) == 0 || memcmp(s, "...", 3) == 0)) {
		return 0;
	}
	return !strstr(s, ": ") && !strstr(s, " #");
}

static enum yaml_style
yaml_style_of(const char *s, size_t len, int is_key)
{
	int bad = 0, tab = 0, nl = 0, space_break = 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = yaml_utf8((const unsigned char *)s + i, len - i, &cp);
		if (!n) {
			bad = 1;
			break;
		}
		if (cp == '\t') {
			tab = 1;
		} else if (cp == '\n') {
			nl = 1;
			if (i > 0 && s[i - 1] == ' ') {
				space_break = 1;
			}
		} else if (!yaml_printable(cp)) {
			bad = 1;
		}
		i += n;
	}
	if (bad) {
		return YAML_S_DOUBLE;
	}
	if (nl) {
		/* a block scalar cannot start with a space, newline or
		 * tab without an indentation indicator */
		if (is_key || space_break || s[0] == ' ' || s[0] == '\n' ||
		    s[0] == '\t' || s[len - 1] == ' ') {
			return YAML_S_DOUBLE;
		}
		return YAML_S_LITERAL;
	}
	if (tab) {
		return YAML_S_DOUBLE;
	}
	return yaml_plain_ok(s, len) ? YAML_S_PLAIN : YAML_S_SINGLE;
}

static void
yaml_put_indent(struct buf *b, int n)
{
	for (int i = 0; i < n; i++) {
		buf_addch(b, ' ');
	}
}

static void
yaml_put_double_quoted(struct buf *b, const char *s, size_t len)
{
	buf_addch(b, '"');
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = yaml_utf8((const unsigned char *)s + i, len - i, &cp);
		if (!n) {
			buf_addf(b, "\\x%02X", (unsigned char)s[i]);
			i++;
			continue;
		}
		switch (cp) {
		case '"': buf_adds(b, "\\\""); break;
		case '\\': buf_adds(b, "\\\\"); break;
		case 0x00: buf_adds(b, "\\0"); break;
		case 0x07: buf_adds(b, "\\a"); break;
		case 0x08: buf_adds(b, "\\b"); break;
		case 0x09: buf_adds(b, "\\t"); break;
		case 0x0A: buf_adds(b, "\\n"); break;
		case 0x0B: buf_adds(b, "\\v"); break;
		case 0x0C: buf_adds(b, "\\f"); break;
		case 0x0D: buf_adds(b, "\\r"); break;
		case 0x1B: buf_adds(b, "\\e"); break;
		case 0x85: buf_adds(b, "\\N"); break;
		case 0x2028: buf_adds(b, "\\L"); break;
		case 0x2029: buf_adds(b, "\\P"); break;
		default:
			if (yaml_printable(cp)) {
				buf_add(b, s + i, n);
			} else if (cp <= 0xFF) {
				buf_addf(b, "\\x%02X", (unsigned)cp);
			} else if (cp <= 0xFFFF) {
				buf_addf(b, "\\u%04X", (unsigned)cp);
			} else {
				buf_addf(b, "\\U%08X", (unsigned)cp);
			}
			break;
		}
		i += n;
	}
	buf_addch(b, '"');
}

/* A literal block scalar; s has a newline and does not start with a
 * space, tab or newline. */
static void
yaml_put_literal(struct buf *b, const char *s, size_t len, int indent)
{
	size_t trail = 0;
	while (trail < len && s[len - 1 - trail] == '\n') {
		trail++;
	}
	buf_adds(b, trail == 0 ? "|-\n" : trail == 1 ? "|\n" : "|+\n");
	size_t body = len - trail;
	size_t start = 0;
	while (start < body) {
		const char *nl = memchr(s + start, '\n', body - start);
		size_t end = nl ? (size_t)(nl - s) : body;
		if (end > start) {
			yaml_put_indent(b, indent);
			buf_add(b, s + start, end - start);
		}
		buf_addch(b, '\n');
		start = end + 1;
	}
	for (size_t i = 1; i < trail; i++) {
		buf_addch(b, '\n');
	}
}

/* A string as a key or a value; returns 1 for a block scalar, which ends
 * with its newline (the other styles do not). */
static int
yaml_put_string(struct buf *b, const char *s, int is_key, int indent)
{
	size_t len = strlen(s);
	enum yaml_style style = yaml_style_of(s, len, is_key);
	switch (style) {
	case YAML_S_PLAIN:
		buf_add(b, s, len);
		break;
	case YAML_S_SINGLE:
		buf_addch(b, '\'');
		for (size_t i = 0; i < len; i++) {
			if (s[i] == '\'') {
				buf_addch(b, '\'');
			}
			buf_addch(b, s[i]);
		}
		buf_addch(b, '\'');
		break;
	case YAML_S_DOUBLE:
		yaml_put_double_quoted(b, s, len);
		break;
	case YAML_S_LITERAL:
		yaml_put_literal(b, s, len, indent);
		break;
	}
	return style == YAML_S_LITERAL;
}

/* Integral numbers as integers, others as the shortest %.17g that reads
 * back to the same double, with '.' whatever the locale. */
static void
yaml_put_number(struct buf *b, double d)
{
	char tmp[64];
	if (isnan(d)) {
		buf_adds(b, ".nan");
		return;
	}
	if (isinf(d)) {
		buf_adds(b, d > 0 ? ".inf" : "-.inf");
		return;
	}
	if (d == 0) {
		buf_addch(b, '0');
		return;
	}
	if (d == trunc(d) && fabs(d) < 1e19) {
		snprintf(tmp, sizeof(tmp), "%.0f", d);
		buf_adds(b, tmp);
		return;
	}
	const struct lconv *lc = localeconv();
	const char *dp = lc && lc->decimal_point ? lc->decimal_point : ".";
	for (int prec = 1; prec <= 17; prec++) {
		char out[64];
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		/* normalise the locale's decimal point to '.' */
		const char *p = strstr(tmp, dp);
		if (p && strcmp(dp, ".") != 0) {
			size_t pre = (size_t)(p - tmp);
			snprintf(out, sizeof(out), "%.*s.%s", (int)pre, tmp,
				 p + strlen(dp));
		} else {
			snprintf(out, sizeof(out), "%s", tmp);
		}
		if (prec == 17 || yaml_strtod(out) == d) {
			buf_adds(b, out);
			return;
		}
	}
}

/* A scalar (or empty collection) value followed by its newline; indent is
 * where a block scalar's lines go. */
static void
yaml_put_scalar(struct buf *b, const cJSON *v, int indent)
{
	if (cJSON_IsObject(v)) {
		buf_adds(b, "{}\n");
	} else if (cJSON_IsArray(v)) {
		buf_adds(b, "[]\n");
	} else if (cJSON_IsBool(v)) {
		buf_adds(b, cJSON_IsTrue(v) ? "true\n" : "false\n");
	} else if (cJSON_IsNumber(v)) {
		yaml_put_number(b, v->valuedouble);
		buf_addch(b, '\n');
	} else if ((cJSON_IsString(v) || cJSON_IsRaw(v)) && v->valuestring) {
		if (!yaml_put_string(b, v->valuestring, 0, indent)) {
			buf_addch(b, '\n');
		}
	} else {
		buf_adds(b, "null\n");
	}
}

static void yaml_out_map(struct buf *b, const cJSON *obj, int indent,
			 int inline_first);
static void yaml_out_seq(struct buf *b, const cJSON *arr, int indent,
			 int inline_first);

static int
yaml_is_block(const cJSON *v)
{
	return (cJSON_IsObject(v) || cJSON_IsArray(v)) && v->child;
}

static void
yaml_out_map(struct buf *b, const cJSON *obj, int indent, int inline_first)
{
	for (const cJSON *kid = obj->child; kid; kid = kid->next) {
		if (kid != obj->child || !inline_first) {
			yaml_put_indent(b, indent);
		}
		yaml_put_string(b, kid->string ? kid->string : "", 1, 0);
		buf_addch(b, ':');
		if (cJSON_IsObject(kid) && kid->child) {
			buf_addch(b, '\n');
			yaml_out_map(b, kid, indent + 2, 0);
		} else if (cJSON_IsArray(kid) && kid->child) {
			/* go-yaml v2 does not indent a sequence in a map */
			buf_addch(b, '\n');
			yaml_out_seq(b, kid, indent, 0);
		} else {
			buf_addch(b, ' ');
			yaml_put_scalar(b, kid, indent + 2);
		}
	}
}

static void
yaml_out_seq(struct buf *b, const cJSON *arr, int indent, int inline_first)
{
	for (const cJSON *kid = arr->child; kid; kid = kid->next) {
		if (kid != arr->child || !inline_first) {
			yaml_put_indent(b, indent);
		}
		buf_adds(b, "- ");
		if (yaml_is_block(kid) && cJSON_IsObject(kid)) {
			yaml_out_map(b, kid, indent + 2, 1);
		} else if (yaml_is_block(kid)) {
			yaml_out_seq(b, kid, indent + 2, 1);
		} else {
			yaml_put_scalar(b, kid, indent + 2);
		}
	}
}

char *
yaml_from_json(const cJSON *item)
{
	struct buf b = BUF_INIT;
	if (item && cJSON_IsObject(item) && item->child) {
		yaml_out_map(&b, item, 0, 0);
	} else if (item && cJSON_IsArray(item) && item->child) {
		yaml_out_seq(&b, item, 0, 0);
	} else if (item) {
		yaml_put_scalar(&b, item, 2);
	} else {
		buf_adds(&b, "null\n");
	}
	return buf_detach(&b, NULL);
}
