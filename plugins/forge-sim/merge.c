/* SPDX-License-Identifier: Apache-2.0 */
/*
 * merge: a pull request's merge in the bare repository, as a forge does it
 * without a work tree: `git merge-tree --write-tree` makes the merged tree
 * (exit 1: conflicts), `git commit-tree` the commit with the base first,
 * and `git update-ref` moves the base only if it has not moved meanwhile.
 * Merges are serialized by one mutex.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forge.h"
#include "xalloc.h"

static pthread_mutex_t merge_mu = PTHREAD_MUTEX_INITIALIZER;

static int
merge_locked(const char *owner, const char *name, const char *base,
	     const char *head, enum merge_method m, const char *message,
	     const char *author, const char *expect_head, char sha[41],
	     char head_sha[41], struct pd_err *e)
{
	char bsha[41];
	int rc = repos_branch_sha(owner, name, base, bsha, e);
	if (rc < 0) {
		return rc;
	}
	rc = repos_branch_sha(owner, name, head, head_sha, e);
	if (rc < 0) {
		return rc;
	}
	if (expect_head && *expect_head && strcmp(expect_head, head_sha)) {
		return err_set(e, PD_EUSAGE, "head branch was modified");
	}
	const char *mt[] = { "merge-tree", "--write-tree", "--no-messages",
		bsha, head_sha, NULL };
	struct buf out = BUF_INIT;
	rc = repos_git(owner, name, mt, NULL, &out, e);
	if (rc == 1) {
		buf_release(&out);
		return err_set(e, PD_ECONFLICT, "merge conflict between '%s' "
			       "and '%s'", base, head);
	}
	if (rc != 0) {
		buf_release(&out);
		return rc < 0 ? rc : -PD_ERUNTIME;
	}
	char tree[41];
	snprintf(tree, sizeof(tree), "%.40s", out.buf);
	buf_reset(&out);
	char *email = xasprintf("%s@users.noreply.forge-sim.invalid", author);
	char *an = xasprintf("GIT_AUTHOR_NAME=%s", author);
	char *ae = xasprintf("GIT_AUTHOR_EMAIL=%s", email);
	char *cn = xasprintf("GIT_COMMITTER_NAME=%s", author);
	char *ce = xasprintf("GIT_COMMITTER_EMAIL=%s", email);
	const char *env[] = { an, ae, cn, ce, NULL };
	const char *ct[12];
	size_t k = 0;
	ct[k++] = "commit-tree";
	ct[k++] = tree;
	ct[k++] = "-p";
	ct[k++] = bsha;
	if (m == MERGE_COMMIT) {
		ct[k++] = "-p";
		ct[k++] = head_sha;
	}
	ct[k++] = "-m";
	ct[k++] = message;
	ct[k] = NULL;
	rc = repos_git(owner, name, ct, env, &out, e);
	free(email);
	free(an);
	free(ae);
	free(cn);
	free(ce);
	buf_trim(&out);
	if (rc != 0 || out.len != 40) {
		buf_release(&out);
		return rc < 0 ? rc : -PD_ERUNTIME;
	}
	memcpy(sha, out.buf, 41);
	buf_release(&out);
	char *ref = xasprintf("refs/heads/%s", base);
	const char *ur[] = { "update-ref", "-m", "merge pull request", ref,
		sha, bsha, NULL };
	rc = repos_git(owner, name, ur, NULL, NULL, e);
	free(ref);
	if (rc > 0) {
		return err_set(e, PD_ECONFLICT, "base branch '%s' moved during "
			       "the merge", base);
	}
	return rc;
}

int
merge_branches(const char *owner, const char *name, const char *base,
	       const char *head, enum merge_method m, const char *message,
	       const char *author, const char *expect_head, char sha[41],
	       char head_sha[41], struct pd_err *e)
{
	sha[0] = '\0';
	head_sha[0] = '\0';
	pthread_mutex_lock(&merge_mu);
	int rc = merge_locked(owner, name, base, head, m, message, author,
			      expect_head, sha, head_sha, e);
	pthread_mutex_unlock(&merge_mu);
	return rc;
}

int
merge_pull(const char *repo, long number, enum merge_method m,
	   const char *message, const char *author, const char *expect_head,
	   bool refuse_draft, struct pull *out, struct pd_err *e)
{
	const char *slash = strchr(repo, '/');
	char *owner = xstrndup(repo, (size_t)(slash - repo));
	int rc;
	pthread_mutex_lock(&merge_mu);
	struct pull p;
	memset(&p, 0, sizeof(p));
	if (pulls_get(repo, number, &p) < 0) {
		rc = MERGE_NO_PR;
	} else if (p.state != PULL_OPEN) {
		rc = MERGE_NOT_OPEN;
	} else if (refuse_draft && p.draft) {
		rc = MERGE_DRAFT;
	} else {
		char sha[41], head_sha[41];
		int r = merge_locked(owner, slash + 1, p.base, p.head, m,
				     message, author, expect_head, sha,
				     head_sha, e);
		if (r == 0) {
			pulls_set_merged(repo, number, sha, head_sha);
			rc = MERGE_OK;
		} else {
			rc = r == -PD_ECONFLICT ? MERGE_CONFLICT
			   : r == -PD_EUSAGE ? MERGE_MODIFIED
			   : r == -PD_ENOTFOUND ? MERGE_NO_BRANCH : MERGE_ERROR;
		}
	}
	pthread_mutex_unlock(&merge_mu);
	pulls_release(&p);
	if (rc == MERGE_OK && out) {
		pulls_get(repo, number, out);
	}
	free(owner);
	return rc;
}
