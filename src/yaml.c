/* SPDX-License-Identifier: Apache-2.0 */
/* yaml: see yaml.h (being written). */
#include "yaml.h"
