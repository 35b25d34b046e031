/*
 * Partitions, node features and weights, the defaults a resource manager
 * expects (no accidental splits, one GPU model, CPUs per GPU, known
 * accounts), holds and changes, time limits and expected starts; and that
 * snapshots and the journal keep all of it. Every expected value is worked
 * out by hand in the comments.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"
#include "membuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Nodes n1..nN from templates; features and weights per node (NULL: none,
 * 0: weight 1). */
static gs_topo *build(uint32_t n, const char *const *templates,
                      const char *const *features, const uint32_t *weights)
{
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_create(&t), GS_OK);
    for (uint32_t i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "n%u", i + 1);
        uint32_t idx;
        assert_int_equal(gs_topo_add_template_node(t, templates[i], name, &idx),
                         GS_OK);
        if (features && features[i])
            assert_int_equal(gs_topo_set_node_features(t, idx, features[i]),
                             GS_OK);
        if (weights && weights[i])
            assert_int_equal(gs_topo_set_node_weight(t, idx, weights[i]),
                             GS_OK);
    }
    assert_int_equal(gs_topo_freeze(t), GS_OK);
    return t;
}

static const char *const H4[] = {"dgx-h100", "dgx-h100", "dgx-h100",
                                 "dgx-h100"};
static const char *const MIXED[] = {"dgx-h100", "dgx-h100", "dgx1-v100",
                                    "dgx1-v100"};

static gs_sched *make(const gs_topo *t, gs_ordering ord, gs_backfill bf,
                      gs_preempt_mode pm)
{
    gs_sched_config cfg = GS_SCHED_CONFIG_INIT;
    cfg.ordering = ord;
    cfg.backfill = bf;
    cfg.preempt = pm;
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, &cfg), GS_OK);
    return s;
}

static gs_job_info info(gs_sched *s, uint64_t id)
{
    gs_job_info i = GS_JOB_INFO_INIT;
    assert_int_equal(gs_sched_job_info(s, id, &i), GS_OK);
    return i;
}

/* The node index of the k-th node of a job's allocation. */
static uint32_t node_of(gs_sched *s, uint64_t id, uint32_t k)
{
    gs_alloc_node an = GS_ALLOC_NODE_INIT;
    assert_int_equal(gs_sched_alloc_node(s, id, k, &an), GS_OK);
    return an.node;
}

static uint64_t sub(gs_sched *s, gs_job_spec *spec)
{
    uint64_t id = 0;
    gs_status st = gs_sched_submit(s, spec, &id);
    if (st != GS_OK)
        fail_msg("submit: %s", gs_sched_errmsg(s));
    return id;
}

static gs_job_spec spec_of(uint32_t gpus, int64_t t)
{
    gs_job_spec sp = GS_JOB_SPEC_INIT;
    sp.gpus = gpus;
    sp.submit_time = t;
    return sp;
}

static void add_part(gs_sched *s, const char *name, const char *nodes,
                     uint32_t tier)
{
    gs_partition_spec p = GS_PARTITION_SPEC_INIT;
    p.name = name;
    p.nodes = nodes;
    p.priority_tier = tier;
    assert_int_equal(gs_sched_add_partition(s, &p), GS_OK);
}

/* Weights order nodes of equal fit: on four identical nodes weighted
 * 5,5,1,1 a 1-GPU job goes to n3 (lowest weight, then lowest index), and
 * once n3 and n4 are full, to n1. Unweighted, n1. */
static void weights_order_equal_nodes(void **state)
{
    (void)state;
    const uint32_t w[] = {5, 5, 1, 1};
    gs_topo *t = build(4, H4, NULL, w);
    const char *pols[] = {"nvlink-pack", "first-fit", "best-fit"};
    for (size_t p = 0; p < 3; p++) {
        gs_sched_config cfg = GS_SCHED_CONFIG_INIT;
        cfg.placement = pols[p];
        gs_sched *s = NULL;
        assert_int_equal(gs_sched_create(&s, t, &cfg), GS_OK);
        gs_job_spec sp = spec_of(1, 0);
        uint64_t a = sub(s, &sp);
        assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
        assert_int_equal(node_of(s, a, 0), 2);
        /* fill n3 and n4 (7 + 8 GPUs left) */
        gs_job_spec f7 = spec_of(7, 0), f8 = spec_of(8, 0);
        sub(s, &f7);
        sub(s, &f8);
        assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
        assert_int_equal(gs_sched_node_free_gpus(s, 2), 0);
        assert_int_equal(gs_sched_node_free_gpus(s, 3), 0);
        gs_job_spec one = spec_of(1, 0);
        uint64_t b = sub(s, &one);
        assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
        assert_int_equal(node_of(s, b, 0), 0);
        assert_int_equal(gs_sched_check(s), GS_OK);
        gs_sched_destroy(s);
    }
    gs_topo_destroy(t);
}

/* Constraints: n1,n2 "h100,ib", n3 "v100", n4 "v100,ib". "v100&ib" -> n4;
 * "ib" -> n1; "h100|v100" -> n1; an unknown feature is refused naming it;
 * bad syntax is refused. */
static void constraints_pick_nodes(void **state)
{
    (void)state;
    const char *const f[] = {"h100,ib", "h100,ib", "v100", "v100,ib"};
    gs_topo *t = build(4, MIXED, f, NULL);
    gs_sched *s = make(t, GS_ORDER_FIFO, GS_BACKFILL_NONE, GS_PREEMPT_OFF);
    gs_job_spec a = spec_of(2, 0), b = spec_of(2, 0), c = spec_of(2, 0);
    a.constraint = "v100&ib";
    b.constraint = "ib";
    c.constraint = "(v100 | h100)";
    uint64_t ia = sub(s, &a), ib = sub(s, &b), ic = sub(s, &c);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    assert_int_equal(node_of(s, ia, 0), 3);
    assert_int_equal(node_of(s, ib, 0), 0);
    assert_int_equal(node_of(s, ic, 0), 0);
    gs_job_spec bad = spec_of(1, 0);
    bad.constraint = "ib&a100";
    uint64_t id;
    assert_int_equal(gs_sched_submit(s, &bad, &id), GS_ENOTFOUND);
    assert_non_null(strstr(gs_sched_errmsg(s), "a100"));
    bad.constraint = "ib&&";
    assert_int_not_equal(gs_sched_submit(s, &bad, &id), GS_OK);
    /* 3 GPUs on "v100&ib" nodes: n4 has 6 free, so it starts there; 8
     * more could never run (n4 is the only such node and has 8) */
    gs_job_spec big = spec_of(9, 0);
    big.constraint = "v100&ib";
    big.allow_split = 1;
    assert_int_equal(gs_sched_submit(s, &big, &id), GS_ENORES);
    assert_int_equal(gs_sched_job_count(s), 3);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* No accidental splits: 4 identical 8-GPU nodes, each with 5 GPUs taken
 * (3 free, 12 in all). A 4-GPU job that sets no node counts waits (it
 * would fit on one node only); with allow_split it starts on 2 nodes.
 * Once a node is free, a 4-GPU job lands on that one node. */
static void no_split_by_default(void **state)
{
    (void)state;
    gs_topo *t = build(4, H4, NULL, NULL);
    gs_sched *s = make(t, GS_ORDER_FIFO, GS_BACKFILL_NONE, GS_PREEMPT_OFF);
    uint64_t hold[4];
    for (uint32_t n = 0; n < 4; n++) {
        gs_job_spec f = spec_of(5, 0);
        f.max_nodes = 1;
        hold[n] = sub(s, &f);
    }
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    for (uint32_t n = 0; n < 4; n++)
        assert_int_equal(gs_sched_node_free_gpus(s, n), 3);
    gs_job_spec j4 = spec_of(4, 1);
    uint64_t a = sub(s, &j4);
    size_t started = 9;
    assert_int_equal(gs_sched_step(s, 1, &started), GS_OK);
    assert_int_equal(started, 0);
    assert_int_equal(info(s, a).reason, GS_REASON_RESOURCES);
    gs_job_spec sp = spec_of(4, 1);
    sp.allow_split = 1;
    /* a was first: FIFO keeps b behind it, so cancel a */
    assert_int_equal(gs_sched_cancel(s, a, 1), GS_OK);
    uint64_t b = sub(s, &sp);
    assert_int_equal(gs_sched_step(s, 1, &started), GS_OK);
    assert_int_equal(started, 1);
    assert_int_equal(info(s, b).nodes, 2);
    /* n3 (index 2) becomes free: a new 4-GPU job goes there alone */
    assert_int_equal(gs_sched_complete(s, hold[2], 2), GS_OK);
    gs_job_spec c4 = spec_of(4, 2);
    uint64_t c = sub(s, &c4);
    assert_int_equal(gs_sched_step(s, 2, NULL), GS_OK);
    assert_int_equal(info(s, c).state, GS_JOB_RUNNING);
    assert_int_equal(info(s, c).nodes, 1);
    /* a 16-GPU job on 8-GPU nodes may use 2 nodes, not more */
    gs_job_spec c16 = spec_of(16, 2);
    uint64_t d = sub(s, &c16);
    assert_int_equal(gs_sched_step(s, 2, NULL), GS_OK);
    assert_int_equal(info(s, d).state, GS_JOB_PENDING);
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* One model per job: n1,n2 H100, n3,n4 V100. An 8-GPU H100 job fills n1
 * (gpu_models "H100"). A 12-GPU job allowed to split: 8 H100 remain, so it
 * runs on 12 V100 of n3 and n4. With any_model and every node partly
 * busy, it may mix. */
static void one_model_per_job(void **state)
{
    (void)state;
    gs_topo *t = build(4, MIXED, NULL, NULL);
    gs_sched *s = make(t, GS_ORDER_FIFO, GS_BACKFILL_NONE, GS_PREEMPT_OFF);
    gs_job_spec h = spec_of(8, 0);
    h.gpu_models = "H100";
    uint64_t ih = sub(s, &h);
    gs_job_spec m = spec_of(12, 0);
    m.allow_split = 1;
    uint64_t im = sub(s, &m);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    assert_int_equal(node_of(s, ih, 0), 0);
    assert_int_equal(info(s, im).state, GS_JOB_RUNNING);
    for (uint32_t k = 0; k < info(s, im).nodes; k++)
        assert_true(node_of(s, im, k) >= 2);
    /* 8 H100 (n2) + 4 V100 free: a 12-GPU job of one model never fits;
     * 12 of any model does */
    gs_job_spec one = spec_of(12, 1);
    one.allow_split = 1;
    uint64_t id;
    assert_int_equal(gs_sched_submit(s, &one, &id), GS_OK);
    assert_int_equal(gs_sched_step(s, 1, NULL), GS_OK);
    assert_int_equal(info(s, id).state, GS_JOB_PENDING);
    assert_int_equal(gs_sched_cancel(s, id, 1), GS_OK);
    gs_job_spec any = spec_of(12, 1);
    any.allow_split = 1;
    any.any_model = 1;
    uint64_t ia = sub(s, &any);
    assert_int_equal(gs_sched_step(s, 1, NULL), GS_OK);
    assert_int_equal(info(s, ia).state, GS_JOB_RUNNING);
    /* a job asking for more GPUs than any one model has is refused */
    gs_job_spec too = spec_of(17, 1);
    too.allow_split = 1;
    assert_int_equal(gs_sched_submit(s, &too, &id), GS_ENORES);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* CPUs per GPU: scheduler default 4 -> a 2-GPU job holds 8 CPUs; in a
 * partition with def_cpus_per_gpu 6 -> 12; a job's own 1 -> 2. */
static void cpu_defaults(void **state)
{
    (void)state;
    gs_topo *t = build(2, H4, NULL, NULL);
    gs_sched *s = make(t, GS_ORDER_FIFO, GS_BACKFILL_NONE, GS_PREEMPT_OFF);
    assert_int_equal(gs_sched_set_job_defaults(s, 4, 0), GS_OK);
    gs_partition_spec p = GS_PARTITION_SPEC_INIT;
    p.name = "a";
    p.nodes = "n1";
    p.is_default = 1;
    assert_int_equal(gs_sched_add_partition(s, &p), GS_OK);
    p.name = "b";
    p.nodes = "n2";
    p.is_default = 0;
    p.def_cpus_per_gpu = 6;
    assert_int_equal(gs_sched_add_partition(s, &p), GS_OK);
    gs_job_spec x = spec_of(2, 0), y = spec_of(2, 0), z = spec_of(2, 0);
    y.partition = "b";
    z.partition = "b";
    z.cpus_per_gpu = 1;
    uint64_t ix = sub(s, &x), iy = sub(s, &y), iz = sub(s, &z);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    gs_alloc_node an = GS_ALLOC_NODE_INIT;
    assert_int_equal(gs_sched_alloc_node(s, ix, 0, &an), GS_OK);
    assert_int_equal(an.node, 0);
    assert_int_equal(an.cpus, 8);
    assert_int_equal(gs_sched_alloc_node(s, iy, 0, &an), GS_OK);
    assert_int_equal(an.node, 1);
    assert_int_equal(an.cpus, 12);
    assert_int_equal(gs_sched_alloc_node(s, iz, 0, &an), GS_OK);
    assert_int_equal(an.cpus, 2);
    assert_int_equal(gs_sched_set_job_defaults(s, 1, UINT64_MAX), GS_ERANGE);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* Partitions: "a" = n1,n2 (default), "b" = n3,n4 with tier 1, at most 4
 * GPUs per job and 100 s. */
static void partitions_limits_and_choice(void **state)
{
    (void)state;
    gs_topo *t = build(4, H4, NULL, NULL);
    gs_sched *s = make(t, GS_ORDER_FIFO, GS_BACKFILL_NONE, GS_PREEMPT_OFF);
    gs_partition_spec p = GS_PARTITION_SPEC_INIT;
    p.name = "a";
    p.nodes = "n[1-2]";
    assert_int_equal(gs_sched_add_partition(s, &p), GS_OK);
    p.name = "b";
    p.nodes = "n3,n4";
    p.priority_tier = 1;
    p.max_gpus_per_job = 4;
    p.max_time = 100;
    assert_int_equal(gs_sched_add_partition(s, &p), GS_OK);
    /* errors: taken name, bad node, unknown preempts, bad name */
    assert_int_equal(gs_sched_add_partition(s, &p), GS_EEXIST);
    p.name = "c";
    p.nodes = "n9";
    assert_int_equal(gs_sched_add_partition(s, &p), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "n9"));
    p.nodes = NULL;
    p.preempts = "zz";
    assert_int_equal(gs_sched_add_partition(s, &p), GS_ENOTFOUND);
    p.preempts = NULL;
    p.name = "bad name";
    assert_int_equal(gs_sched_add_partition(s, &p), GS_EINVAL);
    assert_int_equal(gs_sched_partition_count(s), 2);
    assert_int_equal(gs_sched_find_partition(s, "b"), 1);
    assert_int_equal(gs_sched_node_in_partition(s, 2, 1), 1);
    assert_int_equal(gs_sched_node_in_partition(s, 2, 0), 0);
    gs_partition_info pi = GS_PARTITION_INFO_INIT;
    assert_int_equal(gs_sched_partition_info(s, 1, &pi), GS_OK);
    assert_string_equal(pi.name, "b");
    assert_int_equal(pi.nodes, 2);
    assert_int_equal(pi.gpus, 16);
    assert_int_equal(pi.max_time, 100);
    assert_int_equal(gs_sched_partition_info(s, 2, &pi), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "partition 2"));
    uint64_t id;
    /* b refuses 8 GPUs and 200 s; an unknown partition is refused */
    gs_job_spec big = spec_of(8, 0);
    big.partition = "b";
    assert_int_equal(gs_sched_submit(s, &big, &id), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "max_gpus_per_job"));
    gs_job_spec slow = spec_of(2, 0);
    slow.partition = "b";
    slow.time_limit = 200;
    assert_int_equal(gs_sched_submit(s, &slow, &id), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "max_time"));
    gs_job_spec unk = spec_of(2, 0);
    unk.partition = "q";
    assert_int_equal(gs_sched_submit(s, &unk, &id), GS_ENOTFOUND);
    /* lists: spaces around names are dropped; an empty name is refused */
    const char *bad_lists[] = {"a,", ",a", "a,,b", " , ", "a, "};
    for (size_t i = 0; i < 5; i++) {
        unk.partition = bad_lists[i];
        assert_int_equal(gs_sched_submit(s, &unk, &id), GS_EINVAL);
        assert_non_null(strstr(gs_sched_errmsg(s), "empty name"));
    }
    unk.gpu_models = "H100,";
    unk.partition = NULL;
    assert_int_equal(gs_sched_submit(s, &unk, &id), GS_EINVAL);
    unk.gpu_models = NULL;
    assert_int_equal(gs_sched_job_count(s), 0);
    /* no partition: the default (a); "a,b": b first (tier 1), and a job
     * in b without a time limit gets b's max_time */
    gs_job_spec d = spec_of(2, 0), ab = spec_of(2, 0), ab8 = spec_of(8, 0);
    ab.partition = " a , b ";
    ab8.partition = "a,b"; /* 8 GPUs: only a allows it */
    uint64_t id_d = sub(s, &d), id_ab = sub(s, &ab), id_ab8 = sub(s, &ab8);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    assert_true(node_of(s, id_d, 0) <= 1);
    assert_true(node_of(s, id_ab, 0) >= 2);
    assert_true(node_of(s, id_ab8, 0) <= 1);
    assert_string_equal(gs_sched_job_partition(s, id_ab), "b");
    assert_string_equal(gs_sched_job_partition(s, id_ab8), "a");
    assert_string_equal(info(s, id_d).partition, "a");
    assert_int_equal(info(s, id_ab).time_limit, 100);
    /* the time limit the first partition gives must fit the others: with
     * a (no limits) tried first, a job without a limit keeps none, so b
     * (max_time 100) is left out of its partitions */
    {
        gs_sched *s2 = make(t, GS_ORDER_FIFO, GS_BACKFILL_NONE,
                            GS_PREEMPT_OFF);
        gs_partition_spec q = GS_PARTITION_SPEC_INIT;
        q.name = "a";
        q.nodes = "n[1-2]";
        q.priority_tier = 1; /* a first */
        assert_int_equal(gs_sched_add_partition(s2, &q), GS_OK);
        q.name = "b";
        q.nodes = "n[3-4]";
        q.priority_tier = 0;
        q.max_time = 100;
        assert_int_equal(gs_sched_add_partition(s2, &q), GS_OK);
        gs_job_spec x = spec_of(1, 0);
        x.partition = "a,b";
        uint64_t ix = sub(s2, &x);
        assert_int_equal(info(s2, ix).time_limit, 0);
        char pl[16];
        assert_int_equal(gs_sched_job_partitions(s2, ix, pl, sizeof pl, NULL),
                         GS_OK);
        assert_string_equal(pl, "a");
        gs_sched_destroy(s2);
    }
    char buf[32];
    size_t len = 0;
    assert_int_equal(gs_sched_job_partitions(s, id_ab, buf, sizeof buf, &len),
                     GS_OK);
    assert_string_equal(buf, "b,a");
    assert_int_equal(gs_sched_job_partitions(s, id_ab, buf, 2, &len),
                     GS_ENOSPC);
    assert_int_equal(len, 3);
    assert_int_equal(gs_sched_partition_info(s, 1, &pi), GS_OK);
    assert_int_equal(pi.gpus_in_use, 2);
    assert_int_equal(pi.running, 1);
    /* partitions are set before the first job */
    p.name = "late";
    p.nodes = NULL;
    assert_int_equal(gs_sched_add_partition(s, &p), GS_EBUSY);
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* Tiers go before priority: "lo" and "hi" hold the same node; with 4
 * GPUs free, job L (lo, submitted first) and H (hi) each want 4; FIFO
 * would start L, the tier starts H. */
static void tiers_go_first(void **state)
{
    (void)state;
    gs_topo *t = build(1, H4, NULL, NULL);
    gs_sched *s = make(t, GS_ORDER_FIFO, GS_BACKFILL_NONE, GS_PREEMPT_OFF);
    add_part(s, "lo", NULL, 0);
    add_part(s, "hi", NULL, 3);
    gs_job_spec f = spec_of(4, 0);
    f.partition = "lo";
    sub(s, &f);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    gs_job_spec l = spec_of(4, 1), h = spec_of(4, 2);
    l.partition = "lo";
    h.partition = "hi";
    uint64_t il = sub(s, &l), ih = sub(s, &h);
    assert_int_equal(gs_sched_step(s, 3, NULL), GS_OK);
    assert_int_equal(info(s, ih).state, GS_JOB_RUNNING);
    assert_int_equal(info(s, il).state, GS_JOB_PENDING);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* Per-user limit in a partition (8): alice's second 8-GPU job waits with
 * reason limit while bob's starts. A partition that preempts another
 * stops its (not preemptible) job. */
static void user_limits_and_preemption(void **state)
{
    (void)state;
    gs_topo *t = build(3, H4, NULL, NULL);
    gs_sched *s = make(t, GS_ORDER_FIFO, GS_BACKFILL_NONE, GS_PREEMPT_REQUEUE);
    gs_partition_spec p = GS_PARTITION_SPEC_INIT;
    p.name = "lo";
    p.nodes = "n[1-2]";
    p.max_gpus_per_user = 8;
    assert_int_equal(gs_sched_add_partition(s, &p), GS_OK);
    p.name = "hi";
    p.nodes = NULL;
    p.max_gpus_per_user = 0;
    p.preempts = "lo";
    assert_int_equal(gs_sched_add_partition(s, &p), GS_OK);
    gs_job_spec a1 = spec_of(8, 0), a2 = spec_of(8, 0), b1 = spec_of(8, 0);
    a1.user = a2.user = "alice";
    b1.user = "bob";
    a1.partition = a2.partition = b1.partition = "lo";
    uint64_t i1 = sub(s, &a1), i2 = sub(s, &a2), ib = sub(s, &b1);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    assert_int_equal(info(s, i1).state, GS_JOB_RUNNING);
    assert_int_equal(info(s, i2).state, GS_JOB_PENDING);
    assert_int_equal(info(s, i2).reason, GS_REASON_LIMIT);
    assert_int_equal(info(s, ib).state, GS_JOB_RUNNING);
    char why[200];
    assert_int_equal(gs_sched_job_reason_text(s, i2, why, sizeof why, NULL),
                     GS_OK);
    assert_non_null(strstr(why, "partition lo"));
    /* n3 is free; a 16-GPU hi job needs two whole nodes: it preempts a
     * lo job (neither is preemptible) */
    gs_job_spec h = spec_of(16, 1);
    h.partition = "hi";
    uint64_t ih = sub(s, &h);
    assert_int_equal(gs_sched_step(s, 1, NULL), GS_OK);
    assert_int_equal(info(s, ih).state, GS_JOB_RUNNING);
    assert_true(info(s, i1).state == GS_JOB_PENDING ||
                info(s, ib).state == GS_JOB_PENDING);
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* Hold, release, change. */
static void hold_release_update(void **state)
{
    (void)state;
    gs_topo *t = build(1, H4, NULL, NULL);
    gs_sched *s = make(t, GS_ORDER_FIFO, GS_BACKFILL_NONE, GS_PREEMPT_OFF);
    gs_job_spec a = spec_of(16, 0);
    a.allow_split = 1;
    uint64_t id;
    assert_int_equal(gs_sched_submit(s, &a, &id), GS_ENORES); /* 8 GPUs */
    gs_job_spec b = spec_of(4, 0), c = spec_of(8, 0);
    uint64_t ib = sub(s, &b), ic = sub(s, &c);
    assert_int_equal(gs_sched_hold(s, ib), GS_OK);
    assert_int_equal(gs_sched_hold(s, ib), GS_OK);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    /* b held: c (8) starts */
    assert_int_equal(info(s, ib).reason, GS_REASON_HELD);
    assert_true(info(s, ib).held);
    assert_int_equal(info(s, ic).state, GS_JOB_RUNNING);
    assert_int_equal(gs_sched_hold(s, ic), GS_EBUSY);
    assert_non_null(strstr(gs_sched_errmsg(s), "running"));
    /* change the held job: 4 -> 2 GPUs, priority 7; to 16 is refused
     * and changes nothing */
    gs_job_update u = GS_JOB_UPDATE_INIT;
    u.fields = GS_UPDATE_GPUS;
    u.gpus = 16;
    assert_int_equal(gs_sched_update_job(s, ib, &u), GS_ENORES);
    assert_int_equal(info(s, ib).gpus, 4);
    u.fields = GS_UPDATE_GPUS | GS_UPDATE_PRIORITY;
    u.gpus = 2;
    u.priority = 7;
    assert_int_equal(gs_sched_update_job(s, ib, &u), GS_OK);
    assert_int_equal(info(s, ib).gpus, 2);
    assert_int_equal(info(s, ib).priority, 7);
    u.fields = GS_UPDATE_PRIORITY;
    assert_int_equal(gs_sched_update_job(s, ic, &u), GS_EBUSY);
    u.fields = 0x100;
    assert_int_equal(gs_sched_update_job(s, ib, &u), GS_EINVAL);
    u.fields = GS_UPDATE_PARTITION;
    u.partition = "x";
    assert_int_equal(gs_sched_update_job(s, ib, &u), GS_ENOTFOUND);
    assert_int_equal(gs_sched_release(s, ic), GS_EBUSY);
    assert_int_equal(gs_sched_release(s, ib), GS_OK);
    assert_int_equal(gs_sched_release(s, ib), GS_EINVAL);
    assert_int_equal(gs_sched_complete(s, ic, 5), GS_OK);
    assert_int_equal(gs_sched_step(s, 5, NULL), GS_OK);
    assert_int_equal(info(s, ib).state, GS_JOB_RUNNING);
    assert_int_equal(info(s, ib).nodes, 1);
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* Time limits: a 100 s job started at 0 with 10 s of grace is reported
 * at 110, not at 109, once; gs_sched_timeout ends it as "timeout". */
static void timeouts(void **state)
{
    (void)state;
    gs_topo *t = build(1, H4, NULL, NULL);
    gs_sched *s = make(t, GS_ORDER_FIFO, GS_BACKFILL_NONE, GS_PREEMPT_OFF);
    assert_int_equal(gs_sched_set_timeout_grace(s, -1), GS_EINVAL);
    assert_int_equal(gs_sched_set_timeout_grace(s, 10), GS_OK);
    gs_job_spec a = spec_of(2, 0), b = spec_of(2, 0);
    a.time_limit = 100;
    uint64_t ia = sub(s, &a), ib = sub(s, &b);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    gs_event ev = GS_EVENT_INIT;
    while (gs_sched_event_count(s))
        assert_int_equal(gs_sched_next_event(s, &ev), GS_OK);
    assert_int_equal(gs_sched_step(s, 109, NULL), GS_OK);
    assert_int_equal(gs_sched_event_count(s), 0);
    assert_false(info(s, ia).timed_out);
    assert_int_equal(gs_sched_step(s, 110, NULL), GS_OK);
    assert_int_equal(gs_sched_event_count(s), 1);
    assert_int_equal(gs_sched_next_event(s, &ev), GS_OK);
    assert_int_equal(ev.kind, GS_EVENT_TIMEOUT);
    assert_int_equal(ev.job, ia);
    assert_int_equal(ev.time, 110);
    assert_true(info(s, ia).timed_out);
    assert_int_equal(info(s, ia).state, GS_JOB_RUNNING); /* never extended,
                                                           never stopped */
    assert_int_equal(gs_sched_step(s, 200, NULL), GS_OK);
    assert_int_equal(gs_sched_event_count(s), 0); /* once */
    assert_int_equal(gs_sched_timeout(s, ib, 201), GS_OK); /* host's call */
    assert_int_equal(gs_sched_timeout(s, ia, 201), GS_OK);
    assert_int_equal(info(s, ia).state, GS_JOB_TIMEOUT);
    assert_string_equal(gs_job_state_name(GS_JOB_TIMEOUT), "timeout");
    assert_int_equal(gs_sched_timeout(s, ia, 202), GS_ESTATE);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* Expected starts (easy backfill): one 8-GPU node; A (8 GPUs, 100 s)
 * starts at 0; B (8 GPUs) is reserved at 100, where A's limit ends; C
 * behind it, not reserved, is unknown. A's expected start is its start. */
static void expected_starts(void **state)
{
    (void)state;
    gs_topo *t = build(1, H4, NULL, NULL);
    gs_sched *s = make(t, GS_ORDER_FIFO, GS_BACKFILL_EASY, GS_PREEMPT_OFF);
    gs_job_spec a = spec_of(8, 0), b = spec_of(8, 0), c = spec_of(8, 0);
    a.time_limit = 100;
    b.time_limit = 50;
    uint64_t ia = sub(s, &a), ib = sub(s, &b), ic = sub(s, &c);
    assert_int_equal(info(s, ib).expected_start, GS_TIME_UNKNOWN);
    assert_int_equal(gs_sched_step(s, 10, NULL), GS_OK);
    assert_int_equal(info(s, ia).expected_start, 10);
    assert_int_equal(info(s, ib).expected_start, 110);
    assert_int_equal(info(s, ic).expected_start, GS_TIME_UNKNOWN);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* Accounts: with a tree listing physics (and alice in it), chem and bob
 * are refused naming them; alice without an account runs in physics; with
 * auto-creation both are taken. A job with no user is charged to
 * "(none)", which has 0 shares. */
static void unknown_accounts(void **state)
{
    (void)state;
    gs_topo *t = build(1, H4, NULL, NULL);
    gs_share *sh = NULL;
    assert_int_equal(gs_share_create(&sh), GS_OK);
    assert_int_equal(gs_share_add_account(sh, "physics", "root", 1), GS_OK);
    assert_int_equal(gs_share_add_user(sh, "alice", "physics", 1), GS_OK);
    gs_sched_config cfg = GS_SCHED_CONFIG_INIT;
    cfg.share = sh;
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, &cfg), GS_OK);
    uint64_t id;
    gs_job_spec j = spec_of(1, 0);
    j.user = "alice";
    j.account = "chem";
    assert_int_equal(gs_sched_submit(s, &j, &id), GS_ENOTFOUND);
    assert_non_null(strstr(gs_sched_errmsg(s), "chem"));
    j.user = "bob";
    j.account = "physics";
    assert_int_equal(gs_sched_submit(s, &j, &id), GS_ENOTFOUND);
    assert_non_null(strstr(gs_sched_errmsg(s), "bob"));
    j.account = NULL;
    assert_int_equal(gs_sched_submit(s, &j, &id), GS_ENOTFOUND);
    j.user = "alice";
    id = sub(s, &j);
    assert_string_equal(info(s, id).account, "physics");
    gs_job_spec none = spec_of(1, 0);
    uint64_t in = sub(s, &none);
    (void)in;
    size_t rows = gs_share_row_count(sh);
    bool found = false;
    for (size_t i = 0; i < rows; i++) {
        gs_share_row r = GS_SHARE_ROW_INIT;
        assert_int_equal(gs_share_row_get(sh, i, &r), GS_OK);
        if (r.user && strcmp(r.user, "(none)") == 0) {
            found = true;
            assert_true(r.raw_shares == 0);
        }
    }
    assert_true(found);
    assert_int_equal(gs_sched_set_auto_accounts(s, 1), GS_OK);
    j.user = "bob";
    j.account = "chem";
    sub(s, &j);
    gs_sched_destroy(s);
    gs_share_destroy(sh);
    gs_topo_destroy(t);
}

/* A snapshot keeps partitions, settings, holds, constraints; restoring
 * and saving again gives the same bytes, and the journal replays the new
 * calls. */
static void durable(void **state)
{
    (void)state;
    const char *const f[] = {"h100,ib", "h100", "h100", "h100,ib"};
    gs_topo *t = build(4, H4, f, NULL);
    char dir[] = "/tmp/gs_parts_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/state", dir);
    gs_store_config sc;
    gs_store_config_init(&sc);
    sc.path = path;
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_open(&s, t, &sc), GS_OK);
    gs_partition_spec p = GS_PARTITION_SPEC_INIT;
    p.name = "a";
    p.nodes = "n[1-2]";
    p.max_gpus_per_user = 8;
    assert_int_equal(gs_sched_add_partition(s, &p), GS_OK);
    p.name = "b";
    p.nodes = "n[2-4]";
    p.priority_tier = 2;
    p.preempts = "a";
    p.max_gpus_per_user = 0;
    assert_int_equal(gs_sched_add_partition(s, &p), GS_OK);
    assert_int_equal(gs_sched_set_job_defaults(s, 2, 1u << 20), GS_OK);
    assert_int_equal(gs_sched_set_timeout_grace(s, 5), GS_OK);
    assert_int_equal(gs_sched_set_auto_accounts(s, 1), GS_OK);
    gs_job_spec a = spec_of(4, 0), b = spec_of(2, 0), c = spec_of(8, 0);
    a.constraint = "ib";
    a.partition = "a,b";
    a.time_limit = 10;
    b.user = "u";
    c.any_model = 1;
    c.allow_split = 1;
    uint64_t ia = sub(s, &a), ib = sub(s, &b), ic = sub(s, &c);
    assert_int_equal(gs_sched_hold(s, ic), GS_OK);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    gs_job_update u = GS_JOB_UPDATE_INIT;
    u.fields = GS_UPDATE_CONSTRAINT | GS_UPDATE_GPUS;
    u.constraint = "ib|h100";
    u.gpus = 6;
    assert_int_equal(gs_sched_update_job(s, ic, &u), GS_OK);
    assert_int_equal(gs_sched_step(s, 20, NULL), GS_OK); /* a times out */
    membuf m1 = {0}, m2 = {0};
    assert_int_equal(gs_sched_save(s, membuf_write, &m1), GS_OK);
    gs_sched_destroy(s);
    /* reopen: snapshot (none yet) + journal replay */
    gs_sched *r = NULL;
    assert_int_equal(gs_sched_open(&r, t, &sc), GS_OK);
    assert_int_equal(gs_sched_save(r, membuf_write, &m2), GS_OK);
    assert_int_equal(m1.n, m2.n);
    assert_memory_equal(m1.p, m2.p, m1.n);
    assert_int_equal(gs_sched_partition_count(r), 2);
    assert_true(info(r, ic).held);
    assert_int_equal(info(r, ic).gpus, 6);
    assert_true(info(r, ia).timed_out);
    assert_string_equal(gs_sched_job_partition(r, ia), "b");
    (void)ib;
    gs_sched_destroy(r);
    /* restore from the bytes: the same bytes again */
    gs_sched *q = NULL;
    assert_int_equal(gs_sched_restore_buffer(&q, t, NULL, m1.p, m1.n), GS_OK);
    m2.n = 0;
    assert_int_equal(gs_sched_save(q, membuf_write, &m2), GS_OK);
    assert_int_equal(m1.n, m2.n);
    assert_memory_equal(m1.p, m2.p, m1.n);
    assert_int_equal(gs_sched_check(q), GS_OK);
    gs_sched_destroy(q);
    free(m1.p);
    free(m2.p);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    gs_topo_destroy(t);
}

/* A job that cannot start blocks only its partitions: pb (n3, n4) has
 * three 8-GPU jobs, the third waits; a later 8-GPU job in pa (n1, n2)
 * still starts (FIFO, no backfill), and a later pb job waits behind the
 * third. */
static void blocking_is_per_partition(void **state)
{
    (void)state;
    gs_topo *t = build(4, H4, NULL, NULL);
    gs_sched *s = make(t, GS_ORDER_FIFO, GS_BACKFILL_NONE, GS_PREEMPT_OFF);
    add_part(s, "pa", "n[1-2]", 0);
    add_part(s, "pb", "n[3-4]", 0);
    uint64_t b[3];
    for (int i = 0; i < 3; i++) {
        gs_job_spec sp = spec_of(8, 0);
        sp.partition = "pb";
        b[i] = sub(s, &sp);
    }
    gs_job_spec a = spec_of(8, 0), b4 = spec_of(1, 0);
    b4.partition = "pb";
    uint64_t ia = sub(s, &a), ib4 = sub(s, &b4);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    assert_int_equal(info(s, b[0]).state, GS_JOB_RUNNING);
    assert_int_equal(info(s, b[1]).state, GS_JOB_RUNNING);
    assert_int_equal(info(s, b[2]).reason, GS_REASON_RESOURCES);
    assert_int_equal(info(s, ia).state, GS_JOB_RUNNING);
    assert_int_equal(node_of(s, ia, 0), 0);
    assert_int_equal(info(s, ib4).reason, GS_REASON_PRIORITY);
    char why[200];
    assert_int_equal(gs_sched_job_reason_text(s, ib4, why, sizeof why, NULL),
                     GS_OK);
    char want[32];
    snprintf(want, sizeof want, "job %llu", (unsigned long long)b[2]);
    assert_non_null(strstr(why, want));
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* A preview sees a job as a submission does: two nodes with 3 free GPUs
 * each, a 4-GPU job that sets no node counts has nowhere to go; allowed
 * to split, it is offered 3 + 1. */
static void preview_like_submit(void **state)
{
    (void)state;
    gs_topo *t = build(2, H4, NULL, NULL);
    gs_sched *s = make(t, GS_ORDER_FIFO, GS_BACKFILL_NONE, GS_PREEMPT_OFF);
    for (int i = 0; i < 2; i++) {
        gs_job_spec f = spec_of(5, 0);
        sub(s, &f);
    }
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    gs_job_spec p = spec_of(4, 0);
    uint32_t out[8];
    size_t n = 9;
    assert_int_equal(gs_sched_preview(s, &p, out, 8, &n), GS_ENORES);
    assert_int_equal(n, 0);
    p.allow_split = 1;
    assert_int_equal(gs_sched_preview(s, &p, out, 8, &n), GS_OK);
    assert_int_equal(n, 4);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* The worked example of docs/partitions.md. */
static void docs_example(void **state)
{
    (void)state;
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_create(&t), GS_OK);
    const char *names[] = {"h1", "h2", "v1", "v2"};
    for (uint32_t i = 0; i < 4; i++) {
        uint32_t n;
        assert_int_equal(gs_topo_add_template_node(
                             t, i < 2 ? "dgx-h100" : "dgx1-v100", names[i],
                             &n),
                         GS_OK);
        assert_int_equal(gs_topo_set_node_features(t, n,
                                                   i < 2 ? "h100,ib" : "v100"),
                         GS_OK);
        assert_int_equal(gs_topo_set_node_weight(t, n, i < 2 ? 10 : 1),
                         GS_OK);
    }
    assert_int_equal(gs_topo_freeze(t), GS_OK);
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    assert_int_equal(gs_sched_set_job_defaults(s, 4, 0), GS_OK);
    gs_partition_spec gpu = GS_PARTITION_SPEC_INIT, dbg = GS_PARTITION_SPEC_INIT;
    gpu.name = "gpu";
    dbg.name = "debug";
    dbg.nodes = "v[1-2]";
    dbg.priority_tier = 1;
    dbg.max_gpus_per_job = 2;
    dbg.max_time = 600;
    assert_int_equal(gs_sched_add_partition(s, &gpu), GS_OK);
    assert_int_equal(gs_sched_add_partition(s, &dbg), GS_OK);
    gs_job_spec a = GS_JOB_SPEC_INIT, b = GS_JOB_SPEC_INIT, c = GS_JOB_SPEC_INIT;
    a.gpus = 4;
    b.gpus = 8;
    b.constraint = "h100&ib";
    c.gpus = 4;
    c.partition = "debug";
    uint64_t ia = sub(s, &a), ib = sub(s, &b), ic;
    assert_int_equal(gs_sched_submit(s, &c, &ic), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "at most 2 GPUs per job"));
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    gs_alloc_node an = GS_ALLOC_NODE_INIT;
    assert_int_equal(info(s, ia).nodes, 1);
    assert_int_equal(gs_sched_alloc_node(s, ia, 0, &an), GS_OK);
    assert_int_equal(an.node, 2); /* v1 */
    assert_int_equal(an.cpus, 16);
    assert_int_equal(node_of(s, ib, 0), 0); /* h1 */
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(weights_order_equal_nodes),
        cmocka_unit_test(constraints_pick_nodes),
        cmocka_unit_test(no_split_by_default),
        cmocka_unit_test(one_model_per_job),
        cmocka_unit_test(cpu_defaults),
        cmocka_unit_test(partitions_limits_and_choice),
        cmocka_unit_test(tiers_go_first),
        cmocka_unit_test(user_limits_and_preemption),
        cmocka_unit_test(hold_release_update),
        cmocka_unit_test(timeouts),
        cmocka_unit_test(expected_starts),
        cmocka_unit_test(unknown_accounts),
        cmocka_unit_test(durable),
        cmocka_unit_test(docs_example),
        cmocka_unit_test(blocking_is_per_partition),
        cmocka_unit_test(preview_like_submit),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    return test_alloc_stats_get().live_blocks ? 1 : rc;
}
