/* SPDX-License-Identifier: Apache-2.0 */
/*
 * forge-int: the parts of forge.c that forge-github.c, forge-gitlab.c and
 * forge-gitea.c share, and their entry points (one set per flavour, called
 * by forge.c's dispatch). Not for other users. forge_call() returns the
 * parsed answer (the caller frees it with cJSON_Delete; NULL for an empty
 * body) and the status; forge_int_path_num() appends a pull request's
 * number, or "{number}" in a dry run where none is known.
 */
#ifndef PD_FORGE_INT_H
#define PD_FORGE_INT_H

#include <cjson/cJSON.h>

#include "forge.h"

/* method path body (cJSON, serialised here; may be NULL): 0 with *status
 * and *out (the parsed JSON, or NULL) on any answer, -PD_E* when none came.
 * A 2xx answer that is not JSON is PD_ERUNTIME. In a dry run the answer is
 * 200/201 with *out NULL. */
int forge_call(struct forge *f, const char *method, const char *path,
	       const cJSON *body, long *status, cJSON **out,
	       struct buf *errbody, struct pd_err *e);
void forge_int_path_num(struct buf *b, long number);
/* s is a non-empty string of decimal digits (a label or user id). */
int forge_int_numeric(const char *s);
/* Set pr's url, number, head_sha from a JSON object (numkey: "number" or
 * "iid"; urlkey: "html_url" or "web_url"). */
void forge_int_fill_pr(struct forge_pr *pr, const cJSON *o,
		       const char *numkey, const char *urlkey,
		       const char *shakey);

int forge_github_find(struct forge *f, const char *head, const char *base,
		      struct forge_pr *pr, struct pd_err *e);
int forge_github_create(struct forge *f, const struct forge_pr_opts *o,
			struct forge_pr *pr, struct pd_err *e);
int forge_github_merge(struct forge *f, const struct forge_pr *pr,
		       char **sha, struct pd_err *e);

int forge_gitlab_find(struct forge *f, const char *head, const char *base,
		      struct forge_pr *pr, struct pd_err *e);
int forge_gitlab_create(struct forge *f, const struct forge_pr_opts *o,
			struct forge_pr *pr, struct pd_err *e);
int forge_gitlab_merge(struct forge *f, const struct forge_pr *pr,
		       char **sha, struct pd_err *e);

int forge_gitea_find(struct forge *f, const char *head, const char *base,
		     struct forge_pr *pr, struct pd_err *e);
int forge_gitea_create(struct forge *f, const struct forge_pr_opts *o,
		       struct forge_pr *pr, struct pd_err *e);
int forge_gitea_merge(struct forge *f, const struct forge_pr *pr,
		      char **sha, struct pd_err *e);

#endif
