/* SPDX-License-Identifier: Apache-2.0 */
/*
 * analysis: rollouts-sim's AnalysisRun engine, pure (no store, no clock, no
 * I/O): it advances one AnalysisRun object (cJSON, Argo's
 * argoproj.io/v1alpha1 shape) to a given time, as the Argo Rollouts
 * analysis controller would: measurements every metric's `interval` (or
 * once), `initialDelay`, `count`, `failureLimit`, `inconclusiveLimit`,
 * `consecutiveErrorLimit` (default 4), `consecutiveSuccessLimit`,
 * successCondition/failureCondition evaluated by expr.h, metric and run
 * phases (Pending, Running, Successful, Failed, Error, Inconclusive),
 * runSummary, the run message ("Metric \"x\" assessed Failed due to failed
 * (4) > failureLimit (3)"), and `spec.terminate` (the run ends Successful
 * unless a metric already failed; message "Run Terminated").
 *
 * Values come from a provider callback, so the engine knows nothing of
 * Prometheus or traffic. Times are milliseconds since the epoch; RFC 3339
 * strings in the object use the given time, written by clock_rfc3339()
 * (sim.h) and read by timeutil_parse(), at second precision. The caller
 * owns the run.
 */
#ifndef SIM_ANALYSIS_H
#define SIM_ANALYSIS_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "buf.h"

/*
 * A measurement: fill *value (the `result` seen by the conditions: a
 * number, or an array of numbers as Prometheus vectors are) and return 0;
 * return -1 with the message appended to msg (an Error measurement) when
 * the metric cannot be measured. The engine takes *value over and frees it; metric is the
 * run's metric with its {{args.x}} resolved.
 */
struct analysis_provider {
	int (*measure)(void *arg, const cJSON *run, const cJSON *metric,
		       cJSON **value, struct buf *msg);
	void *arg;
	/* Waits (interval, initialDelay, the error retry) are divided by
	 * this when it is above 1 (rollouts-sim --time-scale); 0 = 1. */
	double time_scale;
};

/*
 * Advance run to now_ms: take every measurement that is due, assess
 * metrics and the run. Returns true when the object changed. *next_ms is
 * set to the time of the next due measurement (0 when the run is
 * complete), so the caller knows when to call again.
 */
bool analysis_reconcile(cJSON *run, long long now_ms,
			const struct analysis_provider *p, long long *next_ms);

/* True for Successful, Failed, Error and Inconclusive. */
bool analysis_phase_completed(const char *phase);

/*
 * Build a new AnalysisRun spec from AnalysisTemplates (an array of
 * template objects; ClusterAnalysisTemplates alike) and the rollout's
 * args (array of {name, value}), substituting "{{args.NAME}}" in every
 * string of the metrics, as Argo does; template args with a default
 * `value` fill in missing ones. Returns the spec object ({args, metrics})
 * or NULL with err (when not NULL) set to the message ("args.x was not
 * resolved"), never truncated. Tags naming no valued arg stay, for the
 * run's reconcile to report as Argo does.
 */
cJSON *analysis_spec_from_templates(const cJSON *templates, const cJSON *args,
				    struct buf *err);

#endif
