/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kubeconfig: load and merge kubeconfig files as client-go's clientcmd does
 * (loader.go, client_config.go, validation.go), or fall back to the
 * in-cluster service account. See kubeconfig.h.
 */
#include "kubeconfig.h"
#include "timeutil.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base64.h"
#include "json.h"
#include "xalloc.h"
#include "yaml.h"

#define KUBECONFIG_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define KUBECONFIG_EXEC_EXT "client.authentication.k8s.io/exec"

/* A named cluster, user or context: the first file to define it wins. */
struct kubeconfig_entry {
	const char *name;  /* borrowed from the file's tree */
	const cJSON *body; /* borrowed */
	const char *dir;   /* directory of the defining file (borrowed) */
};

struct kubeconfig_list {
	struct kubeconfig_entry *v;
	size_t n, alloc;
};

struct kubeconfig_merge {
	cJSON **trees;
	char **dirs;
	size_t ntrees;
	struct kubeconfig_list clusters, users, contexts;
	const char *current_context; /* borrowed */
	struct buf source;
};

/* ------------------------------------------------------------ helpers */

static char *
kubeconfig_strerror(int errnum)
{
	/* Go's wording: lower-case ("no such file or directory") */
	char *s = xstrdup(strerror(errnum));
	if (s[0] && isupper((unsigned char)s[0]) &&
	    !(s[1] && isupper((unsigned char)s[1]))) {
		s[0] = (char)tolower((unsigned char)s[0]);
	}
	return s;
}

static bool
kubeconfig_set(const char *s)
{
	return s && *s;
}

/* A scalar as a malloc()ed string; NULL when absent or empty. */
static char *
kubeconfig_getstr(const cJSON *o, const char *key)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
	if (cJSON_IsString(j)) {
		return *j->valuestring ? xstrdup(j->valuestring) : NULL;
	}
	if (cJSON_IsNumber(j)) {
		double d = j->valuedouble;
		if (d == floor(d) && fabs(d) < 9e15) {
			return xasprintf("%lld", (long long)d);
		}
		return xasprintf("%.17g", d);
	}
	if (cJSON_IsBool(j)) {
		return xstrdup(cJSON_IsTrue(j) ? "true" : "false");
	}
	return NULL;
}

static const char *
kubeconfig_peek(const cJSON *o, const char *key)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(j) && *j->valuestring ? j->valuestring : NULL;
}

static bool
kubeconfig_has(const cJSON *o, const char *key)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!j || cJSON_IsNull(j)) {
		return false;
	}
	if (cJSON_IsString(j)) {
		return *j->valuestring != '\0';
	}
	return true;
}

static bool
kubeconfig_getbool(const cJSON *o, const char *key)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
	if (cJSON_IsBool(j)) {
		return cJSON_IsTrue(j);
	}
	if (cJSON_IsString(j)) {
		return strcmp(j->valuestring, "true") == 0;
	}
	return false;
}

/* Lexically clean an absolute or relative path (Go's filepath.Clean). */
static char *
kubeconfig_clean(const char *path)
{
	bool abs = path[0] == '/';
	size_t len = strlen(path);
	const char **seg = xmalloc((len / 2 + 2) * sizeof(*seg));
	size_t *segl = xmalloc((len / 2 + 2) * sizeof(*segl));
	size_t n = 0;
	const char *p = path;
	while (*p) {
		while (*p == '/') {
			p++;
		}
		if (!*p) {
			break;
		}
		const char *s = p;
		while (*p && *p != '/') {
			p++;
		}
		size_t l = (size_t)(p - s);
		if (l == 1 && s[0] == '.') {
			continue;
		}
		if (l == 2 && s[0] == '.' && s[1] == '.') {
			if (n > 0 && !(segl[n - 1] == 2 &&
				       memcmp(seg[n - 1], "..", 2) == 0)) {
				n--;
				continue;
			}
			if (abs) {
				continue;
			}
		}
		seg[n] = s;
		segl[n] = l;
		n++;
	}
	struct buf b = BUF_INIT;
	if (abs) {
		buf_addch(&b, '/');
	}
	for (size_t i = 0; i < n; i++) {
		if (i) {
			buf_addch(&b, '/');
		}
		buf_add(&b, seg[i], segl[i]);
	}
	if (b.len == 0) {
		buf_addch(&b, '.');
	}
	free(seg);
	free(segl);
	return buf_detach(&b, NULL);
}

/* path resolved against dir (when relative), cleaned. */
static char *
kubeconfig_resolve(const char *dir, const char *path)
{
	if (path[0] == '/' || !dir) {
		return xstrdup(path);
	}
	char *joined = xasprintf("%s/%s", dir, path);
	char *c = kubeconfig_clean(joined);
	free(joined);
	return c;
}

/* Absolute directory of a file path. */
static char *
kubeconfig_dir_of(const char *file)
{
	char *abs;
	if (file[0] == '/') {
		abs = xstrdup(file);
	} else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd))) {
			snprintf(cwd, sizeof(cwd), ".");
		}
		abs = xasprintf("%s/%s", cwd, file);
	}
	char *slash = strrchr(abs, '/');
	if (slash == abs) {
		slash[1] = '\0';
	} else if (slash) {
		*slash = '\0';
	}
	char *c = kubeconfig_clean(abs);
	free(abs);
	return c;
}

/* ------------------------------------------------------------ merging */

static const struct kubeconfig_entry *
kubeconfig_find(const struct kubeconfig_list *l, const char *name)
{
	if (!name) {
		return NULL;
	}
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].name, name) == 0) {
			return &l->v[i];
		}
	}
	return NULL;
}

static int
kubeconfig_merge_list(struct kubeconfig_list *l, const cJSON *doc,
		      const char *key, const char *inner, const char *dir,
		      const char *file, struct pd_err *e)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, key);
	if (!arr || cJSON_IsNull(arr)) {
		return 0;
	}
	if (!cJSON_IsArray(arr)) {
		return err_set(e, PD_EINVALID,
			       "%s: '%s' must be a list", file, key);
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, arr) {
		const char *name = kubeconfig_peek(it, "name");
		if (!cJSON_IsObject(it) || !name) {
			return err_set(e, PD_EINVALID,
				       "%s: an entry of '%s' has no name",
				       file, key);
		}
		if (kubeconfig_find(l, name)) {
			continue; /* the first definition wins, whole */
		}
		const cJSON *body = cJSON_GetObjectItemCaseSensitive(it, inner);
		if (body && !cJSON_IsObject(body) && !cJSON_IsNull(body)) {
			return err_set(e, PD_EINVALID,
				       "%s: %s '%s': '%s' must be a mapping",
				       file, key, name, inner);
		}
		if (l->n == l->alloc) {
			l->alloc = l->alloc ? l->alloc * 2 : 8;
			l->v = xrealloc(l->v, l->alloc * sizeof(*l->v));
		}
		l->v[l->n].name = name;
		l->v[l->n].body = cJSON_IsObject(body) ? body : NULL;
		l->v[l->n].dir = dir;
		l->n++;
	}
	return 0;
}

static int
kubeconfig_load_file(struct kubeconfig_merge *m, const char *path,
		     struct pd_err *e)
{
	struct buf data = BUF_INIT;
	if (buf_read_file(&data, path) < 0) {
		int en = errno;
		buf_release(&data);
		return err_set(e, PD_EINVALID, "cannot read '%s': %s", path,
			       strerror(en));
	}
	cJSON *docs = yaml_to_json(data.buf, data.len, path, e);
	buf_release(&data);
	if (!docs) {
		return -PD_EINVALID;
	}
	if (m->source.len) {
		buf_addch(&m->source, ':');
	}
	buf_adds(&m->source, path);
	cJSON *doc = cJSON_GetArrayItem(docs, 0);
	if (!doc || cJSON_IsNull(doc)) {
		cJSON_Delete(docs);
		return 0;
	}
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(docs);
		return err_set(e, PD_EINVALID,
			       "%s: not a kubeconfig (want a mapping)", path);
	}
	m->trees = xrealloc(m->trees, (m->ntrees + 1) * sizeof(*m->trees));
	m->dirs = xrealloc(m->dirs, (m->ntrees + 1) * sizeof(*m->dirs));
	m->trees[m->ntrees] = docs;
	m->dirs[m->ntrees] = kubeconfig_dir_of(path);
	const char *dir = m->dirs[m->ntrees];
	m->ntrees++;
	int r = kubeconfig_merge_list(&m->clusters, doc, "clusters", "cluster",
				      dir, path, e);
	if (r == 0) {
		r = kubeconfig_merge_list(&m->users, doc, "users", "user", dir,
					  path, e);
	}
	if (r == 0) {
		r = kubeconfig_merge_list(&m->contexts, doc, "contexts",
					  "context", dir, path, e);
	}
	if (r == 0 && !m->current_context) {
		m->current_context = kubeconfig_peek(doc, "current-context");
	}
	return r;
}

static void
kubeconfig_merge_release(struct kubeconfig_merge *m)
{
	for (size_t i = 0; i < m->ntrees; i++) {
		cJSON_Delete(m->trees[i]);
		free(m->dirs[i]);
	}
	free(m->trees);
	free(m->dirs);
	free(m->clusters.v);
	free(m->users.v);
	free(m->contexts.v);
	buf_release(&m->source);
}

static int
kubeconfig_collect(struct kubeconfig_merge *m, const struct kube_flags *f,
		   struct pd_err *e)
{
	if (kubeconfig_set(f->kubeconfig)) {
		struct stat st;
		if (stat(f->kubeconfig, &st) < 0) {
			char *msg = kubeconfig_strerror(errno);
			int r = err_set(e, PD_ENOTFOUND, "stat %s: %s",
					f->kubeconfig, msg);
			free(msg);
			return r;
		}
		return kubeconfig_load_file(m, f->kubeconfig, e);
	}
	const char *env = getenv("KUBECONFIG");
	if (kubeconfig_set(env)) {
		char *copy = xstrdup(env);
		char **seen = NULL;
		size_t nseen = 0;
		int r = 0;
		char *save = NULL;
		for (char *p = strtok_r(copy, ":", &save); p;
		     p = strtok_r(NULL, ":", &save)) {
			bool dup = false;
			for (size_t i = 0; i < nseen; i++) {
				if (strcmp(seen[i], p) == 0) {
					dup = true;
				}
			}
			if (dup) {
				continue;
			}
			seen = xrealloc(seen, (nseen + 1) * sizeof(*seen));
			seen[nseen++] = p;
			struct stat st;
			if (stat(p, &st) < 0 && errno == ENOENT) {
				continue;
			}
			r = kubeconfig_load_file(m, p, e);
			if (r < 0) {
				break;
			}
		}
		free(seen);
		free(copy);
		return r;
	}
	const char *home = getenv("HOME");
	if (kubeconfig_set(home)) {
		char *p = xasprintf("%s/.kube/config", home);
		struct stat st;
		int r = 0;
		if (stat(p, &st) == 0) {
			r = kubeconfig_load_file(m, p, e);
		}
		free(p);
		return r;
	}
	return 0;
}

/* ------------------------------------------------------------ in-cluster */

static const char *
kubeconfig_sa_dir(void)
{
	const char *d = getenv("PDKIT_SA_DIR");
	return kubeconfig_set(d) ? d : KUBECONFIG_SA_DIR;
}

static bool
kubeconfig_incluster_possible(void)
{
	const char *h = getenv("KUBERNETES_SERVICE_HOST");
	const char *p = getenv("KUBERNETES_SERVICE_PORT");
	if (!kubeconfig_set(h) || !kubeconfig_set(p)) {
		return false;
	}
	char *tok = xasprintf("%s/token", kubeconfig_sa_dir());
	struct stat st;
	bool ok = stat(tok, &st) == 0 && !S_ISDIR(st.st_mode);
	free(tok);
	return ok;
}

static char *
kubeconfig_incluster_namespace(void)
{
	const char *ns = getenv("POD_NAMESPACE");
	if (kubeconfig_set(ns)) {
		return xstrdup(ns);
	}
	char *p = xasprintf("%s/namespace", kubeconfig_sa_dir());
	struct buf b = BUF_INIT;
	char *out = NULL;
	if (buf_read_file(&b, p) == 0) {
		buf_trim(&b);
		if (b.len) {
			out = buf_detach(&b, NULL);
		}
	}
	buf_release(&b);
	free(p);
	return out ? out : xstrdup("default");
}

static int
kubeconfig_read_ca(struct kube_config *cfg, const char *path,
		   const char *cluster, struct pd_err *e)
{
	buf_reset(&cfg->ca_pem);
	if (buf_read_file(&cfg->ca_pem, path) < 0) {
		char *msg = kubeconfig_strerror(errno);
		int r = err_set(e, PD_EINVALID,
				"unable to read certificate-authority %s for "
				"%s due to open %s: %s", path,
				cluster ? cluster : "", path, msg);
		free(msg);
		return r;
	}
	free(cfg->ca_file);
	cfg->ca_file = xstrdup(path);
	return 0;
}

static int
kubeconfig_incluster(struct kube_config *cfg, const struct kube_flags *f,
		     struct pd_err *e)
{
	const char *h = getenv("KUBERNETES_SERVICE_HOST");
	const char *p = getenv("KUBERNETES_SERVICE_PORT");
	bool v6 = strchr(h, ':') != NULL;
	cfg->server = xasprintf("https://%s%s%s:%s", v6 ? "[" : "", h,
				v6 ? "]" : "", p);
	cfg->tls = true;
	cfg->source = xstrdup("in-cluster");
	const char *sa = kubeconfig_sa_dir();
	if (kubeconfig_set(f->token)) {
		cfg->token = xstrdup(f->token);
	} else {
		cfg->token_file = xasprintf("%s/token", sa);
	}
	if (f->insecure_skip_tls_verify == 1) {
		cfg->insecure = true;
	} else if (kubeconfig_set(f->certificate_authority)) {
		int r = kubeconfig_read_ca(cfg, f->certificate_authority,
					   NULL, e);
		if (r < 0) {
			return r;
		}
	} else {
		/* used only when it parses; else the system roots */
		char *ca = xasprintf("%s/ca.crt", sa);
		struct buf b = BUF_INIT;
		if (buf_read_file(&b, ca) == 0 &&
		    strstr(b.buf, "-----BEGIN CERTIFICATE-----")) {
			buf_release(&cfg->ca_pem);
			cfg->ca_pem = b;
			cfg->ca_file = ca;
		} else {
			buf_release(&b);
			free(ca);
		}
	}
	if (kubeconfig_set(f->tls_server_name)) {
		cfg->tls_server_name = xstrdup(f->tls_server_name);
	}
	cfg->disable_compression = f->disable_compression;
	if (kubeconfig_set(f->namespace)) {
		cfg->namespace = xstrdup(f->namespace);
		cfg->namespace_explicit = true;
	} else {
		cfg->namespace = kubeconfig_incluster_namespace();
	}
	return 0;
}

/* ------------------------------------------------------------ pieces */

static int
kubeconfig_proxy_check(const char *url, const char *cluster,
		       struct pd_err *e)
{
	const char *schemes[] = { "http://", "https://", "socks5://" };
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		if (strncasecmp(url, schemes[i], strlen(schemes[i])) == 0) {
			return 0;
		}
	}
	const char *colon = strstr(url, "://");
	int slen = colon ? (int)(colon - url) : 0;
	return err_set(e, PD_EINVALID,
		       "invalid 'proxy-url' \"%s\" for cluster \"%s\": "
		       "unsupported scheme \"%.*s\", supported schemes are "
		       "\"http\", \"https\" and \"socks5\"", url,
		       cluster ? cluster : "", slen, url);
}

static char **
kubeconfig_strv(const cJSON *arr)
{
	size_t n = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, arr) {
		n++;
	}
	char **v = xcalloc(n + 1, sizeof(*v));
	size_t i = 0;
	cJSON_ArrayForEach(it, arr) {
		if (cJSON_IsString(it)) {
			v[i++] = xstrdup(it->valuestring);
		} else if (cJSON_IsNumber(it)) {
			v[i++] = xasprintf("%g", it->valuedouble);
		}
	}
	return v;
}

void
kubeconfig_strv_free(char **v)
{
	if (!v) {
		return;
	}
	for (char **p = v; *p; p++) {
		free(*p);
	}
	free(v);
}

static void
kubeconfig_exec_free(struct kube_exec *x)
{
	if (!x) {
		return;
	}
	free(x->api_version);
	free(x->command);
	kubeconfig_strv_free(x->args);
	kubeconfig_strv_free(x->env);
	free(x->interactive_mode);
	free(x->install_hint);
	free(x->cluster_config);
	free(x);
}

static int
kubeconfig_exec(struct kube_config *cfg, const cJSON *ex, const char *dir,
		const char *user, const cJSON *cluster, struct pd_err *e)
{
	struct kube_exec *x = xcalloc(1, sizeof(*x));
	cfg->exec = x;
	x->api_version = kubeconfig_getstr(ex, "apiVersion");
	char *cmd = kubeconfig_getstr(ex, "command");
	if (!cmd) {
		return err_set(e, PD_EINVALID,
			       "command must be specified for %s to use exec "
			       "authentication plugin", user);
	}
	if (!x->api_version) {
		free(cmd);
		return err_set(e, PD_EINVALID,
			       "apiVersion must be specified for %s to use "
			       "exec authentication plugin", user);
	}
	if (strcmp(x->api_version, "client.authentication.k8s.io/v1") != 0 &&
	    strcmp(x->api_version,
		   "client.authentication.k8s.io/v1beta1") != 0) {
		free(cmd);
		return err_set(e, PD_EINVALID,
			       "exec plugin: invalid apiVersion \"%s\"",
			       x->api_version);
	}
	x->command = strchr(cmd, '/') ? kubeconfig_resolve(dir, cmd)
				      : xstrdup(cmd);
	free(cmd);
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(ex, "args");
	x->args = kubeconfig_strv(cJSON_IsArray(args) ? args : NULL);
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(ex, "env");
	size_t n = 0;
	const cJSON *it;
	if (cJSON_IsArray(env)) {
		cJSON_ArrayForEach(it, env) {
			n++;
		}
	}
	x->env = xcalloc(n + 1, sizeof(*x->env));
	size_t i = 0;
	if (cJSON_IsArray(env)) {
		cJSON_ArrayForEach(it, env) {
			const char *name = kubeconfig_peek(it, "name");
			if (!name) {
				return err_set(e, PD_EINVALID,
					       "env variable name must be "
					       "specified for %s to use exec "
					       "authentication plugin", user);
			}
			char *val = kubeconfig_getstr(it, "value");
			x->env[i++] = xasprintf("%s=%s", name, val ? val : "");
			free(val);
		}
	}
	x->interactive_mode = kubeconfig_getstr(ex, "interactiveMode");
	if (!x->interactive_mode) {
		if (strcmp(x->api_version,
			   "client.authentication.k8s.io/v1") == 0) {
			return err_set(e, PD_EINVALID,
				       "interactiveMode must be specified for "
				       "%s to use exec authentication plugin",
				       user);
		}
		x->interactive_mode = xstrdup("IfAvailable");
	}
	if (strcmp(x->interactive_mode, "Never") != 0 &&
	    strcmp(x->interactive_mode, "IfAvailable") != 0 &&
	    strcmp(x->interactive_mode, "Always") != 0) {
		return err_set(e, PD_EINVALID,
			       "invalid interactiveMode for %s: \"%s\"", user,
			       x->interactive_mode);
	}
	x->provide_cluster_info = kubeconfig_getbool(ex, "provideClusterInfo");
	x->install_hint = kubeconfig_getstr(ex, "installHint");
	const cJSON *exts = cJSON_GetObjectItemCaseSensitive(cluster,
							     "extensions");
	if (cJSON_IsArray(exts)) {
		cJSON_ArrayForEach(it, exts) {
			const char *name = kubeconfig_peek(it, "name");
			if (name && strcmp(name, KUBECONFIG_EXEC_EXT) == 0) {
				const cJSON *ext =
					cJSON_GetObjectItemCaseSensitive(
						it, "extension");
				if (ext && !cJSON_IsNull(ext)) {
					x->cluster_config = json_print(ext);
				}
				break;
			}
		}
	}
	return 0;
}

/* Read a PEM from -data (base64) or a file into out. */
static int
kubeconfig_pem(struct buf *out, const cJSON *o, const char *datakey,
	       const char *filekey, const char *what, const char *dir,
	       const char *owner, const char *flagfile, struct pd_err *e)
{
	char *file = NULL;
	if (kubeconfig_set(flagfile)) {
		file = xstrdup(flagfile);
	} else {
		const char *d = kubeconfig_peek(o, datakey);
		if (d) {
			if (base64_decode(out, d, strlen(d)) < 0) {
				return err_set(e, PD_EINVALID,
					       "%s for %s is not valid base64",
					       datakey, owner);
			}
			return 0;
		}
		const char *fp = kubeconfig_peek(o, filekey);
		if (!fp) {
			return 0;
		}
		file = kubeconfig_resolve(dir, fp);
	}
	if (buf_read_file(out, file) < 0) {
		char *msg = kubeconfig_strerror(errno);
		int r = err_set(e, PD_EINVALID,
				"unable to read %s %s for %s due to open %s: "
				"%s", what, file, owner, file, msg);
		free(msg);
		free(file);
		return r;
	}
	free(file);
	return 1;
}

static int
kubeconfig_cluster(struct kube_config *cfg, const struct kube_flags *f,
		   const struct kubeconfig_entry *ce, struct pd_err *e)
{
	const cJSON *c = ce ? ce->body : NULL;
	const char *dir = ce ? ce->dir : NULL;
	const char *name = cfg->cluster_name ? cfg->cluster_name : "";

	char *proxy = kubeconfig_getstr(c, "proxy-url");
	if (proxy) {
		int r = kubeconfig_proxy_check(proxy, name, e);
		if (r < 0) {
			free(proxy);
			return r;
		}
		cfg->proxy_url = proxy;
	}
	cfg->disable_compression = f->disable_compression ||
				   kubeconfig_getbool(c, "disable-compression");
	if (!cfg->tls) {
		return 0; /* server identity applies to https only */
	}

	bool insecure = kubeconfig_getbool(c, "insecure-skip-tls-verify");
	bool use_file_ca = true;
	const char *flag_ca = NULL;
	/* client-go getCluster(): --insecure-skip-tls-verify=true or
	 * --certificate-authority replace the CA settings as a whole */
	if (f->insecure_skip_tls_verify == 1 ||
	    kubeconfig_set(f->certificate_authority)) {
		insecure = f->insecure_skip_tls_verify == 1;
		use_file_ca = false;
		flag_ca = f->certificate_authority;
	} else if (f->insecure_skip_tls_verify == 0) {
		insecure = false;
	}
	if (use_file_ca) {
		if (kubeconfig_has(c, "certificate-authority") &&
		    kubeconfig_has(c, "certificate-authority-data")) {
			return err_set(e, PD_EINVALID,
				       "certificate-authority-data and "
				       "certificate-authority are both "
				       "specified for %s. "
				       "certificate-authority-data will "
				       "override", name);
		}
		int r = kubeconfig_pem(&cfg->ca_pem, c,
				       "certificate-authority-data",
				       "certificate-authority",
				       "certificate-authority", dir, name,
				       NULL, e);
		if (r < 0) {
			return r;
		}
		if (r == 1) {
			const char *fp = kubeconfig_peek(c,
						"certificate-authority");
			cfg->ca_file = kubeconfig_resolve(dir, fp);
		}
	} else if (kubeconfig_set(flag_ca)) {
		int r = kubeconfig_read_ca(cfg, flag_ca, name, e);
		if (r < 0) {
			return r;
		}
	}
	cfg->insecure = insecure;
	if (insecure && cfg->ca_pem.len) {
		return err_set(e, PD_EINVALID,
			       "specifying a root certificates file with the "
			       "insecure flag is not allowed");
	}
	if (kubeconfig_set(f->tls_server_name)) {
		cfg->tls_server_name = xstrdup(f->tls_server_name);
	} else if (!kubeconfig_set(f->server)) {
		cfg->tls_server_name = kubeconfig_getstr(c, "tls-server-name");
	}
	return 0;
}

static int
kubeconfig_user(struct kube_config *cfg, const struct kube_flags *f,
		const struct kubeconfig_entry *ue,
		const struct kubeconfig_entry *ce, struct pd_err *e)
{
	const cJSON *u = ue ? ue->body : NULL;
	const char *dir = ue ? ue->dir : NULL;
	const char *name = cfg->user_name ? cfg->user_name : "";

	if (!cfg->tls) {
		return 0; /* no credentials over plain http */
	}
	if (kubeconfig_has(u, "token") &&
	    (kubeconfig_has(u, "username") || kubeconfig_has(u, "password"))) {
		return err_set(e, PD_EINVALID,
			       "more than one authentication method found "
			       "for %s; found [token basicAuth], only one is "
			       "allowed", name);
	}
	/* --token replaces the user's token, not its tokenFile: as in
	 * client-go (NewBearerAuthWithRefreshRoundTripper) the file's
	 * content wins once it can be read, the token is the fallback */
	const char *tf = kubeconfig_peek(u, "tokenFile");
	if (tf) {
		cfg->token_file = kubeconfig_resolve(dir, tf);
	}
	if (kubeconfig_set(f->token)) {
		cfg->token = xstrdup(f->token);
	} else {
		cfg->token = kubeconfig_getstr(u, "token");
		cfg->username = kubeconfig_getstr(u, "username");
		cfg->password = kubeconfig_getstr(u, "password");
	}

	bool flag_cert = kubeconfig_set(f->client_certificate);
	bool flag_key = kubeconfig_set(f->client_key);
	bool has_cert = flag_cert || kubeconfig_has(u, "client-certificate") ||
			kubeconfig_has(u, "client-certificate-data");
	if (has_cert) {
		if (!flag_cert && kubeconfig_has(u, "client-certificate") &&
		    kubeconfig_has(u, "client-certificate-data")) {
			return err_set(e, PD_EINVALID,
				       "client-cert-data and client-cert are "
				       "both specified for %s. "
				       "client-cert-data will override", name);
		}
		if (!flag_key && kubeconfig_has(u, "client-key") &&
		    kubeconfig_has(u, "client-key-data")) {
			return err_set(e, PD_EINVALID,
				       "client-key-data and client-key are "
				       "both specified for %s; "
				       "client-key-data will override", name);
		}
		if (!flag_key && !kubeconfig_has(u, "client-key") &&
		    !kubeconfig_has(u, "client-key-data")) {
			return err_set(e, PD_EINVALID,
				       "client-key-data or client-key must be "
				       "specified for %s to use the clientCert "
				       "authentication method", name);
		}
		int r = kubeconfig_pem(&cfg->client_cert_pem, u,
				       "client-certificate-data",
				       "client-certificate", "client-cert", dir,
				       name, f->client_certificate, e);
		if (r < 0) {
			return r;
		}
		r = kubeconfig_pem(&cfg->client_key_pem, u, "client-key-data",
				   "client-key", "client-key", dir, name,
				   f->client_key, e);
		if (r < 0) {
			return r;
		}
	} else if (flag_key) {
		return err_set(e, PD_EUSAGE,
			       "--client-key given without "
			       "--client-certificate");
	}

	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(u, "exec");
	const cJSON *ap = cJSON_GetObjectItemCaseSensitive(u, "auth-provider");
	bool has_exec = cJSON_IsObject(ex);
	bool has_ap = cJSON_IsObject(ap);
	if (has_exec && has_ap) {
		return err_set(e, PD_EINVALID,
			       "authProvider cannot be provided in combination "
			       "with an exec plugin for %s", name);
	}
	if (has_ap && !kubeconfig_set(f->token)) {
		const char *apn = kubeconfig_peek(ap, "name");
		return err_set(e, PD_EINVALID,
			       "auth-provider \"%s\" of user \"%s\" is not "
			       "supported; use an exec credential plugin",
			       apn ? apn : "", name);
	}
	if (has_exec && !kubeconfig_set(f->token)) {
		int r = kubeconfig_exec(cfg, ex, dir, name,
					ce ? ce->body : NULL, e);
		if (r < 0) {
			return r;
		}
	}
	return 0;
}

static int
kubeconfig_impersonate(struct kube_config *cfg, const struct kube_flags *f,
		       const struct kubeconfig_entry *ue, struct pd_err *e)
{
	const cJSON *u = ue ? ue->body : NULL;
	if (!cfg->tls) {
		return 0; /* client-go applies impersonation with the auth */
	}
	cfg->as = kubeconfig_set(f->as) ? xstrdup(f->as)
					: kubeconfig_getstr(u, "as");
	cfg->as_uid = kubeconfig_set(f->as_uid)
			      ? xstrdup(f->as_uid)
			      : kubeconfig_getstr(u, "as-uid");
	if (f->n_as_groups > 0) {
		int n = f->n_as_groups;
		cfg->as_groups = xcalloc((size_t)n + 1, sizeof(char *));
		for (int i = 0; i < n; i++) {
			cfg->as_groups[i] = xstrdup(f->as_groups[i]);
		}
	} else {
		const cJSON *g = cJSON_GetObjectItemCaseSensitive(u,
								  "as-groups");
		if (cJSON_IsArray(g) && cJSON_GetArraySize(g) > 0) {
			cfg->as_groups = kubeconfig_strv(g);
		}
	}
	if (!cfg->as && (cfg->as_uid || cfg->as_groups)) {
		return err_set(e, PD_EINVALID,
			       "requesting uid, groups or user-extra for %s "
			       "without impersonating a user",
			       cfg->user_name ? cfg->user_name : "");
	}
	return 0;
}

static int
kubeconfig_timeout(struct kube_config *cfg, const char *s,
		   struct pd_err *e)
{
	if (!kubeconfig_set(s)) {
		return 0;
	}
	bool digits = true;
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p)) {
			digits = false;
		}
	}
	if (digits) {
		errno = 0;
		long long v = strtoll(s, NULL, 10);
		if (errno || v > LLONG_MAX / 1000) {
			return err_set(e, PD_EUSAGE,
				       "invalid timeout value \"%s\"", s);
		}
		cfg->timeout_ms = (long)(v * 1000);
		return 0;
	}
	long long ms;
	if (kubeconfig_parse_duration(s, &ms, NULL) < 0) {
		return err_set(e, PD_EUSAGE,
			       "invalid timeout value \"%s\": timeout must be "
			       "a single integer in seconds, or an integer "
			       "followed by a corresponding time unit (e.g. "
			       "1s | 2m | 3h)", s);
	}
	cfg->timeout_ms = (long)ms;
	return 0;
}

/* Add a scheme when the server has none (client-go DefaultServerURL). */
static char *
kubeconfig_server(const char *s, const cJSON *cluster,
		  const struct kube_flags *f)
{
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '/') {
		n--;
	}
	if (strstr(s, "://")) {
		return xstrndup(s, n);
	}
	bool tls = kubeconfig_has(cluster, "certificate-authority") ||
		   kubeconfig_has(cluster, "certificate-authority-data") ||
		   kubeconfig_getbool(cluster, "insecure-skip-tls-verify") ||
		   kubeconfig_has(cluster, "tls-server-name") ||
		   kubeconfig_set(f->certificate_authority) ||
		   f->insecure_skip_tls_verify == 1 ||
		   kubeconfig_set(f->tls_server_name);
	char *body = xstrndup(s, n);
	char *out = xasprintf("%s://%s", tls ? "https" : "http", body);
	free(body);
	return out;
}

/* ------------------------------------------------------------ public */

int
kubeconfig_load(struct kube_config *cfg, const struct kube_flags *f,
		struct pd_err *e)
{
	memset(cfg, 0, sizeof(*cfg));
	buf_init(&cfg->ca_pem, 0);
	buf_init(&cfg->client_cert_pem, 0);
	buf_init(&cfg->client_key_pem, 0);
	struct kube_flags none;
	if (!f) {
		memset(&none, 0, sizeof(none));
		none.insecure_skip_tls_verify = -1;
		f = &none;
	}

	struct kubeconfig_merge m = { .source = BUF_INIT };
	int r = kubeconfig_collect(&m, f, e);
	if (r < 0) {
		goto out;
	}
	r = kubeconfig_timeout(cfg, f->request_timeout, e);
	if (r < 0) {
		goto out;
	}

	const char *ctxname = kubeconfig_set(f->context) ? f->context
							 : m.current_context;
	const struct kubeconfig_entry *ctx = NULL;
	if (kubeconfig_set(ctxname)) {
		ctx = kubeconfig_find(&m.contexts, ctxname);
		if (!ctx) {
			r = err_set(e, PD_ENOTFOUND,
				    "context was not found for specified "
				    "context: %s", ctxname);
			goto out;
		}
	}
	const char *cname = kubeconfig_set(f->cluster)
				    ? f->cluster
				    : (ctx ? kubeconfig_peek(ctx->body,
							     "cluster")
					   : NULL);
	const char *uname = kubeconfig_set(f->user)
				    ? f->user
				    : (ctx ? kubeconfig_peek(ctx->body, "user")
					   : NULL);
	const struct kubeconfig_entry *ce = kubeconfig_find(&m.clusters,
							    cname);
	const struct kubeconfig_entry *ue = kubeconfig_find(&m.users, uname);
	bool icc = kubeconfig_incluster_possible();

	const char *server = kubeconfig_set(f->server)
				     ? f->server
				     : (ce ? kubeconfig_peek(ce->body, "server")
					   : NULL);
	if (!server) {
		if (icc) {
			r = kubeconfig_incluster(cfg, f, e);
			goto out;
		}
		if (ce) {
			r = err_set(e, PD_EINVALID,
				    "no server found for cluster \"%s\"",
				    cname);
		} else if (cname && ctx) {
			r = err_set(e, PD_ENOTFOUND,
				    "cluster \"%s\" was not found for context "
				    "\"%s\"", cname, ctxname);
		} else if (cname) {
			r = err_set(e, PD_ENOTFOUND,
				    "cluster \"%s\" was not found", cname);
		} else {
			r = err_set(e, PD_ENOTFOUND,
				    "invalid configuration: no configuration "
				    "has been provided");
		}
		goto out;
	}

	cfg->server = kubeconfig_server(server, ce ? ce->body : NULL, f);
	cfg->tls = strncasecmp(cfg->server, "https://", 8) == 0;
	if (ctx) {
		cfg->context = xstrdup(ctxname);
	}
	if (cname) {
		cfg->cluster_name = xstrdup(cname);
	}
	if (uname) {
		cfg->user_name = xstrdup(uname);
	}
	cfg->source = m.source.len ? xstrdup(m.source.buf) : xstrdup("flags");

	r = kubeconfig_cluster(cfg, f, ce, e);
	if (r < 0) {
		goto out;
	}
	r = kubeconfig_user(cfg, f, ue, ce, e);
	if (r < 0) {
		goto out;
	}
	r = kubeconfig_impersonate(cfg, f, ue, e);
	if (r < 0) {
		goto out;
	}

	const char *ctxns = ctx ? kubeconfig_peek(ctx->body, "namespace")
				: NULL;
	if (kubeconfig_set(f->namespace)) {
		cfg->namespace = xstrdup(f->namespace);
		cfg->namespace_explicit = true;
	} else if (ctxns) {
		cfg->namespace = xstrdup(ctxns);
		cfg->namespace_explicit = true;
	} else if (icc) {
		cfg->namespace = kubeconfig_incluster_namespace();
	} else {
		cfg->namespace = xstrdup("default");
	}
	r = 0;
out:
	kubeconfig_merge_release(&m);
	if (r < 0) {
		kubeconfig_release(cfg);
	}
	return r;
}

void
kubeconfig_release(struct kube_config *cfg)
{
	if (!cfg) {
		return;
	}
	free(cfg->server);
	free(cfg->context);
	free(cfg->cluster_name);
	free(cfg->user_name);
	free(cfg->namespace);
	if (cfg->ca_pem.buf) {
		buf_release(&cfg->ca_pem);
	}
	free(cfg->ca_file);
	free(cfg->tls_server_name);
	free(cfg->proxy_url);
	free(cfg->token);
	free(cfg->token_file);
	free(cfg->username);
	free(cfg->password);
	if (cfg->client_cert_pem.buf) {
		buf_release(&cfg->client_cert_pem);
	}
	if (cfg->client_key_pem.buf) {
		buf_release(&cfg->client_key_pem);
	}
	kubeconfig_exec_free(cfg->exec);
	free(cfg->as);
	free(cfg->as_uid);
	kubeconfig_strv_free(cfg->as_groups);
	free(cfg->source);
	memset(cfg, 0, sizeof(*cfg));
	buf_init(&cfg->ca_pem, 0);
	buf_init(&cfg->client_cert_pem, 0);
	buf_init(&cfg->client_key_pem, 0);
}

/* ------------------------------------------------------------ durations */

int
kubeconfig_parse_duration(const char *s, long long *ms, struct pd_err *e)
{
	char why[256];
	if (s && *s == '-') {
		return err_set(e, PD_EUSAGE,
			       "invalid duration \"%s\": must not be negative",
			       s);
	}
	if (!s || timeutil_parse_duration(s, ms, why, sizeof(why)) < 0) {
		return err_set(e, PD_EUSAGE, "%s",
			       s ? why : "time: invalid duration \"\"");
	}
	return 0;
}

int
kubeconfig_context_names(const struct kube_flags *f, char ***names,
			 struct pd_err *e)
{
	struct kubeconfig_merge m = { .source = BUF_INIT };
	*names = NULL;
	int r = kubeconfig_collect(&m, f, e);
	if (r == 0) {
		*names = xcalloc(m.contexts.n + 1, sizeof(**names));
		for (size_t i = 0; i < m.contexts.n; i++) {
			(*names)[i] = xstrdup(m.contexts.v[i].name);
		}
	}
	kubeconfig_merge_release(&m);
	return r;
}
