/*
 * The job mix the fragmentation measure judges free GPU capacity by
 * (docs/sharing.md): the host's (gs_sched_set_frag_classes) or learned.
 *
 * Learning: every accepted submission counts for its kind (GPUs, share of
 * each) with its CPUs and memory summed, with an exponential decay of
 * half-life FRAG_HALF_LIFE submissions (a growing unit, as demand.c
 * does); at most FRAG_LEARN kinds are kept (a new kind replaces the
 * lightest). Every FRAG_REFRESH submissions the refresh stage turns the
 * counts into a mix: the GS_MAX_FRAG_CLASSES heaviest kinds, CPUs and
 * memory their means (rounded up), weights their shares. The per-node
 * caches are keyed by an epoch that changes only when the mix does.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/sched_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define FRAG_HALF_LIFE 1024.0

gs_status gs_frag_init(gs_sched *s)
{
    s->frag = gs_calloc(1, sizeof *s->frag);
    if (!s->frag)
        return GS_ENOMEM;
    s->frag->unit = 1.0;
    s->frag->epoch = 1;
    /* the per-node caches, for the policies that measure fragmentation */
    if (s->policy == &gs_policy_frag_aware || s->policy == &gs_policy_fgd) {
        size_t N = s->n_nodes;
        s->frag->node = gs_calloc(N + 1, sizeof *s->frag->node);
        s->frag->stat =
            gs_calloc((N + 1) * GS_MAX_FRAG_CLASSES, sizeof *s->frag->stat);
        s->frag->best = gs_calloc(N + 1, sizeof *s->frag->best);
        if (!s->frag->node || !s->frag->stat || !s->frag->best)
            return GS_ENOMEM;
    }
    return GS_OK;
}

void gs_frag_free(gs_sched *s)
{
    if (!s->frag)
        return;
    gs_free(s->frag->node);
    gs_free(s->frag->stat);
    gs_free(s->frag->best);
    gs_free(s->frag);
    s->frag = NULL;
}

void gs_frag_note(gs_sched *s, const job_rec *j)
{
    struct frag_state *f = s->frag;
    if (f->host || !j->gpus || j->gpus > 64 ||
        (!j->milli && j->max_nodes != 1 && j->gpus > s->max_node_gpus))
        return;
    uint32_t milli = job_share(j);
    uint32_t k = j->gpus_per_node && j->gpus_per_node < j->gpus
                     ? j->gpus_per_node
                     : j->gpus;
    double cpus = (double)j->cpus_per_gpu * k;
    double mem = (double)j->mem_per_gpu * k;
    uint32_t i = 0, light = 0;
    for (; i < f->n_learn; i++) {
        if (f->learn[i].gpus == k && f->learn[i].milli == milli)
            break;
        if (f->learn[i].cnt < f->learn[light].cnt)
            light = i;
    }
    if (i == f->n_learn) {
        if (f->n_learn < FRAG_LEARN)
            f->n_learn++;
        else
            i = light;
        f->learn[i] = (frag_learn){k, milli, 0, 0, 0};
    }
    f->learn[i].cnt += f->unit;
    f->learn[i].cpus += f->unit * cpus;
    f->learn[i].mem += f->unit * mem;
    f->unit *= exp2(1.0 / FRAG_HALF_LIFE);
    if (f->unit > 1e100) {
        for (uint32_t q = 0; q < f->n_learn; q++) {
            f->learn[q].cnt /= f->unit;
            f->learn[q].cpus /= f->unit;
            f->learn[q].mem /= f->unit;
        }
        f->unit = 1.0;
    }
    f->since++;
}

/* Heaviest first; ties: fewer GPUs, then the smaller share, CPUs, memory
 * (a total order, so that a mix does not depend on the input order). */
static int cls_cmp(const frag_cls *a, const frag_cls *b)
{
    if (a->w != b->w)
        return a->w > b->w ? -1 : 1;
    if (a->gpus != b->gpus)
        return a->gpus < b->gpus ? -1 : 1;
    if (a->milli != b->milli)
        return a->milli < b->milli ? -1 : 1;
    if (a->cpus != b->cpus)
        return a->cpus < b->cpus ? -1 : 1;
    if (a->mem != b->mem)
        return a->mem < b->mem ? -1 : 1;
    return 0;
}

/* Install a mix (weights not yet shares): sorted, normalized, the epoch
 * moved on when it differs from the one in use. */
static void install(struct frag_state *f, frag_cls *c, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        frag_cls v = c[i];
        uint32_t k = i;
        while (k > 0 && cls_cmp(&v, &c[k - 1]) < 0) {
            c[k] = c[k - 1];
            k--;
        }
        c[k] = v;
    }
    double total = 0;
    for (uint32_t i = 0; i < n; i++)
        total += c[i].w;
    for (uint32_t i = 0; i < n; i++)
        c[i].w = total > 0 ? c[i].w / total : 0;
    bool same = n == f->n;
    for (uint32_t i = 0; same && i < n; i++)
        same = cls_cmp(&c[i], &f->cls[i]) == 0 && c[i].w == f->cls[i].w;
    if (!same) {
        memcpy(f->cls, c, n * sizeof *c);
        f->n = n;
        f->epoch++;
    }
}

void gs_frag_refresh(gs_sched *s)
{
    struct frag_state *f = s->frag;
    if (f->host || f->since == 0 || (f->n && f->since < FRAG_REFRESH))
        return;
    f->since = 0;
    frag_cls c[FRAG_LEARN];
    uint32_t n = 0;
    for (uint32_t i = 0; i < f->n_learn; i++) {
        const frag_learn *l = &f->learn[i];
        if (!(l->cnt > 0))
            continue;
        double cpus = ceil(l->cpus / l->cnt - 1e-9);
        double mem = ceil(l->mem / l->cnt - 1e-6);
        c[n++] = (frag_cls){l->gpus, l->milli,
                            cpus > 0 ? (uint32_t)GS_MIN(cpus, 4e9) : 0,
                            mem > 0 ? (uint64_t)GS_MIN(mem, 1.8e19) : 0,
                            /* quantized: a mix that barely moved keeps its
                             * epoch and the caches */
                            round(l->cnt / f->unit * 4096.0)};
    }
    /* the heaviest GS_MAX_FRAG_CLASSES */
    for (uint32_t i = 1; i < n; i++) {
        frag_cls v = c[i];
        uint32_t k = i;
        while (k > 0 && cls_cmp(&v, &c[k - 1]) < 0) {
            c[k] = c[k - 1];
            k--;
        }
        c[k] = v;
    }
    if (n > GS_MAX_FRAG_CLASSES)
        n = GS_MAX_FRAG_CLASSES;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < n; i++)
        if (c[i].w > 0)
            c[kept++] = c[i];
    install(f, c, kept);
}

gs_status gs_frag_apply(gs_sched *s, const gs_frag_class *in, size_t n)
{
    struct frag_state *f = s->frag;
    if (n > GS_MAX_FRAG_CLASSES)
        return gs_errf(&s->err, GS_ERANGE,
                       "set_frag_classes: %zu classes, at most %u", n,
                       GS_MAX_FRAG_CLASSES);
    if (n && !in)
        return gs_errf(&s->err, GS_EINVAL,
                       "set_frag_classes: classes is NULL with a count");
    frag_cls c[GS_MAX_FRAG_CLASSES];
    for (size_t i = 0; i < n; i++) {
        const gs_frag_class *x = &in[i];
        if (x->gpus < 1 || x->gpus > 64)
            return gs_errf(&s->err, GS_EINVAL,
                           "set_frag_classes: class %zu: gpus %u is outside "
                           "1..64",
                           i, x->gpus);
        if (x->gpu_milli < 1 || x->gpu_milli > 1000)
            return gs_errf(&s->err, GS_EINVAL,
                           "set_frag_classes: class %zu: gpu_milli %u is "
                           "outside 1..1000",
                           i, x->gpu_milli);
        if (x->gpu_milli < 1000 && x->gpus > 1 && x->gpus > s->max_node_gpus)
            return gs_errf(&s->err, GS_EINVAL,
                           "set_frag_classes: class %zu: a shared class "
                           "runs on one node",
                           i);
        if (!(x->weight > 0) || !isfinite(x->weight) || x->weight > 1e15)
            return gs_errf(&s->err, GS_EINVAL,
                           "set_frag_classes: class %zu: weight must be "
                           "finite, above 0 and at most 1e15",
                           i);
        c[i] = (frag_cls){x->gpus, x->gpu_milli, x->cpus, x->mem, x->weight};
    }
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < i; k++)
            if (c[k].gpus == c[i].gpus && c[k].milli == c[i].milli &&
                c[k].cpus == c[i].cpus && c[k].mem == c[i].mem)
                return gs_errf(&s->err, GS_EINVAL,
                               "set_frag_classes: class %zu repeats class "
                               "%zu",
                               i, k);
    f->host = n > 0;
    if (n) {
        install(f, c, (uint32_t)n);
    } else {
        /* learn again, from the counts kept meanwhile */
        f->since = f->since ? f->since : 1;
        uint32_t keep_epoch = f->epoch;
        f->n = 0;
        f->epoch = keep_epoch + 1;
        gs_frag_refresh(s);
    }
    return GS_OK;
}

GS_API gs_status gs_sched_set_frag_classes(gs_sched *s,
                                           const gs_frag_class *classes,
                                           size_t n)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    gs_status st = gs_frag_apply(s, classes, n);
    if (st != GS_OK)
        return st;
    gs_jr_rec r = {.kind = GS_JR_FRAG_CLASSES};
    r.a = n;
    r.frag = classes;
    return gs_jr_done(s, &r);
}

GS_API size_t gs_sched_frag_classes(const gs_sched *s, gs_frag_class *out,
                                    size_t cap)
{
    if (!gs_sched_ready(s))
        return 0;
    const struct frag_state *f = s->frag;
    for (size_t i = 0; i < f->n && i < cap && out; i++)
        out[i] = (gs_frag_class){f->cls[i].gpus, f->cls[i].milli,
                                 f->cls[i].cpus, f->cls[i].mem, f->cls[i].w};
    return f->n;
}

GS_API gs_status gs_sched_fragmentation(const gs_sched *s, double *gpus)
{
    if (!gs_sched_ready(s) || !gpus)
        return gs_sched_ready(s) ? gs_sched_errf_const(s, GS_EINVAL,
                                                       "fragmentation: gpus "
                                                       "is NULL")
                                 : GS_EINVAL;
    double sum = 0;
    for (uint32_t n = 0; n < s->n_nodes; n++)
        sum += gs_frag_node(s, n);
    *gpus = sum / 1000.0;
    return GS_OK;
}

GS_API gs_status gs_sched_gpu_share(const gs_sched *s, uint32_t gpu,
                                    uint32_t *milli, uint64_t *mem,
                                    uint32_t *jobs)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    if (gpu >= s->topo->n_gpus)
        return gs_sched_errf_const(s, GS_EINVAL,
                                   "gpu_share: GPU %u does not exist (the "
                                   "cluster has %u)",
                                   gpu, s->topo->n_gpus);
    const gpu_share *g = &s->shr[gpu];
    bool whole = s->gpu_job[gpu] != 0;
    if (milli)
        *milli = whole ? 1000 : g->used;
    if (mem)
        *mem = whole ? gs_gpu_memory(s, gpu) : g->mem;
    if (jobs)
        *jobs = whole ? 1 : g->jobs;
    return GS_OK;
}
