/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for src/kube.c: the watch decoder (whole, byte by byte, random
 * splits, several events per chunk, tricky strings, malformed input),
 * kube_path(), and live tests against rollouts-sim: get, errors, paginated
 * lists, parallel calls, informers (MODIFIED, 410 re-list, dropped
 * streams, 403 fail-fast), 429/5xx retries, TLS with a token, a token file,
 * a client certificate, tls-server-name, and an exec credential plugin.
 *
 * rollouts-sim is $ROLLOUTS_SIM, else BUILD/plugins/rollouts-sim/rollouts-sim
 * next to this test's build directory; the live tests are skipped when it
 * is absent. PDKIT_RETRY_SCALE=0 makes every retry wait and back-off
 * immediate, so nothing here depends on wall-clock time (the loops below
 * have bounds only to fail instead of hanging).
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"
#include "base64.h"
#include "buf.h"
#include "json.h"
#include "informer.h"
#include "kube.h"
#include "kubeconfig.h"
#include "xalloc.h"

extern char **environ;

static char data_dir[PATH_MAX];
static char tmp_dir[PATH_MAX];
static char sim_path[PATH_MAX];
static char build_dir[PATH_MAX];

#define UA "test-kube/0.1 (linux) c-client"

/* ------------------------------------------------------------ helpers */

static void
test_find_paths(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0) {
		n = 0;
	}
	exe[n] = '\0';
	for (int i = 0; i < 2; i++) {
		char *s = strrchr(exe, '/');
		if (s) {
			*s = '\0';
		}
	}
	memcpy(build_dir, exe, strlen(exe) + 1);

	const char *src = __FILE__;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", src);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
	}
	char guess[PATH_MAX * 3];
	if (dir[0] == '/') {
		snprintf(guess, sizeof(guess), "%s/data/kubeconfig", dir);
	} else {
		snprintf(guess, sizeof(guess), "%s/%s/data/kubeconfig",
			 build_dir, dir);
	}
	if (!realpath(guess, data_dir)) {
		data_dir[0] = '\0';
	}

	const char *env = getenv("ROLLOUTS_SIM");
	if (env && *env) {
		snprintf(sim_path, sizeof(sim_path), "%s", env);
	} else {
		snprintf(guess, sizeof(guess),
			 "%s/plugins/rollouts-sim/rollouts-sim", build_dir);
		if (strlen(guess) < sizeof(sim_path)) {
			memcpy(sim_path, guess, strlen(guess) + 1);
		}
	}
}

static void
test_rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		if (d) {
			struct dirent *de;
			for (de = readdir(d); de; de = readdir(d)) {
				if (strcmp(de->d_name, ".") == 0 ||
				    strcmp(de->d_name, "..") == 0) {
					continue;
				}
				char sub[PATH_MAX * 2];
				snprintf(sub, sizeof(sub), "%s/%s", path,
					 de->d_name);
				test_rm_rf(sub);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

static void
test_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int
test_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		return 0;
	}
	int n = 0;
	for (int ch = fgetc(f); ch != EOF; ch = fgetc(f)) {
		if (ch == '\n') {
			n++;
		}
	}
	fclose(f);
	return n;
}

/* ------------------------------------------------------------ decoder */

struct evlog {
	struct buf b;
	int n;
	int stop_after;
};

static int
ev_cb(void *arg, const char *type, cJSON *obj)
{
	struct evlog *l = arg;
	l->n++;
	const char *name = json_str(obj, "metadata.name");
	const char *s = json_str(obj, "data.s");
	buf_addf(&l->b, "%s:%s:%s;", type, name ? name : "-", s ? s : "-");
	if (l->stop_after && l->n == l->stop_after) {
		return 7;
	}
	return 0;
}

static const char ev_stream[] =
	"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"},"
	"\"data\":{\"s\":\"}{ \\\"q\\\" ][\"}}}\n"
	"{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"b\"},"
	"\"list\":[{\"x\":[1,2,{\"y\":\"}\"}]}],\"data\":{\"s\":\"\\\\\"}}}"
	"{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"c\"},"
	"\"data\":{\"s\":\"\\\\\\\"{\"}}}\r\n  \n"
	"{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":"
	"{\"resourceVersion\":\"9\"}}}\n";

static const char ev_want[] =
	"ADDED:a:}{ \"q\" ][;MODIFIED:b:\\;DELETED:c:\\\"{;BOOKMARK:-:-;";

static void
test_decoder(void)
{
	struct watch_decoder d;
	struct evlog l = { BUF_INIT, 0, 0 };
	size_t len = strlen(ev_stream);

	watch_decoder_init(&d);
	int r = watch_decoder_feed(&d, ev_stream, len, ev_cb, &l);
	is_int(r, 0, "decoder: whole stream");
	is_int(l.n, 4, "decoder: four events in one chunk");
	is_str(l.b.buf, ev_want, "decoder: strings with braces and escapes");
	is_int(d.pending.len, 0, "decoder: nothing left pending");
	watch_decoder_release(&d);

	/* byte by byte */
	buf_reset(&l.b);
	l.n = 0;
	watch_decoder_init(&d);
	r = 0;
	for (size_t i = 0; i < len && r == 0; i++) {
		r = watch_decoder_feed(&d, ev_stream + i, 1, ev_cb, &l);
	}
	is_int(r, 0, "decoder: byte by byte");
	is_str(l.b.buf, ev_want, "decoder: byte by byte gives the same events");
	watch_decoder_release(&d);

	/* random splits (fixed seed) */
	unsigned seed = 42;
	int bad = 0;
	for (int iter = 0; iter < 300; iter++) {
		buf_reset(&l.b);
		l.n = 0;
		watch_decoder_init(&d);
		size_t i = 0;
		r = 0;
		while (i < len && r == 0) {
			size_t n = 1 + (size_t)(rand_r(&seed) % 40);
			if (n > len - i) {
				n = len - i;
			}
			r = watch_decoder_feed(&d, ev_stream + i, n, ev_cb, &l);
			i += n;
		}
		if (r != 0 || strcmp(l.b.buf, ev_want) != 0) {
			bad++;
		}
		watch_decoder_release(&d);
	}
	is_int(bad, 0, "decoder: 300 random splittings give the same events");

	/* a partial event stays pending until its end arrives */
	buf_reset(&l.b);
	l.n = 0;
	watch_decoder_init(&d);
	size_t half = 40;
	watch_decoder_feed(&d, ev_stream, half, ev_cb, &l);
	is_int(l.n, 0, "decoder: no event before its end");
	ok(d.pending.len == half, "decoder: the partial event is kept");
	watch_decoder_feed(&d, ev_stream + half, len - half, ev_cb, &l);
	is_int(l.n, 4, "decoder: the rest completes it");
	watch_decoder_release(&d);

	/* the callback can stop; the rest waits for the next feed */
	buf_reset(&l.b);
	l.n = 0;
	l.stop_after = 2;
	watch_decoder_init(&d);
	r = watch_decoder_feed(&d, ev_stream, len, ev_cb, &l);
	is_int(r, 7, "decoder: the callback's value is returned");
	is_int(l.n, 2, "decoder: stopped after two events");
	l.stop_after = 0;
	r = watch_decoder_feed(&d, "", 0, ev_cb, &l);
	is_int(r, 0, "decoder: resumes on the next feed");
	is_str(l.b.buf, ev_want, "decoder: all events after the resume");
	watch_decoder_release(&d);

	/* malformed events */
	buf_reset(&l.b);
	l.n = 0;
	watch_decoder_init(&d);
	const char *m1 = "{\"type\":\"ADDED\",\"object\":{\"metadata\":"
			 "{\"name\":\"ok\"}}}\n"
			 "{\"type\":\"ADDED\" \"object\":{}}\n";
	r = watch_decoder_feed(&d, m1, strlen(m1), ev_cb, &l);
	is_int(r, -PD_ERUNTIME, "decoder: invalid JSON is an error");
	is_int(l.n, 1, "decoder: the good event before it was delivered");
	const char *m2 = "{\"type\":\"ADDED\",\"object\":{\"metadata\":"
			 "{\"name\":\"after\"}}}";
	r = watch_decoder_feed(&d, m2, strlen(m2), ev_cb, &l);
	is_int(r, 0, "decoder: resynchronises after an error");
	is_int(l.n, 2, "decoder: the next event is decoded");
	const char *m3 = "{\"type\":\"ADDED\"}";
	r = watch_decoder_feed(&d, m3, strlen(m3), ev_cb, &l);
	is_int(r, -PD_ERUNTIME, "decoder: an event without object is an error");
	const char *m4 = "oops{\"type\":\"ADDED\",\"object\":{}}";
	r = watch_decoder_feed(&d, m4, strlen(m4), ev_cb, &l);
	is_int(r, -PD_ERUNTIME, "decoder: text between events is an error");
	const char *m5 = "[1,2]";
	watch_decoder_release(&d);
	watch_decoder_init(&d);
	r = watch_decoder_feed(&d, m5, strlen(m5), ev_cb, &l);
	is_int(r, -PD_ERUNTIME, "decoder: a non-object is an error");
	watch_decoder_release(&d);
	buf_release(&l.b);
}

static void
test_paths(void)
{
	char *p = kube_path("", "v1", "demo", "pods", NULL);
	is_str(p, "/api/v1/namespaces/demo/pods", "kube_path core collection");
	free(p);
	p = kube_path(NULL, "v1", NULL, "namespaces", "demo");
	is_str(p, "/api/v1/namespaces/demo", "kube_path cluster-scoped object");
	free(p);
	p = kube_path("argoproj.io", "v1alpha1", "demo", "rollouts", "x");
	is_str(p, "/apis/argoproj.io/v1alpha1/namespaces/demo/rollouts/x",
	       "kube_path group object");
	free(p);
	p = kube_path("argoproj.io", "v1alpha1", NULL, "rollouts", NULL);
	is_str(p, "/apis/argoproj.io/v1alpha1/rollouts",
	       "kube_path all namespaces");
	free(p);
	/* every segment is one segment: '/' is escaped too (a subresource
	 * is appended by the caller, after kube_path) */
	p = kube_path("argoproj.io", "v1alpha1", "demo", "rollouts",
		      "x/status");
	is_str(p, "/apis/argoproj.io/v1alpha1/namespaces/demo/rollouts/"
	       "x%2Fstatus", "kube_path escapes '/' in a name");
	free(p);
	p = kube_path("apps", "v1", "a b", "replicasets", "n?x");
	is_str(p, "/apis/apps/v1/namespaces/a%20b/replicasets/n%3Fx",
	       "kube_path escapes");
	free(p);
	p = kube_path("argoproj.io", "v1alpha1", "../kube-system",
		      "rollouts", "..");
	is_str(p, "/apis/argoproj.io/v1alpha1/namespaces/..%2Fkube-system/"
	       "rollouts/..", "kube_path: no segment reaches another path");
	free(p);
	/* RFC 3986 unreserved characters stay, everything else is encoded,
	 * bytes over 0x7f one by one */
	p = kube_path("", "v1", "ns", "pods", "aZ09-._~:@!$&'()*+,;=%#[]\"\xc3\xa9");
	is_str(p, "/api/v1/namespaces/ns/pods/aZ09-._~%3A%40%21%24%26%27"
	       "%28%29%2A%2B%2C%3B%3D%25%23%5B%5D%22%C3%A9",
	       "kube_path keeps only unreserved characters");
	free(p);
	p = kube_path("", "v1", "ns", "pods/log", "a");
	is_str(p, "/api/v1/namespaces/ns/pods%2Flog/a",
	       "kube_path escapes the plural too");
	free(p);
	p = kube_path("ex ample.io", "v1", NULL, "things", NULL);
	is_str(p, "/apis/ex%20ample.io/v1/things", "kube_path escapes the group");
	free(p);
}

/* ------------------------------------------------------------ the sim */

struct sim {
	pid_t pid;
	char dir[PATH_MAX + 64];
	char kc[PATH_MAX + 80];
	char log[PATH_MAX + 96];
	char port[PATH_MAX + 80];
	int portn;
};

static char bulk_fixture[PATH_MAX + 32];

static void
test_make_bulk(void)
{
	snprintf(bulk_fixture, sizeof(bulk_fixture), "%s/bulk.json", tmp_dir);
	struct buf b = BUF_INIT;
	buf_adds(&b, "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[");
	for (int i = 0; i < 1200; i++) {
		buf_addf(&b, "%s{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
			 "\"metadata\":{\"name\":\"cm-%04d\",\"namespace\":"
			 "\"bulk\",\"labels\":{\"group\":\"%s\"}},"
			 "\"data\":{\"i\":\"%d\"}}", i ? "," : "", i,
			 i % 2 ? "odd" : "even", i);
	}
	buf_adds(&b, "]}\n");
	test_write(bulk_fixture, b.buf);
	buf_release(&b);
}

static int
sim_start(struct sim *s, const char *name, const char *const *extra)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "%s/%s", tmp_dir, name);
	mkdir(s->dir, 0700);
	snprintf(s->kc, sizeof(s->kc), "%s/kc", s->dir);
	snprintf(s->log, sizeof(s->log), "%s/requests.log", s->dir);
	snprintf(s->port, sizeof(s->port), "%s/port", s->dir);
	char objs[PATH_MAX + 32];
	snprintf(objs, sizeof(objs), "%s/sim-objects.yaml", data_dir);
	const char *argv[32];
	int n = 0;
	argv[n++] = sim_path;
	argv[n++] = "--fixtures";
	argv[n++] = objs;
	argv[n++] = "--fixtures";
	argv[n++] = bulk_fixture;
	argv[n++] = "--no-controller";
	argv[n++] = "--port-file";
	argv[n++] = s->port;
	argv[n++] = "--kubeconfig";
	argv[n++] = s->kc;
	argv[n++] = "--request-log";
	argv[n++] = s->log;
	for (int i = 0; extra && extra[i] && n < 30; i++) {
		argv[n++] = extra[i];
	}
	argv[n] = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	int r = posix_spawn(&s->pid, sim_path, &fa, NULL, (char **)argv,
			    environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0) {
		s->pid = 0;
		return -1;
	}
	/* wait for the files it writes once listening (bounded) */
	for (int i = 0; i < 3000; i++) {
		struct stat st;
		if (stat(s->kc, &st) == 0 && stat(s->port, &st) == 0) {
			FILE *f = fopen(s->port, "r");
			if (f) {
				if (fscanf(f, "%d", &s->portn) != 1) {
					s->portn = 0;
				}
				fclose(f);
			}
			return 0;
		}
		int status;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			return -1;
		}
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return -1;
}

static void
sim_stop(struct sim *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
}

/* Requests in the sim's log with this method and path whose query holds
 * has (when non-NULL) and not lacks (when non-NULL). */
static int
sim_count(const struct sim *s, const char *method, const char *path,
	  const char *has, const char *lacks)
{
	struct buf b = BUF_INIT;
	int n = 0;
	if (buf_read_file(&b, s->log) < 0) {
		buf_release(&b);
		return -1;
	}
	char *save = NULL;
	for (char *line = strtok_r(b.buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		cJSON *j = json_parse(line, strlen(line), NULL);
		const char *m = json_str(j, "method");
		const char *p = json_str(j, "path");
		const char *q = json_str(j, "query");
		if (m && p && strcmp(m, method) == 0 && strcmp(p, path) == 0 &&
		    (!has || (q && strstr(q, has))) &&
		    (!lacks || !q || !strstr(q, lacks))) {
			n++;
		}
		cJSON_Delete(j);
	}
	buf_release(&b);
	return n;
}

static int
sim_load(const struct sim *s, struct kube_config *cfg)
{
	struct kube_flags f;
	struct pd_err e;
	memset(&f, 0, sizeof(f));
	f.insecure_skip_tls_verify = -1;
	f.kubeconfig = s->kc;
	int r = kubeconfig_load(cfg, &f, &e);
	if (r < 0) {
		printf("# kubeconfig_load: %s\n", e.msg);
	}
	return r;
}

static int
req(struct kube_client *c, const char *method, const char *path,
	const char *body, cJSON **out, struct pd_err *e)
{
	memset(e, 0, sizeof(*e));
	return kube_request(c, method, path,
			    body ? "application/json" : NULL, body, out, e);
}

static int
req_patch(struct kube_client *c, const char *path, const char *body,
	  struct pd_err *e)
{
	memset(e, 0, sizeof(*e));
	return kube_request(c, "PATCH", path, "application/merge-patch+json",
			    body, NULL, e);
}

static bool
items_names(const cJSON *items, const char *want)
{
	struct buf b = BUF_INIT;
	const cJSON *it;
	cJSON_ArrayForEach(it, items) {
		const char *n = json_str(it, "metadata.name");
		buf_addf(&b, "%s%s", b.len ? "," : "", n ? n : "?");
	}
	bool same = strcmp(b.buf, want) == 0;
	if (!same) {
		printf("#   items: %s\n#    want: %s\n", b.buf, want);
	}
	buf_release(&b);
	return same;
}

/* ------------------------------------------------------------ live: basic */

#define RO_PATH "/apis/argoproj.io/v1alpha1/namespaces/demo/rollouts"
#define CM_DEMO "/api/v1/namespaces/demo/configmaps"
#define CM_BULK "/api/v1/namespaces/bulk/configmaps"

static void
test_live_basic(struct sim *s, struct kube_client *c)
{
	struct pd_err e;
	cJSON *o = NULL;

	int r = req(c, "GET", RO_PATH "/demo-a", NULL, &o, &e);
	is_int(r, 0, "get a rollout");
	is_str(json_str(o, "metadata.name"), "demo-a", "the rollout's name");
	is_str(json_str(o, "kind"), "Rollout", "the rollout's kind");
	cJSON_Delete(o);

	o = NULL;
	r = req(c, "GET", RO_PATH "/nope", NULL, &o, &e);
	is_int(r, -PD_ENOTFOUND, "404 maps to not found");
	is_int(e.http_status, 404, "http_status 404");
	is_str(e.msg, "rollouts.argoproj.io \"nope\" not found",
	       "the Status message verbatim");
	ok(o == NULL, "no object on error");

	r = req(c, "GET", "/no/such/path", NULL, NULL, &e);
	is_int(r, -PD_ENOTFOUND, "text/plain 404");
	is_str(e.msg, "the server could not find the requested resource",
	       "client-go's generic 404 text");

	const char *cm = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
			 "\"metadata\":{\"name\":\"made\"},"
			 "\"data\":{\"k\":\"v\"}}";
	o = NULL;
	r = req(c, "POST", CM_DEMO, cm, &o, &e);
	is_int(r, 0, "create with POST");
	is_str(json_str(o, "data.k"), "v", "created object returned");
	cJSON_Delete(o);
	r = req(c, "POST", CM_DEMO, cm, NULL, &e);
	is_int(r, -PD_ECONFLICT, "create twice is a conflict");
	is_int(e.http_status, 409, "http_status 409");
	is_str(e.msg, "configmaps \"made\" already exists",
	       "already exists text");
	r = req_patch(c, CM_DEMO "/made", "{\"data\":{\"k\":\"w\"}}", &e);
	is_int(r, 0, "merge patch");
	o = NULL;
	r = req(c, "GET", CM_DEMO "/made", NULL, &o, &e);
	is_str(json_str(o, "data.k"), "w", "the patch applied");
	cJSON_Delete(o);
	r = req(c, "DELETE", CM_DEMO "/made", NULL, NULL, &e);
	is_int(r, 0, "delete");

	/* pagination */
	cJSON *list = NULL;
	memset(&e, 0, sizeof(e));
	r = kube_list(c, CM_BULK, NULL, &list, &e);
	is_int(r, 0, "list 1200 configmaps");
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(list, "items");
	is_int(cJSON_GetArraySize(items), 1200, "all pages' items");
	ok(json_str(list, "metadata.resourceVersion") != NULL,
	   "the list's resourceVersion (a string)");
	ok(json_path(list, "metadata.continue") == NULL, "no continue left");
	bool distinct = true;
	int i = 0;
	cJSON_ArrayForEach(o, items) {
		char want[32];
		snprintf(want, sizeof(want), "cm-%04d", i++);
		const char *n = json_str(o, "metadata.name");
		if (!n || strcmp(n, want) != 0) {
			distinct = false;
		}
	}
	ok(distinct, "every item once, in order");
	cJSON_Delete(list);
	is_int(sim_count(s, "GET", CM_BULK, "limit=500", "continue="), 1,
	       "first page asked with limit=500");
	is_int(sim_count(s, "GET", CM_BULK, "continue=", NULL), 2,
	       "two more pages with continue");

	list = NULL;
	r = kube_list(c, CM_BULK, "labelSelector=group%3Dodd", &list, &e);
	is_int(r, 0, "list with a label selector");
	is_int(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(list,
								     "items")),
	       600, "the selector's items");
	cJSON_Delete(list);

	/* parallel */
	struct kube_call calls[5];
	memset(calls, 0, sizeof(calls));
	calls[0].path = RO_PATH "/demo-a";
	calls[1].path = CM_BULK;
	calls[1].list = true;
	calls[2].path = RO_PATH "/missing";
	calls[3].method = "GET";
	calls[3].path = "/api/v1/namespaces/demo";
	calls[4].path = "/api/v1/namespaces/demo/services";
	calls[4].list = true;
	r = kube_parallel(c, calls, 5);
	is_int(r, -PD_ENOTFOUND, "kube_parallel returns the first failure");
	is_int(calls[0].rc, 0, "parallel get");
	is_str(json_str(calls[0].out, "metadata.name"), "demo-a",
	       "parallel get result");
	is_int(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
		       calls[1].out, "items")), 1200,
	       "parallel list paginates");
	is_str(calls[2].err.msg, "rollouts.argoproj.io \"missing\" not found",
	       "parallel error message");
	is_str(json_str(calls[3].out, "metadata.name"), "demo",
	       "parallel namespace get");
	is_int(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
		       calls[4].out, "items")), 1, "parallel small list");
	for (i = 0; i < 5; i++) {
		cJSON_Delete(calls[i].out);
	}

	/* 403 on a list */
	list = NULL;
	r = kube_list(c, "/api/v1/namespaces/demo/pods", NULL, &list, &e);
	is_int(r, -PD_EAUTH, "forbidden list");
	is_int(e.http_status, 403, "http_status 403");
	ok(strncmp(e.msg, "pods is forbidden: User", 23) == 0,
	   "forbidden text: %s", e.msg);
}

/* ------------------------------------------------------------ live: retry */

static void
test_live_retry(struct sim *s, struct kube_client *c)
{
	struct pd_err e;
	int before, r;

	r = req(c, "PUT", "/sim/v1/faults",
		"{\"errorRate\":0.5,\"errorCode\":429,\"retryAfter\":1}", NULL,
		&e);
	is_int(r, 0, "set the 429 fault");
	before = sim_count(s, "GET", RO_PATH "/demo-a", NULL, NULL);
	int fails = 0;
	for (int i = 0; i < 6; i++) {
		r = req(c, "GET", RO_PATH "/demo-a", NULL, NULL, &e);
		if (r != 0) {
			fails++;
		}
	}
	is_int(fails, 0, "every GET succeeds through 429s");
	int sent = sim_count(s, "GET", RO_PATH "/demo-a", NULL, NULL) - before;
	ok(sent >= 9, "429s were retried (%d requests for 6 GETs)", sent);

	r = req(c, "PUT", "/sim/v1/faults", "{\"errorRate\":1}", NULL, &e);
	before = sim_count(s, "GET", RO_PATH "/demo-a", NULL, NULL);
	r = req(c, "GET", RO_PATH "/demo-a", NULL, NULL, &e);
	is_int(r, -PD_ERUNTIME, "429 forever fails");
	is_int(e.http_status, 429, "http_status 429");
	is_str(e.msg, "the server has received too many requests and has "
	       "asked us to try again later", "429 text");
	is_int(sim_count(s, "GET", RO_PATH "/demo-a", NULL, NULL) - before, 11,
	       "one request and 10 retries");

	r = req(c, "PUT", "/sim/v1/faults",
		"{\"errorRate\":1,\"errorCode\":500,\"retryAfter\":0}", NULL,
		&e);
	before = sim_count(s, "GET", RO_PATH "/demo-a", NULL, NULL);
	r = req(c, "GET", RO_PATH "/demo-a", NULL, NULL, &e);
	is_int(r, -PD_ERUNTIME, "500 fails");
	is_str(e.msg, "Internal error occurred: injected fault", "500 text");
	is_int(sim_count(s, "GET", RO_PATH "/demo-a", NULL, NULL) - before, 1,
	       "500 without Retry-After is not retried");

	r = req(c, "PUT", "/sim/v1/faults",
		"{\"errorRate\":1,\"errorCode\":503,\"retryAfter\":1}", NULL,
		&e);
	before = sim_count(s, "GET", RO_PATH "/demo-a", NULL, NULL);
	r = req(c, "GET", RO_PATH "/demo-a", NULL, NULL, &e);
	is_int(e.http_status, 503, "503 fails in the end");
	is_int(sim_count(s, "GET", RO_PATH "/demo-a", NULL, NULL) - before, 11,
	       "503 with Retry-After is retried");

	r = req(c, "DELETE", "/sim/v1/faults", NULL, NULL, &e);
	is_int(r, 0, "faults off");
}

/* ------------------------------------------------------------ informers */

struct tickctx {
	struct kube_client *c;
	struct informer *inf;
	int ticks;
	int phase;
	int maxticks;
	int nested_rc;
	bool changed_seen;
};

static const cJSON *
find_item(const struct informer *inf, const char *name)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, informer_items(inf)) {
		const char *n = json_str(it, "metadata.name");
		if (n && strcmp(n, name) == 0) {
			return it;
		}
	}
	return NULL;
}

static int
tick_modified(void *arg, bool changed)
{
	struct tickctx *t = arg;
	struct pd_err e;
	if (++t->ticks > t->maxticks) {
		return 2;
	}
	if (!informer_synced(t->inf)) {
		return 0;
	}
	if (t->phase == 0) {
		t->phase = 1;
		t->changed_seen = changed;
		/* a request from inside tick: the informers hold still */
		t->nested_rc = req_patch(t->c, RO_PATH "/demo-a",
			"{\"metadata\":{\"labels\":{\"touched\":\"yes\"}}}",
			&e);
		return t->nested_rc < 0 ? 3 : 0;
	}
	const cJSON *ro = find_item(t->inf, "demo-a");
	const char *v = json_str(ro, "metadata.labels.touched");
	return v && strcmp(v, "yes") == 0 ? 1 : 0;
}

static int
tick_synced(void *arg, bool changed)
{
	struct tickctx *t = arg;
	if (++t->ticks > t->maxticks) {
		return 2;
	}
	return informer_synced(t->inf) ? 1 : 0;
}

static int
tick_count(void *arg, bool changed)
{
	struct tickctx *t = arg;
	if (++t->ticks > t->maxticks) {
		return 2;
	}
	return cJSON_GetArraySize(informer_items(t->inf)) >= t->phase
		       ? 1 : 0;
}

static char *
cm_body(const char *name, const char *set)
{
	return xasprintf("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
			 "\"metadata\":{\"name\":\"%s\",\"labels\":"
			 "{\"set\":\"%s\"}}}", name, set);
}

static int
create_cm(struct kube_client *c, const char *name, const char *set)
{
	struct pd_err e;
	char *b = cm_body(name, set);
	int r = req(c, "POST", CM_DEMO, b, NULL, &e);
	free(b);
	if (r < 0) {
		printf("# create %s: %s\n", name, e.msg);
	}
	return r;
}

static int
tick_expire(void *arg, bool changed)
{
	struct tickctx *t = arg;
	if (++t->ticks > t->maxticks) {
		return 2;
	}
	if (!informer_synced(t->inf)) {
		return 0;
	}
	if (t->phase == 0) {
		t->phase = 1;
		t->nested_rc = create_cm(t->c, "wexp-1", "wexp");
		return 0;
	}
	return find_item(t->inf, "wexp-1") ? 1 : 0;
}

static int
tick_drop(void *arg, bool changed)
{
	struct tickctx *t = arg;
	static const char *const names[] = { "drop-c", "drop-a", "drop-b" };
	if (++t->ticks > t->maxticks) {
		return 2;
	}
	if (!informer_synced(t->inf)) {
		return 0;
	}
	if (t->phase > 0 && !find_item(t->inf, names[t->phase - 1])) {
		return 0;
	}
	if (t->phase == 3) {
		return 1;
	}
	if (create_cm(t->c, names[t->phase], "drop") < 0) {
		return 3;
	}
	t->phase++;
	return 0;
}

static void
test_live_informers(struct sim *s, struct kube_client *c)
{
	struct pd_err e;
	struct tickctx t;
	int r;

	/* MODIFIED after a PATCH made from inside tick */
	memset(&t, 0, sizeof(t));
	t.c = c;
	t.maxticks = 400;
	t.inf = informer_new(c, RO_PATH, NULL);
	memset(&e, 0, sizeof(e));
	r = informer_run(&t.inf, 1, 50, tick_modified, &t, NULL, &e);
	is_int(r, 1, "informer sees the MODIFIED after a PATCH (%s)", e.msg);
	is_int(t.nested_rc, 0, "a request from inside tick works");
	ok(t.changed_seen, "the first synced tick says changed");
	ok(informer_synced(t.inf), "informer synced");
	is_int(sim_count(s, "GET", RO_PATH, NULL, "watch="), 1,
	       "one LIST for the informer");
	ok(sim_count(s, "GET", RO_PATH, "watch=true", NULL) >= 1,
	   "then a WATCH");
	ok(sim_count(s, "GET", RO_PATH, "allowWatchBookmarks=true", NULL) >=
		   1 &&
	   sim_count(s, "GET", RO_PATH, "timeoutSeconds=", NULL) >= 1,
	   "the watch asks for bookmarks and a timeout");
	informer_free(t.inf);

	/* ordering across namespaces */
	memset(&t, 0, sizeof(t));
	t.maxticks = 400;
	t.inf = informer_new(c, "/api/v1/configmaps", NULL);
	r = informer_run(&t.inf, 1, 50, tick_synced, &t, NULL, &e);
	is_int(r, 1, "informer over all namespaces syncs");
	const cJSON *prev = NULL, *it;
	bool sorted = true;
	int n = 0;
	cJSON_ArrayForEach(it, informer_items(t.inf)) {
		if (prev) {
			char a[300], b[300];
			snprintf(a, sizeof(a), "%s/%s",
				 json_str(prev, "metadata.namespace"),
				 json_str(prev, "metadata.name"));
			snprintf(b, sizeof(b), "%s/%s",
				 json_str(it, "metadata.namespace"),
				 json_str(it, "metadata.name"));
			if (strcmp(a, b) >= 0) {
				sorted = false;
			}
		}
		prev = it;
		n++;
	}
	ok(n >= 1201 && sorted, "items ordered by namespace/name (%d)", n);
	informer_free(t.inf);

	/* 410 from history: sync, write three times, resume */
	memset(&t, 0, sizeof(t));
	t.maxticks = 400;
	t.inf = informer_new(c, CM_DEMO, "labelSelector=set%3Dh410");
	r = informer_run(&t.inf, 1, 50, tick_synced, &t, NULL, &e);
	is_int(r, 1, "informer synced (empty)");
	create_cm(c, "h410-c", "h410");
	create_cm(c, "h410-a", "h410");
	create_cm(c, "h410-b", "h410");
	t.ticks = 0;
	t.phase = 3;
	r = informer_run(&t.inf, 1, 50, tick_count, &t, NULL, &e);
	is_int(r, 1, "resumed informer sees the three objects");
	ok(sim_count(s, "GET", CM_DEMO, "set%3Dh410", "watch=") >= 2 ||
	   sim_count(s, "GET", CM_DEMO, "set=h410", "watch=") >= 2,
	   "410 Expired (--history 1) made it re-list");
	ok(items_names(informer_items(t.inf), "h410-a,h410-b,h410-c"),
	   "re-listed items in order");
	informer_free(t.inf);

	/* every resumed watch expires: only re-lists bring news */
	r = req(c, "PUT", "/sim/v1/faults", "{\"watchExpire\":true}", NULL,
		&e);
	memset(&t, 0, sizeof(t));
	t.c = c;
	t.maxticks = 400;
	t.inf = informer_new(c, CM_DEMO, "labelSelector=set%3Dwexp");
	r = informer_run(&t.inf, 1, 50, tick_expire, &t, NULL, &e);
	is_int(r, 1, "in-stream 410 re-lists (watchExpire)");
	int lists = sim_count(s, "GET", CM_DEMO, "set%3Dwexp", "watch=") +
		    sim_count(s, "GET", CM_DEMO, "set=wexp", "watch=");
	ok(lists >= 2, "more than one LIST (%d)", lists);
	informer_free(t.inf);
	req(c, "DELETE", "/sim/v1/faults", NULL, NULL, &e);

	/* streams cut after every event: re-watch from the last RV */
	r = req(c, "PUT", "/sim/v1/faults", "{\"watchDropAfter\":1}", NULL,
		&e);
	memset(&t, 0, sizeof(t));
	t.c = c;
	t.maxticks = 400;
	t.inf = informer_new(c, CM_DEMO, "labelSelector=set%3Ddrop");
	r = informer_run(&t.inf, 1, 50, tick_drop, &t, NULL, &e);
	is_int(r, 1, "informer survives cut streams");
	ok(items_names(informer_items(t.inf), "drop-a,drop-b,drop-c"),
	   "watched items inserted in order");
	lists = sim_count(s, "GET", CM_DEMO, "set%3Ddrop", "watch=") +
		sim_count(s, "GET", CM_DEMO, "set=drop", "watch=");
	is_int(lists, 1, "no re-list after a cut stream");
	informer_free(t.inf);
	req(c, "DELETE", "/sim/v1/faults", NULL, NULL, &e);

	/* 403 on a LIST stops the loop at once (DELETE cleared --forbid) */
	r = req(c, "PUT", "/sim/v1/faults", "{\"forbid\":[\"list:pods\"]}",
		NULL, &e);
	is_int(r, 0, "forbid list:pods again");
	struct informer *infs[2];
	memset(&t, 0, sizeof(t));
	t.maxticks = 400;
	infs[0] = informer_new(c, RO_PATH, NULL);
	infs[1] = informer_new(c, "/api/v1/namespaces/demo/pods", NULL);
	t.inf = infs[0];
	memset(&e, 0, sizeof(e));
	r = informer_run(infs, 2, 60000, tick_count, &t, NULL, &e);
	is_int(r, -PD_EAUTH, "forbidden LIST fails the informers");
	is_int(e.http_status, 403, "with http_status 403");
	ok(strncmp(e.msg, "pods is forbidden", 17) == 0, "and the Status "
	   "message: %s", e.msg);
	is_int(t.ticks, 0, "at once");
	informer_free(infs[0]);
	informer_free(infs[1]);

	/* stop flag */
	volatile int stop = 1;
	memset(&t, 0, sizeof(t));
	t.maxticks = 400;
	t.inf = informer_new(c, RO_PATH, NULL);
	r = informer_run(&t.inf, 1, 50, tick_count, &t, &stop, &e);
	is_int(r, -PD_ETIMEOUT, "*stop ends the loop");
	informer_free(t.inf);
}

/* ------------------------------------------------------------ live: TLS */

static void
cfg_set(char **field, const char *v)
{
	free(*field);
	*field = v ? xstrdup(v) : NULL;
}

static int
one_get(const struct kube_config *cfg, struct pd_err *e)
{
	memset(e, 0, sizeof(*e));
	struct kube_client *c = kube_client_new(cfg, UA, e);
	if (!c) {
		return -e->code;
	}
	int r = kube_request(c, "GET", "/api/v1/namespaces/demo", NULL, NULL,
			     NULL, e);
	kube_client_free(c);
	return r;
}

static void
test_live_tls(struct sim *s)
{
	struct kube_config cfg;
	struct pd_err e;
	char hp[64], want[600];
	snprintf(hp, sizeof(hp), "127.0.0.1:%d", s->portn);

	if (sim_load(s, &cfg) < 0) {
		ok(0, "load the TLS kubeconfig");
		return;
	}
	ok(cfg.tls && cfg.ca_pem.len > 0, "TLS kubeconfig with CA data");
	is_int(one_get(&cfg, &e), 0, "GET over TLS with the token");

	char *good = xstrdup(cfg.token);
	cfg_set(&cfg.token, "wrong");
	int r = one_get(&cfg, &e);
	is_int(r, -PD_EAUTH, "wrong token is refused");
	is_int(e.http_status, 401, "http_status 401");
	is_str(e.msg, "Unauthorized", "401 Status message");

	char tf[PATH_MAX + 128];
	snprintf(tf, sizeof(tf), "%s/token", s->dir);
	test_write(tf, "\n  ");
	cfg_set(&cfg.token_file, tf);
	r = one_get(&cfg, &e);
	is_int(r, -PD_EAUTH, "an empty token file is an error");
	ok(strncmp(e.msg, "read empty token from file", 26) == 0,
	   "empty token file text: %s", e.msg);
	char *line = xasprintf("%s\n", good);
	test_write(tf, line);
	free(line);
	r = one_get(&cfg, &e);
	is_int(r, 0, "the token file wins over the token (%s)", e.msg);
	/* the file wins even over a good token (--token GOOD with a
	 * tokenFile holding a bad one: 401, as kubectl 1.32) */
	test_write(tf, "bad-from-file\n");
	cfg_set(&cfg.token, good);
	r = one_get(&cfg, &e);
	is_int(r, -PD_EAUTH, "a readable token file wins over a good token");
	is_int(e.http_status, 401, "the file's bad token: 401");
	/* a token file that is not there: the token is the fallback, and
	 * without one it is not found (3), keeping the message */
	char *gone = xasprintf("%s/no-such-token", s->dir);
	cfg_set(&cfg.token_file, gone);
	r = one_get(&cfg, &e);
	is_int(r, 0, "a missing token file falls back to the token (%s)",
	       e.msg);
	cfg_set(&cfg.token, NULL);
	r = one_get(&cfg, &e);
	is_int(r, -PD_ENOTFOUND, "a missing token file, no token: not found");
	ok(strncmp(e.msg, "failed to read token file", 25) == 0 &&
	   strstr(e.msg, gone) != NULL, "missing token file text: %s", e.msg);
	free(gone);
	cfg_set(&cfg.token_file, NULL);
	cfg_set(&cfg.token, good);

	struct buf ca = cfg.ca_pem;
	buf_init(&cfg.ca_pem, 0);
	r = one_get(&cfg, &e);
	is_int(r, -PD_ERUNTIME, "unknown CA fails");
	snprintf(want, sizeof(want), "TLS verification failed for %s: ", hp);
	ok(strncmp(e.msg, want, strlen(want)) == 0, "TLS text: %s", e.msg);
	ok(!strstr(e.msg, good), "no token in the message");
	cfg.insecure = true;
	is_int(one_get(&cfg, &e), 0, "insecure skips verification");
	cfg.insecure = false;
	buf_release(&cfg.ca_pem);
	cfg.ca_pem = ca;

	cfg_set(&cfg.tls_server_name, "localhost");
	r = one_get(&cfg, &e);
	is_int(r, 0, "tls-server-name via CONNECT_TO (%s)", e.msg);
	cfg_set(&cfg.tls_server_name, "wrong.example");
	r = one_get(&cfg, &e);
	ok(r == -PD_ERUNTIME && strncmp(e.msg, want, strlen(want)) == 0,
	   "a wrong tls-server-name fails verification: %s", e.msg);
	cfg_set(&cfg.tls_server_name, NULL);

	/* the exec plugin */
	char count[PATH_MAX + 128], info[PATH_MAX + 128];
	char script[PATH_MAX + 128];
	snprintf(count, sizeof(count), "%s/plugin-runs", s->dir);
	snprintf(info, sizeof(info), "%s/plugin-info", s->dir);
	snprintf(script, sizeof(script), "%s/exec-plugin.sh", data_dir);
	cfg_set(&cfg.token, NULL);
	struct kube_exec *x = xcalloc(1, sizeof(*x));
	x->api_version = xstrdup("client.authentication.k8s.io/v1");
	x->command = xstrdup("/bin/sh");
	x->args = xcalloc(2, sizeof(char *));
	x->args[0] = xstrdup(script);
	x->env = xcalloc(4, sizeof(char *));
	x->env[0] = xasprintf("PLUGIN_TOKEN=%s", good);
	x->env[1] = xasprintf("PLUGIN_COUNT=%s", count);
	x->env[2] = xasprintf("PLUGIN_INFO_OUT=%s", info);
	x->interactive_mode = xstrdup("Never");
	x->provide_cluster_info = true;
	x->cluster_config = xstrdup("{\"audience\":\"demo-aud\"}");
	cfg.exec = x;

	struct kube_client *c = kube_client_new(&cfg, UA, &e);
	int fails = 0;
	for (int i = 0; i < 3; i++) {
		memset(&e, 0, sizeof(e));
		if (kube_request(c, "GET", "/api/v1/namespaces/demo", NULL,
				 NULL, NULL, &e) < 0) {
			fails++;
			printf("# %s\n", e.msg);
		}
	}
	is_int(fails, 0, "requests with the exec plugin's token");
	struct kube_call calls[3];
	memset(calls, 0, sizeof(calls));
	calls[0].path = calls[1].path = calls[2].path =
		"/api/v1/namespaces/demo";
	is_int(kube_parallel(c, calls, 3), 0, "parallel with exec");
	for (int i = 0; i < 3; i++) {
		cJSON_Delete(calls[i].out);
	}
	is_int(test_lines(count), 1, "the plugin ran once for 6 requests");
	kube_client_free(c);

	struct buf got = BUF_INIT, b64 = BUF_INIT;
	buf_read_file(&got, info);
	base64_encode(&b64, cfg.ca_pem.buf, cfg.ca_pem.len);
	char *exp = xasprintf("{\"kind\":\"ExecCredential\",\"apiVersion\":"
			      "\"client.authentication.k8s.io/v1\",\"spec\":"
			      "{\"cluster\":{\"server\":\"https://%s\","
			      "\"certificate-authority-data\":\"%s\","
			      "\"config\":{\"audience\":\"demo-aud\"}},"
			      "\"interactive\":false}}", hp, b64.buf);
	is_str(got.buf, exp, "KUBERNETES_EXEC_INFO");
	free(exp);
	buf_release(&got);
	buf_release(&b64);

	/* a 401 re-runs the plugin once and retries once */
	unlink(count);
	free(x->env[2]);
	x->env[2] = xstrdup("PLUGIN_BAD_FIRST=1");
	c = kube_client_new(&cfg, UA, &e);
	memset(&e, 0, sizeof(e));
	r = kube_request(c, "GET", "/api/v1/namespaces/demo", NULL, NULL,
			 NULL, &e);
	is_int(r, 0, "a 401 refreshes the exec credential (%s)", e.msg);
	r = kube_request(c, "GET", "/api/v1/namespaces/demo", NULL, NULL,
			 NULL, &e);
	is_int(test_lines(count), 2, "the plugin ran twice in all");
	kube_client_free(c);

	/* an expired credential runs the plugin for each request */
	unlink(count);
	free(x->env[2]);
	x->env[2] = xstrdup("PLUGIN_EXP=2001-02-03T04:05:06Z");
	c = kube_client_new(&cfg, UA, &e);
	kube_request(c, "GET", "/api/v1/namespaces/demo", NULL, NULL, NULL,
		     &e);
	kube_request(c, "GET", "/api/v1/namespaces/demo", NULL, NULL, NULL,
		     &e);
	is_int(test_lines(count), 2, "an expired credential is not cached");
	kube_client_free(c);

	free(x->env[2]);
	x->env[2] = xstrdup("PLUGIN_API=client.authentication.k8s.io/v1beta1");
	r = one_get(&cfg, &e);
	is_str(e.msg, "getting credentials: exec plugin is configured to use "
	       "API version client.authentication.k8s.io/v1, plugin returned "
	       "version client.authentication.k8s.io/v1beta1",
	       "apiVersion mismatch text");
	ok(!strstr(e.msg, good), "the plugin's output is not in the message");

	free(x->command);
	x->command = xstrdup("/nonexistent/kubectl-auth");
	x->install_hint = xstrdup("install it with\napt install auth");
	r = one_get(&cfg, &e);
	is_int(r, -PD_EAUTH, "missing plugin binary");
	is_str(e.msg, "getting credentials: exec: executable "
	       "/nonexistent/kubectl-auth not found; install it with apt "
	       "install auth", "missing binary text with the installHint");

	free(x->command);
	x->command = xstrdup("/bin/sh");
	free(x->args[0]);
	x->args[0] = xstrdup("-c");
	x->args = xrealloc(x->args, 3 * sizeof(char *));
	x->args[1] = xstrdup("exit 3");
	x->args[2] = NULL;
	r = one_get(&cfg, &e);
	is_str(e.msg, "getting credentials: exec: executable /bin/sh failed "
	       "with exit code 3", "plugin exit code text");

	free(good);
	kubeconfig_release(&cfg);
}

static void
test_live_cert(struct sim *s)
{
	struct kube_config cfg;
	struct pd_err e;
	if (sim_load(s, &cfg) < 0) {
		ok(0, "load the client-cert kubeconfig");
		return;
	}
	ok(cfg.client_cert_pem.len > 0 && cfg.client_key_pem.len > 0,
	   "kubeconfig with a client certificate");
	is_int(one_get(&cfg, &e), 0, "GET with a client certificate (%s)",
	       e.msg);
	buf_release(&cfg.client_cert_pem);
	buf_release(&cfg.client_key_pem);
	int r = one_get(&cfg, &e);
	ok(r < 0, "refused without the certificate: %s", e.msg);
	kubeconfig_release(&cfg);
}

static void
test_refused(void)
{
	struct kube_config cfg;
	struct pd_err e;
	memset(&cfg, 0, sizeof(cfg));
	buf_init(&cfg.ca_pem, 0);
	buf_init(&cfg.client_cert_pem, 0);
	buf_init(&cfg.client_key_pem, 0);
	cfg.server = xstrdup("http://127.0.0.1:1");
	cfg.token = xstrdup("never-sent");
	int r = one_get(&cfg, &e);
	is_int(r, -PD_ERUNTIME, "connection refused");
	is_str(e.msg, "cannot connect to 127.0.0.1:1: Connection refused",
	       "connection refused text");
	is_int(e.http_status, 0, "no http_status");

	/* a dead HTTP_PROXY does not apply to loopback; a proxy-url does,
	 * and the error names it without its credentials */
	setenv("HTTP_PROXY", "http://127.0.0.1:2", 1);
	setenv("http_proxy", "http://127.0.0.1:2", 1);
	r = one_get(&cfg, &e);
	is_str(e.msg, "cannot connect to 127.0.0.1:1: Connection refused",
	       "HTTP_PROXY is not used for 127.0.0.1");
	cfg.proxy_url = xstrdup("http://user:pr0xy-pw@127.0.0.1:2");
	r = one_get(&cfg, &e);
	is_int(r, -PD_ERUNTIME, "dead proxy-url fails");
	is_str(e.msg, "cannot reach proxy 'http://127.0.0.1:2' for "
	       "http://127.0.0.1:1: Connection refused", "it names the proxy");
	ok(!strstr(e.msg, "pr0xy-pw"), "no proxy password in the message");
	unsetenv("HTTP_PROXY");
	unsetenv("http_proxy");
	kubeconfig_release(&cfg);
}

int
main(void)
{
	setenv("PDKIT_RETRY_SCALE", "0", 1);
	signal(SIGPIPE, SIG_IGN);
	test_find_paths();
	snprintf(tmp_dir, sizeof(tmp_dir), "%s/test-kube.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp_dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}

	test_decoder();
	test_paths();
	test_refused();

	if (access(sim_path, X_OK) != 0 || !data_dir[0]) {
		/* meson test always sets ROLLOUTS_SIM: then a missing one fails */
		const char *set = getenv("ROLLOUTS_SIM");
		if (set && *set) {
			ok(0, "ROLLOUTS_SIM ('%s') is an executable, with the test data", set);
		} else {
			ok(1, "live tests # SKIP rollouts-sim not found (set "
			   "ROLLOUTS_SIM)");
		}
		test_rm_rf(tmp_dir);
		return done_testing();
	}
	test_make_bulk();

	struct sim plain, tls, cert;
	const char *const plain_args[] = { "--history", "1", "--forbid",
					   "list:pods", NULL };
	if (sim_start(&plain, "plain", plain_args) == 0) {
		struct kube_config cfg;
		struct pd_err e;
		if (sim_load(&plain, &cfg) == 0) {
			struct kube_client *c = kube_client_new(&cfg, UA, &e);
			ok(c != NULL, "client for the plain sim");
			if (c) {
				test_live_basic(&plain, c);
				test_live_retry(&plain, c);
				test_live_informers(&plain, c);
			}
			kube_client_free(c);
			kubeconfig_release(&cfg);
		}
		sim_stop(&plain);
	} else {
		ok(0, "start rollouts-sim");
	}

	const char *const tls_args[] = { "--tls", "--token", "s3cret", NULL };
	if (sim_start(&tls, "tls", tls_args) == 0) {
		test_live_tls(&tls);
		sim_stop(&tls);
	} else {
		ok(0, "start rollouts-sim --tls");
	}

	const char *const cert_args[] = { "--tls", "--client-cert", NULL };
	if (sim_start(&cert, "cert", cert_args) == 0) {
		test_live_cert(&cert);
		sim_stop(&cert);
	} else {
		ok(0, "start rollouts-sim --client-cert");
	}

	test_rm_rf(tmp_dir);
	return done_testing();
}
