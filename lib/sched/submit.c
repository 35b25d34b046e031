/*
 * Submission: a job spec checked, copied and refused when the cluster
 * could never run it; and the preview of where a spec would go.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/books.h"
#include "sched/order.h"
#include "sched/jobview.h"
#include "sched/plan.h"
#include "sched/quiet.h"
#include "topo/constraint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gs_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static gs_status spec_error(gs_sched *s, job_rec *j, gs_status st,
                            const char *fmt, ...) GS_PRINTF(4, 5);

static gs_status spec_error(gs_sched *s, job_rec *j, gs_status st,
                            const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char what[GS_ERRMSG_MAX];
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    gs_job_free(j);
    return gs_errf(&s->err, st, "job spec: %s", what);
}

/* Of c GPUs of a node of type ty, how many the job could use with the
 * node's CPUs and memory (a type without CPUs or memory does not account
 * them). */
static uint32_t host_cap(const gs_ntype *ty, const job_rec *j, uint32_t c)
{
    if (j->cpus_per_gpu && ty->n_cpus && ty->n_cpus / j->cpus_per_gpu < c)
        c = ty->n_cpus / j->cpus_per_gpu;
    uint64_t mem = gs_type_memory(ty);
    if (j->mem_per_gpu && mem && mem / j->mem_per_gpu < c)
        c = (uint32_t)(mem / j->mem_per_gpu);
    return c;
}

/* Could the job run, in partitions `parts` on GPUs of `model`, if the
 * cluster were idle? Catches requests that would otherwise wait forever at
 * the head of the queue. Nodes of one class are alike, so this looks at
 * classes, not nodes. *best: the most GPUs a node could give it. */
static bool runnable_on(gs_sched *s, const job_rec *j, uint64_t parts,
                        uint32_t model, uint32_t *best)
{
    *best = 0;
    if (!j->gpus) {
        /* a CPU-only job: a node of its partitions and features whose
         * type lists the CPUs and memory it asks */
        for (uint32_t c = 0; c < s->n_types; c++)
            if (s->type_nodes[c] && gs_cpu_class_fits(s, j, c, parts))
                return true;
        return false;
    }
    if (!gs_job_eligible(s, j, s->elig, parts, model))
        return false;
    if (j->mig_slices) {
        /* GPUs in MIG mode are per node: count them node by node */
        for (uint32_t n = 0; n < s->n_nodes; n++) {
            uint32_t c = gs_mig_count(s, n, j, s->elig[node_class(s, n)]);
            if (!c)
                continue;
            *best = GS_MAX(*best, host_cap(node_type(s, n), j, c));
        }
        for (size_t i = 0; i < j->n_required; i++) {
            uint32_t g = j->required[i];
            uint32_t node = s->topo->gpu_node[g];
            uint32_t idx = g - s->topo->nodes[node].first_gpu;
            if (!(((s->elig[node_class(s, node)] & s->nodes[node].mig) >>
                   idx) & 1))
                return false;
        }
        return *best >= j->gpus;
    }
    uint64_t total = 0, nodes_with_share = 0;
    uint32_t best_node = 0;
    uint32_t share = j->gpus_per_node ? j->gpus_per_node : 1;
    for (uint32_t ci = 0; ci < s->n_types; ci++) {
        uint32_t c = host_cap(class_type(s, ci), j, mask_count(s->elig[ci]));
        total += (uint64_t)c * s->type_nodes[ci];
        if (c > best_node)
            best_node = c;
        if (c >= share)
            nodes_with_share += s->type_nodes[ci];
    }
    *best = best_node;
    if (total < j->gpus || best_node == 0)
        return false;
    if (j->max_nodes == 1 && best_node < j->gpus)
        return false;
    if (j->gpus_per_node && nodes_with_share < j->gpus / j->gpus_per_node)
        return false;
    if (j->min_nodes > nodes_with_share)
        return false;
    if (j->one_domain && best_node < j->gpus) {
        const gs_topo *t = s->topo;
        bool any = false;
        for (size_t d = 0; d < t->n_domains && !any; d++) {
            uint32_t sum = 0;
            for (uint32_t i = s->domain_range[d]; i < s->domain_range[d + 1];
                 i++)
                sum += mask_count(s->elig[node_class(s, s->domain_order[i])]);
            any = sum >= j->gpus;
        }
        if (!any)
            return false;
    }
    for (size_t i = 0; i < j->n_required; i++) {
        uint32_t g = j->required[i];
        uint32_t node = s->topo->gpu_node[g];
        uint32_t idx = g - s->topo->nodes[node].first_gpu;
        if (!((s->elig[node_class(s, node)] >> idx) & 1))
            return false;
    }
    return true;
}

/* Could the job ever run (in one of its partitions, on GPUs of one model
 * unless it allows any)? A job that sets no node counts and does not
 * allow splitting gets, as its most nodes, the fewest that could hold it. */
static gs_status check_runnable(gs_sched *s, job_rec *j)
{
    uint32_t order[GS_MAX_PARTITIONS];
    uint32_t np = s->n_parts ? gs_part_order(s, j, order) : 1;
    if (!s->n_parts)
        order[0] = 0;
    uint32_t nm = !j->any_model && s->n_models > 1 ? s->n_models : 1;
    uint32_t most = 0;
    bool any = false;
    for (uint32_t pi = 0; pi < np; pi++)
        for (uint32_t mi = 0; mi < nm; mi++) {
            uint32_t best;
            if (runnable_on(s, j, (uint64_t)1 << order[pi],
                            nm > 1 ? mi : GS_NONE, &best)) {
                any = true;
                most = GS_MAX(most, best);
            }
        }
    if (!any)
        return GS_ENORES;
    if (j->auto_nodes && j->gpus) {
        /* the fewest nodes that could hold it, and every node holding a
         * GPU it requires */
        uint32_t need = (j->gpus + most - 1) / most, req_nodes = 0;
        for (size_t i = 0; i < j->n_required; i++)
            if (i == 0 || s->topo->gpu_node[j->required[i]] !=
                              s->topo->gpu_node[j->required[i - 1]])
                req_nodes++;
        j->max_nodes = GS_MAX(need, req_nodes);
    }
    return GS_OK;
}

static gs_status intern_opt(gs_sched *s, const char *in, const char **out)
{
    *out = NULL;
    if (!in)
        return GS_OK;
    *out = gs_intern(&s->strings, in, strlen(in));
    return *out ? GS_OK : gs_errf(&s->err, GS_ENOMEM, "out of memory");
}

/* Check a spec and fill j from it (models and required GPUs allocated;
 * free_job releases them). */
static gs_status parse_spec(gs_sched *s, const gs_job_spec *spec, job_rec *jp)
{
    /* A caller built against an older header passes a shorter struct:
     * the fields it does not know keep their initial values. The oldest
     * layout ends at submit_time. */
    if (!spec || spec->struct_size < offsetof(gs_job_spec, nice) ||
        spec->struct_size > (1u << 16))
        return gs_errf(&s->err, GS_EINVAL,
                       "job spec is NULL or its struct_size is wrong "
                       "(initialize it with gs_job_spec_init)");
    gs_job_spec full;
    gs_job_spec_init(&full);
    memcpy(&full, spec, GS_MIN((size_t)spec->struct_size, sizeof full));
    spec = &full;
    job_rec j;
    memset(&j, 0, sizeof j);
    j.gpus = spec->gpus;
    j.gpus_per_node = spec->gpus_per_node;
    j.min_nodes = spec->min_nodes ? spec->min_nodes : 1;
    j.max_nodes = spec->max_nodes ? spec->max_nodes : UINT32_MAX;
    j.cpus_per_gpu = spec->cpus_per_gpu;
    j.mem_per_gpu = spec->mem_per_gpu;
    j.min_gpu_memory = spec->min_gpu_memory;
    j.min_cc = spec->min_cc_major * 1000 + spec->min_cc_minor;
    j.auto_nodes = !spec->gpus_per_node && !spec->min_nodes &&
                   !spec->max_nodes && !spec->allow_split;
    j.allow_split = spec->allow_split != 0;
    j.any_model = spec->any_model != 0;
    j.part = GS_NONE8;
    j.est_start = GS_TIME_UNKNOWN;
    j.exclusive = spec->exclusive != 0;
    j.one_domain = spec->one_nvlink_domain != 0;
    j.comm = spec->comm;
    j.pattern = (uint8_t)((unsigned)spec->pattern < GS_PATTERN_COUNT
                              ? spec->pattern
                              : GS_PATTERN_ANY);
    j.priority = spec->priority;
    j.time_limit = spec->time_limit;
    j.submit_time = spec->submit_time;
    j.nice = spec->nice;
    j.preemptible = spec->preemptible != 0;
    j.depends_on = spec->depends_on;
    j.start_time = j.end_time = -1;
    if (j.gpus == 0) {
        /* a CPU-only job: one node, no GPU field */
        const char *gpu_field =
            spec->gpus_per_node                      ? "gpus_per_node"
            : spec->min_nodes > 1                    ? "min_nodes above 1"
            : spec->max_nodes > 1                    ? "max_nodes above 1"
            : spec->gpu_milli && spec->gpu_milli < 1000 ? "gpu_milli"
            : spec->mig_profile && *spec->mig_profile ? "mig_profile"
            : spec->n_require_gpus || spec->n_require_uuids
                ? "required GPUs"
            : spec->min_gpu_memory || spec->gpu_mem  ? "GPU memory"
            : spec->gpu_models && *spec->gpu_models  ? "gpu_models"
            : spec->min_cc_major || spec->min_cc_minor
                ? "a compute capability"
            : spec->one_nvlink_domain ? "one_nvlink_domain"
                                      : NULL;
        if (gpu_field)
            return spec_error(s, &j, GS_EINVAL,
                              "a CPU-only job (gpus 0) runs on one node "
                              "without GPUs: it cannot set %s",
                              gpu_field);
        j.min_nodes = j.max_nodes = 1;
        j.auto_nodes = false;
        j.pattern = GS_PATTERN_NONE;
        j.comm = GS_COMM_INSENSITIVE;
    }
    if (j.gpus > s->topo->n_gpus)
        return spec_error(s, &j, GS_ENORES,
                          "gpus: %u asked, the cluster has %u", j.gpus,
                          s->topo->n_gpus);
    if (j.gpus_per_node && j.gpus % j.gpus_per_node)
        return spec_error(s, &j, GS_EINVAL,
                          "gpus (%u) must be a multiple of gpus_per_node (%u)",
                          j.gpus, j.gpus_per_node);
    if (spec->max_nodes && spec->min_nodes > spec->max_nodes)
        return spec_error(s, &j, GS_EINVAL,
                          "min_nodes (%u) is above max_nodes (%u)",
                          spec->min_nodes, spec->max_nodes);
    if (j.gpus && j.min_nodes > j.gpus)
        return spec_error(s, &j, GS_EINVAL,
                          "min_nodes (%u) is above gpus (%u): every node "
                          "needs at least one GPU",
                          j.min_nodes, j.gpus);
    if (j.gpus_per_node) {
        uint32_t nodes = j.gpus / j.gpus_per_node;
        if (nodes < j.min_nodes || nodes > j.max_nodes)
            return spec_error(s, &j, GS_EINVAL,
                              "gpus / gpus_per_node = %u nodes, outside "
                              "min_nodes..max_nodes",
                              nodes);
    }
    if ((unsigned)spec->comm > GS_COMM_INSENSITIVE)
        return spec_error(s, &j, GS_EINVAL, "comm %d is not a gs_comm_hint",
                          (int)spec->comm);
    if ((unsigned)spec->pattern >= GS_PATTERN_COUNT)
        return spec_error(s, &j, GS_EINVAL,
                          "pattern %d is not a gs_comm_pattern",
                          (int)spec->pattern);
    if (spec->gpu_milli > 1000)
        return spec_error(s, &j, GS_EINVAL,
                          "gpu_milli %u is above 1000 (a whole GPU)",
                          spec->gpu_milli);
    if (spec->gpu_mem > ((uint64_t)1 << 56))
        return spec_error(s, &j, GS_ERANGE,
                          "gpu_mem %llu bytes is above 2^56",
                          (unsigned long long)spec->gpu_mem);
    j.gpu_mem = spec->gpu_mem;
    if (spec->gpu_mem > j.min_gpu_memory)
        j.min_gpu_memory = spec->gpu_mem; /* a GPU must hold it */
    if (spec->gpu_milli && spec->gpu_milli < 1000) {
        j.milli = (uint16_t)spec->gpu_milli;
        if (j.gpus > s->max_node_gpus)
            return spec_error(s, &j, GS_ENORES,
                              "a shared job runs on one node: %u GPUs "
                              "asked, the largest node has %u",
                              j.gpus, s->max_node_gpus);
        if (spec->min_nodes > 1 ||
            (spec->gpus_per_node && spec->gpus_per_node != j.gpus))
            return spec_error(s, &j, GS_EINVAL,
                              "a shared job (gpu_milli %u) runs on one "
                              "node: min_nodes and gpus_per_node cannot "
                              "spread it",
                              spec->gpu_milli);
        if (spec->exclusive)
            return spec_error(s, &j, GS_EINVAL,
                              "a shared job (gpu_milli %u) cannot be "
                              "exclusive",
                              spec->gpu_milli);
        j.max_nodes = 1;
        j.auto_nodes = false;
    }
    if (spec->mig_profile && *spec->mig_profile) {
        if (j.milli)
            return spec_error(s, &j, GS_EINVAL,
                              "a MIG job (mig_profile \"%.64s\") cannot also "
                              "ask for gpu_milli %u",
                              spec->mig_profile, spec->gpu_milli);
        if (spec->exclusive)
            return spec_error(s, &j, GS_EINVAL,
                              "a MIG job (mig_profile \"%.64s\") cannot be "
                              "exclusive",
                              spec->mig_profile);
        if (spec->min_nodes > 1 ||
            (spec->gpus_per_node && spec->gpus_per_node != j.gpus))
            return spec_error(s, &j, GS_EINVAL,
                              "a MIG job (mig_profile \"%.64s\") runs on one "
                              "node: min_nodes and gpus_per_node cannot "
                              "spread it",
                              spec->mig_profile);
        gs_status mst = gs_mig_resolve(s, &j, spec->mig_profile);
        if (mst != GS_OK) {
            char what[GS_ERRMSG_MAX];
            snprintf(what, sizeof what, "%s", s->err.msg);
            return spec_error(s, &j, mst, "%s", what);
        }
        if (j.gpus > s->max_node_gpus)
            return spec_error(s, &j, GS_ENORES,
                              "a MIG job runs on one node: %u instances "
                              "asked (one per GPU), the largest node has %u "
                              "GPUs",
                              j.gpus, s->max_node_gpus);
        j.max_nodes = 1;
        j.auto_nodes = false;
    }
    if (spec->min_cc_minor >= 1000 || spec->min_cc_major > 1000)
        return spec_error(s, &j, GS_EINVAL,
                          "min_cc %u.%u is out of range", spec->min_cc_major,
                          spec->min_cc_minor);
    if (spec->time_limit < 0)
        return spec_error(s, &j, GS_EINVAL, "time_limit must not be negative");
    if (spec->time_limit > GS_TIME_MAX)
        return spec_error(s, &j, GS_ERANGE,
                          "time_limit %lld is above 2^60 seconds",
                          (long long)spec->time_limit);
    if (spec->submit_time < -GS_TIME_MAX || spec->submit_time > GS_TIME_MAX)
        return spec_error(s, &j, GS_ERANGE,
                          "submit_time %lld is out of range (at most 2^60 "
                          "seconds either side of 0)",
                          (long long)spec->submit_time);
    /* partitions: which, and their defaults and limits */
    gs_status pst = gs_part_resolve(s, &j, spec->partition, spec->cpus_per_gpu,
                                    spec->mem_per_gpu, spec->time_limit);
    if (pst != GS_OK) {
        gs_job_free(&j);
        return pst;
    }
    if (j.gpus == 0 && !j.cpus_per_gpu && !j.mem_per_gpu)
        return spec_error(s, &j, GS_EINVAL,
                          "gpus must be at least 1, or, for a CPU-only job "
                          "(gpus 0), cpus_per_gpu or mem_per_gpu must say "
                          "what it needs");
    if (spec->constraint && *spec->constraint) {
        gs_err e;
        gs_err_clear(&e);
        pst = gs_constraint_compile(s->topo, spec->constraint, &j.cons, &e);
        if (pst != GS_OK)
            return spec_error(s, &j, pst, "constraint: %s", e.msg);
    }
    if (spec->depends_on && !find_job(s, spec->depends_on))
        return spec_error(s, &j, GS_EINVAL,
                          spec->depends_on <= s->last_id
                              ? "depends_on: job %llu ended and was "
                                "forgotten (gs_sched_set_retention)"
                              : "depends_on: there is no job %llu",
                          (unsigned long long)spec->depends_on);
    if (s->clock != INT64_MIN && spec->submit_time < s->clock)
        return spec_error(s, &j, GS_EINVAL,
                          "submit_time %lld is earlier than %lld, the "
                          "latest time this scheduler was given (times "
                          "must not go backwards)",
                          (long long)spec->submit_time,
                          (long long)s->clock);
    if (spec->nice < -1000000000 || spec->nice > 1000000000)
        return spec_error(s, &j, GS_EINVAL, "nice is out of range");
    if ((spec->user && gs_check_name("user", spec->user, &s->err) != GS_OK) ||
        (spec->account &&
         gs_check_name("account", spec->account, &s->err) != GS_OK)) {
        char what[GS_ERRMSG_MAX];
        snprintf(what, sizeof what, "%s", s->err.msg);
        return spec_error(s, &j, GS_EINVAL, "%s", what);
    }
    if ((spec->n_require_gpus && !spec->require_gpus) ||
        (spec->n_require_uuids && !spec->require_uuids))
        return spec_error(s, &j, GS_EINVAL,
                          "require_gpus/require_uuids is NULL with a count");
    /* GPU models: lower-case copies of the comma-separated names */
    if (spec->gpu_models && *spec->gpu_models) {
        size_t count = 1;
        for (const char *p = spec->gpu_models; *p; p++)
            count += *p == ',';
        j.models = gs_calloc(count + 1, sizeof *j.models);
        if (!j.models)
            return spec_error(s, &j, GS_ENOMEM, "out of memory");
        size_t k = 0, len;
        const char *cur = spec->gpu_models, *p;
        while (gs_list_next(&cur, &p, &len)) {
            if (len == 0)
                return spec_error(s, &j, GS_EINVAL,
                                  "gpu_models \"%.64s\" has an empty name",
                                  spec->gpu_models);
            if (!(j.models[k] = gs_strndup(p, len)))
                return spec_error(s, &j, GS_ENOMEM, "out of memory");
            k++;
        }
    }
    /* required GPUs: ids and UUIDs, resolved, sorted, no repeats; each
     * count is checked before the sum, which could wrap */
    if (spec->n_require_gpus > j.gpus || spec->n_require_uuids > j.gpus ||
        spec->n_require_gpus + spec->n_require_uuids > j.gpus) {
        if (spec->n_require_uuids == 0 || spec->n_require_gpus == 0)
            return spec_error(s, &j, GS_EINVAL,
                              "%zu GPUs required but the job asks for %u",
                              spec->n_require_gpus + spec->n_require_uuids,
                              j.gpus);
        return spec_error(s, &j, GS_EINVAL,
                          "GPUs required by id (%zu) and by UUID (%zu) are "
                          "more than the %u the job asks for",
                          spec->n_require_gpus, spec->n_require_uuids, j.gpus);
    }
    size_t nreq = spec->n_require_gpus + spec->n_require_uuids;
    if (nreq) {
        j.required = gs_malloc(nreq * sizeof *j.required);
        if (!j.required)
            return spec_error(s, &j, GS_ENOMEM, "out of memory");
        for (size_t i = 0; i < spec->n_require_gpus; i++) {
            if (spec->require_gpus[i] >= s->topo->n_gpus)
                return spec_error(s, &j, GS_EINVAL,
                                  "require_gpus[%zu] = %u: the cluster has "
                                  "GPUs 0-%u",
                                  i, spec->require_gpus[i],
                                  s->topo->n_gpus - 1);
            j.required[j.n_required++] = spec->require_gpus[i];
        }
        for (size_t i = 0; i < spec->n_require_uuids; i++) {
            const char *u = spec->require_uuids[i];
            uint32_t g = u ? gs_topo_find_gpu_uuid(s->topo, u) : GS_NONE;
            if (g == GS_NONE)
                return spec_error(s, &j, GS_EINVAL,
                                  "require_uuids[%zu]: no GPU has UUID "
                                  "\"%.64s\"",
                                  i, u ? u : "(null)");
            j.required[j.n_required++] = g;
        }
        qsort(j.required, j.n_required, sizeof *j.required, gs_cmp_u32);
        /* GPUs it requires of different models: it allows any */
        const gs_topo *t = s->topo;
        for (size_t i = 1; i < j.n_required; i++) {
            uint32_t a = j.required[0], b = j.required[i];
            const gs_ntype *ta = t->nodes[t->gpu_node[a]].type;
            const gs_ntype *tb = t->nodes[t->gpu_node[b]].type;
            if (ta->gpus[a - t->nodes[t->gpu_node[a]].first_gpu].model !=
                tb->gpus[b - t->nodes[t->gpu_node[b]].first_gpu].model)
                j.any_model = true;
        }
        for (size_t i = 1; i < j.n_required; i++)
            if (j.required[i] == j.required[i - 1])
                return spec_error(s, &j, GS_EINVAL,
                                  "GPU %u is required twice", j.required[i]);
    }
    *jp = j;
    return GS_OK;
}

/* The buffers the decision path fills for a job (its allocation by node,
 * its GPU ids, its CPUs) and its name, in one block (a job costs one
 * allocation: restoring 100,000 of them is bound by the allocator). */
gs_status gs_job_buffers(const gs_sched *s, job_rec *j, const char *name,
                         bool may_wait)
{
    j->cap_alloc = j->gpus ? GS_MIN(j->gpus, s->n_nodes) : 1;
    /* CPU ids it may hold: cpus_per_gpu for each GPU, but never more
     * than the nodes it can use have (on nodes that do not account CPUs
     * it holds none): a huge cpus_per_gpu must not size a huge buffer */
    uint64_t n_cpus = gs_job_cpu_cap(s, j);
    size_t nlen = name ? strlen(name) + 1 : 0;
    size_t text = may_wait ? REASON_MAX : 0;
    size_t bytes = (size_t)j->cap_alloc * sizeof *j->alloc +
                   ((size_t)j->gpus + (size_t)n_cpus) * sizeof(uint32_t) +
                   text + nlen;
    char *b = gs_malloc(bytes ? bytes : 1);
    if (!b)
        return GS_ENOMEM;
    j->alloc = (alloc_node *)(void *)b;
    b += (size_t)j->cap_alloc * sizeof *j->alloc;
    j->gpu_ids = (uint32_t *)(void *)b;
    b += (size_t)j->gpus * sizeof(uint32_t);
    j->cpus = n_cpus ? (uint32_t *)(void *)b : NULL;
    b += (size_t)n_cpus * sizeof(uint32_t);
    j->reason_text = text ? b : NULL;
    if (text)
        b[0] = '\0';
    b += text;
    j->name = name ? memcpy(b, name, nlen) : NULL;
    return GS_OK;
}

uint64_t gs_job_cpu_cap(const gs_sched *s, const job_rec *j)
{
    if (!j->cpus_per_gpu)
        return 0;
    uint32_t most = 0;
    for (uint32_t ti = 0; ti < s->n_ttypes; ti++)
        most = GS_MAX(most, s->topo->types[ti]->n_cpus);
    uint32_t units = job_units(j); /* a CPU-only job: one */
    return GS_MIN((uint64_t)units * j->cpus_per_gpu,
                  (uint64_t)most * GS_MIN(units, s->n_nodes));
}

/* Every buffer the decision path may need for nj job slots, one job of
 * them asking for gpus GPUs (so deciding allocates nothing). Capacity
 * only: the caller raises max_job_gpus once it commits. */
gs_status gs_sched_reserve(gs_sched *s, size_t nj, uint32_t gpus)
{
    uint32_t mg = GS_MAX(s->max_job_gpus, gpus);
    if (!GS_GROW(s->jobs, s->cap_jobs, nj) ||
        !GS_GROW(s->pending, s->cap_pending, nj) ||
        !GS_GROW(s->running, s->cap_running, nj) ||
        !GS_GROW(s->running_scratch, s->cap_running_scratch, nj) ||
        !GS_GROW(s->ends, s->cap_ends, nj) ||
        !GS_GROW(s->bf_end, s->cap_bf_end, nj) ||
        (s->cap_place_out < GS_MAX(gpus, 1) &&
         !GS_GROW(s->place_out, s->cap_place_out, GS_MAX(gpus, 1))) ||
        !GS_GROW(s->rsv_gpus, s->cap_rsv_gpus, (size_t)s->bf_depth * mg) ||
        !GS_GROW(s->memo_gpus, s->cap_memo_gpus, (size_t)s->bf_depth * mg) ||
        !GS_GROW(s->bf_iv, s->cap_bf_iv, (size_t)s->bf_depth * mg) ||
        !GS_GROW(s->requeued, s->cap_requeued, nj) ||
        !GS_GROW(s->remap, s->cap_remap, nj) ||
        gs_sched_ended_room(s, nj) != GS_OK ||
        gs_order_reserve(s, nj) != GS_OK)
        return GS_ENOMEM;
    return GS_OK;
}

static gs_status assoc_auto_room(gs_sched *s, size_t n);

/* Was association a made by the host (not by a submission)? */
static bool host_assoc(const gs_sched *s, uint32_t a)
{
    return a >= s->cap_assoc_auto || !(s->assoc_auto[a] & ASSOC_AUTO);
}

/* Bring the account tree's summary up to date with the associations added
 * since the last look (the tree only grows): whether the host listed any
 * account or user, each user's first account, and which accounts list
 * users. O(new associations). */
static gs_status scan_tree(gs_sched *s)
{
    const gs_share *sh = s->share;
    if (s->tree_scanned > sh->n)
        s->tree_scanned = 0; /* a tree that shrank: start again */
    if (s->tree_scanned == sh->n)
        return GS_OK;
    if (!gs_strtab_reserve(&s->user_home, sh->n - s->tree_scanned))
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    for (size_t a = s->tree_scanned; a < sh->n; a++) {
        if (a == 0 || !host_assoc(s, (uint32_t)a))
            continue;
        const char *user = sh->a[a].user;
        if (!user) {
            s->tree_accounts = true;
            continue;
        }
        s->tree_users = true;
        if (!gs_strtab_get(&s->user_home, user, strlen(user)))
            gs_strtab_put(&s->user_home, user, strlen(user), (uint32_t)a);
        uint32_t parent = sh->a[a].parent;
        if (parent != GS_NONE && parent < s->cap_assoc_auto)
            s->assoc_auto[parent] |= ASSOC_LISTS_USERS;
    }
    s->tree_scanned = sh->n;
    return GS_OK;
}

/* The account a job is charged to, checked against the account tree the
 * host gave (gs_sched_set_auto_accounts). *acct is the spec's account, or
 * for a job without one its user's first account. */
static gs_status check_account(gs_sched *s, const gs_job_spec *spec,
                               const char **acct)
{
    const gs_share *sh = s->share;
    *acct = spec->account && *spec->account ? spec->account : NULL;
    if (s->auto_accounts)
        return GS_OK;
    gs_status st = s->share->n > s->cap_assoc_auto
                       ? assoc_auto_room(s, s->share->n + 2)
                       : GS_OK;
    if (st != GS_OK || (st = scan_tree(s)) != GS_OK)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    if (!s->tree_accounts)
        return GS_OK; /* no accounts given: every name is taken */
    const char *user = spec->user && *spec->user ? spec->user : NULL;
    if (!*acct && user) {
        const gs_strtab_slot *h = gs_strtab_get(&s->user_home, user,
                                                strlen(user));
        if (h)
            *acct = sh->a[h->val].account;
        else if (s->tree_users)
            return gs_errf(&s->err, GS_ENOTFOUND,
                           "job spec: user \"%.64s\" is in no account of the "
                           "account tree, and the job names none "
                           "(gs_sched_set_auto_accounts creates them)",
                           user);
    }
    if (!*acct)
        return GS_OK; /* charged to root's "(none)" */
    uint32_t a = gs_share_find(sh, NULL, *acct);
    if (a == GS_NONE || !host_assoc(s, a))
        return gs_errf(&s->err, GS_ENOTFOUND,
                       "job spec: account \"%.64s\" is not in the account "
                       "tree (gs_sched_set_auto_accounts creates unknown "
                       "accounts)",
                       *acct);
    if (!user)
        return GS_OK;
    uint32_t u = gs_share_find(sh, user, *acct);
    if (u != GS_NONE && host_assoc(s, u))
        return GS_OK;
    /* an account that lists users takes only those */
    if (a < s->cap_assoc_auto && (s->assoc_auto[a] & ASSOC_LISTS_USERS))
        return gs_errf(&s->err, GS_ENOTFOUND,
                       "job spec: user \"%.64s\" is not in account "
                       "\"%.64s\" of the account tree "
                       "(gs_sched_set_auto_accounts creates them)",
                       user, *acct);
    return GS_OK;
}

/* Room to mark n associations as made by submissions. */
static gs_status assoc_auto_room(gs_sched *s, size_t n)
{
    if (n <= s->cap_assoc_auto)
        return GS_OK;
    size_t cap = GS_MAX(n, 2 * s->cap_assoc_auto);
    uint8_t *a = gs_realloc(s->assoc_auto, cap);
    if (!a)
        return GS_ENOMEM;
    memset(a + s->cap_assoc_auto, 0, cap - s->cap_assoc_auto);
    s->assoc_auto = a;
    s->cap_assoc_auto = cap;
    return GS_OK;
}

GS_API gs_status gs_sched_submit(gs_sched *s, const gs_job_spec *spec,
                                 uint64_t *job)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    job_rec j;
    gs_status st = parse_spec(s, spec, &j);
    if (st != GS_OK)
        return st;
    const char *account;
    if ((st = check_account(s, spec, &account)) != GS_OK) {
        gs_job_free(&j);
        return st;
    }
    st = check_runnable(s, &j);
    if (st != GS_OK)
        return spec_error(s, &j, st,
                          "the cluster could never run it, even idle (not "
                          "enough GPUs of the allowed models, memory and "
                          "compute capability on suitable nodes, or a "
                          "required GPU that does not qualify)");
    if (gs_job_buffers(s, &j, spec->name, true) != GS_OK ||
        intern_opt(s, spec->user, &j.user) != GS_OK ||
        intern_opt(s, account, &j.account) != GS_OK)
        return spec_error(s, &j, GS_ENOMEM, "out of memory");
    /* every buffer the decision path may need for this many jobs (slots:
     * when they run out and holes are many, compact first), and room for
     * the job's books; after this nothing can fail, so a submission that
     * runs out of memory changes nothing */
    if (s->n_jobs == s->cap_jobs && s->n_dead)
        gs_sched_compact(s);
    const char *fs_user = spec->user ? spec->user : GS_NOBODY;
    if (gs_sched_reserve(s, s->n_jobs + 1, j.gpus) != GS_OK ||
        gs_share_prepare(s->share, fs_user, account) != GS_OK ||
        gs_books_reserve(s, spec->user) != GS_OK ||
        assoc_auto_room(s, s->share->n + 2) != GS_OK ||
        gs_quiet_reserve(s) != GS_OK)
        return spec_error(s, &j, GS_ENOMEM, "out of memory");
    /* the job's user-in-account association, and its limit counters */
    size_t n_assoc = s->share->n;
    if (gs_share_ensure(s->share, fs_user, account, &j.assoc) !=
            GS_OK ||
        gs_books_grow_accounts(s) != GS_OK ||
        gs_books_user_slot(s, spec->user, &j.user_slot) != GS_OK)
        return spec_error(s, &j, GS_ENOMEM, "out of memory"); /* reserved:
                                                                  cannot */
    if (s->share->n != n_assoc) {
        s->fs_fresh = false; /* a new association changes the factors */
        for (size_t a = n_assoc; a < s->share->n; a++)
            s->assoc_auto[a] |= ASSOC_AUTO;
        /* jobs with no user: charged to "(none)", which takes no share */
        if (!spec->user && s->share->a[j.assoc].user)
            s->share->a[j.assoc].shares = 0;
    }
    if (j.gpus > s->max_job_gpus)
        s->max_job_gpus = j.gpus;
    j.id = ++s->last_id;
    j.state = GS_JOB_PENDING;
    if (j.depends_on)
        find_job(s, j.depends_on)->dependents++;
    if (j.submit_time > s->max_submit)
        s->max_submit = j.submit_time;
    s->jobs[s->n_jobs++] = j;
    s->n_live++;
    s->cursor->ok = false;
    if (!j.mig_slices)
        gs_demand_note(s, &j);
    if (j.mig_slices)
        gs_mig_note(s, &j);
    else
        gs_frag_note(s, &j);
    /* appended: each step sorts the pending jobs by the ordering */
    s->pending[s->n_pending++] = (uint32_t)(s->n_jobs - 1);
    if (job)
        *job = j.id;
    gs_err_clear(&s->err);
    gs_jr_rec r = {.kind = GS_JR_SUBMIT};
    r.spec = spec;
    return gs_jr_done(s, &r);
}

GS_API gs_status gs_sched_preview(gs_sched *s, const gs_job_spec *spec,
                                  uint32_t *gpus, size_t cap, size_t *count)
{
    if (count)
        *count = 0;
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    job_rec j;
    gs_status st = parse_spec(s, spec, &j);
    if (st != GS_OK)
        return st;
    /* as a submission would see it: its node count chosen, and a job the
     * cluster could never run refused */
    if (check_runnable(s, &j) != GS_OK)
        return spec_error(s, &j, GS_ENORES,
                          "the cluster could never run it, even idle");
    if (cap < j.gpus || (!gpus && j.gpus)) {
        gs_job_free(&j);
        return gs_errf(&s->err, GS_ENOSPC, "preview: %zu slots for %u GPUs",
                       cap, j.gpus);
    }
    if (s->cap_place_out < GS_MAX(j.gpus, 1) &&
        !GS_GROW(s->place_out, s->cap_place_out, GS_MAX(j.gpus, 1))) {
        gs_job_free(&j);
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    }
    gs_place_request req;
    gs_place_ctx ctx;
    st = gs_ask_policy(s, &j, s->place_out, &ctx, &req, false);
    if (st == GS_OK) {
        for (uint32_t i = 0; i < j.gpus; i++)
            gpus[i] = s->place_out[i];
        /* increasing order, without allocating */
        for (uint32_t i = 1; i < j.gpus; i++) {
            uint32_t v = gpus[i], k = i;
            while (k > 0 && gpus[k - 1] > v) {
                gpus[k] = gpus[k - 1];
                k--;
            }
            gpus[k] = v;
        }
        if (count)
            *count = j.gpus;
        gs_job_free(&j);
        gs_err_clear(&s->err);
        return GS_OK;
    }
    gs_errf(&s->err, GS_ENORES, "%s",
            ctx.reason[0] ? ctx.reason : "not enough free resources");
    gs_job_free(&j);
    return GS_ENORES;
}

/* ---- hold, release, change ---------------------------------------------- */

static gs_status pending_job(gs_sched *s, uint64_t id, const char *what,
                             job_rec **out)
{
    job_rec *j = find_job(s, id);
    if (!j)
        return gs_errf(&s->err, GS_ENOTFOUND,
                       id && id <= s->last_id
                           ? "%s: job %llu ended and was forgotten"
                           : "%s: no job %llu",
                       what, (unsigned long long)id);
    if (j->state != GS_JOB_PENDING)
        return gs_errf(&s->err, GS_EBUSY,
                       "%s: job %llu is %s; only a pending job can be %s",
                       what, (unsigned long long)id,
                       gs_job_state_name(j->state),
                       strcmp(what, "update") == 0    ? "changed"
                       : strcmp(what, "release") == 0 ? "released"
                                                      : "held");
    *out = j;
    return GS_OK;
}

static gs_status hold_call(gs_sched *s, uint64_t id, bool hold)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    job_rec *j;
    gs_status st = pending_job(s, id, hold ? "hold" : "release", &j);
    if (st != GS_OK)
        return st;
    if (!hold && !j->held)
        return gs_errf(&s->err, GS_EINVAL, "release: job %llu is not held",
                       (unsigned long long)id);
    j->held = hold;
    j->lazy = LAZY_NONE;
    if (hold) {
        j->reason = GS_REASON_HELD;
        snprintf(j->reason_text, REASON_MAX,
                 "held by the host (gs_sched_release lets it go)");
    } else {
        j->reason = GS_REASON_NONE; /* until the next step looks at it */
        j->reason_text[0] = '\0';
    }
    gs_err_clear(&s->err);
    gs_jr_rec r = {.kind = hold ? GS_JR_HOLD : GS_JR_RELEASE};
    r.a = id;
    return gs_jr_done(s, &r);
}

GS_API gs_status gs_sched_hold(gs_sched *s, uint64_t job)
{
    return hold_call(s, job, true);
}

GS_API gs_status gs_sched_release(gs_sched *s, uint64_t job)
{
    return hold_call(s, job, false);
}

GS_API void gs_job_update_init(gs_job_update *u)
{
    if (u) {
        gs_job_update init = GS_JOB_UPDATE_INIT;
        *u = init;
    }
}

GS_API gs_status gs_sched_update_job(gs_sched *s, uint64_t job,
                                     const gs_job_update *update)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    if (!update || update->struct_size < 2 * sizeof(uint32_t) ||
        update->struct_size > (1u << 16))
        return gs_errf(&s->err, GS_EINVAL,
                       "update: NULL or its struct_size is wrong (initialize "
                       "it with gs_job_update_init)");
    gs_job_update u;
    gs_job_update_init(&u);
    memcpy(&u, update, GS_MIN((size_t)update->struct_size, sizeof u));
    const unsigned known = GS_UPDATE_PRIORITY | GS_UPDATE_TIME_LIMIT |
                           GS_UPDATE_GPUS | GS_UPDATE_PARTITION |
                           GS_UPDATE_CONSTRAINT;
    if (u.fields & ~known)
        return gs_errf(&s->err, GS_EINVAL,
                       "update: unknown field bits 0x%x", u.fields & ~known);
    job_rec *j;
    gs_status st = pending_job(s, job, "update", &j);
    if (st != GS_OK)
        return st;
    job_rec n = *j; /* the new request; j's buffers are shared until commit */
    n.cons = NULL;
    if (u.fields & GS_UPDATE_PRIORITY)
        n.priority = u.priority;
    if (u.fields & GS_UPDATE_TIME_LIMIT) {
        if (u.time_limit < 0)
            return gs_errf(&s->err, GS_EINVAL,
                           "update: time_limit must not be negative");
        if (u.time_limit > GS_TIME_MAX)
            return gs_errf(&s->err, GS_ERANGE,
                           "update: time_limit %lld is above 2^60 seconds",
                           (long long)u.time_limit);
    }
    if (u.fields & GS_UPDATE_GPUS) {
        if (j->gpus == 0)
            return gs_errf(&s->err, GS_EINVAL,
                           "update: job %llu is CPU-only (gpus 0): its GPU "
                           "count cannot change",
                           (unsigned long long)job);
        if (u.gpus == 0)
            return gs_errf(&s->err, GS_EINVAL,
                           "update: gpus must be at least 1");
        if (u.gpus > s->topo->n_gpus)
            return gs_errf(&s->err, GS_ENORES,
                           "update: gpus: %u asked, the cluster has %u",
                           u.gpus, s->topo->n_gpus);
        if (n.gpus_per_node && u.gpus % n.gpus_per_node)
            return gs_errf(&s->err, GS_EINVAL,
                           "update: gpus (%u) must be a multiple of its "
                           "gpus_per_node (%u)",
                           u.gpus, n.gpus_per_node);
        if (n.min_nodes > u.gpus || n.n_required > u.gpus)
            return gs_errf(&s->err, GS_EINVAL,
                           "update: gpus (%u) is below its min_nodes or its "
                           "required GPUs",
                           u.gpus);
        n.gpus = u.gpus;
        if (n.gpus_per_node &&
            (n.gpus / n.gpus_per_node < n.min_nodes ||
             n.gpus / n.gpus_per_node > n.max_nodes))
            return gs_errf(&s->err, GS_EINVAL,
                           "update: gpus / gpus_per_node = %u nodes, outside "
                           "its min_nodes..max_nodes",
                           n.gpus / n.gpus_per_node);
    }
    if (n.auto_nodes)
        n.max_nodes = UINT32_MAX;
    /* partitions (with their limits and defaults, against the new GPU
     * count and time limit) */
    if (s->n_parts && (u.fields & (GS_UPDATE_PARTITION | GS_UPDATE_GPUS |
                                   GS_UPDATE_TIME_LIMIT))) {
        char list[GS_MAX_PARTITIONS * 66];
        const char *text = u.partition;
        if (!(u.fields & GS_UPDATE_PARTITION)) {
            /* keep its partitions */
            size_t at = 0;
            for (uint32_t p = 0; p < s->n_parts; p++)
                if ((j->parts >> p) & 1)
                    at += (size_t)snprintf(list + at, sizeof list - at,
                                           "%s%s", at ? "," : "",
                                           s->parts[p].name);
            text = list;
        }
        int64_t t = (u.fields & GS_UPDATE_TIME_LIMIT) ? u.time_limit
                                                      : j->time_limit;
        uint32_t cpus = n.cpus_per_gpu;
        uint64_t mem = n.mem_per_gpu;
        if ((st = gs_part_resolve(s, &n, text, cpus, mem, t)) != GS_OK)
            return st;
    } else if (u.fields & GS_UPDATE_PARTITION) {
        if ((st = gs_part_resolve(s, &n, u.partition, n.cpus_per_gpu,
                                  n.mem_per_gpu, n.time_limit)) != GS_OK)
            return st;
    } else if (u.fields & GS_UPDATE_TIME_LIMIT) {
        n.time_limit = u.time_limit;
    }
    if (u.fields & GS_UPDATE_CONSTRAINT) {
        if (u.constraint && *u.constraint) {
            gs_err e;
            gs_err_clear(&e);
            st = gs_constraint_compile(s->topo, u.constraint, &n.cons, &e);
            if (st != GS_OK)
                return gs_errf(&s->err, st, "update: constraint: %s", e.msg);
        }
    } else if (j->cons) {
        n.cons = j->cons; /* kept (borrowed until commit) */
    }
    bool new_cons = (u.fields & GS_UPDATE_CONSTRAINT) != 0;
    st = check_runnable(s, &n);
    if (st != GS_OK) {
        if (new_cons)
            gs_constraint_free(n.cons);
        return gs_errf(&s->err, GS_ENORES,
                       "update: job %llu as changed could never run on this "
                       "cluster, even idle",
                       (unsigned long long)job);
    }
    bool new_buffers = n.gpus != j->gpus || n.cpus_per_gpu != j->cpus_per_gpu;
    if (new_buffers) {
        if (gs_job_buffers(s, &n, j->name, true) != GS_OK ||
            gs_sched_reserve(s, s->n_jobs, n.gpus) != GS_OK) {
            if (n.alloc != j->alloc)
                gs_free(n.alloc);
            if (new_cons)
                gs_constraint_free(n.cons);
            return gs_errf(&s->err, GS_ENOMEM, "out of memory");
        }
        memcpy(n.reason_text, j->reason_text, REASON_MAX);
        gs_free(j->alloc);
    }
    if (new_cons)
        gs_constraint_free(j->cons);
    if (n.gpus > s->max_job_gpus)
        s->max_job_gpus = n.gpus;
    *j = n;
    gs_err_clear(&s->err);
    gs_jr_rec r = {.kind = GS_JR_UPDATE_JOB};
    r.a = job;
    r.upd = &u;
    return gs_jr_done(s, &r);
}
