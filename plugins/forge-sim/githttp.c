/* SPDX-License-Identifier: Apache-2.0 */
/*
 * githttp: git's smart HTTP through `git http-backend` as a CGI. The
 * request becomes the CGI environment (GIT_PROJECT_ROOT, PATH_INFO,
 * QUERY_STRING, REQUEST_METHOD, CONTENT_TYPE, CONTENT_LENGTH, REMOTE_USER,
 * and the Content-Encoding and Git-Protocol headers as HTTP_*), the body
 * goes to its stdin, and its output's CGI headers become the answer's
 * status and headers. http-backend inflates gzip'd bodies itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forge.h"
#include "xalloc.h"

void
githttp_cgi_release(struct githttp_cgi *g)
{
	free(g->ctype);
	for (size_t i = 0; i < g->nhdrs * 2; i++) {
		free(g->hdrs[i]);
	}
	free(g->hdrs);
	memset(g, 0, sizeof(*g));
}

static void
githttp_add_hdr(struct githttp_cgi *g, const char *k, size_t kl,
		const char *v, size_t vl)
{
	g->hdrs = xrealloc(g->hdrs, (g->nhdrs * 2 + 3) * sizeof(*g->hdrs));
	g->hdrs[g->nhdrs * 2] = xstrndup(k, kl);
	g->hdrs[g->nhdrs * 2 + 1] = xstrndup(v, vl);
	g->nhdrs++;
	g->hdrs[g->nhdrs * 2] = NULL;
}

int
githttp_parse_cgi(const char *out, size_t len, struct githttp_cgi *g)
{
	memset(g, 0, sizeof(*g));
	g->status = 200;
	size_t p = 0;
	for (;;) {
		const char *nl = memchr(out + p, '\n', len - p);
		if (!nl) {
			githttp_cgi_release(g);
			return -1;
		}
		size_t end = (size_t)(nl - out);
		size_t next = end + 1;
		if (end > p && out[end - 1] == '\r') {
			end--;
		}
		if (end == p) {
			g->body_off = next;
			return 0;
		}
		const char *line = out + p;
		size_t ll = end - p;
		const char *colon = memchr(line, ':', ll);
		if (!colon || colon == line) {
			githttp_cgi_release(g);
			return -1;
		}
		size_t kl = (size_t)(colon - line);
		const char *v = colon + 1;
		while (v < line + ll && (*v == ' ' || *v == '\t')) {
			v++;
		}
		size_t vl = (size_t)(line + ll - v);
		if (kl == 6 && strncasecmp(line, "Status", 6) == 0) {
			char num[4];
			if (vl < 3) {
				githttp_cgi_release(g);
				return -1;
			}
			memcpy(num, v, 3);
			num[3] = '\0';
			char *e;
			long s = strtol(num, &e, 10);
			if (*e || s < 100 || s > 599 ||
			    (vl > 3 && v[3] != ' ')) {
				githttp_cgi_release(g);
				return -1;
			}
			g->status = (int)s;
		} else if (kl == 12 && strncasecmp(line, "Content-Type",
						   12) == 0) {
			free(g->ctype);
			g->ctype = xstrndup(v, vl);
		} else {
			githttp_add_hdr(g, line, kl, v, vl);
		}
		p = next;
	}
}

bool
githttp_match(const char *path, struct buf *owner, struct buf *name)
{
	buf_reset(owner);
	buf_reset(name);
	if (path[0] != '/') {
		return false;
	}
	const char *o = path + 1;
	const char *s1 = strchr(o, '/');
	if (!s1) {
		return false;
	}
	const char *n = s1 + 1;
	const char *s2 = strchr(n, '/');
	size_t nl = s2 ? (size_t)(s2 - n) : strlen(n);
	if (nl <= 4 || strncmp(n + nl - 4, ".git", 4) != 0 || !s2 ||
	    !s2[1]) {
		return false;
	}
	buf_add(owner, o, (size_t)(s1 - o));
	buf_add(name, n, nl - 4);
	return repos_valid_part(owner->buf) && repos_valid_part(name->buf);
}

bool
githttp_is_push(const char *path, const char *service)
{
	size_t l = strlen(path);
	const char *rp = "/git-receive-pack";
	size_t rl = strlen(rp);
	if (l >= rl && strcmp(path + l - rl, rp) == 0) {
		return true;
	}
	return service && strcmp(service, "git-receive-pack") == 0;
}

void
githttp_serve(struct httpd_req *rq, const char *remote_user,
	      struct forge_reply *rep)
{
	struct MHD_Connection *c = rq->conn;
	struct proc_env pe;
	proc_env_init(&pe);
	proc_env_add(&pe, "GIT_PROJECT_ROOT", repos_root());
	proc_env_add(&pe, "GIT_HTTP_EXPORT_ALL", "1");
	proc_env_add(&pe, "PATH_INFO", rq->url);
	struct buf q = BUF_INIT;
	httpd_query(c, &q);
	proc_env_add(&pe, "QUERY_STRING", q.buf);
	buf_release(&q);
	proc_env_add(&pe, "REQUEST_METHOD", rq->method);
	proc_env_add(&pe, "REMOTE_ADDR", "127.0.0.1");
	const char *ct = httpd_header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (ct) {
		proc_env_add(&pe, "CONTENT_TYPE", ct);
	}
	bool post = strcmp(rq->method, "POST") == 0;
	if (post) {
		char len[32];
		snprintf(len, sizeof(len), "%zu", rq->body.len);
		proc_env_add(&pe, "CONTENT_LENGTH", len);
	}
	if (remote_user) {
		proc_env_add(&pe, "REMOTE_USER", remote_user);
	}
	const char *enc = httpd_header(c, "Content-Encoding");
	if (enc) {
		proc_env_add(&pe, "HTTP_CONTENT_ENCODING", enc);
	}
	const char *gp = httpd_header(c, "Git-Protocol");
	if (gp) {
		proc_env_add(&pe, "HTTP_GIT_PROTOCOL", gp);
	}
	const char *argv[] = { "git", "http-backend", NULL };
	struct buf out = BUF_INIT;
	struct pd_err e = { 0 };
	int rc = proc_run(argv, (const char *const *)pe.v,
			  post ? rq->body.buf : NULL, post ? rq->body.len : 0,
			  &out, NULL, &e);
	proc_env_release(&pe);
	struct githttp_cgi g;
	if (rc < 0 || githttp_parse_cgi(out.buf, out.len, &g) < 0) {
		rep->status = 500;
		rep->ctype = "text/plain; charset=utf-8";
		buf_reset(&rep->body);
		buf_adds(&rep->body, "git http-backend failed\n");
		buf_release(&out);
		return;
	}
	rep->status = g.status;
	buf_reset(&rep->body);
	buf_add(&rep->body, out.buf + g.body_off, out.len - g.body_off);
	static const char *const pass[] = { "Cache-Control", "Expires",
		"Pragma" };
	for (size_t i = 0; i < g.nhdrs; i++) {
		for (size_t k = 0; k < sizeof(pass) / sizeof(pass[0]); k++) {
			if (strcasecmp(g.hdrs[2 * i], pass[k]) == 0) {
				server_add_header(rep, pass[k], "%s",
						  g.hdrs[2 * i + 1]);
			}
		}
	}
	if (g.ctype) {
		server_add_header(rep, "Content-Type", "%s", g.ctype);
	}
	rep->ctype = NULL;
	githttp_cgi_release(&g);
	buf_release(&out);
}
