/* SPDX-License-Identifier: Apache-2.0 */
/*
 * curl_lazy: libcurl is loaded with dlopen() on first use (see
 * curl_lazy.c), so commands that make no request start without it.
 * curl_lazy_load() loads it now: 0, or -1 with dlerror()'s text in err.
 */
#ifndef PD_CURL_LAZY_H
#define PD_CURL_LAZY_H

#include <stddef.h>

int curl_lazy_load(char *err, size_t len);

#endif
