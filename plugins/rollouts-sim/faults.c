/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faults: fault injection for reliability tests, set by flags and at run
 * time through /sim/v1/faults. The error share is deterministic: with rate
 * r, an accumulator adds r per request and a request fails each time it
 * passes 1, so 0.5 fails every second request, 0.25 every fourth.
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "sim.h"

struct sim_faults sim_faults = { .error_code = 500 };

void
faults_reset(void)
{
	memset(&sim_faults, 0, sizeof(sim_faults));
	sim_faults.error_code = 500;
}

int
faults_add_forbid(const char *spec, struct pd_err *e)
{
	const char *colon = strchr(spec, ':');
	if (!colon || colon == spec || !colon[1] ||
	    strlen(spec) >= sizeof(sim_faults.forbid[0])) {
		return err_set(e, PD_EUSAGE,
			       "invalid forbid rule '%s' (want VERB:RESOURCE, "
			       "e.g. list:analysisruns)", spec);
	}
	static const char *const verbs[] = { "get", "list", "watch", "create",
		"update", "patch", "delete", "deletecollection", "*" };
	size_t vl = (size_t)(colon - spec);
	bool known = false;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		known = known || (strlen(verbs[i]) == vl &&
				  strncmp(spec, verbs[i], vl) == 0);
	}
	if (!known) {
		return err_set(e, PD_EUSAGE,
			       "invalid verb '%.*s' in forbid rule '%s' (valid: "
			       "get, list, watch, create, update, patch, "
			       "delete, deletecollection, *)", (int)vl, spec,
			       spec);
	}
	if (sim_faults.nforbid == 32) {
		return err_set(e, PD_EUSAGE, "too many forbid rules");
	}
	snprintf(sim_faults.forbid[sim_faults.nforbid++],
		 sizeof(sim_faults.forbid[0]), "%s", spec);
	return 0;
}

int
faults_apply(const cJSON *j, struct pd_err *e)
{
	if (!cJSON_IsObject(j)) {
		return err_set(e, PD_EUSAGE, "faults must be a JSON object");
	}
	struct sim_faults save = sim_faults;
	for (const cJSON *c = j->child; c; c = c->next) {
		const char *k = c->string;
		if (strcmp(k, "forbid") == 0) {
			if (!cJSON_IsArray(c)) {
				goto bad;
			}
			sim_faults.nforbid = 0;
			for (const cJSON *f = c->child; f; f = f->next) {
				if (!cJSON_IsString(f) ||
				    faults_add_forbid(f->valuestring, e) < 0) {
					sim_faults = save;
					return err_set(e, PD_EUSAGE,
						       "invalid forbid rule");
				}
			}
			continue;
		}
		if (strcmp(k, "crashImages") == 0) {
			if (!cJSON_IsArray(c)) {
				goto bad;
			}
			sim_faults.ncrash_images = 0;
			for (const cJSON *f = c->child; f; f = f->next) {
				if (!cJSON_IsString(f) || !*f->valuestring ||
				    sim_faults.ncrash_images == 8) {
					goto bad;
				}
				snprintf(sim_faults.crash_images[
					 sim_faults.ncrash_images++],
					 sizeof(sim_faults.crash_images[0]), "%s",
					 f->valuestring);
			}
			continue;
		}
		if (strcmp(k, "statusless") == 0) {
			if (!cJSON_IsArray(c)) {
				goto bad;
			}
			sim_faults.nstatusless = 0;
			for (const cJSON *f = c->child; f; f = f->next) {
				if (!cJSON_IsString(f) ||
				    sim_faults.nstatusless == 8) {
					goto bad;
				}
				snprintf(sim_faults.statusless[
					 sim_faults.nstatusless++],
					 sizeof(sim_faults.statusless[0]), "%s",
					 f->valuestring);
			}
			continue;
		}
		if (strcmp(k, "watchExpire") == 0) {
			if (!cJSON_IsBool(c)) {
				goto bad;
			}
			sim_faults.watch_expire = cJSON_IsTrue(c);
			continue;
		}
		if (!cJSON_IsNumber(c) || c->valuedouble < 0) {
			goto bad;
		}
		double v = c->valuedouble;
		if (strcmp(k, "watchDropAfter") == 0) {
			sim_faults.watch_drop_after = (long)v;
		} else if (strcmp(k, "errorRate") == 0 && v <= 1) {
			sim_faults.error_rate = v;
			sim_faults.error_acc = 0;
		} else if (strcmp(k, "errorCode") == 0 &&
			   (v == 429 || (v >= 500 && v <= 599))) {
			sim_faults.error_code = (int)v;
		} else if (strcmp(k, "retryAfter") == 0) {
			sim_faults.retry_after = (int)v;
		} else if (strcmp(k, "latencyMs") == 0) {
			sim_faults.latency_ms = (long)v;
		} else if (strcmp(k, "conflictWrites") == 0) {
			sim_faults.conflict_writes = (long)v;
		} else {
			goto bad;
		}
		continue;
bad:
		sim_faults = save;
		return err_set(e, PD_EUSAGE, "invalid fault setting '%s'", k);
	}
	return 0;
}

void
faults_json(struct buf *out)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "watchDropAfter",
				(double)sim_faults.watch_drop_after);
	cJSON_AddNumberToObject(j, "errorRate", sim_faults.error_rate);
	cJSON_AddNumberToObject(j, "errorCode", sim_faults.error_code);
	cJSON_AddNumberToObject(j, "retryAfter", sim_faults.retry_after);
	cJSON_AddNumberToObject(j, "latencyMs", (double)sim_faults.latency_ms);
	cJSON_AddBoolToObject(j, "watchExpire", sim_faults.watch_expire);
	cJSON_AddNumberToObject(j, "conflictWrites",
				(double)sim_faults.conflict_writes);
	cJSON *ci = cJSON_AddArrayToObject(j, "crashImages");
	for (int i = 0; i < sim_faults.ncrash_images; i++) {
		cJSON_AddItemToArray(ci,
			cJSON_CreateString(sim_faults.crash_images[i]));
	}
	cJSON *sl = cJSON_AddArrayToObject(j, "statusless");
	for (int i = 0; i < sim_faults.nstatusless; i++) {
		cJSON_AddItemToArray(sl,
			cJSON_CreateString(sim_faults.statusless[i]));
	}
	cJSON *f = cJSON_AddArrayToObject(j, "forbid");
	for (int i = 0; i < sim_faults.nforbid; i++) {
		cJSON_AddItemToArray(f,
			cJSON_CreateString(sim_faults.forbid[i]));
	}
	json_write(out, j);
	buf_addch(out, '\n');
	cJSON_Delete(j);
}

int
faults_roll(void)
{
	if (sim_faults.error_rate <= 0) {
		return 0;
	}
	sim_faults.error_acc += sim_faults.error_rate;
	if (sim_faults.error_acc >= 1.0 - 1e-9) {
		sim_faults.error_acc -= 1.0;
		return sim_faults.error_code;
	}
	return 0;
}

bool
faults_forbidden(const char *verb, const char *plural)
{
	for (int i = 0; i < sim_faults.nforbid; i++) {
		const char *f = sim_faults.forbid[i];
		const char *colon = strchr(f, ':');
		size_t vl = (size_t)(colon - f);
		bool vok = (vl == 1 && f[0] == '*') ||
			   (strlen(verb) == vl && memcmp(f, verb, vl) == 0);
		bool rok = strcmp(colon + 1, "*") == 0 ||
			   strcmp(colon + 1, plural) == 0;
		if (vok && rok) {
			return true;
		}
	}
	return false;
}

bool
faults_has_status(const struct sim_resource *r)
{
	if (!r->has_status) {
		return false;
	}
	for (int i = 0; i < sim_faults.nstatusless; i++) {
		if (strcmp(sim_faults.statusless[i], r->plural) == 0) {
			return false;
		}
	}
	return true;
}

bool
faults_take_conflict(void)
{
	if (sim_faults.conflict_writes > 0) {
		sim_faults.conflict_writes--;
		return true;
	}
	return false;
}

bool
faults_crashes(const char *image)
{
	for (int i = 0; image && i < sim_faults.ncrash_images; i++) {
		if (strstr(image, sim_faults.crash_images[i])) {
			return true;
		}
	}
	return false;
}
