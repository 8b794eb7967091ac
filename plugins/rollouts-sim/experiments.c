/* SPDX-License-Identifier: Apache-2.0 */
/*
 * experiments: the Experiment controller of rollouts-sim's controller
 * (controller.h): an Experiment's templates become ReplicaSets, its
 * analyses AnalysisRuns, and its phase follows them and its duration; a
 * rollout's experiment step creates the Experiment Argo would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "controller.h"
#include "json.h"
#include "sim.h"
#include "xalloc.h"

/* -------------------------------------------------------- experiments */

static cJSON *
experiments_template_status(cJSON *status, const char *name)
{
	cJSON *ts = cJSON_GetObjectItem(status, "templateStatuses");
	if (!cJSON_IsArray(ts)) {
		ts = cJSON_CreateArray();
		json_set_item(status, "templateStatuses", ts);
	}
	for (cJSON *t = ts->child; t; t = t->next) {
		const char *n = json_str(t, "name");
		if (n && strcmp(n, name) == 0) {
			return t;
		}
	}
	cJSON *t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "name", name);
	cJSON_AddItemToArray(ts, t);
	return t;
}

/* An Experiment: a ReplicaSet per template, AnalysisRuns per analysis,
 * Running once every template is available, Successful after its duration
 * (or when its analyses are done), Failed when an analysis fails. */
void
experiments_reconcile(struct sim_obj *o)
{
	cJSON *e = cJSON_Duplicate(o->json, 1);
	const char *ns = json_str(e, "metadata.namespace");
	const char *name = json_str(e, "metadata.name");
	cJSON *status = json_obj_ensure(e, "status");
	const char *phase = json_str(status, "phase");
	char ts[32];
	controller_ts(controller.now, ts);
	if (phase && (strcmp(phase, "Successful") == 0 ||
		      strcmp(phase, "Failed") == 0 ||
		      strcmp(phase, "Error") == 0)) {
		/* done: its ReplicaSets are scaled down */
		const cJSON *tpls = json_path(e, "spec.templates");
		for (const cJSON *t = tpls ? tpls->child : NULL; t;
		     t = t->next) {
			char *rsn =
				xasprintf("%s-%s", name, json_str(t, "name"));
			struct sim_obj *rs =
				controller_find(controller.rs, ns, rsn);
			if (rs &&
			    controller_int(rs->json, "spec.replicas", 1) > 0) {
				replicasets_scale(rs, 0, 0);
			}
			free(rsn);
		}
		cJSON_Delete(e);
		return;
	}
	if (!phase) {
		/* a new start, or a retry (the plugin clears the status):
		 * earlier runs of its analyses are replaced */
		json_set_str(status, "phase", "Pending");
		const cJSON *an0 = json_path(e, "spec.analyses");
		for (const cJSON *a = an0 ? an0->child : NULL; a; a = a->next) {
			char *arn = xasprintf(
				"%s-%s", name,
				json_str(a, "name") ? json_str(a, "name") : "");
			struct sim_obj *old =
				controller_find(controller.ar, ns, arn);
			if (old) {
				store_delete(old);
				controller.changed = true;
			}
			free(arn);
		}
	}
	bool all_ready = true;
	const cJSON *tpls = json_path(e, "spec.templates");
	for (const cJSON *t = tpls ? tpls->child : NULL; t; t = t->next) {
		const char *tn = json_str(t, "name");
		if (!tn) {
			continue;
		}
		long want = controller_int(t, "replicas", 1);
		char *rsn = xasprintf("%s-%s", name, tn);
		struct sim_obj *rs = controller_find(controller.rs, ns, rsn);
		if (!rs) {
			cJSON *r = cJSON_CreateObject();
			cJSON_AddStringToObject(r, "apiVersion", "apps/v1");
			cJSON_AddStringToObject(r, "kind", "ReplicaSet");
			cJSON *md = cJSON_AddObjectToObject(r, "metadata");
			cJSON_AddStringToObject(md, "name", rsn);
			cJSON_AddStringToObject(md, "namespace", ns);
			const cJSON *tl =
				json_path(t, "template.metadata.labels");
			cJSON_AddItemToObject(md, "labels", tl ?
				cJSON_Duplicate(tl, 1) : cJSON_CreateObject());
			cJSON *ann = cJSON_AddObjectToObject(md, "annotations");
			cJSON_AddStringToObject(
				ann, "experiment.argoproj.io/name", name);
			cJSON_AddStringToObject(ann,
				"experiment.argoproj.io/template-name", tn);
			cJSON_AddItemToObject(
				md, "ownerReferences",
				controller_owner_ref(e, "argoproj.io/v1alpha1",
						     "Experiment"));
			cJSON *spec = cJSON_AddObjectToObject(r, "spec");
			cJSON_AddNumberToObject(spec, "replicas", (double)want);
			const cJSON *sel = cJSON_GetObjectItem(t, "selector");
			cJSON_AddItemToObject(spec, "selector", sel ?
				cJSON_Duplicate(sel, 1) : cJSON_CreateObject());
			const cJSON *pt = cJSON_GetObjectItem(t, "template");
			cJSON_AddItemToObject(spec, "template", pt ?
				cJSON_Duplicate(pt, 1) : cJSON_CreateObject());
			cJSON_AddNumberToObject(cJSON_AddObjectToObject(r,
					"status"), "replicas", 0);
			controller_create(controller.rs, ns, r);
			rs = controller_find(controller.rs, ns, rsn);
		}
		free(rsn);
		if (controller_int(rs->json, "spec.replicas", 1) != want) {
			char *keep = xstrdup(rs->name);
			replicasets_scale(rs, want, 0);
			rs = controller_find(controller.rs, ns, keep);
			free(keep);
			if (!rs) {
				continue;
			}
		}
		long avail = replicasets_available(rs);
		cJSON *st = experiments_template_status(status, tn);
		json_set_num(
			st, "replicas",
			(double)controller_int(rs->json, "status.replicas", 0));
		json_set_num(
			st, "updatedReplicas",
			(double)controller_int(rs->json, "status.replicas", 0));
		json_set_num(st, "readyReplicas",
			     (double)controller_int(rs->json,
						    "status.readyReplicas", 0));
		json_set_num(st, "availableReplicas", (double)avail);
		const char *want_st = avail >= want ? "Running" : "Progressing";
		const char *cur = json_str(st, "status");
		if (!cur || strcmp(cur, want_st) != 0) {
			json_set_str(st, "status", want_st);
			json_set_str(st, "lastTransitionTime", ts);
		}
		all_ready = all_ready && avail >= want;
	}
	if (all_ready && !json_str(status, "availableAt")) {
		json_set_str(status, "availableAt", ts);
		json_set_str(status, "phase", "Running");
	}
	/* analyses, once running */
	bool any_failed = false, all_done = true;
	char *failmsg = NULL;
	const cJSON *ans = json_path(e, "spec.analyses");
	if (json_str(status, "availableAt")) {
		cJSON *ars = cJSON_CreateArray();
		for (const cJSON *a = ans ? ans->child : NULL; a; a = a->next) {
			const char *an = json_str(a, "name");
			if (!an) {
				continue;
			}
			char *arn = xasprintf("%s-%s", name, an);
			struct sim_obj *ar =
				controller_find(controller.ar, ns, arn);
			if (!ar) {
				/* reuse the rollout path: templates and args */
				cJSON *ra = cJSON_CreateObject();
				cJSON *refs =
					cJSON_AddArrayToObject(ra, "templates");
				cJSON *ref = cJSON_CreateObject();
				cJSON_AddStringToObject(ref, "templateName",
					json_str(a, "templateName") ?
					json_str(a, "templateName") : "");
				if (json_bool(a, "clusterScope", false)) {
					cJSON_AddTrueToObject(ref,
							      "clusterScope");
				}
				cJSON_AddItemToArray(refs, ref);
				const cJSON *args =
					cJSON_GetObjectItem(a, "args");
				if (args) {
					cJSON_AddItemToObject(ra, "args",
						cJSON_Duplicate(args, 1));
				}
				const char *eh = controller_label(
					e, CONTROLLER_HASH_LABEL);
				controller_create_run(e, ra, arn, eh ? eh : "",
						      "Experiment", -1);
				cJSON_Delete(ra);
				ar = controller_find(controller.ar, ns, arn);
			}
			const char *ph = ar ? json_str(ar->json, "status.phase")
					    : NULL;
			cJSON *entry = cJSON_CreateObject();
			cJSON_AddStringToObject(entry, "name", an);
			cJSON_AddStringToObject(entry, "analysisRun", arn);
			cJSON_AddStringToObject(entry, "phase",
						ph ? ph : "Pending");
			cJSON_AddItemToArray(ars, entry);
			if (ph && (strcmp(ph, "Failed") == 0 ||
				   strcmp(ph, "Error") == 0)) {
				any_failed = true;
				const char *m =
					json_str(ar->json, "status.message");
				free(failmsg);
				failmsg = xstrdup(m ? m : ph);
			}
			all_done = all_done && analysis_phase_completed(ph);
			free(arn);
		}
		json_set_item(status, "analysisRuns", ars);
	}
	const char *dur = json_str(e, "spec.duration");
	long long d = dur ? clock_scaled(clock_parse_duration(dur)) : -1;
	long long avail_at = clock_parse_rfc3339(json_str(status,
							  "availableAt"));
	bool expired = json_str(status, "availableAt") && d >= 0 &&
		       controller.now >= avail_at + d;
	if (json_str(status, "availableAt") && d >= 0 && !expired) {
		controller_wake_at(avail_at + d);
	}
	bool terminate = json_bool(e, "spec.terminate", false);
	const char *done = NULL, *msg = NULL;
	if (any_failed) {
		done = "Failed";
		msg = failmsg ? failmsg : "";
	} else if (terminate) {
		done = "Successful";
		msg = "Experiment was terminated";
	} else if (expired || (d < 0 && ans && cJSON_GetArraySize(ans) &&
			       all_done && json_str(status, "availableAt"))) {
		done = "Successful";
	}
	if (done) {
		json_set_str(status, "phase", done);
		if (msg) {
			json_set_str(status, "message", msg);
		}
		for (const cJSON *a = ans ? ans->child : NULL; a; a = a->next) {
			char *arn = xasprintf(
				"%s-%s", name,
				json_str(a, "name") ? json_str(a, "name") : "");
			controller_terminate_run(ns, arn);
			free(arn);
		}
		cJSON *tss = cJSON_GetObjectItem(status, "templateStatuses");
		for (cJSON *t = tss ? tss->child : NULL; t; t = t->next) {
			json_set_str(t, "status", done);
		}
	}
	free(failmsg);
	struct sim_obj *now = store_get(controller.exp, o->ns, o->name);
	if (now) {
		controller_put(controller.exp, e, now->json);
	} else {
		cJSON_Delete(e);
	}
}

/* A rollout's experiment step: the Experiment Argo would create. */
void
experiments_create(const cJSON *ro, const cJSON *step, const char *name,
		   const char *hash, const struct sim_obj *new_rs,
		   const struct sim_obj *stable_rs)
{
	const char *ns = json_str(ro, "metadata.namespace");
	cJSON *labels;
	cJSON *e = controller_new_object("Experiment", name, ns,
					 json_path(ro, "metadata.labels"),
					 &labels);
	cJSON *md = cJSON_GetObjectItemCaseSensitive(e, "metadata");
	json_set_str(labels, CONTROLLER_HASH_LABEL, hash);
	const char *rev = controller_annotation(ro, CONTROLLER_ANN_REVISION);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(md, "annotations"),
				CONTROLLER_ANN_REVISION, rev ? rev : "1");
	cJSON_AddItemToObject(
		md, "ownerReferences",
		controller_owner_ref(ro, "argoproj.io/v1alpha1", "Rollout"));
	cJSON *spec = cJSON_AddObjectToObject(e, "spec");
	const char *dur = json_str(step, "duration");
	if (dur) {
		cJSON_AddStringToObject(spec, "duration", dur);
	}
	cJSON *tpls = cJSON_AddArrayToObject(spec, "templates");
	const cJSON *st = cJSON_GetObjectItem(step, "templates");
	for (const cJSON *t = st ? st->child : NULL; t; t = t->next) {
		const char *ref = json_str(t, "specRef");
		const struct sim_obj *src = ref && strcmp(ref, "stable") == 0
			? stable_rs : new_rs;
		cJSON *nt = cJSON_CreateObject();
		cJSON_AddStringToObject(nt, "name", json_str(t, "name") ?
					json_str(t, "name") : "");
		cJSON_AddNumberToObject(nt, "replicas",
					json_num(t, "replicas", 1));
		const cJSON *pt = src ? json_path(src->json, "spec.template")
				      : NULL;
		cJSON *tmpl =
			pt ? cJSON_Duplicate(pt, 1) : cJSON_CreateObject();
		const cJSON *sel = cJSON_GetObjectItem(t, "selector");
		cJSON *nsel = sel ? cJSON_Duplicate(sel, 1)
			: cJSON_Duplicate(src ? json_path(src->json,
					"spec.selector") : NULL, 1);
		if (!nsel) {
			nsel = cJSON_CreateObject();
		}
		const cJSON *ml = json_path(t, "metadata.labels");
		for (const cJSON *l = ml ? ml->child : NULL; l; l = l->next) {
			if (!cJSON_IsString(l)) {
				continue;
			}
			json_set_str(json_obj_ensure(
					     json_obj_ensure(tmpl, "metadata"),
					     "labels"),
				     l->string, l->valuestring);
			json_set_str(json_obj_ensure(nsel, "matchLabels"),
				     l->string, l->valuestring);
		}
		cJSON_AddItemToObject(nt, "selector", nsel);
		cJSON_AddItemToObject(nt, "template", tmpl);
		cJSON_AddItemToArray(tpls, nt);
	}
	const cJSON *ans = cJSON_GetObjectItem(step, "analyses");
	if (ans) {
		cJSON_AddItemToObject(spec, "analyses",
				      cJSON_Duplicate(ans, 1));
	}
	controller_create(controller.exp, ns, e);
}
