/*
 * MIG GPUs in the scheduler: each GPU in MIG mode (the topology's fixed
 * layout or dynamic mode), the instances on it and the jobs holding them.
 *
 * A GPU in MIG mode is in its node's `mig` mask from the start: it is
 * never free for whole-GPU or fractional jobs (the free masks, the key
 * index and the histograms never count it), and only jobs that ask for a
 * MIG profile look at it, through this file.
 *
 * - A fixed layout's instances exist from the start; a job takes a free
 *   instance of its profile (the lowest-numbered) and gives it back.
 * - On a dynamic GPU a job's instance is made where gs_mig_choose() says,
 *   with the profile mix as weights, and removed when the job ends.
 *
 * The cost of an instance on a GPU is what it takes from the GPU's
 * ability to take the mix: score(L) - score(L + instance), with
 * score(L) = sum over profiles p of w[p] x capacity(L, p) (mig.h). The
 * weights are the mix of MIG submissions, decayed with a half-life of
 * 1024 submissions and refreshed every 64 (plus 0.01 each, so a profile
 * never seen still counts a little). Costs and starts are cached per
 * (GPU kind, layout): a cluster has few distinct layouts.
 *
 * What-if releases (backfill, preemption) mark an instance released
 * instead of removing it, so that restoring it puts it back where it was.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/sched_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define NP GS_MIG_PROFILES
#define NI GS_MIG_COMPUTE_SLICES
#define CACHE_SLOTS 4096u
#define MIX_REFRESH 64u
#define MIXED 0xFEu

typedef struct mig_gpu {
    uint32_t gpu;  /* cluster-wide id */
    uint8_t kind;  /* gs_mig_gpu */
    uint8_t mode;  /* GS_MIG_FIXED or GS_MIG_DYNAMIC */
    uint8_t n;     /* instances: a fixed layout's, or those made */
    gs_mig_instance inst[NI];
    uint64_t job[NI]; /* holder, 0: free (fixed layouts only) */
    bool virt[NI];    /* released by a what-if */
    char uuid[NI][GS_MAX_MIG_UUID + 1]; /* made instances: the host's */
    /* per profile, what placement asks (valid while epoch is the
     * weights' epoch; 0 after any change of the GPU): the start an
     * instance would take (GS_NONE8: no room), its cost, and the compute
     * slices free */
    uint32_t epoch;
    uint8_t cstart[NP];
    float closs[NP];
    uint8_t cfree;
} mig_gpu;

typedef struct mig_cache {
    uint64_t key;   /* present placements */
    uint32_t epoch; /* of the weights */
    uint8_t kind;
    uint8_t valid;
    uint8_t start[NP]; /* GS_NONE8: does not fit */
    float loss[NP];
} mig_cache;

struct mig_state {
    uint32_t n;
    mig_gpu *g;
    uint32_t *of; /* per cluster GPU: index in g, or GS_NONE */
    mig_memo *memo;     /* per node (place_mig.c) */
    uint8_t *node_kind; /* per node: the kind of all its MIG GPUs, MIXED
                           when they differ, GS_NONE8 when it has none */
    double cnt[GS_MIG_GPU_COUNT][NP]; /* per table: a name is a profile of
                                         each table that has it */
    double w[GS_MIG_GPU_COUNT][NP];
    uint32_t notes; /* since the weights were made */
    uint32_t epoch;
    uint32_t tick;
    mig_cache *cache;
    /* placement ids: pid[kind][profile][start] (GS_NONE8: illegal) */
    uint8_t pid[GS_MIG_GPU_COUNT][NP][GS_MIG_SLOTS];
    uint8_t slices[GS_MIG_GPU_COUNT][NP];
};

static void make_weights(struct mig_state *m)
{
    for (int k = 0; k < GS_MIG_GPU_COUNT; k++) {
        double sum = 0;
        for (int p = 0; p < NP; p++)
            sum += m->cnt[k][p];
        for (int p = 0; p < NP; p++)
            m->w[k][p] = (sum > 0 ? m->cnt[k][p] / sum : 1.0 / NP) + 0.01;
    }
    m->epoch++;
    m->notes = 0;
}

gs_status gs_mig_init(gs_sched *s)
{
    const gs_topo *t = s->topo;
    uint32_t n = 0;
    for (uint32_t g = 0; g < t->n_gpus; g++)
        n += gs_topo_mig_rec(t, g) != NULL;
    struct mig_state *m = gs_calloc(1, sizeof *m);
    if (!m)
        return GS_ENOMEM;
    s->mig = m;
    if (!n)
        return GS_OK;
    m->g = gs_calloc(n, sizeof *m->g);
    m->of = gs_malloc((size_t)t->n_gpus * sizeof *m->of);
    m->cache = gs_calloc(CACHE_SLOTS, sizeof *m->cache);
    m->node_kind = gs_malloc(s->n_nodes + 1);
    m->memo = gs_calloc(((size_t)s->n_nodes + 1) * GS_MIG_MEMOS,
                        sizeof *m->memo);
    if (!m->g || !m->of || !m->cache || !m->node_kind || !m->memo)
        return GS_ENOMEM;
    memset(m->node_kind, GS_NONE8, s->n_nodes + 1);
    for (uint32_t k = 0; k < GS_MIG_GPU_COUNT; k++) {
        memset(m->pid[k], GS_NONE8, sizeof m->pid[k]);
        uint32_t id = 0;
        for (uint32_t p = 0; p < NP; p++) {
            gs_mig_profile_info info;
            if (gs_mig_profile_get((gs_mig_gpu)k, p, &info) != GS_OK)
                continue;
            m->slices[k][p] = (uint8_t)info.compute_slices;
            for (uint32_t i = 0; i < info.n_starts && id < 64; i++)
                m->pid[k][p][info.starts[i]] = (uint8_t)id++;
        }
    }
    for (uint32_t g = 0; g < t->n_gpus; g++) {
        const gs_mig_rec *r = gs_topo_mig_rec(t, g);
        m->of[g] = GS_NONE;
        if (!r)
            continue;
        mig_gpu *x = &m->g[m->n];
        m->of[g] = m->n++;
        x->gpu = g;
        x->kind = r->kind;
        x->mode = r->mode;
        if (r->mode == GS_MIG_FIXED) {
            x->n = r->n;
            memcpy(x->inst, r->inst, sizeof x->inst);
        }
        uint32_t node = t->gpu_node[g];
        s->nodes[node].mig |= (gs_mask)1 << (g - t->nodes[node].first_gpu);
        uint8_t *nk = &m->node_kind[node];
        *nk = *nk == GS_NONE8 || *nk == r->kind ? r->kind : MIXED;
    }
    make_weights(m);
    return GS_OK;
}

void gs_mig_free(gs_sched *s)
{
    if (!s->mig)
        return;
    gs_free(s->mig->g);
    gs_free(s->mig->of);
    gs_free(s->mig->cache);
    gs_free(s->mig->node_kind);
    gs_free(s->mig->memo);
    gs_free(s->mig);
    s->mig = NULL;
}

static mig_gpu *gpu_of(const gs_sched *s, uint32_t g)
{
    const struct mig_state *m = s->mig;
    if (!m->n || m->of[g] == GS_NONE)
        return NULL;
    return &m->g[m->of[g]];
}

/* The instances present (not released by a what-if) of a dynamic GPU. */
static size_t present(const mig_gpu *x, gs_mig_instance *out, uint64_t *key,
                      const struct mig_state *m)
{
    size_t n = 0;
    uint64_t k = 0;
    for (uint32_t i = 0; i < x->n; i++) {
        if (x->virt[i])
            continue;
        out[n++] = x->inst[i];
        k |= (uint64_t)1 << m->pid[x->kind][x->inst[i].profile]
                                 [x->inst[i].start];
    }
    *key = k;
    return n;
}

static double score(const struct mig_state *m, gs_mig_gpu kind,
                    const gs_mig_instance *inst, size_t n)
{
    double sc = 0;
    for (uint32_t p = 0; p < NP; p++)
        if (m->w[kind][p] > 0)
            sc += m->w[kind][p] * gs_mig_capacity(kind, inst, n, p);
    return sc;
}

/* Starts and costs of every profile on a dynamic GPU's layout. */
static const mig_cache *dyn_entry(const gs_sched *s, const mig_gpu *x)
{
    struct mig_state *m = s->mig;
    gs_mig_instance inst[NI + 1];
    uint64_t key;
    size_t n = present(x, inst, &key, m);
    uint64_t h = (key ^ (uint64_t)x->kind * 0x9E3779B97F4A7C15ull) *
                 0xBF58476D1CE4E5B9ull;
    mig_cache *c = &m->cache[(h >> 40) & (CACHE_SLOTS - 1)];
    if (c->valid && c->key == key && c->kind == x->kind &&
        c->epoch == m->epoch)
        return c;
    gs_mig_gpu kind = (gs_mig_gpu)x->kind;
    double before = score(m, kind, inst, n);
    for (uint32_t p = 0; p < NP; p++) {
        uint32_t start;
        c->start[p] = GS_NONE8;
        c->loss[p] = 0;
        if (gs_mig_choose(kind, inst, n, p, m->w[kind], &start) != GS_OK)
            continue;
        inst[n] = (gs_mig_instance){p, start};
        double after = score(m, kind, inst, n + 1);
        c->start[p] = (uint8_t)start;
        c->loss[p] = (float)(before > after ? before - after : 0);
    }
    c->key = key;
    c->kind = x->kind;
    c->epoch = m->epoch;
    c->valid = 1;
    return c;
}

/* The free fixed instance of profile p a job takes (lowest number). */
static uint32_t fixed_free(const mig_gpu *x, uint32_t p)
{
    for (uint32_t i = 0; i < x->n; i++)
        if (x->inst[i].profile == p && !x->job[i])
            return i;
    return GS_NONE;
}

static uint32_t free_slices(const struct mig_state *m, const mig_gpu *x)
{
    uint32_t used = 0;
    for (uint32_t i = 0; i < x->n; i++) {
        bool busy = x->mode == GS_MIG_FIXED ? x->job[i] && !x->virt[i]
                                             : !x->virt[i];
        if (busy)
            used += m->slices[x->kind][x->inst[i].profile];
    }
    return used < NI ? NI - used : 0;
}

/* The GPU's per-profile answers, made again after it changed. */
static const mig_gpu *fresh(const gs_sched *s, mig_gpu *x)
{
    const struct mig_state *m = s->mig;
    if (x->epoch == m->epoch)
        return x;
    if (x->mode == GS_MIG_FIXED) {
        for (uint32_t p = 0; p < NP; p++) {
            x->cstart[p] = GS_NONE8;
            x->closs[p] = (float)m->w[x->kind][p];
        }
        for (uint32_t i = x->n; i-- > 0;)
            if (!x->job[i] || x->virt[i])
                x->cstart[x->inst[i].profile] = x->inst[i].start;
    } else {
        const mig_cache *c = dyn_entry(s, x);
        memcpy(x->cstart, c->start, sizeof x->cstart);
        memcpy(x->closs, c->loss, sizeof x->closs);
    }
    x->cfree = (uint8_t)free_slices(m, x);
    x->epoch = m->epoch;
    return x;
}

gs_mask gs_mig_roomy(const gs_sched *s, uint32_t n, const job_rec *j)
{
    const node_state *ns = &s->nodes[n];
    if (!ns->mig || ns->drained_node || ns->excl_job || !j->mig_slices)
        return 0;
    uint32_t first = s->topo->nodes[n].first_gpu;
    gs_mask out = 0;
    for (gs_mask x = ns->mig & ~(ns->drained | ns->failed); x; x &= x - 1) {
        uint32_t b = mask_first(x), g = first + b;
        mig_gpu *mg = gpu_of(s, g);
        uint32_t p = j->mig_prof[mg->kind];
        if (p == GS_NONE8 || s->shr[g].rsv)
            continue;
        if (fresh(s, mg)->cstart[p] != GS_NONE8)
            out |= (gs_mask)1 << b;
    }
    return out;
}

void gs_mig_cost(gs_sched *s, const job_rec *j, uint32_t g, double *loss,
                 uint32_t *left)
{
    const mig_gpu *x = fresh(s, gpu_of(s, g));
    uint32_t p = j->mig_prof[x->kind];
    uint32_t f = x->cfree, need = s->mig->slices[x->kind][p];
    *left = f > need ? f - need : 0;
    *loss = x->closs[p];
}

/* A dynamic GPU's new instance (room checked by the caller), held by job,
 * with the host's UUID (NULL: not known yet). */
static void make_instance(mig_gpu *x, uint32_t profile, uint32_t start,
                          uint64_t job, const char *uuid)
{
    uint32_t i = x->n++;
    x->inst[i] = (gs_mig_instance){profile, start};
    x->job[i] = job;
    x->virt[i] = false;
    snprintf(x->uuid[i], sizeof x->uuid[i], "%s", uuid ? uuid : "");
}

void gs_mig_take(gs_sched *s, const job_rec *j, uint32_t n, gs_mask set,
                 bool virtual_)
{
    uint32_t first = s->topo->nodes[n].first_gpu;
    for (gs_mask m = set; m; m &= m - 1) {
        mig_gpu *x = gpu_of(s, first + mask_first(m));
        uint32_t p = j->mig_prof[x->kind];
        x->epoch = 0;
        if (virtual_) {
            for (uint32_t i = 0; i < x->n; i++)
                if (x->job[i] == j->id && x->virt[i])
                    x->virt[i] = false;
            continue;
        }
        if (x->mode == GS_MIG_FIXED) {
            uint32_t i = fixed_free(x, p);
            if (i != GS_NONE)
                x->job[i] = j->id;
            continue;
        }
        const mig_cache *c = dyn_entry(s, x);
        if (c->start[p] == GS_NONE8 || x->n >= NI)
            continue; /* the placement was checked: cannot happen */
        make_instance(x, p, c->start[p], j->id, NULL);
    }
}

void gs_mig_give(gs_sched *s, const job_rec *j, uint32_t n, gs_mask set,
                 bool virtual_)
{
    uint32_t first = s->topo->nodes[n].first_gpu;
    for (gs_mask m = set; m; m &= m - 1) {
        mig_gpu *x = gpu_of(s, first + mask_first(m));
        x->epoch = 0;
        for (uint32_t i = 0; i < x->n; i++) {
            if (x->job[i] != j->id)
                continue;
            if (virtual_) {
                x->virt[i] = true;
            } else if (x->mode == GS_MIG_FIXED) {
                x->job[i] = 0;
                x->virt[i] = false;
            } else {
                /* keep the order of the others */
                for (uint32_t k = i; k + 1 < x->n; k++) {
                    x->inst[k] = x->inst[k + 1];
                    x->job[k] = x->job[k + 1];
                    x->virt[k] = x->virt[k + 1];
                    memcpy(x->uuid[k], x->uuid[k + 1], sizeof x->uuid[k]);
                }
                x->n--;
            }
            break;
        }
    }
}

mig_memo *gs_mig_memo(gs_sched *s, uint32_t n)
{
    return s->mig->memo ? &s->mig->memo[(size_t)n * GS_MIG_MEMOS] : NULL;
}

uint32_t gs_mig_epoch(const gs_sched *s)
{
    return s->mig->epoch;
}

uint32_t gs_mig_tick(gs_sched *s)
{
    return ++s->mig->tick;
}

uint32_t gs_mig_count(const gs_sched *s, uint32_t n, const job_rec *j,
                      gs_mask among)
{
    const struct mig_state *m = s->mig;
    gs_mask x = among & s->nodes[n].mig;
    if (!x)
        return 0;
    uint8_t k = m->node_kind[n];
    if (k != MIXED)
        return j->mig_prof[k] != GS_NONE8 ? mask_count(x) : 0;
    uint32_t c = 0, first = s->topo->nodes[n].first_gpu;
    for (; x; x &= x - 1)
        c += j->mig_prof[gpu_of(s, first + mask_first(x))->kind] != GS_NONE8;
    return c;
}

bool gs_mig_held(const gs_sched *s, const job_rec *j, uint32_t g,
                 uint32_t *start, uint32_t *fixed, const char **uuid)
{
    const mig_gpu *x = gpu_of(s, g);
    if (!x)
        return false;
    for (uint32_t i = 0; i < x->n; i++) {
        if (x->job[i] != j->id)
            continue;
        if (start)
            *start = x->inst[i].start;
        if (fixed)
            *fixed = x->mode == GS_MIG_FIXED ? i : GS_NONE;
        if (uuid)
            *uuid = x->mode == GS_MIG_FIXED ? gs_topo_mig_uuid(s->topo, g, i)
                    : x->uuid[i][0]         ? x->uuid[i]
                                            : NULL;
        return true;
    }
    return false;
}

void gs_mig_note(gs_sched *s, const job_rec *j)
{
    struct mig_state *m = s->mig;
    if (!j->mig_slices || !m->n)
        return;
    /* in each table that has the profile (its number may differ: 1g.10gb
     * is the first profile of A100-80GB, the third of A100-40GB) */
    static const double decay = 0.99932335454721; /* 2^(-1/1024) */
    for (uint32_t k = 0; k < GS_MIG_GPU_COUNT; k++) {
        for (int q = 0; q < NP; q++)
            m->cnt[k][q] *= decay;
        if (j->mig_prof[k] != GS_NONE8)
            m->cnt[k][j->mig_prof[k]] += 1.0;
    }
    if (++m->notes >= MIX_REFRESH)
        make_weights(m);
}

void gs_mig_mix_get(const gs_sched *s, double *out)
{
    /* cnt, then the weights in use and the notes since they were made */
    const size_t half = GS_MIG_GPU_COUNT * NP;
    memcpy(out, s->mig->cnt, sizeof s->mig->cnt);
    memcpy(out + half, s->mig->w, sizeof s->mig->w);
    out[2 * half] = s->mig->notes;
}

void gs_mig_mix_set(gs_sched *s, const double *in)
{
    struct mig_state *m = s->mig;
    const size_t half = GS_MIG_GPU_COUNT * NP;
    memcpy(m->cnt, in, sizeof m->cnt);
    memcpy(m->w, in + half, sizeof m->w);
    m->notes = (uint32_t)in[2 * half];
    m->epoch++;
}

gs_status gs_mig_resolve(gs_sched *s, job_rec *j, const char *name)
{
    bool any = false, here = false;
    for (uint32_t k = 0; k < GS_MIG_GPU_COUNT; k++) {
        uint32_t p;
        j->mig_prof[k] = GS_NONE8;
        if (gs_mig_profile_find((gs_mig_gpu)k, name, &p) != GS_OK)
            continue;
        gs_mig_profile_info info;
        gs_mig_profile_get((gs_mig_gpu)k, p, &info);
        j->mig_prof[k] = (uint8_t)p;
        j->mig_slices = (uint8_t)info.compute_slices;
        if (!any)
            j->mig_name = info.name;
        any = true;
    }
    if (!any)
        return gs_errf(&s->err, GS_EINVAL,
                       "mig_profile \"%.64s\" is not a MIG profile of "
                       "A100-40GB, A100-80GB, H100-80GB or H200-141GB "
                       "(names like \"3g.40gb\" or \"1g.10gb+me\")",
                       name);
    for (uint32_t i = 0; i < s->mig->n && !here; i++)
        here = j->mig_prof[s->mig->g[i].kind] != GS_NONE8;
    if (!here)
        return gs_errf(&s->err, GS_ENORES,
                       "mig_profile \"%s\": no GPU of the cluster in MIG "
                       "mode has that profile (%u GPU%s in MIG mode)",
                       j->mig_name, s->mig->n, s->mig->n == 1 ? "" : "s");
    return GS_OK;
}

bool gs_mig_restore_one(gs_sched *s, const job_rec *j, uint32_t g,
                        uint32_t start, uint32_t fixed, const char *uuid)
{
    mig_gpu *x = gpu_of(s, g);
    if (!x || !j->mig_slices)
        return false;
    x->epoch = 0;
    uint32_t p = j->mig_prof[x->kind];
    if (p == GS_NONE8)
        return false;
    if (x->mode == GS_MIG_FIXED) {
        if (fixed >= x->n || x->job[fixed] || x->inst[fixed].profile != p)
            return false;
        x->job[fixed] = j->id;
        return true;
    }
    if (fixed != GS_NONE || x->n >= NI ||
        (uuid && strlen(uuid) > GS_MAX_MIG_UUID))
        return false;
    gs_mig_instance inst[NI + 1];
    memcpy(inst, x->inst, x->n * sizeof *inst);
    inst[x->n] = (gs_mig_instance){p, start};
    if (gs_mig_layout_check((gs_mig_gpu)x->kind, inst, x->n + 1u, NULL, 0) !=
        GS_OK)
        return false;
    make_instance(x, p, start, j->id, uuid);
    return true;
}

GS_API gs_status gs_sched_set_mig_uuid(gs_sched *s, uint64_t job,
                                       uint32_t gpu, const char *uuid)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    job_rec *j = find_job(s, job);
    if (!j)
        return gs_errf(&s->err, GS_ENOTFOUND, "no job %llu",
                       (unsigned long long)job);
    if (!j->mig_slices || j->state != GS_JOB_RUNNING)
        return gs_errf(&s->err, GS_EINVAL,
                       "job %llu is not a running MIG job",
                       (unsigned long long)job);
    if (!uuid || !gs_mig_uuid_ok(uuid))
        return gs_errf(&s->err, GS_EINVAL,
                       "\"%.64s\" is not a MIG UUID (\"MIG-\" and up to %u "
                       "letters, digits, '-', '/', '.')",
                       uuid ? uuid : "(null)", GS_MAX_MIG_UUID - 4);
    mig_gpu *x = gpu >= s->topo->n_gpus ? NULL : gpu_of(s, gpu);
    uint32_t at = GS_NONE;
    for (uint32_t i = 0; x && i < x->n; i++)
        if (x->job[i] == job)
            at = i;
    if (at == GS_NONE)
        return gs_errf(&s->err, GS_EINVAL,
                       "job %llu holds no MIG instance on GPU %u",
                       (unsigned long long)job, gpu);
    if (x->mode == GS_MIG_FIXED)
        return gs_errf(&s->err, GS_EINVAL,
                       "GPU %u has a fixed MIG layout: its instances' UUIDs "
                       "come from the topology (gs_topo_set_mig_uuids)",
                       gpu);
    for (uint32_t i = 0; i < x->n; i++)
        if (i != at && strcmp(x->uuid[i], uuid) == 0)
            return gs_errf(&s->err, GS_EINVAL,
                           "GPU %u: \"%s\" is the UUID of job %llu's "
                           "instance",
                           gpu, uuid, (unsigned long long)x->job[i]);
    snprintf(x->uuid[at], sizeof x->uuid[at], "%s", uuid);
    gs_jr_rec r = {.kind = GS_JR_MIG_UUID};
    r.a = job;
    r.b = gpu;
    r.s1 = uuid;
    return gs_jr_done(s, &r);
}

gs_status gs_mig_check(gs_sched *s)
{
    const struct mig_state *m = s->mig;
    gs_sched *w = s;
    for (uint32_t i = 0; i < m->n; i++) {
        const mig_gpu *x = &m->g[i];
        gs_mig_instance inst[NI];
        size_t n = 0;
        for (uint32_t k = 0; k < x->n; k++) {
            if (x->virt[k])
                return gs_errf(&w->err, GS_EINVALID,
                               "GPU %u: a what-if release of a MIG instance "
                               "outlived its step",
                               x->gpu);
            if (x->mode == GS_MIG_DYNAMIC || x->job[k])
                inst[n++] = x->inst[k];
            if (!x->job[k]) {
                if (x->mode == GS_MIG_DYNAMIC)
                    return gs_errf(&w->err, GS_EINVALID,
                                   "GPU %u: a made MIG instance has no job",
                                   x->gpu);
                continue;
            }
            const job_rec *j = find_job(s, x->job[k]);
            bool on = false;
            for (uint32_t g = 0; j && g < j->gpus && !on; g++)
                on = j->gpu_ids[g] == x->gpu;
            if (!j || j->state != GS_JOB_RUNNING || !j->mig_slices ||
                j->mig_prof[x->kind] != x->inst[k].profile || !on)
                return gs_errf(&w->err, GS_EINVALID,
                               "GPU %u: MIG instance %u is held by job %llu, "
                               "which is not a running job of that profile "
                               "on the GPU",
                               x->gpu, k, (unsigned long long)x->job[k]);
            for (uint32_t q = 0; q < k; q++)
                if (x->job[q] == x->job[k])
                    return gs_errf(&w->err, GS_EINVALID,
                                   "GPU %u: job %llu holds two MIG "
                                   "instances",
                                   x->gpu, (unsigned long long)x->job[k]);
        }
        char why[160];
        if (gs_mig_layout_check((gs_mig_gpu)x->kind, inst, n, why,
                                sizeof why) != GS_OK)
            return gs_errf(&w->err, GS_EINVALID,
                           "GPU %u: its MIG instances are not a legal "
                           "layout: %s",
                           x->gpu, why);
    }
    /* every running MIG job holds an instance on each of its GPUs */
    for (size_t i = 0; i < s->n_running; i++) {
        const job_rec *j = &s->jobs[s->running[i]];
        if (!j->mig_slices)
            continue;
        for (uint32_t g = 0; g < j->gpus; g++)
            if (!gs_mig_held(s, j, j->gpu_ids[g], NULL, NULL, NULL))
                return gs_errf(&w->err, GS_EINVALID,
                               "MIG job %llu holds no instance on GPU %u",
                               (unsigned long long)j->id, j->gpu_ids[g]);
    }
    return GS_OK;
}
