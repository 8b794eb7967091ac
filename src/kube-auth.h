/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube-auth: the credentials of one Kubernetes client, as client-go applies
 * them (https servers only; over plain http nothing is sent): a bearer token,
 * or a tokenFile re-read about once a minute (its content wins over the
 * token, which stays the fallback), basic auth, a client certificate, or an
 * exec credential plugin whose output is cached until its
 * expirationTimestamp and refreshed once after a 401. Impersonation headers
 * travel with the credentials. Secrets never reach error messages or the
 * plugin's argv.
 *
 * Ownership: kube_auth_new() copies what it needs from the config and
 * returns an object freed by kube_auth_free() (NULL is fine). The pointers
 * kube_auth_get() fills are borrowed from that object and stay valid until
 * the next kube_auth_get() or kube_auth_expire() on it.
 */
#ifndef PD_KUBE_AUTH_H
#define PD_KUBE_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "kubeconfig.h"

struct kube_auth;

/* What one request sends. */
struct kube_auth_cred {
	const char *bearer;        /* "Authorization: Bearer", or NULL */
	const char *userpwd;       /* "user:password" for basic, or NULL */
	const struct buf *cert;    /* PEM client certificate and key, or NULL */
	const struct buf *key;
	char *const *headers;      /* impersonation header lines */
	size_t nheaders;
	bool exec_used;            /* the plugin's credential is in use */
	unsigned exec_gen;         /* which run of the plugin gave it */
};

struct kube_auth *kube_auth_new(const struct kube_config *cfg);
void kube_auth_free(struct kube_auth *a);

/*
 * The credentials for the next request (runs the exec plugin when its
 * cached output is missing or expired). 0, or -PD_EAUTH with e filled.
 */
int kube_auth_get(struct kube_auth *a, struct kube_auth_cred *out,
		  struct pd_err *e);

/* A 401 answered a request made with the plugin's credential of run gen:
 * the next kube_auth_get() runs the plugin again (once per run). */
void kube_auth_expire(struct kube_auth *a, unsigned gen);

#endif
