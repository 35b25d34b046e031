/*
 * Accounting records: what each job used, GPU-seconds by GPU model, as
 * CSV (docs/formats.md). A host that keeps every record writes them from
 * the forget hook, or exports before the retention lets jobs go.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/sched_impl.h"

#include <gpusched/state.h>

#include <stdio.h>
#include <string.h>

#define ACCT_HEADER                                                         \
    "job,name,user,account,partition,state,submit,start,end,gpus,model,"    \
    "gpu_seconds,cpu_seconds\n"

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
static void put_field(gs_buf *b, const char *v)
{
    if (!v)
        return;
    if (!strpbrk(v, ",\"\r\n")) {
        gs_buf_puts(b, v);
        return;
    }
    gs_buf_putc(b, '"');
    for (const char *c = v; *c; c++) {
        if (*c == '"')
            gs_buf_putc(b, '"');
        gs_buf_putc(b, *c);
    }
    gs_buf_putc(b, '"');
}

/* One line: the job, n GPUs of model m (NULL: none), the seconds. */
static void put_line(const gs_sched *s, const job_rec *j, gs_buf *b,
                     int64_t end, uint32_t n, const char *m,
                     double gpu_secs, double cpu_secs)
{
    gs_buf_printf(b, "%llu,", (unsigned long long)j->id);
    put_field(b, j->name);
    gs_buf_putc(b, ',');
    put_field(b, j->user);
    gs_buf_putc(b, ',');
    put_field(b, j->account);
    gs_buf_putc(b, ',');
    if (j->part != GS_NONE8 && j->part < s->n_parts)
        put_field(b, s->parts[j->part].name);
    gs_buf_printf(b, ",%s,%lld,%lld,%lld,%u,", gs_job_state_name(j->state),
                  (long long)j->submit_time, (long long)j->start_time,
                  (long long)end, n);
    put_field(b, m ? m : "");
    gs_buf_printf(b, ",%.17g,%.17g\n", gpu_secs, cpu_secs);
}

/* The lines of one job that started (one per GPU model it held; one
 * without a model for a CPU-only job). */
static void put_job(const gs_sched *s, const job_rec *j, gs_buf *b)
{
    if (j->start_time < 0 || !j->n_alloc)
        return;
    bool running = j->state == GS_JOB_RUNNING;
    int64_t end = running ? (s->clock > j->start_time ? s->clock
                                                      : j->start_time)
                          : j->end_time;
    double secs = (double)(end - j->start_time);
    uint32_t cpus = 0;
    for (uint32_t k = 0; k < j->n_alloc; k++)
        cpus += j->alloc[k].cpu_n;
    if (!j->gpus) {
        /* a CPU-only job: one line, no GPU, no model */
        put_line(s, j, b, end, 0, NULL, 0, secs * cpus);
        return;
    }
    /* GPUs per model, in the order of the job's GPUs */
    const gs_topo *t = s->topo;
    for (uint32_t i = 0; i < j->gpus; i++) {
        uint32_t g = j->gpu_ids[i], node = t->gpu_node[g];
        const char *m = t->nodes[node].type->gpus[g - t->nodes[node].first_gpu]
                            .model;
        bool seen = false;
        for (uint32_t h = 0; h < i && !seen; h++) {
            uint32_t g2 = j->gpu_ids[h], n2 = t->gpu_node[g2];
            seen = t->nodes[n2].type->gpus[g2 - t->nodes[n2].first_gpu]
                       .model == m;
        }
        if (seen)
            continue;
        uint32_t n_m = 0;
        for (uint32_t h = i; h < j->gpus; h++) {
            uint32_t g2 = j->gpu_ids[h], n2 = t->gpu_node[g2];
            n_m += t->nodes[n2].type->gpus[g2 - t->nodes[n2].first_gpu]
                       .model == m;
        }
        /* CPUs are charged on the line of the first model */
        put_line(s, j, b, end, n_m, m, secs * n_m * job_fraction(j),
                 i == 0 ? secs * cpus : 0.0);
    }
}

GS_API gs_status gs_sched_export_accounting(const gs_sched *s,
                                            gs_write_fn write, void *user)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    if (!write)
        return gs_sched_errf_const(s, GS_EINVAL,
                                   "export_accounting: write is NULL");
    gs_buf b = {0};
    gs_buf_puts(&b, ACCT_HEADER);
    gs_status st = GS_OK;
    for (size_t i = 0; i < s->n_jobs && st == GS_OK; i++) {
        const job_rec *j = &s->jobs[i];
        if (j->state == GS_JOB_FORGOTTEN)
            continue;
        put_job(s, j, &b);
        if (b.failed) {
            st = gs_sched_errf_const(s, GS_ENOMEM, "out of memory");
        } else if (b.len >= 65536) {
            st = write(user, b.data, b.len);
            b.len = 0;
        }
    }
    if (st == GS_OK && b.failed)
        st = gs_sched_errf_const(s, GS_ENOMEM, "out of memory");
    if (st == GS_OK && b.len)
        st = write(user, b.data, b.len);
    gs_buf_free(&b);
    if (st != GS_OK && !gs_sched_errmsg(s)[0])
        gs_sched_errf_const(s, st, "export_accounting: the writer failed: %s",
                            gs_strerror(st));
    return st;
}

GS_API gs_status gs_sched_job_accounting(const gs_sched *s, uint64_t job,
                                         char *buf, size_t cap, size_t *len)
{
    if (len)
        *len = 0;
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    gs_status st = GS_OK;
    const job_rec *j = gs_sched_job_or_err(s, job, "job_accounting", &st);
    if (!j)
        return st;
    gs_buf b = {0};
    put_job(s, j, &b);
    if (!gs_buf_finish(&b)) {
        gs_buf_free(&b);
        return gs_sched_errf_const(s, GS_ENOMEM, "out of memory");
    }
    st = gs_copy_out(b.data ? b.data : "", b.len, buf, cap, len);
    if (st == GS_ENOSPC)
        gs_sched_errf_const(s, st,
                            "job_accounting: buffer of %zu bytes is too "
                            "small: the record of job %llu needs %zu",
                            buf ? cap : 0, (unsigned long long)job,
                            b.len + 1);
    gs_buf_free(&b);
    return st;
}
