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
