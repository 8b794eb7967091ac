/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ci-env: what the usual CI systems say about the build that runs
 * pipeline-pr: the application (the app repository's name), the short
 * commit SHA (7 characters, Codefresh's CF_SHORT_REVISION) and the commit
 * author. GitHub Actions (GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_ACTOR,
 * GITHUB_ACTOR_ID), Codefresh (CF_REPO_NAME, CF_SHORT_REVISION or
 * CF_REVISION, CF_COMMIT_AUTHOR) and GitLab CI (CI_PROJECT_NAME,
 * CI_COMMIT_SHORT_SHA or CI_COMMIT_SHA, GITLAB_USER_NAME,
 * GITLAB_USER_EMAIL), read through a getenv-like callback so tests need no
 * environment. ci_env_author_parse() splits "Name <email>".
 *
 * Ownership: struct ci_env is the caller's; ci_env_read() fills it with
 * malloc()ed strings (NULL when unknown) freed by ci_env_release().
 */
#ifndef PD_CI_ENV_H
#define PD_CI_ENV_H

#include "err.h"

struct ci_env {
	const char *system;  /* "github-actions", "codefresh", "gitlab-ci" or
			      * NULL (static strings) */
	char *app;           /* the app repository's name */
	char *short_sha;     /* 7 hex characters */
	char *author_name;
	char *author_email;
};

/* get: getenv or a test's stand-in (NULL: getenv). */
void ci_env_read(struct ci_env *ci, const char *(*get)(const char *name));
void ci_env_release(struct ci_env *ci);
/* "Name <email>" -> malloc()ed name and email; PD_EUSAGE when malformed. */
int ci_env_author_parse(const char *s, char **name, char **email,
			struct pd_err *e);

#endif
