/*
 * The simulator's spilling sorter and text store (tools/sim_spill.c)
 * against what holding everything in memory gives: records sorted by
 * qsort over the whole array, text read back as written. Budgets small
 * enough that runs go to temporary files and the merge reads them
 * through windows of a record or two.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include "../tools/sim_spill.h"

#include <stdlib.h>
#include <string.h>

typedef struct rec {
    uint64_t key, tie;
} rec;

static int cmp_rec(const void *a, const void *b)
{
    const rec *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->tie < y->tie ? -1 : x->tie > y->tie;
}

/* n random records (keys from few values: many ties, broken by tie)
 * through a sorter of the given budget, against qsort. */
static void sort_case(size_t n, size_t budget, unsigned seed, bool spills)
{
    rec *want = malloc((n + 1) * sizeof *want);
    assert_non_null(want);
    sim_sorter s;
    assert_int_equal(sim_sorter_init(&s, sizeof(rec), cmp_rec, budget), 0);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        want[i] = (rec){(seed >> 16) % 97, i};
        assert_int_equal(sim_sorter_add(&s, &want[i]), 0);
    }
    assert_int_equal(sim_sorter_sort(&s), 0);
    assert_int_equal(s.f != NULL, spills);
    qsort(want, n, sizeof *want, cmp_rec);
    rec got;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(sim_sorter_next(&s, &got), 1);
        assert_int_equal(got.key, want[i].key);
        assert_int_equal(got.tie, want[i].tie);
    }
    assert_int_equal(sim_sorter_next(&s, &got), 0);
    assert_int_equal(sim_sorter_next(&s, &got), 0);
    sim_sorter_free(&s);
    free(want);
}

static void sorter_in_memory(void **state)
{
    (void)state;
    sort_case(0, 1 << 20, 1, false);
    sort_case(1, 1 << 20, 2, false);
    sort_case(5000, 1 << 20, 3, false);
}

static void sorter_spills(void **state)
{
    (void)state;
    /* 4 KiB: 128 records a run, 79 runs, windows of one record */
    sort_case(10000, SIM_SPILL_MIN, 4, true);
    /* a budget below the least is raised to it */
    sort_case(300, 10, 5, true);
    /* runs of exactly the buffer's size, and one more record */
    sort_case(128 * 3, SIM_SPILL_MIN, 6, true);
    sort_case(128 * 3 + 1, SIM_SPILL_MIN, 7, true);
    sort_case(100000, 64 << 10, 8, true);
}

/* Texts of varied length appended to the store, read back in another
 * order, before and after it moves to a file. */
static void store_reads_back(void **state)
{
    (void)state;
    sim_store st;
    sim_store_init(&st, SIM_SPILL_MIN);
    enum { N = 5000 };
    static uint64_t at[N], len[N];
    bool moved = false;
    for (int i = 0; i < N; i++) {
        char text[128];
        int n = snprintf(text, sizeof text, "row %d:", i);
        for (int k = 0; k < i % 37; k++)
            text[n++] = (char)('a' + k % 26);
        text[n++] = '\n';
        len[i] = (uint64_t)n;
        assert_int_equal(sim_store_add(&st, text, (size_t)n, &at[i]), 0);
        assert_int_equal(at[i], i ? at[i - 1] + len[i - 1] : 0);
        if (st.f && !moved) {
            moved = true;
            /* what was written before the move reads back the same */
            const char *p = sim_store_get(&st, at[0], (size_t)len[0]);
            assert_non_null(p);
            assert_memory_equal(p, "row 0:\n", 7);
        }
    }
    assert_true(moved);
    /* backwards (every read a window of its own), then forwards */
    for (int pass = 0; pass < 2; pass++)
        for (int k = 0; k < N; k += 3) {
            int i = pass ? k : N - 1 - k;
            char want[128];
            int n = snprintf(want, sizeof want, "row %d:", i);
            for (int c = 0; c < i % 37; c++)
                want[n++] = (char)('a' + c % 26);
            want[n++] = '\n';
            assert_int_equal(len[i], (uint64_t)n);
            const char *p = sim_store_get(&st, at[i], (size_t)len[i]);
            assert_non_null(p);
            assert_memory_equal(p, want, (size_t)n);
        }
    /* a piece longer than the read window */
    static char big[200000];
    memset(big, 'x', sizeof big);
    uint64_t bat;
    assert_int_equal(sim_store_add(&st, big, sizeof big, &bat), 0);
    const char *p = sim_store_get(&st, bat, sizeof big);
    assert_non_null(p);
    assert_memory_equal(p, big, sizeof big);
    assert_null(sim_store_get(&st, bat, sizeof big + 1));
    sim_store_free(&st);
    /* small: never leaves memory */
    sim_store_init(&st, 1 << 20);
    assert_int_equal(sim_store_add(&st, "hello", 5, &bat), 0);
    assert_null(st.f);
    p = sim_store_get(&st, 1, 3);
    assert_non_null(p);
    assert_memory_equal(p, "ell", 3);
    assert_null(sim_store_get(&st, 3, 10)); /* past what was written */
    sim_store_free(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sorter_in_memory),
        cmocka_unit_test(sorter_spills),
        cmocka_unit_test(store_reads_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
