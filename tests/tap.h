/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tap: a header-only TAP producer for the unit tests. ok(), is_int(),
 * is_str() print "ok N - name" or "not ok N - name" plus a diagnostic;
 * done_testing() prints the plan and returns the exit status (1 if any test
 * failed). Owns nothing.
 */
#ifndef PD_TAP_H
#define PD_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 2, 3), unused)) static int
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;
	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)

#define is_int(got, want, ...)                                              \
	do {                                                                \
		long long g_ = (long long)(got), w_ = (long long)(want);    \
		if (!tap_ok(g_ == w_, __VA_ARGS__)) {                       \
			printf("# %s:%d: got %lld, want %lld\n", __FILE__,  \
			       __LINE__, g_, w_);                           \
		}                                                           \
	} while (0)

#define is_str(got, want, ...)                                              \
	do {                                                                \
		const char *g_ = (got), *w_ = (want);                       \
		int c_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_;       \
		if (!tap_ok(c_, __VA_ARGS__)) {                             \
			printf("# %s:%d:\n#   got: '%s'\n#  want: '%s'\n",   \
			       __FILE__, __LINE__, g_ ? g_ : "(null)",      \
			       w_ ? w_ : "(null)");                         \
		}                                                           \
	} while (0)

__attribute__((unused)) static int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
