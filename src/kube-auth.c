/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube-auth: a client's credentials: token, tokenFile, basic auth, client
 * certificates, the exec credential plugin and impersonation. See
 * kube-auth.h.
 */
#include "kube-auth.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "json.h"
#include "timeutil.h"
#include "xalloc.h"

extern char **environ;

#define KUBE_AUTH_MAX_EXEC_OUT ((size_t)1 << 20)
#define KUBE_AUTH_TOKEN_TTL_MS 60000.0
#define KUBE_AUTH_EXEC_V1 "client.authentication.k8s.io/v1"

struct kube_auth_exec {
	struct kube_exec cfg;    /* deep copy */
	char *info;              /* KUBERNETES_EXEC_INFO */
	bool valid;
	unsigned gen;            /* bumped on every run */
	char *token;
	struct buf cert, key;
	time_t exp;              /* 0: no expiry */
};

struct kube_auth {
	bool tls;                /* nothing is sent over plain http */
	char *token;
	char *token_file;
	char *file_token;
	double file_token_at;
	char *userpwd;
	struct buf cert, key;
	struct kube_auth_exec *exec;
	char **imp;              /* impersonation header lines */
	size_t nimp;
};

static double
kube_auth_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static char *
kube_auth_strdup0(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static char **
kube_auth_strv_dup(char *const *v)
{
	size_t n = 0;
	while (v && v[n]) {
		n++;
	}
	char **out = xcalloc(n + 1, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		out[i] = xstrdup(v[i]);
	}
	return out;
}

static void
kube_auth_strv_free(char **v)
{
	if (!v) {
		return;
	}
	for (char **p = v; *p; p++) {
		free(*p);
	}
	free(v);
}

static int
kube_auth_token_file(struct kube_auth *c, const char **tok,
		     struct pd_err *e)
{
	double now = kube_auth_now_ms();
	if (c->file_token && now - c->file_token_at < KUBE_AUTH_TOKEN_TTL_MS) {
		*tok = c->file_token;
		return 0;
	}
	struct buf b = BUF_INIT;
	if (buf_read_file(&b, c->token_file) < 0) {
		int en = errno;
		buf_release(&b);
		if (c->file_token) {
			*tok = c->file_token; /* keep the last good one */
			return 0;
		}
		if (c->token) {
			*tok = c->token;
			return 0;
		}
		e->http_status = 0;
		/* a file that is not there is not found (3), as elsewhere */
		return err_set(e, en == ENOENT || en == ENOTDIR ? PD_ENOTFOUND
			       : PD_EAUTH, "failed to read token file \"%s\": "
			       "%s", c->token_file, strerror(en));
	}
	buf_trim(&b);
	if (b.len == 0) {
		buf_release(&b);
		e->http_status = 0;
		return err_set(e, PD_EAUTH, "read empty token from file \"%s\"",
			       c->token_file);
	}
	free(c->file_token);
	c->file_token = buf_detach(&b, NULL);
	c->file_token_at = now;
	*tok = c->file_token;
	return 0;
}

/* RFC 3339 to time_t; -1 on error. */
static time_t
kube_auth_parse_time(const char *s)
{
	time_t t;
	return timeutil_parse(s, &t) ? t : -1;
}

static char *
kube_auth_exec_info(const struct kube_config *c, const struct kube_exec *x)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "kind", "ExecCredential");
	cJSON_AddStringToObject(root, "apiVersion", x->api_version);
	cJSON *spec = cJSON_AddObjectToObject(root, "spec");
	if (x->provide_cluster_info) {
		cJSON *cl = cJSON_AddObjectToObject(spec, "cluster");
		cJSON_AddStringToObject(cl, "server", c->server);
		if (c->tls_server_name) {
			cJSON_AddStringToObject(cl, "tls-server-name",
						c->tls_server_name);
		}
		if (c->insecure) {
			cJSON_AddBoolToObject(cl, "insecure-skip-tls-verify",
					      1);
		}
		if (c->ca_pem.len) {
			struct buf b64 = BUF_INIT;
			base64_encode(&b64, c->ca_pem.buf, c->ca_pem.len);
			cJSON_AddStringToObject(cl,
						"certificate-authority-data",
						b64.buf);
			buf_release(&b64);
		}
		if (c->proxy_url) {
			cJSON_AddStringToObject(cl, "proxy-url", c->proxy_url);
		}
		if (c->disable_compression) {
			cJSON_AddBoolToObject(cl, "disable-compression", 1);
		}
		if (x->cluster_config) {
			cJSON *cc = cJSON_Parse(x->cluster_config);
			if (cc) {
				cJSON_AddItemToObject(cl, "config", cc);
			}
		}
	}
	cJSON_AddBoolToObject(spec, "interactive", 0);
	char *s = json_print(root);
	cJSON_Delete(root);
	return s;
}

static bool
kube_auth_env_overridden(const char *entry, char *const *env)
{
	const char *eq = strchr(entry, '=');
	size_t n = eq ? (size_t)(eq - entry) : strlen(entry);
	if (n == strlen("KUBERNETES_EXEC_INFO") &&
	    memcmp(entry, "KUBERNETES_EXEC_INFO", n) == 0) {
		return true;
	}
	for (size_t i = 0; env && env[i]; i++) {
		if (strncmp(env[i], entry, n) == 0 && env[i][n] == '=') {
			return true;
		}
	}
	return false;
}

static int
kube_auth_exec_fail(struct pd_err *e, const char *fmt, const char *a,
	       const char *b)
{
	char *msg = xasprintf(fmt, a, b);
	e->http_status = 0;
	int r = err_set(e, PD_EAUTH, "getting credentials: %s", msg);
	free(msg);
	return r;
}

/* Run the plugin: spawn, read stdout, wait. 0 with out filled, or error. */
/* 0 when command can be executed as posix_spawnp would find it (a path
 * with a '/', else the first executable in the caller's PATH), or the
 * errno that says why not. */
static int
kube_auth_lookup(const char *command)
{
	if (strchr(command, '/')) {
		return access(command, X_OK) == 0 ? 0 : errno;
	}
	const char *path = getenv("PATH");
	if (!path) {
		path = "/bin:/usr/bin";
	}
	int why = ENOENT;
	while (*path) {
		size_t n = strcspn(path, ":");
		char *full = n ? xasprintf("%.*s/%s", (int)n, path, command)
			       : xasprintf("./%s", command);
		int ok = access(full, X_OK) == 0;
		if (!ok && errno == EACCES) {
			why = EACCES;
		}
		free(full);
		if (ok) {
			return 0;
		}
		path += n + (path[n] == ':');
	}
	return why;
}

static int
kube_auth_exec_spawn(struct kube_auth_exec *st, struct buf *out,
		struct pd_err *e)
{
	const struct kube_exec *x = &st->cfg;
	size_t nenv = 0, nx = 0, na = 0;
	while (environ && environ[nenv]) {
		nenv++;
	}
	while (x->env && x->env[nx]) {
		nx++;
	}
	while (x->args && x->args[na]) {
		na++;
	}
	char **envp = xcalloc(nenv + nx + 2, sizeof(*envp));
	size_t k = 0;
	for (size_t i = 0; i < nenv; i++) {
		if (!kube_auth_env_overridden(environ[i], x->env)) {
			envp[k++] = environ[i];
		}
	}
	for (size_t i = 0; i < nx; i++) {
		envp[k++] = x->env[i];
	}
	char *info = xasprintf("KUBERNETES_EXEC_INFO=%s", st->info);
	envp[k++] = info;
	envp[k] = NULL;
	char **argv = xcalloc(na + 2, sizeof(*argv));
	argv[0] = x->command;
	for (size_t i = 0; i < na; i++) {
		argv[i + 1] = x->args[i];
	}

	int fds[2];
	int r = 0;
	if (pipe(fds) < 0) {
		r = kube_auth_exec_fail(e, "exec: %s%s", strerror(errno), "");
		goto out;
	}
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	pid_t pid;
	/* looked up first: "not found" must not depend on how posix_spawnp
	 * reports a failed exec (a child's exit 127 under some emulations) */
	int sr = kube_auth_lookup(x->command);
	if (sr == 0) {
		sr = posix_spawnp(&pid, x->command, &fa, NULL, argv, envp);
	}
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (sr != 0) {
		close(fds[0]);
		if (sr == ENOENT || sr == EACCES || sr == ENOTDIR) {
			if (x->install_hint) {
				char *hint = xstrdup(x->install_hint);
				for (char *p = hint; *p; p++) {
					if (*p == '\n' || *p == '\r' ||
					    *p == '\t') {
						*p = ' ';
					}
				}
				r = kube_auth_exec_fail(e, "exec: executable %s not "
						   "found; %s", x->command,
						   hint);
				free(hint);
			} else {
				r = kube_auth_exec_fail(e, "exec: executable %s not "
						   "found%s", x->command, "");
			}
		} else {
			r = kube_auth_exec_fail(e, "exec: %s%s", strerror(sr), "");
		}
		goto out;
	}
	char chunk[4096];
	for (;;) {
		ssize_t n = read(fds[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		if (out->len + (size_t)n <= KUBE_AUTH_MAX_EXEC_OUT) {
			buf_add(out, chunk, (size_t)n);
		}
	}
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char code[16];
		snprintf(code, sizeof(code), "%d",
			 status != -1 && WIFEXITED(status)
				 ? WEXITSTATUS(status) : -1);
		r = kube_auth_exec_fail(e, "exec: executable %s failed with exit "
				   "code %s", x->command, code);
	}
out:
	free(info);
	free(envp);
	free(argv);
	return r;
}

static int
kube_auth_exec_run(struct kube_auth *c, struct pd_err *e)
{
	struct kube_auth_exec *st = c->exec;
	const struct kube_exec *x = &st->cfg;
	if (x->interactive_mode && strcmp(x->interactive_mode, "Always") == 0) {
		return kube_auth_exec_fail(e, "exec plugin cannot support "
				      "interactive mode: standard input is "
				      "not a terminal%s%s", "", "");
	}
	struct buf out = BUF_INIT;
	int r = kube_auth_exec_spawn(st, &out, e);
	if (r < 0) {
		buf_release(&out);
		return r;
	}
	/* the output is a secret: it never reaches a message */
	cJSON *j = json_parse(out.buf, out.len, NULL);
	buf_release(&out);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return kube_auth_exec_fail(e, "decoding stdout: %s%s",
				      "invalid JSON", "");
	}
	const char *av = json_str(j, "apiVersion");
	const char *kind = json_str(j, "kind");
	if (!av || !*av) {
		cJSON_Delete(j);
		return kube_auth_exec_fail(e, "decoding stdout: Object 'apiVersion' "
				      "is missing%s%s", "", "");
	}
	if (strcmp(av, x->api_version) != 0) {
		r = kube_auth_exec_fail(e, "exec plugin is configured to use API "
				   "version %s, plugin returned version %s",
				   x->api_version, av);
		cJSON_Delete(j);
		return r;
	}
	if (!kind || strcmp(kind, "ExecCredential") != 0) {
		r = kube_auth_exec_fail(e, "decoding stdout: no kind \"%s\" is "
				   "registered for version \"%s\"",
				   kind ? kind : "", av);
		cJSON_Delete(j);
		return r;
	}
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(j, "status");
	if (!cJSON_IsObject(status)) {
		cJSON_Delete(j);
		return kube_auth_exec_fail(e, "exec plugin didn't return a status "
				      "field%s%s", "", "");
	}
	const char *tok = json_str(status, "token");
	const char *cert = json_str(status, "clientCertificateData");
	const char *key = json_str(status, "clientKeyData");
	bool ht = tok && *tok, hc = cert && *cert, hk = key && *key;
	if (!ht && !hc && !hk) {
		cJSON_Delete(j);
		return kube_auth_exec_fail(e, "exec plugin didn't return a token or "
				      "cert/key pair%s%s", "", "");
	}
	if (hc != hk) {
		cJSON_Delete(j);
		return kube_auth_exec_fail(e, "exec plugin returned only "
				      "certificate or key, not both%s%s", "",
				      "");
	}
	time_t exp = 0;
	const char *ts = json_str(status, "expirationTimestamp");
	if (ts && *ts) {
		exp = kube_auth_parse_time(ts);
		if (exp == (time_t)-1) {
			cJSON_Delete(j);
			return kube_auth_exec_fail(e, "decoding stdout: invalid "
					      "expirationTimestamp%s%s", "",
					      "");
		}
	}
	free(st->token);
	st->token = ht ? xstrdup(tok) : NULL;
	buf_reset(&st->cert);
	buf_reset(&st->key);
	if (hc) {
		buf_adds(&st->cert, cert);
		buf_adds(&st->key, key);
	}
	st->exp = exp;
	st->valid = true;
	st->gen++;
	cJSON_Delete(j);
	return 0;
}

struct kube_auth *
kube_auth_new(const struct kube_config *cfg)
{
	struct kube_auth *a = xcalloc(1, sizeof(*a));
	buf_init(&a->cert, 0);
	buf_init(&a->key, 0);
	a->tls = cfg->tls;
	if (!a->tls) {
		return a;
	}
	buf_add(&a->cert, cfg->client_cert_pem.buf, cfg->client_cert_pem.len);
	buf_add(&a->key, cfg->client_key_pem.buf, cfg->client_key_pem.len);
	a->token = cfg->token && *cfg->token ? xstrdup(cfg->token) : NULL;
	a->token_file = kube_auth_strdup0(cfg->token_file);
	if (cfg->username || cfg->password) {
		a->userpwd = xasprintf("%s:%s",
				       cfg->username ? cfg->username : "",
				       cfg->password ? cfg->password : "");
	}
	if (cfg->exec) {
		struct kube_auth_exec *st = xcalloc(1, sizeof(*st));
		buf_init(&st->cert, 0);
		buf_init(&st->key, 0);
		const struct kube_exec *x = cfg->exec;
		st->cfg.api_version = xstrdup(x->api_version ? x->api_version
							     : KUBE_AUTH_EXEC_V1);
		st->cfg.command = xstrdup(x->command ? x->command : "");
		st->cfg.args = kube_auth_strv_dup(x->args);
		st->cfg.env = kube_auth_strv_dup(x->env);
		st->cfg.interactive_mode = kube_auth_strdup0(x->interactive_mode);
		st->cfg.provide_cluster_info = x->provide_cluster_info;
		st->cfg.install_hint = kube_auth_strdup0(x->install_hint);
		st->cfg.cluster_config = kube_auth_strdup0(x->cluster_config);
		st->info = kube_auth_exec_info(cfg, &st->cfg);
		a->exec = st;
	}
	if (cfg->as && *cfg->as) {
		size_t ng = 0;
		while (cfg->as_groups && cfg->as_groups[ng]) {
			ng++;
		}
		a->imp = xcalloc(ng + 2, sizeof(*a->imp));
		a->imp[a->nimp++] = xasprintf("Impersonate-User: %s", cfg->as);
		if (cfg->as_uid && *cfg->as_uid) {
			a->imp[a->nimp++] = xasprintf("Impersonate-Uid: %s",
						      cfg->as_uid);
		}
		for (size_t i = 0; i < ng; i++) {
			a->imp[a->nimp++] = xasprintf("Impersonate-Group: %s",
						      cfg->as_groups[i]);
		}
	}
	return a;
}

void
kube_auth_free(struct kube_auth *a)
{
	if (!a) {
		return;
	}
	free(a->token);
	free(a->token_file);
	free(a->file_token);
	free(a->userpwd);
	buf_release(&a->cert);
	buf_release(&a->key);
	if (a->exec) {
		struct kube_auth_exec *st = a->exec;
		free(st->cfg.api_version);
		free(st->cfg.command);
		kube_auth_strv_free(st->cfg.args);
		kube_auth_strv_free(st->cfg.env);
		free(st->cfg.interactive_mode);
		free(st->cfg.install_hint);
		free(st->cfg.cluster_config);
		free(st->info);
		free(st->token);
		buf_release(&st->cert);
		buf_release(&st->key);
		free(st);
	}
	for (size_t i = 0; i < a->nimp; i++) {
		free(a->imp[i]);
	}
	free(a->imp);
	free(a);
}

int
kube_auth_get(struct kube_auth *c, struct kube_auth_cred *a,
	      struct pd_err *e)
{
	memset(a, 0, sizeof(*a));
	if (!c->tls) {
		return 0; /* never over plain http */
	}
	a->headers = c->imp;
	a->nheaders = c->nimp;
	if (c->token_file) {
		int r = kube_auth_token_file(c, &a->bearer, e);
		if (r < 0) {
			return r;
		}
	} else if (c->token) {
		a->bearer = c->token;
	}
	if (!a->bearer && c->userpwd) {
		a->userpwd = c->userpwd;
	}
	if (c->cert.len && c->key.len) {
		a->cert = &c->cert;
		a->key = &c->key;
	}
	if (!a->bearer && !a->userpwd && !a->cert && c->exec) {
		struct kube_auth_exec *st = c->exec;
		bool fresh = st->valid &&
			     (st->exp == 0 || time(NULL) <= st->exp);
		if (!fresh) {
			int r = kube_auth_exec_run(c, e);
			if (r < 0) {
				return r;
			}
		}
		a->bearer = st->token;
		if (st->cert.len && st->key.len) {
			a->cert = &st->cert;
			a->key = &st->key;
		}
		a->exec_used = true;
		a->exec_gen = st->gen;
	}
	return 0;
}

void
kube_auth_expire(struct kube_auth *a, unsigned gen)
{
	if (a->exec && a->exec->gen == gen) {
		a->exec->valid = false;
	}
}
