/* SPDX-License-Identifier: Apache-2.0 */
/* apierr (being written). */
extern int sim_apierr_placeholder;
int sim_apierr_placeholder;
