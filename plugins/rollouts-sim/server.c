/* SPDX-License-Identifier: Apache-2.0 */
/* server (being written). */
extern int sim_server_placeholder;
int sim_server_placeholder;
