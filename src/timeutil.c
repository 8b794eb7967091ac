/* SPDX-License-Identifier: Apache-2.0 */
/* timeutil: RFC 3339 parsing and Kubernetes' HumanDuration, for every
 * binary (ages, deadlines, PDKIT_NOW, token expiry). */
#include "timeutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

bool
timeutil_parse(const char *s, time_t *t)
{
	int y, mo, d, h, mi, sec, n = 0;
	struct tm tm;
	const char *p;
	long off = 0;

	if (!s) {
		return false;
	}
	if (sscanf(s, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &y, &mo, &d, &h,
		   &mi, &sec, &n) != 6 || n == 0) {
		return false;
	}
	p = s + n;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9') {
			return false;
		}
		while (*p >= '0' && *p <= '9') {
			p++;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om, m = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &m) != 2 || m != 5) {
			return false;
		}
		off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
		p += 1 + m;
	} else {
		return false;
	}
	if (*p) {
		return false;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60) {
		return false;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*t = timegm(&tm) - off;
	return true;
}

void
timeutil_human_duration(char *out, size_t len, long long secs)
{
	long long minutes, hours;

	if (secs < -1) {
		snprintf(out, len, "<invalid>");
		return;
	}
	if (secs < 0) {
		snprintf(out, len, "0s");
		return;
	}
	if (secs < 120) {
		snprintf(out, len, "%llds", secs);
		return;
	}
	minutes = secs / 60;
	if (minutes < 10) {
		if (secs % 60 == 0) {
			snprintf(out, len, "%lldm", minutes);
		} else {
			snprintf(out, len, "%lldm%llds", minutes, secs % 60);
		}
		return;
	}
	if (minutes < 180) {
		snprintf(out, len, "%lldm", minutes);
		return;
	}
	hours = secs / 3600;
	if (hours < 8) {
		if (minutes % 60 == 0) {
			snprintf(out, len, "%lldh", hours);
		} else {
			snprintf(out, len, "%lldh%lldm", hours, minutes % 60);
		}
	} else if (hours < 48) {
		snprintf(out, len, "%lldh", hours);
	} else if (hours < 24 * 8) {
		if (hours % 24 == 0) {
			snprintf(out, len, "%lldd", hours / 24);
		} else {
			snprintf(out, len, "%lldd%lldh", hours / 24, hours % 24);
		}
	} else if (hours < 24 * 365 * 2) {
		snprintf(out, len, "%lldd", hours / 24);
	} else if (hours < 24 * 365 * 8) {
		long long dy = (hours / 24) % 365;
		if (dy == 0) {
			snprintf(out, len, "%lldy", hours / 24 / 365);
		} else {
			snprintf(out, len, "%lldy%lldd", hours / 24 / 365, dy);
		}
	} else {
		snprintf(out, len, "%lldy", hours / 24 / 365);
	}
}

/* Go's time.ParseDuration, in milliseconds (fractions of a millisecond
 * dropped); errors worded as Go words them. */
int
timeutil_parse_duration(const char *orig, long long *out, char *err,
			size_t errlen)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 },
		{ "\xce\xbcs", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
		{ "m", 60e9 }, { "h", 3600e9 },
	};
	const char *s = orig;
	double total = 0;
	bool neg = false;
	if (*s == '-' || *s == '+') {
		neg = *s == '-';
		s++;
	}
	if (strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (!*s) {
		snprintf(err, errlen, "time: invalid duration \"%s\"", orig);
		return -1;
	}
	while (*s) {
		double v = 0, scale = 1;
		bool pre = false, post = false;
		if (!(*s == '.' || (*s >= '0' && *s <= '9'))) {
			snprintf(err, errlen, "time: invalid duration \"%s\"",
				 orig);
			return -1;
		}
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (*s - '0');
			pre = true;
			s++;
		}
		if (*s == '.') {
			s++;
			while (*s >= '0' && *s <= '9') {
				scale /= 10;
				v += (*s - '0') * scale;
				post = true;
				s++;
			}
		}
		if (!pre && !post) {
			snprintf(err, errlen, "time: invalid duration \"%s\"",
				 orig);
			return -1;
		}
		const char *u = s;
		while (*s && *s != '.' && !(*s >= '0' && *s <= '9')) {
			s++;
		}
		size_t ulen = (size_t)(s - u);
		if (ulen == 0) {
			snprintf(err, errlen, "time: missing unit in duration "
				      "\"%s\"", orig);
			return -1;
		}
		double ns = -1;
		for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
			if (strlen(units[k].unit) == ulen &&
			    strncmp(units[k].unit, u, ulen) == 0) {
				ns = units[k].ns;
			}
		}
		if (ns < 0) {
			snprintf(err, errlen, "time: unknown unit \"%.*s\" in "
				      "duration \"%s\"", (int)ulen, u, orig);
			return -1;
		}
		total += v * ns;
		if (total > 9.223372036854775807e18) {
			snprintf(err, errlen, "time: invalid duration \"%s\"",
				 orig);
			return -1;
		}
	}
	*out = (long long)(total / 1e6) * (neg ? -1 : 1);
	return 0;
}

void
timeutil_age(char *out, size_t len, const char *ts, time_t now)
{
	time_t t;

	if (!timeutil_parse(ts, &t)) {
		snprintf(out, len, "<unknown>");
		return;
	}
	timeutil_human_duration(out, len, (long long)now - (long long)t);
}
