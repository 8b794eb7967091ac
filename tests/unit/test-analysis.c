/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for rollouts-sim's AnalysisRun engine: Argo's analysis
 * tutorial driven by a scripted provider at given times (measurement
 * cadence, limits, phases, messages, runSummary, termination), then
 * templates and args. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "analysis.h"
#include "json.h"

#define T0 1700000000000LL /* 2023-11-14T22:13:20Z */

/* The analysis tutorial's template (two Prometheus metrics). */
static const char tutorial[] =
	"{\"apiVersion\": \"argoproj.io/v1alpha1\","
	" \"kind\": \"AnalysisTemplate\","
	" \"metadata\": {\"name\": \"success-rate\"},"
	" \"spec\": {"
	"  \"args\": [{\"name\": \"service-name\"},"
	"            {\"name\": \"prometheus-port\", \"value\": \"9090\"}],"
	"  \"metrics\": ["
	"   {\"name\": \"success-rate\", \"interval\": \"10s\","
	"    \"successCondition\": \"result[0] >= 0.8\","
	"    \"failureCondition\": \"result[0] < 0.8\","
	"    \"failureLimit\": 3,"
	"    \"provider\": {\"prometheus\": {"
	"      \"address\": \"http://prometheus:{{args.prometheus-port}}\","
	"      \"query\": \"sum(irate(istio_requests_total{destination_service"
	"=~\\\"{{args.service-name}}\\\",response_code!~\\\"5.*\\\"}[5m]))\""
	"    }}},"
	"   {\"name\": \"latency\", \"interval\": \"10s\","
	"    \"successCondition\": \"result[0] <= 1000\","
	"    \"failureCondition\": \"result[0] > 1000\","
	"    \"failureLimit\": 3,"
	"    \"provider\": {\"prometheus\": {"
	"      \"address\": \"http://prometheus:{{ args.prometheus-port }}\","
	"      \"query\": \"histogram_quantile(0.99, {{args.service-name}})\""
	"    }}}"
	"  ]}}";

/* A scripted provider: values per metric, errors, empty vectors. */
struct script {
	double sr;           /* success-rate (and any other metric) */
	double lat;          /* latency */
	int errors;          /* that many measurements fail first */
	bool empty;          /* an empty vector */
	bool scalar;         /* a bare number, not a vector */
	int calls;
	char query[256];     /* the last query seen */
};

static int
script_measure(void *arg, const cJSON *run, const cJSON *metric,
	       cJSON **value, struct buf *msg)
{
	struct script *s = arg;
	const char *name = json_str(metric, "name");
	const char *q = json_str(metric, "provider.prometheus.query");
	(void)run;
	s->calls++;
	snprintf(s->query, sizeof(s->query), "%s", q ? q : "");
	if (s->errors > 0) {
		s->errors--;
		buf_adds(msg, "connection refused");
		return -1;
	}
	double v = name && strcmp(name, "latency") == 0 ? s->lat : s->sr;
	if (s->scalar) {
		*value = cJSON_CreateNumber(v);
		return 0;
	}
	*value = cJSON_CreateArray();
	if (!s->empty) {
		cJSON_AddItemToArray(*value, cJSON_CreateNumber(v));
	}
	return 0;
}

/* A run from templates (a JSON array) and args, as the controller makes. */
static cJSON *
new_run(const char *templates_json, const char *args_json)
{
	struct buf err = BUF_INIT;
	cJSON *tpls = cJSON_Parse(templates_json);
	cJSON *args = cJSON_Parse(args_json);
	cJSON *spec = analysis_spec_from_templates(tpls, args, &err);
	if (!spec) {
		printf("# spec: %s\n", err.buf);
	}
	buf_release(&err);
	cJSON_Delete(tpls);
	cJSON_Delete(args);
	cJSON *run = cJSON_CreateObject();
	cJSON_AddStringToObject(run, "apiVersion", "argoproj.io/v1alpha1");
	cJSON_AddStringToObject(run, "kind", "AnalysisRun");
	cJSON *md = cJSON_AddObjectToObject(run, "metadata");
	cJSON_AddStringToObject(md, "name", "guestbook-6c5f8c-2");
	cJSON_AddStringToObject(md, "namespace", "default");
	cJSON_AddItemToObject(run, "spec", spec ? spec : cJSON_CreateObject());
	return run;
}

static cJSON *
tutorial_run(void)
{
	char buf[sizeof(tutorial) + 4];
	snprintf(buf, sizeof(buf), "[%s]", tutorial);
	return new_run(buf, "[{\"name\": \"service-name\", "
		       "\"value\": \"guestbook-canary\"}]");
}

/* A run whose spec is given directly (metrics, args, ...). */
static cJSON *
run_with_spec(const char *spec_json)
{
	cJSON *run = cJSON_CreateObject();
	cJSON_AddStringToObject(run, "kind", "AnalysisRun");
	cJSON_AddItemToObject(run, "spec", cJSON_Parse(spec_json));
	return run;
}

static const cJSON *
result_of(const cJSON *run, const char *name)
{
	const cJSON *r;
	cJSON_ArrayForEach(r, json_path(run, "status.metricResults")) {
		const char *n = json_str(r, "name");
		if (n && strcmp(n, name) == 0) {
			return r;
		}
	}
	return NULL;
}

static int
rnum(const cJSON *run, const char *name, const char *field)
{
	return (int)json_num(result_of(run, name), field, 0);
}

static const char *
rstr(const cJSON *run, const char *name, const char *field)
{
	return json_str(result_of(run, name), field);
}

/* Field of a metric's measurement i (negative: from the end). */
static const char *
mstr(const cJSON *run, const char *name, int i, const char *field)
{
	const cJSON *ms = json_path(result_of(run, name), "measurements");
	int n = cJSON_GetArraySize(ms);
	return json_str(cJSON_GetArrayItem(ms, i < 0 ? n + i : i), field);
}

static int
nmeas(const cJSON *run, const char *name)
{
	return cJSON_GetArraySize(json_path(result_of(run, name),
					    "measurements"));
}

static const char *
phase(const cJSON *run)
{
	return json_str(run, "status.phase");
}

static void
test_tutorial_good(void)
{
	struct script s = { .sr = 0.9975, .lat = 250 };
	struct analysis_provider p = { script_measure, &s, 0 };
	cJSON *run = tutorial_run();
	long long next = -1;

	ok(analysis_reconcile(run, T0, &p, &next), "first reconcile changes");
	is_str(phase(run), "Running", "good: Running");
	is_str(json_str(run, "status.startedAt"), "2023-11-14T22:13:20Z",
	       "startedAt is now");
	is_int(next, T0 + 10000, "next measurement in 10s");
	is_int(s.calls, 2, "both metrics measured");
	ok(strstr(s.query, "guestbook-canary") != NULL,
	   "provider sees the resolved query");
	ok(strstr(rstr(run, "success-rate",
			"metadata.ResolvedPrometheusQuery"),
		  "guestbook-canary") != NULL,
	   "metadata.ResolvedPrometheusQuery, as Argo's provider sets");
	is_int(rnum(run, "success-rate", "successful"), 1, "1 successful");
	is_str(rstr(run, "success-rate", "phase"), "Running",
	       "metric Running");
	is_str(mstr(run, "success-rate", 0, "phase"), "Successful",
	       "measurement Successful");
	is_str(mstr(run, "success-rate", 0, "value"), "[0.9975]",
	       "vector value as Argo writes it");
	is_str(mstr(run, "success-rate", 0, "finishedAt"),
	       "2023-11-14T22:13:20Z", "finishedAt");
	is_str(mstr(run, "latency", 0, "value"), "[250]", "latency value");
	is_int(json_num(run, "status.runSummary.count", 0), 2,
	       "runSummary.count");
	ok(!json_path(run, "status.completedAt") &&
	   !json_path(run, "status.message"), "no completedAt, no message");
	ok(cJSON_IsObject(json_path(run, "status.dryRunSummary")),
	   "dryRunSummary present (empty)");

	ok(!analysis_reconcile(run, T0 + 5000, &p, &next),
	   "nothing due at 5s");
	is_int(next, T0 + 10000, "still due at 10s");
	is_int(s.calls, 2, "no measurement at 5s");
	ok(analysis_reconcile(run, T0 + 10000, &p, &next), "due at 10s");
	is_int(rnum(run, "success-rate", "successful"), 2, "2 successful");
	is_int(rnum(run, "latency", "count"), 2, "latency count 2");
	is_int(next, T0 + 20000, "next at 20s");

	for (long long t = T0 + 20000; t <= T0 + 120000; t += 10000) {
		analysis_reconcile(run, t, &p, &next);
	}
	is_str(phase(run), "Running", "background analysis keeps running");
	is_int(rnum(run, "success-rate", "successful"), 13, "13 successful");
	is_int(rnum(run, "success-rate", "consecutiveSuccess"), 13,
	       "consecutiveSuccess 13");
	is_int(nmeas(run, "success-rate"), 10,
	       "measurement history trimmed to 10");
	is_str(mstr(run, "success-rate", -1, "startedAt"),
	       "2023-11-14T22:15:20Z", "latest measurement kept");

	cJSON_AddTrueToObject(json_path(run, "spec"), "terminate");
	ok(analysis_reconcile(run, T0 + 125000, &p, &next), "terminate");
	is_str(phase(run), "Successful", "terminated: Successful");
	is_str(json_str(run, "status.message"), "Run Terminated",
	       "message Run Terminated");
	is_str(json_str(run, "status.completedAt"), "2023-11-14T22:15:25Z",
	       "completedAt");
	is_str(rstr(run, "success-rate", "phase"), "Successful",
	       "metric Successful");
	is_int(json_num(run, "status.runSummary.successful", 0), 2,
	       "runSummary.successful 2");
	is_int(next, 0, "next 0 once complete");
	is_int(s.calls, 26, "no measurement on terminate");
	ok(!analysis_reconcile(run, T0 + 200000, &p, &next) && next == 0,
	   "a completed run does not change");
	cJSON_Delete(run);
}

static void
test_tutorial_bad(void)
{
	struct script s = { .sr = 0.42, .lat = 250 };
	struct analysis_provider p = { script_measure, &s, 0 };
	cJSON *run = tutorial_run();
	long long next = 0;

	for (int i = 0; i < 3; i++) {
		analysis_reconcile(run, T0 + i * 10000LL, &p, &next);
	}
	is_str(phase(run), "Running", "3 failures: still Running");
	is_int(rnum(run, "success-rate", "failed"), 3, "failed 3");
	is_str(mstr(run, "success-rate", -1, "phase"), "Failed",
	       "measurement Failed");
	ok(analysis_reconcile(run, T0 + 30000, &p, &next), "4th failure");
	is_str(phase(run), "Failed", "4 failures: Failed");
	is_str(json_str(run, "status.message"),
	       "Metric \"success-rate\" assessed Failed due to failed (4) > "
	       "failureLimit (3)", "Argo's message");
	is_str(rstr(run, "success-rate", "phase"), "Failed",
	       "metric Failed");
	is_str(rstr(run, "latency", "phase"), "Successful",
	       "the other metric ends Successful");
	is_int(json_num(run, "status.runSummary.failed", 0), 1,
	       "runSummary.failed 1");
	is_int(json_num(run, "status.runSummary.successful", 0), 1,
	       "runSummary.successful 1");
	is_str(json_str(run, "status.completedAt"), "2023-11-14T22:13:50Z",
	       "completedAt");
	is_int(next, 0, "next 0");
	cJSON_Delete(run);
}

static void
test_count(void)
{
	struct script s = { .sr = 0.95 };
	struct analysis_provider p = { script_measure, &s, 0 };
	long long next = 0;
	cJSON *run = run_with_spec(
		"{\"metrics\": [{\"name\": \"m\", \"interval\": \"5s\","
		" \"count\": \"3\", \"successCondition\": \"result[0] > 0.9\","
		" \"provider\": {\"prometheus\": {\"query\": \"q\"}}}]}");
	analysis_reconcile(run, T0, &p, &next);
	is_int(next, T0 + 5000, "count 3, interval 5s: next at 5s");
	analysis_reconcile(run, T0 + 5000, &p, &next);
	is_str(phase(run), "Running", "2 of 3: Running");
	analysis_reconcile(run, T0 + 10000, &p, &next);
	is_str(phase(run), "Successful", "3 of 3: Successful");
	ok(!json_path(run, "status.message"), "no run message");
	is_int(rnum(run, "m", "count"), 3, "count 3");
	is_int(next, 0, "next 0");
	is_int(s.calls, 3, "3 measurements");
	cJSON_Delete(run);

	/* without interval: one measurement */
	s.calls = 0;
	run = run_with_spec(
		"{\"metrics\": [{\"name\": \"once\","
		" \"successCondition\": \"result[0] > 0.9\","
		" \"provider\": {\"prometheus\": {\"query\": \"q\"}}}]}");
	ok(analysis_reconcile(run, T0, &p, &next), "single measurement");
	is_str(phase(run), "Successful", "no interval: Successful at once");
	is_str(json_str(run, "status.completedAt"), "2023-11-14T22:13:20Z",
	       "completedAt now");
	is_int(s.calls, 1, "one measurement");
	cJSON_Delete(run);

	/* failed below failureLimit still completes Successful */
	s.sr = 0.5;
	s.calls = 0;
	run = run_with_spec(
		"{\"metrics\": [{\"name\": \"m\", \"interval\": \"5s\","
		" \"count\": 2, \"failureLimit\": \"1\","
		" \"successCondition\": \"result[0] > 0.9\","
		" \"provider\": {\"prometheus\": {\"query\": \"q\"}}}]}");
	analysis_reconcile(run, T0, &p, &next);
	analysis_reconcile(run, T0 + 5000, &p, &next);
	is_str(phase(run), "Failed", "2 failures > failureLimit \"1\"");
	is_str(json_str(run, "status.message"),
	       "Metric \"m\" assessed Failed due to failed (2) > failureLimit "
	       "(1)", "failureLimit given as a string");
	cJSON_Delete(run);
}

/* Intervals under a second keep their cadence: the status has whole
 * seconds, the engine the milliseconds (sim.pdkit.io/analysis-times). */
static void
test_subsecond(void)
{
	struct script s = { .sr = 0.95 };
	struct analysis_provider p = { script_measure, &s, 0 };
	long long next = 0;
	bool exact = true;
	cJSON *run = run_with_spec(
		"{\"metrics\": [{\"name\": \"m\", \"interval\": \"500ms\","
		" \"count\": 10, \"successCondition\": \"result[0] > 0.9\","
		" \"provider\": {\"prometheus\": {\"query\": \"q\"}}}]}");
	for (int i = 0; i < 10; i++) {
		analysis_reconcile(run, T0 + 500LL * i, &p, &next);
		if (rnum(run, "m", "count") != i + 1 || s.calls != i + 1) {
			exact = false;
			printf("# at %d ms: count %d, calls %d\n", 500 * i,
			       rnum(run, "m", "count"), s.calls);
		}
		if (i < 9 && next != T0 + 500LL * (i + 1)) {
			exact = false;
			printf("# at %d ms: next %lld\n", 500 * i, next - T0);
		}
	}
	ok(exact, "interval 500ms: one measurement every 500 ms");
	is_str(phase(run), "Successful", "10 of 10: Successful");
	is_int(rnum(run, "m", "count"), 10, "count 10");
	is_str(mstr(run, "m", -1, "finishedAt"), "2023-11-14T22:13:24Z",
	       "finishedAt in whole seconds");
	ok(!strchr(json_str(run, "status.startedAt"), '.'),
	   "startedAt in whole seconds");
	cJSON_Delete(run);

	/* --time-scale 1000: a 5s interval is 5 ms; reconciling every
	 * millisecond never measures more than count */
	struct script s2 = { .sr = 0.95 };
	struct analysis_provider fast = { script_measure, &s2, 1000 };
	int most = 0;
	run = run_with_spec(
		"{\"metrics\": [{\"name\": \"m\", \"interval\": \"5s\","
		" \"count\": 10, \"successCondition\": \"result[0] > 0.9\","
		" \"provider\": {\"prometheus\": {\"query\": \"q\"}}}]}");
	for (long long t = 0; t < 3000; t++) {
		analysis_reconcile(run, T0 + t, &fast, &next);
		if (rnum(run, "m", "count") > most) {
			most = rnum(run, "m", "count");
		}
	}
	ok(most == 10 && s2.calls == 10,
	   "time scale 1000: 10 measurements, never more than count");
	is_str(phase(run), "Successful", "time scale 1000: Successful");
	cJSON_Delete(run);
}

static void
test_inconclusive(void)
{
	struct script s = { .sr = 0.6 };
	struct analysis_provider p = { script_measure, &s, 0 };
	long long next = 0;
	cJSON *run = run_with_spec(
		"{\"metrics\": [{\"name\": \"m\", \"interval\": \"10s\","
		" \"successCondition\": \"result[0] >= 0.8\","
		" \"failureCondition\": \"result[0] < 0.5\","
		" \"provider\": {\"prometheus\": {\"query\": \"q\"}}}]}");
	analysis_reconcile(run, T0, &p, &next);
	is_str(mstr(run, "m", 0, "phase"), "Inconclusive",
	       "neither condition: Inconclusive measurement");
	is_str(phase(run), "Inconclusive", "inconclusiveLimit 0: run "
	       "Inconclusive");
	is_str(json_str(run, "status.message"),
	       "Metric \"m\" assessed Inconclusive due to inconclusive (1) > "
	       "inconclusiveLimit (0)", "inconclusive message");
	is_int(json_num(run, "status.runSummary.inconclusive", 0), 1,
	       "runSummary.inconclusive");
	cJSON_Delete(run);
}

static void
test_errors(void)
{
	struct script s = { .sr = 0.95, .errors = 100 };
	struct analysis_provider p = { script_measure, &s, 0 };
	long long next = 0;
	const char *spec =
		"{\"metrics\": [{\"name\": \"success-rate\", \"interval\": "
		"\"1m\", \"successCondition\": \"result[0] >= 0.8\","
		" \"provider\": {\"prometheus\": {\"query\": \"q\"}}}]}";
	cJSON *run = run_with_spec(spec);
	analysis_reconcile(run, T0, &p, &next);
	is_str(mstr(run, "success-rate", 0, "phase"), "Error",
	       "provider failure: Error measurement");
	is_str(mstr(run, "success-rate", 0, "message"), "connection refused",
	       "its message");
	is_int(next, T0 + 10000, "errors retry after 10s, not the interval");
	for (int i = 1; i < 4; i++) {
		analysis_reconcile(run, T0 + i * 10000LL, &p, &next);
	}
	is_str(phase(run), "Running", "4 consecutive errors: Running");
	is_int(rnum(run, "success-rate", "consecutiveError"), 4,
	       "consecutiveError 4");
	analysis_reconcile(run, T0 + 40000, &p, &next);
	is_str(phase(run), "Error", "5 consecutive errors: Error");
	is_str(json_str(run, "status.message"),
	       "Metric \"success-rate\" assessed Error due to "
	       "consecutiveErrors (5) > consecutiveErrorLimit (4): \"Error "
	       "Message: connection refused\"", "Argo's error message");
	is_str(rstr(run, "success-rate", "message"), "connection refused",
	       "metric message");
	is_int(rnum(run, "success-rate", "error"), 5, "error 5");
	is_int(rnum(run, "success-rate", "count"), 0, "errors do not count");
	cJSON_Delete(run);

	/* a success resets consecutiveError */
	s.errors = 2;
	run = run_with_spec(spec);
	analysis_reconcile(run, T0, &p, &next);
	analysis_reconcile(run, T0 + 10000, &p, &next);
	analysis_reconcile(run, T0 + 20000, &p, &next);
	is_int(rnum(run, "success-rate", "consecutiveError"), 0,
	       "consecutiveError reset");
	is_int(rnum(run, "success-rate", "error"), 2, "error stays 2");
	is_int(next, T0 + 80000, "then the 1m interval");
	cJSON_Delete(run);

	/* consecutiveErrorLimit 0: the first error ends the run */
	run = run_with_spec(
		"{\"metrics\": [{\"name\": \"m\", \"consecutiveErrorLimit\": 0,"
		" \"successCondition\": \"result[0] >= 0.8\","
		" \"provider\": {\"prometheus\": {\"query\": \"q\"}}}]}");
	s.errors = 0;
	s.empty = true;
	analysis_reconcile(run, T0, &p, &next);
	is_str(phase(run), "Error", "consecutiveErrorLimit 0");
	is_str(mstr(run, "m", 0, "message"),
	       "could not evaluate successCondition \"result[0] >= 0.8\": "
	       "metric result is nil or empty: no data returned from the "
	       "metric provider", "empty vector: Argo's message");
	ok(!mstr(run, "m", 0, "value"), "no value on an evaluation error");
	cJSON_Delete(run);
	s.empty = false;

	/* a type mismatch is an Error measurement */
	s.calls = 0;
	run = run_with_spec(
		"{\"metrics\": [{\"name\": \"m\", \"interval\": \"10s\","
		" \"successCondition\": \"result <= 1000\","
		" \"provider\": {\"prometheus\": {\"query\": \"q\"}}}]}");
	analysis_reconcile(run, T0, &p, &next);
	is_str(mstr(run, "m", 0, "message"),
	       "could not evaluate successCondition \"result <= 1000\": "
	       "invalid operation: <= (mismatched types []float64 and int)",
	       "mismatched types message");
	is_int(rnum(run, "m", "consecutiveError"), 1,
	       "counted in consecutiveError");
	cJSON_Delete(run);
}

static void
test_initial_delay(void)
{
	struct script s = { .sr = 0.95 };
	struct analysis_provider p = { script_measure, &s, 0 };
	long long next = 0;
	cJSON *run = run_with_spec(
		"{\"metrics\": [{\"name\": \"m\", \"interval\": \"10s\","
		" \"initialDelay\": \"30s\","
		" \"successCondition\": \"result[0] > 0.9\","
		" \"provider\": {\"prometheus\": {\"query\": \"q\"}}}]}");
	ok(analysis_reconcile(run, T0, &p, &next), "started");
	is_str(phase(run), "Running", "Running while delayed");
	is_int(s.calls, 0, "no measurement before initialDelay");
	is_int(next, T0 + 30000, "due at startedAt + 30s");
	ok(!analysis_reconcile(run, T0 + 29000, &p, &next),
	   "nothing at 29s");
	analysis_reconcile(run, T0 + 30000, &p, &next);
	is_int(s.calls, 1, "measured at 30s");
	is_int(next, T0 + 40000, "then every 10s");
	cJSON_Delete(run);
}

static void
test_success_limit_and_dry_run(void)
{
	struct script s = { .sr = 0.95 };
	struct analysis_provider p = { script_measure, &s, 0 };
	long long next = 0;
	cJSON *run = run_with_spec(
		"{\"metrics\": [{\"name\": \"m\", \"interval\": \"10s\","
		" \"count\": 5, \"failureLimit\": 3,"
		" \"consecutiveSuccessLimit\": 2,"
		" \"successCondition\": \"result[0] > 0.9\","
		" \"provider\": {\"prometheus\": {\"query\": \"q\"}}}]}");
	analysis_reconcile(run, T0, &p, &next);
	is_str(phase(run), "Running", "1 success of 2");
	analysis_reconcile(run, T0 + 10000, &p, &next);
	is_str(phase(run), "Successful", "consecutiveSuccessLimit reached");
	cJSON_Delete(run);

	s.sr = 0.5;
	run = run_with_spec(
		"{\"metrics\": ["
		" {\"name\": \"noisy\", \"successCondition\": \"result[0] > 0.9\","
		"  \"provider\": {\"prometheus\": {\"query\": \"q\"}}},"
		" {\"name\": \"latency\", \"successCondition\": \"result[0] < 1000\","
		"  \"provider\": {\"prometheus\": {\"query\": \"q\"}}}],"
		" \"dryRun\": [{\"metricName\": \"noi.*\"}]}");
	analysis_reconcile(run, T0, &p, &next);
	is_str(phase(run), "Successful", "a dry-run failure does not fail");
	is_str(rstr(run, "noisy", "message"),
	       "Metric assessed Failed due to failed (1) > failureLimit (0)",
	       "dry-run metric message");
	ok(cJSON_IsTrue(json_path(result_of(run, "noisy"), "dryRun")),
	   "dryRun flag");
	is_int(json_num(run, "status.dryRunSummary.failed", 0), 1,
	       "dryRunSummary.failed");
	is_int(json_num(run, "status.runSummary.count", 0), 1,
	       "runSummary counts the other metric");
	cJSON_Delete(run);
}

static void
test_spec_errors(void)
{
	struct script s = { .sr = 0.95 };
	struct analysis_provider p = { script_measure, &s, 0 };
	long long next = 0;
	cJSON *run = run_with_spec(
		"{\"metrics\": [{\"name\": \"m\", \"count\": 3,"
		" \"provider\": {\"prometheus\": {\"query\": \"q\"}}}]}");
	ok(analysis_reconcile(run, T0, &p, &next), "invalid spec");
	is_str(phase(run), "Error", "Error");
	is_str(json_str(run, "status.message"), "Analysis spec invalid: "
	       "metrics[0]: interval must be specified when count > 1",
	       "validation message");
	is_int(next, 0, "next 0");
	cJSON_Delete(run);

	run = run_with_spec(
		"{\"metrics\": [{\"name\": \"m\", \"interval\": \"10x\","
		" \"provider\": {\"prometheus\": {\"query\": \"q\"}}}]}");
	analysis_reconcile(run, T0, &p, &next);
	is_str(json_str(run, "status.message"), "Analysis spec invalid: "
	       "metrics[0]: invalid interval string: time: unknown unit "
	       "\"x\" in duration \"10x\"", "bad duration");
	cJSON_Delete(run);

	run = run_with_spec(
		"{\"metrics\": [{\"name\": \"m\","
		" \"provider\": {\"prometheus\": {\"query\": \"{{args.nope}}\"}}}],"
		" \"args\": [{\"name\": \"x\", \"value\": \"1\"}]}");
	analysis_reconcile(run, T0, &p, &next);
	is_str(json_str(run, "status.message"), "Unable to resolve metric "
	       "arguments: failed to resolve {{args.nope}}", "unknown arg");
	is_int(s.calls, 0, "nothing measured");
	cJSON_Delete(run);

	run = run_with_spec("{\"metrics\": []}");
	analysis_reconcile(run, T0, &p, &next);
	is_str(json_str(run, "status.message"), "Analysis spec invalid: no "
	       "metrics specified", "no metrics");
	cJSON_Delete(run);

	/* terminated before it ever ran */
	run = run_with_spec(
		"{\"terminate\": true, \"metrics\": [{\"name\": \"m\","
		" \"interval\": \"10s\", \"initialDelay\": \"1m\","
		" \"provider\": {\"prometheus\": {\"query\": \"q\"}}}]}");
	analysis_reconcile(run, T0, &p, &next);
	is_str(phase(run), "Successful", "terminated early: Successful");
	is_str(json_str(run, "status.message"), "Run Terminated",
	       "Run Terminated");
	cJSON_Delete(run);
}

static void
test_values(void)
{
	struct script s = { .sr = 1234.5, .scalar = true };
	struct analysis_provider p = { script_measure, &s, 0 };
	long long next = 0;
	const char *spec = "{\"metrics\": [{\"name\": \"m\","
		" \"provider\": {\"prometheus\": {\"query\": \"q\"}}}]}";
	cJSON *run = run_with_spec(spec);
	analysis_reconcile(run, T0, &p, &next);
	is_str(mstr(run, "m", 0, "value"), "1234.5", "scalar value");
	is_str(mstr(run, "m", 0, "phase"), "Successful",
	       "no conditions: Successful");
	cJSON_Delete(run);
	s.sr = 1e21;
	run = run_with_spec(spec);
	analysis_reconcile(run, T0, &p, &next);
	is_str(mstr(run, "m", 0, "value"), "1000000000000000000000",
	       "no exponent, as FormatFloat 'f'");
	cJSON_Delete(run);
	s.sr = 0.000125;
	s.scalar = false;
	run = run_with_spec(spec);
	analysis_reconcile(run, T0, &p, &next);
	is_str(mstr(run, "m", 0, "value"), "[0.000125]", "small value");
	cJSON_Delete(run);
}

/* Messages are never cut: a long interval, metric name or provider
 * error reaches the status whole. */
static void
test_long_messages(void)
{
	struct script s = { .sr = 0.95 };
	struct analysis_provider p = { script_measure, &s, 0 };
	long long next = 0;
	struct buf long_str = BUF_INIT, spec = BUF_INIT, want = BUF_INIT;
	for (int i = 0; i < 600; i++) {
		buf_addch(&long_str, (char)('a' + i % 26));
	}
	buf_addf(&spec, "{\"metrics\": [{\"name\": \"m\", \"interval\": "
		 "\"%s\", \"provider\": {\"prometheus\": {\"query\": "
		 "\"q\"}}}]}", long_str.buf);
	cJSON *run = run_with_spec(spec.buf);
	analysis_reconcile(run, T0, &p, &next);
	buf_addf(&want, "Analysis spec invalid: metrics[0]: invalid interval "
		 "string: time: invalid duration \"%s\"", long_str.buf);
	is_str(json_str(run, "status.message"), want.buf,
	       "a 600-byte interval: the whole message");
	cJSON_Delete(run);

	buf_reset(&spec);
	buf_reset(&want);
	buf_addf(&spec, "{\"metrics\": [{\"name\": \"%s\", \"provider\": "
		 "{\"prometheus\": {\"query\": \"q\"}}}, {\"name\": \"%s\","
		 " \"provider\": {\"prometheus\": {\"query\": \"q\"}}}]}",
		 long_str.buf, long_str.buf);
	run = run_with_spec(spec.buf);
	analysis_reconcile(run, T0, &p, &next);
	buf_addf(&want, "Analysis spec invalid: metrics[1]: duplicate name "
		 "'%s'", long_str.buf);
	is_str(json_str(run, "status.message"), want.buf,
	       "a duplicate 600-byte name: the whole message");
	cJSON_Delete(run);

	/* a condition error longer than any old buffer */
	buf_reset(&spec);
	buf_reset(&want);
	buf_addf(&spec, "{\"metrics\": [{\"name\": \"m\", "
		 "\"successCondition\": \"result.%s > 1\", \"provider\": "
		 "{\"prometheus\": {\"query\": \"q\"}}}]}", long_str.buf);
	s.scalar = true;
	run = run_with_spec(spec.buf);
	analysis_reconcile(run, T0, &p, &next);
	buf_addf(&want, "could not evaluate successCondition \"result.%s > "
		 "1\": type float64 has no field %s", long_str.buf,
		 long_str.buf);
	is_str(mstr(run, "m", 0, "message"), want.buf,
	       "a long condition error: the whole measurement message");
	cJSON_Delete(run);
	buf_release(&long_str);
	buf_release(&spec);
	buf_release(&want);
}

static void
test_templates(void)
{
	struct buf err = BUF_INIT;
	char buf[sizeof(tutorial) + 4];
	snprintf(buf, sizeof(buf), "[%s]", tutorial);
	cJSON *tpls = cJSON_Parse(buf);
	cJSON *args = cJSON_Parse("[{\"name\": \"service-name\", \"value\": "
				  "\"guestbook-canary\"},"
				  " {\"name\": \"unused\", \"value\": \"x\"}]");
	cJSON *spec = analysis_spec_from_templates(tpls, args, &err);
	ok(spec != NULL, "spec from the tutorial template");
	const cJSON *m0 = cJSON_GetArrayItem(json_path(spec, "metrics"), 0);
	const cJSON *m1 = cJSON_GetArrayItem(json_path(spec, "metrics"), 1);
	ok(strstr(json_str(m0, "provider.prometheus.query"),
		  "destination_service=~\"guestbook-canary\"") != NULL,
	   "{{args.service-name}} substituted");
	is_str(json_str(m1, "provider.prometheus.address"),
	       "http://prometheus:9090", "template default, spaced tag");
	is_int(cJSON_GetArraySize(json_path(spec, "args")), 2,
	       "args: the template's two");
	is_str(json_str(cJSON_GetArrayItem(json_path(spec, "args"), 0),
			"value"), "guestbook-canary", "merged arg value");
	cJSON_Delete(spec);
	cJSON_Delete(args);

	args = cJSON_Parse("[]");
	spec = analysis_spec_from_templates(tpls, args, &err);
	ok(spec == NULL, "missing arg refused");
	is_str(err.buf, "args.service-name was not resolved", "missing arg error");
	cJSON_Delete(args);

	/* the same template twice: duplicate metric names */
	cJSON_AddItemToArray(tpls, cJSON_Duplicate(cJSON_GetArrayItem(tpls, 0),
						   1));
	args = cJSON_Parse("[{\"name\": \"service-name\", \"value\": \"s\"}]");
	spec = analysis_spec_from_templates(tpls, args, &err);
	ok(spec == NULL, "duplicate metrics refused");
	is_str(err.buf, "two metrics have the same name 'success-rate'",
	       "duplicate metric error");
	cJSON_Delete(args);
	cJSON_Delete(tpls);

	/* conflicting defaults across templates */
	tpls = cJSON_Parse(
		"[{\"spec\": {\"args\": [{\"name\": \"a\", \"value\": \"1\"}],"
		"  \"metrics\": [{\"name\": \"x\"}]}},"
		" {\"spec\": {\"args\": [{\"name\": \"a\", \"value\": \"2\"}],"
		"  \"metrics\": [{\"name\": \"y\"}]}}]");
	spec = analysis_spec_from_templates(tpls, NULL, &err);
	ok(spec == NULL, "conflicting arg values refused");
	is_str(err.buf, "Argument `a` specified multiple times with different "
	       "values: '1', '2'", "conflict error");
	cJSON_Delete(tpls);

	ok(analysis_phase_completed("Successful") &&
	   analysis_phase_completed("Failed") &&
	   analysis_phase_completed("Error") &&
	   analysis_phase_completed("Inconclusive"), "completed phases");
	ok(!analysis_phase_completed("Running") &&
	   !analysis_phase_completed("Pending") &&
	   !analysis_phase_completed("") && !analysis_phase_completed(NULL),
	   "not completed phases");
	buf_release(&err);
}

int
main(void)
{
	test_tutorial_good();
	test_tutorial_bad();
	test_count();
	test_subsecond();
	test_inconclusive();
	test_errors();
	test_initial_delay();
	test_success_limit_and_dry_run();
	test_spec_errors();
	test_values();
	test_long_messages();
	test_templates();
	return done_testing();
}
