/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for src/proxy.c: the proxy decision as client-go and Go's
 * golang.org/x/net/http/httpproxy make it (cases after httpproxy's own
 * proxy_test.go and net/http's UseProxyTests).
 */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "proxy.h"

struct proxy_case {
	const char *url;
	const char *proxy_url;  /* the kubeconfig's */
	const char *http;       /* HTTP_PROXY (effective) */
	const char *https;      /* HTTPS_PROXY (effective) */
	const char *no;         /* NO_PROXY */
	const char *want;       /* NULL: direct */
};

#define HP "http://hp:3128"
#define SP "http://sp:3128"

static const struct proxy_case cases[] = {
	/* which variable */
	{ "https://api.example:6443", NULL, HP, SP, NULL, SP },
	{ "http://api.example:8080", NULL, HP, SP, NULL, HP },
	{ "https://api.example", NULL, HP, NULL, NULL, NULL },
	{ "http://api.example", NULL, NULL, SP, NULL, NULL },
	{ "https://api.example", NULL, NULL, NULL, NULL, NULL },
	{ "https://api.example", NULL, NULL, "", NULL, NULL },
	/* values without a scheme are http:// */
	{ "https://api.example", NULL, NULL, "sp:3128", NULL, SP },
	{ "https://api.example", NULL, NULL, "10.0.0.1:3128", NULL,
	  "http://10.0.0.1:3128" },
	{ "https://api.example", NULL, NULL, "socks5://s:1080", NULL,
	  "socks5://s:1080" },
	{ "https://api.example", NULL, NULL, "https://u:pw@sp:443", NULL,
	  "https://u:pw@sp:443" },
	/* never localhost or loopback */
	{ "https://localhost:6443", NULL, HP, SP, NULL, NULL },
	{ "https://127.0.0.1:6443", NULL, HP, SP, NULL, NULL },
	{ "http://127.0.0.2", NULL, HP, SP, NULL, NULL },
	{ "https://[::1]:6443", NULL, HP, SP, NULL, NULL },
	{ "https://[::2]:6443", NULL, HP, SP, NULL, SP },
	{ "https://local.localhost", NULL, HP, SP, NULL, SP },
	{ "https://localhost.net", NULL, HP, SP, NULL, SP },
	/* the kubeconfig's proxy-url wins, loopback and NO_PROXY included */
	{ "https://127.0.0.1:6443", "http://kp:3128", HP, SP, "*",
	  "http://kp:3128" },
	{ "https://api.example", "socks5://kp:1080", NULL, NULL, NULL,
	  "socks5://kp:1080" },
	{ "http://api.example", "", HP, SP, NULL, HP },
	/* NO_PROXY: names and domains */
	{ "https://api.example.com", NULL, HP, SP, "example.com", NULL },
	{ "https://example.com", NULL, HP, SP, "example.com", NULL },
	{ "https://api.example.com", NULL, HP, SP, ".example.com", NULL },
	{ "https://example.com", NULL, HP, SP, ".example.com", SP },
	{ "https://a.b.example.com", NULL, HP, SP, "*.example.com", NULL },
	{ "https://example.com", NULL, HP, SP, "*.example.com", SP },
	{ "https://notexample.com", NULL, HP, SP, "example.com", SP },
	{ "https://API.Example.COM", NULL, HP, SP, "example.com", NULL },
	{ "https://api.example.com", NULL, HP, SP, " EXAMPLE.com ", NULL },
	{ "https://barbaz.net", NULL, HP, SP, "foobar.com, .barbaz.net",
	  SP },
	{ "https://www.barbaz.net", NULL, HP, SP, "foobar.com, .barbaz.net",
	  NULL },
	{ "https://foofoobar.com", NULL, HP, SP, "foobar.com", SP },
	/* ports */
	{ "https://example.com", NULL, HP, SP, "example.com:443", NULL },
	{ "https://example.com:6443", NULL, HP, SP, "example.com:443", SP },
	{ "https://example.com:6443", NULL, HP, SP, "example.com:6443", NULL },
	{ "http://example.com", NULL, HP, SP, "example.com:80", NULL },
	/* IPs and CIDRs */
	{ "https://10.1.2.3:6443", NULL, HP, SP, "10.1.2.3", NULL },
	{ "https://10.1.2.3:6443", NULL, HP, SP, "10.1.2.4", SP },
	{ "https://10.1.2.3:6443", NULL, HP, SP, "10.1.2.3:6443", NULL },
	{ "https://10.1.2.3:6443", NULL, HP, SP, "10.1.2.3:443", SP },
	{ "https://10.1.2.3:6443", NULL, HP, SP, "10.0.0.0/8", NULL },
	{ "https://11.1.2.3:6443", NULL, HP, SP, "10.0.0.0/8", SP },
	{ "https://10.1.2.3", NULL, HP, SP, "10.1.0.0/16,192.168.0.0/24",
	  NULL },
	{ "https://[2001:db8::5]:6443", NULL, HP, SP, "2001:db8::/32", NULL },
	{ "https://[2001:db9::5]:6443", NULL, HP, SP, "2001:db8::/32", SP },
	{ "https://[2001:db8::5]:6443", NULL, HP, SP, "[2001:db8::5]:6443",
	  NULL },
	{ "https://[2001:db8::5]", NULL, HP, SP, "2001:db8::5", NULL },
	{ "https://10.1.2.3", NULL, HP, SP, "2001:db8::/32", SP },
	/* a name entry is a suffix of the host's text, IP or not */
	{ "https://10.1.2.3", NULL, HP, SP, "2.3", NULL },
	{ "https://api.example", NULL, HP, SP, "10.0.0.0/8", SP },
	/* "*" alone: nothing is proxied; as a part of a name it is not */
	{ "https://api.example", NULL, HP, SP, "*", NULL },
	{ "https://api.example", NULL, HP, SP, "foo.com,*", NULL },
	{ "https://api.example", NULL, HP, SP, "*example", SP },
	/* malformed entries are ignored */
	{ "https://api.example", NULL, HP, SP, ",,:80, ,", SP },
};

int
main(void)
{
	struct proxy_env env;
	size_t n = sizeof(cases) / sizeof(cases[0]);
	ok(n >= 25, "at least 25 cases (%zu)", n);
	for (size_t i = 0; i < n; i++) {
		const struct proxy_case *c = &cases[i];
		memset(&env, 0, sizeof(env));
		env.http_proxy = c->http;
		env.https_proxy = c->https;
		env.no_proxy = c->no;
		struct pd_err e = { 0 };
		char *got = NULL;
		int r = proxy_for_url(c->url, c->proxy_url, &env, &got, &e);
		ok(r == 0 && (got && c->want ? strcmp(got, c->want) == 0
					     : got == c->want),
		   "%s proxy-url=%s HTTP=%s HTTPS=%s NO=%s -> %s (got %s)",
		   c->url, c->proxy_url ? c->proxy_url : "-",
		   c->http ? c->http : "-", c->https ? c->https : "-",
		   c->no ? c->no : "-", c->want ? c->want : "direct",
		   got ? got : "direct");
		free(got);
	}

	/* CGI: an applicable HTTP_PROXY is an error, HTTPS_PROXY is not */
	memset(&env, 0, sizeof(env));
	env.http_proxy = HP;
	env.https_proxy = SP;
	env.cgi = true;
	struct pd_err e = { 0 };
	char *got = NULL;
	int r = proxy_for_url("http://api.example", NULL, &env, &got, &e);
	is_int(r, -PD_ERUNTIME, "CGI refuses HTTP_PROXY");
	is_str(e.msg, "refusing to use HTTP_PROXY value in CGI environment; "
	       "see golang.org/s/cgihttpproxy", "CGI message");
	ok(got == NULL, "no proxy then");
	r = proxy_for_url("https://api.example", NULL, &env, &got, &e);
	ok(r == 0 && got && strcmp(got, SP) == 0, "CGI keeps HTTPS_PROXY");
	free(got);
	r = proxy_for_url("http://127.0.0.1", "http://kp:1", &env, &got, &e);
	ok(r == 0 && got && strcmp(got, "http://kp:1") == 0,
	   "CGI does not affect proxy-url");
	free(got);

	/* the environment: upper case wins unless empty */
	setenv("HTTPS_PROXY", "http://upper:1", 1);
	setenv("https_proxy", "http://lower:1", 1);
	setenv("HTTP_PROXY", "", 1);
	setenv("http_proxy", "http://lower:2", 1);
	unsetenv("NO_PROXY");
	setenv("no_proxy", ".svc", 1);
	unsetenv("REQUEST_METHOD");
	proxy_env_read(&env);
	is_str(env.https_proxy, "http://upper:1", "HTTPS_PROXY over "
	       "https_proxy");
	is_str(env.http_proxy, "http://lower:2", "an empty HTTP_PROXY gives "
	       "way to http_proxy");
	is_str(env.no_proxy, ".svc", "no_proxy when NO_PROXY is unset");
	ok(!env.cgi, "not CGI without REQUEST_METHOD");
	setenv("REQUEST_METHOD", "GET", 1);
	proxy_env_read(&env);
	ok(env.cgi, "CGI with REQUEST_METHOD");

	/* messages and libcurl */
	char *s = proxy_display("http://user:secret@proxy.example:3128");
	is_str(s, "http://proxy.example:3128", "display drops credentials");
	free(s);
	s = proxy_display("http://proxy.example:3128/x@y");
	is_str(s, "http://proxy.example:3128/x@y", "an @ in the path stays");
	free(s);
	s = proxy_curl_url("socks5://u:p@s:1080");
	is_str(s, "socks5h://u:p@s:1080", "socks5 resolves at the proxy");
	free(s);
	s = proxy_curl_url("https://p:443");
	is_str(s, "https://p:443", "https proxies unchanged");
	free(s);
	return done_testing();
}
