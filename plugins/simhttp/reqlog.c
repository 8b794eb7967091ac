/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reqlog: one JSON line per request (method, path, query, content_type,
 * body; status and body_bytes when written after the answer), appended and
 * flushed as each request completes. No credential is ever logged: httpd.c
 * passes only the Content-Type header and a redacted query.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include "buf.h"
#include "reqlog.h"

static FILE *reqlog_fp;
static pthread_mutex_t reqlog_mu = PTHREAD_MUTEX_INITIALIZER;

int
reqlog_open(const char *path, struct pd_err *e)
{
	reqlog_fp = fopen(path, "a");
	if (!reqlog_fp) {
		return err_set(e, PD_ERUNTIME, "cannot open request log '%s'",
			       path);
	}
	return 0;
}

static void
reqlog_field(struct buf *b, const char *k, const char *v, bool comma)
{
	buf_addf(b, "%s\"%s\":\"", comma ? "," : "", k);
	buf_add_json_escaped(b, v ? v : "");
	buf_addch(b, '"');
}

static void
reqlog_line(const char *method, const char *path, const char *query,
	    const char *ctype, const char *body, size_t body_len,
	    int status, size_t bytes)
{
	struct buf b = BUF_INIT;
	buf_addch(&b, '{');
	reqlog_field(&b, "method", method, false);
	reqlog_field(&b, "path", path, true);
	reqlog_field(&b, "query", query, true);
	reqlog_field(&b, "content_type", ctype, true);
	/* body may hold NULs in theory; log up to the first */
	char *copy = strndup(body ? body : "", body_len);
	reqlog_field(&b, "body", copy, true);
	free(copy);
	if (status >= 0) {
		buf_addf(&b, ",\"status\":%d,\"body_bytes\":%zu", status,
			 bytes);
	}
	buf_adds(&b, "}\n");
	pthread_mutex_lock(&reqlog_mu);
	fwrite(b.buf, 1, b.len, reqlog_fp);
	fflush(reqlog_fp);
	pthread_mutex_unlock(&reqlog_mu);
	buf_release(&b);
}

void
reqlog_write(const char *method, const char *path, const char *query,
	     const char *ctype, const char *body, size_t body_len)
{
	if (reqlog_fp) {
		reqlog_line(method, path, query, ctype, body, body_len, -1,
			    0);
	}
}

void
reqlog_write_status(const char *method, const char *path, const char *query,
		    const char *ctype, const char *body, size_t body_len,
		    int status)
{
	if (reqlog_fp) {
		reqlog_line(method, path, query, ctype, body ? body : "",
			    body ? body_len : 0, status, body_len);
	}
}

void
reqlog_close(void)
{
	if (reqlog_fp) {
		fclose(reqlog_fp);
		reqlog_fp = NULL;
	}
}
