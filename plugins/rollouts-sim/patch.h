/* SPDX-License-Identifier: Apache-2.0 */
/*
 * patch: the three patch formats the Kubernetes API accepts, applied by
 * rollouts-sim's write paths to a cJSON document in place. Each function
 * takes the address of the document root (it may be replaced, e.g. by a
 * merge patch that is not an object; the caller owns *doc before and after)
 * and a patch it only borrows. On error the document is left unchanged and e is
 * filled: PD_EUSAGE for a patch that cannot be decoded (the API server's 400
 * BadRequest), PD_ECONFLICT for a patch that decodes but cannot be applied
 * (its 422, e.g. a failed "test" or a missing path).
 */
#ifndef SIM_PATCH_H
#define SIM_PATCH_H

#include <cjson/cJSON.h>

#include "err.h"

/* RFC 7386 JSON merge patch: null deletes, objects merge, the rest replace. */
int patch_merge(cJSON **doc, const cJSON *patch, struct pd_err *e);

/* RFC 6902 JSON patch (add, remove, replace, move, copy, test; JSON Pointer
 * paths with ~0/~1 escapes and "-" for the array end). */
int patch_json(cJSON **doc, const cJSON *ops, struct pd_err *e);

/*
 * Strategic merge patch for built-in kinds: like a merge patch, but lists of
 * objects with a known merge key are merged by that key (containers,
 * initContainers, ephemeralContainers, volumes, env, imagePullSecrets by
 * "name"; ports/containerPort ... see patch.c for the table), and the
 * directives "$patch": "replace" | "delete" | "merge",
 * "$deleteFromPrimitiveList/<key>", "$setElementOrder/<key>" and
 * "$retainKeys" are honoured. Lists without a merge key are replaced.
 */
int patch_strategic(cJSON **doc, const cJSON *patch, struct pd_err *e);

#endif
