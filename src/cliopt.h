/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cliopt: getopt_long for pdkit's getopt-based binaries (gitops-render,
 * rollouts-sim), with the rules every pdkit binary follows: long options
 * are spelt in full (no abbreviations: `--port` is not `--port-file`, as
 * Go's flag packages refuse them), and a bad option is one error line in a
 * struct pd_err, never getopt's own message or a usage dump. A long option
 * declared optional_argument is a boolean, as in Go's flag packages:
 * `--x`, `--x=true` and `--x=false` (any strconv.ParseBool spelling) set
 * `on`; any other value is refused, and a separate word is an operand. Operands may
 * come before or after options (GNU permutation). Nothing is allocated;
 * strings returned point into argv.
 */
#ifndef PD_CLIOPT_H
#define PD_CLIOPT_H

#include <getopt.h>
#include <stdbool.h>

#include "err.h"

struct cliopt {
	int argc;
	char **argv;
	const char *shortopts;          /* as getopt_long's, without ':' */
	const struct option *longopts;  /* NULL-terminated */
	bool scanned;
	bool on;                        /* a boolean option's value */
	char shortbuf[128];
};

void cliopt_init(struct cliopt *co, int argc, char **argv,
		 const char *shortopts, const struct option *longopts);
/* The next option as getopt_long returns it (optarg set), -1 after the
 * last, or '?' with e filled: "unknown option '--x'", "option '--x' needs
 * a value", "option '--x' takes no value" (PD_EUSAGE). The operands are
 * argv[optind..argc-1] afterwards. */
int cliopt_next(struct cliopt *co, struct pd_err *e);

#endif
