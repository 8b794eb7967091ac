/* SPDX-License-Identifier: Apache-2.0 */
/* store (being written). */
extern int sim_store_placeholder;
int sim_store_placeholder;
