/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fixtures: load objects from YAML or JSON files (multi-document, and List
 * kinds) into the store before the server starts. uid, resourceVersion and
 * creationTimestamp are kept when given and filled in when not; objects
 * without a namespace go to "default"; namespaces are created as needed.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "json.h"
#include "sim.h"
#include "xalloc.h"
#include "yaml.h"

void
fixtures_uuid(char out[37])
{
	unsigned char b[16];
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		for (size_t i = 0; i < sizeof(b); i++) {
			b[i] = (unsigned char)rand();
		}
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}

void
fixtures_now_rfc3339(char out[32])
{
	clock_rfc3339(clock_now_ms(), out);
}

/* The defaults kube-apiserver fills into a Service: type, a cluster IP
 * from 10.96.0.0/12, and each port's protocol and targetPort. */
static void
fixtures_service_defaults(cJSON *obj)
{
	static unsigned next_ip = 10;
	cJSON *spec = json_obj_ensure(obj, "spec");
	if (!json_str(spec, "type")) {
		json_set_str(spec, "type", "ClusterIP");
	}
	const char *ip = json_str(spec, "clusterIP");
	if (!ip || !*ip) {
		char a[32];
		unsigned n = next_ip++;
		snprintf(a, sizeof(a), "10.96.%u.%u", (n >> 8) & 0xff, n & 0xff);
		json_set_str(spec, "clusterIP", a);
		cJSON *ips = cJSON_CreateArray();
		cJSON_AddItemToArray(ips, cJSON_CreateString(a));
		json_set_item(spec, "clusterIPs", ips);
	}
	cJSON *ports = cJSON_GetObjectItem(spec, "ports");
	for (cJSON *p = ports ? ports->child : NULL; p; p = p->next) {
		if (!json_str(p, "protocol")) {
			json_set_str(p, "protocol", "TCP");
		}
		if (!cJSON_GetObjectItem(p, "targetPort") &&
		    cJSON_IsNumber(cJSON_GetObjectItem(p, "port"))) {
			json_set_num(p, "targetPort", json_num(p, "port", 0));
		}
	}
}

void
fixtures_fill_meta(cJSON *obj, const struct sim_resource *r, const char *ns)
{
	if (r->builtin && strcmp(r->plural, "services") == 0) {
		fixtures_service_defaults(obj);
	}
	cJSON *md = json_obj_ensure(obj, "metadata");
	if (r->namespaced) {
		if (ns) {
			json_set_str(md, "namespace", ns);
		} else if (!json_str(md, "namespace") ||
			   !*json_str(md, "namespace")) {
			json_set_str(md, "namespace", "default");
		}
	} else if (cJSON_GetObjectItem(md, "namespace")) {
		cJSON_DeleteItemFromObjectCaseSensitive(md, "namespace");
	}
	if (!json_str(md, "uid")) {
		char u[37];
		fixtures_uuid(u);
		json_set_str(md, "uid", u);
	}
	if (!json_str(md, "creationTimestamp")) {
		char ts[32];
		fixtures_now_rfc3339(ts);
		json_set_str(md, "creationTimestamp", ts);
	}
	if (!cJSON_IsNumber(cJSON_GetObjectItem(md, "generation"))) {
		json_set_num(md, "generation", 1);
	}
}

static int
fixtures_add(cJSON *obj, const char *path, int line, struct pd_err *e)
{
	if (!cJSON_IsObject(obj)) {
		return err_set(e, PD_EINVALID,
			       "%s:%d:1: document is not an object", path,
			       line);
	}
	const char *av = json_str(obj, "apiVersion");
	const char *kind = json_str(obj, "kind");
	if (!av || !*av) {
		return err_set(e, PD_EINVALID,
			       "%s:%d:1: object has no apiVersion", path,
			       line);
	}
	if (!kind || !*kind) {
		return err_set(e, PD_EINVALID, "%s:%d:1: object has no kind",
			       path, line);
	}
	size_t kl = strlen(kind);
	cJSON *items = cJSON_GetObjectItem(obj, "items");
	if (kl >= 4 && strcmp(kind + kl - 4, "List") == 0 &&
	    cJSON_IsArray(items)) {
		for (cJSON *it = items->child; it; it = it->next) {
			cJSON *copy = cJSON_Duplicate(it, 1);
			int r = fixtures_add(copy, path, line, e);
			cJSON_Delete(copy);
			if (r < 0) {
				return r;
			}
		}
		return 0;
	}
	const char *name = json_str(obj, "metadata.name");
	if (!name || !*name) {
		return err_set(e, PD_EINVALID,
			       "%s:%d:1: %s has no metadata.name", path, line,
			       kind);
	}
	struct sim_resource *r = registry_find_kind(av, kind, true);
	if (!r) {
		return err_set(e, PD_EINVALID,
			       "%s:%d:1: cannot serve %s %s", path, line, av,
			       kind);
	}
	cJSON *copy = cJSON_Duplicate(obj, 1);
	fixtures_fill_meta(copy, r, NULL);
	if (r->namespaced) {
		store_ensure_namespace(json_str(copy, "metadata.namespace"));
	}
	store_put(r, copy, true, true);
	return 0;
}

static int
fixtures_load_file(const char *path, struct pd_err *e)
{
	struct buf b = BUF_INIT;
	if (buf_read_file(&b, path) < 0) {
		int en = errno;
		buf_release(&b);
		return err_set(e, en == ENOENT ? PD_ENOTFOUND : PD_ERUNTIME,
			       "cannot read '%s': %s", path, strerror(en));
	}
	size_t n = strlen(path);
	bool is_json = n > 5 && strcmp(path + n - 5, ".json") == 0;
	cJSON *docs = NULL;
	int *lines = NULL;
	int rc = 0;
	if (is_json) {
		cJSON *one = json_parse(b.buf, b.len, e);
		if (!one) {
			char msg[sizeof(e->msg)];
			snprintf(msg, sizeof(msg), "%s", e ? e->msg : "");
			rc = err_set(e, PD_EINVALID, "%s:%s", path, msg);
			goto out;
		}
		docs = cJSON_CreateArray();
		if (cJSON_IsArray(one)) {
			cJSON_Delete(docs);
			docs = one;
		} else {
			cJSON_AddItemToArray(docs, one);
		}
	} else {
		docs = yaml_to_json_lines(b.buf, b.len, path, &lines, e);
		if (!docs) {
			rc = -PD_EINVALID;
			goto out;
		}
	}
	int i = 0;
	for (cJSON *d = docs->child; d; d = d->next, i++) {
		if (cJSON_IsNull(d)) {
			continue;
		}
		rc = fixtures_add(d, path, lines ? lines[i] : 1, e);
		if (rc < 0) {
			break;
		}
	}
out:
	free(lines);
	cJSON_Delete(docs);
	buf_release(&b);
	return rc;
}

static int
fixtures_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
fixtures_wanted(const char *name)
{
	size_t n = strlen(name);
	return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(name + n - 4, ".yml") == 0) ||
	       (n > 5 && strcmp(name + n - 5, ".json") == 0);
}

int
fixtures_load(const char *path, struct pd_err *e)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		int en = errno;
		return err_set(e, en == ENOENT ? PD_ENOTFOUND : PD_ERUNTIME,
			       "cannot read '%s': %s", path, strerror(en));
	}
	if (!S_ISDIR(st.st_mode)) {
		return fixtures_load_file(path, e);
	}
	DIR *d = opendir(path);
	if (!d) {
		return err_set(e, PD_ERUNTIME, "cannot read '%s': %s", path,
			       strerror(errno));
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		struct dirent *de = readdir(d);
		if (!de) {
			break;
		}
		if (de->d_name[0] == '.' || !fixtures_wanted(de->d_name)) {
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xasprintf("%s/%s", path, de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), fixtures_cmp);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0) {
			rc = fixtures_load_file(names[i], e);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}
