/* SPDX-License-Identifier: Apache-2.0 */
/* kube: see kube.h (being written). */
#include "kube.h"
