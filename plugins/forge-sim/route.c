/* SPDX-License-Identifier: Apache-2.0 */
/*
 * route: URL paths as segments, matched against patterns such as
 * "repos/:o/:r/pulls/:n". Pure functions, no allocation.
 */
#include <stdlib.h>
#include <string.h>

#include "forge.h"

int
route_split(char *path, char **segs, int max)
{
	int n = 0;
	char *p = path;
	while (*p) {
		while (*p == '/') {
			*p++ = '\0';
		}
		if (!*p) {
			break;
		}
		if (n == max) {
			return -1;
		}
		segs[n++] = p;
		while (*p && *p != '/') {
			p++;
		}
	}
	return n;
}

bool
route_match(char *const *segs, int n, const char *pattern,
	    const char **caps)
{
	int i = 0, k = 0;
	const char *p = pattern;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t l = end ? (size_t)(end - p) : strlen(p);
		if (i == n) {
			return false;
		}
		if (p[0] == ':') {
			if (k == ROUTE_MAX_SEGS) {
				return false;
			}
			caps[k++] = segs[i];
		} else if (strlen(segs[i]) != l || strncmp(segs[i], p, l)) {
			return false;
		}
		i++;
		p += l;
		if (*p == '/') {
			p++;
		}
	}
	return i == n;
}

bool
route_number(const char *s, long *v)
{
	if (!*s || strlen(s) > 15 || s[0] == '0') {
		return false;
	}
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9') {
			return false;
		}
	}
	*v = strtol(s, NULL, 10);
	return true;
}
