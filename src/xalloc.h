/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xalloc: allocation wrappers that never return NULL. On out-of-memory they
 * print one line to stderr and exit 70 (the suite's "internal error"); this
 * is the only place the library exits. Every pointer returned belongs to the
 * caller, who releases it with free().
 */
#ifndef PD_XALLOC_H
#define PD_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
