/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proc: children without a shell. posix_spawnp with the three standard
 * streams on close-on-exec pipes (the server is multi-threaded: no other
 * child may inherit them), then one poll loop that feeds stdin while it
 * drains stdout and stderr, so neither side can block the other.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "forge.h"
#include "xalloc.h"

static void
proc_close(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* Read what is there from fd into b (NULL: discard); false at EOF. */
static bool
proc_drain(int fd, struct buf *b)
{
	char tmp[65536];
	ssize_t r = read(fd, tmp, sizeof(tmp));
	if (r < 0) {
		return errno == EINTR || errno == EAGAIN;
	}
	if (r == 0) {
		return false;
	}
	if (b) {
		buf_add(b, tmp, (size_t)r);
	}
	return true;
}

int
proc_run(const char *const *argv, const char *const *envp, const void *in,
	 size_t inlen, struct buf *out, struct buf *errout, struct pd_err *e)
{
	int pin[2], pout[2], perr[2];
	if (pipe2(pin, O_CLOEXEC) < 0) {
		return err_set(e, PD_ERUNTIME, "pipe: %s", strerror(errno));
	}
	if (pipe2(pout, O_CLOEXEC) < 0) {
		close(pin[0]);
		close(pin[1]);
		return err_set(e, PD_ERUNTIME, "pipe: %s", strerror(errno));
	}
	if (pipe2(perr, O_CLOEXEC) < 0) {
		close(pin[0]);
		close(pin[1]);
		close(pout[0]);
		close(pout[1]);
		return err_set(e, PD_ERUNTIME, "pipe: %s", strerror(errno));
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
	posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
	posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	sigset_t none, def;
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF);
	pid_t pid;
	int sr = posix_spawnp(&pid, argv[0], &fa, &at, (char *const *)argv,
			      (char *const *)envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	if (sr != 0) {
		close(pin[1]);
		close(pout[0]);
		close(perr[0]);
		return err_set(e, PD_ERUNTIME, "cannot run '%s': %s", argv[0],
			       strerror(sr));
	}
	int fin = pin[1], fout = pout[0], ferr = perr[0];
	fcntl(fin, F_SETFL, fcntl(fin, F_GETFL) | O_NONBLOCK);
	size_t off = 0;
	if (!in || inlen == 0) {
		proc_close(&fin);
	}
	while (fin >= 0 || fout >= 0 || ferr >= 0) {
		struct pollfd pf[3];
		int np = 0, iin = -1, iout = -1, ierr = -1;
		if (fin >= 0) {
			iin = np;
			pf[np++] = (struct pollfd){ fin, POLLOUT, 0 };
		}
		if (fout >= 0) {
			iout = np;
			pf[np++] = (struct pollfd){ fout, POLLIN, 0 };
		}
		if (ferr >= 0) {
			ierr = np;
			pf[np++] = (struct pollfd){ ferr, POLLIN, 0 };
		}
		if (poll(pf, (nfds_t)np, -1) < 0) {
			if (errno == EINTR) {
				continue;
			}
			break;
		}
		if (iin >= 0 && pf[iin].revents) {
			ssize_t w = write(fin, (const char *)in + off,
					  inlen - off);
			if (w > 0) {
				off += (size_t)w;
			}
			if ((w < 0 && errno != EAGAIN && errno != EINTR) ||
			    off == inlen) {
				proc_close(&fin);
			}
		}
		if (iout >= 0 && pf[iout].revents && !proc_drain(fout, out)) {
			proc_close(&fout);
		}
		if (ierr >= 0 && pf[ierr].revents &&
		    !proc_drain(ferr, errout)) {
			proc_close(&ferr);
		}
	}
	proc_close(&fin);
	proc_close(&fout);
	proc_close(&ferr);
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			return err_set(e, PD_ERUNTIME, "waitpid: %s",
				       strerror(errno));
		}
	}
	if (WIFSIGNALED(st)) {
		return 128 + WTERMSIG(st);
	}
	return WEXITSTATUS(st);
}

/* ----------------------------------------------------------- environment */

void
proc_env_add(struct proc_env *pe, const char *key, const char *val)
{
	pe->v = xrealloc(pe->v, (pe->n + 2) * sizeof(*pe->v));
	pe->v[pe->n++] = xasprintf("%s=%s", key, val);
	pe->v[pe->n] = NULL;
}

void
proc_env_init(struct proc_env *pe)
{
	static const char *const keep[] = { "PATH", "HOME", "TMPDIR",
		"GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_GLOBAL", "GIT_EXEC_PATH" };
	pe->v = xcalloc(1, sizeof(*pe->v));
	pe->n = 0;
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		const char *v = getenv(keep[i]);
		if (v) {
			proc_env_add(pe, keep[i], v);
		}
	}
	if (!getenv("PATH")) {
		proc_env_add(pe, "PATH", "/usr/local/bin:/usr/bin:/bin");
	}
	proc_env_add(pe, "LC_ALL", "C");
	/* the repositories are ours whoever owns them */
	proc_env_add(pe, "GIT_CONFIG_COUNT", "1");
	proc_env_add(pe, "GIT_CONFIG_KEY_0", "safe.directory");
	proc_env_add(pe, "GIT_CONFIG_VALUE_0", "*");
}

void
proc_env_release(struct proc_env *pe)
{
	for (size_t i = 0; i < pe->n; i++) {
		free(pe->v[i]);
	}
	free(pe->v);
	pe->v = NULL;
	pe->n = 0;
}
