/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dash-http: the dashboard's HTTP server (see dash.h) on libmicrohttpd with
 * one internal polling thread (epoll or poll, MHD_USE_AUTO) and no thread
 * per connection. An event stream is a response whose content reader takes
 * what the store has not sent to it yet; with nothing to send it suspends
 * its connection and returns 0, and dash_http_wake() resumes the waiting
 * ones, so an open page costs a socket and a few hundred bytes, never a
 * thread. An action (PUT) suspends its connection, waits in a queue for
 * the informers' thread (which owns the Kubernetes client) and is resumed
 * with the result.
 *
 * libmicrohttpd (with GnuTLS behind it) is loaded with dlopen() when the
 * dashboard starts (PD_MHD_SONAME, the soname of the library the build
 * found), as src/curl_lazy.c loads libcurl: the other commands of
 * kubectl-rollouts never pay for loading it.
 *
 * Safety: when bound to a loopback address the Host header must name it
 * (no DNS rebinding); with a token every request needs it (a bearer
 * header, or the cookie the sign-in form sets); a PUT is refused under
 * read-only, from another origin (Origin, Sec-Fetch-Site) and without the
 * per-process CSRF token the page carries in X-CSRF-Token (or a bearer
 * header).
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dash.h"
#include "xalloc.h"

#ifndef PD_MHD_SONAME
#define PD_MHD_SONAME "libmicrohttpd.so.12"
#endif

enum { DASH_SEGS = 12 };

/* The libmicrohttpd functions used, resolved by dash_http_load(). */
#define DASH_MHD_FUNCS(X)                                                  \
	X(struct MHD_Response *, create_response_from_buffer,              \
	  (size_t, void *, enum MHD_ResponseMemoryMode))                   \
	X(struct MHD_Response *, create_response_from_callback,            \
	  (uint64_t, size_t, MHD_ContentReaderCallback, void *,            \
	   MHD_ContentReaderFreeCallback))                                 \
	X(enum MHD_Result, add_response_header,                            \
	  (struct MHD_Response *, const char *, const char *))             \
	X(enum MHD_Result, queue_response,                                 \
	  (struct MHD_Connection *, unsigned int, struct MHD_Response *))  \
	X(void, destroy_response, (struct MHD_Response *))                 \
	X(void, suspend_connection, (struct MHD_Connection *))             \
	X(void, resume_connection, (struct MHD_Connection *))              \
	X(const char *, lookup_connection_value,                           \
	  (struct MHD_Connection *, enum MHD_ValueKind, const char *))     \
	X(void, stop_daemon, (struct MHD_Daemon *))

static struct {
#define DASH_MHD_PTR(ret, name, args) ret (*name) args;
	DASH_MHD_FUNCS(DASH_MHD_PTR)
#undef DASH_MHD_PTR
	struct MHD_Daemon *(*start_daemon)(unsigned int, uint16_t,
		MHD_AcceptPolicyCallback, void *, MHD_AccessHandlerCallback,
		void *, ...);
	bool loaded;
} dash_mhd;

/* Load libmicrohttpd: 0, or a negative PD_E* with e filled. */
static int
dash_http_load(struct pd_err *e)
{
	if (dash_mhd.loaded) {
		return 0;
	}
	void *lib = dlopen(PD_MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		return err_set(e, PD_ERUNTIME, "cannot load %s: %s",
			       PD_MHD_SONAME, dlerror());
	}
	void *sym;
#define DASH_MHD_SYM(ret, name, args)                                      \
	sym = dlsym(lib, "MHD_" #name);                                    \
	if (!sym) {                                                        \
		return err_set(e, PD_ERUNTIME, "cannot load %s: no MHD_%s", \
			       PD_MHD_SONAME, #name);                      \
	}                                                                  \
	memcpy(&dash_mhd.name, &sym, sizeof(sym));
	DASH_MHD_FUNCS(DASH_MHD_SYM)
	DASH_MHD_SYM(void, start_daemon, ())
#undef DASH_MHD_SYM
	dash_mhd.loaded = true;
	return 0;
}

struct dash_stream {
	struct dash_stream *next;
	struct dash_http *h;
	struct MHD_Connection *conn;
	char *ns, *name;          /* ns NULL: every namespace */
	unsigned long long seq;
	int status;
	bool suspended, started, ping;
	struct buf pending;
	size_t off;
};

struct dash_req {
	struct dash_req *qnext;
	struct MHD_Connection *conn;
	int state;                /* 0 new, 1 queued, 2 done */
	char *segs[DASH_SEGS];    /* the decoded path of an action */
	struct dash_action act;
};

struct dash_http {
	struct MHD_Daemon *d;
	int fd, port;
	struct dash_http_options o;
	char *root;
	char csrf[33];
	char *hosts[5];
	pthread_mutex_t mu;
	struct dash_stream *streams;
	size_t nstreams;
	struct dash_req *queue;
	bool closing;
};

/* ------------------------------------------------------------ helpers */

/* Decode %XX in place; false on a bad escape or an encoded NUL or
 * slash-free segment rule broken. */
static bool
dash_http_unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (*r != '%') {
			*w++ = *r;
			continue;
		}
		unsigned v;
		if (!r[1] || !r[2] || sscanf(r + 1, "%2x", &v) != 1 || v == 0) {
			return false;
		}
		*w++ = (char)v;
		r += 2;
	}
	*w = '\0';
	return true;
}

/* MHD's unescaping replaced by none: the path is split first, each
 * segment decoded after (an image's slashes come as %2F). */
static size_t
dash_http_no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

/* Split path into decoded segments (copied into *store); the count, or
 * -1 when a segment cannot be decoded or there are too many. */
static int
dash_http_split(const char *url, char **store, char **segs)
{
	*store = xstrdup(url);
	int n = 0;
	for (char *p = *store; *p;) {
		while (*p == '/') {
			p++;
		}
		if (!*p) {
			break;
		}
		char *e = strchr(p, '/');
		if (e) {
			*e = '\0';
		}
		if (n == DASH_SEGS - 1 || !dash_http_unescape(p)) {
			return -1;
		}
		segs[n++] = p;
		p = e ? e + 1 : p + strlen(p);
	}
	return n;
}

/* Constant-time comparison of two strings. */
static bool
dash_http_same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;
	for (size_t i = 0; i < la && i < lb; i++) {
		d |= (unsigned char)(a[i] ^ b[i]);
	}
	return d == 0;
}

static enum MHD_Result
dash_http_send(struct MHD_Connection *c, unsigned status, const char *type,
	       const void *body, size_t len)
{
	struct MHD_Response *r = dash_mhd.create_response_from_buffer(len,
		(void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r) {
		return MHD_NO;
	}
	dash_mhd.add_response_header(r, "Content-Type", type);
	dash_mhd.add_response_header(r, "Cache-Control", "no-store");
	dash_mhd.add_response_header(r, "X-Content-Type-Options", "nosniff");
	dash_mhd.add_response_header(r, "X-Frame-Options", "DENY");
	dash_mhd.add_response_header(r, "Referrer-Policy", "no-referrer");
	if (strncmp(type, "text/html", 9) == 0) {
		dash_mhd.add_response_header(r, "Content-Security-Policy",
			"default-src 'self'; img-src 'self' data:; "
			"frame-ancestors 'none'; form-action 'none'");
	}
	enum MHD_Result ret = dash_mhd.queue_response(c, status, r);
	dash_mhd.destroy_response(r);
	return ret;
}

/* {"error":"MSG"} with status. */
static enum MHD_Result
dash_http_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "{\"error\":\"");
	buf_add_json_escaped(&b, msg);
	buf_adds(&b, "\"}");
	enum MHD_Result r = dash_http_send(c, status, "application/json",
					   b.buf, b.len);
	buf_release(&b);
	return r;
}

static enum MHD_Result
dash_http_json(struct MHD_Connection *c, struct buf *b)
{
	return dash_http_send(c, MHD_HTTP_OK, "application/json", b->buf,
			      b->len);
}

static enum MHD_Result
dash_http_redirect(struct MHD_Connection *c, const char *to)
{
	struct MHD_Response *r = dash_mhd.create_response_from_buffer(0, (void *)"",
		MHD_RESPMEM_PERSISTENT);
	if (!r) {
		return MHD_NO;
	}
	dash_mhd.add_response_header(r, "Location", to);
	enum MHD_Result ret = dash_mhd.queue_response(c, MHD_HTTP_FOUND, r);
	dash_mhd.destroy_response(r);
	return ret;
}

/* ------------------------------------------------------------- streams */

static ssize_t
dash_http_sse_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct dash_stream *st = cls;
	struct dash_http *h = st->h;
	(void)pos;
	pthread_mutex_lock(&h->mu);
	if (h->closing) {
		pthread_mutex_unlock(&h->mu);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	if (st->off == st->pending.len) {
		buf_reset(&st->pending);
		st->off = 0;
		if (!st->started) {
			buf_adds(&st->pending, "retry: 1000\n\n");
			st->started = true;
		}
		dash_store_events_since(h->o.store, st->ns, st->name,
					&st->seq, &st->status, &st->pending);
		if (!st->pending.len && st->ping) {
			buf_adds(&st->pending, ": ping\n\n");
		}
		st->ping = false;
	}
	if (st->off == st->pending.len) {
		if (st->pending.alloc > 65536) {
			buf_release(&st->pending);
		}
		st->suspended = true;
		dash_mhd.suspend_connection(st->conn);
		pthread_mutex_unlock(&h->mu);
		return 0;
	}
	size_t n = st->pending.len - st->off;
	if (n > max) {
		n = max;
	}
	memcpy(out, st->pending.buf + st->off, n);
	st->off += n;
	pthread_mutex_unlock(&h->mu);
	return (ssize_t)n;
}

static void
dash_http_sse_free(void *cls)
{
	struct dash_stream *st = cls;
	struct dash_http *h = st->h;
	pthread_mutex_lock(&h->mu);
	for (struct dash_stream **pp = &h->streams; *pp; pp = &(*pp)->next) {
		if (*pp == st) {
			*pp = st->next;
			h->nstreams--;
			break;
		}
	}
	pthread_mutex_unlock(&h->mu);
	buf_release(&st->pending);
	free(st->ns);
	free(st->name);
	free(st);
}

static enum MHD_Result
dash_http_sse(struct dash_http *h, struct MHD_Connection *c, const char *ns,
	      const char *name)
{
	struct dash_stream *st = xcalloc(1, sizeof(*st));
	st->h = h;
	st->conn = c;
	st->ns = ns ? xstrdup(ns) : NULL;
	st->name = name ? xstrdup(name) : NULL;
	st->status = -1;
	buf_init(&st->pending, 0);
	struct MHD_Response *r = dash_mhd.create_response_from_callback(
		MHD_SIZE_UNKNOWN, 4096, dash_http_sse_read, st,
		dash_http_sse_free);
	if (!r) {
		dash_http_sse_free(st);
		return MHD_NO;
	}
	pthread_mutex_lock(&h->mu);
	st->next = h->streams;
	h->streams = st;
	h->nstreams++;
	pthread_mutex_unlock(&h->mu);
	dash_mhd.add_response_header(r, "Content-Type", "text/event-stream");
	dash_mhd.add_response_header(r, "Cache-Control", "no-store");
	dash_mhd.add_response_header(r, "X-Accel-Buffering", "no");
	enum MHD_Result ret = dash_mhd.queue_response(c, MHD_HTTP_OK, r);
	dash_mhd.destroy_response(r);
	return ret;
}

void
dash_http_wake(struct dash_http *h)
{
	static long long last_ping;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	long long now = (long long)ts.tv_sec;
	bool ping = now - last_ping >= 15;
	if (ping) {
		last_ping = now;
	}
	pthread_mutex_lock(&h->mu);
	for (struct dash_stream *st = h->streams; st; st = st->next) {
		st->ping = st->ping || ping;
		if (st->suspended) {
			st->suspended = false;
			dash_mhd.resume_connection(st->conn);
		}
	}
	pthread_mutex_unlock(&h->mu);
}

size_t
dash_http_streams(struct dash_http *h)
{
	pthread_mutex_lock(&h->mu);
	size_t n = h->nstreams;
	pthread_mutex_unlock(&h->mu);
	return n;
}

/* ------------------------------------------------------------- actions */

void
dash_http_run_actions(struct dash_http *h,
		      void (*run)(void *arg, struct dash_action *a), void *arg)
{
	pthread_mutex_lock(&h->mu);
	struct dash_req *q = h->queue;
	h->queue = NULL;
	pthread_mutex_unlock(&h->mu);
	/* oldest first: the queue is pushed at its head */
	struct dash_req *rev = NULL;
	while (q) {
		struct dash_req *n = q->qnext;
		q->qnext = rev;
		rev = q;
		q = n;
	}
	for (struct dash_req *r = rev; r;) {
		struct dash_req *n = r->qnext;
		if (run) {
			run(arg, &r->act);
		} else {
			r->act.exit_code = 1;
			buf_adds(&r->act.message, "the dashboard is stopping");
		}
		pthread_mutex_lock(&h->mu);
		r->state = 2;
		dash_mhd.resume_connection(r->conn);
		pthread_mutex_unlock(&h->mu);
		r = n;
	}
}

static unsigned
dash_http_exit_status(int code)
{
	switch (code) {
	case 0:
		return MHD_HTTP_OK;
	case 2:
	case 8:
		return MHD_HTTP_BAD_REQUEST;
	case 3:
		return MHD_HTTP_NOT_FOUND;
	case 4:
	case 7:
		return MHD_HTTP_CONFLICT;
	case 5:
		return MHD_HTTP_FORBIDDEN;
	case 6:
		return MHD_HTTP_GATEWAY_TIMEOUT;
	case 1:
		return MHD_HTTP_BAD_GATEWAY;
	default:
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

static enum MHD_Result
dash_http_action_done(struct MHD_Connection *c, struct dash_req *rq)
{
	struct buf b = BUF_INIT;
	buf_addf(&b, "{\"ok\":%s,\"exitCode\":%d,\"message\":\"",
		 rq->act.exit_code == 0 ? "true" : "false", rq->act.exit_code);
	buf_add_json_escaped(&b, rq->act.message.buf);
	buf_adds(&b, "\"}");
	enum MHD_Result r = dash_http_send(c,
		dash_http_exit_status(rq->act.exit_code), "application/json",
		b.buf, b.len);
	buf_release(&b);
	return r;
}

/* The refusals of a PUT: NULL when it may go on. */
static const char *
dash_http_put_refused(struct dash_http *h, struct MHD_Connection *c,
		      bool bearer)
{
	if (h->o.read_only) {
		return "the dashboard is read-only";
	}
	const char *host = dash_mhd.lookup_connection_value(c, MHD_HEADER_KIND,
						       "Host");
	const char *origin = dash_mhd.lookup_connection_value(c, MHD_HEADER_KIND,
							 "Origin");
	if (origin) {
		/* https:// too: behind a TLS-terminating proxy */
		const char *o = strncmp(origin, "http://", 7) == 0 ? origin + 7 :
				strncmp(origin, "https://", 8) == 0 ? origin + 8 :
				NULL;
		if (!host || !o || strcmp(o, host) != 0) {
			return "cross-origin request refused";
		}
	}
	const char *site = dash_mhd.lookup_connection_value(c, MHD_HEADER_KIND,
						       "Sec-Fetch-Site");
	if (site && strcmp(site, "same-origin") != 0 &&
	    strcmp(site, "none") != 0) {
		return "cross-origin request refused";
	}
	const char *tok = dash_mhd.lookup_connection_value(c, MHD_HEADER_KIND,
						      "X-CSRF-Token");
	if (!bearer && (!tok || !dash_http_same(tok, h->csrf))) {
		return "missing or wrong X-CSRF-Token";
	}
	return NULL;
}

static bool
dash_http_ns_ok(struct dash_http *h, const char *ns)
{
	return !h->o.ns || strcmp(ns, h->o.ns) == 0;
}

/* PUT /api/v1/rollouts/NS/NAME/VERB[/ARGS]: validate and queue. */
static enum MHD_Result
dash_http_action(struct dash_http *h, struct MHD_Connection *c,
		 struct dash_req *rq, const char *url, bool bearer)
{
	const char *why = dash_http_put_refused(h, c, bearer);
	if (why) {
		return dash_http_error(c, MHD_HTTP_FORBIDDEN, why);
	}
	char *store = NULL;
	int n = dash_http_split(url, &store, rq->segs);
	/* the copy lives in segs[0]'s block: keep it for the request */
	rq->segs[DASH_SEGS - 1] = NULL;
	char **s = rq->segs;
	int k = 0;
	if (n > 0 && strcmp(s[0], h->root) == 0) {
		k = 1;
	}
	const char *bad = NULL;
	if (n < 0 || n - k < 6 || strcmp(s[k], "api") != 0 ||
	    strcmp(s[k + 1], "v1") != 0 || strcmp(s[k + 2], "rollouts") != 0) {
		bad = "no such action";
	} else {
		struct dash_action *a = &rq->act;
		int m = n - k - 5;
		a->ns = s[k + 3];
		a->name = s[k + 4];
		a->verb = s[k + 5];
		const char *v = a->verb;
		if ((strcmp(v, "promote") == 0 || strcmp(v, "abort") == 0 ||
		     strcmp(v, "retry") == 0 || strcmp(v, "restart") == 0 ||
		     strcmp(v, "pause") == 0) && m == 1) {
			const char *full = dash_mhd.lookup_connection_value(c,
				MHD_GET_ARGUMENT_KIND, "full");
			a->full = full && strcmp(full, "true") == 0;
		} else if (strcmp(v, "set") == 0 && m == 4) {
			a->arg1 = s[k + 6];
			a->arg2 = s[k + 7];
			a->arg3 = s[k + 8];
		} else if (strcmp(v, "undo") == 0 && m == 2) {
			a->arg1 = s[k + 6];
		} else {
			bad = "no such action";
		}
		if (!bad && !dash_http_ns_ok(h, a->ns)) {
			bad = "namespace not watched by this dashboard";
		}
	}
	if (bad) {
		free(store);
		return dash_http_error(c, MHD_HTTP_NOT_FOUND, bad);
	}
	/* keep the decoded copy with the request: the action borrows it */
	rq->segs[DASH_SEGS - 1] = store;
	pthread_mutex_lock(&h->mu);
	if (h->closing) {
		pthread_mutex_unlock(&h->mu);
		return dash_http_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				       "the dashboard is stopping");
	}
	rq->conn = c;
	rq->state = 1;
	rq->qnext = h->queue;
	h->queue = rq;
	dash_mhd.suspend_connection(c);
	pthread_mutex_unlock(&h->mu);
	return MHD_YES;
}

/* ---------------------------------------------------------------- pages */

static const struct dash_asset *
dash_http_asset(const char *name)
{
	for (const struct dash_asset *a = dash_assets; a->name; a++) {
		if (strcmp(a->name, name) == 0) {
			return a;
		}
	}
	return NULL;
}

/* Append s escaped for an HTML attribute. */
static void
dash_http_attr(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			buf_adds(b, "&amp;");
			break;
		case '"':
			buf_adds(b, "&quot;");
			break;
		case '<':
			buf_adds(b, "&lt;");
			break;
		case '>':
			buf_adds(b, "&gt;");
			break;
		default:
			buf_addch(b, *s);
		}
	}
}

/* index.html with @ROOT@, @CSRF@, @RO@ and @NS@ filled in. */
static enum MHD_Result
dash_http_index(struct dash_http *h, struct MHD_Connection *c)
{
	const struct dash_asset *a = dash_http_asset("index.html");
	struct buf b = BUF_INIT;
	for (const char *p = (const char *)a->data; *p;) {
		const char *at = strchr(p, '@');
		if (!at) {
			buf_adds(&b, p);
			break;
		}
		buf_add(&b, p, (size_t)(at - p));
		p = at;
		if (strncmp(p, "@ROOT@", 6) == 0) {
			dash_http_attr(&b, h->root);
			p += 6;
		} else if (strncmp(p, "@CSRF@", 6) == 0) {
			dash_http_attr(&b, h->o.read_only ? "" : h->csrf);
			p += 6;
		} else if (strncmp(p, "@RO@", 4) == 0) {
			buf_adds(&b, h->o.read_only ? "true" : "false");
			p += 4;
		} else if (strncmp(p, "@NS@", 4) == 0) {
			dash_http_attr(&b, h->o.ns ? h->o.ns : "_all");
			p += 4;
		} else {
			buf_addch(&b, '@');
			p++;
		}
	}
	enum MHD_Result r = dash_http_send(c, MHD_HTTP_OK, a->type, b.buf,
					   b.len);
	buf_release(&b);
	return r;
}

static const char dash_http_signin[] =
	"<!doctype html>\n<html lang=\"en\"><meta charset=\"utf-8\">"
	"<meta name=\"viewport\" content=\"width=device-width\">"
	"<title>Sign in: rollouts dashboard</title>"
	"<body style=\"font:16px system-ui,sans-serif;margin:2em\">"
	"<h1>Rollouts dashboard</h1>"
	"<form id=\"f\"><p><label for=\"t\">Bearer token</label><br>"
	"<input id=\"t\" type=\"password\" autocomplete=\"off\" required>"
	" <button>Sign in</button></p></form><script>"
	"document.getElementById('f').onsubmit=function(e){e.preventDefault();"
	"document.cookie='pdkit_dash_token='+encodeURIComponent("
	"document.getElementById('t').value)+';path=/;SameSite=Strict';"
	"location.reload();};</script></body></html>\n";

/* ---------------------------------------------------------------- auth */

/* The value of cookie name in the Cookie header, decoded, or NULL. */
static char *
dash_http_cookie(struct MHD_Connection *c, const char *name)
{
	const char *v = dash_mhd.lookup_connection_value(c, MHD_COOKIE_KIND, name);
	if (!v) {
		return NULL;
	}
	char *s = xstrdup(v);
	if (!dash_http_unescape(s)) {
		free(s);
		return NULL;
	}
	return s;
}

/* 1: a valid bearer header; 0: the cookie (or no token needed); -1:
 * neither. */
static int
dash_http_auth(struct dash_http *h, struct MHD_Connection *c)
{
	if (!h->o.token) {
		return 0;
	}
	const char *a = dash_mhd.lookup_connection_value(c, MHD_HEADER_KIND,
						    "Authorization");
	if (a && strncmp(a, "Bearer ", 7) == 0 &&
	    dash_http_same(a + 7, h->o.token)) {
		return 1;
	}
	char *ck = dash_http_cookie(c, "pdkit_dash_token");
	bool ok = ck && dash_http_same(ck, h->o.token);
	free(ck);
	return ok ? 0 : -1;
}

static bool
dash_http_host_ok(struct dash_http *h, struct MHD_Connection *c)
{
	if (!h->o.loopback) {
		return true;
	}
	const char *host = dash_mhd.lookup_connection_value(c, MHD_HEADER_KIND,
						       "Host");
	for (size_t i = 0; host && i < sizeof(h->hosts) / sizeof(h->hosts[0]);
	     i++) {
		if (h->hosts[i] && strcmp(host, h->hosts[i]) == 0) {
			return true;
		}
	}
	return false;
}

/* --------------------------------------------------------------- routes */

/* GET under /api/v1 (s: the segments after "v1"). */
static enum MHD_Result
dash_http_api_get(struct dash_http *h, struct MHD_Connection *c, char **s,
		  int n)
{
	struct buf b = BUF_INIT;
	enum MHD_Result r;
	if (n == 1 && strcmp(s[0], "csrf") == 0) {
		buf_adds(&b, "{\"token\":\"");
		buf_adds(&b, h->o.read_only ? "" : h->csrf);
		buf_adds(&b, "\"}");
		r = dash_http_json(c, &b);
		buf_release(&b);
		return r;
	}
	if (n < 3 || strcmp(s[0], "rollouts") != 0) {
		return dash_http_error(c, MHD_HTTP_NOT_FOUND, "not found");
	}
	const char *ns = s[1];
	bool all = strcmp(ns, "_all") == 0;
	if ((all && h->o.ns) || (!all && !dash_http_ns_ok(h, ns))) {
		return dash_http_error(c, MHD_HTTP_NOT_FOUND,
				       "namespace not watched by this dashboard");
	}
	if (strcmp(s[2], "info") == 0 && n == 3) {
		dash_store_list(h->o.store, all ? NULL : ns, &b);
		r = dash_http_json(c, &b);
	} else if (strcmp(s[2], "info") == 0 && n == 4 &&
		   strcmp(s[3], "watch") == 0) {
		r = dash_http_sse(h, c, all ? NULL : ns, NULL);
	} else if (n >= 4 && !all && strcmp(s[3], "info") == 0 &&
		   (n == 4 || (n == 5 && strcmp(s[4], "watch") == 0))) {
		if (n == 5) {
			r = dash_http_sse(h, c, ns, s[2]);
		} else if (dash_store_info(h->o.store, ns, s[2], &b)) {
			r = dash_http_json(c, &b);
		} else {
			struct buf m = BUF_INIT;
			buf_addf(&m, "rollout '%s' not found in namespace '%s'",
				 s[2], ns);
			r = dash_http_error(c, MHD_HTTP_NOT_FOUND, m.buf);
			buf_release(&m);
		}
	} else {
		r = dash_http_error(c, MHD_HTTP_NOT_FOUND, "not found");
	}
	buf_release(&b);
	return r;
}

static enum MHD_Result
dash_http_access(void *cls, struct MHD_Connection *c, const char *url,
		 const char *method, const char *version,
		 const char *upload_data, size_t *upload_data_size,
		 void **con_cls)
{
	struct dash_http *h = cls;
	(void)version;
	(void)upload_data;
	struct dash_req *rq = *con_cls;
	if (!rq) {
		rq = xcalloc(1, sizeof(*rq));
		buf_init(&rq->act.message, 0);
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_data_size) {
		/* no action reads a body */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rq->state == 2) {
		return dash_http_action_done(c, rq);
	}
	if (!dash_http_host_ok(h, c)) {
		return dash_http_error(c, MHD_HTTP_FORBIDDEN,
				       "host not allowed");
	}
	int auth = dash_http_auth(h, c);
	char *store = NULL;
	char *s[DASH_SEGS];
	int n = dash_http_split(url, &store, s);
	bool api = n >= 2 && strcmp(s[0], "api") == 0 &&
		   strcmp(s[1], "v1") == 0;
	bool root_api = n >= 3 && strcmp(s[0], h->root) == 0 &&
			strcmp(s[1], "api") == 0 && strcmp(s[2], "v1") == 0;
	enum MHD_Result r;
	if (n < 0) {
		r = dash_http_error(c, MHD_HTTP_BAD_REQUEST, "bad path");
	} else if (auth < 0 && (api || root_api)) {
		r = dash_http_error(c, MHD_HTTP_UNAUTHORIZED,
				    "a bearer token is required");
	} else if (auth < 0) {
		r = dash_http_send(c, MHD_HTTP_UNAUTHORIZED,
				   "text/html; charset=utf-8",
				   dash_http_signin, strlen(dash_http_signin));
	} else if (strcmp(method, "PUT") == 0 && (api || root_api)) {
		free(store);
		return dash_http_action(h, c, rq, url, auth == 1);
	} else if (strcmp(method, "GET") != 0 &&
		   strcmp(method, "HEAD") != 0) {
		r = dash_http_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				    "method not allowed");
	} else if (api || root_api) {
		int k = api ? 2 : 3;
		r = dash_http_api_get(h, c, s + k, n - k);
	} else if (n == 0) {
		struct buf to = BUF_INIT;
		buf_addf(&to, "/%s/", h->root);
		r = dash_http_redirect(c, to.buf);
		buf_release(&to);
	} else if (strcmp(s[0], h->root) == 0) {
		const struct dash_asset *a = n == 2 ? dash_http_asset(s[1])
						    : NULL;
		size_t ulen = strlen(url);
		if (n == 1 && url[ulen - 1] != '/') {
			struct buf to = BUF_INIT;
			buf_addf(&to, "/%s/", h->root);
			r = dash_http_redirect(c, to.buf);
			buf_release(&to);
		} else if (a && strcmp(a->name, "index.html") != 0) {
			r = dash_http_send(c, MHD_HTTP_OK, a->type, a->data,
					   a->len);
		} else if (n == 1 || (n == 4 && strcmp(s[1], "rollout") == 0)) {
			r = dash_http_index(h, c);
		} else {
			r = dash_http_error(c, MHD_HTTP_NOT_FOUND,
					    "not found");
		}
	} else {
		r = dash_http_error(c, MHD_HTTP_NOT_FOUND, "not found");
	}
	free(store);
	return r;
}

static void
dash_http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct dash_req *rq = *con_cls;
	if (!rq) {
		return;
	}
	buf_release(&rq->act.message);
	free(rq->segs[DASH_SEGS - 1]);
	free(rq);
	*con_cls = NULL;
}

/* ---------------------------------------------------------------- setup */

static int
dash_http_listen(struct dash_http *h, struct pd_err *e)
{
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	char port[16];
	snprintf(port, sizeof(port), "%d", h->o.port);
	int g = getaddrinfo(h->o.address, port, &hints, &res);
	if (g != 0) {
		return err_set(e, PD_EUSAGE, "cannot resolve address '%s': %s",
			       h->o.address, gai_strerror(g));
	}
	int fd = -1, saved = 0;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 128) == 0) {
			break;
		}
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		return err_set(e, PD_ERUNTIME, "cannot listen on %s port %d: %s",
			       h->o.address, h->o.port, strerror(saved));
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	h->port = ntohs(ss.ss_family == AF_INET6 ?
			((struct sockaddr_in6 *)&ss)->sin6_port :
			((struct sockaddr_in *)&ss)->sin_port);
	h->fd = fd;
	return 0;
}

int
dash_http_new(struct dash_http **out, const struct dash_http_options *o,
	      struct pd_err *e)
{
	int rc = dash_http_load(e);
	if (rc < 0) {
		return rc;
	}
	struct dash_http *h = xcalloc(1, sizeof(*h));
	h->o = *o;
	h->root = xstrdup(o->root);
	h->fd = -1;
	pthread_mutex_init(&h->mu, NULL);
	unsigned char rnd[16];
	int rfd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (rfd < 0 || read(rfd, rnd, sizeof(rnd)) != (ssize_t)sizeof(rnd)) {
		if (rfd >= 0) {
			close(rfd);
		}
		dash_http_free(h);
		return err_set(e, PD_ERUNTIME, "cannot read /dev/urandom");
	}
	close(rfd);
	for (size_t i = 0; i < sizeof(rnd); i++) {
		snprintf(h->csrf + 2 * i, 3, "%02x", rnd[i]);
	}
	rc = dash_http_listen(h, e);
	if (rc < 0) {
		dash_http_free(h);
		return rc;
	}
	bool v6 = strchr(o->address, ':') != NULL;
	h->hosts[0] = xasprintf("127.0.0.1:%d", h->port);
	h->hosts[1] = xasprintf("localhost:%d", h->port);
	h->hosts[2] = xasprintf("[::1]:%d", h->port);
	h->hosts[3] = xasprintf(v6 ? "[%s]:%d" : "%s:%d", o->address,
				h->port);
	unsigned flags = MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC;
	h->d = dash_mhd.start_daemon(flags, 0, NULL, NULL, dash_http_access, h,
		MHD_OPTION_LISTEN_SOCKET, h->fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
		/* a page's connection: its request and a 4 KiB write buffer */
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
		MHD_OPTION_NOTIFY_COMPLETED, dash_http_completed, h,
		MHD_OPTION_UNESCAPE_CALLBACK, dash_http_no_unescape, h,
		MHD_OPTION_END);
	if (!h->d) {
		dash_http_free(h);
		return err_set(e, PD_ERUNTIME, "cannot start the HTTP server");
	}
	*out = h;
	return 0;
}

int
dash_http_port(const struct dash_http *h)
{
	return h->port;
}

void
dash_http_free(struct dash_http *h)
{
	if (!h) {
		return;
	}
	if (h->d) {
		pthread_mutex_lock(&h->mu);
		h->closing = true;
		pthread_mutex_unlock(&h->mu);
		/* the queued actions answer, the waiting streams end */
		dash_http_run_actions(h, NULL, NULL);
		pthread_mutex_lock(&h->mu);
		for (struct dash_stream *st = h->streams; st; st = st->next) {
			if (st->suspended) {
				st->suspended = false;
				dash_mhd.resume_connection(st->conn);
			}
		}
		pthread_mutex_unlock(&h->mu);
		/* let the polling thread close them before it stops */
		for (int i = 0; i < 50 && dash_http_streams(h) > 0; i++) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		dash_mhd.stop_daemon(h->d);
	}
	if (h->fd >= 0) {
		close(h->fd);
	}
	for (size_t i = 0; i < sizeof(h->hosts) / sizeof(h->hosts[0]); i++) {
		free(h->hosts[i]);
	}
	free(h->root);
	pthread_mutex_destroy(&h->mu);
	free(h);
}
