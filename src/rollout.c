/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rollout: the `get rollout` / `get experiment` model (see rollout.h).
 * Behaviour follows the Argo Rollouts plugin as specified in the project's
 * research notes: GetRolloutPhase and CalculateRolloutPhase, the canary
 * step and weights, ReplicaSet, pod (kubectl STATUS) and analysis statuses,
 * ownership joins by UID, image tags and the ordering of every list.
 */
#include "rollout.h"
#include "timeutil.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "xalloc.h"

#define ROLLOUT_HASH_LABEL "rollouts-pod-template-hash"
#define ROLLOUT_REVISION_ANN "rollout.argoproj.io/revision"
#define ROLLOUT_TEMPLATE_ANN "experiment.argoproj.io/template-name"
#define ROLLOUT_DEADLINE_ANN "scale-down-deadline"
#define ROLLOUT_WORKLOAD_GEN_ANN "rollout.argoproj.io/workload-generation"


/* Parsed time for sorting; unset or bad times sort first (Go zero time). */
static long long
rollout_time_or_zero(const char *ts)
{
	time_t t;

	if (!timeutil_parse(ts, &t)) {
		return -62135596800LL;
	}
	return (long long)t;
}

/* ---- small JSON helpers ------------------------------------------------ */

static char *
rollout_dup(const char *s)
{
	return xstrdup(s ? s : "");
}

static char *
rollout_dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* metadata.<map>[key] as a string, or NULL. */
static const char *
rollout_meta_map(const cJSON *obj, const char *map, const char *key)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(md, map);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *
rollout_annotation(const cJSON *obj, const char *key)
{
	return rollout_meta_map(obj, "annotations", key);
}

static const char *
rollout_label(const cJSON *obj, const char *key)
{
	return rollout_meta_map(obj, "labels", key);
}

/* String field at path; a number is formatted into tmp. NULL when absent. */
static const char *
rollout_scalar(const cJSON *obj, const char *path, char *tmp, size_t len)
{
	const cJSON *v = json_path(obj, path);

	if (cJSON_IsString(v)) {
		return v->valuestring;
	}
	if (cJSON_IsNumber(v)) {
		snprintf(tmp, len, "%lld", (long long)v->valuedouble);
		return tmp;
	}
	return NULL;
}

static int
rollout_int(const cJSON *obj, const char *path, int def)
{
	return (int)json_num(obj, path, def);
}

static bool
rollout_present(const cJSON *obj, const char *path)
{
	const cJSON *v = json_path(obj, path);

	return v && !cJSON_IsNull(v);
}

static bool
rollout_streq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Go strconv.Atoi over a whole string. */
static bool
rollout_atoi(const char *s, long long *out)
{
	char *end;
	long long v;

	if (!s || !*s) {
		return false;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || s[0] == ' ' || s[0] == '\t') {
		return false;
	}
	*out = v;
	return true;
}

/* rollout.argoproj.io/revision, 0 when missing or not a number. */
static int
rollout_revision_of(const cJSON *obj)
{
	long long v;

	if (!rollout_atoi(rollout_annotation(obj, ROLLOUT_REVISION_ANN), &v) ||
	    v < INT_MIN || v > INT_MAX) {
		return 0;
	}
	return (int)v;
}

/* Does any ownerReferences[].uid equal uid? */
static bool
rollout_owned_by(const cJSON *obj, const char *uid)
{
	const cJSON *refs = json_path(obj, "metadata.ownerReferences");
	const cJSON *r;

	if (!uid || !*uid) {
		return false;
	}
	cJSON_ArrayForEach(r, refs) {
		const char *u = json_str(r, "uid");
		if (u && strcmp(u, uid) == 0) {
			return true;
		}
	}
	return false;
}

static bool
rollout_analysis_completed(const char *phase)
{
	static const char *const done[] = {"Successful", "Failed", "Error",
					    "Inconclusive"};

	for (size_t i = 0; i < sizeof(done) / sizeof(done[0]); i++) {
		if (rollout_streq(phase, done[i])) {
			return true;
		}
	}
	return false;
}

/* ---- icons -------------------------------------------------------------- */

struct rollout_icon {
	const char *status;
	const char *icon;
};

static const char *
rollout_icon_lookup(const struct rollout_icon *tab, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (rollout_streq(s, tab[i].status)) {
			return tab[i].icon;
		}
	}
	return " ";
}

#define ROLLOUT_ICON(tab, s) \
	rollout_icon_lookup((tab), sizeof(tab) / sizeof((tab)[0]), (s))

const char *
rollout_status_icon(const char *s)
{
	static const struct rollout_icon tab[] = {
		{ "Progressing", "◌" }, { "Error", "⚠" },
		{ "InvalidSpec", "⚠" }, { "Paused", "॥" },
		{ "Healthy", "✔" }, { "Degraded", "✖" },
		{ "Unknown", "?" }, { "ScaledDown", "•" },
	};
	return ROLLOUT_ICON(tab, s);
}

const char *
rollout_rs_icon(const char *s)
{
	static const struct rollout_icon tab[] = {
		{ "Progressing", "◌" }, { "Healthy", "✔" },
		{ "ReplicaFailure", "✖" }, { "ScaledDown", "•" },
	};
	return ROLLOUT_ICON(tab, s);
}

static bool
rollout_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static bool
rollout_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcmp(s + n - m, suf) == 0;
}

const char *
rollout_pod_icon(const char *s)
{
	if (!s) {
		return " ";
	}
	if (rollout_prefix(s, "Init:")) {
		return "◌";
	}
	if (rollout_prefix(s, "Signal:") || rollout_prefix(s, "ExitCode:")) {
		return "✖";
	}
	if (rollout_suffix(s, "Error") || rollout_prefix(s, "Err")) {
		return "⚠";
	}
	if (!strcmp(s, "Pending") || !strcmp(s, "Terminating") ||
	    !strcmp(s, "ContainerCreating")) {
		return "◌";
	}
	if (!strcmp(s, "Running") || !strcmp(s, "Completed")) {
		return "✔";
	}
	if (!strcmp(s, "Failed") || !strcmp(s, "InvalidImageName") ||
	    !strcmp(s, "CrashLoopBackOff")) {
		return "✖";
	}
	if (!strcmp(s, "ImagePullBackOff") ||
	    !strcmp(s, "RegistryUnavailable")) {
		return "⚠";
	}
	if (!strcmp(s, "Unknown")) {
		return "?";
	}
	return " ";
}

const char *
rollout_analysis_icon(const char *s)
{
	static const struct rollout_icon tab[] = {
		{ "Successful", "✔" }, { "Inconclusive", "?" },
		{ "Failed", "✖" }, { "Error", "⚠" },
		{ "Running", "◌" }, { "Pending", "◷" },
	};
	return ROLLOUT_ICON(tab, s);
}

/* ---- phase (GetRolloutPhase / CalculateRolloutPhase) --------------------- */

static bool
rollout_generation_observed(const cJSON *ro)
{
	char tmp[32];
	const char *obs = rollout_scalar(ro, "status.observedGeneration", tmp,
					 sizeof(tmp));
	long long v;

	if (!rollout_atoi(obs, &v)) {
		return true;
	}
	return v >= (long long)json_num(ro, "metadata.generation", 0);
}

static bool
rollout_times_equal(const char *a, const char *b)
{
	time_t ta, tb;

	if (timeutil_parse(a, &ta) && timeutil_parse(b, &tb)) {
		return ta == tb;
	}
	return rollout_streq(a, b);
}

static const char *
rollout_calculate_phase(const cJSON *ro, struct buf *msg)
{
	const cJSON *c;
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(ro, "spec");
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(ro, "status");
	const cJSON *pcs;
	int desired, updated, available;
	const char *cur, *stable;

	cJSON_ArrayForEach(c, json_path(status, "conditions")) {
		const char *type = json_str(c, "type");
		const char *reason = json_str(c, "reason");
		const char *m = json_str(c, "message");
		if (rollout_streq(type, "InvalidSpec")) {
			buf_addf(msg, "InvalidSpec: %s", m ? m : "");
			return "Degraded";
		}
		if (rollout_streq(reason, "RolloutAborted") ||
		    rollout_streq(reason, "ProgressDeadlineExceeded")) {
			buf_addf(msg, "%s: %s", reason, m ? m : "");
			return "Degraded";
		}
	}
	if (json_bool(spec, "paused", false)) {
		buf_adds(msg, "manually paused");
		return "Paused";
	}
	pcs = json_path(status, "pauseConditions");
	if (cJSON_GetArraySize(pcs) > 0) {
		const char *r = json_str(cJSON_GetArrayItem(pcs, 0), "reason");
		buf_adds(msg, r ? r : "");
		return "Paused";
	}
	if (rollout_present(spec, "restartAt") &&
	    (!rollout_present(status, "restartedAt") ||
	     !rollout_times_equal(json_str(spec, "restartAt"),
				  json_str(status, "restartedAt")))) {
		buf_adds(msg, "rollout is restarting");
		return "Progressing";
	}
	desired = rollout_int(spec, "replicas", 1);
	updated = rollout_int(status, "updatedReplicas", 0);
	available = rollout_int(status, "availableReplicas", 0);
	if (updated < desired) {
		buf_adds(msg, "more replicas need to be updated");
		return "Progressing";
	}
	if (available < updated) {
		buf_adds(msg, "updated replicas are still becoming available");
		return "Progressing";
	}
	cur = json_str(status, "currentPodHash");
	stable = json_str(status, "stableRS");
	if (rollout_present(spec, "strategy.blueGreen")) {
		const char *active = json_str(status, "blueGreen.activeSelector");
		if (!active || !*active || !rollout_streq(active, cur)) {
			buf_adds(msg, "active service cutover pending");
			return "Progressing";
		}
		if (!stable || !*stable || !rollout_streq(stable, cur)) {
			const cJSON *rs = json_path(
				status, "blueGreen.postPromotionAnalysisRunStatus");
			if (rollout_present(spec,
					    "strategy.blueGreen.postPromotionAnalysis") &&
			    (!rs || cJSON_IsNull(rs) ||
			     !rollout_analysis_completed(json_str(rs, "status")))) {
				buf_adds(msg, "waiting for analysis to complete");
			} else {
				buf_adds(msg, "waiting for post-promotion "
					      "verification to complete");
			}
			return "Progressing";
		}
	} else if (rollout_present(spec, "strategy.canary")) {
		if (!rollout_present(spec, "strategy.canary.trafficRouting") &&
		    rollout_int(status, "replicas", 0) > updated) {
			buf_adds(msg, "old replicas are pending termination");
			return "Progressing";
		}
		if (!stable || !*stable || !rollout_streq(stable, cur)) {
			buf_adds(msg, "waiting for all steps to complete");
			return "Progressing";
		}
	}
	return "Healthy";
}

const char *
rollout_phase_r(const cJSON *ro, struct buf *msg)
{
	const char *phase;
	char tmp[32];

	if (!rollout_generation_observed(ro)) {
		buf_adds(msg, "waiting for rollout spec update to be observed");
		return "Progressing";
	}
	if (json_bool(ro, "status.controllerPause", false) &&
	    cJSON_GetArraySize(json_path(ro, "status.pauseConditions")) == 0) {
		buf_adds(msg, "waiting for rollout to unpause");
		return "Progressing";
	}
	if (rollout_present(ro, "spec.workloadRef")) {
		const char *want = rollout_annotation(ro, ROLLOUT_WORKLOAD_GEN_ANN);
		const char *got = rollout_scalar(
			ro, "status.workloadObservedGeneration", tmp, sizeof(tmp));
		if (!rollout_streq(want, got)) {
			buf_adds(msg, "waiting for rollout spec update to be "
				      "observed for the reference workload");
			return "Progressing";
		}
	}
	phase = json_str(ro, "status.phase");
	if (phase && *phase) {
		const char *m = json_str(ro, "status.message");
		buf_adds(msg, m ? m : "");
		return phase;
	}
	return rollout_calculate_phase(ro, msg);
}

static _Thread_local struct buf rollout_phase_msg;

const char *
rollout_phase(const cJSON *ro, const char **message)
{
	const char *phase;

	if (!rollout_phase_msg.buf) {
		buf_init(&rollout_phase_msg, 0);
	}
	buf_reset(&rollout_phase_msg);
	phase = rollout_phase_r(ro, &rollout_phase_msg);
	if (message) {
		*message = rollout_phase_msg.buf;
	}
	return phase;
}

/* ---- strategy, step and weights ------------------------------------------ */

const char *
rollout_strategy(const cJSON *ro)
{
	if (rollout_present(ro, "spec.strategy.canary")) {
		return "Canary";
	}
	if (rollout_present(ro, "spec.strategy.blueGreen")) {
		return "BlueGreen";
	}
	return "";
}

bool
rollout_step(const cJSON *ro, char *out, size_t len)
{
	const cJSON *steps = json_path(ro, "spec.strategy.canary.steps");
	const cJSON *idx = json_path(ro, "status.currentStepIndex");
	int n = cJSON_GetArraySize(steps);

	if (len) {
		out[0] = '\0';
	}
	if (!rollout_present(ro, "spec.strategy.canary") || n == 0 ||
	    !cJSON_IsNumber(idx)) {
		return false;
	}
	snprintf(out, len, "%d/%d", (int)idx->valuedouble, n);
	return true;
}

static int
rollout_max_weight(const cJSON *ro)
{
	return rollout_int(ro,
			   "spec.strategy.canary.trafficRouting.maxTrafficWeight",
			   100);
}

/* GetCurrentCanaryStep: the step index, or -1 when there is none. */
static int
rollout_current_step(const cJSON *ro)
{
	const cJSON *steps = json_path(ro, "spec.strategy.canary.steps");
	int n = cJSON_GetArraySize(steps);
	int idx;

	if (!rollout_present(ro, "spec.strategy.canary") || n == 0) {
		return -1;
	}
	idx = rollout_int(ro, "status.currentStepIndex", 0);
	if (idx < 0 || idx >= n) {
		return -1;
	}
	return idx;
}

int
rollout_set_weight(const cJSON *ro)
{
	const cJSON *steps = json_path(ro, "spec.strategy.canary.steps");
	int idx;

	if (json_bool(ro, "status.abort", false)) {
		return 0;
	}
	idx = rollout_current_step(ro);
	if (idx < 0) {
		return rollout_max_weight(ro);
	}
	for (int i = idx; i >= 0; i--) {
		const cJSON *w = json_path(cJSON_GetArrayItem(steps, i),
					   "setWeight");
		if (cJSON_IsNumber(w)) {
			return (int)w->valuedouble;
		}
	}
	return 0;
}

/* ---- pods ---------------------------------------------------------------- */

static bool
rollout_is_sidecar(const cJSON *pod, const char *name)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, json_path(pod, "spec.initContainers")) {
		if (rollout_streq(json_str(c, "name"), name)) {
			return rollout_streq(json_str(c, "restartPolicy"),
					     "Always");
		}
	}
	return false;
}

/* kubectl get pods STATUS, ready containers and restarts. */
static void
rollout_pod_status(const cJSON *pod, struct buf *reason, int *ready,
		   int *restarts)
{
	const char *phase = json_str(pod, "status.phase");
	const char *sreason = json_str(pod, "status.reason");
	const cJSON *inits = json_path(pod, "status.initContainerStatuses");
	const cJSON *conts = json_path(pod, "status.containerStatuses");
	int n_init_spec = cJSON_GetArraySize(json_path(pod, "spec.initContainers"));
	bool initializing = false;
	int i = 0;
	const cJSON *c;

	*ready = 0;
	*restarts = 0;
	buf_reset(reason);
	buf_adds(reason, sreason && *sreason ? sreason : (phase ? phase : ""));

	cJSON_ArrayForEach(c, inits) {
		const cJSON *term = json_path(c, "state.terminated");
		const char *wr = json_str(c, "state.waiting.reason");
		*restarts += rollout_int(c, "restartCount", 0);
		if (cJSON_IsObject(term) && rollout_int(term, "exitCode", 0) == 0) {
			i++;
			continue;
		}
		if (rollout_is_sidecar(pod, json_str(c, "name")) &&
		    json_bool(c, "started", false) &&
		    json_bool(c, "ready", false)) {
			i++;
			continue;
		}
		buf_reset(reason);
		if (term && cJSON_IsObject(term)) {
			const char *tr = json_str(term, "reason");
			int sig = rollout_int(term, "signal", 0);
			if (tr && *tr) {
				buf_addf(reason, "Init:%s", tr);
			} else if (sig != 0) {
				buf_addf(reason, "Init:Signal:%d", sig);
			} else {
				buf_addf(reason, "Init:ExitCode:%d",
					 rollout_int(term, "exitCode", 0));
			}
		} else if (wr && *wr && strcmp(wr, "PodInitializing") != 0) {
			buf_addf(reason, "Init:%s", wr);
		} else {
			buf_addf(reason, "Init:%d/%d", i, n_init_spec);
		}
		initializing = true;
		break;
	}
	if (!initializing) {
		bool running = false;
		*restarts = 0;
		for (int k = cJSON_GetArraySize(conts) - 1; k >= 0; k--) {
			const cJSON *ct = cJSON_GetArrayItem(conts, k);
			const cJSON *term = json_path(ct, "state.terminated");
			const char *wr = json_str(ct, "state.waiting.reason");
			const char *tr = json_str(term, "reason");
			*restarts += rollout_int(ct, "restartCount", 0);
			if (wr && *wr) {
				buf_reset(reason);
				buf_adds(reason, wr);
			} else if (term && cJSON_IsObject(term) && tr && *tr) {
				buf_reset(reason);
				buf_adds(reason, tr);
			} else if (term && cJSON_IsObject(term)) {
				int sig = rollout_int(term, "signal", 0);
				buf_reset(reason);
				if (sig != 0) {
					buf_addf(reason, "Signal:%d", sig);
				} else {
					buf_addf(reason, "ExitCode:%d",
						 rollout_int(term, "exitCode", 0));
				}
			} else if (json_bool(ct, "ready", false) &&
				   cJSON_IsObject(json_path(ct, "state.running"))) {
				running = true;
				(*ready)++;
			}
		}
		if (!strcmp(reason->buf, "Completed") && running) {
			buf_reset(reason);
			buf_adds(reason, "Running");
		}
	}
	if (rollout_present(pod, "metadata.deletionTimestamp")) {
		buf_reset(reason);
		buf_adds(reason, rollout_streq(sreason, "NodeLost") ? "Unknown"
								  : "Terminating");
	}
}

static void
rollout_pod_init(struct ro_pod *p, const cJSON *pod, time_t now)
{
	struct buf reason = BUF_INIT;

	memset(p, 0, sizeof(*p));
	p->name = rollout_dup(json_str(pod, "metadata.name"));
	rollout_pod_status(pod, &reason, &p->ready, &p->restarts);
	p->status = buf_detach(&reason, NULL);
	p->icon = rollout_pod_icon(p->status);
	p->total = cJSON_GetArraySize(json_path(pod, "spec.containers"));
	p->created = rollout_dup_or_null(json_str(pod, "metadata.creationTimestamp"));
	timeutil_age(p->age, sizeof(p->age), p->created, now);
}

static void
rollout_pod_release(struct ro_pod *p)
{
	free(p->name);
	free(p->status);
	free(p->created);
}

static int
rollout_pod_cmp(const void *a, const void *b)
{
	const struct ro_pod *x = a, *y = b;
	long long tx = rollout_time_or_zero(x->created);
	long long ty = rollout_time_or_zero(y->created);

	if (tx != ty) {
		return tx < ty ? -1 : 1;
	}
	return strcmp(x->name, y->name);
}

/* ---- ReplicaSets ---------------------------------------------------------- */

static const char *
rollout_rs_status(const cJSON *rs)
{
	long long gen = (long long)json_num(rs, "metadata.generation", 0);
	long long obs = (long long)json_num(rs, "status.observedGeneration", 0);
	int replicas = rollout_int(rs, "spec.replicas", 1);

	if (gen <= obs) {
		const cJSON *c;
		cJSON_ArrayForEach(c, json_path(rs, "status.conditions")) {
			if (rollout_streq(json_str(c, "type"), "ReplicaFailure") &&
			    rollout_streq(json_str(c, "status"), "True")) {
				return "ReplicaFailure";
			}
		}
		if (rollout_int(rs, "status.availableReplicas", 0) < replicas) {
			return "Progressing";
		}
	} else {
		return "Progressing";
	}
	return replicas == 0 ? "ScaledDown" : "Healthy";
}

static unsigned
rollout_rs_tags(const cJSON *ro, const char *hash)
{
	unsigned tags = 0;
	const char *stable, *cur;

	if (!ro || !hash || !*hash) {
		return 0;
	}
	stable = json_str(ro, "status.stableRS");
	cur = json_str(ro, "status.currentPodHash");
	if (rollout_present(ro, "spec.strategy.canary")) {
		bool pingpong = rollout_present(ro, "spec.strategy.canary.pingPong");
		bool stable_ping = rollout_streq(
			json_str(ro, "status.canary.stablePingPong"), "ping");
		if (rollout_streq(hash, stable)) {
			tags |= RO_TAG_STABLE;
			if (pingpong) {
				tags |= stable_ping ? RO_TAG_PING : RO_TAG_PONG;
			}
		} else if (rollout_streq(hash, cur)) {
			tags |= RO_TAG_CANARY;
			if (pingpong) {
				tags |= stable_ping ? RO_TAG_PONG : RO_TAG_PING;
			}
		}
	} else if (rollout_present(ro, "spec.strategy.blueGreen")) {
		if (rollout_streq(hash, stable)) {
			tags |= RO_TAG_STABLE;
		}
		if (rollout_streq(hash, json_str(ro, "status.blueGreen.activeSelector"))) {
			tags |= RO_TAG_ACTIVE;
		} else if (rollout_streq(hash, json_str(ro, "status.blueGreen.previewSelector"))) {
			tags |= RO_TAG_PREVIEW;
		}
	}
	return tags;
}

static void
rollout_rs_delay(struct ro_replicaset *r, time_t now)
{
	time_t t;

	r->delay[0] = '\0';
	if (!r->scale_down_deadline ||
	    !timeutil_parse(r->scale_down_deadline, &t)) {
		return;
	}
	if (t < now) {
		snprintf(r->delay, sizeof(r->delay), "passed");
	} else {
		timeutil_human_duration(r->delay, sizeof(r->delay),
				       (long long)t - (long long)now);
	}
}

/* ro: the owning Rollout for role tags, or NULL (experiment RSs). */
static void
rollout_rs_init(struct ro_replicaset *r, const cJSON *rs, const cJSON *ro,
		const cJSON *pods, time_t now)
{
	const char *uid = json_str(rs, "metadata.uid");
	const cJSON *p;
	size_t alloc = 0;

	memset(r, 0, sizeof(*r));
	r->name = rollout_dup(json_str(rs, "metadata.name"));
	r->status = rollout_dup(rollout_rs_status(rs));
	r->icon = rollout_rs_icon(r->status);
	r->revision = rollout_revision_of(rs);
	r->tags = rollout_rs_tags(ro, rollout_label(rs, ROLLOUT_HASH_LABEL));
	r->template = rollout_dup_or_null(rollout_annotation(rs, ROLLOUT_TEMPLATE_ANN));
	r->scale_down_deadline =
		rollout_dup_or_null(rollout_annotation(rs, ROLLOUT_DEADLINE_ANN));
	rollout_rs_delay(r, now);
	r->replicas = rollout_int(rs, "status.replicas", 0);
	r->available = rollout_int(rs, "status.availableReplicas", 0);
	r->created = rollout_dup_or_null(json_str(rs, "metadata.creationTimestamp"));
	timeutil_age(r->age, sizeof(r->age), r->created, now);

	cJSON_ArrayForEach(p, json_path(rs, "spec.template.spec.containers")) {
		const char *img = json_str(p, "image");
		r->images = xrealloc(r->images, (r->n_images + 1) * sizeof(char *));
		r->images[r->n_images++] = rollout_dup(img);
	}
	cJSON_ArrayForEach(p, pods) {
		if (!rollout_owned_by(p, uid)) {
			continue;
		}
		if (r->n_pods == alloc) {
			alloc = alloc ? alloc * 2 : 4;
			r->pods = xrealloc(r->pods, alloc * sizeof(*r->pods));
		}
		rollout_pod_init(&r->pods[r->n_pods++], p, now);
	}
	if (r->n_pods > 1) {
		qsort(r->pods, r->n_pods, sizeof(*r->pods), rollout_pod_cmp);
	}
}

static void
rollout_rs_release(struct ro_replicaset *r)
{
	free(r->name);
	free(r->status);
	free(r->template);
	free(r->scale_down_deadline);
	free(r->created);
	for (size_t i = 0; i < r->n_images; i++) {
		free(r->images[i]);
	}
	free(r->images);
	for (size_t i = 0; i < r->n_pods; i++) {
		rollout_pod_release(&r->pods[i]);
	}
	free(r->pods);
}

static int
rollout_rs_cmp(const void *a, const void *b)
{
	const struct ro_replicaset *x = a, *y = b;

	if (x->revision != y->revision) {
		return x->revision > y->revision ? -1 : 1;
	}
	return strcmp(x->name, y->name);
}

/* Every RS in rss owned by uid, sorted (revision desc, name asc). */
static struct ro_replicaset *
rollout_collect_rs(const cJSON *rss, const char *uid, const cJSON *ro,
		   const cJSON *pods, time_t now, size_t *n)
{
	struct ro_replicaset *v = NULL;
	size_t alloc = 0;
	const cJSON *rs;

	*n = 0;
	cJSON_ArrayForEach(rs, rss) {
		if (!rollout_owned_by(rs, uid)) {
			continue;
		}
		if (*n == alloc) {
			alloc = alloc ? alloc * 2 : 4;
			v = xrealloc(v, alloc * sizeof(*v));
		}
		rollout_rs_init(&v[(*n)++], rs, ro, pods, now);
	}
	if (*n > 1) {
		qsort(v, *n, sizeof(*v), rollout_rs_cmp);
	}
	return v;
}

/* ---- AnalysisRuns --------------------------------------------------------- */

static void
rollout_ar_init(struct ro_analysisrun *a, const cJSON *ar, time_t now)
{
	const char *ns = json_str(ar, "metadata.namespace");
	const cJSON *mr, *m;
	size_t alloc = 0;

	memset(a, 0, sizeof(*a));
	a->name = rollout_dup(json_str(ar, "metadata.name"));
	a->status = rollout_dup(json_str(ar, "status.phase"));
	a->icon = rollout_analysis_icon(a->status);
	a->revision = rollout_revision_of(ar);
	a->created = rollout_dup_or_null(json_str(ar, "metadata.creationTimestamp"));
	timeutil_age(a->age, sizeof(a->age), a->created, now);
	cJSON_ArrayForEach(mr, json_path(ar, "status.metricResults")) {
		a->successful += rollout_int(mr, "successful", 0);
		a->failed += rollout_int(mr, "failed", 0);
		a->inconclusive += rollout_int(mr, "inconclusive", 0);
		a->error += rollout_int(mr, "error", 0);
		cJSON_ArrayForEach(m, json_path(mr, "measurements")) {
			const cJSON *md = cJSON_GetObjectItemCaseSensitive(m, "metadata");
			const cJSON *jn = cJSON_GetObjectItemCaseSensitive(md, "job-name");
			const cJSON *jns = cJSON_GetObjectItemCaseSensitive(md, "job-namespace");
			struct ro_job *j;
			if (!cJSON_IsString(jn) || !*jn->valuestring) {
				continue;
			}
			if (a->n_jobs == alloc) {
				alloc = alloc ? alloc * 2 : 4;
				a->jobs = xrealloc(a->jobs, alloc * sizeof(*a->jobs));
			}
			j = &a->jobs[a->n_jobs++];
			memset(j, 0, sizeof(*j));
			j->name = xstrdup(jn->valuestring);
			j->namespace = rollout_dup(cJSON_IsString(jns) &&
							   *jns->valuestring
						   ? jns->valuestring
						   : ns);
			j->status = rollout_dup(json_str(m, "phase"));
			j->icon = rollout_analysis_icon(j->status);
			j->started = rollout_dup_or_null(json_str(m, "startedAt"));
			timeutil_age(j->age, sizeof(j->age), j->started, now);
		}
	}
}

static void
rollout_ar_release(struct ro_analysisrun *a)
{
	free(a->name);
	free(a->status);
	free(a->created);
	for (size_t i = 0; i < a->n_jobs; i++) {
		free(a->jobs[i].name);
		free(a->jobs[i].namespace);
		free(a->jobs[i].status);
		free(a->jobs[i].started);
	}
	free(a->jobs);
}

static int
rollout_ar_cmp(const void *a, const void *b)
{
	const struct ro_analysisrun *x = a, *y = b;
	long long tx, ty;

	if (x->revision != y->revision) {
		return x->revision > y->revision ? -1 : 1;
	}
	tx = rollout_time_or_zero(x->created);
	ty = rollout_time_or_zero(y->created);
	if (tx != ty) {
		return tx < ty ? -1 : 1;
	}
	return strcmp(y->name, x->name);
}

static struct ro_analysisrun *
rollout_collect_ar(const cJSON *ars, const char *uid, time_t now, size_t *n)
{
	struct ro_analysisrun *v = NULL;
	size_t alloc = 0;
	const cJSON *ar;

	*n = 0;
	cJSON_ArrayForEach(ar, ars) {
		if (!rollout_owned_by(ar, uid)) {
			continue;
		}
		if (*n == alloc) {
			alloc = alloc ? alloc * 2 : 4;
			v = xrealloc(v, alloc * sizeof(*v));
		}
		rollout_ar_init(&v[(*n)++], ar, now);
	}
	if (*n > 1) {
		qsort(v, *n, sizeof(*v), rollout_ar_cmp);
	}
	return v;
}

/* ---- Experiments ---------------------------------------------------------- */

static void
rollout_exp_init(struct ro_experiment *e, const cJSON *exp,
		 const struct ro_objects *o, time_t now)
{
	const char *uid = json_str(exp, "metadata.uid");

	memset(e, 0, sizeof(*e));
	e->name = rollout_dup(json_str(exp, "metadata.name"));
	e->namespace = rollout_dup(json_str(exp, "metadata.namespace"));
	e->status = rollout_dup(json_str(exp, "status.phase"));
	e->message = rollout_dup(json_str(exp, "status.message"));
	e->icon = rollout_analysis_icon(e->status);
	e->revision = rollout_revision_of(exp);
	e->created = rollout_dup_or_null(json_str(exp, "metadata.creationTimestamp"));
	timeutil_age(e->age, sizeof(e->age), e->created, now);
	e->replicasets = rollout_collect_rs(o->replicasets, uid, NULL, o->pods,
					    now, &e->n_replicasets);
	e->analysisruns = rollout_collect_ar(o->analysisruns, uid, now,
					     &e->n_analysisruns);
}

static void
rollout_exp_release(struct ro_experiment *e)
{
	free(e->name);
	free(e->namespace);
	free(e->status);
	free(e->message);
	free(e->created);
	for (size_t i = 0; i < e->n_replicasets; i++) {
		rollout_rs_release(&e->replicasets[i]);
	}
	free(e->replicasets);
	for (size_t i = 0; i < e->n_analysisruns; i++) {
		rollout_ar_release(&e->analysisruns[i]);
	}
	free(e->analysisruns);
}

static int
rollout_exp_cmp(const void *a, const void *b)
{
	const struct ro_experiment *x = a, *y = b;
	long long tx, ty;

	if (x->revision != y->revision) {
		return x->revision > y->revision ? -1 : 1;
	}
	tx = rollout_time_or_zero(x->created);
	ty = rollout_time_or_zero(y->created);
	if (tx != ty) {
		return tx < ty ? -1 : 1;
	}
	return strcmp(x->name, y->name);
}

/* ---- images ---------------------------------------------------------------- */

struct rollout_imgs {
	struct ro_image *v;
	bool *merged;
	size_t n;
};

static void
rollout_imgs_add(struct rollout_imgs *im, const char *image,
		 const char *const *tags, size_t ntags)
{
	struct ro_image *e = NULL;

	for (size_t i = 0; i < im->n; i++) {
		if (!strcmp(im->v[i].image, image)) {
			e = &im->v[i];
			im->merged[i] = true;
			break;
		}
	}
	if (!e) {
		im->v = xrealloc(im->v, (im->n + 1) * sizeof(*im->v));
		im->merged = xrealloc(im->merged, (im->n + 1) * sizeof(bool));
		im->merged[im->n] = false;
		e = &im->v[im->n++];
		e->image = xstrdup(image);
		e->tags = NULL;
		e->n_tags = 0;
	}
	for (size_t i = 0; i < ntags; i++) {
		e->tags = xrealloc(e->tags, (e->n_tags + 1) * sizeof(char *));
		e->tags[e->n_tags++] = xstrdup(tags[i]);
	}
}

static int
rollout_str_cmp(const void *a, const void *b)
{
	const char *const *x = a;
	const char *const *y = b;

	return strcmp(*x, *y);
}

static int
rollout_img_cmp(const void *a, const void *b)
{
	const struct ro_image *x = a, *y = b;

	return strcmp(x->image, y->image);
}

static void
rollout_imgs_add_rs(struct rollout_imgs *im, const struct ro_replicaset *r,
		    bool experiment)
{
	const char *tags[8];
	size_t n = 0;
	char *sigma = NULL;

	if (r->replicas <= 0) {
		return;
	}
	if (experiment) {
		if (r->template && *r->template) {
			sigma = xasprintf("Σ:%s", r->template);
			tags[n++] = sigma;
		}
	} else {
		if (r->tags & RO_TAG_CANARY) {
			tags[n++] = "canary";
		}
		if (r->tags & RO_TAG_STABLE) {
			tags[n++] = "stable";
		}
		if (r->tags & RO_TAG_ACTIVE) {
			tags[n++] = "active";
		}
		if (r->tags & RO_TAG_PREVIEW) {
			tags[n++] = "preview";
		}
		if (r->tags & RO_TAG_PING) {
			tags[n++] = "ping";
		}
		if (r->tags & RO_TAG_PONG) {
			tags[n++] = "pong";
		}
	}
	for (size_t i = 0; i < r->n_images; i++) {
		rollout_imgs_add(im, r->images[i], tags, n);
	}
	free(sigma);
}

static struct ro_image *
rollout_imgs_finish(struct rollout_imgs *im, size_t *n)
{
	for (size_t i = 0; i < im->n; i++) {
		struct ro_image *e = &im->v[i];
		size_t k = 0;
		if (!im->merged[i] || e->n_tags < 2) {
			continue;
		}
		qsort(e->tags, e->n_tags, sizeof(char *), rollout_str_cmp);
		for (size_t j = 0; j < e->n_tags; j++) {
			if (k > 0 && !strcmp(e->tags[k - 1], e->tags[j])) {
				free(e->tags[j]);
				continue;
			}
			e->tags[k++] = e->tags[j];
		}
		e->n_tags = k;
	}
	free(im->merged);
	if (im->n > 1) {
		qsort(im->v, im->n, sizeof(*im->v), rollout_img_cmp);
	}
	*n = im->n;
	return im->v;
}

static void
rollout_images_free(struct ro_image *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < v[i].n_tags; j++) {
			free(v[i].tags[j]);
		}
		free(v[i].tags);
		free(v[i].image);
	}
	free(v);
}

/* ---- the rollout model -------------------------------------------------- */

static struct ro_revision *
rollout_revision_get(struct ro_info *ri, int rev)
{
	struct ro_revision *r;

	for (size_t i = 0; i < ri->n_revisions; i++) {
		if (ri->revisions[i].revision == rev) {
			return &ri->revisions[i];
		}
	}
	ri->revisions = xrealloc(ri->revisions,
				 (ri->n_revisions + 1) * sizeof(*ri->revisions));
	r = &ri->revisions[ri->n_revisions++];
	memset(r, 0, sizeof(*r));
	r->revision = rev;
	return r;
}

static int
rollout_revision_cmp(const void *a, const void *b)
{
	const struct ro_revision *x = a, *y = b;

	if (x->revision == y->revision) {
		return 0;
	}
	return x->revision > y->revision ? -1 : 1;
}

static void
rollout_actual_weight(struct ro_info *ri, const cJSON *ro,
		      const struct ro_replicaset *rss, size_t nrs)
{
	int max = rollout_max_weight(ro);
	int avail = rollout_int(ro, "status.availableReplicas", 0);

	ri->actual_weight = 0;
	if (rollout_current_step(ro) < 0) {
		ri->actual_weight = max;
		return;
	}
	if (avail <= 0) {
		return;
	}
	if (!rollout_present(ro, "spec.strategy.canary.trafficRouting")) {
		for (size_t i = 0; i < nrs; i++) {
			if (rss[i].tags & RO_TAG_CANARY) {
				ri->actual_weight = (int)((long long)rss[i].available *
							  max / avail);
			}
		}
	} else if (rollout_present(ro, "status.canary.weights")) {
		ri->actual_weight = rollout_int(ro, "status.canary.weights.canary.weight", 0);
	} else {
		ri->actual_weight = ri->set_weight;
	}
}

struct ro_info *
rollout_info_new(const struct ro_objects *o, time_t now)
{
	const cJSON *ro = o ? o->rollout : NULL;
	struct ro_info *ri;
	struct buf msg = BUF_INIT;
	const char *uid;
	struct ro_replicaset *rss;
	struct ro_analysisrun *ars;
	struct ro_experiment *exps = NULL;
	size_t nrs, nar, nexp = 0, alloc = 0;
	struct rollout_imgs im = {0};
	char step[32];
	const cJSON *e;

	if (!cJSON_IsObject(ro)) {
		return NULL;
	}
	ri = xcalloc(1, sizeof(*ri));
	ri->now = now;
	uid = json_str(ro, "metadata.uid");
	ri->name = rollout_dup(json_str(ro, "metadata.name"));
	ri->namespace = rollout_dup(json_str(ro, "metadata.namespace"));
	ri->status = rollout_dup(rollout_phase_r(ro, &msg));
	ri->message = buf_detach(&msg, NULL);
	ri->icon = rollout_status_icon(ri->status);
	ri->strategy = rollout_dup(rollout_strategy(ro));
	if (rollout_step(ro, step, sizeof(step))) {
		ri->step = xstrdup(step);
	}
	ri->set_weight = rollout_set_weight(ro);
	ri->replicas.desired = rollout_int(ro, "spec.replicas", 1);
	ri->replicas.current = rollout_int(ro, "status.replicas", 0);
	ri->replicas.updated = rollout_int(ro, "status.updatedReplicas", 0);
	ri->replicas.ready = rollout_int(ro, "status.readyReplicas", 0);
	ri->replicas.available = rollout_int(ro, "status.availableReplicas", 0);
	ri->created = rollout_dup_or_null(json_str(ro, "metadata.creationTimestamp"));
	timeutil_age(ri->age, sizeof(ri->age), ri->created, now);

	if (rollout_present(ro, "spec.workloadRef")) {
		const char *kind = json_str(ro, "spec.workloadRef.kind");
		const char *name = json_str(ro, "spec.workloadRef.name");
		const cJSON *d;
		ri->workload_ref = xasprintf("%s/%s", kind ? kind : "",
					     name ? name : "");
		cJSON_ArrayForEach(d, o->deployments) {
			if (rollout_streq(json_str(d, "metadata.name"), name) &&
			    rollout_streq(kind, "Deployment")) {
				ri->workload_found = true;
			}
		}
	}

	rss = rollout_collect_rs(o->replicasets, uid, ro, o->pods, now, &nrs);
	ars = rollout_collect_ar(o->analysisruns, uid, now, &nar);
	cJSON_ArrayForEach(e, o->experiments) {
		if (!rollout_owned_by(e, uid)) {
			continue;
		}
		if (nexp == alloc) {
			alloc = alloc ? alloc * 2 : 4;
			exps = xrealloc(exps, alloc * sizeof(*exps));
		}
		rollout_exp_init(&exps[nexp++], e, o, now);
	}
	if (nexp > 1) {
		qsort(exps, nexp, sizeof(*exps), rollout_exp_cmp);
	}
	rollout_actual_weight(ri, ro, rss, nrs);

	/* images: the rollout's RSs, then the experiments' RSs */
	for (size_t i = 0; i < nrs; i++) {
		rollout_imgs_add_rs(&im, &rss[i], false);
	}
	for (size_t i = 0; i < nexp; i++) {
		for (size_t j = 0; j < exps[i].n_replicasets; j++) {
			rollout_imgs_add_rs(&im, &exps[i].replicasets[j], true);
		}
	}
	ri->images = rollout_imgs_finish(&im, &ri->n_images);

	/* revisions: move each (already sorted) object into its revision */
	for (size_t i = 0; i < nrs; i++) {
		struct ro_revision *r = rollout_revision_get(ri, rss[i].revision);
		r->replicasets = xrealloc(r->replicasets, (r->n_replicasets + 1) *
							  sizeof(*r->replicasets));
		r->replicasets[r->n_replicasets++] = rss[i];
	}
	for (size_t i = 0; i < nexp; i++) {
		struct ro_revision *r = rollout_revision_get(ri, exps[i].revision);
		r->experiments = xrealloc(r->experiments, (r->n_experiments + 1) *
							  sizeof(*r->experiments));
		r->experiments[r->n_experiments++] = exps[i];
	}
	for (size_t i = 0; i < nar; i++) {
		struct ro_revision *r = rollout_revision_get(ri, ars[i].revision);
		r->analysisruns = xrealloc(r->analysisruns, (r->n_analysisruns + 1) *
							    sizeof(*r->analysisruns));
		r->analysisruns[r->n_analysisruns++] = ars[i];
	}
	free(rss);
	free(exps);
	free(ars);
	if (ri->n_revisions > 1) {
		qsort(ri->revisions, ri->n_revisions, sizeof(*ri->revisions),
		      rollout_revision_cmp);
	}
	return ri;
}

void
rollout_info_free(struct ro_info *ri)
{
	if (!ri) {
		return;
	}
	free(ri->name);
	free(ri->namespace);
	free(ri->status);
	free(ri->message);
	free(ri->strategy);
	free(ri->step);
	free(ri->workload_ref);
	free(ri->created);
	rollout_images_free(ri->images, ri->n_images);
	for (size_t i = 0; i < ri->n_revisions; i++) {
		struct ro_revision *r = &ri->revisions[i];
		for (size_t j = 0; j < r->n_replicasets; j++) {
			rollout_rs_release(&r->replicasets[j]);
		}
		free(r->replicasets);
		for (size_t j = 0; j < r->n_experiments; j++) {
			rollout_exp_release(&r->experiments[j]);
		}
		free(r->experiments);
		for (size_t j = 0; j < r->n_analysisruns; j++) {
			rollout_ar_release(&r->analysisruns[j]);
		}
		free(r->analysisruns);
	}
	free(ri->revisions);
	free(ri);
}

/* ---- the experiment model ------------------------------------------------ */

struct exp_info *
rollout_experiment_new(const cJSON *experiment, const struct ro_objects *o,
		    time_t now)
{
	static const struct ro_objects none;
	struct exp_info *ei;
	struct rollout_imgs im = {0};

	if (!cJSON_IsObject(experiment)) {
		return NULL;
	}
	ei = xcalloc(1, sizeof(*ei));
	ei->now = now;
	rollout_exp_init(&ei->exp, experiment, o ? o : &none, now);
	for (size_t j = 0; j < ei->exp.n_replicasets; j++) {
		rollout_imgs_add_rs(&im, &ei->exp.replicasets[j], true);
	}
	ei->images = rollout_imgs_finish(&im, &ei->n_images);
	return ei;
}

void
rollout_experiment_free(struct exp_info *ei)
{
	if (!ei) {
		return;
	}
	rollout_exp_release(&ei->exp);
	rollout_images_free(ei->images, ei->n_images);
	free(ei);
}
