/*
 * Allocation failures over whole workloads: creating a scheduler,
 * configuring it, hundreds of submissions, steps, completions, GPU
 * failures and repairs, events consumed, snapshots saved and restored.
 * For every allocation the workload makes, a run with that one allocation
 * failing must see the call that made it return GS_ENOMEM, leave a
 * scheduler that passes gs_sched_check, and go on to the end of the
 * workload in exactly the state (the snapshot, byte for byte) of a run
 * that never made that call; nothing may leak.
 *
 * GS_FAULT_TRIES=n fails n allocations spread evenly over all of them
 * (the default keeps the test to seconds; every one with n large).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"
#include "membuf.h"

#include <stdlib.h>

static gs_topo *topo;

/* The workload: call i of n, made on *s (a restore replaces it). */
typedef struct run {
    gs_sched *s;
    uint64_t rng;
    int64_t now;
    long skip;  /* the call not made (the reference run), or -1 */
    long failed; /* the call that met the failure, or -1 */
} run;

static uint64_t next(run *r)
{
    r->rng ^= r->rng << 13;
    r->rng ^= r->rng >> 7;
    r->rng ^= r->rng << 17;
    return r->rng;
}

static const char accounts_doc[] =
    "{\"accounts\": [{\"name\": \"a\", \"shares\": 3}, {\"name\": \"b\"}],"
    " \"users\": [{\"name\": \"ann\", \"account\": \"a\"}],"
    " \"backfill\": \"easy\", \"limits\": {\"default_user\": 40}}";
static const char *const users[] = {"ann", "bob", "cy", "dee"};

/* One call; its status. The random choices are drawn whether or not the
 * call is made, so a skipped call does not shift the ones after it. */
static gs_status call(run *r, long i, long submits)
{
    uint64_t a = next(r), b = next(r), c = next(r);
    bool make = i != r->skip;
    if (i == 0) {
        gs_sched_config cfg;
        gs_sched_config_init(&cfg);
        cfg.preempt = GS_PREEMPT_REQUEUE;
        if (!make)
            return GS_OK;
        gs_status st = gs_sched_create(&r->s, topo, &cfg);
        if (st != GS_OK) {
            gs_sched_destroy(r->s);
            r->s = NULL;
        }
        return st;
    }
    if (!r->s)
        return GS_OK;
    if (i == 1)
        return make ? gs_sched_configure(r->s, accounts_doc,
                                         sizeof accounts_doc - 1, "doc")
                    : GS_OK;
    if (i - 2 < submits && a % 4 != 0) {
        gs_job_spec sp;
        gs_job_spec_init(&sp);
        sp.gpus = 1 + (uint32_t)(b % 8);
        sp.user = users[c % 4];
        sp.account = c % 3 ? "a" : NULL;
        sp.time_limit = 60 + (int64_t)(b % 600);
        sp.cpus_per_gpu = (uint32_t)(c % 3);
        sp.preemptible = b % 5 == 0;
        sp.priority = (int64_t)(a % 3);
        sp.name = "job";
        sp.submit_time = r->now;
        return make ? gs_sched_submit(r->s, &sp, NULL) : GS_OK;
    }
    uint64_t k = b % 100;
    size_t n = gs_sched_job_count(r->s);
    uint64_t job = n ? gs_sched_job_at(r->s, (size_t)(c % n)) : 1;
    if (k < 40) {
        r->now += (int64_t)(c % 50);
        return make ? gs_sched_step(r->s, r->now, NULL) : GS_OK;
    }
    if (k < 65)
        return make ? gs_sched_complete(r->s, job, r->now) : GS_OK;
    if (k < 75)
        return make ? gs_sched_events_consume(r->s,
                                              gs_sched_event_count(r->s))
                    : GS_OK;
    if (k < 80) {
        uint32_t g = (uint32_t)(c % gs_topo_gpu_count(topo));
        return make ? gs_sched_fail_gpu(r->s, g, r->now, NULL) : GS_OK;
    }
    if (k < 85) {
        uint32_t g = (uint32_t)(c % gs_topo_gpu_count(topo));
        return make ? gs_sched_repair_gpu(r->s, g) : GS_OK;
    }
    if (k < 90) {
        gs_priority_breakdown pb = GS_PRIORITY_BREAKDOWN_INIT;
        return make ? gs_sched_job_priority(r->s, job, &pb) : GS_OK;
    }
    if (k < 95) {
        if (!make)
            return GS_OK;
        membuf m = {0};
        gs_status st = gs_sched_save(r->s, membuf_write, &m);
        free(m.p);
        return st;
    }
    if (!make)
        return GS_OK;
    /* a restart: the scheduler is replaced by a restore of its snapshot
     * (when that fails, the old one goes on) */
    membuf m = {0};
    gs_status st = gs_sched_save(r->s, membuf_write, &m);
    gs_sched *q = NULL;
    if (st == GS_OK)
        st = gs_sched_restore_buffer(&q, topo, NULL, m.p, m.n);
    free(m.p);
    if (st == GS_OK) {
        gs_sched_destroy(r->s);
        r->s = q;
    } else {
        gs_sched_destroy(q);
    }
    return st;
}

static membuf final_state(gs_sched *s)
{
    membuf m = {0};
    if (s && gs_sched_save(s, membuf_write, &m) != GS_OK)
        fail_msg("save: %s", gs_sched_errmsg(s));
    return m;
}

/* The workload with allocation `fail` failing (0: none) and call `skip`
 * not made; the state it ends in. */
static membuf workload(long calls, long submits, long fail, long skip,
                       long *failed_call, long *allocs)
{
    run r = {NULL, 0x9e3779b97f4a7c15ull, 1000, skip, -1};
    long before = test_alloc_stats_get().allocs;
    test_alloc_fail_at(fail);
    for (long i = 0; i < calls; i++) {
        gs_status st = call(&r, i, submits);
        if (fail && r.failed < 0 && test_alloc_failed()) {
            test_alloc_fail_at(0);
            r.failed = i;
            if (st != GS_ENOMEM)
                fail_msg("allocation %ld failing: call %ld returned %s, not "
                         "GS_ENOMEM",
                         fail, i, gs_status_name(st));
            if (r.s && gs_sched_check(r.s) != GS_OK)
                fail_msg("allocation %ld failing in call %ld: %s", fail, i,
                         gs_sched_errmsg(r.s));
        }
    }
    test_alloc_fail_at(0);
    if (allocs)
        *allocs = test_alloc_stats_get().allocs - before;
    if (failed_call)
        *failed_call = r.failed;
    if (r.s && gs_sched_check(r.s) != GS_OK)
        fail_msg("at the end: %s", gs_sched_errmsg(r.s));
    membuf m = final_state(r.s);
    gs_sched_destroy(r.s);
    return m;
}

/* How many allocations to fail in turn (evenly spread over all of them):
 * GS_FAULT_TRIES, or a number that keeps the test to seconds (fewer under
 * valgrind and the sanitizers). */
static long tries(long normal)
{
    const char *e = getenv("GS_FAULT_TRIES");
    if (e && atol(e) > 0)
        return atol(e);
    if (getenv("GS_TEST_UNDER_VALGRIND"))
        return normal / 40 + 1;
#if defined(__has_feature)
#  if __has_feature(address_sanitizer)
    return normal / 4;
#  endif
#endif
    return normal;
}

static void every_allocation(long calls, long submits, long target)
{
    long total = 0;
    long live = test_alloc_stats_get().live_blocks;
    membuf clean = workload(calls, submits, 0, -1, NULL, &total);
    assert_true(total > 100);
    free(clean.p);
    long n = tries(target);
    long step = total / n > 1 ? total / n : 1, tried = 0;
    for (long k = 1; k <= total; k += step) {
        long failed = -1;
        membuf got = workload(calls, submits, k, -1, &failed, NULL);
        assert_int_equal(test_alloc_stats_get().live_blocks, live);
        /* the same calls with the one that failed left out */
        membuf want = workload(calls, submits, 0, failed, NULL, NULL);
        assert_int_equal(test_alloc_stats_get().live_blocks, live);
        if (got.n != want.n ||
            (got.n && memcmp(got.p, want.p, got.n) != 0))
            fail_msg("allocation %ld of %ld failing in call %ld: the "
                     "workload ends in another state than without that "
                     "call",
                     k, total, failed);
        free(got.p);
        free(want.p);
        tried++;
    }
    print_message("%ld calls (%ld submissions): %ld allocations, %ld of "
                  "them failed in turn\n",
                  calls, submits, total, tried);
}

static void short_workload(void **state)
{
    (void)state;
    every_allocation(400, 150, 400);
}

static void thousand_submissions(void **state)
{
    (void)state;
    every_allocation(1800, 1000, 60);
}

int main(void)
{
    test_alloc_install();
    static const char cluster[] =
        "{\"nodes\": [{\"name\": \"h[1-4]\", \"template\": \"dgx-h100\", "
        "\"racks\": {\"size\": 2, \"prefix\": \"leaf\", \"parent\": "
        "\"spine\"}}, {\"name\": \"v1\", \"template\": \"dgx1-v100\"}]}";
    assert_int_equal(gs_topo_load_buffer(&topo, cluster, sizeof cluster - 1,
                                         "faults", NULL),
                     GS_OK);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(short_workload),
        cmocka_unit_test(thousand_submissions),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    gs_topo_destroy(topo);
    return rc;
}
