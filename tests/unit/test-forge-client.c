/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for pipeline-pr's library parts: forge.h (remote URLs, forge
 * and API inference, request bodies, lookups, "already exists" handling,
 * error messages and exit kinds, retries and the rate-limit bound) with a
 * canned transport, ci-env.h (the CI variables, author parsing) and
 * gitrun.h (the token only in the environment).
 */
#include <stdlib.h>
#include <string.h>

#include "ci-env.h"
#include "forge.h"
#include "gitrun.h"
#include "json.h"
#include "tap.h"
#include "xalloc.h"

/* ---- a canned transport ---- */

struct canned {
	long status;
	const char *body;
	long retry_after;
	long remaining;
	long long reset;
	int fail; /* no answer: connection refused */
};

struct fake {
	const struct canned *answers;
	int nanswers, next;
	struct buf log;      /* "METHOD URL\nBODY\n" per request */
	struct buf headers;  /* every header sent, one a line */
	long slept_ms;
	int nsleeps;
};

static int
fake_send(void *arg, const struct forge_req *req, struct forge_resp *resp,
	  struct pd_err *e)
{
	struct fake *f = arg;
	buf_addf(&f->log, "%s %s\n", req->method, req->url);
	if (req->body) {
		buf_addf(&f->log, "%s\n", req->body);
	}
	for (size_t i = 0; req->headers[i]; i++) {
		buf_addf(&f->headers, "%s\n", req->headers[i]);
	}
	if (f->next >= f->nanswers) {
		return err_set(e, PD_ERUNTIME, "no canned answer left");
	}
	const struct canned *c = &f->answers[f->next++];
	if (c->fail) {
		resp->status = 0;
		return err_set(e, PD_ERUNTIME, "Failed to connect");
	}
	resp->status = c->status;
	buf_adds(&resp->body, c->body ? c->body : "");
	resp->retry_after = c->retry_after ? c->retry_after : -1;
	resp->ratelimit_remaining = c->remaining ? c->remaining - 1 : -1;
	resp->ratelimit_reset = c->reset ? c->reset : -1;
	return 0;
}

static void
fake_sleep(void *arg, long ms)
{
	struct fake *f = arg;
	f->slept_ms += ms;
	f->nsleeps++;
}

static long long
fake_now(void *arg)
{
	(void)arg;
	return 1000000;
}

static struct forge *
fake_forge(enum forge_kind k, const char *api, struct fake *fk,
	   const struct canned *answers, int n)
{
	memset(fk, 0, sizeof(*fk));
	buf_init(&fk->log, 0);
	buf_init(&fk->headers, 0);
	fk->answers = answers;
	fk->nanswers = n;
	struct forge *f = forge_new(k, api, "vfarcic/argocd-production",
				    "s3cr3t-T0KEN", "pipeline-pr/test");
	f->send = fake_send;
	f->send_arg = fk;
	f->sleep_ms = fake_sleep;
	f->sleep_arg = fk;
	f->now = fake_now;
	return f;
}

static void
fake_release(struct fake *fk)
{
	buf_release(&fk->log);
	buf_release(&fk->headers);
}

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const labels[] = { "release", "prod", NULL };
static const char *const reviewers[] = { "alice", NULL };

static struct forge_pr_opts
pr_opts(void)
{
	struct forge_pr_opts o = {
		.head = "devops-toolkit-ef19bd2",
		.base = "master",
		.title = "ef19bd2 from \"devops\\toolkit\"",
		.body = "line1\nline2",
		.labels = labels,
		.reviewers = reviewers,
		.draft = true,
	};
	return o;
}

/* The JSON body of the n-th logged request (0-based) that has one. */
static cJSON *
logged_body(const struct fake *fk, int n)
{
	const char *p = fk->log.buf;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		if (!nl) {
			break;
		}
		if (nl[1] == '{' || nl[1] == '[') {
			if (n-- == 0) {
				const char *end = strchr(nl + 1, '\n');
				return cJSON_ParseWithLength(nl + 1,
					(size_t)(end - nl - 1));
			}
		}
		p = nl + 1;
	}
	return NULL;
}

static void
test_urls(void)
{
	struct forge_url u;
	struct pd_err e = { 0 };
	char *s;

	is_int(forge_url_parse("https://x-access-token:TOK@github.com/vfarcic/"
			       "argocd-production.git", &u, &e), 0, "https");
	is_str(u.host, "github.com", "https: host");
	is_str(u.repo, "vfarcic/argocd-production", "https: repo");
	is_str(u.password, "TOK", "https: password kept apart");
	s = forge_url_clean(&u);
	is_str(s, "https://x-access-token@github.com/vfarcic/"
		  "argocd-production.git", "https: clean URL has no password");
	free(s);
	is_int(forge_kind_guess(u.host), FORGE_GITHUB, "github.com -> github");
	s = forge_api_default(FORGE_GITHUB, &u);
	is_str(s, "https://api.github.com", "github.com's API");
	free(s);
	forge_url_release(&u);

	is_int(forge_url_parse("git@gitlab.com:group/sub/app.git", &u, &e), 0,
	       "scp-like");
	ok(u.scp && strcmp(u.scheme, "ssh") == 0, "scp-like: ssh");
	is_str(u.user, "git", "scp-like: user");
	is_str(u.repo, "group/sub/app", "scp-like: GitLab subgroup path");
	is_int(forge_kind_guess(u.host), FORGE_GITLAB, "gitlab.com -> gitlab");
	s = forge_api_default(FORGE_GITLAB, &u);
	is_str(s, "https://gitlab.com/api/v4", "gitlab API over https");
	free(s);
	s = forge_url_clean(&u);
	is_str(s, "git@gitlab.com:group/sub/app.git", "scp-like: clean");
	free(s);
	forge_url_release(&u);

	is_int(forge_url_parse("ssh://git@codeberg.org:2222/o/r", &u, &e), 0,
	       "ssh://");
	is_str(u.port, "2222", "ssh://: port");
	is_str(u.repo, "o/r", "ssh://: repo");
	is_int(forge_kind_guess(u.host), FORGE_GITEA, "codeberg -> gitea");
	s = forge_api_default(FORGE_GITEA, &u);
	is_str(s, "https://codeberg.org/api/v1", "ssh port not in the API URL");
	free(s);
	forge_url_release(&u);

	is_int(forge_url_parse("http://127.0.0.1:8080/o/r.git", &u, &e), 0,
	       "http with port");
	s = forge_api_default(FORGE_GITHUB, &u);
	is_str(s, "http://127.0.0.1:8080/api/v3", "GitHub Enterprise API");
	free(s);
	is_int(forge_kind_guess(u.host), FORGE_NONE, "an IP is unknown");
	forge_url_release(&u);

	is_int(forge_url_parse("file:///srv/git/o/env.git", &u, &e), 0, "file");
	is_str(u.repo, "o/env", "file: repo");
	ok(forge_api_default(FORGE_GITHUB, &u) == NULL, "file: no API");
	s = forge_url_clean(&u);
	is_str(s, "file:///srv/git/o/env.git", "file: clean");
	free(s);
	forge_url_release(&u);

	is_int(forge_url_parse("gitea.example.com:o/r", &u, &e), 0,
	       "scp-like without user");
	is_int(forge_kind_guess(u.host), FORGE_GITEA, "gitea.* -> gitea");
	forge_url_release(&u);

	is_int(forge_url_parse("ftp://h/o/r", &u, &e), -PD_EUSAGE,
	       "ftp refused");
	is_int(forge_url_parse("https://h:x1/o/r", &u, &e), -PD_EUSAGE,
	       "bad port refused");
	is_int(forge_kind_parse("forgejo"), FORGE_GITEA, "forgejo is gitea");
	is_int(forge_kind_parse("bitbucket"), FORGE_NONE, "bitbucket unknown");
	ok(forge_kind_guess("mygithub.example.com") == FORGE_NONE,
	   "a host merely containing github is unknown");
}

static const char *
env_cf(const char *n)
{
	static const char *const kv[] = {
		"CF_BUILD_ID", "1", "CF_REPO_NAME", "devops-toolkit",
		"CF_REVISION", "ef19bd2e00112233", "CF_COMMIT_AUTHOR", "vfarcic",
		NULL,
	};
	for (int i = 0; kv[i]; i += 2) {
		if (strcmp(kv[i], n) == 0) {
			return kv[i + 1];
		}
	}
	return NULL;
}

static const char *
env_gh(const char *n)
{
	static const char *const kv[] = {
		"GITHUB_ACTIONS", "true", "GITHUB_REPOSITORY", "vfarcic/app",
		"GITHUB_SHA", "0123456789abcdef", "GITHUB_ACTOR", "octo",
		"GITHUB_ACTOR_ID", "42", NULL,
	};
	for (int i = 0; kv[i]; i += 2) {
		if (strcmp(kv[i], n) == 0) {
			return kv[i + 1];
		}
	}
	return NULL;
}

static const char *
env_gl(const char *n)
{
	static const char *const kv[] = {
		"GITLAB_CI", "true", "CI_PROJECT_NAME", "web",
		"CI_COMMIT_SHORT_SHA", "abcdef1", "GITLAB_USER_NAME", "Jo Doe",
		"GITLAB_USER_EMAIL", "jo@example.com", NULL,
	};
	for (int i = 0; kv[i]; i += 2) {
		if (strcmp(kv[i], n) == 0) {
			return kv[i + 1];
		}
	}
	return NULL;
}

static const char *
env_none(const char *n)
{
	(void)n;
	return NULL;
}

static void
test_ci_env(void)
{
	struct ci_env ci;
	ci_env_read(&ci, env_cf);
	is_str(ci.system, "codefresh", "codefresh detected");
	is_str(ci.app, "devops-toolkit", "codefresh: CF_REPO_NAME");
	is_str(ci.short_sha, "ef19bd2", "codefresh: 7 characters of CF_REVISION");
	is_str(ci.author_name, "vfarcic", "codefresh: CF_COMMIT_AUTHOR");
	ci_env_release(&ci);
	ci_env_read(&ci, env_gh);
	is_str(ci.system, "github-actions", "github actions detected");
	is_str(ci.app, "app", "github: the repository's name");
	is_str(ci.short_sha, "0123456", "github: short GITHUB_SHA");
	is_str(ci.author_email, "42+octo@users.noreply.github.com",
	       "github: the noreply author");
	ci_env_release(&ci);
	ci_env_read(&ci, env_gl);
	is_str(ci.app, "web", "gitlab: CI_PROJECT_NAME");
	is_str(ci.short_sha, "abcdef1", "gitlab: CI_COMMIT_SHORT_SHA");
	is_str(ci.author_email, "jo@example.com", "gitlab: GITLAB_USER_EMAIL");
	ci_env_release(&ci);
	ci_env_read(&ci, env_none);
	ok(!ci.system && !ci.app && !ci.short_sha, "no CI: nothing");
	ci_env_release(&ci);

	char *n = NULL, *m = NULL;
	struct pd_err e = { 0 };
	is_int(ci_env_author_parse("Jo Doe <jo@example.com>", &n, &m, &e), 0,
	       "author parsed");
	is_str(n, "Jo Doe", "author name");
	is_str(m, "jo@example.com", "author email");
	free(n);
	free(m);
	is_int(ci_env_author_parse("jo@example.com", &n, &m, &e), -PD_EUSAGE,
	       "author without <> refused");
	is_int(ci_env_author_parse("Jo <>", &n, &m, &e), -PD_EUSAGE,
	       "empty email refused");
}

static void
test_github(void)
{
	struct fake fk;
	struct pd_err e = { 0 };
	struct forge_pr pr = { 0 };
	const struct canned created[] = {
		{ 201, "{\"number\":7,\"html_url\":\"https://github.com/vfarcic/"
		       "argocd-production/pull/7\",\"head\":{\"ref\":\"x\","
		       "\"sha\":\"abc\"}}", 0, 0, 0, 0 },
		{ 200, "[]", 0, 0, 0, 0 },
		{ 201, "{}", 0, 0, 0, 0 },
	};
	struct forge *f = fake_forge(FORGE_GITHUB, "https://api.github.com/",
				     &fk, created, N(created));
	struct forge_pr_opts o = pr_opts();
	is_int(forge_create_pr(f, &o, &pr, &e), 0, "github: created");
	is_int(pr.number, 7, "github: number");
	is_str(pr.url, "https://github.com/vfarcic/argocd-production/pull/7",
	       "github: html_url");
	ok(!pr.existed, "github: not existing");
	cJSON *b = logged_body(&fk, 0);
	is_str(json_str(b, "title"), "ef19bd2 from \"devops\\toolkit\"",
	       "github: title escaped by cJSON, read back intact");
	is_str(json_str(b, "head"), "devops-toolkit-ef19bd2", "github: head");
	is_str(json_str(b, "base"), "master", "github: base");
	is_str(json_str(b, "body"), "line1\nline2", "github: body");
	ok(json_bool(b, "draft", false), "github: draft");
	cJSON_Delete(b);
	b = logged_body(&fk, 1);
	ok(b && cJSON_GetArraySize(cJSON_GetObjectItem(b, "labels")) == 2,
	   "github: labels in a follow-up");
	cJSON_Delete(b);
	b = logged_body(&fk, 2);
	ok(b && cJSON_GetArraySize(cJSON_GetObjectItem(b, "reviewers")) == 1,
	   "github: reviewers in a follow-up");
	cJSON_Delete(b);
	ok(strstr(fk.log.buf, "POST https://api.github.com/repos/vfarcic/"
			      "argocd-production/pulls\n") != NULL,
	   "github: create URL (trailing '/' of the API dropped)");
	ok(strstr(fk.log.buf, "/issues/7/labels") &&
	   strstr(fk.log.buf, "/pulls/7/requested_reviewers"),
	   "github: follow-up URLs");
	ok(strstr(fk.headers.buf, "Authorization: Bearer s3cr3t-T0KEN\n") &&
	   strstr(fk.headers.buf, "X-GitHub-Api-Version: 2022-11-28") &&
	   strstr(fk.headers.buf, "User-Agent: pipeline-pr/test"),
	   "github: headers");
	ok(!strstr(fk.log.buf, "s3cr3t"), "github: token not in URL or body");
	forge_pr_release(&pr);
	forge_free(f);
	fake_release(&fk);

	/* already exists -> lookup with owner:branch */
	const struct canned exists[] = {
		{ 422, "{\"message\":\"Validation Failed\",\"errors\":[{\"resource"
		       "\":\"PullRequest\",\"code\":\"custom\",\"message\":\"A pull "
		       "request already exists for vfarcic:devops-toolkit-ef19bd2."
		       "\"}],\"status\":\"422\"}", 0, 0, 0, 0 },
		{ 200, "[{\"number\":3,\"html_url\":\"https://github.com/p/3\","
		       "\"head\":{\"ref\":\"devops-toolkit-ef19bd2\",\"sha\":\"d\"}}]",
		  0, 0, 0, 0 },
	};
	f = fake_forge(FORGE_GITHUB, "https://api.github.com", &fk, exists,
		       N(exists));
	o.labels = NULL;
	o.reviewers = NULL;
	is_int(forge_create_pr(f, &o, &pr, &e), 0, "github: 422 exists is ok");
	ok(pr.existed && pr.number == 3, "github: the existing PR found");
	ok(strstr(fk.log.buf, "head=vfarcic%3Adevops-toolkit-ef19bd2&base="
			      "master") != NULL,
	   "github: lookup carries owner: on head=");
	forge_pr_release(&pr);
	forge_free(f);
	fake_release(&fk);

	/* 422 no commits: conflict with GitHub's message */
	const struct canned nocommits[] = {
		{ 422, "{\"message\":\"Validation Failed\",\"errors\":[{\"message"
		       "\":\"No commits between master and b\"}]}", 0, 0, 0, 0 },
	};
	f = fake_forge(FORGE_GITHUB, "https://api.github.com", &fk, nocommits,
		       N(nocommits));
	is_int(forge_create_pr(f, &o, &pr, &e), -PD_ECONFLICT,
	       "github: 422 -> conflict");
	ok(strstr(e.msg, "422 Validation Failed: No commits between master "
			 "and b") != NULL, "github: the forge's message");
	forge_free(f);
	fake_release(&fk);

	/* 401 */
	const struct canned bad[] = {
		{ 401, "{\"message\":\"Bad credentials\",\"documentation_url\":"
		       "\"https://docs.github.com/rest\",\"status\":\"401\"}",
		  0, 0, 0, 0 },
	};
	f = fake_forge(FORGE_GITHUB, "https://api.github.com", &fk, bad, N(bad));
	is_int(forge_create_pr(f, &o, &pr, &e), -PD_EAUTH, "401 -> auth");
	ok(strstr(e.msg, "401 Bad credentials") && !strstr(e.msg, "s3cr3t"),
	   "401: message, no token: %s", e.msg);
	forge_free(f);
	fake_release(&fk);

	/* 404 on merge */
	const struct canned nf[] = {
		{ 404, "{\"message\":\"Not Found\"}", 0, 0, 0, 0 },
	};
	f = fake_forge(FORGE_GITHUB, "https://api.github.com", &fk, nf, N(nf));
	char *sha = NULL;
	pr.number = 9;
	is_int(forge_merge_pr(f, &pr, &sha, &e), -PD_ENOTFOUND, "404 -> not found");
	ok(strstr(fk.log.buf, "PUT https://api.github.com/repos/vfarcic/"
			      "argocd-production/pulls/9/merge\n"
			      "{\"merge_method\":\"merge\"}") != NULL,
	   "github: merge request");
	forge_free(f);
	fake_release(&fk);

	/* merge ok */
	const struct canned merged[] = {
		{ 200, "{\"sha\":\"feedbeef\",\"merged\":true}", 0, 0, 0, 0 },
	};
	f = fake_forge(FORGE_GITHUB, "https://api.github.com", &fk, merged,
		       N(merged));
	is_int(forge_merge_pr(f, &pr, &sha, &e), 0, "github: merged");
	is_str(sha, "feedbeef", "github: merge sha");
	free(sha);
	forge_free(f);
	fake_release(&fk);
}

static void
test_gitlab(void)
{
	struct fake fk;
	struct pd_err e = { 0 };
	struct forge_pr pr = { 0 };
	const struct canned exists[] = {
		{ 409, "{\"message\":[\"Another open merge request already exists "
		       "for this source branch: !5\"]}", 0, 0, 0, 0 },
		{ 200, "[{\"iid\":5,\"web_url\":\"https://gitlab.com/g/r/-/"
		       "merge_requests/5\",\"source_branch\":\"devops-toolkit-"
		       "ef19bd2\",\"sha\":\"s\"}]", 0, 0, 0, 0 },
	};
	struct forge *f = fake_forge(FORGE_GITLAB, "https://gitlab.com/api/v4",
				     &fk, exists, N(exists));
	struct forge_pr_opts o = pr_opts();
	const char *const revs[] = { "17", "bob", NULL };
	o.reviewers = revs;
	is_int(forge_create_pr(f, &o, &pr, &e), 0, "gitlab: 409 exists is ok");
	ok(pr.existed && pr.number == 5, "gitlab: iid found");
	is_str(pr.url, "https://gitlab.com/g/r/-/merge_requests/5",
	       "gitlab: web_url");
	cJSON *b = logged_body(&fk, 0);
	is_str(json_str(b, "source_branch"), "devops-toolkit-ef19bd2",
	       "gitlab: source_branch");
	is_str(json_str(b, "labels"), "release,prod", "gitlab: labels as CSV");
	is_str(json_str(b, "description"), "line1\nline2", "gitlab: description");
	ok(strncmp(json_str(b, "title"), "Draft: ", 7) == 0,
	   "gitlab: draft title prefix");
	ok(cJSON_GetArraySize(cJSON_GetObjectItem(b, "reviewer_ids")) == 1,
	   "gitlab: numeric reviewer ids only");
	cJSON_Delete(b);
	ok(strstr(fk.log.buf, "/projects/vfarcic%2Fargocd-production/"
			      "merge_requests?state=opened&source_branch="
			      "devops-toolkit-ef19bd2&target_branch=master") != NULL,
	   "gitlab: lookup URL");
	ok(strstr(fk.headers.buf, "PRIVATE-TOKEN: s3cr3t-T0KEN\n") != NULL,
	   "gitlab: PRIVATE-TOKEN");
	forge_pr_release(&pr);
	forge_free(f);
	fake_release(&fk);

	const struct canned unauth[] = {
		{ 401, "{\"message\":\"401 Unauthorized\"}", 0, 0, 0, 0 },
	};
	f = fake_forge(FORGE_GITLAB, "https://gitlab.com/api/v4", &fk, unauth,
		       N(unauth));
	o.reviewers = NULL;
	is_int(forge_create_pr(f, &o, &pr, &e), -PD_EAUTH, "gitlab: 401");
	ok(strstr(e.msg, "401 401 Unauthorized") != NULL, "gitlab: message");
	forge_free(f);
	fake_release(&fk);

	const struct canned merged[] = {
		{ 200, "{\"state\":\"merged\",\"merge_commit_sha\":\"m1\"}",
		  0, 0, 0, 0 },
	};
	f = fake_forge(FORGE_GITLAB, "https://gitlab.com/api/v4", &fk, merged,
		       N(merged));
	pr.number = 5;
	char *sha = NULL;
	is_int(forge_merge_pr(f, &pr, &sha, &e), 0, "gitlab: merged");
	is_str(sha, "m1", "gitlab: merge_commit_sha");
	ok(strstr(fk.log.buf, "PUT https://gitlab.com/api/v4/projects/vfarcic"
			      "%2Fargocd-production/merge_requests/5/merge") != NULL,
	   "gitlab: merge URL");
	free(sha);
	forge_free(f);
	fake_release(&fk);
}

static void
test_gitea(void)
{
	struct fake fk;
	struct pd_err e = { 0 };
	struct forge_pr pr = { 0 };
	const struct canned exists[] = {
		{ 409, "{\"message\":\"pull request already exists for these "
		       "targets [id: 11033, issue_id: 3358, head_repo_id: 11419, "
		       "base_repo_id: 11419, head_branch: devops-toolkit-ef19bd2, "
		       "base_branch: master]\",\"url\":\"https://gitea.example.com"
		       "/api/swagger\"}", 0, 0, 0, 0 },
		{ 200, "[{\"number\":1,\"html_url\":\"h1\",\"head\":{\"ref\":"
		       "\"other\"},\"base\":{\"ref\":\"master\"}},{\"number\":3358,"
		       "\"html_url\":\"https://gitea.example.com/o/r/pulls/3358\","
		       "\"head\":{\"ref\":\"devops-toolkit-ef19bd2\",\"sha\":\"x\"},"
		       "\"base\":{\"ref\":\"master\"}}]", 0, 0, 0, 0 },
	};
	struct forge *f = fake_forge(FORGE_GITEA, "https://gitea.example.com/"
				     "api/v1", &fk, exists, N(exists));
	struct forge_pr_opts o = pr_opts();
	const char *const lids[] = { "12", "name", NULL };
	o.labels = lids;
	is_int(forge_create_pr(f, &o, &pr, &e), 0, "gitea: 409 exists is ok");
	ok(pr.existed && pr.number == 3358, "gitea: matched on head.ref");
	cJSON *b = logged_body(&fk, 0);
	ok(cJSON_GetArraySize(cJSON_GetObjectItem(b, "labels")) == 1 &&
	   cJSON_GetArrayItem(cJSON_GetObjectItem(b, "labels"), 0)->valuedouble
		   == 12, "gitea: label ids");
	ok(strncmp(json_str(b, "title"), "WIP: ", 5) == 0, "gitea: WIP prefix");
	cJSON_Delete(b);
	ok(strstr(fk.headers.buf, "Authorization: token s3cr3t-T0KEN\n") != NULL,
	   "gitea: token header");
	forge_pr_release(&pr);
	forge_free(f);
	fake_release(&fk);

	const struct canned merged[] = { { 200, "", 0, 0, 0, 0 } };
	f = fake_forge(FORGE_GITEA, "https://g/api/v1", &fk, merged, N(merged));
	pr.number = 4;
	char *sha = NULL;
	is_int(forge_merge_pr(f, &pr, &sha, &e), 0, "gitea: merge, empty body");
	ok(sha == NULL, "gitea: no sha in the answer");
	ok(strstr(fk.log.buf, "POST https://g/api/v1/repos/vfarcic/"
			      "argocd-production/pulls/4/merge\n{\"Do\":"
			      "\"merge\"}") != NULL, "gitea: merge request");
	forge_free(f);
	fake_release(&fk);
}

static void
test_retries(void)
{
	struct fake fk;
	struct pd_err e = { 0 };
	struct forge_pr pr = { 0 };
	const char *ok201 = "{\"number\":1,\"html_url\":\"u\"}";
	const struct canned flaky[] = {
		{ 500, "oops", 0, 0, 0, 0 },
		{ 0, NULL, 0, 0, 0, 1 },
		{ 201, ok201, 0, 0, 0, 0 },
	};
	struct forge *f = fake_forge(FORGE_GITHUB, "https://a", &fk, flaky,
				     N(flaky));
	struct forge_pr_opts o = pr_opts();
	o.labels = NULL;
	o.reviewers = NULL;
	is_int(forge_create_pr(f, &o, &pr, &e), 0, "500 then no answer, then ok");
	is_int(fk.nsleeps, 2, "two backoffs");
	forge_pr_release(&pr);
	forge_free(f);
	fake_release(&fk);

	const struct canned down[] = {
		{ 500, "{\"message\":\"Server Error\"}", 0, 0, 0, 0 },
		{ 502, "{\"message\":\"Server Error\"}", 0, 0, 0, 0 },
		{ 503, "{\"message\":\"Server Error\"}", 0, 0, 0, 0 },
		{ 500, "{\"message\":\"Server Error\"}", 0, 0, 0, 0 },
	};
	f = fake_forge(FORGE_GITHUB, "https://a", &fk, down, N(down));
	is_int(forge_create_pr(f, &o, &pr, &e), -PD_ERUNTIME,
	       "500 four times: runtime error");
	ok(strstr(e.msg, "500 Server Error") != NULL, "500: message '%s'", e.msg);
	is_int(fk.next, 4, "four attempts");
	forge_free(f);
	fake_release(&fk);

	const struct canned limited[] = {
		{ 429, "{\"message\":\"slow down\"}", 2, 0, 0, 0 },
		{ 403, "{\"message\":\"API rate limit exceeded\"}", 0, 1,
		  1000003, 0 },
		{ 201, ok201, 0, 0, 0, 0 },
	};
	f = fake_forge(FORGE_GITHUB, "https://a", &fk, limited, N(limited));
	is_int(forge_create_pr(f, &o, &pr, &e), 0, "429 and 403 limit: waited");
	is_int(fk.slept_ms, 5000, "Retry-After 2s + reset in 3s");
	forge_pr_release(&pr);
	forge_free(f);
	fake_release(&fk);

	const struct canned toolong[] = {
		{ 429, "{\"message\":\"slow down\"}", 3600, 0, 0, 0 },
	};
	f = fake_forge(FORGE_GITHUB, "https://a", &fk, toolong, N(toolong));
	f->max_wait_ms = 10000;
	is_int(forge_create_pr(f, &o, &pr, &e), -PD_ERUNTIME,
	       "a wait past the bound: error");
	ok(strstr(e.msg, "rate limited") && fk.slept_ms == 0,
	   "no wait past the bound: '%s'", e.msg);
	forge_free(f);
	fake_release(&fk);

	const struct canned forbidden[] = {
		{ 403, "{\"message\":\"Resource not accessible by integration\"}",
		  0, 0, 0, 0 },
	};
	f = fake_forge(FORGE_GITHUB, "https://a", &fk, forbidden, N(forbidden));
	is_int(forge_create_pr(f, &o, &pr, &e), -PD_EAUTH,
	       "403 without rate-limit headers: auth, no retry");
	is_int(fk.next, 1, "one attempt");
	forge_free(f);
	fake_release(&fk);
}

static void
test_dry_run(void)
{
	struct fake fk;
	struct pd_err e = { 0 };
	struct forge_pr pr = { 0 };
	struct forge *f = fake_forge(FORGE_GITHUB, "https://a", &fk, NULL, 0);
	f->dry_run = true;
	struct forge_pr_opts o = pr_opts();
	is_int(forge_create_pr(f, &o, &pr, &e), 0, "dry run: ok");
	is_int(fk.next, 0, "dry run: nothing sent");
	ok(strstr(f->dry_log.buf, "POST https://a/repos/vfarcic/argocd-production"
				  "/pulls\n{\"title\"") != NULL,
	   "dry run: the request logged");
	ok(strstr(f->dry_log.buf, "/issues/{number}/labels") != NULL,
	   "dry run: follow-ups with {number}");
	ok(!strstr(f->dry_log.buf, "s3cr3t"), "dry run: no token");
	forge_pr_release(&pr);
	forge_free(f);
	fake_release(&fk);
}

static void
test_errors(void)
{
	struct buf b = BUF_INIT;
	forge_error_message("{\"message\":{\"title\":[\"is too long\"]}}", &b);
	is_str(b.buf, "title is too long", "gitlab's field messages");
	buf_reset(&b);
	forge_error_message("<html>\nbad gateway", &b);
	is_str(b.buf, "<html>", "not JSON: first line");
	buf_reset(&b);
	forge_error_message("{\"error\":\"invalid_token\"}", &b);
	is_str(b.buf, "invalid_token", "error field");
	buf_release(&b);
}

static void
test_gitrun(void)
{
	struct gitrun g;
	gitrun_init(&g);
	gitrun_auth_env(&g, "x-access-token", "s3cr3t");
	int found = 0;
	for (size_t i = 0; i < g.nenv; i++) {
		if (strcmp(g.env[i], "GIT_CONFIG_VALUE_0=Authorization: Basic "
				     "eC1hY2Nlc3MtdG9rZW46czNjcjN0") == 0) {
			found = 1;
		}
	}
	ok(found, "gitrun: the token as a Basic header in the environment");
	struct pd_err e = { 0 };
	const char *args[] = { "config", "--get", "http.extraHeader", NULL };
	is_int(gitrun_run(&g, NULL, args, &e), 0, "gitrun: git sees the header");
	ok(strstr(g.out.buf, "Authorization: Basic ") != NULL,
	   "gitrun: through GIT_CONFIG_COUNT");
	const char *bad[] = { "no-such-command-x", NULL };
	ok(gitrun_run(&g, NULL, bad, &e) < 0 && g.status == 1,
	   "gitrun: a failure's status");
	ok(strncmp(e.msg, "git no-such-command-x: ", 23) == 0,
	   "gitrun: message names the command: %s", e.msg);
	gitrun_release(&g);
}

int
main(void)
{
	test_urls();
	test_ci_env();
	test_github();
	test_gitlab();
	test_gitea();
	test_retries();
	test_dry_run();
	test_errors();
	test_gitrun();
	return done_testing();
}
