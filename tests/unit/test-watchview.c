/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for src/watchview.c, the frame of `watch`: at 80x24 and
 * 120x40, colour off and on, UTF-8 and ASCII, over the fixtures of
 * tests/golden/watch/ and tests/golden/rollout/ (the whole frames are
 * compared by tests/e2e/kr-watch-view.sh; here, properties: the size,
 * widths, marks, the bar, the trend, scrolling, attributes) and inline
 * rollouts for every kind of step and the pause countdown.
 * The golden directory is $PDKIT_GOLDEN_DIR, else found from __FILE__.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "buf.h"
#include "json.h"
#include "rollout.h"
#include "timeutil.h"
#include "watchview.h"
#include "xalloc.h"
#include "yaml.h"

#define NOW_STR "2026-01-08T00:00:00Z"

static time_t now0;

struct objs {
	cJSON *docs; /* owns everything */
	cJSON *rollout;
	cJSON *rs, *pods, *ars, *exps;
};

static const char *
golden_dir(void)
{
	const char *d = getenv("PDKIT_GOLDEN_DIR");
	return d && *d ? d : "tests/golden";
}

static void
objs_split(struct objs *o, const char *name)
{
	o->rs = cJSON_CreateArray();
	o->pods = cJSON_CreateArray();
	o->ars = cJSON_CreateArray();
	o->exps = cJSON_CreateArray();
	const cJSON *d;
	cJSON_ArrayForEach(d, o->docs)
	{
		const char *k = json_str(d, "kind");
		const char *n = json_str(d, "metadata.name");
		if (!k) {
			continue;
		}
		if (!strcmp(k, "Rollout") && n && !strcmp(n, name)) {
			o->rollout = (cJSON *)d;
		} else if (!strcmp(k, "ReplicaSet")) {
			cJSON_AddItemReferenceToArray(o->rs, (cJSON *)d);
		} else if (!strcmp(k, "Pod")) {
			cJSON_AddItemReferenceToArray(o->pods, (cJSON *)d);
		} else if (!strcmp(k, "AnalysisRun")) {
			cJSON_AddItemReferenceToArray(o->ars, (cJSON *)d);
		} else if (!strcmp(k, "Experiment")) {
			cJSON_AddItemReferenceToArray(o->exps, (cJSON *)d);
		}
	}
}

static bool
objs_load(struct objs *o, const char *rel, const char *name)
{
	memset(o, 0, sizeof(*o));
	char *path = xasprintf("%s/%s/objects.yaml", golden_dir(), rel);
	struct buf b = BUF_INIT;
	struct pd_err e = { 0 };
	if (buf_read_file(&b, path) < 0) {
		printf("# cannot read %s\n", path);
		free(path);
		return false;
	}
	o->docs = yaml_to_json(b.buf, b.len, path, &e);
	buf_release(&b);
	free(path);
	if (!o->docs) {
		printf("# %s\n", e.msg);
		return false;
	}
	objs_split(o, name);
	return o->rollout != NULL;
}

static void
objs_release(struct objs *o)
{
	cJSON_Delete(o->rs);
	cJSON_Delete(o->pods);
	cJSON_Delete(o->ars);
	cJSON_Delete(o->exps);
	cJSON_Delete(o->docs);
}

/* Render o at cols x rows into text (and the frame, when f is given). */
static char *
frame(const struct objs *o, int cols, int rows, bool utf8, bool color,
	int scroll, struct watchview_frame *keep)
{
	struct ro_objects ro = {
		.rollout = o->rollout,
		.replicasets = o->rs,
		.pods = o->pods,
		.analysisruns = o->ars,
		.experiments = o->exps,
	};
	struct ro_info *ri = rollout_info_new(&ro, now0);
	struct watchview_opts vo = {
		.cols = cols,
		.rows = rows,
		.utf8 = utf8,
		.color = color,
		.scroll = scroll,
		.now = now0,
	};
	struct watchview_frame f;
	watchview_render(&f, ri, &ro, &vo);
	struct buf b = BUF_INIT;
	watchview_frame_text(&f, &b);
	if (keep) {
		*keep = f;
	} else {
		watchview_frame_release(&f);
	}
	rollout_info_free(ri);
	return buf_detach(&b, NULL);
}

/* Lines and the widest line in code points. */
static void
measure(const char *s, int *lines, int *widest)
{
	int w = 0;
	*lines = 0;
	*widest = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n') {
			(*lines)++;
			w = 0;
		} else if ((*p & 0xC0) != 0x80) {
			w++;
			*widest = w > *widest ? w : *widest;
		}
	}
}

static bool
all_ascii(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s >= 0x80) {
			return false;
		}
	}
	return true;
}

static void
check_sizes(const struct objs *o, const char *what)
{
	static const int sizes[][2] = { { 80, 24 }, { 120, 40 } };
	for (int i = 0; i < 2; i++) {
		for (int u = 0; u < 2; u++) {
			char *t = frame(o, sizes[i][0], sizes[i][1], u, false,
					0, NULL);
			int lines, widest;
			measure(t, &lines, &widest);
			is_int(lines, sizes[i][1],
			       "%s %dx%d %s: one line per row", what,
			       sizes[i][0], sizes[i][1], u ? "utf8" : "ascii");
			ok(widest <= sizes[i][0],
			   "%s %dx%d %s: no line wider "
			   "than the screen (%d)",
			   what, sizes[i][0], sizes[i][1], u ? "utf8" : "ascii",
			   widest);
			if (!u) {
				ok(all_ascii(t),
				   "%s %dx%d: ASCII only without "
				   "UTF-8",
				   what, sizes[i][0], sizes[i][1]);
			}
			free(t);
		}
	}
}

static void
test_canary(void)
{
	struct objs o;
	if (!objs_load(&o, "watch/canary-analysis", "shop")) {
		ok(0, "load watch/canary-analysis");
		return;
	}
	check_sizes(&o, "canary");
	char *t = frame(&o, 80, 24, true, false, 0, NULL);
	ok(strstr(t, "shop  prod  ◌ Progressing: waiting for all steps") !=
		   NULL,
	   "header: name, namespace, icon, status, message");
	ok(strstr(t, "Canary  revision 5  step 3/6 for 22m") != NULL,
	   "header: strategy, revision, step and how long it has run");
	ok(strstr(t, "registry.example.com/shop:1.5.0 (canary)") != NULL,
	   "header: images with their tags");
	ok(strstr(t, " 3 ✔ setWeight 50%") &&
		   strstr(t, " 4 ▶ analysis "
			     "success-rate") &&
		   strstr(t, " 5 ○ setWeight 75%"),
	   "steps: done, current and pending marks");
	ok(strstr(t, "6 ○ pause until promoted") != NULL,
	   "an indefinite pause not yet reached");
	ok(strstr(t, "stable  50% ░░░░░░░░░░░░░░██████████████  50% canary"),
	   "the bar: half of 28 cells canary at 50%%");
	ok(strstr(t, "set/actual 50/50") != NULL, "SetWeight and ActualWeight");
	ok(strstr(t, "success-rate [0.98] ▁█▅ ok 3/5 fail 0/1") != NULL,
	   "metric: latest value, trend, counts against count and limit");
	ok(strstr(t, "error-rate 0.002 █▁▁ ok 12 fail 1/2") != NULL,
	   "background metric with its failure limit");
	ok(strstr(t, "ReplicaSets  1-4 of 11") != NULL,
	   "ReplicaSets that do not fit say which part shows");
	free(t);

	t = frame(&o, 80, 24, false, false, 0, NULL);
	ok(strstr(t, " 4 > analysis success-rate") && strstr(t, "_#=") &&
		   strstr(t, "==##"),
	   "ASCII marks, trend and bar");
	free(t);

	struct watchview_frame f;
	t = frame(&o, 80, 24, true, false, 3, &f);
	ok(f.scroll_max == 7, "scroll_max is the rows that do not fit (%d)",
	   f.scroll_max);
	ok(strstr(t, "ReplicaSets  4-7 of 11") != NULL,
	   "scrolled by 3 shows rows 4-7");
	bool mono = true;
	for (size_t i = 0; i < f.n_lines; i++) {
		for (size_t s = 0; s < f.lines[i].n_spans; s++) {
			enum watchview_attr a = f.lines[i].spans[s].attr;
			if (a != WATCHVIEW_BOLD && a != WATCHVIEW_DIM &&
			    a != WATCHVIEW_REVERSE) {
				mono = false;
			}
		}
	}
	ok(mono, "without colour only bold, dim and reverse");
	watchview_frame_release(&f);
	free(t);

	t = frame(&o, 80, 24, true, false, 100, NULL);
	ok(strstr(t, "ReplicaSets  8-11 of 11") != NULL,
	   "a scroll past the end stops at the last rows");
	free(t);

	t = frame(&o, 80, 24, true, true, 0, &f);
	bool good = false, canary = false;
	for (size_t i = 0; i < f.n_lines; i++) {
		for (size_t s = 0; s < f.lines[i].n_spans; s++) {
			good |= f.lines[i].spans[s].attr == WATCHVIEW_GOOD;
			canary |= f.lines[i].spans[s].attr == WATCHVIEW_CANARY;
		}
	}
	ok(good && canary, "with colour: good and canary runs");
	const struct watchview_line *last = &f.lines[f.n_lines - 1];
	ok(strstr(last->text, "p promote") && last->n_spans == 1 &&
		   last->spans[0].attr == WATCHVIEW_REVERSE,
	   "the last row is the key hints in reverse");
	watchview_frame_release(&f);
	free(t);

	{
		static const char *const ev[] = {
			"10:00:00 step 2/6 -> 3/6",
			"10:00:05 analysis a Pending -> Running",
			"10:01:00 status Paused -> Progressing",
		};
		struct ro_objects ro = {
			.rollout = o.rollout, .replicasets = o.rs,
			.pods = o.pods, .analysisruns = o.ars,
			.experiments = o.exps,
		};
		struct ro_info *ri = rollout_info_new(&ro, now0);
		struct watchview_opts vo = {
			.cols = 80, .rows = 24, .utf8 = true, .now = now0,
			.events = ev, .n_events = 3, .reconnecting = true,
		};
		struct buf b = BUF_INIT;
		watchview_render(&f, ri, &ro, &vo);
		watchview_frame_text(&f, &b);
		ok(strstr(b.buf, "Events\n  10:00:05 analysis a Pending -> "
			  "Running\n  10:01:00 status Paused -> Progressing\n"
			  "ReplicaSets") && !strstr(b.buf, "10:00:00"),
		   "80x24: the two newest events above the ReplicaSets");
		is_int((int)f.n_lines, 24, "with events: still one line per row");
		ok(strstr(b.buf, "shop  prod  ◌ Progressing [reconnecting]: ") !=
		   NULL, "the header says reconnecting while the watches are down");
		watchview_frame_release(&f);
		buf_release(&b);
		rollout_info_free(ri);
	}

	t = frame(&o, 120, 40, true, false, 0, NULL);
	ok(strstr(t, "Steps") && strstr(t, " 1 ✔ setWeight 25%") &&
		   strstr(strstr(t, " 1 ✔ setWeight 25%"),
			  "◌ shop-7f9c8d6b5-5 Running") &&
		   strstr(t, "ReplicaSets\n"),
	   "120 columns: steps and analysis side "
	   "by side, every ReplicaSet row shown");
	free(t);
	objs_release(&o);
}

static void
test_others(void)
{
	struct objs o;
	if (objs_load(&o, "rollout/paused", "search")) {
		check_sizes(&o, "paused");
		char *t = frame(&o, 80, 24, true, false, 0, NULL);
		ok(strstr(t, "▶ pause: waiting for promote") != NULL,
		   "an indefinite pause is waiting for promote");
		free(t);
	} else {
		ok(0, "load rollout/paused");
	}
	objs_release(&o);

	if (objs_load(&o, "rollout/aborted-degraded", "payments")) {
		check_sizes(&o, "aborted");
		char *t = frame(&o, 80, 24, true, false, 0, NULL);
		ok(strstr(t,
			  "✖ aborted: RolloutAborted: metric \"error-rate\"") &&
			   strstr(t, " 2 ✖ pause 5m"),
		   "the abort reason stays visible, "
		   "the step it stopped at is marked failed");
		free(t);
	} else {
		ok(0, "load rollout/aborted-degraded");
	}
	objs_release(&o);

	if (objs_load(&o, "rollout/bluegreen-preview", "checkout")) {
		check_sizes(&o, "bluegreen");
		char *t = frame(&o, 80, 24, true, false, 0, NULL);
		ok(strstr(t, "✔ preview up") &&
			   strstr(t, "✔ pre-promotion "
				     "analysis") &&
			   strstr(t, "▶ awaiting promotion: waiting "
				     "for promote") &&
			   strstr(t, "○ active switched"),
		   "blue-green stages");
		free(t);
	} else {
		ok(0, "load rollout/bluegreen-preview");
	}
	objs_release(&o);
}

/* Every kind of step, and a timed pause's countdown. */
static void
test_steps(void)
{
	static const char ro[] =
		"{\"kind\":\"Rollout\",\"metadata\":{\"name\":\"r\","
		"\"namespace\":\"ns\",\"uid\":\"u\",\"generation\":1},"
		"\"spec\":{\"strategy\":{\"canary\":{\"steps\":["
		"{\"setCanaryScale\":{\"replicas\":2}},"
		"{\"setHeaderRoute\":{\"name\":\"hdr\"}},"
		"{\"setMirrorRoute\":{\"name\":\"mirror-1\"}},"
		"{\"experiment\":{\"duration\":\"5m\",\"templates\":"
		"[{\"name\":\"a\"},{\"name\":\"b\"}]}},"
		"{\"setCanaryScale\":{\"matchTrafficWeight\":true}},"
		"{\"pause\":{\"duration\":\"1m\"}},"
		"{\"setWeight\":10}]}}},"
		"\"status\":{\"observedGeneration\":\"1\",\"currentStepIndex\":5,"
		"\"pauseConditions\":[{\"reason\":\"CanaryPauseStep\","
		"\"startTime\":\"2026-01-07T23:59:40Z\"}]}}";
	struct objs o = { 0 };
	o.docs = cJSON_CreateArray();
	cJSON_AddItemToArray(o.docs, json_parse(ro, strlen(ro), NULL));
	objs_split(&o, "r");
	char *t = frame(&o, 80, 24, true, false, 0, NULL);
	ok(strstr(t, " 1 ✔ setCanaryScale replicas 2") &&
		   strstr(t, " 2 ✔ setHeaderRoute hdr") &&
		   strstr(t, " 3 ✔ setMirrorRoute mirror-1") &&
		   strstr(t, " 4 ✔ experiment a,b for 5m") &&
		   strstr(t, " 5 ✔ setCanaryScale matchTrafficWeight"),
	   "steps named by kind and name");
	ok(strstr(t, " 6 ▶ pause 1m (40s left)") != NULL,
	   "a timed pause counts down from its start");
	ok(strstr(t, "for 20s") != NULL,
	   "the step has run since its pause began");
	free(t);
	objs_release(&o);
}

/* The VirtualService's managed route under the traffic bar; a missing
 * one says so. */
static void
test_istio(void)
{
	struct objs o;
	if (!objs_load(&o, "watch/canary-istio", "shop")) {
		ok(0, "load watch/canary-istio");
		return;
	}
	cJSON *vs = cJSON_CreateArray();
	const cJSON *d;
	cJSON_ArrayForEach(d, o.docs)
	{
		const char *k = json_str(d, "kind");
		if (k && !strcmp(k, "VirtualService")) {
			cJSON_AddItemReferenceToArray(vs, (cJSON *)d);
		}
	}
	struct ro_objects ro = {
		.rollout = o.rollout, .replicasets = o.rs, .pods = o.pods,
		.analysisruns = o.ars, .experiments = o.exps,
	};
	struct ro_info *ri = rollout_info_new(&ro, now0);
	for (int pass = 0; pass < 2; pass++) {
		struct watchview_opts vo = {
			.cols = 100, .rows = 30, .utf8 = true, .now = now0,
			.virtualservices = pass ? NULL : vs,
		};
		struct watchview_frame f;
		watchview_render(&f, ri, &ro, &vo);
		struct buf b = BUF_INIT;
		watchview_frame_text(&f, &b);
		if (pass == 0) {
			ok(strstr(b.buf, "VirtualService shop-vsvc primary: "
				  "shop-stable 50% / shop-canary 50%\n") != NULL,
			   "the managed route's weights under the bar");
			ok(strstr(b.buf, "shop-admin") == NULL,
			   "a route the rollout does not manage is not shown");
		} else {
			ok(strstr(b.buf, "VirtualService shop-vsvc: not found")
				   != NULL,
			   "a VirtualService not listed says not found");
		}
		buf_release(&b);
		watchview_frame_release(&f);
	}
	rollout_info_free(ri);
	cJSON_Delete(vs);
	objs_release(&o);
}

/* The list: the table of list rollouts, the selection kept in sight,
 * the filter, the prompt while it is typed, the sizes. */
static void
test_list(void)
{
	char *path = xasprintf("%s/watch/list/objects.yaml", golden_dir());
	struct buf b = BUF_INIT;
	struct pd_err e = { 0 };
	cJSON *docs = NULL;
	if (buf_read_file(&b, path) == 0) {
		docs = yaml_to_json(b.buf, b.len, path, &e);
	}
	buf_release(&b);
	free(path);
	if (!docs) {
		ok(0, "load watch/list");
		return;
	}
	cJSON *items = cJSON_CreateArray();
	const cJSON *d;
	cJSON_ArrayForEach(d, docs)
	{
		const char *k = json_str(d, "kind");
		if (k && !strcmp(k, "Rollout")) {
			cJSON_AddItemReferenceToArray(items, (cJSON *)d);
		}
	}
	is_int((int)watchview_list_count(items, NULL), 4, "four rollouts");
	is_int((int)watchview_list_count(items, "sh"), 1, "one name has 'sh'");
	is_str(json_str(watchview_list_nth(items, "o", 1), "metadata.name"),
	       "shop", "the second name with 'o' is shop");
	ok(watchview_list_nth(items, "zzz", 0) == NULL, "no match: NULL");

	struct watchview_list_opts lo = {
		.cols = 80, .rows = 24, .utf8 = false, .all_namespaces = true,
		.scope = "all namespaces", .selected = 2, .now = now0,
	};
	struct watchview_frame f;
	watchview_list_render(&f, items, &lo);
	struct buf t = BUF_INIT;
	watchview_frame_text(&f, &t);
	int lines, widest;
	measure(t.buf, &lines, &widest);
	is_int(lines, 24, "list 80x24: one line per row");
	ok(widest <= 80, "list 80x24: no line wider than the screen");
	ok(all_ascii(t.buf), "list: ASCII only without UTF-8");
	ok(strstr(t.buf, "\n> default   search ") != NULL,
	   "the selected row is marked");
	bool rev = false;
	for (size_t i = 0; i < f.n_lines; i++) {
		if (!strncmp(f.lines[i].text, "> ", 2)) {
			rev = f.lines[i].n_spans == 1 &&
			      f.lines[i].spans[0].attr == WATCHVIEW_REVERSE;
		}
	}
	ok(rev, "the selected row is reversed");
	ok(strstr(t.buf, "NAMESPACE NAME") != NULL, "-A: a NAMESPACE column");
	ok(strstr(t.buf, " WEIGHT READY DESIRED UPDATED AVA") != NULL,
	   "80 columns: long headers shortened, gaps of one");
	buf_release(&t);
	watchview_frame_release(&f);
	lo.cols = 140;
	watchview_list_render(&f, items, &lo);
	buf_init(&t, 0);
	watchview_frame_text(&f, &t);
	ok(strstr(t.buf, "  SET-WEIGHT  READY  DESIRED  UP-TO-DATE  "
			 "AVAILABLE\n") != NULL,
	   "140 columns: list rollouts' headers, gaps of two");
	buf_release(&t);
	watchview_frame_release(&f);
	lo.cols = 80;

	/* 10 rows, filtered, the filter being typed */
	lo.rows = 10;
	lo.selected = 3;
	lo.filter = "o";
	lo.filtering = true;
	lo.utf8 = true;
	lo.all_namespaces = false;
	watchview_list_render(&f, items, &lo);
	buf_init(&t, 0);
	watchview_frame_text(&f, &t);
	ok(strstr(t.buf, "2 of 4 matching 'o'") != NULL,
	   "the title counts the matches");
	ok(strstr(t.buf, "payments") == NULL, "a name without 'o' is hidden");
	ok(strstr(t.buf, "\n▶ shop ") != NULL,
	   "a selection past the end is the last row");
	ok(strstr(t.buf, "\n/o_  (Enter keeps it, Esc clears it)\n") != NULL,
	   "the filter's prompt on the status line");
	ok(strstr(t.buf, "NAMESPACE") == NULL, "one namespace: no column");
	buf_release(&t);
	watchview_frame_release(&f);

	/* a list longer than the screen scrolls to the selection */
	cJSON *lots = cJSON_CreateArray();
	for (int i = 0; i < 30; i++) {
		cJSON *r = cJSON_Duplicate(cJSON_GetArrayItem(items, 0), 1);
		char name[32];
		snprintf(name, sizeof(name), "r%02d", i);
		cJSON_ReplaceItemInObject(cJSON_GetObjectItem(r, "metadata"),
					  "name", cJSON_CreateString(name));
		cJSON_AddItemToArray(lots, r);
	}
	lo.filter = NULL;
	lo.filtering = false;
	lo.selected = 20;
	watchview_list_render(&f, lots, &lo);
	buf_init(&t, 0);
	watchview_frame_text(&f, &t);
	measure(t.buf, &lines, &widest);
	is_int(lines, 10, "30 rollouts at 10 rows: one line per row");
	ok(strstr(t.buf, "\n▶ r20 ") != NULL && strstr(t.buf, "r13") == NULL &&
	   strstr(t.buf, "r14") != NULL,
	   "the selection stays in sight (r14..r20)");
	is_int(f.scroll_max, 23, "scroll_max: 30 rows less 7 shown");
	buf_release(&t);
	watchview_frame_release(&f);
	lo.status = NULL;
	watchview_list_render(&f, cJSON_GetArrayItem(lots, 99), &lo);
	buf_init(&t, 0);
	watchview_frame_text(&f, &t);
	ok(strstr(t.buf, "  no rollouts\n") != NULL, "no items: said so");
	buf_release(&t);
	watchview_frame_release(&f);
	cJSON_Delete(lots);
	cJSON_Delete(items);
	cJSON_Delete(docs);
}

int
main(void)
{
	if (!timeutil_parse(NOW_STR, &now0)) {
		ok(0, "parse now");
		return done_testing();
	}
	test_canary();
	test_others();
	test_steps();
	test_istio();
	test_list();
	return done_testing();
}
