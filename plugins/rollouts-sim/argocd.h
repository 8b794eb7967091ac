/* SPDX-License-Identifier: Apache-2.0 */
/*
 * argocd (private): the parts of rollouts-sim's simulated Argo CD
 * application controller. argocd.c is the reconcile loop (refresh, compare,
 * auto-sync, sync, status), run by controller.c's pass with sim_lock held;
 * argocd-git.c resolves revisions and checks sources out with the real git;
 * argocd-render.c turns a checkout into manifests (plain directories and a
 * subset of Helm); argocd-diff.c decides whether a live object differs from
 * its manifest as Argo CD's diff does; argocd-health.c holds the built-in
 * health checks. cJSON trees returned are the caller's; strings written
 * into a struct buf are the caller's to release. None of these functions
 * print: errors go into a buf (one line, the message Argo CD would show).
 */
#ifndef SIM_ARGOCD_H
#define SIM_ARGOCD_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "buf.h"

#define ARGOCD_ANN_TRACKING "argocd.argoproj.io/tracking-id"
#define ARGOCD_ANN_REFRESH "argocd.argoproj.io/refresh"
#define ARGOCD_ANN_LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

/* ---- argocd-git.c ---- */

/* Use dir (created if needed) for the bare repositories and checkouts. */
void argocd_git_init(const char *dir);
/* Resolve rev (HEAD, "", a branch, a tag, a full or abbreviated SHA) in
 * the repository at url to a full SHA (sha[41]): 0, or -1 with the reason
 * in err. */
int argocd_git_resolve(const char *url, const char *rev, char sha[41],
		       struct buf *err);
/* Check commit sha of url out (cached per SHA) and put its directory in
 * dir: 0, or -1 with the reason in err. */
int argocd_git_checkout(const char *url, const char *sha, struct buf *dir,
			struct buf *err);

/* ---- argocd-render.c ---- */

/* Render an Application's source from the checkout at root: an array of
 * manifests (objects with a kind), and *type set to "Helm" or "Directory";
 * NULL with the message (FILE:LINE where known) in err. */
cJSON *argocd_render(const cJSON *app, const char *root, const char **type,
		     struct buf *err);
/* The Helm subset alone, for one template's text: 0 with the output
 * appended to out, or -1 with "FILE:LINE: message" in err. values is the
 * merged .Values; release and chart are {Name, Namespace} and
 * {Name, Version} objects. */
int argocd_render_helm_template(const char *text, size_t len, const char *fname,
			 const cJSON *values, const cJSON *release,
			 const cJSON *chart, struct buf *out, struct buf *err);
/* Helm's value precedence: dst deep-merged with src (maps merge, null
 * removes a key, anything else replaces). */
void argocd_render_merge_values(cJSON *dst, const cJSON *src);
/* One helm.parameters entry (--set name=value, or --set-string when
 * force_string) into values: 0, or -1 with err. */
int argocd_render_set_value(cJSON *values, const char *name, const char *value,
		    bool force_string, struct buf *err);

/* ---- argocd-diff.c ---- */

/* Drop what the diff never compares (status, server-set metadata, the
 * last-applied annotation) and apply the ignoreDifferences entries of the
 * Application that match the object (group, kind, name, namespace): their
 * jsonPointers and jqPathExpressions are removed. In place. */
void argocd_diff_normalize(cJSON *obj, const cJSON *ignores);
/* Remove the RFC 6901 pointer ptr from obj (a missing path is fine). */
void argocd_diff_remove_pointer(cJSON *obj, const char *ptr);
/* Delete what a jq path of the form .a.b[].c["d"][0] selects: 0, or -1
 * (an expression outside that form) with err. */
int argocd_diff_jq_delete(cJSON *obj, const char *expr, struct buf *err);
/* Whether live differs from target as Argo CD's three-way diff reports it
 * (both normalised copies are made here; live's last-applied annotation is
 * the third side): fields only in live never count, lists of custom
 * resources compare whole. The first differing path goes to why (may be
 * NULL). */
bool argocd_diff_modified(const cJSON *target, const cJSON *live,
			  const cJSON *ignores, bool builtin, struct buf *why);

/* ---- argocd-health.c ---- */

/* The health of obj: true with *status (static) and msg filled, or false
 * when Argo CD has no health check for the kind. */
bool argocd_health(const char *group, const char *kind, const cJSON *obj,
		   const char **status, struct buf *msg);
/* Order from best to worst: Healthy < Suspended < Progressing < Missing <
 * Degraded < Unknown. */
int argocd_health_rank(const char *status);

#endif
