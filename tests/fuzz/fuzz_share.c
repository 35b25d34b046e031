/*
 * libFuzzer targets for the fair-share readers: a usage CSV
 * (GS_FUZZ_SHARE_USAGE) or an accounts / scheduler configuration document
 * (otherwise), checked by tests/fuzz/share_check.c.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "share_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#ifdef GS_FUZZ_SHARE_USAGE
    gs_share_check_one(data, size, true);
#else
    gs_share_check_one(data, size, false);
#endif
    return 0;
}
