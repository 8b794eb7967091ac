/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reqlog: the simulators' request log, one JSON line per request (method,
 * path, query, content_type, body, and with reqlog_write_status() the
 * status answered), appended and flushed as each request completes; httpd.c
 * writes it for every request once reqlog_open() has succeeded. No header
 * but Content-Type is ever logged (so neither Authorization, PRIVATE-TOKEN
 * nor Basic credentials), and credential query arguments are redacted by
 * the caller (httpd_query_redacted()). The log's FILE is
 * owned here: reqlog_close() closes it. Errors fill e and return a negative
 * PD_E* code; nothing is printed.
 */
#ifndef SIMHTTP_REQLOG_H
#define SIMHTTP_REQLOG_H

#include <stddef.h>

#include "err.h"

int reqlog_open(const char *path, struct pd_err *e);
/* Any argument but method and path may be NULL; body is body_len bytes. */
void reqlog_write(const char *method, const char *path, const char *query,
		  const char *ctype, const char *body, size_t body_len);
/* The same with the status answered and the body's length in bytes
 * (body_bytes, also when body is NULL: a body not logged). */
void reqlog_write_status(const char *method, const char *path,
			 const char *query, const char *ctype,
			 const char *body, size_t body_len, int status);
void reqlog_close(void);

#endif
