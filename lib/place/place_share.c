/*
 * Shared GPUs and fragmentation (docs/sharing.md).
 *
 * A shared job (a share of each of its GPUs, on one node) may go to any
 * GPU with room: free, or used by other shared jobs. The built-in
 * policies differ in which node and GPUs they take:
 *
 * - first-fit: the first node (weight, then index) and its lowest GPUs
 *   with room;
 * - best-fit: the least room left on the GPUs taken, then the node with
 *   the least free share;
 * - spread: the most room left;
 * - nvlink-pack: best-fit; for several GPUs, nvlink-pack's set among the
 *   GPUs with room, nodes by its score first;
 * - fgd: FGD's rule (Weng et al., USENIX ATC '23, section 4): the node and
 *   GPU where the fragmentation measure grows least, ties to the first
 *   node;
 * - frag-aware: the same measure, ties to the least room left on the GPU
 *   taken, then to the node with the least free share (packing), then
 *   nvlink-pack's score; several GPUs: nvlink-pack's set on each node; one
 *   whole GPU: growths within 1% of the least are alike, and the node with
 *   the most free share among them wins (choose()).
 *
 * The measure of a node for one class of the job mix (fragment.c) is the
 * free share the class could not use there: all of it when the class does
 * not fit on the node, else the free share of the GPUs with less room
 * than one of its GPUs needs; a node's measure is the classes' weighted
 * sum. Per node, the per-class counts are cached until the node changes
 * (its version) or the mix does (the epoch), so the growth for taking a
 * set costs O(classes x GPUs taken); and the best answer for a kind of
 * job is cached the same way, so a decision over unchanged nodes costs a
 * lookup per node.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "place/place.h"

#include <math.h>
#include <string.h>

/* ---- the measure ------------------------------------------------------- */

/* Free share of each schedulable GPU of node n (free or shared, not held
 * whole, drained or failed); others 0. Returns the schedulable mask. */
static gs_mask free_shares(const gs_sched *s, uint32_t n, uint32_t *fv)
{
    const node_state *ns = &s->nodes[n];
    const gs_ntype *ty = node_type(s, n);
    gs_mask ok = 0;
    if (!ns->drained_node && !ns->excl_job)
        ok = mask_all(ty->n_gpus) &
             ~((ns->busy & ~ns->shared) | ns->drained | ns->failed | ns->mig);
    uint32_t first = s->topo->nodes[n].first_gpu;
    for (uint32_t b = 0; b < ty->n_gpus; b++) {
        uint32_t f = 0;
        if ((ok >> b) & 1) {
            uint32_t u = s->shr[first + b].used + s->shr[first + b].rsv;
            f = u < 1000 ? 1000 - u : 0;
        }
        fv[b] = f;
    }
    return ok;
}

static bool class_fits(const frag_cls *c, uint32_t cnt, uint32_t cpus,
                       uint64_t mem, const node_state *ns)
{
    return cnt >= c->gpus && (!ns->counts_cpus || c->cpus <= cpus) &&
           (!ns->counts_mem || c->mem <= mem);
}

/* Compute node n's stats into fn / st (st: one per class). */
static void compute_stats(const gs_sched *s, uint32_t n, const uint32_t *fv,
                          frag_node *fn, frag_stat *st)
{
    const struct frag_state *f = s->frag;
    const node_state *ns = &s->nodes[n];
    uint32_t G = node_type(s, n)->n_gpus;
    fn->sumfree = 0;
    for (uint32_t b = 0; b < G; b++)
        fn->sumfree += fv[b];
    fn->free_cpus = ns->free_cpus;
    fn->free_mem = ns->free_mem;
    double F = 0;
    for (uint32_t c = 0; c < f->n; c++) {
        uint32_t d = f->cls[c].milli, small = 0, cnt = 0;
        for (uint32_t b = 0; b < G; b++) {
            if (fv[b] >= d)
                cnt++;
            else
                small += fv[b];
        }
        st[c].small = small;
        st[c].cnt = (uint16_t)GS_MIN(cnt, 65535u);
        F += f->cls[c].w * (class_fits(&f->cls[c], cnt, fn->free_cpus,
                                       fn->free_mem, ns)
                                ? small
                                : fn->sumfree);
    }
    fn->F = F;
    fn->ver = ns->ver;
    fn->epoch = f->epoch;
    fn->valid = true;
}

/* Node n's stats, from the cache when it is current. */
static const frag_node *node_stats(gs_sched *s, uint32_t n, const uint32_t *fv,
                                   const frag_stat **st, frag_node *tmp,
                                   frag_stat *tmp_st)
{
    struct frag_state *f = s->frag;
    if (f->node) {
        frag_node *fn = &f->node[n];
        frag_stat *cs = f->stat + (size_t)n * GS_MAX_FRAG_CLASSES;
        if (!fn->valid || fn->ver != s->nodes[n].ver || fn->epoch != f->epoch)
            compute_stats(s, n, fv, fn, cs);
        *st = cs;
        return fn;
    }
    compute_stats(s, n, fv, tmp, tmp_st);
    *st = tmp_st;
    return tmp;
}

double gs_frag_node(const gs_sched *s, uint32_t n)
{
    if (!s->frag->n)
        return 0;
    uint32_t fv[GS_SCHED_MAX_GPUS];
    free_shares(s, n, fv);
    frag_node tmp;
    frag_stat tst[GS_MAX_FRAG_CLASSES];
    compute_stats(s, n, fv, &tmp, tst);
    return tmp.F;
}

/* How much node n's measure grows when a job takes share m of each GPU of
 * set, and cpus and mem of the node. */
static double grow(const gs_sched *s, uint32_t n, const frag_node *fn,
                   const frag_stat *st, const uint32_t *fv, gs_mask set,
                   uint32_t m, uint32_t cpus, uint64_t mem)
{
    const struct frag_state *f = s->frag;
    const node_state *ns = &s->nodes[n];
    uint32_t k = mask_count(set);
    uint32_t sumfree = fn->sumfree - k * m;
    uint32_t fcpu = fn->free_cpus >= cpus ? fn->free_cpus - cpus : 0;
    uint64_t fmem = fn->free_mem >= mem ? fn->free_mem - mem : 0;
    double F = 0;
    for (uint32_t c = 0; c < f->n; c++) {
        uint32_t d = f->cls[c].milli;
        int64_t cnt = st[c].cnt, small = st[c].small;
        for (gs_mask x = set; x; x &= x - 1) {
            uint32_t b = mask_first(x);
            uint32_t before = fv[b], after = fv[b] - m;
            if (before >= d)
                cnt--;
            else
                small -= before;
            if (after >= d)
                cnt++;
            else
                small += after;
        }
        F += f->cls[c].w *
             (class_fits(&f->cls[c], (uint32_t)cnt, fcpu, fmem, ns)
                  ? (double)small
                  : (double)sumfree);
    }
    return F - fn->F;
}

/* ---- choosing ----------------------------------------------------------- */

/* One node's answer. */
typedef struct cand {
    bool ok;
    gs_mask set;
    double d;        /* growth of the measure (frag modes) */
    uint32_t left;   /* room left on the GPUs taken */
    uint32_t nfree;  /* the node's free share (all its GPUs) */
    pscore score;    /* nvlink-pack's score (several GPUs) */
    bool scored;
} cand;

/* The k GPUs of `room` (required ones first) with the least (most: most
 * true) room, ties to the lower index. */
static gs_mask pick_by_room(const uint32_t *fv, gs_mask room, gs_mask req,
                            uint32_t k, bool most)
{
    gs_mask set = req;
    for (uint32_t have = mask_count(req); have < k; have++) {
        gs_mask rest = room & ~set;
        if (!rest)
            break;
        uint32_t best = mask_first(rest);
        for (gs_mask x = rest & (rest - 1); x; x &= x - 1) {
            uint32_t b = mask_first(x);
            if (most ? fv[b] > fv[best] : fv[b] < fv[best])
                best = b;
        }
        set |= (gs_mask)1 << best;
    }
    return set;
}

#define DELTA_EPS 1e-6

/* Is a better than b (modes' orders)? Both ok. */
static bool better(const gs_sched *s, share_mode mode, const cand *a,
                   uint32_t na, const cand *b, uint32_t nb, uint8_t order)
{
    switch (mode) {
    case SH_FIRST:
        break;
    case SH_BEST:
    case SH_NVLINK:
        if (a->scored && b->scored) {
            int c = gs_pscore_cmp(&a->score, &b->score, order);
            if (c)
                return c > 0;
        }
        if (a->left != b->left)
            return a->left < b->left;
        if (a->nfree != b->nfree)
            return a->nfree < b->nfree;
        break;
    case SH_SPREAD:
        if (a->left != b->left)
            return a->left > b->left;
        if (a->nfree != b->nfree)
            return a->nfree > b->nfree;
        break;
    case SH_FGD:
        if (a->d < b->d - DELTA_EPS || a->d > b->d + DELTA_EPS)
            return a->d < b->d;
        break;
    case SH_FRAG:
        if (a->d < b->d - DELTA_EPS || a->d > b->d + DELTA_EPS)
            return a->d < b->d;
        if (a->scored && b->scored) {
            int c = gs_pscore_cmp(&a->score, &b->score, order);
            if (c)
                return c > 0;
        }
        if (a->left != b->left)
            return a->left < b->left;
        if (a->nfree != b->nfree)
            return a->nfree < b->nfree;
        break;
    }
    return node_before(s, na, nb);
}

/* The answer of node n for the job in ctx (shared: share m < 1000; whole:
 * m = 1000 on fully free GPUs). */
static void eval_node(gs_place_ctx *ctx, const gs_place_request *req,
                      share_mode mode, uint32_t n, gs_mask reqm, uint32_t m,
                      cand *out)
{
    gs_sched *s = ctx->s;
    out->ok = false;
    out->scored = false;
    gs_mask usable;
    uint32_t k = req->gpus;
    if (gs_place_capacity(ctx, n, &usable) < k || (reqm & ~usable))
        return;
    uint32_t fv[GS_SCHED_MAX_GPUS];
    free_shares(s, n, fv);
    uint32_t nfree = 0;
    for (uint32_t b = 0; b < node_type(s, n)->n_gpus; b++)
        nfree += fv[b];
    bool frag = (mode == SH_FRAG || mode == SH_FGD) && s->frag->n;
    uint32_t cpus = s->nodes[n].counts_cpus ? req->cpus_per_gpu * k : 0;
    uint64_t mem = s->nodes[n].counts_mem ? req->mem_per_gpu * k : 0;
    frag_node tmp;
    frag_stat tst[GS_MAX_FRAG_CLASSES];
    const frag_stat *st = NULL;
    const frag_node *fn =
        frag ? node_stats(s, n, fv, &st, &tmp, tst) : NULL;
    gs_mask set = 0;
    bool topo = k > 1 && (mode == SH_NVLINK || mode == SH_FRAG);
    if (topo || (m == 1000 && mode == SH_FRAG)) {
        gs_place_tables *pt = s->tables[node_type(s, n)->id];
        if (!gs_place_best_on_node(pt, usable, s->nodes[n].avail, reqm, k,
                                   &ctx->obj, &set, &out->score))
            return;
        out->scored = true;
    } else if (frag && k == 1 && !reqm && m < 1000) {
        /* every GPU with room; GPUs with the same room are alike */
        double best = 0;
        uint32_t seen[GS_SCHED_MAX_GPUS], ns_ = 0;
        for (gs_mask x = usable; x; x &= x - 1) {
            uint32_t b = mask_first(x);
            bool dup = false;
            for (uint32_t i = 0; i < ns_ && !dup; i++)
                dup = seen[i] == fv[b];
            if (dup)
                continue;
            seen[ns_++] = fv[b];
            gs_mask one = (gs_mask)1 << b;
            double d = grow(s, n, fn, st, fv, one, m, cpus, mem);
            bool take = !set || d < best - DELTA_EPS;
            if (!take && mode == SH_FRAG && d <= best + DELTA_EPS)
                take = fv[b] < fv[mask_first(set)]; /* least room left */
            if (take) {
                set = one;
                best = d;
            }
        }
    } else if (mode == SH_FIRST || m == 1000) {
        set = gs_place_lowest(usable, reqm, k);
    } else {
        set = pick_by_room(fv, usable, reqm, k, mode == SH_SPREAD);
    }
    if (mask_count(set) != k)
        return;
    out->ok = true;
    out->set = set;
    out->nfree = nfree;
    out->left = 0;
    for (gs_mask x = set; x; x &= x - 1)
        out->left += fv[mask_first(x)] - m;
    out->d = frag ? grow(s, n, fn, st, fv, set, m, cpus, mem) : 0;
}

/* The cache of answers (frag modes, one GPU, no required GPUs). */
static bool cache_get(gs_sched *s, uint32_t n, const uint64_t *key, cand *c)
{
    const frag_best *b = &s->frag->best[n];
    if (!b->valid || b->ver != s->nodes[n].ver ||
        b->epoch != s->frag->epoch || memcmp(b->key, key, sizeof b->key))
        return false;
    c->ok = b->valid == 1;
    c->set = b->set;
    c->d = b->d;
    c->left = b->left;
    c->nfree = b->nfree;
    c->score = b->score;
    c->scored = b->scored;
    return true;
}

static void cache_put(gs_sched *s, uint32_t n, const uint64_t *key,
                      const cand *c)
{
    frag_best *b = &s->frag->best[n];
    memcpy(b->key, key, sizeof b->key);
    b->ver = s->nodes[n].ver;
    b->epoch = s->frag->epoch;
    b->valid = c->ok ? 1 : 2;
    b->set = c->set;
    b->d = c->d;
    b->left = c->left;
    b->nfree = c->nfree;
    b->score = c->score;
    b->scored = c->scored;
}

/* frag-aware, one whole GPU: nodes whose growth is within this share of
 * the least growth are alike (docs/sharing.md). */
#define WHOLE_TIE 0.01

/* Node n's answer, from the cache when it may be used. */
static void node_answer(gs_place_ctx *ctx, const gs_place_request *req,
                        share_mode mode, uint32_t n, gs_mask reqm, uint32_t m,
                        bool cached, uint64_t *key, cand *c)
{
    gs_sched *s = ctx->s;
    if (cached) {
        key[3] = ctx->elig[node_class(s, n)];
        key[4] = ctx->obj.epoch;
        if (!cache_get(s, n, key, c)) {
            eval_node(ctx, req, mode, n, reqm, m, c);
            cache_put(s, n, key, c);
        }
    } else {
        eval_node(ctx, req, mode, n, reqm, m, c);
    }
}

/* Choose among the nodes the job may use (its partition's, or all; the
 * node of its required GPUs). */
static gs_status choose(gs_place_ctx *ctx, const gs_place_request *req,
                        share_mode mode, uint32_t m, uint32_t *out)
{
    gs_sched *s = ctx->s;
    const uint32_t *list = NULL;
    uint32_t nlist = s->n_nodes;
    gs_mask reqm = 0;
    uint32_t only = GS_NONE;
    if (gs_place_one_node_list(ctx, req, &list, &nlist, &reqm, &only) !=
        GS_OK)
        return GS_ENORES;
    bool cached = s->frag->best && (mode == SH_FRAG || mode == SH_FGD) &&
                  req->gpus == 1 && !reqm;
    uint64_t key[FRAG_KEY_WORDS] = {
        (uint64_t)m | (uint64_t)mode << 11 | (uint64_t)req->pattern << 16 |
            (uint64_t)(req->exclusive != 0) << 24 |
            (uint64_t)req->cpus_per_gpu << 32,
        req->mem_per_gpu, req->gpu_mem, 0, 0};
    cand best, c;
    best.ok = false;
    uint32_t best_n = GS_NONE;
    uint8_t order = (uint8_t)(ctx->obj.order | PSCORE_NO_LOOK);
    for (uint32_t i = 0; i < nlist; i++) {
        uint32_t n = list ? list[i] : i;
        node_answer(ctx, req, mode, n, reqm, m, cached, key, &c);
        if (!c.ok)
            continue;
        if (!best.ok || better(s, mode, &c, n, &best, best_n, order)) {
            best = c;
            best_n = n;
            if (mode == SH_FIRST && !s->node_weights && !list)
                break; /* nodes come in index order */
        }
    }
    if (best.ok && mode == SH_FRAG && m == 1000 && cached) {
        /* One whole GPU under frag-aware: the nodes whose growth is
         * within 1% of the least are alike, and the one with the most free
         * share among them wins (then the least growth, then node order).
         * It spreads such jobs over nodes that fragment alike instead of
         * filling one node's CPUs first; on Alibaba's 2023 trace it leaves
         * fewer GPUs unallocated than FGD's rule (docs/sharing.md). The
         * answers are cached: the second pass reads them back. */
        double lim = best.d + WHOLE_TIE * fabs(best.d) + DELTA_EPS;
        for (uint32_t i = 0; i < nlist; i++) {
            uint32_t n = list ? list[i] : i;
            node_answer(ctx, req, mode, n, reqm, m, cached, key, &c);
            if (!c.ok || c.d > lim || n == best_n)
                continue;
            if (c.nfree > best.nfree ||
                (c.nfree == best.nfree &&
                 (c.d < best.d - DELTA_EPS ||
                  (c.d <= best.d + DELTA_EPS && node_before(s, n, best_n))))) {
                best = c;
                best_n = n;
            }
        }
    }
    if (!best.ok) {
        char share[32];
        gs_fmt_milli(share, sizeof share, m);
        gs_place_reasonf(ctx,
                         m < 1000 ? "no node has %u GPUs with %s GPU free "
                                    "each (and the CPUs and memory)"
                                  : "no node has %u free GPUs it accepts "
                                    "(and the CPUs and memory)%s",
                         req->gpus, m < 1000 ? share : "");
        return GS_ENORES;
    }
    gs_place_emit(ctx, best_n, best.set, out);
    return GS_OK;
}

gs_status gs_place_shared(gs_place_ctx *ctx, const gs_place_request *req,
                          share_mode mode, uint32_t *out)
{
    gs_place_objective(ctx->s, req, &ctx->obj);
    return choose(ctx, req, mode, req->gpu_milli, out);
}

gs_status gs_place_frag(gs_place_ctx *ctx, const gs_place_request *req,
                        share_mode mode, uint32_t *out)
{
    if (req->gpu_milli && req->gpu_milli < 1000)
        return gs_place_shared(ctx, req, mode, out);
    /* whole GPUs: on one node by the measure; over several nodes as
     * nvlink-pack (frag-aware) or best-fit (fgd) place them */
    if (req->max_nodes > 1 || req->min_nodes > 1 ||
        (req->gpus_per_node && req->gpus_per_node != req->gpus))
        return mode == SH_FRAG ? gs_place_nvlink(ctx, req, out)
                               : gs_place_simple(ctx, req, PREF_FEWEST_FREE,
                                                 out);
    gs_place_objective(ctx->s, req, &ctx->obj);
    return choose(ctx, req, mode, 1000, out);
}

GS_API uint32_t gs_place_gpu_free_milli(const gs_place_ctx *ctx, uint32_t gpu)
{
    if (!ctx || gpu >= ctx->s->topo->n_gpus)
        return 0;
    const gs_sched *s = ctx->s;
    uint32_t node = s->topo->gpu_node[gpu];
    uint32_t fv[GS_SCHED_MAX_GPUS];
    free_shares(s, node, fv);
    return fv[gpu - s->topo->nodes[node].first_gpu];
}
