/* SPDX-License-Identifier: Apache-2.0 */
/* rollouts-sim (being written). */
int
main(void)
{
	return 0;
}
