/* SPDX-License-Identifier: Apache-2.0 */
/* fixtures (being written). */
extern int sim_fixtures_placeholder;
int sim_fixtures_placeholder;
