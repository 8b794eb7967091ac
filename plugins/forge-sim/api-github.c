/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api-github: the GitHub REST endpoints pipeline-pr uses, under /api/v3
 * (GitHub Enterprise Server's base): the repository, pull requests (list
 * with head=OWNER:BRANCH, create, get, merge), labels and requested
 * reviewers, with GitHub's status codes and error bodies (422 Validation
 * Failed with errors[], 404 Not Found, 405 not mergeable).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forge.h"
#include "xalloc.h"

#define API_GITHUB_DOCS "https://docs.github.com/rest"
#define API_GITHUB_PR_DOCS \
	"https://docs.github.com/rest/pulls/pulls#create-a-pull-request"

void
api_github_error(struct forge_reply *rep, int status, const char *msg)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "message", msg);
	cJSON_AddStringToObject(j, "documentation_url", API_GITHUB_DOCS);
	char st[8];
	snprintf(st, sizeof(st), "%d", status);
	cJSON_AddStringToObject(j, "status", st);
	server_reply_json(rep, status, j);
}

/* 422 Validation Failed with one error: a custom message, or a field and
 * code when msg is NULL. */
static void
api_github_invalid(struct forge_reply *rep, const char *msg,
		   const char *field, const char *code)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "message", "Validation Failed");
	cJSON *errs = cJSON_AddArrayToObject(j, "errors");
	cJSON *er = cJSON_CreateObject();
	cJSON_AddStringToObject(er, "resource", "PullRequest");
	if (msg) {
		cJSON_AddStringToObject(er, "code", "custom");
		cJSON_AddStringToObject(er, "message", msg);
	} else {
		cJSON_AddStringToObject(er, "field", field);
		cJSON_AddStringToObject(er, "code", code);
	}
	cJSON_AddItemToArray(errs, er);
	cJSON_AddStringToObject(j, "documentation_url", API_GITHUB_PR_DOCS);
	cJSON_AddStringToObject(j, "status", "422");
	server_reply_json(rep, 422, j);
}

static cJSON *
api_github_user(const char *login, const char *base)
{
	cJSON *u = cJSON_CreateObject();
	cJSON_AddStringToObject(u, "login", login);
	cJSON_AddNumberToObject(u, "id", 1);
	cJSON_AddStringToObject(u, "type", "User");
	char *url = xasprintf("%s/%s", base, login);
	cJSON_AddStringToObject(u, "html_url", url);
	free(url);
	return u;
}

static cJSON *
api_github_repo(const char *owner, const char *name, const char *base,
		const char *user)
{
	struct buf db = BUF_INIT;
	repos_default_branch(owner, name, &db, NULL);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "id", (double)repos_id(owner, name));
	cJSON_AddStringToObject(j, "name", name);
	char *full = xasprintf("%s/%s", owner, name);
	cJSON_AddStringToObject(j, "full_name", full);
	cJSON *o = api_github_user(owner, base);
	cJSON_AddItemToObject(j, "owner", o);
	cJSON_AddBoolToObject(j, "private", false);
	char *s = xasprintf("%s/%s", base, full);
	cJSON_AddStringToObject(j, "html_url", s);
	free(s);
	s = xasprintf("%s/api/v3/repos/%s", base, full);
	cJSON_AddStringToObject(j, "url", s);
	free(s);
	s = xasprintf("%s/%s.git", base, full);
	cJSON_AddStringToObject(j, "clone_url", s);
	free(s);
	cJSON_AddStringToObject(j, "default_branch", db.buf);
	cJSON *perm = cJSON_AddObjectToObject(j, "permissions");
	cJSON_AddBoolToObject(perm, "admin", strcmp(owner, user) == 0);
	cJSON_AddBoolToObject(perm, "push", true);
	cJSON_AddBoolToObject(perm, "pull", true);
	free(full);
	buf_release(&db);
	return j;
}

static cJSON *
api_github_label(const char *name)
{
	cJSON *l = cJSON_CreateObject();
	unsigned long h = 5381;
	for (const char *p = name; *p; p++) {
		h = h * 33 + (unsigned char)*p;
	}
	cJSON_AddNumberToObject(l, "id", (double)(h % 1000000007UL));
	cJSON_AddStringToObject(l, "name", name);
	cJSON_AddStringToObject(l, "color", "ededed");
	cJSON_AddBoolToObject(l, "default", false);
	return l;
}

static cJSON *
api_github_pull(const struct pull *p, const char *base)
{
	const char *slash = strchr(p->repo, '/');
	char *owner = xstrndup(p->repo, (size_t)(slash - p->repo));
	cJSON *j = cJSON_CreateObject();
	char *s = xasprintf("%s/api/v3/repos/%s/pulls/%ld", base, p->repo,
			    p->number);
	cJSON_AddStringToObject(j, "url", s);
	free(s);
	cJSON_AddNumberToObject(j, "id", (double)p->id);
	cJSON_AddNumberToObject(j, "number", (double)p->number);
	s = xasprintf("%s/%s/pull/%ld", base, p->repo, p->number);
	cJSON_AddStringToObject(j, "html_url", s);
	free(s);
	cJSON_AddStringToObject(j, "state", p->state == PULL_OPEN ? "open"
				: "closed");
	cJSON_AddBoolToObject(j, "locked", false);
	cJSON_AddStringToObject(j, "title", p->title);
	if (p->body && *p->body) {
		cJSON_AddStringToObject(j, "body", p->body);
	} else {
		cJSON_AddNullToObject(j, "body");
	}
	cJSON_AddItemToObject(j, "user", api_github_user(p->author, base));
	char t[32];
	server_time(p->created, t);
	cJSON_AddStringToObject(j, "created_at", t);
	server_time(p->updated, t);
	cJSON_AddStringToObject(j, "updated_at", t);
	if (p->state == PULL_OPEN) {
		cJSON_AddNullToObject(j, "closed_at");
		cJSON_AddNullToObject(j, "merged_at");
	} else {
		cJSON_AddStringToObject(j, "closed_at", t);
		cJSON_AddStringToObject(j, "merged_at", t);
	}
	if (p->merged_sha[0]) {
		cJSON_AddStringToObject(j, "merge_commit_sha", p->merged_sha);
	} else {
		cJSON_AddNullToObject(j, "merge_commit_sha");
	}
	cJSON_AddBoolToObject(j, "draft", p->draft);
	char sha[41];
	server_head_sha(p, sha);
	cJSON *h = cJSON_AddObjectToObject(j, "head");
	s = xasprintf("%s:%s", owner, p->head);
	cJSON_AddStringToObject(h, "label", s);
	free(s);
	cJSON_AddStringToObject(h, "ref", p->head);
	cJSON_AddStringToObject(h, "sha", sha);
	server_base_sha(p, sha);
	cJSON *b = cJSON_AddObjectToObject(j, "base");
	s = xasprintf("%s:%s", owner, p->base);
	cJSON_AddStringToObject(b, "label", s);
	free(s);
	cJSON_AddStringToObject(b, "ref", p->base);
	cJSON_AddStringToObject(b, "sha", sha);
	cJSON *ls = cJSON_AddArrayToObject(j, "labels");
	for (size_t i = 0; i < p->nlabels; i++) {
		cJSON_AddItemToArray(ls, api_github_label(p->labels[i]));
	}
	cJSON *rv = cJSON_AddArrayToObject(j, "requested_reviewers");
	for (size_t i = 0; i < p->nreviewers; i++) {
		cJSON_AddItemToArray(rv, api_github_user(p->reviewers[i],
							 base));
	}
	cJSON_AddBoolToObject(j, "merged", p->state == PULL_MERGED);
	if (p->state == PULL_OPEN) {
		cJSON_AddNullToObject(j, "mergeable");
		cJSON_AddStringToObject(j, "mergeable_state", "unknown");
	} else {
		cJSON_AddNullToObject(j, "mergeable");
		cJSON_AddStringToObject(j, "mergeable_state", "unknown");
	}
	free(owner);
	return j;
}

/* ---------------------------------------------------------- endpoints */

static void
api_github_list(struct forge_ctx *cx, const char *repo, const char *owner,
		struct forge_reply *rep)
{
	struct MHD_Connection *c = cx->rq->conn;
	const char *state = httpd_arg(c, "state");
	const char *head = httpd_arg(c, "head");
	const char *base = httpd_arg(c, "base");
	struct pulls_filter f = { .repo = repo, .state = PULL_OPEN };
	if (state && strcmp(state, "closed") == 0) {
		f.state = -2;
	} else if (state && strcmp(state, "all") == 0) {
		f.state = -1;
	} else if (state && strcmp(state, "open") != 0) {
		api_github_invalid(rep, NULL, "state", "invalid");
		return;
	}
	/* GitHub ignores a head without its OWNER: prefix (and any other
	 * owner's matches nothing here: no forks) */
	char *hb = NULL;
	const char *colon = head ? strchr(head, ':') : NULL;
	bool none = false;
	if (colon) {
		if (strlen(owner) != (size_t)(colon - head) ||
		    strncmp(head, owner, (size_t)(colon - head)) != 0) {
			none = true;
		}
		hb = xstrdup(colon + 1);
		f.head = hb;
	}
	f.base = base && *base ? base : NULL;
	struct pull *v;
	size_t n = pulls_list(&(struct pulls_filter){ .repo = f.repo,
		.head = f.head, .base = f.base,
		.state = f.state == -2 ? -1 : f.state }, &v);
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; !none && i < n; i++) {
		if (f.state == -2 && v[i].state == PULL_OPEN) {
			continue;
		}
		cJSON_AddItemToArray(arr, api_github_pull(&v[i], cx->base));
	}
	pulls_free_list(v, n);
	free(hb);
	server_reply_json(rep, 200, arr);
}

static void
api_github_create(struct forge_ctx *cx, const char *repo, const char *owner,
		  const char *name, struct forge_reply *rep)
{
	cJSON *j = server_body_json(cx);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		api_github_error(rep, 400, cx->rq->body.len
				 ? "Problems parsing JSON"
				 : "Body should be a JSON object");
		return;
	}
	const cJSON *title = cJSON_GetObjectItemCaseSensitive(j, "title");
	const cJSON *head = cJSON_GetObjectItemCaseSensitive(j, "head");
	const cJSON *base = cJSON_GetObjectItemCaseSensitive(j, "base");
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(j, "body");
	const cJSON *draft = cJSON_GetObjectItemCaseSensitive(j, "draft");
	if (!cJSON_IsString(head) || !cJSON_IsString(base) ||
	    !cJSON_IsString(title) || (body && !cJSON_IsString(body) &&
				       !cJSON_IsNull(body)) ||
	    (draft && !cJSON_IsBool(draft))) {
		cJSON_Delete(j);
		api_github_error(rep, 422, "Invalid request.\n\nFor 'links/0/"
				 "schema', nil is not an object.");
		return;
	}
	const char *hv = head->valuestring;
	const char *colon = strchr(hv, ':');
	if (colon) {
		if (strlen(owner) != (size_t)(colon - hv) ||
		    strncmp(hv, owner, (size_t)(colon - hv)) != 0) {
			cJSON_Delete(j);
			api_github_invalid(rep, NULL, "head", "invalid");
			return;
		}
		hv = colon + 1;
	}
	struct pull p;
	memset(&p, 0, sizeof(p));
	struct pd_err e = { 0 };
	char bsha[41];
	long ahead = 0;
	if (repos_branch_sha(owner, name, hv, p.head_sha, &e) < 0) {
		api_github_invalid(rep, NULL, "head", "invalid");
		goto out;
	}
	if (repos_branch_sha(owner, name, base->valuestring, bsha, &e) < 0) {
		api_github_invalid(rep, NULL, "base", "invalid");
		goto out;
	}
	struct pulls_filter f = { .repo = repo, .head = hv,
				  .base = base->valuestring,
				  .state = PULL_OPEN };
	struct pull *v;
	size_t n = pulls_list(&f, &v);
	pulls_free_list(v, n);
	if (n) {
		char *msg = xasprintf("A pull request already exists for "
				      "%s:%s.", owner, hv);
		api_github_invalid(rep, msg, NULL, NULL);
		free(msg);
		goto out;
	}
	if (repos_ahead(owner, name, base->valuestring, hv, &ahead, &e) < 0) {
		api_github_error(rep, 500, "Server Error");
		goto out;
	}
	if (ahead == 0) {
		char *msg = xasprintf("No commits between %s and %s",
				      base->valuestring, hv);
		api_github_invalid(rep, msg, NULL, NULL);
		free(msg);
		goto out;
	}
	p.repo = (char *)repo;
	p.head = (char *)hv;
	p.base = base->valuestring;
	p.title = title->valuestring;
	p.body = cJSON_IsString(body) ? body->valuestring : "";
	p.author = (char *)cx->user;
	p.draft = cJSON_IsTrue(draft);
	struct pull made;
	long existing = 0;
	if (pulls_create(&p, &existing, &made) < 0) {
		char *msg = xasprintf("A pull request already exists for "
				      "%s:%s.", owner, hv);
		api_github_invalid(rep, msg, NULL, NULL);
		free(msg);
		goto out;
	}
	server_reply_json(rep, 201, api_github_pull(&made, cx->base));
	server_add_header(rep, "Location", "%s/api/v3/repos/%s/pulls/%ld",
			  cx->base, repo, made.number);
	pulls_release(&made);
out:
	cJSON_Delete(j);
}

/* The strings of a JSON array member key (or of the body when it is an
 * array), borrowed from j; NULL when invalid. */
static const char **
api_github_names(const cJSON *j, const char *key, size_t *n)
{
	const cJSON *a = cJSON_IsArray(j) ? j
		: cJSON_GetObjectItemCaseSensitive(j, key);
	*n = 0;
	if (!cJSON_IsArray(a)) {
		return NULL;
	}
	const char **v = xcalloc((size_t)cJSON_GetArraySize(a) + 1,
				 sizeof(*v));
	for (const cJSON *c = a->child; c; c = c->next) {
		if (!cJSON_IsString(c)) {
			free(v);
			return NULL;
		}
		v[(*n)++] = c->valuestring;
	}
	return v;
}

static void
api_github_labels(struct forge_ctx *cx, const char *repo, long number,
		  struct forge_reply *rep)
{
	struct pull p;
	if (strcmp(cx->method, "POST") == 0) {
		cJSON *j = server_body_json(cx);
		size_t n;
		const char **names = api_github_names(j, "labels", &n);
		if (!names) {
			cJSON_Delete(j);
			api_github_invalid(rep, NULL, "labels", "invalid");
			return;
		}
		int rc = pulls_add_labels(repo, number, names, n);
		free(names);
		cJSON_Delete(j);
		if (rc < 0) {
			api_github_error(rep, 404, "Not Found");
			return;
		}
	} else if (strcmp(cx->method, "GET") != 0) {
		api_github_error(rep, 404, "Not Found");
		return;
	}
	if (pulls_get(repo, number, &p) < 0) {
		api_github_error(rep, 404, "Not Found");
		return;
	}
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < p.nlabels; i++) {
		cJSON_AddItemToArray(arr, api_github_label(p.labels[i]));
	}
	pulls_release(&p);
	server_reply_json(rep, 200, arr);
}

static void
api_github_reviewers(struct forge_ctx *cx, const char *repo, long number,
		     struct forge_reply *rep)
{
	struct pull p;
	if (pulls_get(repo, number, &p) < 0) {
		api_github_error(rep, 404, "Not Found");
		return;
	}
	cJSON *j = server_body_json(cx);
	size_t n;
	const char **names = api_github_names(j, "reviewers", &n);
	if (!names) {
		api_github_invalid(rep, NULL, "reviewers", "invalid");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], p.author) == 0) {
			api_github_invalid(rep, "Review cannot be requested "
					   "from pull request author.", NULL,
					   NULL);
			goto out;
		}
	}
	pulls_add_reviewers(repo, number, names, n);
	pulls_release(&p);
	pulls_get(repo, number, &p);
	server_reply_json(rep, 201, api_github_pull(&p, cx->base));
out:
	free(names);
	cJSON_Delete(j);
	pulls_release(&p);
}

static void
api_github_merge(struct forge_ctx *cx, const char *repo, const char *owner,
		 long number, struct forge_reply *rep)
{
	struct pull p;
	if (pulls_get(repo, number, &p) < 0) {
		api_github_error(rep, 404, "Not Found");
		return;
	}
	if (strcmp(cx->method, "GET") == 0) {
		rep->status = p.state == PULL_MERGED ? 204 : 404;
		if (rep->status == 404) {
			api_github_error(rep, 404, "Not Found");
		}
		pulls_release(&p);
		return;
	}
	cJSON *j = server_body_json(cx);
	const char *mm = json_str(j, "merge_method");
	const char *sha = json_str(j, "sha");
	const char *ctitle = json_str(j, "commit_title");
	const char *cmsg = json_str(j, "commit_message");
	enum merge_method m = MERGE_COMMIT;
	if (mm && strcmp(mm, "squash") == 0) {
		m = MERGE_SQUASH;
	} else if (mm && strcmp(mm, "merge") != 0) {
		api_github_invalid(rep, NULL, "merge_method", "invalid");
		goto out;
	}
	char *msg;
	if (m == MERGE_SQUASH) {
		msg = xasprintf("%s (#%ld)\n\n%s", ctitle ? ctitle : p.title,
				number, cmsg ? cmsg : "");
	} else {
		msg = xasprintf("%s\n\n%s", ctitle ? ctitle :
				"Merge pull request", cmsg ? cmsg : p.title);
		if (!ctitle) {
			free(msg);
			msg = xasprintf("Merge pull request #%ld from %s/%s\n\n"
					"%s", number, owner, p.head,
					cmsg ? cmsg : p.title);
		}
	}
	struct pd_err e = { 0 };
	struct pull done;
	memset(&done, 0, sizeof(done));
	int r = merge_pull(repo, number, m, msg, cx->user, sha, true, &done,
			   &e);
	free(msg);
	switch (r) {
	case MERGE_OK: {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "sha", done.merged_sha);
		cJSON_AddBoolToObject(o, "merged", true);
		cJSON_AddStringToObject(o, "message",
					"Pull Request successfully merged");
		server_reply_json(rep, 200, o);
		break;
	}
	case MERGE_DRAFT:
		api_github_error(rep, 405, "Pull Request is still a draft");
		break;
	case MERGE_MODIFIED:
		api_github_error(rep, 409, "Head branch was modified. Review "
				 "and try the merge again.");
		break;
	case MERGE_NO_PR:
		api_github_error(rep, 404, "Not Found");
		break;
	case MERGE_ERROR:
		api_github_error(rep, 500, "Server Error");
		break;
	default:
		api_github_error(rep, 405, "Pull Request is not mergeable");
		break;
	}
	pulls_release(&done);
out:
	cJSON_Delete(j);
	pulls_release(&p);
}

void
api_github(struct forge_ctx *cx, struct forge_reply *rep)
{
	const char *cap[ROUTE_MAX_SEGS];
	char **s = cx->segs;
	int n = cx->n;
	const char *m = cx->method;
	bool get = strcmp(m, "GET") == 0;
	if (route_match(s, n, "user", cap) && get) {
		server_reply_json(rep, 200, api_github_user(cx->user,
							    cx->base));
		return;
	}
	if (n < 3 || strcmp(s[0], "repos") != 0) {
		api_github_error(rep, 404, "Not Found");
		return;
	}
	const char *owner = s[1], *name = s[2];
	if (!repos_exists(owner, name)) {
		api_github_error(rep, 404, "Not Found");
		return;
	}
	char *repo = xasprintf("%s/%s", owner, name);
	long num = 0;
	if (n == 3 && get) {
		server_reply_json(rep, 200, api_github_repo(owner, name,
							    cx->base, cx->user));
	} else if (route_match(s, n, "repos/:o/:r/pulls", cap) && get) {
		api_github_list(cx, repo, owner, rep);
	} else if (route_match(s, n, "repos/:o/:r/pulls", cap) &&
		   strcmp(m, "POST") == 0) {
		api_github_create(cx, repo, owner, name, rep);
	} else if (route_match(s, n, "repos/:o/:r/pulls/:n", cap) && get &&
		   route_number(cap[2], &num)) {
		struct pull p;
		if (pulls_get(repo, num, &p) < 0) {
			api_github_error(rep, 404, "Not Found");
		} else {
			server_reply_json(rep, 200, api_github_pull(&p,
								    cx->base));
			pulls_release(&p);
		}
	} else if (route_match(s, n, "repos/:o/:r/pulls/:n/merge", cap) &&
		   (get || strcmp(m, "PUT") == 0) &&
		   route_number(cap[2], &num)) {
		api_github_merge(cx, repo, owner, num, rep);
	} else if (route_match(s, n, "repos/:o/:r/pulls/:n/requested_reviewers",
			       cap) && strcmp(m, "POST") == 0 &&
		   route_number(cap[2], &num)) {
		api_github_reviewers(cx, repo, num, rep);
	} else if (route_match(s, n, "repos/:o/:r/issues/:n/labels", cap) &&
		   route_number(cap[2], &num)) {
		api_github_labels(cx, repo, num, rep);
	} else {
		api_github_error(rep, 404, "Not Found");
	}
	free(repo);
}
