/* SPDX-License-Identifier: Apache-2.0 */
/* argo-schema: unknown JSON fields as the Argo Rollouts plugin's strict decoding finds them. */
#include <stdlib.h>
#include <string.h>

#include "argo-schema.h"
#include "buf.h"
#include "json.h"

struct argo_schema_field {
	const char *name;
	int type;		/* index into argo_schema_types, -1: not checked */
	const char *wrap;	/* 'a' slice, 'm' map, outside in */
	const char *zero;	/* JSON of Go's zero value; NULL: a struct value */
	int flags;		/* ARGO_SCHEMA_OMITEMPTY, ARGO_SCHEMA_POINTER */
};

#define ARGO_SCHEMA_OMITEMPTY 1
#define ARGO_SCHEMA_POINTER 2

struct argo_schema_type {
	const char *name;	/* "pkg.GoName" */
	int start;
	int count;
};

struct argo_schema_root {
	const char *kind;
	int type;
};

#include "argo-schema-table.inc"

struct argo_schema_walk {
	void (*fn)(void *cls, const char *path, const char *field);
	void *cls;
	int sorted;
	int found;
	struct buf path;
};

static int
argo_schema_casecmp(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		int ca = (*a >= 'A' && *a <= 'Z') ? *a + 32 : *a;
		int cb = (*b >= 'A' && *b <= 'Z') ? *b + 32 : *b;
		if (ca != cb)
			return 1;
	}
	return *a != *b;
}

/* Go's encoding/json: an exact match first, then a case-insensitive one. */
static const struct argo_schema_field *
argo_schema_lookup(int type, const char *key)
{
	const struct argo_schema_type *t = &argo_schema_types[type];
	for (int i = 0; i < t->count; i++) {
		if (strcmp(argo_schema_fields[t->start + i].name, key) == 0)
			return &argo_schema_fields[t->start + i];
	}
	for (int i = 0; i < t->count; i++) {
		if (argo_schema_casecmp(argo_schema_fields[t->start + i].name, key) == 0)
			return &argo_schema_fields[t->start + i];
	}
	return NULL;
}

static void argo_schema_struct(struct argo_schema_walk *w, const cJSON *obj, int type);

static void
argo_schema_value(struct argo_schema_walk *w, const cJSON *v, int type, const char *wrap)
{
	size_t mark = w->path.len;
	if (type < 0)
		return;
	if (*wrap == 'a') {
		int i = 0;
		const cJSON *el;
		if (!cJSON_IsArray(v))
			return;
		cJSON_ArrayForEach(el, v) {
			buf_addf(&w->path, "[%d]", i++);
			argo_schema_value(w, el, type, wrap + 1);
			buf_setlen(&w->path, mark);
		}
		return;
	}
	if (*wrap == 'm') {
		const cJSON *el;
		if (!cJSON_IsObject(v))
			return;
		cJSON_ArrayForEach(el, v) {
			buf_addf(&w->path, "%s%s", w->path.len ? "." : "", el->string);
			argo_schema_value(w, el, type, wrap + 1);
			buf_setlen(&w->path, mark);
		}
		return;
	}
	argo_schema_struct(w, v, type);
}

static int
argo_schema_keycmp(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(x->string, y->string);
}

static void
argo_schema_struct(struct argo_schema_walk *w, const cJSON *obj, int type)
{
	size_t mark = w->path.len;
	const cJSON **keys = NULL;
	int n = 0;
	const cJSON *el;

	if (!cJSON_IsObject(obj))
		return;	/* null, or a type error Go reports differently */
	cJSON_ArrayForEach(el, obj)
		n++;
	if (n == 0)
		return;
	keys = malloc(sizeof(*keys) * (size_t)n);
	if (!keys)
		return;
	n = 0;
	cJSON_ArrayForEach(el, obj)
		keys[n++] = el;
	if (w->sorted)
		qsort(keys, (size_t)n, sizeof(*keys), argo_schema_keycmp);
	for (int i = 0; i < n; i++) {
		const struct argo_schema_field *f = argo_schema_lookup(type, keys[i]->string);
		if (!f) {
			w->found++;
			if (w->fn)
				w->fn(w->cls, w->path.buf, keys[i]->string);
			continue;
		}
		if (f->type < 0)
			continue;
		buf_addf(&w->path, "%s%s", mark ? "." : "", keys[i]->string);
		argo_schema_value(w, keys[i], f->type, f->wrap);
		buf_setlen(&w->path, mark);
	}
	free(keys);
}

static int
argo_schema_root_type(const char *kind)
{
	if (!kind)
		return -1;
	for (size_t i = 0; i < sizeof(argo_schema_roots) / sizeof(argo_schema_roots[0]); i++) {
		if (strcmp(argo_schema_roots[i].kind, kind) == 0)
			return argo_schema_roots[i].type;
	}
	return -1;
}

bool
argo_schema_has_kind(const char *kind)
{
	return argo_schema_root_type(kind) >= 0;
}

static int
argo_schema_run(const cJSON *obj, const char *kind, int sorted,
	void (*fn)(void *cls, const char *path, const char *field), void *cls)
{
	struct argo_schema_walk w = { fn, cls, sorted, 0, BUF_INIT };
	int type = argo_schema_root_type(kind);
	if (type < 0)
		return -1;
	argo_schema_struct(&w, obj, type);
	buf_release(&w.path);
	return w.found;
}

int
argo_schema_unknown(const cJSON *obj, const char *kind,
	void (*fn)(void *cls, const char *path, const char *field), void *cls)
{
	return argo_schema_run(obj, kind, 0, fn, cls);
}

int
argo_schema_unknown_sorted(const cJSON *obj, const char *kind,
	void (*fn)(void *cls, const char *path, const char *field), void *cls)
{
	return argo_schema_run(obj, kind, 1, fn, cls);
}

/* ---- json.Marshal of a typed value ---- */

/* A string as encoding/json writes it (<, > and & escaped for HTML). */
static void
argo_schema_json_string(struct buf *out, const char *s)
{
	buf_addch(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': buf_adds(out, "\\\""); break;
		case '\\': buf_adds(out, "\\\\"); break;
		case '\n': buf_adds(out, "\\n"); break;
		case '\r': buf_adds(out, "\\r"); break;
		case '\t': buf_adds(out, "\\t"); break;
		case '<': case '>': case '&':
			buf_addf(out, "\\u%04x", *p);
			break;
		default:
			if (*p < 0x20)
				buf_addf(out, "\\u%04x", *p);
			else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
				buf_addf(out, "\\u202%c", p[2] == 0xa8 ? '8' : '9');
				p += 2;
			} else
				buf_addch(out, (char)*p);
		}
	}
	buf_addch(out, '"');
}

/* An untyped value (map[string]interface{}): keys sorted. */
static void
argo_schema_json_any(struct buf *out, const cJSON *v)
{
	if (!v || cJSON_IsNull(v)) {
		buf_adds(out, "null");
	} else if (cJSON_IsString(v)) {
		argo_schema_json_string(out, v->valuestring);
	} else if (cJSON_IsObject(v)) {
		int n = cJSON_GetArraySize(v), k = 0;
		const cJSON **keys = malloc(sizeof(*keys) * (size_t)(n ? n : 1));
		const cJSON *el;
		if (!keys)
			return;
		cJSON_ArrayForEach(el, v)
			keys[k++] = el;
		qsort(keys, (size_t)n, sizeof(*keys), argo_schema_keycmp);
		buf_addch(out, '{');
		for (int i = 0; i < n; i++) {
			if (i)
				buf_addch(out, ',');
			argo_schema_json_string(out, keys[i]->string);
			buf_addch(out, ':');
			argo_schema_json_any(out, keys[i]);
		}
		buf_addch(out, '}');
		free(keys);
	} else if (cJSON_IsArray(v)) {
		const cJSON *el;
		int i = 0;
		buf_addch(out, '[');
		cJSON_ArrayForEach(el, v) {
			if (i++)
				buf_addch(out, ',');
			argo_schema_json_any(out, el);
		}
		buf_addch(out, ']');
	} else {
		json_write(out, v);
	}
}

static void argo_schema_marshal_struct(struct buf *out, const cJSON *obj, int type);

static void
argo_schema_marshal_value(struct buf *out, const cJSON *v, int type, const char *wrap)
{
	if (*wrap == 'a' && cJSON_IsArray(v)) {
		const cJSON *el;
		int i = 0;
		buf_addch(out, '[');
		cJSON_ArrayForEach(el, v) {
			if (i++)
				buf_addch(out, ',');
			argo_schema_marshal_value(out, el, type, wrap + 1);
		}
		buf_addch(out, ']');
	} else if (*wrap == 'm' && cJSON_IsObject(v)) {
		int n = cJSON_GetArraySize(v), k = 0;
		const cJSON **keys = malloc(sizeof(*keys) * (size_t)(n ? n : 1));
		const cJSON *el;
		if (!keys)
			return;
		cJSON_ArrayForEach(el, v)
			keys[k++] = el;
		qsort(keys, (size_t)n, sizeof(*keys), argo_schema_keycmp);
		buf_addch(out, '{');
		for (int i = 0; i < n; i++) {
			if (i)
				buf_addch(out, ',');
			argo_schema_json_string(out, keys[i]->string);
			buf_addch(out, ':');
			argo_schema_marshal_value(out, keys[i], type, wrap + 1);
		}
		buf_addch(out, '}');
		free(keys);
	} else if (!*wrap && type >= 0 && cJSON_IsObject(v)) {
		argo_schema_marshal_struct(out, v, type);
	} else {
		argo_schema_json_any(out, v);
	}
}

/* Go's isEmptyValue() for an omitempty field that is present. */
static bool
argo_schema_empty(const struct argo_schema_field *f, const cJSON *v)
{
	if (!v || cJSON_IsNull(v))
		return true;
	if (*f->wrap)
		return (cJSON_IsArray(v) || cJSON_IsObject(v)) && cJSON_GetArraySize(v) == 0;
	if ((f->flags & ARGO_SCHEMA_POINTER) || !f->zero)
		return false;
	if (cJSON_IsString(v))
		return strcmp(f->zero, "\"\"") == 0 && !*v->valuestring;
	if (cJSON_IsNumber(v))
		return strcmp(f->zero, "0") == 0 && v->valuedouble == 0;
	if (cJSON_IsBool(v))
		return strcmp(f->zero, "false") == 0 && cJSON_IsFalse(v);
	return false;
}

static void
argo_schema_marshal_struct(struct buf *out, const cJSON *obj, int type)
{
	const struct argo_schema_type *t = &argo_schema_types[type];
	int n = 0;
	buf_addch(out, '{');
	for (int i = 0; i < t->count; i++) {
		const struct argo_schema_field *f = &argo_schema_fields[t->start + i];
		const cJSON *v = NULL, *el;
		cJSON_ArrayForEach(el, obj) {
			if (strcmp(el->string, f->name) == 0) {
				v = el;
				break;
			}
		}
		if (!v) {
			cJSON_ArrayForEach(el, obj) {
				if (argo_schema_casecmp(el->string, f->name) == 0) {
					v = el;
					break;
				}
			}
		}
		if ((f->flags & ARGO_SCHEMA_OMITEMPTY) && argo_schema_empty(f, v))
			continue;
		if (n++)
			buf_addch(out, ',');
		argo_schema_json_string(out, f->name);
		buf_addch(out, ':');
		if (!v || cJSON_IsNull(v)) {
			if (f->zero)
				buf_adds(out, f->zero);
			else
				argo_schema_marshal_struct(out, NULL, f->type);
		} else {
			argo_schema_marshal_value(out, v, f->type, f->wrap);
		}
	}
	buf_addch(out, '}');
}

int
argo_schema_marshal(struct buf *out, const cJSON *v, const char *type)
{
	for (size_t i = 0; i < sizeof(argo_schema_types) / sizeof(argo_schema_types[0]); i++) {
		if (strcmp(argo_schema_types[i].name, type) == 0) {
			if (!v || cJSON_IsNull(v))
				buf_adds(out, "null");
			else
				argo_schema_marshal_value(out, v, (int)i, "");
			return 0;
		}
	}
	return -1;
}
