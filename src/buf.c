/* SPDX-License-Identifier: Apache-2.0 */
/* buf: growable byte string; see buf.h for the invariants. */
#include "buf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"

char buf_slop[1];

void
buf_init(struct buf *b, size_t max)
{
	b->buf = buf_slop;
	b->len = 0;
	b->alloc = 0;
	b->max = max;
}

void
buf_release(struct buf *b)
{
	if (b->alloc) {
		free(b->buf);
	}
	buf_init(b, b->max);
}

void
buf_reset(struct buf *b)
{
	buf_setlen(b, 0);
}

int
buf_grow(struct buf *b, size_t n)
{
	size_t need = b->len + n + 1;
	if (need < b->len || (b->max && b->len + n > b->max)) {
		return -1;
	}
	if (need <= b->alloc) {
		return 0;
	}
	size_t na = b->alloc ? b->alloc : 64;
	while (na < need) {
		na = na * 3 / 2 + 16;
	}
	if (b->alloc) {
		b->buf = xrealloc(b->buf, na);
	} else {
		b->buf = xmalloc(na);
		b->buf[0] = '\0';
	}
	b->alloc = na;
	return 0;
}

int
buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_grow(b, n) < 0) {
		return -1;
	}
	if (n) {
		memcpy(b->buf + b->len, p, n);
	}
	b->len += n;
	b->buf[b->len] = '\0';
	return 0;
}

int
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_addch(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

int
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(b->buf + b->len, b->alloc ? b->alloc - b->len : 0,
			  fmt, cp);
	va_end(cp);
	if (n < 0) {
		return -1;
	}
	if (b->alloc && (size_t)n < b->alloc - b->len) {
		if (b->max && b->len + (size_t)n > b->max) {
			b->buf[b->len] = '\0';
			return -1;
		}
		b->len += (size_t)n;
		return 0;
	}
	if (buf_grow(b, (size_t)n) < 0) {
		if (b->alloc) {
			b->buf[b->len] = '\0';
		}
		return -1;
	}
	vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

void
buf_setlen(struct buf *b, size_t len)
{
	if (!b->alloc) {
		return;
	}
	if (len > b->len) {
		len = b->len;
	}
	b->len = len;
	b->buf[len] = '\0';
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_setlen(b, 0);
		return;
	}
	memmove(b->buf, b->buf + n, b->len - n);
	buf_setlen(b, b->len - n);
}

char *
buf_detach(struct buf *b, size_t *len)
{
	char *p;
	if (len) {
		*len = b->len;
	}
	if (b->alloc) {
		p = b->buf;
	} else {
		p = xstrdup("");
	}
	buf_init(b, b->max);
	return p;
}

int
buf_read_file(struct buf *b, const char *path)
{
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return -1;
	}
	for (;;) {
		if (buf_grow(b, 65536) < 0) {
			if (fd) {
				close(fd);
			}
			errno = EFBIG;
			return -1;
		}
		ssize_t n = read(fd, b->buf + b->len, b->alloc - b->len - 1);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			int e = errno;
			if (fd) {
				close(fd);
			}
			errno = e;
			return -1;
		}
		if (n == 0) {
			break;
		}
		b->len += (size_t)n;
		b->buf[b->len] = '\0';
	}
	if (fd) {
		close(fd);
	}
	return 0;
}

int
buf_add_json_escaped(struct buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int r;
		switch (*p) {
		case '"': r = buf_add(b, "\\\"", 2); break;
		case '\\': r = buf_add(b, "\\\\", 2); break;
		case '\n': r = buf_add(b, "\\n", 2); break;
		case '\r': r = buf_add(b, "\\r", 2); break;
		case '\t': r = buf_add(b, "\\t", 2); break;
		default:
			if (*p < 0x20) {
				r = buf_addf(b, "\\u%04x", *p);
			} else {
				r = buf_addch(b, (char)*p);
			}
		}
		if (r < 0) {
			return -1;
		}
	}
	return 0;
}

int
buf_add_urlenc(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int r;
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.' || *p == '~') {
			r = buf_addch(b, (char)*p);
		} else {
			char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			r = buf_add(b, e, 3);
		}
		if (r < 0) {
			return -1;
		}
	}
	return 0;
}

void
buf_trim(struct buf *b)
{
	size_t s = 0;
	while (s < b->len && isspace((unsigned char)b->buf[s])) {
		s++;
	}
	buf_consume(b, s);
	size_t n = b->len;
	while (n > 0 && isspace((unsigned char)b->buf[n - 1])) {
		n--;
	}
	buf_setlen(b, n);
}
