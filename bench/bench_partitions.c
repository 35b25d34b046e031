/*
 * Benchmark (issue 15): a scheduler step with partitions, node features and
 * weights in use. 10,000 nodes (8 H100 each) in 8 partitions of 1,250
 * nodes, plus one partition over all of them; 4 features (two racks' worth
 * of tags, "ib" on every other node, "nvl" on every fourth); weights 1-3.
 * The cluster is 90% busy; 10,000 jobs wait, each naming one or two
 * partitions, a third with a constraint. Target: step <= 50 ms, allocating
 * nothing (the library counts its blocks: the figure is printed).
 *
 *   bench_partitions           medians of 5 runs per configuration
 *   bench_partitions --quick   1 run
 * SPDX-License-Identifier: Apache-2.0
 */
#include "bench_util.h"

#include <stdbool.h>

/* Calls to the allocator (counted: deciding must make none). */
static long long n_allocs;
static void *count_malloc(void *u, size_t n)
{
    (void)u;
    n_allocs++;
    return malloc(n);
}
static void *count_realloc(void *u, void *p, size_t n)
{
    (void)u;
    n_allocs++;
    return realloc(p, n);
}
static void count_free(void *u, void *p)
{
    (void)u;
    free(p);
}

static gs_topo *cluster(uint32_t nodes, bool tagged)
{
    gs_topo *t = NULL;
    if (gs_topo_create(&t) != GS_OK)
        exit(1);
    for (uint32_t i = 0; i < nodes; i++) {
        char name[32];
        snprintf(name, sizeof name, "gpu%05u", i + 1);
        uint32_t n;
        if (gs_topo_add_template_node(t, "dgx-h100", name, &n) != GS_OK) {
            fprintf(stderr, "%s\n", gs_topo_errmsg(t));
            exit(1);
        }
        if (!tagged)
            continue;
        char feat[64];
        snprintf(feat, sizeof feat, "%s%s%s", i % 2 ? "rackA" : "rackB",
                 i % 2 ? ",ib" : "", i % 4 == 0 ? ",nvl" : "");
        if (gs_topo_set_node_features(t, n, feat) != GS_OK ||
            gs_topo_set_node_weight(t, n, 1 + i % 3) != GS_OK) {
            fprintf(stderr, "%s\n", gs_topo_errmsg(t));
            exit(1);
        }
    }
    if (gs_topo_freeze(t) != GS_OK) {
        fprintf(stderr, "%s\n", gs_topo_errmsg(t));
        exit(1);
    }
    return t;
}

static void partitions(gs_sched *s)
{
    for (int p = 0; p < 8; p++) {
        char name[16], nodes[64];
        snprintf(name, sizeof name, "p%d", p);
        snprintf(nodes, sizeof nodes, "gpu[%05d-%05d]", p * 1250 + 1,
                 (p + 1) * 1250);
        gs_partition_spec ps = GS_PARTITION_SPEC_INIT;
        ps.name = name;
        ps.nodes = nodes;
        ps.priority_tier = (uint32_t)(p % 2);
        if (gs_sched_add_partition(s, &ps) != GS_OK) {
            fprintf(stderr, "%s\n", gs_sched_errmsg(s));
            exit(1);
        }
    }
    gs_partition_spec all = GS_PARTITION_SPEC_INIT;
    all.name = "all";
    all.is_default = 1;
    if (gs_sched_add_partition(s, &all) != GS_OK)
        exit(1);
}

/* One step over 10,000 waiting jobs on a 90%-busy cluster (seconds); the
 * blocks the library allocated during the step in *blocks. */
static double step(bool parts, gs_backfill bf, size_t *started,
                   long long *blocks)
{
    gs_topo *t = cluster(10000, parts);
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.ordering = GS_ORDER_PRIORITY;
    cfg.backfill = bf;
    cfg.backfill_depth = 10000;
    gs_sched *s = NULL;
    if (gs_sched_create(&s, t, &cfg) != GS_OK)
        exit(1);
    if (parts)
        partitions(s);
    unsigned seed = 17;
    uint32_t total = gs_topo_gpu_count(t), used = 0;
    static const char *const cons[] = {"ib", "rackA|nvl", "rackB&nvl"};
    while (used < total * 9 / 10) {
        gs_job_spec spec = GS_JOB_SPEC_INIT;
        static const uint32_t sizes[] = {1, 2, 4, 8};
        spec.gpus = sizes[rand_r(&seed) % 4];
        spec.time_limit = 600 + rand_r(&seed) % 7200;
        spec.priority = 1000;
        if (gs_sched_submit(s, &spec, NULL) != GS_OK)
            exit(1);
        used += spec.gpus;
    }
    gs_sched_step(s, 0, NULL);
    gs_sched_events_consume(s, gs_sched_event_count(s));
    for (int i = 0; i < 10000; i++) {
        gs_job_spec spec = GS_JOB_SPEC_INIT;
        static const uint32_t sizes[] = {1, 1, 2, 4, 8, 16, 64};
        spec.gpus = sizes[rand_r(&seed) % 7];
        spec.time_limit = 300 + rand_r(&seed) % 14400;
        spec.priority = rand_r(&seed) % 1000;
        spec.submit_time = 1;
        char part[16];
        if (parts) {
            int p = (int)(rand_r(&seed) % 9);
            if (p == 8)
                snprintf(part, sizeof part, "all");
            else if (rand_r(&seed) % 2)
                snprintf(part, sizeof part, "p%d,p%d", p, (p + 1) % 8);
            else
                snprintf(part, sizeof part, "p%d", p);
            spec.partition = part;
            if (rand_r(&seed) % 3 == 0)
                spec.constraint = cons[rand_r(&seed) % 3];
        }
        if (gs_sched_submit(s, &spec, NULL) != GS_OK) {
            fprintf(stderr, "%s\n", gs_sched_errmsg(s));
            exit(1);
        }
    }
    long long before = n_allocs;
    double t0 = bench_now();
    gs_sched_step(s, 10, started);
    double dt = bench_now() - t0;
    *blocks = n_allocs - before;
    gs_sched_destroy(s);
    gs_topo_destroy(t);
    return dt;
}

int main(int argc, char **argv)
{
    bool quick = argc > 1 && !strcmp(argv[1], "--quick");
    int runs = quick ? 1 : 5;
    setvbuf(stdout, NULL, _IOLBF, 0);
    gs_allocator counting = {count_malloc, count_realloc, count_free, NULL};
    if (gs_set_allocator(&counting) != GS_OK)
        return 1;
    printf("gpusched %s partitions benchmark, medians of %d\n\n",
           gs_version_string(), runs);
    printf("step, 10,000 pending jobs on 10,000 nodes (90%% busy):\n");
    static const struct {
        const char *what;
        bool parts;
        gs_backfill bf;
    } cases[] = {
        {"no partitions, no backfill", false, GS_BACKFILL_NONE},
        {"9 partitions, 4 features, weights, no backfill", true,
         GS_BACKFILL_NONE},
        {"no partitions, easy backfill depth 10,000", false,
         GS_BACKFILL_EASY},
        {"9 partitions, 4 features, weights, easy backfill", true,
         GS_BACKFILL_EASY},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double times[5];
        size_t started = 0;
        long long blocks = 0;
        for (int r = 0; r < runs; r++)
            times[r] = step(cases[c].parts, cases[c].bf, &started, &blocks);
        printf("  %-52s %8.1f ms (%zu started, %lld allocations)\n",
               cases[c].what, bench_median(times, (size_t)runs) * 1e3,
               started, blocks);
    }
    printf("\ntarget: step <= 50 ms with partitions, features and weights; "
           "no allocation while deciding (the one allocation is the event "
           "queue's room for this step's events, made before deciding)\n");
    return 0;
}
