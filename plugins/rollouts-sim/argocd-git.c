/* SPDX-License-Identifier: Apache-2.0 */
/*
 * argocd-git: Argo CD's repo server, as far as Git goes. A revision is
 * resolved as util/git's lsRemote does it (a 40-hex SHA as is; "" and HEAD
 * follow the remote's HEAD; a branch or tag by full or short ref name, an
 * annotated tag peeled to its commit; a 7+ hex string that names no ref is
 * an abbreviated SHA, expanded after a fetch). Checkouts are made with the
 * real git, spawned without a shell: a bare repository per URL in the
 * cache directory, `git fetch --depth 1 URL SHA` (or a full fetch when the
 * server refuses a SHA), `git archive` of the commit and tar to unpack it
 * into a directory per SHA, kept for the next render. Children get
 * GIT_TERMINAL_PROMPT=0 (never a password prompt), a 60 s limit and their
 * stderr captured for the error message.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "argocd.h"
#include "xalloc.h"

extern char **environ;

#define GIT_TIMEOUT_MS 60000

static char *git_cache;

void
argocd_git_init(const char *dir)
{
	free(git_cache);
	git_cache = xstrdup(dir);
	mkdir(git_cache, 0700);
}

static long long
argocd_git_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run argv (argv[0] found on PATH), stdout into out (may be NULL), stderr
 * into errout: the exit status, or -1 when it could not run or timed out. */
static int
argocd_git_run(char *const argv[], struct buf *out, struct buf *errout)
{
	int po[2], pe[2];
	if (pipe(po) < 0) {
		buf_addf(errout, "pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe(pe) < 0) {
		buf_addf(errout, "pipe: %s", strerror(errno));
		close(po[0]);
		close(po[1]);
		return -1;
	}
	fcntl(po[0], F_SETFD, FD_CLOEXEC);
	fcntl(pe[0], F_SETFD, FD_CLOEXEC);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	posix_spawn_file_actions_addclose(&fa, po[1]);
	posix_spawn_file_actions_addclose(&fa, pe[1]);
	/* the environment, plus no prompts */
	size_t n = 0;
	while (environ[n]) {
		n++;
	}
	char **env = xcalloc(n + 3, sizeof(*env));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(environ[i], "GIT_TERMINAL_PROMPT=", 20) != 0 &&
		    strncmp(environ[i], "GIT_ASKPASS=", 12) != 0) {
			env[k++] = environ[i];
		}
	}
	env[k++] = "GIT_TERMINAL_PROMPT=0";
	env[k++] = "GIT_ASKPASS=true";
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	close(po[1]);
	close(pe[1]);
	if (rc != 0) {
		buf_addf(errout, "cannot run %s: %s", argv[0], strerror(rc));
		close(po[0]);
		close(pe[0]);
		return -1;
	}
	struct pollfd fds[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
	int open_fds = 2;
	long long deadline = argocd_git_mono_ms() + GIT_TIMEOUT_MS;
	bool timed_out = false;
	while (open_fds > 0) {
		long long left = deadline - argocd_git_mono_ms();
		if (left <= 0) {
			timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		int r = poll(fds, 2, (int)(left > 1000 ? 1000 : left));
		if (r < 0 && errno == EINTR) {
			continue;
		}
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents &
					       (POLLIN | POLLHUP | POLLERR))) {
				continue;
			}
			char chunk[4096];
			ssize_t got = read(fds[i].fd, chunk, sizeof(chunk));
			if (got <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
				continue;
			}
			struct buf *dst = i == 0 ? out : errout;
			if (dst && dst->len < (i == 0 ? 64u << 20 : 4096u)) {
				buf_add(dst, chunk, (size_t)got);
			}
		}
	}
	for (int i = 0; i < 2; i++) {
		if (fds[i].fd >= 0) {
			close(fds[i].fd);
		}
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	if (timed_out) {
		buf_reset(errout);
		buf_addf(errout, "%s timed out", argv[0]);
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The last non-empty line of git's stderr, as the error. */
static void
argocd_git_error(struct buf *err, const char *what, struct buf *stderr_text)
{
	buf_trim(stderr_text);
	const char *s = stderr_text->buf ? stderr_text->buf : "";
	const char *nl = strrchr(s, '\n');
	buf_addf(err, "%s: %s", what, nl ? nl + 1 : *s ? s : "failed");
}

static bool
argocd_git_is_hex(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);
	if (n < min || n > max) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			return false;
		}
	}
	return true;
}

/* The bare repository of url (created on first use). */
static char *
argocd_git_repo_dir(const char *url, struct buf *err)
{
	unsigned h = 2166136261u;
	for (const char *p = url; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 16777619u;
	}
	char *dir = xasprintf("%s/repo-%08x.git", git_cache ? git_cache : ".",
			      h);
	struct stat sb;
	if (stat(dir, &sb) == 0) {
		return dir;
	}
	struct buf e = BUF_INIT;
	char *argv[] = { "git", "init", "--quiet", "--bare", dir, NULL };
	if (argocd_git_run(argv, NULL, &e) != 0) {
		argocd_git_error(err, "git init", &e);
		buf_release(&e);
		free(dir);
		return NULL;
	}
	buf_release(&e);
	return dir;
}

int
argocd_git_resolve(const char *url, const char *rev, char sha[41],
		   struct buf *err)
{
	if (rev && argocd_git_is_hex(rev, 40, 40)) {
		memcpy(sha, rev, 41);
		return 0;
	}
	const char *want = rev && *rev ? rev : "HEAD";
	struct buf out = BUF_INIT, e = BUF_INIT;
	char *argv[] = { "git", "ls-remote", (char *)url, NULL };
	int rc = argocd_git_run(argv, &out, &e);
	if (rc != 0) {
		argocd_git_error(err, "failed to list refs", &e);
		buf_release(&out);
		buf_release(&e);
		return -1;
	}
	buf_release(&e);
	/* refs/heads/x, refs/tags/x (peeled ^{} preferred), x, HEAD */
	char found[41] = "";
	int best = 0;
	char *save = NULL;
	for (char *line = strtok_r(out.buf ? out.buf : (char *)"", "\n",
				   &save);
	     line; line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');
		if (!tab || tab - line != 40) {
			continue;
		}
		*tab = '\0';
		const char *ref = tab + 1;
		size_t rl = strlen(ref);
		bool peeled = rl > 3 && strcmp(ref + rl - 3, "^{}") == 0;
		char name[512];
		snprintf(name, sizeof(name), "%.*s",
			 (int)(peeled ? rl - 3 : rl), ref);
		int score = 0;
		if (strcmp(name, want) == 0) {
			score = 3;
		} else if (strncmp(name, "refs/heads/", 11) == 0 &&
			   strcmp(name + 11, want) == 0) {
			score = 3;
		} else if (strncmp(name, "refs/tags/", 10) == 0 &&
			   strcmp(name + 10, want) == 0) {
			score = 2;
		}
		if (score && peeled) {
			score = 4;
		}
		if (score > best) {
			best = score;
			memcpy(found, line, 41);
		}
	}
	buf_release(&out);
	if (best) {
		memcpy(sha, found, 41);
		return 0;
	}
	if (rev && argocd_git_is_hex(rev, 7, 39)) {
		/* an abbreviated SHA: fetch everything and expand it */
		char *dir = argocd_git_repo_dir(url, err);
		if (!dir) {
			return -1;
		}
		struct buf o2 = BUF_INIT, e2 = BUF_INIT;
		char *fa[] = { "git", "-C", dir, "fetch", "--quiet", (char *)url,
			       "+refs/heads/*:refs/remotes/origin/*",
			       "+refs/tags/*:refs/tags/*", NULL };
		char spec[64];
		snprintf(spec, sizeof(spec), "%s^{commit}", rev);
		char *pa[] = { "git", "-C", dir, "rev-parse", "--quiet",
			       "--verify", spec, NULL };
		int ok = argocd_git_run(fa, NULL, &e2) == 0 &&
			 argocd_git_run(pa, &o2, &e2) == 0;
		buf_trim(&o2);
		free(dir);
		if (ok && o2.len == 40) {
			memcpy(sha, o2.buf, 40);
			sha[40] = '\0';
			buf_release(&o2);
			buf_release(&e2);
			return 0;
		}
		buf_release(&o2);
		buf_release(&e2);
	}
	buf_addf(err, "unable to resolve '%s' to a commit SHA", want);
	return -1;
}

int
argocd_git_checkout(const char *url, const char *sha, struct buf *dir,
		    struct buf *err)
{
	char *src = xasprintf("%s/src-%s", git_cache ? git_cache : ".", sha);
	struct stat sb;
	if (stat(src, &sb) == 0) {
		buf_adds(dir, src);
		free(src);
		return 0;
	}
	char *repo = argocd_git_repo_dir(url, err);
	if (!repo) {
		free(src);
		return -1;
	}
	struct buf e = BUF_INIT;
	int rc = -1;
	char spec[64];
	snprintf(spec, sizeof(spec), "%s^{commit}", sha);
	char *have[] = { "git", "-C", repo, "cat-file", "-e", spec, NULL };
	char *shallow[] = { "git", "-C", repo, "fetch", "--quiet", "--depth",
			    "1", (char *)url, (char *)sha, NULL };
	char *full[] = { "git", "-C", repo, "fetch", "--quiet", (char *)url,
			 "+refs/heads/*:refs/remotes/origin/*",
			 "+refs/tags/*:refs/tags/*", NULL };
	if (argocd_git_run(have, NULL, &e) != 0) {
		buf_reset(&e);
		if (argocd_git_run(shallow, NULL, &e) != 0) {
			buf_reset(&e);
			if (argocd_git_run(full, NULL, &e) != 0) {
				argocd_git_error(err, "failed to fetch", &e);
				goto out;
			}
		}
		buf_reset(&e);
		if (argocd_git_run(have, NULL, &e) != 0) {
			buf_addf(err, "unable to resolve '%s' to a commit SHA",
				 sha);
			goto out;
		}
	}
	char *tar = xasprintf("%s.tar", src);
	char *tmp = xasprintf("%s.tmp", src);
	char *arch[] = { "git", "-C", repo, "archive", "--format=tar", "-o",
			 tar, (char *)sha, NULL };
	char *untar[] = { "tar", "-xf", tar, "-C", tmp, NULL };
	char *rmtmp[] = { "rm", "-rf", tmp, NULL };
	buf_reset(&e);
	argocd_git_run(rmtmp, NULL, &e);
	buf_reset(&e);
	if (argocd_git_run(arch, NULL, &e) != 0) {
		argocd_git_error(err, "git archive", &e);
	} else if (mkdir(tmp, 0700) < 0) {
		buf_addf(err, "mkdir %s: %s", tmp, strerror(errno));
	} else if (argocd_git_run(untar, NULL, &e) != 0) {
		argocd_git_error(err, "tar", &e);
	} else if (rename(tmp, src) < 0) {
		buf_addf(err, "rename %s: %s", src, strerror(errno));
	} else {
		rc = 0;
		buf_adds(dir, src);
	}
	unlink(tar);
	if (rc < 0) {
		buf_reset(&e);
		argocd_git_run(rmtmp, NULL, &e);
	}
	free(tar);
	free(tmp);
out:
	buf_release(&e);
	free(repo);
	free(src);
	return rc;
}
