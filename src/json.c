/* SPDX-License-Identifier: Apache-2.0 */
/* json: helpers over cJSON. */
#include "json.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

cJSON *
json_parse(const char *s, size_t len, struct pd_err *e)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(s, len, &end, 0);
	if (!j) {
		size_t off = end && end >= s ? (size_t)(end - s) : 0;
		size_t line = 1, col = 1;
		for (size_t i = 0; i < off && i < len; i++) {
			if (s[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		err_set(e, PD_EINVALID, "%zu:%zu: invalid JSON", line, col);
		return NULL;
	}
	/* reject trailing garbage other than whitespace */
	for (; end && end < s + len; end++) {
		if (*end != ' ' && *end != '\n' && *end != '\r' &&
		    *end != '\t' && *end != '\0') {
			cJSON_Delete(j);
			err_set(e, PD_EINVALID, "invalid JSON: trailing data");
			return NULL;
		}
	}
	return j;
}

cJSON *
json_path(const cJSON *obj, const char *dotted)
{
	const cJSON *cur = obj;
	const char *p = dotted;
	while (cur && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (!cJSON_IsObject(cur)) {
			return NULL;
		}
		const cJSON *next = NULL;
		for (const cJSON *c = cur->child; c; c = c->next) {
			if (c->string && strlen(c->string) == n &&
			    memcmp(c->string, p, n) == 0) {
				next = c;
				break;
			}
		}
		cur = next;
		p = dot ? dot + 1 : p + n;
	}
	return (cJSON *)cur;
}

const char *
json_str(const cJSON *obj, const char *dotted)
{
	const cJSON *j = json_path(obj, dotted);
	return cJSON_IsString(j) ? j->valuestring : NULL;
}

double
json_num(const cJSON *obj, const char *dotted, double def)
{
	const cJSON *j = json_path(obj, dotted);
	return cJSON_IsNumber(j) ? j->valuedouble : def;
}

bool
json_bool(const cJSON *obj, const char *dotted, bool def)
{
	const cJSON *j = json_path(obj, dotted);
	if (cJSON_IsTrue(j)) {
		return true;
	}
	if (cJSON_IsFalse(j)) {
		return false;
	}
	return def;
}

cJSON *
json_obj_ensure(cJSON *obj, const char *key)
{
	cJSON *c = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (cJSON_IsObject(c)) {
		return c;
	}
	cJSON *n = cJSON_CreateObject();
	if (c) {
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, n);
	} else {
		cJSON_AddItemToObject(obj, key, n);
	}
	return n;
}

void
json_set_item(cJSON *obj, const char *key, cJSON *item)
{
	if (cJSON_GetObjectItemCaseSensitive(obj, key)) {
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item);
	} else {
		cJSON_AddItemToObject(obj, key, item);
	}
}

void
json_set_str(cJSON *obj, const char *key, const char *val)
{
	json_set_item(obj, key, cJSON_CreateString(val));
}

void
json_set_num(cJSON *obj, const char *key, double val)
{
	json_set_item(obj, key, cJSON_CreateNumber(val));
}

char *
json_print(const cJSON *item)
{
	char *s = cJSON_PrintUnformatted(item);
	if (!s) {
		return xstrdup("null");
	}
	return s;
}

int
json_write(struct buf *b, const cJSON *item)
{
	char *s = json_print(item);
	int r = buf_adds(b, s);
	free(s);
	return r;
}

bool
json_equal(const cJSON *a, const cJSON *b)
{
	return cJSON_Compare(a, b, 1) != 0;
}

static void
json_pretty_indent(struct buf *b, int depth)
{
	for (int i = 0; i < depth * 4; i++) {
		buf_addch(b, ' ');
	}
}

static void
json_pretty(struct buf *b, const cJSON *item, int depth)
{
	bool obj = cJSON_IsObject(item);
	if (!obj && !cJSON_IsArray(item)) {
		json_write(b, item);
		return;
	}
	if (!item->child) {
		buf_adds(b, obj ? "{}" : "[]");
		return;
	}
	buf_adds(b, obj ? "{\n" : "[\n");
	for (const cJSON *c = item->child; c; c = c->next) {
		json_pretty_indent(b, depth + 1);
		if (obj) {
			buf_addch(b, '"');
			buf_add_json_escaped(b, c->string);
			buf_adds(b, "\": ");
		}
		json_pretty(b, c, depth + 1);
		buf_adds(b, c->next ? ",\n" : "\n");
	}
	json_pretty_indent(b, depth);
	buf_addch(b, obj ? '}' : ']');
}

int
json_write_pretty(struct buf *b, const cJSON *item)
{
	json_pretty(b, item, 0);
	return buf_addch(b, '\n');
}

static size_t
json_skip_ws(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
			 s[i] == '\r')) {
		i++;
	}
	return i;
}

/* The end (one past) of the string whose opening quote is s[i], or 0
 * when it is cut short: the next quote not escaped by an odd run of
 * backslashes. */
static size_t
json_string_end(const char *s, size_t i, size_t n)
{
	for (i++; i < n;) {
		const char *q = memchr(s + i, '"', n - i);
		if (!q) {
			return 0;
		}
		size_t at = (size_t)(q - s);
		size_t bs = 0;
		while (at - bs > i && s[at - bs - 1] == '\\') {
			bs++;
		}
		if (bs % 2 == 0) {
			return at + 1;
		}
		i = at + 1;
	}
	return 0;
}

/* The end (one past) of the value starting at s[i], or 0 when it is
 * cut short. Only the structure is checked: cJSON validates the rest. */
static size_t
json_value_end(const char *s, size_t i, size_t n)
{
	if (i >= n) {
		return 0;
	}
	if (s[i] == '"') {
		return json_string_end(s, i, n);
	}
	if (s[i] == '{' || s[i] == '[') {
		size_t depth = 0;
		for (; i < n; i++) {
			char ch = s[i];
			if (ch == '"') {
				size_t e = json_string_end(s, i, n);
				if (!e) {
					return 0;
				}
				i = e - 1;
			} else if (ch == '{' || ch == '[') {
				depth++;
			} else if ((ch == '}' || ch == ']') && --depth == 0) {
				return i + 1;
			}
		}
		return 0;
	}
	size_t start = i;
	while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' &&
	       s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') {
		i++;
	}
	return i > start ? i : 0;
}

int
json_filter_items(const char *s, size_t len,
		  bool (*keep)(const char *item, size_t len, void *arg),
		  void *arg, struct buf *out)
{
	size_t i = json_skip_ws(s, 0, len);
	if (i >= len || s[i] != '{') {
		return -1;
	}
	i++;
	for (;;) {
		i = json_skip_ws(s, i, len);
		if (i >= len || s[i] != '"') {
			return -1;
		}
		size_t ke = json_value_end(s, i, len);
		if (!ke) {
			return -1;
		}
		bool items = ke - i == 7 && memcmp(s + i, "\"items\"", 7) == 0;
		i = json_skip_ws(s, ke, len);
		if (i >= len || s[i] != ':') {
			return -1;
		}
		i = json_skip_ws(s, i + 1, len);
		if (items && i < len && s[i] == '[') {
			break;
		}
		size_t ve = json_value_end(s, i, len);
		if (!ve) {
			return -1;
		}
		i = json_skip_ws(s, ve, len);
		if (i >= len || s[i] != ',') {
			return -1;
		}
		i++;
	}
	/* s[i] is the items' '[' */
	size_t mark = out->len;
	buf_add(out, s, i + 1);
	bool first = true;
	i = json_skip_ws(s, i + 1, len);
	while (i < len && s[i] != ']') {
		size_t e = json_value_end(s, i, len);
		if (!e) {
			buf_setlen(out, mark);
			return -1;
		}
		if (keep(s + i, e - i, arg)) {
			if (!first) {
				buf_addch(out, ',');
			}
			buf_add(out, s + i, e - i);
			first = false;
		}
		i = json_skip_ws(s, e, len);
		if (i < len && s[i] == ',') {
			i = json_skip_ws(s, i + 1, len);
			if (i < len && s[i] == ']') {
				buf_setlen(out, mark);
				return -1;
			}
		} else if (i >= len || s[i] != ']') {
			buf_setlen(out, mark);
			return -1;
		}
	}
	if (i >= len) {
		buf_setlen(out, mark);
		return -1;
	}
	buf_add(out, s + i, len - i);
	return 0;
}
