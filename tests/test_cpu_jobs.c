/*
 * CPU-only jobs (gpus 0): the node and the CPUs they get against
 * hand-worked answers, the requests refused, how they wait (blocking the
 * queue in rank order, backfilled behind a blocker, never reserving),
 * exclusive ones, partitions, preemption, a snapshot with one running,
 * and random mixes with GPU jobs checked by gs_sched_check and by CPU
 * counts kept here.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <gpusched/gpusched.h>

#include "test_support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define GIB (1024ull * 1024 * 1024)

/* n nodes of 2 GPUs (both in NUMA 0) and 16 CPUs: NUMA 0 has CPUs 0-7,
 * NUMA 1 CPUs 8-15, 32 GiB each. */
#define TWO_NUMA                                                       \
    "{\"nodes\": [{\"name\": \"n[0-%u]\", \"numa\": ["                   \
    "{\"cpus\": \"0-7\", \"memory\": \"32GiB\"},"                          \
    "{\"cpus\": \"8-15\", \"memory\": \"32GiB\"}],"                        \
    "\"gpus\": {\"count\": 2, \"model\": \"T4\", \"memory\": \"16GiB\"," \
    " \"numa\": 0}, \"matrix\": [\"X PHB\", \"PHB X\"]}]}"

static gs_topo *cluster(uint32_t n)
{
    char json[1024];
    snprintf(json, sizeof json, TWO_NUMA, n - 1);
    return test_topo_json(json);
}

static gs_sched *make(const gs_topo *t, gs_backfill bf, gs_preempt_mode pm)
{
    gs_sched_config c = GS_SCHED_CONFIG_INIT;
    c.placement = "first-fit";
    c.ordering = GS_ORDER_PRIORITY;
    c.backfill = bf;
    c.preempt = pm;
    gs_sched *s = NULL;
    if (gs_sched_create(&s, t, &c) != GS_OK)
        fail_msg("create: %s", gs_sched_errmsg(s));
    return s;
}

static uint64_t submit(gs_sched *s, uint32_t gpus, uint32_t cpus,
                       uint64_t mem, int64_t prio, int64_t limit, int64_t t)
{
    gs_job_spec spec = GS_JOB_SPEC_INIT;
    spec.gpus = gpus;
    spec.cpus_per_gpu = cpus;
    spec.mem_per_gpu = mem;
    spec.priority = prio;
    spec.time_limit = limit;
    spec.submit_time = t;
    uint64_t id = 0;
    if (gs_sched_submit(s, &spec, &id) != GS_OK)
        fail_msg("submit: %s", gs_sched_errmsg(s));
    return id;
}

static gs_job_state state_of(const gs_sched *s, uint64_t id)
{
    gs_job_info i = GS_JOB_INFO_INIT;
    assert_int_equal(gs_sched_job_info(s, id, &i), GS_OK);
    return i.state;
}

/* The job's one node, its CPUs there (sorted by the library) and
 * memory. */
static void alloc_of(const gs_sched *s, uint64_t id, uint32_t *node,
                     uint32_t *gpus, uint32_t *cpus, uint64_t *mem)
{
    assert_int_equal(gs_sched_alloc_node_count(s, id), 1);
    gs_alloc_node a = GS_ALLOC_NODE_INIT;
    assert_int_equal(gs_sched_alloc_node(s, id, 0, &a), GS_OK);
    *node = a.node;
    *gpus = a.gpus;
    *cpus = a.cpus;
    *mem = a.memory;
}

static void step(gs_sched *s, int64_t now)
{
    size_t started;
    assert_int_equal(gs_sched_step(s, now, &started), GS_OK);
    assert_int_equal(gs_sched_check(s), GS_OK);
}

typedef struct bytes {
    char *buf;
    size_t len;
} bytes;

static gs_status grow(void *user, const void *data, size_t n)
{
    bytes *b = user;
    char *p = realloc(b->buf, b->len + n + 1);
    if (!p)
        return GS_ENOMEM;
    memcpy(p + b->len, data, n);
    b->buf = p;
    b->len += n;
    return GS_OK;
}

/* Worked by hand (first-fit, priority order, no backfill):
 *  A: 1 GPU, 4 CPUs per GPU  -> n0, GPU 0, CPUs 0-3 (the GPU's NUMA 0).
 *  C1: CPU-only, 6 CPUs, 8 GiB -> the node with the fewest free GPUs: n0
 *     (1 free, n1 has 2); its NUMA with the fewest free CPUs that holds 6
 *     is NUMA 1 (8 free; NUMA 0 has 4): CPUs 8-13.
 *  C2: CPU-only, 10 CPUs -> n0 has 6 free, so n1 (16); no NUMA has 10:
 *     the lowest free, CPUs 0-9.
 *  B: 2 GPUs, 4 CPUs each -> n0 has 1 free GPU, n1 has 2 GPUs but 6 CPUs:
 *     waits; C2 ends, B starts on n1. */
static void placed_by_hand(void **state)
{
    (void)state;
    gs_topo *t = cluster(2);
    gs_sched *s = make(t, GS_BACKFILL_NONE, GS_PREEMPT_OFF);
    /* preview: a node could take 16 CPUs now (0 GPUs chosen) */
    gs_job_spec pv = GS_JOB_SPEC_INIT;
    pv.cpus_per_gpu = 16;
    size_t count = 99;
    assert_int_equal(gs_sched_preview(s, &pv, NULL, 0, &count), GS_OK);
    assert_int_equal(count, 0);
    uint64_t a = submit(s, 1, 4, 0, 40, 0, 0);
    assert_int_equal(gs_sched_preview(s, &pv, NULL, 0, &count), GS_OK);
    uint64_t c1 = submit(s, 0, 6, 8 * GIB, 30, 0, 0);
    uint64_t c2 = submit(s, 0, 10, 0, 20, 0, 0);
    uint64_t b = submit(s, 2, 4, 0, 10, 0, 0);
    step(s, 1);
    assert_int_equal(state_of(s, a), GS_JOB_RUNNING);
    assert_int_equal(state_of(s, c1), GS_JOB_RUNNING);
    assert_int_equal(state_of(s, c2), GS_JOB_RUNNING);
    assert_int_equal(state_of(s, b), GS_JOB_PENDING);
    /* now n0 has 6 free CPUs, n1 6: no node has 16 */
    pv.submit_time = 1;
    assert_int_equal(gs_sched_preview(s, &pv, NULL, 0, &count), GS_ENORES);
    assert_non_null(strstr(gs_sched_errmsg(s), "16 CPUs"));
    uint32_t node, gpus, cpus;
    uint64_t mem;
    alloc_of(s, c1, &node, &gpus, &cpus, &mem);
    assert_int_equal(node, 0);
    assert_int_equal(gpus, 0);
    assert_int_equal(cpus, 6);
    assert_int_equal(mem, 8 * GIB);
    char text[64];
    assert_int_equal(gs_sched_alloc_cpus(s, c1, 0, text, sizeof text, NULL),
                     GS_OK);
    assert_string_equal(text, "8-13");
    alloc_of(s, c2, &node, &gpus, &cpus, &mem);
    assert_int_equal(node, 1);
    assert_int_equal(cpus, 10);
    assert_int_equal(mem, 0);
    assert_int_equal(gs_sched_alloc_cpus(s, c2, 0, text, sizeof text, NULL),
                     GS_OK);
    assert_string_equal(text, "0-9");
    gs_job_info bi = GS_JOB_INFO_INIT;
    assert_int_equal(gs_sched_job_info(s, b, &bi), GS_OK);
    assert_int_equal(bi.reason, GS_REASON_RESOURCES);
    assert_int_equal(gs_sched_complete(s, c2, 2), GS_OK);
    step(s, 2);
    assert_int_equal(state_of(s, b), GS_JOB_RUNNING);
    /* accounting: C2 (job 3) ran 1 s on 10 CPUs and no GPU: one line,
     * no model, 0 GPU-seconds, 10 CPU-seconds */
    bytes acct = {0};
    assert_int_equal(gs_sched_export_accounting(s, grow, &acct), GS_OK);
    acct.buf[acct.len] = '\0';
    assert_non_null(strstr(acct.buf, "\n3,,,,,completed,0,1,2,0,,0,10\n"));
    free(acct.buf);
    alloc_of(s, b, &node, &gpus, &cpus, &mem);
    assert_int_equal(node, 1);
    assert_int_equal(gpus, 2);
    assert_int_equal(cpus, 8);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

static void refuse(gs_sched *s, gs_job_spec *spec, gs_status want,
                   const char *text)
{
    uint64_t id = 0;
    assert_int_equal(gs_sched_submit(s, spec, &id), want);
    if (!strstr(gs_sched_errmsg(s), text))
        fail_msg("error \"%s\" lacks \"%s\"", gs_sched_errmsg(s), text);
    assert_int_equal(gs_sched_job_count(s), 0);
}

static void bad_requests(void **state)
{
    (void)state;
    gs_topo *t = cluster(2);
    gs_sched *s = make(t, GS_BACKFILL_NONE, GS_PREEMPT_OFF);
    gs_job_spec spec = GS_JOB_SPEC_INIT;
    refuse(s, &spec, GS_EINVAL, "CPU-only job (gpus 0), cpus_per_gpu");
    static const struct {
        const char *field;
        int which;
    } gpu_fields[] = {{"gpus_per_node", 0}, {"min_nodes above 1", 1},
                      {"max_nodes above 1", 2}, {"gpu_milli", 3},
                      {"mig_profile", 4},      {"required GPUs", 5},
                      {"GPU memory", 6},       {"gpu_models", 7},
                      {"a compute capability", 8},
                      {"one_nvlink_domain", 9}};
    uint32_t gpu0 = 0;
    for (size_t i = 0; i < sizeof gpu_fields / sizeof *gpu_fields; i++) {
        gs_job_spec_init(&spec);
        spec.cpus_per_gpu = 2;
        switch (gpu_fields[i].which) {
        case 0: spec.gpus_per_node = 1; break;
        case 1: spec.min_nodes = 2; break;
        case 2: spec.max_nodes = 2; break;
        case 3: spec.gpu_milli = 500; break;
        case 4: spec.mig_profile = "1g.10gb"; break;
        case 5: spec.require_gpus = &gpu0; spec.n_require_gpus = 1; break;
        case 6: spec.min_gpu_memory = GIB; break;
        case 7: spec.gpu_models = "T4"; break;
        case 8: spec.min_cc_major = 7; break;
        default: spec.one_nvlink_domain = 1; break;
        }
        refuse(s, &spec, GS_EINVAL, gpu_fields[i].field);
    }
    /* more than any node has: never runnable */
    gs_job_spec_init(&spec);
    spec.cpus_per_gpu = 17;
    refuse(s, &spec, GS_ENORES, "never run");
    gs_job_spec_init(&spec);
    spec.mem_per_gpu = 65 * GIB;
    refuse(s, &spec, GS_ENORES, "never run");
    /* max_nodes 1 and min_nodes 1 are what it gets: allowed */
    gs_job_spec_init(&spec);
    spec.cpus_per_gpu = 1;
    spec.min_nodes = spec.max_nodes = 1;
    uint64_t id;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
    /* its GPU count does not change */
    gs_job_update u = GS_JOB_UPDATE_INIT;
    u.fields = GS_UPDATE_GPUS;
    u.gpus = 1;
    assert_int_equal(gs_sched_update_job(s, id, &u), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "CPU-only"));
    gs_sched_destroy(s);
    gs_topo_destroy(t);
    /* a topology that lists no CPUs: nothing to give a CPU-only job */
    gs_topo *bare = test_topo_json(
        "{\"nodes\": [{\"name\": \"b0\", \"gpus\": {\"count\": 2, "
        "\"model\": \"T4\"}, \"matrix\": [\"X PHB\", \"PHB X\"]}]}");
    s = make(bare, GS_BACKFILL_NONE, GS_PREEMPT_OFF);
    gs_job_spec_init(&spec);
    spec.cpus_per_gpu = 1;
    refuse(s, &spec, GS_ENORES, "never run");
    gs_sched_destroy(s);
    gs_topo_destroy(bare);
}

/* A CPU-only job at the head blocks the jobs behind it in rank order
 * (no backfill); with EASY backfill a GPU job behind it starts, and the
 * CPU-only job holds no reservation. */
static void waits_and_backfill(void **state)
{
    (void)state;
    gs_topo *t = cluster(1);
    for (int bf = 0; bf < 2; bf++) {
        gs_sched *s = make(t, bf ? GS_BACKFILL_EASY : GS_BACKFILL_NONE,
                           GS_PREEMPT_OFF);
        uint64_t big = submit(s, 0, 12, 0, 50, 100, 0); /* 12 of 16 */
        step(s, 0);
        assert_int_equal(state_of(s, big), GS_JOB_RUNNING);
        uint64_t c = submit(s, 0, 8, 0, 40, 100, 1);  /* 4 free: waits */
        uint64_t g = submit(s, 1, 2, 0, 30, 100, 1);  /* fits (2 CPUs) */
        step(s, 1);
        assert_int_equal(state_of(s, c), GS_JOB_PENDING);
        gs_job_info ci = GS_JOB_INFO_INIT;
        assert_int_equal(gs_sched_job_info(s, c, &ci), GS_OK);
        assert_int_equal(ci.reason, GS_REASON_RESOURCES);
        char text[256];
        size_t len;
        assert_int_equal(
            gs_sched_job_reason_text(s, c, text, sizeof text, &len), GS_OK);
        assert_non_null(strstr(text, "8 CPUs"));
        assert_null(strstr(text, "reserved"));
        assert_int_equal(state_of(s, g),
                         bf ? GS_JOB_RUNNING : GS_JOB_PENDING);
        if (!bf) {
            gs_job_info gi = GS_JOB_INFO_INIT;
            assert_int_equal(gs_sched_job_info(s, g, &gi), GS_OK);
            assert_int_equal(gi.reason, GS_REASON_PRIORITY);
        }
        assert_int_equal(gs_sched_complete(s, big, 5), GS_OK);
        step(s, 5);
        assert_int_equal(state_of(s, c), GS_JOB_RUNNING);
        assert_int_equal(state_of(s, g), GS_JOB_RUNNING);
        gs_sched_destroy(s);
    }
    gs_topo_destroy(t);
}

/* An exclusive CPU-only job takes a node nobody uses and keeps others
 * off it. */
/* A one-GPU reservation takes the GPU that became free latest by its
 * start, not the lowest free one (conservative backfill, first-fit; two
 * nodes of 2 GPUs and 16 CPUs). Worked by hand:
 *  Z: 1 GPU, no CPUs, limit 1000 -> n0, GPU 0.
 *  X: CPU-only, 16 CPUs, limit 100 -> n0 (the fewest free GPUs): all of
 *     n0's CPUs.
 *  Y: 2 GPUs, limit 100 -> n1 (GPUs 2, 3).
 *  C: 1 GPU with 1 CPU: n0's GPU 1 is free but n0 has no CPU, n1 no GPU:
 *     the blocker. At 100 (X and Y end) GPUs 1, 2 and 3 are usable;
 *     first-fit takes GPU 1, free since now, but GPUs 2 and 3 became free
 *     at 100, later: the reservation moves to GPU 2, and GPU 1 is held by
 *     no reservation.
 *  D: 1 GPU, no CPUs, limit 200: its window [0, 200) is free on GPU 1, so
 *     it starts now there. Had C's reservation kept GPU 1, D would wait.
 *  At 100 C starts on n1, GPU 2 (first-fit: GPU 1 is D's). */
static void reservation_takes_latest_freed(void **state)
{
    (void)state;
    gs_topo *t = cluster(2);
    gs_sched *s = make(t, GS_BACKFILL_CONSERVATIVE, GS_PREEMPT_OFF);
    uint64_t z = submit(s, 1, 0, 0, 100, 1000, 0);
    uint64_t x = submit(s, 0, 16, 0, 90, 100, 0);
    uint64_t y = submit(s, 2, 0, 0, 80, 100, 0);
    step(s, 0);
    uint32_t node, gpus, cpus;
    uint64_t mem;
    alloc_of(s, z, &node, &gpus, &cpus, &mem);
    assert_int_equal(node, 0);
    assert_int_equal(gpus, 1);
    alloc_of(s, x, &node, &gpus, &cpus, &mem);
    assert_int_equal(node, 0);
    assert_int_equal(cpus, 16);
    alloc_of(s, y, &node, &gpus, &cpus, &mem);
    assert_int_equal(node, 1);
    uint64_t c = submit(s, 1, 1, 0, 50, 50, 0);
    uint64_t d = submit(s, 1, 0, 0, 10, 200, 0);
    step(s, 0);
    assert_int_equal(state_of(s, c), GS_JOB_PENDING);
    char text[256];
    size_t len;
    assert_int_equal(gs_sched_job_reason_text(s, c, text, sizeof text, &len),
                     GS_OK);
    assert_non_null(strstr(text, "reserved to start at 100"));
    assert_int_equal(state_of(s, d), GS_JOB_RUNNING);
    assert_int_equal(gs_sched_gpu_job(s, 1), d);
    assert_int_equal(gs_sched_complete(s, x, 100), GS_OK);
    assert_int_equal(gs_sched_complete(s, y, 100), GS_OK);
    step(s, 100);
    assert_int_equal(state_of(s, c), GS_JOB_RUNNING);
    assert_int_equal(gs_sched_gpu_job(s, 2), c);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

static void exclusive_node(void **state)
{
    (void)state;
    gs_topo *t = cluster(2);
    gs_sched *s = make(t, GS_BACKFILL_NONE, GS_PREEMPT_OFF);
    uint64_t g = submit(s, 1, 1, 0, 50, 0, 0); /* n0 */
    gs_job_spec spec = GS_JOB_SPEC_INIT;
    spec.cpus_per_gpu = 2;
    spec.exclusive = 1;
    spec.priority = 40;
    uint64_t x;
    assert_int_equal(gs_sched_submit(s, &spec, &x), GS_OK);
    uint64_t h = submit(s, 1, 1, 0, 30, 0, 0);
    step(s, 0);
    uint32_t node, gpus, cpus;
    uint64_t mem;
    alloc_of(s, g, &node, &gpus, &cpus, &mem);
    assert_int_equal(node, 0);
    alloc_of(s, x, &node, &gpus, &cpus, &mem);
    assert_int_equal(node, 1); /* n0 runs g */
    alloc_of(s, h, &node, &gpus, &cpus, &mem);
    assert_int_equal(node, 0); /* n1 is x's alone */
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* Partitions: a CPU-only job runs in one of its partitions' nodes. */
static void partitions(void **state)
{
    (void)state;
    gs_topo *t = cluster(2);
    gs_sched *s = make(t, GS_BACKFILL_NONE, GS_PREEMPT_OFF);
    gs_partition_spec p = GS_PARTITION_SPEC_INIT;
    p.name = "a";
    p.nodes = "n0";
    assert_int_equal(gs_sched_add_partition(s, &p), GS_OK);
    p.name = "b";
    p.nodes = "n1";
    assert_int_equal(gs_sched_add_partition(s, &p), GS_OK);
    gs_job_spec spec = GS_JOB_SPEC_INIT;
    spec.cpus_per_gpu = 4;
    spec.partition = "b";
    uint64_t id;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
    step(s, 0);
    uint32_t node, gpus, cpus;
    uint64_t mem;
    alloc_of(s, id, &node, &gpus, &cpus, &mem);
    assert_int_equal(node, 1);
    gs_job_info i = GS_JOB_INFO_INIT;
    assert_int_equal(gs_sched_job_info(s, id, &i), GS_OK);
    assert_string_equal(i.partition, "b");
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* Preemption: a CPU-only job may preempt a preemptible job holding the
 * CPUs it needs, and a GPU job may preempt a CPU-only one. */
static void preemption(void **state)
{
    (void)state;
    gs_topo *t = cluster(1);
    gs_sched *s = make(t, GS_BACKFILL_NONE, GS_PREEMPT_CANCEL);
    gs_job_spec spec = GS_JOB_SPEC_INIT;
    spec.cpus_per_gpu = 14;
    spec.preemptible = 1;
    spec.priority = 1;
    uint64_t low;
    assert_int_equal(gs_sched_submit(s, &spec, &low), GS_OK);
    step(s, 0);
    assert_int_equal(state_of(s, low), GS_JOB_RUNNING);
    uint64_t hi = submit(s, 1, 4, 0, 100, 0, 1); /* 2 CPUs free: needs 4 */
    step(s, 1);
    assert_int_equal(state_of(s, low), GS_JOB_PREEMPTED);
    step(s, 1);
    assert_int_equal(state_of(s, hi), GS_JOB_RUNNING);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* A running CPU-only job survives a snapshot: same node, CPUs, memory. */
static void snapshot(void **state)
{
    (void)state;
    gs_topo *t = cluster(2);
    gs_sched *s = make(t, GS_BACKFILL_NONE, GS_PREEMPT_OFF);
    uint64_t a = submit(s, 1, 4, 0, 40, 0, 0);
    uint64_t c = submit(s, 0, 6, 8 * GIB, 30, 0, 0);
    uint64_t w = submit(s, 0, 16, 0, 20, 0, 0); /* waits for n1's... */
    uint64_t w2 = submit(s, 0, 16, 0, 10, 0, 0); /* ...and then nothing */
    step(s, 1);
    assert_int_equal(state_of(s, w), GS_JOB_RUNNING);
    assert_int_equal(state_of(s, w2), GS_JOB_PENDING);
    bytes buf = {0};
    assert_int_equal(gs_sched_save(s, grow, &buf), GS_OK);
    gs_sched *r = NULL;
    assert_int_equal(gs_sched_restore_buffer(&r, t, NULL, buf.buf, buf.len),
                     GS_OK);
    assert_int_equal(gs_sched_check(r), GS_OK);
    char ids[2][64];
    for (int k = 0; k < 2; k++) {
        gs_sched *x = k ? r : s;
        uint32_t node, gpus, cpus;
        uint64_t mem;
        alloc_of(x, c, &node, &gpus, &cpus, &mem);
        assert_int_equal(node, 0);
        assert_int_equal(gpus, 0);
        assert_int_equal(cpus, 6);
        assert_int_equal(mem, 8 * GIB);
        assert_int_equal(gs_sched_alloc_cpus(x, c, 0, ids[k], 64, NULL),
                         GS_OK);
    }
    assert_string_equal(ids[0], "8-13");
    assert_string_equal(ids[1], "8-13");
    /* the restored one goes on: w ends, w2 takes n1 */
    assert_int_equal(gs_sched_complete(r, w, 2), GS_OK);
    step(r, 2);
    assert_int_equal(state_of(r, w2), GS_JOB_RUNNING);
    assert_int_equal(state_of(r, a), GS_JOB_RUNNING);
    free(buf.buf);
    gs_sched_destroy(r);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* Random mixes: every CPU is given once (gs_sched_check), the CPUs and
 * memory of the jobs running on each node never exceed it (counted here),
 * and a CPU-only job that waits could not have started on any node (its
 * need against the free CPUs and memory counted here). */
static void random_mixes(void **state)
{
    (void)state;
    gs_topo *t = cluster(4);
    uint64_t seed = 12345;
    size_t ran_cpu_only = 0, waited = 0;
    for (int round = 0; round < 12; round++) {
        gs_sched *s = make(t, (gs_backfill)(round % 3),
                           round % 4 == 3 ? GS_PREEMPT_REQUEUE
                                          : GS_PREEMPT_OFF);
        if (round % 2)
            gs_sched_set_quiet_steps(s, 1);
        enum { N = 160 };
        uint64_t ids[N];
        uint32_t need_cpu[N];
        uint64_t need_mem[N];
        int cpu_only[N];
        for (int i = 0; i < N; i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            uint32_t r = (uint32_t)(seed >> 33);
            cpu_only[i] = r % 3 == 0;
            uint32_t gpus = cpu_only[i] ? 0 : 1 + (r >> 3) % 2;
            need_cpu[i] = 1 + (r >> 5) % (cpu_only[i] ? 12 : 6);
            need_mem[i] = ((r >> 9) % 4) * 4 * GIB;
            if (cpu_only[i] && !need_cpu[i] && !need_mem[i])
                need_cpu[i] = 1;
            gs_job_spec spec = GS_JOB_SPEC_INIT;
            spec.gpus = gpus;
            spec.cpus_per_gpu = need_cpu[i];
            spec.mem_per_gpu = need_mem[i];
            spec.priority = (r >> 12) % 5;
            spec.time_limit = 10 + (r >> 15) % 40;
            spec.preemptible = (r >> 20) & 1;
            spec.submit_time = i / 4;
            assert_int_equal(gs_sched_submit(s, &spec, &ids[i]), GS_OK);
            if (i % 4 == 3) {
                step(s, i / 4);
                /* end some running jobs */
                for (int k = 0; k <= i; k++)
                    if (state_of(s, ids[k]) == GS_JOB_RUNNING &&
                        ((seed >> (k % 40)) & 7) == 0)
                        assert_int_equal(gs_sched_complete(s, ids[k], i / 4),
                                         GS_OK);
                step(s, i / 4);
                /* counted here: CPUs and memory in use per node */
                uint32_t used_cpu[4] = {0};
                uint64_t used_mem[4] = {0};
                for (int k = 0; k <= i; k++) {
                    if (state_of(s, ids[k]) != GS_JOB_RUNNING)
                        continue;
                    uint32_t na = gs_sched_alloc_node_count(s, ids[k]);
                    for (uint32_t q = 0; q < na; q++) {
                        gs_alloc_node a = GS_ALLOC_NODE_INIT;
                        assert_int_equal(
                            gs_sched_alloc_node(s, ids[k], q, &a), GS_OK);
                        uint32_t units = cpu_only[k] ? 1 : a.gpus;
                        assert_int_equal(a.cpus, need_cpu[k] * units);
                        assert_int_equal(a.memory, need_mem[k] * units);
                        if (cpu_only[k]) {
                            assert_int_equal(a.gpus, 0);
                            ran_cpu_only++;
                        }
                        used_cpu[a.node] += a.cpus;
                        used_mem[a.node] += a.memory;
                    }
                }
                for (int n = 0; n < 4; n++) {
                    assert_true(used_cpu[n] <= 16);
                    assert_true(used_mem[n] <= 64 * GIB);
                }
                /* a CPU-only job waiting for resources at the head of
                 * the queue (no backfill): no node had room */
                for (int k = 0; k <= i; k++) {
                    gs_job_info ji = GS_JOB_INFO_INIT;
                    assert_int_equal(gs_sched_job_info(s, ids[k], &ji),
                                     GS_OK);
                    if (!cpu_only[k] || ji.state != GS_JOB_PENDING ||
                        ji.reason != GS_REASON_RESOURCES)
                        continue;
                    waited++;
                    for (int n = 0; n < 4; n++)
                        assert_true(16 - used_cpu[n] < need_cpu[k] ||
                                    64 * GIB - used_mem[n] < need_mem[k]);
                }
            }
        }
        gs_sched_destroy(s);
    }
    /* the checks above were not empty */
    assert_true(ran_cpu_only > 100);
    assert_true(waited > 10);
    gs_topo_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(placed_by_hand),
        cmocka_unit_test(bad_requests),
        cmocka_unit_test(waits_and_backfill),
        cmocka_unit_test(reservation_takes_latest_freed),
        cmocka_unit_test(exclusive_node),
        cmocka_unit_test(partitions),
        cmocka_unit_test(preemption),
        cmocka_unit_test(snapshot),
        cmocka_unit_test(random_mixes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
