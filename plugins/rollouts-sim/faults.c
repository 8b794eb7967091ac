/* SPDX-License-Identifier: Apache-2.0 */
/* faults (being written). */
extern int sim_faults_placeholder;
int sim_faults_placeholder;
