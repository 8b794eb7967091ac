/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proxy: which proxy a request to the API server goes through, decided as
 * kubectl (client-go over Go's net/http) decides it, so that libcurl's own
 * environment handling never applies:
 *
 *  - the kubeconfig cluster's proxy-url (http, https or socks5; checked by
 *    the kubeconfig loader), when set, is used for every request, loopback
 *    included (client-go's http.ProxyURL);
 *  - otherwise golang.org/x/net/http/httpproxy's FromEnvironment rules:
 *    HTTPS_PROXY for https requests and HTTP_PROXY for http ones, the upper
 *    case name winning over the lower case one unless it is empty; a value
 *    without an http, https or socks5 scheme means "http://VALUE"; with
 *    REQUEST_METHOD set (a CGI environment) an applicable HTTP_PROXY is an
 *    error rather than used; "localhost" and loopback addresses
 *    (127.0.0.0/8, ::1) are never proxied; NO_PROXY is a comma-separated
 *    list of "*" (nothing is proxied), IP addresses and CIDRs, host names
 *    ("example.com" matches it and its subdomains, ".example.com" and
 *    "*.example.com" subdomains only), an IP or name optionally with
 *    ":PORT" ("[v6]:PORT"), compared case-insensitively; a request without
 *    a port has its scheme's (80, 443). Host names are not IDNA-converted.
 *
 * Ownership: strings returned are malloc()ed and belong to the caller;
 * struct proxy_env borrows its strings. Nothing here prints or reads the
 * environment except proxy_env_read().
 */
#ifndef PD_PROXY_H
#define PD_PROXY_H

#include <stdbool.h>

#include "err.h"

struct proxy_env {
	const char *http_proxy;  /* HTTP_PROXY, else http_proxy; NULL: unset */
	const char *https_proxy; /* HTTPS_PROXY, else https_proxy */
	const char *no_proxy;    /* NO_PROXY, else no_proxy */
	bool cgi;                /* REQUEST_METHOD is set and not empty */
};

/* Fill env from the process environment (Go's getEnvAny order). */
void proxy_env_read(struct proxy_env *env);

/*
 * The proxy for a request to url ("https://host:port/..."): proxy_url is
 * the kubeconfig's proxy-url (NULL or "" when unset), env the environment
 * (NULL: none). Returns 0 with *out the proxy URL as given (a bare
 * "host:port" from the environment gains "http://"), or NULL for a direct
 * connection; or -PD_ERUNTIME for the CGI refusal, with e filled.
 */
int proxy_for_url(const char *url, const char *proxy_url,
		  const struct proxy_env *env, char **out, struct pd_err *e);

/* The proxy URL without user information, for messages. */
char *proxy_display(const char *proxy);

/* The proxy URL for libcurl: Go's socks5 resolves names at the proxy,
 * which is libcurl's "socks5h". */
char *proxy_curl_url(const char *proxy);

#endif
