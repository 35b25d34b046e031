/*
 * The refresh stage: usage charged and fair share recomputed (when the
 * ordering reads factors), the ordering's refresh hook, and each pending
 * job's value under the ordering policy. It writes the books (usage) and
 * the jobs' ordering fields (prio_value, f_*), nothing else.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/refresh.h"
#include "sched/jobview.h"

#include <string.h>

void gs_refresh_fairshare(gs_sched *s, int64_t now, bool force)
{
    if (!force && s->fs_fresh && now - s->last_fs < s->weights.calc_period)
        return;
    gs_sched_update_usage(s, now);
    if (gs_share_compute_with(s->share, s->fairshare, (double)now) != GS_OK)
        /* the classic factors stay; the step goes on */
        gs_errf(&s->err, GS_OK, "at %lld: %s; the classic factors were used",
                (long long)now, gs_share_errmsg(s->share));
    s->last_fs = now;
    s->fs_fresh = true;
}

void gs_refresh(gs_sched *s, int64_t now)
{
    const gs_ordering_ops *o = s->ordering;
    bool with = gs_view_uses_factors(s);
    if (with)
        gs_refresh_fairshare(s, now, false);
    s->max_prio = gs_view_max_priority(s);
    if (o->refresh)
        o->refresh(s->ordering_state, now);
    if (!o->priority) { /* ranked by compare() alone: no value */
        for (size_t i = 0; i < s->n_pending; i++)
            s->jobs[s->pending[i]].prio_value = 0;
        return;
    }
    for (size_t i = 0; i < s->n_pending; i++) {
        job_rec *j = &s->jobs[s->pending[i]];
        gs_order_job v;
        gs_view_make(s, j, now, s->max_prio, with, &v);
        if (with) {
            j->f_age = v.age_factor;
            j->f_fs = v.fairshare;
            j->f_size = v.size_factor;
            j->f_prio = v.priority_factor;
        }
        j->prio_value = o->priority(s->ordering_state, &v);
    }
}

GS_API gs_status gs_sched_job_priority(gs_sched *s, uint64_t job,
                                       gs_priority_breakdown *out)
{
    if (!gs_sched_ready(s) || !out || out->struct_size < sizeof(uint32_t))
        return GS_EINVAL;
    if (job < 1 || job > s->n_jobs)
        return gs_errf(&s->err, GS_ENOTFOUND, "no job %llu",
                       (unsigned long long)job);
    job_rec *j = &s->jobs[job - 1];
    if (!s->fs_fresh)
        gs_refresh_fairshare(s, s->last_fs, true);
    bool with = gs_view_uses_factors(s);
    /* the factors as of the last fair-share computation, unless the last
     * step computed them for this pending job */
    if (!with || j->state != GS_JOB_PENDING ||
        (j->f_fs == 0 && j->prio_value == 0)) {
        gs_order_job v;
        gs_view_make(s, j, s->last_fs, gs_view_max_priority(s), true, &v);
        j->f_age = v.age_factor;
        j->f_fs = v.fairshare;
        j->f_size = v.size_factor;
        j->f_prio = v.priority_factor;
        if (with && s->ordering->priority)
            j->prio_value = s->ordering->priority(s->ordering_state, &v);
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
    return GS_OK;
}
