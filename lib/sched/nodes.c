/*
 * Nodes and GPUs as the host changes them (drains, failures, repairs) and
 * their free counts.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/apply.h"
#include "sched/state.h"

#include <string.h>

static bool gpu_at(gs_sched *s, uint32_t gpu, uint32_t *node, gs_mask *bit,
                   const char *what)
{
    if (!gs_sched_ready(s))
        return false;
    if (gpu >= s->topo->n_gpus) {
        gs_errf(&s->err, GS_EINVAL, "%s: no GPU %u (the cluster has %u)",
                what, gpu, s->topo->n_gpus);
        return false;
    }
    *node = s->topo->gpu_node[gpu];
    *bit = (gs_mask)1 << (gpu - s->topo->nodes[*node].first_gpu);
    return true;
}

/* Is node a node of s? If not, say so in s's message. */
static bool node_at(gs_sched *s, uint32_t node, const char *what)
{
    if (!gs_sched_ready(s))
        return false;
    if (node >= s->n_nodes) {
        gs_errf(&s->err, GS_EINVAL, "%s: no node %u (the cluster has %u)",
                what, node, s->n_nodes);
        return false;
    }
    return true;
}

GS_API gs_status gs_sched_drain_node(gs_sched *s, uint32_t node)
{
    if (!node_at(s, node, "drain_node"))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    s->nodes[node].drained_node = true;
    gs_sched_reindex_node(s, node);
    gs_jr_rec r = {.kind = GS_JR_DRAIN_NODE};
    r.a = node;
    return gs_jr_done(s, &r);
}

GS_API gs_status gs_sched_resume_node(gs_sched *s, uint32_t node)
{
    if (!node_at(s, node, "resume_node"))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    s->nodes[node].drained_node = false;
    gs_sched_reindex_node(s, node);
    gs_jr_rec r = {.kind = GS_JR_RESUME_NODE};
    r.a = node;
    return gs_jr_done(s, &r);
}

GS_API gs_status gs_sched_drain_gpu(gs_sched *s, uint32_t gpu)
{
    uint32_t node;
    gs_mask bit;
    if (!gpu_at(s, gpu, &node, &bit, "drain_gpu"))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    s->nodes[node].drained |= bit;
    gs_sched_reindex_node(s, node);
    gs_jr_rec r = {.kind = GS_JR_DRAIN_GPU};
    r.a = gpu;
    return gs_jr_done(s, &r);
}

GS_API gs_status gs_sched_resume_gpu(gs_sched *s, uint32_t gpu)
{
    uint32_t node;
    gs_mask bit;
    if (!gpu_at(s, gpu, &node, &bit, "resume_gpu"))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    s->nodes[node].drained &= ~bit;
    gs_sched_reindex_node(s, node);
    gs_jr_rec r = {.kind = GS_JR_RESUME_GPU};
    r.a = gpu;
    return gs_jr_done(s, &r);
}

GS_API gs_status gs_sched_fail_gpu(gs_sched *s, uint32_t gpu, int64_t now,
                                   uint64_t *job)
{
    uint32_t node;
    gs_mask bit;
    if (job)
        *job = 0;
    if (!gpu_at(s, gpu, &node, &bit, "fail_gpu"))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    gs_status st = gs_sched_now_arg(s, now);
    /* a MIG GPU holds at most 7 instances */
    uint32_t sharing = s->shr[gpu].jobs + ((s->nodes[node].mig & bit) ? 7 : 0);
    if (st != GS_OK ||
        (st = gs_sched_event_room(s, GS_MAX(sharing, 1u))) != GS_OK)
        return st;
    uint64_t holder = s->gpu_job[gpu];
    s->nodes[node].failed |= bit;
    if (holder) {
        gs_sched_end_job(s, holder, now, GS_JOB_FAILED, false);
        gs_apply_emit(s, GS_EVENT_FAILED, find_job(s, holder), now);
        if (job)
            *job = holder;
    }
    /* the shared jobs on it fail too (the lowest id is reported) */
    while (s->shr[gpu].jobs) {
        uint64_t victim = 0;
        for (size_t i = 0; i < s->n_running && !victim; i++) {
            const job_rec *j = &s->jobs[s->running[i]];
            if (!j->milli || j->alloc[0].node != node ||
                !(j->alloc[0].gpus & bit))
                continue;
            victim = j->id;
        }
        if (!victim)
            break; /* cannot happen: gs_sched_check holds */
        gs_sched_end_job(s, victim, now, GS_JOB_FAILED, false);
        gs_apply_emit(s, GS_EVENT_FAILED, find_job(s, victim), now);
        if (job && (!*job || victim < *job))
            *job = victim;
    }
    /* and the MIG jobs with an instance on it */
    for (;;) {
        uint64_t victim = 0;
        for (size_t i = 0; i < s->n_running && !victim; i++) {
            const job_rec *j = &s->jobs[s->running[i]];
            if (j->mig_slices && gs_mig_held(s, j, gpu, NULL, NULL, NULL))
                victim = j->id;
        }
        if (!victim)
            break;
        gs_sched_end_job(s, victim, now, GS_JOB_FAILED, false);
        gs_apply_emit(s, GS_EVENT_FAILED, find_job(s, victim), now);
        if (job && (!*job || victim < *job))
            *job = victim;
    }
    gs_sched_reindex_node(s, node);
    gs_sched_tick(s, now);
    gs_jr_rec r = {.kind = GS_JR_FAIL_GPU};
    r.a = gpu;
    r.t = now;
    return gs_jr_done(s, &r);
}

GS_API gs_status gs_sched_repair_gpu(gs_sched *s, uint32_t gpu)
{
    uint32_t node;
    gs_mask bit;
    if (!gpu_at(s, gpu, &node, &bit, "repair_gpu"))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    s->nodes[node].failed &= ~bit;
    gs_sched_reindex_node(s, node);
    gs_jr_rec r = {.kind = GS_JR_REPAIR_GPU};
    r.a = gpu;
    return gs_jr_done(s, &r);
}

GS_API uint32_t gs_sched_node_free_gpus(const gs_sched *s, uint32_t node)
{
    return gs_sched_ready(s) && node < s->n_nodes ? mask_count(s->nodes[node].avail) : 0;
}

GS_API uint32_t gs_sched_node_free_cpus(const gs_sched *s, uint32_t node)
{
    return gs_sched_ready(s) && node < s->n_nodes ? s->nodes[node].free_cpus : 0;
}

GS_API uint64_t gs_sched_node_free_memory(const gs_sched *s, uint32_t node)
{
    return gs_sched_ready(s) && node < s->n_nodes ? s->nodes[node].free_mem : 0;
}

GS_API uint32_t gs_sched_free_gpus(const gs_sched *s)
{
    if (!gs_sched_ready(s))
        return 0;
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->n_nodes; i++)
        n += mask_count(s->nodes[i].avail);
    return n;
}

GS_API uint64_t gs_sched_gpu_job(const gs_sched *s, uint32_t gpu)
{
    return gs_sched_ready(s) && gpu < s->topo->n_gpus ? s->gpu_job[gpu] : 0;
}
