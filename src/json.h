/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json: small helpers over cJSON. Getters borrow from the tree they are given
 * (valid while the tree lives); json_path() walks "a.b.c" keys. Functions
 * returning char * return a malloc()ed string the caller frees. Whoever calls
 * json_parse() owns the tree and frees it with cJSON_Delete().
 */
#ifndef PD_JSON_H
#define PD_JSON_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"

/* Parse len bytes; NULL with e filled ("line:col: message") on error. */
cJSON *json_parse(const char *s, size_t len, struct pd_err *e);
/* Borrowed child by dotted path ("metadata.name"); NULL when absent. */
cJSON *json_path(const cJSON *obj, const char *dotted);
/* Borrowed string at path, or NULL when absent or not a string. */
const char *json_str(const cJSON *obj, const char *dotted);
/* Number at path, or def when absent or not a number. */
double json_num(const cJSON *obj, const char *dotted, double def);
/* Boolean at path, or def. */
bool json_bool(const cJSON *obj, const char *dotted, bool def);
/* Get or create the object at key (replacing a non-object). Borrowed. */
cJSON *json_obj_ensure(cJSON *obj, const char *key);
/* Set key to a string / number / item (item ownership moves to obj). */
void json_set_str(cJSON *obj, const char *key, const char *val);
void json_set_num(cJSON *obj, const char *key, double val);
void json_set_item(cJSON *obj, const char *key, cJSON *item);
/* Compact serialisation appended to b (no trailing newline). 0 or -1. */
int json_write(struct buf *b, const cJSON *item);
/* Indented serialisation as kubectl prints -o json (4 spaces, "key": value,
 * empty objects and arrays as {} and []), with a final newline. */
int json_write_pretty(struct buf *b, const cJSON *item);
/* Compact serialisation as a malloc()ed string. */
char *json_print(const cJSON *item);
/* Deep equality (object key order ignored). */
bool json_equal(const cJSON *a, const cJSON *b);
/*
 * A list response's text (an object with an "items" array at its top
 * level) copied into out with only the items keep() accepts; keep() sees
 * each item's text, unparsed, so a caller can drop what it would throw
 * away after parsing without paying for the parse. 0, or -1 when the text
 * is not such an object (out is then unchanged: parse the original).
 */
int json_filter_items(const char *s, size_t len,
		      bool (*keep)(const char *item, size_t len, void *arg),
		      void *arg, struct buf *out);

#endif
