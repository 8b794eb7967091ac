/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for rollouts-sim's expr: the condition language of Argo
 * Rollouts' analysis (operators, precedence, functions, type and runtime
 * errors). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "expr.h"

/* Evaluate cond with result parsed from JSON (NULL: no result). */
static int
eval(const char *cond, const char *result_json, bool *out, struct buf *err)
{
	cJSON *r = result_json ? cJSON_Parse(result_json) : NULL;
	int rc = expr_eval_bool(cond, r, out, err);
	cJSON_Delete(r);
	return rc;
}

static void
is_true(const char *cond, const char *result_json, bool want)
{
	struct buf err = BUF_INIT;
	bool out = !want;
	int rc = eval(cond, result_json, &out, &err);
	if (!ok(rc == 0 && out == want, "%s with result %s is %s", cond,
		result_json ? result_json : "nil", want ? "true" : "false")) {
		printf("# rc %d, out %d, err '%s'\n", rc, out, err.buf);
	}
	buf_release(&err);
}

static void
is_err(const char *cond, const char *result_json, const char *want)
{
	struct buf err = BUF_INIT;
	bool out = true;
	int rc = eval(cond, result_json, &out, &err);
	ok(rc == -1 && !out, "%s with result %s fails", cond,
	   result_json ? result_json : "nil");
	is_str(err.buf, want, "  message");
	buf_release(&err);
}

static void
test_argo_conditions(void)
{
	is_true("result[0] >= 0.8", "[0.9975]", true);
	is_true("result[0] >= 0.8", "[0.5]", false);
	is_true("result[0] < 0.8", "[0.5]", true);
	is_true("result <= 1000", "500", true);
	is_true("result <= 1000", "1500.5", false);
	is_true("result[0] <= 1000", "[1000]", true);
	is_true("result[0] < 0.8 || isNaN(result[0])", "[0.9]", false);
	is_true("result[0] < 0.8 || isNaN(result[0])", "[0.7]", true);
	is_true("len(result) > 0 && result[0] > 0.9", "[]", false);
	is_true("len(result) > 0 && result[0] > 0.9", "[0.95]", true);
	is_true("len(result) == 3", "[1, 2, 3]", true);
	is_true("!(result > 5)", "3", true);
	is_true("!(result > 5)", "7", false);
	is_true("result == true", "true", true);
	is_true("result == true", "false", false);
	is_true("result != false", "true", true);
	is_true("result", "true", true);
	is_true("result[0] > 0.9 and result[1] > 0.9", "[0.95, 0.91]", true);
	is_true("result[-1] == 3", "[1, 2, 3]", true);
	is_true("result.status == \"ok\"", "{\"status\": \"ok\"}", true);
	is_true("result['count'] > 2", "{\"count\": 3}", true);
	is_true("result.missing == nil", "{\"a\": 1}", true);
	is_true("result != nil", "1", true);
	is_true("isNil(result)", "null", true);
	is_true("isNil(result)", "[]", false);
	is_true("default(result, 5) == 5", "null", true);
	is_true("default(result, 5) == 2", "2", true);
	is_true("asInt(\"42\") == 42", NULL, true);
	is_true("asFloat(\"0.5\") == 0.5", NULL, true);
	is_true("asInt(result) == 2", "2.9", true);
	is_true("result > 1 ? true : false", "2", true);
	is_true("result > 1 ? false : true", "2", false);

	/* NaN and infinities come from providers as numbers */
	cJSON *arr = cJSON_CreateArray();
	cJSON_AddItemToArray(arr, cJSON_CreateNumber(NAN));
	bool out = false;
	ok(expr_eval_bool("result[0] < 0.8 || isNaN(result[0])", arr, &out, NULL) == 0 && out,
	   "isNaN(result[0]) on a NaN sample");
	ok(expr_eval_bool("result[0] >= 0.8", arr, &out,
			  NULL) == 0 && !out,
	   "NaN compares false");
	ok(expr_eval_bool("result[0] == result[0]", arr, &out,
			  NULL) == 0 && !out,
	   "NaN is not equal to itself");
	cJSON_Delete(arr);
	cJSON *inf = cJSON_CreateNumber(INFINITY);
	ok(expr_eval_bool("isInf(result) && !isNaN(result)", inf, &out,
			  NULL) == 0 && out, "isInf(+Inf)");
	cJSON_Delete(inf);
	ok(expr_eval_bool("isNil(result)", NULL, &out, NULL) == 0 &&
	   out, "a NULL result is nil");
}

static void
test_operators(void)
{
	/* arithmetic and precedence */
	is_true("1 + 2 * 3 == 7", NULL, true);
	is_true("(1 + 2) * 3 == 9", NULL, true);
	is_true("10 - 2 - 3 == 5", NULL, true);
	is_true("2 * 3 - 4 / 2 == 4", NULL, true);
	is_true("10 / 4 == 2.5", NULL, true);
	is_true("7 % 3 == 1", NULL, true);
	is_true("-7 % 3 == -1", NULL, true);
	is_true("2 ** 3 ** 2 == 512", NULL, true);
	is_true("2 ^ 10 == 1024", NULL, true);
	is_true("-2 ** 2 == -4", NULL, true);
	is_true("-result[0] < 0", "[0.5]", true);
	is_true("+result == 3", "3", true);
	is_true("1 == 1.0", NULL, true);
	is_true("0x10 == 16 && 1_000 == 1000 && 1e3 == 1000 && .5 == 0.5",
		NULL, true);
	is_true("result[0] * 100 >= 99", "[0.99]", true);
	/* comparisons */
	is_true("1 < 2", NULL, true);
	is_true("2 <= 2", NULL, true);
	is_true("3 > 2", NULL, true);
	is_true("2 >= 3", NULL, false);
	is_true("1 != 2", NULL, true);
	is_true("1 < 2 == true", NULL, true);
	is_true("\"a\" < \"b\" && \"abc\" == 'abc'", NULL, true);
	is_true("\"a\" + \"b\" == \"ab\"", NULL, true);
	is_true("\"tab\\there\" != \"tab here\"", NULL, true);
	/* logic */
	is_true("true || false && false", NULL, true);
	is_true("(true || false) && false", NULL, false);
	is_true("not false", NULL, true);
	is_true("true and not false", NULL, true);
	is_true("false or true", NULL, true);
	is_true("!true || !false", NULL, true);
	is_true("not (1 > 2) and 2 > 1", NULL, true);
	/* short-circuit: the right side does not run */
	is_true("false && result[5] > 1", "[1]", false);
	is_true("true || result[5] > 1", "[1]", true);
	/* arrays holding other things are []interface {} */
	is_true("result[0] > 0.9", "[0.95, \"x\"]", true);
}

static void
test_errors(void)
{
	is_err("result[0] >= 0.8", "[]",
	       "index out of range: 0 (array length is 0)");
	is_err("result[3] > 1", "[1]",
	       "index out of range: 3 (array length is 1)");
	is_err("result[-2] > 1", "[1]",
	       "index out of range: -1 (array length is 1)");
	is_err("result <= 1000", "[0.5]",
	       "invalid operation: <= (mismatched types []float64 and int)");
	is_err("result == true", "1",
	       "invalid operation: == (mismatched types float64 and bool)");
	is_err("result > 0.5", "\"abc\"",
	       "invalid operation: > (mismatched types string and float64)");
	is_err("result[0] >= 0.8", "0.5", "type float64[int] is undefined");
	is_err("result[0.5] > 1", "[1]",
	       "array elements can only be selected using an integer (got "
	       "float64)");
	is_err("result.x > 1", "1", "type float64 has no field x");
	is_err("result + 1", "1", "expected bool, but got float64");
	is_err("1 + 2", NULL, "expected bool, but got int");
	is_err("result", "[1]", "expected bool, but got []float64");
	is_err("!result", "1",
	       "invalid operation: ! (mismatched type float64)");
	is_err("-true", NULL, "invalid operation: - (mismatched type bool)");
	is_err("result && true", "1",
	       "invalid operation: && (mismatched types float64 and bool)");
	is_err("false && result > 5", "[1]",
	       "invalid operation: > (mismatched types []float64 and int)");
	is_err("1.5 % 1 == 0", NULL,
	       "invalid operation: % (mismatched types float64 and int)");
	is_err("1 % 0 == 0", NULL, "runtime error: integer divide by zero");
	is_err("result[1] > 0.9", "[0.95, \"x\"]",
	       "invalid operation: > (mismatched types string and float64)");
	is_err("result.missing > 1", "{\"a\": 1}",
	       "invalid operation: > (mismatched types <nil> and int)");
	is_err("result.a.b > 1", "{\"a\": 1}", "cannot fetch b from float64");
	is_err("result[0] > 1", "null",
	       "cannot fetch 0 from <nil>");
	is_err("foo > 1", NULL, "unknown name foo");
	is_err("bar(result)", "1", "unknown name bar");
	is_err("len(result) > 0", "5", "invalid argument for len (type "
	       "float64)");
	is_err("isNaN(true)", NULL, "cannot use bool as argument (type "
	       "float64) to call isNaN");
	is_err("len() > 0", NULL, "not enough arguments to call len");
	is_err("isNaN(1, 2)", NULL, "too many arguments to call isNaN");
	is_err("asInt(\"x\") > 1", NULL,
	       "strconv.ParseInt: parsing \"x\": invalid syntax");
	is_err("1 ? true : false", NULL,
	       "non-bool expression (type int) used as condition");
	is_err("", NULL, "unexpected end of expression");
	is_err("result >", "1", "unexpected end of expression");
	is_err("(result > 1", "1", "unexpected end of expression");
	is_err("result > 1)", "1", "unexpected token Operator(\")\")");
	is_err("result > 1 1", "1", "unexpected token Number(\"1\")");
	is_err("result and", "true", "unexpected end of expression");
	is_err("result # 1", "1", "unrecognized character: U+0023 '#'");
	is_err("\"abc == 1", NULL, "literal not terminated");
	is_err("1x > 0", NULL, "bad number syntax: \"1x\"");

	/* the message is appended to the caller's buffer; none is fine */
	bool out = true;
	struct buf msg = BUF_INIT;
	buf_adds(&msg, "x: ");
	ok(expr_eval_bool("result >", NULL, &out, &msg) == -1 &&
	   strcmp(msg.buf, "x: unexpected end of expression") == 0,
	   "error appended to the buffer");
	buf_release(&msg);
	ok(expr_eval_bool("result >", NULL, &out, NULL) == -1,
	   "no error buffer");
	ok(expr_eval_bool(NULL, NULL, &out, NULL) == -1, "NULL condition");

	/* deep nesting is refused, not a stack overflow */
	char deep[1200];
	size_t n = 0;
	for (int i = 0; i < 500; i++) {
		deep[n++] = '(';
	}
	deep[n++] = 'r';
	deep[n] = '\0';
	ok(expr_eval_bool(deep, NULL, &out, NULL) == -1,
	   "500 nested parentheses refused");
}

/* Numbers of any length: the fuzz finding minimal-number-overflow (a
 * 127-digit mantissa followed by '.', 'e' and a sign overran the lexer's
 * 128-byte buffer). */
static void
test_long_numbers(void)
{
	struct buf cond = BUF_INIT;
	for (int i = 0; i < 127; i++) {
		buf_addch(&cond, '1');
	}
	buf_adds(&cond, "1.5e+1 > 0");
	is_true(cond.buf, NULL, true);
	/* the same with the finding's length of digits in every part */
	buf_reset(&cond);
	buf_adds(&cond, "result < 0.");
	for (int i = 0; i < 300; i++) {
		buf_addch(&cond, '9');
	}
	buf_adds(&cond, "e-");
	for (int i = 0; i < 200; i++) {
		buf_addch(&cond, i == 0 ? '1' : '0');
	}
	/* 0.999...e-1000...: underflows to 0, as Go's ParseFloat */
	is_true(cond.buf, "-1", true);
	buf_reset(&cond);
	buf_adds(&cond, "0.");
	for (int i = 0; i < 5000; i++) {
		buf_addch(&cond, '5');
	}
	buf_adds(&cond, " > 0.5");
	is_true(cond.buf, NULL, true);
	/* a 200-digit integer: too large for int, the whole literal named */
	buf_reset(&cond);
	for (int i = 0; i < 200; i++) {
		buf_addch(&cond, '7');
	}
	struct buf want = BUF_INIT;
	buf_addf(&want, "integer literal is too large: %s", cond.buf);
	buf_adds(&cond, " > 0");
	is_err(cond.buf, NULL, want.buf);
	/* a float beyond float64 */
	buf_reset(&cond);
	buf_reset(&want);
	buf_adds(&cond, "1e400");
	buf_addf(&want, "invalid float literal: %s", cond.buf);
	buf_adds(&cond, " > 0");
	is_err(cond.buf, NULL, want.buf);
	/* underscores between digits are dropped, as expr's lexer does */
	is_true("1_000_000.000_5 > 999999", NULL, true);
	buf_release(&want);
	buf_release(&cond);
}

int
main(void)
{
	test_argo_conditions();
	test_long_numbers();
	test_operators();
	test_errors();
	return done_testing();
}
