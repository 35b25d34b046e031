/*
 * The hwloc importer: fixtures written by hand (tests/data/hwloc/, see its
 * README.md for each tree), the real DGX-2H export when ../shared/data has
 * it, the live machine, errors, round trips and allocation failures.
 *
 * Every expected value below was worked out from the XML trees by hand
 * (README.md, and `hwloc-ls --input FILE -v` for the DGX-2H), not copied
 * from what the importer prints.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#define GIB (UINT64_C(1) << 30)

enum { PIX = GS_PCIE_PIX, PXB = GS_PCIE_PXB, PHB = GS_PCIE_PHB,
       NODE = GS_PCIE_NODE, SYS = GS_PCIE_SYS };

/* ---- helpers ----------------------------------------------------------- */

/* Warnings collected from the load options. */
typedef struct warnings {
    int count;
    char text[4096];
} warnings;

static void collect(void *user, const char *msg)
{
    warnings *w = user;
    size_t used = strlen(w->text);
    snprintf(w->text + used, sizeof w->text - used, "%s\n", msg);
    w->count++;
}

static gs_topo *load_fixture(const char *path, warnings *w)
{
    gs_load_options o;
    gs_load_options_init(&o);
    if (w) {
        memset(w, 0, sizeof *w);
        o.warn = collect;
        o.warn_user = w;
    }
    gs_topo *t = NULL;
    gs_status st = gs_topo_load_hwloc(&t, path, &o);
    if (st != GS_OK) {
        fprintf(stderr, "%s: %s: %s\n", path, gs_status_name(st),
                gs_topo_errmsg(t));
        gs_topo_destroy(t);
        fail();
    }
    return t;
}

static gs_gpu_info gpu(const gs_topo *t, uint32_t g)
{
    gs_gpu_info i;
    gs_gpu_info_init(&i);
    assert_int_equal(gs_topo_gpu_info(t, g, &i), GS_OK);
    return i;
}

static gs_link_info link_of(const gs_topo *t, uint32_t a, uint32_t b)
{
    gs_link_info l;
    gs_link_info_init(&l);
    assert_int_equal(gs_topo_link(t, a, b, &l), GS_OK);
    return l;
}

static void assert_cpus(const gs_topo *t, uint32_t numa, const char *want)
{
    char buf[256];
    assert_int_equal(gs_topo_numa_cpus(t, 0, numa, buf, sizeof buf, NULL),
                     GS_OK);
    assert_string_equal(buf, want);
}

static void assert_gpu_cpus(const gs_topo *t, uint32_t g, const char *want)
{
    char buf[256];
    assert_int_equal(gs_topo_gpu_local_cpus(t, g, buf, sizeof buf, NULL),
                     GS_OK);
    assert_string_equal(buf, want);
}

/* Every pair of a node: the PCIe level, the shown NVLink count and the
 * source; the kind and bandwidth are checked by the callers. */
static void assert_levels(const gs_topo *t, uint32_t n, const int *pcie,
                          const int *nv)
{
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < n; j++) {
            if (i == j)
                continue;
            gs_link_info l = link_of(t, i, j);
            if ((int)l.pcie != pcie[i * n + j] ||
                (int)l.nvlinks != (nv ? nv[i * n + j] : 0))
                fail_msg("GPU%u-GPU%u: got %s NV%u, want %s NV%d", i, j,
                         gs_pcie_level_name(l.pcie), l.nvlinks,
                         gs_pcie_level_name((gs_pcie_level)pcie[i * n + j]),
                         nv ? nv[i * n + j] : 0);
            assert_int_equal(l.source, GS_SOURCE_HWLOC);
        }
}

/* gs_topo_to_json -> gs_topo_load_buffer -> gs_topo_to_json gives the same
 * text, and every pair keeps its facts. */
static void check_roundtrip(const gs_topo *t)
{
    char *j1 = NULL, *j2 = NULL;
    size_t n1 = 0;
    assert_int_equal(gs_topo_to_json(t, &j1, &n1), GS_OK);
    gs_topo *u = NULL;
    gs_status st = gs_topo_load_buffer(&u, j1, n1, "saved.json", NULL);
    if (st != GS_OK)
        fail_msg("reloading failed: %s\n%s", gs_topo_errmsg(u), j1);
    assert_int_equal(gs_topo_to_json(u, &j2, NULL), GS_OK);
    assert_string_equal(j1, j2);
    uint32_t ng = gs_topo_gpu_count(t);
    assert_int_equal(gs_topo_gpu_count(u), ng);
    assert_int_equal(gs_topo_node_numa_count(u, 0),
                     gs_topo_node_numa_count(t, 0));
    for (uint32_t d = 0; d < gs_topo_node_numa_count(t, 0); d++)
        assert_int_equal(gs_topo_numa_os_id(u, 0, d),
                         gs_topo_numa_os_id(t, 0, d));
    for (uint32_t i = 0; i < ng; i++) {
        gs_gpu_info a = gpu(t, i), b = gpu(u, i);
        assert_int_equal(a.numa, b.numa);
        assert_int_equal(a.fabric, b.fabric);
        assert_int_equal(a.fabric_links, b.fabric_links);
        for (uint32_t j = 0; j < ng; j++) {
            gs_link_info x = link_of(t, i, j), y = link_of(u, i, j);
            assert_int_equal(x.kind, y.kind);
            assert_int_equal(x.nvlinks, y.nvlinks);
            assert_int_equal(x.pcie, y.pcie);
            assert_true(x.bandwidth == y.bandwidth);
            assert_int_equal(x.source, y.source);
            assert_int_equal(x.bandwidth_explicit, y.bandwidth_explicit);
        }
    }
    gs_free(j1);
    gs_free(j2);
    gs_topo_destroy(u);
}

/* Run the tool; capture stdout and stderr. */
static int run_tool(const char *args, char *out, size_t cap)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", GS_TOOL_PATH, args);
    return test_run_command(cmd, out, cap);
}

static char tool_out[1 << 16];

/* ---- pcie-only.xml ----------------------------------------------------- */

/* GPU0 05:00.0 and GPU1 06:00.0 share the switch 03:00.0; GPU2 07:00.0
 * meets them at the switch above (01:00.0) through two switch levels; GPU3
 * 09:00.0 is on another root port of host bridge 00-0f; GPU5 81:00.0 on
 * the package's second host bridge; GPU4 41:00.0 on package 1. */
static const int pcie_only_levels[36] = {
    0,    PIX,  PXB,  PHB,  SYS,  NODE,
    PIX,  0,    PXB,  PHB,  SYS,  NODE,
    PXB,  PXB,  0,    PHB,  SYS,  NODE,
    PHB,  PHB,  PHB,  0,    SYS,  NODE,
    SYS,  SYS,  SYS,  SYS,  0,    SYS,
    NODE, NODE, NODE, NODE, SYS,  0,
};

static void pcie_only(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture(test_data("hwloc/pcie-only.xml"), &w);
    assert_int_equal(w.count, 0);
    assert_int_equal(gs_topo_node_count(t), 1);
    assert_string_equal(gs_topo_node_name(t, 0), "localhost");
    assert_int_equal(gs_topo_node_numa_count(t, 0), 2);
    assert_cpus(t, 0, "0-3");
    assert_cpus(t, 1, "4-7");
    assert_true(gs_topo_numa_memory(t, 0, 0) == 64 * GIB);
    assert_true(gs_topo_numa_memory(t, 0, 1) == 64 * GIB);
    assert_int_equal(gs_topo_node_cpu_count(t, 0), 8);
    /* six GPUs: not the ASPEED VGA (card0) nor the GPU's audio function */
    assert_int_equal(gs_topo_gpu_count(t), 6);
    static const char *const bus[6] = {"0000:05:00.0", "0000:06:00.0",
                                       "0000:07:00.0", "0000:09:00.0",
                                       "0000:41:00.0", "0000:81:00.0"};
    static const uint32_t numa[6] = {0, 0, 0, 0, 1, 0};
    for (uint32_t g = 0; g < 6; g++) {
        gs_gpu_info i = gpu(t, g);
        assert_string_equal(i.pci_bus_id, bus[g]);
        assert_int_equal(i.numa, numa[g]);
        assert_int_equal(i.fabric, GS_NONE);
        assert_int_equal(i.fabric_links, 0);
        assert_gpu_cpus(t, g, numa[g] ? "4-7" : "0-3");
    }
    /* attributes: NVML + CUDA, a bare PCI device, OpenCL, nothing */
    gs_gpu_info i0 = gpu(t, 0), i1 = gpu(t, 1), i2 = gpu(t, 2), i3 = gpu(t, 3);
    assert_string_equal(i0.model, "Tesla V100-PCIE-16GB");
    assert_string_equal(i0.uuid, "GPU-00000000-0000-0000-0000-000000000005");
    assert_true(i0.memory_bytes == 16 * GIB);
    assert_int_equal(i0.sm_count, 80);
    assert_int_equal(i0.cc_major, 0); /* hwloc does not export it */
    assert_string_equal(i1.model, "GV100GL [Tesla V100 PCIe 16GB]");
    assert_null(i1.uuid);
    assert_true(i1.memory_bytes == 0);
    assert_string_equal(i2.model, "Tesla T4");
    assert_true(i2.memory_bytes == UINT64_C(15458304) * 1024);
    assert_int_equal(i2.sm_count, 0);
    assert_true(i3.model == NULL || i3.model[0] == '\0');
    assert_levels(t, 6, pcie_only_levels, NULL);
    /* PCIe only: the default bandwidth of each level */
    static const double bw[6] = {0, 16, 14, 12, 10, 6};
    for (uint32_t a = 0; a < 6; a++)
        for (uint32_t b = 0; b < 6; b++)
            if (a != b) {
                gs_link_info l = link_of(t, a, b);
                assert_int_equal(l.kind, GS_LINK_PCIE);
                assert_true(l.bandwidth == bw[pcie_only_levels[a * 6 + b]]);
                assert_int_equal(l.bandwidth_explicit, 0);
            }
    check_roundtrip(t);
    gs_topo_destroy(t);
}

/* ---- nvlink-direct.xml ------------------------------------------------- */

/* nvml0..3 with a direct NVLinkBandwidth matrix (MB/s): 0-1 50000, 0-2
 * 25000, 0-3 25000 in one direction only, 1-2 25000, 1-3 20000 (not a
 * multiple of 25000), 2-3 50000; cuda0 repeats part of nvml0's row; every
 * GPU has 25000 to the Package (a GPU-CPU link, ignored). */
static void nvlink_direct(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture(test_data("hwloc/nvlink-direct.xml"), &w);
    assert_int_equal(w.count, 0);
    assert_int_equal(gs_topo_gpu_count(t), 4);
    assert_int_equal(gs_topo_node_numa_count(t, 0), 1);
    assert_cpus(t, 0, "0-3");
    assert_true(gs_topo_numa_memory(t, 0, 0) == 256 * GIB);
    static const char *const bus[4] = {"0000:03:00.0", "0000:04:00.0",
                                       "0000:07:00.0", "0000:08:00.0"};
    for (uint32_t g = 0; g < 4; g++) {
        gs_gpu_info i = gpu(t, g);
        char uuid[64];
        snprintf(uuid, sizeof uuid, "GPU-1111111%u-2222-3333-4444-555555555555",
                 g);
        assert_string_equal(i.pci_bus_id, bus[g]);
        assert_string_equal(i.model, "Tesla V100-SXM2-32GB");
        assert_string_equal(i.uuid, uuid);
        assert_true(i.memory_bytes == 32 * GIB);
        assert_int_equal(i.sm_count, 80);
        assert_int_equal(i.numa, 0);
        assert_int_equal(i.fabric, GS_NONE);
        assert_int_equal(gs_topo_find_gpu_uuid(t, uuid), g);
    }
    /* 03 and 04 share the switch 01:00.0; 07 and 08 the switch 05:00.0;
     * across, the host bridge */
    static const int pcie[16] = {0,   PIX, PHB, PHB, PIX, 0,   PHB, PHB,
                                 PHB, PHB, 0,   PIX, PHB, PHB, PIX, 0};
    static const int nv[16] = {0, 2, 1, 1, 2, 0, 1, 1,
                               1, 1, 0, 2, 1, 1, 2, 0};
    assert_levels(t, 4, pcie, nv);
    static const double bw[16] = {0,  50, 25, 25, 50, 0,  25, 20,
                                  25, 25, 0,  50, 25, 20, 50, 0};
    for (uint32_t a = 0; a < 4; a++)
        for (uint32_t b = 0; b < 4; b++)
            if (a != b) {
                gs_link_info l = link_of(t, a, b);
                assert_int_equal(l.kind, GS_LINK_NVLINK);
                assert_true(l.bandwidth == bw[a * 4 + b]);
                /* only the 20 GB/s pair keeps an explicit bandwidth */
                assert_int_equal(l.bandwidth_explicit,
                                 (a == 1 && b == 3) || (a == 3 && b == 1));
            }
    check_roundtrip(t);
    gs_topo_destroy(t);
}

/* ---- nvswitch.xml ------------------------------------------------------ */

/* Switches S0 72:00.0, S1 73:00.0, S2 74:00.0, S3 75:00.0 (id 0000:0000,
 * class 0000). GPU0: 50000 to S0 + 25000 to S1 = 3 links, GPU1: 25000 +
 * 25000 = 2, plus a direct 25000 wire GPU0-GPU1; GPU2, GPU3: 75000 to S2
 * (3 links); GPU4, GPU5: 50000 to S3 (2 links); S2-S3 100000 (a trunk):
 * fabrics {0, 1} and {2, 3, 4, 5}. Every GPU on its own root port of one
 * host bridge: PHB. */
static void nvswitch_fabrics(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture(test_data("hwloc/nvswitch.xml"), &w);
    assert_int_equal(gs_topo_gpu_count(t), 6);
    static const uint32_t fabric[6] = {0, 0, 1, 1, 1, 1};
    static const uint32_t links[6] = {3, 2, 3, 3, 2, 2};
    for (uint32_t g = 0; g < 6; g++) {
        gs_gpu_info i = gpu(t, g);
        assert_int_equal(i.fabric, fabric[g]);
        assert_int_equal(i.fabric_links, links[g]);
        assert_string_equal(i.model, "NVIDIA A100-SXM4-40GB");
        assert_null(i.uuid);
    }
    /* shown NVLinks: direct + min of the two fabric link counts */
    static const int nv[36] = {0, 3, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0,
                               0, 0, 0, 3, 2, 2, 0, 0, 3, 0, 2, 2,
                               0, 0, 2, 2, 0, 2, 0, 0, 2, 2, 2, 0};
    int pcie[36];
    for (int k = 0; k < 36; k++)
        pcie[k] = k / 6 == k % 6 ? 0 : PHB;
    assert_levels(t, 6, pcie, nv);
    gs_link_info l = link_of(t, 0, 1);
    assert_int_equal(l.kind, GS_LINK_NVSWITCH);
    assert_true(l.bandwidth == 75);
    l = link_of(t, 2, 3);
    assert_int_equal(l.kind, GS_LINK_NVSWITCH);
    assert_true(l.bandwidth == 75);
    l = link_of(t, 3, 5);
    assert_int_equal(l.kind, GS_LINK_NVSWITCH);
    assert_true(l.bandwidth == 50);
    l = link_of(t, 1, 2);
    assert_int_equal(l.kind, GS_LINK_PCIE);
    assert_true(l.bandwidth == 12);
    /* two fabrics that nothing joins: one warning naming them */
    assert_int_equal(w.count, 1);
    assert_non_null(strstr(w.text, "2 NVSwitch fabrics"));
    assert_non_null(strstr(w.text, "fabric 0: GPUs 0-1; fabric 1: GPUs 2-5"));
    check_roundtrip(t);
    gs_topo_destroy(t);
}

/* ---- the real DGX-2H export -------------------------------------------- */

static void dgx2h(void **state)
{
    (void)state;
    const char *path = test_shared_data("hwloc/nvidia-dgx2h.xml");
    if (!path)
        skip();
    warnings w;
    gs_load_options o;
    gs_load_options_init(&o);
    o.hostname = "dgx2h";
    o.warn = collect;
    o.warn_user = &w;
    memset(&w, 0, sizeof w);
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_load_hwloc(&t, path, &o), GS_OK);
    assert_string_equal(gs_topo_node_name(t, 0), "dgx2h");
    assert_int_equal(gs_topo_node_numa_count(t, 0), 2);
    assert_cpus(t, 0, "0-1");
    assert_cpus(t, 1, "24-25");
    assert_true(gs_topo_numa_memory(t, 0, 0) == UINT64_C(810234351616));
    assert_true(gs_topo_numa_memory(t, 0, 1) == UINT64_C(811737923584));
    assert_int_equal(gs_topo_gpu_count(t), 16);
    /* the 3D-class PCI devices of the tree, in bus order */
    static const char *const bus[16] = {
        "0000:34:00.0", "0000:36:00.0", "0000:39:00.0", "0000:3b:00.0",
        "0000:57:00.0", "0000:59:00.0", "0000:5c:00.0", "0000:5e:00.0",
        "0000:b7:00.0", "0000:b9:00.0", "0000:bc:00.0", "0000:be:00.0",
        "0000:e0:00.0", "0000:e2:00.0", "0000:e5:00.0", "0000:e7:00.0"};
    for (uint32_t g = 0; g < 16; g++) {
        gs_gpu_info i = gpu(t, g);
        assert_string_equal(i.pci_bus_id, bus[g]);
        assert_string_equal(i.model, "Tesla V100-SXM3-32GB-H");
        assert_int_equal(i.numa, g / 8);
        assert_int_equal(i.fabric, g / 8);
        assert_int_equal(i.fabric_links, 6);
        assert_non_null(i.uuid);
    }
    assert_string_equal(gpu(t, 0).uuid,
                        "GPU-d3977428-7a30-086b-2e20-5c1eeed647c6");
    /* The tree: each host bridge has two second-level switches of two GPUs
     * (34,36 | 39,3b under 2b; 57,59 | 5c,5e under 4e; b7,b9 | bc,be under
     * ae; e0,e2 | e5,e7 under d7); two host bridges per package. So: same
     * second-level switch PIX, same host bridge PXB (via 2c:00.0 and the
     * like, four levels up), same package NODE, else SYS. */
    int pcie[256], nv[256];
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++) {
            int k = i * 16 + j;
            pcie[k] = i == j            ? 0
                      : i / 2 == j / 2  ? PIX
                      : i / 4 == j / 4  ? PXB
                      : i / 8 == j / 8  ? NODE
                                        : SYS;
            nv[k] = i != j && i / 8 == j / 8 ? 6 : 0;
        }
    assert_levels(t, 16, pcie, nv);
    for (uint32_t a = 0; a < 16; a++)
        for (uint32_t b = 0; b < 16; b++)
            if (a != b) {
                gs_link_info l = link_of(t, a, b);
                bool same = a / 8 == b / 8;
                assert_int_equal(l.kind,
                                 same ? GS_LINK_NVSWITCH : GS_LINK_PCIE);
                assert_true(l.bandwidth == (same ? 150 : 6));
            }
    /* the baseboards are not joined in the export: said once */
    assert_int_equal(w.count, 1);
    assert_non_null(strstr(w.text, "2 NVSwitch fabrics"));
    assert_non_null(strstr(w.text, "fabric 0: GPUs 0-7; fabric 1: GPUs 8-15"));
    assert_non_null(strstr(w.text, "trunks"));
    check_roundtrip(t);
    gs_topo_destroy(t);

    /* the command-line tool shows it, NV6 within a baseboard */
    char args[1024];
    snprintf(args, sizeof args, "topo show '%s'", path);
    assert_int_equal(run_tool(args, tool_out, sizeof tool_out), 0);
    assert_non_null(strstr(tool_out, "GPU0\t X \tNV6\tNV6\tNV6\tNV6\tNV6\tNV6"
                                     "\tNV6\tSYS\t"));
    assert_non_null(strstr(tool_out, "GPU15\tSYS\t"));
    assert_non_null(strstr(tool_out, "warning:"));
    assert_non_null(strstr(tool_out, "16 GPUs"));
}

/* ---- real-machine shapes ----------------------------------------------- */

/* v1-numa-gpus.xml, an hwloc 1.11 export (format 1: no version, NUMANode
 * objects as parents, Socket and Cache types, <distances>): NUMA node 0
 * holds PUs 0-3 (PU 3 not in allowed_cpuset, PU 8 offline: only in
 * complete_cpuset), node 1 PUs 4-7 (PU 9 offline), 32 GiB each. GPUs
 * 01:00.0 and 02:00.0 sit on root ports 00:01.0 and 00:02.0 of the host
 * bridge under node 0, 81:00.0 under node 1. */
static const int v1_levels[9] = {
    0,   PHB, SYS,
    PHB, 0,   SYS,
    SYS, SYS, 0,
};

static void hwloc1_export(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture(test_data("hwloc/v1-numa-gpus.xml"), &w);
    assert_int_equal(w.count, 0);
    assert_int_equal(gs_topo_node_numa_count(t, 0), 2);
    /* disallowed CPUs stay (the whole machine), offline ones go */
    assert_cpus(t, 0, "0-3");
    assert_cpus(t, 1, "4-7");
    assert_int_equal(gs_topo_node_cpu_count(t, 0), 8);
    assert_true(gs_topo_numa_memory(t, 0, 0) == 32 * GIB);
    assert_true(gs_topo_numa_memory(t, 0, 1) == 32 * GIB);
    assert_int_equal(gs_topo_gpu_count(t), 3);
    static const char *const bus[3] = {"0000:01:00.0", "0000:02:00.0",
                                       "0000:81:00.0"};
    static const uint32_t numa[3] = {0, 0, 1};
    for (uint32_t g = 0; g < 3; g++) {
        gs_gpu_info i = gpu(t, g);
        char uuid[64];
        snprintf(uuid, sizeof uuid,
                 "GPU-v1v1v1v%u-0000-1111-2222-333333333333", g);
        assert_string_equal(i.pci_bus_id, bus[g]);
        assert_int_equal(i.numa, numa[g]);
        assert_string_equal(i.model, "Tesla V100-PCIE-16GB");
        assert_string_equal(i.uuid, uuid);
        assert_true(i.memory_bytes == UINT64_C(16508928) * 1024);
        assert_int_equal(i.sm_count, 80);
        assert_gpu_cpus(t, g, numa[g] ? "4-7" : "0-3");
    }
    assert_levels(t, 3, v1_levels, NULL);
    check_roundtrip(t);
    gs_topo_destroy(t);

    /* hwloc 1.x showed no NUMA node on a machine without NUMA: hwloc 2
     * adds one, with the Machine's memory */
    static const char flat[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<topology>\n"
        "<object type=\"Machine\" os_index=\"0\" cpuset=\"0x3\" "
        "complete_cpuset=\"0x3\" online_cpuset=\"0x3\" allowed_cpuset=\"0x3\" "
        "local_memory=\"8589934592\">\n"
        "<object type=\"PU\" os_index=\"0\" cpuset=\"0x1\" "
        "complete_cpuset=\"0x1\" online_cpuset=\"0x1\" allowed_cpuset=\"0x1\"/>\n"
        "<object type=\"PU\" os_index=\"1\" cpuset=\"0x2\" "
        "complete_cpuset=\"0x2\" online_cpuset=\"0x2\" allowed_cpuset=\"0x2\"/>\n"
        "</object>\n</topology>\n";
    gs_load_options o;
    gs_load_options_init(&o);
    o.format = GS_FORMAT_HWLOC_XML;
    t = NULL;
    gs_status st = gs_topo_load_buffer(&t, flat, sizeof flat - 1, "flat.xml",
                                       &o);
    if (st != GS_OK)
        fail_msg("flat.xml: %s", gs_topo_errmsg(t));
    assert_int_equal(gs_topo_node_numa_count(t, 0), 1);
    assert_cpus(t, 0, "0-1");
    assert_true(gs_topo_numa_memory(t, 0, 0) == 8 * GIB);
    assert_int_equal(gs_topo_gpu_count(t), 0);
    gs_topo_destroy(t);
}

/* power8-nvlink1.xml, trimmed from an IBM S822LC (POWER8 + 4 P100): each
 * GPU alone under its own PCI domain's host bridge, two per package.
 * NVLinkBandwidth (MB/s) over nvml0-3 and the two Packages: 0-1 and 2-3
 * 40000 (two NVLink 1.0 links of 20 GB/s), each GPU 40000 to its Package
 * (ignored), 1000000 on the diagonal (ignored). */
static const int p8_levels[16] = {
    0,    NODE, SYS,  SYS,
    NODE, 0,    SYS,  SYS,
    SYS,  SYS,  0,    NODE,
    SYS,  SYS,  NODE, 0,
};
static const int p8_nv[16] = {
    0, 2, 0, 0,
    2, 0, 0, 0,
    0, 0, 0, 2,
    0, 0, 2, 0,
};

static void power8_nvlink1(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture(test_data("hwloc/power8-nvlink1.xml"), &w);
    assert_int_equal(w.count, 0);
    assert_int_equal(gs_topo_node_numa_count(t, 0), 2);
    assert_cpus(t, 0, "0-1");
    assert_cpus(t, 1, "64-65");
    assert_true(gs_topo_numa_memory(t, 0, 0) == UINT64_C(68556816384));
    assert_int_equal(gs_topo_gpu_count(t), 4);
    static const char *const bus[4] = {"0002:01:00.0", "0003:01:00.0",
                                       "000a:01:00.0", "000b:01:00.0"};
    for (uint32_t g = 0; g < 4; g++) {
        gs_gpu_info i = gpu(t, g);
        assert_string_equal(i.pci_bus_id, bus[g]);
        assert_int_equal(i.numa, g / 2);
        assert_string_equal(i.model, "Tesla P100-SXM2-16GB");
        assert_true(i.memory_bytes == UINT64_C(16671616) * 1024);
        assert_int_equal(i.sm_count, 56);
        assert_int_equal(i.fabric, GS_NONE);
    }
    assert_levels(t, 4, p8_levels, p8_nv);
    /* 40000 MB/s is not a multiple of 25 GB/s: NV2 with the exact 40 */
    gs_link_info l = link_of(t, 0, 1);
    assert_int_equal(l.kind, GS_LINK_NVLINK);
    assert_true(l.bandwidth == 40.0);
    assert_int_equal(l.bandwidth_explicit, 1);
    l = link_of(t, 3, 2);
    assert_true(l.bandwidth == 40.0);
    assert_int_equal(link_of(t, 0, 2).kind, GS_LINK_PCIE);
    check_roundtrip(t);
    gs_topo_destroy(t);
}

/* tiered-memory.xml (format 2): Package 0 carries GPU memory (NUMA P#5,
 * subtype GPUMemory, as on POWER9 or Grace Hopper) and a Die with two
 * NPS-style Groups: Group 0 has DRAM P#0 behind a MemCache and an HBM
 * tier P#4 sharing PUs 0-1, and GPU 01:00.0; Group 1 has P#1 (PUs 2-3)
 * and GPU 21:00.0. Package 1 has P#2 (PUs 4-5) and P#3 (PUs 6-7; PUs 8-9
 * offline) in two Groups and GPU 81:00.0 hung off the Package itself. PU 0
 * is not in allowed_cpuset. hwloc's NUMA order is P#0, P#4, P#1, P#5, P#2,
 * P#3. */
static void tiered_memory(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture(test_data("hwloc/tiered-memory.xml"), &w);
    assert_int_equal(w.count, 0);
    /* P#5 (GPU memory) is no host domain; P#4 gets no CPUs */
    assert_int_equal(gs_topo_node_numa_count(t, 0), 5);
    static const char *const cpus[5] = {"0-1", "", "2-3", "4-5", "6-7"};
    static const uint64_t mem[5] = {64, 16, 64, 64, 64};
    for (uint32_t d = 0; d < 5; d++) {
        assert_cpus(t, d, cpus[d]);
        assert_true(gs_topo_numa_memory(t, 0, d) == mem[d] * GIB);
    }
    assert_int_equal(gs_topo_node_cpu_count(t, 0), 8);
    assert_int_equal(gs_topo_gpu_count(t), 3);
    gs_gpu_info i0 = gpu(t, 0), i1 = gpu(t, 1), i2 = gpu(t, 2);
    assert_string_equal(i0.pci_bus_id, "0000:01:00.0");
    assert_int_equal(i0.numa, 0); /* DRAM, not the HBM tier */
    assert_string_equal(i1.pci_bus_id, "0000:21:00.0");
    assert_int_equal(i1.numa, 2);
    /* the Package spans two domains with CPUs: locality unknown */
    assert_string_equal(i2.pci_bus_id, "0000:81:00.0");
    assert_int_equal(i2.numa, GS_NONE);
    assert_true(i0.memory_bytes == 80 * GIB);
    assert_int_equal(i0.sm_count, 108);
    assert_gpu_cpus(t, 0, "0-1");
    assert_gpu_cpus(t, 1, "2-3");
    assert_gpu_cpus(t, 2, "");
    /* different host bridges, different (or unknown) domains */
    static const int all_sys[9] = {0, SYS, SYS, SYS, 0, SYS, SYS, SYS, 0};
    assert_levels(t, 3, all_sys, NULL);
    check_roundtrip(t);
    gs_topo_destroy(t);
}

static void cli_shows_fixture(void **state)
{
    (void)state;
    char args[1024];
    snprintf(args, sizeof args, "topo show '%s'",
             test_data("hwloc/nvswitch.xml"));
    assert_int_equal(run_tool(args, tool_out, sizeof tool_out), 0);
    assert_non_null(strstr(tool_out, "GPU0\t X \tNV3\tPHB\tPHB\tPHB\tPHB\t"));
    assert_non_null(strstr(tool_out, "warning:"));
    snprintf(args, sizeof args, "topo show '%s'",
             test_data("hwloc/bad-mismatch.xml"));
    assert_int_equal(run_tool(args, tool_out, sizeof tool_out), 1);
    assert_non_null(strstr(tool_out, "bad-mismatch.xml:6:1: not an hwloc XML"));
}

/* ---- format detection and entry points --------------------------------- */

static void detection(void **state)
{
    (void)state;
    size_t len = 0;
    char *text = test_read_file(test_data("hwloc/pcie-only.xml"), &len);
    assert_non_null(text);
    gs_topo *t = NULL;
    /* GS_FORMAT_AUTO: "<?xml" selects hwloc */
    assert_int_equal(gs_topo_load_buffer(&t, text, len, "mem.xml", NULL),
                     GS_OK);
    assert_int_equal(gs_topo_gpu_count(t), 6);
    gs_topo_destroy(t);
    /* also after a BOM and blank lines */
    size_t n2 = len + 5;
    char *bom = malloc(n2);
    assert_non_null(bom);
    memcpy(bom, "\xEF\xBB\xBF\n\n", 5);
    memcpy(bom + 5, text, len);
    assert_int_equal(gs_topo_load_buffer(&t, bom, n2, "bom.xml", NULL), GS_OK);
    assert_int_equal(gs_topo_gpu_count(t), 6);
    gs_topo_destroy(t);
    free(bom);
    /* by path: gs_topo_load detects, gs_topo_load_hwloc forces */
    assert_int_equal(gs_topo_load(&t, test_data("hwloc/nvlink-direct.xml"),
                                  NULL),
                     GS_OK);
    assert_int_equal(gs_topo_gpu_count(t), 4);
    gs_topo_destroy(t);
    assert_int_equal(gs_topo_load_hwloc(&t, test_data("hwloc/nvswitch.xml"),
                                        NULL),
                     GS_OK);
    assert_int_equal(gs_topo_gpu_count(t), 6);
    gs_topo_destroy(t);
    /* hostname and GS_LOAD_NOFREEZE */
    gs_load_options o;
    gs_load_options_init(&o);
    o.hostname = "gpu-17";
    o.flags = GS_LOAD_NOFREEZE;
    assert_int_equal(gs_topo_load_buffer(&t, text, len, "mem.xml", &o), GS_OK);
    assert_int_equal(gs_topo_freeze(t), GS_OK);
    assert_string_equal(gs_topo_node_name(t, 0), "gpu-17");
    gs_topo_destroy(t);
    free(text);
}

/* ---- the machine we run on --------------------------------------------- */

static void live_machine(void **state)
{
    (void)state;
    gs_topo *t = NULL;
    gs_status st = gs_topo_load_hwloc(&t, NULL, NULL);
    if (st != GS_OK)
        fail_msg("live load: %s: %s", gs_status_name(st), gs_topo_errmsg(t));
    assert_int_equal(gs_topo_node_count(t), 1);
    assert_string_equal(gs_topo_node_name(t, 0), "localhost");
    assert_true(gs_topo_node_numa_count(t, 0) >= 1);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    assert_true(ncpu > 0);
    assert_int_equal(gs_topo_node_cpu_count(t, 0), (uint32_t)ncpu);
    /* whatever GPUs there are (none on CI) have sane facts */
    for (uint32_t g = 0; g < gs_topo_gpu_count(t); g++) {
        gs_gpu_info i = gpu(t, g);
        assert_true(i.numa == GS_NONE ||
                    i.numa < gs_topo_node_numa_count(t, 0));
    }
    check_roundtrip(t);
    gs_topo_destroy(t);
    /* the source name "hwloc" and a hostname */
    gs_load_options o;
    gs_load_options_init(&o);
    o.hostname = "here";
    assert_int_equal(gs_topo_load(&t, "hwloc", &o), GS_OK);
    assert_string_equal(gs_topo_node_name(t, 0), "here");
    gs_topo_destroy(t);
    /* bad options are refused before hwloc runs */
    o.hostname = "bad name";
    assert_int_equal(gs_topo_load_hwloc(&t, NULL, &o), GS_EINVAL);
    gs_topo_destroy(t);
}

/* ---- errors ------------------------------------------------------------ */

static void expect_error(const char *data, size_t len, const char *name,
                         gs_status want, const char *msg)
{
    gs_load_options o;
    gs_load_options_init(&o);
    o.format = GS_FORMAT_HWLOC_XML;
    gs_topo *t = NULL;
    gs_status st = gs_topo_load_buffer(&t, data, len, name, &o);
    if (st != want || !strstr(gs_topo_errmsg(t), msg))
        fail_msg("%s: got %s \"%s\", want %s \"%s\"", name,
                 gs_status_name(st), gs_topo_errmsg(t), gs_status_name(want),
                 msg);
    gs_topo_destroy(t);
}

static void expect_file_error(const char *file, const char *msg)
{
    char full[1200];
    snprintf(full, sizeof full, "%s%s", test_data(file), msg);
    gs_topo *t = NULL;
    gs_status st = gs_topo_load_hwloc(&t, test_data(file), NULL);
    if (st != GS_EPARSE || strncmp(gs_topo_errmsg(t), full, strlen(full)) != 0)
        fail_msg("%s: got %s \"%s\", want \"%s\"", file, gs_status_name(st),
                 gs_topo_errmsg(t), full);
    gs_topo_destroy(t);
}

static void errors(void **state)
{
    (void)state;
    /* positions found by hand in the files */
    expect_file_error("hwloc/bad-truncated.xml",
                      ":3:3: not an hwloc XML topology (the text ends inside "
                      "the tag <object>)");
    expect_file_error("hwloc/bad-mismatch.xml",
                      ":6:1: not an hwloc XML topology (</topology> closes "
                      "<object> (line 3))");
    expect_file_error("hwloc/bad-version3.xml",
                      ":2:20: not an hwloc XML topology (hwloc XML format "
                      "version 3.0 is newer");
    expect_file_error("hwloc/bad-sets.xml",
                      ":5:5: not an hwloc XML topology (<object type=\"Core\"> "
                      "has no complete_cpuset");
    expect_file_error("hwloc/bad-no-numa.xml",
                      ": not an hwloc XML topology (it has no NUMANode object");
    /* buffers */
    expect_error("", 0, "empty.xml", GS_EPARSE,
                 "empty.xml:1:1: not an hwloc XML topology (no <topology> "
                 "element)");
    const char json[] = "{\"gpusched\": 1}";
    expect_error(json, sizeof json - 1, "x.json", GS_EPARSE,
                 "x.json:1:1: not an hwloc XML topology (text before the "
                 "root element)");
    const char other[] = "<?xml version=\"1.0\"?>\n<config a=\"1\"/>\n";
    expect_error(other, sizeof other - 1, "o.xml", GS_EPARSE,
                 "o.xml:2:1: not an hwloc XML topology (the root element is "
                 "<config>, not <topology>)");
    const char nul[] = "<?xml version=\"1.0\"?>\n<topo\0logy/>";
    expect_error(nul, sizeof nul - 1, "nul.xml", GS_EPARSE,
                 "nul.xml:2:6: not an hwloc XML topology (a NUL byte)");
    /* hwloc allocates nbobjs x nbobjs values before reading them: 32 GiB
     * for this one (an abort under ASan) */
    expect_file_error("fuzz-regressions/hwloc/distances2-nbobjs-4294967295.xml",
                      ":100:29: not an hwloc XML topology (nbobjs=\"4294967295\""
                      ": a distance matrix of 0 to 4096 objects)");
    const char quote[] = "<topology version=\"2.0>\n</topology>\n";
    expect_error(quote, sizeof quote - 1, "q.xml", GS_EPARSE,
                 "q.xml:2:1: not an hwloc XML topology ('<' inside the value "
                 "of attribute version)");
    /* hwloc writes UTF-8; other encodings are refused before it runs */
    const char enc[] = "<?xml version=\"1.0\" encoding=\"EBCDIC-US\"?>\n"
                       "<topology version=\"2.0\"/>\n";
    expect_error(enc, sizeof enc - 1, "e.xml", GS_EPARSE,
                 "e.xml:1:31: not an hwloc XML topology (bad XML "
                 "declaration: hwloc writes UTF-8, and gpusched reads "
                 "UTF-8 or ASCII only)");
    /* the declaration follows XML 1.0's grammar (a fuzzer's
     * version="1.0g encoding="UTF-8"?> was taken) */
    static const struct {
        const char *decl, *want;
    } decls[] = {
        {"<?xml version=\"1.0g encoding=\"UTF-8\"?>",
         "d.xml:1:16: not an hwloc XML topology (bad XML declaration: the "
         "XML version is 1.x)"},
        {"<?xml encoding=\"UTF-8\" version=\"1.0\"?>",
         "d.xml:1:7: not an hwloc XML topology (bad XML declaration: an XML "
         "declaration starts with version=\"1.0\")"},
        {"<?xml?>", "d.xml:1:6: not an hwloc XML topology (bad XML "
                    "declaration: an XML declaration starts with "
                    "version=\"1.0\")"},
        {"<?xml version=\"1.0\"encoding=\"UTF-8\"?>",
         "d.xml:1:20: not an hwloc XML topology (bad XML declaration: a "
         "blank must separate the parts of an XML declaration)"},
        {"<?xml version=\"1.0\" standalone=\"yes\" encoding=\"UTF-8\"?>",
         "d.xml:1:38: not an hwloc XML topology (bad XML declaration: an "
         "XML declaration has version=, encoding= and standalone=, in that "
         "order, separated by blanks)"},
        {"<?xml version=\"1.0\" standalone=\"maybe\"?>",
         "d.xml:1:33: not an hwloc XML topology (bad XML declaration: "
         "standalone= is \"yes\" or \"no\")"},
        {"<?xml version='1.0' encoding=\"UTF-8' ?>",
         "d.xml:1:21: not an hwloc XML topology (bad XML declaration: an "
         "XML declaration has version=, encoding= and standalone=, in that "
         "order, separated by blanks)"},
    };
    for (size_t k = 0; k < sizeof decls / sizeof decls[0]; k++) {
        char doc[200];
        snprintf(doc, sizeof doc, "%s\n<topology version=\"2.0\"/>\n",
                 decls[k].decl);
        expect_error(doc, strlen(doc), "d.xml", GS_EPARSE, decls[k].want);
    }
    /* hwloc 2.9 empties a format-1 topology whose complete_cpuset leaves
     * out part of the cpuset, then crashes (a fuzzer's find) */
    expect_file_error("fuzz-regressions/hwloc/v1-machine-complete-cpuset-"
                      "empty.xml",
                      ":3:69: not an hwloc XML topology (complete_cpuset="
                      "\"0x0\" leaves out part of cpuset=\"0x1\"; hwloc "
                      "writes every set inside its complete set)");
    expect_file_error("fuzz-regressions/hwloc/v1-complete-cpuset-leaves-out-"
                      "cpuset.xml",
                      ":1:16: not an hwloc XML topology (bad XML declaration");
    const char nodes[] =
        "<topology version=\"2.0\"><object type=\"Machine\" os_index=\"0\" "
        "cpuset=\"0x00000003\" complete_cpuset=\"0x00000001,0x00000003\" "
        "nodeset=\"0x1,0x0\" complete_nodeset=\"0x00000001\"/></topology>";
    expect_error(nodes, sizeof nodes - 1, "n.xml", GS_EPARSE,
                 "n.xml:1:157: not an hwloc XML topology (complete_nodeset="
                 "\"0x00000001\" leaves out part of nodeset=\"0x1,0x0\"");
    const char decl_ok[] = "<?xml version = '1.1'\n encoding=\"ascii\" "
                           "standalone='no' ?><topology version=\"2.0\"/>";
    expect_error(decl_ok, sizeof decl_ok - 1, "u.xml", GS_EPARSE,
                 "u.xml: not an hwloc XML topology (it has no NUMANode");
    const char utf[] = "<?xml version='1.0' encoding='utf-8'?><topology "
                       "version=\"2.0\"/>";
    expect_error(utf, sizeof utf - 1, "u.xml", GS_EPARSE,
                 "u.xml: not an hwloc XML topology (it has no NUMANode");
    /* well-formed, but not what hwloc wants */
    /* well-formed, but not what hwloc wants: the distances matrix says 3
     * objects and lists 1 */
#define SETS "cpuset=\"0x1\" complete_cpuset=\"0x1\" nodeset=\"0x1\" " \
             "complete_nodeset=\"0x1\""
    const char odd[] =
        "<topology version=\"2.0\"><object type=\"Machine\" os_index=\"0\" "
        SETS " gp_index=\"1\"><object type=\"NUMANode\" os_index=\"0\" " SETS
        " gp_index=\"2\"/><object type=\"PU\" os_index=\"0\" " SETS
        " gp_index=\"3\"/></object><distances2 type=\"NUMANode\" "
        "nbobjs=\"3\" kind=\"5\" indexing=\"os\"><indexes length=\"2\">0 "
        "</indexes><u64values length=\"2\">1 </u64values></distances2>"
        "</topology>";
#undef SETS
    expect_error(odd, sizeof odd - 1, "odd.xml", GS_EPARSE,
                 "odd.xml: not an hwloc XML topology (hwloc could not load "
                 "it: ");
    /* format 2, or format 1 (no version, hwloc 1.x); known object types
     * only, with the sets hwloc needs */
    const char v1[] = "<topology><object type=\"Machine\"/></topology>";
    expect_error(v1, sizeof v1 - 1, "v1.xml", GS_EPARSE,
                 "v1.xml:1:11: not an hwloc XML topology (<object "
                 "type=\"Machine\"> has no cpuset");
    const char v1half[] =
        "<topology><object type=\"Machine\" os_index=\"0\" cpuset=\"0x1\" "
        "complete_cpuset=\"0x1\" nodeset=\"0x1\"/></topology>";
    expect_error(v1half, sizeof v1half - 1, "h.xml", GS_EPARSE,
                 "h.xml:1:11: not an hwloc XML topology (<object "
                 "type=\"Machine\"> has no complete_nodeset");
    const char v1numa[] =
        "<topology><object type=\"Machine\" os_index=\"0\" cpuset=\"0x1\" "
        "complete_cpuset=\"0x1\" nodeset=\"0x1\" complete_nodeset=\"0x1\">"
        "<object type=\"NUMANode\" os_index=\"0\" cpuset=\"0x1\" "
        "complete_cpuset=\"0x1\"/></object></topology>";
    expect_error(v1numa, sizeof v1numa - 1, "n.xml", GS_EPARSE,
                 "n.xml:1:119: not an hwloc XML topology (<object "
                 "type=\"NUMANode\"> has no nodeset");
    const char v10[] = "<topology version=\"1.0\"/>";
    expect_error(v10, sizeof v10 - 1, "v10.xml", GS_EPARSE,
                 "v10.xml:1:1: not an hwloc XML topology (<topology> has a "
                 "version that is neither \"2.x\" (hwloc 2) nor absent");
    /* in a format-1 file only the attributes hwloc 1.x writes (hwloc 2.9
     * crashes on some others), and the message stays printable */
    const char v1attr[] =
        "<topology><object type=\"Machine\" os_index=\"0\" cpuset=\"0x1\" "
        "complete_cpuset=\"0x1\" cpuset\xc3\xa9=\"0x1\"/></topology>";
    expect_error(v1attr, sizeof v1attr - 1, "a.xml", GS_EPARSE,
                 "a.xml:1:82: not an hwloc XML topology (attribute cpuset?? is "
                 "not one hwloc 1.x writes on an <object>)");
    const char v1set[] =
        "<topology><object type=\"Machine\" os_index=\"0\" cpuset=\"0x1\" "
        "complete_cpuset=\"0x1\" allowed_cpuset=\"0x0&amp;1\"/></topology>";
    expect_error(v1set, sizeof v1set - 1, "b.xml", GS_EPARSE,
                 "b.xml:1:98: not an hwloc XML topology (allowed_cpuset="
                 "\"0x0&1\" is not an hwloc bitmap");
    /* a bare '&' is not XML */
    const char amp[] =
        "<topology><object type=\"Machine\" os_index=\"0\" cpuset=\"0x1\" "
        "complete_cpuset=\"0x1\" allowed_cpuset=\"0x0&1\"/></topology>";
    expect_error(amp, sizeof amp - 1, "b.xml", GS_EPARSE,
                 "b.xml:1:101: not an hwloc XML topology ('&' that starts no "
                 "reference");
    /* Socket and Cache are hwloc 1.x names: not in a format-2 file */
    const char sock[] = "<topology version=\"2.0\"><object "
                        "type=\"Socket\"/></topology>";
    expect_error(sock, sizeof sock - 1, "s.xml", GS_EPARSE,
                 "s.xml:1:39: not an hwloc XML topology (unknown object type "
                 "\"Socket\")");
    const char frob[] = "<topology version=\"2.0\"><object "
                        "type=\"Frobnicator\"/></topology>";
    expect_error(frob, sizeof frob - 1, "f.xml", GS_EPARSE,
                 "f.xml:1:39: not an hwloc XML topology (unknown object type "
                 "\"Frobnicator\")");
    /* the size limit comes before hwloc sees anything */
    size_t big = (size_t)64 << 20;
    char *huge = malloc(big + 1);
    assert_non_null(huge);
    memset(huge, ' ', big + 1);
    memcpy(huge, "<?xml", 5);
    expect_error(huge, big + 1, "huge.xml", GS_EPARSE,
                 "huge.xml: 67108865 bytes is more than the 64 MiB");
    free(huge);
    /* a missing file */
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_load_hwloc(&t, "/nonexistent/x.xml", NULL),
                     GS_EIO);
    assert_non_null(strstr(gs_topo_errmsg(t), "/nonexistent/x.xml"));
    gs_topo_destroy(t);
    assert_int_equal(gs_topo_load_hwloc(NULL, NULL, NULL), GS_EINVAL);
}

/* ---- NUMA ids as the machine has them (issue 11 item 5) ---------------- */

/* Each domain keeps its NUMA node's os_index, the number numactl and
 * cgroups take; domains stay indexed in hwloc's logical order. */
static void numa_os_ids(void **state)
{
    (void)state;
    /* Package 0 holds NUMA P#3, Package 1 P#1 (README.md) */
    gs_topo *t = load_fixture(test_data("hwloc/numa-ids-3-1.xml"), NULL);
    test_assert_numa_os_ids(t, 0, 2, (const uint32_t[]){3, 1});
    assert_cpus(t, 0, "0-1");
    assert_cpus(t, 1, "2-3");
    assert_true(gs_topo_numa_memory(t, 0, 0) == 32 * GIB);
    assert_int_equal(gpu(t, 0).numa, 0);
    assert_int_equal(gpu(t, 1).numa, 1);
    char m[1024];
    assert_int_equal(gs_topo_node_matrix(t, 0, 0, m, sizeof m, NULL), GS_OK);
    assert_non_null(strstr(m, "GPU0\t X \tSYS\t0-1\t3\n"));
    assert_non_null(strstr(m, "GPU1\tSYS\t X \t2-3\t1\n"));
    check_roundtrip(t);
    gs_topo_destroy(t);
    /* P#0, the HBM tier P#4, P#1, P#2, P#3; GPU memory P#5 left out */
    t = load_fixture(test_data("hwloc/tiered-memory.xml"), NULL);
    test_assert_numa_os_ids(t, 0, 5, (const uint32_t[]){0, 4, 1, 2, 3});
    gs_topo_destroy(t);
    t = load_fixture(test_data("hwloc/pcie-only.xml"), NULL);
    test_assert_numa_os_ids(t, 0, 2, (const uint32_t[]){0, 1});
    gs_topo_destroy(t);
    const char *dgx2 = test_shared_data("hwloc/nvidia-dgx2h.xml");
    if (dgx2) {
        t = load_fixture(dgx2, NULL);
        test_assert_numa_os_ids(t, 0, 2, (const uint32_t[]){0, 1});
        gs_topo_destroy(t);
    }
    /* two NUMA nodes of one id are no machine */
#define SETS(c, n) "cpuset=\"" c "\" complete_cpuset=\"" c "\" nodeset=\"" n \
                   "\" complete_nodeset=\"" n "\""
    const char twin[] =
        "<topology version=\"2.0\"><object type=\"Machine\" os_index=\"0\" "
        SETS("0x3", "0x2") "><object type=\"Package\" os_index=\"0\" "
        SETS("0x1", "0x2") "><object type=\"NUMANode\" os_index=\"1\" "
        SETS("0x1", "0x2") "/><object type=\"PU\" os_index=\"0\" "
        SETS("0x1", "0x2") "/></object><object type=\"Package\" "
        "os_index=\"1\" " SETS("0x2", "0x2") "><object type=\"NUMANode\" "
        "os_index=\"1\" " SETS("0x2", "0x2") "/><object type=\"PU\" "
        "os_index=\"1\" " SETS("0x2", "0x2") "/></object></object>"
        "</topology>";
#undef SETS
    expect_error(twin, sizeof twin - 1, "twin.xml", GS_EPARSE,
                 "twin.xml: two NUMA nodes have os_index 1");
}

/* ---- XML syntax variants ----------------------------------------------- */

/* XML lets one document be spelled many ways; each spelling below must
 * load to the same topology as the fixture (hwloc 2.9's own reader
 * crashed on some and silently lost attributes on others). */
enum {
    V_EQ_SPACES = 1,    /* white space around '=' */
    V_TAG_NEWLINES = 2, /* newlines and tabs between the name and attributes */
    V_APOS = 4,         /* values in single quotes */
    V_CHAR_REFS = 8,    /* letters and digits of values as &#N; and &#xH; */
    V_MISC = 16,        /* comments and processing instructions between tags */
    V_CDATA = 32,       /* text in CDATA sections */
    V_CRLF = 64,        /* CR LF line ends */
    V_ALL = 127
};

typedef struct vbuf {
    char *s;
    size_t n, cap;
} vbuf;

static void vput(vbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        assert_non_null(b->s);
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void vputs(vbuf *b, const char *s) { vput(b, s, strlen(s)); }

/* The fixture (written as hwloc writes: double quotes, one space between
 * attributes, no references) spelled another way. Declarations (<?...?>,
 * <!...>) are copied as they are. */
static char *xml_variant(const char *in, unsigned flags, size_t *len)
{
    vbuf b = {0};
    const char *nl = flags & V_CRLF ? "\r\n" : "\n";
    size_t i = 0, n = strlen(in);
    unsigned refs = 0;
    while (i < n) {
        if (in[i] == '<' && (in[i + 1] == '?' || in[i + 1] == '!')) {
            const char *e = strchr(in + i, '>');
            assert_non_null(e);
            vput(&b, in + i, (size_t)(e + 1 - (in + i)));
            i = (size_t)(e + 1 - in);
            continue;
        }
        if (in[i] == '<') {
            bool end_tag = in[i + 1] == '/';
            vput(&b, "<", 1);
            i++;
            while (in[i] != '>') {
                char c = in[i++];
                if (c == ' ' && !end_tag) {
                    vputs(&b, !(flags & V_TAG_NEWLINES) ? " "
                              : flags & V_CRLF          ? "\r\n\t "
                                                        : "\n\t ");
                } else if (c == '=') {
                    vputs(&b, flags & V_EQ_SPACES ? " =\t" : "=");
                } else if (c == '"') {
                    const char *q = flags & V_APOS ? "'" : "\"";
                    vputs(&b, q);
                    while (in[i] != '"') {
                        char v = in[i++];
                        char ref[16];
                        if ((flags & V_CHAR_REFS) &&
                            isalnum((unsigned char)v)) {
                            snprintf(ref, sizeof ref,
                                     refs++ % 2 ? "&#x%x;" : "&#%d;",
                                     (unsigned char)v);
                            vputs(&b, ref);
                        } else {
                            vput(&b, &v, 1);
                        }
                    }
                    vputs(&b, q);
                    i++;
                } else {
                    vput(&b, &c, 1);
                }
            }
            vput(&b, ">", 1);
            i++;
            continue;
        }
        size_t j = i;
        bool blank = true;
        for (; j < n && in[j] != '<'; j++)
            blank &= isspace((unsigned char)in[j]) != 0;
        if (!blank && (flags & V_CDATA)) {
            vputs(&b, "<![CDATA[");
            vput(&b, in + i, j - i);
            vputs(&b, "]]>");
        } else {
            for (size_t k = i; k < j; k++)
                if (in[k] == '\n')
                    vputs(&b, nl);
                else
                    vput(&b, in + k, 1);
        }
        if (blank && (flags & V_MISC) && j < n) {
            vputs(&b, "<!-- a comment -->");
            vputs(&b, nl);
            vputs(&b, "<?gpusched-test an instruction?>");
        }
        i = j;
    }
    *len = b.n;
    return b.s;
}

/* The topology a text loads to, as saved JSON (everything gpusched took
 * from it); fails the test when it does not load. */
static char *loaded_json(const char *text, size_t len, const char *name)
{
    gs_topo *t = NULL;
    gs_status st = gs_topo_load_buffer(&t, text, len, name, NULL);
    if (st != GS_OK) {
        fprintf(stderr, "%s: %s\n", name, gs_topo_errmsg(t));
        gs_topo_destroy(t);
        fail_msg("%s does not load", name);
    }
    char *json = NULL;
    assert_int_equal(gs_topo_to_json(t, &json, NULL), GS_OK);
    gs_topo_destroy(t);
    return json;
}

static void check_variants_of(const char *path)
{
    size_t len = 0;
    char *text = test_read_file(path, &len);
    assert_non_null(text);
    char *want = loaded_json(text, len, path);
    static const unsigned sets[] = {V_EQ_SPACES, V_TAG_NEWLINES, V_APOS,
                                    V_CHAR_REFS, V_MISC,         V_CDATA,
                                    V_CRLF,      V_ALL};
    for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++) {
        size_t vlen;
        char *v = xml_variant(text, sets[k], &vlen);
        char name[1200];
        snprintf(name, sizeof name, "%s (variant 0x%x)", path, sets[k]);
        char *got = loaded_json(v, vlen, name);
        if (strcmp(got, want) != 0)
            fail_msg("%s loads to another topology:\n%s\nwant:\n%s", name,
                     got, want);
        gs_free(got);
        free(v);
    }
    gs_free(want);
    free(text);
}

static void syntax_variants(void **state)
{
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", test_data("hwloc"));
    DIR *d = opendir(dir);
    assert_non_null(d);
    int checked = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        /* the fixtures as hwloc writes them; bad-* do not load, syntax-*
         * are variants already */
        if (n < 5 || strcmp(e->d_name + n - 4, ".xml") != 0 ||
            strncmp(e->d_name, "bad-", 4) == 0 ||
            strncmp(e->d_name, "syntax-", 7) == 0)
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        check_variants_of(path);
        checked++;
    }
    closedir(d);
    assert_true(checked >= 6);
    check_variants_of(test_data("probe/dgx1-v100.xml"));
    const char *dgx2 = test_shared_data("hwloc/nvidia-dgx2h.xml");
    if (dgx2)
        check_variants_of(dgx2);
}

/* The variants kept as fuzz seeds (tests/data/hwloc/syntax-*.xml, made by
 * hand-written rules like the ones above) load as their originals do. */
static void syntax_seed_files(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"hwloc/syntax-pcie-only-all.xml", "hwloc/pcie-only.xml"},
        {"hwloc/syntax-nvlink-direct-misc-cdata.xml",
         "hwloc/nvlink-direct.xml"},
        {"hwloc/syntax-v1-numa-gpus-apos-refs.xml", "hwloc/v1-numa-gpus.xml"},
    };
    for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
        size_t la, lb;
        char *a = test_read_file(test_data(pairs[k][0]), &la);
        char *b = test_read_file(test_data(pairs[k][1]), &lb);
        assert_non_null(a);
        assert_non_null(b);
        char *ja = loaded_json(a, la, pairs[k][0]);
        char *jb = loaded_json(b, lb, pairs[k][1]);
        assert_string_equal(ja, jb);
        gs_free(ja);
        gs_free(jb);
        free(a);
        free(b);
    }
}

/* The inputs that crashed hwloc 2.9 (or that it refused although they are
 * well-formed): one Machine, NUMA node P#0 of 1 GiB with PU 0. */
static void syntax_regressions(void **state)
{
    (void)state;
    static const char *const files[] = {
        "fuzz-regressions/hwloc/hwloc29-segv-spaces-around-equals.xml",
        "fuzz-regressions/hwloc/hwloc29-segv-single-quoted-value.xml",
        "fuzz-regressions/hwloc/syntax-character-reference.xml",
        "fuzz-regressions/hwloc/syntax-comment-between-elements.xml",
        "fuzz-regressions/hwloc/syntax-tab-after-element-name.xml",
        "fuzz-regressions/hwloc/syntax-crlf-newline-in-tag.xml",
        /* attributes in another order (sorted, as XML canonicalizers and
         * some libraries write them): hwloc ignores every attribute that
         * depends on the type when it comes before type= */
        "fuzz-regressions/hwloc/syntax-type-attribute-last.xml",
    };
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        gs_topo *t = NULL;
        gs_status st = gs_topo_load(&t, test_data(files[k]), NULL);
        if (st != GS_OK)
            fail_msg("%s: %s", files[k], gs_topo_errmsg(t));
        assert_int_equal(gs_topo_node_count(t), 1);
        assert_int_equal(gs_topo_node_numa_count(t, 0), 1);
        assert_true(gs_topo_numa_memory(t, 0, 0) == GIB);
        assert_cpus(t, 0, "0");
        gs_topo_destroy(t);
    }
}

/* Values reach hwloc as XML says they read: references decoded, quotes
 * and '>' inside, the white space XML normalizes (a literal tab in a value
 * is a space, &#9; a tab). GPU0's model in pcie-only.xml, rewritten. */
static void syntax_values_reach_hwloc(void **state)
{
    (void)state;
    size_t len = 0;
    char *text = test_read_file(test_data("hwloc/pcie-only.xml"), &len);
    assert_non_null(text);
    const char *from = "value=\"Tesla V100-PCIE-16GB\"";
    const char *to = "value = 'Tesla &quot;V100&quot; > PCIE&#9;16\tGB'";
    char *at = strstr(text, from);
    assert_non_null(at);
    size_t head = (size_t)(at - text), tail = len - head - strlen(from);
    char *doc = malloc(len + strlen(to) + 1);
    assert_non_null(doc);
    memcpy(doc, text, head);
    memcpy(doc + head, to, strlen(to));
    memcpy(doc + head + strlen(to), at + strlen(from), tail);
    size_t n = head + strlen(to) + tail;
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_load_buffer(&t, doc, n, "v.xml", NULL), GS_OK);
    /* the tab hwloc hands back becomes '?' in a model name (printable
     * ASCII only); the literal tab was a space already */
    assert_string_equal(gpu(t, 0).model, "Tesla \"V100\" > PCIE?16 GB");
    gs_topo_destroy(t);
    free(doc);
    free(text);
}

/* A refused document names the place: line and column of marker (the
 * nth time it occurs) in doc, found here by searching the text. */
static void expect_refused_at(const char *doc, size_t len, const char *marker,
                              int nth, const char *why)
{
    const char *at = doc;
    for (int k = 0; k < nth; k++) {
        at = strstr(k ? at + 1 : at, marker);
        assert_non_null(at);
    }
    unsigned line = 1;
    const char *ls = doc;
    for (const char *p = doc; p < at; p++)
        if (*p == '\n') {
            line++;
            ls = p + 1;
        }
    char want[512];
    snprintf(want, sizeof want,
             "r.xml:%u:%zu: not an hwloc XML topology (%s", line,
             (size_t)(at - ls) + 1, why);
    expect_error(doc, len, "r.xml", GS_EPARSE, want);
}

#define REFUSE(doc, marker, nth, why) \
    expect_refused_at(doc, sizeof doc - 1, marker, nth, why)

#define SETS1 "cpuset=\"0x1\" complete_cpuset=\"0x1\" nodeset=\"0x1\" " \
              "complete_nodeset=\"0x1\""
#define HEAD "<topology version=\"2.0\"><object type=\"Machine\" " \
             "os_index=\"0\" " SETS1 ">"
#define NUMA "<object type=\"NUMANode\" os_index=\"0\" " SETS1 "/>"
#define TAIL "</object></topology>"

static void syntax_refused(void **state)
{
    (void)state;
    /* no DTD is read: its entities would change the document */
    const char dtd[] = "<?xml version=\"1.0\"?>\n<!DOCTYPE topology [<!ENTITY "
                       "n \"NUMANode\">]>\n" HEAD NUMA TAIL;
    REFUSE(dtd, "[", 1, "a DOCTYPE with an internal subset");
    const char ent[] = HEAD "<object type=\"&n;\"/>" NUMA TAIL;
    REFUSE(ent, "&n;", 1, "entity &n; is not defined");
    const char nul_ref[] = HEAD "<info name=\"a\" value=\"&#0;\"/>" NUMA TAIL;
    REFUSE(nul_ref, "&#0;", 1,
           "character reference to U+0000, which XML does not allow");
    const char open_ref[] = HEAD "<info name=\"a\" value=\"&#x31\"/>" NUMA
        TAIL;
    REFUSE(open_ref, "&#x31", 1, "bad character reference");
    const char utf8[] = HEAD "<info name=\"a\" value=\"\xff\"/>" NUMA TAIL;
    REFUSE(utf8, "\xff", 1, "byte 0xff is not UTF-8 text");
    const char ctl[] = HEAD "<info name=\"a\" value=\"\x01\"/>" NUMA TAIL;
    REFUSE(ctl, "\x01", 1, "character U+0001 is not allowed in XML");
    const char dashes[] = HEAD "<!-- a -- b -->" NUMA TAIL;
    REFUSE(dashes, "-- b", 1, "\"--\" inside a comment");
    /* the same attribute twice, however it is spelled */
    const char twice[] = HEAD "<object type=\"NUMANode\" os_index=\"0\" "
                         "os_index = '0' " SETS1 "/>" TAIL;
    REFUSE(twice, "os_index", 3, "attribute os_index given twice");
    const char upper[] = HEAD "<object Type=\"PU\" os_index=\"0\" " SETS1
                         "/>" NUMA TAIL;
    REFUSE(upper, "Type", 1, "attribute Type is not one hwloc writes");
    const char text[] = HEAD "\n  junk" NUMA TAIL;
    REFUSE(text, "junk", 1, "text inside <object>");
    const char late_decl[] = "<!-- x --><?xml version=\"1.0\"?>" HEAD NUMA
        TAIL;
    REFUSE(late_decl, "<?xml", 1, "an XML declaration must open the");
    /* hwloc's minimal reader takes text raw: '<' cannot reach it */
    const char lt[] =
        HEAD NUMA "<object type=\"PU\" os_index=\"0\" " SETS1 "/>"
        "</object><distances2 type=\"NUMANode\" nbobjs=\"1\" kind=\"5\" "
        "indexing=\"os\"><indexes length=\"1\"><![CDATA[<]]></indexes>"
        "<u64values length=\"1\">1</u64values></distances2></topology>";
    REFUSE(lt, "<]]", 1, "the text of <indexes> holds '<'");
    /* hwloc reads the tree recursively: nesting is bounded */
    vbuf deep = {0};
    vputs(&deep, HEAD NUMA);
    for (int k = 0; k < 300; k++)
        vputs(&deep, "<object type=\"Misc\">");
    for (int k = 0; k < 300; k++)
        vputs(&deep, "</object>");
    vputs(&deep, TAIL);
    /* the root and the Machine are 2 of the 256 levels */
    expect_refused_at(deep.s, deep.n, "<object type=\"Misc\"", 255,
                      "elements nested deeper than 256 levels");
    free(deep.s);
}

#undef REFUSE
#undef SETS1
#undef HEAD
#undef NUMA
#undef TAIL

/* ---- values gpusched cannot hold --------------------------------------- */

static void unbelievable_values(void **state)
{
    (void)state;
    /* hwloc saturates a size it cannot parse to 2^64 - 1; gpusched's
     * sizes stop at 2^63 - 1: the memory is left unknown, with a warning,
     * and the result still saves and reloads */
#define SETS "cpuset=\"0x1\" complete_cpuset=\"0x1\" nodeset=\"0x1\" " \
             "complete_nodeset=\"0x1\""
    const char xml[] =
        "<topology version=\"2.0\"><object type=\"Machine\" os_index=\"0\" "
        SETS " gp_index=\"1\"><object type=\"NUMANode\" os_index=\"0\" " SETS
        " gp_index=\"2\" local_memory=\"99999999999999999999999\"/>"
        "<object type=\"PU\" os_index=\"0\" " SETS " gp_index=\"3\"/>"
        "</object></topology>";
#undef SETS
    warnings w;
    memset(&w, 0, sizeof w);
    gs_load_options o;
    gs_load_options_init(&o);
    o.warn = collect;
    o.warn_user = &w;
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_load_buffer(&t, xml, sizeof xml - 1, "big.xml",
                                         &o),
                     GS_OK);
    assert_true(gs_topo_numa_memory(t, 0, 0) == 0);
    assert_cpus(t, 0, "0");
    assert_int_equal(w.count, 1);
    assert_non_null(strstr(w.text, "big.xml: NUMA node P#0: local_memory "
                                   "18446744073709551615 is not believable"));
    check_roundtrip(t);
    gs_topo_destroy(t);
}

/* ---- allocation failures ----------------------------------------------- */

static gs_status load_text_op(void *ctx)
{
    return test_load_and_save(ctx, "x.xml", NULL);
}

static void out_of_memory_everywhere(void **state)
{
    (void)state;
    /* hwloc's own allocations are outside the hooks; ours are swept. Under
     * valgrind the quadratic sweep only costs time. */
    if (getenv("GS_TEST_UNDER_VALGRIND"))
        skip();
    static const char *const files[] = {"hwloc/pcie-only.xml",
                                        "hwloc/nvlink-direct.xml",
                                        "hwloc/nvswitch.xml"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char *text = test_read_file(test_data(files[f]), NULL);
        assert_non_null(text);
        long n = test_each_allocation_fails(load_text_op, text);
        assert_true(n > 20);
        free(text);
    }
}

/* ---- a library built without hwloc ------------------------------------ */

static void without_hwloc(void **state)
{
    (void)state;
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_load_hwloc(&t, test_data("hwloc/pcie-only.xml"),
                                        NULL),
                     GS_EUNSUPPORTED);
    assert_non_null(strstr(gs_topo_errmsg(t), "built without hwloc"));
    gs_topo_destroy(t);
    assert_int_equal(gs_topo_load_hwloc(&t, NULL, NULL), GS_EUNSUPPORTED);
    assert_non_null(strstr(gs_topo_errmsg(t), "built without hwloc"));
    gs_topo_destroy(t);
}

static bool built_with_hwloc(void)
{
    gs_topo *t = NULL;
    gs_status st = gs_topo_load(&t, test_data("hwloc/pcie-only.xml"), NULL);
    gs_topo_destroy(t);
    return st != GS_EUNSUPPORTED;
}

int main(void)
{
    test_alloc_install();
    if (!built_with_hwloc()) {
        const struct CMUnitTest only[] = {cmocka_unit_test(without_hwloc)};
        return cmocka_run_group_tests(only, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pcie_only),
        cmocka_unit_test(nvlink_direct),
        cmocka_unit_test(nvswitch_fabrics),
        cmocka_unit_test(dgx2h),
        cmocka_unit_test(hwloc1_export),
        cmocka_unit_test(power8_nvlink1),
        cmocka_unit_test(tiered_memory),
        cmocka_unit_test(cli_shows_fixture),
        cmocka_unit_test(detection),
        cmocka_unit_test(live_machine),
        cmocka_unit_test(errors),
        cmocka_unit_test(numa_os_ids),
        cmocka_unit_test(syntax_variants),
        cmocka_unit_test(syntax_seed_files),
        cmocka_unit_test(syntax_regressions),
        cmocka_unit_test(syntax_refused),
        cmocka_unit_test(syntax_values_reach_hwloc),
        cmocka_unit_test(unbelievable_values),
        cmocka_unit_test(out_of_memory_everywhere),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (test_alloc_stats_get().live_blocks != 0) {
        fprintf(stderr, "leaked %ld blocks\n",
                test_alloc_stats_get().live_blocks);
        return 1;
    }
    return rc;
}
