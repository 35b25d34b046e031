/*
 * MIG (Multi-Instance GPU) geometry (mig.h): the GPU instance profiles of
 * A100 40GB/80GB, H100 80GB and H200 141GB, their placements, legal
 * layouts and where to create the next instance.
 *
 * Source: NVIDIA Multi-Instance GPU User Guide, R580,
 *   https://docs.nvidia.com/datacenter/tesla/mig-user-guide/
 *   - "Supported MIG Profiles" (supported-mig-profiles.html): Table 6
 *     "GPU Instance Profiles on A100" (A100-SXM4-40GB; "For A100-SXM4-80GB,
 *     the profile names will change according to the memory proportion":
 *     1g.10gb, 1g.10gb+me, 1g.20gb, 2g.20gb, 3g.40gb, 4g.40gb, 7g.80gb),
 *     Table 7 "GPU Instance Profiles on H100" (H100 80GB, PCIe and SXM5),
 *     Table 8 "GPU Instance Profiles on H200" (H200 141GB), and the
 *     diagrams "Profiles on A100/H100/H200";
 *   - "Concepts / Partitioning" (concepts.html): "a valid combination can
 *     be built by starting with an instance profile on the left and
 *     combining it with other instance profiles as you move to the right,
 *     such that no two profiles overlap vertically", and "prior to NVIDIA
 *     driver release R510, the combination of a (4 memory, 4 compute) and
 *     a (4 memory, 3 compute) profile was not supported. This restriction
 *     no longer applies on newer drivers";
 *   - "Getting Started with MIG" (getting-started-with-mig.html):
 *     `nvidia-smi mig -lgipp` on an A100, "{<index>}:<GPU Slice Count>":
 *       Profile ID 19 (1g.5gb)    {0,1,2,3,4,5,6}:1
 *       Profile ID 20 (1g.5gb+me) {0,1,2,3,4,5,6}:1
 *       Profile ID 15 (1g.10gb)   {0,2,4,6}:2
 *       Profile ID 14 (2g.10gb)   {0,2,4}:2
 *       Profile ID  9 (3g.20gb)   {0,4}:4
 *       Profile ID  5 (4g.20gb)   {0}:4
 *       Profile ID  0 (7g.40gb)   {0}:8
 *     H100 80GB and H200 141GB print the same placements under the same
 *     profile ids (1g.10gb/1g.18gb, +me, 1g.20gb/1g.35gb, 2g, 3g, 4g, 7g).
 *
 * The guide's table gives "Fraction of Memory" 1/8 for A100's 1g.10gb;
 * its placements are two slots ({0,2,4,6}:2, and 10gb = 2 x 5gb), as the
 * H100 and H200 tables say for the same profile (1/4). Two slots it is.
 *
 * The guide draws the valid combinations as a diagram, one row per
 * profile over the 8 memory slots; a combination is a set of boxes no two
 * of which share a column. Written out (the same on the four GPUs, names
 * of the A100-40GB; D = the 1g profile with two slots, 1g.10gb here):
 *
 *   memory slot   0     1     2     3     4     5     6     7
 *   7g.40gb      [0 ........................................7]
 *   4g.20gb      [0 .................3]
 *   3g.20gb      [0 .................3] [4 .................7]
 *   2g.10gb      [0 ...1] [2 ...3] [4 ...5]
 *   1g.10gb (D)  [0 ...1] [2 ...3] [4 ...5] [6 ...7]
 *   1g.5gb(+me)  [0] [1] [2] [3] [4] [5] [6]
 *
 * The maximal combinations (no instance can be added) are the 7g.40gb
 * alone, and one left half times one right half:
 *   left  (slots 0-3): 4g@0 | 3g@0 | {2g@0 | D@0 | 1g@0+1g@1} x
 *                                    {2g@2 | D@2 | 1g@2+1g@3}      (11)
 *   right (slots 4-7): 3g@4 | {2g@4 | D@4 | 1g@4+1g@5} x {D@6 | 1g@6} (7)
 * 1 + 11 x 7 = 78 placements, 38 distinct mixes of profiles (listed in
 * docs/sharing.md); any one 1g.5gb of them may be the 1g.5gb+me ("A
 * single 1g profile can include media extensions"). tests/test_mig.c
 * has the 78 written out and checks them against a brute force.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "common/util.h"

#include <gpusched/mig.h>

#include <float.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- the tables ---------------------------------------------------------- */

#define MIG_MAX_PROFILES 8
#define GB 1000000000ull

typedef struct mig_profile {
    const char *name;
    uint8_t compute, span, max, n_starts;
    uint8_t starts[GS_MIG_SLOTS];
    uint8_t me;
    uint64_t bytes;
} mig_profile;

typedef struct mig_table {
    const char *name;
    uint32_t n;
    const mig_profile *p;
} mig_table;

/* The placements common to the four GPUs (-lgipp above). */
#define ST_1 7, {0, 1, 2, 3, 4, 5, 6}
#define ST_1D 4, {0, 2, 4, 6}
#define ST_2 3, {0, 2, 4}
#define ST_3 2, {0, 4}
#define ST_4 1, {0}
#define ST_7 1, {0}

/* name, compute slices, span (memory slots), max instances, starts, +me,
 * nominal bytes */
static const mig_profile A100_40GB[] = {
    {"1g.5gb", 1, 1, 7, ST_1, 0, 5 * GB},
    {"1g.5gb+me", 1, 1, 1, ST_1, 1, 5 * GB},
    {"1g.10gb", 1, 2, 4, ST_1D, 0, 10 * GB},
    {"2g.10gb", 2, 2, 3, ST_2, 0, 10 * GB},
    {"3g.20gb", 3, 4, 2, ST_3, 0, 20 * GB},
    {"4g.20gb", 4, 4, 1, ST_4, 0, 20 * GB},
    {"7g.40gb", 7, 8, 1, ST_7, 0, 40 * GB},
};

static const mig_profile A100_80GB[] = {
    {"1g.10gb", 1, 1, 7, ST_1, 0, 10 * GB},
    {"1g.10gb+me", 1, 1, 1, ST_1, 1, 10 * GB},
    {"1g.20gb", 1, 2, 4, ST_1D, 0, 20 * GB},
    {"2g.20gb", 2, 2, 3, ST_2, 0, 20 * GB},
    {"3g.40gb", 3, 4, 2, ST_3, 0, 40 * GB},
    {"4g.40gb", 4, 4, 1, ST_4, 0, 40 * GB},
    {"7g.80gb", 7, 8, 1, ST_7, 0, 80 * GB},
};

/* Table 7: the same names as the A100 80GB. */
static const mig_profile H100_80GB[] = {
    {"1g.10gb", 1, 1, 7, ST_1, 0, 10 * GB},
    {"1g.10gb+me", 1, 1, 1, ST_1, 1, 10 * GB},
    {"1g.20gb", 1, 2, 4, ST_1D, 0, 20 * GB},
    {"2g.20gb", 2, 2, 3, ST_2, 0, 20 * GB},
    {"3g.40gb", 3, 4, 2, ST_3, 0, 40 * GB},
    {"4g.40gb", 4, 4, 1, ST_4, 0, 40 * GB},
    {"7g.80gb", 7, 8, 1, ST_7, 0, 80 * GB},
};

/* Table 8 */
static const mig_profile H200_141GB[] = {
    {"1g.18gb", 1, 1, 7, ST_1, 0, 18 * GB},
    {"1g.18gb+me", 1, 1, 1, ST_1, 1, 18 * GB},
    {"1g.35gb", 1, 2, 4, ST_1D, 0, 35 * GB},
    {"2g.35gb", 2, 2, 3, ST_2, 0, 35 * GB},
    {"3g.71gb", 3, 4, 2, ST_3, 0, 71 * GB},
    {"4g.71gb", 4, 4, 1, ST_4, 0, 71 * GB},
    {"7g.141gb", 7, 8, 1, ST_7, 0, 141 * GB},
};

static const mig_table TABLES[GS_MIG_GPU_COUNT] = {
    {"A100-40GB", GS_ARRAY_LEN(A100_40GB), A100_40GB},
    {"A100-80GB", GS_ARRAY_LEN(A100_80GB), A100_80GB},
    {"H100-80GB", GS_ARRAY_LEN(H100_80GB), H100_80GB},
    {"H200-141GB", GS_ARRAY_LEN(H200_141GB), H200_141GB},
};

static const mig_table *table_of(gs_mig_gpu kind)
{
    unsigned k = (unsigned)kind;
    return k < GS_MIG_GPU_COUNT ? &TABLES[k] : NULL;
}

/* ---- small text helpers -------------------------------------------------- */

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* s[0..n) equals the NUL-terminated word w, case-insensitively */
static bool eq_nocase(const char *s, size_t n, const char *w)
{
    size_t i = 0;
    for (; i < n && w[i]; i++)
        if (lower(s[i]) != lower(w[i]))
            return false;
    return i == n && !w[i];
}

/* w (lower case) occurs in s, case-insensitively; with whole set, only
 * where neither neighbour is a letter or digit */
static bool has_word(const char *s, const char *w, bool whole)
{
    size_t wl = strlen(w);
    for (size_t i = 0; s[i]; i++) {
        size_t k = 0;
        while (k < wl && s[i + k] && lower(s[i + k]) == w[k])
            k++;
        if (k < wl)
            continue;
        if (!whole || ((i == 0 || !is_alnum(s[i - 1])) && !is_alnum(s[i + wl])))
            return true;
    }
    return false;
}

/* Append to a reason buffer (why may be NULL). */
static void why_set(char *why, size_t why_len, const char *fmt, ...)
    GS_PRINTF(3, 4);
static void why_set(char *why, size_t why_len, const char *fmt, ...)
{
    if (!why || why_len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
}

static void why_clear(char *why, size_t why_len)
{
    if (why && why_len)
        why[0] = '\0';
}

/* ---- GPUs and profiles ------------------------------------------------- */

const char *gs_mig_gpu_name(gs_mig_gpu kind)
{
    const mig_table *t = table_of(kind);
    return t ? t->name : "?";
}

gs_status gs_mig_gpu_find(const char *model, uint64_t memory_bytes,
                          gs_mig_gpu *kind)
{
    if (!model || !kind)
        return GS_EINVAL;
    const uint64_t gib = (uint64_t)1 << 30;
    bool mem = memory_bytes != 0;
    if (has_word(model, "a100", true)) {
        if (mem) {
            if (memory_bytes >= 30 * gib && memory_bytes < 60 * gib)
                *kind = GS_MIG_A100_40GB;
            else if (memory_bytes >= 60 * gib && memory_bytes < 100 * gib)
                *kind = GS_MIG_A100_80GB;
            else
                return GS_ENOTFOUND;
            return GS_OK;
        }
        bool g80 = has_word(model, "80gb", false);
        bool g40 = has_word(model, "40gb", false);
        if (g80 == g40)
            return GS_ENOTFOUND; /* neither (or both): ambiguous */
        *kind = g80 ? GS_MIG_A100_80GB : GS_MIG_A100_40GB;
        return GS_OK;
    }
    if (has_word(model, "h100", true)) {
        if (mem ? memory_bytes < 60 * gib || memory_bytes >= 90 * gib
                : has_word(model, "nvl", false) ||
                      has_word(model, "94gb", false) ||
                      has_word(model, "96gb", false))
            return GS_ENOTFOUND;
        *kind = GS_MIG_H100_80GB;
        return GS_OK;
    }
    if (has_word(model, "h200", true)) {
        if (mem && (memory_bytes < 120 * gib || memory_bytes >= 160 * gib))
            return GS_ENOTFOUND;
        *kind = GS_MIG_H200_141GB;
        return GS_OK;
    }
    return GS_ENOTFOUND;
}

uint32_t gs_mig_profile_count(gs_mig_gpu kind)
{
    const mig_table *t = table_of(kind);
    return t ? t->n : 0;
}

gs_status gs_mig_profile_get(gs_mig_gpu kind, uint32_t profile,
                             gs_mig_profile_info *info)
{
    const mig_table *t = table_of(kind);
    if (!t || profile >= t->n || !info)
        return GS_EINVAL;
    const mig_profile *p = &t->p[profile];
    memset(info, 0, sizeof *info);
    info->name = p->name;
    info->compute_slices = p->compute;
    info->memory_slices = p->span;
    info->memory_bytes = p->bytes;
    info->max_instances = p->max;
    info->n_starts = p->n_starts;
    memcpy(info->starts, p->starts, p->n_starts);
    info->span = p->span;
    info->media_extensions = p->me;
    return GS_OK;
}

/* The profile named s[0..n) (exact, case-insensitive), or -1. */
static int find_name(const mig_table *t, const char *s, size_t n)
{
    for (uint32_t i = 0; i < t->n; i++)
        if (eq_nocase(s, n, t->p[i].name))
            return (int)i;
    return -1;
}

gs_status gs_mig_profile_find(gs_mig_gpu kind, const char *name,
                              uint32_t *profile)
{
    const mig_table *t = table_of(kind);
    if (!t || !name || !profile)
        return GS_EINVAL;
    const char *s = name;
    if (lower(s[0]) == 'm' && lower(s[1]) == 'i' && lower(s[2]) == 'g' &&
        s[3] == ' ') {
        s += 3;
        while (*s == ' ')
            s++;
    }
    int i = find_name(t, s, strlen(s));
    if (i < 0)
        return GS_ENOTFOUND;
    *profile = (uint32_t)i;
    return GS_OK;
}

/* ---- the rules --------------------------------------------------------- */

#define NONE SIZE_MAX

/* A layout being built: who holds each memory slot, how many of each
 * profile, which instance has the media extensions, compute slices. */
typedef struct mig_state {
    size_t owner[GS_MIG_SLOTS];
    uint32_t count[MIG_MAX_PROFILES];
    size_t me_owner;
    uint32_t compute;
    uint32_t mask; /* occupied slots */
} mig_state;

static void state_init(mig_state *s)
{
    memset(s, 0, sizeof *s);
    for (unsigned i = 0; i < GS_MIG_SLOTS; i++)
        s->owner[i] = NONE;
    s->me_owner = NONE;
}

/* Rules, in the order they are checked. */
typedef enum mig_rule {
    R_OK = 0,
    R_PROFILE, /* no such profile */
    R_START,   /* not a legal start of its profile */
    R_ME,      /* a second instance with media extensions */
    R_COUNT,   /* more instances of the profile than its maximum */
    R_COMPUTE, /* more than 7 compute slices */
    R_OVERLAP  /* a memory slot already taken */
} mig_rule;

static bool legal_start(const mig_profile *p, uint32_t start)
{
    for (unsigned i = 0; i < p->n_starts; i++)
        if (p->starts[i] == start)
            return true;
    return false;
}

static uint32_t span_mask(const mig_profile *p, uint32_t start)
{
    return (((uint32_t)1 << p->span) - 1) << start;
}

/* Whether (profile, start) can be added to s; on R_OVERLAP *slot is the
 * lowest slot taken. */
static mig_rule state_try(const mig_table *t, const mig_state *s,
                          uint32_t profile, uint32_t start, uint32_t *slot)
{
    if (profile >= t->n)
        return R_PROFILE;
    const mig_profile *p = &t->p[profile];
    if (!legal_start(p, start))
        return R_START;
    if (p->me && s->me_owner != NONE)
        return R_ME;
    if (s->count[profile] >= p->max)
        return R_COUNT;
    if (s->compute + p->compute > GS_MIG_COMPUTE_SLICES)
        return R_COMPUTE;
    uint32_t clash = span_mask(p, start) & s->mask;
    if (clash) {
        uint32_t k = 0;
        while (!(clash & ((uint32_t)1 << k)))
            k++;
        if (slot)
            *slot = k;
        return R_OVERLAP;
    }
    return R_OK;
}

static void state_add(const mig_table *t, mig_state *s, uint32_t profile,
                      uint32_t start, size_t who)
{
    const mig_profile *p = &t->p[profile];
    uint32_t m = span_mask(p, start);
    for (unsigned k = 0; k < GS_MIG_SLOTS; k++)
        if (m & ((uint32_t)1 << k))
            s->owner[k] = who;
    s->mask |= m;
    s->count[profile]++;
    s->compute += p->compute;
    if (p->me)
        s->me_owner = who;
}

static void starts_text(const mig_profile *p, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < p->n_starts && o + 3 < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, i ? ",%u" : "%u",
                              (unsigned)p->starts[i]);
}

/* How items are named in a message: by position in an array ("instance
 * 3 (2g.10gb@4)") or by column in a text ("column 17: 2g.10gb@4", the
 * other party "3g.20gb@4 (column 1)"). */
typedef struct namer {
    bool parse;
    const size_t *col;           /* parse: column of item i */
    const gs_mig_instance *prev; /* the items before the bad one */
} namer;

static void name_other(const mig_table *t, const namer *nm, size_t o,
                       char *out, size_t cap)
{
    const gs_mig_instance *x = &nm->prev[o];
    if (nm->parse)
        snprintf(out, cap, "%s@%u (column %zu)", t->p[x->profile].name,
                 (unsigned)x->start, nm->col[o]);
    else
        snprintf(out, cap, "instance %zu (%s@%u)", o, t->p[x->profile].name,
                 (unsigned)x->start);
}

/* The message for a rule broken by item i = (profile, start); show_start
 * is false for a parsed item written without a start. */
static void explain(const mig_table *t, const mig_state *s, mig_rule r,
                    size_t i, uint32_t profile, uint32_t start,
                    bool show_start, uint32_t slot, const namer *nm,
                    char *why, size_t why_len)
{
    if (!why || why_len == 0)
        return;
    char self[96], other[96], at[16] = "";
    size_t lab = nm->parse ? nm->col[i] : i;
    if (r == R_PROFILE) {
        why_set(why, why_len, "instance %zu: profile %u is not a profile of "
                "%s (0 to %u)", lab, (unsigned)profile, t->name,
                (unsigned)t->n - 1);
        return;
    }
    const mig_profile *p = &t->p[profile];
    if (show_start)
        snprintf(at, sizeof at, "@%u", (unsigned)start);
    if (nm->parse)
        snprintf(self, sizeof self, "column %zu: %s%s", lab, p->name, at);
    else
        snprintf(self, sizeof self, "instance %zu (%s%s)", lab, p->name, at);
    char list[32];
    switch (r) {
    case R_START:
        starts_text(p, list, sizeof list);
        why_set(why, why_len, "%s: %u is not a legal start of %s (legal: %s)",
                self, (unsigned)start, p->name, list);
        break;
    case R_ME:
        name_other(t, nm, s->me_owner, other, sizeof other);
        why_set(why, why_len, "%s: a second instance with media extensions "
                "after %s; a GPU has one", self, other);
        break;
    case R_COUNT:
        why_set(why, why_len, "%s: %s allows at most %u per GPU", self,
                p->name, (unsigned)p->max);
        break;
    case R_COMPUTE:
        why_set(why, why_len, "%s: compute slices would total %u, more "
                "than %d", self, (unsigned)(s->compute + p->compute),
                GS_MIG_COMPUTE_SLICES);
        break;
    case R_OVERLAP:
        name_other(t, nm, s->owner[slot], other, sizeof other);
        why_set(why, why_len, "%s overlaps %s on memory slot %u", self, other,
                (unsigned)slot);
        break;
    default:
        break;
    }
}

/* Check a layout into s; on failure the broken rule, *bad the item. */
static mig_rule state_build(const mig_table *t, const gs_mig_instance *inst,
                            size_t n, mig_state *s, size_t *bad,
                            uint32_t *slot)
{
    state_init(s);
    for (size_t i = 0; i < n; i++) {
        mig_rule r = state_try(t, s, inst[i].profile, inst[i].start, slot);
        if (r != R_OK) {
            *bad = i;
            return r;
        }
        state_add(t, s, inst[i].profile, inst[i].start, i);
    }
    return R_OK;
}

gs_status gs_mig_layout_check(gs_mig_gpu kind, const gs_mig_instance *inst,
                              size_t n, char *why, size_t why_len)
{
    why_clear(why, why_len);
    const mig_table *t = table_of(kind);
    if (!t) {
        why_set(why, why_len, "invalid GPU %d", (int)kind);
        return GS_EINVAL;
    }
    if (!inst && n) {
        why_set(why, why_len, "no instances (NULL) but n = %zu", n);
        return GS_EINVAL;
    }
    mig_state s;
    size_t bad = 0;
    uint32_t slot = 0;
    mig_rule r = state_build(t, inst, n, &s, &bad, &slot);
    if (r == R_OK)
        return GS_OK;
    /* s holds the layout up to bad - 1: the other party is before bad */
    namer nm = {false, NULL, inst};
    explain(t, &s, r, bad, inst[bad].profile, inst[bad].start, true, slot,
            &nm, why, why_len);
    return GS_EINVAL;
}

/* ---- text -------------------------------------------------------------- */

gs_status gs_mig_layout_format(gs_mig_gpu kind, const gs_mig_instance *inst,
                               size_t n, char *buf, size_t cap, size_t *len)
{
    if (gs_mig_layout_check(kind, inst, n, NULL, 0) != GS_OK) {
        if (len)
            *len = 0;
        if (buf && cap)
            buf[0] = '\0';
        return GS_EINVAL;
    }
    const mig_table *t = table_of(kind);
    /* legal: at most GS_MIG_SLOTS instances of at most 16 bytes each */
    char text[GS_MIG_SLOTS * 24];
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(text + o, sizeof text - o, "%s%s@%u",
                              i ? "," : "", t->p[inst[i].profile].name,
                              (unsigned)inst[i].start);
    return gs_copy_out(text, o, buf, cap, len);
}

gs_status gs_mig_layout_parse(gs_mig_gpu kind, const char *text,
                              gs_mig_instance *inst, size_t cap, size_t *n,
                              char *why, size_t why_len)
{
    why_clear(why, why_len);
    if (n)
        *n = 0;
    const mig_table *t = table_of(kind);
    if (!t || !text || !n || (!inst && cap)) {
        why_set(why, why_len, "invalid argument");
        return GS_EINVAL;
    }
    mig_state s;
    state_init(&s);
    /* columns of the items added so far: a legal layout has at most
     * GS_MIG_SLOTS items (each takes a slot) */
    size_t col[GS_MIG_SLOTS + 1];
    namer nm = {true, col, inst};
    size_t count = 0;
    const char *p = text;
    while (is_space(*p))
        p++;
    if (!*p)
        return GS_OK; /* empty layout */
    for (;;) {
        while (is_space(*p))
            p++;
        size_t column = (size_t)(p - text) + 1;
        const char *name = p;
        while (*p && *p != ',' && *p != '@' && !is_space(*p))
            p++;
        size_t name_len = (size_t)(p - name);
        while (is_space(*p))
            p++;
        char shown[48];
        if (name_len == 0) {
            if (*p == '@')
                why_set(why, why_len, "column %zu: no profile name before "
                        "'@'", column);
            else
                why_set(why, why_len, "column %zu: empty item", column);
            return GS_EPARSE;
        }
        int prof = find_name(t, name, name_len);
        if (prof < 0) {
            why_set(why, why_len, "column %zu: \"%s\" is not a profile of "
                    "%s", column, gs_printable(shown, sizeof shown, name,
                                               name_len), t->name);
            return GS_EPARSE;
        }
        bool has_start = false;
        uint64_t start = 0;
        if (*p == '@') {
            p++;
            while (is_space(*p))
                p++;
            if (!(*p >= '0' && *p <= '9')) {
                why_set(why, why_len, "column %zu: expected a start (digits) "
                        "after '@'", column);
                return GS_EPARSE;
            }
            while (*p >= '0' && *p <= '9') {
                start = start * 10 + (uint64_t)(*p - '0');
                if (start > UINT32_MAX) {
                    why_set(why, why_len, "column %zu: start out of range",
                            column);
                    return GS_EPARSE;
                }
                p++;
            }
            has_start = true;
            while (is_space(*p))
                p++;
        }
        if (*p && *p != ',') {
            why_set(why, why_len, "column %zu: unexpected '%s' in the item "
                    "(items are name or name@start, separated by commas)",
                    column, gs_printable(shown, sizeof shown, p, 1));
            return GS_EPARSE;
        }
        const mig_profile *pp = &t->p[prof];
        uint32_t slot = 0;
        mig_rule r;
        if (has_start) {
            r = state_try(t, &s, (uint32_t)prof, (uint32_t)start, &slot);
        } else {
            /* the lowest start that fits; if none, the rule the profile
             * breaks wherever it goes, else "no free start" */
            r = R_OVERLAP;
            for (unsigned k = 0; k < pp->n_starts; k++) {
                mig_rule rk = state_try(t, &s, (uint32_t)prof,
                                        pp->starts[k], &slot);
                if (rk == R_OK) {
                    start = pp->starts[k];
                    r = R_OK;
                    break;
                }
                if (rk != R_OVERLAP) {
                    start = pp->starts[k];
                    r = rk;
                    break;
                }
            }
            if (r == R_OVERLAP) {
                char list[32];
                starts_text(pp, list, sizeof list);
                why_set(why, why_len, "column %zu: %s fits at none of its "
                        "starts (%s): memory slots taken", column, pp->name,
                        list);
                return GS_EINVAL;
            }
        }
        if (r != R_OK) {
            col[count] = column;
            explain(t, &s, r, count, (uint32_t)prof, (uint32_t)start,
                    has_start, slot, &nm, why, why_len);
            return GS_EINVAL;
        }
        if (count >= cap) {
            why_set(why, why_len, "column %zu: more than %zu instances (the "
                    "capacity given)", column, cap);
            return GS_ENOSPC;
        }
        col[count] = column; /* count < GS_MIG_SLOTS: each item takes a
                              * slot of its own */
        state_add(t, &s, (uint32_t)prof, (uint32_t)start, count);
        inst[count].profile = (uint32_t)prof;
        inst[count].start = (uint32_t)start;
        count++;
        if (!*p)
            break;
        p++; /* ',' */
    }
    *n = count;
    return GS_OK;
}

/* ---- capacity and choice ----------------------------------------------- */

/* The most instances of profile that can still be added to s: an exact
 * search over the profile's starts (at most 7: 2^7 subsets). */
static uint32_t cap_search(const mig_table *t, mig_state *s, uint32_t profile,
                           unsigned from)
{
    const mig_profile *p = &t->p[profile];
    uint32_t best = 0;
    for (unsigned k = from; k < p->n_starts; k++) {
        if (state_try(t, s, profile, p->starts[k], NULL) != R_OK)
            continue;
        mig_state next = *s;
        state_add(t, &next, profile, p->starts[k], 0);
        uint32_t got = 1 + cap_search(t, &next, profile, k + 1);
        if (got > best)
            best = got;
    }
    return best;
}

uint32_t gs_mig_capacity(gs_mig_gpu kind, const gs_mig_instance *existing,
                         size_t n, uint32_t profile)
{
    const mig_table *t = table_of(kind);
    if (!t || profile >= t->n || (!existing && n))
        return 0;
    mig_state s;
    size_t bad;
    uint32_t slot;
    if (state_build(t, existing, n, &s, &bad, &slot) != R_OK)
        return 0;
    return cap_search(t, &s, profile, 0);
}

gs_status gs_mig_choose(gs_mig_gpu kind, const gs_mig_instance *existing,
                        size_t n, uint32_t profile, const double *weights,
                        uint32_t *start)
{
    const mig_table *t = table_of(kind);
    if (!t || profile >= t->n || !start || (!existing && n))
        return GS_EINVAL;
    if (weights)
        for (uint32_t q = 0; q < t->n; q++)
            if (!(weights[q] >= 0.0 && weights[q] <= DBL_MAX))
                return GS_EINVAL; /* negative, NaN or infinite */
    mig_state s;
    size_t bad;
    uint32_t slot;
    if (state_build(t, existing, n, &s, &bad, &slot) != R_OK)
        return GS_EINVAL;
    const mig_profile *p = &t->p[profile];
    bool found = false;
    double best = 0.0;
    uint32_t best_start = 0;
    for (unsigned k = 0; k < p->n_starts; k++) { /* increasing starts */
        if (state_try(t, &s, profile, p->starts[k], NULL) != R_OK)
            continue;
        mig_state next = s;
        state_add(t, &next, profile, p->starts[k], n);
        double v = 0.0;
        for (uint32_t q = 0; q < t->n; q++) {
            double w = weights ? weights[q] : 1.0;
            v += w * (double)cap_search(t, &next, q, 0);
        }
        if (!found || v > best) {
            found = true;
            best = v;
            best_start = p->starts[k];
        }
    }
    if (!found)
        return GS_ENORES;
    *start = best_start;
    return GS_OK;
}
