/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-set-image: `set image NAME CONTAINER=IMAGE`: GET the rollout (and,
 * with spec.workloadRef, its Deployment), set the image of every container
 * named CONTAINER (every container for "*") among the pod template's
 * initContainers, containers and ephemeralContainers, and PUT the object
 * back, as the plugin does. A 409 Conflict starts the GET+PUT again, up to
 * 5 attempts; the fifth conflict is reported as one (exit 4) where the
 * plugin panics. A workloadRef kind other than Deployment is refused with
 * a clear message (the plugin would update a Deployment of that name).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "msg.h"
#include "write.h"
#include "xalloc.h"

#define SET_IMAGE_ATTEMPTS 5

static const struct cmd_opt cmd_set_image_opts[] = {
	WRITE_OPT_DRY_RUN,
	{ NULL, 0, 0, NULL, NULL, NULL },
};

/* Set the image; count matches and matches already at that image. */
static void
cmd_set_image_apply(cJSON *obj, const char *container, const char *image,
		    int *matched, int *same, struct buf *names)
{
	static const char *const lists[] = { "initContainers", "containers",
					     "ephemeralContainers" };
	cJSON *pod = json_path(obj, "spec.template.spec");
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		cJSON *l = cJSON_GetObjectItemCaseSensitive(pod, lists[i]);
		if (!cJSON_IsArray(l)) {
			continue;
		}
		cJSON *c;
		cJSON_ArrayForEach(c, l) {
			const char *n = json_str(c, "name");
			if (n) {
				buf_addf(names, "%s'%s'", names->len ? ", " :
					 "", n);
			}
			if (!(n && strcmp(n, container) == 0) &&
			    strcmp(container, "*") != 0) {
				continue;
			}
			const char *old = json_str(c, "image");
			if (old && strcmp(old, image) == 0) {
				(*same)++;
			}
			json_set_str(c, "image", image);
			(*matched)++;
		}
	}
}

/*
 * One attempt (1..SET_IMAGE_ATTEMPTS). 0 on success (*kind and *name
 * filled from the answer), or a negative PD_E* with ctx->err filled; a
 * 409 is -PD_ECONFLICT with ctx->err.http_status 409.
 */
static int
cmd_set_image_attempt(struct cmd_ctx *ctx, const char *rollout,
		      const char *container, const char *image, int attempt,
		      char **kind, char **name)
{
	const char *ns = cmd_namespace(ctx);
	char *rpath = write_path(ctx, &write_rollouts, rollout);
	cJSON *ro = NULL, *target = NULL, *out = NULL;
	char *path = NULL;
	struct buf names = BUF_INIT;
	int rc = write_get(ctx, rpath, "rollout", rollout, &ro);
	if (rc < 0) {
		goto out;
	}
	const cJSON *wref = json_path(ro, "spec.workloadRef");
	const char *tkind = "rollout", *tname = rollout;
	if (cJSON_IsObject(wref)) {
		const cJSON *wn = cJSON_GetObjectItemCaseSensitive(wref, "name");
		const char *wk = json_str(wref, "kind");
		if (!cJSON_IsString(wn) || !*wn->valuestring) {
			rc = err_set(&ctx->err, PD_EINVALID, "rollout '%s': "
				     "spec.workloadRef.name is not a "
				     "non-empty string", rollout);
			goto out;
		}
		if (wk && strcmp(wk, "Deployment") != 0) {
			rc = err_set(&ctx->err, PD_EINVALID, "rollout '%s' "
				     "refers to a %s (spec.workloadRef); set "
				     "image supports only a Deployment",
				     rollout, wk);
			goto out;
		}
		tkind = "deployment";
		tname = wn->valuestring;
		path = kube_path("apps", "v1", ns, "deployments", tname);
		rc = write_get(ctx, path, "deployment", tname, &target);
		if (rc < 0) {
			err_prefix(&ctx->err, "rollout '%s' (spec.workloadRef)",
				   rollout);
			goto out;
		}
	} else {
		path = rpath;
		rpath = NULL;
		target = ro;
		ro = NULL;
	}
	int matched = 0, same = 0;
	cmd_set_image_apply(target, container, image, &matched, &same,
			    &names);
	if (matched == 0) {
		rc = err_set(&ctx->err, PD_ENOTFOUND, "%s '%s' has no "
			     "container named '%s'%s%s%s", tkind, tname,
			     container, names.len ? " (it has " : "",
			     names.buf, names.len ? ")" : "");
		goto out;
	}
	if (same == matched && attempt == 1) {
		msg_note("%s '%s' already runs image '%s'", tkind, tname,
			 image);
	}
	char *body = json_print(target);
	rc = write_send(ctx, "PUT", path, WRITE_JSON, body, &out);
	free(body);
	if (rc < 0 && ctx->err.http_status == 409) {
		if (attempt == SET_IMAGE_ATTEMPTS) {
			err_prefix(&ctx->err, "cannot update %s '%s': "
				   "conflict on each of %d attempts", tkind,
				   tname, SET_IMAGE_ATTEMPTS);
		}
	} else if (rc < 0) {
		err_prefix(&ctx->err, "cannot update %s '%s'", tkind, tname);
	}
	if (rc == 0) {
		const char *k = json_str(out, "kind");
		const char *n = json_str(out, "metadata.name");
		*kind = xstrdup(k ? k : tkind);
		*name = xstrdup(n ? n : tname);
		for (char *p = *kind; *p; p++) {
			if (*p >= 'A' && *p <= 'Z') {
				*p = (char)(*p - 'A' + 'a');
			}
		}
	}
out:
	buf_release(&names);
	cJSON_Delete(ro);
	cJSON_Delete(target);
	cJSON_Delete(out);
	free(rpath);
	free(path);
	return rc;
}

static int
cmd_set_image_exec(struct cmd_ctx *ctx)
{
	const char *rollout = ctx->args[0];
	const char *spec = ctx->args[1];
	const char *eq = strchr(spec, '=');
	if (!eq || eq == spec || !eq[1] || strchr(eq + 1, '=')) {
		err_set(&ctx->err, PD_EUSAGE, "invalid argument '%s': want "
			"CONTAINER=IMAGE (CONTAINER may be '*')", spec);
		return cmd_fail(ctx);
	}
	char *container = xstrndup(spec, (size_t)(eq - spec));
	const char *image = eq + 1;
	if (!cmd_client(ctx)) {
		free(container);
		return cmd_fail(ctx);
	}
	char *kind = NULL, *name = NULL;
	int rc = -PD_ECONFLICT;
	for (int i = 1; i <= SET_IMAGE_ATTEMPTS; i++) {
		memset(&ctx->err, 0, sizeof(ctx->err));
		rc = cmd_set_image_attempt(ctx, rollout, container, image, i,
					   &kind, &name);
		if (rc != -PD_ECONFLICT || ctx->err.http_status != 409) {
			break;
		}
	}
	free(container);
	if (rc < 0) {
		return cmd_fail(ctx);
	}
	if (!write_dry_run(ctx)) {
		printf("%s \"%s\" image updated\n", kind, name);
	}
	free(kind);
	free(name);
	return 0;
}

const struct cmd_entry cmd_set_image_entry = {
	.name = "image",
	.parent = "set",
	.usage = "ROLLOUT_NAME CONTAINER=IMAGE",
	.summary = "Update the image of a rollout",
	.complete = "rollouts",
	.min_args = 2,
	.max_args = 2,
	.opts = cmd_set_image_opts,
	.exec = cmd_set_image_exec,
};
