/* SPDX-License-Identifier: Apache-2.0 */
/*
 * template-int: what the files of the gitops-render engine share, private
 * to src/ (the binaries and tests use template.h). tmpl-values.c holds the
 * values and a string set (keys and anchors), tmpl-expand.c the template actions (Go text/template's subset),
 * tmpl-check.c the --check lints and their light YAML tree, tmpl-render.c
 * the streaming render (reading, the event pass, kyml's documents, the
 * API) and tmpl-scalar.c the templating of one scalar in its source text;
 * yaml-emit.c writes kyml's output.
 *
 * Ownership: tmpl_values_find() returns a borrowed entry of the values;
 * tmpl_expand_run() fills a struct tmpl_expand_res the caller releases with
 * tmpl_expand_res_release(); a struct tmpl_check_builder owns its tree
 * until its root is taken (then tmpl_check_node_free() frees it);
 * tmpl_check_attach() returns a node the builder owns;
 * tmpl_scalar_render() returns a malloc()ed string the caller frees. The
 * render owns the structs it embeds; tmpl_render_src() returns a pointer
 * into the input's window, valid until the window moves.
 */
#ifndef PD_TEMPLATE_INT_H
#define PD_TEMPLATE_INT_H

/* libyaml's header; src/meson.build builds without -I src */
#include <yaml.h>

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"
#include "template.h"

/* ---- tmpl-values.c ---- */

struct tmpl_values_item {
	char *key;
	char *val; /* NULL: unset */
	int origin;
};

/* The entry of key[0..len) (NULL when absent); FNV-1a for the tables. */
struct tmpl_values_item *tmpl_values_find(const struct tmpl_values *v,
					  const char *key, size_t len);
size_t tmpl_values_hash(const char *s, size_t len);

/* A set of strings: a mapping's keys (with the line of each), or a
 * document's anchors (val: an anchored scalar's text, none for an anchored
 * collection; null: that scalar is YAML's null). Keys and values are
 * copied into the set's own text; a zeroed set is empty. */
struct tmpl_values_slot {
	size_t hash;
	size_t key; /* offset + 1 of the key in text; 0: an empty slot */
	size_t val; /* offset + 1 of the value; 0: none */
	long line;
	int null;
};

struct tmpl_values_strset {
	struct tmpl_values_slot *slots;
	size_t cap, n;
	char *text;
	size_t tlen, tcap;
};

/* The slot of key, or NULL (valid until the next put). */
struct tmpl_values_slot *
tmpl_values_strset_find(const struct tmpl_values_strset *set, const char *key);
/* The slot of key, added when absent (*added set, when non-NULL). */
struct tmpl_values_slot *tmpl_values_strset_put(struct tmpl_values_strset *set,
					       const char *key, int *added);
/* A slot's value (borrowed, valid until the next put or setval), or NULL. */
const char *tmpl_values_strset_val(const struct tmpl_values_strset *set,
				   const struct tmpl_values_slot *sl);
/* Set a slot's value to a copy of val[0..len) (NULL: none). */
void tmpl_values_strset_setval(struct tmpl_values_strset *set,
			       struct tmpl_values_slot *sl, const char *val,
			       size_t len);
/* Empty the set, keeping a small table for the next use. */
void tmpl_values_strset_clear(struct tmpl_values_strset *set);
void tmpl_values_strset_release(struct tmpl_values_strset *set);

/* ---- tmpl-expand.c ---- */

enum tmpl_expand_kind {
	TMPL_EXPAND_FIELD = 1,   /* .KEY, .KEY | default "x" */
	TMPL_EXPAND_STRING = 2,  /* "text" or `text`: the {{"{{"}} escape */
	TMPL_EXPAND_COMMENT = 3, /* a comment action */
};

struct tmpl_expand_act {
	size_t start, end; /* "{{" .. after "}}" in the text */
	unsigned ltrim, rtrim;
	enum tmpl_expand_kind kind;
	size_t key, klen; /* the field name (offset in the text) */
	int has_def;
	char *str; /* the string literal or the default (owned) */
	size_t slen;
	size_t rstart, rlen; /* the result in the expanded text */
	size_t lcut, rcut;   /* whitespace the trim markers removed */
};

struct tmpl_expand_res {
	struct buf out;
	struct tmpl_expand_act *acts;
	size_t n, cap;
};

/* Expand every action of s (kyml semantics) into res (zeroed, res->out
 * BUF_INIT). Returns 0, or -PD_EINVALID with e filled and *at the offset
 * of the failing action. */
int tmpl_expand_run(const char *s, size_t len, const struct tmpl_values *v,
		    unsigned flags, struct tmpl_expand_res *res, size_t *at,
		    struct pd_err *e);
void tmpl_expand_res_release(struct tmpl_expand_res *r);
/* The first "{{" in s[0..len), or NULL. */
const char *tmpl_expand_find_open(const char *s, size_t len);
/* Space, tab, carriage return or line feed. */
int tmpl_expand_isws(int c);
/* The value of a hex digit, or -1. */
int tmpl_expand_hexval(int c);

/* ---- tmpl-check.c ---- */

enum tmpl_check_type {
	TMPL_CHECK_NULL,
	TMPL_CHECK_SCALAR,
	TMPL_CHECK_MAP,
	TMPL_CHECK_SEQ
};

struct tmpl_check_node {
	enum tmpl_check_type type;
	int plain;  /* an untagged plain scalar */
	int block;  /* a literal or folded scalar */
	int secret; /* holds a value from the environment: never printed */
	long line;
	char *key; /* in a map */
	char *val; /* scalars */
	struct tmpl_check_node *kid, *last, *next;
};

struct tmpl_check_frame {
	struct tmpl_check_node
	    *node; /* NULL: a collection used as a key (dropped) */
	int want_key;
	char *key;
};

struct tmpl_check_builder {
	struct tmpl_check_node *root;
	struct tmpl_check_frame *st;
	size_t depth, cap;
	long base; /* added to every line */
};

/* An Application whose project is checked at the end. */
struct tmpl_check_app {
	char *file;
	long line;
	char *name;
	char *project;
	int secret; /* the project came from the environment */
};

/* What the lints keep across documents (embedded in the render). */
struct tmpl_check {
	struct tmpl_check_app *apps;
	size_t napps, capapps;
	char **projects; /* AppProject names */
	size_t nprojects, capprojects;
};

void tmpl_check_node_free(struct tmpl_check_node *n);
void tmpl_check_builder_release(struct tmpl_check_builder *b);
/* The builder's events: a scalar (style: 1 untagged plain, 2 block, 0
 * other; returns the new node, NULL when it is a key or dropped), an alias
 * (TMPL_CHECK_NULL), a collection's start and end. */
struct tmpl_check_node *tmpl_check_attach(struct tmpl_check_builder *b,
					  enum tmpl_check_type type, long line,
					  const char *val, size_t len,
					  int style);
void tmpl_check_on_start(struct tmpl_check_builder *b,
			 enum tmpl_check_type type, long line);
void tmpl_check_on_end(struct tmpl_check_builder *b);
/* A scalar event's style for tmpl_check_attach(). */
int tmpl_check_style(const yaml_event_t *ev);

void tmpl_check_init(struct tmpl_check *c);
void tmpl_check_release(struct tmpl_check *c);
/* The lints of one rendered document (findings through r). */
void tmpl_check_document(struct tmpl_check *c, struct tmpl_render *r,
			 const char *file, const struct tmpl_check_node *doc);
/* The lints that need the whole stream. */
void tmpl_check_finish(struct tmpl_check *c, struct tmpl_render *r);

/* ---- tmpl-render.c ---- */

struct tmpl_render_msg {
	enum tmpl_severity sev;
	long line, col;
	char *msg;
};

/* A document, kept whole in kyml mode. */
struct tmpl_render_doc {
	size_t start, end; /* bytes of the input */
	long line, col;    /* where it starts */
	size_t file;
	struct tmpl_render_msg
	    *msgs; /* diagnostics deferred until dedupe is done */
	size_t nmsgs, capmsgs;
	int errors;
	struct tmpl_check_node *check;
	cJSON *tree;
	char *id; /* group, version, kind, namespace, name */
	int order;
	size_t seq;
};

struct tmpl_render {
	const struct tmpl_values *vals;
	struct tmpl_opts o;
	int failed; /* negative PD_E* once failed */
	unsigned nerr, nwarn, nfind;
	struct pd_err first;
	int have_first;
	char **files;
	size_t nfiles, capfiles;
	unsigned long docs_out;
	int wrote, last_nl;
	int finished;
	/* kyml */
	struct tmpl_render_doc **docs;
	size_t ndocs, capdocs;
	size_t *ids; /* open addressing: index in docs + 1 */
	size_t nids;
	size_t seq;
	struct tmpl_check check; /* --check */
};

/* An open collection of the input. */
struct tmpl_render_frame {
	int map, flow, want_key;
	long col;  /* a block collection's column (-1 until known) */
	long bcol; /* the nearest block collection's column, -1 at the root */
	int bmap;  /* that collection is a map */
	struct tmpl_values_strset keys; /* a map's keys so far (duplicates) */
};

struct tmpl_render_edit {
	size_t start, end;
	char *text;
	size_t len;
};

struct tmpl_render_range {
	size_t s, e;
};

/* One input being rendered. */
struct tmpl_render_in {
	struct tmpl_render *r;
	const char *fname;
	size_t file;
	int fd;
	char *wbuf; /* bytes [woff, woff + wlen) of the input */
	size_t woff, wlen, wcap;
	int owned;
	size_t served; /* bytes given to libyaml */
	int eof, read_errno;
	size_t hb; /* the first byte >= 0x80 (after a BOM), SIZE_MAX: none */
	size_t bom;
	size_t cur_ci, cur_bo; /* character index -> byte cursor */
	size_t anchor_pos;     /* a byte whose line and column are known */
	long anchor_line, anchor_col;
	size_t flushed; /* output written up to here */
	struct tmpl_render_edit *edits;
	size_t nedits, capedits;
	struct tmpl_render_range *seen; /* "{{" already reported, or keys */
	size_t nseen, capseen;
	int started, sep_pending, ndocs;
	int unquoted; /* "quote it" errors reported */
	size_t doc_start;
	long doc_line, doc_col;
	int doc_errors, errors, stop;
	struct tmpl_render_doc *kdoc;
	struct tmpl_render_doc **kdocs; /* this input's documents (kyml) */
	size_t nkdocs, capkdocs;
	struct tmpl_render_frame *stack; /* at most YAML_MAX_DEPTH deep */
	size_t depth, capstack;
	struct tmpl_values_strset anchors; /* this document's */
	struct tmpl_check_builder tb;
	yaml_parser_t p;
};

/* Count a diagnostic and pass it to the caller's callback. */
void tmpl_render_emit(struct tmpl_render *r, enum tmpl_severity sev,
		      const char *file, long line, long col, const char *msg);
/* A diagnostic at a place of the input; deferred with the document in
 * kyml mode when defer is set. */
__attribute__((format(printf, 6, 7))) void
tmpl_render_say(struct tmpl_render_in *in, enum tmpl_severity sev, int defer,
		long line, long col, const char *fmt, ...);
/* Line and column (1-based, columns in characters) of byte pos. */
void tmpl_render_linecol(const struct tmpl_render_in *in, size_t pos,
			 long *line, long *col);
/* The input at byte pos (which must be in the window). */
const char *tmpl_render_src(const struct tmpl_render_in *in, size_t pos);
/* The byte offset of libyaml's character index ci. */
size_t tmpl_render_byte(struct tmpl_render_in *in, size_t ci);
/* Mark bytes [s, e) as reported: no "{{ left over" error there. */
void tmpl_render_seen(struct tmpl_render_in *in, size_t s, size_t e);

/* ---- tmpl-scalar.c ---- */

/* A string scalar (not a key) whose value holds "{{": expand it, and in
 * layout mode replace its actions in the source. Returns the expanded
 * value (malloc()ed, length in *rlen), or NULL after an error. */
char *tmpl_scalar_render(struct tmpl_render_in *in, const yaml_event_t *ev,
			 const struct tmpl_render_frame *top, size_t *rlen,
			 int *secret);
/* The scalar's token after its properties (anchor, tag). */
size_t tmpl_scalar_skip_props(const char *S, size_t n);

#endif
