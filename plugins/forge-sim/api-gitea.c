/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api-gitea: the Gitea / Forgejo REST endpoints pipeline-pr uses, under
 * /api/v1: the repository, pull requests (list, create, get, get by base
 * and head, merge), requested reviewers and labels (Gitea's take label
 * ids: a label table per repository gives names ids), with Gitea's status
 * codes and {"message","url"} bodies (409 "pull request already exists for
 * these targets [...]", 422 no changes between head and base).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forge.h"
#include "xalloc.h"

/* ------------------------------------------------------------- labels */

struct api_gitea_label {
	char *repo;
	char *name;
	long id;
};

static pthread_mutex_t api_gitea_mu = PTHREAD_MUTEX_INITIALIZER;
static struct api_gitea_label *api_gitea_labels;
static size_t api_gitea_nlabels;

/* The id of repo's label name, made when new. */
static long
api_gitea_label_id(const char *repo, const char *name)
{
	pthread_mutex_lock(&api_gitea_mu);
	long id = 0;
	for (size_t i = 0; i < api_gitea_nlabels && !id; i++) {
		if (strcmp(api_gitea_labels[i].repo, repo) == 0 &&
		    strcmp(api_gitea_labels[i].name, name) == 0) {
			id = api_gitea_labels[i].id;
		}
	}
	if (!id) {
		api_gitea_labels = xrealloc(api_gitea_labels,
			(api_gitea_nlabels + 1) * sizeof(*api_gitea_labels));
		struct api_gitea_label *l =
			&api_gitea_labels[api_gitea_nlabels++];
		l->repo = xstrdup(repo);
		l->name = xstrdup(name);
		l->id = (long)api_gitea_nlabels;
		id = l->id;
	}
	pthread_mutex_unlock(&api_gitea_mu);
	return id;
}

/* The name of repo's label id into out (reset): 0, or -1 when none. */
static int
api_gitea_label_name(const char *repo, long id, struct buf *out)
{
	buf_reset(out);
	int rc = -1;
	pthread_mutex_lock(&api_gitea_mu);
	for (size_t i = 0; i < api_gitea_nlabels; i++) {
		if (api_gitea_labels[i].id == id &&
		    strcmp(api_gitea_labels[i].repo, repo) == 0) {
			buf_adds(out, api_gitea_labels[i].name);
			rc = 0;
		}
	}
	pthread_mutex_unlock(&api_gitea_mu);
	return rc;
}

static cJSON *
api_gitea_label(const char *repo, const char *name)
{
	cJSON *l = cJSON_CreateObject();
	cJSON_AddNumberToObject(l, "id", (double)api_gitea_label_id(repo,
								    name));
	cJSON_AddStringToObject(l, "name", name);
	cJSON_AddStringToObject(l, "color", "ededed");
	cJSON_AddStringToObject(l, "description", "");
	return l;
}

/* Label names from a JSON array of ids (or names); unknown ids are
 * skipped, as Gitea does. Appended to *v. */
static bool
api_gitea_label_names(const char *repo, const cJSON *a, char ***v,
		      size_t *n)
{
	if (!a) {
		return true;
	}
	if (!cJSON_IsArray(a)) {
		return false;
	}
	struct buf nm = BUF_INIT;
	for (const cJSON *c = a->child; c; c = c->next) {
		if (cJSON_IsNumber(c)) {
			if (api_gitea_label_name(repo, (long)c->valuedouble,
						 &nm) == 0) {
				pulls_list_add(v, n, nm.buf);
			}
		} else if (cJSON_IsString(c) && *c->valuestring) {
			pulls_list_add(v, n, c->valuestring);
		} else {
			buf_release(&nm);
			return false;
		}
	}
	buf_release(&nm);
	return true;
}

/* ------------------------------------------------------------- shapes */

void
api_gitea_error(struct forge_reply *rep, const char *base, int status,
		const char *msg)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "message", msg);
	char *url = xasprintf("%s/api/swagger", base ? base : "");
	cJSON_AddStringToObject(j, "url", url);
	free(url);
	server_reply_json(rep, status, j);
}

static cJSON *
api_gitea_user(const char *login, const char *base)
{
	cJSON *u = cJSON_CreateObject();
	cJSON_AddNumberToObject(u, "id", 1);
	cJSON_AddStringToObject(u, "login", login);
	cJSON_AddStringToObject(u, "username", login);
	char *s = xasprintf("%s/%s", base, login);
	cJSON_AddStringToObject(u, "html_url", s);
	free(s);
	return u;
}

static cJSON *
api_gitea_repo(const char *owner, const char *name, const char *base)
{
	struct buf db = BUF_INIT;
	repos_default_branch(owner, name, &db, NULL);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "id", (double)repos_id(owner, name));
	cJSON_AddItemToObject(j, "owner", api_gitea_user(owner, base));
	cJSON_AddStringToObject(j, "name", name);
	char *full = xasprintf("%s/%s", owner, name);
	cJSON_AddStringToObject(j, "full_name", full);
	char *s = xasprintf("%s/%s", base, full);
	cJSON_AddStringToObject(j, "html_url", s);
	free(s);
	s = xasprintf("%s/%s.git", base, full);
	cJSON_AddStringToObject(j, "clone_url", s);
	free(s);
	cJSON_AddStringToObject(j, "default_branch", db.buf);
	cJSON_AddBoolToObject(j, "private", false);
	cJSON_AddBoolToObject(j, "has_pull_requests", true);
	free(full);
	buf_release(&db);
	return j;
}

static cJSON *
api_gitea_branch(const struct pull *p, const char *owner, const char *ref,
		 const char *sha, long repo_id)
{
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "label", ref);
	cJSON_AddStringToObject(b, "ref", ref);
	cJSON_AddStringToObject(b, "sha", sha);
	cJSON_AddNumberToObject(b, "repo_id", (double)repo_id);
	(void)p;
	(void)owner;
	return b;
}

static cJSON *
api_gitea_pull(const struct pull *p, const char *base)
{
	const char *slash = strchr(p->repo, '/');
	char *owner = xstrndup(p->repo, (size_t)(slash - p->repo));
	long rid = repos_id(owner, slash + 1);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "id", (double)p->id);
	char *s = xasprintf("%s/%s/pulls/%ld", base, p->repo, p->number);
	cJSON_AddStringToObject(j, "url", s);
	free(s);
	cJSON_AddNumberToObject(j, "number", (double)p->number);
	cJSON_AddItemToObject(j, "user", api_gitea_user(p->author, base));
	cJSON_AddStringToObject(j, "title", p->title);
	cJSON_AddStringToObject(j, "body", p->body ? p->body : "");
	cJSON *ls = cJSON_AddArrayToObject(j, "labels");
	for (size_t i = 0; i < p->nlabels; i++) {
		cJSON_AddItemToArray(ls, api_gitea_label(p->repo,
							 p->labels[i]));
	}
	cJSON *as = cJSON_AddArrayToObject(j, "assignees");
	for (size_t i = 0; i < p->nassignees; i++) {
		cJSON_AddItemToArray(as, api_gitea_user(p->assignees[i],
							base));
	}
	cJSON *rv = cJSON_AddArrayToObject(j, "requested_reviewers");
	for (size_t i = 0; i < p->nreviewers; i++) {
		cJSON_AddItemToArray(rv, api_gitea_user(p->reviewers[i],
							base));
	}
	cJSON_AddStringToObject(j, "state", p->state == PULL_OPEN ? "open"
				: "closed");
	cJSON_AddBoolToObject(j, "draft", p->draft);
	cJSON_AddBoolToObject(j, "is_locked", false);
	s = xasprintf("%s/%s/pull/%ld", base, p->repo, p->number);
	cJSON_AddStringToObject(j, "html_url", s);
	free(s);
	cJSON_AddBoolToObject(j, "mergeable", p->state == PULL_OPEN);
	cJSON_AddBoolToObject(j, "merged", p->state == PULL_MERGED);
	char t[32];
	server_time(p->updated, t);
	if (p->state == PULL_MERGED) {
		cJSON_AddStringToObject(j, "merged_at", t);
		cJSON_AddStringToObject(j, "merge_commit_sha", p->merged_sha);
		cJSON_AddItemToObject(j, "merged_by",
				      api_gitea_user(p->author, base));
	} else {
		cJSON_AddNullToObject(j, "merged_at");
		cJSON_AddNullToObject(j, "merge_commit_sha");
		cJSON_AddNullToObject(j, "merged_by");
	}
	char sha[41];
	server_base_sha(p, sha);
	cJSON_AddItemToObject(j, "base", api_gitea_branch(p, owner, p->base,
							  sha, rid));
	server_head_sha(p, sha);
	cJSON_AddItemToObject(j, "head", api_gitea_branch(p, owner, p->head,
							  sha, rid));
	cJSON_AddStringToObject(j, "updated_at", t);
	server_time(p->created, t);
	cJSON_AddStringToObject(j, "created_at", t);
	free(owner);
	return j;
}

/* ---------------------------------------------------------- endpoints */

static void
api_gitea_list(struct forge_ctx *cx, const char *repo,
	       struct forge_reply *rep)
{
	const char *state = httpd_arg(cx->rq->conn, "state");
	struct pulls_filter f = { .repo = repo, .state = PULL_OPEN };
	bool closed = false;
	if (state && strcmp(state, "all") == 0) {
		f.state = -1;
	} else if (state && strcmp(state, "closed") == 0) {
		f.state = -1;
		closed = true;
	}
	struct pull *v;
	size_t n = pulls_list(&f, &v);
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = n; i > 0; i--) {
		if (closed && v[i - 1].state == PULL_OPEN) {
			continue;
		}
		cJSON_AddItemToArray(arr, api_gitea_pull(&v[i - 1], cx->base));
	}
	pulls_free_list(v, n);
	server_reply_json(rep, 200, arr);
}

static bool
api_gitea_wip(const char *t)
{
	return strncasecmp(t, "WIP:", 4) == 0 ||
	       strncasecmp(t, "[WIP]", 5) == 0;
}

static void
api_gitea_create(struct forge_ctx *cx, const char *owner, const char *name,
		 struct forge_reply *rep)
{
	cJSON *j = server_body_json(cx);
	const char *head = json_str(j, "head");
	const char *base = json_str(j, "base");
	const char *title = json_str(j, "title");
	const char *body = json_str(j, "body");
	char *repo = xasprintf("%s/%s", owner, name);
	struct pull p;
	memset(&p, 0, sizeof(p));
	if (!cJSON_IsObject(j) || !head || !base || !title || !*title) {
		api_gitea_error(rep, cx->base, 422, "[Title]: Required");
		goto out;
	}
	const char *colon = strchr(head, ':');
	if (colon) {
		head = colon + 1;
	}
	if (strcmp(head, base) == 0) {
		api_gitea_error(rep, cx->base, 422, "Invalid PullRequest: "
				"There are no changes between the head and "
				"the base");
		goto out;
	}
	char bsha[41];
	if (repos_branch_sha(owner, name, head, p.head_sha, NULL) < 0 ||
	    repos_branch_sha(owner, name, base, bsha, NULL) < 0) {
		api_gitea_error(rep, cx->base, 404, "The target couldn't be "
				"found.");
		goto out;
	}
	if (!api_gitea_label_names(repo, cJSON_GetObjectItemCaseSensitive(j,
				   "labels"), &p.labels, &p.nlabels)) {
		api_gitea_error(rep, cx->base, 422, "[Labels]: invalid");
		goto out;
	}
	const cJSON *as = cJSON_GetObjectItemCaseSensitive(j, "assignees");
	for (const cJSON *a = cJSON_IsArray(as) ? as->child : NULL; a;
	     a = a->next) {
		if (cJSON_IsString(a)) {
			pulls_list_add(&p.assignees, &p.nassignees,
				       a->valuestring);
		}
	}
	const char *one = json_str(j, "assignee");
	if (one && *one) {
		pulls_list_add(&p.assignees, &p.nassignees, one);
	}
	const cJSON *rv = cJSON_GetObjectItemCaseSensitive(j, "reviewers");
	for (const cJSON *a = cJSON_IsArray(rv) ? rv->child : NULL; a;
	     a = a->next) {
		if (cJSON_IsString(a)) {
			pulls_list_add(&p.reviewers, &p.nreviewers,
				       a->valuestring);
		}
	}
	p.repo = repo;
	p.head = (char *)head;
	p.base = (char *)base;
	p.title = (char *)title;
	p.body = (char *)(body ? body : "");
	p.author = (char *)cx->user;
	p.draft = api_gitea_wip(title);
	struct pull made;
	long existing = 0;
	if (pulls_create(&p, &existing, &made) < 0) {
		struct pull ex;
		long rid = repos_id(owner, name);
		long id = 0;
		if (pulls_get(repo, existing, &ex) == 0) {
			id = ex.id;
			pulls_release(&ex);
		}
		char *msg = xasprintf("pull request already exists for these "
				      "targets [id: %ld, issue_id: %ld, "
				      "head_repo_id: %ld, base_repo_id: %ld, "
				      "head_branch: %s, base_branch: %s]", id,
				      existing, rid, rid, head, base);
		api_gitea_error(rep, cx->base, 409, msg);
		free(msg);
		goto out;
	}
	server_reply_json(rep, 201, api_gitea_pull(&made, cx->base));
	pulls_release(&made);
out:
	p.repo = p.head = p.base = p.title = p.body = p.author = NULL;
	pulls_release(&p);
	free(repo);
	cJSON_Delete(j);
}

static void
api_gitea_merge(struct forge_ctx *cx, const char *repo, long number,
		struct forge_reply *rep)
{
	struct pull p;
	if (pulls_get(repo, number, &p) < 0) {
		api_gitea_error(rep, cx->base, 404, "The target couldn't be "
				"found.");
		return;
	}
	if (strcmp(cx->method, "GET") == 0) {
		if (p.state == PULL_MERGED) {
			rep->status = 204;
		} else {
			api_gitea_error(rep, cx->base, 404, "The target "
					"couldn't be found.");
		}
		pulls_release(&p);
		return;
	}
	cJSON *j = server_body_json(cx);
	const char *how = json_str(j, "Do");
	const char *mt = json_str(j, "MergeTitleField");
	const char *mm = json_str(j, "MergeMessageField");
	const char *hc = json_str(j, "head_commit_id");
	enum merge_method m = MERGE_COMMIT;
	if (!how) {
		api_gitea_error(rep, cx->base, 422, "[Do]: Required");
		goto out;
	}
	if (strcmp(how, "squash") == 0) {
		m = MERGE_SQUASH;
	} else if (strcmp(how, "merge") != 0) {
		api_gitea_error(rep, cx->base, 405, "merge style not allowed "
				"by forge-sim (merge, squash)");
		goto out;
	}
	if (p.state == PULL_MERGED) {
		api_gitea_error(rep, cx->base, 405, "The PR is already "
				"merged");
		goto out;
	}
	char *msg = xasprintf("%s\n\n%s", mt && *mt ? mt : "", mm ? mm : "");
	if (!mt || !*mt) {
		free(msg);
		msg = xasprintf("Merge pull request '%s' (#%ld) from %s into "
				"%s\n\n%s", p.title, number, p.head, p.base,
				mm ? mm : "");
	}
	struct pd_err e = { 0 };
	int r = merge_pull(repo, number, m, msg, cx->user, hc, false, NULL,
			   &e);
	free(msg);
	switch (r) {
	case MERGE_OK:
		rep->status = 200;
		rep->ctype = NULL;
		break;
	case MERGE_CONFLICT:
		api_gitea_error(rep, cx->base, 409, "merge had a conflict");
		break;
	case MERGE_MODIFIED:
		api_gitea_error(rep, cx->base, 409, "head out of date");
		break;
	case MERGE_NO_PR:
		api_gitea_error(rep, cx->base, 404, "The target couldn't be "
				"found.");
		break;
	case MERGE_ERROR:
		api_gitea_error(rep, cx->base, 500, "internal server error");
		break;
	default:
		api_gitea_error(rep, cx->base, 405, "Please try again later");
		break;
	}
out:
	cJSON_Delete(j);
	pulls_release(&p);
}

static void
api_gitea_reviewers(struct forge_ctx *cx, const char *repo, long number,
		    struct forge_reply *rep)
{
	cJSON *j = server_body_json(cx);
	const cJSON *rv = cJSON_GetObjectItemCaseSensitive(j, "reviewers");
	char **names = NULL;
	size_t n = 0;
	for (const cJSON *a = cJSON_IsArray(rv) ? rv->child : NULL; a;
	     a = a->next) {
		if (cJSON_IsString(a)) {
			pulls_list_add(&names, &n, a->valuestring);
		}
	}
	if (pulls_add_reviewers(repo, number, (const char *const *)names,
				n) < 0) {
		api_gitea_error(rep, cx->base, 404, "The target couldn't be "
				"found.");
	} else {
		cJSON *arr = cJSON_CreateArray();
		for (size_t i = 0; i < n; i++) {
			cJSON *r = cJSON_CreateObject();
			cJSON_AddNumberToObject(r, "id", (double)(i + 1));
			cJSON_AddItemToObject(r, "user",
					      api_gitea_user(names[i],
							     cx->base));
			cJSON_AddStringToObject(r, "state", "REQUEST_REVIEW");
			cJSON_AddItemToArray(arr, r);
		}
		server_reply_json(rep, 201, arr);
	}
	for (size_t i = 0; i < n; i++) {
		free(names[i]);
	}
	free(names);
	cJSON_Delete(j);
}

static void
api_gitea_issue_labels(struct forge_ctx *cx, const char *repo, long number,
		       struct forge_reply *rep)
{
	struct pull p;
	if (strcmp(cx->method, "POST") == 0) {
		cJSON *j = server_body_json(cx);
		char **names = NULL;
		size_t n = 0;
		bool ok = api_gitea_label_names(repo,
			cJSON_GetObjectItemCaseSensitive(j, "labels"), &names,
			&n);
		int rc = ok ? pulls_add_labels(repo, number,
			(const char *const *)names, n) : 0;
		for (size_t i = 0; i < n; i++) {
			free(names[i]);
		}
		free(names);
		cJSON_Delete(j);
		if (!ok) {
			api_gitea_error(rep, cx->base, 422, "[Labels]: "
					"invalid");
			return;
		}
		if (rc < 0) {
			api_gitea_error(rep, cx->base, 404, "The target "
					"couldn't be found.");
			return;
		}
	}
	if (pulls_get(repo, number, &p) < 0) {
		api_gitea_error(rep, cx->base, 404, "The target couldn't be "
				"found.");
		return;
	}
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < p.nlabels; i++) {
		cJSON_AddItemToArray(arr, api_gitea_label(repo, p.labels[i]));
	}
	pulls_release(&p);
	server_reply_json(rep, 200, arr);
}

static void
api_gitea_repo_labels(struct forge_ctx *cx, const char *repo,
		      struct forge_reply *rep)
{
	if (strcmp(cx->method, "POST") == 0) {
		cJSON *j = server_body_json(cx);
		const char *name = json_str(j, "name");
		if (!name || !*name) {
			api_gitea_error(rep, cx->base, 422, "[Name]: "
					"Required");
		} else {
			server_reply_json(rep, 201, api_gitea_label(repo,
								    name));
		}
		cJSON_Delete(j);
		return;
	}
	cJSON *arr = cJSON_CreateArray();
	pthread_mutex_lock(&api_gitea_mu);
	char **names = NULL;
	size_t n = 0;
	for (size_t i = 0; i < api_gitea_nlabels; i++) {
		if (strcmp(api_gitea_labels[i].repo, repo) == 0) {
			pulls_list_add(&names, &n, api_gitea_labels[i].name);
		}
	}
	pthread_mutex_unlock(&api_gitea_mu);
	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(arr, api_gitea_label(repo, names[i]));
		free(names[i]);
	}
	free(names);
	server_reply_json(rep, 200, arr);
}

void
api_gitea(struct forge_ctx *cx, struct forge_reply *rep)
{
	const char *cap[ROUTE_MAX_SEGS];
	char **s = cx->segs;
	int n = cx->n;
	const char *m = cx->method;
	bool get = strcmp(m, "GET") == 0, post = strcmp(m, "POST") == 0;
	if (route_match(s, n, "user", cap) && get) {
		server_reply_json(rep, 200, api_gitea_user(cx->user, cx->base));
		return;
	}
	if (n < 3 || strcmp(s[0], "repos") != 0 ||
	    !repos_exists(s[1], s[2])) {
		api_gitea_error(rep, cx->base, 404, "The target couldn't be "
				"found.");
		return;
	}
	const char *owner = s[1], *name = s[2];
	char *repo = xasprintf("%s/%s", owner, name);
	long num = 0;
	if (n == 3 && get) {
		server_reply_json(rep, 200, api_gitea_repo(owner, name,
							   cx->base));
	} else if (route_match(s, n, "repos/:o/:r/pulls", cap) && get) {
		api_gitea_list(cx, repo, rep);
	} else if (route_match(s, n, "repos/:o/:r/pulls", cap) && post) {
		api_gitea_create(cx, owner, name, rep);
	} else if (route_match(s, n, "repos/:o/:r/pulls/:n", cap) && get &&
		   route_number(cap[2], &num)) {
		struct pull p;
		if (pulls_get(repo, num, &p) < 0) {
			api_gitea_error(rep, cx->base, 404, "The target "
					"couldn't be found.");
		} else {
			server_reply_json(rep, 200, api_gitea_pull(&p,
								   cx->base));
			pulls_release(&p);
		}
	} else if (route_match(s, n, "repos/:o/:r/pulls/:n/merge", cap) &&
		   (post || get) && route_number(cap[2], &num)) {
		api_gitea_merge(cx, repo, num, rep);
	} else if (route_match(s, n, "repos/:o/:r/pulls/:n/requested_reviewers",
			       cap) && post && route_number(cap[2], &num)) {
		api_gitea_reviewers(cx, repo, num, rep);
	} else if (route_match(s, n, "repos/:o/:r/pulls/:b/:h", cap) && get) {
		const char *h = strchr(cap[3], ':');
		struct pulls_filter f = { .repo = repo, .base = cap[2],
					  .head = h ? h + 1 : cap[3],
					  .state = -1 };
		struct pull *v;
		size_t k = pulls_list(&f, &v);
		if (k == 0) {
			api_gitea_error(rep, cx->base, 404, "The target "
					"couldn't be found.");
		} else {
			server_reply_json(rep, 200, api_gitea_pull(&v[k - 1],
								   cx->base));
		}
		pulls_free_list(v, k);
	} else if (route_match(s, n, "repos/:o/:r/issues/:n/labels", cap) &&
		   (get || post) && route_number(cap[2], &num)) {
		api_gitea_issue_labels(cx, repo, num, rep);
	} else if (route_match(s, n, "repos/:o/:r/labels", cap) &&
		   (get || post)) {
		api_gitea_repo_labels(cx, repo, rep);
	} else {
		api_gitea_error(rep, cx->base, 404, "The target couldn't be "
				"found.");
	}
	free(repo);
}
