/*
 * What every placement policy shares: the context a policy sees, node
 * capacities for a job, and the multi-node selection (how many nodes, which
 * ones, how many GPUs on each). The built-in policies differ only in how
 * they rank nodes and which GPUs they take on a node.
 *
 * Nothing here allocates: scratch arrays live in the scheduler.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "place/place.h"

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
    if (ctx->job->mig_slices)
        return gs_mig_roomy(s, node, ctx->job) & ctx->elig[node_class(s, node)];
    if (ctx->req->gpu_milli && ctx->req->gpu_milli < 1000)
        return gs_gpushare_roomy(s, node, ctx->req->gpu_milli,
                                 ctx->req->gpu_mem) &
               ctx->elig[node_class(s, node)];
    return ns->avail & ctx->elig[node_class(s, node)];
}

uint32_t gs_place_capacity(const gs_place_ctx *ctx, uint32_t node,
                           gs_mask *usable)
{
    gs_mask u = gs_place_node_usable(ctx, node);
    if (usable)
        *usable = u;
    uint32_t c = mask_count(u);
    const node_state *ns = &ctx->s->nodes[node];
    /* a node whose topology gives no CPUs (or no memory) does not account
     * them: they do not limit it (as at submission, check_runnable) */
    if (ctx->req->cpus_per_gpu && ns->counts_cpus &&
        ns->free_cpus / ctx->req->cpus_per_gpu < c)
        c = ns->free_cpus / ctx->req->cpus_per_gpu;
    if (ctx->req->mem_per_gpu && ns->counts_mem &&
        ns->free_mem / ctx->req->mem_per_gpu < c)
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

gs_status gs_place_one_node_list(gs_place_ctx *ctx,
                                 const gs_place_request *req,
                                 const uint32_t **list, uint32_t *nlist,
                                 gs_mask *reqm, uint32_t *only)
{
    gs_sched *s = ctx->s;
    *list = NULL;
    *nlist = s->n_nodes;
    *reqm = 0;
    if (req->n_required) {
        uint32_t *fn = s->scratch_nodes2;
        gs_mask *fm = s->forced_mask;
        if (gs_place_required_nodes(ctx, fn, fm) != 1) {
            gs_place_reasonf(ctx, "its required GPUs are on several nodes");
            return GS_ENORES;
        }
        *only = fn[0];
        *reqm = fm[0];
        *list = only;
        *nlist = 1;
    } else if (ctx->part != GS_NONE) {
        *list = s->parts[ctx->part].nodes;
        *nlist = s->parts[ctx->part].n_nodes;
    }
    return GS_OK;
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
    if (ctx && reason && !ctx->quiet)
        snprintf(ctx->reason, sizeof ctx->reason, "%s", reason);
}

void gs_place_reasonf(gs_place_ctx *ctx, const char *fmt, ...)
{
    if (ctx->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->reason, sizeof ctx->reason, fmt, ap);
    va_end(ap);
}

/* ---- sorting without allocating --------------------------------------- */

void gs_place_sort(uint32_t *v, size_t n, node_cmp_fn cmp, const void *arg)
{
    gs_sort_idx(v, n, cmp, arg);
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

/* Move the k best of v[0..n) (cmp < 0: comes first) to v[0..k), in order,
 * in O(n log k): a heap whose root is the worst of those kept so far. */
static void select_best(uint32_t *v, size_t n, size_t k, node_cmp_fn cmp,
                        const void *arg)
{
    if (k > n)
        k = n;
    if (k == 0)
        return;
    gs_place_sort(v, k, cmp, arg); /* sorted: v[k-1] is the worst */
    for (size_t i = k; i < n; i++) {
        if (cmp(arg, v[i], v[k - 1]) >= 0)
            continue;
        /* insert v[i] into the sorted prefix, dropping the worst */
        uint32_t x = v[i];
        size_t pos = k - 1;
        while (pos > 0 && cmp(arg, x, v[pos - 1]) < 0) {
            v[pos] = v[pos - 1];
            pos--;
        }
        v[pos] = x;
    }
}

/* Everything one multi-node attempt needs. */
typedef struct multi {
    gs_place_ctx *ctx;
    const gs_place_request *req;
    const place_strategy *st;
    uint32_t *out;
    uint32_t G, p, need, m, nf;
    const uint32_t *fnodes;
    const gs_mask *fmask;
    uint32_t fsum;       /* GPUs the forced nodes give (p each, or cap) */
    uint32_t *cap;       /* per node, valid for the nodes looked at */
    uint32_t exact_m;    /* fewest nodes by exact capacities (cluster walk) */
} multi;

static bool is_forced(const multi *mu, uint32_t n)
{
    for (uint32_t f = 0; f < mu->nf; f++)
        if (mu->fnodes[f] == n)
            return true;
    return false;
}

/* Histogram test: could the group of this row host the job on m nodes,
 * judging by free-GPU counts (an upper bound on capacities)? */
static bool hist_ok(const multi *mu, const uint32_t *row)
{
    gs_sched *s = mu->ctx->s;
    uint32_t h[65];
    memcpy(h, row, sizeof h);
    for (uint32_t f = 0; f < mu->nf; f++) {
        uint32_t c = mask_count(s->nodes[mu->fnodes[f]].avail);
        if (h[c])
            h[c]--;
    }
    uint32_t want = mu->m - mu->nf, fit = 0;
    for (uint32_t c = mu->need; c <= 64; c++)
        fit += h[c];
    if (fit < want)
        return false;
    if (mu->p)
        return true;
    uint64_t sum = mu->fsum;
    uint32_t taken = 0;
    for (uint32_t c = 64; c >= mu->need && taken < want; c--) {
        uint32_t t = GS_MIN(h[c], want - taken);
        sum += (uint64_t)t * c;
        taken += t;
    }
    return sum >= mu->G;
}

/* Try to place the job on m nodes taken from nodes[0..n) (plus the forced
 * ones), computing exact capacities. */
static bool attempt(multi *mu, const uint32_t *nodes, uint32_t n,
                    bool whole_cluster)
{
    gs_place_ctx *ctx = mu->ctx;
    gs_sched *s = ctx->s;
    uint32_t *cand = s->scratch_nodes;
    uint32_t nc = 0, forced_in = 0;
    uint32_t hist[65] = {0};
    for (uint32_t i = 0; i < n; i++) {
        uint32_t node = nodes ? nodes[i] : i;
        if (is_forced(mu, node)) {
            forced_in++;
            continue;
        }
        uint32_t c = gs_place_capacity(ctx, node, NULL);
        mu->cap[node] = c;
        if (c >= mu->need) {
            cand[nc++] = node;
            hist[c > 64 ? 64 : c]++;
        }
    }
    if (whole_cluster && !mu->p) {
        /* the fewest nodes by exact capacities, for a retry */
        uint64_t sum = mu->fsum;
        uint32_t m = mu->nf;
        for (uint32_t c = 64; c >= 1 && sum < mu->G; c--)
            for (uint32_t h = hist[c]; h > 0 && sum < mu->G; h--) {
                sum += c;
                m++;
            }
        mu->exact_m = sum >= mu->G ? GS_MAX(m, mu->req->min_nodes)
                                   : UINT32_MAX;
    }
    if (forced_in != mu->nf || nc + mu->nf < mu->m)
        return false;
    uint32_t want = mu->m - mu->nf;
    mn_cmp_arg arg = {mu->cap, mu->st, ctx};
    if (mu->p) {
        ctx->prepared = false;
        if (mu->st->prepare)
            mu->st->prepare(ctx, mu->req, cand, nc, mu->p);
        select_best(cand, nc, want, cmp_policy, &arg);
    } else {
        select_best(cand, nc, want, cmp_cap, &arg);
    }
    /* chosen: forced nodes first, then the best candidates */
    uint32_t *chosen = s->scratch_nodes2;
    for (uint32_t i = mu->nf; i < mu->m; i++)
        chosen[i] = cand[i - mu->nf];
    /* shares: required GPUs first, then fill in order, leaving at least
     * one GPU for every node still to fill */
    uint32_t *share = s->scratch_u32 + s->n_nodes;
    uint32_t given = 0;
    for (uint32_t i = 0; i < mu->m; i++) {
        share[i] = mu->p ? mu->p
                         : (i < mu->nf ? mask_count(mu->fmask[i]) : 1);
        given += share[i];
    }
    for (uint32_t i = 0; i < mu->m && !mu->p && given < mu->G; i++) {
        uint32_t room = mu->cap[chosen[i]] - share[i];
        uint32_t add = GS_MIN(mu->G - given, room);
        share[i] += add;
        given += add;
    }
    if (given != mu->G)
        return false;
    uint32_t k = 0;
    for (uint32_t i = 0; i < mu->m; i++) {
        uint32_t node = chosen[i];
        gs_mask usable = gs_place_node_usable(ctx, node);
        gs_mask reqm = i < mu->nf ? mu->fmask[i] : 0;
        gs_mask set = mu->st->choose(ctx, mu->req, node, usable, reqm,
                                     share[i]);
        if (mask_count(set) != share[i])
            return false;
        k += gs_place_emit(ctx, node, set, mu->out + k);
    }
    return true;
}

/* Does the switch subtree or domain hold every forced node? */
static bool holds_forced(const multi *mu, bool domain, uint32_t g)
{
    gs_sched *s = mu->ctx->s;
    for (uint32_t f = 0; f < mu->nf; f++) {
        uint32_t n = mu->fnodes[f];
        if (domain) {
            if (s->topo->nodes[n].domain != g)
                return false;
        } else {
            uint32_t pos = s->switch_pos[n];
            if (pos == GS_NONE || pos < s->switch_lo[g] ||
                pos >= s->switch_hi[g])
                return false;
        }
    }
    return true;
}

/* Groups in order of preference: NVLink domains (bandwidth-sensitive or
 * one-domain jobs), then switches from the deepest up, then the whole
 * cluster. */
static bool place_groups(multi *mu)
{
    gs_sched *s = mu->ctx->s;
    const gs_topo *t = s->topo;
    const gs_place_request *req = mu->req;
    bool groups = (mu->st->group_aware || req->one_nvlink_domain) && mu->m > 1;
    if (groups &&
        (req->one_nvlink_domain || req->comm == GS_COMM_BANDWIDTH)) {
        for (uint32_t d = 0; d < t->n_domains; d++) {
            if (!hist_ok(mu, s->hist + (size_t)(t->n_switches + d) * 65) ||
                !holds_forced(mu, true, d))
                continue;
            uint32_t lo = s->domain_range[d], hi = s->domain_range[d + 1];
            if (attempt(mu, s->domain_order + lo, hi - lo, false))
                return true;
        }
        if (req->one_nvlink_domain)
            return false;
    }
    if (groups) {
        for (uint32_t i = 0; i < t->n_switches; i++) {
            uint32_t sw = s->switch_by_depth[i];
            if (!hist_ok(mu, s->hist + (size_t)sw * 65) ||
                !holds_forced(mu, false, sw))
                continue;
            uint32_t lo = s->switch_lo[sw], hi = s->switch_hi[sw];
            if (attempt(mu, s->switch_order + lo, hi - lo, false))
                return true;
        }
    }
    if (req->one_nvlink_domain && mu->m > 1)
        return false;
    if (mu->ctx->part != GS_NONE) {
        const sched_part *pp = &s->parts[mu->ctx->part];
        return attempt(mu, pp->nodes, pp->n_nodes, true);
    }
    return attempt(mu, NULL, s->n_nodes, true);
}

/* Choose the nodes and GPUs of a job: as few nodes as the request allows;
 * group-aware strategies then prefer one NVLink domain, then the lowest
 * common switch; the policy ranks the nodes of the chosen group. */
gs_status gs_place_multi(gs_place_ctx *ctx, const gs_place_request *req,
                         const place_strategy *st, uint32_t *out)
{
    gs_sched *s = ctx->s;
    /* the nodes it may use: its partition's, or the cluster's */
    const uint32_t *cluster = ctx->part != GS_NONE
                                  ? gs_part_hist(s, ctx->part)
                                  : s->hist + (size_t)s->hist_cluster * 65;
    multi mu;
    memset(&mu, 0, sizeof mu);
    mu.ctx = ctx;
    mu.req = req;
    mu.st = st;
    mu.out = out;
    mu.G = req->gpus;
    mu.p = req->gpus_per_node;
    mu.need = mu.p ? mu.p : 1;
    mu.cap = s->scratch_u32;
    uint32_t *fnodes = s->scratch_nodes2;
    gs_mask *fmask = s->forced_mask;
    mu.nf = gs_place_required_nodes(ctx, fnodes, fmask);
    mu.fnodes = fnodes;
    mu.fmask = fmask;
    for (uint32_t i = 0; i < mu.nf; i++) {
        gs_mask u;
        uint32_t c = gs_place_capacity(ctx, fnodes[i], &u);
        s->scratch_u32[fnodes[i]] = c;
        const char *name = s->topo->nodes[fnodes[i]].name;
        if (fmask[i] & ~u) {
            gs_place_reasonf(ctx, "required GPU %u of node %s is not free",
                             mask_first(fmask[i] & ~u), name);
            return GS_ENORES;
        }
        if (c < mask_count(fmask[i]) || (mu.p && c < mu.p)) {
            gs_place_reasonf(ctx, "node %s, which holds required GPUs, lacks "
                                  "the free GPUs, CPUs or memory",
                             name);
            return GS_ENORES;
        }
        if (mu.p && mask_count(fmask[i]) > mu.p) {
            gs_place_reasonf(ctx, "node %s holds %u required GPUs, more than "
                                  "the %u per node asked",
                             name, mask_count(fmask[i]), mu.p);
            return GS_ENORES;
        }
        mu.fsum += mu.p ? mu.p : c;
    }
    /* fewest nodes, first judged by free-GPU counts (upper bounds) */
    if (mu.p) {
        mu.m = mu.G / mu.p;
        /* enough nodes with p free GPUs? (free-GPU counts bound the
         * capacities, so a "no" here is final and cheap) */
        if (mu.m >= mu.nf && mu.m <= req->max_nodes && !hist_ok(&mu, cluster)) {
            if (mu.m == 1)
                gs_place_reasonf(ctx, "needs a node with %u usable GPUs; "
                                      "none has that many now",
                                 mu.p);
            else
                gs_place_reasonf(ctx, "needs %u nodes with %u usable GPUs "
                                      "each; not that many now",
                                 mu.m, mu.p);
            return GS_ENORES;
        }
    } else {
        uint32_t h[65];
        memcpy(h, cluster, sizeof h);
        for (uint32_t f = 0; f < mu.nf; f++) {
            uint32_t c = mask_count(s->nodes[fnodes[f]].avail);
            if (h[c])
                h[c]--;
        }
        uint64_t sum = mu.fsum;
        mu.m = mu.nf;
        for (uint32_t c = 64; c >= 1 && sum < mu.G; c--)
            for (uint32_t k = h[c]; k > 0 && sum < mu.G; k--) {
                sum += c;
                mu.m++;
            }
        if (sum < mu.G) {
            gs_place_reasonf(ctx, "needs %u GPU%s; %llu %s free in the "
                                  "cluster now",
                             mu.G, mu.G == 1 ? "" : "s",
                             (unsigned long long)sum, sum == 1 ? "is" : "are");
            return GS_ENORES;
        }
        mu.m = GS_MAX(mu.m, req->min_nodes);
    }
    for (int round = 0; round < 2; round++) {
        if (mu.m > req->max_nodes || (mu.m > 1 && st->single_only)) {
            if (req->max_nodes == 1 || st->single_only)
                gs_place_reasonf(ctx, "needs %u GPUs on one node; no node "
                                      "has that many usable now",
                                 mu.G);
            else
                gs_place_reasonf(ctx, "needs %u nodes for %u GPUs, at most "
                                      "%u allowed",
                                 mu.m, mu.G, req->max_nodes);
            return GS_ENORES;
        }
        if (mu.nf > mu.m) {
            gs_place_reasonf(ctx, "required GPUs span %u nodes, more than "
                                  "the %u the job may use",
                             mu.nf, mu.m);
            return GS_ENORES;
        }
        mu.exact_m = mu.m;
        if (place_groups(&mu))
            return GS_OK;
        /* capacities were below the free-GPU counts: try with the fewest
         * nodes the exact capacities allow */
        if (mu.p || mu.exact_m <= mu.m || mu.exact_m == UINT32_MAX)
            break;
        mu.m = mu.exact_m;
    }
    if (mu.exact_m == UINT32_MAX)
        gs_place_reasonf(ctx, "needs %u GPU%s; not that many are usable "
                              "in the cluster now (CPUs, memory or GPU kind)",
                         mu.G, mu.G == 1 ? "" : "s");
    else if (req->one_nvlink_domain && mu.m > 1)
        gs_place_reasonf(ctx, "no NVLink domain has room for %u GPUs on %u "
                              "nodes now",
                         mu.G, mu.m);
    else if (mu.p && mu.m == 1)
        gs_place_reasonf(ctx, "needs a node with %u usable GPUs; none has "
                              "that many now",
                         mu.p);
    else if (mu.p)
        gs_place_reasonf(ctx, "needs %u nodes with %u usable GPUs each; not "
                              "that many now",
                         mu.m, mu.p);
    else
        gs_place_reasonf(ctx, "needs %u GPUs on %u nodes; not enough usable "
                              "now",
                         mu.G, mu.m);
    return GS_ENORES;
}

/* ---- the simple policies ----------------------------------------------- */

static int cmp_index(gs_place_ctx *ctx, uint32_t a, uint32_t b)
{
    if (a == b)
        return 0;
    return node_before(ctx->s, a, b) ? -1 : 1;
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
        /* the required GPUs may lie on many nodes: group them in the
         * scheduler's per-node scratch, which has room for every node */
        uint32_t *fn = s->scratch_nodes2;
        gs_mask *fm = s->forced_mask;
        uint32_t nreq_nodes = req->n_required
                                  ? gs_place_required_nodes(ctx, fn, fm)
                                  : 0;
        if (nreq_nodes <= 1) {
            uint32_t best = GS_NONE;
            gs_mask best_usable = 0;
            /* the nodes it may use: its partition's, or all */
            const uint32_t *list = NULL;
            uint32_t nl = s->n_nodes;
            if (ctx->part != GS_NONE) {
                list = s->parts[ctx->part].nodes;
                nl = s->parts[ctx->part].n_nodes;
            }
            for (uint32_t i = 0; i < nl; i++) {
                uint32_t n = list ? list[i] : i;
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
