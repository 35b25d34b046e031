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

static void run_saved(const char *path, void *user)
{
    (void)user;
    size_t len = 0;
    char *data = test_read_file(path, &len);
    assert_non_null(data);
    gs_api_program_run((const uint8_t *)data, len);
    free(data);
}

/* Programs the fuzzer found (tests/data/fuzz-regressions/api/), and one
 * of each documented shape written by hand. */
static void saved_programs(void **state)
{
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/fuzz-regressions/api", GS_TEST_DATA_DIR);
    assert_true(test_for_each_file(dir, run_saved, NULL) >= 1);
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {cmocka_unit_test(random_programs),
                                       cmocka_unit_test(saved_programs)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
