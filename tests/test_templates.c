/*
 * The built-in templates encode the public facts their comments cite.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include <stdlib.h>

static gs_topo *load(const char *name)
{
    gs_topo *t = NULL;
    gs_status st = gs_topo_load(&t, name, NULL);
    if (st != GS_OK)
        fail_msg("%s: %s", name, gs_topo_errmsg(t));
    return t;
}

/* NVLinks a GPU shows towards every other GPU of its node, summed. */
static uint32_t links_of(const gs_topo *t, uint32_t node, uint32_t i)
{
    uint32_t first = gs_topo_node_first_gpu(t, node), sum = 0;
    for (uint32_t j = 0; j < gs_topo_node_gpu_count(t, node); j++) {
        if (j == i)
            continue;
        gs_link_info l;
        gs_link_info_init(&l);
        gs_topo_link(t, first + i, first + j, &l);
        if (l.kind == GS_LINK_NVLINK)
            sum += l.nvlinks;
    }
    return sum;
}

static void all_templates_load(void **state)
{
    (void)state;
    assert_int_equal(gs_template_count(), 10);
    for (size_t i = 0; i < gs_template_count(); i++) {
        gs_topo *t = load(gs_template_name(i));
        assert_true(gs_topo_gpu_count(t) > 0);
        assert_non_null(gs_template_description(i));
        assert_non_null(gs_template_json(i));
        for (uint32_t n = 0; n < gs_topo_node_count(t); n++) {
            uint32_t first = gs_topo_node_first_gpu(t, n);
            for (uint32_t g = 0; g < gs_topo_node_gpu_count(t, n); g++) {
                gs_gpu_info gi;
                gs_gpu_info_init(&gi);
                gs_topo_gpu_info(t, first + g, &gi);
                /* every GPU is known: model, memory, cc, SMs, NUMA */
                assert_non_null(gi.model);
                assert_true(gi.memory_bytes > 0);
                assert_true(gi.cc_major >= 6);
                assert_true(gi.sm_count > 0);
                assert_true(gi.numa < gs_topo_node_numa_count(t, n));
            }
        }
        gs_topo_destroy(t);
    }
    assert_null(gs_template_name(99));
    assert_int_equal(gs_template_is_cluster(99), -1);
}

/* The DGX-1 V100 template gives the same GPU cells as a real machine's
 * nvidia-smi topo -m: our own transcription, and the shared sample when
 * it is present. */
static void compare_with_smi(const gs_topo *t, const char *path)
{
    char *text = test_read_file(path, NULL);
    assert_non_null(text);
    char cells[64][8];
    int n = test_parse_smi_cells(text, cells, 8);
    free(text);
    assert_int_equal(n, 8);
    char buf[4096];
    assert_int_equal(gs_topo_node_matrix(t, 0, 0, buf, sizeof buf, NULL), GS_OK);
    char ours[64][8];
    assert_int_equal(test_parse_smi_cells(buf, ours, 8), 8);
    for (int i = 0; i < 64; i++)
        if (strcmp(cells[i], ours[i]) != 0)
            fail_msg("GPU%d-GPU%d: %s has %s, the template %s", i / 8, i % 8,
                     path, cells[i], ours[i]);
}

static void dgx1_v100_matches_real_machine(void **state)
{
    (void)state;
    gs_topo *t = load("dgx1-v100");
    compare_with_smi(t, test_data("dgx1-v100-topo-m.txt"));
    const char *shared = test_shared_data("topo-m/dgx1-v100.txt");
    if (shared)
        compare_with_smi(t, shared);
    else
        fprintf(stderr, "(../shared/data absent: compared with our own "
                        "fixture only)\n");
    /* 6 NVLink 2 links per V100 */
    for (uint32_t g = 0; g < 8; g++)
        assert_int_equal(links_of(t, 0, g), 6);
    /* hidden PCIe levels: GPU0-GPU3 share CPU 0 (NODE), GPU0-GPU4 do not */
    gs_link_info l;
    gs_link_info_init(&l);
    gs_topo_link(t, 0, 3, &l);
    assert_int_equal(l.pcie, GS_PCIE_NODE);
    gs_topo_link(t, 0, 4, &l);
    assert_int_equal(l.pcie, GS_PCIE_SYS);
    assert_true(l.bandwidth == 50.0);
    gs_topo_destroy(t);
}

static void nvlink_generations(void **state)
{
    (void)state;
    /* P100: 4 links of NVLink 1 at 20 GB/s */
    gs_topo *t = load("dgx1-p100");
    for (uint32_t g = 0; g < 8; g++)
        assert_int_equal(links_of(t, 0, g), 4);
    assert_true(gs_topo_bandwidth(t, 0, 1) == 20.0);
    gs_topo_destroy(t);

    struct {
        const char *name;
        uint32_t gpus, nv;
        double pair_bw;
        uint32_t cpus;
    } sw[] = {{"dgx2", 16, 6, 150.0, 96},
              {"dgx-a100", 8, 12, 300.0, 256},
              {"dgx-h100", 8, 18, 450.0, 224},
              {"hgx-b200", 8, 18, 900.0, 224},
              {"gb200-tray", 4, 18, 900.0, 144}};
    for (size_t k = 0; k < sizeof sw / sizeof sw[0]; k++) {
        t = load(sw[k].name);
        assert_int_equal(gs_topo_gpu_count(t), sw[k].gpus);
        assert_int_equal(gs_topo_node_cpu_count(t, 0), sw[k].cpus);
        for (uint32_t i = 0; i < sw[k].gpus; i++)
            for (uint32_t j = 0; j < sw[k].gpus; j++) {
                if (i == j)
                    continue;
                gs_link_info l;
                gs_link_info_init(&l);
                gs_topo_link(t, i, j, &l);
                assert_int_equal(l.kind, GS_LINK_NVSWITCH);
                assert_int_equal(l.nvlinks, sw[k].nv);
                assert_true(l.bandwidth == sw[k].pair_bw);
            }
        gs_topo_destroy(t);
    }
    /* DGX A100: GPU NUMA affinity from the user guide */
    t = load("dgx-a100");
    uint32_t want[] = {3, 3, 1, 1, 7, 7, 5, 5};
    for (uint32_t g = 0; g < 8; g++) {
        gs_gpu_info gi;
        gs_gpu_info_init(&gi);
        gs_topo_gpu_info(t, g, &gi);
        assert_int_equal(gi.numa, want[g]);
    }
    char cpus[64];
    gs_topo_gpu_local_cpus(t, 0, cpus, sizeof cpus, NULL);
    assert_string_equal(cpus, "48-63,176-191");
    gs_topo_destroy(t);
}

static void pcie_and_workstation(void **state)
{
    (void)state;
    gs_topo *t = load("pcie-8gpu");
    /* no NVLink: the best pair is a PIX pair (16 GB/s) */
    for (uint32_t i = 0; i < 8; i++)
        assert_int_equal(links_of(t, 0, i), 0);
    assert_true(gs_topo_bandwidth(t, 0, 1) == 16.0);
    assert_true(gs_topo_bandwidth(t, 0, 2) == 14.0);
    assert_true(gs_topo_bandwidth(t, 0, 4) == 6.0);
    gs_topo_destroy(t);
    t = load("workstation-2gpu-nvlink");
    assert_true(gs_topo_bandwidth(t, 0, 1) == 56.25);
    gs_link_info l;
    gs_link_info_init(&l);
    gs_topo_link(t, 0, 1, &l);
    assert_int_equal(l.nvlinks, 4);
    assert_int_equal(l.pcie, GS_PCIE_PHB);
    gs_topo_destroy(t);
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(all_templates_load),
        cmocka_unit_test(dgx1_v100_matches_real_machine),
        cmocka_unit_test(nvlink_generations),
        cmocka_unit_test(pcie_and_workstation),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (test_alloc_stats_get().live_blocks != 0)
        return 1;
    return rc;
}
