/* SPDX-License-Identifier: Apache-2.0 */
/*
 * err: the one set of exit codes shared by every pdkit binary, and the error
 * struct library functions fill instead of printing (curl's errorbuffer).
 * Library functions return 0 on success or a negative PD_E* value and, when
 * given a non-NULL struct pd_err, write a one-line lower-case message into
 * its fixed buffer; nothing on the error path needs freeing. err_exit_code()
 * maps an error to the documented exit status.
 */
#ifndef PD_ERR_H
#define PD_ERR_H

/* Exit codes, documented in DEVELOPERS.md and every man page. */
enum pd_exit {
	PD_EXIT_OK = 0,
	PD_EXIT_RUNTIME = 1,   /* network, TLS, server 5xx */
	PD_EXIT_USAGE = 2,
	PD_EXIT_NOTFOUND = 3,
	PD_EXIT_CONFLICT = 4,  /* 409, 422, refused */
	PD_EXIT_AUTH = 5,      /* 401, 403 */
	PD_EXIT_TIMEOUT = 6,   /* timed out or interrupted while waiting */
	PD_EXIT_DEGRADED = 7,  /* rollout Degraded or aborted */
	PD_EXIT_INVALID = 8,   /* invalid input: YAML, template, missing value */
	PD_EXIT_FINDINGS = 9,  /* findings under --check/--strict */
	PD_EXIT_INTERNAL = 70,
};

/* Error kinds; library functions return them negated. */
enum pd_errcode {
	PD_OK = 0,
	PD_ERUNTIME = 1,
	PD_EUSAGE = 2,
	PD_ENOTFOUND = 3,
	PD_ECONFLICT = 4,
	PD_EAUTH = 5,
	PD_ETIMEOUT = 6,
	PD_EDEGRADED = 7,
	PD_EINVALID = 8,
	PD_EFINDINGS = 9,
	PD_ETOOBIG = 10,       /* data over a size limit (maps to runtime) */
	PD_EINTERNAL = 70,
};

struct pd_err {
	int code;          /* enum pd_errcode, positive */
	long http_status;  /* HTTP status when the error came from a server */
	char msg[512];
};

/* Fill e (if non-NULL) and return -code. Message: lower-case, no period. */
int err_set(struct pd_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefix the existing message with "what: ". */
void err_prefix(struct pd_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Exit code for an error kind (positive or negated). */
int err_exit_code(int code);
/* Error kind for an HTTP status (0 for 2xx). */
int err_from_http(long status);

#endif
