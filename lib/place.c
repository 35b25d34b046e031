/*
 * What every placement policy shares: the context a policy sees, node
 * capacities for a job, and the multi-node selection (how many nodes, which
 * ones, how many GPUs on each). The built-in policies differ only in how
 * they rank nodes and which GPUs they take on a node.
 *
 * Nothing here allocates: scratch arrays live in the scheduler.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "place.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- the context a policy sees ----------------------------------------- */

GS_API const gs_topo *gs_place_topo(const gs_place_ctx *ctx)
{
    return ctx ? ctx->s->topo : NULL;
}

gs_mask gs_place_node_usable(const gs_place_ctx *ctx, uint32_t node)
{
    const gs_sched *s = ctx->s;
    const node_state *ns = &s->nodes[node];
    if (ctx->req->exclusive && ns->jobs > 0)
        return 0;
    return ns->avail & ctx->elig[s->topo->nodes[node].type->id];
}

uint32_t gs_place_capacity(const gs_place_ctx *ctx, uint32_t node,
                           gs_mask *usable)
{
    gs_mask u = gs_place_node_usable(ctx, node);
    if (usable)
        *usable = u;
    uint32_t c = mask_count(u);
    const node_state *ns = &ctx->s->nodes[node];
    if (ctx->req->cpus_per_gpu && ns->free_cpus / ctx->req->cpus_per_gpu < c)
        c = ns->free_cpus / ctx->req->cpus_per_gpu;
    if (ctx->req->mem_per_gpu && ns->free_mem / ctx->req->mem_per_gpu < c)
        c = (uint32_t)(ns->free_mem / ctx->req->mem_per_gpu);
    return c;
}

GS_API int gs_place_gpu_usable(const gs_place_ctx *ctx, uint32_t gpu)
{
    if (!ctx || gpu >= ctx->s->topo->n_gpus)
        return 0;
    uint32_t node = ctx->s->topo->gpu_node[gpu];
    uint32_t idx = gpu - ctx->s->topo->nodes[node].first_gpu;
    return (gs_place_node_usable(ctx, node) >> idx) & 1;
}

GS_API uint32_t gs_place_node_capacity(const gs_place_ctx *ctx, uint32_t node)
{
    if (!ctx || node >= ctx->s->n_nodes)
        return 0;
    return gs_place_capacity(ctx, node, NULL);
}

GS_API uint32_t gs_place_node_free_gpus(const gs_place_ctx *ctx,
                                        uint32_t node)
{
    if (!ctx || node >= ctx->s->n_nodes)
        return 0;
    return mask_count(ctx->s->nodes[node].avail);
}

GS_API void gs_place_set_reason(gs_place_ctx *ctx, const char *reason)
{
    if (ctx && reason)
        snprintf(ctx->reason, sizeof ctx->reason, "%s", reason);
}

void gs_place_reasonf(gs_place_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->reason, sizeof ctx->reason, fmt, ap);
    va_end(ap);
}

/* ---- sorting without allocating --------------------------------------- */

static void sift(uint32_t *v, size_t start, size_t end, node_cmp_fn cmp,
                 const void *arg)
{
    size_t root = start;
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= end)
            return;
        if (child + 1 < end && cmp(arg, v[child], v[child + 1]) < 0)
            child++;
        if (cmp(arg, v[root], v[child]) >= 0)
            return;
        uint32_t t = v[root];
        v[root] = v[child];
        v[child] = t;
        root = child;
    }
}

/* Heap sort: cmp(a, b) < 0 when a comes first. Deterministic because
 * every comparator ends with the node index. */
void gs_place_sort(uint32_t *v, size_t n, node_cmp_fn cmp, const void *arg)
{
    if (n < 2)
        return;
    /* a max-heap of "comes later", so the array ends up in order */
    for (size_t i = n / 2; i-- > 0;)
        sift(v, i, n, cmp, arg);
    for (size_t end = n - 1; end > 0; end--) {
        uint32_t t = v[0];
        v[0] = v[end];
        v[end] = t;
        sift(v, 0, end, cmp, arg);
    }
}

/* ---- required GPUs ------------------------------------------------------ */

/* Group required GPUs by node: fills nodes[] (increasing) and masks[] and
 * returns their number. */
uint32_t gs_place_required_nodes(const gs_place_ctx *ctx, uint32_t *nodes,
                                 gs_mask *masks)
{
    const gs_topo *t = ctx->s->topo;
    uint32_t n = 0;
    for (size_t i = 0; i < ctx->req->n_required; i++) {
        uint32_t g = ctx->req->required[i];
        uint32_t node = t->gpu_node[g];
        gs_mask bit = (gs_mask)1 << (g - t->nodes[node].first_gpu);
        if (n && nodes[n - 1] == node) {
            masks[n - 1] |= bit;
        } else {
            nodes[n] = node;
            masks[n] = bit;
            n++;
        }
    }
    return n;
}

/* Write the cluster-wide ids of a node's chosen GPUs to out. */
uint32_t gs_place_emit(const gs_place_ctx *ctx, uint32_t node, gs_mask set,
                       uint32_t *out)
{
    uint32_t first = ctx->s->topo->nodes[node].first_gpu, n = 0;
    for (; set; set &= set - 1)
        out[n++] = first + mask_first(set);
    return n;
}

/* The k lowest GPUs of usable, with req included. */
gs_mask gs_place_lowest(gs_mask usable, gs_mask req, uint32_t k)
{
    gs_mask set = req, rest = usable & ~req;
    for (uint32_t have = mask_count(req); have < k && rest; have++) {
        set |= rest & (~rest + 1);
        rest &= rest - 1;
    }
    return set;
}

/* ---- multi-node selection ---------------------------------------------- */

typedef struct mn_cmp_arg {
    const uint32_t *cap;
    const place_strategy *st;
    gs_place_ctx *ctx;
} mn_cmp_arg;

/* More capacity first, then the policy's order. */
static int cmp_cap(const void *p, uint32_t a, uint32_t b)
{
    const mn_cmp_arg *arg = p;
    if (arg->cap[a] != arg->cap[b])
        return arg->cap[a] > arg->cap[b] ? -1 : 1;
    return arg->st->node_cmp(arg->ctx, a, b);
}

static int cmp_policy(const void *p, uint32_t a, uint32_t b)
{
    const mn_cmp_arg *arg = p;
    return arg->st->node_cmp(arg->ctx, a, b);
}

/* Choose the nodes and GPUs of a job that spans nodes, or one node when
 * single is true. The node set uses as few nodes as the request allows;
 * group-aware strategies then prefer one NVLink domain, then the lowest
 * common switch. */
gs_status gs_place_multi(gs_place_ctx *ctx, const gs_place_request *req,
                         const place_strategy *st, uint32_t *out)
{
    gs_sched *s = ctx->s;
    uint32_t N = s->n_nodes;
    uint32_t *cap = s->scratch_u32;
    uint32_t *cand = s->scratch_nodes;
    uint32_t *fnodes = s->scratch_nodes2;
    gs_mask *fmask = s->forced_mask;
    uint32_t G = req->gpus, p = req->gpus_per_node;
    uint32_t nf = gs_place_required_nodes(ctx, fnodes, fmask);
    /* capacities; a node holding required GPUs must offer them */
    uint32_t most = 0;
    for (uint32_t n = 0; n < N; n++) {
        gs_mask u;
        cap[n] = gs_place_capacity(ctx, n, &u);
        if (cap[n] > most)
            most = cap[n];
    }
    uint32_t fsum = 0;
    for (uint32_t i = 0; i < nf; i++) {
        gs_mask u = gs_place_node_usable(ctx, fnodes[i]);
        if ((fmask[i] & ~u) != 0) {
            uint32_t bad = mask_first(fmask[i] & ~u);
            gs_place_reasonf(ctx, "required GPU %u of node %s is not free",
                             bad, s->topo->nodes[fnodes[i]].name);
            return GS_ENORES;
        }
        if (cap[fnodes[i]] < mask_count(fmask[i])) {
            gs_place_reasonf(ctx, "node %s lacks CPUs or memory for the "
                                  "required GPUs",
                             s->topo->nodes[fnodes[i]].name);
            return GS_ENORES;
        }
        if (p && mask_count(fmask[i]) > p) {
            gs_place_reasonf(ctx, "node %s holds %u required GPUs, more than "
                                  "the %u per node asked",
                             s->topo->nodes[fnodes[i]].name,
                             mask_count(fmask[i]), p);
            return GS_ENORES;
        }
        fsum += p ? p : cap[fnodes[i]];
    }
    /* how many nodes: p fixes it; otherwise as few as capacities allow */
    uint32_t m;
    if (p) {
        m = G / p;
    } else {
        uint32_t nc = 0;
        for (uint32_t n = 0; n < N; n++) {
            bool forced = false;
            for (uint32_t i = 0; i < nf && !forced; i++)
                forced = fnodes[i] == n;
            if (!forced && cap[n] > 0)
                cand[nc++] = n;
        }
        mn_cmp_arg arg = {cap, st, ctx};
        gs_place_sort(cand, nc, cmp_cap, &arg);
        m = nf;
        uint32_t sum = fsum;
        for (uint32_t i = 0; i < nc && sum < G; i++) {
            sum += cap[cand[i]];
            m++;
        }
        if (sum < G) {
            gs_place_reasonf(ctx, "needs %u GPUs; %u are usable in the "
                                  "cluster now",
                             G, sum);
            return GS_ENORES;
        }
        if (m < req->min_nodes)
            m = req->min_nodes;
    }
    if (m > req->max_nodes || (m > 1 && st->single_only)) {
        if (req->max_nodes == 1)
            gs_place_reasonf(ctx, "needs %u GPUs on one node; at most %u "
                                  "usable on a node now",
                             G, most);
        else
            gs_place_reasonf(ctx, "needs %u nodes for %u GPUs, at most %u "
                                  "allowed",
                             m, G, req->max_nodes);
        return GS_ENORES;
    }
    if (nf > m) {
        gs_place_reasonf(ctx, "required GPUs span %u nodes, more than the "
                              "%u the job may use",
                         nf, m);
        return GS_ENORES;
    }
    /* the node set */
    uint32_t lo = 0, hi = N;
    const uint32_t *order = NULL;
    if (st->group_aware || req->one_nvlink_domain)
        gs_place_choose_group(ctx, req, cap, m, fnodes, nf, &order, &lo, &hi);
    uint32_t nc = 0;
    for (uint32_t i = lo; i < hi; i++) {
        uint32_t n = order ? order[i] : i;
        bool forced = false;
        for (uint32_t f = 0; f < nf && !forced; f++)
            forced = fnodes[f] == n;
        if (!forced && cap[n] >= (p ? p : 1))
            cand[nc++] = n;
    }
    if (order && nc + nf < m) {
        gs_place_reasonf(ctx, "no NVLink domain has %u nodes with room for "
                              "the job",
                         m);
        return GS_ENORES;
    }
    mn_cmp_arg arg = {cap, st, ctx};
    if (p) {
        if (st->prepare)
            st->prepare(ctx, req, cand, nc, p);
        gs_place_sort(cand, nc, cmp_policy, &arg);
    } else {
        gs_place_sort(cand, nc, cmp_cap, &arg);
    }
    if (nc + nf < m) {
        if (p)
            gs_place_reasonf(ctx, "needs %u nodes with %u usable GPUs each; "
                                  "%u have them now",
                             m, p, nc + nf);
        else
            gs_place_reasonf(ctx, "needs %u GPUs on %u nodes; not enough "
                                  "usable now",
                             G, m);
        return GS_ENORES;
    }
    /* chosen: forced nodes, then the best candidates */
    uint32_t *chosen = s->scratch_nodes2; /* forced nodes are already first */
    for (uint32_t i = nf; i < m; i++)
        chosen[i] = cand[i - nf];
    /* shares: required GPUs first, then fill in order, leaving at least one
     * GPU for every node still to fill */
    uint32_t *share = s->scratch_u32 + N; /* second half of the scratch */
    uint32_t given = 0;
    for (uint32_t i = 0; i < m; i++) {
        share[i] = p ? p : (i < nf ? mask_count(fmask[i]) : 1);
        given += share[i];
    }
    for (uint32_t i = 0; i < m && !p && given < G; i++) {
        uint32_t room = cap[chosen[i]] - share[i];
        uint32_t add = G - given < room ? G - given : room;
        share[i] += add;
        given += add;
    }
    if (given != G) {
        gs_place_reasonf(ctx, "needs %u GPUs; the chosen nodes hold %u",
                         G, given);
        return GS_ENORES;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < m; i++) {
        uint32_t node = chosen[i];
        gs_mask usable = gs_place_node_usable(ctx, node);
        gs_mask reqm = i < nf ? fmask[i] : 0;
        gs_mask set = st->choose(ctx, req, node, usable, reqm, share[i]);
        if (mask_count(set) != share[i]) {
            gs_place_reasonf(ctx, "node %s cannot give %u GPUs",
                             s->topo->nodes[node].name, share[i]);
            return GS_ENORES;
        }
        k += gs_place_emit(ctx, node, set, out + k);
    }
    return GS_OK;
}

/* ---- groups: NVLink domains and switch subtrees ----------------------- */

/* Does order[a..b) hold the forced nodes and room for the job on m of
 * its nodes? */
static bool group_fits(const gs_place_request *req, const uint32_t *order,
                       uint32_t a, uint32_t b, const uint32_t *cap,
                       uint32_t m, const uint32_t *fnodes, uint32_t nf)
{
    uint32_t need = req->gpus_per_node ? req->gpus_per_node : 1;
    uint32_t fit = 0, forced_in = 0, hist[65] = {0};
    for (uint32_t i = a; i < b; i++) {
        uint32_t n = order[i];
        bool forced = false;
        for (uint32_t f = 0; f < nf && !forced; f++)
            forced = fnodes[f] == n;
        if (forced) {
            forced_in++;
        } else if (cap[n] >= need) {
            fit++;
            hist[cap[n] > 64 ? 64 : cap[n]]++;
        }
    }
    if (forced_in != nf || fit + nf < m)
        return false;
    if (req->gpus_per_node)
        return true;
    /* any split: the m - nf roomiest nodes must hold the rest */
    uint32_t sum = 0, taken = nf;
    for (uint32_t f = 0; f < nf; f++)
        sum += cap[fnodes[f]];
    for (uint32_t c = 64; c > 0 && taken < m; c--)
        for (uint32_t h = hist[c]; h > 0 && taken < m; h--) {
            sum += c;
            taken++;
        }
    return sum >= req->gpus;
}

/* Pick the best group able to host m nodes (with the forced ones), and
 * return its nodes as order[lo..hi). NVLink domains come first (for
 * bandwidth-sensitive jobs), then switches from the deepest up; with none,
 * the whole cluster (order = NULL). A job that must stay in one NVLink
 * domain gets an empty range when no domain can take it. */
void gs_place_choose_group(gs_place_ctx *ctx, const gs_place_request *req,
                           const uint32_t *cap, uint32_t m,
                           const uint32_t *fnodes, uint32_t nf,
                           const uint32_t **order, uint32_t *lo,
                           uint32_t *hi)
{
    gs_sched *s = ctx->s;
    const gs_topo *t = s->topo;
    *order = NULL;
    *lo = 0;
    *hi = s->n_nodes;
    if (m <= 1)
        return; /* one node: any node is its own NVLink island */
    if (req->one_nvlink_domain || req->comm == GS_COMM_BANDWIDTH) {
        for (size_t d = 0; d < t->n_domains; d++) {
            uint32_t a = s->domain_range[d], b = s->domain_range[d + 1];
            if (group_fits(req, s->domain_order, a, b, cap, m, fnodes, nf)) {
                *order = s->domain_order;
                *lo = a;
                *hi = b;
                return;
            }
        }
        if (req->one_nvlink_domain) {
            *order = s->domain_order;
            *lo = *hi = 0;
            return;
        }
    }
    uint32_t best = GS_NONE;
    for (size_t sw = 0; sw < t->n_switches; sw++) {
        if (best != GS_NONE && t->switches[sw].depth <= t->switches[best].depth)
            continue;
        uint32_t a = s->switch_lo[sw], b = s->switch_hi[sw];
        if (group_fits(req, s->switch_order, a, b, cap, m, fnodes, nf))
            best = (uint32_t)sw;
    }
    if (best != GS_NONE) {
        *order = s->switch_order;
        *lo = s->switch_lo[best];
        *hi = s->switch_hi[best];
    }
}

/* ---- the simple policies ----------------------------------------------- */

static int cmp_index(gs_place_ctx *ctx, uint32_t a, uint32_t b)
{
    (void)ctx;
    return a < b ? -1 : a > b;
}

static int cmp_fewest_free(gs_place_ctx *ctx, uint32_t a, uint32_t b)
{
    uint32_t fa = mask_count(ctx->s->nodes[a].avail);
    uint32_t fb = mask_count(ctx->s->nodes[b].avail);
    if (fa != fb)
        return fa < fb ? -1 : 1;
    return cmp_index(ctx, a, b);
}

static int cmp_most_free(gs_place_ctx *ctx, uint32_t a, uint32_t b)
{
    uint32_t fa = mask_count(ctx->s->nodes[a].avail);
    uint32_t fb = mask_count(ctx->s->nodes[b].avail);
    if (fa != fb)
        return fa > fb ? -1 : 1;
    return cmp_index(ctx, a, b);
}

static gs_mask choose_lowest(gs_place_ctx *ctx, const gs_place_request *req,
                             uint32_t node, gs_mask usable, gs_mask reqm,
                             uint32_t k)
{
    (void)ctx;
    (void)req;
    (void)node;
    return gs_place_lowest(usable, reqm, k);
}

gs_status gs_place_simple(gs_place_ctx *ctx, const gs_place_request *req,
                          node_pref pref, uint32_t *out)
{
    gs_sched *s = ctx->s;
    node_cmp_fn2 cmp = pref == PREF_INDEX        ? cmp_index
                       : pref == PREF_FEWEST_FREE ? cmp_fewest_free
                                                  : cmp_most_free;
    /* one node when the request allows it */
    bool one_node_ok = req->min_nodes <= 1 &&
                       (req->gpus_per_node == 0 ||
                        req->gpus_per_node == req->gpus);
    if (one_node_ok) {
        uint32_t fn[1];
        gs_mask fm[1];
        uint32_t nreq_nodes = req->n_required
                                  ? gs_place_required_nodes(ctx, fn, fm)
                                  : 0;
        if (nreq_nodes <= 1) {
            uint32_t best = GS_NONE;
            gs_mask best_usable = 0;
            for (uint32_t n = 0; n < s->n_nodes; n++) {
                if (nreq_nodes && n != fn[0])
                    continue;
                gs_mask u;
                if (gs_place_capacity(ctx, n, &u) < req->gpus)
                    continue;
                if (nreq_nodes && (fm[0] & ~u))
                    continue;
                if (best == GS_NONE || cmp(ctx, n, best) < 0) {
                    best = n;
                    best_usable = u;
                }
            }
            if (best != GS_NONE) {
                gs_mask set = gs_place_lowest(best_usable,
                                              nreq_nodes ? fm[0] : 0,
                                              req->gpus);
                gs_place_emit(ctx, best, set, out);
                return GS_OK;
            }
        }
        if (req->max_nodes <= 1) {
            place_strategy st1 = {cmp, choose_lowest, NULL, false, true};
            return gs_place_multi(ctx, req, &st1, out); /* for the reason */
        }
    }
    place_strategy st = {cmp, choose_lowest, NULL, false, false};
    return gs_place_multi(ctx, req, &st, out);
}
