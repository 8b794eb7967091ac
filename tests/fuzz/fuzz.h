/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz: the one function every fuzz target defines (libFuzzer's entry
 * point), called by libFuzzer or by replay.c's main() with an input it
 * borrows for the call. Targets return 0 and abort() on a broken invariant.
 */
#ifndef PD_FUZZ_H
#define PD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
