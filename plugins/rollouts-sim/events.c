/* SPDX-License-Identifier: Apache-2.0 */
/*
 * events: the Kubernetes Events the simulated Argo Rollouts controller
 * records (controller.h), as client-go's recorder writes them for Argo
 * (source component "rollouts-controller"): a core v1 Event named
 * <object>.<hex>, aggregated (the same type, reason and message on the same
 * object again counts up and moves lastTimestamp), and the same event in
 * its events.k8s.io/v1 shape (regarding, note, deprecated* fields), since
 * the real API server serves one storage in both groups. Events written by
 * clients stay in the group they were written to.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "json.h"
#include "sim.h"
#include "xalloc.h"

#define EVENTS_COMPONENT "rollouts-controller"

static unsigned long long events_seq;

/* The events.k8s.io/v1 shape of a core v1 Event (owned by the caller). */
static cJSON *
events_to_v1(const cJSON *ev)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "apiVersion", "events.k8s.io/v1");
	cJSON_AddStringToObject(o, "kind", "Event");
	const cJSON *md = cJSON_GetObjectItem(ev, "metadata");
	cJSON *nmd = cJSON_Duplicate(md, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(nmd, "resourceVersion");
	cJSON_AddItemToObject(o, "metadata", nmd);
	cJSON_AddNullToObject(o, "eventTime");
	const char *comp = json_str(ev, "source.component");
	cJSON_AddStringToObject(o, "reportingController",
				comp ? comp : EVENTS_COMPONENT);
	cJSON_AddStringToObject(o, "reportingInstance", "");
	cJSON_AddStringToObject(o, "reason", json_str(ev, "reason"));
	cJSON_AddItemToObject(o, "regarding", cJSON_Duplicate(
		cJSON_GetObjectItem(ev, "involvedObject"), 1));
	cJSON_AddStringToObject(o, "note", json_str(ev, "message"));
	cJSON_AddStringToObject(o, "type", json_str(ev, "type"));
	cJSON_AddItemToObject(o, "deprecatedSource", cJSON_Duplicate(
		cJSON_GetObjectItem(ev, "source"), 1));
	cJSON_AddStringToObject(o, "deprecatedFirstTimestamp",
				json_str(ev, "firstTimestamp"));
	cJSON_AddStringToObject(o, "deprecatedLastTimestamp",
				json_str(ev, "lastTimestamp"));
	cJSON_AddNumberToObject(o, "deprecatedCount",
				json_num(ev, "count", 1));
	return o;
}

static bool
events_same(const cJSON *ev, const char *uid, const char *type,
	    const char *reason, const char *message, const char *component)
{
	const char *u = json_str(ev, "involvedObject.uid");
	const char *t = json_str(ev, "type");
	const char *r = json_str(ev, "reason");
	const char *m = json_str(ev, "message");
	const char *c = json_str(ev, "source.component");
	return u && t && r && m && c && strcmp(u, uid) == 0 &&
	       strcmp(t, type) == 0 && strcmp(r, reason) == 0 &&
	       strcmp(m, message) == 0 && strcmp(c, component) == 0;
}

static void
events_put(const char *component, const char *type, const cJSON *obj,
	   const char *reason, const char *message)
{
	struct sim_resource *core = registry_find("", "v1", "events");
	struct sim_resource *v1 = registry_find("events.k8s.io", "v1",
						"events");
	const char *ns = json_str(obj, "metadata.namespace");
	const char *name = json_str(obj, "metadata.name");
	const char *uid = json_str(obj, "metadata.uid");
	if (!core || !ns || !name || !uid) {
		return;
	}
	char ts[32];
	controller_ts(controller.now, ts);
	size_t n;
	struct sim_obj **evs = store_list(core, ns, &n);
	cJSON *ev = NULL;
	for (size_t i = 0; i < n && !ev; i++) {
		if (events_same(evs[i]->json, uid, type, reason, message,
				component)) {
			ev = cJSON_Duplicate(evs[i]->json, 1);
		}
	}
	free(evs);
	if (ev) {
		json_set_num(ev, "count", json_num(ev, "count", 1) + 1);
		json_set_str(ev, "lastTimestamp", ts);
	} else {
		ev = cJSON_CreateObject();
		cJSON_AddStringToObject(ev, "apiVersion", "v1");
		cJSON_AddStringToObject(ev, "kind", "Event");
		cJSON *md = cJSON_AddObjectToObject(ev, "metadata");
		/* client-go: <name>.<UnixNano in hex>; a sequence keeps two
		 * events of one instant apart */
		char *en = xasprintf("%s.%llx", name,
				     (unsigned long long)controller.now *
					     1000000ULL + ++events_seq);
		cJSON_AddStringToObject(md, "name", en);
		free(en);
		cJSON_AddStringToObject(md, "namespace", ns);
		cJSON *io = cJSON_AddObjectToObject(ev, "involvedObject");
		const char *api = json_str(obj, "apiVersion");
		const char *kind = json_str(obj, "kind");
		const char *rv = json_str(obj, "metadata.resourceVersion");
		cJSON_AddStringToObject(io, "kind", kind ? kind : "Rollout");
		cJSON_AddStringToObject(io, "namespace", ns);
		cJSON_AddStringToObject(io, "name", name);
		cJSON_AddStringToObject(io, "uid", uid);
		cJSON_AddStringToObject(io, "apiVersion",
					api ? api : "argoproj.io/v1alpha1");
		if (rv) {
			cJSON_AddStringToObject(io, "resourceVersion", rv);
		}
		cJSON_AddStringToObject(ev, "reason", reason);
		cJSON_AddStringToObject(ev, "message", message);
		cJSON *src = cJSON_AddObjectToObject(ev, "source");
		cJSON_AddStringToObject(src, "component", component);
		cJSON_AddStringToObject(ev, "firstTimestamp", ts);
		cJSON_AddStringToObject(ev, "lastTimestamp", ts);
		cJSON_AddNumberToObject(ev, "count", 1);
		cJSON_AddStringToObject(ev, "type", type);
		cJSON_AddNullToObject(ev, "eventTime");
		cJSON_AddStringToObject(ev, "reportingComponent", component);
		cJSON_AddStringToObject(ev, "reportingInstance", "");
		fixtures_fill_meta(ev, core, ns);
		cJSON_DeleteItemFromObjectCaseSensitive(
			cJSON_GetObjectItem(ev, "metadata"), "generation");
	}
	struct sim_obj *stored = store_put(core, ev, false, false);
	if (v1 && stored) {
		store_put(v1, events_to_v1(stored->json), false, false);
	}
}

void
events_record(const cJSON *obj, const char *type, const char *reason,
	      const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	events_put(EVENTS_COMPONENT, type, obj, reason, msg.buf);
	buf_release(&msg);
}

void
events_record_from(const char *component, const cJSON *obj, const char *type,
		   const char *reason, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	events_put(component, type, obj, reason, msg.buf);
	buf_release(&msg);
}
