/*
 * The refresh stage: usage charged and fair share recomputed (when the
 * ordering reads factors), the ordering's refresh hook, and each pending
 * job's value under the ordering policy. It writes the books (usage) and
 * the jobs' ordering fields (prio_value, f_*), nothing else.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/refresh.h"

#include <string.h>

static bool uses_factors(const gs_sched *s)
{
    return (s->ordering->flags & GS_ORDERING_USES_FACTORS) != 0;
}

int64_t gs_refresh_max_priority(const gs_sched *s)
{
    int64_t mx = 0;
    for (size_t i = 0; i < s->n_pending; i++)
        mx = GS_MAX(mx, s->jobs[s->pending[i]].priority);
    return mx;
}

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

/* The normalized factors of Slurm's multifactor plugin. */
static void factors(const gs_sched *s, const job_rec *j, int64_t now,
                    int64_t max_prio, gs_order_job *v)
{
    const gs_priority_weights *w = &s->weights;
    double age = 0;
    if (w->max_age > 0) {
        double waited = (double)(now - j->submit_time);
        age = waited <= 0 ? 0 : GS_MIN(1.0, waited / (double)w->max_age);
    }
    v->age_factor = age;
    v->fairshare = s->share->a[j->assoc].factor;
    v->size_factor = s->topo->n_gpus ? (double)j->gpus / s->topo->n_gpus : 0;
    v->priority_factor =
        max_prio > 0 && j->priority > 0
            ? GS_MIN(1.0, (double)j->priority / (double)max_prio)
            : 0;
}

static void view(const gs_sched *s, const job_rec *j, int64_t now,
                 int64_t max_prio, bool with_factors, gs_order_job *v)
{
    v->struct_size = sizeof *v;
    v->id = j->id;
    v->name = j->name;
    v->user = j->user;
    v->account = j->account;
    v->partition = NULL;
    v->gpus = j->gpus;
    v->min_nodes = j->min_nodes;
    v->running = j->state == GS_JOB_RUNNING;
    v->preemptible = j->preemptible;
    v->priority = j->priority;
    v->nice = j->nice;
    v->submit_time = j->submit_time;
    v->time_limit = j->time_limit;
    v->now = now;
    v->age = now > j->submit_time ? now - j->submit_time : 0;
    v->requeues = j->requeues;
    v->site_factor = j->site_factor;
    v->weights = &s->weights;
    if (with_factors) {
        factors(s, j, now, max_prio, v);
    } else {
        v->fairshare = -1;
        v->age_factor = v->size_factor = v->priority_factor = 0;
    }
}

void gs_refresh_view(const gs_sched *s, const job_rec *j, int64_t now,
                     gs_order_job *v)
{
    view(s, j, now, s->max_prio, uses_factors(s), v);
}

void gs_refresh(gs_sched *s, int64_t now)
{
    const gs_ordering_ops *o = s->ordering;
    bool with = uses_factors(s);
    if (with)
        gs_refresh_fairshare(s, now, false);
    s->max_prio = gs_refresh_max_priority(s);
    if (o->refresh)
        o->refresh(s->ordering_state, now);
    if (!o->priority)
        return; /* ranked by compare() alone */
    for (size_t i = 0; i < s->n_pending; i++) {
        job_rec *j = &s->jobs[s->pending[i]];
        gs_order_job v;
        view(s, j, now, s->max_prio, with, &v);
        if (with) {
            j->f_age = v.age_factor;
            j->f_fs = v.fairshare;
            j->f_size = v.size_factor;
            j->f_prio = v.priority_factor;
        }
        j->prio_value = o->priority(s->ordering_state, &v);
    }
}

bool gs_refresh_outranks(const gs_sched *s, const job_rec *hi,
                         const job_rec *lo, int64_t now, int64_t max_prio)
{
    const gs_ordering_ops *o = s->ordering;
    gs_order_job vh, vl;
    gs_refresh_view(s, hi, now, &vh);
    view(s, lo, now, max_prio, uses_factors(s), &vl);
    if (o->outranks)
        return o->outranks(s->ordering_state, &vh, &vl) != 0;
    if (o->priority) /* hi's value is this step's */
        return hi->prio_value > o->priority(s->ordering_state, &vl);
    return o->compare(s->ordering_state, &vh, &vl) < 0;
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
    bool with = uses_factors(s);
    /* the factors as of the last fair-share computation, unless the last
     * step computed them for this pending job */
    if (!with || j->state != GS_JOB_PENDING ||
        (j->f_fs == 0 && j->prio_value == 0)) {
        gs_order_job v;
        view(s, j, s->last_fs, gs_refresh_max_priority(s), true, &v);
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
