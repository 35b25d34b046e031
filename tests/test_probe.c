/*
 * The device probe against scripted machines: the fake libcuda.so.1 and
 * libnvidia-ml.so.1 of tests/fake/ serve the machine scripts of
 * tests/data/probe (format: docs/probe.md), hwloc reads the XML fixtures.
 *
 * Every expected value below is worked out from the scripts and the XML
 * trees by hand (the comments say how), never copied from the probe's
 * output.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#define GIB (UINT64_C(1) << 30)

enum { PIX = GS_PCIE_PIX, PXB = GS_PCIE_PXB, PHB = GS_PCIE_PHB,
       NODE = GS_PCIE_NODE, SYS = GS_PCIE_SYS };

/* ---- helpers ----------------------------------------------------------- */

/* The tests that read hwloc XML need a library built with hwloc. */
#define NEED_HWLOC()                                                        \
    do {                                                                    \
        if (!GS_HAVE_HWLOC_BUILD)                                           \
            skip();                                                         \
    } while (0)

typedef struct warnings {
    int count;
    char text[8192];
} warnings;

static void collect(void *user, const char *msg)
{
    warnings *w = user;
    size_t used = strlen(w->text);
    snprintf(w->text + used, sizeof w->text - used, "%s\n", msg);
    w->count++;
}

/* One probe: machine script (a name in tests/data/probe, or a path), an
 * hwloc XML (NULL: none, the live machine is never used here unless
 * asked), flags. */
typedef struct run {
    const char *machine;
    const char *xml;
    unsigned flags;
    const char *cuda, *nvml; /* NULL: the fakes */
    const char *hostname;
    bool live_hwloc;
} run;

typedef struct result {
    gs_status st;
    gs_topo *t;
    gs_probe_report *r;
    gs_probe_summary s;
    warnings w;
} result;

static const char *data_path(const char *name)
{
    static char path[1024];
    if (!name || name[0] == '/')
        return name;
    snprintf(path, sizeof path, "%s/%s", GS_TEST_DATA_DIR, name);
    return path;
}

static void set_machine(const char *machine)
{
    char path[1024];
    if (machine[0] == '/')
        snprintf(path, sizeof path, "%s", machine);
    else
        snprintf(path, sizeof path, "%s/probe/%s", GS_TEST_DATA_DIR, machine);
    setenv("GPUSCHED_FAKE_MACHINE", path, 1);
}

static void do_probe(const run *rn, result *res)
{
    memset(res, 0, sizeof *res);
    set_machine(rn->machine);
    gs_probe_options o;
    gs_probe_options_init(&o);
    o.flags = rn->flags;
    if (!rn->xml && !rn->live_hwloc)
        o.flags |= GS_PROBE_NO_HWLOC;
    char xml[1024];
    if (rn->xml) {
        snprintf(xml, sizeof xml, "%s", data_path(rn->xml));
        o.hwloc_xml = xml;
    }
    o.cuda_library = rn->cuda ? rn->cuda : GS_FAKE_CUDA;
    o.nvml_library = rn->nvml ? rn->nvml : GS_FAKE_NVML;
    o.hostname = rn->hostname ? rn->hostname : "probed";
    o.warn = collect;
    o.warn_user = &res->w;
    o.report = &res->r;
    res->st = gs_topo_probe(&res->t, &o);
    assert_non_null(res->t);
    assert_non_null(res->r);
    gs_probe_summary_init(&res->s);
    assert_int_equal(gs_probe_report_summary(res->r, &res->s), GS_OK);
    assert_int_equal(res->s.status, res->st);
}

/* A probe that must succeed. */
static void probe_ok(const run *rn, result *res)
{
    do_probe(rn, res);
    if (res->st != GS_OK)
        fail_msg("probe of %s: %s: %s\nwarnings:\n%s", rn->machine,
                 gs_status_name(res->st), gs_topo_errmsg(res->t),
                 res->w.text);
}

static void done(result *res)
{
    gs_probe_report_destroy(res->r);
    gs_topo_destroy(res->t);
    res->r = NULL;
    res->t = NULL;
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

static gs_probe_gpu pgpu(const gs_probe_report *r, uint32_t g)
{
    gs_probe_gpu p;
    gs_probe_gpu_init(&p);
    assert_int_equal(gs_probe_report_gpu(r, g, &p), GS_OK);
    return p;
}

static gs_probe_pair ppair(const gs_probe_report *r, uint32_t a, uint32_t b)
{
    gs_probe_pair p;
    gs_probe_pair_init(&p);
    assert_int_equal(gs_probe_report_pair(r, a, b, &p), GS_OK);
    return p;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("\"%s\" not found in:\n%s", needle, hay);
}

/* Write a machine script that includes a data file and adds lines. */
static char tmp_scripts[16][256];
static int n_tmp;

static const char *script(const char *text)
{
    assert_true(n_tmp < 16);
    char *path = tmp_scripts[n_tmp++];
    snprintf(path, 256, "/tmp/gs-probe-test-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    /* includes of data files by absolute path */
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len > 8 && strncmp(p, "include ", 8) == 0)
            fprintf(f, "include %s/probe/%.*s\n", GS_TEST_DATA_DIR,
                    (int)(len - 8), p + 8);
        else
            fprintf(f, "%.*s\n", (int)len, p);
        p += len + (nl != NULL);
    }
    fclose(f);
    return path;
}

static int teardown_scripts(void **state)
{
    (void)state;
    for (int i = 0; i < n_tmp; i++)
        unlink(tmp_scripts[i]);
    n_tmp = 0;
    unsetenv("CUDA_VISIBLE_DEVICES");
    unsetenv("GPUSCHED_CUDA_LIBRARY");
    unsetenv("GPUSCHED_NVML_LIBRARY");
    return 0;
}

/* ---- the scripted DGX-1V ----------------------------------------------- */

/* NVLinks of dgx1-v100.machine, both ends: its nvlink lines. */
static const int dgx1_nv[8][8] = {
    {0, 1, 1, 2, 2, 0, 0, 0}, {1, 0, 2, 1, 0, 2, 0, 0},
    {1, 2, 0, 2, 0, 0, 1, 0}, {2, 1, 2, 0, 0, 0, 0, 1},
    {2, 0, 0, 0, 0, 1, 1, 2}, {0, 2, 0, 0, 1, 0, 2, 1},
    {0, 0, 1, 0, 1, 2, 0, 2}, {0, 0, 0, 1, 2, 1, 2, 0}};
/* Its pcie-row lines (NVML's common ancestors). */
static const int dgx1_pcie[8][8] = {
    {0, PIX, NODE, NODE, SYS, SYS, SYS, SYS},
    {PIX, 0, NODE, NODE, SYS, SYS, SYS, SYS},
    {NODE, NODE, 0, PIX, SYS, SYS, SYS, SYS},
    {NODE, NODE, PIX, 0, SYS, SYS, SYS, SYS},
    {SYS, SYS, SYS, SYS, 0, PIX, NODE, NODE},
    {SYS, SYS, SYS, SYS, PIX, 0, NODE, NODE},
    {SYS, SYS, SYS, SYS, NODE, NODE, 0, PIX},
    {SYS, SYS, SYS, SYS, NODE, NODE, PIX, 0}};
static const char *const dgx1_bus[8] = {
    "0000:06:00.0", "0000:07:00.0", "0000:0a:00.0", "0000:0b:00.0",
    "0000:85:00.0", "0000:86:00.0", "0000:89:00.0", "0000:8a:00.0"};

static void dgx1_uuid(int g, char *buf, size_t cap)
{
    snprintf(buf, cap, "GPU-%d7a3c5e1-4b2d-4f6a-9c8e-1d2f3a4b5c6%d", g, g);
}

static void dgx1(void **state)
{
    (void)state;
    NEED_HWLOC();
    result res;
    run rn = {.machine = "dgx1-v100.machine", .xml = "probe/dgx1-v100.xml",
              .hostname = "dgx1"};
    probe_ok(&rn, &res);
    gs_topo *t = res.t;
    assert_true(gs_topo_is_frozen(t));
    assert_int_equal(gs_topo_node_count(t), 1);
    assert_string_equal(gs_topo_node_name(t, 0), "dgx1");
    assert_int_equal(gs_topo_gpu_count(t), 8);
    /* hwloc: two packages of 40 threads, 256 GiB each (dgx1-v100.xml) */
    assert_int_equal(gs_topo_node_numa_count(t, 0), 2);
    assert_int_equal(gs_topo_node_cpu_count(t, 0), 80);
    char buf[256];
    assert_int_equal(gs_topo_numa_cpus(t, 0, 0, buf, sizeof buf, NULL), GS_OK);
    assert_string_equal(buf, "0-19,40-59");
    assert_int_equal(gs_topo_numa_cpus(t, 0, 1, buf, sizeof buf, NULL), GS_OK);
    assert_string_equal(buf, "20-39,60-79");
    assert_true(gs_topo_numa_memory(t, 0, 0) == 256 * GIB);
    assert_true(gs_topo_numa_memory(t, 0, 1) == 256 * GIB);
    for (uint32_t g = 0; g < 8; g++) {
        gs_gpu_info i = gpu(t, g);
        char uuid[64];
        dgx1_uuid((int)g, uuid, sizeof uuid);
        assert_string_equal(i.model, "Tesla V100-SXM2-32GB");
        assert_string_equal(i.uuid, uuid);
        assert_string_equal(i.pci_bus_id, dgx1_bus[g]);
        assert_true(i.memory_bytes == 32 * GIB);
        assert_int_equal(i.cc_major, 7);
        assert_int_equal(i.cc_minor, 0);
        assert_int_equal(i.sm_count, 80);
        /* 06..0b under package 0, 85..8a under package 1 */
        assert_int_equal(i.numa, g / 4);
        assert_int_equal(i.fabric, GS_NONE);
        assert_true(gs_topo_find_gpu_uuid(t, uuid) == g);
        gs_probe_gpu p = pgpu(res.r, g);
        assert_int_equal(p.cuda_ordinal, (int)g);
        assert_int_equal(p.nvml_index, g);
        assert_int_equal(p.nvlinks_active, 6);
        assert_int_equal(p.nvlinks_to_gpus, 6);
        assert_int_equal(p.nvlinks_to_switches, 0);
        assert_int_equal(p.nvlinks_other, 0);
        assert_int_equal(p.mig_mode, -1); /* no mig= in the script */
        assert_int_equal(p.multi_gpu_board, 0);
        assert_int_equal(p.board_group, (int)g);
        assert_int_equal(p.attr_source, GS_SOURCE_DRIVER);
        assert_int_equal(p.numa_source, GS_SOURCE_HWLOC);
        assert_int_equal(p.nvlink_source, GS_SOURCE_NVML);
    }
    for (uint32_t a = 0; a < 8; a++)
        for (uint32_t b = 0; b < 8; b++) {
            if (a == b)
                continue;
            gs_link_info l = link_of(t, a, b);
            int nv = dgx1_nv[a][b];
            assert_int_equal(l.nvlinks, nv);
            assert_int_equal(l.pcie, dgx1_pcie[a][b]);
            assert_int_equal(l.kind, nv ? GS_LINK_NVLINK : GS_LINK_PCIE);
            /* NV1 25, NV2 50 GB/s; the other pairs are SYS: 6 */
            assert_true(l.bandwidth == (nv ? 25.0 * nv : 6.0));
            assert_int_equal(l.source, GS_SOURCE_NVML);
            gs_probe_pair p = ppair(res.r, a, b);
            assert_int_equal(p.nvlink_source, GS_SOURCE_NVML);
            assert_int_equal(p.pcie_source, GS_SOURCE_NVML);
            /* fake defaults: access 1, atomics when NVLinked, rank 0;
             * the script's p2p lines: GPU0 with 5, 6, 7 no access, rank 1 */
            bool refused = (a == 0 && b >= 5) || (b == 0 && a >= 5);
            assert_int_equal(p.access_supported, refused ? 0 : 1);
            assert_int_equal(p.performance_rank, refused ? 1 : 0);
            assert_int_equal(p.native_atomics, nv ? 1 : 0);
            assert_int_equal(p.nvlink_p2p, nv ? 1 : 0);
        }
    /* the summary */
    assert_int_equal(res.s.cuda_driver_version, 12040);
    assert_int_equal(res.s.cuda_devices, 8);
    assert_int_equal(res.s.gpus, 8);
    assert_int_equal(res.s.vanished, 0);
    assert_int_equal(res.s.nvml_devices, 8);
    assert_string_equal(res.s.nvml_driver_version, "550.54.15");
    assert_int_equal(res.s.partial, 0);
    assert_null(res.s.cuda_visible_devices);
    assert_int_equal(res.s.visible_stop, GS_NONE);
    for (int i = 0; i < 3; i++)
        assert_int_equal(res.s.lib_status[i], GS_OK);
    assert_string_equal(res.s.lib_name[GS_PROBE_LIB_CUDA], GS_FAKE_CUDA);
    assert_string_equal(res.s.lib_name[GS_PROBE_LIB_NVML], GS_FAKE_NVML);
    assert_contains(res.s.lib_name[GS_PROBE_LIB_HWLOC], "dgx1-v100.xml");
    assert_contains(res.s.lib_message[GS_PROBE_LIB_CUDA], "CUDA 12.4");
    assert_contains(res.s.lib_message[GS_PROBE_LIB_HWLOC],
                    "2 NUMA domains, 80 CPUs");
    assert_int_equal(res.w.count, 0);
    /* the matrix marks every cell with NVML */
    size_t len = 0;
    char m[4096];
    assert_int_equal(gs_topo_node_matrix(t, 0, GS_MATRIX_SOURCES, m, sizeof m,
                                         &len),
                     GS_OK);
    assert_contains(m, "GPU0\t X \tNV1n\tNV1n\tNV2n\tNV2n\tSYSn\tSYSn\tSYSn\t"
                       "0-19,40-59\t0\n");
    done(&res);
}

/* What "identical" means for the three descriptions of a DGX-1V (the
 * probe, the dgx1-v100 template, nvidia-smi topo -m text), each as far as
 * it carries the fact:
 * - all three: GPU count; per pair the link kind, the NVLink count shown,
 *   the bandwidth; the PCIe level of pairs without NVLinks (the text shows
 *   no level behind an NV# cell); the partition of the GPUs into NUMA
 *   domains; Q(S) of every 4-GPU set;
 * - probe and template: also the PCIe level behind NVLinks, every GPU
 *   attribute but the UUID (the template has none), each domain's CPUs and
 *   memory, and the whole matrix as gs_topo_node_matrix prints it;
 * - the text with the same CPUs (the repo's copy): its CPU lists per GPU
 *   and the printed matrix.
 * Not compared: UUIDs, node names, sources. */
static void same_links(const gs_topo *a, const gs_topo *b, bool pcie_behind_nv)
{
    assert_int_equal(gs_topo_gpu_count(a), gs_topo_gpu_count(b));
    uint32_t n = gs_topo_gpu_count(a);
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < n; j++) {
            if (i == j)
                continue;
            gs_link_info x = link_of(a, i, j), y = link_of(b, i, j);
            assert_int_equal(x.kind, y.kind);
            assert_int_equal(x.nvlinks, y.nvlinks);
            assert_true(x.bandwidth == y.bandwidth);
            if (pcie_behind_nv || !x.nvlinks)
                assert_int_equal(x.pcie, y.pcie);
            /* the NUMA partition */
            assert_int_equal(gpu(a, i).numa == gpu(a, j).numa,
                             gpu(b, i).numa == gpu(b, j).numa);
        }
    for (uint32_t m = 0; m < (1u << n); m++) {
        if (__builtin_popcount(m) != 4)
            continue;
        uint32_t set[4], k = 0;
        for (uint32_t i = 0; i < n; i++)
            if (m & (1u << i))
                set[k++] = i;
        double qa, qb;
        assert_int_equal(gs_topo_quality(a, set, 4, &qa), GS_OK);
        assert_int_equal(gs_topo_quality(b, set, 4, &qb), GS_OK);
        assert_true(qa == qb);
    }
}

static char *matrix_text(const gs_topo *t)
{
    size_t len = 0;
    gs_topo_node_matrix(t, 0, 0, NULL, 0, &len);
    char *m = malloc(len + 1);
    assert_non_null(m);
    assert_int_equal(gs_topo_node_matrix(t, 0, 0, m, len + 1, &len), GS_OK);
    return m;
}

static void dgx1_three_ways(void **state)
{
    (void)state;
    NEED_HWLOC();
    result res;
    run rn = {.machine = "dgx1-v100.machine", .xml = "probe/dgx1-v100.xml"};
    probe_ok(&rn, &res);
    gs_topo *tpl = NULL;
    assert_int_equal(gs_topo_load(&tpl, "dgx1-v100", NULL), GS_OK);

    /* probe and template */
    same_links(res.t, tpl, true);
    for (uint32_t g = 0; g < 8; g++) {
        gs_gpu_info a = gpu(res.t, g), b = gpu(tpl, g);
        assert_string_equal(a.model, b.model);
        assert_string_equal(a.pci_bus_id, b.pci_bus_id);
        assert_true(a.memory_bytes == b.memory_bytes);
        assert_int_equal(a.cc_major, b.cc_major);
        assert_int_equal(a.cc_minor, b.cc_minor);
        assert_int_equal(a.sm_count, b.sm_count);
        assert_int_equal(a.numa, b.numa);
        assert_int_equal(a.fabric, b.fabric);
    }
    assert_int_equal(gs_topo_node_numa_count(res.t, 0),
                     gs_topo_node_numa_count(tpl, 0));
    for (uint32_t d = 0; d < 2; d++) {
        char x[64], y[64];
        gs_topo_numa_cpus(res.t, 0, d, x, sizeof x, NULL);
        gs_topo_numa_cpus(tpl, 0, d, y, sizeof y, NULL);
        assert_string_equal(x, y);
        assert_true(gs_topo_numa_memory(res.t, 0, d) ==
                    gs_topo_numa_memory(tpl, 0, d));
    }
    char *mp = matrix_text(res.t), *mt = matrix_text(tpl);
    assert_string_equal(mp, mt);

    /* the repo's nvidia-smi capture: same CPUs as the template */
    gs_topo *smi = NULL;
    gs_status st = gs_topo_load(&smi, test_data("dgx1-v100-topo-m.txt"), NULL);
    if (st != GS_OK)
        fail_msg("%s", gs_topo_errmsg(smi));
    same_links(res.t, smi, false);
    char *ms = matrix_text(smi);
    assert_string_equal(mp, ms);
    for (uint32_t g = 0; g < 8; g++) {
        char x[64], y[64];
        gs_topo_gpu_local_cpus(res.t, g, x, sizeof x, NULL);
        gs_topo_gpu_local_cpus(smi, g, y, sizeof y, NULL);
        assert_string_equal(x, y);
    }
    free(ms);
    gs_topo_destroy(smi);

    /* ../shared/data's capture (another DGX-1: 12-core CPUs), when there */
    const char *shared = test_shared_data("topo-m/dgx1-v100.txt");
    if (shared) {
        smi = NULL;
        assert_int_equal(gs_topo_load(&smi, shared, NULL), GS_OK);
        same_links(res.t, smi, false);
        gs_topo_destroy(smi);
    }
    free(mp);
    free(mt);
    gs_topo_destroy(tpl);
    done(&res);
}

/* Without NVML: the PCIe levels come from hwloc's tree (dgx1-v100.xml is
 * built to give the template's), and nothing counts NVLinks. */
static void dgx1_without_nvml(void **state)
{
    (void)state;
    NEED_HWLOC();
    result res;
    run rn = {.machine = "dgx1-v100.machine", .xml = "probe/dgx1-v100.xml",
              .flags = GS_PROBE_NO_NVML};
    probe_ok(&rn, &res);
    for (uint32_t a = 0; a < 8; a++)
        for (uint32_t b = 0; b < 8; b++) {
            if (a == b)
                continue;
            gs_link_info l = link_of(res.t, a, b);
            assert_int_equal(l.nvlinks, 0);
            assert_int_equal(l.pcie, dgx1_pcie[a][b]);
            assert_int_equal(l.source, GS_SOURCE_HWLOC);
            assert_int_equal(ppair(res.r, a, b).pcie_source, GS_SOURCE_HWLOC);
        }
    for (uint32_t g = 0; g < 8; g++) {
        assert_int_equal(pgpu(res.r, g).nvlink_source, GS_SOURCE_INFERRED);
        assert_int_equal(pgpu(res.r, g).nvml_index, GS_NONE);
    }
    assert_int_equal(res.s.lib_status[GS_PROBE_LIB_NVML], GS_EUNSUPPORTED);
    assert_int_equal(res.s.nvml_devices, GS_NONE);
    done(&res);

    /* and without hwloc either: levels unknown, inferred when freezing
     * (no NUMA domains known: SYS) */
    run rn2 = {.machine = "dgx1-v100.machine", .flags = GS_PROBE_NO_NVML};
    probe_ok(&rn2, &res);
    assert_int_equal(gs_topo_node_numa_count(res.t, 0), 0);
    gs_link_info l = link_of(res.t, 0, 1);
    assert_int_equal(l.pcie, GS_PCIE_SYS);
    assert_int_equal(l.source, GS_SOURCE_INFERRED);
    assert_int_equal(ppair(res.r, 0, 1).pcie_source, GS_SOURCE_INFERRED);
    assert_int_equal(pgpu(res.r, 0).numa_source, GS_SOURCE_INFERRED);
    assert_int_equal(gpu(res.t, 0).numa, GS_NONE);
    assert_int_equal(res.s.lib_status[GS_PROBE_LIB_HWLOC], GS_EUNSUPPORTED);
    done(&res);
}

/* ---- NVSwitch: the scripted DGX A100 ----------------------------------- */

static void dgx_a100(void **state)
{
    (void)state;
    result res;
    run rn = {.machine = "dgx-a100.machine"};
    probe_ok(&rn, &res);
    gs_topo *t = res.t;
    assert_int_equal(gs_topo_gpu_count(t), 8);
    for (uint32_t g = 0; g < 8; g++) {
        gs_gpu_info i = gpu(t, g);
        assert_string_equal(i.model, "NVIDIA A100-SXM4-80GB");
        assert_true(i.memory_bytes == 80 * GIB);
        assert_int_equal(i.sm_count, 108);
        /* 2 links into each of 6 switches, all shared: one fabric */
        assert_int_equal(i.fabric, 0);
        assert_int_equal(i.fabric_links, 12);
        gs_probe_gpu p = pgpu(res.r, g);
        assert_int_equal(p.nvlinks_to_switches, 12);
        assert_int_equal(p.nvlinks_to_gpus, 0);
        assert_int_equal(p.mig_mode, 0);
        assert_int_equal(p.mig_pending, 0);
    }
    for (uint32_t a = 0; a < 8; a++)
        for (uint32_t b = 0; b < 8; b++) {
            if (a == b)
                continue;
            gs_link_info l = link_of(t, a, b);
            assert_int_equal(l.kind, GS_LINK_NVSWITCH);
            assert_int_equal(l.nvlinks, 12);
            assert_true(l.bandwidth == 300.0);
            /* pcie lines: pairs (0,1) (2,3) (4,5) (6,7) PXB, else SYS */
            assert_int_equal(l.pcie, a / 2 == b / 2 ? PXB : SYS);
            assert_int_equal(l.source, GS_SOURCE_NVML);
        }
    assert_int_equal(res.s.cuda_driver_version, 12020);
    assert_string_equal(res.s.nvml_driver_version, "535.104.05");
    /* the GPU cells as the dgx-a100 template has them */
    gs_topo *tpl = NULL;
    assert_int_equal(gs_topo_load(&tpl, "dgx-a100", NULL), GS_OK);
    for (uint32_t a = 0; a < 8; a++)
        for (uint32_t b = 0; b < 8; b++)
            if (a != b) {
                gs_link_info x = link_of(t, a, b), y = link_of(tpl, a, b);
                assert_int_equal(x.kind, y.kind);
                assert_int_equal(x.nvlinks, y.nvlinks);
                assert_int_equal(x.pcie, y.pcie);
                assert_true(x.bandwidth == y.bandwidth);
            }
    gs_topo_destroy(tpl);
    done(&res);

    /* MIG on GPU 7 without instances: reported, and the GPU is in MIG
     * mode, dynamic (the scheduler makes instances there) */
    run mig = {.machine = script("include dgx-a100.machine\n"
                                 "set gpu7 mig=on mig-pending=off\n")};
    probe_ok(&mig, &res);
    assert_int_equal(gs_topo_gpu_count(res.t), 8);
    assert_int_equal(pgpu(res.r, 7).mig_mode, 1);
    assert_int_equal(pgpu(res.r, 7).mig_pending, 0);
    assert_int_equal(pgpu(res.r, 6).mig_mode, 0);
    gs_mig_mode mode = GS_MIG_OFF;
    assert_int_equal(gs_topo_gpu_mig(res.t, 7, &mode, NULL, NULL, 0, NULL),
                     GS_OK);
    assert_int_equal(mode, GS_MIG_DYNAMIC);
    assert_int_equal(gs_topo_gpu_mig(res.t, 6, &mode, NULL, NULL, 0, NULL),
                     GS_OK);
    assert_int_equal(mode, GS_MIG_OFF);
    done(&res);

    /* MIG instances from NVML: GPU 7 holds GPU instances 3g.40gb@0 (id
     * 9, slots 0-3), 2g.20gb@4 (id 14, slots 4-5; two compute instances:
     * the first's UUID is taken) and 1g.10gb@6 (id 19): its fixed layout
     * is those, numbered in NVML's order (A100 80GB's profiles 4, 3, 0,
     * mig.h). GPU 5's two instances overlap (3g at 0-3, 2g at 2-3): not a
     * legal layout, so it stays whole, said. */
    run inst = {.machine = script(
                    "include dgx-a100.machine\n"
                    "set gpu7 mig=on\n"
                    "mig-device gpu7 1 9 0 4 MIG-11111111-2222-5333-8444-555555555555\n"
                    "mig-device gpu7 5 14 4 2 MIG-aaaaaaaa-2222-5333-8444-555555555555\n"
                    "mig-device gpu7 5 14 4 2 MIG-bbbbbbbb-2222-5333-8444-555555555555\n"
                    "mig-device gpu7 13 19 6 1 MIG-cccccccc-2222-5333-8444-555555555555\n"
                    "set gpu5 mig=on\n"
                    "mig-device gpu5 1 9 0 4 MIG-dddddddd-2222-5333-8444-555555555555\n"
                    "mig-device gpu5 2 14 2 2 MIG-eeeeeeee-2222-5333-8444-555555555555\n")};
    probe_ok(&inst, &res);
    gs_mig_gpu kind = GS_MIG_A100_40GB;
    gs_mig_instance mi[7];
    size_t nmi = 0;
    assert_int_equal(gs_topo_gpu_mig(res.t, 7, &mode, &kind, mi, 7, &nmi),
                     GS_OK);
    assert_int_equal(mode, GS_MIG_FIXED);
    assert_int_equal(kind, GS_MIG_A100_80GB);
    assert_int_equal(nmi, 3);
    assert_int_equal(mi[0].profile, 4);
    assert_int_equal(mi[0].start, 0);
    assert_int_equal(mi[1].profile, 3);
    assert_int_equal(mi[1].start, 4);
    assert_int_equal(mi[2].profile, 0);
    assert_int_equal(mi[2].start, 6);
    assert_string_equal(gs_topo_mig_uuid(res.t, 7, 0),
                        "MIG-11111111-2222-5333-8444-555555555555");
    assert_string_equal(gs_topo_mig_uuid(res.t, 7, 1),
                        "MIG-aaaaaaaa-2222-5333-8444-555555555555");
    assert_string_equal(gs_topo_mig_uuid(res.t, 7, 2),
                        "MIG-cccccccc-2222-5333-8444-555555555555");
    assert_int_equal(gs_topo_gpu_mig(res.t, 5, &mode, NULL, NULL, 0, NULL),
                     GS_OK);
    assert_int_equal(mode, GS_MIG_OFF);
    assert_contains(res.w.text, "GPU 5 (GPU-5a100000-0000-4000-8000-"
                                "000000000005): its MIG instances are not a "
                                "legal layout of A100-80GB");
    done(&res);

    /* an NVML without the GPU-instance calls: the instances cannot be
     * read, the GPU stays whole, said */
    run old_mig = {.machine = script(
                       "include dgx-a100.machine\n"
                       "set gpu7 mig=on\n"
                       "mig-device gpu7 1 9 0 4 MIG-11111111-2222-5333-8444-555555555555\n"
                       "lacks nvmlGpuInstanceGetInfo\n")};
    probe_ok(&old_mig, &res);
    assert_int_equal(gs_topo_gpu_mig(res.t, 7, &mode, NULL, NULL, 0, NULL),
                     GS_OK);
    assert_int_equal(mode, GS_MIG_OFF);
    assert_contains(res.w.text, "has MIG enabled, but NVML did not list its "
                                "MIG instances");
    done(&res);

    /* An NVML without nvmlDeviceGetNvLinkRemoteDeviceType: far ends that
     * are no GPU are taken as switches, and the answer is the same. */
    run old = {.machine = script("include dgx-a100.machine\n"
                                 "lacks nvmlDeviceGetNvLinkRemoteDeviceType\n")};
    probe_ok(&old, &res);
    for (uint32_t g = 0; g < 8; g++) {
        assert_int_equal(gpu(res.t, g).fabric, 0);
        assert_int_equal(gpu(res.t, g).fabric_links, 12);
    }
    done(&res);

    /* Two fabrics: the switches split in halves, no P2P over NVLink
     * between the halves. */
    run split = {.machine = script(
                     "include dgx-a100.machine\n"
                     "nvlink-p2p gpu0 gpu4 no\n" /* only the pair listed */)};
    probe_ok(&split, &res);
    /* one pair refusing P2P does not split a fabric joined by switches */
    assert_int_equal(gpu(res.t, 4).fabric, 0);
    done(&res);
}

/* ---- a PCIe box without NVML ------------------------------------------- */

static void pcie_box(void **state)
{
    (void)state;
    NEED_HWLOC();
    result res;
    run rn = {.machine = "pcie-2gpu.machine", .xml = "hwloc/pcie-only.xml",
              .nvml = "/nonexistent/libnvidia-ml.so.1"};
    probe_ok(&rn, &res);
    gs_topo *t = res.t;
    assert_int_equal(gs_topo_gpu_count(t), 2);
    assert_string_equal(gpu(t, 0).model, "Tesla V100-PCIE-16GB");
    assert_string_equal(gpu(t, 1).model, "Tesla T4");
    assert_int_equal(gpu(t, 1).cc_minor, 5);
    assert_true(gpu(t, 1).memory_bytes == 15 * GIB);
    /* pcie-only.xml: both under package 0's first host bridge */
    assert_int_equal(gpu(t, 0).numa, 0);
    assert_int_equal(gpu(t, 1).numa, 0);
    assert_int_equal(gs_topo_node_numa_count(t, 0), 2);
    gs_link_info l = link_of(t, 0, 1);
    assert_int_equal(l.kind, GS_LINK_PCIE);
    assert_int_equal(l.pcie, PXB); /* 05 and 07 meet at switch A */
    assert_true(l.bandwidth == 14.0);
    assert_int_equal(l.source, GS_SOURCE_HWLOC);
    assert_int_equal(res.s.cuda_driver_version, 11040);
    assert_int_equal(res.s.lib_status[GS_PROBE_LIB_NVML], GS_ENODEV);
    assert_contains(res.s.lib_message[GS_PROBE_LIB_NVML],
                    "/nonexistent/libnvidia-ml.so.1 not found");
    assert_int_equal(res.w.count, 1);
    assert_contains(res.w.text, "libnvidia-ml.so.1 not found");
    done(&res);

    /* The fake NVML is there but does not start (nvml off). */
    run rn2 = {.machine = "pcie-2gpu.machine", .xml = "hwloc/pcie-only.xml"};
    probe_ok(&rn2, &res);
    assert_int_equal(res.s.lib_status[GS_PROBE_LIB_NVML], GS_EDRIVER);
    assert_contains(res.s.lib_message[GS_PROBE_LIB_NVML],
                    "nvmlInit_v2 (" GS_FAKE_NVML "): NVML error 9: Driver "
                    "Not Loaded");
    assert_int_equal(link_of(res.t, 0, 1).pcie, PXB);
    done(&res);
}

/* ---- drivers that are too old, fail, or lose a device ------------------ */

static void old_driver(void **state)
{
    (void)state;
    result res;
    run rn = {.machine = "old-driver.machine"};
    do_probe(&rn, &res);
    assert_int_equal(res.st, GS_EUNSUPPORTED);
    assert_string_equal(gs_topo_errmsg(res.t),
                        GS_FAKE_CUDA " is CUDA 9.0, older than the 10.0 the "
                        "probe needs: update the NVIDIA driver");
    assert_int_equal(res.s.cuda_driver_version, 9000);
    assert_int_equal(res.s.gpus, 0);
    assert_int_equal(gs_topo_node_count(res.t), 0);
    done(&res);

    /* A driver without cuDeviceGetUuid_v2 (before CUDA 11.4) and without
     * error names: the plain cuDeviceGetUuid serves. */
    run rn2 = {.machine = "dgx1-v100.machine", .cuda = GS_FAKE_CUDA_OLD};
    probe_ok(&rn2, &res);
    char uuid[64];
    dgx1_uuid(5, uuid, sizeof uuid);
    assert_string_equal(gpu(res.t, 5).uuid, uuid);
    done(&res);
    run rn3 = {.machine = "no-device.machine", .cuda = GS_FAKE_CUDA_OLD};
    do_probe(&rn3, &res);
    assert_int_equal(res.st, GS_ENODEV);
    assert_string_equal(gs_topo_errmsg(res.t), "cuInit: CUDA error 100");
    done(&res);

    /* A driver missing an entry point the probe needs. */
    run rn4 = {.machine = "dgx1-v100.machine", .cuda = GS_FAKE_CUDA_NOP2P};
    do_probe(&rn4, &res);
    assert_int_equal(res.st, GS_EUNSUPPORTED);
    assert_string_equal(gs_topo_errmsg(res.t),
                        GS_FAKE_CUDA_NOP2P " (CUDA 12.4) has no "
                        "cuDeviceGetP2PAttribute, which the probe needs: "
                        "update the NVIDIA driver");
    done(&res);
}

static void driver_fails(void **state)
{
    (void)state;
    NEED_HWLOC();
    result res;
    /* 8 attribute calls per device (probe_cuda.c reads compute capability
     * major, minor, SMs, PCI domain, bus, device, board, group): the 21st
     * call is device 2's PCI bus. */
    run rn = {.machine = "fail-not-initialized.machine"};
    do_probe(&rn, &res);
    assert_int_equal(res.st, GS_EDRIVER);
    assert_string_equal(gs_topo_errmsg(res.t),
                        "cuDeviceGetAttribute(PCI_BUS_ID) on device 2: "
                        "CUDA_ERROR_NOT_INITIALIZED: initialization error");
    assert_int_equal(res.s.lib_status[GS_PROBE_LIB_CUDA], GS_EDRIVER);
    assert_int_equal(res.s.cuda_devices, 8);
    assert_int_equal(res.s.gpus, 0);
    done(&res);

    run rn2 = {.machine = "no-device.machine"};
    do_probe(&rn2, &res);
    assert_int_equal(res.st, GS_ENODEV);
    assert_string_equal(gs_topo_errmsg(res.t),
                        "cuInit: CUDA_ERROR_NO_DEVICE: no CUDA-capable device "
                        "is detected");
    done(&res);

    /* cuDeviceGetCount itself */
    run rn3 = {.machine = script("include dgx1-v100.machine\n"
                                 "fail cuDeviceGetCount CUDA_ERROR_NO_DEVICE\n")};
    do_probe(&rn3, &res);
    assert_int_equal(res.st, GS_ENODEV);
    assert_contains(gs_topo_errmsg(res.t), "cuDeviceGetCount: "
                                           "CUDA_ERROR_NO_DEVICE");
    done(&res);

    /* In the middle of the P2P attributes: DEINITIALIZED */
    run rn4 = {.machine = script("include dgx1-v100.machine\n"
                                 "fail cuDeviceGetP2PAttribute "
                                 "CUDA_ERROR_DEINITIALIZED after=7\n")};
    do_probe(&rn4, &res);
    assert_int_equal(res.st, GS_EDRIVER);
    /* 3 calls per ordered pair: (0,1) (0,2) take 6, the 8th is (0,3)'s
     * second, native atomics (attribute 3) */
    assert_string_equal(gs_topo_errmsg(res.t),
                        "cuDeviceGetP2PAttribute(3) on devices 0 and 3: "
                        "CUDA_ERROR_DEINITIALIZED: driver shutting down");
    done(&res);

    /* The same with GS_PROBE_PARTIAL: what the driver gave before it
     * failed is dropped (it once leaked) and hwloc's view comes back. */
    run rn4p = {.machine = rn4.machine, .xml = "probe/dgx1-v100.xml",
                .flags = GS_PROBE_PARTIAL};
    probe_ok(&rn4p, &res);
    assert_int_equal(res.s.partial, 1);
    assert_int_equal(res.s.lib_status[GS_PROBE_LIB_CUDA], GS_EDRIVER);
    assert_int_equal(gs_topo_gpu_count(res.t), 8);
    done(&res);

    /* On request, hwloc's view instead (the GPUs as PCI devices). */
    run rn5 = {.machine = "no-device.machine", .xml = "probe/dgx1-v100.xml",
               .flags = GS_PROBE_PARTIAL};
    probe_ok(&rn5, &res);
    assert_int_equal(res.s.partial, 1);
    assert_int_equal(res.s.lib_status[GS_PROBE_LIB_CUDA], GS_ENODEV);
    assert_contains(res.s.lib_message[GS_PROBE_LIB_CUDA],
                    "CUDA_ERROR_NO_DEVICE");
    assert_int_equal(res.s.lib_status[GS_PROBE_LIB_HWLOC], GS_OK);
    assert_int_equal(gs_topo_gpu_count(res.t), 8);
    assert_null(gpu(res.t, 0).model); /* the XML has PCI devices only */
    assert_string_equal(gpu(res.t, 4).pci_bus_id, "0000:85:00.0");
    assert_int_equal(gpu(res.t, 4).numa, 1);
    for (uint32_t a = 0; a < 8; a++)
        for (uint32_t b = 0; b < 8; b++)
            if (a != b) {
                assert_int_equal(link_of(res.t, a, b).pcie, dgx1_pcie[a][b]);
                assert_int_equal(link_of(res.t, a, b).source,
                                 GS_SOURCE_HWLOC);
            }
    gs_probe_gpu p = pgpu(res.r, 4);
    assert_int_equal(p.cuda_ordinal, -1);
    assert_int_equal(p.attr_source, GS_SOURCE_HWLOC);
    assert_int_equal(p.numa_source, GS_SOURCE_HWLOC);
    assert_int_equal(ppair(res.r, 0, 1).pcie_source, GS_SOURCE_HWLOC);
    assert_int_equal(ppair(res.r, 0, 1).access_supported, -1);
    done(&res);

    /* partial, but without hwloc: the driver's reason stands */
    run rn6 = {.machine = "no-device.machine",
               .flags = GS_PROBE_PARTIAL | GS_PROBE_NO_HWLOC};
    do_probe(&rn6, &res);
    assert_int_equal(res.st, GS_ENODEV);
    assert_contains(gs_topo_errmsg(res.t), "CUDA_ERROR_NO_DEVICE");
    done(&res);
}

static void device_vanishes(void **state)
{
    (void)state;
    NEED_HWLOC();
    result res;
    run rn = {.machine = "vanish.machine", .xml = "probe/dgx1-v100.xml"};
    probe_ok(&rn, &res);
    gs_topo *t = res.t;
    assert_int_equal(gs_topo_gpu_count(t), 7);
    assert_int_equal(res.s.cuda_devices, 8);
    assert_int_equal(res.s.vanished, 1);
    assert_contains(res.w.text,
                    "CUDA device 3 vanished between cuDeviceGetCount and its "
                    "queries (cuDeviceGetName on device 3: "
                    "CUDA_ERROR_INVALID_DEVICE: invalid device ordinal): "
                    "left out; the GPU indexes after it are one less than "
                    "their CUDA ordinals");
    /* NVML cannot open it either */
    assert_contains(res.w.text, "NVML device 3 cannot be read");
    /* node GPUs: script GPUs 0, 1, 2, 4, 5, 6, 7 */
    static const int orig[7] = {0, 1, 2, 4, 5, 6, 7};
    for (uint32_t g = 0; g < 7; g++) {
        assert_string_equal(gpu(t, g).pci_bus_id, dgx1_bus[orig[g]]);
        assert_int_equal(pgpu(res.r, g).cuda_ordinal, orig[g]);
        for (uint32_t h = 0; h < 7; h++)
            if (g != h)
                assert_int_equal(link_of(t, g, h).nvlinks,
                                 dgx1_nv[orig[g]][orig[h]]);
    }
    /* GPU0's two wires to the lost GPU3 lead nowhere on the node */
    gs_probe_gpu p = pgpu(res.r, 0);
    assert_int_equal(p.nvlinks_to_gpus, 4);
    assert_int_equal(p.nvlinks_other, 2);
    done(&res);

    /* every device gone */
    char text[512];
    snprintf(text, sizeof text, "include pcie-2gpu.machine\n"
                                "set gpu0 vanish=yes\nset gpu1 vanish=yes\n");
    run rn2 = {.machine = script(text)};
    do_probe(&rn2, &res);
    assert_int_equal(res.st, GS_ENODEV);
    assert_string_equal(gs_topo_errmsg(res.t),
                        "all 2 CUDA devices vanished before they could be "
                        "read");
    done(&res);
}

/* ---- CUDA_VISIBLE_DEVICES ---------------------------------------------- */

static void visible(const char *cvd, result *res)
{
    setenv("CUDA_VISIBLE_DEVICES", cvd, 1);
    run rn = {.machine = "dgx1-v100.machine"};
    do_probe(&rn, res);
    unsetenv("CUDA_VISIBLE_DEVICES");
}

static void assert_node_is(const result *res, const int *orig, uint32_t n)
{
    assert_int_equal(res->st, GS_OK);
    assert_int_equal(gs_topo_gpu_count(res->t), n);
    for (uint32_t g = 0; g < n; g++) {
        char uuid[64];
        dgx1_uuid(orig[g], uuid, sizeof uuid);
        assert_string_equal(gpu(res->t, g).uuid, uuid);
        assert_int_equal(pgpu(res->r, g).nvml_index, orig[g]);
        assert_int_equal(pgpu(res->r, g).cuda_ordinal, (int)g);
        for (uint32_t h = 0; h < n; h++)
            if (g != h) {
                gs_link_info l = link_of(res->t, g, h);
                assert_int_equal(l.nvlinks, dgx1_nv[orig[g]][orig[h]]);
                assert_int_equal(l.pcie, dgx1_pcie[orig[g]][orig[h]]);
            }
    }
}

static void visible_devices(void **state)
{
    (void)state;
    result res;
    /* indexes, in their order */
    visible("2,0,5", &res);
    static const int a[] = {2, 0, 5};
    assert_node_is(&res, a, 3);
    assert_string_equal(res.s.cuda_visible_devices, "2,0,5");
    assert_int_equal(res.s.visible_entries, 3);
    assert_int_equal(res.s.visible_stop, GS_NONE);
    assert_int_equal(res.s.nvml_devices, 8);
    /* GPU2's six wires: one to GPU0 on the node; 2 to GPU1, 2 to GPU3 and
     * 1 to GPU6 hidden */
    assert_int_equal(pgpu(res.r, 0).nvlinks_to_gpus, 1);
    assert_int_equal(pgpu(res.r, 0).nvlinks_other, 5);
    assert_int_equal(res.w.count, 0);
    done(&res);

    /* UUID prefixes (with "GPU-", as CUDA accepts them) and blanks */
    visible("GPU-37a3, GPU-0", &res);
    static const int b[] = {3, 0};
    assert_node_is(&res, b, 2);
    assert_int_equal(res.s.visible_entries, 2);
    done(&res);

    /* a full UUID, upper case */
    visible("GPU-67A3C5E1-4B2D-4F6A-9C8E-1D2F3A4B5C66", &res);
    static const int c[] = {6};
    assert_node_is(&res, c, 1);
    done(&res);

    /* an invalid entry ends the list: only what precedes it counts */
    visible("1,GPU-9,3", &res);
    static const int d[] = {1};
    assert_node_is(&res, d, 1);
    assert_int_equal(res.s.visible_entries, 1);
    assert_int_equal(res.s.visible_stop, 1);
    done(&res);
    visible("0,-1,1", &res);
    static const int e[] = {0};
    assert_node_is(&res, e, 1);
    assert_int_equal(res.s.visible_stop, 1);
    done(&res);
    visible("4,4,5", &res); /* a repeated index */
    static const int f[] = {4};
    assert_node_is(&res, f, 1);
    assert_int_equal(res.s.visible_stop, 1);
    done(&res);
    visible("7,8,0", &res); /* past the last device */
    static const int g[] = {7};
    assert_node_is(&res, g, 1);
    assert_int_equal(res.s.visible_stop, 1);
    done(&res);

    /* nothing visible: the driver finds no device */
    visible("", &res);
    assert_int_equal(res.st, GS_ENODEV);
    assert_string_equal(gs_topo_errmsg(res.t),
                        "cuInit: CUDA_ERROR_NO_DEVICE: no CUDA-capable device "
                        "is detected (CUDA_VISIBLE_DEVICES=\"\" may hide "
                        "every GPU)");
    assert_string_equal(res.s.cuda_visible_devices, "");
    assert_int_equal(res.s.visible_entries, 0);
    assert_int_equal(res.s.visible_stop, 0);
    done(&res);

    /* an ambiguous prefix: GPU1 made to share GPU0's first digits */
    setenv("CUDA_VISIBLE_DEVICES", "GPU-07a3,1", 1);
    run amb = {.machine = script("include dgx1-v100.machine\n"
                                 "set gpu1 uuid=GPU-07a3ffff-0000-0000-0000-"
                                 "000000000000\n")};
    do_probe(&amb, &res);
    unsetenv("CUDA_VISIBLE_DEVICES");
    assert_int_equal(res.st, GS_ENODEV);
    assert_int_equal(res.s.visible_stop, 0);
    done(&res);

    /* the driver saw another value than the process has now */
    setenv("CUDA_VISIBLE_DEVICES", "0,1", 1);
    run other = {.machine = script("include dgx1-v100.machine\n"
                                   "cuda-count 3\n")};
    do_probe(&other, &res);
    unsetenv("CUDA_VISIBLE_DEVICES");
    assert_int_equal(res.st, GS_OK);
    assert_int_equal(gs_topo_gpu_count(res.t), 2); /* the third vanished */
    assert_contains(res.w.text, "CUDA_VISIBLE_DEVICES=\"0,1\" names 2 devices "
                                "before CUDA stops reading it, but the driver "
                                "shows 3");
    done(&res);
}

/* NVML numbers GPUs its own way: the node keeps CUDA's order, and the
 * report says NVML's index. */
static void nvml_order(void **state)
{
    (void)state;
    result res;
    run rn = {.machine = script("include dgx1-v100.machine\n"
                                "nvml-order gpu7 gpu6 gpu5 gpu4 gpu3 gpu2 "
                                "gpu1 gpu0\n")};
    probe_ok(&rn, &res);
    for (uint32_t g = 0; g < 8; g++) {
        assert_int_equal(pgpu(res.r, g).nvml_index, 7 - g);
        for (uint32_t h = 0; h < 8; h++)
            if (g != h)
                assert_int_equal(link_of(res.t, g, h).nvlinks,
                                 dgx1_nv[g][h]);
    }
    done(&res);
}

/* ---- the real DGX-2H export with a scripted driver --------------------- */

static void dgx2h(void **state)
{
    (void)state;
    NEED_HWLOC();
    const char *xml = test_shared_data("hwloc/nvidia-dgx2h.xml");
    if (!xml)
        skip();
    result res;
    run rn = {.machine = "dgx2h.machine", .xml = xml, .hostname = "dgx2h"};
    probe_ok(&rn, &res);
    gs_topo *t = res.t;
    assert_int_equal(gs_topo_gpu_count(t), 16);
    /* hwloc: two NUMA domains (the export keeps CPUs 0-1 and 24-25) */
    assert_int_equal(gs_topo_node_numa_count(t, 0), 2);
    char buf[64];
    gs_topo_numa_cpus(t, 0, 0, buf, sizeof buf, NULL);
    assert_string_equal(buf, "0-1");
    gs_topo_numa_cpus(t, 0, 1, buf, sizeof buf, NULL);
    assert_string_equal(buf, "24-25");
    static const char *const bus[16] = {
        "0000:34:00.0", "0000:36:00.0", "0000:39:00.0", "0000:3b:00.0",
        "0000:57:00.0", "0000:59:00.0", "0000:5c:00.0", "0000:5e:00.0",
        "0000:b7:00.0", "0000:b9:00.0", "0000:bc:00.0", "0000:be:00.0",
        "0000:e0:00.0", "0000:e2:00.0", "0000:e5:00.0", "0000:e7:00.0"};
    for (uint32_t g = 0; g < 16; g++) {
        gs_gpu_info i = gpu(t, g);
        assert_string_equal(i.pci_bus_id, bus[g]);
        assert_string_equal(i.model, "Tesla V100-SXM3-32GB-H"); /* driver */
        assert_int_equal(i.numa, g / 8);                        /* hwloc */
        /* NVML: 6 switch links each, one fabric through the P2P status */
        assert_int_equal(i.fabric, 0);
        assert_int_equal(i.fabric_links, 6);
        assert_int_equal(pgpu(res.r, g).numa_source, GS_SOURCE_HWLOC);
        assert_int_equal(pgpu(res.r, g).nvlink_source, GS_SOURCE_NVML);
    }
    /* PCIe from hwloc's tree (test_import_hwloc.c works it out): same
     * second-level switch PIX, same host bridge PXB, same package NODE,
     * else SYS; every pair NV6 at 150 GB/s */
    for (uint32_t a = 0; a < 16; a++)
        for (uint32_t b = 0; b < 16; b++) {
            if (a == b)
                continue;
            gs_link_info l = link_of(t, a, b);
            int want = a / 2 == b / 2 ? PIX
                       : a / 4 == b / 4 ? PXB
                       : a / 8 == b / 8 ? NODE
                                        : SYS;
            assert_int_equal(l.pcie, want);
            assert_int_equal(l.kind, GS_LINK_NVSWITCH);
            assert_int_equal(l.nvlinks, 6);
            assert_true(l.bandwidth == 150.0);
            assert_int_equal(l.source, GS_SOURCE_NVML);
            assert_int_equal(ppair(res.r, a, b).pcie_source, GS_SOURCE_HWLOC);
        }
    /* NVML counted every GPU's links: hwloc's NVLink matrix is not read,
     * so its "2 NVSwitch fabrics" warning does not come */
    assert_int_equal(res.w.count, 0);
    done(&res);

    /* Without NVML the NVLinks come from hwloc: two fabrics, as the
     * importer sees them, with its warning. */
    run rn2 = {.machine = "dgx2h.machine", .xml = xml,
               .flags = GS_PROBE_NO_NVML};
    probe_ok(&rn2, &res);
    for (uint32_t g = 0; g < 16; g++) {
        assert_int_equal(gpu(res.t, g).fabric, g / 8);
        assert_int_equal(gpu(res.t, g).fabric_links, 6);
        assert_int_equal(pgpu(res.r, g).nvlink_source, GS_SOURCE_HWLOC);
    }
    gs_link_info l = link_of(res.t, 0, 8);
    assert_int_equal(l.kind, GS_LINK_PCIE);
    assert_int_equal(l.pcie, SYS);
    assert_int_equal(link_of(res.t, 0, 7).kind, GS_LINK_NVSWITCH);
    assert_int_equal(link_of(res.t, 0, 7).source, GS_SOURCE_HWLOC);
    assert_contains(res.w.text, "2 NVSwitch fabrics");
    done(&res);
}

/* ---- hostile values ---------------------------------------------------- */

static void hostile_values(void **state)
{
    (void)state;
    NEED_HWLOC();
    result res;
    struct {
        const char *extra;
        gs_status st;
        const char *msg;
    } cases[] = {
        {"cuda-count -3", GS_EDRIVER, "cuDeviceGetCount gave -3 devices"},
        {"cuda-count 100000", GS_EDRIVER,
         "cuDeviceGetCount gave 100000 devices; gpusched takes 0 to 1024"},
        {"cuda-count 0", GS_ENODEV, "shows no device"},
        {"driver -5", GS_EDRIVER, "cuDriverGetVersion gave -5, not a version"},
        {"fail cuDriverGetVersion CUDA_ERROR_UNKNOWN", GS_EDRIVER,
         "cuDriverGetVersion: CUDA_ERROR_UNKNOWN: unknown error"},
        {"fail cuDeviceTotalMem_v2 12345", GS_EDRIVER,
         "cuDeviceTotalMem on device 0: CUDA error 12345"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[256];
        snprintf(text, sizeof text, "include pcie-2gpu.machine\n%s\n",
                 cases[i].extra);
        run rn = {.machine = script(text)};
        do_probe(&rn, &res);
        if (res.st != cases[i].st)
            fail_msg("%s: %s (%s)", cases[i].extra, gs_status_name(res.st),
                     gs_topo_errmsg(res.t));
        assert_contains(gs_topo_errmsg(res.t), cases[i].msg);
        done(&res);
    }

    /* Devices counted but not there: they vanish, the rest stays. */
    run more = {.machine = script("include pcie-2gpu.machine\n"
                                  "cuda-count 10\n")};
    probe_ok(&more, &res);
    assert_int_equal(gs_topo_gpu_count(res.t), 2);
    assert_int_equal(res.s.vanished, 8);
    done(&res);

    /* Values out of range are left unknown; strings without NUL are read
     * within their buffer; duplicates are refused. */
    run odd = {.machine = script(
                   "include pcie-2gpu.machine\n"
                   "set gpu0 attr.33=-5 attr.75=-1 attr.16=-7 attr.84=7 "
                   "attr.85=-3 name-unterminated=yes mem=18446744073709551615\n"
                   "set gpu1 attr.34=40 attr.76=999\n"
                   "p2p gpu0 gpu1 access=7 atomics=-2 rank=-9\n")};
    probe_ok(&odd, &res);
    gs_gpu_info g0 = gpu(res.t, 0), g1 = gpu(res.t, 1);
    assert_null(g0.pci_bus_id);
    assert_int_equal(g0.cc_major, 0);
    assert_int_equal(g0.sm_count, 0);
    assert_true(g0.memory_bytes == 0);
    assert_int_equal(strlen(g0.model), 256); /* GS_MAX_NAME */
    assert_true(strspn(g0.model, "N") == 256);
    assert_null(g1.pci_bus_id); /* device 40 > 31 */
    assert_int_equal(g1.cc_major, 0);
    assert_int_equal(pgpu(res.r, 0).multi_gpu_board, -1);
    assert_int_equal(pgpu(res.r, 0).board_group, -1);
    gs_probe_pair p = ppair(res.r, 0, 1);
    assert_int_equal(p.access_supported, -1);
    assert_int_equal(p.performance_rank, -1);
    assert_contains(res.w.text, "CUDA device 0: PCI domain 0, bus -5, device "
                                "0 is not a PCI address");
    assert_contains(res.w.text, "total memory 18446744073709551615 bytes is "
                                "not believable");
    done(&res);

    run dup = {.machine = script(
                   "include dgx1-v100.machine\n"
                   "set gpu1 bus=0000:06:00.0 "
                   "uuid=GPU-07a3c5e1-4b2d-4f6a-9c8e-1d2f3a4b5c60\n")};
    probe_ok(&dup, &res);
    assert_int_equal(gs_topo_gpu_count(res.t), 8);
    assert_null(gpu(res.t, 1).uuid);
    assert_null(gpu(res.t, 1).pci_bus_id);
    assert_contains(res.w.text, "CUDA devices 0 and 1 have the same UUID");
    assert_contains(res.w.text, "CUDA devices 0 and 1 have the same PCI bus "
                                "id 0000:06:00.0");
    /* NVML matches GPU1 to nothing (its UUID and bus id are GPU0's) */
    assert_int_equal(pgpu(res.r, 1).nvml_index, GS_NONE);
    done(&res);

    /* NVML out of its mind: absurd count, unknown levels, lost GPUs,
     * one-sided links, links to CPUs and unknown devices */
    run nv = {.machine = script("include dgx1-v100.machine\n"
                                "nvml-count 4000000000\n")};
    probe_ok(&nv, &res);
    assert_int_equal(res.s.lib_status[GS_PROBE_LIB_NVML], GS_EDRIVER);
    assert_int_equal(link_of(res.t, 0, 1).nvlinks, 0);
    done(&res);
    run lv = {.machine = script("include dgx1-v100.machine\n"
                                "pcie gpu0 gpu1 77\n"
                                "set gpu7 nvml-lost=yes\n"
                                "nvlink-half gpu5 gpu6 1\n"
                                "nvlink gpu2 cpu 3\n"
                                "nvlink gpu4 unknown 1\n"
                                "nvlink-down gpu4 gpu0 2\n")};
    probe_ok(&lv, &res);
    /* level 77: no level; hwloc is off, so inferred */
    assert_int_equal(ppair(res.r, 0, 1).pcie_source, GS_SOURCE_INFERRED);
    assert_contains(res.w.text, "NVML gives PCIe common ancestor 77");
    /* GPU7 lost to NVML: its wires counted from the other ends only */
    assert_int_equal(pgpu(res.r, 7).nvml_index, GS_NONE);
    assert_int_equal(link_of(res.t, 7, 4).nvlinks, 2);
    assert_int_equal(link_of(res.t, 3, 7).nvlinks, 1);
    /* 5-6: GPU5 sees 3 wires, GPU6 2: the smaller count */
    assert_int_equal(link_of(res.t, 5, 6).nvlinks, 2);
    assert_contains(res.w.text, "GPUs 5 and 6: NVML shows 3 NVLinks from GPU "
                                "5's end and 2 from GPU 6's; 2 are kept");
    assert_int_equal(pgpu(res.r, 2).nvlinks_to_cpus, 3);
    assert_int_equal(pgpu(res.r, 4).nvlinks_other, 1);
    /* inactive ports count for nothing */
    assert_int_equal(link_of(res.t, 4, 0).nvlinks, 2);
    done(&res);

    /* NVML failing in the middle of a GPU's links */
    run mid = {.machine = script("include dgx1-v100.machine\n"
                                 "fail nvmlDeviceGetNvLinkState "
                                 "NVML_ERROR_GPU_IS_LOST after=9\n")};
    probe_ok(&mid, &res);
    /* GPU0 answers for its 6 ports and the 7th (past the last), GPU1 for
     * two: its links are then known from the other ends only */
    assert_contains(res.w.text, "GPU 1: nvmlDeviceGetNvLinkState(link 2)");
    assert_int_equal(link_of(res.t, 0, 1).nvlinks, 1);
    assert_int_equal(link_of(res.t, 1, 5).nvlinks, 0); /* both ends failed */
    done(&res);
}

/* Random machines: whatever the driver says, the probe answers with a
 * status from its list, and a frozen node when it says GS_OK. */
static void random_machines(void **state)
{
    (void)state;
    NEED_HWLOC();
    const char *vg = getenv("GS_TEST_UNDER_VALGRIND");
    int runs = vg && *vg ? 12 : 150;
    srand(6);
    static const char *const errs[] = {
        "CUDA_ERROR_NOT_INITIALIZED", "CUDA_ERROR_INVALID_DEVICE",
        "CUDA_ERROR_INVALID_VALUE", "CUDA_ERROR_NO_DEVICE", "7777"};
    static const char *const fns[] = {
        "cuDeviceGet", "cuDeviceGetName", "cuDeviceGetUuid_v2",
        "cuDeviceTotalMem_v2", "cuDeviceGetAttribute",
        "cuDeviceGetP2PAttribute", "cuDeviceGetCount", "cuInit"};
    for (int i = 0; i < runs; i++) {
        char text[8192];
        int n = 1 + rand() % 6, used = 0;
        used += snprintf(text + used, sizeof text - (size_t)used,
                         "driver %d\n",
                         rand() % 3 ? 12000 : rand() % 20000 - 5);
        for (int g = 0; g < n; g++)
            used += snprintf(
                text + used, sizeof text - (size_t)used,
                "gpu g%d uuid=GPU-%08x-0000-0000-0000-%012d "
                "bus=%04x:%02x:%02x.0 attr.%d=%d mem=%u\n",
                g, (unsigned)(rand() % 3 ? g : 0), g, rand() % 2,
                rand() % 3 ? g : 1, rand() % 32, 16 + rand() % 80,
                rand() % 3000 - 1000, (unsigned)rand());
        for (int k = 0; k < n; k++)
            used += snprintf(text + used, sizeof text - (size_t)used,
                             "nvlink g%d g%d %d\npcie g%d g%d %d\n", k,
                             rand() % n, rand() % 4, k, rand() % n,
                             rand() % 80 - 10);
        if (rand() % 2)
            used += snprintf(text + used, sizeof text - (size_t)used,
                             "fail %s %s after=%d\n", fns[rand() % 8],
                             errs[rand() % 5], rand() % 10);
        if (rand() % 4 == 0)
            snprintf(text + used, sizeof text - (size_t)used,
                     "cuda-count %d\n", rand() % 20 - 5);
        result res;
        run rn = {.machine = script(text), .xml = "hwloc/pcie-only.xml",
                  .flags = rand() % 2 ? GS_PROBE_PARTIAL : 0};
        do_probe(&rn, &res);
        if (res.st != GS_OK && res.st != GS_ENODEV && res.st != GS_EDRIVER &&
            res.st != GS_EUNSUPPORTED)
            fail_msg("run %d: %s: %s\n%s", i, gs_status_name(res.st),
                     gs_topo_errmsg(res.t), text);
        if (res.st == GS_OK) {
            assert_true(gs_topo_is_frozen(res.t));
            assert_int_equal(gs_topo_gpu_count(res.t), res.s.gpus);
            char *json = NULL;
            assert_int_equal(gs_topo_to_json(res.t, &json, NULL), GS_OK);
            gs_free(json);
        } else {
            assert_true(gs_topo_errmsg(res.t)[0] != '\0');
        }
        done(&res);
        teardown_scripts(NULL);
    }
}

/* ---- no driver at all -------------------------------------------------- */

static void no_driver(void **state)
{
    (void)state;
    NEED_HWLOC();
    result res;
    run rn = {.machine = "dgx1-v100.machine",
              .cuda = "/nonexistent/libcuda.so.1"};
    do_probe(&rn, &res);
    assert_int_equal(res.st, GS_ENODEV);
    assert_contains(gs_topo_errmsg(res.t),
                    "/nonexistent/libcuda.so.1 not found");
    assert_int_equal(res.s.lib_status[GS_PROBE_LIB_CUDA], GS_ENODEV);
    assert_string_equal(res.s.lib_name[GS_PROBE_LIB_CUDA],
                        "/nonexistent/libcuda.so.1");
    assert_int_equal(res.s.gpus, 0);
    assert_int_equal(res.s.cuda_driver_version, 0);
    /* NVML and hwloc are not tried */
    assert_int_equal(res.s.lib_status[GS_PROBE_LIB_NVML], GS_EUNSUPPORTED);
    assert_int_equal(gs_topo_node_count(res.t), 0);
    gs_probe_gpu g;
    gs_probe_gpu_init(&g);
    assert_int_equal(gs_probe_report_gpu(res.r, 0, &g), GS_EINVAL);
    done(&res);

    /* The default name, when this machine has no driver. */
    void *real = dlopen("libcuda.so.1", RTLD_LAZY);
    if (real) {
        dlclose(real);
    } else {
        gs_topo *t = NULL;
        assert_int_equal(gs_topo_probe(&t, NULL), GS_ENODEV);
        assert_contains(gs_topo_errmsg(t), "libcuda.so.1 not found");
        gs_topo_destroy(t);
    }

    /* A file that is not a driver library at all. */
    run rn2 = {.machine = "dgx1-v100.machine", .cuda = GS_FAKE_NVML};
    do_probe(&rn2, &res);
    assert_int_equal(res.st, GS_EDRIVER);
    assert_contains(gs_topo_errmsg(res.t),
                    "has no cuDriverGetVersion or cuInit: it is not a CUDA "
                    "driver library");
    done(&res);

    /* With GS_PROBE_PARTIAL: hwloc's view. */
    run rn3 = {.machine = "dgx1-v100.machine", .xml = "probe/dgx1-v100.xml",
               .cuda = "/nonexistent/libcuda.so.1",
               .flags = GS_PROBE_PARTIAL};
    probe_ok(&rn3, &res);
    assert_int_equal(res.s.partial, 1);
    assert_int_equal(gs_topo_gpu_count(res.t), 8);
    assert_int_equal(res.s.gpus, 8);
    assert_contains(res.s.lib_message[GS_PROBE_LIB_CUDA], "not found");
    assert_contains(res.s.lib_message[GS_PROBE_LIB_HWLOC], "partial");
    done(&res);
}

/* The environment names the libraries when the options do not. */
static void environment(void **state)
{
    (void)state;
    set_machine("dgx1-v100.machine");
    setenv("GPUSCHED_CUDA_LIBRARY", GS_FAKE_CUDA, 1);
    setenv("GPUSCHED_NVML_LIBRARY", GS_FAKE_NVML, 1);
    gs_topo *t = NULL;
    gs_probe_report *r = NULL;
    gs_probe_options o = GS_PROBE_OPTIONS_INIT;
    o.flags = GS_PROBE_NO_HWLOC;
    o.report = &r;
    assert_int_equal(gs_topo_probe(&t, &o), GS_OK);
    assert_int_equal(gs_topo_gpu_count(t), 8);
    assert_int_equal(link_of(t, 0, 3).nvlinks, 2); /* NVML was used */
    /* the node is named after this host (or localhost) */
    char host[300] = "";
    gethostname(host, sizeof host - 1);
    const char *name = gs_topo_node_name(t, 0);
    assert_true(strcmp(name, host) == 0 || strcmp(name, "localhost") == 0);
    gs_probe_report_destroy(r);
    gs_topo_destroy(t);
    /* an option wins over the environment; an empty one does not count */
    o.cuda_library = "/nonexistent/libcuda.so.1";
    assert_int_equal(gs_topo_probe(&t, &o), GS_ENODEV);
    gs_probe_report_destroy(r);
    gs_topo_destroy(t);
    o.cuda_library = "";
    assert_int_equal(gs_topo_probe(&t, &o), GS_OK);
    gs_probe_report_destroy(r);
    gs_topo_destroy(t);
    setenv("GPUSCHED_CUDA_LIBRARY", "/nonexistent/env/libcuda.so.1", 1);
    o.cuda_library = NULL;
    assert_int_equal(gs_topo_probe(&t, &o), GS_ENODEV);
    assert_contains(gs_topo_errmsg(t), "/nonexistent/env/libcuda.so.1");
    gs_probe_report_destroy(r);
    gs_topo_destroy(t);
    unsetenv("GPUSCHED_CUDA_LIBRARY");
    unsetenv("GPUSCHED_NVML_LIBRARY");
}

/* ---- options, errors, the report's accessors --------------------------- */

static void options(void **state)
{
    (void)state;
    NEED_HWLOC();
    assert_int_equal(gs_topo_probe(NULL, NULL), GS_EINVAL);
    set_machine("pcie-2gpu.machine");
    gs_topo *t = NULL;
    gs_probe_options o = GS_PROBE_OPTIONS_INIT;
    o.struct_size = 4;
    assert_int_equal(gs_topo_probe(&t, &o), GS_EINVAL);
    assert_contains(gs_topo_errmsg(t), "struct_size 4 is too small");
    gs_topo_destroy(t);
    gs_probe_options_init(&o);
    o.flags = 0x100;
    assert_int_equal(gs_topo_probe(&t, &o), GS_EINVAL);
    assert_contains(gs_topo_errmsg(t), "unknown flags 0x100");
    gs_topo_destroy(t);
    gs_probe_options_init(&o);
    o.hostname = "bad name";
    assert_int_equal(gs_topo_probe(&t, &o), GS_EINVAL);
    gs_topo_destroy(t);

    /* an explicit XML that cannot be read fails the probe */
    gs_probe_options_init(&o);
    o.cuda_library = GS_FAKE_CUDA;
    o.nvml_library = GS_FAKE_NVML;
    o.hwloc_xml = "/nonexistent.xml";
    assert_int_equal(gs_topo_probe(&t, &o), GS_EIO);
    assert_contains(gs_topo_errmsg(t), "/nonexistent.xml");
    gs_topo_destroy(t);
    char bad[1024];
    snprintf(bad, sizeof bad, "%s", data_path("hwloc/bad-truncated.xml"));
    o.hwloc_xml = bad;
    gs_probe_report *r = NULL;
    o.report = &r;
    assert_int_equal(gs_topo_probe(&t, &o), GS_EPARSE);
    assert_contains(gs_topo_errmsg(t), "bad-truncated.xml:3:3");
    gs_probe_summary s = GS_PROBE_SUMMARY_INIT;
    assert_int_equal(gs_probe_report_summary(r, &s), GS_OK);
    assert_int_equal(s.lib_status[GS_PROBE_LIB_HWLOC], GS_EPARSE);
    gs_probe_report_destroy(r);
    gs_topo_destroy(t);

    /* NOFREEZE: the caller may add to it */
    o.hwloc_xml = NULL;
    o.report = NULL;
    o.flags = GS_PROBE_NOFREEZE | GS_PROBE_NO_HWLOC;
    assert_int_equal(gs_topo_probe(&t, &o), GS_OK);
    assert_false(gs_topo_is_frozen(t));
    assert_int_equal(gs_topo_add_node(t, "other", NULL), GS_OK);
    assert_int_equal(gs_topo_freeze(t), GS_OK);
    assert_int_equal(gs_topo_node_count(t), 2);
    gs_topo_destroy(t);

    /* an old caller's smaller options (no report field) */
    gs_probe_options_init(&o);
    o.cuda_library = GS_FAKE_CUDA;
    o.flags = GS_PROBE_NO_HWLOC;
    o.struct_size = (uint32_t)offsetof(gs_probe_options, report);
    gs_probe_report *untouched = (gs_probe_report *)&o;
    o.report = &untouched;
    assert_int_equal(gs_topo_probe(&t, &o), GS_OK);
    assert_true(untouched == (gs_probe_report *)&o);
    gs_topo_destroy(t);

    /* the accessors */
    result res;
    run rn = {.machine = "pcie-2gpu.machine"};
    probe_ok(&rn, &res);
    gs_probe_pair p = GS_PROBE_PAIR_INIT;
    assert_int_equal(gs_probe_report_pair(res.r, 0, 0, &p), GS_EINVAL);
    assert_int_equal(gs_probe_report_pair(res.r, 0, 2, &p), GS_EINVAL);
    assert_int_equal(gs_probe_report_pair(NULL, 0, 1, &p), GS_EINVAL);
    assert_int_equal(gs_probe_report_pair(res.r, 0, 1, NULL), GS_EINVAL);
    p.struct_size = 0;
    assert_int_equal(gs_probe_report_pair(res.r, 0, 1, &p), GS_EINVAL);
    /* a caller that knows only the first fields gets only those */
    gs_probe_gpu g;
    memset(&g, 0xee, sizeof g);
    g.struct_size = (uint32_t)offsetof(gs_probe_gpu, nvml_index);
    assert_int_equal(gs_probe_report_gpu(res.r, 1, &g), GS_OK);
    assert_int_equal(g.cuda_ordinal, 1);
    assert_int_equal(g.nvml_index, 0xeeeeeeeeu);
    assert_int_equal(gs_probe_report_summary(res.r, NULL), GS_EINVAL);
    gs_probe_report_destroy(NULL);
    done(&res);
}

/* The sources survive the JSON format. */
static void sources_in_json(void **state)
{
    (void)state;
    NEED_HWLOC();
    result res;
    run rn = {.machine = "pcie-2gpu.machine", .xml = "hwloc/pcie-only.xml"};
    probe_ok(&rn, &res);
    char *json = NULL;
    size_t n = 0;
    assert_int_equal(gs_topo_to_json(res.t, &json, &n), GS_OK);
    gs_topo *u = NULL;
    assert_int_equal(gs_topo_load_buffer(&u, json, n, "probe.json", NULL),
                     GS_OK);
    gs_link_info l = link_of(u, 0, 1);
    assert_int_equal(l.source, GS_SOURCE_HWLOC);
    assert_int_equal(l.pcie, PXB);
    assert_string_equal(gpu(u, 1).uuid, gpu(res.t, 1).uuid);
    gs_free(json);
    gs_topo_destroy(u);
    done(&res);
}

/* ---- threads ----------------------------------------------------------- */

typedef struct thread_job {
    char *json;
    gs_status st;
} thread_job;

static void *probe_thread(void *arg)
{
    thread_job *j = arg;
    for (int k = 0; k < 3 && j->st == GS_OK; k++) {
        gs_topo *t = NULL;
        gs_probe_options o = GS_PROBE_OPTIONS_INIT;
        o.cuda_library = GS_FAKE_CUDA;
        o.nvml_library = GS_FAKE_NVML;
        o.hostname = "same";
        o.flags = GS_PROBE_NO_HWLOC;
        j->st = gs_topo_probe(&t, &o);
        if (j->st == GS_OK) {
            char *json = NULL;
            j->st = gs_topo_to_json(t, &json, NULL);
            if (j->json && json && strcmp(j->json, json) != 0)
                j->st = GS_EINVALID;
            gs_free(j->json);
            j->json = json;
        }
        gs_topo_destroy(t);
    }
    return NULL;
}

static void threads(void **state)
{
    (void)state;
    set_machine("dgx1-v100.machine");
    pthread_t th[4];
    thread_job jobs[4];
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, probe_thread, &jobs[i]),
                         0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(jobs[i].st, GS_OK);
        assert_string_equal(jobs[i].json, jobs[0].json);
    }
    for (int i = 0; i < 4; i++)
        gs_free(jobs[i].json);
}

/* ---- every allocation fails in turn ------------------------------------ */

typedef struct oom_ctx {
    const char *xml;
    unsigned flags;
    const char *cuda;
} oom_ctx;

static gs_status oom_op(void *arg)
{
    const oom_ctx *c = arg;
    gs_topo *t = NULL;
    gs_probe_report *r = NULL;
    gs_probe_options o = GS_PROBE_OPTIONS_INIT;
    o.cuda_library = c->cuda ? c->cuda : GS_FAKE_CUDA;
    o.nvml_library = GS_FAKE_NVML;
    o.hwloc_xml = c->xml;
    o.flags = c->flags | (c->xml ? 0 : GS_PROBE_NO_HWLOC);
    o.hostname = "oom";
    o.report = &r;
    gs_status st = gs_topo_probe(&t, &o);
    gs_probe_report_destroy(r);
    gs_topo_destroy(t);
    return st;
}

static void out_of_memory(void **state)
{
    (void)state;
    NEED_HWLOC();
    char xml[1024];
    set_machine("dgx1-v100.machine");
    snprintf(xml, sizeof xml, "%s", data_path("probe/dgx1-v100.xml"));
    oom_ctx full = {xml, 0, NULL};
    assert_true(test_each_allocation_fails(oom_op, &full) > 20);
    /* the partial path (the hwloc importer) */
    oom_ctx partial = {xml, GS_PROBE_PARTIAL, "/nonexistent/libcuda.so.1"};
    assert_true(test_each_allocation_fails(oom_op, &partial) > 10);
    /* a vanished device, NVSwitches */
    set_machine("vanish.machine");
    oom_ctx none = {NULL, 0, NULL};
    test_each_allocation_fails(oom_op, &none);
    set_machine("dgx-a100.machine");
    test_each_allocation_fails(oom_op, &none);
}

int main(void)
{
    test_alloc_install();
    unsetenv("CUDA_VISIBLE_DEVICES");
    unsetenv("GPUSCHED_CUDA_LIBRARY");
    unsetenv("GPUSCHED_NVML_LIBRARY");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(dgx1, teardown_scripts),
        cmocka_unit_test_teardown(dgx1_three_ways, teardown_scripts),
        cmocka_unit_test_teardown(dgx1_without_nvml, teardown_scripts),
        cmocka_unit_test_teardown(dgx_a100, teardown_scripts),
        cmocka_unit_test_teardown(pcie_box, teardown_scripts),
        cmocka_unit_test_teardown(old_driver, teardown_scripts),
        cmocka_unit_test_teardown(driver_fails, teardown_scripts),
        cmocka_unit_test_teardown(device_vanishes, teardown_scripts),
        cmocka_unit_test_teardown(visible_devices, teardown_scripts),
        cmocka_unit_test_teardown(nvml_order, teardown_scripts),
        cmocka_unit_test_teardown(dgx2h, teardown_scripts),
        cmocka_unit_test_teardown(hostile_values, teardown_scripts),
        cmocka_unit_test_teardown(random_machines, teardown_scripts),
        cmocka_unit_test_teardown(no_driver, teardown_scripts),
        cmocka_unit_test_teardown(environment, teardown_scripts),
        cmocka_unit_test_teardown(options, teardown_scripts),
        cmocka_unit_test_teardown(sources_in_json, teardown_scripts),
        cmocka_unit_test_teardown(threads, teardown_scripts),
        cmocka_unit_test_teardown(out_of_memory, teardown_scripts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
