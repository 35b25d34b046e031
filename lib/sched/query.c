/*
 * What the host reads: the event queue, jobs, their pending
 * reasons and allocations (GPUs, CPUs, memory, CUDA_VISIBLE_DEVICES).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/jobview.h"
#include "common/lists.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

GS_API size_t gs_sched_event_count(const gs_sched *s)
{
    return gs_sched_ready(s) ? s->n_events : 0;
}

GS_API gs_status gs_sched_event(const gs_sched *s, size_t i, gs_event *ev)
{
    if (!gs_sched_ready(s) || i >= s->n_events || !ev ||
        ev->struct_size < sizeof(uint32_t))
        return GS_EINVAL;
    const sched_event *e = &s->events[(s->ev_head + i) % s->cap_events];
    gs_event full = {sizeof full, e->kind, e->job, e->time};
    uint32_t caller = ev->struct_size;
    memcpy(ev, &full, GS_MIN((size_t)caller, sizeof full));
    ev->struct_size = caller;
    return GS_OK;
}

GS_API gs_status gs_sched_events_consume(gs_sched *s, size_t n)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    gs_status st = gs_sched_events_take(s, n);
    if (st != GS_OK)
        return st;
    gs_jr_rec r = {.kind = GS_JR_CONSUME};
    r.a = n;
    return gs_jr_done(s, &r);
}

GS_API gs_status gs_sched_next_event(gs_sched *s, gs_event *ev)
{
    if (!gs_sched_ready(s) || !ev || ev->struct_size < sizeof(uint32_t))
        return GS_EINVAL;
    if (!s->n_events)
        return gs_errf(&s->err, GS_ENOTFOUND, "the event queue is empty");
    gs_status st = gs_sched_event(s, 0, ev);
    return st == GS_OK ? gs_sched_events_consume(s, 1) : st;
}

/* ---- queries ------------------------------------------------------------ */

GS_API size_t gs_sched_job_count(const gs_sched *s)
{
    return gs_sched_ready(s) ? s->n_live : 0;
}

GS_API uint64_t gs_sched_job_at(const gs_sched *s, size_t i)
{
    if (!gs_sched_ready(s) || i >= s->n_live)
        return 0;
    if (!s->n_dead)
        return s->jobs[i].id;
    /* holes: walk from the cursor (iterating in order is linear) */
    struct job_cursor *c = s->cursor;
    if (!c->ok || c->i > i) {
        c->i = 0;
        c->slot = 0;
        while (s->jobs[c->slot].state == GS_JOB_FORGOTTEN)
            c->slot++;
        c->ok = true;
    }
    while (c->i < i) {
        c->slot++;
        while (s->jobs[c->slot].state == GS_JOB_FORGOTTEN)
            c->slot++;
        c->i++;
    }
    return s->jobs[c->slot].id;
}

void gs_sched_fill_info(const gs_sched *s, const job_rec *j,
                        gs_job_info *out)
{
    gs_job_info full;
    memset(&full, 0, sizeof full);
    full.struct_size = sizeof full;
    full.id = j->id;
    full.state = j->state;
    full.reason = j->state == GS_JOB_PENDING ? j->reason : GS_REASON_NONE;
    full.gpus = j->gpus;
    full.nodes = j->n_alloc;
    full.submit_time = j->submit_time;
    full.start_time = j->start_time;
    full.end_time = j->end_time;
    full.priority = j->priority;
    full.time_limit = j->time_limit;
    full.name = j->name;
    full.user = j->user;
    full.account = j->account;
    full.priority_value = j->prio_value;
    full.requeues = j->requeues;
    full.lost_gpu_seconds = j->lost_gpu_seconds;
    if (j->state == GS_JOB_PENDING)
        full.expected_start = s->n_steps && j->est_step == s->n_steps
                                  ? j->est_start
                                  : GS_TIME_UNKNOWN;
    else
        full.expected_start = j->start_time >= 0 || j->end_time < 0
                                  ? j->start_time
                                  : GS_TIME_UNKNOWN;
    if (j->state != GS_JOB_PENDING && j->start_time < 0)
        full.expected_start = GS_TIME_UNKNOWN;
    if (j->part != GS_NONE8 && j->part < s->n_parts)
        full.partition = s->parts[j->part].name;
    else if (j->parts && !(j->parts & (j->parts - 1)))
        full.partition = s->parts[__builtin_ctzll(j->parts)].name;
    full.held = j->held;
    full.timed_out = j->timed_out;
    *out = full;
}

GS_API gs_status gs_sched_job_info(const gs_sched *s, uint64_t job,
                                   gs_job_info *info)
{
    if (!gs_sched_ready(s) || !info || info->struct_size < sizeof(uint32_t))
        return GS_EINVAL;
    const job_rec *j = find_job(s, job);
    if (!j)
        return GS_ENOTFOUND;
    gs_job_info full;
    gs_sched_fill_info(s, j, &full);
    uint32_t caller = info->struct_size;
    memcpy(info, &full, GS_MIN((size_t)caller, sizeof full));
    info->struct_size = caller;
    return GS_OK;
}

GS_API gs_status gs_sched_job_reason_text(const gs_sched *s, uint64_t job,
                                          char *buf, size_t cap, size_t *len)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    const job_rec *j = find_job(s, job);
    if (!j)
        return GS_ENOTFOUND;
    if (j->state == GS_JOB_PENDING && j->lazy != LAZY_NONE) {
        char text[REASON_MAX];
        size_t n = gs_reason_lazy_text(j, j->lazy, j->behind, text,
                                       sizeof text);
        return gs_copy_out(text, n, buf, cap, len);
    }
    const char *text = j->state == GS_JOB_PENDING ? j->reason_text : "";
    return gs_copy_out(text, strlen(text), buf, cap, len);
}

static const alloc_node *alloc_at(const gs_sched *s, uint64_t job, uint32_t k)
{
    const job_rec *j = s ? find_job(s, job) : NULL;
    return j && k < j->n_alloc ? &j->alloc[k] : NULL;
}

GS_API uint32_t gs_sched_alloc_node_count(const gs_sched *s, uint64_t job)
{
    const job_rec *j = gs_sched_ready(s) ? find_job(s, job) : NULL;
    return j ? j->n_alloc : 0;
}

GS_API gs_status gs_sched_alloc_node(const gs_sched *s, uint64_t job,
                                     uint32_t k, gs_alloc_node *out)
{
    if (!gs_sched_ready(s) || !out || out->struct_size < sizeof(uint32_t))
        return GS_EINVAL;
    const alloc_node *a = alloc_at(s, job, k);
    if (!a)
        return find_job(s, job) ? GS_EINVAL : GS_ENOTFOUND;
    gs_alloc_node full = {sizeof full, a->node, mask_count(a->gpus), a->cpu_n,
                          a->mem};
    uint32_t caller = out->struct_size;
    memcpy(out, &full, GS_MIN((size_t)caller, sizeof full));
    out->struct_size = caller;
    return GS_OK;
}

GS_API gs_status gs_sched_alloc_gpus(const gs_sched *s, uint64_t job,
                                     uint32_t k, uint32_t *gpus, size_t cap,
                                     size_t *count)
{
    if (!gs_sched_ready(s) || (cap && !gpus))
        return GS_EINVAL;
    const alloc_node *a = alloc_at(s, job, k);
    if (!a)
        return find_job(s, job) ? GS_EINVAL : GS_ENOTFOUND;
    size_t n = mask_count(a->gpus);
    if (count)
        *count = n;
    if (n > cap)
        return GS_ENOSPC;
    size_t i = 0;
    for (gs_mask m = a->gpus; m; m &= m - 1)
        gpus[i++] = mask_first(m);
    return GS_OK;
}

GS_API gs_status gs_sched_alloc_cpus(const gs_sched *s, uint64_t job,
                                     uint32_t k, char *buf, size_t cap,
                                     size_t *len)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    const alloc_node *a = alloc_at(s, job, k);
    if (!a)
        return find_job(s, job) ? GS_EINVAL : GS_ENOTFOUND;
    const job_rec *j = find_job(s, job);
    const gs_ntype *ty = node_type(s, a->node);
    /* CPU indices -> CPU numbers as canonical ranges */
    gs_cpu_range *r = gs_malloc((a->cpu_n + 1) * sizeof *r);
    uint32_t *ids = gs_malloc((a->cpu_n + 1) * sizeof *ids);
    if (!r || !ids) {
        gs_free(r);
        gs_free(ids);
        return GS_ENOMEM;
    }
    for (uint32_t i = 0; i < a->cpu_n; i++) {
        uint32_t c = j->cpus[a->cpu_off + i], ri = 0;
        while (c >= ty->cpus[ri].hi - ty->cpus[ri].lo + 1) {
            c -= ty->cpus[ri].hi - ty->cpus[ri].lo + 1;
            ri++;
        }
        ids[i] = ty->cpus[ri].lo + c;
    }
    qsort(ids, a->cpu_n, sizeof *ids, gs_cmp_u32);
    size_t nr = 0;
    for (uint32_t i = 0; i < a->cpu_n; i++) {
        if (nr && ids[i] == r[nr - 1].hi + 1)
            r[nr - 1].hi = ids[i];
        else
            r[nr++] = (gs_cpu_range){ids[i], ids[i]};
    }
    gs_buf b = {0};
    gs_cpulist_format(&b, r, nr);
    gs_free(r);
    gs_free(ids);
    if (!gs_buf_finish(&b)) {
        gs_buf_free(&b);
        return GS_ENOMEM;
    }
    gs_status st = gs_copy_out(b.data, b.len, buf, cap, len);
    gs_buf_free(&b);
    return st;
}

GS_API gs_status gs_sched_cuda_visible_devices(const gs_sched *s,
                                               uint64_t job, uint32_t node,
                                               unsigned flags, char *buf,
                                               size_t cap, size_t *len)
{
    if (!gs_sched_ready(s) || (flags & ~GS_CVD_UUIDS))
        return GS_EINVAL;
    const job_rec *j = find_job(s, job);
    if (!j)
        return GS_ENOTFOUND;
    const alloc_node *a = NULL;
    for (uint32_t i = 0; i < j->n_alloc && !a; i++)
        if (j->alloc[i].node == node)
            a = &j->alloc[i];
    if (!a)
        return GS_ENOTFOUND;
    gs_buf b = {0};
    bool first = true;
    for (gs_mask m = a->gpus; m; m &= m - 1) {
        uint32_t idx = mask_first(m);
        const char *uuid =
            (flags & GS_CVD_UUIDS)
                ? gs_topo_gpu_uuid(s->topo, s->topo->nodes[node].first_gpu + idx)
                : NULL;
        if (!first)
            gs_buf_putc(&b, ',');
        first = false;
        if (uuid)
            gs_buf_puts(&b, uuid);
        else
            gs_buf_printf(&b, "%u", idx);
    }
    if (!gs_buf_finish(&b)) {
        gs_buf_free(&b);
        return GS_ENOMEM;
    }
    gs_status st = gs_copy_out(b.data, b.len, buf, cap, len);
    gs_buf_free(&b);
    return st;
}
