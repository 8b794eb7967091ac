/* SPDX-License-Identifier: Apache-2.0 */
/*
 * informer: LIST+WATCH caches over the kube client's transfers and loop.
 * See informer.h.
 */
#include "informer.h"

#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "kube-internal.h"
#include "xalloc.h"

#define INFORMER_BACKOFF_MIN_MS 800.0
#define INFORMER_BACKOFF_MAX_MS 30000.0
#define INFORMER_HEALTHY_MS 60000.0

static double
informer_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static char *
informer_strdup0(const char *s)
{
	return s ? xstrdup(s) : NULL;
}


enum informer_state {
	INFORMER_IDLE,
	INFORMER_LIST,
	INFORMER_WATCH,
	INFORMER_WAIT,
};

struct informer {
	struct kube_client *c;
	char *path;
	char *query;
	cJSON *items;
	bool synced;
	char *rv;
	enum informer_state state;
	bool next_list;          /* after the wait: list, else watch */
	double due;
	double backoff;
	double ok_since;
	struct kube_xfer *x;
	struct watch_decoder dec;
	bool changed;
	double change_ms;        /* when the batch's first change came */
	double batch_ms;         /* change_ms of the batch last reported */
	void (*trim)(cJSON *obj); /* keeps what the caller needs, or NULL */
	bool frozen;
	struct buf held;
	bool done_held;
	long err_code;           /* code of an in-stream ERROR event */
	bool bad_stream;
	long events;
	double watch_start;
	bool fatal;
	struct pd_err err;
};

static int
informer_obj_cmp(const cJSON *a, const cJSON *b)
{
	const char *an = json_str(a, "metadata.namespace");
	const char *bn = json_str(b, "metadata.namespace");
	int r = strcmp(an ? an : "", bn ? bn : "");
	if (r) {
		return r;
	}
	const char *a1 = json_str(a, "metadata.name");
	const char *b1 = json_str(b, "metadata.name");
	return strcmp(a1 ? a1 : "", b1 ? b1 : "");
}

static int
informer_obj_qcmp(const void *a, const void *b)
{
	return informer_obj_cmp(*(const cJSON *const *)a,
			    *(const cJSON *const *)b);
}

static void
informer_arr_sort(cJSON *arr)
{
	size_t n = 0;
	for (cJSON *it = arr->child; it; it = it->next) {
		n++;
	}
	if (n < 2) {
		return;
	}
	cJSON **v = xmalloc(n * sizeof(*v));
	size_t i = 0;
	for (cJSON *it = arr->child; it; it = it->next) {
		v[i++] = it;
	}
	qsort(v, n, sizeof(*v), informer_obj_qcmp);
	for (i = 0; i < n; i++) {
		cJSON_DetachItemViaPointer(arr, v[i]);
	}
	for (i = 0; i < n; i++) {
		cJSON_AddItemToArray(arr, v[i]);
	}
	free(v);
}

/* Insert item before the element before (cJSON 1.7.15's
 * cJSON_InsertItemInArray loses items): move the tail aside, append,
 * move it back. */
static void
informer_arr_insert_before(cJSON *arr, cJSON *before, cJSON *item)
{
	cJSON *rest = cJSON_CreateArray();
	while (before) {
		cJSON *next = before->next;
		cJSON_AddItemToArray(rest, cJSON_DetachItemViaPointer(arr,
								      before));
		before = next;
	}
	cJSON_AddItemToArray(arr, item);
	while (rest->child) {
		cJSON_AddItemToArray(arr, cJSON_DetachItemViaPointer(
						  rest, rest->child));
	}
	cJSON_Delete(rest);
}

static void
informer_arr_upsert(cJSON *arr, cJSON *obj)
{
	for (cJSON *it = arr->child; it; it = it->next) {
		int c = informer_obj_cmp(it, obj);
		if (c == 0) {
			cJSON_ReplaceItemViaPointer(arr, it, obj);
			return;
		}
		if (c > 0) {
			informer_arr_insert_before(arr, it, obj);
			return;
		}
	}
	cJSON_AddItemToArray(arr, obj);
}

static void
informer_arr_remove(cJSON *arr, const cJSON *obj)
{
	for (cJSON *it = arr->child; it; it = it->next) {
		int c = informer_obj_cmp(it, obj);
		if (c == 0) {
			cJSON_Delete(cJSON_DetachItemViaPointer(arr, it));
			return;
		}
		if (c > 0) {
			return;
		}
	}
}

struct informer *
informer_new(struct kube_client *c, const char *path, const char *query)
{
	struct informer *inf = xcalloc(1, sizeof(*inf));
	inf->c = c;
	inf->path = xstrdup(path);
	inf->query = query && *query ? xstrdup(query) : NULL;
	inf->items = cJSON_CreateArray();
	watch_decoder_init(&inf->dec);
	buf_init(&inf->held, 0);
	return inf;
}

static void
informer_stop(struct informer *inf)
{
	kube_xfer_free(inf->x);
	inf->x = NULL;
	inf->state = INFORMER_IDLE;
	inf->frozen = false;
	inf->done_held = false;
	buf_release(&inf->held);
	watch_decoder_release(&inf->dec);
	watch_decoder_init(&inf->dec);
}

void
informer_free(struct informer *inf)
{
	if (!inf) {
		return;
	}
	informer_stop(inf);
	watch_decoder_release(&inf->dec);
	cJSON_Delete(inf->items);
	free(inf->path);
	free(inf->query);
	free(inf->rv);
	free(inf);
}

const cJSON *
informer_items(const struct informer *inf)
{
	return inf->items;
}

void
informer_set_trim(struct informer *inf, void (*trim)(cJSON *obj))
{
	inf->trim = trim;
}

bool
informer_synced(const struct informer *inf)
{
	return inf->synced;
}

bool
informer_retrying(const struct informer *inf)
{
	return inf->state == INFORMER_WAIT && inf->backoff > 0 &&
	       inf->ok_since == 0;
}

static void informer_done(struct kube_xfer *x);

static void
informer_set_rv(struct informer *inf, const cJSON *obj)
{
	const char *rv = json_str(obj, "metadata.resourceVersion");
	if (rv && *rv) {
		free(inf->rv);
		inf->rv = xstrdup(rv);
	}
}

/* A change to report; the time of the batch's first. */
static void
informer_mark(struct informer *inf)
{
	if (!inf->change_ms) {
		inf->change_ms = informer_now_ms();
	}
	inf->changed = true;
}

double
informer_change_ms(const struct informer *inf)
{
	return inf->batch_ms;
}

static int
informer_event(void *arg, const char *type, cJSON *obj)
{
	struct informer *inf = arg;
	inf->events++;
	if (inf->ok_since == 0) {
		inf->ok_since = informer_now_ms();
	}
	if (strcmp(type, "ERROR") == 0) {
		long code = (long)json_num(obj, "code", 0);
		inf->err_code = code ? code : 500;
		return 1;
	}
	if (strcmp(type, "BOOKMARK") == 0) {
		informer_set_rv(inf, obj);
		return 0;
	}
	if (strcmp(type, "ADDED") == 0 || strcmp(type, "MODIFIED") == 0) {
		cJSON *copy = cJSON_Duplicate(obj, 1);
		if (inf->trim) {
			inf->trim(copy);
		}
		informer_arr_upsert(inf->items, copy);
		informer_mark(inf);
	} else if (strcmp(type, "DELETED") == 0) {
		informer_arr_remove(inf->items, obj);
		informer_mark(inf);
	}
	informer_set_rv(inf, obj);
	return 0;
}

static void
informer_feed(struct informer *inf, const char *p, size_t n)
{
	if (inf->err_code || inf->bad_stream) {
		return;
	}
	int r = watch_decoder_feed(&inf->dec, p, n, informer_event, inf);
	if (r < 0) {
		inf->bad_stream = true;
	}
}

static size_t
informer_sink(void *arg, const char *p, size_t n)
{
	struct informer *inf = arg;
	if (inf->frozen) {
		buf_add(&inf->held, p, n);
		return n;
	}
	informer_feed(inf, p, n);
	return n;
}

static void
informer_list(struct informer *inf)
{
	struct kube_xfer *x = kube_xfer_new(inf->c, "GET", inf->path, NULL,
					    NULL);
	x->list = true;
	if (inf->trim) {
		/* trimmed page by page: smaller pages, a smaller peak */
		x->item_trim = inf->trim;
		x->page_limit = 100;
	}
	x->query = informer_strdup0(inf->query);
	x->on_done = informer_done;
	x->owner = inf;
	inf->state = INFORMER_LIST;
	inf->x = x;
	kube_xfer_launch(x);
}

static void
informer_watch(struct informer *inf)
{
	struct kube_client *c = inf->c;
	long to = 300 + (long)(kube_client_rand(c) % 300);
	struct buf q = BUF_INIT;
	buf_adds(&q, "watch=true&allowWatchBookmarks=true");
	if (inf->rv) {
		buf_adds(&q, "&resourceVersion=");
		buf_add_urlenc(&q, inf->rv);
	}
	buf_addf(&q, "&timeoutSeconds=%ld", to);
	if (inf->query) {
		buf_addf(&q, "&%s", inf->query);
	}
	struct kube_xfer *x = kube_xfer_new(c, "GET", inf->path, NULL, NULL);
	x->query = buf_detach(&q, NULL);
	x->watch = true;
	x->watch_timeout_s = to;
	x->sink = informer_sink;
	x->sink_arg = inf;
	x->on_done = informer_done;
	x->owner = inf;
	watch_decoder_release(&inf->dec);
	watch_decoder_init(&inf->dec);
	inf->events = 0;
	inf->err_code = 0;
	inf->bad_stream = false;
	inf->watch_start = informer_now_ms();
	inf->state = INFORMER_WATCH;
	inf->x = x;
	kube_xfer_launch(x);
}

static void
informer_later(struct informer *inf, bool list, bool backoff)
{
	double now = informer_now_ms();
	double delay = 0;
	if (backoff) {
		if (inf->ok_since > 0 &&
		    now - inf->ok_since >= INFORMER_HEALTHY_MS) {
			inf->backoff = 0;
		}
		inf->ok_since = 0;
		inf->backoff = inf->backoff == 0
				       ? INFORMER_BACKOFF_MIN_MS
				       : fmin(inf->backoff * 2,
					      INFORMER_BACKOFF_MAX_MS);
		delay = inf->backoff * kube_client_scale(inf->c);
	}
	inf->state = INFORMER_WAIT;
	inf->next_list = list;
	inf->due = now + delay;
}

static bool
informer_fatal_err(const struct pd_err *e)
{
	long s = e->http_status;
	return s == 401 || s == 403 || s == 404 ||
	       (s == 0 && e->code == PD_EAUTH);
}

static void
informer_handle_done(struct informer *inf)
{
	struct kube_xfer *x = inf->x;
	inf->x = NULL;
	if (inf->state == INFORMER_LIST) {
		if (x->rc == 0) {
			cJSON *list = x->out;
			cJSON *items = cJSON_DetachItemFromObjectCaseSensitive(
				list, "items");
			if (!cJSON_IsArray(items)) {
				cJSON_Delete(items);
				items = cJSON_CreateArray();
			}
			informer_arr_sort(items);
			cJSON_Delete(inf->items);
			inf->items = items;
			free(inf->rv);
			inf->rv = informer_strdup0(json_str(list,
						"metadata.resourceVersion"));
			inf->synced = true;
			informer_mark(inf);
			if (inf->ok_since == 0) {
				inf->ok_since = informer_now_ms();
			}
			informer_later(inf, false, false);
		} else if (informer_fatal_err(&x->err)) {
			inf->fatal = true;
			inf->err = x->err;
			inf->state = INFORMER_IDLE;
		} else {
			informer_later(inf, true, true);
		}
	} else if (inf->state == INFORMER_WATCH) {
		if (inf->err_code == 410) {
			informer_later(inf, true, true);
		} else if (inf->err_code || inf->bad_stream) {
			informer_later(inf, true, true);
		} else if (x->rc < 0) {
			long s = x->err.http_status;
			if (informer_fatal_err(&x->err)) {
				inf->fatal = true;
				inf->err = x->err;
				inf->state = INFORMER_IDLE;
			} else if (s == 0 || s == 429) {
				informer_later(inf, false, true);
			} else {
				informer_later(inf, true, true);
			}
		} else if (inf->events == 0 &&
			   informer_now_ms() - inf->watch_start < 1000) {
			/* a very short watch: back off before the next */
			informer_later(inf, false, true);
		} else {
			informer_later(inf, false, false);
		}
	}
	kube_xfer_free(x);
}

static void
informer_done(struct kube_xfer *x)
{
	struct informer *inf = x->owner;
	if (inf->frozen) {
		inf->done_held = true;
		return;
	}
	informer_handle_done(inf);
}

static void
informer_thaw(struct informer *inf)
{
	inf->frozen = false;
	if (inf->held.len) {
		struct buf h = inf->held;
		buf_init(&inf->held, 0);
		informer_feed(inf, h.buf, h.len);
		buf_release(&h);
	}
	if (inf->done_held) {
		inf->done_held = false;
		informer_handle_done(inf);
	}
}

int
informer_run(struct informer **infs, size_t n, long tick_ms,
	     int (*tick)(void *arg, bool changed), void *arg,
	     volatile int *stop, struct pd_err *e)
{
	return informer_run_fds(infs, n, tick_ms, NULL, 0, tick, arg, stop,
				e);
}

/* Whether one of fds is readable now. */
static bool
informer_fds_ready(const int *fds, size_t nfds)
{
	struct pollfd p[4];
	size_t np = 0;
	for (size_t i = 0; i < nfds && np < 4; i++) {
		p[np].fd = fds[i];
		p[np].events = POLLIN;
		p[np].revents = 0;
		np++;
	}
	if (np == 0 || poll(p, (nfds_t)np, 0) <= 0) {
		return false;
	}
	for (size_t i = 0; i < np; i++) {
		if (p[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
			return true;
		}
	}
	return false;
}

int
informer_run_fds(struct informer **infs, size_t n, long tick_ms,
		 const int *fds, size_t nfds,
		 int (*tick)(void *arg, bool changed), void *arg,
		 volatile int *stop, struct pd_err *e)
{
	if (n == 0) {
		return err_set(e, PD_EUSAGE, "no informers to run");
	}
	struct kube_client *c = infs[0]->c;
	for (size_t i = 1; i < n; i++) {
		if (infs[i]->c != c) {
			return err_set(e, PD_EINTERNAL,
				       "informers of one run must share a "
				       "client");
		}
	}
	if (tick_ms < 1) {
		tick_ms = 1;
	}
	for (size_t i = 0; i < n; i++) {
		struct informer *inf = infs[i];
		inf->fatal = false;
		inf->backoff = 0;
		inf->ok_since = 0;
		inf->state = INFORMER_WAIT;
		inf->next_list = !(inf->synced && inf->rv);
		inf->due = 0;
	}
	bool announced = false;
	double last_tick = informer_now_ms();
	int rc = 0;
	for (;;) {
		if (stop && *stop) {
			rc = err_set(e, PD_ETIMEOUT, "interrupted");
			break;
		}
		double now = informer_now_ms();
		double deadline = kube_client_deadline(c);
		if (deadline > 0 && now >= deadline) {
			rc = err_set(e, PD_ETIMEOUT, "deadline reached");
			break;
		}
		double wait = (double)tick_ms - (now - last_tick);
		if (wait > 200) {
			wait = 200;
		}
		if (deadline > 0 && deadline - now < wait) {
			wait = deadline - now;
		}
		for (size_t i = 0; i < n; i++) {
			struct informer *inf = infs[i];
			if (inf->state != INFORMER_WAIT) {
				continue;
			}
			if (inf->due <= now) {
				if (inf->next_list) {
					informer_list(inf);
				} else {
					informer_watch(inf);
				}
				wait = 0;
			} else if (inf->due - now < wait) {
				wait = inf->due - now;
			}
		}
		/* the fds only once announced: before, tick is not called
		 * and a readable fd would spin the loop */
		kube_client_step_fds(c, wait < 0 ? 0 : (long)ceil(wait), fds,
				     announced ? nfds : 0);
		for (size_t i = 0; i < n; i++) {
			if (infs[i]->fatal) {
				if (e) {
					*e = infs[i]->err;
				}
				rc = -infs[i]->err.code;
				goto out;
			}
		}
		bool synced = true, changed = false;
		for (size_t i = 0; i < n; i++) {
			synced = synced && infs[i]->synced;
			changed = changed || infs[i]->changed;
		}
		now = informer_now_ms();
		bool call = false, ch = false;
		if (synced && (!announced || changed)) {
			announced = true;
			call = true;
			ch = true;
		} else if (announced && (now - last_tick >= (double)tick_ms ||
					 informer_fds_ready(fds, nfds))) {
			/* never before the first sync: an empty cache then
			 * means "not listed yet", not "gone" */
			call = true;
		}
		if (!call) {
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			infs[i]->batch_ms = 0;
			if (ch && infs[i]->changed) {
				infs[i]->batch_ms = infs[i]->change_ms;
			}
			if (ch) {
				infs[i]->changed = false;
				infs[i]->change_ms = 0;
			}
		}
		for (size_t i = 0; i < n; i++) {
			infs[i]->frozen = true;
		}
		int r = tick(arg, ch);
		for (size_t i = 0; i < n; i++) {
			informer_thaw(infs[i]);
		}
		last_tick = informer_now_ms();
		if (r != 0) {
			rc = r;
			break;
		}
	}
out:
	for (size_t i = 0; i < n; i++) {
		informer_stop(infs[i]);
	}
	return rc;
}
