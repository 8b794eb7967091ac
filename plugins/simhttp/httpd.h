/* SPDX-License-Identifier: Apache-2.0 */
/*
 * httpd: the HTTP plumbing of the local simulators (rollouts-sim, forge-sim),
 * on libmicrohttpd: a listening socket on ADDR:PORT (port 0 picks a free
 * one), optional TLS with the throw-away PKI of certs.h (and client
 * certificates signed by its CA), one thread per connection, request bodies
 * collected up to a limit, every request appended to the request log
 * (reqlog.h) before it is handed to the caller's handler, and the port file
 * and kubeconfig a test harness reads. It knows nothing of the API being
 * simulated. httpd_respond() queues a response with extra headers and
 * records its status for a request log written after the handler
 * (httpd_options.log_after). httpd_new() returns a daemon the caller owns and releases with
 * httpd_free(); the strings and certificates it hands out are borrowed from
 * the daemon. Errors fill e and return a negative PD_E* code; nothing is
 * printed.
 */
#ifndef SIMHTTP_HTTPD_H
#define SIMHTTP_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <microhttpd.h>

#include "buf.h"
#include "certs.h"
#include "err.h"

/* One complete request, as the handler sees it (borrowed for the call). */
struct httpd_req {
	struct MHD_Connection *conn;
	const char *url;
	const char *method;
	struct buf body;    /* the request body, up to max_body */
	bool too_big;       /* the body went past max_body (and was cut) */
	int status;         /* the status httpd_respond() queued (0: none) */
};

struct httpd_options {
	const char *listen;   /* "ADDR:PORT", "[::1]:PORT", ":PORT"; NULL is
				 127.0.0.1 on a free port */
	bool tls;             /* serve HTTPS with a fresh certs.h PKI */
	bool client_cert;     /* with tls: also make a client certificate
				 and ask clients for theirs */
	size_t max_body;      /* bytes of request body kept */
	bool log_after;       /* log each request after the handler, with the
				 status it answered (httpd_respond()), and
				 only JSON, text and form bodies; otherwise
				 before, without a status */
	/* Answers one request: queue a response on rq->conn (MHD_queue_
	 * response) and return its result. Called from the connection's
	 * thread. */
	enum MHD_Result (*handler)(void *cls, struct httpd_req *rq);
	void *cls;
};

struct httpd;

/* Bind, make the certificates when o->tls and start serving. */
int httpd_new(struct httpd **out, const struct httpd_options *o,
	      struct pd_err *e);
/* Stop accepting new connections (open ones go on). */
void httpd_quiesce(struct httpd *h);
/* Stop the daemon, close the socket and free h; NULL does nothing. */
void httpd_free(struct httpd *h);

/* The port bound, and the host as given by --listen without brackets
 * ("127.0.0.1" when none). */
int httpd_port(const struct httpd *h);
const char *httpd_host(const struct httpd *h);
/* The PKI (NULL without TLS). */
const struct sim_certs *httpd_certs(const struct httpd *h);

/* Queue a response of status with body (len bytes, copied), Content-Type
 * ctype (none when NULL) and the extra headers in hdrs, a NULL-terminated
 * list of name, value pairs (NULL for none); records status in rq. */
enum MHD_Result httpd_respond(struct httpd_req *rq, int status,
			      const char *ctype, const void *body, size_t len,
			      const char *const *hdrs);

/* Query argument and header of a request, or NULL. */
const char *httpd_arg(struct MHD_Connection *c, const char *key);
const char *httpd_header(struct MHD_Connection *c, const char *key);
/* The query string, re-encoded ("a=1&b=x%20y"), appended to out. */
void httpd_query(struct MHD_Connection *c, struct buf *out);
/* The same with the values of credential arguments (private_token,
 * access_token, job_token, token) replaced by "REDACTED", for logs. */
void httpd_query_redacted(struct MHD_Connection *c, struct buf *out);
/* When the client presented a certificate signed by h's CA: 0 and its CN
 * into cn (size cnlen); -1 otherwise. */
int httpd_client_cn(const struct httpd *h, struct MHD_Connection *c,
		    char *cn, size_t cnlen);

/* Block SIGINT and SIGTERM in every thread started afterwards (call first)
 * and ignore SIGPIPE; httpd_wait_signal() then returns on either. */
void httpd_block_signals(void);
void httpd_wait_signal(void);

/* "PORT\n", written atomically. */
int httpd_write_port_file(const struct httpd *h, const char *path,
			  struct pd_err *e);
/* A kubeconfig (mode 0600, atomically) whose cluster, context and user are
 * all called name, pointing at this daemon (with its CA when TLS), for a
 * bearer token when token is non-NULL and the client certificate when
 * client_cert, namespace default. */
int httpd_write_kubeconfig(const struct httpd *h, const char *path,
			   const char *name, const char *token,
			   bool client_cert, struct pd_err *e);

#endif
