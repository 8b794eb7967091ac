/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tmpl-render: the gitops-render engine's render (see template.h).
 *
 * Layout-preserving mode reads the input once with libyaml's event parser,
 * through a window of the input that is dropped as it is written. A string
 * scalar (never a key) whose value holds "{{" goes to tmpl-scalar.c, which
 * returns its edit; everything outside the placeholder spans is copied
 * byte for byte, one document at a time, after checking it for "{{" left
 * outside string values.
 *
 * libyaml counts marks in characters; the byte offset of a mark is the
 * character index itself until the first non-ASCII byte of the input, and a
 * cursor walking UTF-8 lead bytes after that.
 *
 * kyml mode runs the same pass (positions for messages, deferred per
 * document so a document that a later duplicate replaces is never
 * reported), converts each document with yaml_to_json(), dedupes and sorts
 * as kyml's cat does, expands the strings of the tree and writes it with
 * yaml_emit_go_document() (go-yaml v2's encoder).
 */
#include "template-int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "xalloc.h"
#include "yaml-emit.h"
#include "yaml.h"

#define TMPL_RENDER_MAX_ERRORS 50
#define TMPL_RENDER_CHUNK (256 * 1024)

/* ------------------------------------------------------------------ */
/* diagnostics and output */

void
tmpl_render_emit(struct tmpl_render *r, enum tmpl_severity sev,
		 const char *file, long line, long col, const char *msg)
{
	if (sev == TMPL_ERROR) {
		r->nerr++;
		if (!r->have_first) {
			r->have_first = 1;
			if (file && line && col) {
				err_set(&r->first, PD_EINVALID,
					"%s:%ld:%ld: %s", file, line, col, msg);
			} else if (file && line) {
				err_set(&r->first, PD_EINVALID, "%s:%ld: %s",
					file, line, msg);
			} else if (file) {
				err_set(&r->first, PD_EINVALID, "%s: %s", file,
					msg);
			} else {
				err_set(&r->first, PD_EINVALID, "%s", msg);
			}
		}
	} else if (sev == TMPL_WARNING) {
		r->nwarn++;
	} else {
		r->nfind++;
	}
	if (r->o.diag) {
		struct tmpl_diag d = { sev, file, line, col, msg };
		r->o.diag(r->o.diag_arg, &d);
	}
}

static void
tmpl_render_doc_defer(struct tmpl_render_doc *d, enum tmpl_severity sev,
		      long line, long col, const char *msg)
{
	if (d->nmsgs == d->capmsgs) {
		d->capmsgs = d->capmsgs ? d->capmsgs * 2 : 4;
		d->msgs = xrealloc(d->msgs, d->capmsgs * sizeof(*d->msgs));
	}
	struct tmpl_render_msg *m = &d->msgs[d->nmsgs++];
	m->sev = sev;
	m->line = line;
	m->col = col;
	m->msg = xstrdup(msg);
	if (sev == TMPL_ERROR) {
		d->errors++;
	}
}

/* Line and column (1-based, columns in characters) of byte pos. */
void
tmpl_render_linecol(const struct tmpl_render_in *in, size_t pos, long *line,
		    long *col)
{
	size_t p = in->anchor_pos;
	long l = in->anchor_line, c = in->anchor_col;
	if (pos < p || p < in->woff) {
		*line = in->anchor_line;
		*col = in->anchor_col;
		return;
	}
	const unsigned char *w = (const unsigned char *)in->wbuf;
	size_t lim = in->woff + in->wlen;
	for (; p < pos && p < lim; p++) {
		unsigned char ch = w[p - in->woff];
		if (ch == '\n') {
			l++;
			c = 1;
		} else if ((ch & 0xC0) != 0x80 && ch != '\r') {
			c++;
		}
	}
	*line = l;
	*col = c;
}

void
tmpl_render_say(struct tmpl_render_in *in, enum tmpl_severity sev, int defer,
		long line, long col, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (sev == TMPL_ERROR) {
		in->doc_errors++;
		if (++in->errors >= TMPL_RENDER_MAX_ERRORS) {
			in->stop = 1;
		}
	}
	if (defer && in->kdoc) {
		tmpl_render_doc_defer(in->kdoc, sev, line, col, msg.buf);
	} else {
		tmpl_render_emit(in->r, sev, in->fname, line, col, msg.buf);
	}
	buf_release(&msg);
}

const char *
tmpl_render_src(const struct tmpl_render_in *in, size_t pos)
{
	return in->wbuf + (pos - in->woff);
}

static void
tmpl_render_write(struct tmpl_render *r, const char *p, size_t n)
{
	if (!n || r->failed) {
		return;
	}
	if (r->o.write && r->o.write(r->o.write_arg, p, n) < 0) {
		r->failed = -PD_ERUNTIME;
		if (!r->have_first) {
			r->have_first = 1;
			err_set(&r->first, PD_ERUNTIME,
				"cannot write the output");
		}
		return;
	}
	r->wrote = 1;
	r->last_nl = p[n - 1] == '\n';
}

static void
tmpl_render_out(struct tmpl_render_in *in, const char *p, size_t n)
{
	struct tmpl_render *r = in->r;
	if (!n) {
		return;
	}
	if (!in->started) {
		in->started = 1;
		if (r->wrote && !r->last_nl) {
			tmpl_render_write(r, "\n", 1);
		}
		if (in->sep_pending) {
			tmpl_render_write(r, "---\n", 4);
		}
	}
	tmpl_render_write(r, p, n);
}

/* ------------------------------------------------------------------ */
/* reading */

static size_t
tmpl_render_first_high(const unsigned char *p, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if (w & 0x8080808080808080ull) {
			break;
		}
	}
	for (; i < n; i++) {
		if (p[i] & 0x80) {
			return i;
		}
	}
	return n;
}

static int
tmpl_render_fill(struct tmpl_render_in *in)
{
	if (in->fd < 0 || in->eof) {
		return 0;
	}
	if (!(in->r->o.flags & TMPL_KYML) && in->flushed > in->woff) {
		size_t drop = in->flushed - in->woff;
		if (drop > in->wlen) {
			drop = in->wlen;
		}
		if (drop >= in->wlen / 2 || drop >= ((size_t)4 << 20)) {
			memmove(in->wbuf, in->wbuf + drop, in->wlen - drop);
			in->woff += drop;
			in->wlen -= drop;
		}
	}
	if (in->wcap - in->wlen < TMPL_RENDER_CHUNK) {
		size_t nc = in->wcap * 2;
		if (nc < in->wlen + TMPL_RENDER_CHUNK) {
			nc = in->wlen + TMPL_RENDER_CHUNK;
		}
		in->wbuf = xrealloc(in->wbuf, nc);
		in->wcap = nc;
	}
	for (;;) {
		ssize_t n =
		    read(in->fd, in->wbuf + in->wlen, TMPL_RENDER_CHUNK);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			in->read_errno = errno;
			in->eof = 1;
			return -1;
		}
		if (n == 0) {
			in->eof = 1;
		}
		in->wlen += (size_t)n;
		return 0;
	}
}

static int
tmpl_render_read_handler(void *data, unsigned char *buffer, size_t size,
			 size_t *size_read)
{
	struct tmpl_render_in *in = data;
	if (in->served == in->woff + in->wlen && !in->eof &&
	    tmpl_render_fill(in) < 0) {
		return 0;
	}
	size_t avail = in->woff + in->wlen - in->served;
	size_t n = avail < size ? avail : size;
	const unsigned char *src =
	    (const unsigned char *)tmpl_render_src(in, in->served);
	if (n && in->hb == SIZE_MAX) {
		size_t from = in->served < in->bom ? in->bom - in->served : 0;
		if (from < n) {
			size_t k = tmpl_render_first_high(src + from, n - from);
			if (k < n - from) {
				in->hb = in->served + from + k;
			}
		}
	}
	memcpy(buffer, src, n);
	in->served += n;
	*size_read = n;
	return 1;
}

/* The byte offset of libyaml's character index ci. */
size_t
tmpl_render_byte(struct tmpl_render_in *in, size_t ci)
{
	size_t b = ci + in->bom;
	if (in->hb == SIZE_MAX || b <= in->hb) {
		return b;
	}
	if (in->cur_bo < in->hb || in->cur_bo < in->woff) {
		if (in->hb >= in->woff) {
			in->cur_ci = in->hb - in->bom;
			in->cur_bo = in->hb;
		}
	}
	const unsigned char *w = (const unsigned char *)in->wbuf;
	size_t lim = in->woff + in->wlen;
	while (in->cur_ci < ci && in->cur_bo < lim) {
		unsigned char c = w[in->cur_bo - in->woff];
		in->cur_bo += c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		in->cur_ci++;
	}
	while (in->cur_ci > ci && in->cur_bo > in->woff) {
		do {
			in->cur_bo--;
		} while (in->cur_bo > in->woff &&
			 (w[in->cur_bo - in->woff] & 0xC0) == 0x80);
		in->cur_ci--;
	}
	return in->cur_bo < lim ? in->cur_bo : lim;
}

/* ------------------------------------------------------------------ */
/* the event pass */

void
tmpl_render_seen(struct tmpl_render_in *in, size_t s, size_t e)
{
	if (in->nseen == in->capseen) {
		in->capseen = in->capseen ? in->capseen * 2 : 8;
		in->seen = xrealloc(in->seen, in->capseen * sizeof(*in->seen));
	}
	in->seen[in->nseen].s = s;
	in->seen[in->nseen].e = e;
	in->nseen++;
}

/* Close every open collection and forget the document's anchors. */
static void
tmpl_render_clear_doc(struct tmpl_render_in *in)
{
	while (in->depth) {
		tmpl_values_strset_clear(&in->stack[--in->depth].keys);
	}
	tmpl_values_strset_clear(&in->anchors);
}

static struct tmpl_render_frame *
tmpl_render_top(struct tmpl_render_in *in)
{
	return in->depth ? &in->stack[in->depth - 1] : NULL;
}

/* A key of the map top (text as a C string, as yaml_to_json() compares
 * keys): refused when the map already has it, as kubectl does. */
static void
tmpl_render_key(struct tmpl_render_in *in, struct tmpl_render_frame *top,
		const char *text, const yaml_mark_t *m)
{
	long line = (long)m->line + 1, col = (long)m->column + 1;
	int added = 0;
	struct tmpl_values_slot *sl =
	    tmpl_values_strset_put(&top->keys, text, &added);
	if (!added) {
		tmpl_render_say(in, TMPL_ERROR, 0, line, col, YAML_MSG_DUP_KEY,
				text, sl->line);
		return;
	}
	sl->line = line;
}

/* An anchor of this document: an anchored scalar's text (NULL for a
 * collection), for aliases used as keys. */
static void
tmpl_render_anchor(struct tmpl_render_in *in, const yaml_char_t *name,
		   const char *text, size_t len)
{
	struct tmpl_values_slot *sl =
	    tmpl_values_strset_put(&in->anchors, (const char *)name, NULL);
	tmpl_values_strset_setval(&in->anchors, sl, text, len);
}

static void
tmpl_render_node_done(struct tmpl_render_in *in)
{
	struct tmpl_render_frame *f = tmpl_render_top(in);
	if (f && f->map) {
		f->want_key = !f->want_key;
	}
}

/* Scalars kyml templates: strings (untagged, !!str and friends, or any
 * tag outside the core schema, as go-yaml keeps those as strings). */
static int
tmpl_render_string_tagged(const yaml_event_t *ev)
{
	const char *tag = (const char *)ev->data.scalar.tag;
	if (!tag || strncmp(tag, "tag:yaml.org,2002:", 18) != 0) {
		return 1;
	}
	tag += 18;
	return strcmp(tag, "str") == 0 || strcmp(tag, "binary") == 0 ||
	       strcmp(tag, "timestamp") == 0;
}

/* "{{" at pos starts an unquoted value (a mapping key when is_key, or
 * when the action is followed by ": "): YAML reads a flow mapping. */
static void
tmpl_render_unquoted(struct tmpl_render_in *in, size_t pos, int is_key)
{
	const char *p = tmpl_render_src(in, pos);
	size_t avail = in->woff + in->wlen - pos, k = 0;
	int closed = 0;
	long line, col;
	while (k < avail && p[k] != '\n' && p[k] != '\r') {
		if (k + 1 < avail && p[k] == '}' && p[k + 1] == '}') {
			k += 2;
			closed = 1;
			break;
		}
		k++;
	}
	if (closed && !is_key) {
		size_t a = k;
		while (a < avail && (p[a] == ' ' || p[a] == '\t')) {
			a++;
		}
		is_key = a < avail && p[a] == ':' &&
			 (a + 1 == avail ||
			  tmpl_expand_isws((unsigned char)p[a + 1]));
	}
	if (k > 60) {
		k = 60;
	}
	tmpl_render_linecol(in, pos, &line, &col);
	tmpl_render_seen(in, pos, pos + 2);
	in->unquoted++;
	if (is_key) {
		tmpl_render_say(
		    in, TMPL_ERROR, 0, line, col,
		    "'%.*s' is a mapping key%s: keys are never templated, and "
		    "YAML reads an unquoted '{{' as a flow mapping",
		    (int)k, p, closed ? "" : ", and the action is not closed");
		return;
	}
	tmpl_render_say(
	    in, TMPL_ERROR, 0, line, col,
	    "'%.*s' starts an unquoted value, which YAML reads as a flow "
	    "mapping%s: quote it (\"%.*s%s\")",
	    (int)k, p, closed ? "" : ", and the action is not closed", (int)k,
	    p, closed ? "" : "}}");
}

/* The last "{{" in [from, to) that starts an unquoted value, or SIZE_MAX. */
static size_t
tmpl_render_find_unquoted(struct tmpl_render_in *in, size_t from, size_t to)
{
	size_t found = SIZE_MAX, x = from;
	while (x + 1 < to) {
		const char *base = tmpl_render_src(in, x);
		const char *f = tmpl_expand_find_open(base, to - x);
		if (!f) {
			break;
		}
		size_t pos = x + (size_t)(f - base), ls = pos;
		while (ls > from && *tmpl_render_src(in, ls - 1) != '\n') {
			ls--;
		}
		size_t k = pos;
		while (k > ls && (*tmpl_render_src(in, k - 1) == ' ' ||
				  *tmpl_render_src(in, k - 1) == '\t')) {
			k--;
		}
		int quotes = 0;
		for (size_t q = ls; q < pos; q++) {
			char c = *tmpl_render_src(in, q);
			quotes += c == '"' || c == '\'';
		}
		char prev = k > ls ? *tmpl_render_src(in, k - 1) : '\n';
		/* after a line's indentation, "key: ", "- ", "[" or "," */
		if (!(quotes & 1) &&
		    (prev == '\n' || prev == '[' || prev == ',' ||
		     ((prev == ':' || prev == '-') && k < pos))) {
			found = pos;
		}
		x = pos + 2;
	}
	return found;
}

static void
tmpl_render_on_start(struct tmpl_render_in *in, const yaml_event_t *ev, int map)
{
	struct tmpl_render_frame *top = tmpl_render_top(in);
	int flow, props;
	if (map) {
		flow = ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
		props =
		    ev->data.mapping_start.anchor || ev->data.mapping_start.tag;
	} else {
		flow =
		    ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
		props = ev->data.sequence_start.anchor ||
			ev->data.sequence_start.tag;
	}
	long col = (long)ev->start_mark.column;
	if (in->depth >= YAML_MAX_DEPTH) {
		/* as yaml_to_json() (and rollouts-sim's loader) refuse it;
		 * nothing after it is read */
		tmpl_render_say(in, TMPL_ERROR, 0,
				(long)ev->start_mark.line + 1, col + 1,
				YAML_MSG_DEPTH);
		in->stop = 1;
		return;
	}
	if (top && !top->flow && top->col < 0) {
		top->col = top->map ? col : (col >= 2 ? col - 2 : 0);
	}
	int is_key = top && top->map && top->want_key;
	if (flow) {
		size_t b = tmpl_render_byte(in, ev->start_mark.index);
		const char *s = tmpl_render_src(in, b);
		size_t avail = in->woff + in->wlen - b;
		size_t k = props ? tmpl_scalar_skip_props(s, avail) : 0;
		if (k + 1 < avail && s[k] == '{' && s[k + 1] == '{') {
			tmpl_render_unquoted(in, b + k, is_key);
		}
	}
	const yaml_char_t *anchor = map ? ev->data.mapping_start.anchor
					: ev->data.sequence_start.anchor;
	if (anchor) {
		tmpl_render_anchor(in, anchor, NULL, 0);
	}
	if (in->r->o.flags & TMPL_CHECK) {
		tmpl_check_on_start(&in->tb,
				    map ? TMPL_CHECK_MAP : TMPL_CHECK_SEQ,
				    (long)ev->start_mark.line + 1);
	}
	if (in->depth == in->capstack) {
		in->capstack = in->capstack ? in->capstack * 2 : 32;
		in->stack =
		    xrealloc(in->stack, in->capstack * sizeof(*in->stack));
		/* frames past the depth keep their (empty) key sets */
		memset(in->stack + in->depth, 0,
		       (in->capstack - in->depth) * sizeof(*in->stack));
		/* the stack moved: top pointed into the old one */
		top = tmpl_render_top(in);
	}
	struct tmpl_render_frame *f = &in->stack[in->depth++];
	f->map = map;
	f->flow = flow;
	f->want_key = 1;
	f->col = (!flow && !map && !props) ? col : -1;
	f->bcol = -1;
	f->bmap = 0;
	if (flow && top) {
		f->bcol = top->flow ? top->bcol : top->col;
		f->bmap = top->flow ? top->bmap : top->map;
	}
}

static void
tmpl_render_on_end(struct tmpl_render_in *in)
{
	if (in->depth) {
		tmpl_values_strset_clear(&in->stack[--in->depth].keys);
	}
	if (in->r->o.flags & TMPL_CHECK) {
		tmpl_check_on_end(&in->tb);
	}
	tmpl_render_node_done(in);
}

static void
tmpl_render_on_scalar(struct tmpl_render_in *in, const yaml_event_t *ev)
{
	struct tmpl_render *r = in->r;
	struct tmpl_render_frame *top = tmpl_render_top(in);
	int is_key = top && top->map && top->want_key;
	long col = (long)ev->start_mark.column;
	if (top && !top->flow && top->col < 0) {
		top->col = top->map ? col : (col >= 2 ? col - 2 : 0);
	}
	const char *V = (const char *)ev->data.scalar.value;
	size_t vlen = ev->data.scalar.length, rlen = 0;
	char *R = NULL;
	int secret = 0;
	if (ev->data.scalar.anchor) {
		tmpl_render_anchor(in, ev->data.scalar.anchor, V, vlen);
	}
	if (is_key &&
	    !yaml_is_merge_key((const char *)ev->data.scalar.tag,
			       ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE,
			       V)) {
		/* libyaml's value is NUL-terminated: a C string up to its
		 * first NUL, as yaml_to_json() compares keys */
		tmpl_render_key(in, top, V, &ev->start_mark);
	}
	if (vlen >= 2 && tmpl_expand_find_open(V, vlen)) {
		if (is_key) {
			size_t sb = tmpl_render_byte(in, ev->start_mark.index);
			size_t eb = tmpl_render_byte(in, ev->end_mark.index);
			const char *f =
			    eb > sb ? tmpl_expand_find_open(
					  tmpl_render_src(in, sb), eb - sb)
				    : NULL;
			long line, c;
			tmpl_render_linecol(
			    in,
			    f ? sb + (size_t)(f - tmpl_render_src(in, sb)) : sb,
			    &line, &c);
			if (r->o.flags & TMPL_KYML) {
				tmpl_render_say(
				    in, TMPL_WARNING, 1, line, c,
				    "'{{' in a key is left as it is (kyml "
				    "never templates keys), and Helm would "
				    "read it as a template");
			} else {
				tmpl_render_say(
				    in, TMPL_ERROR, 0, line, c,
				    "'{{' in a key: keys are not templated, "
				    "and Helm would read it as a template");
			}
			tmpl_render_seen(in, sb, eb);
		} else if (tmpl_render_string_tagged(ev)) {
			R = tmpl_scalar_render(in, ev, top, &rlen, &secret);
		}
	}
	if (r->o.flags & TMPL_CHECK) {
		struct tmpl_check_node *n = tmpl_check_attach(
		    &in->tb, TMPL_CHECK_SCALAR, (long)ev->start_mark.line + 1,
		    R ? R : V, R ? rlen : vlen, tmpl_check_style(ev));
		if (n) {
			n->secret = secret;
		}
	}
	free(R);
	tmpl_render_node_done(in);
}

/* An alias used as a key stands for its anchored scalar's text. */
static void
tmpl_render_on_alias(struct tmpl_render_in *in, const yaml_event_t *ev)
{
	struct tmpl_render_frame *top = tmpl_render_top(in);
	if (!top || !top->map || !top->want_key) {
		return;
	}
	const struct tmpl_values_slot *a = tmpl_values_strset_find(
	    &in->anchors, (const char *)ev->data.alias.anchor);
	const char *text = a ? tmpl_values_strset_val(&in->anchors, a) : NULL;
	if (text) {
		tmpl_render_key(in, top, text, &ev->start_mark);
	}
}

/* Report "{{" left between pos x and y of the output's verbatim text. */
static void
tmpl_render_leftover(struct tmpl_render_in *in, size_t x, size_t y)
{
	while (x + 1 < y) {
		const char *base = tmpl_render_src(in, x);
		const char *f = tmpl_expand_find_open(base, y - x);
		if (!f) {
			return;
		}
		size_t pos = x + (size_t)(f - base), skip = 0;
		for (size_t i = 0; i < in->nseen; i++) {
			if (pos >= in->seen[i].s && pos < in->seen[i].e) {
				skip = in->seen[i].e;
				break;
			}
		}
		if (skip) {
			x = skip > pos ? skip : pos + 2;
			continue;
		}
		size_t ls = pos;
		while (ls > in->woff && *tmpl_render_src(in, ls - 1) != '\n') {
			ls--;
		}
		int comment = 0;
		for (size_t k = ls; k < pos; k++) {
			if (*tmpl_render_src(in, k) == '#' &&
			    (k == ls ||
			     tmpl_expand_isws(
				 (unsigned char)*tmpl_render_src(in, k - 1)))) {
				comment = 1;
				break;
			}
		}
		long line, col;
		tmpl_render_linecol(in, pos, &line, &col);
		if (comment) {
			tmpl_render_say(
			    in, TMPL_ERROR, 0, line, col,
			    "'{{' in a comment: Helm reads the whole file as "
			    "a template, comments included; remove it");
		} else {
			tmpl_render_say(
			    in, TMPL_ERROR, 0, line, col,
			    "'{{' outside a string value: it is not "
			    "templated, and Helm would read it as a "
			    "template");
		}
		x = pos + 2;
	}
}

/* Write the input up to upto, with the edits, after checking what is
 * copied as it is for "{{". */
static void
tmpl_render_flush(struct tmpl_render_in *in, size_t upto)
{
	struct tmpl_render *r = in->r;
	if (upto < in->flushed) {
		upto = in->flushed;
	}
	size_t x = in->flushed;
	for (size_t i = 0; i <= in->nedits; i++) {
		size_t y = i < in->nedits ? in->edits[i].start : upto;
		tmpl_render_leftover(in, x, y);
		if (i < in->nedits) {
			x = in->edits[i].end;
		}
	}
	if (!r->nerr && !r->failed) {
		x = in->flushed;
		for (size_t i = 0; i < in->nedits; i++) {
			tmpl_render_out(in, tmpl_render_src(in, x),
					in->edits[i].start - x);
			tmpl_render_out(in, in->edits[i].text,
					in->edits[i].len);
			x = in->edits[i].end;
		}
		tmpl_render_out(in, tmpl_render_src(in, x), upto - x);
	}
	for (size_t i = 0; i < in->nedits; i++) {
		free(in->edits[i].text);
	}
	in->nedits = 0;
	in->nseen = 0;
	in->flushed = upto;
}

static void
tmpl_render_on_doc_start(struct tmpl_render_in *in, const yaml_event_t *ev)
{
	struct tmpl_render *r = in->r;
	in->doc_start = tmpl_render_byte(in, ev->start_mark.index);
	in->doc_line = (long)ev->start_mark.line + 1;
	in->doc_col = (long)ev->start_mark.column + 1;
	in->doc_errors = 0;
	tmpl_render_clear_doc(in);
	if (in->ndocs == 0 && ev->data.document_start.implicit &&
	    r->docs_out > 0) {
		in->sep_pending = 1;
	}
	in->ndocs++;
	tmpl_check_builder_release(&in->tb);
	if (r->o.flags & TMPL_KYML) {
		struct tmpl_render_doc *d = xcalloc(1, sizeof(*d));
		d->start = in->doc_start;
		d->line = in->doc_line;
		d->col = in->doc_col;
		d->file = in->file;
		if (in->nkdocs == in->capkdocs) {
			in->capkdocs = in->capkdocs ? in->capkdocs * 2 : 16;
			in->kdocs = xrealloc(in->kdocs,
					     in->capkdocs * sizeof(*in->kdocs));
		}
		in->kdocs[in->nkdocs++] = d;
		in->kdoc = d;
	}
}

static void
tmpl_render_on_doc_end(struct tmpl_render_in *in, const yaml_event_t *ev)
{
	struct tmpl_render *r = in->r;
	size_t db = tmpl_render_byte(in, ev->end_mark.index);
	if (r->o.flags & TMPL_KYML) {
		if (in->kdoc) {
			in->kdoc->end = db;
			in->kdoc->check = in->tb.root;
			in->tb.root = NULL;
			in->kdoc = NULL;
		}
	} else {
		if ((r->o.flags & TMPL_CHECK) && !in->doc_errors &&
		    in->tb.root) {
			tmpl_check_document(&r->check, r, in->fname,
					    in->tb.root);
		}
		tmpl_render_flush(in, db);
	}
	tmpl_check_builder_release(&in->tb);
	r->docs_out++;
	in->anchor_pos = db;
	in->anchor_line = (long)ev->end_mark.line + 1;
	in->anchor_col = (long)ev->end_mark.column + 1;
	if (in->hb != SIZE_MAX && db >= in->hb) {
		in->cur_ci = ev->end_mark.index;
		in->cur_bo = db;
	}
}

/* Whether [ls, to) has a "{{" outside quotes after a '[' or a lone '{'
 * (a flow collection) that is outside quotes too. */
static int
tmpl_render_flow_action(struct tmpl_render_in *in, size_t ls, size_t to)
{
	const char *s = tmpl_render_src(in, ls);
	size_t n = to - ls;
	char quote = 0;
	int flow = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (quote) {
			if (c == quote) {
				quote = 0;
			}
		} else if (c == '"' || c == '\'') {
			quote = c;
		} else if (c == '{' && i + 1 < n && s[i + 1] == '{') {
			if (flow) {
				return 1;
			}
			i++;
		} else if (c == '[' || c == '{') {
			flow = 1;
		}
	}
	return 0;
}

static void
tmpl_render_parse_error(struct tmpl_render_in *in)
{
	yaml_parser_t *p = &in->p;
	long line, col;
	if (in->read_errno) {
		tmpl_render_say(in, TMPL_ERROR, 0, 0, 0, "cannot read: %s",
				strerror(in->read_errno));
		return;
	}
	if (p->error == YAML_MEMORY_ERROR) {
		tmpl_render_say(in, TMPL_ERROR, 0, 0, 0, "out of memory");
		return;
	}
	size_t pos;
	if (p->error == YAML_READER_ERROR) {
		pos = p->problem_offset;
		tmpl_render_linecol(in, pos, &line, &col);
	} else {
		yaml_mark_t m = p->problem_mark;
		if (m.line == 0 && m.column == 0 && m.index == 0 &&
		    p->context) {
			m = p->context_mark;
		}
		pos = tmpl_render_byte(in, m.index);
		line = (long)m.line + 1;
		col = (long)m.column + 1;
	}
	size_t to = pos;
	while (to < in->woff + in->wlen && *tmpl_render_src(in, to) != '\n') {
		to++;
	}
	/* an unquoted placeholder on the error's line or the line before */
	size_t from = pos, lines = 0;
	size_t lo = in->flushed > in->woff ? in->flushed : in->woff;
	while (from > lo) {
		if (*tmpl_render_src(in, from - 1) == '\n' && ++lines == 2) {
			break;
		}
		from--;
	}
	size_t f = tmpl_render_find_unquoted(in, from, to);
	if (f != SIZE_MAX) {
		for (size_t i = 0; i < in->nseen; i++) {
			if (in->seen[i].s == f) {
				return; /* reported when its mapping started */
			}
		}
		tmpl_render_unquoted(in, f, 0);
		return;
	}
	if (in->unquoted) {
		return; /* a consequence of an unquoted placeholder */
	}
	size_t ls = pos;
	while (ls > lo && *tmpl_render_src(in, ls - 1) != '\n') {
		ls--;
	}
	const char *hint = "";
	int tab =
	    pos < in->woff + in->wlen && *tmpl_render_src(in, pos) == '\t';
	if (tab) {
		/* libyaml names the tab itself only sometimes */
		if (!p->problem || !strstr(p->problem, "tab")) {
			hint = "; a tab cannot indent YAML: indent with spaces";
		}
	} else if (to > ls && tmpl_render_flow_action(in, ls, to)) {
		hint = "; a '{{' in an unquoted value inside [...] or {...} "
		       "ends that value: quote it";
	}
	if (p->context && p->error != YAML_READER_ERROR) {
		tmpl_render_say(in, TMPL_ERROR, 0, line, col,
				"invalid YAML: %s (%s at line %lu)%s",
				p->problem ? p->problem : "syntax error",
				p->context,
				(unsigned long)p->context_mark.line + 1, hint);
	} else {
		tmpl_render_say(in, TMPL_ERROR, 0, line, col,
				"invalid YAML: %s",
				p->problem ? p->problem : "syntax error");
	}
}

/* ------------------------------------------------------------------ */
/* kyml: documents, dedupe, sort */

static void
tmpl_render_doc_free(struct tmpl_render_doc *d)
{
	if (!d) {
		return;
	}
	for (size_t i = 0; i < d->nmsgs; i++) {
		free(d->msgs[i].msg);
	}
	free(d->msgs);
	tmpl_check_node_free(d->check);
	cJSON_Delete(d->tree);
	free(d->id);
	free(d);
}

/* kyml's ordered kinds: group, version, kind. */
static const char *const tmpl_render_kind_order[][3] = {
	{ "", "v1", "Namespace" },
	{ "apiextensions.k8s.io", "v1beta1", "CustomResourceDefinition" },
	{ "storage.k8s.io", "v1", "StorageClass" },
	{ "", "v1", "ConfigMap" },
	{ "", "v1", "Secret" },
	{ "", "v1", "ServiceAccount" },
	{ "rbac.authorization.k8s.io", "v1", "Role" },
	{ "rbac.authorization.k8s.io", "v1", "ClusterRole" },
	{ "rbac.authorization.k8s.io", "v1", "RoleBinding" },
	{ "rbac.authorization.k8s.io", "v1", "ClusterRoleBinding" },
	{ "", "v1", "Service" },
	{ "apps", "v1", "DaemonSet" },
	{ "apps", "v1", "Deployment" },
	{ "apps", "v1", "ReplicaSet" },
	{ "apps", "v1", "StatefulSet" },
	{ "batch", "v1", "Job" },
	{ "batch", "v1beta1", "CronJob" },
	{ "", "v1", "ReplicationController" },
};

/* The identity kyml dedupes on, and the kind's rank. */
static void
tmpl_render_doc_identity(struct tmpl_render_doc *d, const cJSON *root)
{
	const char *api = json_str(root, "apiVersion");
	const char *kind = json_str(root, "kind");
	const char *ns = json_str(root, "metadata.namespace");
	const char *name = json_str(root, "metadata.name");
	char *group = xstrdup(""), *version = xstrdup("");
	api = api ? api : "";
	const char *slash = strchr(api, '/');
	int bad = 0;
	if (!*api || strcmp(api, "/") == 0) {
		/* empty group version */
	} else if (!slash) {
		free(version);
		version = xstrdup(api);
	} else if (!strchr(slash + 1, '/')) {
		free(group);
		free(version);
		group = xstrndup(api, (size_t)(slash - api));
		version = xstrdup(slash + 1);
	} else {
		bad = 1; /* Kubernetes then has no group, version or kind */
	}
	const char *k = bad ? "" : (kind ? kind : "");
	struct buf id = BUF_INIT;
	buf_addf(&id, "%s%c%s%c%s%c%s%c%s", group, 1, version, 1, k, 1,
		 ns ? ns : "", 1, name ? name : "");
	d->id = buf_detach(&id, NULL);
	d->order = 1000;
	for (size_t i = 0; i < sizeof(tmpl_render_kind_order) /
				   sizeof(tmpl_render_kind_order[0]);
	     i++) {
		if (strcmp(tmpl_render_kind_order[i][0], group) == 0 &&
		    strcmp(tmpl_render_kind_order[i][1], version) == 0 &&
		    strcmp(tmpl_render_kind_order[i][2], k) == 0) {
			d->order = (int)i;
			break;
		}
	}
	free(group);
	free(version);
}

static void
tmpl_render_ids_rehash(struct tmpl_render *r)
{
	size_t n = r->nids ? r->nids * 2 : 64;
	free(r->ids);
	r->ids = xcalloc(n, sizeof(*r->ids));
	r->nids = n;
	for (size_t i = 0; i < r->ndocs; i++) {
		size_t h =
		    tmpl_values_hash(r->docs[i]->id, strlen(r->docs[i]->id)) &
		    (n - 1);
		while (r->ids[h]) {
			h = (h + 1) & (n - 1);
		}
		r->ids[h] = i + 1;
	}
}

/* kyml's addOrReplaceExistingDocs: a later duplicate takes the earlier
 * one's place. */
static void
tmpl_render_kyml_add(struct tmpl_render *r, struct tmpl_render_doc *d)
{
	if ((r->ndocs + 1) * 2 > r->nids) {
		tmpl_render_ids_rehash(r);
	}
	size_t mask = r->nids - 1;
	size_t h = tmpl_values_hash(d->id, strlen(d->id)) & mask;
	while (r->ids[h]) {
		struct tmpl_render_doc *o = r->docs[r->ids[h] - 1];
		if (strcmp(o->id, d->id) == 0) {
			r->docs[r->ids[h] - 1] = d;
			tmpl_render_doc_free(o);
			return;
		}
		h = (h + 1) & mask;
	}
	if (r->ndocs == r->capdocs) {
		r->capdocs = r->capdocs ? r->capdocs * 2 : 16;
		r->docs = xrealloc(r->docs, r->capdocs * sizeof(*r->docs));
	}
	r->docs[r->ndocs++] = d;
	r->ids[h] = r->ndocs;
}

/* Convert this input's documents and add them to the stream (kyml). */
static void
tmpl_render_kyml_input(struct tmpl_render_in *in)
{
	struct tmpl_render *r = in->r;
	for (size_t i = 0; i < in->nkdocs; i++) {
		struct tmpl_render_doc *d = in->kdocs[i];
		in->kdocs[i] = NULL;
		if (r->nerr || r->failed || d->end < d->start) {
			tmpl_render_doc_free(d);
			continue;
		}
		struct pd_err ye = { 0 };
		cJSON *arr = yaml_to_json(tmpl_render_src(in, d->start),
					  d->end - d->start, in->fname, &ye);
		if (!arr) {
			/* its lines count from the document's start */
			size_t pl = strlen(in->fname);
			long l = 0, c = 0;
			int used = 0;
			if (strncmp(ye.msg, in->fname, pl) == 0 &&
			    ye.msg[pl] == ':' &&
			    sscanf(ye.msg + pl + 1, "%ld:%ld: %n", &l, &c,
				   &used) == 2 &&
			    used > 0) {
				if (l == 1) {
					c += d->col - 1;
				}
				l += d->line - 1;
				tmpl_render_emit(r, TMPL_ERROR, in->fname, l, c,
						 ye.msg + pl + 1 + used);
			} else {
				tmpl_render_emit(r, TMPL_ERROR, in->fname,
						 d->line, 0, ye.msg);
			}
			tmpl_render_doc_free(d);
			continue;
		}
		cJSON *root = cJSON_DetachItemFromArray(arr, 0);
		cJSON_Delete(arr);
		if (!root) {
			tmpl_render_doc_free(d); /* an empty document */
			continue;
		}
		const char *kind = json_str(root, "kind");
		if (!cJSON_IsObject(root)) {
			tmpl_render_emit(
			    r, TMPL_ERROR, in->fname, d->line, d->col,
			    "this document is not a mapping: kyml needs "
			    "Kubernetes objects");
		} else if (!kind || !*kind) {
			tmpl_render_emit(
			    r, TMPL_ERROR, in->fname, d->line, d->col,
			    "this document has no 'kind': kyml needs "
			    "Kubernetes objects (Object 'Kind' is missing)");
		} else {
			d->tree = root;
			root = NULL;
			tmpl_render_doc_identity(d, d->tree);
			tmpl_render_kyml_add(r, d);
			d = NULL;
		}
		cJSON_Delete(root);
		tmpl_render_doc_free(d);
	}
	in->nkdocs = 0;
}

/* ------------------------------------------------------------------ */
/* one input */

static int
tmpl_render_status(struct tmpl_render *r, struct pd_err *e)
{
	if (r->failed) {
		if (e) {
			*e = r->first;
		}
		return r->failed;
	}
	if (r->nerr) {
		if (e) {
			*e = r->first;
		}
		return -PD_EINVALID;
	}
	return 0;
}

static int
tmpl_render_run(struct tmpl_render *r, struct tmpl_render_in *in,
		struct pd_err *e)
{
	yaml_event_t ev;
	int done = 0;

	if (r->nerr || r->failed || r->finished) {
		return r->finished && !r->nerr && !r->failed
			   ? err_set(e, PD_EINTERNAL, "render already finished")
			   : tmpl_render_status(r, e);
	}
	if (r->nfiles == r->capfiles) {
		r->capfiles = r->capfiles ? r->capfiles * 2 : 4;
		r->files = xrealloc(r->files, r->capfiles * sizeof(*r->files));
	}
	r->files[r->nfiles] = xstrdup(in->fname);
	in->file = r->nfiles++;
	in->fname = r->files[in->file];
	in->r = r;
	in->hb = SIZE_MAX;
	in->anchor_line = 1;
	in->anchor_col = 1;
	while (in->wlen < 4 && !in->eof) {
		if (tmpl_render_fill(in) < 0) {
			break;
		}
	}
	if (in->read_errno) {
		tmpl_render_emit(r, TMPL_ERROR, in->fname, 0, 0,
				 "cannot read the input");
		r->failed = -PD_ERUNTIME;
		err_set(&r->first, PD_ERUNTIME, "%s: cannot read: %s",
			in->fname, strerror(in->read_errno));
		return tmpl_render_status(r, e);
	}
	const unsigned char *u = (const unsigned char *)in->wbuf;
	if (in->wlen >= 2 && ((u[0] == 0xFE && u[1] == 0xFF) ||
			      (u[0] == 0xFF && u[1] == 0xFE))) {
		tmpl_render_emit(
		    r, TMPL_ERROR, in->fname, 1, 1,
		    "UTF-16 input is not supported: convert it to UTF-8");
		return tmpl_render_status(r, e);
	}
	if (in->wlen >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
		in->bom = 3;
	}
	in->anchor_pos = in->bom;
	if (!yaml_parser_initialize(&in->p)) {
		return err_set(e, PD_EINTERNAL, "out of memory");
	}
	yaml_parser_set_input(&in->p, tmpl_render_read_handler, in);
	while (!done && !in->stop && !r->failed) {
		if (!yaml_parser_parse(&in->p, &ev)) {
			tmpl_render_parse_error(in);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			tmpl_render_on_doc_start(in, &ev);
			break;
		case YAML_DOCUMENT_END_EVENT:
			tmpl_render_on_doc_end(in, &ev);
			break;
		case YAML_MAPPING_START_EVENT:
			tmpl_render_on_start(in, &ev, 1);
			break;
		case YAML_SEQUENCE_START_EVENT:
			tmpl_render_on_start(in, &ev, 0);
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			tmpl_render_on_end(in);
			break;
		case YAML_SCALAR_EVENT:
			tmpl_render_on_scalar(in, &ev);
			break;
		case YAML_ALIAS_EVENT:
			tmpl_render_on_alias(in, &ev);
			if (r->o.flags & TMPL_CHECK) {
				tmpl_check_attach(&in->tb, TMPL_CHECK_NULL,
						  (long)ev.start_mark.line + 1,
						  NULL, 0, 0);
			}
			tmpl_render_node_done(in);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&in->p);
	if (done && !(r->o.flags & TMPL_KYML)) {
		tmpl_render_flush(in, in->woff + in->wlen);
	}
	if (r->o.flags & TMPL_KYML) {
		tmpl_render_kyml_input(in);
	}
	return tmpl_render_status(r, e);
}

static void
tmpl_render_in_release(struct tmpl_render_in *in)
{
	for (size_t i = 0; i < in->nedits; i++) {
		free(in->edits[i].text);
	}
	free(in->edits);
	free(in->seen);
	for (size_t i = 0; i < in->nkdocs; i++) {
		tmpl_render_doc_free(in->kdocs[i]);
	}
	free(in->kdocs);
	for (size_t i = 0; i < in->capstack; i++) {
		tmpl_values_strset_release(&in->stack[i].keys);
	}
	tmpl_values_strset_release(&in->anchors);
	free(in->stack);
	tmpl_check_builder_release(&in->tb);
	if (in->owned) {
		free(in->wbuf);
	}
}

/* ------------------------------------------------------------------ */
/* the API */

struct tmpl_render *
tmpl_render_new(const struct tmpl_values *v, const struct tmpl_opts *o)
{
	struct tmpl_render *r = xcalloc(1, sizeof(*r));
	r->vals = v;
	if (o) {
		r->o = *o;
	}
	r->last_nl = 1;
	tmpl_check_init(&r->check);
	return r;
}

int
tmpl_render_fd(struct tmpl_render *r, int fd, const char *fname,
	       struct pd_err *e)
{
	struct tmpl_render_in in;
	memset(&in, 0, sizeof(in));
	in.fd = fd;
	in.fname = fname ? fname : "<stdin>";
	in.owned = 1;
	int rc = tmpl_render_run(r, &in, e);
	tmpl_render_in_release(&in);
	return rc;
}

int
tmpl_render_mem(struct tmpl_render *r, const char *data, size_t len,
		const char *fname, struct pd_err *e)
{
	struct tmpl_render_in in;
	memset(&in, 0, sizeof(in));
	in.fd = -1;
	in.fname = fname ? fname : "<input>";
	in.wbuf = (char *)(data ? data : "");
	in.wlen = data ? len : 0;
	in.wcap = in.wlen;
	in.eof = 1;
	int rc = tmpl_render_run(r, &in, e);
	tmpl_render_in_release(&in);
	return rc;
}

static int
tmpl_render_sort_cmp(const void *x, const void *y)
{
	const struct tmpl_render_doc *a =
	    *(const struct tmpl_render_doc *const *)x;
	const struct tmpl_render_doc *b =
	    *(const struct tmpl_render_doc *const *)y;
	if (a->order != b->order) {
		return a->order < b->order ? -1 : 1;
	}
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Expand the strings of a tree (values only: keys are never templated). */
static void
tmpl_render_kyml_expand(struct tmpl_render *r, cJSON *n, const char *file,
			int depth)
{
	if (depth > 10000) {
		return;
	}
	for (cJSON *k = n->child; k;) {
		cJSON *next = k->next;
		if (cJSON_IsString(k) && k->valuestring &&
		    tmpl_expand_find_open(k->valuestring,
					  strlen(k->valuestring))) {
			struct buf out = BUF_INIT;
			struct pd_err e = { 0 };
			if (tmpl_expand(k->valuestring, strlen(k->valuestring),
					r->vals, r->o.flags, &out, NULL,
					&e) < 0) {
				tmpl_render_emit(r, TMPL_ERROR, file, 0, 0,
						 e.msg);
			} else {
				cJSON *s = cJSON_CreateString(out.buf);
				if (s) {
					/* the key moves to the new item */
					s->string = k->string;
					s->type |=
					    k->type & cJSON_StringIsConst;
					k->string = NULL;
					cJSON_ReplaceItemViaPointer(n, k, s);
				}
			}
			buf_release(&out);
		} else if (cJSON_IsObject(k) || cJSON_IsArray(k)) {
			tmpl_render_kyml_expand(r, k, file, depth + 1);
		}
		k = next;
	}
}

int
tmpl_render_finish(struct tmpl_render *r, struct pd_err *e)
{
	if (r->finished) {
		return tmpl_render_status(r, e);
	}
	r->finished = 1;
	if ((r->o.flags & TMPL_KYML) && !r->nerr && !r->failed) {
		for (size_t i = 0; i < r->ndocs; i++) {
			r->docs[i]->seq = i;
		}
		if (r->ndocs > 1) {
			/* an empty stream has no array (qsort wants one) */
			qsort(r->docs, r->ndocs, sizeof(*r->docs),
			      tmpl_render_sort_cmp);
		}
		for (size_t i = 0; i < r->ndocs; i++) {
			struct tmpl_render_doc *d = r->docs[i];
			for (size_t k = 0; k < d->nmsgs; k++) {
				tmpl_render_emit(
				    r, d->msgs[k].sev, r->files[d->file],
				    d->msgs[k].line, d->msgs[k].col,
				    d->msgs[k].msg);
			}
		}
		if (!r->nerr && (r->o.flags & TMPL_CHECK)) {
			for (size_t i = 0; i < r->ndocs; i++) {
				if (r->docs[i]->check) {
					tmpl_check_document(
					    &r->check, r,
					    r->files[r->docs[i]->file],
					    r->docs[i]->check);
				}
			}
		}
		struct buf out = BUF_INIT;
		for (size_t i = 0; i < r->ndocs && !r->nerr; i++) {
			tmpl_render_kyml_expand(r, r->docs[i]->tree,
						r->files[r->docs[i]->file], 0);
			if (!r->nerr &&
			    yaml_emit_go_document(&out, r->docs[i]->tree) < 0) {
				tmpl_render_emit(r, TMPL_ERROR,
						 r->files[r->docs[i]->file],
						 r->docs[i]->line, 0,
						 "cannot encode this document");
			}
		}
		if (!r->nerr) {
			tmpl_render_write(r, out.buf, out.len);
		}
		buf_release(&out);
	}
	if ((r->o.flags & TMPL_CHECK) && !r->nerr) {
		tmpl_check_finish(&r->check, r);
	}
	return tmpl_render_status(r, e);
}

void
tmpl_render_counts(const struct tmpl_render *r, unsigned *errors,
		   unsigned *warnings, unsigned *findings)
{
	if (errors) {
		*errors = r->nerr;
	}
	if (warnings) {
		*warnings = r->nwarn;
	}
	if (findings) {
		*findings = r->nfind;
	}
}

void
tmpl_render_free(struct tmpl_render *r)
{
	if (!r) {
		return;
	}
	for (size_t i = 0; i < r->ndocs; i++) {
		tmpl_render_doc_free(r->docs[i]);
	}
	free(r->docs);
	free(r->ids);
	for (size_t i = 0; i < r->nfiles; i++) {
		free(r->files[i]);
	}
	free(r->files);
	tmpl_check_release(&r->check);
	free(r);
}

static int
tmpl_render_buf_write(void *arg, const void *p, size_t n)
{
	return buf_add(arg, p, n);
}

int
tmpl_render_string(const char *data, size_t len, const char *fname,
		   const struct tmpl_values *v, unsigned flags, struct buf *out,
		   struct pd_err *e)
{
	struct tmpl_opts o;
	memset(&o, 0, sizeof(o));
	o.flags = flags;
	o.write = tmpl_render_buf_write;
	o.write_arg = out;
	struct tmpl_render *r = tmpl_render_new(v, &o);
	int rc = tmpl_render_mem(r, data, len, fname, e);
	if (rc == 0) {
		rc = tmpl_render_finish(r, e);
	}
	tmpl_render_free(r);
	return rc;
}
