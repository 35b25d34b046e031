/*
 * gs_sched_step: the pipeline, one way.
 *
 *   refresh (usage, fair share, each pending job's value)
 *   [a quiet step ends here: nothing can start, known from the blocker
 *    and bounds kept by the last full step (quiet.c)]
 *   -> order (the pending jobs ranked)
 *   -> for each job in rank: plan (start, preempt, reserve, wait)
 *                            -> apply (carry it out)
 *
 * Each stage is called from here only; a stage calls only the layers
 * below the four (jobview.c, state.c, books.c, placement, common/).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/apply.h"
#include "sched/order.h"
#include "sched/refresh.h"
#include "sched/books.h"
#include "sched/quiet.h"

/* Plan job j and carry it out: true when it stays pending (quiet steps
 * plan their jobs with it too). */
bool gs_step_plan_one(gs_sched *s, plan_cursor *c, job_rec *j, int64_t now,
                      size_t *n_started)
{
    uint8_t lazy;
    if (gs_plan_waits_behind(s, c, j, &lazy)) {
        gs_apply_wait_behind(j, lazy, gs_plan_blocker_of(s, c, j));
        return true;
    }
    gs_plan p;
    gs_plan_job(s, c, j, &p);
    if (p.kind == PLAN_PREEMPT) {
        gs_apply_preempt(s, &p, now);
        gs_plan_job(s, c, j, &p); /* on the state without them */
    }
    if (p.kind == PLAN_START) {
        gs_apply_start(s, j, p.gpus, now);
        (*n_started)++;
        return false;
    }
    gs_apply_reason(j, &p.why);
    j->est_start = p.est;
    j->est_step = s->n_steps;
    return true;
}

/* Every pending job in rank order (the order stage sorted them). */
static size_t plan_ranked(gs_sched *s, plan_cursor *c, int64_t now,
                          size_t *n_started)
{
    size_t kept = 0;
    for (size_t i = 0; i < s->n_pending; i++) {
        uint32_t idx = s->pending[i];
        job_rec *j = &s->jobs[idx];
        if (i + GS_PREFETCH_AHEAD < s->n_pending) {
            /* what planning a job that waits touches (one line) */
            GS_PREFETCH(&s->jobs[s->pending[i + GS_PREFETCH_AHEAD]].id);
        }
        if (!gs_step_plan_one(s, c, j, now, n_started))
            continue;
        s->pending[kept++] = idx;
    }
    return kept;
}

/* Plan the job at slot idx; when it stays pending, keep it (pending[kept])
 * and note it for quiet steps (ordered: taken in rank order). */
static inline void plan_kept(gs_sched *s, plan_cursor *c, uint32_t idx,
                             int64_t now, size_t *n_started, size_t *kept,
                             bool ordered)
{
    job_rec *j = &s->jobs[idx];
    if (!gs_step_plan_one(s, c, j, now, n_started))
        return;
    s->pending[(*kept)++] = idx;
    gs_quiet_arm_job(s, j, idx, c->blocker, ordered);
}

/* Where quiet steps apply (no conservative backfill, preemption or
 * partitions), the jobs behind the blocker only wait, whatever their
 * order, once EASY backfill (if on) has looked at as many as it may: the
 * jobs are taken in rank order off a heap up to there and QUIET_TOP more,
 * the others as they lie. The same plans as plan_ranked, without sorting
 * the queue. */
static size_t plan_selected(gs_sched *s, plan_cursor *c, int64_t now,
                            size_t *n_started)
{
    order_rec *h = s->order_buf;
    size_t n = s->n_pending, kept = 0, after = 0, taken = 0;
    /* Taking k jobs off a heap costs k log n; when k comes near the
     * queue's length (EASY backfill looking past many jobs without a time
     * limit, which only wait), sorting it costs less: the pending list of
     * a sorted step is in rank order, which the next sort finds in one
     * scan. A step that took many sorts the next time. */
    size_t many = 4 * ((size_t)QUIET_TOP +
                       (c->backfill == GS_BACKFILL_NONE ? 0 : s->bf_depth));
    if (s->quiet_sort) {
        gs_order_rank(s, now);
        size_t i = 0;
        for (; i < n && (!gs_plan_only_wait(s, c) || after < QUIET_TOP);
             i++) {
            if (gs_plan_only_wait(s, c))
                after++;
            plan_kept(s, c, s->pending[i], now, n_started, &kept, true);
        }
        s->quiet_sort = i > many;
        for (; i < n; i++)
            plan_kept(s, c, s->pending[i], now, n_started, &kept, false);
        return kept;
    }
    gs_order_heapify(h, n);
    while (n > 0 && (!gs_plan_only_wait(s, c) || after < QUIET_TOP)) {
        if (gs_plan_only_wait(s, c))
            after++;
        taken++;
        plan_kept(s, c, gs_order_pop(h, &n), now, n_started, &kept, true);
    }
    s->quiet_sort = taken > many;
    for (size_t i = 0; i < n; i++) {
        if (i + GS_PREFETCH_AHEAD < n) {
            /* the plan's line, and the refresh's the arming reads */
            const job_rec *a = &s->jobs[h[i + GS_PREFETCH_AHEAD].idx];
            GS_PREFETCH(&a->id);
            GS_PREFETCH(&a->priority);
            GS_PREFETCH(&a->f_fs);
        }
        plan_kept(s, c, h[i].idx, now, n_started, &kept, false);
    }
    return kept;
}

GS_API gs_status gs_sched_step(gs_sched *s, int64_t now, size_t *started)
{
    if (started)
        *started = 0;
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    gs_status st = gs_sched_now_arg(s, now);
    if (st != GS_OK)
        return st;
    /* room for every event this step can make: a start per pending job,
     * a preemption and a requeue per running job, a start per requeued */
    if ((st = gs_sched_event_room(s, s->n_pending + 4 * s->n_running)) !=
        GS_OK)
        return st;
    gs_sched_tick(s, now);
    gs_sched_forget(s, now);
    s->n_steps++;
    gs_sched_timeouts(s, now);
    s->n_requeued = 0;
    gs_refresh_books(s, now);
    size_t n_started = 0;
    int quiet = s->quiet ? gs_quiet_step(s, now, &n_started) : QUIET_FULL;
    if (quiet == QUIET_DONE) {
        /* decided from the first jobs in rank, without ranking the queue
         * (quiet.c) */
        if (started)
            *started = n_started;
        gs_jr_rec r = {.kind = GS_JR_STEP};
        r.t = now;
        return gs_jr_done(s, &r);
    }
    /* after a quiet start, the largest priority stays the step's */
    gs_refresh(s, now, quiet == QUIET_CONTINUE);
    bool arming = s->quiet && gs_quiet_arm_begin(s, now);
    if (!arming)
        gs_order_rank(s, now);
    plan_cursor c;
    gs_plan_begin(s, &c, now);
    size_t kept = arming ? plan_selected(s, &c, now, &n_started)
                         : plan_ranked(s, &c, now, &n_started);
    gs_plan_end(s);
    for (size_t i = 0; i < s->n_requeued; i++)
        s->pending[kept++] = s->requeued[i];
    s->n_pending = kept;
    s->n_requeued = 0;
    if (arming) {
        gs_quiet_arm_end(s, c.blocker);
        /* not armed: the next step is a full one too, and a full step
         * sorts the queue (which the last one left in rank order) at the
         * cost of one scan, where a heap costs one pass over the queue */
        if (!gs_quiet_armed(s))
            s->quiet_sort = true;
    }
    if (started)
        *started = n_started;
    gs_jr_rec r = {.kind = GS_JR_STEP};
    r.t = now;
    return gs_jr_done(s, &r);
}
