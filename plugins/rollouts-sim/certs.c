/* SPDX-License-Identifier: Apache-2.0 */
/* certs: see certs.h (being written). */
#include "certs.h"
