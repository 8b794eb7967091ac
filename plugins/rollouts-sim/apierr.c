/* SPDX-License-Identifier: Apache-2.0 */
/*
 * apierr: the Status bodies a real kube-apiserver answers errors with
 * (apimachinery pkg/api/errors), same reasons, codes and message texts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sim.h"
#include "xalloc.h"

static cJSON *
apierr_new(int code, const char *reason, const char *message)
{
	cJSON *st = cJSON_CreateObject();
	cJSON_AddStringToObject(st, "kind", "Status");
	cJSON_AddStringToObject(st, "apiVersion", "v1");
	cJSON_AddObjectToObject(st, "metadata");
	cJSON_AddStringToObject(st, "status", "Failure");
	cJSON_AddStringToObject(st, "message", message);
	if (reason && *reason) {
		cJSON_AddStringToObject(st, "reason", reason);
	}
	return st;
}

static void
apierr_finish(struct sim_reply *rep, cJSON *st, int code)
{
	cJSON_AddNumberToObject(st, "code", code);
	rep->status = code;
	rep->ctype = "application/json";
	buf_reset(&rep->body);
	json_write(&rep->body, st);
	buf_addch(&rep->body, '\n');
	cJSON_Delete(st);
}

static void
apierr_details(cJSON *st, const struct sim_resource *r, const char *name,
	       bool use_kind)
{
	cJSON *d = cJSON_AddObjectToObject(st, "details");
	if (name) {
		cJSON_AddStringToObject(d, "name", name);
	}
	if (r) {
		if (*r->group) {
			cJSON_AddStringToObject(d, "group", r->group);
		}
		cJSON_AddStringToObject(d, "kind",
					use_kind ? r->kind : r->plural);
	}
}

void
apierr_status(struct sim_reply *rep, int code, const char *reason,
	      const char *message, const struct sim_resource *r,
	      const char *name)
{
	cJSON *st = apierr_new(code, reason, message);
	if (r || name) {
		apierr_details(st, r, name, false);
	}
	apierr_finish(rep, st, code);
}

static char *
apierr_qual(const struct sim_resource *r)
{
	struct buf b = BUF_INIT;
	registry_qualified(r, &b);
	return buf_detach(&b, NULL);
}

void
apierr_notfound(struct sim_reply *rep, const struct sim_resource *r,
		const char *name)
{
	char *q = apierr_qual(r);
	char *msg = xasprintf("%s \"%s\" not found", q, name);
	apierr_status(rep, 404, "NotFound", msg, r, name);
	free(msg);
	free(q);
}

void
apierr_nopath(struct sim_reply *rep)
{
	cJSON *st = apierr_new(404, "NotFound",
			       "the server could not find the requested resource");
	cJSON_AddObjectToObject(st, "details");
	apierr_finish(rep, st, 404);
}

void
apierr_conflict(struct sim_reply *rep, const struct sim_resource *r,
		const char *name)
{
	char *q = apierr_qual(r);
	char *msg = xasprintf("Operation cannot be fulfilled on %s \"%s\": "
			      "the object has been modified; please apply "
			      "your changes to the latest version and try "
			      "again", q, name);
	apierr_status(rep, 409, "Conflict", msg, r, name);
	free(msg);
	free(q);
}

void
apierr_exists(struct sim_reply *rep, const struct sim_resource *r,
	      const char *name)
{
	char *q = apierr_qual(r);
	char *msg = xasprintf("%s \"%s\" already exists", q, name);
	apierr_status(rep, 409, "AlreadyExists", msg, r, name);
	free(msg);
	free(q);
}

void
apierr_badrequest(struct sim_reply *rep, const char *message)
{
	apierr_finish(rep, apierr_new(400, "BadRequest", message), 400);
}

void
apierr_invalid(struct sim_reply *rep, const struct sim_resource *r,
	       const char *name, const char *field, const char *detail)
{
	char *msg = xasprintf("%s%s%s \"%s\" is invalid: %s: %s", r->kind,
			      *r->group ? "." : "", r->group, name, field,
			      detail);
	cJSON *st = apierr_new(422, "Invalid", msg);
	apierr_details(st, r, name, true);
	cJSON *causes = cJSON_AddArrayToObject(
		cJSON_GetObjectItem(st, "details"), "causes");
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "reason", "FieldValueInvalid");
	char *cm = xasprintf("%s", detail);
	cJSON_AddStringToObject(c, "message", cm);
	cJSON_AddStringToObject(c, "field", field);
	cJSON_AddItemToArray(causes, c);
	apierr_finish(rep, st, 422);
	free(cm);
	free(msg);
}

void
apierr_forbidden(struct sim_reply *rep, const struct sim_resource *r,
		 const char *name, const char *sub, const char *verb,
		 const char *user, const char *ns)
{
	char *q = apierr_qual(r);
	struct buf m = BUF_INIT;
	buf_adds(&m, q);
	if (name && *name) {
		buf_addf(&m, " \"%s\"", name);
	}
	buf_addf(&m, " is forbidden: User \"%s\" cannot %s resource \"%s%s%s\""
		 " in API group \"%s\"", user, verb, r->plural,
		 sub ? "/" : "", sub ? sub : "", r->group);
	if (!ns && strcmp(r->plural, "namespaces") == 0 && name && *name) {
		ns = name; /* a Namespace is "in" itself */
	}
	if (ns && *ns && (r->namespaced || ns == name)) {
		buf_addf(&m, " in the namespace \"%s\"", ns);
	} else {
		buf_adds(&m, " at the cluster scope");
	}
	apierr_status(rep, 403, "Forbidden", m.buf, r,
		      name && *name ? name : NULL);
	buf_release(&m);
	free(q);
}

void
apierr_unauthorized(struct sim_reply *rep)
{
	apierr_finish(rep, apierr_new(401, "Unauthorized", "Unauthorized"),
		      401);
}

void
apierr_method(struct sim_reply *rep, const char *verb,
	      const struct sim_resource *r)
{
	char *msg;
	if (r) {
		char *q = apierr_qual(r);
		msg = xasprintf("%s is not supported on resources of kind "
				"\"%s\"", verb, q);
		free(q);
	} else {
		msg = xasprintf("the server does not allow this method on the "
				"requested resource");
	}
	apierr_finish(rep, apierr_new(405, "MethodNotAllowed", msg), 405);
	free(msg);
}

void
apierr_media(struct sim_reply *rep)
{
	apierr_finish(rep, apierr_new(415, "UnsupportedMediaType",
		"the body of the request was in an unknown format - accepted "
		"media types include: application/json-patch+json, "
		"application/merge-patch+json, application/apply-patch+yaml"),
		415);
}

void
apierr_expired(struct sim_reply *rep, const char *message)
{
	apierr_finish(rep, apierr_new(410, "Expired", message), 410);
}

void
apierr_internal(struct sim_reply *rep, const char *message)
{
	char *msg = xasprintf("Internal error occurred: %s", message);
	cJSON *st = apierr_new(500, "InternalError", msg);
	cJSON *d = cJSON_AddObjectToObject(st, "details");
	cJSON *causes = cJSON_AddArrayToObject(d, "causes");
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "message", message);
	cJSON_AddItemToArray(causes, c);
	apierr_finish(rep, st, 500);
	free(msg);
}

void
apierr_toomany(struct sim_reply *rep, int retry_after)
{
	/* API Priority and Fairness answers in plain text */
	rep->status = 429;
	rep->ctype = "text/plain; charset=utf-8";
	rep->retry_after = retry_after;
	buf_reset(&rep->body);
	buf_adds(&rep->body, "Too many requests, please try again later.\n");
}

void
apierr_watch_expired(struct buf *out, uint64_t asked, uint64_t current)
{
	char msg[128]; /* checksrc: bounded (two 20-digit numbers) */
	snprintf(msg, sizeof(msg), "too old resource version: %llu (%llu)",
		 (unsigned long long)asked, (unsigned long long)current);
	cJSON *st = apierr_new(410, "Expired", msg);
	cJSON_AddNumberToObject(st, "code", 410);
	buf_adds(out, "{\"type\":\"ERROR\",\"object\":");
	json_write(out, st);
	buf_adds(out, "}\n");
	cJSON_Delete(st);
}
