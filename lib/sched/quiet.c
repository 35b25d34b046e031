/*
 * Quiet steps: when a step can start nothing, know it without ranking and
 * planning every pending job.
 *
 * Without backfill, preemption, partitions or limits, a step starts jobs
 * in rank order until the first one that cannot start (the blocker, B);
 * the jobs behind B only wait. If since the last full step
 *   - nothing changed but submissions and ends of running jobs (no job
 *     with dependents ended, no pending job was cancelled, no setting
 *     changed: every other call recorded disarms),
 *   - B still cannot be placed (asked again only when GPUs were freed,
 *     or always with a host's placement policy),
 *   - and B still ranks first among the jobs that are not held,
 * the step would start nothing, and it is quiet. Ranking is the costly
 * part. For fifo and priority the order of two jobs never changes, so
 * only the jobs submitted since are compared with B. Under multifactor a
 * job's value moves with its age and its association's fair share:
 *   v_X(t) = w_age * age_X(t) + w_fs * fs_u(t) + rest_X,
 * with age_X(t) - age_X(t0) <= (t - t0) / max_age. So at the full step
 * (t0) the QUIET_TOP jobs ranked right behind B are kept and compared
 * exactly at every check (their keys as the refresh stage makes them),
 * and the others are folded into one bound per association u:
 *   bound_u = max over them of (v_X(t0) - w_fs * fs_u(t0)) + slack,
 * so that v_X(t) <= bound_u + w_fs * fs_u(t) + w_age * (t - t0) / max_age
 * for every one of them, with today's fair share. The check passes when
 * every bound is below v_B(t), strictly. The slack (1e-12 of the sum of
 * the terms' magnitudes, some thousand times the rounding of the sums)
 * makes the bound hold for the computed values, not only the real ones.
 * A check that fails runs the full step: the decisions are the same
 * either way, only the work differs.
 *
 * What a quiet step leaves as the last full step left it: the pending
 * jobs' values and factors (gs_sched_job_priority() then computes them
 * as for a job no step has valued) and their order in the pending list.
 * The reasons are what a full step would write: B's is asked again when
 * GPUs were freed, the new jobs wait behind B.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/quiet.h"
#include "sched/apply.h"
#include "sched/jobview.h"
#include "sched/order.h"
#include "sched/refresh.h"
#include "share/fairshare_impl.h"

#include <math.h>

/* held jobs whose reasons a quiet step writes again (more: not armed) */
#define QUIET_HELD 64
/* relative slack of a bound: far above the rounding of a sum of six terms
 * (about 1e-15 of their magnitudes) */
#define QUIET_SLACK 1e-12

struct quiet_state {
    bool armed;
    bool arming;         /* a full step is noting its jobs */
    bool freed;          /* a running job ended since the last step */
    uint32_t blocker;    /* B's slot, and its id (slots move when the job
                            table is compacted: then the ids differ) */
    uint64_t blocker_id;
    int64_t t0;          /* the full step's time */
    int64_t max_prio;    /* largest priority of the jobs left pending */
    size_t n_seen;       /* pending[0 .. n_seen) are known to the check */
    uint32_t n_top;
    uint32_t top[QUIET_TOP];
    uint64_t top_id[QUIET_TOP];
    uint32_t n_held;     /* the held jobs: passed over, but their reasons
                            name other jobs' states */
    uint32_t held[QUIET_HELD];
    uint64_t held_id[QUIET_HELD];
    double *bound;       /* per association (-HUGE_VAL: no job) */
    uint32_t *touched;   /* associations with a bound */
    size_t n_touched, cap;
    double mag;          /* largest |nice| + |site factor| folded or kept */
    uint64_t n_quiet;    /* quiet steps so far */
};

/* The calls that leave the last full step's plan standing (their own
 * checks below); every other recorded call disarms. */
#define QUIET_KINDS                                                         \
    ((1ull << GS_JR_SUBMIT) | (1ull << GS_JR_STEP) |                        \
     (1ull << GS_JR_COMPLETE) | (1ull << GS_JR_FAIL) |                      \
     (1ull << GS_JR_CANCEL) | (1ull << GS_JR_CONSUME))

static bool factors(const gs_sched *s)
{
    return s->ordering == &gs_ordering_multifactor;
}

/* The configurations whose step is decided as the header says. */
static bool quiet_config(const gs_sched *s)
{
    const gs_ordering_ops *o = s->ordering;
    /* the built-in fair-share algorithms' factors are within [0, 1], as
     * the bounds' slack assumes */
    bool builtin = o == &gs_ordering_fifo || o == &gs_ordering_priority ||
                   (o == &gs_ordering_multifactor && gs_view_uses_factors(s) &&
                    (s->fairshare == &gs_fairshare_fair_tree ||
                     s->fairshare == &gs_fairshare_classic));
    return builtin && !o->refresh && s->backfill == GS_BACKFILL_NONE &&
           s->preempt == GS_PREEMPT_OFF && !s->n_parts && !s->any_limit;
}

static bool builtin_policy(const gs_placement_ops *p)
{
    return p == &gs_policy_first_fit || p == &gs_policy_best_fit ||
           p == &gs_policy_spread || p == &gs_policy_nvlink_pack ||
           p == &gs_policy_frag_aware || p == &gs_policy_fgd;
}

static job_rec *slot_job(gs_sched *s, uint32_t slot, uint64_t id)
{
    return slot < s->n_jobs && s->jobs[slot].id == id ? &s->jobs[slot]
                                                      : NULL;
}

/* A job the plan stage passes over whatever its rank (until a call that
 * disarms: a release, the end of a job it depends on). */
static bool held_type(const gs_sched *s, const job_rec *j)
{
    if (j->held)
        return true;
    if (!j->depends_on)
        return false;
    const job_rec *d = find_job(s, j->depends_on);
    return d && d->state != GS_JOB_COMPLETED;
}

GS_API gs_status gs_sched_set_quiet_steps(gs_sched *s, int on)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    if (on != 0 && on != 1)
        return gs_errf(&s->err, GS_EINVAL,
                       "set_quiet_steps: %d is not 0 (off) or 1 (on)", on);
    if (!on) {
        gs_quiet_free(s);
        gs_err_clear(&s->err);
        return GS_OK;
    }
    if (!s->quiet) {
        struct quiet_state *q = gs_calloc(1, sizeof *q);
        if (!q)
            return gs_errf(&s->err, GS_ENOMEM, "out of memory");
        s->quiet = q;
        gs_status st = gs_quiet_reserve(s);
        if (st != GS_OK) {
            gs_quiet_free(s);
            return gs_errf(&s->err, st, "out of memory");
        }
    }
    gs_err_clear(&s->err);
    return GS_OK;
}

GS_API int gs_sched_quiet_steps(const gs_sched *s, uint64_t *quiet)
{
    if (quiet)
        *quiet = s && s->quiet ? s->quiet->n_quiet : 0;
    if (!s)
        return -1;
    return s->quiet != NULL;
}

void gs_quiet_free(gs_sched *s)
{
    if (!s->quiet)
        return;
    gs_free(s->quiet->bound);
    gs_free(s->quiet->touched);
    gs_free(s->quiet);
    s->quiet = NULL;
}

gs_status gs_quiet_reserve(gs_sched *s)
{
    struct quiet_state *q = s->quiet;
    if (!q)
        return GS_OK;
    size_t need = s->share->n + 2;
    if (need <= q->cap)
        return GS_OK;
    size_t cap = GS_MAX(need, 2 * q->cap);
    double *b = gs_realloc(q->bound, cap * sizeof *b);
    if (!b)
        return GS_ENOMEM;
    q->bound = b;
    uint32_t *t = gs_realloc(q->touched, cap * sizeof *t);
    if (!t)
        return GS_ENOMEM;
    q->touched = t;
    for (size_t i = q->cap; i < cap; i++)
        q->bound[i] = -HUGE_VAL;
    q->cap = cap;
    return GS_OK;
}

void gs_quiet_ended(gs_sched *s, const job_rec *j, bool was_running)
{
    struct quiet_state *q = s->quiet;
    if (!q)
        return;
    /* a pending job gone may be B or one kept; a job with dependents
     * frees them (or dooms them); limits count running jobs */
    if (!was_running || j->dependents || s->any_limit)
        q->armed = false;
    else
        q->freed = true;
}

static void clear_bounds(struct quiet_state *q)
{
    for (size_t i = 0; i < q->n_touched; i++)
        q->bound[q->touched[i]] = -HUGE_VAL;
    q->n_touched = 0;
}

/* The magnitude of j's value's terms (all factors are at most 1) beyond
 * the weights: the slack of every bound covers the largest. */
static void note_magnitude(struct quiet_state *q, const job_rec *j)
{
    double m = fabs((double)j->nice) + fabs(j->site_factor);
    if (m > q->mag)
        q->mag = m;
}

/* Fold j, valued at time at (its prio_value and f_fs of then), into its
 * association's bound: what its value can be at t0 + d, less the age
 * term's w_age * d / max_age and the fair-share term of then (the slack
 * is added at the check). A NaN value bounds nothing: it makes the bound
 * infinite. */
static void fold(struct quiet_state *q, const gs_priority_weights *w,
                 const job_rec *j, double aged)
{
    double b = j->prio_value - w->fairshare * j->f_fs - aged;
    uint32_t u = j->assoc;
    double *bu = &q->bound[u];
    if (*bu == -HUGE_VAL)
        q->touched[q->n_touched++] = u;
    if (!(b <= *bu))
        *bu = b != b ? HUGE_VAL : b;
}

bool gs_quiet_arm_begin(gs_sched *s, int64_t now)
{
    struct quiet_state *q = s->quiet;
    q->armed = false;
    q->freed = false;
    q->arming = false;
    clear_bounds(q);
    q->n_top = 0;
    q->n_held = 0;
    q->mag = 0;
    q->max_prio = 0;
    q->blocker_id = 0;
    if (!quiet_config(s) || s->max_submit > now ||
        s->n_pending > s->cap_order)
        return false;
    q->t0 = now;
    q->arming = true;
    return true;
}

void gs_quiet_arm_job(gs_sched *s, const job_rec *j, uint32_t slot,
                      uint64_t blocker)
{
    struct quiet_state *q = s->quiet;
    if (j->priority > q->max_prio)
        q->max_prio = j->priority;
    if (!q->arming)
        return;
    if (held_type(s, j)) {
        /* passed over while it stays so */
        if (q->n_held == QUIET_HELD)
            q->arming = false;
        else {
            q->held[q->n_held] = slot;
            q->held_id[q->n_held++] = j->id;
        }
        return;
    }
    if (!q->blocker_id) {
        /* the first job kept that is not held is the blocker (else a job
         * waits for another reason: not armed) */
        if (j->id == blocker) {
            q->blocker = slot;
            q->blocker_id = blocker;
        } else {
            q->arming = false;
        }
        return;
    }
    if (q->n_top < QUIET_TOP) {
        q->top[q->n_top] = slot;
        q->top_id[q->n_top++] = j->id;
    } else if (factors(s)) {
        fold(q, &s->weights, j, 0);
        if (j->nice || j->site_factor != 0)
            note_magnitude(q, j);
    }
}

void gs_quiet_arm_end(gs_sched *s, uint64_t blocker)
{
    struct quiet_state *q = s->quiet;
    s->jr_kinds = 0;
    /* B's value and the kept ones' are computed against this largest
     * priority: the refresh's may be another (it saw the jobs that
     * started) */
    if (!q->arming || !blocker || q->blocker_id != blocker ||
        (factors(s) && q->max_prio != s->max_prio))
        return;
    q->arming = false;
    q->n_seen = s->n_pending;
    q->armed = true;
}

bool gs_quiet_step(gs_sched *s, int64_t now)
{
    struct quiet_state *q = s->quiet;
    uint64_t kinds = s->jr_kinds;
    s->jr_kinds = 0;
    if (!q->armed)
        return false;
    if ((kinds & ~QUIET_KINDS) || !quiet_config(s) || s->max_submit > now)
        goto full;
    job_rec *b = slot_job(s, q->blocker, q->blocker_id);
    if (!b || b->state != GS_JOB_PENDING || held_type(s, b))
        goto full;
    /* the jobs submitted since: not held (their reasons are another
     * kind), and no higher priority (every priority factor would move) */
    for (size_t i = q->n_seen; i < s->n_pending; i++) {
        const job_rec *j = &s->jobs[s->pending[i]];
        if (j->held || j->depends_on || j->priority > q->max_prio)
            goto full;
    }
    bool with = factors(s);
    bool by_prio = s->ordering->flags & GS_ORDERING_TIES_BY_PRIORITY;
    order_rec kb, kx;
    gs_order_put(&kb, q->blocker, gs_refresh_key(s, b, now), b, by_prio);
    if (with) {
        for (uint32_t i = 0; i < q->n_top; i++) {
            job_rec *j = slot_job(s, q->top[i], q->top_id[i]);
            if (!j || j->state != GS_JOB_PENDING)
                goto full;
            gs_order_put(&kx, q->top[i], gs_refresh_key(s, j, now), j,
                         by_prio);
            if (!gs_order_le(&kb, &kx))
                goto full;
        }
    }
    for (size_t i = q->n_seen; i < s->n_pending; i++) {
        job_rec *j = &s->jobs[s->pending[i]];
        gs_order_put(&kx, s->pending[i], gs_refresh_key(s, j, now), j,
                     by_prio);
        if (!gs_order_le(&kb, &kx))
            goto full;
    }
    const gs_priority_weights *w = &s->weights;
    double aged = with && w->max_age > 0 && now > q->t0
                      ? w->age * ((double)(now - q->t0) / (double)w->max_age)
                      : 0;
    if (with && q->n_touched) {
        double slack = QUIET_SLACK * (w->age + w->fairshare + w->job_size +
                                      w->priority + q->mag);
        for (size_t i = 0; i < q->n_touched; i++) {
            uint32_t u = q->touched[i];
            double v = q->bound[u] + w->fairshare * s->share->a[u].factor +
                       aged + slack;
            if (!(v < b->prio_value))
                goto full;
        }
    }
    /* B's placement: the same answer while nothing was freed (a host's
     * policy is asked every time: it may know more than the GPUs) */
    if (q->freed || !builtin_policy(s->policy)) {
        plan_reason why;
        why.set = 0;
        if (gs_sched_place_only(s, b, s->place_out, &why))
            goto full;
        gs_apply_reason(b, &why);
    }
    /* the held jobs' reasons, as a full step writes them (a dependency's
     * state may have changed in the last step, after they were planned) */
    for (uint32_t i = 0; i < q->n_held; i++) {
        job_rec *j = slot_job(s, q->held[i], q->held_id[i]);
        plan_reason why;
        if (!j || j->state != GS_JOB_PENDING ||
            !gs_plan_held(s, now, j, &why))
            goto full;
    }
    for (uint32_t i = 0; i < q->n_held; i++) {
        job_rec *j = &s->jobs[q->held[i]];
        plan_reason why;
        gs_plan_held(s, now, j, &why);
        gs_apply_reason(j, &why);
        j->est_start = GS_TIME_UNKNOWN;
        j->est_step = s->n_steps;
    }
    /* quiet: what the full step would have written */
    b->est_start = GS_TIME_UNKNOWN;
    b->est_step = s->n_steps;
    for (size_t i = q->n_seen; i < s->n_pending; i++) {
        job_rec *j = &s->jobs[s->pending[i]];
        gs_apply_wait_behind(j, LAZY_BEHIND, b->id);
        if (with) {
            fold(q, w, j, aged);
            note_magnitude(q, j);
        }
    }
    q->n_seen = s->n_pending;
    q->freed = false;
    q->n_quiet++;
    return true;
full:
    q->armed = false;
    return false;
}
