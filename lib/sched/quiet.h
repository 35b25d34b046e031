/*
 * Quiet steps (quiet.c): a step that can start, preempt and reserve
 * nothing is known to be one without ranking and planning every pending
 * job, and takes O(associations + jobs submitted since) instead.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_SCHED_QUIET_H
#define GS_SCHED_QUIET_H

#include "sched/plan.h"
#include "sched/sched_impl.h"

/* Room for the per-association bounds (at submission, so that a step
 * allocates nothing). */
gs_status gs_quiet_reserve(gs_sched *s);
/* A job ended (was_running: it held resources). */
void gs_quiet_ended(gs_sched *s, const job_rec *j, bool was_running);
/* What gs_quiet_step did. */
enum {
    QUIET_FULL = 0,    /* nothing: the full step must run */
    QUIET_DONE = 1,    /* all a full step would (starts, reasons) */
    QUIET_CONTINUE = 2 /* started the first jobs in rank (*n_started):
                          a full pass must plan the rest, on the values
                          of this step (the same largest priority) */
};
/* Called by the step after the books are refreshed. */
int gs_quiet_step(gs_sched *s, int64_t now, size_t *n_started);
/* The job a job waiting behind `behind` waits behind now (a quiet step
 * may have replaced the blocker without rewriting every reason). */
uint64_t gs_quiet_behind(const gs_sched *s, uint64_t behind);
/* A full step notes what the next steps check against: begin (false: the
 * configuration has no quiet steps; then the step ranks as before), then
 * every job it keeps pending, the ones up to where the jobs only wait
 * behind the blocker and QUIET_TOP more in rank order (ordered), the
 * others in any order (blocker: the first job that could not start, once
 * known, else 0), then end. */
bool gs_quiet_arm_begin(gs_sched *s, int64_t now);
void gs_quiet_arm_job(gs_sched *s, const job_rec *j, uint32_t slot,
                      uint64_t blocker, bool ordered);
void gs_quiet_arm_end(gs_sched *s, uint64_t blocker);
/* Will the next step try to be quiet? */
bool gs_quiet_armed(const gs_sched *s);
/* Jobs behind the blocker a full step keeps in rank order (quiet.c),
 * beyond those EASY backfill looks at. */
#define QUIET_TOP 32
/* step.c: plan job j and carry it out; true when it stays pending. */
bool gs_step_plan_one(gs_sched *s, plan_cursor *c, job_rec *j, int64_t now,
                      size_t *n_started);
void gs_quiet_free(gs_sched *s);

#endif
