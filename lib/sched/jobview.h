/*
 * How jobs are seen (jobview.c): a layer below the step's stages, which
 * all use it.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_SCHED_JOBVIEW_H
#define GS_SCHED_JOBVIEW_H

#include "sched/sched_impl.h"

/* Does the scheduler's ordering read the factors? */
bool gs_view_uses_factors(const gs_sched *s);
/* The largest priority in s->pending[0 .. n_pending). */
int64_t gs_view_max_priority(const gs_sched *s);
/* The normalized factors of Slurm's multifactor plugin for job j at now,
 * its priority taken against max_prio (inline: the refresh stage computes
 * them for every pending job). */
typedef struct gs_factors {
    double age, fs, size, prio;
} gs_factors;
static inline void gs_view_factors(const gs_sched *s, const job_rec *j,
                                   int64_t now, int64_t max_prio,
                                   gs_factors *f)
{
    const gs_priority_weights *w = &s->weights;
    double age = 0;
    if (w->max_age > 0) {
        double waited = (double)(now - j->submit_time);
        age = waited <= 0 ? 0 : GS_MIN(1.0, waited / (double)w->max_age);
    }
    f->age = age;
    f->fs = s->share->a[j->assoc].factor;
    f->size = s->topo->n_gpus ? (double)j->gpus / s->topo->n_gpus : 0;
    f->prio = max_prio > 0 && j->priority > 0
                  ? GS_MIN(1.0, (double)j->priority / (double)max_prio)
                  : 0;
}

/* Keep factors as the job's (what gs_sched_job_priority reports). */
static inline void gs_view_keep_factors(job_rec *j, const gs_factors *f)
{
    j->f_age = f->age;
    j->f_fs = f->fs;
    j->f_size = f->size;
    j->f_prio = f->prio;
}

/* The ordering policy's view of job j at now, with factors f (NULL: the
 * ordering reads none; fairshare is then -1, the others 0). */
void gs_view_make(const gs_sched *s, const job_rec *j, int64_t now,
                  const gs_factors *f, gs_order_job *v);
/* The same against this step's refresh (s->max_prio). */
void gs_view_job(const gs_sched *s, const job_rec *j, int64_t now,
                 gs_order_job *v);
/* Does pending job hi (its view vh, from gs_view_job) outrank running
 * job lo (preemption)? lo's factors are taken against max_prio. */
bool gs_view_outranks(const gs_sched *s, const job_rec *hi,
                      const gs_order_job *vh, const job_rec *lo,
                      int64_t now, int64_t max_prio);
/* The GPUs job j accepts, per node type. */
/* Per node class, the GPUs j accepts when it runs in one of the partitions
 * `parts` (ignored without partitions) on GPUs of `model` (an index into
 * s->models, GS_NONE: any): its constraint, models, memory and compute
 * capability. False when no class has any. */
bool gs_job_eligible(const gs_sched *s, const job_rec *j, gs_mask *elig,
                     uint64_t parts, uint32_t model);
/* The GPUs of topology type tt that j accepts (of model, or any). */
gs_mask gs_job_type_mask(const gs_sched *s, const job_rec *j, uint32_t tt,
                         uint32_t model);
/* What CPU-only job j needs ("8 CPUs and 1024 MiB of memory"), into
 * buf. */
void gs_cpu_need_text(const job_rec *j, char *buf, size_t cap);
/* The text of a lazy reason (lazy, behind) of job j, into buf. */
size_t gs_reason_lazy_text(const job_rec *j, uint8_t lazy, uint64_t behind,
                           char *buf, size_t cap);

#endif
