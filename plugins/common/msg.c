/* SPDX-License-Identifier: Apache-2.0 */
/* msg: program-prefixed diagnostics on stderr (the binaries' side: the
 * library never prints). */
#include "msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"

static const char *msg_progname = "pdkit";

void
msg_set_prog(const char *prog)
{
	const char *s = strrchr(prog, '/');
	msg_progname = s ? s + 1 : prog;
}

const char *
msg_prog(void)
{
	return msg_progname;
}

static void
msg_vprint(const char *kind, const char *fmt, va_list ap)
{
	struct buf line = BUF_INIT;
	buf_vaddf(&line, fmt, ap);
	fprintf(stderr, "%s: %s: %s\n", msg_progname, kind, line.buf);
	buf_release(&line);
}

void
msg_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	msg_vprint("error", fmt, ap);
	va_end(ap);
}

void
msg_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	msg_vprint("warning", fmt, ap);
	va_end(ap);
}

void
msg_note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	msg_vprint("note", fmt, ap);
	va_end(ap);
}

int
msg_err(const struct pd_err *e)
{
	msg_error("%s", e->msg);
	return err_exit_code(e->code);
}

int
msg_finish(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (rc == 0) {
			msg_error("write failure on standard output");
			return 1;
		}
	}
	return rc;
}
