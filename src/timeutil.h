/* SPDX-License-Identifier: Apache-2.0 */
/*
 * timeutil: the one RFC 3339 parser of the project and Kubernetes'
 * duration.HumanDuration (the ages kubectl and the Argo plugin print).
 * Pure; the caller owns every buffer.
 */
#ifndef PD_TIMEUTIL_H
#define PD_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Parse an RFC 3339 time ("2026-01-01T00:00:00Z", fractions and offsets
 * allowed). Returns true and sets *t on success. */
bool timeutil_parse(const char *s, time_t *t);
/* Kubernetes duration.HumanDuration of secs seconds, into out ("<invalid>"
 * for more than a second in the future). */
void timeutil_human_duration(char *out, size_t len, long long secs);
/* The age of the RFC 3339 time ts at now, as kubectl prints it; "<unknown>"
 * when ts is NULL or not a time. The one age helper of the project. */
void timeutil_age(char *out, size_t len, const char *ts, time_t now);

/* Go's time.ParseDuration ("30s", "1h30m", "-1.5s", "0") in
 * milliseconds: 0, or -1 with err filled as Go words it
 * ("time: missing unit in duration \"60\""). */
int timeutil_parse_duration(const char *s, long long *ms, char *err,
			    size_t errlen);

#endif
