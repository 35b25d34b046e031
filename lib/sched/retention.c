/*
 * Bounded memory: ended jobs are kept for a time and a count, then
 * forgotten (after the host's forget hook saw them); the slots they leave
 * are closed up now and then. Also the event queue (a ring the host
 * consumes) and the clock, which the calls that take a time check.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/sched_impl.h"
#include "sched/state.h"

#include <string.h>

gs_status gs_sched_now_arg(gs_sched *s, int64_t now)
{
    gs_status st = gs_sched_time_arg(s, now, "now");
    if (st != GS_OK)
        return st;
    if (s->clock != INT64_MIN && now < s->clock)
        return gs_errf(&s->err, GS_EINVAL,
                       "now = %lld is earlier than %lld, the latest time "
                       "this scheduler was given (times must not go "
                       "backwards)",
                       (long long)now, (long long)s->clock);
    return GS_OK;
}

GS_API int64_t gs_sched_clock(const gs_sched *s)
{
    return gs_sched_ready(s) ? s->clock : INT64_MIN;
}

/* ---- the event queue ---------------------------------------------------- */

gs_status gs_sched_event_room(gs_sched *s, size_t n)
{
    if (s->n_events > SIZE_MAX / 2 - n)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory (event queue)");
    size_t need = s->n_events + n;
    if (need <= s->cap_events)
        return GS_OK;
    size_t cap = s->cap_events ? s->cap_events : 16;
    while (cap < need)
        cap *= 2;
    sched_event *e = gs_malloc(cap * sizeof *e);
    if (!e)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory (event queue)");
    for (size_t i = 0; i < s->n_events; i++)
        e[i] = s->events[(s->ev_head + i) % s->cap_events];
    gs_free(s->events);
    s->events = e;
    s->cap_events = cap;
    s->ev_head = 0;
    return GS_OK;
}

gs_status gs_sched_events_take(gs_sched *s, size_t n)
{
    if (n > s->n_events)
        return gs_errf(&s->err, GS_EINVAL,
                       "consume %zu events: the queue holds %zu", n,
                       s->n_events);
    for (size_t i = 0; i < n; i++) {
        const sched_event *e = &s->events[(s->ev_head + i) % s->cap_events];
        job_rec *j = find_job(s, e->job);
        if (j && j->unread)
            j->unread--;
    }
    if (n) {
        s->ev_head = (s->ev_head + n) % s->cap_events;
        s->n_events -= n;
    }
    if (!s->n_events)
        s->ev_head = 0;
    return GS_OK;
}

/* ---- ended jobs --------------------------------------------------------- */

gs_status gs_sched_ended_room(gs_sched *s, size_t n)
{
    if (!GS_GROW(s->ended, s->cap_ended, n))
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    return GS_OK;
}

void gs_sched_job_ended(gs_sched *s, job_rec *j)
{
    if (j->depends_on) {
        job_rec *d = find_job(s, j->depends_on);
        if (d && d->dependents)
            d->dependents--;
    }
    /* every ended job is held: the list has room for all the slots */
    if (s->ended_hi == s->cap_ended) {
        size_t n = s->ended_hi - s->ended_lo;
        memmove(s->ended, s->ended + s->ended_lo, n * sizeof *s->ended);
        s->ended_lo = 0;
        s->ended_hi = n;
    }
    if (s->ended_hi < s->cap_ended) {
        s->ended[s->ended_hi++] = j->id;
        s->n_ended++;
    }
}

static void forget_one(gs_sched *s, job_rec *j)
{
    if (s->forget_fn) {
        gs_job_info info;
        gs_sched_fill_info(s, j, &info);
        s->forget_fn(s->forget_ud, s, &info);
    }
    gs_job_free(j);
    uint64_t id = j->id;
    memset(j, 0, sizeof *j);
    j->id = id;
    j->state = GS_JOB_FORGOTTEN;
    s->n_live--;
    s->n_dead++;
    s->n_ended--;
    s->cursor->ok = false;
}

void gs_sched_forget(gs_sched *s, int64_t now)
{
    size_t lo = s->ended_lo, r = lo, w = lo, forgot = 0;
    for (; r < s->ended_hi; r++) {
        job_rec *j = find_job(s, s->ended[r]);
        if (!j)
            continue; /* cannot happen: ended jobs are held */
        bool old = s->keep_seconds != GS_KEEP_FOREVER &&
                   now - j->end_time >= s->keep_seconds;
        bool many = s->keep_count != GS_KEEP_FOREVER &&
                    (int64_t)(s->n_ended - (w - lo)) > s->keep_count;
        if (!old && !many)
            break;
        if (j->unread || j->dependents) {
            s->ended[w++] = s->ended[r]; /* kept: read or needed later */
            continue;
        }
        forget_one(s, j);
        forgot++;
    }
    /* the kept ones go just before the first not looked at, in order */
    size_t kept = w - lo;
    if (kept)
        memmove(s->ended + r - kept, s->ended + lo, kept * sizeof *s->ended);
    s->ended_lo = r - kept;
    if (forgot && s->n_dead > 64 && s->n_dead > s->n_live)
        gs_sched_compact(s);
}

void gs_sched_compact(gs_sched *s)
{
    if (!s->n_dead)
        return;
    uint32_t *map = s->remap; /* old slot -> new slot */
    size_t k = 0;
    for (size_t i = 0; i < s->n_jobs; i++) {
        if (s->jobs[i].state == GS_JOB_FORGOTTEN) {
            map[i] = GS_NONE;
            continue;
        }
        map[i] = (uint32_t)k;
        if (k != i)
            s->jobs[k] = s->jobs[i];
        k++;
    }
    s->n_jobs = k;
    s->n_dead = 0;
    for (size_t i = 0; i < s->n_pending; i++)
        s->pending[i] = map[s->pending[i]];
    for (size_t i = 0; i < s->n_running; i++)
        s->running[i] = map[s->running[i]];
    for (size_t i = 0; i < s->n_ends; i++)
        s->ends[i] = map[s->ends[i]];
    s->ends_ver++;
    s->cursor->ok = false;
}

GS_API gs_status gs_sched_set_retention(gs_sched *s, int64_t keep_seconds,
                                        int64_t keep_count)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    if (keep_seconds < 0 || keep_count < 0)
        return gs_errf(&s->err, GS_EINVAL,
                       "retention: keep_seconds (%lld) and keep_count "
                       "(%lld) must not be negative",
                       (long long)keep_seconds, (long long)keep_count);
    if (keep_seconds > GS_TIME_MAX && keep_seconds != GS_KEEP_FOREVER)
        return gs_errf(&s->err, GS_ERANGE,
                       "retention: keep_seconds %lld is above 2^60 (use "
                       "GS_KEEP_FOREVER)",
                       (long long)keep_seconds);
    GS_JR_BEGIN(s);
    s->keep_seconds = keep_seconds;
    s->keep_count = keep_count;
    gs_jr_rec r = {.kind = GS_JR_RETENTION};
    r.t = keep_seconds;
    r.a = (uint64_t)keep_count;
    return gs_jr_done(s, &r);
}

GS_API gs_status gs_sched_set_forget_hook(gs_sched *s, gs_forget_fn fn,
                                          void *user_data)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    s->forget_fn = fn;
    s->forget_ud = user_data;
    return GS_OK;
}

GS_API gs_status gs_sched_retention(const gs_sched *s, int64_t *keep_seconds,
                                    int64_t *keep_count)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    if (keep_seconds)
        *keep_seconds = s->keep_seconds;
    if (keep_count)
        *keep_count = s->keep_count;
    return GS_OK;
}
