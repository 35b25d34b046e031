/*
 * The ordering policy registry, the built-in orderings' ops tables, and
 * the scheduler's setters for its ordering, fair-share algorithm and site
 * factors. The built-ins are registered through the same table a host
 * uses (common/registry.c).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "common/registry.h"
#include "sched/sched_impl.h"

#include <math.h>
#include <string.h>

GS_API unsigned gs_ordering_abi_version(void)
{
    return GS_ORDERING_ABI_VERSION;
}

/* Slurm's multifactor priority (its priority/multifactor plugin): the
 * weighted factors, minus nice, plus the site factor as it is. */
static double multifactor_priority(void *state, const gs_order_job *j)
{
    (void)state;
    return gs_multifactor_value(j->weights, j->age_factor, j->fairshare,
                                j->size_factor, j->priority_factor, j->nice,
                                j->site_factor);
}

/* fifo: every job ties, so submission time, then id, decide; priority:
 * the same with GS_ORDERING_TIES_BY_PRIORITY, so that the job's own
 * priority decides first, exactly (a double would not tell priorities
 * beyond 2^53 apart) */
static double zero_priority(void *state, const gs_order_job *j)
{
    (void)state;
    (void)j;
    return 0;
}

/* fifo and priority preempt by the jobs' own priorities */
static int priority_outranks(void *state, const gs_order_job *hi,
                             const gs_order_job *lo)
{
    (void)state;
    return hi->priority > lo->priority;
}

const gs_ordering_ops gs_ordering_multifactor = {
    .abi_version = GS_ORDERING_ABI_VERSION,
    .name = "multifactor",
    .description = "weighted age, fair share, job size and priority, minus "
                   "nice, plus the site factor (Slurm's priority/multifactor)",
    .flags = GS_ORDERING_USES_FACTORS,
    .priority = multifactor_priority,
};

const gs_ordering_ops gs_ordering_fifo = {
    .abi_version = GS_ORDERING_ABI_VERSION,
    .name = "fifo",
    .description = "submission time, then id",
    .priority = zero_priority,
    .outranks = priority_outranks,
};

const gs_ordering_ops gs_ordering_priority = {
    .abi_version = GS_ORDERING_ABI_VERSION,
    .name = "priority",
    .description = "the job's own priority, then submission time, then id",
    .flags = GS_ORDERING_TIES_BY_PRIORITY,
    .priority = zero_priority,
    .outranks = priority_outranks,
};

static const void *const builtins[] = {&gs_ordering_multifactor,
                                       &gs_ordering_fifo,
                                       &gs_ordering_priority, NULL};

static const char *name_of(const void *ops)
{
    return ((const gs_ordering_ops *)ops)->name;
}

static gs_registry registry = GS_REGISTRY_INIT(builtins, name_of);

GS_API gs_status gs_ordering_register(const gs_ordering_ops *ops)
{
    if (!ops || !ops->name || !*ops->name ||
        (!ops->priority && !ops->compare) ||
        (ops->flags & ~(uint32_t)(GS_ORDERING_USES_FACTORS |
                                  GS_ORDERING_TIES_BY_PRIORITY)) ||
        ops->abi_version < 1 || ops->abi_version > GS_ORDERING_ABI_VERSION)
        return GS_EINVAL;
    return gs_registry_add(&registry, ops);
}

GS_API const gs_ordering_ops *gs_ordering_find(const char *name)
{
    return gs_registry_find(&registry, name);
}

GS_API gs_status gs_ordering_unregister(const char *name)
{
    return gs_registry_remove(&registry, name);
}

GS_API size_t gs_ordering_count(void)
{
    return gs_registry_count(&registry);
}

GS_API const char *gs_ordering_name(size_t i)
{
    return gs_registry_name(&registry, i);
}

/* ---- the scheduler's ordering ------------------------------------------ */

void gs_ordering_install(gs_sched *s, const gs_ordering_ops *o, void *state,
                         char *options)
{
    if (s->ordering && s->ordering->destroy)
        s->ordering->destroy(s->ordering_state);
    s->ordering = o;
    s->ordering_state = state;
    gs_free(s->ordering_options);
    s->ordering_options = options;
    /* the new policy may read factors the old one never needed */
    s->fs_fresh = false;
}

gs_status gs_ordering_lookup(gs_sched *s, const char *name,
                             const gs_ordering_ops **out)
{
    *out = gs_ordering_find(name);
    if (*out)
        return GS_OK;
    char q[80];
    return gs_errf(&s->err, GS_ENOTFOUND,
                   "no ordering policy named \"%s\" (multifactor, fifo, "
                   "priority, or one registered with gs_ordering_register)",
                   gs_printable(q, sizeof q, name ? name : "", SIZE_MAX));
}

gs_status gs_ordering_make(gs_sched *s, const gs_ordering_ops *o,
                           const char *options, void **state)
{
    *state = NULL;
    gs_status st = o->init ? o->init(state, s->topo, options) : GS_OK;
    if (st == GS_OK)
        return GS_OK;
    *state = NULL;
    char q[80];
    return gs_errf(&s->err, st, "ordering policy \"%s\" refused to start: %s",
                   gs_printable(q, sizeof q, o->name, SIZE_MAX),
                   gs_strerror(st));
}

gs_status gs_fairshare_lookup(gs_sched *s, const char *name,
                              const gs_fairshare_ops **out)
{
    *out = gs_fairshare_find(name);
    if (*out)
        return GS_OK;
    char q[80];
    return gs_errf(&s->err, GS_ENOTFOUND,
                   "no fair-share algorithm named \"%s\" (fair-tree, "
                   "classic, or one registered with gs_fairshare_register)",
                   gs_printable(q, sizeof q, name ? name : "", SIZE_MAX));
}

GS_API gs_status gs_sched_set_ordering(gs_sched *s, const char *name,
                                       const char *options)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    if (!name)
        return gs_errf(&s->err, GS_EINVAL, "set_ordering: no name given");
    const gs_ordering_ops *o;
    void *state;
    char *copy = NULL;
    if (options && !(copy = gs_strdup(options)))
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    gs_status st = gs_ordering_lookup(s, name, &o);
    if (st == GS_OK)
        st = gs_ordering_make(s, o, options, &state);
    if (st != GS_OK) {
        gs_free(copy);
        return st;
    }
    gs_ordering_install(s, o, state, copy);
    gs_jr_rec r = {.kind = GS_JR_ORDERING};
    r.s1 = name;
    r.s2 = options;
    return gs_jr_done(s, &r);
}

GS_API const char *gs_sched_ordering(const gs_sched *s)
{
    return s && s->ordering ? s->ordering->name : NULL;
}

GS_API const char *gs_sched_placement(const gs_sched *s)
{
    return gs_sched_ready(s) ? s->placement_name : NULL;
}

GS_API const char *gs_sched_fairshare(const gs_sched *s)
{
    return gs_sched_ready(s) && s->fairshare ? s->fairshare->name : NULL;
}

GS_API gs_status gs_sched_set_fairshare(gs_sched *s, const char *name)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    if (!name)
        return gs_errf(&s->err, GS_EINVAL, "set_fairshare: no name given");
    const gs_fairshare_ops *f;
    gs_status st = gs_fairshare_lookup(s, name, &f);
    if (st != GS_OK)
        return st;
    s->fairshare = f;
    s->fs_fresh = false;
    gs_jr_rec r = {.kind = GS_JR_FAIRSHARE};
    r.s1 = name;
    return gs_jr_done(s, &r);
}

GS_API gs_status gs_sched_set_job_factor(gs_sched *s, uint64_t job,
                                         double factor)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    job_rec *j = find_job(s, job);
    if (!j)
        return gs_errf(&s->err, GS_ENOTFOUND, "no job %llu",
                       (unsigned long long)job);
    if (j->state != GS_JOB_PENDING && j->state != GS_JOB_RUNNING)
        return gs_errf(&s->err, GS_ESTATE, "job %llu is %s",
                       (unsigned long long)job, gs_job_state_name(j->state));
    if (isnan(factor))
        return gs_errf(&s->err, GS_EINVAL, "set_job_factor: factor is NaN");
    if (!(factor >= -GS_SITE_FACTOR_MAX && factor <= GS_SITE_FACTOR_MAX))
        return gs_errf(&s->err, GS_ERANGE,
                       "set_job_factor: factor %g is outside -1e15..1e15",
                       factor);
    j->site_factor = factor;
    gs_jr_rec r = {.kind = GS_JR_JOB_FACTOR};
    r.a = job;
    r.d[0] = factor;
    return gs_jr_done(s, &r);
}
