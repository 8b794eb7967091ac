/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-rollout: the rollout view model and its text. The input is a JSON
 * array of objects (an object alone is one element); each is sorted by its
 * kind into the struct ro_objects arrays, and one without a known kind goes
 * into every array. The first Rollout (else the first element) is the
 * rollout: rollout_info_new, render_rollout and render_rollout_json; every
 * Experiment goes through rollout_experiment_new and render_experiment; every
 * element through rollout_phase and the other single-object helpers, and
 * the lists through render_list_rollouts and render_list_experiments.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "buf.h"
#include "json.h"
#include "render.h"
#include "rollout.h"

#define FUZZ_ROLLOUT_NOW ((time_t)1700000000)

/* The single-object helpers on obj. */
static void
fuzz_rollout_helpers(const cJSON *obj)
{
	const char *msg = NULL;
	const char *phase = rollout_phase(obj, &msg);
	struct buf b = BUF_INIT;
	(void)rollout_phase_r(obj, &b);
	render_status_line(&b, phase, msg);
	render_status_line_once(&b, phase, msg);
	(void)rollout_strategy(obj);
	char step[32];
	(void)rollout_step(obj, step, sizeof(step));
	(void)rollout_set_weight(obj);
	(void)rollout_status_icon(phase);
	(void)rollout_rs_icon(phase);
	(void)rollout_pod_icon(phase);
	(void)rollout_analysis_icon(phase);
	buf_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *in = json_parse((const char *)data, size, NULL);
	if (!in) {
		return 0;
	}
	if (!cJSON_IsArray(in)) {
		cJSON *arr = cJSON_CreateArray();
		cJSON_AddItemToArray(arr, in);
		in = arr;
	}
	static const char *const kinds[] = {
		"ReplicaSet", "Pod", "AnalysisRun", "Experiment", "Deployment",
	};
	cJSON *sets[5];
	for (size_t k = 0; k < 5; k++) {
		sets[k] = cJSON_CreateArray();
	}
	cJSON *rollouts = cJSON_CreateArray();
	const cJSON *rollout = NULL;
	const cJSON *it;
	cJSON_ArrayForEach(it, in) {
		const char *kind = json_str(it, "kind");
		bool known = false;
		if (kind && strcmp(kind, "Rollout") == 0) {
			known = true;
			if (!rollout) {
				rollout = it;
			}
			cJSON_AddItemReferenceToArray(rollouts, (cJSON *)it);
		}
		for (size_t k = 0; k < 5; k++) {
			if (kind && strcmp(kind, kinds[k]) == 0) {
				known = true;
				cJSON_AddItemReferenceToArray(sets[k],
							      (cJSON *)it);
			}
		}
		if (!known) {
			for (size_t k = 0; k < 5; k++) {
				cJSON_AddItemReferenceToArray(sets[k],
							      (cJSON *)it);
			}
		}
		fuzz_rollout_helpers(it);
	}
	if (!rollout) {
		rollout = in->child;
	}
	struct ro_objects o = {
		.rollout = rollout,
		.replicasets = sets[0],
		.pods = sets[1],
		.analysisruns = sets[2],
		.experiments = sets[3],
		.deployments = sets[4],
	};
	struct buf out = BUF_INIT;
	struct render_opts ropts = { .color = true, .now = 0, .revisions = 0 };
	struct ro_info *ri = rollout_info_new(&o, FUZZ_ROLLOUT_NOW);
	if (ri) {
		render_rollout(&out, ri, &ropts);
		ropts.color = false;
		ropts.revisions = 2;
		render_rollout(&out, ri, &ropts);
		cJSON_Delete(render_rollout_json(ri));
	}
	rollout_info_free(ri);
	cJSON_ArrayForEach(it, sets[3]) {
		struct exp_info *ei = rollout_experiment_new(it, &o,
							  FUZZ_ROLLOUT_NOW);
		if (ei) {
			render_experiment(&out, ei, NULL);
		}
		rollout_experiment_free(ei);
	}
	render_list_rollouts(&out, rollouts, true, true, FUZZ_ROLLOUT_NOW);
	render_list_rollout_rows(&out, rollouts, false, false,
				 FUZZ_ROLLOUT_NOW);
	render_list_experiments(&out, sets[3], true, FUZZ_ROLLOUT_NOW);
	buf_release(&out);
	for (size_t k = 0; k < 5; k++) {
		cJSON_Delete(sets[k]);
	}
	cJSON_Delete(rollouts);
	cJSON_Delete(in);
	return 0;
}
