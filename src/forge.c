/* SPDX-License-Identifier: Apache-2.0 */
/*
 * forge: remote URLs, the request policy (retries, rate limits, one bound
 * on the waits), the libcurl transport and the dispatch to the flavours
 * (see forge.h).
 */
#define _GNU_SOURCE
#define CURL_DISABLE_TYPECHECK 1
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "curl_lazy.h"
#include "forge-int.h"
#include "json.h"
#include "proxy.h"
#include "xalloc.h"

/* Answers larger than this are refused (a pull request list page). */
#define FORGE_MAX_BODY (8u << 20)

enum forge_kind
forge_kind_parse(const char *name)
{
	if (!name) {
		return FORGE_NONE;
	}
	if (strcmp(name, "github") == 0) {
		return FORGE_GITHUB;
	}
	if (strcmp(name, "gitlab") == 0) {
		return FORGE_GITLAB;
	}
	if (strcmp(name, "gitea") == 0 || strcmp(name, "forgejo") == 0) {
		return FORGE_GITEA;
	}
	return FORGE_NONE;
}

const char *
forge_kind_name(enum forge_kind k)
{
	switch (k) {
	case FORGE_GITHUB: return "github";
	case FORGE_GITLAB: return "gitlab";
	case FORGE_GITEA: return "gitea";
	default: return "none";
	}
}

static int
forge_host_is(const char *host, const char *name)
{
	size_t n = strlen(name);
	return strcasecmp(host, name) == 0 ||
	       (strncasecmp(host, name, n) == 0 && host[n] == '.');
}

enum forge_kind
forge_kind_guess(const char *host)
{
	if (!host) {
		return FORGE_NONE;
	}
	if (forge_host_is(host, "github")) {
		return FORGE_GITHUB;
	}
	if (forge_host_is(host, "gitlab")) {
		return FORGE_GITLAB;
	}
	if (strcasecmp(host, "codeberg.org") == 0 ||
	    forge_host_is(host, "gitea") || forge_host_is(host, "forgejo") ||
	    forge_host_is(host, "codeberg")) {
		return FORGE_GITEA;
	}
	return FORGE_NONE;
}

void
forge_url_release(struct forge_url *u)
{
	free(u->scheme);
	free(u->user);
	if (u->password) {
		explicit_bzero(u->password, strlen(u->password));
	}
	free(u->password);
	free(u->host);
	free(u->port);
	free(u->path);
	free(u->repo);
	memset(u, 0, sizeof(*u));
}

/* OWNER/NAME from a path: its last two segments, ".git" dropped. For GitLab
 * subgroups the whole path is the project: keep everything. */
static char *
forge_url_repo(const char *path)
{
	struct buf b = BUF_INIT;
	const char *p = path;
	while (*p == '/') {
		p++;
	}
	buf_adds(&b, p);
	while (b.len && b.buf[b.len - 1] == '/') {
		buf_setlen(&b, b.len - 1);
	}
	if (b.len > 4 && strcmp(b.buf + b.len - 4, ".git") == 0) {
		buf_setlen(&b, b.len - 4);
	}
	if (!strchr(b.buf, '/') || b.buf[0] == '\0') {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* A local path's OWNER/NAME: its last two segments. */
static char *
forge_url_repo_last2(const char *path)
{
	char *all = forge_url_repo(path);
	if (!all) {
		return NULL;
	}
	char *last = strrchr(all, '/');
	char *p = last;
	while (p > all && p[-1] != '/') {
		p--;
	}
	char *r = xstrdup(p);
	free(all);
	return r;
}

static char *
forge_strndup(const char *s, size_t n)
{
	char *r = xmalloc(n + 1);
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

/* host[:port] at s (up to end): fills host and port; IPv6 in []. */
static int
forge_url_hostport(struct forge_url *u, const char *s, const char *end,
		   struct pd_err *e)
{
	const char *colon = NULL;
	if (*s == '[') {
		const char *rb = memchr(s, ']', (size_t)(end - s));
		if (!rb) {
			return err_set(e, PD_EUSAGE, "bad host in URL");
		}
		u->host = forge_strndup(s, (size_t)(rb + 1 - s));
		if (rb + 1 < end && rb[1] == ':') {
			colon = rb + 1;
		}
	} else {
		colon = memchr(s, ':', (size_t)(end - s));
		u->host = forge_strndup(s, (size_t)((colon ? colon : end) - s));
	}
	if (colon) {
		u->port = forge_strndup(colon + 1, (size_t)(end - colon - 1));
		for (const char *q = u->port; *q; q++) {
			if (!isdigit((unsigned char)*q)) {
				return err_set(e, PD_EUSAGE, "bad port in URL");
			}
		}
	}
	if (!u->host[0]) {
		return err_set(e, PD_EUSAGE, "no host in URL");
	}
	return 0;
}

int
forge_url_parse(const char *url, struct forge_url *u, struct pd_err *e)
{
	memset(u, 0, sizeof(*u));
	const char *sep = strstr(url, "://");
	int rc = 0;
	if (!url[0]) {
		return err_set(e, PD_EUSAGE, "empty URL");
	}
	if (sep) {
		u->scheme = forge_strndup(url, (size_t)(sep - url));
		for (char *q = u->scheme; *q; q++) {
			*q = (char)tolower((unsigned char)*q);
		}
		const char *rest = sep + 3;
		if (strcmp(u->scheme, "file") == 0) {
			if (*rest != '/') {
				rc = err_set(e, PD_EUSAGE,
					     "file URL must be file:///PATH");
				goto fail;
			}
			u->path = xstrdup(rest);
			u->repo = forge_url_repo_last2(rest);
			return 0;
		}
		if (strcmp(u->scheme, "https") != 0 &&
		    strcmp(u->scheme, "http") != 0 &&
		    strcmp(u->scheme, "ssh") != 0 &&
		    strcmp(u->scheme, "git+ssh") != 0) {
			rc = err_set(e, PD_EUSAGE, "unsupported URL scheme '%s'",
				     u->scheme);
			goto fail;
		}
		if (strcmp(u->scheme, "git+ssh") == 0) {
			free(u->scheme);
			u->scheme = xstrdup("ssh");
		}
		const char *slash = strchr(rest, '/');
		const char *hend = slash ? slash : rest + strlen(rest);
		const char *at = NULL;
		for (const char *q = rest; q < hend; q++) {
			if (*q == '@') {
				at = q;
			}
		}
		if (at) {
			const char *colon = memchr(rest, ':', (size_t)(at - rest));
			u->user = forge_strndup(rest, (size_t)((colon ? colon
							   : at) - rest));
			if (colon) {
				u->password = forge_strndup(colon + 1,
						  (size_t)(at - colon - 1));
			}
			rest = at + 1;
		}
		rc = forge_url_hostport(u, rest, hend, e);
		if (rc < 0) {
			goto fail;
		}
		u->path = xstrdup(slash ? slash + 1 : "");
		u->repo = forge_url_repo(u->path);
		return 0;
	}
	/* scp-like: [user@]host:path, where host has no '/' before ':' */
	const char *colon = strchr(url, ':');
	const char *slash = strchr(url, '/');
	if (colon && (!slash || colon < slash) && colon != url) {
		u->scheme = xstrdup("ssh");
		u->scp = true;
		const char *at = memchr(url, '@', (size_t)(colon - url));
		const char *h = url;
		if (at) {
			u->user = forge_strndup(url, (size_t)(at - url));
			h = at + 1;
		}
		u->host = forge_strndup(h, (size_t)(colon - h));
		if (!u->host[0]) {
			rc = err_set(e, PD_EUSAGE, "no host in URL");
			goto fail;
		}
		u->path = xstrdup(colon + 1);
		u->repo = forge_url_repo(u->path);
		return 0;
	}
	/* a local path */
	u->scheme = xstrdup("file");
	u->path = xstrdup(url);
	u->repo = forge_url_repo_last2(url);
	return 0;
fail:
	forge_url_release(u);
	return rc;
}

char *
forge_url_clean(const struct forge_url *u)
{
	struct buf b = BUF_INIT;
	if (strcmp(u->scheme, "file") == 0) {
		if (u->path[0] == '/') {
			buf_addf(&b, "file://%s", u->path);
		} else {
			buf_adds(&b, u->path);
		}
		return buf_detach(&b, NULL);
	}
	if (u->scp) {
		if (u->user) {
			buf_addf(&b, "%s@", u->user);
		}
		buf_addf(&b, "%s:%s", u->host, u->path);
		return buf_detach(&b, NULL);
	}
	buf_addf(&b, "%s://", u->scheme);
	if (u->user) {
		buf_addf(&b, "%s@", u->user);
	}
	buf_adds(&b, u->host);
	if (u->port) {
		buf_addf(&b, ":%s", u->port);
	}
	buf_addf(&b, "/%s", u->path);
	return buf_detach(&b, NULL);
}

char *
forge_api_default(enum forge_kind kind, const struct forge_url *u)
{
	if (kind == FORGE_NONE || !u->host) {
		return NULL;
	}
	struct buf b = BUF_INIT;
	if (kind == FORGE_GITHUB && strcasecmp(u->host, "github.com") == 0) {
		return xstrdup("https://api.github.com");
	}
	buf_addf(&b, "%s://%s",
		 strcmp(u->scheme, "http") == 0 ? "http" : "https", u->host);
	if (u->port && strcmp(u->scheme, "ssh") != 0) {
		buf_addf(&b, ":%s", u->port);
	}
	buf_adds(&b, kind == FORGE_GITHUB   ? "/api/v3"
		     : kind == FORGE_GITLAB ? "/api/v4"
					    : "/api/v1");
	return buf_detach(&b, NULL);
}

/* ---- the transport ---- */

struct forge_xfer {
	struct forge_resp *resp;
	int toobig;
};

static size_t
forge_curl_body(char *p, size_t sz, size_t n, void *arg)
{
	struct forge_xfer *x = arg;
	if (buf_add(&x->resp->body, p, sz * n) < 0) {
		x->toobig = 1;
		return 0;
	}
	return sz * n;
}

static size_t
forge_curl_header(char *p, size_t sz, size_t n, void *arg)
{
	struct forge_xfer *x = arg;
	size_t len = sz * n;
	const char *colon = memchr(p, ':', len);
	if (!colon) {
		return len;
	}
	size_t nlen = (size_t)(colon - p);
	char val[64] = "";
	const char *v = colon + 1;
	size_t vlen = len - nlen - 1;
	while (vlen && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' ||
			v[vlen - 1] == ' ')) {
		vlen--;
	}
	if (vlen >= sizeof(val)) {
		return len;
	}
	memcpy(val, v, vlen);
	val[vlen] = '\0';
	if (nlen == 11 && strncasecmp(p, "retry-after", 11) == 0) {
		char *end;
		long s = strtol(val, &end, 10);
		if (end != val && *end == '\0' && s >= 0) {
			x->resp->retry_after = s;
		}
	} else if (nlen == 21 &&
		   strncasecmp(p, "x-ratelimit-remaining", 21) == 0) {
		x->resp->ratelimit_remaining = strtol(val, NULL, 10);
	} else if (nlen == 17 && strncasecmp(p, "x-ratelimit-reset", 17) == 0) {
		x->resp->ratelimit_reset = strtoll(val, NULL, 10);
	}
	return len;
}

static int
forge_curl_send(void *arg, const struct forge_req *req,
		struct forge_resp *resp, struct pd_err *e)
{
	(void)arg;
	const char *lerr = curl_lazy_load();
	if (lerr) {
		return err_set(e, PD_ERUNTIME, "cannot load libcurl: %s", lerr);
	}
	CURL *h = curl_easy_init();
	if (!h) {
		return err_set(e, PD_ERUNTIME, "cannot start libcurl");
	}
	struct forge_xfer x = { resp, 0 };
	struct curl_slist *hdrs = NULL;
	for (size_t i = 0; req->headers && req->headers[i]; i++) {
		hdrs = curl_slist_append(hdrs, req->headers[i]);
	}
	char errbuf[CURL_ERROR_SIZE] = ""; /* checksrc: bounded */
	struct proxy_env penv;
	proxy_env_read(&penv);
	char *px = NULL;
	struct pd_err pe = { 0 };
	if (proxy_for_url(req->url, NULL, &penv, &px, &pe) < 0) {
		curl_slist_free_all(hdrs);
		curl_easy_cleanup(h);
		*e = pe;
		return -pe.code;
	}
	char *pcurl = px ? proxy_curl_url(px) : NULL;
	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_PROXY, pcurl ? pcurl : "");
	curl_easy_setopt(h, CURLOPT_NOPROXY, "");
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 60000L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
	if (req->body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
	} else if (strcmp(req->method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, forge_curl_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, forge_curl_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
	CURLcode cc = curl_easy_perform(h);
	int rc = 0;
	if (cc != CURLE_OK) {
		if (x.toobig) {
			rc = err_set(e, PD_ETOOBIG, "answer over %u bytes",
				     FORGE_MAX_BODY);
		} else {
			rc = err_set(e, PD_ERUNTIME, "%s",
				     errbuf[0] ? errbuf
					       : curl_easy_strerror(cc));
		}
		resp->status = 0;
	} else {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	free(pcurl);
	free(px);
	return rc;
}

static void
forge_real_sleep(void *arg, long ms)
{
	(void)arg;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
		;
	}
}

static long long
forge_real_now(void *arg)
{
	(void)arg;
	return (long long)time(NULL);
}

struct forge *
forge_new(enum forge_kind kind, const char *api, const char *repo,
	  const char *token, const char *user_agent)
{
	struct forge *f = xcalloc(1, sizeof(*f));
	f->kind = kind;
	f->api = xstrdup(api ? api : "");
	size_t n = strlen(f->api);
	while (n && f->api[n - 1] == '/') {
		f->api[--n] = '\0';
	}
	f->repo = xstrdup(repo ? repo : "");
	f->token = token ? xstrdup(token) : NULL;
	f->user_agent = xstrdup(user_agent ? user_agent : "pdkit");
	f->max_wait_ms = 60000;
	f->max_attempts = 4;
	buf_init(&f->dry_log, 0);
	f->send = forge_curl_send;
	f->sleep_ms = forge_real_sleep;
	f->now = forge_real_now;
	return f;
}

void
forge_free(struct forge *f)
{
	if (!f) {
		return;
	}
	free(f->api);
	free(f->repo);
	if (f->token) {
		explicit_bzero(f->token, strlen(f->token));
		free(f->token);
	}
	free(f->user_agent);
	buf_release(&f->dry_log);
	free(f);
}

void
forge_resp_init(struct forge_resp *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->body, FORGE_MAX_BODY);
	r->retry_after = -1;
	r->ratelimit_remaining = -1;
	r->ratelimit_reset = -1;
}

void
forge_resp_release(struct forge_resp *r)
{
	buf_release(&r->body);
}

static void
forge_note(struct forge *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
forge_note(struct forge *f, const char *fmt, ...)
{
	if (!f->note) {
		return;
	}
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	f->note(f->note_arg, b.buf);
	buf_release(&b);
}

/* Whether an answer is a rate limit, and how long it asks to wait (ms;
 * -1: no hint). */
static int
forge_rate_limited(const struct forge *f, const struct forge_resp *r,
		   long *wait_ms)
{
	int limited = r->status == 429 ||
		      (r->status == 403 && (r->ratelimit_remaining == 0 ||
					    r->retry_after >= 0));
	if (!limited) {
		return 0;
	}
	*wait_ms = -1;
	if (r->retry_after >= 0) {
		*wait_ms = r->retry_after * 1000;
	} else if (r->ratelimit_reset >= 0) {
		long long d = r->ratelimit_reset - f->now(f->sleep_arg);
		*wait_ms = d > 0 ? (long)(d * 1000) : 1000;
	}
	return 1;
}

int
forge_request(struct forge *f, const char *method, const char *path,
	      const char *body, struct forge_resp *resp, struct pd_err *e)
{
	struct buf url = BUF_INIT, auth = BUF_INIT, ua = BUF_INIT;
	buf_addf(&url, "%s%s", f->api, path);
	if (f->dry_run) {
		buf_addf(&f->dry_log, "%s %s\n", method, url.buf);
		if (body) {
			buf_addf(&f->dry_log, "%s\n", body);
		}
		resp->status = strcmp(method, "POST") == 0 ? 201 : 200;
		buf_release(&url);
		return 0;
	}
	const char *headers[8];
	int nh = 0;
	headers[nh++] = f->kind == FORGE_GITHUB
				? "Accept: application/vnd.github+json"
				: "Accept: application/json";
	if (f->kind == FORGE_GITHUB) {
		headers[nh++] = "X-GitHub-Api-Version: 2022-11-28";
	}
	buf_addf(&ua, "User-Agent: %s", f->user_agent);
	headers[nh++] = ua.buf;
	if (body) {
		headers[nh++] = "Content-Type: application/json";
	}
	if (f->token) {
		if (f->kind == FORGE_GITLAB) {
			buf_addf(&auth, "PRIVATE-TOKEN: %s", f->token);
		} else if (f->kind == FORGE_GITEA) {
			buf_addf(&auth, "Authorization: token %s", f->token);
		} else {
			buf_addf(&auth, "Authorization: Bearer %s", f->token);
		}
		headers[nh++] = auth.buf;
	}
	headers[nh] = NULL;
	struct forge_req req = { method, url.buf, headers, body };
	int rc = 0;
	long backoff = 250;
	for (int attempt = 1;; attempt++) {
		buf_reset(&resp->body);
		resp->status = 0;
		resp->retry_after = -1;
		resp->ratelimit_remaining = -1;
		resp->ratelimit_reset = -1;
		struct pd_err se = { 0 };
		rc = f->send(f->send_arg, &req, resp, &se);
		long wait = -1;
		const char *why = NULL;
		if (rc < 0 && rc != -PD_ETOOBIG) {
			why = se.msg;
		} else if (rc < 0) {
			*e = se;
			break;
		} else if (forge_rate_limited(f, resp, &wait)) {
			why = "rate limited";
			if (wait < 0) {
				wait = backoff;
				backoff *= 2;
			}
		} else if (resp->status >= 500 && resp->status != 501) {
			why = "server error";
		} else {
			break;
		}
		int limited = wait >= 0;
		if (!limited) {
			if (attempt >= f->max_attempts) {
				if (rc < 0) {
					*e = se;
				}
				break;
			}
			wait = backoff;
			backoff *= 2;
		}
		if (f->waited_ms + wait > f->max_wait_ms) {
			if (limited) {
				rc = err_set(e, PD_ERUNTIME,
					     "%s %s: %ld rate limited: the wait "
					     "(%lds) would pass the %lds bound",
					     method, path, resp->status,
					     (wait + 999) / 1000,
					     f->max_wait_ms / 1000);
				resp->status = 0;
			} else if (rc < 0) {
				*e = se;
			}
			break;
		}
		if (resp->status) {
			forge_note(f, "%s %s: %ld %s, retrying in %ld.%03lds",
				   method, path, resp->status, why, wait / 1000,
				   wait % 1000);
		} else {
			forge_note(f, "%s %s: %s, retrying in %ld.%03lds",
				   method, path, why, wait / 1000, wait % 1000);
		}
		f->sleep_ms(f->sleep_arg, wait);
		f->waited_ms += wait;
	}
	if (rc < 0 && resp->status == 0) {
		err_prefix(e, "%s %s", method, path);
	}
	if (auth.len) {
		explicit_bzero(auth.buf, auth.len);
	}
	buf_release(&auth);
	buf_release(&ua);
	buf_release(&url);
	return rc < 0 ? rc : 0;
}

void
forge_error_message(const char *body, struct buf *b)
{
	struct pd_err pe = { 0 };
	cJSON *j = json_parse(body, strlen(body), &pe);
	size_t start = b->len;
	if (!j || (!cJSON_IsObject(j))) {
		/* not JSON: the first line, shortened */
		size_t n = strcspn(body, "\r\n");
		buf_add(b, body, n > 200 ? 200 : n);
		cJSON_Delete(j);
		return;
	}
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
	if (cJSON_IsString(m)) {
		buf_adds(b, m->valuestring);
	} else if (cJSON_IsArray(m)) {
		const cJSON *it;
		cJSON_ArrayForEach(it, m) {
			if (cJSON_IsString(it)) {
				buf_addf(b, "%s%s", b->len > start ? "; " : "",
					 it->valuestring);
			}
		}
	} else if (cJSON_IsObject(m)) {
		/* GitLab's {"message":{"field":["msg"]}} */
		const cJSON *fld;
		cJSON_ArrayForEach(fld, m) {
			const cJSON *it;
			cJSON_ArrayForEach(it, fld) {
				if (cJSON_IsString(it)) {
					buf_addf(b, "%s%s %s",
						 b->len > start ? "; " : "",
						 fld->string, it->valuestring);
				}
			}
		}
	}
	const char *err = json_str(j, "error");
	if (b->len == start && err) {
		buf_adds(b, err);
	}
	const cJSON *errs = cJSON_GetObjectItemCaseSensitive(j, "errors");
	const cJSON *it;
	cJSON_ArrayForEach(it, errs) {
		const char *em = json_str(it, "message");
		if (em) {
			buf_addf(b, "%s%s", b->len > start ? ": " : "", em);
		} else if (json_str(it, "field") && json_str(it, "code")) {
			buf_addf(b, "%s%s %s", b->len > start ? ": " : "",
				 json_str(it, "field"), json_str(it, "code"));
		}
	}
	cJSON_Delete(j);
}

int
forge_http_error(const struct forge_resp *r, struct pd_err *e)
{
	struct buf m = BUF_INIT;
	forge_error_message(r->body.buf, &m);
	int kind = err_from_http(r->status);
	if (r->status == 405 || r->status == 423) {
		kind = PD_ECONFLICT;
	} else if (kind == PD_EUSAGE || kind == PD_ETIMEOUT) {
		kind = PD_ERUNTIME;
	}
	if (m.len) {
		err_set(e, kind, "%ld %s", r->status, m.buf);
	} else {
		err_set(e, kind, "%ld", r->status);
	}
	buf_release(&m);
	return -kind;
}

int
forge_call(struct forge *f, const char *method, const char *path,
	   const cJSON *body, long *status, cJSON **out, struct buf *errbody,
	   struct pd_err *e)
{
	*out = NULL;
	char *s = body ? cJSON_PrintUnformatted(body) : NULL;
	struct forge_resp r;
	forge_resp_init(&r);
	int rc = forge_request(f, method, path, s, &r, e);
	free(s);
	if (rc < 0) {
		forge_resp_release(&r);
		return rc;
	}
	*status = r.status;
	if (r.status >= 400) {
		if (errbody) {
			buf_add(errbody, r.body.buf, r.body.len);
		}
		rc = forge_http_error(&r, e);
		err_prefix(e, "%s %s", method, path);
		forge_resp_release(&r);
		return rc;
	}
	if (r.body.len) {
		struct pd_err pe = { 0 };
		*out = json_parse(r.body.buf, r.body.len, &pe);
		if (!*out) {
			rc = err_set(e, PD_ERUNTIME, "%s %s: %ld answer is not "
				     "JSON: %s", method, path, r.status, pe.msg);
		}
	}
	forge_resp_release(&r);
	return rc;
}

int
forge_int_numeric(const char *s)
{
	if (!*s) {
		return 0;
	}
	for (; *s; s++) {
		if (*s < '0' || *s > '9') {
			return 0;
		}
	}
	return 1;
}

void
forge_int_path_num(struct buf *b, long number)
{
	if (number > 0) {
		buf_addf(b, "%ld", number);
	} else {
		buf_adds(b, "{number}");
	}
}

void
forge_int_fill_pr(struct forge_pr *pr, const cJSON *o, const char *numkey,
		  const char *urlkey, const char *shakey)
{
	pr->number = (long)json_num(o, numkey, 0);
	free(pr->url);
	pr->url = json_str(o, urlkey) ? xstrdup(json_str(o, urlkey)) : NULL;
	free(pr->head_sha);
	pr->head_sha = json_str(o, shakey) ? xstrdup(json_str(o, shakey))
					   : NULL;
}

void
forge_pr_release(struct forge_pr *pr)
{
	free(pr->url);
	free(pr->head_sha);
	memset(pr, 0, sizeof(*pr));
}

int
forge_find_pr(struct forge *f, const char *head, const char *base,
	      struct forge_pr *pr, struct pd_err *e)
{
	switch (f->kind) {
	case FORGE_GITHUB: return forge_github_find(f, head, base, pr, e);
	case FORGE_GITLAB: return forge_gitlab_find(f, head, base, pr, e);
	case FORGE_GITEA: return forge_gitea_find(f, head, base, pr, e);
	default: return err_set(e, PD_EUSAGE, "no forge");
	}
}

int
forge_create_pr(struct forge *f, const struct forge_pr_opts *o,
		struct forge_pr *pr, struct pd_err *e)
{
	switch (f->kind) {
	case FORGE_GITHUB: return forge_github_create(f, o, pr, e);
	case FORGE_GITLAB: return forge_gitlab_create(f, o, pr, e);
	case FORGE_GITEA: return forge_gitea_create(f, o, pr, e);
	default: return err_set(e, PD_EUSAGE, "no forge");
	}
}

int
forge_merge_pr(struct forge *f, const struct forge_pr *pr, char **sha,
	       struct pd_err *e)
{
	*sha = NULL;
	switch (f->kind) {
	case FORGE_GITHUB: return forge_github_merge(f, pr, sha, e);
	case FORGE_GITLAB: return forge_gitlab_merge(f, pr, sha, e);
	case FORGE_GITEA: return forge_gitea_merge(f, pr, sha, e);
	default: return err_set(e, PD_EUSAGE, "no forge");
	}
}
