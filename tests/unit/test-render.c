/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for src/render.c: ages, status lines, list tables (with their
 * trailing spaces), the JSON view, and golden comparisons of `get rollout`
 * and `get experiment` for the fixtures in tests/golden/{rollout,experiment}/
 * NAME/{objects.yaml,args,expected.txt}. `args` holds one line:
 *   rollout|experiment NAME [color] [json] [revisions N] [now RFC3339]
 *                           [objects OTHER]
 * (now defaults to 2026-01-08T00:00:00Z; "objects OTHER" reads
 * OTHER/objects.yaml, relative to the kind's directory, instead of this
 * fixture's own; "json" renders the -o json view). `test-render
 * --update-golden` (what scripts/update-golden runs; never meson test, which
 * passes no argument) rewrites every expected.txt from the renderer (review
 * each by hand before keeping it).
 * The golden directory is $PDKIT_GOLDEN_DIR, else found from __FILE__.
 *
 * When PDKIT_CONFORMANCE_DIR names the peer's conformance data (argo/ with
 * cases/ and testdata/), each case is also rendered the way the harness
 * serves it (creationTimestamps rebased to 2026-01-01T00:00:00Z, now =
 * 2026-01-08T00:00:00Z, no colour) and compared line by line with trailing
 * spaces removed; the count reproduced is reported.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../tap.h"
#include "buf.h"
#include "json.h"
#include "render.h"
#include "rollout.h"
#include "timeutil.h"
#include "xalloc.h"
#include "yaml.h"

#define NOW_STR "2026-01-08T00:00:00Z"
#define T0_STR "2026-01-01T00:00:00Z"

static time_t now0;

/* ---- object sets ------------------------------------------------------------ */

struct objset {
	cJSON *rollouts, *replicasets, *pods, *analysisruns, *experiments,
		*deployments;
};

static void
objset_init(struct objset *s)
{
	s->rollouts = cJSON_CreateArray();
	s->replicasets = cJSON_CreateArray();
	s->pods = cJSON_CreateArray();
	s->analysisruns = cJSON_CreateArray();
	s->experiments = cJSON_CreateArray();
	s->deployments = cJSON_CreateArray();
}

static void
objset_release(struct objset *s)
{
	cJSON_Delete(s->rollouts);
	cJSON_Delete(s->replicasets);
	cJSON_Delete(s->pods);
	cJSON_Delete(s->analysisruns);
	cJSON_Delete(s->experiments);
	cJSON_Delete(s->deployments);
}

/* Take doc (ownership moves) into the set by kind; others are dropped. */
static void
objset_add(struct objset *s, cJSON *doc)
{
	const char *kind = json_str(doc, "kind");
	cJSON *to = NULL;

	if (!kind) {
		cJSON_Delete(doc);
		return;
	}
	if (!strcmp(kind, "Rollout")) {
		to = s->rollouts;
	} else if (!strcmp(kind, "ReplicaSet")) {
		to = s->replicasets;
	} else if (!strcmp(kind, "Pod")) {
		to = s->pods;
	} else if (!strcmp(kind, "AnalysisRun")) {
		to = s->analysisruns;
	} else if (!strcmp(kind, "Experiment")) {
		to = s->experiments;
	} else if (!strcmp(kind, "Deployment")) {
		to = s->deployments;
	}
	if (to) {
		cJSON_AddItemToArray(to, doc);
	} else {
		cJSON_Delete(doc);
	}
}

static cJSON *
objset_find(const cJSON *arr, const char *name, const char *ns)
{
	const cJSON *o;

	cJSON_ArrayForEach(o, arr) {
		const char *n = json_str(o, "metadata.name");
		const char *s = json_str(o, "metadata.namespace");
		if (n && !strcmp(n, name) &&
		    (!ns || !strcmp(s ? s : "default", ns))) {
			return (cJSON *)o;
		}
	}
	return NULL;
}

static cJSON *
load_yaml_file(const char *path)
{
	struct buf b = BUF_INIT;
	struct pd_err e = {0};
	cJSON *docs;

	if (buf_read_file(&b, path) < 0) {
		printf("# cannot read %s\n", path);
		return NULL;
	}
	docs = yaml_to_json(b.buf, b.len, path, &e);
	if (!docs) {
		printf("# %s\n", e.msg);
	}
	buf_release(&b);
	return docs;
}

static char *
read_text(const char *path)
{
	struct buf b = BUF_INIT;

	if (buf_read_file(&b, path) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static void
write_text(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		printf("# cannot write %s\n", path);
		return;
	}
	fputs(s, f);
	fclose(f);
}

/* Strip the trailing spaces of every line (as the peer's tests compare). */
static char *
strip_trailing(const char *s)
{
	struct buf b = BUF_INIT;
	const char *p = s;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		while (n > 0 && p[n - 1] == ' ') {
			n--;
		}
		buf_add(&b, p, n);
		if (!nl) {
			break;
		}
		buf_addch(&b, '\n');
		p = nl + 1;
	}
	return buf_detach(&b, NULL);
}

/* First differing line, for a diagnostic. */
static void
show_diff(const char *got, const char *want)
{
	int line = 1;
	const char *g = got, *w = want;

	while (*g && *w && *g == *w) {
		if (*g == '\n') {
			line++;
		}
		g++;
		w++;
	}
	while (g > got && g[-1] != '\n') {
		g--;
	}
	while (w > want && w[-1] != '\n') {
		w--;
	}
	printf("# first difference at line %d\n#   got: '%.*s'\n#  want: '%.*s'\n",
	       line, (int)strcspn(g, "\n"), g, (int)strcspn(w, "\n"), w);
}


/* ---- inline tests ------------------------------------------------------------ */

/* Parse a JSON document written with ' for ". The caller deletes it. */
static cJSON *
J(const char *s)
{
	char *t = xstrdup(s);
	struct pd_err e = {0};
	cJSON *j;

	for (char *p = t; *p; p++) {
		if (*p == '\'') {
			*p = '"';
		}
	}
	j = json_parse(t, strlen(t), &e);
	if (!j) {
		printf("# bad test JSON: %s: %s\n", e.msg, t);
		abort();
	}
	free(t);
	return j;
}


/* ok() that needle occurs in hay, showing hay when it does not. */
static void
has(const char *hay, const char *needle, const char *name)
{
	if (!ok(strstr(hay, needle) != NULL, "%s", name)) {
		const char *p = hay;
		printf("# wanted: %s\n", needle);
		while (*p) {
			size_t n = strcspn(p, "\n");
			printf("# | %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
}

static void
test_ages(void)
{
	char out[32];

	timeutil_age(out, sizeof(out), T0_STR, now0);
	is_str(out, "7d", "age: 7 days");
	timeutil_age(out, sizeof(out), "2026-01-07T23:50:31Z", now0);
	is_str(out, "9m29s", "age: 9m29s");
	timeutil_age(out, sizeof(out), "2026-01-07T18:48:00Z", now0);
	is_str(out, "5h12m", "age: 5h12m");
	timeutil_age(out, sizeof(out), "2026-01-01T05:00:00Z", now0);
	is_str(out, "6d19h", "age: 6d19h");
	timeutil_age(out, sizeof(out), "2026-01-08T00:00:01Z", now0);
	is_str(out, "0s", "age: one second ahead is 0s");
	timeutil_age(out, sizeof(out), "2026-01-08T00:00:05Z", now0);
	is_str(out, "<invalid>", "age: in the future");
	timeutil_age(out, sizeof(out), NULL, now0);
	is_str(out, "<unknown>", "age: no timestamp");
}

static void
test_status_lines(void)
{
	struct buf b = BUF_INIT;

	render_status_line(&b, "Paused", "BlueGreenPause");
	render_status_line(&b, "Healthy", "");
	render_status_line(&b, "Degraded", "RolloutAborted: x");
	is_str(b.buf, "Paused - BlueGreenPause\nHealthy\nDegraded - RolloutAborted: x\n",
	       "status lines (watch)");
	buf_reset(&b);
	render_status_line_once(&b, "Paused", "BlueGreenPause");
	render_status_line_once(&b, "Degraded", "RolloutAborted: x");
	render_status_line_once(&b, "Healthy", "");
	render_status_line_once(&b, "Progressing", "");
	is_str(b.buf, "Paused - BlueGreenPause\nDegraded\nHealthy\nProgressing - \n",
	       "status lines (--watch=false)");
	buf_release(&b);
}

#define CAN_GUESTBOOK \
	"{'metadata':{'name':'can-guestbook','namespace':'test'},'spec':{'replicas':5," \
	"'strategy':{'canary':{'steps':[{'setWeight':10},{'pause':{}},{'setWeight':20}]}}}," \
	"'status':{'currentStepIndex':1,'replicas':4,'readyReplicas':1,'updatedReplicas':3," \
	"'availableReplicas':%d}}"
#define BG_GUESTBOOK \
	"{'metadata':{'name':'bg-guestbook','namespace':'test'},'spec':{'replicas':5," \
	"'strategy':{'blueGreen':{}}},'status':{'replicas':4,'readyReplicas':1," \
	"'updatedReplicas':3,'availableReplicas':2}}"

static void
test_list_rollouts(void)
{
	struct buf b = BUF_INIT;
	char *doc = xasprintf("[" CAN_GUESTBOOK "]", 2);
	char *doc3 = xasprintf(CAN_GUESTBOOK, 3);
	cJSON *can = J(doc), *bg = J("[" BG_GUESTBOOK "]"), *can3 = J(doc3);
	cJSON *both = cJSON_CreateArray();
	cJSON *odd = J("[{'metadata':{'name':'x'},'spec':{}}]");

	render_list_rollouts(&b, can, false, false, now0);
	is_str(b.buf,
	       "NAME           STRATEGY   STATUS        STEP  SET-WEIGHT  READY  DESIRED  UP-TO-DATE  AVAILABLE\n"
	       "can-guestbook  Canary     Progressing   1/3   10          1/4    5        3           2        \n",
	       "list rollouts: canary (trailing spaces kept)");
	buf_reset(&b);
	render_list_rollouts(&b, bg, false, false, now0);
	is_str(b.buf,
	       "NAME          STRATEGY   STATUS        STEP  SET-WEIGHT  READY  DESIRED  UP-TO-DATE  AVAILABLE\n"
	       "bg-guestbook  BlueGreen  Progressing   -     -           1/4    5        3           2        \n",
	       "list rollouts: blue-green");
	buf_reset(&b);
	render_list_rollouts(&b, can, true, true, now0);
	is_str(b.buf,
	       "TIMESTAMP             NAMESPACE  NAME           STRATEGY   STATUS        STEP  SET-WEIGHT  READY  DESIRED  UP-TO-DATE  AVAILABLE\n"
	       "2026-01-08T00:00:00Z  test       can-guestbook  Canary     Progressing   1/3   10          1/4    5        3           2        \n",
	       "list rollouts: --all-namespaces --timestamps");
	buf_reset(&b);
	cJSON_AddItemToArray(both, cJSON_Duplicate(cJSON_GetArrayItem(bg, 0), 1));
	cJSON_AddItemToArray(both, cJSON_Duplicate(cJSON_GetArrayItem(can, 0), 1));
	render_list_rollouts(&b, both, false, false, now0);
	render_list_rollout_row(&b, can3, false, false, now0);
	is_str(b.buf,
	       "NAME           STRATEGY   STATUS        STEP  SET-WEIGHT  READY  DESIRED  UP-TO-DATE  AVAILABLE\n"
	       "bg-guestbook   BlueGreen  Progressing   -     -           1/4    5        3           2        \n"
	       "can-guestbook  Canary     Progressing   1/3   10          1/4    5        3           2        \n"
	       "can-guestbook  Canary     Progressing   1/3   10          1/4    5        3           3        \n",
	       "list rollouts: watch output (initial table, then an update row)");
	buf_reset(&b);
	render_list_rollout_rows(&b, both, false, false, now0);
	is_str(b.buf,
	       "bg-guestbook   BlueGreen  Progressing   -     -           1/4    5        3           2        \n"
	       "can-guestbook  Canary     Progressing   1/3   10          1/4    5        3           2        \n",
	       "list rollouts: rows without a header align together");
	buf_reset(&b);
	render_list_rollouts(&b, odd, false, false, now0);
	is_str(b.buf,
	       "NAME        STRATEGY   STATUS        STEP  SET-WEIGHT  READY  DESIRED  UP-TO-DATE  AVAILABLE\n"
	       "x           unknown    Progressing   -     -           0/0    1        0           0        \n",
	       "list rollouts: no strategy, defaults");
	buf_release(&b);
	cJSON_Delete(can);
	cJSON_Delete(bg);
	cJSON_Delete(can3);
	cJSON_Delete(both);
	cJSON_Delete(odd);
	free(doc);
	free(doc3);
}

static void
test_list_experiments(void)
{
	struct buf b = BUF_INIT;
	cJSON *items = J(
		"[{'metadata':{'name':'my-experiment2','namespace':'my-other-namespace',"
		"'creationTimestamp':'" T0_STR "'},'status':{'phase':'Running'}},"
		"{'metadata':{'name':'my-experiment','namespace':'test',"
		"'creationTimestamp':'" T0_STR "'},'spec':{'duration':'3h'},"
		"'status':{'phase':'Running','availableAt':'2026-01-07T22:59:00Z'}},"
		"{'metadata':{'name':'done','namespace':'test','creationTimestamp':'" T0_STR "'},"
		"'spec':{'duration':'90'},'status':{'phase':'Successful',"
		"'availableAt':'2026-01-07T23:59:00Z'}}]");

	render_list_experiments(&b, items, true, now0);
	is_str(b.buf,
	       "NAMESPACE           NAME            STATUS      DURATION  REMAINING  AGE\n"
	       "my-other-namespace  my-experiment2  Running     -         -          7d \n"
	       "test                my-experiment   Running     3h        119m       7d \n"
	       "test                done            Successful  90s       -          7d \n",
	       "list experiments -A (trailing spaces kept)");
	buf_reset(&b);
	cJSON_DeleteItemFromArray(items, 2);
	render_list_experiments(&b, items, true, now0);
	is_str(b.buf,
	       "NAMESPACE           NAME            STATUS   DURATION  REMAINING  AGE\n"
	       "my-other-namespace  my-experiment2  Running  -         -          7d \n"
	       "test                my-experiment   Running  3h        119m       7d \n",
	       "list experiments: the plugin's example");
	buf_reset(&b);
	render_list_experiments(&b, items, false, now0);
	is_str(b.buf,
	       "NAME            STATUS   DURATION  REMAINING  AGE\n"
	       "my-experiment2  Running  -         -          7d \n"
	       "my-experiment   Running  3h        119m       7d \n",
	       "list experiments");
	buf_release(&b);
	cJSON_Delete(items);
}

/* A small canary rollout model for the colour and JSON tests. */
static struct ro_info *
small_model(cJSON **keep)
{
	cJSON *ro = J("{'metadata':{'name':'demo','namespace':'ns','uid':'RO',"
		      "'creationTimestamp':'" T0_STR "'},'spec':{'replicas':1,"
		      "'strategy':{'canary':{'steps':[{'setWeight':50},{'pause':{}}]}}},"
		      "'status':{'currentStepIndex':1,'stableRS':'s','currentPodHash':'c',"
		      "'replicas':2,'updatedReplicas':1,'readyReplicas':2,'availableReplicas':2,"
		      "'pauseConditions':[{'reason':'CanaryPauseStep'}],'controllerPause':true}}");
	cJSON *rss = J("[{'metadata':{'name':'demo-c','uid':'C','generation':1,"
		       "'creationTimestamp':'" T0_STR "',"
		       "'labels':{'rollouts-pod-template-hash':'c'},"
		       "'annotations':{'rollout.argoproj.io/revision':'2'},"
		       "'ownerReferences':[{'uid':'RO'}]},'spec':{'replicas':1,'template':{'spec':"
		       "{'containers':[{'image':'demo:2'}]}}},'status':{'observedGeneration':1,"
		       "'replicas':1,'availableReplicas':1}},"
		       "{'metadata':{'name':'demo-s','uid':'S','generation':1,"
		       "'creationTimestamp':'" T0_STR "',"
		       "'labels':{'rollouts-pod-template-hash':'s'},"
		       "'annotations':{'rollout.argoproj.io/revision':'1',"
		       "'scale-down-deadline':'2026-01-08T00:30:00Z'},"
		       "'ownerReferences':[{'uid':'RO'}]},'spec':{'replicas':1,'template':{'spec':"
		       "{'containers':[{'image':'demo:1'}]}}},'status':{'observedGeneration':1,"
		       "'replicas':1,'availableReplicas':1}}]");
	cJSON *pods = J("[{'metadata':{'name':'demo-c-1','uid':'P','creationTimestamp':'" T0_STR "',"
			"'ownerReferences':[{'uid':'C'}]},'spec':{'containers':[{}]},"
			"'status':{'phase':'Running','containerStatuses':[{'ready':true,"
			"'restartCount':4,'state':{'running':{}}}]}}]");
	cJSON *ars = J("[{'metadata':{'name':'demo-c-2','uid':'A','creationTimestamp':'" T0_STR "',"
		       "'annotations':{'rollout.argoproj.io/revision':'2'},"
		       "'ownerReferences':[{'uid':'RO'}]},'status':{'phase':'Running',"
		       "'metricResults':[{'successful':1,'error':2,'inconclusive':1}]}}]");
	struct ro_objects o = {.rollout = ro, .replicasets = rss, .pods = pods,
			       .analysisruns = ars};
	struct ro_info *ri = rollout_info_new(&o, now0);

	keep[0] = ro;
	keep[1] = rss;
	keep[2] = pods;
	keep[3] = ars;
	return ri;
}

static void
test_color_and_json(void)
{
	cJSON *keep[4];
	struct ro_info *ri = small_model(keep);
	struct render_opts ro = {.color = true, .now = now0};
	struct buf b = BUF_INIT;
	cJSON *j;
	char *txt;

	render_rollout(&b, ri, &ro);
	has(b.buf, "Status:          \x1b[0m॥\x1b[0m Paused\n", "colour: paused icon wrapped with code 0");
	has(b.buf, "Images:          demo:1 (\x1b[32mstable\x1b[0m)\n"
			 "                 demo:2 (\x1b[33mcanary\x1b[0m)\n", "colour: image tags");
	has(b.buf, "│  ├──⧉ \x1b[33mdemo-c\x1b[0m       ReplicaSet   "
			 "\x1b[32m✔\x1b[0m Healthy  7d   \x1b[33mcanary\x1b[0m\n", "colour: canary RS name, icon and tag; widths ignore escapes");
	has(b.buf, "ready:1/1,restarts:4\n", "pod restarts in INFO");
	has(b.buf, "└──α \x1b[94mdemo-c-2\x1b[0m", "colour: running AnalysisRun name in blue");
	has(b.buf, "\x1b[32m✔\x1b[0m 1,\x1b[33m?\x1b[0m 1,\x1b[31m⚠\x1b[0m 2\n", "colour: AnalysisRun counts");
	has(b.buf, "\x1b[32mstable\x1b[0m,delay:30m\n", "colour: stable tag, delay uncoloured");
	buf_reset(&b);
	ro.color = false;
	ro.now = now0 + 3600;
	render_rollout(&b, ri, &ro);
	has(b.buf, "stable,delay:passed\n", "render now: delay passed later");
	has(b.buf, "demo-c       ReplicaSet   ✔ Healthy  7d1h  canary\n", "render now: ages follow it");
	buf_release(&b);

	j = render_rollout_json(ri);
	is_str(json_str(j, "status"), "Paused", "json: status");
	is_str(json_str(j, "message"), "CanaryPauseStep", "json: message");
	is_str(json_str(j, "step"), "1/2", "json: step");
	is_int(json_num(j, "setWeight", -1), 50, "json: setWeight");
	is_int(json_num(j, "actualWeight", -1), 50, "json: actualWeight");
	is_int(json_num(j, "replicas.current", -1), 2, "json: replicas.current");
	is_int(cJSON_GetArraySize(json_path(j, "revisions")), 2, "json: revisions");
	is_str(json_str(cJSON_GetArrayItem(json_path(j, "images"), 1), "image"), "demo:2",
	       "json: images");
	{
		cJSON *rev = cJSON_GetArrayItem(json_path(j, "revisions"), 0);
		cJSON *rs = cJSON_GetArrayItem(json_path(rev, "replicaSets"), 0);
		cJSON *pod = cJSON_GetArrayItem(json_path(rs, "pods"), 0);
		cJSON *ar = cJSON_GetArrayItem(json_path(rev, "analysisRuns"), 0);
		is_str(cJSON_GetArrayItem(json_path(rs, "tags"), 0)->valuestring, "canary",
		       "json: RS tags");
		is_str(json_str(pod, "ready"), "1/1", "json: pod ready");
		is_int(json_num(pod, "restarts", -1), 4, "json: pod restarts");
		is_int(json_num(ar, "error", -1), 2, "json: AnalysisRun error count");
		rev = cJSON_GetArrayItem(json_path(j, "revisions"), 1);
		rs = cJSON_GetArrayItem(json_path(rev, "replicaSets"), 0);
		is_str(json_str(rs, "scaleDownDelay"), "30m", "json: scale-down delay");
	}
	txt = json_print(j);
	ok(txt && strstr(txt, "\"workloadRef\":null") != NULL, "json: nulls kept");
	free(txt);
	cJSON_Delete(j);
	rollout_info_free(ri);
	for (int i = 0; i < 4; i++) {
		cJSON_Delete(keep[i]);
	}
}

static void
test_blue_green_json(void)
{
	cJSON *ro = J("{'metadata':{'name':'bg','uid':'B'},'spec':{'strategy':{'blueGreen':{}}}}");
	struct ro_objects o = {.rollout = ro};
	struct ro_info *ri = rollout_info_new(&o, now0);
	cJSON *j = render_rollout_json(ri);
	struct buf b = BUF_INIT;

	ok(cJSON_IsNull(json_path(j, "setWeight")) && cJSON_IsNull(json_path(j, "step")),
	   "json: no weights or step for blue-green");
	render_rollout(&b, ri, NULL);
	has(b.buf, "Strategy:        BlueGreen\nReplicas:\n", "blue-green: no step lines, no images line");
	has(b.buf, "\n\nNAME  KIND     STATUS         AGE        INFO\n"
			 "⟳ bg  Rollout  ◌ Progressing  <unknown>  \n", "rollout without revisions: header and one row");
	buf_release(&b);
	cJSON_Delete(j);
	rollout_info_free(ri);
	cJSON_Delete(ro);
}

/* ---- goldens ----------------------------------------------------------------- */

static char *
golden_dir(void)
{
	const char *env = getenv("PDKIT_GOLDEN_DIR");
	const char *f = __FILE__;
	const char *slash;

	if (env && *env) {
		return xstrdup(env);
	}
	/* __FILE__ is .../tests/unit/test-render.c */
	slash = strrchr(f, '/');
	if (!slash) {
		return xstrdup("../golden");
	}
	return xasprintf("%.*s/../golden", (int)(slash - f), f);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in dir (without . and ..); caller frees. */
static char **
list_dir(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;

	*n = 0;
	if (!d) {
		return NULL;
	}
	for (;;) {
		de = readdir(d);
		if (!de) {
			break;
		}
		if (de->d_name[0] == '.') {
			continue;
		}
		v = xrealloc(v, (*n + 1) * sizeof(char *));
		v[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 1) {
		qsort(v, *n, sizeof(char *), name_cmp);
	}
	return v;
}

static void
free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i]);
	}
	free(v);
}

struct golden_args {
	char kind[32];
	char name[256];
	bool color;
	int revisions;
	bool json;
	time_t now;
	char objects[256]; /* another fixture's objects (relative to kind dir) */
};

static bool
golden_parse_args(const char *text, struct golden_args *a)
{
	char *copy = xstrdup(text), *save = NULL, *tok;
	int i = 0;
	bool ok_ = true;

	memset(a, 0, sizeof(*a));
	a->now = now0;
	for (tok = strtok_r(copy, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save), i++) {
		if (i == 0) {
			snprintf(a->kind, sizeof(a->kind), "%s", tok);
		} else if (i == 1) {
			snprintf(a->name, sizeof(a->name), "%s", tok);
		} else if (!strcmp(tok, "color")) {
			a->color = true;
		} else if (!strcmp(tok, "json")) {
			a->json = true;
		} else if (!strcmp(tok, "revisions")) {
			tok = strtok_r(NULL, " \t\n", &save);
			a->revisions = tok ? atoi(tok) : 0;
		} else if (!strcmp(tok, "objects")) {
			tok = strtok_r(NULL, " \t\n", &save);
			ok_ = tok != NULL;
			snprintf(a->objects, sizeof(a->objects), "%s", tok ? tok : "");
		} else if (!strcmp(tok, "now")) {
			tok = strtok_r(NULL, " \t\n", &save);
			ok_ = tok && timeutil_parse(tok, &a->now);
		} else {
			ok_ = false;
		}
	}
	free(copy);
	return ok_ && i >= 2;
}

/* Render what args asks for from the set into out; false when not found. */
static bool
render_case(struct buf *out, struct objset *s, const char *kind,
	    const char *name, const char *ns, const struct render_opts *ro,
	    bool json)
{
	struct ro_objects o = {
		.replicasets = s->replicasets,
		.pods = s->pods,
		.analysisruns = s->analysisruns,
		.experiments = s->experiments,
		.deployments = s->deployments,
	};

	if (!strcmp(kind, "rollout")) {
		struct ro_info *ri;
		o.rollout = objset_find(s->rollouts, name, ns);
		if (!o.rollout) {
			return false;
		}
		ri = rollout_info_new(&o, ro->now);
		if (json) {
			cJSON *j = render_rollout_json(ri);
			json_write_pretty(out, j);
			cJSON_Delete(j);
		} else {
			render_rollout(out, ri, ro);
		}
		rollout_info_free(ri);
		return true;
	}
	if (!strcmp(kind, "experiment")) {
		struct exp_info *ei;
		const cJSON *exp = objset_find(s->experiments, name, ns);
		if (!exp) {
			return false;
		}
		ei = rollout_experiment_new(exp, &o, ro->now);
		render_experiment(out, ei, ro);
		rollout_experiment_free(ei);
		return true;
	}
	return false;
}

/* set by --update-golden on the command line, never by the environment */
static bool update_golden;

static void
test_goldens(void)
{
	char *root = golden_dir();
	const char *kinds[] = {"rollout", "experiment"};
	bool update = update_golden;
	int count = 0;

	for (size_t k = 0; k < 2; k++) {
		char *dir = xasprintf("%s/%s", root, kinds[k]);
		size_t n;
		char **names = list_dir(dir, &n);

		for (size_t i = 0; i < n; i++) {
			char *base = xasprintf("%s/%s", dir, names[i]);
			char *objpath = NULL;
			char *argpath = xasprintf("%s/args", base);
			char *exppath = xasprintf("%s/expected.txt", base);
			char *args = read_text(argpath);
			cJSON *docs = NULL;
			struct golden_args ga;
			struct objset s;
			struct buf out = BUF_INIT;
			char *want;

			count++;
			if (args && golden_parse_args(args, &ga)) {
				objpath = ga.objects[0]
						  ? xasprintf("%s/%s/objects.yaml", dir, ga.objects)
						  : xasprintf("%s/objects.yaml", base);
				docs = load_yaml_file(objpath);
			}
			if (!docs) {
				ok(0, "golden %s/%s: loads", kinds[k], names[i]);
				goto next;
			}
			objset_init(&s);
			while (cJSON_GetArraySize(docs) > 0) {
				objset_add(&s, cJSON_DetachItemFromArray(docs, 0));
			}
			{
				struct render_opts ro = {.color = ga.color,
							 .now = ga.now,
							 .revisions = ga.revisions};
				if (!render_case(&out, &s, ga.kind, ga.name, NULL,
						 &ro, ga.json)) {
					ok(0, "golden %s/%s: %s %s found", kinds[k],
					   names[i], ga.kind, ga.name);
					objset_release(&s);
					goto next;
				}
			}
			objset_release(&s);
			if (update) {
				write_text(exppath, out.buf);
			}
			want = read_text(exppath);
			if (!ok(want && !strcmp(out.buf, want), "golden %s/%s",
				kinds[k], names[i])) {
				if (want) {
					show_diff(out.buf, want);
				} else {
					printf("# missing %s\n", exppath);
				}
			}
			free(want);
next:
			buf_release(&out);
			cJSON_Delete(docs);
			free(args);
			free(base);
			free(objpath);
			free(argpath);
			free(exppath);
		}
		free_list(names, n);
		free(dir);
	}
	ok(count >= 8, "found %d golden fixtures in %s", count, root);
	free(root);
}

/* ---- the peer's conformance cases ------------------------------------------- */

static void
rebase(cJSON *doc)
{
	cJSON *md = json_obj_ensure(doc, "metadata");
	const char *kind = json_str(doc, "kind");

	if (!json_str(md, "namespace")) {
		json_set_str(md, "namespace", "default");
	}
	json_set_str(md, "creationTimestamp", T0_STR);
	if (kind && !strcmp(kind, "AnalysisRun")) {
		cJSON *mr = cJSON_GetArrayItem(json_path(doc, "status.metricResults"), 0);
		cJSON *m;
		cJSON_ArrayForEach(m, json_path(mr, "measurements")) {
			json_set_str(m, "startedAt", T0_STR);
			json_set_str(m, "finishedAt", T0_STR);
		}
	}
}

static void
tweak_deadline(cJSON *doc, long off)
{
	cJSON *md = json_obj_ensure(doc, "metadata");
	cJSON *ann = json_obj_ensure(md, "annotations");
	cJSON *labels = cJSON_GetObjectItemCaseSensitive(md, "labels");
	time_t t = now0 + off;
	struct tm tm;
	char ts[32];

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_set_str(ann, "scale-down-deadline", ts);
	cJSON_DeleteItemFromObjectCaseSensitive(labels, "rollouts-pod-template-hash");
}

static char *
trim_line(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ')) {
		s[--n] = '\0';
	}
	return s;
}

/* One case: true when the renderer reproduces it. */
static bool
conformance_case(const char *base, const char *name)
{
	char *cdir = xasprintf("%s/cases/%s", base, name);
	char *p_args = xasprintf("%s/args", cdir);
	char *p_scen = xasprintf("%s/scenario", cdir);
	char *p_tweak = xasprintf("%s/tweak", cdir);
	char *p_out = xasprintf("%s/expected.stdout", cdir);
	char *p_exit = xasprintf("%s/expected.exit", cdir);
	char *args = read_text(p_args), *scen = read_text(p_scen);
	char *tweak = read_text(p_tweak), *want = read_text(p_out);
	char *wexit = read_text(p_exit);
	char *argv[16];
	int argc = 0;
	char *save = NULL, *tok;
	const char *ns = "default", *cmd = NULL, *what = NULL, *obj = NULL;
	bool watch = true, found, nonzero = false, result = false;
	long off = 0;
	struct objset s;
	struct buf out = BUF_INIT;
	char *sdir = NULL, **files = NULL;
	size_t nfiles = 0;

	if (!args || !scen || !want || !wexit) {
		goto done;
	}
	for (tok = strtok_r(args, " \t\n", &save); tok && argc < 16;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		argv[argc++] = tok;
	}
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			ns = argv[++i];
		} else if (!strcmp(argv[i], "--watch=false")) {
			watch = false;
		} else if (argv[i][0] == '-') {
			continue;
		} else if (!cmd) {
			cmd = argv[i];
		} else if (!strcmp(cmd, "get") && !what) {
			what = argv[i];
		} else if (!obj) {
			obj = argv[i];
		}
	}
	if (tweak) {
		char word[64];
		if (sscanf(tweak, "%63s %ld", word, &off) != 2) {
			goto done;
		}
	}
	objset_init(&s);
	sdir = xasprintf("%s/testdata/%s", base, trim_line(scen));
	files = list_dir(sdir, &nfiles);
	for (size_t i = 0; i < nfiles; i++) {
		char *fp = xasprintf("%s/%s", sdir, files[i]);
		cJSON *docs = load_yaml_file(fp);
		while (docs && cJSON_GetArraySize(docs) > 0) {
			cJSON *d = cJSON_DetachItemFromArray(docs, 0);
			const char *dns;
			rebase(d);
			if (tweak && !strcmp(files[i], "preview-rs.yaml")) {
				tweak_deadline(d, off);
			}
			dns = json_str(d, "metadata.namespace");
			if (strcmp(dns, ns) != 0) {
				cJSON_Delete(d);
				continue;
			}
			objset_add(&s, d);
		}
		cJSON_Delete(docs);
		free(fp);
	}
	if (cmd && !strcmp(cmd, "get") && what && obj) {
		struct render_opts ro = {.color = false, .now = now0};
		const char *k = (!strcmp(what, "rollout") || !strcmp(what, "ro") ||
				 !strcmp(what, "rollouts"))
					? "rollout"
					: "experiment";
		found = render_case(&out, &s, k, obj, ns, &ro, false);
		nonzero = !found;
	} else if (cmd && !strcmp(cmd, "status") && obj) {
		const cJSON *ro = objset_find(s.rollouts, obj, ns);
		found = ro != NULL;
		if (found) {
			struct ro_objects o = {.rollout = ro,
					       .replicasets = s.replicasets,
					       .pods = s.pods,
					       .analysisruns = s.analysisruns,
					       .experiments = s.experiments};
			struct ro_info *ri = rollout_info_new(&o, now0);
			if (watch) {
				/* the fixed objects never change: the watch prints
				 * one line and ends on Healthy/Degraded or times out */
				render_status_line(&out, ri->status, ri->message);
				nonzero = strcmp(ri->status, "Healthy") != 0;
			} else {
				render_status_line_once(&out, ri->status, ri->message);
				nonzero = !strcmp(ri->status, "Degraded");
			}
			rollout_info_free(ri);
		} else {
			nonzero = true;
		}
	} else {
		objset_release(&s);
		goto done;
	}
	objset_release(&s);
	{
		char *g = strip_trailing(out.buf), *w = strip_trailing(want);
		bool same = !strcmp(g, w);
		bool exit_ok = (strncmp(wexit, "nonzero", 7) == 0) == nonzero;
		if (!same) {
			show_diff(g, w);
		}
		if (!exit_ok) {
			printf("# exit status differs\n");
		}
		result = same && exit_ok;
		free(g);
		free(w);
	}
done:
	buf_release(&out);
	free_list(files, nfiles);
	free(sdir);
	free(args);
	free(scen);
	free(tweak);
	free(want);
	free(wexit);
	free(p_args);
	free(p_scen);
	free(p_tweak);
	free(p_out);
	free(p_exit);
	free(cdir);
	return result;
}

static void
test_conformance(void)
{
	const char *dir = getenv("PDKIT_CONFORMANCE_DIR");
	char *cases;
	char **names;
	size_t n, pass = 0;

	if (!dir || !*dir) {
		printf("# PDKIT_CONFORMANCE_DIR unset: conformance cases skipped\n");
		return;
	}
	cases = xasprintf("%s/cases", dir);
	names = list_dir(cases, &n);
	for (size_t i = 0; i < n; i++) {
		bool r = conformance_case(dir, names[i]);
		ok(r, "conformance %s", names[i]);
		pass += r;
	}
	printf("# conformance: %zu of %zu cases reproduced\n", pass, n);
	free_list(names, n);
	free(cases);
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--update-golden") == 0) {
		update_golden = true;
	} else if (argc > 1) {
		fprintf(stderr, "usage: test-render [--update-golden]\n");
		return 2;
	}
	timeutil_parse(NOW_STR, &now0);
	test_ages();
	test_status_lines();
	test_list_rollouts();
	test_list_experiments();
	test_color_and_json();
	test_blue_green_json();
	test_goldens();
	test_conformance();
	return done_testing();
}
