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
#include "sched/plan.h"
#include "sched/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FOREVER INT64_MAX
/* A reservation prefers GPUs released by its start when it released at
 * most this many running jobs (record, prefer_released). */
#define PREFER_RELEASED_MAX 32

static int64_t add_time(int64_t a, int64_t b)
{
    return (b > 0 && a > FOREVER - b) ? FOREVER : a + b;
}

/* ---- virtual release ---------------------------------------------------- */

/* A virtual release changes a node's counters at once but reindexes it
 * only when something is about to read the indexes (flush_dirty): a
 * reservation may release hundreds of jobs before it tries to place. */
static void mark_dirty(gs_sched *s, uint32_t node)
{
    node_state *ns = &s->nodes[node];
    if (s->bf_light) {
        /* a light scan keeps the cluster's counts as the node changes:
         * the GPUs it had (indexed, or as last counted) and has now */
        uint32_t a = ns->dirty ? ns->lcount : mask_count(ns->avail);
        uint32_t b = mask_count(gs_state_avail(s, node));
        ns->lcount = (uint8_t)b;
        if (a != b) {
            uint32_t p = s->bf_light_p;
            s->bf_light_free += (int64_t)b - (int64_t)a;
            if (p)
                s->bf_light_slots += (int64_t)(b / p) - (int64_t)(a / p);
        }
    }
    if (!ns->dirty) {
        ns->dirty = true;
        s->bf_dirty[s->n_bf_dirty++] = node;
    }
}

static void flush_dirty(gs_sched *s)
{
    for (size_t i = 0; i < s->n_bf_dirty; i++) {
        uint32_t n = s->bf_dirty[i];
        s->nodes[n].dirty = false;
        gs_sched_reindex_node(s, n);
    }
    s->n_bf_dirty = 0;
}

void gs_bf_vrelease(gs_sched *s, const job_rec *j)
{
    for (uint32_t k = 0; k < j->n_alloc; k++) {
        const alloc_node *a = &j->alloc[k];
        node_state *ns = &s->nodes[a->node];
        if (j->mig_slices)
            gs_mig_give(s, j, a->node, a->gpus, true);
        else
            ns->busy &= ~(j->milli ? gs_gpushare_give(s, j, a->node, a->gpus)
                                   : a->gpus);
        ns->free_cpus += a->cpu_n;
        ns->free_mem += a->mem;
        ns->jobs--;
        if (ns->excl_job == j->id)
            ns->excl_job = 0;
        mark_dirty(s, a->node);
    }
}

void gs_bf_vrestore(gs_sched *s, const job_rec *j)
{
    for (uint32_t k = 0; k < j->n_alloc; k++) {
        const alloc_node *a = &j->alloc[k];
        node_state *ns = &s->nodes[a->node];
        if (j->mig_slices)
            gs_mig_take(s, j, a->node, a->gpus, true);
        else
            ns->busy |= a->gpus;
        if (j->milli)
            gs_gpushare_take(s, j, a->node, a->gpus);
        ns->free_cpus -= a->cpu_n;
        ns->free_mem -= a->mem;
        ns->jobs++;
        if (j->exclusive)
            ns->excl_job = j->id;
        mark_dirty(s, a->node);
    }
}

/* ---- blocks ------------------------------------------------------------- */

/* A block holds back a reservation's GPUs while another job is being
 * placed over an interval that overlaps it. Blocks are counted per GPU
 * (two reservations at different times may hold the same GPU), so that
 * moving from one interval to the next adds and removes only the
 * reservations whose overlap changed. */

static void touch(gs_sched *s, uint32_t node)
{
    node_state *ns = &s->nodes[node];
    if (!ns->touched) {
        ns->touched = true;
        s->bf_touched[s->n_bf_touched++] = node;
    }
}

/* Reindex a node whose blocks changed, keeping the count of GPUs that
 * would be free but for the blocks. */
static void reindex_blocked(gs_sched *s, uint32_t node)
{
    uint32_t before = mask_count(s->nodes[node].avail);
    gs_sched_reindex_node(s, node);
    uint32_t after = mask_count(s->nodes[node].avail);
    s->bf_blocked_free += (int64_t)before - (int64_t)after;
}

/* A node whose blocks changed: reindexed, or in a light scan counted now
 * and reindexed when flushed (as after a virtual release). */
static void blocks_changed(gs_sched *s, uint32_t node)
{
    if (s->bf_light)
        mark_dirty(s, node);
    else
        reindex_blocked(s, node);
}

static void set_block(gs_sched *s, reservation *r, bool on)
{
    const gs_topo *t = s->topo;
    uint32_t prev = GS_NONE;
    for (uint32_t i = 0; i < r->n; i++) {
        uint32_t g = s->rsv_gpus[r->off + i];
        uint32_t node = t->gpu_node[g];
        node_state *ns = &s->nodes[node];
        gs_mask bit = (gs_mask)1 << (g - t->nodes[node].first_gpu);
        /* a reservation holds its share of the GPU back from shared
         * jobs, and the whole GPU from whole-GPU jobs */
        if (on) {
            if (s->rsv_count[g]++ == 0)
                ns->rsv |= bit;
            s->shr[g].rsv += r->milli;
            touch(s, node);
        } else {
            s->shr[g].rsv -= r->milli;
            if (--s->rsv_count[g] == 0)
                ns->rsv &= ~bit;
        }
        if (node != prev && prev != GS_NONE)
            blocks_changed(s, prev);
        prev = node;
    }
    if (prev != GS_NONE)
        blocks_changed(s, prev);
    r->on = on;
}

/* Does reservation r overlap [t0, t1) (job skip's own never does)? */
static bool overlaps(const reservation *r, int64_t t0, int64_t t1,
                     uint64_t skip)
{
    return r->job != skip && r->start < t1 && t0 < r->end;
}

/* Block r if it overlaps [t0, t1), lift it if not. */
static void sync_one(gs_sched *s, reservation *r, int64_t t0, int64_t t1,
                     uint64_t skip)
{
    bool want = overlaps(r, t0, t1, skip);
    if (want != r->on)
        set_block(s, r, want);
}

/* Hold back the GPUs of exactly the reservations overlapping [t0, t1). */
static void sync_loop(gs_sched *s, int64_t t0, int64_t t1, uint64_t skip)
{
    for (size_t i = 0; i < s->n_rsv; i++)
        sync_one(s, &s->rsv[i], t0, t1, skip);
}

static void sync_blocks(gs_sched *s, int64_t t0, int64_t t1, uint64_t skip)
{
    flush_dirty(s);
    sync_loop(s, t0, t1, skip);
    s->bf_sync_ok = false; /* (the window's job skipped) */
}

/* Lift every block (and anything block_from() added). */
static void clear_blocks(gs_sched *s)
{
    flush_dirty(s);
    s->bf_sync_ok = false;
    for (size_t i = 0; i < s->n_rsv; i++) {
        reservation *r = &s->rsv[i];
        if (!r->on)
            continue;
        for (uint32_t k = 0; k < r->n; k++) {
            s->rsv_count[s->rsv_gpus[r->off + k]] = 0;
            s->shr[s->rsv_gpus[r->off + k]].rsv = 0;
        }
        r->on = false;
    }
    for (size_t i = 0; i < s->n_bf_touched; i++) {
        uint32_t n = s->bf_touched[i];
        node_state *ns = &s->nodes[n];
        ns->touched = false;
        if (ns->rsv) {
            ns->rsv = 0;
            gs_sched_reindex_node(s, n);
        }
    }
    s->n_bf_touched = 0;
    s->bf_blocked_free = 0;
}

/* ---- the memo of the last plan's scans ------------------------------------
 *
 * A scan's answer depends on the state (the running jobs, the nodes), the
 * reservations made before it in the plan, the job, the partitions it may
 * use, and the placement's inputs besides the state (nvlink-pack's demand
 * profile, the fragmentation mix: their epochs); on now only through
 * overdue jobs (expected to end at now + 1) and the horizon. When none of
 * these moved since the last plan (no start or end, only submissions,
 * cancellations of pending jobs, steps and usage records since; no job
 * overdue; a built-in placement policy), the scans of this plan ask for
 * the same jobs in the same order as the last one's did, up to the first
 * that differs (a job submitted since, ranked in between): until then
 * each finds what it found, and takes it from the memo. From the first
 * difference on, every scan runs. Debug builds run every scan and check
 * the memo's answer against it.
 *
 * Starts and ends move the state, but two kinds leave the future a scan
 * saw as it was (in a replay whose time limits are the run times, nearly
 * all of them): an end at the job's expected end (the scan released it
 * then; its candidates from now on are the same), and a start at now of a
 * job the last plan reserved at now, on the same GPUs, for a scan that
 * saw that reservation (a later one in the last plan: the job holds what
 * the reservation blocked, until the same end). A log of the starts and
 * ends (memo_log, since the last plan began) says of each whether it is
 * one of those; a scan's answer holds when every event logged after it
 * (seq) is, none happened in its own plan after it (a backfilled start
 * it did not see), and the reservation starts after now (memo_holds has
 * the one case where only the start holds). A scan of the last plan whose
 * job has since started in this plan is passed over. The log has a fixed
 * room: when it fills, the memo is off until the next plan's is kept. */

static void rsv_push(gs_sched *s, const reservation *r,
                     const uint32_t *gpus);

static uint32_t frag_epoch(const gs_sched *s)
{
    return s->frag ? s->frag->epoch : 0;
}

void gs_bf_memo_begin(gs_sched *s, int64_t now)
{
    s->n_memo_cur = 0;
    s->memo_rd = 0;
    s->memo_rec = true;
    s->memo_plan_seq = s->memo_seq;
    s->memo_use =
        s->memo_have && !s->memo_log_lost &&
        !(s->memo_kinds & ~GS_JR_PLAN_KINDS) &&
        gs_policy_builtin(s->policy) && s->memo_la_epoch == s->la_epoch &&
        s->memo_frag_epoch == frag_epoch(s) &&
        s->memo_horizon == s->bf_horizon &&
        (!s->n_ends || gs_state_end_key(&s->jobs[s->ends[0]]) > now);
}

/* Keep this plan's scans for the next plan, and of the log what came
 * since this plan began. */
static void memo_save(gs_sched *s)
{
    if (s->memo_log_lost || s->memo_plan_seq < s->memo_log_seq0) {
        s->memo_rec = false; /* events its scans' checks need are gone */
        s->memo_log_lost = false;
        s->n_memo_log = 0;
        s->memo_log_seq0 = s->memo_seq;
    } else {
        uint64_t drop = s->memo_plan_seq - s->memo_log_seq0;
        memmove(s->memo_log, s->memo_log + drop,
                (s->n_memo_log - drop) * sizeof *s->memo_log);
        s->n_memo_log -= (uint32_t)drop;
        s->memo_log_seq0 = s->memo_plan_seq;
    }
    s->memo_tag++;
    s->memo_have = s->memo_rec && s->n_rsv_gpus_used <= s->cap_memo_gpus;
    s->memo_kinds = 0;
    if (!s->memo_have)
        return;
    if (s->n_rsv) /* (no job, no GPU arrays yet) */
        memcpy(s->memo_rsv, s->rsv, s->n_rsv * sizeof *s->rsv);
    if (s->n_rsv_gpus_used)
        memcpy(s->memo_gpus, s->rsv_gpus,
               s->n_rsv_gpus_used * sizeof *s->rsv_gpus);
    struct bf_memo *t = s->memo_old;
    s->memo_old = s->memo_cur;
    s->memo_cur = t;
    s->n_memo_old = s->n_memo_cur;
    s->n_memo_cur = 0;
    s->memo_la_epoch = s->la_epoch;
    s->memo_frag_epoch = frag_epoch(s);
    s->memo_horizon = s->bf_horizon;
}

void gs_bf_memo_event(gs_sched *s, const job_rec *j, int64_t now,
                      bool start)
{
    if (s->n_memo_log == BF_MEMO_LOG) {
        s->memo_log_lost = true;
        s->memo_use = false;
        return;
    }
    uint32_t pos = GS_NONE;
    if (!start) {
        if (j->time_limit && add_time(j->start_time, j->time_limit) == now)
            pos = BF_EV_ON_TIME;
    } else if (s->memo_have && s->memo_tag && j->memo_tag == s->memo_tag - 1 &&
               j->memo_pos < s->n_memo_old &&
               s->memo_old[j->memo_pos].job == j->id &&
               s->memo_old[j->memo_pos].rsv != GS_NONE && job_whole(j)) {
        /* as the last plan reserved it: at now, to the same end, on the
         * same GPUs (each now held by it) */
        const reservation *r = &s->memo_rsv[s->memo_old[j->memo_pos].rsv];
        bool same = r->whole && r->start == now && r->n == j->gpus &&
                    r->end == add_time(now, j->time_limit ? j->time_limit
                                                          : FOREVER);
        for (uint32_t i = 0; same && i < r->n; i++)
            same = s->gpu_job[s->memo_gpus[r->off + i]] == j->id;
        if (same)
            pos = j->memo_pos;
    }
    s->memo_log[s->n_memo_log++] = (struct bf_memo_ev){s->memo_tag, pos};
    s->memo_seq++;
}

/* Running jobs expected to end by t (no job is overdue: the memo is off
 * otherwise), as a scan releases them. */
static uint32_t released_by(const gs_sched *s, int64_t t)
{
    size_t lo = 0, hi = s->n_ends;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (gs_state_end_key(&s->jobs[s->ends[mid]]) <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (uint32_t)GS_MIN(lo, (size_t)UINT32_MAX);
}

/* Does the last plan's scan m, at position pos of its plan, still hold:
 * is every start and end logged after it one that leaves it as it was?
 * MEMO_CLEAN: its answer holds. MEMO_SOFT: its start holds, but its GPUs
 * were chosen among those released by then (prefer_released, when it
 * released at most PREFER_RELEASED_MAX jobs), which an end on time
 * changes: the job is reserved at that start directly (reserved_seek,
 * what the scan does there), and the memo holds on if that gives the
 * same GPUs. */
enum { MEMO_NO, MEMO_SOFT, MEMO_CLEAN };
static int memo_holds(const gs_sched *s, const struct bf_memo *m,
                      size_t pos)
{
    if (m->seq < s->memo_log_seq0)
        return MEMO_NO;
    bool ended = false;
    for (uint64_t q = m->seq - s->memo_log_seq0; q < s->n_memo_log; q++) {
        const struct bf_memo_ev *e = &s->memo_log[q];
        if (e->tag == m->tag)
            return MEMO_NO; /* in its own plan, after it */
        if (e->pos == BF_EV_ON_TIME)
            ended = true;
        else if (e->pos == GS_NONE || e->pos >= pos)
            return MEMO_NO;
    }
    /* the jobs the same start releases now (those that ended are gone,
     * those started as reserved count): prefer_released runs or not as
     * it did, and on the same inputs unless jobs ended */
    uint32_t ri = released_by(s, s->memo_rsv[m->rsv].start);
    bool pref0 = m->ri <= PREFER_RELEASED_MAX, pref1 = ri <= PREFER_RELEASED_MAX;
    if (pref0 != pref1 || (ended && pref0))
        return MEMO_SOFT;
    return MEMO_CLEAN;
}

/* The last plan's answer to this plan's next scan (for job j), if it
 * holds: its reservation, else NULL (and the memo is off for the rest of
 * the plan). */
static const reservation *memo_find(gs_sched *s, const job_rec *j,
                                    int64_t now, bool *soft)
{
    *soft = false;
    if (!s->memo_use)
        return NULL;
    size_t k = s->memo_rd;
    /* the last plan's scans of jobs that started in this plan (their
     * starts are in the log, checked below) */
    while (k < s->n_memo_old && s->memo_old[k].job != j->id) {
        const job_rec *x = find_job(s, s->memo_old[k].job);
        if (!x || x->state != GS_JOB_RUNNING || x->start_time != now)
            break;
        k++;
    }
    const struct bf_memo *m = &s->memo_old[k];
    int h = MEMO_NO;
    if (k < s->n_memo_old && m->job == j->id &&
        m->try_parts == s->try_parts && m->rsv != GS_NONE &&
        s->memo_rsv[m->rsv].start > now)
        h = memo_holds(s, m, k);
    if (h != MEMO_NO) {
        s->memo_rd = k + 1;
        *soft = h == MEMO_SOFT;
        return &s->memo_rsv[m->rsv];
    }
    s->memo_use = false;
    return NULL;
}

/* Note this plan's scan for j (found: its reservation is the last). */
static void memo_note(gs_sched *s, const job_rec *j, bool found)
{
    if (!s->memo_rec)
        return;
    if (s->n_memo_cur == s->cap_memo) {
        s->memo_rec = false;
        return;
    }
    job_rec *w = &s->jobs[job_slot(s, j)];
    w->memo_pos = (uint32_t)s->n_memo_cur;
    w->memo_tag = s->memo_tag;
    struct bf_memo *m = &s->memo_cur[s->n_memo_cur++];
    m->job = j->id;
    m->seq = s->memo_seq;
    m->tag = s->memo_tag;
    m->try_parts = s->try_parts;
    m->rsv = found ? (uint32_t)(s->n_rsv - 1) : GS_NONE;
    m->ri = found ? s->bf_last_ri : 0;
}

void gs_bf_flush(gs_sched *s)
{
    flush_dirty(s);
}

void gs_bf_settle(gs_sched *s)
{
    if (!s->bf_open)
        return;
    clear_blocks(s);
    while (s->bf_rel > 0)
        gs_bf_vrestore(s, &s->jobs[s->ends[--s->bf_rel]]);
    flush_dirty(s);
    s->bf_open = false;
}

void gs_bf_end(gs_sched *s)
{
    gs_bf_settle(s);
    clear_blocks(s);
    memo_save(s);
}

/* The plan that follows is this one's in the memo's terms: its memo_begin
 * takes the last kept plan's scans again, and the starts this one made
 * are in the log as that plan's would be (the walk of a quiet step that
 * went on as a full one: the same jobs in the same order up to where the
 * walk stopped). */
void gs_bf_abandon(gs_sched *s)
{
    gs_bf_settle(s);
    clear_blocks(s);
}

gs_status gs_bf_grow(gs_sched *s, size_t n)
{
    if (n <= s->cap_rsv)
        return GS_OK;
    reservation *r = gs_realloc(s->rsv, n * sizeof *r);
    if (!r)
        return GS_ENOMEM;
    s->rsv = r;
    uint32_t *a = gs_realloc(s->rsv_by_start, n * sizeof *a);
    if (!a)
        return GS_ENOMEM;
    s->rsv_by_start = a;
    uint32_t *b = gs_realloc(s->rsv_by_end, n * sizeof *b);
    if (!b)
        return GS_ENOMEM;
    s->rsv_by_end = b;
    /* the memo of a plan's scans: a reservation per scan that found one,
     * and room for the scans that did not */
    reservation *m = gs_realloc(s->memo_rsv, n * sizeof *m);
    if (!m)
        return GS_ENOMEM;
    s->memo_rsv = m;
    size_t ne = 2 * n + 64;
    struct bf_memo *c = gs_realloc(s->memo_cur, ne * sizeof *c);
    if (!c)
        return GS_ENOMEM;
    s->memo_cur = c;
    struct bf_memo *o = gs_realloc(s->memo_old, ne * sizeof *o);
    if (!o)
        return GS_ENOMEM;
    s->memo_old = o;
    s->cap_memo = ne;
    s->memo_have = false;
    s->cap_rsv = n;
    return GS_OK;
}

/* Insert reservation k into an index array sorted by key (start or end),
 * ties by index. */
static void rsv_insert(gs_sched *s, uint32_t *v, size_t n, uint32_t k,
                       bool by_end)
{
    int64_t key = by_end ? s->rsv[k].end : s->rsv[k].start;
    size_t pos = n;
    while (pos > 0) {
        const reservation *p = &s->rsv[v[pos - 1]];
        int64_t pk = by_end ? p->end : p->start;
        if (pk <= key)
            break;
        v[pos] = v[pos - 1];
        pos--;
    }
    v[pos] = k;
}

/* Append reservation r (its off and on aside) on GPUs gpus[0 .. r->n) as
 * this plan's next, in both orders. */
static void rsv_push(gs_sched *s, const reservation *r, const uint32_t *gpus)
{
    reservation *n = &s->rsv[s->n_rsv++];
    *n = *r;
    n->on = false;
    n->off = (uint32_t)s->n_rsv_gpus_used;
    memcpy(s->rsv_gpus + n->off, gpus, r->n * sizeof *s->rsv_gpus);
    s->n_rsv_gpus_used += r->n;
    uint32_t k = (uint32_t)(s->n_rsv - 1);
    rsv_insert(s, s->rsv_by_start, k, k, false);
    rsv_insert(s, s->rsv_by_end, k, k, true);
}

void gs_bf_begin(gs_sched *s)
{
    gs_bf_settle(s);
    s->bf_stamp++; /* the counts of the last plan's scans are off */
    s->n_rsv = 0;
    s->n_rsv_gpus_used = 0;
    s->bf_plan_no++;
    s->n_bf_fr = 0;
    s->bf_sync_ok = false;
}

/* Note the GPUs of the reservation just made (the last) among those
 * held by this plan's reservations: listed when free now, each with the
 * earliest start of a reservation holding it. */
static void note_held(gs_sched *s)
{
    const reservation *r = &s->rsv[s->n_rsv - 1];
    for (uint32_t i = 0; i < r->n; i++) {
        uint32_t g = s->rsv_gpus[r->off + i];
        if (s->bf_fr_plan[g] == s->bf_plan_no) {
            if (r->start < s->bf_fr_at[g])
                s->bf_fr_at[g] = r->start;
        } else if (!s->gpu_job[g]) {
            s->bf_fr_plan[g] = s->bf_plan_no;
            s->bf_fr_at[g] = r->start;
            s->bf_fr[s->n_bf_fr++] = g;
        }
    }
}

/* ---- starting now without delaying a reservation ------------------------ */

void gs_bf_window(gs_sched *s, const job_rec *j, int64_t now)
{
    gs_bf_settle(s);
    int64_t end = j->time_limit ? add_time(now, j->time_limit) : FOREVER;
    sync_blocks(s, now, end, j->id);
}

static void prefer_reserved_later(gs_sched *s, const job_rec *j,
                                  int64_t end);

static void end_cache(gs_sched *s, int64_t now);

/* Listed GPUs this many at most are counted (more: the window is set). */
#define FREE_HELD_MAX 256

/* Is j (whole GPUs) surely short of GPUs free now under the blocks of a
 * window [now, end), judged without leaving the open scan? The GPUs free
 * now are the real state's (bf_real_free); those a window blocks are the
 * ones some reservation holds from before end. Every running job taking
 * whole GPUs of its own, a GPU is free now when no job holds it
 * (gpu_job; drains and failures do not change within a plan, and a
 * reservation's GPUs were usable). Listed GPUs are the reservations'
 * free ones when reserved; a GPU freed since (preemption) is not
 * counted, which only lets more jobs through to the full test. */
static bool window_short(gs_sched *s, const job_rec *j, int64_t now,
                         int64_t end)
{
    if (!s->bf_open || !job_whole(j) || !j->gpus ||
        s->n_bf_fr > FREE_HELD_MAX)
        return false;
    end_cache(s, now);
    if (!s->bf_end_whole)
        return false;
    int64_t held = 0;
    for (size_t i = 0; i < s->n_bf_fr; i++) {
        uint32_t g = s->bf_fr[i];
        held += !s->gpu_job[g] && s->bf_fr_at[g] < end;
    }
    return s->bf_real_free - held < (int64_t)j->gpus;
}

bool gs_bf_try_place(gs_sched *s, const job_rec *j, int64_t now,
                     plan_reason *why)
{
    if (window_short(s, j, now,
                     j->time_limit ? add_time(now, j->time_limit) : FOREVER)) {
#ifndef NDEBUG
        /* debug builds (the tests): the counts under the window agree */
        gs_bf_window(s, j, now);
        if (gs_sched_counts_fit(s, j))
            abort();
#endif
        return false;
    }
    gs_bf_window(s, j, now);
    /* the free-GPU counts under the blocks first */
    if (!gs_sched_counts_fit(s, j))
        return false;
    bool ok = gs_sched_place_only(s, j, s->place_out, why);
    if (ok && s->n_rsv && j->gpus) /* (a CPU-only job's out is its node) */
        prefer_reserved_later(s, j,
                              j->time_limit ? add_time(now, j->time_limit)
                                            : FOREVER);
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

/* GPUs free in the cluster, virtual releases and blocks included. */
static uint64_t free_gpus_total(gs_sched *s)
{
    flush_dirty(s);
    return (uint64_t)s->free_sum;
}

/* A what-if placement on the state as it is now (virtual releases and
 * blocks included). */
bool gs_bf_place_whatif(gs_sched *s, const job_rec *j)
{
    flush_dirty(s);
    return gs_sched_place_quiet(s, j, s->place_out);
}

/* ---- which GPUs a plan should take ---------------------------------------
 *
 * Backfill is about GPU counts over time, but plans here hold GPUs, and a
 * GPU held by one plan over [a, b) is lost to every plan overlapping it
 * even when the counts would allow both. Two preferences keep the GPU
 * plans as good as the counts (a test checks them against a count-based
 * reference on one node):
 *
 * - a reservation starting at t takes the GPUs that became free latest
 *   before t (held by a job or a reservation ending just then): a best
 *   fit in time, leaving the GPUs free long before t to jobs that can use
 *   them earlier;
 * - a job backfilled now that ends before some reservations start takes
 *   the GPUs those reservations hold, the soonest held first, leaving the
 *   GPUs no reservation wants to longer jobs.
 *
 * Both give candidate GPUs a key (smaller: preferred), let them in by
 * increasing key and find by bisection the shortest prefix with which the
 * job still places (letting more GPUs in never stops a placement that
 * worked). GPUs off the list are left alone. */

static int cmp_key(const void *arg, uint32_t a, uint32_t b)
{
    const int64_t *key = arg;
    if (key[a] != key[b])
        return key[a] < key[b] ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* Hold back the GPUs list[k..n) and let list[0..k) be used (none of them
 * held back by a reservation). Lifted by clear_blocks(). */
static void block_from(gs_sched *s, const uint32_t *list, size_t n, size_t k)
{
    const gs_topo *t = s->topo;
    uint32_t prev = GS_NONE;
    for (size_t i = 0; i < n; i++) {
        uint32_t g = list[i];
        uint32_t node = t->gpu_node[g];
        node_state *ns = &s->nodes[node];
        gs_mask bit = (gs_mask)1 << (g - t->nodes[node].first_gpu);
        if (i < k)
            ns->rsv &= ~bit;
        else
            ns->rsv |= bit;
        touch(s, node);
        if (node != prev && prev != GS_NONE)
            reindex_blocked(s, prev);
        prev = node;
    }
    if (prev != GS_NONE)
        reindex_blocked(s, prev);
}

/* s->place_out holds a placement of j; replace it by one that uses the
 * shortest prefix of list[0..n) (sorted by s->bf_key) it can. Every GPU
 * of the list is let in again at the end. */
static void prefer_prefix(gs_sched *s, const job_rec *j, uint32_t *list, size_t n)
{
    if (!n)
        return;
    gs_sort_idx(list, n, cmp_key, s->bf_key);
    for (size_t i = 0; i < n; i++)
        s->bf_pos[list[i]] = (uint32_t)i + 1;
    size_t hi = 0; /* the placement we have needs list[0..hi) */
    for (uint32_t i = 0; i < j->gpus; i++)
        if (s->bf_pos[s->place_out[i]] > hi)
            hi = s->bf_pos[s->place_out[i]];
    if (hi == 0) {
        for (size_t i = 0; i < n; i++)
            s->bf_pos[list[i]] = 0;
        return; /* it takes none of them */
    }
    /* If it takes every GPU keyed before its worst one, no shorter prefix
     * does better (it could only trade them for GPUs off the list). */
    size_t first = hi - 1;
    while (first > 0 && s->bf_key[list[first - 1]] == s->bf_key[list[hi - 1]])
        first--;
    size_t before = 0;
    for (uint32_t i = 0; i < j->gpus; i++)
        if (s->bf_pos[s->place_out[i]] && s->bf_pos[s->place_out[i]] <= first)
            before++;
    for (size_t i = 0; i < n; i++)
        s->bf_pos[list[i]] = 0;
    if (before == first)
        return;
    memcpy(s->bf_best, s->place_out, j->gpus * sizeof *s->place_out);
    size_t lo = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        block_from(s, list, n, mid);
        if (gs_bf_place_whatif(s, j)) {
            memcpy(s->bf_best, s->place_out, j->gpus * sizeof *s->place_out);
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    block_from(s, list, n, n);
    memcpy(s->place_out, s->bf_best, j->gpus * sizeof *s->place_out);
}

/* Add the usable GPUs of node to the candidate list with key k (once per
 * node: node_mask marks the nodes done; the caller zeroes it). */
static size_t add_node_gpus(gs_sched *s, uint32_t node, int64_t k,
                            uint32_t *nodes, size_t *nn, size_t n)
{
    if (s->node_mask[node])
        return n;
    s->node_mask[node] = 1;
    nodes[(*nn)++] = node;
    const gs_topo *t = s->topo;
    uint32_t first = t->nodes[node].first_gpu;
    gs_mask m = s->nodes[node].avail;
    for (uint32_t b = 0; m; b++, m >>= 1)
        if (m & 1) {
            s->bf_free_now[n++] = first + b;
            s->bf_key[first + b] = k;
        }
    return n;
}

static void clear_node_marks(gs_sched *s, const uint32_t *nodes, size_t nn)
{
    for (size_t i = 0; i < nn; i++)
        s->node_mask[nodes[i]] = 0;
}

/* A backfill candidate starting now and ending at end (the window's
 * blocks in place): prefer the GPUs of reservations starting at or after
 * end, the soonest first, over GPUs no reservation holds. */
static void prefer_reserved_later(gs_sched *s, const job_rec *j,
                                  int64_t end)
{
    const gs_topo *t = s->topo;
    uint32_t *nodes = s->scratch_nodes2;
    size_t nn = 0, n = 0;
    /* a node's GPUs get their default key when it is first listed, so a
     * GPU's own key is set after its node is */
    for (size_t i = 0; i < s->n_rsv; i++) {
        const reservation *r = &s->rsv[i];
        if (r->on || r->start < end)
            continue;
        for (uint32_t k = 0; k < r->n; k++) {
            uint32_t g = s->rsv_gpus[r->off + k];
            n = add_node_gpus(s, t->gpu_node[g], FOREVER, nodes, &nn, n);
            if (s->bf_key[g] > r->start)
                s->bf_key[g] = r->start;
        }
    }
    clear_node_marks(s, nodes, nn);
    prefer_prefix(s, j, s->bf_free_now, n);
}

/* The reservation just made for job j at t (the last one), with
 * run[0..nrun) released: prefer the GPUs freed latest by t (by a released
 * job or by a reservation that ended by t), then the ones free now. Keys
 * are minus the time a GPU became free; a node's GPUs get -now when it is
 * first listed, so a GPU's own key is set after its node is. */
static void prefer_released(gs_sched *s, const job_rec *j, const uint32_t *run,
                            size_t nrun, int64_t now, int64_t t)
{
    const gs_topo *tp = s->topo;
    uint32_t *nodes = s->scratch_nodes2;
    size_t nn = 0, n = 0;
    for (size_t i = 0; i < nrun; i++) {
        const job_rec *x = &s->jobs[run[i]];
        int64_t e = expected_end(x, now);
        for (uint32_t k = 0; k < x->n_alloc; k++) {
            uint32_t node = x->alloc[k].node;
            n = add_node_gpus(s, node, -now, nodes, &nn, n);
            uint32_t first = tp->nodes[node].first_gpu;
            gs_mask m = x->alloc[k].gpus;
            for (uint32_t b = 0; m; b++, m >>= 1)
                if ((m & 1) && s->bf_key[first + b] > -e)
                    s->bf_key[first + b] = -e;
        }
    }
    /* the reservations ended by t, by end (the last one is j's: it ends
     * after t) */
    for (size_t i = 0; i < s->n_rsv; i++) {
        const reservation *q = &s->rsv[s->rsv_by_end[i]];
        if (q->end > t)
            break;
        for (uint32_t k = 0; k < q->n; k++) {
            uint32_t g = s->rsv_gpus[q->off + k];
            n = add_node_gpus(s, tp->gpu_node[g], -now, nodes, &nn, n);
            if (s->bf_key[g] > -q->end)
                s->bf_key[g] = -q->end;
        }
    }
    clear_node_marks(s, nodes, nn);
    prefer_prefix(s, j, s->bf_free_now, n);
}

static bool iv_sync(gs_sched *s, int64_t now, size_t upto);

/* Does any GPU of x (of reservation q) lie in its node's indexed free
 * mask? */
static bool job_has_avail(const gs_sched *s, const job_rec *x)
{
    for (uint32_t k = 0; k < x->n_alloc; k++)
        if (x->alloc[k].gpus & s->nodes[x->alloc[k].node].avail)
            return true;
    return false;
}

static bool rsv_has_avail(const gs_sched *s, const reservation *q)
{
    const gs_topo *tp = s->topo;
    for (uint32_t k = 0; k < q->n; k++) {
        uint32_t g = s->rsv_gpus[q->off + k];
        uint32_t node = tp->gpu_node[g];
        if (s->nodes[node].avail & ((gs_mask)1 << (g - tp->nodes[node].first_gpu)))
            return true;
    }
    return false;
}

/* Would prefer_released leave a one-GPU job's placement (s->place_out)
 * as it is, known without making the list? It does when the job's GPU
 * has the smallest key of the list (it became free last by t, or as late
 * as the last one): no shorter prefix does better. The latest time a
 * listed GPU became free is that of the last released job with a free
 * GPU now, of the reservation ending last by t with one, or now; the
 * job's GPU became free when its job (released) or a reservation holding
 * it ended, or now. False: not known (the list decides). */
static bool released_keeps(gs_sched *s, const job_rec *j, const uint32_t *run,
                           size_t nrun, int64_t now, int64_t t)
{
    if (j->gpus != 1 || !job_whole(j))
        return false;
    end_cache(s, now);
    /* (not j's own, the last: its GPUs are the ones being chosen) */
    if (!s->bf_end_whole || !iv_sync(s, now, s->n_rsv - 1))
        return false;
    int64_t last = now;
    for (size_t i = nrun; i-- > 0;) /* (run: in order of expected end) */
        if (job_has_avail(s, &s->jobs[run[i]])) {
            last = GS_MAX(last, expected_end(&s->jobs[run[i]], now));
            break;
        }
    size_t c = 0, hi = s->n_rsv; /* the reservations ended by t */
    while (c < hi) {
        size_t mid = c + (hi - c) / 2;
        if (s->rsv[s->rsv_by_end[mid]].end <= t)
            c = mid + 1;
        else
            hi = mid;
    }
    while (c-- > 0) {
        const reservation *q = &s->rsv[s->rsv_by_end[c]];
        if (rsv_has_avail(s, q)) {
            last = GS_MAX(last, q->end);
            break;
        }
    }
    uint32_t g = s->place_out[0];
    int64_t freed = now;
    const job_rec *x = s->gpu_job[g] ? find_job(s, s->gpu_job[g]) : NULL;
    if (x && expected_end(x, now) <= t)
        freed = GS_MAX(freed, expected_end(x, now));
    if (s->bf_rg_mark[g] == s->bf_rg_stamp)
        for (uint32_t v = s->bf_rg_head[g]; v != GS_NONE; v = s->bf_iv[v].next)
            if (s->bf_iv[v].b <= t && s->bf_iv[v].b > freed)
                freed = s->bf_iv[v].b;
    return freed == last;
}

/* Record j's reservation at [t, end) on the GPUs s->place_out holds
 * (placed with run[0 .. ri) released and the overlapping reservations
 * blocked). */
static void record(gs_sched *s, const job_rec *j, const uint32_t *run,
                   size_t ri, int64_t now, int64_t t, int64_t end)
{
    s->bf_last_ri = (uint32_t)GS_MIN(ri, (size_t)UINT32_MAX);
    reservation tmpl = {.job = j->id,
                        .start = t,
                        .end = end,
                        .n = j->gpus,
                        .milli = (uint16_t)job_share(j),
                        .whole = job_whole(j)};
    rsv_push(s, &tmpl, s->place_out);
    const reservation *r = &s->rsv[s->n_rsv - 1];
    /* Prefer GPUs that are busy now and free by t: the GPUs free now are
     * what backfill can use, so a reservation that can do with fewer of
     * them leaves the rest to it. Tried when few jobs were released (the
     * pass costs their allocations). s->place_out still holds r's GPUs. */
    if (ri <= PREFER_RELEASED_MAX) {
        bool keeps = released_keeps(s, j, run, ri, now, t);
#ifndef NDEBUG
        /* debug builds (the tests): the list agrees */
        if (keeps) {
            uint32_t g = s->place_out[0];
            prefer_released(s, j, run, ri, now, t);
            if (s->place_out[0] != g)
                abort();
        }
#endif
        if (!keeps) {
            prefer_released(s, j, run, ri, now, t);
            memcpy(s->rsv_gpus + r->off, s->place_out,
                   j->gpus * sizeof *s->place_out);
        }
    }
    note_held(s);
}

/* Start a light scan for a job of p GPUs per node (0: any split), on
 * indexes that are up to date: the counts are the cluster's. */
static void light_begin(gs_sched *s, uint32_t p)
{
    const uint32_t *row = s->hist + (size_t)s->hist_cluster * 65;
    s->bf_light = true;
    s->bf_light_p = p;
    s->bf_light_free = s->free_sum;
    s->bf_light_slots = p ? (int64_t)gs_state_slots(row, p) : 0;
}

/* Does j fit the light counts (or, without a light scan, the indexes)?
 * Debug builds (the tests) check the light counts against the indexes at
 * every candidate. */
static bool scan_counts_fit(gs_sched *s, const job_rec *j, uint32_t p,
                            uint64_t need)
{
    if (!s->bf_light) {
        flush_dirty(s);
        return gs_sched_counts_fit(s, j);
    }
    bool fits =
        (uint64_t)(p ? s->bf_light_slots : s->bf_light_free) >= need;
#ifndef NDEBUG
    flush_dirty(s);
    if (fits != gs_sched_counts_fit(s, j))
        abort();
#endif
    return fits;
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
static bool reserved_start_scan(gs_sched *s, const job_rec *j, int64_t now,
                                int64_t *when)
{
    int64_t limit = add_time(now, s->bf_horizon);
    /* s->ends is in order of start + limit; overdue jobs all count as
     * ending at now + 1, which keeps that order */
    const uint32_t *run = s->ends;
    size_t nr = s->n_ends;
    size_t ri = 0;
    int64_t last = now;
    bool found = false;
    clear_blocks(s);
    /* free now plus what the releases give back bounds what can be
     * placed, without looking at the indexes */
    uint64_t base = free_gpus_total(s), released = 0;
    /* A whole-GPU job outside partitions is scanned lightly: releases and
     * blocks keep the counts by which gs_sched_counts_fit() judges it
     * (free GPUs, or nodes' slots of p GPUs), and the indexes are brought
     * up to date only where the counts say it may fit. Most candidate
     * times fail the counts. */
    uint32_t p = gs_state_node_shape(j);
    bool light = job_whole(j) && !s->n_parts && p <= 64;
    uint64_t need = gs_state_slots_needed(j, p);
    if (light)
        light_begin(s, p);
    /* Blocks follow t: reservation r overlaps [t, t + L) while
     * r.start < t + L and t < r.end. As t only grows, each reservation is
     * blocked once (in start order) and lifted once (in end order). */
    int64_t L = j->time_limit ? j->time_limit : FOREVER;
    size_t ps = 0, pe = 0, nrsv = s->n_rsv;
    const uint32_t *by_start = s->rsv_by_start, *by_end = s->rsv_by_end;
    for (;;) {
        int64_t t = FOREVER;
        if (ri < nr) {
            int64_t e = expected_end(&s->jobs[run[ri]], now);
            if (e <= limit)
                t = e;
        }
        /* the next reservation end after the last candidate */
        while (pe < nrsv && s->rsv[by_end[pe]].end <= last) {
            reservation *r = &s->rsv[by_end[pe++]];
            if (r->on)
                set_block(s, r, false);
        }
        if (pe < nrsv && s->rsv[by_end[pe]].end < t &&
            s->rsv[by_end[pe]].end <= limit)
            t = s->rsv[by_end[pe]].end;
        if (t == FOREVER)
            break;
        while (ri < nr && expected_end(&s->jobs[run[ri]], now) <= t) {
            released += s->jobs[run[ri]].gpus;
            gs_bf_vrelease(s, &s->jobs[run[ri]]);
            ri++;
        }
        last = t;
        /* counts bound whole-GPU jobs only: a shared job may fit on GPUs
         * that are not free */
        if (job_whole(j) && base + released < j->gpus)
            continue;
        int64_t end = add_time(t, L);
        if (!light)
            flush_dirty(s);
        while (pe < nrsv && s->rsv[by_end[pe]].end <= t) {
            reservation *r = &s->rsv[by_end[pe++]];
            if (r->on)
                set_block(s, r, false);
        }
        while (ps < nrsv && s->rsv[by_start[ps]].start < end) {
            reservation *r = &s->rsv[by_start[ps++]];
            if (t < r->end && r->job != j->id && !r->on)
                set_block(s, r, true);
        }
        if (light) {
            if (!scan_counts_fit(s, j, p, need))
                continue;
            flush_dirty(s);
        }
        /* the free-GPU counts under the blocks bound what can be placed */
        bool placed = gs_sched_counts_fit(s, j) && gs_bf_place_whatif(s, j);
        if (placed) {
            s->bf_light = false;
            record(s, j, run, ri, now, t, end);
            *when = t;
            found = true;
            break;
        }
    }
    s->bf_light = false;
    clear_blocks(s);
    while (ri > 0)
        gs_bf_vrestore(s, &s->jobs[run[--ri]]);
    flush_dirty(s);
    return found;
}


/* ---- the scan kept open between reservations --------------------------
 *
 * In a step with a long queue, reservation k is found only past the ends
 * the k - 1 before it took: scanning from now, releasing and blocking as
 * it goes, costs O(k) what-ifs per reservation and O(depth^2) per step.
 * For a whole-GPU job on a cluster whose running jobs free only their
 * own GPUs (none exclusive or MIG), a bound skips most candidate times
 * without touching the state:
 *
 *   free GPUs at t, under the blocks <= F + R(t) - A(t)
 *
 * with F the GPUs free now (no blocks), R(t) the GPUs of the running jobs
 * expected to end by t, and A(t) the GPUs of the whole-GPU reservations
 * under way at t (start <= t < end; not j's own). A(t)'s GPUs are free at
 * t (they were at the reservation's start, and releases only add) and
 * blocked for any window starting at t; two reservations under way at
 * once cannot share a GPU (the later one was placed with the earlier one
 * blocked), so they are A(t) distinct GPUs. Where the bound allows j, the
 * what-if state is moved there, from wherever the last scan of the step
 * left it: releases and restores in end order, blocks synced to the
 * window. The state at a candidate is the same whichever way it was
 * reached, and so are the placements (they depend on the state only), so
 * the reservations are the ones the scan from now finds. */

/* The running jobs' expected ends and GPU sums, built when ends or now
 * changed. */
static void end_cache(gs_sched *s, int64_t now)
{
    if (s->bf_end_ver == s->ends_ver + 1 && s->bf_end_now == now)
        return;
    uint64_t sum = 0;
    bool plain = true, whole = true;
    for (size_t i = 0; i < s->n_ends; i++) {
        const job_rec *x = &s->jobs[s->ends[i]];
        sum += x->gpus;
        s->bf_end[i].at = expected_end(x, now);
        s->bf_end[i].gpus = sum;
        s->bf_end[i].stamp = 0; /* no count (stamps start at 1) */
        if (x->exclusive || x->mig_slices)
            plain = false;
        if (x->milli)
            whole = false;
    }
    s->bf_end_plain = plain;
    s->bf_end_whole = plain && whole;
    s->bf_end_ver = s->ends_ver + 1;
    s->bf_end_now = now;
}

/* Open the what-if state (settled: nothing released, blocks lifted),
 * keeping the real state's counts. */
static void scan_open(gs_sched *s)
{
    if (s->bf_open)
        return;
    clear_blocks(s);
    flush_dirty(s);
    s->bf_real_free = s->free_sum;
    memcpy(s->bf_real_row, s->hist + (size_t)s->hist_cluster * 65,
           sizeof s->bf_real_row);
    s->bf_rel = 0;
    s->bf_open = true;
}

/* The blocks of one scan: the first candidate syncs every reservation
 * to its window; later ones (t only grows) block the reservations whose
 * start came into the window (by start) and lift those that ended (by
 * end), as the scan from now does. */
typedef struct scan_blocks {
    bool synced;
    size_t ps, pe; /* by_start / by_end entries looked at */
} scan_blocks;

/* Entries of v (n reservations by start, or by end) whose key is below
 * key (or, with at: at most key). */
static size_t rsv_count_before(const gs_sched *s, const uint32_t *v, size_t n,
                               bool by_end, int64_t key, bool at)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const reservation *r = &s->rsv[v[mid]];
        int64_t k = by_end ? r->end : r->start;
        if (k < key || (at && k == key))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Sync the reservations v[lo .. hi) to [t0, t1). */
static void sync_some(gs_sched *s, const uint32_t *v, size_t lo, size_t hi,
                      int64_t t0, int64_t t1, uint64_t own)
{
    for (size_t i = lo; i < hi; i++)
        sync_one(s, &s->rsv[v[i]], t0, t1, own);
}

/* The blocks of the last window [a0, b0) moved to [t0, t1): a reservation
 * already synced changes only if its start lies between b0 and t1 or its
 * end between a0 and t0; the ones made since are synced each. (No
 * reservation of the job before is among those synced: it was made
 * after its scan's last window.) */
static void sync_moved(gs_sched *s, int64_t t0, int64_t t1, uint64_t own)
{
    size_t n = s->n_rsv;
    const uint32_t *by_start = s->rsv_by_start, *by_end = s->rsv_by_end;
    int64_t a0 = s->bf_sync_t0, b0 = s->bf_sync_t1;
    size_t lo = rsv_count_before(s, by_start, n, false, GS_MIN(b0, t1), false);
    size_t hi = rsv_count_before(s, by_start, n, false, GS_MAX(b0, t1), false);
    sync_some(s, by_start, lo, hi, t0, t1, own);
    lo = rsv_count_before(s, by_end, n, true, GS_MIN(a0, t0), true);
    hi = rsv_count_before(s, by_end, n, true, GS_MAX(a0, t0), true);
    sync_some(s, by_end, lo, hi, t0, t1, own);
    for (size_t i = s->bf_sync_n; i < n; i++)
        sync_one(s, &s->rsv[i], t0, t1, own);
#ifndef NDEBUG
    for (size_t i = 0; i < n; i++)
        if (s->rsv[i].on != overlaps(&s->rsv[i], t0, t1, own))
            abort();
#endif
}

static void blocks_at(gs_sched *s, scan_blocks *b, uint64_t own, int64_t t,
                      int64_t end)
{
    size_t n = s->n_rsv;
    const uint32_t *by_start = s->rsv_by_start, *by_end = s->rsv_by_end;
    if (!b->synced) {
        if (s->bf_sync_ok)
            sync_moved(s, t, end, own);
        else
            sync_loop(s, t, end, own);
        s->bf_sync_t0 = t;
        s->bf_sync_t1 = end;
        s->bf_sync_ok = true;
        s->bf_sync_n = n;
        b->ps = rsv_count_before(s, by_start, n, false, end, false);
        b->pe = rsv_count_before(s, by_end, n, true, t, true);
        b->synced = true;
        return;
    }
    while (b->pe < n && s->rsv[by_end[b->pe]].end <= t) {
        reservation *r = &s->rsv[by_end[b->pe++]];
        if (r->on)
            set_block(s, r, false);
    }
    while (b->ps < n && s->rsv[by_start[b->ps]].start < end) {
        reservation *r = &s->rsv[by_start[b->ps++]];
        if (t < r->end && r->job != own && !r->on)
            set_block(s, r, true);
    }
    s->bf_sync_t0 = t;
    s->bf_sync_t1 = end;
}

/* The what-if state at candidate t: ends[0 .. ri) released, the
 * reservations overlapping [t, end) blocked (j's own never). */
static void scan_move(gs_sched *s, const job_rec *j, scan_blocks *b,
                      size_t ri, int64_t t, int64_t end)
{
    while (s->bf_rel < ri)
        gs_bf_vrelease(s, &s->jobs[s->ends[s->bf_rel++]]);
    while (s->bf_rel > ri)
        gs_bf_vrestore(s, &s->jobs[s->ends[--s->bf_rel]]);
    blocks_at(s, b, j->id, t, end);
}

/* ---- where a one-GPU job can start at the earliest ----------------------
 *
 * Most candidate times the bound lets through fail the counts: a GPU free
 * at t is held by a reservation that starts within the window. For a job
 * of one GPU the first candidate where the counts allow it is found from
 * the GPUs directly. A GPU g is usable at t for a window [t, t + L) when
 * it is free by t (its job's expected end, or now) and no reservation
 * holding it overlaps the window; the counts allow the job at the first
 * candidate where some GPU is. A GPU no reservation holds is usable from
 * the first candidate on when free now (the real free count exceeds the
 * listed GPUs free now), else from its job's end (the first such job in
 * end order); a listed GPU from the first candidate, at or after it is
 * free, in a gap between its intervals at least L long. Candidates are
 * the running jobs' ends and the reservations' ends (a gap starts at one)
 * from the first (c1) on. The scan passes over the candidates before that
 * time without moving the state (debug builds check each against the
 * state). Every running job takes whole GPUs of its own (bf_end_whole):
 * a GPU no job holds (gpu_job) is free now. */

/* The list, up to date with this plan's reservations rsv[0 .. upto) and
 * running jobs; false when it cannot be (then nothing is skipped). A
 * reservation is taken in once its GPUs are final (record's preference
 * may still move the last one's). */
static bool iv_sync(gs_sched *s, int64_t now, size_t upto)
{
    if (s->bf_iv_plan != s->bf_plan_no || s->bf_iv_ver != s->ends_ver ||
        s->bf_iv_rsv > s->n_rsv) {
        s->bf_iv_plan = s->bf_plan_no;
        s->bf_iv_ver = s->ends_ver;
        s->bf_iv_rsv = s->n_bf_iv = s->n_bf_rg = s->n_rg_free = 0;
        s->bf_un_pos = 0;
        s->bf_rg_stamp++;
    }
    if (s->n_rsv_gpus_used > s->cap_bf_iv)
        return false; /* (grown with rsv_gpus: cannot be) */
    for (; s->bf_iv_rsv < upto; s->bf_iv_rsv++) {
        const reservation *r = &s->rsv[s->bf_iv_rsv];
        for (uint32_t i = 0; i < r->n; i++) {
            uint32_t g = s->rsv_gpus[r->off + i];
            if (s->bf_rg_mark[g] != s->bf_rg_stamp) {
                s->bf_rg_mark[g] = s->bf_rg_stamp;
                s->bf_rg_head[g] = GS_NONE;
                const job_rec *x =
                    s->gpu_job[g] ? find_job(s, s->gpu_job[g]) : NULL;
                s->bf_rg_from[g] = x ? expected_end(x, now) : now;
                s->n_rg_free += !x;
                s->bf_rg[s->n_bf_rg++] = g;
            }
            uint32_t k = (uint32_t)s->n_bf_iv++;
            s->bf_iv[k] = (struct bf_iv){r->start, r->end, GS_NONE};
            uint32_t *p = &s->bf_rg_head[g];
            while (*p != GS_NONE && s->bf_iv[*p].a <= r->start)
                p = &s->bf_iv[*p].next;
            s->bf_iv[k].next = *p;
            *p = k;
        }
    }
    return true;
}

/* The GPUs running job x holds that no reservation of this plan does,
 * ones a job could use once x ends (up to most: enough is enough). */
static uint32_t unlisted_gpus(const gs_sched *s, const job_rec *x,
                              uint32_t most)
{
    const gs_topo *t = s->topo;
    uint32_t c = 0;
    for (uint32_t k = 0; k < x->n_alloc && c < most; k++) {
        const alloc_node *a = &x->alloc[k];
        const node_state *ns = &s->nodes[a->node];
        if (ns->drained_node)
            continue;
        gs_mask m = a->gpus & ~(ns->drained | ns->failed | ns->mig);
        for (; m && c < most; m &= m - 1) {
            uint32_t g = t->nodes[a->node].first_gpu + mask_first(m);
            c += s->bf_rg_mark[g] != s->bf_rg_stamp;
        }
    }
    return c;
}

/* The first candidate from c1 on where a one-GPU job with a window of L
 * could find a usable GPU (FOREVER: none), or now when it cannot be
 * told. The state's bf_end is current (end_cache). */
static int64_t first_usable(gs_sched *s, int64_t now, int64_t L, int64_t c1)
{
    if (!s->bf_end_whole || !iv_sync(s, now, s->n_rsv))
        return now;
    if (s->bf_real_free > (int64_t)s->n_rg_free)
        return c1; /* a GPU free now that no reservation holds */
    int64_t best = FOREVER;
    size_t i = s->bf_un_pos;
    while (i < s->n_ends && !unlisted_gpus(s, &s->jobs[s->ends[i]], 1))
        i++;
    s->bf_un_pos = i; /* (the listed GPUs only grow in a plan) */
    if (i < s->n_ends)
        best = GS_MAX(s->bf_end[i].at, c1);
    for (size_t k = 0; k < s->n_bf_rg; k++) {
        uint32_t g = s->bf_rg[k];
        int64_t cur = GS_MAX(s->bf_rg_from[g], c1);
        for (uint32_t v = s->bf_rg_head[g]; v != GS_NONE && cur < best;
             v = s->bf_iv[v].next) {
            const struct bf_iv *iv = &s->bf_iv[v];
            if (add_time(cur, L) <= iv->a)
                break; /* the gap before it holds the window */
            if (iv->b > cur)
                cur = iv->b;
        }
        if (cur < best)
            best = cur;
    }
    return best;
}

/* A job of k GPUs (k > 1) needs k GPUs usable at once: no candidate
 * before the k-th smallest of the GPUs' first usable times has them. The
 * k - (GPUs free now that no reservation holds) smallest of the others are
 * kept in a max-heap (bf_key as room): the listed GPUs' times, then the
 * unlisted GPUs of the running jobs in end order until they can no longer
 * enter. Now when it cannot be told; FOREVER: never k. */
static void heap_offer(int64_t *h, size_t *n, size_t m, int64_t v)
{
    size_t i;
    if (*n < m) {
        i = (*n)++;
        while (i > 0 && h[(i - 1) / 2] < v) {
            h[i] = h[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        h[i] = v;
        return;
    }
    if (v >= h[0])
        return;
    i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= m)
            break;
        if (c + 1 < m && h[c + 1] > h[c])
            c++;
        if (h[c] <= v)
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = v;
}

static int64_t first_usable_k(gs_sched *s, int64_t now, int64_t L,
                              int64_t c1, uint32_t k)
{
    if (!s->bf_end_whole || k > s->topo->n_gpus ||
        !iv_sync(s, now, s->n_rsv))
        return now;
    int64_t u0 = s->bf_real_free - (int64_t)s->n_rg_free;
    if (u0 >= (int64_t)k)
        return c1;
    size_t m = k - (size_t)(u0 > 0 ? u0 : 0), n = 0;
    int64_t *h = s->bf_key;
    /* the unlisted GPUs first: in end order they fill the heap with
     * small times soonest, past which a listed GPU is passed over */
    for (size_t i = 0; i < s->n_ends; i++) {
        int64_t at = GS_MAX(s->bf_end[i].at, c1);
        if (n == m && at >= h[0])
            break;
        for (uint32_t c = unlisted_gpus(s, &s->jobs[s->ends[i]], (uint32_t)m);
             c > 0; c--)
            heap_offer(h, &n, m, at);
    }
    for (size_t q = 0; q < s->n_bf_rg; q++) {
        uint32_t g = s->bf_rg[q];
        int64_t cur = GS_MAX(s->bf_rg_from[g], c1);
        /* (once the heap is full, a time at or past its top is out) */
        for (uint32_t v = s->bf_rg_head[g];
             v != GS_NONE && (n < m || cur < h[0]); v = s->bf_iv[v].next) {
            const struct bf_iv *iv = &s->bf_iv[v];
            if (add_time(cur, L) <= iv->a)
                break;
            if (iv->b > cur)
                cur = iv->b;
        }
        heap_offer(h, &n, m, cur);
    }
    return n == m ? h[0] : FOREVER;
}

static bool reserved_start_open(gs_sched *s, const job_rec *j, int64_t now,
                                int64_t *when)
{
    scan_open(s);
    /* a light scan on the indexes as the last scan left them */
    flush_dirty(s);
    uint32_t p = gs_state_node_shape(j);
    uint64_t need = gs_state_slots_needed(j, p);
    if (!s->n_parts && p <= 64)
        light_begin(s, p);
    int64_t limit = add_time(now, s->bf_horizon);
    int64_t L = j->time_limit ? j->time_limit : FOREVER;
    struct bf_end *ev = s->bf_end;
    if (s->bf_stamp_ver != s->ends_ver) {
        s->bf_stamp++; /* a job started or ended in this plan */
        s->bf_stamp_ver = s->ends_ver;
    }
    uint64_t stamp = s->bf_stamp;
    size_t nr = s->n_ends, ri = 0, pe = 0, as = 0, ae = 0;
    size_t nrsv = s->n_rsv;
    const uint32_t *by_start = s->rsv_by_start, *by_end = s->rsv_by_end;
    uint64_t base = (uint64_t)s->bf_real_free, active = 0;
    int64_t last = now;
    scan_blocks b = {false, 0, 0};
    bool found = false;
    /* a one-GPU job: no candidate before t_min fits the counts */
    int64_t t_min = now;
    if (j->gpus) {
        int64_t c1 = nr ? ev[0].at : FOREVER;
        if (nrsv && s->rsv[by_end[0]].end < c1)
            c1 = s->rsv[by_end[0]].end;
        t_min = j->gpus == 1 ? first_usable(s, now, L, c1)
                             : first_usable_k(s, now, L, c1, j->gpus);
#ifdef NDEBUG
        /* go there at once: the first end at or after it, and the
         * reservation ends from it on (debug builds walk the candidates
         * before it, checking each against the state) */
        if (t_min > now) {
            size_t lo = 0, hi = nr;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (ev[mid].at < t_min)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            ri = lo;
            last = t_min - 1;
        }
#endif
    }
    for (;;) {
        /* the candidates of the scan from now: the next running job's
         * end, or the next reservation end after the last candidate */
        int64_t t = FOREVER;
        if (ri < nr && ev[ri].at <= limit)
            t = ev[ri].at;
        while (pe < nrsv && s->rsv[by_end[pe]].end <= last)
            pe++;
        if (pe < nrsv && s->rsv[by_end[pe]].end < t &&
            s->rsv[by_end[pe]].end <= limit)
            t = s->rsv[by_end[pe]].end;
        if (t == FOREVER)
            break;
        while (ri < nr && ev[ri].at <= t)
            ri++;
        last = t;
        uint64_t released = ri ? ev[ri - 1].gpus : 0;
        if (base + released < j->gpus)
            continue;
        while (as < nrsv && s->rsv[by_start[as]].start <= t) {
            const reservation *r = &s->rsv[by_start[as++]];
            if (r->whole && r->job != j->id)
                active += r->n;
        }
        while (ae < nrsv && s->rsv[by_end[ae]].end <= t) {
            const reservation *r = &s->rsv[by_end[ae++]];
            if (r->whole && r->job != j->id)
                active -= r->n;
        }
        int64_t end = add_time(t, L);
        /* an earlier scan of this plan counted too few free GPUs here
         * with a window no longer than j's */
        struct bf_end *e = ri && ev[ri - 1].at == t ? &ev[ri - 1] : NULL;
        if (t < t_min || base + released < active + j->gpus ||
            (e && e->stamp == stamp && e->L <= L &&
             (uint64_t)e->free < j->gpus)) {
#ifndef NDEBUG
            /* debug builds (the tests) check the bound against the
             * state at every candidate it skips */
            scan_move(s, j, &b, ri, t, end);
            if (scan_counts_fit(s, j, p, need))
                abort();
#endif
            continue;
        }
        scan_move(s, j, &b, ri, t, end);
        bool fits = scan_counts_fit(s, j, p, need);
        if (e && s->bf_light &&
            (e->stamp != stamp || s->bf_light_free < e->free ||
             (s->bf_light_free == e->free && L < e->L))) {
            e->stamp = stamp;
            e->L = L;
            e->free = s->bf_light_free;
        }
        if (!fits)
            continue;
        flush_dirty(s);
        if (gs_sched_counts_fit(s, j) && gs_bf_place_whatif(s, j)) {
            s->bf_light = false;
            record(s, j, s->ends, ri, now, t, end);
            *when = t;
            found = true;
            break;
        }
    }
    s->bf_light = false;
    return found;
}

/* A soft memo answer: j's start is known to be t (the state from now on
 * is the one the last plan's scan saw); reserve there as the scan would,
 * choosing the GPUs on today's inputs. 1: reserved; 0: j does not place
 * at t (nothing reserved); -1: the open scans do not apply. */
static int reserved_seek(gs_sched *s, const job_rec *j, int64_t now,
                         int64_t t, int64_t *when)
{
    if (!job_whole(j) || s->n_rsv >= s->cap_rsv ||
        s->n_rsv_gpus_used + j->gpus > s->cap_rsv_gpus)
        return -1;
    end_cache(s, now);
    if (!s->bf_end_plain)
        return -1;
    scan_open(s);
    /* the running jobs released by t (none overdue: the memo is on) */
    size_t ri = released_by(s, t);
    int64_t end = add_time(t, j->time_limit ? j->time_limit : FOREVER);
    scan_blocks b = {false, 0, 0};
    scan_move(s, j, &b, ri, t, end);
    flush_dirty(s);
    if (!gs_sched_counts_fit(s, j) || !gs_bf_place_whatif(s, j))
        return 0;
    record(s, j, s->ends, ri, now, t, end);
    *when = t;
    return 1;
}

#ifndef NDEBUG
/* A reservation's GPUs, in order, as one number (debug builds' checks). */
static uint64_t rsv_hash(const uint32_t *g, uint32_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ g[i]) * 1099511628211ull;
    return h;
}

/* Take back the last reservation pushed (debug builds' checks). */
static void rsv_pop(gs_sched *s)
{
    uint32_t k = (uint32_t)(s->n_rsv - 1);
    for (int e = 0; e < 2; e++) {
        uint32_t *v = e ? s->rsv_by_end : s->rsv_by_start;
        size_t i = 0;
        while (v[i] != k)
            i++;
        memmove(v + i, v + i + 1, (k - i) * sizeof *v);
    }
    s->n_rsv_gpus_used -= s->rsv[k].n;
    s->n_rsv--;
    s->bf_iv_plan = 0; /* first_usable's list: built again */
}
#endif

/* Are reservations a and b the same (their GPUs in order too)? */
static bool rsv_same(const reservation *a, const uint32_t *a_gpus,
                     const reservation *b, const uint32_t *b_gpus)
{
    return a->start == b->start && a->end == b->end && a->n == b->n &&
           a->milli == b->milli && a->whole == b->whole &&
           memcmp(a_gpus, b_gpus, a->n * sizeof *a_gpus) == 0;
}

static bool reserved_start(gs_sched *s, const job_rec *j, int64_t now,
                           int64_t *when)
{
    *when = FOREVER;
    if (s->n_rsv >= s->cap_rsv ||
        s->n_rsv_gpus_used + j->gpus > s->cap_rsv_gpus)
        return false;
    if (job_whole(j)) {
        end_cache(s, now);
        if (s->bf_end_plain)
            return reserved_start_open(s, j, now, when);
    }
    gs_bf_settle(s);
    return reserved_start_scan(s, j, now, when);
}

bool gs_bf_reserved_start(gs_sched *s, const job_rec *j, int64_t now,
                          int64_t *when)
{
    /* reservations hold GPUs: a CPU-only job gets none (it starts when a
     * node has its CPUs and memory free) */
    if (!j->gpus)
        return false;
    bool soft;
    const reservation *m = memo_find(s, j, now, &soft);
    if (m && (s->n_rsv >= s->cap_rsv ||
              s->n_rsv_gpus_used + m->n > s->cap_rsv_gpus)) {
        m = NULL; /* (cannot be: the same plan, so the same room) */
        s->memo_use = false;
    }
    bool found;
#ifdef NDEBUG
    if (m && !soft) {
        rsv_push(s, m, s->memo_gpus + m->off);
        note_held(s);
        s->bf_last_ri = released_by(s, m->start); /* as the scan's */
        *when = m->start;
        found = true;
        memo_note(s, j, found);
        return found;
    }
#endif
#ifndef NDEBUG
    /* debug builds (the tests): what the scan finds, against which a soft
     * answer's direct reservation is checked (then taken back) */
    bool f2 = false;
    int64_t w2 = 0;
    reservation r2 = {0};
    uint64_t h2 = 0;
    if (m && soft && (f2 = reserved_start(s, j, now, &w2))) {
        r2 = s->rsv[s->n_rsv - 1];
        h2 = rsv_hash(s->rsv_gpus + r2.off, r2.n);
        rsv_pop(s);
    }
#endif
    /* a soft answer: reserve at its start directly */
    int sk = m && soft ? reserved_seek(s, j, now, m->start, when) : -1;
    bool seek = sk == 1;
#ifndef NDEBUG
    if (sk >= 0) {
        const reservation *x = &s->rsv[s->n_rsv - 1];
        if (seek != f2 ||
            (seek && (w2 != *when || x->start != r2.start ||
                      x->end != r2.end || x->n != r2.n ||
                      rsv_hash(s->rsv_gpus + x->off, x->n) != h2)))
            abort();
    }
#endif
    found = seek || reserved_start(s, j, now, when);
    if (m) {
        /* the memo's answer against this plan's: a soft one holds on if
         * they agree; a clean one must (debug builds, the tests) */
        const reservation *r = &s->rsv[s->n_rsv - 1];
        bool same = found && rsv_same(r, s->rsv_gpus + r->off, m,
                                      s->memo_gpus + m->off);
        if (!same && !soft)
            abort();
        if (!same)
            s->memo_use = false;
    }
    memo_note(s, j, found);
    return found;
}

bool gs_bf_fits_real(const gs_sched *s, const job_rec *j)
{
    return gs_state_counts_fit_in(s->bf_real_row, s->bf_real_free, j);
}
