/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tmpl-values: the values of a render (see template.h): an array of
 * entries with an open-addressing index, precedence by origin, and the
 * three ways in: -v KEY=VALUE (pflag's StringToString), -e NAME and
 * --values FILE (a flat YAML map).
 */
#include "template-int.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"
#include "yaml.h"

struct tmpl_values {
	struct tmpl_values_item *v;
	size_t n, cap;
	size_t *slots; /* open addressing: index + 1, 0 = empty */
	size_t nslots;
};

size_t
tmpl_values_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return (size_t)(h ^ (h >> 29));
}

struct tmpl_values_item *
tmpl_values_find(const struct tmpl_values *v, const char *key, size_t len)
{
	if (!v || !v->nslots) {
		return NULL;
	}
	size_t mask = v->nslots - 1;
	for (size_t i = tmpl_values_hash(key, len) & mask;;
	     i = (i + 1) & mask) {
		size_t s = v->slots[i];
		if (!s) {
			return NULL;
		}
		struct tmpl_values_item *t = &v->v[s - 1];
		if (strlen(t->key) == len && memcmp(t->key, key, len) == 0) {
			return t;
		}
	}
}

static void
tmpl_values_rehash(struct tmpl_values *v)
{
	size_t ns = v->nslots ? v->nslots * 2 : 16;
	free(v->slots);
	v->slots = xcalloc(ns, sizeof(*v->slots));
	v->nslots = ns;
	for (size_t k = 0; k < v->n; k++) {
		size_t i = tmpl_values_hash(v->v[k].key, strlen(v->v[k].key)) &
			   (ns - 1);
		while (v->slots[i]) {
			i = (i + 1) & (ns - 1);
		}
		v->slots[i] = k + 1;
	}
}

/* ---- string sets ---- */

/* Copy s[0..len) and a NUL into the set's text; its offset + 1. */
static size_t
tmpl_values_strset_text(struct tmpl_values_strset *set, const char *s,
			size_t len)
{
	if (set->tcap - set->tlen < len + 1) {
		size_t nc = set->tcap ? set->tcap * 2 : 256;
		while (nc - set->tlen < len + 1) {
			nc *= 2;
		}
		set->text = xrealloc(set->text, nc);
		set->tcap = nc;
	}
	size_t off = set->tlen;
	memcpy(set->text + off, s, len);
	set->text[off + len] = '\0';
	set->tlen += len + 1;
	return off + 1;
}

static struct tmpl_values_slot *
tmpl_values_strset_probe(const struct tmpl_values_strset *set, const char *key,
			 size_t h)
{
	size_t mask = set->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct tmpl_values_slot *sl = &set->slots[i];
		if (!sl->key || (sl->hash == h &&
				 strcmp(set->text + sl->key - 1, key) == 0)) {
			return sl;
		}
	}
}

struct tmpl_values_slot *
tmpl_values_strset_find(const struct tmpl_values_strset *set, const char *key)
{
	if (!set->n) {
		return NULL;
	}
	struct tmpl_values_slot *sl = tmpl_values_strset_probe(
	    set, key, tmpl_values_hash(key, strlen(key)));
	return sl->key ? sl : NULL;
}

struct tmpl_values_slot *
tmpl_values_strset_put(struct tmpl_values_strset *set, const char *key,
		       int *added)
{
	size_t len = strlen(key), h = tmpl_values_hash(key, len);
	if ((set->n + 1) * 2 > set->cap) {
		size_t nc = set->cap ? set->cap * 2 : 8;
		struct tmpl_values_slot *ns = xcalloc(nc, sizeof(*ns));
		for (size_t i = 0; i < set->cap; i++) {
			if (!set->slots[i].key) {
				continue;
			}
			size_t k = set->slots[i].hash & (nc - 1);
			while (ns[k].key) {
				k = (k + 1) & (nc - 1);
			}
			ns[k] = set->slots[i];
		}
		free(set->slots);
		set->slots = ns;
		set->cap = nc;
	}
	struct tmpl_values_slot *sl = tmpl_values_strset_probe(set, key, h);
	if (added) {
		*added = !sl->key;
	}
	if (!sl->key) {
		sl->hash = h;
		sl->key = tmpl_values_strset_text(set, key, len);
		sl->val = 0;
		sl->line = 0;
		sl->null = 0;
		set->n++;
	}
	return sl;
}

const char *
tmpl_values_strset_val(const struct tmpl_values_strset *set,
		       const struct tmpl_values_slot *sl)
{
	return sl->val ? set->text + sl->val - 1 : NULL;
}

void
tmpl_values_strset_setval(struct tmpl_values_strset *set,
			  struct tmpl_values_slot *sl, const char *val,
			  size_t len)
{
	sl->val = val ? tmpl_values_strset_text(set, val, len) : 0;
}

void
tmpl_values_strset_clear(struct tmpl_values_strset *set)
{
	if (set->cap > 64 || set->tcap > 4096) {
		tmpl_values_strset_release(set);
		return;
	}
	if (set->n) {
		memset(set->slots, 0, set->cap * sizeof(*set->slots));
	}
	set->n = 0;
	set->tlen = 0;
}

void
tmpl_values_strset_release(struct tmpl_values_strset *set)
{
	free(set->slots);
	free(set->text);
	memset(set, 0, sizeof(*set));
}

struct tmpl_values *
tmpl_values_new(void)
{
	return xcalloc(1, sizeof(struct tmpl_values));
}

void
tmpl_values_free(struct tmpl_values *v)
{
	if (!v) {
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		free(v->v[i].key);
		free(v->v[i].val);
	}
	free(v->v);
	free(v->slots);
	free(v);
}

void
tmpl_values_set(struct tmpl_values *v, const char *key, const char *value,
		enum tmpl_origin origin)
{
	struct tmpl_values_item *t = tmpl_values_find(v, key, strlen(key));
	if (t) {
		if ((int)origin < t->origin) {
			return;
		}
		free(t->val);
		t->val = value ? xstrdup(value) : NULL;
		t->origin = (int)origin;
		return;
	}
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 8;
		v->v = xrealloc(v->v, v->cap * sizeof(*v->v));
	}
	t = &v->v[v->n++];
	t->key = xstrdup(key);
	t->val = value ? xstrdup(value) : NULL;
	t->origin = (int)origin;
	if ((v->n + 1) * 2 > v->nslots) {
		tmpl_values_rehash(v);
	} else {
		size_t mask = v->nslots - 1;
		size_t i = tmpl_values_hash(key, strlen(key)) & mask;
		while (v->slots[i]) {
			i = (i + 1) & mask;
		}
		v->slots[i] = v->n;
	}
}

const char *
tmpl_values_get(const struct tmpl_values *v, const char *key, int *origin)
{
	const struct tmpl_values_item *t =
	    tmpl_values_find(v, key, strlen(key));
	if (origin) {
		*origin = t ? t->origin : 0;
	}
	return t ? t->val : NULL;
}

/* One KEY=VALUE pair of -v (arg: the whole argument, for messages). */
static int
tmpl_values_add_pair(struct tmpl_values *v, const char *pair, size_t len,
		     const char *arg, struct pd_err *e)
{
	const char *eq = memchr(pair, '=', len);
	if (!eq) {
		return err_set(e, PD_EUSAGE,
			       "invalid argument '%.*s' for -v: must be "
			       "formatted as key=value",
			       (int)len, pair);
	}
	if (eq == pair) {
		/* no placeholder can name it ({{.}} is not a field) */
		return err_set(e, PD_EUSAGE,
			       "invalid argument '%s' for -v: empty key", arg);
	}
	char *key = xstrndup(pair, (size_t)(eq - pair));
	char *val = xstrndup(eq + 1, len - (size_t)(eq - pair) - 1);
	tmpl_values_set(v, key, val, TMPL_FROM_ARG);
	free(key);
	free(val);
	return 0;
}

/*
 * pflag's StringToString: no '=' is an error; one '=' takes the argument
 * whole with surrounding '"' trimmed; more are read as one CSV record (Go's
 * encoding/csv: quoted fields with "" for a quote, no bare quotes).
 */
int
tmpl_values_add_arg(struct tmpl_values *v, const char *arg, struct pd_err *e)
{
	size_t len = strlen(arg), neq = 0;
	for (size_t i = 0; i < len; i++) {
		neq += arg[i] == '=';
	}
	if (neq == 0) {
		return err_set(e, PD_EUSAGE,
			       "invalid argument '%s' for -v: must be "
			       "formatted as key=value",
			       arg);
	}
	if (neq == 1) {
		size_t a = 0, z = len;
		while (a < z && arg[a] == '"') {
			a++;
		}
		while (z > a && arg[z - 1] == '"') {
			z--;
		}
		return tmpl_values_add_pair(v, arg + a, z - a, arg, e);
	}
	struct buf field = BUF_INIT;
	size_t i = 0;
	int rc = 0;
	for (;;) {
		buf_reset(&field);
		if (i < len && arg[i] == '"') {
			i++;
			for (;;) {
				if (i >= len) {
					rc =
					    err_set(e, PD_EUSAGE,
						    "invalid argument '%s' for "
						    "-v: extraneous or missing "
						    "\" in quoted-field",
						    arg);
					goto out;
				}
				if (arg[i] == '"') {
					if (i + 1 < len && arg[i + 1] == '"') {
						buf_addch(&field, '"');
						i += 2;
						continue;
					}
					i++;
					break;
				}
				buf_addch(&field, arg[i++]);
			}
			if (i < len && arg[i] != ',') {
				rc = err_set(e, PD_EUSAGE,
					     "invalid argument '%s' for -v: "
					     "extraneous or missing \" in "
					     "quoted-field",
					     arg);
				goto out;
			}
		} else {
			while (i < len && arg[i] != ',') {
				if (arg[i] == '"') {
					rc =
					    err_set(e, PD_EUSAGE,
						    "invalid argument '%s' for "
						    "-v: bare \" in non-quoted-"
						    "field",
						    arg);
					goto out;
				}
				buf_addch(&field, arg[i++]);
			}
		}
		rc = tmpl_values_add_pair(v, field.buf, field.len, arg, e);
		if (rc < 0 || i >= len) {
			break;
		}
		i++; /* the comma */
	}
out:
	buf_release(&field);
	return rc;
}

int
tmpl_values_add_env(struct tmpl_values *v, const char *name, struct pd_err *e)
{
	if (!*name || strchr(name, '=')) {
		return err_set(e, PD_EUSAGE,
			       "invalid environment variable name '%s' for -e",
			       name);
	}
	tmpl_values_set(v, name, getenv(name), TMPL_FROM_ENV);
	return 0;
}

static int
tmpl_values_is_null_word(const char *s, size_t len)
{
	static const char *const words[] = { "", "~", "null", "Null", "NULL" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strlen(words[i]) == len && memcmp(words[i], s, len) == 0) {
			return 1;
		}
	}
	return 0;
}

/* One scalar of a values file (text s[0..n), null when it is YAML's null)
 * at depth 1: the key, or the value of the pending key. Duplicate keys
 * are refused as the renderer and yaml_to_json() refuse them. */
static int
tmpl_values_load_scalar(struct tmpl_values *v, struct tmpl_values_strset *keys,
			char **key, const char *s, size_t n, int null,
			unsigned long line, unsigned long col,
			const char *fname, struct pd_err *e)
{
	if (!*key) {
		char *k = xstrndup(s, n);
		int added = 0;
		struct tmpl_values_slot *sl =
		    tmpl_values_strset_put(keys, k, &added);
		if (!added) {
			int rc = err_set(e, PD_EINVALID,
					 "%s:%lu:%lu: " YAML_MSG_DUP_KEY, fname,
					 line, col, k, sl->line);
			free(k);
			return rc;
		}
		sl->line = (long)line;
		*key = k;
		return 0;
	}
	char *val = null ? NULL : xstrndup(s, n);
	tmpl_values_set(v, *key, val, TMPL_FROM_FILE);
	free(val);
	free(*key);
	*key = NULL;
	return 0;
}

int
tmpl_values_load(struct tmpl_values *v, const char *data, size_t len,
		 const char *fname, struct pd_err *e)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0, rc = 0, docs = 0, done = 0;
	char *key = NULL;
	struct tmpl_values_strset anchors, keys;
	memset(&anchors, 0, sizeof(anchors));
	memset(&keys, 0, sizeof(keys));

	if (!yaml_parser_initialize(&p)) {
		return err_set(e, PD_EINTERNAL, "out of memory");
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	while (!done && !rc) {
		if (!yaml_parser_parse(&p, &ev)) {
			yaml_mark_t m = p.problem_mark;
			rc = err_set(e, PD_EINVALID, "%s:%lu:%lu: %s", fname,
				     (unsigned long)m.line + 1,
				     (unsigned long)m.column + 1,
				     p.problem ? p.problem : "invalid YAML");
			break;
		}
		unsigned long line = (unsigned long)ev.start_mark.line + 1;
		unsigned long col = (unsigned long)ev.start_mark.column + 1;
		const struct tmpl_values_slot *alias = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				rc = err_set(e, PD_EINVALID,
					     "%s:%lu:%lu: a values file holds "
					     "one document",
					     fname, line, col);
			}
			break;
		case YAML_MAPPING_START_EVENT:
			if (depth == 0) {
				depth = 1;
				const char *an = (const char *)
					ev.data.mapping_start.anchor;
				if (an) {
					/* an alias to it is not a scalar */
					tmpl_values_strset_put(&anchors, an,
							       NULL);
				}
				break;
			}
			/* fall through */
		case YAML_SEQUENCE_START_EVENT:
		case YAML_ALIAS_EVENT:
			if (ev.type == YAML_ALIAS_EVENT && depth == 1) {
				const char *an =
				    (const char *)ev.data.alias.anchor;
				alias = tmpl_values_strset_find(&anchors, an);
				if (!alias) {
					rc = err_set(e, PD_EINVALID,
						     "%s:%lu:%lu: unknown "
						     "anchor '%.100s' "
						     "referenced",
						     fname, line, col, an);
					break;
				}
			}
			const char *at =
			    alias ? tmpl_values_strset_val(&anchors, alias)
				  : NULL;
			if (at) {
				/* an alias to a scalar: that scalar */
				rc = tmpl_values_load_scalar(
				    v, &keys, &key, at, strlen(at),
				    alias->null, line, col, fname, e);
			} else if (depth == 0) {
				rc = err_set(e, PD_EINVALID,
					     "%s:%lu:%lu: a values file is a "
					     "map of KEY: value",
					     fname, line, col);
			} else {
				rc = err_set(e, PD_EINVALID,
					     "%s:%lu:%lu: the value of '%s' is "
					     "not a string, number or boolean",
					     fname, line, col, key ? key : "?");
			}
			break;
		case YAML_SCALAR_EVENT: {
			const char *s = (const char *)ev.data.scalar.value;
			size_t n = ev.data.scalar.length;
			int null = ev.data.scalar.style ==
				       YAML_PLAIN_SCALAR_STYLE &&
				   !ev.data.scalar.tag &&
				   tmpl_values_is_null_word(s, n);
			if (ev.data.scalar.anchor) {
				struct tmpl_values_slot *a =
				    tmpl_values_strset_put(
					&anchors,
					(const char *)ev.data.scalar.anchor,
					NULL);
				tmpl_values_strset_setval(&anchors, a, s, n);
				a->null = null;
			}
			if (depth == 0) {
				if (ev.data.scalar.style ==
					YAML_PLAIN_SCALAR_STYLE &&
				    tmpl_values_is_null_word(s, n)) {
					break; /* an empty document */
				}
				rc = err_set(e, PD_EINVALID,
					     "%s:%lu:%lu: a values file is a "
					     "map of KEY: value",
					     fname, line, col);
			} else {
				rc = tmpl_values_load_scalar(v, &keys, &key, s,
							     n, null, line, col,
							     fname, e);
			}
			break;
		}
		case YAML_MAPPING_END_EVENT:
			depth = 0;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	free(key);
	tmpl_values_strset_release(&anchors);
	tmpl_values_strset_release(&keys);
	yaml_parser_delete(&p);
	return rc;
}

int
tmpl_values_collect(struct tmpl_values *v, const char *const *files,
		    const char *const *args, const char *const *envs,
		    struct pd_err *e)
{
	for (size_t i = 0; files && files[i]; i++) {
		struct buf b = BUF_INIT;
		if (buf_read_file(&b, files[i]) < 0) {
			int err = errno;
			buf_release(&b);
			return err_set(e, err == ENOENT ? PD_ENOTFOUND
							: PD_ERUNTIME,
				       "cannot read '%s': %s", files[i],
				       strerror(err));
		}
		int rc = tmpl_values_load(v, b.buf, b.len, files[i], e);
		buf_release(&b);
		if (rc < 0) {
			return rc;
		}
	}
	for (size_t i = 0; args && args[i]; i++) {
		int rc = tmpl_values_add_arg(v, args[i], e);
		if (rc < 0) {
			return rc;
		}
	}
	for (size_t i = 0; envs && envs[i]; i++) {
		int rc = tmpl_values_add_env(v, envs[i], e);
		if (rc < 0) {
			return rc;
		}
	}
	return 0;
}
