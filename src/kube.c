/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube: a Kubernetes REST client over libcurl. Every transfer, single or
 * parallel, list page or watch stream, is a struct kube_xfer driven by the
 * client's one curl multi handle (connections, DNS and TLS sessions kept in
 * a curl share); retries wait on timers in the same loop, never in sleep().
 * See kube.h.
 *
 * Test hook: PDKIT_RETRY_SCALE (a factor, default 1) scales every wait the
 * client makes: 429/5xx Retry-After and the informers' back-off. 0 makes
 * them immediate.
 */
#include "kube.h"
#include "kube-auth.h"
#include "kube-internal.h"
#include "proxy.h"
#include "curl_lazy.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "json.h"
#include "xalloc.h"

#define KUBE_MAX_BODY ((size_t)256 << 20)
#define KUBE_MAX_RETRIES 10
#define KUBE_RETRY_CAP_S 10
#define KUBE_PAGE_LIMIT "500"
#define KUBE_CONNECT_TIMEOUT_MS 30000L

/* ------------------------------------------------------------ types */

struct kube_client {
	char *base;              /* URL prefix of every request */
	char *hostport;          /* the real host:port, for messages */
	char *target;            /* scheme://host:port, for proxy messages */
	struct curl_slist *connect_to;
	char *host_header;
	bool tls;
	struct buf ca;
	bool insecure;
	char *proxy;             /* for libcurl, or NULL: direct */
	char *proxy_shown;       /* the proxy without credentials */
	bool compress;
	struct kube_auth *auth;
	char *user_agent;
	long timeout_ms;
	double deadline;         /* CLOCK_MONOTONIC ms; 0: none */
	double scale;
	CURLSH *share;
	CURLM *multi;
	struct kube_xfer **waiting;
	size_t nwaiting, awaiting;
	unsigned long finished;  /* transfers finished so far */
	unsigned rng;
};

/* ------------------------------------------------------------ helpers */

static double
kube_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static char *
kube_strdup0(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* Percent-encode one path segment: everything outside RFC 3986's
 * unreserved characters (ALPHA DIGIT - . _ ~), '/' included, so a segment
 * can never become two or reach another path. */
static void
kube_add_pathenc(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		bool unreserved = (*p >= 'A' && *p <= 'Z') ||
				  (*p >= 'a' && *p <= 'z') ||
				  (*p >= '0' && *p <= '9') ||
				  (*p != '\0' && strchr("-._~", *p));
		if (unreserved) {
			buf_addch(b, (char)*p);
		} else {
			char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			buf_add(b, e, 3);
		}
	}
}

/* ------------------------------------------------------------ errors */

/* A path segment as it was before kube_add_pathenc(), for messages. */
static void
kube_add_pathdec(struct buf *b, const char *s)
{
	for (const char *p = s; *p; p++) {
		if (p[0] == '%' && isxdigit((unsigned char)p[1]) &&
		    isxdigit((unsigned char)p[2])) {
			char hx[3] = { p[1], p[2], '\0' };
			buf_addch(b, (char)strtol(hx, NULL, 16));
			p += 2;
		} else {
			buf_addch(b, *p);
		}
	}
}

/* group, resource and name of an API path, for client-go's generic texts */
static void
kube_path_parts(const char *path, struct buf *qres, struct buf *name)
{
	char *p = xstrdup(path);
	char *q = strchr(p, '?');
	if (q) {
		*q = '\0';
	}
	char *segs[16];
	int n = 0;
	char *save = NULL;
	for (char *s = strtok_r(p, "/", &save); s && n < 16;
	     s = strtok_r(NULL, "/", &save)) {
		segs[n++] = s;
	}
	int i = 0;
	const char *group = NULL;
	if (n >= 2 && strcmp(segs[0], "api") == 0) {
		i = 2;
	} else if (n >= 3 && strcmp(segs[0], "apis") == 0) {
		group = segs[1];
		i = 3;
	} else {
		free(p);
		return;
	}
	if (n - i >= 3 && strcmp(segs[i], "namespaces") == 0) {
		i += 2;
	}
	if (i < n) {
		kube_add_pathdec(qres, segs[i]);
		if (group) {
			buf_addch(qres, '.');
			kube_add_pathdec(qres, group);
		}
		if (i + 1 < n) {
			kube_add_pathdec(name, segs[i + 1]);
		}
	}
	free(p);
}

static int
kube_http_error(struct kube_xfer *x, long status)
{
	struct pd_err *e = &x->err;
	int code = err_from_http(status);
	if (code == 0) {
		code = PD_ERUNTIME;
	}
	cJSON *j = x->resp.len ? json_parse(x->resp.buf, x->resp.len, NULL)
			       : NULL;
	const char *kind = json_str(j, "kind");
	const char *msg = json_str(j, "message");
	if (kind && strcmp(kind, "Status") == 0 && msg && *msg) {
		err_set(e, code, "%s", msg);
		cJSON_Delete(j);
		e->http_status = status;
		return -code;
	}
	cJSON_Delete(j);
	struct buf body = BUF_INIT;
	buf_add(&body, x->resp.buf, x->resp.len < 2048 ? x->resp.len : 2048);
	buf_trim(&body);
	const char *server_msg = body.len ? body.buf : "unknown";
	switch (status) {
	case 400:
		err_set(e, code, "the server rejected our request for an "
			"unknown reason");
		break;
	case 401:
		err_set(e, code, "the server has asked for the client to "
			"provide credentials");
		break;
	case 403:
	case 415:
		err_set(e, code, "%s", server_msg);
		break;
	case 404:
		err_set(e, code, "the server could not find the requested "
			"resource");
		break;
	case 405:
		err_set(e, code, "the server does not allow this method on "
			"the requested resource");
		break;
	case 406:
		if (!body.len) {
			err_set(e, code, "the server was unable to respond "
				"with a content type that the client "
				"supports");
		} else {
			err_set(e, code, "%s", server_msg);
		}
		break;
	case 409:
		err_set(e, code, "the server reported a conflict");
		break;
	case 422:
		err_set(e, code, "the server rejected our request due to an "
			"error in our request");
		break;
	case 429:
		err_set(e, code, "the server has received too many requests "
			"and has asked us to try again later");
		break;
	case 503:
		err_set(e, code, "the server is currently unable to handle "
			"the request");
		break;
	case 504:
		err_set(e, code, "the server was unable to return a response "
			"in the time allotted, but may still be processing the "
			"request");
		break;
	default:
		if (status >= 500) {
			struct buf qres = BUF_INIT, name = BUF_INIT;
			kube_path_parts(x->path, &qres, &name);
			char *verb = xstrdup(x->method);
			for (char *p = verb; *p; p++) {
				*p = (char)tolower((unsigned char)*p);
			}
			struct buf suffix = BUF_INIT;
			if (qres.len) {
				buf_addf(&suffix, " (%s %s%s%s)", verb,
					 qres.buf, name.len ? " " : "",
					 name.buf);
			}
			err_set(e, code, "an error on the server (\"%s\") has "
				"prevented the request from succeeding%s",
				server_msg, suffix.buf);
			buf_release(&suffix);
			buf_release(&qres);
			buf_release(&name);
			free(verb);
		} else {
			err_set(e, code, "the server responded with the status "
				"code %ld but did not return more information",
				status);
		}
		break;
	}
	buf_release(&body);
	e->http_status = status;
	return -code;
}

/* connected: a connection (to the proxy, when there is one) was made */
static int
kube_transport_error(struct kube_xfer *x, CURLcode res, long oserr,
		     bool connected)
{
	struct pd_err *e = &x->err;
	const struct kube_client *c = x->c;
	const char *hp = c->hostport;
	const char *detail = x->errbuf[0] ? x->errbuf
					  : curl_easy_strerror(res);
	int r;
	if (res == CURLE_OPERATION_TIMEDOUT && x->by_deadline) {
		/* the caller's deadline ran out, not the request's time */
		r = err_set(e, PD_ETIMEOUT, "no answer from %s before the "
			    "deadline", hp);
		e->http_status = 0;
		return r;
	}
	if (c->proxy_shown) {
		/* with a proxy, libcurl connects to the proxy only */
		if (res == CURLE_COULDNT_CONNECT) {
			r = err_set(e, PD_ERUNTIME, "cannot reach proxy '%s' "
				    "for %s: %s", c->proxy_shown, c->target,
				    oserr ? strerror((int)oserr) : detail);
			e->http_status = 0;
			return r;
		}
		if (res == CURLE_OPERATION_TIMEDOUT && !connected) {
			r = err_set(e, PD_ERUNTIME, "cannot reach proxy '%s' "
				    "for %s: %s", c->proxy_shown, c->target,
				    detail);
			e->http_status = 0;
			return r;
		}
		if (res == CURLE_COULDNT_RESOLVE_PROXY) {
			r = err_set(e, PD_ERUNTIME, "cannot reach proxy '%s' "
				    "for %s: cannot resolve proxy host",
				    c->proxy_shown, c->target);
			e->http_status = 0;
			return r;
		}
		if (res == CURLE_PROXY ||
		    (res == CURLE_RECV_ERROR && strstr(detail, "CONNECT"))) {
			r = err_set(e, PD_ERUNTIME, "proxy '%s' failed for %s: "
				    "%s", c->proxy_shown, c->target, detail);
			e->http_status = 0;
			return r;
		}
	}
	switch (res) {
	case CURLE_COULDNT_CONNECT:
		r = err_set(e, PD_ERUNTIME, "cannot connect to %s: %s", hp,
			    oserr ? strerror((int)oserr) : detail);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		r = err_set(e, PD_ERUNTIME,
			    "cannot connect to %s: cannot resolve host", hp);
		break;
	case CURLE_COULDNT_RESOLVE_PROXY:
		r = err_set(e, PD_ERUNTIME,
			    "cannot connect to %s: cannot resolve proxy", hp);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		/* --request-timeout (or the connect timeout): a failed
		 * request, as kubectl's is (exit 1), not a wait that ended */
		r = err_set(e, PD_ERUNTIME, "request to %s timed out: %s", hp,
			    detail);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		r = err_set(e, PD_ERUNTIME,
			    "TLS verification failed for %s: %s", hp, detail);
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_USE_SSL_FAILED:
		r = err_set(e, PD_ERUNTIME, "TLS handshake with %s failed: %s",
			    hp, detail);
		break;
	default:
		r = err_set(e, PD_ERUNTIME, "request to %s failed: %s", hp,
			    detail);
		break;
	}
	e->http_status = 0;
	return r;
}

/* ------------------------------------------------------------ transfers */

struct kube_xfer *
kube_xfer_new(struct kube_client *c, const char *method, const char *path,
	      const char *content_type, const char *body)
{
	struct kube_xfer *x = xcalloc(1, sizeof(*x));
	x->c = c;
	x->method = xstrdup(method ? method : "GET");
	x->path = xstrdup(path);
	x->content_type = kube_strdup0(content_type);
	x->body = kube_strdup0(body);
	buf_init(&x->resp, KUBE_MAX_BODY);
	x->retry_after = -1;
	return x;
}

static void
kube_waiting_remove(struct kube_client *c, struct kube_xfer *x)
{
	for (size_t i = 0; i < c->nwaiting; i++) {
		if (c->waiting[i] == x) {
			memmove(c->waiting + i, c->waiting + i + 1,
				(c->nwaiting - i - 1) * sizeof(*c->waiting));
			c->nwaiting--;
			break;
		}
	}
	x->waiting = false;
}

static void
kube_xfer_detach(struct kube_xfer *x)
{
	if (x->h) {
		curl_multi_remove_handle(x->c->multi, x->h);
		curl_easy_cleanup(x->h);
		x->h = NULL;
	}
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
	if (x->waiting) {
		kube_waiting_remove(x->c, x);
	}
}

void
kube_xfer_free(struct kube_xfer *x)
{
	if (!x) {
		return;
	}
	kube_xfer_detach(x);
	free(x->method);
	free(x->path);
	free(x->query);
	free(x->content_type);
	free(x->body);
	free(x->cont);
	cJSON_Delete(x->acc);
	cJSON_Delete(x->out);
	buf_release(&x->resp);
	free(x);
}

static void
kube_xfer_finish(struct kube_xfer *x, int rc)
{
	x->rc = rc;
	x->done = true;
	x->c->finished++;
	if (x->on_done) {
		x->on_done(x);
	}
}

static size_t
kube_write_cb(char *p, size_t sz, size_t nm, void *arg)
{
	struct kube_xfer *x = arg;
	size_t n = sz * nm;
	if (x->sink) {
		long st = 0;
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &st);
		if (st >= 200 && st < 300) {
			size_t w = x->sink(x->sink_arg, p, n);
			if (w != n) {
				x->aborted = true;
			}
			return w;
		}
	}
	if (buf_add(&x->resp, p, n) < 0) {
		x->too_big = true;
		return 0;
	}
	return n;
}

static size_t
kube_header_cb(char *p, size_t sz, size_t nm, void *arg)
{
	struct kube_xfer *x = arg;
	size_t n = sz * nm;
	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		x->retry_after = -1;
	} else if (n > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
		size_t i = 12;
		while (i < n && (p[i] == ' ' || p[i] == '\t')) {
			i++;
		}
		long v = 0;
		bool any = false;
		while (i < n && isdigit((unsigned char)p[i]) && v < 1000000) {
			v = v * 10 + (p[i] - '0');
			i++;
			any = true;
		}
		x->retry_after = any ? v : 1;
	}
	return n;
}

/* ms as Go's time.Duration String() writes it ("1m30s", "500ms"), for
 * the timeout parameter client-go sends. */
static void
kube_add_goduration(struct buf *b, long ms)
{
	if (ms < 1000) {
		buf_addf(b, "%ldms", ms);
		return;
	}
	long h = ms / 3600000, m = ms / 60000 % 60, sec = ms / 1000 % 60;
	long frac = ms % 1000;
	if (h) {
		buf_addf(b, "%ldh", h);
	}
	if (h || m) {
		buf_addf(b, "%ldm", m);
	}
	buf_addf(b, "%ld", sec);
	if (frac) {
		char f[8];
		int n = snprintf(f, sizeof(f), "%03ld", frac);
		while (n > 0 && f[n - 1] == '0') {
			f[--n] = '\0';
		}
		buf_addf(b, ".%s", f);
	}
	buf_addch(b, 's');
}

static char *
kube_xfer_url(const struct kube_xfer *x)
{
	struct buf u = BUF_INIT;
	buf_adds(&u, x->c->base);
	buf_adds(&u, x->path);
	char sep = strchr(x->path, '?') ? '&' : '?';
	if (x->query && *x->query) {
		buf_addf(&u, "%c%s", sep, x->query);
		sep = '&';
	}
	if (x->list) {
		if (x->page_limit > 0) {
			buf_addf(&u, "%climit=%d", sep, x->page_limit);
		} else {
			buf_addf(&u, "%climit=" KUBE_PAGE_LIMIT, sep);
		}
		sep = '&';
		if (x->cont) {
			buf_adds(&u, "&continue=");
			buf_add_urlenc(&u, x->cont);
		}
	}
	if (!x->watch && x->c->timeout_ms > 0) {
		/* as client-go does with a request timeout: the server
		 * may give up at the same time */
		buf_addf(&u, "%ctimeout=", sep);
		kube_add_goduration(&u, x->c->timeout_ms);
	}
	return buf_detach(&u, NULL);
}

/* The client's deadline passed before x could finish: PD_ETIMEOUT, naming
 * the server and the last answer that was to be retried, if any. */
static int
kube_deadline_error(struct kube_xfer *x)
{
	struct pd_err *e = &x->err;
	int r;
	if (e->http_status) {
		struct buf last = BUF_INIT;
		buf_adds(&last, e->msg);
		r = err_set(e, PD_ETIMEOUT, "no answer from %s before the "
			    "deadline (last: %s)", x->c->hostport, last.buf);
		buf_release(&last);
	} else {
		r = err_set(e, PD_ETIMEOUT, "no answer from %s before the "
			    "deadline", x->c->hostport);
	}
	e->http_status = 0;
	return r;
}

void
kube_xfer_launch(struct kube_xfer *x)
{
	struct kube_client *c = x->c;
	struct kube_auth_cred a;
	buf_reset(&x->resp);
	x->retry_after = -1;
	x->too_big = false;
	x->aborted = false;
	x->errbuf[0] = '\0';
	int r = kube_auth_get(c->auth, &a, &x->err);
	if (r < 0) {
		kube_xfer_finish(x, r);
		return;
	}
	x->exec_used = a.exec_used;
	x->exec_gen = a.exec_gen;

	/* how long this transfer may take: the request timeout (a watch's
	 * own limit), cut to what is left before the client's deadline */
	long limit = x->watch ? (x->watch_timeout_s + 30) * 1000L
			      : c->timeout_ms;
	x->by_deadline = false;
	if (c->deadline > 0) {
		double left = c->deadline - kube_now_ms();
		if (left < 1) {
			kube_xfer_finish(x, kube_deadline_error(x));
			return;
		}
		if (limit <= 0 || left < (double)limit) {
			limit = (long)ceil(left);
			x->by_deadline = true;
		}
	}

	CURL *h = curl_easy_init();
	if (!h) {
		kube_xfer_finish(x, err_set(&x->err, PD_EINTERNAL,
					    "cannot create a curl handle"));
		return;
	}
	x->h = h;
	char *url = kube_xfer_url(x);
	curl_easy_setopt(h, CURLOPT_URL, url);
	free(url);
	curl_easy_setopt(h, CURLOPT_PRIVATE, x);
	curl_easy_setopt(h, CURLOPT_SHARE, c->share);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION,
			 (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 30L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 15L);
	long ct = KUBE_CONNECT_TIMEOUT_MS;
	if (limit > 0 && limit < ct) {
		ct = limit;
	}
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ct);
	if (limit > 0) {
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, limit);
	}
	if (c->compress) {
		curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	}
	/* proxy.c decided (as kubectl does); libcurl's own reading of the
	 * environment must not apply: "" means no proxy */
	curl_easy_setopt(h, CURLOPT_PROXY, c->proxy ? c->proxy : "");
	curl_easy_setopt(h, CURLOPT_NOPROXY, "");
	if (c->connect_to) {
		curl_easy_setopt(h, CURLOPT_CONNECT_TO, c->connect_to);
	}
	if (c->tls) {
		if (c->insecure) {
			curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
		} else if (c->ca.len) {
			struct curl_blob blob = { c->ca.buf, c->ca.len,
						  CURL_BLOB_COPY };
			curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
		}
		if (a.cert) {
			struct curl_blob cb = { a.cert->buf, a.cert->len,
						CURL_BLOB_COPY };
			struct curl_blob kb = { a.key->buf, a.key->len,
						CURL_BLOB_COPY };
			curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cb);
			curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
			curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &kb);
			curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
		}
		if (a.userpwd) {
			curl_easy_setopt(h, CURLOPT_HTTPAUTH,
					 (long)CURLAUTH_BASIC);
			curl_easy_setopt(h, CURLOPT_USERPWD, a.userpwd);
		}
	}

	struct curl_slist *hd = NULL;
	hd = curl_slist_append(hd, "Accept: application/json");
	hd = curl_slist_append(hd, "Expect:");
	if (c->host_header) {
		hd = curl_slist_append(hd, c->host_header);
	}
	if (x->body) {
		char *ctl = xasprintf("Content-Type: %s",
				      x->content_type ? x->content_type
						      : "application/json");
		hd = curl_slist_append(hd, ctl);
		free(ctl);
	}
	if (a.bearer) {
		char *auth = xasprintf("Authorization: Bearer %s", a.bearer);
		hd = curl_slist_append(hd, auth);
		memset(auth, 0, strlen(auth));
		free(auth);
	}
	for (size_t i = 0; i < a.nheaders; i++) {
		hd = curl_slist_append(hd, a.headers[i]);
	}
	x->hdrs = hd;
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);

	if (strcmp(x->method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(x->method, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, x->method);
	}
	if (x->body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)strlen(x->body));
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, x->body);
	} else if (strcmp(x->method, "POST") == 0 ||
		   strcmp(x->method, "PUT") == 0 ||
		   strcmp(x->method, "PATCH") == 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)0);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
	}
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, kube_write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, kube_header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	if (curl_multi_add_handle(c->multi, h) != CURLM_OK) {
		kube_xfer_detach(x);
		kube_xfer_finish(x, err_set(&x->err, PD_EINTERNAL,
					    "cannot start a transfer"));
	}
}

static void
kube_xfer_wait(struct kube_xfer *x, double ms)
{
	struct kube_client *c = x->c;
	x->due = kube_now_ms() + ms;
	x->waiting = true;
	if (c->nwaiting == c->awaiting) {
		c->awaiting = c->awaiting ? c->awaiting * 2 : 8;
		c->waiting = xrealloc(c->waiting,
				      c->awaiting * sizeof(*c->waiting));
	}
	c->waiting[c->nwaiting++] = x;
}

/* A list page arrived: merge it; 1 when another page is needed. */
static int
kube_list_page(struct kube_xfer *x, cJSON *page)
{
	if (!cJSON_IsObject(page)) {
		cJSON_Delete(page);
		x->err.http_status = 0;
		return err_set(&x->err, PD_ERUNTIME,
			       "unexpected list response from %s",
			       x->c->hostport);
	}
	cJSON *items = cJSON_GetObjectItemCaseSensitive(page, "items");
	if (!cJSON_IsArray(items)) {
		json_set_item(page, "items", cJSON_CreateArray());
		items = cJSON_GetObjectItemCaseSensitive(page, "items");
	}
	if (x->item_trim) {
		for (cJSON *it = items->child; it; it = it->next) {
			x->item_trim(it);
		}
	}
	const char *cont = json_str(page, "metadata.continue");
	char *next = cont && *cont ? xstrdup(cont) : NULL;
	if (!x->acc) {
		x->acc = page;
	} else {
		cJSON *acc_items = cJSON_GetObjectItemCaseSensitive(x->acc,
								    "items");
		while (items->child) {
			cJSON *it = cJSON_DetachItemViaPointer(items,
							       items->child);
			cJSON_AddItemToArray(acc_items, it);
		}
		const char *rv = json_str(page, "metadata.resourceVersion");
		if (rv) {
			json_set_str(json_obj_ensure(x->acc, "metadata"),
				     "resourceVersion", rv);
		}
		cJSON_Delete(page);
	}
	free(x->cont);
	x->cont = next;
	if (next) {
		return 1;
	}
	cJSON *md = cJSON_GetObjectItemCaseSensitive(x->acc, "metadata");
	cJSON_DeleteItemFromObjectCaseSensitive(md, "continue");
	cJSON_DeleteItemFromObjectCaseSensitive(md, "remainingItemCount");
	return 0;
}

static void
kube_xfer_complete(struct kube_xfer *x, CURLcode res)
{
	struct kube_client *c = x->c;
	long status = 0, oserr = 0;
	curl_off_t connect_us = 0;
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(x->h, CURLINFO_OS_ERRNO, &oserr);
	curl_easy_getinfo(x->h, CURLINFO_CONNECT_TIME_T, &connect_us);
	kube_xfer_detach(x);

	if (res != CURLE_OK) {
		if (x->aborted) {
			kube_xfer_finish(x, 0);
			return;
		}
		if (x->too_big) {
			x->err.http_status = 0;
			kube_xfer_finish(x, err_set(&x->err, PD_ETOOBIG,
				"response from %s is larger than %zu bytes",
				c->hostport, (size_t)KUBE_MAX_BODY));
			return;
		}
		kube_xfer_finish(x, kube_transport_error(x, res, oserr,
							 connect_us > 0));
		return;
	}
	if (status == 401 && x->exec_used && !x->auth_retried) {
		/* refresh the plugin's credential once, then retry once */
		x->auth_retried = true;
		kube_auth_expire(c->auth, x->exec_gen);
		kube_xfer_launch(x);
		return;
	}
	if ((status == 429 || (status >= 500 && x->retry_after >= 0)) &&
	    x->retries < KUBE_MAX_RETRIES) {
		long s = x->retry_after >= 0 ? x->retry_after : 1;
		if (s > KUBE_RETRY_CAP_S) {
			s = KUBE_RETRY_CAP_S;
		}
		x->retries++;
		/* what to report if the deadline comes first */
		kube_http_error(x, status);
		double ms = (double)s * 1000.0 * c->scale;
		if (c->deadline > 0 && kube_now_ms() + ms > c->deadline) {
			ms = c->deadline - kube_now_ms();
			ms = ms < 0 ? 0 : ms;
		}
		kube_xfer_wait(x, ms);
		return;
	}
	if (status >= 200 && status < 300) {
		if (x->watch || (x->discard && !x->list)) {
			buf_release(&x->resp);
			kube_xfer_finish(x, 0);
			return;
		}
		cJSON *j = NULL;
		size_t i = 0;
		while (i < x->resp.len &&
		       isspace((unsigned char)x->resp.buf[i])) {
			i++;
		}
		struct buf kept = BUF_INIT;
		if (i < x->resp.len && x->list && x->keep &&
		    json_filter_items(x->resp.buf, x->resp.len, x->keep,
				      x->keep_arg, &kept) == 0) {
			buf_release(&x->resp);
			x->resp = kept;
		}
		if (i < x->resp.len) {
			j = json_parse(x->resp.buf, x->resp.len, &x->err);
			if (!j) {
				err_prefix(&x->err, "invalid JSON from %s",
					   c->hostport);
				x->err.code = PD_ERUNTIME;
				x->err.http_status = 0;
				kube_xfer_finish(x, -PD_ERUNTIME);
				return;
			}
		}
		buf_release(&x->resp);
		if (x->list) {
			int r = kube_list_page(x, j);
			if (r < 0) {
				kube_xfer_finish(x, r);
			} else if (r == 1) {
				x->retries = 0;
				kube_xfer_launch(x);
			} else {
				x->out = x->acc;
				x->acc = NULL;
				kube_xfer_finish(x, 0);
			}
			return;
		}
		x->out = j;
		kube_xfer_finish(x, 0);
		return;
	}
	if (x->list && status == 410 && x->cont && !x->restarted) {
		/* the continue token expired: start the list again, once */
		x->restarted = true;
		free(x->cont);
		x->cont = NULL;
		cJSON_Delete(x->acc);
		x->acc = NULL;
		x->retries = 0;
		kube_xfer_launch(x);
		return;
	}
	kube_xfer_finish(x, kube_http_error(x, status));
}

static void
kube_client_drain(struct kube_client *c)
{
	for (;;) {
		int left = 0;
		CURLMsg *msg = curl_multi_info_read(c->multi, &left);
		if (!msg) {
			break;
		}
		if (msg->msg != CURLMSG_DONE) {
			continue;
		}
		CURL *h = msg->easy_handle;
		CURLcode res = msg->data.result;
		struct kube_xfer *x = NULL;
		curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&x);
		if (x) {
			kube_xfer_complete(x, res);
		}
	}
}

/* Start the transfers whose retry wait is over; ms until the next one. */
static double
kube_client_due(struct kube_client *c)
{
	for (;;) {
		double now = kube_now_ms();
		struct kube_xfer *due = NULL;
		double next = -1;
		for (size_t i = 0; i < c->nwaiting; i++) {
			struct kube_xfer *x = c->waiting[i];
			if (x->due <= now) {
				due = x;
				break;
			}
			if (next < 0 || x->due - now < next) {
				next = x->due - now;
			}
		}
		if (!due) {
			return next;
		}
		kube_waiting_remove(c, due);
		kube_xfer_launch(due);
	}
}

/* One turn of the loop: start due retries, move the transfers on and
 * complete the finished ones; when nothing finished, wait for activity
 * (at most wait_ms, less when a retry falls due, or until one of fds is
 * readable) and go on once more. */
void
kube_client_step_fds(struct kube_client *c, long wait_ms, const int *fds,
		     size_t nfds)
{
	unsigned long before = c->finished;
	int running = 0;
	kube_client_due(c);
	curl_multi_perform(c->multi, &running);
	kube_client_drain(c);
	double next = kube_client_due(c);
	if (c->finished != before) {
		return;
	}
	if (next >= 0 && next < (double)wait_ms) {
		wait_ms = (long)ceil(next);
	}
	if (wait_ms < 0) {
		wait_ms = 0;
	}
	struct curl_waitfd w[4];
	unsigned nw = 0;
	for (size_t i = 0; i < nfds && nw < 4; i++) {
		w[nw].fd = fds[i];
		w[nw].events = CURL_WAIT_POLLIN;
		w[nw].revents = 0;
		nw++;
	}
	curl_multi_poll(c->multi, nw ? w : NULL, nw, (int)wait_ms, NULL);
	kube_client_due(c);
	curl_multi_perform(c->multi, &running);
	kube_client_drain(c);
}

void
kube_client_step(struct kube_client *c, long wait_ms)
{
	kube_client_step_fds(c, wait_ms, NULL, 0);
}

static void
kube_run(struct kube_client *c, struct kube_xfer **xs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		kube_xfer_launch(xs[i]);
	}
	for (;;) {
		bool all = true;
		for (size_t i = 0; i < n; i++) {
			if (!xs[i]->done) {
				all = false;
			}
		}
		if (all) {
			break;
		}
		kube_client_step(c, 1000);
	}
}

/* ------------------------------------------------------------ client */

static int
kube_client_url(struct kube_client *c, const struct kube_config *cfg,
		struct pd_err *e)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *scheme = NULL, *path = NULL;
	int r = 0;
	if (!cfg->server ||
	    curl_url_set(u, CURLUPART_URL, cfg->server, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
		    CURLUE_OK) {
		r = err_set(e, PD_EINVALID, "invalid server URL \"%s\"",
			    cfg->server ? cfg->server : "");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
		path = NULL;
	}
	struct buf p = BUF_INIT;
	if (path) {
		buf_adds(&p, path);
	}
	while (p.len && p.buf[p.len - 1] == '/') {
		buf_setlen(&p, p.len - 1);
	}
	c->hostport = xasprintf("%s:%s", host, port);
	if (c->tls && cfg->tls_server_name && *cfg->tls_server_name) {
		/* no SNI override in libcurl: address the server by that
		 * name and connect to the real host */
		const char *sn = cfg->tls_server_name;
		bool v6 = strchr(sn, ':') != NULL;
		c->base = xasprintf("%s://%s%s%s:%s%s", scheme, v6 ? "[" : "",
				    sn, v6 ? "]" : "", port, p.buf);
		char *ct = xasprintf("%s%s%s:%s:%s:%s", v6 ? "[" : "", sn,
				     v6 ? "]" : "", port, host, port);
		c->connect_to = curl_slist_append(NULL, ct);
		free(ct);
		c->host_header = xasprintf("Host: %s", c->hostport);
	} else {
		c->base = xasprintf("%s://%s:%s%s", scheme, host, port, p.buf);
	}
	buf_release(&p);
out:
	curl_free(host);
	curl_free(port);
	curl_free(scheme);
	curl_free(path);
	curl_url_cleanup(u);
	return r;
}

struct kube_client *
kube_client_new(const struct kube_config *cfg, const char *user_agent,
		struct pd_err *e)
{
	static bool inited;
	if (!inited) {
		const char *why = curl_lazy_load();
		if (why) {
			err_set(e, PD_ERUNTIME, "cannot load libcurl: %s", why);
			return NULL;
		}
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			err_set(e, PD_EINTERNAL, "cannot initialise libcurl");
			return NULL;
		}
		inited = true;
	}
	struct kube_client *c = xcalloc(1, sizeof(*c));
	buf_init(&c->ca, 0);
	c->tls = cfg->tls;
	if (kube_client_url(c, cfg, e) < 0) {
		kube_client_free(c);
		return NULL;
	}
	c->user_agent = xstrdup(user_agent ? user_agent : "pdkit");
	c->timeout_ms = cfg->timeout_ms;
	c->compress = !cfg->disable_compression;
	c->target = xasprintf("%s://%s", c->tls ? "https" : "http",
			      c->hostport);
	struct proxy_env env;
	proxy_env_read(&env);
	char *px = NULL;
	if (proxy_for_url(cfg->server, cfg->proxy_url, &env, &px, e) < 0) {
		kube_client_free(c);
		return NULL;
	}
	if (px) {
		c->proxy = proxy_curl_url(px);
		c->proxy_shown = proxy_display(px);
		free(px);
	}
	if (c->tls) {
		buf_add(&c->ca, cfg->ca_pem.buf, cfg->ca_pem.len);
		c->insecure = cfg->insecure;
	}
	c->auth = kube_auth_new(cfg);
	const char *sc = getenv("PDKIT_RETRY_SCALE");
	c->scale = 1.0;
	if (sc && *sc) {
		char *end;
		double v = strtod(sc, &end);
		if (!*end && v >= 0 && isfinite(v)) {
			c->scale = v;
		}
	}
	c->rng = (unsigned)time(NULL) ^ (unsigned)getpid();
	c->share = curl_share_init();
	c->multi = curl_multi_init();
	if (!c->share || !c->multi) {
		kube_client_free(c);
		err_set(e, PD_EINTERNAL, "cannot initialise libcurl");
		return NULL;
	}
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(c->share, CURLSHOPT_SHARE,
			  CURL_LOCK_DATA_SSL_SESSION);
	return c;
}

void
kube_client_free(struct kube_client *c)
{
	if (!c) {
		return;
	}
	while (c->nwaiting) {
		kube_waiting_remove(c, c->waiting[0]);
	}
	free(c->waiting);
	if (c->multi) {
		curl_multi_cleanup(c->multi);
	}
	if (c->share) {
		curl_share_cleanup(c->share);
	}
	free(c->base);
	free(c->hostport);
	curl_slist_free_all(c->connect_to);
	free(c->host_header);
	buf_release(&c->ca);
	free(c->proxy);
	free(c->proxy_shown);
	free(c->target);
	kube_auth_free(c->auth);
	free(c->user_agent);
	free(c);
}

double
kube_client_scale(const struct kube_client *c)
{
	return c->scale;
}

unsigned
kube_client_rand(struct kube_client *c)
{
	return (unsigned)rand_r(&c->rng);
}

void
kube_client_set_deadline(struct kube_client *c, long long ms)
{
	if (ms < 0) {
		c->deadline = 0;
		return;
	}
	c->deadline = kube_now_ms() + (double)ms;
}

long long
kube_client_remaining(const struct kube_client *c)
{
	if (c->deadline <= 0) {
		return -1;
	}
	double left = c->deadline - kube_now_ms();
	return left <= 0 ? 0 : (long long)ceil(left);
}

double
kube_client_deadline(const struct kube_client *c)
{
	return c->deadline;
}

/* ------------------------------------------------------------ requests */

static int
kube_take_result(struct kube_xfer *x, cJSON **out, struct pd_err *e)
{
	int rc = x->rc;
	if (rc < 0) {
		if (e) {
			*e = x->err;
		}
	} else if (out) {
		*out = x->out;
		x->out = NULL;
	}
	return rc;
}

int
kube_request(struct kube_client *c, const char *method, const char *path,
	     const char *content_type, const char *body, cJSON **out,
	     struct pd_err *e)
{
	if (out) {
		*out = NULL;
	}
	struct kube_xfer *x = kube_xfer_new(c, method, path, content_type,
					    body);
	x->discard = out == NULL;
	kube_run(c, &x, 1);
	int rc = kube_take_result(x, out, e);
	kube_xfer_free(x);
	return rc;
}

int
kube_list(struct kube_client *c, const char *path, const char *query,
	  cJSON **out, struct pd_err *e)
{
	if (out) {
		*out = NULL;
	}
	struct kube_xfer *x = kube_xfer_new(c, "GET", path, NULL, NULL);
	x->list = true;
	x->query = kube_strdup0(query);
	kube_run(c, &x, 1);
	int rc = kube_take_result(x, out, e);
	kube_xfer_free(x);
	return rc;
}

int
kube_parallel(struct kube_client *c, struct kube_call *calls, size_t n)
{
	if (n == 0) {
		return 0;
	}
	struct kube_xfer **xs = xcalloc(n, sizeof(*xs));
	for (size_t i = 0; i < n; i++) {
		xs[i] = kube_xfer_new(c, calls[i].method, calls[i].path, NULL,
				      NULL);
		xs[i]->list = calls[i].list;
		xs[i]->keep = calls[i].keep;
		xs[i]->keep_arg = calls[i].keep_arg;
	}
	kube_run(c, xs, n);
	int first = 0;
	for (size_t i = 0; i < n; i++) {
		memset(&calls[i].err, 0, sizeof(calls[i].err));
		calls[i].out = NULL;
		calls[i].rc = kube_take_result(xs[i], &calls[i].out,
					       &calls[i].err);
		if (calls[i].rc < 0 && first == 0) {
			first = calls[i].rc;
		}
		kube_xfer_free(xs[i]);
	}
	free(xs);
	return first;
}

char *
kube_path(const char *group, const char *version, const char *ns,
	  const char *plural, const char *name)
{
	struct buf b = BUF_INIT;
	if (!group || !*group) {
		buf_adds(&b, "/api/");
	} else {
		buf_adds(&b, "/apis/");
		kube_add_pathenc(&b, group);
		buf_addch(&b, '/');
	}
	kube_add_pathenc(&b, version);
	if (ns && *ns) {
		buf_adds(&b, "/namespaces/");
		kube_add_pathenc(&b, ns);
	}
	buf_addch(&b, '/');
	kube_add_pathenc(&b, plural);
	if (name && *name) {
		buf_addch(&b, '/');
		kube_add_pathenc(&b, name);
	}
	return buf_detach(&b, NULL);
}

