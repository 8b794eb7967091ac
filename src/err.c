/* SPDX-License-Identifier: Apache-2.0 */
/* err: error struct helpers and the exit-code mapping. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
err_set(struct pd_err *e, int code, const char *fmt, ...)
{
	if (code < 0) {
		code = -code;
	}
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		e->code = code;
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return -code;
}

void
err_prefix(struct pd_err *e, const char *fmt, ...)
{
	if (!e) {
		return;
	}
	char pre[256], old[sizeof(e->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	size_t pl = strlen(pre);
	if (pl > sizeof(e->msg) - 3) {
		pl = sizeof(e->msg) - 3;
	}
	memcpy(e->msg, pre, pl);
	memcpy(e->msg + pl, ": ", 2);
	size_t room = sizeof(e->msg) - pl - 3;
	size_t ol = strnlen(old, room);
	memcpy(e->msg + pl + 2, old, ol);
	e->msg[pl + 2 + ol] = '\0';
}

int
err_exit_code(int code)
{
	if (code < 0) {
		code = -code;
	}
	switch (code) {
	case PD_OK: return PD_EXIT_OK;
	case PD_ERUNTIME: return PD_EXIT_RUNTIME;
	case PD_EUSAGE: return PD_EXIT_USAGE;
	case PD_ENOTFOUND: return PD_EXIT_NOTFOUND;
	case PD_ECONFLICT: return PD_EXIT_CONFLICT;
	case PD_EAUTH: return PD_EXIT_AUTH;
	case PD_ETIMEOUT: return PD_EXIT_TIMEOUT;
	case PD_EDEGRADED: return PD_EXIT_DEGRADED;
	case PD_EINVALID: return PD_EXIT_INVALID;
	case PD_EFINDINGS: return PD_EXIT_FINDINGS;
	case PD_ETOOBIG: return PD_EXIT_RUNTIME;
	default: return PD_EXIT_INTERNAL;
	}
}

int
err_from_http(long status)
{
	if (status >= 200 && status < 300) {
		return PD_OK;
	}
	switch (status) {
	case 400: return PD_EUSAGE;
	case 401:
	case 403: return PD_EAUTH;
	case 404:
	case 410: return PD_ENOTFOUND;
	case 409:
	case 415:
	case 422: return PD_ECONFLICT;
	case 408:
	case 504: return PD_ETIMEOUT;
	default: return PD_ERUNTIME;
	}
}
