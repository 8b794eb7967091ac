/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kubeconfig: the connection settings a Kubernetes client uses, resolved as
 * client-go resolves them: --kubeconfig (that file only), else every file of
 * $KUBECONFIG (':'-separated, missing files skipped, first definition of a
 * name or of current-context wins, as a whole entry), else ~/.kube/config,
 * else the in-cluster service account; then kubectl's connection flags
 * override. Relative paths resolve against the file that names them.
 * Credentials (token, tokenFile, client certificate, basic auth, exec
 * plugin) and the server-identity fields (CA, insecure, tls-server-name)
 * apply only to https servers, as client-go does. The namespace comes from
 * -n, else the context, else the in-cluster namespace, else "default".
 *
 * struct kube_config owns all its strings and buffers; kubeconfig_release()
 * frees them (safe on a zeroed struct). The loader never prints; errors name
 * the file and, for YAML errors, FILE:LINE:COL. No error text ever contains
 * a token, password or key.
 */
#ifndef PD_KUBECONFIG_H
#define PD_KUBECONFIG_H

#include <stdbool.h>

#include "buf.h"
#include "err.h"

/* kubectl's connection flags as given on the command line (NULL = unset). */
struct kube_flags {
	const char *kubeconfig;
	const char *context;
	const char *cluster;
	const char *user;
	const char *namespace;
	const char *server;
	const char *token;
	const char *certificate_authority;
	const char *client_certificate;
	const char *client_key;
	const char *tls_server_name;
	const char *request_timeout;  /* Go duration or bare seconds, "0" = none */
	const char *as;
	const char *as_uid;
	const char *const *as_groups; /* n_as_groups of them, borrowed */
	int n_as_groups;
	int insecure_skip_tls_verify; /* -1 unset, 0 false, 1 true */
	bool disable_compression;
};

/* An exec credential plugin (client.authentication.k8s.io v1 or v1beta1). */
struct kube_exec {
	char *api_version;
	char *command;        /* resolved: absolute when it had a '/' */
	char **args;          /* NULL-terminated */
	char **env;           /* "NAME=value", NULL-terminated */
	char *interactive_mode;
	bool provide_cluster_info;
	char *install_hint;
	char *cluster_config; /* JSON of the cluster's exec extension, or NULL */
};

struct kube_config {
	char *server;            /* scheme://host[:port][/path] */
	char *context;           /* context name used, or NULL */
	char *cluster_name;
	char *user_name;
	char *namespace;
	bool namespace_explicit; /* from -n or the context */
	bool tls;                /* server is https */
	/* server identity (https only) */
	struct buf ca_pem;       /* empty: system roots */
	char *ca_file;           /* for messages */
	bool insecure;
	char *tls_server_name;
	char *proxy_url;
	bool disable_compression;
	/* credentials (https only) */
	char *token;
	char *token_file;
	char *username;
	char *password;
	struct buf client_cert_pem;
	struct buf client_key_pem;
	struct kube_exec *exec;  /* NULL when none */
	/* impersonation */
	char *as;
	char *as_uid;
	char **as_groups;        /* NULL-terminated, or NULL */
	long timeout_ms;         /* per request; 0 = none */
	char *source;            /* "file1:file2", "in-cluster" or "flags" */
};

/*
 * Resolve the configuration. Environment: KUBECONFIG, HOME,
 * KUBERNETES_SERVICE_HOST/PORT, POD_NAMESPACE, and PDKIT_SA_DIR (the
 * service-account directory, default
 * /var/run/secrets/kubernetes.io/serviceaccount; for tests). Returns 0, or
 * a negative PD_E* with e filled: PD_EINVALID for a malformed file or
 * value (exit 8), PD_EUSAGE for a bad flag value, PD_ENOTFOUND for an
 * unknown context, an explicit --kubeconfig that does not exist, or no
 * configuration at all.
 */
int kubeconfig_load(struct kube_config *cfg, const struct kube_flags *f,
		    struct pd_err *e);
void kubeconfig_release(struct kube_config *cfg);

/*
 * Parse a Go duration ("30s", "5m", "1h30m", "1.5s", "300ms"; "0" alone is
 * zero) into milliseconds. A bare number other than 0 is an error
 * (-PD_EUSAGE), as are negative values and unknown units.
 */
/* The names of the contexts the kubeconfig files define, merged as above
 * (first definition wins), in file order: a NULL-terminated array the
 * caller frees with kubeconfig_strv_free. 0 or -PD_E*. */
int kubeconfig_context_names(const struct kube_flags *f, char ***names,
			     struct pd_err *e);
/* Free a NULL-terminated array of strings (NULL is fine). */
void kubeconfig_strv_free(char **v);
int kubeconfig_parse_duration(const char *s, long long *ms, struct pd_err *e);

#endif
