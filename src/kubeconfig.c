/* SPDX-License-Identifier: Apache-2.0 */
/* kubeconfig: see kubeconfig.h (being written). */
#include "kubeconfig.h"
