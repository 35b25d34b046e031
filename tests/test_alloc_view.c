/*
 * One node of an allocation in one call (gs_sched_alloc_entry), every
 * allocation call naming a node by its position, and a message for every
 * failing query. Expected values are worked out by hand from the dgx1-v100
 * template: GPUs 0-3 on NUMA domain 0 (CPUs 0-19), 4-7 on domain 1 (CPUs
 * 20-39).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"
#include "membuf.h"

#include <stdlib.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static gs_topo *two_dgx1(void)
{
    return test_topo_json("{\"nodes\": [{\"name\": \"d[1-2]\", \"template\": "
                          "\"dgx1-v100\"}]}");
}

/* A 12-GPU job, 4 CPUs and 1 GiB per GPU, allowed to split: 8 on d1, 4 on
 * d2. On d1: GPUs 0-7, CPUs 0-15 (GPUs 0-3) and 20-35 (GPUs 4-7); on d2:
 * four GPUs of one NUMA domain (nvlink-pack keeps them on one), 16 CPUs. */
static void entry_matches_hand_and_old_calls(void **state)
{
    (void)state;
    gs_topo *t = two_dgx1();
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    gs_job_spec sp = GS_JOB_SPEC_INIT;
    sp.gpus = 12;
    sp.cpus_per_gpu = 4;
    sp.mem_per_gpu = 1u << 30;
    sp.allow_split = 1;
    uint64_t id = 0;
    assert_int_equal(gs_sched_submit(s, &sp, &id), GS_OK);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    assert_int_equal(gs_sched_alloc_node_count(s, id), 2);
    char buf[512];
    gs_alloc_entry e;
    gs_alloc_entry_init(&e);
    assert_int_equal(gs_sched_alloc_entry(s, id, 0, &e, buf, sizeof buf),
                     GS_OK);
    assert_int_equal(e.node, 0);
    assert_string_equal(e.node_name, "d1");
    assert_int_equal(e.n_gpus, 8);
    for (uint32_t g = 0; g < 8; g++) {
        assert_int_equal(e.gpus[g], g);
        assert_int_equal(e.gpu_ids[g], g);
    }
    assert_string_equal(e.cuda_visible_devices, "0,1,2,3,4,5,6,7");
    assert_string_equal(e.cuda_visible_uuids, "0,1,2,3,4,5,6,7");
    assert_string_equal(e.cpulist, "0-15,20-35");
    assert_int_equal(e.n_cpus, 32);
    for (uint32_t c = 0; c < 16; c++) {
        assert_int_equal(e.cpus[c], c);
        assert_int_equal(e.cpus[16 + c], 20 + c);
    }
    assert_int_equal(e.memory, (uint64_t)8 << 30);
    assert_true(e.buf_needed <= sizeof buf);
    /* the second node, against the four separate calls */
    assert_int_equal(gs_sched_alloc_entry(s, id, 1, &e, buf, sizeof buf),
                     GS_OK);
    assert_string_equal(e.node_name, "d2");
    assert_int_equal(e.n_gpus, 4);
    assert_int_equal(e.gpu_ids[0], 8 + e.gpus[0]);
    gs_alloc_node an = GS_ALLOC_NODE_INIT;
    assert_int_equal(gs_sched_alloc_node(s, id, 1, &an), GS_OK);
    assert_int_equal(an.node, e.node);
    assert_int_equal(an.gpus, e.n_gpus);
    assert_int_equal(an.cpus, e.n_cpus);
    assert_int_equal(an.memory, e.memory);
    char cvd[64], cpus[64];
    uint32_t g[8];
    size_t ng = 0;
    assert_int_equal(gs_sched_cuda_visible_devices(s, id, 1, 0, cvd,
                                                   sizeof cvd, NULL),
                     GS_OK);
    assert_string_equal(cvd, e.cuda_visible_devices);
    assert_int_equal(gs_sched_alloc_cpus(s, id, 1, cpus, sizeof cpus, NULL),
                     GS_OK);
    assert_string_equal(cpus, e.cpulist);
    assert_int_equal(gs_sched_alloc_gpus(s, id, 1, g, 8, &ng), GS_OK);
    assert_int_equal(ng, 4);
    for (size_t i = 0; i < ng; i++)
        assert_int_equal(g[i], e.gpus[i]);
    /* 4 GPUs of one NUMA domain: 16 CPUs in it */
    assert_true(strcmp(e.cpulist, "0-15") == 0 ||
                strcmp(e.cpulist, "20-35") == 0);
    /* a buffer too small: only buf_needed, and a message saying so */
    gs_alloc_entry small;
    gs_alloc_entry_init(&small);
    assert_int_equal(gs_sched_alloc_entry(s, id, 0, &small, buf, 8),
                     GS_ENOSPC);
    assert_true(small.buf_needed > 8);
    assert_non_null(strstr(gs_sched_errmsg(s), "too small"));
    assert_null(small.node_name);
    /* with exactly buf_needed bytes it fits, whatever the alignment */
    for (size_t off = 0; off < 4; off++) {
        assert_int_equal(gs_sched_alloc_entry(s, id, 0, &small, buf + off,
                                              small.buf_needed),
                         GS_OK);
        assert_int_equal((uintptr_t)small.cpus % 4, 0);
        assert_int_equal(small.cpus[31], 35);
    }
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* Every failing query says what and which. */
static void failing_queries_say_why(void **state)
{
    (void)state;
    gs_topo *t = two_dgx1();
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    gs_job_spec sp = GS_JOB_SPEC_INIT;
    sp.gpus = 2;
    uint64_t a = 0, b = 0;
    assert_int_equal(gs_sched_submit(s, &sp, &a), GS_OK);
    sp.gpus = 16;
    sp.allow_split = 1;
    assert_int_equal(gs_sched_submit(s, &sp, &b), GS_OK);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK); /* b waits */
    char buf[64];
    gs_alloc_entry e;
    gs_alloc_entry_init(&e);
    gs_alloc_node an = GS_ALLOC_NODE_INIT;
    uint32_t g[2];
    size_t n;
    gs_job_info ji = GS_JOB_INFO_INIT;
    static const struct {
        const char *what;
        int which;
        gs_status want;
        const char *words;
    } cases[] = {
        {"entry, unknown job", 0, GS_ENOTFOUND, "no job 99"},
        {"entry, position 5", 1, GS_EINVAL, "position 5"},
        {"entry, never started", 2, GS_EINVAL, "never started"},
        {"cvd, position 3", 3, GS_EINVAL, "position 3"},
        {"cvd, bad flags", 4, GS_EINVAL, "flags"},
        {"cvd, small buffer", 5, GS_ENOSPC, "needs 4"},
        {"gpus, small array", 6, GS_ENOSPC, "room for 1"},
        {"cpus, unknown job", 7, GS_ENOTFOUND, "no job 0"},
        {"node, NULL out", 8, GS_EINVAL, "struct_size"},
        {"job info, unknown", 9, GS_ENOTFOUND, "no job 77"},
        {"reason text, small", 10, GS_ENOSPC, "reason text"},
        {"event 0 of none", 11, GS_EINVAL, "out of range"},
        {"partition 0 of none", 12, GS_EINVAL, "partition 0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gs_status st = GS_OK;
        gs_event ev = GS_EVENT_INIT;
        gs_partition_info pi = GS_PARTITION_INFO_INIT;
        switch (cases[i].which) {
        case 0: st = gs_sched_alloc_entry(s, 99, 0, &e, buf, sizeof buf); break;
        case 1: st = gs_sched_alloc_entry(s, a, 5, &e, buf, sizeof buf); break;
        case 2: st = gs_sched_alloc_entry(s, b, 0, &e, buf, sizeof buf); break;
        case 3:
            st = gs_sched_cuda_visible_devices(s, a, 3, 0, buf, sizeof buf,
                                               NULL);
            break;
        case 4:
            st = gs_sched_cuda_visible_devices(s, a, 0, 8, buf, sizeof buf,
                                               NULL);
            break;
        case 5:
            st = gs_sched_cuda_visible_devices(s, a, 0, 0, buf, 2, &n);
            assert_int_equal(n, 3); /* "0,3" or alike: 3 characters */
            break;
        case 6: st = gs_sched_alloc_gpus(s, a, 0, g, 1, &n); break;
        case 7: st = gs_sched_alloc_cpus(s, 0, 0, buf, sizeof buf, NULL); break;
        case 8: st = gs_sched_alloc_node(s, a, 0, NULL); break;
        case 9: st = gs_sched_job_info(s, 77, &ji); break;
        case 10:
            st = gs_sched_job_reason_text(s, b, buf, 4, NULL);
            break;
        case 11:
            gs_sched_events_consume(s, gs_sched_event_count(s));
            st = gs_sched_event(s, 0, &ev);
            break;
        case 12: st = gs_sched_partition_info(s, 0, &pi); break;
        }
        if (st != cases[i].want)
            fail_msg("%s: %s, want %s", cases[i].what, gs_status_name(st),
                     gs_status_name(cases[i].want));
        if (!strstr(gs_sched_errmsg(s), cases[i].words))
            fail_msg("%s: message \"%s\" lacks \"%s\"", cases[i].what,
                     gs_sched_errmsg(s), cases[i].words);
    }
    (void)an;
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* Accounting: h1 (8 H100) and v1 (8 V100); a 12-GPU job (any model, may
 * split, 2 CPUs per GPU) starts at 10; at clock 110 it has run 100 s: 8
 * H100 -> 800 GPU-seconds, 4 V100 -> 400, 24 CPUs -> 2400 CPU-seconds on
 * its first line. It ends at 160: 1200 and 600, 3600. */
static void accounting_records(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json("{\"nodes\": [{\"name\": \"h1\", "
                                "\"template\": \"dgx-h100\"}, {\"name\": "
                                "\"v1\", \"template\": \"dgx1-v100\"}]}");
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    gs_job_spec sp = GS_JOB_SPEC_INIT;
    sp.gpus = 12;
    sp.allow_split = 1;
    sp.any_model = 1;
    sp.cpus_per_gpu = 2;
    sp.name = "train, \"big\"";
    sp.user = "alice";
    sp.submit_time = 5;
    uint64_t id = 0, other = 0;
    assert_int_equal(gs_sched_submit(s, &sp, &id), GS_OK);
    gs_job_spec w = GS_JOB_SPEC_INIT;
    w.gpus = 8;
    w.submit_time = 5;
    assert_int_equal(gs_sched_submit(s, &w, &other), GS_OK); /* waits */
    assert_int_equal(gs_sched_step(s, 10, NULL), GS_OK);
    assert_int_equal(gs_sched_step(s, 110, NULL), GS_OK);
    char buf[512];
    size_t len = 0;
    assert_int_equal(gs_sched_job_accounting(s, id, buf, sizeof buf, &len),
                     GS_OK);
    assert_string_equal(buf,
                        "1,\"train, \"\"big\"\"\",alice,,,running,5,10,110,"
                        "8,NVIDIA H100 80GB HBM3,800,2400\n"
                        "1,\"train, \"\"big\"\"\",alice,,,running,5,10,110,"
                        "4,Tesla V100-SXM2-32GB,400,0\n");
    assert_int_equal(len, strlen(buf));
    assert_int_equal(gs_sched_job_accounting(s, id, buf, 10, &len),
                     GS_ENOSPC);
    assert_non_null(strstr(gs_sched_errmsg(s), "too small"));
    assert_int_equal(gs_sched_job_accounting(s, other, buf, sizeof buf, &len),
                     GS_OK);
    assert_string_equal(buf, ""); /* never started */
    assert_int_equal(gs_sched_job_accounting(s, 42, buf, sizeof buf, &len),
                     GS_ENOTFOUND);
    assert_int_equal(gs_sched_complete(s, id, 160), GS_OK);
    membuf m = {0};
    assert_int_equal(gs_sched_export_accounting(s, membuf_write, &m), GS_OK);
    assert_int_equal(membuf_write(&m, "", 1), GS_OK);
    assert_string_equal((const char *)m.p,
                        "job,name,user,account,partition,state,submit,start,"
                        "end,gpus,model,gpu_seconds,cpu_seconds\n"
                        "1,\"train, \"\"big\"\"\",alice,,,completed,5,10,160,"
                        "8,NVIDIA H100 80GB HBM3,1200,3600\n"
                        "1,\"train, \"\"big\"\"\",alice,,,completed,5,10,160,"
                        "4,Tesla V100-SXM2-32GB,600,0\n");
    free(m.p);
    assert_int_equal(gs_sched_export_accounting(s, NULL, NULL), GS_EINVAL);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* Usage saved and loaded back: the same usages (bit for bit where charged
 * at the export's time). */
static void usage_round_trip(void **state)
{
    (void)state;
    gs_share *a = NULL, *b = NULL;
    assert_int_equal(gs_share_create(&a), GS_OK);
    assert_int_equal(gs_share_create(&b), GS_OK);
    static const char tree[] =
        "{\"accounts\": [{\"name\": \"phys\"}, {\"name\": \"chem\"}],"
        " \"users\": [{\"name\": \"u1\", \"account\": \"phys\"},"
        " {\"name\": \"u2\", \"account\": \"chem\"}]}";
    assert_int_equal(gs_share_load_accounts(a, tree, strlen(tree), "t"), GS_OK);
    assert_int_equal(gs_share_load_accounts(b, tree, strlen(tree), "t"), GS_OK);
    assert_int_equal(gs_share_set_half_life(a, 3600), GS_OK);
    assert_int_equal(gs_share_set_half_life(b, 3600), GS_OK);
    assert_int_equal(gs_share_set_usage(a, "u1", "phys", 1234.5678901234567,
                                        500),
                     GS_OK);
    assert_int_equal(gs_share_set_usage(a, "u2", "chem", 1.0 / 3.0, 500),
                     GS_OK);
    assert_int_equal(gs_share_set_usage(a, NULL, "chem", 7e10, 500), GS_OK);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(gs_share_save_usage(a, &text, &len), GS_OK);
    assert_non_null(strstr(text, "# as of 500\n"));
    assert_int_equal(gs_share_load_usage(b, text, len, "export"), GS_OK);
    const char *who[3][2] = {{"u1", "phys"}, {"u2", "chem"}, {NULL, "chem"}};
    for (int i = 0; i < 3; i++)
        for (double now = 500; now <= 9000; now += 4250) {
            double x = gs_share_usage(a, who[i][0], who[i][1], now);
            double y = gs_share_usage(b, who[i][0], who[i][1], now);
            assert_memory_equal(&x, &y, sizeof x);
        }
    gs_free(text);
    assert_int_equal(gs_share_load_usage(b, "# as of x\n", 10, "bad"),
                     GS_EPARSE);
    assert_non_null(strstr(gs_share_errmsg(b), "bad:1:9"));
    assert_int_equal(gs_share_save_usage(a, NULL, NULL), GS_EINVAL);
    gs_share_destroy(a);
    gs_share_destroy(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(entry_matches_hand_and_old_calls),
        cmocka_unit_test(failing_queries_say_why),
        cmocka_unit_test(accounting_records),
        cmocka_unit_test(usage_round_trip),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    return test_alloc_stats_get().live_blocks ? 1 : rc;
}
