/* SPDX-License-Identifier: Apache-2.0 */
/*
 * repos: the bare repositories ROOT/OWNER/NAME.git, their numeric ids (a
 * table filled from a scan of the root and on first sight), and the few
 * questions the APIs ask of them, answered by the real git.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "forge.h"
#include "xalloc.h"

static const char *repos_dir;
static pthread_mutex_t repos_mu = PTHREAD_MUTEX_INITIALIZER;
static char **repos_names; /* index i holds the repo of id i + 1 */
static size_t repos_n;

void
repos_init(const char *root)
{
	repos_dir = root;
}

const char *
repos_root(void)
{
	return repos_dir;
}

bool
repos_valid_part(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 100 || s[0] == '.') {
		return false;
	}
	if (n >= 4 && strcmp(s + n - 4, ".git") == 0) {
		return false;
	}
	for (const char *p = s; *p; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
			  *p == '-';
		if (!ok) {
			return false;
		}
	}
	return true;
}

static char *
repos_path(const char *owner, const char *name)
{
	return xasprintf("%s/%s/%s.git", repos_dir, owner, name);
}

bool
repos_exists(const char *owner, const char *name)
{
	if (!repos_valid_part(owner) || !repos_valid_part(name)) {
		return false;
	}
	char *p = repos_path(owner, name);
	char *head = xasprintf("%s/HEAD", p);
	char *objs = xasprintf("%s/objects", p);
	struct stat st;
	bool ok = stat(head, &st) == 0 && S_ISREG(st.st_mode) &&
		  stat(objs, &st) == 0 && S_ISDIR(st.st_mode);
	free(p);
	free(head);
	free(objs);
	return ok;
}

/* The id of "owner/name" in the table, adding it (caller holds the lock). */
static long
repos_id_locked(const char *full)
{
	for (size_t i = 0; i < repos_n; i++) {
		if (strcmp(repos_names[i], full) == 0) {
			return (long)i + 1;
		}
	}
	repos_names = xrealloc(repos_names, (repos_n + 1) *
			       sizeof(*repos_names));
	repos_names[repos_n++] = xstrdup(full);
	return (long)repos_n;
}

static int
repos_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Give every repository under the root an id, in name order. */
static void
repos_scan(void)
{
	DIR *d = opendir(repos_dir);
	if (!d) {
		return;
	}
	char **found = NULL;
	size_t nf = 0;
	for (struct dirent *de = readdir(d); de; de = readdir(d)) {
		if (!repos_valid_part(de->d_name)) {
			continue;
		}
		char *sub = xasprintf("%s/%s", repos_dir, de->d_name);
		DIR *d2 = opendir(sub);
		free(sub);
		if (!d2) {
			continue;
		}
		for (struct dirent *de2 = readdir(d2); de2;
		     de2 = readdir(d2)) {
			size_t l = strlen(de2->d_name);
			if (l <= 4 || strcmp(de2->d_name + l - 4, ".git")) {
				continue;
			}
			char *nm = xstrndup(de2->d_name, l - 4);
			if (repos_exists(de->d_name, nm)) {
				found = xrealloc(found, (nf + 1) *
						 sizeof(*found));
				found[nf++] = xasprintf("%s/%s", de->d_name,
							nm);
			}
			free(nm);
		}
		closedir(d2);
	}
	closedir(d);
	qsort(found, nf, sizeof(*found), repos_cmp);
	pthread_mutex_lock(&repos_mu);
	for (size_t i = 0; i < nf; i++) {
		repos_id_locked(found[i]);
		free(found[i]);
	}
	pthread_mutex_unlock(&repos_mu);
	free(found);
}

long
repos_id(const char *owner, const char *name)
{
	if (!repos_exists(owner, name)) {
		return 0;
	}
	char *full = xasprintf("%s/%s", owner, name);
	pthread_mutex_lock(&repos_mu);
	long id = repos_id_locked(full);
	pthread_mutex_unlock(&repos_mu);
	free(full);
	return id;
}

int
repos_by_id(long id, struct buf *out)
{
	buf_reset(out);
	for (int pass = 0; pass < 2; pass++) {
		pthread_mutex_lock(&repos_mu);
		bool have = id >= 1 && (size_t)id <= repos_n;
		if (have) {
			buf_adds(out, repos_names[id - 1]);
		}
		pthread_mutex_unlock(&repos_mu);
		if (have) {
			return 0;
		}
		if (pass == 0) {
			repos_scan();
		}
	}
	return -1;
}

int
repos_git(const char *owner, const char *name, const char *const *args,
	  const char *const *extra, struct buf *out, struct pd_err *e)
{
	char *dir = repos_path(owner, name);
	const char *argv[32];
	size_t k = 0;
	argv[k++] = "git";
	argv[k++] = "--git-dir";
	argv[k++] = dir;
	for (size_t i = 0; args[i] && k < 31; i++) {
		argv[k++] = args[i];
	}
	argv[k] = NULL;
	struct proc_env pe;
	proc_env_init(&pe);
	for (size_t i = 0; extra && extra[i]; i++) {
		const char *eq = strchr(extra[i], '=');
		if (eq) {
			char *key = xstrndup(extra[i], (size_t)(eq - extra[i]));
			proc_env_add(&pe, key, eq + 1);
			free(key);
		}
	}
	struct buf err = BUF_INIT;
	int rc = proc_run(argv, (const char *const *)pe.v, NULL, 0, out, &err,
			  e);
	if (rc > 0) {
		buf_trim(&err);
		err_set(e, PD_ERUNTIME, "git %s: %.200s", args[0], err.buf);
	}
	buf_release(&err);
	proc_env_release(&pe);
	free(dir);
	return rc;
}

int
repos_default_branch(const char *owner, const char *name, struct buf *out,
		     struct pd_err *e)
{
	const char *args[] = { "symbolic-ref", "-q", "HEAD", NULL };
	buf_reset(out);
	int rc = repos_git(owner, name, args, NULL, out, e);
	if (rc != 0) {
		buf_reset(out);
		buf_adds(out, "master");
		return 0;
	}
	buf_trim(out);
	if (strncmp(out->buf, "refs/heads/", 11) == 0) {
		buf_consume(out, 11);
	}
	return 0;
}

int
repos_branch_sha(const char *owner, const char *name, const char *branch,
		 char sha[41], struct pd_err *e)
{
	sha[0] = '\0';
	if (!*branch || branch[0] == '-') {
		return err_set(e, PD_ENOTFOUND, "no branch '%s'", branch);
	}
	char *ref = xasprintf("refs/heads/%s^{commit}", branch);
	const char *args[] = { "rev-parse", "-q", "--verify", ref, NULL };
	struct buf out = BUF_INIT;
	int rc = repos_git(owner, name, args, NULL, &out, e);
	free(ref);
	buf_trim(&out);
	if (rc < 0) {
		buf_release(&out);
		return rc;
	}
	if (rc != 0 || out.len != 40) {
		buf_release(&out);
		return err_set(e, PD_ENOTFOUND, "no branch '%s'", branch);
	}
	memcpy(sha, out.buf, 41);
	buf_release(&out);
	return 0;
}

int
repos_ahead(const char *owner, const char *name, const char *base,
	    const char *head, long *count, struct pd_err *e)
{
	char *range = xasprintf("refs/heads/%s..refs/heads/%s", base, head);
	const char *args[] = { "rev-list", "--count", range, "--", NULL };
	struct buf out = BUF_INIT;
	int rc = repos_git(owner, name, args, NULL, &out, e);
	free(range);
	if (rc == 0) {
		*count = strtol(out.buf, NULL, 10);
	} else if (rc > 0) {
		rc = -PD_ERUNTIME;
	}
	buf_release(&out);
	return rc;
}

int
repos_create(const char *owner, const char *name, const char *branch,
	     struct pd_err *e)
{
	if (!repos_valid_part(owner) || !repos_valid_part(name)) {
		return err_set(e, PD_EUSAGE, "invalid repository name "
			       "'%s/%s'", owner, name);
	}
	char *odir = xasprintf("%s/%s", repos_dir, owner);
	char *dir = repos_path(owner, name);
	int rc = 0;
	struct stat st;
	if (stat(dir, &st) == 0) {
		rc = err_set(e, PD_ECONFLICT, "repository '%s/%s' exists",
			     owner, name);
		goto out;
	}
	if (mkdir(odir, 0755) < 0 && errno != EEXIST) {
		rc = err_set(e, PD_ERUNTIME, "mkdir '%s': %s", odir,
			     strerror(errno));
		goto out;
	}
	char *ib = xasprintf("--initial-branch=%s", branch);
	const char *argv[] = { "git", "init", "-q", "--bare", ib, dir, NULL };
	struct proc_env pe;
	proc_env_init(&pe);
	struct buf err = BUF_INIT;
	rc = proc_run(argv, (const char *const *)pe.v, NULL, 0, NULL, &err, e);
	if (rc > 0) {
		buf_trim(&err);
		rc = err_set(e, PD_ERUNTIME, "git init: %.200s", err.buf);
	}
	buf_release(&err);
	proc_env_release(&pe);
	free(ib);
	if (rc == 0) {
		repos_id(owner, name);
	}
out:
	free(odir);
	free(dir);
	return rc;
}
