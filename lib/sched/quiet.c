/*
 * Quiet steps: decide a step from the first jobs in rank, without ranking
 * and planning every pending job.
 *
 * Without backfill (EASY below), preemption, partitions or limits, a step
 * starts jobs in rank order until the first one that cannot start (the
 * blocker, B); the jobs behind B only wait, whatever their order. A full
 * step notes B,
 * the QUIET_TOP jobs ranked right behind it (the window) and the held
 * jobs. The next step is decided here when, since then, nothing changed
 * but submissions and ends of running jobs (no job with dependents ended,
 * no pending job was cancelled, no setting changed: every other call
 * recorded disarms) and the jobs submitted are few and not held. B, the
 * window and the new jobs get their exact sort records (as the refresh
 * stage makes them) and are walked in that order while each surely ranks
 * before every job outside: each starts where it fits (B is asked again
 * only when GPUs were freed, or always with a host's placement policy),
 * the first that does not is the new blocker, and the step is done. When
 * the walk runs out of jobs that surely rank first, the full step goes
 * on from there, on the same values (QUIET_CONTINUE).
 *
 * "Surely ranks first": for fifo and priority the order of two jobs never
 * changes, so the jobs from the full step rank before every job outside
 * the window (later submissions are compared only within it). Under
 * multifactor a job's value moves with its age and its association's
 * fair share:
 *   v_X(t) = w_age * age_X(t) + w_fs * fs_u(t) + rest_X,
 * with age_X(t) - age_X(t0) <= (t - t0) / max_age. So the jobs outside
 * the window are folded into one bound per association u:
 *   bound_u = max over them of (v_X(t0) - w_fs * fs_u(t0)) + slack,
 * so that v_X(t) <= bound_u + w_fs * fs_u(t) + w_age * (t - t0) / max_age
 * for every one of them, with today's fair share; a job surely ranks
 * first when its value is above every bound, strictly. The slack (1e-12
 * of the sum of the terms' magnitudes, some thousand times the rounding
 * of the sums) makes the bound hold for the computed values, not only the
 * real ones. A bound lets no tie through, and ties are common: jobs
 * submitted together, jobs that waited max_age (their age factor stays
 * 1). So, of an association's jobs outside with the same terms but the
 * age (the first job outside sets them), the oldest stands in for all:
 * a value never falls as a job ages, and equal values go to the earlier
 * submission, so it ranks before the others at any time. Its exact
 * sort record at the step's time (gs_refresh_peek: the refresh's value,
 * bit for bit) is compared with the job's, ties and tie-breakers
 * included; the jobs outside with other terms go into the bound (under
 * backfill, the jobs without a time limit have stand-ins and bounds of
 * their own). On the Philly trace under conservative backfill this took
 * the full steps from 50,600 to 813 of 155,000. A step that cannot be
 * decided so is a full one: the decisions are the same either way, only
 * the work differs.
 *
 * EASY backfill (at every step, bf_interval 0) adds to the plan of the
 * jobs behind B: the first bf_depth of them with a time limit are looked
 * at (each starts if it fits without delaying B's reservation), and only
 * the jobs after those only wait. Conservative backfill looks at the same
 * jobs and reserves for each (its plans depend on the jobs ranked before
 * only, as EASY's do), so it is walked the same way. A full step keeps
 * B, the jobs up to the last one looked at and QUIET_TOP more; the jobs
 * without a time limit among them may go outside (they only ever wait
 * behind the blocker): into bounds of their own (multifactor) or as the
 * first one's record (fifo, priority). The walk (easy_walk) plans B, the
 * window and the new jobs with the plan stage's own code, in rank order:
 * up to the blocker each must surely rank before every job outside, then
 * before every job outside with a time limit, until backfill has looked
 * at bf_depth jobs; from there every job only waits, inside the window or
 * outside. When the jobs that surely rank first are too few for that
 * (counted when the blocker is known, before anything behind it is
 * planned), the step is a full one (or goes on as one after the starts).
 *
 * What a quiet step writes is what a full step would: starts, the new
 * blocker's reason, the held jobs' reasons, the window's jobs waiting
 * behind the blocker; the jobs outside the window waited behind the old
 * blocker and wait behind the new one through an alias (gs_quiet_behind)
 * until the next full step writes them. It does not recompute the values
 * and factors of the jobs it does not compare, and leaves the pending
 * list in no particular order.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/quiet.h"
#include "sched/apply.h"
#include "sched/jobview.h"
#include "sched/order.h"
#include "sched/refresh.h"
#include "share/fairshare_impl.h"

#include <math.h>
#include <string.h>

/* held jobs whose reasons a quiet step writes again (more: not armed) */
#define QUIET_HELD 64
/* the window: jobs behind B compared exactly (QUIET_TOP of them from the
 * full step, later submissions after) */
#define QUIET_WIN 64
/* submissions a quiet step takes (more: a full step) */
#define QUIET_NEW 64
/* blockers a run of quiet steps may replace before a full step */
#define QUIET_ALIAS 64
/* Backfill's depth up to which its steps may be quiet (the window
 * holds that many jobs more) */
#define QUIET_EASY_DEPTH 1024
/* relative slack of a bound: far above the rounding of a sum of six terms
 * (about 1e-15 of their magnitudes) */
#define QUIET_SLACK 1e-12

/* Multifactor: of the jobs outside of one association with the same terms
 * but age (size, priority, nice, site factor, tier), the oldest ranks
 * first at any time: a value never falls as a job ages, and ties go to
 * the earlier submission. It stands for them all (slot, id per
 * association; UINT32_MAX: none): a job is compared with its exact
 * record of the step, ties included, where a bound (with its slack) lets
 * no tie through. The association's first job outside sets the terms;
 * jobs with other terms fold into the bound. */
typedef struct stand_ins {
    uint32_t *slot;
    uint64_t *id;
    uint32_t *touched; /* associations with one */
    size_t n;
    bool has_top;      /* the step's first of them in rank, at its time */
    order_rec top;
} stand_ins;

static void stand_ins_free(stand_ins *x)
{
    gs_free(x->slot);
    gs_free(x->id);
    gs_free(x->touched);
}

/* Room for cap associations (from old, the room before: none from there
 * has a stand-in). */
static bool stand_ins_grow(stand_ins *x, size_t old, size_t cap)
{
    uint32_t *sl = gs_realloc(x->slot, cap * sizeof *sl);
    if (!sl)
        return false;
    x->slot = sl;
    for (size_t i = old; i < cap; i++)
        sl[i] = UINT32_MAX;
    uint64_t *id = gs_realloc(x->id, cap * sizeof *id);
    if (!id)
        return false;
    x->id = id;
    uint32_t *t = gs_realloc(x->touched, cap * sizeof *t);
    if (!t)
        return false;
    x->touched = t;
    return true;
}

static void stand_ins_clear(stand_ins *x)
{
    for (size_t i = 0; i < x->n; i++)
        x->slot[x->touched[i]] = UINT32_MAX;
    x->n = 0;
    x->has_top = false;
}

typedef struct cand {
    order_rec r;
    job_rec *j;
    uint8_t fresh; /* submitted after the full step */
} cand;

struct quiet_state {
    bool armed;
    bool arming;         /* a full step is noting its jobs */
    bool freed;          /* a running job ended since the last step */
    bool outside;        /* fifo and priority: jobs beyond the window
                            (they rank after its entries from the full
                            step, not necessarily after the later ones) */
    uint32_t blocker;    /* B's slot, and its id (slots move when the job
                            table is compacted: then the ids differ) */
    uint64_t blocker_id;
    int64_t t0;          /* the full step's time */
    int64_t max_prio;    /* largest priority of the jobs left pending */
    size_t n_max;        /* pending jobs of that priority */
    size_t n_seen;       /* pending[0 .. n_seen) are known to the check */
    uint32_t n_win;      /* the window: jobs behind B compared exactly */
    uint32_t cap_win;    /* room in win, win_id, win_new */
    uint32_t *win;
    uint64_t *win_id;
    uint8_t *win_new;    /* came after the full step */
    struct cand *cands;  /* the step's jobs: cap_win + QUIET_NEW + 1 */
    uint32_t n_held;     /* the held jobs: passed over, but their reasons
                            name other jobs' states */
    uint32_t held[QUIET_HELD];
    uint64_t held_id[QUIET_HELD];
    double *bound;       /* per association (-HUGE_VAL: no job) */
    uint32_t *touched;   /* associations with a bound */
    size_t n_touched, cap;
    /* under backfill, the jobs outside without a time limit apart
     * (they only ever wait behind the blocker: the jobs backfill looks at
     * need only rank before the others) */
    double *bound_nl;
    uint32_t *touched_nl;
    size_t n_touched_nl;
    /* stand-ins of the jobs outside with a time limit (for bound) and
     * without (for bound_nl) */
    stand_ins si, si_nl;
    /* fifo and priority (keys that never move): the first of them in
     * rank, when there are any */
    bool has_nl_first;
    order_rec nl_first;
    double mag;          /* largest |nice| + |site factor| folded or kept */
    uint32_t n_alias;    /* blockers replaced since the full step: jobs
                            waiting behind from wait behind to */
    uint64_t alias_from[QUIET_ALIAS], alias_to[QUIET_ALIAS];
    uint64_t n_quiet;    /* quiet steps so far */
};

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
    /* EASY and conservative backfill at every step look at the first
     * bf_depth jobs behind the blocker, and the others only wait */
    bool easy = s->backfill != GS_BACKFILL_NONE && s->bf_interval == 0 &&
                s->bf_depth <= QUIET_EASY_DEPTH;
    return builtin && !o->refresh &&
           (s->backfill == GS_BACKFILL_NONE || easy) &&
           s->preempt == GS_PREEMPT_OFF && !s->n_parts && !s->any_limit;
}

/* The window's room: QUIET_WIN jobs, and as many as backfill looks
 * at. */
static uint32_t win_room(const gs_sched *s)
{
    return QUIET_WIN +
           (s->backfill != GS_BACKFILL_NONE ? GS_MIN(s->bf_depth,
                                                     QUIET_EASY_DEPTH)
                                            : 0);
}

static job_rec *slot_job(gs_sched *s, uint32_t slot, uint64_t id)
{
    return slot < s->n_jobs && s->jobs[slot].id == id ? &s->jobs[slot]
                                                      : NULL;
}

/* j's plan was to wait behind the blocker (nothing else about it was
 * looked at). */
static bool only_waits(const job_rec *j)
{
    return j->reason == GS_REASON_PRIORITY &&
           (j->lazy == LAZY_BEHIND || j->lazy == LAZY_BEHIND_NOLIMIT);
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
        /* the reasons a quiet step left to the alias, written out */
        for (size_t i = 0; s->quiet && s->quiet->n_alias &&
                           i < s->n_pending;
             i++) {
            job_rec *j = &s->jobs[s->pending[i]];
            j->behind = gs_quiet_behind(s, j->behind);
        }
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
    gs_free(s->quiet->bound_nl);
    gs_free(s->quiet->touched_nl);
    stand_ins_free(&s->quiet->si);
    stand_ins_free(&s->quiet->si_nl);
    gs_free(s->quiet->win);
    gs_free(s->quiet->win_id);
    gs_free(s->quiet->win_new);
    gs_free(s->quiet->cands);
    gs_free(s->quiet);
    s->quiet = NULL;
}

/* Room for the window (at submission and when quiet steps are turned on:
 * a step allocates nothing; a window without room for backfill's
 * depth only makes fewer steps quiet). */
static gs_status reserve_window(gs_sched *s)
{
    struct quiet_state *q = s->quiet;
    uint32_t need = win_room(s);
    if (need <= q->cap_win)
        return GS_OK;
    uint32_t *w = gs_realloc(q->win, need * sizeof *w);
    if (!w)
        return GS_ENOMEM;
    q->win = w;
    uint64_t *wi = gs_realloc(q->win_id, need * sizeof *wi);
    if (!wi)
        return GS_ENOMEM;
    q->win_id = wi;
    uint8_t *wn = gs_realloc(q->win_new, need * sizeof *wn);
    if (!wn)
        return GS_ENOMEM;
    q->win_new = wn;
    struct cand *c = gs_realloc(q->cands,
                                ((size_t)need + QUIET_NEW + 1) * sizeof *c);
    if (!c)
        return GS_ENOMEM;
    q->cands = c;
    q->cap_win = need;
    return GS_OK;
}

gs_status gs_quiet_reserve(gs_sched *s)
{
    struct quiet_state *q = s->quiet;
    if (!q)
        return GS_OK;
    if (reserve_window(s) != GS_OK)
        return GS_ENOMEM;
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
    double *bn = gs_realloc(q->bound_nl, cap * sizeof *bn);
    if (!bn)
        return GS_ENOMEM;
    q->bound_nl = bn;
    uint32_t *tn = gs_realloc(q->touched_nl, cap * sizeof *tn);
    if (!tn)
        return GS_ENOMEM;
    q->touched_nl = tn;
    if (!stand_ins_grow(&q->si, q->cap, cap) ||
        !stand_ins_grow(&q->si_nl, q->cap, cap))
        return GS_ENOMEM;
    for (size_t i = q->cap; i < cap; i++)
        q->bound[i] = q->bound_nl[i] = -HUGE_VAL;
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
    for (size_t i = 0; i < q->n_touched_nl; i++)
        q->bound_nl[q->touched_nl[i]] = -HUGE_VAL;
    q->n_touched_nl = 0;
    stand_ins_clear(&q->si);
    stand_ins_clear(&q->si_nl);
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
static void fold_into(double *bound, uint32_t *touched, size_t *n_touched,
                      const gs_priority_weights *w, const job_rec *j,
                      double aged)
{
    double b = j->prio_value - w->fairshare * j->f_fs - aged;
    uint32_t u = j->assoc;
    double *bu = &bound[u];
    if (*bu == -HUGE_VAL)
        touched[(*n_touched)++] = u;
    if (!(b <= *bu))
        *bu = b != b ? HUGE_VAL : b;
}

static void fold(struct quiet_state *q, const gs_priority_weights *w,
                 const job_rec *j, double aged)
{
    fold_into(q->bound, q->touched, &q->n_touched, w, j, aged);
}

static bool same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Do j and k (of one association, valued with their factors kept) have
 * the same terms in the multifactor sum but the age's, at any time while
 * armed (the largest priority and the GPU count stay)? The same tie-
 * breakers too, but the submission (priority, under orderings that break
 * ties by it). */
static bool same_terms(const gs_sched *s, const job_rec *j, const job_rec *k)
{
    const gs_priority_weights *w = &s->weights;
    return j->tier == k->tier && j->nice == k->nice &&
           same_bits(j->site_factor, k->site_factor) &&
           same_bits(w->job_size * j->f_size, w->job_size * k->f_size) &&
           same_bits(w->priority * j->f_prio, w->priority * k->f_prio) &&
           (!(s->ordering->flags & GS_ORDERING_TIES_BY_PRIORITY) ||
            j->priority == k->priority);
}

/* j (multifactor, valued with its factors kept) goes outside: it becomes
 * its association's stand-in in x, or one the stand-in ranks before at
 * any time (true); else it is for the bound (false). */
static bool stand_in(gs_sched *s, stand_ins *x, const job_rec *j)
{
    uint32_t u = j->assoc, slot = (uint32_t)(j - s->jobs);
    if (x->slot[u] == UINT32_MAX) {
        x->touched[x->n++] = u;
    } else {
        const job_rec *k = &s->jobs[x->slot[u]];
        if (!same_terms(s, j, k))
            return false;
        /* the older first (the tie-breakers with equal values) */
        bool by_prio = s->ordering->flags & GS_ORDERING_TIES_BY_PRIORITY;
        order_rec a, b;
        gs_order_put(&a, slot, 0, j, by_prio);
        gs_order_put(&b, x->slot[u], 0, k, by_prio);
        if (gs_order_le(&b, &a))
            return true;
    }
    x->slot[u] = slot;
    x->id[u] = j->id;
    return true;
}

/* The first stand-in of x in rank at now, from the values the refresh
 * would give them (false: one of them is no longer pending). */
static bool stand_in_top(gs_sched *s, stand_ins *x, int64_t now,
                         bool by_prio)
{
    x->has_top = false;
    for (size_t i = 0; i < x->n; i++) {
        uint32_t u = x->touched[i];
        const job_rec *j = slot_job(s, x->slot[u], x->id[u]);
        if (!j || j->state != GS_JOB_PENDING)
            return false;
        order_rec r;
        gs_order_put(&r, x->slot[u],
                     gs_key_double_desc(gs_refresh_peek(s, j, now)), j,
                     by_prio);
        if (!x->has_top || gs_order_le(&r, &x->top))
            x->top = r;
        x->has_top = true;
    }
    return true;
}

/* Does c rank before x's stand-ins at the step's time? */
static bool before_stand_ins(const stand_ins *x, const cand *c)
{
    return !x->has_top || gs_order_le(&c->r, &x->top);
}

/* Under backfill, j (which only waits) has no time limit: it may
 * go outside the window wherever it ranks, into bounds of its own
 * (multifactor) or the first such job's sort record (fifo, priority:
 * the other jobs outside are known only to rank after the window's). */
static bool nl_outside(const gs_sched *s, const job_rec *j)
{
    return s->backfill != GS_BACKFILL_NONE && !j->time_limit;
}

/* j (which only waits) goes outside the window: into the bounds
 * (multifactor) or the flag (fifo, priority). */
static void put_outside(gs_sched *s, const job_rec *j, double aged)
{
    struct quiet_state *q = s->quiet;
    if (!factors(s) && nl_outside(s, j)) {
        order_rec r;
        uint32_t slot = (uint32_t)(j - s->jobs);
        /* the key of every fifo and priority job (gs_refresh_key): the
         * record's tie-breakers rank them */
        gs_order_put(&r, slot, gs_key_double_desc(0), j,
                     s->ordering->flags & GS_ORDERING_TIES_BY_PRIORITY);
        if (!q->has_nl_first || gs_order_le(&r, &q->nl_first))
            q->nl_first = r;
        q->has_nl_first = true;
        return;
    }
    if (!factors(s)) {
        q->outside = true;
        return;
    }
    if (nl_outside(s, j)) {
        if (!stand_in(s, &q->si_nl, j))
            fold_into(q->bound_nl, q->touched_nl, &q->n_touched_nl,
                      &s->weights, j, aged);
    } else if (!stand_in(s, &q->si, j)) {
        fold(q, &s->weights, j, aged);
    }
    if (j->nice || j->site_factor != 0)
        note_magnitude(q, j);
}

/* The most a job in bounds folded since t0 can be worth now, slack
 * included (-HUGE_VAL: none). */
static double top_of(const gs_sched *s, const double *bound,
                     const uint32_t *touched, size_t n, double aged)
{
    const struct quiet_state *q = s->quiet;
    const gs_priority_weights *w = &s->weights;
    double top = -HUGE_VAL;
    if (!n)
        return top;
    double slack = QUIET_SLACK * (w->age + w->fairshare + w->job_size +
                                  w->priority + q->mag);
    for (size_t i = 0; i < n; i++) {
        uint32_t u = touched[i];
        double v = bound[u] + w->fairshare * s->share->a[u].factor + aged +
                   slack;
        if (!(v <= top))
            top = v != v ? HUGE_VAL : v;
    }
    return top;
}

bool gs_quiet_arm_begin(gs_sched *s, int64_t now)
{
    struct quiet_state *q = s->quiet;
    q->armed = false;
    q->freed = false;
    q->arming = false;
    q->outside = false;
    q->has_nl_first = false;
    clear_bounds(q);
    q->n_win = 0;
    q->n_held = 0;
    q->n_alias = 0;
    q->mag = 0;
    q->max_prio = 0;
    q->n_max = 0;
    q->blocker_id = 0;
    if (!quiet_config(s) || s->max_submit > now ||
        s->n_pending > s->cap_order)
        return false;
    q->t0 = now;
    q->arming = true;
    return true;
}

void gs_quiet_arm_job(gs_sched *s, const job_rec *j, uint32_t slot,
                      uint64_t blocker, bool ordered)
{
    struct quiet_state *q = s->quiet;
    if (j->priority > q->max_prio) {
        q->max_prio = j->priority;
        q->n_max = 1;
    } else if (j->priority == q->max_prio) {
        q->n_max++;
    }
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
    bool nl_wait = nl_outside(s, j) && only_waits(j);
    if (ordered && !nl_wait && q->n_win < q->cap_win) {
        q->win[q->n_win] = slot;
        q->win_id[q->n_win] = j->id;
        q->win_new[q->n_win++] = 0;
    } else if (!only_waits(j)) {
        /* a job outside must only wait: its reason is not written again
         * (more jobs looked at by backfill than the window holds) */
        q->arming = false;
    } else {
        put_outside(s, j, 0);
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

bool gs_quiet_armed(const gs_sched *s)
{
    return s->quiet && s->quiet->armed;
}

uint64_t gs_quiet_behind(const gs_sched *s, uint64_t behind)
{
    const struct quiet_state *q = s->quiet;
    if (!q)
        return behind;
    for (uint32_t i = 0; i < q->n_alias; i++)
        if (q->alias_from[i] == behind)
            behind = q->alias_to[i];
    return behind;
}

/* Take a started job's slot off the pending list (its order does not
 * matter where quiet steps apply): from both ends, where the window's
 * jobs lie (the full step's first, the submissions last). */
static void unlist(gs_sched *s, uint32_t slot)
{
    size_t lo = 0, hi = s->n_pending;
    while (lo < hi) {
        size_t at = SIZE_MAX;
        if (s->pending[lo] == slot)
            at = lo;
        else if (s->pending[hi - 1] == slot)
            at = hi - 1;
        if (at != SIZE_MAX) {
            s->pending[at] = s->pending[--s->n_pending];
            return;
        }
        lo++;
        hi--;
    }
}

/* The most a job's age term can have grown since the full step
 * (multifactor; 0 otherwise). */
static double aged_since(const gs_sched *s, int64_t now)
{
    const struct quiet_state *q = s->quiet;
    const gs_priority_weights *w = &s->weights;
    return factors(s) && w->max_age > 0 && now > q->t0
               ? w->age * ((double)(now - q->t0) / (double)w->max_age)
               : 0;
}

/* What a full step writes for the held jobs (passed over: their reasons
 * only). */
static void write_held(gs_sched *s, int64_t now)
{
    const struct quiet_state *q = s->quiet;
    for (uint32_t i = 0; i < q->n_held; i++) {
        job_rec *j = &s->jobs[q->held[i]];
        plan_reason why;
        gs_plan_held(s, now, j, &why);
        gs_apply_reason(j, &why);
        j->est_start = GS_TIME_UNKNOWN;
        j->est_step = s->n_steps;
    }
}

/* Does c surely rank before every job outside the window that top
 * bounds (multifactor: the most they can be worth) and the stand-ins
 * stand for (all: those without a time limit too)? */
static bool sure_first(const struct quiet_state *q, bool with, double top,
                       const cand *c, bool all)
{
    if (!with)
        return !q->outside || !c->fresh;
    return c->j->prio_value > top && before_stand_ins(&q->si, c) &&
           (!all || before_stand_ins(&q->si_nl, c));
}

/* After a step decided here: the jobs left in c[from, nc) (in rank order,
 * behind the blocker) are the window, up to its room (limit); the others
 * are outside. False when one outside does not only wait (then the next
 * step is a full one). */
static bool rewindow(gs_sched *s, const cand *c, size_t from, size_t nc,
                     uint32_t limit, double aged)
{
    struct quiet_state *q = s->quiet;
    bool with = factors(s);
    q->n_win = 0;
    for (size_t i = from; i < nc; i++) {
        job_rec *j = c[i].j;
        if (j->state != GS_JOB_PENDING)
            continue; /* started by backfill */
        if (q->n_win < limit) {
            q->win[q->n_win] = c[i].r.idx;
            q->win_id[q->n_win] = j->id;
            q->win_new[q->n_win++] = c[i].fresh;
        } else if (!only_waits(j)) {
            return false;
        } else {
            put_outside(s, j, aged);
            if (with)
                note_magnitude(q, j);
        }
    }
    return true;
}

/* A step decided here: what the next one checks against. */
static int quiet_done(gs_sched *s)
{
    struct quiet_state *q = s->quiet;
    q->n_seen = s->n_pending;
    q->freed = false;
    q->n_quiet++;
    /* the largest priority left: when the last job of it started, the
     * factors of the next step are another scale */
    if (factors(s) && q->n_max == 0)
        q->armed = false;
    return QUIET_DONE;
}

/* Jobs waiting behind b wait behind x (false: no room for one more
 * alias). */
static bool alias(struct quiet_state *q, const job_rec *b, job_rec *x,
                  gs_sched *s)
{
    if (x == b)
        return true;
    if (q->n_alias == QUIET_ALIAS)
        return false;
    q->alias_from[q->n_alias] = b->id;
    q->alias_to[q->n_alias++] = x->id;
    q->blocker = (uint32_t)(x - s->jobs);
    q->blocker_id = x->id;
    return true;
}

/* The step under EASY or conservative backfill: the plan stage's own
 * plans (start, the blocker's reservation, backfill under it, the other
 * reservations, waiting), job by job in rank order, for B, the window and
 * the new jobs, while each surely ranks before every job outside (b: the
 * blocker of the last step); once there is a blocker and backfill has
 * looked at bf_depth jobs, every job left only waits, the ones outside
 * too (through the alias). When the jobs that surely rank first cannot
 * take the walk that far, nothing is decided here. */
static int easy_walk(gs_sched *s, int64_t now, job_rec *b, cand *c,
                     size_t nc, double top, double top_nl,
                     size_t *n_started)
{
    struct quiet_state *q = s->quiet;
    bool with = factors(s);
    /* a held job's reason names its dependency's state: one that may
     * start in this step would make it depend on the job's rank */
    for (uint32_t i = 0; i < q->n_held; i++) {
        const job_rec *h = &s->jobs[q->held[i]];
        const job_rec *d = h->depends_on ? find_job(s, h->depends_on) : NULL;
        if (d && d->state == GS_JOB_PENDING)
            return QUIET_FULL;
    }
    /* are there jobs outside the window with a time limit? */
    bool outside = with ? q->n_touched + q->si.n > 0 : q->outside;
    /* the jobs that surely rank first: before every job outside (up to
     * the blocker), before those with a time limit (backfill's) */
    double top_all = top_nl > top ? top_nl : top;
    size_t sure_all = 0, sure = 0;
    while (sure_all < nc && sure_first(q, with, top_all, &c[sure_all], true) &&
           (with || !q->has_nl_first ||
            (c[sure_all].r.idx != q->nl_first.idx &&
             gs_order_le(&c[sure_all].r, &q->nl_first))))
        sure_all++;
    while (sure < nc && sure_first(q, with, top, &c[sure], false))
        sure++;
    plan_cursor pc;
    gs_plan_begin(s, &pc, now);
    size_t started = 0, k = 0;
    for (; k < nc; k++) {
        job_rec *j = c[k].j;
        if (pc.blocker ? !gs_plan_only_wait(s, &pc) && k >= sure
                       : k >= sure_all)
            break; /* its plan may depend on jobs outside */
        if (!pc.blocker) {
            /* the head: it starts, or becomes the blocker; then the walk
             * must be able to go on until backfill has looked at
             * bf_depth jobs, each surely ranking first (the jobs it looks
             * at: those with a time limit) */
            gs_plan p;
            gs_plan_job(s, &pc, j, &p);
            if (p.kind == PLAN_START) {
                gs_apply_start(s, j, p.gpus, now);
                started++;
                continue;
            }
            if (pc.blocker && outside) {
                size_t looks = 0;
                for (size_t i = k + 1; i < sure; i++)
                    looks += c[i].j->time_limit > 0;
                if (looks < s->bf_depth)
                    break;
            }
            gs_apply_reason(j, &p.why);
            j->est_start = p.est;
            j->est_step = s->n_steps;
            continue;
        }
        size_t st = 0;
        gs_step_plan_one(s, &pc, j, now, &st);
        started += st;
    }
    /* the jobs started: off the pending list, and the largest priority's
     * count */
    for (size_t i = 0; i < nc; i++)
        if (c[i].j->state == GS_JOB_RUNNING) {
            unlist(s, c[i].r.idx);
            if (c[i].j->priority == q->max_prio)
                q->n_max--;
        }
    *n_started = started;
    job_rec *x = pc.blocker ? find_job(s, pc.blocker) : NULL;
    if (k < nc || !x || !alias(q, b, x, s)) {
        /* a full plan follows: the memo of reservation scans stays the
         * last kept plan's, for the jobs this walk did not reach */
        gs_plan_abandon(s);
        q->armed = false;
        if (!started)
            return QUIET_FULL;
        /* the rest as a full pass does it, with the same values */
        q->n_quiet++;
        return QUIET_CONTINUE;
    }
    gs_plan_end(s);
    write_held(s, now);
    size_t from = 0;
    while (c[from].j != x)
        from++;
    bool ok = rewindow(s, c, from + 1, nc, q->cap_win, aged_since(s, now));
    int r = quiet_done(s);
    if (!ok)
        q->armed = false;
    return r;
}

int gs_quiet_step(gs_sched *s, int64_t now, size_t *n_started)
{
    struct quiet_state *q = s->quiet;
    uint64_t kinds = s->jr_kinds;
    s->jr_kinds = 0;
    *n_started = 0;
    if (!q->armed)
        return QUIET_FULL;
    /* the calls that leave the last full step's plan standing (their
     * own checks below); every other recorded call disarms */
    if ((kinds & ~GS_JR_PLAN_KINDS) || !quiet_config(s) || s->max_submit > now)
        goto full;
    job_rec *b = slot_job(s, q->blocker, q->blocker_id);
    if (!b || b->state != GS_JOB_PENDING || held_type(s, b))
        goto full;
    /* the jobs submitted since: not held (their reasons are another
     * kind), and no higher priority (every priority factor would move) */
    size_t n_new = s->n_pending - q->n_seen;
    if (n_new > QUIET_NEW)
        goto full;
    for (size_t i = q->n_seen; i < s->n_pending; i++) {
        const job_rec *j = &s->jobs[s->pending[i]];
        if (j->held || j->depends_on || j->priority > q->max_prio)
            goto full;
    }
    for (uint32_t i = 0; i < q->n_held; i++) {
        job_rec *j = slot_job(s, q->held[i], q->held_id[i]);
        plan_reason why;
        if (!j || j->state != GS_JOB_PENDING ||
            !gs_plan_held(s, now, j, &why))
            goto full;
    }
    bool with = factors(s);
    bool by_prio = s->ordering->flags & GS_ORDERING_TIES_BY_PRIORITY;
    /* B, the window and the new jobs by their exact sort records */
    cand *c = q->cands;
    size_t nc = 0;
    c[nc].j = b;
    c[nc].fresh = 0;
    gs_order_put(&c[nc++].r, q->blocker, gs_refresh_key(s, b, now), b,
                 by_prio);
    for (uint32_t i = 0; i < q->n_win; i++) {
        job_rec *j = slot_job(s, q->win[i], q->win_id[i]);
        if (!j || j->state != GS_JOB_PENDING)
            goto full;
        c[nc].j = j;
        c[nc].fresh = q->win_new[i];
        gs_order_put(&c[nc++].r, q->win[i], gs_refresh_key(s, j, now), j,
                     by_prio);
    }
    for (size_t i = q->n_seen; i < s->n_pending; i++) {
        job_rec *j = &s->jobs[s->pending[i]];
        /* counted now (a step that turns out full arms afresh) */
        if (j->priority == q->max_prio)
            q->n_max++;
        if (with)
            note_magnitude(q, j);
        c[nc].j = j;
        c[nc].fresh = 1;
        gs_order_put(&c[nc++].r, s->pending[i], gs_refresh_key(s, j, now), j,
                     by_prio);
    }
    for (size_t i = 1; i < nc; i++) { /* insertion sort: a few dozen */
        cand v = c[i];
        size_t k = i;
        while (k > 0 && !gs_order_le(&c[k - 1].r, &v.r)) {
            c[k] = c[k - 1];
            k--;
        }
        c[k] = v;
    }
    /* the most any job outside the window can be worth now (multifactor) */
    double aged = aged_since(s, now);
    double top = with ? top_of(s, q->bound, q->touched, q->n_touched, aged)
                      : -HUGE_VAL;
    if (with && (!stand_in_top(s, &q->si, now, by_prio) ||
                 !stand_in_top(s, &q->si_nl, now, by_prio)))
        goto full;
    if (s->backfill != GS_BACKFILL_NONE) {
        double top_nl = with ? top_of(s, q->bound_nl, q->touched_nl,
                                      q->n_touched_nl, aged)
                             : -HUGE_VAL;
        return easy_walk(s, now, b, c, nc, top, top_nl, n_started);
    }
    /* The walk: in rank order, while a job surely ranks before every job
     * outside, start it where it fits; the first that does not is the
     * blocker. Held jobs (their reasons follow other jobs' states through
     * the step) keep the step to the old blocker, not placed. */
    bool walk = q->n_held == 0;
    size_t k = 0, started = 0;
    bool found = false;
    for (; k < nc; k++) {
        job_rec *j = c[k].j;
        if (!sure_first(q, with, top, &c[k], false) || (!walk && j != b))
            break;
        /* B does not fit while nothing was freed (a host's policy is
         * asked every time: it may know more than the GPUs) */
        plan_reason why;
        why.set = 0;
        bool asked = !(j == b && started == 0 && !q->freed &&
                       gs_policy_builtin(s->policy));
        if (asked && gs_sched_place_only(s, j, s->place_out, &why)) {
            if (!walk)
                goto full;
            gs_apply_start(s, j, s->place_out, now);
            unlist(s, (uint32_t)(j - s->jobs));
            if (j->priority == q->max_prio)
                q->n_max--;
            started++;
            continue;
        }
        if (asked)
            gs_apply_reason(j, &why);
        found = true;
        break;
    }
    if (!found) {
        if (!started)
            goto full;
        /* the next job in rank may be outside the window: the step goes
         * on as a full one, from here, with the same values */
        q->armed = false;
        q->n_quiet++;
        *n_started = started;
        return QUIET_CONTINUE;
    }
    job_rec *x = c[k].j;
    /* what the full step would have written */
    write_held(s, now);
    x->est_start = GS_TIME_UNKNOWN;
    x->est_step = s->n_steps;
    if (x != b) {
        /* every job that waited behind B waits behind x */
        if (q->n_alias == QUIET_ALIAS) {
            /* too many replaced blockers: a full pass writes them all */
            if (!started)
                goto full;
            q->armed = false;
            q->n_quiet++;
            *n_started = started;
            return QUIET_CONTINUE;
        }
        q->alias_from[q->n_alias] = b->id;
        q->alias_to[q->n_alias++] = x->id;
        q->blocker = (uint32_t)(x - s->jobs);
        q->blocker_id = x->id;
    }
    for (size_t i = k + 1; i < nc; i++)
        gs_apply_wait_behind(c[i].j, LAZY_BEHIND, x->id);
    rewindow(s, c, k + 1, nc, QUIET_WIN, aged); /* they all wait */
    *n_started = started;
    return quiet_done(s);
full:
    q->armed = false;
    return QUIET_FULL;
}
