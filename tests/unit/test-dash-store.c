/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for plugins/kubectl-rollouts/dash-store.c, the dashboard's
 * views: a publish records only the rollouts whose row or view changed;
 * a stream gets a snapshot first, then only the changes after its
 * sequence number (rows, deletions, one rollout's view); the connection
 * state is an event of its own; the tombstones of deleted rollouts are
 * bounded, and a stream older than the history kept gets a new snapshot;
 * memory (the entries) stays bounded over many publishes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "buf.h"
#include "json.h"
/* the file under test, in this program (it needs only the core library;
 * its own header is found beside it) */
#include "../../plugins/kubectl-rollouts/dash-store.c"

/* A canary rollout NS/NAME with replicas n, and the array of several. */
static cJSON *
ro(const char *ns, const char *name, int n)
{
	char s[512];
	snprintf(s, sizeof(s),
		 "{\"metadata\":{\"namespace\":\"%s\",\"name\":\"%s\","
		 "\"uid\":\"u-%s\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\"},"
		 "\"spec\":{\"replicas\":%d,\"strategy\":{\"canary\":{\"steps\":"
		 "[{\"setWeight\":50},{\"pause\":{}}]}}},"
		 "\"status\":{\"currentStepIndex\":1}}", ns, name, name, n);
	return cJSON_Parse(s);
}

static size_t
publish(struct dash_store *s, cJSON *items)
{
	return dash_store_publish(s, items, NULL, NULL, NULL, NULL,
				  1767225600 + 60);
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) {
		n++;
	}
	return n;
}

int
main(void)
{
	struct dash_store *s = dash_store_new();
	cJSON *items = cJSON_CreateArray();
	cJSON_AddItemToArray(items, ro("a", "api", 1));
	cJSON_AddItemToArray(items, ro("a", "web", 2));
	cJSON_AddItemToArray(items, ro("b", "web", 3));
	is_int(publish(s, items), 3, "the first publish records every rollout");
	is_int(publish(s, items), 0, "the same objects again: nothing changed");
	cJSON *rev = cJSON_CreateArray();
	for (int i = 2; i >= 0; i--) {
		cJSON_AddItemToArray(rev, cJSON_Duplicate(
			cJSON_GetArrayItem(items, i), 1));
	}
	is_int(publish(s, rev), 0, "in another order: nothing changed");
	cJSON_Delete(rev);

	struct buf b = BUF_INIT;
	dash_store_list(s, "a", &b);
	cJSON *j = cJSON_Parse(b.buf);
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(j, "rollouts")), 2,
	       "the list of one namespace");
	ok(!cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j,
		"rollouts"), 0), "revisions"), "a row has no revisions");
	cJSON_Delete(j);
	buf_reset(&b);
	dash_store_list(s, NULL, &b);
	is_int(count(b.buf, "\"name\":"), 3, "the list of every namespace");
	buf_reset(&b);
	ok(dash_store_info(s, "b", "web", &b), "one rollout's view");
	j = cJSON_Parse(b.buf);
	is_str(json_str(j, "step"), "1/2", "its step");
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(j, "steps")), 2, "its steps");
	ok(cJSON_IsTrue(cJSON_GetObjectItem(j, "paused")) == 0, "not paused");
	cJSON_Delete(j);
	buf_reset(&b);
	ok(!dash_store_info(s, "b", "nope", &b), "no view of an unknown rollout");

	/* a list stream of namespace a */
	unsigned long long seq = 0;
	int status = -1;
	buf_reset(&b);
	ok(dash_store_events_since(s, "a", NULL, &seq, &status, &b),
	   "a new stream has something to send");
	is_int(count(b.buf, "event: status\n"), 1, "the connection state first");
	is_int(count(b.buf, "event: snapshot\n"), 1, "then one snapshot");
	is_int(count(b.buf, "\"namespace\":\"b\""), 0, "of its namespace only");
	buf_reset(&b);
	ok(!dash_store_events_since(s, "a", NULL, &seq, &status, &b),
	   "then nothing until a change");

	/* one rollout's stream */
	unsigned long long seq1 = 0;
	int status1 = -1;
	buf_reset(&b);
	dash_store_events_since(s, "a", "web", &seq1, &status1, &b);
	is_int(count(b.buf, "event: info\n"), 1, "a rollout's stream: its view");

	/* a change in namespace b, then one in a */
	cJSON_ReplaceItemInArray(items, 2, ro("b", "web", 4));
	is_int(publish(s, items), 1, "one rollout changed");
	buf_reset(&b);
	ok(!dash_store_events_since(s, "a", NULL, &seq, &status, &b),
	   "another namespace's change is not sent");
	cJSON_ReplaceItemInArray(items, 1, ro("a", "web", 5));
	is_int(publish(s, items), 1, "web in a changed");
	buf_reset(&b);
	ok(dash_store_events_since(s, "a", NULL, &seq, &status, &b),
	   "the change is sent");
	is_int(count(b.buf, "event: rollout\n"), 1, "as one row");
	ok(strstr(b.buf, "\"desired\":5") != NULL, "the new row");
	buf_reset(&b);
	dash_store_events_since(s, "a", "web", &seq1, &status1, &b);
	ok(strstr(b.buf, "event: info\n") && strstr(b.buf, "\"desired\":5"),
	   "the rollout's stream gets its new view");
	buf_reset(&b);
	ok(!dash_store_events_since(s, "a", "api", &seq1, &status1, &b) ||
	   !strstr(b.buf, "event: info"), "not another rollout's");

	/* the connection state */
	dash_store_set_connected(s, false);
	buf_reset(&b);
	dash_store_events_since(s, "a", NULL, &seq, &status, &b);
	is_str(b.buf, "event: status\ndata: {\"connected\":false}\n\n",
	       "the watches down: one status event");
	dash_store_set_connected(s, true);
	buf_reset(&b);
	dash_store_events_since(s, "a", NULL, &seq, &status, &b);
	is_str(b.buf, "event: status\ndata: {\"connected\":true}\n\n",
	       "and back");

	/* a deletion */
	cJSON_DeleteItemFromArray(items, 0);
	is_int(publish(s, items), 1, "api went");
	buf_reset(&b);
	dash_store_events_since(s, "a", NULL, &seq, &status, &b);
	is_str(b.buf, "event: deleted\ndata: {\"namespace\":\"a\",\"name\":"
	       "\"api\"}\n\n", "a deleted event");
	buf_reset(&b);
	dash_store_list(s, "a", &b);
	is_int(count(b.buf, "\"name\":"), 1, "gone from the list");
	/* it comes back */
	cJSON_InsertItemInArray(items, 0, ro("a", "api", 1));
	is_int(publish(s, items), 1, "api is back");
	buf_reset(&b);
	dash_store_events_since(s, "a", NULL, &seq, &status, &b);
	is_int(count(b.buf, "event: rollout\n"), 1, "as a row again");

	/* many deletions: the tombstones are bounded; an old stream
	 * resyncs with a snapshot */
	unsigned long long old = seq;
	int old_status = status;
	for (int round = 0; round < 3; round++) {
		cJSON *many = cJSON_CreateArray();
		for (int i = 0; i < 100; i++) {
			char name[32];
			snprintf(name, sizeof(name), "r%d-%03d", round, i);
			cJSON_AddItemToArray(many, ro("c", name, 1));
		}
		publish(s, many);
		cJSON_Delete(many);
		publish(s, items);
	}
	buf_reset(&b);
	dash_store_list(s, NULL, &b);
	is_int(count(b.buf, "\"name\":"), 3, "300 rollouts came and went");
	buf_reset(&b);
	dash_store_events_since(s, "c", NULL, &old, &old_status, &b);
	is_int(count(b.buf, "event: snapshot\n"), 1,
	       "a stream behind the kept history gets a snapshot");
	is_int(count(b.buf, "event: deleted\n"), 0, "not 300 deletions");
	/* each round: 100 new, the 3 others gone, then 100 gone and the 3
	 * back */
	is_int(dash_store_events(s), 3 + 1 + 1 + 1 + 1 + 3 * (100 + 3 + 100 + 3),
	       "every change counted once");

	/* many publishes of changing rollouts: the list stays the same size */
	for (int k = 0; k < 2000; k++) {
		cJSON_ReplaceItemInArray(items, 1, ro("a", "web", k % 7 + 1));
		publish(s, items);
	}
	buf_reset(&b);
	dash_store_list(s, NULL, &b);
	is_int(count(b.buf, "\"name\":"), 3, "after 2,000 publishes, 3 rows");

	buf_release(&b);
	cJSON_Delete(items);
	dash_store_free(s);
	return done_testing();
}
