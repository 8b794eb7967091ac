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

#endif
