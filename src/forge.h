/* SPDX-License-Identifier: Apache-2.0 */
/*
 * forge: the pull-request APIs of GitHub, GitLab (merge requests) and
 * Gitea/Forgejo over libcurl, and the remote URLs they live at. One client
 * (struct forge) per run: find the open pull request for a branch, create
 * one (an "already exists" answer, GitHub's 422 or GitLab's and Gitea's 409,
 * becomes a lookup: idempotent), add labels and reviewers where the forge
 * has them, merge. Bodies are built with cJSON. Rate limits (429, 403 with
 * x-ratelimit-remaining: 0) are honoured through Retry-After or
 * x-ratelimit-reset, and 5xx and connection failures retried with backoff,
 * all within one bound on the total wait (max_wait_ms). An HTTP error
 * becomes a pd_err with the forge's own message and the kind of
 * err_from_http(): 401/403 PD_EAUTH, 404 PD_ENOTFOUND, 405/409/422
 * PD_ECONFLICT, 5xx PD_ERUNTIME. The token is sent only in the forge's
 * authorization header, never in a message.
 *
 * The transport is replaceable (send, sleep_ms): the unit tests answer with
 * canned responses. With dry_run set nothing is sent: each request is
 * appended to dry_log (method, URL and body, never a header) and answered
 * as an empty success.
 *
 * Ownership: forge_new() returns a client freed by forge_free() (NULL is
 * fine); it copies the strings given. forge_url_parse() fills a struct the
 * caller releases with forge_url_release(). A struct forge_pr is released
 * with forge_pr_release(). Functions returning char * return malloc()ed
 * strings. The library never prints: progress notes (a retry, a wait) go
 * to the note callback.
 */
#ifndef PD_FORGE_H
#define PD_FORGE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

enum forge_kind {
	FORGE_NONE = 0,
	FORGE_GITHUB,
	FORGE_GITLAB,
	FORGE_GITEA,
};

/* "github", "gitlab", "gitea" (also "forgejo") -> kind; FORGE_NONE else. */
enum forge_kind forge_kind_parse(const char *name);
const char *forge_kind_name(enum forge_kind k);
/* The forge a host name suggests: github.com or github.*, gitlab.com or
 * gitlab.*, codeberg.org, gitea.* or forgejo.*; FORGE_NONE when unknown. */
enum forge_kind forge_kind_guess(const char *host);

/* A remote: https://[user[:password]@]host[:port]/path, http://,
 * ssh://[user@]host[:port]/path, scp-like user@host:path, file:///path or
 * a local path. */
struct forge_url {
	char *scheme;   /* "https", "http", "ssh", "file" */
	char *user;     /* NULL when absent */
	char *password; /* NULL when absent: a credential, never printed */
	char *host;     /* NULL for file */
	char *port;     /* NULL when absent */
	char *path;     /* the path without the leading '/' (file: absolute) */
	char *repo;     /* OWNER/NAME from the path's last two segments, without
			 * ".git" (NULL when the path has fewer) */
	bool scp;       /* scp-like syntax */
};

int forge_url_parse(const char *url, struct forge_url *u, struct pd_err *e);
void forge_url_release(struct forge_url *u);
/* The URL without user password (what git gets, and what is printed). */
char *forge_url_clean(const struct forge_url *u);
/* The default API base for a remote: https://api.github.com for
 * github.com, SCHEME://HOST[:PORT]/api/v3 (GitHub Enterprise), /api/v4
 * (GitLab), /api/v1 (Gitea); http only when the remote is http. NULL when
 * the remote is file:// or kind is FORGE_NONE. */
char *forge_api_default(enum forge_kind kind, const struct forge_url *u);

/* One HTTP exchange, for the transport. */
struct forge_req {
	const char *method;
	const char *url;
	const char *const *headers; /* "Name: value", NULL-terminated */
	const char *body;           /* NULL: none */
};

struct forge_resp {
	long status;          /* 0: no answer (connection failed) */
	struct buf body;
	long retry_after;     /* seconds, -1 when absent */
	long ratelimit_remaining; /* -1 when absent */
	long long ratelimit_reset; /* epoch seconds, -1 when absent */
};

struct forge_pr_opts {
	const char *head;   /* the branch */
	const char *base;
	const char *title;
	const char *body;   /* NULL: none */
	const char *const *labels;    /* NULL-terminated, may be NULL */
	const char *const *reviewers; /* NULL-terminated, may be NULL */
	bool draft;
};

struct forge_pr {
	long number;       /* GitHub/Gitea number, GitLab iid; 0 in dry runs */
	char *url;         /* html_url / web_url */
	char *head_sha;    /* NULL when not given */
	bool existed;      /* found, not created */
};

struct forge {
	enum forge_kind kind;
	char *api;         /* base URL without a trailing '/' */
	char *repo;        /* OWNER/NAME */
	char *token;       /* NULL: anonymous */
	char *user_agent;
	long max_wait_ms;  /* bound on the total wait (rate limits, retries) */
	long waited_ms;    /* waited so far */
	int max_attempts;  /* per request, for 5xx and connection failures */
	bool dry_run;
	struct buf dry_log;
	/* transport: 0 with resp filled (any status), or -PD_E* when the
	 * request could not be made (resp->status 0) */
	int (*send)(void *arg, const struct forge_req *req,
		    struct forge_resp *resp, struct pd_err *e);
	void *send_arg;
	void (*sleep_ms)(void *arg, long ms);
	void *sleep_arg;
	long long (*now)(void *arg); /* epoch seconds; gets sleep_arg */
	void (*note)(void *arg, const char *msg);
	void *note_arg;
};

/* A client for kind at api (NULL: forge_api_default's), repo OWNER/NAME.
 * Transport: libcurl, honouring HTTPS_PROXY/NO_PROXY as kubectl does. */
struct forge *forge_new(enum forge_kind kind, const char *api,
			const char *repo, const char *token,
			const char *user_agent);
void forge_free(struct forge *f);

/* The open pull request from head into base: 0 with pr filled, or
 * -PD_ENOTFOUND when there is none, or another -PD_E*. */
int forge_find_pr(struct forge *f, const char *head, const char *base,
		  struct forge_pr *pr, struct pd_err *e);
/* Create (or find, when the forge says it exists; pr->existed is then
 * true), then add labels and reviewers. */
int forge_create_pr(struct forge *f, const struct forge_pr_opts *o,
		    struct forge_pr *pr, struct pd_err *e);
/* Merge; *sha gets the merge commit when the forge tells it (else NULL). */
int forge_merge_pr(struct forge *f, const struct forge_pr *pr, char **sha,
		   struct pd_err *e);
void forge_pr_release(struct forge_pr *pr);

/* One request with the retry and rate-limit policy; resp is the caller's
 * (forge_resp_init / forge_resp_release). body may be NULL. Statuses
 * >= 400 are returned in resp (0 is returned); e is filled only when no
 * answer came or the waits ran out. */
int forge_request(struct forge *f, const char *method, const char *path,
		  const char *body, struct forge_resp *resp, struct pd_err *e);
void forge_resp_init(struct forge_resp *r);
void forge_resp_release(struct forge_resp *r);
/* An error from an answer >= 400: kind from the status, message "STATUS
 * FORGE'S MESSAGE". Returns the negated kind. */
int forge_http_error(const struct forge_resp *r, struct pd_err *e);
/* The forge's own message in an error body (GitHub message + errors[],
 * GitLab message string/array/object or error, Gitea message), appended
 * to b; the body's start when it is not JSON. */
void forge_error_message(const char *body, struct buf *b);

#endif
