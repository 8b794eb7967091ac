/* SPDX-License-Identifier: Apache-2.0 */
/* cliopt: getopt_long without abbreviations or getopt's own messages; see
 * cliopt.h. */
#include "cliopt.h"

#include <stdio.h>
#include <string.h>

void
cliopt_init(struct cliopt *co, int argc, char **argv, const char *shortopts,
	    const struct option *longopts)
{
	memset(co, 0, sizeof(*co));
	co->argc = argc;
	co->argv = argv;
	co->shortopts = shortopts;
	co->longopts = longopts;
	/* ':' first: a missing value is reported as ':' */
	snprintf(co->shortbuf, sizeof(co->shortbuf), ":%s", shortopts);
	optind = 1;
	opterr = 0;
}

static const struct option *
cliopt_find(const struct option *longopts, const char *name, size_t len)
{
	for (const struct option *o = longopts; o->name; o++) {
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) {
			return o;
		}
	}
	return NULL;
}

/* Does short option c take a value? */
static bool
cliopt_short_has_arg(const char *shortopts, char c)
{
	const char *p = strchr(shortopts, c);
	return p && p[1] == ':';
}

/* Before getopt_long sees argv: every long option spelt in full. */
static int
cliopt_scan(const struct cliopt *co, struct pd_err *e)
{
	for (int i = 1; i < co->argc; i++) {
		const char *a = co->argv[i];
		if (strcmp(a, "--") == 0) {
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			continue;
		}
		if (a[1] != '-') {
			/* a cluster of short options; the last may take a value */
			size_t n = strlen(a);
			for (size_t k = 1; k < n; k++) {
				if (cliopt_short_has_arg(co->shortopts, a[k])) {
					if (k == n - 1) {
						i++;
					}
					break;
				}
			}
			continue;
		}
		const char *name = a + 2;
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const struct option *o = cliopt_find(co->longopts, name, len);
		if (!o) {
			return err_set(e, PD_EUSAGE, "unknown option '--%.*s'",
				       (int)len, name);
		}
		if (o->has_arg == required_argument && !eq) {
			i++;
		}
	}
	return 0;
}

/* Go's strconv.ParseBool: 0 or 1 into *on, -1 when not a boolean. */
static int
cliopt_parse_bool(const char *s, bool *on)
{
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true",
					   "True" };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false",
					  "False" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*on = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*on = false;
			return 0;
		}
	}
	return -1;
}

int
cliopt_next(struct cliopt *co, struct pd_err *e)
{
	if (!co->scanned) {
		co->scanned = true;
		if (cliopt_scan(co, e) < 0) {
			return '?';
		}
	}
	int before = optind;
	int li = -1;
	co->on = true;
	int c = getopt_long(co->argc, co->argv, co->shortbuf, co->longopts,
			    &li);
	if (c != '?' && c != ':') {
		if (li >= 0 && co->longopts[li].has_arg == optional_argument &&
		    optarg && cliopt_parse_bool(optarg, &co->on) < 0) {
			err_set(e, PD_EUSAGE, "invalid argument '%s' for "
				"--%s: want true or false", optarg,
				co->longopts[li].name);
			return '?';
		}
		return c;
	}
	/* the word getopt stopped at */
	const char *word = optind > 0 && optind - 1 < co->argc
		? co->argv[optind - 1] : "";
	if (optopt && (optind == before || word[0] != '-' || word[1] != '-')) {
		if (c == ':') {
			err_set(e, PD_EUSAGE, "option '-%c' needs a value",
				optopt);
		} else {
			err_set(e, PD_EUSAGE, "unknown option '-%c'", optopt);
		}
		return '?';
	}
	const char *eq = strchr(word, '=');
	int len = eq ? (int)(eq - word) : (int)strlen(word);
	if (c == ':') {
		err_set(e, PD_EUSAGE, "option '%.*s' needs a value", len, word);
	} else if (eq) {
		err_set(e, PD_EUSAGE, "option '%.*s' takes no value", len, word);
	} else {
		err_set(e, PD_EUSAGE, "unknown option '%.*s'", len, word);
	}
	return '?';
}
