/*
 * Ordering figures (issue "who goes first"). Prints medians.
 *
 *   priorities and fair share for 100,000 pending jobs and 10,000 users:
 *   <= 50 ms per recomputation; a step with backfill over 10,000 pending
 *   jobs on a 10,000-node cluster: <= 200 ms; gpusched sim replays 100,000
 *   jobs on a 1,000-node cluster in <= 10 s.
 *
 * A recomputation is timed as a step on a full cluster with calc_period 0:
 * usage is charged, the fair-share tree recomputed, every pending job's
 * multifactor priority recomputed and the queue sorted; nothing can start,
 * so placement adds one failed attempt.
 *
 *   bench_order [--quick]             everything (--quick: 10,000-job sims)
 *   bench_order --backfill-only       the backfill steps alone (profiling)
 *   bench_order --recompute-only      the recomputation alone (profiling)
 *   bench_order --write-trace FILE N  write the synthetic N-job trace
 * SPDX-License-Identifier: Apache-2.0
 */
#include "bench_util.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#ifndef GS_TOOL_PATH
#define GS_TOOL_PATH "gpusched"
#endif

static gs_topo *cluster(uint32_t nodes)
{
    char json[256];
    snprintf(json, sizeof json,
             "{\"nodes\": [{\"name\": \"gpu[%05u-%05u]\", \"template\": "
             "\"dgx-h100\", \"racks\": {\"size\": 32, \"parent\": "
             "\"spine\"}}]}",
             1u, nodes);
    gs_topo *t = NULL;
    if (gs_topo_load_buffer(&t, json, strlen(json), "bench", NULL) != GS_OK) {
        fprintf(stderr, "%s\n", gs_topo_errmsg(t));
        exit(1);
    }
    return t;
}

/* 10,000 users in 100 accounts under 10 top accounts, as JSON. */
static char *accounts_json(int users)
{
    size_t cap = (size_t)users * 64 + 8192, n = 0;
    char *b = malloc(cap);
    n += (size_t)snprintf(b + n, cap - n, "{\"accounts\": [");
    for (int a = 0; a < 10; a++)
        n += (size_t)snprintf(b + n, cap - n,
                              "%s{\"name\": \"top%d\", \"shares\": %d}",
                              a ? ", " : "", a, 1 + a);
    for (int a = 0; a < 100; a++)
        n += (size_t)snprintf(b + n, cap - n,
                              ", {\"name\": \"acct%d\", \"parent\": "
                              "\"top%d\", \"shares\": %d}",
                              a, a % 10, 1 + a % 7);
    n += (size_t)snprintf(b + n, cap - n, "], \"users\": [");
    for (int u = 0; u < users; u++)
        n += (size_t)snprintf(b + n, cap - n,
                              "%s{\"name\": \"u%d\", \"account\": "
                              "\"acct%d\"}",
                              u ? ", " : "", u, u % 100);
    n += (size_t)snprintf(b + n, cap - n,
                          "], \"priority_weights\": {\"calc_period\": 0, "
                          "\"job_size\": 500}}");
    return b;
}

static void recompute(void)
{
    gs_topo *t = cluster(1000);
    gs_sched *s = NULL;
    gs_sched_create(&s, t, NULL);
    char *acc = accounts_json(10000);
    if (gs_sched_configure(s, acc, strlen(acc), "bench") != GS_OK) {
        fprintf(stderr, "%s\n", gs_sched_errmsg(s));
        exit(1);
    }
    free(acc);
    unsigned seed = 3;
    /* fill the cluster with running jobs of many users */
    char user[16], account[16];
    for (int i = 0; i < 1000; i++) {
        gs_job_spec spec;
        gs_job_spec_init(&spec);
        int u = (int)(rand_r(&seed) % 10000);
        snprintf(user, sizeof user, "u%d", u);
        snprintf(account, sizeof account, "acct%d", u % 100);
        spec.gpus = 8;
        spec.user = user;
        spec.account = account;
        gs_sched_submit(s, &spec, NULL);
    }
    gs_sched_step(s, 0, NULL);
    gs_sched_events_consume(s, gs_sched_event_count(s)); /* read */
    for (int i = 0; i < 100000; i++) {
        gs_job_spec spec;
        gs_job_spec_init(&spec);
        int u = (int)(rand_r(&seed) % 10000);
        snprintf(user, sizeof user, "u%d", u);
        snprintf(account, sizeof account, "acct%d", u % 100);
        spec.gpus = 1u << (rand_r(&seed) % 4);
        spec.user = user;
        spec.account = account;
        spec.priority = rand_r(&seed) % 100;
        spec.submit_time = rand_r(&seed) % 3600;
        gs_sched_submit(s, &spec, NULL);
    }
    enum { RUNS = 9 };
    double steps[RUNS], share[RUNS];
    for (int r = 0; r < RUNS; r++) {
        double t0 = bench_now();
        gs_sched_step(s, 3600 + 60 * r, NULL);
        steps[r] = bench_now() - t0;
        gs_sched_events_consume(s, gs_sched_event_count(s));
        gs_share *sh = gs_sched_share(s);
        t0 = bench_now();
        gs_share_compute(sh, GS_FAIRSHARE_FAIR_TREE, 3600 + 60 * r + 1);
        share[r] = bench_now() - t0;
    }
    printf("100,000 pending jobs, 10,000 users, 1,000 running jobs:\n");
    printf("  %-56s %8.1f ms\n", "recomputation (usage, fair tree, priorities, "
                                 "sort)",
           bench_median(steps, RUNS) * 1e3);
    printf("  %-56s %8.2f ms\n", "of which the fair-tree computation alone",
           bench_median(share, RUNS) * 1e3);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* 10,000 nodes, 90% busy with jobs that have time limits; 10,000 pending
 * jobs with limits, big ones ahead so that backfill has work to do. */
static double backfill_step(gs_backfill mode, uint32_t depth, size_t *started)
{
    enum { RUNS = 5 };
    double times[RUNS];
    for (int r = 0; r < RUNS; r++) {
        gs_topo *t = cluster(10000);
        gs_sched_config cfg;
        gs_sched_config_init(&cfg);
        cfg.ordering = GS_ORDER_PRIORITY;
        cfg.backfill = mode;
        cfg.backfill_depth = depth;
        gs_sched *s = NULL;
        gs_sched_create(&s, t, &cfg);
        unsigned seed = 17 + (unsigned)r;
        uint32_t total = gs_topo_gpu_count(t), used = 0;
        while (used < total * 9 / 10) {
            gs_job_spec spec;
            gs_job_spec_init(&spec);
            static const uint32_t sizes[] = {1, 2, 4, 8};
            spec.gpus = sizes[rand_r(&seed) % 4];
            spec.time_limit = 600 + rand_r(&seed) % 7200;
            spec.priority = 1000;
            gs_sched_submit(s, &spec, NULL);
            used += spec.gpus;
        }
        gs_sched_step(s, 0, NULL);
        gs_sched_events_consume(s, gs_sched_event_count(s));
        for (int i = 0; i < 10000; i++) {
            gs_job_spec spec;
            gs_job_spec_init(&spec);
            static const uint32_t sizes[] = {1, 1, 2, 4, 8, 16, 64, 512};
            spec.gpus = sizes[rand_r(&seed) % 8];
            spec.time_limit = 300 + rand_r(&seed) % 14400;
            spec.priority = rand_r(&seed) % 1000;
            spec.submit_time = 1;
            gs_sched_submit(s, &spec, NULL);
        }
        double t0 = bench_now();
        gs_sched_step(s, 10, started);
        times[r] = bench_now() - t0;
        gs_sched_destroy(s);
        gs_topo_destroy(t);
    }
    return bench_median(times, RUNS);
}

/* A synthetic trace: Poisson arrivals at about 95% of the cluster's
 * capacity, sizes 1-64 GPUs, log-uniform durations, limits 1-3x the
 * duration, 1,000 users. */
static void write_trace(const char *path, int jobs, uint32_t gpus_total)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fprintf(f, "id,submit,duration,time_limit,gpus,gpus_per_node,user,"
               "account,priority,preemptible\n");
    unsigned seed = 42;
    static const uint32_t sizes[] = {1, 1, 1, 2, 2, 4, 4, 8, 8, 16, 32, 64};
    /* mean GPU-seconds per job, worked out from the distributions below:
     * mean size 11.58, mean duration (e^ln(36000) - e^ln(60)) / ln(600) =
     * 5618 s */
    double mean_work = 11.58 * 5618.0;
    double rate = 0.95 * gpus_total / mean_work; /* jobs per second */
    double t = 0;
    for (int i = 0; i < jobs; i++) {
        double u = (rand_r(&seed) + 1.0) / ((double)RAND_MAX + 2.0);
        t += -log(u) / rate;
        double v = rand_r(&seed) / (double)RAND_MAX;
        int64_t dur = (int64_t)exp(log(60) + v * (log(36000) - log(60)));
        uint32_t g = sizes[rand_r(&seed) % 12];
        int64_t limit = dur * (1 + rand_r(&seed) % 3);
        int user = (int)(rand_r(&seed) % 1000);
        fprintf(f, "j%d,%lld,%lld,%lld,%u,%u,u%d,a%d,%d,%d\n", i,
                (long long)t, (long long)dur, (long long)limit, g,
                g >= 8 ? 8u : 0u, user, user % 20, (int)(rand_r(&seed) % 10),
                rand_r(&seed) % 10 == 0);
    }
    fclose(f);
}

static double sim_run(const char *trace, const char *topo, const char *extra)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "'%s' sim --topo '%s' --jobs '%s' --out /dev/null %s >/tmp/"
             "gs_bench_sim.txt",
             GS_TOOL_PATH, topo, trace, extra);
    double t0 = bench_now();
    int rc = system(cmd);
    double dt = bench_now() - t0;
    if (rc != 0) {
        fprintf(stderr, "sim failed: %s\n", cmd);
        exit(1);
    }
    return dt;
}

int main(int argc, char **argv)
{
    bool quick = argc > 1 && !strcmp(argv[1], "--quick");
    if (argc > 3 && !strcmp(argv[1], "--write-trace")) {
        /* bench_order --write-trace FILE JOBS: the synthetic trace only */
        write_trace(argv[2], atoi(argv[3]), 8000);
        return 0;
    }
    /* bench_order --backfill-only: the backfill steps alone (profiling) */
    bool bf_only = argc > 1 && !strcmp(argv[1], "--backfill-only");
    bool rc_only = argc > 1 && !strcmp(argv[1], "--recompute-only");
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("gpusched %s ordering benchmark, medians\n\n", gs_version_string());
    if (!bf_only)
        recompute();
    if (rc_only)
        return 0;
    size_t started = 0;
    printf("\nstep with backfill, 10,000 pending jobs on 10,000 nodes "
           "(90%% busy):\n");
    double e = backfill_step(GS_BACKFILL_EASY, 10000, &started);
    printf("  %-56s %8.1f ms (%zu started)\n", "easy, depth 10,000", e * 1e3,
           started);
    double c = backfill_step(GS_BACKFILL_CONSERVATIVE, 100, &started);
    printf("  %-56s %8.1f ms (%zu started)\n", "conservative, depth 100",
           c * 1e3, started);
    double c2 = backfill_step(GS_BACKFILL_CONSERVATIVE, 1000, &started);
    printf("  %-56s %8.1f ms (%zu started)\n", "conservative, depth 1,000",
           c2 * 1e3, started);
    if (bf_only)
        return 0;

    const char *trace = "/tmp/gs_bench_trace.csv";
    const char *topo = "/tmp/gs_bench_1000.json";
    FILE *f = fopen(topo, "w");
    fprintf(f, "{\"nodes\": [{\"name\": \"gpu[0001-1000]\", \"template\": "
               "\"dgx-h100\", \"racks\": {\"size\": 32, \"parent\": "
               "\"spine\"}}]}\n");
    fclose(f);
    int jobs = quick ? 10000 : 100000;
    write_trace(trace, jobs, 8000);
    enum { RUNS = 3 };
    double times[RUNS];
    printf("\ngpusched sim, %d jobs on 1,000 nodes x 8 GPUs:\n", jobs);
    const char *modes[][2] = {
        {"multifactor, no backfill (the defaults)", ""},
        {"multifactor, easy backfill", "--backfill easy"},
        {"multifactor, conservative backfill every 30 s",
         "--backfill conservative --backfill-interval 30"},
        {"fifo, no backfill", "--ordering fifo --backfill none"}};
    for (size_t m = 0; m < 4; m++) {
        for (int r = 0; r < RUNS; r++)
            times[r] = sim_run(trace, topo, modes[m][1]);
        printf("  %-56s %8.2f s\n", modes[m][0], bench_median(times, RUNS));
        FILE *sf = fopen("/tmp/gs_bench_sim.txt", "r");
        char line[256];
        while (sf && fgets(line, sizeof line, sf))
            printf("    %s", line);
        if (sf)
            fclose(sf);
    }
    remove(trace);
    remove(topo);
    remove("/tmp/gs_bench_sim.txt");
    printf("\ntargets: recomputation <= 50 ms, backfill step <= 200 ms, "
           "sim <= 10 s\n");
    return 0;
}
