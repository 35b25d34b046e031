/*
 * Quiet steps (gs_sched_set_quiet_steps) decide exactly what full steps
 * decide. Two schedulers, one with quiet steps on, run the same random
 * workload call by call: submissions (sizes 1 to 16 and CPU-only jobs,
 * some GPU jobs with CPUs too, users in three accounts, priorities, nice
 * values, dependencies), ends, failures,
 * cancellations, holds and releases, site factors, limits, under each
 * built-in ordering and fair-share algorithm, random priority weights
 * (ages that cap within minutes, fair share recomputed every step or
 * every few minutes) and each placement policy, a third with EASY or
 * conservative backfill (looking at 1 to 100 jobs); some runs with
 * preemption (where no step may be quiet). After every call both
 * must have returned the same status; after every step they must have
 * queued the same events, every job must have the same state, reason,
 * reason text, start, end and expected start, and every GPU the same
 * job. The quiet one must have been quiet in a good share of its steps
 * (else the comparison proves nothing), and hand-made cases check that a
 * bound that ignored ageing, and an EASY walk that looked at a job not
 * surely ranking first, would be caught.
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
    "{\"name\": \"h[1-2]\", \"template\": \"dgx-h100\"},"
    "{\"name\": \"v[1-2]\", \"template\": \"dgx1-v100\"},"
    "{\"name\": \"p1\", \"template\": \"pcie-8gpu\"}]}";

static const char accounts_doc[] =
    "{\"accounts\": [{\"name\": \"a\", \"shares\": 5},"
    " {\"name\": \"b\", \"shares\": 3}, {\"name\": \"c\", \"shares\": 1}],"
    " \"users\": [{\"name\": \"u0\", \"account\": \"a\"},"
    " {\"name\": \"u1\", \"account\": \"a\"},"
    " {\"name\": \"u2\", \"account\": \"b\"},"
    " {\"name\": \"u3\", \"account\": \"b\"},"
    " {\"name\": \"u4\", \"account\": \"c\"},"
    " {\"name\": \"u4\", \"account\": \"a\"}]}";

static const char *const users[] = {"u0", "u1", "u2", "u3", "u4", "u4"};
static const char *const accts[] = {"a", "a", "b", "b", "c", "a"};
static const char *const policies[] = {"first-fit", "best-fit", "spread",
                                       "nvlink-pack", "frag-aware", "fgd"};

#define MAXJOBS 400

typedef struct world {
    gs_sched *s[2]; /* [1]: quiet steps on */
    uint64_t ids[MAXJOBS];
    size_t n;
    uint32_t n_gpus;
} world;

static void both_ok(world *w, gs_status a, gs_status b, const char *what,
                    unsigned seed)
{
    if (a != b)
        fail_msg("seed %u: %s: %s (full) but %s (quiet): %s / %s", seed,
                 what, gs_strerror(a), gs_strerror(b),
                 gs_sched_errmsg(w->s[0]), gs_sched_errmsg(w->s[1]));
}

/* Everything a step decides, the same in both. */
static void same_state(world *w, unsigned seed, int64_t now)
{
    static const char *const sides[2] = {"full", "quiet"};
    test_same_schedulers(w->s[0], w->s[1], w->ids, w->n, w->n_gpus, sides,
                         seed, now);
}

/* A random job among those submitted, in state want (or any: -1). */
static uint64_t pick(world *w, int want)
{
    if (!w->n)
        return 0;
    for (int tries = 0; tries < 8; tries++) {
        uint64_t id = w->ids[rnd((uint32_t)w->n)];
        gs_job_info x = GS_JOB_INFO_INIT;
        if (gs_sched_job_info(w->s[0], id, &x) == GS_OK &&
            (want < 0 || x.state == (gs_job_state)want))
            return id;
    }
    return 0;
}

typedef struct run_stats {
    uint64_t steps, quiet, toggles;
    bool easy; /* with EASY backfill */
    bool cons; /* with conservative backfill */
} run_stats;

/* One random workload; special: backfill, preemption or limits too. */
static run_stats one_run(const gs_topo *t, unsigned seed, bool special)
{
    rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
    world w;
    memset(&w, 0, sizeof w);
    w.n_gpus = gs_topo_gpu_count(t);
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.placement = policies[rnd(6)];
    cfg.ordering = (gs_ordering)rnd(3);
    cfg.fairshare = (gs_fairshare_algo)rnd(2);
    if (special)
        cfg.preempt = (gs_preempt_mode)(1 + rnd(2));
    else if (rnd(3) == 0) {
        /* EASY or conservative backfill looking at a few jobs or at many */
        static const uint32_t depths[] = {1, 3, 8, 100};
        cfg.backfill = rnd(3) ? GS_BACKFILL_EASY : GS_BACKFILL_CONSERVATIVE;
        cfg.backfill_depth = depths[rnd(4)];
    }
    gs_priority_weights pw;
    gs_priority_weights_init(&pw);
    pw.age = rnd(5001);
    pw.fairshare = rnd(20001);
    pw.job_size = rnd(3) ? 0 : rnd(1001);
    pw.priority = rnd(2001);
    static const int64_t ages[] = {0, 600, 3600, 7 * 86400};
    static const int64_t periods[] = {0, 60, 300};
    pw.max_age = ages[rnd(4)];
    pw.calc_period = periods[rnd(3)];
    for (int k = 0; k < 2; k++) {
        assert_int_equal(gs_sched_create(&w.s[k], t, &cfg), GS_OK);
        assert_int_equal(gs_sched_configure(w.s[k], accounts_doc,
                                            sizeof accounts_doc - 1, "acc"),
                         GS_OK);
        assert_int_equal(gs_sched_set_priority_weights(w.s[k], &pw), GS_OK);
    }
    assert_int_equal(gs_sched_set_quiet_steps(w.s[1], 1), GS_OK);
    uint32_t wide = rnd(3); /* how spread priorities are */
    int64_t now = 0;
    run_stats rs = {0, 0, 0, cfg.backfill == GS_BACKFILL_EASY,
                    cfg.backfill == GS_BACKFILL_CONSERVATIVE};
    for (int op = 0; op < 600; op++) {
        if (rnd(3) == 0)
            now += rnd(4) == 0 ? rnd(4000) : rnd(120);
        uint32_t r = rnd(100);
        gs_status st[2];
        if (r < 38 && w.n < MAXJOBS) {
            /* 0: a CPU-only job; GPU jobs take CPUs too at times, so
             * that the two compete for them */
            static const uint32_t sizes[] = {1, 1, 1, 1, 2, 2, 4, 4, 8, 16,
                                             0, 0};
            gs_job_spec spec;
            gs_job_spec_init(&spec);
            spec.gpus = sizes[rnd(12)];
            if (spec.gpus == 0)
                spec.cpus_per_gpu = 16 + rnd(145);
            else if (rnd(4) == 0)
                spec.cpus_per_gpu = 4 + rnd(21);
            if (spec.gpus == 16 && rnd(2))
                spec.gpus_per_node = 8;
            spec.allow_split = spec.gpus > 8 && !spec.gpus_per_node;
            spec.any_model = 1;
            uint32_t u = rnd(6);
            spec.user = users[u];
            spec.account = accts[u];
            spec.priority = wide == 0 ? 0 : wide == 1 ? rnd(4) : rnd(1001);
            spec.nice = rnd(12) == 0 ? (int64_t)rnd(401) - 200 : 0;
            spec.time_limit = rnd(2) ? 0 : 60 + rnd(3000);
            spec.submit_time = now;
            if (rnd(15) == 0 && w.n)
                spec.depends_on = w.ids[rnd((uint32_t)w.n)];
            uint64_t id[2] = {0, 0};
            for (int k = 0; k < 2; k++)
                st[k] = gs_sched_submit(w.s[k], &spec, &id[k]);
            both_ok(&w, st[0], st[1], "submit", seed);
            assert_true(id[0] == id[1]);
            if (st[0] == GS_OK)
                w.ids[w.n++] = id[0];
        } else if (r < 63) {
            uint64_t id = pick(&w, GS_JOB_RUNNING);
            bool failed = rnd(8) == 0;
            for (int k = 0; k < 2 && id; k++)
                st[k] = failed ? gs_sched_fail(w.s[k], id, now)
                               : gs_sched_complete(w.s[k], id, now);
            if (id)
                both_ok(&w, st[0], st[1], "end", seed);
        } else if (r < 66) {
            uint64_t id = pick(&w, -1);
            for (int k = 0; k < 2 && id; k++)
                st[k] = gs_sched_cancel(w.s[k], id, now);
            if (id)
                both_ok(&w, st[0], st[1], "cancel", seed);
        } else if (r < 69) {
            uint64_t id = pick(&w, GS_JOB_PENDING);
            bool hold = rnd(2);
            for (int k = 0; k < 2 && id; k++)
                st[k] = hold ? gs_sched_hold(w.s[k], id)
                             : gs_sched_release(w.s[k], id);
            if (id)
                both_ok(&w, st[0], st[1], "hold", seed);
        } else if (r < 71) {
            uint64_t id = pick(&w, GS_JOB_PENDING);
            double f = (double)rnd(2001) - 1000;
            for (int k = 0; k < 2 && id; k++)
                st[k] = gs_sched_set_job_factor(w.s[k], id, f);
            if (id)
                both_ok(&w, st[0], st[1], "job factor", seed);
        } else if (r < 72 && !special) {
            /* quiet steps off and on again: the reasons a quiet step
             * left to its alias must read the same at once */
            uint64_t n = 0;
            assert_int_equal(gs_sched_quiet_steps(w.s[1], &n), 1);
            rs.quiet += n; /* counted afresh when turned on again */
            assert_int_equal(gs_sched_set_quiet_steps(w.s[1], 0), GS_OK);
            same_state(&w, seed, now);
            assert_int_equal(gs_sched_set_quiet_steps(w.s[1], 1), GS_OK);
            rs.toggles++;
        } else if (r < 72 && special) {
            uint32_t cap = rnd(3) ? 8 + rnd(16) : 0;
            const char *user = users[rnd(5)];
            for (int k = 0; k < 2; k++)
                st[k] = gs_sched_set_limit(w.s[k], GS_LIMIT_USER, user, cap);
            both_ok(&w, st[0], st[1], "limit", seed);
        } else {
            size_t n[2] = {0, 0};
            for (int k = 0; k < 2; k++)
                st[k] = gs_sched_step(w.s[k], now, &n[k]);
            both_ok(&w, st[0], st[1], "step", seed);
            if (n[0] != n[1])
                fail_msg("seed %u at %lld: %zu started (full), %zu (quiet)",
                         seed, (long long)now, n[0], n[1]);
            rs.steps++;
            same_state(&w, seed, now);
        }
        /* every job ends at some point: the queue moves */
        if (rnd(4) == 0) {
            uint64_t id = pick(&w, GS_JOB_RUNNING);
            for (int k = 0; k < 2 && id; k++)
                st[k] = gs_sched_complete(w.s[k], id, now);
            if (id)
                both_ok(&w, st[0], st[1], "complete", seed);
        }
    }
    assert_int_equal(gs_sched_check(w.s[0]), GS_OK);
    assert_int_equal(gs_sched_check(w.s[1]), GS_OK);
    uint64_t last = 0;
    assert_int_equal(gs_sched_quiet_steps(w.s[1], &last), 1);
    rs.quiet += last;
    uint64_t none = 1;
    assert_int_equal(gs_sched_quiet_steps(w.s[0], &none), 0);
    assert_true(none == 0);
    for (int k = 0; k < 2; k++)
        gs_sched_destroy(w.s[k]);
    return rs;
}

static int runs(void)
{
    return getenv("GS_TEST_UNDER_VALGRIND") ? 12 : 300;
}

static gs_topo *load_topo(void)
{
    gs_topo *t = NULL;
    if (gs_topo_load_buffer(&t, topo_doc, sizeof topo_doc - 1, "quiet.json",
                            NULL) != GS_OK)
        fail_msg("topology: %s", gs_topo_errmsg(t));
    return t;
}

static void same_decisions(void **state)
{
    (void)state;
    gs_topo *t = load_topo();
    uint64_t steps = 0, quiet = 0, esteps = 0, equiet = 0, csteps = 0,
             cquiet = 0;
    int n = runs();
    for (int i = 0; i < n; i++) {
        run_stats rs = one_run(t, (unsigned)i + 1, false);
        steps += rs.steps;
        quiet += rs.quiet;
        esteps += rs.easy ? rs.steps : 0;
        equiet += rs.easy ? rs.quiet : 0;
        csteps += rs.cons ? rs.steps : 0;
        cquiet += rs.cons ? rs.quiet : 0;
    }
    /* measured: about 40% of these steps are quiet; far fewer means the
     * check never passes and the comparison is empty (the same with EASY
     * and with conservative backfill) */
    print_message("quiet steps: %llu of %llu; with EASY backfill %llu of "
                  "%llu; with conservative backfill %llu of %llu\n",
                  (unsigned long long)quiet, (unsigned long long)steps,
                  (unsigned long long)equiet, (unsigned long long)esteps,
                  (unsigned long long)cquiet, (unsigned long long)csteps);
    assert_true(quiet * 5 >= steps);
    assert_true(esteps > 0 && equiet * 5 >= esteps);
    if (!getenv("GS_TEST_UNDER_VALGRIND"))
        assert_true(csteps > 0 && cquiet * 5 >= csteps);
    gs_topo_destroy(t);
}

/* Preemption and limits: never quiet, the same decisions. */
static void never_quiet_elsewhere(void **state)
{
    (void)state;
    gs_topo *t = load_topo();
    int n = runs() / 3;
    for (int i = 0; i < n; i++) {
        run_stats rs = one_run(t, (unsigned)i + 5000, true);
        /* preemption from the start: no step is quiet */
        assert_true(rs.quiet == 0);
        assert_true(rs.steps > 0);
    }
    gs_topo_destroy(t);
}

/* One DGX H100, and scheduler k of two (quiet steps on in the second)
 * ranking by age alone: weight 1000 over max_age 1000 s. */
static gs_topo *one_h100(void)
{
    static const char doc[] = "{\"gpusched\": 1, \"nodes\": [{\"name\": "
                              "\"n1\", \"template\": \"dgx-h100\"}]}";
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_load_buffer(&t, doc, sizeof doc - 1, "n.json",
                                         NULL),
                     GS_OK);
    return t;
}

static gs_sched *by_age(const gs_topo *t, const gs_sched_config *cfg, int k)
{
    gs_priority_weights pw;
    gs_priority_weights_init(&pw);
    pw.age = 1000;
    pw.fairshare = 0;
    pw.priority = 0;
    pw.max_age = 1000;
    pw.calc_period = 0;
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, cfg), GS_OK);
    assert_int_equal(gs_sched_set_auto_accounts(s, 1), GS_OK);
    assert_int_equal(gs_sched_set_priority_weights(s, &pw), GS_OK);
    assert_int_equal(gs_sched_set_quiet_steps(s, k), GS_OK);
    return s;
}

/* A step at now; *at: when job id started, once it has (else -1). */
static void step_noting(gs_sched *s, int64_t now, uint64_t id, int64_t *at)
{
    assert_int_equal(gs_sched_step(s, now, NULL), GS_OK);
    gs_job_info info = GS_JOB_INFO_INIT;
    if (id && *at < 0 && gs_sched_job_info(s, id, &info) == GS_OK &&
        info.state == GS_JOB_RUNNING)
        *at = info.start_time;
}

/* By hand, the bound's ageing term. One DGX H100 (8 GPUs); weights: age
 * 1000 over max_age 1000 s, nothing else. At 0: job R (7 GPUs) starts;
 * B (8 GPUs, submitted at 0) blocks; 40 fillers (8 GPUs, submitted at 0,
 * nice 10) wait behind it; at 100, X (1 GPU, nice -50) arrives. Values:
 * B min(t, 1000), fillers min(t, 1000) - 10, X min(t - 100, 1000) + 50.
 * X ranks behind B and the fillers (42nd: not among the jobs kept and
 * compared exactly, only in its association's bound) until B caps at
 * 1000 s; X ties B at 1050 (B first: submitted earlier) and leads at
 * 1051, when the one free GPU takes it. Stepping every second, both
 * schedulers must start X at 1051, and the quiet one must have been
 * quiet in between (a bound without the ageing term would start X late). */
static void ageing_overtakes(void **state)
{
    (void)state;
    gs_topo *t = one_h100();
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.ordering = GS_ORDER_MULTIFACTOR;
    gs_sched *s[2];
    uint64_t x[2] = {0, 0};
    int64_t started_at[2] = {-1, -1};
    for (int k = 0; k < 2; k++) {
        s[k] = by_age(t, &cfg, k);
        gs_job_spec spec;
        gs_job_spec_init(&spec);
        spec.user = "u0";
        spec.gpus = 7;
        assert_int_equal(gs_sched_submit(s[k], &spec, NULL), GS_OK);
        spec.gpus = 8;
        assert_int_equal(gs_sched_submit(s[k], &spec, NULL), GS_OK);
        spec.nice = 10;
        for (int f = 0; f < 40; f++)
            assert_int_equal(gs_sched_submit(s[k], &spec, NULL), GS_OK);
        for (int64_t now = 0; now <= 1100; now++) {
            if (now == 100) {
                spec.gpus = 1;
                spec.nice = -50;
                spec.submit_time = now;
                assert_int_equal(gs_sched_submit(s[k], &spec, &x[k]),
                                 GS_OK);
            }
            step_noting(s[k], now, x[k], &started_at[k]);
        }
    }
    assert_true(started_at[0] == 1051);
    assert_true(started_at[1] == 1051);
    uint64_t q = 0;
    assert_int_equal(gs_sched_quiet_steps(s[1], &q), 1);
    /* quiet from 1 s on, but for the steps where a bound ran out */
    assert_true(q > 1000);
    for (int k = 0; k < 2; k++)
        gs_sched_destroy(s[k]);
    gs_topo_destroy(t);
}

/* By hand, EASY backfill's look past the window. One DGX H100; weights:
 * age 1000 over max_age 1000 s; EASY backfill looking at 1 job. At 0: R
 * (7 GPUs, limit 5000 s) starts; B (8 GPUs, limit 100, nice -500: it
 * surely ranks first whatever the bounds say) blocks, reserved
 * at 5000; fillers F0..F39 (8 GPUs, limit 100, nice 30 + i) wait behind
 * it, F0 looked at; at 100, O (1 GPU, limit 100) arrives. Values: B
 * min(t, 1000) + 500, Fi min(t, 1000) - 30 - i, O min(t - 100, 1000). A full
 * step keeps B, F0 and the 32 after it exactly; F33.. are bounds, and O
 * too after a full step at 200 (a hold and release make one).
 * O passes F0 (capped at 970) at 1071 and is the job backfill looks at:
 * it fits on the free GPU and ends before B's reservation, so it starts
 * at 1071 (at 1070 it ties F0, which was submitted first). A walk that
 * took F0 as surely first without the bounds would look at F0 again. */
static void easy_outside_overtakes(void **state)
{
    (void)state;
    gs_topo *t = one_h100();
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.ordering = GS_ORDER_MULTIFACTOR;
    cfg.backfill = GS_BACKFILL_EASY;
    cfg.backfill_depth = 1;
    gs_sched *s[2];
    uint64_t o[2] = {0, 0};
    int64_t started_at[2] = {-1, -1};
    for (int k = 0; k < 2; k++) {
        s[k] = by_age(t, &cfg, k);
        gs_job_spec spec;
        gs_job_spec_init(&spec);
        spec.user = "u0";
        spec.gpus = 7;
        spec.time_limit = 5000;
        assert_int_equal(gs_sched_submit(s[k], &spec, NULL), GS_OK);
        assert_int_equal(gs_sched_step(s[k], 0, NULL), GS_OK); /* R runs */
        spec.gpus = 8;
        spec.time_limit = 100;
        spec.nice = -500;
        assert_int_equal(gs_sched_submit(s[k], &spec, NULL), GS_OK);
        uint64_t last = 0;
        for (int f = 0; f < 40; f++) {
            spec.nice = 30 + f;
            assert_int_equal(gs_sched_submit(s[k], &spec, &last), GS_OK);
        }
        for (int64_t now = 0; now <= 1100; now++) {
            if (now == 100) {
                spec.gpus = 1;
                spec.nice = 0;
                spec.submit_time = now;
                assert_int_equal(gs_sched_submit(s[k], &spec, &o[k]),
                                 GS_OK);
            }
            if (now == 200) {
                /* a hold and a release: the next step is a full one, and
                 * O, last in rank, goes into the bounds */
                assert_int_equal(gs_sched_hold(s[k], last), GS_OK);
                assert_int_equal(gs_sched_release(s[k], last), GS_OK);
            }
            step_noting(s[k], now, o[k], &started_at[k]);
        }
    }
    assert_true(started_at[0] == 1071);
    assert_true(started_at[1] == 1071);
    uint64_t q = 0;
    assert_int_equal(gs_sched_quiet_steps(s[1], &q), 1);
    /* quiet but at 200 and where the bounds reach F0 (from 1033) */
    print_message("easy_outside_overtakes: %llu quiet steps of 1101\n",
                  (unsigned long long)q);
    assert_true(q > 800);
    for (int k = 0; k < 2; k++)
        gs_sched_destroy(s[k]);
    gs_topo_destroy(t);
}

/* By hand, the stand-ins. One DGX H100 (8 GPUs); weights: age 1000 over
 * max_age 1000 s, nothing else. At 0: R (7 GPUs, user u9) starts; W0..W39
 * (8 GPUs, user u1, submitted at 0) wait, W0 blocking; at 50 and 60, Oo
 * and Oy (8 GPUs, user u0, nice -40) arrive. A hold and a release at 200
 * make the step a full one: it keeps W0 and W1..W32 exactly, and leaves
 * W33..W39 (u1) and Oo, Oy (u0) outside. Values: Wi min(t, 1000), Oo
 * min(t - 50, 1000) + 40, Oy min(t - 60, 1000) + 40. The Wi tie at every
 * step (W1 before W33 by slot: only an exact comparison with u1's oldest
 * job outside, W33, says so; a bound with its slack lets no tie through,
 * and every step from 200 on would be a full one). Oo passes the capped
 * Wi at 1011 (ties at 1010, W0 first: submitted earlier); Oy only at 1021.
 * At 1015 R ends: the 8 GPUs free take Oo, first in rank (1005 against
 * 1000 and 995). A stand-in for u0 that were Oy (the younger) would rank
 * below W0 until 1021, and the quiet step would start W0. Under EASY
 * backfill with no time limits the same: the jobs without one all go
 * outside the window (they only wait), W1..W39 too, and the walk's head
 * (W0) is compared with the stand-ins of those (u1: W1, u0: Oo). */
static void stand_in_case(bool easy)
{
    gs_topo *t = one_h100();
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.ordering = GS_ORDER_MULTIFACTOR;
    if (easy)
        cfg.backfill = GS_BACKFILL_EASY;
    gs_sched *s[2];
    for (int k = 0; k < 2; k++) {
        s[k] = by_age(t, &cfg, k);
        gs_job_spec spec;
        gs_job_spec_init(&spec);
        spec.user = "u9";
        spec.gpus = 7;
        uint64_t r = 0, w0 = 0, last = 0, oo = 0, oy = 0;
        assert_int_equal(gs_sched_submit(s[k], &spec, &r), GS_OK);
        spec.user = "u1";
        spec.gpus = 8;
        for (int i = 0; i < 40; i++)
            assert_int_equal(gs_sched_submit(s[k], &spec, i ? &last : &w0),
                             GS_OK);
        spec.user = "u0";
        spec.nice = -40;
        for (int64_t now = 0; now <= 1015; now++) {
            if (now == 50 || now == 60) {
                spec.submit_time = now;
                assert_int_equal(gs_sched_submit(s[k], &spec,
                                                 now == 50 ? &oo : &oy),
                                 GS_OK);
            }
            if (now == 200) {
                assert_int_equal(gs_sched_hold(s[k], last), GS_OK);
                assert_int_equal(gs_sched_release(s[k], last), GS_OK);
            }
            if (now == 1015)
                assert_int_equal(gs_sched_complete(s[k], r, now), GS_OK);
            assert_int_equal(gs_sched_step(s[k], now, NULL), GS_OK);
        }
        gs_job_info info = GS_JOB_INFO_INIT;
        assert_int_equal(gs_sched_job_info(s[k], oo, &info), GS_OK);
        assert_int_equal(info.state, GS_JOB_RUNNING);
        assert_true(info.start_time == 1015);
        assert_int_equal(gs_sched_job_info(s[k], w0, &info), GS_OK);
        assert_int_equal(info.state, GS_JOB_PENDING);
        assert_int_equal(gs_sched_job_info(s[k], oy, &info), GS_OK);
        assert_int_equal(info.state, GS_JOB_PENDING);
    }
    uint64_t q = 0;
    assert_int_equal(gs_sched_quiet_steps(s[1], &q), 1);
    /* full at 0, 200 and 1011 (Oo overtakes): 1013 steps quiet (4 when
     * every job outside goes into a bound: tried) */
    print_message("stand_in_overtakes%s: %llu quiet steps of 1016\n",
                  easy ? " (EASY)" : "", (unsigned long long)q);
    assert_true(q >= 1000);
    for (int k = 0; k < 2; k++)
        gs_sched_destroy(s[k]);
    gs_topo_destroy(t);
}

static void stand_in_overtakes(void **state)
{
    (void)state;
    stand_in_case(false);
}

static void stand_in_overtakes_easy(void **state)
{
    (void)state;
    stand_in_case(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(easy_outside_overtakes),
        cmocka_unit_test(same_decisions),
        cmocka_unit_test(never_quiet_elsewhere),
        cmocka_unit_test(ageing_overtakes),
        cmocka_unit_test(stand_in_overtakes),
        cmocka_unit_test(stand_in_overtakes_easy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
