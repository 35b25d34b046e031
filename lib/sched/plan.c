/*
 * The plan stage: what to do with each pending job, in ranked order.
 *
 * The first job that cannot start is the blocker. Before it, a job starts
 * when it can be placed, or preempts for itself. Behind it, with backfill
 * on, a job with a time limit starts when it delays no reservation
 * (conservative backfill reserves for each of them too); the others wait
 * behind the blocker. A plan reads job records and the books and
 * changes only the resource state's what-if overlays (backfill.c); the
 * apply stage carries it out.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/plan.h"
#include "sched/jobview.h"
#include "sched/books.h"
#include "sched/state.h"

#include <stdio.h>
#include <string.h>

/* Append the reserved start to a reason that is a text (not lazy). */
static void reason_append_reserved(plan_reason *r, const job_rec *j,
                                   int64_t when)
{
    if (!(r->set & WHY_TEXT)) {
        memcpy(r->text, j->reason_text, sizeof r->text);
        r->set |= WHY_TEXT;
    }
    size_t n = strlen(r->text);
    snprintf(r->text + n, sizeof r->text - n, "; reserved to start at %lld",
             (long long)when);
}

/* Why a job cannot go now, apart from resources: a dependency or a
 * limit. Such jobs wait without holding back the ones behind them. */
static bool held(const gs_sched *s, const plan_cursor *c, const job_rec *j,
                 plan_reason *r)
{
    if (j->held) {
        why_set(r, GS_REASON_HELD, LAZY_NONE);
        r->set |= WHY_TEXT;
        snprintf(r->text, sizeof r->text,
                 "held by the host (gs_sched_release lets it go)");
        return true;
    }
    if (j->submit_time > c->now) {
        why_set(r, GS_REASON_BEGIN_TIME, LAZY_NONE);
        r->set |= WHY_TEXT;
        snprintf(r->text, sizeof r->text,
                 "submitted at %lld, later than now (%lld)",
                 (long long)j->submit_time, (long long)c->now);
        return true;
    }
    if (j->depends_on) {
        /* held: a job is not forgotten while a dependent waits */
        const job_rec *d = find_job(s, j->depends_on);
        if (d && d->state != GS_JOB_COMPLETED) {
            why_set(r, GS_REASON_DEPENDENCY, LAZY_NONE);
            r->set |= WHY_TEXT;
            bool never = d->state == GS_JOB_FAILED ||
                         d->state == GS_JOB_CANCELLED ||
                         d->state == GS_JOB_PREEMPTED;
            snprintf(r->text, sizeof r->text,
                     never ? "job %llu ended %s: the dependency can never be "
                             "satisfied"
                           : "waiting for job %llu to complete (%s)",
                     (unsigned long long)d->id, gs_job_state_name(d->state));
            return true;
        }
    }
    if (gs_books_over_limit(s, j, r->text, sizeof r->text)) {
        why_set(r, GS_REASON_LIMIT, LAZY_NONE);
        r->set |= WHY_TEXT;
        return true;
    }
    return false;
}

bool gs_plan_held(const gs_sched *s, int64_t now, const job_rec *j,
                  plan_reason *why)
{
    plan_cursor c;
    memset(&c, 0, sizeof c);
    c.now = now;
    c.future = s->max_submit > now;
    why->set = 0;
    return (j->depends_on || s->any_limit || c.future || j->held) &&
           held(s, &c, j, why);
}

void gs_plan_begin(gs_sched *s, plan_cursor *c, int64_t now)
{
    memset(c, 0, sizeof *c);
    c->now = now;
    c->future = s->max_submit > now;
    gs_bf_begin(s);
    gs_bf_memo_begin(s, now);
    /* backfill runs at most once per interval (like Slurm's bf_interval);
     * the other steps start jobs in order only */
    c->backfill = s->backfill;
    if (c->backfill != GS_BACKFILL_NONE && s->bf_interval > 0) {
        if (s->bf_last != INT64_MIN && now >= s->bf_last &&
            now - s->bf_last < s->bf_interval)
            c->backfill = GS_BACKFILL_NONE;
        else
            s->bf_last = now;
    }
}

void gs_plan_end(gs_sched *s)
{
    gs_bf_end(s);
}

void gs_plan_abandon(gs_sched *s)
{
    gs_bf_abandon(s);
}

/* Nothing is blocked yet: start it, or preempt for it; else it becomes
 * the blocker (with backfill, it gets a reservation). */
static void plan_head(gs_sched *s, plan_cursor *c, const job_rec *j,
                      gs_plan *p)
{
    int64_t now = c->now;
    bool retry = c->retry == j->id;
    c->retry = 0;
    if (gs_sched_place_only(s, j, s->place_out, &p->why)) {
        p->kind = PLAN_START;
        p->gpus = s->place_out;
        return;
    }
    /* place_only set the reason */
    if (!retry && p->why.reason == GS_REASON_RESOURCES &&
        gs_preempt_choose(s, j, now, &p->n_victims)) {
        /* the victims are stopped, then the job is planned again */
        p->kind = PLAN_PREEMPT;
        p->victims = s->running_scratch; /* n_victims: set above */
        c->retry = j->id;
        return;
    }
    if (!c->blocker)
        c->blocker = j->id;
    if (s->n_parts) {
        for (uint64_t b = j->parts & ~c->blocked_parts; b; b &= b - 1)
            c->part_blocker[__builtin_ctzll(b)] = j->id;
        c->blocked_parts |= j->parts;
    }
    int64_t when;
    if (c->backfill != GS_BACKFILL_NONE &&
        p->why.reason == GS_REASON_RESOURCES &&
        gs_bf_reserved_start(s, j, now, &when)) {
        p->why.lazy = LAZY_NONE;
        p->why.set |= WHY_TEXT;
        snprintf(p->why.text, sizeof p->why.text,
                 "not enough free resources; reserved to start at %lld",
                 (long long)when);
        p->est = when;
    }
}

/* Behind the blocker. */
static void plan_behind(gs_sched *s, plan_cursor *c, const job_rec *j,
                        gs_plan *p)
{
    plan_reason *r = &p->why;
    uint8_t lazy;
    if (gs_plan_no_backfill(s, c, j, &lazy)) {
        why_set(r, GS_REASON_PRIORITY, lazy);
        why_behind(r, gs_plan_blocker_of(s, c, j));
        return;
    }
    c->looked++;
    /* free-GPU counts first: most jobs behind a blocked one cannot fit,
     * and counting is far cheaper than placing (or than holding back the
     * reservations that overlap the job's window, which only then) */
    /* while the reservation scans' state is open, the real counts are
     * kept (without partitions): most jobs here do not fit them, and
     * the next scan goes on from where the last one stopped */
    if (s->bf_open && s->n_parts)
        gs_bf_settle(s);
    if (s->bf_open ? !gs_bf_fits_real(s, j)
                   : !gs_state_fits_unblocked(s, j)) {
        why_set(r, GS_REASON_RESOURCES, LAZY_NOFIT);
    } else if (gs_bf_try_place(s, j, c->now, r)) {
        p->kind = PLAN_START;
        p->gpus = s->place_out;
        return;
    } else if (s->n_rsv > 0 && j->gpus) {
        /* it fits when reservations are ignored (judged by counts): it
         * would delay one (reservations hold GPUs: not a CPU-only job) */
        why_set(r, GS_REASON_RESERVATION, LAZY_DELAY);
        why_behind(r, gs_plan_blocker_of(s, c, j));
    } else if (why_lazy(r, j) != LAZY_NONE) {
        why_set(r, GS_REASON_RESOURCES, LAZY_NOFIT);
    }
    int64_t when;
    if (c->backfill == GS_BACKFILL_CONSERVATIVE &&
        why_reason(r, j) != GS_REASON_POLICY &&
        gs_bf_reserved_start(s, j, c->now, &when)) {
        /* (no lazy reason here carries the flag yet: each branch above
         * that leaves one set a new one) */
        uint8_t kind = why_lazy(r, j);
        if (kind != LAZY_NONE) {
            /* the text is made when asked, from est_start */
            r->lazy = (uint8_t)(kind | LAZY_RESERVED);
            r->set |= WHY_LAZY;
        } else {
            reason_append_reserved(r, j, when);
        }
        p->est = when;
    }
}

void gs_plan_job(gs_sched *s, plan_cursor *c, const job_rec *j, gs_plan *p)
{
    /* gpus and victims are set with the kinds that have them */
    p->kind = PLAN_WAIT;
    p->why.set = 0;
    p->est = GS_TIME_UNKNOWN;
    if ((j->depends_on || s->any_limit || c->future || j->held) &&
        held(s, c, j, &p->why))
        return;
    if (!c->blocker) {
        plan_head(s, c, j, p);
    } else if (s->n_parts && (j->parts & ~c->blocked_parts)) {
        /* a partition of its is not blocked: it goes first there (and
         * only there) */
        s->try_parts = ~c->blocked_parts;
        plan_head(s, c, j, p);
        s->try_parts = ~(uint64_t)0;
    } else {
        plan_behind(s, c, j, p);
    }
}
