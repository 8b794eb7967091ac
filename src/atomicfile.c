/* SPDX-License-Identifier: Apache-2.0 */
/* atomicfile: temporary file and rename for regular targets, direct writes
 * for everything else; see atomicfile.h. */
#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

static void
atomicfile_clear(struct atomicfile *af)
{
	free(af->target);
	free(af->final);
	free(af->tmp);
	memset(af, 0, sizeof(*af));
}

/* The path a rename must replace: a symbolic link chain to a regular file
 * is followed, so the link itself stays. */
static char *
atomicfile_resolve(const char *target)
{
	char *p = realpath(target, NULL);
	return p ? p : xstrdup(target);
}

int
atomicfile_open(struct atomicfile *af, const char *target, int mode,
		struct pd_err *e)
{
	struct stat st;

	memset(af, 0, sizeof(*af));
	if (!target || !*target) {
		return err_set(e, PD_EUSAGE, "empty output file name");
	}
	af->target = xstrdup(target);
	bool exists = stat(target, &st) == 0;
	if (exists && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			int rc = err_set(e, PD_ERUNTIME,
					 "cannot write '%s': Is a directory",
					 target);
			atomicfile_clear(af);
			return rc;
		}
		int fd = open(target, O_WRONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			int rc = err_set(e, PD_ERUNTIME, "cannot write '%s': %s",
					 target, strerror(errno));
			atomicfile_clear(af);
			return rc;
		}
		af->fp = fdopen(fd, "w");
		if (!af->fp) {
			close(fd);
			atomicfile_clear(af);
			return err_set(e, PD_ERUNTIME, "cannot write '%s': %s",
				       target, strerror(ENOMEM));
		}
		af->direct = true;
		return 0;
	}

	mode_t m;
	if (mode >= 0) {
		m = (mode_t)mode;
	} else if (exists) {
		m = st.st_mode & 07777;
	} else {
		mode_t um = umask(0);
		umask(um);
		m = 0666 & ~um;
	}
	af->final = exists ? atomicfile_resolve(target) : xstrdup(target);
	const char *slash = strrchr(af->final, '/');
	if (slash) {
		af->tmp = xasprintf("%.*s/.%s.XXXXXX", (int)(slash - af->final),
				    af->final, slash + 1);
	} else {
		af->tmp = xasprintf(".%s.XXXXXX", af->final);
	}
	int fd = mkstemp(af->tmp);
	if (fd < 0) {
		int rc = err_set(e, PD_ERUNTIME,
				 "cannot create a temporary file for '%s': %s",
				 target, strerror(errno));
		atomicfile_clear(af);
		return rc;
	}
	(void)fchmod(fd, m); /* not fatal: the file keeps mkstemp's 0600 */
	af->fp = fdopen(fd, "w");
	if (!af->fp) {
		close(fd);
		unlink(af->tmp);
		atomicfile_clear(af);
		return err_set(e, PD_ERUNTIME, "cannot write '%s': %s", target,
			       strerror(ENOMEM));
	}
	return 0;
}

int
atomicfile_commit(struct atomicfile *af, struct pd_err *e)
{
	int rc = 0;
	int err = 0;

	if (!af->fp) {
		atomicfile_clear(af);
		return err_set(e, PD_EINTERNAL, "commit of a file never opened");
	}
	if (fflush(af->fp) != 0 || ferror(af->fp)) {
		err = errno ? errno : EIO;
	}
	if (!err && !af->direct && fsync(fileno(af->fp)) < 0) {
		err = errno;
	}
	if (fclose(af->fp) != 0 && !err) {
		err = errno;
	}
	af->fp = NULL;
	if (!err && !af->direct && rename(af->tmp, af->final) < 0) {
		err = errno;
	}
	if (err) {
		rc = err_set(e, PD_ERUNTIME, "cannot write '%s': %s", af->target,
			     strerror(err));
		if (af->tmp) {
			unlink(af->tmp);
		}
	}
	atomicfile_clear(af);
	return rc;
}

void
atomicfile_abort(struct atomicfile *af)
{
	if (af->fp) {
		fclose(af->fp);
	}
	if (af->tmp) {
		unlink(af->tmp);
	}
	atomicfile_clear(af);
}

int
atomicfile_write(const char *target, const void *data, size_t len, int mode,
		 struct pd_err *e)
{
	struct atomicfile af;
	int rc = atomicfile_open(&af, target, mode, e);
	if (rc < 0) {
		return rc;
	}
	if (len > 0 && fwrite(data, 1, len, af.fp) != len) {
		int err = errno ? errno : EIO;
		rc = err_set(e, PD_ERUNTIME, "cannot write '%s': %s", target,
			     strerror(err));
		atomicfile_abort(&af);
		return rc;
	}
	return atomicfile_commit(&af, e);
}
