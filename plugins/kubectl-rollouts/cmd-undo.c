/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-undo: `undo NAME [--to-revision N]`: GET the rollout, LIST the
 * ReplicaSets matching its selector that it controls, take revision N (by
 * default the second newest), and, unless the rollout's pod template
 * already matches it, send the plugin's JSON patch
 *   [{"op":"replace","path":"/spec/template","value":TEMPLATE}]
 * (the ReplicaSet's template without its rollouts-pod-template-hash label)
 * to the rollout, or to its workloadRef Deployment or ReplicaSet (a
 * PodTemplate gets "/template", where a PodTemplate keeps it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch.h"
#include "json.h"
#include "msg.h"
#include "write.h"
#include "xalloc.h"

#define UNDO_HASH_LABEL "rollouts-pod-template-hash"

static const struct cmd_opt cmd_undo_opts[] = {
	{ "to-revision", 0, CMD_OPT_INT, "N", "the revision to roll back to (0: the previous one)", "0" },
	WRITE_OPT_DRY_RUN,
	{ NULL, 0, 0, NULL, NULL, NULL },
};

/* The rollout.argoproj.io/revision annotation: 0 when missing, -1 when it
 * is not a number (such ReplicaSets are skipped, as the plugin skips
 * them). */
static long long
cmd_undo_revision(const cJSON *rs)
{
	const cJSON *ann = json_path(rs, "metadata.annotations");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ann,
		"rollout.argoproj.io/revision");
	if (!cJSON_IsString(v)) {
		return 0;
	}
	char *end;
	long long n = strtoll(v->valuestring, &end, 10);
	if (!*v->valuestring || *end) {
		return -1;
	}
	return n;
}

/* metav1.IsControlledBy: the controller ownerReference has the uid. */
static bool
cmd_undo_controlled(const cJSON *rs, const char *uid)
{
	const cJSON *refs = json_path(rs, "metadata.ownerReferences");
	if (!cJSON_IsArray(refs)) {
		return false;
	}
	const cJSON *r;
	cJSON_ArrayForEach(r, refs) {
		if (json_bool(r, "controller", false)) {
			const char *u = json_str(r, "uid");
			return uid && u && strcmp(u, uid) == 0;
		}
	}
	return false;
}

/*
 * apimachinery's Semantic.DeepDerivative(a, b): like equality, except that
 * what is unset or empty in a (null, "", {}, []) matches anything.
 */
static bool
cmd_undo_derivative(const cJSON *a, const cJSON *b)
{
	if (!a || cJSON_IsNull(a)) {
		return true;
	}
	if (!b || (a->type & 0xff) != (b->type & 0xff)) {
		/* a missing member or another type; true and false are
		 * separate cJSON types but one Go type */
		return cJSON_IsBool(a) && cJSON_IsBool(b) &&
		       cJSON_IsTrue(a) == cJSON_IsTrue(b);
	}
	if (cJSON_IsString(a)) {
		return !*a->valuestring || strcmp(a->valuestring,
						  b->valuestring) == 0;
	}
	if (cJSON_IsNumber(a)) {
		return a->valuedouble == b->valuedouble;
	}
	if (cJSON_IsArray(a)) {
		int n = cJSON_GetArraySize(a);
		if (n == 0) {
			return true;
		}
		if (n != cJSON_GetArraySize(b)) {
			return false;
		}
		for (const cJSON *x = a->child, *y = b->child; x && y;
		     x = x->next, y = y->next) {
			if (!cmd_undo_derivative(x, y)) {
				return false;
			}
		}
		return true;
	}
	if (cJSON_IsObject(a)) {
		if (!a->child) {
			return true;
		}
		if (cJSON_GetArraySize(a) > cJSON_GetArraySize(b)) {
			return false;
		}
		for (const cJSON *x = a->child; x; x = x->next) {
			const cJSON *y = cJSON_GetObjectItemCaseSensitive(b,
				x->string);
			if (!y || !cmd_undo_derivative(x, y)) {
				return false;
			}
		}
		return true;
	}
	return true; /* true, false: the same type */
}

static void
cmd_undo_drop_hash(cJSON *tpl)
{
	cJSON *labels = json_path(tpl, "metadata.labels");
	if (cJSON_IsObject(labels)) {
		cJSON_DeleteItemFromObjectCaseSensitive(labels,
							UNDO_HASH_LABEL);
	}
}

static int
cmd_undo_exec(struct cmd_ctx *ctx)
{
	const char *name = ctx->args[0];
	long to = 0;
	if (cmd_flag_int(ctx, "to-revision", 0, &to) < 0) {
		return cmd_fail(ctx);
	}
	if (to < 0) {
		err_set(&ctx->err, PD_EUSAGE, "invalid argument '%ld' for "
			"--to-revision: must not be negative", to);
		return cmd_fail(ctx);
	}
	struct kube_client *c = cmd_client(ctx);
	if (!c) {
		return cmd_fail(ctx);
	}
	const char *ns = cmd_namespace(ctx);
	char *rpath = write_path(ctx, &write_rollouts, name);
	cJSON *ro = NULL, *list = NULL, *tpl = NULL;
	char *target = NULL, *body = NULL;
	int rc = write_get(ctx, rpath, "rollout", name, &ro);
	if (rc < 0) {
		goto fail;
	}

	/* the ReplicaSets it controls, by its selector */
	char *q = fetch_selector_query(json_path(ro, "spec.selector"));
	char *rspath = kube_path("apps", "v1", ns, "replicasets", NULL);
	rc = kube_list(c, rspath, q, &list, &ctx->err);
	free(q);
	free(rspath);
	if (rc < 0) {
		err_prefix(&ctx->err, "cannot list the replicasets of rollout "
			   "'%s'", name);
		goto fail;
	}
	const char *uid = json_str(ro, "metadata.uid");
	const cJSON *items = cJSON_GetObjectItem(list, "items");
	const cJSON *rs, *latest = NULL, *prev = NULL, *pick = NULL;
	long long latest_rev = -1, prev_rev = -1;
	cJSON_ArrayForEach(rs, items) {
		long long v = cmd_undo_revision(rs);
		if (v < 0 || !cmd_undo_controlled(rs, uid)) {
			continue;
		}
		if (to > 0) {
			if (v == to) {
				pick = rs;
				break;
			}
		} else if (latest_rev < v) {
			prev_rev = latest_rev;
			prev = latest;
			latest_rev = v;
			latest = rs;
		} else if (prev_rev < v) {
			prev_rev = v;
			prev = rs;
		}
	}
	long long rev = to;
	if (to == 0) {
		pick = prev;
		rev = prev_rev;
	}
	if (!pick) {
		if (to > 0) {
			rc = err_set(&ctx->err, PD_ENOTFOUND, "revision %ld of "
				     "rollout '%s' not found", to, name);
		} else {
			rc = err_set(&ctx->err, PD_ENOTFOUND, "rollout '%s' has "
				     "no previous revision", name);
		}
		goto fail;
	}
	const cJSON *rst = json_path(pick, "spec.template");
	tpl = cJSON_IsObject(rst) ? cJSON_Duplicate(rst, 1)
				  : cJSON_CreateObject();

	/* already there? (compared without the hash label) */
	const cJSON *cur = json_path(ro, "spec.template");
	if (cJSON_IsObject(cur)) {
		cJSON *a = cJSON_Duplicate(cur, 1);
		cmd_undo_drop_hash(a);
		cmd_undo_drop_hash(tpl);
		bool same = cmd_undo_derivative(a, tpl);
		cJSON_Delete(a);
		if (same) {
			printf("skipped rollback (current template already "
			       "matches revision %lld)\n", rev);
			goto done;
		}
	}
	cmd_undo_drop_hash(tpl);

	/* where the template goes */
	const char *jpath = "/spec/template";
	const cJSON *wref = json_path(ro, "spec.workloadRef");
	if (cJSON_IsObject(wref)) {
		const char *wk = json_str(wref, "kind");
		const char *wn = json_str(wref, "name");
		if (!wn || !*wn) {
			rc = err_set(&ctx->err, PD_EINVALID, "rollout '%s': "
				     "spec.workloadRef.name is not a non-empty "
				     "string", name);
			goto fail;
		}
		if (wk && strcmp(wk, "Deployment") == 0) {
			target = kube_path("apps", "v1", ns, "deployments", wn);
		} else if (wk && strcmp(wk, "ReplicaSet") == 0) {
			target = kube_path("apps", "v1", ns, "replicasets", wn);
		} else if (wk && strcmp(wk, "PodTemplate") == 0) {
			target = kube_path("", "v1", ns, "podtemplates", wn);
			jpath = "/template";
		} else {
			rc = err_set(&ctx->err, PD_EINVALID, "rollout '%s' "
				     "refers to a %s (spec.workloadRef); undo "
				     "supports Deployment, ReplicaSet and "
				     "PodTemplate", name, wk ? wk : "workload "
				     "of no kind");
			goto fail;
		}
	}
	struct buf b = BUF_INIT;
	buf_adds(&b, "[{\"op\":\"replace\",\"path\":");
	write_add_str(&b, jpath);
	buf_adds(&b, ",\"value\":");
	json_write(&b, tpl);
	buf_adds(&b, "}]");
	body = buf_detach(&b, NULL);
	rc = write_send(ctx, "PATCH", target ? target : rpath, WRITE_JSONPATCH,
			body, NULL);
	if (rc < 0) {
		err_prefix(&ctx->err, "cannot restore revision %lld of rollout "
			   "'%s'", rev, name);
		goto fail;
	}
	if (!write_dry_run(ctx)) {
		printf("rollout '%s' undo\n", name);
	}
done:
	rc = 0;
fail:
	cJSON_Delete(ro);
	cJSON_Delete(list);
	cJSON_Delete(tpl);
	free(rpath);
	free(target);
	free(body);
	return rc < 0 ? cmd_fail(ctx) : 0;
}

const struct cmd_entry cmd_undo_entry = {
	.name = "undo",
	.usage = "ROLLOUT_NAME [--to-revision N]",
	.summary = "Undo a rollout",
	.complete = "rollouts",
	.min_args = 1,
	.max_args = 1,
	.opts = cmd_undo_opts,
	.exec = cmd_undo_exec,
};
