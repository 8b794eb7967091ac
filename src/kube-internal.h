/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube-internal: what kube.c shares with informer.c, and with no one else:
 * one transfer (struct kube_xfer: a request, a paginated LIST or a watch
 * stream) and the client's loop that drives every transfer. Not part of
 * the library's interface.
 *
 * Ownership: kube_xfer_new() returns a transfer freed by kube_xfer_free()
 * (NULL is fine), which also stops it; it borrows the client. A finished
 * transfer's out belongs to it until someone takes it (sets it to NULL).
 */
#ifndef PD_KUBE_INTERNAL_H
#define PD_KUBE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "buf.h"
#include "err.h"
#include "kube.h"

struct kube_xfer {
	struct kube_client *c;
	CURL *h;
	struct curl_slist *hdrs;
	char *method;
	char *path;              /* with its own query */
	char *query;             /* extra query of a list */
	char *content_type;
	char *body;
	bool list;
	bool (*keep)(const char *item, size_t len, void *arg);
	void *keep_arg;
	bool watch;
	bool discard;            /* the caller wants no body */
	long watch_timeout_s;
	char *cont;
	bool restarted;
	cJSON *acc;              /* the list so far */
	int page_limit;          /* a list's page size; 0: 500 */
	void (*item_trim)(cJSON *item); /* applied to each page's items as
					   it arrives, or NULL */
	struct buf resp;
	long retry_after;        /* -1: none */
	int retries;
	bool auth_retried;
	bool exec_used;
	unsigned exec_gen;
	bool too_big;
	bool aborted;            /* the sink stopped the transfer */
	bool by_deadline;        /* its time limit is the client's deadline */
	double due;
	bool waiting;
	bool done;
	int rc;
	struct pd_err err;
	cJSON *out;
	char errbuf[CURL_ERROR_SIZE];
	size_t (*sink)(void *arg, const char *p, size_t n);
	void *sink_arg;
	void (*on_done)(struct kube_xfer *x);
	void *owner;
};

struct kube_xfer *kube_xfer_new(struct kube_client *c, const char *method,
				const char *path, const char *content_type,
				const char *body);
void kube_xfer_free(struct kube_xfer *x);
/* Start (or restart) x on the client's multi handle; on_done runs when it
 * finishes, from inside kube_client_step(). */
void kube_xfer_launch(struct kube_xfer *x);
/* One turn of the client's loop, waiting at most wait_ms for activity. */
void kube_client_step(struct kube_client *c, long wait_ms);
/* The same, also waking when one of fds (at most 4) is readable. */
void kube_client_step_fds(struct kube_client *c, long wait_ms,
			  const int *fds, size_t nfds);
/* PDKIT_RETRY_SCALE's factor, and the client's random numbers (jitter). */
double kube_client_scale(const struct kube_client *c);
unsigned kube_client_rand(struct kube_client *c);
/* The client's deadline in CLOCK_MONOTONIC milliseconds, 0 when none. */
double kube_client_deadline(const struct kube_client *c);

#endif
