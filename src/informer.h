/* SPDX-License-Identifier: Apache-2.0 */
/*
 * informer: keep local copies of collections up to date, as client-go's
 * reflector does: LIST, then WATCH from the list's resourceVersion with
 * allowWatchBookmarks and timeoutSeconds; on a clean end re-watch from the
 * last resourceVersion; on 410 Expired re-list; on network errors back off
 * 0.8 s doubling to 30 s, resetting after a healthy minute
 * (PDKIT_RETRY_SCALE scales the back-off, see kube.h). Several informers
 * run in one loop over their client's one curl multi handle. Items are kept
 * ordered by namespace, then name.
 *
 * Ownership: informer_new() returns an informer freed by informer_free()
 * (NULL is fine); it borrows the client, which must outlive it. The array
 * informer_items() returns is borrowed. The library never prints.
 */
#ifndef PD_INFORMER_H
#define PD_INFORMER_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "err.h"
#include "kube.h"

struct informer;

/* path: collection path; query: selectors, URL-encoded (may be NULL). */
struct informer *informer_new(struct kube_client *c, const char *path,
			      const char *query);
void informer_free(struct informer *inf);
/* Keep only what the caller needs of each object: trim edits every object
 * the informer stores (each LIST page as it arrives, in pages of 100; ADDED
 * and MODIFIED), so a cache of many big objects (pods) holds small copies
 * and never the whole list at once. NULL: whole objects. */
void informer_set_trim(struct informer *inf, void (*trim)(cJSON *obj));
/* Current objects (a borrowed cJSON array, valid until the next run). */
const cJSON *informer_items(const struct informer *inf);
/* True once the first LIST has completed. */
bool informer_synced(const struct informer *inf);
/* True while it waits to try again after a failed LIST or watch (the
 * server gone, a dropped stream): what a live view calls reconnecting. */
bool informer_retrying(const struct informer *inf);

/*
 * Run the informers (all of one client) until tick() returns non-zero.
 * tick is first called once all informers have synced (their first LIST
 * done: before that an empty cache means "not listed yet", never "gone"),
 * then after every batch of changes (changed = true) and at least every
 * tick_ms milliseconds (changed = false); the informers hold still while
 * it runs. A LIST that fails with 401/403/404 stops the loop at once and
 * returns that error (never a silent retry loop). Returns tick's non-zero
 * value, or a negative PD_E*. *stop (may be NULL) is polled to end the
 * loop (signal handlers set it), and the client's deadline
 * (kube_client_set_deadline) ends it when it passes: both return
 * -PD_ETIMEOUT.
 */
int informer_run(struct informer **infs, size_t n, long tick_ms,
		 int (*tick)(void *arg, bool changed), void *arg,
		 volatile int *stop, struct pd_err *e);
/*
 * informer_run that also watches fds (at most 4: a terminal's input, a
 * signal's pipe): once synced, when one is readable tick is called at once
 * (changed false) to read it, so keys need no polling tick.
 */
int informer_run_fds(struct informer **infs, size_t n, long tick_ms,
		     const int *fds, size_t nfds,
		     int (*tick)(void *arg, bool changed), void *arg,
		     volatile int *stop, struct pd_err *e);
/* Inside a tick with changed true: when (CLOCK_MONOTONIC milliseconds)
 * the first change of the batch it reports reached this informer; 0 when
 * the batch holds none of its changes. For latency traces. */
double informer_change_ms(const struct informer *inf);

#endif
