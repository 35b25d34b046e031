/*
 * Backfill against a reference, on random job mixes.
 *
 * On one node whose GPUs are all alike (8 H100 on NVSwitch), where a job
 * goes does not matter, only how many GPUs are busy when. There the three
 * backfill modes have textbook definitions over GPU counts, written out
 * below in a few lines each, independently of the library's GPU-level
 * reservations:
 *
 *  - none: jobs start strictly in order;
 *  - easy: jobs start in order while they fit; the first that does not
 *    (the head) gets a shadow time, when enough running jobs will have
 *    ended for it, and "extra" GPUs, those free then beyond its need; a
 *    later job that fits now starts if it ends by the shadow time or takes
 *    no more than the extra GPUs (which it then uses up);
 *  - conservative: every job in order gets the earliest start at which
 *    its GPUs stay free for its whole time limit, given the running jobs
 *    and the reservations of the jobs before it; it starts if that is now.
 *
 * Jobs run exactly their time limit, so the reference knows every end.
 * Random arrivals, sizes and limits; FIFO order. With no backfill and
 * with easy backfill every start time must match. Conservative plans hold
 * GPUs, not counts, and are made greedily in order: on a rare mix an
 * earlier job's reservation takes the GPU a later short job needed, where
 * counts would have shuffled GPUs around (seed 2904: job 8 waits until 42,
 * counts start it at 13). So there at most 1% of the mixes may differ
 * (0.14% do, in 20,000; 9% did before plans preferred the GPUs freed
 * latest). A seed that fails is printed for replay.
 *
 * Where GPUs are not alike (hybrid cube-mesh DGX-1 nodes, PCIe boxes) and
 * jobs span nodes, there is no simple reference, but one promise holds
 * under easy backfill whatever the placement policy: a job promised a
 * start as the head of the queue starts by then.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include <stdlib.h>
#include <string.h>

#define NGPU 8
#define MAXJ 14

typedef struct rjob {
    int64_t submit, limit;
    uint32_t gpus, per_node; /* per_node: 0, or whole nodes of that many */
    int64_t start;           /* the reference's start; -1: not yet */
} rjob;

static int cases(void);
static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33) % n;
}

/* GPUs in use at time t by jobs started (or reserved, res[]) so far. */
static uint32_t busy_at(const rjob *j, int n, const int64_t *res, int64_t t)
{
    uint32_t b = 0;
    for (int i = 0; i < n; i++) {
        int64_t s = j[i].start >= 0 ? j[i].start : res ? res[i] : -1;
        if (s >= 0 && s <= t && t < s + j[i].limit)
            b += j[i].gpus;
    }
    return b;
}

/* Do g GPUs stay free over [t, t+d)? Busy counts change only at starts
 * and ends, so checking t and every start inside the window suffices. */
static bool free_over(const rjob *j, int n, const int64_t *res, int64_t t,
                      int64_t d, uint32_t g)
{
    if (busy_at(j, n, res, t) + g > NGPU)
        return false;
    for (int i = 0; i < n; i++) {
        int64_t s = j[i].start >= 0 ? j[i].start : res ? res[i] : -1;
        if (s > t && s < t + d && busy_at(j, n, res, s) + g > NGPU)
            return false;
    }
    return true;
}

/* The reference's decisions at time now: sets start = now for the jobs
 * that start. Jobs submitted by now and not started are the queue, in
 * index order (FIFO). */
static void ref_step(rjob *j, int n, gs_backfill mode, int64_t now)
{
    int64_t res[MAXJ];
    for (int i = 0; i < n; i++)
        res[i] = -1;
    bool blocked = false;
    int64_t shadow = 0;
    int64_t extra = 0;
    for (int i = 0; i < n; i++) {
        if (j[i].submit > now || j[i].start >= 0)
            continue;
        bool fits_now = free_over(j, n, NULL, now, 1, j[i].gpus);
        if (mode == GS_BACKFILL_CONSERVATIVE) {
            /* earliest t >= now: now, or an end of a running or reserved
             * job */
            int64_t best = -1;
            if (free_over(j, n, res, now, j[i].limit, j[i].gpus))
                best = now;
            for (int k = 0; k < n && best != now; k++) {
                int64_t s = j[k].start >= 0 ? j[k].start : res[k];
                if (s < 0)
                    continue;
                int64_t e = s + j[k].limit;
                if (e > now && (best < 0 || e < best) &&
                    free_over(j, n, res, e, j[i].limit, j[i].gpus))
                    best = e;
            }
            if (best == now)
                j[i].start = now;
            else
                res[i] = best;
            continue;
        }
        if (!blocked) {
            if (fits_now) {
                j[i].start = now;
                continue;
            }
            blocked = true;
            if (mode == GS_BACKFILL_NONE)
                return;
            /* shadow: the earliest end of a running job after which the
             * head fits */
            shadow = -1;
            for (int k = 0; k < n; k++) {
                if (j[k].start < 0)
                    continue;
                int64_t e = j[k].start + j[k].limit;
                if (e > now && (shadow < 0 || e < shadow) &&
                    busy_at(j, n, NULL, e) + j[i].gpus <= NGPU)
                    shadow = e;
            }
            extra = (int64_t)NGPU - busy_at(j, n, NULL, shadow) - j[i].gpus;
            continue;
        }
        if (!fits_now)
            continue;
        if (now + j[i].limit <= shadow) {
            j[i].start = now;
        } else if ((int64_t)j[i].gpus <= extra) {
            j[i].start = now;
            extra -= j[i].gpus;
        }
    }
}

/* The whole reference run: events at submits and ends. */
static void ref_run(rjob *j, int n, gs_backfill mode)
{
    for (int i = 0; i < n; i++)
        j[i].start = -1;
    int64_t now = 0;
    for (;;) {
        ref_step(j, n, mode, now);
        int64_t next = -1;
        for (int i = 0; i < n; i++) {
            int64_t t = j[i].start >= 0 ? j[i].start + j[i].limit
                                        : j[i].submit;
            if (t > now && (next < 0 || t < next))
                next = t;
        }
        if (next < 0)
            return;
        now = next;
    }
}

/* The same run through the library: start[i] gets job i's start and, when
 * promised is given, promised[i] the first start it was promised while
 * waiting ("reserved to start at T" in its reason), or -1. */
static void lib_run(const gs_topo *t, const gs_sched_config *cfg,
                    const rjob *j, int n, int64_t *start, int64_t *promised)
{
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, cfg), GS_OK);
    uint64_t id[MAXJ] = {0};
    bool done[MAXJ] = {false};
    for (int i = 0; i < n; i++) {
        start[i] = -1;
        if (promised)
            promised[i] = -1;
    }
    int64_t now = 0;
    for (;;) {
        for (int i = 0; i < n; i++)
            if (start[i] >= 0 && !done[i] && start[i] + j[i].limit == now) {
                assert_int_equal(gs_sched_complete(s, id[i], now), GS_OK);
                done[i] = true;
            }
        for (int i = 0; i < n; i++)
            if (!id[i] && j[i].submit == now) {
                gs_job_spec spec;
                gs_job_spec_init(&spec);
                spec.gpus = j[i].gpus;
                spec.gpus_per_node = j[i].per_node;
                spec.time_limit = j[i].limit;
                spec.submit_time = now;
                assert_int_equal(gs_sched_submit(s, &spec, &id[i]), GS_OK);
            }
        assert_int_equal(gs_sched_step(s, now, NULL), GS_OK);
        assert_int_equal(gs_sched_check(s), GS_OK);
        int64_t next = -1;
        for (int i = 0; i < n; i++) {
            if (id[i] && start[i] < 0) {
                gs_job_info info;
                memset(&info, 0, sizeof info);
                info.struct_size = sizeof info;
                assert_int_equal(gs_sched_job_info(s, id[i], &info), GS_OK);
                if (info.state == GS_JOB_RUNNING) {
                    start[i] = info.start_time;
                } else if (promised && promised[i] < 0) {
                    char why[256];
                    gs_sched_job_reason_text(s, id[i], why, sizeof why, NULL);
                    const char *p = strstr(why, "reserved to start at ");
                    if (p)
                        promised[i] = atoll(p + 21);
                }
            }
            int64_t e = start[i] >= 0 ? start[i] + j[i].limit
                        : id[i]       ? -1
                                      : j[i].submit;
            if (e > now && (next < 0 || e < next))
                next = e;
        }
        if (next < 0)
            break;
        now = next;
    }
    gs_sched_destroy(s);
}

/* ---- easy backfill never delays the head, on any topology ------------- */

/* FIFO, easy backfill, jobs running exactly their limit: when a job is
 * first the head with "reserved to start at T", it must start by T. The
 * reservation is GPUs the backfilled jobs kept off (or gave back in time),
 * so nothing can push it later; a later start means a backfill decision
 * broke a reservation, or a reservation the policy could not honour.
 * Sizes go up to two whole nodes. */
static void head_never_delayed(const char *topo_json, const char *placement,
                               uint32_t node_gpus, int cases)
{
    gs_topo *t = test_topo_json(topo_json);
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.ordering = GS_ORDER_FIFO;
    cfg.backfill = GS_BACKFILL_EASY;
    cfg.placement = placement;
    int checked = 0;
    for (int c = 0; c < cases; c++) {
        rng_state = 7777u + (unsigned)c;
        int n = 4 + (int)rnd(MAXJ - 3);
        rjob j[MAXJ];
        int64_t at = 0;
        for (int i = 0; i < n; i++) {
            at += rnd(3) ? 0 : rnd(10);
            j[i].submit = at;
            uint32_t r = rnd(10);
            j[i].gpus = r < 6 ? 1 + rnd(4) : r < 9 ? 1 + rnd(node_gpus)
                                                 : 2 * node_gpus;
            j[i].per_node = j[i].gpus > node_gpus ? node_gpus : 0;
            j[i].limit = 1 + rnd(rnd(4) ? 20 : 60);
        }
        int64_t start[MAXJ], promised[MAXJ];
        lib_run(t, &cfg, j, n, start, promised);
        for (int i = 0; i < n; i++) {
            if (start[i] < 0)
                fail_msg("seed %d: job %d never started", 7777 + c, i);
            if (promised[i] >= 0) {
                checked++;
                if (start[i] > promised[i])
                    fail_msg("seed %d: job %d (%u GPUs) was promised %lld "
                             "as the head, started %lld",
                             7777 + c, i, j[i].gpus, (long long)promised[i],
                             (long long)start[i]);
            }
        }
    }
    gs_topo_destroy(t);
    assert_true(checked > cases); /* the mixes do block heads */
}

static void head_on_dgx1_cluster(void **state)
{
    (void)state;
    /* three hybrid cube-mesh nodes: GPU sets are not alike, placement
     * matters, jobs of 16 take two whole nodes */
    const char *json = "{\"nodes\": [{\"name\": \"n[1-3]\", "
                       "\"template\": \"dgx1-v100\"}]}";
    head_never_delayed(json, NULL, 8, cases() / 5);
    head_never_delayed(json, "best-fit", 8, cases() / 5);
}

static void head_on_pcie_pair(void **state)
{
    (void)state;
    const char *json = "{\"nodes\": [{\"name\": \"p[1-2]\", "
                       "\"template\": \"pcie-8gpu\"}]}";
    head_never_delayed(json, "first-fit", 8, cases() / 5);
    head_never_delayed(json, "spread", 8, cases() / 5);
}

static void against_reference(gs_backfill mode, int cases)
{
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_load(&t, "dgx-h100", NULL), GS_OK);
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.ordering = GS_ORDER_FIFO;
    cfg.backfill = mode;
    cfg.backfill_depth = 1000;
    int backfilled = 0, differing = 0;
    for (int c = 0; c < cases; c++) {
        uint64_t seed = 1000u * (unsigned)mode + (unsigned)c;
        rng_state = seed;
        int n = 2 + (int)rnd(MAXJ - 1);
        rjob j[MAXJ];
        int64_t at = 0;
        for (int i = 0; i < n; i++) {
            at += rnd(3) ? 0 : rnd(12);
            j[i].submit = at;
            j[i].gpus = rnd(3) ? 1 + rnd(4) : 1 + rnd(NGPU);
            j[i].per_node = 0;
            j[i].limit = 1 + rnd(rnd(4) ? 20 : 60);
        }
        ref_run(j, n, mode);
        int64_t got[MAXJ];
        lib_run(t, &cfg, j, n, got, NULL);
        bool differs = false;
        for (int i = 0; i < n; i++)
            differs |= got[i] != j[i].start;
        if (differs && mode == GS_BACKFILL_CONSERVATIVE &&
            ++differing <= cases / 100)
            continue;
        for (int i = 0; i < n; i++) {
            if (got[i] != j[i].start) {
                char line[2048];
                int len = 0;
                for (int k = 0; k < n; k++)
                    len += snprintf(line + len, sizeof line - (size_t)len,
                                    " [%d: submit %lld gpus %u limit %lld "
                                    "ref %lld lib %lld]",
                                    k, (long long)j[k].submit, j[k].gpus,
                                    (long long)j[k].limit,
                                    (long long)j[k].start, (long long)got[k]);
                fail_msg("mode %d seed %llu: job %d starts at %lld, the "
                         "reference says %lld;%s",
                         (int)mode, (unsigned long long)seed, i,
                         (long long)got[i], (long long)j[i].start, line);
            }
            for (int k = 0; k < i; k++)
                if (j[i].start < j[k].start)
                    backfilled++;
        }
    }
    gs_topo_destroy(t);
    /* the mixes must exercise the mode: jobs overtaking earlier ones */
    if (mode == GS_BACKFILL_NONE)
        assert_int_equal(backfilled, 0);
    else
        assert_true(backfilled > cases);
}

#if defined(__SANITIZE_ADDRESS__)
#define GS_SLOW_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GS_SLOW_BUILD 1
#endif
#endif

/* Mixes per mode: fewer where every step is slow (valgrind, ASan). */
static int cases(void)
{
#ifdef GS_SLOW_BUILD
    return 1000;
#else
    return getenv("GS_TEST_UNDER_VALGRIND") ? 100 : 5000;
#endif
}

static void strict_order(void **state)
{
    (void)state;
    against_reference(GS_BACKFILL_NONE, cases());
}

static void easy(void **state)
{
    (void)state;
    against_reference(GS_BACKFILL_EASY, cases());
}

static void conservative(void **state)
{
    (void)state;
    against_reference(GS_BACKFILL_CONSERVATIVE, cases());
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strict_order),
        cmocka_unit_test(easy),
        cmocka_unit_test(conservative),
        cmocka_unit_test(head_on_dgx1_cluster),
        cmocka_unit_test(head_on_pcie_pair),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    return test_alloc_stats_get().live_blocks ? 1 : rc;
}
