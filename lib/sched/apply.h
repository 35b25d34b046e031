/*
 * The apply stage (apply.c): the only code that changes jobs, the running
 * list, the limit counters and the events.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_SCHED_APPLY_H
#define GS_SCHED_APPLY_H

#include "sched/plan.h"

#include <string.h>

/* Start j on these (validated) GPUs. */
void gs_apply_start(gs_sched *s, job_rec *j, const uint32_t *gpus,
                    int64_t now);
/* A running job gives back what it holds (it ended, failed or was
 * preempted); its new state is the caller's to set. */
void gs_apply_release(gs_sched *s, job_rec *j, int64_t now);
/* Stop the victims a preemption plan names (requeued or ended). */
void gs_apply_preempt(gs_sched *s, const gs_plan *p, int64_t now);
/* Set a waiting job's reason as planned (inline: every waiting job gets
 * one at every step). */
static inline void gs_apply_reason(job_rec *j, const plan_reason *r)
{
    if (r->set & WHY_REASON)
        j->reason = r->reason;
    if (r->set & WHY_LAZY)
        j->lazy = r->lazy;
    if (r->set & WHY_BEHIND)
        j->behind = r->behind;
    if (r->set & WHY_TEXT)
        memcpy(j->reason_text, r->text, REASON_MAX);
}
/* The common plan's reason: waiting behind the blocker (inline). */
static inline void gs_apply_wait_behind(job_rec *j, uint8_t lazy,
                                        uint64_t blocker)
{
    j->reason = GS_REASON_PRIORITY;
    j->lazy = lazy;
    j->behind = blocker;
}
/* Queue an event naming j (which keeps j held until it is consumed). */
void gs_apply_emit(gs_sched *s, gs_event_kind kind, job_rec *j, int64_t now);
/* Take a pending job out of the queue (cancelled). */
void gs_apply_remove_pending(gs_sched *s, const job_rec *j);

#endif
