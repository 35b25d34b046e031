/*
 * Backfill and preemption.
 *
 * Both ask "where would this job go if things were different?": if these
 * running jobs had ended (their expected end: start + time limit), or if
 * these GPUs were held back for a reservation. The answer comes from the
 * ordinary placement path on the live indexes, changed in place and
 * changed back:
 *
 * - a virtual release frees a running job's GPUs, CPUs and memory in the
 *   node counters (not in its allocation record) and reindexes the node;
 *   the restore undoes it exactly;
 * - a block marks a reservation's GPUs in the node's `rsv` mask, which the
 *   free mask excludes, for the reservations whose interval overlaps the
 *   one being considered.
 *
 * Reservations hold GPUs on nodes, not whole nodes (CPUs and memory are
 * not reserved). A reservation is (job, start, end = start + time limit,
 * GPUs); a job without a time limit reserves until forever and never
 * backfills.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "order.h"

#include <stdio.h>
#include <string.h>

#define FOREVER INT64_MAX

static int64_t add_time(int64_t a, int64_t b)
{
    return (b > 0 && a > FOREVER - b) ? FOREVER : a + b;
}

/* ---- virtual release ---------------------------------------------------- */

static void vrelease(gs_sched *s, const job_rec *j)
{
    for (uint32_t k = 0; k < j->n_alloc; k++) {
        const alloc_node *a = &j->alloc[k];
        node_state *ns = &s->nodes[a->node];
        ns->busy &= ~a->gpus;
        ns->free_cpus += a->cpu_n;
        ns->free_mem += a->mem;
        ns->jobs--;
        if (ns->excl_job == j->id)
            ns->excl_job = 0;
        gs_sched_reindex_node(s, a->node);
    }
}

static void vrestore(gs_sched *s, const job_rec *j)
{
    for (uint32_t k = 0; k < j->n_alloc; k++) {
        const alloc_node *a = &j->alloc[k];
        node_state *ns = &s->nodes[a->node];
        ns->busy |= a->gpus;
        ns->free_cpus -= a->cpu_n;
        ns->free_mem -= a->mem;
        ns->jobs++;
        if (j->exclusive)
            ns->excl_job = j->id;
        gs_sched_reindex_node(s, a->node);
    }
}

/* ---- blocks ------------------------------------------------------------- */

/* Nodes whose rsv mask is set, to clear them afterwards. */
static void block_gpus(gs_sched *s, const reservation *r)
{
    const gs_topo *t = s->topo;
    for (uint32_t i = 0; i < r->n; i++) {
        uint32_t g = s->rsv_gpus[r->off + i];
        uint32_t node = t->gpu_node[g];
        node_state *ns = &s->nodes[node];
        if (!ns->rsv)
            s->bf_touched[s->n_bf_touched++] = node;
        ns->rsv |= (gs_mask)1 << (g - t->nodes[node].first_gpu);
    }
}

/* Hold back the GPUs of the reservations overlapping [t0, t1) (but not
 * job skip's own). */
static bool overlaps(const reservation *r, int64_t t0, int64_t t1,
                     uint64_t skip)
{
    return r->job != skip && r->start < t1 && t0 < r->end;
}

static void apply_blocks(gs_sched *s, int64_t t0, int64_t t1, uint64_t skip)
{
    for (size_t i = 0; i < s->n_rsv; i++) {
        reservation *r = &s->rsv[i];
        r->on = overlaps(r, t0, t1, skip);
        if (r->on)
            block_gpus(s, r);
    }
    s->bf_blocked_free = 0;
    for (size_t i = 0; i < s->n_bf_touched; i++) {
        uint32_t n = s->bf_touched[i];
        uint32_t before = mask_count(s->nodes[n].avail);
        gs_sched_reindex_node(s, n);
        s->bf_blocked_free += before - mask_count(s->nodes[n].avail);
    }
}

static void clear_blocks(gs_sched *s)
{
    for (size_t i = 0; i < s->n_bf_touched; i++) {
        uint32_t n = s->bf_touched[i];
        s->nodes[n].rsv = 0;
        gs_sched_reindex_node(s, n);
    }
    s->n_bf_touched = 0;
    s->bf_blocked_free = 0;
    for (size_t i = 0; i < s->n_rsv; i++)
        s->rsv[i].on = false;
}

/* Blocks for [t0, t1): kept as they are when the same reservations
 * overlap (the usual case from one candidate time to the next), redone
 * otherwise. */
static void sync_blocks(gs_sched *s, int64_t t0, int64_t t1, uint64_t skip)
{
    bool same = true;
    for (size_t i = 0; i < s->n_rsv && same; i++)
        same = s->rsv[i].on == overlaps(&s->rsv[i], t0, t1, skip);
    if (same)
        return;
    clear_blocks(s);
    apply_blocks(s, t0, t1, skip);
}

void gs_bf_end(gs_sched *s)
{
    clear_blocks(s);
}

void gs_bf_begin(gs_sched *s)
{
    s->n_rsv = 0;
    s->n_rsv_gpus_used = 0;
}

/* ---- starting now without delaying a reservation ------------------------ */

void gs_bf_window(gs_sched *s, const job_rec *j, int64_t now)
{
    int64_t end = j->time_limit ? add_time(now, j->time_limit) : FOREVER;
    sync_blocks(s, now, end, j->id);
}

bool gs_bf_try_start(gs_sched *s, job_rec *j, int64_t now)
{
    gs_bf_window(s, j, now);
    bool ok = gs_sched_place_only(s, j, s->place_out, NULL, 0);
    if (ok)
        gs_sched_start_job(s, j, s->place_out, now);
    return ok;
}

/* ---- earliest start ---------------------------------------------------- */

static int64_t expected_end(const job_rec *j, int64_t now)
{
    if (!j->time_limit)
        return FOREVER;
    int64_t e = add_time(j->start_time, j->time_limit);
    /* past its limit but still running: it should end at any moment */
    return e > now ? e : now + 1;
}

static uint32_t free_gpus_total(const gs_sched *s)
{
    const uint32_t *row = s->hist + (size_t)s->hist_cluster * 65;
    uint32_t n = 0;
    for (uint32_t c = 1; c <= 64; c++)
        n += c * row[c];
    return n;
}

#define PREFER_RELEASED_MAX 32

/* Hold back the GPUs that are free in the real state on the nodes of the
 * released jobs run[0..n): everything not busy now, minus what the
 * released jobs hold. apply_blocks() must follow (it reindexes). */
static void block_free_now(gs_sched *s, const uint32_t *run, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const job_rec *r = &s->jobs[run[i]];
        for (uint32_t k = 0; k < r->n_alloc; k++) {
            node_state *ns = &s->nodes[r->alloc[k].node];
            if (!ns->rsv)
                s->bf_touched[s->n_bf_touched++] = r->alloc[k].node;
            ns->rsv |= ~ns->busy;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const job_rec *r = &s->jobs[run[i]];
        for (uint32_t k = 0; k < r->n_alloc; k++)
            s->nodes[r->alloc[k].node].rsv &= ~r->alloc[k].gpus;
    }
    /* nodes left with nothing held back leave the list (apply_blocks may
     * add them again; they were never reindexed with a block) */
    size_t m = 0;
    for (size_t i = 0; i < s->n_bf_touched; i++)
        if (s->nodes[s->bf_touched[i]].rsv)
            s->bf_touched[m++] = s->bf_touched[i];
    s->n_bf_touched = m;
}

/* Find when j could start at the earliest, within the horizon, given the
 * running jobs' expected ends and the reservations made so far; record a
 * reservation for it.
 *
 * Candidate times are the running jobs' expected ends and the
 * reservations' ends. At each, the jobs ending by then are released
 * (virtually) and j is placed with the overlapping reservations' GPUs
 * held back; those blocks stay in place from one candidate to the next
 * while the same reservations overlap. */
bool gs_bf_reserved_start(gs_sched *s, job_rec *j, int64_t now,
                          int64_t *when)
{
    *when = FOREVER;
    if (s->n_rsv >= s->cap_rsv ||
        s->n_rsv_gpus_used + j->gpus > s->cap_rsv_gpus)
        return false;
    int64_t limit = add_time(now, s->bf_horizon);
    /* s->ends is in order of start + limit; overdue jobs all count as
     * ending at now + 1, which keeps that order */
    const uint32_t *run = s->ends;
    size_t nr = s->n_ends;
    size_t ri = 0;
    int64_t last = now;
    bool found = false;
    for (;;) {
        int64_t t = FOREVER;
        if (ri < nr) {
            int64_t e = expected_end(&s->jobs[run[ri]], now);
            if (e <= limit)
                t = e;
        }
        for (size_t k = 0; k < s->n_rsv; k++)
            if (s->rsv[k].end > last && s->rsv[k].end < t &&
                s->rsv[k].end <= limit)
                t = s->rsv[k].end;
        if (t == FOREVER)
            break;
        while (ri < nr && expected_end(&s->jobs[run[ri]], now) <= t) {
            vrelease(s, &s->jobs[run[ri]]);
            ri++;
        }
        last = t;
        int64_t end = j->time_limit ? add_time(t, j->time_limit) : FOREVER;
        bool placed = false;
        /* Prefer GPUs that are busy now and free by t: the GPUs free now
         * are what backfill can use, so a reservation that can do without
         * them leaves them to it. Tried when few jobs were released (the
         * pass costs their allocations). */
        if (ri > 0 && ri <= PREFER_RELEASED_MAX) {
            clear_blocks(s);
            block_free_now(s, run, ri);
            apply_blocks(s, t, end, j->id);
            placed = free_gpus_total(s) >= j->gpus &&
                     gs_sched_place_quiet(s, j, s->place_out);
            clear_blocks(s);
        }
        if (!placed) {
            sync_blocks(s, t, end, j->id);
            /* the free count under the blocks bounds what can be placed */
            placed = free_gpus_total(s) >= j->gpus &&
                     gs_sched_place_quiet(s, j, s->place_out);
        }
        if (placed) {
            reservation *r = &s->rsv[s->n_rsv++];
            r->job = j->id;
            r->start = t;
            r->end = end;
            r->off = (uint32_t)s->n_rsv_gpus_used;
            r->n = j->gpus;
            r->on = false;
            memcpy(s->rsv_gpus + r->off, s->place_out,
                   j->gpus * sizeof *s->place_out);
            s->n_rsv_gpus_used += j->gpus;
            *when = t;
            found = true;
            break;
        }
    }
    clear_blocks(s);
    while (ri > 0)
        vrestore(s, &s->jobs[run[--ri]]);
    return found;
}

/* ---- preemption ---------------------------------------------------------- */

typedef struct lost_arg {
    const gs_sched *s;
    int64_t now;
} lost_arg;

static double lost_work(const job_rec *j, int64_t now)
{
    return (double)(now - j->start_time) * j->gpus;
}

/* least work lost first; among equals, the most recent job */
static int cmp_lost(const void *p, uint32_t a, uint32_t b)
{
    const lost_arg *l = p;
    double x = lost_work(&l->s->jobs[a], l->now);
    double y = lost_work(&l->s->jobs[b], l->now);
    if (x != y)
        return x < y ? -1 : 1;
    return a > b ? -1 : a < b;
}

bool gs_bf_preempt(gs_sched *s, job_rec *h, int64_t now)
{
    if (s->preempt == GS_PREEMPT_OFF)
        return false;
    uint32_t *cand = s->running_scratch;
    size_t nc = 0;
    int64_t mx = gs_order_max_prio(s);
    for (size_t i = 0; i < s->n_running; i++) {
        job_rec *v = &s->jobs[s->running[i]];
        if (!v->preemptible)
            continue;
        if (s->ordering == GS_ORDER_MULTIFACTOR)
            gs_order_factors(s, v, now, mx);
        if (gs_order_outranks(s, h, v))
            cand[nc++] = s->running[i];
    }
    if (!nc)
        return false;
    lost_arg la = {s, now};
    gs_sort_idx(cand, nc, cmp_lost, &la);
    size_t k = 0;
    bool fits = false;
    while (k < nc && !fits) {
        vrelease(s, &s->jobs[cand[k++]]);
        fits = gs_sched_place_quiet(s, h, s->place_out);
    }
    if (!fits) {
        while (k > 0)
            vrestore(s, &s->jobs[cand[--k]]);
        return false;
    }
    /* spare the victims it can do without, most work lost first: cand[i]
     * is kept as a victim while marked in s->victim */
    size_t nv = k;
    for (size_t i = nv; i-- > 0;) {
        vrestore(s, &s->jobs[cand[i]]);
        if (gs_sched_place_quiet(s, h, s->place_out)) {
            cand[i] = GS_NONE; /* spared: stays running */
        } else {
            vrelease(s, &s->jobs[cand[i]]);
        }
    }
    /* back to the real state, then preempt for real */
    for (size_t i = nv; i-- > 0;)
        if (cand[i] != GS_NONE)
            vrestore(s, &s->jobs[cand[i]]);
    for (size_t i = 0; i < nv; i++) {
        if (cand[i] == GS_NONE)
            continue;
        job_rec *v = &s->jobs[cand[i]];
        double lost = lost_work(v, now);
        gs_sched_release_job(s, v, now);
        v->lost_gpu_seconds += lost;
        gs_sched_emit(s, GS_EVENT_PREEMPTED, v->id, now);
        if (s->preempt == GS_PREEMPT_REQUEUE) {
            gs_sched_requeue(s, v);
            gs_sched_emit(s, GS_EVENT_REQUEUED, v->id, now);
        } else {
            v->state = GS_JOB_PREEMPTED;
            v->end_time = now;
        }
    }
    if (!gs_sched_place_only(s, h, s->place_out, NULL, 0))
        return false;
    gs_sched_start_job(s, h, s->place_out, now);
    return true;
}
