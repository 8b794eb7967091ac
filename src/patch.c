/* SPDX-License-Identifier: Apache-2.0 */
/* patch: see patch.h (being written). */
#include "patch.h"
