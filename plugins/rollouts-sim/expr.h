/* SPDX-License-Identifier: Apache-2.0 */
/*
 * expr: the subset of the expr language (github.com/expr-lang/expr) that
 * Argo Rollouts analysis conditions use: `result`, indexing (`result[0]`),
 * `len(result)`, `isNaN(x)`, `isInf(x)`, numbers, booleans, comparisons
 * (< <= > >= == !=), `&&` `||` `!` and their words `and` `or` `not`,
 * arithmetic (+ - * /), parentheses. Also % ** ?:, string literals,
 * `.key`/`["key"]` on objects and Argo's asInt, asFloat, isNil, default.
 * Pure; the caller owns everything.
 */
#ifndef SIM_EXPR_H
#define SIM_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "buf.h"

/*
 * Evaluate cond with `result` bound to the given JSON value (a number, an
 * array, ...). Returns 0 with *out set, or -1 with the message (a parse or
 * type error, e.g. "invalid operation: < (mismatched types)") appended to
 * err when err is not NULL; nothing is truncated.
 */
int expr_eval_bool(const char *cond, const cJSON *result, bool *out,
		   struct buf *err);

#endif
