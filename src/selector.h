/* SPDX-License-Identifier: Apache-2.0 */
/*
 * selector: Kubernetes label selectors (apimachinery labels.Parse syntax):
 * "a=b", "a==b", "a!=b", "a in (x,y)", "a notin (x)", "a", "!a", joined by
 * commas; whitespace allowed around tokens. An empty string selects
 * everything. Also converts a LabelSelector object (matchLabels and
 * matchExpressions with In, NotIn, Exists, DoesNotExist) to the same form.
 * selector_parse()/selector_from_json() return a new selector owned by the
 * caller (selector_free(NULL) is a no-op); on error they return NULL and fill
 * e with code PD_EUSAGE and a message like the API server's
 * ("unable to parse requirement: ...").
 */
#ifndef PD_SELECTOR_H
#define PD_SELECTOR_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"

struct selector;

struct selector *selector_parse(const char *s, struct pd_err *e);
/* From a metav1.LabelSelector JSON object; NULL object selects everything. */
struct selector *selector_from_json(const cJSON *ls, struct pd_err *e);
/* labels: a JSON object of string values (metadata.labels), or NULL. */
bool selector_match(const struct selector *sel, const cJSON *labels);
/* True when the selector has no requirements. */
bool selector_empty(const struct selector *sel);
/* Append the canonical string form (sorted by key, as apimachinery prints). */
void selector_format(const struct selector *sel, struct buf *out);
/*
 * Append the canonical string of a metav1.LabelSelector JSON object, as
 * metav1.LabelSelectorAsSelector(ls).String() prints it: requirements
 * sorted by key (stable), "k=v" for matchLabels, "k in (a,b)" and
 * "k notin (a,b)" with sorted values, "k" (Exists), "!k" (DoesNotExist),
 * joined by ','. A NULL, null or empty selector appends nothing. 0, or
 * -PD_EUSAGE (nothing appended) for what selector_from_json() refuses.
 */
int selector_json_string(const cJSON *ls, struct buf *out, struct pd_err *e);
void selector_free(struct selector *sel);

#endif
