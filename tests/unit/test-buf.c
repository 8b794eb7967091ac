/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/buf.c. */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "buf.h"

int
main(void)
{
	struct buf b = BUF_INIT;
	ok(b.buf != NULL && b.buf[0] == '\0', "BUF_INIT is an empty string");
	buf_release(&b);
	ok(b.alloc == 0, "release of an unused buffer is a no-op");

	is_int(buf_adds(&b, "hello"), 0, "adds");
	is_int(buf_addf(&b, " %s %d", "world", 42), 0, "addf");
	is_str(b.buf, "hello world 42", "contents after add/addf");
	is_int(b.len, 14, "length");

	for (int i = 0; i < 1000; i++) {
		buf_addf(&b, "%04d", i);
	}
	is_int(b.len, 14 + 4000, "grows past many reallocations");
	ok(memcmp(b.buf + b.len - 4, "0999", 4) == 0, "tail intact");

	buf_setlen(&b, 5);
	is_str(b.buf, "hello", "setlen truncates and terminates");
	buf_consume(&b, 2);
	is_str(b.buf, "llo", "consume drops a prefix");

	size_t n;
	char *s = buf_detach(&b, &n);
	is_str(s, "llo", "detach hands over the string");
	is_int(n, 3, "detach length");
	ok(b.buf == buf_slop && b.len == 0, "detached buffer is empty again");
	free(s);

	struct buf c;
	buf_init(&c, 8);
	is_int(buf_adds(&c, "12345678"), 0, "fits the cap exactly");
	is_int(buf_addch(&c, '9'), -1, "refuses to grow past max");
	is_str(c.buf, "12345678", "contents unchanged after refusal");
	is_int(buf_addf(&c, "%s", "x"), -1, "addf refuses past max");
	is_str(c.buf, "12345678", "addf left contents unchanged");
	buf_release(&c);

	buf_add_json_escaped(&b, "a\"b\\c\n\x01");
	is_str(b.buf, "a\\\"b\\\\c\\n\\u0001", "json escaping");
	buf_reset(&b);
	buf_add_urlenc(&b, "app=demo,tier!=x");
	is_str(b.buf, "app%3Ddemo%2Ctier%21%3Dx", "url encoding");
	buf_reset(&b);
	buf_adds(&b, " \t token\n\r\n");
	buf_trim(&b);
	is_str(b.buf, "token", "trim drops white space at both ends");
	buf_reset(&b);
	buf_adds(&b, " \n ");
	buf_trim(&b);
	is_int(b.len, 0, "trim of white space only leaves nothing");
	buf_release(&b);

	char *e = buf_detach(&b, NULL);
	is_str(e, "", "detach of an empty buffer gives an empty string");
	free(e);
	return done_testing();
}
