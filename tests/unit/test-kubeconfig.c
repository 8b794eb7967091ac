/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for src/kubeconfig.c: file selection and merging, relative
 * paths, flag overrides, credentials over http, CA handling, validation
 * texts, in-cluster configuration and Go durations. Fixtures live in
 * tests/unit/data/kubeconfig/ (found from this file's path); scratch files
 * go to a temporary directory that is removed at the end.
 */
#include <errno.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "kubeconfig.h"

static char data_dir[PATH_MAX];
static char tmp_dir[PATH_MAX];
static char home_dir[PATH_MAX + 16];

static void
test_find_data(void)
{
	const char *src = __FILE__;
	char guess[PATH_MAX * 3];
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", src);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
	} else {
		snprintf(dir, sizeof(dir), ".");
	}
	if (dir[0] == '/') {
		snprintf(guess, sizeof(guess), "%s/data/kubeconfig", dir);
	} else {
		/* meson compiles from the build root: the executable is in
		 * BUILD/tests/, and __FILE__ is relative to BUILD */
		char exe[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n < 0) {
			n = 0;
		}
		exe[n] = '\0';
		for (int i = 0; i < 2; i++) {
			char *s = strrchr(exe, '/');
			if (s) {
				*s = '\0';
			}
		}
		snprintf(guess, sizeof(guess), "%s/%s/data/kubeconfig", exe,
			 dir);
	}
	if (!realpath(guess, data_dir)) {
		size_t n = strlen(guess);
		if (n >= sizeof(data_dir)) {
			n = sizeof(data_dir) - 1;
		}
		memcpy(data_dir, guess, n);
		data_dir[n] = '\0';
	}
}

static void
test_rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		if (d) {
			struct dirent *de;
			for (de = readdir(d); de; de = readdir(d)) {
				if (strcmp(de->d_name, ".") == 0 ||
				    strcmp(de->d_name, "..") == 0) {
					continue;
				}
				char sub[PATH_MAX * 2];
				snprintf(sub, sizeof(sub), "%s/%s", path,
					 de->d_name);
				test_rm_rf(sub);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

static void
test_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static char *
test_path(const char *rel)
{
	static char bufs[8][PATH_MAX * 2];
	static int k;
	char *b = bufs[k++ % 8];
	snprintf(b, PATH_MAX * 2, "%s/%s", data_dir, rel);
	return b;
}

/* A clean environment: no KUBECONFIG, an empty HOME, no in-cluster. */
static void
test_env(void)
{
	unsetenv("KUBECONFIG");
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	unsetenv("POD_NAMESPACE");
	unsetenv("PDKIT_SA_DIR");
	setenv("HOME", home_dir, 1);
}

static int
load(struct kube_config *cfg, const struct kube_flags *f, struct pd_err *e)
{
	memset(e, 0, sizeof(*e));
	return kubeconfig_load(cfg, f, e);
}

static struct kube_flags
flags0(void)
{
	struct kube_flags f;
	memset(&f, 0, sizeof(f));
	f.insecure_skip_tls_verify = -1;
	return f;
}

static void
test_merge(void)
{
	struct kube_config cfg;
	struct pd_err e;
	struct kube_flags f = flags0();
	char list[PATH_MAX * 4];

	test_env();
	snprintf(list, sizeof(list), "%s:%s", test_path("merge-a.yaml"),
		 test_path("sub/merge-b.yaml"));
	setenv("KUBECONFIG", list, 1);
	int r = load(&cfg, &f, &e);
	is_int(r, 0, "KUBECONFIG a:b loads");
	is_str(cfg.context, "ctx-b", "current-context from the first file "
	       "that sets it");
	is_str(cfg.server, "https://c2.example", "server (trailing slash "
	       "dropped)");
	ok(cfg.tls, "https is tls");
	is_str(cfg.ca_file, test_path("ca-b.crt"),
	       "relative CA resolved against the defining file");
	ok(strstr(cfg.ca_pem.buf, "CA-B") != NULL, "CA file read");
	is_str(cfg.token_file, test_path("sub/token.txt"),
	       "relative tokenFile resolved against the defining file");
	is_str(cfg.token, "fallback", "token kept as the fallback");
	is_str(cfg.tls_server_name, "api.internal", "tls-server-name");
	is_str(cfg.namespace, "default", "namespace defaults to default");
	ok(!cfg.namespace_explicit, "default namespace is not explicit");
	is_str(cfg.source, list, "source lists the files loaded");
	kubeconfig_release(&cfg);

	f.context = "ctx-a1";
	r = load(&cfg, &f, &e);
	is_int(r, 0, "--context ctx-a1");
	is_str(cfg.server, "https://a.example:6443",
	       "first definition of c1 wins");
	ok(!cfg.insecure, "the later c1's fields are dropped whole");
	is_str(cfg.token, "tok-a", "first definition of u1 wins");
	ok(cfg.as == NULL, "the later u1's 'as' is dropped whole");
	is_str(cfg.ca_file, test_path("ca-a.crt"), "c1's CA from merge-a");
	kubeconfig_release(&cfg);

	f = flags0();
	snprintf(list, sizeof(list), "%s:%s:%s", test_path("merge-a.yaml"),
		 test_path("merge-c.yaml"), test_path("sub/merge-b.yaml"));
	setenv("KUBECONFIG", list, 1);
	r = load(&cfg, &f, &e);
	is_int(r, 0, "KUBECONFIG a:c:b");
	is_str(cfg.context, "ctx-a", "c's current-context comes before b's");
	is_str(cfg.namespace, "ns-a", "context namespace");
	ok(cfg.namespace_explicit, "context namespace is explicit");
	kubeconfig_release(&cfg);

	snprintf(list, sizeof(list), "%s/missing.yaml::%s:%s", tmp_dir,
		 test_path("merge-a.yaml"), test_path("merge-a.yaml"));
	setenv("KUBECONFIG", list, 1);
	f.context = "ctx-a";
	r = load(&cfg, &f, &e);
	is_int(r, 0, "missing files and empty entries are skipped");
	is_str(cfg.source, test_path("merge-a.yaml"),
	       "duplicates are read once");
	kubeconfig_release(&cfg);

	/* --kubeconfig: that file only, even with KUBECONFIG set */
	f = flags0();
	f.kubeconfig = test_path("sub/merge-b.yaml");
	f.context = "ctx-a";
	r = load(&cfg, &f, &e);
	is_int(r, -PD_ENOTFOUND, "--kubeconfig ignores KUBECONFIG");
	is_str(e.msg, "context was not found for specified context: ctx-a",
	       "unknown context text");
	kubeconfig_release(&cfg);

	f = flags0();
	f.kubeconfig = test_path("nope.yaml");
	r = load(&cfg, &f, &e);
	is_int(r, -PD_ENOTFOUND, "a missing --kubeconfig is an error");
	char want[PATH_MAX * 3];
	snprintf(want, sizeof(want), "stat %s: no such file or directory",
		 test_path("nope.yaml"));
	is_str(e.msg, want, "missing --kubeconfig text");

	/* overrides */
	f = flags0();
	f.kubeconfig = test_path("sub/merge-b.yaml");
	f.cluster = "c1";
	f.user = "u1";
	f.namespace = "flag-ns";
	r = load(&cfg, &f, &e);
	is_int(r, 0, "--cluster/--user/-n");
	is_str(cfg.server, "https://b.example:6443", "--cluster c1");
	ok(cfg.insecure, "c1 of merge-b is insecure");
	is_str(cfg.token, "tok-b", "--user u1");
	is_str(cfg.as, "someone", "impersonation from the user");
	is_str(cfg.namespace, "flag-ns", "-n wins");
	ok(cfg.namespace_explicit, "-n is explicit");
	ok(cfg.tls_server_name == NULL, "c1 has no tls-server-name");
	kubeconfig_release(&cfg);

	f = flags0();
	f.kubeconfig = test_path("sub/merge-b.yaml");
	f.server = "https://other.example:7443";
	f.token = "flag-token";
	r = load(&cfg, &f, &e);
	is_int(r, 0, "--server/--token");
	is_str(cfg.server, "https://other.example:7443", "--server wins");
	ok(cfg.tls_server_name == NULL,
	   "--server clears the kubeconfig's tls-server-name");
	is_str(cfg.token, "flag-token", "--token replaces the user's token");
	/* kubectl 1.32: the user's tokenFile still wins once it can be read
	 * (client-go's NewBearerAuthWithRefreshRoundTripper); --token is
	 * the fallback */
	is_str(cfg.token_file, test_path("sub/token.txt"),
	       "--token keeps the user's tokenFile");
	kubeconfig_release(&cfg);

	/* ~/.kube/config when KUBECONFIG is unset */
	test_env();
	char kdir[PATH_MAX + 32], kfile[PATH_MAX + 64];
	snprintf(kdir, sizeof(kdir), "%s/.kube", home_dir);
	mkdir(kdir, 0700);
	snprintf(kfile, sizeof(kfile), "%s/config", kdir);
	test_write(kfile, "current-context: h\nclusters:\n- name: h\n  "
		   "cluster: {server: 'http://127.0.0.1:1'}\ncontexts:\n"
		   "- name: h\n  context: {cluster: h, user: none}\n");
	f = flags0();
	r = load(&cfg, &f, &e);
	is_int(r, 0, "~/.kube/config is the default");
	is_str(cfg.server, "http://127.0.0.1:1", "server from ~/.kube/config");
	is_str(cfg.source, kfile, "source is ~/.kube/config");
	kubeconfig_release(&cfg);
	remove(kfile);
	rmdir(kdir);

	r = load(&cfg, &f, &e);
	is_int(r, -PD_ENOTFOUND, "no configuration at all");
	ok(strstr(e.msg, "no configuration has been provided") != NULL,
	   "no configuration text");
}

static void
test_tls(void)
{
	struct kube_config cfg;
	struct pd_err e;
	struct kube_flags f = flags0();
	test_env();

	f.kubeconfig = test_path("http.yaml");
	int r = load(&cfg, &f, &e);
	is_int(r, 0, "http config loads");
	ok(!cfg.tls, "http is not tls");
	ok(cfg.token == NULL, "no token over http");
	ok(cfg.client_cert_pem.len == 0 && cfg.client_key_pem.len == 0,
	   "no client certificate over http");
	ok(cfg.ca_pem.len == 0, "no CA over http");
	ok(cfg.as == NULL, "no impersonation over http");
	kubeconfig_release(&cfg);

	f.kubeconfig = test_path("tls.yaml");
	r = load(&cfg, &f, &e);
	is_int(r, 0, "tls.yaml loads");
	is_str(cfg.ca_pem.buf, "-----BEGIN CERTIFICATE-----\nCA-DATA\n"
	       "-----END CERTIFICATE-----\n", "CA data is base64-decoded");
	ok(cfg.ca_file == NULL, "CA data has no file");
	is_str(cfg.proxy_url, "socks5://127.0.0.1:1080", "proxy-url");
	ok(strstr(cfg.client_cert_pem.buf, "CLIENT") != NULL,
	   "client-certificate-data");
	ok(strstr(cfg.client_key_pem.buf, "PRIVATE KEY") != NULL,
	   "client-key-data");
	kubeconfig_release(&cfg);

	f.insecure_skip_tls_verify = 1;
	r = load(&cfg, &f, &e);
	is_int(r, 0, "--insecure-skip-tls-verify");
	ok(cfg.insecure, "insecure set");
	ok(cfg.ca_pem.len == 0, "--insecure-skip-tls-verify clears the CA");
	kubeconfig_release(&cfg);

	f.insecure_skip_tls_verify = -1;
	f.certificate_authority = test_path("ca-a.crt");
	r = load(&cfg, &f, &e);
	is_int(r, 0, "--certificate-authority");
	ok(strstr(cfg.ca_pem.buf, "CA-A") != NULL, "the flag's CA replaces "
	   "the data");
	is_str(cfg.ca_file, test_path("ca-a.crt"), "ca_file from the flag");
	kubeconfig_release(&cfg);

	f = flags0();
	f.kubeconfig = test_path("tls.yaml");
	f.cluster = "both";
	r = load(&cfg, &f, &e);
	is_int(r, -PD_EINVALID, "CA data and file both set");
	is_str(e.msg, "certificate-authority-data and certificate-authority "
	       "are both specified for both. certificate-authority-data will "
	       "override", "client-go's text");

	f.cluster = "insecure-ca";
	r = load(&cfg, &f, &e);
	is_int(r, -PD_EINVALID, "CA with insecure");
	is_str(e.msg, "specifying a root certificates file with the insecure "
	       "flag is not allowed", "insecure with CA text");

	f.insecure_skip_tls_verify = 1;
	r = load(&cfg, &f, &e);
	is_int(r, 0, "--insecure-skip-tls-verify clears a CA file too");
	kubeconfig_release(&cfg);
	f.insecure_skip_tls_verify = -1;

	f.cluster = "ftp-proxy";
	r = load(&cfg, &f, &e);
	is_int(r, -PD_EINVALID, "ftp proxy refused");
	ok(strncmp(e.msg, "invalid 'proxy-url' \"ftp://proxy:21\" for cluster "
		   "\"ftp-proxy\"", 52) == 0, "proxy text");

	f.cluster = "noscheme";
	r = load(&cfg, &f, &e);
	is_int(r, 0, "server without a scheme");
	is_str(cfg.server, "https://127.0.0.1:6443",
	       "https assumed when a CA is set");
	kubeconfig_release(&cfg);

	f.cluster = "missing-ca";
	r = load(&cfg, &f, &e);
	is_int(r, -PD_EINVALID, "unreadable CA file");
	char want[PATH_MAX * 3];
	snprintf(want, sizeof(want), "unable to read certificate-authority "
		 "%s for missing-ca due to open %s: no such file or directory",
		 test_path("nope/ca.crt"), test_path("nope/ca.crt"));
	is_str(e.msg, want, "unreadable CA text names the resolved path");

	f.cluster = "noserver";
	r = load(&cfg, &f, &e);
	is_int(r, -PD_EINVALID, "cluster without a server");
	is_str(e.msg, "no server found for cluster \"noserver\"",
	       "no server text");

	f = flags0();
	f.kubeconfig = test_path("tls.yaml");
	f.context = "dangling";
	r = load(&cfg, &f, &e);
	is_int(r, -PD_ENOTFOUND, "context naming a missing cluster");
	is_str(e.msg, "cluster \"nowhere\" was not found for context "
	       "\"dangling\"", "missing cluster text");

	f = flags0();
	f.kubeconfig = test_path("tls.yaml");
	f.user = "cert-no-key";
	r = load(&cfg, &f, &e);
	is_int(r, -PD_EINVALID, "client cert without key");
	is_str(e.msg, "client-key-data or client-key must be specified for "
	       "cert-no-key to use the clientCert authentication method",
	       "cert without key text");

	f.user = "token-basic";
	r = load(&cfg, &f, &e);
	is_int(r, -PD_EINVALID, "token and basic auth");
	is_str(e.msg, "more than one authentication method found for "
	       "token-basic; found [token basicAuth], only one is allowed",
	       "two methods text");

	f.user = "oidc";
	r = load(&cfg, &f, &e);
	is_int(r, -PD_EINVALID, "auth-provider refused");
	ok(strstr(e.msg, "use an exec credential plugin") != NULL,
	   "auth-provider text");

	f.user = "basic";
	r = load(&cfg, &f, &e);
	is_int(r, 0, "basic auth user");
	is_str(cfg.username, "admin", "username");
	is_str(cfg.password, "pw", "password");
	is_str(cfg.as, "bob", "as");
	is_str(cfg.as_uid, "1234", "as-uid");
	ok(cfg.as_groups && cfg.as_groups[0] && cfg.as_groups[1] &&
	   !cfg.as_groups[2] && strcmp(cfg.as_groups[1], "ops") == 0,
	   "as-groups");
	kubeconfig_release(&cfg);

	f.as = "carol";
	const char *g1[] = { "g1" };
	f.as_groups = g1;
	f.n_as_groups = 1;
	r = load(&cfg, &f, &e);
	is_int(r, 0, "--as/--as-group");
	is_str(cfg.as, "carol", "--as wins");
	ok(cfg.as_groups && strcmp(cfg.as_groups[0], "g1") == 0 &&
	   !cfg.as_groups[1], "--as-group replaces the groups");
	kubeconfig_release(&cfg);

	/* no fixed limit: 20 --as-group, all kept in order */
	const char *g20[20];
	char names[20][8];
	for (int i = 0; i < 20; i++) {
		snprintf(names[i], sizeof(names[i]), "g%d", i + 1);
		g20[i] = names[i];
	}
	f.as_groups = g20;
	f.n_as_groups = 20;
	r = load(&cfg, &f, &e);
	is_int(r, 0, "20 --as-group");
	int ng = 0;
	bool in_order = true;
	while (cfg.as_groups && cfg.as_groups[ng]) {
		if (ng < 20 && strcmp(cfg.as_groups[ng], names[ng]) != 0) {
			in_order = false;
		}
		ng++;
	}
	is_int(ng, 20, "all 20 groups kept (the 17th too)");
	ok(in_order, "in order, g1 to g20");
	kubeconfig_release(&cfg);
	f.as_groups = g1;
	f.n_as_groups = 1;

	f = flags0();
	f.kubeconfig = test_path("tls.yaml");
	f.request_timeout = "60";
	r = load(&cfg, &f, &e);
	is_int(cfg.timeout_ms, 60000, "--request-timeout 60 is seconds");
	kubeconfig_release(&cfg);
	f.request_timeout = "1m30s";
	r = load(&cfg, &f, &e);
	is_int(cfg.timeout_ms, 90000, "--request-timeout 1m30s");
	kubeconfig_release(&cfg);
	f.request_timeout = "soon";
	r = load(&cfg, &f, &e);
	is_int(r, -PD_EUSAGE, "a bad --request-timeout is a usage error");

	f = flags0();
	f.kubeconfig = test_path("bad.yaml");
	r = load(&cfg, &f, &e);
	is_int(r, -PD_EINVALID, "bad YAML");
	size_t pl = strlen(test_path("bad.yaml"));
	int line = 0, col = 0;
	ok(strncmp(e.msg, test_path("bad.yaml"), pl) == 0 &&
	   sscanf(e.msg + pl, ":%d:%d:", &line, &col) == 2 && line > 0 &&
	   col > 0, "bad YAML gives FILE:LINE:COL: (%s)", e.msg);
}

static void
test_exec(void)
{
	struct kube_config cfg;
	struct pd_err e;
	struct kube_flags f = flags0();
	test_env();

	f.kubeconfig = test_path("exec.yaml");
	int r = load(&cfg, &f, &e);
	is_int(r, 0, "exec user loads");
	ok(cfg.exec != NULL, "exec stanza");
	if (cfg.exec) {
		is_str(cfg.exec->command, test_path("bin/plugin"),
		       "relative command resolved against the file");
		ok(cfg.exec->args && strcmp(cfg.exec->args[0], "--flag") == 0 &&
		   strcmp(cfg.exec->args[1], "x") == 0 && !cfg.exec->args[2],
		   "args");
		ok(cfg.exec->env && strcmp(cfg.exec->env[0], "FOO=bar") == 0,
		   "env");
		ok(cfg.exec->provide_cluster_info, "provideClusterInfo");
		is_str(cfg.exec->install_hint, "install the plugin",
		       "installHint");
		is_str(cfg.exec->cluster_config, "{\"audience\":\"demo-aud\"}",
		       "cluster exec extension");
		is_str(cfg.exec->interactive_mode, "Never", "interactiveMode");
	}
	kubeconfig_release(&cfg);

	f.user = "v1-no-mode";
	r = load(&cfg, &f, &e);
	is_int(r, -PD_EINVALID, "v1 needs interactiveMode");
	is_str(e.msg, "interactiveMode must be specified for v1-no-mode to "
	       "use exec authentication plugin", "interactiveMode text");

	f.user = "v1beta1";
	r = load(&cfg, &f, &e);
	is_int(r, 0, "v1beta1 without interactiveMode");
	ok(cfg.exec && strcmp(cfg.exec->interactive_mode, "IfAvailable") == 0,
	   "v1beta1 defaults to IfAvailable");
	ok(cfg.exec && strcmp(cfg.exec->command, "kubelogin") == 0,
	   "a bare command stays bare (PATH lookup)");
	kubeconfig_release(&cfg);

	f.user = "v1alpha1";
	r = load(&cfg, &f, &e);
	is_int(r, -PD_EINVALID, "v1alpha1 refused");
	is_str(e.msg, "exec plugin: invalid apiVersion "
	       "\"client.authentication.k8s.io/v1alpha1\"", "apiVersion text");

	f.user = "v1";
	f.token = "tok";
	r = load(&cfg, &f, &e);
	is_int(r, 0, "--token with an exec user");
	ok(cfg.exec == NULL, "--token skips the exec plugin");
	kubeconfig_release(&cfg);
}

static void
test_incluster(void)
{
	struct kube_config cfg;
	struct pd_err e;
	struct kube_flags f = flags0();
	char sa[PATH_MAX + 8], p[PATH_MAX + 32];
	test_env();

	snprintf(sa, sizeof(sa), "%s/sa", tmp_dir);
	mkdir(sa, 0700);
	snprintf(p, sizeof(p), "%s/token", sa);
	test_write(p, "sa-token\n");
	snprintf(p, sizeof(p), "%s/ca.crt", sa);
	test_write(p, "-----BEGIN CERTIFICATE-----\nSA\n"
		   "-----END CERTIFICATE-----\n");
	snprintf(p, sizeof(p), "%s/namespace", sa);
	test_write(p, "ns-ic\n");
	setenv("PDKIT_SA_DIR", sa, 1);

	int r = load(&cfg, &f, &e);
	is_int(r, -PD_ENOTFOUND, "no in-cluster without the service env");
	setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	r = load(&cfg, &f, &e);
	is_int(r, 0, "in-cluster config");
	is_str(cfg.server, "https://10.0.0.1:443", "in-cluster server");
	is_str(cfg.source, "in-cluster", "in-cluster source");
	snprintf(p, sizeof(p), "%s/token", sa);
	is_str(cfg.token_file, p, "service-account token file");
	ok(strstr(cfg.ca_pem.buf, "SA") != NULL, "service-account CA");
	is_str(cfg.namespace, "ns-ic", "service-account namespace");
	ok(!cfg.namespace_explicit, "in-cluster namespace is not explicit");
	kubeconfig_release(&cfg);

	setenv("POD_NAMESPACE", "pod-ns", 1);
	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	r = load(&cfg, &f, &e);
	is_str(cfg.namespace, "pod-ns", "POD_NAMESPACE first");
	is_str(cfg.server, "https://[fd00::1]:443", "IPv6 host in brackets");
	kubeconfig_release(&cfg);

	f.namespace = "flag-ns";
	f.token = "flag-token";
	r = load(&cfg, &f, &e);
	is_str(cfg.namespace, "flag-ns", "-n over in-cluster");
	is_str(cfg.token, "flag-token", "--token over the SA token");
	ok(cfg.token_file == NULL, "--token drops the SA token file");
	kubeconfig_release(&cfg);

	/* a kubeconfig wins over in-cluster, but the in-cluster namespace
	 * fills in when the context sets none */
	unsetenv("POD_NAMESPACE");
	f = flags0();
	f.kubeconfig = test_path("sub/merge-b.yaml");
	r = load(&cfg, &f, &e);
	is_str(cfg.server, "https://c2.example", "kubeconfig over in-cluster");
	is_str(cfg.namespace, "ns-ic", "in-cluster namespace as a fallback");
	kubeconfig_release(&cfg);

	snprintf(p, sizeof(p), "%s/token", sa);
	remove(p);
	f = flags0();
	r = load(&cfg, &f, &e);
	is_int(r, -PD_ENOTFOUND, "no in-cluster without a token file");
	test_env();
}

static void
test_durations(void)
{
	static const struct {
		const char *s;
		long long ms;
	} good[] = {
		{ "30s", 30000 }, { "5m", 300000 }, { "1h30m", 5400000 },
		{ "1.5s", 1500 }, { "300ms", 300 }, { "0", 0 },
		{ "0.3s", 300 }, { "2h", 7200000 }, { "1m0.5s", 60500 },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		long long ms = -1;
		struct pd_err e;
		int r = kubeconfig_parse_duration(good[i].s, &ms, &e);
		ok(r == 0 && ms == good[i].ms,
		   "duration %s = %lld ms (got %lld)", good[i].s, good[i].ms,
		   ms);
	}
	static const char *bad[] = { "60", "-1s", "5x", "", "s", "1.s5" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long long ms = 0;
		struct pd_err e;
		memset(&e, 0, sizeof(e));
		int r = kubeconfig_parse_duration(bad[i], &ms, &e);
		ok(r == -PD_EUSAGE && e.msg[0], "duration '%s' refused: %s",
		   bad[i], e.msg);
	}
	struct pd_err e;
	long long ms;
	kubeconfig_parse_duration("5x", &ms, &e);
	is_str(e.msg, "time: unknown unit \"x\" in duration \"5x\"",
	       "unknown unit text");
	kubeconfig_parse_duration("60", &ms, &e);
	is_str(e.msg, "time: missing unit in duration \"60\"",
	       "missing unit text");
}

int
main(void)
{
	test_find_data();
	snprintf(tmp_dir, sizeof(tmp_dir), "%s/test-kubeconfig.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp_dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(home_dir, sizeof(home_dir), "%s/home", tmp_dir);
	mkdir(home_dir, 0700);

	struct kube_config zero;
	memset(&zero, 0, sizeof(zero));
	kubeconfig_release(&zero);
	kubeconfig_release(&zero);
	ok(zero.source == NULL && zero.exec == NULL && zero.ca_pem.len == 0 &&
	   zero.client_key_pem.len == 0,
	   "kubeconfig_release on a zeroed struct, twice: still empty");

	test_merge();
	test_tls();
	test_exec();
	test_incluster();
	test_durations();

	test_rm_rf(tmp_dir);
	return done_testing();
}
