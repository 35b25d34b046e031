/*
 * MIG in the topology and the scheduler (issue 17): GPUs in MIG mode taken
 * only by MIG jobs, fixed layouts' instances handed out as they are,
 * instances made on dynamic GPUs where the geometry (mig.h) leaves the
 * most room, CUDA_VISIBLE_DEVICES in MIG UUID form, accounting by slices,
 * GPU failures, snapshots, and random workloads whose layouts are checked
 * against mig.h's rules from the allocations.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <gpusched/gpusched.h>

#include "membuf.h"
#include "test_support.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/*
 * Node m0: two A100 80GB, GPU 0 with the admin's layout 3g.40gb@0 and
 * 3g.40gb@4 (UUIDs MIG-a0, MIG-a1), GPU 1 dynamic. Node w0: two A100
 * 80GB not in MIG mode. Cluster ids: m0 0 1, w0 2 3.
 */
static const char *const TOPO =
    "{\"templates\": {\"a2\": {\"numa\": [{\"cpus\": \"0-15\", \"memory\": "
    "\"256GiB\"}], \"gpus\": {\"count\": 2, \"model\": \"NVIDIA "
    "A100-SXM4-80GB\", \"memory\": \"80GiB\", \"numa\": 0}, \"matrix\": "
    "[\"X NV12\", \"NV12 X\"]}},"
    " \"nodes\": [{\"name\": \"m0\", \"template\": \"a2\", \"mig\": "
    "[\"3g.40gb@0,3g.40gb@4\", \"dynamic\"], \"mig_uuids\": [[\"MIG-a0\", "
    "\"MIG-a1\"], null]},"
    " {\"name\": \"w0\", \"template\": \"a2\"}]}";

static gs_sched *make(const gs_topo *t, const char *policy)
{
    gs_sched_config c = GS_SCHED_CONFIG_INIT;
    c.placement = policy;
    c.ordering = GS_ORDER_FIFO;
    gs_sched *s = NULL;
    if (gs_sched_create(&s, t, &c) != GS_OK)
        fail_msg("create: %s", gs_sched_errmsg(s));
    return s;
}

static gs_status submit_mig(gs_sched *s, const char *profile, uint32_t gpus,
                            int64_t t, uint64_t *id)
{
    gs_job_spec spec = GS_JOB_SPEC_INIT;
    spec.gpus = gpus;
    spec.mig_profile = profile;
    spec.submit_time = t;
    spec.user = "u";
    return gs_sched_submit(s, &spec, id);
}

static uint64_t mig_job(gs_sched *s, const char *profile, int64_t t)
{
    uint64_t id = 0;
    if (submit_mig(s, profile, 1, t, &id) != GS_OK)
        fail_msg("submit %s: %s", profile, gs_sched_errmsg(s));
    return id;
}

static gs_job_info info(const gs_sched *s, uint64_t id)
{
    gs_job_info i = GS_JOB_INFO_INIT;
    assert_int_equal(gs_sched_job_info(s, id, &i), GS_OK);
    return i;
}

static gs_alloc_entry entry(const gs_sched *s, uint64_t id, char *buf,
                            size_t cap)
{
    gs_alloc_entry e;
    gs_alloc_entry_init(&e);
    assert_int_equal(gs_sched_alloc_entry(s, id, 0, &e, buf, cap), GS_OK);
    return e;
}

/* ---- the topology ------------------------------------------------------ */

static void topo_mig_modes(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(TOPO);
    gs_mig_mode mode;
    gs_mig_gpu kind;
    gs_mig_instance inst[7];
    size_t n = 99;
    assert_int_equal(gs_topo_gpu_mig(t, 0, &mode, &kind, inst, 7, &n), GS_OK);
    assert_int_equal(mode, GS_MIG_FIXED);
    assert_int_equal(kind, GS_MIG_A100_80GB);
    assert_int_equal(n, 2);
    /* 3g.40gb is the fifth profile (number 4) of A100 80GB */
    assert_int_equal(inst[0].profile, 4);
    assert_int_equal(inst[0].start, 0);
    assert_int_equal(inst[1].profile, 4);
    assert_int_equal(inst[1].start, 4);
    assert_string_equal(gs_topo_mig_uuid(t, 0, 1), "MIG-a1");
    assert_null(gs_topo_mig_uuid(t, 0, 2));
    assert_int_equal(gs_topo_gpu_mig(t, 0, NULL, NULL, inst, 1, &n),
                     GS_ENOSPC);
    assert_int_equal(n, 2);
    assert_int_equal(gs_topo_gpu_mig(t, 1, &mode, NULL, NULL, 0, &n), GS_OK);
    assert_int_equal(mode, GS_MIG_DYNAMIC);
    assert_int_equal(n, 0);
    assert_int_equal(gs_topo_gpu_mig(t, 2, &mode, NULL, NULL, 0, &n), GS_OK);
    assert_int_equal(mode, GS_MIG_OFF);
    assert_int_equal(gs_topo_gpu_mig(t, 4, &mode, NULL, NULL, 0, &n),
                     GS_EINVAL);
    /* the JSON writer keeps them */
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(gs_topo_to_json(t, &text, &len), GS_OK);
    gs_topo *t2 = test_topo_json(text);
    assert_int_equal(gs_topo_gpu_mig(t2, 0, &mode, NULL, inst, 7, &n), GS_OK);
    assert_int_equal(mode, GS_MIG_FIXED);
    assert_int_equal(n, 2);
    assert_string_equal(gs_topo_mig_uuid(t2, 0, 0), "MIG-a0");
    assert_int_equal(gs_topo_gpu_mig(t2, 1, &mode, NULL, NULL, 0, &n), GS_OK);
    assert_int_equal(mode, GS_MIG_DYNAMIC);
    gs_free(text);
    gs_topo_destroy(t2);
    gs_topo_destroy(t);
}

static void topo_mig_errors(void **state)
{
    (void)state;
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_create(&t), GS_OK);
    uint32_t node;
    assert_int_equal(gs_topo_add_node(t, "a", &node), GS_OK);
    gs_gpu_info g = GS_GPU_INFO_INIT;
    g.model = "Tesla V100-SXM2-32GB";
    g.memory_bytes = 32ull << 30;
    assert_int_equal(gs_topo_add_gpu(t, node, &g, NULL), GS_OK);
    g.model = "NVIDIA A100-SXM4-40GB";
    g.memory_bytes = 40ull << 30;
    assert_int_equal(gs_topo_add_gpu(t, node, &g, NULL), GS_OK);
    /* a V100 has no MIG */
    assert_int_equal(gs_topo_set_gpu_mig(t, node, 0, "dynamic"), GS_EINVAL);
    assert_non_null(strstr(gs_topo_errmsg(t), "no MIG table"));
    /* an A100 40GB has no 3g.40gb; two 4g do not fit */
    assert_int_equal(gs_topo_set_gpu_mig(t, node, 1, "3g.40gb"), GS_EPARSE);
    assert_int_equal(gs_topo_set_gpu_mig(t, node, 1, "4g.20gb,4g.20gb"),
                     GS_EINVAL);
    assert_int_equal(gs_topo_set_gpu_mig(t, node, 2, "dynamic"), GS_EINVAL);
    /* UUIDs need a fixed layout, one per instance, well formed */
    const char *u[2] = {"MIG-x", "MIG-y"};
    assert_int_equal(gs_topo_set_mig_uuids(t, node, 1, u, 2), GS_EINVAL);
    assert_int_equal(gs_topo_set_gpu_mig(t, node, 1, " 3g.20gb , 3g.20gb "),
                     GS_OK);
    assert_int_equal(gs_topo_set_mig_uuids(t, node, 1, u, 1), GS_EINVAL);
    const char *bad[2] = {"GPU-x", NULL};
    assert_int_equal(gs_topo_set_mig_uuids(t, node, 1, bad, 2), GS_EINVAL);
    const char *twice[2] = {"MIG-x", "MIG-x"};
    assert_int_equal(gs_topo_set_mig_uuids(t, node, 1, twice, 2), GS_EINVAL);
    assert_int_equal(gs_topo_set_mig_uuids(t, node, 1, u, 2), GS_OK);
    /* off again, and the mode name table */
    assert_int_equal(gs_topo_set_gpu_mig(t, node, 1, "OFF"), GS_OK);
    assert_string_equal(gs_mig_mode_name(GS_MIG_DYNAMIC), "dynamic");
    assert_string_equal(gs_mig_mode_name((gs_mig_mode)9), "?");
    assert_int_equal(gs_topo_freeze(t), GS_OK);
    gs_mig_mode mode;
    assert_int_equal(gs_topo_gpu_mig(t, 1, &mode, NULL, NULL, 0, NULL),
                     GS_OK);
    assert_int_equal(mode, GS_MIG_OFF);
    assert_int_equal(gs_topo_set_gpu_mig(t, node, 1, "dynamic"), GS_EFROZEN);
    gs_topo_destroy(t);
    /* the JSON forms name the place */
    static const char *const files[] = {
        "{\"nodes\": [{\"name\": \"x\", \"template\": \"dgx-a100\", \"mig\": "
        "[\"dynamic\"]}]}",
        "{\"nodes\": [{\"name\": \"x[1-2]\", \"template\": \"dgx-a100\", "
        "\"mig\": \"7g.80gb\", \"mig_uuids\": [[\"MIG-1\"], null, null, null, "
        "null, null, null, null]}]}",
        "{\"nodes\": [{\"name\": \"x\", \"template\": \"dgx-a100\", "
        "\"mig_uuids\": []}]}",
        "{\"nodes\": [{\"name\": \"x\", \"template\": \"dgx-a100\", \"mig\": "
        "\"9g.80gb\"}]}",
    };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        gs_topo *bad_t = NULL;
        assert_int_equal(gs_topo_load_buffer(&bad_t, files[i],
                                             strlen(files[i]), NULL, NULL),
                         GS_EPARSE);
        assert_non_null(strstr(gs_topo_errmsg(bad_t), ":1:"));
        gs_topo_destroy(bad_t);
    }
}

/* ---- the scheduler ------------------------------------------------------ */

/*
 * best-fit, by hand. A fixed instance costs its profile's weight w (the
 * GPU can take one 3g.40gb less); an instance made on the empty dynamic
 * GPU costs more (it takes a 3g.40gb and the 7g.80gb and 4g.40gb away at
 * least). So the first two 3g.40gb jobs take GPU 0's instances 0 and 1,
 * the third is made on GPU 1. There, 3g.40gb@4 leaves slots 0-3 and four
 * compute slices, where a 4g.40gb still fits; @0 leaves 4-7, where it
 * does not (4g.40gb starts only at 0): start 4. A fourth 3g.40gb can only
 * go to 0 on GPU 1 (3g.40gb starts 0 and 4), and a fifth waits. Whole and
 * fractional jobs never get GPUs 0 and 1.
 */
static void fixed_then_dynamic(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(TOPO);
    gs_sched *s = make(t, "best-fit");
    uint64_t id[5];
    for (int i = 0; i < 5; i++)
        id[i] = mig_job(s, "3g.40gb", 0);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    assert_int_equal(gs_sched_check(s), GS_OK);
    char buf[1024];
    static const uint32_t want_gpu[4] = {0, 0, 1, 1};
    static const uint32_t want_start[4] = {0, 4, 4, 0};
    static const uint32_t want_inst[4] = {0, 1, GS_NONE, GS_NONE};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(info(s, id[i]).state, GS_JOB_RUNNING);
        gs_alloc_entry e = entry(s, id[i], buf, sizeof buf);
        assert_int_equal(e.n_gpus, 1);
        assert_int_equal(e.gpu_ids[0], want_gpu[i]);
        assert_int_equal(e.mig_starts[0], want_start[i]);
        assert_int_equal(e.mig_instances[0], want_inst[i]);
        assert_string_equal(e.mig_profile, "3g.40gb");
        /* 3 of 7 slices: 428 milli */
        assert_int_equal(e.gpu_milli, 428);
    }
    assert_int_equal(info(s, id[4]).state, GS_JOB_PENDING);
    assert_string_equal(info(s, id[0]).mig_profile, "3g.40gb");
    /* CUDA_VISIBLE_DEVICES: the fixed instance's UUID from the topology */
    gs_alloc_entry e = entry(s, id[1], buf, sizeof buf);
    assert_string_equal(e.cuda_visible_devices, "MIG-a1");
    assert_string_equal(e.cuda_visible_uuids, "MIG-a1");
    /* a made instance's UUID is unknown until the host gives it */
    e = entry(s, id[2], buf, sizeof buf);
    assert_string_equal(e.cuda_visible_devices, "");
    char cvd[64];
    assert_int_equal(gs_sched_cuda_visible_devices(s, id[2], 0, 0, cvd,
                                                   sizeof cvd, NULL),
                     GS_ENOTFOUND);
    assert_int_equal(gs_sched_set_mig_uuid(s, id[2], 0, "MIG-b0"),
                     GS_EINVAL); /* not its GPU */
    assert_int_equal(gs_sched_set_mig_uuid(s, id[0], 0, "MIG-b0"),
                     GS_EINVAL); /* a fixed instance */
    assert_int_equal(gs_sched_set_mig_uuid(s, id[2], 1, "GPU-b0"),
                     GS_EINVAL);
    assert_int_equal(gs_sched_set_mig_uuid(s, id[2], 1, "MIG-b0"), GS_OK);
    assert_int_equal(gs_sched_set_mig_uuid(s, id[3], 1, "MIG-b0"),
                     GS_EINVAL); /* another instance's */
    assert_int_equal(gs_sched_cuda_visible_devices(s, id[2], 0, 0, cvd,
                                                   sizeof cvd, NULL),
                     GS_OK);
    assert_string_equal(cvd, "MIG-b0");
    /* whole GPUs: w0 only */
    gs_job_spec spec = GS_JOB_SPEC_INIT;
    spec.gpus = 2;
    uint64_t w, w2, f;
    assert_int_equal(gs_sched_submit(s, &spec, &w), GS_OK);
    spec.gpus = 1;
    assert_int_equal(gs_sched_submit(s, &spec, &w2), GS_OK);
    spec.gpu_milli = 100;
    assert_int_equal(gs_sched_submit(s, &spec, &f), GS_OK);
    assert_int_equal(gs_sched_step(s, 1, NULL), GS_OK);
    /* FIFO: the fifth MIG job blocks the rest (it is first) */
    assert_int_equal(gs_sched_complete(s, id[0], 2), GS_OK);
    assert_int_equal(gs_sched_step(s, 2, NULL), GS_OK);
    assert_int_equal(info(s, id[4]).state, GS_JOB_RUNNING);
    e = entry(s, id[4], buf, sizeof buf);
    assert_int_equal(e.gpu_ids[0], 0);
    assert_int_equal(e.mig_instances[0], 0);
    assert_int_equal(info(s, w).state, GS_JOB_RUNNING);
    e = entry(s, w, buf, sizeof buf);
    assert_int_equal(e.gpu_ids[0], 2);
    assert_int_equal(e.gpu_ids[1], 3);
    assert_int_equal(info(s, w2).state, GS_JOB_PENDING);
    assert_int_equal(info(s, f).state, GS_JOB_PENDING);
    assert_int_equal(gs_sched_check(s), GS_OK);
    /* the made instance goes away when its job ends; 3g.40gb@4 is free
     * again and the next 3g.40gb gets it */
    assert_int_equal(gs_sched_complete(s, id[2], 3), GS_OK);
    uint64_t again = mig_job(s, "3g.40gb", 3);
    assert_int_equal(gs_sched_cancel(s, w2, 3), GS_OK);
    assert_int_equal(gs_sched_cancel(s, f, 3), GS_OK);
    assert_int_equal(gs_sched_step(s, 3, NULL), GS_OK);
    e = entry(s, again, buf, sizeof buf);
    assert_int_equal(e.gpu_ids[0], 1);
    assert_int_equal(e.mig_starts[0], 4);
    assert_string_equal(e.cuda_visible_devices, "");
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* first-fit takes the lowest GPU; spread the GPU with the most free
 * slices: the empty dynamic GPU 1 (7) before GPU 0 (its free instances
 * count 7 - 0 = 7 too: ties go to the lower GPU), then after one job on
 * each, GPU 1 has 4 free and GPU 0 has 7 - 3 = 4: GPU 0 again. */
static void first_fit_and_spread(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(TOPO);
    gs_sched *s = make(t, "first-fit");
    uint64_t a = mig_job(s, "1g.10gb", 0);
    uint64_t b = mig_job(s, "3g.40gb", 0);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    char buf[512];
    /* GPU 0 has no 1g instance: the 1g goes to GPU 1, at slot 6 (every
     * profile weighing alike): there 4g.40gb@0, 3g.40gb@0 and three
     * 2g.20gb (@0, 2, 4) still fit; at slot 0 neither the 4g nor the
     * 3g@0 would, and only two 2g (as mig.h's example on A100-40GB) */
    gs_alloc_entry e = entry(s, a, buf, sizeof buf);
    assert_int_equal(e.gpu_ids[0], 1);
    assert_int_equal(e.mig_starts[0], 6);
    e = entry(s, b, buf, sizeof buf);
    assert_int_equal(e.gpu_ids[0], 0);
    assert_int_equal(e.mig_instances[0], 0);
    gs_sched_destroy(s);

    s = make(t, "spread");
    uint64_t c = mig_job(s, "3g.40gb", 0);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    e = entry(s, c, buf, sizeof buf);
    assert_int_equal(e.gpu_ids[0], 0);
    uint64_t d = mig_job(s, "3g.40gb", 1);
    assert_int_equal(gs_sched_step(s, 1, NULL), GS_OK);
    e = entry(s, d, buf, sizeof buf);
    assert_int_equal(e.gpu_ids[0], 1);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

static void submit_errors(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(TOPO);
    gs_sched *s = make(t, "best-fit");
    uint64_t id;
    assert_int_equal(submit_mig(s, "5g.50gb", 1, 0, &id), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "not a MIG profile"));
    /* an A100 40GB profile: no GPU here has it */
    assert_int_equal(submit_mig(s, "3g.20gb", 1, 0, &id), GS_ENORES);
    /* two instances need two MIG GPUs of one node: m0 has two; three
     * cannot be */
    assert_int_equal(submit_mig(s, "MIG 1g.10gb", 2, 0, &id), GS_OK);
    assert_int_equal(submit_mig(s, "1g.10gb", 3, 0, &id), GS_ENORES);
    gs_job_spec spec = GS_JOB_SPEC_INIT;
    spec.gpus = 1;
    spec.mig_profile = "1g.10gb";
    spec.gpu_milli = 500;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_EINVAL);
    spec.gpu_milli = 0;
    spec.exclusive = 1;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_EINVAL);
    spec.exclusive = 0;
    spec.gpu_models = "H100";
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_ENORES);
    gs_sched_destroy(s);
    /* a cluster without MIG GPUs */
    gs_topo *plain = test_topo_json(
        "{\"nodes\": [{\"name\": \"x\", \"template\": \"dgx-a100\"}]}");
    s = make(plain, "best-fit");
    assert_int_equal(submit_mig(s, "1g.10gb", 1, 0, &id), GS_ENORES);
    gs_sched_destroy(s);
    gs_topo_destroy(plain);
    gs_topo_destroy(t);
}

/* 700 s on a 3g.40gb: 700 x 3/7 = 300 GPU-seconds; a 7g.80gb (the whole
 * GPU) 700. A failed GPU fails the jobs with instances on it. */
static void accounting_and_failure(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(TOPO);
    gs_sched *s = make(t, "best-fit");
    uint64_t a = mig_job(s, "3g.40gb", 0);
    uint64_t b = mig_job(s, "7g.80gb", 0);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    char buf[512];
    assert_int_equal(entry(s, b, buf, sizeof buf).gpu_milli, 1000);
    assert_int_equal(gs_sched_complete(s, a, 700), GS_OK);
    assert_int_equal(gs_sched_complete(s, b, 700), GS_OK);
    static const double want[2] = {300.0, 700.0};
    uint64_t ids[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        char line[1024];
        assert_int_equal(
            gs_sched_job_accounting(s, ids[i], line, sizeof line, NULL),
            GS_OK);
        char *last = strrchr(line, ',');
        assert_non_null(last);
        *last = '\0';
        char *f = strrchr(line, ',');
        assert_non_null(f);
        assert_true(fabs(strtod(f + 1, NULL) - want[i]) < 1e-6);
    }
    /* two 1g.10gb on the dynamic GPU, one 3g on GPU 0; GPU 1 fails */
    uint64_t c = mig_job(s, "1g.10gb", 800);
    uint64_t d = mig_job(s, "1g.10gb", 800);
    uint64_t e3 = mig_job(s, "3g.40gb", 800);
    assert_int_equal(gs_sched_step(s, 800, NULL), GS_OK);
    assert_int_equal(info(s, c).state, GS_JOB_RUNNING);
    assert_int_equal(info(s, d).state, GS_JOB_RUNNING);
    assert_int_equal(entry(s, e3, buf, sizeof buf).gpu_ids[0], 0);
    uint64_t victim = 0;
    assert_int_equal(gs_sched_fail_gpu(s, 1, 801, &victim), GS_OK);
    assert_int_equal(victim, c);
    assert_int_equal(info(s, c).state, GS_JOB_FAILED);
    assert_int_equal(info(s, d).state, GS_JOB_FAILED);
    assert_int_equal(info(s, e3).state, GS_JOB_RUNNING);
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* A snapshot restores the instances where they were, and the UUID the
 * host gave. */
static void snapshot_keeps_instances(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(TOPO);
    gs_sched *s = make(t, "best-fit");
    uint64_t id[4];
    for (int i = 0; i < 4; i++)
        id[i] = mig_job(s, i % 2 ? "1g.10gb" : "2g.20gb", 0);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    assert_int_equal(gs_sched_complete(s, id[0], 5), GS_OK);
    assert_int_equal(gs_sched_set_mig_uuid(s, id[1], 1, "MIG-z/1/0"), GS_OK);
    membuf m = {0};
    assert_int_equal(gs_sched_save(s, membuf_write, &m), GS_OK);
    gs_sched *r = NULL;
    if (gs_sched_restore_buffer(&r, t, NULL, m.p, m.n) != GS_OK)
        fail_msg("restore: %s", gs_sched_errmsg(r));
    char b1[512], b2[512];
    for (int i = 1; i < 4; i++) {
        gs_alloc_entry e1 = entry(s, id[i], b1, sizeof b1);
        gs_alloc_entry e2 = entry(r, id[i], b2, sizeof b2);
        assert_int_equal(e1.gpu_ids[0], e2.gpu_ids[0]);
        assert_int_equal(e1.mig_starts[0], e2.mig_starts[0]);
        assert_int_equal(e1.mig_instances[0], e2.mig_instances[0]);
        assert_string_equal(e1.cuda_visible_devices, e2.cuda_visible_devices);
        assert_string_equal(e2.mig_profile, i % 2 ? "1g.10gb" : "2g.20gb");
    }
    /* both decide the next jobs alike */
    for (int k = 0; k < 6; k++) {
        uint64_t x = mig_job(s, k % 3 ? "1g.10gb" : "2g.20gb", 10 + k);
        uint64_t y = mig_job(r, k % 3 ? "1g.10gb" : "2g.20gb", 10 + k);
        assert_int_equal(x, y);
        assert_int_equal(gs_sched_step(s, 10 + k, NULL), GS_OK);
        assert_int_equal(gs_sched_step(r, 10 + k, NULL), GS_OK);
        assert_int_equal(info(s, x).state, info(r, y).state);
        if (info(s, x).state == GS_JOB_RUNNING) {
            gs_alloc_entry e1 = entry(s, x, b1, sizeof b1);
            gs_alloc_entry e2 = entry(r, y, b2, sizeof b2);
            assert_int_equal(e1.gpu_ids[0], e2.gpu_ids[0]);
            assert_int_equal(e1.mig_starts[0], e2.mig_starts[0]);
        }
    }
    assert_int_equal(gs_sched_check(r), GS_OK);
    free(m.p);
    gs_sched_destroy(r);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* The journal replays MIG submissions and the host's UUIDs: a store
 * opened again decides and answers as the scheduler that made the calls
 * (snapshot bytes equal). */
static void journal_replays_mig(void **state)
{
    (void)state;
    char dir[] = "/tmp/gs-mig-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/s.gss", dir);
    gs_topo *t = test_topo_json(TOPO);
    gs_sched_config cfg = GS_SCHED_CONFIG_INIT;
    cfg.placement = "frag-aware";
    cfg.ordering = GS_ORDER_FIFO;
    gs_store_config sc = GS_STORE_CONFIG_INIT;
    sc.path = path;
    sc.sync = GS_SYNC_NEVER;
    sc.sched = &cfg;
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_open(&s, t, &sc), GS_OK);
    gs_sched *ref = make(t, "frag-aware");
    uint64_t a = mig_job(s, "2g.20gb", 0), a2 = mig_job(ref, "2g.20gb", 0);
    uint64_t b = mig_job(s, "1g.10gb", 0), b2 = mig_job(ref, "1g.10gb", 0);
    assert_int_equal(a, a2);
    assert_int_equal(b, b2);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    assert_int_equal(gs_sched_step(ref, 0, NULL), GS_OK);
    char buf[512];
    uint32_t g = entry(s, a, buf, sizeof buf).gpu_ids[0];
    assert_int_equal(g, 1); /* 2g.20gb: only the dynamic GPU has it */
    assert_int_equal(gs_sched_set_mig_uuid(s, a, g, "MIG-j1"), GS_OK);
    assert_int_equal(gs_sched_set_mig_uuid(ref, a, g, "MIG-j1"), GS_OK);
    gs_sched_destroy(s);
    s = NULL;
    assert_int_equal(gs_sched_open(&s, t, &sc), GS_OK);
    membuf x = {0}, y = {0};
    assert_int_equal(gs_sched_save(s, membuf_write, &x), GS_OK);
    assert_int_equal(gs_sched_save(ref, membuf_write, &y), GS_OK);
    assert_int_equal(x.n, y.n);
    assert_memory_equal(x.p, y.p, x.n);
    assert_string_equal(entry(s, a, buf, sizeof buf).cuda_visible_devices,
                        "MIG-j1");
    free(x.p);
    free(y.p);
    gs_sched_destroy(s);
    gs_sched_destroy(ref);
    char f[160];
    snprintf(f, sizeof f, "%s.journal", path);
    unlink(f);
    unlink(path);
    rmdir(dir);
    gs_topo_destroy(t);
}

/*
 * Preemption frees instances: four preemptible 3g.40gb fill the cluster's
 * MIG GPUs (two fixed instances on GPU 0, two made on GPU 1 at 4 and 0).
 * A 7g.80gb of higher priority fits only on the dynamic GPU 1 once both of
 * its instances are gone: jobs 3 and 4 are preempted, 1 and 2 keep GPU 0.
 */
static void preemption_frees_instances(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(TOPO);
    gs_sched_config c = GS_SCHED_CONFIG_INIT;
    c.placement = "best-fit";
    c.ordering = GS_ORDER_PRIORITY;
    c.preempt = GS_PREEMPT_CANCEL;
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, &c), GS_OK);
    gs_job_spec spec = GS_JOB_SPEC_INIT;
    spec.gpus = 1;
    spec.mig_profile = "3g.40gb";
    spec.preemptible = 1;
    uint64_t id[4], big;
    for (int i = 0; i < 4; i++)
        assert_int_equal(gs_sched_submit(s, &spec, &id[i]), GS_OK);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    spec.mig_profile = "7g.80gb";
    spec.priority = 100;
    spec.preemptible = 0;
    spec.submit_time = 1;
    assert_int_equal(gs_sched_submit(s, &spec, &big), GS_OK);
    assert_int_equal(gs_sched_step(s, 1, NULL), GS_OK);
    assert_int_equal(info(s, big).state, GS_JOB_RUNNING);
    assert_int_equal(info(s, id[0]).state, GS_JOB_RUNNING);
    assert_int_equal(info(s, id[1]).state, GS_JOB_RUNNING);
    assert_int_equal(info(s, id[2]).state, GS_JOB_PREEMPTED);
    assert_int_equal(info(s, id[3]).state, GS_JOB_PREEMPTED);
    char buf[512];
    gs_alloc_entry e = entry(s, big, buf, sizeof buf);
    assert_int_equal(e.gpu_ids[0], 1);
    assert_int_equal(e.mig_starts[0], 0);
    assert_int_equal(e.gpu_milli, 1000);
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/*
 * EASY backfill. E and F (3g.40gb, long) hold GPU 0's instances; A
 * (4g.40gb, until 100) is made on GPU 1 at 0. B (7g.80gb) fits only on
 * GPU 1 once A ends: it reserves it at 100. D (3g.40gb, 1000 s) would fit
 * on GPU 1 now (at 4, beside A) but would hold it past 100: it waits for
 * the reservation. G (3g.40gb, 50 s) ends before 100: it starts there.
 */
static void backfill_reserves_mig_gpus(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(TOPO);
    gs_sched_config c = GS_SCHED_CONFIG_INIT;
    c.placement = "best-fit";
    c.ordering = GS_ORDER_FIFO;
    c.backfill = GS_BACKFILL_EASY;
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, &c), GS_OK);
    gs_job_spec spec = GS_JOB_SPEC_INIT;
    spec.gpus = 1;
    spec.mig_profile = "3g.40gb";
    spec.time_limit = 100000;
    uint64_t e1, f1, a, b, d, g;
    assert_int_equal(gs_sched_submit(s, &spec, &e1), GS_OK);
    assert_int_equal(gs_sched_submit(s, &spec, &f1), GS_OK);
    spec.mig_profile = "4g.40gb";
    spec.time_limit = 100;
    assert_int_equal(gs_sched_submit(s, &spec, &a), GS_OK);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    char buf[512];
    assert_int_equal(entry(s, a, buf, sizeof buf).gpu_ids[0], 1);
    spec.submit_time = 1;
    spec.mig_profile = "7g.80gb";
    assert_int_equal(gs_sched_submit(s, &spec, &b), GS_OK);
    spec.mig_profile = "3g.40gb";
    spec.time_limit = 1000;
    assert_int_equal(gs_sched_submit(s, &spec, &d), GS_OK);
    spec.time_limit = 50;
    assert_int_equal(gs_sched_submit(s, &spec, &g), GS_OK);
    assert_int_equal(gs_sched_step(s, 1, NULL), GS_OK);
    assert_int_equal(info(s, b).state, GS_JOB_PENDING);
    assert_int_equal(info(s, b).expected_start, 100);
    assert_int_equal(info(s, d).state, GS_JOB_PENDING);
    assert_int_equal(info(s, d).reason, GS_REASON_RESERVATION);
    assert_int_equal(info(s, g).state, GS_JOB_RUNNING);
    gs_alloc_entry e = entry(s, g, buf, sizeof buf);
    assert_int_equal(e.gpu_ids[0], 1);
    assert_int_equal(e.mig_starts[0], 4);
    assert_int_equal(gs_sched_check(s), GS_OK);
    /* at 100 A and G have ended: B gets GPU 1 whole */
    assert_int_equal(gs_sched_complete(s, g, 50), GS_OK);
    assert_int_equal(gs_sched_complete(s, a, 100), GS_OK);
    assert_int_equal(gs_sched_step(s, 100, NULL), GS_OK);
    assert_int_equal(info(s, b).state, GS_JOB_RUNNING);
    assert_int_equal(info(s, d).state, GS_JOB_PENDING);
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/*
 * The learned mix changes which GPU an instance goes to. Two dynamic A100
 * 80GB: GPU 0 holds a 4g.40gb (slots 0-3), GPU 1 a 1g.10gb (at 6, where
 * gs_mig_choose puts it). A 1g.20gb next, with every profile weighing
 * alike (w = 1/7 + 0.01): on GPU 0 it goes to 6 and the capacities of
 * 1g.10gb, +me, 1g.20gb, 2g.20gb, 3g.40gb drop from 3, 1, 2, 1, 1 (slots
 * 4-7, 3 slices) to 2, 1, 1, 1, 0: cost 3w = 0.459; on GPU 1 it costs
 * 0.611 (4w): GPU 0. After 64 submissions of 3g.40gb (cancelled: the mix
 * counts submissions) the weights are 1.01 for 3g.40gb and 0.01 for the
 * others: on GPU 0 it takes the room of the only 3g.40gb left (cost 1.01
 * + 0.02 = 1.03), on GPU 1 none of a 3g.40gb's (cost 0.04): GPU 1.
 */
static void learned_profile_mix(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(
        "{\"nodes\": [{\"name\": \"d0\", \"numa\": [{\"cpus\": \"0-15\", "
        "\"memory\": \"256GiB\"}], \"gpus\": {\"count\": 2, \"model\": "
        "\"NVIDIA A100-SXM4-80GB\", \"memory\": \"80GiB\", \"numa\": 0}, "
        "\"mig\": \"dynamic\"}]}");
    for (int learn = 0; learn < 2; learn++) {
        gs_sched *s = make(t, "best-fit");
        for (int i = 0; learn && i < 64; i++) {
            uint64_t id = mig_job(s, "3g.40gb", 0);
            assert_int_equal(gs_sched_cancel(s, id, 0), GS_OK);
        }
        static const char *const first[2] = {"4g.40gb", "1g.10gb"};
        for (uint32_t g = 0; g < 2; g++) {
            gs_job_spec spec = GS_JOB_SPEC_INIT;
            spec.gpus = 1;
            spec.mig_profile = first[g];
            spec.require_gpus = &g;
            spec.n_require_gpus = 1;
            uint64_t id;
            assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
            assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
            char buf[512];
            gs_alloc_entry e = entry(s, id, buf, sizeof buf);
            assert_int_equal(e.gpu_ids[0], g);
            assert_int_equal(e.mig_starts[0], g ? 6 : 0);
        }
        uint64_t id = mig_job(s, "1g.20gb", 1);
        assert_int_equal(gs_sched_step(s, 1, NULL), GS_OK);
        char buf[512];
        assert_int_equal(entry(s, id, buf, sizeof buf).gpu_ids[0],
                         learn ? 1 : 0);
        gs_sched_destroy(s);
    }
    gs_topo_destroy(t);
}

/* ---- random workloads ---------------------------------------------------- */

static uint64_t rng(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/*
 * Nodes of four A100 80GB: per node GPU 0 fixed (a layout from the list),
 * GPUs 1-2 dynamic, GPU 3 off; plus an H100 node, all dynamic. Random MIG,
 * whole and fractional jobs start and end; after every step the instances
 * read back from the allocations must form, per GPU, a legal layout by
 * mig.h (whose tables are checked by hand in test_mig.c), fixed
 * instances must be the layout's and used once, and no whole or
 * fractional job may hold a GPU in MIG mode.
 */
static void random_workloads(void **state)
{
    (void)state;
    static const char *const layouts[] = {"7g.80gb", "4g.40gb,3g.40gb",
                                          "3g.40gb,2g.20gb,1g.10gb",
                                          ("1g.10gb,1g.10gb,1g.10gb,1g.10gb,"
                                           "1g.10gb,1g.10gb,1g.10gb")};
    char json[4096];
    int at = snprintf(
        json, sizeof json,
        "{\"templates\": {\"a4\": {\"numa\": [{\"cpus\": \"0-31\", "
        "\"memory\": \"512GiB\"}], \"gpus\": {\"count\": 4, \"model\": "
        "\"NVIDIA A100-SXM4-80GB\", \"memory\": \"80GiB\", \"numa\": 0}}, "
        "\"h4\": {\"gpus\": {\"count\": 4, \"model\": \"NVIDIA H100 80GB "
        "HBM3\", \"memory\": \"80GiB\"}}}, \"nodes\": [");
    for (int n = 0; n < 4; n++)
        at += snprintf(json + at, sizeof json - (size_t)at,
                       "{\"name\": \"a%d\", \"template\": \"a4\", \"mig\": "
                       "[\"%s\", \"dynamic\", \"dynamic\", null]},",
                       n, layouts[n]);
    snprintf(json + at, sizeof json - (size_t)at,
             "{\"name\": \"h0\", \"template\": \"h4\", \"mig\": "
             "\"dynamic\"}]}");
    gs_topo *t = test_topo_json(json);
    static const char *const policies[] = {"best-fit", "first-fit", "spread",
                                           "frag-aware", "fgd",
                                           "nvlink-pack"};
    static const char *const profiles[] = {"1g.10gb", "1g.10gb+me", "1g.20gb",
                                           "2g.20gb", "3g.40gb", "4g.40gb",
                                           "7g.80gb"};
    for (size_t pi = 0; pi < sizeof policies / sizeof *policies; pi++) {
        gs_sched *s = make(t, policies[pi]);
        size_t seen_made = 0, seen_fixed = 0, seen_other = 0;
        uint64_t x = 0x9E3779B97F4A7C15ull + pi;
        uint64_t live[256];
        size_t nl = 0;
        for (int64_t now = 0; now < 300; now++) {
            int subs = (int)(rng(&x) % 4);
            for (int k = 0; k < subs; k++) {
                gs_job_spec spec = GS_JOB_SPEC_INIT;
                spec.submit_time = now;
                spec.cpus_per_gpu = 1;
                uint32_t kind = (uint32_t)(rng(&x) % 10);
                if (kind < 7) {
                    spec.mig_profile = profiles[rng(&x) % 7];
                    spec.gpus = 1 + (uint32_t)(rng(&x) % 4 == 0);
                } else if (kind < 9) {
                    spec.gpus = 1;
                    spec.gpu_milli = 100 + (uint32_t)(rng(&x) % 900);
                } else {
                    spec.gpus = 1 + (uint32_t)(rng(&x) % 2);
                }
                uint64_t id;
                if (gs_sched_submit(s, &spec, &id) == GS_OK && nl < 256)
                    live[nl++] = id;
            }
            assert_int_equal(gs_sched_step(s, now, NULL), GS_OK);
            assert_int_equal(gs_sched_check(s), GS_OK);
            /* per GPU: the instances the running jobs hold */
            gs_mig_instance inst[20][7];
            size_t ni[20] = {0};
            bool fixed_used[20][7];
            memset(fixed_used, 0, sizeof fixed_used);
            for (size_t i = 0; i < nl; i++) {
                gs_job_info ji = info(s, live[i]);
                if (ji.state != GS_JOB_RUNNING)
                    continue;
                char buf[1024];
                gs_alloc_entry e = entry(s, live[i], buf, sizeof buf);
                for (uint32_t g = 0; g < e.n_gpus; g++) {
                    uint32_t id = e.gpu_ids[g];
                    assert_true(id < 20);
                    gs_mig_mode mode;
                    gs_mig_gpu kind;
                    gs_mig_instance fl[7];
                    size_t nf = 0;
                    assert_int_equal(
                        gs_topo_gpu_mig(t, id, &mode, &kind, fl, 7, &nf),
                        GS_OK);
                    if (!ji.mig_profile) {
                        assert_int_equal(mode, GS_MIG_OFF);
                        seen_other++;
                        continue;
                    }
                    assert_int_not_equal(mode, GS_MIG_OFF);
                    uint32_t p;
                    assert_int_equal(
                        gs_mig_profile_find(kind, ji.mig_profile, &p), GS_OK);
                    if (mode == GS_MIG_FIXED) {
                        uint32_t k = e.mig_instances[g];
                        assert_true(k < nf);
                        assert_int_equal(fl[k].profile, p);
                        assert_int_equal(fl[k].start, e.mig_starts[g]);
                        assert_false(fixed_used[id][k]);
                        fixed_used[id][k] = true;
                        seen_fixed++;
                    } else {
                        assert_int_equal(e.mig_instances[g], GS_NONE);
                        assert_true(ni[id] < 7);
                        inst[id][ni[id]++] =
                            (gs_mig_instance){p, e.mig_starts[g]};
                        seen_made++;
                    }
                }
            }
            for (uint32_t g = 0; g < 20; g++) {
                gs_mig_mode mode;
                gs_mig_gpu kind = GS_MIG_A100_80GB;
                assert_int_equal(
                    gs_topo_gpu_mig(t, g, &mode, &kind, NULL, 0, NULL),
                    GS_OK);
                if (mode != GS_MIG_DYNAMIC)
                    continue;
                char why[160];
                assert_int_equal(gs_mig_layout_check(kind, inst[g], ni[g],
                                                     why, sizeof why),
                                 GS_OK);
            }
            /* some jobs end */
            for (size_t i = 0; i < nl;) {
                if (rng(&x) % 5 == 0) {
                    gs_sched_cancel(s, live[i], now);
                    live[i] = live[--nl];
                } else {
                    i++;
                }
            }
        }
        /* the workload kept every kind of GPU busy (instances counted
         * once per step they were seen) */
        if (seen_made < 500 || seen_fixed < 100 || seen_other < 100)
            fail_msg("%s: %zu made, %zu fixed instances, %zu other GPUs",
                     policies[pi], seen_made, seen_fixed, seen_other);
        gs_sched_destroy(s);
    }
    gs_topo_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(topo_mig_modes),
        cmocka_unit_test(topo_mig_errors),
        cmocka_unit_test(fixed_then_dynamic),
        cmocka_unit_test(first_fit_and_spread),
        cmocka_unit_test(submit_errors),
        cmocka_unit_test(accounting_and_failure),
        cmocka_unit_test(snapshot_keeps_instances),
        cmocka_unit_test(journal_replays_mig),
        cmocka_unit_test(preemption_frees_instances),
        cmocka_unit_test(backfill_reserves_mig_gpus),
        cmocka_unit_test(learned_profile_mix),
        cmocka_unit_test(random_workloads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
