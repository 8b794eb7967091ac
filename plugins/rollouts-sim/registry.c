/* SPDX-License-Identifier: Apache-2.0 */
/* registry (being written). */
extern int sim_registry_placeholder;
int sim_registry_placeholder;
