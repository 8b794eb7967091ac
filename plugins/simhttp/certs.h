/* SPDX-License-Identifier: Apache-2.0 */
/*
 * certs: the throw-away PKI of the simulators (httpd.c), built with GnuTLS at
 * start-up; the names in it are rollouts-sim's.
 * certs_generate() makes a self-signed CA ("rollouts-sim CA"), a server
 * certificate signed by it (CN "rollouts-sim", SAN IP 127.0.0.1, IP ::1 and
 * DNS localhost, plus any extra SANs given, serverAuth usage) and, when
 * client is true, a client certificate (CN given by client_cn, O
 * "system:masters", clientAuth usage). All keys are ECDSA P-256; validity runs
 * from one hour ago for 30 days. Every PEM string in struct sim_certs is
 * malloc()ed and owned by the struct; certs_release() frees them (and is a
 * no-op on a zeroed struct). Errors fill e and return a negative PD_E* code;
 * nothing is printed.
 */
#ifndef SIMHTTP_CERTS_H
#define SIMHTTP_CERTS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct sim_certs {
	char *ca_cert_pem;
	char *ca_key_pem;
	char *server_cert_pem;
	char *server_key_pem;
	char *client_cert_pem; /* NULL unless client certs were asked for */
	char *client_key_pem;
};

/* extra_sans: NULL-terminated list of extra DNS names or IPs, or NULL. */
int certs_generate(struct sim_certs *c, bool client, const char *client_cn,
		   const char *const *extra_sans, struct pd_err *e);
void certs_release(struct sim_certs *c);

/*
 * Check the client certificate of a TLS session (a gnutls_session_t passed as
 * void * so callers need no GnuTLS header) against the CA in c. Returns 0 and
 * copies the certificate's CN into cn (size cnlen) when it is valid; -1 when
 * there is no certificate or it does not verify.
 */
int certs_verify_client(const struct sim_certs *c, void *session, char *cn,
			size_t cnlen);

#endif
