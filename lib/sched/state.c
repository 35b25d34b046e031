/*
 * The resource state: per node the GPUs held, drained, failed and held
 * back, CPUs and memory; the (type, free GPUs) key index and the
 * free-GPU histograms placement reads; the running jobs by expected end.
 * Both the plan stage (its what-ifs change a node and change it back) and
 * the apply stage change it, only through these functions.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/state.h"

#include <string.h>

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
    /* a slot is reused often as nodes come and go in backfill's what-ifs:
     * only what a new key reads is reset (its answers are invalid) */
    for (size_t i = 0; i < KEY_CACHE; i++)
        ks->cache[i].valid = 0;
    ks->cache_next = 0;
    ks->count = 0;
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
    for (uint64_t b = s->node_parts[n]; b; b &= b - 1) {
        uint32_t p = (uint32_t)__builtin_ctzll(b);
        uint32_t *row = gs_part_hist(s, p);
        row[from]--;
        row[to]++;
        s->parts[p].free += (int64_t)to - (int64_t)from;
    }
}

void gs_sched_reindex_node(gs_sched *s, uint32_t n)
{
    node_state *ns = &s->nodes[n];
    ns->ver++;
    gs_mask avail = gs_state_avail(s, n);
    uint32_t type = node_class(s, n);
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

/* Every node into the key of its class again (the classes changed). */
void gs_state_rekey(gs_sched *s)
{
    for (uint32_t n = 0; n < s->n_nodes; n++)
        key_unlink(s, n);
    for (uint32_t n = 0; n < s->n_nodes; n++) {
        node_state *ns = &s->nodes[n];
        if (!ns->avail)
            continue;
        uint32_t k = key_find(s, node_class(s, n), ns->avail);
        if (k == GS_NONE)
            k = key_add(s, node_class(s, n), ns->avail);
        key_link(s, n, k);
    }
}

/* ---- starting and ending jobs ------------------------------------------ */

/* The NUMA domain of CPU c of a node of type ty. */
static uint32_t cpu_domain(const gs_ntype *ty, uint32_t c)
{
    uint32_t d = 0, start = 0;
    while (c >= start + ty->numa[d].cpu_n)
        start += ty->numa[d++].cpu_n;
    return d;
}

/* Mark free CPU c of node state ns (type ty) taken. */
static void take_cpu(gs_sched *s, node_state *ns, const gs_ntype *ty,
                     uint32_t c)
{
    uint64_t *bits = s->cpu_bits + ns->cpu_word;
    bits[c / 64] |= (uint64_t)1 << (c % 64);
    s->numa_free[ns->numa_off + cpu_domain(ty, c)]--;
}

/* CPUs for k GPUs of a node: from each GPU's NUMA domain first, then any. */
uint32_t gs_state_take_cpus(gs_sched *s, uint32_t n, gs_mask gpus,
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
            take_cpu(s, ns, ty, c);
            out[got++] = c;
            deficit--;
        }
    ns->free_cpus -= got;
    return got;
}

uint32_t gs_state_take_cpus_n(gs_sched *s, uint32_t n, uint32_t count,
                              uint32_t *out)
{
    node_state *ns = &s->nodes[n];
    const gs_ntype *ty = node_type(s, n);
    uint64_t *bits = s->cpu_bits + ns->cpu_word;
    /* the NUMA domain with the fewest free CPUs that has them all, else
     * the lowest free CPUs wherever they are */
    uint32_t dom = GS_NONE, dom_free = 0, start = 0, dom_start = 0;
    for (uint32_t d = 0; d < ty->n_numa; d++) {
        uint32_t f = s->numa_free[ns->numa_off + d];
        if (f >= count && (dom == GS_NONE || f < dom_free)) {
            dom = d;
            dom_free = f;
            dom_start = start;
        }
        start += ty->numa[d].cpu_n;
    }
    uint32_t lo = dom != GS_NONE ? dom_start : 0;
    uint32_t hi = dom != GS_NONE ? dom_start + ty->numa[dom].cpu_n : ty->n_cpus;
    uint32_t got = 0;
    for (uint32_t c = lo; c < hi && got < count; c++)
        if (!((bits[c / 64] >> (c % 64)) & 1)) {
            take_cpu(s, ns, ty, c);
            out[got++] = c;
        }
    ns->free_cpus -= got;
    return got;
}

void gs_state_give_cpus(gs_sched *s, uint32_t n, const uint32_t *cpus,
                           uint32_t count)
{
    node_state *ns = &s->nodes[n];
    const gs_ntype *ty = node_type(s, n);
    uint64_t *bits = s->cpu_bits + ns->cpu_word;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t c = cpus[i];
        bits[c / 64] &= ~((uint64_t)1 << (c % 64));
        s->numa_free[ns->numa_off + cpu_domain(ty, c)]++;
    }
    ns->free_cpus += count;
}

/* ---- running jobs by expected end (for reservations) ------------------- */

int64_t gs_state_end_key(const job_rec *j)
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
        int64_t k = gs_state_end_key(&s->jobs[m]);
        if (k < key || (k == key && m < idx))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void gs_state_ends_insert(gs_sched *s, uint32_t idx)
{
    size_t pos = ends_find(s, gs_state_end_key(&s->jobs[idx]), idx);
    memmove(s->ends + pos + 1, s->ends + pos,
            (s->n_ends - pos) * sizeof *s->ends);
    s->ends[pos] = idx;
    s->n_ends++;
    s->ends_ver++;
}

void gs_state_ends_remove(gs_sched *s, uint32_t idx)
{
    size_t pos = ends_find(s, gs_state_end_key(&s->jobs[idx]), idx);
    if (pos < s->n_ends && s->ends[pos] == idx) {
        memmove(s->ends + pos, s->ends + pos + 1,
                (s->n_ends - pos - 1) * sizeof *s->ends);
        s->n_ends--;
        s->ends_ver++;
    }
}

uint64_t gs_state_slots(const uint32_t *row, uint32_t p)
{
    uint64_t slots = 0;
    uint32_t q = 1, next = 2 * p; /* q = c / p, without dividing */
    for (uint32_t c = p; c <= 64; c++) {
        if (c == next) {
            q++;
            next += p;
        }
        slots += (uint64_t)q * row[c];
    }
    return slots;
}

uint64_t gs_state_slots_needed(const job_rec *j, uint32_t p)
{
    return p ? j->gpus / p + (j->gpus % p != 0) : j->gpus;
}

uint32_t gs_state_node_shape(const job_rec *j)
{
    return j->max_nodes == 1 ? j->gpus : j->gpus_per_node;
}

/* Could j fit on nodes with these free-GPU counts (an upper bound:
 * CPUs, memory and GPU kinds are not looked at)? */
static bool counts_fit_p(const uint32_t *row, const job_rec *j, uint32_t p)
{
    return p <= 64 && gs_state_slots(row, p) >= gs_state_slots_needed(j, p);
}

/* By counts, under the reservation blocks in place. */
bool gs_state_counts_fit_in(const uint32_t *row, int64_t free,
                            const job_rec *j)
{
    if (!job_whole(j))
        return true; /* shared and MIG GPUs are not in the free counts */
    uint32_t p = gs_state_node_shape(j);
    return p ? counts_fit_p(row, j, p) : (uint64_t)free >= j->gpus;
}

bool gs_sched_counts_fit(const gs_sched *s, const job_rec *j)
{
    if (!job_whole(j))
        return true; /* shared and MIG GPUs are not in the free counts */
    if (s->n_parts) {
        /* in one of its partitions */
        for (uint64_t b = j->parts; b; b &= b - 1) {
            uint32_t q = (uint32_t)__builtin_ctzll(b);
            if (gs_state_counts_fit_in(gs_part_hist(s, q), s->parts[q].free,
                                       j))
                return true;
        }
        return false;
    }
    return gs_state_counts_fit_in(s->hist + (size_t)s->hist_cluster * 65,
                                  s->free_sum, j);
}

/* By counts, as if no GPU were held back for a reservation. */
static bool fits_unblocked_in(const gs_sched *s, const job_rec *j,
                              const uint32_t *cluster, int64_t free,
                              uint64_t part_bit);

bool gs_state_fits_unblocked(const gs_sched *s, const job_rec *j)
{
    if (!job_whole(j))
        return true;
    if (!s->n_bf_touched || !s->bf_blocked_free)
        return gs_sched_counts_fit(s, j);
    if (!s->n_parts)
        return fits_unblocked_in(s, j, s->hist + (size_t)s->hist_cluster * 65,
                                 s->free_sum, 0);
    for (uint64_t b = j->parts; b; b &= b - 1) {
        uint32_t q = (uint32_t)__builtin_ctzll(b);
        if (fits_unblocked_in(s, j, gs_part_hist(s, q), s->parts[q].free,
                              (uint64_t)1 << q))
            return true;
    }
    return false;
}

/* The same in the nodes of one histogram row (part_bit: of a partition,
 * 0: the cluster). */
static bool fits_unblocked_in(const gs_sched *s, const job_rec *j,
                              const uint32_t *cluster, int64_t free,
                              uint64_t part_bit)
{
    if ((uint64_t)free + (uint64_t)GS_MAX(s->bf_blocked_free, 0) < j->gpus)
        return false;
    uint32_t p = gs_state_node_shape(j);
    if (!p)
        return true;
    /* per-node shapes: the counts with the blocked GPUs given back */
    uint32_t row[65];
    memcpy(row, cluster, sizeof row);
    for (size_t i = 0; i < s->n_bf_touched; i++) {
        uint32_t n = s->bf_touched[i];
        const node_state *ns = &s->nodes[n];
        if (ns->drained_node || ns->excl_job ||
            (part_bit && !(s->node_parts[n] & part_bit)))
            continue;
        gs_mask all = mask_all(node_type(s, n)->n_gpus);
        gs_mask open = ns->avail |
                       (ns->rsv & all &
                        ~(ns->busy | ns->drained | ns->failed | ns->mig));
        uint32_t a = mask_count(ns->avail), b = mask_count(open);
        if (a != b && row[a]) {
            row[a]--;
            row[b]++;
        }
    }
    return counts_fit_p(row, j, p);
}
