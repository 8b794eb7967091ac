/* SPDX-License-Identifier: Apache-2.0 */
/*
 * curl_lazy: libcurl is loaded with dlopen() on first use (see
 * curl_lazy.c), so commands that make no request start without it.
 * curl_lazy_load() loads it now: NULL, or dlerror()'s text (owned by
 * curl_lazy, valid for the life of the process).
 */
#ifndef PD_CURL_LAZY_H
#define PD_CURL_LAZY_H

#include <stddef.h>

const char *curl_lazy_load(void);

#endif
