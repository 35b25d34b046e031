/*
 * Fair-share figures at the sizes of issue 10's reports (medians of 5):
 * loading accounts (siblings, chains listed parent-first and child-first,
 * a 74k-deep chain), a usage CSV, computing both algorithms and reading
 * every row (what `gpusched share` does). Every step should grow as
 * n log n: the table shows the time per association, which should stay
 * flat as n grows.
 *
 *   bench_share [--quick]
 * SPDX-License-Identifier: Apache-2.0
 */
#include "bench_util.h"

#include <stdbool.h>
#include <stdint.h>

enum shape { SIBLINGS, CHAIN, CHAIN_CHILD_FIRST };

/* n accounts and one user in each. */
static bench_text accounts(size_t n, enum shape shape)
{
    bench_text t = {0};
    bench_printf(&t, "{\"accounts\": [");
    for (size_t k = 0; k < n; k++) {
        size_t i = shape == CHAIN_CHILD_FIRST ? n - 1 - k : k;
        if (shape == SIBLINGS || i == 0)
            bench_printf(&t, "%s{\"name\": \"a%zu\", \"shares\": %zu}", k ? "," : "", i,
                1 + i % 7);
        else
            bench_printf(&t, "%s{\"name\": \"a%zu\", \"parent\": \"a%zu\"}",
                k ? "," : "", i, i - 1);
    }
    bench_printf(&t, "], \"users\": [");
    for (size_t i = 0; i < n; i++)
        bench_printf(&t, "%s{\"name\": \"u%zu\", \"account\": \"a%zu\"}", i ? "," : "",
            i, i);
    bench_printf(&t, "]}");
    return t;
}

static bench_text usage(size_t n)
{
    bench_text t = {0};
    bench_printf(&t, "user,account,usage\n");
    for (size_t i = 0; i < n; i++)
        bench_printf(&t, "u%zu,a%zu,%zu\n", i, i, (i * 7919) % 100003);
    return t;
}

static void run(const char *label, size_t n, enum shape shape, int reps)
{
    bench_text acc = accounts(n, shape), use = usage(n);
    double t_load[16], t_usage[16], t_tree[16], t_classic[16], t_rows[16];
    for (int r = 0; r < reps; r++) {
        gs_share *sh = NULL;
        if (gs_share_create(&sh) != GS_OK)
            exit(1);
        double t0 = bench_now();
        if (gs_share_load_accounts(sh, acc.s, acc.len, "bench") != GS_OK) {
            fprintf(stderr, "%s\n", gs_share_errmsg(sh));
            exit(1);
        }
        double t1 = bench_now();
        if (gs_share_load_usage(sh, use.s, use.len, "bench") != GS_OK) {
            fprintf(stderr, "%s\n", gs_share_errmsg(sh));
            exit(1);
        }
        double t2 = bench_now();
        gs_share_compute(sh, GS_FAIRSHARE_FAIR_TREE, 1000);
        double t3 = bench_now();
        gs_share_compute(sh, GS_FAIRSHARE_CLASSIC, 1000);
        double t4 = bench_now();
        double sum = 0;
        for (size_t i = 0; i < gs_share_row_count(sh); i++) {
            gs_share_row row;
            memset(&row, 0, sizeof row);
            row.struct_size = sizeof row;
            gs_share_row_get(sh, i, &row);
            sum += row.factor;
        }
        double t5 = bench_now();
        if (sum < 0)
            exit(1);
        t_load[r] = t1 - t0;
        t_usage[r] = t2 - t1;
        t_tree[r] = t3 - t2;
        t_classic[r] = t4 - t3;
        t_rows[r] = t5 - t4;
        gs_share_destroy(sh);
    }
    double m[5] = {bench_median(t_load, (size_t)reps),
                   bench_median(t_usage, (size_t)reps),
                   bench_median(t_tree, (size_t)reps),
                   bench_median(t_classic, (size_t)reps),
                   bench_median(t_rows, (size_t)reps)};
    double total = m[0] + m[1] + m[2] + m[3] + m[4];
    printf("%-28s %7zu  %8.2f %8.2f %8.2f %8.2f %8.2f  %8.2f  %6.2f\n", label,
           n, m[0] * 1e3, m[1] * 1e3, m[2] * 1e3, m[3] * 1e3, m[4] * 1e3,
           total * 1e3, total * 1e6 / (double)(2 * n));
    free(acc.s);
    free(use.s);
}

int main(int argc, char **argv)
{
    bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    int reps = quick ? 3 : 5;
    printf("fair share, medians of %d runs, ms (n accounts, each with one "
           "user)\n",
           reps);
    printf("%-28s %7s  %8s %8s %8s %8s %8s  %8s  %6s\n", "shape", "n",
           "accounts", "usage", "fairtree", "classic", "rows", "total",
           "us/row");
    static const size_t sizes[] = {1000, 5000, 20000, 74000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        if (quick && n > 20000)
            continue;
        run("siblings", n, SIBLINGS, reps);
        run("chain, parents first", n, CHAIN, reps);
        run("chain, children first", n, CHAIN_CHILD_FIRST, reps);
    }
    return 0;
}
