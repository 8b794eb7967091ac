/* SPDX-License-Identifier: Apache-2.0 */
/*
 * httpd: libmicrohttpd set-up for the simulators. The listening socket is
 * made here (so port 0 and the address family are ours to decide), handed
 * to a thread-per-connection daemon; each connection collects its body in a
 * struct httpd_req, logs the request and calls the handler.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "atomicfile.h"
#include "base64.h"
#include "httpd.h"
#include "reqlog.h"
#include "xalloc.h"

struct httpd {
	struct MHD_Daemon *daemon;
	int fd;
	int port;
	char *host;
	bool tls;
	bool client_cert;
	struct sim_certs certs;
	size_t max_body;
	bool log_after;
	enum MHD_Result (*handler)(void *cls, struct httpd_req *rq);
	void *cls;
};

/* ------------------------------------------------------------ requests */

const char *
httpd_arg(struct MHD_Connection *c, const char *key)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
}

const char *
httpd_header(struct MHD_Connection *c, const char *key)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, key);
}

static enum MHD_Result
httpd_query_cb(void *cls, enum MHD_ValueKind kind, const char *key,
	       const char *value)
{
	struct buf *b = cls;
	(void)kind;
	if (b->len) {
		buf_addch(b, '&');
	}
	buf_add_urlenc(b, key);
	if (value) {
		buf_addch(b, '=');
		buf_add_urlenc(b, value);
	}
	return MHD_YES;
}

void
httpd_query(struct MHD_Connection *c, struct buf *out)
{
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, httpd_query_cb,
				  out);
}

static enum MHD_Result
httpd_query_redacted_cb(void *cls, enum MHD_ValueKind kind, const char *key,
			const char *value)
{
	static const char *const secret[] = { "private_token", "access_token",
		"job_token", "token" };
	for (size_t i = 0; value && i < sizeof(secret) / sizeof(secret[0]);
	     i++) {
		if (strcasecmp(key, secret[i]) == 0) {
			value = "REDACTED";
		}
	}
	return httpd_query_cb(cls, kind, key, value);
}

void
httpd_query_redacted(struct MHD_Connection *c, struct buf *out)
{
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND,
				  httpd_query_redacted_cb, out);
}

enum MHD_Result
httpd_respond(struct httpd_req *rq, int status, const char *ctype,
	      const void *body, size_t len, const char *const *hdrs)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r) {
		return MHD_NO;
	}
	if (ctype) {
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	}
	for (size_t i = 0; hdrs && hdrs[i] && hdrs[i + 1]; i += 2) {
		MHD_add_response_header(r, hdrs[i], hdrs[i + 1]);
	}
	enum MHD_Result ret = MHD_queue_response(rq->conn, (unsigned)status,
						 r);
	MHD_destroy_response(r);
	rq->status = status;
	return ret;
}

/* Whether a request body of this Content-Type goes into a log written
 * after the answer (JSON, text, forms; not git's packs). */
static bool
httpd_loggable(const char *ctype)
{
	if (!ctype) {
		return true;
	}
	return strncmp(ctype, "application/json", 16) == 0 ||
	       strncmp(ctype, "text/", 5) == 0 ||
	       strncmp(ctype, "application/x-www-form-urlencoded", 33) == 0;
}

int
httpd_client_cn(const struct httpd *h, struct MHD_Connection *c, char *cn,
		size_t cnlen)
{
	if (!h->tls || !h->client_cert) {
		return -1;
	}
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci) {
		return -1;
	}
	return certs_verify_client(&h->certs, ci->tls_session, cn, cnlen);
}

static enum MHD_Result
httpd_access(void *cls, struct MHD_Connection *c, const char *url,
	     const char *method, const char *version,
	     const char *upload_data, size_t *upload_data_size,
	     void **con_cls)
{
	struct httpd *h = cls;
	struct httpd_req *rq = *con_cls;
	(void)version;
	if (!rq) {
		rq = xcalloc(1, sizeof(*rq));
		buf_init(&rq->body, h->max_body);
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (buf_add(&rq->body, upload_data, *upload_data_size) < 0) {
			rq->too_big = true;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	struct buf query = BUF_INIT;
	httpd_query_redacted(c, &query);
	const char *ctype = httpd_header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!h->log_after) {
		reqlog_write(method, url, query.buf, ctype, rq->body.buf,
			     rq->body.len);
	}
	rq->conn = c;
	rq->url = url;
	rq->method = method;
	enum MHD_Result ret = h->handler(h->cls, rq);
	if (h->log_after) {
		reqlog_write_status(method, url, query.buf, ctype,
				    httpd_loggable(ctype) ? rq->body.buf : NULL,
				    rq->body.len, rq->status);
	}
	buf_release(&query);
	return ret;
}

static void
httpd_completed(void *cls, struct MHD_Connection *c, void **con_cls,
		enum MHD_RequestTerminationCode toe)
{
	struct httpd_req *rq = *con_cls;
	(void)cls;
	(void)c;
	(void)toe;
	if (rq) {
		buf_release(&rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

static void
httpd_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	(void)fmt;
	(void)ap;
}

/* ------------------------------------------------------------- sockets */

/* Split "ADDR:PORT" (ADDR may be empty or bracketed) into a malloc()ed host
 * without brackets (*host) and the port. */
static int
httpd_split(const char *spec, char **host, long *port, struct pd_err *e)
{
	*host = NULL;
	*port = 0;
	if (!spec) {
		*host = xstrdup("127.0.0.1");
		return 0;
	}
	const char *colon = strrchr(spec, ':');
	if (!colon) {
		return err_set(e, PD_EUSAGE, "invalid --listen '%s' "
			       "(want ADDR:PORT)", spec);
	}
	char *end;
	*port = strtol(colon + 1, &end, 10);
	if (*end || *port < 0 || *port > 65535) {
		return err_set(e, PD_EUSAGE, "invalid port in --listen "
			       "'%s'", spec);
	}
	size_t hl = (size_t)(colon - spec);
	if (hl == 0) {
		*host = xstrdup("127.0.0.1");
		return 0;
	}
	const char *p = spec;
	if (*p == '[') {
		p++;
		hl--;
		const char *close = memchr(p, ']', hl);
		if (close) {
			hl = (size_t)(close - p);
		}
	}
	*host = xstrndup(p, hl);
	return 0;
}

/* A listening socket on host:port; the fd, or a negative PD_E*. */
static int
httpd_listen(const char *host, long port, int *port_out, struct pd_err *e)
{
	struct sockaddr_in a4;
	struct sockaddr_in6 a6;
	struct sockaddr *sa;
	socklen_t sl;
	int fam;
	memset(&a4, 0, sizeof(a4));
	memset(&a6, 0, sizeof(a6));
	if (inet_pton(AF_INET, host, &a4.sin_addr) == 1) {
		a4.sin_family = AF_INET;
		a4.sin_port = htons((uint16_t)port);
		sa = (struct sockaddr *)&a4;
		sl = sizeof(a4);
		fam = AF_INET;
	} else if (inet_pton(AF_INET6, host, &a6.sin6_addr) == 1) {
		a6.sin6_family = AF_INET6;
		a6.sin6_port = htons((uint16_t)port);
		sa = (struct sockaddr *)&a6;
		sl = sizeof(a6);
		fam = AF_INET6;
	} else {
		return err_set(e, PD_EUSAGE, "invalid address '%s' in --listen "
			       "(want an IP address)", host);
	}
	int fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return err_set(e, PD_ERUNTIME, "socket: %s", strerror(errno));
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, sa, sl) < 0 || listen(fd, 512) < 0) {
		int err = errno;
		close(fd);
		bool v6 = fam == AF_INET6;
		return err_set(e, PD_ERUNTIME, "cannot listen on %s%s%s:%ld: "
			       "%s", v6 ? "[" : "", host, v6 ? "]" : "", port,
			       strerror(err));
	}
	struct sockaddr_storage got;
	socklen_t gl = sizeof(got);
	getsockname(fd, (struct sockaddr *)&got, &gl);
	*port_out = fam == AF_INET
		? ntohs(((struct sockaddr_in *)&got)->sin_port)
		: ntohs(((struct sockaddr_in6 *)&got)->sin6_port);
	return fd;
}

/* ------------------------------------------------------------- daemon */

int
httpd_new(struct httpd **out, const struct httpd_options *o,
	  struct pd_err *e)
{
	*out = NULL;
	char *host = NULL;
	long want = 0;
	int r = httpd_split(o->listen, &host, &want, e);
	if (r < 0) {
		return r;
	}
	int port = 0;
	int fd = httpd_listen(host, want, &port, e);
	if (fd < 0) {
		free(host);
		return fd;
	}
	struct httpd *h = xcalloc(1, sizeof(*h));
	h->fd = fd;
	h->port = port;
	h->host = host;
	h->tls = o->tls;
	h->client_cert = o->tls && o->client_cert;
	h->max_body = o->max_body;
	h->log_after = o->log_after;
	h->handler = o->handler;
	h->cls = o->cls;
	if (h->tls) {
		r = certs_generate(&h->certs, h->client_cert, NULL, NULL, e);
		if (r < 0) {
			httpd_free(h);
			return r;
		}
	}
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC;
	struct MHD_OptionItem opts[8];
	int k = 0;
	opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_LISTEN_SOCKET, fd,
					     NULL };
	opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT,
					     600, NULL };
	opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED,
		(intptr_t)httpd_completed, NULL };
	opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER,
		(intptr_t)httpd_mhd_log, NULL };
	if (h->tls) {
		flags |= MHD_USE_TLS;
		opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY,
			0, h->certs.server_key_pem };
		opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT,
			0, h->certs.server_cert_pem };
		if (h->client_cert) {
			opts[k++] = (struct MHD_OptionItem){
				MHD_OPTION_HTTPS_MEM_TRUST, 0,
				h->certs.ca_cert_pem };
		}
	}
	opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, httpd_access, h,
				     MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!h->daemon) {
		httpd_free(h);
		return err_set(e, PD_ERUNTIME, "cannot start the HTTP server");
	}
	*out = h;
	return 0;
}

void
httpd_quiesce(struct httpd *h)
{
	if (h && h->daemon) {
		MHD_quiesce_daemon(h->daemon);
	}
}

void
httpd_free(struct httpd *h)
{
	if (!h) {
		return;
	}
	if (h->daemon) {
		MHD_stop_daemon(h->daemon);
	}
	close(h->fd);
	certs_release(&h->certs);
	free(h->host);
	free(h);
}

int
httpd_port(const struct httpd *h)
{
	return h->port;
}

const char *
httpd_host(const struct httpd *h)
{
	return h->host;
}

const struct sim_certs *
httpd_certs(const struct httpd *h)
{
	return h->tls ? &h->certs : NULL;
}

/* ------------------------------------------------------------- signals */

static sigset_t httpd_stop_set;

void
httpd_block_signals(void)
{
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&httpd_stop_set);
	sigaddset(&httpd_stop_set, SIGINT);
	sigaddset(&httpd_stop_set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &httpd_stop_set, NULL);
}

void
httpd_wait_signal(void)
{
	int sig;
	sigwait(&httpd_stop_set, &sig);
}

/* --------------------------------------------------------------- files */

int
httpd_write_port_file(const struct httpd *h, const char *path,
		      struct pd_err *e)
{
	struct buf b = BUF_INIT;
	buf_addf(&b, "%d\n", h->port);
	int rc = atomicfile_write(path, b.buf, b.len, 0644, e);
	buf_release(&b);
	return rc;
}

static void
httpd_kube_b64(struct buf *out, const char *key, const char *pem)
{
	buf_addf(out, "    %s: ", key);
	base64_encode(out, pem, strlen(pem));
	buf_addch(out, '\n');
}

int
httpd_write_kubeconfig(const struct httpd *h, const char *path,
		       const char *name, const char *token, bool client_cert,
		       struct pd_err *e)
{
	struct buf b = BUF_INIT;
	bool v6 = strchr(h->host, ':') != NULL;
	client_cert = client_cert && h->client_cert;
	buf_addf(&b, "apiVersion: v1\nkind: Config\npreferences: {}\n"
		 "clusters:\n- name: %s\n  cluster:\n", name);
	buf_addf(&b, "    server: %s://%s%s%s:%d\n", h->tls ? "https" : "http",
		 v6 ? "[" : "", h->host, v6 ? "]" : "", h->port);
	if (h->tls) {
		httpd_kube_b64(&b, "certificate-authority-data",
			       h->certs.ca_cert_pem);
	}
	buf_addf(&b, "contexts:\n- name: %s\n  context:\n"
		 "    cluster: %s\n    user: %s\n"
		 "    namespace: default\n"
		 "current-context: %s\n"
		 "users:\n- name: %s\n  user:", name, name, name, name, name);
	if (!token && !client_cert) {
		buf_adds(&b, " {}\n");
	} else {
		buf_addch(&b, '\n');
		if (token) {
			buf_addf(&b, "    token: %s\n", token);
		}
		if (client_cert) {
			httpd_kube_b64(&b, "client-certificate-data",
				       h->certs.client_cert_pem);
			httpd_kube_b64(&b, "client-key-data",
				       h->certs.client_key_pem);
		}
	}
	int rc = atomicfile_write(path, b.buf, b.len, 0600, e);
	buf_release(&b);
	return rc;
}
