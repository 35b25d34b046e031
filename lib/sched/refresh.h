/*
 * The refresh stage (refresh.c): usage charged and fair share recomputed
 * when the ordering reads factors, the ordering's refresh hook, and each
 * pending job's value under the ordering (job_rec.prio_value, f_*). The
 * views an ordering policy sees are made here too.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_SCHED_REFRESH_H
#define GS_SCHED_REFRESH_H

#include "sched/sched_impl.h"

void gs_refresh(gs_sched *s, int64_t now);
/* Recompute fair share when calc_period has passed (or when forced). */
void gs_refresh_fairshare(gs_sched *s, int64_t now, bool force);
/* The ordering policy's view of job j at now (factors filled when the
 * ordering uses them). */
void gs_refresh_view(const gs_sched *s, const job_rec *j, int64_t now,
                     gs_order_job *v);
/* Does pending job hi outrank running job lo (preemption)? lo's factors
 * are taken against max_prio. */
bool gs_refresh_outranks(const gs_sched *s, const job_rec *hi,
                         const job_rec *lo, int64_t now, int64_t max_prio);
/* The largest priority in s->pending[0 .. n_pending). */
int64_t gs_refresh_max_priority(const gs_sched *s);

#endif
