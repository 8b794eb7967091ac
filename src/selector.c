/* SPDX-License-Identifier: Apache-2.0 */
/* selector: see selector.h (being written). */
#include "selector.h"
