/* SPDX-License-Identifier: Apache-2.0 */
/*
 * analysis: the AnalysisRun engine (see analysis.h), following Argo
 * Rollouts' analysis/analysis.go: reconcileAnalysisRun, generateMetricTasks,
 * runMeasurements, assessRunStatus, assessMetricStatus,
 * assessMetricFailureInconclusiveOrError, garbageCollectMeasurements and
 * calculateNextReconcileTime, with utils/evaluate's EvaluateResult and
 * utils/analysis' ValidateMetrics, dry-run and measurement-retention rules.
 *
 * Each call runs Argo's reconcile over the run, and runs it again at the
 * same time while the status keeps changing (Argo's informer re-enqueues a
 * run on every update of it), so a run whose metric failed ends in the same
 * call, as it does in Argo within milliseconds. Where the sim differs:
 * a measurement is due when now >= finishedAt + interval (Argo: strictly
 * after, which the real clock always is by the time the requeue fires);
 * times in the status are written, as metav1.Time is, to the second, and
 * the engine keeps the milliseconds of startedAt and of each metric's last
 * finishedAt in the annotation sim.pdkit.io/analysis-times (read only while
 * it agrees with the status to the second), so intervals under a second
 * (500ms, or --time-scale) keep their cadence. The status is rebuilt in
 * Argo's field order, dropping fields Argo's types do not have.
 */
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis.h"
#include "timeutil.h"
#include "buf.h"
#include "expr.h"
#include "json.h"
#include "sim.h"
#include "xalloc.h"

#define ANALYSIS_HISTORY_LIMIT 10          /* DefaultMeasurementHistoryLimit */
#define ANALYSIS_ERROR_RETRY_MS 10000LL    /* DefaultErrorRetryInterval */
#define ANALYSIS_CONSECUTIVE_ERROR_LIMIT 4 /* DefaultConsecutiveErrorLimit */
#define ANALYSIS_MAX_PASSES 5
#define ANALYSIS_NO_TIME LLONG_MIN
#define ANALYSIS_ANN_TIMES "sim.pdkit.io/analysis-times"

enum analysis_phase {
	AP_NONE, AP_PENDING, AP_RUNNING, AP_SUCCESSFUL, AP_FAILED, AP_ERROR,
	AP_INCONCLUSIVE,
};

static const char *const analysis_phase_names[] = {
	"", "Pending", "Running", "Successful", "Failed", "Error",
	"Inconclusive",
};

/* A metric of the spec, its arguments resolved and its fields parsed. */
struct analysis_metric {
	const cJSON *spec;
	const char *name;
	const char *success;
	const char *failure;
	long long interval;      /* ms, or ANALYSIS_NO_TIME */
	long long delay;         /* ms, or ANALYSIS_NO_TIME */
	long long retry;         /* the wait after an Error measurement */
	bool has_count;          /* EffectiveCount() != nil */
	int count;
	bool has_failure_limit;
	int failure_limit;
	int inconclusive_limit;
	int consecutive_error_limit;
	bool has_success_limit;
	int success_limit;
	bool dry_run;
	int retention;
};

struct analysis_summary {
	int count, successful, failed, inconclusive, error;
};

struct analysis_result {
	char *name;
	enum analysis_phase phase;
	char *message;
	cJSON *measurements;     /* owned array */
	int count, successful, failed, inconclusive, error;
	int consecutive_error, consecutive_success;
	bool dry_run;
	cJSON *metadata;         /* owned, or NULL */
	long long finished_ms;   /* the last finishedAt's ms, or NO_TIME */
};

struct analysis_state {
	enum analysis_phase phase;
	char *message;
	struct analysis_result *res;
	int nres;
	char *started_at;
	long long started_ms;    /* startedAt's ms, or ANALYSIS_NO_TIME */
	char *completed_at;
	struct analysis_summary run_summary;
	bool has_dry_summary;
	struct analysis_summary dry_summary;
};

/* Arguments by name; a NULL value is an argument given no value. */
struct analysis_args {
	const char **names;
	const char **values;
	int n;
};

bool
analysis_phase_completed(const char *phase)
{
	return phase && (strcmp(phase, "Successful") == 0 ||
			 strcmp(phase, "Failed") == 0 ||
			 strcmp(phase, "Error") == 0 ||
			 strcmp(phase, "Inconclusive") == 0);
}

static bool
analysis_done(enum analysis_phase p)
{
	return p == AP_SUCCESSFUL || p == AP_FAILED || p == AP_ERROR ||
	       p == AP_INCONCLUSIVE;
}

static enum analysis_phase
analysis_phase_parse(const char *s)
{
	for (int i = 1; s && i <= AP_INCONCLUSIVE; i++) {
		if (strcmp(s, analysis_phase_names[i]) == 0) {
			return (enum analysis_phase)i;
		}
	}
	return AP_NONE;
}

/* utils/analysis IsWorse: Successful, Running, Pending, Inconclusive,
 * Error, Failed, best to worst. */
static int
analysis_badness(enum analysis_phase p)
{
	switch (p) {
	case AP_RUNNING:
		return 1;
	case AP_PENDING:
		return 2;
	case AP_INCONCLUSIVE:
		return 3;
	case AP_ERROR:
		return 4;
	case AP_FAILED:
		return 5;
	default:
		break;
	}
	return 0;
}

/* Set err (when not NULL) to the message, replacing what it held. */
__attribute__((format(printf, 2, 3))) static void
analysis_errf(struct buf *err, const char *fmt, ...)
{
	va_list ap;
	if (!err) {
		return;
	}
	buf_reset(err);
	va_start(ap, fmt);
	buf_vaddf(err, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ time */

/* RFC 3339 at second precision, UTC, as metav1.Time marshals (clock.c's
 * formatter); the caller frees it. */
static char *
analysis_time_format(long long ms)
{
	char out[32];
	clock_rfc3339(ms, out);
	return xstrdup(out);
}

/* Milliseconds of an RFC 3339 time (whole seconds: metav1.Time has no
 * more), or ANALYSIS_NO_TIME. */
static long long
analysis_time_parse(const char *s)
{
	time_t t;
	if (!timeutil_parse(s, &t)) {
		return ANALYSIS_NO_TIME;
	}
	return (long long)t * 1000;
}

/*
 * Go's time.ParseDuration, in milliseconds (fractions of a millisecond
 * dropped). 0, or -1 with err filled as Go words it.
 */
static int
analysis_duration(const char *orig, long long *out, struct buf *err)
{
	/* timeutil's messages are a short text around the input and at most
	 * one unit taken from it: room for all, never truncated */
	size_t len = 2 * strlen(orig) + 64;
	char *why = xmalloc(len);
	why[0] = '\0';
	int rc = timeutil_parse_duration(orig, out, why, len);
	if (rc < 0) {
		analysis_errf(err, "%s", why);
	}
	free(why);
	return rc;
}

/* --------------------------------------------------------- helpers */

/* IntOrString: present?, with IntValue() (a bad string is 0). */
static bool
analysis_intstr(const cJSON *obj, const char *key, int *out)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	*out = 0;
	if (!j || cJSON_IsNull(j)) {
		return false;
	}
	if (cJSON_IsNumber(j)) {
		double d = j->valuedouble;
		*out = d > INT_MAX ? INT_MAX : d < INT_MIN ? INT_MIN : (int)d;
	} else if (cJSON_IsString(j)) {
		const char *s = j->valuestring, *p = s;
		if (*p == '+' || *p == '-') {
			p++;
		}
		if (*p < '0' || *p > '9') {
			return true;
		}
		while (*p >= '0' && *p <= '9') {
			p++;
		}
		if (!*p) {
			long v = strtol(s, NULL, 10);
			*out = v > INT_MAX || v < INT_MIN ? 0 : (int)v;
		}
	}
	return true;
}

static const char *
analysis_str(const cJSON *obj, const char *key)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(j) ? j->valuestring : NULL;
}

static int
analysis_int(const cJSON *obj, const char *key)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsNumber(j) ? (int)j->valuedouble : 0;
}

/* Go's regexp.MatchString (unanchored); a bad pattern matches nothing. */
static bool
analysis_regex_match(const char *pattern, const char *s)
{
	regex_t re;
	if (!pattern || !s || regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB)) {
		return false;
	}
	bool m = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

/* --------------------------------------------------- args resolution */

/*
 * Substitute the {{...}} tags of s as fasttemplate does for Argo: a tag
 * naming args.NAME (spaces trimmed) with a value is replaced; with
 * keep_unknown other tags stay as they are, otherwise they are an error
 * ("failed to resolve {{x}}", the last one wins as in Argo).
 */
static char *
analysis_subst(const char *s, const struct analysis_args *a,
	       bool keep_unknown, struct buf *err)
{
	struct buf b = BUF_INIT;
	bool failed = false;
	const char *p = s;
	for (;;) {
		const char *open = strstr(p, "{{");
		if (!open) {
			buf_adds(&b, p);
			break;
		}
		const char *close = strstr(open + 2, "}}");
		if (!close) {
			if (keep_unknown) {
				buf_adds(&b, p);
				break;
			}
			analysis_errf(err, "Cannot find end tag=\"}}\" in "
				      "the template=\"%s\" starting from \"%s\"",
				      s, open + 2);
			buf_release(&b);
			return NULL;
		}
		buf_add(&b, p, (size_t)(open - p));
		const char *t = open + 2, *te = close;
		while (t < te && (*t == ' ' || *t == '\t' || *t == '\n' ||
				  *t == '\r')) {
			t++;
		}
		while (te > t && (te[-1] == ' ' || te[-1] == '\t' ||
				  te[-1] == '\n' || te[-1] == '\r')) {
			te--;
		}
		const char *value = NULL;
		if ((size_t)(te - t) > 5 && strncmp(t, "args.", 5) == 0) {
			for (int i = 0; i < a->n; i++) {
				if (strlen(a->names[i]) == (size_t)(te - t - 5) &&
				    strncmp(a->names[i], t + 5,
					    (size_t)(te - t - 5)) == 0) {
					value = a->values[i];
				}
			}
		}
		if (value) {
			buf_adds(&b, value);
		} else if (keep_unknown) {
			buf_add(&b, open, (size_t)(close + 2 - open));
		} else {
			analysis_errf(err, "failed to resolve {{%.*s}}",
				      (int)(close - open - 2), open + 2);
			failed = true;
		}
		p = close + 2;
	}
	if (failed) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* Substitute in every string of the tree; 0 or -1 (err filled). */
static int
analysis_subst_tree(cJSON *node, const struct analysis_args *a,
		    bool keep_unknown, struct buf *err)
{
	int rc = 0;
	if (cJSON_IsString(node) && node->valuestring &&
	    strstr(node->valuestring, "{{")) {
		char *s = analysis_subst(node->valuestring, a, keep_unknown,
					 err);
		if (!s) {
			return -1;
		}
		cJSON_SetValuestring(node, s);
		free(s);
		return 0;
	}
	for (cJSON *c = node ? node->child : NULL; c; c = c->next) {
		if (analysis_subst_tree(c, a, keep_unknown, err) < 0) {
			rc = -1;
		}
	}
	return rc;
}

static void
analysis_args_free(struct analysis_args *a)
{
	free(a->names);
	free(a->values);
	a->names = NULL;
	a->values = NULL;
	a->n = 0;
}

/*
 * Args by name. With secrets, as getResolvedMetricsWithoutSecrets sees
 * them: a secret reference becomes "temp-for-secret" (the sim reads no
 * Secrets).
 */
static void
analysis_args_load(struct analysis_args *a, const cJSON *args, bool secrets)
{
	int n = cJSON_GetArraySize(args);
	a->names = xcalloc((size_t)n + 1, sizeof(*a->names));
	a->values = xcalloc((size_t)n + 1, sizeof(*a->values));
	a->n = 0;
	const cJSON *arg;
	cJSON_ArrayForEach(arg, args) {
		const char *name = analysis_str(arg, "name");
		if (!name) {
			continue;
		}
		a->names[a->n] = name;
		a->values[a->n] = analysis_str(arg, "value");
		if (!a->values[a->n] && secrets &&
		    json_path(arg, "valueFrom.secretKeyRef")) {
			a->values[a->n] = "temp-for-secret";
		}
		a->n++;
	}
}

/* ResolveMetricArgs over every metric: a new array, or NULL with err. */
static cJSON *
analysis_resolve_metrics(const cJSON *metrics, const cJSON *args,
			 struct buf *err)
{
	struct analysis_args a;
	cJSON *out = cJSON_CreateArray();
	const cJSON *m;
	analysis_args_load(&a, args, true);
	cJSON_ArrayForEach(m, metrics) {
		for (int i = 0; i < a.n; i++) {
			if (!a.values[i]) {
				analysis_errf(err, "argument \"%s\" was "
					      "not supplied", a.names[i]);
				goto fail;
			}
		}
		cJSON *r = cJSON_Duplicate(m, 1);
		cJSON_AddItemToArray(out, r);
		if (analysis_subst_tree(r, &a, false, err) < 0) {
			goto fail;
		}
	}
	analysis_args_free(&a);
	return out;
fail:
	analysis_args_free(&a);
	cJSON_Delete(out);
	return NULL;
}

/* ------------------------------------------------------ validation */

static const char *const analysis_providers[] = {
	"prometheus", "kayenta", "web", "datadog", "wavefront", "newRelic",
	"job", "cloudWatch", "graphite", "influxdb", "skywalking",
};

/* utils/analysis ValidateMetric. */
static int
analysis_validate_metric(const cJSON *m, struct buf *err)
{
	int count, failure_limit, success_limit, inconclusive_limit, cel;
	struct buf derr = BUF_INIT;
	long long ms;
	int rc = -1;
	analysis_intstr(m, "count", &count);
	analysis_intstr(m, "failureLimit", &failure_limit);
	analysis_intstr(m, "consecutiveSuccessLimit", &success_limit);
	analysis_intstr(m, "inconclusiveLimit", &inconclusive_limit);
	bool has_cel = analysis_intstr(m, "consecutiveErrorLimit", &cel);
	const char *interval = analysis_str(m, "interval");
	const char *delay = analysis_str(m, "initialDelay");
	if (interval && !*interval) {
		interval = NULL;
	}
	if (delay && !*delay) {
		delay = NULL;
	}
	if (success_limit < 0) {
		analysis_errf(err, "consecutiveSuccessLimit must be >= 0");
		return -1;
	}
	if (failure_limit < -1) {
		analysis_errf(err, "failureLimit must be >= 0, or -1 to "
			      "be disabled");
		return -1;
	}
	if (success_limit == 0 && failure_limit == -1) {
		analysis_errf(err, "failureLimit and "
			      "consecutiveSuccessLimit cannot both be disabled");
		return -1;
	}
	if (inconclusive_limit < 0) {
		analysis_errf(err, "inconclusiveLimit must be >= 0");
		return -1;
	}
	if (has_cel && cel < 0) {
		analysis_errf(err, "consecutiveErrorLimit must be >= 0");
		return -1;
	}
	if (count > 0) {
		if (success_limit >= 0 && failure_limit >= 0) {
			if (count < failure_limit + success_limit) {
				analysis_errf(err, "count (%d) must be >= "
					      "failureLimit + "
					      "consecutiveSuccessLimit (%d + "
					      "%d) if both >= 0", count,
					      failure_limit, success_limit);
				return -1;
			}
		} else if (success_limit >= 0 && failure_limit < 0) {
			if (count < success_limit) {
				analysis_errf(err, "count must be >= "
					      "consecutiveSuccessLimit");
				return -1;
			}
		}
		if (count < inconclusive_limit) {
			analysis_errf(err, "count must be >= "
				      "inconclusiveLimit");
			return -1;
		}
	}
	if (count > 1 && !interval) {
		analysis_errf(err, "interval must be specified when "
			      "count > 1");
		return -1;
	}
	if (interval && analysis_duration(interval, &ms, &derr) < 0) {
		analysis_errf(err, "invalid interval string: %s", derr.buf);
		goto out;
	}
	if (delay && analysis_duration(delay, &ms, &derr) < 0) {
		analysis_errf(err, "invalid startDelay string: %s", derr.buf);
		goto out;
	}
	const cJSON *prov = cJSON_GetObjectItemCaseSensitive(m, "provider");
	int nprov = 0;
	for (size_t k = 0; k < sizeof(analysis_providers) /
	     sizeof(analysis_providers[0]); k++) {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(prov,
			analysis_providers[k]);
		if (p && !cJSON_IsNull(p)) {
			nprov++;
		}
	}
	const cJSON *plugin = cJSON_GetObjectItemCaseSensitive(prov, "plugin");
	if (cJSON_IsObject(plugin)) {
		nprov += cJSON_GetArraySize(plugin);
	}
	if (nprov == 0) {
		analysis_errf(err, "no provider specified");
		goto out;
	}
	if (nprov > 1) {
		analysis_errf(err, "multiple providers specified");
		goto out;
	}
	rc = 0;
out:
	buf_release(&derr);
	return rc;
}

/* utils/analysis ValidateMetrics. */
static int
analysis_validate(const cJSON *metrics, struct buf *err)
{
	struct buf merr = BUF_INIT;
	int i = 0;
	const cJSON *m;
	if (cJSON_GetArraySize(metrics) == 0) {
		analysis_errf(err, "no metrics specified");
		return -1;
	}
	cJSON_ArrayForEach(m, metrics) {
		const char *name = analysis_str(m, "name");
		const cJSON *o;
		int j = 0;
		cJSON_ArrayForEach(o, metrics) {
			if (j >= i) {
				break;
			}
			const char *on = analysis_str(o, "name");
			if (strcmp(on ? on : "", name ? name : "") == 0) {
				analysis_errf(err, "metrics[%d]: "
					      "duplicate name '%s'", i,
					      name ? name : "");
				return -1;
			}
			j++;
		}
		if (analysis_validate_metric(m, &merr) < 0) {
			analysis_errf(err, "metrics[%d]: %s", i, merr.buf);
			buf_release(&merr);
			return -1;
		}
		i++;
	}
	buf_release(&merr);
	return 0;
}

/* GetDryRunMetrics / GetMeasurementRetentionMetrics: every rule must match
 * some metric. */
static int
analysis_rules(const cJSON *rules, const char *what, struct analysis_metric *ms,
	       int n, struct buf *err)
{
	int idx = 0;
	const cJSON *r;
	cJSON_ArrayForEach(r, rules) {
		const char *pattern = analysis_str(r, "metricName");
		int matched = 0;
		for (int i = 0; i < n; i++) {
			if (!analysis_regex_match(pattern, ms[i].name)) {
				continue;
			}
			matched++;
			if (strcmp(what, "dryRun") == 0) {
				ms[i].dry_run = true;
			} else {
				int limit = analysis_int(r, "limit");
				ms[i].retention = limit > 0 ? limit :
						  ANALYSIS_HISTORY_LIMIT;
			}
		}
		if (matched == 0) {
			analysis_errf(err, "%s[%d]: Rule didn't match any "
				      "metric name(s)", what, idx);
			return -1;
		}
		idx++;
	}
	return 0;
}

static void
analysis_metric_load(struct analysis_metric *m, const cJSON *spec)
{
	const char *interval = analysis_str(spec, "interval");
	const char *delay = analysis_str(spec, "initialDelay");
	memset(m, 0, sizeof(*m));
	m->spec = spec;
	m->name = analysis_str(spec, "name");
	if (!m->name) {
		m->name = "";
	}
	m->success = analysis_str(spec, "successCondition");
	m->failure = analysis_str(spec, "failureCondition");
	if (m->success && !*m->success) {
		m->success = NULL;
	}
	if (m->failure && !*m->failure) {
		m->failure = NULL;
	}
	m->interval = ANALYSIS_NO_TIME;
	m->delay = ANALYSIS_NO_TIME;
	if (interval && *interval &&
	    analysis_duration(interval, &m->interval, NULL) < 0) {
		m->interval = ANALYSIS_NO_TIME;
	}
	if (delay && *delay &&
	    analysis_duration(delay, &m->delay, NULL) < 0) {
		m->delay = ANALYSIS_NO_TIME;
	}
	/* EffectiveCount: count, else 1 without an interval, else none */
	int count;
	bool has = analysis_intstr(spec, "count", &count);
	if (!has || count == 0) {
		m->has_count = !(interval && *interval);
		m->count = 1;
	} else {
		m->has_count = true;
		m->count = count;
	}
	m->has_failure_limit = analysis_intstr(spec, "failureLimit",
					       &m->failure_limit);
	analysis_intstr(spec, "inconclusiveLimit", &m->inconclusive_limit);
	if (!analysis_intstr(spec, "consecutiveErrorLimit",
			     &m->consecutive_error_limit)) {
		m->consecutive_error_limit = ANALYSIS_CONSECUTIVE_ERROR_LIMIT;
	}
	m->has_success_limit = analysis_intstr(spec, "consecutiveSuccessLimit",
					       &m->success_limit);
	m->retention = ANALYSIS_HISTORY_LIMIT;
}

/* --------------------------------------------------- status in and out */

static void
analysis_summary_load(struct analysis_summary *s, const cJSON *j)
{
	s->count = analysis_int(j, "count");
	s->successful = analysis_int(j, "successful");
	s->failed = analysis_int(j, "failed");
	s->inconclusive = analysis_int(j, "inconclusive");
	s->error = analysis_int(j, "error");
}

static char *
analysis_strdup_or_null(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

/* The annotation's text on run (borrowed), or NULL. */
static const char *
analysis_times_text(const cJSON *run)
{
	const cJSON *a = json_path(run, "metadata.annotations");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, ANALYSIS_ANN_TIMES);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* An annotation's number of milliseconds, or ANALYSIS_NO_TIME. */
static long long
analysis_times_get(const cJSON *times, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(times, key);
	return cJSON_IsNumber(v) ? (long long)v->valuedouble : ANALYSIS_NO_TIME;
}

/* A status time (whole seconds) with the kept milliseconds, when they
 * fall within its second. */
static long long
analysis_precise(long long secs, long long ms)
{
	if (secs != ANALYSIS_NO_TIME && ms != ANALYSIS_NO_TIME && ms >= secs &&
	    ms < secs + 1000) {
		return ms;
	}
	return secs;
}

static void
analysis_state_load(struct analysis_state *st, const cJSON *run,
		    const cJSON *status)
{
	const char *ann = analysis_times_text(run);
	cJSON *times = ann ? cJSON_Parse(ann) : NULL;
	const cJSON *fin = cJSON_GetObjectItemCaseSensitive(times,
							   "finishedAt");
	const cJSON *results = cJSON_GetObjectItemCaseSensitive(status,
							       "metricResults");
	const cJSON *r;
	memset(st, 0, sizeof(*st));
	st->phase = analysis_phase_parse(analysis_str(status, "phase"));
	st->message = analysis_strdup_or_null(analysis_str(status, "message"));
	st->started_at = analysis_strdup_or_null(analysis_str(status,
							      "startedAt"));
	st->started_ms = analysis_times_get(times, "startedAt");
	st->completed_at = analysis_strdup_or_null(analysis_str(status,
								"completedAt"));
	analysis_summary_load(&st->run_summary,
			      cJSON_GetObjectItemCaseSensitive(status,
							       "runSummary"));
	const cJSON *dry = cJSON_GetObjectItemCaseSensitive(status,
							    "dryRunSummary");
	st->has_dry_summary = cJSON_IsObject(dry);
	analysis_summary_load(&st->dry_summary, dry);
	st->res = xcalloc((size_t)cJSON_GetArraySize(results) + 1,
			  sizeof(*st->res));
	cJSON_ArrayForEach(r, results) {
		struct analysis_result *res = &st->res[st->nres++];
		const cJSON *ms = cJSON_GetObjectItemCaseSensitive(r,
								  "measurements");
		const cJSON *md = cJSON_GetObjectItemCaseSensitive(r, "metadata");
		const cJSON *dry_run = cJSON_GetObjectItemCaseSensitive(r,
								       "dryRun");
		res->name = xstrdup(analysis_str(r, "name") ?
				    analysis_str(r, "name") : "");
		res->phase = analysis_phase_parse(analysis_str(r, "phase"));
		res->message = analysis_strdup_or_null(analysis_str(r,
								   "message"));
		res->measurements = cJSON_IsArray(ms) ? cJSON_Duplicate(ms, 1) :
				    cJSON_CreateArray();
		res->count = analysis_int(r, "count");
		res->successful = analysis_int(r, "successful");
		res->failed = analysis_int(r, "failed");
		res->inconclusive = analysis_int(r, "inconclusive");
		res->error = analysis_int(r, "error");
		res->consecutive_error = analysis_int(r, "consecutiveError");
		res->consecutive_success = analysis_int(r, "consecutiveSuccess");
		res->dry_run = cJSON_IsTrue(dry_run);
		res->metadata = cJSON_IsObject(md) ? cJSON_Duplicate(md, 1) : NULL;
		res->finished_ms = analysis_times_get(fin, res->name);
	}
	cJSON_Delete(times);
}

/* The annotation's value for st: compact JSON. The caller frees it. */
static char *
analysis_times_dump(const struct analysis_state *st)
{
	cJSON *t = cJSON_CreateObject();
	cJSON *fin = cJSON_CreateObject();
	if (st->started_ms != ANALYSIS_NO_TIME) {
		cJSON_AddNumberToObject(t, "startedAt", (double)st->started_ms);
	}
	for (int i = 0; i < st->nres; i++) {
		if (st->res[i].finished_ms != ANALYSIS_NO_TIME) {
			cJSON_AddNumberToObject(fin, st->res[i].name,
						(double)st->res[i].finished_ms);
		}
	}
	cJSON_AddItemToObject(t, "finishedAt", fin);
	char *out = cJSON_PrintUnformatted(t);
	cJSON_Delete(t);
	return out;
}

/* Write the annotation once there is a time to keep. */
static void
analysis_times_store(cJSON *run, const struct analysis_state *st)
{
	bool any = st->started_ms != ANALYSIS_NO_TIME;
	for (int i = 0; i < st->nres && !any; i++) {
		any = st->res[i].finished_ms != ANALYSIS_NO_TIME;
	}
	if (!any) {
		return;
	}
	char *val = analysis_times_dump(st);
	const char *cur = analysis_times_text(run);
	if (!cur || strcmp(cur, val) != 0) {
		cJSON *a = json_obj_ensure(json_obj_ensure(run, "metadata"),
					   "annotations");
		json_set_str(a, ANALYSIS_ANN_TIMES, val);
	}
	free(val);
}

static void
analysis_state_free(struct analysis_state *st)
{
	for (int i = 0; i < st->nres; i++) {
		free(st->res[i].name);
		free(st->res[i].message);
		cJSON_Delete(st->res[i].measurements);
		cJSON_Delete(st->res[i].metadata);
	}
	free(st->res);
	free(st->message);
	free(st->started_at);
	free(st->completed_at);
}

static void
analysis_add_nonzero(cJSON *o, const char *key, int v)
{
	if (v) {
		cJSON_AddNumberToObject(o, key, v);
	}
}

static cJSON *
analysis_summary_dump(const struct analysis_summary *s)
{
	cJSON *o = cJSON_CreateObject();
	analysis_add_nonzero(o, "count", s->count);
	analysis_add_nonzero(o, "successful", s->successful);
	analysis_add_nonzero(o, "failed", s->failed);
	analysis_add_nonzero(o, "inconclusive", s->inconclusive);
	analysis_add_nonzero(o, "error", s->error);
	return o;
}

/* The status as Go marshals AnalysisRunStatus (field order, omitempty). */
static cJSON *
analysis_state_dump(const struct analysis_state *st)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "phase", analysis_phase_names[st->phase]);
	if (st->message) {
		cJSON_AddStringToObject(o, "message", st->message);
	}
	if (st->nres) {
		cJSON *arr = cJSON_AddArrayToObject(o, "metricResults");
		for (int i = 0; i < st->nres; i++) {
			const struct analysis_result *r = &st->res[i];
			cJSON *j = cJSON_CreateObject();
			cJSON_AddStringToObject(j, "name", r->name);
			cJSON_AddStringToObject(j, "phase",
						analysis_phase_names[r->phase]);
			if (cJSON_GetArraySize(r->measurements)) {
				cJSON_AddItemToObject(j, "measurements",
					cJSON_Duplicate(r->measurements, 1));
			}
			if (r->message) {
				cJSON_AddStringToObject(j, "message", r->message);
			}
			analysis_add_nonzero(j, "count", r->count);
			analysis_add_nonzero(j, "successful", r->successful);
			analysis_add_nonzero(j, "failed", r->failed);
			analysis_add_nonzero(j, "inconclusive", r->inconclusive);
			analysis_add_nonzero(j, "error", r->error);
			analysis_add_nonzero(j, "consecutiveError",
					     r->consecutive_error);
			if (r->dry_run) {
				cJSON_AddTrueToObject(j, "dryRun");
			}
			if (r->metadata && r->metadata->child) {
				cJSON_AddItemToObject(j, "metadata",
					cJSON_Duplicate(r->metadata, 1));
			}
			analysis_add_nonzero(j, "consecutiveSuccess",
					     r->consecutive_success);
			cJSON_AddItemToArray(arr, j);
		}
	}
	if (st->started_at) {
		cJSON_AddStringToObject(o, "startedAt", st->started_at);
	}
	cJSON_AddItemToObject(o, "runSummary",
			      analysis_summary_dump(&st->run_summary));
	if (st->has_dry_summary) {
		cJSON_AddItemToObject(o, "dryRunSummary",
				      analysis_summary_dump(&st->dry_summary));
	}
	if (st->completed_at) {
		cJSON_AddStringToObject(o, "completedAt", st->completed_at);
	}
	return o;
}

static struct analysis_result *
analysis_result_find(struct analysis_state *st, const char *name)
{
	for (int i = 0; i < st->nres; i++) {
		if (strcmp(st->res[i].name, name) == 0) {
			return &st->res[i];
		}
	}
	return NULL;
}

static cJSON *
analysis_last_measurement(const struct analysis_result *r)
{
	int n = r ? cJSON_GetArraySize(r->measurements) : 0;
	return n ? cJSON_GetArrayItem(r->measurements, n - 1) : NULL;
}

static void
analysis_set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = analysis_strdup_or_null(s);
}

/* ------------------------------------------------------ measurements */

/*
 * strconv.FormatFloat(v, 'f', -1, 64), as Prometheus' SampleValue.String()
 * writes values: the shortest digits that read back the same, never an
 * exponent.
 */
static void
analysis_format_float(struct buf *b, double v)
{
	char tmp[64];
	if (isnan(v)) {
		buf_adds(b, "NaN");
		return;
	}
	if (isinf(v)) {
		buf_adds(b, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	int prec = 1;
	for (; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
		if (strtod(tmp, NULL) == v) {
			break;
		}
	}
	/* tmp: [-]d[.ddd]e[+-]xx */
	char digits[32];
	int nd = 0, exp;
	const char *p = tmp;
	if (*p == '-') {
		buf_addch(b, '-');
		p++;
	}
	for (; *p && *p != 'e'; p++) {
		if (*p != '.' && nd < (int)sizeof(digits) - 1) {
			digits[nd++] = *p;
		}
	}
	exp = atoi(p + 1);
	while (nd > 1 && digits[nd - 1] == '0') {
		nd--;
	}
	if (nd == 1 && digits[0] == '0') {
		buf_addch(b, '0');
		return;
	}
	if (exp < 0) {
		buf_adds(b, "0.");
		for (int i = 0; i < -exp - 1; i++) {
			buf_addch(b, '0');
		}
		buf_add(b, digits, (size_t)nd);
		return;
	}
	for (int i = 0; i <= exp || i < nd; i++) {
		if (i == exp + 1) {
			buf_addch(b, '.');
		}
		buf_addch(b, i < nd ? digits[i] : '0');
	}
}

/*
 * Measurement.value for a provider's result: a number as Prometheus writes
 * a scalar, an array as the Prometheus provider writes a vector ("[0.99]",
 * "[0.99,0.98]": elements joined by commas, no spaces), a string as is,
 * booleans as true/false, anything else as compact JSON.
 */
static char *
analysis_format_value(const cJSON *v)
{
	struct buf b = BUF_INIT;
	if (!v || cJSON_IsNull(v)) {
		return NULL;
	}
	if (cJSON_IsNumber(v)) {
		analysis_format_float(&b, v->valuedouble);
	} else if (cJSON_IsString(v)) {
		buf_adds(&b, v->valuestring);
	} else if (cJSON_IsBool(v)) {
		buf_adds(&b, cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsArray(v)) {
		const cJSON *e;
		buf_addch(&b, '[');
		cJSON_ArrayForEach(e, v) {
			if (e != v->child) {
				buf_addch(&b, ',');
			}
			if (cJSON_IsNumber(e)) {
				analysis_format_float(&b, e->valuedouble);
			} else {
				json_write(&b, e);
			}
		}
		buf_addch(&b, ']');
	} else {
		json_write(&b, v);
	}
	return buf_detach(&b, NULL);
}

/* utils/evaluate EvaluateResult (with formatEvalError's messages). */
static enum analysis_phase
analysis_evaluate(const struct analysis_metric *m, const cJSON *value,
		  struct buf *msg)
{
	const char *conds[2] = { m->success, m->failure };
	const char *what[2] = { "successCondition", "failureCondition" };
	bool res[2] = { false, false };
	bool empty = !value || cJSON_IsNull(value) ||
		     (cJSON_IsArray(value) && cJSON_GetArraySize(value) == 0);
	for (int k = 0; k < 2; k++) {
		struct buf err = BUF_INIT;
		if (!conds[k]) {
			continue;
		}
		if (expr_eval_bool(conds[k], value, &res[k], &err) < 0) {
			if (empty) {
				analysis_errf(msg, "could not evaluate %s "
					      "\"%s\": metric result is nil or "
					      "empty: no data returned from the "
					      "metric provider", what[k],
					      conds[k]);
			} else {
				analysis_errf(msg, "could not evaluate %s "
					      "\"%s\": %s", what[k], conds[k],
					      err.buf);
			}
			buf_release(&err);
			return AP_ERROR;
		}
		buf_release(&err);
	}
	bool success = res[0], fail = res[1];
	if (!m->success && !m->failure) {
		return AP_SUCCESSFUL;
	}
	if (m->success && !m->failure) {
		fail = !success;
	} else if (!m->success && m->failure) {
		success = !fail;
	}
	if (fail) {
		return AP_FAILED;
	}
	if (!success) {
		return AP_INCONCLUSIVE;
	}
	return AP_SUCCESSFUL;
}

static void
analysis_measure(cJSON *run, struct analysis_state *st,
		 const struct analysis_metric *m, long long now,
		 const struct analysis_provider *p)
{
	struct buf msg = BUF_INIT;
	cJSON *value = NULL;
	char *vstr = NULL;
	enum analysis_phase phase;
	int rc = p && p->measure ? p->measure(p->arg, run, m->spec, &value,
					      &msg) : -1;
	if (rc < 0) {
		phase = AP_ERROR;
		if (!msg.len) {
			buf_addf(&msg, "no provider to measure metric '%s'",
				 m->name);
		}
	} else {
		buf_reset(&msg);
		phase = analysis_evaluate(m, value, &msg);
		if (phase != AP_ERROR) {
			vstr = analysis_format_value(value);
		}
	}
	cJSON_Delete(value);

	char *when = analysis_time_format(now);
	cJSON *meas = cJSON_CreateObject();
	cJSON_AddStringToObject(meas, "phase", analysis_phase_names[phase]);
	if (msg.len) {
		cJSON_AddStringToObject(meas, "message", msg.buf);
	}
	buf_release(&msg);
	cJSON_AddStringToObject(meas, "startedAt", when);
	cJSON_AddStringToObject(meas, "finishedAt", when);
	if (vstr && *vstr) {
		cJSON_AddStringToObject(meas, "value", vstr);
	}
	free(vstr);
	free(when);

	struct analysis_result *r = analysis_result_find(st, m->name);
	if (!r) {
		st->res = xrealloc(st->res, (size_t)(st->nres + 1) *
				   sizeof(*st->res));
		r = &st->res[st->nres++];
		memset(r, 0, sizeof(*r));
		r->name = xstrdup(m->name);
		r->phase = AP_RUNNING;
		r->finished_ms = ANALYSIS_NO_TIME;
		r->dry_run = m->dry_run;
		r->measurements = cJSON_CreateArray();
		/* the Prometheus provider's GetMetadata */
		const char *q = json_str(m->spec, "provider.prometheus.query");
		if (q && *q) {
			r->metadata = cJSON_CreateObject();
			cJSON_AddStringToObject(r->metadata,
						"ResolvedPrometheusQuery", q);
		}
	}
	switch (phase) {
	case AP_SUCCESSFUL:
		r->successful++;
		r->count++;
		r->consecutive_error = 0;
		r->consecutive_success++;
		break;
	case AP_FAILED:
		r->failed++;
		r->count++;
		r->consecutive_error = 0;
		r->consecutive_success = 0;
		break;
	case AP_INCONCLUSIVE:
		r->inconclusive++;
		r->count++;
		r->consecutive_error = 0;
		r->consecutive_success = 0;
		break;
	default:
		r->error++;
		r->consecutive_error++;
		r->consecutive_success = 0;
		break;
	}
	cJSON_AddItemToArray(r->measurements, meas);
	r->finished_ms = now;
}

/* utils/analysis IsTerminating. */
static bool
analysis_terminating(const cJSON *run, const struct analysis_state *st)
{
	if (cJSON_IsTrue(json_path(run, "spec.terminate"))) {
		return true;
	}
	for (int i = 0; i < st->nres; i++) {
		if (st->res[i].dry_run) {
			continue;
		}
		switch (st->res[i].phase) {
		case AP_FAILED:
		case AP_ERROR:
		case AP_INCONCLUSIVE:
			return true;
		default:
			break;
		}
	}
	return false;
}

/* The finishedAt of r's last measurement, to the millisecond when
 * known. */
static long long
analysis_finished(const struct analysis_result *r, const cJSON *last)
{
	return analysis_precise(analysis_time_parse(analysis_str(last,
								 "finishedAt")),
				r->finished_ms);
}

static long long
analysis_started(const struct analysis_state *st)
{
	return analysis_precise(analysis_time_parse(st->started_at),
				st->started_ms);
}

/* generateMetricTasks + runMeasurements. */
static void
analysis_take_measurements(cJSON *run, struct analysis_state *st,
			   const struct analysis_metric *ms, int n,
			   long long now, const struct analysis_provider *p)
{
	bool terminating = analysis_terminating(run, st);
	long long started = analysis_started(st);
	for (int i = 0; i < n; i++) {
		const struct analysis_metric *m = &ms[i];
		struct analysis_result *r = analysis_result_find(st, m->name);
		if (r && analysis_done(r->phase)) {
			continue;
		}
		const cJSON *last = analysis_last_measurement(r);
		if (last && analysis_finished(r, last) == ANALYSIS_NO_TIME) {
			/* in flight: the sim's providers never leave one */
			continue;
		}
		if (terminating) {
			continue;
		}
		if (!last) {
			if (m->delay != ANALYSIS_NO_TIME) {
				if (started == ANALYSIS_NO_TIME ||
				    started + m->delay > now) {
					continue;
				}
			}
			analysis_measure(run, st, m, now, p);
			continue;
		}
		if (m->has_count && r->count >= m->count) {
			continue;
		}
		long long interval = m->retry;
		if (strcmp(analysis_str(last, "phase") ?
			   analysis_str(last, "phase") : "", "Error") != 0 &&
		    m->interval != ANALYSIS_NO_TIME) {
			interval = m->interval;
		}
		if (now >= analysis_finished(r, last) + interval) {
			analysis_measure(run, st, m, now, p);
		}
	}
}

/* assessMetricFailureInconclusiveOrError. */
static enum analysis_phase
analysis_metric_limits(const struct analysis_metric *m,
		       const struct analysis_result *r, struct buf *msg)
{
	enum analysis_phase phase = AP_NONE;
	int failure_limit = m->has_failure_limit ? m->failure_limit : 0;
	if (msg) {
		buf_reset(msg);
	}
	if (failure_limit >= 0 && r->failed > failure_limit) {
		phase = AP_FAILED;
		analysis_errf(msg, "failed (%d) > failureLimit (%d)",
			      r->failed, failure_limit);
	}
	if (r->inconclusive > m->inconclusive_limit) {
		phase = AP_INCONCLUSIVE;
		analysis_errf(msg, "inconclusive (%d) > inconclusiveLimit "
			      "(%d)", r->inconclusive, m->inconclusive_limit);
	}
	if (r->consecutive_error > m->consecutive_error_limit) {
		phase = AP_ERROR;
		analysis_errf(msg, "consecutiveErrors (%d) > "
			      "consecutiveErrorLimit (%d)",
			      r->consecutive_error,
			      m->consecutive_error_limit);
	}
	return phase;
}

/* assessMetricStatus. */
static enum analysis_phase
analysis_metric_status(const struct analysis_metric *m,
		       const struct analysis_result *r, bool terminating)
{
	if (analysis_done(r->phase)) {
		return r->phase;
	}
	const cJSON *last = analysis_last_measurement(r);
	if (!last) {
		return terminating ? AP_SUCCESSFUL : AP_PENDING;
	}
	if (!analysis_done(analysis_phase_parse(analysis_str(last, "phase")))) {
		return AP_RUNNING;
	}
	enum analysis_phase limits = analysis_metric_limits(m, r, NULL);
	if (limits != AP_NONE) {
		return limits;
	}
	bool success_applicable = m->has_success_limit && m->success_limit > 0;
	if (success_applicable && r->consecutive_success >= m->success_limit) {
		return AP_SUCCESSFUL;
	}
	if (m->has_count && r->count >= m->count) {
		bool failure_applicable = !m->has_failure_limit ||
					  m->failure_limit >= 0;
		if (failure_applicable && success_applicable) {
			return AP_INCONCLUSIVE;
		}
		if (success_applicable) {
			return AP_FAILED;
		}
		return AP_SUCCESSFUL;
	}
	return terminating ? AP_SUCCESSFUL : AP_RUNNING;
}

static void
analysis_summary_add(struct analysis_summary *s, enum analysis_phase p)
{
	switch (p) {
	case AP_ERROR:
		s->error++;
		break;
	case AP_FAILED:
		s->failed++;
		break;
	case AP_INCONCLUSIVE:
		s->inconclusive++;
		break;
	default:
		s->successful++;
		break;
	}
}

/* assessRunStatus: the run's phase and message. */
static enum analysis_phase
analysis_assess_run(const cJSON *run, struct analysis_state *st,
		    const struct analysis_metric *ms, int n, long long now,
		    struct buf *message)
{
	enum analysis_phase worst = AP_NONE;
	bool terminating = analysis_terminating(run, st);
	bool everything_completed = true;
	struct buf why = BUF_INIT;
	buf_reset(message);
	if (!st->started_at) {
		st->started_at = analysis_time_format(now);
		st->started_ms = now;
	}
	if (cJSON_IsTrue(json_path(run, "spec.terminate"))) {
		buf_adds(message, "Run Terminated");
	}
	memset(&st->run_summary, 0, sizeof(st->run_summary));
	memset(&st->dry_summary, 0, sizeof(st->dry_summary));
	st->has_dry_summary = true;
	for (int i = 0; i < n; i++) {
		const struct analysis_metric *m = &ms[i];
		if (m->dry_run) {
			st->dry_summary.count++;
		} else {
			st->run_summary.count++;
		}
		struct analysis_result *r = analysis_result_find(st, m->name);
		if (!r) {
			everything_completed = false;
			continue;
		}
		enum analysis_phase status = analysis_metric_status(m, r,
								    terminating);
		if (r->phase != status) {
			const cJSON *last = analysis_last_measurement(r);
			if (last) {
				analysis_set_str(&r->message,
						 analysis_str(last, "message"));
			}
			r->phase = status;
		}
		if (!analysis_done(status)) {
			everything_completed = false;
			continue;
		}
		enum analysis_phase phase = analysis_metric_limits(m, r, &why);
		if (!m->dry_run) {
			if (worst == AP_NONE ||
			    analysis_badness(status) > analysis_badness(worst)) {
				worst = status;
				if (why.len) {
					buf_reset(message);
					buf_addf(message, "Metric \"%s\" assessed "
						 "%s due to %s", m->name,
						 analysis_phase_names[status],
						 why.buf);
					if (r->message) {
						buf_addf(message, ": \"Error "
							 "Message: %s\"",
							 r->message);
					}
				}
			}
			analysis_summary_add(&st->run_summary, phase);
		} else {
			if (worst == AP_NONE) {
				worst = AP_SUCCESSFUL;
			}
			if (why.len) {
				free(r->message);
				r->message = xasprintf("Metric assessed %s due "
						       "to %s",
						       analysis_phase_names[status],
						       why.buf);
			}
			analysis_summary_add(&st->dry_summary, phase);
		}
	}
	/* strings.TrimSpace */
	while (message->len && (message->buf[message->len - 1] == ' ' ||
				message->buf[message->len - 1] == '\n' ||
				message->buf[message->len - 1] == '\t')) {
		buf_setlen(message, message->len - 1);
	}
	buf_release(&why);
	if (terminating) {
		return worst == AP_NONE ? AP_SUCCESSFUL : worst;
	}
	if (!everything_completed || worst == AP_NONE) {
		buf_reset(message);
		return AP_RUNNING;
	}
	return worst;
}

/* calculateNextReconcileTime; ANALYSIS_NO_TIME when nothing is due. */
static long long
analysis_next_time(const struct analysis_state *st,
		   const struct analysis_metric *ms, int n, long long now)
{
	long long next = ANALYSIS_NO_TIME;
	long long started = analysis_started(st);
	for (int i = 0; i < n; i++) {
		const struct analysis_metric *m = &ms[i];
		const struct analysis_result *r = NULL;
		long long t;
		for (int k = 0; k < st->nres; k++) {
			if (strcmp(st->res[k].name, m->name) == 0) {
				r = &st->res[k];
			}
		}
		if (r && analysis_done(r->phase)) {
			continue;
		}
		const cJSON *last = analysis_last_measurement(r);
		if (!last) {
			if (m->delay == ANALYSIS_NO_TIME) {
				continue;
			}
			t = (started != ANALYSIS_NO_TIME ? started : now) +
			    m->delay;
		} else {
			long long fin = analysis_finished(r, last);
			if (fin == ANALYSIS_NO_TIME) {
				continue;
			}
			if (m->has_count && r->count >= m->count) {
				continue;
			}
			const char *ph = analysis_str(last, "phase");
			if (ph && strcmp(ph, "Error") == 0) {
				t = fin + m->retry;
			} else if (m->interval != ANALYSIS_NO_TIME) {
				t = fin + m->interval;
			} else {
				continue;
			}
		}
		if (next == ANALYSIS_NO_TIME || t < next) {
			next = t;
		}
	}
	return next;
}

/* garbageCollectMeasurements. */
static void
analysis_trim(struct analysis_state *st, const struct analysis_metric *ms,
	      int n)
{
	for (int i = 0; i < st->nres; i++) {
		int limit = -1;
		for (int k = 0; k < n; k++) {
			if (strcmp(ms[k].name, st->res[i].name) == 0) {
				limit = ms[k].retention;
			}
		}
		while (limit >= 0 &&
		       cJSON_GetArraySize(st->res[i].measurements) > limit) {
			cJSON_DeleteItemFromArray(st->res[i].measurements, 0);
		}
	}
}

/*
 * One reconcileAnalysisRun. Returns true when the status changed; *next
 * is the next due time or ANALYSIS_NO_TIME.
 */
static bool
analysis_pass(cJSON *run, long long now, const struct analysis_provider *p,
	      long long *next)
{
	cJSON *status = cJSON_GetObjectItemCaseSensitive(run, "status");
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(run, "spec");
	struct analysis_state st;
	struct analysis_metric *ms = NULL;
	struct buf message = BUF_INIT;
	struct buf err = BUF_INIT, why = BUF_INIT;
	cJSON *resolved = NULL;
	enum analysis_phase phase;
	cJSON *fresh;
	bool changed;
	int n = 0;
	*next = ANALYSIS_NO_TIME;
	analysis_state_load(&st, run, status);
	if (analysis_done(st.phase)) {
		analysis_state_free(&st);
		return false;
	}
	resolved = analysis_resolve_metrics(
		cJSON_GetObjectItemCaseSensitive(spec, "metrics"),
		cJSON_GetObjectItemCaseSensitive(spec, "args"), &why);
	if (!resolved) {
		buf_addf(&err, "Unable to resolve metric arguments: %s",
			 why.buf);
		goto error;
	}
	if (analysis_validate(resolved, &why) < 0) {
		buf_addf(&err, "Analysis spec invalid: %s", why.buf);
		goto error;
	}
	n = cJSON_GetArraySize(resolved);
	ms = xcalloc((size_t)n, sizeof(*ms));
	for (int i = 0; i < n; i++) {
		analysis_metric_load(&ms[i], cJSON_GetArrayItem(resolved, i));
		double f = p && p->time_scale > 1 ? p->time_scale : 1;
		ms[i].retry = (long long)((double)ANALYSIS_ERROR_RETRY_MS / f);
		if (ms[i].interval != ANALYSIS_NO_TIME) {
			ms[i].interval = (long long)((double)ms[i].interval / f);
		}
		if (ms[i].delay != ANALYSIS_NO_TIME) {
			ms[i].delay = (long long)((double)ms[i].delay / f);
		}
	}
	if (analysis_rules(cJSON_GetObjectItemCaseSensitive(spec, "dryRun"),
			   "dryRun", ms, n, &why) < 0 ||
	    analysis_rules(cJSON_GetObjectItemCaseSensitive(spec,
							    "measurementRetention"),
			   "measurementRetention", ms, n, &why) < 0) {
		buf_addf(&err, "Analysis spec invalid: %s", why.buf);
		goto error;
	}

	analysis_take_measurements(run, &st, ms, n, now, p);
	phase = analysis_assess_run(run, &st, ms, n, now, &message);
	if (phase != st.phase) {
		st.phase = phase;
		analysis_set_str(&st.message, message.buf);
		if (analysis_done(phase) && !st.completed_at) {
			st.completed_at = analysis_time_format(now);
		}
	}
	analysis_trim(&st, ms, n);
	if (!analysis_done(st.phase)) {
		*next = analysis_next_time(&st, ms, n, now);
	}
	goto out;
error:
	st.phase = AP_ERROR;
	analysis_set_str(&st.message, err.buf);
out:
	fresh = analysis_state_dump(&st);
	changed = !status || !json_equal(status, fresh);
	if (changed) {
		analysis_times_store(run, &st);
	}
	if (changed) {
		if (status) {
			cJSON_ReplaceItemInObjectCaseSensitive(run, "status",
							       fresh);
		} else {
			cJSON_AddItemToObject(run, "status", fresh);
		}
	} else {
		cJSON_Delete(fresh);
	}
	buf_release(&message);
	buf_release(&err);
	buf_release(&why);
	free(ms);
	cJSON_Delete(resolved);
	analysis_state_free(&st);
	return changed;
}

bool
analysis_reconcile(cJSON *run, long long now_ms,
		   const struct analysis_provider *p, long long *next_ms)
{
	bool changed = false;
	long long next = ANALYSIS_NO_TIME;
	*next_ms = 0;
	if (!cJSON_IsObject(run)) {
		return false;
	}
	for (int i = 0; i < ANALYSIS_MAX_PASSES; i++) {
		if (!analysis_pass(run, now_ms, p, &next)) {
			break;
		}
		changed = true;
	}
	*next_ms = next == ANALYSIS_NO_TIME ? 0 : next;
	return changed;
}

/* ------------------------------------------------------- templates */

static cJSON *
analysis_find_named(cJSON *arr, const char *key, const char *name)
{
	cJSON *e;
	cJSON_ArrayForEach(e, arr) {
		const char *n = analysis_str(e, key);
		if (n && name && strcmp(n, name) == 0) {
			return e;
		}
	}
	return NULL;
}

/* Append copies of every template's spec.<key> items to out; rules with
 * the same metricName are an error (what names them). */
static int
analysis_flatten(const cJSON *templates, const char *key, cJSON *out,
		 const char *dup_key, const char *what, struct buf *err)
{
	const cJSON *t;
	cJSON_ArrayForEach(t, templates) {
		const cJSON *spec = cJSON_GetObjectItemCaseSensitive(t, "spec");
		const cJSON *items = cJSON_GetObjectItemCaseSensitive(
			spec ? spec : t, key);
		const cJSON *it;
		cJSON_ArrayForEach(it, items) {
			const char *name = analysis_str(it, dup_key);
			if (analysis_find_named(out, dup_key, name ? name : "")) {
				analysis_errf(err, what, name);
				return -1;
			}
			cJSON_AddItemToArray(out, cJSON_Duplicate(it, 1));
		}
	}
	return 0;
}

/* A copy of arg as {name, value, valueFrom}, value replaced if given. */
static cJSON *
analysis_arg_copy(const cJSON *arg, const char *value,
		  const cJSON *value_from)
{
	cJSON *o = cJSON_CreateObject();
	const char *name = analysis_str(arg, "name");
	const char *v = value ? value : analysis_str(arg, "value");
	const cJSON *vf = value_from ? value_from :
			  cJSON_GetObjectItemCaseSensitive(arg, "valueFrom");
	cJSON_AddStringToObject(o, "name", name ? name : "");
	if (v) {
		cJSON_AddStringToObject(o, "value", v);
	}
	if (vf && !cJSON_IsNull(vf)) {
		cJSON_AddItemToObject(o, "valueFrom", cJSON_Duplicate(vf, 1));
	}
	return o;
}

cJSON *
analysis_spec_from_templates(const cJSON *templates, const cJSON *args,
			     struct buf *err)
{
	cJSON *metrics = cJSON_CreateArray();
	cJSON *dry = cJSON_CreateArray();
	cJSON *retention = cJSON_CreateArray();
	cJSON *targs = cJSON_CreateArray();
	struct analysis_args a = { NULL, NULL, 0 };
	const cJSON *t, *arg;
	cJSON *out;
	if (err) {
		buf_reset(err);
	}
	/* flattenMetrics, flattenDryRunMetrics, flattenMeasurementRetention */
	if (analysis_flatten(templates, "metrics", metrics, "name",
			     "two metrics have the same name '%s'", err) < 0 ||
	    analysis_flatten(templates, "dryRun", dry, "metricName",
			     "two Dry-Run metric rules have the same name "
			     "'%s'", err) < 0 ||
	    analysis_flatten(templates, "measurementRetention", retention,
			     "metricName", "two Measurement Retention metric "
			     "rules have the same name '%s'", err) < 0) {
		goto fail;
	}
	/* flattenArgs */
	cJSON_ArrayForEach(t, templates) {
		const cJSON *spec = cJSON_GetObjectItemCaseSensitive(t, "spec");
		const cJSON *targ;
		cJSON_ArrayForEach(targ, cJSON_GetObjectItemCaseSensitive(
					   spec ? spec : t, "args")) {
			const char *name = analysis_str(targ, "name");
			cJSON *prev = analysis_find_named(targs, "name", name);
			if (!prev) {
				cJSON_AddItemToArray(targs,
						     analysis_arg_copy(targ, NULL,
								       NULL));
				continue;
			}
			const char *pv = analysis_str(prev, "value");
			const char *nv = analysis_str(targ, "value");
			if (pv && nv && strcmp(pv, nv) != 0) {
				analysis_errf(err, "Argument `%s` "
					      "specified multiple times with "
					      "different values: '%s', '%s'",
					      name, pv, nv);
				goto fail;
			}
			if (!pv) {
				cJSON_ReplaceItemViaPointer(targs, prev,
					analysis_arg_copy(targ, NULL, NULL));
			}
		}
	}
	/* MergeArgs: the rollout's values for the templates' args */
	cJSON_ArrayForEach(arg, args) {
		cJSON *prev = analysis_find_named(targs, "name",
						  analysis_str(arg, "name"));
		const char *v = analysis_str(arg, "value");
		const cJSON *vf = cJSON_GetObjectItemCaseSensitive(arg,
								  "valueFrom");
		if (!prev) {
			continue;
		}
		if (v) {
			cJSON_ReplaceItemViaPointer(targs, prev,
				analysis_arg_copy(prev, v, NULL));
		} else if (vf && !cJSON_IsNull(vf)) {
			cJSON_ReplaceItemViaPointer(targs, prev,
				analysis_arg_copy(prev, NULL, vf));
		}
	}
	/* ResolveArgs */
	cJSON_ArrayForEach(arg, targs) {
		if (!cJSON_GetObjectItemCaseSensitive(arg, "value") &&
		    !cJSON_GetObjectItemCaseSensitive(arg, "valueFrom")) {
			analysis_errf(err, "args.%s was not resolved",
				      analysis_str(arg, "name"));
			goto fail;
		}
	}
	/* substitute the args that have values; other tags stay for the
	 * run's reconcile to resolve or report */
	analysis_args_load(&a, targs, false);
	analysis_subst_tree(metrics, &a, true, err);
	analysis_args_free(&a);

	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "metrics", metrics);
	if (cJSON_GetArraySize(targs)) {
		cJSON_AddItemToObject(out, "args", targs);
	} else {
		cJSON_Delete(targs);
	}
	if (cJSON_GetArraySize(dry)) {
		cJSON_AddItemToObject(out, "dryRun", dry);
	} else {
		cJSON_Delete(dry);
	}
	if (cJSON_GetArraySize(retention)) {
		cJSON_AddItemToObject(out, "measurementRetention", retention);
	} else {
		cJSON_Delete(retention);
	}
	return out;
fail:
	cJSON_Delete(metrics);
	cJSON_Delete(dry);
	cJSON_Delete(retention);
	cJSON_Delete(targs);
	return NULL;
}
