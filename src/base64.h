/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base64: standard (RFC 4648, with padding) encoding and decoding, as used
 * by kubeconfig *-data fields and Kubernetes continue tokens. Both append to
 * a caller-owned struct buf.
 */
#ifndef PD_BASE64_H
#define PD_BASE64_H

#include <stddef.h>

#include "buf.h"

void base64_encode(struct buf *out, const void *data, size_t len);
/* Ignores whitespace; accepts missing padding. 0, or -1 on invalid input
 * (out is then left as it was). */
int base64_decode(struct buf *out, const char *s, size_t len);

#endif
