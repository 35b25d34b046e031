/*
 * The scheduler handle: creation (every buffer the decision path needs,
 * the indexes placement reads, the policies' state), destruction, jobs
 * ended by the host, and gs_sched_check, which recomputes every invariant.
 *
 * Resources per node: GPUs (a 64-bit mask: busy, drained, failed), CPUs (a
 * bitset over the node's CPUs numbered NUMA domain by domain, with a free
 * count per domain) and memory (one figure per node). A node whose topology
 * gives no CPUs, or no memory, does not account them: jobs asking for CPUs
 * or memory per GPU get none there and are not limited by them.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "topo/pattern.h"
#include "topo/constraint.h"
#include "sched/apply.h"
#include "sched/books.h"
#include "sched/plan.h"
#include "sched/quiet.h"
#include "sched/state.h"
#include "place/place.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names -------------------------------------------------------------- */

GS_API void gs_job_spec_init(gs_job_spec *spec)
{
    if (spec) {
        gs_job_spec d = GS_JOB_SPEC_INIT;
        *spec = d;
    }
}

GS_API void gs_sched_config_init(gs_sched_config *cfg)
{
    if (cfg) {
        gs_sched_config d = GS_SCHED_CONFIG_INIT;
        *cfg = d;
    }
}

GS_API const char *gs_job_state_name(gs_job_state state)
{
    static const char *names[] = {"pending", "running",   "completed",
                                  "failed",  "cancelled", "preempted",
                                  "timeout"};
    _Static_assert(GS_ARRAY_LEN(names) == GS_JOB_TIMEOUT + 1,
                   "a job state without a name");
    return (unsigned)state < GS_ARRAY_LEN(names) ? names[state] : "?";
}

GS_API const char *gs_pending_reason_name(gs_pending_reason reason)
{
    static const char *names[] = {"none",   "resources",   "priority",
                                  "required-busy", "policy", "limit",
                                  "reservation",   "dependency",
                                  "begin-time", "held"};
    _Static_assert(GS_ARRAY_LEN(names) == GS_REASON_HELD + 1,
                   "a pending reason without a name");
    return (unsigned)reason < GS_ARRAY_LEN(names) ? names[reason] : "?";
}

/* A node type's memory, the sum of its NUMA domains'. Each may hold up to
 * 2^63 - 1 bytes: the sum saturates rather than wrap to a few bytes. */
uint64_t gs_type_memory(const gs_ntype *ty)
{
    uint64_t m = 0;
    for (uint32_t d = 0; d < ty->n_numa; d++)
        m = ty->numa[d].memory > UINT64_MAX - m ? UINT64_MAX
                                                 : m + ty->numa[d].memory;
    return m;
}

/* ---- creation ----------------------------------------------------------- */

/* Nodes in switch-tree order, so that every switch's subtree is a range,
 * and nodes grouped by NVLink domain. */
static gs_status build_orders(gs_sched *s)
{
    const gs_topo *t = s->topo;
    size_t ns = t->n_switches, nd = t->n_domains, nn = t->n_nodes;
    s->switch_order = gs_calloc(nn + 1, sizeof *s->switch_order);
    s->switch_lo = gs_calloc(ns + 1, sizeof *s->switch_lo);
    s->switch_hi = gs_calloc(ns + 1, sizeof *s->switch_hi);
    s->switch_pos = gs_malloc((nn + 1) * sizeof *s->switch_pos);
    s->switch_by_depth = gs_calloc(ns + 1, sizeof *s->switch_by_depth);
    s->domain_order = gs_calloc(nn + 1, sizeof *s->domain_order);
    s->domain_range = gs_calloc(nd + 2, sizeof *s->domain_range);
    uint32_t *child_start = gs_calloc(ns + 2, sizeof(uint32_t));
    uint32_t *children = gs_calloc(ns + 1, sizeof(uint32_t));
    uint32_t *node_start = gs_calloc(ns + 2, sizeof(uint32_t));
    uint32_t *nodes_of = gs_calloc(nn + 1, sizeof(uint32_t));
    /* cursor serves the switches and then the domains */
    uint32_t *cursor = gs_calloc(GS_MAX(ns, nd) + 1, sizeof(uint32_t));
    uint32_t *stack = gs_calloc(ns + 1, sizeof(uint32_t));
    gs_status st = GS_OK;
    if (!s->switch_order || !s->switch_lo || !s->switch_hi ||
        !s->switch_pos || !s->switch_by_depth ||
        !s->domain_order || !s->domain_range || !child_start || !children ||
        !node_start || !nodes_of || !cursor || !stack) {
        st = gs_errf(&s->err, GS_ENOMEM, "out of memory");
        goto out;
    }
    /* compressed lists: children of each switch, nodes on each switch */
    for (size_t i = 0; i < ns; i++)
        if (t->switches[i].parent != GS_NONE)
            child_start[t->switches[i].parent + 1]++;
    for (size_t i = 0; i < nn; i++)
        if (t->nodes[i].sw != GS_NONE)
            node_start[t->nodes[i].sw + 1]++;
    for (size_t i = 0; i < ns; i++) {
        child_start[i + 1] += child_start[i];
        node_start[i + 1] += node_start[i];
    }
    memcpy(cursor, child_start, ns * sizeof *cursor);
    for (size_t i = 0; i < ns; i++)
        if (t->switches[i].parent != GS_NONE)
            children[cursor[t->switches[i].parent]++] = (uint32_t)i;
    memcpy(cursor, node_start, ns * sizeof *cursor);
    for (size_t i = 0; i < nn; i++)
        if (t->nodes[i].sw != GS_NONE)
            nodes_of[cursor[t->nodes[i].sw]++] = (uint32_t)i;
    /* depth first from each root: entering a switch opens its range and
     * lists its own nodes; leaving it closes the range */
    uint32_t pos = 0;
    for (size_t root = 0; root < ns; root++) {
        if (t->switches[root].parent != GS_NONE)
            continue;
        size_t sp = 0;
        stack[sp++] = (uint32_t)root;
        cursor[root] = child_start[root];
        s->switch_lo[root] = pos;
        for (uint32_t i = node_start[root]; i < node_start[root + 1]; i++)
            s->switch_order[pos++] = nodes_of[i];
        while (sp) {
            uint32_t sw = stack[sp - 1];
            if (cursor[sw] < child_start[sw + 1]) {
                uint32_t c = children[cursor[sw]++];
                cursor[c] = child_start[c];
                s->switch_lo[c] = pos;
                for (uint32_t i = node_start[c]; i < node_start[c + 1]; i++)
                    s->switch_order[pos++] = nodes_of[i];
                stack[sp++] = c;
            } else {
                s->switch_hi[sw] = pos;
                sp--;
            }
        }
    }
    for (size_t i = 0; i < nn; i++)
        s->switch_pos[i] = GS_NONE;
    for (uint32_t i = 0; i < pos; i++)
        s->switch_pos[s->switch_order[i]] = i;
    /* switches deepest first (stable: by index within a depth) */
    {
        uint32_t maxd = 0, k = 0;
        for (size_t i = 0; i < ns; i++)
            maxd = GS_MAX(maxd, t->switches[i].depth);
        for (uint32_t d = maxd + 1; d-- > 0;)
            for (size_t i = 0; i < ns; i++)
                if (t->switches[i].depth == d)
                    s->switch_by_depth[k++] = (uint32_t)i;
    }
    /* domains: counting sort, nodes in increasing index within each */
    for (size_t i = 0; i < nn; i++)
        if (t->nodes[i].domain != GS_NONE)
            s->domain_range[t->nodes[i].domain + 1]++;
    for (size_t d = 0; d < nd; d++)
        s->domain_range[d + 1] += s->domain_range[d];
    memcpy(cursor, s->domain_range, nd * sizeof *cursor);
    for (size_t i = 0; i < nn; i++)
        if (t->nodes[i].domain != GS_NONE)
            s->domain_order[cursor[t->nodes[i].domain]++] = (uint32_t)i;
out:
    gs_free(child_start);
    gs_free(children);
    gs_free(node_start);
    gs_free(nodes_of);
    gs_free(cursor);
    gs_free(stack);
    return st;
}

GS_API gs_status gs_sched_create(gs_sched **out, const gs_topo *topo,
                                 const gs_sched_config *cfg)
{
    if (!out)
        return GS_EINVAL;
    gs_sched *s = *out = gs_calloc(1, sizeof *s);
    if (!s)
        return GS_ENOMEM;
    if (!topo)
        return gs_errf(&s->err, GS_EINVAL, "no topology given");
    if (!topo->frozen)
        return gs_errf(&s->err, GS_ENOTFROZEN,
                       "the topology must be frozen (gs_topo_freeze) before "
                       "a scheduler uses it");
    gs_sched_config c;
    gs_sched_config_init(&c);
    if (cfg) {
        if (cfg->struct_size < sizeof(uint32_t) + sizeof(const char *))
            return gs_errf(&s->err, GS_EINVAL,
                           "config: struct_size %u is too small (initialize "
                           "it with gs_sched_config_init)",
                           cfg->struct_size);
        memcpy(&c, cfg, GS_MIN((size_t)cfg->struct_size, sizeof c));
    }
    if ((!c.ordering_name && (unsigned)c.ordering > GS_ORDER_PRIORITY) ||
        (!c.fairshare_name && (unsigned)c.fairshare > GS_FAIRSHARE_CLASSIC) ||
        (unsigned)c.backfill > GS_BACKFILL_CONSERVATIVE ||
        (unsigned)c.preempt > GS_PREEMPT_CANCEL || c.backfill_horizon < 0)
        return gs_errf(&s->err, GS_EINVAL,
                       "config: ordering, fairshare, backfill, preempt or "
                       "backfill_horizon out of range");
    if (c.backfill_horizon > GS_TIME_MAX || c.backfill_depth > GS_BF_DEPTH_MAX)
        return gs_errf(&s->err, GS_ERANGE,
                       "config: backfill_horizon above 2^60 seconds or "
                       "backfill_depth above %u",
                       GS_BF_DEPTH_MAX);
    static const char *const order_names[] = {"multifactor", "fifo",
                                              "priority"};
    const gs_ordering_ops *ord;
    gs_status st = gs_ordering_lookup(
        s, c.ordering_name ? c.ordering_name : order_names[c.ordering], &ord);
    if (st != GS_OK)
        return st;
    if (c.fairshare_name) {
        if ((st = gs_fairshare_lookup(s, c.fairshare_name, &s->fairshare)) !=
            GS_OK)
            return st;
    } else {
        s->fairshare = c.fairshare == GS_FAIRSHARE_CLASSIC
                           ? &gs_fairshare_classic
                           : &gs_fairshare_fair_tree;
    }
    s->backfill = c.backfill;
    s->bf_depth = c.backfill_depth ? c.backfill_depth : 100;
    s->bf_horizon = c.backfill_horizon ? c.backfill_horizon : 7 * 24 * 3600;
    s->bf_last = INT64_MIN;
    s->try_parts = ~(uint64_t)0;
    s->preempt = c.preempt;
    gs_priority_weights_init(&s->weights);
    s->w_gpu = 1.0;
    if (c.share) {
        s->share = c.share;
    } else {
        if (gs_share_create(&s->share) != GS_OK)
            return gs_errf(&s->err, GS_ENOMEM, "out of memory");
        s->own_share = true;
    }
    const char *pname = c.placement ? c.placement : "nvlink-pack";
    /* s->policy is set once its init has run: destroy calls its destroy */
    const gs_placement_ops *pol = gs_placement_find(pname);
    if (!pol)
        return gs_errf(&s->err, GS_ENOTFOUND,
                       "no placement policy named \"%.64s\" (first-fit, "
                       "best-fit, spread, nvlink-pack, or one registered "
                       "with gs_placement_register)",
                       pname);
    /* every change of a node updates a histogram per switch above it:
     * the decision path costs the tree's depth, which real fabrics keep
     * to a few levels */
    for (size_t sw = 0; sw < topo->n_switches; sw++)
        if (topo->switches[sw].depth >= GS_SCHED_MAX_SWITCH_DEPTH)
            return gs_errf(&s->err, GS_EUNSUPPORTED,
                           "switch \"%s\" is %u levels deep; the scheduler "
                           "handles switch trees of up to %u levels",
                           topo->switches[sw].name,
                           topo->switches[sw].depth + 1,
                           GS_SCHED_MAX_SWITCH_DEPTH);
    s->topo = topo;
    s->n_nodes = (uint32_t)topo->n_nodes;
    s->n_types = topo->n_types;
    s->n_ttypes = topo->n_types;
    for (uint32_t n = 0; n < s->n_nodes; n++)
        if (topo->nodes[n].type->n_gpus > GS_SCHED_MAX_GPUS)
            return gs_errf(&s->err, GS_EUNSUPPORTED,
                           "node \"%s\" has %u GPUs; the scheduler handles up "
                           "to %u per node",
                           topo->nodes[n].name, topo->nodes[n].type->n_gpus,
                           GS_SCHED_MAX_GPUS);
    size_t N = s->n_nodes;
    s->nodes = gs_calloc(N + 1, sizeof *s->nodes);
    s->tables = gs_calloc(s->n_types + 1, sizeof *s->tables);
    s->gpu_job = gs_calloc(topo->n_gpus + 1, sizeof *s->gpu_job);
    /* per class: at most one per node */
    s->elig = gs_calloc(N + 1, sizeof *s->elig);
    s->type_nodes = gs_calloc(N + 1, sizeof *s->type_nodes);
    s->scratch_nodes = gs_calloc(N + 1, sizeof(uint32_t));
    s->scratch_nodes2 = gs_calloc(N + 1, sizeof(uint32_t));
    s->scratch_u32 = gs_calloc(2 * N + 2, sizeof(uint32_t));
    s->node_mask = gs_calloc(N + 1, sizeof(gs_mask));
    s->forced_mask = gs_calloc(N + 1, sizeof(gs_mask));
    s->bf_touched = gs_calloc(N + 1, sizeof *s->bf_touched);
    s->bf_dirty = gs_calloc(N + 1, sizeof *s->bf_dirty);
    s->rsv_count = gs_calloc(topo->n_gpus + 1, sizeof *s->rsv_count);
    s->bf_free_now = gs_calloc(topo->n_gpus + 1, sizeof *s->bf_free_now);
    s->bf_best = gs_calloc(topo->n_gpus + 1, sizeof *s->bf_best);
    s->bf_pos = gs_calloc(topo->n_gpus + 1, sizeof *s->bf_pos);
    s->bf_key = gs_calloc(topo->n_gpus + 1, sizeof *s->bf_key);
    s->bf_fr = gs_calloc(topo->n_gpus + 1, sizeof *s->bf_fr);
    s->bf_fr_at = gs_calloc(topo->n_gpus + 1, sizeof *s->bf_fr_at);
    s->bf_fr_plan = gs_calloc(topo->n_gpus + 1, sizeof *s->bf_fr_plan);
    s->bf_rg_mark = gs_calloc(topo->n_gpus + 1, sizeof *s->bf_rg_mark);
    s->bf_rg_head = gs_calloc(topo->n_gpus + 1, sizeof *s->bf_rg_head);
    s->bf_rg_from = gs_calloc(topo->n_gpus + 1, sizeof *s->bf_rg_from);
    s->bf_rg = gs_calloc(topo->n_gpus + 1, sizeof *s->bf_rg);
    if (gs_bf_grow(s, (size_t)s->bf_depth + 1) != GS_OK)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    s->scratch_scores = gs_calloc(N + 1, sizeof(pscore));
    s->scratch_ok = gs_calloc(N + 1, sizeof(bool));
    s->keys = gs_calloc(N + 1, sizeof *s->keys);
    s->scratch_keys = gs_calloc(N + 1, sizeof *s->scratch_keys);
    s->key_hash_cap = 16;
    while (s->key_hash_cap < 2 * (N + 1))
        s->key_hash_cap *= 2;
    s->key_hash = gs_malloc(s->key_hash_cap * sizeof *s->key_hash);
    if (!s->nodes || !s->tables || !s->gpu_job || !s->elig || !s->type_nodes ||
        !s->scratch_nodes || !s->scratch_nodes2 || !s->scratch_u32 ||
        !s->node_mask || !s->forced_mask || !s->bf_touched || !s->bf_dirty ||
        !s->rsv_count || !s->rsv || !s->bf_free_now || !s->bf_best ||
        !s->bf_pos || !s->bf_key || !s->bf_fr || !s->bf_fr_at ||
        !s->bf_fr_plan || !s->bf_rg_mark || !s->bf_rg_head ||
        !s->bf_rg_from || !s->bf_rg ||
        !s->scratch_scores || !s->scratch_ok || !s->keys ||
        !s->scratch_keys || !s->key_hash)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->key_hash_cap; i++)
        s->key_hash[i] = GS_NONE;
    /* the key pool: one slot per node is enough (a node is in one key) */
    for (uint32_t k = 0; k <= N; k++)
        s->keys[k].next_active = k < N ? k + 1 : GS_NONE;
    s->free_key = 0;
    s->active_keys = GS_NONE;
    /* the pattern models' working memory, shared by the tables */
    s->pg_work = gs_malloc(sizeof *s->pg_work);
    if (!s->pg_work || gs_demand_init(s) != GS_OK ||
        gs_gpushare_init(s) != GS_OK || gs_mig_init(s) != GS_OK)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < s->n_ttypes; i++) {
        s->tables[i] = gs_place_tables_build(topo->types[i], &s->err);
        if (!s->tables[i])
            return GS_ENOMEM;
        s->tables[i]->work = s->pg_work;
    }
    if (gs_sched_classes(s) != GS_OK)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    /* CPU bitsets and per-NUMA free counts */
    size_t words = 0, numas = 0;
    for (uint32_t n = 0; n < N; n++) {
        const gs_ntype *ty = node_type(s, n);
        s->nodes[n].cpu_word = (uint32_t)words;
        s->nodes[n].numa_off = (uint32_t)numas;
        words += (ty->n_cpus + 63) / 64;
        numas += ty->n_numa;
    }
    s->cpu_bits = gs_calloc(words + 1, sizeof *s->cpu_bits);
    s->numa_free = gs_calloc(numas + 1, sizeof *s->numa_free);
    if (!s->cpu_bits || !s->numa_free)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    st = build_orders(s);
    if (st != GS_OK)
        return st;
    s->hist_cluster = (uint32_t)(topo->n_switches + topo->n_domains);
    /* rows: switches, domains, the cluster, then one per partition */
    s->hist = gs_calloc((size_t)(s->hist_cluster + 1 + GS_MAX_PARTITIONS) * 65,
                        sizeof *s->hist);
    if (!s->hist)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    /* every node starts counted with 0 free GPUs; indexing moves it */
    for (uint32_t n = 0; n < N; n++) {
        for (uint32_t sw = topo->nodes[n].sw; sw != GS_NONE;
             sw = topo->switches[sw].parent)
            s->hist[(size_t)sw * 65]++;
        if (topo->nodes[n].domain != GS_NONE)
            s->hist[(topo->n_switches + topo->nodes[n].domain) * 65]++;
        s->hist[(size_t)s->hist_cluster * 65]++;
    }
    for (uint32_t n = 0; n < N; n++) {
        node_state *ns = &s->nodes[n];
        const gs_ntype *ty = node_type(s, n);
        ns->free_cpus = ty->n_cpus;
        ns->free_mem = node_memory(s, n);
        ns->counts_cpus = ty->n_cpus > 0;
        ns->counts_mem = ns->free_mem > 0;
        ns->key = ns->key_prev = ns->key_next = GS_NONE;
        for (uint32_t d = 0; d < ty->n_numa; d++)
            s->numa_free[ns->numa_off + d] = ty->numa[d].cpu_n;
        gs_sched_reindex_node(s, n);
    }
    if (!gs_strtab_reserve(&s->strings.tab, 0) ||
        gs_books_grow_accounts(s) != GS_OK)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    if (pol->init) {
        st = pol->init(&s->policy_state, topo, c.placement_options);
        if (st != GS_OK) {
            s->policy_state = NULL;
            return gs_errf(&s->err, st,
                           "placement policy \"%s\" refused to start: %s",
                           pname, gs_strerror(st));
        }
    }
    s->policy = pol;
    if (gs_frag_init(s) != GS_OK)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    if ((strcmp(pname, "nvlink-pack") == 0 ||
         strcmp(pname, "frag-aware") == 0) &&
        (st = gs_demand_options(s, c.placement_options)) != GS_OK)
        return st;
    if ((st = gs_ordering_make(s, ord, c.ordering_options,
                               &s->ordering_state)) != GS_OK)
        return st;
    s->ordering = ord;
    s->clock = s->max_submit = INT64_MIN;
    s->keep_seconds = 300;
    s->keep_count = 10000;
    if (!(s->cursor = gs_calloc(1, sizeof *s->cursor)) ||
        !(s->placement_name = gs_strdup(pname)) ||
        (c.placement_options &&
         !(s->placement_options = gs_strdup(c.placement_options))) ||
        (c.ordering_options &&
         !(s->ordering_options = gs_strdup(c.ordering_options))))
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    s->ready = true;
    return GS_OK;
}

gs_status gs_sched_errf_const(const gs_sched *s, gs_status st,
                              const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gs_err *e = &((gs_sched *)(uintptr_t)s)->err;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return st;
}

void gs_job_free(job_rec *j)
{
    if (j->models) {
        for (char **m = j->models; *m; m++)
            gs_free(*m);
        gs_free(j->models);
    }
    gs_free(j->required);
    gs_constraint_free(j->cons);
    j->cons = NULL;
    gs_free(j->alloc); /* with gpu_ids, cpus and name (gs_job_buffers) */
    j->models = NULL;
    j->required = NULL;
    j->alloc = NULL;
    j->cpus = NULL;
    j->gpu_ids = NULL;
    j->name = NULL;
}

GS_API void gs_sched_destroy(gs_sched *s)
{
    if (!s)
        return;
    if (s->policy && s->policy->destroy)
        s->policy->destroy(s->policy_state);
    if (s->ordering && s->ordering->destroy)
        s->ordering->destroy(s->ordering_state);
    for (size_t i = 0; i < s->n_jobs; i++)
        gs_job_free(&s->jobs[i]);
    gs_free(s->jobs);
    gs_free(s->pending);
    gs_free(s->events);
    gs_free(s->ended);
    gs_free(s->cursor);
    gs_free(s->remap);
    gs_free(s->placement_name);
    gs_free(s->placement_options);
    gs_free(s->ordering_options);
    if (s->journal)
        s->jr->close(s);
    gs_free(s->running);
    gs_free(s->running_scratch);
    gs_free(s->ends);
    gs_free(s->bf_end);
    gs_free(s->requeued);
    gs_free(s->order_buf);
    gs_free(s->rsv);
    gs_free(s->rsv_by_start);
    gs_free(s->rsv_by_end);
    gs_free(s->rsv_gpus);
    gs_free(s->memo_cur);
    gs_free(s->memo_old);
    gs_free(s->memo_rsv);
    gs_free(s->memo_gpus);
    gs_free(s->bf_touched);
    gs_free(s->bf_dirty);
    gs_free(s->bf_free_now);
    gs_free(s->bf_best);
    gs_free(s->bf_pos);
    gs_free(s->bf_key);
    gs_free(s->bf_fr);
    gs_free(s->bf_fr_at);
    gs_free(s->bf_fr_plan);
    gs_free(s->bf_rg_mark);
    gs_free(s->bf_rg_head);
    gs_free(s->bf_rg_from);
    gs_free(s->bf_rg);
    gs_free(s->bf_iv);
    gs_free(s->rsv_count);
    gs_free(s->user_running);
    gs_free(s->user_limit);
    gs_free(s->acct_running);
    gs_free(s->acct_limit);
    gs_strtab_free(&s->user_slots);
    for (size_t i = 0; i < s->n_model_weights; i++)
        gs_free(s->model_weights[i].model);
    gs_free(s->model_weights);
    if (s->own_share)
        gs_share_destroy(s->share);
    if (s->tables)
        for (uint32_t i = 0; i < s->n_ttypes; i++)
            gs_place_tables_free(s->tables[i]);
    gs_free(s->tables);
    gs_free(s->pg_work);
    gs_demand_free(s);
    gs_frag_free(s);
    gs_quiet_free(s);
    gs_mig_free(s);
    gs_free(s->shr);
    gs_free(s->nodes);
    gs_free(s->gpu_job);
    gs_free(s->elig);
    gs_free(s->type_nodes);
    gs_sched_free_parts(s);
    gs_free(s->scratch_nodes);
    gs_free(s->scratch_nodes2);
    gs_free(s->scratch_u32);
    gs_free(s->node_mask);
    gs_free(s->forced_mask);
    gs_free(s->scratch_scores);
    gs_free(s->scratch_ok);
    gs_free(s->scratch_keys);
    gs_free(s->keys);
    gs_free(s->key_hash);
    gs_free(s->cpu_bits);
    gs_free(s->numa_free);
    gs_free(s->switch_order);
    gs_free(s->switch_lo);
    gs_free(s->switch_hi);
    gs_free(s->switch_pos);
    gs_free(s->switch_by_depth);
    gs_free(s->hist);
    gs_free(s->domain_order);
    gs_free(s->domain_range);
    gs_free(s->place_out);
    gs_interner_free(&s->strings);
    gs_topo_destroy(s->own_topo);
    gs_free(s);
}

GS_API const char *gs_sched_errmsg(const gs_sched *s)
{
    return s ? s->err.msg : "no scheduler (NULL handle)";
}

GS_API const gs_topo *gs_sched_topo(const gs_sched *s)
{
    return gs_sched_ready(s) ? s->topo : NULL;
}

gs_status gs_sched_time_arg(gs_sched *s, int64_t t, const char *what)
{
    if (t < -GS_TIME_MAX || t > GS_TIME_MAX)
        return gs_errf(&s->err, GS_ERANGE,
                       "%s = %lld is out of range (at most 2^60 seconds "
                       "either side of 0)",
                       what, (long long)t);
    return GS_OK;
}

gs_status gs_sched_end_job(gs_sched *s, uint64_t id, int64_t now,
                         gs_job_state to, bool pending_ok)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    gs_status st = gs_sched_now_arg(s, now);
    if (st != GS_OK)
        return st;
    job_rec *j = find_job(s, id);
    if (!j)
        return gs_errf(&s->err, GS_ENOTFOUND,
                       id && id <= s->last_id
                           ? "job %llu ended and was forgotten "
                             "(gs_sched_set_retention)"
                           : "no job %llu",
                       (unsigned long long)id);
    if (j->state == GS_JOB_RUNNING && now < j->start_time)
        return gs_errf(&s->err, GS_EINVAL,
                       "job %llu cannot end at %lld, before it started at "
                       "%lld",
                       (unsigned long long)id, (long long)now,
                       (long long)j->start_time);
    bool was_running = j->state == GS_JOB_RUNNING;
    if (j->state == GS_JOB_PENDING && pending_ok) {
        gs_apply_remove_pending(s, j);
    } else if (j->state == GS_JOB_RUNNING) {
        gs_apply_release(s, j, now);
    } else {
        return gs_errf(&s->err, GS_ESTATE, "job %llu is %s",
                       (unsigned long long)id, gs_job_state_name(j->state));
    }
    if (s->quiet)
        gs_quiet_ended(s, j, was_running);
    j->state = to;
    j->end_time = now;
    j->reason = GS_REASON_NONE;
    gs_sched_job_ended(s, j);
    gs_sched_tick(s, now);
    return GS_OK;
}

static gs_status end_call(gs_sched *s, uint64_t job, int64_t now,
                          gs_job_state to, uint8_t kind)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    gs_status st = gs_sched_end_job(s, job, now, to, kind == GS_JR_CANCEL);
    if (st != GS_OK)
        return st;
    gs_jr_rec r = {.kind = kind};
    r.a = job;
    r.t = now;
    return gs_jr_done(s, &r);
}

GS_API gs_status gs_sched_cancel(gs_sched *s, uint64_t job, int64_t now)
{
    return end_call(s, job, now, GS_JOB_CANCELLED, GS_JR_CANCEL);
}

GS_API gs_status gs_sched_complete(gs_sched *s, uint64_t job, int64_t now)
{
    return end_call(s, job, now, GS_JOB_COMPLETED, GS_JR_COMPLETE);
}

GS_API gs_status gs_sched_fail(gs_sched *s, uint64_t job, int64_t now)
{
    return end_call(s, job, now, GS_JOB_FAILED, GS_JR_FAIL);
}

GS_API gs_status gs_sched_timeout(gs_sched *s, uint64_t job, int64_t now)
{
    return end_call(s, job, now, GS_JOB_TIMEOUT, GS_JR_TIMEOUT);
}

/* ---- invariants --------------------------------------------------------- */

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (!(cond))                                                          \
            return gs_errf(&s->err, GS_EINVALID, __VA_ARGS__);                \
    } while (0)

GS_API gs_status gs_sched_check(gs_sched *s)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    const gs_topo *t = s->topo;
    /* recompute what each node should hold from the running jobs */
    for (uint32_t n = 0; n < s->n_nodes; n++)
        s->node_mask[n] = 0;
    /* shared GPUs: what the running shared jobs add up to */
    gpu_share *shw = s->shr + t->n_gpus + 1; /* scratch half */
    memset(shw, 0, (t->n_gpus + 1) * sizeof *shw);
    for (size_t i = 0; i < s->n_running; i++) {
        const job_rec *j = &s->jobs[s->running[i]];
        for (uint32_t k = 0; j->milli && k < j->n_alloc; k++)
            for (gs_mask m = j->alloc[k].gpus; m; m &= m - 1) {
                gpu_share *w = &shw[t->nodes[j->alloc[k].node].first_gpu +
                                     mask_first(m)];
                w->used += j->milli;
                w->mem += j->gpu_mem;
                w->jobs++;
            }
    }
    gs_status shst = GS_OK;
    for (uint32_t g = 0; g < t->n_gpus && shst == GS_OK; g++) {
        const gpu_share *h = &s->shr[g], *w = &shw[g];
        uint32_t node = t->gpu_node[g];
        gs_mask bit = (gs_mask)1 << (g - t->nodes[node].first_gpu);
        uint64_t cap = gs_gpu_memory(s, g);
        if (h->used != w->used || h->mem != w->mem || h->jobs != w->jobs)
            shst = gs_errf(&s->err, GS_EINVALID,
                           "GPU %u: shared use %u milli, %llu bytes, %u jobs; "
                           "its jobs add up to %u, %llu, %u",
                           g, h->used, (unsigned long long)h->mem, h->jobs,
                           w->used, (unsigned long long)w->mem, w->jobs);
        else if (w->used > 1000 || (cap && w->mem > cap))
            shst = gs_errf(&s->err, GS_EINVALID,
                           "GPU %u is oversubscribed: %u milli-GPU, %llu "
                           "bytes of %llu",
                           g, w->used, (unsigned long long)w->mem,
                           (unsigned long long)cap);
        else if (h->rsv)
            shst = gs_errf(&s->err, GS_EINVALID,
                           "GPU %u: a reserved share outlived its step", g);
        else if (((s->nodes[node].shared & bit) != 0) != (w->jobs > 0))
            shst = gs_errf(&s->err, GS_EINVALID,
                           "GPU %u: shared mask disagrees with its jobs", g);
        else if (w->jobs && s->gpu_job[g])
            shst = gs_errf(&s->err, GS_EINVALID,
                           "GPU %u: held whole by job %llu and shared by %u "
                           "jobs",
                           g, (unsigned long long)s->gpu_job[g], w->jobs);
        else if (w->jobs)
            s->node_mask[node] |= bit; /* busy, as the whole jobs' GPUs */
    }
    if (shst != GS_OK)
        return shst;
    for (size_t i = 0; i < s->n_jobs; i++) {
        const job_rec *j = &s->jobs[i];
        CHECK((unsigned)j->state <= GS_JOB_TIMEOUT ||
                  j->state == GS_JOB_FORGOTTEN,
              "job %llu: bad state", (unsigned long long)j->id);
        CHECK(i == 0 || s->jobs[i - 1].id < j->id,
              "job %llu: the slots are out of id order",
              (unsigned long long)j->id);
        if (j->state != GS_JOB_RUNNING)
            continue;
        uint32_t total = 0;
        for (uint32_t k = 0; k < j->n_alloc; k++) {
            const alloc_node *a = &j->alloc[k];
            CHECK(a->node < s->n_nodes, "job %llu: bad node",
                  (unsigned long long)j->id);
            if (j->milli) {
                total += mask_count(a->gpus);
                CHECK(j->n_alloc == 1, "shared job %llu is on %u nodes",
                      (unsigned long long)j->id, j->n_alloc);
                continue; /* counted above */
            }
            if (j->mig_slices) {
                total += mask_count(a->gpus);
                CHECK(j->n_alloc == 1, "MIG job %llu is on %u nodes",
                      (unsigned long long)j->id, j->n_alloc);
                CHECK(!(a->gpus & ~s->nodes[a->node].mig),
                      "MIG job %llu holds a GPU not in MIG mode",
                      (unsigned long long)j->id);
                continue; /* instances: gs_mig_check */
            }
            CHECK(!(s->node_mask[a->node] & a->gpus),
                  "node %s: a GPU is given to two jobs",
                  t->nodes[a->node].name);
            CHECK(k == 0 || j->alloc[k - 1].node < a->node,
                  "job %llu: nodes out of order", (unsigned long long)j->id);
            s->node_mask[a->node] |= a->gpus;
            total += mask_count(a->gpus);
            CHECK(!j->gpus_per_node || mask_count(a->gpus) == j->gpus_per_node,
                  "job %llu: wrong GPUs per node", (unsigned long long)j->id);
            for (gs_mask m = a->gpus; m; m &= m - 1)
                CHECK(s->gpu_job[t->nodes[a->node].first_gpu + mask_first(m)] ==
                          j->id,
                      "job %llu: GPU owner table disagrees",
                      (unsigned long long)j->id);
        }
        CHECK(total == j->gpus, "job %llu holds %u GPUs, asked %u",
              (unsigned long long)j->id, total, j->gpus);
        CHECK(j->n_alloc >= j->min_nodes && j->n_alloc <= j->max_nodes,
              "job %llu: node count outside its bounds",
              (unsigned long long)j->id);
    }
    for (uint32_t n = 0; n < s->n_nodes; n++) {
        const node_state *ns = &s->nodes[n];
        const gs_ntype *ty = node_type(s, n);
        CHECK(ns->busy == s->node_mask[n],
              "node %s: busy GPUs disagree with the running jobs",
              t->nodes[n].name);
        CHECK(!(ns->busy & ~mask_all(ty->n_gpus)),
              "node %s: a GPU past the end is busy", t->nodes[n].name);
        CHECK(ns->avail == gs_state_avail(s, n), "node %s: stale free mask",
              t->nodes[n].name);
        CHECK(!ns->dirty, "node %s: a virtual release was never reindexed",
              t->nodes[n].name);
        CHECK(ns->rsv == 0, "node %s: a reservation block outlived its step",
              t->nodes[n].name);
        CHECK(!(ns->busy & ns->mig),
              "node %s: a GPU in MIG mode is held whole or shared",
              t->nodes[n].name);
        /* CPUs: bitset, per-NUMA counts and the free count agree */
        uint32_t used = 0;
        const uint64_t *bits = s->cpu_bits + ns->cpu_word;
        for (uint32_t d = 0, start = 0; d < ty->n_numa; d++) {
            uint32_t u = 0;
            for (uint32_t c = start; c < start + ty->numa[d].cpu_n; c++)
                u += (bits[c / 64] >> (c % 64)) & 1;
            CHECK(s->numa_free[ns->numa_off + d] + u == ty->numa[d].cpu_n,
                  "node %s: NUMA %u CPU count is off", t->nodes[n].name, d);
            used += u;
            start += ty->numa[d].cpu_n;
        }
        CHECK(ns->free_cpus + used == ty->n_cpus,
              "node %s: free CPU count is off", t->nodes[n].name);
        CHECK(ns->free_mem <= node_memory(s, n),
              "node %s: more memory free than it has", t->nodes[n].name);
        /* key index */
        if (ns->avail) {
            CHECK(ns->key != GS_NONE && s->keys[ns->key].avail == ns->avail &&
                      s->keys[ns->key].type == node_class(s, n),
                  "node %s: wrong key", t->nodes[n].name);
            CHECK(ns->key_next == GS_NONE || ns->key_next > n,
                  "node %s: key list out of order", t->nodes[n].name);
        } else {
            CHECK(ns->key == GS_NONE, "node %s: indexed with no free GPU",
                  t->nodes[n].name);
        }
        s->node_mask[n] = 0;
    }
    /* CPUs held by jobs: each once, matching the bitsets */
    for (size_t i = 0; i < s->n_jobs; i++) {
        const job_rec *j = &s->jobs[i];
        if (j->state != GS_JOB_RUNNING)
            continue;
        for (uint32_t k = 0; k < j->n_alloc; k++) {
            const alloc_node *a = &j->alloc[k];
            const uint64_t *bits = s->cpu_bits + s->nodes[a->node].cpu_word;
            for (uint32_t c = 0; c < a->cpu_n; c++) {
                uint32_t cpu = j->cpus[a->cpu_off + c];
                CHECK((bits[cpu / 64] >> (cpu % 64)) & 1,
                      "job %llu holds CPU %u that is marked free",
                      (unsigned long long)j->id, cpu);
            }
        }
    }
    /* the running list holds exactly the running jobs */
    size_t run = 0;
    for (size_t i = 0; i < s->n_jobs; i++)
        if (s->jobs[i].state == GS_JOB_RUNNING) {
            run++;
            CHECK(s->jobs[i].run_pos < s->n_running &&
                      s->running[s->jobs[i].run_pos] == i,
                  "job %llu: not where the running list says",
                  (unsigned long long)s->jobs[i].id);
        }
    CHECK(run == s->n_running, "%zu jobs running, %zu listed", run,
          s->n_running);
    gs_status mst = gs_mig_check(s);
    if (mst != GS_OK)
        return mst;
    {
        const uint32_t *row = s->hist + (size_t)s->hist_cluster * 65;
        int64_t sum = 0;
        for (uint32_t c = 1; c <= 64; c++)
            sum += (int64_t)c * row[c];
        CHECK(sum == s->free_sum, "free GPU count %lld, histogram says %lld",
              (long long)s->free_sum, (long long)sum);
    }
    CHECK(s->n_ends == s->n_running, "%zu jobs in the end order, %zu running",
          s->n_ends, s->n_running);
    for (size_t i = 0; i < s->n_ends; i++) {
        const job_rec *e = &s->jobs[s->ends[i]];
        CHECK(e->state == GS_JOB_RUNNING, "job %llu in the end order is %s",
              (unsigned long long)e->id, gs_job_state_name(e->state));
        if (i > 0) {
            const job_rec *p = &s->jobs[s->ends[i - 1]];
            CHECK(gs_state_end_key(p) < gs_state_end_key(e) ||
                      (gs_state_end_key(p) == gs_state_end_key(e) && p->id < e->id),
                  "the end order is broken at job %llu",
                  (unsigned long long)e->id);
        }
    }
    /* limit counters match the running jobs */
    for (size_t u = 0; u < s->n_user_slots; u++) {
        uint64_t sum = 0;
        for (size_t i = 0; i < s->n_running; i++)
            if (s->jobs[s->running[i]].user_slot == u)
                sum += job_milli(&s->jobs[s->running[i]]);
        CHECK(sum == s->user_running[u], "user GPU counter %zu is off", u);
    }
    /* partitions: counters match their running jobs, which run on their
     * nodes; node classes match the nodes */
    for (uint32_t p = 0; p < s->n_parts; p++) {
        const sched_part *pp = &s->parts[p];
        uint32_t gpus = 0, running = 0;
        for (size_t i = 0; i < s->n_running; i++) {
            const job_rec *j = &s->jobs[s->running[i]];
            if (j->part != p)
                continue;
            gpus += j->gpus;
            running++;
            for (uint32_t k = 0; k < j->n_alloc; k++)
                CHECK((s->node_parts[j->alloc[k].node] >> p) & 1,
                      "job %llu runs in partition %s on node %s, not in it",
                      (unsigned long long)j->id, pp->name,
                      t->nodes[j->alloc[k].node].name);
        }
        CHECK(gpus == pp->gpus_in_use && running == pp->running,
              "partition %s counts %u GPUs in %u jobs, its jobs hold %u in "
              "%u",
              pp->name, pp->gpus_in_use, pp->running, gpus, running);
        for (size_t u = 0; u < s->n_user_slots; u++) {
            uint64_t sum = 0;
            for (size_t i = 0; i < s->n_running; i++) {
                const job_rec *j = &s->jobs[s->running[i]];
                if (j->part == p && j->user_slot == u)
                    sum += job_milli(j);
            }
            /* slots made by limits may lie beyond its counters (a job's
             * submission grows them) */
            CHECK(sum == (u < pp->cap_users ? pp->user_running[u] : 0),
                  "partition %s: user GPU counter %zu is off", pp->name, u);
        }
    }
    for (uint32_t n = 0; n < s->n_nodes; n++) {
        uint32_t c = s->node_cls[n];
        CHECK(c < s->n_types && s->cls_ttype[c] == node_type(s, n)->id &&
                  s->cls_parts[c] == s->node_parts[n] &&
                  s->cls_feat[c] == t->nodes[n].features &&
                  s->cls_weight[c] == t->nodes[n].weight,
              "node %s: wrong class", t->nodes[n].name);
    }
    /* every pending job queued once, every queued job pending */
    size_t pend = 0;
    for (size_t i = 0; i < s->n_jobs; i++)
        pend += s->jobs[i].state == GS_JOB_PENDING;
    CHECK(pend == s->n_pending, "%zu jobs pending but %zu queued", pend,
          s->n_pending);
    /* held jobs, holes, ended jobs, and what pins them */
    {
        size_t live = 0, dead = 0, ended = 0, unread = 0;
        for (size_t i = 0; i < s->n_jobs; i++) {
            const job_rec *j = &s->jobs[i];
            if (j->state == GS_JOB_FORGOTTEN) {
                dead++;
                continue;
            }
            live++;
            ended += j->state >= GS_JOB_COMPLETED;
            unread += j->unread;
            CHECK(j->submit_time <= s->max_submit,
                  "job %llu: submitted after the latest submission",
                  (unsigned long long)j->id);
            CHECK(j->state < GS_JOB_COMPLETED || j->start_time < 0 ||
                      j->end_time >= j->start_time,
                  "job %llu ended at %lld, before it started at %lld",
                  (unsigned long long)j->id, (long long)j->end_time,
                  (long long)j->start_time);
            CHECK(j->start_time < 0 || s->clock >= j->start_time,
                  "job %llu started after the clock",
                  (unsigned long long)j->id);
            if (j->depends_on && j->state < GS_JOB_COMPLETED)
                CHECK(find_job(s, j->depends_on) &&
                          find_job(s, j->depends_on)->dependents > 0,
                      "job %llu depends on a job not held for it",
                      (unsigned long long)j->id);
        }
        CHECK(live == s->n_live && dead == s->n_dead,
              "%zu jobs held and %zu forgotten, counted %zu and %zu", live,
              dead, s->n_live, s->n_dead);
        CHECK(ended == s->n_ended && ended == s->ended_hi - s->ended_lo,
              "%zu jobs ended, counted %zu, listed %zu", ended, s->n_ended,
              s->ended_hi - s->ended_lo);
        for (size_t i = s->ended_lo; i < s->ended_hi; i++) {
            const job_rec *j = find_job(s, s->ended[i]);
            CHECK(j && j->state >= GS_JOB_COMPLETED,
                  "job %llu in the ended list is not an ended job",
                  (unsigned long long)s->ended[i]);
        }
        CHECK(unread == s->n_events, "%zu events queued, jobs count %zu",
              s->n_events, unread);
        for (size_t i = 0; i < s->n_events; i++)
            CHECK(find_job(s, s->events[(s->ev_head + i) % s->cap_events].job),
                  "a queued event names a job not held");
    }
    for (size_t i = 0; i < s->n_pending; i++)
        CHECK(s->jobs[s->pending[i]].state == GS_JOB_PENDING,
              "a queued job is not pending");
    /* the cluster histogram counts every node at its free-GPU count, and
     * each partition's its nodes */
    for (uint32_t p = 0; p < s->n_parts; p++) {
        uint32_t h[65] = {0};
        int64_t free = 0;
        for (uint32_t n = 0; n < s->n_nodes; n++)
            if ((s->node_parts[n] >> p) & 1) {
                h[mask_count(s->nodes[n].avail)]++;
                free += mask_count(s->nodes[n].avail);
            }
        CHECK(memcmp(h, gs_part_hist(s, p), sizeof h) == 0 &&
                  free == s->parts[p].free,
              "partition %s: its free-GPU histogram is off", s->parts[p].name);
    }
    {
        uint32_t h[65] = {0};
        for (uint32_t n = 0; n < s->n_nodes; n++)
            h[mask_count(s->nodes[n].avail)]++;
        CHECK(memcmp(h, s->hist + (size_t)s->hist_cluster * 65, sizeof h) == 0,
              "the cluster's free-GPU histogram is off");
        for (size_t sw = 0; sw < t->n_switches; sw++) {
            uint32_t hs[65] = {0};
            for (uint32_t i = s->switch_lo[sw]; i < s->switch_hi[sw]; i++)
                hs[mask_count(s->nodes[s->switch_order[i]].avail)]++;
            CHECK(memcmp(hs, s->hist + sw * 65, sizeof hs) == 0,
                  "switch %s: free-GPU histogram is off", t->switches[sw].name);
        }
    }
    size_t keyed = 0;
    for (uint32_t k = s->active_keys; k != GS_NONE; k = s->keys[k].next_active)
        keyed += s->keys[k].count;
    size_t want = 0;
    for (uint32_t n = 0; n < s->n_nodes; n++)
        want += s->nodes[n].avail != 0;
    CHECK(keyed == want, "key index holds %zu nodes, expected %zu", keyed,
          want);
    gs_err_clear(&s->err);
    return GS_OK;
}

