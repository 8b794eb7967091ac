/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz: the one function every fuzz target defines (libFuzzer's entry
 * point), called by libFuzzer or by replay.c's main() with an input it
 * borrows for the call. Targets return 0 and abort() on a broken invariant.
 * A target may step around a known, not yet fixed finding (kept under
 * findings/NAME/) so that fuzzing goes on; PDKIT_FUZZ_ALL=1 in the
 * environment turns those detours off, to reproduce the findings.
 */
#ifndef PD_FUZZ_H
#define PD_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether to skip the detours around known findings (PDKIT_FUZZ_ALL=1). */
static inline bool
fuzz_all(void)
{
	const char *v = getenv("PDKIT_FUZZ_ALL");
	return v && strcmp(v, "1") == 0;
}

#endif
