/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline-pr: from a built image to a reviewed pull request in the
 * environment repository. main parses the options, fills in the CI
 * system's defaults, renders the app's template with gitops-render's engine
 * (src/template.h), then runs the steps: a shallow single-branch clone of
 * the base into a private temporary directory (always removed, also on
 * SIGINT/SIGTERM), the file written (or removed), a commit, a push of the
 * branch (force-with-lease, only when its tree differs) or of the base
 * (--direct, retried when the base moved), and the forge's pull request
 * (src/forge.h), merged at once with --merge. Each failure names its step.
 * stdout gets one line (the PR URL, the commit, or "up to date") or, with
 * -o json, one JSON object; progress goes to stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "atomicfile.h"
#include "buf.h"
#include "ci-env.h"
#include "cliopt.h"
#include "err.h"
#include "forge.h"
#include "gitrun.h"
#include "json.h"
#include "msg.h"
#include "template.h"
#include "timeutil.h"
#include "version.h"
#include "xalloc.h"

/* --direct: pushes tried when the base keeps moving */
#define PPR_DIRECT_ATTEMPTS 5

static void
ppr_usage(FILE *fp)
{
	fprintf(fp,
"usage: pipeline-pr --env-repo URL --template FILE --tag TAG [--app NAME]\n"
"                   [--dest PATH] [--base BRANCH] [--branch NAME] [--title T]\n"
"                   [--message M] [--body B] [--label L]... [--reviewer R]...\n"
"                   [--draft] [--direct] [--remove] [--merge] [-o json]\n"
"                   [--forge github|gitlab|gitea] [--api-url URL]\n"
"                   [--forge-repo OWNER/NAME] [--author \"Name <email>\"]\n"
"                   [--token-file FILE] [--max-wait DURATION] [--dry-run]\n"
"                   [-e NAME]... [-v KEY=VALUE]... [--values FILE] [--kyml]\n"
"                   [--allow-empty] [--strict]\n"
"\n"
"Render the app's template with the new tag into the environment repo and\n"
"open a pull request (the tutorial's CD stage), idempotently: an unchanged\n"
"render prints \"up to date\", a re-run finds the open pull request.\n"
"\n"
"Options:\n"
"      --env-repo URL      the environment repo (https, http, ssh, file)\n"
"      --template FILE     the app's template (gitops-render's syntax)\n"
"      --tag TAG           the image tag: IMAGE_TAG (default: the CI's short SHA)\n"
"      --app NAME          the app (default: the CI's repository name)\n"
"      --dest PATH         the file in the repo (helm/templates/APP.yaml)\n"
"      --base BRANCH       the branch to change (master)\n"
"      --branch NAME       the pull request's branch (APP-TAG)\n"
"      --title T           the title (\"TAG from APP\")\n"
"      --message M         the commit message (\"Adding commit TAG from APP\")\n"
"      --body B            the pull request's description\n"
"      --label L           a label (repeatable)\n"
"      --reviewer R        a reviewer (repeatable)\n"
"      --draft             open the pull request as a draft\n"
"      --direct            push to the base, no pull request\n"
"      --remove            remove the app's file instead of rendering\n"
"      --merge             merge the pull request at once\n"
"  -o, --output json       CI step outputs as one JSON object\n"
"      --forge KIND        github, gitlab or gitea (default: from the URL)\n"
"      --api-url URL       the forge's API base (default: from the URL)\n"
"      --forge-repo O/N    the repo on the forge (default: from the URL)\n"
"      --author A          commit author \"Name <email>\" (default: the CI's)\n"
"      --token-file FILE   the token (default: $GITHUB_TOKEN, $GITLAB_TOKEN,\n"
"                          $GITEA_TOKEN by forge)\n"
"      --max-wait DURATION bound on rate-limit and retry waits (60s)\n"
"      --dry-run           print the diff and the requests; send nothing\n"
"  -e, --env NAME          the value of KEY NAME is $NAME (never printed)\n"
"  -v, --value KEY=VALUE   a value (kyml's syntax)\n"
"      --values FILE       a YAML map of KEY: value (repeatable)\n"
"      --kyml              kyml's canonical output\n"
"      --allow-empty       render unset and empty values as \"\"\n"
"      --strict            template warnings fail (exit 9)\n"
"  -h, --help              show this help\n"
"      --version           show the version\n"
"\n"
"Exit status: 0 ok (also \"up to date\" and an existing pull request),\n"
"1 runtime failure (git, network, 5xx), 2 usage, 3 not found, 4 conflict\n"
"(409, 422, push rejected), 5 unauthorized, 8 invalid template, 9 warnings\n"
"with --strict. See pipeline-pr(1).\n");
}

enum {
	OPT_ENV_REPO = 256,
	OPT_TEMPLATE,
	OPT_TAG,
	OPT_APP,
	OPT_DEST,
	OPT_BASE,
	OPT_BRANCH,
	OPT_TITLE,
	OPT_MESSAGE,
	OPT_BODY,
	OPT_LABEL,
	OPT_REVIEWER,
	OPT_DRAFT,
	OPT_DIRECT,
	OPT_REMOVE,
	OPT_MERGE,
	OPT_FORGE,
	OPT_API_URL,
	OPT_FORGE_REPO,
	OPT_AUTHOR,
	OPT_TOKEN_FILE,
	OPT_MAX_WAIT,
	OPT_DRY_RUN,
	OPT_VALUES,
	OPT_KYML,
	OPT_ALLOW_EMPTY,
	OPT_STRICT,
	OPT_VERSION,
};

static const struct option ppr_longopts[] = {
	{ "env-repo", required_argument, NULL, OPT_ENV_REPO },
	{ "template", required_argument, NULL, OPT_TEMPLATE },
	{ "tag", required_argument, NULL, OPT_TAG },
	{ "app", required_argument, NULL, OPT_APP },
	{ "dest", required_argument, NULL, OPT_DEST },
	{ "base", required_argument, NULL, OPT_BASE },
	{ "branch", required_argument, NULL, OPT_BRANCH },
	{ "title", required_argument, NULL, OPT_TITLE },
	{ "message", required_argument, NULL, OPT_MESSAGE },
	{ "body", required_argument, NULL, OPT_BODY },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "reviewer", required_argument, NULL, OPT_REVIEWER },
	{ "draft", optional_argument, NULL, OPT_DRAFT },
	{ "direct", optional_argument, NULL, OPT_DIRECT },
	{ "remove", optional_argument, NULL, OPT_REMOVE },
	{ "merge", optional_argument, NULL, OPT_MERGE },
	{ "output", required_argument, NULL, 'o' },
	{ "forge", required_argument, NULL, OPT_FORGE },
	{ "api-url", required_argument, NULL, OPT_API_URL },
	{ "forge-repo", required_argument, NULL, OPT_FORGE_REPO },
	{ "author", required_argument, NULL, OPT_AUTHOR },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "max-wait", required_argument, NULL, OPT_MAX_WAIT },
	{ "dry-run", optional_argument, NULL, OPT_DRY_RUN },
	{ "env", required_argument, NULL, 'e' },
	{ "value", required_argument, NULL, 'v' },
	{ "values", required_argument, NULL, OPT_VALUES },
	{ "kyml", optional_argument, NULL, OPT_KYML },
	{ "allow-empty", optional_argument, NULL, OPT_ALLOW_EMPTY },
	{ "strict", optional_argument, NULL, OPT_STRICT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

struct ppr_opts {
	const char *env_repo, *template, *tag, *app, *dest, *base, *branch;
	const char *title, *message, *body, *output, *forge, *api_url;
	const char *forge_repo, *author, *token_file;
	const char **labels, **reviewers, **envs, **args, **vfiles;
	int nlabels, nreviewers, nenvs, nargs, nvfiles;
	long long max_wait_ms;
	bool draft, direct, remove, merge, dry_run, json, strict;
	unsigned tflags;
};

/* The run's state: what the steps share and what the output reports. */
struct ppr {
	struct ppr_opts o;
	struct ci_env ci;
	struct forge_url url;
	char *clean_url;     /* the remote without a password */
	char *app, *tag, *dest, *branch, *title, *message;
	char *author_name, *author_email;
	char *token;         /* never printed */
	enum forge_kind kind;
	char *api, *forge_repo;
	struct buf rendered;
	char *tmpdir, *clone;
	struct gitrun git;
	struct forge *forge;
	/* the outcome */
	const char *action;  /* created, exists, updated, pushed, merged,
			      * up-to-date, dry-run */
	char *commit, *merged;
	struct forge_pr pr;
	struct buf dry;      /* --dry-run: the diff, the push, the requests */
	const char *step;    /* the step running, for messages */
};

/* ---- messages: every one goes through here, the token scrubbed ---- */

static const char *ppr_secret;

static void
ppr_redact(struct buf *b)
{
	if (!ppr_secret || !ppr_secret[0]) {
		return;
	}
	size_t n = strlen(ppr_secret);
	for (;;) {
		char *p = strstr(b->buf, ppr_secret);
		if (!p) {
			break;
		}
		struct buf r = BUF_INIT;
		buf_add(&r, b->buf, (size_t)(p - b->buf));
		buf_adds(&r, "***");
		buf_adds(&r, p + n);
		buf_release(b);
		*b = r;
	}
}

static int
ppr_fail(struct ppr *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "pipeline-pr: error: STEP: ..." and the exit code for kind code. */
static int
ppr_fail(struct ppr *r, int code, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	if (r && r->step) {
		buf_addf(&b, "%s: ", r->step);
	}
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	ppr_redact(&b);
	msg_error("%s", b.buf);
	buf_release(&b);
	return err_exit_code(code);
}

static void
ppr_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
ppr_progress(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	ppr_redact(&b);
	fflush(stdout);
	fprintf(stderr, "pipeline-pr: %s\n", b.buf);
	buf_release(&b);
}

static void
ppr_forge_note(void *arg, const char *msg)
{
	(void)arg;
	ppr_progress("%s", msg);
}

/* ---- the temporary directory, removed whatever happens ---- */

static char *ppr_tmp_path;

static void
ppr_on_signal(int sig)
{
	pid_t child = (pid_t)gitrun_child;
	if (child > 0) {
		kill(child, SIGTERM);
		waitpid(child, NULL, 0);
	}
	if (ppr_tmp_path) {
		/* fork, execve and waitpid are async-signal-safe */
		pid_t pid = fork();
		if (pid == 0) {
			char *const argv[] = { (char *)"rm", (char *)"-rf",
					       (char *)"--", ppr_tmp_path,
					       NULL };
			char *const envp[] = { NULL };
			execve("/bin/rm", argv, envp);
			_exit(127);
		}
		if (pid > 0) {
			waitpid(pid, NULL, 0);
		}
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static int
ppr_mktemp(struct ppr *r)
{
	const char *base = getenv("TMPDIR");
	struct buf b = BUF_INIT;
	buf_addf(&b, "%s/pipeline-pr.XXXXXX", base && *base ? base : "/tmp");
	/* mkdtemp makes it 0700: the clone (and git's files) are private */
	if (!mkdtemp(b.buf)) {
		int err = errno;
		int rc = ppr_fail(r, PD_ERUNTIME, "cannot create a temporary "
				  "directory in '%s': %s",
				  base && *base ? base : "/tmp", strerror(err));
		buf_release(&b);
		return rc;
	}
	r->tmpdir = buf_detach(&b, NULL);
	ppr_tmp_path = r->tmpdir;
	struct buf c = BUF_INIT;
	buf_addf(&c, "%s/repo", r->tmpdir);
	r->clone = buf_detach(&c, NULL);
	return 0;
}

static void
ppr_rmtemp(struct ppr *r)
{
	if (r->tmpdir) {
		sigset_t all, old;
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, &old);
		gitrun_rmtree(r->tmpdir);
		ppr_tmp_path = NULL;
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
}

/* ---- git ---- */

/* The exit kind git's stderr suggests. */
static int
ppr_git_kind(const struct gitrun *g)
{
	const char *s = g->errout.buf;
	if (strstr(s, "Authentication failed") ||
	    strstr(s, "could not read Username") ||
	    strstr(s, "could not read Password") ||
	    strstr(s, "error: 401") || strstr(s, "error: 403") ||
	    strstr(s, "returned error: 401") ||
	    strstr(s, "returned error: 403") ||
	    strstr(s, "Permission denied") || strstr(s, "not authorized")) {
		return PD_EAUTH;
	}
	/* push --porcelain writes its refs' fate to stdout */
	const char *o = g->out.buf;
	if (strstr(s, "[rejected]") || strstr(s, "stale info") ||
	    (o && (strstr(o, "[rejected]") || strstr(o, "stale info") ||
		   strstr(o, "[remote rejected]"))) ||
	    strstr(s, "non-fast-forward") || strstr(s, "fetch first") ||
	    strstr(s, "[remote rejected]")) {
		return PD_ECONFLICT;
	}
	if (strstr(s, "not found") || strstr(s, "does not exist") ||
	    strstr(s, "returned error: 404") ||
	    strstr(s, "does not appear to be a git repository")) {
		return PD_ENOTFOUND;
	}
	return PD_ERUNTIME;
}

/* Run git in the clone (dir NULL: no -C); on failure print the step's
 * error and return its exit code (quiet: return -1 without printing). */
static int
ppr_git(struct ppr *r, const char *dir, int quiet, const char *const *args)
{
	struct pd_err e = { 0 };
	if (gitrun_run(&r->git, dir, args, &e) == 0) {
		return 0;
	}
	if (quiet) {
		return -1;
	}
	struct buf why = BUF_INIT;
	gitrun_last_error(&r->git, &why);
	int code = r->git.status < 0 ? PD_ERUNTIME : ppr_git_kind(&r->git);
	int rc = r->git.status < 0 ? ppr_fail(r, code, "%s", e.msg)
				   : ppr_fail(r, code, "git %s: %s", args[0],
					      why.buf);
	buf_release(&why);
	return rc;
}

/* git's first line of stdout, trimmed (malloc()ed; "" when none). */
static char *
ppr_git_line(const struct ppr *r)
{
	size_t n = strcspn(r->git.out.buf, "\r\n");
	char *s = xmalloc(n + 1);
	memcpy(s, r->git.out.buf, n);
	s[n] = '\0';
	return s;
}

/* The dest path must stay inside the repository. */
static int
ppr_dest_ok(const char *p)
{
	if (!*p || p[0] == '/') {
		return 0;
	}
	const char *s = p;
	while (*s) {
		size_t n = strcspn(s, "/");
		if ((n == 2 && strncmp(s, "..", 2) == 0) ||
		    (n == 4 && strncmp(s, ".git", 4) == 0 && s == p) ||
		    n == 0) {
			return 0;
		}
		s += n;
		if (*s == '/') {
			s++;
			if (!*s) {
				return 0;
			}
		}
	}
	return 1;
}

static int
ppr_mkdirs(const char *path)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, path);
	for (char *p = b.buf + 1; *p; p++) {
		if (*p != '/') {
			continue;
		}
		*p = '\0';
		if (mkdir(b.buf, 0777) < 0 && errno != EEXIST) {
			int err = errno;
			buf_release(&b);
			errno = err;
			return -1;
		}
		*p = '/';
	}
	buf_release(&b);
	return 0;
}

/* Write (or remove) the file in the clone and stage it: 0 with *changed
 * telling whether the index now differs from HEAD, or an exit code. */
static int
ppr_apply(struct ppr *r, int *changed)
{
	struct buf path = BUF_INIT;
	buf_addf(&path, "%s/%s", r->clone, r->dest);
	r->step = r->o.remove ? "remove" : "write";
	if (r->o.remove) {
		/* the index too; a file that is not there is no change */
		const char *rm[] = { "rm", "--quiet", "--ignore-unmatch", "--",
				     r->dest, NULL };
		int rc = ppr_git(r, r->clone, 0, rm);
		if (rc) {
			buf_release(&path);
			return rc;
		}
	} else {
		struct pd_err e = { 0 };
		if (ppr_mkdirs(path.buf) < 0) {
			int err = errno;
			int rc = ppr_fail(r, PD_ERUNTIME, "cannot create the "
					  "directory of '%s': %s", r->dest,
					  strerror(err));
			buf_release(&path);
			return rc;
		}
		if (atomicfile_write(path.buf, r->rendered.buf, r->rendered.len,
				     -1, &e) < 0) {
			int rc = ppr_fail(r, e.code, "%s", e.msg);
			buf_release(&path);
			return rc;
		}
	}
	buf_release(&path);
	r->step = "commit";
	if (!r->o.remove) {
		const char *add[] = { "add", "--all", "--", r->dest, NULL };
		int rc = ppr_git(r, r->clone, 0, add);
		if (rc) {
			return rc;
		}
	}
	const char *diff[] = { "diff", "--cached", "--quiet", NULL };
	struct pd_err e = { 0 };
	int d = gitrun_run(&r->git, r->clone, diff, &e);
	if (d < 0 && r->git.status != 1) {
		return ppr_fail(r, PD_ERUNTIME, "%s", e.msg);
	}
	*changed = d < 0;
	return 0;
}

static int
ppr_commit(struct ppr *r)
{
	r->step = "commit";
	const char *commit[] = { "commit", "--quiet", "--no-verify",
				 "--message", r->message, NULL };
	int rc = ppr_git(r, r->clone, 0, commit);
	if (rc) {
		return rc;
	}
	const char *head[] = { "rev-parse", "HEAD", NULL };
	rc = ppr_git(r, r->clone, 0, head);
	if (rc) {
		return rc;
	}
	free(r->commit);
	r->commit = ppr_git_line(r);
	return 0;
}

/* The remote's sha of refs/heads/NAME (malloc()ed; "" when absent), or
 * NULL after printing the error (*rc set). */
static char *
ppr_remote_sha(struct ppr *r, const char *name, int *rc)
{
	struct buf ref = BUF_INIT;
	buf_addf(&ref, "refs/heads/%s", name);
	const char *ls[] = { "ls-remote", "--", "origin", ref.buf, NULL };
	*rc = ppr_git(r, r->clone, 0, ls);
	buf_release(&ref);
	if (*rc) {
		return NULL;
	}
	char *line = ppr_git_line(r);
	line[strcspn(line, " \t")] = '\0';
	return line;
}

static int
ppr_clone(struct ppr *r)
{
	r->step = "clone";
	ppr_progress("clone: %s (%s)", r->clean_url, r->o.base);
	const char *clone[] = { "clone", "--quiet", "--depth", "1",
				"--single-branch", "--no-tags", "--branch",
				r->o.base, "--", r->clean_url, r->clone, NULL };
	int rc = ppr_git(r, NULL, 1, clone);
	if (rc == 0) {
		return 0;
	}
	struct buf why = BUF_INIT;
	gitrun_last_error(&r->git, &why);
	int code = ppr_git_kind(&r->git);
	if (strstr(r->git.errout.buf, "Remote branch") &&
	    strstr(r->git.errout.buf, "not found")) {
		rc = ppr_fail(r, PD_ENOTFOUND, "branch '%s' not found in '%s'",
			      r->o.base, r->clean_url);
	} else {
		rc = ppr_fail(r, code, "'%s': %s", r->clean_url, why.buf);
	}
	buf_release(&why);
	return rc;
}

/* Push the branch when its tree differs from the remote's. The first
 * try assumes a new branch (a lease on its absence: one round trip for a
 * first release); when the branch exists, its tree is compared. */
static int
ppr_push_branch(struct ppr *r)
{
	r->step = "push";
	int rc = 0;
	struct buf first = BUF_INIT, fdst = BUF_INIT;
	buf_addf(&first, "--force-with-lease=refs/heads/%s:", r->branch);
	buf_addf(&fdst, "HEAD:refs/heads/%s", r->branch);
	ppr_progress("push: %s -> %s", r->branch, r->clean_url);
	/* --porcelain: a ref already at HEAD ("=", a re-run that made the
	 * same commit within the same second) is pushed without checking
	 * the lease; it exists, nothing was created */
	const char *push1[] = { "push", "--porcelain", "--no-verify",
				first.buf, "origin", fdst.buf, NULL };
	rc = ppr_git(r, r->clone, 1, push1);
	buf_release(&first);
	buf_release(&fdst);
	if (rc == 0) {
		const char *o = r->git.out.buf;
		bool same = !strncmp(o, "=\t", 2) || strstr(o, "\n=\t");
		if (same) {
			ppr_progress("push: branch '%s' already up to date",
				     r->branch);
		}
		r->action = same ? "exists" : "created";
		return 0;
	}
	if (ppr_git_kind(&r->git) != PD_ECONFLICT) {
		struct buf why = BUF_INIT;
		gitrun_last_error(&r->git, &why);
		rc = ppr_fail(r, ppr_git_kind(&r->git), "git push: %s",
			      why.buf);
		buf_release(&why);
		return rc;
	}
	char *remote = ppr_remote_sha(r, r->branch, &rc);
	if (!remote) {
		return rc;
	}
	struct buf lease = BUF_INIT, dst = BUF_INIT, track = BUF_INIT;
	buf_addf(&dst, "HEAD:refs/heads/%s", r->branch);
	if (remote[0]) {
		buf_addf(&track, "+refs/heads/%s:refs/remotes/origin/%s",
			 r->branch, r->branch);
		const char *fetch[] = { "fetch", "--quiet", "--depth", "1",
					"--no-tags", "origin", track.buf, NULL };
		rc = ppr_git(r, r->clone, 0, fetch);
		if (rc) {
			goto out;
		}
		buf_reset(&track);
		buf_addf(&track, "refs/remotes/origin/%s", r->branch);
		const char *rs[] = { "rev-parse", track.buf, NULL };
		rc = ppr_git(r, r->clone, 0, rs);
		if (rc) {
			goto out;
		}
		free(remote);
		remote = ppr_git_line(r);
		buf_addf(&track, "^{tree}");
		const char *rt[] = { "rev-parse", track.buf, "HEAD^{tree}",
				     NULL };
		rc = ppr_git(r, r->clone, 0, rt);
		if (rc) {
			goto out;
		}
		const char *t1 = r->git.out.buf;
		const char *nl = strchr(t1, '\n');
		if (nl && strncmp(t1, nl + 1, (size_t)(nl - t1)) == 0) {
			ppr_progress("push: branch '%s' already up to date",
				     r->branch);
			free(r->commit);
			r->commit = xstrdup(remote);
			r->action = "exists";
			goto out;
		}
	}
	buf_addf(&lease, "--force-with-lease=refs/heads/%s:%s", r->branch,
		 remote);
	ppr_progress("push: branch '%s' exists, updating it", r->branch);
	const char *push[] = { "push", "--quiet", "--no-verify", lease.buf,
			       "origin", dst.buf, NULL };
	rc = ppr_git(r, r->clone, 0, push);
	r->action = remote[0] ? "updated" : "created";
out:
	free(remote);
	buf_release(&lease);
	buf_release(&dst);
	buf_release(&track);
	return rc;
}

/* --direct: push to the base; when it moved, fetch, apply again, retry. */
static int
ppr_push_direct(struct ppr *r)
{
	struct buf dst = BUF_INIT, track = BUF_INIT;
	buf_addf(&dst, "HEAD:refs/heads/%s", r->o.base);
	buf_addf(&track, "+refs/heads/%s:refs/remotes/origin/%s", r->o.base,
		 r->o.base);
	int rc = 0;
	for (int attempt = 1;; attempt++) {
		r->step = "push";
		ppr_progress("push: %s -> %s", r->o.base, r->clean_url);
		const char *push[] = { "push", "--quiet", "--no-verify",
				       "origin", dst.buf, NULL };
		if (ppr_git(r, r->clone, 1, push) == 0) {
			r->action = "pushed";
			break;
		}
		if (ppr_git_kind(&r->git) != PD_ECONFLICT ||
		    attempt >= PPR_DIRECT_ATTEMPTS) {
			struct buf why = BUF_INIT;
			gitrun_last_error(&r->git, &why);
			rc = ppr_fail(r, ppr_git_kind(&r->git), "git push: %s%s",
				      why.buf,
				      attempt > 1 ? " (after retries)" : "");
			buf_release(&why);
			break;
		}
		ppr_progress("push: '%s' moved, fetching it and trying again "
			     "(%d/%d)", r->o.base, attempt + 1,
			     PPR_DIRECT_ATTEMPTS);
		r->step = "fetch";
		const char *fetch[] = { "fetch", "--quiet", "--depth", "1",
					"--no-tags", "origin", track.buf, NULL };
		rc = ppr_git(r, r->clone, 0, fetch);
		if (rc) {
			break;
		}
		struct buf rb = BUF_INIT;
		buf_addf(&rb, "refs/remotes/origin/%s", r->o.base);
		const char *reset[] = { "reset", "--quiet", "--hard", rb.buf,
					NULL };
		rc = ppr_git(r, r->clone, 0, reset);
		buf_release(&rb);
		if (rc) {
			break;
		}
		int changed = 0;
		rc = ppr_apply(r, &changed);
		if (rc) {
			break;
		}
		if (!changed) {
			r->action = "up-to-date";
			break;
		}
		rc = ppr_commit(r);
		if (rc) {
			break;
		}
	}
	buf_release(&dst);
	buf_release(&track);
	return rc;
}

/* ---- the forge ---- */

static int
ppr_forge_fail(struct ppr *r, const struct pd_err *e)
{
	return ppr_fail(r, e->code, "%s: %s", forge_kind_name(r->kind),
			e->msg);
}

static int
ppr_pull_request(struct ppr *r)
{
	r->step = "pull request";
	struct forge_pr_opts po = {
		.head = r->branch,
		.base = r->o.base,
		.title = r->title,
		.body = r->o.body,
		.labels = r->o.labels,
		.reviewers = r->o.reviewers,
		.draft = r->o.draft,
	};
	struct pd_err e = { 0 };
	if (forge_create_pr(r->forge, &po, &r->pr, &e) < 0) {
		return ppr_forge_fail(r, &e);
	}
	if (r->pr.existed) {
		ppr_progress("pull request: already open: %s",
			     r->pr.url ? r->pr.url : "");
		if (strcmp(r->action, "created") == 0) {
			r->action = "updated";
		}
	} else if (!r->o.dry_run) {
		ppr_progress("pull request: opened %s",
			     r->pr.url ? r->pr.url : "");
		r->action = "created";
	}
	if (!r->o.merge) {
		return 0;
	}
	r->step = "merge";
	char *sha = NULL;
	if (forge_merge_pr(r->forge, &r->pr, &sha, &e) < 0) {
		return ppr_forge_fail(r, &e);
	}
	if (!sha && !r->o.dry_run) {
		int rc = 0;
		sha = ppr_remote_sha(r, r->o.base, &rc);
		if (!sha) {
			return rc;
		}
	}
	r->merged = sha;
	if (!r->o.dry_run) {
		r->action = "merged";
		ppr_progress("merge: %s", sha ? sha : "");
	}
	return 0;
}

/* ---- the outputs ---- */

static void
ppr_output(struct ppr *r)
{
	if (r->o.json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "action", r->action);
		if (!r->o.direct) {
			cJSON_AddStringToObject(j, "branch", r->branch);
		} else {
			cJSON_AddStringToObject(j, "branch", r->o.base);
		}
		if (r->commit) {
			cJSON_AddStringToObject(j, "commit", r->commit);
		}
		if (r->pr.number > 0) {
			cJSON_AddNumberToObject(j, "number", (double)r->pr.number);
		}
		if (r->pr.url) {
			cJSON_AddStringToObject(j, "url", r->pr.url);
		}
		if (r->merged) {
			cJSON_AddStringToObject(j, "merged", r->merged);
		}
		if (r->o.dry_run && r->dry.len) {
			cJSON_AddStringToObject(j, "dryRun", r->dry.buf);
		}
		struct buf b = BUF_INIT;
		json_write(&b, j);
		printf("%s\n", b.buf);
		buf_release(&b);
		cJSON_Delete(j);
		return;
	}
	if (strcmp(r->action, "dry-run") == 0) {
		fwrite(r->dry.buf, 1, r->dry.len, stdout);
	} else if (strcmp(r->action, "up-to-date") == 0) {
		printf("up to date\n");
	} else if (r->merged) {
		printf("%s\n", r->merged);
	} else if (r->pr.url) {
		printf("%s\n", r->pr.url);
	} else if (r->commit) {
		printf("%s\n", r->commit);
	}
}

/* ---- set-up ---- */

struct ppr_diag {
	struct ppr *r;
	unsigned warnings;
};

static void
ppr_tmpl_diag(void *arg, const struct tmpl_diag *d)
{
	struct ppr_diag *pd = arg;
	struct buf b = BUF_INIT;
	if (d->file && d->line && d->col) {
		buf_addf(&b, "%s:%ld:%ld: ", d->file, d->line, d->col);
	} else if (d->file && d->line) {
		buf_addf(&b, "%s:%ld: ", d->file, d->line);
	} else if (d->file) {
		buf_addf(&b, "%s: ", d->file);
	}
	buf_adds(&b, d->msg);
	if (d->severity == TMPL_ERROR) {
		msg_error("render: %s", b.buf);
	} else {
		pd->warnings++;
		msg_warn("render: %s", b.buf);
	}
	buf_release(&b);
	(void)pd->r;
}

static int
ppr_write_buf(void *arg, const void *p, size_t n)
{
	return buf_add(arg, p, n);
}

static int
ppr_render(struct ppr *r)
{
	r->step = "render";
	struct tmpl_values *vals = tmpl_values_new();
	struct pd_err e = { 0 };
	int rc = 0;
	/* IMAGE_TAG=<tag> is the default: --values, -v and -e may replace
	 * it (all of them come later or from a higher origin) */
	tmpl_values_set(vals, "IMAGE_TAG", r->tag, TMPL_FROM_FILE);
	if (tmpl_values_collect(vals, r->o.vfiles, r->o.args, r->o.envs,
				&e) < 0) {
		rc = ppr_fail(r, e.code, "%s", e.msg);
		tmpl_values_free(vals);
		return rc;
	}
	struct buf tpl = BUF_INIT;
	if (buf_read_file(&tpl, r->o.template) < 0) {
		int err = errno;
		rc = ppr_fail(r, err == ENOENT ? PD_ENOTFOUND : PD_ERUNTIME,
			      "cannot read '%s': %s", r->o.template,
			      strerror(err));
		tmpl_values_free(vals);
		return rc;
	}
	struct ppr_diag pd = { r, 0 };
	struct tmpl_opts to;
	memset(&to, 0, sizeof(to));
	to.flags = r->o.tflags;
	to.diag = ppr_tmpl_diag;
	to.diag_arg = &pd;
	to.write = ppr_write_buf;
	to.write_arg = &r->rendered;
	struct tmpl_render *tr = tmpl_render_new(vals, &to);
	int res = tmpl_render_mem(tr, tpl.buf, tpl.len, r->o.template, &e);
	if (res == 0) {
		res = tmpl_render_finish(tr, &e);
	}
	if (res < 0) {
		unsigned errors = 0;
		tmpl_render_counts(tr, &errors, NULL, NULL);
		if (res != -PD_EINVALID || !errors) {
			rc = ppr_fail(r, -res, "%s", e.msg);
		} else {
			rc = err_exit_code(res);
		}
	} else if (r->o.strict && pd.warnings) {
		rc = ppr_fail(r, PD_EFINDINGS, "%u warning%s with --strict",
			      pd.warnings, pd.warnings == 1 ? "" : "s");
	}
	tmpl_render_free(tr);
	tmpl_values_free(vals);
	buf_release(&tpl);
	return rc;
}

static char *
ppr_read_token(struct ppr *r)
{
	if (r->o.token_file) {
		struct buf b = BUF_INIT;
		if (buf_read_file(&b, r->o.token_file) < 0) {
			int err = errno;
			ppr_fail(NULL, PD_EUSAGE, "cannot read '%s': %s",
				 r->o.token_file, strerror(err));
			buf_release(&b);
			return NULL;
		}
		buf_trim(&b);
		return buf_detach(&b, NULL);
	}
	const char *name = r->kind == FORGE_GITLAB  ? "GITLAB_TOKEN"
			   : r->kind == FORGE_GITEA ? "GITEA_TOKEN"
						    : "GITHUB_TOKEN";
	const char *v = getenv(name);
	if ((!v || !*v) && r->kind == FORGE_GITEA) {
		v = getenv("FORGEJO_TOKEN");
	}
	if ((!v || !*v) && r->kind == FORGE_NONE) {
		v = getenv("GITLAB_TOKEN");
		if (!v || !*v) {
			v = getenv("GITEA_TOKEN");
		}
	}
	return xstrdup(v && *v ? v : "");
}

static char *
ppr_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
ppr_strf(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	return buf_detach(&b, NULL);
}

/* Defaults, the forge, the token, the author: a usage error (2) when the
 * run cannot be made. */
static int
ppr_setup(struct ppr *r)
{
	struct ppr_opts *o = &r->o;
	struct pd_err e = { 0 };
	ci_env_read(&r->ci, NULL);
	if (!o->env_repo) {
		return ppr_fail(NULL, PD_EUSAGE, "--env-repo is required (see "
				"'pipeline-pr --help')");
	}
	if (forge_url_parse(o->env_repo, &r->url, &e) < 0) {
		/* the URL may hold a password: not quoted */
		return ppr_fail(NULL, PD_EUSAGE, "--env-repo: %s", e.msg);
	}
	r->clean_url = forge_url_clean(&r->url);
	const char *app = o->app ? o->app : r->ci.app;
	const char *tag = o->tag ? o->tag : r->ci.short_sha;
	if (!app) {
		return ppr_fail(NULL, PD_EUSAGE, "--app is required outside CI "
				"(no CF_REPO_NAME, CI_PROJECT_NAME or "
				"GITHUB_REPOSITORY)");
	}
	if (!o->remove && !o->template) {
		return ppr_fail(NULL, PD_EUSAGE, "--template is required");
	}
	if (!o->remove && !tag) {
		return ppr_fail(NULL, PD_EUSAGE, "--tag is required outside CI "
				"(no CF_SHORT_REVISION, CI_COMMIT_SHORT_SHA or "
				"GITHUB_SHA)");
	}
	if (o->direct && o->merge) {
		return ppr_fail(NULL, PD_EUSAGE, "--direct and --merge exclude "
				"each other");
	}
	if (o->output && strcmp(o->output, "json") != 0) {
		return ppr_fail(NULL, PD_EUSAGE, "unknown output format '%s' "
				"(json)", o->output);
	}
	r->app = xstrdup(app);
	r->tag = tag ? xstrdup(tag) : NULL;
	r->dest = o->dest ? xstrdup(o->dest)
			  : ppr_strf("helm/templates/%s.yaml", app);
	if (!ppr_dest_ok(r->dest)) {
		return ppr_fail(NULL, PD_EUSAGE, "--dest '%s' must be a relative "
				"path inside the repository", r->dest);
	}
	if (o->branch) {
		r->branch = xstrdup(o->branch);
	} else if (tag) {
		r->branch = ppr_strf("%s-%s", app, tag);
	} else {
		r->branch = ppr_strf("%s-remove", app);
	}
	if (o->remove) {
		r->title = o->title ? xstrdup(o->title)
				    : ppr_strf("Removing %s", app);
		r->message = o->message ? xstrdup(o->message)
					: ppr_strf("Removing %s", app);
	} else {
		r->title = o->title ? xstrdup(o->title)
				    : ppr_strf("%s from %s", tag, app);
		r->message = o->message ? xstrdup(o->message)
					: ppr_strf("Adding commit %s from %s",
						   tag, app);
	}
	if (strcmp(r->branch, o->base) == 0 && !o->direct) {
		return ppr_fail(NULL, PD_EUSAGE, "the branch '%s' is the base "
				"(use --direct to push to it)", r->branch);
	}
	/* the forge */
	if (o->forge) {
		r->kind = forge_kind_parse(o->forge);
		if (r->kind == FORGE_NONE) {
			return ppr_fail(NULL, PD_EUSAGE, "unknown forge '%s' "
					"(github, gitlab, gitea)", o->forge);
		}
	} else {
		r->kind = forge_kind_guess(r->url.host);
	}
	r->forge_repo = xstrdup(o->forge_repo ? o->forge_repo
			       : r->url.repo ? r->url.repo : "");
	if (o->api_url) {
		r->api = xstrdup(o->api_url);
	} else {
		r->api = forge_api_default(r->kind, &r->url);
	}
	if (!o->direct) {
		if (r->kind == FORGE_NONE) {
			return ppr_fail(NULL, PD_EUSAGE, "cannot tell the forge of "
					"'%s': use --forge (or --direct)",
					r->clean_url);
		}
		if (!r->api) {
			return ppr_fail(NULL, PD_EUSAGE, "cannot tell the API of "
					"'%s': use --api-url", r->clean_url);
		}
		if (!r->forge_repo[0] || !strchr(r->forge_repo, '/')) {
			return ppr_fail(NULL, PD_EUSAGE, "cannot tell OWNER/NAME "
					"from '%s': use --forge-repo",
					r->clean_url);
		}
	}
	/* the token */
	r->token = ppr_read_token(r);
	if (!r->token) {
		return PD_EXIT_USAGE;
	}
	if (!r->token[0] && r->url.password) {
		free(r->token);
		r->token = xstrdup(r->url.password);
	}
	ppr_secret = r->token;
	if (!o->direct && !o->dry_run && !r->token[0]) {
		return ppr_fail(NULL, PD_EUSAGE, "no token for the %s API: set "
				"%s or use --token-file",
				forge_kind_name(r->kind),
				r->kind == FORGE_GITLAB  ? "GITLAB_TOKEN"
				: r->kind == FORGE_GITEA ? "GITEA_TOKEN"
							 : "GITHUB_TOKEN");
	}
	/* the author */
	if (o->author) {
		if (ci_env_author_parse(o->author, &r->author_name,
					&r->author_email, &e) < 0) {
			return ppr_fail(NULL, PD_EUSAGE, "--author: %s", e.msg);
		}
	} else if (r->ci.author_name) {
		r->author_name = xstrdup(r->ci.author_name);
		r->author_email = xstrdup(r->ci.author_email
						  ? r->ci.author_email
						  : "pipeline-pr@localhost");
	}
	if (r->author_name) {
		gitrun_setenv(&r->git, "GIT_AUTHOR_NAME", r->author_name);
		gitrun_setenv(&r->git, "GIT_AUTHOR_EMAIL", r->author_email);
	}
	const char *cn = getenv("GIT_COMMITTER_NAME");
	const char *ce = getenv("GIT_COMMITTER_EMAIL");
	if (!cn || !*cn) {
		gitrun_setenv(&r->git, "GIT_COMMITTER_NAME",
			      r->author_name ? r->author_name : "pipeline-pr");
	}
	if (!ce || !*ce) {
		gitrun_setenv(&r->git, "GIT_COMMITTER_EMAIL",
			      r->author_email ? r->author_email
					      : "pipeline-pr@localhost");
	}
	const char *an = getenv("GIT_AUTHOR_NAME");
	if (!r->author_name && (!an || !*an)) {
		gitrun_setenv(&r->git, "GIT_AUTHOR_NAME", "pipeline-pr");
		gitrun_setenv(&r->git, "GIT_AUTHOR_EMAIL",
			      "pipeline-pr@localhost");
	}
	if (r->token[0] && (strcmp(r->url.scheme, "https") == 0 ||
			    strcmp(r->url.scheme, "http") == 0)) {
		gitrun_auth_env(&r->git, r->kind == FORGE_GITLAB
						 ? "oauth2" : "x-access-token",
				r->token);
	}
	if (!o->direct) {
		struct buf ua = BUF_INIT;
		buf_addf(&ua, "pipeline-pr/%s", PDKIT_VERSION);
		r->forge = forge_new(r->kind, r->api, r->forge_repo,
				     r->token[0] ? r->token : NULL, ua.buf);
		buf_release(&ua);
		r->forge->max_wait_ms = (long)o->max_wait_ms;
		r->forge->dry_run = o->dry_run;
		r->forge->note = ppr_forge_note;
	}
	return 0;
}

/* The steps after the set-up. */
static int
ppr_run(struct ppr *r)
{
	int rc = 0;
	if (!r->o.remove) {
		rc = ppr_render(r);
		if (rc) {
			return rc;
		}
	}
	rc = ppr_mktemp(r);
	if (rc) {
		return rc;
	}
	rc = ppr_clone(r);
	if (rc) {
		return rc;
	}
	if (!r->o.direct) {
		/* the branch starts at the base */
		r->step = "branch";
		const char *co[] = { "checkout", "--quiet", "-B", r->branch,
				     NULL };
		rc = ppr_git(r, r->clone, 0, co);
		if (rc) {
			return rc;
		}
	}
	int changed = 0;
	rc = ppr_apply(r, &changed);
	if (rc) {
		return rc;
	}
	if (!changed) {
		ppr_progress("%s: '%s' is already as rendered in '%s'",
			     r->o.remove ? "remove" : "render", r->dest,
			     r->o.base);
		r->action = "up-to-date";
		return 0;
	}
	if (r->o.dry_run) {
		r->step = "diff";
		const char *diff[] = { "diff", "--cached", "--no-color", NULL };
		rc = ppr_git(r, r->clone, 0, diff);
		if (rc) {
			return rc;
		}
		buf_add(&r->dry, r->git.out.buf, r->git.out.len);
		buf_addf(&r->dry, "git push %s HEAD:refs/heads/%s%s\n",
			 r->clean_url, r->o.direct ? r->o.base : r->branch,
			 r->o.direct ? "" : " (force-with-lease)");
		r->action = "dry-run";
		if (!r->o.direct) {
			rc = ppr_pull_request(r);
			buf_add(&r->dry, r->forge->dry_log.buf,
				r->forge->dry_log.len);
		}
		return rc;
	}
	rc = ppr_commit(r);
	if (rc) {
		return rc;
	}
	if (r->o.direct) {
		return ppr_push_direct(r);
	}
	rc = ppr_push_branch(r);
	if (rc) {
		return rc;
	}
	return ppr_pull_request(r);
}

static void
ppr_release(struct ppr *r)
{
	ppr_rmtemp(r);
	free(r->tmpdir);
	free(r->clone);
	ppr_tmp_path = NULL;
	ci_env_release(&r->ci);
	forge_url_release(&r->url);
	free(r->clean_url);
	free(r->app);
	free(r->tag);
	free(r->dest);
	free(r->branch);
	free(r->title);
	free(r->message);
	free(r->author_name);
	free(r->author_email);
	if (r->token) {
		explicit_bzero(r->token, strlen(r->token));
	}
	free(r->token);
	ppr_secret = NULL;
	free(r->api);
	free(r->forge_repo);
	buf_release(&r->rendered);
	buf_release(&r->dry);
	gitrun_release(&r->git);
	forge_free(r->forge);
	free(r->commit);
	free(r->merged);
	forge_pr_release(&r->pr);
	free(r->o.labels);
	free(r->o.reviewers);
	free(r->o.envs);
	free(r->o.args);
	free(r->o.vfiles);
}

int
main(int argc, char **argv)
{
	msg_set_prog("pipeline-pr");
	struct ppr r;
	memset(&r, 0, sizeof(r));
	buf_init(&r.rendered, 0);
	buf_init(&r.dry, 0);
	gitrun_init(&r.git);
	struct ppr_opts *o = &r.o;
	o->base = "master";
	o->max_wait_ms = 60000;
	size_t n = (size_t)argc + 1;
	o->labels = xcalloc(n, sizeof(char *));
	o->reviewers = xcalloc(n, sizeof(char *));
	o->envs = xcalloc(n, sizeof(char *));
	o->args = xcalloc(n, sizeof(char *));
	o->vfiles = xcalloc(n, sizeof(char *));
	r.action = "up-to-date";
	struct pd_err e = { 0 };
	struct cliopt co;
	int rc = 0, c;
	cliopt_init(&co, argc, argv, "e:v:o:h", ppr_longopts);
	for (;;) {
		c = cliopt_next(&co, &e);
		if (c == -1) {
			break;
		}
		switch (c) {
		case OPT_ENV_REPO: o->env_repo = optarg; break;
		case OPT_TEMPLATE: o->template = optarg; break;
		case OPT_TAG: o->tag = optarg; break;
		case OPT_APP: o->app = optarg; break;
		case OPT_DEST: o->dest = optarg; break;
		case OPT_BASE: o->base = optarg; break;
		case OPT_BRANCH: o->branch = optarg; break;
		case OPT_TITLE: o->title = optarg; break;
		case OPT_MESSAGE: o->message = optarg; break;
		case OPT_BODY: o->body = optarg; break;
		case OPT_LABEL: o->labels[o->nlabels++] = optarg; break;
		case OPT_REVIEWER: o->reviewers[o->nreviewers++] = optarg; break;
		case OPT_DRAFT: o->draft = co.on; break;
		case OPT_DIRECT: o->direct = co.on; break;
		case OPT_REMOVE: o->remove = co.on; break;
		case OPT_MERGE: o->merge = co.on; break;
		case OPT_DRY_RUN: o->dry_run = co.on; break;
		case 'o': o->output = optarg; o->json = true; break;
		case OPT_FORGE: o->forge = optarg; break;
		case OPT_API_URL: o->api_url = optarg; break;
		case OPT_FORGE_REPO: o->forge_repo = optarg; break;
		case OPT_AUTHOR: o->author = optarg; break;
		case OPT_TOKEN_FILE: o->token_file = optarg; break;
		case OPT_MAX_WAIT: {
			char derr[160]; /* checksrc: bounded */
			long long ms = 0;
			if (timeutil_parse_duration(optarg, &ms, derr,
						    sizeof(derr)) < 0 ||
			    ms < 0) {
				msg_error("invalid duration '%s' for --max-wait"
					  " (Go syntax: 30s, 5m)", optarg);
				rc = PD_EXIT_USAGE;
				goto out;
			}
			o->max_wait_ms = ms;
			break;
		}
		case 'e': o->envs[o->nenvs++] = optarg; break;
		case 'v': o->args[o->nargs++] = optarg; break;
		case OPT_VALUES: o->vfiles[o->nvfiles++] = optarg; break;
		case OPT_KYML:
			o->tflags = co.on ? o->tflags | TMPL_KYML
					  : o->tflags & ~TMPL_KYML;
			break;
		case OPT_ALLOW_EMPTY:
			o->tflags = co.on ? o->tflags | TMPL_ALLOW_EMPTY
					  : o->tflags & ~TMPL_ALLOW_EMPTY;
			break;
		case OPT_STRICT: o->strict = co.on; break;
		case 'h':
			ppr_usage(stdout);
			rc = msg_finish(0);
			goto out;
		case OPT_VERSION:
			printf("pipeline-pr %s\n", PDKIT_VERSION);
			rc = msg_finish(0);
			goto out;
		default:
			msg_error("%s (see 'pipeline-pr --help')", e.msg);
			rc = PD_EXIT_USAGE;
			goto out;
		}
	}
	if (optind < argc) {
		msg_error("unexpected argument '%s' (see 'pipeline-pr --help')",
			  argv[optind]);
		rc = PD_EXIT_USAGE;
		goto out;
	}
	rc = ppr_setup(&r);
	if (rc) {
		goto out;
	}
	signal(SIGINT, ppr_on_signal);
	signal(SIGTERM, ppr_on_signal);
	signal(SIGHUP, ppr_on_signal);
	signal(SIGPIPE, SIG_IGN);
	rc = ppr_run(&r);
	if (rc == 0) {
		ppr_output(&r);
	}
	rc = msg_finish(rc);
out:
	ppr_release(&r);
	return rc;
}
