/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dash-store: the dashboard's computed views (see dash.h). Entries are
 * kept sorted by namespace, then name (the informers' order), each with
 * its row, its view and the sequence number of its last change; a rollout
 * that goes leaves a tombstone so streams can say so. Only the last
 * DASH_STORE_TOMBS tombstones are kept: a stream older than the oldest
 * one dropped gets a whole snapshot instead of the changes. Memory is thus
 * bounded by the number of rollouts, whatever the number of events.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dash.h"
#include "json.h"
#include "render.h"
#include "rollout.h"
#include "xalloc.h"

enum { DASH_STORE_TOMBS = 64 };

struct dash_entry {
	char *ns, *name;
	char *row;    /* compact JSON; NULL for a tombstone */
	char *info;
	unsigned long long seq;
};

struct dash_store {
	pthread_mutex_t mu;
	struct dash_entry *v;
	size_t n, cap;
	size_t tombs;
	unsigned long long seq;
	unsigned long long floor;   /* tombstones up to here were dropped */
	unsigned long long events;
	bool connected;
	unsigned long long conn_seq;
};

struct dash_store *
dash_store_new(void)
{
	struct dash_store *s = xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	s->connected = true;
	return s;
}

static void
dash_store_entry_release(struct dash_entry *en)
{
	free(en->ns);
	free(en->name);
	free(en->row);
	free(en->info);
}

void
dash_store_free(struct dash_store *s)
{
	if (!s) {
		return;
	}
	for (size_t i = 0; i < s->n; i++) {
		dash_store_entry_release(&s->v[i]);
	}
	free(s->v);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* The latest values of an AnalysisRun's metrics, by name among runs. */
static cJSON *
dash_store_metrics(const cJSON *runs, const char *name)
{
	cJSON *out = cJSON_CreateArray();
	const cJSON *run = NULL;
	for (const cJSON *it = runs ? runs->child : NULL; it; it = it->next) {
		const char *n = json_str(it, "metadata.name");
		if (n && strcmp(n, name) == 0) {
			run = it;
			break;
		}
	}
	const cJSON *res = json_path(run, "status.metricResults");
	for (const cJSON *m = res ? res->child : NULL; m; m = m->next) {
		cJSON *o = cJSON_CreateObject();
		const char *v = NULL;
		const cJSON *ms = cJSON_GetObjectItem(m, "measurements");
		int nm = cJSON_GetArraySize(ms);
		if (nm > 0) {
			v = json_str(cJSON_GetArrayItem(ms, nm - 1), "value");
		}
		cJSON_AddStringToObject(o, "name", json_str(m, "name") ?
					json_str(m, "name") : "");
		cJSON_AddStringToObject(o, "phase", json_str(m, "phase") ?
					json_str(m, "phase") : "");
		if (v) {
			cJSON_AddStringToObject(o, "value", v);
		} else {
			cJSON_AddNullToObject(o, "value");
		}
		cJSON_AddNumberToObject(o, "count", json_num(m, "count", 0));
		cJSON_AddItemToArray(out, o);
	}
	return out;
}

/* Add "metrics" to every AnalysisRun of arr (revisions' and
 * experiments'). */
static void
dash_store_add_metrics(cJSON *arr, const cJSON *runs)
{
	for (cJSON *ar = arr ? arr->child : NULL; ar; ar = ar->next) {
		const char *n = json_str(ar, "name");
		cJSON_AddItemToObject(ar, "metrics",
				      dash_store_metrics(runs, n ? n : ""));
	}
}

/* The view of one rollout: `get rollout -o json` plus what the page
 * shows besides (steps, the current index, pause and abort, the metrics'
 * latest values); *row gets the same without the revisions. */
static char *
dash_store_view(const cJSON *ro, const struct ro_objects *objs,
		long long now, char **row)
{
	struct ro_objects o = *objs;
	o.rollout = ro;
	struct ro_info *ri = rollout_info_new(&o, (time_t)now);
	if (!ri) {
		*row = NULL;
		return NULL;
	}
	cJSON *j = render_rollout_json(ri);
	rollout_info_free(ri);
	const cJSON *idx = json_path(ro, "status.currentStepIndex");
	if (cJSON_IsNumber(idx)) {
		cJSON_AddNumberToObject(j, "currentStepIndex", idx->valuedouble);
	} else {
		cJSON_AddNullToObject(j, "currentStepIndex");
	}
	const cJSON *pcs = json_path(ro, "status.pauseConditions");
	cJSON_AddBoolToObject(j, "paused", json_bool(ro, "spec.paused", false) ||
			      cJSON_GetArraySize(pcs) > 0);
	cJSON_AddBoolToObject(j, "aborted", json_bool(ro, "status.abort",
						      false));
	cJSON *row_j = cJSON_Duplicate(j, 1);
	cJSON_DeleteItemFromObject(row_j, "revisions");
	*row = json_print(row_j);
	cJSON_Delete(row_j);
	const cJSON *steps = json_path(ro, "spec.strategy.canary.steps");
	cJSON_AddItemToObject(j, "steps", steps ? cJSON_Duplicate(steps, 1)
			      : cJSON_CreateArray());
	cJSON *revs = cJSON_GetObjectItem(j, "revisions");
	for (cJSON *r = revs ? revs->child : NULL; r; r = r->next) {
		dash_store_add_metrics(cJSON_GetObjectItem(r, "analysisRuns"),
				       objs->analysisruns);
		cJSON *exps = cJSON_GetObjectItem(r, "experiments");
		for (cJSON *x = exps ? exps->child : NULL; x; x = x->next) {
			dash_store_add_metrics(cJSON_GetObjectItem(x,
				"analysisRuns"), objs->analysisruns);
		}
	}
	char *s = json_print(j);
	cJSON_Delete(j);
	return s;
}

static int
dash_store_cmp(const char *ns1, const char *n1, const char *ns2,
	       const char *n2)
{
	int c = strcmp(ns1, ns2);
	return c ? c : strcmp(n1, n2);
}

static int
dash_store_entry_cmp(const void *a, const void *b)
{
	const struct dash_entry *x = a, *y = b;
	return dash_store_cmp(x->ns, x->name, y->ns, y->name);
}

static bool
dash_store_str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Drop the oldest tombstones beyond DASH_STORE_TOMBS (under the lock). */
static void
dash_store_prune(struct dash_store *s)
{
	while (s->tombs > DASH_STORE_TOMBS) {
		size_t old = s->n;
		for (size_t i = 0; i < s->n; i++) {
			if (!s->v[i].row && (old == s->n ||
			    s->v[i].seq < s->v[old].seq)) {
				old = i;
			}
		}
		if (s->v[old].seq > s->floor) {
			s->floor = s->v[old].seq;
		}
		dash_store_entry_release(&s->v[old]);
		memmove(&s->v[old], &s->v[old + 1],
			(s->n - old - 1) * sizeof(*s->v));
		s->n--;
		s->tombs--;
	}
}

size_t
dash_store_publish(struct dash_store *s, const cJSON *rollouts,
		   const cJSON *replicasets, const cJSON *pods,
		   const cJSON *analysisruns, const cJSON *experiments,
		   long long now)
{
	struct ro_objects objs = {
		.replicasets = replicasets,
		.pods = pods,
		.analysisruns = analysisruns,
		.experiments = experiments,
	};
	/* the new entries, computed outside the lock */
	size_t nn = (size_t)cJSON_GetArraySize(rollouts), k = 0;
	struct dash_entry *nv = xcalloc(nn ? nn : 1, sizeof(*nv));
	for (const cJSON *ro = rollouts ? rollouts->child : NULL; ro;
	     ro = ro->next) {
		const char *ns = json_str(ro, "metadata.namespace");
		const char *name = json_str(ro, "metadata.name");
		if (!name) {
			continue;
		}
		struct dash_entry *en = &nv[k];
		en->info = dash_store_view(ro, &objs, now, &en->row);
		if (!en->info) {
			continue;
		}
		en->ns = xstrdup(ns ? ns : "");
		en->name = xstrdup(name);
		k++;
	}
	nn = k;
	/* the informers keep this order already; sorting makes the merge
	 * and the binary search independent of it */
	qsort(nv, nn, sizeof(*nv), dash_store_entry_cmp);
	/* merge the sorted lists: old entries i, new ones j */
	pthread_mutex_lock(&s->mu);
	size_t changed = 0, cap = s->n + nn, m = 0, i = 0, j = 0;
	struct dash_entry *mv = xcalloc(cap ? cap : 1, sizeof(*mv));
	while (i < s->n || j < nn) {
		int c;
		if (i == s->n) {
			c = 1;
		} else if (j == nn) {
			c = -1;
		} else {
			c = dash_store_cmp(s->v[i].ns, s->v[i].name, nv[j].ns,
					   nv[j].name);
		}
		if (c < 0) {
			/* gone (or already a tombstone) */
			struct dash_entry *en = &s->v[i++];
			if (en->row) {
				free(en->row);
				free(en->info);
				en->row = en->info = NULL;
				en->seq = ++s->seq;
				s->tombs++;
				changed++;
			}
			mv[m++] = *en;
		} else if (c > 0) {
			nv[j].seq = ++s->seq;
			changed++;
			mv[m++] = nv[j++];
		} else {
			struct dash_entry *en = &s->v[i++];
			struct dash_entry *ne = &nv[j++];
			if (!en->row) {
				s->tombs--;
			}
			if (dash_store_str_eq(en->row, ne->row) &&
			    dash_store_str_eq(en->info, ne->info)) {
				dash_store_entry_release(ne);
				mv[m++] = *en;
				continue;
			}
			ne->seq = ++s->seq;
			changed++;
			dash_store_entry_release(en);
			mv[m++] = *ne;
		}
	}
	free(s->v);
	free(nv);
	s->v = mv;
	s->n = m;
	s->cap = cap;
	s->events += changed;
	dash_store_prune(s);
	pthread_mutex_unlock(&s->mu);
	return changed;
}

void
dash_store_set_connected(struct dash_store *s, bool connected)
{
	pthread_mutex_lock(&s->mu);
	if (s->connected != connected) {
		s->connected = connected;
		s->conn_seq = ++s->seq;
	}
	pthread_mutex_unlock(&s->mu);
}

unsigned long long
dash_store_events(struct dash_store *s)
{
	pthread_mutex_lock(&s->mu);
	unsigned long long n = s->events;
	pthread_mutex_unlock(&s->mu);
	return n;
}

unsigned long long
dash_store_seq(struct dash_store *s)
{
	pthread_mutex_lock(&s->mu);
	unsigned long long n = s->seq;
	pthread_mutex_unlock(&s->mu);
	return n;
}

/* Rows of ns (NULL: all) as a JSON array body (under the lock). */
static void
dash_store_rows(struct dash_store *s, const char *ns, struct buf *out)
{
	bool first = true;
	buf_adds(out, "{\"rollouts\":[");
	for (size_t i = 0; i < s->n; i++) {
		if (!s->v[i].row || (ns && strcmp(ns, s->v[i].ns) != 0)) {
			continue;
		}
		if (!first) {
			buf_addch(out, ',');
		}
		first = false;
		buf_adds(out, s->v[i].row);
	}
	buf_adds(out, "]}");
}

void
dash_store_list(struct dash_store *s, const char *ns, struct buf *out)
{
	pthread_mutex_lock(&s->mu);
	dash_store_rows(s, ns, out);
	pthread_mutex_unlock(&s->mu);
}

static struct dash_entry *
dash_store_find(struct dash_store *s, const char *ns, const char *name)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = dash_store_cmp(s->v[mid].ns, s->v[mid].name, ns, name);
		if (c == 0) {
			return &s->v[mid];
		}
		if (c < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return NULL;
}

bool
dash_store_info(struct dash_store *s, const char *ns, const char *name,
		struct buf *out)
{
	pthread_mutex_lock(&s->mu);
	struct dash_entry *en = dash_store_find(s, ns, name);
	bool ok = en && en->info;
	if (ok) {
		buf_adds(out, en->info);
	}
	pthread_mutex_unlock(&s->mu);
	return ok;
}

/* One server-sent event: "event: TYPE\ndata: DATA\n\n" (DATA is one line
 * of compact JSON). */
static void
dash_store_sse(struct buf *out, const char *type, const char *data)
{
	buf_addf(out, "event: %s\ndata: %s\n\n", type, data);
}

bool
dash_store_events_since(struct dash_store *s, const char *ns,
			const char *name, unsigned long long *seq,
			int *status, struct buf *out)
{
	size_t start = out->len;
	pthread_mutex_lock(&s->mu);
	if (*status != (int)s->connected) {
		*status = (int)s->connected;
		dash_store_sse(out, "status", s->connected ? "{\"connected\":true}"
			 : "{\"connected\":false}");
	}
	if (name) {
		struct dash_entry *en = dash_store_find(s, ns, name);
		if (*seq == 0 || (en && en->seq > *seq) ||
		    (!en && *seq < s->floor)) {
			if (en && en->info) {
				dash_store_sse(out, "info", en->info);
			} else {
				dash_store_sse(out, "deleted", "{}");
			}
		}
	} else if (*seq == 0 || *seq < s->floor) {
		struct buf b = BUF_INIT;
		dash_store_rows(s, ns, &b);
		dash_store_sse(out, "snapshot", b.buf);
		buf_release(&b);
	} else {
		for (size_t i = 0; i < s->n; i++) {
			struct dash_entry *en = &s->v[i];
			if (en->seq <= *seq || (ns && strcmp(ns, en->ns) != 0)) {
				continue;
			}
			if (en->row) {
				dash_store_sse(out, "rollout", en->row);
			} else {
				struct buf b = BUF_INIT;
				buf_adds(&b, "{\"namespace\":\"");
				buf_add_json_escaped(&b, en->ns);
				buf_adds(&b, "\",\"name\":\"");
				buf_add_json_escaped(&b, en->name);
				buf_adds(&b, "\"}");
				dash_store_sse(out, "deleted", b.buf);
				buf_release(&b);
			}
		}
	}
	*seq = s->seq;
	pthread_mutex_unlock(&s->mu);
	return out->len > start;
}
