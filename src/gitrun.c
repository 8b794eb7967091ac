/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gitrun: git spawned without a shell, output captured (see gitrun.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base64.h"
#include "gitrun.h"
#include "xalloc.h"

extern char **environ;

volatile sig_atomic_t gitrun_child;

void
gitrun_init(struct gitrun *g)
{
	memset(g, 0, sizeof(*g));
	g->git = "git";
	buf_init(&g->out, 0);
	buf_init(&g->errout, 0);
}

void
gitrun_release(struct gitrun *g)
{
	for (size_t i = 0; i < g->nenv; i++) {
		/* may hold a credential: wipe before freeing */
		explicit_bzero(g->env[i], strlen(g->env[i]));
		free(g->env[i]);
	}
	free(g->env);
	buf_release(&g->out);
	buf_release(&g->errout);
	g->env = NULL;
	g->nenv = 0;
}

void
gitrun_setenv(struct gitrun *g, const char *name, const char *value)
{
	struct buf b = BUF_INIT;
	buf_addf(&b, "%s=%s", name, value);
	size_t nlen = strlen(name);
	for (size_t i = 0; i < g->nenv; i++) {
		if (strncmp(g->env[i], name, nlen) == 0 &&
		    g->env[i][nlen] == '=') {
			explicit_bzero(g->env[i], strlen(g->env[i]));
			free(g->env[i]);
			g->env[i] = buf_detach(&b, NULL);
			return;
		}
	}
	g->env = xrealloc(g->env, (g->nenv + 1) * sizeof(*g->env));
	g->env[g->nenv++] = buf_detach(&b, NULL);
}

void
gitrun_auth_env(struct gitrun *g, const char *user, const char *token)
{
	struct buf cred = BUF_INIT, hdr = BUF_INIT;
	buf_addf(&cred, "%s:%s", user, token);
	buf_adds(&hdr, "Authorization: Basic ");
	base64_encode(&hdr, cred.buf, cred.len);
	gitrun_setenv(g, "GIT_CONFIG_COUNT", "1");
	gitrun_setenv(g, "GIT_CONFIG_KEY_0", "http.extraHeader");
	gitrun_setenv(g, "GIT_CONFIG_VALUE_0", hdr.buf);
	explicit_bzero(cred.buf, cred.len);
	explicit_bzero(hdr.buf, hdr.len);
	buf_release(&cred);
	buf_release(&hdr);
}

/* Variables a caller's environment must not pass to our git: they would
 * point it at another repository or add configuration. */
static int
gitrun_env_dropped(const char *kv)
{
	static const char *const drop[] = {
		"GIT_DIR=", "GIT_WORK_TREE=", "GIT_INDEX_FILE=",
		"GIT_OBJECT_DIRECTORY=", "GIT_ALTERNATE_OBJECT_DIRECTORIES=",
		"GIT_NAMESPACE=", "GIT_CEILING_DIRECTORIES=",
		"GIT_CONFIG_PARAMETERS=", "GIT_CONFIG_COUNT=",
		"GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_", "GIT_CONFIG=",
		"GIT_TERMINAL_PROMPT=", "GIT_CONFIG_NOSYSTEM=", "LC_ALL=",
		"LANGUAGE=", "GIT_TRACE", "GIT_CURL_VERBOSE=",
		"GIT_REDACT_COOKIES=", "GIT_TRACE_REDACT=", NULL,
	};
	for (int i = 0; drop[i]; i++) {
		if (strncmp(kv, drop[i], strlen(drop[i])) == 0) {
			return 1;
		}
	}
	return 0;
}

/* Whether the caller set this variable (NAME=...) for the child. */
static int
gitrun_env_overridden(const struct gitrun *g, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t n = eq ? (size_t)(eq - kv) + 1 : strlen(kv);
	for (size_t i = 0; i < g->nenv; i++) {
		if (strncmp(g->env[i], kv, n) == 0) {
			return 1;
		}
	}
	return 0;
}

static char **
gitrun_build_env(const struct gitrun *g)
{
	size_t n = 0;
	while (environ && environ[n]) {
		n++;
	}
	char **env = xcalloc(n + g->nenv + 8, sizeof(*env));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!gitrun_env_dropped(environ[i]) &&
		    !gitrun_env_overridden(g, environ[i])) {
			env[k++] = environ[i];
		}
	}
	env[k++] = (char *)"GIT_TERMINAL_PROMPT=0";
	env[k++] = (char *)"GIT_CONFIG_NOSYSTEM=1";
	env[k++] = (char *)"LC_ALL=C";
	env[k++] = (char *)"GIT_TRACE_REDACT=1";
	for (size_t i = 0; i < g->nenv; i++) {
		env[k++] = g->env[i];
	}
	env[k] = NULL;
	return env;
}

/* Read both pipes to their end. */
static void
gitrun_drain(struct gitrun *g, int ofd, int efd)
{
	struct pollfd p[2] = { { ofd, POLLIN, 0 }, { efd, POLLIN, 0 } };
	struct buf *dst[2] = { &g->out, &g->errout };
	int open_n = 2;
	char chunk[16384];
	while (open_n > 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR) {
				continue;
			}
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents) {
				continue;
			}
			ssize_t r = read(p[i].fd, chunk, sizeof(chunk));
			if (r < 0 && errno == EINTR) {
				continue;
			}
			if (r <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				open_n--;
				continue;
			}
			buf_add(dst[i], chunk, (size_t)r);
		}
	}
}

void
gitrun_last_error(const struct gitrun *g, struct buf *b)
{
	const char *s = g->errout.buf, *best = NULL, *best_end = NULL;
	const char *p = s;
	while (*p) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		const char *q = p;
		while (q < end && (*q == ' ' || *q == '\t' || *q == '\r')) {
			q++;
		}
		/* prefer git's fatal/error lines; else the last line */
		if (q < end) {
			int strong = strncmp(q, "fatal: ", 7) == 0 ||
				     strncmp(q, "error: ", 7) == 0 ||
				     strncmp(q, "! [", 3) == 0;
			if (strong || !best ||
			    (strncmp(best, "fatal: ", 7) != 0 &&
			     strncmp(best, "error: ", 7) != 0 &&
			     strncmp(best, "! [", 3) != 0)) {
				best = q;
				best_end = end;
			}
		}
		if (!nl) {
			break;
		}
		p = nl + 1;
	}
	if (!best) {
		if (g->status >= 128) {
			buf_addf(b, "killed by signal %d", g->status - 128);
		} else {
			buf_addf(b, "exit status %d", g->status);
		}
		return;
	}
	if (strncmp(best, "fatal: ", 7) == 0 ||
	    strncmp(best, "error: ", 7) == 0) {
		best += 7;
	}
	while (best_end > best && (best_end[-1] == '\r' ||
				   best_end[-1] == ' ')) {
		best_end--;
	}
	buf_add(b, best, (size_t)(best_end - best));
}

int
gitrun_run(struct gitrun *g, const char *dir, const char *const *args,
	   struct pd_err *e)
{
	size_t nargs = 0;
	while (args[nargs]) {
		nargs++;
	}
	const char **argv = xcalloc(nargs + 4, sizeof(*argv));
	size_t k = 0;
	argv[k++] = "git";
	if (dir) {
		argv[k++] = "-C";
		argv[k++] = dir;
	}
	for (size_t i = 0; i < nargs; i++) {
		argv[k++] = args[i];
	}
	argv[k] = NULL;
	buf_reset(&g->out);
	buf_reset(&g->errout);
	g->status = -1;
	int op[2], ep[2];
	if (pipe2(op, O_CLOEXEC) < 0) {
		free(argv);
		return err_set(e, PD_ERUNTIME, "cannot create a pipe: %s",
			       strerror(errno));
	}
	if (pipe2(ep, O_CLOEXEC) < 0) {
		int err = errno;
		close(op[0]);
		close(op[1]);
		free(argv);
		return err_set(e, PD_ERUNTIME, "cannot create a pipe: %s",
			       strerror(err));
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, op[1], 1);
	posix_spawn_file_actions_adddup2(&fa, ep[1], 2);
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	sigset_t none;
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
	char **env = gitrun_build_env(g);
	pid_t pid;
	int rc = posix_spawnp(&pid, g->git, &fa, &at, (char *const *)argv,
			      env);
	free(env);
	free(argv);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(op[1]);
	close(ep[1]);
	if (rc != 0) {
		close(op[0]);
		close(ep[0]);
		return err_set(e, PD_ERUNTIME, "cannot run '%s': %s", g->git,
			       strerror(rc));
	}
	gitrun_child = pid;
	gitrun_drain(g, op[0], ep[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			st = 127 << 8;
			break;
		}
	}
	gitrun_child = 0;
	if (WIFEXITED(st)) {
		g->status = WEXITSTATUS(st);
	} else if (WIFSIGNALED(st)) {
		g->status = 128 + WTERMSIG(st);
	}
	if (g->status == 0) {
		return 0;
	}
	struct buf m = BUF_INIT;
	gitrun_last_error(g, &m);
	err_set(e, PD_ERUNTIME, "git %s: %s", args[0] ? args[0] : "", m.buf);
	buf_release(&m);
	return -PD_ERUNTIME;
}

static int
gitrun_rm_one(const char *path, const struct stat *sb, int flag,
	      struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP) {
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	}
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int
gitrun_rmtree(const char *dir)
{
	/* git makes read-only object files; unlink does not care */
	return nftw(dir, gitrun_rm_one, 32, FTW_DEPTH | FTW_PHYS);
}
