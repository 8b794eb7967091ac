/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rollout-validate: Argo Rollouts v1.9's Rollout validation
 * (pkg/apis/rollouts/validation: ValidateRollout, and the references lint
 * resolves inside one file: Services and their selectors, Istio
 * VirtualServices and their routes, NGINX and ALB Ingresses) with Argo's
 * field paths and messages, for `kubectl-rollouts lint` and for the
 * simulated controller's InvalidSpec condition. Each finding is a
 * field.Error: its field ("spec.strategy.maxSurge") and its body
 * ("Invalid value: 0: MaxSurge and MaxUnavailable both can not be zero");
 * Argo prints "FIELD: BODY". The findings are owned by the list, which the
 * caller releases with rollout_validate_list_release(). Nothing here prints.
 */
#ifndef PD_ROLLOUT_VALIDATE_H
#define PD_ROLLOUT_VALIDATE_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "buf.h"

struct rollout_validate_error {
	char *field;	/* NULL for a decoding error (body is the whole message) */
	char *body;	/* field.Error.ErrorBody() */
	int doc;	/* index of the document in the file (lint), else -1 */
};

struct rollout_validate_list {
	struct rollout_validate_error *v;
	size_t n, alloc;
};

#define ROLLOUT_VALIDATE_LIST_INIT { NULL, 0, 0 }

void rollout_validate_list_release(struct rollout_validate_list *l);

/* Appends "FIELD: BODY" (or BODY alone for a decoding error) to out. */
void rollout_validate_format(const struct rollout_validate_error *e, struct buf *out);

/*
 * ValidateRollout(): the spec of one Rollout (a JSON object as stored),
 * findings appended to out in Argo's order, doc set to doc. Returns how many.
 */
int rollout_validate_spec(const cJSON *ro, int doc, struct rollout_validate_list *out);

/*
 * The lint command's run over every document of a file (docs: a JSON array;
 * null and empty documents are skipped): each document must have a kind,
 * Rollouts, Services and Ingresses are decoded strictly (an unknown field
 * stops the run, as in the plugin, with one finding whose field is NULL and
 * whose body is the plugin's message), then every Rollout is validated and
 * so are the Services, Ingresses and VirtualServices of the file it
 * references. Returns the number of findings; 1 with a decoding error.
 * *fatal (when non-NULL) is set to 1 for a decoding error, else 0.
 */
int rollout_validate_file(const cJSON *docs, struct rollout_validate_list *out, int *fatal);

#endif
