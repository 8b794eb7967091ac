/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaml-emit: cJSON to YAML text (see yaml-emit.h).
 *
 * The decisions both writers share come first: YAML's printable set, the
 * strings go-yaml v2 keeps plain, number formats, quoted-scalar escapes.
 * Then go-yaml v2's encoder over libyaml's emitter (kyml's output), then
 * the direct block writer (-o yaml).
 */
#include "yaml-emit.h"

/* libyaml's header; src/meson.build builds without -I src, so the angle
 * form is libyaml's and the quoted "yaml.h" below is ours */
#include <yaml.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "utf8.h"
#include "xalloc.h"
#include "yaml.h"

/* ------------------------------------------------------------------ */
/* shared decisions */

static int
yaml_emit_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static int
yaml_emit_isalpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int
yaml_emit_printable(uint32_t c)
{
	return c == 0x09 || c == 0x0A || c == 0x0D ||
	       (c >= 0x20 && c <= 0x7E) || c == 0x85 ||
	       (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
	       (c >= 0x10000 && c <= 0x10FFFF);
}

/* isBase60Float: [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)? */
static int
yaml_emit_base60_float(const char *s, size_t len)
{
	size_t i = 0;
	if (i < len && (s[i] == '+' || s[i] == '-')) {
		i++;
	}
	if (i >= len || !yaml_emit_isdigit((unsigned char)s[i])) {
		return 0;
	}
	while (i < len &&
	       (yaml_emit_isdigit((unsigned char)s[i]) || s[i] == '_')) {
		i++;
	}
	int groups = 0;
	while (i < len && s[i] == ':') {
		i++;
		if (i < len && s[i] >= '0' && s[i] <= '5' && i + 1 < len &&
		    yaml_emit_isdigit((unsigned char)s[i + 1])) {
			i += 2;
		} else if (i < len && yaml_emit_isdigit((unsigned char)s[i])) {
			i++;
		} else {
			return 0;
		}
		groups++;
	}
	if (!groups) {
		return 0;
	}
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && (yaml_emit_isdigit((unsigned char)s[i]) ||
				   s[i] == '_')) {
			i++;
		}
	}
	return i == len;
}

/* Go's getnum(value, false): one or two digits. */
static int
yaml_emit_num12(const char *s, size_t len, size_t *i, int *out)
{
	if (*i >= len || !yaml_emit_isdigit((unsigned char)s[*i])) {
		return 0;
	}
	int v = s[(*i)++] - '0';
	if (*i < len && yaml_emit_isdigit((unsigned char)s[*i])) {
		v = v * 10 + (s[(*i)++] - '0');
	}
	*out = v;
	return 1;
}

static int
yaml_emit_days_in(int month, int year)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31 };
	if (month == 2 && year % 4 == 0 &&
	    (year % 100 != 0 || year % 400 == 0)) {
		return 29;
	}
	return days[month - 1];
}

/*
 * go-yaml v2's parseTimestamp: time.Parse with "2006-1-2T15:4:5.999999999
 * Z07:00" (T or t), "2006-1-2 15:4:5.999999999" or "2006-1-2".
 */
static int
yaml_emit_timestamp(const char *s, size_t len)
{
	size_t i = 0;
	int y = 0, mo, d, h, mi, se;
	for (; i < 4; i++) {
		if (i >= len || !yaml_emit_isdigit((unsigned char)s[i])) {
			return 0;
		}
		y = y * 10 + (s[i] - '0');
	}
	if (i >= len || s[i++] != '-' || !yaml_emit_num12(s, len, &i, &mo) ||
	    mo < 1 || mo > 12 || i >= len || s[i++] != '-' ||
	    !yaml_emit_num12(s, len, &i, &d)) {
		return 0;
	}
	if (d < 1 || d > yaml_emit_days_in(mo, y)) {
		return 0;
	}
	if (i == len) {
		return 1;
	}
	char sep = s[i++];
	if (sep != 'T' && sep != 't' && sep != ' ') {
		return 0;
	}
	if (!yaml_emit_num12(s, len, &i, &h) || h > 23 || i >= len ||
	    s[i++] != ':' || !yaml_emit_num12(s, len, &i, &mi) || mi > 59 ||
	    i >= len || s[i++] != ':' || !yaml_emit_num12(s, len, &i, &se) ||
	    se > 59) {
		return 0;
	}
	if (i + 1 < len && (s[i] == '.' || s[i] == ',') &&
	    yaml_emit_isdigit((unsigned char)s[i + 1])) {
		size_t k = 1;
		while (k < 10 && i + k < len &&
		       yaml_emit_isdigit((unsigned char)s[i + k])) {
			k++;
		}
		i += k;
	}
	if (sep == ' ') {
		return i == len;
	}
	if (i < len && s[i] == 'Z') {
		return i + 1 == len;
	}
	if (i + 6 != len || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':') {
		return 0;
	}
	for (size_t k = 1; k < 6; k++) {
		if (k != 3 && !yaml_emit_isdigit((unsigned char)s[i + k])) {
			return 0;
		}
	}
	int hh = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
	int mm = (s[i + 4] - '0') * 10 + (s[i + 5] - '0');
	return hh <= 24 && mm < 60;
}

int
yaml_emit_plain_is_string(const char *s, size_t len)
{
	if (len == 2 && memcmp(s, "<<", 2) == 0) {
		return 0; /* the merge key */
	}
	cJSON *j = yaml_resolve_plain(s, len);
	int str = cJSON_IsString(j);
	cJSON_Delete(j);
	if (!str) {
		return 0;
	}
	/* yaml.c keeps .inf/.nan as strings: go-yaml reads them as floats */
	static const char *const specials[] = {
		".inf",  ".Inf",  ".INF",  "+.inf", "+.Inf", "+.INF",
		"-.inf", "-.Inf", "-.INF", ".nan",  ".NaN",  ".NAN",
	};
	for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
		if (strlen(specials[i]) == len &&
		    memcmp(specials[i], s, len) == 0) {
			return 0;
		}
	}
	return !yaml_emit_base60_float(s, len) && !yaml_emit_timestamp(s, len);
}

/*
 * The shortest decimal digits that read back to d (finite, not zero):
 * digits[0..*nd) without trailing zeros, *exp10 the decimal exponent of
 * the first. digits holds at least 18 bytes.
 */
static void
yaml_emit_digits(double d, char *digits, int *nd, int *exp10, int *neg)
{
	char tmp[64];
	int p = 1;
	for (; p <= 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*e", p - 1, d);
		if (p == 17 || strtod(tmp, NULL) == d) {
			break;
		}
	}
	*nd = 0;
	*exp10 = 0;
	*neg = 0;
	const char *q = tmp;
	if (*q == '-') {
		*neg = 1;
		q++;
	}
	for (; *q && *q != 'e' && *q != 'E'; q++) {
		if (yaml_emit_isdigit((unsigned char)*q)) {
			digits[(*nd)++] = *q;
		}
	}
	if (*q) {
		*exp10 = atoi(q + 1);
	}
	while (*nd > 1 && digits[*nd - 1] == '0') {
		(*nd)--;
	}
}

/* d (finite, not zero) in the shortest digits, with an exponent when it is
 * below -4 or at least 6 (Go's strconv.FormatFloat(d, 'g', -1, 64)). */
static void
yaml_emit_float(struct buf *b, double d)
{
	char digits[32];
	int nd, exp10, neg;
	yaml_emit_digits(d, digits, &nd, &exp10, &neg);
	if (neg) {
		buf_addch(b, '-');
	}
	if (exp10 < -4 || exp10 >= 6) {
		buf_addch(b, digits[0]);
		if (nd > 1) {
			buf_addch(b, '.');
			buf_add(b, digits + 1, (size_t)nd - 1);
		}
		buf_addf(b, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
	} else if (exp10 < 0) {
		buf_adds(b, "0.");
		for (int k = 0; k < -exp10 - 1; k++) {
			buf_addch(b, '0');
		}
		buf_add(b, digits, (size_t)nd);
	} else {
		int dp = exp10 + 1;
		for (int k = 0; k < dp; k++) {
			buf_addch(b, k < nd ? digits[k] : '0');
		}
		if (nd > dp) {
			buf_addch(b, '.');
			buf_add(b, digits + dp, (size_t)(nd - dp));
		}
	}
}

void
yaml_emit_number(struct buf *b, double d)
{
	double limit = 9223372036854775808.0;
	if (isnan(d)) {
		buf_adds(b, "NaN");
		return;
	}
	if (isinf(d)) {
		buf_adds(b, d > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (d == 0) {
		buf_addch(b, '0');
		return;
	}
	if (d == trunc(d) && fabs(d) < limit) {
		buf_addf(b, "%.0f", d);
		return;
	}
	yaml_emit_float(b, d);
}

void
yaml_emit_dq(struct buf *b, const char *s, size_t n, unsigned flags)
{
	int named = (flags & YAML_EMIT_DQ_NAMED) != 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k =
		    utf8_decode((const unsigned char *)s + i, n - i, &cp);
		if (!k) {
			if (named) {
				buf_addf(b, "\\x%02X", (unsigned char)s[i]);
			} else {
				buf_addch(b, s[i]);
			}
			i++;
			continue;
		}
		const char *esc = NULL;
		switch (cp) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case 0x85:
			esc = "\\N";
			break;
		case 0x2028:
			esc = "\\L";
			break;
		case 0x2029:
			esc = "\\P";
			break;
		case 0xFEFF:
			esc = "\\uFEFF";
			break;
		case 0x00:
			esc = named ? "\\0" : NULL;
			break;
		case 0x07:
			esc = named ? "\\a" : NULL;
			break;
		case 0x08:
			esc = named ? "\\b" : NULL;
			break;
		case 0x09:
			esc = named ? "\\t" : NULL;
			break;
		case 0x0B:
			esc = named ? "\\v" : NULL;
			break;
		case 0x0C:
			esc = named ? "\\f" : NULL;
			break;
		case 0x1B:
			esc = named ? "\\e" : NULL;
			break;
		default:
			break;
		}
		if (esc) {
			buf_adds(b, esc);
		} else if (yaml_emit_printable(cp)) {
			buf_add(b, s + i, k);
		} else if (cp <= 0xFF) {
			buf_addf(b, "\\x%02X", (unsigned)cp);
		} else if (cp <= 0xFFFF) {
			buf_addf(b, "\\u%04X", (unsigned)cp);
		} else {
			buf_addf(b, "\\U%08X", (unsigned)cp);
		}
		i += k;
	}
}

void
yaml_emit_sq(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\'') {
			buf_addch(b, '\'');
		}
		buf_addch(b, s[i]);
	}
}

/* ------------------------------------------------------------------ */
/* go-yaml v2's encoder (kyml) */

/* unicode.IsLetter, approximated: ASCII letters and any non-ASCII rune. */
static int
yaml_emit_go_letter(uint32_t c)
{
	return (c < 0x80 && yaml_emit_isalpha((int)c)) || c >= 0xAA;
}

static int
yaml_emit_go_digit(uint32_t c)
{
	return c >= '0' && c <= '9';
}

static size_t
yaml_emit_go_runes(const char *s, uint32_t *out, size_t cap)
{
	size_t n = 0, len = strlen(s);
	for (size_t i = 0; i < len && n < cap;) {
		uint32_t cp;
		size_t k =
		    utf8_decode((const unsigned char *)s + i, len - i, &cp);
		if (!k) {
			cp = 0xFFFD;
			k = 1;
		}
		out[n++] = cp;
		i += k;
	}
	return n;
}

/* go-yaml v2's keyList.Less for two string keys. */
static int
yaml_emit_go_key_less(const char *as, const char *bs)
{
	uint32_t abuf[256], bbuf[256];
	uint32_t *a = abuf, *b = bbuf;
	size_t la = strlen(as), lb = strlen(bs);
	if (la > 256) {
		a = xmalloc(la * sizeof(*a));
	}
	if (lb > 256) {
		b = xmalloc(lb * sizeof(*b));
	}
	size_t na = yaml_emit_go_runes(as, a, la > 256 ? la : 256);
	size_t nb = yaml_emit_go_runes(bs, b, lb > 256 ? lb : 256);
	int res = -1;
	for (size_t i = 0; i < na && i < nb && res < 0; i++) {
		if (a[i] == b[i]) {
			continue;
		}
		int al = yaml_emit_go_letter(a[i]),
		    bl = yaml_emit_go_letter(b[i]);
		if (al && bl) {
			res = a[i] < b[i];
			break;
		}
		if (al || bl) {
			res = bl;
			break;
		}
		long long an = 0, bn = 0;
		size_t ai, bi;
		if (a[i] == '0' || b[i] == '0') {
			for (size_t j = i;
			     j-- > 0 && yaml_emit_go_digit(a[j]);) {
				if (a[j] != '0') {
					an = 1;
					bn = 1;
					break;
				}
			}
		}
		for (ai = i; ai < na && yaml_emit_go_digit(a[ai]); ai++) {
			an = an * 10 + (a[ai] - '0');
		}
		for (bi = i; bi < nb && yaml_emit_go_digit(b[bi]); bi++) {
			bn = bn * 10 + (b[bi] - '0');
		}
		if (an != bn) {
			res = an < bn;
		} else if (ai != bi) {
			res = ai < bi;
		} else {
			res = a[i] < b[i];
		}
		break;
	}
	if (res < 0) {
		res = na < nb;
	}
	if (a != abuf) {
		free(a);
	}
	if (b != bbuf) {
		free(b);
	}
	return res;
}

static int
yaml_emit_go_key_cmp(const void *x, const void *y)
{
	const cJSON *a = *(const cJSON *const *)x;
	const cJSON *b = *(const cJSON *const *)y;
	const char *as = a->string ? a->string : "";
	const char *bs = b->string ? b->string : "";
	if (yaml_emit_go_key_less(as, bs)) {
		return -1;
	}
	return yaml_emit_go_key_less(bs, as) ? 1 : 0;
}

static int
yaml_emit_go_write(void *data, unsigned char *p, size_t n)
{
	buf_add(data, p, n);
	return 1;
}

static int
yaml_emit_go_event(yaml_emitter_t *em, yaml_event_t *ev)
{
	return yaml_emitter_emit(em, ev) ? 0 : -1;
}

static int
yaml_emit_go_scalar(yaml_emitter_t *em, const char *s, size_t len,
		    const char *tag, yaml_scalar_style_t style)
{
	yaml_event_t ev;
	if (!yaml_scalar_event_initialize(&ev, NULL, (yaml_char_t *)tag,
					  (yaml_char_t *)s, (int)len, !tag,
					  !tag, style)) {
		return -1;
	}
	return yaml_emit_go_event(em, &ev);
}

/* go-yaml v2's stringv. */
static int
yaml_emit_go_string(yaml_emitter_t *em, const char *s)
{
	size_t len = strlen(s);
	int valid = 1;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n =
		    utf8_decode((const unsigned char *)s + i, len - i, &cp);
		if (!n) {
			valid = 0;
			break;
		}
		i += n;
	}
	if (!valid) {
		/* !!binary, base64 in lines of 70 */
		struct buf enc = BUF_INIT, out = BUF_INIT;
		base64_encode(&enc, s, len);
		size_t lines = enc.len / 70 + 1;
		for (size_t i = 0; i < enc.len; i += 70) {
			size_t k = enc.len - i < 70 ? enc.len - i : 70;
			buf_add(&out, enc.buf + i, k);
			if (lines > 1) {
				buf_addch(&out, '\n');
			}
		}
		int rc = yaml_emit_go_scalar(
		    em, out.buf, out.len, "tag:yaml.org,2002:binary",
		    memchr(out.buf, '\n', out.len) ? YAML_LITERAL_SCALAR_STYLE
						   : YAML_PLAIN_SCALAR_STYLE);
		buf_release(&enc);
		buf_release(&out);
		return rc;
	}
	yaml_scalar_style_t style;
	if (memchr(s, '\n', len)) {
		style = YAML_LITERAL_SCALAR_STYLE;
	} else if (yaml_emit_plain_is_string(s, len)) {
		style = YAML_PLAIN_SCALAR_STYLE;
	} else {
		style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	}
	return yaml_emit_go_scalar(em, s, len, NULL, style);
}

static int
yaml_emit_go_node(yaml_emitter_t *em, const cJSON *n, int depth, bool sorted)
{
	yaml_event_t ev;
	if (depth > 10000) {
		return -1;
	}
	if (cJSON_IsObject(n)) {
		size_t cnt = 0;
		for (const cJSON *k = n->child; k; k = k->next) {
			cnt++;
		}
		const cJSON **kids = xmalloc((cnt ? cnt : 1) * sizeof(*kids));
		cnt = 0;
		for (const cJSON *k = n->child; k; k = k->next) {
			kids[cnt++] = k;
		}
		if (sorted) {
			qsort(kids, cnt, sizeof(*kids), yaml_emit_go_key_cmp);
		}
		int rc = yaml_mapping_start_event_initialize(
			     &ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE)
			     ? yaml_emit_go_event(em, &ev)
			     : -1;
		for (size_t i = 0; i < cnt && !rc; i++) {
			rc = yaml_emit_go_string(
			    em, kids[i]->string ? kids[i]->string : "");
			if (!rc) {
				rc = yaml_emit_go_node(em, kids[i], depth + 1, sorted);
			}
		}
		free(kids);
		if (!rc) {
			rc = yaml_mapping_end_event_initialize(&ev)
				 ? yaml_emit_go_event(em, &ev)
				 : -1;
		}
		return rc;
	}
	if (cJSON_IsArray(n)) {
		int rc = yaml_sequence_start_event_initialize(
			     &ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE)
			     ? yaml_emit_go_event(em, &ev)
			     : -1;
		for (const cJSON *k = n->child; k && !rc; k = k->next) {
			rc = yaml_emit_go_node(em, k, depth + 1, sorted);
		}
		if (!rc) {
			rc = yaml_sequence_end_event_initialize(&ev)
				 ? yaml_emit_go_event(em, &ev)
				 : -1;
		}
		return rc;
	}
	if (cJSON_IsString(n) || cJSON_IsRaw(n)) {
		return yaml_emit_go_string(em, n->valuestring ? n->valuestring
							      : "");
	}
	if (cJSON_IsNumber(n)) {
		struct buf num = BUF_INIT;
		yaml_emit_number(&num, n->valuedouble);
		int rc = yaml_emit_go_scalar(em, num.buf, num.len, NULL,
					     YAML_PLAIN_SCALAR_STYLE);
		buf_release(&num);
		return rc;
	}
	if (cJSON_IsBool(n)) {
		const char *t = cJSON_IsTrue(n) ? "true" : "false";
		return yaml_emit_go_scalar(em, t, strlen(t), NULL,
					   YAML_PLAIN_SCALAR_STYLE);
	}
	return yaml_emit_go_scalar(em, "null", 4, NULL,
				   YAML_PLAIN_SCALAR_STYLE);
}

/*
 * One document as kyml writes it ("---\n", then yaml.Marshal), appended
 * to out. libyaml 0.2.5 ends a document with "..." whenever a keep-chomped
 * block scalar ("|+") was written in it; go-yaml's port only when that
 * scalar was the last thing written, which is when an empty line precedes.
 */
static int
yaml_emit_go_doc(struct buf *out, const cJSON *doc, bool sorted)
{
	yaml_emitter_t em;
	yaml_event_t ev;
	struct buf b = BUF_INIT;
	int rc = -1;
	if (!yaml_emitter_initialize(&em)) {
		return -1;
	}
	yaml_emitter_set_output(&em, yaml_emit_go_write, &b);
	yaml_emitter_set_unicode(&em, 1);
	if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) ||
	    yaml_emit_go_event(&em, &ev) < 0 ||
	    !yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) ||
	    yaml_emit_go_event(&em, &ev) < 0 ||
	    yaml_emit_go_node(&em, doc, 0, sorted) < 0 ||
	    !yaml_document_end_event_initialize(&ev, 1) ||
	    yaml_emit_go_event(&em, &ev) < 0 ||
	    !yaml_stream_end_event_initialize(&ev) ||
	    yaml_emit_go_event(&em, &ev) < 0 || !yaml_emitter_flush(&em)) {
		goto out;
	}
	if (b.len >= 4 && memcmp(b.buf + b.len - 4, "...\n", 4) == 0 &&
	    !(b.len >= 6 && memcmp(b.buf + b.len - 6, "\n\n...\n", 6) == 0)) {
		buf_setlen(&b, b.len - 4);
	}
	buf_add(out, b.buf, b.len);
	rc = 0;
out:
	yaml_emitter_delete(&em);
	buf_release(&b);
	return rc;
}

int
yaml_emit_go_document(struct buf *out, const cJSON *doc)
{
	buf_adds(out, "---\n");
	return yaml_emit_go_doc(out, doc, true);
}

/* -o yaml: the same encoder, keys in the tree's order, no "---". */
char *
yaml_emit_block(const cJSON *item)
{
	struct buf b = BUF_INIT;
	if (!item || yaml_emit_go_doc(&b, item, false) < 0) {
		buf_reset(&b);
		buf_adds(&b, "null\n");
	}
	return buf_detach(&b, NULL);
}
