/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gitops: the trace from a commit to a canary. A Rollout that an Argo CD
 * Application manages carries the application's tracking annotation
 * (argocd.argoproj.io/tracking-id, Argo CD v3's default) or label
 * (app.kubernetes.io/instance, Argo CD 1.x/2.x); from it this module finds
 * the Application's name and namespace, and from the Application it reads
 * what the views show: sync status, the synced revision (full SHA), health
 * and the last operation. It also decides, for `status --revision` and
 * `status --image`, whether a given commit has been synced (or failed to)
 * and whether a rollout runs a given image.
 *
 * Pure: no I/O, no clock, no environment. The input cJSON trees are
 * borrowed for the duration of a call; gitops_ref_init() fills a struct
 * whose strings the struct owns (gitops_ref_release() frees them);
 * gitops_trace_json() returns a tree the caller owns (cJSON_Delete).
 */
#ifndef PD_GITOPS_H
#define PD_GITOPS_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "buf.h"

/* Argo CD's controller namespace, where Applications live by default. */
#define GITOPS_DEFAULT_NAMESPACE "argocd"

/* The Application that manages an object. */
struct gitops_ref {
	char *app;        /* the Application's name */
	char *ns;         /* its namespace */
	bool by_label;    /* found through the instance label, not the
			     tracking annotation */
};

/*
 * Fill ref from obj's tracking annotation ("APP:GROUP/KIND:NS/NAME", APP
 * being "NS_APP" for an application outside the controller namespace), or
 * else its app.kubernetes.io/instance label; ctl_ns is the controller
 * namespace (NULL: "argocd"). An annotation that names another object
 * (copied from one) does not count, as in Argo CD. Returns true when found.
 */
bool gitops_ref_init(struct gitops_ref *ref, const cJSON *obj,
		     const char *ctl_ns);
void gitops_ref_release(struct gitops_ref *ref);

/*
 * The chain of Applications that manage obj, nearest first, looked up in
 * apps (an array of Application objects: a LIST's items): chain[0]
 * manages obj, chain[1] manages chain[0] (app of apps), and so on, at
 * most max. Returns its length: 0 when obj is untracked or its
 * application is not in apps. The entries are borrowed from apps.
 */
size_t gitops_chain(const cJSON *apps, const cJSON *obj, const char *ctl_ns,
		    const cJSON **chain, size_t max);

/*
 * The trace of an Application, as `get rollout -o json|yaml` shows it:
 *   {"application": NAME, "namespace": NS, "syncStatus": ..., "revision":
 *    FULL_SHA, "health": ..., "lastOperation": {"phase", "message",
 *    "revision", "startedAt", "finishedAt"}, "conditions": [{"type",
 *    "message"}]}
 * Fields the Application lacks are left out.
 */
cJSON *gitops_trace_json(const cJSON *app);
/* The same for a chain: chain[0]'s trace, plus "parents": the traces of
 * the applications above it (app of apps), nearest first. */
cJSON *gitops_chain_json(const cJSON *const *chain, size_t n);

/* One line for a header: "devops-toolkit Synced to 1c4f344, Healthy". */
void gitops_summary(struct buf *out, const cJSON *app);
/* For a chain: "devops-toolkit Synced to 946d18c, Healthy; production
 * Synced to e0e17bc, Healthy". */
void gitops_chain_summary(struct buf *out, const cJSON *const *chain,
			  size_t n);

/* want (4 to 40 hex digits, any case) is a prefix of the full SHA. */
bool gitops_sha_matches(const char *full, const char *want);
/* want is a well-formed revision: 4 to 40 hex digits. */
bool gitops_sha_valid(const char *want);

enum gitops_rev {
	GITOPS_REV_PENDING,   /* not synced to it yet */
	GITOPS_REV_SYNCED,    /* synced to it: the live state matches it */
	GITOPS_REV_FAILED,    /* its sync failed, or the app cannot compare */
};
/*
 * Where the Application stands with revision want: FAILED (msg filled
 * with the application's own message) when its last operation for want
 * ended Failed or Error, or a ComparisonError or InvalidSpecError
 * condition is set; SYNCED when sync.status is Synced at a revision
 * matching want and no operation for it is still running; else PENDING.
 */
enum gitops_rev gitops_revision_state(const cJSON *app, const char *want,
				      struct buf *msg);

/*
 * The same along a chain, for a commit of any repo in it (the app's own
 * source, or the env repo of an app of apps): FAILED when an application
 * of the chain cannot compare, or the one that took want failed to sync
 * it; SYNCED when an application is synced to want and every application
 * below it has since compared its current spec (status.sync.comparedTo
 * equal to spec.source) and is Synced, with no operation running.
 */
enum gitops_rev gitops_chain_state(const cJSON *const *chain, size_t n,
				   const char *want, struct buf *msg);

/*
 * image names the release: "REPO:TAG" or "REPO@DIGEST" matches a
 * container image equal to it; ":TAG" or "@DIGEST" alone matches any
 * image with that tag or digest. True when a container (init containers
 * too) of the Rollout's pod template runs it.
 */
bool gitops_image_matches(const char *image, const char *want);
bool gitops_rollout_has_image(const cJSON *rollout, const char *want);

#endif
