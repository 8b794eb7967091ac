/* SPDX-License-Identifier: Apache-2.0 */
/*
 * render: the text of `kubectl-rollouts get rollout|experiment`, `status`
 * and `list`, byte for byte as the Argo Rollouts plugin prints it: the
 * "%-17s" header block, the tree table (tab-writer columns, padding 2, cell
 * widths counted in runes with ANSI escapes ignored, so lines of rows with
 * an empty INFO end in spaces), the icons, the plugin's ANSI colours, the
 * list tables with their printf widths and trailing spaces, and kubectl's
 * HumanDuration ages. Also a JSON view of the rollout model for -o json|yaml.
 *
 * Pure: appends to a caller's struct buf; no I/O, no clock, no environment.
 * Ownership: models (never NULL) and cJSON arguments are borrowed;
 * render_opts may be NULL (no colour, the model's now, every revision);
 * render_rollout_json()
 * returns a new tree the caller frees with cJSON_Delete(). Output lines end
 * in "\n".
 */
#ifndef PD_RENDER_H
#define PD_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "rollout.h"

struct render_opts {
	bool color;     /* the plugin's ANSI colours (ESC[<code>m...ESC[0m) */
	time_t now;     /* ages and scale-down delays; 0 = the model's now */
	int revisions;  /* 0 = all; >0 = only the newest N revisions */
};

/* The full `get rollout` text: header block, blank line, tree table. */
void render_rollout(struct buf *out, const struct ro_info *ri,
		    const struct render_opts *o);

/* The full `get experiment` text. */
void render_experiment(struct buf *out, const struct exp_info *ei,
		       const struct render_opts *o);

/*
 * The computed view for -o json|yaml (a new tree; cJSON_Delete() it). Ages
 * are those of the model's now. Schema (stable; keys in this order):
 *
 *   { "name": str, "namespace": str,
 *     "status": str, "message": str,            ("" when none)
 *     "strategy": "Canary" | "BlueGreen" | "",
 *     "step": "N/M" | null,                     (canary with steps only)
 *     "setWeight": int | null,                  (null unless Canary)
 *     "actualWeight": int | null,               (null unless Canary)
 *     "workloadRef": "Kind/name" | null,
 *     "creationTimestamp": str | null, "age": str,
 *     "images": [ { "image": str, "tags": [str] } ],   (image order)
 *     "replicas": { "desired": int, "current": int, "updated": int,
 *                   "ready": int, "available": int },
 *     "revisions": [ {                          (newest first)
 *         "revision": int,
 *         "replicaSets": [ RS ], "experiments": [ EXP ],
 *         "analysisRuns": [ AR ] } ] }
 *   RS  = { "name", "status", "age", "tags": [str]  (stable, canary|active|
 *           preview, ping, pong), "scaleDownDelay": str | null
 *           ("3h59m" or "passed"), "template": str | null,
 *           "replicas": int, "availableReplicas": int, "images": [str],
 *           "pods": [ POD ] }
 *   POD = { "name", "status", "ready": "1/1", "restarts": int, "age" }
 *   AR  = { "name", "status", "age", "successful": int, "failed": int,
 *           "inconclusive": int, "error": int,
 *           "jobs": [ { "name", "namespace", "status", "age" } ] }
 *   EXP = { "name", "status", "message", "age",
 *           "replicaSets": [ RS ], "analysisRuns": [ AR ] }
 */
cJSON *render_rollout_json(const struct ro_info *ri);

/*
 * `list rollouts`: the header and one row per Rollout in items (a cJSON
 * array, kept in its order), aligned together. Always writes the header;
 * the caller prints "No resources found." (stderr) for an empty list
 * instead. timestamps prepends TIMESTAMP (now, UTC), all_namespaces
 * NAMESPACE.
 */
void render_list_rollouts(struct buf *out, const cJSON *items,
			  bool all_namespaces, bool timestamps, time_t now);
/* One row (no header), aligned on its own, for watch updates. */
void render_list_rollout_row(struct buf *out, const cJSON *rollout,
			     bool all_namespaces, bool timestamps, time_t now);
/* Several rows (no header) aligned together (one watch flush). */
void render_list_rollout_rows(struct buf *out, const cJSON *items,
			      bool all_namespaces, bool timestamps, time_t now);

/* `list experiments`: header and rows, as render_list_rollouts(). */
void render_list_experiments(struct buf *out, const cJSON *items,
			     bool all_namespaces, time_t now);

/*
 * `status` lines. render_status_line() is the --watch form:
 * "<status> - <message>\n", or "<status>\n" when message is empty.
 * render_status_line_once() is the --watch=false form: "Healthy\n" and
 * "Degraded\n" alone, anything else "<status> - <message>\n" (even with an
 * empty message, as the plugin prints it).
 */
void render_status_line(struct buf *out, const char *status,
			const char *message);
void render_status_line_once(struct buf *out, const char *status,
			     const char *message);


#endif
