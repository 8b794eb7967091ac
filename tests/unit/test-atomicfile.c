/* SPDX-License-Identifier: Apache-2.0 */
/* atomicfile: regular targets replaced by rename, links kept, pipes and
 * devices written directly, failures leave the target untouched. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "buf.h"
#include "tap.h"
#include "xalloc.h"

static char *
slurp(const char *path)
{
	struct buf b;
	buf_init(&b, 0);
	if (buf_read_file(&b, path) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static int
count_entries(const char *dir)
{
	char *cmd = xasprintf("ls -A '%s' | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	if (p) {
		if (fscanf(p, "%d", &n) != 1) {
			n = -1;
		}
		pclose(p);
	}
	free(cmd);
	return n;
}

int
main(void)
{
	const char *tmpdir = getenv("TMPDIR");
	char *dir = xasprintf("%s/pdkit-atomic.XXXXXX",
			      tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(dir)) {
		printf("1..0 # SKIP cannot make a temporary directory\n");
		return 0;
	}
	struct pd_err e = { 0 };
	char *f = xasprintf("%s/out.yaml", dir);

	is_int(atomicfile_write(f, "one\n", 4, -1, &e), 0, "new file written");
	char *s = slurp(f);
	is_str(s, "one\n", "new file holds the data");
	free(s);
	chmod(f, 0640);
	is_int(atomicfile_write(f, "two\n", 4, -1, &e), 0, "file replaced");
	struct stat st;
	stat(f, &st);
	is_int(st.st_mode & 0777, 0640, "an existing file keeps its mode");
	is_int(atomicfile_write(f, "sec\n", 4, 0600, &e), 0, "forced mode");
	stat(f, &st);
	is_int(st.st_mode & 0777, 0600, "a mode asked for is applied");

	char *l = xasprintf("%s/link.yaml", dir);
	ok(symlink("out.yaml", l) == 0, "symlink made");
	is_int(atomicfile_write(l, "via\n", 4, -1, &e), 0, "write through link");
	struct stat lst;
	lstat(l, &lst);
	ok(S_ISLNK(lst.st_mode), "the link is still a link");
	s = slurp(f);
	is_str(s, "via\n", "its target was replaced");
	free(s);

	/* abort leaves the target and no temporary behind */
	struct atomicfile af;
	is_int(atomicfile_open(&af, f, -1, &e), 0, "open for replacement");
	ok(af.tmp != NULL && !af.direct, "a regular target gets a temporary");
	fputs("half", af.fp);
	atomicfile_abort(&af);
	s = slurp(f);
	is_str(s, "via\n", "abort leaves the target untouched");
	free(s);
	is_int(count_entries(dir), 2, "no temporary left behind");

	/* a FIFO is written directly, never renamed over */
	char *fifo = xasprintf("%s/fifo", dir);
	ok(mkfifo(fifo, 0600) == 0, "fifo made");
	int rfd = open(fifo, O_RDONLY | O_NONBLOCK);
	ok(rfd >= 0, "fifo open for reading");
	is_int(atomicfile_open(&af, fifo, -1, &e), 0, "open a fifo");
	ok(af.direct && af.tmp == NULL, "a fifo is written directly");
	fputs("piped\n", af.fp);
	is_int(atomicfile_commit(&af, &e), 0, "commit to a fifo");
	char got[32] = "";
	ssize_t n = read(rfd, got, sizeof(got) - 1);
	ok(n == 6 && memcmp(got, "piped\n", 6) == 0, "the reader got the data");
	close(rfd);
	lstat(fifo, &st);
	ok(S_ISFIFO(st.st_mode), "the fifo is still a fifo");

	/* a character device */
	is_int(atomicfile_write("/dev/null", "x", 1, -1, &e), 0,
	       "/dev/null written directly");
	stat("/dev/null", &st);
	ok(S_ISCHR(st.st_mode), "/dev/null is still a device");

	/* errors name the file */
	ok(atomicfile_write(dir, "x", 1, -1, &e) < 0, "a directory is refused");
	ok(strstr(e.msg, dir) && strstr(e.msg, "Is a directory"),
	   "the error names it: %s", e.msg);
	char *nodir = xasprintf("%s/missing/out.yaml", dir);
	ok(atomicfile_write(nodir, "x", 1, -1, &e) < 0, "a missing directory");
	ok(strstr(e.msg, "missing/out.yaml") != NULL, "named: %s", e.msg);
	if (access("/dev/full", W_OK) == 0) {
		ok(atomicfile_write("/dev/full", "x", 1, -1, &e) < 0,
		   "a full device fails");
		ok(strstr(e.msg, "/dev/full") != NULL, "named: %s", e.msg);
	}

	unlink(fifo);
	unlink(l);
	unlink(f);
	rmdir(dir);
	free(nodir);
	free(fifo);
	free(l);
	free(f);
	free(dir);
	return done_testing();
}
