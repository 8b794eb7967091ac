/* SPDX-License-Identifier: Apache-2.0 */
/*
 * forge-github: GitHub's (and GitHub Enterprise's) pull requests. The
 * lookup carries the owner prefix on head= (a bare branch is silently
 * ignored by GitHub); "already exists" is GitHub's 422 whose errors[] say
 * "A pull request already exists for" (code "custom": matched on the text);
 * labels and reviewers are follow-up calls.
 */
#include <stdlib.h>
#include <string.h>

#include "forge-int.h"
#include "json.h"
#include "xalloc.h"

static void
forge_github_repo_path(const struct forge *f, struct buf *b)
{
	const char *slash = strchr(f->repo, '/');
	buf_adds(b, "/repos/");
	if (!slash) {
		buf_add_urlenc(b, f->repo);
		return;
	}
	struct buf owner = BUF_INIT;
	buf_add(&owner, f->repo, (size_t)(slash - f->repo));
	buf_add_urlenc(b, owner.buf);
	buf_addch(b, '/');
	buf_add_urlenc(b, slash + 1);
	buf_release(&owner);
}

int
forge_github_find(struct forge *f, const char *head, const char *base,
		  struct forge_pr *pr, struct pd_err *e)
{
	struct buf p = BUF_INIT, h = BUF_INIT;
	const char *slash = strchr(f->repo, '/');
	forge_github_repo_path(f, &p);
	buf_add(&h, f->repo, slash ? (size_t)(slash - f->repo)
				   : strlen(f->repo));
	buf_addf(&h, ":%s", head);
	buf_adds(&p, "/pulls?state=open&head=");
	buf_add_urlenc(&p, h.buf);
	buf_adds(&p, "&base=");
	buf_add_urlenc(&p, base);
	long st = 0;
	cJSON *out = NULL;
	int rc = forge_call(f, "GET", p.buf, NULL, &st, &out, NULL, e);
	buf_release(&p);
	buf_release(&h);
	if (rc < 0) {
		return rc;
	}
	const cJSON *it;
	rc = -PD_ENOTFOUND;
	cJSON_ArrayForEach(it, out) {
		/* GitHub filters; check anyway (a server that ignores head=
		 * must not make us adopt another branch's PR) */
		const char *ref = json_str(it, "head.ref");
		if (ref && strcmp(ref, head) != 0) {
			continue;
		}
		forge_int_fill_pr(pr, it, "number", "html_url", "head.sha");
		pr->existed = true;
		rc = 0;
		break;
	}
	if (rc == -PD_ENOTFOUND) {
		err_set(e, PD_ENOTFOUND, "no open pull request from '%s'",
			head);
	}
	cJSON_Delete(out);
	return rc;
}

/* GitHub's 422 "A pull request already exists for o:b." */
static int
forge_github_exists(const char *body)
{
	return strstr(body, "A pull request already exists") != NULL;
}

static int
forge_github_followups(struct forge *f, const struct forge_pr_opts *o,
		       const struct forge_pr *pr, struct pd_err *e)
{
	long st = 0;
	cJSON *out = NULL;
	int rc = 0;
	if (o->labels && o->labels[0]) {
		struct buf p = BUF_INIT;
		forge_github_repo_path(f, &p);
		buf_adds(&p, "/issues/");
		forge_int_path_num(&p, pr->number);
		buf_adds(&p, "/labels");
		cJSON *b = cJSON_CreateObject();
		cJSON *arr = cJSON_AddArrayToObject(b, "labels");
		for (size_t i = 0; o->labels[i]; i++) {
			cJSON_AddItemToArray(arr, cJSON_CreateString(o->labels[i]));
		}
		rc = forge_call(f, "POST", p.buf, b, &st, &out, NULL, e);
		cJSON_Delete(b);
		cJSON_Delete(out);
		buf_release(&p);
		if (rc < 0) {
			return rc;
		}
	}
	if (o->reviewers && o->reviewers[0]) {
		struct buf p = BUF_INIT;
		forge_github_repo_path(f, &p);
		buf_adds(&p, "/pulls/");
		forge_int_path_num(&p, pr->number);
		buf_adds(&p, "/requested_reviewers");
		cJSON *b = cJSON_CreateObject();
		cJSON *arr = cJSON_AddArrayToObject(b, "reviewers");
		for (size_t i = 0; o->reviewers[i]; i++) {
			cJSON_AddItemToArray(arr,
					     cJSON_CreateString(o->reviewers[i]));
		}
		rc = forge_call(f, "POST", p.buf, b, &st, &out, NULL, e);
		cJSON_Delete(b);
		cJSON_Delete(out);
		buf_release(&p);
	}
	return rc;
}

int
forge_github_create(struct forge *f, const struct forge_pr_opts *o,
		    struct forge_pr *pr, struct pd_err *e)
{
	struct buf p = BUF_INIT, eb = BUF_INIT;
	forge_github_repo_path(f, &p);
	buf_adds(&p, "/pulls");
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "title", o->title);
	cJSON_AddStringToObject(b, "head", o->head);
	cJSON_AddStringToObject(b, "base", o->base);
	if (o->body) {
		cJSON_AddStringToObject(b, "body", o->body);
	}
	if (o->draft) {
		cJSON_AddBoolToObject(b, "draft", 1);
	}
	long st = 0;
	cJSON *out = NULL;
	int rc = forge_call(f, "POST", p.buf, b, &st, &out, &eb, e);
	cJSON_Delete(b);
	buf_release(&p);
	if (rc == -PD_ECONFLICT && st == 422 && forge_github_exists(eb.buf)) {
		buf_release(&eb);
		return forge_github_find(f, o->head, o->base, pr, e);
	}
	buf_release(&eb);
	if (rc < 0) {
		return rc;
	}
	if (out) {
		forge_int_fill_pr(pr, out, "number", "html_url", "head.sha");
	}
	cJSON_Delete(out);
	pr->existed = false;
	return forge_github_followups(f, o, pr, e);
}

int
forge_github_merge(struct forge *f, const struct forge_pr *pr, char **sha,
		   struct pd_err *e)
{
	struct buf p = BUF_INIT;
	forge_github_repo_path(f, &p);
	buf_adds(&p, "/pulls/");
	forge_int_path_num(&p, pr->number);
	buf_adds(&p, "/merge");
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "merge_method", "merge");
	long st = 0;
	cJSON *out = NULL;
	int rc = forge_call(f, "PUT", p.buf, b, &st, &out, NULL, e);
	cJSON_Delete(b);
	buf_release(&p);
	if (rc == 0 && json_str(out, "sha")) {
		*sha = xstrdup(json_str(out, "sha"));
	}
	cJSON_Delete(out);
	return rc;
}
