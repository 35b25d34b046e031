/*
 * Preemption (plan stage): which running jobs a blocked job would need
 * stopped, found by what-if releases on the live state and undone.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/plan.h"
#include "sched/jobview.h"

#include <string.h>

typedef struct lost_arg {
    const gs_sched *s;
    int64_t now;
} lost_arg;

/* least work lost first; among equals, the most recent job */
static int cmp_lost(const void *p, uint32_t a, uint32_t b)
{
    const lost_arg *l = p;
    double x = gs_lost_work(&l->s->jobs[a], l->now);
    double y = gs_lost_work(&l->s->jobs[b], l->now);
    if (x != y)
        return x < y ? -1 : 1;
    return a > b ? -1 : a < b;
}

bool gs_preempt_choose(gs_sched *s, const job_rec *h, int64_t now,
                       size_t *n_victims)
{
    *n_victims = 0;
    if (s->preempt == GS_PREEMPT_OFF)
        return false;
    uint32_t *cand = s->running_scratch;
    size_t nc = 0;
    /* The victims' priority factors are taken against the largest
     * priority in the pending list as it stands in the middle of the step
     * (the jobs kept so far, then the ones not yet planned, and between
     * them entries of jobs already handled). That is not the scale the
     * pending jobs were ranked on (this step's refresh); it is kept so
     * that decisions stay what they were before the pipeline (issue 13's
     * replays check them byte for byte). */
    int64_t mx = gs_view_max_priority(s);
    gs_order_job vh; /* the same for every candidate */
    gs_view_job(s, h, now, &vh);
    /* partitions whose jobs h's partitions may preempt */
    uint64_t may = 0;
    for (uint32_t p = 0; p < s->n_parts; p++)
        if ((h->parts >> p) & 1)
            may |= s->parts[p].preempts;
    for (size_t i = 0; i < s->n_running; i++) {
        const job_rec *v = &s->jobs[s->running[i]];
        if ((v->part != GS_NONE8 && ((may >> v->part) & 1)) ||
            (v->preemptible && gs_view_outranks(s, h, &vh, v, now, mx)))
            cand[nc++] = s->running[i];
    }
    if (!nc)
        return false;
    lost_arg la = {s, now};
    gs_sort_idx(cand, nc, cmp_lost, &la);
    size_t k = 0;
    bool fits = false;
    while (k < nc && !fits) {
        gs_bf_vrelease(s, &s->jobs[cand[k++]]);
        fits = gs_bf_place_whatif(s, h);
    }
    if (!fits) {
        while (k > 0)
            gs_bf_vrestore(s, &s->jobs[cand[--k]]);
        gs_bf_flush(s);
        return false;
    }
    /* spare the victims it can do without, most work lost first: cand[i]
     * becomes GS_NONE when spared */
    size_t nv = k;
    for (size_t i = nv; i-- > 0;) {
        gs_bf_vrestore(s, &s->jobs[cand[i]]);
        if (gs_bf_place_whatif(s, h))
            cand[i] = GS_NONE; /* spared: stays running */
        else
            gs_bf_vrelease(s, &s->jobs[cand[i]]);
    }
    /* back to the real state: the apply stage stops them for real */
    for (size_t i = nv; i-- > 0;)
        if (cand[i] != GS_NONE)
            gs_bf_vrestore(s, &s->jobs[cand[i]]);
    gs_bf_flush(s);
    *n_victims = nv;
    return true;
}
