/*
 * Communication patterns (issue 16): the bandwidth models of a GPU set
 * against hand-worked values and against brute force written here
 * (permutations for rings and paths, every pair for all-to-all), placement
 * that maximizes the job's own model exactly (against a brute force over
 * every set), and the look-ahead over job sequences against a reference
 * written here.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <gpusched/gpusched.h>

#include "test_support.h"
#include "membuf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static gs_topo *load(const char *src)
{
    gs_topo *t = NULL;
    gs_status st = gs_topo_load(&t, src, NULL);
    if (st != GS_OK)
        fail_msg("%s: %s", src, gs_topo_errmsg(t));
    return t;
}

static gs_pattern_info models(const gs_topo *t, const uint32_t *g, size_t n,
                              gs_comm_pattern p)
{
    gs_pattern_info info = GS_PATTERN_INFO_INIT;
    assert_int_equal(gs_topo_pattern_bandwidth(t, g, n, p, &info), GS_OK);
    return info;
}

static size_t parse_list(const char *list, uint32_t *g)
{
    size_t n = 0;
    for (const char *p = list; *p;) {
        char *e;
        g[n++] = (uint32_t)strtoul(p, &e, 10);
        p = *e ? e + 1 : e;
    }
    return n;
}

static gs_pattern_info models_of(const gs_topo *t, const char *list,
                                 gs_comm_pattern p)
{
    uint32_t g[64];
    size_t n = parse_list(list, g);
    return models(t, g, n, p);
}

/* ---- the models by hand ------------------------------------------------ */

/*
 * DGX-1V (template dgx1-v100): NV1 = 25, NV2 = 50, SYS = 6 GB/s.
 *   {0,1,2,3,4}: Q = 01 25 + 02 25 + 03 50 + 04 50 + 12 50 + 13 25 + 14 6
 *                + 23 50 + 24 6 + 34 6 = 293. GPU 4's only NVLink
 *                partner in the set is 0, so every ring has a SYS hop:
 *                the best single ring's bottleneck is 6.
 *   {0,1,2,4,5}: Q = 25 + 25 + 50 + 6 + 50 + 6 + 50 + 6 + 6 + 25 = 249;
 *                the ring 0-2-1-5-4-0 is all NVLink (25, 50, 50, 25, 50):
 *                bottleneck 25.
 */
static void issue_example(void **state)
{
    (void)state;
    gs_topo *t = load("dgx1-v100");
    gs_pattern_info a = models_of(t, "0,1,2,3,4", GS_PATTERN_RING);
    gs_pattern_info b = models_of(t, "0,1,2,4,5", GS_PATTERN_RING);
    assert_true(a.q == 293.0);
    assert_true(b.q == 249.0);
    assert_true(a.ring_single == 6.0);
    assert_true(b.ring_single == 25.0);
    assert_true(b.ring > a.ring);
    assert_true(a.exact && b.exact);
    assert_true(a.bandwidth == a.ring);
    /* a 5-GPU ring job on the empty node gets a set with an all-NVLink
     * ring; an "any" job gets a max-Q set (293 is the most) */
    uint32_t got[8];
    gs_pattern_info best = GS_PATTERN_INFO_INIT;
    assert_int_equal(gs_topo_pattern_best(t, 0, 5, GS_PATTERN_RING, got,
                                          &best),
                     GS_OK);
    assert_true(best.ring_single >= 25.0);
    assert_true(best.ring >= b.ring);
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    gs_job_spec sp;
    gs_job_spec_init(&sp);
    sp.gpus = 5;
    sp.pattern = GS_PATTERN_RING;
    size_t n = 0;
    assert_int_equal(gs_sched_preview(s, &sp, got, 8, &n), GS_OK);
    assert_int_equal(n, 5);
    gs_pattern_info g = models(t, got, n, GS_PATTERN_RING);
    assert_true(g.ring == best.ring);
    assert_true(g.ring_single >= 25.0);
    sp.pattern = GS_PATTERN_ANY;
    assert_int_equal(gs_sched_preview(s, &sp, got, 8, &n), GS_OK);
    assert_true(models(t, got, n, GS_PATTERN_ANY).q == 293.0);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/*
 * Ring packings worked by hand:
 *   - 2 GPUs with NV2 (50): one ring 0->1->0 at 50;
 *   - 3 GPUs all NV1 (25): 0->1->2->0 at 25, then the reverse at 25: 50
 *     in 2 rings;
 *   - 4 GPUs on PCIe (PIX 16 GB/s everywhere): every GPU's PCIe port
 *     carries 16 out and 16 in; the first ring takes it all: 16, 1 ring;
 *   - DGX A100 (NVSwitch, 12 links x 25 = 300 per GPU): one ring at 300.
 * All-to-all: 4 GPUs on PCIe: each port carries 3 pairs out, so a pair
 *   gets 16/3 = 5.333 GB/s, and each GPU sends 3 x 5.333 = 16; the
 *   bisection {0,1} | {2,3}: 4 pairs x 5.333 = 21.333.
 * Chain of the PCIe 4: 16 (every pair is PIX).
 */
static const char pcie4[] =
    "{\"nodes\": [{\"name\": \"p\", \"numa\": [{\"cpus\": \"0-7\"}],"
    " \"gpus\": {\"count\": 4, \"numa\": 0},"
    " \"matrix\": [\"X   PIX PIX PIX\", \"PIX X   PIX PIX\","
    "             \"PIX PIX X   PIX\", \"PIX PIX PIX X\"]}]}";
static const char tri[] =
    "{\"nodes\": [{\"name\": \"t\", \"numa\": [{\"cpus\": \"0-7\"}],"
    " \"gpus\": {\"count\": 3, \"numa\": 0},"
    " \"matrix\": [\"X   NV1 NV1\", \"NV1 X   NV1\", \"NV1 NV1 X\"]}]}";

static void models_by_hand(void **state)
{
    (void)state;
    gs_topo *t = load("dgx1-v100");
    gs_pattern_info i = models_of(t, "0,3", GS_PATTERN_RING);
    assert_true(i.ring == 50.0 && i.rings == 1 && i.chain == 50.0);
    assert_true(i.all_to_all == 50.0 && i.weakest_pair == 50.0);
    assert_true(i.bisection == 50.0 && i.q == 50.0);
    i = models_of(t, "5", GS_PATTERN_RING);
    assert_true(i.ring == 0 && i.q == 0 && i.chain == 0 && i.rings == 0);
    /* DGX-1V, all 8: each GPU's NVLinks carry 150 out; its PCIe port
     * (best pair SYS 6) 6 more. The NV2 pairs make a ring by themselves:
     * 0-3-2-1-5-6-7-4-0, so the best single ring is 50. */
    i = models_of(t, "0,1,2,3,4,5,6,7", GS_PATTERN_RING);
    assert_true(i.ring > 0 && i.ring <= 156.0);
    assert_true(i.ring >= i.ring_single && i.ring_single == 50.0);
    gs_topo_destroy(t);

    t = test_topo_json(tri);
    i = models_of(t, "0,1,2", GS_PATTERN_RING);
    assert_true(i.ring == 50.0 && i.rings == 2 && i.ring_single == 25.0);
    assert_true(i.all_to_all == 50.0 && i.chain == 25.0);
    gs_topo_destroy(t);

    t = test_topo_json(pcie4);
    i = models_of(t, "0,1,2,3", GS_PATTERN_ALL_TO_ALL);
    assert_true(i.ring == 16.0 && i.rings == 1);
    assert_true(i.weakest_pair == 5.333);
    assert_true(i.all_to_all == 15.999);
    assert_true(i.bisection == 21.332);
    assert_true(i.chain == 16.0);
    assert_true(i.bandwidth == i.all_to_all);
    gs_topo_destroy(t);

    t = load("dgx-a100");
    i = models_of(t, "0,1,2,3,4,5,6,7", GS_PATTERN_RING);
    assert_true(i.ring == 300.0 && i.rings == 1);
    gs_topo_destroy(t);

    /* NVL72: one NVLink domain of 72 GPUs, beyond the exact size: the
     * ring in id order, 1800 GB/s per GPU on the fabric */
    t = load("gb200-nvl72");
    uint32_t all[72];
    for (uint32_t g = 0; g < 72; g++)
        all[g] = g;
    i = models(t, all, 72, GS_PATTERN_RING);
    assert_false(i.exact);
    assert_true(i.ring > 0);
    assert_true(i.ring == i.chain);
    gs_topo_destroy(t);
}

/* Across nodes: the network at 25 GB/s per node under one leaf switch,
 * halved per level climbed; a node's GPUs share its network port. Two
 * DGX-1V nodes under leaf1, a third under leaf2, both under a spine. */
static const char three_nodes[] =
    "{\"nodes\": [{\"name\": \"n[1-3]\", \"template\": \"dgx1-v100\"}],"
    " \"switches\": [{\"name\": \"spine\", \"switches\": \"leaf[1-2]\"},"
    "  {\"name\": \"leaf1\", \"nodes\": \"n[1-2]\"},"
    "  {\"name\": \"leaf2\", \"nodes\": \"n3\"}]}";

static void across_nodes(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(three_nodes);
    /* GPU 0 of n1 and of n2: one ring 0 -> 8 -> 0 at 25 */
    gs_pattern_info i = models_of(t, "0,8", GS_PATTERN_RING);
    assert_true(i.ring == 25.0 && i.chain == 25.0 && i.all_to_all == 25.0);
    /* n1 and n3: one level above the leaves: 12.5 */
    i = models_of(t, "0,16", GS_PATTERN_RING);
    assert_true(i.ring == 12.5 && i.q == 0);
    /* {0,3} on n1 (NV2) and {8,11} on n2: every ring crosses the network
     * twice (n1 -> n2 and back), each node's port carries 25 out: one ring
     * at 25; all-to-all: each node sends 2 x 2 pairs through its port:
     * 25 / 4 = 6.25 per pair, x 3 = 18.75 */
    i = models_of(t, "0,3,8,11", GS_PATTERN_ALL_TO_ALL);
    assert_true(i.ring == 25.0);
    assert_true(i.weakest_pair == 6.25 && i.all_to_all == 18.75);
    assert_true(i.chain == 25.0);
    gs_topo_destroy(t);
}

/* A multi-node all-to-all job stays inside one NVLink domain when one can
 * hold it: two domains of six 4-GPU trays, the first with half its GPUs
 * drained; 16 GPUs fit only in the second, and the answer's model is the
 * fabric's, far above what a split over the network would give. */
static const char two_domains[] =
    "{\"nodes\": [{\"name\": \"t[01-12]\", \"template\": \"gb200-tray\"}],"
    " \"nvlink_domains\": [{\"name\": \"a\", \"nodes\": \"t[01-06]\"},"
    "  {\"name\": \"b\", \"nodes\": \"t[07-12]\"}]}";

static void multi_node_domain(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(two_domains);
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    for (uint32_t g = 0; g < 12; g++)
        assert_int_equal(gs_sched_drain_gpu(s, g), GS_OK);
    gs_job_spec sp;
    gs_job_spec_init(&sp);
    sp.gpus = 16;
    sp.gpus_per_node = 4;
    sp.pattern = GS_PATTERN_ALL_TO_ALL;
    uint32_t got[16];
    size_t n = 0;
    assert_int_equal(gs_sched_preview(s, &sp, got, 16, &n), GS_OK);
    assert_int_equal(n, 16);
    for (size_t i = 0; i < n; i++)
        assert_true(got[i] >= 24); /* domain b: trays 7-12, GPUs 24-47 */
    gs_pattern_info in = models(t, got, n, GS_PATTERN_ALL_TO_ALL);
    /* a split: 12 free GPUs of domain a and 4 of b */
    uint32_t split[16];
    for (uint32_t i = 0; i < 12; i++)
        split[i] = 12 + i;
    for (uint32_t i = 0; i < 4; i++)
        split[12 + i] = 24 + i;
    gs_pattern_info sp2 = models(t, split, 16, GS_PATTERN_ALL_TO_ALL);
    assert_true(in.all_to_all > 10 * sp2.all_to_all);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

static void bad_arguments(void **state)
{
    (void)state;
    gs_topo *t = load("dgx1-v100");
    gs_pattern_info i = GS_PATTERN_INFO_INIT;
    uint32_t g[3] = {0, 1, 1};
    assert_int_equal(gs_topo_pattern_bandwidth(t, g, 3, GS_PATTERN_RING, &i),
                     GS_EINVAL); /* repeated */
    g[2] = 8;
    assert_int_equal(gs_topo_pattern_bandwidth(t, g, 3, GS_PATTERN_RING, &i),
                     GS_EINVAL); /* no GPU 8 */
    g[2] = 2;
    assert_int_equal(gs_topo_pattern_bandwidth(t, g, 3, (gs_comm_pattern)9,
                                               &i),
                     GS_EINVAL);
    assert_int_equal(gs_topo_pattern_bandwidth(t, g, 3, GS_PATTERN_RING, NULL),
                     GS_EINVAL);
    assert_int_equal(gs_topo_pattern_bandwidth(NULL, g, 3, GS_PATTERN_RING,
                                               &i),
                     GS_EINVAL);
    /* a caller's older, shorter struct gets its prefix */
    struct {
        uint32_t struct_size;
        double bandwidth, q;
    } small = {sizeof small, -1, -1};
    assert_int_equal(gs_topo_pattern_bandwidth(t, g, 3, GS_PATTERN_ANY,
                                               (gs_pattern_info *)&small),
                     GS_OK);
    assert_true(small.q == 100.0 && small.bandwidth == 100.0);
    assert_int_equal(gs_topo_pattern_best(t, 1, 2, GS_PATTERN_RING, NULL,
                                          NULL),
                     GS_EINVAL); /* one node */
    assert_int_equal(gs_topo_pattern_best(t, 0, 9, GS_PATTERN_RING, NULL,
                                          NULL),
                     GS_EINVAL);
    assert_int_equal(gs_topo_pattern_best(t, 0, 0, GS_PATTERN_RING, NULL,
                                          NULL),
                     GS_EINVAL);
    gs_comm_pattern p;
    assert_int_equal(gs_pattern_parse("All-Reduce", &p), GS_OK);
    assert_int_equal(p, GS_PATTERN_RING);
    assert_int_equal(gs_pattern_parse("pipeline", &p), GS_OK);
    assert_int_equal(p, GS_PATTERN_CHAIN);
    assert_int_equal(gs_pattern_parse("ringx", &p), GS_EINVAL);
    assert_int_equal(gs_pattern_parse(NULL, &p), GS_EINVAL);
    assert_string_equal(gs_pattern_name(GS_PATTERN_ALL_TO_ALL), "all-to-all");
    assert_string_equal(gs_pattern_name((gs_comm_pattern)7), "?");
    /* a job with a pattern out of range is refused, naming the field */
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    gs_job_spec sp;
    gs_job_spec_init(&sp);
    sp.gpus = 2;
    sp.pattern = (gs_comm_pattern)5;
    uint64_t id;
    assert_int_equal(gs_sched_submit(s, &sp, &id), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "pattern"));
    assert_int_equal(gs_sched_job_count(s), 0);
    gs_demand_entry d[2] = {{2, GS_PATTERN_RING, 1.0},
                            {2, GS_PATTERN_RING, 2.0}};
    assert_int_equal(gs_sched_set_demand(s, d, 2), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "repeats"));
    d[1].gpus = 65;
    assert_int_equal(gs_sched_set_demand(s, d, 2), GS_EINVAL);
    d[1].gpus = 4;
    d[1].weight = 0.0 / 0.0;
    assert_int_equal(gs_sched_set_demand(s, d, 2), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "weight"));
    gs_demand_entry many[GS_MAX_DEMAND + 1];
    for (uint32_t k = 0; k <= GS_MAX_DEMAND; k++)
        many[k] = (gs_demand_entry){k + 1, GS_PATTERN_ANY, 1.0};
    assert_int_equal(gs_sched_set_demand(s, many, GS_MAX_DEMAND + 1),
                     GS_ERANGE);
    assert_int_equal(gs_sched_demand(s, NULL, 0), 0); /* nothing changed */
    assert_int_equal(gs_sched_set_numa_mode(s, (gs_numa_mode)3), GS_EINVAL);
    d[1].weight = 3.0;
    assert_int_equal(gs_sched_set_demand(s, d, 2), GS_OK);
    gs_demand_entry out[GS_MAX_DEMAND];
    assert_int_equal(gs_sched_demand(s, out, GS_MAX_DEMAND), 2);
    /* heaviest first; shares quantized to 1/64: 48/64 and 16/64 */
    assert_int_equal(out[0].gpus, 4);
    assert_true(out[0].weight == 0.75 && out[1].weight == 0.25);
    assert_string_equal(gs_numa_mode_name(GS_NUMA_STRICT), "strict");
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* ---- brute force --------------------------------------------------------- */

/* A random node of n <= 8 GPUs: NVLink pairs (1-4 links, 25 GB/s each) on
 * a PCIe tree; pairs without NVLink take PIX 16, NODE 10 or SYS 6. NUMA by
 * halves. */
typedef struct rnode {
    uint32_t n;
    uint32_t bw[8][8]; /* MB/s */
    bool nvl[8][8];
} rnode;

static void random_node(unsigned *seed, uint32_t n, rnode *r, char *json,
                        size_t cap)
{
    static const char *lv[] = {"PIX", "NODE", "SYS"};
    static const uint32_t lbw[] = {16000, 10000, 6000};
    size_t len = 0;
#define OUT(...) len += (size_t)snprintf(json + len, cap - len, __VA_ARGS__)
    OUT("{\"nodes\": [{\"name\": \"r\", \"numa\": [{\"cpus\": \"0\"}, "
        "{\"cpus\": \"1\"}], \"gpus\": [");
    for (uint32_t i = 0; i < n; i++)
        OUT("%s{\"numa\": %u}", i ? ", " : "", i < n / 2 ? 0u : 1u);
    OUT("], \"links\": [");
    bool first = true;
    r->n = n;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = i + 1; j < n; j++) {
            uint32_t nv = rand_r(seed) % 2 ? 1 + (uint32_t)rand_r(seed) % 4
                                           : 0;
            uint32_t l = (uint32_t)rand_r(seed) % 3;
            r->bw[i][j] = r->bw[j][i] = nv ? nv * 25000 : lbw[l];
            r->nvl[i][j] = r->nvl[j][i] = nv > 0;
            OUT("%s{\"gpus\": [%u, %u], \"nvlink\": %u, \"pcie\": \"%s\"}",
                first ? "" : ", ", i, j, nv, lv[l]);
            first = false;
        }
    OUT("]}]}");
#undef OUT
}

/* Best single ring and best path of the set g[0..k) by permutations; a
 * pair's capacity is its bandwidth (one use of each port per ring or
 * path, and a port carries at least its best pair). */
static void perm_best(const rnode *r, const uint32_t *g, uint32_t k,
                      uint64_t *ring, uint64_t *path)
{
    uint32_t p[8];
    for (uint32_t i = 0; i < k; i++)
        p[i] = i;
    *ring = *path = 0;
    for (;;) {
        uint64_t b = UINT64_MAX;
        for (uint32_t i = 0; i + 1 < k; i++) {
            uint64_t x = r->bw[g[p[i]]][g[p[i + 1]]];
            b = x < b ? x : b;
        }
        if (b > *path)
            *path = b;
        uint64_t c = r->bw[g[p[k - 1]]][g[p[0]]];
        c = c < b ? c : b;
        if (c > *ring)
            *ring = c;
        /* next permutation */
        int i = (int)k - 2;
        while (i >= 0 && p[i] > p[i + 1])
            i--;
        if (i < 0)
            break;
        int j = (int)k - 1;
        while (p[j] < p[i])
            j--;
        uint32_t x = p[i];
        p[i] = p[j];
        p[j] = x;
        for (int a = i + 1, z = (int)k - 1; a < z; a++, z--) {
            x = p[a];
            p[a] = p[z];
            p[z] = x;
        }
    }
}

/* The weakest pair for all-to-all: NVLink pairs their own; a PCIe pair
 * min(bw, port(i) / (i's PCIe partners in the set), same for j), a port
 * being its GPU's best PCIe pair on the whole node. */
static uint64_t weakest_pair(const rnode *r, const uint32_t *g, uint32_t k)
{
    uint64_t port[8] = {0};
    uint32_t cnt[8] = {0};
    for (uint32_t i = 0; i < r->n; i++)
        for (uint32_t j = 0; j < r->n; j++)
            if (i != j && !r->nvl[i][j] && r->bw[i][j] > port[i])
                port[i] = r->bw[i][j];
    for (uint32_t i = 0; i < r->n; i++)
        if (!port[i])
            port[i] = 16000; /* PIX, unused */
    for (uint32_t a = 0; a < k; a++)
        for (uint32_t b = 0; b < k; b++)
            if (a != b && !r->nvl[g[a]][g[b]])
                cnt[a]++;
    uint64_t w = UINT64_MAX;
    for (uint32_t a = 0; a < k; a++)
        for (uint32_t b = 0; b < k; b++) {
            if (a == b)
                continue;
            uint64_t e = r->bw[g[a]][g[b]];
            if (!r->nvl[g[a]][g[b]]) {
                uint64_t x = port[g[a]] / cnt[a], y = port[g[b]] / cnt[b];
                e = e < x ? e : x;
                e = e < y ? e : y;
            }
            w = e < w ? e : w;
        }
    return w;
}

static uint64_t mbs(double gbps) { return (uint64_t)(gbps * 1000.0 + 0.5); }

/* The models against the permutation brute force, and placement against
 * the brute force over every set: the chosen set's model is the largest
 * any set of the free GPUs has, for every pattern. */
static void against_brute_force(void **state)
{
    (void)state;
    unsigned seed = 160016;
    int iters = getenv("GS_TEST_UNDER_VALGRIND") ? 40 : 400;
    static char json[16384];
    rnode r;
    int placements = 0;
    for (int it = 0; it < iters; it++) {
        uint32_t n = 2 + (uint32_t)rand_r(&seed) % 7;
        random_node(&seed, n, &r, json, sizeof json);
        gs_topo *t = test_topo_json(json);
        /* every subset's models */
        static double val[GS_PATTERN_COUNT][256];
        for (uint32_t m = 1; m < (1u << n); m++) {
            uint32_t g[8], k = 0;
            for (uint32_t i = 0; i < n; i++)
                if (m >> i & 1)
                    g[k++] = i;
            gs_pattern_info in = models(t, g, k, GS_PATTERN_ANY);
            val[GS_PATTERN_ANY][m] = in.q;
            val[GS_PATTERN_RING][m] = in.ring;
            val[GS_PATTERN_ALL_TO_ALL][m] = in.all_to_all;
            val[GS_PATTERN_CHAIN][m] = in.chain;
            if (k < 2)
                continue;
            uint64_t ring, path;
            perm_best(&r, g, k, &ring, &path);
            if (mbs(in.chain) != path)
                fail_msg("it %d set %x: chain %.3f, brute force %.3f\n%s", it,
                         m, in.chain, path / 1000.0, json);
            if (mbs(in.ring_single) != ring)
                fail_msg("it %d set %x: best ring %.3f, brute force %.3f\n%s",
                         it, m, in.ring_single, ring / 1000.0, json);
            assert_true(in.ring >= in.ring_single);
            if (mbs(in.weakest_pair) != weakest_pair(&r, g, k))
                fail_msg("it %d set %x: weakest pair %.3f, brute force "
                         "%.3f\n%s",
                         it, m, in.weakest_pair,
                         weakest_pair(&r, g, k) / 1000.0, json);
            assert_true(mbs(in.all_to_all) == (k - 1) * mbs(in.weakest_pair));
        }
        /* placement on random free GPUs */
        for (int rep = 0; rep < 4; rep++) {
            uint32_t free = 0;
            for (uint32_t i = 0; i < n; i++)
                if (rand_r(&seed) % 4)
                    free |= 1u << i;
            if (__builtin_popcount(free) < 2)
                continue;
            uint32_t k = 2 + (uint32_t)rand_r(&seed) %
                                 ((uint32_t)__builtin_popcount(free) - 1);
            gs_comm_pattern p = (gs_comm_pattern)(rand_r(&seed) % 4);
            double best = -1;
            for (uint32_t m = free; m; m = (m - 1) & free)
                if ((uint32_t)__builtin_popcount(m) == k && val[p][m] > best)
                    best = val[p][m];
            gs_sched *s = NULL;
            assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
            for (uint32_t i = 0; i < n; i++)
                if (!(free >> i & 1))
                    assert_int_equal(gs_sched_drain_gpu(s, i), GS_OK);
            gs_job_spec sp;
            gs_job_spec_init(&sp);
            sp.gpus = k;
            sp.pattern = p;
            uint32_t got[8];
            size_t cnt = 0;
            assert_int_equal(gs_sched_preview(s, &sp, got, 8, &cnt), GS_OK);
            uint32_t gm = 0;
            for (size_t i = 0; i < cnt; i++)
                gm |= 1u << got[i];
            assert_int_equal(cnt, k);
            assert_int_equal(gm & ~free, 0);
            if (val[p][gm] != best)
                fail_msg("it %d: %s job of %u on free %x got %x (%.3f), the "
                         "best set has %.3f\n%s",
                         it, gs_pattern_name(p), k, free, gm, val[p][gm],
                         best, json);
            placements++;
            gs_sched_destroy(s);
        }
        gs_topo_destroy(t);
    }
    print_message("%d topologies, %d placements against brute force\n", iters,
                  placements);
}

/* 16-GPU nodes: placement is exact there too. A 16-GPU random NVLink mesh
 * (no classes to merge), k = 4..6, against the brute force over every
 * set of the free GPUs. */
static void sixteen_exact(void **state)
{
    (void)state;
    unsigned seed = 16;
    int iters = getenv("GS_TEST_UNDER_VALGRIND") ? 1 : 6;
    static char json[65536];
    for (int it = 0; it < iters; it++) {
        size_t len = 0;
#define OUT(...) len += (size_t)snprintf(json + len, sizeof json - len, __VA_ARGS__)
        OUT("{\"nodes\": [{\"name\": \"x\", \"numa\": [{\"cpus\": \"0\"}, "
            "{\"cpus\": \"1\"}], \"gpus\": {\"count\": 16, \"numa\": "
            "[0,0,0,0,0,0,0,0,1,1,1,1,1,1,1,1]}, \"links\": [");
        bool first = true;
        for (uint32_t i = 0; i < 16; i++)
            for (uint32_t j = i + 1; j < 16; j++)
                if (rand_r(&seed) % 3 == 0) {
                    OUT("%s{\"gpus\": [%u, %u], \"nvlink\": %u}",
                        first ? "" : ", ", i, j,
                        1 + (uint32_t)rand_r(&seed) % 3);
                    first = false;
                }
        OUT("]}]}");
#undef OUT
        gs_topo *t = test_topo_json(json);
        uint32_t free = 0xFFFFu & ~(uint32_t)(rand_r(&seed) & 0x0F0F);
        uint32_t k = 4 + (uint32_t)it % 3;
        gs_comm_pattern p = (gs_comm_pattern)(1 + it % 3);
        double best = -1;
        for (uint32_t m = free; m; m = (m - 1) & free) {
            if ((uint32_t)__builtin_popcount(m) != k)
                continue;
            uint32_t g[16], c = 0;
            for (uint32_t i = 0; i < 16; i++)
                if (m >> i & 1)
                    g[c++] = i;
            double v = models(t, g, c, p).bandwidth;
            best = v > best ? v : best;
        }
        gs_sched *s = NULL;
        assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
        for (uint32_t i = 0; i < 16; i++)
            if (!(free >> i & 1))
                assert_int_equal(gs_sched_drain_gpu(s, i), GS_OK);
        gs_job_spec sp;
        gs_job_spec_init(&sp);
        sp.gpus = k;
        sp.pattern = p;
        uint32_t got[16];
        size_t cnt = 0;
        assert_int_equal(gs_sched_preview(s, &sp, got, 16, &cnt), GS_OK);
        double v = models(t, got, cnt, p).bandwidth;
        if (v != best)
            fail_msg("16 GPUs, %s job of %u: %.3f, brute force %.3f",
                     gs_pattern_name(p), k, v, best);
        gs_sched_destroy(s);
        gs_topo_destroy(t);
    }
}

/* ---- look-ahead over job sequences -------------------------------------- */

/* NV12 bridge pairs {0,1} {2,3} {4,5} {6,7}, GPUs 0-3 on socket 0, 4-7 on
 * socket 1, every other pair SYS (as nvidia-smi shows such boxes). */
static const char nv12_pairs[] =
    "{\"nodes\": [{\"name\": \"b\", \"numa\": [{\"cpus\": \"0-7\"},"
    " {\"cpus\": \"8-15\"}], \"gpus\": {\"count\": 8, \"numa\": "
    "[0,0,0,0,1,1,1,1]},"
    " \"matrix\": [\"X    NV12 SYS  SYS  SYS  SYS  SYS  SYS\","
    "             \"NV12 X    SYS  SYS  SYS  SYS  SYS  SYS\","
    "             \"SYS  SYS  X    NV12 SYS  SYS  SYS  SYS\","
    "             \"SYS  SYS  NV12 X    SYS  SYS  SYS  SYS\","
    "             \"SYS  SYS  SYS  SYS  X    NV12 SYS  SYS\","
    "             \"SYS  SYS  SYS  SYS  NV12 X    SYS  SYS\","
    "             \"SYS  SYS  SYS  SYS  SYS  SYS  X    NV12\","
    "             \"SYS  SYS  SYS  SYS  SYS  SYS  NV12 X\"]}]}";
/* NV4 pairs on one socket, PCIe NODE between pairs */
static const char nv4_pairs[] =
    "{\"nodes\": [{\"name\": \"q\", \"numa\": [{\"cpus\": \"0-7\"}],"
    " \"gpus\": {\"count\": 8, \"numa\": 0},"
    " \"links\": [{\"gpus\": [0, 1], \"nvlink\": 4},"
    "  {\"gpus\": [2, 3], \"nvlink\": 4}, {\"gpus\": [4, 5], \"nvlink\": 4},"
    "  {\"gpus\": [6, 7], \"nvlink\": 4}]}]}";

/* Run a sequence on one scheduler; returns the summed model of the sets
 * the jobs got, and the sets in sets[]. With `demand`, the host tells the
 * scheduler before each job what its queue holds after it (the sizes still
 * to come); without, the look-ahead is off. */
static double run_sequence(const gs_topo *t, uint32_t taken,
                           const uint32_t *sizes, size_t n, gs_comm_pattern p,
                           bool demand, gs_numa_mode mode, uint32_t *sets)
{
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    assert_int_equal(gs_sched_set_numa_mode(s, mode), GS_OK);
    if (!demand)
        assert_int_equal(gs_sched_set_lookahead(s, 0), GS_OK);
    for (uint32_t g = 0; g < 8; g++)
        if (taken >> g & 1)
            assert_int_equal(gs_sched_drain_gpu(s, g), GS_OK);
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        if (demand) {
            gs_demand_entry d[GS_MAX_DEMAND];
            size_t nd = 0;
            for (size_t x = i + 1; x < n; x++) {
                size_t j = 0;
                while (j < nd && d[j].gpus != sizes[x])
                    j++;
                if (j == nd)
                    d[nd++] = (gs_demand_entry){sizes[x], p, 0};
                d[j].weight += sizes[x];
            }
            if (nd)
                assert_int_equal(gs_sched_set_demand(s, d, nd), GS_OK);
        }
        gs_job_spec sp;
        gs_job_spec_init(&sp);
        sp.gpus = sizes[i];
        sp.pattern = p;
        uint64_t id;
        assert_int_equal(gs_sched_submit(s, &sp, &id), GS_OK);
        assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
        uint32_t g[8];
        size_t c = 0;
        sets[i] = 0;
        if (gs_sched_alloc_gpus(s, id, 0, g, 8, &c) != GS_OK || c == 0) {
            gs_sched_cancel(s, id, 0);
            continue;
        }
        for (size_t a = 0; a < c; a++)
            sets[i] |= 1u << g[a];
        total += models(t, g, c, p).bandwidth;
    }
    gs_sched_destroy(s);
    return total;
}

/* The reference: each job takes, among the sets best for itself, the one
 * whose remainder offers the next job (its size known) the most; the
 * lowest indices last. Brute force over sets. */
/* The model of every set of an 8-GPU node. */
static void all_sets(const gs_topo *t, gs_comm_pattern p, double *val)
{
    val[0] = 0;
    for (uint32_t m = 1; m < 256; m++) {
        uint32_t g[8], k = 0;
        for (uint32_t i = 0; i < 8; i++)
            if (m >> i & 1)
                g[k++] = i;
        val[m] = models(t, g, k, p).bandwidth;
    }
}

static double reference(const double *val, uint32_t taken,
                        const uint32_t *sizes, size_t n)
{
    uint32_t free = 0xFFu & ~taken;
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t k = sizes[i];
        double best = -1, best_next = -1;
        uint32_t pick = 0;
        for (uint32_t m = 1; m < 256; m++) {
            if ((m & ~free) || (uint32_t)__builtin_popcount(m) != k)
                continue;
            double next = 0;
            if (i + 1 < n)
                for (uint32_t x = 1; x < 256; x++)
                    if (!(x & ~(free & ~m)) &&
                        (uint32_t)__builtin_popcount(x) == sizes[i + 1] &&
                        val[x] > next)
                        next = val[x];
            if (val[m] > best || (val[m] == best && next > best_next)) {
                best = val[m];
                best_next = next;
                pick = m;
            }
        }
        if (!pick)
            continue;
        free &= ~pick;
        total += best;
    }
    return total;
}

static void issue_sequences(void **state)
{
    (void)state;
    uint32_t sets[8];
    /* NV12 pairs, sizes 3,3,2: each 3-GPU job gets a pair and one more
     * GPU (Q 312) and the last job an intact pair (300), as {0,1,2}
     * {3,4,5} {6,7} does; strict NUMA gives the second job {4,5,6} or
     * {4,5,7} and the last a SYS pair (6) */
    gs_topo *t = test_topo_json(nv12_pairs);
    const uint32_t a[] = {3, 3, 2};
    double got = run_sequence(t, 0, a, 3, GS_PATTERN_ANY, true,
                              GS_NUMA_PREFER, sets);
    assert_true(got == (300 + 6 + 6) + (300 + 6 + 6) + 300);
    assert_true(sets[2] == 0x03 || sets[2] == 0x0C || sets[2] == 0x30 ||
                sets[2] == 0xC0);
    double strict = run_sequence(t, 0, a, 3, GS_PATTERN_ANY, true,
                                 GS_NUMA_STRICT, sets);
    assert_true(strict == 312 + 312 + 6);
    double off = run_sequence(t, 0, a, 3, GS_PATTERN_ANY, false,
                              GS_NUMA_PREFER, sets);
    assert_true(off == 312 + 312 + 6);
    gs_topo_destroy(t);
    /* DGX-1V with GPU 0 taken, sizes 2,3,2: the first pair is {2,3}
     * (leaving 1 for {1,5}, NV2) rather than {1,2} */
    t = load("dgx1-v100");
    const uint32_t b[] = {2, 3, 2};
    got = run_sequence(t, 1, b, 3, GS_PATTERN_ANY, true, GS_NUMA_PREFER,
                       sets);
    double without = run_sequence(t, 1, b, 3, GS_PATTERN_ANY, false,
                                  GS_NUMA_PREFER, sets);
    /* {2,3}, then {4,6,7} (Q 125, leaving {1,5}), then {1,5}: 225; without
     * the look-ahead {1,2} {5,6,7} {3,4}: 50 + 125 + 6 */
    assert_int_equal(sets[0] | sets[1] | sets[2], 0xFF & ~1u);
    assert_true(without == 50 + 125 + 6);
    got = run_sequence(t, 1, b, 3, GS_PATTERN_ANY, true, GS_NUMA_PREFER,
                       sets);
    assert_true(got == 50 + 125 + 50);
    assert_int_equal(sets[0], 0x0C);
    assert_int_equal(sets[2], 0x22);
    double val[256];
    all_sets(t, GS_PATTERN_ANY, val);
    assert_true(got >= reference(val, 1, b, 3));
    gs_topo_destroy(t);
}

/* Every sequence of sizes 1-4 with at most 8 GPUs in all, on the empty
 * node and with each single GPU taken, on five node kinds, for "any" and
 * "ring": the total is never below the reference's. */
static void sequences_never_below_reference(void **state)
{
    (void)state;
    const char *srcs[] = {"dgx1-v100", "dgx1-p100", "pcie-8gpu", nv12_pairs,
                          nv4_pairs};
    bool quick = getenv("GS_TEST_UNDER_VALGRIND") != NULL;
    int runs = 0, better = 0;
    for (size_t sidx = 0; sidx < 5; sidx++) {
        gs_topo *t = sidx < 3 ? load(srcs[sidx]) : test_topo_json(srcs[sidx]);
        for (int pi = 0; pi < 2; pi++) {
            gs_comm_pattern p = pi ? GS_PATTERN_RING : GS_PATTERN_ANY;
            double val[256];
            all_sets(t, p, val);
            for (uint32_t taken_i = 0; taken_i <= 8; taken_i += quick ? 8 : 1) {
                uint32_t taken = taken_i ? 1u << (taken_i - 1) : 0;
                /* sequences as numbers in base 4 (digit d = size d + 1) */
                for (uint32_t code = 0; code < 4 * 4 * 4; code++) {
                    uint32_t sizes[3], total = 0;
                    for (int d = 0; d < 3; d++) {
                        sizes[d] = (code >> (2 * d) & 3) + 1;
                        total += sizes[d];
                    }
                    if (total > 8 - (taken ? 1u : 0u))
                        continue;
                    if (quick && code % 7)
                        continue;
                    uint32_t sets[3];
                    double got = run_sequence(t, taken, sizes, 3, p, true,
                                              GS_NUMA_PREFER, sets);
                    double ref = reference(val, taken, sizes, 3);
                    if (got + 1e-9 < ref)
                        fail_msg("%s %s taken %x sizes %u,%u,%u: total %.3f, "
                                 "reference %.3f",
                                 sidx < 3 ? srcs[sidx] : "fixture",
                                 gs_pattern_name(p), taken, sizes[0],
                                 sizes[1], sizes[2], got, ref);
                    runs++;
                    better += got > ref + 1e-9;
                }
            }
        }
        gs_topo_destroy(t);
    }
    print_message("%d sequences, never below the reference, above it in "
                  "%d\n",
                  runs, better);
}

/* The demand learned from submissions: GPUs asked for by (size, pattern),
 * heaviest first; a job over several nodes counts per node. */
static void learned_demand(void **state)
{
    (void)state;
    gs_topo *t = load("dgx1-v100");
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    assert_int_equal(gs_sched_demand(s, NULL, 0), 0);
    const uint32_t sizes[] = {2, 2, 4, 1};
    for (size_t i = 0; i < 4; i++) {
        gs_job_spec sp;
        gs_job_spec_init(&sp);
        sp.gpus = sizes[i];
        sp.pattern = i == 2 ? GS_PATTERN_RING : GS_PATTERN_ANY;
        uint64_t id;
        assert_int_equal(gs_sched_submit(s, &sp, &id), GS_OK);
    }
    /* learned at the next step */
    assert_int_equal(gs_sched_demand(s, NULL, 0), 0);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    gs_demand_entry d[GS_MAX_DEMAND];
    size_t n = gs_sched_demand(s, d, GS_MAX_DEMAND);
    /* GPUs: 2:any 4 (two jobs) and 4:ring 4 tie, then 1:any 1 -- with the
     * decay, the later 4:ring weighs a little more */
    assert_int_equal(n, 3);
    assert_int_equal(d[0].gpus, 4);
    assert_int_equal(d[0].pattern, GS_PATTERN_RING);
    assert_int_equal(d[1].gpus, 2);
    assert_int_equal(d[2].gpus, 1);
    double sum = d[0].weight + d[1].weight + d[2].weight;
    assert_true(sum > 0.98 && sum < 1.02);
    gs_job_info ji = GS_JOB_INFO_INIT;
    assert_int_equal(gs_sched_job_info(s, 3, &ji), GS_OK);
    assert_int_equal(ji.pattern, GS_PATTERN_RING);
    int active = -1;
    assert_int_equal(gs_sched_lookahead(s, &active), GS_LOOKAHEAD_AUTO);
    assert_int_equal(active, 0); /* no demand set: the learned one is not
                                    used under auto */
    assert_int_equal(gs_sched_numa_mode(s), GS_NUMA_PREFER);
    assert_int_equal(gs_sched_set_lookahead(s, 3), GS_EINVAL);
    assert_int_equal(gs_sched_set_lookahead(s, -1), GS_EINVAL);
    assert_int_equal(gs_sched_set_lookahead(s, GS_LOOKAHEAD_ON), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* Settings survive a snapshot: NUMA mode, look-ahead, the host's demand,
 * and the jobs' patterns. */
static void settings_in_snapshots(void **state)
{
    (void)state;
    gs_topo *t = load("dgx1-v100");
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    assert_int_equal(gs_sched_set_numa_mode(s, GS_NUMA_IGNORE), GS_OK);
    gs_demand_entry d[2] = {{3, GS_PATTERN_CHAIN, 1}, {2, GS_PATTERN_ANY, 3}};
    assert_int_equal(gs_sched_set_demand(s, d, 2), GS_OK);
    gs_job_spec sp;
    gs_job_spec_init(&sp);
    sp.gpus = 3;
    sp.pattern = GS_PATTERN_CHAIN;
    uint64_t id;
    assert_int_equal(gs_sched_submit(s, &sp, &id), GS_OK);
    membuf a = {0}, b = {0};
    assert_int_equal(gs_sched_save(s, membuf_write, &a), GS_OK);
    gs_sched *r = NULL;
    assert_int_equal(gs_sched_restore_buffer(&r, t, NULL, a.p, a.n),
                     GS_OK);
    gs_demand_entry o[GS_MAX_DEMAND];
    assert_int_equal(gs_sched_demand(r, o, GS_MAX_DEMAND), 2);
    assert_int_equal(gs_sched_numa_mode(r), GS_NUMA_IGNORE);
    int active = 0;
    assert_int_equal(gs_sched_lookahead(r, &active), GS_LOOKAHEAD_AUTO);
    assert_int_equal(active, 1); /* the host's demand came back */
    assert_int_equal(o[0].gpus, 2);
    gs_job_info ji = GS_JOB_INFO_INIT;
    assert_int_equal(gs_sched_job_info(r, id, &ji), GS_OK);
    assert_int_equal(ji.pattern, GS_PATTERN_CHAIN);
    assert_int_equal(gs_sched_save(r, membuf_write, &b), GS_OK);
    assert_int_equal(a.n, b.n);
    assert_memory_equal(a.p, b.p, a.n);
    /* the same decisions after the restore */
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    assert_int_equal(gs_sched_step(r, 0, NULL), GS_OK);
    uint32_t g1[8], g2[8];
    size_t c1 = 0, c2 = 0;
    assert_int_equal(gs_sched_alloc_gpus(s, id, 0, g1, 8, &c1), GS_OK);
    assert_int_equal(gs_sched_alloc_gpus(r, id, 0, g2, 8, &c2), GS_OK);
    assert_int_equal(c1, c2);
    assert_memory_equal(g1, g2, c1 * sizeof *g1);
    free(a.p);
    free(b.p);
    gs_sched_destroy(s);
    gs_sched_destroy(r);
    gs_topo_destroy(t);
}

/* nvlink-pack's placement options set the NUMA mode and the look-ahead;
 * an unknown option or value fails the creation, naming it. */
static void placement_options(void **state)
{
    (void)state;
    gs_topo *t = test_topo_json(nv12_pairs);
    gs_sched_config cfg = GS_SCHED_CONFIG_INIT;
    cfg.placement_options = "numa=strict, lookahead=on";
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, &cfg), GS_OK);
    /* strict: the second 3-GPU job stays on socket 1 ({4,5,6} or {4,5,7}) */
    gs_demand_entry d = {2, GS_PATTERN_ANY, 1};
    assert_int_equal(gs_sched_set_demand(s, &d, 1), GS_OK);
    gs_job_spec sp;
    gs_job_spec_init(&sp);
    sp.gpus = 3;
    uint64_t a, b;
    assert_int_equal(gs_sched_submit(s, &sp, &a), GS_OK);
    assert_int_equal(gs_sched_submit(s, &sp, &b), GS_OK);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    uint32_t g[8];
    size_t c = 0;
    assert_int_equal(gs_sched_alloc_gpus(s, b, 0, g, 8, &c), GS_OK);
    assert_int_equal(c, 3);
    assert_int_equal(g[0], 4);
    assert_int_equal(g[1], 5);
    gs_sched_destroy(s);
    const char *bad[] = {"numa=sometimes", "lookahead=maybe", "depth=3",
                         "numa"};
    const char *why[] = {"numa=sometimes", "lookahead=maybe", "\"depth\"",
                         "numa="};
    for (size_t i = 0; i < 4; i++) {
        cfg.placement_options = bad[i];
        s = NULL;
        assert_int_equal(gs_sched_create(&s, t, &cfg), GS_EINVAL);
        if (!strstr(gs_sched_errmsg(s), why[i]))
            fail_msg("%s: %s", bad[i], gs_sched_errmsg(s));
        gs_sched_destroy(s);
    }
    /* other policies keep their options to themselves */
    cfg.placement = "first-fit";
    cfg.placement_options = "numa=sometimes";
    assert_int_equal(gs_sched_create(&s, t, &cfg), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* The configuration document's keys, and their errors with positions. */
static void configure_keys(void **state)
{
    (void)state;
    gs_topo *t = load("dgx1-v100");
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    const char ok[] = "{\"numa\": \"strict\", \"lookahead\": true,"
                      " \"demand\": [{\"gpus\": 2, \"pattern\": \"ring\"},"
                      " {\"gpus\": 4, \"weight\": 3}]}";
    assert_int_equal(gs_sched_configure(s, ok, sizeof ok - 1, "c.json"),
                     GS_OK);
    gs_demand_entry d[GS_MAX_DEMAND];
    assert_int_equal(gs_sched_demand(s, d, GS_MAX_DEMAND), 2);
    assert_int_equal(d[0].gpus, 4);
    assert_true(d[0].weight == 0.75);
    assert_int_equal(d[1].pattern, GS_PATTERN_RING);
    const char *bad[] = {
        "{\"numa\": \"often\"}",
        "{\"lookahead\": 1}",
        "{\"demand\": [{\"gpus\": 0}]}",
        "{\"demand\": [{\"gpus\": 2, \"pattern\": \"star\"}]}",
        "{\"demand\": [{\"gpus\": 2, \"weight\": -1}]}",
        "{\"demand\": [{\"gpus\": 2}, {\"gpus\": 2}]}",
        "{\"demand\": [{\"size\": 2}]}",
        "{\"demand\": 2}"};
    const char *where[] = {"c.json:1:10", "c.json:1:15", "c.json:1:22",
                           "c.json:1:36", "c.json:1:35", "c.json:1:26",
                           "c.json:1:14", "c.json:1:12"};
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(gs_sched_configure(s, bad[i], strlen(bad[i]),
                                            "c.json"),
                         GS_EPARSE);
        if (!strstr(gs_sched_errmsg(s), where[i]))
            fail_msg("%s: %s", bad[i], gs_sched_errmsg(s));
    }
    /* nothing changed */
    assert_int_equal(gs_sched_demand(s, d, GS_MAX_DEMAND), 2);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(issue_example),
        cmocka_unit_test(models_by_hand),
        cmocka_unit_test(across_nodes),
        cmocka_unit_test(multi_node_domain),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(against_brute_force),
        cmocka_unit_test(sixteen_exact),
        cmocka_unit_test(issue_sequences),
        cmocka_unit_test(sequences_never_below_reference),
        cmocka_unit_test(learned_demand),
        cmocka_unit_test(settings_in_snapshots),
        cmocka_unit_test(placement_options),
        cmocka_unit_test(configure_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
