/* SPDX-License-Identifier: Apache-2.0 */
/*
 * utf8: decode one UTF-8 character strictly (no overlongs, no surrogates,
 * nothing past U+10FFFF), and encode one. Pure; owns nothing.
 */
#ifndef PD_UTF8_H
#define PD_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The character's length (1..4) with *cp set, or 0 when s (len bytes
 * available) does not start with a valid character. */
size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* Encode cp (up to U+10FFFF; not checked further) into out[0..4):
 * returns how many bytes. */
size_t utf8_encode(uint32_t cp, char *out);

#endif
