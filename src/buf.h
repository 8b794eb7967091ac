/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buf: a growable byte string (git's strbuf with curl's dynbuf size cap).
 * Invariant: b->buf is never NULL and is always NUL-terminated, so it can be
 * passed to string functions at any time; BUF_INIT points it at a shared empty
 * string and allocates nothing. A struct buf owns its storage: buf_release()
 * frees it, buf_detach() hands it to the caller (who free()s it). A buffer
 * with max != 0 refuses to grow past max bytes (for data read from a network).
 */
#ifndef PD_BUF_H
#define PD_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

extern char buf_slop[1];

struct buf {
	char *buf;
	size_t len;
	size_t alloc; /* 0 while buf points at buf_slop */
	size_t max;   /* 0 = unlimited */
};

#define BUF_INIT { .buf = buf_slop, .len = 0, .alloc = 0, .max = 0 }

/* Set up an empty buffer; max 0 means no limit. Allocates nothing. */
void buf_init(struct buf *b, size_t max);
/* Free the contents and leave the buffer as after buf_init (max kept). */
void buf_release(struct buf *b);
/* Empty the buffer, keeping its storage. */
void buf_reset(struct buf *b);
/* Make room for n more bytes. Returns 0, or -1 when max would be passed. */
int buf_grow(struct buf *b, size_t n);
/* Append; each returns 0, or -1 when max would be passed (nothing added). */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addch(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap);
/* Shorten to len bytes (len <= b->len). */
void buf_setlen(struct buf *b, size_t len);
/* Remove the first n bytes. */
void buf_consume(struct buf *b, size_t n);
/* Drop leading and trailing ASCII white space. */
void buf_trim(struct buf *b);
/* Give the caller a malloc()ed NUL-terminated string; the buffer is reset. */
char *buf_detach(struct buf *b, size_t *len);
/* Read a whole file (or stdin when path is "-"). 0, or -1 with errno set. */
int buf_read_file(struct buf *b, const char *path);
/* Append s with JSON string escaping (no surrounding quotes). */
int buf_add_json_escaped(struct buf *b, const char *s);
/* Append s percent-encoded for a URL query or path segment. */
int buf_add_urlenc(struct buf *b, const char *s);

#endif
