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
    assert_int_equal(gs_sched_cuda_visible_devices(s, c, 0, 0, cvd, sizeof cvd,
                                                   NULL),
                     GS_ENOTFOUND);
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
    assert_int_equal(gs_sched_node_free_gpus(s, 0), 1);
    assert_int_equal(gs_sched_fail_gpu(s, 1, 6, &hit), GS_OK);
    assert_int_equal(hit, 0); /* nobody held it */
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
 * gs_sched_step (submission, which sizes the buffers, may allocate). */
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
        long before = test_alloc_stats_get().allocs;
        for (int round = 0; round < 30; round++) {
            assert_int_equal(gs_sched_step(s, round, NULL), GS_OK);
            for (int i = 0; i < 400; i++)
                if (rand_r(&seed) % 3 == 0)
                    gs_sched_complete(s, ids[i], round); /* ESTATE if not run */
        }
        long after = test_alloc_stats_get().allocs;
        if (after != before)
            fail_msg("mode %d: %ld allocations in steps", mode, after - before);
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
        for (int r = 0; r < rounds; r++) {
            int op = rand_r(&seed) % 10;
            uint64_t n_jobs = gs_sched_job_count(s);
            uint64_t any = n_jobs ? 1 + (uint64_t)rand_r(&seed) % n_jobs : 1;
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
                uint32_t req = gpu;
                if (rand_r(&seed) % 6 == 0) {
                    spec.require_gpus = &req;
                    spec.n_require_gpus = 1;
                }
                gs_sched_submit(s, &spec, NULL);
            } else if (op < 6) {
                gs_sched_step(s, r, NULL);
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
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    return test_alloc_stats_get().live_blocks ? 1 : rc;
}
