/*
 * The apply stage: the only code that changes jobs, the running list,
 * the limit counters and the events. It carries out what the plan stage
 * decided (start, preempt, requeue, a reason) and what the host says
 * (a job ended).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/apply.h"
#include "sched/books.h"
#include "sched/state.h"

#include <stdio.h>
#include <string.h>

void gs_apply_emit(gs_sched *s, gs_event_kind kind, job_rec *j, int64_t now)
{
    /* the caller made room (gs_sched_event_room) */
    if (s->n_events < s->cap_events) {
        s->events[(s->ev_head + s->n_events) % s->cap_events] =
            (sched_event){kind, j->id, now};
        s->n_events++;
        j->unread++;
    }
}

/* Take the GPUs the policy chose (already validated) for job j. */
void gs_apply_start(gs_sched *s, job_rec *j, const uint32_t *gpus,
                    int64_t now)
{
    const gs_topo *t = s->topo;
    gs_bf_settle(s); /* the real state changes */
    /* group by node: mark each node's mask in node_mask (zeroed after) */
    uint32_t nn = 0;
    uint32_t *touched = s->scratch_nodes2;
    if (!j->gpus) /* a CPU-only job: gpus[0] is its node (ask.c) */
        touched[nn++] = gpus[0];
    for (uint32_t i = 0; i < j->gpus; i++) {
        uint32_t node = t->gpu_node[gpus[i]];
        if (!s->node_mask[node])
            touched[nn++] = node;
        s->node_mask[node] |= (gs_mask)1 << (gpus[i] - t->nodes[node].first_gpu);
    }
    /* insertion sort: few nodes, and no allocation on this path */
    for (uint32_t i = 1; i < nn; i++) {
        uint32_t v = touched[i], k = i;
        while (k > 0 && touched[k - 1] > v) {
            touched[k] = touched[k - 1];
            k--;
        }
        touched[k] = v;
    }
    uint32_t cpu_pos = 0, gi = 0;
    j->n_alloc = 0;
    for (uint32_t i = 0; i < nn; i++) {
        uint32_t node = touched[i];
        node_state *ns = &s->nodes[node];
        gs_mask set = s->node_mask[node];
        s->node_mask[node] = 0;
        alloc_node *a = &j->alloc[j->n_alloc++];
        a->node = node;
        a->gpus = set;
        a->cpu_off = cpu_pos;
        a->cpu_n = 0;
        if (j->cpus_per_gpu && cpu_accounted(s, node))
            a->cpu_n = j->gpus ? gs_state_take_cpus(s, node, set,
                                                    j->cpus_per_gpu,
                                                    j->cpus + cpu_pos)
                               : gs_state_take_cpus_n(s, node,
                                                      j->cpus_per_gpu,
                                                      j->cpus + cpu_pos);
        cpu_pos += a->cpu_n;
        a->mem = 0;
        if (j->mem_per_gpu && node_memory(s, node)) {
            a->mem = j->mem_per_gpu * (j->gpus ? mask_count(set) : 1);
            ns->free_mem -= a->mem;
        }
        if (j->mig_slices)
            gs_mig_take(s, j, node, set, false); /* MIG GPUs are never busy */
        else
            ns->busy |= set;
        ns->jobs++;
        if (j->exclusive)
            ns->excl_job = j->id;
        if (j->milli)
            gs_gpushare_take(s, j, node, set);
        for (gs_mask m = set; m; m &= m - 1) {
            uint32_t g = t->nodes[node].first_gpu + mask_first(m);
            if (job_whole(j))
                s->gpu_job[g] = j->id;
            j->gpu_ids[gi++] = g;
        }
        gs_sched_reindex_node(s, node);
    }
    j->state = GS_JOB_RUNNING;
    j->reason = GS_REASON_NONE;
    j->reason_text[0] = '\0';
    j->lazy = LAZY_NONE;
    j->start_time = now;
    j->charged_until = now;
    j->rate = gs_books_rate(s, j);
    j->run_pos = (uint32_t)s->n_running;
    s->running[s->n_running++] = job_slot(s, j);
    gs_state_ends_insert(s, job_slot(s, j));
    gs_bf_memo_event(s, j, now, true);
    gs_books_count(s, j, 1);
    j->part = gs_part_of_alloc(s, j);
    gs_part_count(s, j, 1);
    gs_apply_emit(s, GS_EVENT_STARTED, j, now);
    if (s->policy->job_started && j->gpus) /* policies place GPUs */
        s->policy->job_started(s->policy_state, j->id, j->gpu_ids, j->gpus);
    if (s->ordering->job_started)
        s->ordering->job_started(s->ordering_state, j->id, now);
}

void gs_apply_release(gs_sched *s, job_rec *j, int64_t now)
{
    /* usage up to now, limit counters, the running list */
    gs_books_charge_job(s, j, now);
    gs_books_count(s, j, -1);
    gs_part_count(s, j, -1);
    uint32_t last = s->running[--s->n_running];
    gs_state_ends_remove(s, job_slot(s, j));
    s->running[j->run_pos] = last;
    s->jobs[last].run_pos = j->run_pos;
    for (uint32_t i = 0; i < j->n_alloc; i++) {
        alloc_node *a = &j->alloc[i];
        node_state *ns = &s->nodes[a->node];
        if (j->mig_slices)
            gs_mig_give(s, j, a->node, a->gpus, false);
        else
            ns->busy &= ~(j->milli ? gs_gpushare_give(s, j, a->node, a->gpus)
                                   : a->gpus);
        ns->jobs--;
        if (ns->excl_job == j->id)
            ns->excl_job = 0;
        if (a->cpu_n)
            gs_state_give_cpus(s, a->node, j->cpus + a->cpu_off, a->cpu_n);
        ns->free_mem += a->mem;
        for (gs_mask m = job_whole(j) ? a->gpus : 0; m; m &= m - 1)
            s->gpu_job[s->topo->nodes[a->node].first_gpu + mask_first(m)] = 0;
        gs_sched_reindex_node(s, a->node);
    }
    gs_bf_memo_event(s, j, now, false);
    if (s->policy->job_ended && j->gpus)
        s->policy->job_ended(s->policy_state, j->id, j->gpu_ids, j->gpus);
    if (s->ordering->job_ended)
        s->ordering->job_ended(s->ordering_state, j->id, now);
}

/* A preempted job goes back to the queue (after the current step's loop). */
static void requeue(gs_sched *s, job_rec *j)
{
    j->state = GS_JOB_PENDING;
    j->start_time = -1;
    j->n_alloc = 0;
    j->requeues++;
    j->reason = GS_REASON_NONE;
    j->reason_text[0] = '\0';
    j->lazy = LAZY_NONE;
    j->behind = 0;
    /* its value and factors are made again by the next step (those of
     * its earlier wait are not kept: snapshots leave them out) */
    j->prio_value = j->f_age = j->f_fs = j->f_size = j->f_prio = 0;
    s->requeued[s->n_requeued++] = job_slot(s, j);
}

void gs_apply_preempt(gs_sched *s, const gs_plan *p, int64_t now)
{
    gs_bf_settle(s); /* the real state changes */
    for (size_t i = 0; i < p->n_victims; i++) {
        if (p->victims[i] == GS_NONE)
            continue;
        job_rec *v = &s->jobs[p->victims[i]];
        double lost = gs_lost_work(v, now);
        gs_apply_release(s, v, now);
        v->lost_gpu_seconds += lost;
        gs_apply_emit(s, GS_EVENT_PREEMPTED, v, now);
        if (s->preempt == GS_PREEMPT_REQUEUE) {
            requeue(s, v);
            gs_apply_emit(s, GS_EVENT_REQUEUED, v, now);
        } else {
            v->state = GS_JOB_PREEMPTED;
            v->end_time = now;
            gs_sched_job_ended(s, v);
        }
    }
}

void gs_apply_remove_pending(gs_sched *s, const job_rec *j)
{
    uint32_t idx = job_slot(s, j);
    for (size_t i = 0; i < s->n_pending; i++)
        if (s->pending[i] == idx) {
            memmove(s->pending + i, s->pending + i + 1,
                    (s->n_pending - i - 1) * sizeof *s->pending);
            s->n_pending--;
            return;
        }
}
