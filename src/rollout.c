/* SPDX-License-Identifier: Apache-2.0 */
/* rollout (being written). */
extern int rollout_placeholder;
int rollout_placeholder;
