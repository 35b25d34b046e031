/*
 * Where a MIG job goes: a node and, on it, the GPUs in MIG mode that get
 * one instance each of the job's profile (docs/sharing.md).
 *
 * - first-fit: the first node (weight, then index) with enough GPUs that
 *   can take the instance, and its lowest such GPUs;
 * - spread: the GPUs with the most compute slices left free, on the node
 *   with the most;
 * - the others (best-fit, nvlink-pack, frag-aware, fgd): the GPUs whose
 *   ability to take the profile mix drops least (the cost migstate.c
 *   computes: a fixed instance costs its profile's weight; on a dynamic
 *   GPU the instance goes where gs_mig_choose() says and costs the drop
 *   of the GPU's weighted capacity), ties to the fewest slices left
 *   (packing), then the lowest GPU; the node whose GPUs cost least, ties
 *   to the fewest free slices, then weight and index.
 *
 * Where on the GPU the instance goes is decided when the job starts
 * (migstate.c), by the same rule that priced it here.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "place/place.h"

#include <stdlib.h>
#include <string.h>

typedef struct mig_pick {
    double loss;
    uint32_t left, b;
} mig_pick;

/* The mode's order of two choices (GPUs, or nodes) by their cost and the
 * slices they leave (room): -1 when a comes first, 1 when b does, 0 when
 * the mode cannot tell them apart (then the lower index). spread: more
 * room first; first-fit: no order; the others: less cost, then less room
 * (packing). */
static int by_mode(share_mode mode, double loss_a, uint32_t room_a,
                   double loss_b, uint32_t room_b)
{
    if (mode == SH_SPREAD)
        return room_a != room_b ? (room_a > room_b ? -1 : 1) : 0;
    if (mode == SH_FIRST)
        return 0;
    if (loss_a < loss_b - 1e-9 || loss_a > loss_b + 1e-9)
        return loss_a < loss_b ? -1 : 1;
    return room_a != room_b ? (room_a < room_b ? -1 : 1) : 0;
}

/* Is a a better GPU than b under the mode? (room: the slices it leaves) */
static bool pick_before(const mig_pick *a, const mig_pick *b, share_mode mode)
{
    int c = by_mode(mode, a->loss, a->left, b->loss, b->left);
    return c ? c < 0 : a->b < b->b;
}

typedef struct mig_cand {
    bool ok;
    gs_mask set;
    double loss;
    uint32_t left;  /* slices left free on the GPUs taken */
    uint32_t nfree; /* slices free on the node's usable GPUs */
} mig_cand;

static void eval_node(gs_place_ctx *ctx, const gs_place_request *req,
                      share_mode mode, uint32_t n, gs_mask reqm, mig_cand *c)
{
    gs_sched *s = ctx->s;
    c->ok = false;
    gs_mask usable;
    uint32_t cap = gs_place_capacity(ctx, n, &usable);
    uint32_t k = req->gpus;
    if (cap < k || (reqm & ~usable))
        return;
    uint32_t first = s->topo->nodes[n].first_gpu;
    mig_pick p[GS_SCHED_MAX_GPUS];
    uint32_t np = 0;
    c->nfree = 0;
    c->set = reqm;
    c->loss = 0;
    c->left = 0;
    for (gs_mask m = usable; m; m &= m - 1) {
        uint32_t b = mask_first(m);
        mig_pick x;
        x.b = b;
        gs_mig_cost(s, ctx->job, first + b, &x.loss, &x.left);
        c->nfree += x.left;
        if ((reqm >> b) & 1) {
            c->loss += x.loss;
            c->left += x.left;
            continue;
        }
        /* insertion into the first k (at most 64 GPUs) */
        uint32_t i = np < GS_SCHED_MAX_GPUS ? np++ : np - 1;
        while (i > 0 && pick_before(&x, &p[i - 1], mode)) {
            p[i] = p[i - 1];
            i--;
        }
        p[i] = x;
    }
    uint32_t need = k - mask_count(reqm);
    if (np < need)
        return;
    for (uint32_t i = 0; i < need; i++) {
        c->set |= (gs_mask)1 << p[i].b;
        c->loss += p[i].loss;
        c->left += p[i].left;
    }
    c->ok = true;
}

/* Is node a's answer better than node b's? spread weighs the slices the
 * GPUs taken leave; the others the cost, then the node's free slices. */
static bool cand_before(const gs_sched *s, share_mode mode, const mig_cand *a,
                        uint32_t na, const mig_cand *b, uint32_t nb)
{
    int c = mode == SH_SPREAD
                ? by_mode(mode, 0, a->left, 0, b->left)
                : by_mode(mode, a->loss, a->nfree, b->loss, b->nfree);
    return c ? c < 0 : node_before(s, na, nb);
}

gs_status gs_place_mig(gs_place_ctx *ctx, const gs_place_request *req,
                       share_mode mode, uint32_t *out)
{
    gs_sched *s = ctx->s;
    const uint32_t *list = NULL;
    uint32_t nlist = s->n_nodes, only = GS_NONE;
    gs_mask reqm = 0;
    if (gs_place_one_node_list(ctx, req, &list, &nlist, &reqm, &only) !=
        GS_OK)
        return GS_ENORES;
    mig_cand best = {0}, c = {0};
    best.ok = false;
    uint32_t best_n = GS_NONE;
    const job_rec *j = ctx->job;
    uint64_t key[4] = {(uint64_t)j->mig_prof[0] | (uint64_t)j->mig_prof[1] << 8 |
                           (uint64_t)j->mig_prof[2] << 16 |
                           (uint64_t)j->mig_prof[3] << 24 |
                           (uint64_t)mode << 32 | (uint64_t)req->gpus << 40,
                       req->cpus_per_gpu, req->mem_per_gpu, 0};
    uint32_t epoch = gs_mig_epoch(s), tick = gs_mig_tick(s);
    for (uint32_t i = 0; i < nlist; i++) {
        uint32_t n = list ? list[i] : i;
        if (!s->nodes[n].mig)
            continue;
        mig_memo *mm = reqm ? NULL : gs_mig_memo(s, n);
        if (mm) {
            /* the node's answers are kept while it and the mix are
             * unchanged (every change of a node reindexes it: ver); one
             * per kind of job, the oldest replaced */
            key[3] = ctx->elig[node_class(s, n)];
            uint32_t ver = s->nodes[n].ver, hit = GS_NONE, old = 0;
            for (uint32_t q = 0; q < GS_MIG_MEMOS; q++) {
                const mig_memo *x = &mm[q];
                bool current = x->valid && x->ver == ver && x->epoch == epoch;
                if (current && !memcmp(x->key, key, sizeof key)) {
                    hit = q;
                    break;
                }
                /* replace a stale one, else the least recently read */
                const mig_memo *o = &mm[old];
                bool ocur = o->valid && o->ver == ver && o->epoch == epoch;
                if (ocur && (!current || (int32_t)(x->used - o->used) < 0))
                    old = q;
            }
            if (hit != GS_NONE) {
                mm[hit].used = tick;
                c.ok = mm[hit].valid == 1;
                c.set = mm[hit].set;
                c.loss = mm[hit].loss;
                c.left = mm[hit].left;
                c.nfree = mm[hit].nfree;
#ifndef NDEBUG
                /* debug builds (the tests) check every answer reused */
                mig_cand chk = {0};
                eval_node(ctx, req, mode, n, reqm, &chk);
                if (chk.ok != c.ok ||
                    (c.ok && (chk.set != c.set || chk.left != c.left ||
                              chk.nfree != c.nfree || chk.loss != c.loss)))
                    abort();
#endif
            } else {
                eval_node(ctx, req, mode, n, reqm, &c);
                mig_memo *x = &mm[old];
                x->used = tick;
                memcpy(x->key, key, sizeof key);
                x->ver = ver;
                x->epoch = epoch;
                x->valid = c.ok ? 1 : 2;
                x->set = c.set;
                x->loss = c.loss;
                x->left = c.left;
                x->nfree = c.nfree;
            }
        } else {
            eval_node(ctx, req, mode, n, reqm, &c);
        }
        if (c.ok && (!best.ok || cand_before(s, mode, &c, n, &best, best_n))) {
            best = c;
            best_n = n;
            if (mode == SH_FIRST && !s->node_weights && !list)
                break; /* nodes come in index order */
        }
    }
    if (!best.ok) {
        gs_place_reasonf(ctx,
                         "no node has %u GPU%s in MIG mode with room for a "
                         "%s instance (and the CPUs and memory)",
                         req->gpus, req->gpus == 1 ? "" : "s",
                         ctx->job->mig_name);
        return GS_ENORES;
    }
    gs_place_emit(ctx, best_n, best.set, out);
    return GS_OK;
}
