/*
 * The JSON topology format: reading, errors with positions, exact round
 * trips, large clusters in a few lines.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- structural comparison through the public API ---------------------- */

static void assert_str_eq_or_null(const char *a, const char *b)
{
    if (!a || !b)
        assert_true(a == b);
    else
        assert_string_equal(a, b);
}

static void assert_topo_equal(const gs_topo *a, const gs_topo *b)
{
    assert_int_equal(gs_topo_node_count(a), gs_topo_node_count(b));
    assert_int_equal(gs_topo_gpu_count(a), gs_topo_gpu_count(b));
    assert_int_equal(gs_topo_switch_count(a), gs_topo_switch_count(b));
    assert_int_equal(gs_topo_nvlink_domain_count(a),
                     gs_topo_nvlink_domain_count(b));
    for (uint32_t n = 0; n < gs_topo_node_count(a); n++) {
        assert_string_equal(gs_topo_node_name(a, n), gs_topo_node_name(b, n));
        assert_int_equal(gs_topo_node_gpu_count(a, n),
                         gs_topo_node_gpu_count(b, n));
        assert_int_equal(gs_topo_node_first_gpu(a, n),
                         gs_topo_node_first_gpu(b, n));
        assert_int_equal(gs_topo_node_numa_count(a, n),
                         gs_topo_node_numa_count(b, n));
        assert_int_equal(gs_topo_node_switch(a, n), gs_topo_node_switch(b, n));
        assert_int_equal(gs_topo_node_domain(a, n), gs_topo_node_domain(b, n));
        for (uint32_t d = 0; d < gs_topo_node_numa_count(a, n); d++) {
            char ca[512], cb[512];
            assert_int_equal(gs_topo_numa_os_id(a, n, d),
                             gs_topo_numa_os_id(b, n, d));
            assert_int_equal(gs_topo_numa_memory(a, n, d),
                             gs_topo_numa_memory(b, n, d));
            assert_int_equal(gs_topo_numa_cpus(a, n, d, ca, sizeof ca, NULL),
                             GS_OK);
            assert_int_equal(gs_topo_numa_cpus(b, n, d, cb, sizeof cb, NULL),
                             GS_OK);
            assert_string_equal(ca, cb);
        }
        uint32_t first = gs_topo_node_first_gpu(a, n);
        uint32_t ng = gs_topo_node_gpu_count(a, n);
        for (uint32_t i = 0; i < ng; i++) {
            gs_gpu_info x, y;
            gs_gpu_info_init(&x);
            gs_gpu_info_init(&y);
            assert_int_equal(gs_topo_gpu_info(a, first + i, &x), GS_OK);
            assert_int_equal(gs_topo_gpu_info(b, first + i, &y), GS_OK);
            assert_str_eq_or_null(x.model, y.model);
            assert_str_eq_or_null(x.uuid, y.uuid);
            assert_str_eq_or_null(x.pci_bus_id, y.pci_bus_id);
            assert_true(x.memory_bytes == y.memory_bytes);
            assert_int_equal(x.cc_major, y.cc_major);
            assert_int_equal(x.cc_minor, y.cc_minor);
            assert_int_equal(x.sm_count, y.sm_count);
            assert_int_equal(x.numa, y.numa);
            assert_int_equal(x.fabric, y.fabric);
            assert_int_equal(x.fabric_links, y.fabric_links);
            for (uint32_t j = 0; j < ng; j++) {
                gs_link_info la, lb;
                gs_link_info_init(&la);
                gs_link_info_init(&lb);
                gs_topo_link(a, first + i, first + j, &la);
                gs_topo_link(b, first + i, first + j, &lb);
                assert_int_equal(la.kind, lb.kind);
                assert_int_equal(la.nvlinks, lb.nvlinks);
                assert_int_equal(la.pcie, lb.pcie);
                assert_true(la.bandwidth == lb.bandwidth);
                assert_int_equal(la.source, lb.source);
                assert_int_equal(la.bandwidth_explicit, lb.bandwidth_explicit);
            }
            char ca[512], cb[512];
            gs_topo_gpu_local_cpus(a, first + i, ca, sizeof ca, NULL);
            gs_topo_gpu_local_cpus(b, first + i, cb, sizeof cb, NULL);
            assert_string_equal(ca, cb);
        }
        size_t la = 0, lb = 0;
        gs_topo_node_matrix(a, n, GS_MATRIX_SOURCES, NULL, 0, &la);
        gs_topo_node_matrix(b, n, GS_MATRIX_SOURCES, NULL, 0, &lb);
        assert_int_equal(la, lb);
    }
    assert_int_equal(gs_topo_feature_count(a), gs_topo_feature_count(b));
    for (uint32_t f = 0; f < gs_topo_feature_count(a); f++)
        assert_string_equal(gs_topo_feature_name(a, f),
                            gs_topo_feature_name(b, f));
    for (uint32_t n = 0; n < gs_topo_node_count(a); n++) {
        char fa[4200], fb[4200];
        assert_int_equal(gs_topo_node_features(a, n, fa, sizeof fa, NULL),
                         GS_OK);
        assert_int_equal(gs_topo_node_features(b, n, fb, sizeof fb, NULL),
                         GS_OK);
        assert_string_equal(fa, fb);
        assert_int_equal(gs_topo_node_weight(a, n), gs_topo_node_weight(b, n));
    }
    for (uint32_t s = 0; s < gs_topo_switch_count(a); s++) {
        assert_string_equal(gs_topo_switch_name(a, s), gs_topo_switch_name(b, s));
        assert_int_equal(gs_topo_switch_parent(a, s),
                         gs_topo_switch_parent(b, s));
        assert_int_equal(gs_topo_switch_link_speed(a, s),
                         gs_topo_switch_link_speed(b, s));
    }
    for (uint32_t d = 0; d < gs_topo_nvlink_domain_count(a); d++) {
        assert_string_equal(gs_topo_nvlink_domain_name(a, d),
                            gs_topo_nvlink_domain_name(b, d));
        assert_int_equal(gs_topo_nvlink_domain_size(a, d),
                         gs_topo_nvlink_domain_size(b, d));
    }
    /* cross-node bandwidth (NVLink domains) on a sample of pairs */
    uint32_t g = gs_topo_gpu_count(a);
    for (uint32_t i = 0; i < g; i += 7)
        for (uint32_t j = 0; j < g; j += 5)
            assert_true(gs_topo_bandwidth(a, i, j) == gs_topo_bandwidth(b, i, j));
}

/* save -> load -> save again gives the same text (for topologies too
 * large for assert_topo_equal's sample of GPU pairs) */
static void check_text_roundtrip(const gs_topo *t)
{
    char *j1, *j2;
    size_t n1;
    assert_int_equal(gs_topo_to_json(t, &j1, &n1), GS_OK);
    gs_topo *u = NULL;
    if (gs_topo_load_buffer(&u, j1, n1, "saved.json", NULL) != GS_OK)
        fail_msg("reloading failed: %s", gs_topo_errmsg(u));
    assert_int_equal(gs_topo_node_count(u), gs_topo_node_count(t));
    assert_int_equal(gs_topo_switch_count(u), gs_topo_switch_count(t));
    assert_int_equal(gs_topo_to_json(u, &j2, NULL), GS_OK);
    assert_string_equal(j1, j2);
    gs_free(j1);
    gs_free(j2);
    gs_topo_destroy(u);
}

/* save -> load -> compare -> save again gives the same text */
static void check_roundtrip(const gs_topo *t)
{
    char *j1, *j2;
    size_t n1, n2;
    assert_int_equal(gs_topo_to_json(t, &j1, &n1), GS_OK);
    gs_topo *u = NULL;
    gs_status st = gs_topo_load_buffer(&u, j1, n1, "saved.json", NULL);
    if (st != GS_OK)
        fail_msg("reloading failed: %s\n%s", gs_topo_errmsg(u), j1);
    assert_topo_equal(t, u);
    assert_int_equal(gs_topo_to_json(u, &j2, &n2), GS_OK);
    assert_int_equal(n1, n2);
    assert_string_equal(j1, j2);
    gs_free(j1);
    gs_free(j2);
    gs_topo_destroy(u);
}


/* Matrix cells of five characters or more (NV200) keep a separator, so
 * the saved file reloads (found by fuzz_hwloc). */
static void wide_cells_roundtrip(void **state)
{
    (void)state;
    const char *text =
        "{\"nodes\":[{\"name\":\"n1\",\"gpus\":{\"count\":3},\"links\":["
        "{\"gpus\":[0,1],\"nvlink\":200},{\"gpus\":[1,2],\"nvlink\":255}]}]}";
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_load_buffer(&t, text, strlen(text), "w.json",
                                         NULL),
                     GS_OK);
    gs_link_info li;
    gs_link_info_init(&li);
    assert_int_equal(gs_topo_link(t, 1, 2, &li), GS_OK);
    assert_int_equal(li.nvlinks, 255);
    check_roundtrip(t);
    gs_topo_destroy(t);
}

/* Names reach JSON strings and hostlists unescaped, so the characters
 * that would break either are refused where names come in. */
static void names_refuse_quotes_and_backslashes(void **state)
{
    (void)state;
    const char *bad[] = {"a\"b", "a\\b", "a b", "a,b", "a[1]"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        gs_topo *t = NULL;
        assert_int_equal(gs_topo_create(&t), GS_OK);
        assert_int_equal(gs_topo_add_node(t, bad[i], NULL), GS_EINVAL);
        assert_non_null(strstr(gs_topo_errmsg(t), "not allowed at offset 1"));
        assert_int_equal(gs_topo_node_count(t), 0);
        gs_topo_destroy(t);
    }
}

/* Content sniffing picks the format; slurm.conf gets its own message. */
static void detects_formats(void **state)
{
    (void)state;
    struct {
        const char *text;
        gs_status st;
        const char *msg; /* in the error, or NULL */
        uint32_t switches;
    } cases[] = {
        {"SwitchName = s0 Nodes=n[1-2]\n", GS_OK, NULL, 1},
        {"# comment\nswitchname=s0 nodes=n1\n", GS_OK, NULL, 1},
        {"include /etc/slurm/other.conf\n", GS_OK, NULL, 0},
        {"ClusterName=c\nNodeName=n1 CPUs=8 Gres=gpu:2\n", GS_EPARSE,
         "looks like slurm.conf", 0},
        {"NodeName=n1 CPUs=8 RealMemory=1000\n", GS_EPARSE,
         "looks like slurm.conf", 0},
        {"hello world\n", GS_EPARSE, "unrecognized format", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        gs_topo *t = NULL;
        gs_status st = gs_topo_load_buffer(&t, cases[i].text,
                                           strlen(cases[i].text), "f.conf",
                                           NULL);
        if (st != cases[i].st)
            fail_msg("case %zu: status %d (%s)", i, st,
                     t ? gs_topo_errmsg(t) : "");
        if (cases[i].msg)
            assert_non_null(strstr(gs_topo_errmsg(t), cases[i].msg));
        else
            assert_int_equal(gs_topo_switch_count(t), cases[i].switches);
        gs_topo_destroy(t);
    }
    /* gres.conf with NodeName= is still gres.conf */
    const char *gres = "NodeName=n1 Name=gpu File=/dev/nvidia[0-1]\n";
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_load_buffer(&t, gres, strlen(gres), "g.conf",
                                         NULL),
                     GS_OK);
    assert_int_equal(gs_topo_gpu_count(t), 2);
    gs_topo_destroy(t);
}

/* ---- reading ----------------------------------------------------------- */

static void reads_the_cluster_fixture(void **state)
{
    (void)state;
    gs_topo *t = NULL;
    gs_status st = gs_topo_load(&t, test_data("cluster.json"), NULL);
    if (st != GS_OK)
        fail_msg("%s", gs_topo_errmsg(t));
    /* 4 x 8 (H100) + 4 x 4 (GB200) + 2 + 3 */
    assert_int_equal(gs_topo_node_count(t), 10);
    assert_int_equal(gs_topo_gpu_count(t), 32 + 16 + 2 + 3);
    assert_int_equal(gs_topo_find_node(t, "h100-03"), 2);
    assert_int_equal(gs_topo_find_node(t, "gb-4"), 7);
    /* racks: hrack1 = h100-01,02 ; hrack2 = h100-03,04, both under spine */
    uint32_t r1 = gs_topo_find_switch(t, "hrack1");
    uint32_t r2 = gs_topo_find_switch(t, "hrack2");
    uint32_t spine = gs_topo_find_switch(t, "spine");
    assert_int_not_equal(r1, GS_NONE);
    assert_int_equal(gs_topo_node_switch(t, 1), r1);
    assert_int_equal(gs_topo_node_switch(t, 2), r2);
    assert_int_equal(gs_topo_common_switch(t, 0, 1), r1);
    assert_int_equal(gs_topo_common_switch(t, 0, 3), spine);
    /* leaf1 is under spine too and holds t4-1 */
    uint32_t t4 = gs_topo_find_node(t, "t4-1");
    assert_int_equal(gs_topo_common_switch(t, t4, 0), spine);
    assert_int_equal(gs_topo_switch_link_speed(t, spine), 400);
    /* "inline" hangs off "edge", a separate tree */
    uint32_t in = gs_topo_find_node(t, "inline");
    assert_int_equal(gs_topo_common_switch(t, in, 0), GS_NONE);
    /* NVLink domains: nvl-a from the node entry, nvl-b declared empty */
    uint32_t d = gs_topo_find_nvlink_domain(t, "nvl-a");
    assert_int_equal(gs_topo_nvlink_domain_size(t, d), 4);
    assert_int_equal(gs_topo_nvlink_domain_size(
                         t, gs_topo_find_nvlink_domain(t, "nvl-b")),
                     0);
    /* topology-wide SYS = 5 applies to the template nodes too */
    uint32_t g = gs_topo_node_first_gpu(t, t4);
    assert_true(gs_topo_bandwidth(t, g, g + 1) == 12.0); /* PHB */
    uint32_t h = gs_topo_node_first_gpu(t, 0);
    assert_true(gs_topo_bandwidth(t, h, h + 7) == 450.0); /* NV18 */
    uint32_t x = gs_topo_node_first_gpu(t, in);
    assert_true(gs_topo_bandwidth(t, x, x + 1) == 50.0);
    assert_true(gs_topo_bandwidth(t, x, x + 2) == 5.0);
    assert_true(gs_topo_bandwidth(t, x + 1, x + 2) == 20.5);
    /* UUIDs */
    assert_int_equal(gs_topo_find_gpu_uuid(
                         t, "GPU-11111111-2222-3333-4444-555555555555"),
                     g);
    assert_int_equal(gs_topo_find_gpu_uuid(t, "GPU-inline-0"), x);
    gs_gpu_info gi;
    gs_gpu_info_init(&gi);
    gs_topo_gpu_info(t, g + 1, &gi);
    assert_null(gi.uuid);
    gs_topo_gpu_info(t, x + 2, &gi);
    assert_string_equal(gi.pci_bus_id, "0000:82:00.0");
    assert_true(gi.memory_bytes == 0);
    check_roundtrip(t);
    gs_topo_destroy(t);
}

static void ten_thousand_nodes_in_a_few_lines(void **state)
{
    (void)state;
    const char *json =
        "{\"nodes\": [{\"name\": \"gpu[00001-10000]\", \"template\": "
        "\"dgx-h100\",\n"
        "  \"racks\": {\"size\": 32, \"prefix\": \"leaf\", \"parent\": "
        "\"spine\"}}]}";
    gs_topo *t = test_topo_json(json);
    assert_int_equal(gs_topo_node_count(t), 10000);
    assert_int_equal(gs_topo_gpu_count(t), 80000);
    assert_int_equal(gs_topo_switch_count(t), 313 + 1);
    assert_string_equal(gs_topo_node_name(t, 9999), "gpu10000");
    uint32_t l1 = gs_topo_find_switch(t, "leaf001");
    uint32_t l313 = gs_topo_find_switch(t, "leaf313");
    assert_int_not_equal(l313, GS_NONE);
    assert_int_equal(gs_topo_node_switch(t, 31), l1);
    assert_int_equal(gs_topo_node_switch(t, 32), l1 + 1);
    assert_int_equal(gs_topo_node_switch(t, 9999), l313);
    assert_int_equal(gs_topo_common_switch(t, 0, 9999),
                     gs_topo_find_switch(t, "spine"));
    char *text;
    size_t len;
    assert_int_equal(gs_topo_to_json(t, &text, &len), GS_OK);
    /* one template, one node entry, 314 switch lines */
    assert_true(len < 40000);
    assert_non_null(strstr(text, "\"name\": \"gpu[00001-10000]\""));
    gs_free(text);
    check_roundtrip(t);
    gs_topo_destroy(t);
}

static void gb200_rack_of_racks(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(
        "{\"nodes\": [{\"name\": \"gb[001-036]\", \"template\": \"gb200-tray\","
        " \"racks\": {\"size\": 18, \"prefix\": \"nvl\", \"nvlink_domain\": "
        "true}}]}");
    assert_int_equal(gs_topo_nvlink_domain_count(t), 2);
    assert_int_equal(gs_topo_nvlink_domain_size(t, 0), 18);
    assert_string_equal(gs_topo_nvlink_domain_name(t, 1), "nvl2");
    /* GPU 0 (gb001) to GPU 71 (gb018): same domain; to GPU 72: not */
    assert_true(gs_topo_bandwidth(t, 0, 71) == 900.0);
    assert_true(gs_topo_bandwidth(t, 0, 72) == 0.0);
    check_roundtrip(t);
    gs_topo_destroy(t);
}

static void cluster_template_loads(void **state)
{
    (void)state;
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_load(&t, "gb200-nvl72", NULL), GS_OK);
    assert_int_equal(gs_topo_node_count(t), 18);
    assert_int_equal(gs_topo_gpu_count(t), 72);
    assert_int_equal(gs_topo_nvlink_domain_count(t), 1);
    /* all 72 GPUs one NVLink domain: Q of all = C(72,2) x 900 */
    uint32_t all[72];
    for (uint32_t i = 0; i < 72; i++)
        all[i] = i;
    double q;
    assert_int_equal(gs_topo_quality(t, all, 72, &q), GS_OK);
    assert_true(q == 72.0 * 71 / 2 * 900);
    gs_topo_destroy(t);
}

/* ---- errors ------------------------------------------------------------ */

static void expect_err(const char *json, gs_status st, const char *msg)
{
    char got[1024];
    gs_status s = test_topo_json_error(json, got, sizeof got);
    if (s != st || strncmp(got, msg, strlen(msg)) != 0)
        fail_msg("for %s\n got %s '%s'\nwant %s '%s'", json, gs_status_name(s),
                 got, gs_status_name(st), msg);
}

static void errors_name_file_line_column(void **state)
{
    (void)state;
    expect_err("{\"nodes\": [{\"name\": \"a\",\n  \"gpus\": 7}]}", GS_EPARSE,
               "test.json:2:11: \"gpus\" must be an array of GPUs or an object "
               "with \"count\"");
    expect_err("{\"nodes\": [{\"name\": \"a\", \"gpus\": {\"count\": -2}}]}",
               GS_EPARSE, "test.json:1:44: \"count\" must be an integer");
    expect_err("{\"nodez\": []}", GS_EPARSE,
               "test.json:1:2: unknown key \"nodez\" in the document");
    expect_err("{\"nodes\": [{\"template\": \"dgx-h100\"}]}", GS_EPARSE,
               "test.json:1:12: a node needs \"name\"");
    expect_err("{\"nodes\": [{\"name\": \"x\", \"template\": \"dgx-h101\"}]}",
               GS_EPARSE, "test.json:1:38: unknown template \"dgx-h101\"");
    expect_err("{\"nodes\": [{\"name\": \"x\", \"template\": \"gb200-nvl72\"}]}",
               GS_EPARSE, "test.json:1:38: \"gb200-nvl72\" describes a whole "
                          "cluster");
    expect_err("{\"nodes\": [{\"name\": \"x[1-2\", \"template\": \"dgx-h100\"}]}",
               GS_EPARSE, "test.json:1:23: '[' without ']'");
    expect_err("{\"nodes\": [{\"name\": \"x,x\", \"template\": \"dgx-h100\"}]}",
               GS_EPARSE, "test.json:1:21: node \"x\" already exists");
    /* at most 2^18 nodes a file: one expression, and in all */
    expect_err("{\"nodes\": [{\"name\": \"x[1-300000]\", \"template\": "
               "\"dgx-h100\"}]}",
               GS_EPARSE, "test.json:1:24: expression expands to too many names");
    if (!getenv("GS_TEST_UNDER_VALGRIND")) /* 200,000 nodes: slow there */
        expect_err("{\"nodes\": [{\"name\": \"a[1-200000]\", \"template\": "
                   "\"dgx-h100\"}, {\"name\": \"b[1-62145]\", \"template\": "
                   "\"dgx-h100\"}]}",
                   GS_EPARSE,
                   "test.json:1:70: more than 262144 nodes in one file");
    expect_err("{\"nodes\": [{\"name\": \"a\", \"numa\": [{\"cpus\": \"0-3,x\"}]}]}",
               GS_EPARSE, "test.json:1:49: bad cpulist");
    expect_err("{\"nodes\": [{\"name\": \"a\", \"numa\": [{\"memory\": \"12 XB\"}]}]}",
               GS_EPARSE, "test.json:1:46: \"memory\": \"12 XB\" is not a size");
    expect_err("{\"nodes\": [{\"name\": \"a\", \"gpus\": [{\"numa\": 0}]}]}",
               GS_EPARSE, "test.json:1:44: \"numa\": no NUMA domain of the node has id 0");
    expect_err("{\"nodes\": [{\"name\": \"a\", \"gpus\": [{\"cc\": \"x\"}]}]}",
               GS_EPARSE, "test.json:1:42: \"cc\" must be a compute capability");
    expect_err("{\"nodes\": [{\"name\": \"a\", \"gpus\": [{\"pci\": \"1:2\"}]}]}",
               GS_EPARSE, "test.json:1:43: \"pci\": \"1:2\" is not a PCI bus id");
    /* matrices */
    const char *two = "{\"nodes\": [{\"name\": \"a\", \"gpus\": {\"count\": 2}, ";
    char buf[512];
    snprintf(buf, sizeof buf, "%s\"matrix\": [\"X NV2\", \"NV1 X\"]}]}", two);
    expect_err(buf, GS_EPARSE, "test.json:1:69: \"matrix\" is not symmetric: "
                               "GPU1-GPU0 is \"NV1\" but GPU0-GPU1 (line 1) is "
                               "\"NV2\"");
    snprintf(buf, sizeof buf, "%s\"matrix\": [\"X FOO\", \"FOO X\"]}]}", two);
    expect_err(buf, GS_EPARSE, "test.json:1:62: unknown matrix cell \"FOO\"");
    snprintf(buf, sizeof buf, "%s\"matrix\": [\"X PIX PIX\", \"PIX X\"]}]}", two);
    expect_err(buf, GS_EPARSE, "test.json:1:66: row has more cells");
    snprintf(buf, sizeof buf, "%s\"matrix\": [\"X PIX\"]}]}", two);
    expect_err(buf, GS_EPARSE, "test.json:1:58: \"matrix\" has 1 rows");
    snprintf(buf, sizeof buf, "%s\"matrix\": [\"SYS PIX\", \"PIX X\"]}]}", two);
    expect_err(buf, GS_EPARSE, "test.json:1:60: the diagonal cell must be");
    snprintf(buf, sizeof buf,
             "%s\"pcie\": [\"X PIX\", \"PIX X\"], \"matrix\": [\"X SYS\", "
             "\"SYS X\"]}]}",
             two);
    expect_err(buf, GS_EPARSE, "test.json:1:60: \"pcie\" says PIX for GPU0-GPU1 "
                               "but \"matrix\" says SYS");
    snprintf(buf, sizeof buf, "%s\"links\": [{\"gpus\": [0, 2]}]}]}", two);
    expect_err(buf, GS_EPARSE, "test.json:1:71: \"gpus\" must be an integer "
                               "from 0 to 1");
    /* fabric cells */
    expect_err("{\"nodes\": [{\"name\": \"a\", \"gpus\": {\"count\": 2, "
               "\"nvswitch_links\": 6}, \"matrix\": [\"X NV2\", \"NV2 X\"]}]}",
               GS_EPARSE, "test.json:1:83: GPU0-GPU1 shows NV2 but the two GPUs "
                          "have 6 links");
    /* references */
    expect_err("{\"nodes\": [{\"name\": \"a\", \"switch\": \"nope\"}]}", GS_EPARSE,
               "test.json:1:36: switch \"nope\" is not declared");
    expect_err("{\"switches\": [{\"name\": \"s\", \"nodes\": \"b\"}], \"nodes\": "
               "[{\"name\": \"a\"}]}",
               GS_EPARSE, "test.json:1:38: node \"b\" is not declared");
    expect_err("{\"switches\": [{\"name\": \"s\", \"switches\": \"s\"}]}",
               GS_EPARSE, "test.json:1:41: switch \"s\" cannot be its own parent");
    expect_err("{\"switches\": [{\"name\": \"a\", \"switches\": \"b\"}, {\"name\": "
               "\"b\", \"switches\": \"a\"}]}",
               GS_EINVALID, "switch \"");
    expect_err("{\"nodes\": [{\"name\": \"a[1-2]\", \"template\": \"dgx-h100\", "
               "\"uuids\": [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\"]}]}",
               GS_EPARSE, "test.json:1:21: GPU UUIDs belong to one node");
    expect_err("{\"nodes\": [{\"name\": \"a\", \"template\": \"dgx-h100\", "
               "\"uuids\": [\"1\"]}]}",
               GS_EPARSE, "test.json:1:59: \"uuids\" has 1 entries; the node has "
                          "8 GPUs");
    expect_err("{\"templates\": {\"t\": {\"gpus\": [{\"uuid\": \"u\"}]}}}",
               GS_EPARSE, "test.json:1:30: a template cannot give GPU UUIDs");
    expect_err("{\"gpusched\": 2}", GS_EPARSE,
               "test.json:1:14: format version 2 is not supported");
    expect_err("[1]", GS_EPARSE, "test.json:1:1: unrecognized format");
    expect_err("{\"nodes\": [{\"name\": \"a\", \"gpus\": [{\"numa\": 0}], "
               "\"numa\": [{}], \"bandwidth\": {\"PIX\": 0}}]}",
               GS_EPARSE, "test.json:1:84: \"PIX\" must be a positive bandwidth");
    /* not JSON at all, and syntax errors */
    expect_err("hello", GS_EPARSE, "test.json:1:1: unrecognized format");
    expect_err("{\"nodes\": [}", GS_EPARSE, "test.json:1:12: unexpected");
}

/* ---- input size limits (issue 10 item 5) ------------------------------- */

/* Load path with a limit of limit bytes: the status, the message in msg. */
static gs_status load_limited(const char *path, uint64_t limit, char *msg,
                              size_t cap, bool hwloc)
{
    gs_load_options o;
    gs_load_options_init(&o);
    o.max_input_bytes = limit;
    gs_topo *t = NULL;
    gs_status st = hwloc ? gs_topo_load_hwloc(&t, path, &o)
                         : gs_topo_load(&t, path, &o);
    snprintf(msg, cap, "%s", gs_topo_errmsg(t));
    gs_topo_destroy(t);
    return st;
}

static void expect_limit_error(const char *path, uint64_t limit, bool hwloc)
{
    char msg[600], want[300];
    gs_status st = load_limited(path, limit, msg, sizeof msg, hwloc);
    snprintf(want, sizeof want,
             "%s: larger than the input limit of %llu bytes", path,
             (unsigned long long)limit);
    if (st != GS_ERANGE || strncmp(msg, want, strlen(want)) != 0)
        fail_msg("%s: got %s \"%s\", want GS_ERANGE \"%s\"", path,
                 gs_status_name(st), msg, want);
}

/* A file exactly at the limit loads; one byte more does not. */
static void limit_is_exact(void **state)
{
    (void)state;
    char dir[] = "/tmp/gs-limit-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/t.json", dir);
    const char doc[] = "{\"nodes\": [{\"name\": \"a\", \"template\": "
                       "\"dgx-h100\"}]}\n";
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(doc, 1, sizeof doc - 1, f);
    fclose(f);
    char msg[600];
    assert_int_equal(load_limited(path, sizeof doc - 1, msg, sizeof msg,
                                  false),
                     GS_OK);
    expect_limit_error(path, sizeof doc - 2, false);
    unlink(path);
    rmdir(dir);
}

/* Endless inputs stop at the limit with GS_ERANGE and a message naming
 * it, through every way a file is loaded. */
static void endless_inputs_stop(void **state)
{
    (void)state;
    expect_limit_error("/dev/zero", 1 << 20, false);
    expect_limit_error("/dev/zero", 1 << 16, true); /* gs_topo_load_hwloc */
    expect_limit_error("/dev/urandom", 1 << 20, false);
    /* a FIFO whose writer never stops: the writer dies of SIGPIPE (or sees
     * EPIPE) once the reader gives up */
    char dir[] = "/tmp/gs-fifo-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char fifo[64];
    snprintf(fifo, sizeof fifo, "%s/endless", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        int fd = open(fifo, O_WRONLY);
        if (fd < 0)
            _exit(2);
        char chunk[4096];
        memset(chunk, '[', sizeof chunk);
        for (;;)
            if (write(fd, chunk, sizeof chunk) < 0)
                _exit(0);
    }
    expect_limit_error(fifo, 1 << 20, false);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true((WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE) ||
                (WIFEXITED(status) && WEXITSTATUS(status) == 0));
    unlink(fifo);
    rmdir(dir);
}

/* ---- numbers out of range (issue 10, "Lower") -------------------------- */

/* The error for json is at the column where marker starts (on line 1). */
static void expect_err_at(const char *json, const char *marker,
                          const char *what)
{
    const char *at = strstr(json, marker);
    assert_non_null(at);
    char msg[512];
    snprintf(msg, sizeof msg, "test.json:1:%zu: %s", (size_t)(at - json) + 1,
             what);
    expect_err(json, GS_EPARSE, msg);
}

static void out_of_range_numbers(void **state)
{
    (void)state;
#define NODE "{\"nodes\": [{\"name\": \"a\", "
    static const struct {
        const char *json, *marker, *what;
    } cases[] = {
        /* counts: integers in range, never wrapped or truncated */
        {NODE "\"gpus\": {\"count\": 1e30}}]}", "1e30",
         "\"count\" must be an integer from 0 to 1024"},
        {NODE "\"gpus\": {\"count\": 4294967297}}]}", "4294967297",
         "\"count\" must be an integer from 0 to 1024"},
        {NODE "\"gpus\": {\"count\": -1}}]}", "-1",
         "\"count\" must be an integer from 0 to 1024"},
        {NODE "\"gpus\": {\"count\": 2.5}}]}", "2.5",
         "\"count\" must be an integer from 0 to 1024"},
        {NODE "\"gpus\": [{\"sms\": 4294967296}]}]}", "4294967296",
         "\"sms\" must be an integer from 0 to 4294967295"},
        {NODE "\"gpus\": [{\"sms\": 1e300}]}]}", "1e300",
         "\"sms\" must be an integer from 0 to 4294967295"},
        {NODE "\"gpus\": [{\"numa\": 4294967297}]}]}", "4294967297",
         "\"numa\" must be an integer from 0 to 4294967294"},
        {NODE "\"gpus\": [{\"nvswitch_links\": 256}]}]}", "256",
         "\"nvswitch_links\" must be an integer from 0 to 255"},
        {NODE "\"gpus\": [{\"nvswitch_links\": 2, \"fabric\": 255}]}]}",
         "255", "\"fabric\" must be an integer from 0 to 254"},
        {NODE "\"gpus\": [{\"cc\": 1e30}]}]}", "1e30",
         "\"cc\" must be a compute capability like \"8.0\""},
        {NODE "\"gpus\": [{\"cc\": \"256.0\"}]}]}", "\"256.0\"",
         "\"cc\" must be a compute capability like \"8.0\""},
        /* sizes: bytes up to 2^63 - 1, also as strings with a unit */
        {NODE "\"gpus\": [{\"memory\": 1e30}]}]}", "1e30",
         "\"memory\" must be an integer from 0 to 9223372036854775807"},
        {NODE "\"gpus\": [{\"memory\": 9223372036854775808}]}]}",
         "9223372036854775808",
         "\"memory\" must be an integer from 0 to 9223372036854775807"},
        {NODE "\"gpus\": [{\"memory\": -80}]}]}", "-80",
         "\"memory\" must be an integer from 0 to 9223372036854775807"},
        {NODE "\"numa\": [{\"memory\": \"8388608TiB\"}]}]}", "\"8388608TiB\"",
         "\"memory\": \"8388608TiB\" is too large (at most "
         "9223372036854775807 bytes)"},
        {NODE "\"numa\": [{\"memory\": \"99999999999999999999999GiB\"}]}]}",
         "\"9999",
         "\"memory\": \"99999999999999999999999GiB\" is too large"},
        {NODE "\"numa\": [{\"memory\": \"18446744073709551616\"}]}]}",
         "\"1844", "\"memory\": \"18446744073709551616\" is too large"},
        {NODE "\"numa\": [{\"memory\": \"-1GiB\"}]}]}", "\"-1GiB\"",
         "\"memory\": \"-1GiB\" is not a size"},
        {NODE "\"numa\": [{\"cpus\": \"0-1048576\"}]}]}", "1048576",
         "bad cpulist"},
        /* bandwidths: GB/s from 0 to 4,000,000 */
        {NODE "\"bandwidth\": {\"PIX\": 1e30}}]}", "1e30",
         "\"PIX\" must be a bandwidth in GB/s from 0 to 4000000"},
        {NODE "\"bandwidth\": {\"SYS\": -1}}]}", "-1",
         "\"SYS\" must be a bandwidth in GB/s from 0 to 4000000"},
        {NODE "\"bandwidth\": {\"PHB\": 4000000.001}}]}", "4000000.001",
         "\"PHB\" must be a bandwidth in GB/s from 0 to 4000000"},
        {NODE "\"bandwidth\": {\"PXB\": 9999999999999999999e-23}}]}",
         "9999999999999999999e-23",
         "\"PXB\" must be a positive bandwidth"},
        {"{\"bandwidth\": {\"nvlink_per_link\": 1e400}}", "1e400",
         "\"nvlink_per_link\" must be a bandwidth in GB/s from 0 to 4000000"},
        {NODE "\"gpus\": {\"count\": 2}, \"links\": [{\"gpus\": [0, 1], "
              "\"bandwidth\": 4294967.296}]}]}",
         "4294967.296",
         "\"bandwidth\" must be a bandwidth in GB/s from 0 to 4000000"},
        {NODE "\"gpus\": {\"count\": 2}, \"links\": [{\"gpus\": [0, "
              "4294967297]}]}]}",
         "4294967297", "\"gpus\" must be an integer from 0 to 1"},
        {NODE "\"gpus\": {\"count\": 2}, \"links\": [{\"gpus\": [0, 1], "
              "\"nvlink\": 256}]}]}",
         "256", "\"nvlink\" must be an integer from 0 to 255"},
        {NODE "\"gpus\": {\"count\": 2}, \"matrix\": [\"X NV511\", "
              "\"NV511 X\"]}]}",
         "NV511", "unknown matrix cell \"NV511\""},
        /* switches and racks */
        {"{\"switches\": [{\"name\": \"s\", \"link_speed\": "
         "9223372036854775808}]}",
         "9223372036854775808",
         "\"link_speed\" must be an integer from 0 to 9223372036854775807"},
        {"{\"switches\": [{\"name\": \"s\", \"link_speed\": -1}]}", "-1",
         "\"link_speed\" must be an integer from 0 to 9223372036854775807"},
        {NODE "\"template\": \"dgx-h100\", \"racks\": {\"size\": 262145}}]}",
         "262145", "\"size\" must be an integer from 0 to 262144"},
        {NODE "\"template\": \"dgx-h100\", \"racks\": {\"size\": 0}}]}", "0}",
         "\"size\" must be at least 1"},
        {"{\"gpusched\": 1e30}", "1e30",
         "\"gpusched\" must be an integer from 0 to 1000"},
        /* not JSON numbers at all */
        {NODE "\"gpus\": [{\"sms\": NaN}]}]}", "NaN",
         "unexpected token 'NaN'"},
        {NODE "\"gpus\": [{\"sms\": Infinity}]}]}", "Infinity",
         "unexpected token 'Infinity'"},
        {NODE "\"gpus\": [{\"sms\": -Infinity}]}]}", "-Infinity",
         "invalid number"},
    };
#undef NODE
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_err_at(cases[i].json, cases[i].marker, cases[i].what);
}

/* ---- NUMA OS ids in the format (issue 11 item 5) ----------------------- */

static void numa_ids_in_json(void **state)
{
    (void)state;
    /* "id" per domain; absent: its index. A GPU names its domain by the
     * id, as the machine does: node a's GPUs are in the domains with ids 3
     * and 1, which are its domains 0 and 1 */
    gs_topo *t = test_topo_json(
        "{\"nodes\": [{\"name\": \"a\", \"numa\": [{\"cpus\": \"0-3\", "
        "\"id\": 3}, {\"cpus\": \"4-7\", \"id\": 1}, {\"cpus\": \"8-9\"}], "
        "\"gpus\": [{\"numa\": 3}, {\"numa\": 1}]}, {\"name\": \"b\", "
        "\"numa\": [{\"cpus\": \"0-3\"}, {\"cpus\": \"4-7\"}, {\"cpus\": "
        "\"8-9\"}], \"gpus\": [{\"numa\": 0}, {\"numa\": 1}]}]}");
    assert_int_equal(gs_topo_numa_os_id(t, 0, 0), 3);
    assert_int_equal(gs_topo_numa_os_id(t, 0, 1), 1);
    assert_int_equal(gs_topo_numa_os_id(t, 0, 2), 2);
    assert_int_equal(gs_topo_numa_os_id(t, 1, 0), 0);
    assert_int_equal(gs_topo_numa_os_id(t, 1, 1), 1);
    gs_gpu_info gi;
    gs_gpu_info_init(&gi);
    assert_int_equal(gs_topo_gpu_info(t, 0, &gi), GS_OK);
    assert_int_equal(gi.numa, 0);
    assert_int_equal(gs_topo_gpu_info(t, 1, &gi), GS_OK);
    assert_int_equal(gi.numa, 1);
    /* written where it is not the index, so a and b stay two templates */
    char *j1 = NULL, *j2 = NULL;
    size_t n1 = 0;
    assert_int_equal(gs_topo_to_json(t, &j1, &n1), GS_OK);
    assert_non_null(
        strstr(j1, "{\"cpus\": \"0-3\", \"memory\": 0, \"id\": 3}"));
    assert_non_null(strstr(j1, "{\"cpus\": \"4-7\", \"memory\": 0}"));
    assert_null(strstr(j1, "\"id\": 2"));
    assert_non_null(strstr(j1, "\"node-type-2\""));
    assert_non_null(strstr(j1, "{\"numa\": 3}"));
    gs_topo *u = test_topo_json(j1);
    assert_int_equal(gs_topo_numa_os_id(u, 0, 0), 3);
    assert_int_equal(gs_topo_numa_os_id(u, 0, 1), 1);
    assert_int_equal(gs_topo_numa_os_id(u, 1, 0), 0);
    assert_int_equal(gs_topo_to_json(u, &j2, NULL), GS_OK);
    assert_string_equal(j1, j2);
    gs_free(j1);
    gs_free(j2);
    gs_topo_destroy(u);
    gs_topo_destroy(t);
    /* files without ids (all written before them) save as they were */
    t = test_topo_json("{\"nodes\": [{\"name\": \"n[1-4]\", \"template\": "
                       "\"dgx-h100\"}]}");
    assert_int_equal(gs_topo_to_json(t, &j1, NULL), GS_OK);
    assert_null(strstr(j1, "\"id\""));
    gs_free(j1);
    gs_topo_destroy(t);
    /* an id twice on a node, also through a domain's index */
    const char *twice =
        "{\"nodes\": [{\"name\": \"a\", \"numa\": [{\"id\": 7}, "
        "{\"id\": 7}]}]}";
    expect_err_at(twice, "7}]", "NUMA domain 1 has OS id 7, as domain 0 does");
    const char *by_index =
        "{\"nodes\": [{\"name\": \"a\", \"numa\": [{\"id\": 1}, {}]}]}";
    expect_err_at(by_index, "{}]",
                  "NUMA domain 1 has OS id 1, as domain 0 does (a domain "
                  "without \"id\" has its index)");
    expect_err_at("{\"nodes\": [{\"name\": \"a\", \"numa\": [{\"id\": "
                  "1048576}]}]}",
                  "1048576", "\"id\" must be an integer from 0 to 1048575");
    expect_err_at("{\"nodes\": [{\"name\": \"a\", \"numa\": [{\"id\": "
                  "-1}]}]}",
                  "-1", "\"id\" must be an integer from 0 to 1048575");
    expect_err_at("{\"nodes\": [{\"name\": \"a\", \"numa\": [{\"id\": "
                  "\"3\"}]}]}",
                  "\"3\"", "\"id\" must be an integer from 0 to 1048575");
}

/* ---- inputs that were super-linear (issue 10 item 7) ------------------- */

/* What they mean at full size (bench/bench_topo times them): a chain of
 * 100,000 switches, and 65,536 one-node racks, each a switch and an NVLink
 * domain under one parent, saved and loaded back. */
static void deep_chains_and_many_racks(void **state)
{
    (void)state;
    bool vg = getenv("GS_TEST_UNDER_VALGRIND") != NULL;
    unsigned n = vg ? 5000 : 100000;
    size_t cap = (size_t)n * 48 + 256, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    len += (size_t)snprintf(text + len, cap - len,
                            "{\"nodes\": [{\"name\": \"a\"}], \"switches\": "
                            "[{\"name\": \"s0\", \"nodes\": \"a\"}");
    for (unsigned i = 1; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                ", {\"name\": \"s%u\", \"switches\": \"s%u\"}",
                                i, i - 1);
    len += (size_t)snprintf(text + len, cap - len, "]}");
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_load_buffer(&t, text, len, "chain.json", NULL),
                     GS_OK);
    free(text);
    char top[32];
    snprintf(top, sizeof top, "s%u", n - 1);
    uint32_t leaf = gs_topo_find_switch(t, "s0");
    assert_int_equal(gs_topo_switch_depth(t, leaf), n - 1);
    assert_int_equal(gs_topo_switch_depth(t, gs_topo_find_switch(t, top)), 0);
    assert_int_equal(gs_topo_common_switch(t, 0, 0), leaf);
    check_text_roundtrip(t);
    gs_topo_destroy(t);

    unsigned racks = vg ? 4096 : 65536;
    char doc[256];
    snprintf(doc, sizeof doc,
             "{\"nodes\": [{\"name\": \"a[0-%u]\", \"template\": "
             "\"dgx-h100\", \"racks\": {\"size\": 1, \"parent\": \"x\", "
             "\"nvlink_domain\": true}}]}",
             racks - 1);
    t = test_topo_json(doc);
    assert_int_equal(gs_topo_switch_count(t), racks + 1);
    assert_int_equal(gs_topo_nvlink_domain_count(t), racks);
    char *saved = NULL;
    assert_int_equal(gs_topo_to_json(t, &saved, NULL), GS_OK);
    /* racks are numbered from 1, zero-padded to the width of their count;
     * each holds one node, all hang off x */
    char want[128];
    int w = racks == 65536 ? 5 : 4;
    snprintf(want, sizeof want, "{\"name\": \"rack%0*u\", \"nodes\": \"a%u\"}",
             w, racks, racks - 1);
    assert_non_null(strstr(saved, want));
    snprintf(want, sizeof want,
             "{\"name\": \"x\", \"switches\": \"rack[%0*u-%0*u]\"}", w, 1, w,
             racks);
    assert_non_null(strstr(saved, want));
    gs_free(saved);
    check_text_roundtrip(t);
    gs_topo_destroy(t);

    /* a 37-byte inline node of 1024 GPUs builds 2^20 GPU pairs: 32 of
     * them reach the 2^25 a file may build, the 33rd is refused (256 MiB:
     * not under valgrind) */
    if (!vg) {
        cap = 33 * 64 + 64;
        text = malloc(cap);
        assert_non_null(text);
        len = (size_t)snprintf(text, cap, "{\"nodes\": [");
        for (int i = 0; i < 33; i++)
            len += (size_t)snprintf(text + len, cap - len,
                                    "%s{\"name\": \"a%d\", \"gpus\": "
                                    "{\"count\": 1024}}",
                                    i ? ", " : "", i);
        snprintf(text + len, cap - len, "]}");
        const char *last = strstr(text, "\"a32\"");
        assert_non_null(last);
        const char *gpus = strstr(last, "{\"count");
        char msg[256];
        snprintf(msg, sizeof msg,
                 "test.json:1:%zu: the node descriptions of this file have "
                 "more than 33554432 GPU pairs in all",
                 (size_t)(gpus - text) + 1);
        expect_err(text, GS_EPARSE, msg);
        free(text);
    }
}

static void missing_file(void **state)
{
    (void)state;
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_load(&t, "/nonexistent/x.json", NULL), GS_EIO);
    assert_non_null(strstr(gs_topo_errmsg(t), "no such file"));
    gs_topo_destroy(t);
    assert_int_equal(gs_topo_load(&t, "", NULL), GS_EINVAL);
    gs_topo_destroy(t);
    gs_load_options o;
    gs_load_options_init(&o);
    o.format = (gs_format)99;
    assert_int_equal(gs_topo_load(&t, "dgx-h100", &o), GS_EINVAL);
    gs_topo_destroy(t);
    gs_load_options_init(&o);
    o.flags = GS_LOAD_NOFREEZE;
    assert_int_equal(gs_topo_load(&t, "dgx-h100", &o), GS_OK);
    assert_false(gs_topo_is_frozen(t));
    assert_int_equal(gs_topo_add_template_node(t, "dgx-h100", "second", NULL),
                     GS_OK);
    assert_int_equal(gs_topo_freeze(t), GS_OK);
    assert_int_equal(gs_topo_node_count(t), 2);
    gs_topo_destroy(t);
    assert_int_equal(gs_topo_to_json(NULL, NULL, NULL), GS_EINVAL);
}


/* ---- node features and weights ----------------------------------------- */

static void features_and_weights_in_json(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(
        "{\"nodes\": [\n"
        "  {\"name\": \"g[1-4]\", \"template\": \"dgx-h100\",\n"
        "   \"features\": [\"h100\", \"ib\", \"h100\"], \"weight\": 10},\n"
        "  {\"name\": \"p1\", \"gpus\": {\"count\": 2}, \"features\": "
        "[\"a100\", \"ib\"]},\n"
        "  {\"name\": \"p[2-3]\", \"features\": [], \"weight\": 0},\n"
        "  {\"name\": \"p4\"}]}");
    assert_int_equal(gs_topo_node_count(t), 8);
    assert_int_equal(gs_topo_feature_count(t), 3);
    assert_string_equal(gs_topo_feature_name(t, 0), "h100");
    assert_string_equal(gs_topo_feature_name(t, 1), "ib");
    assert_string_equal(gs_topo_feature_name(t, 2), "a100");
    char buf[64];
    for (uint32_t n = 0; n < 4; n++) {
        assert_int_equal(gs_topo_node_features(t, n, buf, sizeof buf, NULL),
                         GS_OK);
        assert_string_equal(buf, "h100,ib");
        assert_int_equal(gs_topo_node_weight(t, n), 10);
    }
    assert_int_equal(gs_topo_node_features(t, 4, buf, sizeof buf, NULL), GS_OK);
    assert_string_equal(buf, "ib,a100");
    assert_int_equal(gs_topo_node_weight(t, 4), 1);
    assert_int_equal(gs_topo_node_features(t, 5, buf, sizeof buf, NULL), GS_OK);
    assert_string_equal(buf, "");
    assert_int_equal(gs_topo_node_weight(t, 6), 0);
    assert_int_equal(gs_topo_node_weight(t, 7), 1);
    /* the writer: the table, then each node's only where set; the nodes
     * of one template with other features or weights are other runs */
    char *text;
    assert_int_equal(gs_topo_to_json(t, &text, NULL), GS_OK);
    assert_non_null(strstr(text, "  \"features\": [\"h100\", \"ib\", "
                                 "\"a100\"],\n"));
    assert_non_null(strstr(text, "{\"name\": \"g[1-4]\", \"template\": "
                                 "\"dgx-h100\", \"features\": [\"h100\", "
                                 "\"ib\"], \"weight\": 10}"));
    assert_non_null(strstr(text, "\"features\": [\"ib\", \"a100\"]}"));
    assert_non_null(strstr(text, "{\"name\": \"p[2-3]\", \"template\": "
                                 "\"node-type-2\", \"weight\": 0}"));
    assert_non_null(strstr(text, "{\"name\": \"p4\", \"template\": "
                                 "\"node-type-2\"}"));
    gs_free(text);
    check_roundtrip(t);
    gs_topo_destroy(t);

    /* the table keeps its order through a save, also for a name no node
     * has any more and nodes that list later names first */
    gs_topo *u;
    assert_int_equal(gs_topo_create(&u), GS_OK);
    assert_int_equal(gs_topo_add_node(u, "n0", NULL), GS_OK);
    assert_int_equal(gs_topo_add_node(u, "n1", NULL), GS_OK);
    assert_int_equal(gs_topo_set_node_features(u, 1, "x,y,z"), GS_OK);
    assert_int_equal(gs_topo_set_node_features(u, 0, "z"), GS_OK);
    assert_int_equal(gs_topo_set_node_features(u, 1, "y"), GS_OK);
    assert_int_equal(gs_topo_freeze(u), GS_OK);
    check_roundtrip(u);
    gs_topo_destroy(u);

    /* files without features or weights keep their bytes */
    assert_int_equal(gs_topo_load(&t, "dgx-h100", NULL), GS_OK);
    assert_int_equal(gs_topo_to_json(t, &text, NULL), GS_OK);
    assert_null(strstr(text, "features"));
    assert_null(strstr(text, "weight"));
    gs_free(text);
    gs_topo_destroy(t);
}

static void features_and_weights_errors(void **state)
{
    (void)state;
#define NODE "{\"nodes\": [{\"name\": \"a\", "
    static const struct {
        const char *json, *marker, *what;
    } cases[] = {
        {NODE "\"features\": \"h100\"}]}", "\"h100\"",
         "\"features\" must be an array, not a string"},
        {NODE "\"features\": [\"ok\", 7]}]}", "7",
         "\"features\" must be a string, not a number"},
        {NODE "\"features\": [\"ok\", \"a b\"]}]}", "\"a b\"",
         "feature \"a b\" has a character that is not allowed at offset 1"},
        {NODE "\"features\": [\"h100,ib\"]}]}", "\"h100,ib\"",
         "feature \"h100,ib\" has a character that is not allowed"},
        {NODE "\"features\": [\"\"]}]}", "\"\"]", "empty feature name"},
        {NODE "\"template\": \"dgx-h100\", \"features\": [\"a&b\"]}]}",
         "\"a&b\"", "feature \"a&b\" has a character"},
        {"{\"features\": [\"ok\", \"(no)\"]}", "\"(no)\"",
         "feature \"(no)\" has a character"},
        {"{\"features\": {}}", "{}", "\"features\" must be an array"},
        {NODE "\"weight\": -1}]}", "-1",
         "\"weight\" must be an integer from 0 to 4294967294"},
        {NODE "\"weight\": 4294967295}]}", "4294967295",
         "\"weight\" must be an integer from 0 to 4294967294"},
        {NODE "\"weight\": 1.5}]}", "1.5",
         "\"weight\" must be an integer from 0 to 4294967294"},
        {NODE "\"weight\": \"5\"}]}", "\"5\"",
         "\"weight\" must be an integer from 0 to 4294967294"},
        {"{\"templates\": {\"t\": {\"features\": [\"a\"]}}}", "\"features\"",
         "unknown key \"features\" in a node description"},
    };
#undef NODE
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        expect_err_at(cases[i].json, cases[i].marker, cases[i].what);
    /* a 65th distinct name, where it stands */
    test_text x = {0};
    test_printf(&x, "{\"nodes\": [{\"name\": \"a\", \"features\": [");
    for (int i = 0; i < 64; i++)
        test_printf(&x, "\"f%d\", ", i);
    test_printf(&x, "\"f63\"]}, {\"name\": \"b\", \"features\": [\"f1\", "
                    "\"f64\"]}]}");
    expect_err_at(x.s, "\"f64\"",
                  "feature \"f64\" would be the topology's 65th distinct "
                  "feature; at most 64 are allowed");
    free(x.s);
}

/* ---- round trips of random topologies ---------------------------------- */

static gs_topo *random_topo(unsigned *seed)
{
    gs_topo *t;
    gs_topo_create(&t);
    uint32_t nn = 1 + (uint32_t)(rand_r(seed) % 5);
    static const char *models[] = {"A", "Tesla V100-SXM2-16GB", "B \"q\""};
    for (uint32_t n = 0; n < nn; n++) {
        char name[32];
        snprintf(name, sizeof name, "n%u-%u", n, (unsigned)rand_r(seed) % 3);
        uint32_t id;
        if (rand_r(seed) % 3 == 0) {
            snprintf(name, sizeof name, "tpl%u", n);
            assert_int_equal(gs_topo_add_template_node(
                                 t, rand_r(seed) % 2 ? "dgx1-v100" : "dgx2",
                                 name, &id),
                             GS_OK);
            continue;
        }
        assert_int_equal(gs_topo_add_node(t, name, &id), GS_OK);
        uint32_t numa = (uint32_t)(rand_r(seed) % 3);
        for (uint32_t d = 0; d < numa; d++) {
            char cl[32];
            snprintf(cl, sizeof cl, "%u-%u,%u", d * 8, d * 8 + 3, 100 + d);
            gs_topo_add_numa(t, id, cl, (uint64_t)(rand_r(seed) % 5) << 28,
                             NULL);
        }
        uint32_t ng = (uint32_t)(rand_r(seed) % 6);
        for (uint32_t g = 0; g < ng; g++) {
            gs_gpu_info gi;
            gs_gpu_info_init(&gi);
            gi.model = models[rand_r(seed) % 3];
            gi.memory_bytes = (uint64_t)(rand_r(seed) % 3) * 1000000000ull +
                              (uint64_t)(rand_r(seed) % 2);
            gi.cc_major = (uint32_t)(rand_r(seed) % 10);
            gi.cc_minor = (uint32_t)(rand_r(seed) % 10);
            gi.sm_count = (uint32_t)(rand_r(seed) % 200);
            gi.numa = numa && rand_r(seed) % 4 ? (uint32_t)(rand_r(seed) % numa)
                                               : GS_NONE;
            char uuid[32];
            snprintf(uuid, sizeof uuid, "GPU-%u-%u", n, g);
            gi.uuid = rand_r(seed) % 3 ? NULL : uuid;
            if (rand_r(seed) % 4 == 0) {
                gi.fabric = (uint32_t)(rand_r(seed) % 2);
                gi.fabric_links = 1 + (uint32_t)(rand_r(seed) % 18);
            }
            char pci[32];
            snprintf(pci, sizeof pci, "%x:%02x:00.0", n, g);
            gi.pci_bus_id = rand_r(seed) % 2 ? pci : NULL;
            assert_int_equal(gs_topo_add_gpu(t, id, &gi, NULL), GS_OK);
        }
        for (uint32_t a = 0; a < ng; a++)
            for (uint32_t b = a + 1; b < ng; b++) {
                if (rand_r(seed) % 4 == 0)
                    continue; /* leave unset: inferred */
                gs_link_info l;
                gs_link_info_init(&l);
                l.nvlinks = rand_r(seed) % 3 ? 0 : (uint32_t)(rand_r(seed) % 13);
                l.pcie = (gs_pcie_level)(rand_r(seed) % 6);
                l.source = (gs_source)(rand_r(seed) % 5);
                if (rand_r(seed) % 5 == 0)
                    l.bandwidth = (rand_r(seed) % 100000) / 1000.0;
                assert_int_equal(gs_topo_set_link(t, id, a, b, &l), GS_OK);
            }
        if (rand_r(seed) % 3 == 0) {
            gs_bandwidths bw;
            gs_bandwidths_init(&bw);
            bw.nvlink_per_link = rand_r(seed) % 2 ? 20 : 0;
            bw.sys = 3.25;
            gs_topo_set_bandwidths(t, id, &bw);
        }
    }
    uint32_t ns = (uint32_t)(rand_r(seed) % 4);
    for (uint32_t s = 0; s < ns; s++) {
        char name[16];
        snprintf(name, sizeof name, "sw%u", s);
        gs_topo_add_switch(t, name, (uint64_t)(rand_r(seed) % 3) * 100, NULL);
        if (s > 0 && rand_r(seed) % 2)
            gs_topo_set_switch_parent(t, s, (uint32_t)rand_r(seed) % s);
    }
    if (ns)
        for (uint32_t n = 0; n < nn; n++)
            if (rand_r(seed) % 2)
                gs_topo_attach_node(t, n, (uint32_t)rand_r(seed) % ns);
    if (rand_r(seed) % 2) {
        uint32_t d;
        gs_topo_add_nvlink_domain(t, "dom", &d);
        for (uint32_t n = 0; n < nn; n++)
            if (rand_r(seed) % 2)
                gs_topo_set_node_domain(t, d, n);
    }
    if (rand_r(seed) % 4 == 0) {
        gs_bandwidths bw;
        gs_bandwidths_init(&bw);
        bw.pix = 15.5;
        gs_topo_set_bandwidths(t, GS_NONE, &bw);
    }
    /* features (in a random order of first appearance, some given and
     * taken away again) and weights on some nodes */
    if (rand_r(seed) % 3 == 0) {
        static const char *lists[] = {"h100", "ib,h100", "rack2,ib", "",
                                      "x.y:1,h100,z+2", "ib"};
        for (uint32_t n = 0; n < nn; n++) {
            if (rand_r(seed) % 3)
                assert_int_equal(
                    gs_topo_set_node_features(
                        t, n,
                        lists[(size_t)rand_r(seed) %
                              (sizeof lists / sizeof *lists)]),
                    GS_OK);
            if (rand_r(seed) % 3 == 0)
                assert_int_equal(
                    gs_topo_set_node_weight(t, n, (uint32_t)rand_r(seed) % 3),
                    GS_OK);
        }
    }
    gs_status st = gs_topo_freeze(t);
    if (st != GS_OK)
        fail_msg("random topology did not freeze: %s", gs_topo_errmsg(t));
    return t;
}

static void random_roundtrips(void **state)
{
    (void)state;
    unsigned seed = 2026;
    int iters = getenv("GS_TEST_UNDER_VALGRIND") ? 60 : 600;
    for (int i = 0; i < iters; i++) {
        gs_topo *t = random_topo(&seed);
        check_roundtrip(t);
        gs_topo_destroy(t);
    }
}

static void templates_roundtrip(void **state)
{
    (void)state;
    for (size_t i = 0; i < gs_template_count(); i++) {
        gs_topo *t = NULL;
        assert_int_equal(gs_topo_load(&t, gs_template_name(i), NULL), GS_OK);
        check_roundtrip(t);
        gs_topo_destroy(t);
    }
}

/* ---- allocation failures ----------------------------------------------- */

static gs_status load_fixture_op(void *ctx)
{
    return test_load_and_save(ctx, "x.json", NULL);
}

static void out_of_memory_everywhere(void **state)
{
    (void)state;
    /* The counting allocator checks for leaks after every failed run by
     * itself; under valgrind the quadratic sweep only costs time. */
    if (getenv("GS_TEST_UNDER_VALGRIND"))
        skip();
    char *text = test_read_file(test_data("cluster.json"), NULL);
    assert_non_null(text);
    long n = test_each_allocation_fails(load_fixture_op, text);
    assert_true(n > 50);
    free(text);
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_the_cluster_fixture),
        cmocka_unit_test(ten_thousand_nodes_in_a_few_lines),
        cmocka_unit_test(gb200_rack_of_racks),
        cmocka_unit_test(cluster_template_loads),
        cmocka_unit_test(errors_name_file_line_column),
        cmocka_unit_test(missing_file),
        cmocka_unit_test(limit_is_exact),
        cmocka_unit_test(out_of_range_numbers),
        cmocka_unit_test(numa_ids_in_json),
        cmocka_unit_test(deep_chains_and_many_racks),
        cmocka_unit_test(endless_inputs_stop),
        cmocka_unit_test(random_roundtrips),
        cmocka_unit_test(templates_roundtrip),
        cmocka_unit_test(out_of_memory_everywhere),
        cmocka_unit_test(wide_cells_roundtrip),
        cmocka_unit_test(names_refuse_quotes_and_backslashes),
        cmocka_unit_test(detects_formats),
        cmocka_unit_test(features_and_weights_in_json),
        cmocka_unit_test(features_and_weights_errors),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (test_alloc_stats_get().live_blocks != 0) {
        fprintf(stderr, "leaked %ld blocks\n",
                test_alloc_stats_get().live_blocks);
        return 1;
    }
    return rc;
}
