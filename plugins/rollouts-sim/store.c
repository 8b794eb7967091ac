/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store: rollouts-sim's objects, one hash table per resource type keyed by
 * "namespace/name", the global resourceVersion counter (etcd's revision:
 * every write takes the next integer) and a bounded ring of events that
 * watches replay. Everything here runs with sim_lock held.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sim.h"
#include "xalloc.h"

pthread_mutex_t sim_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t sim_cond = PTHREAD_COND_INITIALIZER;
volatile int sim_stopping;

struct store_map {
	struct sim_obj **slots;
	size_t cap;  /* power of two, or 0 */
	size_t n;
};

static struct store_map store_maps[256];
static uint64_t store_counter;
static uint64_t store_floor_rv;
static struct sim_event *store_ring;
static size_t store_ring_cap;
static size_t store_seq_first; /* sequence number of the oldest event */
static size_t store_seq_next;  /* sequence number of the next event */

void
store_init(size_t history)
{
	store_ring_cap = history ? history : 1;
	store_ring = xcalloc(store_ring_cap, sizeof(*store_ring));
}

uint64_t
store_rv(void)
{
	return store_counter;
}

uint64_t
store_floor(void)
{
	return store_floor_rv;
}

static uint64_t
store_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static size_t
store_find_slot(const struct store_map *m, const char *key)
{
	size_t i = (size_t)store_hash(key) & (m->cap - 1);
	while (m->slots[i] && strcmp(m->slots[i]->key, key) != 0) {
		i = (i + 1) & (m->cap - 1);
	}
	return i;
}

static void
store_map_grow(struct store_map *m)
{
	size_t oldcap = m->cap;
	struct sim_obj **old = m->slots;
	m->cap = oldcap ? oldcap * 2 : 64;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	for (size_t i = 0; i < oldcap; i++) {
		if (old[i]) {
			m->slots[store_find_slot(m, old[i]->key)] = old[i];
		}
	}
	free(old);
}

static char *
store_key(const char *ns, const char *name)
{
	return xasprintf("%s/%s", ns ? ns : "", name);
}

struct sim_obj *
store_get(struct sim_resource *r, const char *ns, const char *name)
{
	struct store_map *m = &store_maps[r->idx];
	if (!m->cap) {
		return NULL;
	}
	char *key = store_key(r->namespaced ? ns : NULL, name);
	struct sim_obj *o = m->slots[store_find_slot(m, key)];
	free(key);
	return o;
}

static int
store_cmp(const void *a, const void *b)
{
	const struct sim_obj *x = *(struct sim_obj *const *)a;
	const struct sim_obj *y = *(struct sim_obj *const *)b;
	return strcmp(x->key, y->key);
}

struct sim_obj **
store_list(struct sim_resource *r, const char *ns, size_t *n)
{
	struct store_map *m = &store_maps[r->idx];
	struct sim_obj **out = xmalloc((m->n + 1) * sizeof(*out));
	size_t k = 0;
	for (size_t i = 0; i < m->cap; i++) {
		struct sim_obj *o = m->slots[i];
		if (o && (!ns || !r->namespaced || strcmp(o->ns, ns) == 0)) {
			out[k++] = o;
		}
	}
	qsort(out, k, sizeof(*out), store_cmp);
	*n = k;
	return out;
}

size_t
store_total(void)
{
	size_t t = 0;
	for (int i = 0; i < registry_count(); i++) {
		t += store_maps[i].n;
	}
	return t;
}

char *
store_serialise(const cJSON *obj, size_t *body_off)
{
	struct buf b = BUF_INIT;
	const char *av = json_str(obj, "apiVersion");
	const char *kind = json_str(obj, "kind");
	buf_adds(&b, "{\"apiVersion\":\"");
	buf_add_json_escaped(&b, av ? av : "");
	buf_adds(&b, "\",\"kind\":\"");
	buf_add_json_escaped(&b, kind ? kind : "");
	buf_addch(&b, '"');
	if (body_off) {
		*body_off = b.len;
	}
	for (const cJSON *c = obj->child; c; c = c->next) {
		if (strcmp(c->string, "apiVersion") == 0 ||
		    strcmp(c->string, "kind") == 0) {
			continue;
		}
		buf_adds(&b, ",\"");
		buf_add_json_escaped(&b, c->string);
		buf_adds(&b, "\":");
		json_write(&b, c);
	}
	buf_addch(&b, '}');
	return buf_detach(&b, NULL);
}

static void
store_event_release(struct sim_event *ev)
{
	free(ev->ns);
	free(ev->name);
	free(ev->text);
	cJSON_Delete(ev->labels);
	cJSON_Delete(ev->old_labels);
	memset(ev, 0, sizeof(*ev));
}

static void
store_record(enum sim_event_type type, struct sim_obj *o,
	     const cJSON *old_labels)
{
	if (store_seq_next - store_seq_first == store_ring_cap) {
		struct sim_event *old =
			&store_ring[store_seq_first % store_ring_cap];
		store_floor_rv = old->rv;
		store_event_release(old);
		store_seq_first++;
	}
	struct sim_event *ev = &store_ring[store_seq_next % store_ring_cap];
	ev->rv = o->rv;
	ev->type = type;
	ev->res = o->res;
	ev->ns = xstrdup(o->ns);
	ev->name = xstrdup(o->name);
	ev->text = xstrdup(o->text);
	const cJSON *labels = json_path(o->json, "metadata.labels");
	ev->labels = labels ? cJSON_Duplicate(labels, 1) : NULL;
	ev->old_labels = old_labels ? cJSON_Duplicate(old_labels, 1) : NULL;
	store_seq_next++;
	pthread_cond_broadcast(&sim_cond);
}

static void
store_obj_free(struct sim_obj *o)
{
	if (!o) {
		return;
	}
	free(o->key);
	free(o->ns);
	free(o->name);
	cJSON_Delete(o->json);
	free(o->text);
	free(o);
}

static uint64_t
store_parse_rv(const char *s)
{
	if (!s || !*s) {
		return 0;
	}
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	return *end ? 0 : (uint64_t)v;
}

struct sim_obj *
store_put(struct sim_resource *r, cJSON *obj, bool keep_rv, bool quiet)
{
	cJSON *md = json_obj_ensure(obj, "metadata");
	const char *ns = r->namespaced ? json_str(md, "namespace") : NULL;
	const char *name = json_str(md, "name");
	struct store_map *m = &store_maps[r->idx];
	if ((m->n + 1) * 4 > m->cap * 3) {
		store_map_grow(m);
	}
	struct sim_obj *o = xcalloc(1, sizeof(*o));
	o->res = r;
	o->ns = xstrdup(ns ? ns : "");
	o->name = xstrdup(name ? name : "");
	o->key = store_key(o->ns, o->name);
	o->json = obj;

	uint64_t given = keep_rv ? store_parse_rv(json_str(md,
						"resourceVersion")) : 0;
	if (keep_rv && json_str(md, "resourceVersion")) {
		if (given > store_counter) {
			store_counter = given;
		}
		o->rv = given;
	} else {
		o->rv = ++store_counter;
		char rvs[24];
		snprintf(rvs, sizeof(rvs), "%llu",
			 (unsigned long long)o->rv);
		json_set_str(md, "resourceVersion", rvs);
	}
	o->text = store_serialise(obj, &o->body_off);

	size_t slot = store_find_slot(m, o->key);
	struct sim_obj *old = m->slots[slot];
	m->slots[slot] = o;
	if (!old) {
		m->n++;
	}
	if (quiet) {
		store_floor_rv = store_counter;
	} else {
		const cJSON *ol = old ? json_path(old->json, "metadata.labels")
				      : NULL;
		store_record(old ? SIM_MODIFIED : SIM_ADDED, o, ol);
	}
	store_obj_free(old);
	return o;
}

void
store_delete(struct sim_obj *o)
{
	struct store_map *m = &store_maps[o->res->idx];
	size_t i = store_find_slot(m, o->key);
	if (m->slots[i] != o) {
		return;
	}
	/* backward-shift deletion keeps linear probing chains intact */
	m->slots[i] = NULL;
	m->n--;
	size_t j = i;
	for (;;) {
		j = (j + 1) & (m->cap - 1);
		struct sim_obj *x = m->slots[j];
		if (!x) {
			break;
		}
		size_t home = (size_t)store_hash(x->key) & (m->cap - 1);
		bool move = i <= j ? (home <= i || home > j)
				   : (home <= i && home > j);
		if (move) {
			m->slots[i] = x;
			m->slots[j] = NULL;
			i = j;
		}
	}
	o->rv = ++store_counter;
	char rvs[24];
	snprintf(rvs, sizeof(rvs), "%llu", (unsigned long long)o->rv);
	json_set_str(json_obj_ensure(o->json, "metadata"), "resourceVersion",
		     rvs);
	free(o->text);
	o->text = store_serialise(o->json, &o->body_off);
	store_record(SIM_DELETED, o, NULL);
	store_obj_free(o);
}

bool
store_namespace_exists(const char *ns)
{
	struct sim_resource *r = registry_find("", "v1", "namespaces");
	return store_get(r, NULL, ns) != NULL;
}

void
store_ensure_namespace(const char *ns)
{
	if (!ns || !*ns || store_namespace_exists(ns)) {
		return;
	}
	struct sim_resource *r = registry_find("", "v1", "namespaces");
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "apiVersion", "v1");
	cJSON_AddStringToObject(o, "kind", "Namespace");
	cJSON *md = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(md, "name", ns);
	cJSON *labels = cJSON_AddObjectToObject(md, "labels");
	cJSON_AddStringToObject(labels, "kubernetes.io/metadata.name", ns);
	fixtures_fill_meta(o, r, NULL);
	cJSON *spec = cJSON_AddObjectToObject(o, "spec");
	const char *fin[] = { "kubernetes" };
	cJSON_AddItemToObject(spec, "finalizers",
			      cJSON_CreateStringArray(fin, 1));
	cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "status"), "phase",
				"Active");
	store_put(r, o, false, true);
}

size_t
store_events_since(uint64_t after, size_t *first)
{
	/* binary search the ring for the first event with rv > after */
	size_t lo = store_seq_first, hi = store_seq_next;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (store_ring[mid % store_ring_cap].rv <= after) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	*first = lo;
	return store_seq_next - lo;
}

const struct sim_event *
store_event_at(size_t idx)
{
	if (idx < store_seq_first || idx >= store_seq_next) {
		return NULL;
	}
	return &store_ring[idx % store_ring_cap];
}

size_t
store_seq_end(void)
{
	return store_seq_next;
}

size_t
store_seq_begin(void)
{
	return store_seq_first;
}

bool
store_owned_by(const cJSON *obj, const char *uid)
{
	const cJSON *refs = json_path(obj, "metadata.ownerReferences");
	for (const cJSON *r = refs ? refs->child : NULL; uid && r;
	     r = r->next) {
		const char *u = json_str(r, "uid");
		if (u && strcmp(u, uid) == 0) {
			return true;
		}
	}
	return false;
}
