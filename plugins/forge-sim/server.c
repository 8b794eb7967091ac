/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server: forge-sim's requests behind simhttp's daemon (httpd.h). It routes
 * /api/v3 (GitHub), /api/v4 (GitLab) and /api/v1 (Gitea) to their
 * flavours, /OWNER/NAME.git/... to git http-backend, /sim/v1 to the
 * simulator's own control and /healthz; checks the token each forge's way
 * and injects the faults.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base64.h"
#include "forge.h"
#include "xalloc.h"

#define SERVER_MAX_BODY ((size_t)512 * 1024 * 1024)

static const struct forge_options *server_opts;
static struct httpd *server_httpd;

/* ---------------------------------------------------------------- util */

void
server_reply_json(struct forge_reply *rep, int status, cJSON *j)
{
	rep->status = status;
	rep->ctype = "application/json; charset=utf-8";
	buf_reset(&rep->body);
	json_write(&rep->body, j);
	buf_addch(&rep->body, '\n');
	cJSON_Delete(j);
}

void
server_add_header(struct forge_reply *rep, const char *name,
		  const char *fmt, ...)
{
	if (rep->nhdrs >= 7 || rep->nhbuf >= 8) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rep->hbuf[rep->nhbuf], sizeof(rep->hbuf[0]), fmt, ap);
	va_end(ap);
	rep->hdrs[2 * rep->nhdrs] = name;
	rep->hdrs[2 * rep->nhdrs + 1] = rep->hbuf[rep->nhbuf++];
	rep->nhdrs++;
	rep->hdrs[2 * rep->nhdrs] = NULL;
}

cJSON *
server_body_json(const struct forge_ctx *cx)
{
	const struct buf *b = &cx->rq->body;
	if (!b->len) {
		return NULL;
	}
	cJSON *j = cJSON_ParseWithLength(b->buf, b->len);
	if (j && !cJSON_IsObject(j) && !cJSON_IsArray(j)) {
		cJSON_Delete(j);
		j = NULL;
	}
	return j;
}

void
server_time(long long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
server_head_sha(const struct pull *p, char sha[41])
{
	snprintf(sha, 41, "%s", p->head_sha);
	if (p->state != PULL_OPEN) {
		return;
	}
	const char *slash = strchr(p->repo, '/');
	char *owner = xstrndup(p->repo, (size_t)(slash - p->repo));
	char cur[41];
	if (repos_branch_sha(owner, slash + 1, p->head, cur, NULL) == 0) {
		memcpy(sha, cur, 41);
	}
	free(owner);
}

void
server_base_sha(const struct pull *p, char sha[41])
{
	const char *slash = strchr(p->repo, '/');
	char *owner = xstrndup(p->repo, (size_t)(slash - p->repo));
	if (repos_branch_sha(owner, slash + 1, p->base, sha, NULL) < 0) {
		sha[0] = '\0';
	}
	free(owner);
}

static void
server_text(struct forge_reply *rep, int status, const char *text)
{
	rep->status = status;
	rep->ctype = "text/plain; charset=utf-8";
	buf_reset(&rep->body);
	buf_adds(&rep->body, text);
}

/* "http://HOST:PORT" as the client named us (Host), or as we listen. */
static void
server_base(struct MHD_Connection *c, struct buf *out)
{
	const char *h = httpd_header(c, MHD_HTTP_HEADER_HOST);
	bool ok = h && *h && strlen(h) < 256;
	for (const char *p = h; ok && *p; p++) {
		ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		     (*p >= '0' && *p <= '9') || strchr(".-:[]", *p);
	}
	if (ok) {
		buf_addf(out, "http://%s", h);
		return;
	}
	const char *host = httpd_host(server_httpd);
	bool v6 = strchr(host, ':') != NULL;
	buf_addf(out, "http://%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "",
		 httpd_port(server_httpd));
}

/* ---------------------------------------------------------------- auth */

enum server_auth { AUTH_NONE, AUTH_BAD, AUTH_OK };

/* The token a request carries: Authorization Bearer, token or Basic (the
 * password), or with gitlab PRIVATE-TOKEN. */
static enum server_auth
server_check(struct MHD_Connection *c, bool gitlab)
{
	const char *want = server_opts->token;
	const char *got = NULL;
	struct buf dec = BUF_INIT;
	const char *pt = gitlab ? httpd_header(c, "PRIVATE-TOKEN") : NULL;
	const char *a = httpd_header(c, MHD_HTTP_HEADER_AUTHORIZATION);
	if (pt) {
		got = pt;
	} else if (a && strncasecmp(a, "Bearer ", 7) == 0) {
		got = a + 7;
	} else if (a && strncasecmp(a, "token ", 6) == 0) {
		got = a + 6;
	} else if (a && strncasecmp(a, "Basic ", 6) == 0) {
		if (base64_decode(&dec, a + 6, strlen(a + 6)) == 0) {
			const char *colon = memchr(dec.buf, ':', dec.len);
			got = colon ? colon + 1 : "";
		} else {
			got = "";
		}
	} else if (a) {
		got = "";
	}
	enum server_auth r = AUTH_NONE;
	if (got) {
		while (*got == ' ') {
			got++;
		}
		size_t gl = strlen(got), wl = strlen(want);
		unsigned diff = gl != wl;
		for (size_t i = 0; i < gl && i < wl; i++) {
			diff |= (unsigned)(got[i] ^ want[i]);
		}
		r = diff ? AUTH_BAD : AUTH_OK;
	}
	buf_release(&dec);
	return r;
}

/* -------------------------------------------------------------- admin */

static void
server_admin_pulls(struct forge_reply *rep)
{
	struct pulls_filter f = { .state = -1 };
	struct pull *v;
	size_t n = pulls_list(&f, &v);
	cJSON *arr = cJSON_CreateArray();
	static const char *const states[] = { "open", "closed", "merged" };
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "repo", v[i].repo);
		cJSON_AddNumberToObject(o, "number", (double)v[i].number);
		cJSON_AddStringToObject(o, "head", v[i].head);
		cJSON_AddStringToObject(o, "base", v[i].base);
		cJSON_AddStringToObject(o, "title", v[i].title);
		cJSON_AddStringToObject(o, "body", v[i].body ? v[i].body : "");
		cJSON_AddStringToObject(o, "state", states[v[i].state]);
		cJSON_AddBoolToObject(o, "draft", v[i].draft);
		cJSON *l = cJSON_AddArrayToObject(o, "labels");
		for (size_t k = 0; k < v[i].nlabels; k++) {
			cJSON_AddItemToArray(l,
				cJSON_CreateString(v[i].labels[k]));
		}
		cJSON *r = cJSON_AddArrayToObject(o, "reviewers");
		for (size_t k = 0; k < v[i].nreviewers; k++) {
			cJSON_AddItemToArray(r,
				cJSON_CreateString(v[i].reviewers[k]));
		}
		if (v[i].merged_sha[0]) {
			cJSON_AddStringToObject(o, "mergedSha",
						v[i].merged_sha);
		} else {
			cJSON_AddNullToObject(o, "mergedSha");
		}
		cJSON_AddItemToArray(arr, o);
	}
	pulls_free_list(v, n);
	server_reply_json(rep, 200, arr);
}

static void
server_admin_error(struct forge_reply *rep, int status, const char *msg)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "error", msg);
	server_reply_json(rep, status, j);
}

static void
server_admin_repos(struct httpd_req *rq, const char *base,
		   struct forge_reply *rep)
{
	cJSON *j = cJSON_ParseWithLength(rq->body.buf, rq->body.len);
	const char *name = json_str(j, "name");
	const char *branch = json_str(j, "defaultBranch");
	const char *slash = name ? strchr(name, '/') : NULL;
	if (!slash || (branch && !*branch)) {
		cJSON_Delete(j);
		server_admin_error(rep, 400, "want {\"name\":\"OWNER/NAME\","
				   "\"defaultBranch\":\"master\"}");
		return;
	}
	char *owner = xstrndup(name, (size_t)(slash - name));
	struct pd_err e = { 0 };
	int rc = repos_create(owner, slash + 1, branch ? branch : "master", &e);
	if (rc < 0) {
		server_admin_error(rep, rc == -PD_ECONFLICT ? 409
				   : rc == -PD_EUSAGE ? 400 : 500, e.msg);
	} else {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", name);
		cJSON_AddStringToObject(o, "defaultBranch",
					branch ? branch : "master");
		char *url = xasprintf("%s/%s.git", base, name);
		cJSON_AddStringToObject(o, "cloneUrl", url);
		free(url);
		cJSON_AddNumberToObject(o, "id",
			(double)repos_id(owner, slash + 1));
		server_reply_json(rep, 201, o);
	}
	free(owner);
	cJSON_Delete(j);
}

static void
server_admin(struct httpd_req *rq, char **segs, int n, const char *base,
	     struct forge_reply *rep)
{
	const char *m = rq->method;
	if (n == 3 && strcmp(segs[2], "pulls") == 0) {
		if (strcmp(m, "GET") == 0) {
			server_admin_pulls(rep);
		} else if (strcmp(m, "DELETE") == 0) {
			pulls_reset();
			server_admin_error(rep, 200, "");
			buf_reset(&rep->body);
			buf_adds(&rep->body, "{}\n");
		} else {
			server_admin_error(rep, 405, "method not allowed");
		}
		return;
	}
	if (n == 3 && strcmp(segs[2], "repos") == 0) {
		if (strcmp(m, "POST") == 0) {
			server_admin_repos(rq, base, rep);
		} else {
			server_admin_error(rep, 405, "method not allowed");
		}
		return;
	}
	if (n == 3 && strcmp(segs[2], "faults") == 0) {
		if (strcmp(m, "DELETE") == 0) {
			faults_clear();
		} else if (strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0) {
			cJSON *j = cJSON_ParseWithLength(rq->body.buf,
							 rq->body.len);
			struct pd_err e = { 0 };
			int rc = faults_apply(j, &e);
			cJSON_Delete(j);
			if (rc < 0) {
				server_admin_error(rep, 400, e.msg);
				return;
			}
		} else if (strcmp(m, "GET") != 0) {
			server_admin_error(rep, 405, "method not allowed");
			return;
		}
		server_reply_json(rep, 200, faults_json());
		return;
	}
	server_admin_error(rep, 404, "no such simulator endpoint");
}

/* ------------------------------------------------------------- faults */

enum server_flavour { FL_NONE, FL_GITHUB, FL_GITLAB, FL_GITEA };

static void
server_fault(enum server_flavour fl, int status, int retry_after,
	     const char *base, struct forge_reply *rep)
{
	bool tmr = status == 429;
	const char *msg = tmr ? "rate limit exceeded" : "injected fault";
	switch (fl) {
	case FL_GITHUB:
		api_github_error(rep, status, tmr ? "API rate limit exceeded "
				 "for user ID 1." : "Server Error");
		if (tmr) {
			server_add_header(rep, "x-ratelimit-limit", "5000");
			server_add_header(rep, "x-ratelimit-remaining", "0");
			server_add_header(rep, "x-ratelimit-used", "5000");
			server_add_header(rep, "x-ratelimit-reset", "%lld",
					  (long long)time(NULL) + retry_after);
			server_add_header(rep, "x-ratelimit-resource", "core");
		}
		break;
	case FL_GITLAB:
		api_gitlab_error(rep, status, tmr ? "429 Too Many Requests"
				 : "500 Internal Server Error");
		if (tmr) {
			server_add_header(rep, "RateLimit-Remaining", "0");
			server_add_header(rep, "RateLimit-Reset", "%lld",
					  (long long)time(NULL) + retry_after);
		}
		break;
	case FL_GITEA:
		api_gitea_error(rep, base, status, msg);
		break;
	default:
		server_text(rep, status, tmr ? "Too Many Requests\n"
			    : "Internal Server Error\n");
		break;
	}
	if (tmr || retry_after > 0) {
		server_add_header(rep, "Retry-After", "%d",
				  retry_after > 0 ? retry_after : 1);
	}
}

/* ------------------------------------------------------------- handler */

static void
server_unauthorized(enum server_flavour fl, enum server_auth a,
		    const char *base, struct forge_reply *rep)
{
	switch (fl) {
	case FL_GITHUB:
		api_github_error(rep, 401, a == AUTH_NONE
				 ? "Requires authentication"
				 : "Bad credentials");
		break;
	case FL_GITLAB:
		api_gitlab_error(rep, 401, "401 Unauthorized");
		break;
	case FL_GITEA:
		api_gitea_error(rep, base, 401, a == AUTH_NONE
				? "token is required" : "invalid token");
		break;
	default:
		server_text(rep, 401, "Authentication required\n");
		server_add_header(rep, "WWW-Authenticate",
				  "Basic realm=\"forge-sim\"");
		break;
	}
}

static void
server_git(struct httpd_req *rq, struct forge_reply *rep)
{
	struct buf owner = BUF_INIT, name = BUF_INIT;
	if (!githttp_match(rq->url, &owner, &name) ||
	    !repos_exists(owner.buf, name.buf)) {
		server_text(rep, 404, "Repository not found\n");
		goto out;
	}
	const char *user = NULL;
	if (githttp_is_push(rq->url, httpd_arg(rq->conn, "service"))) {
		if (server_opts->token) {
			enum server_auth a = server_check(rq->conn, false);
			if (a != AUTH_OK) {
				server_unauthorized(FL_NONE, a, NULL, rep);
				goto out;
			}
		}
		user = server_opts->user;
	}
	githttp_serve(rq, user, rep);
out:
	buf_release(&owner);
	buf_release(&name);
}

static void
server_handle(struct httpd_req *rq, struct forge_reply *rep)
{
	const char *url = rq->url;
	struct buf base = BUF_INIT;
	server_base(rq->conn, &base);
	char *path = xstrdup(url);
	char *segs[ROUTE_MAX_SEGS];
	int n = route_split(path, segs, ROUTE_MAX_SEGS);
	if (rq->too_big) {
		server_text(rep, 413, "Request Entity Too Large\n");
		goto out;
	}
	if (n == 1 && strcmp(segs[0], "healthz") == 0) {
		server_text(rep, 200, "ok");
		goto out;
	}
	if (n >= 2 && strcmp(segs[0], "sim") == 0 &&
	    strcmp(segs[1], "v1") == 0) {
		server_admin(rq, segs, n, base.buf, rep);
		goto out;
	}
	enum server_flavour fl = FL_NONE;
	if (n >= 2 && strcmp(segs[0], "api") == 0) {
		fl = strcmp(segs[1], "v3") == 0 ? FL_GITHUB
		   : strcmp(segs[1], "v4") == 0 ? FL_GITLAB
		   : strcmp(segs[1], "v1") == 0 ? FL_GITEA : FL_NONE;
	}
	long latency;
	int retry_after;
	int fault = faults_take(url, &latency, &retry_after);
	if (latency > 0) {
		struct timespec ts = { latency / 1000,
				       (latency % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (fault) {
		if (fault == 429 && retry_after <= 0) {
			retry_after = server_opts->retry_after;
		}
		server_fault(fl, fault, retry_after, base.buf, rep);
		goto out;
	}
	if (fl == FL_NONE) {
		if (n >= 1 && strcmp(segs[0], "api") == 0) {
			server_text(rep, 404, "404 page not found\n");
		} else {
			server_git(rq, rep);
		}
		goto out;
	}
	if (n < 0) {
		server_unauthorized(fl, AUTH_OK, base.buf, rep);
		rep->status = 404;
		goto out;
	}
	if (server_opts->token) {
		enum server_auth a = server_check(rq->conn, fl == FL_GITLAB);
		if (a != AUTH_OK) {
			server_unauthorized(fl, a, base.buf, rep);
			goto out;
		}
	}
	struct forge_ctx cx = {
		.rq = rq, .method = rq->method, .segs = segs + 2, .n = n - 2,
		.base = base.buf, .user = server_opts->user, .o = server_opts,
	};
	switch (fl) {
	case FL_GITHUB: api_github(&cx, rep); break;
	case FL_GITLAB: api_gitlab(&cx, rep); break;
	default: api_gitea(&cx, rep); break;
	}
out:
	free(path);
	buf_release(&base);
}

/* httpd's handler: one complete request. */
static enum MHD_Result
server_request(void *cls, struct httpd_req *rq)
{
	struct forge_reply rep = { .status = 500, .body = BUF_INIT };
	(void)cls;
	server_handle(rq, &rep);
	enum MHD_Result ret = httpd_respond(rq, rep.status, rep.ctype,
					    rep.body.buf, rep.body.len,
					    rep.hdrs);
	buf_release(&rep.body);
	return ret;
}

/* ---------------------------------------------------------- start-up */

int
server_run(const struct forge_options *o, struct pd_err *e)
{
	server_opts = o;
	httpd_block_signals();
	struct httpd_options ho = {
		.listen = o->listen,
		.max_body = SERVER_MAX_BODY,
		.log_after = true,
		.handler = server_request,
	};
	int rc = httpd_new(&server_httpd, &ho, e);
	if (rc < 0) {
		return rc;
	}
	if (o->port_file) {
		rc = httpd_write_port_file(server_httpd, o->port_file, e);
	}
	if (rc == 0) {
		httpd_wait_signal();
	}
	httpd_quiesce(server_httpd);
	httpd_free(server_httpd);
	server_httpd = NULL;
	return rc;
}
