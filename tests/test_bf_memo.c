/*
 * The reservation scans' memo (lib/sched/backfill.c) decides what the
 * scans decide. Two schedulers run the same workload call by call under
 * conservative backfill: one with a built-in placement policy (the memo
 * on), one with a host policy that only forwards to the same built-in
 * (the memo is never used with a host's policy). Jobs end as a replay
 * whose time limits are the run times ends them: most exactly at start +
 * time limit (the ends the memo survives, with the starts exactly as
 * reserved that follow), some early, some failing. After every step both
 * must have queued the same events, and every job must have the same
 * state, reason, reason text, start, expected start (its reservation) and
 * GPUs. Debug builds (the sanitizer build) also check every answer the
 * memo gives against a scan, and abort on a difference.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include <stdlib.h>

static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    return test_rnd(&rng_state, n);
}

static const char topo_doc[] =
    "{\"gpusched\": 1, \"nodes\": ["
    "{\"name\": \"h[1-3]\", \"template\": \"dgx-h100\"},"
    "{\"name\": \"v[1-2]\", \"template\": \"dgx1-v100\"}]}";

/* ---- a host policy that forwards to a built-in one ----------------------- */

static const gs_placement_ops *inner;

static gs_status fwd_init(void **state, const gs_topo *t, const char *opt)
{
    *state = NULL;
    return inner->init ? inner->init(state, t, opt) : GS_OK;
}
static void fwd_destroy(void *state)
{
    if (inner->destroy)
        inner->destroy(state);
}
static gs_status fwd_place(void *state, gs_place_ctx *ctx,
                           const gs_place_request *req, uint32_t *gpus)
{
    return inner->place(state, ctx, req, gpus);
}
static void fwd_started(void *state, uint64_t job, const uint32_t *gpus,
                        size_t n)
{
    if (inner->job_started)
        inner->job_started(state, job, gpus, n);
}
static void fwd_ended(void *state, uint64_t job, const uint32_t *gpus,
                      size_t n)
{
    if (inner->job_ended)
        inner->job_ended(state, job, gpus, n);
}
static const gs_placement_ops forward = {
    GS_PLACEMENT_ABI_VERSION, "test-forward", "forwards to a built-in",
    fwd_init, fwd_destroy, fwd_place, fwd_started, fwd_ended};

/* ---- the lockstep run ---------------------------------------------------- */

#define MAXJOBS 300

typedef struct world {
    gs_sched *s[2]; /* [0] built-in (memo), [1] forwarded (no memo) */
    uint64_t ids[MAXJOBS];
    int64_t dur[MAXJOBS]; /* its run: at its time limit, or before */
    size_t n;
    uint32_t n_gpus;
} world;

static void same_state(world *w, unsigned seed, int64_t now)
{
    static const char *const sides[2] = {"memo", "scans"};
    test_same_schedulers(w->s[0], w->s[1], w->ids, w->n, w->n_gpus, sides,
                         seed, now);
}

/* One workload; returns the reservations the memo side made (expected
 * starts seen), so that the caller knows the comparison had some. */
static size_t one_run(const gs_topo *t, unsigned seed)
{
    static const char *const builtin[] = {"first-fit", "best-fit", "spread",
                                          "nvlink-pack"};
    rng_state = seed * 0x9e3779b97f4a7c15ull + 7;
    world w;
    memset(&w, 0, sizeof w);
    w.n_gpus = gs_topo_gpu_count(t);
    const char *name = builtin[rnd(4)];
    inner = gs_placement_find(name);
    assert_non_null(inner);
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.ordering = (gs_ordering)rnd(3);
    cfg.backfill = GS_BACKFILL_CONSERVATIVE;
    cfg.backfill_depth = rnd(2) ? 100 : 8;
    for (int k = 0; k < 2; k++) {
        cfg.placement = k ? "test-forward" : name;
        assert_int_equal(gs_sched_create(&w.s[k], t, &cfg), GS_OK);
    }
    if (rnd(2))
        for (int k = 0; k < 2; k++)
            assert_int_equal(gs_sched_set_quiet_steps(w.s[k], 1), GS_OK);
    static const uint32_t sizes[] = {1, 1, 1, 2, 2, 4, 8, 8, 16};
    int64_t now = 0, next_submit = 0;
    size_t reserved = 0;
    while (w.n < MAXJOBS || now < 200000) {
        /* the next event: a submission or a running job's end */
        int64_t t_end = INT64_MAX;
        for (size_t i = 0; i < w.n; i++) {
            gs_job_info x = GS_JOB_INFO_INIT;
            if (gs_sched_job_info(w.s[0], w.ids[i], &x) != GS_OK)
                continue;
            if (x.state == GS_JOB_RUNNING && x.start_time + w.dur[i] < t_end)
                t_end = x.start_time + w.dur[i];
        }
        int64_t t_next = w.n < MAXJOBS && next_submit < t_end ? next_submit
                                                              : t_end;
        if (t_next == INT64_MAX)
            break;
        now = t_next;
        if (w.n < MAXJOBS && next_submit == now) {
            gs_job_spec spec;
            gs_job_spec_init(&spec);
            spec.gpus = sizes[rnd(9)];
            spec.any_model = 1;
            spec.allow_split = spec.gpus > 8;
            spec.priority = rnd(4);
            spec.time_limit = 60 + rnd(4000);
            spec.submit_time = now;
            /* most run to their limit (a replay's time limit is its
             * run), some end before it */
            w.dur[w.n] = rnd(5) ? spec.time_limit : 1 + rnd(spec.time_limit);
            uint64_t id[2];
            for (int k = 0; k < 2; k++)
                assert_int_equal(gs_sched_submit(w.s[k], &spec, &id[k]),
                                 GS_OK);
            assert_true(id[0] == id[1]);
            w.ids[w.n++] = id[0];
            next_submit = now + (rnd(3) ? rnd(60) : rnd(900));
        }
        for (size_t i = 0; i < w.n; i++) {
            gs_job_info x = GS_JOB_INFO_INIT;
            if (gs_sched_job_info(w.s[0], w.ids[i], &x) != GS_OK)
                continue;
            if (x.state != GS_JOB_RUNNING || x.start_time + w.dur[i] != now)
                continue;
            bool fail = rnd(20) == 0;
            for (int k = 0; k < 2; k++)
                assert_int_equal(fail ? gs_sched_fail(w.s[k], w.ids[i], now)
                                      : gs_sched_complete(w.s[k], w.ids[i],
                                                          now),
                                 GS_OK);
        }
        for (int k = 0; k < 2; k++)
            assert_int_equal(gs_sched_step(w.s[k], now, NULL), GS_OK);
        same_state(&w, seed, now);
        for (size_t i = 0; i < w.n; i++) {
            gs_job_info x = GS_JOB_INFO_INIT;
            if (gs_sched_job_info(w.s[0], w.ids[i], &x) != GS_OK)
                continue;
            reserved += x.state == GS_JOB_PENDING &&
                        x.expected_start != GS_TIME_UNKNOWN;
        }
    }
    for (int k = 0; k < 2; k++) {
        assert_int_equal(gs_sched_check(w.s[k]), GS_OK);
        gs_sched_destroy(w.s[k]);
    }
    return reserved;
}

static void same_as_scans(void **state)
{
    (void)state;
    gs_topo *t = NULL;
    if (gs_topo_load_buffer(&t, topo_doc, sizeof topo_doc - 1, "memo.json",
                            NULL) != GS_OK)
        fail_msg("topology: %s", gs_topo_errmsg(t));
    assert_int_equal(gs_placement_register(&forward), GS_OK);
    size_t reserved = 0;
    for (unsigned seed = 1; seed <= 12; seed++)
        reserved += one_run(t, seed);
    /* the runs had queues with reservations to compare */
    assert_true(reserved > 1000);
    assert_int_equal(gs_placement_unregister("test-forward"), GS_OK);
    gs_topo_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_as_scans),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
