/* SPDX-License-Identifier: Apache-2.0 */
/*
 * msg: program-prefixed diagnostics on stderr ("PROG: error: ...",
 * "PROG: warning: ...", "PROG: note: ..."). Only the binaries have these
 * (plugins/common, linked as libpdmsg); libpdcore never prints.
 * msg_set_prog() stores a borrowed pointer that must outlive all later
 * calls (argv[0] or a literal). Nothing here returns memory to free.
 */
#ifndef PD_MSG_H
#define PD_MSG_H

#include "err.h"

void msg_set_prog(const char *prog);
const char *msg_prog(void);
void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print e as an error and return its exit code. */
int msg_err(const struct pd_err *e);
/* git's run_builtin ending: flush stdout; 1 if that fails, else rc. */
int msg_finish(int rc);

#endif
