/*
 * cpulists and Slurm hostlists.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include "common/lists.h"

#include <stdlib.h>
#include <stdbool.h>

static char *fmt_cpus(const gs_cpu_range *c, size_t n)
{
    gs_buf b = {0};
    gs_cpulist_format(&b, c, n);
    gs_buf_finish(&b);
    return b.data;
}

static void cpulist_parse_and_format(void **state)
{
    (void)state;
    gs_cpu_range *c;
    size_t n, bad;
    assert_int_equal(gs_cpulist_parse("0-3,8,10-11", 11, &c, &n, &bad), GS_OK);
    assert_int_equal(n, 3);
    assert_int_equal(gs_cpu_ranges_count(c, n), 7);
    assert_int_equal(c[1].lo, 8);
    assert_int_equal(c[1].hi, 8);
    char *s = fmt_cpus(c, n);
    assert_string_equal(s, "0-3,8,10-11");
    gs_free(s);
    gs_free(c);
    /* unsorted, overlapping and adjacent input is made canonical */
    assert_int_equal(gs_cpulist_parse(" 5, 1-2 ,2-3,7,6", 16, &c, &n, &bad),
                     GS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(gs_cpu_ranges_count(c, n), 6);
    s = fmt_cpus(c, n);
    assert_string_equal(s, "1-3,5-7");
    gs_free(s);
    gs_free(c);
    /* empty */
    assert_int_equal(gs_cpulist_parse("", 0, &c, &n, &bad), GS_OK);
    assert_int_equal(n, 0);
    assert_null(c);
}

/* Property: parsing random lists gives the same set of CPUs as a bitmap
 * built by hand, in canonical form. */
static void cpulist_random(void **state)
{
    (void)state;
    unsigned seed = 7;
    for (int iter = 0; iter < 2000; iter++) {
        bool want[200] = {false};
        char text[2000] = "";
        int parts = 1 + rand_r(&seed) % 8;
        for (int p = 0; p < parts; p++) {
            int lo = rand_r(&seed) % 190, hi = lo + rand_r(&seed) % 10;
            for (int c = lo; c <= hi; c++)
                want[c] = true;
            char piece[32];
            if (lo == hi || rand_r(&seed) % 4 == 0) {
                for (int c = lo; c <= hi; c++) {
                    snprintf(piece, sizeof piece, "%s%d", *text ? "," : "", c);
                    strcat(text, piece);
                }
            } else {
                snprintf(piece, sizeof piece, "%s%d-%d", *text ? "," : "", lo,
                         hi);
                strcat(text, piece);
            }
        }
        gs_cpu_range *c;
        size_t n, bad;
        assert_int_equal(gs_cpulist_parse(text, strlen(text), &c, &n, &bad),
                         GS_OK);
        bool got[200] = {false};
        for (size_t i = 0; i < n; i++) {
            if (i)
                assert_true(c[i].lo > c[i - 1].hi + 1); /* canonical */
            for (uint32_t x = c[i].lo; x <= c[i].hi; x++)
                got[x] = true;
        }
        assert_memory_equal(got, want, sizeof want);
        gs_free(c);
    }
}

static void cpulist_errors(void **state)
{
    (void)state;
    struct {
        const char *s;
        size_t bad;
    } cases[] = {{"0-", 2}, {"3-1", 2}, {"a", 0}, {"1,,2", 2},
                 {"1;2", 1}, {"99999999", 0}, {"1-2x", 3}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gs_cpu_range *c = NULL;
        size_t n, bad = 999;
        assert_int_equal(gs_cpulist_parse(cases[i].s, strlen(cases[i].s), &c,
                                          &n, &bad),
                         GS_EINVAL);
        assert_null(c);
        if (bad != cases[i].bad)
            fail_msg("'%s': bad offset %zu, expected %zu", cases[i].s, bad,
                     cases[i].bad);
    }
}

typedef struct names {
    char v[64][32];
    size_t n;
} names;

static bool collect(void *ctx, const char *name, size_t len)
{
    names *ns = ctx;
    if (ns->n >= 64 || len >= 32)
        return false;
    strcpy(ns->v[ns->n++], name);
    return true;
}

static void expect_expand(const char *expr, const char *joined)
{
    names ns = {0};
    size_t bad;
    const char *why;
    gs_status st = gs_hostlist_expand(expr, strlen(expr), 1000, collect, &ns,
                                      &bad, &why);
    if (st != GS_OK)
        fail_msg("'%s': %s at %zu", expr, why, bad);
    char got[2048] = "";
    for (size_t i = 0; i < ns.n; i++) {
        if (i)
            strcat(got, " ");
        strcat(got, ns.v[i]);
    }
    assert_string_equal(got, joined);
}

static void hostlist_expand(void **state)
{
    (void)state;
    expect_expand("gpu[001-003,200]", "gpu001 gpu002 gpu003 gpu200");
    expect_expand("a,b[1-2],c", "a b1 b2 c");
    expect_expand("n[8-11]", "n8 n9 n10 n11");
    expect_expand("n[08-11]", "n08 n09 n10 n11");
    expect_expand("r[1-2]-n[1-2]", "r1-n1 r1-n2 r2-n1 r2-n2");
    expect_expand("[1-2]x", "1x 2x");
    expect_expand("tux[0-1],gpu[9-10]", "tux0 tux1 gpu9 gpu10");
    expect_expand("single", "single");
}

static void hostlist_errors(void **state)
{
    (void)state;
    struct {
        const char *s;
        size_t bad;
        gs_status st;
    } cases[] = {{"a[1-", 1, GS_EINVAL},   {"a[3-1]", 4, GS_EINVAL},
                 {"a]", 1, GS_EINVAL},     {"a[x]", 2, GS_EINVAL},
                 {"a,,b", 2, GS_EINVAL},   {"a b", 1, GS_EINVAL},
                 {"a[[1]]", 2, GS_EINVAL}, {"n[1-5000]", 2, GS_ERANGE}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        names ns = {0};
        size_t bad = 999;
        const char *why = NULL;
        gs_status st = gs_hostlist_expand(cases[i].s, strlen(cases[i].s), 1000,
                                          collect, &ns, &bad, &why);
        assert_int_equal(st, cases[i].st);
        assert_non_null(why);
        if (bad != cases[i].bad)
            fail_msg("'%s': offset %zu, expected %zu (%s)", cases[i].s, bad,
                     cases[i].bad, why);
    }
}

static char *compress(const char *const *v, size_t n)
{
    gs_buf b = {0};
    gs_hostlist_compress(&b, v, n);
    gs_buf_finish(&b);
    return b.data;
}

static void hostlist_compress_examples(void **state)
{
    (void)state;
    const char *a[] = {"gpu001", "gpu002", "gpu003", "gpu005", "cpu1"};
    char *s = compress(a, 5);
    assert_string_equal(s, "gpu[001-003,005],cpu1");
    gs_free(s);
    const char *b[] = {"n9", "n10", "n11"};
    s = compress(b, 3);
    assert_string_equal(s, "n[9-11]");
    gs_free(s);
    const char *c[] = {"x3", "x1"}; /* order is kept */
    s = compress(c, 2);
    assert_string_equal(s, "x[3,1]");
    gs_free(s);
}

/* Property: compress then expand gives back the same names in order, for
 * random lists of names with random prefixes, widths and gaps. */
static void hostlist_roundtrip_random(void **state)
{
    (void)state;
    unsigned seed = 12345;
    for (int iter = 0; iter < 3000; iter++) {
        char store[64][32];
        const char *v[64];
        size_t n = 1 + (size_t)(rand_r(&seed) % 40);
        int num = rand_r(&seed) % 20;
        for (size_t i = 0; i < n; i++) {
            int pfx = rand_r(&seed) % 3;
            int width = rand_r(&seed) % 4;
            int step = rand_r(&seed) % 4 == 0 ? 2 + rand_r(&seed) % 5 : 1;
            num = rand_r(&seed) % 10 == 0 ? rand_r(&seed) % 50 : num + step;
            if (rand_r(&seed) % 9 == 0)
                snprintf(store[i], 32, "%s", (const char *[]){"a", "bb-x", "c"}[pfx]);
            else
                snprintf(store[i], 32, "%s%0*d", (const char *[]){"a", "bb-x", "c"}[pfx],
                         width, num);
            v[i] = store[i];
        }
        /* hostlists do not carry duplicates: drop repeated names */
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            bool dup = false;
            for (size_t j = 0; j < m && !dup; j++)
                dup = strcmp(v[j], v[i]) == 0;
            if (!dup)
                v[m++] = v[i];
        }
        char *s = compress(v, m);
        names ns = {0};
        size_t bad;
        const char *why;
        assert_int_equal(gs_hostlist_expand(s, strlen(s), 1000, collect, &ns,
                                            &bad, &why),
                         GS_OK);
        if (ns.n != m)
            fail_msg("'%s' expands to %zu names, expected %zu", s, ns.n, m);
        for (size_t i = 0; i < m; i++)
            if (strcmp(ns.v[i], v[i]) != 0)
                fail_msg("'%s': name %zu is %s, expected %s", s, i, ns.v[i],
                         v[i]);
        gs_free(s);
    }
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cpulist_parse_and_format),
        cmocka_unit_test(cpulist_random),
        cmocka_unit_test(cpulist_errors),
        cmocka_unit_test(hostlist_expand),
        cmocka_unit_test(hostlist_errors),
        cmocka_unit_test(hostlist_compress_examples),
        cmocka_unit_test(hostlist_roundtrip_random),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (test_alloc_stats_get().live_blocks != 0) {
        fprintf(stderr, "leaked %ld blocks\n", test_alloc_stats_get().live_blocks);
        return 1;
    }
    return rc;
}
