/* SPDX-License-Identifier: Apache-2.0 */
/*
 * forge: the parts of forge-sim, a local forge serving bare git
 * repositories over git's smart HTTP and the GitHub, GitLab and Gitea pull
 * request APIs over one model. proc runs a child without a shell; repos
 * maps OWNER/NAME to bare repositories under the root; githttp hands git's
 * requests to `git http-backend`; pulls is the one pull request model
 * (thread-safe); merge makes real merge commits; faults injects errors;
 * route matches URL paths; server answers requests; api_* are the three
 * flavours. Every function returning memory says who frees it; errors fill
 * a struct pd_err and return a negative PD_E* code; nothing here prints.
 */
#ifndef FORGE_H
#define FORGE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "httpd.h"
#include "json.h"

/* ---------------------------------------------------------------- proc */

/* Run argv[0] (searched on PATH) with the environment envp (NULL-terminated
 * "K=V" strings), feeding it in (inlen bytes, may be NULL) on its stdin and
 * collecting its stdout into out and stderr into errout (either may be
 * NULL: discarded). The child's signal mask and dispositions are reset.
 * Returns its exit status (0..255, 128+N when killed by signal N), or a
 * negative PD_E* when it could not be started. */
int proc_run(const char *const *argv, const char *const *envp,
	     const void *in, size_t inlen, struct buf *out,
	     struct buf *errout, struct pd_err *e);

/* A NULL-terminated environment of malloc()ed strings. */
struct proc_env {
	char **v;
	size_t n;
};
/* PATH, HOME, TMPDIR, GIT_CONFIG_NOSYSTEM and GIT_CONFIG_GLOBAL from ours
 * (when set), LC_ALL=C and safe.directory=* as command-line config. */
void proc_env_init(struct proc_env *pe);
void proc_env_add(struct proc_env *pe, const char *key, const char *val);
void proc_env_release(struct proc_env *pe);

/* --------------------------------------------------------------- repos */

/* Set the root (borrowed; must outlive the server). */
void repos_init(const char *root);
const char *repos_root(void);
/* A valid OWNER or NAME: [A-Za-z0-9._-], not starting with '.', not
 * ending in ".git", at most 100 bytes. */
bool repos_valid_part(const char *s);
/* Whether OWNER/NAME.git is a bare repository under the root. */
bool repos_exists(const char *owner, const char *name);
/* The repository's numeric id (stable while the server runs; assigned on
 * first sight), or 0 when it does not exist. */
long repos_id(const char *owner, const char *name);
/* The OWNER/NAME of id into out (reset first): 0, or -1 when none. */
int repos_by_id(long id, struct buf *out);
/* The default branch (HEAD's target, without refs/heads/) into out. */
int repos_default_branch(const char *owner, const char *name,
			 struct buf *out, struct pd_err *e);
/* The commit refs/heads/BRANCH points at into sha (41 bytes): 0, or
 * -PD_ENOTFOUND when the branch does not exist. */
int repos_branch_sha(const char *owner, const char *name,
		     const char *branch, char sha[41], struct pd_err *e);
/* The number of commits on head not on base (git rev-list --count). */
int repos_ahead(const char *owner, const char *name, const char *base,
		const char *head, long *count, struct pd_err *e);
/* git init --bare OWNER/NAME.git with that initial branch;
 * -PD_ECONFLICT when it exists. */
int repos_create(const char *owner, const char *name, const char *branch,
		 struct pd_err *e);
/* Run git with args (NULL-terminated, without "git") inside the bare
 * repository OWNER/NAME.git, extra environment extra (K=V, NULL-terminated
 * or NULL); stdout into out when non-NULL. The exit status or -PD_E*. */
int repos_git(const char *owner, const char *name, const char *const *args,
	      const char *const *extra, struct buf *out, struct pd_err *e);

/* ------------------------------------------------------------- githttp */

/* CGI output parsed: the status (200 without a Status: header), its
 * Content-Type (malloc()ed or NULL), the other headers worth passing on
 * (name, value pairs, malloc()ed, NULL-terminated) and where the body
 * starts. githttp_cgi_release() frees them. */
struct githttp_cgi {
	int status;
	char *ctype;
	char **hdrs;
	size_t nhdrs;
	size_t body_off;
};
/* Parse the header block of a CGI's output; -1 when it has none (no blank
 * line) or a malformed Status. */
int githttp_parse_cgi(const char *out, size_t len, struct githttp_cgi *g);
void githttp_cgi_release(struct githttp_cgi *g);
/* Whether path is a git smart HTTP path (/OWNER/NAME.git/...): fills owner
 * and name (reset first). */
bool githttp_match(const char *path, struct buf *owner, struct buf *name);
/* Whether the request pushes (receive-pack). */
bool githttp_is_push(const char *path, const char *service);
struct forge_reply;
/* Answer a git request through git http-backend; remote_user (NULL for
 * anonymous) enables pushes. */
void githttp_serve(struct httpd_req *rq, const char *remote_user,
		   struct forge_reply *rep);

/* --------------------------------------------------------------- pulls */

enum pull_state { PULL_OPEN, PULL_CLOSED, PULL_MERGED };

/* One pull request; the strings and lists are owned by the struct. */
struct pull {
	char *repo;           /* OWNER/NAME */
	long number;          /* per repository, from 1 */
	long id;              /* global, from 1 */
	char *head, *base;    /* branch names */
	char *title, *body;
	char *author;
	bool draft;
	enum pull_state state;
	char **labels;        /* names */
	size_t nlabels;
	char **reviewers;
	size_t nreviewers;
	char **assignees;
	size_t nassignees;
	char merged_sha[41];  /* "" unless merged */
	char head_sha[41];    /* at creation or merge */
	long long created, updated; /* epoch seconds */
};

void pulls_release(struct pull *p);
void pulls_copy(struct pull *dst, const struct pull *src);

/* A filter for pulls_list: NULL members match anything; state -1 any. */
struct pulls_filter {
	const char *repo, *head, *base;
	int state;
};

void pulls_init(void);
void pulls_reset(void);
/* Create an open PR from p's repo, head, base, title, body, author, draft,
 * labels, reviewers, assignees (copied) unless an open one exists for the
 * same repo, head and base: then -PD_ECONFLICT and *existing its number.
 * The new one is copied into out when non-NULL. */
int pulls_create(const struct pull *p, long *existing, struct pull *out);
/* Copy PR number of repo into out: 0, or -1 when there is none. */
int pulls_get(const char *repo, long number, struct pull *out);
/* Copies of the matching PRs, by number (a malloc()ed array the caller
 * releases with pulls_free_list). */
size_t pulls_list(const struct pulls_filter *f, struct pull **out);
void pulls_free_list(struct pull *v, size_t n);
/* Add labels / reviewers / assignees (names, duplicates skipped). */
int pulls_add_labels(const char *repo, long number,
		     const char *const *names, size_t n);
int pulls_add_reviewers(const char *repo, long number,
			const char *const *names, size_t n);
/* Mark merged with sha (and the head it merged); -1 when not open. */
int pulls_set_merged(const char *repo, long number, const char *sha,
		     const char *head_sha);
/* Add a string to a list unless present (the model's list helper). */
void pulls_list_add(char ***v, size_t *n, const char *s);

/* --------------------------------------------------------------- merge */

enum merge_method { MERGE_COMMIT, MERGE_SQUASH };

/* Merge branch head into branch base of OWNER/NAME with real git: a merge
 * commit (squash: one parent) with message, by author (the forge's user),
 * base moved from its old commit (compare-and-swap). The new commit into
 * sha; -PD_ECONFLICT when the trees conflict, -PD_ENOTFOUND when a branch
 * is missing. expect_head, when non-NULL, must be head's commit
 * (-PD_EUSAGE otherwise). head_sha gets the head merged. */
int merge_branches(const char *owner, const char *name, const char *base,
		   const char *head, enum merge_method m, const char *message,
		   const char *author, const char *expect_head, char sha[41],
		   char head_sha[41], struct pd_err *e);

enum merge_result {
	MERGE_OK, MERGE_NO_PR, MERGE_NOT_OPEN, MERGE_DRAFT, MERGE_MODIFIED,
	MERGE_CONFLICT, MERGE_NO_BRANCH, MERGE_ERROR,
};
/* Merge PR number of repo (OWNER/NAME) as merge_branches does, when it is
 * open (and not a draft when refuse_draft), and mark it merged; the PR
 * afterwards into out (when MERGE_OK and out is non-NULL). e is filled
 * for MERGE_ERROR. */
int merge_pull(const char *repo, long number, enum merge_method m,
	       const char *message, const char *author,
	       const char *expect_head, bool refuse_draft, struct pull *out,
	       struct pd_err *e);

/* -------------------------------------------------------------- faults */

/* Rules: the next count requests whose path starts with path (every API
 * request, /api/..., when path is empty) answer status. */
void faults_init(void);
void faults_clear(void);
void faults_add(int status, long count, int retry_after, const char *path);
void faults_set_latency(long ms);
/* Apply a JSON setting ({"status","count","retryAfter","path"} or
 * {"latencyMs"}); -PD_EUSAGE when invalid. */
int faults_apply(const cJSON *j, struct pd_err *e);
/* The current settings as JSON (the caller deletes it). */
cJSON *faults_json(void);
/* For a request to path: the latency to add (ms) and the status to
 * answer (0 for none, counting the rule down), its retry-after. */
int faults_take(const char *path, long *latency_ms, int *retry_after);

/* --------------------------------------------------------------- route */

#define ROUTE_MAX_SEGS 16
/* Split a path into its segments in place (empty ones dropped); the
 * count, or -1 when there are more than max. */
int route_split(char *path, char **segs, int max);
/* Match segments against a pattern such as "repos/:o/:r/pulls/:n": fixed
 * segments compare exactly, ":x" captures (in order, into caps, at most
 * ROUTE_MAX_SEGS); true when every segment matched. */
bool route_match(char *const *segs, int n, const char *pattern,
		 const char **caps);
/* Whether s is a decimal number > 0 (into *v). */
bool route_number(const char *s, long *v);

/* -------------------------------------------------------------- server */

struct forge_options {
	const char *listen;
	const char *port_file;
	const char *root;
	const char *token;   /* NULL: no authentication anywhere */
	const char *user;    /* the login the token belongs to */
	int retry_after;     /* default Retry-After of 429 faults */
};

/* An answer being built by a handler. */
struct forge_reply {
	int status;
	const char *ctype;
	struct buf body;
	const char *hdrs[16]; /* name, value pairs (values in hbuf) */
	int nhdrs;
	char hbuf[8][128];
	int nhbuf;
};

/* The context of an API request. */
struct forge_ctx {
	struct httpd_req *rq;
	const char *method;
	char **segs;        /* the path's segments after the API base */
	int n;
	const char *base;   /* "http://HOST:PORT" */
	const char *user;   /* the authenticated login */
	const struct forge_options *o;
};

/* Serve until SIGINT or SIGTERM. */
int server_run(const struct forge_options *o, struct pd_err *e);
/* Reply helpers. */
void server_reply_json(struct forge_reply *rep, int status, cJSON *j);
void server_add_header(struct forge_reply *rep, const char *name,
		       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The request body as a JSON object, or NULL (and rep filled by the
 * flavour's bad-request answer through badreq). */
cJSON *server_body_json(const struct forge_ctx *cx);
/* The commit of a PR's head: the branch's now while open, else the one
 * merged; and its base branch's now ("" when gone). */
void server_head_sha(const struct pull *p, char sha[41]);
void server_base_sha(const struct pull *p, char sha[41]);
/* An epoch time in RFC 3339 UTC, into out (size >= 21). */
void server_time(long long t, char out[32]);

/* The three flavours: answer the request in cx (segments after /api/vN). */
void api_github(struct forge_ctx *cx, struct forge_reply *rep);
void api_gitlab(struct forge_ctx *cx, struct forge_reply *rep);
void api_gitea(struct forge_ctx *cx, struct forge_reply *rep);
/* Their error answers (auth, faults, 404 of unknown paths). */
void api_github_error(struct forge_reply *rep, int status, const char *msg);
void api_gitlab_error(struct forge_reply *rep, int status, const char *msg);
void api_gitea_error(struct forge_reply *rep, const char *base, int status,
		     const char *msg);

#endif
