/*
 * Slurm's topology.conf and gres.conf: the fixtures in tests/data/slurm/,
 * Slurm's configuration syntax, node templates, every error with its
 * file:line:column, warnings, detection, JSON round trips, running out of
 * memory, and the command-line tool. Expected values are worked out by
 * hand from the fixture text.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include <stdlib.h>
#include <sys/wait.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- loading, with the warnings collected ------------------------------ */

#define MAX_WARNINGS 32

typedef struct warnings {
    int n;
    char msg[MAX_WARNINGS][512];
} warnings;

static void collect(void *user, const char *message)
{
    warnings *w = user;
    if (w->n < MAX_WARNINGS)
        snprintf(w->msg[w->n], sizeof w->msg[0], "%s", message);
    w->n++;
}

static gs_load_options options(gs_format fmt, const char *templates,
                               warnings *w)
{
    gs_load_options o;
    gs_load_options_init(&o);
    o.format = fmt;
    o.node_templates = templates;
    if (w) {
        memset(w, 0, sizeof *w);
        o.warn = collect;
        o.warn_user = w;
    }
    return o;
}

static gs_topo *load_text_as(const char *text, const char *name, gs_format fmt,
                             const char *templates, warnings *w)
{
    gs_load_options o = options(fmt, templates, w);
    gs_topo *t = NULL;
    gs_status st = gs_topo_load_buffer(&t, text, strlen(text), name, &o);
    if (st != GS_OK)
        fail_msg("%s: %s: %s", name, gs_status_name(st), gs_topo_errmsg(t));
    return t;
}

static gs_topo *load_topology(const char *text, const char *templates,
                              warnings *w)
{
    return load_text_as(text, "t.conf", GS_FORMAT_SLURM_TOPOLOGY, templates,
                        w);
}

static gs_topo *load_gres(const char *text, warnings *w)
{
    return load_text_as(text, "g.conf", GS_FORMAT_SLURM_GRES, NULL, w);
}

/* Load a fixture under its bare name, so that messages are predictable. */
static gs_topo *load_fixture(const char *file, const char *templates,
                             warnings *w)
{
    char rel[256];
    snprintf(rel, sizeof rel, "slurm/%s", file);
    char *text = test_read_file(test_data(rel), NULL);
    if (!text)
        fail_msg("missing fixture %s", rel);
    gs_topo *t = load_text_as(text, file, GS_FORMAT_AUTO, templates, w);
    free(text);
    return t;
}

static gs_status load_error(const char *text, const char *name, gs_format fmt,
                            const char *templates, char *msg, size_t cap)
{
    gs_load_options o = options(fmt, templates, NULL);
    gs_topo *t = NULL;
    gs_status st = gs_topo_load_buffer(&t, text, strlen(text), name, &o);
    snprintf(msg, cap, "%s", gs_topo_errmsg(t));
    gs_topo_destroy(t);
    return st;
}

static void expect_warning(const warnings *w, int i, const char *want)
{
    if (i >= w->n)
        fail_msg("expected warning %d \"%s\", got %d warnings", i, want,
                 w->n);
    if (strcmp(w->msg[i], want) != 0)
        fail_msg("warning %d:\n  got  \"%s\"\n  want \"%s\"", i, w->msg[i],
                 want);
}

static uint32_t node_of(const gs_topo *t, const char *name)
{
    uint32_t n = gs_topo_find_node(t, name);
    if (n == GS_NONE)
        fail_msg("no node \"%s\"", name);
    return n;
}

static uint32_t switch_of(const gs_topo *t, const char *name)
{
    uint32_t s = gs_topo_find_switch(t, name);
    if (s == GS_NONE)
        fail_msg("no switch \"%s\"", name);
    return s;
}

/* Bandwidth between GPU a of node na and GPU b of node nb. */
static double bw(const gs_topo *t, const char *na, uint32_t a, const char *nb,
                 uint32_t b)
{
    return gs_topo_bandwidth(t, gs_topo_node_first_gpu(t, node_of(t, na)) + a,
                             gs_topo_node_first_gpu(t, node_of(t, nb)) + b);
}

static gs_gpu_info gpu_info(const gs_topo *t, const char *node, uint32_t i)
{
    gs_gpu_info g;
    gs_gpu_info_init(&g);
    assert_int_equal(
        gs_topo_gpu_info(t, gs_topo_node_first_gpu(t, node_of(t, node)) + i,
                         &g),
        GS_OK);
    return g;
}

static void expect_numa_cpus(const gs_topo *t, const char *node, uint32_t d,
                             const char *want)
{
    char buf[256];
    assert_int_equal(gs_topo_numa_cpus(t, node_of(t, node), d, buf,
                                       sizeof buf, NULL),
                     GS_OK);
    assert_string_equal(buf, want);
}

/* to_json -> load -> to_json gives the same text */
static void check_roundtrip(const gs_topo *t)
{
    char *j1, *j2;
    size_t n1;
    assert_int_equal(gs_topo_to_json(t, &j1, &n1), GS_OK);
    gs_topo *u = NULL;
    if (gs_topo_load_buffer(&u, j1, n1, "saved.json", NULL) != GS_OK)
        fail_msg("saved JSON does not load: %s\n%s", gs_topo_errmsg(u), j1);
    assert_int_equal(gs_topo_node_count(u), gs_topo_node_count(t));
    assert_int_equal(gs_topo_gpu_count(u), gs_topo_gpu_count(t));
    assert_int_equal(gs_topo_switch_count(u), gs_topo_switch_count(t));
    assert_int_equal(gs_topo_nvlink_domain_count(u),
                     gs_topo_nvlink_domain_count(t));
    assert_int_equal(gs_topo_to_json(u, &j2, NULL), GS_OK);
    assert_string_equal(j1, j2);
    gs_free(j1);
    gs_free(j2);
    gs_topo_destroy(u);
}

/* ---- topology.conf: the tree form -------------------------------------- */

static void tree_from_the_manual(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture("topology-tree.conf", "dgx-h100", &w);
    assert_int_equal(w.n, 0);
    assert_int_equal(gs_topo_node_count(t), 18);
    assert_int_equal(gs_topo_gpu_count(t), 18 * 8);
    for (uint32_t i = 0; i < 18; i++) {
        char name[16];
        snprintf(name, sizeof name, "dev%u", i);
        assert_string_equal(gs_topo_node_name(t, i), name);
    }
    assert_int_equal(gs_topo_switch_count(t), 4);
    uint32_t s0 = switch_of(t, "s0"), s1 = switch_of(t, "s1"),
             s2 = switch_of(t, "s2"), s3 = switch_of(t, "s3");
    /* switches are numbered in order of definition */
    assert_int_equal(s0, 0);
    assert_int_equal(s3, 3);
    assert_int_equal(gs_topo_switch_parent(t, s0), s3);
    assert_int_equal(gs_topo_switch_parent(t, s1), s3);
    assert_int_equal(gs_topo_switch_parent(t, s2), s3);
    assert_int_equal(gs_topo_switch_parent(t, s3), GS_NONE);
    assert_int_equal(gs_topo_switch_depth(t, s3), 0);
    assert_int_equal(gs_topo_switch_depth(t, s1), 1);
    assert_int_equal(gs_topo_switch_link_speed(t, s0), 100);
    assert_int_equal(gs_topo_switch_link_speed(t, s3), 400);
    assert_int_equal(gs_topo_node_switch(t, node_of(t, "dev5")), s0);
    assert_int_equal(gs_topo_node_switch(t, node_of(t, "dev6")), s1);
    assert_int_equal(gs_topo_node_switch(t, node_of(t, "dev17")), s2);
    assert_int_equal(gs_topo_common_switch(t, node_of(t, "dev0"),
                                           node_of(t, "dev5")),
                     s0);
    assert_int_equal(gs_topo_common_switch(t, node_of(t, "dev12"),
                                           node_of(t, "dev17")),
                     s2);
    assert_int_equal(gs_topo_common_switch(t, node_of(t, "dev0"),
                                           node_of(t, "dev6")),
                     s3);
    /* the template's hardware on every node */
    assert_true(bw(t, "dev3", 0, "dev3", 7) == 450.0);
    assert_true(bw(t, "dev3", 0, "dev4", 0) == 0.0);
    gs_gpu_info g = gpu_info(t, "dev17", 7);
    assert_string_equal(g.model, "NVIDIA H100 80GB HBM3");
    assert_int_equal(gs_topo_nvlink_domain_count(t), 0);
    check_roundtrip(t);
    gs_topo_destroy(t);
}

static void children_defined_after_their_parent(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture("topology-forward.conf", NULL, &w);
    assert_int_equal(w.n, 0);
    /* nodes in order of first appearance; no template: no GPUs */
    static const char *const names[] = {"gpu001", "gpu002", "gpu003",
                                        "gpu004", "gpu010", "r1-n01",
                                        "r1-n02", "r2-n01", "r2-n02"};
    assert_int_equal(gs_topo_node_count(t), 9);
    for (uint32_t i = 0; i < 9; i++)
        assert_string_equal(gs_topo_node_name(t, i), names[i]);
    assert_int_equal(gs_topo_gpu_count(t), 0);
    static const char *const sw[] = {"spine", "leaf01", "leaf02", "edge"};
    for (uint32_t i = 0; i < 4; i++)
        assert_string_equal(gs_topo_switch_name(t, i), sw[i]);
    for (uint32_t i = 1; i < 4; i++)
        assert_int_equal(gs_topo_switch_parent(t, i), 0);
    assert_int_equal(gs_topo_switch_link_speed(t, 0), 800);
    assert_int_equal(gs_topo_switch_link_speed(t, 1), 0);
    assert_int_equal(gs_topo_node_switch(t, node_of(t, "gpu010")), 1);
    assert_int_equal(gs_topo_node_switch(t, node_of(t, "r2-n01")), 2);
    assert_int_equal(gs_topo_common_switch(t, node_of(t, "gpu001"),
                                           node_of(t, "r2-n02")),
                     0);
    assert_int_equal(gs_topo_common_switch(t, node_of(t, "r1-n01"),
                                           node_of(t, "r2-n02")),
                     2);
    check_roundtrip(t);
    gs_topo_destroy(t);
}

static void comments_crlf_case_and_continuations(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture("topology-messy.conf", "pcie-8gpu", &w);
    assert_int_equal(w.n, 1);
    expect_warning(&w, 0,
                   "topology-messy.conf:3:44: unknown key 'FabricID' "
                   "(ignored)");
    assert_int_equal(gs_topo_node_count(t), 8);
    assert_string_equal(gs_topo_node_name(t, 7), "node8");
    uint32_t spine = switch_of(t, "ib-spine");
    assert_int_equal(gs_topo_switch_link_speed(t, spine), 200);
    assert_int_equal(gs_topo_switch_parent(t, switch_of(t, "ib-leaf1")),
                     spine);
    assert_int_equal(gs_topo_switch_parent(t, switch_of(t, "ib-leaf2")),
                     spine);
    assert_int_equal(gs_topo_node_switch(t, node_of(t, "node5")),
                     switch_of(t, "ib-leaf2"));
    assert_int_equal(gs_topo_common_switch(t, node_of(t, "node1"),
                                           node_of(t, "node8")),
                     spine);
    /* pcie-8gpu: a PIX pair, a SYS pair */
    assert_true(bw(t, "node2", 0, "node2", 1) == 16.0);
    assert_true(bw(t, "node2", 0, "node2", 4) == 6.0);
    check_roundtrip(t);
    gs_topo_destroy(t);
}

static void slurm_syntax(void **state)
{
    (void)state;
    warnings w;
    /* a UTF-8 byte order mark, an escaped '#', a quoted value, spaces
     * around '=', a continuation that joins in the middle of a value, and
     * a comment ending in a backslash (not a continuation) */
    gs_topo *t = load_topology("\xEF\xBB\xBF"
                               "SwitchName=top\\#1 Switches=\"leaf\" "
                               "LINKSPEED = 7\n"
                               "switchname=leaf nodes=a[1-2],\\\n"
                               "b[3-4]   # done \\\n"
                               "SwitchName=other\n",
                               NULL, &w);
    assert_int_equal(w.n, 0);
    assert_int_equal(gs_topo_switch_count(t), 3);
    assert_string_equal(gs_topo_switch_name(t, 0), "top#1");
    assert_int_equal(gs_topo_switch_link_speed(t, 0), 7);
    assert_int_equal(gs_topo_switch_parent(t, 1), 0);
    assert_int_equal(gs_topo_node_count(t), 4);
    assert_string_equal(gs_topo_node_name(t, 3), "b4");
    assert_string_equal(gs_topo_switch_name(t, 2), "other");
    check_roundtrip(t);
    gs_topo_destroy(t);
    /* an empty file, and one of comments only, describe nothing */
    t = load_topology("", NULL, &w);
    assert_int_equal(gs_topo_node_count(t), 0);
    gs_topo_destroy(t);
    t = load_topology("# nothing\n\n   \t\n", NULL, &w);
    assert_int_equal(gs_topo_node_count(t), 0);
    gs_topo_destroy(t);
}

/* ---- topology.conf: the block form ------------------------------------- */

static void blocks_are_nvlink_domains(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture("topology-block.conf", "gb200-tray", &w);
    assert_int_equal(w.n, 0);
    assert_int_equal(gs_topo_node_count(t), 36);
    assert_int_equal(gs_topo_gpu_count(t), 36 * 4);
    assert_int_equal(gs_topo_switch_count(t), 0);
    assert_int_equal(gs_topo_nvlink_domain_count(t), 2);
    uint32_t d1 = gs_topo_find_nvlink_domain(t, "nvl1");
    uint32_t d2 = gs_topo_find_nvlink_domain(t, "nvl2");
    assert_int_equal(d1, 0);
    assert_int_equal(d2, 1);
    assert_int_equal(gs_topo_nvlink_domain_size(t, d1), 18);
    assert_int_equal(gs_topo_nvlink_domain_size(t, d2), 18);
    assert_int_equal(gs_topo_node_domain(t, node_of(t, "gb18")), d1);
    assert_int_equal(gs_topo_node_domain(t, node_of(t, "gb19")), d2);
    /* 18 links x 50 GB/s inside a tray and across trays of one rack */
    assert_true(bw(t, "gb01", 0, "gb01", 3) == 900.0);
    assert_true(bw(t, "gb01", 0, "gb18", 3) == 900.0);
    assert_true(bw(t, "gb19", 2, "gb36", 1) == 900.0);
    /* nothing across racks */
    assert_true(bw(t, "gb18", 0, "gb19", 0) == 0.0);
    gs_link_info li;
    gs_link_info_init(&li);
    assert_int_equal(gs_topo_link(t, 0, 4 * 17, &li), GS_OK);
    assert_int_equal(li.kind, GS_LINK_NVL_DOMAIN);
    check_roundtrip(t);
    gs_topo_destroy(t);
}

static void both_forms_in_one_file(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture("topology-mixed.conf", "gb200-tray", &w);
    assert_int_equal(w.n, 1);
    expect_warning(&w, 0,
                   "topology-mixed.conf:6:1: this file has both SwitchName= "
                   "lines (from line 3) and BlockName= lines: Slurm uses one "
                   "form, the one of its TopologyPlugin; gpusched keeps both "
                   "(switches, and blocks as NVLink domains)");
    assert_int_equal(gs_topo_node_count(t), 8);
    assert_int_equal(gs_topo_switch_count(t), 3);
    assert_int_equal(gs_topo_nvlink_domain_count(t), 2);
    assert_int_equal(gs_topo_common_switch(t, node_of(t, "gb04"),
                                           node_of(t, "gb05")),
                     switch_of(t, "spine"));
    assert_true(bw(t, "gb01", 0, "gb04", 0) == 900.0);
    assert_true(bw(t, "gb04", 0, "gb05", 0) == 0.0);
    check_roundtrip(t);
    gs_topo_destroy(t);
}

static void block_sizes(void **state)
{
    (void)state;
    warnings w;
    /* sizes that are the base times powers of two are accepted silently */
    gs_topo *t = load_topology("BlockName=b1 Nodes=n[1-4]\n"
                               "BlockName=b2 Nodes=n[5-8]\n"
                               "BlockSizes=4,8,32\n",
                               NULL, &w);
    assert_int_equal(w.n, 0);
    assert_int_equal(gs_topo_nvlink_domain_size(t, 1), 4);
    gs_topo_destroy(t);
    /* what Slurm would refuse is said, and read anyway */
    t = load_topology("BlockSizes=4,12\n"
                      "BlockName=b1 Nodes=n[1-4]\n"
                      "BlockName=b2 Nodes=n[5-7]\n"
                      "BlockSizes=4\n",
                      NULL, &w);
    assert_int_equal(w.n, 3);
    expect_warning(&w, 0,
                   "t.conf:1:12: BlockSizes=4,12: each size after the first "
                   "should be the first times a power of two (Slurm refuses "
                   "other sizes)");
    expect_warning(&w, 1,
                   "t.conf:4:1: BlockSizes is given twice (first at line 1); "
                   "the last value is used, as Slurm does");
    expect_warning(&w, 2,
                   "t.conf:3:11: block \"b2\" has 3 nodes, fewer than the base "
                   "block size 4 (Slurm refuses such a block)");
    assert_int_equal(gs_topo_nvlink_domain_size(t, 1), 3);
    gs_topo_destroy(t);
    /* without BlockSizes the first block's size is the base */
    t = load_topology("BlockName=big Nodes=n[1-4]\n"
                      "BlockName=small Nodes=m1\n",
                      NULL, &w);
    assert_int_equal(w.n, 1);
    expect_warning(&w, 0,
                   "t.conf:2:11: block \"small\" has 1 node, fewer than the "
                   "base block size 4 (Slurm refuses such a block)");
    gs_topo_destroy(t);
}

/* ---- node templates ---------------------------------------------------- */

static void node_template_maps(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture("topology-tree.conf",
                              "dev[0-5]=dgx-h100; dev[6-11]=pcie-8gpu", &w);
    assert_int_equal(gs_topo_node_gpu_count(t, node_of(t, "dev5")), 8);
    assert_int_equal(gs_topo_node_gpu_count(t, node_of(t, "dev6")), 8);
    assert_int_equal(gs_topo_node_gpu_count(t, node_of(t, "dev12")), 0);
    assert_int_equal(gs_topo_gpu_count(t), 12 * 8);
    assert_true(bw(t, "dev5", 0, "dev5", 1) == 450.0);
    assert_true(bw(t, "dev6", 0, "dev6", 1) == 16.0);
    assert_string_equal(gpu_info(t, "dev11", 0).model, "NVIDIA L40S");
    assert_int_equal(w.n, 1);
    expect_warning(&w, 0,
                   "topology-tree.conf: node templates: 6 nodes (the first is "
                   "\"dev12\") match no entry and have no GPUs");
    check_roundtrip(t);
    gs_topo_destroy(t);

    /* an entry without a hostlist covers the rest; the first entry naming
     * a node wins; an entry that names no node is said */
    t = load_fixture("topology-tree.conf",
                     "dev[0-3]=pcie-8gpu;pcie-8gpu;dev[0-5]=dgx-h100;"
                     "cpu[1-8]=dgx-a100;",
                     &w);
    assert_string_equal(gpu_info(t, "dev3", 0).model, "NVIDIA L40S");
    assert_string_equal(gpu_info(t, "dev4", 0).model,
                        "NVIDIA H100 80GB HBM3");
    assert_string_equal(gpu_info(t, "dev17", 0).model, "NVIDIA L40S");
    assert_int_equal(gs_topo_gpu_count(t), 18 * 8);
    assert_int_equal(w.n, 1);
    expect_warning(&w, 0,
                   "topology-tree.conf: node templates: entry "
                   "\"cpu[1-8]=dgx-a100\" names no node of the file");
    gs_topo_destroy(t);
}

static void node_template_errors(void **state)
{
    (void)state;
    static const struct {
        const char *templates, *msg;
    } cases[] = {
        {"dgx-h200",
         "node templates: entry 1: no built-in node template named "
         "\"dgx-h200\" (gpusched topo templates lists them)"},
        {"dev[0-5]=dgx-h100;dev[6-11]=nope",
         "node templates: entry 2: no built-in node template named \"nope\" "
         "(gpusched topo templates lists them)"},
        {"gb200-nvl72",
         "node templates: entry 1: \"gb200-nvl72\" describes a whole "
         "cluster, not a node"},
        {"dev[0-5=dgx-h100",
         "node templates: entry 1 (\"dev[0-5\"): '[' without ']' at offset "
         "3"},
        {"dgx-h100;pcie-8gpu",
         "node templates: entries \"dgx-h100\" and \"pcie-8gpu\" both name "
         "no hosts (give the others as HOSTLIST=TEMPLATE)"},
        {"a=dgx-h100; =pcie-8gpu",
         "node templates: entry 2 (\"=pcie-8gpu\") has no hostlist before "
         "'='"},
        {"a=", "node templates: entry 1 has no template name after '='"},
        {"n[1-2000000]=dgx-h100",
         "node templates: entry 1 (\"n[1-2000000]\") names more than 1048576 "
         "hosts in all"},
    };
    char msg[600];
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        gs_status st = load_error("SwitchName=s0 Nodes=dev[0-17]\n", "t.conf",
                                  GS_FORMAT_SLURM_TOPOLOGY,
                                  cases[i].templates, msg, sizeof msg);
        if (st != GS_EINVAL || strcmp(msg, cases[i].msg) != 0)
            fail_msg("case %zu: %s \"%s\"\n  want \"%s\"", i,
                     gs_status_name(st), msg, cases[i].msg);
    }
}

/* ---- topology.conf: errors and warnings -------------------------------- */

typedef struct error_case {
    const char *text, *msg;
} error_case;

/* A text with a NUL byte at offset len - 1 (strlen cannot size it). */
static void check_nul(const char *text, size_t len, gs_format fmt,
                      const char *want)
{
    gs_load_options o = options(fmt, NULL, NULL);
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_load_buffer(&t, text, len, "n.conf", &o),
                     GS_EPARSE);
    assert_string_equal(gs_topo_errmsg(t), want);
    gs_topo_destroy(t);
}

static void check_errors(const error_case *cases, size_t n, gs_format fmt,
                         const char *name)
{
    char msg[600];
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(cases[i].text);
        gs_load_options o = options(fmt, NULL, NULL);
        gs_topo *t = NULL;
        gs_status st = gs_topo_load_buffer(&t, cases[i].text, len, name, &o);
        snprintf(msg, sizeof msg, "%s", gs_topo_errmsg(t));
        gs_topo_destroy(t);
        if (st != GS_EPARSE || strcmp(msg, cases[i].msg) != 0)
            fail_msg("case %zu (%s): %s\n  got  \"%s\"\n  want \"%s\"", i,
                     cases[i].text, gs_status_name(st), msg, cases[i].msg);
    }
}

static void topology_errors(void **state)
{
    (void)state;
    static const error_case cases[] = {
        {"SwitchName=s0 Nodes\n",
         "t.conf:1:15: \"Nodes\" is not a Key=Value pair (no '=')"},
        {"SwitchName=s0 Nodes=\n", "t.conf:1:21: empty value for Nodes="},
        {"SwitchName=s0 Nodes= LinkSpeed=1\n",
         "t.conf:1:21: empty value for Nodes="},
        {"SwitchName=s0 Nodes=\"\"\n", "t.conf:1:21: empty value for Nodes="},
        {"=s0\n", "t.conf:1:1: '=' without a key before it"},
        {"SwitchName=s0 No-des=n1\n",
         "t.conf:1:17: \"No-des\" is not a key (keys are letters, digits, '_' "
         "and '.')"},
        {"SwitchName=s0 Nodes=\"n1\n",
         "t.conf:1:21: quote without a closing quote"},
        {"SwitchName=s0 Nodes=\"n1\"x\n",
         "t.conf:1:25: a space must follow the closing quote"},
        {"SwitchName=s0 Nodes=n[1-\n",
         "t.conf:1:22: bad hostlist expression in Nodes=: '[' without ']'"},
        {"SwitchName=s0 Nodes=n[1-x]\n",
         "t.conf:1:25: bad hostlist expression in Nodes=: number expected "
         "after '-'"},
        {"SwitchName=s0 \\\n  Nodes=n[1-\n",
         "t.conf:2:10: bad hostlist expression in Nodes=: '[' without ']'"},
        {"SwitchName=s0 Nodes=n[1-300000]\n",
         "t.conf:1:21: Nodes= names more than 262144 nodes"},
        {"Nodes=n[1-4]\n",
         "t.conf:1:1: a topology.conf line starts with SwitchName=, "
         "BlockName= or BlockSizes=, not Nodes="},
        {"# racks\n  RingName=ring0 Nodes=node[01-08]\n",
         "t.conf:2:3: RingName= lines (topology/ring) are not supported: "
         "gpusched reads the tree (SwitchName=) and block (BlockName=) "
         "forms"},
        {"SwitchName=s0 Nodes=n1\nSwitchName=s0\n",
         "t.conf:2:12: switch \"s0\" is defined twice (first at line 1)"},
        {"SwitchName=s0 LinkSpeed=fast\n",
         "t.conf:1:25: LinkSpeed must be a whole number from 0 to "
         "4294967295, not \"fast\""},
        {"SwitchName=s0 LinkSpeed=4294967296\n",
         "t.conf:1:25: LinkSpeed must be a whole number from 0 to "
         "4294967295, not \"4294967296\""},
        {"BlockName=b Nodes=n1\nBlockSizes=262145\n",
         "t.conf:2:12: block size \"262145\" is not a node count from 1 to "
         "262144"},
        {"SwitchName=top Switches=s[0-1]\nSwitchName=s0\n",
         "t.conf:1:25: switch \"s1\" is not defined (each switch in "
         "Switches= needs its own SwitchName= line, as Slurm requires)"},
        {"SwitchName=s0 Switches=s0\n",
         "t.conf:1:24: switch \"s0\" lists itself in Switches="},
        {"SwitchName=a Switches=b\nSwitchName=b Switches=a\n",
         "t.conf:2:23: the switches form a cycle (a -> b -> a), not a tree"},
        /* a cycle through a second parent, which gpusched does not keep:
         * Slurm refuses every cycle of Switches= */
        {"SwitchName=top Switches=a\nSwitchName=a Switches=b\n"
         "SwitchName=b Switches=a\n",
         "t.conf:3:23: the switches form a cycle (a -> b -> a), not a tree"},
        {"SwitchName=x Switches=a\nSwitchName=a Switches=c\n"
         "SwitchName=c Switches=d\nSwitchName=d Switches=b\n"
         "SwitchName=b Switches=c\n",
         "t.conf:5:23: the switches form a cycle (c -> b -> d -> c), not a "
         "tree"},
        {"BlockName=b1 Nodes=n[1-2]\nBlockName=b1 Nodes=n3\n",
         "t.conf:2:11: block \"b1\" is defined twice (first at line 1)"},
        {"BlockName=b1 Nodes=n[1-2]\nBlockName=b2 Nodes=n[2-3]\n",
         "t.conf:2:20: node \"n2\" is in block \"b1\" (line 1) and in block "
         "\"b2\": a node belongs to one block"},
        {"BlockName=b1\n",
         "t.conf:1:1: block \"b1\" has no Nodes= (Slurm requires them)"},
        {"SwitchName=s0 Nodes=a\"b[1-2]\n",
         "t.conf:1:21: node name \"a\"b1\" has a '\"' (hostnames have no "
         "quotes or backslashes)"},
        {"SwitchName=s\\\\0\n",
         "t.conf:1:12: switch name \"s\\0\" has a '\\' (hostnames have no "
         "quotes or backslashes)"},
        {"BlockName=b\"1 Nodes=n1\n",
         "t.conf:1:11: block name \"b\"1\" has a '\"' (hostnames have no "
         "quotes or backslashes)"},
        {"BlockSizes=4,x\n",
         "t.conf:1:14: block size \"x\" is not a node count from 1 to 262144"},
        {"BlockSizes=4,0\n",
         "t.conf:1:14: block size \"0\" is not a node count from 1 to 262144"},
        {"BlockSizes=4,,8\n",
         "t.conf:1:14: BlockSizes is a comma-separated list of node counts"},
    };
    check_errors(cases, ARRAY_LEN(cases), GS_FORMAT_SLURM_TOPOLOGY,
                 "t.conf");
    check_nul("SwitchName=s0\n\0", 15, GS_FORMAT_SLURM_TOPOLOGY,
              "n.conf:2:1: NUL byte in the text");
    check_nul("SwitchName=s0 Nodes=n1 # \0", 26, GS_FORMAT_SLURM_TOPOLOGY,
              "n.conf:1:26: NUL byte in the text");
    /* what the builder refuses comes back with the file position */
    char msg[600];
    assert_int_equal(load_error("SwitchName=s,0\n", "t.conf",
                                GS_FORMAT_SLURM_TOPOLOGY, NULL, msg,
                                sizeof msg),
                     GS_EPARSE);
    assert_non_null(strstr(msg, "t.conf:1:12: switch name \"s,0\" has a "
                                "character that is not allowed"));
    assert_int_equal(load_error("SwitchName=s0 Nodes=\"a b\"\n", "t.conf",
                                GS_FORMAT_SLURM_TOPOLOGY, NULL, msg,
                                sizeof msg),
                     GS_EPARSE);
    assert_string_equal(msg, "t.conf:1:23: bad hostlist expression in "
                             "Nodes=: space or control character in a name");
    assert_int_equal(load_error("SwitchName=s0 Nodes=a\xff\n", "t.conf",
                                GS_FORMAT_SLURM_TOPOLOGY, "dgx-h100", msg,
                                sizeof msg),
                     GS_EPARSE);
    assert_non_null(strstr(msg, "t.conf:1:21: node name"));
    /* leading zeros wider than a name (a fuzzer found 108 of them read past
     * a 32-byte buffer): refused at the number, wide ones that fit taken */
    char line[400];
    snprintf(line, sizeof line, "SwitchName=s0 Nodes=gb[%0260d-8]\n", 5);
    assert_int_equal(load_error(line, "t.conf", GS_FORMAT_SLURM_TOPOLOGY,
                                NULL, msg, sizeof msg),
                     GS_EPARSE);
    assert_string_equal(msg, "t.conf:1:24: bad hostlist expression in "
                             "Nodes=: name longer than 256 characters");
    snprintf(line, sizeof line, "SwitchName=s0 Nodes=gb[%0254d-6]\n", 5);
    gs_load_options o = options(GS_FORMAT_SLURM_TOPOLOGY, NULL, NULL);
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_load_buffer(&t, line, strlen(line), "t.conf",
                                         &o),
                     GS_OK);
    assert_int_equal(gs_topo_node_count(t), 2);
    char want[300];
    snprintf(want, sizeof want, "gb%0254d", 6);
    assert_string_equal(gs_topo_node_name(t, 1), want);
    gs_topo_destroy(t);
}

static void topology_error_fixtures(void **state)
{
    (void)state;
    static const struct {
        const char *file, *msg;
    } cases[] = {
        {"bad-topology-cycle.conf",
         "bad-topology-cycle.conf:4:23: the switches form a cycle (a -> c -> "
         "b -> a), not a tree"},
        {"bad-topology-undefined.conf",
         "bad-topology-undefined.conf:4:25: switch \"s2\" is not defined "
         "(each switch in Switches= needs its own SwitchName= line, as Slurm "
         "requires)"},
        {"bad-gres-links.conf",
         "bad-gres-links.conf:3:34: node \"localhost\": GPU 1 has 2 NVLinks "
         "to GPU 0, but line 2 says 4 the other way"},
        {"bad-gres-cores.conf",
         "bad-gres-cores.conf:3:50: node \"n1\": Cores=8-23 overlaps "
         "Cores=0-15 (line 2): each distinct Cores= set becomes a NUMA "
         "domain, and a CPU is in one domain only"},
    };
    char msg[600];
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "slurm/%s", cases[i].file);
        char *text = test_read_file(test_data(rel), NULL);
        assert_non_null(text);
        gs_status st = load_error(text, cases[i].file, GS_FORMAT_AUTO, NULL,
                                  msg, sizeof msg);
        free(text);
        if (st != GS_EPARSE || strcmp(msg, cases[i].msg) != 0)
            fail_msg("%s: %s\n  got  \"%s\"\n  want \"%s\"", cases[i].file,
                     gs_status_name(st), msg, cases[i].msg);
    }
}

static void topology_warnings(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_topology("SwitchName=s0 Nodes=n1 Speed=5 nodes=n2\n"
                               "include /etc/slurm/more-topology.conf\n"
                               "SwitchName=s1 Nodes=n3 Switches=s0\n",
                               NULL, &w);
    assert_int_equal(w.n, 4);
    expect_warning(&w, 0, "t.conf:1:24: unknown key 'Speed' (ignored)");
    expect_warning(&w, 1,
                   "t.conf:1:32: Nodes= is given twice on this line; the "
                   "last value is used, as Slurm does");
    expect_warning(&w, 2,
                   "t.conf:2:1: include directive not followed (the included "
                   "file is not read)");
    expect_warning(&w, 3,
                   "t.conf:3:24: switch \"s1\" has both Nodes= and Switches=: "
                   "Slurm refuses this; gpusched keeps both");
    /* the last Nodes= counts, as in Slurm */
    assert_int_equal(gs_topo_node_count(t), 2);
    assert_string_equal(gs_topo_node_name(t, 0), "n2");
    assert_int_equal(gs_topo_switch_parent(t, 0), 1);
    gs_topo_destroy(t);
    /* without a callback, warnings are dropped quietly */
    gs_topo *u = load_topology("SwitchName=s0 Speed=5\n", NULL, NULL);
    gs_topo_destroy(u);
}

/* Slurm takes a switch with several parents (its topology guide lists each
 * leaf under every spine) and nodes on several leaf switches (dual rails),
 * with a warning for the nodes: gpusched keeps the first of each. */
static void fat_trees_and_dual_rails(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture("topology-fat-tree.conf", NULL, &w);
    assert_int_equal(w.n, 2);
    expect_warning(&w, 0,
                   "topology-fat-tree.conf:6:24: 1 node of switch \"leaf2\" is "
                   "already on another leaf switch (the first is \"gpu04\", on "
                   "switch \"leaf1\" at line 5): Slurm accepts nodes on "
                   "several leaf switches; gpusched keeps each on its first");
    expect_warning(&w, 1,
                   "topology-fat-tree.conf:9:28: 3 switches listed by "
                   "\"spine2\" already have a parent (the first is \"leaf1\", "
                   "below \"spine1\" at line 8): Slurm accepts switches with "
                   "several parents; gpusched keeps each switch's first");
    /* gpu01-04 from leaf1, then gpu05-06 (gpu04 is not new), gpu07-08 */
    assert_int_equal(gs_topo_node_count(t), 8);
    static const char *const names[] = {"gpu01", "gpu02", "gpu03", "gpu04",
                                        "gpu05", "gpu06", "gpu07", "gpu08"};
    for (uint32_t i = 0; i < 8; i++)
        assert_string_equal(gs_topo_node_name(t, i), names[i]);
    assert_int_equal(gs_topo_switch_count(t), 5);
    uint32_t leaf1 = switch_of(t, "leaf1"), leaf2 = switch_of(t, "leaf2"),
             leaf3 = switch_of(t, "leaf3"), spine1 = switch_of(t, "spine1"),
             spine2 = switch_of(t, "spine2");
    assert_int_equal(gs_topo_switch_parent(t, leaf1), spine1);
    assert_int_equal(gs_topo_switch_parent(t, leaf2), spine1);
    assert_int_equal(gs_topo_switch_parent(t, leaf3), spine1);
    assert_int_equal(gs_topo_switch_parent(t, spine1), GS_NONE);
    assert_int_equal(gs_topo_switch_parent(t, spine2), GS_NONE);
    assert_int_equal(gs_topo_switch_depth(t, leaf2), 1);
    assert_int_equal(gs_topo_switch_link_speed(t, leaf1), 900);
    assert_int_equal(gs_topo_switch_link_speed(t, leaf3), 1800);
    /* gpu04 stays on its first leaf */
    assert_int_equal(gs_topo_node_switch(t, node_of(t, "gpu04")), leaf1);
    assert_int_equal(gs_topo_node_switch(t, node_of(t, "gpu05")), leaf2);
    assert_int_equal(gs_topo_common_switch(t, node_of(t, "gpu04"),
                                           node_of(t, "gpu05")),
                     spine1);
    check_roundtrip(t);
    gs_topo_destroy(t);
    /* the old error fixture: dev5 on two leaves now loads */
    t = load_fixture("bad-topology-node-twice.conf", NULL, &w);
    assert_int_equal(w.n, 1);
    expect_warning(&w, 0,
                   "bad-topology-node-twice.conf:3:21: 1 node of switch "
                   "\"s1\" is already on another leaf switch (the first is "
                   "\"dev5\", on switch \"s0\" at line 2): Slurm accepts "
                   "nodes on several leaf switches; gpusched keeps each on "
                   "its first");
    assert_int_equal(gs_topo_node_count(t), 12);
    assert_int_equal(gs_topo_node_switch(t, node_of(t, "dev5")), 0);
    assert_int_equal(gs_topo_node_switch(t, node_of(t, "dev6")), 1);
    gs_topo_destroy(t);
    /* one warning per Switches= value, naming the first such switch */
    t = load_topology("SwitchName=a Switches=c\nSwitchName=b Switches=c\n"
                      "SwitchName=c\n",
                      NULL, &w);
    assert_int_equal(w.n, 1);
    expect_warning(&w, 0,
                   "t.conf:2:23: 1 switch listed by \"b\" already has a parent "
                   "(the first is \"c\", below \"a\" at line 1): Slurm accepts "
                   "switches with several parents; gpusched keeps each "
                   "switch's first");
    assert_int_equal(gs_topo_switch_parent(t, 2), 0);
    gs_topo_destroy(t);
    /* a node listed twice by one switch is no second switch */
    t = load_topology("SwitchName=s0 Nodes=n[1-2],n2\n", NULL, &w);
    assert_int_equal(w.n, 0);
    assert_int_equal(gs_topo_node_count(t), 2);
    gs_topo_destroy(t);
}

/* ---- gres.conf --------------------------------------------------------- */

static void gres_links_and_cores(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture("gres-links.conf", NULL, &w);
    assert_int_equal(w.n, 1);
    expect_warning(&w, 0,
                   "gres-links.conf:3:1: AutoDetect=nvml noted: gpusched does "
                   "not detect GPUs, it reads the GPUs this file lists");
    assert_int_equal(gs_topo_node_count(t), 1);
    assert_string_equal(gs_topo_node_name(t, 0), "localhost");
    assert_int_equal(gs_topo_gpu_count(t), 4);
    assert_int_equal(gs_topo_node_numa_count(t, 0), 2);
    expect_numa_cpus(t, "localhost", 0, "0-15");
    expect_numa_cpus(t, "localhost", 1, "16-31");
    for (uint32_t i = 0; i < 4; i++) {
        gs_gpu_info g = gpu_info(t, "localhost", i);
        assert_string_equal(g.model, "a100");
        assert_int_equal(g.numa, i / 2);
    }
    /* N links x 25 GB/s; pairs without NVLink get their PCIe level,
     * inferred from the NUMA domains (SYS across them) */
    assert_true(bw(t, "localhost", 0, "localhost", 1) == 100.0);
    assert_true(bw(t, "localhost", 0, "localhost", 2) == 50.0);
    assert_true(bw(t, "localhost", 0, "localhost", 3) == 6.0);
    assert_true(bw(t, "localhost", 1, "localhost", 2) == 6.0);
    assert_true(bw(t, "localhost", 1, "localhost", 3) == 50.0);
    assert_true(bw(t, "localhost", 2, "localhost", 3) == 100.0);
    gs_link_info li;
    gs_link_info_init(&li);
    assert_int_equal(gs_topo_link(t, 2, 3, &li), GS_OK);
    assert_int_equal(li.kind, GS_LINK_NVLINK);
    assert_int_equal(li.nvlinks, 4);
    char cpus[64];
    assert_int_equal(gs_topo_gpu_local_cpus(t, 3, cpus, sizeof cpus, NULL),
                     GS_OK);
    assert_string_equal(cpus, "16-31");
    check_roundtrip(t);
    gs_topo_destroy(t);
    /* the hostname option names the node */
    gs_load_options o = options(GS_FORMAT_AUTO, NULL, NULL);
    o.hostname = "dgx01";
    char *text = test_read_file(test_data("slurm/gres-links.conf"), NULL);
    assert_non_null(text);
    assert_int_equal(gs_topo_load_buffer(&t, text, strlen(text), "g", &o),
                     GS_OK);
    assert_string_equal(gs_topo_node_name(t, 0), "dgx01");
    free(text);
    gs_topo_destroy(t);
}

static void gres_node_scopes(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture("gres-cluster.conf", NULL, &w);
    assert_int_equal(w.n, 1);
    expect_warning(&w, 0,
                   "gres-cluster.conf:5:26: Name=mps is not a GPU (line "
                   "skipped)");
    assert_int_equal(gs_topo_node_count(t), 18);
    for (uint32_t i = 0; i < 18; i++) {
        char name[16];
        snprintf(name, sizeof name, "tux%u", i);
        assert_string_equal(gs_topo_node_name(t, i), name);
    }
    assert_int_equal(gs_topo_gpu_count(t), 16 * 8 + 2 * 2);
    /* tux0-15: File=/dev/nvidia[0-3] then [4-7], one NUMA domain per
     * Cores= set */
    assert_int_equal(gs_topo_node_gpu_count(t, node_of(t, "tux15")), 8);
    assert_int_equal(gs_topo_node_numa_count(t, node_of(t, "tux15")), 2);
    expect_numa_cpus(t, "tux7", 0, "0-19");
    expect_numa_cpus(t, "tux7", 1, "20-39");
    assert_int_equal(gpu_info(t, "tux7", 3).numa, 0);
    assert_int_equal(gpu_info(t, "tux7", 4).numa, 1);
    assert_string_equal(gpu_info(t, "tux7", 7).model, "v100");
    assert_true(bw(t, "tux7", 0, "tux7", 3) == 10.0); /* NODE */
    assert_true(bw(t, "tux7", 0, "tux7", 4) == 6.0);  /* SYS */
    /* tux16-17: Count=2, no Cores= */
    assert_int_equal(gs_topo_node_gpu_count(t, node_of(t, "tux16")), 2);
    assert_int_equal(gs_topo_node_numa_count(t, node_of(t, "tux16")), 0);
    gs_gpu_info g = gpu_info(t, "tux17", 1);
    assert_string_equal(g.model, "t4");
    assert_int_equal(g.numa, GS_NONE);
    check_roundtrip(t);
    gs_topo_destroy(t);
}

static void gres_count_and_flags(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture("gres-count.conf", NULL, &w);
    assert_int_equal(w.n, 2);
    expect_warning(&w, 0,
                   "gres-count.conf:2:28: Flags=nvidia_gpu_env noted and "
                   "ignored");
    expect_warning(&w, 1,
                   "gres-count.conf:3:6: Name=shard is not a GPU (line "
                   "skipped)");
    assert_int_equal(gs_topo_node_count(t), 1);
    assert_int_equal(gs_topo_gpu_count(t), 8);
    assert_string_equal(gpu_info(t, "localhost", 7).model, "h100");
    assert_true(bw(t, "localhost", 0, "localhost", 7) == 6.0);
    check_roundtrip(t);
    gs_topo_destroy(t);
}

static void gres_lines_without_nodename(void **state)
{
    (void)state;
    warnings w;
    /* a line without NodeName= applies to every node the file names, in
     * its place in the file */
    gs_topo *t = load_gres("NodeName=a[1-2] Name=gpu Type=p Count=2\n"
                           "Name=gpu Type=x Count=1\n"
                           "NodeName=a3,a1 Name=gpu Type=q File=/dev/nvidia9\n",
                           &w);
    assert_int_equal(w.n, 0);
    assert_int_equal(gs_topo_node_count(t), 3);
    assert_string_equal(gs_topo_node_name(t, 2), "a3");
    assert_int_equal(gs_topo_node_gpu_count(t, 0), 4);
    assert_int_equal(gs_topo_node_gpu_count(t, 1), 3);
    assert_int_equal(gs_topo_node_gpu_count(t, 2), 2);
    static const char *const a1[] = {"p", "p", "x", "q"};
    for (uint32_t i = 0; i < 4; i++)
        assert_string_equal(gpu_info(t, "a1", i).model, a1[i]);
    assert_string_equal(gpu_info(t, "a3", 0).model, "x");
    assert_string_equal(gpu_info(t, "a3", 1).model, "q");
    check_roundtrip(t);
    gs_topo_destroy(t);
    /* no NodeName= anywhere: one node, the hostname; Count multipliers;
     * a repeated node in one NodeName= counts once */
    t = load_gres("Name=gpu File=/dev/nvidia[0-1] Count=2\n", &w);
    assert_int_equal(gs_topo_node_count(t), 1);
    assert_int_equal(gs_topo_gpu_count(t), 2);
    gs_topo_destroy(t);
    t = load_gres("NodeName=n1,n1 Name=GPU Count=1k\n", &w);
    assert_int_equal(gs_topo_gpu_count(t), 1024);
    gs_topo_destroy(t);
    /* a file without GPU lines describes nothing */
    t = load_gres("AutoDetect=nvml\nName=mps Count=100\n", &w);
    assert_int_equal(gs_topo_node_count(t), 0);
    assert_int_equal(w.n, 2);
    gs_topo_destroy(t);
}

/* What Slurm's own test suite and real sites feed Slurm: core lists in
 * brackets, Files=/Link=, an empty Links= entry. */
static void gres_slurm_spellings(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture("gres-testsuite.conf", NULL, &w);
    assert_int_equal(w.n, 2);
    expect_warning(&w, 0,
                   "gres-testsuite.conf:6:32: CPUs= is the old name of Cores=; "
                   "read as Cores=");
    expect_warning(&w, 1,
                   "gres-testsuite.conf:8:47: Links=0,0,2,,-1, has empty "
                   "entries: skipped, as Slurm does");
    assert_int_equal(gs_topo_node_count(t), 1);
    assert_int_equal(gs_topo_gpu_count(t), 4);
    assert_int_equal(gs_topo_node_numa_count(t, 0), 2);
    expect_numa_cpus(t, "localhost", 0, "0-3,8");
    expect_numa_cpus(t, "localhost", 1, "4-7");
    for (uint32_t i = 0; i < 4; i++)
        assert_int_equal(gpu_info(t, "localhost", i).numa, i < 2 ? 0 : 1);
    /* Link= on GPU 2 and Links= on GPU 3 agree: 2 x 25 GB/s */
    gs_link_info li;
    gs_link_info_init(&li);
    assert_int_equal(gs_topo_link(t, 2, 3, &li), GS_OK);
    assert_int_equal(li.kind, GS_LINK_NVLINK);
    assert_int_equal(li.nvlinks, 2);
    assert_true(bw(t, "localhost", 2, "localhost", 3) == 50.0);
    assert_true(bw(t, "localhost", 0, "localhost", 1) == 10.0); /* NODE */
    assert_true(bw(t, "localhost", 1, "localhost", 2) == 6.0);  /* SYS */
    check_roundtrip(t);
    gs_topo_destroy(t);
}

/* gres.conf(5)'s mix: AutoDetect for all, per node (with and without a
 * Name=), commented-out devices, MPS and count-only GRES. */
static void gres_autodetect_mix(void **state)
{
    (void)state;
    warnings w;
    gs_topo *t = load_fixture("gres-autodetect-mix.conf", NULL, &w);
    assert_int_equal(w.n, 5);
    expect_warning(&w, 0,
                   "gres-autodetect-mix.conf:6:1: AutoDetect=nvml noted: "
                   "gpusched does not detect GPUs, it reads the GPUs this "
                   "file lists");
    expect_warning(&w, 1,
                   "gres-autodetect-mix.conf:7:20: AutoDetect=rsmi noted: "
                   "gpusched does not detect GPUs, it reads the GPUs this "
                   "file lists");
    expect_warning(&w, 2,
                   "gres-autodetect-mix.conf:8:20: AutoDetect=off noted: "
                   "gpusched does not detect GPUs, it reads the GPUs this "
                   "file lists");
    expect_warning(&w, 3,
                   "gres-autodetect-mix.conf:11:25: Name=mps is not a GPU "
                   "(line skipped)");
    expect_warning(&w, 4,
                   "gres-autodetect-mix.conf:12:25: Name=bandwidth is not a "
                   "GPU (line skipped)");
    /* gn01-02 are only detected: no GPU line names them */
    assert_int_equal(gs_topo_node_count(t), 2);
    assert_string_equal(gs_topo_node_name(t, 0), "gn03");
    assert_string_equal(gs_topo_node_name(t, 1), "gn04");
    assert_int_equal(gs_topo_gpu_count(t), 5);
    assert_int_equal(gs_topo_node_gpu_count(t, node_of(t, "gn03")), 2);
    assert_int_equal(gs_topo_node_numa_count(t, node_of(t, "gn03")), 1);
    expect_numa_cpus(t, "gn03", 0, "0-1");
    static const char *const models[] = {"gp100", "gp100", "p6000"};
    for (uint32_t i = 0; i < 3; i++) {
        gs_gpu_info g = gpu_info(t, "gn04", i);
        assert_string_equal(g.model, models[i]);
        assert_int_equal(g.numa, i < 2 ? 0 : 1);
    }
    expect_numa_cpus(t, "gn04", 1, "2-3");
    check_roundtrip(t);
    gs_topo_destroy(t);
}

static void gres_nodes_share_hardware(void **state)
{
    (void)state;
    /* thousands of nodes of one kind: one node type, built once */
    gs_topo *t = load_gres("NodeName=gpu[00001-20000] Name=gpu Type=h100 "
                           "File=/dev/nvidia[0-7] Cores=0-55\n"
                           "NodeName=gpu[00001-20000] Name=gpu Type=h100 "
                           "File=/dev/nvidia[8-9] Cores=56-111\n",
                           NULL);
    assert_int_equal(gs_topo_node_count(t), 20000);
    assert_int_equal(gs_topo_gpu_count(t), 200000);
    assert_int_equal(gs_topo_node_numa_count(t, 19999), 2);
    assert_int_equal(gpu_info(t, "gpu20000", 9).numa, 1);
    char *json;
    size_t n;
    assert_int_equal(gs_topo_to_json(t, &json, &n), GS_OK);
    assert_non_null(strstr(json, "\"gpu[00001-20000]\""));
    gs_free(json);
    gs_topo_destroy(t);
}


/* Feature=, Features=, AvailableFeatures= and Weight=: slurm.conf's node
 * keys, taken on gres.conf lines for the nodes each line names. */
static void gres_features_and_weights(void **state)
{
    (void)state;
    warnings w;
    const char *text =
        "NodeName=g[1-2] Name=gpu Type=h100 File=/dev/nvidia[0-3] "
        "Feature=h100,ib Weight=10\n"
        "NodeName=g[1-2] Name=gpu Type=h100 File=/dev/nvidia[4-7] "
        "Features=nvl,ib\n"
        "NodeName=c1 Name=gpu File=/dev/nvidia0 AvailableFeatures=a100 "
        "ActiveFeatures=a100 Weight=0\n"
        "NodeName=c2 Name=gpu File=/dev/nvidia0 Feature=x Features=\"pcie\"\n"
        "NodeName=c3 Name=gpu File=/dev/nvidia0\n"
        "NodeName=c3 Name=gpu File=/dev/nvidia1 Weight=7\n"
        "NodeName=c3 Name=gpu File=/dev/nvidia2 Weight=7\n";
    gs_topo *t = load_gres(text, &w);
    assert_int_equal(w.n, 2);
    expect_warning(&w, 0,
                   "g.conf:3:63: ActiveFeatures= noted and ignored (a node's "
                   "features are its Feature= or AvailableFeatures=)");
    expect_warning(&w, 1,
                   "g.conf:4:50: Feature=, Features= and AvailableFeatures= "
                   "are one key; the last one on the line is used, as Slurm "
                   "does");
    assert_int_equal(gs_topo_feature_count(t), 5);
    static const struct {
        const char *node, *features;
        uint32_t weight;
    } want[] = {{"g1", "h100,ib,nvl", 10}, {"g2", "h100,ib,nvl", 10},
                {"c1", "a100", 0},         {"c2", "pcie", 1},
                {"c3", "", 7}};
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        char buf[64];
        uint32_t n = node_of(t, want[i].node);
        assert_int_equal(gs_topo_node_features(t, n, buf, sizeof buf, NULL),
                         GS_OK);
        assert_string_equal(buf, want[i].features);
        assert_int_equal(gs_topo_node_weight(t, n), want[i].weight);
    }
    /* "x" was given and replaced on its line: it is not a feature */
    assert_int_equal(gs_topo_find_feature(t, "x"), GS_NONE);
    int match = 0;
    assert_int_equal(gs_topo_node_matches(t, node_of(t, "g2"), "nvl&(ib|x)",
                                          &match),
                     GS_ENOTFOUND);
    assert_int_equal(gs_topo_node_matches(t, node_of(t, "g2"),
                                          "nvl&(ib|pcie)", &match),
                     GS_OK);
    assert_int_equal(match, 1);
    check_roundtrip(t);
    gs_topo_destroy(t);

    /* lines without NodeName= apply to every node, so do their features */
    t = load_gres("Name=gpu File=/dev/nvidia0 Feature=common\n"
                  "NodeName=a Name=gpu File=/dev/nvidia1 Feature=own\n"
                  "NodeName=b Name=gpu File=/dev/nvidia1\n",
                  NULL);
    char buf[64];
    assert_int_equal(gs_topo_node_features(t, node_of(t, "a"), buf,
                                           sizeof buf, NULL),
                     GS_OK);
    assert_string_equal(buf, "common,own");
    assert_int_equal(gs_topo_node_features(t, node_of(t, "b"), buf,
                                           sizeof buf, NULL),
                     GS_OK);
    assert_string_equal(buf, "common");
    gs_topo_destroy(t);
    /* and in a file that names no node, to the one node it describes */
    t = load_gres("Name=gpu File=/dev/nvidia0 Feature=solo Weight=3\n", NULL);
    assert_int_equal(gs_topo_node_has_feature(t, 0, "solo"), 1);
    assert_int_equal(gs_topo_node_weight(t, 0), 3);
    gs_topo_destroy(t);

    static const error_case cases[] = {
        {"NodeName=n1 Name=gpu Count=1 Feature=h100,,ib\n",
         "g.conf:1:43: empty feature name in \"h100,,ib\" at offset 5 (names "
         "are separated by single commas)"},
        {"NodeName=n1 Name=gpu Count=1 Feature=\"ib,a(b)\"\n",
         "g.conf:1:42: feature \"a(b)\" has a character that is not allowed "
         "at offset 1 (byte 0x28; feature names are letters, digits and _ . "
         ": + -)"},
        {"NodeName=n1 Name=gpu Count=1 Weight=-3\n",
         "g.conf:1:37: Weight= must be a whole number from 0 to 4294967294, "
         "not \"-3\""},
        {"NodeName=n1 Name=gpu Count=1 Weight=4294967295\n",
         "g.conf:1:37: Weight= must be a whole number from 0 to 4294967294, "
         "not \"4294967295\""},
        {"NodeName=n1 Name=gpu Count=1 Weight=3\n"
         "NodeName=n[1-2] Name=gpu Count=1 Weight=4\n",
         "g.conf:2:41: node \"n1\": Weight=4, but line 1 gives it Weight=3 (a "
         "node has one weight)"},
    };
    check_errors(cases, ARRAY_LEN(cases), GS_FORMAT_SLURM_GRES, "g.conf");
    /* a 65th distinct feature, where it stands */
    test_text x = {0};
    for (int i = 0; i < 65; i++)
        test_printf(&x, "NodeName=n%d Name=gpu Count=1 Feature=f%d\n", i, i);
    char msg[600];
    assert_int_equal(load_error(x.s, "g.conf", GS_FORMAT_SLURM_GRES, NULL, msg,
                                sizeof msg),
                     GS_EPARSE);
    assert_string_equal(msg, "g.conf:65:39: feature \"f64\" would be the "
                             "topology's 65th distinct feature; at most 64 "
                             "are allowed");
    free(x.s);
}

static void gres_errors(void **state)
{
    (void)state;
    static const error_case cases[] = {
        {"NodeName=n1 File=/dev/nvidia0\n",
         "g.conf:1:1: a gres.conf line needs Name= (e.g. Name=gpu) or "
         "AutoDetect="},
        {"Name=gpu File=/dev/nvidia[0-1] Links=-1,2\n",
         "g.conf:1:32: Links= describes one GPU, but this line has 2 (Slurm "
         "wants one line per GPU with Links=)"},
        {"Name=gpu File=/dev/nvidia0 Links=-1,x\n",
         "g.conf:1:37: Links= entries are -1 (this GPU), 0 (no NVLink) or a "
         "number of NVLinks up to 255"},
        {"Name=gpu File=/dev/nvidia0 Links=-1,256\n",
         "g.conf:1:37: Links= entries are -1 (this GPU), 0 (no NVLink) or a "
         "number of NVLinks up to 255"},
        {"Name=gpu File=/dev/nvidia0 Links=-2,1\n",
         "g.conf:1:34: Links= entries are -1 (this GPU), 0 (no NVLink) or a "
         "number of NVLinks up to 255"},
        {"Name=gpu File=/dev/nvidia0 Links=-1,4,4\n"
         "Name=gpu File=/dev/nvidia1 Links=4,-1,4\n",
         "g.conf:1:34: Links= has 3 entries, but node \"localhost\" has 2 "
         "GPUs (one entry per GPU of the node)"},
        {"Name=gpu File=/dev/nvidia0 Links=-1,4\n"
         "Name=gpu File=/dev/nvidia1 Links=-1,4\n",
         "g.conf:2:34: Links= entry 0 is -1, but on node \"localhost\" this "
         "line is GPU 1 (-1 marks the GPU itself)"},
        {"Name=gpu File=/dev/nvidia0 Links=0,4\n"
         "Name=gpu File=/dev/nvidia1 Links=4,-1\n",
         "g.conf:1:34: Links= entry 0 must be -1: on node \"localhost\" this "
         "line is GPU 0"},
        {"Name=gpu File=/dev/nvidia0 Links=,\n",
         "g.conf:1:34: Links= lists no entries (one per GPU of the node)"},
        /* Link= and Files= are read as Links= and File= */
        {"Name=gpu File=/dev/nvidia0 Link=-1,4\n"
         "Name=gpu File=/dev/nvidia1 Links=2,-1\n",
         "g.conf:2:34: node \"localhost\": GPU 1 has 2 NVLinks to GPU 0, but "
         "line 1 says 4 the other way"},
        {"Name=gpu File=/dev/nvidia0\nName=gpu Files=/dev/nvidia0\n",
         "g.conf:2:16: node \"localhost\": /dev/nvidia0 is given twice (line "
         "1 and line 2)"},
        {"Name=gpu Files=/dev/nvidia0 MultipleFiles=/dev/dri/card0\n",
         "g.conf:1:29: File= and MultipleFiles= cannot be on one line"},
        {"Name=gpu File=/dev/nvidia[0-3] Count=8\n",
         "g.conf:1:38: Count=8, but File= names 4 devices"},
        {"Name=gpu Count=2K\n",
         "g.conf:1:16: Count=2K is more GPUs than a node can have (1024)"},
        {"Name=gpu Count=lots\n",
         "g.conf:1:16: Count= must be a whole number (with an optional K, M, "
         "G, T or P multiplier), not \"lots\""},
        {"Name=gpu Count=4294967297\n",
         "g.conf:1:16: Count= must be a whole number (with an optional K, M, "
         "G, T or P multiplier), not \"4294967297\""},
        {"Name=gpu Count=-1\n",
         "g.conf:1:16: Count= must be a whole number (with an optional K, M, "
         "G, T or P multiplier), not \"-1\""},
        {"Name=gpu File=/dev/nvidia0 Links=256\n",
         "g.conf:1:34: Links= entries are -1 (this GPU), 0 (no NVLink) or a "
         "number of NVLinks up to 255"},
        {"Name=gpu Count=1 Cores=1048576\n",
         "g.conf:1:24: Cores= must be a list of core numbers like "
         "0-15,32-47"},
        {"Name=gpu Count=99999999999P\n",
         "g.conf:1:16: Count= must be a whole number (with an optional K, M, "
         "G, T or P multiplier), not \"99999999999P\""},
        {"Name=gpu Count=1 Cores=0-x\n",
         "g.conf:1:26: Cores= must be a list of core numbers like "
         "0-15,32-47"},
        /* brackets around the whole list only, as Slurm writes them */
        {"Name=gpu Count=1 Cores=[0-x]\n",
         "g.conf:1:27: Cores= must be a list of core numbers like "
         "0-15,32-47"},
        {"Name=gpu Count=1 Cores=[0-3\n",
         "g.conf:1:24: Cores= must be a list of core numbers like "
         "0-15,32-47"},
        {"Name=gpu Count=1 CPUs=[]\n",
         "g.conf:1:23: CPUs= must be a list of core numbers like "
         "0-15,32-47"},
        {"Name=gpu File=/dev/nvidia0\nName=gpu File=/dev/nvidia[1-0]\n",
         "g.conf:2:29: bad hostlist expression in File=: range ends below "
         "its start"},
        {"Name=gpu File=/dev/nvidia[0-1]\nName=gpu File=/dev/nvidia1\n",
         "g.conf:2:15: node \"localhost\": /dev/nvidia1 is given twice (line "
         "1 and line 2)"},
        {"Name=gpu File=/dev/nvidia0 MultipleFiles=/dev/dri/card0\n",
         "g.conf:1:28: File= and MultipleFiles= cannot be on one line"},
        {"NodeName=n1 Name=gpu Count=1000\nNodeName=n1 Name=gpu Count=25\n",
         "g.conf:2:1: node \"n1\" would have more than 1024 GPUs"},
        {"Name=gpu File=/dev/nvidia[0-2000]\n",
         "g.conf:1:15: File= names more than 1024 devices"},
        {"NodeName=n[1-300000] Name=gpu\n",
         "g.conf:1:10: NodeName= names more than 262144 nodes"},
        {"NodeName=n[1-3000] Name=gpu Count=1000\n",
         "g.conf:1:10: the file describes more than 2097152 GPUs"},
        {"Name=gpu Type=a\x01z Count=1\n",
         "g.conf:1:16: Type= must be printable ASCII"},
        {"NodeName=n\\\\1 Name=gpu\n",
         "g.conf:1:10: node name \"n\\1\" has a '\\' (hostnames have no "
         "quotes or backslashes)"},
        {"NodeName=n[1-2 Name=gpu\n",
         "g.conf:1:11: bad hostlist expression in NodeName=: '[' without "
         "']'"},
    };
    check_errors(cases, ARRAY_LEN(cases), GS_FORMAT_SLURM_GRES, "g.conf");
    check_nul("Name=gpu Count=1\n\\\0", 19, GS_FORMAT_SLURM_GRES,
              "n.conf:2:2: NUL byte in the text");
    /* a node name the builder refuses, with the position of its NodeName= */
    char msg[600];
    assert_int_equal(load_error("NodeName=x\xff Name=gpu\n", "g.conf",
                                GS_FORMAT_SLURM_GRES, NULL, msg, sizeof msg),
                     GS_EPARSE);
    assert_non_null(strstr(msg, "g.conf:1:10: node name"));
}

static void gres_warnings(void **state)
{
    (void)state;
    warnings w;
    gs_load_options o = options(GS_FORMAT_SLURM_GRES, "dgx-h100", &w);
    const char *text =
        "NodeName=n1 Name=gpu Type=a CPUs=0-3 Boards=2\n"
        "NodeName=n1 Name=gpu Type=b Cores=4-7 CPUs=8-11 "
        "Type=c\n"
        "NodeName=n1 Name=gpu MultipleFiles=/dev/dri/card[0-1]\n"
        "NodeName=n1 Name=gpu\n"
        "NodeName=n1 AutoDetect=nvml Name=gpu Count=1\n";
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_load_buffer(&t, text, strlen(text), "g.conf",
                                         &o),
                     GS_OK);
    static const char *const want[] = {
        "g.conf: node templates describe the nodes of a topology.conf; a "
        "gres.conf gives its own GPUs, so they are ignored",
        "g.conf:1:38: unknown key 'Boards' (ignored)",
        "g.conf:1:29: CPUs= is the old name of Cores=; read as Cores=",
        "g.conf:1:13: neither File= nor Count=: read as one GPU (Slurm would "
        "take the count from slurm.conf)",
        "g.conf:2:49: Type= is given twice on this line; the last value is "
        "used, as Slurm does",
        "g.conf:2:39: CPUs= is the old name of Cores=; Cores= is used",
        "g.conf:2:13: neither File= nor Count=: read as one GPU (Slurm would "
        "take the count from slurm.conf)",
        "g.conf:3:22: MultipleFiles= is one GPU with several device files: "
        "read as one GPU, the files are not checked",
        "g.conf:4:13: neither File= nor Count=: read as one GPU (Slurm would "
        "take the count from slurm.conf)",
        "g.conf:5:13: AutoDetect=nvml noted: gpusched does not detect GPUs, "
        "it reads the GPUs this file lists",
    };
    assert_int_equal(w.n, (int)ARRAY_LEN(want));
    for (size_t i = 0; i < ARRAY_LEN(want); i++)
        expect_warning(&w, (int)i, want[i]);
    assert_int_equal(gs_topo_gpu_count(t), 5);
    assert_string_equal(gpu_info(t, "n1", 1).model, "c");
    assert_int_equal(gs_topo_node_numa_count(t, 0), 2);
    expect_numa_cpus(t, "n1", 0, "0-3");
    expect_numa_cpus(t, "n1", 1, "4-7");
    assert_int_equal(gpu_info(t, "n1", 1).numa, 1);
    gs_topo_destroy(t);
}

/* ---- detection, round trips, memory ------------------------------------ */

static void detected_by_content(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        uint32_t nodes, switches, domains;
    } cases[] = {
        {"topology-tree.conf", 18, 4, 0},
        {"topology-forward.conf", 9, 4, 0},
        {"topology-block.conf", 36, 0, 2},
        {"topology-messy.conf", 8, 3, 0},
        {"topology-mixed.conf", 8, 3, 2},
        {"gres-links.conf", 1, 0, 0},
        {"gres-cluster.conf", 18, 0, 0},
        {"gres-count.conf", 1, 0, 0},
        {"topology-fat-tree.conf", 8, 5, 0},
        {"gres-testsuite.conf", 1, 0, 0},
        {"gres-autodetect-mix.conf", 2, 0, 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        /* gs_topo_load on the path, format detected */
        gs_topo *t = NULL;
        char rel[256];
        snprintf(rel, sizeof rel, "slurm/%s", cases[i].file);
        gs_status st = gs_topo_load(&t, test_data(rel), NULL);
        if (st != GS_OK)
            fail_msg("%s: %s", cases[i].file, gs_topo_errmsg(t));
        assert_int_equal(gs_topo_node_count(t), cases[i].nodes);
        assert_int_equal(gs_topo_switch_count(t), cases[i].switches);
        assert_int_equal(gs_topo_nvlink_domain_count(t), cases[i].domains);
        check_roundtrip(t);
        gs_topo_destroy(t);
    }
    /* lines after comments, any case */
    gs_topo *t = NULL;
    const char *g = "# gres\nnodename=x Name=gpu Count=2\n";
    assert_int_equal(gs_topo_load_buffer(&t, g, strlen(g), "g", NULL), GS_OK);
    assert_int_equal(gs_topo_gpu_count(t), 2);
    gs_topo_destroy(t);
    const char *b = "\n  # blocks\n  blocksizes=2\nBlockName=b Nodes=n[1-2]\n";
    assert_int_equal(gs_topo_load_buffer(&t, b, strlen(b), "b", NULL), GS_OK);
    assert_int_equal(gs_topo_nvlink_domain_count(t), 1);
    gs_topo_destroy(t);
}

/* ---- inputs that were super-linear (issue 10 item 7) ------------------- */

/* Their meaning at full size (how fast they load is bench/bench_topo's
 * business): a 100,000-deep chain of switches that 30 more parents each
 * list whole, the same chain closed into a cycle by one of those extra
 * parents, and the bound on names all hostlists of a file expand to. */
static void deep_and_wide_inputs(void **state)
{
    (void)state;
    bool vg = getenv("GS_TEST_UNDER_VALGRIND") != NULL;
    unsigned n = vg ? 2000 : 100000;
    size_t cap = (size_t)n * 48 + 4096, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    for (unsigned i = 0; i + 1 < n; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                "SwitchName=s%u Switches=s%u\n", i, i + 1);
    len += (size_t)snprintf(text + len, cap - len, "SwitchName=s%u Nodes=a\n",
                            n - 1);
    for (unsigned k = 0; k < 30; k++)
        len += (size_t)snprintf(text + len, cap - len,
                                "SwitchName=p%u Switches=s[0-%u]\n", k, n - 1);
    warnings w;
    gs_topo *t = load_topology(text, NULL, &w);
    assert_int_equal(gs_topo_switch_count(t), n + 30);
    /* p0 is the first to list s0, which had no parent; every other
     * listing is a second parent, said once per line */
    assert_int_equal(gs_topo_switch_parent(t, switch_of(t, "s0")),
                     switch_of(t, "p0"));
    char last[32];
    snprintf(last, sizeof last, "s%u", n - 1);
    assert_int_equal(gs_topo_switch_depth(t, switch_of(t, last)), n);
    assert_int_equal(gs_topo_node_switch(t, node_of(t, "a")),
                     switch_of(t, last));
    assert_int_equal(w.n, 30);
    check_roundtrip(t);
    gs_topo_destroy(t);
    /* closed into a cycle through a switch's second parent */
    len = (size_t)snprintf(text, cap, "SwitchName=top Switches=s0\n");
    for (unsigned i = 0; i + 1 < n; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                "SwitchName=s%u Switches=s%u\n", i, i + 1);
    int at = snprintf(text + len, cap - len, "SwitchName=s%u Switches=", n - 1);
    snprintf(text + len + (size_t)at, cap - len - (size_t)at, "s0\n");
    char msg[600], want[200];
    assert_int_equal(load_error(text, "t.conf", GS_FORMAT_SLURM_TOPOLOGY,
                                NULL, msg, sizeof msg),
                     GS_EPARSE);
    snprintf(want, sizeof want,
             "t.conf:%u:%d: the switches form a cycle (s0 -> s%u -> s%u -> ",
             n + 1, at + 1, n - 1, n - 2);
    if (strncmp(msg, want, strlen(want)) != 0)
        fail_msg("got \"%s\", want \"%s...\"", msg, want);
    free(text);
    /* every name of every hostlist counts: 16 lines naming the same
     * 262,144 nodes reach the 4,194,304 a file may name */
    if (!vg) {
        cap = 17 * 64;
        text = malloc(cap);
        assert_non_null(text);
        len = 0;
        for (int k = 0; k < 17; k++)
            len += (size_t)snprintf(text + len, cap - len,
                                    "SwitchName=s%d Nodes=a[0-262143]\n", k);
        assert_int_equal(load_error(text, "t.conf",
                                    GS_FORMAT_SLURM_TOPOLOGY, NULL, msg,
                                    sizeof msg),
                         GS_EPARSE);
        assert_string_equal(msg, "t.conf:17:22: the file's hostlists name "
                                 "more than 4194304 nodes, switches and "
                                 "devices in all (each listing counts)");
        free(text);
    }
    /* in gres.conf, a line without NodeName= is one more line of every
     * node: 17 of them on 262,144 nodes go beyond what is left */
    cap = 64 + 17 * 24;
    text = malloc(cap);
    assert_non_null(text);
    len = (size_t)snprintf(text, cap,
                           "NodeName=n[0-262143] Name=gpu Count=0\n");
    for (int k = 0; k < 17; k++)
        len += (size_t)snprintf(text + len, cap - len, "Name=gpu Count=0\n");
    assert_int_equal(load_error(text, "g.conf", GS_FORMAT_SLURM_GRES, NULL,
                                msg, sizeof msg),
                     GS_EPARSE);
    assert_string_equal(msg, "g.conf:2:1: 17 lines without NodeName= apply "
                             "to each of 262144 nodes: more than the 4194304 "
                             "(node, line) pairs gpusched reads");
    free(text);
    /* nodes on lines of their own are built one by one: 32 of 1024 GPUs
     * reach the 2^25 GPU pairs a file may build (256 MiB: not under
     * valgrind), the 33rd is refused */
    if (!vg) {
        cap = 33 * 48;
        text = malloc(cap);
        assert_non_null(text);
        len = 0;
        for (int k = 0; k < 33; k++)
            len += (size_t)snprintf(text + len, cap - len,
                                    "NodeName=a%d Name=gpu Count=1024\n", k);
        assert_int_equal(load_error(text, "g.conf", GS_FORMAT_SLURM_GRES,
                                    NULL, msg, sizeof msg),
                         GS_EPARSE);
        assert_string_equal(msg, "g.conf:33:10: node \"a32\": the nodes of "
                                 "this file have more than 33554432 GPU "
                                 "pairs in all (n GPUs make n x n; nodes "
                                 "named on the same lines share theirs)");
        free(text);
    }
}

static gs_status load_op(void *ctx)
{
    const char *const *args = ctx; /* text, format name, node templates */
    gs_load_options o;
    gs_load_options_init(&o);
    gs_format_from_name(args[1], &o.format);
    o.node_templates = args[2];
    return test_load_and_save(args[0], "x", &o);
}

static void out_of_memory_everywhere(void **state)
{
    (void)state;
    /* The counting allocator checks for leaks after every failed run by
     * itself; under valgrind the quadratic sweep only costs time. */
    if (getenv("GS_TEST_UNDER_VALGRIND"))
        skip();
    static const struct {
        const char *file, *format, *templates;
    } cases[] = {
        {"topology-tree.conf", "slurm-topology",
         "dev[0-5]=dgx-h100;dev[6-11]=pcie-8gpu"},
        {"topology-forward.conf", "slurm-topology", "gpu[001-010]=dgx-a100"},
        {"topology-mixed.conf", "slurm-topology", "gb200-tray"},
        {"topology-messy.conf", "slurm-topology", NULL},
        {"gres-links.conf", "slurm-gres", NULL},
        {"gres-cluster.conf", "slurm-gres", NULL},
        {"topology-fat-tree.conf", "slurm-topology", "pcie-8gpu"},
        {"gres-testsuite.conf", "slurm-gres", NULL},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "slurm/%s", cases[i].file);
        char *text = test_read_file(test_data(rel), NULL);
        assert_non_null(text);
        const char *args[3] = {text, cases[i].format, cases[i].templates};
        long n = test_each_allocation_fails(load_op, (void *)args);
        assert_true(n > 10);
        free(text);
    }
    /* the cycle check and a gres line shared by all nodes */
    const char *cyc[3] = {"SwitchName=a Switches=b\nSwitchName=b\n",
                          "slurm-topology", NULL};
    test_each_allocation_fails(load_op, (void *)cyc);
    /* the cycle check through second parents */
    const char *fat[3] = {"SwitchName=l1\nSwitchName=l2\n"
                          "SwitchName=s1 Switches=l[1-2]\n"
                          "SwitchName=s2 Switches=l[1-2]\n",
                          "slurm-topology", NULL};
    test_each_allocation_fails(load_op, (void *)fat);
    const char *glob[3] = {"NodeName=n[1-40] Name=gpu Count=2 Cores=0-3\n"
                           "Name=gpu File=/dev/nvidia[7-8] Cores=4-5\n",
                           "slurm-gres", NULL};
    test_each_allocation_fails(load_op, (void *)glob);
}

/* ---- the command-line tool --------------------------------------------- */

/* Run the tool; redirect says where stdout and stderr go. */
static int run_tool(const char *args, const char *redirect, char *out,
                    size_t cap)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' %s %s", GS_TOOL_PATH, args, redirect);
    return test_run_command(cmd, out, cap);
}

static char out[1 << 16];

static void cli(void **state)
{
    (void)state;
    char args[1024];
    snprintf(args, sizeof args, "topo show '%s' --node-template dgx-h100",
             test_data("slurm/topology-tree.conf"));
    assert_int_equal(run_tool(args, "2>&1", out, sizeof out), 0);
    assert_non_null(strstr(out, "Cluster: 18 nodes, 144 GPUs, 4 switches, 0 "
                                "NVLink domains\n"));
    assert_non_null(strstr(out, "  18 nodes dev0 .. dev17: "));
    assert_non_null(strstr(out, "  Switch tree: 4 switches in 2 levels, 1 "
                                "root\n"));
    /* a map in two --node-template options */
    snprintf(args, sizeof args,
             "topo show '%s' --node-template 'dev[0-5]=dgx-h100' "
             "--node-template pcie-8gpu",
             test_data("slurm/topology-tree.conf"));
    assert_int_equal(run_tool(args, "2>&1", out, sizeof out), 0);
    assert_non_null(strstr(out, "  6 nodes dev0 .. dev5: "));
    assert_non_null(strstr(out, "  12 nodes dev6 .. dev17: "));
    /* a bad file: exit 1 and file:line:column */
    const char *bad = test_data("slurm/bad-topology-cycle.conf");
    snprintf(args, sizeof args, "topo show '%s'", bad);
    assert_int_equal(run_tool(args, "2>&1", out, sizeof out), 1);
    char want[1200];
    snprintf(want, sizeof want,
             "%s:4:23: the switches form a cycle (a -> c -> b -> a), not a "
             "tree",
             bad);
    if (!strstr(out, want))
        fail_msg("got \"%s\"\nwant \"%s\"", out, want);
    /* warnings on stderr, not stdout; --quiet drops them */
    const char *messy = test_data("slurm/topology-messy.conf");
    snprintf(args, sizeof args, "topo show '%s'", messy);
    assert_int_equal(run_tool(args, "2>&1 >/dev/null", out, sizeof out), 0);
    snprintf(want, sizeof want,
             "warning: %s:3:44: unknown key 'FabricID' (ignored)", messy);
    if (!strstr(out, want))
        fail_msg("got \"%s\"\nwant \"%s\"", out, want);
    assert_int_equal(run_tool(args, "2>/dev/null", out, sizeof out), 0);
    assert_null(strstr(out, "warning"));
    snprintf(args, sizeof args, "topo show '%s' --quiet", messy);
    assert_int_equal(run_tool(args, "2>&1", out, sizeof out), 0);
    assert_null(strstr(out, "warning"));
    /* gres.conf, and a bad template name */
    snprintf(args, sizeof args, "topo show '%s' --hostname dgx01",
             test_data("slurm/gres-links.conf"));
    assert_int_equal(run_tool(args, "2>&1", out, sizeof out), 0);
    assert_non_null(strstr(out, "GPU0\t X \tNV4\tNV2\tSYS\t0-15\t0\n"));
    assert_non_null(strstr(out, "dgx01"));
    snprintf(args, sizeof args, "topo show '%s' --node-template dgx-h900",
             test_data("slurm/topology-tree.conf"));
    assert_int_equal(run_tool(args, "2>&1", out, sizeof out), 1);
    assert_non_null(strstr(out, "no built-in node template named "
                                "\"dgx-h900\""));
    /* features and weights in the summary, per run of nodes */
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "printf 'NodeName=g[1-2] Name=gpu Count=2 Feature=h100,ib "
             "Weight=5\\nNodeName=g3 Name=gpu Count=2\\n' | '%s' topo show "
             "- 2>&1",
             GS_TOOL_PATH);
    assert_int_equal(test_run_command(cmd, out, sizeof out), 0);
    assert_non_null(strstr(out, "  2 nodes g1 .. g2: 0 NUMA domains, 0 CPUs, "
                                "memory ?, 2x unknown GPU (memory ?, cc ?), "
                                "features h100,ib, weight 5\n"));
    assert_non_null(strstr(out, "  g3: 0 NUMA domains, 0 CPUs, memory ?, 2x "
                                "unknown GPU (memory ?, cc ?)\n"));
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tree_from_the_manual),
        cmocka_unit_test(children_defined_after_their_parent),
        cmocka_unit_test(comments_crlf_case_and_continuations),
        cmocka_unit_test(slurm_syntax),
        cmocka_unit_test(blocks_are_nvlink_domains),
        cmocka_unit_test(both_forms_in_one_file),
        cmocka_unit_test(block_sizes),
        cmocka_unit_test(node_template_maps),
        cmocka_unit_test(node_template_errors),
        cmocka_unit_test(topology_errors),
        cmocka_unit_test(topology_error_fixtures),
        cmocka_unit_test(topology_warnings),
        cmocka_unit_test(fat_trees_and_dual_rails),
        cmocka_unit_test(gres_links_and_cores),
        cmocka_unit_test(gres_node_scopes),
        cmocka_unit_test(gres_count_and_flags),
        cmocka_unit_test(gres_lines_without_nodename),
        cmocka_unit_test(gres_slurm_spellings),
        cmocka_unit_test(gres_autodetect_mix),
        cmocka_unit_test(gres_nodes_share_hardware),
        cmocka_unit_test(gres_errors),
        cmocka_unit_test(gres_features_and_weights),
        cmocka_unit_test(deep_and_wide_inputs),
        cmocka_unit_test(gres_warnings),
        cmocka_unit_test(detected_by_content),
        cmocka_unit_test(out_of_memory_everywhere),
        cmocka_unit_test(cli),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (test_alloc_stats_get().live_blocks != 0) {
        fprintf(stderr, "leaked %ld blocks\n",
                test_alloc_stats_get().live_blocks);
        return 1;
    }
    return rc;
}
