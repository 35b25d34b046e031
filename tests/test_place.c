/*
 * Placement: the acceptance cases (worked by hand under DESIGN §5),
 * the simple policies, multi-node choices, determinism, and a property
 * test comparing nvlink-pack with an independent brute force on 10,000
 * random node topologies.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include <stdlib.h>

#define GS_ARRAY_LEN_T(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ------------------------------------------------------------ */

/* Place one job of k GPUs on a fresh scheduler where only `free` GPUs are
 * available; returns the chosen cluster-wide ids (sorted) in out, or 0.
 * The look-ahead is off: these cases check the job's own objective (the
 * look-ahead has its own tests in test_patterns.c). */
static size_t place_once(const gs_topo *t, const char *policy,
                         const char *free_list, const uint32_t *req,
                         size_t nreq, uint32_t k, gs_comm_hint comm,
                         uint32_t *out)
{
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.placement = policy;
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, &cfg), GS_OK);
    assert_int_equal(gs_sched_set_lookahead(s, 0), GS_OK);
    uint32_t n = gs_topo_gpu_count(t);
    if (free_list) {
        unsigned char in[1024] = {0};
        for (const char *p = free_list; *p;) {
            char *e;
            unsigned long a = strtoul(p, &e, 10), b = a;
            if (*e == '-')
                b = strtoul(e + 1, &e, 10);
            for (unsigned long i = a; i <= b; i++)
                in[i] = 1;
            p = *e ? e + 1 : e;
        }
        for (uint32_t g = 0; g < n; g++)
            if (!in[g])
                gs_sched_drain_gpu(s, g);
    }
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = k;
    spec.require_gpus = req;
    spec.n_require_gpus = nreq;
    spec.comm = comm;
    uint64_t id;
    size_t m = 0;
    if (gs_sched_submit(s, &spec, &id) == GS_OK) {
        gs_sched_step(s, 0, NULL);
        assert_int_equal(gs_sched_check(s), GS_OK);
        for (uint32_t a = 0; a < gs_sched_alloc_node_count(s, id); a++) {
            gs_alloc_node an = {sizeof an, 0, 0, 0, 0};
            gs_sched_alloc_node(s, id, a, &an);
            size_t c = 0;
            gs_sched_alloc_gpus(s, id, a, out + m, 1024 - m, &c);
            for (size_t i = 0; i < c; i++)
                out[m + i] += gs_topo_node_first_gpu(t, an.node);
            m += c;
        }
    }
    gs_sched_destroy(s);
    return m;
}

static void expect_set(const gs_topo *t, const char *free_list,
                       const uint32_t *req, size_t nreq, uint32_t k,
                       const char *want)
{
    uint32_t got[1024];
    size_t m = place_once(t, "nvlink-pack", free_list, req, nreq, k,
                          GS_COMM_BANDWIDTH, got);
    char buf[256] = "";
    for (size_t i = 0; i < m; i++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%u",
                 i ? "," : "", got[i]);
    if (strcmp(buf, want) != 0)
        fail_msg("free %s, size %u: got {%s}, want {%s}",
                 free_list ? free_list : "all", k, buf, want);
}

static gs_topo *load(const char *src)
{
    gs_topo *t = NULL;
    gs_status st = gs_topo_load(&t, src, NULL);
    if (st != GS_OK)
        fail_msg("%s: %s", src, gs_topo_errmsg(t));
    return t;
}

/* ---- the acceptance cases -------------------------------------- */

/* DGX-1 V100 (hybrid cube-mesh). By hand: NV2 pairs 0-3, 0-4, 1-2, 1-5,
 * 2-3, 4-7, 5-6, 6-7 give 50 GB/s; NV1 25; SYS 6. */
static void dgx1_cases(void **state)
{
    (void)state;
    gs_topo *t = load("dgx1-v100");
    /* {0,4} is the only NV2 pair in {0,2,4,5} */
    expect_set(t, "0,2,4,5", NULL, 0, 2, "0,4");
    /* {0,4} NV2 beats {0,1} NV1 and {1,4} SYS */
    expect_set(t, "0,1,4", NULL, 0, 2, "0,4");
    /* {0,4} and {5,6} tie at 50; {5,6} spans one NUMA domain */
    expect_set(t, "0,4,5,6", NULL, 0, 2, "5,6");
    /* 4's NV2 partners are 0 and 7; 4-7 stays in one NUMA domain */
    uint32_t four = 4;
    expect_set(t, NULL, &four, 1, 2, "4,7");
    /* both quads give Q = 225; lowest indices */
    expect_set(t, NULL, NULL, 0, 4, "0,1,2,3");
    gs_topo_destroy(t);
}

/* Our own fixture with the NV12 bridge-pair matrix (pairs 0-2, 1-3, 4-5,
 * 6-7, everything else SYS, GPUs 0-3 on NUMA 0 and 4-7 on NUMA 1). */
static const char bridge_pairs[] =
    "{\"nodes\": [{\"name\": \"bridge\","
    " \"numa\": [{\"cpus\": \"0-31\"}, {\"cpus\": \"32-63\"}],"
    " \"gpus\": {\"count\": 8, \"numa\": [0,0,0,0,1,1,1,1]},"
    " \"matrix\": [\"X    SYS  NV12 SYS  SYS  SYS  SYS  SYS\","
    "             \"SYS  X    SYS  NV12 SYS  SYS  SYS  SYS\","
    "             \"NV12 SYS  X    SYS  SYS  SYS  SYS  SYS\","
    "             \"SYS  NV12 SYS  X    SYS  SYS  SYS  SYS\","
    "             \"SYS  SYS  SYS  SYS  X    NV12 SYS  SYS\","
    "             \"SYS  SYS  SYS  SYS  NV12 X    SYS  SYS\","
    "             \"SYS  SYS  SYS  SYS  SYS  SYS  X    NV12\","
    "             \"SYS  SYS  SYS  SYS  SYS  SYS  NV12 X\"]}]}";

static void successive(const gs_topo *t, const uint32_t *sizes, size_t n,
                       const char *const *want)
{
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    for (size_t i = 0; i < n; i++) {
        gs_job_spec spec;
        gs_job_spec_init(&spec);
        spec.gpus = sizes[i];
        uint64_t id;
        assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
        assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
        assert_int_equal(gs_sched_check(s), GS_OK);
        char buf[128];
        assert_int_equal(gs_sched_cuda_visible_devices(s, id, 0, 0, buf,
                                                       sizeof buf, NULL),
                         GS_OK);
        if (strcmp(buf, want[i]) != 0)
            fail_msg("job %zu: got {%s}, want {%s}", i + 1, buf, want[i]);
    }
    gs_sched_destroy(s);
}

static void bridge_pair_cases(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(bridge_pairs);
    /* 1: all ties -> GPU 0 (breaking pair 0-2); 2: GPU 2 finishes the
     * broken pair instead of breaking another; then each 2-GPU job gets an
     * NV12 pair, lowest first */
    const uint32_t sizes[] = {1, 1, 2, 2, 2};
    const char *const want[] = {"0", "2", "1,3", "4,5", "6,7"};
    successive(t, sizes, 5, want);
    gs_topo_destroy(t);
    const char *shared = test_shared_data("topo-m/nv12-bridge-pairs.txt");
    if (shared) {
        t = load(shared);
        successive(t, sizes, 5, want);
        gs_topo_destroy(t);
    }
}

/* Issue 10, bug 1: required GPUs on more than one node made first-fit,
 * best-fit and spread write one entry per node into one-element stack
 * arrays. Each policy must place exactly the required GPUs when they are
 * all the job asks for: one GPU on each of 2 and then 300 DGX-H100 nodes
 * (GPU ids 0, 8, 16...), worked out from the template's 8 GPUs a node. */
static void required_on_many_nodes(void **state)
{
    (void)state;
    static const char *const policies[] = {"first-fit", "best-fit", "spread",
                                           "nvlink-pack"};
    static const uint32_t sizes[] = {2, 300};
    for (size_t z = 0; z < GS_ARRAY_LEN_T(sizes); z++) {
        uint32_t nodes = sizes[z];
        char json[256];
        snprintf(json, sizeof json,
                 "{\"nodes\": [{\"name\": \"n[1-%u]\", "
                 "\"template\": \"dgx-h100\"}]}",
                 nodes);
        gs_topo *t = test_topo_json(json);
        uint32_t *req = malloc(nodes * sizeof *req);
        uint32_t *got = malloc(1024 * sizeof *got);
        assert_non_null(req);
        assert_non_null(got);
        for (uint32_t i = 0; i < nodes; i++)
            req[i] = 8 * i;
        for (size_t p = 0; p < GS_ARRAY_LEN_T(policies); p++) {
            size_t m = place_once(t, policies[p], NULL, req, nodes, nodes,
                                  GS_COMM_BANDWIDTH, got);
            assert_int_equal(m, nodes);
            for (uint32_t i = 0; i < nodes; i++)
                assert_int_equal(got[i], 8 * i);
            /* one more GPU than required: the extra one is on one of the
             * required nodes (fewest nodes), so the set is the required
             * GPUs plus one more GPU on a node that already has one */
            m = place_once(t, policies[p], NULL, req, nodes, nodes + 1,
                           GS_COMM_BANDWIDTH, got);
            assert_int_equal(m, nodes + 1);
            uint32_t per_node[300] = {0};
            for (size_t i = 0; i < m; i++)
                per_node[got[i] / 8]++;
            uint32_t twos = 0;
            for (uint32_t i = 0; i < nodes; i++) {
                assert_true(per_node[i] >= 1 && per_node[i] <= 2);
                twos += per_node[i] == 2;
            }
            assert_int_equal(twos, 1);
        }
        free(req);
        free(got);
        gs_topo_destroy(t);
    }
}

static void unplaceable(void **state)
{
    (void)state;
    gs_topo *t = load("dgx1-v100");
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    /* a required GPU that is busy */
    gs_sched_drain_gpu(s, 4);
    uint32_t four = 4;
    spec.gpus = 2;
    spec.require_gpus = &four;
    spec.n_require_gpus = 1;
    uint64_t id;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
    gs_sched_step(s, 0, NULL);
    gs_job_info info;
    info.struct_size = sizeof info;
    gs_sched_job_info(s, id, &info);
    assert_int_equal(info.state, GS_JOB_PENDING);
    assert_int_equal(info.reason, GS_REASON_REQUIRED_BUSY);
    char why[200];
    gs_sched_job_reason_text(s, id, why, sizeof why, NULL);
    assert_non_null(strstr(why, "required GPU 4"));
    gs_sched_cancel(s, id, 0);
    /* more required GPUs than the size */
    uint32_t three[] = {0, 1, 2};
    spec.require_gpus = three;
    spec.n_require_gpus = 3;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "3 GPUs required"));
    /* a size above the free count */
    spec.require_gpus = NULL;
    spec.n_require_gpus = 0;
    spec.gpus = 8;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
    gs_sched_step(s, 0, NULL);
    gs_sched_job_info(s, id, &info);
    assert_int_equal(info.state, GS_JOB_PENDING);
    assert_int_equal(info.reason, GS_REASON_RESOURCES);
    gs_sched_job_reason_text(s, id, why, sizeof why, NULL);
    assert_non_null(strstr(why, "needs 8 GPUs; 7 are free"));
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* ---- simple policies, by hand ------------------------------------------ */

/* Three workstation nodes a, b, c (2 GPUs each); b has 1 GPU busy. */
static void simple_policies(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(
        "{\"nodes\": [{\"name\": \"n[1-3]\", \"template\": "
        "\"workstation-2gpu-nvlink\"}]}");
    uint32_t got[16];
    /* GPU 2 (n2's first) busy: free 0,1,3,4,5 */
    assert_int_equal(place_once(t, "first-fit", "0-1,3-5", NULL, 0, 1,
                                GS_COMM_BANDWIDTH, got),
                     1);
    assert_int_equal(got[0], 0); /* lowest node, lowest GPU */
    assert_int_equal(place_once(t, "best-fit", "0-1,3-5", NULL, 0, 1,
                                GS_COMM_BANDWIDTH, got),
                     1);
    assert_int_equal(got[0], 3); /* n2 has the fewest free */
    assert_int_equal(place_once(t, "spread", "0,3-5", NULL, 0, 1,
                                GS_COMM_BANDWIDTH, got),
                     1);
    assert_int_equal(got[0], 4); /* n3 has the most free */
    /* nvlink-pack: Q is 0 for one GPU; packing: n2's broken pair first */
    assert_int_equal(place_once(t, "nvlink-pack", "0-1,3-5", NULL, 0, 1,
                                GS_COMM_BANDWIDTH, got),
                     1);
    assert_int_equal(got[0], 3);
    /* 4 GPUs need two nodes: the two full ones for every policy */
    assert_int_equal(place_once(t, "first-fit", "0-1,3-5", NULL, 0, 4,
                                GS_COMM_BANDWIDTH, got),
                     4);
    assert_int_equal(got[0], 0);
    assert_int_equal(got[3], 5);
    gs_topo_destroy(t);
}

/* ---- multi-node -------------------------------------------------------- */

/* 8 DGX H100 nodes: leaf switches l1 {h1..h4}, l2 {h5..h8} under a spine;
 * h1..h3 have 4 GPUs busy. A 16-GPU job needs two full nodes: l2 holds
 * four, l1 only one, so both go under l2 (its lowest: h5, h6). */
static void switch_tree_preference(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(
        "{\"nodes\": [{\"name\": \"h[1-8]\", \"template\": \"dgx-h100\","
        " \"racks\": {\"size\": 4, \"prefix\": \"l\", \"parent\": "
        "\"spine\"}}]}");
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    for (uint32_t n = 0; n < 3; n++)
        for (uint32_t g = 0; g < 4; g++)
            gs_sched_drain_gpu(s, n * 8 + g);
    /* the only full node under l1 is h4: a lone 16-GPU job goes to l2 */
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 16;
    uint64_t id;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
    gs_sched_step(s, 0, NULL);
    assert_int_equal(gs_sched_check(s), GS_OK);
    assert_int_equal(gs_sched_alloc_node_count(s, id), 2);
    gs_alloc_node an = {sizeof an, 0, 0, 0, 0};
    gs_sched_alloc_node(s, id, 0, &an);
    assert_int_equal(an.node, 4);
    gs_sched_alloc_node(s, id, 1, &an);
    assert_int_equal(an.node, 5);
    /* 4 per node on 3 nodes: l1 has h1..h3 with 4 free and h4 with 8; l2
     * has h7, h8: the deepest switch that fits is l1, and its best nodes
     * by the per-node rule are h1, h2, h3 (4 free each, a broken fabric:
     * least damage) */
    gs_job_spec_init(&spec);
    spec.gpus = 12;
    spec.gpus_per_node = 4;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
    gs_sched_step(s, 0, NULL);
    assert_int_equal(gs_sched_check(s), GS_OK);
    assert_int_equal(gs_sched_alloc_node_count(s, id), 3);
    for (uint32_t k = 0; k < 3; k++) {
        gs_sched_alloc_node(s, id, k, &an);
        assert_int_equal(an.node, k);
        assert_int_equal(an.gpus, 4);
    }
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* Two GB200 NVL72 racks (domains nvl1, nvl2) of 18 trays x 4 GPUs; rack 1
 * has 60 GPUs busy. A 16-GPU job fits in 4 trays: rack 1 has 3 free trays
 * only, so it goes to rack 2's first four trays. */
static void nvlink_domains(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(
        "{\"nodes\": [{\"name\": \"gb[01-36]\", \"template\": \"gb200-tray\","
        " \"racks\": {\"size\": 18, \"prefix\": \"nvl\", \"nvlink_domain\": "
        "true}}]}");
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    for (uint32_t g = 0; g < 60; g++)
        gs_sched_drain_gpu(s, g);
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 16;
    spec.one_nvlink_domain = 1;
    uint64_t id;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
    gs_sched_step(s, 0, NULL);
    assert_int_equal(gs_sched_alloc_node_count(s, id), 4);
    gs_alloc_node an = {sizeof an, 0, 0, 0, 0};
    for (uint32_t k = 0; k < 4; k++) {
        gs_sched_alloc_node(s, id, k, &an);
        assert_int_equal(an.node, 18 + k);
    }
    /* 20 GPUs in one domain: rack 2 has 14 trays left: fine; 12 + ... */
    gs_job_spec_init(&spec);
    spec.gpus = 60;
    spec.one_nvlink_domain = 1;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
    gs_sched_step(s, 0, NULL);
    gs_job_info info;
    info.struct_size = sizeof info;
    gs_sched_job_info(s, id, &info);
    assert_int_equal(info.state, GS_JOB_PENDING); /* 56 free in rack 2 */
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* ---- CPUs and memory --------------------------------------------------- */

static void cpus_from_numa(void **state)
{
    (void)state;
    gs_topo *t = load("dgx1-v100"); /* NUMA 0: 0-19,40-59; 1: 20-39,60-79 */
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 2;
    spec.cpus_per_gpu = 15;
    spec.mem_per_gpu = 100ull << 30;
    uint32_t four = 4;
    spec.require_gpus = &four;
    spec.n_require_gpus = 1;
    uint64_t a, b;
    assert_int_equal(gs_sched_submit(s, &spec, &a), GS_OK);
    gs_sched_step(s, 0, NULL);
    char buf[128];
    assert_int_equal(gs_sched_alloc_cpus(s, a, 0, buf, sizeof buf, NULL),
                     GS_OK);
    /* GPUs 4,7 on NUMA 1: 30 CPUs, its lowest: 20-39 and 60-69 */
    assert_string_equal(buf, "20-39,60-69");
    assert_int_equal(gs_sched_node_free_cpus(s, 0), 50);
    assert_int_equal(gs_sched_node_free_memory(s, 0), 312ull << 30);
    /* 30 more CPUs on NUMA 1 for GPUs 5,6: 10 left there, 20 from NUMA 0 */
    uint32_t five = 5;
    spec.require_gpus = &five;
    assert_int_equal(gs_sched_submit(s, &spec, &b), GS_OK);
    gs_sched_step(s, 0, NULL);
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_alloc_cpus(s, b, 0, buf, sizeof buf, NULL);
    assert_string_equal(buf, "0-19,70-79");
    gs_alloc_node an = {sizeof an, 0, 0, 0, 0};
    gs_sched_alloc_node(s, b, 0, &an);
    assert_int_equal(an.cpus, 30);
    assert_true(an.memory == 200ull << 30);
    /* memory now bounds a third job: 112 GiB left, 100 per GPU -> 1 GPU */
    gs_job_spec_init(&spec);
    spec.gpus = 2;
    spec.mem_per_gpu = 100ull << 30;
    uint64_t c;
    assert_int_equal(gs_sched_submit(s, &spec, &c), GS_OK);
    gs_sched_step(s, 0, NULL);
    gs_job_info info;
    info.struct_size = sizeof info;
    gs_sched_job_info(s, c, &info);
    assert_int_equal(info.state, GS_JOB_PENDING);
    gs_sched_complete(s, a, 10);
    gs_sched_step(s, 10, NULL);
    gs_sched_job_info(s, c, &info);
    assert_int_equal(info.state, GS_JOB_RUNNING);
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* ---- determinism ------------------------------------------------------- */

/* The same free set reached by freeing jobs in different orders gives the
 * same answers. */
static void same_state_same_answer(void **state)
{
    (void)state;
    gs_topo *t = load("dgx2");
    char first[64] = "";
    for (int order = 0; order < 2; order++) {
        gs_sched *s = NULL;
        assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
        uint64_t ids[8];
        for (int i = 0; i < 8; i++) {
            gs_job_spec spec;
            gs_job_spec_init(&spec);
            spec.gpus = 2;
            assert_int_equal(gs_sched_submit(s, &spec, &ids[i]), GS_OK);
        }
        assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
        int fin[4] = {1, 6, 3, 4};
        for (int i = 0; i < 4; i++)
            assert_int_equal(
                gs_sched_complete(s, ids[order ? fin[3 - i] : fin[i]], 1),
                GS_OK);
        gs_job_spec spec;
        gs_job_spec_init(&spec);
        spec.gpus = 5;
        spec.submit_time = 1; /* not before the scheduler's clock */
        uint64_t id = 0;
        assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
        size_t started = 0;
        assert_int_equal(gs_sched_step(s, 2, &started), GS_OK);
        assert_int_equal(started, 1);
        char buf[64];
        assert_int_equal(gs_sched_cuda_visible_devices(s, id, 0, 0, buf,
                                                       sizeof buf, NULL),
                         GS_OK);
        if (order == 0)
            strcpy(first, buf);
        else
            assert_string_equal(buf, first);
        assert_int_equal(gs_sched_check(s), GS_OK);
        gs_sched_destroy(s);
    }
    gs_topo_destroy(t);
}

/* ---- cases from other allocators' test suites -------------------------- */

/* Preview one job of k GPUs (required GPUs `req`) where only `free_list`
 * GPUs are free; the answer as "a,b,c", or "" when it is not placed, and
 * the status in *st. */
static void preview_set(const gs_topo *t, const char *free_list,
                        const uint32_t *req, size_t nreq, uint32_t k,
                        gs_status *st, char *buf, size_t cap)
{
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    uint32_t n = gs_topo_gpu_count(t);
    unsigned char in[64] = {0};
    if (free_list) {
        for (const char *p = free_list; *p;) {
            char *e;
            unsigned long a = strtoul(p, &e, 10), b = a;
            if (*e == '-')
                b = strtoul(e + 1, &e, 10);
            for (unsigned long i = a; i <= b && i < 64; i++)
                in[i] = 1;
            p = *e ? e + 1 : e;
        }
        for (uint32_t g = 0; g < n; g++)
            if (!in[g])
                gs_sched_drain_gpu(s, g);
    }
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = k;
    spec.require_gpus = req;
    spec.n_require_gpus = nreq;
    uint32_t got[64];
    size_t m = 0;
    *st = gs_sched_preview(s, &spec, got, 64, &m);
    buf[0] = '\0';
    for (size_t i = 0; i < m; i++)
        snprintf(buf + strlen(buf), cap - strlen(buf), "%s%u", i ? "," : "",
                 got[i]);
    if (*st == GS_OK) {
        /* never too few, and every required GPU is in */
        assert_int_equal(m, k);
        for (size_t r = 0; r < nreq; r++) {
            bool in_set = false;
            for (size_t i = 0; i < m; i++)
                in_set |= got[i] == req[r];
            assert_true(in_set);
        }
    }
    gs_sched_destroy(s);
}

/* expect_set through gs_sched_preview, and the same answer with the
 * required GPUs listed in reverse order. */
static void expect_preview(const gs_topo *t, const char *free_list,
                           const uint32_t *req, size_t nreq, uint32_t k,
                           gs_status want_st, const char *want)
{
    char buf[256], rbuf[256];
    gs_status st, rst;
    preview_set(t, free_list, req, nreq, k, &st, buf, sizeof buf);
    if (st != want_st || strcmp(buf, want) != 0)
        fail_msg("free %s, size %u: got {%s} (status %d), want {%s} (%d)",
                 free_list ? free_list : "all", k, buf, (int)st, want,
                 (int)want_st);
    uint32_t rev[64];
    for (size_t i = 0; i < nreq; i++)
        rev[i] = req[nreq - 1 - i];
    preview_set(t, free_list, rev, nreq, k, &rst, rbuf, sizeof rbuf);
    assert_int_equal(rst, st);
    assert_string_equal(rbuf, buf);
    if (st == GS_OK)
        expect_set(t, free_list, req, nreq, k, want); /* submit + step */
}

/* Jobs of the given sizes one after another on an idle node, none ending;
 * want[i] is job i's GPUs, "" when it cannot start. */
static void expect_sequence(const gs_topo *t, const uint32_t *sizes, size_t n,
                            const char *const *want)
{
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    for (size_t i = 0; i < n; i++) {
        gs_job_spec spec;
        gs_job_spec_init(&spec);
        spec.gpus = sizes[i];
        uint64_t id;
        assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
        assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
        assert_int_equal(gs_sched_check(s), GS_OK);
        gs_job_info info;
        info.struct_size = sizeof info;
        assert_int_equal(gs_sched_job_info(s, id, &info), GS_OK);
        char buf[128] = "";
        if (info.state == GS_JOB_RUNNING)
            assert_int_equal(gs_sched_cuda_visible_devices(
                                 s, id, 0, 0, buf, sizeof buf, NULL),
                             GS_OK);
        if (strcmp(buf, want[i]) != 0)
            fail_msg("job %zu (%u GPUs): got {%s}, want {%s}", i + 1,
                     sizes[i], buf, want[i]);
    }
    gs_sched_destroy(s);
}

/* Q of a set given as "a,b,c", in GB/s. */
static double quality_of(const gs_topo *t, const char *list)
{
    uint32_t g[64];
    size_t n = 0;
    for (const char *p = list; *p;) {
        char *e;
        g[n++] = (uint32_t)strtoul(p, &e, 10);
        p = *e ? e + 1 : e;
    }
    double q = 0;
    assert_int_equal(gs_topo_quality(t, g, n, &q), GS_OK);
    return q;
}

/* NVIDIA go-gpuallocator's 4x RTX 8000 fixture: NVLink bridges 0-3 and 1-2
 * (two links each, across the sockets), 0-1 and 2-3 on one CPU (NODE),
 * 0-2 and 1-3 across CPUs (SYS). GPUs 0,1 on NUMA 0; 2,3 on NUMA 1. */
static const char go_rtx8000[] =
    "{\"nodes\": [{\"name\": \"rtx\","
    " \"numa\": [{\"cpus\": \"0-7\"}, {\"cpus\": \"8-15\"}],"
    " \"gpus\": {\"count\": 4, \"numa\": [0, 0, 1, 1]},"
    " \"matrix\": [\"X    NODE SYS  NV2\", \"NODE X    NV2  SYS\","
    "             \"SYS  NV2  X    NODE\", \"NV2  SYS  NODE X\"],"
    " \"pcie\": [\"X    NODE SYS  SYS\", \"NODE X    SYS  SYS\","
    "           \"SYS  SYS  X    NODE\", \"SYS  SYS  NODE X\"]}]}";

/* go-gpuallocator's "retains best partition" fixture: 14 GPUs, two NVLinks
 * in each of the pairs 0-1, 2-3, ..., 10-11 and four in 12-13; no other
 * links given (PCIe inferred: NODE, one NUMA domain). */
static const char go_fourteen[] =
    "{\"nodes\": [{\"name\": \"f\", \"numa\": [{\"cpus\": \"0-7\"}],"
    " \"gpus\": {\"count\": 14, \"numa\": 0},"
    " \"links\": [{\"gpus\": [0, 1], \"nvlink\": 2},"
    "  {\"gpus\": [2, 3], \"nvlink\": 2}, {\"gpus\": [4, 5], \"nvlink\": 2},"
    "  {\"gpus\": [6, 7], \"nvlink\": 2}, {\"gpus\": [8, 9], \"nvlink\": 2},"
    "  {\"gpus\": [10, 11], \"nvlink\": 2},"
    "  {\"gpus\": [12, 13], \"nvlink\": 4}]}]}";

/*
 * The test cases of NVIDIA/go-gpuallocator (gpuallocator/besteffort_test.go,
 * fixtures in gpuallocator/common_test.go) restated for nvlink-pack. Their
 * best-effort policy scores a pair 100 per NVLink plus 10..60 for the PCIe
 * path (it adds both when a pair has both) and maximizes the summed score of
 * a whole partition of the free GPUs into sets of the job's size; DESIGN §5
 * maximizes Q of the job's own set, then fewest NUMA domains, then least
 * damage, then lowest indices. Where the expected sets differ, ours is
 * better or equal by Q, as each comment shows.
 *
 * Their DGX-1 Volta and Pascal fixtures have the NVLink matrices of our
 * dgx1-v100 and dgx1-p100 templates (every intra-socket pair is NVLinked,
 * every cross-socket pair without NVLink is SYS), so Q is the same; the PCIe
 * levels behind NV# cells differ but do not enter Q. V100: NV2 = 50, NV1 =
 * 25, SYS = 6 GB/s. P100: NV1 = 20 GB/s.
 */
static void go_gpuallocator_cases(void **state)
{
    (void)state;
    gs_topo *t = load("dgx1-v100");
    /* TestBestEffortAllocate */
    /* "Single NVLINK, prefer same switch": they want {4,5} (NV1, Q 25)
     * because their partition {0,2},{4,5} scores best; {0,4} is NV2, Q 50 */
    expect_preview(t, "0,2,4,5", NULL, 0, 2, GS_OK, "0,4");
    assert_true(quality_of(t, "0,4") > quality_of(t, "4,5"));
    /* "Single NVLINK, prefer same socket": {0,4} and {5,6} are both NV2
     * (Q 50); {5,6} is in one NUMA domain -- as they expect */
    expect_preview(t, "0,4,5,6", NULL, 0, 2, GS_OK, "5,6");
    /* "Prefer dual NVLINK same socket": {0,3} NV2 50 > {0,1},{1,3} NV1 */
    expect_preview(t, "0,1,3", NULL, 0, 2, GS_OK, "0,3");
    /* "Prefer dual NVLINK cross socket": {0,4} NV2 50 > {0,1} 25 > {1,4} 6 */
    expect_preview(t, "0,1,4", NULL, 0, 2, GS_OK, "0,4");
    uint32_t four = 4;
    /* "Must include with allocation size 1" */
    expect_preview(t, NULL, &four, 1, 1, GS_OK, "4");
    /* "... size 2": 4's NV2 partners are 0 (other socket) and 7 */
    expect_preview(t, NULL, &four, 1, 2, GS_OK, "4,7");
    /* "... size 4": {4,5,6,7} has Q 25+25+50+50+25+50 = 225; a set with 4
     * and GPUs of socket 0 has at most 187 (e.g. {0,3,4,7}) */
    expect_preview(t, NULL, &four, 1, 4, GS_OK, "4,5,6,7");
    assert_true(quality_of(t, "4,5,6,7") == 225);
    /* "Must include with unavailable device": GPU 0 is not free */
    const uint32_t q0123[] = {0, 1, 2, 3};
    expect_preview(t, "1-7", q0123, 4, 4, GS_ENORES, "");
    /* "Must include with full set specified": the set itself (Q 137) */
    const uint32_t q0246[] = {0, 2, 4, 6};
    expect_preview(t, NULL, q0246, 4, 4, GS_OK, "0,2,4,6");
    /* "Must include with too many devices specified": 6 required, size 4 */
    const uint32_t q123456[] = {1, 2, 3, 4, 5, 6};
    expect_preview(t, NULL, q123456, 6, 4, GS_EINVAL, "");
    /* "Required too many devices than available": 6 required, size 1 */
    expect_preview(t, "1-5", q123456, 6, 1, GS_EINVAL, "");
    /* TestBestEffortDGX1VoltaGPUAlloc{One,Two,Four,Eight}: jobs one after
     * another, none ending; all as they expect. One GPU: Q ties at 0; after
     * 0, GPUs 1-3 break only a cross-socket pair while 4-7 would break the
     * intact quad {4,5,6,7}, so 1, 2, 3 (lowest), then 4..7. Two: the NV2
     * pairs of one socket (Q 50); {1,2} comes before {4,7} since it breaks
     * only the pairs {1,5},{2,6} while {4,7} breaks the intact quad. Four:
     * Q 225 each. A job that finds no free GPU waits (""). */
    {
        const uint32_t ones[] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
        const char *const w1[] = {"0", "1", "2", "3", "4", "5", "6", "7", ""};
        expect_sequence(t, ones, 9, w1);
        const uint32_t twos[] = {2, 2, 2, 2, 1};
        const char *const w2[] = {"0,3", "1,2", "4,7", "5,6", ""};
        expect_sequence(t, twos, 5, w2);
        const uint32_t fours[] = {4, 4, 1};
        const char *const w4[] = {"0,1,2,3", "4,5,6,7", ""};
        expect_sequence(t, fours, 3, w4);
        const uint32_t eight[] = {8, 1};
        const char *const w8[] = {"0,1,2,3,4,5,6,7", ""};
        expect_sequence(t, eight, 2, w8);
    }
    gs_topo_destroy(t);

    /* TestBestEffortDGX1PascalGPUAlloc*: every NVLinked pair is NV1 (Q 20).
     * One GPU at a time: 0..7 as they expect. Two at a time they expect
     * {0,2},{1,3},{4,6},{5,7} (their score adds 50 for the PIX switch
     * behind 0-2); by Q every NV1 pair of a socket ties at 20, one NUMA
     * domain, and {0,1} breaks the same groups as {0,2} ({0,1,2,3} and one
     * cross pair each), so the lowest indices win: {0,1},{2,3},{4,5},{6,7},
     * each with the same Q as theirs. */
    t = load("dgx1-p100");
    {
        const uint32_t ones[] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
        const char *const w1[] = {"0", "1", "2", "3", "4", "5", "6", "7", ""};
        expect_sequence(t, ones, 9, w1);
        const uint32_t twos[] = {2, 2, 2, 2, 1};
        const char *const w2[] = {"0,1", "2,3", "4,5", "6,7", ""};
        expect_sequence(t, twos, 5, w2);
        assert_true(quality_of(t, "0,1") == quality_of(t, "0,2"));
        assert_true(quality_of(t, "6,7") == quality_of(t, "5,7"));
        const uint32_t fours[] = {4, 4, 1};
        const char *const w4[] = {"0,1,2,3", "4,5,6,7", ""};
        expect_sequence(t, fours, 3, w4);
        const uint32_t eight[] = {8, 1};
        const char *const w8[] = {"0,1,2,3,4,5,6,7", ""};
        expect_sequence(t, eight, 2, w8);
    }
    gs_topo_destroy(t);

    /* TestBestEffort4xRTX8000GPUAlloc*. Two at a time: the bridged pairs
     * {0,3} then {1,2} (Q 50 > NODE 10), as they expect; four: all. One at
     * a time they expect 0,1,2,3; we take 0, then 3 -- it finishes the
     * bridge 0-3 that 0 broke instead of breaking the intact bridge 1-2
     * (Q ties at 0, one NUMA domain each) -- then 1, 2. */
    t = test_topo_json(go_rtx8000);
    {
        const uint32_t ones[] = {1, 1, 1, 1, 1};
        const char *const w1[] = {"0", "3", "1", "2", ""};
        expect_sequence(t, ones, 5, w1);
        const uint32_t twos[] = {2, 2, 1};
        const char *const w2[] = {"0,3", "1,2", ""};
        expect_sequence(t, twos, 3, w2);
        const uint32_t fours[] = {4, 1};
        const char *const w4[] = {"0,1,2,3", ""};
        expect_sequence(t, fours, 2, w4);
    }
    gs_topo_destroy(t);

    /* TestBestEffortAllocateRetainsBestPartition: the NV4 pair {12,13}
     * (Q 100) beats every NV2 pair (50) */
    t = test_topo_json(go_fourteen);
    expect_preview(t, NULL, NULL, 0, 2, GS_OK, "12,13");
    gs_topo_destroy(t);
}

/*
 * NVSwitch nodes (go-gpuallocator has no DGX-2 fixture; its NewDGX2VoltaNode
 * is empty) and kubelet topology-manager style NUMA alignment. On an
 * NVSwitch fabric every pair has the same bandwidth, so Q ties for every
 * set of a size and the fewest NUMA domains decide, then the lowest indices
 * (the fabric, one NVLink group, is intact only when every GPU is free).
 */
static void nvswitch_numa_cases(void **state)
{
    (void)state;
    gs_topo *t = load("dgx2"); /* 16 GPUs, NV6 (150 GB/s); NUMA 0-7, 8-15 */
    expect_preview(t, NULL, NULL, 0, 8, GS_OK, "0,1,2,3,4,5,6,7");
    expect_preview(t, NULL, NULL, 0, 16, GS_OK,
                   "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15");
    /* 3 free on NUMA 0, 5 on NUMA 1: a 4-GPU job fits in NUMA 1 */
    expect_preview(t, "0-2,11-15", NULL, 0, 4, GS_OK, "11,12,13,14");
    /* 3 + 2 free: 4 GPUs must span both domains; lowest indices */
    expect_preview(t, "0-2,8-9", NULL, 0, 4, GS_OK, "0,1,2,8");
    /* required GPU 9 pulls the job to NUMA 1 */
    uint32_t nine = 9;
    expect_preview(t, "0-3,8-15", &nine, 1, 4, GS_OK, "8,9,10,11");
    gs_topo_destroy(t);

    t = load("dgx-h100"); /* NV18 everywhere; NUMA 0-3, 4-7 */
    /* kubelet: a 2-device request with devices on both NUMA nodes prefers
     * the single-NUMA pair */
    expect_preview(t, "0,4,5", NULL, 0, 2, GS_OK, "4,5");
    /* only one per NUMA domain free: the job spans two */
    expect_preview(t, "0,4", NULL, 0, 2, GS_OK, "0,4");
    gs_topo_destroy(t);

    t = load("dgx-a100"); /* 8 NUMA domains; pairs {0,1},{2,3},... */
    /* NUMA 3 = {0,1}, NUMA 1 = {2,3}: {2,3} is the only aligned pair */
    expect_preview(t, "0,2,3,4", NULL, 0, 2, GS_OK, "2,3");
    gs_topo_destroy(t);

    /* Where kubelet's topology manager and DESIGN §5 part: on the DGX-1 V100
     * with 0,4,5 free, {4,5} is NUMA-aligned but NV1 (Q 25); {0,4} is NV2
     * (Q 50) across sockets. Q comes first. */
    t = load("dgx1-v100");
    expect_preview(t, "0,4,5", NULL, 0, 2, GS_OK, "0,4");
    gs_topo_destroy(t);
    /* A PCIe box: {4,5} PIX (16) beats {0,4} SYS (6) and is NUMA-aligned */
    t = load("pcie-8gpu");
    expect_preview(t, "0,4,5", NULL, 0, 2, GS_OK, "4,5");
    gs_topo_destroy(t);
}

/*
 * GPUs are interchangeable in the search only when they also have the same
 * NVLink neighbours: with PIX raised to 25 GB/s, GPUs 1 (NV1 to 0) and
 * 2 (PIX to 0) have the same bandwidths but 1 is in the NVLink pair {0,1}.
 * A 1-GPU job: Q 0 and one NUMA domain for all; 0 or 1 breaks the intact
 * pair, 2 breaks nothing, so 2. (Found by a randomized comparison with the
 * brute force using bandwidth overrides.)
 */
static void nvlink_neighbours_matter(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(
        "{\"nodes\": [{\"name\": \"c\", \"bandwidth\": {\"PIX\": 25},"
        " \"numa\": [{\"cpus\": \"0-3\"}], \"gpus\": {\"count\": 3,"
        " \"numa\": 0}, \"matrix\": [\"X NV1 PIX\", \"NV1 X SYS\","
        " \"PIX SYS X\"], \"pcie\": [\"X PIX PIX\", \"PIX X SYS\","
        " \"PIX SYS X\"]}]}");
    assert_true(gs_topo_bandwidth(t, 0, 1) == gs_topo_bandwidth(t, 0, 2));
    expect_preview(t, NULL, NULL, 0, 1, GS_OK, "2");
    const uint32_t ones[] = {1, 1, 1};
    const char *const want[] = {"2", "0", "1"};
    expect_sequence(t, ones, 3, want);
    gs_topo_destroy(t);
}

/* ---- property: nvlink-pack against brute force ------------------------- */

typedef struct bf_node {
    uint32_t n;
    uint32_t bw[16][16]; /* MB/s */
    bool nvl[16][16];
    uint32_t numa[16];
    uint32_t groups[4096];
    uint32_t ngroups;
} bf_node;

/* Maximal cliques of the NVLink graph by enumerating subsets (n <= 12). */
static void bf_groups(bf_node *b)
{
    b->ngroups = 0;
    uint32_t full = (1u << b->n) - 1;
    for (uint32_t m = 1; m <= full; m++) {
        if (__builtin_popcount(m) < 2)
            continue;
        bool clique = true;
        for (uint32_t i = 0; i < b->n && clique; i++)
            for (uint32_t j = i + 1; j < b->n && clique; j++)
                if ((m >> i & 1) && (m >> j & 1) && !b->nvl[i][j])
                    clique = false;
        if (!clique)
            continue;
        bool maximal = true;
        for (uint32_t v = 0; v < b->n && maximal; v++) {
            if (m >> v & 1)
                continue;
            bool all = true;
            for (uint32_t i = 0; i < b->n && all; i++)
                if ((m >> i & 1) && !b->nvl[i][v])
                    all = false;
            if (all)
                maximal = false;
        }
        if (maximal)
            b->groups[b->ngroups++] = m;
    }
}

typedef struct bf_score {
    uint64_t q;
    uint32_t numa;
    uint32_t dmg[64], ndmg;
} bf_score;

static void bf_eval(const bf_node *b, uint32_t s, uint32_t free, bool sens,
                    bool with_groups, bf_score *out)
{
    memset(out, 0, sizeof *out);
    if (sens) {
        for (uint32_t i = 0; i < b->n; i++)
            for (uint32_t j = i + 1; j < b->n; j++)
                if ((s >> i & 1) && (s >> j & 1))
                    out->q += b->bw[i][j];
        uint32_t seen = 0;
        for (uint32_t i = 0; i < b->n; i++)
            if (s >> i & 1)
                seen |= 1u << b->numa[i];
        out->numa = (uint32_t)__builtin_popcount(seen);
    }
    if (!with_groups)
        return;
    for (uint32_t g = 0; g < b->ngroups; g++)
        if ((b->groups[g] & ~free) == 0 && (b->groups[g] & s))
            out->dmg[out->ndmg++] = (uint32_t)__builtin_popcount(b->groups[g]);
    /* largest first */
    for (uint32_t i = 1; i < out->ndmg; i++)
        for (uint32_t k = i; k > 0 && out->dmg[k] > out->dmg[k - 1]; k--) {
            uint32_t x = out->dmg[k];
            out->dmg[k] = out->dmg[k - 1];
            out->dmg[k - 1] = x;
        }
    if (out->ndmg > 32)
        out->ndmg = 32;
}

/* > 0 when a is better */
static int bf_cmp(const bf_score *a, const bf_score *b)
{
    if (a->q != b->q)
        return a->q > b->q ? 1 : -1;
    if (a->numa != b->numa)
        return a->numa < b->numa ? 1 : -1;
    uint32_t n = a->ndmg > b->ndmg ? a->ndmg : b->ndmg;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t x = i < a->ndmg ? a->dmg[i] : 0;
        uint32_t y = i < b->ndmg ? b->dmg[i] : 0;
        if (x != y)
            return x < y ? 1 : -1;
    }
    return 0;
}

static void random_node_json(unsigned *seed, char *buf, size_t cap,
                             uint32_t n, bf_node *b)
{
    size_t len = 0;
#define OUT(...) len += (size_t)snprintf(buf + len, cap - len, __VA_ARGS__)
    OUT("{\"nodes\": [{\"name\": \"r\", \"numa\": [{\"cpus\": \"0\"}, "
        "{\"cpus\": \"1\"}], \"gpus\": [");
    bool fabric = rand_r(seed) % 5 == 0;
    uint32_t flinks[16];
    for (uint32_t i = 0; i < n; i++) {
        b->numa[i] = (uint32_t)rand_r(seed) % 2;
        flinks[i] = fabric && rand_r(seed) % 3 ? 1 + (uint32_t)rand_r(seed) % 12
                                               : 0;
        OUT("%s{\"numa\": %u", i ? ", " : "", b->numa[i]);
        if (flinks[i])
            OUT(", \"nvswitch_links\": %u", flinks[i]);
        OUT("}");
    }
    OUT("], \"links\": [");
    bool first = true;
    static const char *lv[] = {"PIX", "PXB", "PHB", "NODE", "SYS"};
    static const uint32_t lbw[] = {16000, 14000, 12000, 10000, 6000};
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = i + 1; j < n; j++) {
            uint32_t nv = rand_r(seed) % 3 == 0 ? 1 + (uint32_t)rand_r(seed) % 4
                                                : 0;
            uint32_t l = (uint32_t)rand_r(seed) % 5;
            uint32_t shared = flinks[i] && flinks[j]
                                  ? (flinks[i] < flinks[j] ? flinks[i]
                                                           : flinks[j])
                                  : 0;
            b->bw[i][j] = b->bw[j][i] =
                nv + shared ? (nv + shared) * 25000 : lbw[l];
            b->nvl[i][j] = b->nvl[j][i] = nv + shared > 0;
            OUT("%s{\"gpus\": [%u, %u], \"nvlink\": %u, \"pcie\": \"%s\"}",
                first ? "" : ", ", i, j, nv, lv[l]);
            first = false;
        }
    OUT("]}]}");
#undef OUT
    b->n = n;
}

static void property_against_brute_force(void **state)
{
    (void)state;
    unsigned seed = 424242;
    int iters = getenv("GS_TEST_UNDER_VALGRIND") ? 600 : 10000;
    static char json[65536];
    static bf_node b;
    int full_checks = 0;
    for (int it = 0; it < iters; it++) {
        uint32_t n = 1 + (uint32_t)rand_r(&seed) % 16;
        random_node_json(&seed, json, sizeof json, n, &b);
        bool with_groups = n <= 10;
        if (with_groups)
            bf_groups(&b);
        gs_topo *t = test_topo_json(json);
        /* the library's own bandwidths agree with the generator's */
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t j = 0; j < n; j++)
                if (i != j)
                    assert_true(gs_topo_bandwidth(t, i, j) * 1000 ==
                                (double)b.bw[i][j]);
        uint32_t free = 0;
        for (uint32_t i = 0; i < n; i++)
            if (rand_r(&seed) % 4)
                free |= 1u << i;
        if (!free)
            free = 1;
        uint32_t nf = (uint32_t)__builtin_popcount(free);
        uint32_t k = 1 + (uint32_t)rand_r(&seed) % nf;
        bool sens = rand_r(&seed) % 4 != 0;
        uint32_t req[2], nreq = 0;
        if (rand_r(&seed) % 4 == 0) {
            for (uint32_t i = 0; i < n && nreq < (k < 2 ? k : 2); i++)
                if ((free >> i & 1) && rand_r(&seed) % 2)
                    req[nreq++] = i;
        }
        uint32_t reqm = 0;
        for (uint32_t i = 0; i < nreq; i++)
            reqm |= 1u << req[i];
        /* brute force */
        bool found = false;
        uint32_t best = 0;
        bf_score bs = {0}, sc;
        for (uint32_t m = free; m; m = (m - 1) & free) {
            if ((uint32_t)__builtin_popcount(m) != k || (m & reqm) != reqm)
                continue;
            bf_eval(&b, m, free, sens, with_groups, &sc);
            int c = found ? bf_cmp(&sc, &bs) : 1;
            /* lowest indices: the set whose lowest differing GPU is in it */
            if (c > 0 || (c == 0 && ((m ^ best) & (m ^ best) & m &
                                     (~(m ^ best) + 1)))) {
                found = true;
                best = m;
                bs = sc;
            }
        }
        /* nvlink-pack through the scheduler */
        char freelist[128] = "";
        for (uint32_t i = 0; i < n; i++)
            if (free >> i & 1)
                snprintf(freelist + strlen(freelist),
                         sizeof freelist - strlen(freelist), "%s%u",
                         *freelist ? "," : "", i);
        uint32_t got[64];
        size_t m = place_once(t, "nvlink-pack", freelist, req, nreq, k,
                              sens ? GS_COMM_BANDWIDTH : GS_COMM_INSENSITIVE,
                              got);
        assert_true(found);
        if (m != k)
            fail_msg("iteration %d: nvlink-pack placed %zu of %u", it, m, k);
        uint32_t gm = 0;
        for (size_t i = 0; i < m; i++)
            gm |= 1u << got[i];
        bf_score gsc;
        bf_eval(&b, gm, free, sens, with_groups, &gsc);
        if (gsc.q != bs.q)
            fail_msg("iteration %d (n=%u k=%u): Q %llu, brute force %llu "
                     "(sets %x vs %x)\n%s",
                     it, n, k, (unsigned long long)gsc.q,
                     (unsigned long long)bs.q, gm, best, json);
        if (with_groups) {
            full_checks++;
            if (gm != best)
                fail_msg("iteration %d (n=%u k=%u sens=%d): chose %x, brute "
                         "force %x\n%s",
                         it, n, k, sens, gm, best, json);
        }
        gs_topo_destroy(t);
    }
    print_message("%d random topologies; full objective compared on %d\n",
                  iters, full_checks);
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dgx1_cases),
        cmocka_unit_test(bridge_pair_cases),
        cmocka_unit_test(required_on_many_nodes),
        cmocka_unit_test(unplaceable),
        cmocka_unit_test(simple_policies),
        cmocka_unit_test(switch_tree_preference),
        cmocka_unit_test(nvlink_domains),
        cmocka_unit_test(cpus_from_numa),
        cmocka_unit_test(same_state_same_answer),
        cmocka_unit_test(go_gpuallocator_cases),
        cmocka_unit_test(nvswitch_numa_cases),
        cmocka_unit_test(nvlink_neighbours_matter),
        cmocka_unit_test(property_against_brute_force),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    return test_alloc_stats_get().live_blocks ? 1 : rc;
}
