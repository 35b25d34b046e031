/*
 * The scheduler: job lifecycle, allocations, drain and failure, spec
 * validation, invariants after every call, no allocation while deciding.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include <stdlib.h>
#include <string.h>

static gs_topo *load(const char *src)
{
    gs_topo *t = NULL;
    gs_status st = gs_topo_load(&t, src, NULL);
    if (st != GS_OK)
        fail_msg("%s: %s", src, gs_topo_errmsg(t));
    return t;
}

static gs_job_info info_of(gs_sched *s, uint64_t id)
{
    gs_job_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    assert_int_equal(gs_sched_job_info(s, id, &info), GS_OK);
    return info;
}

static uint64_t submit(gs_sched *s, uint32_t gpus, int64_t t)
{
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = gpus;
    spec.submit_time = t;
    uint64_t id = 0;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
    return id;
}

static void lifecycle(void **state)
{
    (void)state;
    gs_topo *t = load("dgx-h100");
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    assert_ptr_equal(gs_sched_topo(s), t);
    uint64_t a = submit(s, 4, 0), b = submit(s, 4, 1), c = submit(s, 2, 2);
    assert_int_equal(a, 1);
    assert_int_equal(c, 3);
    assert_int_equal(gs_sched_job_count(s), 3);
    assert_int_equal(gs_sched_job_at(s, 1), b);
    assert_int_equal(info_of(s, a).state, GS_JOB_PENDING);
    size_t started = 99;
    assert_int_equal(gs_sched_step(s, 10, &started), GS_OK);
    assert_int_equal(gs_sched_check(s), GS_OK);
    /* a and b start; c waits (first come, first served) */
    assert_int_equal(started, 2);
    assert_int_equal(gs_sched_event_count(s), 2);
    gs_event ev;
    ev.struct_size = sizeof ev;
    assert_int_equal(gs_sched_event(s, 0, &ev), GS_OK);
    assert_int_equal(ev.kind, GS_EVENT_STARTED);
    assert_int_equal(ev.job, a);
    assert_int_equal(ev.time, 10);
    assert_int_equal(gs_sched_event(s, 2, &ev), GS_EINVAL);
    /* read: taken off the queue */
    assert_int_equal(gs_sched_events_consume(s, 2), GS_OK);
    assert_int_equal(gs_sched_event_count(s), 0);
    gs_job_info ia = info_of(s, a);
    assert_int_equal(ia.state, GS_JOB_RUNNING);
    assert_int_equal(ia.start_time, 10);
    assert_int_equal(ia.nodes, 1);
    assert_int_equal(info_of(s, c).state, GS_JOB_PENDING);
    assert_int_equal(info_of(s, c).reason, GS_REASON_RESOURCES);
    assert_int_equal(gs_sched_free_gpus(s), 0);
    char cvd[64];
    assert_int_equal(gs_sched_cuda_visible_devices(s, a, 0, 0, cvd, sizeof cvd,
                                                   NULL),
                     GS_OK);
    assert_string_equal(cvd, "0,1,2,3"); /* NUMA 0 first, lowest */
    assert_int_equal(gs_sched_cuda_visible_devices(s, b, 0, 0, cvd, sizeof cvd,
                                                   NULL),
                     GS_OK);
    assert_string_equal(cvd, "4,5,6,7");
    /* c has not started: it has no position 0 (as for every allocation
     * call: GS_EINVAL, the message says it never started) */
    assert_int_equal(gs_sched_cuda_visible_devices(s, c, 0, 0, cvd, sizeof cvd,
                                                   NULL),
                     GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "never started"));
    assert_int_equal(gs_sched_gpu_job(s, 5), b);
    /* completing a lets c start */
    assert_int_equal(gs_sched_complete(s, a, 20), GS_OK);
    assert_int_equal(info_of(s, a).state, GS_JOB_COMPLETED);
    assert_int_equal(info_of(s, a).end_time, 20);
    assert_int_equal(gs_sched_complete(s, a, 21), GS_ESTATE);
    assert_int_equal(gs_sched_complete(s, c, 21), GS_ESTATE); /* pending */
    assert_int_equal(gs_sched_step(s, 20, &started), GS_OK);
    assert_int_equal(started, 1);
    assert_int_equal(info_of(s, c).state, GS_JOB_RUNNING);
    assert_int_equal(gs_sched_check(s), GS_OK);
    /* fail and cancel */
    assert_int_equal(gs_sched_fail(s, b, 30), GS_OK);
    assert_int_equal(info_of(s, b).state, GS_JOB_FAILED);
    assert_int_equal(gs_sched_cancel(s, c, 31), GS_OK);
    assert_int_equal(info_of(s, c).state, GS_JOB_CANCELLED);
    assert_int_equal(gs_sched_cancel(s, 99, 31), GS_ENOTFOUND);
    assert_int_equal(gs_sched_free_gpus(s), 8);
    assert_int_equal(gs_sched_node_free_cpus(s, 0), 224);
    assert_int_equal(gs_sched_check(s), GS_OK);
    /* a job the machine could never run is refused, not queued */
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 9;
    uint64_t d = 0;
    assert_int_equal(gs_sched_submit(s, &spec, &d), GS_ENORES);
    assert_int_equal(d, 0);
    assert_int_equal(gs_sched_job_count(s), 3);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

static void spec_validation(void **state)
{
    (void)state;
    gs_topo *t = load("dgx1-v100");
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    struct {
        gs_job_spec spec;
        gs_status st;
        const char *msg;
    } cases[8];
    size_t n = 0;
#define CASE(field_set, status, text)                                       \
    do {                                                                    \
        gs_job_spec_init(&cases[n].spec);                                   \
        cases[n].spec.gpus = 2;                                             \
        field_set;                                                          \
        cases[n].st = status;                                               \
        cases[n].msg = text;                                                \
        n++;                                                                \
    } while (0)
    CASE(cases[n].spec.gpus = 0, GS_EINVAL, "gpus must be at least 1");
    CASE(cases[n].spec.gpus_per_node = 3, GS_EINVAL,
         "must be a multiple of gpus_per_node");
    CASE((cases[n].spec.min_nodes = 3, cases[n].spec.max_nodes = 2), GS_EINVAL,
         "min_nodes (3) is above max_nodes (2)");
    CASE(cases[n].spec.gpu_models = "A100,", GS_EINVAL,
         "gpu_models \"A100,\" has an empty name");
    CASE(cases[n].spec.gpu_models = "A100", GS_ENORES, "could never run it");
    CASE(cases[n].spec.min_cc_major = 9, GS_ENORES, "could never run it");
    CASE(cases[n].spec.time_limit = -1, GS_EINVAL, "time_limit");
    CASE(cases[n].spec.comm = (gs_comm_hint)7, GS_EINVAL, "comm 7");
#undef CASE
    for (size_t i = 0; i < n; i++) {
        uint64_t id = 0;
        assert_int_equal(gs_sched_submit(s, &cases[i].spec, &id), cases[i].st);
        if (!strstr(gs_sched_errmsg(s), cases[i].msg))
            fail_msg("case %zu: '%s' lacks '%s'", i, gs_sched_errmsg(s),
                     cases[i].msg);
        assert_int_equal(id, 0);
    }
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 2;
    const char *uuids[] = {"GPU-nope"};
    spec.require_uuids = uuids;
    spec.n_require_uuids = 1;
    assert_int_equal(gs_sched_submit(s, &spec, NULL), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "no GPU has UUID"));
    uint32_t twice[] = {3, 3};
    gs_job_spec_init(&spec);
    spec.gpus = 2;
    spec.require_gpus = twice;
    spec.n_require_gpus = 2;
    assert_int_equal(gs_sched_submit(s, &spec, NULL), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "GPU 3 is required twice"));
    /* models match as case-insensitive substrings */
    gs_job_spec_init(&spec);
    spec.gpus = 2;
    spec.gpu_models = "a100, v100";
    spec.min_gpu_memory = 32ull << 30;
    spec.min_cc_major = 7;
    uint64_t id;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    assert_int_equal(info_of(s, id).state, GS_JOB_RUNNING);
    assert_int_equal(gs_sched_submit(s, NULL, NULL), GS_EINVAL);
    assert_int_equal(gs_sched_job_count(s), 1); /* nothing else was queued */
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* A preview answers like the step would, and changes nothing. */
static void preview(void **state)
{
    (void)state;
    gs_topo *t = load("dgx1-v100");
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    gs_sched_drain_gpu(s, 1);
    gs_sched_drain_gpu(s, 2);
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 2;
    uint32_t got[8];
    size_t n = 0;
    assert_int_equal(gs_sched_preview(s, &spec, got, 8, &n), GS_OK);
    /* free 0,3,4-7: NV2 pairs 0-3, 0-4, 4-7, 5-6, 6-7; 0-3 is one NUMA
     * domain and breaks only quad A's remains: {0,3} */
    assert_int_equal(n, 2);
    assert_int_equal(got[0], 0);
    assert_int_equal(got[1], 3);
    assert_int_equal(gs_sched_job_count(s), 0);
    assert_int_equal(gs_sched_free_gpus(s), 6);
    uint64_t id;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
    gs_sched_step(s, 0, NULL);
    char cvd[32];
    gs_sched_cuda_visible_devices(s, id, 0, 0, cvd, sizeof cvd, NULL);
    assert_string_equal(cvd, "0,3");
    spec.gpus = 5;
    assert_int_equal(gs_sched_preview(s, &spec, got, 8, &n), GS_ENORES);
    assert_int_equal(n, 0);
    assert_non_null(strstr(gs_sched_errmsg(s), "needs 5 GPUs"));
    assert_int_equal(gs_sched_preview(s, &spec, got, 2, &n), GS_ENOSPC);
    spec.gpus = 0;
    assert_int_equal(gs_sched_preview(s, &spec, got, 8, &n), GS_EINVAL);
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

static void create_errors(void **state)
{
    (void)state;
    gs_topo *t = NULL;
    gs_load_options o;
    gs_load_options_init(&o);
    o.flags = GS_LOAD_NOFREEZE;
    assert_int_equal(gs_topo_load(&t, "dgx-h100", &o), GS_OK);
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_ENOTFROZEN);
    assert_non_null(strstr(gs_sched_errmsg(s), "frozen"));
    gs_sched_destroy(s);
    gs_topo_freeze(t);
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.placement = "no-such-policy";
    assert_int_equal(gs_sched_create(&s, t, &cfg), GS_ENOTFOUND);
    assert_non_null(strstr(gs_sched_errmsg(s), "no-such-policy"));
    gs_sched_destroy(s);
    assert_int_equal(gs_sched_create(NULL, t, NULL), GS_EINVAL);
    gs_sched_destroy(NULL);
    assert_int_equal(gs_sched_step(NULL, 0, NULL), GS_EINVAL);
    assert_int_equal(gs_sched_free_gpus(NULL), 0);
    assert_non_null(gs_sched_errmsg(NULL));
    gs_topo_destroy(t);
}

static void drain_and_fail(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(
        "{\"nodes\": [{\"name\": \"w[1-2]\", \"template\": "
        "\"workstation-2gpu-nvlink\"}]}");
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    assert_int_equal(gs_sched_drain_node(s, 0), GS_OK);
    assert_int_equal(gs_sched_node_free_gpus(s, 0), 0);
    uint64_t a = submit(s, 2, 0);
    gs_sched_step(s, 0, NULL);
    gs_alloc_node an;
    an.struct_size = sizeof an;
    assert_int_equal(gs_sched_alloc_node(s, a, 0, &an), GS_OK);
    assert_int_equal(an.node, 1); /* w1 is drained */
    assert_int_equal(gs_sched_resume_node(s, 0), GS_OK);
    assert_int_equal(gs_sched_drain_gpu(s, 0), GS_OK);
    uint64_t b = submit(s, 2, 1);
    gs_sched_step(s, 1, NULL);
    assert_int_equal(info_of(s, b).state, GS_JOB_PENDING); /* one GPU free */
    assert_int_equal(gs_sched_resume_gpu(s, 0), GS_OK);
    gs_sched_step(s, 2, NULL);
    assert_int_equal(info_of(s, b).state, GS_JOB_RUNNING);
    assert_int_equal(gs_sched_check(s), GS_OK);
    /* the starts of a and b, read and taken */
    assert_int_equal(gs_sched_event_count(s), 2);
    assert_int_equal(gs_sched_events_consume(s, 2), GS_OK);
    /* a GPU of b fails: b fails, the GPU stays out until repaired */
    uint64_t hit = 0;
    assert_int_equal(gs_sched_fail_gpu(s, 1, 5, &hit), GS_OK);
    assert_int_equal(hit, b);
    assert_int_equal(info_of(s, b).state, GS_JOB_FAILED);
    assert_int_equal(gs_sched_event_count(s), 1);
    gs_event ev;
    ev.struct_size = sizeof ev;
    gs_sched_event(s, 0, &ev);
    assert_int_equal(ev.kind, GS_EVENT_FAILED);
    assert_int_equal(ev.job, b);
    assert_int_equal(ev.time, 5);
    assert_int_equal(gs_sched_events_consume(s, 1), GS_OK);
    assert_int_equal(gs_sched_node_free_gpus(s, 0), 1);
    assert_int_equal(gs_sched_fail_gpu(s, 1, 6, &hit), GS_OK);
    assert_int_equal(hit, 0); /* nobody held it */
    assert_int_equal(gs_sched_event_count(s), 0); /* and nothing to say */
    assert_int_equal(gs_sched_repair_gpu(s, 1), GS_OK);
    assert_int_equal(gs_sched_node_free_gpus(s, 0), 2);
    assert_int_equal(gs_sched_drain_gpu(s, 99), GS_EINVAL);
    assert_int_equal(gs_sched_drain_node(s, 9), GS_EINVAL);
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

static void exclusive_and_uuids(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(
        "{\"nodes\": [{\"name\": \"a\", \"template\": \"dgx1-v100\", "
        "\"uuids\": [\"GPU-a0\",\"GPU-a1\",\"GPU-a2\",\"GPU-a3\",\"GPU-a4\","
        "\"GPU-a5\",\"GPU-a6\",\"GPU-a7\"]},"
        " {\"name\": \"b\", \"template\": \"dgx1-v100\"}]}");
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 2;
    const char *want[] = {"GPU-a6"};
    spec.require_uuids = want;
    spec.n_require_uuids = 1;
    uint64_t a;
    assert_int_equal(gs_sched_submit(s, &spec, &a), GS_OK);
    gs_sched_step(s, 0, NULL);
    char cvd[128];
    gs_sched_cuda_visible_devices(s, a, 0, GS_CVD_UUIDS, cvd, sizeof cvd,
                                  NULL);
    /* GPU 6's NV2 partners are 5 and 7: 5 is its lower (same NUMA) */
    assert_string_equal(cvd, "GPU-a5,GPU-a6");
    gs_sched_cuda_visible_devices(s, a, 0, 0, cvd, sizeof cvd, NULL);
    assert_string_equal(cvd, "5,6");
    assert_int_equal(gs_sched_cuda_visible_devices(s, a, 0, 0, cvd, 3, NULL),
                     GS_ENOSPC);
    /* an exclusive job must take an idle node: b */
    gs_job_spec_init(&spec);
    spec.gpus = 1;
    spec.exclusive = 1;
    uint64_t x;
    assert_int_equal(gs_sched_submit(s, &spec, &x), GS_OK);
    gs_sched_step(s, 1, NULL);
    gs_alloc_node an;
    an.struct_size = sizeof an;
    gs_sched_alloc_node(s, x, 0, &an);
    assert_int_equal(an.node, 1);
    assert_int_equal(gs_sched_node_free_gpus(s, 1), 0); /* held whole */
    /* nobody else can get b now; a 7-GPU job must wait */
    uint64_t y = submit(s, 7, 2);
    gs_sched_step(s, 2, NULL);
    assert_int_equal(info_of(s, y).state, GS_JOB_PENDING);
    gs_sched_complete(s, x, 3);
    gs_sched_step(s, 3, NULL);
    assert_int_equal(info_of(s, y).state, GS_JOB_RUNNING);
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

static void multi_node_allocation(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(
        "{\"nodes\": [{\"name\": \"n[1-3]\", \"template\": \"dgx-a100\"}]}");
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 12;
    spec.cpus_per_gpu = 4;
    uint64_t id;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
    gs_sched_step(s, 0, NULL);
    assert_int_equal(gs_sched_check(s), GS_OK);
    /* fewest nodes: 8 + 4 */
    assert_int_equal(gs_sched_alloc_node_count(s, id), 2);
    gs_alloc_node an;
    an.struct_size = sizeof an;
    gs_sched_alloc_node(s, id, 0, &an);
    assert_int_equal(an.gpus, 8);
    assert_int_equal(an.cpus, 32);
    gs_sched_alloc_node(s, id, 1, &an);
    assert_int_equal(an.gpus, 4);
    uint32_t g[8];
    size_t cnt;
    assert_int_equal(gs_sched_alloc_gpus(s, id, 1, g, 8, &cnt), GS_OK);
    assert_int_equal(cnt, 4);
    /* 4 of the second node: GPUs of two NUMA domains are NV12 to all, so
     * NUMA span decides: {0,1} share NUMA 3, {2,3} NUMA 1 -> 2 domains */
    assert_int_equal(g[0], 0);
    assert_int_equal(g[3], 3);
    assert_int_equal(gs_sched_alloc_gpus(s, id, 1, g, 2, &cnt), GS_ENOSPC);
    char cpus[128];
    gs_sched_alloc_cpus(s, id, 1, cpus, sizeof cpus, NULL);
    /* 4 CPUs each from NUMA 3 (48-63) for GPUs 0,1 and NUMA 1 (16-31) */
    assert_string_equal(cpus, "16-23,48-55");
    /* gpus_per_node and node bounds */
    gs_job_spec_init(&spec);
    spec.gpus = 4;
    spec.gpus_per_node = 2;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
    gs_sched_step(s, 1, NULL);
    assert_int_equal(gs_sched_alloc_node_count(s, id), 2);
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* Deciding allocates nothing: a counting allocator sees no call during
 * gs_sched_step (submission, which sizes the buffers, may allocate),
 * except that the step first makes room in the event queue for every
 * event it could add. That growth comes before any decision: when it
 * fails, the step is GS_ENOMEM and changes nothing (the clock and the
 * queue included); a step that needs no room makes no allocation at all
 * (the next allocation is made to fail, and none did). The host takes the
 * events after each step, so the queue stops growing. */
static void step_does_not_allocate(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(
        "{\"nodes\": [{\"name\": \"n[01-40]\", \"template\": \"dgx1-v100\","
        " \"racks\": {\"size\": 8, \"parent\": \"top\"}},"
        " {\"name\": \"g[01-18]\", \"template\": \"gb200-tray\", "
        "\"nvlink_domain\": \"d\"}]}");
    /* the plain step, then backfill (easy, and conservative with
     * preemption) on jobs with time limits, priorities and users */
    for (int mode = 0; mode < 3; mode++) {
        gs_sched_config cfg;
        gs_sched_config_init(&cfg);
        cfg.backfill = mode == 0   ? GS_BACKFILL_NONE
                       : mode == 1 ? GS_BACKFILL_EASY
                                   : GS_BACKFILL_CONSERVATIVE;
        cfg.preempt = mode == 2 ? GS_PREEMPT_REQUEUE : GS_PREEMPT_OFF;
        gs_sched *s = NULL;
        assert_int_equal(gs_sched_create(&s, t, &cfg), GS_OK);
        unsigned seed = 99;
        uint64_t ids[400];
        static const char *users[] = {"ann", "bob", "cy"};
        for (int i = 0; i < 400; i++) {
            gs_job_spec spec;
            gs_job_spec_init(&spec);
            spec.gpus = 1 + (uint32_t)rand_r(&seed) % 16;
            spec.cpus_per_gpu = (uint32_t)rand_r(&seed) % 3;
            spec.gpus_per_node = rand_r(&seed) % 4 == 0 ? 1 : 0;
            spec.comm = rand_r(&seed) % 2 ? GS_COMM_BANDWIDTH
                                          : GS_COMM_INSENSITIVE;
            spec.one_nvlink_domain = rand_r(&seed) % 5 == 0;
            if (mode) {
                spec.time_limit = 1 + rand_r(&seed) % 20;
                spec.priority = rand_r(&seed) % 5;
                spec.preemptible = rand_r(&seed) % 3 == 0;
                spec.user = users[i % 3];
            }
            assert_int_equal(gs_sched_submit(s, &spec, &ids[i]), GS_OK);
        }
        int grown = 0;
        size_t events = 0;
        for (int round = 0; round < 30; round++) {
            int64_t clock = gs_sched_clock(s);
            test_alloc_fail_at(1);
            gs_status st = gs_sched_step(s, round, NULL);
            bool injected = test_alloc_failed();
            test_alloc_fail_at(0);
            if (st == GS_OK) {
                if (injected)
                    fail_msg("mode %d, round %d: the step allocated and "
                             "went on",
                             mode, round);
            } else {
                /* the queue had to grow: refused before deciding */
                assert_int_equal(st, GS_ENOMEM);
                assert_true(injected);
                assert_true(gs_sched_clock(s) == clock);
                assert_int_equal(gs_sched_event_count(s), 0);
                assert_int_equal(gs_sched_check(s), GS_OK);
                long before = test_alloc_stats_get().allocs;
                assert_int_equal(gs_sched_step(s, round, NULL), GS_OK);
                long made = test_alloc_stats_get().allocs - before;
                if (made != 1)
                    fail_msg("mode %d, round %d: %ld allocations in a step "
                             "that grew the event queue",
                             mode, round, made);
                grown++;
            }
            events += gs_sched_event_count(s);
            assert_int_equal(gs_sched_events_consume(
                                 s, gs_sched_event_count(s)),
                             GS_OK);
            for (int i = 0; i < 400; i++)
                if (rand_r(&seed) % 3 == 0)
                    gs_sched_complete(s, ids[i], round); /* ESTATE if not run */
        }
        /* the first step made the queue; few steps grew it after */
        assert_true(grown >= 1 && grown <= 8);
        assert_true(events > 0);
        assert_int_equal(gs_sched_check(s), GS_OK);
        gs_sched_destroy(s);
    }
    gs_topo_destroy(t);
}

/* Random operations with the invariants checked after every one. */
static void random_operations(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(
        "{\"nodes\": [{\"name\": \"p[1-6]\", \"template\": \"pcie-8gpu\","
        " \"racks\": {\"size\": 3}},"
        " {\"name\": \"x[1-4]\", \"template\": \"dgx2\"},"
        " {\"name\": \"g[1-6]\", \"template\": \"gb200-tray\","
        "  \"nvlink_domain\": \"d\"}]}");
    const char *policies[] = {"first-fit", "best-fit", "spread",
                              "nvlink-pack"};
    unsigned seed = 7;
    int rounds = getenv("GS_TEST_UNDER_VALGRIND") ? 300 : 3000;
    for (int p = 0; p < 4; p++) {
        gs_sched_config cfg;
        gs_sched_config_init(&cfg);
        cfg.placement = policies[p];
        gs_sched *s = NULL;
        assert_int_equal(gs_sched_create(&s, t, &cfg), GS_OK);
        /* ended jobs are forgotten 300 s after they ended (r is the time),
         * once their events are taken: ids up to the last one given */
        uint64_t last = 0;
        for (int r = 0; r < rounds; r++) {
            int op = rand_r(&seed) % 10;
            uint64_t any = last ? 1 + (uint64_t)rand_r(&seed) % last : 1;
            uint32_t gpu = (uint32_t)rand_r(&seed) % gs_topo_gpu_count(t);
            if (op < 4) {
                gs_job_spec spec;
                gs_job_spec_init(&spec);
                spec.gpus = 1 + (uint32_t)rand_r(&seed) % 24;
                spec.cpus_per_gpu = (uint32_t)rand_r(&seed) % 9;
                spec.mem_per_gpu = (uint64_t)(rand_r(&seed) % 3) << 36;
                spec.exclusive = rand_r(&seed) % 10 == 0;
                spec.one_nvlink_domain = rand_r(&seed) % 8 == 0;
                spec.gpus_per_node = rand_r(&seed) % 6 == 0 ? 2 : 0;
                if (spec.gpus_per_node && spec.gpus % 2)
                    spec.gpus++;
                spec.max_nodes = rand_r(&seed) % 5 == 0 ? 1 : 0;
                spec.comm = rand_r(&seed) % 2 ? GS_COMM_BANDWIDTH
                                              : GS_COMM_INSENSITIVE;
                spec.submit_time = r; /* not before the clock */
                uint32_t req = gpu;
                if (rand_r(&seed) % 6 == 0) {
                    spec.require_gpus = &req;
                    spec.n_require_gpus = 1;
                }
                uint64_t id = 0;
                if (gs_sched_submit(s, &spec, &id) == GS_OK)
                    last = id;
            } else if (op < 6) {
                gs_sched_step(s, r, NULL);
                /* the host reads some of the queued events */
                size_t ne = gs_sched_event_count(s);
                if (ne)
                    assert_int_equal(gs_sched_events_consume(
                                         s, (size_t)rand_r(&seed) % (ne + 1)),
                                     GS_OK);
            } else if (op < 8) {
                gs_sched_complete(s, any, r);
            } else if (op == 8) {
                gs_sched_cancel(s, any, r);
            } else {
                switch (rand_r(&seed) % 6) {
                case 0: gs_sched_drain_gpu(s, gpu); break;
                case 1: gs_sched_resume_gpu(s, gpu); break;
                case 2: gs_sched_fail_gpu(s, gpu, r, NULL); break;
                case 3: gs_sched_repair_gpu(s, gpu); break;
                case 4:
                    gs_sched_drain_node(s, gs_topo_gpu_node(t, gpu));
                    break;
                default:
                    gs_sched_resume_node(s, gs_topo_gpu_node(t, gpu));
                }
            }
            gs_status st = gs_sched_check(s);
            if (st != GS_OK)
                fail_msg("%s, round %d (op %d): %s", policies[p], r, op,
                         gs_sched_errmsg(s));
        }
        gs_sched_destroy(s);
    }
    gs_topo_destroy(t);
}

typedef struct oom_ctx {
    const gs_topo *t;
} oom_ctx;

static gs_status sched_op(void *p)
{
    oom_ctx *c = p;
    gs_sched *s = NULL;
    gs_status st = gs_sched_create(&s, c->t, NULL);
    if (st == GS_OK) {
        gs_job_spec spec;
        gs_job_spec_init(&spec);
        spec.gpus = 3;
        spec.name = "train";
        spec.user = "alice";
        spec.gpu_models = "V100";
        uint32_t req = 2;
        spec.require_gpus = &req;
        spec.n_require_gpus = 1;
        uint64_t id;
        st = gs_sched_submit(s, &spec, &id);
        if (st == GS_OK)
            st = gs_sched_step(s, 0, NULL);
        char buf[64];
        if (st == GS_OK)
            st = gs_sched_alloc_cpus(s, id, 0, buf, sizeof buf, NULL);
    }
    gs_sched_destroy(s);
    return st;
}

static void out_of_memory_everywhere(void **state)
{
    (void)state;
    if (getenv("GS_TEST_UNDER_VALGRIND"))
        skip();
    gs_topo *t = load("dgx1-v100");
    oom_ctx c = {t};
    assert_true(test_each_allocation_fails(sched_op, &c) > 10);
    gs_topo_destroy(t);
}

/* Every call on a scheduler with a bad GPU, node or job says which one in
 * the handle's message, and changes nothing. */
static void bad_ids_say_which(void **state)
{
    (void)state;
    gs_topo *t = load("dgx1-v100");
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    assert_int_equal(gs_sched_drain_gpu(s, 8), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "drain_gpu: no GPU 8"));
    assert_int_equal(gs_sched_resume_gpu(s, 99), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "no GPU 99 (the cluster has 8)"));
    uint64_t holder = 7;
    assert_int_equal(gs_sched_fail_gpu(s, 8, 0, &holder), GS_EINVAL);
    assert_int_equal(holder, 0);
    assert_non_null(strstr(gs_sched_errmsg(s), "fail_gpu: no GPU 8"));
    assert_int_equal(gs_sched_repair_gpu(s, 8), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "repair_gpu"));
    assert_int_equal(gs_sched_drain_node(s, 1), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "drain_node: no node 1 (the cluster has 1)"));
    assert_int_equal(gs_sched_resume_node(s, 5), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "resume_node: no node 5"));
    assert_int_equal(gs_sched_complete(s, 3, 0), GS_ENOTFOUND);
    assert_non_null(strstr(gs_sched_errmsg(s), "no job 3"));
    gs_priority_breakdown b;
    memset(&b, 0, sizeof b);
    b.struct_size = sizeof b;
    assert_int_equal(gs_sched_job_priority(s, 4, &b), GS_ENOTFOUND);
    assert_non_null(strstr(gs_sched_errmsg(s), "no job 4"));
    assert_int_equal(gs_sched_free_gpus(s), 8);
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* A node's memory is the sum of its NUMA domains'; each may be up to
 * 2^63 - 1 bytes, so the sum can pass 2^64: 2 x (2^63 - 1) + 3 wrapped to 1
 * byte, and a job asking 1 GiB per GPU was refused as one the node could
 * never run. The sum saturates instead. */
static void node_memory_does_not_wrap(void **state)
{
    (void)state;
    static const char doc[] =
        "{\"nodes\": [{\"name\": \"big\", \"numa\": ["
        "{\"cpus\": \"0\", \"memory\": 9223372036854775807},"
        "{\"cpus\": \"1\", \"memory\": 9223372036854775807},"
        "{\"cpus\": \"2\", \"memory\": 3}],"
        "\"gpus\": {\"count\": 3, \"numa\": [0, 1, 2]}}]}";
    gs_topo *t = NULL;
    if (gs_topo_load_buffer(&t, doc, sizeof doc - 1, "big.json", NULL) !=
        GS_OK)
        fail_msg("big.json: %s", gs_topo_errmsg(t));
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    assert_true(gs_sched_node_free_memory(s, 0) == UINT64_MAX);
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 3;
    spec.mem_per_gpu = (uint64_t)1 << 30;
    uint64_t id = 0;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
    size_t started = 0;
    assert_int_equal(gs_sched_step(s, 0, &started), GS_OK);
    assert_int_equal(started, 1);
    assert_int_equal(gs_sched_check(s), GS_OK);
    assert_int_equal(gs_sched_complete(s, id, 1), GS_OK);
    assert_true(gs_sched_node_free_memory(s, 0) == UINT64_MAX);
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* ---- the event queue, the clock, retention -------------------------------
 * Each call below is followed by gs_sched_check() (CALL). */

static char call_msg[512]; /* the handle's message right after the call */

#define CALL(s, expr, want)                                                 \
    do {                                                                    \
        gs_status st_ = (expr);                                             \
        snprintf(call_msg, sizeof call_msg, "%s", gs_sched_errmsg(s));      \
        if (st_ != (want))                                                  \
            fail_msg("%s: %s, want %s (%s)", #expr, gs_status_name(st_),    \
                     gs_status_name(want), call_msg);                       \
        if (gs_sched_check(s) != GS_OK)                                     \
            fail_msg("after %s: %s", #expr, gs_sched_errmsg(s));            \
    } while (0)

/* The message of the last CALL holds every one of the texts. */
static void msg_has(const char *a, const char *b)
{
    if (!strstr(call_msg, a) || (b && !strstr(call_msg, b)))
        fail_msg("'%s' lacks '%s'%s%s", call_msg, a, b ? " or " : "",
                 b ? b : "");
}

static uint64_t submit_checked(gs_sched *s, const gs_job_spec *spec)
{
    uint64_t id = 0;
    CALL(s, gs_sched_submit(s, spec, &id), GS_OK);
    return id;
}

static uint64_t submit_at(gs_sched *s, uint32_t gpus, int64_t t,
                          int64_t priority)
{
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = gpus;
    spec.submit_time = t;
    spec.priority = priority;
    return submit_checked(s, &spec);
}

static void event_is(gs_sched *s, size_t i, gs_event_kind kind, uint64_t job,
                     int64_t time)
{
    gs_event ev = GS_EVENT_INIT;
    assert_int_equal(gs_sched_event(s, i, &ev), GS_OK);
    if (ev.kind != kind || ev.job != job || ev.time != time)
        fail_msg("event %zu: kind %d job %llu at %lld, want kind %d job "
                 "%llu at %lld",
                 i, (int)ev.kind, (unsigned long long)ev.job,
                 (long long)ev.time, (int)kind, (unsigned long long)job,
                 (long long)time);
}

static void next_is(gs_sched *s, gs_event_kind kind, uint64_t job,
                    int64_t time)
{
    gs_event ev = GS_EVENT_INIT;
    CALL(s, gs_sched_next_event(s, &ev), GS_OK);
    if (ev.kind != kind || ev.job != job || ev.time != time)
        fail_msg("next event: kind %d job %llu at %lld, want kind %d job "
                 "%llu at %lld",
                 (int)ev.kind, (unsigned long long)ev.job,
                 (long long)ev.time, (int)kind, (unsigned long long)job,
                 (long long)time);
}

/* Two workstations of 2 GPUs: w1 holds GPUs 0-1, w2 GPUs 2-3. */
static gs_topo *two_workstations(void)
{
    return test_topo_json("{\"nodes\": [{\"name\": \"w[1-2]\", "
                          "\"template\": \"workstation-2gpu-nvlink\"}]}");
}

/* Events queue until taken: two GPU failures and a step, all readable in
 * order; reading takes nothing; a consume larger than the queue is
 * refused and takes nothing. */
static void events_queue_until_consumed(void **state)
{
    (void)state;
    gs_topo *t = two_workstations();
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    gs_event ev = GS_EVENT_INIT;
    CALL(s, gs_sched_next_event(s, &ev), GS_ENOTFOUND); /* none yet */
    /* a and b take a workstation each; c (1 GPU) waits */
    uint64_t a = submit_at(s, 2, 0, 0), b = submit_at(s, 2, 0, 0),
             c = submit_at(s, 1, 0, 0);
    CALL(s, gs_sched_step(s, 10, NULL), GS_OK);
    assert_int_equal(gs_sched_event_count(s), 2);
    next_is(s, GS_EVENT_STARTED, a, 10);
    next_is(s, GS_EVENT_STARTED, b, 10);
    assert_int_equal(gs_sched_event_count(s), 0);
    /* GPU 0 fails at 20 (its holder fails), GPU 2 at 21 (the other) */
    uint64_t hit0 = 0, hit2 = 0;
    CALL(s, gs_sched_fail_gpu(s, 0, 20, &hit0), GS_OK);
    CALL(s, gs_sched_fail_gpu(s, 2, 21, &hit2), GS_OK);
    assert_true((hit0 == a && hit2 == b) || (hit0 == b && hit2 == a));
    assert_int_equal(gs_sched_event_count(s), 2); /* nothing replaced */
    /* GPUs 1 and 3 are free: c starts at 30 */
    size_t started = 0;
    CALL(s, gs_sched_step(s, 30, &started), GS_OK);
    assert_int_equal(started, 1);
    assert_int_equal(gs_sched_event_count(s), 3);
    for (int pass = 0; pass < 2; pass++) { /* looking takes nothing */
        event_is(s, 0, GS_EVENT_FAILED, hit0, 20);
        event_is(s, 1, GS_EVENT_FAILED, hit2, 21);
        event_is(s, 2, GS_EVENT_STARTED, c, 30);
        assert_int_equal(gs_sched_event(s, 3, &ev), GS_EINVAL);
        assert_int_equal(gs_sched_event_count(s), 3);
    }
    /* more than the queue holds: refused, nothing taken */
    CALL(s, gs_sched_events_consume(s, 4), GS_EINVAL);
    msg_has("4", "3");
    assert_int_equal(gs_sched_event_count(s), 3);
    event_is(s, 0, GS_EVENT_FAILED, hit0, 20);
    CALL(s, gs_sched_events_consume(s, SIZE_MAX), GS_EINVAL);
    assert_int_equal(gs_sched_event_count(s), 3);
    /* the oldest one taken; the rest move up */
    CALL(s, gs_sched_events_consume(s, 0), GS_OK);
    CALL(s, gs_sched_events_consume(s, 1), GS_OK);
    assert_int_equal(gs_sched_event_count(s), 2);
    event_is(s, 0, GS_EVENT_FAILED, hit2, 21);
    next_is(s, GS_EVENT_FAILED, hit2, 21);
    next_is(s, GS_EVENT_STARTED, c, 30);
    /* empty */
    CALL(s, gs_sched_next_event(s, &ev), GS_ENOTFOUND);
    CALL(s, gs_sched_events_consume(s, 1), GS_EINVAL);
    CALL(s, gs_sched_events_consume(s, 0), GS_OK);
    assert_int_equal(gs_sched_event_count(s), 0);
    /* a step that starts nothing adds nothing */
    CALL(s, gs_sched_step(s, 40, &started), GS_OK);
    assert_int_equal(started, 0);
    assert_int_equal(gs_sched_event_count(s), 0);
    /* bad arguments */
    CALL(s, gs_sched_next_event(s, NULL), GS_EINVAL);
    assert_int_equal(gs_sched_next_event(NULL, &ev), GS_EINVAL);
    assert_int_equal(gs_sched_events_consume(NULL, 0), GS_EINVAL);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* Time does not go back: a call with an earlier time is refused, names
 * both times, and changes nothing; an equal time is fine. */
static void clock_never_goes_back(void **state)
{
    (void)state;
    gs_topo *t = two_workstations();
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    assert_true(gs_sched_clock(s) == INT64_MIN);
    assert_true(gs_sched_clock(NULL) == INT64_MIN);
    uint64_t j = submit_at(s, 1, 0, 0), p = submit_at(s, 4, 0, 0);
    CALL(s, gs_sched_step(s, 100, NULL), GS_OK); /* j starts, p waits */
    CALL(s, gs_sched_events_consume(s, 1), GS_OK);
    assert_true(gs_sched_clock(s) == 100);
    /* j running since 100: ending it at 50 is refused */
    CALL(s, gs_sched_complete(s, j, 50), GS_EINVAL);
    msg_has("50", "100");
    gs_job_info ij = info_of(s, j);
    assert_int_equal(ij.state, GS_JOB_RUNNING);
    assert_int_equal(ij.start_time, 100);
    assert_int_equal(ij.end_time, -1);
    assert_int_equal(gs_sched_free_gpus(s), 3);
    assert_true(gs_sched_clock(s) == 100);
    /* every call that takes a time */
    CALL(s, gs_sched_step(s, 99, NULL), GS_EINVAL);
    msg_has("99", "100");
    CALL(s, gs_sched_fail(s, j, 99), GS_EINVAL);
    msg_has("99", "100");
    CALL(s, gs_sched_cancel(s, j, 99), GS_EINVAL);
    CALL(s, gs_sched_cancel(s, p, 99), GS_EINVAL); /* pending too */
    CALL(s, gs_sched_update_usage(s, 99), GS_EINVAL);
    msg_has("99", "100");
    uint64_t hit = 5;
    CALL(s, gs_sched_fail_gpu(s, 3, 99, &hit), GS_EINVAL);
    assert_int_equal(hit, 0);
    assert_int_equal(gs_sched_event_count(s), 0);
    assert_int_equal(gs_sched_free_gpus(s), 3); /* GPU 3 did not fail */
    assert_int_equal(info_of(s, j).state, GS_JOB_RUNNING);
    assert_int_equal(info_of(s, p).state, GS_JOB_PENDING);
    assert_true(gs_sched_clock(s) == 100);
    /* a submission earlier than the clock is refused too */
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 1;
    spec.submit_time = 50;
    CALL(s, gs_sched_submit(s, &spec, NULL), GS_EINVAL);
    msg_has("submit_time 50", "100");
    assert_int_equal(gs_sched_job_count(s), 2);
    /* the same time is not earlier */
    CALL(s, gs_sched_update_usage(s, 100), GS_OK);
    spec.submit_time = 100;
    uint64_t q = submit_checked(s, &spec);
    assert_int_equal(q, 3);
    CALL(s, gs_sched_complete(s, j, 100), GS_OK);
    assert_int_equal(info_of(s, j).end_time, 100);
    CALL(s, gs_sched_step(s, 100, NULL), GS_OK); /* p (4 GPUs) starts */
    assert_int_equal(info_of(s, p).state, GS_JOB_RUNNING);
    assert_true(gs_sched_clock(s) == 100);
    /* a refused call does not move the clock; an accepted one does */
    CALL(s, gs_sched_complete(s, 99, 500), GS_ENOTFOUND);
    assert_true(gs_sched_clock(s) == 100);
    CALL(s, gs_sched_update_usage(s, 150), GS_OK);
    assert_true(gs_sched_clock(s) == 150);
    CALL(s, gs_sched_step(s, 149, NULL), GS_EINVAL);
    msg_has("149", "150");
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* A job submitted with a time later than the step's now waits with reason
 * begin-time, without holding back the jobs behind it, and starts at its
 * time. */
static void begin_time_waits(void **state)
{
    (void)state;
    gs_topo *t = two_workstations();
    assert_string_equal(gs_pending_reason_name(GS_REASON_BEGIN_TIME),
                        "begin-time");
    /* fifo: f (id 1) at 200 and p (id 2) at 100; priority: f outranks
     * p (priority 10 against 1). Either way only the begin time holds f,
     * and without backfill a blocked job would make p wait. */
    for (int ordering = 0; ordering < 2; ordering++) {
        gs_sched_config cfg;
        gs_sched_config_init(&cfg);
        cfg.ordering = ordering ? GS_ORDER_PRIORITY : GS_ORDER_FIFO;
        gs_sched *s = NULL;
        assert_int_equal(gs_sched_create(&s, t, &cfg), GS_OK);
        uint64_t f = submit_at(s, 2, 200, 10), p = submit_at(s, 2, 100, 1);
        /* submitting at 200 moved no clock */
        assert_true(gs_sched_clock(s) == INT64_MIN);
        size_t started = 0;
        CALL(s, gs_sched_step(s, 150, &started), GS_OK);
        assert_int_equal(started, 1);
        gs_job_info fi = info_of(s, f);
        assert_int_equal(fi.state, GS_JOB_PENDING);
        assert_int_equal(fi.reason, GS_REASON_BEGIN_TIME);
        char why[256];
        assert_int_equal(gs_sched_job_reason_text(s, f, why, sizeof why,
                                                  NULL),
                         GS_OK);
        if (!strstr(why, "200") || !strstr(why, "150"))
            fail_msg("reason: %s", why);
        gs_job_info pi = info_of(s, p);
        assert_int_equal(pi.state, GS_JOB_RUNNING);
        assert_int_equal(pi.start_time, 150);
        next_is(s, GS_EVENT_STARTED, p, 150);
        /* still waiting just before its time */
        CALL(s, gs_sched_step(s, 199, &started), GS_OK);
        assert_int_equal(started, 0);
        assert_int_equal(info_of(s, f).reason, GS_REASON_BEGIN_TIME);
        /* 2 GPUs are free: f starts at 200 */
        CALL(s, gs_sched_step(s, 200, &started), GS_OK);
        assert_int_equal(started, 1);
        fi = info_of(s, f);
        assert_int_equal(fi.state, GS_JOB_RUNNING);
        assert_int_equal(fi.start_time, 200);
        assert_int_equal(fi.submit_time, 200);
        next_is(s, GS_EVENT_STARTED, f, 200);
        gs_sched_destroy(s);
    }
    gs_topo_destroy(t);
}

/* What the forget hook saw. */
typedef struct forget_log {
    size_t n;
    gs_job_info info[16];
    uint32_t alloc_nodes[16]; /* its allocation, queried in the hook */
    int queried;              /* gs_sched_job_info() worked in the hook */
} forget_log;

static void log_forget(void *user_data, const gs_sched *s,
                       const gs_job_info *info)
{
    forget_log *l = user_data;
    assert_true(l->n < 16);
    l->info[l->n] = *info;
    l->info[l->n].name = l->info[l->n].user = l->info[l->n].account = NULL;
    l->alloc_nodes[l->n] = gs_sched_alloc_node_count(s, info->id);
    gs_job_info again = GS_JOB_INFO_INIT;
    l->queried += gs_sched_job_info(s, info->id, &again) == GS_OK &&
                  again.state == info->state;
    l->n++;
}

static void forgotten_is(const forget_log *l, size_t i, uint64_t id,
                         gs_job_state state, int64_t start, int64_t end)
{
    assert_true(i < l->n);
    const gs_job_info *f = &l->info[i];
    if (f->id != id || f->state != state || f->start_time != start ||
        f->end_time != end)
        fail_msg("forgotten %zu: job %llu %s %lld-%lld, want job %llu %s "
                 "%lld-%lld",
                 i, (unsigned long long)f->id, gs_job_state_name(f->state),
                 (long long)f->start_time, (long long)f->end_time,
                 (unsigned long long)id, gs_job_state_name(state),
                 (long long)start, (long long)end);
    if (start >= 0)
        assert_true(l->alloc_nodes[i] > 0);
}

static void gone(gs_sched *s, uint64_t id)
{
    gs_job_info info = GS_JOB_INFO_INIT;
    assert_int_equal(gs_sched_job_info(s, id, &info), GS_ENOTFOUND);
    assert_int_equal(gs_sched_alloc_node_count(s, id), 0);
}

/* keep_seconds: an ended job is forgotten at the first step at least that
 * long after it ended, once no queued event names it; the hook sees it
 * once, with its final record. */
static void retention_by_time(void **state)
{
    (void)state;
    gs_topo *t = two_workstations();
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    forget_log log = {0};
    CALL(s, gs_sched_set_forget_hook(s, log_forget, &log), GS_OK);
    CALL(s, gs_sched_set_retention(s, 10, GS_KEEP_FOREVER), GS_OK);
    uint64_t j = submit_at(s, 1, 0, 0);
    CALL(s, gs_sched_step(s, 50, NULL), GS_OK);
    next_is(s, GS_EVENT_STARTED, j, 50); /* nothing pins it now */
    CALL(s, gs_sched_complete(s, j, 100), GS_OK);
    CALL(s, gs_sched_step(s, 109, NULL), GS_OK); /* ended 9 s ago: kept */
    gs_job_info ij = info_of(s, j);
    assert_int_equal(ij.state, GS_JOB_COMPLETED);
    assert_int_equal(ij.end_time, 100);
    assert_int_equal(log.n, 0);
    assert_int_equal(gs_sched_job_count(s), 1);
    assert_int_equal(gs_sched_job_at(s, 0), j);
    CALL(s, gs_sched_step(s, 110, NULL), GS_OK); /* 10 s: forgotten */
    assert_int_equal(log.n, 1);
    forgotten_is(&log, 0, j, GS_JOB_COMPLETED, 50, 100);
    assert_int_equal(log.info[0].submit_time, 0);
    assert_int_equal(log.info[0].gpus, 1);
    assert_int_equal(log.info[0].nodes, 1);
    assert_int_equal(log.queried, 1); /* still queryable in the hook */
    gone(s, j);
    assert_int_equal(gs_sched_job_count(s), 0);
    assert_int_equal(gs_sched_job_at(s, 0), 0);
    CALL(s, gs_sched_step(s, 1000, NULL), GS_OK);
    assert_int_equal(log.n, 1); /* once */
    /* a forgotten job is not found, and says why */
    CALL(s, gs_sched_complete(s, j, 1000), GS_ENOTFOUND);
    msg_has("forgotten", NULL);
    CALL(s, gs_sched_cancel(s, 99, 1000), GS_ENOTFOUND);
    msg_has("no job 99", NULL);
    /* bad retention */
    CALL(s, gs_sched_set_retention(s, -1, 5), GS_EINVAL);
    CALL(s, gs_sched_set_retention(s, 5, -1), GS_EINVAL);
    CALL(s, gs_sched_set_retention(s, GS_TIME_MAX + 1, 5), GS_ERANGE);
    assert_int_equal(gs_sched_set_retention(NULL, 5, 5), GS_EINVAL);
    assert_int_equal(gs_sched_set_forget_hook(NULL, NULL, NULL), GS_EINVAL);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* The defaults: 300 s and 10,000 ended jobs. */
static void retention_defaults(void **state)
{
    (void)state;
    gs_topo *t = two_workstations();
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    forget_log log = {0};
    CALL(s, gs_sched_set_forget_hook(s, log_forget, &log), GS_OK);
    uint64_t j = submit_at(s, 2, 0, 0);
    CALL(s, gs_sched_step(s, 0, NULL), GS_OK);
    next_is(s, GS_EVENT_STARTED, j, 0);
    CALL(s, gs_sched_complete(s, j, 1), GS_OK);
    CALL(s, gs_sched_step(s, 300, NULL), GS_OK); /* 299 s: kept */
    assert_int_equal(info_of(s, j).state, GS_JOB_COMPLETED);
    CALL(s, gs_sched_step(s, 301, NULL), GS_OK); /* 300 s: forgotten */
    assert_int_equal(log.n, 1);
    forgotten_is(&log, 0, j, GS_JOB_COMPLETED, 0, 1);
    /* 10,001 jobs cancelled while pending at 400, the last submitted
     * first (so that each cancel is cheap): the first cancelled goes */
    enum { N = 10001 };
    static uint64_t ids[N];
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 1;
    spec.submit_time = 400;
    for (int i = 0; i < N; i++)
        assert_int_equal(gs_sched_submit(s, &spec, &ids[i]), GS_OK);
    for (int i = N; i-- > 0;)
        assert_int_equal(gs_sched_cancel(s, ids[i], 400), GS_OK);
    CALL(s, gs_sched_step(s, 400, NULL), GS_OK);
    assert_int_equal(log.n, 2);
    forgotten_is(&log, 1, ids[N - 1], GS_JOB_CANCELLED, -1, 400);
    assert_int_equal(gs_sched_job_count(s), 10000);
    assert_int_equal(gs_sched_job_at(s, 0), ids[0]);
    assert_int_equal(gs_sched_job_at(s, 9999), ids[N - 2]);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* keep_count: beyond the 2 most recently ended jobs, the earliest ended go
 * first (end order, not id order); the held jobs, ended or not, are
 * iterated in id order. */
static void retention_by_count(void **state)
{
    (void)state;
    gs_topo *t = load("dgx-h100");
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    forget_log log = {0};
    CALL(s, gs_sched_set_forget_hook(s, log_forget, &log), GS_OK);
    CALL(s, gs_sched_set_retention(s, GS_KEEP_FOREVER, 2), GS_OK);
    uint64_t j[8];
    for (int i = 1; i <= 6; i++)
        j[i] = submit_at(s, 1, 0, 0);
    j[7] = submit_at(s, 8, 0, 0); /* waits while any other runs */
    size_t started = 0;
    CALL(s, gs_sched_step(s, 0, &started), GS_OK);
    assert_int_equal(started, 6);
    CALL(s, gs_sched_events_consume(s, 6), GS_OK);
    /* ends: 3 at 10, 1 at 11, 5 at 12, 2 at 13, 4 at 14; 6 runs on */
    static const int order[] = {3, 1, 5, 2, 4};
    for (int k = 0; k < 5; k++)
        CALL(s, gs_sched_complete(s, j[order[k]], 10 + k), GS_OK);
    assert_int_equal(gs_sched_job_count(s), 7); /* forgetting is at a step */
    CALL(s, gs_sched_step(s, 20, &started), GS_OK);
    assert_int_equal(started, 0);
    assert_int_equal(log.n, 3);
    forgotten_is(&log, 0, j[3], GS_JOB_COMPLETED, 0, 10);
    forgotten_is(&log, 1, j[1], GS_JOB_COMPLETED, 0, 11);
    forgotten_is(&log, 2, j[5], GS_JOB_COMPLETED, 0, 12);
    gone(s, j[1]);
    gone(s, j[3]);
    gone(s, j[5]);
    assert_int_equal(info_of(s, j[2]).end_time, 13);
    assert_int_equal(info_of(s, j[4]).end_time, 14);
    /* held: 2 and 4 (ended), 6 (running), 7 (pending), in id order, from
     * either end */
    static const int held[] = {2, 4, 6, 7};
    assert_int_equal(gs_sched_job_count(s), 4);
    for (size_t i = 4; i-- > 0;)
        assert_int_equal(gs_sched_job_at(s, i), j[held[i]]);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(gs_sched_job_at(s, i), j[held[i]]);
    assert_int_equal(gs_sched_job_at(s, 4), 0);
    assert_int_equal(gs_sched_job_at(s, 2), j[6]);
    /* 6 ends: 2 goes, the earliest of the three */
    CALL(s, gs_sched_complete(s, j[6], 30), GS_OK);
    CALL(s, gs_sched_step(s, 30, &started), GS_OK);
    assert_int_equal(started, 1); /* 7: the node is free */
    assert_int_equal(log.n, 4);
    forgotten_is(&log, 3, j[2], GS_JOB_COMPLETED, 0, 13);
    assert_int_equal(gs_sched_job_count(s), 3);
    assert_int_equal(gs_sched_job_at(s, 0), j[4]);
    assert_int_equal(gs_sched_job_at(s, 1), j[6]);
    assert_int_equal(gs_sched_job_at(s, 2), j[7]);
    /* ids are never reused */
    uint64_t n = submit_at(s, 1, 30, 0);
    assert_int_equal(n, 8);
    assert_int_equal(gs_sched_job_at(s, 3), n);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* What keeps an ended job: an event no one took, and a job that depends
 * on it and has not ended. A dependency on a forgotten job is refused. */
static void retention_pins(void **state)
{
    (void)state;
    gs_topo *t = two_workstations();
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    forget_log log = {0};
    CALL(s, gs_sched_set_forget_hook(s, log_forget, &log), GS_OK);
    /* forget every ended job at the next step, unless something pins it */
    CALL(s, gs_sched_set_retention(s, 0, 0), GS_OK);
    /* x's STARTED event stays queued; y's is taken, then y fails with a
     * GPU (its FAILED event stays queued) */
    uint64_t x = submit_at(s, 2, 0, 0), y = submit_at(s, 2, 0, 0);
    CALL(s, gs_sched_step(s, 0, NULL), GS_OK);
    assert_int_equal(gs_sched_event_count(s), 2);
    event_is(s, 0, GS_EVENT_STARTED, x, 0);
    event_is(s, 1, GS_EVENT_STARTED, y, 0);
    CALL(s, gs_sched_complete(s, x, 5), GS_OK);
    gs_alloc_node an = GS_ALLOC_NODE_INIT;
    CALL(s, gs_sched_alloc_node(s, y, 0, &an), GS_OK);
    uint32_t ygpu = gs_topo_node_first_gpu(t, an.node);
    uint64_t hit = 0;
    CALL(s, gs_sched_fail_gpu(s, ygpu, 6, &hit), GS_OK);
    assert_int_equal(hit, y);
    /* queue: STARTED x, STARTED y, FAILED y */
    CALL(s, gs_sched_step(s, 10, NULL), GS_OK);
    assert_int_equal(log.n, 0);
    assert_int_equal(info_of(s, x).state, GS_JOB_COMPLETED);
    assert_int_equal(info_of(s, y).state, GS_JOB_FAILED);
    /* taking x's event frees x; y still has one */
    next_is(s, GS_EVENT_STARTED, x, 0);
    next_is(s, GS_EVENT_STARTED, y, 0);
    CALL(s, gs_sched_step(s, 11, NULL), GS_OK);
    assert_int_equal(log.n, 1);
    forgotten_is(&log, 0, x, GS_JOB_COMPLETED, 0, 5);
    gone(s, x);
    assert_int_equal(info_of(s, y).state, GS_JOB_FAILED);
    next_is(s, GS_EVENT_FAILED, y, 6);
    CALL(s, gs_sched_step(s, 12, NULL), GS_OK);
    assert_int_equal(log.n, 2);
    forgotten_is(&log, 1, y, GS_JOB_FAILED, 0, 6);
    gone(s, y);
    CALL(s, gs_sched_repair_gpu(s, ygpu), GS_OK);

    /* p ends while d, which depends on it, waits: p is kept until d
     * ends, though the retention is 0 */
    uint64_t p = submit_at(s, 2, 12, 0);
    CALL(s, gs_sched_step(s, 12, NULL), GS_OK);
    next_is(s, GS_EVENT_STARTED, p, 12);
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 4; /* waits until p ends */
    spec.submit_time = 13;
    spec.depends_on = p;
    uint64_t d = submit_checked(s, &spec);
    CALL(s, gs_sched_step(s, 13, NULL), GS_OK);
    assert_int_equal(info_of(s, d).reason, GS_REASON_DEPENDENCY);
    CALL(s, gs_sched_complete(s, p, 20), GS_OK);
    CALL(s, gs_sched_step(s, 30, NULL), GS_OK); /* d starts; p kept */
    assert_int_equal(log.n, 2);
    assert_int_equal(info_of(s, p).state, GS_JOB_COMPLETED);
    next_is(s, GS_EVENT_STARTED, d, 30);
    CALL(s, gs_sched_step(s, 40, NULL), GS_OK); /* d runs: p kept */
    assert_int_equal(log.n, 2);
    assert_int_equal(info_of(s, p).state, GS_JOB_COMPLETED);
    /* a job may still depend on p while it is held */
    spec.gpus = 1;
    spec.submit_time = 40;
    uint64_t d2 = submit_checked(s, &spec);
    CALL(s, gs_sched_cancel(s, d2, 41), GS_OK);
    CALL(s, gs_sched_complete(s, d, 50), GS_OK);
    CALL(s, gs_sched_step(s, 50, NULL), GS_OK); /* p, d2, d go */
    assert_int_equal(log.n, 5);
    forgotten_is(&log, 2, p, GS_JOB_COMPLETED, 12, 20);
    forgotten_is(&log, 3, d2, GS_JOB_CANCELLED, -1, 41);
    assert_int_equal(log.alloc_nodes[3], 0);
    forgotten_is(&log, 4, d, GS_JOB_COMPLETED, 30, 50);
    gone(s, p);
    gone(s, d);
    assert_int_equal(gs_sched_job_count(s), 0);
    /* depending on a forgotten job is refused, and says so */
    spec.submit_time = 50;
    spec.depends_on = p;
    CALL(s, gs_sched_submit(s, &spec, NULL), GS_EINVAL);
    msg_has("depends_on", "forgotten");
    spec.depends_on = 999;
    CALL(s, gs_sched_submit(s, &spec, NULL), GS_EINVAL);
    msg_has("there is no job 999", NULL);
    assert_int_equal(gs_sched_job_count(s), 0);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lifecycle),
        cmocka_unit_test(spec_validation),
        cmocka_unit_test(preview),
        cmocka_unit_test(create_errors),
        cmocka_unit_test(drain_and_fail),
        cmocka_unit_test(exclusive_and_uuids),
        cmocka_unit_test(multi_node_allocation),
        cmocka_unit_test(step_does_not_allocate),
        cmocka_unit_test(random_operations),
        cmocka_unit_test(out_of_memory_everywhere),
        cmocka_unit_test(bad_ids_say_which),
        cmocka_unit_test(node_memory_does_not_wrap),
        cmocka_unit_test(events_queue_until_consumed),
        cmocka_unit_test(clock_never_goes_back),
        cmocka_unit_test(begin_time_waits),
        cmocka_unit_test(retention_by_time),
        cmocka_unit_test(retention_defaults),
        cmocka_unit_test(retention_by_count),
        cmocka_unit_test(retention_pins),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    return test_alloc_stats_get().live_blocks ? 1 : rc;
}
