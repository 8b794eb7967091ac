/* SPDX-License-Identifier: Apache-2.0 */
/*
 * table: meta.k8s.io/v1 Table responses, for clients that ask for them
 * (kubectl's human-readable get). Columns follow kube-apiserver's printers
 * for the built-in kinds and the CRDs' additionalPrinterColumns for Argo's;
 * other kinds get Name and Age. Ages are rendered on the server, as the real
 * one does (HumanDuration).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "sim.h"
#include "timeutil.h"
#include "xalloc.h"

enum table_cell {
	TC_NAME, TC_AGE, TC_INT, TC_STR, TC_POD_READY, TC_POD_STATUS,
	TC_POD_RESTARTS, TC_DEPLOY_READY, TC_SVC_EXTIP, TC_SVC_PORTS,
	TC_CM_DATA, TC_JOB_COMPLETIONS, TC_NS_STATUS, TC_EV_LAST, TC_EV_OBJECT,
	TC_EV_SOURCE, TC_EV_MESSAGE, TC_EV_FIRST, TC_EV_COUNT,
};

#define TABLE_MAX_COLS 10

struct table_col {
	const char *name;
	const char *type;   /* "string", "integer", "date" */
	enum table_cell cell;
	const char *path;   /* for TC_INT and TC_STR */
	int priority;
	const char *desc;
};

struct table_kind {
	const char *plural;
	struct table_col cols[TABLE_MAX_COLS];
};

#define COL_NAME { "Name", "string", TC_NAME, NULL, 0, "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names" }
#define COL_AGE { "Age", "date", TC_AGE, NULL, 0, "CreationTimestamp is a timestamp representing the server time when this object was created." }

static const struct table_kind table_kinds[] = {
	{ "rollouts", { COL_NAME,
		{ "Desired", "integer", TC_INT, "spec.replicas", 0, "Number of desired pods" },
		{ "Current", "integer", TC_INT, "status.replicas", 0, "Total number of non-terminated pods targeted by this rollout" },
		{ "Up-to-date", "integer", TC_INT, "status.updatedReplicas", 0, "Total number of non-terminated pods targeted by this rollout that have the desired template spec" },
		{ "Available", "integer", TC_INT, "status.availableReplicas", 0, "Total number of available pods (ready for at least minReadySeconds) targeted by this rollout" },
		COL_AGE } },
	{ "analysisruns", { COL_NAME,
		{ "Status", "string", TC_STR, "status.phase", 0, "AnalysisRun status" },
		COL_AGE } },
	{ "experiments", { COL_NAME,
		{ "Status", "string", TC_STR, "status.phase", 0, "Experiment status" },
		COL_AGE } },
	/* Argo CD's application-crd.yaml, which lists no Age (appprojects
	 * has no columns: Name and Age) */
	{ "applications", { COL_NAME,
		{ "Sync Status", "string", TC_STR, "status.sync.status", 0, "" },
		{ "Health Status", "string", TC_STR, "status.health.status", 0, "" },
		{ "Revision", "string", TC_STR, "status.sync.revision", 10, "" },
		{ "Project", "string", TC_STR, "spec.project", 10, "" } } },
	{ "pods", { COL_NAME,
		{ "Ready", "string", TC_POD_READY, NULL, 0, "The aggregate readiness state of this pod for accepting traffic." },
		{ "Status", "string", TC_POD_STATUS, NULL, 0, "The aggregate status of the containers in this pod." },
		{ "Restarts", "string", TC_POD_RESTARTS, NULL, 0, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted." },
		COL_AGE,
		{ "IP", "string", TC_STR, "status.podIP", 1, "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated." },
		{ "Node", "string", TC_STR, "spec.nodeName", 1, "NodeName is a request to schedule this pod onto a specific node." } } },
	{ "replicasets", { COL_NAME,
		{ "Desired", "integer", TC_INT, "spec.replicas", 0, "Replicas is the number of desired pods." },
		{ "Current", "integer", TC_INT, "status.replicas", 0, "Replicas is the most recently observed number of replicas." },
		{ "Ready", "integer", TC_INT, "status.readyReplicas", 0, "The number of ready replicas for this replica set." },
		COL_AGE } },
	{ "deployments", { COL_NAME,
		{ "Ready", "string", TC_DEPLOY_READY, NULL, 0, "Number of the pod with ready state" },
		{ "Up-to-date", "integer", TC_INT, "status.updatedReplicas", 0, "Total number of non-terminated pods targeted by this deployment that have the desired template spec." },
		{ "Available", "integer", TC_INT, "status.availableReplicas", 0, "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment." },
		COL_AGE } },
	{ "services", { COL_NAME,
		{ "Type", "string", TC_STR, "spec.type", 0, "type determines how the Service is exposed." },
		{ "Cluster-IP", "string", TC_STR, "spec.clusterIP", 0, "clusterIP is the IP address of the service." },
		{ "External-IP", "string", TC_SVC_EXTIP, NULL, 0, "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service." },
		{ "Port(s)", "string", TC_SVC_PORTS, NULL, 0, "The list of ports that are exposed by this service." },
		COL_AGE } },
	{ "namespaces", { COL_NAME,
		{ "Status", "string", TC_NS_STATUS, NULL, 0, "The status of the namespace" },
		COL_AGE } },
	{ "configmaps", { COL_NAME,
		{ "Data", "integer", TC_CM_DATA, NULL, 0, "Data contains the configuration data." },
		COL_AGE } },
	{ "jobs", { COL_NAME,
		{ "Completions", "string", TC_JOB_COMPLETIONS, NULL, 0, "The desired number of successfully finished pods the job should be run with." },
		COL_AGE } },
	/* core v1 and events.k8s.io/v1 (the cells read either shape) */
	{ "events", {
		{ "Last Seen", "string", TC_EV_LAST, NULL, 0, "The time at which the most recent occurrence of this event was recorded." },
		{ "Type", "string", TC_STR, "type", 0, "Type of this event (Normal, Warning), new types could be added in the future" },
		{ "Reason", "string", TC_STR, "reason", 0, "This should be a short, machine understandable string that gives the reason for the transition into the object's current status." },
		{ "Object", "string", TC_EV_OBJECT, NULL, 0, "The object that this event is about." },
		{ "Subobject", "string", TC_STR, "involvedObject.fieldPath", 1, "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go-field access statement." },
		{ "Source", "string", TC_EV_SOURCE, NULL, 1, "The component reporting this event. Should be a short machine understandable string." },
		{ "Message", "string", TC_EV_MESSAGE, NULL, 0, "A human-readable description of the status of this operation." },
		{ "First Seen", "string", TC_EV_FIRST, NULL, 1, "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)" },
		{ "Count", "string", TC_EV_COUNT, NULL, 1, "The number of times this event has occurred." },
		{ "Name", "string", TC_NAME, NULL, 1, "Name must be unique within a namespace." } } },
};

static const struct table_kind table_default = { NULL, { COL_NAME, COL_AGE } };

bool
table_wanted(const char *accept)
{
	return accept && strstr(accept, "as=Table") &&
	       strstr(accept, "g=meta.k8s.io");
}

static const struct table_kind *
table_for(const struct sim_resource *r)
{
	if (!r->generic) {
		for (size_t i = 0; i < sizeof(table_kinds) / sizeof(table_kinds[0]);
		     i++) {
			if (strcmp(table_kinds[i].plural, r->plural) == 0) {
				return &table_kinds[i];
			}
		}
	}
	return &table_default;
}

static cJSON *
table_cell(const struct table_col *c, const cJSON *o)
{
	char tmp[256];
	switch (c->cell) {
	case TC_NAME:
		return cJSON_CreateString(json_str(o, "metadata.name") ?
					  json_str(o, "metadata.name") : "");
	case TC_AGE:
		timeutil_age(tmp, sizeof(tmp),
			  json_str(o, "metadata.creationTimestamp"),
			  (time_t)(clock_now_ms() / 1000));
		return cJSON_CreateString(tmp);
	case TC_INT: {
		const cJSON *v = json_path(o, c->path);
		return cJSON_IsNumber(v) ? cJSON_CreateNumber(v->valuedouble)
					 : cJSON_CreateNull();
	}
	case TC_STR: {
		const char *s = json_str(o, c->path);
		return s ? cJSON_CreateString(s) : cJSON_CreateNull();
	}
	case TC_POD_READY: {
		const cJSON *cs = json_path(o, "status.containerStatuses");
		const cJSON *spec = json_path(o, "spec.containers");
		int ready = 0;
		for (const cJSON *x = cs ? cs->child : NULL; x; x = x->next) {
			ready += json_bool(x, "ready", false);
		}
		snprintf(tmp, sizeof(tmp), "%d/%d", ready,
			 cJSON_GetArraySize(spec));
		return cJSON_CreateString(tmp);
	}
	case TC_POD_STATUS: {
		const char *s = json_str(o, "status.phase");
		return cJSON_CreateString(s ? s : "Pending");
	}
	case TC_POD_RESTARTS: {
		const cJSON *cs = json_path(o, "status.containerStatuses");
		long r = 0;
		for (const cJSON *x = cs ? cs->child : NULL; x; x = x->next) {
			r += (long)json_num(x, "restartCount", 0);
		}
		snprintf(tmp, sizeof(tmp), "%ld", r);
		return cJSON_CreateString(tmp);
	}
	case TC_DEPLOY_READY:
		snprintf(tmp, sizeof(tmp), "%.0f/%.0f",
			 json_num(o, "status.readyReplicas", 0),
			 json_num(o, "spec.replicas", 1));
		return cJSON_CreateString(tmp);
	case TC_SVC_EXTIP:
		return cJSON_CreateString("<none>");
	case TC_SVC_PORTS: {
		struct buf b = BUF_INIT;
		const cJSON *ports = json_path(o, "spec.ports");
		for (const cJSON *p = ports ? ports->child : NULL; p;
		     p = p->next) {
			const char *proto = json_str(p, "protocol");
			buf_addf(&b, "%s%.0f/%s", b.len ? "," : "",
				 json_num(p, "port", 0), proto ? proto : "TCP");
		}
		cJSON *r = cJSON_CreateString(b.len ? b.buf : "<none>");
		buf_release(&b);
		return r;
	}
	case TC_CM_DATA: {
		const cJSON *d = json_path(o, "data");
		const cJSON *bd = json_path(o, "binaryData");
		return cJSON_CreateNumber(cJSON_GetArraySize(d) +
					  cJSON_GetArraySize(bd));
	}
	case TC_JOB_COMPLETIONS:
		snprintf(tmp, sizeof(tmp), "%.0f/%.0f",
			 json_num(o, "status.succeeded", 0),
			 json_num(o, "spec.completions", 1));
		return cJSON_CreateString(tmp);
	case TC_NS_STATUS: {
		const char *s = json_str(o, "status.phase");
		return cJSON_CreateString(s ? s : "Active");
	}
	case TC_EV_LAST:
	case TC_EV_FIRST: {
		bool last = c->cell == TC_EV_LAST;
		const char *t = json_str(o, last ? "lastTimestamp"
						 : "firstTimestamp");
		if (!t) {
			t = json_str(o, last ? "deprecatedLastTimestamp"
					     : "deprecatedFirstTimestamp");
		}
		if (!t) {
			t = json_str(o, "eventTime");
		}
		if (!t) {
			return cJSON_CreateString("<unknown>");
		}
		timeutil_age(tmp, sizeof(tmp), t,
			     (time_t)(clock_now_ms() / 1000));
		return cJSON_CreateString(tmp);
	}
	case TC_EV_OBJECT: {
		const cJSON *io = json_path(o, "involvedObject");
		if (!io) {
			io = json_path(o, "regarding");
		}
		const char *k = json_str(io, "kind");
		const char *n = json_str(io, "name");
		struct buf b = BUF_INIT;
		for (const char *p = k ? k : ""; *p; p++) {
			buf_addch(&b, (char)(*p >= 'A' && *p <= 'Z' ?
					     *p - 'A' + 'a' : *p));
		}
		buf_addf(&b, "/%s", n ? n : "");
		cJSON *r = cJSON_CreateString(b.buf);
		buf_release(&b);
		return r;
	}
	case TC_EV_SOURCE: {
		const char *s = json_str(o, "source.component");
		if (!s) {
			s = json_str(o, "reportingController");
		}
		if (!s) {
			s = json_str(o, "reportingComponent");
		}
		return cJSON_CreateString(s ? s : "");
	}
	case TC_EV_MESSAGE: {
		const char *s = json_str(o, "message");
		if (!s) {
			s = json_str(o, "note");
		}
		return cJSON_CreateString(s ? s : "");
	}
	case TC_EV_COUNT: {
		double n = json_num(o, "count", 0);
		if (n == 0) {
			n = json_num(o, "deprecatedCount", 1);
		}
		snprintf(tmp, sizeof(tmp), "%.0f", n);
		return cJSON_CreateString(tmp);
	}
	}
	return cJSON_CreateNull();
}

static cJSON *
table_row(const struct table_kind *k, const cJSON *o)
{
	cJSON *row = cJSON_CreateObject();
	cJSON *cells = cJSON_AddArrayToObject(row, "cells");
	for (int i = 0; i < TABLE_MAX_COLS && k->cols[i].name; i++) {
		cJSON_AddItemToArray(cells, table_cell(&k->cols[i], o));
	}
	cJSON *pom = cJSON_AddObjectToObject(row, "object");
	cJSON_AddStringToObject(pom, "kind", "PartialObjectMetadata");
	cJSON_AddStringToObject(pom, "apiVersion", "meta.k8s.io/v1");
	const cJSON *md = cJSON_GetObjectItem(o, "metadata");
	cJSON_AddItemToObject(pom, "metadata",
			      md ? cJSON_Duplicate(md, 1) : cJSON_CreateObject());
	return row;
}

cJSON *
table_new(const struct sim_resource *r, bool defs, const char *rv,
	  const char *cont)
{
	const struct table_kind *k = table_for(r);
	cJSON *t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "kind", "Table");
	cJSON_AddStringToObject(t, "apiVersion", "meta.k8s.io/v1");
	cJSON *md = cJSON_AddObjectToObject(t, "metadata");
	if (rv) {
		cJSON_AddStringToObject(md, "resourceVersion", rv);
	}
	if (cont) {
		cJSON_AddStringToObject(md, "continue", cont);
	}
	if (defs) {
		cJSON *cd = cJSON_AddArrayToObject(t, "columnDefinitions");
		for (int i = 0; i < TABLE_MAX_COLS && k->cols[i].name; i++) {
			const struct table_col *c = &k->cols[i];
			cJSON *d = cJSON_CreateObject();
			cJSON_AddStringToObject(d, "name", c->name);
			cJSON_AddStringToObject(d, "type", c->type);
			cJSON_AddStringToObject(d, "format",
						c->cell == TC_NAME ? "name" : "");
			cJSON_AddStringToObject(d, "description", c->desc);
			cJSON_AddNumberToObject(d, "priority", c->priority);
			cJSON_AddItemToArray(cd, d);
		}
	}
	cJSON_AddArrayToObject(t, "rows");
	return t;
}

void
table_add(cJSON *table, const struct sim_resource *r, const cJSON *obj)
{
	cJSON_AddItemToArray(cJSON_GetObjectItem(table, "rows"),
			     table_row(table_for(r), obj));
}
