/*
 * The probe's report: what the probe found beyond the topology, kept in
 * one allocation-owned handle with copies of every string.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "probe/probe_impl.h"

#include <stdio.h>
#include <string.h>

struct gs_probe_report {
    gs_probe_summary sum; /* strings point into the fields below */
    char lib_message[3][GS_ERRMSG_MAX];
    char lib_name[3][PR_NAME_MAX];
    char nvml_version[GS_NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE];
    char *cvd;
    uint32_t n;
    gs_probe_gpu *gpus;  /* n */
    gs_probe_pair *pairs; /* n * n */
};

GS_API void gs_probe_summary_init(gs_probe_summary *summary)
{
    if (summary) {
        gs_probe_summary d = GS_PROBE_SUMMARY_INIT;
        *summary = d;
    }
}

GS_API void gs_probe_gpu_init(gs_probe_gpu *gpu)
{
    if (gpu) {
        gs_probe_gpu d = GS_PROBE_GPU_INIT;
        *gpu = d;
    }
}

GS_API void gs_probe_pair_init(gs_probe_pair *pair)
{
    if (pair) {
        gs_probe_pair d = GS_PROBE_PAIR_INIT;
        *pair = d;
    }
}

GS_API void gs_probe_report_destroy(gs_probe_report *r)
{
    if (!r)
        return;
    gs_free(r->cvd);
    gs_free(r->gpus);
    gs_free(r->pairs);
    gs_free(r);
}

gs_probe_report *pr_report_new(const pr_ctx *c, gs_status st)
{
    gs_probe_report *r = gs_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    /* A failed probe reports no GPUs: its node is not handed out. */
    uint32_t n = st == GS_OK ? c->n_gpus : 0;
    if (n) {
        r->gpus = gs_calloc(n, sizeof *r->gpus);
        r->pairs = gs_calloc((size_t)n * n, sizeof *r->pairs);
    }
    if (c->cvd)
        r->cvd = gs_strdup(c->cvd);
    if ((n && (!r->gpus || !r->pairs)) || (c->cvd && !r->cvd)) {
        gs_probe_report_destroy(r);
        return NULL;
    }
    r->n = n;
    gs_probe_summary *s = &r->sum;
    gs_probe_summary_init(s);
    s->status = st;
    s->partial = c->partial;
    s->gpus = n;
    for (int i = 0; i < 3; i++) {
        s->lib_status[i] = c->lib_status[i];
        memcpy(r->lib_message[i], c->lib_message[i], GS_ERRMSG_MAX);
        memcpy(r->lib_name[i], c->lib_name[i], PR_NAME_MAX);
        s->lib_message[i] = r->lib_message[i];
        s->lib_name[i] = *r->lib_name[i] ? r->lib_name[i] : NULL;
    }
    s->cuda_driver_version = c->driver_version;
    s->cuda_devices = c->cuda_devices;
    s->vanished = c->vanished;
    memcpy(r->nvml_version, c->nvml_version, sizeof r->nvml_version);
    s->nvml_driver_version = *r->nvml_version ? r->nvml_version : NULL;
    s->nvml_devices = c->n_nv;
    s->cuda_visible_devices = r->cvd;
    s->visible_entries = c->cvd_entries;
    s->visible_stop = c->cvd_stop;
    for (uint32_t i = 0; i < n; i++) {
        const pr_gpu *g = &c->gpus[i];
        gs_probe_gpu *o = &r->gpus[i];
        gs_probe_gpu_init(o);
        o->cuda_ordinal = c->partial ? -1 : g->ordinal;
        o->nvml_index = g->nvml;
        o->multi_gpu_board = g->multi_board;
        o->board_group = g->board_group;
        o->mig_mode = g->mig;
        o->mig_pending = g->mig_pending;
        o->nvlinks_to_gpus = g->nv_gpus;
        o->nvlinks_to_switches = g->nv_switches;
        o->nvlinks_to_cpus = g->nv_cpus;
        o->nvlinks_other = g->nv_other;
        o->nvlinks_active = g->nv_gpus + g->nv_switches + g->nv_cpus +
                            g->nv_other;
        o->attr_source = c->partial ? GS_SOURCE_HWLOC : GS_SOURCE_DRIVER;
        o->numa_source = g->numa_src;
        o->nvlink_source = g->nvlink_src;
        for (uint32_t j = 0; j < n; j++) {
            const pr_pair *p = &c->pairs[(size_t)i * n + j];
            gs_probe_pair *q = &r->pairs[(size_t)i * n + j];
            gs_probe_pair_init(q);
            if (i == j)
                continue;
            q->access_supported = p->access;
            q->native_atomics = p->atomics;
            q->performance_rank = p->rank;
            q->nvlink_p2p = p->nvlink_p2p;
            q->nvlink_source = (gs_source)p->nvlink_src;
            q->pcie_source = (gs_source)p->pcie_src;
        }
    }
    return r;
}

/* Copy a filled struct out the way the topology queries do: as many bytes
 * as both sides know, the caller's struct_size kept. */
static gs_status copy_out(void *dst, const void *src, size_t size)
{
    uint32_t caller;
    memcpy(&caller, dst, sizeof caller);
    if (caller < sizeof(uint32_t))
        return GS_EINVAL;
    memcpy(dst, src, GS_MIN((size_t)caller, size));
    memcpy(dst, &caller, sizeof caller);
    return GS_OK;
}

GS_API gs_status gs_probe_report_summary(const gs_probe_report *r,
                                         gs_probe_summary *summary)
{
    if (!r || !summary)
        return GS_EINVAL;
    return copy_out(summary, &r->sum, sizeof r->sum);
}

GS_API gs_status gs_probe_report_gpu(const gs_probe_report *r, uint32_t index,
                                     gs_probe_gpu *gpu)
{
    if (!r || !gpu || index >= r->n)
        return GS_EINVAL;
    return copy_out(gpu, &r->gpus[index], sizeof *r->gpus);
}

GS_API gs_status gs_probe_report_pair(const gs_probe_report *r, uint32_t a,
                                      uint32_t b, gs_probe_pair *pair)
{
    if (!r || !pair || a >= r->n || b >= r->n || a == b)
        return GS_EINVAL;
    return copy_out(pair, &r->pairs[(size_t)a * r->n + b], sizeof *r->pairs);
}
