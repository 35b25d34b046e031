/*
 * The nvidia-smi topo -m importer: tab and space layouts, NVSwitch fabric
 * detection, NUMA domains, PCIe levels behind NV# cells, errors with
 * file:line:column, round trips, allocation failures and the CLI.
 * Expected values are worked out from the fixture text
 * (tests/data/topo-m/), not from what the importer prints.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include <stdlib.h>
#include <sys/wait.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ----------------------------------------------------------- */

typedef struct warnings {
    int count;
    char text[8192];
} warnings;

static void collect_warning(void *user, const char *msg)
{
    warnings *w = user;
    w->count++;
    size_t used = strlen(w->text);
    snprintf(w->text + used, sizeof w->text - used, "%s\n", msg);
}

/* Load text (format detected from the content), failing the test on
 * error. */
static gs_topo *load_text_w(const char *text, size_t len, const char *name,
                            warnings *w)
{
    gs_load_options o;
    gs_load_options_init(&o);
    if (w) {
        memset(w, 0, sizeof *w);
        o.warn = collect_warning;
        o.warn_user = w;
    }
    gs_topo *t = NULL;
    gs_status st = gs_topo_load_buffer(&t, text, len, name, &o);
    if (st != GS_OK)
        fail_msg("%s: %s: %s", name, gs_status_name(st), gs_topo_errmsg(t));
    return t;
}

static gs_topo *load_str(const char *text, warnings *w)
{
    return load_text_w(text, strlen(text), "t.txt", w);
}

static gs_topo *load_fixture_w(const char *name, warnings *w)
{
    char rel[256];
    snprintf(rel, sizeof rel, "topo-m/%s", name);
    size_t len = 0;
    char *text = test_read_file(test_data(rel), &len);
    if (!text)
        fail_msg("missing fixture %s", rel);
    gs_topo *t = load_text_w(text, len, name, w);
    free(text);
    return t;
}

static gs_topo *load_fixture(const char *name)
{
    return load_fixture_w(name, NULL);
}

/* Load expecting failure; the message must start with want. */
static void expect_error_text(const char *text, gs_status want_st,
                              const char *want)
{
    gs_load_options o;
    gs_load_options_init(&o);
    o.format = GS_FORMAT_SMI;
    gs_topo *t = NULL;
    gs_status st = gs_topo_load_buffer(&t, text, strlen(text), "t.txt", &o);
    const char *msg = gs_topo_errmsg(t);
    if (st != want_st || strncmp(msg, want, strlen(want)) != 0)
        fail_msg("for\n%s\n got %s '%s'\nwant %s '%s'", text,
                 gs_status_name(st), msg, gs_status_name(want_st), want);
    gs_topo_destroy(t);
}

static void expect_fixture_error(const char *name, const char *want)
{
    char rel[256];
    snprintf(rel, sizeof rel, "topo-m/%s", name);
    gs_topo *t = NULL;
    /* through gs_topo_load: the format is detected from the content */
    gs_status st = gs_topo_load(&t, test_data(rel), NULL);
    const char *msg = gs_topo_errmsg(t);
    const char *base = strstr(msg, name);
    if (st != GS_EPARSE || !base || strncmp(base, want, strlen(want)) != 0)
        fail_msg("%s: got %s '%s'\nwant GS_EPARSE '...%s'", name,
                 gs_status_name(st), msg, want);
    gs_topo_destroy(t);
}

static gs_link_info link_of(const gs_topo *t, uint32_t a, uint32_t b)
{
    gs_link_info l;
    gs_link_info_init(&l);
    assert_int_equal(gs_topo_link(t, a, b, &l), GS_OK);
    return l;
}

static gs_gpu_info gpu_of(const gs_topo *t, uint32_t g)
{
    gs_gpu_info gi;
    gs_gpu_info_init(&gi);
    assert_int_equal(gs_topo_gpu_info(t, g, &gi), GS_OK);
    return gi;
}

static void assert_numa_cpus(const gs_topo *t, uint32_t d, const char *want)
{
    char buf[256];
    assert_int_equal(gs_topo_numa_cpus(t, 0, d, buf, sizeof buf, NULL), GS_OK);
    assert_string_equal(buf, want);
}

static void assert_pair(const gs_topo *t, uint32_t a, uint32_t b,
                        gs_link_kind kind, uint32_t nvlinks,
                        gs_pcie_level pcie, gs_source source)
{
    gs_link_info l = link_of(t, a, b);
    if (l.kind != kind || l.nvlinks != nvlinks || l.pcie != pcie ||
        l.source != source)
        fail_msg("GPU%u-GPU%u: kind %d nvlinks %u pcie %s source %d; want "
                 "kind %d nvlinks %u pcie %s source %d",
                 a, b, l.kind, l.nvlinks, gs_pcie_level_name(l.pcie), l.source,
                 kind, nvlinks, gs_pcie_level_name(pcie), source);
    gs_link_info r = link_of(t, b, a);
    assert_int_equal(r.kind, l.kind);
    assert_int_equal(r.nvlinks, l.nvlinks);
    assert_int_equal(r.pcie, l.pcie);
}

/* Everything the public API can tell about two topologies is equal. */
static void assert_topo_equal(const gs_topo *a, const gs_topo *b)
{
    assert_int_equal(gs_topo_node_count(a), gs_topo_node_count(b));
    assert_int_equal(gs_topo_gpu_count(a), gs_topo_gpu_count(b));
    for (uint32_t n = 0; n < gs_topo_node_count(a); n++) {
        assert_string_equal(gs_topo_node_name(a, n), gs_topo_node_name(b, n));
        assert_int_equal(gs_topo_node_numa_count(a, n),
                         gs_topo_node_numa_count(b, n));
        for (uint32_t d = 0; d < gs_topo_node_numa_count(a, n); d++) {
            assert_int_equal(gs_topo_numa_os_id(a, n, d),
                             gs_topo_numa_os_id(b, n, d));
            char ca[512], cb[512];
            assert_int_equal(gs_topo_numa_cpus(a, n, d, ca, sizeof ca, NULL),
                             GS_OK);
            assert_int_equal(gs_topo_numa_cpus(b, n, d, cb, sizeof cb, NULL),
                             GS_OK);
            assert_string_equal(ca, cb);
        }
        uint32_t first = gs_topo_node_first_gpu(a, n);
        uint32_t ng = gs_topo_node_gpu_count(a, n);
        assert_int_equal(ng, gs_topo_node_gpu_count(b, n));
        for (uint32_t i = 0; i < ng; i++) {
            gs_gpu_info x = gpu_of(a, first + i), y = gpu_of(b, first + i);
            assert_int_equal(x.numa, y.numa);
            assert_int_equal(x.fabric, y.fabric);
            assert_int_equal(x.fabric_links, y.fabric_links);
            assert_true(x.memory_bytes == y.memory_bytes);
            for (uint32_t j = 0; j < ng; j++) {
                gs_link_info la = link_of(a, first + i, first + j);
                gs_link_info lb = link_of(b, first + i, first + j);
                assert_int_equal(la.kind, lb.kind);
                assert_int_equal(la.nvlinks, lb.nvlinks);
                assert_int_equal(la.pcie, lb.pcie);
                assert_int_equal(la.source, lb.source);
                assert_true(la.bandwidth == lb.bandwidth);
            }
        }
        size_t la = 0, lb = 0;
        char ma[8192], mb[8192];
        assert_int_equal(gs_topo_node_matrix(a, n, GS_MATRIX_SOURCES, ma,
                                             sizeof ma, &la),
                         GS_OK);
        assert_int_equal(gs_topo_node_matrix(b, n, GS_MATRIX_SOURCES, mb,
                                             sizeof mb, &lb),
                         GS_OK);
        assert_string_equal(ma, mb);
    }
}

/* save -> load -> same JSON text */
static void check_roundtrip(const gs_topo *t)
{
    char *j1, *j2;
    size_t n1, n2;
    assert_int_equal(gs_topo_to_json(t, &j1, &n1), GS_OK);
    gs_topo *u = NULL;
    if (gs_topo_load_buffer(&u, j1, n1, "saved.json", NULL) != GS_OK)
        fail_msg("reloading failed: %s\n%s", gs_topo_errmsg(u), j1);
    assert_topo_equal(t, u);
    assert_int_equal(gs_topo_to_json(u, &j2, &n2), GS_OK);
    assert_int_equal(n1, n2);
    assert_string_equal(j1, j2);
    gs_free(j1);
    gs_free(j2);
    gs_topo_destroy(u);
}

static const char *const good_fixtures[] = {
    "dgx-a100-tabs.txt",     "dgx-a100-spaces.txt",
    "dgx-a100-crlf.txt",     "dgx1-v100-tabs.txt",
    "dgx1-v100-spaces.txt",  "pcie-4gpu-na-tabs.txt",
    "pcie-4gpu-na-spaces.txt", "two-gpu-nv12-bridge.txt",
    "old-soc-spaces.txt",    "hand-aligned-issue.txt",
    "ansi-header-tabs.txt",  "glued-nic-columns-tabs.txt",
    "gb200-numa-lists-spaces.txt", "glued-cells-spaces.txt",
    "single-gpu-na-tabs.txt", "single-gpu-nic-spaces.txt",
    "md-indented-issue.txt",
};

static const char *const shared_samples[] = {
    "topo-m/dgx1-v100.txt", "topo-m/nv12-bridge-pairs.txt",
    "topo-m/two-gpu-phb.txt"};

/* ---- NVSwitch machine (DGX A100 layout) -------------------------------- */

static void check_dgx_a100(const gs_topo *t)
{
    assert_int_equal(gs_topo_node_count(t), 1);
    assert_string_equal(gs_topo_node_name(t, 0), "localhost");
    assert_int_equal(gs_topo_gpu_count(t), 8);
    /* NUMA Affinity 3,3,1,1,7,7,5,5: domains in id order 1,3,5,7 */
    assert_int_equal(gs_topo_node_numa_count(t, 0), 4);
    assert_numa_cpus(t, 0, "16-31,144-159");
    assert_numa_cpus(t, 1, "48-63,176-191");
    assert_numa_cpus(t, 2, "80-95,208-223");
    assert_numa_cpus(t, 3, "112-127,240-255");
    assert_int_equal(gs_topo_node_cpu_count(t, 0), 128);
    static const uint32_t numa[8] = {1, 1, 0, 0, 3, 3, 2, 2};
    for (uint32_t g = 0; g < 8; g++) {
        gs_gpu_info gi = gpu_of(t, g);
        assert_int_equal(gi.numa, numa[g]);
        /* all NV12: a fabric, 12 links per GPU */
        assert_int_equal(gi.fabric, 0);
        assert_int_equal(gi.fabric_links, 12);
        assert_true(gi.memory_bytes == 0);
        assert_true(gi.model == NULL || gi.model[0] == '\0');
    }
    char cpus[64];
    assert_int_equal(gs_topo_gpu_local_cpus(t, 4, cpus, sizeof cpus, NULL),
                     GS_OK);
    assert_string_equal(cpus, "112-127,240-255");
    for (uint32_t i = 0; i < 8; i++)
        for (uint32_t j = 0; j < 8; j++) {
            if (i == j)
                continue;
            gs_link_info l = link_of(t, i, j);
            assert_int_equal(l.kind, GS_LINK_NVSWITCH);
            assert_int_equal(l.nvlinks, 12);
            assert_true(l.bandwidth == 300.0);
            /* hidden PCIe: GPUs 2k and 2k+1 share NIC k. PXB, PXB to it
             * only bounds their level (left to freeze: one NUMA domain ->
             * NODE); PIX, PIX (NIC3, GPUs 6 and 7) pins PIX. Different
             * groups see their NICs at PXB and SYS: SYS. */
            if (i / 2 == j / 2 && i / 2 != 3) {
                assert_int_equal(l.pcie, GS_PCIE_NODE);
                assert_int_equal(l.source, GS_SOURCE_FILE);
            } else if (i / 2 == j / 2) {
                assert_int_equal(l.pcie, GS_PCIE_PIX);
                assert_int_equal(l.source, GS_SOURCE_INFERRED);
            } else {
                assert_int_equal(l.pcie, GS_PCIE_SYS);
                assert_int_equal(l.source, GS_SOURCE_INFERRED);
            }
        }
}

static void nvswitch_machine(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture_w("dgx-a100-tabs.txt", &w);
    /* NIC rows, legends, the GPU NUMA ID column: all expected, no noise */
    assert_int_equal(w.count, 0);
    check_dgx_a100(t);
    gs_topo_destroy(t);
    t = load_fixture("dgx-a100-spaces.txt");
    check_dgx_a100(t);
    gs_topo_destroy(t);
    t = load_fixture("dgx-a100-crlf.txt");
    check_dgx_a100(t);
    gs_topo_destroy(t);
}

/* ---- fabric detection -------------------------------------------------- */

/* A uniform matrix of n GPUs showing NV<k> everywhere. */
static char *uniform_matrix(uint32_t n, uint32_t k)
{
    size_t cap = 64 + (size_t)n * (n + 2) * 8;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t len = 0;
    for (uint32_t j = 0; j < n; j++)
        len += (size_t)snprintf(s + len, cap - len, "\tGPU%u", j);
    len += (size_t)snprintf(s + len, cap - len, "\tCPU Affinity\n");
    for (uint32_t i = 0; i < n; i++) {
        len += (size_t)snprintf(s + len, cap - len, "GPU%u", i);
        for (uint32_t j = 0; j < n; j++)
            len += (size_t)(i == j ? snprintf(s + len, cap - len, "\t X ")
                                   : snprintf(s + len, cap - len, "\tNV%u", k));
        len += (size_t)snprintf(s + len, cap - len, "\t0-15\n");
    }
    return s;
}

static void check_uniform(uint32_t n, uint32_t k, bool fabric)
{
    char *text = uniform_matrix(n, k);
    gs_topo *t = load_str(text, NULL);
    free(text);
    assert_int_equal(gs_topo_gpu_count(t), n);
    for (uint32_t i = 0; i < n; i++) {
        gs_gpu_info gi = gpu_of(t, i);
        assert_int_equal(gi.fabric, fabric ? 0 : GS_NONE);
        assert_int_equal(gi.fabric_links, fabric ? k : 0);
        for (uint32_t j = 0; j < n; j++)
            if (i != j) {
                gs_link_info l = link_of(t, i, j);
                assert_int_equal(l.kind,
                                 fabric ? GS_LINK_NVSWITCH : GS_LINK_NVLINK);
                assert_int_equal(l.nvlinks, k);
                assert_true(l.bandwidth == 25.0 * k);
            }
    }
    check_roundtrip(t);
    gs_topo_destroy(t);
}

static void fabric_detection(void **state)
{
    (void)state;
    /* a fabric only where direct wires cannot do it: k x (n - 1) > 18 */
    check_uniform(8, 12, true);  /* DGX A100: 84 links per GPU */
    check_uniform(8, 18, true);  /* DGX H100 */
    check_uniform(16, 6, true);  /* DGX-2 */
    check_uniform(4, 18, true);  /* GB200 tray: 54 */
    check_uniform(3, 12, true);  /* 24 */
    check_uniform(4, 4, false);  /* HGX A100 4-GPU: a full mesh of NV4 */
    check_uniform(4, 6, false);  /* HGX H100 4-GPU: 18 links, direct */
    check_uniform(2, 12, false); /* a bridge */
    check_uniform(2, 18, false); /* two GPUs: always a pair of wires */

    gs_topo *t = load_fixture("two-gpu-nv12-bridge.txt");
    assert_pair(t, 0, 1, GS_LINK_NVLINK, 12, GS_PCIE_NODE, GS_SOURCE_FILE);
    assert_int_equal(gpu_of(t, 0).fabric, GS_NONE);
    gs_topo_destroy(t);

    /* not uniform: one NV6 among NV12 keeps all pairs direct */
    char *text = uniform_matrix(4, 12);
    char *p = strstr(text, "GPU3\tNV12");
    assert_non_null(p);
    memcpy(p + 5, "NV6 ", 4); /* GPU3-GPU0 */
    p = strstr(text, "GPU0\t X \tNV12\tNV12\tNV12");
    memcpy(p + 19, "NV6 ", 4); /* GPU0-GPU3 */
    t = load_str(text, NULL);
    free(text);
    assert_pair(t, 0, 3, GS_LINK_NVLINK, 6, GS_PCIE_NODE, GS_SOURCE_FILE);
    assert_pair(t, 1, 2, GS_LINK_NVLINK, 12, GS_PCIE_NODE, GS_SOURCE_FILE);
    gs_topo_destroy(t);
}

/* The bridged pairs sample: NV12 between 0-2, 1-3, 4-5, 6-7, SYS elsewhere.
 * Written here in the layout of ../shared/data/topo-m/nv12-bridge-pairs.txt
 * (which is used too when present). */
static const char bridge_pairs[] =
    "\tGPU0\tGPU1\tGPU2\tGPU3\tGPU4\tGPU5\tGPU6\tGPU7\tCPU Affinity\tNUMA "
    "Affinity\tGPU NUMA ID\n"
    "GPU0\t X \tSYS\tNV12\tSYS\tSYS\tSYS\tSYS\tSYS\t0-31\t0\t\tN/A\n"
    "GPU1\tSYS\t X \tSYS\tNV12\tSYS\tSYS\tSYS\tSYS\t0-31\t0\t\tN/A\n"
    "GPU2\tNV12\tSYS\t X \tSYS\tSYS\tSYS\tSYS\tSYS\t0-31\t0\t\tN/A\n"
    "GPU3\tSYS\tNV12\tSYS\t X \tSYS\tSYS\tSYS\tSYS\t0-31\t0\t\tN/A\n"
    "GPU4\tSYS\tSYS\tSYS\tSYS\t X \tNV12\tSYS\tSYS\t32-63\t1\t\tN/A\n"
    "GPU5\tSYS\tSYS\tSYS\tSYS\tNV12\t X \tSYS\tSYS\t32-63\t1\t\tN/A\n"
    "GPU6\tSYS\tSYS\tSYS\tSYS\tSYS\tSYS\t X \tNV12\t32-63\t1\t\tN/A\n"
    "GPU7\tSYS\tSYS\tSYS\tSYS\tSYS\tSYS\tNV12\t X \t32-63\t1\t\tN/A\n";

static void check_bridge_pairs(const gs_topo *t)
{
    assert_int_equal(gs_topo_gpu_count(t), 8);
    assert_int_equal(gs_topo_node_numa_count(t, 0), 2);
    assert_numa_cpus(t, 0, "0-31");
    assert_numa_cpus(t, 1, "32-63");
    for (uint32_t i = 0; i < 8; i++) {
        assert_int_equal(gpu_of(t, i).fabric, GS_NONE);
        assert_int_equal(gpu_of(t, i).numa, i < 4 ? 0 : 1);
        for (uint32_t j = i + 1; j < 8; j++) {
            bool pair = (i == 0 && j == 2) || (i == 1 && j == 3) ||
                        (i == 4 && j == 5) || (i == 6 && j == 7);
            if (pair) /* nothing pins the level: one NUMA domain -> NODE */
                assert_pair(t, i, j, GS_LINK_NVLINK, 12, GS_PCIE_NODE,
                            GS_SOURCE_FILE);
            else
                assert_pair(t, i, j, GS_LINK_PCIE, 0, GS_PCIE_SYS,
                            GS_SOURCE_FILE);
        }
    }
}

static void bridged_pairs_are_not_a_fabric(void **state)
{
    (void)state;
    gs_topo *t = load_str(bridge_pairs, NULL);
    check_bridge_pairs(t);
    check_roundtrip(t);
    gs_topo_destroy(t);
    const char *path = test_shared_data("topo-m/nv12-bridge-pairs.txt");
    if (path) {
        gs_topo *u = NULL;
        assert_int_equal(gs_topo_load(&u, path, NULL), GS_OK);
        check_bridge_pairs(u);
        gs_topo_destroy(u);
    }
}

/* ---- DGX-1: NV# cells, hidden levels, the built-in template ------------ */

static void same_cells_as_template(const gs_topo *t, const char *tmpl)
{
    gs_topo *r = NULL;
    assert_int_equal(gs_topo_load(&r, tmpl, NULL), GS_OK);
    assert_int_equal(gs_topo_gpu_count(t), gs_topo_gpu_count(r));
    for (uint32_t i = 0; i < gs_topo_gpu_count(t); i++)
        for (uint32_t j = 0; j < gs_topo_gpu_count(t); j++) {
            gs_link_info a = link_of(t, i, j), b = link_of(r, i, j);
            if (a.kind != b.kind || a.nvlinks != b.nvlinks)
                fail_msg("GPU%u-GPU%u: kind %d NV%u, template %s says kind "
                         "%d NV%u",
                         i, j, a.kind, a.nvlinks, tmpl, b.kind, b.nvlinks);
        }
    gs_topo_destroy(r);
}

static void check_dgx1(const gs_topo *t, const char *cpus0, const char *cpus1)
{
    assert_int_equal(gs_topo_gpu_count(t), 8);
    /* CPU Affinity only: one domain per distinct set, in order */
    assert_int_equal(gs_topo_node_numa_count(t, 0), 2);
    assert_numa_cpus(t, 0, cpus0);
    assert_numa_cpus(t, 1, cpus1);
    for (uint32_t g = 0; g < 8; g++)
        assert_int_equal(gpu_of(t, g).numa, g < 4 ? 0 : 1);
    same_cells_as_template(t, "dgx1-v100");
    /* the NIC (NODE NODE PIX PIX SYS SYS SYS SYS) pins hidden levels */
    assert_pair(t, 2, 3, GS_LINK_NVLINK, 2, GS_PCIE_PIX, GS_SOURCE_INFERRED);
    assert_pair(t, 0, 2, GS_LINK_NVLINK, 1, GS_PCIE_NODE, GS_SOURCE_INFERRED);
    assert_pair(t, 1, 3, GS_LINK_NVLINK, 1, GS_PCIE_NODE, GS_SOURCE_INFERRED);
    assert_pair(t, 0, 4, GS_LINK_NVLINK, 2, GS_PCIE_SYS, GS_SOURCE_INFERRED);
    assert_pair(t, 3, 7, GS_LINK_NVLINK, 1, GS_PCIE_SYS, GS_SOURCE_INFERRED);
    /* NODE, NODE only bounds GPU0-GPU1: freeze's rule gives NODE */
    assert_pair(t, 0, 1, GS_LINK_NVLINK, 1, GS_PCIE_NODE, GS_SOURCE_FILE);
    /* GPUs 4-7 see the NIC at SYS: nothing known, one domain: NODE */
    assert_pair(t, 4, 7, GS_LINK_NVLINK, 2, GS_PCIE_NODE, GS_SOURCE_FILE);
    assert_pair(t, 0, 5, GS_LINK_PCIE, 0, GS_PCIE_SYS, GS_SOURCE_FILE);
    assert_true(gs_topo_bandwidth(t, 0, 3) == 50.0);
    assert_true(gs_topo_bandwidth(t, 0, 5) == 6.0);
}

static void dgx1_matches_the_template(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture_w("dgx1-v100-tabs.txt", &w);
    assert_int_equal(w.count, 0);
    check_dgx1(t, "0-19,40-59", "20-39,60-79");
    gs_topo_destroy(t);
    t = load_fixture_w("dgx1-v100-spaces.txt", &w);
    assert_int_equal(w.count, 0);
    check_dgx1(t, "0-19,40-59", "20-39,60-79");
    gs_topo_destroy(t);
    /* the project's older fixture (no NIC column) */
    t = NULL;
    assert_int_equal(gs_topo_load(&t, test_data("dgx1-v100-topo-m.txt"), NULL),
                     GS_OK);
    same_cells_as_template(t, "dgx1-v100");
    gs_topo_destroy(t);
    const char *path = test_shared_data("topo-m/dgx1-v100.txt");
    if (path) {
        t = NULL;
        assert_int_equal(gs_topo_load(&t, path, NULL), GS_OK);
        check_dgx1(t, "0-11,24-35", "12-23,36-47");
        gs_topo_destroy(t);
    }
}

/* ---- the same machine in every layout ---------------------------------- */

static void layouts_give_identical_topologies(void **state)
{
    (void)state;
    static const char *const sets[][3] = {
        {"dgx-a100-tabs.txt", "dgx-a100-spaces.txt", "dgx-a100-crlf.txt"},
        {"dgx1-v100-tabs.txt", "dgx1-v100-spaces.txt", NULL},
        {"pcie-4gpu-na-tabs.txt", "pcie-4gpu-na-spaces.txt", NULL},
    };
    for (size_t s = 0; s < ARRAY_LEN(sets); s++) {
        gs_topo *a = load_fixture(sets[s][0]);
        for (size_t k = 1; k < 3 && sets[s][k]; k++) {
            gs_topo *b = load_fixture(sets[s][k]);
            assert_topo_equal(a, b);
            gs_topo_destroy(b);
        }
        gs_topo_destroy(a);
    }
    /* tabs expanded to spaces, and trailing spaces, CRLF: the same */
    char *text = test_read_file(test_data("topo-m/two-gpu-nv12-bridge.txt"),
                                NULL);
    assert_non_null(text);
    gs_topo *a = load_str(text, NULL);
    free(text);
    gs_topo *b = load_str(
        "        GPU0    GPU1    CPU Affinity    NUMA Affinity   GPU NUMA ID  \r\n"
        "GPU0     X      NV12    0-23    0               N/A   \r\n"
        "\r\n"
        "GPU1    NV12     X      0-23    0               N/A\r\n",
        NULL);
    assert_topo_equal(a, b);
    gs_topo_destroy(a);
    gs_topo_destroy(b);
}

/* ---- NUMA domains and affinity cells ----------------------------------- */

static void check_pcie_4gpu(const gs_topo *t)
{
    /* NUMA Affinity 0, 0, 1, N/A; GPU2's CPU Affinity is empty */
    assert_int_equal(gs_topo_node_numa_count(t, 0), 2);
    assert_numa_cpus(t, 0, "0-15,32-47");
    assert_numa_cpus(t, 1, "");
    static const uint32_t numa[4] = {0, 0, 1, GS_NONE};
    for (uint32_t g = 0; g < 4; g++)
        assert_int_equal(gpu_of(t, g).numa, numa[g]);
    char cpus[64];
    assert_int_equal(gs_topo_gpu_local_cpus(t, 3, cpus, sizeof cpus, NULL),
                     GS_OK);
    assert_string_equal(cpus, "");
    assert_pair(t, 0, 1, GS_LINK_PCIE, 0, GS_PCIE_PIX, GS_SOURCE_FILE);
    assert_pair(t, 0, 2, GS_LINK_PCIE, 0, GS_PCIE_SYS, GS_SOURCE_FILE);
    assert_pair(t, 1, 3, GS_LINK_PCIE, 0, GS_PCIE_SYS, GS_SOURCE_FILE);
    assert_pair(t, 2, 3, GS_LINK_PCIE, 0, GS_PCIE_PHB, GS_SOURCE_FILE);
    assert_true(gs_topo_bandwidth(t, 2, 3) == 12.0);
}

static void affinity_cells(void **state)
{
    (void)state;
    gs_topo *t = load_fixture("pcie-4gpu-na-tabs.txt");
    check_pcie_4gpu(t);
    gs_topo_destroy(t);
    t = load_fixture("pcie-4gpu-na-spaces.txt");
    check_pcie_4gpu(t);
    gs_topo_destroy(t);

    /* Old driver: SOC is SYS, CPU Affinity gives the domains */
    t = load_fixture("old-soc-spaces.txt");
    assert_int_equal(gs_topo_node_numa_count(t, 0), 2);
    assert_numa_cpus(t, 0, "0-7,16-23");
    assert_numa_cpus(t, 1, "8-15,24-31");
    assert_pair(t, 0, 1, GS_LINK_PCIE, 0, GS_PCIE_PIX, GS_SOURCE_FILE);
    assert_pair(t, 0, 2, GS_LINK_PCIE, 0, GS_PCIE_SYS, GS_SOURCE_FILE);
    assert_pair(t, 1, 3, GS_LINK_PCIE, 0, GS_PCIE_SYS, GS_SOURCE_FILE);
    assert_int_equal(gpu_of(t, 3).numa, 1);
    gs_topo_destroy(t);

    /* Pasted in an issue: a prompt line, trailing spaces, columns aligned by
     * hand; GPU2's lone "1" stands under NUMA Affinity */
    warnings w;
    t = load_fixture_w("hand-aligned-issue.txt", &w);
    assert_int_equal(w.count, 1);
    assert_non_null(strstr(w.text, "hand-aligned-issue.txt:1:1: not part of "
                                   "the matrix, skipped"));
    assert_int_equal(gs_topo_node_numa_count(t, 0), 2);
    assert_numa_cpus(t, 0, "0-31");
    assert_numa_cpus(t, 1, "32-63");
    assert_int_equal(gpu_of(t, 2).numa, 1);
    assert_pair(t, 2, 3, GS_LINK_NVLINK, 12, GS_PCIE_NODE, GS_SOURCE_FILE);
    assert_pair(t, 0, 2, GS_LINK_PCIE, 0, GS_PCIE_SYS, GS_SOURCE_FILE);
    gs_topo_destroy(t);

    /* Tab cells: "\t\t0\t\tN/A" is no CPU Affinity, NUMA 0 (nvidia-smi
     * writes two tabs after the NUMA Affinity value) */
    t = load_str("\tGPU0\tGPU1\tCPU Affinity\tNUMA Affinity\tGPU NUMA ID\n"
                 "GPU0\t X \tPHB\t\t0\t\tN/A\n"
                 "GPU1\tPHB\t X \t8-15\t\t\tN/A\n",
                 NULL);
    assert_int_equal(gs_topo_node_numa_count(t, 0), 1);
    /* (not gs_topo_numa_cpus: on a node without any CPU it computes
     * NULL + 0, which UBSan rejects; reported for lib/topo/topo_query.c) */
    assert_int_equal(gs_topo_node_cpu_count(t, 0), 0);
    assert_int_equal(gpu_of(t, 0).numa, 0);
    assert_int_equal(gpu_of(t, 1).numa, GS_NONE);
    gs_topo_destroy(t);

    /* No affinity columns at all: no domains */
    t = load_str("\tGPU0\tGPU1\nGPU0\t X \tNV2\nGPU1\tNV2\t X \n", NULL);
    assert_int_equal(gs_topo_node_numa_count(t, 0), 0);
    assert_pair(t, 0, 1, GS_LINK_NVLINK, 2, GS_PCIE_SYS, GS_SOURCE_FILE);
    gs_topo_destroy(t);

    /* A NUMA list leaves the GPU without a domain; GPUs of one NUMA node
     * with different CPU Affinity give the domain both */
    t = load_str("\tGPU0\tGPU1\tGPU2\tCPU Affinity\tNUMA Affinity\n"
                 "GPU0\t X \tSYS\tSYS\t0-7\t4\n"
                 "GPU1\tSYS\t X \tSYS\t0-15\t0-1\n"
                 "GPU2\tSYS\tSYS\t X \t24-31\t4\n",
                 &w);
    assert_int_equal(w.count, 2);
    assert_non_null(strstr(w.text, "t.txt:3:23: GPU1: NUMA Affinity \"0-1\" "
                                   "names several NUMA nodes"));
    assert_non_null(strstr(w.text, "t.txt:4:18: GPU2 has the NUMA Affinity "
                                   "of GPU0 (4) but another CPU Affinity"));
    assert_int_equal(gs_topo_node_numa_count(t, 0), 1);
    assert_numa_cpus(t, 0, "0-7,24-31");
    assert_int_equal(gpu_of(t, 1).numa, GS_NONE);
    assert_int_equal(gpu_of(t, 2).numa, 0);
    gs_topo_destroy(t);

    /* the node takes the caller's hostname */
    gs_load_options o;
    gs_load_options_init(&o);
    o.hostname = "gpu-17";
    t = NULL;
    assert_int_equal(gs_topo_load(&t, test_data("topo-m/dgx1-v100-tabs.txt"),
                                  &o),
                     GS_OK);
    assert_string_equal(gs_topo_node_name(t, 0), "gpu-17");
    gs_topo_destroy(t);
}

/* ---- warnings for things noted and skipped ----------------------------- */

static void warnings_name_what_was_skipped(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_str(
        "root@box:~# nvidia-smi topo -m\n"
        "\tGPU0\tGPU1\tmlx5_0\tCPU Affinity\tNUMA Affinity\tFoo Bar\n"
        "GPU0\t X \tPIX\tPIX\t0-7\t0\t\tx\ty\n"
        "GPU1\tPIX\t X \tPIX\t0-7\t0\n"
        "mlx5_0\tPIX\tPIX\t X \n"
        "mlx5_1\tSYS\tSYS\tSYS\t X \n"
        "\tGPU0\tGPU1\n"
        "GPU0\t X \tNV4\n",
        &w);
    assert_int_equal(w.count, 5);
    assert_non_null(strstr(w.text, "t.txt:1:1: not part of the matrix, "
                                   "skipped\n"));
    /* "Foo Bar" is two unknown columns */
    assert_non_null(strstr(w.text, "t.txt:2:46: unknown column \"Foo\" "
                                   "ignored\n"));
    assert_non_null(strstr(w.text, "t.txt:2:50: unknown column \"Bar\" "
                                   "ignored\n"));
    assert_non_null(strstr(w.text, "t.txt:6:1: not a GPU or NIC row, "
                                   "skipped\n"));
    assert_non_null(strstr(w.text, "t.txt:7:2: a second header: this matrix "
                                   "and what follows ignored\n"));
    assert_pair(t, 0, 1, GS_LINK_PCIE, 0, GS_PCIE_PIX, GS_SOURCE_FILE);
    gs_topo_destroy(t);

    /* NIC0 pins GPU0-GPU1 at PHB (PIX vs PHB), NIC1 bounds it by PIX: no
     * level can be both, so the default rule applies (no NUMA: SYS) */
    t = load_str("\tGPU0\tGPU1\tNIC0\tNIC1\n"
                 "GPU0\t X \tNV2\tPIX\tPIX\n"
                 "GPU1\tNV2\t X \tPHB\tPIX\n",
                 &w);
    assert_int_equal(w.count, 1);
    assert_non_null(strstr(w.text, "t.txt:2:10: GPU0-GPU1: the PCIe levels "
                                   "of the other GPUs and NICs to these two "
                                   "contradict each other"));
    assert_pair(t, 0, 1, GS_LINK_NVLINK, 2, GS_PCIE_SYS, GS_SOURCE_FILE);
    gs_topo_destroy(t);

    /* more values than columns */
    t = load_str("\tGPU0\tCPU Affinity\nGPU0\t X \t0-3\t7\n", &w);
    assert_int_equal(w.count, 1);
    assert_non_null(strstr(w.text, "t.txt:2:14: GPU0 row has more values"));
    assert_numa_cpus(t, 0, "0-3");
    gs_topo_destroy(t);
}

/* ---- layouts found in the wild ----------------------------------------- */

/* nvidia-smi underlines the header with ESC[4m ... ESC[0m, also when it
 * writes to a file or a pipe (seen in captured outputs and in parsers'
 * fixtures of other projects). */
static void ansi_underlined_header(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture_w("ansi-header-tabs.txt", &w);
    assert_int_equal(w.count, 0);
    assert_int_equal(gs_topo_gpu_count(t), 6);
    assert_int_equal(gs_topo_node_numa_count(t, 0), 2);
    assert_numa_cpus(t, 0, "0-23,48-71");
    assert_numa_cpus(t, 1, "24-47,72-95");
    for (uint32_t g = 0; g < 6; g++)
        assert_int_equal(gpu_of(t, g).numa, g < 4 ? 0 : 1);
    assert_pair(t, 0, 1, GS_LINK_PCIE, 0, GS_PCIE_PIX, GS_SOURCE_FILE);
    assert_pair(t, 0, 2, GS_LINK_PCIE, 0, GS_PCIE_NODE, GS_SOURCE_FILE);
    assert_pair(t, 2, 3, GS_LINK_PCIE, 0, GS_PCIE_PIX, GS_SOURCE_FILE);
    assert_pair(t, 3, 4, GS_LINK_PCIE, 0, GS_PCIE_SYS, GS_SOURCE_FILE);
    assert_pair(t, 4, 5, GS_LINK_PCIE, 0, GS_PCIE_PIX, GS_SOURCE_FILE);
    gs_topo_destroy(t);

    /* the escape after the leading tab, and a header ending in tabs */
    t = load_str("\t\x1b[4mGPU0\tGPU1\tCPU Affinity\tNUMA Affinity\tGPU NUMA "
                 "ID\x1b[0m\t\t\n"
                 "GPU0\t X \tNV12\t0-31\t0\t\tN/A\t\n"
                 "GPU1\tNV12\t X \t0-31\t0\t\tN/A\t\n",
                 &w);
    assert_int_equal(w.count, 0);
    assert_int_equal(gs_topo_node_numa_count(t, 0), 1);
    assert_numa_cpus(t, 0, "0-31");
    assert_pair(t, 0, 1, GS_LINK_NVLINK, 12, GS_PCIE_NODE, GS_SOURCE_FILE);
    gs_topo_destroy(t);

    /* positions stay those of the bytes as written */
    expect_error_text("\x1b[4m\tGPU0\tGPU2\x1b[0m\n", GS_EPARSE,
                      "t.txt:1:11: header column GPU2: expected GPU1");
}

/* With ten or more NICs nvidia-smi drops the tab between the NIC8 and NIC9
 * columns, in the header ("NIC8NIC9") and in every row ("SYSSYS",
 * "PIXPIX"); a paste may lose one elsewhere too ("NODENODE"). */
static void glued_columns(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture_w("glued-nic-columns-tabs.txt", &w);
    assert_int_equal(w.count, 0);
    assert_int_equal(gs_topo_gpu_count(t), 4);
    assert_int_equal(gs_topo_node_numa_count(t, 0), 2);
    assert_numa_cpus(t, 0, "0-31");
    assert_numa_cpus(t, 1, "32-63");
    for (uint32_t g = 0; g < 4; g++) {
        /* NV18 x 3 = 54 links: a fabric */
        assert_int_equal(gpu_of(t, g).fabric, 0);
        assert_int_equal(gpu_of(t, g).fabric_links, 18);
        assert_int_equal(gpu_of(t, g).numa, g < 2 ? 0 : 1);
    }
    /* NIC0 is PIX to GPU0 and PXB to GPU1: GPU0-GPU1 is PXB. NIC8 and NIC9
     * (the glued cells "PIXPIX") are PIX to GPUs 2 and 3: PIX. */
    assert_pair(t, 0, 1, GS_LINK_NVSWITCH, 18, GS_PCIE_PXB,
                GS_SOURCE_INFERRED);
    assert_pair(t, 2, 3, GS_LINK_NVSWITCH, 18, GS_PCIE_PIX,
                GS_SOURCE_INFERRED);
    assert_pair(t, 0, 2, GS_LINK_NVSWITCH, 18, GS_PCIE_SYS,
                GS_SOURCE_INFERRED);
    assert_pair(t, 1, 3, GS_LINK_NVSWITCH, 18, GS_PCIE_SYS,
                GS_SOURCE_INFERRED);
    gs_topo_destroy(t);

    /* pasted with tabs expanded, the NIC2 and NIC3 cells glued */
    t = load_fixture_w("glued-cells-spaces.txt", &w);
    assert_int_equal(w.count, 0);
    assert_int_equal(gs_topo_node_numa_count(t, 0), 2);
    assert_numa_cpus(t, 0, "0-55,112-167");
    assert_numa_cpus(t, 1, "56-111,168-223");
    assert_int_equal(gpu_of(t, 3).numa, 1);
    /* NIC0: PIX to GPU0, NODE to GPU1; NIC4: PIX to GPU2, NODE to GPU3 */
    assert_pair(t, 0, 1, GS_LINK_NVSWITCH, 18, GS_PCIE_NODE,
                GS_SOURCE_INFERRED);
    assert_pair(t, 2, 3, GS_LINK_NVSWITCH, 18, GS_PCIE_NODE,
                GS_SOURCE_INFERRED);
    assert_pair(t, 1, 2, GS_LINK_NVSWITCH, 18, GS_PCIE_SYS,
                GS_SOURCE_INFERRED);
    gs_topo_destroy(t);

    /* glued GPU columns and NV# cells read the same way */
    t = load_str("\tGPU0GPU1\tCPU Affinity\n"
                 "GPU0\t X \tNV4\t0-7\n"
                 "GPU1\tNV4\t X \t0-7\n",
                 NULL);
    assert_pair(t, 0, 1, GS_LINK_NVLINK, 4, GS_PCIE_NODE, GS_SOURCE_FILE);
    gs_topo_destroy(t);
    t = load_str("\tGPU0\tGPU1\tGPU2\n"
                 "GPU0\t X \tNV2NV2\n"
                 "GPU1\tNV2\t X \tSYS\n"
                 "GPU2\tNV2\tSYS\t X \n",
                 NULL);
    assert_pair(t, 0, 2, GS_LINK_NVLINK, 2, GS_PCIE_SYS, GS_SOURCE_FILE);
    gs_topo_destroy(t);

    /* a word that is not all cells is still an unknown cell, whole */
    expect_error_text("\tGPU0\tGPU1\tGPU2\nGPU0\t X \tNODEQPI\n", GS_EPARSE,
                      "t.txt:2:10: GPU0 row: unknown cell \"NODEQPI\" for "
                      "GPU1");
}

/* Grace machines (GB200) list the CPU's NUMA node and the GPU memory nodes
 * in NUMA Affinity ("0,3-9,11-17"); GPU NUMA ID is a number. */
static void numa_affinity_lists(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture_w("gb200-numa-lists-spaces.txt", &w);
    assert_int_equal(w.count, 0);
    assert_int_equal(gs_topo_gpu_count(t), 4);
    /* GPUs 0, 1 share nodes 0, 3-9, 11-17; GPUs 2, 3 share 1, 19-25, ... */
    assert_int_equal(gs_topo_node_numa_count(t, 0), 2);
    assert_numa_cpus(t, 0, "0-71");
    assert_numa_cpus(t, 1, "72-143");
    assert_int_equal(gs_topo_node_cpu_count(t, 0), 144);
    for (uint32_t g = 0; g < 4; g++) {
        assert_int_equal(gpu_of(t, g).numa, g < 2 ? 0 : 1);
        assert_int_equal(gpu_of(t, g).fabric_links, 18); /* NV18 x 3 */
    }
    /* NODE, NODE to NIC0 only bounds GPU0-GPU1: one domain, NODE */
    assert_pair(t, 0, 1, GS_LINK_NVSWITCH, 18, GS_PCIE_NODE, GS_SOURCE_FILE);
    /* NODE to NIC0 from GPU0, SYS from GPU2: SYS */
    assert_pair(t, 0, 2, GS_LINK_NVSWITCH, 18, GS_PCIE_SYS,
                GS_SOURCE_INFERRED);
    check_roundtrip(t);
    gs_topo_destroy(t);

    /* lists sharing only the CPU's node are one domain; domains go by
     * their lowest node (GPU2's node 0 comes before the others' 1) */
    t = load_str("\tGPU0\tGPU1\tGPU2\tCPU Affinity\tNUMA Affinity\tGPU NUMA "
                 "ID\n"
                 "GPU0\t X \tNV18\tNV18\t8-15\t1,3-5\t\t3\n"
                 "GPU1\tNV18\t X \tNV18\t8-15\t1,6-8\t\t6\n"
                 "GPU2\tNV18\tNV18\t X \t0-7\t0\t\tN/A\n",
                 &w);
    assert_int_equal(w.count, 0);
    assert_int_equal(gs_topo_node_numa_count(t, 0), 2);
    assert_numa_cpus(t, 0, "0-7");
    assert_numa_cpus(t, 1, "8-15");
    assert_int_equal(gpu_of(t, 0).numa, 1);
    assert_int_equal(gpu_of(t, 1).numa, 1);
    assert_int_equal(gpu_of(t, 2).numa, 0);
    gs_topo_destroy(t);
}

/* One GPU: only a GPU0 row, "X" */
static void single_gpu(void **state)
{
    (void)state;
    warnings w;
    /* in a VM: NUMA Affinity N/A for every GPU, so the CPU Affinity makes
     * the domain, as with drivers that print no NUMA column */
    gs_topo *t = load_fixture_w("single-gpu-na-tabs.txt", &w);
    assert_int_equal(w.count, 0);
    assert_int_equal(gs_topo_gpu_count(t), 1);
    assert_int_equal(gs_topo_node_numa_count(t, 0), 1);
    assert_numa_cpus(t, 0, "0-7");
    assert_int_equal(gpu_of(t, 0).numa, 0);
    assert_int_equal(gpu_of(t, 0).fabric, GS_NONE);
    gs_topo_destroy(t);

    /* two GPUs so: one domain per distinct CPU Affinity */
    t = load_str("\tGPU0\tGPU1\tCPU Affinity\tNUMA Affinity\n"
                 "GPU0\t X \tSYS\t0-3\tN/A\n"
                 "GPU1\tSYS\t X \t4-7\tN/A\n",
                 NULL);
    assert_int_equal(gs_topo_node_numa_count(t, 0), 2);
    assert_numa_cpus(t, 0, "0-3");
    assert_numa_cpus(t, 1, "4-7");
    assert_int_equal(gpu_of(t, 1).numa, 1);
    gs_topo_destroy(t);
    /* but where some GPU's NUMA node is known, an N/A one has none */
    t = load_str("\tGPU0\tGPU1\tCPU Affinity\tNUMA Affinity\n"
                 "GPU0\t X \tSYS\t0-3\t0\n"
                 "GPU1\tSYS\t X \t4-7\tN/A\n",
                 NULL);
    assert_int_equal(gs_topo_node_numa_count(t, 0), 1);
    assert_int_equal(gpu_of(t, 0).numa, 0);
    assert_int_equal(gpu_of(t, 1).numa, GS_NONE);
    gs_topo_destroy(t);

    /* a title line before, one NIC, the NIC row ending " X " */
    t = load_fixture_w("single-gpu-nic-spaces.txt", &w);
    assert_int_equal(w.count, 1);
    assert_non_null(strstr(w.text, "single-gpu-nic-spaces.txt:1:1: not part "
                                   "of the matrix, skipped"));
    assert_int_equal(gs_topo_gpu_count(t), 1);
    assert_int_equal(gs_topo_node_numa_count(t, 0), 1);
    assert_numa_cpus(t, 0, "0-251");
    assert_int_equal(gpu_of(t, 0).numa, 0);
    gs_topo_destroy(t);

    /* the oldest layout, and the matrix alone */
    t = load_str("\tGPU0\tCPU Affinity\r\nGPU0\t X \t0-7\r\n", NULL);
    assert_int_equal(gs_topo_node_numa_count(t, 0), 1);
    assert_numa_cpus(t, 0, "0-7");
    gs_topo_destroy(t);
    t = load_str("        GPU0\nGPU0     X \n", NULL);
    assert_int_equal(gs_topo_gpu_count(t), 1);
    assert_int_equal(gs_topo_node_numa_count(t, 0), 0);
    gs_topo_destroy(t);
}

/* Pasted into markdown: everything indented, the header's "GPU0 GPU1" one
 * space apart, rows shifted by hand, the legend wrapped, then the P2P
 * matrix (whose cells are not topology cells) after the legend. */
static void markdown_paste(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture_w("md-indented-issue.txt", &w);
    assert_int_equal(w.count, 0);
    assert_int_equal(gs_topo_gpu_count(t), 2);
    assert_int_equal(gs_topo_node_numa_count(t, 0), 1);
    assert_numa_cpus(t, 0, "0-15");
    assert_pair(t, 0, 1, GS_LINK_PCIE, 0, GS_PCIE_NODE, GS_SOURCE_FILE);
    gs_topo_destroy(t);
}

/* ---- errors ------------------------------------------------------------ */

static void fixture_errors(void **state)
{
    (void)state;
    expect_fixture_error("bad-missing-row.txt",
                         "bad-missing-row.txt:1:12: no GPU2 row (the header "
                         "has 4 GPU columns)");
    expect_fixture_error("bad-asymmetric.txt",
                         "bad-asymmetric.txt:5:10: the matrix is not "
                         "symmetric: GPU3-GPU1 is \"PHB\" but GPU1-GPU3 (line "
                         "3, column 18) is \"SYS\"");
    expect_fixture_error("bad-unknown-token.txt",
                         "bad-unknown-token.txt:3:18: GPU1 row: unknown cell "
                         "\"QPI\" for GPU3 (expected X, NV#, PIX, PXB, PHB, "
                         "NODE or SYS)");
    expect_fixture_error("bad-ragged-short.txt",
                         "bad-ragged-short.txt:4:18: GPU2 row has 3 GPU "
                         "cells; the header has 4 GPU columns");
    expect_fixture_error("bad-ragged-long.txt",
                         "bad-ragged-long.txt:3:22: GPU1 row has more cells "
                         "than the header has GPU and NIC columns (4 + 0): "
                         "\"SYS\"");
    expect_fixture_error("bad-diagonal.txt",
                         "bad-diagonal.txt:4:14: GPU2 row: the diagonal cell "
                         "must be \"X\", not \"PHB\"");
    expect_fixture_error("bad-duplicate-row.txt",
                         "bad-duplicate-row.txt:5:1: second GPU1 row (the "
                         "first is line 3)");
    expect_fixture_error("bad-gpu-gap.txt",
                         "bad-gpu-gap.txt:1:12: header column GPU3: expected "
                         "GPU2 (GPU columns are numbered from 0, without "
                         "gaps)");
    expect_fixture_error("bad-cpulist.txt",
                         "bad-cpulist.txt:4:27: GPU2: bad cpulist \"8-15,x\" "
                         "in CPU Affinity");
    expect_fixture_error("bad-numa.txt",
                         "bad-numa.txt:5:27: GPU3: bad NUMA Affinity \"one\"");
    expect_fixture_error("bad-cpu-overlap.txt",
                         "bad-cpu-overlap.txt:5:22: GPU3: CPU Affinity "
                         "\"6-15\" shares CPU 6 with that of GPU0 (line 2), "
                         "which is in another NUMA domain");
    expect_fixture_error("bad-no-header.txt",
                         "bad-no-header.txt:1:1: GPU0 row before any header");
    expect_fixture_error("bad-nv-count.txt",
                         "bad-nv-count.txt:4:18: GPU2 row: \"NV300\" for GPU3: "
                         "NV# counts go from 1 to 255");
}

static void inline_errors(void **state)
{
    (void)state;
    expect_error_text("", GS_EPARSE,
                      "t.txt:1:1: no nvidia-smi topo -m header");
    expect_error_text("hello\nworld\n", GS_EPARSE,
                      "t.txt:1:1: no nvidia-smi topo -m header");
    expect_error_text("\tGPU0\tGPU1\n", GS_EPARSE,
                      "t.txt:1:2: no GPU0 row (the header has 2 GPU columns)");
    /* a row for a GPU the header does not have */
    expect_error_text("\tGPU0\nGPU0\t X \nGPU1\tSYS\t X \n", GS_EPARSE,
                      "t.txt:3:1: GPU1 row, but the header (line 1) has 1 GPU "
                      "column");
    /* X off the diagonal, NV0, a NIC cell */
    expect_error_text("\tGPU0\tGPU1\nGPU0\t X \tX\n", GS_EPARSE,
                      "t.txt:2:10: GPU0 row: \"X\" for GPU1; X marks the "
                      "diagonal only");
    expect_error_text("\tGPU0\tGPU1\nGPU0\t X \tNV0\n", GS_EPARSE,
                      "t.txt:2:10: GPU0 row: \"NV0\" for GPU1: NV# counts go "
                      "from 1 to 255");
    expect_error_text("\tGPU0\tNIC0\nGPU0\t X \tFAST\n", GS_EPARSE,
                      "t.txt:2:10: GPU0 row: unknown cell \"FAST\" for NIC "
                      "column NIC0");
    expect_error_text("\tGPU0\tNIC0\tCPU Affinity\nGPU0\t X \t0-3\n",
                      GS_EPARSE,
                      "t.txt:2:10: GPU0 row has 0 NIC cells; the header has 1 "
                      "NIC columns");
    /* empty GPU cells in a tab-separated row */
    expect_error_text("\tGPU0\tGPU1\tGPU2\nGPU0\t X \t\tSYS\n", GS_EPARSE,
                      "t.txt:2:10: GPU0 row: the cell for GPU1 is empty");
    expect_error_text("\tGPU0\tGPU1\nGPU0\t X \t\t\n", GS_EPARSE,
                      "t.txt:2:10: GPU0 row has 1 GPU cell; the header has 2 "
                      "GPU columns");
    /* spaces only: a short row ends early */
    expect_error_text("   GPU0  GPU1\nGPU0  X", GS_EPARSE,
                      "t.txt:2:8: GPU0 row has 1 GPU cell; the header has 2 "
                      "GPU columns");
    /* GPU columns come first */
    expect_error_text("\tGPU0\tNIC0\tGPU1\n", GS_EPARSE,
                      "t.txt:1:12: header column GPU1 comes after the NIC or "
                      "affinity columns");
    /* control bytes are not printed as they are */
    expect_error_text("\tGPU0\tGPU1\nGPU0\t X \tN\001V\n", GS_EPARSE,
                      "t.txt:2:10: GPU0 row: unknown cell \"N?V\"");
    /* CRLF and a BOM: positions are those of the text as written */
    expect_error_text("\xEF\xBB\xBF\tGPU0\tGPU1\r\nGPU0\t X \tNV2\r\n"
                      "GPU1\tNV1\t X \r\n",
                      GS_EPARSE,
                      "t.txt:3:6: the matrix is not symmetric: GPU1-GPU0 is "
                      "\"NV1\" but GPU0-GPU1 (line 2, column 10) is \"NV2\"");
}

/* ---- format detection, round trips, allocation failures ---------------- */

static void detected_and_round_tripped(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(good_fixtures); i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "topo-m/%s", good_fixtures[i]);
        size_t len = 0;
        char *text = test_read_file(test_data(rel), &len);
        assert_non_null(text);
        gs_load_options o;
        gs_load_options_init(&o); /* GS_FORMAT_AUTO */
        gs_topo *t = NULL;
        if (gs_topo_load_buffer(&t, text, len, rel, &o) != GS_OK)
            fail_msg("%s: %s", rel, gs_topo_errmsg(t));
        /* the same with the format forced */
        o.format = GS_FORMAT_SMI;
        gs_topo *u = NULL;
        assert_int_equal(gs_topo_load_buffer(&u, text, len, rel, &o), GS_OK);
        assert_topo_equal(t, u);
        gs_topo_destroy(u);
        check_roundtrip(t);
        gs_topo_destroy(t);
        free(text);
    }
    for (size_t i = 0; i < ARRAY_LEN(shared_samples); i++) {
        const char *path = test_shared_data(shared_samples[i]);
        if (!path)
            continue;
        gs_topo *t = NULL;
        if (gs_topo_load(&t, path, NULL) != GS_OK)
            fail_msg("%s: %s", path, gs_topo_errmsg(t));
        check_roundtrip(t);
        gs_topo_destroy(t);
    }
    /* the matrix the library prints reads back as the same cells */
    gs_topo *t = load_fixture("dgx1-v100-tabs.txt");
    size_t len = 0;
    char buf[4096];
    assert_int_equal(gs_topo_node_matrix(t, 0, GS_MATRIX_LEGEND, buf,
                                         sizeof buf, &len),
                     GS_OK);
    gs_topo *u = load_str(buf, NULL);
    same_cells_as_template(u, "dgx1-v100");
    gs_topo_destroy(u);
    gs_topo_destroy(t);
}

static gs_status load_op(void *ctx)
{
    return test_load_and_save(ctx, "x.txt", NULL);
}

static void out_of_memory_everywhere(void **state)
{
    (void)state;
    /* The counting allocator checks for leaks after every failed run by
     * itself; under valgrind the quadratic sweep only costs time. */
    if (getenv("GS_TEST_UNDER_VALGRIND"))
        skip();
    for (size_t i = 0; i < ARRAY_LEN(good_fixtures); i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "topo-m/%s", good_fixtures[i]);
        char *text = test_read_file(test_data(rel), NULL);
        assert_non_null(text);
        long n = test_each_allocation_fails(load_op, text);
        assert_true(n > 5);
        free(text);
    }
}

/* ---- the command-line tool --------------------------------------------- */

static int run_tool(const char *args, char *out, size_t cap)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", GS_TOOL_PATH, args);
    return test_run_command(cmd, out, cap);
}

static char out[1 << 16];

/* ---- NUMA ids as the machine has them (issue 11 item 5) ---------------- */

/* NUMA Affinity names the machine's NUMA nodes: numactl and cgroups take
 * those numbers, so they are kept (domains are indexed in id order). */
static void numa_os_ids(void **state)
{
    (void)state;
    /* the case: NUMA Affinity 3 and 1 came back as 1 and 0 */
    gs_topo *t = load_fixture("numa-ids-3-1-tabs.txt");
    test_assert_numa_os_ids(t, 0, 2, (const uint32_t[]){1, 3});
    assert_numa_cpus(t, 0, "0-23");
    assert_numa_cpus(t, 1, "24-47");
    assert_int_equal(gpu_of(t, 0).numa, 1);
    assert_int_equal(gpu_of(t, 1).numa, 0);
    /* the matrix shows them as nvidia-smi did */
    char m[1024];
    assert_int_equal(gs_topo_node_matrix(t, 0, 0, m, sizeof m, NULL), GS_OK);
    assert_non_null(strstr(m, "GPU0\t X \tSYS\t24-47\t3\n"));
    assert_non_null(strstr(m, "GPU1\tSYS\t X \t0-23\t1\n"));
    check_roundtrip(t);
    gs_topo_destroy(t);
    /* DGX A100: NUMA Affinity 3,3,1,1,7,7,5,5 */
    t = load_fixture("dgx-a100-tabs.txt");
    test_assert_numa_os_ids(t, 0, 4, (const uint32_t[]){1, 3, 5, 7});
    gs_topo_destroy(t);
    /* Grace (GB200): a domain stands for the lowest node of its lists */
    t = load_fixture("gb200-numa-lists-spaces.txt");
    test_assert_numa_os_ids(t, 0, 2, (const uint32_t[]){0, 1});
    gs_topo_destroy(t);
    t = load_str("\tGPU0\tGPU1\tCPU Affinity\tNUMA Affinity\tGPU NUMA ID\n"
                 "GPU0\t X \tNV18\t72-143\t1,19-25,27-33\t\t18\n"
                 "GPU1\tNV18\t X \t72-143\t1,19-25,27-33\t\t26\n",
                 NULL);
    test_assert_numa_os_ids(t, 0, 1, (const uint32_t[]){1});
    gs_topo_destroy(t);
    /* from CPU Affinity alone the ids are not known: the indexes */
    t = load_fixture("dgx1-v100-tabs.txt");
    test_assert_numa_os_ids(t, 0, 2, (const uint32_t[]){0, 1});
    gs_topo_destroy(t);
    /* the real samples, when present */
    const char *path = test_shared_data("topo-m/nv12-bridge-pairs.txt");
    if (path) {
        size_t len = 0;
        char *text = test_read_file(path, &len);
        assert_non_null(text);
        t = load_text_w(text, len, "nv12.txt", NULL);
        test_assert_numa_os_ids(t, 0, 2, (const uint32_t[]){0, 1});
        gs_topo_destroy(t);
        free(text);
    }
}

static void cli_shows_the_matrix(void **state)
{
    (void)state;
    char args[1024];
    snprintf(args, sizeof args, "topo show '%s'",
             test_data("topo-m/dgx1-v100-spaces.txt"));
    assert_int_equal(run_tool(args, out, sizeof out), 0);
    /* every GPU row, cell for cell as in the file */
    static const char *const rows[8] = {
        "GPU0\t X \tNV1\tNV1\tNV2\tNV2\tSYS\tSYS\tSYS\t0-19,40-59\t0\n",
        "GPU1\tNV1\t X \tNV2\tNV1\tSYS\tNV2\tSYS\tSYS\t0-19,40-59\t0\n",
        "GPU2\tNV1\tNV2\t X \tNV2\tSYS\tSYS\tNV1\tSYS\t0-19,40-59\t0\n",
        "GPU3\tNV2\tNV1\tNV2\t X \tSYS\tSYS\tSYS\tNV1\t0-19,40-59\t0\n",
        "GPU4\tNV2\tSYS\tSYS\tSYS\t X \tNV1\tNV1\tNV2\t20-39,60-79\t1\n",
        "GPU5\tSYS\tNV2\tSYS\tSYS\tNV1\t X \tNV2\tNV1\t20-39,60-79\t1\n",
        "GPU6\tSYS\tSYS\tNV1\tSYS\tNV1\tNV2\t X \tNV2\t20-39,60-79\t1\n",
        "GPU7\tSYS\tSYS\tSYS\tNV1\tNV2\tNV1\tNV2\t X \t20-39,60-79\t1\n"};
    for (int i = 0; i < 8; i++)
        if (!strstr(out, rows[i]))
            fail_msg("missing row %d:\n%s", i, out);
    snprintf(args, sizeof args, "topo show '%s' --hostname dgx01",
             test_data("topo-m/dgx-a100-tabs.txt"));
    assert_int_equal(run_tool(args, out, sizeof out), 0);
    /* NUMA Affinity as the file has it (5), not the domain's index (2) */
    assert_non_null(strstr(out, "GPU6\tNV12\tNV12\tNV12\tNV12\tNV12\tNV12\t X "
                                "\tNV12\t80-95,208-223\t5\n"));
    assert_non_null(strstr(out, "dgx01"));
    /* a bad file: exit 1, file:line:column */
    snprintf(args, sizeof args, "topo show '%s'",
             test_data("topo-m/bad-asymmetric.txt"));
    assert_int_equal(run_tool(args, out, sizeof out), 1);
    assert_non_null(strstr(out, "bad-asymmetric.txt:5:10: the matrix is not "
                                "symmetric"));
    /* warnings go to stderr, --quiet drops them */
    snprintf(args, sizeof args, "topo show '%s'",
             test_data("topo-m/hand-aligned-issue.txt"));
    assert_int_equal(run_tool(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "warning: "));
    snprintf(args, sizeof args, "topo show '%s' --quiet",
             test_data("topo-m/hand-aligned-issue.txt"));
    assert_int_equal(run_tool(args, out, sizeof out), 0);
    assert_null(strstr(out, "warning: "));
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nvswitch_machine),
        cmocka_unit_test(fabric_detection),
        cmocka_unit_test(bridged_pairs_are_not_a_fabric),
        cmocka_unit_test(dgx1_matches_the_template),
        cmocka_unit_test(layouts_give_identical_topologies),
        cmocka_unit_test(affinity_cells),
        cmocka_unit_test(warnings_name_what_was_skipped),
        cmocka_unit_test(ansi_underlined_header),
        cmocka_unit_test(glued_columns),
        cmocka_unit_test(numa_affinity_lists),
        cmocka_unit_test(single_gpu),
        cmocka_unit_test(markdown_paste),
        cmocka_unit_test(fixture_errors),
        cmocka_unit_test(inline_errors),
        cmocka_unit_test(detected_and_round_tripped),
        cmocka_unit_test(out_of_memory_everywhere),
        cmocka_unit_test(cli_shows_the_matrix),
        cmocka_unit_test(numa_os_ids),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (test_alloc_stats_get().live_blocks != 0) {
        fprintf(stderr, "leaked %ld blocks\n",
                test_alloc_stats_get().live_blocks);
        return 1;
    }
    return rc;
}
