/*
 * Shared GPUs: what jobs that ask for a share of each GPU (gpu_milli
 * below 1000) use of it.
 *
 * A GPU a shared job uses is busy for whole-GPU jobs (its bit is in the
 * node's `busy` and `shared` masks) until the last shared job on it ends,
 * so the free masks, the key index, the histograms and backfill's
 * reservations of whole GPUs see it as they see any held GPU. Shared jobs
 * look at the per-GPU counters instead: the share (milli-GPU) and device
 * memory in use, and the share held back for reservations inside a step.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/sched_impl.h"

#include <stdio.h>

gs_status gs_gpushare_init(gs_sched *s)
{
    /* the second half is gs_sched_check's scratch */
    s->shr = gs_calloc(2 * ((size_t)s->topo->n_gpus + 1), sizeof *s->shr);
    return s->shr ? GS_OK : GS_ENOMEM;
}

uint64_t gs_gpu_memory(const gs_sched *s, uint32_t gpu)
{
    const gs_topo *t = s->topo;
    uint32_t node = t->gpu_node[gpu];
    return t->nodes[node].type->gpus[gpu - t->nodes[node].first_gpu].memory;
}

void gs_gpushare_take(gs_sched *s, const job_rec *j, uint32_t n, gs_mask set)
{
    uint32_t first = s->topo->nodes[n].first_gpu;
    for (gs_mask m = set; m; m &= m - 1) {
        gpu_share *g = &s->shr[first + mask_first(m)];
        g->used += j->milli;
        g->mem += j->gpu_mem;
        g->jobs++;
    }
    s->nodes[n].shared |= set;
}

gs_mask gs_gpushare_give(gs_sched *s, const job_rec *j, uint32_t n,
                         gs_mask set)
{
    uint32_t first = s->topo->nodes[n].first_gpu;
    gs_mask idle = 0;
    for (gs_mask m = set; m; m &= m - 1) {
        uint32_t b = mask_first(m);
        gpu_share *g = &s->shr[first + b];
        g->used -= j->milli;
        g->mem -= j->gpu_mem;
        if (--g->jobs == 0)
            idle |= (gs_mask)1 << b;
    }
    s->nodes[n].shared &= ~idle;
    return idle;
}

gs_mask gs_gpushare_roomy(const gs_sched *s, uint32_t n, uint32_t milli,
                          uint64_t mem)
{
    const node_state *ns = &s->nodes[n];
    if (ns->drained_node || ns->excl_job)
        return 0;
    const gs_ntype *ty = node_type(s, n);
    /* free or shared; not held whole, drained or failed */
    gs_mask cand = mask_all(ty->n_gpus) & ~((ns->busy & ~ns->shared) |
                                            ns->drained | ns->failed |
                                            ns->mig);
    uint32_t first = s->topo->nodes[n].first_gpu;
    gs_mask out = 0;
    for (gs_mask m = cand; m; m &= m - 1) {
        uint32_t b = mask_first(m);
        const gpu_share *g = &s->shr[first + b];
        if (g->used + g->rsv + milli > 1000)
            continue;
        uint64_t cap = ty->gpus[b].memory;
        if (mem && cap && (g->mem > cap || cap - g->mem < mem))
            continue;
        out |= (gs_mask)1 << b;
    }
    return out;
}

void gs_fmt_milli(char *buf, size_t cap, uint64_t milli)
{
    uint64_t whole = milli / 1000, frac = milli % 1000;
    if (!frac) {
        snprintf(buf, cap, "%llu", (unsigned long long)whole);
        return;
    }
    int digits = frac % 100 == 0 ? 1 : frac % 10 == 0 ? 2 : 3;
    uint64_t shown = digits == 1 ? frac / 100 : digits == 2 ? frac / 10 : frac;
    snprintf(buf, cap, "%llu.%0*llu", (unsigned long long)whole, digits,
             (unsigned long long)shown);
}
