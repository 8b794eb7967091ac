/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaml-emit: cJSON to YAML text, the library's one YAML emitter. It drives
 * libyaml's emitter as go-yaml v2's encoder drives its port of it (lines
 * folded at 80 columns, "? " for long or multi-line keys, !!binary for
 * bytes that are not UTF-8, go-yaml's quoting and numbers):
 * yaml_emit_go_document() writes a document as kyml does (sorted keys,
 * "---"), byte for byte; yaml_emit_block() the same encoding with the keys
 * in the tree's order, for `-o yaml` (yaml_from_json()), as kubectl -o yaml
 * writes its values. The in-place renderer shares the scalar decisions
 * (which strings stay plain, YAML's printable set, quoted escapes).
 *
 * Ownership: yaml_emit_block() returns a malloc()ed string the caller
 * frees; the other functions append to a caller's struct buf and keep
 * nothing. Nothing here prints or exits (xalloc aside).
 */
#ifndef PD_YAML_EMIT_H
#define PD_YAML_EMIT_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "buf.h"

/* YAML's c-printable set: tab, line feed, carriage return, U+0020..U+007E,
 * U+0085, U+00A0..U+D7FF, U+E000..U+FFFD, U+10000..U+10FFFF. */
int yaml_emit_printable(uint32_t c);

/* Whether go-yaml v2 writes s plain: s reads back as a string under YAML
 * 1.1 and is not the merge key "<<", .inf/.nan, a base 60 float or a
 * timestamp. */
int yaml_emit_plain_is_string(const char *s, size_t len);

/* Append d as go-yaml v2 writes a number: integral values below 2^63 as
 * integers (as Kubernetes' unstructured objects make them), others as Go's
 * strconv.FormatFloat(d, 'g', -1, 64): exponent from 1e+06 on; NaN,
 * +Inf, -Inf. */
void yaml_emit_number(struct buf *b, double d);

/* Double-quoted escaping: which escapes yaml_emit_dq() writes. */
enum yaml_emit_dq_flags {
	/* libyaml's choice for a whole scalar: tabs escaped, the short forms
	 * \0 \a \b \t \v \f \e, bytes that are not UTF-8 as \xXX. Without
	 * it, only what double quotes cannot hold is escaped (for text put
	 * into an existing scalar): tabs stay, control characters are \xXX,
	 * bytes that are not UTF-8 are copied (the caller refuses them). */
	YAML_EMIT_DQ_NAMED = 1u << 0,
};

/* Append s[0..n) escaped for the inside of a double-quoted scalar (no
 * quotes added). '"', '\\', line breaks (\n \r \N \L \P), the byte order
 * mark (\uFEFF) and characters outside yaml_emit_printable() are always
 * escaped. */
void yaml_emit_dq(struct buf *b, const char *s, size_t n, unsigned flags);

/* Append s[0..n) for the inside of a single-quoted scalar: quotes
 * doubled, nothing else changed. */
void yaml_emit_sq(struct buf *b, const char *s, size_t n);

/* One document as kyml writes it ("---\n", then go-yaml v2's yaml.Marshal
 * of doc), appended to out. Returns 0, or -1 when libyaml refuses it. */
int yaml_emit_go_document(struct buf *out, const cJSON *doc);

/* item as go-yaml v2 encodes it, keys in the tree's order, no "---":
 * `-o yaml` (see the purpose paragraph); NULL gives "null\n". */
char *yaml_emit_block(const cJSON *item);

#endif
