/* SPDX-License-Identifier: Apache-2.0 */
/* render (being written). */
extern int render_placeholder;
int render_placeholder;
