/* SPDX-License-Identifier: Apache-2.0 */
/*
 * forge-gitea: Gitea's and Forgejo's pull requests. The list has no head
 * filter: the open pull requests are paged (limit 50, at most 20 pages) and
 * matched on head.ref and base.ref. Labels are label ids in Gitea's API:
 * numeric labels are sent, names skipped with a note; reviewers go in the
 * create body; a draft is the "WIP: " title prefix. "Already exists" is
 * the 409 "pull request already exists for these targets".
 */
#include <stdlib.h>
#include <string.h>

#include "forge-int.h"
#include "json.h"
#include "xalloc.h"

static void
forge_gitea_repo_path(const struct forge *f, struct buf *b)
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
forge_gitea_find(struct forge *f, const char *head, const char *base,
		 struct forge_pr *pr, struct pd_err *e)
{
	int rc = -PD_ENOTFOUND;
	for (int page = 1; page <= 20 && rc == -PD_ENOTFOUND; page++) {
		struct buf p = BUF_INIT;
		forge_gitea_repo_path(f, &p);
		buf_addf(&p, "/pulls?state=open&limit=50&page=%d", page);
		long st = 0;
		cJSON *out = NULL;
		int r = forge_call(f, "GET", p.buf, NULL, &st, &out, NULL, e);
		buf_release(&p);
		if (r < 0) {
			return r;
		}
		const cJSON *it;
		cJSON_ArrayForEach(it, out) {
			const char *ref = json_str(it, "head.ref");
			const char *bref = json_str(it, "base.ref");
			if (!ref || strcmp(ref, head) != 0 ||
			    (bref && strcmp(bref, base) != 0)) {
				continue;
			}
			forge_int_fill_pr(pr, it, "number", "html_url",
					  "head.sha");
			pr->existed = true;
			rc = 0;
			break;
		}
		int n = cJSON_GetArraySize(out);
		cJSON_Delete(out);
		if (n < 50 || f->dry_run) {
			break;
		}
	}
	if (rc == -PD_ENOTFOUND) {
		err_set(e, PD_ENOTFOUND, "no open pull request from '%s'",
			head);
	}
	return rc;
}

int
forge_gitea_create(struct forge *f, const struct forge_pr_opts *o,
		   struct forge_pr *pr, struct pd_err *e)
{
	struct buf p = BUF_INIT, eb = BUF_INIT, t = BUF_INIT;
	forge_gitea_repo_path(f, &p);
	buf_adds(&p, "/pulls");
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "head", o->head);
	cJSON_AddStringToObject(b, "base", o->base);
	if (o->draft && strncmp(o->title, "WIP:", 4) != 0) {
		buf_addf(&t, "WIP: %s", o->title);
	} else {
		buf_adds(&t, o->title);
	}
	cJSON_AddStringToObject(b, "title", t.buf);
	if (o->body) {
		cJSON_AddStringToObject(b, "body", o->body);
	}
	if (o->labels && o->labels[0]) {
		cJSON *ids = cJSON_CreateArray();
		for (size_t i = 0; o->labels[i]; i++) {
			if (forge_int_numeric(o->labels[i])) {
				cJSON_AddItemToArray(ids, cJSON_CreateNumber(
					strtod(o->labels[i], NULL)));
			} else if (f->note) {
				struct buf n = BUF_INIT;
				buf_addf(&n, "label '%s' skipped: Gitea takes "
					 "label ids", o->labels[i]);
				f->note(f->note_arg, n.buf);
				buf_release(&n);
			}
		}
		if (cJSON_GetArraySize(ids) > 0) {
			cJSON_AddItemToObject(b, "labels", ids);
		} else {
			cJSON_Delete(ids);
		}
	}
	if (o->reviewers && o->reviewers[0]) {
		cJSON *arr = cJSON_AddArrayToObject(b, "reviewers");
		for (size_t i = 0; o->reviewers[i]; i++) {
			cJSON_AddItemToArray(arr,
					     cJSON_CreateString(o->reviewers[i]));
		}
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
		return forge_gitea_find(f, o->head, o->base, pr, e);
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
	return 0;
}

int
forge_gitea_merge(struct forge *f, const struct forge_pr *pr, char **sha,
		  struct pd_err *e)
{
	struct buf p = BUF_INIT;
	forge_gitea_repo_path(f, &p);
	buf_adds(&p, "/pulls/");
	forge_int_path_num(&p, pr->number);
	buf_adds(&p, "/merge");
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "Do", "merge");
	long st = 0;
	cJSON *out = NULL;
	int rc = forge_call(f, "POST", p.buf, b, &st, &out, NULL, e);
	cJSON_Delete(b);
	buf_release(&p);
	/* Gitea answers 200 with no body: the caller reads the base */
	if (rc == 0 && json_str(out, "merge_commit_sha")) {
		*sha = xstrdup(json_str(out, "merge_commit_sha"));
	}
	cJSON_Delete(out);
	return rc;
}
