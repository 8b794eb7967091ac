/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-forge: forge-sim's pure parts: the pull request model (numbers,
 * duplicates, filters, labels, merged state, copies), URL routing, the
 * CGI header parser and git path matching, fault rules, name checks.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "forge.h"
#include "tap.h"

static struct pull
mk(const char *repo, const char *head, const char *base)
{
	struct pull p;
	memset(&p, 0, sizeof(p));
	p.repo = (char *)repo;
	p.head = (char *)head;
	p.base = (char *)base;
	p.title = (char *)"t";
	p.body = (char *)"b";
	p.author = (char *)"bot";
	return p;
}

static void
test_model(void)
{
	pulls_init();
	struct pull p = mk("o/r", "feat", "master"), out;
	long ex = 0;
	is_int(pulls_create(&p, &ex, &out), 0, "create a PR");
	is_int(out.number, 1, "the first PR of a repo is number 1");
	is_int(out.state, PULL_OPEN, "a new PR is open");
	is_str(out.head, "feat", "the copy has the head");
	pulls_release(&out);
	is_int(pulls_create(&p, &ex, NULL), -PD_ECONFLICT,
	       "a second open PR for the same head and base conflicts");
	is_int(ex, 1, "the conflict names the existing number");
	struct pull q = mk("o/r", "feat", "develop");
	is_int(pulls_create(&q, &ex, &out), 0,
	       "the same head to another base is a new PR");
	is_int(out.number, 2, "numbers count per repository");
	pulls_release(&out);
	struct pull r = mk("o/other", "feat", "master");
	pulls_create(&r, &ex, &out);
	is_int(out.number, 1, "another repository starts at 1");
	is_int(out.id, 3, "ids are global");
	pulls_release(&out);

	struct pull *v;
	size_t n = pulls_list(&(struct pulls_filter){ .repo = "o/r",
		.head = "feat", .state = PULL_OPEN }, &v);
	is_int(n, 2, "list by repo and head");
	is_int(v[0].number, 1, "listed by number");
	pulls_free_list(v, n);
	n = pulls_list(&(struct pulls_filter){ .repo = "o/r",
		.base = "develop", .state = -1 }, &v);
	is_int(n, 1, "list by base");
	pulls_free_list(v, n);

	const char *labels[] = { "a", "b", "a" };
	is_int(pulls_add_labels("o/r", 1, labels, 3), 0, "add labels");
	is_int(pulls_add_labels("o/r", 9, labels, 1), -1,
	       "labels of a missing PR");
	struct pull got;
	is_int(pulls_get("o/r", 1, &got), 0, "get a PR");
	is_int(got.nlabels, 2, "duplicate labels are skipped");
	is_str(got.labels[1], "b", "labels keep their order");
	pulls_release(&got);
	const char *rv[] = { "alice" };
	pulls_add_reviewers("o/r", 1, rv, 1);
	pulls_add_reviewers("o/r", 1, rv, 1);
	pulls_get("o/r", 1, &got);
	is_int(got.nreviewers, 1, "one reviewer, once");
	pulls_release(&got);

	char sha[41];
	memset(sha, 'a', 40);
	sha[40] = '\0';
	is_int(pulls_set_merged("o/r", 1, sha, sha), 0, "merge an open PR");
	is_int(pulls_set_merged("o/r", 1, sha, sha), -1,
	       "a merged PR cannot be merged again");
	pulls_get("o/r", 1, &got);
	is_int(got.state, PULL_MERGED, "merged state");
	is_str(got.merged_sha, sha, "merged sha kept");
	pulls_release(&got);
	is_int(pulls_create(&p, &ex, &out), 0,
	       "after the merge a new PR for the same head may open");
	is_int(out.number, 3, "and takes the next number");
	pulls_release(&out);
	is_int(pulls_get("o/r", 42, &got), -1, "get a missing PR");
	pulls_reset();
	n = pulls_list(&(struct pulls_filter){ .state = -1 }, &v);
	is_int(n, 0, "reset empties the model");
	pulls_free_list(v, n);
}

static void *
test_model_thread(void *arg)
{
	char head[32];
	for (int i = 0; i < 50; i++) {
		snprintf(head, sizeof(head), "t%d-%d", *(int *)arg, i);
		struct pull p = mk("c/c", head, "master");
		long ex;
		pulls_create(&p, &ex, NULL);
		pulls_create(&p, &ex, NULL);
	}
	return NULL;
}

static void
test_model_threads(void)
{
	pthread_t t[4];
	int ids[4] = { 0, 1, 2, 3 };
	for (int i = 0; i < 4; i++) {
		pthread_create(&t[i], NULL, test_model_thread, &ids[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
	}
	struct pull *v;
	size_t n = pulls_list(&(struct pulls_filter){ .repo = "c/c",
		.state = -1 }, &v);
	is_int(n, 200, "concurrent creates: one PR per head");
	bool distinct = true;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = i + 1; k < n; k++) {
			distinct = distinct && v[i].number != v[k].number;
		}
	}
	ok(distinct, "concurrent creates: distinct numbers");
	pulls_free_list(v, n);
	pulls_reset();
}

static void
test_route(void)
{
	char path[] = "//api/v3/repos/o/r/pulls/12/";
	char *segs[ROUTE_MAX_SEGS];
	int n = route_split(path, segs, ROUTE_MAX_SEGS);
	is_int(n, 7, "split drops empty segments");
	is_str(segs[0], "api", "first segment");
	is_str(segs[6], "12", "last segment");
	const char *cap[ROUTE_MAX_SEGS];
	ok(route_match(segs + 2, n - 2, "repos/:o/:r/pulls/:n", cap),
	   "match a pattern");
	is_str(cap[0], "o", "capture owner");
	is_str(cap[2], "12", "capture number");
	ok(!route_match(segs + 2, n - 2, "repos/:o/:r/pulls", cap),
	   "a shorter pattern does not match");
	ok(!route_match(segs + 2, n - 2, "repos/:o/:r/pulls/:n/merge", cap),
	   "a longer pattern does not match");
	ok(!route_match(segs + 2, n - 2, "repos/:o/:r/issues/:n", cap),
	   "a fixed segment must be equal");
	char many[] = "/a/b/c/d/e";
	is_int(route_split(many, segs, 3), -1, "too many segments");
	char empty[] = "/";
	is_int(route_split(empty, segs, 3), 0, "the root has none");
	long v = 0;
	ok(route_number("42", &v) && v == 42, "a number");
	ok(!route_number("042", &v), "no leading zero");
	ok(!route_number("4a", &v), "not a number");
	ok(!route_number("", &v), "empty is not a number");
	ok(!route_number("-1", &v), "negative is not a number");
}

static void
test_cgi(void)
{
	struct githttp_cgi g;
	const char *a = "Expires: Fri, 01 Jan 1980 00:00:00 GMT\r\n"
			"Content-Type: application/x-git-upload-pack-"
			"advertisement\r\n\r\nBODY";
	is_int(githttp_parse_cgi(a, strlen(a), &g), 0, "parse CRLF headers");
	is_int(g.status, 200, "no Status: is 200");
	is_str(g.ctype, "application/x-git-upload-pack-advertisement",
	       "Content-Type");
	is_int(g.nhdrs, 1, "other headers kept");
	is_str(g.hdrs[0], "Expires", "header name");
	is_str(a + g.body_off, "BODY", "body offset");
	githttp_cgi_release(&g);
	const char *b = "Status: 404 Not Found\nContent-Type: text/plain\n\n"
			"Repository not exported.\n";
	is_int(githttp_parse_cgi(b, strlen(b), &g), 0, "parse LF headers");
	is_int(g.status, 404, "Status: header");
	is_str(b + g.body_off, "Repository not exported.\n", "LF body");
	githttp_cgi_release(&g);
	const char *c = "Status: 403\r\n\r\n";
	is_int(githttp_parse_cgi(c, strlen(c), &g), 0, "status without text");
	is_int(g.status, 403, "bare status code");
	is_int(g.body_off, strlen(c), "empty body");
	githttp_cgi_release(&g);
	const char *d = "Content-Type: text/plain\r\nno end";
	is_int(githttp_parse_cgi(d, strlen(d), &g), -1,
	       "no blank line is an error");
	const char *e = "Status: abc\r\n\r\n";
	is_int(githttp_parse_cgi(e, strlen(e), &g), -1, "bad status");
	const char *f = "garbage line\r\n\r\n";
	is_int(githttp_parse_cgi(f, strlen(f), &g), -1, "no colon");

	struct buf o = BUF_INIT, nm = BUF_INIT;
	ok(githttp_match("/acme/env.git/info/refs", &o, &nm), "git path");
	is_str(o.buf, "acme", "git path owner");
	is_str(nm.buf, "env", "git path name");
	ok(!githttp_match("/acme/env/info/refs", &o, &nm), "needs .git");
	ok(!githttp_match("/acme/env.git", &o, &nm), "needs a service path");
	ok(!githttp_match("/../x.git/info/refs", &o, &nm),
	   "no dot-dot owner");
	ok(!githttp_match("/api/v3", &o, &nm), "an API path is not git");
	buf_release(&o);
	buf_release(&nm);
	ok(githttp_is_push("/a/b.git/git-receive-pack", NULL), "push POST");
	ok(githttp_is_push("/a/b.git/info/refs", "git-receive-pack"),
	   "push advertisement");
	ok(!githttp_is_push("/a/b.git/info/refs", "git-upload-pack"),
	   "fetch is not a push");
}

static void
test_faults(void)
{
	faults_init();
	long lat;
	int ra;
	is_int(faults_take("/api/v3/repos/o/r", &lat, &ra), 0, "no faults");
	faults_add(500, 2, 0, NULL);
	faults_add(429, 1, 7, NULL);
	faults_set_latency(30);
	is_int(faults_take("/o/r.git/info/refs", &lat, &ra), 0,
	       "git requests are not API requests");
	is_int(lat, 30, "latency applies");
	is_int(faults_take("/api/v3/x", &lat, &ra), 500, "first 500");
	is_int(faults_take("/api/v4/x", &lat, &ra), 500, "second 500");
	is_int(faults_take("/api/v1/x", &lat, &ra), 429, "then 429");
	is_int(ra, 7, "with its retry-after");
	is_int(faults_take("/api/v1/x", &lat, &ra), 0, "then none");
	faults_add(503, 1, 0, "/o/r.git/");
	is_int(faults_take("/api/v3/x", &lat, &ra), 0,
	       "a path rule skips other paths");
	is_int(faults_take("/o/r.git/info/refs", &lat, &ra), 503,
	       "a path rule hits its prefix");
	cJSON *j = cJSON_Parse("{\"status\":429,\"count\":1,"
			       "\"retryAfter\":3}");
	struct pd_err e = { 0 };
	is_int(faults_apply(j, &e), 0, "apply a JSON rule");
	cJSON_Delete(j);
	is_int(faults_take("/api/v3/x", &lat, &ra), 429, "JSON rule");
	is_int(ra, 3, "JSON retryAfter");
	j = cJSON_Parse("{\"status\":200}");
	is_int(faults_apply(j, &e), -PD_EUSAGE, "status 200 is refused");
	cJSON_Delete(j);
	j = cJSON_Parse("{\"latencyMs\":-1}");
	is_int(faults_apply(j, &e), -PD_EUSAGE, "negative latency");
	cJSON_Delete(j);
	faults_clear();
	is_int(faults_take("/api/v3/x", &lat, &ra), 0, "cleared");
	is_int(lat, 0, "latency cleared");
}

static void
test_names(void)
{
	ok(repos_valid_part("argocd-production"), "a plain name");
	ok(repos_valid_part("a.b_c-1"), "dots, underscores, dashes");
	ok(!repos_valid_part(".."), "dot-dot");
	ok(!repos_valid_part(".hidden"), "leading dot");
	ok(!repos_valid_part("a/b"), "slash");
	ok(!repos_valid_part("x.git"), ".git suffix");
	ok(!repos_valid_part(""), "empty");
}

int
main(void)
{
	test_model();
	test_model_threads();
	test_route();
	test_cgi();
	test_faults();
	test_names();
	return done_testing();
}
