/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ci-env: the CI systems' variables (see ci-env.h).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ci-env.h"
#include "xalloc.h"

static const char *
ci_env_getenv(const char *name)
{
	return getenv(name);
}

/* A set, non-empty variable. */
static const char *
ci_env_var(const char *(*get)(const char *), const char *name)
{
	const char *v = get(name);
	return v && *v ? v : NULL;
}

static char *
ci_env_short(const char *sha)
{
	size_t n = strlen(sha);
	char *s = xmalloc(8);
	memcpy(s, sha, n < 7 ? n : 7);
	s[n < 7 ? n : 7] = '\0';
	return s;
}

void
ci_env_read(struct ci_env *ci, const char *(*get)(const char *name))
{
	memset(ci, 0, sizeof(*ci));
	if (!get) {
		get = ci_env_getenv;
	}
	const char *v;
	if (ci_env_var(get, "CF_BUILD_ID") || ci_env_var(get, "CF_REPO_NAME")) {
		ci->system = "codefresh";
		v = ci_env_var(get, "CF_REPO_NAME");
		ci->app = v ? xstrdup(v) : NULL;
		v = ci_env_var(get, "CF_SHORT_REVISION");
		if (!v) {
			v = ci_env_var(get, "CF_REVISION");
		}
		ci->short_sha = v ? ci_env_short(v) : NULL;
		v = ci_env_var(get, "CF_COMMIT_AUTHOR");
		ci->author_name = v ? xstrdup(v) : NULL;
	} else if (ci_env_var(get, "GITLAB_CI")) {
		ci->system = "gitlab-ci";
		v = ci_env_var(get, "CI_PROJECT_NAME");
		ci->app = v ? xstrdup(v) : NULL;
		v = ci_env_var(get, "CI_COMMIT_SHORT_SHA");
		if (!v) {
			v = ci_env_var(get, "CI_COMMIT_SHA");
		}
		ci->short_sha = v ? ci_env_short(v) : NULL;
		v = ci_env_var(get, "GITLAB_USER_NAME");
		ci->author_name = v ? xstrdup(v) : NULL;
		v = ci_env_var(get, "GITLAB_USER_EMAIL");
		ci->author_email = v ? xstrdup(v) : NULL;
	} else if (ci_env_var(get, "GITHUB_ACTIONS")) {
		ci->system = "github-actions";
		v = ci_env_var(get, "GITHUB_REPOSITORY");
		if (v) {
			const char *slash = strrchr(v, '/');
			ci->app = xstrdup(slash ? slash + 1 : v);
		}
		v = ci_env_var(get, "GITHUB_SHA");
		ci->short_sha = v ? ci_env_short(v) : NULL;
		v = ci_env_var(get, "GITHUB_ACTOR");
		if (v) {
			/* create-pull-request's default author */
			struct buf m = BUF_INIT;
			const char *id = ci_env_var(get, "GITHUB_ACTOR_ID");
			if (id) {
				buf_addf(&m, "%s+", id);
			}
			buf_addf(&m, "%s@users.noreply.github.com", v);
			ci->author_name = xstrdup(v);
			ci->author_email = buf_detach(&m, NULL);
		}
	}
}

void
ci_env_release(struct ci_env *ci)
{
	free(ci->app);
	free(ci->short_sha);
	free(ci->author_name);
	free(ci->author_email);
	memset(ci, 0, sizeof(*ci));
}

int
ci_env_author_parse(const char *s, char **name, char **email,
		    struct pd_err *e)
{
	*name = NULL;
	*email = NULL;
	const char *lt = strchr(s, '<');
	const char *gt = lt ? strchr(lt, '>') : NULL;
	if (!lt || !gt || gt[1] != '\0' || lt == s) {
		return err_set(e, PD_EUSAGE, "author '%s' is not "
			       "\"Name <email>\"", s);
	}
	const char *end = lt;
	while (end > s && end[-1] == ' ') {
		end--;
	}
	if (end == s || gt == lt + 1) {
		return err_set(e, PD_EUSAGE, "author '%s' is not "
			       "\"Name <email>\"", s);
	}
	struct buf n = BUF_INIT, m = BUF_INIT;
	buf_add(&n, s, (size_t)(end - s));
	buf_add(&m, lt + 1, (size_t)(gt - lt - 1));
	*name = buf_detach(&n, NULL);
	*email = buf_detach(&m, NULL);
	return 0;
}
