/*
 * nvlink-pack: the placement objective of DESIGN §5.
 *
 * One node: the best set by (Q, NUMA span, damage, lowest indices) on every
 * node, comparing nodes by the same criteria and then by index. Nodes are
 * indexed by (node type, free-GPU mask): nodes sharing a key have the same
 * best answer, so a 10,000-node cluster is scanned as a few hundred keys,
 * each answered from a cache, and the lowest node of the winning keys that
 * also has the CPUs and memory is the one.
 *
 * Several nodes: as few nodes as the request allows, inside one NVLink
 * domain or under the lowest common switch when possible (place.c), ranking
 * candidate nodes by the best set they offer.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "place/place.h"

#include <string.h>

/* Nodes are compared without the look-ahead: it chooses within a node
 * (measured: across nodes it spread jobs onto fresh nodes and lengthened
 * job completion times in gpusched sim; docs/placement.md). */
#define XNODE PSCORE_NO_LOOK

/* Best answer for (key, candidates, k, objective), cached in the key
 * slot. */
static bool key_best(gs_sched *s, key_slot *ks, gs_mask cand, uint32_t k,
                     const place_obj *obj, gs_mask *set, pscore *score)
{
    for (uint32_t i = 0; i < KEY_CACHE; i++) {
        if (ks->cache[i].valid && ks->cache[i].cand == cand &&
            ks->cache[i].k == k && ks->cache[i].pattern == obj->pattern &&
            ks->cache[i].epoch == obj->epoch) {
            *set = ks->cache[i].set;
            *score = ks->cache[i].score;
            return ks->cache[i].valid == 1;
        }
    }
    gs_place_tables *pt = s->tables[s->cls_ttype[ks->type]];
    bool ok = gs_place_best_on_node(pt, cand, ks->avail, 0, k, obj, set,
                                    score);
    uint32_t slot = ks->cache_next++ % KEY_CACHE;
    ks->cache[slot].cand = cand;
    ks->cache[slot].k = k;
    ks->cache[slot].pattern = obj->pattern;
    ks->cache[slot].epoch = obj->epoch;
    ks->cache[slot].valid = ok ? 1 : 2;
    if (ok) {
        ks->cache[slot].set = *set;
        ks->cache[slot].score = *score;
    }
    return ok;
}

/* The lowest node of a key's list that can take k GPUs now. */
static uint32_t first_fitting(gs_place_ctx *ctx, const key_slot *ks,
                              uint32_t k, uint32_t below)
{
    for (uint32_t n = ks->head;
         n != GS_NONE && (below == GS_NONE || node_before(ctx->s, n, below));
         n = ctx->s->nodes[n].key_next)
        if (gs_place_capacity(ctx, n, NULL) >= k)
            return n;
    return GS_NONE;
}

typedef struct key_rank {
    const key_eval *ev;
    uint8_t order;
} key_rank;

static int cmp_key_eval(const void *arg, uint32_t a, uint32_t b)
{
    const key_rank *kr = arg;
    const key_eval *ev = kr->ev;
    int c = gs_pscore_cmp(&ev[a].score, &ev[b].score, kr->order | XNODE);
    if (c)
        return -c;
    return a < b ? -1 : a > b;
}

/* One node, no required GPUs: scan the keys. One pass finds the best
 * score and the lowest node that fits among the keys that have it; only
 * when none of those nodes has the CPUs or memory are the other keys
 * ranked. */
static gs_status single_by_keys(gs_place_ctx *ctx, const gs_place_request *req,
                                uint32_t *out)
{
    gs_sched *s = ctx->s;
    key_eval *ev = s->scratch_keys;
    uint32_t *idx = s->scratch_nodes;
    uint32_t ne = 0, best_e = GS_NONE, best_node = GS_NONE;
    for (uint32_t kid = s->active_keys; kid != GS_NONE;
         kid = s->keys[kid].next_active) {
        key_slot *ks = &s->keys[kid];
        gs_mask cand = ks->avail & ctx->elig[ks->type];
        if (mask_count(cand) < req->gpus)
            continue;
        gs_mask set;
        pscore sc;
        if (!key_best(s, ks, cand, req->gpus, &ctx->obj, &set, &sc))
            continue;
        ev[ne].key = kid;
        ev[ne].set = set;
        ev[ne].score = sc;
        int c = best_e == GS_NONE
                    ? 1
                    : gs_pscore_cmp(&sc, &ev[best_e].score,
                                    ctx->obj.order | XNODE);
        if (c >= 0) {
            uint32_t n = first_fitting(ctx, ks, req->gpus,
                                       c > 0 ? GS_NONE : best_node);
            if (c > 0 || (n != GS_NONE && (best_node == GS_NONE ||
                                           node_before(s, n, best_node)))) {
                best_e = ne;
                best_node = n;
            }
        }
        ne++;
    }
    if (best_e != GS_NONE && best_node != GS_NONE) {
        gs_place_emit(ctx, best_node, ev[best_e].set, out);
        return GS_OK;
    }
    /* the best keys' nodes lack CPUs or memory: rank all keys */
    for (uint32_t i = 0; i < ne; i++)
        idx[i] = i;
    key_rank kr = {ev, ctx->obj.order};
    gs_place_sort(idx, ne, cmp_key_eval, &kr);
    for (uint32_t i = 0; i < ne;) {
        uint32_t j = i, node = GS_NONE, e = 0;
        while (j < ne && gs_pscore_cmp(&ev[idx[j]].score, &ev[idx[i]].score,
                                       ctx->obj.order | XNODE) == 0) {
            const key_slot *ks = &s->keys[ev[idx[j]].key];
            uint32_t n = first_fitting(ctx, ks, req->gpus, node);
            if (n != GS_NONE && (node == GS_NONE || node_before(s, n, node))) {
                node = n;
                e = idx[j];
            }
            j++;
        }
        if (node != GS_NONE) {
            gs_place_emit(ctx, node, ev[e].set, out);
            return GS_OK;
        }
        i = j;
    }
    return GS_ENORES;
}

/* ---- the strategy for the shared multi-node selection ------------------ */

static int nv_node_cmp(gs_place_ctx *ctx, uint32_t a, uint32_t b)
{
    gs_sched *s = ctx->s;
    if (ctx->prepared) {
        bool fa = s->scratch_ok[a], fb = s->scratch_ok[b];
        if (fa != fb)
            return fa ? -1 : 1;
        if (fa) {
            int c = gs_pscore_cmp(&s->scratch_scores[a], &s->scratch_scores[b],
                                  ctx->obj.order | XNODE);
            if (c)
                return -c;
        }
    }
    if (a == b)
        return 0;
    return node_before(s, a, b) ? -1 : 1;
}

static gs_mask nv_choose(gs_place_ctx *ctx, const gs_place_request *req,
                         uint32_t node, gs_mask usable, gs_mask reqm,
                         uint32_t k)
{
    gs_sched *s = ctx->s;
    gs_place_tables *pt = s->tables[s->topo->nodes[node].type->id];
    gs_mask set;
    pscore sc;
    (void)req;
    if (mask_count(usable) == k)
        return usable; /* no choice to make */
    if (!gs_place_best_on_node(pt, usable, s->nodes[node].avail, reqm, k,
                               &ctx->obj, &set, &sc))
        return 0;
    return set;
}

static void nv_prepare(gs_place_ctx *ctx, const gs_place_request *req,
                       const uint32_t *nodes, uint32_t n, uint32_t share)
{
    (void)req;
    gs_sched *s = ctx->s;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t node = nodes[i];
        gs_place_tables *pt = s->tables[s->topo->nodes[node].type->id];
        gs_mask usable = gs_place_node_usable(ctx, node), set;
        s->scratch_ok[node] = gs_place_best_on_node(
            pt, usable, s->nodes[node].avail, 0, share, &ctx->obj, &set,
            &s->scratch_scores[node]);
    }
    ctx->prepared = true;
}

/* The objective of a request (built by ask.c: its pattern is none for an
 * insensitive job) under the scheduler's settings. */
void gs_place_objective(const gs_sched *s, const gs_place_request *req,
                        place_obj *obj)
{
    obj->pattern = (unsigned)req->pattern < GS_PATTERN_COUNT
                       ? (uint8_t)req->pattern
                       : GS_PATTERN_ANY;
    obj->epoch = s->la_epoch;
    bool on = s->la_mode == GS_LOOKAHEAD_ON ||
              (s->la_mode == GS_LOOKAHEAD_AUTO && s->demand_set);
    obj->la = !on || !s->la_prof.n ? NULL : &s->la_prof;
    /* without a look-ahead, the order before it */
    obj->order = (uint8_t)(s->numa_mode | (obj->la ? 0 : PSCORE_NO_LOOK));
}

gs_status gs_place_nvlink(gs_place_ctx *ctx, const gs_place_request *req,
                          uint32_t *out)
{
    gs_sched *s = ctx->s;
    ctx->prepared = false;
    gs_place_objective(s, req, &ctx->obj);
    bool one_node_ok = req->min_nodes <= 1 &&
                       (req->gpus_per_node == 0 ||
                        req->gpus_per_node == req->gpus);
    if (one_node_ok) {
        if (req->n_required == 0) {
            if (single_by_keys(ctx, req, out) == GS_OK)
                return GS_OK;
        } else {
            uint32_t *fn = s->scratch_nodes2;
            gs_mask *fm = s->forced_mask;
            if (gs_place_required_nodes(ctx, fn, fm) == 1) {
                gs_mask usable;
                uint32_t node = fn[0];
                gs_place_tables *pt =
                    s->tables[s->topo->nodes[node].type->id];
                gs_mask set;
                pscore sc;
                if (gs_place_capacity(ctx, node, &usable) >= req->gpus &&
                    gs_place_best_on_node(pt, usable, s->nodes[node].avail,
                                          fm[0], req->gpus, &ctx->obj, &set,
                                          &sc)) {
                    gs_place_emit(ctx, node, set, out);
                    return GS_OK;
                }
            }
        }
    }
    place_strategy st = {nv_node_cmp, nv_choose, nv_prepare, true,
                         req->max_nodes <= 1};
    return gs_place_multi(ctx, req, &st, out);
}
