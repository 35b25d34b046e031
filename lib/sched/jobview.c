/*
 * How jobs are seen (lower than every stage of the step, which all use
 * it): the read-only view an ordering policy gets (gs_order_job) and who
 * outranks whom by it, the GPUs a job accepts, and the text of a pending
 * reason.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/jobview.h"
#include "topo/constraint.h"

#include <stdio.h>
#include <string.h>

bool gs_view_uses_factors(const gs_sched *s)
{
    return (s->ordering->flags & GS_ORDERING_USES_FACTORS) != 0;
}

int64_t gs_view_max_priority(const gs_sched *s)
{
    int64_t mx = 0;
    for (size_t i = 0; i < s->n_pending; i++) {
        if (i + GS_PREFETCH_AHEAD < s->n_pending)
            GS_PREFETCH(
                &s->jobs[s->pending[i + GS_PREFETCH_AHEAD]].priority);
        mx = GS_MAX(mx, s->jobs[s->pending[i]].priority);
    }
    return mx;
}

void gs_view_make(const gs_sched *s, const job_rec *j, int64_t now,
                  const gs_factors *f, gs_order_job *v)
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
    v->age_factor = f ? f->age : 0;
    v->fairshare = f ? f->fs : -1;
    v->size_factor = f ? f->size : 0;
    v->priority_factor = f ? f->prio : 0;
}

/* The view of j with its factors against max_prio, if the ordering reads
 * them. */
static void view_against(const gs_sched *s, const job_rec *j, int64_t now,
                         int64_t max_prio, gs_order_job *v)
{
    gs_factors f;
    bool with = gs_view_uses_factors(s);
    if (with)
        gs_view_factors(s, j, now, max_prio, &f);
    gs_view_make(s, j, now, with ? &f : NULL, v);
}

void gs_view_job(const gs_sched *s, const job_rec *j, int64_t now,
                 gs_order_job *v)
{
    view_against(s, j, now, s->max_prio, v);
}

bool gs_view_outranks(const gs_sched *s, const job_rec *hi,
                      const gs_order_job *vh, const job_rec *lo,
                      int64_t now, int64_t max_prio)
{
    const gs_ordering_ops *o = s->ordering;
    gs_order_job vl;
    view_against(s, lo, now, max_prio, &vl);
    if (o->outranks)
        return o->outranks(s->ordering_state, vh, &vl) != 0;
    if (o->priority) /* hi's value is this step's */
        return hi->prio_value > o->priority(s->ordering_state, &vl);
    return o->compare(s->ordering_state, vh, &vl) < 0;
}

/* Does a GPU model pass the job's filters? */
static bool model_ok(const job_rec *j, const char *model)
{
    if (!j->models)
        return true;
    if (!model)
        return false;
    for (char **m = j->models; *m; m++) {
        size_t n = strlen(*m);
        for (const char *p = model; *p; p++) {
            size_t i = 0;
            while (i < n && p[i] &&
                   (p[i] | 0x20) == ((*m)[i] | 0x20))
                i++;
            if (i == n)
                return true;
        }
    }
    return false;
}

static bool gpu_ok(const job_rec *j, const gs_gpu_rec *g)
{
    if (g->memory < j->min_gpu_memory)
        return false;
    if ((uint32_t)g->cc_major * 1000 + g->cc_minor < j->min_cc)
        return false;
    return model_ok(j, g->model);
}

gs_mask gs_job_type_mask(const gs_sched *s, const job_rec *j, uint32_t tt,
                         uint32_t model)
{
    const gs_ntype *ty = s->topo->types[tt];
    gs_mask m = 0;
    for (uint32_t g = 0; g < ty->n_gpus; g++)
        if (gpu_ok(j, &ty->gpus[g]))
            m |= (gs_mask)1 << g;
    if (model != GS_NONE)
        m &= s->tt_model[(size_t)tt * s->n_models + model];
    return m;
}

bool gs_job_eligible(const gs_sched *s, const job_rec *j, gs_mask *elig,
                     uint64_t parts, uint32_t model)
{
    bool any = false;
    bool by_part = s->n_parts > 0;
    uint32_t last_tt = GS_NONE;
    gs_mask last_m = 0;
    for (uint32_t c = 0; c < s->n_types; c++) {
        if ((by_part && !(s->cls_parts[c] & parts)) ||
            (j->cons && !gs_constraint_match(j->cons, s->cls_feat[c]))) {
            elig[c] = 0;
            continue;
        }
        /* classes of one topology type are adjacent */
        uint32_t tt = s->cls_ttype[c];
        if (tt != last_tt) {
            last_m = gs_job_type_mask(s, j, tt, model);
            last_tt = tt;
        }
        elig[c] = last_m;
        any |= last_m != 0;
    }
    return any;
}

void gs_cpu_need_text(const job_rec *j, char *buf, size_t cap)
{
    unsigned long long mib = (j->mem_per_gpu + (1u << 20) - 1) >> 20;
    if (j->cpus_per_gpu && j->mem_per_gpu)
        snprintf(buf, cap, "%u CPUs and %llu MiB of memory", j->cpus_per_gpu,
                 mib);
    else if (j->cpus_per_gpu)
        snprintf(buf, cap, "%u CPU%s", j->cpus_per_gpu,
                 j->cpus_per_gpu == 1 ? "" : "s");
    else
        snprintf(buf, cap, "%llu MiB of memory", mib);
}

/* The text of a lazy reason, into buf. */
size_t gs_reason_lazy_text(const job_rec *j, uint8_t lazy, uint64_t behind,
                           char *buf, size_t cap)
{
    int n = 0;
    switch (lazy & ~LAZY_RESERVED) {
    case LAZY_BEHIND:
    case LAZY_BEHIND_NOLIMIT:
        n = snprintf(buf, cap,
                     lazy == LAZY_BEHIND_NOLIMIT
                         ? "waiting behind job %llu (no time limit, so it "
                           "cannot backfill)"
                         : "waiting behind job %llu",
                     (unsigned long long)behind);
        break;
    case LAZY_NOFIT:
        if (!j->gpus) {
            char need[96];
            gs_cpu_need_text(j, need, sizeof need);
            n = snprintf(buf, cap,
                         "needs %s on one node; no node it may use has "
                         "them free now",
                         need);
        } else if (j->gpus_per_node)
            n = snprintf(buf, cap,
                         "needs %u nodes with %u free GPUs each; not that "
                         "many now",
                         j->gpus / j->gpus_per_node, j->gpus_per_node);
        else
            n = snprintf(buf, cap, "needs %u GPU%s; not that many are "
                                   "free now",
                         j->gpus, j->gpus == 1 ? "" : "s");
        break;
    case LAZY_DELAY:
        n = snprintf(buf, cap, "would delay the reserved start of job %llu",
                     (unsigned long long)behind);
        break;
    default:
        n = snprintf(buf, cap, "%s", j->reason_text);
        break;
    }
    if (n >= 0 && (size_t)n < cap && (lazy & LAZY_RESERVED)) {
        int m = snprintf(buf + n, cap - (size_t)n,
                         "; reserved to start at %lld",
                         (long long)j->est_start);
        n = m < 0 ? -1 : n + m;
    }
    return n < 0 ? 0 : GS_MIN((size_t)n, cap - 1);
}
