/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube: a small Kubernetes REST client over libcurl and cJSON. One client
 * holds a curl share/connection cache (keep-alive, HTTP/2 over TLS, gzip),
 * the TLS material as in-memory blobs, and the credentials of a struct
 * kube_config (token re-read from tokenFile, exec plugin output cached until
 * expirationTimestamp and refreshed once on 401, basic auth, client
 * certificates). Requests are retried on 429 and on 5xx that carry
 * Retry-After (at most 10 times, honouring Retry-After, capped), and time
 * out after cfg->timeout_ms (--request-timeout: sent as client-go sends it,
 * ?timeout=, and a request that runs out fails with PD_ERUNTIME naming the
 * server). A client may also have a deadline (kube_client_set_deadline):
 * nothing it does runs past it; a request still unanswered then, or a
 * retry that would fall after it, fails with PD_ETIMEOUT ("no answer from
 * HOST:PORT before the deadline"). Secrets never reach error messages or
 * child argv.
 *
 * Errors: a non-2xx answer fills e with the Status message
 * ('rollouts.argoproj.io "x" not found'), e->http_status, and a code mapped
 * by err_from_http() (404 not found, 409/422 conflict, 401/403 auth, 5xx and
 * transport runtime, 504 timeout). Transport errors name host:port
 * ("cannot connect to 127.0.0.1:6443: connection refused", "TLS: ...").
 * The proxy is proxy.h's decision, set on every transfer (libcurl's own
 * reading of the environment never applies); one that cannot be reached is
 * named without its credentials ("cannot reach proxy 'http://p:3128' for
 * https://127.0.0.1:6443: Connection refused", PD_ERUNTIME).
 *
 * PDKIT_RETRY_SCALE (a factor, default 1; tests set 0) scales every wait:
 * Retry-After sleeps and the informers' back-off (informer.h). Credentials
 * are kube-auth.h's.
 *
 * Ownership: kube_client_new() returns a client freed by kube_client_free()
 * (NULL is fine); it copies what it needs from the config. cJSON trees
 * returned through out-parameters belong to the caller. The library never
 * prints.
 */
#ifndef PD_KUBE_H
#define PD_KUBE_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"
#include "kubeconfig.h"
#include "watch-decoder.h"

struct kube_client;

struct kube_client *kube_client_new(const struct kube_config *cfg,
				    const char *user_agent, struct pd_err *e);
void kube_client_free(struct kube_client *c);

/*
 * One request. path starts with "/" and may carry a query string (already
 * URL-encoded). body/content_type may be NULL. On 2xx returns 0 and, when
 * out is non-NULL, the parsed JSON body (NULL for an empty body). Otherwise
 * a negative PD_E* with e filled as described above.
 */
int kube_request(struct kube_client *c, const char *method, const char *path,
		 const char *content_type, const char *body, cJSON **out,
		 struct pd_err *e);

/*
 * A LIST with pagination: adds limit=500 and follows metadata.continue;
 * when a continue token has expired (410) it restarts once without one.
 * query (may be NULL) is appended ("labelSelector=...", encoded). *out is a
 * List object whose items are all the pages' items and whose
 * metadata.resourceVersion is the list's.
 */
int kube_list(struct kube_client *c, const char *path, const char *query,
	      cJSON **out, struct pd_err *e);

/* Several requests at once over one curl multi handle. */
struct kube_call {
	const char *method;     /* "GET" when NULL */
	const char *path;       /* with query */
	bool list;              /* a paginated LIST (kube_list semantics) */
	/* a LIST's items, seen unparsed, are kept only when keep() says so
	 * (json_filter_items); NULL keeps every item */
	bool (*keep)(const char *item, size_t len, void *arg);
	void *keep_arg;
	cJSON *out;             /* result, owned by the caller afterwards */
	int rc;                 /* 0 or negative PD_E* */
	struct pd_err err;
};
/* Runs every call to completion; returns the rc of the first failed call
 * (in array order), or 0. */
int kube_parallel(struct kube_client *c, struct kube_call *calls, size_t n);


/* A deadline ms milliseconds from now for every request of the client,
 * and informer_run() (informer.h); ms < 0 removes it. */
void kube_client_set_deadline(struct kube_client *c, long long ms);
/* Milliseconds left before the deadline: -1 when there is none, 0 when it
 * has passed. */
long long kube_client_remaining(const struct kube_client *c);

/* "/apis/argoproj.io/v1alpha1/namespaces/NS/rollouts[/NAME]" (ns may be
 * NULL for all namespaces, name NULL for the collection). group "" is the
 * core group (/api/v1). Every segment is percent-encoded: anything outside
 * RFC 3986's unreserved characters (ALPHA DIGIT - . _ ~), '/' included.
 * Returns a malloc()ed string. */
char *kube_path(const char *group, const char *version, const char *ns,
		const char *plural, const char *name);

#endif
