/*
 * Placement tables of a node type and the exact search for the best set of
 * k GPUs on one node (DESIGN §5):
 *
 *   1. highest Q(S) = sum of pair bandwidths (bandwidth-sensitive jobs);
 *   2. fewest NUMA domains spanned (bandwidth-sensitive jobs);
 *   3. least damage: the intact NVLink groups (maximal cliques of the
 *      NVLink graph whose GPUs are all free) that S breaks, compared by
 *      size, largest first; so an already broken group is used before an
 *      intact one is broken;
 *   4. lowest GPU indices.
 *
 * The search runs over equivalence classes of GPUs (same NUMA domain, same
 * bandwidth to every other GPU): members of a class are interchangeable for
 * criteria 1-3, so only how many to take from each class matters, and the
 * lowest-index members are the ones rule 4 wants. NVSwitch nodes collapse to
 * one class per NUMA domain. A branch-and-bound on Q prunes the rest.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/sched_impl.h"
#include "topo/pattern.h"

#include <string.h>

#define MAX_GROUPS 256

/* ---- building ----------------------------------------------------------- */

typedef struct clique_ctx {
    const gs_mask *adj;
    gs_mask *out;
    uint32_t n, cap;
    bool overflow;
} clique_ctx;

/* Bron-Kerbosch with pivoting over bitmasks. */
static void bron_kerbosch(clique_ctx *c, gs_mask r, gs_mask p, gs_mask x)
{
    if (c->overflow)
        return;
    if (!p && !x) {
        if (mask_count(r) >= 2) {
            if (c->n == c->cap) {
                c->overflow = true;
                return;
            }
            c->out[c->n++] = r;
        }
        return;
    }
    gs_mask px = p | x;
    uint32_t pivot = mask_first(px);
    uint32_t best = 0;
    for (gs_mask m = px; m; m &= m - 1) { /* pivot with most neighbours in p */
        uint32_t u = mask_first(m);
        uint32_t d = mask_count(p & c->adj[u]);
        if (d >= best) {
            best = d;
            pivot = u;
        }
    }
    for (gs_mask m = p & ~c->adj[pivot]; m; m &= m - 1) {
        uint32_t v = mask_first(m);
        gs_mask bit = (gs_mask)1 << v;
        bron_kerbosch(c, r | bit, p & c->adj[v], x & c->adj[v]);
        p &= ~bit;
        x |= bit;
    }
}

void gs_place_tables_free(gs_place_tables *pt)
{
    if (!pt)
        return;
    gs_free(pt->bw);
    gs_free(pt->numa);
    gs_free(pt->cls);
    gs_free(pt->cls_mask);
    gs_free(pt->cls_bw);
    gs_free(pt->suffix_max);
    gs_free(pt->groups);
    gs_free(pt->group_size);
    gs_free(pt->memo);
    gs_free(pt->med);
    gs_free(pt->port);
    gs_free(pt->cap);
    gs_free(pt->la_small);
    gs_free(pt->la_hash);
    if (pt->own_work)
        gs_free(pt->work);
    gs_free(pt);
}

gs_place_tables *gs_place_tables_build(const gs_ntype *ty, gs_err *err)
{
    uint32_t n = ty->n_gpus;
    gs_place_tables *pt = gs_calloc(1, sizeof *pt);
    if (!pt)
        goto oom;
    pt->n = n;
    size_t nn = (size_t)n * n;
    pt->bw = gs_calloc(nn ? nn : 1, sizeof *pt->bw);
    pt->numa = gs_calloc(n ? n : 1, sizeof *pt->numa);
    pt->cls = gs_calloc(n ? n : 1, 1);
    pt->cls_mask = gs_calloc(n ? n : 1, sizeof *pt->cls_mask);
    pt->groups = gs_calloc(MAX_GROUPS, sizeof *pt->groups);
    pt->med = gs_calloc(nn ? nn : 1, 1);
    pt->port = gs_calloc((size_t)(n ? n : 1) * PG_MEDIA, sizeof *pt->port);
    pt->cap = gs_calloc((size_t)(n ? n : 1) * 2, sizeof *pt->cap);
    if (!pt->bw || !pt->numa || !pt->cls || !pt->cls_mask || !pt->groups ||
        !pt->med || !pt->port || !pt->cap)
        goto oom;
    for (uint32_t i = 0; i < n; i++)
        pt->numa[i] = ty->gpus[i].numa;
    pg_type_fill(ty, pt->bw, pt->med, pt->port, pt->cap);
    /* the NVLink graph (criterion 3 weighs its maximal cliques) */
    gs_mask adj[64] = {0};
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < n; j++)
            if (i != j && gs_ntype_shown_nvlinks(ty, i, j))
                adj[i] |= (gs_mask)1 << j;
    /* equivalence classes: same NUMA domain, same bandwidth to every other
     * GPU and the same NVLink neighbours (bandwidth alone does not tell an
     * NVLink from a PCIe path when bandwidths are overridden, and the
     * damage criterion counts NVLink groups) */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t c = pt->n_classes;
        for (uint32_t j = 0; j < i && c == pt->n_classes; j++) {
            if (pt->numa[i] != pt->numa[j])
                continue;
            gs_mask pair = ((gs_mask)1 << i) | ((gs_mask)1 << j);
            bool same = (adj[i] & ~pair) == (adj[j] & ~pair) &&
                        pt->cap[i] == pt->cap[j] &&
                        pt->cap[n + i] == pt->cap[n + j] &&
                        pt->med[(size_t)i * n + j] ==
                            pt->med[(size_t)j * n + i];
            for (uint32_t w = 0; w < n && same; w++)
                if (w != i && w != j &&
                    (pt->bw[(size_t)i * n + w] != pt->bw[(size_t)j * n + w] ||
                     pt->med[(size_t)i * n + w] !=
                         pt->med[(size_t)j * n + w]))
                    same = false;
            if (same)
                c = pt->cls[j];
        }
        if (c == pt->n_classes)
            pt->n_classes++;
        pt->cls[i] = (uint8_t)c;
        pt->cls_mask[c] |= (gs_mask)1 << i;
    }
    uint32_t m = pt->n_classes;
    pt->cls_bw = gs_calloc(m ? (size_t)m * m : 1, sizeof *pt->cls_bw);
    pt->suffix_max = gs_calloc(m + 1, sizeof *pt->suffix_max);
    if (!pt->cls_bw || !pt->suffix_max)
        goto oom;
    for (uint32_t a = 0; a < m; a++)
        for (uint32_t b = 0; b < m; b++) {
            gs_mask ma = pt->cls_mask[a], mb = pt->cls_mask[b];
            uint32_t u = mask_first(ma), v = mask_first(mb);
            if (a == b) {
                if (mask_count(ma) < 2)
                    continue;
                v = mask_first(ma & (ma - 1));
            }
            pt->cls_bw[(size_t)a * m + b] = pt->bw[(size_t)u * n + v];
        }
    for (uint32_t i = m; i-- > 0;) {
        uint32_t mx = pt->suffix_max[i + 1];
        for (uint32_t b = i; b < m; b++)
            if (pt->cls_bw[(size_t)i * m + b] > mx)
                mx = pt->cls_bw[(size_t)i * m + b];
        pt->suffix_max[i] = mx;
    }
    /* NVLink groups: maximal cliques of the graph of NVLinked pairs */
    clique_ctx cc = {adj, pt->groups, 0, MAX_GROUPS, false};
    bron_kerbosch(&cc, 0, mask_all(n), 0);
    if (cc.overflow) {
        /* Too many cliques to weigh: fall back to connected components. */
        cc.n = 0;
        gs_mask left = mask_all(n);
        while (left) {
            gs_mask comp = (gs_mask)1 << mask_first(left), prev;
            do {
                prev = comp;
                for (gs_mask t = prev; t; t &= t - 1)
                    comp |= adj[mask_first(t)];
            } while (comp != prev);
            left &= ~comp;
            if (mask_count(comp) >= 2)
                pt->groups[cc.n++] = comp;
        }
    }
    pt->n_groups = cc.n;
    pt->group_size = gs_calloc(cc.n ? cc.n : 1, 1);
    if (!pt->group_size)
        goto oom;
    for (uint32_t g = 0; g < cc.n; g++)
        pt->group_size[g] = (uint8_t)mask_count(pt->groups[g]);
    if (n <= 8) {
        size_t entries = ((size_t)1 << n) * (n + 1) * GS_PATTERN_COUNT;
        pt->memo = gs_calloc(entries, sizeof *pt->memo);
        pt->la_small = gs_calloc(entries, sizeof *pt->la_small);
        if (!pt->memo || !pt->la_small)
            goto oom;
    } else {
        pt->la_hash = gs_calloc(LA_HASH, sizeof *pt->la_hash);
        if (!pt->la_hash)
            goto oom;
    }
    return pt;
oom:
    gs_place_tables_free(pt);
    gs_errf(err, GS_ENOMEM, "out of memory");
    return NULL;
}

/* ---- scores ------------------------------------------------------------- */

static inline int cmp_hi(uint64_t a, uint64_t b)
{
    return a == b ? 0 : a > b ? 1 : -1;
}

/* The job's own criteria: its model, its second measure, Q, and under
 * "strict" the NUMA span. */
static int cmp_head(const pscore *a, const pscore *b, uint8_t order)
{
    int c;
    if ((c = cmp_hi(a->pat, b->pat)) || (c = cmp_hi(a->pat2, b->pat2)) ||
        (c = cmp_hi(a->q, b->q)))
        return c;
    if (order == GS_NUMA_STRICT && a->numa != b->numa)
        return a->numa < b->numa ? 1 : -1;
    return 0;
}

int gs_pscore_cmp(const pscore *a, const pscore *b, uint8_t order)
{
    bool look = !(order & PSCORE_NO_LOOK);
    order &= (uint8_t)~PSCORE_NO_LOOK;
    int c = cmp_head(a, b, order);
    if (c)
        return c;
    if (look && (c = cmp_hi(a->look, b->look)))
        return c;
    if (order == GS_NUMA_PREFER && a->numa != b->numa)
        return a->numa < b->numa ? 1 : -1;
    uint32_t n = GS_MAX(a->ndmg, b->ndmg);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t x = i < a->ndmg ? a->dmg[i] : 0;
        uint32_t y = i < b->ndmg ? b->dmg[i] : 0;
        if (x != y)
            return x < y ? 1 : -1;
    }
    return 0;
}

/* Damage of taking s out of free: sizes of the intact groups it breaks. */
static void damage(const gs_place_tables *pt, gs_mask free, gs_mask s,
                   pscore *out)
{
    out->ndmg = 0;
    for (uint32_t g = 0; g < pt->n_groups; g++) {
        gs_mask grp = pt->groups[g];
        if ((grp & ~free) || !(grp & s))
            continue;
        uint8_t size = pt->group_size[g];
        /* insertion into a list kept largest first, at most DMG_MAX long */
        uint32_t pos = out->ndmg;
        while (pos > 0 && out->dmg[pos - 1] < size)
            pos--;
        if (pos >= DMG_MAX)
            continue;
        uint32_t last = out->ndmg < DMG_MAX ? out->ndmg : DMG_MAX - 1;
        memmove(out->dmg + pos + 1, out->dmg + pos, last - pos);
        out->dmg[pos] = size;
        if (out->ndmg < DMG_MAX)
            out->ndmg++;
    }
}

static uint32_t numa_span(const gs_place_tables *pt, gs_mask s)
{
    uint16_t seen[64];
    uint32_t n = 0;
    for (; s; s &= s - 1) {
        uint16_t d = pt->numa[mask_first(s)];
        bool dup = false;
        for (uint32_t i = 0; i < n && !dup; i++)
            dup = seen[i] == d;
        if (!dup)
            seen[n++] = d;
    }
    return n;
}

static pg_graph table_graph(const gs_place_tables *pt)
{
    pg_graph g = {pt->n, pt->bw, pt->med, pt->port, pt->cap, 2 * pt->n};
    return g;
}

/* The pattern model of a set (and its second measure). */
static void set_models(gs_place_tables *pt, gs_mask s, uint8_t pattern,
                       uint64_t *pat, uint64_t *pat2)
{
    uint32_t v[64], k = 0;
    for (gs_mask m = s; m; m &= m - 1)
        v[k++] = mask_first(m);
    pg_graph g = table_graph(pt);
    pg_result r;
    pg_eval(&g, v, k, pg_want((gs_comm_pattern)pattern) & ~PG_WANT_Q,
            pt->work, &r);
    *pat = pg_value(&r, (gs_comm_pattern)pattern);
    *pat2 = pattern == GS_PATTERN_ALL_TO_ALL ? r.bisection : 0;
}

/* ---- search ------------------------------------------------------------- */

typedef struct search {
    gs_place_tables *pt;
    gs_mask free;
    bool sensitive;
    uint8_t pattern;
    uint8_t order;
    const la_profile *la;
    uint64_t la_before;   /* what the free GPUs offer before the choice */
    uint32_t k;
    uint32_t ncl;
    uint32_t cls[64];     /* classes with candidates, increasing */
    gs_mask avail[64];    /* their candidate members */
    gs_mask rest[65];     /* candidates in classes idx.. */
    uint64_t attach[64];  /* bandwidth from a member to the chosen set */
    uint32_t after[65];   /* candidates in classes idx.. */
    bool found;
    gs_mask best_set;
    pscore best;
} search;

static uint64_t la_value(gs_place_tables *pt, gs_mask r, const la_profile *la);

static void leaf(search *st, gs_mask s, uint64_t q)
{
    pscore sc;
    memset(&sc, 0, sizeof sc);
    if (st->sensitive) {
        sc.q = q;
        sc.numa = st->order == GS_NUMA_IGNORE ? 0 : numa_span(st->pt, s);
        if (st->pattern == GS_PATTERN_ANY)
            sc.pat = q;
        else
            set_models(st->pt, s, st->pattern, &sc.pat, &sc.pat2);
    }
    int c = st->found ? cmp_head(&sc, &st->best,
                                 st->order & (uint8_t)~PSCORE_NO_LOOK)
                      : 1;
    if (c < 0)
        return;
    if (st->la) {
        /* the loss, as "higher is better": nodes compare by what they
         * lose, not by what they keep */
        uint64_t after = la_value(st->pt, st->free & ~s, st->la);
        uint64_t loss = st->la_before > after ? st->la_before - after : 0;
        sc.look = ((uint64_t)1 << 62) - loss;
    }
    damage(st->pt, st->free, s, &sc);
    if (c == 0)
        c = gs_pscore_cmp(&sc, &st->best, st->order);
    if (c > 0 || (c == 0 && mask_lower(s, st->best_set))) {
        st->found = true;
        st->best = sc;
        st->best_set = s;
    }
}

static void dfs(search *st, uint32_t idx, gs_mask s, uint64_t q, uint32_t r)
{
    if (r == 0) {
        leaf(st, s, q);
        return;
    }
    if (idx == st->ncl || st->after[idx] < r)
        return;
    gs_place_tables *pt = st->pt;
    uint32_t m = pt->n_classes;
    if (st->sensitive && st->found) {
        if (st->pattern == GS_PATTERN_ANY) {
            uint64_t amax = 0;
            for (uint32_t j = idx; j < st->ncl; j++)
                if (st->attach[j] > amax)
                    amax = st->attach[j];
            uint64_t ub = q + (uint64_t)r * amax +
                          (uint64_t)r * (r - 1) / 2 *
                              pt->suffix_max[st->cls[idx]];
            if (ub < st->best.q)
                return;
        } else {
            pg_graph g = table_graph(pt);
            uint64_t ub = pg_bound(&g, (gs_comm_pattern)st->pattern, s,
                                   st->rest[idx], st->k);
            if (ub < st->best.pat)
                return;
        }
    }
    uint32_t c = st->cls[idx];
    uint32_t have = mask_count(st->avail[idx]);
    uint32_t top = have < r ? have : r;
    uint64_t intra = pt->cls_bw[(size_t)c * m + c];
    for (uint32_t x = top + 1; x-- > 0;) {
        gs_mask take = 0, a = st->avail[idx];
        for (uint32_t i = 0; i < x; i++) {
            take |= a & (~a + 1);
            a &= a - 1;
        }
        uint64_t dq = (uint64_t)x * st->attach[idx] +
                      (uint64_t)x * (x ? x - 1 : 0) / 2 * intra;
        for (uint32_t j = idx + 1; j < st->ncl; j++)
            st->attach[j] += (uint64_t)x * pt->cls_bw[(size_t)c * m + st->cls[j]];
        dfs(st, idx + 1, s | take, q + dq, r - x);
        for (uint32_t j = idx + 1; j < st->ncl; j++)
            st->attach[j] -= (uint64_t)x * pt->cls_bw[(size_t)c * m + st->cls[j]];
    }
}

static bool search_run(gs_place_tables *pt, gs_mask cand, gs_mask free,
                       gs_mask req, uint32_t k, uint8_t pattern, uint8_t order,
                       const la_profile *la, gs_mask *set, pscore *score)
{
    search st;
    st.pt = pt;
    st.free = free;
    st.pattern = pattern;
    st.sensitive = pattern != GS_PATTERN_NONE;
    st.order = order;
    st.la = la;
    st.la_before = la ? la_value(pt, free, la) : 0;
    st.k = k;
    st.found = false;
    st.ncl = 0;
    gs_mask rest = cand & ~req;
    for (uint32_t c = 0; c < pt->n_classes; c++) {
        gs_mask a = rest & pt->cls_mask[c];
        if (!a)
            continue;
        st.cls[st.ncl] = c;
        st.avail[st.ncl] = a;
        uint32_t rep = mask_first(a);
        uint64_t at = 0;
        for (gs_mask r = req; r; r &= r - 1)
            at += pt->bw[(size_t)rep * pt->n + mask_first(r)];
        st.attach[st.ncl] = at;
        st.ncl++;
    }
    st.after[st.ncl] = 0;
    st.rest[st.ncl] = 0;
    for (uint32_t i = st.ncl; i-- > 0;) {
        st.after[i] = st.after[i + 1] + mask_count(st.avail[i]);
        st.rest[i] = st.rest[i + 1] | st.avail[i];
    }
    uint64_t q = 0;
    for (gs_mask a = req; a; a &= a - 1)
        for (gs_mask b = a & (a - 1); b; b &= b - 1)
            q += pt->bw[(size_t)mask_first(a) * pt->n + mask_first(b)];
    dfs(&st, 0, req, q, k - mask_count(req));
    if (st.found) {
        *set = st.best_set;
        *score = st.best;
    }
    return st.found;
}

/* ---- look-ahead ---------------------------------------------------------- */

/* The best set of k GPUs of pattern p among r (no look-ahead) and its
 * model value (0 and no set when r has fewer than k), cached. */
static uint64_t la_best(gs_place_tables *pt, gs_mask r, uint32_t k, uint8_t p,
                        gs_mask *set_out)
{
    la_slot *slot = NULL;
    if (pt->la_small) {
        slot = &pt->la_small[((size_t)r * (pt->n + 1) + k) *
                                 GS_PATTERN_COUNT +
                             p];
        if (slot->valid) {
            *set_out = slot->set;
            return slot->v;
        }
    } else if (pt->la_hash) {
        uint64_t h = (r * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)k << 3) ^ p;
        h ^= h >> 29;
        slot = &pt->la_hash[h & (LA_HASH - 1)];
        if (slot->valid && slot->r == r && slot->k == k && slot->p == p) {
            *set_out = slot->set;
            return slot->v;
        }
    }
    gs_mask set = 0;
    pscore sc;
    uint64_t v = 0;
    if (mask_count(r) >= k &&
        search_run(pt, r, r, 0, k, p, GS_NUMA_STRICT, NULL, &set, &sc))
        v = sc.pat;
    else
        set = 0;
    if (slot) {
        slot->r = r;
        slot->k = (uint8_t)k;
        slot->p = p;
        slot->v = v;
        slot->set = set;
        slot->valid = 1;
    }
    *set_out = set;
    return v;
}

/* What a remainder offers the demand, by a roll-out: the profile's jobs
 * that communicate (2 GPUs or more, a pattern other than none), largest
 * first and again while any fits, each taking its best set of what is left
 * and counting w x k x (its model there) / (its model on the whole node),
 * in 1/65536: GPUs served well, weighed by how much of the demand their
 * size is. Jobs of one GPU count nothing: where they go is the packing
 * rule's business. */
static uint64_t la_value(gs_place_tables *pt, gs_mask r, const la_profile *la)
{
    uint32_t order[GS_MAX_DEMAND], n = 0;
    for (uint32_t i = 0; i < la->n; i++) {
        if (la->k[i] < 2 || la->p[i] == GS_PATTERN_NONE || la->k[i] > pt->n)
            continue;
        uint32_t pos = n++;
        while (pos > 0 && la->k[order[pos - 1]] < la->k[i]) {
            order[pos] = order[pos - 1];
            pos--;
        }
        order[pos] = i;
    }
    uint64_t total = 0;
    for (uint32_t round = 0; round < 64 && n; round++) {
        bool placed = false;
        for (uint32_t x = 0; x < n; x++) {
            uint32_t i = order[x], k = la->k[i];
            uint8_t p = la->p[i];
            if (k > mask_count(r))
                continue;
            uint64_t *fp = &pt->la_full[(size_t)k * GS_PATTERN_COUNT + p];
            gs_mask set;
            if (!*fp)
                *fp = la_best(pt, mask_all(pt->n), k, p, &set) + 1;
            uint64_t full = *fp - 1;
            uint64_t got = la_best(pt, r, k, p, &set);
            if (!set)
                continue;
            r &= ~set;
            placed = true;
            uint64_t wk = (uint64_t)la->w[i] * k;
            if (!full || got >= full)
                total += wk << 16;
            else
                total += wk * ((got << 16) / full);
        }
        if (!placed)
            break;
    }
    return total;
}

/* ---- entry --------------------------------------------------------------- */

bool gs_place_best_on_node(gs_place_tables *pt, gs_mask cand, gs_mask free,
                           gs_mask req, uint32_t k, const place_obj *obj,
                           gs_mask *set, pscore *score)
{
    if ((req & ~cand) || mask_count(req) > k || mask_count(cand) < k || k == 0)
        return false;
    uint8_t p = obj->pattern < GS_PATTERN_COUNT ? obj->pattern
                                                : GS_PATTERN_NONE;
    const la_profile *la = obj->la && obj->la->n ? obj->la : NULL;
    pmemo *memo = NULL;
    if (pt->memo && req == 0 && cand == free) {
        memo = &pt->memo[((size_t)cand * (pt->n + 1) + k) * GS_PATTERN_COUNT +
                         p];
        if (memo->valid && memo->epoch == obj->epoch) {
            *set = memo->set;
            *score = memo->score;
            return memo->valid == 1;
        }
    }
    bool ok = search_run(pt, cand, free, req, k, p, obj->order, la, set,
                         score);
    if (memo) {
        memo->valid = ok ? 1 : 2;
        memo->epoch = obj->epoch;
        if (ok) {
            memo->set = *set;
            memo->score = *score;
        }
    }
    return ok;
}
