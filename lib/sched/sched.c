/*
 * The scheduler: jobs on a frozen topology, their allocations, and the
 * bookkeeping that lets placement decide without allocating.
 *
 * Resources per node: GPUs (a 64-bit mask: busy, drained, failed), CPUs (a
 * bitset over the node's CPUs numbered NUMA domain by domain, with a free
 * count per domain) and memory (one figure per node). A node whose topology
 * gives no CPUs, or no memory, does not account them: jobs asking for CPUs
 * or memory per GPU get none there and are not limited by them.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/order.h"
#include "place/place.h"

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
                                  "failed",  "cancelled", "preempted"};
    _Static_assert(GS_ARRAY_LEN(names) == GS_JOB_PREEMPTED + 1,
                   "a job state without a name");
    return (unsigned)state < GS_ARRAY_LEN(names) ? names[state] : "?";
}

GS_API const char *gs_pending_reason_name(gs_pending_reason reason)
{
    static const char *names[] = {"none",   "resources",   "priority",
                                  "required-busy", "policy", "limit",
                                  "reservation",   "dependency"};
    _Static_assert(GS_ARRAY_LEN(names) == GS_REASON_DEPENDENCY + 1,
                   "a pending reason without a name");
    return (unsigned)reason < GS_ARRAY_LEN(names) ? names[reason] : "?";
}

/* ---- small helpers ------------------------------------------------------ */

static const gs_ntype *node_type(const gs_sched *s, uint32_t n)
{
    return s->topo->nodes[n].type;
}

static bool cpu_accounted(const gs_sched *s, uint32_t n)
{
    return node_type(s, n)->n_cpus > 0;
}

/* A node type's memory, the sum of its NUMA domains'. Each may hold up to
 * 2^63 - 1 bytes: the sum saturates rather than wrap to a few bytes. */
static uint64_t type_memory(const gs_ntype *ty)
{
    uint64_t m = 0;
    for (uint32_t d = 0; d < ty->n_numa; d++)
        m = ty->numa[d].memory > UINT64_MAX - m ? UINT64_MAX
                                                 : m + ty->numa[d].memory;
    return m;
}

static uint64_t node_memory(const gs_sched *s, uint32_t n)
{
    return type_memory(node_type(s, n));
}

static job_rec *find_job(const gs_sched *s, uint64_t id)
{
    return id >= 1 && id <= s->n_jobs ? &s->jobs[id - 1] : NULL;
}

static gs_mask compute_avail(const gs_sched *s, uint32_t n)
{
    const node_state *ns = &s->nodes[n];
    if (ns->drained_node || ns->excl_job)
        return 0;
    return mask_all(node_type(s, n)->n_gpus) &
           ~(ns->busy | ns->drained | ns->failed | ns->rsv);
}

/* ---- the (type, avail) key index --------------------------------------- */

static size_t key_hash(uint32_t type, gs_mask avail, size_t cap)
{
    uint64_t h = avail * 0x9E3779B97F4A7C15ull ^ (uint64_t)type * 0xC2B2AE35u;
    h ^= h >> 29;
    return (size_t)(h & (cap - 1));
}

static uint32_t key_find(const gs_sched *s, uint32_t type, gs_mask avail)
{
    for (size_t h = key_hash(type, avail, s->key_hash_cap);;
         h = (h + 1) & (s->key_hash_cap - 1)) {
        uint32_t k = s->key_hash[h];
        if (k == GS_NONE)
            return GS_NONE;
        if (s->keys[k].type == type && s->keys[k].avail == avail)
            return k;
    }
}

static uint32_t key_add(gs_sched *s, uint32_t type, gs_mask avail)
{
    uint32_t k = s->free_key; /* the pool holds one slot per node */
    s->free_key = s->keys[k].next_active;
    key_slot *ks = &s->keys[k];
    memset(ks, 0, sizeof *ks);
    ks->type = type;
    ks->avail = avail;
    ks->head = GS_NONE;
    ks->prev_active = GS_NONE;
    ks->next_active = s->active_keys;
    if (s->active_keys != GS_NONE)
        s->keys[s->active_keys].prev_active = k;
    s->active_keys = k;
    size_t h = key_hash(type, avail, s->key_hash_cap);
    while (s->key_hash[h] != GS_NONE)
        h = (h + 1) & (s->key_hash_cap - 1);
    s->key_hash[h] = k;
    return k;
}

/* Remove an empty key: from the active list and from the hash table (with
 * backward-shift deletion, so no tombstones build up). */
static void key_drop(gs_sched *s, uint32_t k)
{
    key_slot *ks = &s->keys[k];
    if (ks->prev_active != GS_NONE)
        s->keys[ks->prev_active].next_active = ks->next_active;
    else
        s->active_keys = ks->next_active;
    if (ks->next_active != GS_NONE)
        s->keys[ks->next_active].prev_active = ks->prev_active;
    size_t mask = s->key_hash_cap - 1;
    size_t i = key_hash(ks->type, ks->avail, s->key_hash_cap);
    while (s->key_hash[i] != k)
        i = (i + 1) & mask;
    for (size_t j = (i + 1) & mask; s->key_hash[j] != GS_NONE;
         j = (j + 1) & mask) {
        const key_slot *o = &s->keys[s->key_hash[j]];
        size_t home = key_hash(o->type, o->avail, s->key_hash_cap);
        /* can the entry at j move into the hole at i? */
        bool between = i <= j ? (home > i && home <= j)
                              : (home > i || home <= j);
        if (!between) {
            s->key_hash[i] = s->key_hash[j];
            i = j;
        }
    }
    s->key_hash[i] = GS_NONE;
    ks->next_active = s->free_key;
    s->free_key = k;
}

static void key_unlink(gs_sched *s, uint32_t n)
{
    node_state *ns = &s->nodes[n];
    uint32_t k = ns->key;
    if (k == GS_NONE)
        return;
    key_slot *ks = &s->keys[k];
    if (ns->key_prev != GS_NONE)
        s->nodes[ns->key_prev].key_next = ns->key_next;
    else
        ks->head = ns->key_next;
    if (ns->key_next != GS_NONE)
        s->nodes[ns->key_next].key_prev = ns->key_prev;
    ns->key = ns->key_prev = ns->key_next = GS_NONE;
    if (--ks->count == 0)
        key_drop(s, k);
}

/* Insert keeping the list sorted by node index. The predecessor is found
 * by walking the list from its head and, in lockstep, scanning node indices
 * down from n: whichever ends first. A long list has close neighbours and
 * a short list is quick to walk, so this costs O(min(list, gap)). */
static void key_link(gs_sched *s, uint32_t n, uint32_t k)
{
    key_slot *ks = &s->keys[k];
    node_state *ns = &s->nodes[n];
    uint32_t prev = GS_NONE, cur = ks->head;
    uint32_t down = n;
    for (;;) {
        if (cur == GS_NONE || cur > n)
            break; /* the walk found the spot */
        prev = cur;
        cur = s->nodes[cur].key_next;
        if (down == 0) {
            prev = GS_NONE;
            cur = ks->head;
            break; /* nothing below n holds the key */
        }
        down--;
        if (s->nodes[down].key == k) {
            prev = down;
            cur = s->nodes[down].key_next;
            break;
        }
    }
    ns->key = k;
    ns->key_prev = prev;
    ns->key_next = cur;
    if (prev == GS_NONE)
        ks->head = n;
    else
        s->nodes[prev].key_next = n;
    if (cur != GS_NONE)
        s->nodes[cur].key_prev = n;
    ks->count++;
}

/* Move node n from one free-GPU count to another in every histogram row
 * it belongs to: its switches up to the root, its domain, the cluster. */
static void hist_move(gs_sched *s, uint32_t n, uint32_t from, uint32_t to)
{
    const gs_topo *t = s->topo;
    for (uint32_t sw = t->nodes[n].sw; sw != GS_NONE;
         sw = t->switches[sw].parent) {
        s->hist[(size_t)sw * 65 + from]--;
        s->hist[(size_t)sw * 65 + to]++;
    }
    if (t->nodes[n].domain != GS_NONE) {
        size_t row = t->n_switches + t->nodes[n].domain;
        s->hist[row * 65 + from]--;
        s->hist[row * 65 + to]++;
    }
    s->hist[(size_t)s->hist_cluster * 65 + from]--;
    s->hist[(size_t)s->hist_cluster * 65 + to]++;
    s->free_sum += (int64_t)to - (int64_t)from;
}

void gs_sched_reindex_node(gs_sched *s, uint32_t n)
{
    node_state *ns = &s->nodes[n];
    gs_mask avail = compute_avail(s, n);
    uint32_t type = node_type(s, n)->id;
    if (ns->avail != avail)
        hist_move(s, n, mask_count(ns->avail), mask_count(avail));
    if (ns->key != GS_NONE && s->keys[ns->key].avail == avail &&
        ns->avail == avail)
        return;
    ns->avail = avail;
    key_unlink(s, n);
    if (!avail)
        return;
    uint32_t k = key_find(s, type, avail);
    if (k == GS_NONE)
        k = key_add(s, type, avail);
    key_link(s, n, k);
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
    uint32_t *cursor = gs_calloc(ns + 1, sizeof(uint32_t));
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
    if ((unsigned)c.ordering > GS_ORDER_PRIORITY ||
        (unsigned)c.fairshare > GS_FAIRSHARE_CLASSIC ||
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
    s->ordering = c.ordering;
    s->fs_algo = c.fairshare;
    s->backfill = c.backfill;
    s->bf_depth = c.backfill_depth ? c.backfill_depth : 100;
    s->bf_horizon = c.backfill_horizon ? c.backfill_horizon : 7 * 24 * 3600;
    s->bf_last = INT64_MIN;
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
    s->policy = gs_placement_find(pname);
    if (!s->policy)
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
    s->elig = gs_calloc(s->n_types + 1, sizeof *s->elig);
    s->type_nodes = gs_calloc(s->n_types + 1, sizeof *s->type_nodes);
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
        !s->bf_pos || !s->bf_key ||
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
    for (uint32_t i = 0; i < s->n_types; i++) {
        s->tables[i] = gs_place_tables_build(topo->types[i], &s->err);
        if (!s->tables[i])
            return GS_ENOMEM;
    }
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
    gs_status st = build_orders(s);
    if (st != GS_OK)
        return st;
    s->hist_cluster = (uint32_t)(topo->n_switches + topo->n_domains);
    s->hist = gs_calloc((size_t)(s->hist_cluster + 1) * 65, sizeof *s->hist);
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
        s->type_nodes[ty->id]++;
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
        gs_order_grow_accounts(s) != GS_OK)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    if (s->policy->init) {
        st = s->policy->init(&s->policy_state, topo, c.placement_options);
        if (st != GS_OK) {
            s->policy_state = NULL;
            s->policy = NULL;
            return gs_errf(&s->err, st,
                           "placement policy \"%s\" refused to start: %s",
                           pname, gs_strerror(st));
        }
    }
    return GS_OK;
}

static void free_job(job_rec *j)
{
    if (j->models) {
        for (char **m = j->models; *m; m++)
            gs_free(*m);
        gs_free(j->models);
    }
    gs_free(j->required);
    gs_free(j->alloc);
    gs_free(j->cpus);
    gs_free(j->gpu_ids);
}

GS_API void gs_sched_destroy(gs_sched *s)
{
    if (!s)
        return;
    if (s->policy && s->policy->destroy)
        s->policy->destroy(s->policy_state);
    for (size_t i = 0; i < s->n_jobs; i++)
        free_job(&s->jobs[i]);
    gs_free(s->jobs);
    gs_free(s->pending);
    gs_free(s->events);
    gs_free(s->running);
    gs_free(s->running_scratch);
    gs_free(s->ends);
    gs_free(s->requeued);
    gs_free(s->order_buf);
    gs_free(s->rsv);
    gs_free(s->rsv_by_start);
    gs_free(s->rsv_by_end);
    gs_free(s->rsv_gpus);
    gs_free(s->bf_touched);
    gs_free(s->bf_dirty);
    gs_free(s->bf_free_now);
    gs_free(s->bf_best);
    gs_free(s->bf_pos);
    gs_free(s->bf_key);
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
        for (uint32_t i = 0; i < s->n_types; i++)
            gs_place_tables_free(s->tables[i]);
    gs_free(s->tables);
    gs_free(s->nodes);
    gs_free(s->gpu_job);
    gs_free(s->elig);
    gs_free(s->type_nodes);
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
    gs_free(s);
}

GS_API const char *gs_sched_errmsg(const gs_sched *s)
{
    return s ? s->err.msg : "no scheduler (NULL handle)";
}

GS_API const gs_topo *gs_sched_topo(const gs_sched *s)
{
    return s ? s->topo : NULL;
}

/* ---- submission --------------------------------------------------------- */

/* Does a GPU model pass the job's filters? */
static bool model_ok(const job_rec *j, const char *model)
{
    if (!j->models)
        return true;
    if (!model)
        return false;
    for (char **m = j->models; *m; m++) {
        size_t n = strlen(*m);
        for (const char *p = model; *p; p++) {
            size_t i = 0;
            while (i < n && p[i] &&
                   (p[i] | 0x20) == ((*m)[i] | 0x20))
                i++;
            if (i == n)
                return true;
        }
    }
    return false;
}

static bool gpu_ok(const job_rec *j, const gs_gpu_rec *g)
{
    if (g->memory < j->min_gpu_memory)
        return false;
    if ((uint32_t)g->cc_major * 1000 + g->cc_minor < j->min_cc)
        return false;
    return model_ok(j, g->model);
}

static void compute_elig(const gs_sched *s, const job_rec *j, gs_mask *elig)
{
    for (uint32_t t = 0; t < s->n_types; t++) {
        const gs_ntype *ty = s->topo->types[t];
        gs_mask m = 0;
        for (uint32_t g = 0; g < ty->n_gpus; g++)
            if (gpu_ok(j, &ty->gpus[g]))
                m |= (gs_mask)1 << g;
        elig[t] = m;
    }
}

static int cmp_u32v(const void *a, const void *b)
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
    free_job(j);
    return gs_errf(&s->err, st, "job spec: %s", what);
}

/* Could the job run on this cluster if it were idle? Catches requests that
 * would otherwise wait forever at the head of the queue. Nodes of one type
 * are alike, so this looks at types, not nodes. */
static gs_status check_runnable(gs_sched *s, job_rec *j)
{
    compute_elig(s, j, s->elig);
    uint64_t total = 0, nodes_with_share = 0;
    uint32_t best_node = 0;
    uint32_t share = j->gpus_per_node ? j->gpus_per_node : 1;
    for (uint32_t ti = 0; ti < s->n_types; ti++) {
        const gs_ntype *ty = s->topo->types[ti];
        uint32_t c = mask_count(s->elig[ti]);
        if (j->cpus_per_gpu && ty->n_cpus && ty->n_cpus / j->cpus_per_gpu < c)
            c = ty->n_cpus / j->cpus_per_gpu;
        uint64_t mem = type_memory(ty);
        if (j->mem_per_gpu && mem && mem / j->mem_per_gpu < c)
            c = (uint32_t)(mem / j->mem_per_gpu);
        total += (uint64_t)c * s->type_nodes[ti];
        if (c > best_node)
            best_node = c;
        if (c >= share)
            nodes_with_share += s->type_nodes[ti];
    }
    if (total < j->gpus)
        return GS_ENORES;
    if (j->max_nodes == 1 && best_node < j->gpus)
        return GS_ENORES;
    if (j->gpus_per_node && nodes_with_share < j->gpus / j->gpus_per_node)
        return GS_ENORES;
    if (j->min_nodes > nodes_with_share)
        return GS_ENORES;
    if (j->one_domain && best_node < j->gpus) {
        const gs_topo *t = s->topo;
        bool any = false;
        for (size_t d = 0; d < t->n_domains && !any; d++) {
            uint32_t sum = 0;
            for (uint32_t i = s->domain_range[d]; i < s->domain_range[d + 1];
                 i++)
                sum += mask_count(s->elig[node_type(s, s->domain_order[i])->id]);
            any = sum >= j->gpus;
        }
        if (!any)
            return GS_ENORES;
    }
    for (size_t i = 0; i < j->n_required; i++) {
        uint32_t g = j->required[i];
        uint32_t node = s->topo->gpu_node[g];
        uint32_t idx = g - s->topo->nodes[node].first_gpu;
        if (!((s->elig[node_type(s, node)->id] >> idx) & 1))
            return GS_ENORES;
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
    j.exclusive = spec->exclusive != 0;
    j.one_domain = spec->one_nvlink_domain != 0;
    j.comm = spec->comm;
    j.priority = spec->priority;
    j.time_limit = spec->time_limit;
    j.submit_time = spec->submit_time;
    j.nice = spec->nice;
    j.preemptible = spec->preemptible != 0;
    j.depends_on = spec->depends_on;
    j.start_time = j.end_time = -1;
    if (j.gpus == 0)
        return spec_error(s, &j, GS_EINVAL, "gpus must be at least 1");
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
    if (j.min_nodes > j.gpus)
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
    if (spec->depends_on > s->n_jobs)
        return spec_error(s, &j, GS_EINVAL,
                          "depends_on: there is no job %llu",
                          (unsigned long long)spec->depends_on);
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
        size_t k = 0;
        const char *p = spec->gpu_models;
        while (*p) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            while (len && *p == ' ')
                p++, len--;
            while (len && p[len - 1] == ' ')
                len--;
            if (len == 0)
                return spec_error(s, &j, GS_EINVAL,
                                  "gpu_models \"%.64s\" has an empty name",
                                  spec->gpu_models);
            if (!(j.models[k] = gs_strndup(p, len)))
                return spec_error(s, &j, GS_ENOMEM, "out of memory");
            k++;
            p = e ? e + 1 : p + len;
            if (e && !*p)
                return spec_error(s, &j, GS_EINVAL,
                                  "gpu_models \"%.64s\" has an empty name",
                                  spec->gpu_models);
            while (!e && *p)
                p++;
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
        qsort(j.required, j.n_required, sizeof *j.required, cmp_u32v);
        for (size_t i = 1; i < j.n_required; i++)
            if (j.required[i] == j.required[i - 1])
                return spec_error(s, &j, GS_EINVAL,
                                  "GPU %u is required twice", j.required[i]);
    }
    *jp = j;
    return GS_OK;
}

GS_API gs_status gs_sched_submit(gs_sched *s, const gs_job_spec *spec,
                                 uint64_t *job)
{
    if (!s)
        return GS_EINVAL;
    job_rec j;
    gs_status st = parse_spec(s, spec, &j);
    if (st != GS_OK)
        return st;
    st = check_runnable(s, &j);
    if (st != GS_OK)
        return spec_error(s, &j, st,
                          "the cluster could never run it, even idle (not "
                          "enough GPUs of the allowed models, memory and "
                          "compute capability on suitable nodes, or a "
                          "required GPU that does not qualify)");
    /* buffers the decision path will fill */
    j.cap_alloc = GS_MIN(j.gpus, s->n_nodes);
    j.alloc = gs_calloc(j.cap_alloc, sizeof *j.alloc);
    j.gpu_ids = gs_calloc(j.gpus, sizeof *j.gpu_ids);
    /* CPU ids it may hold: cpus_per_gpu for each GPU, but never more
     * than the nodes it can use have (on nodes that do not account CPUs
     * it holds none): a huge cpus_per_gpu must not size a huge buffer */
    uint64_t n_cpus = 0;
    if (j.cpus_per_gpu) {
        uint32_t most = 0;
        for (uint32_t ti = 0; ti < s->n_types; ti++)
            most = GS_MAX(most, s->topo->types[ti]->n_cpus);
        n_cpus = GS_MIN((uint64_t)j.gpus * j.cpus_per_gpu,
                        (uint64_t)most * j.cap_alloc);
    }
    if (n_cpus)
        j.cpus = gs_calloc((size_t)n_cpus, sizeof *j.cpus);
    if (!j.alloc || !j.gpu_ids || (n_cpus && !j.cpus) ||
        intern_opt(s, spec->name, &j.name) != GS_OK ||
        intern_opt(s, spec->user, &j.user) != GS_OK ||
        intern_opt(s, spec->account, &j.account) != GS_OK)
        return spec_error(s, &j, GS_ENOMEM, "out of memory");
    /* the job's user-in-account association, and its limit counters */
    size_t n_assoc = s->share->n;
    st = gs_share_ensure(s->share, spec->user ? spec->user : "(none)",
                         spec->account, &j.assoc);
    if (st != GS_OK || gs_order_grow_accounts(s) != GS_OK ||
        gs_order_user_slot(s, spec->user, &j.user_slot) != GS_OK)
        return spec_error(s, &j, GS_ENOMEM, "out of memory");
    if (s->share->n != n_assoc)
        s->fs_fresh = false; /* a new association changes the factors */
    /* every buffer the decision path may need for this many jobs */
    size_t nj = s->n_jobs + 1;
    uint32_t mg = GS_MAX(s->max_job_gpus, j.gpus);
    if (!GS_GROW(s->jobs, s->cap_jobs, nj) ||
        !GS_GROW(s->pending, s->cap_pending, nj) ||
        !GS_GROW(s->events, s->cap_events, 3 * nj) ||
        !GS_GROW(s->running, s->cap_running, nj) ||
        !GS_GROW(s->running_scratch, s->cap_running_scratch, nj) ||
        !GS_GROW(s->ends, s->cap_ends, nj) ||
        (s->cap_place_out < j.gpus &&
         !GS_GROW(s->place_out, s->cap_place_out, j.gpus)) ||
        !GS_GROW(s->rsv_gpus, s->cap_rsv_gpus, (size_t)s->bf_depth * mg))
        return spec_error(s, &j, GS_ENOMEM, "out of memory");
    if (!GS_GROW(s->requeued, s->cap_requeued, nj) ||
        gs_order_reserve(s, nj) != GS_OK)
        return spec_error(s, &j, GS_ENOMEM, "out of memory");
    s->max_job_gpus = mg;
    j.id = s->n_jobs + 1;
    j.state = GS_JOB_PENDING;
    s->jobs[s->n_jobs++] = j;
    /* appended: each step sorts the pending jobs by the ordering */
    s->pending[s->n_pending++] = (uint32_t)(s->n_jobs - 1);
    if (job)
        *job = j.id;
    gs_err_clear(&s->err);
    return GS_OK;
}

/* ---- starting and ending jobs ------------------------------------------ */

/* CPUs for k GPUs of a node: from each GPU's NUMA domain first, then any. */
static uint32_t take_cpus(gs_sched *s, uint32_t n, gs_mask gpus,
                          uint32_t per_gpu, uint32_t *out)
{
    node_state *ns = &s->nodes[n];
    const gs_ntype *ty = node_type(s, n);
    uint64_t *bits = s->cpu_bits + ns->cpu_word;
    uint32_t got = 0, deficit = 0;
    for (gs_mask m = gpus; m; m &= m - 1) {
        uint16_t d = ty->gpus[mask_first(m)].numa;
        uint32_t want = per_gpu;
        if (d != GS_NONE16) {
            uint32_t start = 0;
            for (uint32_t e = 0; e < d; e++)
                start += ty->numa[e].cpu_n;
            uint32_t end = start + ty->numa[d].cpu_n;
            for (uint32_t c = start; c < end && want; c++)
                if (!((bits[c / 64] >> (c % 64)) & 1)) {
                    bits[c / 64] |= (uint64_t)1 << (c % 64);
                    s->numa_free[ns->numa_off + d]--;
                    out[got++] = c;
                    want--;
                }
        }
        deficit += want;
    }
    for (uint32_t c = 0; c < ty->n_cpus && deficit; c++)
        if (!((bits[c / 64] >> (c % 64)) & 1)) {
            bits[c / 64] |= (uint64_t)1 << (c % 64);
            uint32_t d = 0, start = 0;
            while (c >= start + ty->numa[d].cpu_n)
                start += ty->numa[d++].cpu_n;
            s->numa_free[ns->numa_off + d]--;
            out[got++] = c;
            deficit--;
        }
    ns->free_cpus -= got;
    return got;
}

static void give_back_cpus(gs_sched *s, uint32_t n, const uint32_t *cpus,
                           uint32_t count)
{
    node_state *ns = &s->nodes[n];
    const gs_ntype *ty = node_type(s, n);
    uint64_t *bits = s->cpu_bits + ns->cpu_word;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t c = cpus[i];
        bits[c / 64] &= ~((uint64_t)1 << (c % 64));
        uint32_t d = 0, start = 0;
        while (c >= start + ty->numa[d].cpu_n)
            start += ty->numa[d++].cpu_n;
        s->numa_free[ns->numa_off + d]++;
    }
    ns->free_cpus += count;
}

static void emit_event(gs_sched *s, gs_event_kind kind, uint64_t job,
                       int64_t now)
{
    if (s->n_events < s->cap_events)
        s->events[s->n_events++] = (sched_event){kind, job, now};
}

/* Take the GPUs the policy chose (already validated) for job j. */
/* ---- running jobs by expected end (for reservations) ------------------- */

static int64_t end_key(const job_rec *j)
{
    if (!j->time_limit)
        return INT64_MAX;
    return j->start_time > INT64_MAX - j->time_limit
               ? INT64_MAX
               : j->start_time + j->time_limit;
}

/* Position of job index idx in s->ends by (end, index), or where it goes. */
static size_t ends_find(const gs_sched *s, int64_t key, uint32_t idx)
{
    size_t lo = 0, hi = s->n_ends;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t m = s->ends[mid];
        int64_t k = end_key(&s->jobs[m]);
        if (k < key || (k == key && m < idx))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void ends_insert(gs_sched *s, uint32_t idx)
{
    size_t pos = ends_find(s, end_key(&s->jobs[idx]), idx);
    memmove(s->ends + pos + 1, s->ends + pos,
            (s->n_ends - pos) * sizeof *s->ends);
    s->ends[pos] = idx;
    s->n_ends++;
}

static void ends_remove(gs_sched *s, uint32_t idx)
{
    size_t pos = ends_find(s, end_key(&s->jobs[idx]), idx);
    if (pos < s->n_ends && s->ends[pos] == idx) {
        memmove(s->ends + pos, s->ends + pos + 1,
                (s->n_ends - pos - 1) * sizeof *s->ends);
        s->n_ends--;
    }
}

static void start_job(gs_sched *s, job_rec *j, const uint32_t *gpus,
                      int64_t now)
{
    const gs_topo *t = s->topo;
    /* group by node: mark each node's mask in node_mask (zeroed after) */
    uint32_t nn = 0;
    uint32_t *touched = s->scratch_nodes2;
    for (uint32_t i = 0; i < j->gpus; i++) {
        uint32_t node = t->gpu_node[gpus[i]];
        if (!s->node_mask[node])
            touched[nn++] = node;
        s->node_mask[node] |= (gs_mask)1 << (gpus[i] - t->nodes[node].first_gpu);
    }
    /* insertion sort: few nodes, and no allocation on this path */
    for (uint32_t i = 1; i < nn; i++) {
        uint32_t v = touched[i], k = i;
        while (k > 0 && touched[k - 1] > v) {
            touched[k] = touched[k - 1];
            k--;
        }
        touched[k] = v;
    }
    uint32_t cpu_pos = 0, gi = 0;
    j->n_alloc = 0;
    for (uint32_t i = 0; i < nn; i++) {
        uint32_t node = touched[i];
        node_state *ns = &s->nodes[node];
        gs_mask set = s->node_mask[node];
        s->node_mask[node] = 0;
        alloc_node *a = &j->alloc[j->n_alloc++];
        a->node = node;
        a->gpus = set;
        a->cpu_off = cpu_pos;
        a->cpu_n = 0;
        if (j->cpus_per_gpu && cpu_accounted(s, node))
            a->cpu_n = take_cpus(s, node, set, j->cpus_per_gpu,
                                 j->cpus + cpu_pos);
        cpu_pos += a->cpu_n;
        a->mem = 0;
        if (j->mem_per_gpu && node_memory(s, node)) {
            a->mem = j->mem_per_gpu * mask_count(set);
            ns->free_mem -= a->mem;
        }
        ns->busy |= set;
        ns->jobs++;
        if (j->exclusive)
            ns->excl_job = j->id;
        for (gs_mask m = set; m; m &= m - 1) {
            uint32_t g = t->nodes[node].first_gpu + mask_first(m);
            s->gpu_job[g] = j->id;
            j->gpu_ids[gi++] = g;
        }
        gs_sched_reindex_node(s, node);
    }
    j->state = GS_JOB_RUNNING;
    j->reason = GS_REASON_NONE;
    j->reason_text[0] = '\0';
    j->lazy = LAZY_NONE;
    j->start_time = now;
    j->charged_until = now;
    j->rate = gs_order_rate(s, j);
    j->run_pos = (uint32_t)s->n_running;
    s->running[s->n_running++] = (uint32_t)(j->id - 1);
    ends_insert(s, (uint32_t)(j->id - 1));
    gs_order_count(s, j, 1);
    emit_event(s, GS_EVENT_STARTED, j->id, now);
    if (s->policy->job_started)
        s->policy->job_started(s->policy_state, j->id, j->gpu_ids, j->gpus);
}

static void release_job(gs_sched *s, job_rec *j, int64_t now)
{
    /* usage up to now, limit counters, the running list */
    gs_order_charge_job(s, j, now);
    gs_order_count(s, j, -1);
    uint32_t last = s->running[--s->n_running];
    ends_remove(s, (uint32_t)(j->id - 1));
    s->running[j->run_pos] = last;
    s->jobs[last].run_pos = j->run_pos;
    for (uint32_t i = 0; i < j->n_alloc; i++) {
        alloc_node *a = &j->alloc[i];
        node_state *ns = &s->nodes[a->node];
        ns->busy &= ~a->gpus;
        ns->jobs--;
        if (ns->excl_job == j->id)
            ns->excl_job = 0;
        if (a->cpu_n)
            give_back_cpus(s, a->node, j->cpus + a->cpu_off, a->cpu_n);
        ns->free_mem += a->mem;
        for (gs_mask m = a->gpus; m; m &= m - 1)
            s->gpu_job[s->topo->nodes[a->node].first_gpu + mask_first(m)] = 0;
        gs_sched_reindex_node(s, a->node);
    }
    if (s->policy->job_ended)
        s->policy->job_ended(s->policy_state, j->id, j->gpu_ids, j->gpus);
}

static void remove_pending(gs_sched *s, const job_rec *j)
{
    uint32_t idx = (uint32_t)(j->id - 1);
    for (size_t i = 0; i < s->n_pending; i++)
        if (s->pending[i] == idx) {
            memmove(s->pending + i, s->pending + i + 1,
                    (s->n_pending - i - 1) * sizeof *s->pending);
            s->n_pending--;
            return;
        }
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

static gs_status end_job(gs_sched *s, uint64_t id, int64_t now,
                         gs_job_state to, bool pending_ok)
{
    if (!s)
        return GS_EINVAL;
    gs_status st = gs_sched_time_arg(s, now, "now");
    if (st != GS_OK)
        return st;
    job_rec *j = find_job(s, id);
    if (!j)
        return gs_errf(&s->err, GS_ENOTFOUND, "no job %llu",
                       (unsigned long long)id);
    if (j->state == GS_JOB_PENDING && pending_ok) {
        remove_pending(s, j);
    } else if (j->state == GS_JOB_RUNNING) {
        release_job(s, j, now);
    } else {
        return gs_errf(&s->err, GS_ESTATE, "job %llu is %s",
                       (unsigned long long)id, gs_job_state_name(j->state));
    }
    j->state = to;
    j->end_time = now;
    j->reason = GS_REASON_NONE;
    return GS_OK;
}

GS_API gs_status gs_sched_cancel(gs_sched *s, uint64_t job, int64_t now)
{
    return end_job(s, job, now, GS_JOB_CANCELLED, true);
}

GS_API gs_status gs_sched_complete(gs_sched *s, uint64_t job, int64_t now)
{
    return end_job(s, job, now, GS_JOB_COMPLETED, false);
}

GS_API gs_status gs_sched_fail(gs_sched *s, uint64_t job, int64_t now)
{
    return end_job(s, job, now, GS_JOB_FAILED, false);
}

/* ---- deciding ----------------------------------------------------------- */

static void fill_request(const job_rec *j, gs_place_request *r)
{
    memset(r, 0, sizeof *r);
    r->struct_size = sizeof *r;
    r->job = j->id;
    r->gpus = j->gpus;
    r->gpus_per_node = j->gpus_per_node;
    r->min_nodes = j->min_nodes;
    r->max_nodes = j->max_nodes;
    r->cpus_per_gpu = j->cpus_per_gpu;
    r->mem_per_gpu = j->mem_per_gpu;
    r->required = j->required;
    r->n_required = j->n_required;
    r->exclusive = j->exclusive;
    r->one_nvlink_domain = j->one_domain;
    r->comm = j->comm;
}

/* Check a policy's answer before anything changes. */
static bool valid_answer(gs_sched *s, gs_place_ctx *ctx, const job_rec *j,
                         const uint32_t *gpus)
{
    const gs_topo *t = s->topo;
    uint32_t nn = 0, domain = GS_NONE;
    bool ok = true;
    uint32_t *touched = s->scratch_nodes2;
    for (uint32_t i = 0; i < j->gpus && ok; i++) {
        uint32_t g = gpus[i];
        if (g >= t->n_gpus) {
            snprintf(ctx->reason, sizeof ctx->reason,
                     "placement policy \"%s\" returned GPU %u, which does "
                     "not exist",
                     s->policy->name, g);
            ok = false;
            break;
        }
        uint32_t node = t->gpu_node[g];
        gs_mask bit = (gs_mask)1 << (g - t->nodes[node].first_gpu);
        if ((s->node_mask[node] & bit) || !gs_place_gpu_usable(ctx, g)) {
            snprintf(ctx->reason, sizeof ctx->reason,
                     "placement policy \"%s\" returned GPU %u, which is %s",
                     s->policy->name, g,
                     (s->node_mask[node] & bit) ? "listed twice"
                                                : "not usable for the job");
            ok = false;
            break;
        }
        if (!s->node_mask[node])
            touched[nn++] = node;
        s->node_mask[node] |= bit;
    }
    for (size_t i = 0; ok && i < j->n_required; i++) {
        uint32_t g = j->required[i], node = t->gpu_node[g];
        if (!((s->node_mask[node] >> (g - t->nodes[node].first_gpu)) & 1)) {
            snprintf(ctx->reason, sizeof ctx->reason,
                     "placement policy \"%s\" left out required GPU %u",
                     s->policy->name, g);
            ok = false;
        }
    }
    if (ok && (nn < j->min_nodes || nn > j->max_nodes)) {
        snprintf(ctx->reason, sizeof ctx->reason,
                 "placement policy \"%s\" used %u nodes, outside %u..%u",
                 s->policy->name, nn, j->min_nodes, j->max_nodes);
        ok = false;
    }
    for (uint32_t i = 0; ok && i < nn; i++) {
        uint32_t node = touched[i];
        uint32_t c = mask_count(s->node_mask[node]);
        if ((j->gpus_per_node && c != j->gpus_per_node) ||
            gs_place_capacity(ctx, node, NULL) < c) {
            snprintf(ctx->reason, sizeof ctx->reason,
                     "placement policy \"%s\" put %u GPUs on node %s, which "
                     "%s",
                     s->policy->name, c, t->nodes[node].name,
                     j->gpus_per_node ? "is not the number per node asked"
                                      : "lacks the CPUs or memory");
            ok = false;
        }
        if (ok && j->one_domain && nn > 1) {
            uint32_t d = t->nodes[node].domain;
            if (d == GS_NONE || (domain != GS_NONE && d != domain)) {
                snprintf(ctx->reason, sizeof ctx->reason,
                         "placement policy \"%s\" spread the job over more "
                         "than one NVLink domain",
                         s->policy->name);
                ok = false;
            }
            domain = d;
        }
    }
    for (uint32_t i = 0; i < nn; i++)
        s->node_mask[touched[i]] = 0;
    return ok;
}

/* Run the policy for j on the current state; on success the GPUs are in
 * out and nothing changed. */
static gs_status run_policy(gs_sched *s, job_rec *j, uint32_t *out,
                            gs_place_ctx *ctx, gs_place_request *req,
                            bool quiet)
{
    fill_request(j, req);
    ctx->s = s;
    ctx->job = j;
    ctx->req = req;
    ctx->elig = s->elig;
    ctx->prepared = false;
    ctx->quiet = quiet;
    ctx->reason[0] = '\0';
    compute_elig(s, j, s->elig);
    gs_status st = s->policy->place(s->policy_state, ctx, req, out);
    if (st == GS_OK && !valid_answer(s, ctx, j, out))
        st = GS_EINVALID;
    return st;
}

/* A what-if placement (backfill, preemption): j's reason is left alone
 * and no text is made. */
bool gs_sched_place_quiet(gs_sched *s, job_rec *j, uint32_t *out)
{
    gs_place_ctx ctx;
    gs_place_request req;
    return run_policy(s, j, out, &ctx, &req, true) == GS_OK;
}

/* Run the policy for j on the current state; on success the GPUs are in
 * out and nothing changed. On failure j's reason is set (and copied to
 * reason when given). */
bool gs_sched_place_only(gs_sched *s, job_rec *j, uint32_t *out,
                         char *reason, size_t cap)
{
    gs_place_ctx ctx;
    gs_place_request req;
    gs_status st = run_policy(s, j, out, &ctx, &req, false);
    if (st == GS_OK)
        return true;
    bool policy_error = st != GS_ENORES;
    if (st != GS_ENORES && !ctx.reason[0])
        snprintf(ctx.reason, sizeof ctx.reason,
                 "placement policy \"%s\" failed: %s", s->policy->name,
                 gs_strerror(st));
    bool req_busy = false;
    for (size_t i = 0; i < j->n_required && !policy_error; i++)
        if (!gs_place_gpu_usable(&ctx, j->required[i]))
            req_busy = true;
    j->reason = policy_error ? GS_REASON_POLICY
                : req_busy   ? GS_REASON_REQUIRED_BUSY
                             : GS_REASON_RESOURCES;
    j->lazy = LAZY_NONE;
    snprintf(j->reason_text, sizeof j->reason_text, "%s",
             ctx.reason[0] ? ctx.reason : "not enough free resources");
    if (reason && cap)
        snprintf(reason, cap, "%s", j->reason_text);
    return false;
}

void gs_sched_start_job(gs_sched *s, job_rec *j, const uint32_t *gpus,
                        int64_t now)
{
    start_job(s, j, gpus, now);
}

void gs_sched_release_job(gs_sched *s, job_rec *j, int64_t now)
{
    release_job(s, j, now);
}

void gs_sched_emit(gs_sched *s, gs_event_kind kind, uint64_t job,
                   int64_t now)
{
    emit_event(s, kind, job, now);
}

/* A preempted job goes back to the queue (after the current step's loop). */
void gs_sched_requeue(gs_sched *s, job_rec *j)
{
    j->state = GS_JOB_PENDING;
    j->start_time = -1;
    j->n_alloc = 0;
    j->requeues++;
    j->reason = GS_REASON_NONE;
    j->reason_text[0] = '\0';
    j->lazy = LAZY_NONE;
    s->requeued[s->n_requeued++] = (uint32_t)(j->id - 1);
}

GS_API gs_status gs_sched_preview(gs_sched *s, const gs_job_spec *spec,
                                  uint32_t *gpus, size_t cap, size_t *count)
{
    if (count)
        *count = 0;
    if (!s)
        return GS_EINVAL;
    job_rec j;
    gs_status st = parse_spec(s, spec, &j);
    if (st != GS_OK)
        return st;
    if (cap < j.gpus || !gpus) {
        free_job(&j);
        return gs_errf(&s->err, GS_ENOSPC, "preview: %zu slots for %u GPUs",
                       cap, j.gpus);
    }
    if (s->cap_place_out < j.gpus &&
        !GS_GROW(s->place_out, s->cap_place_out, j.gpus)) {
        free_job(&j);
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    }
    gs_place_request req;
    gs_place_ctx ctx;
    st = run_policy(s, &j, s->place_out, &ctx, &req, false);
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
        free_job(&j);
        gs_err_clear(&s->err);
        return GS_OK;
    }
    gs_errf(&s->err, GS_ENORES, "%s",
            ctx.reason[0] ? ctx.reason : "not enough free resources");
    free_job(&j);
    return GS_ENORES;
}

/* Could j fit on nodes with these free-GPU counts (an upper bound:
 * CPUs, memory and GPU kinds are not looked at)? */
static bool counts_fit_p(const uint32_t *row, const job_rec *j, uint32_t p)
{
    if (p > 64)
        return false;
    uint64_t slots = 0, need = j->gpus / p + (j->gpus % p != 0);
    uint32_t q = 1, next = 2 * p; /* q = c / p, without dividing */
    for (uint32_t c = p; c <= 64; c++) {
        if (c == next) {
            q++;
            next += p;
        }
        slots += (uint64_t)q * row[c];
    }
    return slots >= need;
}

/* The GPUs j needs on each node it uses, 0 when any split will do. */
static uint32_t per_node_shape(const job_rec *j)
{
    return j->max_nodes == 1 ? j->gpus : j->gpus_per_node;
}

/* By counts, under the reservation blocks in place. */
bool gs_sched_counts_fit(const gs_sched *s, const job_rec *j)
{
    uint32_t p = per_node_shape(j);
    if (!p)
        return (uint64_t)s->free_sum >= j->gpus;
    return counts_fit_p(s->hist + (size_t)s->hist_cluster * 65, j, p);
}

/* By counts, as if no GPU were held back for a reservation. */
static bool fits_unblocked(const gs_sched *s, const job_rec *j)
{
    if (!s->n_bf_touched || !s->bf_blocked_free)
        return gs_sched_counts_fit(s, j);
    if ((uint64_t)s->free_sum + (uint64_t)GS_MAX(s->bf_blocked_free, 0) <
        j->gpus)
        return false;
    uint32_t p = per_node_shape(j);
    if (!p)
        return true;
    const uint32_t *cluster = s->hist + (size_t)s->hist_cluster * 65;
    /* per-node shapes: the counts with the blocked GPUs given back */
    uint32_t row[65];
    memcpy(row, cluster, sizeof row);
    for (size_t i = 0; i < s->n_bf_touched; i++) {
        uint32_t n = s->bf_touched[i];
        const node_state *ns = &s->nodes[n];
        if (ns->drained_node || ns->excl_job)
            continue;
        gs_mask all = mask_all(node_type(s, n)->n_gpus);
        gs_mask open = ns->avail |
                       (ns->rsv & all & ~(ns->busy | ns->drained | ns->failed));
        uint32_t a = mask_count(ns->avail), b = mask_count(open);
        if (a != b && row[a]) {
            row[a]--;
            row[b]++;
        }
    }
    return counts_fit_p(row, j, p);
}

/* The text of a lazy reason, into buf. */
static size_t lazy_text(const job_rec *j, char *buf, size_t cap)
{
    int n = 0;
    switch (j->lazy) {
    case LAZY_BEHIND:
    case LAZY_BEHIND_NOLIMIT:
        n = snprintf(buf, cap,
                     j->lazy == LAZY_BEHIND_NOLIMIT
                         ? "waiting behind job %llu (no time limit, so it "
                           "cannot backfill)"
                         : "waiting behind job %llu",
                     (unsigned long long)j->behind);
        break;
    case LAZY_NOFIT:
        if (j->gpus_per_node)
            n = snprintf(buf, cap,
                         "needs %u nodes with %u free GPUs each; not that "
                         "many now",
                         j->gpus / j->gpus_per_node, j->gpus_per_node);
        else
            n = snprintf(buf, cap, "needs %u GPU%s; not that many are "
                                   "free now",
                         j->gpus, j->gpus == 1 ? "" : "s");
        break;
    case LAZY_DELAY:
        n = snprintf(buf, cap, "would delay the reserved start of job %llu",
                     (unsigned long long)j->behind);
        break;
    default:
        n = snprintf(buf, cap, "%s", j->reason_text);
        break;
    }
    return n < 0 ? 0 : GS_MIN((size_t)n, cap - 1);
}

/* Make a lazy reason's text real (before appending to it). */
static void reason_materialize(job_rec *j)
{
    if (j->lazy == LAZY_NONE)
        return;
    char text[REASON_MAX];
    lazy_text(j, text, sizeof text);
    memcpy(j->reason_text, text, sizeof text);
    j->lazy = LAZY_NONE;
}

/* Why a job cannot go now, apart from resources: a dependency or a
 * limit. Such jobs wait without holding back the ones behind them. */
static bool held(gs_sched *s, job_rec *j)
{
    if (j->depends_on) {
        const job_rec *d = &s->jobs[j->depends_on - 1];
        if (d->state != GS_JOB_COMPLETED) {
            j->reason = GS_REASON_DEPENDENCY;
            j->lazy = LAZY_NONE;
            bool never = d->state == GS_JOB_FAILED ||
                         d->state == GS_JOB_CANCELLED ||
                         d->state == GS_JOB_PREEMPTED;
            snprintf(j->reason_text, sizeof j->reason_text,
                     never ? "job %llu ended %s: the dependency can never be "
                             "satisfied"
                           : "waiting for job %llu to complete (%s)",
                     (unsigned long long)d->id, gs_job_state_name(d->state));
            return true;
        }
    }
    if (gs_order_over_limit(s, j, j->reason_text, sizeof j->reason_text)) {
        j->reason = GS_REASON_LIMIT;
        j->lazy = LAZY_NONE;
        return true;
    }
    return false;
}

GS_API gs_status gs_sched_step(gs_sched *s, int64_t now, size_t *started)
{
    if (started)
        *started = 0;
    if (!s)
        return GS_EINVAL;
    gs_status st = gs_sched_time_arg(s, now, "now");
    if (st != GS_OK)
        return st;
    s->n_events = 0;
    s->n_requeued = 0;
    gs_order_pending(s, now);
    gs_bf_begin(s);
    size_t kept = 0, n_started = 0, looked = 0;
    uint64_t blocker = 0;
    /* backfill runs at most once per interval (like Slurm's bf_interval);
     * the other steps start jobs in order only */
    gs_backfill backfill = s->backfill;
    if (backfill != GS_BACKFILL_NONE && s->bf_interval > 0) {
        if (s->bf_last != INT64_MIN && now >= s->bf_last &&
            now - s->bf_last < s->bf_interval)
            backfill = GS_BACKFILL_NONE;
        else
            s->bf_last = now;
    }
    for (size_t i = 0; i < s->n_pending; i++) {
        job_rec *j = &s->jobs[s->pending[i]];
        if (held(s, j)) {
            s->pending[kept++] = s->pending[i];
            continue;
        }
        if (!blocker) {
            /* nothing is blocked yet: start it, or preempt for it */
            if (gs_sched_place_only(s, j, s->place_out, NULL, 0)) {
                start_job(s, j, s->place_out, now);
                n_started++;
                continue;
            }
            if (j->reason == GS_REASON_RESOURCES && gs_bf_preempt(s, j, now)) {
                n_started++;
                continue;
            }
            blocker = j->id;
            int64_t when;
            if (backfill != GS_BACKFILL_NONE &&
                j->reason == GS_REASON_RESOURCES &&
                gs_bf_reserved_start(s, j, now, &when)) {
                j->lazy = LAZY_NONE;
                snprintf(j->reason_text, sizeof j->reason_text,
                         "not enough free resources; reserved to start at "
                         "%lld",
                         (long long)when);
            }
            s->pending[kept++] = s->pending[i];
            continue;
        }
        /* behind a blocked job */
        bool may_backfill = backfill != GS_BACKFILL_NONE &&
                            looked < s->bf_depth && j->time_limit > 0;
        if (!may_backfill) {
            j->reason = GS_REASON_PRIORITY;
            j->behind = blocker;
            j->lazy = backfill != GS_BACKFILL_NONE && !j->time_limit
                          ? LAZY_BEHIND_NOLIMIT
                          : LAZY_BEHIND;
            s->pending[kept++] = s->pending[i];
            continue;
        }
        looked++;
        /* free-GPU counts first: most jobs behind a blocked one cannot
         * fit, and counting is far cheaper than placing */
        gs_bf_window(s, j, now);
        if (!fits_unblocked(s, j)) {
            j->reason = GS_REASON_RESOURCES;
            j->lazy = LAZY_NOFIT;
        } else if (gs_sched_counts_fit(s, j) && gs_bf_try_start(s, j, now)) {
            n_started++;
            continue;
        } else if (s->n_rsv > 0) {
            /* it fits when reservations are ignored (judged by counts):
             * it would delay one */
            j->reason = GS_REASON_RESERVATION;
            j->lazy = LAZY_DELAY;
            j->behind = blocker;
        } else if (j->lazy != LAZY_NONE) {
            j->reason = GS_REASON_RESOURCES;
            j->lazy = LAZY_NOFIT;
        }
        int64_t when;
        if (backfill == GS_BACKFILL_CONSERVATIVE &&
            j->reason != GS_REASON_POLICY &&
            gs_bf_reserved_start(s, j, now, &when)) {
            reason_materialize(j);
            snprintf(j->reason_text + strlen(j->reason_text),
                     sizeof j->reason_text - strlen(j->reason_text),
                     "; reserved to start at %lld", (long long)when);
        }
        s->pending[kept++] = s->pending[i];
    }
    gs_bf_end(s);
    for (size_t i = 0; i < s->n_requeued; i++)
        s->pending[kept++] = s->requeued[i];
    s->n_pending = kept;
    s->n_requeued = 0;
    if (started)
        *started = n_started;
    return GS_OK;
}

GS_API size_t gs_sched_event_count(const gs_sched *s)
{
    return s ? s->n_events : 0;
}

GS_API gs_status gs_sched_event(const gs_sched *s, size_t i, gs_event *ev)
{
    if (!s || i >= s->n_events || !ev || ev->struct_size < sizeof(uint32_t))
        return GS_EINVAL;
    gs_event full = {sizeof full, s->events[i].kind, s->events[i].job,
                     s->events[i].time};
    uint32_t caller = ev->struct_size;
    memcpy(ev, &full, GS_MIN((size_t)caller, sizeof full));
    ev->struct_size = caller;
    return GS_OK;
}

/* ---- queries ------------------------------------------------------------ */

GS_API size_t gs_sched_job_count(const gs_sched *s)
{
    return s ? s->n_jobs : 0;
}

GS_API uint64_t gs_sched_job_at(const gs_sched *s, size_t i)
{
    return s && i < s->n_jobs ? s->jobs[i].id : 0;
}

GS_API gs_status gs_sched_job_info(const gs_sched *s, uint64_t job,
                                   gs_job_info *info)
{
    if (!s || !info || info->struct_size < sizeof(uint32_t))
        return GS_EINVAL;
    const job_rec *j = find_job(s, job);
    if (!j)
        return GS_ENOTFOUND;
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
    uint32_t caller = info->struct_size;
    memcpy(info, &full, GS_MIN((size_t)caller, sizeof full));
    info->struct_size = caller;
    return GS_OK;
}

GS_API gs_status gs_sched_job_reason_text(const gs_sched *s, uint64_t job,
                                          char *buf, size_t cap, size_t *len)
{
    if (!s)
        return GS_EINVAL;
    const job_rec *j = find_job(s, job);
    if (!j)
        return GS_ENOTFOUND;
    if (j->state == GS_JOB_PENDING && j->lazy != LAZY_NONE) {
        char text[REASON_MAX];
        size_t n = lazy_text(j, text, sizeof text);
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
    const job_rec *j = s ? find_job(s, job) : NULL;
    return j ? j->n_alloc : 0;
}

GS_API gs_status gs_sched_alloc_node(const gs_sched *s, uint64_t job,
                                     uint32_t k, gs_alloc_node *out)
{
    if (!s || !out || out->struct_size < sizeof(uint32_t))
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
    if (!s || (cap && !gpus))
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
    if (!s)
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
    qsort(ids, a->cpu_n, sizeof *ids, cmp_u32v);
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
    if (!s || (flags & ~GS_CVD_UUIDS))
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

/* ---- nodes and GPUs ----------------------------------------------------- */

static bool gpu_at(gs_sched *s, uint32_t gpu, uint32_t *node, gs_mask *bit,
                   const char *what)
{
    if (!s)
        return false;
    if (gpu >= s->topo->n_gpus) {
        gs_errf(&s->err, GS_EINVAL, "%s: no GPU %u (the cluster has %u)",
                what, gpu, s->topo->n_gpus);
        return false;
    }
    *node = s->topo->gpu_node[gpu];
    *bit = (gs_mask)1 << (gpu - s->topo->nodes[*node].first_gpu);
    return true;
}

/* Is node a node of s? If not, say so in s's message. */
static bool node_at(gs_sched *s, uint32_t node, const char *what)
{
    if (!s)
        return false;
    if (node >= s->n_nodes) {
        gs_errf(&s->err, GS_EINVAL, "%s: no node %u (the cluster has %u)",
                what, node, s->n_nodes);
        return false;
    }
    return true;
}

GS_API gs_status gs_sched_drain_node(gs_sched *s, uint32_t node)
{
    if (!node_at(s, node, "drain_node"))
        return GS_EINVAL;
    s->nodes[node].drained_node = true;
    gs_sched_reindex_node(s, node);
    return GS_OK;
}

GS_API gs_status gs_sched_resume_node(gs_sched *s, uint32_t node)
{
    if (!node_at(s, node, "resume_node"))
        return GS_EINVAL;
    s->nodes[node].drained_node = false;
    gs_sched_reindex_node(s, node);
    return GS_OK;
}

GS_API gs_status gs_sched_drain_gpu(gs_sched *s, uint32_t gpu)
{
    uint32_t node;
    gs_mask bit;
    if (!gpu_at(s, gpu, &node, &bit, "drain_gpu"))
        return GS_EINVAL;
    s->nodes[node].drained |= bit;
    gs_sched_reindex_node(s, node);
    return GS_OK;
}

GS_API gs_status gs_sched_resume_gpu(gs_sched *s, uint32_t gpu)
{
    uint32_t node;
    gs_mask bit;
    if (!gpu_at(s, gpu, &node, &bit, "resume_gpu"))
        return GS_EINVAL;
    s->nodes[node].drained &= ~bit;
    gs_sched_reindex_node(s, node);
    return GS_OK;
}

GS_API gs_status gs_sched_fail_gpu(gs_sched *s, uint32_t gpu, int64_t now,
                                   uint64_t *job)
{
    uint32_t node;
    gs_mask bit;
    if (job)
        *job = 0;
    if (!gpu_at(s, gpu, &node, &bit, "fail_gpu"))
        return GS_EINVAL;
    gs_status st = gs_sched_time_arg(s, now, "now");
    if (st != GS_OK)
        return st;
    s->n_events = 0;
    uint64_t holder = s->gpu_job[gpu];
    s->nodes[node].failed |= bit;
    if (holder) {
        end_job(s, holder, now, GS_JOB_FAILED, false);
        emit_event(s, GS_EVENT_FAILED, holder, now);
        if (job)
            *job = holder;
    }
    gs_sched_reindex_node(s, node);
    return GS_OK;
}

GS_API gs_status gs_sched_repair_gpu(gs_sched *s, uint32_t gpu)
{
    uint32_t node;
    gs_mask bit;
    if (!gpu_at(s, gpu, &node, &bit, "repair_gpu"))
        return GS_EINVAL;
    s->nodes[node].failed &= ~bit;
    gs_sched_reindex_node(s, node);
    return GS_OK;
}

GS_API uint32_t gs_sched_node_free_gpus(const gs_sched *s, uint32_t node)
{
    return s && node < s->n_nodes ? mask_count(s->nodes[node].avail) : 0;
}

GS_API uint32_t gs_sched_node_free_cpus(const gs_sched *s, uint32_t node)
{
    return s && node < s->n_nodes ? s->nodes[node].free_cpus : 0;
}

GS_API uint64_t gs_sched_node_free_memory(const gs_sched *s, uint32_t node)
{
    return s && node < s->n_nodes ? s->nodes[node].free_mem : 0;
}

GS_API uint32_t gs_sched_free_gpus(const gs_sched *s)
{
    if (!s)
        return 0;
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->n_nodes; i++)
        n += mask_count(s->nodes[i].avail);
    return n;
}

GS_API uint64_t gs_sched_gpu_job(const gs_sched *s, uint32_t gpu)
{
    return s && gpu < s->topo->n_gpus ? s->gpu_job[gpu] : 0;
}

/* ---- invariants --------------------------------------------------------- */

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (!(cond))                                                          \
            return gs_errf(&s->err, GS_EINVALID, __VA_ARGS__);                \
    } while (0)

GS_API gs_status gs_sched_check(gs_sched *s)
{
    if (!s)
        return GS_EINVAL;
    const gs_topo *t = s->topo;
    /* recompute what each node should hold from the running jobs */
    for (uint32_t n = 0; n < s->n_nodes; n++)
        s->node_mask[n] = 0;
    for (size_t i = 0; i < s->n_jobs; i++) {
        const job_rec *j = &s->jobs[i];
        CHECK((unsigned)j->state <= GS_JOB_PREEMPTED, "job %llu: bad state",
              (unsigned long long)j->id);
        if (j->state != GS_JOB_RUNNING)
            continue;
        uint32_t total = 0;
        for (uint32_t k = 0; k < j->n_alloc; k++) {
            const alloc_node *a = &j->alloc[k];
            CHECK(a->node < s->n_nodes, "job %llu: bad node",
                  (unsigned long long)j->id);
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
        CHECK(ns->avail == compute_avail(s, n), "node %s: stale free mask",
              t->nodes[n].name);
        CHECK(!ns->dirty, "node %s: a virtual release was never reindexed",
              t->nodes[n].name);
        CHECK(ns->rsv == 0, "node %s: a reservation block outlived its step",
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
                      s->keys[ns->key].type == ty->id,
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
            CHECK(end_key(p) < end_key(e) ||
                      (end_key(p) == end_key(e) && p->id < e->id),
                  "the end order is broken at job %llu",
                  (unsigned long long)e->id);
        }
    }
    /* limit counters match the running jobs */
    for (size_t u = 0; u < s->n_user_slots; u++) {
        uint32_t sum = 0;
        for (size_t i = 0; i < s->n_running; i++)
            if (s->jobs[s->running[i]].user_slot == u)
                sum += s->jobs[s->running[i]].gpus;
        CHECK(sum == s->user_running[u], "user GPU counter %zu is off", u);
    }
    /* every pending job queued once, every queued job pending */
    size_t pend = 0;
    for (size_t i = 0; i < s->n_jobs; i++)
        pend += s->jobs[i].state == GS_JOB_PENDING;
    CHECK(pend == s->n_pending, "%zu jobs pending but %zu queued", pend,
          s->n_pending);
    for (size_t i = 0; i < s->n_pending; i++)
        CHECK(s->jobs[s->pending[i]].state == GS_JOB_PENDING,
              "a queued job is not pending");
    /* the cluster histogram counts every node at its free-GPU count */
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
