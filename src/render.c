/* SPDX-License-Identifier: Apache-2.0 */
/*
 * render: the plugin's text output (see render.h). A small tab-writer
 * reproduces Go's text/tabwriter with minwidth 0, tabwidth 0, padding 2,
 * no flags: every cell but a row's last is padded to the widest cell of its
 * column plus 2; the last cell is written as it is. Widths are rune counts
 * with ANSI escape sequences skipped (juju/ansiterm strips them first).
 */
#include "render.h"
#include "timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "xalloc.h"

/* ---- colours -------------------------------------------------------------- */

static int
render_code(const char *s)
{
	static const struct {
		const char *text;
		int code;
	} map[] = {
		{"◷", 33}, {"◌", 94}, {"⚠", 31}, {"?", 33}, {"✔", 32},
		{"✖", 31}, {"canary", 33}, {"stable", 32}, {"active", 32},
		{"preview", 94}, {"ping", 94}, {"pong", 94},
		{"Pending", 94}, {"Running", 94},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (!strcmp(s, map[i].text)) {
			return map[i].code;
		}
	}
	return 0;
}

/* Append text wrapped in code's colour (when colour is on). */
static void
render_wrap(struct buf *b, bool color, int code, const char *text)
{
	if (color) {
		buf_addf(b, "\x1b[%dm%s\x1b[0m", code, text);
	} else {
		buf_adds(b, text);
	}
}

/* The plugin's colorize(s): s in the colour the table gives it. */
static void
render_colorize(struct buf *b, bool color, const char *s)
{
	render_wrap(b, color, render_code(s), s);
}

/* An AnalysisRun, Experiment or Job name, coloured by its phase. */
static void
render_phase_name(struct buf *b, bool color, const char *name,
		  const char *phase)
{
	render_wrap(b, color, render_code(phase ? phase : ""), name);
}

/* ---- tab-writer ----------------------------------------------------------- */

struct render_table {
	size_t ncols;    /* cells per row, the last one trailing text */
	char **cells;    /* nrows * ncols, owned */
	size_t nrows, alloc;
};

static void
render_table_init(struct render_table *t, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
}

/* Add a row; each cell is copied. */
static void
render_table_add(struct render_table *t, const char *const *cells)
{
	if (t->nrows == t->alloc) {
		t->alloc = t->alloc ? t->alloc * 2 : 16;
		t->cells = xrealloc(t->cells,
				    t->alloc * t->ncols * sizeof(char *));
	}
	for (size_t i = 0; i < t->ncols; i++) {
		t->cells[t->nrows * t->ncols + i] = xstrdup(cells[i] ? cells[i] : "");
	}
	t->nrows++;
}

/* Visible width: runes, ANSI CSI sequences not counted. */
static size_t
render_width(const char *s)
{
	size_t w = 0;
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		if (p[0] == 0x1b && p[1] == '[') {
			p += 2;
			while (*p && !(*p >= 0x40 && *p <= 0x7e)) {
				p++;
			}
			if (*p) {
				p++;
			}
			continue;
		}
		if ((*p & 0xc0) != 0x80) {
			w++;
		}
		p++;
	}
	return w;
}

static void
render_table_flush(struct render_table *t, struct buf *out)
{
	size_t *width = xcalloc(t->ncols, sizeof(size_t));

	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c + 1 < t->ncols; c++) {
			size_t w = render_width(t->cells[r * t->ncols + c]) + 2;
			if (w > width[c]) {
				width[c] = w;
			}
		}
	}
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];
			buf_adds(out, cell);
			if (c + 1 < t->ncols) {
				for (size_t k = render_width(cell); k < width[c]; k++) {
					buf_addch(out, ' ');
				}
			}
		}
		buf_addch(out, '\n');
	}
	free(width);
}

static void
render_table_release(struct render_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++) {
		free(t->cells[i]);
	}
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

/* ---- header block ------------------------------------------------------- */

static void
render_field(struct buf *out, const char *label, const char *value)
{
	buf_addf(out, "%-17s%s\n", label, value ? value : "");
}

static void
render_images(struct buf *out, const struct ro_image *v, size_t n, bool color)
{
	struct buf line = BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		buf_reset(&line);
		buf_adds(&line, v[i].image);
		if (v[i].n_tags > 0) {
			buf_adds(&line, " (");
			for (size_t j = 0; j < v[i].n_tags; j++) {
				if (j > 0) {
					buf_adds(&line, ", ");
				}
				render_colorize(&line, color, v[i].tags[j]);
			}
			buf_adds(&line, ")");
		}
		render_field(out, i == 0 ? "Images:" : "", line.buf);
	}
	buf_release(&line);
}

static void
render_status_value(struct buf *b, bool color, const char *icon,
		    const char *status)
{
	render_colorize(b, color, icon);
	buf_addch(b, ' ');
	buf_adds(b, status ? status : "");
}

/* ---- tree ------------------------------------------------------------------ */

struct render_ctx {
	struct render_table t;
	const struct render_opts *o;
	bool color;
	time_t now;
	struct buf name, status, info; /* scratch cells */
};

static void
render_add(struct render_ctx *c, const char *kind, const char *age)
{
	const char *cells[5] = {c->name.buf, kind, c->status.buf, age,
				c->info.buf};

	render_table_add(&c->t, cells);
	buf_reset(&c->name);
	buf_reset(&c->status);
	buf_reset(&c->info);
}

/* prefix for a child and the indentation for its own children */
static void
render_branch(struct buf *prefix, struct buf *sub, const char *parent,
	      bool last)
{
	buf_reset(prefix);
	buf_reset(sub);
	buf_addf(prefix, "%s%s", parent, last ? "└──" : "├──");
	buf_addf(sub, "%s%s", parent, last ? "   " : "│  ");
}

static void
render_tags(struct buf *b, bool color, unsigned tags, const char *delay)
{
	static const struct {
		unsigned bit;
		const char *name;
	} order[] = {
		{RO_TAG_STABLE, "stable"}, {RO_TAG_CANARY, "canary"},
		{RO_TAG_ACTIVE, "active"}, {RO_TAG_PREVIEW, "preview"},
		{RO_TAG_PING, "ping"}, {RO_TAG_PONG, "pong"},
	};
	bool first = true;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!(tags & order[i].bit)) {
			continue;
		}
		if (order[i].bit == RO_TAG_ACTIVE && (tags & RO_TAG_CANARY)) {
			continue;
		}
		if (order[i].bit == RO_TAG_PREVIEW &&
		    (tags & (RO_TAG_CANARY | RO_TAG_ACTIVE))) {
			continue;
		}
		if (!first) {
			buf_addch(b, ',');
		}
		render_colorize(b, color, order[i].name);
		first = false;
	}
	if (delay && *delay) {
		if (!first) {
			buf_addch(b, ',');
		}
		buf_addf(b, "delay:%s", delay);
	}
}

/* The RS name wrapped once per tag, in INFO order (escapes nest). */
static void
render_rs_name(struct buf *b, bool color, const struct ro_replicaset *rs)
{
	static const struct {
		unsigned bit;
		const char *name;
	} order[] = {
		{RO_TAG_STABLE, "stable"}, {RO_TAG_CANARY, "canary"},
		{RO_TAG_ACTIVE, "active"}, {RO_TAG_PREVIEW, "preview"},
		{RO_TAG_PING, "ping"}, {RO_TAG_PONG, "pong"},
	};
	struct buf cur = BUF_INIT, next = BUF_INIT;

	buf_adds(&cur, rs->name);
	if (color) {
		for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
			if (!(rs->tags & order[i].bit)) {
				continue;
			}
			if (order[i].bit == RO_TAG_ACTIVE &&
			    (rs->tags & RO_TAG_CANARY)) {
				continue;
			}
			if (order[i].bit == RO_TAG_PREVIEW &&
			    (rs->tags & (RO_TAG_CANARY | RO_TAG_ACTIVE))) {
				continue;
			}
			buf_reset(&next);
			render_wrap(&next, true, render_code(order[i].name), cur.buf);
			buf_reset(&cur);
			buf_adds(&cur, next.buf);
		}
	}
	buf_adds(b, cur.buf);
	buf_release(&cur);
	buf_release(&next);
}

static void
render_delay(char *out, size_t len, const struct ro_replicaset *rs, time_t now)
{
	time_t t;

	out[0] = '\0';
	if (!rs->scale_down_deadline ||
	    !timeutil_parse(rs->scale_down_deadline, &t)) {
		return;
	}
	if (t < now) {
		snprintf(out, len, "passed");
	} else {
		timeutil_human_duration(out, len, (long long)t - (long long)now);
	}
}

static void
render_tree_rs(struct render_ctx *c, const char *parent, bool last,
	       const struct ro_replicaset *rs)
{
	struct buf prefix = BUF_INIT, sub = BUF_INIT, pp = BUF_INIT,
		   ps = BUF_INIT;
	char age[32], delay[32];

	render_branch(&prefix, &sub, parent, last);
	buf_addf(&c->name, "%s⧉ ", prefix.buf);
	render_rs_name(&c->name, c->color, rs);
	render_status_value(&c->status, c->color, rs->icon, rs->status);
	render_delay(delay, sizeof(delay), rs, c->now);
	render_tags(&c->info, c->color, rs->tags, delay);
	timeutil_age(age, sizeof(age), rs->created, c->now);
	render_add(c, "ReplicaSet", age);

	for (size_t i = 0; i < rs->n_pods; i++) {
		const struct ro_pod *p = &rs->pods[i];
		render_branch(&pp, &ps, sub.buf, i + 1 == rs->n_pods);
		buf_addf(&c->name, "%s□ %s", pp.buf, p->name);
		render_status_value(&c->status, c->color, p->icon, p->status);
		buf_addf(&c->info, "ready:%d/%d", p->ready, p->total);
		if (p->restarts > 0) {
			buf_addf(&c->info, ",restarts:%d", p->restarts);
		}
		timeutil_age(age, sizeof(age), p->created, c->now);
		render_add(c, "Pod", age);
	}
	buf_release(&prefix);
	buf_release(&sub);
	buf_release(&pp);
	buf_release(&ps);
}

static void
render_counts(struct buf *b, bool color, const struct ro_analysisrun *ar)
{
	const struct {
		const char *icon;
		int n;
	} v[] = {
		{"✔", ar->successful}, {"✖", ar->failed},
		{"?", ar->inconclusive}, {"⚠", ar->error},
	};
	bool first = true;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (v[i].n <= 0) {
			continue;
		}
		if (!first) {
			buf_addch(b, ',');
		}
		render_colorize(b, color, v[i].icon);
		buf_addf(b, " %d", v[i].n);
		first = false;
	}
}

static void
render_tree_ar(struct render_ctx *c, const char *parent, bool last,
	       const struct ro_analysisrun *ar)
{
	struct buf prefix = BUF_INIT, sub = BUF_INIT, jp = BUF_INIT,
		   js = BUF_INIT;
	char age[32];

	render_branch(&prefix, &sub, parent, last);
	buf_addf(&c->name, "%sα ", prefix.buf);
	render_phase_name(&c->name, c->color, ar->name, ar->status);
	render_status_value(&c->status, c->color, ar->icon, ar->status);
	render_counts(&c->info, c->color, ar);
	timeutil_age(age, sizeof(age), ar->created, c->now);
	render_add(c, "AnalysisRun", age);

	for (size_t i = 0; i < ar->n_jobs; i++) {
		const struct ro_job *j = &ar->jobs[i];
		render_branch(&jp, &js, sub.buf, i + 1 == ar->n_jobs);
		buf_addf(&c->name, "%s⊞ ", jp.buf);
		render_phase_name(&c->name, c->color, j->name, j->status);
		render_status_value(&c->status, c->color, j->icon, j->status);
		timeutil_age(age, sizeof(age), j->started, c->now);
		render_add(c, "Job", age);
	}
	buf_release(&prefix);
	buf_release(&sub);
	buf_release(&jp);
	buf_release(&js);
}

/* An experiment's children: its ReplicaSets, then its AnalysisRuns. */
static void
render_tree_exp_children(struct render_ctx *c, const char *sub,
			 const struct ro_experiment *e)
{
	size_t n = e->n_replicasets + e->n_analysisruns, k = 0;

	for (size_t i = 0; i < e->n_replicasets; i++, k++) {
		render_tree_rs(c, sub, k + 1 == n, &e->replicasets[i]);
	}
	for (size_t i = 0; i < e->n_analysisruns; i++, k++) {
		render_tree_ar(c, sub, k + 1 == n, &e->analysisruns[i]);
	}
}

static void
render_tree_exp(struct render_ctx *c, const char *parent, bool last,
		const struct ro_experiment *e)
{
	struct buf prefix = BUF_INIT, sub = BUF_INIT;
	char age[32];

	render_branch(&prefix, &sub, parent, last);
	buf_addf(&c->name, "%sΣ ", prefix.buf);
	render_phase_name(&c->name, c->color, e->name, e->status);
	render_status_value(&c->status, c->color, e->icon, e->status);
	timeutil_age(age, sizeof(age), e->created, c->now);
	render_add(c, "Experiment", age);
	render_tree_exp_children(c, sub.buf, e);
	buf_release(&prefix);
	buf_release(&sub);
}

static void
render_ctx_init(struct render_ctx *c, const struct render_opts *o,
		time_t model_now)
{
	static const struct render_opts defaults;
	const char *hdr[5] = {"NAME", "KIND", "STATUS", "AGE", "INFO"};

	memset(c, 0, sizeof(*c));
	c->o = o ? o : &defaults;
	c->color = c->o->color;
	c->now = c->o->now ? c->o->now : model_now;
	buf_init(&c->name, 0);
	buf_init(&c->status, 0);
	buf_init(&c->info, 0);
	render_table_init(&c->t, 5);
	render_table_add(&c->t, hdr);
}

static void
render_ctx_finish(struct render_ctx *c, struct buf *out)
{
	render_table_flush(&c->t, out);
	render_table_release(&c->t);
	buf_release(&c->name);
	buf_release(&c->status);
	buf_release(&c->info);
}

void
render_rollout(struct buf *out, const struct ro_info *ri,
	       const struct render_opts *o)
{
	struct render_ctx c;
	struct buf v = BUF_INIT, prefix = BUF_INIT, sub = BUF_INIT;
	char age[32];
	size_t nrev;

	render_ctx_init(&c, o, ri->now);

	render_field(out, "Name:", ri->name);
	render_field(out, "Namespace:", ri->namespace);
	render_status_value(&v, c.color, ri->icon, ri->status);
	render_field(out, "Status:", v.buf);
	if (ri->message && *ri->message) {
		render_field(out, "Message:", ri->message);
	}
	render_field(out, "Strategy:", ri->strategy);
	if (!strcmp(ri->strategy, "Canary")) {
		render_field(out, "  Step:", ri->step ? ri->step : "");
		buf_reset(&v);
		buf_addf(&v, "%d", ri->set_weight);
		render_field(out, "  SetWeight:", v.buf);
		buf_reset(&v);
		buf_addf(&v, "%d", ri->actual_weight);
		render_field(out, "  ActualWeight:", v.buf);
	}
	render_images(out, ri->images, ri->n_images, c.color);
	buf_adds(out, "Replicas:\n");
	buf_reset(&v);
	buf_addf(&v, "%d", ri->replicas.desired);
	render_field(out, "  Desired:", v.buf);
	buf_reset(&v);
	buf_addf(&v, "%d", ri->replicas.current);
	render_field(out, "  Current:", v.buf);
	buf_reset(&v);
	buf_addf(&v, "%d", ri->replicas.updated);
	render_field(out, "  Updated:", v.buf);
	buf_reset(&v);
	buf_addf(&v, "%d", ri->replicas.ready);
	render_field(out, "  Ready:", v.buf);
	buf_reset(&v);
	buf_addf(&v, "%d", ri->replicas.available);
	render_field(out, "  Available:", v.buf);
	buf_addch(out, '\n');

	buf_addf(&c.name, "⟳ %s", ri->name);
	render_status_value(&c.status, c.color, ri->icon, ri->status);
	timeutil_age(age, sizeof(age), ri->created, c.now);
	render_add(&c, "Rollout", age);

	nrev = ri->n_revisions;
	if (c.o->revisions > 0 && (size_t)c.o->revisions < nrev) {
		nrev = (size_t)c.o->revisions;
	}
	for (size_t i = 0; i < nrev; i++) {
		const struct ro_revision *r = &ri->revisions[i];
		size_t n = r->n_replicasets + r->n_experiments + r->n_analysisruns;
		size_t k = 0;

		render_branch(&prefix, &sub, "", i + 1 == nrev);
		buf_addf(&c.name, "%s# revision:%d", prefix.buf, r->revision);
		buf_adds(&c.status, " ");
		render_add(&c, "", "");
		for (size_t j = 0; j < r->n_replicasets; j++, k++) {
			render_tree_rs(&c, sub.buf, k + 1 == n, &r->replicasets[j]);
		}
		for (size_t j = 0; j < r->n_experiments; j++, k++) {
			render_tree_exp(&c, sub.buf, k + 1 == n, &r->experiments[j]);
		}
		for (size_t j = 0; j < r->n_analysisruns; j++, k++) {
			render_tree_ar(&c, sub.buf, k + 1 == n, &r->analysisruns[j]);
		}
	}
	render_ctx_finish(&c, out);
	buf_release(&v);
	buf_release(&prefix);
	buf_release(&sub);
}

void
render_experiment(struct buf *out, const struct exp_info *ei,
		  const struct render_opts *o)
{
	struct render_ctx c;
	struct buf v = BUF_INIT;
	char age[32];
	const struct ro_experiment *e = &ei->exp;

	render_ctx_init(&c, o, ei->now);
	render_field(out, "Name:", e->name);
	render_field(out, "Namespace:", e->namespace);
	render_status_value(&v, c.color, e->icon, e->status);
	render_field(out, "Status:", v.buf);
	if (e->message && *e->message) {
		render_field(out, "Message:", e->message);
	}
	render_images(out, ei->images, ei->n_images, c.color);
	buf_addch(out, '\n');

	buf_addf(&c.name, "Σ %s", e->name);
	render_status_value(&c.status, c.color, e->icon, e->status);
	timeutil_age(age, sizeof(age), e->created, c.now);
	render_add(&c, "Experiment", age);
	render_tree_exp_children(&c, "", e);
	render_ctx_finish(&c, out);
	buf_release(&v);
}

/* ---- JSON view -------------------------------------------------------------- */

static cJSON *
render_json_str_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *
render_json_rs(const struct ro_replicaset *rs)
{
	static const struct {
		unsigned bit;
		const char *name;
	} order[] = {
		{RO_TAG_STABLE, "stable"}, {RO_TAG_CANARY, "canary"},
		{RO_TAG_ACTIVE, "active"}, {RO_TAG_PREVIEW, "preview"},
		{RO_TAG_PING, "ping"}, {RO_TAG_PONG, "pong"},
	};
	cJSON *o = cJSON_CreateObject();
	cJSON *tags = cJSON_CreateArray();
	cJSON *imgs = cJSON_CreateArray();
	cJSON *pods = cJSON_CreateArray();

	json_set_str(o, "name", rs->name);
	json_set_str(o, "status", rs->status);
	json_set_str(o, "age", rs->age);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (rs->tags & order[i].bit) {
			cJSON_AddItemToArray(tags, cJSON_CreateString(order[i].name));
		}
	}
	json_set_item(o, "tags", tags);
	json_set_item(o, "scaleDownDelay",
		      render_json_str_or_null(rs->delay[0] ? rs->delay : NULL));
	json_set_item(o, "template", render_json_str_or_null(rs->template));
	json_set_num(o, "replicas", rs->replicas);
	json_set_num(o, "availableReplicas", rs->available);
	for (size_t i = 0; i < rs->n_images; i++) {
		cJSON_AddItemToArray(imgs, cJSON_CreateString(rs->images[i]));
	}
	json_set_item(o, "images", imgs);
	for (size_t i = 0; i < rs->n_pods; i++) {
		const struct ro_pod *p = &rs->pods[i];
		cJSON *po = cJSON_CreateObject();
		char ready[32];
		snprintf(ready, sizeof(ready), "%d/%d", p->ready, p->total);
		json_set_str(po, "name", p->name);
		json_set_str(po, "status", p->status);
		json_set_str(po, "ready", ready);
		json_set_num(po, "restarts", p->restarts);
		json_set_str(po, "age", p->age);
		cJSON_AddItemToArray(pods, po);
	}
	json_set_item(o, "pods", pods);
	return o;
}

static cJSON *
render_json_ar(const struct ro_analysisrun *ar)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *jobs = cJSON_CreateArray();

	json_set_str(o, "name", ar->name);
	json_set_str(o, "status", ar->status);
	json_set_str(o, "age", ar->age);
	json_set_num(o, "successful", ar->successful);
	json_set_num(o, "failed", ar->failed);
	json_set_num(o, "inconclusive", ar->inconclusive);
	json_set_num(o, "error", ar->error);
	for (size_t i = 0; i < ar->n_jobs; i++) {
		cJSON *j = cJSON_CreateObject();
		json_set_str(j, "name", ar->jobs[i].name);
		json_set_str(j, "namespace", ar->jobs[i].namespace);
		json_set_str(j, "status", ar->jobs[i].status);
		json_set_str(j, "age", ar->jobs[i].age);
		cJSON_AddItemToArray(jobs, j);
	}
	json_set_item(o, "jobs", jobs);
	return o;
}

static cJSON *
render_json_exp(const struct ro_experiment *e)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *rss = cJSON_CreateArray();
	cJSON *ars = cJSON_CreateArray();

	json_set_str(o, "name", e->name);
	json_set_str(o, "status", e->status);
	json_set_str(o, "message", e->message);
	json_set_str(o, "age", e->age);
	for (size_t i = 0; i < e->n_replicasets; i++) {
		cJSON_AddItemToArray(rss, render_json_rs(&e->replicasets[i]));
	}
	for (size_t i = 0; i < e->n_analysisruns; i++) {
		cJSON_AddItemToArray(ars, render_json_ar(&e->analysisruns[i]));
	}
	json_set_item(o, "replicaSets", rss);
	json_set_item(o, "analysisRuns", ars);
	return o;
}

cJSON *
render_rollout_json(const struct ro_info *ri)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *imgs = cJSON_CreateArray();
	cJSON *reps = cJSON_CreateObject();
	cJSON *revs = cJSON_CreateArray();
	bool canary = !strcmp(ri->strategy, "Canary");

	json_set_str(o, "name", ri->name);
	json_set_str(o, "namespace", ri->namespace);
	json_set_str(o, "status", ri->status);
	json_set_str(o, "message", ri->message);
	json_set_str(o, "strategy", ri->strategy);
	json_set_item(o, "step", render_json_str_or_null(ri->step));
	json_set_item(o, "setWeight", canary ? cJSON_CreateNumber(ri->set_weight)
					     : cJSON_CreateNull());
	json_set_item(o, "actualWeight",
		      canary ? cJSON_CreateNumber(ri->actual_weight)
			     : cJSON_CreateNull());
	json_set_item(o, "workloadRef", render_json_str_or_null(ri->workload_ref));
	json_set_item(o, "creationTimestamp", render_json_str_or_null(ri->created));
	json_set_str(o, "age", ri->age);
	for (size_t i = 0; i < ri->n_images; i++) {
		cJSON *im = cJSON_CreateObject();
		cJSON *tags = cJSON_CreateArray();
		json_set_str(im, "image", ri->images[i].image);
		for (size_t j = 0; j < ri->images[i].n_tags; j++) {
			cJSON_AddItemToArray(tags,
					     cJSON_CreateString(ri->images[i].tags[j]));
		}
		json_set_item(im, "tags", tags);
		cJSON_AddItemToArray(imgs, im);
	}
	json_set_item(o, "images", imgs);
	json_set_num(reps, "desired", ri->replicas.desired);
	json_set_num(reps, "current", ri->replicas.current);
	json_set_num(reps, "updated", ri->replicas.updated);
	json_set_num(reps, "ready", ri->replicas.ready);
	json_set_num(reps, "available", ri->replicas.available);
	json_set_item(o, "replicas", reps);
	for (size_t i = 0; i < ri->n_revisions; i++) {
		const struct ro_revision *r = &ri->revisions[i];
		cJSON *rv = cJSON_CreateObject();
		cJSON *rss = cJSON_CreateArray();
		cJSON *exps = cJSON_CreateArray();
		cJSON *ars = cJSON_CreateArray();
		json_set_num(rv, "revision", r->revision);
		for (size_t j = 0; j < r->n_replicasets; j++) {
			cJSON_AddItemToArray(rss, render_json_rs(&r->replicasets[j]));
		}
		for (size_t j = 0; j < r->n_experiments; j++) {
			cJSON_AddItemToArray(exps, render_json_exp(&r->experiments[j]));
		}
		for (size_t j = 0; j < r->n_analysisruns; j++) {
			cJSON_AddItemToArray(ars, render_json_ar(&r->analysisruns[j]));
		}
		json_set_item(rv, "replicaSets", rss);
		json_set_item(rv, "experiments", exps);
		json_set_item(rv, "analysisRuns", ars);
		cJSON_AddItemToArray(revs, rv);
	}
	json_set_item(o, "revisions", revs);
	return o;
}

/* ---- list rollouts ---------------------------------------------------------- */

static void
render_timestamp(char *out, size_t len, time_t now)
{
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
render_list_header(struct render_table *t, bool all_ns, bool timestamps)
{
	const char *cells[11];
	size_t n = 0;

	if (timestamps) {
		cells[n++] = "TIMESTAMP";
	}
	if (all_ns) {
		cells[n++] = "NAMESPACE";
	}
	cells[n++] = "NAME";
	cells[n++] = "STRATEGY";
	cells[n++] = "STATUS";
	cells[n++] = "STEP";
	cells[n++] = "SET-WEIGHT";
	cells[n++] = "READY";
	cells[n++] = "DESIRED";
	cells[n++] = "UP-TO-DATE";
	cells[n++] = "AVAILABLE";
	render_table_add(t, cells);
}

static void
render_list_row(struct render_table *t, const cJSON *ro, bool all_ns,
		bool timestamps, time_t now)
{
	char ts[32], step[32], weight[32], ready[64];
	char *cells[11];
	size_t n = 0;
	const char *strategy = rollout_strategy(ro);
	const char *phase = rollout_phase(ro, NULL);
	const char *name = json_str(ro, "metadata.name");

	if (timestamps) {
		render_timestamp(ts, sizeof(ts), now);
		cells[n++] = xasprintf("%-20s", ts);
	}
	if (all_ns) {
		const char *ns = json_str(ro, "metadata.namespace");
		cells[n++] = xasprintf("%-9s", ns ? ns : "");
	}
	if (!strcmp(strategy, "Canary")) {
		if (!rollout_step(ro, step, sizeof(step))) {
			snprintf(step, sizeof(step), "-");
		}
		snprintf(weight, sizeof(weight), "%d", rollout_set_weight(ro));
	} else {
		snprintf(step, sizeof(step), "-");
		snprintf(weight, sizeof(weight), "-");
	}
	snprintf(ready, sizeof(ready), "%d/%d",
		 (int)json_num(ro, "status.readyReplicas", 0),
		 (int)json_num(ro, "status.replicas", 0));
	cells[n++] = xasprintf("%-10s", name ? name : "");
	cells[n++] = xasprintf("%-9s", *strategy ? strategy : "unknown");
	cells[n++] = xasprintf("%-12s", phase);
	cells[n++] = xasprintf("%-4s", step);
	cells[n++] = xasprintf("%-10s", weight);
	cells[n++] = xasprintf("%-5s", ready);
	cells[n++] = xasprintf("%-7d", (int)json_num(ro, "spec.replicas", 1));
	cells[n++] = xasprintf("%-10d", (int)json_num(ro, "status.updatedReplicas", 0));
	cells[n++] = xasprintf("%-9d", (int)json_num(ro, "status.availableReplicas", 0));
	render_table_add(t, (const char *const *)cells);
	for (size_t i = 0; i < n; i++) {
		free(cells[i]);
	}
}

static size_t
render_list_cols(bool all_ns, bool timestamps)
{
	return 9 + (all_ns ? 1 : 0) + (timestamps ? 1 : 0);
}

void
render_list_rollouts(struct buf *out, const cJSON *items, bool all_namespaces,
		     bool timestamps, time_t now)
{
	struct render_table t;
	const cJSON *ro;

	render_table_init(&t, render_list_cols(all_namespaces, timestamps));
	render_list_header(&t, all_namespaces, timestamps);
	cJSON_ArrayForEach(ro, items) {
		render_list_row(&t, ro, all_namespaces, timestamps, now);
	}
	render_table_flush(&t, out);
	render_table_release(&t);
}

void
render_list_rollout_rows(struct buf *out, const cJSON *items,
			 bool all_namespaces, bool timestamps, time_t now)
{
	struct render_table t;
	const cJSON *ro;

	render_table_init(&t, render_list_cols(all_namespaces, timestamps));
	cJSON_ArrayForEach(ro, items) {
		render_list_row(&t, ro, all_namespaces, timestamps, now);
	}
	render_table_flush(&t, out);
	render_table_release(&t);
}

void
render_list_rollout_row(struct buf *out, const cJSON *rollout,
			bool all_namespaces, bool timestamps, time_t now)
{
	struct render_table t;

	render_table_init(&t, render_list_cols(all_namespaces, timestamps));
	render_list_row(&t, rollout, all_namespaces, timestamps, now);
	render_table_flush(&t, out);
	render_table_release(&t);
}

/* ---- list experiments ------------------------------------------------------- */

/* Go time.ParseDuration (or a bare integer: seconds) into seconds. */
static bool
render_parse_duration(const char *s, double *secs)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = {
		{"ns", 1e-9}, {"us", 1e-6}, {"µs", 1e-6}, {"μs", 1e-6},
		{"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600},
	};
	double total = 0;
	int sign = 1;
	char *end;

	if (!s || !*s) {
		return false;
	}
	if (strspn(s, "0123456789") == strlen(s)) {
		*secs = strtod(s, NULL);
		return true;
	}
	if (*s == '+' || *s == '-') {
		sign = *s == '-' ? -1 : 1;
		s++;
	}
	if (!strcmp(s, "0")) {
		*secs = 0;
		return true;
	}
	while (*s) {
		double v;
		size_t best = 0, bi = 0;
		if (!((*s >= '0' && *s <= '9') || *s == '.')) {
			return false;
		}
		v = strtod(s, &end);
		if (end == s) {
			return false;
		}
		s = end;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].unit);
			if (!strncmp(s, units[i].unit, l) && l > best) {
				best = l;
				bi = i;
			}
		}
		if (!best) {
			return false;
		}
		total += v * units[bi].mult;
		s += best;
	}
	*secs = sign * total;
	return true;
}

static bool
render_phase_completed(const char *phase)
{
	return phase && (!strcmp(phase, "Successful") || !strcmp(phase, "Failed") ||
			 !strcmp(phase, "Error") || !strcmp(phase, "Inconclusive"));
}

void
render_list_experiments(struct buf *out, const cJSON *items,
			bool all_namespaces, time_t now)
{
	struct render_table t;
	const cJSON *e;
	const char *hdr[6];
	size_t n = 0, ncols = all_namespaces ? 6 : 5;

	render_table_init(&t, ncols);
	if (all_namespaces) {
		hdr[n++] = "NAMESPACE";
	}
	hdr[n++] = "NAME";
	hdr[n++] = "STATUS";
	hdr[n++] = "DURATION";
	hdr[n++] = "REMAINING";
	hdr[n++] = "AGE";
	render_table_add(&t, hdr);
	cJSON_ArrayForEach(e, items) {
		char *cells[6];
		char dur[32] = "-", rem[32] = "-", age[32];
		const char *phase = json_str(e, "status.phase");
		const char *name = json_str(e, "metadata.name");
		double secs = 0;
		bool has_dur;
		time_t avail;
		const cJSON *d = json_path(e, "spec.duration");

		n = 0;
		if (cJSON_IsNumber(d)) {
			secs = d->valuedouble;
			has_dur = true;
		} else {
			has_dur = render_parse_duration(json_str(e, "spec.duration"), &secs);
		}
		if (has_dur) {
			timeutil_human_duration(dur, sizeof(dur), (long long)secs);
		}
		if (!render_phase_completed(phase) &&
		    timeutil_parse(json_str(e, "status.availableAt"), &avail)) {
			long long left = (long long)avail + (long long)secs -
					 (long long)now;
			if (left > 0) {
				timeutil_human_duration(rem, sizeof(rem), left);
			}
		}
		timeutil_age(age, sizeof(age), json_str(e, "metadata.creationTimestamp"), now);
		if (all_namespaces) {
			const char *ns = json_str(e, "metadata.namespace");
			cells[n++] = xasprintf("%-9s", ns ? ns : "");
		}
		cells[n++] = xasprintf("%-10s", name ? name : "");
		cells[n++] = xasprintf("%-6s", phase ? phase : "");
		cells[n++] = xasprintf("%-8s", dur);
		cells[n++] = xasprintf("%-9s", rem);
		cells[n++] = xasprintf("%-3s", age);
		render_table_add(&t, (const char *const *)cells);
		for (size_t i = 0; i < n; i++) {
			free(cells[i]);
		}
	}
	render_table_flush(&t, out);
	render_table_release(&t);
}

/* ---- status lines ----------------------------------------------------------- */

void
render_status_line(struct buf *out, const char *status, const char *message)
{
	if (message && *message) {
		buf_addf(out, "%s - %s\n", status ? status : "", message);
	} else {
		buf_addf(out, "%s\n", status ? status : "");
	}
}

void
render_status_line_once(struct buf *out, const char *status,
			const char *message)
{
	if (status && (!strcmp(status, "Healthy") || !strcmp(status, "Degraded"))) {
		buf_addf(out, "%s\n", status);
	} else {
		buf_addf(out, "%s - %s\n", status ? status : "",
			 message ? message : "");
	}
}
