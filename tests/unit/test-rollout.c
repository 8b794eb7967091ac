/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for src/rollout.c: GetRolloutPhase (every rule), the canary
 * step and weights, ReplicaSet / pod / analysis statuses and icons, the
 * ownership joins (ReplicaSets, pods, AnalysisRuns, Experiments and the
 * experiments' own objects), ordering, image tags, HumanDuration and time
 * parsing. Objects are small inline JSON documents written with single
 * quotes (turned into double quotes by J()).
 */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "buf.h"
#include "json.h"
#include "rollout.h"
#include "timeutil.h"
#include "xalloc.h"

#define NOW 1767830400 /* 2026-01-08T00:00:00Z */

/* Parse a JSON document written with ' for ". The caller deletes it. */
static cJSON *
J(const char *s)
{
	char *t = xstrdup(s);
	struct pd_err e = {0};
	cJSON *j;

	for (char *p = t; *p; p++) {
		if (*p == '\'') {
			*p = '"';
		}
	}
	j = json_parse(t, strlen(t), &e);
	if (!j) {
		printf("# bad test JSON: %s: %s\n", e.msg, t);
		abort();
	}
	free(t);
	return j;
}

/* The phase and message of a rollout document. */
static void
phase_is(const char *doc, const char *want_phase, const char *want_msg,
	 const char *name)
{
	cJSON *ro = J(doc);
	struct buf msg = BUF_INIT;
	const char *p = rollout_phase_r(ro, &msg);

	is_str(p, want_phase, "phase: %s", name);
	is_str(msg.buf, want_msg, "message: %s", name);
	buf_release(&msg);
	cJSON_Delete(ro);
}

static void
test_phase(void)
{
	const char *m;
	cJSON *ro;

	phase_is("{'metadata':{'generation':5},'status':{'observedGeneration':'4',"
		 "'phase':'Healthy'}}",
		 "Progressing", "waiting for rollout spec update to be observed",
		 "observedGeneration behind generation");
	phase_is("{'metadata':{'generation':5},'status':{'observedGeneration':4}}",
		 "Progressing", "waiting for rollout spec update to be observed",
		 "observedGeneration as a number");
	phase_is("{'metadata':{'generation':5},'status':{'observedGeneration':'6',"
		 "'phase':'Healthy'}}",
		 "Healthy", "", "observedGeneration ahead counts as observed");
	phase_is("{'metadata':{'generation':5},'status':{'observedGeneration':'abc',"
		 "'phase':'Healthy'}}",
		 "Healthy", "", "non-numeric observedGeneration counts as observed");
	phase_is("{'status':{'controllerPause':true,'phase':'Paused'}}",
		 "Progressing", "waiting for rollout to unpause",
		 "controllerPause without pauseConditions");
	phase_is("{'spec':{'strategy':{'canary':{}}},'status':{'controllerPause':true,"
		 "'pauseConditions':[{'reason':'CanaryPauseStep'}]}}",
		 "Paused", "CanaryPauseStep", "controllerPause with a pause condition");
	phase_is("{'metadata':{'annotations':{'rollout.argoproj.io/workload-generation':'3'}},"
		 "'spec':{'workloadRef':{'kind':'Deployment','name':'d'}},"
		 "'status':{'workloadObservedGeneration':'2','phase':'Healthy'}}",
		 "Progressing",
		 "waiting for rollout spec update to be observed for the reference workload",
		 "workloadRef generation not observed");
	phase_is("{'metadata':{'annotations':{'rollout.argoproj.io/workload-generation':'3'}},"
		 "'spec':{'workloadRef':{'kind':'Deployment','name':'d'}},"
		 "'status':{'workloadObservedGeneration':'3','phase':'Healthy'}}",
		 "Healthy", "", "workloadRef generation observed");
	phase_is("{'status':{'phase':'Degraded','message':'from the controller',"
		 "'conditions':[{'type':'InvalidSpec','message':'x'}]}}",
		 "Degraded", "from the controller", "status.phase wins when set");
	phase_is("{'status':{'conditions':[{'type':'Available','reason':'AvailableReason'},"
		 "{'type':'InvalidSpec','status':'True','reason':'InvalidSpec','message':'bad selector'}]}}",
		 "Degraded", "InvalidSpec: bad selector", "InvalidSpec condition");
	phase_is("{'spec':{'paused':true},'status':{'conditions':[{'type':'Progressing',"
		 "'reason':'RolloutAborted','message':'metric failed'}]}}",
		 "Degraded", "RolloutAborted: metric failed",
		 "RolloutAborted before manual pause");
	phase_is("{'status':{'conditions':[{'type':'Progressing','status':'False',"
		 "'reason':'ProgressDeadlineExceeded','message':'ReplicaSet \\\"x\\\" has timed out progressing.'}]}}",
		 "Degraded",
		 "ProgressDeadlineExceeded: ReplicaSet \"x\" has timed out progressing.",
		 "ProgressDeadlineExceeded");
	phase_is("{'spec':{'paused':true},'status':{'pauseConditions':[{'reason':'CanaryPauseStep'}]}}",
		 "Paused", "manually paused", "spec.paused before pause conditions");
	phase_is("{'status':{'pauseConditions':[{'reason':'InconclusiveAnalysisRun'},"
		 "{'reason':'CanaryPauseStep'}]}}",
		 "Paused", "InconclusiveAnalysisRun", "first pause condition");
	phase_is("{'spec':{'restartAt':'2026-01-07T00:00:00Z'},'status':{'updatedReplicas':1,"
		 "'availableReplicas':1}}",
		 "Progressing", "rollout is restarting", "restartAt without restartedAt");
	phase_is("{'spec':{'restartAt':'2026-01-07T00:00:00Z'},'status':{'restartedAt':"
		 "'2026-01-07T00:00:00.000Z','updatedReplicas':1,'availableReplicas':1}}",
		 "Healthy", "", "restartAt equal to restartedAt");
	phase_is("{'spec':{'replicas':3},'status':{'updatedReplicas':2,'availableReplicas':3}}",
		 "Progressing", "more replicas need to be updated", "updated < desired");
	phase_is("{'status':{}}", "Progressing", "more replicas need to be updated",
		 "desired defaults to 1");
	phase_is("{'spec':{'replicas':2},'status':{'updatedReplicas':2,'availableReplicas':1}}",
		 "Progressing", "updated replicas are still becoming available",
		 "available < updated");
	phase_is("{'spec':{'strategy':{'blueGreen':{}}},'status':{'updatedReplicas':1,"
		 "'availableReplicas':1,'currentPodHash':'a','blueGreen':{}}}",
		 "Progressing", "active service cutover pending",
		 "blueGreen without activeSelector");
	phase_is("{'spec':{'strategy':{'blueGreen':{}}},'status':{'updatedReplicas':1,"
		 "'availableReplicas':1,'currentPodHash':'a','blueGreen':{'activeSelector':'b'}}}",
		 "Progressing", "active service cutover pending",
		 "blueGreen active selector behind");
	phase_is("{'spec':{'strategy':{'blueGreen':{'postPromotionAnalysis':{'templates':[]}}}},"
		 "'status':{'updatedReplicas':1,'availableReplicas':1,'currentPodHash':'a',"
		 "'stableRS':'b','blueGreen':{'activeSelector':'a'}}}",
		 "Progressing", "waiting for analysis to complete",
		 "blueGreen post-promotion analysis without a run");
	phase_is("{'spec':{'strategy':{'blueGreen':{'postPromotionAnalysis':{'templates':[]}}}},"
		 "'status':{'updatedReplicas':1,'availableReplicas':1,'currentPodHash':'a',"
		 "'stableRS':'b','blueGreen':{'activeSelector':'a',"
		 "'postPromotionAnalysisRunStatus':{'status':'Running'}}}}",
		 "Progressing", "waiting for analysis to complete",
		 "blueGreen post-promotion analysis running");
	phase_is("{'spec':{'strategy':{'blueGreen':{'postPromotionAnalysis':{'templates':[]}}}},"
		 "'status':{'updatedReplicas':1,'availableReplicas':1,'currentPodHash':'a',"
		 "'stableRS':'b','blueGreen':{'activeSelector':'a',"
		 "'postPromotionAnalysisRunStatus':{'status':'Successful'}}}}",
		 "Progressing", "waiting for post-promotion verification to complete",
		 "blueGreen post-promotion analysis completed");
	phase_is("{'spec':{'strategy':{'blueGreen':{}}},'status':{'updatedReplicas':1,"
		 "'availableReplicas':1,'currentPodHash':'a','blueGreen':{'activeSelector':'a'}}}",
		 "Progressing", "waiting for post-promotion verification to complete",
		 "blueGreen stableRS empty");
	phase_is("{'spec':{'strategy':{'blueGreen':{}}},'status':{'updatedReplicas':1,"
		 "'availableReplicas':1,'currentPodHash':'a','stableRS':'a',"
		 "'blueGreen':{'activeSelector':'a'}}}",
		 "Healthy", "", "blueGreen healthy");
	phase_is("{'spec':{'strategy':{'canary':{}}},'status':{'replicas':2,'updatedReplicas':1,"
		 "'availableReplicas':1,'currentPodHash':'a','stableRS':'a'}}",
		 "Progressing", "old replicas are pending termination",
		 "canary old replicas");
	phase_is("{'spec':{'strategy':{'canary':{'trafficRouting':{'nginx':{}}}}},"
		 "'status':{'replicas':2,'updatedReplicas':1,'availableReplicas':1,"
		 "'currentPodHash':'a','stableRS':'a'}}",
		 "Healthy", "", "canary with traffic routing skips the old-replica check");
	phase_is("{'spec':{'strategy':{'canary':{}}},'status':{'replicas':1,'updatedReplicas':1,"
		 "'availableReplicas':1,'currentPodHash':'a','stableRS':'b'}}",
		 "Progressing", "waiting for all steps to complete", "canary steps pending");
	phase_is("{'spec':{'strategy':{'canary':{}}},'status':{'replicas':1,'updatedReplicas':1,"
		 "'availableReplicas':1,'currentPodHash':'a','stableRS':'a'}}",
		 "Healthy", "", "canary healthy");
	phase_is("{'spec':{},'status':{'updatedReplicas':1,'availableReplicas':1}}",
		 "Healthy", "", "no strategy");

	ro = J("{'status':{'conditions':[{'type':'InvalidSpec','message':'m'}]}}");
	is_str(rollout_phase(ro, &m), "Degraded", "rollout_phase(): phase");
	is_str(m, "InvalidSpec: m", "rollout_phase(): message");
	is_str(rollout_phase(ro, NULL), "Degraded", "rollout_phase(): NULL message");
	cJSON_Delete(ro);
}

static void
test_step_weights(void)
{
	char step[32];
	cJSON *ro;
	const char *steps = "'steps':[{'setWeight':10},{'pause':{}},{'setWeight':40},"
			    "{'analysis':{}},{'pause':{'duration':'1m'}}]";
	char *doc;

	doc = xasprintf("{'spec':{'strategy':{'canary':{%s}}},"
			"'status':{'currentStepIndex':3}}", steps);
	ro = J(doc);
	ok(rollout_step(ro, step, sizeof(step)), "step: canary with index");
	is_str(step, "3/5", "step text");
	is_int(rollout_set_weight(ro), 40, "set weight walks back to the last setWeight");
	is_str(rollout_strategy(ro), "Canary", "strategy Canary");
	cJSON_Delete(ro);
	free(doc);

	doc = xasprintf("{'spec':{'strategy':{'canary':{%s}}},'status':{}}", steps);
	ro = J(doc);
	ok(!rollout_step(ro, step, sizeof(step)) && !step[0],
	   "step: empty without currentStepIndex");
	is_int(rollout_set_weight(ro), 10, "set weight: nil index counts as 0");
	cJSON_Delete(ro);
	free(doc);

	doc = xasprintf("{'spec':{'strategy':{'canary':{%s}}},"
			"'status':{'currentStepIndex':5}}", steps);
	ro = J(doc);
	ok(rollout_step(ro, step, sizeof(step)), "step: finished canary");
	is_str(step, "5/5", "step M/M when done");
	is_int(rollout_set_weight(ro), 100, "set weight: past the last step is maxWeight");
	cJSON_Delete(ro);
	free(doc);

	ro = J("{'spec':{'strategy':{'canary':{'steps':[{'pause':{}},{'setWeight':50}]}}},"
	       "'status':{'currentStepIndex':0}}");
	is_int(rollout_set_weight(ro), 0, "set weight: no setWeight at or before the step");
	cJSON_Delete(ro);

	ro = J("{'spec':{'strategy':{'canary':{'steps':[{'setWeight':50}]}}},"
	       "'status':{'currentStepIndex':0,'abort':true}}");
	is_int(rollout_set_weight(ro), 0, "set weight: aborted is 0");
	cJSON_Delete(ro);

	ro = J("{'spec':{'strategy':{'canary':{'trafficRouting':{'maxTrafficWeight':1000}}}},"
	       "'status':{}}");
	ok(!rollout_step(ro, step, sizeof(step)), "step: canary without steps");
	is_int(rollout_set_weight(ro), 1000, "set weight: maxTrafficWeight without steps");
	cJSON_Delete(ro);

	ro = J("{'spec':{'strategy':{'blueGreen':{}}},'status':{'currentStepIndex':0}}");
	ok(!rollout_step(ro, step, sizeof(step)), "step: none for blueGreen");
	is_str(rollout_strategy(ro), "BlueGreen", "strategy BlueGreen");
	cJSON_Delete(ro);

	ro = J("{'spec':{}}");
	is_str(rollout_strategy(ro), "", "strategy empty");
	cJSON_Delete(ro);
}

/* A ReplicaSet document owned by uid. */
static char *
rs_doc(const char *name, const char *uid, const char *owner, int rev,
	const char *hash, int replicas, int available, const char *image)
{
	return xasprintf("{'metadata':{'name':'%s','uid':'%s','generation':1,"
			 "'creationTimestamp':'2026-01-01T00:00:00Z',"
			 "'annotations':{'rollout.argoproj.io/revision':'%d'},"
			 "'labels':{'rollouts-pod-template-hash':'%s'},"
			 "'ownerReferences':[{'uid':'%s'}]},"
			 "'spec':{'replicas':%d,'template':{'spec':{'containers':"
			 "[{'image':'%s'}]}}},"
			 "'status':{'observedGeneration':1,'replicas':%d,"
			 "'availableReplicas':%d}}",
			 name, uid, rev, hash, owner, replicas, image, replicas,
			 available);
}

static cJSON *
array_of(const char **docs, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(a, J(docs[i]));
	}
	return a;
}

static void
test_weights_model(void)
{
	const char *base = "{'metadata':{'name':'r','uid':'R'},'spec':{'replicas':4,"
			   "'strategy':{'canary':{%s'steps':[{'setWeight':20},{'pause':{}}]}}},"
			   "'status':{'currentStepIndex':1,'stableRS':'s','currentPodHash':'c',"
			   "'availableReplicas':%d%s}}";
	char *rs1 = rs_doc("r-c", "C", "R", 2, "c", 1, 1, "img:2");
	char *rs2 = rs_doc("r-s", "S", "R", 1, "s", 3, 3, "img:1");
	const char *rss[] = {rs1, rs2};
	cJSON *arr = array_of(rss, 2);
	struct ro_objects o = {.replicasets = arr};
	struct ro_info *ri;
	char *doc;
	cJSON *ro;

	doc = xasprintf(base, "", 4, "");
	ro = J(doc);
	o.rollout = ro;
	ri = rollout_info_new(&o, NOW);
	is_int(ri->actual_weight, 25, "actual weight: canary available / rollout available");
	is_int(ri->set_weight, 20, "model set weight");
	is_str(ri->step, "1/2", "model step");
	rollout_info_free(ri);
	cJSON_Delete(ro);
	free(doc);

	doc = xasprintf(base, "'trafficRouting':{'smi':{}},", 4,
			",'canary':{'weights':{'canary':{'weight':7}}}");
	ro = J(doc);
	o.rollout = ro;
	ri = rollout_info_new(&o, NOW);
	is_int(ri->actual_weight, 7, "actual weight: traffic routing reads status weights");
	rollout_info_free(ri);
	cJSON_Delete(ro);
	free(doc);

	doc = xasprintf(base, "'trafficRouting':{'smi':{}},", 4, "");
	ro = J(doc);
	o.rollout = ro;
	ri = rollout_info_new(&o, NOW);
	is_int(ri->actual_weight, 20, "actual weight: traffic routing without weights = set weight");
	rollout_info_free(ri);
	cJSON_Delete(ro);
	free(doc);

	doc = xasprintf(base, "", 0, "");
	ro = J(doc);
	o.rollout = ro;
	ri = rollout_info_new(&o, NOW);
	is_int(ri->actual_weight, 0, "actual weight: nothing available is 0");
	rollout_info_free(ri);
	cJSON_Delete(ro);
	free(doc);

	ro = J("{'metadata':{'name':'r','uid':'R'},'spec':{'strategy':{'canary':{}}},"
	       "'status':{'availableReplicas':4}}");
	o.rollout = ro;
	ri = rollout_info_new(&o, NOW);
	is_int(ri->actual_weight, 100, "actual weight: no current step is maxWeight");
	ok(ri->step == NULL, "model step NULL without steps");
	rollout_info_free(ri);
	cJSON_Delete(ro);

	cJSON_Delete(arr);
	free(rs1);
	free(rs2);
}

static void
test_joins(void)
{
	char *rsa = rs_doc("app-bbb", "RS-B", "RO", 2, "bbb", 1, 1, "img:2");
	char *rsb = rs_doc("app-aaa", "RS-A", "RO", 2, "zzz", 0, 0, "img:9");
	char *rsc = rs_doc("app-ccc", "RS-C", "RO", 1, "ccc", 2, 2, "img:1");
	char *rsx = rs_doc("other-1", "RS-X", "OTHER", 3, "xxx", 1, 1, "img:x");
	char *rse = rs_doc("exp-1-canary", "RS-E", "EXP", 0, "bbb", 1, 1, "img:2");
	const char *rss[] = {rsa, rsb, rsc, rsx, rse};
	const char *pods[] = {
		"{'metadata':{'name':'p-2','uid':'P2','creationTimestamp':'2026-01-07T00:00:00Z',"
		"'ownerReferences':[{'uid':'RS-C'}]},'spec':{'containers':[{}]},"
		"'status':{'phase':'Running'}}",
		"{'metadata':{'name':'p-1','uid':'P1','creationTimestamp':'2026-01-07T00:00:00Z',"
		"'ownerReferences':[{'uid':'RS-C'}]},'spec':{'containers':[{}]},"
		"'status':{'phase':'Running'}}",
		"{'metadata':{'name':'p-0','uid':'P0','creationTimestamp':'2026-01-07T12:00:00Z',"
		"'ownerReferences':[{'uid':'RS-C'}]},'spec':{'containers':[{}]},"
		"'status':{'phase':'Running'}}",
		"{'metadata':{'name':'p-e','uid':'PE','creationTimestamp':'2026-01-07T00:00:00Z',"
		"'ownerReferences':[{'uid':'RS-E'}]},'spec':{'containers':[{}]},"
		"'status':{'phase':'Running'}}",
		"{'metadata':{'name':'p-x','uid':'PX','ownerReferences':[{'uid':'RS-X'}]},"
		"'status':{'phase':'Running'}}",
	};
	const char *ars[] = {
		"{'metadata':{'name':'ar-a','uid':'A1','creationTimestamp':'2026-01-07T00:00:00Z',"
		"'annotations':{'rollout.argoproj.io/revision':'2'},'ownerReferences':[{'uid':'RO'}]},"
		"'status':{'phase':'Successful','metricResults':[{'successful':2},{'successful':1,'failed':1}]}}",
		"{'metadata':{'name':'ar-b','uid':'A2','creationTimestamp':'2026-01-07T00:00:00Z',"
		"'annotations':{'rollout.argoproj.io/revision':'2'},'ownerReferences':[{'uid':'RO'}]},"
		"'status':{'phase':'Running'}}",
		"{'metadata':{'name':'ar-0','uid':'A0','creationTimestamp':'2026-01-06T00:00:00Z',"
		"'annotations':{'rollout.argoproj.io/revision':'2'},'ownerReferences':[{'uid':'RO'}]},"
		"'status':{'phase':'Failed'}}",
		"{'metadata':{'name':'ar-exp','uid':'AE','namespace':'ns',"
		"'ownerReferences':[{'uid':'EXP'}]},'status':{'phase':'Running','metricResults':["
		"{'measurements':[{'phase':'Running','startedAt':'2026-01-07T23:59:00Z',"
		"'metadata':{'job-name':'j1'}},{'phase':'Successful'},"
		"{'phase':'Failed','metadata':{'job-name':'j2','job-namespace':'jobs'}}]}]}}",
		"{'metadata':{'name':'ar-x','uid':'AX','ownerReferences':[{'uid':'OTHER'}]}}",
	};
	const char *exps[] = {
		"{'metadata':{'name':'exp-1','uid':'EXP','creationTimestamp':'2026-01-07T00:00:00Z',"
		"'annotations':{'rollout.argoproj.io/revision':'2'},'ownerReferences':[{'uid':'RO'}]},"
		"'status':{'phase':'Running'}}",
		"{'metadata':{'name':'exp-x','uid':'EXPX','ownerReferences':[{'uid':'OTHER'}]}}",
	};
	cJSON *a_rs = array_of(rss, 5), *a_pods = array_of(pods, 5);
	cJSON *a_ars = array_of(ars, 5), *a_exps = array_of(exps, 2);
	cJSON *ro = J("{'metadata':{'name':'app','namespace':'ns','uid':'RO',"
		      "'creationTimestamp':'2026-01-01T00:00:00Z'},"
		      "'spec':{'replicas':1,'strategy':{'canary':{'steps':[{'setWeight':5}]}}},"
		      "'status':{'stableRS':'ccc','currentPodHash':'bbb','currentStepIndex':0,"
		      "'replicas':3,'availableReplicas':3,'updatedReplicas':1}}");
	struct ro_objects o = {.rollout = ro, .replicasets = a_rs, .pods = a_pods,
			       .analysisruns = a_ars, .experiments = a_exps};
	struct ro_info *ri = rollout_info_new(&o, NOW);
	const struct ro_revision *r2, *r1;

	is_int(ri->n_revisions, 2, "two revisions (unrelated objects ignored)");
	r2 = &ri->revisions[0];
	r1 = &ri->revisions[1];
	is_int(r2->revision, 2, "revisions newest first");
	is_int(r2->n_replicasets, 2, "revision 2: two ReplicaSets");
	is_str(r2->replicasets[0].name, "app-aaa", "ReplicaSets by name within a revision");
	is_int(r2->replicasets[1].tags, RO_TAG_CANARY, "canary tag from currentPodHash");
	is_int(r1->replicasets[0].tags, RO_TAG_STABLE, "stable tag from stableRS");
	is_int(r1->replicasets[0].n_pods, 3, "pods joined by the ReplicaSet UID");
	is_str(r1->replicasets[0].pods[0].name, "p-1", "pods: creation then name");
	is_str(r1->replicasets[0].pods[2].name, "p-0", "pods: newest last");
	is_int(r2->n_analysisruns, 3, "rollout-owned AnalysisRuns only");
	is_str(r2->analysisruns[0].name, "ar-0", "AnalysisRuns: oldest first");
	is_str(r2->analysisruns[1].name, "ar-b", "AnalysisRuns: then name descending");
	is_int(r2->analysisruns[2].successful, 3, "successful summed over metrics");
	is_int(r2->analysisruns[2].failed, 1, "failed summed over metrics");
	is_int(r2->n_experiments, 1, "rollout-owned experiment");
	is_int(r2->experiments[0].n_replicasets, 1, "experiment's ReplicaSet by experiment UID");
	is_int(r2->experiments[0].replicasets[0].tags, 0, "experiment ReplicaSets carry no role tags");
	is_int(r2->experiments[0].replicasets[0].n_pods, 1, "experiment ReplicaSet's pods");
	is_int(r2->experiments[0].n_analysisruns, 1, "experiment-owned AnalysisRun");
	is_int(r2->experiments[0].analysisruns[0].n_jobs, 2, "jobs from measurements with job-name");
	is_str(r2->experiments[0].analysisruns[0].jobs[0].namespace, "ns",
	       "job namespace defaults to the AnalysisRun's");
	is_str(r2->experiments[0].analysisruns[0].jobs[1].namespace, "jobs",
	       "job-namespace honoured");
	is_str(r2->experiments[0].analysisruns[0].jobs[0].age, "60s", "job age from startedAt");
	is_str(ri->age, "7d", "rollout age");
	is_int(ri->n_images, 2, "images of ReplicaSets with replicas > 0");
	is_str(ri->images[0].image, "img:1", "images sorted");
	is_int(ri->images[1].n_tags, 1, "merged tags deduplicated");
	is_str(ri->images[1].tags[0], "canary", "experiment RS without template adds no tag");
	rollout_info_free(ri);

	/* the same experiment through rollout_experiment_new() */
	{
		struct exp_info *ei = rollout_experiment_new(cJSON_GetArrayItem(a_exps, 0), &o, NOW);
		is_str(ei->exp.name, "exp-1", "experiment model: name");
		is_str(ei->exp.icon, "◌", "experiment model: Running icon");
		is_int(ei->exp.n_replicasets, 1, "experiment model: ReplicaSets");
		is_int(ei->n_images, 1, "experiment model: images");
		rollout_experiment_free(ei);
	}
	ok(rollout_info_new(&(struct ro_objects){0}, NOW) == NULL,
	   "no rollout: NULL model");
	ok(rollout_experiment_new(NULL, &o, NOW) == NULL, "no experiment: NULL model");

	cJSON_Delete(ro);
	cJSON_Delete(a_rs);
	cJSON_Delete(a_pods);
	cJSON_Delete(a_ars);
	cJSON_Delete(a_exps);
	free(rsa);
	free(rsb);
	free(rsc);
	free(rsx);
	free(rse);
}

static void
test_tags(void)
{
	char *a = rs_doc("x-a", "A", "RO", 3, "a", 1, 1, "img:a");
	char *b = rs_doc("x-b", "B", "RO", 2, "b", 1, 1, "img:b");
	char *c = rs_doc("x-c", "C", "RO", 1, "c", 1, 1, "img:b");
	const char *rss[] = {a, b, c};
	cJSON *arr = array_of(rss, 3);
	cJSON *ro;
	struct ro_objects o = {.replicasets = arr};
	struct ro_info *ri;

	ro = J("{'metadata':{'uid':'RO'},'spec':{'strategy':{'blueGreen':{}}},'status':{"
	       "'stableRS':'b','currentPodHash':'a','blueGreen':{'activeSelector':'b',"
	       "'previewSelector':'a'}}}");
	o.rollout = ro;
	ri = rollout_info_new(&o, NOW);
	is_int(ri->revisions[0].replicasets[0].tags, RO_TAG_PREVIEW, "blueGreen preview");
	is_int(ri->revisions[1].replicasets[0].tags, RO_TAG_STABLE | RO_TAG_ACTIVE,
	       "blueGreen stable and active");
	is_int(ri->revisions[2].replicasets[0].tags, 0, "blueGreen old RS untagged");
	is_str(ri->images[1].image, "img:b", "merged image");
	is_int(ri->images[1].n_tags, 2, "merged image keeps both tags");
	is_str(ri->images[1].tags[0], "active", "merged tags sorted (active)");
	is_str(ri->images[1].tags[1], "stable", "merged tags sorted (stable)");
	rollout_info_free(ri);
	cJSON_Delete(ro);

	ro = J("{'metadata':{'uid':'RO'},'spec':{'strategy':{'canary':{'pingPong':{}}}},"
	       "'status':{'stableRS':'b','currentPodHash':'a','canary':{'stablePingPong':'ping'}}}");
	o.rollout = ro;
	ri = rollout_info_new(&o, NOW);
	is_int(ri->revisions[0].replicasets[0].tags, RO_TAG_CANARY | RO_TAG_PONG,
	       "ping-pong: canary is pong when stable is ping");
	is_int(ri->revisions[1].replicasets[0].tags, RO_TAG_STABLE | RO_TAG_PING,
	       "ping-pong: stable is ping");
	is_int(ri->images[0].n_tags, 2, "unmerged image keeps its tags");
	is_str(ri->images[0].tags[0], "canary", "unmerged tags in fixed order");
	is_str(ri->images[0].tags[1], "pong", "unmerged tags in fixed order (pong)");
	rollout_info_free(ri);
	cJSON_Delete(ro);

	ro = J("{'metadata':{'uid':'RO'},'spec':{'strategy':{'canary':{'pingPong':{}}}},"
	       "'status':{'stableRS':'b','currentPodHash':'a','canary':{'stablePingPong':'pong'}}}");
	o.rollout = ro;
	ri = rollout_info_new(&o, NOW);
	is_int(ri->revisions[1].replicasets[0].tags, RO_TAG_STABLE | RO_TAG_PONG,
	       "ping-pong: stable is pong");
	rollout_info_free(ri);
	cJSON_Delete(ro);

	cJSON_Delete(arr);
	free(a);
	free(b);
	free(c);
}

/* Status of one ReplicaSet document. */
static void
rs_status_is(const char *doc, const char *want, const char *name)
{
	const char *rss[] = {doc};
	cJSON *arr = array_of(rss, 1);
	cJSON *ro = J("{'metadata':{'uid':'RO'},'spec':{}}");
	struct ro_objects o = {.rollout = ro, .replicasets = arr};
	struct ro_info *ri = rollout_info_new(&o, NOW);

	is_str(ri->n_revisions ? ri->revisions[0].replicasets[0].status : "?",
	       want, "ReplicaSet status: %s", name);
	rollout_info_free(ri);
	cJSON_Delete(ro);
	cJSON_Delete(arr);
}

static void
test_rs_status(void)
{
	rs_status_is("{'metadata':{'generation':2,'ownerReferences':[{'uid':'RO'}]},"
		     "'spec':{'replicas':0},'status':{'observedGeneration':1}}",
		     "Progressing", "generation not observed");
	rs_status_is("{'metadata':{'generation':1,'ownerReferences':[{'uid':'RO'}]},"
		     "'spec':{'replicas':2},'status':{'observedGeneration':1,"
		     "'conditions':[{'type':'ReplicaFailure','status':'True'}]}}",
		     "ReplicaFailure", "ReplicaFailure condition");
	rs_status_is("{'metadata':{'generation':1,'ownerReferences':[{'uid':'RO'}]},"
		     "'spec':{'replicas':2},'status':{'observedGeneration':1,"
		     "'availableReplicas':1}}",
		     "Progressing", "fewer available than desired");
	rs_status_is("{'metadata':{'generation':1,'ownerReferences':[{'uid':'RO'}]},"
		     "'spec':{'replicas':0},'status':{'observedGeneration':1}}",
		     "ScaledDown", "zero replicas");
	rs_status_is("{'metadata':{'generation':1,'ownerReferences':[{'uid':'RO'}]},"
		     "'spec':{'replicas':2},'status':{'observedGeneration':1,"
		     "'availableReplicas':2}}",
		     "Healthy", "all available");
}

/* kubectl STATUS of one pod document (owned by RS "R"). */
static void
pod_is(const char *doc, const char *want, int ready, int restarts,
	const char *name)
{
	const char *rss[] = {"{'metadata':{'uid':'R','ownerReferences':[{'uid':'RO'}]}}"};
	const char *pods[] = {doc};
	cJSON *a_rs = array_of(rss, 1), *a_pods = array_of(pods, 1);
	cJSON *ro = J("{'metadata':{'uid':'RO'},'spec':{}}");
	struct ro_objects o = {.rollout = ro, .replicasets = a_rs, .pods = a_pods};
	struct ro_info *ri = rollout_info_new(&o, NOW);
	const struct ro_pod *p = &ri->revisions[0].replicasets[0].pods[0];

	is_str(p->status, want, "pod status: %s", name);
	if (ready >= 0) {
		is_int(p->ready, ready, "pod ready: %s", name);
	}
	if (restarts >= 0) {
		is_int(p->restarts, restarts, "pod restarts: %s", name);
	}
	rollout_info_free(ri);
	cJSON_Delete(ro);
	cJSON_Delete(a_rs);
	cJSON_Delete(a_pods);
}

#define POD(spec, status) \
	"{'metadata':{'name':'p','ownerReferences':[{'uid':'R'}]},'spec':" spec \
	",'status':" status "}"

static void
test_pods(void)
{
	pod_is(POD("{'containers':[{},{}]}",
		   "{'phase':'Running','containerStatuses':[{'ready':true,'restartCount':1,"
		   "'state':{'running':{}}},{'ready':true,'restartCount':2,'state':{'running':{}}}]}"),
	       "Running", 2, 3, "running");
	pod_is(POD("{'containers':[{}]}", "{'phase':'Pending'}"), "Pending", 0, 0,
	       "pending");
	pod_is(POD("{'containers':[{}]}", "{'phase':'Running','reason':'Evicted'}"),
	       "Evicted", 0, -1, "status.reason wins");
	pod_is(POD("{'containers':[{}]}",
		   "{'phase':'Pending','containerStatuses':[{'state':{'waiting':"
		   "{'reason':'ImagePullBackOff'}}}]}"),
	       "ImagePullBackOff", 0, -1, "waiting reason");
	pod_is(POD("{'containers':[{}]}",
		   "{'phase':'Failed','containerStatuses':[{'state':{'terminated':"
		   "{'exitCode':137,'signal':9}}}]}"),
	       "Signal:9", -1, -1, "terminated by signal");
	pod_is(POD("{'containers':[{}]}",
		   "{'phase':'Failed','containerStatuses':[{'state':{'terminated':"
		   "{'exitCode':3}}}]}"),
	       "ExitCode:3", -1, -1, "terminated with an exit code");
	pod_is(POD("{'containers':[{},{}]}",
		   "{'phase':'Running','containerStatuses':[{'state':{'terminated':"
		   "{'exitCode':0,'reason':'Completed'}}},{'ready':true,'state':{'running':{}}}]}"),
	       "Running", 1, -1, "Completed with a running container is Running");
	pod_is(POD("{'initContainers':[{},{}],'containers':[{}]}",
		   "{'phase':'Pending','initContainerStatuses':[{'restartCount':1,"
		   "'state':{'terminated':{'exitCode':0}}},{'restartCount':2,'state':"
		   "{'running':{}}}]}"),
	       "Init:1/2", 0, 3, "init in progress");
	pod_is(POD("{'initContainers':[{}],'containers':[{}]}",
		   "{'phase':'Pending','initContainerStatuses':[{'state':{'terminated':"
		   "{'exitCode':1,'reason':'Error'}}}]}"),
	       "Init:Error", -1, -1, "init failed with a reason");
	pod_is(POD("{'initContainers':[{}],'containers':[{}]}",
		   "{'phase':'Pending','initContainerStatuses':[{'state':{'terminated':"
		   "{'exitCode':2}}}]}"),
	       "Init:ExitCode:2", -1, -1, "init failed with an exit code");
	pod_is(POD("{'initContainers':[{}],'containers':[{}]}",
		   "{'phase':'Pending','initContainerStatuses':[{'state':{'terminated':"
		   "{'exitCode':1,'signal':15}}}]}"),
	       "Init:Signal:15", -1, -1, "init killed by a signal");
	pod_is(POD("{'initContainers':[{}],'containers':[{}]}",
		   "{'phase':'Pending','initContainerStatuses':[{'state':{'waiting':"
		   "{'reason':'CrashLoopBackOff'}}}]}"),
	       "Init:CrashLoopBackOff", -1, -1, "init waiting with a reason");
	pod_is(POD("{'initContainers':[{'name':'proxy','restartPolicy':'Always'}],"
		   "'containers':[{}]}",
		   "{'phase':'Running','initContainerStatuses':[{'name':'proxy','started':true,"
		   "'ready':true,'state':{'running':{}}}],'containerStatuses':[{'ready':true,"
		   "'state':{'running':{}}}]}"),
	       "Running", 1, -1, "started sidecar is skipped");
	pod_is("{'metadata':{'name':'p','deletionTimestamp':'2026-01-07T00:00:00Z',"
	       "'ownerReferences':[{'uid':'R'}]},'spec':{'containers':[{}]},"
	       "'status':{'phase':'Running'}}",
	       "Terminating", -1, -1, "deleting pod");
	pod_is("{'metadata':{'name':'p','deletionTimestamp':'2026-01-07T00:00:00Z',"
	       "'ownerReferences':[{'uid':'R'}]},'spec':{'containers':[{}]},"
	       "'status':{'phase':'Running','reason':'NodeLost'}}",
	       "Unknown", -1, -1, "deleting pod on a lost node");
}

static void
test_icons(void)
{
	is_str(rollout_status_icon("Progressing"), "◌", "rollout icon Progressing");
	is_str(rollout_status_icon("Error"), "⚠", "rollout icon Error");
	is_str(rollout_status_icon("InvalidSpec"), "⚠", "rollout icon InvalidSpec");
	is_str(rollout_status_icon("Paused"), "॥", "rollout icon Paused");
	is_str(rollout_status_icon("Healthy"), "✔", "rollout icon Healthy");
	is_str(rollout_status_icon("Degraded"), "✖", "rollout icon Degraded");
	is_str(rollout_status_icon("Unknown"), "?", "rollout icon Unknown");
	is_str(rollout_status_icon("ScaledDown"), "•", "rollout icon ScaledDown");
	is_str(rollout_status_icon("Other"), " ", "rollout icon otherwise");
	is_str(rollout_rs_icon("ReplicaFailure"), "✖", "RS icon ReplicaFailure");
	is_str(rollout_rs_icon("ScaledDown"), "•", "RS icon ScaledDown");
	is_str(rollout_pod_icon("Init:Error"), "◌", "pod icon Init: first");
	is_str(rollout_pod_icon("ExitCode:1"), "✖", "pod icon ExitCode");
	is_str(rollout_pod_icon("Signal:9"), "✖", "pod icon Signal");
	is_str(rollout_pod_icon("CreateContainerConfigError"), "⚠", "pod icon *Error");
	is_str(rollout_pod_icon("ErrImagePull"), "⚠", "pod icon Err*");
	is_str(rollout_pod_icon("ContainerCreating"), "◌", "pod icon ContainerCreating");
	is_str(rollout_pod_icon("Completed"), "✔", "pod icon Completed");
	is_str(rollout_pod_icon("CrashLoopBackOff"), "✖", "pod icon CrashLoopBackOff");
	is_str(rollout_pod_icon("InvalidImageName"), "✖", "pod icon InvalidImageName");
	is_str(rollout_pod_icon("RegistryUnavailable"), "⚠", "pod icon RegistryUnavailable");
	is_str(rollout_pod_icon("Unknown"), "?", "pod icon Unknown");
	is_str(rollout_pod_icon("Evicted"), " ", "pod icon otherwise");
	is_str(rollout_analysis_icon("Successful"), "✔", "analysis icon Successful");
	is_str(rollout_analysis_icon("Inconclusive"), "?", "analysis icon Inconclusive");
	is_str(rollout_analysis_icon("Failed"), "✖", "analysis icon Failed");
	is_str(rollout_analysis_icon("Error"), "⚠", "analysis icon Error");
	is_str(rollout_analysis_icon("Pending"), "◷", "analysis icon Pending");
	is_str(rollout_analysis_icon(""), " ", "analysis icon empty phase");
}

static void
test_time(void)
{
	static const struct {
		long long secs;
		const char *want;
	} d[] = {
		{-5, "<invalid>"}, {-1, "0s"}, {0, "0s"}, {119, "119s"},
		{120, "2m"}, {196, "3m16s"}, {569, "9m29s"}, {600, "10m"},
		{7140, "119m"}, {10799, "179m"}, {10800, "3h"}, {14399, "3h59m"},
		{18720, "5h12m"}, {28800, "8h"}, {93600, "26h"}, {172800, "2d"},
		{588600, "6d19h"}, {604800, "7d"}, {691200, "8d"},
		{63072000, "2y"}, {66528000, "2y40d"}, {252288000, "8y"},
		{315360000, "10y"},
	};
	time_t t;

	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		char out[32];
		timeutil_human_duration(out, sizeof(out), d[i].secs);
		is_str(out, d[i].want, "HumanDuration(%llds)", d[i].secs);
	}
	ok(timeutil_parse("2026-01-08T00:00:00Z", &t) && t == NOW, "parse Z time");
	ok(timeutil_parse("2026-01-08T01:30:00.123+01:30", &t) && t == NOW,
	   "parse fractions and offsets");
	ok(timeutil_parse("2026-01-07T22:00:00-02:00", &t) && t == NOW,
	   "parse negative offsets");
	ok(!timeutil_parse("2026-01-08", &t), "date alone rejected");
	ok(!timeutil_parse("2026-01-08T00:00:00", &t), "zone required");
	ok(!timeutil_parse(NULL, &t), "NULL rejected");
}

int
main(void)
{
	test_phase();
	test_step_weights();
	test_weights_model();
	test_joins();
	test_tags();
	test_rs_status();
	test_pods();
	test_icons();
	test_time();
	return done_testing();
}
