/* SPDX-License-Identifier: Apache-2.0 */
/* base64: RFC 4648 encoding and decoding. */
#include "base64.h"

static const char base64_tab[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
base64_encode(struct buf *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < len) {
			v |= (unsigned)p[i + 1] << 8;
		}
		if (i + 2 < len) {
			v |= p[i + 2];
		}
		char q[4] = { base64_tab[(v >> 18) & 63],
			      base64_tab[(v >> 12) & 63],
			      i + 1 < len ? base64_tab[(v >> 6) & 63] : '=',
			      i + 2 < len ? base64_tab[v & 63] : '=' };
		buf_add(out, q, 4);
	}
}

static int
base64_val(char c)
{
	if (c >= 'A' && c <= 'Z') {
		return c - 'A';
	}
	if (c >= 'a' && c <= 'z') {
		return c - 'a' + 26;
	}
	if (c >= '0' && c <= '9') {
		return c - '0' + 52;
	}
	if (c == '+' || c == '-') {
		return 62;
	}
	if (c == '/' || c == '_') {
		return 63;
	}
	return -1;
}

int
base64_decode(struct buf *out, const char *s, size_t len)
{
	size_t start = out->len;
	unsigned acc = 0;
	int bits = 0;
	bool pad = false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
			continue;
		}
		if (c == '=') {
			pad = true;
			continue;
		}
		int v = base64_val(c);
		if (v < 0 || pad) {
			buf_setlen(out, start);
			return -1;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addch(out, (char)((acc >> bits) & 0xff));
		}
	}
	if (bits >= 6) {
		buf_setlen(out, start);
		return -1;
	}
	return 0;
}
