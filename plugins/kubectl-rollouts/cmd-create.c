/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-create: `create -f FILE...` and `create analysisrun`, as the plugin's
 * pkg/kubectl-argo-rollouts/cmd/create does them.
 *
 * create -f reads each file (JSON when its first non-space byte is '{',
 * else YAML, one document), decodes it as the plugin does (strictly: the
 * first field its Go types do not have is an error, exit 8, named as
 * sigs.k8s.io/yaml or encoding/json name it, src/argo-schema.h), refuses
 * every kind but Rollout, Experiment, AnalysisTemplate,
 * ClusterAnalysisTemplate and AnalysisRun of argoproj.io ("creates of
 * GROUP/KIND unsupported"), and POSTs it to metadata.namespace or -n,
 * printing "SINGULAR.argoproj.io/NAME created" (the plugin's "analysistemplate"
 * for a ClusterAnalysisTemplate too). Files go in order and the first
 * failure ends the command. -w then watches the created Rollout or
 * Experiment as `get rollout|experiment NAME -w` (with its
 * --exit-on-complete and --timeout-seconds).
 *
 * create analysisrun builds an AnalysisRun from an AnalysisTemplate or,
 * with --global, a ClusterAnalysisTemplate, in the cluster (--from) or in a
 * file (--from-file): the template's args merged with -a NAME=VALUE
 * (utils/analysis MergeArgs and ResolveArgs: "args.NAME was not
 * resolved"), its name from --name, --generate-name or TEMPLATE- as a
 * generateName, --instance-id as the one label (the plugin replaces the
 * template's labels with it).
 *
 * Where this differs from the plugin, on purpose: the checks that need no
 * server (watching several files, a kind that cannot be watched) come
 * before anything is created; a ClusterAnalysisTemplate is created at its
 * cluster-scoped path (the plugin sends it under a namespace, which a real
 * server answers with 404); --dry-run prints each request and sends none;
 * exit codes are the project's (8 for a file refused, 2 for usage, the
 * server's answer mapped as everywhere else).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argo-schema.h"
#include "json.h"
#include "msg.h"
#include "write.h"
#include "xalloc.h"
#include "yaml.h"

extern const struct cmd_entry cmd_get_rollout_entry;
extern const struct cmd_entry cmd_get_experiment_entry;

static const struct cmd_opt cmd_create_opts[] = {
	{ "filename", 'f', CMD_OPT_LIST, "FILE", "file to create the resource from (repeatable; - for stdin)", NULL },
	{ "watch", 'w', CMD_OPT_BOOL, NULL, "watch live updates to the created rollout or experiment", NULL },
	{ "exit-on-complete", 0, CMD_OPT_BOOL, NULL, "with --watch, exit when the rollout is Healthy (0) or Degraded (7)", NULL },
	{ "timeout-seconds", 0, CMD_OPT_INT, "N", "with --watch, stop watching after N seconds (0: never)", "0" },
	WRITE_OPT_DRY_RUN,
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct cmd_opt cmd_create_analysisrun_opts[] = {
	{ "from", 0, CMD_OPT_STR, "TEMPLATE", "create the run from this AnalysisTemplate (ClusterAnalysisTemplate with --global) in the cluster", NULL },
	{ "from-file", 0, CMD_OPT_STR, "FILE", "create the run from the template in this file", NULL },
	{ "global", 0, CMD_OPT_BOOL, NULL, "use a ClusterAnalysisTemplate instead of an AnalysisTemplate", NULL },
	{ "name", 0, CMD_OPT_STR, "NAME", "use this name for the run", NULL },
	{ "generate-name", 0, CMD_OPT_STR, "PREFIX", "use this generateName for the run", NULL },
	{ "instance-id", 0, CMD_OPT_STR, "ID", "instance-id label of the run", NULL },
	{ "argument", 'a', CMD_OPT_LIST, "NAME=VALUE", "a value for one of the template's args (repeatable)", NULL },
	WRITE_OPT_DRY_RUN,
	{ NULL, 0, 0, NULL, NULL, NULL },
};

/* The kinds create -f takes: kind, plural, what it prints, scope. */
struct cmd_create_kind {
	const char *kind;
	const char *plural;
	const char *singular;
	bool namespaced;
};

static const struct cmd_create_kind cmd_create_kinds[] = {
	{ "Experiment", "experiments", "experiment", true },
	{ "Rollout", "rollouts", "rollout", true },
	{ "AnalysisTemplate", "analysistemplates", "analysistemplate", true },
	/* the plugin prints AnalysisTemplateSingular for these too */
	{ "ClusterAnalysisTemplate", "clusteranalysistemplates",
	  "analysistemplate", false },
	{ "AnalysisRun", "analysisruns", "analysisrun", true },
};

/* A file's text and its one object. */
struct cmd_create_doc {
	char *file;        /* as given */
	bool json;         /* first non-space byte '{' */
	cJSON *obj;
	const struct cmd_create_kind *k;
};

static void
cmd_create_doc_release(struct cmd_create_doc *d)
{
	cJSON_Delete(d->obj);
	memset(d, 0, sizeof(*d));
}

/* Read and parse path into d: 0, or a negative PD_E* with ctx->err filled
 * (exit 8). */
static int
cmd_create_read(struct cmd_ctx *ctx, const char *path,
		struct cmd_create_doc *d)
{
	struct buf data = BUF_INIT;
	memset(d, 0, sizeof(*d));
	d->file = (char *)path;
	if (buf_read_file(&data, path) != 0) {
		/* os.ReadFile's words: "open FILE: no such file or directory" */
		char why[128];
		snprintf(why, sizeof(why), "%s", strerror(errno));
		why[0] = (char)tolower((unsigned char)why[0]);
		buf_release(&data);
		return err_set(&ctx->err, PD_EINVALID, "open %s: %s", path,
			       why);
	}
	const char *p = data.buf;
	while (*p && isspace((unsigned char)*p)) {
		p++;
	}
	d->json = *p == '{';
	const char *fname = strcmp(path, "-") == 0 ? "<stdin>" : path;
	if (d->json) {
		struct pd_err e = { 0 };
		d->obj = json_parse(data.buf, data.len, &e);
		if (!d->obj) {
			buf_release(&data);
			return err_set(&ctx->err, PD_EINVALID, "'%s': %s", fname,
				       e.msg);
		}
	} else {
		cJSON *docs = yaml_to_json(data.buf, data.len, fname,
					   &ctx->err);
		if (!docs) {
			buf_release(&data);
			ctx->err.code = PD_EINVALID;
			return -PD_EINVALID;
		}
		/* sigs.k8s.io/yaml reads the first document */
		if (docs->child) {
			d->obj = cJSON_DetachItemViaPointer(docs, docs->child);
		}
		cJSON_Delete(docs);
	}
	buf_release(&data);
	if (!cJSON_IsObject(d->obj)) {
		cJSON_Delete(d->obj);
		d->obj = NULL;
		return err_set(&ctx->err, PD_EINVALID, "'%s': the file does not "
			       "hold an object", fname);
	}
	return 0;
}

struct cmd_create_first {
	char *path;
	char *field;
};

static void
cmd_create_unknown(void *cls, const char *path, const char *field)
{
	struct cmd_create_first *f = cls;
	if (!f->field) {
		f->path = xstrdup(path);
		f->field = xstrdup(field);
	}
}

/* The plugin's strict decoding of d as kind: 0, or -PD_EINVALID with its
 * message (and where the field is). */
static int
cmd_create_strict(struct cmd_ctx *ctx, const struct cmd_create_doc *d,
		  const char *kind)
{
	struct cmd_create_first f = { NULL, NULL };
	/* YAML goes through JSON with sorted keys, so Go meets the fields in
	 * byte order; JSON is decoded in document order */
	if (d->json) {
		argo_schema_unknown(d->obj, kind, cmd_create_unknown, &f);
	} else {
		argo_schema_unknown_sorted(d->obj, kind, cmd_create_unknown,
					   &f);
	}
	if (!f.field) {
		return 0;
	}
	struct buf m = BUF_INIT;
	buf_addf(&m, d->json ? ARGO_SCHEMA_MSG_JSON : ARGO_SCHEMA_MSG_YAML,
		 f.field);
	int rc = err_set(&ctx->err, PD_EINVALID, "'%s': %s (at %s%s%s)",
			 strcmp(d->file, "-") == 0 ? "<stdin>" : d->file,
			 m.buf, f.path, *f.path ? "." : "", f.field);
	buf_release(&m);
	free(f.path);
	free(f.field);
	return rc;
}

/* Check what create -f can check without a server: 0, or a negative PD_E*
 * with ctx->err filled. */
static int
cmd_create_check(struct cmd_ctx *ctx, struct cmd_create_doc *d)
{
	const char *av = json_str(d->obj, "apiVersion");
	const char *kind = json_str(d->obj, "kind");
	const char *slash = av ? strchr(av, '/') : NULL;
	char *group = slash ? xstrndup(av, (size_t)(slash - av)) : xstrdup("");
	bool argo = strcmp(group, "argoproj.io") == 0;
	for (size_t i = 0; argo && kind &&
	     i < sizeof(cmd_create_kinds) / sizeof(cmd_create_kinds[0]); i++) {
		if (strcmp(kind, cmd_create_kinds[i].kind) == 0) {
			d->k = &cmd_create_kinds[i];
		}
	}
	if (!d->k) {
		int rc = err_set(&ctx->err, PD_EINVALID, "creates of %s/%s "
				 "unsupported", group, kind ? kind : "");
		free(group);
		return rc;
	}
	free(group);
	return cmd_create_strict(ctx, d, d->k->kind);
}

/* The collection path of k in ns (cluster-scoped when k is). */
static char *
cmd_create_path(const struct cmd_create_kind *k, const char *ns)
{
	return kube_path("argoproj.io", "v1alpha1", k->namespaced ? ns : NULL,
			 k->plural, NULL);
}

/* POST obj as kind k; prints the plugin's line. 0, or a negative PD_E*
 * with ctx->err filled. *name: the created object's name (caller frees). */
static int
cmd_create_post(struct cmd_ctx *ctx, const struct cmd_create_kind *k,
		const char *ns, const cJSON *obj, char **name)
{
	char *path = cmd_create_path(k, ns);
	char *body = json_print(obj);
	cJSON *out = NULL;
	int rc = write_send(ctx, "POST", path, WRITE_JSON, body, &out);
	free(body);
	free(path);
	if (rc < 0) {
		const char *n = json_str(obj, "metadata.name");
		err_prefix(&ctx->err, "cannot create %s '%s'", k->singular,
			   n && *n ? n : json_str(obj, "metadata.generateName")
			   ? json_str(obj, "metadata.generateName") : "");
		return rc;
	}
	if (out) {
		const char *n = json_str(out, "metadata.name");
		printf("%s.argoproj.io/%s created\n", k->singular, n ? n : "");
		*name = xstrdup(n ? n : "");
	}
	cJSON_Delete(out);
	return 0;
}

/* -w: run `get rollout|experiment NAME` with this command's flags. */
static int
cmd_create_watch(struct cmd_ctx *ctx, const struct cmd_create_kind *k,
		 const char *ns, char *name)
{
	bool ro = strcmp(k->kind, "Rollout") == 0;
	char *args[1] = { name };
	/* the object's namespace is the one to watch in */
	if (cmd_config(ctx) == 0 && strcmp(cmd_namespace(ctx), ns) != 0) {
		free(ctx->cfg.namespace);
		ctx->cfg.namespace = xstrdup(ns);
	}
	ctx->entry = ro ? &cmd_get_rollout_entry : &cmd_get_experiment_entry;
	ctx->args = args;
	ctx->nargs = 1;
	return ctx->entry->exec(ctx);
}

static int
cmd_create_exec(struct cmd_ctx *ctx)
{
	const char **files = NULL;
	int nfiles = 0;
	for (int i = 0; i < ctx->nvals; i++) {
		if (strcmp(ctx->val_name[i], "filename") == 0) {
			files = xrealloc(files, (size_t)(nfiles + 1) *
					 sizeof(*files));
			files[nfiles++] = ctx->val[i];
		}
	}
	bool watch = cmd_flag_bool(ctx, "watch", false);
	int rc = 0;
	if (nfiles == 0) {
		err_set(&ctx->err, PD_EUSAGE, "required flag \"filename\" not "
			"set: kubectl rollouts create -f FILE [-f FILE]... "
			"[-w]");
		free(files);
		return cmd_fail(ctx);
	}
	if (nfiles > 1 && watch) {
		err_set(&ctx->err, PD_EUSAGE, "Cannot watch multiple resources");
		free(files);
		return cmd_fail(ctx);
	}
	struct cmd_create_doc *docs = xcalloc((size_t)nfiles, sizeof(*docs));
	/* every file read and checked before the first is created */
	for (int i = 0; i < nfiles && rc == 0; i++) {
		rc = cmd_create_read(ctx, files[i], &docs[i]);
		if (rc == 0) {
			rc = cmd_create_check(ctx, &docs[i]);
		}
	}
	if (rc == 0 && watch && strcmp(docs[0].k->kind, "Rollout") != 0 &&
	    strcmp(docs[0].k->kind, "Experiment") != 0) {
		rc = err_set(&ctx->err, PD_EUSAGE, "Can only watch resources "
			     "of type Rollout or Experiment");
	}
	if (rc == 0 && !write_dry_run(ctx) && !cmd_client(ctx)) {
		rc = -(ctx->err.code ? ctx->err.code : PD_EINTERNAL);
	}
	char *name = NULL, *ns = NULL;
	for (int i = 0; i < nfiles && rc == 0; i++) {
		const char *mns = json_str(docs[i].obj, "metadata.namespace");
		free(ns);
		ns = xstrdup(mns ? mns : cmd_namespace(ctx));
		free(name);
		name = NULL;
		rc = cmd_create_post(ctx, docs[i].k, ns, docs[i].obj, &name);
		fflush(stdout);
	}
	if (rc == 0 && watch && name) {
		rc = cmd_create_watch(ctx, docs[0].k, ns, name);
	} else if (rc < 0) {
		rc = cmd_fail(ctx);
	}
	for (int i = 0; i < nfiles; i++) {
		cmd_create_doc_release(&docs[i]);
	}
	free(docs);
	free(files);
	free(name);
	free(ns);
	return rc;
}

/* ------------------------------------------------------- create analysisrun */

/* One -a NAME=VALUE. */
struct cmd_create_arg {
	char *name;
	const char *value;
};

/* utils/analysis MergeArgs + ResolveArgs: the run's spec.args (new
 * array), or NULL with ctx->err filled. */
static cJSON *
cmd_create_merge_args(struct cmd_ctx *ctx, const cJSON *targs,
		      const struct cmd_create_arg *in, int nin)
{
	cJSON *out = cJSON_CreateArray();
	if (!cJSON_IsArray(targs)) {
		/* the template has no args: the -a values are the args */
		for (int i = 0; i < nin; i++) {
			cJSON *a = cJSON_CreateObject();
			cJSON_AddStringToObject(a, "name", in[i].name);
			cJSON_AddStringToObject(a, "value", in[i].value);
			cJSON_AddItemToArray(out, a);
		}
		return out;
	}
	const cJSON *t;
	cJSON_ArrayForEach(t, targs) {
		const char *n = json_str(t, "name");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, "value");
		const cJSON *vf = cJSON_GetObjectItemCaseSensitive(t,
								   "valueFrom");
		const char *val = cJSON_IsString(v) ? v->valuestring : NULL;
		for (int i = 0; i < nin; i++) {
			if (n && strcmp(n, in[i].name) == 0) {
				val = in[i].value;
			}
		}
		if (cJSON_IsNull(vf)) {
			vf = NULL;
		}
		if (!val && !vf) {
			cJSON_Delete(out);
			err_set(&ctx->err, PD_EINVALID, "args.%s was not "
				"resolved", n ? n : "");
			return NULL;
		}
		/* as json.Marshal writes an Argument: name, value, valueFrom */
		cJSON *a = cJSON_CreateObject();
		cJSON_AddStringToObject(a, "name", n ? n : "");
		if (val) {
			cJSON_AddStringToObject(a, "value", val);
		}
		if (vf) {
			cJSON_AddItemToObject(a, "valueFrom",
					      cJSON_Duplicate(vf, 1));
		}
		cJSON_AddItemToArray(out, a);
	}
	return out;
}

/* The template: from the cluster (--from) or a file (--from-file). NULL
 * with ctx->err filled. */
static cJSON *
cmd_create_template(struct cmd_ctx *ctx, const char *from,
		    const char *from_file, bool global)
{
	if (from_file) {
		struct cmd_create_doc d;
		if (cmd_create_read(ctx, from_file, &d) < 0) {
			return NULL;
		}
		cJSON *obj = d.obj;
		d.obj = NULL;
		return obj;
	}
	struct kube_client *c = cmd_client(ctx);
	if (!c) {
		return NULL;
	}
	const char *plural = global ? "clusteranalysistemplates"
				    : "analysistemplates";
	char *path = kube_path("argoproj.io", "v1alpha1",
			       global ? NULL : cmd_namespace(ctx), plural,
			       from);
	cJSON *obj = NULL;
	int rc = kube_request(c, "GET", path, NULL, NULL, &obj, &ctx->err);
	free(path);
	if (rc == -PD_ENOTFOUND && ctx->err.http_status == 404) {
		/* the API server's words, as the plugin prints them */
		err_set(&ctx->err, PD_ENOTFOUND, "%s.argoproj.io \"%s\" not "
			"found", plural, from);
		cJSON_Delete(obj);
		return NULL;
	}
	if (rc < 0 || !cJSON_IsObject(obj)) {
		if (rc >= 0) {
			err_set(&ctx->err, PD_ERUNTIME, "unexpected answer to "
				"GET %s '%s'", plural, from);
		}
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}

static int
cmd_create_analysisrun_exec(struct cmd_ctx *ctx)
{
	const char *from = cmd_flag_str(ctx, "from");
	const char *from_file = cmd_flag_str(ctx, "from-file");
	bool global = cmd_flag_bool(ctx, "global", false);
	if (from && !*from) {
		from = NULL;
	}
	if (from_file && !*from_file) {
		from_file = NULL;
	}
	if ((from != NULL) == (from_file != NULL)) {
		err_set(&ctx->err, PD_EUSAGE, "one of --from or --from-file "
			"must be specified");
		return cmd_fail(ctx);
	}
	struct cmd_create_arg *args = NULL;
	int nargs = 0, rc = 0;
	for (int i = 0; i < ctx->nvals && rc == 0; i++) {
		if (strcmp(ctx->val_name[i], "argument") != 0) {
			continue;
		}
		const char *eq = strchr(ctx->val[i], '=');
		if (!eq) {
			rc = err_set(&ctx->err, PD_EUSAGE, "arguments must be "
				     "in the form NAME=VALUE");
			break;
		}
		args = xrealloc(args, (size_t)(nargs + 1) * sizeof(*args));
		args[nargs].name = xstrndup(ctx->val[i],
					    (size_t)(eq - ctx->val[i]));
		args[nargs++].value = eq + 1;
	}
	cJSON *obj = NULL, *newargs = NULL;
	char *generate = NULL, *created = NULL;
	if (rc == 0) {
		obj = cmd_create_template(ctx, from, from_file, global);
		if (!obj) {
			rc = -(ctx->err.code ? ctx->err.code : PD_EINTERNAL);
		}
	}
	const char *name = cmd_flag_str(ctx, "name");
	const char *gen = cmd_flag_str(ctx, "generate-name");
	if (rc == 0) {
		const char *tname = json_str(obj, "metadata.name");
		if (name && *name) {
			generate = xstrdup("");
		} else if (gen && *gen) {
			name = "";
			generate = xstrdup(gen);
		} else {
			name = "";
			generate = xasprintf("%s-", tname ? tname : "");
		}
		if (!*name && strcmp(generate, "-") == 0) {
			rc = err_set(&ctx->err, PD_EINVALID, "name is invalid");
		}
	}
	if (rc == 0) {
		newargs = cmd_create_merge_args(ctx, json_path(obj, "spec.args"),
						args, nargs);
		if (!newargs) {
			rc = -PD_EINVALID;
		}
	}
	const char *ns = cmd_namespace(ctx);
	if (rc == 0) {
		/* NewAnalysisRunFromUnstructured */
		json_set_str(obj, "kind", "AnalysisRun");
		cJSON *md = json_obj_ensure(obj, "metadata");
		json_set_str(md, "name", name);
		json_set_str(md, "generateName", generate);
		json_set_str(md, "namespace", ns);
		cJSON_DeleteItemFromObjectCaseSensitive(md, "resourceVersion");
		if (cJSON_GetArraySize(newargs) > 0) {
			json_set_item(json_obj_ensure(obj, "spec"), "args",
				      newargs);
			newargs = NULL;
		}
		const char *iid = cmd_flag_str(ctx, "instance-id");
		if (iid && *iid) {
			cJSON *labels = cJSON_CreateObject();
			cJSON_AddStringToObject(labels,
				"argo-rollouts.argoproj.io/controller-instance-id",
				iid);
			json_set_item(md, "labels", labels);
		}
		rc = cmd_create_post(ctx, &cmd_create_kinds[4], ns, obj,
				     &created);
	}
	if (rc < 0) {
		rc = cmd_fail(ctx);
	}
	for (int i = 0; i < nargs; i++) {
		free(args[i].name);
	}
	free(args);
	cJSON_Delete(obj);
	cJSON_Delete(newargs);
	free(generate);
	free(created);
	return rc;
}

const struct cmd_entry cmd_create_entry = {
	.name = "create",
	.usage = "-f FILE [-f FILE]... [-w] [--dry-run]",
	.summary = "Create a Rollout, Experiment, AnalysisTemplate, ClusterAnalysisTemplate, or AnalysisRun resource",
	.min_args = 0,
	.max_args = 0,
	.opts = cmd_create_opts,
	.exec = cmd_create_exec,
};

const struct cmd_entry cmd_create_analysisrun_entry = {
	.name = "analysisrun",
	.parent = "create",
	.aliases = "ar",
	.usage = "--from TEMPLATE | --from-file FILE [--global] [--name NAME | --generate-name PREFIX] [--instance-id ID] [-a NAME=VALUE]...",
	.summary = "Create an AnalysisRun from an AnalysisTemplate or a ClusterAnalysisTemplate",
	.min_args = 0,
	.max_args = 0,
	.opts = cmd_create_analysisrun_opts,
	.exec = cmd_create_analysisrun_exec,
};
