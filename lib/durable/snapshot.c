/*
 * Snapshots: a scheduler's whole state in the format of docs/formats.md,
 * and a scheduler made again from one.
 *
 * What is saved is what the scheduler was told and what it decided (jobs
 * with their requests, allocations and last values, queued events, usage,
 * drains, failures, limits, settings, counters); what follows from it
 * (node masks and counts, CPU bitsets, the key index, the running list's
 * end order, the limit counters) is rebuilt on restore by the same code
 * that keeps it, and checked with gs_sched_check.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "durable/durable.h"
#include "common/codec.h"
#include "sched/books.h"
#include "sched/jobview.h"
#include "sched/quiet.h"
#include "sched/state.h"

#include <errno.h>
#include <fcntl.h>
#include "topo/constraint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char MAGIC[8] = {'G', 'S', 'S', 'T', 'A', 'T', 'E', '\n'};
#define HEADER_SIZE 20 /* magic, format (u32), payload length (u64) */

enum {
    SEC_META = 1,
    SEC_TOPO = 2,
    SEC_CONFIG = 3,
    SEC_SHARE = 4,
    SEC_LIMITS = 5,
    SEC_NODES = 6,
    SEC_STRINGS = 7,
    SEC_JOBS = 8,
    SEC_LISTS = 9,
    SEC_EVENTS = 10,
    SEC_END = 11,
    SEC_EXTRA = 12, /* format 2: partitions, defaults, holds, constraints */
    SEC_DEMAND = 13, /* format 3: NUMA mode, look-ahead, demand */
    SEC_FRAG = 14,   /* format 4: the fragmentation measure's job mix */
    SEC_MIG = 15     /* format 5: the MIG profile mix */
};

/* Bits of a job's flags byte (J_SHARE from format 4). */
enum {
    J_EXCLUSIVE = 1,
    J_ONE_DOMAIN = 2,
    J_PREEMPTIBLE = 4,
    J_STARTED = 8,
    J_ENDED = 16,
    J_SHARE = 32, /* a share of each GPU or device memory follows comm */
    J_MIG = 64    /* format 5: a MIG profile follows the share; a running
                     job's instances follow its allocation */
};

/* Bits of a job's optional doubles. */
enum {
    D_RATE = 1,
    D_LOST = 2,
    D_SITE = 4,
    D_VALUE = 8,
    D_AGE = 16,
    D_FS = 32,
    D_SIZE = 64,
    D_PRIO = 128
};

/* ---- strings shared by jobs (users, accounts, reason texts) ------------ */

typedef struct strset {
    gs_strtab tab;
    const char **list;
    size_t n, cap;
    char **own; /* texts made for the snapshot (strset_put_copy) */
    size_t n_own, cap_own;
} strset;

/* Index + 1 of s in the set (0 for NULL), added when new. */
static uint64_t strset_put(strset *ss, const char *s, bool *oom)
{
    if (!s)
        return 0;
    size_t len = strlen(s);
    const gs_strtab_slot *e = gs_strtab_get(&ss->tab, s, len);
    if (e)
        return (uint64_t)e->val + 1;
    if (!GS_GROW(ss->list, ss->cap, ss->n + 1) ||
        !gs_strtab_put(&ss->tab, s, len, (uint32_t)ss->n)) {
        *oom = true;
        return 0;
    }
    ss->list[ss->n++] = s;
    return ss->n;
}

/* strset_put of a text the set keeps a copy of (s may go away). */
static uint64_t strset_put_copy(strset *ss, const char *s, bool *oom)
{
    const gs_strtab_slot *e = gs_strtab_get(&ss->tab, s, strlen(s));
    if (e)
        return (uint64_t)e->val + 1;
    char *c = GS_GROW(ss->own, ss->cap_own, ss->n_own + 1) ? gs_strdup(s)
                                                           : NULL;
    if (!c) {
        *oom = true;
        return 0;
    }
    ss->own[ss->n_own++] = c;
    return strset_put(ss, c, oom);
}

static void strset_free(strset *ss)
{
    gs_strtab_free(&ss->tab);
    gs_free(ss->list);
    for (size_t i = 0; i < ss->n_own; i++)
        gs_free(ss->own[i]);
    gs_free(ss->own);
}

/* ---- writing ------------------------------------------------------------ */

static void section(gs_wbuf *w, uint8_t tag, const gs_wbuf *body)
{
    gs_w_u8(w, tag);
    gs_w_uv(w, body->n);
    gs_w_bytes(w, body->p, body->n);
    if (body->oom)
        w->oom = true;
}

/* The nodes: their kinds (GPU models, CPUs, memory) once, then each
 * node's name and kind. */
static void put_topo(const gs_sched *s, gs_wbuf *w)
{
    const gs_topo *t = s->topo;
    gs_w_uv(w, t->n_types);
    for (uint32_t k = 0; k < t->n_types; k++) {
        const gs_ntype *ty = t->types[k];
        gs_w_uv(w, ty->n_gpus);
        for (uint32_t g = 0; g < ty->n_gpus; g++)
            gs_w_str(w, ty->gpus[g].model);
        gs_w_uv(w, ty->n_cpus);
        gs_w_uv(w, gs_type_memory(ty));
    }
    gs_w_uv(w, t->n_nodes);
    for (size_t n = 0; n < t->n_nodes; n++) {
        gs_w_str(w, t->nodes[n].name);
        gs_w_uv(w, t->nodes[n].type->id);
    }
}

static void put_config(const gs_sched *s, gs_wbuf *w)
{
    gs_w_str(w, s->placement_name);
    gs_w_str(w, s->placement_options);
    gs_w_str(w, s->ordering->name);
    gs_w_str(w, s->ordering_options);
    gs_w_str(w, s->fairshare->name);
    gs_w_u8(w, (uint8_t)s->backfill);
    gs_w_uv(w, s->bf_depth);
    gs_w_sv(w, s->bf_horizon);
    gs_w_sv(w, s->bf_interval);
    gs_w_sv(w, s->bf_last);
    gs_w_u8(w, (uint8_t)s->preempt);
    gs_w_f64(w, s->weights.age);
    gs_w_f64(w, s->weights.fairshare);
    gs_w_f64(w, s->weights.job_size);
    gs_w_f64(w, s->weights.priority);
    gs_w_sv(w, s->weights.max_age);
    gs_w_sv(w, s->weights.calc_period);
    gs_w_f64(w, s->w_gpu);
    gs_w_f64(w, s->w_cpu);
    gs_w_f64(w, s->w_mem);
    gs_w_uv(w, s->n_model_weights);
    for (size_t i = 0; i < s->n_model_weights; i++) {
        gs_w_str(w, s->model_weights[i].model);
        gs_w_f64(w, s->model_weights[i].weight);
    }
    gs_w_sv(w, s->keep_seconds);
    gs_w_sv(w, s->keep_count);
    gs_w_sv(w, s->last_accrue);
    gs_w_sv(w, s->last_fs);
    gs_w_u8(w, (uint8_t)((s->fs_fresh ? 1 : 0) | (s->accrue_started ? 2 : 0) |
                         (s->any_limit ? 4 : 0)));
    gs_w_sv(w, s->max_prio);
    gs_w_uv(w, s->max_job_gpus);
}

static void put_limits(const gs_sched *s, gs_wbuf *w)
{
    gs_w_uv(w, s->user_limit_default);
    gs_w_uv(w, s->acct_limit_default);
    /* user slots in slot order: the names from the table */
    const char **names = gs_calloc(s->n_user_slots + 1, sizeof *names);
    if (!names) {
        w->oom = true;
        return;
    }
    for (size_t i = 0; i < s->user_slots.cap; i++) {
        const gs_strtab_slot *e = &s->user_slots.slots[i];
        if (e->key && e->val < s->n_user_slots)
            names[e->val] = e->key;
    }
    gs_w_uv(w, s->n_user_slots);
    for (size_t i = 0; i < s->n_user_slots; i++) {
        gs_w_str(w, names[i] ? names[i] : "");
        gs_w_uv(w, s->user_limit[i]);
    }
    gs_free(names);
    size_t n = 0;
    for (size_t a = 0; a < s->cap_acct && a < s->share->n; a++)
        n += s->acct_limit[a] != 0;
    gs_w_uv(w, n);
    for (size_t a = 0; a < s->cap_acct && a < s->share->n; a++)
        if (s->acct_limit[a]) {
            gs_w_uv(w, a);
            gs_w_uv(w, s->acct_limit[a]);
        }
}

static void put_nodes(const gs_sched *s, gs_wbuf *w)
{
    size_t n = 0;
    for (uint32_t i = 0; i < s->n_nodes; i++) {
        const node_state *ns = &s->nodes[i];
        n += ns->drained_node || ns->drained || ns->failed;
    }
    gs_w_uv(w, n);
    for (uint32_t i = 0; i < s->n_nodes; i++) {
        const node_state *ns = &s->nodes[i];
        if (!(ns->drained_node || ns->drained || ns->failed))
            continue;
        gs_w_uv(w, i);
        gs_w_u8(w, ns->drained_node);
        gs_w_uv(w, ns->drained);
        gs_w_uv(w, ns->failed);
    }
}

static void put_job(const gs_sched *s, const job_rec *j, uint64_t prev_id, strset *ss,
                    gs_wbuf *w, bool *oom)
{
    /* Only what can be seen is written: a job that does not wait has no
     * reason and no factors (a query computes them afresh), and only a
     * running job has a rate and a charged-until time. Times are written
     * as differences: submission, start after it, end after that. */
    bool pending = j->state == GS_JOB_PENDING;
    bool running = j->state == GS_JOB_RUNNING;
    /* a job that ran keeps its allocation; times may be negative, so the
     * -1 of "never" is not what tells */
    bool started = j->n_alloc > 0, ended = j->state >= GS_JOB_COMPLETED;
    /* a whole-GPU job without device memory (most) writes no share */
    bool share = j->milli || j->gpu_mem;
    gs_w_uv(w, j->id - prev_id);
    gs_w_u8(w, (uint8_t)j->state);
    gs_w_u8(w, (uint8_t)((j->exclusive ? J_EXCLUSIVE : 0) |
                         (j->one_domain ? J_ONE_DOMAIN : 0) |
                         (j->preemptible ? J_PREEMPTIBLE : 0) |
                         (started ? J_STARTED : 0) | (ended ? J_ENDED : 0) |
                         (share ? J_SHARE : 0) |
                         (j->mig_slices ? J_MIG : 0)));
    gs_w_sv(w, j->submit_time);
    if (started)
        gs_w_sv(w, j->start_time - j->submit_time);
    if (ended)
        gs_w_sv(w, j->end_time - (started ? j->start_time : j->submit_time));
    gs_w_sv(w, j->priority);
    gs_w_sv(w, j->nice);
    gs_w_sv(w, j->time_limit);
    gs_w_uv(w, j->gpus);
    gs_w_uv(w, j->gpus_per_node);
    gs_w_uv(w, j->min_nodes);
    gs_w_uv(w, (uint32_t)(j->max_nodes + 1u)); /* UINT32_MAX -> 0 */
    gs_w_uv(w, j->cpus_per_gpu);
    gs_w_uv(w, j->mem_per_gpu);
    gs_w_uv(w, j->min_gpu_memory);
    gs_w_uv(w, j->min_cc);
    gs_w_u8(w, (uint8_t)(j->comm | j->pattern << 1)); /* format 3 */
    if (share) { /* format 4 */
        gs_w_uv(w, j->milli);
        gs_w_uv(w, j->gpu_mem);
    }
    if (j->mig_slices) /* format 5 */
        gs_w_str(w, j->mig_name);
    size_t nm = 0;
    while (j->models && j->models[nm])
        nm++;
    gs_w_uv(w, nm);
    for (size_t i = 0; i < nm; i++)
        gs_w_str(w, j->models[i]);
    gs_w_uv(w, j->n_required);
    for (size_t i = 0; i < j->n_required; i++)
        gs_w_uv(w, j->required[i]);
    gs_w_str(w, j->name);
    gs_w_uv(w, strset_put(ss, j->user, oom));
    gs_w_uv(w, strset_put(ss, j->account, oom));
    gs_w_uv(w, j->assoc);
    gs_w_uv(w, j->user_slot);
    gs_w_uv(w, j->depends_on);
    gs_w_uv(w, j->requeues);
    if (running)
        gs_w_sv(w, j->charged_until - j->start_time);
    if (pending && (j->lazy & LAZY_RESERVED)) {
        /* the reserved start is not kept (est_start): the text is */
        char text[REASON_MAX];
        gs_reason_lazy_text(j, j->lazy, gs_quiet_behind(s, j->behind), text,
                            sizeof text);
        gs_w_u8(w, (uint8_t)j->reason);
        gs_w_u8(w, LAZY_NONE);
        gs_w_uv(w, gs_quiet_behind(s, j->behind));
        gs_w_uv(w, strset_put_copy(ss, text, oom));
    } else if (pending) {
        gs_w_u8(w, (uint8_t)j->reason);
        gs_w_u8(w, j->lazy);
        gs_w_uv(w, gs_quiet_behind(s, j->behind));
        /* a lazy reason's text is made when asked: reason_text is what an
         * earlier reason left (not read again) */
        gs_w_uv(w, j->lazy == LAZY_NONE && j->reason_text[0]
                       ? strset_put(ss, j->reason_text, oom)
                       : 0);
    }
    const double d[8] = {j->rate,       j->lost_gpu_seconds, j->site_factor,
                         j->prio_value, j->f_age,            j->f_fs,
                         j->f_size,     j->f_prio};
    uint8_t mask = 0;
    for (int k = 0; k < 8; k++) {
        uint64_t u;
        memcpy(&u, &d[k], sizeof u);
        if (u) /* +0.0 is left out; -0.0 is kept */
            mask |= (uint8_t)(1u << k);
    }
    if (!running)
        mask &= (uint8_t)~D_RATE;
    if (!pending)
        mask &= (uint8_t)~(D_AGE | D_FS | D_SIZE | D_PRIO);
    gs_w_u8(w, mask);
    for (int k = 0; k < 8; k++)
        if (mask & (1u << k))
            gs_w_f64(w, d[k]);
    /* the allocation (running jobs and ended ones that ran) */
    gs_w_uv(w, j->n_alloc);
    uint32_t prev_node = 0;
    for (uint32_t k = 0; k < j->n_alloc; k++) {
        const alloc_node *a = &j->alloc[k];
        gs_w_uv(w, a->node - prev_node);
        prev_node = a->node;
        gs_w_uv(w, a->gpus); /* its memory follows: mem_per_gpu each */
        /* CPUs as runs of consecutive ids, in the order held */
        const uint32_t *c = a->cpu_n ? j->cpus + a->cpu_off : NULL;
        size_t runs = 0;
        for (uint32_t i = 0; i < a->cpu_n; i++)
            runs += i == 0 || c[i] != c[i - 1] + 1;
        gs_w_uv(w, runs);
        for (uint32_t i = 0; i < a->cpu_n;) {
            uint32_t e = i + 1;
            while (e < a->cpu_n && c[e] == c[e - 1] + 1)
                e++;
            gs_w_uv(w, c[i]);
            gs_w_uv(w, e - i);
            i = e;
        }
    }
    /* a running MIG job's instance on each GPU: start, number in a fixed
     * layout + 1 (0: made for it), the UUID the host gave ("" none) */
    for (uint32_t i = 0; running && j->mig_slices && i < j->gpus; i++) {
        uint32_t start = 0, fixed = GS_NONE;
        const char *uuid = NULL;
        gs_mig_held(s, j, j->gpu_ids[i], &start, &fixed, &uuid);
        gs_w_uv(w, start);
        gs_w_uv(w, fixed == GS_NONE ? 0 : fixed + 1u);
        gs_w_str(w, fixed == GS_NONE && uuid ? uuid : "");
    }
}

/* The NUMA mode, the look-ahead switch, the host's demand, the learned
 * counts and the profile in use with its epoch (format 3). */
static void put_demand(const gs_sched *s, gs_wbuf *w)
{
    gs_w_u8(w, s->numa_mode);
    gs_w_u8(w, (uint8_t)(s->la_mode | s->demand_set << 2));
    gs_w_uv(w, s->n_demand_host);
    for (uint32_t i = 0; i < s->n_demand_host; i++) {
        gs_w_uv(w, s->demand_host[i].gpus);
        gs_w_uv(w, (uint64_t)s->demand_host[i].pattern);
        gs_w_f64(w, s->demand_host[i].weight);
    }
    uint32_t nz = 0;
    for (uint32_t i = 0; i < DEMAND_SLOTS; i++)
        nz += s->demand_cnt[i] > 0;
    gs_w_uv(w, nz);
    for (uint32_t i = 0; i < DEMAND_SLOTS; i++)
        if (s->demand_cnt[i] > 0) {
            gs_w_uv(w, i);
            gs_w_f64(w, s->demand_cnt[i]);
        }
    gs_w_f64(w, s->demand_unit);
    gs_w_uv(w, s->la_prof.n);
    for (uint32_t i = 0; i < s->la_prof.n; i++) {
        gs_w_uv(w, s->la_prof.k[i]);
        gs_w_uv(w, s->la_prof.p[i]);
        gs_w_uv(w, s->la_prof.w[i]);
    }
    gs_w_uv(w, s->la_epoch);
}

/* The fragmentation measure's job mix (format 4): whether the host set
 * it, the learned kinds with their decayed counts and sums, the unit of
 * the decay, the submissions since the last learned mix, and the mix in
 * use (the host's, or the learned one) with its epoch. Doubles are
 * written bit for bit, so that a restore learns and weighs exactly as
 * the saved scheduler would have. */
static void put_frag(const gs_sched *s, gs_wbuf *w)
{
    const struct frag_state *f = s->frag;
    gs_w_u8(w, f->host ? 1 : 0);
    gs_w_uv(w, f->n_learn);
    for (uint32_t i = 0; i < f->n_learn; i++) {
        const frag_learn *l = &f->learn[i];
        gs_w_uv(w, l->gpus);
        gs_w_uv(w, l->milli);
        gs_w_f64(w, l->cnt);
        gs_w_f64(w, l->cpus);
        gs_w_f64(w, l->mem);
    }
    gs_w_f64(w, f->unit);
    gs_w_uv(w, f->since);
    gs_w_uv(w, f->n);
    for (uint32_t i = 0; i < f->n; i++) {
        const frag_cls *c = &f->cls[i];
        gs_w_uv(w, c->gpus);
        gs_w_uv(w, c->milli);
        gs_w_uv(w, c->cpus);
        gs_w_uv(w, c->mem);
        gs_w_f64(w, c->w);
    }
    gs_w_uv(w, f->epoch);
}

/* Format 2: the settings, partitions and job fields format 1 lacks. */
static void put_extra(const gs_sched *s, gs_wbuf *w)
{
    gs_w_uv(w, s->def_cpus_per_gpu);
    gs_w_uv(w, s->def_mem_per_gpu);
    gs_w_u8(w, s->auto_accounts);
    gs_w_sv(w, s->timeout_grace);
    gs_w_uv(w, s->n_parts);
    for (uint32_t p = 0; p < s->n_parts; p++) {
        const sched_part *pp = &s->parts[p];
        gs_w_str(w, pp->name);
        gs_w_u8(w, p == s->part_default);
        gs_w_uv(w, pp->max_gpus_per_job);
        gs_w_uv(w, pp->max_gpus_per_user);
        gs_w_sv(w, pp->default_time);
        gs_w_sv(w, pp->max_time);
        gs_w_uv(w, pp->tier);
        gs_w_uv(w, pp->preempts);
        gs_w_uv(w, pp->def_cpus_per_gpu);
        gs_w_uv(w, pp->def_mem_per_gpu);
        gs_w_uv(w, pp->n_nodes);
        uint32_t prev = 0;
        for (uint32_t n = 0; n < s->n_nodes; n++)
            if ((s->node_parts[n] >> p) & 1) {
                gs_w_uv(w, n - prev);
                prev = n;
            }
    }
    size_t na = 0;
    for (size_t a = 0; a < s->cap_assoc_auto && a < s->share->n; a++)
        na += (s->assoc_auto[a] & ASSOC_AUTO) != 0;
    gs_w_uv(w, na);
    for (size_t a = 0; a < s->cap_assoc_auto && a < s->share->n; a++)
        if (s->assoc_auto[a] & ASSOC_AUTO)
            gs_w_uv(w, a);
    size_t nj = 0;
    for (size_t i = 0; i < s->n_jobs; i++) {
        const job_rec *j = &s->jobs[i];
        nj += j->state != GS_JOB_FORGOTTEN &&
              (j->parts || j->part != GS_NONE8 || j->held || j->timed_out ||
               j->auto_nodes || j->allow_split || j->any_model || j->cons);
    }
    gs_w_uv(w, nj);
    gs_buf text = {0};
    uint64_t prev = 0;
    for (size_t i = 0; i < s->n_jobs; i++) {
        const job_rec *j = &s->jobs[i];
        if (j->state == GS_JOB_FORGOTTEN ||
            !(j->parts || j->part != GS_NONE8 || j->held || j->timed_out ||
              j->auto_nodes || j->allow_split || j->any_model || j->cons))
            continue;
        gs_w_uv(w, j->id - prev);
        prev = j->id;
        gs_w_uv(w, j->parts);
        gs_w_u8(w, j->part);
        gs_w_u8(w, (uint8_t)((j->held ? 1 : 0) | (j->timed_out ? 2 : 0) |
                             (j->auto_nodes ? 4 : 0) |
                             (j->allow_split ? 8 : 0) |
                             (j->any_model ? 16 : 0)));
        text.len = 0;
        if (j->cons)
            gs_constraint_format(s->topo, j->cons, &text);
        gs_w_uv(w, text.len);
        gs_w_bytes(w, text.data, text.len);
        if (text.failed)
            w->oom = true;
    }
    gs_buf_free(&text);
}

/* The ids of a list of slots, each as the difference to the previous. */
static void put_slot_ids(const gs_sched *s, const uint32_t *v, size_t n,
                         gs_wbuf *w)
{
    gs_w_uv(w, n);
    int64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t id = (int64_t)s->jobs[v[i]].id;
        gs_w_sv(w, id - prev);
        prev = id;
    }
}

static gs_status encode(gs_sched *s, gs_wbuf *out)
{
    gs_wbuf b = {0};
    strset ss = {0};
    bool oom = false;
    gs_w_bytes(out, MAGIC, sizeof MAGIC);
    gs_w_u32le(out, GS_SNAP_FORMAT);
    gs_w_u64le(out, 0); /* the payload's length, set below */

    gs_w_uv(&b, s->seq);
    gs_w_uv(&b, s->last_id);
    gs_w_sv(&b, s->clock);
    gs_w_sv(&b, s->max_submit);
    gs_w_str(&b, gs_version_string());
    section(out, SEC_META, &b);
    b.n = 0;
    put_topo(s, &b);
    section(out, SEC_TOPO, &b);
    b.n = 0;
    put_config(s, &b);
    section(out, SEC_CONFIG, &b);
    b.n = 0;
    gs_share_encode(s->share, &b);
    section(out, SEC_SHARE, &b);
    b.n = 0;
    put_limits(s, &b);
    section(out, SEC_LIMITS, &b);
    b.n = 0;
    put_nodes(s, &b);
    section(out, SEC_NODES, &b);
    /* jobs first into their own buffer: the strings they use go before */
    gs_wbuf jb = {0};
    gs_w_uv(&jb, s->n_live);
    uint64_t prev = 0;
    for (size_t i = 0; i < s->n_jobs; i++) {
        const job_rec *j = &s->jobs[i];
        if (j->state == GS_JOB_FORGOTTEN)
            continue;
        put_job(s, j, prev, &ss, &jb, &oom);
        prev = j->id;
    }
    b.n = 0;
    gs_w_uv(&b, ss.n);
    for (size_t i = 0; i < ss.n; i++)
        gs_w_str(&b, ss.list[i]);
    section(out, SEC_STRINGS, &b);
    section(out, SEC_JOBS, &jb);
    gs_w_free(&jb);
    b.n = 0;
    put_slot_ids(s, s->pending, s->n_pending, &b);
    put_slot_ids(s, s->running, s->n_running, &b);
    gs_w_uv(&b, s->ended_hi - s->ended_lo);
    int64_t p = 0;
    for (size_t i = s->ended_lo; i < s->ended_hi; i++) {
        gs_w_sv(&b, (int64_t)s->ended[i] - p);
        p = (int64_t)s->ended[i];
    }
    section(out, SEC_LISTS, &b);
    b.n = 0;
    gs_w_uv(&b, s->n_events);
    for (size_t i = 0; i < s->n_events; i++) {
        const sched_event *e = &s->events[(s->ev_head + i) % s->cap_events];
        gs_w_u8(&b, (uint8_t)e->kind);
        gs_w_uv(&b, e->job);
        gs_w_sv(&b, e->time);
    }
    section(out, SEC_EVENTS, &b);
    b.n = 0;
    put_extra(s, &b);
    section(out, SEC_EXTRA, &b);
    b.n = 0;
    put_demand(s, &b);
    section(out, SEC_DEMAND, &b);
    b.n = 0;
    put_frag(s, &b);
    section(out, SEC_FRAG, &b);
    b.n = 0;
    {
        double mix[GS_MIG_MIX_LEN];
        gs_mig_mix_get(s, mix);
        for (size_t i = 0; i < GS_ARRAY_LEN(mix); i++)
            gs_w_f64(&b, mix[i]);
    }
    section(out, SEC_MIG, &b);
    b.n = 0;
    section(out, SEC_END, &b);
    gs_w_free(&b);
    strset_free(&ss);
    if (out->oom || oom)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory (snapshot)");
    uint64_t len = out->n - HEADER_SIZE;
    for (int i = 0; i < 8; i++)
        out->p[12 + i] = (uint8_t)(len >> (8 * i));
    gs_w_u32le(out, gs_crc32c(0, out->p, out->n));
    if (out->oom)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory (snapshot)");
    return GS_OK;
}

GS_API void gs_restore_options_init(gs_restore_options *opt)
{
    if (opt)
        *opt = (gs_restore_options)GS_RESTORE_OPTIONS_INIT;
}

GS_API gs_status gs_sched_save(gs_sched *s, gs_write_fn write,
                               void *user_data)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    if (!write)
        return gs_errf(&s->err, GS_EINVAL, "save: no writer given");
    gs_wbuf out = {0};
    gs_status st = encode(s, &out);
    if (st == GS_OK) {
        /* in pieces of at most 1 MiB: writers need not take huge buffers */
        for (size_t off = 0; off < out.n && st == GS_OK;) {
            size_t n = GS_MIN(out.n - off, (size_t)1 << 20);
            st = write(user_data, out.p + off, n);
            off += n;
        }
        if (st != GS_OK)
            gs_errf(&s->err, st, "save: the writer failed (%s)",
                    gs_strerror(st));
    }
    gs_w_free(&out);
    return st;
}

gs_status gs_write_file_atomic(const char *path, const void *data, size_t n,
                               gs_err *err)
{
    size_t len = strlen(path);
    char *tmp = gs_malloc(len + 32);
    if (!tmp)
        return gs_errf(err, GS_ENOMEM, "out of memory");
    snprintf(tmp, len + 32, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    gs_status st = GS_OK;
    if (fd < 0) {
        st = gs_errf(err, GS_EIO, "%s: cannot create: %s", tmp,
                     strerror(errno));
        gs_free(tmp);
        return st;
    }
    const uint8_t *p = data;
    for (size_t off = 0; off < n;) {
        ssize_t k = write(fd, p + off, n - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            st = gs_errf(err, GS_EIO, "%s: cannot write: %s", tmp,
                         k < 0 ? strerror(errno) : "no progress");
            break;
        }
        off += (size_t)k;
    }
    if (st == GS_OK && fsync(fd) != 0)
        st = gs_errf(err, GS_EIO, "%s: fsync: %s", tmp, strerror(errno));
    if (close(fd) != 0 && st == GS_OK)
        st = gs_errf(err, GS_EIO, "%s: close: %s", tmp, strerror(errno));
    if (st == GS_OK && rename(tmp, path) != 0)
        st = gs_errf(err, GS_EIO, "%s: cannot rename to %s: %s", tmp, path,
                     strerror(errno));
    if (st != GS_OK) {
        unlink(tmp);
        gs_free(tmp);
        return st;
    }
    gs_free(tmp);
    /* the rename itself must reach the disk: fsync the directory */
    char *dir = gs_strdup(path);
    if (!dir)
        return gs_errf(err, GS_ENOMEM, "out of memory");
    char *slash = strrchr(dir, '/');
    const char *d = ".";
    if (slash) {
        slash[slash == dir ? 1 : 0] = '\0';
        d = dir;
    }
    int dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        if (fsync(dfd) != 0 && errno != EINVAL)
            st = gs_errf(err, GS_EIO, "%s: fsync of the directory: %s", d,
                         strerror(errno));
        close(dfd);
    }
    gs_free(dir);
    return st;
}

GS_API gs_status gs_sched_save_file(gs_sched *s, const char *path)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    if (!path || !*path)
        return gs_errf(&s->err, GS_EINVAL, "save_file: no path given");
    gs_wbuf out = {0};
    gs_status st = encode(s, &out);
    if (st == GS_OK)
        st = gs_write_file_atomic(path, out.p, out.n, &s->err);
    gs_w_free(&out);
    return st;
}

/* ---- reading ------------------------------------------------------------ */

typedef struct rd_ctx {
    gs_sched *s;
    const char *name;
    const char **strings;
    size_t n_strings;
    uint32_t *assoc_map;
    size_t n_assoc;
    uint32_t fmt; /* the snapshot's format */
} rd_ctx;

/* A damaged snapshot: the reader's problem with its offset. */
static gs_status bad(rd_ctx *c, const gs_rbuf *r)
{
    return gs_errf(&c->s->err, GS_EPARSE, "%s: offset %zu: %s", c->name,
                   r->bad_at, r->why);
}

static gs_status badf(rd_ctx *c, gs_rbuf *r, const char *why)
{
    gs_r_fail(r, why);
    return bad(c, r);
}

/* A snapshot's header, length and checksum; its format in *format. */
static gs_status check_header(const uint8_t *p, size_t n, const char *name,
                              gs_err *err, uint32_t *format)
{
    if (n < HEADER_SIZE + 4 || memcmp(p, MAGIC, sizeof MAGIC) != 0)
        return gs_errf(err, GS_EPARSE,
                       "%s: offset 0: not a gpusched snapshot (no "
                       "\"GSSTATE\" header, or shorter than one)",
                       name);
    uint32_t fmt = 0;
    for (int i = 0; i < 4; i++)
        fmt |= (uint32_t)p[8 + i] << (8 * i);
    if (fmt > GS_SNAP_FORMAT)
        return gs_errf(err, GS_EUNSUPPORTED,
                       "%s: snapshot format %u is newer than this library "
                       "reads (%u); use a newer gpusched",
                       name, fmt, GS_SNAP_FORMAT);
    if (fmt == 0)
        return gs_errf(err, GS_EPARSE, "%s: offset 8: format 0 is invalid",
                       name);
    uint64_t len = 0;
    for (int i = 0; i < 8; i++)
        len |= (uint64_t)p[12 + i] << (8 * i);
    if (len != n - HEADER_SIZE - 4)
        return gs_errf(err, GS_EPARSE,
                       "%s: offset 12: the header says %llu bytes of state, "
                       "the input has %zu (truncated or padded)",
                       name, (unsigned long long)len,
                       n >= HEADER_SIZE + 4 ? n - HEADER_SIZE - 4 : 0);
    uint32_t want = 0;
    for (int i = 0; i < 4; i++)
        want |= (uint32_t)p[n - 4 + i] << (8 * i);
    uint32_t got = gs_crc32c(0, p, n - 4);
    if (want != got)
        return gs_errf(err, GS_EPARSE,
                       "%s: offset %zu: checksum mismatch (stored %08x, "
                       "computed %08x): the snapshot is damaged",
                       name, n - 4, want, got);
    *format = fmt;
    return GS_OK;
}

/* The next section, which must be `tag`: a reader over its body. */
static bool open_section(gs_rbuf *r, uint8_t tag, gs_rbuf *body)
{
    size_t at = r->pos;
    uint8_t t = gs_r_u8(r);
    uint64_t len = gs_r_uv(r);
    if (r->bad)
        return false;
    if (t != tag) {
        r->pos = at;
        char why[64];
        snprintf(why, sizeof why, "section %u where section %u belongs", t,
                 tag);
        gs_r_fail(r, why);
        return false;
    }
    if (len > gs_r_left(r)) {
        gs_r_fail(r, "a section runs past the end");
        return false;
    }
    gs_r_init(body, r->p + r->pos, (size_t)len, r->base + r->pos);
    r->pos += (size_t)len;
    return true;
}

/* A section fully read? */
static bool close_section(gs_rbuf *body)
{
    if (!body->bad && body->pos != body->n)
        gs_r_fail(body, "a section has bytes left over");
    return !body->bad;
}

/* One node kind of the snapshot (models point into the input). */
typedef struct saved_kind {
    uint32_t gpus, cpus;
    uint64_t mem;
    const char *models[GS_SCHED_MAX_GPUS];
} saved_kind;

/* The kinds of the node section; *n their count. */
static gs_status read_kinds(rd_ctx *c, gs_rbuf *r, saved_kind **out,
                            size_t *n)
{
    uint64_t nk = gs_r_uv_max(r, gs_r_left(r) / 3, "the node kind count");
    if (r->bad)
        return bad(c, r);
    saved_kind *k = gs_calloc((size_t)nk + 1, sizeof *k);
    if (!k)
        return gs_errf(&c->s->err, GS_ENOMEM, "out of memory");
    for (uint64_t i = 0; i < nk && !r->bad; i++) {
        k[i].gpus =
            (uint32_t)gs_r_uv_max(r, GS_SCHED_MAX_GPUS, "a node's GPU count");
        for (uint32_t g = 0; g < k[i].gpus && !r->bad; g++)
            k[i].models[g] = gs_r_str(r, GS_MAX_NAME, NULL);
        k[i].cpus = (uint32_t)gs_r_uv_max(r, 1u << 20, "a node's CPU count");
        k[i].mem = gs_r_uv(r);
    }
    if (r->bad) {
        gs_free(k);
        return bad(c, r);
    }
    *out = k;
    *n = (size_t)nk;
    return GS_OK;
}

static gs_status read_topo(rd_ctx *c, gs_rbuf *r)
{
    const gs_topo *t = c->s->topo;
    saved_kind *kinds = NULL;
    size_t nk = 0;
    gs_status st = read_kinds(c, r, &kinds, &nk);
    if (st != GS_OK)
        return st;
    uint64_t n = gs_r_uv(r);
    if (!r->bad && n != t->n_nodes)
        st = gs_errf(&c->s->err, GS_EINVALID,
                     "%s: the snapshot's cluster has %llu nodes, the "
                     "topology given has %zu",
                     c->name, (unsigned long long)n, t->n_nodes);
    for (size_t i = 0; st == GS_OK && i < n && !r->bad; i++) {
        const gs_ntype *ty = t->nodes[i].type;
        char q1[80], q2[80];
        const char *name = gs_r_str(r, 1u << 16, NULL);
        uint64_t kind = gs_r_uv_max(r, nk ? nk - 1 : 0, "a node's kind");
        if (r->bad || !nk)
            break;
        const saved_kind *k = &kinds[kind];
        if (!name || strcmp(name, t->nodes[i].name) != 0) {
            st = gs_errf(&c->s->err, GS_EINVALID,
                         "%s: node %zu is \"%s\" in the snapshot but \"%s\" "
                         "in the topology given",
                         c->name, i,
                         gs_printable(q1, sizeof q1, name, SIZE_MAX),
                         gs_printable(q2, sizeof q2, t->nodes[i].name,
                                      SIZE_MAX));
            break;
        }
        gs_printable(q2, sizeof q2, t->nodes[i].name, SIZE_MAX);
        if (k->gpus != ty->n_gpus) {
            st = gs_errf(&c->s->err, GS_EINVALID,
                         "%s: node \"%s\" has %u GPUs in the snapshot but %u "
                         "in the topology given",
                         c->name, q2, k->gpus, ty->n_gpus);
            break;
        }
        for (uint32_t g = 0; g < ty->n_gpus && st == GS_OK; g++) {
            const char *m = k->models[g], *have = ty->gpus[g].model;
            if ((m == NULL) != (have == NULL) || (m && strcmp(m, have)))
                st = gs_errf(&c->s->err, GS_EINVALID,
                             "%s: GPU %u of node \"%s\" is a %s in the "
                             "snapshot but a %s in the topology given",
                             c->name, g, q2,
                             gs_printable(q1, sizeof q1, m ? m : "(none)",
                                          SIZE_MAX),
                             have ? have : "(none)");
        }
        if (st == GS_OK &&
            (k->cpus != ty->n_cpus || k->mem != gs_type_memory(ty)))
            st = gs_errf(&c->s->err, GS_EINVALID,
                         "%s: node \"%s\" has %u CPUs and %llu bytes in the "
                         "snapshot but %u and %llu in the topology given",
                         c->name, q2, k->cpus, (unsigned long long)k->mem,
                         ty->n_cpus, (unsigned long long)gs_type_memory(ty));
    }
    gs_free(kinds);
    if (st != GS_OK)
        return st;
    if (r->bad || !nk)
        return r->bad ? bad(c, r) : badf(c, r, "no node kinds");
    return close_section(r) ? GS_OK : bad(c, r);
}

/* The config section, read into a gs_sched_config (strings point into the
 * input) and the settings applied after creation. */
typedef struct saved_config {
    gs_sched_config cfg;
    gs_priority_weights w;
    double w_gpu, w_cpu, w_mem;
    int64_t keep_seconds, keep_count, last_accrue, last_fs, bf_interval,
        bf_last, max_prio;
    uint8_t flags;
    uint32_t max_job_gpus;
    gs_rbuf models; /* model weights, read after creation */
    uint64_t n_models;
} saved_config;

static bool time_ok(int64_t t)
{
    return t >= -GS_TIME_MAX && t <= GS_TIME_MAX;
}

static bool weight_ok(double d)
{
    return d >= 0 && d <= GS_WEIGHT_MAX;
}

static gs_status read_config(rd_ctx *c, gs_rbuf *r, saved_config *sc)
{
    gs_sched_config_init(&sc->cfg);
    sc->cfg.placement = gs_r_str(r, 1u << 16, NULL);
    sc->cfg.placement_options = gs_r_str(r, 1u << 20, NULL);
    sc->cfg.ordering_name = gs_r_str(r, 1u << 16, NULL);
    sc->cfg.ordering_options = gs_r_str(r, 1u << 20, NULL);
    sc->cfg.fairshare_name = gs_r_str(r, 1u << 16, NULL);
    sc->cfg.backfill = (gs_backfill)gs_r_uv_max(r, GS_BACKFILL_CONSERVATIVE,
                                                "the backfill mode");
    sc->cfg.backfill_depth =
        (uint32_t)gs_r_uv_max(r, GS_BF_DEPTH_MAX, "the backfill depth");
    sc->cfg.backfill_horizon = gs_r_sv(r);
    sc->bf_interval = gs_r_sv(r);
    sc->bf_last = gs_r_sv(r);
    sc->cfg.preempt =
        (gs_preempt_mode)gs_r_uv_max(r, GS_PREEMPT_CANCEL, "the preemption");
    gs_priority_weights_init(&sc->w);
    sc->w.age = gs_r_f64(r);
    sc->w.fairshare = gs_r_f64(r);
    sc->w.job_size = gs_r_f64(r);
    sc->w.priority = gs_r_f64(r);
    sc->w.max_age = gs_r_sv(r);
    sc->w.calc_period = gs_r_sv(r);
    sc->w_gpu = gs_r_f64(r);
    sc->w_cpu = gs_r_f64(r);
    sc->w_mem = gs_r_f64(r);
    sc->n_models = gs_r_uv_max(r, gs_r_left(r) / 9, "the model weights");
    size_t at = r->pos;
    for (uint64_t i = 0; i < sc->n_models && !r->bad; i++) {
        gs_r_str(r, GS_MAX_NAME, NULL);
        gs_r_f64(r);
    }
    gs_r_init(&sc->models, r->p + at, r->pos - at, r->base + at);
    sc->keep_seconds = gs_r_sv(r);
    sc->keep_count = gs_r_sv(r);
    sc->last_accrue = gs_r_sv(r);
    sc->last_fs = gs_r_sv(r);
    sc->flags = gs_r_u8(r);
    sc->max_prio = gs_r_sv(r);
    sc->max_job_gpus = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "max job GPUs");
    if (!close_section(r))
        return bad(c, r);
    if (!sc->cfg.placement || !sc->cfg.ordering_name ||
        !sc->cfg.fairshare_name || sc->cfg.backfill_horizon < 0 ||
        sc->cfg.backfill_horizon > GS_TIME_MAX || sc->bf_interval < 0 ||
        sc->bf_interval > GS_TIME_MAX ||
        (sc->bf_last != INT64_MIN && !time_ok(sc->bf_last)) ||
        !weight_ok(sc->w.age) || !weight_ok(sc->w.fairshare) ||
        !weight_ok(sc->w.job_size) || !weight_ok(sc->w.priority) ||
        sc->w.max_age < 0 || sc->w.max_age > GS_TIME_MAX ||
        sc->w.calc_period < 0 || sc->w.calc_period > GS_TIME_MAX ||
        !weight_ok(sc->w_gpu) || !weight_ok(sc->w_cpu) ||
        !weight_ok(sc->w_mem) || sc->keep_seconds < 0 ||
        (sc->keep_seconds > GS_TIME_MAX &&
         sc->keep_seconds != GS_KEEP_FOREVER) ||
        sc->keep_count < 0 || sc->flags > 7)
        return gs_errf(&c->s->err, GS_EPARSE,
                       "%s: offset %zu: the configuration holds a value out "
                       "of range",
                       c->name, r->base);
    return GS_OK;
}

static gs_status apply_config(rd_ctx *c, saved_config *sc)
{
    gs_sched *s = c->s;
    s->bf_interval = sc->bf_interval;
    s->bf_last = sc->bf_last;
    s->weights = sc->w;
    s->w_gpu = sc->w_gpu;
    s->w_cpu = sc->w_cpu;
    s->w_mem = sc->w_mem;
    s->keep_seconds = sc->keep_seconds;
    s->keep_count = sc->keep_count;
    s->last_accrue = sc->last_accrue;
    s->last_fs = sc->last_fs;
    s->fs_fresh = sc->flags & 1;
    s->accrue_started = (sc->flags & 2) != 0;
    s->any_limit = (sc->flags & 4) != 0;
    s->max_prio = sc->max_prio;
    s->max_job_gpus = sc->max_job_gpus;
    gs_rbuf *r = &sc->models;
    for (uint64_t i = 0; i < sc->n_models; i++) {
        const char *m = gs_r_str(r, GS_MAX_NAME, NULL);
        double wt = gs_r_f64(r);
        if (r->bad || !m || !*m || !weight_ok(wt))
            return badf(c, r, "a model weight is invalid");
        char *copy = gs_strdup(m);
        if (!copy || !GS_GROW(s->model_weights, s->cap_model_weights,
                              s->n_model_weights + 1)) {
            gs_free(copy);
            return gs_errf(&s->err, GS_ENOMEM, "out of memory");
        }
        s->model_weights[s->n_model_weights++] = (model_weight){copy, wt};
    }
    return GS_OK;
}

static gs_status read_limits(rd_ctx *c, gs_rbuf *r)
{
    gs_sched *s = c->s;
    s->user_limit_default = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "a limit");
    s->acct_limit_default = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "a limit");
    uint64_t n = gs_r_uv_max(r, gs_r_left(r) / 2, "the user count");
    for (uint64_t i = 0; i < n && !r->bad; i++) {
        const char *u = gs_r_str(r, GS_MAX_NAME, NULL);
        uint32_t lim = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "a limit");
        if (r->bad)
            break;
        uint32_t slot;
        if (!u)
            return badf(c, r, "a user slot has no name");
        if (gs_books_user_slot(s, *u ? u : NULL, &slot) != GS_OK)
            return gs_errf(&s->err, GS_ENOMEM, "out of memory");
        if (slot != i)
            return badf(c, r, "a user is saved twice");
        s->user_limit[slot] = lim;
    }
    uint64_t na = gs_r_uv_max(r, gs_r_left(r) / 2, "the account limits");
    if (!r->bad && gs_books_grow_accounts(s) != GS_OK)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    for (uint64_t i = 0; i < na && !r->bad; i++) {
        uint64_t a = gs_r_uv_max(r, c->n_assoc ? c->n_assoc - 1 : 0,
                                 "an account");
        uint32_t lim = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "a limit");
        if (!r->bad)
            s->acct_limit[c->assoc_map[a]] = lim;
    }
    return close_section(r) ? GS_OK : bad(c, r);
}

static gs_status read_nodes(rd_ctx *c, gs_rbuf *r)
{
    gs_sched *s = c->s;
    uint64_t n = gs_r_uv_max(r, s->n_nodes, "the drained node count");
    uint64_t prev = 0;
    for (uint64_t i = 0; i < n && !r->bad; i++) {
        uint64_t node = gs_r_uv_max(r, s->n_nodes - 1, "a node");
        uint8_t dn = gs_r_u8(r);
        uint64_t drained = gs_r_uv(r), failed = gs_r_uv(r);
        if (r->bad)
            break;
        gs_mask all = mask_all(node_type(s, (uint32_t)node)->n_gpus);
        if ((i && node <= prev) || dn > 1 || (drained & ~all) ||
            (failed & ~all))
            return badf(c, r, "a node's drains or failures are invalid");
        prev = node;
        node_state *ns = &s->nodes[node];
        ns->drained_node = dn;
        ns->drained = drained;
        ns->failed = failed;
        gs_sched_reindex_node(s, (uint32_t)node);
    }
    return close_section(r) ? GS_OK : bad(c, r);
}

static gs_status read_strings(rd_ctx *c, gs_rbuf *r)
{
    uint64_t n = gs_r_uv_max(r, gs_r_left(r) / 2, "the string count");
    if (r->bad)
        return bad(c, r);
    c->strings = gs_calloc((size_t)n + 1, sizeof *c->strings);
    if (!c->strings)
        return gs_errf(&c->s->err, GS_ENOMEM, "out of memory");
    for (uint64_t i = 0; i < n && !r->bad; i++) {
        c->strings[i] = gs_r_str(r, 1u << 16, NULL);
        if (!r->bad && !c->strings[i])
            gs_r_fail(r, "a NULL in the string table");
    }
    c->n_strings = (size_t)n;
    return close_section(r) ? GS_OK : bad(c, r);
}

static const char *string_at(rd_ctx *c, gs_rbuf *r, uint64_t i)
{
    if (i > c->n_strings) {
        gs_r_fail(r, "a string index is out of range");
        return NULL;
    }
    return i ? c->strings[i - 1] : NULL;
}

/* Mark the CPUs a restored job holds (they must be free). */
static bool take_cpus_exact(gs_sched *s, uint32_t n, const uint32_t *cpus,
                            uint32_t count)
{
    node_state *ns = &s->nodes[n];
    const gs_ntype *ty = node_type(s, n);
    uint64_t *bits = s->cpu_bits + ns->cpu_word;
    uint32_t i = 0;
    for (; i < count; i++) {
        uint32_t cpu = cpus[i];
        if (cpu >= ty->n_cpus || ((bits[cpu / 64] >> (cpu % 64)) & 1))
            break;
        bits[cpu / 64] |= (uint64_t)1 << (cpu % 64);
        uint32_t d = 0, start = 0;
        while (cpu >= start + ty->numa[d].cpu_n)
            start += ty->numa[d++].cpu_n;
        s->numa_free[ns->numa_off + d]--;
    }
    ns->free_cpus -= i;
    if (i == count)
        return true;
    gs_state_give_cpus(s, n, cpus, i); /* undo; the caller fails */
    return false;
}

/* One job, into the next slot. */
static gs_status read_job(rd_ctx *c, gs_rbuf *r, uint64_t prev_id,
                          job_rec *j)
{
    gs_sched *s = c->s;
    memset(j, 0, sizeof *j);
    size_t at = r->pos;
    uint64_t d = gs_r_uv(r);
    j->id = prev_id + d;
    j->state = (gs_job_state)gs_r_uv_max(r, GS_JOB_TIMEOUT, "a job state");
    j->part = GS_NONE8;
    j->est_start = GS_TIME_UNKNOWN;
    uint8_t flags = gs_r_u8(r);
    j->exclusive = flags & J_EXCLUSIVE;
    j->one_domain = (flags & J_ONE_DOMAIN) != 0;
    j->preemptible = (flags & J_PREEMPTIBLE) != 0;
    j->submit_time = gs_r_sv(r);
    j->start_time = j->end_time = -1;
    bool started = flags & J_STARTED, ended = flags & J_ENDED;
    if (started)
        j->start_time = gs_r_sv(r);
    if (ended)
        j->end_time = gs_r_sv(r);
    bool pending = j->state == GS_JOB_PENDING;
    bool running = j->state == GS_JOB_RUNNING;
    if (!r->bad &&
        (!time_ok(j->submit_time) || (pending && started) ||
         (running && !started) || ended != (j->state >= GS_JOB_COMPLETED) ||
         (started && (j->start_time < -2 * GS_TIME_MAX ||
                      j->start_time > 2 * GS_TIME_MAX)) ||
         (ended && (j->end_time < -2 * GS_TIME_MAX ||
                    j->end_time > 2 * GS_TIME_MAX))))
        gs_r_fail(r, "a job's times do not fit its state");
    if (!r->bad && started)
        j->start_time += j->submit_time;
    if (!r->bad && ended)
        j->end_time += started ? j->start_time : j->submit_time;
    j->priority = gs_r_sv(r);
    j->nice = gs_r_sv(r);
    j->time_limit = gs_r_sv(r);
    j->gpus = (uint32_t)gs_r_uv_max(r, s->topo->n_gpus, "a job's GPUs");
    j->gpus_per_node = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "gpus_per_node");
    j->min_nodes = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "min_nodes");
    j->max_nodes = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "max_nodes") - 1u;
    j->cpus_per_gpu = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "cpus_per_gpu");
    j->mem_per_gpu = gs_r_uv(r);
    j->min_gpu_memory = gs_r_uv(r);
    j->min_cc = (uint32_t)gs_r_uv_max(r, 1001000, "min_cc");
    uint64_t cv = gs_r_uv_max(r, 2 * GS_PATTERN_COUNT - 1, "comm");
    j->comm = (gs_comm_hint)(cv & 1);
    j->pattern = (uint8_t)(cv >> 1);
    /* format 4: the share of each GPU (0: whole GPUs) and the device
     * memory per GPU, as gs_sched_submit took them */
    uint8_t max_flags = c->fmt >= 5 ? 127 : c->fmt >= 4 ? 63 : 31;
    if (!r->bad && (flags & J_SHARE) && flags <= max_flags) {
        j->milli = (uint16_t)gs_r_uv_max(r, 999, "a job's GPU share");
        j->gpu_mem = gs_r_uv_max(r, (uint64_t)1 << 56, "a job's GPU memory");
        if (!r->bad && !j->milli && !j->gpu_mem)
            gs_r_fail(r, "a job's share is written but empty");
    }
    if (!r->bad && (flags & J_MIG) && flags <= max_flags) {
        size_t at_mig = r->pos;
        const char *prof = gs_r_str(r, 64, NULL);
        if (!r->bad && (!prof || j->milli ||
                        gs_mig_resolve(s, j, prof) != GS_OK)) {
            r->pos = at_mig;
            return badf(c, r, "a MIG job's profile is unknown, or no GPU "
                              "of the topology in MIG mode has it");
        }
        if (!r->bad && (j->exclusive || j->max_nodes != 1 ||
                        j->min_nodes != 1 || j->gpus > s->max_node_gpus)) {
            r->pos = at;
            return badf(c, r, "a MIG job's request is not on one node, or "
                              "is exclusive");
        }
    }
    if (r->bad)
        return bad(c, r);
    if (j->milli &&
        (j->exclusive || j->max_nodes != 1 || j->min_nodes != 1 ||
         j->gpus > s->max_node_gpus ||
         (j->gpus_per_node && j->gpus_per_node != j->gpus))) {
        r->pos = at;
        return badf(c, r, "a shared job's request is not on one node, or "
                          "is exclusive");
    }
    if (d == 0 || j->id < prev_id || j->id > s->last_id ||
        flags > max_flags ||
        (j->gpus == 0 && (j->max_nodes != 1 || j->min_nodes != 1 ||
                          j->gpus_per_node || j->milli || j->mig_slices ||
                          (!j->cpus_per_gpu && !j->mem_per_gpu))) ||
        (started && !time_ok(j->start_time)) ||
        (ended && !time_ok(j->end_time)) || j->time_limit < 0 ||
        j->time_limit > GS_TIME_MAX || j->nice < -1000000000 ||
        j->nice > 1000000000 || j->min_nodes < 1 ||
        j->min_nodes > j->max_nodes || j->mem_per_gpu > UINT64_MAX / 64 ||
        (j->gpus_per_node && j->gpus % j->gpus_per_node)) {
        r->pos = at;
        return badf(c, r, "a job's request is invalid");
    }
    uint64_t nm = gs_r_uv_max(r, gs_r_left(r), "a job's model count");
    if (nm) {
        j->models = gs_calloc((size_t)nm + 1, sizeof *j->models);
        if (!j->models)
            return gs_errf(&s->err, GS_ENOMEM, "out of memory");
        for (uint64_t i = 0; i < nm && !r->bad; i++) {
            const char *m = gs_r_str(r, GS_MAX_NAME, NULL);
            if (!r->bad && (!m || !(j->models[i] = gs_strdup(m))))
                return m ? gs_errf(&s->err, GS_ENOMEM, "out of memory")
                         : badf(c, r, "a NULL GPU model");
        }
    }
    j->n_required = (size_t)gs_r_uv_max(r, GS_MIN(gs_r_left(r), j->gpus),
                                        "a job's required GPU count");
    if (j->n_required) {
        j->required = gs_calloc(j->n_required, sizeof *j->required);
        if (!j->required)
            return gs_errf(&s->err, GS_ENOMEM, "out of memory");
        for (size_t i = 0; i < j->n_required && !r->bad; i++)
            j->required[i] = (uint32_t)gs_r_uv_max(
                r, s->topo->n_gpus - 1, "a required GPU");
    }
    const char *name = gs_r_str(r, 1u << 16, NULL);
    const char *user = string_at(c, r, gs_r_uv(r));
    const char *account = string_at(c, r, gs_r_uv(r));
    uint64_t as = gs_r_uv_max(r, c->n_assoc - 1, "a job's association");
    j->user_slot = (uint32_t)gs_r_uv_max(
        r, s->n_user_slots ? s->n_user_slots - 1 : 0, "a job's user slot");
    j->depends_on = gs_r_uv_max(r, j->id - 1, "a job's dependency");
    j->requeues = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "requeues");
    if (running) {
        int64_t cu = gs_r_sv(r);
        if (!r->bad && (cu < 0 || cu > 2 * GS_TIME_MAX))
            gs_r_fail(r, "a job's charged time is before its start");
        j->charged_until = j->start_time + cu;
    }
    const char *text = NULL;
    if (pending) {
        j->reason = (gs_pending_reason)gs_r_uv_max(r, GS_REASON_HELD,
                                                   "a pending reason");
        j->lazy = (uint8_t)gs_r_uv_max(r, LAZY_DELAY, "a reason's kind");
        j->behind = gs_r_uv(r);
        text = string_at(c, r, gs_r_uv(r));
    }
    uint8_t mask = gs_r_u8(r);
    if (!r->bad && ((!running && (mask & D_RATE)) ||
                    (!pending && (mask & (D_AGE | D_FS | D_SIZE | D_PRIO)))))
        gs_r_fail(r, "a job has values its state does not keep");
    double dv[8] = {0};
    for (int k = 0; k < 8; k++)
        if (mask & (1u << k))
            dv[k] = gs_r_f64(r);
    if (r->bad)
        return bad(c, r);
    if (!s->n_user_slots || (text && strlen(text) >= REASON_MAX)) {
        r->pos = at;
        return badf(c, r, "a job's user slot or reason is invalid");
    }
    if (user && !(j->user = gs_intern(&s->strings, user, strlen(user))))
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    if (account &&
        !(j->account = gs_intern(&s->strings, account, strlen(account))))
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    j->assoc = c->assoc_map[as];
    j->rate = dv[0];
    j->lost_gpu_seconds = dv[1];
    j->site_factor = dv[2];
    j->prio_value = dv[3];
    j->f_age = dv[4];
    j->f_fs = dv[5];
    j->f_size = dv[6];
    j->f_prio = dv[7];
    if (!(j->rate >= 0 && j->rate <= 1e300) ||
        !(j->lost_gpu_seconds >= 0 && j->lost_gpu_seconds <= 1e300) ||
        !(j->site_factor >= -GS_SITE_FACTOR_MAX &&
          j->site_factor <= GS_SITE_FACTOR_MAX)) {
        r->pos = at;
        return badf(c, r, "a job's rate or factors are invalid");
    }
    if (gs_job_buffers(s, j, name, j->state < GS_JOB_COMPLETED) != GS_OK)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    if (text)
        memcpy(j->reason_text, text, strlen(text) + 1);
    uint64_t na = gs_r_uv_max(r, j->cap_alloc, "a job's node count");
    uint64_t node = 0;
    uint32_t cpu_pos = 0, gi = 0;
    uint64_t cpu_cap = gs_job_cpu_cap(s, j);
    for (uint64_t k = 0; k < na && !r->bad; k++) {
        size_t nat = r->pos;
        node += gs_r_uv(r);
        uint64_t gpus = gs_r_uv(r);
        uint64_t runs = gs_r_uv_max(r, gs_r_left(r) / 2, "CPU runs");
        if (r->bad)
            break;
        if (node >= s->n_nodes || (k && node <= j->alloc[k - 1].node) ||
            (j->gpus ? !gpus : gpus != 0) || /* CPU-only: no GPU */
            (gpus & ~mask_all(node_type(s, (uint32_t)node)->n_gpus)) ||
            gi + mask_count(gpus) > j->gpus) {
            r->pos = nat;
            return badf(c, r, "a job's allocation is invalid");
        }
        alloc_node *a = &j->alloc[k];
        a->node = (uint32_t)node;
        a->gpus = gpus;
        /* as gs_apply_start gave it */
        a->mem = j->mem_per_gpu && node_memory(s, (uint32_t)node)
                     ? j->mem_per_gpu * (j->gpus ? mask_count(gpus) : 1)
                     : 0;
        a->cpu_off = cpu_pos;
        a->cpu_n = 0;
        for (uint64_t q = 0; q < runs && !r->bad; q++) {
            uint64_t first = gs_r_uv_max(r, UINT32_MAX, "a CPU");
            uint64_t len = gs_r_uv_max(r, cpu_cap, "a CPU run");
            if (r->bad)
                break;
            if (!len || cpu_pos + len > cpu_cap || first + len > UINT32_MAX) {
                r->pos = nat;
                return badf(c, r, "a job's CPUs are invalid");
            }
            for (uint64_t x = 0; x < len; x++)
                j->cpus[cpu_pos++] = (uint32_t)(first + x);
            a->cpu_n += (uint32_t)len;
        }
        for (gs_mask m = gpus; m; m &= m - 1)
            j->gpu_ids[gi++] =
                s->topo->nodes[node].first_gpu + mask_first(m);
        j->n_alloc++;
    }
    if (r->bad)
        return bad(c, r);
    if (j->n_alloc && gi != j->gpus) {
        r->pos = at;
        return badf(c, r, "a job's allocation does not match its GPUs");
    }
    if (started != (j->n_alloc > 0)) {
        r->pos = at;
        return badf(c, r, "a job's start and its allocation disagree");
    }
    if (j->milli && j->n_alloc > 1) {
        r->pos = at;
        return badf(c, r, "a shared job's allocation spans nodes");
    }
    /* a running MIG job's instances, put back where they were */
    for (uint32_t i = 0; running && j->mig_slices && i < j->gpus; i++) {
        size_t iat = r->pos;
        uint32_t start = (uint32_t)gs_r_uv_max(r, GS_MIG_SLOTS - 1,
                                               "a MIG instance's start");
        uint32_t fixed = (uint32_t)gs_r_uv_max(r, GS_MIG_COMPUTE_SLICES,
                                               "a MIG instance's number");
        const char *uuid = gs_r_str(r, GS_MAX_MIG_UUID, NULL);
        if (r->bad)
            return bad(c, r);
        if (!uuid || !gs_mig_restore_one(s, j, j->gpu_ids[i], start,
                                         fixed ? fixed - 1 : GS_NONE,
                                         *uuid ? uuid : NULL)) {
            r->pos = iat;
            return badf(c, r, "a MIG job's instance does not fit its GPU");
        }
    }
    return GS_OK;
}

/* Put a restored running job's allocation on the nodes, as
 * gs_apply_start does (false: it collides with what is there). */
static bool place_running(gs_sched *s, job_rec *j)
{
    for (uint32_t k = 0; k < j->n_alloc; k++) {
        const alloc_node *a = &j->alloc[k];
        node_state *ns = &s->nodes[a->node];
        if (j->mig_slices) {
            /* its instances were put back as it was read */
            if ((a->gpus & ~ns->mig) || (ns->failed & a->gpus) ||
                a->mem > ns->free_mem || ns->excl_job ||
                (a->cpu_n &&
                 (!cpu_accounted(s, a->node) ||
                  !take_cpus_exact(s, a->node, j->cpus + a->cpu_off,
                                   a->cpu_n))))
                return false;
            ns->free_mem -= a->mem;
            ns->jobs++;
            gs_sched_reindex_node(s, a->node);
            continue;
        }
        if (j->milli) {
            /* a shared job: its GPUs free or shared, never held whole,
             * each with room for its share and device memory */
            uint32_t first = s->topo->nodes[a->node].first_gpu;
            if ((ns->busy & ~ns->shared & a->gpus) ||
                (ns->failed & a->gpus) || a->mem > ns->free_mem ||
                ns->excl_job)
                return false;
            for (gs_mask m = a->gpus; m; m &= m - 1) {
                uint32_t g = first + mask_first(m);
                const gpu_share *h = &s->shr[g];
                uint64_t cap = gs_gpu_memory(s, g);
                if (h->used + j->milli > 1000 ||
                    (j->gpu_mem && cap &&
                     (h->mem > cap || cap - h->mem < j->gpu_mem)))
                    return false;
            }
            if (a->cpu_n &&
                (!cpu_accounted(s, a->node) ||
                 !take_cpus_exact(s, a->node, j->cpus + a->cpu_off,
                                  a->cpu_n)))
                return false;
            ns->free_mem -= a->mem;
            ns->busy |= a->gpus;
            ns->jobs++;
            gs_gpushare_take(s, j, a->node, a->gpus);
            gs_sched_reindex_node(s, a->node);
            continue;
        }
        if ((ns->busy & a->gpus) || (ns->failed & a->gpus) ||
            a->mem > ns->free_mem || (ns->excl_job) ||
            (j->exclusive && ns->jobs) ||
            (a->cpu_n && (!cpu_accounted(s, a->node) ||
                          !take_cpus_exact(s, a->node, j->cpus + a->cpu_off,
                                           a->cpu_n))))
            return false;
        ns->free_mem -= a->mem;
        ns->busy |= a->gpus;
        ns->jobs++;
        if (j->exclusive)
            ns->excl_job = j->id;
        for (gs_mask m = a->gpus; m; m &= m - 1)
            s->gpu_job[s->topo->nodes[a->node].first_gpu + mask_first(m)] =
                j->id;
        gs_sched_reindex_node(s, a->node);
    }
    return true;
}

static gs_status read_jobs(rd_ctx *c, gs_rbuf *r)
{
    gs_sched *s = c->s;
    /* a job takes at least 27 bytes (the fields every job has, one byte
     * or more each): a count beyond that is damage, not an allocation */
    uint64_t n = gs_r_uv_max(r, gs_r_left(r) / 27, "the job count");
    if (r->bad)
        return bad(c, r);
    if (gs_sched_reserve(s, (size_t)n + 1, 0) != GS_OK)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    uint64_t prev = 0;
    for (uint64_t i = 0; i < n; i++) {
        job_rec *j = &s->jobs[s->n_jobs];
        gs_status st = read_job(c, r, prev, j);
        if (st != GS_OK) {
            gs_job_free(j);
            return st;
        }
        if (j->gpus > s->max_job_gpus)
            s->max_job_gpus = j->gpus;
        if (j->depends_on) {
            job_rec *d = find_job(s, j->depends_on);
            if (!d && j->state < GS_JOB_COMPLETED) {
                gs_job_free(j);
                return badf(c, r, "a waiting job depends on a job not saved");
            }
            if (d && j->state < GS_JOB_COMPLETED)
                d->dependents++;
        }
        prev = j->id;
        s->n_jobs++;
        s->n_live++;
    }
    /* room for the largest request (reservations, placement output) */
    if (gs_sched_reserve(s, s->n_jobs + 1, s->max_job_gpus) != GS_OK)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    return close_section(r) ? GS_OK : bad(c, r);
}

/* A list of ids (differences) to slots, each of state `want`. */
static gs_status read_list(rd_ctx *c, gs_rbuf *r, uint32_t *out, size_t *n,
                           gs_job_state want, const char *what)
{
    gs_sched *s = c->s;
    uint64_t count = gs_r_uv_max(r, s->n_jobs, what);
    int64_t id = 0;
    for (uint64_t i = 0; i < count && !r->bad; i++) {
        id += gs_r_sv(r);
        job_rec *j = r->bad ? NULL : find_job(s, (uint64_t)id);
        if (!r->bad && (!j || j->state != want || j->run_pos == GS_NONE))
            return badf(c, r, "a list names a job that is not in its state, "
                              "or twice");
        if (!r->bad) {
            j->run_pos = GS_NONE; /* seen (set again below for running) */
            out[i] = job_slot(s, j);
        }
    }
    *n = (size_t)count;
    return r->bad ? bad(c, r) : GS_OK;
}

/* Running jobs by expected end, then slot (state.c's order). */
static int cmp_end(const void *arg, uint32_t a, uint32_t b)
{
    const gs_sched *s = arg;
    int64_t x = gs_state_end_key(&s->jobs[a]);
    int64_t y = gs_state_end_key(&s->jobs[b]);
    if (x != y)
        return x < y ? -1 : 1;
    return a < b ? -1 : a > b;
}

static gs_status read_lists(rd_ctx *c, gs_rbuf *r)
{
    gs_sched *s = c->s;
    size_t np = 0, nr = 0, pend = 0, run = 0;
    for (size_t i = 0; i < s->n_jobs; i++) {
        pend += s->jobs[i].state == GS_JOB_PENDING;
        run += s->jobs[i].state == GS_JOB_RUNNING;
    }
    gs_status st = read_list(c, r, s->pending, &np, GS_JOB_PENDING,
                             "the pending count");
    if (st == GS_OK)
        st = read_list(c, r, s->running, &nr, GS_JOB_RUNNING,
                       "the running count");
    if (st != GS_OK)
        return st;
    if (np != pend || nr != run)
        return badf(c, r, "the pending or running list leaves jobs out");
    s->n_pending = np;
    for (size_t i = 0; i < nr; i++) {
        job_rec *j = &s->jobs[s->running[i]];
        if (!place_running(s, j))
            return gs_errf(&s->err, GS_EPARSE,
                           "%s: job %llu's allocation collides with another "
                           "job's, a failed GPU or a node's capacity%s",
                           c->name, (unsigned long long)j->id,
                           j->milli ? " (or its shares of the GPUs exceed "
                                      "them)"
                                    : "");
        j->run_pos = (uint32_t)i;
        s->running[s->n_running++] = s->running[i];
        s->ends[s->n_ends++] = s->running[i];
        gs_books_count(s, j, 1);
    }
    /* the end order (gs_state_ends_insert's), sorted once */
    gs_sort_idx(s->ends, s->n_ends, cmp_end, s);
    s->ends_ver++;
    uint64_t ne = gs_r_uv_max(r, s->n_jobs, "the ended count");
    int64_t id = 0;
    for (uint64_t i = 0; i < ne && !r->bad; i++) {
        id += gs_r_sv(r);
        job_rec *j = r->bad ? NULL : find_job(s, (uint64_t)id);
        if (!r->bad && (!j || j->state < GS_JOB_COMPLETED))
            return badf(c, r, "the ended list names a job that has not "
                              "ended");
        if (!r->bad)
            s->ended[s->ended_hi++] = j->id;
    }
    s->n_ended = (size_t)ne;
    size_t ended = 0;
    for (size_t i = 0; i < s->n_jobs; i++)
        ended += s->jobs[i].state >= GS_JOB_COMPLETED;
    if (!r->bad && ended != ne)
        return badf(c, r, "the ended list leaves jobs out");
    return close_section(r) ? GS_OK : bad(c, r);
}

static gs_status read_events(rd_ctx *c, gs_rbuf *r)
{
    gs_sched *s = c->s;
    uint64_t n = gs_r_uv_max(r, gs_r_left(r) / 3, "the event count");
    if (r->bad)
        return bad(c, r);
    if (gs_sched_event_room(s, (size_t)n) != GS_OK)
        return GS_ENOMEM;
    for (uint64_t i = 0; i < n && !r->bad; i++) {
        uint8_t kind = gs_r_u8(r);
        uint64_t job = gs_r_uv(r);
        int64_t t = gs_r_sv(r);
        if (r->bad)
            break;
        job_rec *j = find_job(s, job);
        if (kind < GS_EVENT_STARTED || kind > GS_EVENT_TIMEOUT || !j ||
            !time_ok(t))
            return badf(c, r, "an event is invalid");
        s->events[s->n_events++] = (sched_event){(gs_event_kind)kind, job, t};
        j->unread++;
    }
    return close_section(r) ? GS_OK : bad(c, r);
}

/* A topology with the snapshot's nodes (names, GPU models, CPUs and
 * memory; no links): what a restore without a topology runs on. */
static gs_status topo_from_section(rd_ctx *c, gs_rbuf r, gs_topo **out)
{
    saved_kind *kinds = NULL;
    size_t nk = 0;
    gs_status st = read_kinds(c, &r, &kinds, &nk);
    if (st != GS_OK)
        return st;
    gs_topo *t = NULL;
    if (gs_topo_create(&t) != GS_OK) {
        gs_free(kinds);
        return gs_errf(&c->s->err, GS_ENOMEM, "out of memory");
    }
    uint64_t n = gs_r_uv_max(&r, gs_r_left(&r) / 3, "the node count");
    for (uint64_t i = 0; i < n && st == GS_OK && !r.bad; i++) {
        const char *name = gs_r_str(&r, 1u << 16, NULL);
        uint64_t kind = gs_r_uv_max(&r, nk ? nk - 1 : 0, "a node's kind");
        uint32_t node;
        if (r.bad || !nk)
            break;
        const saved_kind *k = &kinds[kind];
        if (!name || (st = gs_topo_add_node(t, name, &node)) != GS_OK) {
            st = st == GS_ENOMEM ? st : GS_EPARSE;
            break;
        }
        char list[32] = "";
        if (k->cpus)
            snprintf(list, sizeof list, "0-%u", k->cpus - 1);
        if ((k->cpus || k->mem) &&
            (st = gs_topo_add_numa(t, node, list, k->mem, NULL)) != GS_OK)
            break;
        for (uint32_t g = 0; g < k->gpus && st == GS_OK; g++) {
            gs_gpu_info gi = GS_GPU_INFO_INIT;
            gi.model = k->models[g];
            gi.numa = k->cpus || k->mem ? 0 : GS_NONE;
            st = gs_topo_add_gpu(t, node, &gi, NULL);
        }
    }
    gs_free(kinds);
    if (r.bad || !nk) {
        gs_topo_destroy(t);
        return r.bad ? bad(c, &r) : badf(c, &r, "no node kinds");
    }
    if (st == GS_OK && gs_topo_freeze(t) != GS_OK)
        st = GS_EPARSE;
    if (st != GS_OK) {
        gs_status e = st == GS_ENOMEM ? GS_ENOMEM : GS_EPARSE;
        gs_errf(&c->s->err, e, "%s: offset %zu: the saved nodes do not make "
                               "a topology: %s",
                c->name, r.base, gs_topo_errmsg(t));
        gs_topo_destroy(t);
        return e;
    }
    *out = t;
    return GS_OK;
}

/* Format 3's demand section (put_demand). */
static gs_status read_demand(rd_ctx *c, gs_rbuf *r)
{
    gs_sched *s = c->s;
    uint8_t mode = gs_r_u8(r), flags = gs_r_u8(r);
    if (r->bad)
        return bad(c, r);
    if (mode > GS_NUMA_IGNORE || flags > 7 || (flags & 3) > GS_LOOKAHEAD_AUTO)
        return badf(c, r, "a placement setting is out of range");
    s->numa_mode = mode;
    s->la_mode = flags & 3;
    uint64_t nh = gs_r_uv_max(r, GS_MAX_DEMAND, "demand entries");
    gs_demand_entry e[GS_MAX_DEMAND];
    for (uint64_t i = 0; i < nh && !r->bad; i++) {
        e[i].gpus = (uint32_t)gs_r_uv_max(r, 64, "demand GPUs");
        e[i].pattern = (gs_comm_pattern)gs_r_uv_max(r, GS_PATTERN_COUNT - 1,
                                                   "demand pattern");
        e[i].weight = gs_r_f64(r);
    }
    if (r->bad)
        return bad(c, r);
    if ((flags & 4) && nh == 0)
        return badf(c, r, "a host demand without entries");
    if ((flags & 4) && gs_demand_apply(s, e, (size_t)nh) != GS_OK)
        return badf(c, r, "a host demand entry is out of range");
    uint64_t nz = gs_r_uv_max(r, DEMAND_SLOTS, "demand counts");
    for (uint64_t i = 0; i < nz && !r->bad; i++) {
        uint64_t slot = gs_r_uv_max(r, DEMAND_SLOTS - 1,
                                    "demand slot");
        double v = gs_r_f64(r);
        if (!r->bad && (!(v > 0) || !isfinite(v) || v > 1e300))
            return badf(c, r, "a demand count is out of range");
        if (!r->bad)
            s->demand_cnt[slot] = v;
    }
    double unit = gs_r_f64(r);
    if (!r->bad && (!(unit >= 1) || !isfinite(unit) || unit > 1e300))
        return badf(c, r, "the demand unit is out of range");
    s->demand_unit = unit;
    la_profile lp;
    memset(&lp, 0, sizeof lp);
    lp.n = (uint32_t)gs_r_uv_max(r, GS_MAX_DEMAND, "profile entries");
    for (uint32_t i = 0; i < lp.n && !r->bad; i++) {
        lp.k[i] = (uint32_t)gs_r_uv_max(r, 64, "profile GPUs");
        lp.p[i] = (uint8_t)gs_r_uv_max(r, GS_PATTERN_COUNT - 1,
                                       "profile pattern");
        lp.w[i] = (uint32_t)gs_r_uv_max(r, 64, "profile weight");
        if (!r->bad && (!lp.k[i] || !lp.w[i]))
            return badf(c, r, "a profile entry is out of range");
    }
    uint64_t epoch = gs_r_uv_max(r, UINT32_MAX, "profile epoch");
    if (r->bad)
        return bad(c, r);
    s->la_prof = lp;
    s->la_epoch = (uint32_t)epoch;
    if (!close_section(r))
        return bad(c, r);
    return GS_OK;
}

/* A class of the job mix or a learned kind: GPUs and share in range, a
 * shared kind on one node. */
static bool frag_kind_ok(const gs_sched *s, uint64_t gpus, uint64_t milli)
{
    return gpus >= 1 && gpus <= 64 && milli >= 1 && milli <= 1000 &&
           !(milli < 1000 && gpus > 1 && gpus > s->max_node_gpus);
}

static bool frag_sum_ok(double v)
{
    return v >= 0 && isfinite(v) && v <= 1e300;
}

/* Format 4's job mix (put_frag), read back as it was. */
static gs_status read_frag(rd_ctx *c, gs_rbuf *r)
{
    gs_sched *s = c->s;
    struct frag_state *f = s->frag;
    uint8_t host = gs_r_u8(r);
    if (!r->bad && host > 1)
        return badf(c, r, "the job mix's host flag is out of range");
    uint64_t nl = gs_r_uv_max(r, FRAG_LEARN, "learned job kinds");
    frag_learn learn[FRAG_LEARN];
    for (uint64_t i = 0; i < nl && !r->bad; i++) {
        size_t at = r->pos;
        uint64_t gpus = gs_r_uv_max(r, 64, "a learned kind's GPUs");
        uint64_t milli = gs_r_uv_max(r, 1000, "a learned kind's share");
        double cnt = gs_r_f64(r), cpus = gs_r_f64(r), mem = gs_r_f64(r);
        if (r->bad)
            break;
        if (!frag_kind_ok(s, gpus, milli) || !frag_sum_ok(cnt) ||
            !frag_sum_ok(cpus) || !frag_sum_ok(mem)) {
            r->pos = at;
            return badf(c, r, "a learned job kind is out of range");
        }
        for (uint64_t k = 0; k < i; k++)
            if (learn[k].gpus == gpus && learn[k].milli == milli) {
                r->pos = at;
                return badf(c, r, "a learned job kind repeats");
            }
        learn[i] = (frag_learn){(uint32_t)gpus, (uint32_t)milli, cnt, cpus,
                                mem};
    }
    double unit = gs_r_f64(r);
    if (!r->bad && (!(unit >= 1) || !isfinite(unit) || unit > 1e300))
        return badf(c, r, "the job mix's unit is out of range");
    uint64_t since = gs_r_uv_max(r, UINT32_MAX, "submissions since the mix");
    uint64_t n = gs_r_uv_max(r, GS_MAX_FRAG_CLASSES, "job mix classes");
    frag_cls cls[GS_MAX_FRAG_CLASSES];
    for (uint64_t i = 0; i < n && !r->bad; i++) {
        size_t at = r->pos;
        uint64_t gpus = gs_r_uv_max(r, 64, "a class's GPUs");
        uint64_t milli = gs_r_uv_max(r, 1000, "a class's share");
        uint64_t cpus = gs_r_uv_max(r, UINT32_MAX, "a class's CPUs");
        uint64_t mem = gs_r_uv(r);
        double w = gs_r_f64(r);
        if (r->bad)
            break;
        /* weights are shares of the mix: above 0, at most 1 */
        if (!frag_kind_ok(s, gpus, milli) || !(w > 0) || !(w <= 1)) {
            r->pos = at;
            return badf(c, r, "a job mix class is out of range");
        }
        cls[i] = (frag_cls){(uint32_t)gpus, (uint32_t)milli, (uint32_t)cpus,
                            mem, w};
    }
    uint64_t epoch = gs_r_uv_max(r, UINT32_MAX, "the job mix's epoch");
    if (r->bad)
        return bad(c, r);
    if (host && n == 0)
        return badf(c, r, "a host job mix without classes");
    if (!close_section(r))
        return bad(c, r);
    f->host = host != 0;
    f->n_learn = (uint32_t)nl;
    memcpy(f->learn, learn, (size_t)nl * sizeof *learn);
    f->unit = unit;
    f->since = (uint32_t)since;
    f->n = (uint32_t)n;
    memcpy(f->cls, cls, (size_t)n * sizeof *cls);
    f->epoch = (uint32_t)epoch;
    return GS_OK;
}

/* Format 2's extra section: settings, partitions, job fields. */
static gs_status read_extra(rd_ctx *c, gs_rbuf *r)
{
    gs_sched *s = c->s;
    uint64_t cpus = gs_r_uv_max(r, UINT32_MAX, "default CPUs per GPU");
    uint64_t mem = gs_r_uv_max(r, (uint64_t)GS_TIME_MAX, "default memory");
    uint8_t au = gs_r_u8(r);
    int64_t grace = gs_r_sv(r);
    if (r->bad)
        return bad(c, r);
    if (au > 1 || grace < 0 || grace > GS_TIME_MAX)
        return badf(c, r, "a setting is out of range");
    s->def_cpus_per_gpu = (uint32_t)cpus;
    s->def_mem_per_gpu = mem;
    s->auto_accounts = au != 0;
    s->timeout_grace = grace;
    uint64_t np = gs_r_uv_max(r, GS_MAX_PARTITIONS, "the partition count");
    for (uint64_t p = 0; p < np && !r->bad; p++) {
        gs_partition_spec ps;
        gs_partition_spec_init(&ps);
        ps.name = gs_r_str(r, 65, NULL);
        ps.is_default = gs_r_u8(r) != 0;
        ps.max_gpus_per_job = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "a limit");
        ps.max_gpus_per_user = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "a limit");
        ps.default_time = gs_r_sv(r);
        ps.max_time = gs_r_sv(r);
        ps.priority_tier = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "a tier");
        uint64_t pre = gs_r_uv(r);
        ps.def_cpus_per_gpu = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "CPUs");
        ps.def_mem_per_gpu = gs_r_uv_max(r, (uint64_t)GS_TIME_MAX, "memory");
        uint64_t nn = gs_r_uv_max(r, s->n_nodes, "a partition's node count");
        if (r->bad)
            break;
        if (!ps.name || !*ps.name || ps.default_time < 0 ||
            ps.default_time > GS_TIME_MAX || ps.max_time < 0 ||
            ps.max_time > GS_TIME_MAX ||
            (np < 64 && (pre >> np) != 0))
            return badf(c, r, "a partition holds a value out of range");
        for (uint32_t q = 0; q < s->n_parts; q++)
            if (strcmp(s->parts[q].name, ps.name) == 0)
                return badf(c, r, "a partition is named twice");
        uint32_t *list = s->scratch_nodes2;
        uint64_t at = 0;
        for (uint64_t i = 0; i < nn && !r->bad; i++) {
            uint64_t d = gs_r_uv_max(r, s->n_nodes, "a node");
            at += d;
            if ((i && d == 0) || at >= s->n_nodes)
                return badf(c, r, "a partition's nodes are out of order");
            list[i] = (uint32_t)at;
        }
        if (r->bad)
            break;
        gs_status st = gs_part_add(s, &ps, pre, list, (uint32_t)nn);
        if (st != GS_OK)
            return st;
    }
    uint64_t na = gs_r_uv_max(r, c->n_assoc, "the automatic associations");
    for (uint64_t i = 0; i < na && !r->bad; i++) {
        uint64_t a = gs_r_uv_max(r, c->n_assoc ? c->n_assoc - 1 : 0,
                                 "an association");
        if (r->bad)
            break;
        uint32_t m = c->assoc_map[a];
        if (m >= s->cap_assoc_auto) {
            size_t cap = GS_MAX((size_t)m + 1, s->share->n);
            uint8_t *v = gs_realloc(s->assoc_auto, cap);
            if (!v)
                return gs_errf(&s->err, GS_ENOMEM, "out of memory");
            memset(v + s->cap_assoc_auto, 0, cap - s->cap_assoc_auto);
            s->assoc_auto = v;
            s->cap_assoc_auto = cap;
        }
        s->assoc_auto[m] |= ASSOC_AUTO;
    }
    uint64_t nj = gs_r_uv_max(r, gs_r_left(r) / 5, "the job count");
    uint64_t id = 0;
    for (uint64_t i = 0; i < nj && !r->bad; i++) {
        id += gs_r_uv(r);
        uint64_t parts = gs_r_uv(r);
        uint8_t part = gs_r_u8(r), f = gs_r_u8(r);
        uint64_t len = gs_r_uv_max(r, 4096, "a constraint's length");
        const uint8_t *text = gs_r_bytes(r, (size_t)len);
        if (r->bad)
            break;
        job_rec *j = find_job(s, id);
        if (!j || f > 31 || (s->n_parts < 64 && (parts >> s->n_parts)) ||
            (part != GS_NONE8 && part >= s->n_parts))
            return badf(c, r, "a job's partitions or flags are invalid");
        j->parts = parts;
        j->part = part;
        j->held = f & 1;
        j->timed_out = (f & 2) != 0;
        j->auto_nodes = (f & 4) != 0;
        j->allow_split = (f & 8) != 0;
        j->any_model = (f & 16) != 0;
        j->tier = 0;
        for (uint32_t p = 0; p < s->n_parts; p++)
            if (((parts >> p) & 1) && s->parts[p].tier > j->tier)
                j->tier = s->parts[p].tier;
        if (len && !s->own_topo) {
            char buf[4097];
            memcpy(buf, text, (size_t)len);
            buf[len] = '\0';
            gs_err e;
            gs_err_clear(&e);
            gs_status st = gs_constraint_compile(s->topo, buf, &j->cons, &e);
            if (st != GS_OK)
                return gs_errf(&s->err,
                               st == GS_ENOMEM ? GS_ENOMEM : GS_EPARSE,
                               "%s: job %llu: constraint: %s", c->name,
                               (unsigned long long)id, e.msg);
        }
        if (j->state == GS_JOB_RUNNING)
            gs_part_count(s, j, 1);
    }
    return close_section(r) ? GS_OK : bad(c, r);
}

static gs_status decode(rd_ctx *c, const gs_topo *topo,
                        const gs_restore_options *o, const uint8_t *p,
                        size_t n)
{
    gs_sched *s = c->s;
    uint32_t fmt = 0;
    gs_status st =
        check_header(p, n, c->name, &s->err, &fmt);
    if (st != GS_OK)
        return st;
    c->fmt = fmt;
    gs_rbuf all, sec;
    gs_r_init(&all, p + HEADER_SIZE, n - HEADER_SIZE - 4, HEADER_SIZE);
    /* meta */
    if (!open_section(&all, SEC_META, &sec))
        return bad(c, &all);
    uint64_t seq = gs_r_uv(&sec), last_id = gs_r_uv(&sec);
    int64_t clock = gs_r_sv(&sec), max_submit = gs_r_sv(&sec);
    gs_r_str(&sec, 256, NULL);
    if (!close_section(&sec))
        return bad(c, &sec);
    if ((clock != INT64_MIN && !time_ok(clock)) ||
        (max_submit != INT64_MIN && !time_ok(max_submit)) ||
        last_id > UINT64_MAX / 2)
        return badf(c, &sec, "the clock or the id counter is out of range");
    /* the topology must match before anything is made on it */
    gs_rbuf topo_sec, cfg_sec;
    if (!open_section(&all, SEC_TOPO, &topo_sec) ||
        !open_section(&all, SEC_CONFIG, &cfg_sec))
        return bad(c, &all);
    saved_config sc;
    if ((st = read_config(c, &cfg_sec, &sc)) != GS_OK)
        return st;
    gs_topo *own = NULL;
    if (!topo) {
        if ((st = topo_from_section(c, topo_sec, &own)) != GS_OK)
            return st;
        topo = own;
    }
    /* the scheduler, made as the saved one was */
    sc.cfg.share = o->share;
    gs_sched *made = NULL;
    st = gs_sched_create(&made, topo, &sc.cfg);
    if (st != GS_OK) {
        gs_errf(&s->err, st, "%s: %s", c->name, gs_sched_errmsg(made));
        gs_sched_destroy(made);
        gs_topo_destroy(own);
        return st;
    }
    made->own_topo = own;
    /* the handle the caller gets is `made`: swap the error holder */
    gs_err err = s->err;
    gs_sched_destroy(s);
    c->s = s = made;
    s->err = err;
    if ((st = read_topo(c, &topo_sec)) != GS_OK ||
        (st = apply_config(c, &sc)) != GS_OK)
        return st;
    s->seq = seq;
    s->last_id = last_id;
    s->clock = clock;
    s->max_submit = max_submit;
    /* accounts */
    if (!open_section(&all, SEC_SHARE, &sec))
        return bad(c, &all);
    size_t cap_map = gs_r_left(&sec) / 84 + 1;
    c->assoc_map = gs_calloc(cap_map, sizeof *c->assoc_map);
    if (!c->assoc_map)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    st = gs_share_decode(s->share, &sec, s->own_share, c->assoc_map, cap_map,
                         &c->n_assoc, &s->err);
    if (st == GS_EPARSE)
        return bad(c, &sec);
    if (st != GS_OK) {
        char msg[GS_ERRMSG_MAX];
        snprintf(msg, sizeof msg, "%s", s->err.msg);
        return gs_errf(&s->err, st, "%s: %s", c->name, msg);
    }
    if (!close_section(&sec))
        return bad(c, &sec);
    if (gs_books_grow_accounts(s) != GS_OK)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    if (!open_section(&all, SEC_LIMITS, &sec))
        return bad(c, &all);
    if ((st = read_limits(c, &sec)) != GS_OK)
        return st;
    if (!open_section(&all, SEC_NODES, &sec))
        return bad(c, &all);
    if ((st = read_nodes(c, &sec)) != GS_OK)
        return st;
    if (!open_section(&all, SEC_STRINGS, &sec))
        return bad(c, &all);
    if ((st = read_strings(c, &sec)) != GS_OK)
        return st;
    if (!open_section(&all, SEC_JOBS, &sec))
        return bad(c, &all);
    if ((st = read_jobs(c, &sec)) != GS_OK)
        return st;
    if (!open_section(&all, SEC_LISTS, &sec))
        return bad(c, &all);
    if ((st = read_lists(c, &sec)) != GS_OK)
        return st;
    if (!open_section(&all, SEC_EVENTS, &sec))
        return bad(c, &all);
    if ((st = read_events(c, &sec)) != GS_OK)
        return st;
    if (fmt >= 2) {
        if (!open_section(&all, SEC_EXTRA, &sec))
            return bad(c, &all);
        if ((st = read_extra(c, &sec)) != GS_OK)
            return st;
    }
    if (fmt >= 3) {
        if (!open_section(&all, SEC_DEMAND, &sec))
            return bad(c, &all);
        if ((st = read_demand(c, &sec)) != GS_OK)
            return st;
    } else {
        /* formats 1 and 2 were written before the look-ahead: their
         * decisions are kept as they were made */
        s->la_mode = GS_LOOKAHEAD_OFF;
    }
    if (fmt >= 4) {
        if (!open_section(&all, SEC_FRAG, &sec))
            return bad(c, &all);
        if ((st = read_frag(c, &sec)) != GS_OK)
            return st;
    }
    if (fmt >= 5) {
        if (!open_section(&all, SEC_MIG, &sec))
            return bad(c, &all);
        double mix[GS_MIG_MIX_LEN];
        for (size_t i = 0; i < GS_ARRAY_LEN(mix); i++) {
            mix[i] = gs_r_f64(&sec);
            /* counts and weights: finite, >= 0, each count below the
             * decayed sum's bound (1024 / (1 - 2^(-1/1024)) < 2^21) */
            if (!sec.bad && !(mix[i] >= 0 && mix[i] <= 4194304.0))
                gs_r_fail(&sec, "a MIG mix value is out of range");
        }
        if (!sec.bad && mix[GS_MIG_MIX_LEN - 1] >= 64)
            gs_r_fail(&sec, "a MIG mix value is out of range");
        if (sec.bad || !close_section(&sec))
            return bad(c, &sec);
        gs_mig_mix_set(s, mix);
    }
    /* before format 4 every job took whole GPUs (read_job left them so)
     * and nothing was learned of the job mix: it starts empty */
    if (fmt < 2) {
        /* format 1 keeps the behaviour of its time: accounts were made as
         * jobs named them, and a job's GPUs could be of any model */
        s->auto_accounts = true;
        for (size_t i = 0; i < s->n_jobs; i++)
            s->jobs[i].any_model = true;
    }
    if (!open_section(&all, SEC_END, &sec) || !close_section(&sec))
        return bad(c, all.bad ? &all : &sec);
    if (gs_r_left(&all))
        return badf(c, &all, "bytes after the end section");
    /* the policies see the running jobs, as if they had just started */
    for (size_t i = 0; i < s->n_running; i++) {
        const job_rec *j = &s->jobs[s->running[i]];
        if (s->policy->job_started)
            s->policy->job_started(s->policy_state, j->id, j->gpu_ids,
                                   j->gpus);
        if (s->ordering->job_started)
            s->ordering->job_started(s->ordering_state, j->id,
                                     j->start_time);
    }
    /* whatever slipped through the checks above is caught here */
    if ((st = gs_sched_check(s)) != GS_OK) {
        char msg[GS_ERRMSG_MAX];
        snprintf(msg, sizeof msg, "%s", s->err.msg);
        return gs_errf(&s->err, GS_EPARSE, "%s: inconsistent snapshot: %s",
                       c->name, msg);
    }
    gs_err_clear(&s->err);
    return GS_OK;
}

GS_API gs_status gs_sched_restore_buffer(gs_sched **out, const gs_topo *topo,
                                         const gs_restore_options *opt,
                                         const void *data, size_t size)
{
    if (!out)
        return GS_EINVAL;
    *out = NULL;
    gs_sched *s = gs_calloc(1, sizeof *s);
    if (!s)
        return GS_ENOMEM;
    gs_restore_options o = GS_RESTORE_OPTIONS_INIT;
    if (opt) {
        if (opt->struct_size < sizeof(uint32_t) + sizeof(void *)) {
            *out = s;
            return gs_errf(&s->err, GS_EINVAL,
                           "restore options: struct_size is too small");
        }
        memcpy(&o, opt, GS_MIN((size_t)opt->struct_size, sizeof o));
    }
    rd_ctx c = {s, o.name ? o.name : "<snapshot>", NULL, 0, NULL, 0, 0};
    gs_status st;
    if (topo && !topo->frozen)
        st = gs_errf(&s->err, GS_ENOTFROZEN,
                     "restore: the topology must be frozen");
    else if (!data && size)
        st = gs_errf(&s->err, GS_EINVAL, "restore: no data");
    else if (size > (o.max_bytes ? o.max_bytes : GS_STATE_MAX_BYTES))
        st = gs_errf(&s->err, GS_ERANGE,
                     "%s: %zu bytes, more than the %llu allowed", c.name,
                     size,
                     (unsigned long long)(o.max_bytes ? o.max_bytes
                                                      : GS_STATE_MAX_BYTES));
    else
        st = decode(&c, topo, &o, data, size);
    gs_free(c.strings);
    gs_free(c.assoc_map);
    s = c.s;
    if (st != GS_OK && s->ready) {
        /* a failed restore hands back a handle that only holds the error */
        gs_sched *e = gs_durable_error_handle(&s->err);
        gs_sched_destroy(s);
        s = e;
        if (!s)
            return st;
    }
    *out = s;
    return st;
}

/* Read everything from a reader, up to max bytes. */
gs_status gs_read_all(gs_read_fn read, void *ud, uint64_t max, uint8_t **data,
                      size_t *size, gs_err *err, const char *name)
{
    size_t n = 0, cap = 0;
    uint8_t *p = NULL;
    for (;;) {
        if (cap - n < 65536) {
            size_t ncap = cap ? cap * 2 : 65536;
            if (ncap > max + 65536)
                ncap = (size_t)max + 65536;
            if (ncap <= n) {
                gs_free(p);
                return gs_errf(err, GS_ERANGE,
                               "%s: more than the %llu bytes allowed", name,
                               (unsigned long long)max);
            }
            uint8_t *q = gs_realloc(p, ncap);
            if (!q) {
                gs_free(p);
                return gs_errf(err, GS_ENOMEM, "out of memory");
            }
            p = q;
            cap = ncap;
        }
        size_t got = 0;
        gs_status st = read(ud, p + n, cap - n, &got);
        if (st != GS_OK) {
            gs_free(p);
            return gs_errf(err, st, "%s: the reader failed (%s)", name,
                           gs_strerror(st));
        }
        if (got > cap - n) {
            gs_free(p);
            return gs_errf(err, GS_EINVAL, "%s: the reader returned more "
                                           "than asked", name);
        }
        if (!got)
            break;
        n += got;
        if (n > max) {
            gs_free(p);
            return gs_errf(err, GS_ERANGE,
                           "%s: more than the %llu bytes allowed", name,
                           (unsigned long long)max);
        }
    }
    *data = p;
    *size = n;
    return GS_OK;
}

gs_sched *gs_durable_error_handle(const gs_err *err)
{
    gs_sched *s = gs_calloc(1, sizeof *s);
    if (s)
        s->err = *err;
    return s;
}

GS_API gs_status gs_sched_restore(gs_sched **out, const gs_topo *topo,
                                  const gs_restore_options *opt,
                                  gs_read_fn read, void *user_data)
{
    if (!out)
        return GS_EINVAL;
    *out = NULL;
    gs_err err = {0};
    if (!read) {
        gs_errf(&err, GS_EINVAL, "restore: no reader given");
        *out = gs_durable_error_handle(&err);
        return GS_EINVAL;
    }
    uint64_t max = GS_STATE_MAX_BYTES;
    const char *name = "<snapshot>";
    if (opt && opt->struct_size >= sizeof *opt) {
        if (opt->max_bytes)
            max = opt->max_bytes;
        if (opt->name)
            name = opt->name;
    }
    uint8_t *data = NULL;
    size_t size = 0;
    gs_status st = gs_read_all(read, user_data, max, &data, &size, &err, name);
    if (st != GS_OK) {
        *out = gs_durable_error_handle(&err);
        return st;
    }
    st = gs_sched_restore_buffer(out, topo, opt, data, size);
    gs_free(data);
    return st;
}

GS_API gs_status gs_sched_restore_file(gs_sched **out, const gs_topo *topo,
                                       const gs_restore_options *opt,
                                       const char *path)
{
    if (!out)
        return GS_EINVAL;
    *out = NULL;
    gs_err err = {0};
    if (!path) {
        gs_errf(&err, GS_EINVAL, "restore_file: no path given");
        *out = gs_durable_error_handle(&err);
        return GS_EINVAL;
    }
    uint64_t max = GS_STATE_MAX_BYTES;
    if (opt && opt->struct_size >= sizeof *opt && opt->max_bytes)
        max = opt->max_bytes;
    char *data = NULL;
    size_t size = 0;
    gs_status st = gs_read_file(path, &data, &size, max, &err);
    if (st != GS_OK) {
        *out = gs_durable_error_handle(&err);
        return st;
    }
    gs_restore_options o = GS_RESTORE_OPTIONS_INIT;
    if (opt)
        memcpy(&o, opt, GS_MIN((size_t)opt->struct_size, sizeof o));
    o.struct_size = sizeof o;
    if (!o.name)
        o.name = path;
    st = gs_sched_restore_buffer(out, topo, &o, data, size);
    gs_free(data);
    return st;
}
