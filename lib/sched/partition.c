/*
 * Partitions (named sets of nodes with their own limits and defaults),
 * node classes and GPU models, job defaults, the account policy and time
 * limits.
 *
 * Node classes: nodes of one topology type, in the same partitions, with
 * the same features and weight. The key index and the GPU masks a job
 * accepts are by class, so a partition or a constraint that rules a node
 * out costs nothing per node at decision time: the class's mask is 0.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/books.h"
#include "sched/state.h"
#include "sched/apply.h"
#include "topo/constraint.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- classes and models ------------------------------------------------ */

static int cmp_class(const void *arg, uint32_t a, uint32_t b)
{
    const gs_sched *s = arg;
    const gs_node_rec *na = &s->topo->nodes[a], *nb = &s->topo->nodes[b];
    if (na->type->id != nb->type->id)
        return na->type->id < nb->type->id ? -1 : 1;
    if (s->node_parts[a] != s->node_parts[b])
        return s->node_parts[a] < s->node_parts[b] ? -1 : 1;
    if (na->features != nb->features)
        return na->features < nb->features ? -1 : 1;
    if (na->weight != nb->weight)
        return na->weight < nb->weight ? -1 : 1;
    return a < b ? -1 : a > b;
}

static bool same_class(const gs_sched *s, uint32_t a, uint32_t b)
{
    const gs_node_rec *na = &s->topo->nodes[a], *nb = &s->topo->nodes[b];
    return na->type->id == nb->type->id &&
           s->node_parts[a] == s->node_parts[b] &&
           na->features == nb->features && na->weight == nb->weight;
}

/* The arrays classes need (creation): one class per node at most. */
static gs_status classes_alloc(gs_sched *s)
{
    size_t N = s->n_nodes + 1;
    s->node_cls = gs_calloc(N, sizeof *s->node_cls);
    s->cls_ttype = gs_calloc(N, sizeof *s->cls_ttype);
    s->cls_parts = gs_calloc(N, sizeof *s->cls_parts);
    s->cls_feat = gs_calloc(N, sizeof *s->cls_feat);
    s->cls_weight = gs_calloc(N, sizeof *s->cls_weight);
    s->node_parts = gs_calloc(N, sizeof *s->node_parts);
    if (!s->node_cls || !s->cls_ttype || !s->cls_parts || !s->cls_feat ||
        !s->cls_weight || !s->node_parts)
        return GS_ENOMEM;
    /* GPU models: at most one per GPU of each type */
    size_t most = 1;
    for (uint32_t t = 0; t < s->n_ttypes; t++)
        most += s->topo->types[t]->n_gpus;
    s->models = gs_calloc(most, sizeof *s->models);
    if (!s->models)
        return GS_ENOMEM;
    const gs_topo *t = s->topo;
    /* distinct models in order of first appearance by node */
    uint32_t *min_w = gs_calloc(most, sizeof *min_w); /* per model */
    if (!min_w)
        return GS_ENOMEM;
    for (uint32_t n = 0; n < s->n_nodes; n++) {
        const gs_ntype *ty = t->nodes[n].type;
        for (uint32_t g = 0; g < ty->n_gpus; g++) {
            const char *m = ty->gpus[g].model;
            uint32_t k = 0;
            while (k < s->n_models && s->models[k] != m)
                k++;
            if (k == s->n_models) {
                s->models[s->n_models++] = m;
                min_w[k] = t->nodes[n].weight;
            } else if (t->nodes[n].weight < min_w[k]) {
                min_w[k] = t->nodes[n].weight;
            }
        }
    }
    /* preference: the lowest node weight, then first appearance (a
     * stable insertion sort: few models) */
    for (uint32_t i = 1; i < s->n_models; i++) {
        const char *m = s->models[i];
        uint32_t w = min_w[i], k = i;
        while (k > 0 && min_w[k - 1] > w) {
            s->models[k] = s->models[k - 1];
            min_w[k] = min_w[k - 1];
            k--;
        }
        s->models[k] = m;
        min_w[k] = w;
    }
    gs_free(min_w);
    s->tt_model = gs_calloc((size_t)s->n_ttypes * s->n_models + 1,
                            sizeof *s->tt_model);
    if (!s->tt_model)
        return GS_ENOMEM;
    for (uint32_t ti = 0; ti < s->n_ttypes; ti++) {
        const gs_ntype *ty = t->types[ti];
        for (uint32_t g = 0; g < ty->n_gpus; g++)
            for (uint32_t k = 0; k < s->n_models; k++)
                if (s->models[k] == ty->gpus[g].model)
                    s->tt_model[(size_t)ti * s->n_models + k] |=
                        (gs_mask)1 << g;
    }
    return GS_OK;
}

gs_status gs_sched_classes(gs_sched *s)
{
    if (!s->node_cls) {
        gs_status st = classes_alloc(s);
        if (st != GS_OK)
            return st;
    }
    uint32_t N = s->n_nodes;
    uint32_t *idx = s->scratch_nodes;
    for (uint32_t n = 0; n < N; n++)
        idx[n] = n;
    gs_sort_idx(idx, N, cmp_class, s);
    uint32_t nc = 0;
    s->node_weights = false;
    for (uint32_t i = 0; i < N; i++) {
        uint32_t n = idx[i];
        const gs_node_rec *nr = &s->topo->nodes[n];
        if (i == 0 || !same_class(s, idx[i - 1], n)) {
            s->cls_ttype[nc] = nr->type->id;
            s->cls_parts[nc] = s->node_parts[n];
            s->cls_feat[nc] = nr->features;
            s->cls_weight[nc] = nr->weight;
            s->type_nodes[nc] = 0;
            nc++;
        }
        s->node_cls[n] = nc - 1;
        s->type_nodes[nc - 1]++;
        if (nr->weight != 1)
            s->node_weights = true;
    }
    s->n_types = nc;
    return GS_OK;
}

void gs_sched_free_parts(gs_sched *s)
{
    for (uint32_t p = 0; p < s->n_parts; p++) {
        gs_free(s->parts[p].name);
        gs_free(s->parts[p].user_running);
        gs_free(s->parts[p].nodes);
    }
    s->n_parts = 0;
    gs_free(s->node_cls);
    gs_free(s->cls_ttype);
    gs_free(s->cls_parts);
    gs_free(s->cls_feat);
    gs_free(s->cls_weight);
    gs_free(s->node_parts);
    gs_free(s->models);
    gs_free(s->tt_model);
    gs_free(s->assoc_auto);
    gs_strtab_free(&s->user_home);
}

/* ---- partitions -------------------------------------------------------- */

static void rank_parts(gs_sched *s)
{
    s->tiers = false;
    for (uint32_t p = 0; p < s->n_parts; p++) {
        uint32_t k = p;
        while (k > 0 && s->parts[s->part_rank[k - 1]].tier < s->parts[p].tier) {
            s->part_rank[k] = s->part_rank[k - 1];
            k--;
        }
        s->part_rank[k] = p;
        if (s->parts[p].tier)
            s->tiers = true;
    }
}

typedef struct node_walk {
    gs_sched *s;
    uint64_t bit;
    uint32_t p;
    const char *bad; /* first unknown name */
    char bad_name[GS_MAX_NAME];
    uint32_t *list;
    uint32_t n;
} node_walk;

static bool collect_node(void *arg, const char *name, size_t len)
{
    node_walk *w = arg;
    (void)len;
    uint32_t n = gs_topo_find_node(w->s->topo, name);
    if (n == GS_NONE) {
        snprintf(w->bad_name, sizeof w->bad_name, "%s", name);
        w->bad = w->bad_name;
        return false;
    }
    w->list[w->n++] = n;
    return w->n <= w->s->n_nodes;
}

/* Partition names in text (commas) to a mask; GS_ENOTFOUND names one. */
static gs_status parts_mask(gs_sched *s, const char *text, const char *what,
                            const char *self, uint64_t *out)
{
    *out = 0;
    const char *cur = text, *p;
    size_t len;
    while (gs_list_next(&cur, &p, &len)) {
        if (len == 0)
            return gs_errf(&s->err, GS_EINVAL,
                           "%s \"%.64s\" has an empty name", what, text);
        uint32_t k = 0;
        while (k < s->n_parts && (strlen(s->parts[k].name) != len ||
                                  memcmp(s->parts[k].name, p, len) != 0))
            k++;
        if (k == s->n_parts && self && strlen(self) == len &&
            memcmp(self, p, len) == 0)
            k = s->n_parts + 1; /* the partition being added */
        if (k == s->n_parts) {
            char names[256] = "";
            size_t used = 0;
            for (uint32_t i = 0; i < s->n_parts && used < sizeof names; i++)
                used += (size_t)snprintf(names + used, sizeof names - used,
                                         "%s%s", i ? ", " : "",
                                         s->parts[i].name);
            return gs_errf(&s->err, GS_ENOTFOUND,
                           "%s: no partition \"%.*s\" (partitions: %s)", what,
                           (int)GS_MIN(len, 64), p,
                           s->n_parts ? names : "none");
        }
        *out |= (uint64_t)1 << (k > s->n_parts ? s->n_parts : k);
    }
    return GS_OK;
}

GS_API void gs_partition_spec_init(gs_partition_spec *spec)
{
    if (spec) {
        gs_partition_spec init = GS_PARTITION_SPEC_INIT;
        *spec = init;
    }
}

gs_status gs_part_add(gs_sched *s, const gs_partition_spec *full,
                      uint64_t preempts, const uint32_t *list, uint32_t nn)
{
    uint32_t self = s->n_parts;
    sched_part np;
    memset(&np, 0, sizeof np);
    np.name = gs_strdup(full->name);
    np.cap_users = s->cap_user_slots + 1;
    np.user_running = gs_calloc(np.cap_users, sizeof *np.user_running);
    if (!np.name || !np.user_running) {
        gs_free(np.name);
        gs_free(np.user_running);
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    }
    np.preempts = preempts;
    np.tier = full->priority_tier;
    np.max_gpus_per_job = full->max_gpus_per_job;
    np.max_gpus_per_user = full->max_gpus_per_user;
    np.default_time = full->default_time;
    np.max_time = full->max_time;
    np.def_cpus_per_gpu = full->def_cpus_per_gpu;
    np.def_mem_per_gpu = full->def_mem_per_gpu;
    np.nodes = gs_malloc(((size_t)nn + 1) * sizeof *np.nodes);
    if (!np.nodes) {
        gs_free(np.name);
        gs_free(np.user_running);
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    }
    uint64_t bit = (uint64_t)1 << self;
    uint32_t *row = gs_part_hist(s, self);
    memset(row, 0, 65 * sizeof *row);
    for (uint32_t i = 0; i < nn; i++) {
        uint32_t n = list[i];
        if (n < s->n_nodes && !(s->node_parts[n] & bit)) {
            s->node_parts[n] |= bit;
            np.n_nodes++;
            np.n_gpus += node_type(s, n)->n_gpus;
            uint32_t c = mask_count(s->nodes[n].avail);
            row[c]++;
            np.free += c;
        }
    }
    /* its node list, in increasing order */
    uint32_t k = 0;
    for (uint32_t n = 0; n < s->n_nodes; n++)
        if (s->node_parts[n] & bit)
            np.nodes[k++] = n;
    s->parts[self] = np;
    s->n_parts++;
    if (self == 0 || full->is_default)
        s->part_default = self;
    if (np.max_gpus_per_user) {
        s->part_user_limits = true;
        s->any_limit = true;
    }
    rank_parts(s);
    gs_sched_classes(s); /* cannot fail once allocated */
    gs_state_rekey(s);
    return GS_OK;
}

GS_API gs_status gs_sched_add_partition(gs_sched *s,
                                        const gs_partition_spec *spec)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    if (!spec || spec->struct_size < sizeof(uint32_t) * 2 ||
        spec->struct_size > (1u << 16))
        return gs_errf(&s->err, GS_EINVAL,
                       "partition spec is NULL or its struct_size is wrong "
                       "(initialize it with gs_partition_spec_init)");
    gs_partition_spec full;
    gs_partition_spec_init(&full);
    memcpy(&full, spec, GS_MIN((size_t)spec->struct_size, sizeof full));
    const char *name = full.name;
    if (!name || gs_check_name("partition", name, &s->err) != GS_OK)
        return name ? GS_EINVAL
                    : gs_errf(&s->err, GS_EINVAL, "partition: name is NULL");
    if (strlen(name) > 64 || strspn(name, "abcdefghijklmnopqrstuvwxyz"
                                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789_.-") != strlen(name))
        return gs_errf(&s->err, GS_EINVAL,
                       "partition \"%.64s\": a name is 1 to 64 letters, "
                       "digits, '_', '.' or '-'",
                       name);
    if (s->last_id)
        return gs_errf(&s->err, GS_EBUSY,
                       "partition \"%s\": partitions are defined before the "
                       "first job is submitted (%llu were)",
                       name, (unsigned long long)s->last_id);
    for (uint32_t p = 0; p < s->n_parts; p++)
        if (strcmp(s->parts[p].name, name) == 0)
            return gs_errf(&s->err, GS_EEXIST,
                           "partition \"%s\" exists already", name);
    if (s->n_parts >= GS_MAX_PARTITIONS)
        return gs_errf(&s->err, GS_ERANGE,
                       "partition \"%s\": a scheduler holds at most %u "
                       "partitions",
                       name, GS_MAX_PARTITIONS);
    if (full.default_time < 0 || full.max_time < 0)
        return gs_errf(&s->err, GS_EINVAL,
                       "partition \"%s\": default_time and max_time must "
                       "not be negative",
                       name);
    if (full.default_time > GS_TIME_MAX || full.max_time > GS_TIME_MAX)
        return gs_errf(&s->err, GS_ERANGE,
                       "partition \"%s\": a time above 2^60 seconds", name);
    if (full.max_time && full.default_time > full.max_time)
        return gs_errf(&s->err, GS_EINVAL,
                       "partition \"%s\": default_time %lld is above "
                       "max_time %lld",
                       name, (long long)full.default_time,
                       (long long)full.max_time);
    if (full.def_mem_per_gpu > (uint64_t)GS_TIME_MAX)
        return gs_errf(&s->err, GS_ERANGE,
                       "partition \"%s\": def_mem_per_gpu above 2^60 bytes",
                       name);
    uint64_t preempts = 0;
    if (full.preempts && *full.preempts) {
        /* its own name may be listed: it is added below */
        char what[96];
        snprintf(what, sizeof what, "partition \"%.64s\": preempts", name);
        gs_status st = parts_mask(s, full.preempts, what, name, &preempts);
        if (st != GS_OK)
            return st;
    }
    /* its nodes */
    uint32_t *list = s->scratch_nodes2;
    uint32_t nn = 0;
    if (!full.nodes || !*full.nodes || strcmp(full.nodes, "ALL") == 0) {
        for (uint32_t n = 0; n < s->n_nodes; n++)
            list[nn++] = n;
    } else {
        node_walk w;
        memset(&w, 0, sizeof w);
        w.s = s;
        w.list = list;
        size_t bad_at = 0;
        const char *why = NULL;
        gs_status st = gs_hostlist_expand(full.nodes, strlen(full.nodes),
                                          (size_t)s->n_nodes + 1,
                                          collect_node, &w, &bad_at, &why);
        if (w.bad)
            return gs_errf(&s->err, GS_EINVAL,
                           "partition \"%s\": nodes \"%.64s\": no node \"%s\"",
                           name, full.nodes, w.bad);
        if (st == GS_ERANGE || w.n > s->n_nodes)
            return gs_errf(&s->err, GS_EINVAL,
                           "partition \"%s\": nodes \"%.64s\" names more "
                           "nodes than the cluster has (a node twice?)",
                           name, full.nodes);
        if (st != GS_OK)
            return gs_errf(&s->err, GS_EINVAL,
                           "partition \"%s\": nodes \"%.64s\", column %zu: "
                           "%s",
                           name, full.nodes, bad_at + 1,
                           why ? why : "not a hostlist");
        nn = w.n;
    }
    gs_status st = gs_part_add(s, &full, preempts, list, nn);
    if (st != GS_OK)
        return st;
    gs_err_clear(&s->err);
    gs_jr_rec r = {.kind = GS_JR_ADD_PARTITION};
    r.part = &full;
    return gs_jr_done(s, &r);
}

GS_API uint32_t gs_sched_partition_count(const gs_sched *s)
{
    return gs_sched_ready(s) ? s->n_parts : 0;
}

GS_API uint32_t gs_sched_find_partition(const gs_sched *s, const char *name)
{
    if (!gs_sched_ready(s) || !name)
        return GS_NONE;
    for (uint32_t p = 0; p < s->n_parts; p++)
        if (strcmp(s->parts[p].name, name) == 0)
            return p;
    return GS_NONE;
}

GS_API gs_status gs_sched_partition_info(const gs_sched *s, uint32_t part,
                                         gs_partition_info *out)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    if (!out || out->struct_size < sizeof(uint32_t) ||
        out->struct_size > (1u << 16))
        return gs_sched_errf_const(s, GS_EINVAL,
                                   "partition info: out is NULL or its "
                                   "struct_size is wrong");
    if (part >= s->n_parts)
        return gs_sched_errf_const(s, GS_EINVAL,
                                   "partition %u out of range (the scheduler "
                                   "has %u)",
                                   part, s->n_parts);
    const sched_part *p = &s->parts[part];
    gs_partition_info f;
    memset(&f, 0, sizeof f);
    f.struct_size = sizeof f;
    f.name = p->name;
    f.is_default = part == s->part_default;
    f.nodes = p->n_nodes;
    f.gpus = p->n_gpus;
    f.gpus_in_use = p->gpus_in_use;
    f.running = p->running;
    f.max_gpus_per_job = p->max_gpus_per_job;
    f.max_gpus_per_user = p->max_gpus_per_user;
    f.default_time = p->default_time;
    f.max_time = p->max_time;
    f.priority_tier = p->tier;
    f.def_cpus_per_gpu = p->def_cpus_per_gpu;
    f.def_mem_per_gpu = p->def_mem_per_gpu;
    size_t n = GS_MIN((size_t)out->struct_size, sizeof f);
    uint32_t keep = out->struct_size;
    memcpy(out, &f, n);
    out->struct_size = keep;
    return GS_OK;
}

GS_API int gs_sched_node_in_partition(const gs_sched *s, uint32_t node,
                                      uint32_t part)
{
    if (!gs_sched_ready(s) || node >= s->n_nodes || part >= s->n_parts)
        return 0;
    return (int)((s->node_parts[node] >> part) & 1);
}

uint32_t gs_part_order(const gs_sched *s, const job_rec *j, uint32_t *out)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->n_parts; i++)
        if ((j->parts >> s->part_rank[i]) & 1)
            out[n++] = s->part_rank[i];
    return n;
}

GS_API const char *gs_sched_job_partition(const gs_sched *s, uint64_t job)
{
    if (!gs_sched_ready(s))
        return NULL;
    const job_rec *j = find_job(s, job);
    if (!j || !s->n_parts)
        return NULL;
    if (j->part != GS_NONE8)
        return s->parts[j->part].name;
    if (j->parts && !(j->parts & (j->parts - 1)))
        return s->parts[__builtin_ctzll(j->parts)].name;
    return NULL;
}

GS_API gs_status gs_sched_job_partitions(const gs_sched *s, uint64_t job,
                                         char *buf, size_t cap, size_t *len)
{
    if (len)
        *len = 0;
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    gs_status st = GS_OK;
    const job_rec *j = gs_sched_job_or_err(s, job, "job_partitions", &st);
    if (!j)
        return st;
    if (!buf && cap)
        return gs_sched_errf_const(s, GS_EINVAL, "buf is NULL");
    uint32_t order[GS_MAX_PARTITIONS];
    uint32_t n = gs_part_order(s, j, order);
    size_t need = 0;
    for (uint32_t i = 0; i < n; i++)
        need += strlen(s->parts[order[i]].name) + (i ? 1 : 0);
    if (len)
        *len = need;
    if (need + 1 > cap)
        return gs_sched_errf_const(s, GS_ENOSPC,
                                   "buffer of %zu bytes is too small: the "
                                   "partitions of job %llu need %zu",
                                   cap, (unsigned long long)job, need + 1);
    size_t at = 0;
    for (uint32_t i = 0; i < n; i++) {
        const char *nm = s->parts[order[i]].name;
        if (i)
            buf[at++] = ',';
        memcpy(buf + at, nm, strlen(nm));
        at += strlen(nm);
    }
    buf[at] = '\0';
    return GS_OK;
}

gs_status gs_part_reserve_users(gs_sched *s, size_t cap)
{
    for (uint32_t p = 0; p < s->n_parts; p++) {
        sched_part *pp = &s->parts[p];
        if (cap <= pp->cap_users)
            continue;
        uint64_t *r = gs_realloc(pp->user_running, cap * sizeof *r);
        if (!r)
            return GS_ENOMEM;
        memset(r + pp->cap_users, 0, (cap - pp->cap_users) * sizeof *r);
        pp->user_running = r;
        pp->cap_users = cap;
    }
    return GS_OK;
}

bool gs_part_over_user_limit(const gs_sched *s, const job_rec *j, uint32_t p)
{
    const sched_part *pp = &s->parts[p];
    return pp->max_gpus_per_user &&
           pp->user_running[j->user_slot] + job_milli(j) >
               (uint64_t)pp->max_gpus_per_user * 1000;
}

void gs_part_count(gs_sched *s, const job_rec *j, int sign)
{
    if (j->part == GS_NONE8 || j->part >= s->n_parts)
        return;
    sched_part *p = &s->parts[j->part];
    if (sign > 0) {
        p->gpus_in_use += j->gpus;
        p->running++;
        p->user_running[j->user_slot] += job_milli(j);
    } else {
        p->gpus_in_use -= j->gpus;
        p->running--;
        p->user_running[j->user_slot] -= job_milli(j);
    }
}

uint8_t gs_part_of_alloc(const gs_sched *s, const job_rec *j)
{
    if (!s->n_parts)
        return GS_NONE8;
    uint32_t order[GS_MAX_PARTITIONS];
    uint32_t n = gs_part_order(s, j, order);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t bit = (uint64_t)1 << order[i];
        bool all = true;
        for (uint32_t a = 0; a < j->n_alloc && all; a++)
            all = (s->node_parts[j->alloc[a].node] & bit) != 0;
        if (all && !gs_part_over_user_limit(s, j, order[i]))
            return (uint8_t)order[i];
    }
    for (uint32_t i = 0; i < n; i++) {
        uint64_t bit = (uint64_t)1 << order[i];
        bool all = true;
        for (uint32_t a = 0; a < j->n_alloc && all; a++)
            all = (s->node_parts[j->alloc[a].node] & bit) != 0;
        if (all)
            return (uint8_t)order[i];
    }
    return GS_NONE8;
}

gs_status gs_part_resolve(gs_sched *s, job_rec *j, const char *text,
                          uint32_t spec_cpus, uint64_t spec_mem,
                          int64_t spec_time)
{
    j->parts = 0;
    j->part = GS_NONE8;
    j->time_limit = spec_time;
    j->cpus_per_gpu = spec_cpus ? spec_cpus : s->def_cpus_per_gpu;
    j->mem_per_gpu = spec_mem ? spec_mem : s->def_mem_per_gpu;
    if (!s->n_parts) {
        if (text && *text)
            return gs_errf(&s->err, GS_ENOTFOUND,
                           "partition \"%.64s\": this scheduler has no "
                           "partitions",
                           text);
        return GS_OK;
    }
    uint64_t asked;
    if (text && *text) {
        gs_status st = parts_mask(s, text, "partition", NULL, &asked);
        if (st != GS_OK)
            return st;
    } else {
        asked = (uint64_t)1 << s->part_default;
    }
    /* leave out the partitions whose limits the job exceeds */
    char why[GS_ERRMSG_MAX] = "";
    uint64_t ok = 0;
    for (uint32_t i = 0; i < s->n_parts; i++) {
        uint32_t p = s->part_rank[i];
        if (!((asked >> p) & 1))
            continue;
        const sched_part *pp = &s->parts[p];
        int64_t t = spec_time ? spec_time : pp->default_time;
        if (!t)
            t = pp->max_time;
        if (pp->max_gpus_per_job && j->gpus > pp->max_gpus_per_job) {
            if (!why[0])
                snprintf(why, sizeof why,
                         "partition \"%s\" allows at most %u GPUs per job "
                         "(max_gpus_per_job); the job asks for %u",
                         pp->name, pp->max_gpus_per_job, j->gpus);
            continue;
        }
        if (pp->max_time && t > pp->max_time) {
            if (!why[0])
                snprintf(why, sizeof why,
                         "partition \"%s\" allows time limits up to %lld s "
                         "(max_time); the job asks for %lld",
                         pp->name, (long long)pp->max_time, (long long)t);
            continue;
        }
        if (pp->max_gpus_per_user && j->gpus > pp->max_gpus_per_user) {
            if (!why[0])
                snprintf(why, sizeof why,
                         "partition \"%s\" lets a user hold at most %u GPUs "
                         "(max_gpus_per_user); the job asks for %u",
                         pp->name, pp->max_gpus_per_user, j->gpus);
            continue;
        }
        if (!ok) {
            /* the first partition tried gives the defaults */
            j->time_limit = t;
            if (!spec_cpus && pp->def_cpus_per_gpu)
                j->cpus_per_gpu = pp->def_cpus_per_gpu;
            if (!spec_mem && pp->def_mem_per_gpu)
                j->mem_per_gpu = pp->def_mem_per_gpu;
        }
        ok |= (uint64_t)1 << p;
    }
    if (!ok)
        return gs_errf(&s->err, GS_EINVAL, "job spec: %s", why);
    /* the time limit the first partition gave must fit the others too */
    for (uint32_t p = 0; p < s->n_parts; p++)
        if (((ok >> p) & 1) && s->parts[p].max_time &&
            (j->time_limit == 0 || j->time_limit > s->parts[p].max_time))
            ok &= ~((uint64_t)1 << p);
    j->parts = ok;
    j->tier = 0;
    for (uint32_t p = 0; p < s->n_parts; p++)
        if (((ok >> p) & 1) && s->parts[p].tier > j->tier)
            j->tier = s->parts[p].tier;
    return GS_OK;
}

/* ---- settings ----------------------------------------------------------- */

GS_API gs_status gs_sched_set_job_defaults(gs_sched *s, uint32_t cpus_per_gpu,
                                           uint64_t mem_per_gpu)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    if (mem_per_gpu > (uint64_t)GS_TIME_MAX)
        return gs_errf(&s->err, GS_ERANGE,
                       "mem_per_gpu %llu is above 2^60 bytes",
                       (unsigned long long)mem_per_gpu);
    s->def_cpus_per_gpu = cpus_per_gpu;
    s->def_mem_per_gpu = mem_per_gpu;
    gs_err_clear(&s->err);
    gs_jr_rec r = {.kind = GS_JR_JOB_DEFAULTS};
    r.a = cpus_per_gpu;
    r.b = mem_per_gpu;
    return gs_jr_done(s, &r);
}

GS_API gs_status gs_sched_set_auto_accounts(gs_sched *s, int on)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    s->auto_accounts = on != 0;
    gs_err_clear(&s->err);
    gs_jr_rec r = {.kind = GS_JR_AUTO_ACCOUNTS};
    r.a = on != 0;
    return gs_jr_done(s, &r);
}

GS_API gs_status gs_sched_set_timeout_grace(gs_sched *s, int64_t seconds)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    if (seconds < 0)
        return gs_errf(&s->err, GS_EINVAL,
                       "timeout grace %lld must not be negative",
                       (long long)seconds);
    if (seconds > GS_TIME_MAX)
        return gs_errf(&s->err, GS_ERANGE,
                       "timeout grace %lld is above 2^60 seconds",
                       (long long)seconds);
    s->timeout_grace = seconds;
    gs_err_clear(&s->err);
    gs_jr_rec r = {.kind = GS_JR_TIMEOUT_GRACE};
    r.t = seconds;
    return gs_jr_done(s, &r);
}

/* ---- time limits --------------------------------------------------------- */

void gs_sched_timeouts(gs_sched *s, int64_t now)
{
    /* s->ends: running jobs by start + time limit, jobs without one last */
    for (size_t i = 0; i < s->n_ends; i++) {
        job_rec *j = &s->jobs[s->ends[i]];
        if (j->time_limit <= 0)
            break;
        int64_t end = j->start_time + j->time_limit;
        /* both terms are at most 2^60: no overflow */
        if (end > now - s->timeout_grace)
            break;
        if (!j->timed_out) {
            j->timed_out = true;
            gs_apply_emit(s, GS_EVENT_TIMEOUT, j, now);
        }
    }
}
