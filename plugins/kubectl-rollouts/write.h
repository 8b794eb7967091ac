/* SPDX-License-Identifier: Apache-2.0 */
/*
 * write: what the write commands (promote, abort, retry, pause, undo,
 * restart, set image, terminate) share: the --dry-run and -l/--selector
 * flags, sending a write or printing it under --dry-run, the PATCH of a
 * rollout's status subresource with the plugin's fallback to the main
 * resource on 404, and the loop over several targets (operands, or the
 * objects a LIST by label selector returns) that gives each target its own
 * line and returns the exit code of the first failure.
 *
 * Ownership: cJSON trees returned through out-parameters belong to the
 * caller; the objects handed to a write_fn are borrowed for the call. The
 * functions print (they are part of the binary, not the library).
 */
#ifndef KR_WRITE_H
#define KR_WRITE_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "cmd.h"

#define WRITE_MERGE "application/merge-patch+json"
#define WRITE_JSONPATCH "application/json-patch+json"
#define WRITE_JSON "application/json"

/* Option table lines. */
#define WRITE_OPT_DRY_RUN \
	{ "dry-run", 0, CMD_OPT_BOOL, NULL, "print the requests that would be sent, send none", NULL }
#define WRITE_OPT_SELECTOR \
	{ "selector", 'l', CMD_OPT_STR, "SELECTOR", "act on every rollout matching this label selector", NULL }

/* What a multi-target command acts on. */
struct write_kind {
	const char *plural;    /* "rollouts" (argoproj.io/v1alpha1) */
	const char *word;      /* "rollout", for messages */
};

extern const struct write_kind write_rollouts;
extern const struct write_kind write_experiments;
extern const struct write_kind write_analysisruns;

/* True under --dry-run. */
bool write_dry_run(struct cmd_ctx *ctx);

/* The path of one object (argoproj.io/v1alpha1) in the namespace;
 * malloc()ed. */
char *write_path(struct cmd_ctx *ctx, const struct write_kind *k,
		 const char *name);

/*
 * GET one object. 0 with *out set, or a negative PD_E* with ctx->err
 * filled; a 404 reads "WORD 'NAME' not found in namespace 'NS'", other
 * errors "cannot get WORD 'NAME': MESSAGE".
 */
int write_get(struct cmd_ctx *ctx, const char *path, const char *word,
	      const char *name, cJSON **out);

/*
 * Send one write, or under --dry-run print it on stdout as a block:
 *   METHOD PATH
 *   Content-Type: TYPE
 *   (empty line)
 *   BODY
 *   (empty line)
 * and send nothing (then *out is NULL). 0, or a negative PD_E* with
 * ctx->err filled. out may be NULL.
 */
int write_send(struct cmd_ctx *ctx, const char *method, const char *path,
	       const char *ctype, const char *body, cJSON **out);

/*
 * The plugin's status-subresource-first merge patch: PATCH PATH/status
 * with status_body; when that answers 404 (a CRD without the status
 * subresource) PATCH PATH with fallback_body instead, or, when
 * fallback_body is NULL, set *missing (may be NULL then) and return 0 so
 * the caller can go on. Under --dry-run only the first request is printed.
 */
int write_patch_status(struct cmd_ctx *ctx, const char *path,
		       const char *status_body, const char *fallback_body,
		       bool *missing);

/*
 * Act on one target: name, and its object when the loop fetched it (the
 * GET, or the item of the -l LIST), else NULL. Returns an exit code; on
 * failure it has already printed its error (cmd_fail).
 */
typedef int (*write_fn)(struct cmd_ctx *ctx, const char *name,
			const cJSON *obj, void *arg);

/*
 * Run fn for each target: the operands (each fetched with a GET first
 * when get is true; a missing one fails that target with exit 3), or,
 * with -l/--selector (when the command has it), every object of kind k
 * that one LIST with that labelSelector returns (none: exit 3). Operands
 * and -l together, or neither, are a usage error. Every target is tried;
 * the result is 0 or the exit code of the first failure.
 */
int write_each(struct cmd_ctx *ctx, const struct write_kind *k, bool get,
	       write_fn fn, void *arg);

/* Append a JSON string literal (quoted, escaped). */
void write_add_str(struct buf *b, const char *s);

#endif
