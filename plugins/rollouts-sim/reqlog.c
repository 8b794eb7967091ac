/* SPDX-License-Identifier: Apache-2.0 */
/* reqlog (being written). */
extern int sim_reqlog_placeholder;
int sim_reqlog_placeholder;
