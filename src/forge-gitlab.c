/* SPDX-License-Identifier: Apache-2.0 */
/*
 * forge-gitlab: GitLab's merge requests. The project is addressed by its
 * URL-encoded path (group%2Fsub%2Fname); labels go in the create body as
 * one comma-separated string; a draft is the "Draft: " title prefix (and
 * the draft field); reviewers are numeric user ids (reviewer_ids): names
 * are skipped with a note, as the name lookup needs another API. "Already
 * exists" is the 409 "Another open merge request already exists".
 */
#include <stdlib.h>
#include <string.h>

#include "forge-int.h"
#include "json.h"
#include "xalloc.h"

static void
forge_gitlab_project_path(const struct forge *f, struct buf *b)
{
	buf_adds(b, "/projects/");
	buf_add_urlenc(b, f->repo);
}

static void
forge_gitlab_fill(struct forge_pr *pr, const cJSON *o)
{
	forge_int_fill_pr(pr, o, "iid", "web_url", "sha");
}

int
forge_gitlab_find(struct forge *f, const char *head, const char *base,
		  struct forge_pr *pr, struct pd_err *e)
{
	struct buf p = BUF_INIT;
	forge_gitlab_project_path(f, &p);
	buf_adds(&p, "/merge_requests?state=opened&source_branch=");
	buf_add_urlenc(&p, head);
	buf_adds(&p, "&target_branch=");
	buf_add_urlenc(&p, base);
	long st = 0;
	cJSON *out = NULL;
	int rc = forge_call(f, "GET", p.buf, NULL, &st, &out, NULL, e);
	buf_release(&p);
	if (rc < 0) {
		return rc;
	}
	const cJSON *it;
	rc = -PD_ENOTFOUND;
	cJSON_ArrayForEach(it, out) {
		const char *ref = json_str(it, "source_branch");
		if (ref && strcmp(ref, head) != 0) {
			continue;
		}
		forge_gitlab_fill(pr, it);
		pr->existed = true;
		rc = 0;
		break;
	}
	if (rc == -PD_ENOTFOUND) {
		err_set(e, PD_ENOTFOUND, "no open merge request from '%s'",
			head);
	}
	cJSON_Delete(out);
	return rc;
}

int
forge_gitlab_create(struct forge *f, const struct forge_pr_opts *o,
		    struct forge_pr *pr, struct pd_err *e)
{
	struct buf p = BUF_INIT, eb = BUF_INIT, t = BUF_INIT;
	forge_gitlab_project_path(f, &p);
	buf_adds(&p, "/merge_requests");
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "source_branch", o->head);
	cJSON_AddStringToObject(b, "target_branch", o->base);
	if (o->draft && strncmp(o->title, "Draft:", 6) != 0) {
		buf_addf(&t, "Draft: %s", o->title);
	} else {
		buf_adds(&t, o->title);
	}
	cJSON_AddStringToObject(b, "title", t.buf);
	if (o->body) {
		cJSON_AddStringToObject(b, "description", o->body);
	}
	if (o->labels && o->labels[0]) {
		struct buf l = BUF_INIT;
		for (size_t i = 0; o->labels[i]; i++) {
			buf_addf(&l, "%s%s", i ? "," : "", o->labels[i]);
		}
		cJSON_AddStringToObject(b, "labels", l.buf);
		buf_release(&l);
	}
	if (o->reviewers && o->reviewers[0]) {
		cJSON *ids = cJSON_CreateArray();
		for (size_t i = 0; o->reviewers[i]; i++) {
			if (forge_int_numeric(o->reviewers[i])) {
				cJSON_AddItemToArray(ids, cJSON_CreateNumber(
					strtod(o->reviewers[i], NULL)));
			} else if (f->note) {
				struct buf n = BUF_INIT;
				buf_addf(&n, "reviewer '%s' skipped: GitLab "
					 "takes numeric user ids",
					 o->reviewers[i]);
				f->note(f->note_arg, n.buf);
				buf_release(&n);
			}
		}
		if (cJSON_GetArraySize(ids) > 0) {
			cJSON_AddItemToObject(b, "reviewer_ids", ids);
		} else {
			cJSON_Delete(ids);
		}
	}
	if (o->draft) {
		cJSON_AddBoolToObject(b, "draft", 1);
	}
	long st = 0;
	cJSON *out = NULL;
	int rc = forge_call(f, "POST", p.buf, b, &st, &out, &eb, e);
	cJSON_Delete(b);
	buf_release(&p);
	buf_release(&t);
	if (rc == -PD_ECONFLICT && st == 409 &&
	    strstr(eb.buf, "already exists")) {
		buf_release(&eb);
		return forge_gitlab_find(f, o->head, o->base, pr, e);
	}
	buf_release(&eb);
	if (rc < 0) {
		return rc;
	}
	if (out) {
		forge_gitlab_fill(pr, out);
	}
	cJSON_Delete(out);
	pr->existed = false;
	return 0;
}

int
forge_gitlab_merge(struct forge *f, const struct forge_pr *pr, char **sha,
		   struct pd_err *e)
{
	struct buf p = BUF_INIT;
	forge_gitlab_project_path(f, &p);
	buf_adds(&p, "/merge_requests/");
	forge_int_path_num(&p, pr->number);
	buf_adds(&p, "/merge");
	long st = 0;
	cJSON *out = NULL;
	int rc = forge_call(f, "PUT", p.buf, NULL, &st, &out, NULL, e);
	buf_release(&p);
	if (rc == 0 && json_str(out, "merge_commit_sha")) {
		*sha = xstrdup(json_str(out, "merge_commit_sha"));
	}
	cJSON_Delete(out);
	return rc;
}
