/*
 * MIG geometry (mig.h): the profile tables of the NVIDIA MIG User Guide
 * (https://docs.nvidia.com/datacenter/tesla/mig-user-guide/, "Supported
 * MIG Profiles" and the -lgipp placements of "Getting Started with MIG")
 * written out here by hand; the guide's combinations (its diagrams: no two
 * profiles on one memory slot) written out by hand as the 78 maximal
 * layouts of each GPU; a brute force over every set of up to 8 placements
 * that finds the legal layouts to be exactly the sub-layouts of those 78
 * (and the maximal ones exactly those 78); the reasons of illegal
 * layouts; the text form; gs_mig_choose() on cases worked by hand and
 * against a brute-force capacity; gs_mig_gpu_find() on real model names;
 * bad arguments.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <gpusched/gpusched.h>

#include "test_support.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static bool under_valgrind(void)
{
    return getenv("GS_TEST_UNDER_VALGRIND") != NULL;
}

/* ---- the guide's tables, by hand -------------------------------------- */

typedef struct want_profile {
    const char *name;
    uint32_t compute, memory, max;
    const char *starts; /* the -lgipp set */
    int me;
    uint64_t gb;
} want_profile;

/* Tables 6, 7, 8 of "Supported MIG Profiles" (A100-80GB: Table 6 with the
 * names the note gives) and the -lgipp placements: 1g {0..6}:1, +me
 * {0..6}:1, the 1g with two slots {0,2,4,6}:2, 2g {0,2,4}:2, 3g {0,4}:4,
 * 4g {0}:4, 7g {0}:8. */
static const want_profile WANT[GS_MIG_GPU_COUNT][7] = {
    {{"1g.5gb", 1, 1, 7, "0,1,2,3,4,5,6", 0, 5},
     {"1g.5gb+me", 1, 1, 1, "0,1,2,3,4,5,6", 1, 5},
     {"1g.10gb", 1, 2, 4, "0,2,4,6", 0, 10},
     {"2g.10gb", 2, 2, 3, "0,2,4", 0, 10},
     {"3g.20gb", 3, 4, 2, "0,4", 0, 20},
     {"4g.20gb", 4, 4, 1, "0", 0, 20},
     {"7g.40gb", 7, 8, 1, "0", 0, 40}},
    {{"1g.10gb", 1, 1, 7, "0,1,2,3,4,5,6", 0, 10},
     {"1g.10gb+me", 1, 1, 1, "0,1,2,3,4,5,6", 1, 10},
     {"1g.20gb", 1, 2, 4, "0,2,4,6", 0, 20},
     {"2g.20gb", 2, 2, 3, "0,2,4", 0, 20},
     {"3g.40gb", 3, 4, 2, "0,4", 0, 40},
     {"4g.40gb", 4, 4, 1, "0", 0, 40},
     {"7g.80gb", 7, 8, 1, "0", 0, 80}},
    {{"1g.10gb", 1, 1, 7, "0,1,2,3,4,5,6", 0, 10},
     {"1g.10gb+me", 1, 1, 1, "0,1,2,3,4,5,6", 1, 10},
     {"1g.20gb", 1, 2, 4, "0,2,4,6", 0, 20},
     {"2g.20gb", 2, 2, 3, "0,2,4", 0, 20},
     {"3g.40gb", 3, 4, 2, "0,4", 0, 40},
     {"4g.40gb", 4, 4, 1, "0", 0, 40},
     {"7g.80gb", 7, 8, 1, "0", 0, 80}},
    {{"1g.18gb", 1, 1, 7, "0,1,2,3,4,5,6", 0, 18},
     {"1g.18gb+me", 1, 1, 1, "0,1,2,3,4,5,6", 1, 18},
     {"1g.35gb", 1, 2, 4, "0,2,4,6", 0, 35},
     {"2g.35gb", 2, 2, 3, "0,2,4", 0, 35},
     {"3g.71gb", 3, 4, 2, "0,4", 0, 71},
     {"4g.71gb", 4, 4, 1, "0", 0, 71},
     {"7g.141gb", 7, 8, 1, "0", 0, 141}},
};

static const char *const GPU_NAMES[GS_MIG_GPU_COUNT] = {
    "A100-40GB", "A100-80GB", "H100-80GB", "H200-141GB"};

/* ---- the guide's combinations, by hand --------------------------------- */

/*
 * The diagrams ("Profiles on A100", "... H100", "... H200"): a row of
 * boxes per profile over the 8 memory slots, a valid combination taking
 * boxes no two of which share a slot:
 *
 *   slot        0    1    2    3    4    5    6    7
 *   7g          [0 ..................................7]
 *   4g          [0 ..............3]
 *   3g          [0 ..............3] [4 ..............7]
 *   2g          [0 ..1] [2 ..3] [4 ..5]
 *   1g, 2 slots [0 ..1] [2 ..3] [4 ..5] [6 ..7]
 *   1g          [0] [1] [2] [3] [4] [5] [6]
 *
 * A combination is maximal when a 1g fits nowhere, i.e. slots 0 to 6 are
 * all taken. Those are the 7g alone, and a left half (slots 0-3: the 4g,
 * the 3g, or for each of the pairs 0-1 and 2-3 a 2g, a two-slot 1g or two
 * 1g) with a right half (slots 4-6: the 3g, or for the pair 4-5 a 2g, a
 * two-slot 1g or two 1g, and for slot 6 a two-slot 1g or a 1g):
 * 1 + (2 + 3 x 3) x (1 + 3 x 2) = 78. The same on the four GPUs, with
 * their names: S the 1g of one slot, D the 1g of two slots, T the 2g,
 * H the 3g, F the 4g, W the 7g.
 */
#define N_MAXIMAL 78
#define MAXIMAL(S, D, T, H, F, W) \
    W "@0", \
    F "@0," H "@4", \
    F "@0," T "@4," D "@6", \
    F "@0," T "@4," S "@6", \
    F "@0," D "@4," D "@6", \
    F "@0," D "@4," S "@6", \
    F "@0," S "@4," S "@5," D "@6", \
    F "@0," S "@4," S "@5," S "@6", \
    H "@0," H "@4", \
    H "@0," T "@4," D "@6", \
    H "@0," T "@4," S "@6", \
    H "@0," D "@4," D "@6", \
    H "@0," D "@4," S "@6", \
    H "@0," S "@4," S "@5," D "@6", \
    H "@0," S "@4," S "@5," S "@6", \
    T "@0," T "@2," H "@4", \
    T "@0," T "@2," T "@4," D "@6", \
    T "@0," T "@2," T "@4," S "@6", \
    T "@0," T "@2," D "@4," D "@6", \
    T "@0," T "@2," D "@4," S "@6", \
    T "@0," T "@2," S "@4," S "@5," D "@6", \
    T "@0," T "@2," S "@4," S "@5," S "@6", \
    T "@0," D "@2," H "@4", \
    T "@0," D "@2," T "@4," D "@6", \
    T "@0," D "@2," T "@4," S "@6", \
    T "@0," D "@2," D "@4," D "@6", \
    T "@0," D "@2," D "@4," S "@6", \
    T "@0," D "@2," S "@4," S "@5," D "@6", \
    T "@0," D "@2," S "@4," S "@5," S "@6", \
    T "@0," S "@2," S "@3," H "@4", \
    T "@0," S "@2," S "@3," T "@4," D "@6", \
    T "@0," S "@2," S "@3," T "@4," S "@6", \
    T "@0," S "@2," S "@3," D "@4," D "@6", \
    T "@0," S "@2," S "@3," D "@4," S "@6", \
    T "@0," S "@2," S "@3," S "@4," S "@5," D "@6", \
    T "@0," S "@2," S "@3," S "@4," S "@5," S "@6", \
    D "@0," T "@2," H "@4", \
    D "@0," T "@2," T "@4," D "@6", \
    D "@0," T "@2," T "@4," S "@6", \
    D "@0," T "@2," D "@4," D "@6", \
    D "@0," T "@2," D "@4," S "@6", \
    D "@0," T "@2," S "@4," S "@5," D "@6", \
    D "@0," T "@2," S "@4," S "@5," S "@6", \
    D "@0," D "@2," H "@4", \
    D "@0," D "@2," T "@4," D "@6", \
    D "@0," D "@2," T "@4," S "@6", \
    D "@0," D "@2," D "@4," D "@6", \
    D "@0," D "@2," D "@4," S "@6", \
    D "@0," D "@2," S "@4," S "@5," D "@6", \
    D "@0," D "@2," S "@4," S "@5," S "@6", \
    D "@0," S "@2," S "@3," H "@4", \
    D "@0," S "@2," S "@3," T "@4," D "@6", \
    D "@0," S "@2," S "@3," T "@4," S "@6", \
    D "@0," S "@2," S "@3," D "@4," D "@6", \
    D "@0," S "@2," S "@3," D "@4," S "@6", \
    D "@0," S "@2," S "@3," S "@4," S "@5," D "@6", \
    D "@0," S "@2," S "@3," S "@4," S "@5," S "@6", \
    S "@0," S "@1," T "@2," H "@4", \
    S "@0," S "@1," T "@2," T "@4," D "@6", \
    S "@0," S "@1," T "@2," T "@4," S "@6", \
    S "@0," S "@1," T "@2," D "@4," D "@6", \
    S "@0," S "@1," T "@2," D "@4," S "@6", \
    S "@0," S "@1," T "@2," S "@4," S "@5," D "@6", \
    S "@0," S "@1," T "@2," S "@4," S "@5," S "@6", \
    S "@0," S "@1," D "@2," H "@4", \
    S "@0," S "@1," D "@2," T "@4," D "@6", \
    S "@0," S "@1," D "@2," T "@4," S "@6", \
    S "@0," S "@1," D "@2," D "@4," D "@6", \
    S "@0," S "@1," D "@2," D "@4," S "@6", \
    S "@0," S "@1," D "@2," S "@4," S "@5," D "@6", \
    S "@0," S "@1," D "@2," S "@4," S "@5," S "@6", \
    S "@0," S "@1," S "@2," S "@3," H "@4", \
    S "@0," S "@1," S "@2," S "@3," T "@4," D "@6", \
    S "@0," S "@1," S "@2," S "@3," T "@4," S "@6", \
    S "@0," S "@1," S "@2," S "@3," D "@4," D "@6", \
    S "@0," S "@1," S "@2," S "@3," D "@4," S "@6", \
    S "@0," S "@1," S "@2," S "@3," S "@4," S "@5," D "@6", \
    S "@0," S "@1," S "@2," S "@3," S "@4," S "@5," S "@6",

static const char *const MAXIMAL_LAYOUTS[GS_MIG_GPU_COUNT][N_MAXIMAL] = {
    {MAXIMAL("1g.5gb", "1g.10gb", "2g.10gb", "3g.20gb", "4g.20gb",
             "7g.40gb")},
    {MAXIMAL("1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb",
             "7g.80gb")},
    {MAXIMAL("1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb",
             "7g.80gb")},
    {MAXIMAL("1g.18gb", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb",
             "7g.141gb")},
};

/* ---- the test's own view of a GPU: placements as bits ------------------ */

#define MAX_PL 32

typedef struct geo {
    gs_mig_gpu kind;
    uint32_t n_prof;
    gs_mig_profile_info prof[8];
    uint32_t n_pl;
    gs_mig_instance pl[MAX_PL]; /* every (profile, start) */
    uint32_t plain[MAX_PL];     /* the placement without +me */
    uint8_t *legal;             /* bitmap over sets of placements: the
                                 * sub-layouts of the guide's list */
    uint32_t maximal[N_MAXIMAL];
} geo;

static int32_t find_pl(const geo *g, uint32_t profile, uint32_t start)
{
    for (uint32_t i = 0; i < g->n_pl; i++)
        if (g->pl[i].profile == profile && g->pl[i].start == start)
            return (int32_t)i;
    return -1;
}

/* The test's own reading of "name@start,...": a set of placements. */
static uint32_t layout_bits(const geo *g, const char *text)
{
    uint32_t bits = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    for (char *item = strtok(buf, ","); item; item = strtok(NULL, ",")) {
        char *at = strchr(item, '@');
        assert_non_null(at);
        *at = '\0';
        uint32_t p = 0;
        while (p < g->n_prof && strcmp(g->prof[p].name, item) != 0)
            p++;
        if (p == g->n_prof)
            fail_msg("%s: no profile %s", text, item);
        int32_t i = find_pl(g, p, (uint32_t)atoi(at + 1));
        if (i < 0)
            fail_msg("%s: %s@%s is no placement", text, item, at + 1);
        if (bits & (1u << i))
            fail_msg("%s: %s@%s twice", text, item, at + 1);
        bits |= 1u << i;
    }
    return bits;
}

static bool bit_get(const uint8_t *map, uint32_t set)
{
    return (map[set >> 3] >> (set & 7)) & 1;
}

static void bit_set(uint8_t *map, uint32_t set)
{
    map[set >> 3] = (uint8_t)(map[set >> 3] | (1u << (set & 7)));
}

static void geo_init(geo *g, gs_mig_gpu kind)
{
    memset(g, 0, sizeof *g);
    g->kind = kind;
    g->n_prof = gs_mig_profile_count(kind);
    assert_int_equal(g->n_prof, 7);
    uint32_t plain_of_me[8] = {0};
    for (uint32_t p = 0; p < g->n_prof; p++) {
        assert_int_equal(gs_mig_profile_get(kind, p, &g->prof[p]), GS_OK);
        for (uint32_t k = 0; k < g->prof[p].n_starts; k++) {
            g->pl[g->n_pl].profile = p;
            g->pl[g->n_pl].start = g->prof[p].starts[k];
            g->n_pl++;
        }
    }
    assert_true(g->n_pl <= 25);
    /* the +me profile is the plain 1g with the media engines */
    for (uint32_t p = 0; p < g->n_prof; p++)
        plain_of_me[p] = p;
    plain_of_me[1] = 0;
    for (uint32_t i = 0; i < g->n_pl; i++)
        g->plain[i] = (uint32_t)find_pl(g, plain_of_me[g->pl[i].profile],
                                         g->pl[i].start);
    /* legal = a sub-layout of a listed one, with at most one of its 1g as
     * +me ("A single 1g profile can include media extensions") */
    g->legal = calloc((size_t)1 << (g->n_pl - 3), 1);
    assert_non_null(g->legal);
    for (uint32_t m = 0; m < N_MAXIMAL; m++) {
        uint32_t full = layout_bits(g, MAXIMAL_LAYOUTS[kind][m]);
        g->maximal[m] = full;
        for (uint32_t sub = full;; sub = (sub - 1) & full) {
            bit_set(g->legal, sub);
            for (uint32_t i = 0; i < g->n_pl; i++) {
                if (!(sub & (1u << i)) || g->pl[i].profile != 0)
                    continue;
                int32_t me = find_pl(g, 1, g->pl[i].start);
                bit_set(g->legal, (sub & ~(1u << i)) | (1u << me));
            }
            if (sub == 0)
                break;
        }
    }
}

static void geo_free(geo *g)
{
    free(g->legal);
}

static size_t to_inst(const geo *g, uint32_t set, gs_mig_instance *inst)
{
    size_t n = 0;
    for (uint32_t i = 0; i < g->n_pl; i++)
        if (set & (1u << i))
            inst[n++] = g->pl[i];
    return n;
}

static void show(const geo *g, uint32_t set, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (uint32_t i = 0; i < g->n_pl && o < cap; i++)
        if (set & (1u << i))
            o += (size_t)snprintf(out + o, cap - o, "%s%s@%u", o ? "," : "",
                                  g->prof[g->pl[i].profile].name,
                                  (unsigned)g->pl[i].start);
}

static bool lib_legal(const geo *g, uint32_t set)
{
    gs_mig_instance inst[MAX_PL];
    size_t n = to_inst(g, set, inst);
    return gs_mig_layout_check(g->kind, inst, n, NULL, 0) == GS_OK;
}

/* ---- (a) tables and the listed layouts ---------------------------------- */

static void tables(void **state)
{
    (void)state;
    for (unsigned k = 0; k < GS_MIG_GPU_COUNT; k++) {
        gs_mig_gpu kind = (gs_mig_gpu)k;
        assert_string_equal(gs_mig_gpu_name(kind), GPU_NAMES[k]);
        assert_int_equal(gs_mig_profile_count(kind), 7);
        for (uint32_t p = 0; p < 7; p++) {
            const want_profile *w = &WANT[k][p];
            gs_mig_profile_info info;
            assert_int_equal(gs_mig_profile_get(kind, p, &info), GS_OK);
            assert_string_equal(info.name, w->name);
            assert_int_equal(info.compute_slices, w->compute);
            assert_int_equal(info.memory_slices, w->memory);
            assert_int_equal(info.span, w->memory);
            assert_int_equal(info.max_instances, w->max);
            assert_int_equal(info.media_extensions, w->me);
            assert_true(info.memory_bytes == w->gb * 1000000000ull);
            char starts[32] = "";
            size_t o = 0;
            for (uint32_t i = 0; i < info.n_starts; i++)
                o += (size_t)snprintf(starts + o, sizeof starts - o,
                                      i ? ",%u" : "%u",
                                      (unsigned)info.starts[i]);
            assert_string_equal(starts, w->starts);
            uint32_t found = 99;
            assert_int_equal(gs_mig_profile_find(kind, w->name, &found),
                             GS_OK);
            assert_int_equal(found, p);
        }
    }
    /* names: case, "MIG " prefix; nothing else */
    uint32_t p = 99;
    assert_int_equal(gs_mig_profile_find(GS_MIG_A100_40GB, "MIG 2g.10gb",
                                         &p), GS_OK);
    assert_int_equal(p, 3);
    assert_int_equal(gs_mig_profile_find(GS_MIG_A100_40GB, "mig  1G.5GB+ME",
                                         &p), GS_OK);
    assert_int_equal(p, 1);
    assert_int_equal(gs_mig_profile_find(GS_MIG_H200_141GB, "7G.141GB", &p),
                     GS_OK);
    assert_int_equal(p, 6);
    const char *not_names[] = {"1g", "19", "2g.20gb", "1g.5gb ", " 1g.5gb",
                               "MIG", "MIG ", "MIG2g.10gb", "1g.5gb+", "",
                               "7g.40gb+me", "1c.3g.20gb"};
    for (size_t i = 0; i < sizeof not_names / sizeof *not_names; i++)
        if (gs_mig_profile_find(GS_MIG_A100_40GB, not_names[i], &p) !=
            GS_ENOTFOUND)
            fail_msg("\"%s\" found", not_names[i]);
    /* the names of one GPU are not those of another */
    assert_int_equal(gs_mig_profile_find(GS_MIG_H100_80GB, "1g.5gb", &p),
                     GS_ENOTFOUND);
}

static void listed_are_legal(void **state)
{
    (void)state;
    for (unsigned k = 0; k < GS_MIG_GPU_COUNT; k++) {
        for (unsigned m = 0; m < N_MAXIMAL; m++) {
            const char *text = MAXIMAL_LAYOUTS[k][m];
            gs_mig_instance inst[8];
            size_t n = 0;
            char why[160];
            gs_status st = gs_mig_layout_parse((gs_mig_gpu)k, text, inst, 8,
                                               &n, why, sizeof why);
            if (st != GS_OK)
                fail_msg("%s %s: %s", GPU_NAMES[k], text, why);
            assert_string_equal(why, "");
            assert_int_equal(gs_mig_layout_check((gs_mig_gpu)k, inst, n, why,
                                                 sizeof why), GS_OK);
            assert_string_equal(why, "");
            /* any order */
            gs_mig_instance rev[8];
            for (size_t i = 0; i < n; i++)
                rev[i] = inst[n - 1 - i];
            assert_int_equal(gs_mig_layout_check((gs_mig_gpu)k, rev, n, NULL,
                                                 0), GS_OK);
            /* and nothing fits beside it */
            for (uint32_t p = 0; p < 7; p++) {
                assert_int_equal(gs_mig_capacity((gs_mig_gpu)k, inst, n, p),
                                 0);
                uint32_t s = 99;
                assert_int_equal(gs_mig_choose((gs_mig_gpu)k, inst, n, p,
                                               NULL, &s), GS_ENORES);
                assert_int_equal(s, 99);
            }
        }
    }
    /* the 78 are distinct */
    for (unsigned k = 0; k < GS_MIG_GPU_COUNT; k++) {
        geo g;
        geo_init(&g, (gs_mig_gpu)k);
        for (unsigned a = 0; a < N_MAXIMAL; a++)
            for (unsigned b = a + 1; b < N_MAXIMAL; b++)
                assert_true(g.maximal[a] != g.maximal[b]);
        geo_free(&g);
    }
}

/* ---- (b) brute force ------------------------------------------------- */

typedef struct walk {
    const geo *g;
    gs_mig_instance inst[9];
    uint64_t sets, legal;
} walk;

/* Every set of up to 8 placements, each checked by the library (in index
 * order) against the bitmap. 8: every placement takes a slot of 0 to 6,
 * so 8 of them always share one. */
static void walk_sets(walk *w, uint32_t from, uint32_t set, size_t n)
{
    const geo *g = w->g;
    bool want = bit_get(g->legal, set);
    gs_status st = gs_mig_layout_check(g->kind, w->inst, n, NULL, 0);
    w->sets++;
    if ((st == GS_OK) != want) {
        char text[256], why[160];
        show(g, set, text, sizeof text);
        gs_mig_layout_check(g->kind, w->inst, n, why, sizeof why);
        fail_msg("%s %s: library says %s (%s), the guide's list %s",
                 GPU_NAMES[g->kind], text, st == GS_OK ? "legal" : "illegal",
                 why, want ? "legal" : "illegal");
    }
    if (st != GS_OK && st != GS_EINVAL)
        fail_msg("status %d", (int)st);
    w->legal += want;
    if (n == 8)
        return;
    for (uint32_t i = from; i < g->n_pl; i++) {
        w->inst[n] = g->pl[i];
        walk_sets(w, i + 1, set | (1u << i), n + 1);
    }
}

static void brute_force(void **state)
{
    (void)state;
    for (unsigned k = 0; k < GS_MIG_GPU_COUNT; k++) {
        /* valgrind: the A100-40GB only (the geometry is the same) */
        if (k > 0 && under_valgrind())
            break;
        geo g;
        geo_init(&g, (gs_mig_gpu)k);
        walk w = {.g = &g};
        walk_sets(&w, 0, 0, 0);
        /* sum over j <= 8 of C(25, j) */
        assert_int_equal(w.sets, 1807781);
        /* the legal ones: 2319 (counted by a separate script) */
        assert_int_equal(w.legal, 2319);
        /* the legal sets without +me to which no placement can be added
         * are exactly the listed 78 */
        uint32_t n_max = 0;
        for (uint32_t set = 0; set < (1u << g.n_pl); set++) {
            if (!bit_get(g.legal, set))
                continue;
            assert_true(lib_legal(&g, set));
            bool plain = true, more = false;
            for (uint32_t i = 0; i < g.n_pl; i++) {
                if ((set & (1u << i)) && g.pl[i].profile == 1)
                    plain = false;
                if (!(set & (1u << i)) && lib_legal(&g, set | (1u << i)))
                    more = true;
            }
            if (!plain || more)
                continue;
            bool listed = false;
            for (unsigned m = 0; m < N_MAXIMAL; m++)
                listed |= g.maximal[m] == set;
            if (!listed) {
                char text[256];
                show(&g, set, text, sizeof text);
                fail_msg("%s: maximal but not listed: %s", GPU_NAMES[k],
                         text);
            }
            n_max++;
            /* a placement twice (a multiset) is never legal */
            gs_mig_instance inst[10];
            size_t n = to_inst(&g, set, inst);
            for (size_t i = 0; i < n; i++) {
                inst[n] = inst[i];
                assert_int_equal(gs_mig_layout_check(g.kind, inst, n + 1,
                                                     NULL, 0), GS_EINVAL);
            }
        }
        assert_int_equal(n_max, N_MAXIMAL);
        geo_free(&g);
    }
}

/* ---- (c) illegal layouts and their reasons ----------------------------- */

typedef struct bad_case {
    gs_mig_gpu kind;
    const char *layout; /* name@start items, read by the test */
    const char *why;    /* the whole reason */
} bad_case;

static void illegal(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        /* overlap, the brief's example */
        {GS_MIG_A100_40GB, "1g.5gb@0,3g.20gb@4,1g.5gb@1,2g.10gb@4",
         "instance 3 (2g.10gb@4) overlaps instance 1 (3g.20gb@4) on memory "
         "slot 4"},
        /* the lowest slot shared is named */
        {GS_MIG_H100_80GB, "1g.10gb@5,2g.20gb@0,3g.40gb@4",
         "instance 2 (3g.40gb@4) overlaps instance 0 (1g.10gb@5) on memory "
         "slot 5"},
        {GS_MIG_H200_141GB, "1g.35gb@6,7g.141gb@0",
         "instance 1 (7g.141gb@0): compute slices would total 8, more than "
         "7"},
        /* bad start */
        {GS_MIG_A100_40GB, "3g.20gb@2",
         "instance 0 (3g.20gb@2): 2 is not a legal start of 3g.20gb (legal: "
         "0,4)"},
        {GS_MIG_A100_80GB, "2g.20gb@0,2g.20gb@6",
         "instance 1 (2g.20gb@6): 6 is not a legal start of 2g.20gb (legal: "
         "0,2,4)"},
        {GS_MIG_H100_80GB, "1g.10gb@7",
         "instance 0 (1g.10gb@7): 7 is not a legal start of 1g.10gb (legal: "
         "0,1,2,3,4,5,6)"},
        {GS_MIG_H100_80GB, "1g.20gb@1",
         "instance 0 (1g.20gb@1): 1 is not a legal start of 1g.20gb (legal: "
         "0,2,4,6)"},
        {GS_MIG_A100_40GB, "4g.20gb@4",
         "instance 0 (4g.20gb@4): 4 is not a legal start of 4g.20gb (legal: "
         "0)"},
        /* too many compute slices (before the overlap is looked at) */
        {GS_MIG_A100_40GB, "7g.40gb@0,1g.5gb@0",
         "instance 1 (1g.5gb@0): compute slices would total 8, more than 7"},
        {GS_MIG_A100_80GB, "4g.40gb@0,3g.40gb@4,1g.10gb@0",
         "instance 2 (1g.10gb@0): compute slices would total 8, more than "
         "7"},
        /* a second +me */
        {GS_MIG_A100_40GB, "1g.5gb+me@0,1g.5gb@1,1g.5gb+me@2",
         "instance 2 (1g.5gb+me@2): a second instance with media extensions "
         "after instance 0 (1g.5gb+me@0); a GPU has one"},
        {GS_MIG_H200_141GB, "1g.18gb+me@6,1g.18gb+me@6",
         "instance 1 (1g.18gb+me@6): a second instance with media "
         "extensions after instance 0 (1g.18gb+me@6); a GPU has one"},
        /* max count */
        {GS_MIG_A100_40GB, "3g.20gb@0,3g.20gb@4,3g.20gb@0",
         "instance 2 (3g.20gb@0): 3g.20gb allows at most 2 per GPU"},
        {GS_MIG_H100_80GB, "4g.40gb@0,4g.40gb@0",
         "instance 1 (4g.40gb@0): 4g.40gb allows at most 1 per GPU"},
        {GS_MIG_A100_80GB, "1g.20gb@0,1g.20gb@2,1g.20gb@4,1g.20gb@6,"
                           "1g.20gb@0",
         "instance 4 (1g.20gb@0): 1g.20gb allows at most 4 per GPU"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const gs_mig_gpu kind = cases[c].kind;
        /* read the items here: a placement may repeat */
        gs_mig_instance inst[8];
        size_t n = 0;
        char buf[256];
        snprintf(buf, sizeof buf, "%s", cases[c].layout);
        for (char *it = strtok(buf, ","); it; it = strtok(NULL, ",")) {
            char *at = strchr(it, '@');
            *at = '\0';
            assert_int_equal(gs_mig_profile_find(kind, it,
                                                 &inst[n].profile), GS_OK);
            inst[n++].start = (uint32_t)atoi(at + 1);
        }
        char why[200];
        memset(why, 'x', sizeof why);
        assert_int_equal(gs_mig_layout_check(kind, inst, n, why,
                                             sizeof why), GS_EINVAL);
        if (strcmp(why, cases[c].why) != 0)
            fail_msg("%s %s:\n got  %s\n want %s", GPU_NAMES[kind],
                     cases[c].layout, why, cases[c].why);
        /* the same layout as text: the same rule, named by column */
        size_t m = 9;
        assert_int_equal(gs_mig_layout_parse(kind, cases[c].layout, inst,
                                             8, &m, why, sizeof why),
                         GS_EINVAL);
        assert_int_equal(m, 0);
        assert_non_null(strstr(why, "column "));
    }
    /* a profile number out of range */
    gs_mig_instance x[2] = {{0, 0}, {7, 0}};
    char why[120];
    assert_int_equal(gs_mig_layout_check(GS_MIG_A100_40GB, x, 2, why,
                                         sizeof why), GS_EINVAL);
    assert_string_equal(why, "instance 1: profile 7 is not a profile of "
                             "A100-40GB (0 to 6)");
    x[1].profile = UINT32_MAX;
    assert_int_equal(gs_mig_layout_check(GS_MIG_A100_40GB, x, 2, NULL, 0),
                     GS_EINVAL);
    x[1] = (gs_mig_instance){6, UINT32_MAX};
    assert_int_equal(gs_mig_layout_check(GS_MIG_A100_40GB, x, 2, why,
                                         sizeof why), GS_EINVAL);
    assert_non_null(strstr(why, "4294967295 is not a legal start"));
    /* the reason is cut to why_len, NUL-terminated; why_len 0 writes
     * nothing */
    x[1] = (gs_mig_instance){0, 0};
    char small[12];
    assert_int_equal(gs_mig_layout_check(GS_MIG_A100_40GB, x, 2, small,
                                         sizeof small), GS_EINVAL);
    assert_string_equal(small, "instance 1 ");
    small[0] = '#';
    assert_int_equal(gs_mig_layout_check(GS_MIG_A100_40GB, x, 2, small, 0),
                     GS_EINVAL);
    assert_int_equal(small[0], '#');
    /* 4g + 3g: not supported before R510, legal since (the guide's note) */
    assert_int_equal(gs_mig_layout_check(GS_MIG_A100_40GB,
                                         (gs_mig_instance[]){{5, 0}, {4, 4}},
                                         2, NULL, 0), GS_OK);
    /* the brief's sizes: a 1g.10gb of the A100-40GB takes two slots */
    assert_int_equal(gs_mig_layout_check(GS_MIG_A100_40GB,
                                         (gs_mig_instance[]){{2, 0}, {0, 1}},
                                         2, why, sizeof why), GS_EINVAL);
    assert_string_equal(why, "instance 1 (1g.5gb@1) overlaps instance 0 "
                             "(1g.10gb@0) on memory slot 1");
}

/* ---- (d) text ------------------------------------------------------- */

static void round_trips(void **state)
{
    (void)state;
    for (unsigned k = 0; k < GS_MIG_GPU_COUNT; k++) {
        geo g;
        geo_init(&g, (gs_mig_gpu)k);
        for (unsigned m = 0; m < N_MAXIMAL; m++) {
            const char *text = MAXIMAL_LAYOUTS[k][m];
            gs_mig_instance inst[8];
            size_t n = 0;
            assert_int_equal(gs_mig_layout_parse(g.kind, text, inst, 8, &n,
                                                 NULL, 0), GS_OK);
            /* the library's reading is the test's */
            gs_mig_instance mine[8];
            size_t n2 = to_inst(&g, layout_bits(&g, text), mine);
            assert_int_equal(n, n2);
            char out[128];
            size_t len = 0;
            assert_int_equal(gs_mig_layout_format(g.kind, inst, n, out,
                                                  sizeof out, &len), GS_OK);
            assert_string_equal(out, text);
            assert_int_equal(len, strlen(text));
            /* exactly big enough, one too small */
            char *exact = malloc(len + 1);
            assert_non_null(exact);
            assert_int_equal(gs_mig_layout_format(g.kind, inst, n, exact,
                                                  len + 1, NULL), GS_OK);
            assert_string_equal(exact, text);
            size_t len2 = 0;
            assert_int_equal(gs_mig_layout_format(g.kind, inst, n, exact,
                                                  len, &len2), GS_ENOSPC);
            assert_int_equal(len2, len);
            assert_string_equal(exact, "");
            free(exact);
            /* without the starts: every listed layout here has its items
             * at the lowest start left, so they come back the same */
            char bare[128];
            size_t o = 0;
            for (size_t i = 0; i < n; i++)
                o += (size_t)snprintf(bare + o, sizeof bare - o, "%s%s",
                                      i ? " , " : "  ",
                                      g.prof[inst[i].profile].name);
            gs_mig_instance again[8];
            size_t n3 = 0;
            assert_int_equal(gs_mig_layout_parse(g.kind, bare, again, 8, &n3,
                                                 NULL, 0), GS_OK);
            assert_int_equal(gs_mig_layout_format(g.kind, again, n3, out,
                                                  sizeof out, NULL), GS_OK);
            if (strcmp(out, text) != 0)
                fail_msg("%s: %s came back as %s", text, bare, out);
        }
        geo_free(&g);
    }
}

typedef struct parse_case {
    gs_mig_gpu kind;
    const char *text;
    gs_status status;
    const char *result; /* GS_OK: formatted; else the reason */
} parse_case;

static void parsing(void **state)
{
    (void)state;
    static const parse_case cases[] = {
        {GS_MIG_H100_80GB, "3g.40gb,2g.20gb,1g.10gb", GS_OK,
         "3g.40gb@0,2g.20gb@4,1g.10gb@6"},
        {GS_MIG_H100_80GB, "3g.40gb@0,2g.20gb@4,1g.10gb@6", GS_OK,
         "3g.40gb@0,2g.20gb@4,1g.10gb@6"},
        /* lowest legal start in order of appearance */
        {GS_MIG_A100_40GB, "1g.5gb@0,1g.10gb,2g.10gb,1g.5gb,1g.10gb", GS_OK,
         "1g.5gb@0,1g.10gb@2,2g.10gb@4,1g.5gb@1,1g.10gb@6"},
        {GS_MIG_H100_80GB, " 3G.40GB @ 4 ,\t4g.40gb ", GS_OK,
         "3g.40gb@4,4g.40gb@0"},
        {GS_MIG_H200_141GB, "", GS_OK, ""},
        {GS_MIG_H200_141GB, "  \t ", GS_OK, ""},
        {GS_MIG_H200_141GB, "1g.18gb+me,1g.18gb,1g.18gb", GS_OK,
         "1g.18gb+me@0,1g.18gb@1,1g.18gb@2"},
        /* syntax */
        {GS_MIG_H100_80GB, "3g.40gb@0,,1g.10gb", GS_EPARSE,
         "column 11: empty item"},
        {GS_MIG_H100_80GB, "1g.10gb,", GS_EPARSE, "column 9: empty item"},
        {GS_MIG_H100_80GB, ",1g.10gb", GS_EPARSE, "column 1: empty item"},
        {GS_MIG_H100_80GB, "3g.40gb@0,5g.50gb@4", GS_EPARSE,
         "column 11: \"5g.50gb\" is not a profile of H100-80GB"},
        {GS_MIG_H100_80GB, "1g.5gb", GS_EPARSE,
         "column 1: \"1g.5gb\" is not a profile of H100-80GB"},
        {GS_MIG_H100_80GB, "3g.40gb@0, 2g.20gb@x", GS_EPARSE,
         "column 12: expected a start (digits) after '@'"},
        {GS_MIG_H100_80GB, "3g.40gb@-4", GS_EPARSE,
         "column 1: expected a start (digits) after '@'"},
        {GS_MIG_H100_80GB, "3g.40gb@0,2g.20gb@4x", GS_EPARSE,
         "column 11: unexpected 'x' in the item (items are name or "
         "name@start, separated by commas)"},
        {GS_MIG_H100_80GB, "3g.40gb 2g.20gb", GS_EPARSE,
         "column 1: unexpected '2' in the item (items are name or "
         "name@start, separated by commas)"},
        {GS_MIG_H100_80GB, "1g.10gb@0,@3", GS_EPARSE,
         "column 11: no profile name before '@'"},
        {GS_MIG_H100_80GB, "1g.10gb@99999999999", GS_EPARSE,
         "column 1: start out of range"},
        {GS_MIG_A100_40GB, "1g.5gb@1,\xff", GS_EPARSE,
         "column 10: \"\\xff\" is not a profile of A100-40GB"},
        /* rules */
        {GS_MIG_H100_80GB, "3g.40gb@4,2g.20gb@4", GS_EINVAL,
         "column 11: 2g.20gb@4 overlaps 3g.40gb@4 (column 1) on memory slot "
         "4"},
        {GS_MIG_H100_80GB, "1g.10gb@7", GS_EINVAL,
         "column 1: 1g.10gb@7: 7 is not a legal start of 1g.10gb (legal: "
         "0,1,2,3,4,5,6)"},
        {GS_MIG_H100_80GB, "3g.40gb,3g.40gb,3g.40gb", GS_EINVAL,
         "column 17: 3g.40gb: 3g.40gb allows at most 2 per GPU"},
        {GS_MIG_H100_80GB, "3g.40gb,2g.20gb,2g.20gb", GS_EINVAL,
         "column 17: 2g.20gb fits at none of its starts (0,2,4): memory "
         "slots taken"},
        /* 4 + 2 + 2 compute slices: that rule first */
        {GS_MIG_H100_80GB, "4g.40gb,2g.20gb,2g.20gb", GS_EINVAL,
         "column 17: 2g.20gb: compute slices would total 8, more than 7"},
        {GS_MIG_A100_40GB, "1g.5gb+me, 1g.5gb+me", GS_EINVAL,
         "column 12: 1g.5gb+me: a second instance with media extensions "
         "after 1g.5gb+me@0 (column 1); a GPU has one"},
        {GS_MIG_A100_40GB, "7g.40gb,1g.5gb", GS_EINVAL,
         "column 9: 1g.5gb: compute slices would total 8, more than 7"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        gs_mig_instance inst[8];
        size_t n = 77;
        char why[200];
        gs_status st = gs_mig_layout_parse(cases[c].kind, cases[c].text,
                                           inst, 8, &n, why, sizeof why);
        if (st != cases[c].status)
            fail_msg("\"%s\": %s (%s), want %s", cases[c].text,
                     gs_status_name(st), why,
                     gs_status_name(cases[c].status));
        if (st == GS_OK) {
            assert_string_equal(why, "");
            char out[128];
            assert_int_equal(gs_mig_layout_format(cases[c].kind, inst, n,
                                                  out, sizeof out, NULL),
                             GS_OK);
            assert_string_equal(out, cases[c].result);
        } else {
            assert_int_equal(n, 0);
            if (strcmp(why, cases[c].result) != 0)
                fail_msg("\"%s\":\n got  %s\n want %s", cases[c].text, why,
                         cases[c].result);
        }
    }
    /* capacity of the array */
    gs_mig_instance inst[3];
    size_t n = 5;
    char why[120];
    assert_int_equal(gs_mig_layout_parse(GS_MIG_H100_80GB,
                                         "1g.10gb,1g.10gb,1g.10gb", inst, 2,
                                         &n, why, sizeof why), GS_ENOSPC);
    assert_int_equal(n, 0);
    assert_string_equal(why, "column 17: more than 2 instances (the capacity "
                             "given)");
    assert_int_equal(gs_mig_layout_parse(GS_MIG_H100_80GB, "", NULL, 0, &n,
                                         why, sizeof why), GS_OK);
    assert_int_equal(n, 0);
    assert_int_equal(gs_mig_layout_parse(GS_MIG_H100_80GB, "1g.10gb", NULL,
                                         0, &n, why, sizeof why), GS_ENOSPC);
    /* an illegal layout is not formatted */
    char out[64] = "zz";
    size_t len = 9;
    gs_mig_instance two[2] = {{4, 0}, {4, 0}};
    assert_int_equal(gs_mig_layout_format(GS_MIG_A100_40GB, two, 2, out,
                                          sizeof out, &len), GS_EINVAL);
    assert_string_equal(out, "");
    assert_int_equal(len, 0);
    assert_int_equal(gs_mig_layout_format(GS_MIG_A100_40GB, NULL, 0, out,
                                          sizeof out, &len), GS_OK);
    assert_string_equal(out, "");
    assert_int_equal(len, 0);
    assert_int_equal(gs_mig_layout_format(GS_MIG_A100_40GB, two, 1, NULL, 0,
                                          &len), GS_ENOSPC);
    assert_int_equal(len, strlen("3g.20gb@0"));
}

/* ---- (e) choose -------------------------------------------------------- */

static size_t read_layout(gs_mig_gpu kind, const char *text,
                          gs_mig_instance *inst)
{
    size_t n = 0;
    char why[160];
    if (gs_mig_layout_parse(kind, text, inst, 8, &n, why, sizeof why) !=
        GS_OK)
        fail_msg("%s: %s", text, why);
    return n;
}

/*
 * An empty A100-40GB, a 1g.5gb to place, every weight 1. What each start
 * leaves, profile by profile (1g.5gb, +me, 1g.10gb, 2g.10gb, 3g.20gb,
 * 4g.20gb, 7g.40gb: the most instances of each that could still be made):
 *   start 0: 6 (slots 1-6), 1, 3 (@2,4,6), 2 (@2,4), 1 (@4), 0, 0 = 13
 *   start 1: 6, 1, 3 (@2,4,6), 2 (@2,4), 1 (@4), 0, 0               = 13
 *   start 2: 6, 1, 3 (@0,4,6), 2 (@0,4), 1 (@4), 0, 0               = 13
 *   start 3: as start 2                                              = 13
 *   start 4: 6, 1, 3 (@0,2,6), 2 (@0,2), 1 (@0), 1, 0               = 14
 *   start 5: as start 4                                              = 14
 *   start 6: 6, 1, 3 (@0,2,4), 3 (@0,2,4), 1 (@0), 1, 0             = 15
 * Starts 4, 5 and 6 keep both a 3g.20gb and the 4g.20gb possible; 6 also
 * keeps three 2g.10gb: it wins.
 */
static void choose_by_hand(void **state)
{
    (void)state;
    const gs_mig_gpu a40 = GS_MIG_A100_40GB;
    static const uint32_t want[7][7] = {
        {6, 1, 3, 2, 1, 0, 0}, {6, 1, 3, 2, 1, 0, 0}, {6, 1, 3, 2, 1, 0, 0},
        {6, 1, 3, 2, 1, 0, 0}, {6, 1, 3, 2, 1, 1, 0}, {6, 1, 3, 2, 1, 1, 0},
        {6, 1, 3, 3, 1, 1, 0}};
    for (uint32_t s = 0; s < 7; s++) {
        gs_mig_instance one = {0, s};
        for (uint32_t p = 0; p < 7; p++)
            if (gs_mig_capacity(a40, &one, 1, p) != want[s][p])
                fail_msg("start %u profile %u: %u, want %u", (unsigned)s,
                         (unsigned)p, (unsigned)gs_mig_capacity(a40, &one,
                                                                 1, p),
                         (unsigned)want[s][p]);
    }
    /* the empty GPU */
    static const uint32_t empty[7] = {7, 1, 4, 3, 2, 1, 1};
    for (uint32_t p = 0; p < 7; p++)
        assert_int_equal(gs_mig_capacity(a40, NULL, 0, p), empty[p]);
    uint32_t start = 99;
    assert_int_equal(gs_mig_choose(a40, NULL, 0, 0, NULL, &start), GS_OK);
    assert_int_equal(start, 6);
    /* the same with the +me profile */
    assert_int_equal(gs_mig_choose(a40, NULL, 0, 1, NULL, &start), GS_OK);
    assert_int_equal(start, 6);
    /* only the 3g.20gb counts: every start leaves one, the lowest wins */
    double w3[7] = {0, 0, 0, 0, 1, 0, 0};
    assert_int_equal(gs_mig_choose(a40, NULL, 0, 0, w3, &start), GS_OK);
    assert_int_equal(start, 0);
    /* only the 4g.20gb counts: starts 0-3 leave none, 4 is the first */
    double w4[7] = {0, 0, 0, 0, 0, 1, 0};
    assert_int_equal(gs_mig_choose(a40, NULL, 0, 0, w4, &start), GS_OK);
    assert_int_equal(start, 4);
    /* all weights 0: every start ties */
    double w0[7] = {0};
    assert_int_equal(gs_mig_choose(a40, NULL, 0, 3, w0, &start), GS_OK);
    assert_int_equal(start, 0);

    /*
     * H100 with 4g.40gb@0, a 1g.10gb to place (slots 4, 5, 6 free):
     *   start 4 leaves 5,6,7: 1g.10gb 2, +me 1, 1g.20gb 1 (@6)      = 4
     *   start 5 leaves 4,6,7: 2, 1, 1 (@6)                           = 4
     *   start 6 leaves 4,5,7: 2, 1, 1 (@4), 2g.20gb 1 (@4)           = 5
     */
    const gs_mig_gpu h = GS_MIG_H100_80GB;
    gs_mig_instance inst[8];
    size_t n = read_layout(h, "4g.40gb@0", inst);
    assert_int_equal(gs_mig_choose(h, inst, n, 0, NULL, &start), GS_OK);
    assert_int_equal(start, 6);
    /* a 1g.20gb there: @4 leaves slots 6, 7: 1g.10gb 1 (@6), +me 1,
     * 1g.20gb 1 (@6) = 3; @6 leaves 4, 5: 1g.10gb 2, +me 1, 1g.20gb 1
     * (@4), 2g.20gb 1 (@4) = 5 */
    assert_int_equal(gs_mig_choose(h, inst, n, 2, NULL, &start), GS_OK);
    assert_int_equal(start, 6);
    /* a 3g.40gb fits only at 4 */
    assert_int_equal(gs_mig_choose(h, inst, n, 4, NULL, &start), GS_OK);
    assert_int_equal(start, 4);
    /* none fits: full, or the media extensions taken */
    n = read_layout(h, "7g.80gb@0", inst);
    for (uint32_t p = 0; p < 7; p++) {
        start = 99;
        assert_int_equal(gs_mig_choose(h, inst, n, p, NULL, &start),
                         GS_ENORES);
        assert_int_equal(start, 99);
    }
    n = read_layout(h, "1g.10gb+me@3", inst);
    assert_int_equal(gs_mig_choose(h, inst, n, 1, NULL, &start), GS_ENORES);
    assert_int_equal(gs_mig_capacity(h, inst, n, 1), 0);
    assert_int_equal(gs_mig_capacity(h, inst, n, 0), 6);
    /* 4g + 3g: nothing else, and no second 3g anywhere */
    n = read_layout(h, "3g.40gb@4", inst);
    assert_int_equal(gs_mig_choose(h, inst, n, 5, NULL, &start), GS_OK);
    assert_int_equal(start, 0);
    n = read_layout(GS_MIG_H200_141GB, "4g.71gb,3g.71gb", inst);
    assert_int_equal(gs_mig_choose(GS_MIG_H200_141GB, inst, n, 4, NULL,
                                   &start), GS_ENORES);
    /* big weights add up to infinity: a tie, the lowest start */
    double big[7] = {1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308};
    assert_int_equal(gs_mig_choose(a40, NULL, 0, 0, big, &start), GS_OK);
    assert_int_equal(start, 0);
}

/* The test's own capacity: the largest set of placements of profile q
 * that, added to set, is a listed sub-layout. */
static uint32_t my_capacity(const geo *g, uint32_t set, uint32_t q)
{
    uint32_t pls[8], k = 0;
    for (uint32_t i = 0; i < g->n_pl; i++)
        if (g->pl[i].profile == q && !(set & (1u << i)))
            pls[k++] = i;
    uint32_t best = 0;
    for (uint32_t sub = 0; sub < (1u << k); sub++) {
        uint32_t add = 0, cnt = 0;
        for (uint32_t j = 0; j < k; j++)
            if (sub & (1u << j)) {
                add |= 1u << pls[j];
                cnt++;
            }
        if (cnt > best && bit_get(g->legal, set | add))
            best = cnt;
    }
    return best;
}

/* gs_mig_choose and gs_mig_capacity on every legal layout of the
 * A100-40GB and every profile, against the test's brute force, with
 * weights 1 and with uneven weights. */
static void choose_brute_force(void **state)
{
    (void)state;
    geo g;
    geo_init(&g, GS_MIG_A100_40GB);
    static const double uneven[7] = {0.5, 0.25, 1, 2, 3.5, 4, 8};
    uint32_t layouts = 0;
    for (uint32_t set = 0; set < (1u << g.n_pl); set++) {
        if (!bit_get(g.legal, set))
            continue;
        layouts++;
        if (under_valgrind() && layouts % 16)
            continue;
        gs_mig_instance inst[8];
        size_t n = to_inst(&g, set, inst);
        for (uint32_t p = 0; p < g.n_prof; p++) {
            assert_int_equal(gs_mig_capacity(g.kind, inst, n, p),
                             my_capacity(&g, set, p));
            for (int wi = 0; wi < 2; wi++) {
                const double *w = wi ? uneven : NULL;
                bool found = false;
                double best = 0;
                uint32_t best_start = 0;
                for (uint32_t i = 0; i < g.n_pl; i++) {
                    if (g.pl[i].profile != p || (set & (1u << i)) ||
                        !bit_get(g.legal, set | (1u << i)))
                        continue;
                    double v = 0;
                    for (uint32_t q = 0; q < g.n_prof; q++)
                        v += (w ? w[q] : 1.0) *
                             (double)my_capacity(&g, set | (1u << i), q);
                    if (!found || v > best) {
                        found = true;
                        best = v;
                        best_start = g.pl[i].start;
                    }
                }
                uint32_t start = 99;
                gs_status st = gs_mig_choose(g.kind, inst, n, p, w, &start);
                if (!found) {
                    assert_int_equal(st, GS_ENORES);
                    continue;
                }
                assert_int_equal(st, GS_OK);
                if (start != best_start) {
                    char text[256];
                    show(&g, set, text, sizeof text);
                    fail_msg("%s + %s: start %u, want %u", text,
                             g.prof[p].name, (unsigned)start,
                             (unsigned)best_start);
                }
            }
        }
    }
    assert_int_equal(layouts, 2319);
    geo_free(&g);
}

/* ---- (f) which GPU ------------------------------------------------------ */

typedef struct find_case {
    const char *model;
    uint64_t mib; /* memory in MiB as NVML reports it; 0: unknown */
    gs_status status;
    gs_mig_gpu kind;
} find_case;

static void gpu_find(void **state)
{
    (void)state;
    static const find_case cases[] = {
        {"NVIDIA A100-SXM4-40GB", 0, GS_OK, GS_MIG_A100_40GB},
        {"NVIDIA A100-SXM4-40GB", 40960, GS_OK, GS_MIG_A100_40GB},
        {"NVIDIA A100-PCIE-40GB", 40536, GS_OK, GS_MIG_A100_40GB},
        {"A100-SXM4-40GB", 0, GS_OK, GS_MIG_A100_40GB},
        {"NVIDIA A100-SXM4-80GB", 0, GS_OK, GS_MIG_A100_80GB},
        {"NVIDIA A100-SXM4-80GB", 81920, GS_OK, GS_MIG_A100_80GB},
        {"NVIDIA A100 80GB PCIe", 0, GS_OK, GS_MIG_A100_80GB},
        {"A100-PCIE-80GB", 0, GS_OK, GS_MIG_A100_80GB},
        {"nvidia a100-sxm4-80gb", 0, GS_OK, GS_MIG_A100_80GB},
        {"NVIDIA A100", 81251, GS_OK, GS_MIG_A100_80GB},
        {"NVIDIA A100", 0, GS_ENOTFOUND, GS_MIG_A100_40GB},
        {"NVIDIA A100", 16384, GS_ENOTFOUND, GS_MIG_A100_40GB},
        /* the memory decides */
        {"NVIDIA A100-SXM4-40GB", 81920, GS_OK, GS_MIG_A100_80GB},
        {"NVIDIA H100 80GB HBM3", 0, GS_OK, GS_MIG_H100_80GB},
        {"NVIDIA H100 80GB HBM3", 81559, GS_OK, GS_MIG_H100_80GB},
        {"NVIDIA H100 PCIe", 0, GS_OK, GS_MIG_H100_80GB},
        {"NVIDIA H100 PCIe", 81559, GS_OK, GS_MIG_H100_80GB},
        {"H100-SXM5-80GB", 0, GS_OK, GS_MIG_H100_80GB},
        {"H100-PCIE-80GB", 0, GS_OK, GS_MIG_H100_80GB},
        {"NVIDIA H100 NVL", 0, GS_ENOTFOUND, GS_MIG_A100_40GB},
        {"NVIDIA H100 NVL", 95830, GS_ENOTFOUND, GS_MIG_A100_40GB},
        {"NVIDIA H100", 95830, GS_ENOTFOUND, GS_MIG_A100_40GB},
        {"H100-SXM5-94GB", 0, GS_ENOTFOUND, GS_MIG_A100_40GB},
        {"NVIDIA H200", 0, GS_OK, GS_MIG_H200_141GB},
        {"NVIDIA H200", 143771, GS_OK, GS_MIG_H200_141GB},
        {"NVIDIA H200 NVL", 0, GS_OK, GS_MIG_H200_141GB},
        {"NVIDIA H200 141GB HBM3e", 0, GS_OK, GS_MIG_H200_141GB},
        {"NVIDIA GH200 480GB", 0, GS_ENOTFOUND, GS_MIG_A100_40GB},
        {"NVIDIA GH200 480GB", 97871, GS_ENOTFOUND, GS_MIG_A100_40GB},
        {"NVIDIA A10", 0, GS_ENOTFOUND, GS_MIG_A100_40GB},
        {"NVIDIA RTX A1000", 0, GS_ENOTFOUND, GS_MIG_A100_40GB},
        {"NVIDIA A100X", 0, GS_ENOTFOUND, GS_MIG_A100_40GB},
        {"NVIDIA A30", 24576, GS_ENOTFOUND, GS_MIG_A100_40GB},
        {"NVIDIA B200", 0, GS_ENOTFOUND, GS_MIG_A100_40GB},
        {"Tesla V100-SXM2-32GB", 0, GS_ENOTFOUND, GS_MIG_A100_40GB},
        {"NVIDIA H20", 0, GS_ENOTFOUND, GS_MIG_A100_40GB},
        {"", 0, GS_ENOTFOUND, GS_MIG_A100_40GB},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        gs_mig_gpu kind = (gs_mig_gpu)77;
        gs_status st = gs_mig_gpu_find(cases[c].model,
                                       cases[c].mib * 1048576ull, &kind);
        if (st != cases[c].status ||
            (st == GS_OK && kind != cases[c].kind))
            fail_msg("\"%s\" %llu MiB: %s %s", cases[c].model,
                     (unsigned long long)cases[c].mib, gs_status_name(st),
                     st == GS_OK ? gs_mig_gpu_name(kind) : "");
        if (st != GS_OK)
            assert_int_equal((int)kind, 77);
    }
    /* the module's own names */
    for (unsigned k = 0; k < GS_MIG_GPU_COUNT; k++) {
        gs_mig_gpu kind;
        assert_int_equal(gs_mig_gpu_find(GPU_NAMES[k], 0, &kind), GS_OK);
        assert_int_equal(kind, (gs_mig_gpu)k);
    }
}

/* ---- (g) bad arguments ------------------------------------------------- */

static void bad_arguments(void **state)
{
    (void)state;
    const gs_mig_gpu bad[] = {(gs_mig_gpu)-1, (gs_mig_gpu)GS_MIG_GPU_COUNT,
                              (gs_mig_gpu)1000};
    gs_mig_instance one = {0, 0};
    gs_mig_profile_info info;
    uint32_t u = 0;
    size_t n = 0;
    char why[64];
    char buf[64];
    for (size_t b = 0; b < sizeof bad / sizeof *bad; b++) {
        gs_mig_gpu k = bad[b];
        assert_string_equal(gs_mig_gpu_name(k), "?");
        assert_int_equal(gs_mig_profile_count(k), 0);
        assert_int_equal(gs_mig_profile_get(k, 0, &info), GS_EINVAL);
        assert_int_equal(gs_mig_profile_find(k, "1g.5gb", &u), GS_EINVAL);
        assert_int_equal(gs_mig_layout_check(k, &one, 1, why, sizeof why),
                         GS_EINVAL);
        assert_int_equal(gs_mig_layout_check(k, NULL, 0, NULL, 0),
                         GS_EINVAL);
        assert_int_equal(gs_mig_layout_parse(k, "1g.5gb", &one, 1, &n, why,
                                             sizeof why), GS_EINVAL);
        assert_int_equal(gs_mig_layout_format(k, &one, 1, buf, sizeof buf,
                                              NULL), GS_EINVAL);
        assert_int_equal(gs_mig_capacity(k, NULL, 0, 0), 0);
        assert_int_equal(gs_mig_choose(k, NULL, 0, 0, NULL, &u), GS_EINVAL);
    }
    const gs_mig_gpu a = GS_MIG_A100_40GB;
    assert_int_equal(gs_mig_profile_get(a, 7, &info), GS_EINVAL);
    assert_int_equal(gs_mig_profile_get(a, UINT32_MAX, &info), GS_EINVAL);
    assert_int_equal(gs_mig_profile_get(a, 0, NULL), GS_EINVAL);
    assert_int_equal(gs_mig_profile_find(a, NULL, &u), GS_EINVAL);
    assert_int_equal(gs_mig_profile_find(a, "1g.5gb", NULL), GS_EINVAL);
    assert_int_equal(gs_mig_gpu_find(NULL, 0, (gs_mig_gpu *)&u), GS_EINVAL);
    assert_int_equal(gs_mig_gpu_find("NVIDIA H200", 0, NULL), GS_EINVAL);
    /* layouts */
    assert_int_equal(gs_mig_layout_check(a, NULL, 0, why, sizeof why), GS_OK);
    assert_string_equal(why, "");
    assert_int_equal(gs_mig_layout_check(a, NULL, 1, why, sizeof why),
                     GS_EINVAL);
    assert_int_equal(gs_mig_layout_check(a, NULL, SIZE_MAX, NULL, 0),
                     GS_EINVAL);
    /* a huge n stops at the first instance that breaks a rule */
    gs_mig_instance many[9];
    for (int i = 0; i < 9; i++)
        many[i] = (gs_mig_instance){0, (uint32_t)(i % 7)};
    assert_int_equal(gs_mig_layout_check(a, many, 9, why, sizeof why),
                     GS_EINVAL);
    assert_int_equal(gs_mig_layout_parse(a, NULL, &one, 1, &n, why,
                                         sizeof why), GS_EINVAL);
    assert_int_equal(gs_mig_layout_parse(a, "1g.5gb", &one, 1, NULL, why,
                                         sizeof why), GS_EINVAL);
    assert_int_equal(gs_mig_layout_parse(a, "1g.5gb", NULL, 1, &n, NULL, 0),
                     GS_EINVAL);
    assert_int_equal(gs_mig_layout_format(a, NULL, 1, buf, sizeof buf, NULL),
                     GS_EINVAL);
    assert_int_equal(gs_mig_layout_format(a, &one, 1, NULL, 0, NULL),
                     GS_ENOSPC);
    /* capacity and choice */
    assert_int_equal(gs_mig_capacity(a, NULL, 0, 7), 0);
    assert_int_equal(gs_mig_capacity(a, NULL, 1, 0), 0);
    gs_mig_instance clash[2] = {{4, 0}, {5, 0}};
    assert_int_equal(gs_mig_capacity(a, clash, 2, 0), 0);
    assert_int_equal(gs_mig_choose(a, clash, 2, 0, NULL, &u), GS_EINVAL);
    assert_int_equal(gs_mig_choose(a, NULL, 0, 7, NULL, &u), GS_EINVAL);
    assert_int_equal(gs_mig_choose(a, NULL, 0, 0, NULL, NULL), GS_EINVAL);
    assert_int_equal(gs_mig_choose(a, NULL, 1, 0, NULL, &u), GS_EINVAL);
    double w[7] = {1, 1, 1, 1, 1, 1, 1};
    const double bad_w[] = {-1.0, -0.0 - 1e-300, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad_w / sizeof *bad_w; i++)
        for (int at = 0; at < 7; at++) {
            w[at] = bad_w[i];
            u = 99;
            assert_int_equal(gs_mig_choose(a, NULL, 0, 0, w, &u), GS_EINVAL);
            assert_int_equal(u, 99);
            w[at] = 1;
        }
    w[3] = -0.0; /* minus zero is >= 0 */
    assert_int_equal(gs_mig_choose(a, NULL, 0, 0, w, &u), GS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tables),
        cmocka_unit_test(listed_are_legal),
        cmocka_unit_test(brute_force),
        cmocka_unit_test(illegal),
        cmocka_unit_test(round_trips),
        cmocka_unit_test(parsing),
        cmocka_unit_test(choose_by_hand),
        cmocka_unit_test(choose_brute_force),
        cmocka_unit_test(gpu_find),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
