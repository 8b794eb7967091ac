/* SPDX-License-Identifier: Apache-2.0 */
/*
 * template: the gitops-render engine. It fills kyml-style placeholders
 * ({{.KEY}}, {{ .KEY }}, trim markers {{- .KEY -}}, {{ .KEY | default "x" }}
 * and the escape {{"{{"}}) in the string values of a YAML stream, never in
 * keys, and writes either the input with only the placeholder spans changed
 * (layout-preserving, the default) or kyml's canonical re-encoding
 * (TMPL_KYML: dedupe by group/version/kind, namespace and name, kyml's kind
 * order, sorted keys, "---" before every document, go-yaml v2's quoting).
 *
 * Safety: a key without a value, an unset or empty value (unless
 * TMPL_ALLOW_EMPTY or a default), any other template action, an action that
 * starts an unquoted value ("quote it") or a key, a substitution that would
 * change the YAML structure, "{{" left outside string values, a key repeated
 * in one mapping and nesting past yaml.h's YAML_MAX_DEPTH are errors (exit
 * 8) naming FILE:LINE:COL, in both modes. A substituted value that reads back as another type
 * under YAML 1.1 (also inside a block scalar that is itself YAML, such as
 * Helm values) is a warning. Values that came from the environment are never
 * quoted in a message. TMPL_CHECK adds lint findings on Argo CD
 * Applications. The engine never prints: diagnostics go to a callback and
 * output to a write callback; it streams, holding one document at a time
 * (TMPL_KYML holds the whole stream, as dedupe and sort need it).
 *
 * Ownership: tmpl_values_new() and tmpl_render_new() return objects the
 * caller frees with tmpl_values_free() / tmpl_render_free() (NULL is fine).
 * Strings passed in are copied; the values object must outlive every render
 * that uses it. Diagnostic strings are borrowed for the callback's duration.
 */
#ifndef PD_TEMPLATE_H
#define PD_TEMPLATE_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/* Where a value came from; precedence FILE < ARG < ENV for one key. */
enum tmpl_origin {
	TMPL_FROM_FILE = 1, /* --values FILE */
	TMPL_FROM_ARG = 2,  /* -v KEY=VALUE */
	TMPL_FROM_ENV = 3,  /* -e NAME: secret, never printed */
};

struct tmpl_values;

struct tmpl_values *tmpl_values_new(void);
void tmpl_values_free(struct tmpl_values *v);
/*
 * Set key to value (copied; NULL means "unset": an -e NAME whose variable is
 * not set). A set from a lower-precedence origin does not replace one from a
 * higher origin; within one origin the later set wins.
 */
void tmpl_values_set(struct tmpl_values *v, const char *key, const char *value,
		     enum tmpl_origin origin);
/* -v KEY=VALUE, parsed as kyml's pflag StringToString does: one '=' takes
 * the argument whole (surrounding '"' trimmed); several '=' split it as a
 * CSV line (-v a=1,b=2). PD_EUSAGE on a malformed argument or an empty
 * key. */
int tmpl_values_add_arg(struct tmpl_values *v, const char *arg,
			struct pd_err *e);
/* -e NAME: the key NAME with getenv(NAME) (unset when not set). */
int tmpl_values_add_env(struct tmpl_values *v, const char *name,
			struct pd_err *e);
/* --values FILE: a YAML map of KEY: scalar (the scalar's text as written;
 * null means unset; an alias to a scalar is that scalar; each key once).
 * PD_EINVALID with FILE:LINE:COL on anything else. */
int tmpl_values_load(struct tmpl_values *v, const char *data, size_t len,
		     const char *fname, struct pd_err *e);
/* The command line's values in precedence order, as gitops-render and
 * pipeline-pr take them: each --values FILE (PD_ENOTFOUND or PD_ERUNTIME
 * "cannot read 'FILE': ..." when unreadable), each -v, each -e. The arrays
 * are NULL-terminated (NULL: none). */
int tmpl_values_collect(struct tmpl_values *v, const char *const *files,
			const char *const *args, const char *const *envs,
			struct pd_err *e);
/* Borrowed value of key (NULL when absent or unset); *origin set to 0 when
 * the key is absent. */
const char *tmpl_values_get(const struct tmpl_values *v, const char *key,
			    int *origin);

enum tmpl_flags {
	TMPL_KYML = 1u << 0,        /* kyml's canonical output */
	TMPL_ALLOW_EMPTY = 1u << 1, /* unset and empty values render as "" */
	TMPL_CHECK = 1u << 2,       /* lint Argo CD Applications */
};

enum tmpl_severity {
	TMPL_ERROR = 1,
	TMPL_WARNING = 2,
	TMPL_FINDING = 3, /* a --check lint finding */
};

struct tmpl_diag {
	enum tmpl_severity severity;
	const char *file; /* NULL when the message has no place */
	long line, col;   /* 1-based; col 0 when only the line is known */
	const char *msg;  /* lower-case, no final period, no place prefix */
};

struct tmpl_opts {
	unsigned flags;
	/* Every error, warning and finding, in order (may be NULL). */
	void (*diag)(void *arg, const struct tmpl_diag *d);
	void *diag_arg;
	/* The output; returns 0, or -1 to stop with PD_ERUNTIME. */
	int (*write)(void *arg, const void *p, size_t n);
	void *write_arg;
};

/* A render: one or more inputs into one output stream. */
struct tmpl_render;

struct tmpl_render *tmpl_render_new(const struct tmpl_values *v,
				    const struct tmpl_opts *o);
/* Render an input read from fd (to its end; fd is not closed) or held in
 * memory; fname names it in messages. Returns 0, or a negative PD_E*:
 * PD_EINVALID after render errors (reported through diag; e holds the
 * first), PD_ERUNTIME on a read or write failure. After a failure the render
 * stays failed. */
int tmpl_render_fd(struct tmpl_render *r, int fd, const char *fname,
		   struct pd_err *e);
int tmpl_render_mem(struct tmpl_render *r, const char *data, size_t len,
		    const char *fname, struct pd_err *e);
/* End the stream: TMPL_KYML dedupes, sorts and writes everything here;
 * TMPL_CHECK reports the findings that need the whole stream. */
int tmpl_render_finish(struct tmpl_render *r, struct pd_err *e);
/* Counts so far. */
void tmpl_render_counts(const struct tmpl_render *r, unsigned *errors,
			unsigned *warnings, unsigned *findings);
void tmpl_render_free(struct tmpl_render *r);

/* One buffer in, out appended to; warnings and findings are dropped, the
 * first error is in e. Same returns as tmpl_render_finish(). */
int tmpl_render_string(const char *data, size_t len, const char *fname,
		       const struct tmpl_values *v, unsigned flags,
		       struct buf *out, struct pd_err *e);

/*
 * Fill the actions of one string value as kyml does (Go text/template
 * semantics for the supported subset), appending the result to out. On
 * error returns -PD_EINVALID with e filled ("message", no place) and *at set
 * to the byte offset of the failing action in s (when at is non-NULL).
 */
int tmpl_expand(const char *s, size_t len, const struct tmpl_values *v,
		unsigned flags, struct buf *out, size_t *at, struct pd_err *e);

#endif
