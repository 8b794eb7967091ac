/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faults: injected errors and latency. A rule answers its status to the
 * next count requests whose path starts with its prefix (API requests,
 * /api/..., when it has none); rules are taken in the order they were
 * added. Latency is added to every request but the simulator's own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forge.h"
#include "xalloc.h"

#define FAULTS_MAX 16

struct faults_rule {
	int status;
	long count;
	int retry_after;
	char path[256];
};

static pthread_mutex_t faults_mu = PTHREAD_MUTEX_INITIALIZER;
static struct faults_rule faults_rules[FAULTS_MAX];
static int faults_n;
static long faults_latency;

void
faults_init(void)
{
	faults_clear();
}

void
faults_clear(void)
{
	pthread_mutex_lock(&faults_mu);
	faults_n = 0;
	faults_latency = 0;
	pthread_mutex_unlock(&faults_mu);
}

void
faults_add(int status, long count, int retry_after, const char *path)
{
	pthread_mutex_lock(&faults_mu);
	if (faults_n == FAULTS_MAX) {
		memmove(&faults_rules[0], &faults_rules[1],
			sizeof(faults_rules[0]) * (FAULTS_MAX - 1));
		faults_n--;
	}
	struct faults_rule *r = &faults_rules[faults_n++];
	r->status = status;
	r->count = count;
	r->retry_after = retry_after;
	snprintf(r->path, sizeof(r->path), "%s", path ? path : "");
	pthread_mutex_unlock(&faults_mu);
}

void
faults_set_latency(long ms)
{
	pthread_mutex_lock(&faults_mu);
	faults_latency = ms;
	pthread_mutex_unlock(&faults_mu);
}

int
faults_apply(const cJSON *j, struct pd_err *e)
{
	if (!cJSON_IsObject(j)) {
		return err_set(e, PD_EUSAGE, "faults must be a JSON object");
	}
	const cJSON *lat = cJSON_GetObjectItemCaseSensitive(j, "latencyMs");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status");
	if (lat && (!cJSON_IsNumber(lat) || lat->valuedouble < 0 ||
		    lat->valuedouble > 600000)) {
		return err_set(e, PD_EUSAGE, "invalid latencyMs");
	}
	if (!lat && !st) {
		return err_set(e, PD_EUSAGE, "want status or latencyMs");
	}
	if (st) {
		const cJSON *cnt = cJSON_GetObjectItemCaseSensitive(j, "count");
		const cJSON *ra = cJSON_GetObjectItemCaseSensitive(j,
								   "retryAfter");
		const cJSON *path = cJSON_GetObjectItemCaseSensitive(j, "path");
		if (!cJSON_IsNumber(st) || st->valuedouble < 400 ||
		    st->valuedouble > 599) {
			return err_set(e, PD_EUSAGE, "invalid status (want "
				       "400..599)");
		}
		if (cnt && (!cJSON_IsNumber(cnt) || cnt->valuedouble < 1)) {
			return err_set(e, PD_EUSAGE, "invalid count");
		}
		if (ra && (!cJSON_IsNumber(ra) || ra->valuedouble < 0 ||
			   ra->valuedouble > 86400)) {
			return err_set(e, PD_EUSAGE, "invalid retryAfter");
		}
		if (path && (!cJSON_IsString(path) ||
			     path->valuestring[0] != '/')) {
			return err_set(e, PD_EUSAGE, "invalid path (want "
				       "/...)");
		}
		faults_add((int)st->valuedouble,
			   cnt ? (long)cnt->valuedouble : 1,
			   ra ? (int)ra->valuedouble : 1,
			   path ? path->valuestring : NULL);
	}
	if (lat) {
		faults_set_latency((long)lat->valuedouble);
	}
	return 0;
}

cJSON *
faults_json(void)
{
	cJSON *j = cJSON_CreateObject();
	pthread_mutex_lock(&faults_mu);
	cJSON_AddNumberToObject(j, "latencyMs", (double)faults_latency);
	cJSON *rules = cJSON_AddArrayToObject(j, "rules");
	for (int i = 0; i < faults_n; i++) {
		cJSON *r = cJSON_CreateObject();
		cJSON_AddNumberToObject(r, "status", faults_rules[i].status);
		cJSON_AddNumberToObject(r, "count",
					(double)faults_rules[i].count);
		cJSON_AddNumberToObject(r, "retryAfter",
					faults_rules[i].retry_after);
		cJSON_AddStringToObject(r, "path", faults_rules[i].path);
		cJSON_AddItemToArray(rules, r);
	}
	pthread_mutex_unlock(&faults_mu);
	return j;
}

int
faults_take(const char *path, long *latency_ms, int *retry_after)
{
	int status = 0;
	*retry_after = 0;
	pthread_mutex_lock(&faults_mu);
	*latency_ms = faults_latency;
	for (int i = 0; i < faults_n; i++) {
		struct faults_rule *r = &faults_rules[i];
		const char *pre = r->path[0] ? r->path : "/api/";
		if (strncmp(path, pre, strlen(pre)) != 0) {
			continue;
		}
		status = r->status;
		*retry_after = r->retry_after;
		if (--r->count == 0) {
			memmove(r, r + 1, sizeof(*r) * (size_t)(faults_n - i -
							       1));
			faults_n--;
		}
		break;
	}
	pthread_mutex_unlock(&faults_mu);
	return status;
}
