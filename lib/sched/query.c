/*
 * What the host reads: the event queue, jobs, their pending
 * reasons and allocations (GPUs, CPUs, memory, CUDA_VISIBLE_DEVICES).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/quiet.h"
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
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    if (!ev || ev->struct_size < sizeof(uint32_t) ||
        ev->struct_size > (1u << 16))
        return gs_sched_errf_const(s, GS_EINVAL,
                                   "event: ev is NULL or its struct_size is "
                                   "wrong (use GS_EVENT_INIT)");
    if (i >= s->n_events)
        return gs_sched_errf_const(s, GS_EINVAL,
                                   "event %zu out of range (%zu queued)", i,
                                   s->n_events);
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
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    if (!ev || ev->struct_size < sizeof(uint32_t) ||
        ev->struct_size > (1u << 16))
        return gs_errf(&s->err, GS_EINVAL,
                       "next_event: ev is NULL or its struct_size is wrong "
                       "(use GS_EVENT_INIT)");
    if (!s->n_events)
        return gs_errf(&s->err, GS_ENOTFOUND, "the event queue is empty");
    gs_status st = gs_sched_event(s, 0, ev);
    return st == GS_OK ? gs_sched_events_consume(s, 1) : st;
}

/* The job, or NULL with the error set (unknown, or forgotten). */
const job_rec *gs_sched_job_or_err(const gs_sched *s, uint64_t job,
                                  const char *call, gs_status *st)
{
    const job_rec *j = find_job(s, job);
    if (!j)
        *st = gs_sched_errf_const(
            s, GS_ENOTFOUND,
            job && job <= s->last_id
                ? "%s: job %llu ended and was forgotten "
                  "(gs_sched_set_retention)"
                : "%s: no job %llu",
            call, (unsigned long long)job);
    return j;
}

/* The k-th node of a job's allocation, or NULL with the error set. */
static const alloc_node *alloc_or_err(const gs_sched *s, uint64_t job,
                                      uint32_t k, const char *call,
                                      const job_rec **jp, gs_status *st)
{
    const job_rec *j = gs_sched_job_or_err(s, job, call, st);
    if (jp)
        *jp = j;
    if (!j)
        return NULL;
    if (k >= j->n_alloc) {
        *st = j->n_alloc
                  ? gs_sched_errf_const(
                        s, GS_EINVAL,
                        "%s: job %llu is on %u node%s; position %u is out "
                        "of range",
                        call, (unsigned long long)job, j->n_alloc,
                        j->n_alloc == 1 ? "" : "s", k)
                  : gs_sched_errf_const(
                        s, GS_EINVAL,
                        "%s: job %llu has no allocation (it is %s and never "
                        "started)",
                        call, (unsigned long long)job,
                        gs_job_state_name(j->state));
        return NULL;
    }
    return &j->alloc[k];
}

/* Text out, with a message naming what did not fit. */
static gs_status text_out(const gs_sched *s, const char *what, uint64_t job,
                          const char *text, size_t n, char *buf, size_t cap,
                          size_t *len)
{
    gs_status st = gs_copy_out(text, n, buf, cap, len);
    if (st == GS_ENOSPC)
        gs_sched_errf_const(s, st,
                            "buffer of %zu bytes is too small: %s of job "
                            "%llu needs %zu",
                            buf ? cap : 0, what, (unsigned long long)job,
                            n + 1);
    return st;
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
    full.pattern = job_pattern(j);
    full.gpu_milli = job_share(j);
    full.gpu_mem = j->gpu_mem;
    full.mig_profile = j->mig_slices ? j->mig_name : NULL;
    *out = full;
}

GS_API gs_status gs_sched_job_info(const gs_sched *s, uint64_t job,
                                   gs_job_info *info)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    if (!info || info->struct_size < sizeof(uint32_t) ||
        info->struct_size > (1u << 16))
        return gs_sched_errf_const(s, GS_EINVAL,
                                   "job_info: info is NULL or its "
                                   "struct_size is wrong (use "
                                   "GS_JOB_INFO_INIT)");
    gs_status st = GS_OK;
    const job_rec *j = gs_sched_job_or_err(s, job, "job_info", &st);
    if (!j)
        return st;
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
    if (len)
        *len = 0;
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    gs_status st = GS_OK;
    const job_rec *j = gs_sched_job_or_err(s, job, "job_reason_text", &st);
    if (!j)
        return st;
    if (j->state == GS_JOB_PENDING && j->lazy != LAZY_NONE) {
        char text[REASON_MAX];
        size_t n = gs_reason_lazy_text(j, j->lazy,
                                       gs_quiet_behind(s, j->behind), text,
                                       sizeof text);
        return text_out(s, "the reason text", job, text, n, buf, cap, len);
    }
    const char *text = j->state == GS_JOB_PENDING && j->reason_text
                           ? j->reason_text
                           : "";
    return text_out(s, "the reason text", job, text, strlen(text), buf, cap,
                    len);
}

GS_API uint32_t gs_sched_alloc_node_count(const gs_sched *s, uint64_t job)
{
    const job_rec *j = gs_sched_ready(s) ? find_job(s, job) : NULL;
    return j ? j->n_alloc : 0;
}

GS_API gs_status gs_sched_alloc_node(const gs_sched *s, uint64_t job,
                                     uint32_t k, gs_alloc_node *out)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    if (!out || out->struct_size < sizeof(uint32_t) ||
        out->struct_size > (1u << 16))
        return gs_sched_errf_const(s, GS_EINVAL,
                                   "alloc_node: out is NULL or its "
                                   "struct_size is wrong (use "
                                   "GS_ALLOC_NODE_INIT)");
    gs_status st = GS_OK;
    const alloc_node *a = alloc_or_err(s, job, k, "alloc_node", NULL, &st);
    if (!a)
        return st;
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
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    if (cap && !gpus)
        return gs_sched_errf_const(s, GS_EINVAL,
                                   "alloc_gpus: gpus is NULL with cap %zu",
                                   cap);
    gs_status st = GS_OK;
    const alloc_node *a = alloc_or_err(s, job, k, "alloc_gpus", NULL, &st);
    if (!a)
        return st;
    size_t n = mask_count(a->gpus);
    if (count)
        *count = n;
    if (n > cap)
        return gs_sched_errf_const(s, GS_ENOSPC,
                                   "alloc_gpus: room for %zu GPUs, job %llu "
                                   "has %zu on node %s",
                                   cap, (unsigned long long)job, n,
                                   s->topo->nodes[a->node].name);
    size_t i = 0;
    for (gs_mask m = a->gpus; m; m &= m - 1)
        gpus[i++] = mask_first(m);
    return GS_OK;
}

/* The OS CPU numbers of an allocation node, increasing, into ids (room
 * for a->cpu_n). */
static void cpu_numbers(const gs_sched *s, const job_rec *j,
                        const alloc_node *a, uint32_t *ids)
{
    const gs_ntype *ty = node_type(s, a->node);
    for (uint32_t i = 0; i < a->cpu_n; i++) {
        uint32_t c = j->cpus[a->cpu_off + i], ri = 0;
        while (c >= ty->cpus[ri].hi - ty->cpus[ri].lo + 1) {
            c -= ty->cpus[ri].hi - ty->cpus[ri].lo + 1;
            ri++;
        }
        ids[i] = ty->cpus[ri].lo + c;
    }
    qsort(ids, a->cpu_n, sizeof *ids, gs_cmp_u32);
}

/* Append the cpulist of increasing CPU numbers to b. */
static void put_cpulist(gs_buf *b, const uint32_t *ids, uint32_t n)
{
    for (uint32_t i = 0; i < n;) {
        uint32_t e = i;
        while (e + 1 < n && ids[e + 1] == ids[e] + 1)
            e++;
        if (i)
            gs_buf_putc(b, ',');
        if (e == i)
            gs_buf_printf(b, "%u", ids[i]);
        else
            gs_buf_printf(b, "%u-%u", ids[i], ids[e]);
        i = e + 1;
    }
}

/* Append CUDA_VISIBLE_DEVICES of an allocation node to b: for a MIG
 * job its instances' UUIDs, nothing (and false) while one is unknown. */
static bool put_cvd(const gs_sched *s, const job_rec *j, const alloc_node *a,
                    bool uuids, gs_buf *b)
{
    bool first = true;
    if (j->mig_slices) {
        const char *u[GS_SCHED_MAX_GPUS];
        uint32_t n = 0;
        for (gs_mask m = a->gpus; m; m &= m - 1) {
            uint32_t g = s->topo->nodes[a->node].first_gpu + mask_first(m);
            u[n] = NULL;
            gs_mig_held(s, j, g, NULL, NULL, &u[n]);
            if (!u[n++])
                return false;
        }
        for (uint32_t i = 0; i < n; i++) {
            if (i)
                gs_buf_putc(b, ',');
            gs_buf_puts(b, u[i]);
        }
        return true;
    }
    for (gs_mask m = a->gpus; m; m &= m - 1) {
        uint32_t idx = mask_first(m);
        const char *uuid =
            uuids ? gs_topo_gpu_uuid(s->topo,
                                     s->topo->nodes[a->node].first_gpu + idx)
                  : NULL;
        if (!first)
            gs_buf_putc(b, ',');
        first = false;
        if (uuid)
            gs_buf_puts(b, uuid);
        else
            gs_buf_printf(b, "%u", idx);
    }
    return true;
}

GS_API gs_status gs_sched_alloc_cpus(const gs_sched *s, uint64_t job,
                                     uint32_t k, char *buf, size_t cap,
                                     size_t *len)
{
    if (len)
        *len = 0;
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    gs_status st = GS_OK;
    const job_rec *j;
    const alloc_node *a = alloc_or_err(s, job, k, "alloc_cpus", &j, &st);
    if (!a)
        return st;
    uint32_t *ids = gs_malloc((a->cpu_n + 1) * sizeof *ids);
    if (!ids)
        return gs_sched_errf_const(s, GS_ENOMEM, "out of memory");
    cpu_numbers(s, j, a, ids);
    gs_buf b = {0};
    put_cpulist(&b, ids, a->cpu_n);
    gs_free(ids);
    if (!gs_buf_finish(&b)) {
        gs_buf_free(&b);
        return gs_sched_errf_const(s, GS_ENOMEM, "out of memory");
    }
    st = text_out(s, "the CPU list", job, b.data, b.len, buf, cap, len);
    gs_buf_free(&b);
    return st;
}

GS_API gs_status gs_sched_cuda_visible_devices(const gs_sched *s,
                                               uint64_t job, uint32_t k,
                                               unsigned flags, char *buf,
                                               size_t cap, size_t *len)
{
    if (len)
        *len = 0;
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    if (flags & ~GS_CVD_UUIDS)
        return gs_sched_errf_const(s, GS_EINVAL,
                                   "cuda_visible_devices: unknown flags 0x%x",
                                   flags & ~GS_CVD_UUIDS);
    gs_status st = GS_OK;
    const job_rec *j;
    const alloc_node *a =
        alloc_or_err(s, job, k, "cuda_visible_devices", &j, &st);
    if (!a)
        return st;
    gs_buf b = {0};
    if (!put_cvd(s, j, a, (flags & GS_CVD_UUIDS) != 0, &b)) {
        gs_buf_free(&b);
        return gs_sched_errf_const(s, GS_ENOTFOUND,
                                   "job %llu: the UUID of a MIG instance it "
                                   "holds is not known yet (the host gives "
                                   "it with gs_sched_set_mig_uuid once the "
                                   "instance is made)",
                                   (unsigned long long)job);
    }
    if (!gs_buf_finish(&b)) {
        gs_buf_free(&b);
        return gs_sched_errf_const(s, GS_ENOMEM, "out of memory");
    }
    st = text_out(s, "CUDA_VISIBLE_DEVICES", job, b.data, b.len, buf, cap,
                  len);
    gs_buf_free(&b);
    return st;
}

GS_API void gs_alloc_entry_init(gs_alloc_entry *e)
{
    if (e) {
        memset(e, 0, sizeof *e);
        e->struct_size = sizeof *e;
    }
}

GS_API gs_status gs_sched_alloc_entry(const gs_sched *s, uint64_t job,
                                      uint32_t k, gs_alloc_entry *out,
                                      char *buf, size_t cap)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    if (!out || out->struct_size < sizeof(uint32_t) ||
        out->struct_size > (1u << 16))
        return gs_sched_errf_const(s, GS_EINVAL,
                                   "alloc_entry: out is NULL or its "
                                   "struct_size is wrong (use "
                                   "gs_alloc_entry_init)");
    if (!buf && cap)
        return gs_sched_errf_const(s, GS_EINVAL,
                                   "alloc_entry: buf is NULL with cap %zu",
                                   cap);
    gs_status st = GS_OK;
    const job_rec *j;
    const alloc_node *a = alloc_or_err(s, job, k, "alloc_entry", &j, &st);
    if (!a)
        return st;
    gs_alloc_entry e;
    memset(&e, 0, sizeof e);
    e.struct_size = sizeof e;
    e.node = a->node;
    e.node_name = s->topo->nodes[a->node].name;
    e.n_gpus = mask_count(a->gpus);
    uint32_t first = s->topo->nodes[a->node].first_gpu, i = 0;
    for (gs_mask m = a->gpus; m; m &= m - 1, i++) {
        e.gpus[i] = mask_first(m);
        e.gpu_ids[i] = first + e.gpus[i];
    }
    e.n_cpus = a->cpu_n;
    e.memory = a->mem;
    /* the texts, then the CPU numbers, in buf */
    uint32_t *ids = gs_malloc((a->cpu_n + 1) * sizeof *ids);
    gs_buf b = {0};
    if (!ids)
        return gs_sched_errf_const(s, GS_ENOMEM, "out of memory");
    cpu_numbers(s, j, a, ids);
    put_cvd(s, j, a, false, &b);
    size_t o_cvu = b.len + 1;
    gs_buf_putc(&b, '\0');
    put_cvd(s, j, a, true, &b);
    size_t o_cpus = b.len + 1;
    gs_buf_putc(&b, '\0');
    put_cpulist(&b, ids, a->cpu_n);
    /* MPS: the share as an active-thread percentage (rounded up), the
     * memory per visible device (MiB, rounded down) */
    size_t o_mps = b.len + 1;
    gs_buf_putc(&b, '\0');
    if (j->milli) {
        e.mps_thread_percentage = (j->milli + 9u) / 10u;
        for (uint32_t d = 0; j->gpu_mem && d < e.n_gpus; d++)
            gs_buf_printf(&b, "%s%u=%lluM", d ? "," : "", d,
                          (unsigned long long)GS_MAX(j->gpu_mem >> 20, 1));
    }
    e.gpu_milli = job_share(j);
    if (j->mig_slices) {
        e.mig_profile = j->mig_name;
        for (uint32_t d = 0; d < e.n_gpus; d++) {
            e.mig_starts[d] = 0;
            e.mig_instances[d] = GS_NONE;
            gs_mig_held(s, j, e.gpu_ids[d], &e.mig_starts[d],
                        &e.mig_instances[d], NULL);
        }
    }
    if (!gs_buf_finish(&b)) {
        gs_free(ids);
        gs_buf_free(&b);
        return gs_sched_errf_const(s, GS_ENOMEM, "out of memory");
    }
    size_t text = b.len + 1;
    size_t pad = (size_t)((4 - ((uintptr_t)buf + text) % 4) % 4);
    /* the worst padding, so the size needed does not depend on buf */
    e.buf_needed = text + 3 + (size_t)a->cpu_n * sizeof(uint32_t);
    if (cap < text + pad + (size_t)a->cpu_n * sizeof(uint32_t)) {
        gs_free(ids);
        gs_buf_free(&b);
        /* only buf_needed is filled */
        if (out->struct_size >= offsetof(gs_alloc_entry, buf_needed) +
                                    sizeof e.buf_needed)
            out->buf_needed = e.buf_needed;
        return gs_sched_errf_const(s, GS_ENOSPC,
                                   "alloc_entry: buffer of %zu bytes is too "
                                   "small: node %s of job %llu needs %zu",
                                   cap, e.node_name, (unsigned long long)job,
                                   e.buf_needed);
    }
    memcpy(buf, b.data, text);
    uint32_t *cpus = (uint32_t *)(void *)(buf + text + pad);
    memcpy(cpus, ids, (size_t)a->cpu_n * sizeof *ids);
    gs_free(ids);
    gs_buf_free(&b);
    e.cuda_visible_devices = buf;
    e.cuda_visible_uuids = buf + o_cvu;
    e.cpulist = buf + o_cpus;
    e.mps_mem_limit = buf + o_mps;
    e.cpus = cpus;
    uint32_t caller = out->struct_size;
    memcpy(out, &e, GS_MIN((size_t)caller, sizeof e));
    out->struct_size = caller;
    return GS_OK;
}
