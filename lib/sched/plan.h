/*
 * The plan stage (plan.c, with ask.c, backfill.c and preempt.c): for one
 * pending job at a time, in ranked order, what to do: start it now (and
 * where), stop victims for it, or let it wait (and why; with backfill, a
 * reservation). It reads job records (const) and the books; its what-ifs
 * change the resource state and change it back before returning, except
 * the reservation blocks, its own, lifted by gs_plan_end(). What it
 * decides is carried out by the apply stage.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_SCHED_PLAN_H
#define GS_SCHED_PLAN_H

#include "sched/sched_impl.h"

/* Why a job waits, as planned: only the fields named in `set` change
 * (apply writes them to the job), so that planning a job reads none of
 * its reason fields unless it needs them (the pending jobs are spread over
 * memory: a load that misses costs more than a store). */
enum { WHY_REASON = 1, WHY_LAZY = 2, WHY_BEHIND = 4, WHY_TEXT = 8 };
typedef struct plan_reason {
    uint8_t set; /* WHY_* */
    uint8_t lazy;
    gs_pending_reason reason;
    uint64_t behind;
    char text[REASON_MAX]; /* with WHY_TEXT: replaces the reason text */
} plan_reason;

static inline void why_set(plan_reason *r, gs_pending_reason reason,
                           uint8_t lazy)
{
    r->reason = reason;
    r->lazy = lazy;
    r->set |= WHY_REASON | WHY_LAZY;
}

static inline void why_behind(plan_reason *r, uint64_t behind)
{
    r->behind = behind;
    r->set |= WHY_BEHIND;
}

static inline gs_pending_reason why_reason(const plan_reason *r,
                                           const job_rec *j)
{
    return (r->set & WHY_REASON) ? r->reason : j->reason;
}

static inline uint8_t why_lazy(const plan_reason *r, const job_rec *j)
{
    return (r->set & WHY_LAZY) ? r->lazy : j->lazy;
}

typedef enum plan_kind {
    PLAN_WAIT = 0,   /* the job waits; `why` says why */
    PLAN_START = 1,  /* start it on gpus[0 .. job->gpus) */
    PLAN_PREEMPT = 2 /* stop victims, then plan the job again */
} plan_kind;

typedef struct gs_plan {
    plan_kind kind;
    plan_reason why;
    const uint32_t *gpus;    /* PLAN_START: the plan stage's scratch */
    const uint32_t *victims; /* PLAN_PREEMPT: job indices; GS_NONE: none */
    size_t n_victims;
    int64_t est; /* PLAN_WAIT: the reservation's start, or GS_TIME_UNKNOWN */
} gs_plan;

/* Where a step's plan stands between jobs. */
typedef struct plan_cursor {
    int64_t now;
    gs_backfill backfill; /* this step's mode (none between intervals) */
    uint64_t blocker;     /* the first job that could not start */
    /* With partitions, a job that cannot start blocks only its own
     * partitions (as Slurm goes on with the other partitions): those
     * blocked, and each one's blocker */
    uint64_t blocked_parts;
    uint64_t part_blocker[GS_MAX_PARTITIONS];
    size_t looked;        /* jobs behind it looked at for backfill */
    uint64_t retry;       /* the job whose victims were just stopped */
    bool future;          /* some job was submitted after now */
} plan_cursor;

void gs_plan_begin(gs_sched *s, plan_cursor *c, int64_t now);
void gs_plan_job(gs_sched *s, plan_cursor *c, const job_rec *j, gs_plan *p);

/* Behind the blocker, is j left out of backfill (backfill off this step,
 * its depth reached, or j without a time limit)? Then it waits with reason
 * priority and *lazy the kind of its text. */
static inline bool gs_plan_no_backfill(const gs_sched *s,
                                       const plan_cursor *c,
                                       const job_rec *j, uint8_t *lazy)
{
    if (c->backfill != GS_BACKFILL_NONE && c->looked < s->bf_depth &&
        j->time_limit > 0)
        return false;
    *lazy = c->backfill != GS_BACKFILL_NONE && !j->time_limit
                ? LAZY_BEHIND_NOLIMIT
                : LAZY_BEHIND;
    return true;
}

/* The common plan, decided inline (a step plans every pending job, and in
 * a long queue most of them only wait): j waits behind the blocker, with
 * no dependency or limit to look at and no backfill. True with *lazy the
 * kind of reason; then the plan is "wait, reason priority, behind the
 * blocker", and gs_plan_job need not be called. */
static inline bool gs_plan_waits_behind(const gs_sched *s,
                                        const plan_cursor *c,
                                        const job_rec *j, uint8_t *lazy)
{
    return c->blocker && (!s->n_parts || !(j->parts & ~c->blocked_parts)) &&
           !j->depends_on && !s->any_limit && !c->future && !j->held &&
           gs_plan_no_backfill(s, c, j, lazy);
}

/* From here on (without partitions) every job only waits behind the
 * blocker: there is one, and backfill is off or has looked at as many
 * jobs as it may. */
static inline bool gs_plan_only_wait(const gs_sched *s, const plan_cursor *c)
{
    return c->blocker &&
           (c->backfill == GS_BACKFILL_NONE || c->looked >= s->bf_depth);
}

/* The job j waits behind: its first blocked partition's blocker, or the
 * blocker. */
static inline uint64_t gs_plan_blocker_of(const gs_sched *s,
                                          const plan_cursor *c,
                                          const job_rec *j)
{
    uint64_t b = s->n_parts ? j->parts & c->blocked_parts : 0;
    return b ? c->part_blocker[__builtin_ctzll(b)] : c->blocker;
}
void gs_plan_end(gs_sched *s);
/* End a plan that a full one at the same time replaces (a quiet step that
 * could not decide): as gs_plan_end, but the reservation scans' memo is
 * the one from before it, so the full plan can take the scans the given
 * up one did not reach from the last plan. */
void gs_plan_abandon(gs_sched *s);
/* Is j held at now (the host's hold, a later submission time, a
 * dependency, a limit), and why: the reason a step gives it. */
bool gs_plan_held(const gs_sched *s, int64_t now, const job_rec *j,
                  plan_reason *why);

/* Asking the placement policy (ask.c). */
bool gs_sched_place_quiet(gs_sched *s, const job_rec *j, uint32_t *out);
/* On failure, why is filled (reason, text); reason may be NULL. */
bool gs_sched_place_only(gs_sched *s, const job_rec *j, uint32_t *out,
                         plan_reason *why);
gs_status gs_ask_policy(gs_sched *s, const job_rec *j, uint32_t *out,
                        gs_place_ctx *ctx, gs_place_request *req, bool quiet);

/* Backfill (backfill.c). */
void gs_bf_begin(gs_sched *s);
/* A plan begins at now: may its reservation scans take the last plan's
 * answers (backfill.c)? */
void gs_bf_memo_begin(gs_sched *s, int64_t now);
void gs_bf_end(gs_sched *s);
/* A plan given up before its end, another one to follow at the same time
 * (backfill.c): its what-if state settled, its scans not kept (the next
 * plan takes the memo the given-up one had). */
void gs_bf_abandon(gs_sched *s);
/* A job started (start) or ended: the memo's log (the apply stage calls
 * it once the state changed). */
void gs_bf_memo_event(gs_sched *s, const job_rec *j, int64_t now,
                      bool start);
gs_status gs_bf_grow(gs_sched *s, size_t n);
void gs_bf_window(gs_sched *s, const job_rec *j, int64_t now);
bool gs_bf_reserved_start(gs_sched *s, const job_rec *j, int64_t now,
                          int64_t *when);
/* Place j now without delaying a reservation (the free-GPU counts under
 * the blocks first); the GPUs in s->place_out. */
bool gs_bf_try_place(gs_sched *s, const job_rec *j, int64_t now,
                     plan_reason *why);
/* What-ifs on the live state, shared with preemption. */
void gs_bf_vrelease(gs_sched *s, const job_rec *j);
void gs_bf_vrestore(gs_sched *s, const job_rec *j);
void gs_bf_flush(gs_sched *s);
/* Bring the what-if state a step's reservation scans left open back to
 * the real one (anything that reads the state but those scans calls it
 * first; cheap when settled). */
void gs_bf_settle(gs_sched *s);
/* While the scans' state is open (s->bf_open): do j's counts fit the real
 * state, ignoring reservations (gs_state_fits_unblocked's answer without
 * settling; clusters without partitions)? */
bool gs_bf_fits_real(const gs_sched *s, const job_rec *j);
bool gs_bf_place_whatif(gs_sched *s, const job_rec *j);

/* Preemption (preempt.c): the victims job h needs stopped, in
 * s->running_scratch (GS_NONE: spared); false when none would do. */
bool gs_preempt_choose(gs_sched *s, const job_rec *h, int64_t now,
                       size_t *n_victims);

#endif
