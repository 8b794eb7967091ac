/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atomicfile: the one way pdkit replaces a file. A regular target (or a
 * target that does not exist yet) is written to a temporary file beside it
 * and renamed over it only on commit, so readers see the old or the new
 * contents, never half; the file gets the mode asked for or, without one,
 * the existing file's mode (0666 minus the umask for a new file). A target that exists
 * and is not a regular file (a FIFO, a character device such as /dev/stdout,
 * a symbolic link to one, a terminal) is opened and written directly:
 * renaming over it would replace the device or pipe with a plain file.
 * A symbolic link to a regular file is resolved, so the link survives.
 *
 * struct atomicfile is the caller's (embedded; atomicfile_open fills it);
 * its strings are owned by it and freed by commit or abort. The library
 * never prints; errors fill a struct pd_err.
 */
#ifndef PD_ATOMICFILE_H
#define PD_ATOMICFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "err.h"

struct atomicfile {
	FILE *fp;        /* write here */
	char *target;    /* the path as given (for messages) */
	char *final;     /* the resolved path the temporary is renamed to */
	char *tmp;       /* the temporary's path; NULL when writing directly */
	bool direct;     /* true: the target is not a regular file */
};

/* Open target for replacement. mode: the file's mode (0600 for secrets),
 * or -1 to keep an existing file's (0666 minus the umask for a new one).
 * 0 or -PD_E*. */
int atomicfile_open(struct atomicfile *af, const char *target, int mode,
		    struct pd_err *e);
/* Flush, fsync and rename into place (or just close a direct target).
 * Frees af's strings; 0 or -PD_E* (the temporary is removed on failure). */
int atomicfile_commit(struct atomicfile *af, struct pd_err *e);
/* Close and remove the temporary; the target is untouched. Safe on a
 * zeroed or already finished struct. */
void atomicfile_abort(struct atomicfile *af);
/* Replace target with len bytes of data in one call. */
int atomicfile_write(const char *target, const void *data, size_t len,
		     int mode, struct pd_err *e);

#endif
