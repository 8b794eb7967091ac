/* SPDX-License-Identifier: Apache-2.0 */
/* argo-schema: unknown JSON fields as the Argo Rollouts plugin's strict decoding finds them. */
#include <stdio.h>
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
	char kind;		/* innermost JSON kind: s string, b bool, i integer,
				   f float, x struct, a any, o own decoder (not checked) */
	const char *gotype;	/* reflect's Type.String() of the field */
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
	int found;		/* unknown fields and type errors */
	int unknown;		/* unknown fields */
	bool coerce;		/* rewrite scalars bound for strings (sigs.k8s.io/yaml) */
	struct buf path;	/* "spec.template.spec.containers[0]" */
	struct buf fields;	/* Go's FieldStack: "spec.template.spec.containers" */
	const char *gostruct;	/* the innermost struct's Go name */
	struct buf *first;	/* Go's first decoding error, when wanted */
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

/* The Go type without its leading pointers. */
static const char *
argo_schema_deref(const char *t)
{
	while (*t == '*')
		t++;
	return t;
}

/* The element type of a slice or map type, or t itself for a named one. */
static const char *
argo_schema_elem(const char *t)
{
	t = argo_schema_deref(t);
	if (strncmp(t, "[]", 2) == 0)
		return argo_schema_deref(t + 2);
	if (strncmp(t, "map[", 4) == 0) {
		int depth = 0;
		for (const char *p = t; *p; p++) {
			if (*p == '[')
				depth++;
			else if (*p == ']' && --depth == 0)
				return argo_schema_deref(p + 1);
		}
	}
	return t;
}

/* UnmarshalTypeError: "json: cannot unmarshal VALUE into Go struct field S.F of type T". */
static void
argo_schema_type_error(struct argo_schema_walk *w, const cJSON *v, const char *gotype, bool literal)
{
	w->found++;
	if (!w->first || w->first->len)
		return;
	buf_adds(w->first, "json: cannot unmarshal ");
	if (cJSON_IsString(v))
		buf_adds(w->first, "string");
	else if (cJSON_IsBool(v))
		buf_adds(w->first, "bool");
	else if (cJSON_IsArray(v))
		buf_adds(w->first, "array");
	else if (cJSON_IsObject(v))
		buf_adds(w->first, "object");
	else {
		buf_adds(w->first, "number");
		if (literal) {
			buf_addch(w->first, ' ');
			json_write(w->first, v);
		}
	}
	buf_addf(w->first, " into Go struct field %s.%s of type %s", w->gostruct ? w->gostruct : "",
		 w->fields.buf, argo_schema_deref(gotype));
}

/* Whether an integer type takes the number (Go's overflow checks). */
static bool
argo_schema_int_fits(const char *gotype, double d)
{
	const char *t = argo_schema_deref(gotype);
	if (d != (double)(long long)d && !(d >= 9.2e18 || d <= -9.2e18))
		return false;
	if (strcmp(t, "int8") == 0)
		return d >= -128 && d <= 127;
	if (strcmp(t, "int16") == 0)
		return d >= -32768 && d <= 32767;
	if (strcmp(t, "int32") == 0)
		return d >= -2147483648.0 && d <= 2147483647.0;
	if (strcmp(t, "uint8") == 0 || strcmp(t, "byte") == 0)
		return d >= 0 && d <= 255;
	if (strcmp(t, "uint16") == 0)
		return d >= 0 && d <= 65535;
	if (strcmp(t, "uint32") == 0)
		return d >= 0 && d <= 4294967295.0;
	if (strncmp(t, "uint", 4) == 0)
		return d >= 0 && d < 18446744073709551616.0;
	return d >= -9223372036854775808.0 && d < 9223372036854775808.0;
}

/* sigs.k8s.io/yaml's coercion of a YAML scalar bound for a Go string:
 * integers in decimal, floats as strconv.FormatFloat(f, 'g', -1, 32),
 * booleans as "true" or "false". */
static void
argo_schema_coerce_scalar(cJSON *v)
{
	char num[64];
	const char *s = num;
	if (cJSON_IsBool(v)) {
		s = cJSON_IsTrue(v) ? "true" : "false";
	} else if (v->valuedouble == (double)(long long)v->valuedouble &&
		   v->valuedouble > -9.2e18 && v->valuedouble < 9.2e18) {
		snprintf(num, sizeof(num), "%lld", (long long)v->valuedouble);
	} else {
		/* the shortest digits that give the float32 back */
		float want = (float)v->valuedouble;
		for (int prec = 1; prec <= 9; prec++) {
			snprintf(num, sizeof(num), "%.*g", prec, (double)want);
			if ((float)strtod(num, NULL) == want)
				break;
		}
	}
	char *copy = strdup(s);
	if (!copy)
		return;
	v->type = cJSON_String;
	v->valuestring = copy;
}

static void
argo_schema_value(struct argo_schema_walk *w, const cJSON *v, const struct argo_schema_field *f,
	const char *wrap, const char *gotype)
{
	size_t mark = w->path.len;
	if (!v || cJSON_IsNull(v))
		return;
	if (*wrap == 'a' || *wrap == 'm') {
		int i = 0;
		const cJSON *el;
		bool ok = *wrap == 'a' ? cJSON_IsArray(v) : cJSON_IsObject(v);
		if (!ok) {
			argo_schema_type_error(w, v, gotype, false);
			return;
		}
		cJSON_ArrayForEach(el, v) {
			if (*wrap == 'a')
				buf_addf(&w->path, "[%d]", i++);
			else
				buf_addf(&w->path, "%s%s", w->path.len ? "." : "", el->string);
			argo_schema_value(w, el, f, wrap + 1, argo_schema_elem(gotype));
			buf_setlen(&w->path, mark);
		}
		return;
	}
	switch (f->kind) {
	case 'x':
		if (!cJSON_IsObject(v))
			argo_schema_type_error(w, v, gotype, false);
		else
			argo_schema_struct(w, v, f->type);
		break;
	case 's':
		if (w->coerce && (cJSON_IsNumber(v) || cJSON_IsBool(v)))
			argo_schema_coerce_scalar((cJSON *)v);
		else if (!cJSON_IsString(v))
			argo_schema_type_error(w, v, gotype, false);
		break;
	case 'b':
		if (!cJSON_IsBool(v))
			argo_schema_type_error(w, v, gotype, false);
		break;
	case 'i':
		if (!cJSON_IsNumber(v))
			argo_schema_type_error(w, v, gotype, false);
		else if (!argo_schema_int_fits(gotype, v->valuedouble))
			argo_schema_type_error(w, v, gotype, true);
		break;
	case 'f':
		if (!cJSON_IsNumber(v))
			argo_schema_type_error(w, v, gotype, false);
		break;
	default:
		break;
	}
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
	size_t mark = w->path.len, fmark = w->fields.len;
	const char *outer = w->gostruct;
	const char *dot = strchr(argo_schema_types[type].name, '.');
	const cJSON **keys = NULL;
	int n = 0;
	const cJSON *el;

	if (!cJSON_IsObject(obj))
		return;
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
			w->unknown++;
			if (w->fn)
				w->fn(w->cls, w->path.buf, keys[i]->string);
			if (w->first && !w->first->len)
				buf_addf(w->first, "json: unknown field \"%s\"", keys[i]->string);
			continue;
		}
		buf_addf(&w->path, "%s%s", mark ? "." : "", keys[i]->string);
		buf_addf(&w->fields, "%s%s", fmark ? "." : "", f->name);
		w->gostruct = dot ? dot + 1 : argo_schema_types[type].name;
		argo_schema_value(w, keys[i], f, f->wrap, f->gotype);
		w->gostruct = outer;
		buf_setlen(&w->path, mark);
		buf_setlen(&w->fields, fmark);
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
	void (*fn)(void *cls, const char *path, const char *field), void *cls, struct buf *first)
{
	struct argo_schema_walk w;
	int type = argo_schema_root_type(kind);
	if (type < 0)
		return -1;
	memset(&w, 0, sizeof(w));
	w.fn = fn;
	w.cls = cls;
	w.sorted = sorted;
	w.path = (struct buf)BUF_INIT;
	w.fields = (struct buf)BUF_INIT;
	w.first = first;
	argo_schema_struct(&w, obj, type);
	buf_release(&w.path);
	buf_release(&w.fields);
	return first ? w.found : w.unknown;
}

int
argo_schema_unknown(const cJSON *obj, const char *kind,
	void (*fn)(void *cls, const char *path, const char *field), void *cls)
{
	return argo_schema_run(obj, kind, 0, fn, cls, NULL);
}

int
argo_schema_unknown_sorted(const cJSON *obj, const char *kind,
	void (*fn)(void *cls, const char *path, const char *field), void *cls)
{
	return argo_schema_run(obj, kind, 1, fn, cls, NULL);
}

int
argo_schema_coerce(cJSON *obj, const char *kind)
{
	struct argo_schema_walk w;
	int type = argo_schema_root_type(kind);
	if (type < 0)
		return -1;
	memset(&w, 0, sizeof(w));
	w.sorted = 0;
	w.coerce = true;
	w.path = (struct buf)BUF_INIT;
	w.fields = (struct buf)BUF_INIT;
	argo_schema_struct(&w, obj, type);
	buf_release(&w.path);
	buf_release(&w.fields);
	return 0;
}

int
argo_schema_decode_error(const cJSON *obj, const char *kind, bool sorted, struct buf *msg)
{
	struct buf first = BUF_INIT;
	int n = argo_schema_run(obj, kind, sorted ? 1 : 0, NULL, NULL, &first);
	if (n > 0)
		buf_adds(msg, first.buf);
	buf_release(&first);
	return n < 0 ? -1 : n > 0;
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
