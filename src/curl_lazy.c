/* SPDX-License-Identifier: Apache-2.0 */
/*
 * curl_lazy: libcurl loaded on first use. Linking libcurl (with OpenSSL,
 * GnuTLS via librtmp, Kerberos, LDAP, ...) costs every process several
 * milliseconds of loading and library constructors, even `version` and
 * `--help`, which never touch the network. These definitions of the libcurl
 * functions the client uses dlopen() libcurl (PD_CURL_SONAME, the soname of
 * the libcurl the build found) the first time one is called and forward to
 * it, so commands that make no request never pay. curl_lazy_load() reports
 * whether libcurl could be loaded, with dlerror()'s text; kube_client_new()
 * calls it first so the failure is one clear line.
 *
 * The dependency is declared in the ELF file as systemd does (the
 * .note.dlopen convention of the UAPI group's ELF dlopen metadata): a note
 * of owner "FDO", type 0x407c0c0a, whose descriptor is JSON naming the
 * soname, so packaging tools see the dependency that dlopen() hides.
 */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "curl_lazy.h"
#include "xalloc.h"

#ifndef PD_CURL_SONAME
#define PD_CURL_SONAME "libcurl.so.4"
#endif

#define CURL_LAZY_NOTE_OWNER "FDO"
#define CURL_LAZY_NOTE_TYPE UINT32_C(0x407c0c0a)
#define CURL_LAZY_NOTE_JSON                                                \
	"[{\"feature\":\"curl\",\"description\":\"Kubernetes API requests "  \
	"(loaded on first use)\",\"priority\":\"required\",\"soname\":[\""    \
	PD_CURL_SONAME "\"]}]"

/* One ELF note: header, owner and descriptor, each 4-byte aligned. */
__attribute__((used, section(".note.dlopen"))) _Alignas(uint32_t)
static const struct {
	struct {
		uint32_t n_namesz, n_descsz, n_type;
	} nhdr;
	char name[sizeof(CURL_LAZY_NOTE_OWNER)];
	_Alignas(uint32_t) char desc[sizeof(CURL_LAZY_NOTE_JSON)];
} curl_lazy_note = {
	.nhdr = {
		.n_namesz = sizeof(CURL_LAZY_NOTE_OWNER),
		.n_descsz = sizeof(CURL_LAZY_NOTE_JSON),
		.n_type = CURL_LAZY_NOTE_TYPE,
	},
	.name = CURL_LAZY_NOTE_OWNER,
	.desc = CURL_LAZY_NOTE_JSON,
};

#define CURL_LAZY_FUNCS(X)                                                 \
	X(CURLcode, curl_global_init, (long))                              \
	X(CURL *, curl_easy_init, (void))                                  \
	X(void, curl_easy_cleanup, (CURL *))                               \
	X(CURLcode, curl_easy_perform, (CURL *))                           \
	X(CURLcode, curl_easy_setopt, (CURL *, CURLoption, ...))           \
	X(CURLcode, curl_easy_getinfo, (CURL *, CURLINFO, ...))            \
	X(const char *, curl_easy_strerror, (CURLcode))                    \
	X(struct curl_slist *, curl_slist_append,                          \
	  (struct curl_slist *, const char *))                             \
	X(void, curl_slist_free_all, (struct curl_slist *))                \
	X(void, curl_free, (void *))                                       \
	X(CURLSH *, curl_share_init, (void))                               \
	X(CURLSHcode, curl_share_setopt, (CURLSH *, CURLSHoption, ...))    \
	X(CURLSHcode, curl_share_cleanup, (CURLSH *))                      \
	X(CURLM *, curl_multi_init, (void))                                \
	X(CURLMcode, curl_multi_add_handle, (CURLM *, CURL *))             \
	X(CURLMcode, curl_multi_remove_handle, (CURLM *, CURL *))          \
	X(CURLMcode, curl_multi_perform, (CURLM *, int *))                 \
	X(CURLMcode, curl_multi_poll,                                      \
	  (CURLM *, struct curl_waitfd *, unsigned int, int, int *))       \
	X(CURLMsg *, curl_multi_info_read, (CURLM *, int *))               \
	X(CURLMcode, curl_multi_cleanup, (CURLM *))                        \
	X(CURLU *, curl_url, (void))                                       \
	X(void, curl_url_cleanup, (CURLU *))                               \
	X(CURLUcode, curl_url_get,                                         \
	  (CURLU *, CURLUPart, char **, unsigned int))                     \
	X(CURLUcode, curl_url_set,                                         \
	  (CURLU *, CURLUPart, const char *, unsigned int))

#define CURL_LAZY_PTR(ret, name, args) static ret(*curl_lazy_##name) args;
CURL_LAZY_FUNCS(CURL_LAZY_PTR)

static pthread_once_t curl_lazy_once = PTHREAD_ONCE_INIT;
static int curl_lazy_ok;
static char *curl_lazy_err;

static void
curl_lazy_init(void)
{
	void *h = dlopen(PD_CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *d = dlerror();
		curl_lazy_err = d ? xstrdup(d)
				  : xstrdup(PD_CURL_SONAME ": cannot open");
		return;
	}
#define CURL_LAZY_SYM(ret, name, args)                                     \
	*(void **)&curl_lazy_##name = dlsym(h, #name);                     \
	if (!curl_lazy_##name) {                                           \
		curl_lazy_err = xstrdup(PD_CURL_SONAME " has no " #name);  \
		return;                                                    \
	}
	CURL_LAZY_FUNCS(CURL_LAZY_SYM)
	curl_lazy_ok = 1;
}

const char *
curl_lazy_load(void)
{
	pthread_once(&curl_lazy_once, curl_lazy_init);
	return curl_lazy_ok ? NULL : curl_lazy_err;
}

static int
curl_lazy_ready(void)
{
	return curl_lazy_load() == NULL;
}

CURLcode
curl_global_init(long flags)
{
	return curl_lazy_ready() ? curl_lazy_curl_global_init(flags)
				 : CURLE_FAILED_INIT;
}

CURL *
curl_easy_init(void)
{
	return curl_lazy_ready() ? curl_lazy_curl_easy_init() : NULL;
}

void
curl_easy_cleanup(CURL *c)
{
	if (curl_lazy_ready()) {
		curl_lazy_curl_easy_cleanup(c);
	}
}

CURLcode
curl_easy_perform(CURL *c)
{
	return curl_lazy_ready() ? curl_lazy_curl_easy_perform(c)
				 : CURLE_FAILED_INIT;
}

/* The argument's type follows from the option number (curl.h's
 * CURLOPTTYPE_* ranges): long, pointer (object, function, string, slist,
 * blob) or curl_off_t. */
CURLcode
curl_easy_setopt(CURL *c, CURLoption opt, ...)
{
	if (!curl_lazy_ready()) {
		return CURLE_FAILED_INIT;
	}
	va_list ap;
	va_start(ap, opt);
	CURLcode r;
	if (opt < CURLOPTTYPE_OBJECTPOINT) {
		long v = va_arg(ap, long);
		r = curl_lazy_curl_easy_setopt(c, opt, v);
	} else if (opt >= CURLOPTTYPE_OFF_T && opt < CURLOPTTYPE_BLOB) {
		curl_off_t v = va_arg(ap, curl_off_t);
		r = curl_lazy_curl_easy_setopt(c, opt, v);
	} else {
		void *v = va_arg(ap, void *);
		r = curl_lazy_curl_easy_setopt(c, opt, v);
	}
	va_end(ap);
	return r;
}

CURLcode
curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
	if (!curl_lazy_ready()) {
		return CURLE_FAILED_INIT;
	}
	va_list ap;
	va_start(ap, info);
	void *p = va_arg(ap, void *);
	va_end(ap);
	return curl_lazy_curl_easy_getinfo(c, info, p);
}

const char *
curl_easy_strerror(CURLcode code)
{
	return curl_lazy_ready() ? curl_lazy_curl_easy_strerror(code)
				 : curl_lazy_err;
}

struct curl_slist *
curl_slist_append(struct curl_slist *l, const char *s)
{
	return curl_lazy_ready() ? curl_lazy_curl_slist_append(l, s) : NULL;
}

void
curl_slist_free_all(struct curl_slist *l)
{
	if (curl_lazy_ready()) {
		curl_lazy_curl_slist_free_all(l);
	}
}

void
curl_free(void *p)
{
	if (curl_lazy_ready()) {
		curl_lazy_curl_free(p);
	}
}

CURLSH *
curl_share_init(void)
{
	return curl_lazy_ready() ? curl_lazy_curl_share_init() : NULL;
}

CURLSHcode
curl_share_setopt(CURLSH *s, CURLSHoption opt, ...)
{
	if (!curl_lazy_ready()) {
		return CURLSHE_NOT_BUILT_IN;
	}
	va_list ap;
	va_start(ap, opt);
	CURLSHcode r;
	if (opt == CURLSHOPT_SHARE || opt == CURLSHOPT_UNSHARE) {
		int v = va_arg(ap, int);
		r = curl_lazy_curl_share_setopt(s, opt, v);
	} else {
		void *v = va_arg(ap, void *);
		r = curl_lazy_curl_share_setopt(s, opt, v);
	}
	va_end(ap);
	return r;
}

CURLSHcode
curl_share_cleanup(CURLSH *s)
{
	return curl_lazy_ready() ? curl_lazy_curl_share_cleanup(s)
				 : CURLSHE_OK;
}

CURLM *
curl_multi_init(void)
{
	return curl_lazy_ready() ? curl_lazy_curl_multi_init() : NULL;
}

CURLMcode
curl_multi_add_handle(CURLM *m, CURL *c)
{
	return curl_lazy_ready() ? curl_lazy_curl_multi_add_handle(m, c)
				 : CURLM_INTERNAL_ERROR;
}

CURLMcode
curl_multi_remove_handle(CURLM *m, CURL *c)
{
	return curl_lazy_ready() ? curl_lazy_curl_multi_remove_handle(m, c)
				 : CURLM_INTERNAL_ERROR;
}

CURLMcode
curl_multi_perform(CURLM *m, int *running)
{
	return curl_lazy_ready() ? curl_lazy_curl_multi_perform(m, running)
				 : CURLM_INTERNAL_ERROR;
}

CURLMcode
curl_multi_poll(CURLM *m, struct curl_waitfd *fds, unsigned int n,
		int timeout_ms, int *numfds)
{
	return curl_lazy_ready() ?
		curl_lazy_curl_multi_poll(m, fds, n, timeout_ms, numfds) :
		CURLM_INTERNAL_ERROR;
}

CURLMsg *
curl_multi_info_read(CURLM *m, int *left)
{
	return curl_lazy_ready() ? curl_lazy_curl_multi_info_read(m, left)
				 : NULL;
}

CURLMcode
curl_multi_cleanup(CURLM *m)
{
	return curl_lazy_ready() ? curl_lazy_curl_multi_cleanup(m) : CURLM_OK;
}

CURLU *
curl_url(void)
{
	return curl_lazy_ready() ? curl_lazy_curl_url() : NULL;
}

void
curl_url_cleanup(CURLU *u)
{
	if (curl_lazy_ready()) {
		curl_lazy_curl_url_cleanup(u);
	}
}

CURLUcode
curl_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags)
{
	return curl_lazy_ready() ? curl_lazy_curl_url_get(u, what, part, flags)
				 : CURLUE_OUT_OF_MEMORY;
}

CURLUcode
curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
	return curl_lazy_ready() ? curl_lazy_curl_url_set(u, what, part, flags)
				 : CURLUE_OUT_OF_MEMORY;
}
