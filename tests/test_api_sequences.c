/*
 * Random programs of scheduler API calls (tests/fuzz/api_program.c, the
 * libFuzzer target fuzz_api's interpreter) from a fixed seed: every
 * topology, policy, ordering, backfill and preemption mode, with extreme
 * arguments, and gs_sched_check after every call. Some programs run with
 * one allocation failing somewhere: nothing may leak or break.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include "api_program.h"

#include <stdlib.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int programs(void)
{
    if (getenv("GS_TEST_UNDER_VALGRIND"))
        return 150;
#if defined(__has_feature)
#  if __has_feature(address_sanitizer)
    return 800;
#  endif
#endif
    return 3000;
}

static void random_programs(void **state)
{
    (void)state;
    uint8_t prog[3000];
    int n = programs();
    for (int k = 0; k < n; k++) {
        size_t len = 64 + next() % (sizeof prog - 64);
        for (size_t i = 0; i < len; i++) {
            /* mostly small bytes, where the interesting choices are */
            uint64_t v = next();
            prog[i] = (uint8_t)((v >> 8) % 8 == 0 ? v : v % 24);
        }
        long live = test_alloc_stats_get().live_blocks;
        if (k % 5 == 4) /* one allocation fails somewhere */
            test_alloc_fail_at(1 + (long)(next() % 400));
        gs_api_program_run(prog, len);
        test_alloc_fail_at(0);
        assert_int_equal(test_alloc_stats_get().live_blocks, live);
    }
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {cmocka_unit_test(random_programs)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
