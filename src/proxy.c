/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proxy: the proxy decision of client-go and Go's httpproxy package
 * (proxyForURL, parseProxy, useProxy and the NO_PROXY matchers). See
 * proxy.h.
 */
#include "proxy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

/* An IP address as Go's net.IP compares them: IPv4 and IPv4-mapped IPv6
 * are the same address (v4 set, the address in b[12..15]). */
struct proxy_ip {
	unsigned char b[16];
	bool v4;
};

static const char *
proxy_getenv_any(const char *upper, const char *lower)
{
	const char *v = getenv(upper);
	if (v && *v) {
		return v;
	}
	v = getenv(lower);
	return v && *v ? v : NULL;
}

void
proxy_env_read(struct proxy_env *env)
{
	env->http_proxy = proxy_getenv_any("HTTP_PROXY", "http_proxy");
	env->https_proxy = proxy_getenv_any("HTTPS_PROXY", "https_proxy");
	env->no_proxy = proxy_getenv_any("NO_PROXY", "no_proxy");
	const char *rm = getenv("REQUEST_METHOD");
	env->cgi = rm && *rm;
}

/* net.ParseIP: dotted IPv4 or IPv6 (no zone). */
static bool
proxy_parse_ip(const char *s, size_t n, struct proxy_ip *ip)
{
	char *t = xstrndup(s, n);
	bool ok = true;
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, t, ip->b + 12) == 1) {
		ip->b[10] = ip->b[11] = 0xff;
		ip->v4 = true;
	} else if (strchr(t, ':') && inet_pton(AF_INET6, t, ip->b) == 1) {
		static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0,
							  0, 0, 0, 0, 0xff,
							  0xff };
		ip->v4 = memcmp(ip->b, mapped, 12) == 0;
	} else {
		ok = false;
	}
	free(t);
	return ok;
}

static bool
proxy_ip_loopback(const struct proxy_ip *ip)
{
	if (ip->v4) {
		return ip->b[12] == 127;
	}
	static const unsigned char one[16] = { [15] = 1 };
	return memcmp(ip->b, one, 16) == 0;
}

/* net.ParseCIDR's network contains ip: an IPv4 network holds IPv4 (and
 * IPv4-mapped) addresses only, an IPv6 one the others only. 0 when s is
 * not a CIDR, 1 when it contains ip, -1 when it does not. */
static int
proxy_cidr_match(const char *s, const struct proxy_ip *ip)
{
	const char *slash = strchr(s, '/');
	if (!slash || !slash[1] || strlen(slash + 1) > 3) {
		return 0;
	}
	for (const char *p = slash + 1; *p; p++) {
		if (!isdigit((unsigned char)*p)) {
			return 0;
		}
	}
	/* Go rejects a prefix length with a leading zero ("/08") */
	if (slash[1] == '0' && slash[2]) {
		return 0;
	}
	int bits = atoi(slash + 1);
	struct proxy_ip net;
	if (!proxy_parse_ip(s, (size_t)(slash - s), &net)) {
		return 0;
	}
	/* the written form decides the family: "::ffff:1.2.3.0/120" is v6 */
	bool v4form = memchr(s, ':', (size_t)(slash - s)) == NULL;
	if (bits > (v4form ? 32 : 128)) {
		return 0;
	}
	if (!ip) {
		return -1;
	}
	if (v4form != ip->v4) {
		return -1;
	}
	int off = v4form ? 12 : 0;
	for (int i = 0; i < bits; i++) {
		int byte = off + i / 8;
		unsigned char m = (unsigned char)(0x80 >> (i % 8));
		if ((net.b[byte] & m) != (ip->b[byte] & m)) {
			return -1;
		}
	}
	return 1;
}

/*
 * net.SplitHostPort: "host:port" or "[host]:port" (the port may be empty).
 * false when s has no port or is malformed.
 */
static bool
proxy_split_host_port(const char *s, char **host, char **port)
{
	const char *colon = strrchr(s, ':');
	if (!colon) {
		return false;
	}
	const char *h, *hend;
	size_t j = 0, k = 0;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end + 1 != colon) {
			return false;
		}
		h = s + 1;
		hend = end;
		j = 1;
		k = (size_t)(end - s) + 1;
	} else {
		h = s;
		hend = colon;
		if (memchr(h, ':', (size_t)(hend - h))) {
			return false; /* too many colons */
		}
	}
	if (strchr(s + j, '[') || strchr(s + k, ']')) {
		return false;
	}
	*host = xstrndup(h, (size_t)(hend - h));
	*port = xstrdup(colon + 1);
	return true;
}

static void
proxy_lower(char *s)
{
	for (; *s; s++) {
		*s = (char)tolower((unsigned char)*s);
	}
}

/* One NO_PROXY entry (lower-case, trimmed, not empty) matches the host
 * (lower-case), port and ip (NULL for a name). */
static bool
proxy_entry_match(const char *p, const char *host, const char *port,
		  const struct proxy_ip *ip)
{
	if (strcmp(p, "*") == 0) {
		return true;
	}
	int c = proxy_cidr_match(p, ip);
	if (c != 0) {
		return c > 0;
	}
	char *phost = NULL, *pport = NULL;
	if (!proxy_split_host_port(p, &phost, &pport)) {
		phost = xstrdup(p);
		pport = xstrdup("");
	} else if (!*phost) {
		free(phost);
		free(pport);
		return false; /* ":80": no host, ignored */
	}
	bool match = false;
	bool port_ok = !*pport || strcmp(pport, port) == 0;
	struct proxy_ip pip;
	if (proxy_parse_ip(phost, strlen(phost), &pip)) {
		/* an IP entry matches IP hosts only */
		if (ip) {
			bool same = pip.v4 == ip->v4 &&
				    memcmp(pip.b, ip->b, 16) == 0;
			match = same && port_ok;
		}
	} else {
		const char *d = phost;
		if (strncmp(d, "*.", 2) == 0) {
			d++;
		}
		bool match_host = d[0] != '.';
		char *dom = match_host ? xasprintf(".%s", d) : xstrdup(d);
		size_t hl = strlen(host), dl = strlen(dom);
		bool suffix = hl >= dl && strcmp(host + hl - dl, dom) == 0;
		if (suffix || (match_host && strcmp(host, dom + 1) == 0)) {
			match = port_ok;
		}
		free(dom);
	}
	free(phost);
	free(pport);
	return match;
}

/* httpproxy's useProxy. */
static bool
proxy_use(const char *host, const char *port, const char *no_proxy)
{
	if (strcmp(host, "localhost") == 0) {
		return false;
	}
	struct proxy_ip ip;
	bool is_ip = proxy_parse_ip(host, strlen(host), &ip);
	if (is_ip && proxy_ip_loopback(&ip)) {
		return false;
	}
	if (!no_proxy) {
		return true;
	}
	char *h = xstrdup(host);
	proxy_lower(h);
	bool use = true;
	const char *s = no_proxy;
	while (use) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		while (n && isspace((unsigned char)*s)) {
			s++;
			n--;
		}
		while (n && isspace((unsigned char)s[n - 1])) {
			n--;
		}
		if (n) {
			char *p = xstrndup(s, n);
			proxy_lower(p);
			if (proxy_entry_match(p, h, port, is_ip ? &ip : NULL)) {
				use = false;
			}
			free(p);
		}
		if (!comma) {
			break;
		}
		s = comma + 1;
	}
	free(h);
	return use;
}

/* The scheme (lower-case) and the host and port of url (the port defaults
 * by scheme). false when url has no "scheme://". */
static bool
proxy_parse_url(const char *url, char **scheme, char **host, char **port)
{
	const char *sep = strstr(url, "://");
	if (!sep || sep == url) {
		return false;
	}
	*scheme = xstrndup(url, (size_t)(sep - url));
	proxy_lower(*scheme);
	const char *a = sep + 3;
	size_t alen = strcspn(a, "/?#");
	const char *at = NULL;
	for (const char *p = a; p < a + alen; p++) {
		if (*p == '@') {
			at = p;
		}
	}
	if (at) {
		alen -= (size_t)(at + 1 - a);
		a = at + 1;
	}
	const char *pstart = NULL;
	const char *hs = a, *he;
	if (alen && a[0] == '[') {
		const char *close = memchr(a, ']', alen);
		if (!close) {
			close = a + alen - 1;
		}
		hs = a + 1;
		he = close;
		if (close + 1 < a + alen && close[1] == ':') {
			pstart = close + 2;
		}
	} else {
		const char *colon = NULL;
		for (const char *p = a; p < a + alen; p++) {
			if (*p == ':') {
				colon = p;
			}
		}
		he = colon ? colon : a + alen;
		if (colon) {
			pstart = colon + 1;
		}
	}
	*host = xstrndup(hs, (size_t)(he - hs));
	if (pstart && pstart < a + alen) {
		*port = xstrndup(pstart, (size_t)(a + alen - pstart));
	} else if (strcmp(*scheme, "https") == 0) {
		*port = xstrdup("443");
	} else if (strcmp(*scheme, "http") == 0) {
		*port = xstrdup("80");
	} else if (strcmp(*scheme, "socks5") == 0) {
		*port = xstrdup("1080");
	} else {
		*port = xstrdup("");
	}
	return true;
}

static bool
proxy_has_scheme(const char *v)
{
	static const char *const ok[] = { "http://", "https://", "socks5://" };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (strncasecmp(v, ok[i], strlen(ok[i])) == 0) {
			return true;
		}
	}
	return false;
}

/* httpproxy's parseProxy: NULL for an empty value; a value without a
 * usable scheme is taken as http://VALUE. */
static char *
proxy_parse_env(const char *v)
{
	if (!v || !*v) {
		return NULL;
	}
	return proxy_has_scheme(v) ? xstrdup(v) : xasprintf("http://%s", v);
}

int
proxy_for_url(const char *url, const char *proxy_url,
	      const struct proxy_env *env, char **out, struct pd_err *e)
{
	*out = NULL;
	if (proxy_url && *proxy_url) {
		*out = xstrdup(proxy_url);
		return 0;
	}
	if (!env) {
		return 0;
	}
	char *scheme = NULL, *host = NULL, *port = NULL;
	if (!proxy_parse_url(url, &scheme, &host, &port)) {
		return 0;
	}
	char *proxy = NULL;
	int r = 0;
	if (strcmp(scheme, "https") == 0) {
		proxy = proxy_parse_env(env->https_proxy);
	} else if (strcmp(scheme, "http") == 0) {
		proxy = proxy_parse_env(env->http_proxy);
		if (proxy && env->cgi) {
			free(proxy);
			proxy = NULL;
			r = err_set(e, PD_ERUNTIME, "refusing to use HTTP_PROXY "
				    "value in CGI environment; see "
				    "golang.org/s/cgihttpproxy");
		}
	}
	if (proxy && !proxy_use(host, port, env->no_proxy)) {
		free(proxy);
		proxy = NULL;
	}
	*out = proxy;
	free(scheme);
	free(host);
	free(port);
	return r;
}

char *
proxy_display(const char *proxy)
{
	const char *sep = strstr(proxy, "://");
	const char *a = sep ? sep + 3 : proxy;
	size_t alen = strcspn(a, "/?#");
	const char *at = NULL;
	for (const char *p = a; p < a + alen; p++) {
		if (*p == '@') {
			at = p;
		}
	}
	if (!at) {
		return xstrdup(proxy);
	}
	return xasprintf("%.*s%s", (int)(a - proxy), proxy, at + 1);
}

char *
proxy_curl_url(const char *proxy)
{
	if (strncasecmp(proxy, "socks5://", 9) == 0) {
		return xasprintf("socks5h://%s", proxy + 9);
	}
	return xstrdup(proxy);
}
