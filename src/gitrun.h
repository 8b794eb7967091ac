/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gitrun: the real `git` executable, spawned without a shell
 * (posix_spawnp, argv as given), its stdout and stderr captured. The child's
 * environment is the caller's with git's safety settings on top
 * (GIT_TERMINAL_PROMPT=0, GIT_CONFIG_NOSYSTEM=1, LC_ALL=C, no GIT_DIR or
 * GIT_WORK_TREE inherited) and the caller's extra variables last: a token
 * reaches git only through them (GIT_CONFIG_COUNT / GIT_CONFIG_KEY_0 /
 * GIT_CONFIG_VALUE_0 = http.extraHeader), never through argv, a URL or
 * .git/config. gitrun_auth_env() builds those variables.
 *
 * struct gitrun is the caller's (embedded): gitrun_init/gitrun_release;
 * it owns its variables and the captured output of the last run
 * (out, errout), replaced by every gitrun_run(). The pid of a running child
 * is published in gitrun_child for a signal handler (0 when none). The
 * library never prints; errors fill a struct pd_err.
 */
#ifndef PD_GITRUN_H
#define PD_GITRUN_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"

struct gitrun {
	char **env;        /* extra NAME=VALUE strings, owned */
	size_t nenv;
	const char *git;   /* the executable ("git", looked up on PATH) */
	struct buf out;    /* the last run's stdout */
	struct buf errout; /* the last run's stderr */
	int status;        /* the last run's exit status (128+N on signal N) */
};

/* The running child, for a signal handler to end it (0: none). */
extern volatile sig_atomic_t gitrun_child;

void gitrun_init(struct gitrun *g);
void gitrun_release(struct gitrun *g);
/* Add NAME=VALUE to every later child's environment (copied). */
void gitrun_setenv(struct gitrun *g, const char *name, const char *value);
/* Add the variables that give git "Authorization: Basic
 * base64(user:token)" on every HTTP request (http.extraHeader through
 * GIT_CONFIG_COUNT; the token never reaches argv). */
void gitrun_auth_env(struct gitrun *g, const char *user, const char *token);
/*
 * Run `git [-C dir] ARGS...` (args NULL-terminated, without "git"; dir may
 * be NULL) and wait. Returns 0
 * when it exited 0, -PD_ERUNTIME with e holding "git SUBCOMMAND: LAST LINE
 * OF STDERR" otherwise (or when it could not be spawned). g->status, out
 * and errout hold the result either way.
 */
int gitrun_run(struct gitrun *g, const char *dir, const char *const *args,
	       struct pd_err *e);
/* git's own reason from the last run's stderr (its last fatal:/error:
 * line without that prefix, else its last line), appended to b. */
void gitrun_last_error(const struct gitrun *g, struct buf *b);
/* Remove a directory tree (no symlink followed). 0 or -1 with errno. */
int gitrun_rmtree(const char *dir);

#endif
