/*
 * The refresh stage: usage charged and fair share recomputed (when the
 * ordering reads factors), the ordering's refresh hook, and each pending
 * job's value under the ordering policy. It writes the books (usage) and
 * the jobs' ordering fields (prio_value, f_*), nothing else.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/refresh.h"
#include "sched/books.h"
#include "sched/jobview.h"
#include "sched/order.h"

#include <string.h>

void gs_refresh_fairshare(gs_sched *s, int64_t now, bool force)
{
    if (!force && s->fs_fresh && now - s->last_fs < s->weights.calc_period)
        return;
    gs_books_charge_running(s, now);
    if (gs_share_compute_with(s->share, s->fairshare, (double)now) != GS_OK)
        /* the classic factors stay; the step goes on */
        gs_errf(&s->err, GS_OK, "at %lld: %s; the classic factors were used",
                (long long)now, gs_share_errmsg(s->share));
    s->last_fs = now;
    s->fs_fresh = true;
}

/* The built-in multifactor value of j with factors f: the one body both
 * the refresh and gs_refresh_peek use, so that the two agree to the bit. */
static inline double mf_value(const gs_sched *s, const job_rec *j,
                              const gs_factors *f)
{
    return gs_multifactor_value(&s->weights, f->age, f->fs, f->size,
                                f->prio, j->nice, j->site_factor);
}

double gs_refresh_peek(const gs_sched *s, const job_rec *j, int64_t now)
{
    gs_factors f;
    gs_view_factors(s, j, now, s->max_prio, &f);
    return mf_value(s, j, &f);
}

/* A job's value under the ordering, and its factors when the ordering
 * uses them. The built-in multifactor table is computed inline by the
 * same formula: no view to fill and no indirect call per job. */
static double value_of(gs_sched *s, job_rec *j, int64_t now, bool with)
{
    const gs_ordering_ops *o = s->ordering;
    gs_factors f;
    if (with) {
        gs_view_factors(s, j, now, s->max_prio, &f);
        gs_view_keep_factors(j, &f);
        if (o == &gs_ordering_multifactor)
            return mf_value(s, j, &f);
    }
    gs_order_job v;
    gs_view_make(s, j, now, with ? &f : NULL, &v);
    return o->priority(s->ordering_state, &v);
}

void gs_refresh_books(gs_sched *s, int64_t now)
{
    gs_demand_refresh(s);
    gs_frag_refresh(s);
    if (gs_view_uses_factors(s))
        gs_refresh_fairshare(s, now, false);
}

uint64_t gs_refresh_key(gs_sched *s, job_rec *j, int64_t now)
{
    const gs_ordering_ops *o = s->ordering;
    if (o == &gs_ordering_fifo || o == &gs_ordering_priority ||
        !o->priority) {
        j->prio_value = 0;
        return gs_key_double_desc(0);
    }
    j->prio_value = value_of(s, j, now, gs_view_uses_factors(s));
    return gs_key_double_desc(j->prio_value);
}

void gs_refresh(gs_sched *s, int64_t now, bool keep_max)
{
    const gs_ordering_ops *o = s->ordering;
    bool with = gs_view_uses_factors(s);
    if (with && !keep_max) /* the priority factor's scale (without
                              factors, no view has one) */
        s->max_prio = gs_view_max_priority(s);
    if (o->refresh)
        o->refresh(s->ordering_state, now);
    bool by_prio = o->flags & GS_ORDERING_TIES_BY_PRIORITY;
    /* Records are written while each job is at hand (the pending jobs are
     * spread over memory: one pass, not two). order_buf holds a record
     * per job (gs_order_reserve at submission). */
    order_rec *r = s->order_buf;
    size_t n = GS_MIN(s->n_pending, s->cap_order);
    if (o == &gs_ordering_fifo || o == &gs_ordering_priority ||
        !o->priority) {
        /* fifo and priority: every value is 0, the keys are the
         * tie-breakers; compare-only policies have no value */
        uint64_t zero = gs_key_double_desc(0);
        for (size_t i = 0; i < n; i++) {
            job_rec *j = &s->jobs[s->pending[i]];
            if (i + GS_PREFETCH_AHEAD < n)
                GS_PREFETCH(
                    &s->jobs[s->pending[i + GS_PREFETCH_AHEAD]].priority);
            j->prio_value = 0;
            gs_order_put(&r[i], s->pending[i], zero, j, by_prio);
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        job_rec *j = &s->jobs[s->pending[i]];
        if (i + GS_PREFETCH_AHEAD < n) {
            const job_rec *a = &s->jobs[s->pending[i + GS_PREFETCH_AHEAD]];
            GS_PREFETCH(&a->gpus);
            GS_PREFETCH(&a->priority);
            GS_PREFETCH(&a->f_prio);
        }
        j->prio_value = value_of(s, j, now, with);
        gs_order_put(&r[i], s->pending[i], gs_key_double_desc(j->prio_value), j,
                   by_prio);
    }
}

GS_API gs_status gs_sched_job_priority(gs_sched *s, uint64_t job,
                                       gs_priority_breakdown *out)
{
    if (!gs_sched_ready(s) || !out || out->struct_size < sizeof(uint32_t))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    job_rec *j = find_job(s, job);
    if (!j)
        return gs_errf(&s->err, GS_ENOTFOUND, "no job %llu",
                       (unsigned long long)job);
    /* it may compute fair share and keep factors: a change of state that
     * later decisions see, so it is recorded like one */
    if (!s->fs_fresh)
        gs_refresh_fairshare(s, s->last_fs, true);
    bool with = gs_view_uses_factors(s);
    /* the factors as of the last fair-share computation, unless the last
     * step computed them for this pending job */
    if (!with || j->state != GS_JOB_PENDING ||
        (j->f_fs == 0 && j->prio_value == 0)) {
        gs_factors f;
        gs_view_factors(s, j, s->last_fs, gs_view_max_priority(s), &f);
        gs_view_keep_factors(j, &f);
        if (with && s->ordering->priority) {
            gs_order_job v;
            gs_view_make(s, j, s->last_fs, &f, &v);
            j->prio_value = s->ordering->priority(s->ordering_state, &v);
        }
    }
    const gs_priority_weights *w = &s->weights;
    gs_priority_breakdown full;
    memset(&full, 0, sizeof full);
    full.struct_size = sizeof full;
    full.age = j->f_age;
    full.fairshare = j->f_fs;
    full.job_size = j->f_size;
    full.priority = j->f_prio;
    full.nice = (double)j->nice;
    full.w_age = w->age * j->f_age;
    full.w_fairshare = w->fairshare * j->f_fs;
    full.w_job_size = w->job_size * j->f_size;
    full.w_priority = w->priority * j->f_prio;
    full.site = j->site_factor;
    full.total = full.w_age + full.w_fairshare + full.w_job_size +
                 full.w_priority - full.nice + full.site;
    full.value = j->prio_value;
    uint32_t caller = out->struct_size;
    memcpy(out, &full, GS_MIN((size_t)caller, sizeof full));
    out->struct_size = caller;
    gs_jr_rec r = {.kind = GS_JR_JOB_PRIORITY};
    r.a = job;
    return gs_jr_done(s, &r);
}
