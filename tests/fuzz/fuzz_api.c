/*
 * libFuzzer target: the fuzzer's input is a program of scheduler API
 * calls (tests/fuzz/api_program.c); after each call every invariant must
 * hold (gs_sched_check).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "api_program.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gs_api_program_run(data, size);
    return 0;
}
