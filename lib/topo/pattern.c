/*
 * Bandwidth models of a GPU set per communication pattern (pattern.h;
 * formulas in docs/placement.md).
 *
 *   ring:       rings (directed Hamiltonian cycles) packed greedily: each
 *               round takes the ring with the highest bottleneck of what
 *               the links and ports have left, runs it at that rate and
 *               takes the rate off every link and port it uses -- as NCCL
 *               searches channels. The sum of the rates; the first ring's
 *               rate is the best single ring.
 *   all-to-all: every GPU sends the same amount to every other at once: a
 *               pair's effective bandwidth is its own (NVLink wires) or its
 *               share of the ports it goes through (the port's bandwidth
 *               over the pairs using it). (k - 1) x the weakest pair is the
 *               bandwidth each GPU sends at; the bisection is the least
 *               effective bandwidth across a split into halves.
 *   chain:      the best Hamiltonian path's bottleneck (a pipeline).
 *   any:        Q(S), the sum of the pair bandwidths.
 * Exact up to PG_EXACT_MAX GPUs (bitmask dynamic programming over the
 * thresholds); larger sets take the GPUs in the order given.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "topo/pattern.h"

#include "topo/topo_impl.h"

#include <gpusched/topo.h>

#include <string.h>

#define PORTS_MAX PG_PORTS_MAX
#define NOPORT 0xFFFFu

typedef pg_sub sub;
typedef pg_ring_state ring_state;

static void sub_build(const pg_graph *g, const uint32_t *v, uint32_t k,
                      sub *s)
{
    uint32_t gport[PORTS_MAX];
    s->k = k;
    s->nport = 0;
    for (uint32_t i = 0; i < k; i++) {
        for (uint32_t m = 0; m < PG_MEDIA; m++) {
            s->lport[i * PG_MEDIA + m] = NOPORT;
            if (m == PG_DIRECT)
                continue;
            uint32_t p = g->port[(size_t)v[i] * PG_MEDIA + m];
            if (p >= g->n_ports)
                continue;
            uint32_t l = 0;
            while (l < s->nport && gport[l] != p)
                l++;
            if (l == s->nport) {
                gport[l] = p;
                s->cap[l] = g->cap[p];
                s->nport++;
            }
            s->lport[i * PG_MEDIA + m] = (uint16_t)l;
        }
        for (uint32_t j = 0; j < k; j++) {
            size_t a = (size_t)v[i] * g->n + v[j];
            s->bw[i * k + j] = i == j ? 0 : g->bw[a];
            s->med[i * k + j] = g->med[a];
        }
    }
}

/* The shared port a directed pair leaves through / enters by, or NOPORT. */
static inline uint32_t out_port(const sub *s, uint32_t i, uint32_t j)
{
    uint8_t m = s->med[i * s->k + j];
    return m == PG_DIRECT || m >= PG_MEDIA ? NOPORT
                                           : s->lport[i * PG_MEDIA + m];
}

static inline uint32_t in_port(const sub *s, uint32_t i, uint32_t j)
{
    uint8_t m = s->med[i * s->k + j];
    return m == PG_DIRECT || m >= PG_MEDIA ? NOPORT
                                           : s->lport[j * PG_MEDIA + m];
}

/* ---- Hamiltonian cycles and paths --------------------------------------- */

/* A directed Hamiltonian cycle through 0..k-1 (2 <= k <= PG_EXACT_MAX)
 * using edges of out[]; order receives it starting at 0. dp: 2^(k-1)
 * entries. */
static bool ham_cycle(uint32_t k, const uint32_t *out, const uint32_t *in,
                      uint16_t *dp, uint32_t *order)
{
    size_t nm = (size_t)1 << (k - 1);
    memset(dp, 0, nm * sizeof *dp);
    dp[0] = 1;
    for (size_t m = 0; m < nm; m++) {
        uint32_t ends = dp[m];
        uint32_t mask = (uint32_t)(m << 1) | 1u;
        for (; ends; ends &= ends - 1) {
            uint32_t e = (uint32_t)__builtin_ctz(ends);
            for (uint32_t nx = out[e] & ~mask; nx; nx &= nx - 1) {
                uint32_t u = (uint32_t)__builtin_ctz(nx);
                dp[(mask | (1u << u)) >> 1] |= (uint16_t)(1u << u);
            }
        }
    }
    uint32_t full = (uint32_t)((nm - 1) << 1) | 1u;
    uint32_t ends = dp[nm - 1] & in[0];
    if (!ends)
        return false;
    uint32_t cur = (uint32_t)__builtin_ctz(ends), mask = full;
    order[k - 1] = cur;
    for (uint32_t pos = k - 1; pos-- > 1;) {
        mask &= ~(1u << cur);
        uint32_t prev = dp[mask >> 1] & in[cur];
        cur = (uint32_t)__builtin_ctz(prev);
        order[pos] = cur;
    }
    order[0] = 0;
    return true;
}

/* Whether an undirected Hamiltonian path through 0..k-1 exists (k <=
 * PG_EXACT_MAX). dp: 2^k entries. */
static bool ham_path(uint32_t k, const uint32_t *adj, uint16_t *dp)
{
    size_t nm = (size_t)1 << k;
    memset(dp, 0, nm * sizeof *dp);
    for (uint32_t v = 0; v < k; v++)
        dp[1u << v] = (uint16_t)(1u << v);
    for (size_t m = 1; m < nm; m++) {
        uint32_t ends = dp[m];
        for (; ends; ends &= ends - 1) {
            uint32_t e = (uint32_t)__builtin_ctz(ends);
            for (uint32_t nx = adj[e] & ~(uint32_t)m; nx; nx &= nx - 1) {
                uint32_t u = (uint32_t)__builtin_ctz(nx);
                dp[m | (1u << u)] |= (uint16_t)(1u << u);
            }
        }
    }
    return dp[nm - 1] != 0;
}

/* Distinct positive values of a[0..n) up to ub, decreasing; returns the
 * count. */
static uint32_t distinct_desc(const uint64_t *a, uint32_t n, uint64_t ub,
                              uint64_t *vals)
{
    uint32_t nv = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t x = a[i];
        if (!x || x > ub)
            continue;
        uint32_t p = 0;
        while (p < nv && vals[p] > x)
            p++;
        if (p < nv && vals[p] == x)
            continue;
        memmove(vals + p + 1, vals + p, (nv - p) * sizeof *vals);
        vals[p] = x;
        nv++;
    }
    return nv;
}

/* ---- ring ---------------------------------------------------------------- */


/* A hop's capacity x, capped by what its shared ports carry out and in. */
static uint64_t port_capped(const sub *s, uint32_t i, uint32_t j, uint64_t x,
                            const uint64_t *out, const uint64_t *in)
{
    uint32_t po = out_port(s, i, j), pi = in_port(s, i, j);
    if (po != NOPORT)
        x = GS_MIN(x, out[po]);
    if (pi != NOPORT)
        x = GS_MIN(x, in[pi]);
    return x;
}

static uint64_t avail(const sub *s, const ring_state *rs, uint32_t i,
                      uint32_t j)
{
    return port_capped(s, i, j, rs->rem[i * s->k + j], rs->pout, rs->pin);
}

/* Run the cycle order[0..k) at the most it can carry; returns the rate. */
static uint64_t ring_take(const sub *s, ring_state *rs, const uint32_t *order)
{
    uint32_t k = s->k;
    uint32_t uo[PORTS_MAX] = {0}, ui[PORTS_MAX] = {0};
    uint64_t rate = UINT64_MAX;
    for (uint32_t p = 0; p < k; p++) {
        uint32_t i = order[p], j = order[(p + 1) % k];
        rate = GS_MIN(rate, rs->rem[i * k + j]);
        uint32_t po = out_port(s, i, j), pi = in_port(s, i, j);
        if (po != NOPORT)
            uo[po]++;
        if (pi != NOPORT)
            ui[pi]++;
    }
    for (uint32_t p = 0; p < s->nport; p++) {
        if (uo[p])
            rate = GS_MIN(rate, rs->pout[p] / uo[p]);
        if (ui[p])
            rate = GS_MIN(rate, rs->pin[p] / ui[p]);
    }
    if (!rate || rate == UINT64_MAX)
        return 0;
    for (uint32_t p = 0; p < k; p++) {
        uint32_t i = order[p], j = order[(p + 1) % k];
        rs->rem[i * k + j] -= rate;
        uint32_t po = out_port(s, i, j), pi = in_port(s, i, j);
        if (po != NOPORT)
            rs->pout[po] -= rate;
        if (pi != NOPORT)
            rs->pin[pi] -= rate;
    }
    return rate;
}

/* One more ring in the packing (the first is the best single ring). */
static void ring_count(pg_result *r, uint64_t rate)
{
    if (r->rings == 0)
        r->ring_single = rate;
    r->ring += rate;
    r->rings++;
}

static void ring_init(const sub *s, ring_state *rs)
{
    uint32_t k = s->k;
    for (uint32_t i = 0; i < k * k; i++)
        rs->rem[i] = s->bw[i];
    for (uint32_t p = 0; p < s->nport; p++)
        rs->pout[p] = rs->pin[p] = s->cap[p];
}

static void ring_exact(const sub *s, pg_work *w, pg_result *r)
{
    uint16_t *dp = w->dp;
    uint32_t k = s->k;
    ring_state *rsp = &w->rs;
    ring_init(s, rsp);
    uint64_t a[16 * 16], vals[16 * 16];
    uint32_t order[16], best_order[16];
    for (uint32_t round = 0; round < PG_MAX_RINGS; round++) {
        /* the threshold cannot pass any vertex's best way out or in */
        uint64_t ub = UINT64_MAX;
        for (uint32_t i = 0; i < k; i++) {
            uint64_t mo = 0, mi = 0;
            for (uint32_t j = 0; j < k; j++) {
                if (i == j) {
                    a[i * k + j] = 0;
                    continue;
                }
                a[i * k + j] = avail(s, rsp, i, j);
                mo = GS_MAX(mo, a[i * k + j]);
            }
            for (uint32_t j = 0; j < k; j++)
                if (j != i)
                    mi = GS_MAX(mi, avail(s, rsp, j, i));
            ub = GS_MIN(ub, GS_MIN(mo, mi));
        }
        if (!ub)
            break;
        uint32_t nv = distinct_desc(a, k * k, ub, vals);
        /* largest threshold with a cycle: binary search over vals */
        uint32_t lo = 0, hi = nv; /* answer index in [lo, hi) ... */
        bool found = false;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            uint32_t out[16] = {0}, in[16] = {0};
            for (uint32_t i = 0; i < k; i++)
                for (uint32_t j = 0; j < k; j++)
                    if (i != j && a[i * k + j] >= vals[mid]) {
                        out[i] |= 1u << j;
                        in[j] |= 1u << i;
                    }
            if (ham_cycle(k, out, in, dp, order)) {
                found = true;
                memcpy(best_order, order, k * sizeof *order);
                hi = mid; /* a higher threshold (lower index) may work */
            } else {
                lo = mid + 1;
            }
        }
        if (!found)
            break;
        uint64_t rate = ring_take(s, rsp, best_order);
        if (!rate)
            break;
        ring_count(r, rate);
    }
}

/* Larger sets: the ring through the GPUs in the order given, then the
 * same ring backwards. */
static void ring_ordered(const sub *s, pg_work *w, pg_result *r)
{
    ring_state *rs = &w->rs;
    ring_init(s, rs);
    uint32_t order[PG_SET_MAX];
    for (uint32_t dir = 0; dir < 2; dir++) {
        for (uint32_t p = 0; p < s->k; p++)
            order[p] = dir ? s->k - 1 - p : p;
        uint64_t rate = ring_take(s, rs, order);
        if (rate)
            ring_count(r, rate);
    }
}

/* ---- chain --------------------------------------------------------------- */

static uint64_t edge_cap(const sub *s, uint32_t i, uint32_t j)
{
    return port_capped(s, i, j, s->bw[i * s->k + j], s->cap, s->cap);
}

static uint64_t chain_exact(const sub *s, uint16_t *dp)
{
    uint32_t k = s->k;
    uint64_t a[16 * 16], vals[16 * 16];
    uint64_t ub = UINT64_MAX;
    for (uint32_t i = 0; i < k; i++) {
        uint64_t mx = 0;
        for (uint32_t j = 0; j < k; j++) {
            /* both directions: a pipeline sends one way, and a path is
             * as good as its weaker direction */
            a[i * k + j] =
                i == j ? 0 : GS_MIN(edge_cap(s, i, j), edge_cap(s, j, i));
            mx = GS_MAX(mx, a[i * k + j]);
        }
        ub = GS_MIN(ub, mx);
    }
    uint32_t nv = distinct_desc(a, k * k, ub, vals);
    uint32_t lo = 0, hi = nv;
    uint64_t best = 0;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        uint32_t adj[16] = {0};
        for (uint32_t i = 0; i < k; i++)
            for (uint32_t j = 0; j < k; j++)
                if (i != j && a[i * k + j] >= vals[mid])
                    adj[i] |= 1u << j;
        if (ham_path(k, adj, dp)) {
            best = vals[mid];
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return best;
}

static uint64_t chain_ordered(const sub *s)
{
    uint64_t b = UINT64_MAX;
    for (uint32_t p = 0; p + 1 < s->k; p++)
        b = GS_MIN(b, GS_MIN(edge_cap(s, p, p + 1), edge_cap(s, p + 1, p)));
    return b == UINT64_MAX ? 0 : b;
}

/* ---- all-to-all ---------------------------------------------------------- */

static void a2a(const sub *s, pg_work *w, bool bisect, pg_result *r)
{
    uint32_t k = s->k;
    uint32_t co[PORTS_MAX] = {0}, ci[PORTS_MAX] = {0};
    for (uint32_t i = 0; i < k; i++)
        for (uint32_t j = 0; j < k; j++) {
            if (i == j)
                continue;
            uint32_t po = out_port(s, i, j), pi = in_port(s, i, j);
            if (po != NOPORT)
                co[po]++;
            if (pi != NOPORT)
                ci[pi]++;
        }
    static const uint64_t big = UINT64_MAX;
    uint64_t weakest = big;
    uint64_t *e = w->rs.rem; /* k x k effective pairs */
    for (uint32_t i = 0; i < k; i++)
        for (uint32_t j = 0; j < k; j++) {
            if (i == j) {
                e[i * k + j] = 0;
                continue;
            }
            uint64_t x = s->bw[i * k + j];
            uint32_t po = out_port(s, i, j), pi = in_port(s, i, j);
            if (po != NOPORT)
                x = GS_MIN(x, s->cap[po] / co[po]);
            if (pi != NOPORT)
                x = GS_MIN(x, s->cap[pi] / ci[pi]);
            e[i * k + j] = x;
            weakest = GS_MIN(weakest, x);
        }
    r->weakest = weakest == big ? 0 : weakest;
    r->a2a = (uint64_t)(k - 1) * r->weakest;
    if (!bisect || k < 2 || k > PG_BISECT_MAX)
        return;
    uint32_t h = k / 2;
    uint64_t best = big;
    /* subsets of h vertices (holding vertex 0 when the halves are equal,
     * as the other half is the same split) by Gosper's hack */
    uint32_t m = (1u << h) - 1, limit = 1u << k;
    while (m < limit) {
        if (2 * h != k || (m & 1u)) {
            uint64_t cut = 0;
            for (uint32_t a = m; a; a &= a - 1) {
                uint32_t i = (uint32_t)__builtin_ctz(a);
                for (uint32_t b = ~m & (limit - 1); b; b &= b - 1)
                    cut += e[i * k + (uint32_t)__builtin_ctz(b)];
            }
            best = GS_MIN(best, cut);
        }
        uint32_t c = m & (0u - m), rr = m + c;
        m = (((rr ^ m) >> 2) / c) | rr;
    }
    r->bisection = best == big ? 0 : best;
}

/* ---- entry points -------------------------------------------------------- */

void pg_eval(const pg_graph *g, const uint32_t *v, uint32_t k, unsigned want,
             pg_work *w, pg_result *out)
{
    memset(out, 0, sizeof *out);
    out->exact = true;
    if (want & PG_WANT_Q)
        for (uint32_t i = 0; i < k; i++)
            for (uint32_t j = i + 1; j < k; j++)
                out->q += g->bw[(size_t)v[i] * g->n + v[j]];
    if (k < 2 || !(want & ~PG_WANT_Q))
        return;
    sub *s = &w->s;
    sub_build(g, v, k, s);
    bool exact = k <= PG_EXACT_MAX;
    if (want & PG_WANT_RING) {
        if (exact)
            ring_exact(s, w, out);
        else
            ring_ordered(s, w, out);
    }
    if (want & PG_WANT_CHAIN)
        out->chain = exact ? chain_exact(s, w->dp) : chain_ordered(s);
    if (want & (PG_WANT_A2A | PG_WANT_BISECT))
        a2a(s, w, (want & PG_WANT_BISECT) != 0, out);
    if ((want & (PG_WANT_RING | PG_WANT_CHAIN)) && !exact)
        out->exact = false;
}

uint64_t pg_value(const pg_result *r, gs_comm_pattern p)
{
    switch (p) {
    case GS_PATTERN_ANY:
        return r->q;
    case GS_PATTERN_RING:
        return r->ring;
    case GS_PATTERN_ALL_TO_ALL:
        return r->a2a;
    case GS_PATTERN_CHAIN:
        return r->chain;
    default:
        return 0;
    }
}

unsigned pg_want(gs_comm_pattern p)
{
    switch (p) {
    case GS_PATTERN_ANY:
        return PG_WANT_Q;
    case GS_PATTERN_RING:
        return PG_WANT_Q | PG_WANT_RING;
    case GS_PATTERN_ALL_TO_ALL:
        return PG_WANT_Q | PG_WANT_A2A | PG_WANT_BISECT;
    case GS_PATTERN_CHAIN:
        return PG_WANT_Q | PG_WANT_CHAIN;
    default:
        return 0;
    }
}

static inline uint64_t gcap(const pg_graph *g, uint32_t v, uint32_t m)
{
    uint32_t p = g->port[(size_t)v * PG_MEDIA + m];
    return p < g->n_ports ? g->cap[p] : UINT64_MAX;
}

uint64_t pg_bound(const pg_graph *g, gs_comm_pattern p, uint64_t in,
                  uint64_t more, uint32_t k)
{
    if (!in)
        return UINT64_MAX;
    uint64_t all = in | more, b = UINT64_MAX;
    if (p == GS_PATTERN_RING) {
        for (uint64_t a = in; a; a &= a - 1) {
            uint32_t v = (uint32_t)__builtin_ctzll(a);
            uint64_t sum[PG_MEDIA] = {0};
            for (uint64_t o = all & ~((uint64_t)1 << v); o; o &= o - 1) {
                uint32_t u = (uint32_t)__builtin_ctzll(o);
                size_t x = (size_t)v * g->n + u;
                uint8_t m = g->med[x] < PG_MEDIA ? g->med[x] : PG_DIRECT;
                sum[m] += g->bw[x];
            }
            uint64_t c = sum[PG_DIRECT];
            for (uint32_t m = 1; m < PG_MEDIA; m++)
                c += GS_MIN(sum[m], gcap(g, v, m));
            b = GS_MIN(b, c);
        }
    } else if (p == GS_PATTERN_CHAIN) {
        for (uint64_t a = in; a; a &= a - 1) {
            uint32_t v = (uint32_t)__builtin_ctzll(a);
            uint64_t mx = 0;
            for (uint64_t o = all & ~((uint64_t)1 << v); o; o &= o - 1) {
                uint32_t u = (uint32_t)__builtin_ctzll(o);
                size_t x = (size_t)v * g->n + u;
                uint64_t e = g->bw[x];
                uint8_t m = g->med[x];
                if (m != PG_DIRECT && m < PG_MEDIA)
                    e = GS_MIN(e, GS_MIN(gcap(g, v, m), gcap(g, u, m)));
                mx = GS_MAX(mx, e);
            }
            b = GS_MIN(b, mx);
        }
    } else if (p == GS_PATTERN_ALL_TO_ALL) {
        /* effective pairs within `in`: ports are shared by fewer pairs
         * there than in any superset */
        if (__builtin_popcountll(in) < 2)
            return UINT64_MAX;
        uint32_t cnt[64][PG_MEDIA];
        memset(cnt, 0, sizeof cnt);
        for (uint64_t a = in; a; a &= a - 1) {
            uint32_t v = (uint32_t)__builtin_ctzll(a);
            for (uint64_t o = in & ~((uint64_t)1 << v); o; o &= o - 1) {
                uint32_t u = (uint32_t)__builtin_ctzll(o);
                uint8_t m = g->med[(size_t)v * g->n + u];
                if (m != PG_DIRECT && m < PG_MEDIA)
                    cnt[v][m]++;
            }
        }
        /* ports shared by several GPUs (a node's network port) count
         * each GPU's pairs separately here: a looser bound, still valid */
        for (uint64_t a = in; a; a &= a - 1) {
            uint32_t v = (uint32_t)__builtin_ctzll(a);
            for (uint64_t o = in & ~((uint64_t)1 << v); o; o &= o - 1) {
                uint32_t u = (uint32_t)__builtin_ctzll(o);
                size_t x = (size_t)v * g->n + u;
                uint64_t e = g->bw[x];
                uint8_t m = g->med[x];
                if (m != PG_DIRECT && m < PG_MEDIA) {
                    e = GS_MIN(e, gcap(g, v, m) / cnt[v][m]);
                    e = GS_MIN(e, gcap(g, u, m) / cnt[u][m]);
                }
                b = GS_MIN(b, e);
            }
        }
        b = b == UINT64_MAX ? b : b * (k ? k - 1 : 0);
    } else {
        return 0;
    }
    return b;
}

/* ---- graphs from the topology ------------------------------------------- */

/* Network bandwidth per node and between two nodes (MB/s): 25 GB/s under
 * one leaf switch (or without switches), halved per level climbed. */
#define NET_MBS 25000u

static uint32_t net_mbs(const gs_topo *t, uint32_t na, uint32_t nb)
{
    const gs_node_rec *a = &t->nodes[na], *b = &t->nodes[nb];
    if (a->sw == GS_NONE || b->sw == GS_NONE)
        return NET_MBS;
    uint32_t c = gs_topo_common_switch(t, na, nb);
    uint32_t da = t->switches[a->sw].depth, db = t->switches[b->sw].depth;
    uint32_t top = c == GS_NONE ? 0 : t->switches[c].depth;
    uint32_t levels = GS_MAX(da, db) - top + (c == GS_NONE ? 1 : 0);
    return levels >= 16 ? NET_MBS >> 16 : NET_MBS >> levels;
}

static uint8_t cell_medium(const gs_ntype *ty, uint32_t i, uint32_t j)
{
    const gs_gpu_rec *a = &ty->gpus[i], *b = &ty->gpus[j];
    if (a->fabric != GS_NONE8 && a->fabric == b->fabric)
        return PG_FABRIC;
    return gs_ntype_cell(ty, i, j)->nvlinks ? PG_DIRECT : PG_PCIE;
}

uint32_t pg_port_cap(const gs_ntype *ty, uint32_t i, uint32_t m)
{
    uint64_t c = 0;
    if (m == PG_FABRIC)
        c = (uint64_t)ty->gpus[i].fabric_links * ty->bw_eff[BW_PER_LINK];
    for (uint32_t j = 0; j < ty->n_gpus; j++)
        if (j != i && cell_medium(ty, i, j) == m)
            c = GS_MAX(c, gs_ntype_cell(ty, i, j)->bw);
    if (m == PG_PCIE && !c)
        c = ty->bw_eff[BW_PIX];
    return (uint32_t)GS_MIN(c, (uint64_t)GS_BW_MAX_MBS);
}

void pg_type_fill(const gs_ntype *ty, uint32_t *bw, uint8_t *med,
                  uint32_t *port, uint32_t *cap)
{
    uint32_t n = ty->n_gpus;
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t j = 0; j < n; j++) {
            bw[(size_t)i * n + j] = i == j ? 0 : gs_ntype_cell(ty, i, j)->bw;
            med[(size_t)i * n + j] =
                i == j ? PG_DIRECT : cell_medium(ty, i, j);
        }
        for (uint32_t m = 0; m < PG_MEDIA; m++)
            port[(size_t)i * PG_MEDIA + m] = UINT32_MAX;
        port[(size_t)i * PG_MEDIA + PG_FABRIC] = i;
        port[(size_t)i * PG_MEDIA + PG_PCIE] = n + i;
        cap[i] = pg_port_cap(ty, i, PG_FABRIC);
        cap[n + i] = pg_port_cap(ty, i, PG_PCIE);
    }
}

GS_API const char *gs_pattern_name(gs_comm_pattern p)
{
    static const char *const names[GS_PATTERN_COUNT] = {
        "any", "ring", "all-to-all", "chain", "none"};
    return (unsigned)p < GS_PATTERN_COUNT ? names[p] : "?";
}

static bool same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

GS_API gs_status gs_pattern_parse(const char *name, gs_comm_pattern *out)
{
    static const struct {
        const char *name;
        gs_comm_pattern p;
    } table[] = {{"any", GS_PATTERN_ANY},
                 {"ring", GS_PATTERN_RING},
                 {"all-reduce", GS_PATTERN_RING},
                 {"allreduce", GS_PATTERN_RING},
                 {"all-to-all", GS_PATTERN_ALL_TO_ALL},
                 {"alltoall", GS_PATTERN_ALL_TO_ALL},
                 {"a2a", GS_PATTERN_ALL_TO_ALL},
                 {"chain", GS_PATTERN_CHAIN},
                 {"pipeline", GS_PATTERN_CHAIN},
                 {"none", GS_PATTERN_NONE}};
    if (!name || !out)
        return GS_EINVAL;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (same_name(name, table[i].name)) {
            *out = table[i].p;
            return GS_OK;
        }
    return GS_EINVAL;
}

void pg_info_fill(const pg_result *r, gs_comm_pattern p, gs_pattern_info *out)
{
    out->q = (double)r->q / 1000.0;
    out->ring = (double)r->ring / 1000.0;
    out->ring_single = (double)r->ring_single / 1000.0;
    out->rings = r->rings;
    out->all_to_all = (double)r->a2a / 1000.0;
    out->weakest_pair = (double)r->weakest / 1000.0;
    out->bisection = (double)r->bisection / 1000.0;
    out->chain = (double)r->chain / 1000.0;
    out->exact = r->exact;
    out->bandwidth = (double)pg_value(r, p) / 1000.0;
}

/* Copy the filled prefix into the caller's struct of its own size. */
void pg_info_copy(const gs_pattern_info *full, gs_pattern_info *info)
{
    uint32_t size = info->struct_size;
    memcpy(info, full, GS_MIN((size_t)size, sizeof *full));
    info->struct_size = size;
}

GS_API gs_status gs_topo_pattern_bandwidth(const gs_topo *t,
                                           const uint32_t *gpus, size_t count,
                                           gs_comm_pattern pattern,
                                           gs_pattern_info *info)
{
    if (!t || !t->frozen)
        return t ? GS_ENOTFROZEN : GS_EINVAL;
    if ((count && !gpus) || !info || (unsigned)pattern >= GS_PATTERN_COUNT ||
        info->struct_size < 2 * sizeof(double) ||
        info->struct_size > (1u << 16))
        return GS_EINVAL;
    for (size_t i = 0; i < count; i++) {
        if (gpus[i] >= t->n_gpus)
            return GS_EINVAL;
        for (size_t j = 0; j < i; j++)
            if (gpus[i] == gpus[j])
                return GS_EINVAL;
    }
    gs_pattern_info full = GS_PATTERN_INFO_INIT;
    pg_result r;
    memset(&r, 0, sizeof r);
    r.exact = true;
    if (count > PG_SET_MAX) {
        /* Q alone, as gs_topo_quality gives it */
        double q = 0;
        gs_status st = gs_topo_quality(t, gpus, count, &q);
        if (st != GS_OK)
            return st;
        r.q = (uint64_t)(q * 1000.0 + 0.5);
        r.exact = false;
        pg_info_fill(&r, pattern, &full);
        pg_info_copy(&full, info);
        return GS_OK;
    }
    uint32_t k = (uint32_t)count;
    /* the set's own graph: vertex i is gpus[i]; ports: fabric i, PCIe
     * k + i, network 2k + the node's position among the set's nodes */
    size_t kk = (size_t)k * k;
    uint32_t *bw = gs_calloc(kk ? kk : 1, sizeof *bw);
    uint8_t *med = gs_calloc(kk ? kk : 1, 1);
    uint32_t *port = gs_calloc((size_t)(k ? k : 1) * PG_MEDIA, sizeof *port);
    uint32_t *cap = gs_calloc((size_t)(k ? k : 1) * 3, sizeof *cap);
    uint32_t *lnode = gs_calloc(k ? k : 1, sizeof *lnode);
    uint32_t *vert = gs_calloc(k ? k : 1, sizeof *vert);
    pg_work *w = gs_malloc(sizeof *w);
    gs_status st = GS_ENOMEM;
    if (!bw || !med || !port || !cap || !lnode || !vert || !w)
        goto out;
    uint32_t nn = 0;
    for (uint32_t i = 0; i < k; i++) {
        uint32_t node = t->gpu_node[gpus[i]];
        uint32_t l = 0;
        while (l < nn && lnode[l] != node)
            l++;
        if (l == nn)
            lnode[nn++] = node;
        const gs_node_rec *nr = &t->nodes[node];
        uint32_t gi = gpus[i] - nr->first_gpu;
        vert[i] = i;
        for (uint32_t m = 0; m < PG_MEDIA; m++)
            port[(size_t)i * PG_MEDIA + m] = UINT32_MAX;
        port[(size_t)i * PG_MEDIA + PG_FABRIC] = i;
        port[(size_t)i * PG_MEDIA + PG_PCIE] = k + i;
        port[(size_t)i * PG_MEDIA + PG_NET] = 2 * k + l;
        cap[i] = pg_port_cap(nr->type, gi, PG_FABRIC);
        cap[k + i] = pg_port_cap(nr->type, gi, PG_PCIE);
        cap[2 * k + l] = NET_MBS;
        for (uint32_t j = 0; j < k; j++) {
            if (i == j)
                continue;
            uint32_t node_j = t->gpu_node[gpus[j]];
            const gs_node_rec *nj = &t->nodes[node_j];
            uint32_t gj = gpus[j] - nj->first_gpu;
            size_t x = (size_t)i * k + j;
            if (node_j == node) {
                bw[x] = gs_ntype_cell(nr->type, gi, gj)->bw;
                med[x] = cell_medium(nr->type, gi, gj);
            } else if (nr->domain != GS_NONE && nr->domain == nj->domain) {
                bw[x] = gs_topo_bw_mbs(t, gpus[i], gpus[j]);
                med[x] = PG_FABRIC;
            } else {
                bw[x] = net_mbs(t, node, node_j);
                med[x] = PG_NET;
            }
        }
    }
    pg_graph g = {k, bw, med, port, cap, 3 * k};
    pg_eval(&g, vert, k, PG_WANT_ALL & ~PG_WANT_Q, w, &r);
    /* Q(S) as gs_topo_quality defines it: network pairs count 0 */
    for (uint32_t i = 0; i < k; i++)
        for (uint32_t j = i + 1; j < k; j++)
            r.q += gs_topo_bw_mbs(t, gpus[i], gpus[j]);
    pg_info_fill(&r, pattern, &full);
    pg_info_copy(&full, info);
    st = GS_OK;
out:
    gs_free(bw);
    gs_free(med);
    gs_free(port);
    gs_free(cap);
    gs_free(lnode);
    gs_free(vert);
    gs_free(w);
    return st;
}
