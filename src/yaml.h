/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaml: YAML (1.1 scalars, as Kubernetes and Helm read them) to cJSON over
 * libyaml. Multi-document streams, anchors and aliases, merge keys ("<<"),
 * block and flow styles. Plain scalars resolve as sigs.k8s.io/yaml (go-yaml
 * v2, YAML 1.1) does: null/~/empty -> null; y/Y/yes/Yes/YES/n/N/no/No/NO/
 * true/True/TRUE/false/False/FALSE/on/On/ON/off/Off/OFF -> booleans; ints
 * (decimal, 0x hex, 0o/leading-0 octal, 0b binary, with '_' separators,
 * sexagesimal 1:20) and floats (1.5, 1e3, .inf, .nan) -> numbers; anything
 * else, and every quoted or block scalar, -> string (JSON has no infinity
 * or NaN, so .inf, -.inf and .nan become the strings ".inf", "-.inf" and
 * ".nan"). Tags !!str, !!int, !!bool, !!float, !!null, !!map, !!seq are
 * honoured. Non-string map keys are written as their plain text (as
 * Kubernetes' YAML-to-JSON conversion does).
 * The caller owns every tree returned and frees it with cJSON_Delete().
 * Errors are filled in e as "FILE:LINE:COLUMN: message" (1-based), with
 * code PD_EINVALID, and the functions never print.
 */
#ifndef PD_YAML_H
#define PD_YAML_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "err.h"

/* The deepest nesting yaml_to_json() reads (open collections in one
 * document), and its message past it; gitops-render's streaming pass uses
 * the same limit and message. */
#define YAML_MAX_DEPTH 1000
#define YAML_MSG_DEPTH "document nested too deeply"
/* yaml_to_json()'s message for a key repeated in one mapping (kubectl's):
 * the key, and the line where it was first defined. */
#define YAML_MSG_DUP_KEY "mapping key \"%.200s\" already defined at line %ld"

/* Whether a mapping key is the merge key: "<<" plain and untagged, or
 * tagged !!merge (tag as libyaml gives it, NULL when untagged). Merge keys
 * may repeat; every other key text may appear once per mapping. */
int yaml_is_merge_key(const char *tag, int plain, const char *text);

/*
 * Parse every document of data (len bytes) into a new cJSON array, one
 * element per document, in order. Documents that are empty or only comments
 * are left out (as kubectl does). fname is used in error messages only (may
 * be "<stdin>"). Returns NULL on error with e filled.
 */
cJSON *yaml_to_json(const char *data, size_t len, const char *fname,
		    struct pd_err *e);

/*
 * Like yaml_to_json(), and also stores in *lines (when non-NULL) a malloc()ed
 * array of the 1-based line on which each returned document starts; the
 * caller frees it.
 */
cJSON *yaml_to_json_lines(const char *data, size_t len, const char *fname,
			  int **lines, struct pd_err *e);

/*
 * How a plain (unquoted, untagged) scalar resolves under YAML 1.1:
 * returns a new cJSON null, bool, number or string.
 */
cJSON *yaml_resolve_plain(const char *s, size_t len);

/* Serialise a cJSON tree as block-style YAML (keys in the tree's order,
 * strings quoted when plain would change their meaning), appended to a
 * malloc()ed string the caller frees. */
char *yaml_from_json(const cJSON *item);

#endif
