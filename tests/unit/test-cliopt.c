/* SPDX-License-Identifier: Apache-2.0 */
/* cliopt: full spellings only, one-line errors, booleans with =false,
 * operands anywhere. */
#include <string.h>

#include "cliopt.h"
#include "tap.h"

enum { O_VALUES = 256, O_STRICT, O_PORT_FILE };

static const struct option test_longopts[] = {
	{ "values", required_argument, NULL, O_VALUES },
	{ "strict", optional_argument, NULL, O_STRICT },
	{ "port-file", required_argument, NULL, O_PORT_FILE },
	{ "output", required_argument, NULL, 'o' },
	{ NULL, 0, NULL, 0 },
};

/* Run cliopt over words; the options seen as "c=value;" into got, the
 * operands after "|"; the error (if any) into err. Returns the last
 * cliopt_next result. */
static int
run(const char *const *words, char *got, size_t len, char *err, size_t elen)
{
	char *argv[16];
	int argc = 0;
	argv[argc++] = (char *)"prog";
	for (int i = 0; words[i]; i++) {
		argv[argc++] = (char *)words[i];
	}
	argv[argc] = NULL;
	struct cliopt co;
	struct pd_err e = { 0 };
	cliopt_init(&co, argc, argv, "o:v:i", test_longopts);
	got[0] = '\0';
	err[0] = '\0';
	int c;
	for (;;) {
		c = cliopt_next(&co, &e);
		if (c == -1 || c == '?') {
			break;
		}
		size_t n = strlen(got);
		snprintf(got + n, len - n, "%d=%s%s;", c,
			 optarg ? optarg : "", co.on ? "" : "(off)");
	}
	if (c == '?') {
		snprintf(err, elen, "%s", e.msg);
		return c;
	}
	size_t n = strlen(got);
	snprintf(got + n, len - n, "|");
	for (int i = optind; i < argc; i++) {
		n = strlen(got);
		snprintf(got + n, len - n, "%s,", argv[i]);
	}
	return c;
}

int
main(void)
{
	char got[256], err[600];

	run((const char *const[]){ "a", "--values", "v.yaml", "-o", "out",
				   "b", NULL }, got, sizeof(got), err,
	    sizeof(err));
	is_str(got, "256=v.yaml;111=out;|a,b,", "options and operands mixed");
	run((const char *const[]){ "--values=v.yaml", "-oout", NULL }, got,
	    sizeof(got), err, sizeof(err));
	is_str(got, "256=v.yaml;111=out;|", "--x=v and -ov forms");
	run((const char *const[]){ "--strict", "--strict=false", NULL }, got,
	    sizeof(got), err, sizeof(err));
	is_str(got, "257=;257=false(off);|", "a boolean, then =false");
	run((const char *const[]){ "--strict=T", "--strict=0", NULL }, got,
	    sizeof(got), err, sizeof(err));
	is_str(got, "257=T;257=0(off);|", "ParseBool spellings");
	run((const char *const[]){ "--strict", "false", NULL }, got,
	    sizeof(got), err, sizeof(err));
	is_str(got, "257=;|false,", "a separate word after a boolean is an operand");
	run((const char *const[]){ "--", "--values", NULL }, got, sizeof(got),
	    err, sizeof(err));
	is_str(got, "|--values,", "-- ends the options");

	is_int(run((const char *const[]){ "--port", "80", NULL }, got,
		   sizeof(got), err, sizeof(err)), '?', "an abbreviation");
	is_str(err, "unknown option '--port'", "is refused by its full name");
	run((const char *const[]){ "--val=x", NULL }, got, sizeof(got), err,
	    sizeof(err));
	is_str(err, "unknown option '--val'", "an abbreviation with =");
	run((const char *const[]){ "--frob", NULL }, got, sizeof(got), err,
	    sizeof(err));
	is_str(err, "unknown option '--frob'", "an unknown long option");
	run((const char *const[]){ "-x", NULL }, got, sizeof(got), err,
	    sizeof(err));
	is_str(err, "unknown option '-x'", "an unknown short option");
	run((const char *const[]){ "a", "--values", NULL }, got, sizeof(got),
	    err, sizeof(err));
	is_str(err, "option '--values' needs a value", "a long option's missing value");
	run((const char *const[]){ "-o", NULL }, got, sizeof(got), err,
	    sizeof(err));
	is_str(err, "option '-o' needs a value", "a short option's missing value");
	run((const char *const[]){ "--strict=maybe", NULL }, got, sizeof(got),
	    err, sizeof(err));
	is_str(err, "invalid argument 'maybe' for --strict: want true or false",
	       "a boolean with a bad value");
	run((const char *const[]){ "--values", "--port", NULL }, got,
	    sizeof(got), err, sizeof(err));
	is_str(got, "256=--port;|", "a value that looks like an option is a value");
	return done_testing();
}
