/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tmpl-check: the --check lints on Argo CD Applications (TMPL_CHECK). The
 * renderer builds a light tree of each rendered document (values after
 * substitution, lines of the input, values from the environment marked
 * secret); the lints read Helm values from it (parameters over
 * valuesObject over values) and report through tmpl_render_emit(): a
 * rollout with traffic routing that ignoreDifferences does not cover,
 * 'latest' image tags, HEAD with a mutable tag, a missing or unknown
 * project.
 */
#include "template-int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"
#include "yaml.h"

/* ------------------------------------------------------------------ */
/* a light YAML tree with lines */

void
tmpl_check_node_free(struct tmpl_check_node *n)
{
	while (n) {
		struct tmpl_check_node *next = n->next;
		tmpl_check_node_free(n->kid);
		free(n->key);
		free(n->val);
		free(n);
		n = next;
	}
}

void
tmpl_check_builder_release(struct tmpl_check_builder *b)
{
	for (size_t i = 0; i < b->depth; i++) {
		free(b->st[i].key);
	}
	free(b->st);
	tmpl_check_node_free(b->root);
	memset(b, 0, sizeof(*b));
}

/* Attach a new node (NULL when it is a key or is dropped). */
/* style: 1 untagged plain, 2 block, 0 other */
struct tmpl_check_node *
tmpl_check_attach(struct tmpl_check_builder *b, enum tmpl_check_type type,
		  long line, const char *val, size_t len, int style)
{
	struct tmpl_check_frame *f = b->depth ? &b->st[b->depth - 1] : NULL;
	if (f && f->node && f->node->type == TMPL_CHECK_MAP && f->want_key) {
		if (type == TMPL_CHECK_SCALAR) {
			free(f->key);
			f->key = xstrndup(val, len);
			f->want_key = 0;
			return NULL;
		}
		/* a complex key: dropped, with its value */
		free(f->key);
		f->key = NULL;
		f->want_key = 0;
		return NULL;
	}
	if (f && !f->node) {
		return NULL;
	}
	if (!f && b->root) {
		return NULL;
	}
	struct tmpl_check_node *n = xcalloc(1, sizeof(*n));
	n->type = type;
	n->line = line + b->base;
	n->plain = style == 1;
	n->block = style == 2;
	if (type == TMPL_CHECK_SCALAR) {
		n->val = xstrndup(val, len);
	}
	if (!f) {
		b->root = n;
		return n;
	}
	if (f->node->type == TMPL_CHECK_MAP) {
		n->key = f->key ? f->key : xstrdup("");
		f->key = NULL;
		f->want_key = 1;
	}
	if (f->node->last) {
		f->node->last->next = n;
	} else {
		f->node->kid = n;
	}
	f->node->last = n;
	return n;
}

static void
tmpl_check_push(struct tmpl_check_builder *b, struct tmpl_check_node *n,
		int keyed)
{
	if (b->depth == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->st = xrealloc(b->st, b->cap * sizeof(*b->st));
	}
	struct tmpl_check_frame *f = &b->st[b->depth++];
	f->node = keyed ? NULL : n;
	f->want_key = 1;
	f->key = NULL;
}

void
tmpl_check_on_start(struct tmpl_check_builder *b, enum tmpl_check_type type,
		    long line)
{
	struct tmpl_check_frame *f = b->depth ? &b->st[b->depth - 1] : NULL;
	int keyed =
	    f && f->node && f->node->type == TMPL_CHECK_MAP && f->want_key;
	struct tmpl_check_node *n =
	    tmpl_check_attach(b, type, line, NULL, 0, 0);
	if (keyed || (f && !f->node)) {
		n = NULL;
		keyed = 1;
	}
	tmpl_check_push(b, n, keyed);
}

void
tmpl_check_on_end(struct tmpl_check_builder *b)
{
	if (!b->depth) {
		return;
	}
	struct tmpl_check_frame *f = &b->st[--b->depth];
	free(f->key);
	int dropped = !f->node;
	if (dropped && b->depth) {
		struct tmpl_check_frame *p = &b->st[b->depth - 1];
		if (p->node && p->node->type == TMPL_CHECK_MAP &&
		    !p->want_key && !p->key) {
			/* the complex key is done: its value comes next */
			p->key = xstrdup("");
		}
	}
}

static const struct tmpl_check_node *
tmpl_check_get(const struct tmpl_check_node *n, const char *key)
{
	if (!n || n->type != TMPL_CHECK_MAP) {
		return NULL;
	}
	const struct tmpl_check_node *found = NULL;
	for (const struct tmpl_check_node *k = n->kid; k; k = k->next) {
		if (k->key && strcmp(k->key, key) == 0) {
			found = k; /* the last one wins, as in Kubernetes */
		}
	}
	return found;
}

static const struct tmpl_check_node *
tmpl_check_path(const struct tmpl_check_node *n, const char *dotted)
{
	char part[128];
	while (n && *dotted) {
		const char *dot = strchr(dotted, '.');
		size_t len = dot ? (size_t)(dot - dotted) : strlen(dotted);
		if (len >= sizeof(part)) {
			return NULL;
		}
		memcpy(part, dotted, len);
		part[len] = '\0';
		n = tmpl_check_get(n, part);
		dotted += len + (dot ? 1 : 0);
	}
	return n;
}

static const char *
tmpl_check_str(const struct tmpl_check_node *n)
{
	return n && n->type == TMPL_CHECK_SCALAR ? n->val : NULL;
}

static int
tmpl_check_truthy(const struct tmpl_check_node *n)
{
	const char *s = tmpl_check_str(n);
	if (!s) {
		return 0;
	}
	if (n->plain) {
		cJSON *j = yaml_resolve_plain(s, strlen(s));
		int t = cJSON_IsTrue(j);
		cJSON_Delete(j);
		return t;
	}
	return strcmp(s, "true") == 0;
}

int
tmpl_check_style(const yaml_event_t *ev)
{
	yaml_scalar_style_t st = ev->data.scalar.style;
	if (st == YAML_PLAIN_SCALAR_STYLE) {
		return ev->data.scalar.tag ? 0 : 1;
	}
	return st == YAML_LITERAL_SCALAR_STYLE || st == YAML_FOLDED_SCALAR_STYLE
		   ? 2
		   : 0;
}

static void
tmpl_check_taint(struct tmpl_check_node *n)
{
	for (; n; n = n->next) {
		n->secret = 1;
		tmpl_check_taint(n->kid);
	}
}

/* Parse YAML text into a tree (NULL when it is not YAML). */
static struct tmpl_check_node *
tmpl_check_parse(const char *s, size_t len, long base)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct tmpl_check_builder b;
	int done = 0, bad = 0, docs = 0;
	memset(&b, 0, sizeof(b));
	b.base = base;
	if (!yaml_parser_initialize(&p)) {
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)s, len);
	while (!done && !bad) {
		if (!yaml_parser_parse(&p, &ev)) {
			bad = 1;
			break;
		}
		long line = (long)ev.start_mark.line + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				done = 1;
			}
			break;
		case YAML_SCALAR_EVENT:
			tmpl_check_attach(&b, TMPL_CHECK_SCALAR, line,
					  (const char *)ev.data.scalar.value,
					  ev.data.scalar.length,
					  tmpl_check_style(&ev));
			break;
		case YAML_ALIAS_EVENT:
			tmpl_check_attach(&b, TMPL_CHECK_NULL, line, NULL, 0,
					  0);
			break;
		case YAML_MAPPING_START_EVENT:
			tmpl_check_on_start(&b, TMPL_CHECK_MAP, line);
			break;
		case YAML_SEQUENCE_START_EVENT:
			tmpl_check_on_start(&b, TMPL_CHECK_SEQ, line);
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			tmpl_check_on_end(&b);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	struct tmpl_check_node *root = NULL;
	if (!bad) {
		root = b.root;
		b.root = NULL;
	}
	tmpl_check_builder_release(&b);
	return root;
}

/* ------------------------------------------------------------------ */
/* the lints */

__attribute__((format(printf, 4, 5))) static void
tmpl_check_find(struct tmpl_render *r, const char *file, long line,
		const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	tmpl_render_emit(r, TMPL_FINDING, file, line, 0, msg.buf);
	buf_release(&msg);
}

/* Helm values of one Application source, by precedence: parameters over
 * valuesObject over values. */
struct tmpl_check_values {
	const struct tmpl_check_node *params;
	const struct tmpl_check_node *object;
	struct tmpl_check_node *text; /* owned: helm.values parsed */
};

static const struct tmpl_check_node *
tmpl_check_value(const struct tmpl_check_values *hv, const char *path)
{
	const struct tmpl_check_node *found = NULL;
	if (hv->params && hv->params->type == TMPL_CHECK_SEQ) {
		for (const struct tmpl_check_node *p = hv->params->kid; p;
		     p = p->next) {
			const char *name =
			    tmpl_check_str(tmpl_check_get(p, "name"));
			if (name && strcmp(name, path) == 0) {
				found = tmpl_check_get(p, "value");
			}
		}
	}
	if (!found) {
		found = tmpl_check_path(hv->object, path);
	}
	if (!found) {
		found = tmpl_check_path(hv->text, path);
	}
	return found;
}

static int
tmpl_check_has_key(const struct tmpl_check_node *n, const char *key, int depth)
{
	if (!n || depth > 50) {
		return 0;
	}
	for (const struct tmpl_check_node *k = n->kid; k; k = k->next) {
		if ((k->key && strcmp(k->key, key) == 0) ||
		    tmpl_check_has_key(k, key, depth + 1)) {
			return 1;
		}
	}
	return 0;
}

/* The tag of an image reference ("" when it has none, NULL when pinned by
 * digest). */
static const char *
tmpl_check_image_tag(const char *image)
{
	if (strchr(image, '@')) {
		return NULL;
	}
	const char *slash = strrchr(image, '/');
	const char *colon = strrchr(image, ':');
	if (colon && (!slash || colon > slash)) {
		return colon + 1;
	}
	return "";
}

static int
tmpl_check_mutable_tag(const char *tag)
{
	static const char *const words[] = { "latest", "main", "master",
					     "stable", "edge", "nightly" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcmp(tag, words[i]) == 0) {
			return 1;
		}
	}
	return 0;
}

/* Report 'latest' tags under n (Helm values or a manifest); returns the
 * first mutable tag seen (borrowed) or NULL. */
static const char *
tmpl_check_tags(struct tmpl_render *r, const char *file,
		const struct tmpl_check_node *n, int depth)
{
	const char *mut = NULL;
	if (!n || depth > 100) {
		return NULL;
	}
	for (const struct tmpl_check_node *k = n->kid; k; k = k->next) {
		const char *v = tmpl_check_str(k);
		if (v && k->key) {
			const char *tag = NULL;
			size_t kl = strlen(k->key);
			if (strcmp(k->key, "image") == 0) {
				tag = tmpl_check_image_tag(v);
			} else if (strcmp(k->key, "tag") == 0 ||
				   (kl > 3 &&
				    strcmp(k->key + kl - 3, "Tag") == 0)) {
				tag = v;
			}
			if (tag && strcmp(tag, "latest") == 0) {
				tmpl_check_find(
				    r, file, k->line,
				    "image tag 'latest' is mutable: pin a "
				    "version or a digest");
			}
			if (tag && !mut && tmpl_check_mutable_tag(tag)) {
				mut = tag;
			}
		}
		const char *sub = tmpl_check_tags(r, file, k, depth + 1);
		if (!mut) {
			mut = sub;
		}
	}
	return mut;
}

/* Whether spec.ignoreDifferences covers the VirtualService /spec/http. */
static int
tmpl_check_ignores_vs_http(const struct tmpl_check_node *app)
{
	const struct tmpl_check_node *ig =
	    tmpl_check_path(app, "spec.ignoreDifferences");
	if (!ig || ig->type != TMPL_CHECK_SEQ) {
		return 0;
	}
	for (const struct tmpl_check_node *d = ig->kid; d; d = d->next) {
		const char *kind = tmpl_check_str(tmpl_check_get(d, "kind"));
		const char *group = tmpl_check_str(tmpl_check_get(d, "group"));
		if (!kind || strcmp(kind, "VirtualService") != 0 ||
		    (group && strcmp(group, "networking.istio.io") != 0)) {
			continue;
		}
		const struct tmpl_check_node *jp =
		    tmpl_check_get(d, "jsonPointers");
		for (const struct tmpl_check_node *p = jp ? jp->kid : NULL; p;
		     p = p->next) {
			const char *s = tmpl_check_str(p);
			if (!s) {
				continue;
			}
			if (strcmp(s, "") == 0 || strcmp(s, "/") == 0 ||
			    strcmp(s, "/spec") == 0 ||
			    strncmp(s, "/spec/http", 10) == 0) {
				return 1;
			}
		}
		const struct tmpl_check_node *jq =
		    tmpl_check_get(d, "jqPathExpressions");
		for (const struct tmpl_check_node *p = jq ? jq->kid : NULL; p;
		     p = p->next) {
			const char *s = tmpl_check_str(p);
			if (s && (strcmp(s, ".spec") == 0 ||
				  strncmp(s, ".spec.http", 10) == 0)) {
				return 1;
			}
		}
	}
	return 0;
}

static void
tmpl_check_source(struct tmpl_render *r, const char *file,
		  const struct tmpl_check_node *app, const char *name,
		  const struct tmpl_check_node *src)
{
	struct tmpl_check_values hv;
	memset(&hv, 0, sizeof(hv));
	const struct tmpl_check_node *helm = tmpl_check_get(src, "helm");
	const struct tmpl_check_node *vt = tmpl_check_get(helm, "values");
	if (tmpl_check_str(vt)) {
		/* a literal block's lines start on the line after "|" */
		hv.text = tmpl_check_parse(vt->val, strlen(vt->val),
					   vt->block ? vt->line : vt->line - 1);
		if (vt->secret) {
			tmpl_check_taint(hv.text);
		}
	}
	hv.object = tmpl_check_get(helm, "valuesObject");
	hv.params = tmpl_check_get(helm, "parameters");

	const struct tmpl_check_node *en =
	    tmpl_check_value(&hv, "rollout.enabled");
	if (tmpl_check_truthy(en)) {
		const char *router = NULL;
		if (tmpl_check_truthy(tmpl_check_value(&hv, "istio.enabled"))) {
			router = "Istio traffic routing";
		} else if (tmpl_check_has_key(
			       tmpl_check_path(hv.object, "rollout"),
			       "trafficRouting", 0) ||
			   tmpl_check_has_key(
			       tmpl_check_path(hv.text, "rollout"),
			       "trafficRouting", 0)) {
			router = "traffic routing";
		}
		if (router && !tmpl_check_ignores_vs_http(app)) {
			tmpl_check_find(
			    r, file, en->line,
			    "Application '%s' enables an Argo Rollout with "
			    "%s, but spec.ignoreDifferences does not cover "
			    "the VirtualService route weights (/spec/http): "
			    "Argo CD's self-heal will fight Argo Rollouts "
			    "over them",
			    name, router);
		}
	}
	const char *mut = tmpl_check_tags(r, file, hv.object, 0);
	const char *m2 = tmpl_check_tags(r, file, hv.text, 0);
	if (!mut) {
		mut = m2;
	}
	if (hv.params && hv.params->type == TMPL_CHECK_SEQ) {
		for (const struct tmpl_check_node *p = hv.params->kid; p;
		     p = p->next) {
			const char *pn =
			    tmpl_check_str(tmpl_check_get(p, "name"));
			const struct tmpl_check_node *pv =
			    tmpl_check_get(p, "value");
			size_t pl = pn ? strlen(pn) : 0;
			if (!pn || !tmpl_check_str(pv) ||
			    !(pl >= 3 && strcmp(pn + pl - 3, "tag") == 0)) {
				continue;
			}
			if (strcmp(pv->val, "latest") == 0) {
				tmpl_check_find(
				    r, file, pv->line,
				    "image tag 'latest' is mutable: pin a "
				    "version or a digest");
			}
			if (!mut && tmpl_check_mutable_tag(pv->val)) {
				mut = pv->val;
			}
		}
	}
	const struct tmpl_check_node *rev =
	    tmpl_check_get(src, "targetRevision");
	const char *revs = tmpl_check_str(rev);
	if (mut && (!revs || strcmp(revs, "HEAD") == 0)) {
		tmpl_check_find(
		    r, file, rev ? rev->line : src->line,
		    "targetRevision 'HEAD' with the mutable image tag '%s': "
		    "what runs can change without a commit to pin it",
		    mut);
	}
	tmpl_check_node_free(hv.text);
}

void
tmpl_check_init(struct tmpl_check *c)
{
	memset(c, 0, sizeof(*c));
}

void
tmpl_check_release(struct tmpl_check *c)
{
	for (size_t i = 0; i < c->napps; i++) {
		free(c->apps[i].file);
		free(c->apps[i].name);
		free(c->apps[i].project);
	}
	free(c->apps);
	for (size_t i = 0; i < c->nprojects; i++) {
		free(c->projects[i]);
	}
	free(c->projects);
	memset(c, 0, sizeof(*c));
}

void
tmpl_check_document(struct tmpl_check *c, struct tmpl_render *r,
		    const char *file, const struct tmpl_check_node *doc)
{
	const char *api = tmpl_check_str(tmpl_check_get(doc, "apiVersion"));
	const char *kind = tmpl_check_str(tmpl_check_get(doc, "kind"));
	const char *name =
	    tmpl_check_str(tmpl_check_path(doc, "metadata.name"));
	int argo = api && strncmp(api, "argoproj.io/", 12) == 0;
	if (argo && kind && strcmp(kind, "AppProject") == 0 && name) {
		if (c->nprojects == c->capprojects) {
			c->capprojects =
			    c->capprojects ? c->capprojects * 2 : 8;
			c->projects = xrealloc(
			    c->projects, c->capprojects * sizeof(*c->projects));
		}
		c->projects[c->nprojects++] = xstrdup(name);
		return;
	}
	if (!argo || !kind || strcmp(kind, "Application") != 0) {
		tmpl_check_tags(r, file, doc, 0);
		return;
	}
	const char *an = name ? name : "?";
	if (tmpl_check_path(doc, "metadata.name") &&
	    tmpl_check_path(doc, "metadata.name")->secret) {
		an = "(from the environment)";
	}
	const struct tmpl_check_node *proj =
	    tmpl_check_path(doc, "spec.project");
	if (!tmpl_check_str(proj) || !*proj->val) {
		tmpl_check_find(r, file, doc->line,
				"Application '%s' has no spec.project", an);
	} else {
		if (c->napps == c->capapps) {
			c->capapps = c->capapps ? c->capapps * 2 : 8;
			c->apps =
			    xrealloc(c->apps, c->capapps * sizeof(*c->apps));
		}
		struct tmpl_check_app *a = &c->apps[c->napps++];
		a->file = xstrdup(file);
		a->line = proj->line;
		a->name = xstrdup(an);
		a->project = xstrdup(proj->val);
		a->secret = proj->secret;
	}
	const struct tmpl_check_node *src = tmpl_check_path(doc, "spec.source");
	if (src && src->type == TMPL_CHECK_MAP) {
		tmpl_check_source(r, file, doc, an, src);
	}
	const struct tmpl_check_node *srcs =
	    tmpl_check_path(doc, "spec.sources");
	for (const struct tmpl_check_node *s = srcs ? srcs->kid : NULL; s;
	     s = s->next) {
		if (s->type == TMPL_CHECK_MAP) {
			tmpl_check_source(r, file, doc, an, s);
		}
	}
}

void
tmpl_check_finish(struct tmpl_check *c, struct tmpl_render *r)
{
	if (!c->nprojects) {
		return;
	}
	for (size_t i = 0; i < c->napps; i++) {
		struct tmpl_check_app *a = &c->apps[i];
		int known = strcmp(a->project, "default") == 0;
		for (size_t k = 0; k < c->nprojects && !known; k++) {
			known = strcmp(c->projects[k], a->project) == 0;
		}
		if (!known) {
			tmpl_check_find(r, a->file, a->line,
					"Application '%s' uses project '%s', "
					"which no AppProject in the input "
					"defines",
					a->name,
					a->secret ? "(from the environment)"
						  : a->project);
		}
	}
}
