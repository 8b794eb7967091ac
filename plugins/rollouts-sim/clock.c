/* SPDX-License-Identifier: Apache-2.0 */
/*
 * clock: rollouts-sim's notion of time. Real mode follows the wall clock,
 * and --time-scale N makes every duration the controller waits (pauses,
 * analysis intervals, scale-down delays, pod start-up) N times shorter
 * while timestamps stay true, so clients' ages read right; manual mode
 * stands still until advanced through /sim/v1/clock, so tests never depend
 * on how fast the machine is. Every timestamp the simulator writes reads
 * this clock. Guarded by sim_lock except for the immutable settings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"
#include "timeutil.h"

static bool clock_is_manual;
static double clock_factor = 1.0;
static long long clock_base_sim;   /* sim ms at the base point */
static long long clock_base_real;  /* monotonic ms at the base point */
static long long clock_manual_now;

static long long
clock_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
clock_init(bool manual, double scale, long long start_ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	long long wall = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	clock_is_manual = manual;
	clock_factor = scale > 0 ? scale : 1.0;
	clock_base_sim = start_ms > 0 ? start_ms : wall;
	clock_base_real = clock_mono_ms();
	clock_manual_now = clock_base_sim;
}

bool
clock_manual(void)
{
	return clock_is_manual;
}

double
clock_scale(void)
{
	return clock_factor;
}

long long
clock_now_ms(void)
{
	if (clock_is_manual) {
		return clock_manual_now;
	}
	return clock_base_sim + (clock_mono_ms() - clock_base_real);
}

void
clock_set_ms(long long ms)
{
	if (clock_is_manual && ms > clock_manual_now) {
		clock_manual_now = ms;
	}
}

void
clock_rfc3339(long long ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

long long
clock_parse_rfc3339(const char *s)
{
	time_t t;
	return timeutil_parse(s, &t) ? (long long)t * 1000 : 0;
}

long long
clock_scaled(long long ms)
{
	return clock_is_manual ? ms : (long long)((double)ms / clock_factor);
}

/* Go duration ("30s", "2m", "1h30m", "500ms"), or a bare number of
 * seconds, as Argo accepts for pause durations, in ms; -1 when invalid or
 * negative. */
long long
clock_parse_duration(const char *s)
{
	if (!s || !*s) {
		return -1;
	}
	if (s[strspn(s, "0123456789")] == '\0') {
		return strtoll(s, NULL, 10) * 1000;
	}
	long long ms;
	char why[128];
	if (timeutil_parse_duration(s, &ms, why, sizeof(why)) < 0 || ms < 0) {
		return -1;
	}
	return ms;
}
