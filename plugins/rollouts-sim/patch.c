/* SPDX-License-Identifier: Apache-2.0 */
/*
 * patch: RFC 7386 merge patch, RFC 6902 JSON patch and Kubernetes strategic
 * merge patch over cJSON trees. Nothing from a patch is ever linked into the
 * document: values are deep-copied. JSON patch and strategic merge patch
 * work on a copy of the document that replaces it only on success.
 *
 * Strategic merge patch has no OpenAPI schema here; lists are classified by
 * field name (patch_smp_keys below). Element order follows apimachinery's
 * strategicpatch: elements named in the patch (or in $setElementOrder) take
 * the patch's order, elements only on the server keep theirs, and the two
 * are interleaved by server position (so a new element lands in front of the
 * server-only elements that follow it, as upstream).
 */
#include "patch.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define PATCH_REJECTED "the server rejected our request due to an error " \
	"in our request: "

/* ---- shared helpers ---------------------------------------------------- */

/* Deep copy without the member name the source had in its parent. */
static cJSON *
patch_dup(const cJSON *v)
{
	cJSON *d = cJSON_Duplicate(v, 1);
	if (d && d->string) {
		if (!(d->type & cJSON_StringIsConst)) {
			cJSON_free(d->string);
		}
		d->string = NULL;
		d->type &= ~cJSON_StringIsConst;
	}
	return d;
}

/* Set obj[key] = val (replacing in place, so member order is kept). */
static void
patch_obj_set(cJSON *obj, const char *key, cJSON *val)
{
	if (cJSON_GetObjectItemCaseSensitive(obj, key)) {
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, val);
	} else {
		cJSON_AddItemToObject(obj, key, val);
	}
}

static void
patch_clear(cJSON *container)
{
	while (container->child) {
		cJSON_Delete(cJSON_DetachItemViaPointer(container,
							container->child));
	}
}

/*
 * Insert item before index i (i <= size). Not cJSON_InsertItemInArray: the
 * Debian 1.7.15 build refuses every insertion before an existing element.
 */
static void
patch_array_insert(cJSON *arr, size_t i, cJSON *item)
{
	cJSON *at = arr->child;
	for (size_t k = 0; k < i && at; k++) {
		at = at->next;
	}
	cJSON_AddItemToArray(arr, item);
	while (at && at != item) {
		cJSON *next = at->next;
		cJSON_AddItemToArray(arr, cJSON_DetachItemViaPointer(arr, at));
		at = next;
	}
}

static bool
patch_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- RFC 7386 merge patch ---------------------------------------------- */

static void
patch_merge_obj(cJSON *obj, const cJSON *p)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, p) {
		if (!c->string) {
			continue;
		}
		cJSON *cur = cJSON_GetObjectItemCaseSensitive(obj, c->string);
		if (cJSON_IsNull(c)) {
			if (cur) {
				cJSON_Delete(cJSON_DetachItemViaPointer(obj, cur));
			}
		} else if (cJSON_IsObject(c)) {
			if (cJSON_IsObject(cur)) {
				patch_merge_obj(cur, c);
			} else {
				cJSON *n = cJSON_CreateObject();
				patch_merge_obj(n, c);
				patch_obj_set(obj, c->string, n);
			}
		} else {
			patch_obj_set(obj, c->string, patch_dup(c));
		}
	}
}

int
patch_merge(cJSON **doc, const cJSON *patch, struct pd_err *e)
{
	if (!doc || !patch) {
		return err_set(e, PD_EUSAGE, "error decoding patch: no patch");
	}
	if (!cJSON_IsObject(patch)) {
		cJSON *n = patch_dup(patch);
		cJSON_Delete(*doc);
		*doc = n;
		return 0;
	}
	if (!cJSON_IsObject(*doc)) {
		cJSON_Delete(*doc);
		*doc = cJSON_CreateObject();
	}
	patch_merge_obj(*doc, patch);
	return 0;
}

/* ---- RFC 6902 JSON patch ----------------------------------------------- */

enum patch_kind {
	PATCH_ADD,
	PATCH_REMOVE,
	PATCH_REPLACE,
	PATCH_MOVE,
	PATCH_COPY,
	PATCH_TEST,
};

struct patch_ptr {
	char **tok;
	size_t n;
};

struct patch_op {
	enum patch_kind kind;
	const char *name;
	const char *path_s, *from_s;
	struct patch_ptr path, from;
	const cJSON *value;
};

static void
patch_ptr_free(struct patch_ptr *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->tok[i]);
	}
	free(p->tok);
	p->tok = NULL;
	p->n = 0;
}

/* RFC 6901: "" or ("/" token)*, with ~0 and ~1 the only escapes. */
static int
patch_ptr_parse(const char *s, struct patch_ptr *p)
{
	p->tok = NULL;
	p->n = 0;
	if (*s == '\0') {
		return 0;
	}
	if (*s != '/') {
		return -1;
	}
	s++;
	for (;;) {
		const char *end = strchr(s, '/');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		char *t = xmalloc(len + 1);
		size_t k = 0;
		for (size_t i = 0; i < len; i++) {
			if (s[i] != '~') {
				t[k++] = s[i];
				continue;
			}
			if (i + 1 < len && (s[i + 1] == '0' || s[i + 1] == '1')) {
				t[k++] = s[i + 1] == '0' ? '~' : '/';
				i++;
				continue;
			}
			free(t);
			patch_ptr_free(p);
			return -1;
		}
		t[k] = '\0';
		p->tok = xrealloc(p->tok, (p->n + 1) * sizeof(*p->tok));
		p->tok[p->n++] = t;
		if (!end) {
			return 0;
		}
		s = end + 1;
	}
}

/* An array index: "0" or [1-9][0-9]* (no leading zeros, no sign). */
static int
patch_index(const char *t, size_t *out)
{
	size_t v = 0;
	if (!*t || (t[0] == '0' && t[1])) {
		return -1;
	}
	for (const char *c = t; *c; c++) {
		if (*c < '0' || *c > '9' || v > (SIZE_MAX - 9) / 10) {
			return -1;
		}
		v = v * 10 + (size_t)(*c - '0');
	}
	*out = v;
	return 0;
}

static cJSON *
patch_child(cJSON *cur, const char *t)
{
	if (cJSON_IsObject(cur)) {
		return cJSON_GetObjectItemCaseSensitive(cur, t);
	}
	if (cJSON_IsArray(cur)) {
		size_t i;
		if (patch_index(t, &i) < 0 ||
		    i >= (size_t)cJSON_GetArraySize(cur)) {
			return NULL;
		}
		return cJSON_GetArrayItem(cur, (int)i);
	}
	return NULL;
}

static cJSON *
patch_get(cJSON *root, const struct patch_ptr *p, size_t n)
{
	cJSON *cur = root;
	for (size_t i = 0; i < n && cur; i++) {
		cur = patch_child(cur, p->tok[i]);
	}
	return cur;
}

static int
patch_conflict(struct pd_err *e, const char *op, const char *why,
	       const char *path)
{
	return err_set(e, PD_ECONFLICT, PATCH_REJECTED
		       "%s operation does not apply: %s: %s", op, why,
		       *path ? path : "\"\"");
}

/* Insert val (owned) at p; on error val is freed. */
static int
patch_add_at(cJSON **root, const struct patch_ptr *p, cJSON *val,
	     const char *op, const char *path, struct pd_err *e)
{
	if (p->n == 0) {
		cJSON_Delete(*root);
		*root = val;
		return 0;
	}
	cJSON *parent = patch_get(*root, p, p->n - 1);
	const char *last = p->tok[p->n - 1];
	if (cJSON_IsObject(parent)) {
		patch_obj_set(parent, last, val);
		return 0;
	}
	if (cJSON_IsArray(parent)) {
		size_t size = (size_t)cJSON_GetArraySize(parent), i = size;
		if (strcmp(last, "-") != 0 && patch_index(last, &i) < 0) {
			cJSON_Delete(val);
			return patch_conflict(e, op, "invalid array index", path);
		}
		if (i > size) {
			cJSON_Delete(val);
			return patch_conflict(e, op, "index out of range", path);
		}
		patch_array_insert(parent, i, val);
		return 0;
	}
	cJSON_Delete(val);
	return patch_conflict(e, op, "doc is missing path", path);
}

static bool
patch_ptr_is_prefix(const struct patch_ptr *a, const struct patch_ptr *b)
{
	if (a->n > b->n) {
		return false;
	}
	for (size_t i = 0; i < a->n; i++) {
		if (strcmp(a->tok[i], b->tok[i]) != 0) {
			return false;
		}
	}
	return true;
}

static int
patch_apply_op(cJSON **root, const struct patch_op *op, struct pd_err *e)
{
	const struct patch_ptr *p = &op->path;
	cJSON *target, *parent;
	switch (op->kind) {
	case PATCH_ADD:
		return patch_add_at(root, p, patch_dup(op->value), op->name,
				    op->path_s, e);
	case PATCH_REMOVE:
		if (p->n == 0) {
			return patch_conflict(e, op->name, "cannot remove the "
					      "whole document", op->path_s);
		}
		parent = patch_get(*root, p, p->n - 1);
		target = parent ? patch_child(parent, p->tok[p->n - 1]) : NULL;
		if (!target) {
			return patch_conflict(e, op->name,
					      "doc is missing path", op->path_s);
		}
		cJSON_Delete(cJSON_DetachItemViaPointer(parent, target));
		return 0;
	case PATCH_REPLACE:
		target = patch_get(*root, p, p->n);
		if (!target) {
			return patch_conflict(e, op->name,
					      "doc is missing key", op->path_s);
		}
		if (p->n == 0) {
			cJSON_Delete(*root);
			*root = patch_dup(op->value);
			return 0;
		}
		parent = patch_get(*root, p, p->n - 1);
		if (cJSON_IsObject(parent)) {
			cJSON_ReplaceItemInObjectCaseSensitive(parent,
				p->tok[p->n - 1], patch_dup(op->value));
		} else {
			cJSON_ReplaceItemViaPointer(parent, target,
						    patch_dup(op->value));
		}
		return 0;
	case PATCH_MOVE:
		target = patch_get(*root, &op->from, op->from.n);
		if (!target) {
			return patch_conflict(e, op->name,
					      "doc is missing from path",
					      op->from_s);
		}
		if (patch_ptr_is_prefix(&op->from, p)) {
			if (op->from.n == p->n) {
				return 0; /* moved onto itself */
			}
			return err_set(e, PD_ECONFLICT, PATCH_REJECTED
				       "move operation does not apply: from %s "
				       "is a prefix of path %s", op->from_s,
				       op->path_s);
		}
		parent = patch_get(*root, &op->from, op->from.n - 1);
		target = cJSON_DetachItemViaPointer(parent, target);
		return patch_add_at(root, p, target, op->name, op->path_s, e);
	case PATCH_COPY:
		target = patch_get(*root, &op->from, op->from.n);
		if (!target) {
			return patch_conflict(e, op->name,
					      "doc is missing from path",
					      op->from_s);
		}
		return patch_add_at(root, p, patch_dup(target), op->name,
				    op->path_s, e);
	case PATCH_TEST:
		target = patch_get(*root, p, p->n);
		if (!target) {
			return patch_conflict(e, op->name,
					      "doc is missing path", op->path_s);
		}
		if (!cJSON_Compare(target, op->value, 1)) {
			return patch_conflict(e, op->name,
					      "value does not match", op->path_s);
		}
		return 0;
	}
	return 0;
}

static const cJSON *
patch_member(const cJSON *obj, const char *key, int *count)
{
	const cJSON *found = NULL, *c;
	*count = 0;
	cJSON_ArrayForEach(c, obj) {
		if (c->string && strcmp(c->string, key) == 0) {
			if (!found) {
				found = c;
			}
			(*count)++;
		}
	}
	return found;
}

static int
patch_decode_op(const cJSON *o, size_t i, struct patch_op *op,
		struct pd_err *e)
{
	static const char *const names[] = {
		"add", "remove", "replace", "move", "copy", "test",
	};
	static const char *const members[] = { "op", "path", "from", "value" };
	int count;
	if (!cJSON_IsObject(o)) {
		return err_set(e, PD_EUSAGE, "error decoding patch: operation "
			       "%zu is not an object", i);
	}
	for (size_t m = 0; m < sizeof(members) / sizeof(*members); m++) {
		patch_member(o, members[m], &count);
		if (count > 1) {
			return err_set(e, PD_EUSAGE, "error decoding patch: "
				       "operation %zu has more than one \"%s\"",
				       i, members[m]);
		}
	}
	const cJSON *name = patch_member(o, "op", &count);
	if (!cJSON_IsString(name)) {
		return err_set(e, PD_EUSAGE, "error decoding patch: operation "
			       "%zu: missing \"op\"", i);
	}
	size_t k;
	for (k = 0; k < sizeof(names) / sizeof(*names); k++) {
		if (strcmp(name->valuestring, names[k]) == 0) {
			break;
		}
	}
	if (k == sizeof(names) / sizeof(*names)) {
		return err_set(e, PD_EUSAGE, "error decoding patch: operation "
			       "%zu: unknown op \"%s\"", i, name->valuestring);
	}
	op->kind = (enum patch_kind)k;
	op->name = names[k];
	const cJSON *path = patch_member(o, "path", &count);
	if (!cJSON_IsString(path)) {
		return err_set(e, PD_EUSAGE, "error decoding patch: %s "
			       "operation %zu: missing \"path\"", op->name, i);
	}
	op->path_s = path->valuestring;
	if (patch_ptr_parse(op->path_s, &op->path) < 0) {
		return err_set(e, PD_EUSAGE, "error decoding patch: %s "
			       "operation %zu: invalid JSON pointer \"%s\"",
			       op->name, i, op->path_s);
	}
	if (op->kind == PATCH_MOVE || op->kind == PATCH_COPY) {
		const cJSON *from = patch_member(o, "from", &count);
		if (!cJSON_IsString(from)) {
			return err_set(e, PD_EUSAGE, "error decoding patch: %s "
				       "operation %zu: missing \"from\"",
				       op->name, i);
		}
		op->from_s = from->valuestring;
		if (patch_ptr_parse(op->from_s, &op->from) < 0) {
			return err_set(e, PD_EUSAGE, "error decoding patch: %s "
				       "operation %zu: invalid JSON pointer "
				       "\"%s\"", op->name, i, op->from_s);
		}
	}
	if (op->kind == PATCH_ADD || op->kind == PATCH_REPLACE ||
	    op->kind == PATCH_TEST) {
		op->value = patch_member(o, "value", &count);
		if (!op->value) {
			return err_set(e, PD_EUSAGE, "error decoding patch: %s "
				       "operation %zu: missing \"value\"",
				       op->name, i);
		}
	}
	return 0;
}

int
patch_json(cJSON **doc, const cJSON *ops, struct pd_err *e)
{
	if (!doc || !cJSON_IsArray(ops)) {
		return err_set(e, PD_EUSAGE, "error decoding patch: a JSON "
			       "patch must be an array of operations");
	}
	size_t n = (size_t)cJSON_GetArraySize(ops), i = 0;
	struct patch_op *list = xcalloc(n ? n : 1, sizeof(*list));
	int rc = 0;
	const cJSON *o;
	cJSON_ArrayForEach(o, ops) {
		rc = patch_decode_op(o, i, &list[i], e);
		if (rc < 0) {
			break;
		}
		i++;
	}
	cJSON *work = NULL;
	if (rc == 0) {
		work = *doc ? cJSON_Duplicate(*doc, 1) : NULL;
		for (i = 0; i < n && rc == 0; i++) {
			rc = patch_apply_op(&work, &list[i], e);
		}
	}
	for (i = 0; i < n; i++) {
		patch_ptr_free(&list[i].path);
		patch_ptr_free(&list[i].from);
	}
	free(list);
	if (rc < 0) {
		cJSON_Delete(work);
		return rc;
	}
	cJSON_Delete(*doc);
	*doc = work;
	return 0;
}

/* ---- strategic merge patch --------------------------------------------- */

#define PATCH_SMP_DELETED 1
#define PATCH_DIRECTIVE "$patch"
#define PATCH_RETAIN_KEYS "$retainKeys"
#define PATCH_DELETE_PRIM "$deleteFromPrimitiveList"
#define PATCH_SET_ORDER "$setElementOrder"

enum patch_smp_strategy {
	PATCH_SMP_REPLACE,
	PATCH_SMP_KEYED,
	PATCH_SMP_PRIMITIVE,
};

/* List fields merged by key (patchStrategy=merge, patchMergeKey=...). */
static const struct {
	const char *field;
	const char *key;
} patch_smp_keys[] = {
	{ "containers", "name" },
	{ "initContainers", "name" },
	{ "ephemeralContainers", "name" },
	{ "volumes", "name" },
	{ "env", "name" },
	{ "imagePullSecrets", "name" },
	{ "secrets", "name" },
	{ "resourceClaims", "name" },
	{ "schedulingGates", "name" },
	{ "volumeMounts", "mountPath" },
	{ "volumeDevices", "devicePath" },
	{ "ownerReferences", "uid" },
	{ "conditions", "type" },
	{ "hostAliases", "ip" },
	{ "podIPs", "ip" },
	{ "hostIPs", "ip" },
	{ "topologySpreadConstraints", "topologyKey" },
};

/* List fields of scalars merged as sets (patchStrategy=merge, no key). */
static const char *const patch_smp_sets[] = {
	"finalizers",
};

static bool
patch_smp_list_has(const cJSON *list, const char *member)
{
	const cJSON *el;
	cJSON_ArrayForEach(el, list) {
		if (cJSON_IsObject(el) &&
		    cJSON_GetObjectItemCaseSensitive(el, member)) {
			return true;
		}
	}
	return false;
}

static enum patch_smp_strategy
patch_smp_strategy(const char *field, const cJSON *plist, const cJSON *olist,
		   const char **mk)
{
	*mk = NULL;
	if (!field) {
		return PATCH_SMP_REPLACE;
	}
	if (strcmp(field, "ports") == 0) {
		/* container ports merge on containerPort, service ports on port */
		if (patch_smp_list_has(plist, "containerPort")) {
			*mk = "containerPort";
		} else if (patch_smp_list_has(plist, "port")) {
			*mk = "port";
		} else if (patch_smp_list_has(olist, "containerPort")) {
			*mk = "containerPort";
		} else {
			*mk = "port";
		}
		return PATCH_SMP_KEYED;
	}
	for (size_t i = 0; i < sizeof(patch_smp_keys) / sizeof(*patch_smp_keys);
	     i++) {
		if (strcmp(field, patch_smp_keys[i].field) == 0) {
			*mk = patch_smp_keys[i].key;
			return PATCH_SMP_KEYED;
		}
	}
	for (size_t i = 0; i < sizeof(patch_smp_sets) / sizeof(*patch_smp_sets);
	     i++) {
		if (strcmp(field, patch_smp_sets[i]) == 0) {
			return PATCH_SMP_PRIMITIVE;
		}
	}
	return PATCH_SMP_REPLACE;
}

static int patch_smp_map(cJSON *o, const cJSON *p, struct pd_err *e);
static int patch_smp_list(cJSON *o, const cJSON *p, const char *field,
			  struct pd_err *e);

/* The value a patch value becomes where the document has nothing to merge
 * it with: directives applied, nulls dropped. *out is NULL when the value
 * deletes itself ({"$patch": "delete"}). */
static int
patch_smp_fresh(const cJSON *v, const char *field, cJSON **out,
		struct pd_err *e)
{
	int rc;
	*out = NULL;
	if (cJSON_IsObject(v)) {
		cJSON *n = cJSON_CreateObject();
		rc = patch_smp_map(n, v, e);
		if (rc != 0) {
			cJSON_Delete(n);
			return rc < 0 ? rc : 0;
		}
		*out = n;
		return 0;
	}
	if (cJSON_IsArray(v)) {
		cJSON *n = cJSON_CreateArray();
		rc = patch_smp_list(n, v, field, e);
		if (rc < 0) {
			cJSON_Delete(n);
			return rc;
		}
		*out = n;
		return 0;
	}
	*out = patch_dup(v);
	return 0;
}

static int
patch_smp_no_key(const cJSON *el, const char *mk, struct pd_err *e)
{
	char *s = cJSON_PrintUnformatted(el);
	int rc = err_set(e, PD_EUSAGE, "map: %s does not contain declared "
			 "merge key: %s", s ? s : "?", mk);
	free(s);
	return rc;
}

static const cJSON *
patch_smp_keyof(const cJSON *item, const char *mk)
{
	if (!mk) {
		return item;
	}
	return cJSON_IsObject(item) ?
		cJSON_GetObjectItemCaseSensitive(item, mk) : NULL;
}

static long
patch_smp_index(const cJSON *keys, const cJSON *k)
{
	long i = 0;
	const cJSON *c;
	if (!k) {
		return -1;
	}
	cJSON_ArrayForEach(c, keys) {
		if (cJSON_Compare(c, k, 1)) {
			return i;
		}
		i++;
	}
	return -1;
}

/* Copies of the merge key values (or the items) of list. */
static cJSON *
patch_smp_keys_of(const cJSON *list, const char *mk)
{
	cJSON *keys = cJSON_CreateArray();
	const cJSON *c;
	cJSON_ArrayForEach(c, list) {
		const cJSON *k = patch_smp_keyof(c, mk);
		if (k) {
			cJSON_AddItemToArray(keys, patch_dup(k));
		}
	}
	return keys;
}

static cJSON **
patch_take_all(cJSON *arr, size_t *n)
{
	size_t cnt = (size_t)cJSON_GetArraySize(arr);
	cJSON **v = xmalloc((cnt ? cnt : 1) * sizeof(*v));
	for (size_t i = 0; i < cnt; i++) {
		v[i] = cJSON_DetachItemViaPointer(arr, arr->child);
	}
	*n = cnt;
	return v;
}

/* Stable insertion sort of v by rank (ranks move along). */
static void
patch_smp_sort(cJSON **v, long *rank, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		cJSON *cv = v[i];
		long cr = rank[i];
		size_t j = i;
		while (j > 0 && rank[j - 1] > cr) {
			v[j] = v[j - 1];
			rank[j] = rank[j - 1];
			j--;
		}
		v[j] = cv;
		rank[j] = cr;
	}
}

/*
 * apimachinery's normalizeElementOrder + mergeSortedSlice: items whose key
 * is in order go in that order, the others in server order, then the two
 * runs are interleaved: a server-only item goes first only when both it and
 * the next patch item are on the server and it was in front there. Items
 * without a merge key go last.
 */
static void
patch_smp_order(cJSON *list, const cJSON *order, const cJSON *server,
		const char *mk)
{
	size_t n;
	cJSON **all = patch_take_all(list, &n);
	size_t np = 0, ns = 0, nk = 0;
	cJSON **pat = xmalloc((n ? n : 1) * sizeof(*pat));
	cJSON **srv = xmalloc((n ? n : 1) * sizeof(*srv));
	cJSON **nok = xmalloc((n ? n : 1) * sizeof(*nok));
	long *prank = xmalloc((n ? n : 1) * sizeof(*prank));
	long *srank = xmalloc((n ? n : 1) * sizeof(*srank));
	for (size_t i = 0; i < n; i++) {
		const cJSON *k = patch_smp_keyof(all[i], mk);
		long oi = patch_smp_index(order, k);
		if (!k) {
			nok[nk++] = all[i];
		} else if (oi >= 0) {
			prank[np] = oi;
			pat[np++] = all[i];
		} else {
			long si = patch_smp_index(server, k);
			srank[ns] = si >= 0 ? si : (long)(n + i);
			srv[ns++] = all[i];
		}
	}
	patch_smp_sort(pat, prank, np);
	patch_smp_sort(srv, srank, ns);
	size_t i = 0, j = 0;
	while (i < ns || j < np) {
		bool left;
		if (j >= np) {
			left = true;
		} else if (i >= ns) {
			left = false;
		} else {
			long li = patch_smp_index(server,
						  patch_smp_keyof(srv[i], mk));
			long ri = patch_smp_index(server,
						  patch_smp_keyof(pat[j], mk));
			left = li >= 0 && ri >= 0 && li < ri;
		}
		cJSON_AddItemToArray(list, left ? srv[i++] : pat[j++]);
	}
	for (i = 0; i < nk; i++) {
		cJSON_AddItemToArray(list, nok[i]);
	}
	free(all);
	free(pat);
	free(srv);
	free(nok);
	free(prank);
	free(srank);
}

static void
patch_smp_delete_matching(cJSON *list, const cJSON *k, const char *mk)
{
	cJSON *c = list->child;
	while (c) {
		cJSON *next = c->next;
		const cJSON *ck = patch_smp_keyof(c, mk);
		if (ck && cJSON_Compare(ck, k, 1)) {
			cJSON_Delete(cJSON_DetachItemViaPointer(list, c));
		}
		c = next;
	}
}

/* An element carrying a list directive: "$patch" other than a "merge" on an
 * element that also has data. */
static bool
patch_smp_is_special(const cJSON *el)
{
	const cJSON *d = cJSON_IsObject(el) ?
		cJSON_GetObjectItemCaseSensitive(el, PATCH_DIRECTIVE) : NULL;
	if (!d) {
		return false;
	}
	if (cJSON_IsString(d) && strcmp(d->valuestring, "merge") == 0 &&
	    cJSON_GetArraySize(el) > 1) {
		return false;
	}
	return true;
}

/* Replace o's elements with fresh copies of p's (a list without merge
 * semantics, or "$patch": "replace"); directive-only elements vanish. */
static int
patch_smp_replace_list(cJSON *o, const cJSON *p, bool skip_special,
		       struct pd_err *e)
{
	const cJSON *el;
	patch_clear(o);
	cJSON_ArrayForEach(el, p) {
		const cJSON *d = cJSON_IsObject(el) ?
			cJSON_GetObjectItemCaseSensitive(el, PATCH_DIRECTIVE) :
			NULL;
		if (skip_special ? patch_smp_is_special(el) :
		    d && (cJSON_GetArraySize(el) == 1 ||
			  (cJSON_IsString(d) &&
			   strcmp(d->valuestring, "delete") == 0))) {
			continue;
		}
		cJSON *n;
		int rc = patch_smp_fresh(el, NULL, &n, e);
		if (rc < 0) {
			return rc;
		}
		if (n) {
			cJSON_AddItemToArray(o, n);
		}
	}
	return 0;
}

static int
patch_smp_keyed(cJSON *o, const cJSON *p, const char *mk, struct pd_err *e)
{
	cJSON *server = patch_smp_keys_of(o, mk);
	cJSON *order = cJSON_CreateArray();
	cJSON *nokey = cJSON_CreateArray();
	int rc = 0;
	const cJSON *el;
	cJSON_ArrayForEach(el, p) {
		if (patch_smp_is_special(el)) {
			continue;
		}
		const cJSON *kv = cJSON_GetObjectItemCaseSensitive(el, mk);
		cJSON *n;
		if (!kv) {
			rc = patch_smp_fresh(el, NULL, &n, e);
			if (rc < 0) {
				break;
			}
			if (n) {
				cJSON_AddItemToArray(nokey, n);
			}
			continue;
		}
		cJSON_AddItemToArray(order, patch_dup(kv));
		cJSON *found = NULL, *c;
		cJSON_ArrayForEach(c, o) {
			const cJSON *ck = patch_smp_keyof(c, mk);
			if (ck && cJSON_Compare(ck, kv, 1)) {
				found = c;
				break;
			}
		}
		if (found) {
			rc = patch_smp_map(found, el, e);
			if (rc < 0) {
				break;
			}
			rc = 0;
			continue;
		}
		rc = patch_smp_fresh(el, NULL, &n, e);
		if (rc < 0) {
			break;
		}
		if (n) {
			cJSON_AddItemToArray(o, n);
		}
	}
	if (rc == 0) {
		patch_smp_order(o, order, server, mk);
		while (nokey->child) {
			cJSON_AddItemToArray(o, cJSON_DetachItemViaPointer(
						     nokey, nokey->child));
		}
	}
	cJSON_Delete(server);
	cJSON_Delete(order);
	cJSON_Delete(nokey);
	return rc;
}

static void
patch_smp_primitive(cJSON *o, const cJSON *p)
{
	cJSON *server = patch_smp_keys_of(o, NULL);
	cJSON *order = cJSON_CreateArray();
	const cJSON *el;
	cJSON_ArrayForEach(el, p) {
		if (patch_smp_is_special(el)) {
			continue;
		}
		cJSON_AddItemToArray(order, patch_dup(el));
		if (patch_smp_index(o, el) < 0) {
			cJSON_AddItemToArray(o, patch_dup(el));
		}
	}
	/* deduplicate, keeping the first of each */
	for (cJSON *c = o->child; c; c = c->next) {
		cJSON *d = c->next;
		while (d) {
			cJSON *next = d->next;
			if (cJSON_Compare(c, d, 1)) {
				cJSON_Delete(cJSON_DetachItemViaPointer(o, d));
			}
			d = next;
		}
	}
	patch_smp_order(o, order, server, NULL);
	cJSON_Delete(server);
	cJSON_Delete(order);
}

static int
patch_smp_list(cJSON *o, const cJSON *p, const char *field, struct pd_err *e)
{
	const char *mk;
	enum patch_smp_strategy st = patch_smp_strategy(field, p, o, &mk);
	if (st == PATCH_SMP_REPLACE) {
		return patch_smp_replace_list(o, p, false, e);
	}
	bool replace = false;
	const cJSON *el;
	cJSON_ArrayForEach(el, p) {
		if (!patch_smp_is_special(el)) {
			continue;
		}
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(el,
							PATCH_DIRECTIVE);
		const char *ds = cJSON_IsString(d) ? d->valuestring : "";
		if (strcmp(ds, "replace") == 0) {
			replace = true;
		} else if (strcmp(ds, "delete") == 0) {
			const cJSON *kv = mk ?
				cJSON_GetObjectItemCaseSensitive(el, mk) : NULL;
			if (!kv) {
				return patch_smp_no_key(el, mk ? mk : "(none)",
							e);
			}
			patch_smp_delete_matching(o, kv, mk);
		} else if (strcmp(ds, "merge") != 0) {
			char *s = cJSON_PrintUnformatted(el);
			int rc = err_set(e, PD_EUSAGE, "unknown patch type: %s "
					 "in map: %s", ds, s ? s : "?");
			free(s);
			return rc;
		}
	}
	if (replace) {
		return patch_smp_replace_list(o, p, true, e);
	}
	/* what the elements are decides how they merge */
	bool all_obj = true, all_scalar = true;
	const cJSON *lists[2] = { o, p };
	for (size_t l = 0; l < 2; l++) {
		cJSON_ArrayForEach(el, lists[l]) {
			if (l == 1 && patch_smp_is_special(el)) {
				continue;
			}
			if (!cJSON_IsObject(el)) {
				all_obj = false;
			}
			if (cJSON_IsObject(el) || cJSON_IsArray(el)) {
				all_scalar = false;
			}
		}
	}
	if (st == PATCH_SMP_KEYED && all_obj) {
		return patch_smp_keyed(o, p, mk, e);
	}
	if (all_scalar) {
		patch_smp_primitive(o, p);
		return 0;
	}
	return patch_smp_replace_list(o, p, true, e);
}

/* $setElementOrder/<field>: merge the list (if patched), then order it. */
static int
patch_smp_set_order(cJSON *o, const cJSON *p, const cJSON *dir,
		    struct pd_err *e)
{
	const char *field = dir->string + strlen(PATCH_SET_ORDER "/");
	if (!cJSON_IsArray(dir)) {
		return err_set(e, PD_EUSAGE, "invalid patch format of "
			       "setElementOrder list");
	}
	const cJSON *plist = cJSON_GetObjectItemCaseSensitive(p, field);
	if (cJSON_IsNull(plist)) {
		return 0; /* the list is deleted */
	}
	if (plist && !cJSON_IsArray(plist)) {
		return err_set(e, PD_EUSAGE, "invalid patch format of "
			       "setElementOrder list: %s is not a list", field);
	}
	cJSON *olist = cJSON_GetObjectItemCaseSensitive(o, field);
	if (!plist && !cJSON_IsArray(olist)) {
		return 0; /* nothing to order */
	}
	if (olist && !cJSON_IsArray(olist)) {
		cJSON_Delete(cJSON_DetachItemViaPointer(o, olist));
		olist = NULL;
	}
	const char *mk;
	patch_smp_strategy(field, plist ? plist : dir, olist, &mk);
	cJSON *order = cJSON_CreateArray();
	const cJSON *el;
	cJSON_ArrayForEach(el, dir) {
		const cJSON *k = patch_smp_keyof(el, mk);
		if (!k) {
			cJSON_Delete(order);
			return patch_smp_no_key(el, mk, e);
		}
		cJSON_AddItemToArray(order, patch_dup(k));
	}
	cJSON *server = olist ? patch_smp_keys_of(olist, mk) :
		cJSON_CreateArray();
	if (!olist) {
		olist = cJSON_CreateArray();
		cJSON_AddItemToObject(o, field, olist);
	}
	int rc = 0;
	if (plist) {
		rc = patch_smp_list(olist, plist, field, e);
	}
	if (rc == 0) {
		patch_smp_order(olist, order, server, mk);
	}
	cJSON_Delete(order);
	cJSON_Delete(server);
	return rc;
}

/* Whether p's list at key was already merged by its $setElementOrder. */
static bool
patch_smp_ordered(const cJSON *p, const char *key)
{
	const cJSON *c;
	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(p, key))) {
		return false;
	}
	cJSON_ArrayForEach(c, p) {
		if (c->string && patch_has_prefix(c->string, PATCH_SET_ORDER "/") &&
		    strcmp(c->string + strlen(PATCH_SET_ORDER "/"), key) == 0 &&
		    cJSON_IsArray(c)) {
			return true;
		}
	}
	return false;
}

static bool
patch_smp_retained(const cJSON *list, const char *key)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, list) {
		if (cJSON_IsString(c) && strcmp(c->valuestring, key) == 0) {
			return true;
		}
	}
	return false;
}

static int
patch_smp_retain_keys(cJSON *o, const cJSON *p, const cJSON *rk,
		      struct pd_err *e)
{
	const cJSON *c;
	if (!cJSON_IsArray(rk)) {
		return err_set(e, PD_EUSAGE, "invalid patch format of "
			       "retainKeys");
	}
	cJSON_ArrayForEach(c, p) {
		if (!c->string || cJSON_IsNull(c) ||
		    strcmp(c->string, PATCH_DIRECTIVE) == 0 ||
		    strcmp(c->string, PATCH_RETAIN_KEYS) == 0 ||
		    patch_has_prefix(c->string, PATCH_DELETE_PRIM) ||
		    patch_has_prefix(c->string, PATCH_SET_ORDER)) {
			continue;
		}
		if (!patch_smp_retained(rk, c->string)) {
			return err_set(e, PD_EUSAGE, "patch content doesn't "
				       "match retainKeys list: %s", c->string);
		}
	}
	cJSON *m = o->child;
	while (m) {
		cJSON *next = m->next;
		if (!m->string || !patch_smp_retained(rk, m->string)) {
			cJSON_Delete(cJSON_DetachItemViaPointer(o, m));
		}
		m = next;
	}
	return 0;
}

static int
patch_smp_delete_from(cJSON *o, const cJSON *c, struct pd_err *e)
{
	const char *key = c->string + strlen(PATCH_DELETE_PRIM);
	if (*key != '/' || !cJSON_IsArray(c)) {
		return err_set(e, PD_EUSAGE, "invalid patch format of "
			       "primitive list");
	}
	cJSON *cur = cJSON_GetObjectItemCaseSensitive(o, key + 1);
	if (!cJSON_IsArray(cur)) {
		return 0;
	}
	const cJSON *d;
	cJSON_ArrayForEach(d, c) {
		patch_smp_delete_matching(cur, d, NULL);
	}
	return 0;
}

/* Merge object p into object o. Returns 0, PATCH_SMP_DELETED when p is
 * {"$patch": "delete"} (o is then empty), or a negative error. */
static int
patch_smp_map(cJSON *o, const cJSON *p, struct pd_err *e)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(p, PATCH_DIRECTIVE);
	int rc;
	if (d) {
		const char *ds = cJSON_IsString(d) ? d->valuestring : "";
		if (strcmp(ds, "delete") == 0) {
			patch_clear(o);
			return PATCH_SMP_DELETED;
		} else if (strcmp(ds, "replace") == 0) {
			patch_clear(o);
		} else if (strcmp(ds, "merge") != 0) {
			char *s = cJSON_PrintUnformatted(p);
			rc = err_set(e, PD_EUSAGE, "unknown patch type: %s in "
				     "map: %s", ds, s ? s : "?");
			free(s);
			return rc;
		}
	}
	const cJSON *rk = cJSON_GetObjectItemCaseSensitive(p, PATCH_RETAIN_KEYS);
	if (rk) {
		rc = patch_smp_retain_keys(o, p, rk, e);
		if (rc < 0) {
			return rc;
		}
	}
	const cJSON *c;
	cJSON_ArrayForEach(c, p) {
		if (!c->string || !patch_has_prefix(c->string, PATCH_SET_ORDER)) {
			continue;
		}
		if (!patch_has_prefix(c->string, PATCH_SET_ORDER "/")) {
			return err_set(e, PD_EUSAGE, "invalid patch format of "
				       "setElementOrder list");
		}
		rc = patch_smp_set_order(o, p, c, e);
		if (rc < 0) {
			return rc;
		}
	}
	cJSON_ArrayForEach(c, p) {
		const char *k = c->string;
		if (!k || strcmp(k, PATCH_DIRECTIVE) == 0 ||
		    strcmp(k, PATCH_RETAIN_KEYS) == 0 ||
		    patch_has_prefix(k, PATCH_SET_ORDER)) {
			continue;
		}
		if (patch_has_prefix(k, PATCH_DELETE_PRIM)) {
			rc = patch_smp_delete_from(o, c, e);
			if (rc < 0) {
				return rc;
			}
			continue;
		}
		if (patch_smp_ordered(p, k)) {
			continue;
		}
		cJSON *cur = cJSON_GetObjectItemCaseSensitive(o, k);
		if (cJSON_IsNull(c)) {
			if (cur) {
				cJSON_Delete(cJSON_DetachItemViaPointer(o, cur));
			}
			continue;
		}
		if (cJSON_IsObject(c) && cJSON_IsObject(cur)) {
			rc = patch_smp_map(cur, c, e);
			if (rc < 0) {
				return rc;
			}
			continue;
		}
		if (cJSON_IsArray(c) && cJSON_IsArray(cur)) {
			rc = patch_smp_list(cur, c, k, e);
			if (rc < 0) {
				return rc;
			}
			continue;
		}
		cJSON *n;
		rc = patch_smp_fresh(c, k, &n, e);
		if (rc < 0) {
			return rc;
		}
		if (n) {
			patch_obj_set(o, k, n);
		} else if (cur) {
			cJSON_Delete(cJSON_DetachItemViaPointer(o, cur));
		}
	}
	return 0;
}

int
patch_strategic(cJSON **doc, const cJSON *patch, struct pd_err *e)
{
	if (!doc || !cJSON_IsObject(patch)) {
		return err_set(e, PD_EUSAGE, "error decoding patch: a "
			       "strategic merge patch must be a JSON object");
	}
	cJSON *work = cJSON_IsObject(*doc) ? cJSON_Duplicate(*doc, 1) :
		cJSON_CreateObject();
	int rc = patch_smp_map(work, patch, e);
	if (rc < 0) {
		cJSON_Delete(work);
		return rc;
	}
	cJSON_Delete(*doc);
	*doc = work;
	return 0;
}
