/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tmpl-scalar: one templated string scalar in layout-preserving mode. Its
 * value is expanded as kyml expands the decoded string; the actions are
 * then found in the scalar's source text (event marks give the span) and
 * replaced there, each result encoded for the scalar's style (escaped in
 * double quotes, doubled quotes in single quotes, indented in block
 * scalars). The new source text is proven to read back as the expanded
 * value: directly when the change is on one line and cannot alter the
 * scalar's syntax, otherwise by parsing it again in a context rebuilt from
 * its parent (indentation and flow level). A block scalar whose value is
 * itself YAML (Helm values) is checked for values that change its types.
 * kyml mode only expands, and checks block scalars.
 */
#include "template-int.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "xalloc.h"
#include "yaml-emit.h"
#include "yaml.h"

/* ------------------------------------------------------------------ */
/* small helpers */

static int
tmpl_scalar_is_break(uint32_t c)
{
	return c == '\n' || c == '\r' || c == 0x85 || c == 0x2028 ||
	       c == 0x2029;
}

/* What a text holds, for deciding how it may be written. */
struct tmpl_scalar_scan {
	int invalid; /* not UTF-8, or a character YAML cannot hold */
	int breaks;  /* a line break */
};

static void
tmpl_scalar_scan_text(const char *s, size_t len, struct tmpl_scalar_scan *sc)
{
	memset(sc, 0, sizeof(*sc));
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n =
		    utf8_decode((const unsigned char *)s + i, len - i, &cp);
		if (!n) {
			sc->invalid = 1;
			return;
		}
		if (!yaml_emit_printable(cp) || cp == 0xFEFF) {
			sc->invalid = 1;
		}
		if (tmpl_scalar_is_break(cp)) {
			sc->breaks = 1;
		}
		i += n;
	}
}

/* Where an action sits in the scalar's source (relative to its start). */
struct tmpl_scalar_span {
	size_t as, ae; /* "{{" .. after "}}" */
	size_t ts, te; /* with the whitespace the trim markers remove */
};

static size_t
tmpl_scalar_chars(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++) {
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	}
	return c;
}

/* ------------------------------------------------------------------ */
/* finding the actions in the source */

/* A YAML double-quoted escape at s (s[0] == '\\'): its UTF-8 bytes in d. */
static int
tmpl_scalar_dq_escape(const char *s, size_t n, char *d, size_t *dn,
		      size_t *used)
{
	uint32_t cp;
	int hex = 0;
	if (n < 2) {
		return 0;
	}
	switch (s[1]) {
	case '0':
		cp = 0;
		break;
	case 'a':
		cp = 7;
		break;
	case 'b':
		cp = 8;
		break;
	case 't':
	case '\t':
		cp = 9;
		break;
	case 'n':
		cp = 10;
		break;
	case 'v':
		cp = 11;
		break;
	case 'f':
		cp = 12;
		break;
	case 'r':
		cp = 13;
		break;
	case 'e':
		cp = 27;
		break;
	case ' ':
		cp = ' ';
		break;
	case '"':
		cp = '"';
		break;
	case '/':
		cp = '/';
		break;
	case '\'':
		cp = '\'';
		break;
	case '\\':
		cp = '\\';
		break;
	case 'N':
		cp = 0x85;
		break;
	case '_':
		cp = 0xA0;
		break;
	case 'L':
		cp = 0x2028;
		break;
	case 'P':
		cp = 0x2029;
		break;
	case 'x':
		hex = 2;
		break;
	case 'u':
		hex = 4;
		break;
	case 'U':
		hex = 8;
		break;
	default:
		return 0;
	}
	*used = 2;
	if (hex) {
		cp = 0;
		if (n < (size_t)hex + 2) {
			return 0;
		}
		for (int i = 0; i < hex; i++) {
			int h = tmpl_expand_hexval(s[2 + i]);
			if (h < 0) {
				return 0;
			}
			cp = cp << 4 | (uint32_t)h;
		}
		*used = 2 + (size_t)hex;
	}
	*dn = utf8_encode(cp, d);
	return 1;
}

/*
 * Find the actions of a value in the scalar's source S[cs..ce): each must
 * read, in the scalar's style, as the action's text does in the value, on
 * one line. Returns how many matched, in order.
 */
static size_t
tmpl_scalar_match(const char *S, size_t cs, size_t ce,
		  yaml_scalar_style_t style, const char *V,
		  const struct tmpl_expand_act *acts, size_t n,
		  struct tmpl_scalar_span *sp)
{
	size_t pos = cs;
	for (size_t k = 0; k < n; k++) {
		const char *f =
		    pos < ce ? tmpl_expand_find_open(S + pos, ce - pos) : NULL;
		if (!f) {
			return k;
		}
		size_t q = (size_t)(f - S), j = acts[k].start;
		sp[k].as = q;
		while (j < acts[k].end) {
			if (q >= ce) {
				return k;
			}
			char c = S[q];
			if (c == '\n' || c == '\r') {
				return k;
			}
			if (style == YAML_DOUBLE_QUOTED_SCALAR_STYLE &&
			    c == '\\') {
				char d[4];
				size_t dn, used;
				if (!tmpl_scalar_dq_escape(S + q, ce - q, d,
							   &dn, &used) ||
				    j + dn > acts[k].end ||
				    memcmp(V + j, d, dn) != 0) {
					return k;
				}
				j += dn;
				q += used;
				continue;
			}
			if (style == YAML_SINGLE_QUOTED_SCALAR_STYLE &&
			    c == '\'') {
				if (q + 1 >= ce || S[q + 1] != '\'' ||
				    V[j] != '\'') {
					return k;
				}
				j++;
				q += 2;
				continue;
			}
			if (V[j] != c) {
				return k;
			}
			j++;
			q++;
		}
		sp[k].ae = q;
		pos = q;
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* encoding and verifying */

/* Blanks at a line's edge in double quotes, escaped so that folding keeps
 * them. */
static void
tmpl_scalar_edge_blanks(struct buf *t, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		buf_adds(t, s[i] == ' ' ? "\\x20" : "\\t");
	}
}

/* Encode an action's result for the scalar's style. */
static void
tmpl_scalar_encode(struct buf *t, yaml_scalar_style_t style, const char *s,
		   size_t n, size_t indent, int edges)
{
	/* double quotes: blanks at a line's edge would be folded away, so
	 * those are escaped (edges: 1 leading, 2 trailing) */
	size_t lead = 0, trail = n;
	if (edges & 1) {
		while (lead < n && (s[lead] == ' ' || s[lead] == '\t')) {
			lead++;
		}
	}
	if (edges & 2) {
		while (trail > lead &&
		       (s[trail - 1] == ' ' || s[trail - 1] == '\t')) {
			trail--;
		}
	}
	switch (style) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
		yaml_emit_sq(t, s, n);
		return;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		tmpl_scalar_edge_blanks(t, s, lead);
		yaml_emit_dq(t, s + lead, trail - lead, 0);
		tmpl_scalar_edge_blanks(t, s + trail, n - trail);
		return;
	case YAML_LITERAL_SCALAR_STYLE:
	case YAML_FOLDED_SCALAR_STYLE:
		for (size_t i = 0; i < n; i++) {
			buf_addch(t, s[i]);
			if (s[i] == '\n' && (i + 1 == n || s[i + 1] != '\n')) {
				for (size_t k = 0; k < indent; k++) {
					buf_addch(t, ' ');
				}
			}
		}
		return;
	default:
		buf_add(t, s, n);
		return;
	}
}

/* A plain scalar's text that reads back as itself on one line. */
static int
tmpl_scalar_plain_ok(const char *t, size_t n, int flow)
{
	if (!n || tmpl_expand_isws((unsigned char)t[n - 1]) ||
	    t[n - 1] == ':') {
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		if (c == ':' &&
		    (i + 1 == n || tmpl_expand_isws((unsigned char)t[i + 1]) ||
		     (flow && strchr(",[]{}", t[i + 1])))) {
			return 0;
		}
		if (c == '#' && i > 0 &&
		    tmpl_expand_isws((unsigned char)t[i - 1])) {
			return 0;
		}
		if (flow && strchr(",[]{}", c)) {
			return 0;
		}
	}
	return 1;
}

/*
 * Whether t, a scalar's source text (properties included), reads back as
 * want in style, parsed in a context rebuilt from its parent: the parent's
 * indentation and block or flow collection.
 */
static int
tmpl_scalar_verify(const struct tmpl_render_frame *top, const char *t,
		   size_t tlen, const char *want, size_t wlen,
		   yaml_scalar_style_t style)
{
	struct buf d = BUF_INIT;
	const char *suffix = "";
	int keys = 0;
	if (top && !top->flow) {
		for (long i = 0; i < top->col; i++) {
			buf_addch(&d, ' ');
		}
		buf_adds(&d, top->map ? "k: " : "- ");
		keys = top->map;
	} else if (top) {
		if (top->bcol >= 0) {
			for (long i = 0; i < top->bcol; i++) {
				buf_addch(&d, ' ');
			}
			buf_adds(&d, top->bmap ? "k: " : "- ");
			keys = top->bmap;
		}
		if (top->map) {
			buf_adds(&d, "{k: ");
			keys++;
			suffix = "}";
		} else {
			buf_adds(&d, "[");
			suffix = "]";
		}
	}
	size_t tend =
	    tmpl_scalar_chars(d.buf, d.len) + tmpl_scalar_chars(t, tlen);
	buf_add(&d, t, tlen);
	buf_adds(&d, suffix);

	yaml_parser_t p;
	yaml_event_t ev;
	int scalars = 0, ok = 0, bad = 0;
	if (!yaml_parser_initialize(&p)) {
		buf_release(&d);
		return 0;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)d.buf, d.len);
	for (;;) {
		if (!yaml_parser_parse(&p, &ev)) {
			bad = 1;
			break;
		}
		yaml_event_type_t type = ev.type;
		if (type == YAML_SCALAR_EVENT) {
			if (scalars == keys) {
				int block =
				    style == YAML_LITERAL_SCALAR_STYLE ||
				    style == YAML_FOLDED_SCALAR_STYLE;
				ok = ev.data.scalar.style == style &&
				     ev.data.scalar.length == wlen &&
				     memcmp(ev.data.scalar.value, want, wlen) ==
					 0 &&
				     (block || ev.end_mark.index == tend);
			}
			scalars++;
		} else if (type == YAML_ALIAS_EVENT) {
			scalars++;
		}
		yaml_event_delete(&ev);
		if (type == YAML_STREAM_END_EVENT) {
			break;
		}
	}
	yaml_parser_delete(&p);
	buf_release(&d);
	return !bad && ok && scalars == keys + 1;
}

/* ------------------------------------------------------------------ */
/* block scalars that are YAML */

static const char *
tmpl_scalar_type_name(const cJSON *j)
{
	if (cJSON_IsNull(j)) {
		return "null";
	}
	if (cJSON_IsBool(j)) {
		return "a boolean";
	}
	if (cJSON_IsNumber(j)) {
		return j->valuedouble == trunc(j->valuedouble) ? "an integer"
							       : "a float";
	}
	return "a string";
}

/* "'KEY' ('value')", or "'KEY' (from the environment)" for secrets. */
static void
tmpl_scalar_value_desc(const struct tmpl_values *v, const char *V,
		       const struct tmpl_expand_act *a, const char *R,
		       struct buf *out)
{
	const struct tmpl_values_item *t =
	    tmpl_values_find(v, V + a->key, a->klen);
	buf_reset(out);
	if (t && t->origin == TMPL_FROM_ENV) {
		buf_addf(out, "'%.*s' (from the environment)", (int)a->klen,
			 V + a->key);
	} else {
		buf_addf(out, "'%.*s' ('%.*s')", (int)a->klen, V + a->key,
			 (int)(a->rlen > 60 ? 60 : a->rlen), R + a->rstart);
	}
}

/* An open collection of a block scalar's YAML, and its current key. */
struct tmpl_scalar_level {
	int map, want_key;
	struct buf key;
};

/* A line of a block scalar's value, as far as a warning needs it. */
enum { TMPL_SCALAR_SAFE, TMPL_SCALAR_SUSPECT, TMPL_SCALAR_COMPLEX };

static int
tmpl_scalar_shape(const char *R, size_t rlen, size_t rs, size_t re,
		  struct buf *key, cJSON **res)
{
	size_t ls = rs, le = re, i, vs, ve, kend = 0;
	int keyed = 0;
	*res = NULL;
	buf_reset(key);
	if (memchr(R + rs, '\n', re - rs)) {
		return TMPL_SCALAR_COMPLEX;
	}
	while (ls > 0 && R[ls - 1] != '\n') {
		ls--;
	}
	while (le < rlen && R[le] != '\n') {
		le++;
	}
	i = ls;
	while (i < le && R[i] == ' ') {
		i++;
	}
	while (i + 1 < le && R[i] == '-' && R[i + 1] == ' ') {
		i += 2;
		while (i < le && R[i] == ' ') {
			i++;
		}
	}
	if (rs < i) {
		return TMPL_SCALAR_COMPLEX;
	}
	vs = i;
	for (size_t j = i; j < rs; j++) {
		if (R[j] == '#' && j > i &&
		    tmpl_expand_isws((unsigned char)R[j - 1])) {
			return TMPL_SCALAR_SAFE; /* in a comment */
		}
		if (R[j] == ':' &&
		    (j + 1 == le || R[j + 1] == ' ' || R[j + 1] == '\t')) {
			kend = j;
			keyed = 1;
			vs = j + 1;
			break;
		}
	}
	if (keyed) {
		if (strchr("\"'[]{}&*!|>%@`?#,", R[i])) {
			return TMPL_SCALAR_COMPLEX;
		}
		buf_addf(key, "%.*s", (int)(kend - i), R + i);
		while (vs < le && (R[vs] == ' ' || R[vs] == '\t')) {
			vs++;
		}
	}
	if (rs < vs) {
		return TMPL_SCALAR_COMPLEX;
	}
	ve = le;
	for (size_t j = vs; j < le; j++) {
		if (R[j] == '#' && j > vs &&
		    tmpl_expand_isws((unsigned char)R[j - 1])) {
			ve = j;
			break;
		}
	}
	if (ve <= rs && re > rs) {
		return TMPL_SCALAR_SAFE; /* in a comment */
	}
	while (ve > vs && tmpl_expand_isws((unsigned char)R[ve - 1])) {
		ve--;
	}
	if (re > ve || (vs < ve && strchr("\"'[]{}&*!|>%@`", R[vs]))) {
		return TMPL_SCALAR_COMPLEX;
	}
	for (size_t j = vs; j < ve; j++) {
		if (R[j] == ':' &&
		    (j + 1 == ve ||
		     tmpl_expand_isws((unsigned char)R[j + 1]))) {
			return TMPL_SCALAR_COMPLEX;
		}
	}
	cJSON *j = yaml_resolve_plain(R + vs, ve - vs);
	if (cJSON_IsString(j)) {
		cJSON_Delete(j);
		return TMPL_SCALAR_SAFE;
	}
	*res = j;
	return TMPL_SCALAR_SUSPECT;
}

/* Whether text parses as YAML whose root is a mapping or a sequence;
 * otherwise msg (when non-NULL) gets libyaml's complaint. */
static int
tmpl_scalar_is_yaml_doc(const char *s, size_t n, struct buf *msg)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int res = 0, seen_root = 0;
	if (msg) {
		buf_reset(msg);
	}
	if (!yaml_parser_initialize(&p)) {
		return 0;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)s, n);
	for (;;) {
		if (!yaml_parser_parse(&p, &ev)) {
			if (msg) {
				buf_addf(msg, "line %lu: %s",
					 (unsigned long)p.problem_mark.line + 1,
					 p.problem ? p.problem
						   : "invalid YAML");
			}
			res = 0;
			break;
		}
		yaml_event_type_t t = ev.type;
		if (!seen_root && (t == YAML_MAPPING_START_EVENT ||
				   t == YAML_SEQUENCE_START_EVENT ||
				   t == YAML_SCALAR_EVENT)) {
			seen_root = 1;
			res = t != YAML_SCALAR_EVENT;
		}
		yaml_event_delete(&ev);
		if (t == YAML_STREAM_END_EVENT) {
			break;
		}
	}
	yaml_parser_delete(&p);
	return res;
}

/*
 * A block scalar whose expanded value is itself YAML (Helm values): warn
 * when a substituted value makes a plain scalar there read back as another
 * type; fail when it breaks that YAML.
 */
static void
tmpl_scalar_inner_yaml(struct tmpl_render_in *in, int defer, const char *V,
		       size_t vlen, const struct tmpl_expand_res *res,
		       const char *S, size_t sb,
		       const struct tmpl_scalar_span *sp, size_t matched)
{
	const char *R = res->out.buf;
	size_t rlen = res->out.len;
	int complex = 0, yaml = -1;
	struct buf key = BUF_INIT, desc = BUF_INIT, ymsg = BUF_INIT;
	struct tmpl_scalar_level *st = NULL;
	size_t capst = 0, depth = 0;
	size_t *cb = NULL;
	/* the actions a line-level look cannot decide */
	unsigned char *slow = xcalloc(res->n + 1, 1);
	for (size_t k = 0; k < res->n; k++) {
		const struct tmpl_expand_act *a = &res->acts[k];
		if (a->kind != TMPL_EXPAND_FIELD) {
			continue;
		}
		cJSON *j = NULL;
		int sh = tmpl_scalar_shape(R, rlen, a->rstart,
					   a->rstart + a->rlen, &key, &j);
		if (sh == TMPL_SCALAR_COMPLEX) {
			complex = 1;
			slow[k] = 1;
		} else if (sh == TMPL_SCALAR_SUSPECT) {
			if (yaml < 0) {
				yaml = tmpl_scalar_is_yaml_doc(R, rlen, NULL);
			}
			if (yaml) {
				long line, col;
				size_t pos = sb + (k < matched ? sp[k].as : 0);
				tmpl_render_linecol(in, pos, &line, &col);
				tmpl_scalar_value_desc(in->r->vals, V, a, R,
						       &desc);
				size_t an =
				    k < matched ? sp[k].ae - sp[k].as : 0;
				tmpl_render_say(
				    in, TMPL_WARNING, defer, line, col,
				    "the value of %s makes '%s' read back as "
				    "%s under YAML 1.1, as Helm reads these "
				    "values: quote it (%s: \"%.*s\")",
				    desc.buf, key.len ? key.buf : "the value",
				    tmpl_scalar_type_name(j),
				    key.len ? key.buf : "value", (int)an,
				    S + (k < matched ? sp[k].as : 0));
			}
		}
		cJSON_Delete(j);
	}
	if (!complex) {
		goto out;
	}
	/* the slow way: parse the value and look at every plain scalar */
	if (!tmpl_scalar_is_yaml_doc(R, rlen, &ymsg)) {
		/* was it YAML with neutral values in the placeholders? */
		struct buf v2 = BUF_INIT;
		size_t x = 0;
		for (size_t k = 0; k < res->n; k++) {
			buf_add(&v2, V + x, res->acts[k].start - x);
			buf_addch(&v2, 'x');
			x = res->acts[k].end;
		}
		buf_add(&v2, V + x, vlen - x);
		int was = tmpl_scalar_is_yaml_doc(v2.buf, v2.len, NULL);
		buf_release(&v2);
		if (was && ymsg.len) {
			const struct tmpl_expand_act *a =
			    res->n ? &res->acts[0] : NULL;
			long line, col;
			tmpl_render_linecol(in, sb + (matched ? sp[0].as : 0),
					    &line, &col);
			tmpl_render_say(
			    in, TMPL_ERROR, defer, line, col,
			    "the substituted value%s%.*s%s breaks the YAML "
			    "inside this block scalar, which Helm reads as "
			    "values (%s)",
			    a ? " of '" : "", a ? (int)a->klen : 0,
			    a ? V + a->key : "", a ? "'" : "", ymsg.buf);
		}
		goto out;
	}
	yaml_parser_t p;
	yaml_event_t ev;
	if (!yaml_parser_initialize(&p)) {
		goto out;
	}
	/* character index -> byte, for marks inside R */
	size_t nch = tmpl_scalar_chars(R, rlen);
	cb = xmalloc((nch + 1) * sizeof(*cb));
	for (size_t i = 0, c = 0; i <= rlen; i++) {
		if (i == rlen || ((unsigned char)R[i] & 0xC0) != 0x80) {
			cb[c++] = i;
		}
		if (c > nch) {
			break;
		}
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)R, rlen);
	for (;;) {
		if (!yaml_parser_parse(&p, &ev)) {
			break;
		}
		yaml_event_type_t t = ev.type;
		int is_key =
		    depth > 0 && st[depth - 1].map && st[depth - 1].want_key;
		if (t == YAML_MAPPING_START_EVENT ||
		    t == YAML_SEQUENCE_START_EVENT) {
			if (depth == capst) {
				capst = capst ? capst * 2 : 16;
				st = xrealloc(st, capst * sizeof(*st));
				for (size_t l = depth; l < capst; l++) {
					st[l].key = (struct buf)BUF_INIT;
				}
			}
			st[depth].map = t == YAML_MAPPING_START_EVENT;
			st[depth].want_key = 1;
			buf_reset(&st[depth].key);
			depth++;
		} else if (t == YAML_MAPPING_END_EVENT ||
			   t == YAML_SEQUENCE_END_EVENT) {
			if (depth > 0) {
				depth--;
			}
			if (depth > 0 && st[depth - 1].map) {
				st[depth - 1].want_key =
				    !st[depth - 1].want_key;
			}
		} else if (t == YAML_SCALAR_EVENT || t == YAML_ALIAS_EVENT) {
			if (t == YAML_SCALAR_EVENT && is_key) {
				buf_reset(&st[depth - 1].key);
				buf_addf(&st[depth - 1].key, "%.*s",
					 (int)ev.data.scalar.length,
					 ev.data.scalar.value);
			}
			if (t == YAML_SCALAR_EVENT && !is_key &&
			    ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
			    !ev.data.scalar.tag) {
				size_t s0 = ev.start_mark.index <= nch
						? cb[ev.start_mark.index]
						: rlen;
				size_t s1 = ev.end_mark.index <= nch
						? cb[ev.end_mark.index]
						: rlen;
				cJSON *j = yaml_resolve_plain(
				    (const char *)ev.data.scalar.value,
				    ev.data.scalar.length);
				for (size_t k = 0;
				     k < res->n && !cJSON_IsString(j); k++) {
					const struct tmpl_expand_act *a =
					    &res->acts[k];
					if (a->kind != TMPL_EXPAND_FIELD ||
					    !slow[k] ||
					    a->rstart + a->rlen < s0 ||
					    a->rstart > s1 || s0 == s1) {
						continue;
					}
					const char *kn =
					    depth > 0 ? st[depth - 1].key.buf
						      : "";
					long line, col;
					tmpl_render_linecol(
					    in,
					    sb + (k < matched ? sp[k].as : 0),
					    &line, &col);
					tmpl_scalar_value_desc(in->r->vals, V,
							       a, R, &desc);
					size_t an = k < matched
							? sp[k].ae - sp[k].as
							: 0;
					tmpl_render_say(
					    in, TMPL_WARNING, defer, line, col,
					    "the value of %s makes '%s' read "
					    "back as %s under YAML 1.1, as "
					    "Helm "
					    "reads these values: quote it (%s: "
					    "\"%.*s\")",
					    desc.buf, kn[0] ? kn : "the value",
					    tmpl_scalar_type_name(j),
					    kn[0] ? kn : "value", (int)an,
					    S + (k < matched ? sp[k].as : 0));
				}
				cJSON_Delete(j);
			}
			if (depth > 0 && st[depth - 1].map) {
				st[depth - 1].want_key =
				    !st[depth - 1].want_key;
			}
		}
		yaml_event_delete(&ev);
		if (t == YAML_STREAM_END_EVENT) {
			break;
		}
	}
	yaml_parser_delete(&p);
out:
	for (size_t l = 0; l < capst; l++) {
		buf_release(&st[l].key);
	}
	free(st);
	free(cb);
	free(slow);
	buf_release(&key);
	buf_release(&desc);
	buf_release(&ymsg);
}

/* ------------------------------------------------------------------ */
/* the scalar */

/* The scalar's token after its properties (anchor, tag). */
size_t
tmpl_scalar_skip_props(const char *S, size_t n)
{
	size_t i = 0;
	while (i < n && (S[i] == '&' || S[i] == '!')) {
		while (i < n && !tmpl_expand_isws((unsigned char)S[i])) {
			i++;
		}
		while (i < n && tmpl_expand_isws((unsigned char)S[i])) {
			i++;
		}
	}
	return i;
}

/*
 * A string scalar (not a key) whose value holds "{{": expand it, and in
 * layout mode replace its actions in the source. Returns the expanded
 * value (malloc()ed, length in *rlen), or NULL after an error.
 */
char *
tmpl_scalar_render(struct tmpl_render_in *in, const yaml_event_t *ev,
		   const struct tmpl_render_frame *top, size_t *rlen,
		   int *secret)
{
	struct tmpl_render *r = in->r;
	int kyml = (r->o.flags & TMPL_KYML) != 0;
	const char *V = (const char *)ev->data.scalar.value;
	size_t vlen = ev->data.scalar.length;
	yaml_scalar_style_t style = ev->data.scalar.style;
	int block = style == YAML_LITERAL_SCALAR_STYLE ||
		    style == YAML_FOLDED_SCALAR_STYLE;
	struct tmpl_expand_res res;
	struct pd_err e = { 0 };
	size_t at = 0;
	char *out = NULL;
	long line, col;

	size_t sb = tmpl_render_byte(in, ev->start_mark.index);
	size_t eb = tmpl_render_byte(in, ev->end_mark.index);
	if (eb < sb) {
		eb = sb;
	}
	const char *S = tmpl_render_src(in, sb);
	size_t slen = eb - sb;
	size_t tb = (ev->data.scalar.anchor || ev->data.scalar.tag)
			? tmpl_scalar_skip_props(S, slen)
			: 0;
	size_t cs = tb, ce = slen;
	if (style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
	    style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) {
		cs = tb + 1;
		ce = slen > cs ? slen - 1 : cs;
	} else if (block) {
		const char *nl = memchr(S + tb, '\n', slen - tb);
		cs = nl ? (size_t)(nl - S) + 1 : slen;
		ce = slen;
		while (ce > cs && tmpl_expand_isws((unsigned char)S[ce - 1])) {
			ce--;
		}
	}

	memset(&res, 0, sizeof(res));
	res.out = (struct buf)BUF_INIT;
	int rc = tmpl_expand_run(V, vlen, r->vals, r->o.flags, &res, &at, &e);
	struct tmpl_scalar_span *sp = xcalloc(res.n + 1, sizeof(*sp));
	size_t matched =
	    tmpl_scalar_match(S, cs, ce, style, V, res.acts, res.n, sp);
	if (rc < 0) {
		size_t pos = 0;
		if (matched == res.n) {
			size_t from = res.n ? sp[res.n - 1].ae : cs;
			const char *f =
			    from < ce
				? tmpl_expand_find_open(S + from, ce - from)
				: NULL;
			pos = f ? (size_t)(f - S) : 0;
		}
		tmpl_render_linecol(in, sb + pos, &line, &col);
		tmpl_render_say(in, TMPL_ERROR, 1, line, col, "%s", e.msg);
		tmpl_render_seen(in, sb, eb);
		goto done;
	}
	if (kyml) {
		if (block) {
			tmpl_scalar_inner_yaml(in, 1, V, vlen, &res, S, sb, sp,
					       matched);
		}
		goto ok;
	}
	if (matched < res.n) {
		tmpl_render_linecol(in,
				    sb + (matched < res.n && sp[matched].as
					      ? sp[matched].as
					      : 0),
				    &line, &col);
		tmpl_render_say(
		    in, TMPL_ERROR, 0, line, col,
		    "this template action cannot be replaced in place: it "
		    "spans lines, or escapes in the quoted string hide "
		    "its text; write it on one line, without escapes");
		tmpl_render_seen(in, sb, eb);
		goto done;
	}

	/* the trim markers, in the source */
	int crossed = 0, exact = 1;
	for (size_t k = 0; k < res.n; k++) {
		const struct tmpl_expand_act *a = &res.acts[k];
		size_t lo = k ? sp[k - 1].te : cs;
		sp[k].ts = sp[k].as;
		sp[k].te = sp[k].ae;
		if (a->ltrim) {
			while (
			    sp[k].ts > lo &&
			    tmpl_expand_isws((unsigned char)S[sp[k].ts - 1])) {
				sp[k].ts--;
				crossed |=
				    S[sp[k].ts] == '\n' || S[sp[k].ts] == '\r';
			}
		}
		if (a->rtrim) {
			while (sp[k].te < ce &&
			       tmpl_expand_isws((unsigned char)S[sp[k].te])) {
				crossed |=
				    S[sp[k].te] == '\n' || S[sp[k].te] == '\r';
				sp[k].te++;
			}
		}
		if (sp[k].as - sp[k].ts != a->lcut ||
		    sp[k].te - sp[k].ae != a->rcut) {
			exact = 0;
		}
	}

	/* the block's indentation, for values with line breaks */
	size_t indent = 0;
	if (block) {
		size_t i = cs;
		for (;;) {
			size_t k = i;
			while (k < slen && S[k] == ' ') {
				k++;
			}
			if (k < slen && (S[k] == '\n' || S[k] == '\r')) {
				i = k + 1;
				continue;
			}
			indent = k - i;
			break;
		}
	}

	/* the new source text, and whether it plainly reads back right */
	struct buf t = BUF_INIT;
	int fast = exact && !crossed;
	size_t x = 0;
	for (size_t k = 0; k < res.n; k++) {
		const struct tmpl_expand_act *a = &res.acts[k];
		const char *rv = res.out.buf + a->rstart;
		struct tmpl_scalar_scan sc;
		tmpl_scalar_scan_text(rv, a->rlen, &sc);
		if (sc.invalid || sc.breaks) {
			fast = 0;
		}
		/* at a line's start, leading blanks would be indentation */
		int dq = style == YAML_DOUBLE_QUOTED_SCALAR_STYLE, edges = 0;
		size_t ls = sp[k].ts;
		while (ls > 0 && (S[ls - 1] == ' ' || S[ls - 1] == '\t')) {
			ls--;
		}
		if ((ls == 0 || S[ls - 1] == '\n') && ls > tb &&
		    (a->rlen == 0 || tmpl_expand_isws((unsigned char)rv[0]))) {
			if (dq && a->rlen) {
				edges |= 1;
			} else {
				fast = 0;
			}
		}
		/* at the end of a line: trailing blanks are dropped */
		if (!block) {
			size_t le = sp[k].te;
			while (le < slen && (S[le] == ' ' || S[le] == '\t')) {
				le++;
			}
			if (((le < slen && (S[le] == '\n' || S[le] == '\r')) ||
			     (style == YAML_PLAIN_SCALAR_STYLE && le >= ce)) &&
			    (a->rlen == 0 ||
			     tmpl_expand_isws(
				 (unsigned char)rv[a->rlen - 1]))) {
				if (dq && a->rlen) {
					edges |= 2;
				} else {
					fast = 0;
				}
			}
		}
		buf_add(&t, S + x, sp[k].ts - x);
		tmpl_scalar_encode(&t, style, rv, a->rlen, indent, edges);
		x = sp[k].te;
	}
	buf_add(&t, S + x, slen - x);
	if (style == YAML_PLAIN_SCALAR_STYLE && fast &&
	    !tmpl_scalar_plain_ok(t.buf + tb, t.len - tb, top && top->flow)) {
		fast = 0;
	}
	if (!fast && !tmpl_scalar_verify(top, t.buf, t.len, res.out.buf,
					 res.out.len, style)) {
		const struct tmpl_expand_act *a = &res.acts[0];
		for (size_t k = 0; k < res.n; k++) {
			if (res.acts[k].kind == TMPL_EXPAND_FIELD) {
				a = &res.acts[k];
				break;
			}
		}
		tmpl_render_linecol(in, sb + sp[0].as, &line, &col);
		if (!tmpl_scalar_verify(top, S, slen, V, vlen, style)) {
			tmpl_render_say(
			    in, TMPL_ERROR, 0, line, col,
			    "cannot check a substitution in place in this "
			    "scalar (an unusual layout); render with --kyml, "
			    "or simplify the YAML around it");
		} else if (crossed || !exact) {
			tmpl_render_say(
			    in, TMPL_ERROR, 0, line, col,
			    "the trim markers of this action remove line "
			    "breaks or escapes in a way the scalar's text "
			    "cannot keep; drop the trim markers here");
		} else if (style == YAML_PLAIN_SCALAR_STYLE) {
			tmpl_render_say(
			    in, TMPL_ERROR, 0, line, col,
			    "the value of '%.*s' changes the YAML around "
			    "this unquoted scalar (it holds ': ', ' #', a "
			    "flow indicator, a line break or edge "
			    "blanks); quote the scalar: \"%.*s\"",
			    (int)a->klen, V + a->key, (int)(slen - tb), S + tb);
		} else if (style == YAML_SINGLE_QUOTED_SCALAR_STYLE) {
			tmpl_render_say(
			    in, TMPL_ERROR, 0, line, col,
			    "the value of '%.*s' cannot be written in this "
			    "single-quoted scalar (a line break or a control "
			    "character); use double quotes",
			    (int)a->klen, V + a->key);
		} else if (block) {
			tmpl_render_say(
			    in, TMPL_ERROR, 0, line, col,
			    "the value of '%.*s' does not fit this block "
			    "scalar (line breaks in a folded scalar, or "
			    "blanks at the start of a line); use a literal "
			    "block (|) or put the placeholder after other "
			    "text",
			    (int)a->klen, V + a->key);
		} else {
			tmpl_render_say(
			    in, TMPL_ERROR, 0, line, col,
			    "the value of '%.*s' cannot be written in this "
			    "scalar (it is not valid UTF-8, holds characters "
			    "YAML cannot carry, or is empty at the edge of a "
			    "line that folding would change)",
			    (int)a->klen, V + a->key);
		}
		buf_release(&t);
		tmpl_render_seen(in, sb, eb);
		goto done;
	}
	/* an unquoted scalar that now reads back as another type */
	if (style == YAML_PLAIN_SCALAR_STYLE && !ev->data.scalar.tag) {
		cJSON *j = yaml_resolve_plain(res.out.buf, res.out.len);
		if (!cJSON_IsString(j)) {
			struct buf desc = BUF_INIT;
			for (size_t k = 0; k < res.n; k++) {
				if (res.acts[k].kind == TMPL_EXPAND_FIELD) {
					tmpl_scalar_value_desc(
					    r->vals, V, &res.acts[k],
					    res.out.buf, &desc);
					break;
				}
			}
			tmpl_render_linecol(in, sb, &line, &col);
			tmpl_render_say(
			    in, TMPL_WARNING, 0, line, col,
			    "with the value of %s this unquoted scalar "
			    "reads back as %s under YAML 1.1, not as the "
			    "string kyml would keep: quote it (\"%.*s\")",
			    desc.buf, tmpl_scalar_type_name(j),
			    (int)(slen - tb), S + tb);
			buf_release(&desc);
		}
		cJSON_Delete(j);
	}
	if (block) {
		tmpl_scalar_inner_yaml(in, 0, V, vlen, &res, S, sb, sp,
				       matched);
	}
	if (in->nedits == in->capedits) {
		in->capedits = in->capedits ? in->capedits * 2 : 8;
		in->edits =
		    xrealloc(in->edits, in->capedits * sizeof(*in->edits));
	}
	struct tmpl_render_edit *ed = &in->edits[in->nedits++];
	ed->start = sb;
	ed->end = eb;
	ed->len = t.len;
	ed->text = buf_detach(&t, NULL);
ok:
	*rlen = res.out.len;
	for (size_t k = 0; k < res.n; k++) {
		const struct tmpl_values_item *tv = tmpl_values_find(
		    r->vals, V + res.acts[k].key, res.acts[k].klen);
		if (res.acts[k].kind == TMPL_EXPAND_FIELD && tv &&
		    tv->origin == TMPL_FROM_ENV) {
			*secret = 1;
		}
	}
	out = buf_detach(&res.out, NULL);
done:
	free(sp);
	tmpl_expand_res_release(&res);
	return out;
}
