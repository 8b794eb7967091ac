/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watchview: the frame of the live view (see watchview.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "render.h"
#include "timeutil.h"
#include "watchview.h"
#include "xalloc.h"

/* A line being built: text, spans, and its width in code points. */
struct wv_line {
	struct buf text;
	struct watchview_span *spans;
	size_t n_spans, a_spans;
	int width;
};

/* Lines being built. */
struct wv_lines {
	struct wv_line *v;
	size_t n, a;
};

struct wv {
	const struct ro_info *ri;
	const struct ro_objects *o;
	const struct watchview_opts *opts;
	int cols, rows;
	time_t now;
};

static bool
watchview_is_cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

static struct wv_line *
watchview_new_line(struct wv_lines *ls)
{
	if (ls->n == ls->a) {
		ls->a = ls->a ? ls->a * 2 : 16;
		ls->v = xrealloc(ls->v, ls->a * sizeof(*ls->v));
	}
	struct wv_line *l = &ls->v[ls->n++];
	memset(l, 0, sizeof(*l));
	buf_init(&l->text, 0);
	return l;
}

static void
watchview_lines_release(struct wv_lines *ls)
{
	for (size_t i = 0; i < ls->n; i++) {
		buf_release(&ls->v[i].text);
		free(ls->v[i].spans);
	}
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

static enum watchview_attr
watchview_mono(const struct wv *w, enum watchview_attr a)
{
	if (w->opts->color) {
		return a;
	}
	switch (a) {
	case WATCHVIEW_BAD:
	case WATCHVIEW_WARN:
		return WATCHVIEW_BOLD;
	case WATCHVIEW_CANARY:
		return WATCHVIEW_REVERSE;
	case WATCHVIEW_GOOD:
	case WATCHVIEW_INFO:
	case WATCHVIEW_STABLE:
		return WATCHVIEW_NORMAL;
	default:
		return a;
	}
}

/* Append s with attribute a, cut at max columns. */
static void
watchview_put(const struct wv *w, struct wv_line *l, int max,
	      enum watchview_attr a, const char *s)
{
	size_t off = l->text.len;
	const char *p = s;
	while (*p && l->width < max) {
		const char *q = p + 1;
		while (*q && watchview_is_cont((unsigned char)*q)) {
			q++;
		}
		buf_add(&l->text, p, (size_t)(q - p));
		l->width++;
		p = q;
	}
	a = watchview_mono(w, a);
	if (a == WATCHVIEW_NORMAL || l->text.len == off) {
		return;
	}
	if (l->n_spans == l->a_spans) {
		l->a_spans = l->a_spans ? l->a_spans * 2 : 4;
		l->spans = xrealloc(l->spans, l->a_spans * sizeof(*l->spans));
	}
	l->spans[l->n_spans++] = (struct watchview_span){
		.off = off,
		.len = l->text.len - off,
		.attr = a,
	};
}

static void watchview_putf(const struct wv *w, struct wv_line *l, int max,
			   enum watchview_attr a, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void
watchview_putf(const struct wv *w, struct wv_line *l, int max,
	       enum watchview_attr a, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	watchview_put(w, l, max, a, b.buf);
	buf_release(&b);
}

/* Pad l with spaces to column col. */
static void
watchview_pad(struct wv_line *l, int col)
{
	while (l->width < col) {
		buf_addch(&l->text, ' ');
		l->width++;
	}
}

/* Append src's text and spans to dst (already padded). */
static void
watchview_join(struct wv_line *dst, const struct wv_line *src)
{
	size_t base = dst->text.len;
	buf_add(&dst->text, src->text.buf, src->text.len);
	dst->width += src->width;
	for (size_t i = 0; i < src->n_spans; i++) {
		if (dst->n_spans == dst->a_spans) {
			dst->a_spans = dst->a_spans ? dst->a_spans * 2 : 4;
			dst->spans = xrealloc(dst->spans,
					      dst->a_spans *
						      sizeof(*dst->spans));
		}
		dst->spans[dst->n_spans] = src->spans[i];
		dst->spans[dst->n_spans].off += base;
		dst->n_spans++;
	}
}

/* ---- icons and marks ---------------------------------------------------- */

static const char *
watchview_icon(const struct wv *w, const char *icon)
{
	static const struct {
		const char *u, *a;
	} tab[] = {
		{ "✔", "+" }, { "✖", "x" }, { "◌", "~" }, { "⚠", "!" },
		{ "॥", "=" }, { "•", "-" }, { "◷", "." }, { "?", "?" },
	};
	if (!icon || !*icon) {
		return " ";
	}
	if (w->opts->utf8) {
		return icon;
	}
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (strcmp(tab[i].u, icon) == 0) {
			return tab[i].a;
		}
	}
	return (unsigned char)icon[0] < 0x80 ? icon : "*";
}

static enum watchview_attr
watchview_status_attr(const char *s)
{
	if (!s) {
		return WATCHVIEW_NORMAL;
	}
	if (!strcmp(s, "Healthy") || !strcmp(s, "Successful") ||
	    !strcmp(s, "Running") || !strcmp(s, "Completed")) {
		return WATCHVIEW_GOOD;
	}
	if (!strcmp(s, "Degraded") || !strcmp(s, "Failed") ||
	    !strcmp(s, "ReplicaFailure") || !strcmp(s, "Error") ||
	    !strcmp(s, "CrashLoopBackOff") || !strcmp(s, "InvalidSpec")) {
		return WATCHVIEW_BAD;
	}
	if (!strcmp(s, "Paused") || !strcmp(s, "Inconclusive") ||
	    !strcmp(s, "Progressing") || !strcmp(s, "Pending") ||
	    !strcmp(s, "ImagePullBackOff")) {
		return WATCHVIEW_WARN;
	}
	return WATCHVIEW_NORMAL;
}

enum wv_mark { WV_DONE, WV_CURRENT, WV_PENDING, WV_FAILED };

static void
watchview_mark(const struct wv *w, struct wv_line *l, int max, enum wv_mark m)
{
	static const char *const u[] = { "✔", "▶", "○", "✖" };
	static const char *const a[] = { "+", ">", "-", "x" };
	static const enum watchview_attr at[] = {
		WATCHVIEW_GOOD,
		WATCHVIEW_BOLD,
		WATCHVIEW_DIM,
		WATCHVIEW_BAD,
	};
	watchview_put(w, l, max, at[m], w->opts->utf8 ? u[m] : a[m]);
	watchview_put(w, l, max, WATCHVIEW_NORMAL, " ");
}

/* ---- time --------------------------------------------------------------- */

static void
watchview_since(const struct wv *w, const char *ts, char *out, size_t len)
{
	time_t t;
	if (!ts || !timeutil_parse(ts, &t)) {
		snprintf(out, len, "?");
		return;
	}
	timeutil_human_duration(out, len,
				w->now > t ? (long long)(w->now - t) : 0);
}

/* The pause condition with reason, or NULL. */
static const cJSON *
watchview_pause_cond(const cJSON *ro, const char *reason)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, json_path(ro, "status.pauseConditions"))
	{
		const char *r = json_str(c, "reason");
		if (r && (!reason || strcmp(r, reason) == 0)) {
			return c;
		}
	}
	return NULL;
}

static const cJSON *
watchview_find_named(const cJSON *items, const char *name)
{
	const cJSON *it;
	if (!name) {
		return NULL;
	}
	cJSON_ArrayForEach(it, items)
	{
		const char *n = json_str(it, "metadata.name");
		if (n && strcmp(n, name) == 0) {
			return it;
		}
	}
	return NULL;
}

/* When the current step started, as far as the objects tell: its pause,
 * its analysis run, else the Progressing condition's last update. */
static const char *
watchview_step_start(const struct wv *w)
{
	const cJSON *ro = w->o->rollout;
	const cJSON *pc = watchview_pause_cond(ro, NULL);
	if (pc && json_str(pc, "startTime")) {
		return json_str(pc, "startTime");
	}
	const cJSON *ar = watchview_find_named(
		w->o->analysisruns,
		json_str(ro,
			 "status.canary.currentStepAnalysisRunStatus.name"));
	if (ar && json_str(ar, "metadata.creationTimestamp")) {
		return json_str(ar, "metadata.creationTimestamp");
	}
	const cJSON *c;
	cJSON_ArrayForEach(c, json_path(ro, "status.conditions"))
	{
		const char *t = json_str(c, "type");
		if (t && strcmp(t, "Progressing") == 0) {
			return json_str(c, "lastUpdateTime");
		}
	}
	return NULL;
}

/* ---- header ------------------------------------------------------------- */

static void
watchview_header(const struct wv *w, struct wv_lines *ls)
{
	const struct ro_info *ri = w->ri;
	int max = w->cols;
	struct wv_line *l = watchview_new_line(ls);
	watchview_put(w, l, max, WATCHVIEW_BOLD, ri->name);
	watchview_putf(w, l, max, WATCHVIEW_DIM, "  %s  ", ri->namespace);
	watchview_putf(w, l, max, watchview_status_attr(ri->status), "%s %s",
		       watchview_icon(w, ri->icon), ri->status);
	if (w->opts->reconnecting) {
		watchview_put(w, l, max, WATCHVIEW_WARN, " [reconnecting]");
	}
	if (ri->message && *ri->message) {
		watchview_putf(w, l, max, WATCHVIEW_NORMAL, ": %s",
			       ri->message);
	}

	l = watchview_new_line(ls);
	watchview_put(w, l, max, WATCHVIEW_NORMAL,
		      *ri->strategy ? ri->strategy : "(no strategy)");
	int rev = ri->n_revisions ? ri->revisions[0].revision : 0;
	if (rev) {
		watchview_putf(w, l, max, WATCHVIEW_NORMAL, "  revision %d",
			       rev);
	}
	if (ri->step) {
		watchview_putf(w, l, max, WATCHVIEW_NORMAL, "  step %s",
			       ri->step);
	}
	const char *ss = watchview_step_start(w);
	if (ss) {
		char d[32];
		watchview_since(w, ss, d, sizeof(d));
		watchview_putf(w, l, max, WATCHVIEW_NORMAL, " for %s", d);
	}
	watchview_putf(w, l, max, WATCHVIEW_DIM,
		       "  desired %d ready %d updated %d", ri->replicas.desired,
		       ri->replicas.ready, ri->replicas.updated);

	/* which commit this is: the Argo CD applications that manage it */
	if (w->opts->gitops && *w->opts->gitops) {
		l = watchview_new_line(ls);
		watchview_put(w, l, max, WATCHVIEW_DIM, "GitOps: ");
		watchview_put(w, l, max, WATCHVIEW_NORMAL, w->opts->gitops);
	}

	for (size_t i = 0; i < ri->n_images; i++) {
		l = watchview_new_line(ls);
		watchview_put(w, l, max, WATCHVIEW_NORMAL, "  ");
		watchview_put(w, l, max, WATCHVIEW_NORMAL, ri->images[i].image);
		for (size_t t = 0; t < ri->images[i].n_tags; t++) {
			const char *tag = ri->images[i].tags[t];
			enum watchview_attr a =
				!strcmp(tag, "stable") || !strcmp(tag, "active")
					? WATCHVIEW_STABLE
					: WATCHVIEW_CANARY;
			watchview_put(w, l, max, WATCHVIEW_NORMAL,
				      t ? " " : " (");
			watchview_put(w, l, max, a, tag);
		}
		if (ri->images[i].n_tags) {
			watchview_put(w, l, max, WATCHVIEW_NORMAL, ")");
		}
	}
}

/* ---- steps -------------------------------------------------------------- */

/* "a,b" of the templates[].templateName of step s (into b). */
static void
watchview_templates(struct buf *b, const cJSON *s)
{
	const cJSON *t;
	bool first = true;
	cJSON_ArrayForEach(t, json_path(s, "templates"))
	{
		const char *n = json_str(t, "templateName");
		if (!n) {
			n = json_str(t, "name");
		}
		buf_addf(b, "%s%s", first ? "" : ",", n ? n : "?");
		first = false;
	}
}

static void
watchview_step_text(const struct wv *w, const cJSON *s, bool current,
		    struct buf *b)
{
	const cJSON *v;
	v = cJSON_GetObjectItem(s, "setWeight");
	if (v) {
		buf_addf(b, "setWeight %d%%", v->valueint);
		return;
	}
	v = cJSON_GetObjectItem(s, "pause");
	if (v) {
		const char *d = json_str(v, "duration");
		char tmp[32];
		if (!d && cJSON_IsNumber(cJSON_GetObjectItem(v, "duration"))) {
			snprintf(tmp, sizeof(tmp), "%ds",
				 cJSON_GetObjectItem(v, "duration")->valueint);
			d = tmp;
		}
		if (!d) {
			buf_adds(b, current ? "pause: waiting for promote"
					    : "pause until promoted");
			return;
		}
		buf_addf(b, "pause %s", d);
		const cJSON *pc = watchview_pause_cond(w->o->rollout,
						       "CanaryPauseStep");
		long long ms;
		time_t st;
		char err[64]; /* discarded, so truncation is harmless: checksrc: bounded */
		if (current && pc &&
		    timeutil_parse_duration(d, &ms, err, sizeof(err)) == 0 &&
		    json_str(pc, "startTime") &&
		    timeutil_parse(json_str(pc, "startTime"), &st)) {
			long long left = (long long)st + ms / 1000 - w->now;
			char h[32];
			timeutil_human_duration(h, sizeof(h),
						left > 0 ? left : 0);
			buf_addf(b, " (%s left)", h);
		}
		return;
	}
	v = cJSON_GetObjectItem(s, "analysis");
	if (v) {
		buf_adds(b, "analysis ");
		watchview_templates(b, v);
		return;
	}
	v = cJSON_GetObjectItem(s, "experiment");
	if (v) {
		const char *d = json_str(v, "duration");
		buf_adds(b, "experiment ");
		watchview_templates(b, v);
		if (d) {
			buf_addf(b, " for %s", d);
		}
		return;
	}
	v = cJSON_GetObjectItem(s, "setCanaryScale");
	if (v) {
		const cJSON *x = cJSON_GetObjectItem(v, "weight");
		const cJSON *r = cJSON_GetObjectItem(v, "replicas");
		if (x) {
			buf_addf(b, "setCanaryScale weight %d%%", x->valueint);
		} else if (r) {
			buf_addf(b, "setCanaryScale replicas %d", r->valueint);
		} else {
			buf_adds(b, "setCanaryScale matchTrafficWeight");
		}
		return;
	}
	v = cJSON_GetObjectItem(s, "setHeaderRoute");
	if (v) {
		buf_addf(b, "setHeaderRoute %s",
			 json_str(v, "name") ? json_str(v, "name") : "?");
		return;
	}
	v = cJSON_GetObjectItem(s, "setMirrorRoute");
	if (v) {
		buf_addf(b, "setMirrorRoute %s",
			 json_str(v, "name") ? json_str(v, "name") : "?");
		return;
	}
	v = cJSON_GetObjectItem(s, "plugin");
	if (v) {
		buf_addf(b, "plugin %s",
			 json_str(v, "name") ? json_str(v, "name") : "?");
		return;
	}
	buf_adds(b, s && s->child && s->child->string ? s->child->string : "?");
}

static bool
watchview_aborted(const struct wv *w)
{
	return json_bool(w->o->rollout, "status.abort", false);
}

static void
watchview_canary_steps(const struct wv *w, struct wv_lines *ls, int width,
		       int max_lines)
{
	const cJSON *steps = json_path(w->o->rollout,
				       "spec.strategy.canary.steps");
	int n = cJSON_GetArraySize(steps);
	struct wv_line *l = watchview_new_line(ls);
	watchview_put(w, l, width, WATCHVIEW_BOLD, "Steps");
	if (n == 0) {
		l = watchview_new_line(ls);
		watchview_put(w, l, width, WATCHVIEW_DIM,
			      "  (no steps: full rollout)");
		return;
	}
	int cur = (int)json_num(w->o->rollout, "status.currentStepIndex", 0);
	bool aborted = watchview_aborted(w);
	/* a window of max_lines - 1 steps around the current one */
	int room = max_lines - 1 < 1 ? 1 : max_lines - 1;
	int first = 0;
	if (n > room) {
		first = cur - room / 2;
		if (first < 0) {
			first = 0;
		}
		if (first > n - room) {
			first = n - room;
		}
	}
	for (int i = first; i < n && i < first + room; i++) {
		const cJSON *s = cJSON_GetArrayItem(steps, i);
		enum wv_mark m = i < cur    ? WV_DONE
				 : i == cur ? WV_CURRENT
					    : WV_PENDING;
		if (m == WV_CURRENT && aborted) {
			m = WV_FAILED;
		}
		struct buf b = BUF_INIT;
		watchview_step_text(w, s, m == WV_CURRENT, &b);
		l = watchview_new_line(ls);
		watchview_putf(w, l, width, WATCHVIEW_DIM, "%2d ", i + 1);
		watchview_mark(w, l, width, m);
		watchview_put(w, l, width,
			      m == WV_CURRENT   ? WATCHVIEW_BOLD
			      : m == WV_PENDING ? WATCHVIEW_DIM
						: WATCHVIEW_NORMAL,
			      b.buf);
		buf_release(&b);
	}
	if (n > room) {
		watchview_putf(w, &ls->v[ls->n - room - 1], width,
			       WATCHVIEW_DIM, "  %d-%d of %d", first + 1,
			       first + room < n ? first + room : n, n);
	}
}

/* One blue-green stage line. */
static void
watchview_stage(const struct wv *w, struct wv_lines *ls, int width,
		enum wv_mark m, const char *text)
{
	struct wv_line *l = watchview_new_line(ls);
	watchview_put(w, l, width, WATCHVIEW_NORMAL, "   ");
	watchview_mark(w, l, width, m);
	watchview_put(w, l, width,
		      m == WV_CURRENT   ? WATCHVIEW_BOLD
		      : m == WV_PENDING ? WATCHVIEW_DIM
					: WATCHVIEW_NORMAL,
		      text);
}

static enum wv_mark
watchview_analysis_mark(const char *phase)
{
	if (!phase) {
		return WV_PENDING;
	}
	if (!strcmp(phase, "Successful")) {
		return WV_DONE;
	}
	if (!strcmp(phase, "Failed") || !strcmp(phase, "Error") ||
	    !strcmp(phase, "Inconclusive")) {
		return WV_FAILED;
	}
	return WV_CURRENT;
}

static void
watchview_bluegreen_stages(const struct wv *w, struct wv_lines *ls, int width)
{
	const cJSON *ro = w->o->rollout;
	const char *hash = json_str(ro, "status.currentPodHash");
	const char *active = json_str(ro, "status.blueGreen.activeSelector");
	const char *preview = json_str(ro, "status.blueGreen.previewSelector");
	bool switched = hash && active && strcmp(hash, active) == 0;
	bool healthy = w->ri->status && !strcmp(w->ri->status, "Healthy");
	struct wv_line *l = watchview_new_line(ls);
	watchview_put(w, l, width, WATCHVIEW_BOLD, "Stages");
	/* before the switch the first stage not done is current */
	bool seen_current = switched;
	enum wv_mark m;

#define WV_NEXT(done) \
	((done)         ? WV_DONE \
	 : seen_current ? WV_PENDING \
			: (seen_current = true, WV_CURRENT))
	if (json_str(ro, "spec.strategy.blueGreen.previewService")) {
		bool up = switched ||
			  (hash && preview && strcmp(hash, preview) == 0);
		m = WV_NEXT(up);
		watchview_stage(w, ls, width, m, "preview up");
	}
	if (json_path(ro, "spec.strategy.blueGreen.prePromotionAnalysis")) {
		const char *ph = json_str(
			ro,
			"status.blueGreen.prePromotionAnalysisRunStatus.status");
		m = switched ? WV_DONE : watchview_analysis_mark(ph);
		if (m == WV_CURRENT || m == WV_FAILED) {
			seen_current = true;
		} else if (m == WV_PENDING && !seen_current) {
			m = WV_CURRENT;
			seen_current = true;
		}
		watchview_stage(w, ls, width, m, "pre-promotion analysis");
	}
	if (!json_bool(ro, "spec.strategy.blueGreen.autoPromotionEnabled",
		       true) ||
	    watchview_pause_cond(ro, "BlueGreenPause")) {
		m = WV_NEXT(false);
		watchview_stage(
			w, ls, width, m,
			m == WV_CURRENT
				? "awaiting promotion: waiting for promote"
				: "awaiting promotion");
	}
	m = WV_NEXT(switched);
	watchview_stage(w, ls, width, m, "active switched");
	if (json_path(ro, "spec.strategy.blueGreen.postPromotionAnalysis")) {
		const char *ph = json_str(
			ro,
			"status.blueGreen.postPromotionAnalysisRunStatus.status");
		m = !switched ? WV_PENDING
		    : healthy ? WV_DONE
			      : watchview_analysis_mark(ph);
		watchview_stage(w, ls, width, m, "post-promotion analysis");
	}
	const char *delay = NULL;
	for (size_t r = 0; r < w->ri->n_revisions; r++) {
		const struct ro_revision *rv = &w->ri->revisions[r];
		for (size_t i = 0; i < rv->n_replicasets; i++) {
			if (rv->replicasets[i].delay[0] &&
			    strcmp(rv->replicasets[i].delay, "passed") != 0) {
				delay = rv->replicasets[i].delay;
			}
		}
	}
	struct buf b = BUF_INIT;
	buf_adds(&b, "scale-down delay");
	if (delay) {
		buf_addf(&b, " (%s left)", delay);
	}
	watchview_stage(w, ls, width,
			!switched ? WV_PENDING
			: delay   ? WV_CURRENT
				  : WV_DONE,
			b.buf);
	buf_release(&b);
#undef WV_NEXT
}

/* ---- traffic ------------------------------------------------------------ */

static int watchview_int(const cJSON *o, const char *key, int def);

/* Whether the http route named name is one the rollout manages (routes:
 * the rollout's list; none listed: every route). */
static bool
watchview_vs_route_wanted(const cJSON *routes, const char *name)
{
	if (!cJSON_IsArray(routes) || cJSON_GetArraySize(routes) == 0) {
		return true;
	}
	for (const cJSON *r = routes->child; r; r = r->next) {
		if (cJSON_IsString(r) && name && !strcmp(r->valuestring, name)) {
			return true;
		}
	}
	return false;
}

/* One VirtualService's managed http routes: "VirtualService NAME route:
 * host weight% / host weight%", or that it is missing. */
static void
watchview_vs_one(const struct wv *w, struct wv_lines *ls, const cJSON *ref)
{
	const char *name = json_str(ref, "name");
	if (!name) {
		return;
	}
	const char *ns = json_str(w->o->rollout, "metadata.namespace");
	const cJSON *vs = NULL;
	for (const cJSON *it = w->opts->virtualservices
				       ? w->opts->virtualservices->child
				       : NULL;
	     it && !vs; it = it->next) {
		const char *n = json_str(it, "metadata.name");
		const char *vns = json_str(it, "metadata.namespace");
		if (n && !strcmp(n, name) &&
		    (!ns || !vns || !strcmp(ns, vns))) {
			vs = it;
		}
	}
	int max = w->cols;
	const cJSON *routes = cJSON_GetObjectItem(ref, "routes");
	if (!vs) {
		struct wv_line *l = watchview_new_line(ls);
		watchview_putf(w, l, max, WATCHVIEW_DIM,
			       "        VirtualService %s: ", name);
		watchview_put(w, l, max, WATCHVIEW_WARN, "not found");
		return;
	}
	const cJSON *http = json_path(vs, "spec.http");
	int shown = 0;
	for (const cJSON *h = http ? http->child : NULL; h && shown < 3;
	     h = h->next) {
		const char *hn = json_str(h, "name");
		if (!watchview_vs_route_wanted(routes, hn)) {
			continue;
		}
		struct wv_line *l = watchview_new_line(ls);
		watchview_putf(w, l, max, WATCHVIEW_DIM,
			       "        VirtualService %s", name);
		if (hn) {
			watchview_putf(w, l, max, WATCHVIEW_DIM, " %s", hn);
		}
		watchview_put(w, l, max, WATCHVIEW_NORMAL, ":");
		const cJSON *dests = cJSON_GetObjectItem(h, "route");
		int i = 0;
		for (const cJSON *d = dests ? dests->child : NULL; d;
		     d = d->next, i++) {
			const char *host = json_str(d, "destination.host");
			const char *sub = json_str(d, "destination.subset");
			watchview_putf(w, l, max, WATCHVIEW_NORMAL, "%s %s%s%s",
				       i ? " /" : "", host ? host : "?",
				       sub ? "/" : "", sub ? sub : "");
			watchview_putf(w, l, max, WATCHVIEW_BOLD, " %d%%",
				       watchview_int(d, "weight", 0));
		}
		shown++;
	}
}

/* The VirtualServices' weights where the rollout routes through Istio. */
static void
watchview_vs(const struct wv *w, struct wv_lines *ls)
{
	const cJSON *istio = json_path(
		w->o->rollout, "spec.strategy.canary.trafficRouting.istio");
	if (!istio) {
		return;
	}
	const cJSON *one = cJSON_GetObjectItem(istio, "virtualService");
	if (one) {
		watchview_vs_one(w, ls, one);
	}
	const cJSON *many = cJSON_GetObjectItem(istio, "virtualServices");
	for (const cJSON *it = cJSON_IsArray(many) ? many->child : NULL; it;
	     it = it->next) {
		watchview_vs_one(w, ls, it);
	}
}

static void
watchview_traffic(const struct wv *w, struct wv_lines *ls)
{
	const struct ro_info *ri = w->ri;
	int max = w->cols;
	int bar = w->cols - 52;
	if (bar > 60) {
		bar = 60;
	}
	if (bar < 10) {
		bar = 10;
	}
	int canary = ri->actual_weight < 0     ? 0
		     : ri->actual_weight > 100 ? 100
					       : ri->actual_weight;
	int cw = (canary * bar + 50) / 100;
	struct wv_line *l = watchview_new_line(ls);
	watchview_put(w, l, max, WATCHVIEW_BOLD, "Traffic ");
	watchview_putf(w, l, max, WATCHVIEW_NORMAL, "stable %3d%% ",
		       100 - canary);
	for (int i = 0; i < bar; i++) {
		bool c = i >= bar - cw;
		watchview_put(w, l, max,
			      c ? WATCHVIEW_CANARY : WATCHVIEW_STABLE,
			      w->opts->utf8 ? (c ? "█" : "░")
					    : (c ? "#" : "="));
	}
	watchview_putf(w, l, max, WATCHVIEW_NORMAL, " %3d%% canary", canary);
	watchview_putf(w, l, max, WATCHVIEW_DIM, "  set/actual %d/%d",
		       ri->set_weight, ri->actual_weight);
	watchview_vs(w, ls);
}

/* ---- analysis ----------------------------------------------------------- */

/* A measurement value as a number ("0.98", "[0.98]", "[0.98 1]": the
 * first); false when it is none. */
static bool
watchview_value_num(const char *v, double *out)
{
	while (*v == '[' || *v == ' ') {
		v++;
	}
	char *end;
	double d = strtod(v, &end);
	if (end == v) {
		return false;
	}
	*out = d;
	return true;
}

static void
watchview_trend(const struct wv *w, struct wv_line *l, int max, const cJSON *ms)
{
	static const char *const u[] = {
		"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"
	};
	static const char *const a[] = {
		"_", ".", "-", "~", "=", "+", "*", "#"
	};
	double v[8];
	int n = 0, total = cJSON_GetArraySize(ms);
	for (int i = total > 8 ? total - 8 : 0; i < total; i++) {
		const char *s = json_str(cJSON_GetArrayItem(ms, i), "value");
		if (s && watchview_value_num(s, &v[n])) {
			n++;
		}
	}
	if (n < 2) {
		return;
	}
	double lo = v[0], hi = v[0];
	for (int i = 1; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	watchview_put(w, l, max, WATCHVIEW_NORMAL, " ");
	for (int i = 0; i < n; i++) {
		int k = hi > lo ? (int)((v[i] - lo) / (hi - lo) * 7 + 0.5) : 3;
		watchview_put(w, l, max, WATCHVIEW_INFO,
			      w->opts->utf8 ? u[k] : a[k]);
	}
}

static const cJSON *
watchview_metric_spec(const cJSON *ar, const char *name)
{
	const cJSON *m;
	cJSON_ArrayForEach(m, json_path(ar, "spec.metrics"))
	{
		const char *n = json_str(m, "name");
		if (n && name && strcmp(n, name) == 0) {
			return m;
		}
	}
	return NULL;
}

static int
watchview_int(const cJSON *o, const char *key, int def)
{
	const cJSON *v = json_path(o, key);
	if (cJSON_IsNumber(v)) {
		return v->valueint;
	}
	if (cJSON_IsString(v)) {
		return atoi(v->valuestring);
	}
	return def;
}

static void
watchview_run(const struct wv *w, struct wv_lines *ls, int width,
	      const struct ro_analysisrun *run)
{
	const cJSON *ar = watchview_find_named(w->o->analysisruns, run->name);
	struct wv_line *l = watchview_new_line(ls);
	watchview_putf(w, l, width, watchview_status_attr(run->status), "%s ",
		       watchview_icon(w, run->icon));
	watchview_put(w, l, width, WATCHVIEW_NORMAL, run->name);
	watchview_putf(w, l, width, watchview_status_attr(run->status), " %s",
		       *run->status ? run->status : "Pending");
	const cJSON *mr;
	cJSON_ArrayForEach(mr, json_path(ar, "status.metricResults"))
	{
		const char *name = json_str(mr, "name");
		const char *phase = json_str(mr, "phase");
		const cJSON *spec = watchview_metric_spec(ar, name);
		const cJSON *ms = json_path(mr, "measurements");
		const cJSON *last = cJSON_GetArrayItem(ms,
						       cJSON_GetArraySize(ms) -
							       1);
		l = watchview_new_line(ls);
		watchview_putf(w, l, width, watchview_status_attr(phase),
			       "  %s ",
			       watchview_icon(w, rollout_analysis_icon(phase)));
		watchview_put(w, l, width, WATCHVIEW_NORMAL, name ? name : "?");
		if (last && json_str(last, "value")) {
			watchview_putf(w, l, width, WATCHVIEW_BOLD, " %s",
				       json_str(last, "value"));
		}
		watchview_trend(w, l, width, ms);
		watchview_putf(w, l, width, WATCHVIEW_DIM, " ok %d",
			       watchview_int(mr, "successful", 0));
		int count = watchview_int(spec, "count", 0);
		if (count) {
			watchview_putf(w, l, width, WATCHVIEW_DIM, "/%d",
				       count);
		}
		int failed = watchview_int(mr, "failed", 0);
		int flimit = watchview_int(spec, "failureLimit", 0);
		watchview_putf(w, l, width,
			       failed > flimit ? WATCHVIEW_BAD : WATCHVIEW_DIM,
			       " fail %d/%d", failed, flimit);
		int inc = watchview_int(mr, "inconclusive", 0);
		int ilimit = watchview_int(spec, "inconclusiveLimit", 0);
		if (inc || ilimit) {
			watchview_putf(w, l, width,
				       inc > ilimit ? WATCHVIEW_WARN
						    : WATCHVIEW_DIM,
				       " inc %d/%d", inc, ilimit);
		}
		int err = watchview_int(mr, "error", 0);
		int elimit = watchview_int(spec, "consecutiveErrorLimit", 4);
		if (err) {
			watchview_putf(w, l, width, WATCHVIEW_WARN,
				       " err %d/%d",
				       watchview_int(mr, "consecutiveError",
						     err),
				       elimit);
		}
		const char *msg = json_str(mr, "message");
		if (!msg && last) {
			msg = json_str(last, "message");
		}
		if (msg && *msg) {
			l = watchview_new_line(ls);
			watchview_putf(w, l, width, WATCHVIEW_BAD, "    %s",
				       msg);
		}
	}
}

static void
watchview_analysis(const struct wv *w, struct wv_lines *ls, int width)
{
	struct wv_line *l = watchview_new_line(ls);
	watchview_put(w, l, width, WATCHVIEW_BOLD, "Analysis");
	size_t before = ls->n;
	if (watchview_aborted(w)) {
		const char *m = json_str(w->o->rollout, "status.message");
		l = watchview_new_line(ls);
		watchview_putf(w, l, width, WATCHVIEW_BAD, "%s aborted: %s",
			       watchview_icon(w, "✖"),
			       m && *m ? m : w->ri->message);
	}
	if (w->ri->n_revisions) {
		const struct ro_revision *rv = &w->ri->revisions[0];
		for (size_t i = rv->n_analysisruns; i-- > 0;) {
			watchview_run(w, ls, width, &rv->analysisruns[i]);
		}
		for (size_t e = 0; e < rv->n_experiments; e++) {
			const struct ro_experiment *x = &rv->experiments[e];
			l = watchview_new_line(ls);
			watchview_putf(w, l, width,
				       watchview_status_attr(x->status),
				       "%s experiment %s %s",
				       watchview_icon(w, x->icon), x->name,
				       x->status);
			for (size_t i = 0; i < x->n_analysisruns; i++) {
				watchview_run(w, ls, width,
					      &x->analysisruns[i]);
			}
		}
	}
	if (ls->n == before) {
		l = watchview_new_line(ls);
		watchview_put(w, l, width, WATCHVIEW_DIM,
			      "  (no analysis runs)");
	}
}

/* ---- ReplicaSets and pods ----------------------------------------------- */

static void
watchview_tags(struct buf *b, unsigned tags)
{
	static const char *const names[] = {
		"stable", "canary", "active", "preview", "ping", "pong",
	};
	for (int i = 0; i < 6; i++) {
		if (tags & (1u << i)) {
			buf_addf(b, " %s", names[i]);
		}
	}
}

static void
watchview_replicasets(const struct wv *w, struct wv_lines *ls)
{
	int max = w->cols;
	for (size_t r = 0; r < w->ri->n_revisions; r++) {
		const struct ro_revision *rv = &w->ri->revisions[r];
		for (size_t i = 0; i < rv->n_replicasets; i++) {
			const struct ro_replicaset *rs = &rv->replicasets[i];
			struct wv_line *l = watchview_new_line(ls);
			struct buf t = BUF_INIT;
			watchview_tags(&t, rs->tags);
			watchview_putf(w, l, max, WATCHVIEW_DIM, "rev %-3d ",
				       rv->revision);
			watchview_putf(w, l, max,
				       watchview_status_attr(rs->status), "%s ",
				       watchview_icon(w, rs->icon));
			watchview_put(w, l, max, WATCHVIEW_NORMAL, rs->name);
			watchview_putf(w, l, max, WATCHVIEW_NORMAL, " %s %d/%d",
				       rs->status, rs->available, rs->replicas);
			watchview_put(w, l, max, WATCHVIEW_INFO, t.buf);
			if (rs->delay[0]) {
				watchview_putf(w, l, max, WATCHVIEW_DIM,
					       " delay:%s", rs->delay);
			}
			watchview_putf(w, l, max, WATCHVIEW_DIM, " %s",
				       rs->age);
			buf_release(&t);
			for (size_t p = 0; p < rs->n_pods; p++) {
				const struct ro_pod *pod = &rs->pods[p];
				l = watchview_new_line(ls);
				watchview_putf(w, l, max,
					       watchview_status_attr(
						       pod->status),
					       "        %s ",
					       watchview_icon(w, pod->icon));
				watchview_put(w, l, max, WATCHVIEW_NORMAL,
					      pod->name);
				watchview_putf(w, l, max,
					       watchview_status_attr(
						       pod->status),
					       " %s", pod->status);
				watchview_putf(w, l, max, WATCHVIEW_DIM,
					       " ready %d/%d", pod->ready,
					       pod->total);
				if (pod->restarts) {
					watchview_putf(w, l, max,
						       WATCHVIEW_WARN,
						       " restarts %d",
						       pod->restarts);
				}
				watchview_putf(w, l, max, WATCHVIEW_DIM, " %s",
					       pod->age);
			}
		}
	}
}

/* ---- layout ------------------------------------------------------------- */

static void
watchview_emit(struct watchview_frame *f, struct wv_line *l)
{
	struct watchview_line *o = &f->lines[f->n_lines++];
	o->text = buf_detach(&l->text, NULL);
	o->spans = l->spans;
	o->n_spans = l->n_spans;
	l->spans = NULL;
	l->n_spans = l->a_spans = 0;
}

static void
watchview_emit_range(struct watchview_frame *f, struct wv_lines *ls,
		     size_t from, size_t n, size_t limit)
{
	for (size_t i = from; i < ls->n && i < from + n && f->n_lines < limit;
	     i++) {
		watchview_emit(f, &ls->v[i]);
	}
}

static void
watchview_blank(struct watchview_frame *f, size_t limit)
{
	while (f->n_lines < limit) {
		f->lines[f->n_lines].text = xstrdup("");
		f->lines[f->n_lines].spans = NULL;
		f->lines[f->n_lines].n_spans = 0;
		f->n_lines++;
	}
}

void
watchview_render(struct watchview_frame *f, const struct ro_info *ri,
		 const struct ro_objects *o, const struct watchview_opts *opts)
{
	struct wv w = {
		.ri = ri,
		.o = o,
		.opts = opts,
		.cols = opts->cols < 40 ? 40 : opts->cols,
		.rows = opts->rows < 10 ? 10 : opts->rows,
		.now = opts->now ? opts->now : ri->now,
	};
	memset(f, 0, sizeof(*f));
	f->lines = xcalloc((size_t)w.rows, sizeof(*f->lines));
	size_t body = (size_t)w.rows - 1; /* the last row: status line */

	struct wv_lines head = { 0 }, steps = { 0 }, an = { 0 }, rs = { 0 };
	struct wv_lines traffic = { 0 };
	watchview_header(&w, &head);
	bool bg = !strcmp(ri->strategy, "BlueGreen");
	bool wide = w.cols >= 120;
	int colw = wide ? (w.cols - 2) / 2 : w.cols;
	/* steps get at most a third of the screen */
	int steps_max = w.rows / 3 < 4 ? 4 : w.rows / 3;
	if (bg) {
		watchview_bluegreen_stages(&w, &steps, colw);
	} else if (!strcmp(ri->strategy, "Canary")) {
		watchview_canary_steps(&w, &steps, colw, steps_max);
		watchview_traffic(&w, &traffic);
	}
	watchview_analysis(&w, &an, colw);
	watchview_replicasets(&w, &rs);

	/* header, always */
	watchview_emit_range(f, &head, 0, head.n, body);
	/* steps and analysis: side by side when wide, else stacked, the
	 * analysis cut to a quarter of the screen */
	size_t an_max = (size_t)(w.rows / 4 < 3 ? 3 : w.rows / 4);
	if (wide) {
		size_t n = steps.n > an.n ? steps.n : an.n;
		size_t lim = (size_t)steps_max > an_max + 2 ? (size_t)steps_max
							    : an_max + 2;
		for (size_t i = 0; i < n && i < lim && f->n_lines < body; i++) {
			struct wv_lines tmp = { 0 };
			struct wv_line *l = watchview_new_line(&tmp);
			if (i < steps.n) {
				watchview_join(l, &steps.v[i]);
			}
			watchview_pad(l, colw + 2);
			if (i < an.n) {
				watchview_join(l, &an.v[i]);
			}
			watchview_emit(f, l);
			watchview_lines_release(&tmp);
		}
		watchview_emit_range(f, &traffic, 0, traffic.n, body);
	} else {
		watchview_emit_range(f, &steps, 0, steps.n, body);
		watchview_emit_range(f, &traffic, 0, traffic.n, body);
		watchview_emit_range(f, &an, 0, an_max, body);
	}
	/* the newest events seen while watching: a sixth of the screen (two
	 * lines below 30 rows) */
	if (opts->n_events && f->n_lines + 4 < body) {
		size_t room = (size_t)(w.rows >= 30 ? w.rows / 6 : 2);
		size_t from = opts->n_events > room ? opts->n_events - room : 0;
		struct wv_lines ev = { 0 };
		struct wv_line *l = watchview_new_line(&ev);
		watchview_put(&w, l, w.cols, WATCHVIEW_BOLD, "Events");
		for (size_t i = from; i < opts->n_events; i++) {
			l = watchview_new_line(&ev);
			watchview_put(&w, l, w.cols, WATCHVIEW_NORMAL, "  ");
			watchview_put(&w, l, w.cols, WATCHVIEW_NORMAL,
				      opts->events[i]);
		}
		watchview_emit_range(f, &ev, 0, ev.n, body);
		watchview_lines_release(&ev);
	}
	/* ReplicaSets and pods: the rest, from the scroll offset */
	if (f->n_lines + 1 < body) {
		struct wv_lines t = { 0 };
		struct wv_line *l = watchview_new_line(&t);
		watchview_put(&w, l, w.cols, WATCHVIEW_BOLD, "ReplicaSets");
		size_t room = body - f->n_lines - 1;
		int smax = rs.n > room ? (int)(rs.n - room) : 0;
		int sc = opts->scroll < 0      ? 0
			 : opts->scroll > smax ? smax
					       : opts->scroll;
		f->scroll_max = smax;
		if (smax) {
			watchview_putf(&w, l, w.cols, WATCHVIEW_DIM,
				       "  %d-%zu of %zu", sc + 1,
				       (size_t)sc + room, rs.n);
		}
		watchview_emit(f, l);
		watchview_lines_release(&t);
		watchview_emit_range(f, &rs, (size_t)sc, room, body);
	}
	watchview_blank(f, body);

	struct wv_lines st = { 0 };
	struct wv_line *l = watchview_new_line(&st);
	watchview_put(
		&w, l, w.cols, WATCHVIEW_REVERSE,
		opts->status
			? opts->status
			: "p promote  a abort  r retry  z pause  ? help  q quit");
	watchview_emit(f, l);
	watchview_lines_release(&st);

	watchview_lines_release(&head);
	watchview_lines_release(&steps);
	watchview_lines_release(&traffic);
	watchview_lines_release(&an);
	watchview_lines_release(&rs);
}

void
watchview_frame_release(struct watchview_frame *f)
{
	if (!f) {
		return;
	}
	for (size_t i = 0; i < f->n_lines; i++) {
		free(f->lines[i].text);
		free(f->lines[i].spans);
	}
	free(f->lines);
	memset(f, 0, sizeof(*f));
}

void
watchview_frame_text(const struct watchview_frame *f, struct buf *out)
{
	for (size_t i = 0; i < f->n_lines; i++) {
		const char *t = f->lines[i].text;
		size_t n = strlen(t);
		while (n > 0 && t[n - 1] == ' ') {
			n--;
		}
		buf_add(out, t, n);
		buf_addch(out, '\n');
	}
}

/* ---- the list of rollouts ------------------------------------------------ */

static bool
watchview_list_match(const cJSON *ro, const char *filter)
{
	if (!filter || !*filter) {
		return true;
	}
	const char *n = json_str(ro, "metadata.name");
	return n && strstr(n, filter) != NULL;
}

size_t
watchview_list_count(const cJSON *items, const char *filter)
{
	size_t n = 0;
	for (const cJSON *it = items ? items->child : NULL; it; it = it->next) {
		n += watchview_list_match(it, filter);
	}
	return n;
}

const cJSON *
watchview_list_nth(const cJSON *items, const char *filter, size_t n)
{
	for (const cJSON *it = items ? items->child : NULL; it; it = it->next) {
		if (watchview_list_match(it, filter) && n-- == 0) {
			return it;
		}
	}
	return NULL;
}

enum { WV_LIST_COLS = 16 };

/* The i-th space-separated word of the line p (len bytes): its offset and
 * length; false past the last. */
static bool
watchview_word(const char *p, size_t len, size_t *at, size_t *from,
	       size_t *n)
{
	while (*at < len && p[*at] == ' ') {
		(*at)++;
	}
	*from = *at;
	while (*at < len && p[*at] != ' ') {
		(*at)++;
	}
	*n = *at - *from;
	return *n > 0;
}

static size_t
watchview_cps(const char *p, size_t n)
{
	size_t cp = 0;
	for (size_t i = 0; i < n; i++) {
		cp += !watchview_is_cont((unsigned char)p[i]);
	}
	return cp;
}

/* Each column's width (code points) in table; the sum. */
static size_t
watchview_list_widths(const struct buf *table, size_t *w, size_t *ncols)
{
	size_t total = 0;
	memset(w, 0, WV_LIST_COLS * sizeof(*w));
	*ncols = 0;
	for (const char *p = table->buf; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		size_t at = 0, from, n;
		for (size_t c = 0; c < WV_LIST_COLS &&
		     watchview_word(p, len, &at, &from, &n); c++) {
			size_t cp = watchview_cps(p + from, n);
			w[c] = cp > w[c] ? cp : w[c];
			*ncols = c + 1 > *ncols ? c + 1 : *ncols;
		}
		p = e ? e + 1 : p + len;
	}
	for (size_t c = 0; c < *ncols; c++) {
		total += w[c];
	}
	return total;
}

/* Realign the table of list rollouts (its values hold no spaces) to fit
 * width columns: gaps of two spaces; when that is too wide, the long
 * headers shortened (WEIGHT, UPDATED, AVAIL) and gaps of one. */
static void
watchview_list_squeeze(struct buf *table, int width)
{
	size_t w[WV_LIST_COLS], ncols;
	size_t total = watchview_list_widths(table, w, &ncols);
	size_t gap = 2;
	if (ncols && total + 2 * (ncols - 1) > (size_t)width) {
		static const char *const abbr[][2] = {
			{ " SET-WEIGHT ", " WEIGHT " },
			{ " UP-TO-DATE ", " UPDATED " },
			{ " AVAILABLE", " AVAIL" },
		};
		const char *nl = strchr(table->buf, '\n');
		struct buf head = BUF_INIT;
		buf_add(&head, table->buf, nl ? (size_t)(nl - table->buf)
					      : table->len);
		for (size_t i = 0; i < sizeof(abbr) / sizeof(abbr[0]); i++) {
			char *hit = strstr(head.buf, abbr[i][0]);
			if (hit) {
				struct buf t = BUF_INIT;
				buf_add(&t, head.buf, (size_t)(hit - head.buf));
				buf_adds(&t, abbr[i][1]);
				buf_adds(&t, hit + strlen(abbr[i][0]));
				buf_release(&head);
				head = t;
			}
		}
		buf_adds(&head, nl ? nl : "");
		buf_release(table);
		*table = head;
		total = watchview_list_widths(table, w, &ncols);
		gap = total + 2 * (ncols - 1) > (size_t)width ? 1 : 2;
	}
	struct buf out = BUF_INIT;
	for (const char *p = table->buf; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		size_t at = 0, from, n;
		for (size_t c = 0; c < WV_LIST_COLS &&
		     watchview_word(p, len, &at, &from, &n); c++) {
			if (c) {
				buf_addf(&out, "%*s", (int)gap, "");
			}
			buf_add(&out, p + from, n);
			if (c + 1 < ncols) {
				size_t cp = watchview_cps(p + from, n);
				buf_addf(&out, "%*s", (int)(w[c] - cp), "");
			}
		}
		while (out.len && out.buf[out.len - 1] == ' ') {
			buf_setlen(&out, out.len - 1);
		}
		buf_addch(&out, '\n');
		p = e ? e + 1 : p + len;
	}
	buf_release(table);
	*table = out;
}

void
watchview_list_render(struct watchview_frame *f, const cJSON *items,
		      const struct watchview_list_opts *o)
{
	struct watchview_opts vo = {
		.cols = o->cols,
		.rows = o->rows,
		.color = o->color,
		.utf8 = o->utf8,
	};
	struct wv w = {
		.opts = &vo,
		.cols = o->cols < 40 ? 40 : o->cols,
		.rows = o->rows < 10 ? 10 : o->rows,
		.now = o->now,
	};
	memset(f, 0, sizeof(*f));
	f->lines = xcalloc((size_t)w.rows, sizeof(*f->lines));
	size_t body = (size_t)w.rows - 1;

	/* the shown rollouts, as references, in the table of list rollouts */
	cJSON *shown = cJSON_CreateArray();
	for (const cJSON *it = items ? items->child : NULL; it; it = it->next) {
		if (watchview_list_match(it, o->filter)) {
			cJSON_AddItemReferenceToArray(shown, (cJSON *)it);
		}
	}
	size_t n = (size_t)cJSON_GetArraySize(shown);
	size_t total = (size_t)cJSON_GetArraySize(items);
	struct buf table = BUF_INIT;
	render_list_rollouts(&table, shown, o->all_namespaces, false, o->now);
	watchview_list_squeeze(&table, (o->cols < 40 ? 40 : o->cols) - 2);

	struct wv_lines ls = { 0 };
	struct wv_line *l = watchview_new_line(&ls);
	watchview_put(&w, l, w.cols, WATCHVIEW_BOLD, "Rollouts");
	watchview_putf(&w, l, w.cols, WATCHVIEW_NORMAL, "  %s",
		       o->scope ? o->scope : "");
	if (o->filter && *o->filter) {
		watchview_putf(&w, l, w.cols, WATCHVIEW_NORMAL,
			       "  %zu of %zu matching '%s'", n, total,
			       o->filter);
	} else {
		watchview_putf(&w, l, w.cols, WATCHVIEW_NORMAL, "  %zu", total);
	}
	if (o->reconnecting) {
		watchview_put(&w, l, w.cols, WATCHVIEW_WARN, "  [reconnecting]");
	}
	watchview_emit(f, l);

	/* the table: its header, then rows from the scroll offset that
	 * keeps the selected one in sight */
	size_t room = body > 2 ? body - 2 : 0;
	size_t sel = o->selected < 0 ? 0 : (size_t)o->selected;
	if (n && sel >= n) {
		sel = n - 1;
	}
	size_t first = sel >= room ? sel - room + 1 : 0;
	size_t row = 0;
	const char *p = table.buf;
	while (*p && f->n_lines < body) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char *text = xstrndup(p, len);
		p = e ? e + 1 : p + len;
		if (row == 0) {
			l = watchview_new_line(&ls);
			watchview_put(&w, l, w.cols, WATCHVIEW_BOLD, "  ");
			watchview_put(&w, l, w.cols, WATCHVIEW_BOLD, text);
			watchview_emit(f, l);
		} else if (row - 1 >= first) {
			bool cur = row - 1 == sel;
			l = watchview_new_line(&ls);
			watchview_put(&w, l, w.cols, WATCHVIEW_NORMAL,
				      cur ? (o->utf8 ? "▶ " : "> ") : "  ");
			watchview_put(&w, l, w.cols,
				      cur ? WATCHVIEW_REVERSE
					  : WATCHVIEW_NORMAL,
				      text);
			watchview_emit(f, l);
		}
		free(text);
		row++;
	}
	if (n == 0 && f->n_lines < body) {
		l = watchview_new_line(&ls);
		if (o->filter && *o->filter) {
			watchview_putf(&w, l, w.cols, WATCHVIEW_DIM,
				       "  no rollout name contains '%s'",
				       o->filter);
		} else {
			watchview_put(&w, l, w.cols, WATCHVIEW_DIM,
				      "  no rollouts");
		}
		watchview_emit(f, l);
	}
	f->scroll_max = n > room ? (int)(n - room) : 0;
	watchview_blank(f, body);

	l = watchview_new_line(&ls);
	if (o->filtering) {
		watchview_putf(&w, l, w.cols, WATCHVIEW_REVERSE,
			       "/%s_  (Enter keeps it, Esc clears it)",
			       o->filter ? o->filter : "");
	} else {
		watchview_put(&w, l, w.cols, WATCHVIEW_REVERSE,
			      o->status ? o->status
					: "j/k move  / filter  Enter open  q quit");
	}
	watchview_emit(f, l);
	watchview_lines_release(&ls);
	buf_release(&table);
	cJSON_Delete(shown);
}
