/*
 * Shared GPUs (issue 17): shares placed by each policy against hand-worked
 * answers, whole-GPU jobs never on a shared GPU, no GPU oversubscribed
 * under random workloads (checked here from the allocations, and by
 * gs_sched_check), the fragmentation measure by hand, fgd and frag-aware
 * against a brute force over every (node, GPU) written here, limits and
 * usage counting shares, MPS settings, GPU failures, backfill and
 * preemption with shares.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <gpusched/gpusched.h>

#include "test_support.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define GIB (1024ull * 1024 * 1024)

/* n nodes of g GPUs (16 GiB each, PCIe), c CPUs and 64 GiB each. */
static gs_topo *cluster(uint32_t n, uint32_t g, uint32_t c)
{
    char json[2048], row[256];
    int at = snprintf(json, sizeof json,
                      "{\"nodes\": [{\"name\": \"n[0-%u]\", \"numa\": "
                      "[{\"cpus\": \"0-%u\", \"memory\": \"64GiB\"}], "
                      "\"gpus\": {\"count\": %u, \"model\": \"T4\", "
                      "\"memory\": \"16GiB\", \"numa\": 0}, \"matrix\": [",
                      n - 1, c - 1, g);
    for (uint32_t i = 0; i < g; i++) {
        int r = 0;
        for (uint32_t k = 0; k < g; k++)
            r += snprintf(row + r, sizeof row - (size_t)r, "%s%s",
                          k ? " " : "", i == k ? "X" : "PHB");
        at += snprintf(json + at, sizeof json - (size_t)at, "%s\"%s\"",
                       i ? ", " : "", row);
    }
    snprintf(json + at, sizeof json - (size_t)at, "]}]}");
    return test_topo_json(json);
}

static gs_sched *make(const gs_topo *t, const char *policy)
{
    gs_sched_config c = GS_SCHED_CONFIG_INIT;
    c.placement = policy;
    c.ordering = GS_ORDER_FIFO;
    gs_sched *s = NULL;
    gs_status st = gs_sched_create(&s, t, &c);
    if (st != GS_OK)
        fail_msg("create: %s", gs_sched_errmsg(s));
    return s;
}

static uint64_t submit_share(gs_sched *s, uint32_t gpus, uint32_t milli,
                             int64_t t)
{
    gs_job_spec spec = GS_JOB_SPEC_INIT;
    spec.gpus = gpus;
    spec.gpu_milli = milli;
    spec.submit_time = t;
    uint64_t id = 0;
    if (gs_sched_submit(s, &spec, &id) != GS_OK)
        fail_msg("submit: %s", gs_sched_errmsg(s));
    return id;
}

static gs_job_info info(const gs_sched *s, uint64_t id)
{
    gs_job_info i = GS_JOB_INFO_INIT;
    assert_int_equal(gs_sched_job_info(s, id, &i), GS_OK);
    return i;
}

/* A running job's GPUs, cluster-wide ids. */
static size_t job_gpus(const gs_sched *s, uint64_t id, uint32_t *g)
{
    size_t n = 0;
    char buf[4096];
    for (uint32_t k = 0; k < gs_sched_alloc_node_count(s, id); k++) {
        gs_alloc_entry e;
        gs_alloc_entry_init(&e);
        assert_int_equal(gs_sched_alloc_entry(s, id, k, &e, buf, sizeof buf),
                         GS_OK);
        for (uint32_t i = 0; i < e.n_gpus; i++)
            g[n++] = e.gpu_ids[i];
    }
    return n;
}

/* The job's first GPU as a cluster-wide id (GS_NONE: not running). */
static uint32_t gpu_of(const gs_sched *s, uint64_t id)
{
    if (info(s, id).state != GS_JOB_RUNNING)
        return GS_NONE;
    uint32_t g[64];
    assert_true(job_gpus(s, id, g) > 0);
    return g[0];
}

/* ---- each policy by hand ---------------------------------------------- */

/*
 * Two nodes of two GPUs (ids n0: 0 1, n1: 2 3). A takes 0.5, then B 0.3:
 *   first-fit: A on GPU 0, B on GPU 0 (lowest with room);
 *   best-fit:  A on GPU 0; B where least room is left: GPU 0 (0.2 left);
 *   spread:    A on GPU 0 (all alike: first node); B where most room is
 *              left (0.7 on each idle GPU), then the node with the most
 *              free share: n1 (2.0 against 1.5) -> GPU 2.
 * Then C 0.6: first-fit and best-fit put it on GPU 1 (GPU 0 has 0.2);
 * best-fit prefers n0 (1.2 free) to n1 (2.0). A whole GPU D then goes to
 * n1 (n0's GPUs are shared) and a 2-GPU whole job waits. Spread puts C on
 * an idle GPU (0.4 left on either), of the node with the most free share:
 * n1 (1.7 against 1.5) -> GPU 3; D gets the last idle GPU, 1.
 */
static void policies_by_hand(void **state)
{
    (void)state;
    gs_topo *t = cluster(2, 2, 16);
    struct {
        const char *policy;
        uint32_t a, b, c, d;
    } want[] = {{"first-fit", 0, 0, 1, 2},
                {"best-fit", 0, 0, 1, 2},
                {"nvlink-pack", 0, 0, 1, 2},
                {"spread", 0, 2, 3, 1}};
    for (size_t w = 0; w < sizeof want / sizeof *want; w++) {
        gs_sched *s = make(t, want[w].policy);
        uint64_t a = submit_share(s, 1, 500, 0);
        assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
        uint64_t b = submit_share(s, 1, 300, 1);
        assert_int_equal(gs_sched_step(s, 1, NULL), GS_OK);
        uint64_t c = submit_share(s, 1, 600, 2);
        assert_int_equal(gs_sched_step(s, 2, NULL), GS_OK);
        uint64_t d = submit_share(s, 1, 0, 3);
        uint64_t e = submit_share(s, 2, 0, 3);
        assert_int_equal(gs_sched_step(s, 3, NULL), GS_OK);
        assert_int_equal(gpu_of(s, a), want[w].a);
        assert_int_equal(gpu_of(s, b), want[w].b);
        assert_int_equal(gpu_of(s, c), want[w].c);
        assert_int_equal(gpu_of(s, d), want[w].d);
        /* e needs two whole GPUs on one node: only one is left */
        assert_int_equal(info(s, e).state, GS_JOB_PENDING);
        assert_int_equal(info(s, c).gpu_milli, 600);
        assert_int_equal(info(s, d).gpu_milli, 1000);
        assert_int_equal(gs_sched_check(s), GS_OK);
        gs_sched_destroy(s);
    }
    gs_topo_destroy(t);
}

/* A whole-GPU job waits for the last shared job on a GPU to end. */
static void whole_waits_for_shares(void **state)
{
    (void)state;
    gs_topo *t = cluster(1, 1, 8);
    gs_sched *s = make(t, "best-fit");
    uint64_t a = submit_share(s, 1, 400, 0), b = submit_share(s, 1, 400, 0);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    uint64_t w = submit_share(s, 1, 1000, 1);
    assert_int_equal(gs_sched_step(s, 1, NULL), GS_OK);
    assert_int_equal(info(s, w).state, GS_JOB_PENDING);
    uint32_t milli = 0, jobs = 0;
    uint64_t mem = 0;
    assert_int_equal(gs_sched_gpu_share(s, 0, &milli, &mem, &jobs), GS_OK);
    assert_int_equal(milli, 800);
    assert_int_equal(jobs, 2);
    assert_int_equal(gs_sched_complete(s, a, 2), GS_OK);
    assert_int_equal(gs_sched_step(s, 2, NULL), GS_OK);
    assert_int_equal(info(s, w).state, GS_JOB_PENDING);
    assert_int_equal(gs_sched_complete(s, b, 3), GS_OK);
    assert_int_equal(gs_sched_step(s, 3, NULL), GS_OK);
    assert_int_equal(info(s, w).state, GS_JOB_RUNNING);
    /* and a share waits for the whole job */
    uint64_t x = submit_share(s, 1, 1, 4);
    assert_int_equal(gs_sched_step(s, 4, NULL), GS_OK);
    assert_int_equal(info(s, x).state, GS_JOB_PENDING);
    assert_int_equal(gs_sched_gpu_share(s, 0, &milli, NULL, &jobs), GS_OK);
    assert_int_equal(milli, 1000);
    assert_int_equal(jobs, 1);
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* Device memory counts: two 10 GiB shares do not fit one 16 GiB GPU. */
static void device_memory_counts(void **state)
{
    (void)state;
    gs_topo *t = cluster(1, 2, 8);
    gs_sched *s = make(t, "best-fit");
    uint64_t id[3];
    for (int i = 0; i < 3; i++) {
        gs_job_spec spec = GS_JOB_SPEC_INIT;
        spec.gpus = 1;
        spec.gpu_milli = 100;
        spec.gpu_mem = 10 * GIB;
        assert_int_equal(gs_sched_submit(s, &spec, &id[i]), GS_OK);
    }
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    assert_int_equal(gpu_of(s, id[0]), 0);
    assert_int_equal(gpu_of(s, id[1]), 1);
    assert_int_equal(info(s, id[2]).state, GS_JOB_PENDING);
    /* more than any GPU has: never runnable */
    gs_job_spec big = GS_JOB_SPEC_INIT;
    big.gpus = 1;
    big.gpu_milli = 100;
    big.gpu_mem = 17 * GIB;
    uint64_t bid;
    assert_int_equal(gs_sched_submit(s, &big, &bid), GS_ENORES);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* Bad requests: a clear error and nothing changes. */
static void bad_requests(void **state)
{
    (void)state;
    gs_topo *t = cluster(2, 2, 8);
    gs_sched *s = make(t, "best-fit");
    gs_job_spec spec = GS_JOB_SPEC_INIT;
    spec.gpus = 1;
    spec.gpu_milli = 1001;
    uint64_t id;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "gpu_milli 1001"));
    spec.gpu_milli = 500;
    spec.gpus = 3; /* one node has 2 */
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_ENORES);
    assert_non_null(strstr(gs_sched_errmsg(s), "one node"));
    spec.gpus = 2;
    spec.min_nodes = 2;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_EINVAL);
    spec.min_nodes = 0;
    spec.exclusive = 1;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "exclusive"));
    assert_int_equal(gs_sched_job_count(s), 0);
    gs_frag_class c = {1, 0, 0, 0, 1.0};
    assert_int_equal(gs_sched_set_frag_classes(s, &c, 1), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "class 0"));
    c.gpu_milli = 500;
    c.weight = NAN;
    assert_int_equal(gs_sched_set_frag_classes(s, &c, 1), GS_EINVAL);
    assert_int_equal(gs_sched_frag_classes(s, NULL, 0), 0);
    assert_int_equal(gs_sched_gpu_share(s, 4, NULL, NULL, NULL), GS_EINVAL);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* ---- random workloads: no GPU oversubscribed ---------------------------- */

static uint64_t rng_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* From the running jobs' allocations alone: per GPU the shares add up to
 * at most 1000, a whole job's GPU has no other job, memory fits. */
static void check_from_allocations(const gs_sched *s, const gs_topo *t)
{
    uint32_t ng = gs_topo_gpu_count(t);
    uint32_t *used = calloc(ng, sizeof *used);
    uint32_t *whole = calloc(ng, sizeof *whole);
    uint32_t *count = calloc(ng, sizeof *count);
    uint64_t *mem = calloc(ng, sizeof *mem);
    assert_non_null(used);
    assert_non_null(whole);
    assert_non_null(count);
    assert_non_null(mem);
    size_t nj = gs_sched_job_count(s);
    for (size_t i = 0; i < nj; i++) {
        uint64_t id = gs_sched_job_at(s, i);
        gs_job_info ji = info(s, id);
        if (ji.state != GS_JOB_RUNNING)
            continue;
        uint32_t g[64];
        size_t n = job_gpus(s, id, g);
        assert_int_equal(n, ji.gpus);
        for (size_t k = 0; k < n; k++) {
            used[g[k]] += ji.gpu_milli;
            count[g[k]]++;
            whole[g[k]] += ji.gpu_milli == 1000;
            mem[g[k]] += ji.gpu_milli < 1000 ? ji.gpu_mem : 0;
        }
    }
    for (uint32_t g = 0; g < ng; g++) {
        assert_true(used[g] <= 1000);
        assert_true(!whole[g] || count[g] == 1);
        assert_true(mem[g] <= 16 * GIB);
        uint32_t milli = 0;
        assert_int_equal(gs_sched_gpu_share(s, g, &milli, NULL, NULL), GS_OK);
        assert_int_equal(milli, used[g]);
    }
    free(used);
    free(whole);
    free(count);
    free(mem);
}

static void random_workloads(void **state)
{
    (void)state;
    static const char *const pol[] = {"first-fit", "best-fit", "spread",
                                      "nvlink-pack", "frag-aware", "fgd"};
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 24; round++) {
        uint32_t nodes = 1 + (uint32_t)(rng_next(&x) % 4);
        uint32_t gpus = 1 + (uint32_t)(rng_next(&x) % 8);
        gs_topo *t = cluster(nodes, gpus, 32);
        gs_sched_config c = GS_SCHED_CONFIG_INIT;
        c.placement = pol[round % 6];
        c.backfill = (gs_backfill)(rng_next(&x) % 3);
        c.preempt = rng_next(&x) % 2 ? GS_PREEMPT_REQUEUE : GS_PREEMPT_OFF;
        gs_sched *s = NULL;
        assert_int_equal(gs_sched_create(&s, t, &c), GS_OK);
        uint64_t live[256];
        size_t nl = 0;
        for (int64_t now = 0; now < 120; now++) {
            for (int k = (int)(rng_next(&x) % 4); k > 0 && nl < 256; k--) {
                gs_job_spec spec = GS_JOB_SPEC_INIT;
                uint64_t r = rng_next(&x);
                bool shared = r % 3 != 0;
                spec.gpus = 1 + (uint32_t)((r >> 8) % (shared ? gpus : gpus));
                if (shared && spec.gpus > 1 && (r >> 16) % 4)
                    spec.gpus = 1;
                spec.gpu_milli = shared ? 1 + (uint32_t)((r >> 20) % 999) : 0;
                spec.gpu_mem = shared && (r >> 30) % 2
                                   ? ((r >> 32) % 12 + 1) * GIB
                                   : 0;
                spec.cpus_per_gpu = (uint32_t)((r >> 40) % 3);
                spec.time_limit = 1 + (int64_t)((r >> 44) % 40);
                spec.priority = (int64_t)((r >> 50) % 5);
                spec.preemptible = (r >> 55) % 2;
                spec.submit_time = now;
                uint64_t id;
                if (gs_sched_submit(s, &spec, &id) == GS_OK)
                    live[nl++] = id;
            }
            assert_int_equal(gs_sched_step(s, now, NULL), GS_OK);
            assert_int_equal(gs_sched_events_consume(
                                 s, gs_sched_event_count(s)),
                             GS_OK);
            if (gs_sched_check(s) != GS_OK)
                fail_msg("%s round %d t %lld: %s", c.placement, round,
                         (long long)now, gs_sched_errmsg(s));
            check_from_allocations(s, t);
            /* some running jobs end */
            for (size_t i = 0; i < nl;) {
                gs_job_info ji = info(s, live[i]);
                bool end = ji.state == GS_JOB_RUNNING && rng_next(&x) % 4 == 0;
                if (end)
                    assert_int_equal(gs_sched_complete(s, live[i], now),
                                     GS_OK);
                if (end || (ji.state != GS_JOB_RUNNING &&
                            ji.state != GS_JOB_PENDING))
                    live[i] = live[--nl];
                else
                    i++;
            }
        }
        gs_sched_destroy(s);
        gs_topo_destroy(t);
    }
}

/* ---- the fragmentation measure ---------------------------------------- */

/*
 * One node, 2 GPUs, 4 CPUs; classes {1 whole GPU, 1 CPU} and {0.6 GPU,
 * 1 CPU}, equal weights. A 0.5 job (1 CPU) on GPU 0 leaves free shares
 * [500, 1000]: the whole class fits (GPU 1) and cannot use GPU 0's 500;
 * the 0.6 class fits (GPU 1) and cannot use 500 either: 0.5 x 500 + 0.5 x
 * 500 = 500 milli = 0.5 GPU. A second job taking the other 3 CPUs (0.1
 * GPU, on GPU 0 by best-fit: 400 left) leaves no CPU: neither class fits,
 * so all the free share, 400 + 1000 = 1.4 GPUs, is fragmented.
 */
static void measure_by_hand(void **state)
{
    (void)state;
    gs_topo *t = cluster(1, 2, 4);
    gs_sched *s = make(t, "best-fit");
    gs_frag_class cls[2] = {{1, 1000, 1, 0, 1.0}, {1, 600, 1, 0, 1.0}};
    assert_int_equal(gs_sched_set_frag_classes(s, cls, 2), GS_OK);
    double f = -1;
    assert_int_equal(gs_sched_fragmentation(s, &f), GS_OK);
    assert_true(f == 0.0);
    gs_job_spec spec = GS_JOB_SPEC_INIT;
    spec.gpus = 1;
    spec.gpu_milli = 500;
    spec.cpus_per_gpu = 1;
    uint64_t id;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    assert_int_equal(gs_sched_fragmentation(s, &f), GS_OK);
    assert_true(fabs(f - 0.5) < 1e-12);
    spec.gpu_milli = 100;
    spec.cpus_per_gpu = 3;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
    assert_int_equal(gs_sched_step(s, 1, NULL), GS_OK);
    assert_int_equal(gpu_of(s, id), 0);
    assert_int_equal(gs_sched_fragmentation(s, &f), GS_OK);
    assert_true(fabs(f - 1.4) < 1e-12);
    gs_frag_class back[4];
    assert_int_equal(gs_sched_frag_classes(s, back, 4), 2);
    assert_true(back[0].weight == 0.5 && back[1].weight == 0.5);
    assert_int_equal(back[0].gpu_milli, 600); /* ties: the smaller share */
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* An independent measure of node n: free shares from gs_sched_gpu_share,
 * CPUs from the scheduler; after taking `take` milli of GPU g (GS_NONE:
 * nothing) and `cpus`. */
static double node_measure(const gs_sched *s, uint32_t n, uint32_t g_per,
                           const gs_frag_class *cls, size_t nc,
                           uint32_t take_gpu, uint32_t take, uint32_t cpus)
{
    uint32_t fv[16];
    uint32_t sum = 0;
    for (uint32_t b = 0; b < g_per; b++) {
        uint32_t milli = 0;
        assert_int_equal(gs_sched_gpu_share(s, n * g_per + b, &milli, NULL,
                                            NULL),
                         GS_OK);
        fv[b] = 1000 - milli;
        if (n * g_per + b == take_gpu)
            fv[b] -= take;
        sum += fv[b];
    }
    uint32_t free_cpus = gs_sched_node_free_cpus(s, n) - cpus;
    double wsum = 0, F = 0;
    for (size_t c = 0; c < nc; c++)
        wsum += cls[c].weight;
    for (size_t c = 0; c < nc; c++) {
        uint32_t cnt = 0, small = 0;
        for (uint32_t b = 0; b < g_per; b++) {
            if (fv[b] >= cls[c].gpu_milli)
                cnt++;
            else
                small += fv[b];
        }
        bool fits = cnt >= cls[c].gpus && cls[c].cpus <= free_cpus;
        F += cls[c].weight / wsum * (fits ? small : sum);
    }
    return F;
}

/* n shares of 0.05 to 0.05 x steps GPU (and 0 to 2 CPUs), each on a
 * random GPU below gpus (it requires it); those that do not fit are
 * cancelled. */
static void random_shares(gs_sched *s, uint64_t *y, int n, uint32_t steps,
                          uint32_t gpus)
{
    for (int k = 0; k < n; k++) {
        gs_job_spec spec = GS_JOB_SPEC_INIT;
        spec.gpus = 1;
        spec.gpu_milli = 50 * (1 + (uint32_t)(rng_next(y) % steps));
        spec.cpus_per_gpu = (uint32_t)(rng_next(y) % 3);
        uint32_t want = (uint32_t)(rng_next(y) % gpus);
        spec.require_gpus = &want;
        spec.n_require_gpus = 1;
        uint64_t id;
        if (gs_sched_submit(s, &spec, &id) == GS_OK &&
            gs_sched_step(s, 0, NULL) == GS_OK &&
            info(s, id).state == GS_JOB_PENDING)
            gs_sched_cancel(s, id, 0);
    }
}

/*
 * fgd and frag-aware against a brute force: from random states, the GPU
 * a one-GPU share goes to must be one where the measure (computed here)
 * grows least; fgd takes the first such (node, GPU) in index order.
 * Weights are powers of two, so every sum is exact.
 */
static void frag_policies_brute_force(void **state)
{
    (void)state;
    uint64_t x = 12345;
    const uint32_t N = 5, G = 4;
    gs_topo *t = cluster(N, G, 8);
    gs_frag_class cls[4] = {{1, 1000, 2, 0, 4.0},
                            {1, 500, 1, 0, 2.0},
                            {1, 250, 1, 0, 1.0},
                            {2, 1000, 4, 0, 1.0}};
    int cases = 0;
    for (int round = 0; round < 60; round++) {
        for (int which = 0; which < 2; which++) {
            gs_sched *s = make(t, which ? "frag-aware" : "fgd");
            assert_int_equal(gs_sched_set_frag_classes(s, cls, 4), GS_OK);
            /* a random state: shares placed first-fit-like by random GPU */
            uint64_t y = x;
            random_shares(s, &y, 12, 19, N * G);
            /* the job to place */
            uint32_t m = 50 * (1 + (uint32_t)(rng_next(&y) % 19));
            uint32_t cpus = (uint32_t)(rng_next(&y) % 3);
            double best = INFINITY;
            uint32_t first = GS_NONE;
            double dg[64];
            for (uint32_t n = 0; n < N; n++) {
                double before = node_measure(s, n, G, cls, 4, GS_NONE, 0, 0);
                for (uint32_t b = 0; b < G; b++) {
                    uint32_t g = n * G + b, milli;
                    gs_sched_gpu_share(s, g, &milli, NULL, NULL);
                    dg[g] = INFINITY;
                    if (milli + m > 1000 ||
                        gs_sched_node_free_cpus(s, n) < cpus)
                        continue;
                    dg[g] = node_measure(s, n, G, cls, 4, g, m, cpus) - before;
                    if (dg[g] < best) {
                        best = dg[g];
                        first = g;
                    }
                }
            }
            gs_job_spec spec = GS_JOB_SPEC_INIT;
            spec.gpus = 1;
            spec.gpu_milli = m;
            spec.cpus_per_gpu = cpus;
            uint32_t got = GS_NONE;
            size_t cnt = 0;
            gs_status st = gs_sched_preview(s, &spec, &got, 1, &cnt);
            if (first == GS_NONE) {
                assert_int_equal(st, GS_ENORES);
            } else {
                assert_int_equal(st, GS_OK);
                if (fabs(dg[got] - best) > 1e-9)
                    fail_msg("round %d %s: GPU %u grows %g, GPU %u %g",
                             round, which ? "frag-aware" : "fgd", got,
                             dg[got], first, best);
                if (!which)
                    assert_int_equal(got, first);
                cases++;
            }
            gs_sched_destroy(s);
        }
        rng_next(&x);
    }
    assert_true(cases > 60);
    gs_topo_destroy(t);
}

/*
 * frag-aware, one whole GPU, against a brute force: the nodes whose growth
 * of the measure (computed here) is within 1% of the least are alike, and
 * the job goes to the one with the most free share among them (then the
 * least growth, then the lowest node). fgd takes the least growth, first
 * node on ties.
 */
static void frag_aware_whole_gpu_rule(void **state)
{
    (void)state;
    uint64_t x = 777;
    const uint32_t N = 6, G = 4;
    gs_topo *t = cluster(N, G, 8);
    /* a light class of small shares makes growths that differ by less
     * than 1% */
    gs_frag_class cls[5] = {{1, 1000, 2, 0, 4.0},
                            {1, 500, 1, 0, 2.0},
                            {1, 250, 1, 0, 1.0},
                            {2, 1000, 4, 0, 1.0},
                            {1, 150, 4, 0, 0.01}};
    int cases = 0, spread = 0, near = 0;
    for (int round = 0; round < 80; round++) {
        for (int which = 0; which < 2; which++) {
            gs_sched *s = make(t, which ? "frag-aware" : "fgd");
            assert_int_equal(gs_sched_set_frag_classes(s, cls, 5), GS_OK);
            uint64_t y = x;
            random_shares(s, &y, 10, 20, N * G);
            uint32_t cpus = (uint32_t)(rng_next(&y) % 3);
            /* per node: the growth when a free GPU is taken, its free
             * share */
            double d[16];
            uint32_t nfree[16];
            bool ok[16];
            double dmin = INFINITY;
            for (uint32_t n = 0; n < N; n++) {
                double before = node_measure(s, n, G, cls, 5, GS_NONE, 0, 0);
                uint32_t g_free = GS_NONE;
                nfree[n] = 0;
                for (uint32_t b = 0; b < G; b++) {
                    uint32_t milli;
                    gs_sched_gpu_share(s, n * G + b, &milli, NULL, NULL);
                    nfree[n] += 1000 - milli;
                    if (milli == 0 && g_free == GS_NONE)
                        g_free = n * G + b;
                }
                ok[n] = g_free != GS_NONE &&
                        gs_sched_node_free_cpus(s, n) >= cpus;
                d[n] = ok[n] ? node_measure(s, n, G, cls, 5, g_free, 1000,
                                            cpus) -
                                   before
                             : INFINITY;
                if (d[n] < dmin)
                    dmin = d[n];
            }
            uint32_t want = GS_NONE, least = GS_NONE;
            for (uint32_t n = 0; n < N; n++) {
                if (ok[n] && fabs(d[n] - dmin) < 1e-9 && least == GS_NONE)
                    least = n;
            }
            for (uint32_t n = 0; n < N; n++) {
                if (!ok[n])
                    continue;
                if (!which) {
                    if (fabs(d[n] - dmin) < 1e-9 && want == GS_NONE)
                        want = n;
                    continue;
                }
                if (d[n] > dmin + 0.01 * fabs(dmin) + 1e-6)
                    continue;
                if (want == GS_NONE || nfree[n] > nfree[want] ||
                    (nfree[n] == nfree[want] && d[n] < d[want] - 1e-9))
                    want = n;
            }
            gs_job_spec spec = GS_JOB_SPEC_INIT;
            spec.gpus = 1;
            spec.cpus_per_gpu = cpus;
            uint32_t got = GS_NONE;
            size_t cnt = 0;
            gs_status st = gs_sched_preview(s, &spec, &got, 1, &cnt);
            if (want == GS_NONE) {
                assert_int_equal(st, GS_ENORES);
            } else {
                assert_int_equal(st, GS_OK);
                if (got / G != want)
                    fail_msg("round %d %s: node %u (growth %g, free %u), "
                             "wanted node %u (growth %g, free %u)",
                             round, which ? "frag-aware" : "fgd", got / G,
                             d[got / G], nfree[got / G], want, d[want],
                             nfree[want]);
                cases++;
                spread += which && want != least;
                near += which && fabs(d[want] - dmin) > 1e-9;
            }
            gs_sched_destroy(s);
        }
        rng_next(&x);
    }
    /* the rule was tested, also where it differs from fgd's */
    if (cases <= 100 || spread == 0 || near == 0)
        fail_msg("%d cases, %d where frag-aware differs from fgd, %d of "
                 "them within 1%%",
                 cases, spread, near);
    gs_topo_destroy(t);
}

/*
 * frag-aware and fgd keep whole GPUs whole: on two idle 2-GPU nodes with
 * a job mix of whole GPUs and halves, a 0.5 job, then another: both on
 * the same GPU (the second half fills it: the measure does not grow),
 * where best-fit does the same and spread does not.
 */
static void halves_pair_up(void **state)
{
    (void)state;
    gs_topo *t = cluster(2, 2, 8);
    const char *pol[] = {"frag-aware", "fgd"};
    gs_frag_class cls[2] = {{1, 1000, 0, 0, 1.0}, {1, 500, 0, 0, 1.0}};
    for (int p = 0; p < 2; p++) {
        gs_sched *s = make(t, pol[p]);
        assert_int_equal(gs_sched_set_frag_classes(s, cls, 2), GS_OK);
        uint64_t a = submit_share(s, 1, 500, 0);
        assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
        uint64_t b = submit_share(s, 1, 500, 1);
        assert_int_equal(gs_sched_step(s, 1, NULL), GS_OK);
        assert_int_equal(gpu_of(s, a), gpu_of(s, b));
        double f;
        assert_int_equal(gs_sched_fragmentation(s, &f), GS_OK);
        assert_true(f == 0.0);
        /* a whole 2-GPU job still finds a node */
        uint64_t w = submit_share(s, 2, 0, 2);
        assert_int_equal(gs_sched_step(s, 2, NULL), GS_OK);
        assert_int_equal(info(s, w).state, GS_JOB_RUNNING);
        gs_sched_destroy(s);
    }
    gs_topo_destroy(t);
}

/* ---- limits, usage, MPS, failures ------------------------------------- */

static void limits_count_shares(void **state)
{
    (void)state;
    gs_topo *t = cluster(1, 4, 8);
    gs_sched *s = make(t, "best-fit");
    assert_int_equal(gs_sched_set_limit(s, GS_LIMIT_USER, "alice", 1), GS_OK);
    uint64_t id[3];
    for (int i = 0; i < 3; i++) {
        gs_job_spec spec = GS_JOB_SPEC_INIT;
        spec.gpus = 1;
        spec.gpu_milli = 500;
        spec.user = "alice";
        assert_int_equal(gs_sched_submit(s, &spec, &id[i]), GS_OK);
    }
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    assert_int_equal(info(s, id[0]).state, GS_JOB_RUNNING);
    assert_int_equal(info(s, id[1]).state, GS_JOB_RUNNING);
    assert_int_equal(info(s, id[2]).state, GS_JOB_PENDING);
    assert_int_equal(info(s, id[2]).reason, GS_REASON_LIMIT);
    char why[256];
    assert_int_equal(gs_sched_job_reason_text(s, id[2], why, sizeof why, NULL),
                     GS_OK);
    assert_non_null(strstr(why, "would hold 1.5 GPUs"));
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

static void usage_and_mps(void **state)
{
    (void)state;
    gs_topo *t = cluster(1, 2, 8);
    gs_sched *s = make(t, "best-fit");
    gs_job_spec spec = GS_JOB_SPEC_INIT;
    spec.gpus = 2;
    spec.gpu_milli = 250;
    spec.gpu_mem = 2 * GIB;
    spec.user = "bob";
    uint64_t id;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    gs_alloc_entry e;
    gs_alloc_entry_init(&e);
    char buf[512];
    assert_int_equal(gs_sched_alloc_entry(s, id, 0, &e, buf, sizeof buf),
                     GS_OK);
    assert_int_equal(e.gpu_milli, 250);
    assert_int_equal(e.mps_thread_percentage, 25);
    assert_string_equal(e.mps_mem_limit, "0=2048M,1=2048M");
    assert_string_equal(e.cuda_visible_devices, "0,1");
    /* 100 s at 2 x 0.25 GPU: 50 GPU-seconds */
    assert_int_equal(gs_sched_complete(s, id, 100), GS_OK);
    char line[1024];
    size_t len = 0;
    assert_int_equal(gs_sched_job_accounting(s, id, line, sizeof line, &len),
                     GS_OK);
    const char *p = strrchr(line, '\n');
    assert_non_null(p);
    /* ...,gpu_seconds,cpu_seconds\n: the second-to-last field */
    char *last = strrchr(line, ',');
    assert_non_null(last);
    *last = '\0';
    char *gs = strrchr(line, ',');
    assert_non_null(gs);
    assert_true(strtod(gs + 1, NULL) == 50.0);
    /* whole GPUs: no MPS settings */
    spec.gpu_milli = 0;
    spec.gpu_mem = 0;
    spec.submit_time = 101;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
    assert_int_equal(gs_sched_step(s, 101, NULL), GS_OK);
    assert_int_equal(gs_sched_alloc_entry(s, id, 0, &e, buf, sizeof buf),
                     GS_OK);
    assert_int_equal(e.mps_thread_percentage, 0);
    assert_string_equal(e.mps_mem_limit, "");
    assert_int_equal(e.gpu_milli, 1000);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

static void failed_gpu_fails_its_shares(void **state)
{
    (void)state;
    gs_topo *t = cluster(1, 2, 8);
    gs_sched *s = make(t, "best-fit");
    uint64_t a = submit_share(s, 1, 300, 0), b = submit_share(s, 1, 300, 0),
             c = submit_share(s, 1, 500, 0);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    /* best-fit: a and b and c all fit GPU 0 (1.1 > 1: c goes to GPU 1) */
    assert_int_equal(gpu_of(s, a), 0);
    assert_int_equal(gpu_of(s, b), 0);
    assert_int_equal(gpu_of(s, c), 1);
    assert_int_equal(gs_sched_events_consume(s, gs_sched_event_count(s)),
                     GS_OK);
    uint64_t hit = 0;
    assert_int_equal(gs_sched_fail_gpu(s, 0, 1, &hit), GS_OK);
    assert_int_equal(hit, a);
    assert_int_equal(info(s, a).state, GS_JOB_FAILED);
    assert_int_equal(info(s, b).state, GS_JOB_FAILED);
    assert_int_equal(info(s, c).state, GS_JOB_RUNNING);
    assert_int_equal(gs_sched_event_count(s), 2);
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* ---- backfill and preemption ------------------------------------------ */

/*
 * One GPU. A (0.6, until 100) runs; B (0.7) cannot start and reserves the
 * GPU's 0.7 at 100. A reservation holds its share back, on top of what is
 * in use now, from jobs whose run overlaps it: C (0.3, 1000 s) would fit
 * now (0.9) and at 100 (1.0), but is held back (the share is counted
 * against today's use); D (0.3, 50 s, ends before 100) starts.
 */
static void backfill_reserves_shares(void **state)
{
    (void)state;
    gs_topo *t = cluster(1, 1, 8);
    gs_sched_config c = GS_SCHED_CONFIG_INIT;
    c.placement = "best-fit";
    c.ordering = GS_ORDER_FIFO;
    c.backfill = GS_BACKFILL_EASY;
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, &c), GS_OK);
    gs_job_spec spec = GS_JOB_SPEC_INIT;
    spec.gpus = 1;
    spec.gpu_milli = 600;
    spec.time_limit = 100;
    uint64_t a, b, cc, d;
    assert_int_equal(gs_sched_submit(s, &spec, &a), GS_OK);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    spec.gpu_milli = 700;
    spec.submit_time = 1;
    assert_int_equal(gs_sched_submit(s, &spec, &b), GS_OK);
    spec.gpu_milli = 300;
    spec.time_limit = 1000;
    assert_int_equal(gs_sched_submit(s, &spec, &cc), GS_OK);
    spec.time_limit = 50;
    assert_int_equal(gs_sched_submit(s, &spec, &d), GS_OK);
    assert_int_equal(gs_sched_step(s, 1, NULL), GS_OK);
    assert_int_equal(info(s, b).state, GS_JOB_PENDING);
    assert_int_equal(info(s, b).expected_start, 100);
    assert_int_equal(info(s, cc).state, GS_JOB_PENDING);
    assert_int_equal(info(s, cc).reason, GS_REASON_RESERVATION);
    assert_int_equal(info(s, d).state, GS_JOB_RUNNING);
    assert_int_equal(gs_sched_check(s), GS_OK);
    /* at 100 A ends: B starts (0.7 + D's 0.3) */
    assert_int_equal(gs_sched_complete(s, a, 100), GS_OK);
    assert_int_equal(gs_sched_step(s, 100, NULL), GS_OK);
    assert_int_equal(info(s, b).state, GS_JOB_RUNNING);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* A high-priority whole-GPU job preempts the shared jobs holding the only
 * GPU; a share fitting beside the others preempts nothing. */
static void preemption_frees_shares(void **state)
{
    (void)state;
    gs_topo *t = cluster(1, 1, 8);
    gs_sched_config c = GS_SCHED_CONFIG_INIT;
    c.placement = "best-fit";
    c.ordering = GS_ORDER_PRIORITY;
    c.preempt = GS_PREEMPT_CANCEL;
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, &c), GS_OK);
    gs_job_spec spec = GS_JOB_SPEC_INIT;
    spec.gpus = 1;
    spec.gpu_milli = 400;
    spec.preemptible = 1;
    uint64_t a, b, x, w;
    assert_int_equal(gs_sched_submit(s, &spec, &a), GS_OK);
    assert_int_equal(gs_sched_submit(s, &spec, &b), GS_OK);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    spec.gpu_milli = 200;
    spec.priority = 10;
    spec.preemptible = 0;
    spec.submit_time = 1;
    assert_int_equal(gs_sched_submit(s, &spec, &x), GS_OK);
    assert_int_equal(gs_sched_step(s, 1, NULL), GS_OK);
    assert_int_equal(info(s, x).state, GS_JOB_RUNNING);
    assert_int_equal(info(s, a).state, GS_JOB_RUNNING);
    spec.gpu_milli = 0;
    spec.priority = 20;
    spec.submit_time = 2;
    assert_int_equal(gs_sched_submit(s, &spec, &w), GS_OK);
    assert_int_equal(gs_sched_step(s, 2, NULL), GS_OK);
    /* x is not preemptible: the whole job cannot have the GPU */
    assert_int_equal(info(s, w).state, GS_JOB_PENDING);
    assert_int_equal(gs_sched_complete(s, x, 3), GS_OK);
    assert_int_equal(gs_sched_step(s, 3, NULL), GS_OK);
    assert_int_equal(info(s, w).state, GS_JOB_RUNNING);
    assert_int_equal(info(s, a).state, GS_JOB_PREEMPTED);
    assert_int_equal(info(s, b).state, GS_JOB_PREEMPTED);
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* The learned mix: the kinds submitted, by their share of submissions. */
static void learned_mix(void **state)
{
    (void)state;
    gs_topo *t = cluster(2, 2, 8);
    gs_sched *s = make(t, "frag-aware");
    for (int i = 0; i < 96; i++) {
        gs_job_spec spec = GS_JOB_SPEC_INIT;
        spec.gpus = 1;
        spec.gpu_milli = i % 3 ? 500 : 0;
        spec.cpus_per_gpu = i % 3 ? 2 : 1;
        uint64_t id;
        assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
    }
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    gs_frag_class c[4];
    assert_int_equal(gs_sched_frag_classes(s, c, 4), 2);
    assert_int_equal(c[0].gpu_milli, 500);
    assert_int_equal(c[0].cpus, 2);
    assert_int_equal(c[1].gpu_milli, 1000);
    assert_int_equal(c[1].cpus, 1);
    /* two thirds and one third, decayed slightly (recent ones weigh
     * more): within 1% */
    assert_true(fabs(c[0].weight - 2.0 / 3) < 0.01);
    assert_true(fabs(c[0].weight + c[1].weight - 1) < 1e-12);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* The mix from a configuration file, and its errors with line:column. */
static void configured_mix(void **state)
{
    (void)state;
    gs_topo *t = cluster(2, 2, 8);
    gs_sched *s = make(t, "fgd");
    const char *ok = "{\"frag_classes\": [{\"gpus\": 1, \"gpu_milli\": 500, "
                     "\"cpus\": 2, \"weight\": 3},\n {\"gpus\": 2, "
                     "\"mem\": 8589934592}]}";
    if (gs_sched_configure(s, ok, strlen(ok), "c.json") != GS_OK)
        fail_msg("%s", gs_sched_errmsg(s));
    gs_frag_class c[4];
    assert_int_equal(gs_sched_frag_classes(s, c, 4), 2);
    assert_int_equal(c[0].gpu_milli, 500);
    assert_int_equal(c[0].cpus, 2);
    assert_true(c[0].weight == 0.75);
    assert_int_equal(c[1].gpus, 2);
    assert_int_equal(c[1].gpu_milli, 1000);
    assert_true(c[1].mem == 8 * GIB);
    const char *bad = "{\"frag_classes\": [{\"gpus\": 1},\n"
                      "  {\"gpus\": 1, \"gpu_milli\": 1200}]}";
    assert_int_equal(gs_sched_configure(s, bad, strlen(bad), "c.json"),
                     GS_EPARSE);
    assert_non_null(strstr(gs_sched_errmsg(s), "c.json:2:"));
    assert_non_null(strstr(gs_sched_errmsg(s), "gpu_milli"));
    /* nothing changed */
    assert_int_equal(gs_sched_frag_classes(s, c, 4), 2);
    assert_int_equal(c[0].gpu_milli, 500);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(policies_by_hand),
        cmocka_unit_test(whole_waits_for_shares),
        cmocka_unit_test(device_memory_counts),
        cmocka_unit_test(bad_requests),
        cmocka_unit_test(random_workloads),
        cmocka_unit_test(measure_by_hand),
        cmocka_unit_test(frag_policies_brute_force),
        cmocka_unit_test(frag_aware_whole_gpu_rule),
        cmocka_unit_test(halves_pair_up),
        cmocka_unit_test(limits_count_shares),
        cmocka_unit_test(usage_and_mps),
        cmocka_unit_test(failed_gpu_fails_its_shares),
        cmocka_unit_test(backfill_reserves_shares),
        cmocka_unit_test(preemption_frees_shares),
        cmocka_unit_test(learned_mix),
        cmocka_unit_test(configured_mix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
