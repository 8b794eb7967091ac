/* SPDX-License-Identifier: Apache-2.0 */
/*
 * argo-schema: the JSON field names of the typed structs the Argo Rollouts
 * plugin decodes strictly (sigs.k8s.io/yaml UnmarshalStrict with
 * DisallowUnknownFields, or encoding/json's DisallowUnknownFields): Rollout,
 * Experiment, AnalysisTemplate, ClusterAnalysisTemplate, AnalysisRun, and
 * for lint core/v1 Service and the networking/v1 and extensions/v1beta1
 * Ingresses, at every struct level Go checks (PodSpec, containers, volumes,
 * ...). The table (argo-schema-table.inc) is generated from the Go types by
 * scripts/gen-argo-schema. Field names match as Go matches them: exactly or
 * ASCII case-insensitively; map keys and values with their own JSON decoding
 * (Quantity, IntOrString, Time, RawExtension, ...) are not checked. Nothing
 * here allocates anything the caller owns; the path and field passed to the
 * callback live only for the call.
 */
#ifndef PD_ARGO_SCHEMA_H
#define PD_ARGO_SCHEMA_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "buf.h"

/*
 * The plugin's message for the first unknown field, by how it decoded:
 * through YAML (sigs.k8s.io/yaml, which lint uses for every file and create
 * for a file not starting with '{') or straight JSON (create, a file whose
 * first non-space byte is '{'). One %s: the field name.
 */
#define ARGO_SCHEMA_MSG_YAML "error unmarshaling JSON: while decoding JSON: json: unknown field \"%s\""
#define ARGO_SCHEMA_MSG_JSON "json: unknown field \"%s\""

/*
 * Calls fn(cls, path, field) for each unknown field of obj taken as kind
 * ("Rollout", "Experiment", "AnalysisTemplate", "ClusterAnalysisTemplate",
 * "AnalysisRun", "Service", "Ingress" (networking.k8s.io/v1) or
 * "Ingress/v1beta1"), in document order; path is where the field sits
 * ("spec.strategy.canary", "spec.template.spec.containers[0]", "" at the
 * top). Returns how many, or -1 when kind is none of these. fn may be NULL.
 */
int argo_schema_unknown(const cJSON *obj, const char *kind,
	void (*fn)(void *cls, const char *path, const char *field), void *cls);
/*
 * The same, visiting each object's keys in byte order: the order Go meets
 * them after sigs.k8s.io/yaml turned YAML into JSON (so the first call is
 * the field the plugin names for a YAML file).
 */
int argo_schema_unknown_sorted(const cJSON *obj, const char *kind,
	void (*fn)(void *cls, const char *path, const char *field), void *cls);
/*
 * Append v as Go's json.Marshal writes the typed value: type is a Go type of
 * the table ("argo.SetHeaderRoute", "core.Service"), fields in struct order,
 * omitempty honoured, missing fields as their zero values, unknown ones
 * dropped, map keys sorted (how apimachinery's field.Error prints a value).
 * 0, or -1 when type is not in the table.
 */
int argo_schema_marshal(struct buf *out, const cJSON *v, const char *type);
/* True when kind is one argo_schema_unknown() knows. */
bool argo_schema_has_kind(const char *kind);

#endif
