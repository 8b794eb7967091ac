/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api-gitlab: the GitLab REST endpoints pipeline-pr uses, under /api/v4:
 * projects (by numeric id or url-encoded OWNER%2FNAME path) and their merge
 * requests (list, create, get, merge), with GitLab's status codes and
 * bodies ({"message":"404 Project Not Found"}, 409 with message as an
 * array, {"error":"title is missing"} for a missing parameter).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forge.h"
#include "xalloc.h"

void
api_gitlab_error(struct forge_reply *rep, int status, const char *msg)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "message", msg);
	server_reply_json(rep, status, j);
}

/* {"message":[msg]}: the shape of model validation errors (409, 422). */
static void
api_gitlab_errors(struct forge_reply *rep, int status, const char *msg)
{
	cJSON *j = cJSON_CreateObject();
	cJSON *a = cJSON_AddArrayToObject(j, "message");
	cJSON_AddItemToArray(a, cJSON_CreateString(msg));
	server_reply_json(rep, status, j);
}

/* {"error":"X is missing"}: a parameter's validation. */
static void
api_gitlab_param(struct forge_reply *rep, const char *param,
		 const char *what)
{
	cJSON *j = cJSON_CreateObject();
	char *msg = xasprintf("%s %s", param, what);
	cJSON_AddStringToObject(j, "error", msg);
	free(msg);
	server_reply_json(rep, 400, j);
}

static cJSON *
api_gitlab_user(const char *login)
{
	cJSON *u = cJSON_CreateObject();
	cJSON_AddNumberToObject(u, "id", 1);
	cJSON_AddStringToObject(u, "username", login);
	cJSON_AddStringToObject(u, "name", login);
	cJSON_AddStringToObject(u, "state", "active");
	return u;
}

static cJSON *
api_gitlab_project(const char *owner, const char *name, long id,
		   const char *base)
{
	struct buf db = BUF_INIT;
	repos_default_branch(owner, name, &db, NULL);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "id", (double)id);
	cJSON_AddStringToObject(j, "name", name);
	cJSON_AddStringToObject(j, "path", name);
	char *full = xasprintf("%s/%s", owner, name);
	char *s = xasprintf("%s / %s", owner, name);
	cJSON_AddStringToObject(j, "name_with_namespace", s);
	free(s);
	cJSON_AddStringToObject(j, "path_with_namespace", full);
	cJSON_AddStringToObject(j, "default_branch", db.buf);
	s = xasprintf("%s/%s", base, full);
	cJSON_AddStringToObject(j, "web_url", s);
	free(s);
	s = xasprintf("%s/%s.git", base, full);
	cJSON_AddStringToObject(j, "http_url_to_repo", s);
	free(s);
	cJSON_AddStringToObject(j, "visibility", "public");
	cJSON *ns = cJSON_AddObjectToObject(j, "namespace");
	cJSON_AddStringToObject(ns, "path", owner);
	cJSON_AddStringToObject(ns, "full_path", owner);
	free(full);
	buf_release(&db);
	return j;
}

static cJSON *
api_gitlab_mr(const struct pull *p, long project_id, const char *base)
{
	static const char *const states[] = { "opened", "closed", "merged" };
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "id", (double)p->id);
	cJSON_AddNumberToObject(j, "iid", (double)p->number);
	cJSON_AddNumberToObject(j, "project_id", (double)project_id);
	cJSON_AddStringToObject(j, "title", p->title);
	cJSON_AddStringToObject(j, "description", p->body ? p->body : "");
	cJSON_AddStringToObject(j, "state", states[p->state]);
	char t[32];
	server_time(p->created, t);
	cJSON_AddStringToObject(j, "created_at", t);
	server_time(p->updated, t);
	cJSON_AddStringToObject(j, "updated_at", t);
	if (p->state == PULL_MERGED) {
		cJSON_AddStringToObject(j, "merged_at", t);
	} else {
		cJSON_AddNullToObject(j, "merged_at");
	}
	cJSON_AddStringToObject(j, "target_branch", p->base);
	cJSON_AddStringToObject(j, "source_branch", p->head);
	cJSON_AddNumberToObject(j, "source_project_id", (double)project_id);
	cJSON_AddNumberToObject(j, "target_project_id", (double)project_id);
	cJSON_AddItemToObject(j, "author", api_gitlab_user(p->author));
	cJSON *rv = cJSON_AddArrayToObject(j, "reviewers");
	for (size_t i = 0; i < p->nreviewers; i++) {
		cJSON_AddItemToArray(rv, api_gitlab_user(p->reviewers[i]));
	}
	cJSON *ls = cJSON_AddArrayToObject(j, "labels");
	for (size_t i = 0; i < p->nlabels; i++) {
		cJSON_AddItemToArray(ls, cJSON_CreateString(p->labels[i]));
	}
	cJSON_AddBoolToObject(j, "draft", p->draft);
	cJSON_AddBoolToObject(j, "work_in_progress", p->draft);
	cJSON_AddStringToObject(j, "merge_status", "can_be_merged");
	cJSON_AddStringToObject(j, "detailed_merge_status",
				p->state != PULL_OPEN ? "not_open"
				: p->draft ? "draft_status" : "mergeable");
	cJSON_AddBoolToObject(j, "has_conflicts", false);
	char sha[41];
	server_head_sha(p, sha);
	cJSON_AddStringToObject(j, "sha", sha);
	if (p->merged_sha[0]) {
		cJSON_AddStringToObject(j, "merge_commit_sha", p->merged_sha);
	} else {
		cJSON_AddNullToObject(j, "merge_commit_sha");
	}
	char *s = xasprintf("%s/%s/-/merge_requests/%ld", base, p->repo,
			    p->number);
	cJSON_AddStringToObject(j, "web_url", s);
	free(s);
	char *ref = xasprintf("!%ld", p->number);
	cJSON *refs = cJSON_AddObjectToObject(j, "references");
	cJSON_AddStringToObject(refs, "short", ref);
	free(ref);
	return j;
}

/* Whether a title marks a draft (GitLab's prefixes). */
static bool
api_gitlab_draft_title(const char *t)
{
	static const char *const pre[] = { "Draft:", "Draft -", "[Draft]",
		"(Draft)", "WIP:", "[WIP]" };
	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		if (strncasecmp(t, pre[i], strlen(pre[i])) == 0) {
			return true;
		}
	}
	return false;
}

/* ---------------------------------------------------------- endpoints */

static void
api_gitlab_list(struct forge_ctx *cx, const char *repo, long pid,
		struct forge_reply *rep)
{
	struct MHD_Connection *c = cx->rq->conn;
	const char *state = httpd_arg(c, "state");
	struct pulls_filter f = { .repo = repo, .state = -1 };
	f.head = httpd_arg(c, "source_branch");
	f.base = httpd_arg(c, "target_branch");
	if (!state || strcmp(state, "all") == 0) {
		f.state = -1;
	} else if (strcmp(state, "opened") == 0) {
		f.state = PULL_OPEN;
	} else if (strcmp(state, "closed") == 0) {
		f.state = PULL_CLOSED;
	} else if (strcmp(state, "merged") == 0) {
		f.state = PULL_MERGED;
	} else if (strcmp(state, "locked") == 0) {
		f.state = 99;
	} else {
		api_gitlab_param(rep, "state", "does not have a valid value");
		return;
	}
	struct pull *v;
	size_t n = pulls_list(&f, &v);
	cJSON *arr = cJSON_CreateArray();
	/* newest first, as GitLab sorts by created_at desc */
	for (size_t i = n; i > 0; i--) {
		cJSON_AddItemToArray(arr, api_gitlab_mr(&v[i - 1], pid,
							cx->base));
	}
	pulls_free_list(v, n);
	server_reply_json(rep, 200, arr);
}

static void
api_gitlab_create(struct forge_ctx *cx, const char *owner, const char *name,
		  long pid, struct forge_reply *rep)
{
	cJSON *j = server_body_json(cx);
	const char *src = json_str(j, "source_branch");
	const char *tgt = json_str(j, "target_branch");
	const char *title = json_str(j, "title");
	const char *desc = json_str(j, "description");
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(j, "labels");
	bool draft = json_bool(j, "draft", false);
	char *repo = xasprintf("%s/%s", owner, name);
	struct pull p;
	memset(&p, 0, sizeof(p));
	char *t = NULL;
	if (!src || !*src) {
		api_gitlab_param(rep, "source_branch", "is missing");
		goto out;
	}
	if (!tgt || !*tgt) {
		api_gitlab_param(rep, "target_branch", "is missing");
		goto out;
	}
	if (!title || !*title) {
		api_gitlab_param(rep, "title", "is missing");
		goto out;
	}
	if (strcmp(src, tgt) == 0) {
		api_gitlab_errors(rep, 422, "You can't use same project/"
				  "branch for source and target");
		goto out;
	}
	char bsha[41];
	if (repos_branch_sha(owner, name, src, p.head_sha, NULL) < 0) {
		char *msg = xasprintf("Source branch \"%s\" does not exist",
				      src);
		api_gitlab_errors(rep, 422, msg);
		free(msg);
		goto out;
	}
	if (repos_branch_sha(owner, name, tgt, bsha, NULL) < 0) {
		char *msg = xasprintf("Target branch \"%s\" does not exist",
				      tgt);
		api_gitlab_errors(rep, 422, msg);
		free(msg);
		goto out;
	}
	if (cJSON_IsString(labels)) {
		char *copy = xstrdup(labels->valuestring), *save = NULL;
		for (char *l = strtok_r(copy, ",", &save); l;
		     l = strtok_r(NULL, ",", &save)) {
			while (*l == ' ') {
				l++;
			}
			if (*l) {
				pulls_list_add(&p.labels, &p.nlabels, l);
			}
		}
		free(copy);
	} else if (cJSON_IsArray(labels)) {
		for (const cJSON *l = labels->child; l; l = l->next) {
			if (cJSON_IsString(l) && *l->valuestring) {
				pulls_list_add(&p.labels, &p.nlabels,
					       l->valuestring);
			}
		}
	}
	t = draft && !api_gitlab_draft_title(title)
		? xasprintf("Draft: %s", title) : xstrdup(title);
	p.repo = repo;
	p.head = (char *)src;
	p.base = (char *)tgt;
	p.title = t;
	p.body = (char *)(desc ? desc : "");
	p.author = (char *)cx->user;
	p.draft = api_gitlab_draft_title(t);
	struct pull made;
	long existing = 0;
	if (pulls_create(&p, &existing, &made) < 0) {
		char *msg = xasprintf("Another open merge request already "
				      "exists for this source branch: !%ld",
				      existing);
		api_gitlab_errors(rep, 409, msg);
		free(msg);
		goto out;
	}
	server_reply_json(rep, 201, api_gitlab_mr(&made, pid, cx->base));
	pulls_release(&made);
out:
	for (size_t i = 0; i < p.nlabels; i++) {
		free(p.labels[i]);
	}
	free(p.labels);
	free(t);
	free(repo);
	cJSON_Delete(j);
}

static void
api_gitlab_merge(struct forge_ctx *cx, const char *repo, long pid,
		 long iid, struct forge_reply *rep)
{
	struct pull p;
	if (pulls_get(repo, iid, &p) < 0) {
		api_gitlab_error(rep, 404, "404 Not found");
		return;
	}
	cJSON *j = server_body_json(cx);
	const char *sha = json_str(j, "sha");
	bool squash = json_bool(j, "squash", false);
	const char *cmsg = json_str(j, squash ? "squash_commit_message"
				    : "merge_commit_message");
	char *msg = cmsg ? xstrdup(cmsg) : squash ? xstrdup(p.title)
		: xasprintf("Merge branch '%s' into '%s'\n\n%s\n\n"
			    "See merge request %s!%ld", p.head, p.base,
			    p.title, repo, iid);
	struct pd_err e = { 0 };
	struct pull done;
	memset(&done, 0, sizeof(done));
	int r = merge_pull(repo, iid, squash ? MERGE_SQUASH : MERGE_COMMIT,
			   msg, cx->user, sha, true, &done, &e);
	free(msg);
	switch (r) {
	case MERGE_OK:
		server_reply_json(rep, 200, api_gitlab_mr(&done, pid,
							  cx->base));
		break;
	case MERGE_MODIFIED: {
		char cur[41];
		server_head_sha(&p, cur);
		char *m = xasprintf("SHA does not match HEAD of source branch: "
				    "%s", cur);
		api_gitlab_error(rep, 409, m);
		free(m);
		break;
	}
	case MERGE_CONFLICT:
		api_gitlab_error(rep, 406, "Branch cannot be merged");
		break;
	case MERGE_NO_PR:
		api_gitlab_error(rep, 404, "404 Not found");
		break;
	case MERGE_ERROR:
		api_gitlab_error(rep, 500, "500 Internal Server Error");
		break;
	default:
		api_gitlab_error(rep, 405, "405 Method Not Allowed");
		break;
	}
	pulls_release(&done);
	pulls_release(&p);
	cJSON_Delete(j);
}

void
api_gitlab(struct forge_ctx *cx, struct forge_reply *rep)
{
	const char *cap[ROUTE_MAX_SEGS];
	char **s = cx->segs;
	int n = cx->n;
	const char *m = cx->method;
	bool get = strcmp(m, "GET") == 0;
	if (route_match(s, n, "user", cap) && get) {
		server_reply_json(rep, 200, api_gitlab_user(cx->user));
		return;
	}
	if (n < 2 || strcmp(s[0], "projects") != 0) {
		api_gitlab_error(rep, 404, "404 Not Found");
		return;
	}
	/* the project: a numeric id, or OWNER/NAME (its %2F decoded into a
	 * separator by the time the path gets here) */
	struct buf full = BUF_INIT;
	long pid = 0;
	int rest;
	if (route_number(s[1], &pid)) {
		if (repos_by_id(pid, &full) < 0) {
			pid = 0;
		}
		rest = 2;
	} else if (n >= 3) {
		buf_addf(&full, "%s/%s", s[1], s[2]);
		rest = 3;
	} else {
		rest = 2;
	}
	char *slash = strchr(full.buf, '/');
	char *owner = slash ? xstrndup(full.buf, (size_t)(slash - full.buf))
			    : xstrdup("");
	const char *name = slash ? slash + 1 : "";
	if (!slash || !repos_exists(owner, name)) {
		api_gitlab_error(rep, 404, "404 Project Not Found");
		goto out;
	}
	pid = repos_id(owner, name);
	char **r = s + rest;
	int rn = n - rest;
	long iid = 0;
	if (rn == 0 && get) {
		server_reply_json(rep, 200, api_gitlab_project(owner, name, pid,
							       cx->base));
	} else if (route_match(r, rn, "merge_requests", cap) && get) {
		api_gitlab_list(cx, full.buf, pid, rep);
	} else if (route_match(r, rn, "merge_requests", cap) &&
		   strcmp(m, "POST") == 0) {
		api_gitlab_create(cx, owner, name, pid, rep);
	} else if (route_match(r, rn, "merge_requests/:iid", cap) && get &&
		   route_number(cap[0], &iid)) {
		struct pull p;
		if (pulls_get(full.buf, iid, &p) < 0) {
			api_gitlab_error(rep, 404, "404 Not found");
		} else {
			server_reply_json(rep, 200, api_gitlab_mr(&p, pid,
								  cx->base));
			pulls_release(&p);
		}
	} else if (route_match(r, rn, "merge_requests/:iid/merge", cap) &&
		   strcmp(m, "PUT") == 0 && route_number(cap[0], &iid)) {
		api_gitlab_merge(cx, full.buf, pid, iid, rep);
	} else {
		api_gitlab_error(rep, 404, "404 Not Found");
	}
out:
	free(owner);
	buf_release(&full);
}
