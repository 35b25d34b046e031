/*
 * Queries on a frozen topology. None of them writes to the topology (not
 * even its error message), so a frozen topology can be shared by threads.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "topo/topo_impl.h"

#include "common/lists.h"

#include <stdlib.h>
#include <string.h>

#define FROZEN(t) ((t) && (t)->frozen)

GS_API uint32_t gs_topo_node_count(const gs_topo *t)
{
    return FROZEN(t) ? (uint32_t)t->n_nodes : 0;
}

GS_API uint32_t gs_topo_gpu_count(const gs_topo *t)
{
    return FROZEN(t) ? t->n_gpus : 0;
}

GS_API uint32_t gs_topo_switch_count(const gs_topo *t)
{
    return FROZEN(t) ? (uint32_t)t->n_switches : 0;
}

GS_API uint32_t gs_topo_nvlink_domain_count(const gs_topo *t)
{
    return FROZEN(t) ? (uint32_t)t->n_domains : 0;
}

static uint32_t lookup(const gs_topo *t, const gs_strtab *tab,
                       const char *name)
{
    if (!FROZEN(t) || !name)
        return GS_NONE;
    const gs_strtab_slot *s = gs_strtab_get(tab, name, strlen(name));
    return s ? s->val : GS_NONE;
}

GS_API uint32_t gs_topo_find_node(const gs_topo *t, const char *hostname)
{
    return t ? lookup(t, &t->node_names, hostname) : GS_NONE;
}

GS_API uint32_t gs_topo_find_switch(const gs_topo *t, const char *name)
{
    return t ? lookup(t, &t->switch_names, name) : GS_NONE;
}

GS_API uint32_t gs_topo_find_nvlink_domain(const gs_topo *t, const char *name)
{
    return t ? lookup(t, &t->domain_names, name) : GS_NONE;
}

const char *gs_topo_gpu_uuid(const gs_topo *t, uint32_t gpu)
{
    const gs_node_rec *n = &t->nodes[t->gpu_node[gpu]];
    return n->uuids ? n->uuids[gpu - n->first_gpu] : NULL;
}

GS_API uint32_t gs_topo_find_gpu_uuid(const gs_topo *t, const char *uuid)
{
    if (!FROZEN(t) || !uuid || !t->uuid_cap)
        return GS_NONE;
    size_t mask = t->uuid_cap - 1;
    for (size_t h = gs_hash_bytes(uuid, strlen(uuid), 0) & mask;
         t->uuid_slots[h] != GS_NONE; h = (h + 1) & mask)
        if (strcmp(gs_topo_gpu_uuid(t, t->uuid_slots[h]), uuid) == 0)
            return t->uuid_slots[h];
    return GS_NONE;
}

static const gs_node_rec *node_at(const gs_topo *t, uint32_t node)
{
    return FROZEN(t) && node < t->n_nodes ? &t->nodes[node] : NULL;
}

GS_API const char *gs_topo_node_name(const gs_topo *t, uint32_t node)
{
    const gs_node_rec *n = node_at(t, node);
    return n ? n->name : NULL;
}

GS_API uint32_t gs_topo_node_gpu_count(const gs_topo *t, uint32_t node)
{
    const gs_node_rec *n = node_at(t, node);
    return n ? n->type->n_gpus : 0;
}

GS_API uint32_t gs_topo_node_first_gpu(const gs_topo *t, uint32_t node)
{
    const gs_node_rec *n = node_at(t, node);
    return n ? n->first_gpu : GS_NONE;
}

GS_API uint32_t gs_topo_node_numa_count(const gs_topo *t, uint32_t node)
{
    const gs_node_rec *n = node_at(t, node);
    return n ? n->type->n_numa : 0;
}

GS_API uint32_t gs_topo_node_cpu_count(const gs_topo *t, uint32_t node)
{
    const gs_node_rec *n = node_at(t, node);
    return n ? n->type->n_cpus : 0;
}

GS_API uint64_t gs_topo_numa_memory(const gs_topo *t, uint32_t node,
                                    uint32_t numa)
{
    const gs_node_rec *n = node_at(t, node);
    return n && numa < n->type->n_numa ? n->type->numa[numa].memory : 0;
}

static gs_status cpus_out(const gs_cpu_range *r, size_t n, char *buf,
                          size_t cap, size_t *len)
{
    gs_buf b = {0};
    gs_cpulist_format(&b, r, n);
    if (!gs_buf_finish(&b)) {
        gs_buf_free(&b);
        return GS_ENOMEM;
    }
    gs_status st = gs_copy_out(b.data, b.len, buf, cap, len);
    gs_buf_free(&b);
    return st;
}

GS_API uint32_t gs_topo_numa_os_id(const gs_topo *t, uint32_t node,
                                   uint32_t numa)
{
    const gs_node_rec *n = node_at(t, node);
    return n && numa < n->type->n_numa ? n->type->numa[numa].os_id
                                        : GS_NONE;
}

GS_API gs_status gs_topo_numa_cpus(const gs_topo *t, uint32_t node,
                                   uint32_t numa, char *buf, size_t cap,
                                   size_t *len)
{
    if (!FROZEN(t))
        return t ? GS_ENOTFROZEN : GS_EINVAL;
    const gs_node_rec *n = node_at(t, node);
    if (!n || numa >= n->type->n_numa)
        return GS_EINVAL;
    const gs_numa_rec *r = &n->type->numa[numa];
    return cpus_out((r->range_n ? n->type->cpus + r->range_off : NULL), r->range_n, buf, cap, len);
}

GS_API uint32_t gs_topo_gpu_node(const gs_topo *t, uint32_t gpu)
{
    return FROZEN(t) && gpu < t->n_gpus ? t->gpu_node[gpu] : GS_NONE;
}

GS_API gs_status gs_topo_gpu_info(const gs_topo *t, uint32_t gpu,
                                  gs_gpu_info *info)
{
    if (!FROZEN(t))
        return t ? GS_ENOTFROZEN : GS_EINVAL;
    if (gpu >= t->n_gpus || !info || info->struct_size < sizeof(uint32_t))
        return GS_EINVAL;
    const gs_node_rec *n = &t->nodes[t->gpu_node[gpu]];
    uint32_t idx = gpu - n->first_gpu;
    const gs_gpu_rec *g = &n->type->gpus[idx];
    gs_gpu_info full = GS_GPU_INFO_INIT;
    full.index = idx;
    full.model = g->model;
    full.uuid = n->uuids ? n->uuids[idx] : NULL;
    full.pci_bus_id = g->pci;
    full.memory_bytes = g->memory;
    full.cc_major = g->cc_major;
    full.cc_minor = g->cc_minor;
    full.sm_count = g->sm_count;
    full.numa = g->numa == GS_NONE16 ? GS_NONE : g->numa;
    full.fabric = g->fabric == GS_NONE8 ? GS_NONE : g->fabric;
    full.fabric_links = g->fabric_links;
    size_t n_copy = GS_MIN((size_t)info->struct_size, sizeof full);
    uint32_t caller_size = info->struct_size;
    memcpy(info, &full, n_copy);
    info->struct_size = caller_size;
    return GS_OK;
}

GS_API gs_status gs_topo_gpu_local_cpu_ids(const gs_topo *t, uint32_t gpu,
                                           uint32_t *cpus, size_t cap,
                                           size_t *count)
{
    if (!FROZEN(t))
        return t ? GS_ENOTFROZEN : GS_EINVAL;
    if (gpu >= t->n_gpus || (cap && !cpus))
        return GS_EINVAL;
    const gs_node_rec *n = &t->nodes[t->gpu_node[gpu]];
    const gs_gpu_rec *g = &n->type->gpus[gpu - n->first_gpu];
    const gs_numa_rec *r =
        g->numa != GS_NONE16 ? &n->type->numa[g->numa] : NULL;
    size_t cnt = r ? r->cpu_n : 0;
    if (count)
        *count = cnt;
    if (cnt > cap)
        return GS_ENOSPC;
    size_t k = 0;
    for (uint32_t i = 0; r && i < r->range_n; i++) {
        const gs_cpu_range *cr = &n->type->cpus[r->range_off + i];
        for (uint64_t c = cr->lo; c <= cr->hi; c++)
            cpus[k++] = (uint32_t)c;
    }
    return GS_OK;
}

GS_API gs_status gs_topo_gpu_local_cpus(const gs_topo *t, uint32_t gpu,
                                        char *buf, size_t cap, size_t *len)
{
    if (!FROZEN(t))
        return t ? GS_ENOTFROZEN : GS_EINVAL;
    if (gpu >= t->n_gpus)
        return GS_EINVAL;
    const gs_node_rec *n = &t->nodes[t->gpu_node[gpu]];
    const gs_gpu_rec *g = &n->type->gpus[gpu - n->first_gpu];
    if (g->numa == GS_NONE16)
        return gs_copy_out("", 0, buf, cap, len);
    const gs_numa_rec *r = &n->type->numa[g->numa];
    return cpus_out((r->range_n ? n->type->cpus + r->range_off : NULL), r->range_n, buf, cap, len);
}

uint32_t gs_ntype_shown_nvlinks(const gs_ntype *ty, uint32_t a, uint32_t b)
{
    const gs_cell *c = gs_ntype_cell(ty, a, b);
    uint32_t k = c->nvlinks;
    const gs_gpu_rec *x = &ty->gpus[a], *y = &ty->gpus[b];
    if (a != b && x->fabric != GS_NONE8 && x->fabric == y->fabric)
        k += GS_MIN(x->fabric_links, y->fabric_links);
    return k;
}

/* Fabric bandwidth of a GPU in MB/s (its links into the fabric). */
static uint64_t fabric_mbs(const gs_node_rec *n, uint32_t idx)
{
    const gs_gpu_rec *g = &n->type->gpus[idx];
    return (uint64_t)g->fabric_links * n->type->bw_eff[BW_PER_LINK];
}

uint32_t gs_topo_bw_mbs(const gs_topo *t, uint32_t a, uint32_t b)
{
    if (a == b)
        return 0;
    const gs_node_rec *na = &t->nodes[t->gpu_node[a]];
    const gs_node_rec *nb = &t->nodes[t->gpu_node[b]];
    uint32_t ia = a - na->first_gpu, ib = b - nb->first_gpu;
    if (na == nb)
        return gs_ntype_cell(na->type, ia, ib)->bw;
    if (na->domain == GS_NONE || na->domain != nb->domain)
        return 0;
    /* capped as a pair on one node is: links x per-link bandwidth may
     * pass 2^32 MB/s */
    uint64_t x = fabric_mbs(na, ia), y = fabric_mbs(nb, ib);
    return (uint32_t)GS_MIN(GS_MIN(x, y), GS_BW_MAX_MBS);
}

GS_API gs_status gs_topo_link(const gs_topo *t, uint32_t a, uint32_t b,
                              gs_link_info *info)
{
    if (!FROZEN(t))
        return t ? GS_ENOTFROZEN : GS_EINVAL;
    if (a >= t->n_gpus || b >= t->n_gpus || !info ||
        info->struct_size < sizeof(uint32_t))
        return GS_EINVAL;
    gs_link_info out = GS_LINK_INFO_INIT;
    const gs_node_rec *na = &t->nodes[t->gpu_node[a]];
    const gs_node_rec *nb = &t->nodes[t->gpu_node[b]];
    uint32_t ia = a - na->first_gpu, ib = b - nb->first_gpu;
    out.bandwidth = gs_topo_bw_mbs(t, a, b) / 1000.0;
    if (a == b) {
        out.kind = GS_LINK_SELF;
    } else if (na == nb) {
        const gs_ntype *ty = na->type;
        const gs_cell *c = gs_ntype_cell(ty, ia, ib);
        const gs_gpu_rec *x = &ty->gpus[ia], *y = &ty->gpus[ib];
        bool fabric = x->fabric != GS_NONE8 && x->fabric == y->fabric;
        out.kind = fabric         ? GS_LINK_NVSWITCH
                   : c->nvlinks   ? GS_LINK_NVLINK
                                  : GS_LINK_PCIE;
        out.nvlinks = gs_ntype_shown_nvlinks(ty, ia, ib);
        out.pcie = (gs_pcie_level)c->pcie;
        out.source = (gs_source)c->source;
        out.bandwidth_explicit = (c->flags & CELL_BW_SET) != 0;
    } else if (na->domain != GS_NONE && na->domain == nb->domain) {
        out.kind = GS_LINK_NVL_DOMAIN;
        out.nvlinks = GS_MIN(na->type->gpus[ia].fabric_links,
                             nb->type->gpus[ib].fabric_links);
        out.pcie = GS_PCIE_UNKNOWN;
    } else {
        out.kind = GS_LINK_NONE;
    }
    size_t n_copy = GS_MIN((size_t)info->struct_size, sizeof out);
    uint32_t caller_size = info->struct_size;
    memcpy(info, &out, n_copy);
    info->struct_size = caller_size;
    return GS_OK;
}

GS_API double gs_topo_bandwidth(const gs_topo *t, uint32_t a, uint32_t b)
{
    if (!FROZEN(t) || a >= t->n_gpus || b >= t->n_gpus)
        return 0.0;
    return gs_topo_bw_mbs(t, a, b) / 1000.0;
}

/* A GPU of a set on a multi-node NVLink domain: its domain and fabric
 * bandwidth (capped as a pair's is). */
typedef struct q_fab {
    uint32_t domain;
    uint64_t mbs;
} q_fab;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_fab(const void *a, const void *b)
{
    const q_fab *x = a, *y = b;
    if (x->domain != y->domain)
        return x->domain < y->domain ? -1 : 1;
    return x->mbs < y->mbs ? -1 : x->mbs > y->mbs;
}

/* Sum over the pairs of v[0..n) (ascending) of the smaller value. */
static double min_pair_sum(const uint64_t *v, size_t n)
{
    double sum = 0;
    for (size_t k = 0; k < n; k++)
        sum += (double)v[k] * (double)(n - 1 - k);
    return sum;
}

/* Q of a large set without looking at every pair: pairs on one node from
 * the node's table (nodes are runs of the sorted ids), pairs on different
 * nodes of one NVLink domain as sums of minima over sorted fabric
 * bandwidths (the domain's, less each node's own), other pairs 0. */
static gs_status quality_large(const gs_topo *t, const uint32_t *gpus,
                               size_t count, double *quality)
{
    uint32_t *ids = gs_malloc(count * sizeof *ids);
    q_fab *fab = gs_malloc(count * sizeof *fab);
    uint64_t *tmp = gs_malloc(count * sizeof *tmp);
    gs_status st = GS_OK;
    if (!ids || !fab || !tmp) {
        st = GS_ENOMEM;
        goto out;
    }
    memcpy(ids, gpus, count * sizeof *ids);
    qsort(ids, count, sizeof *ids, cmp_u32);
    double sum = 0;
    size_t nf = 0;
    for (size_t i = 0; i < count;) {
        if (ids[i] >= t->n_gpus || (i && ids[i] == ids[i - 1])) {
            st = GS_EINVAL;
            goto out;
        }
        uint32_t node = t->gpu_node[ids[i]];
        const gs_node_rec *n = &t->nodes[node];
        size_t j = i;
        while (j < count && ids[j] < t->n_gpus &&
               t->gpu_node[ids[j]] == node) {
            if (j > i && ids[j] == ids[j - 1]) {
                st = GS_EINVAL;
                goto out;
            }
            j++;
        }
        /* pairs on the node; and the node's own minima, to take away from
         * its domain's (those pairs use the node's table instead) */
        uint64_t on_node = 0;
        for (size_t a = i; a < j; a++)
            for (size_t b = i; b < a; b++)
                on_node += gs_ntype_cell(n->type, ids[a] - n->first_gpu,
                                         ids[b] - n->first_gpu)->bw;
        sum += (double)on_node;
        if (n->domain != GS_NONE) {
            size_t m = 0;
            for (size_t a = i; a < j; a++) {
                uint64_t x = fabric_mbs(n, ids[a] - n->first_gpu);
                x = GS_MIN(x, (uint64_t)GS_BW_MAX_MBS);
                fab[nf++] = (q_fab){n->domain, x};
                tmp[m++] = x;
            }
            /* ascending, for the sum of minima */
            for (size_t a = 1; a < m; a++) {
                uint64_t v = tmp[a];
                size_t b = a;
                while (b > 0 && tmp[b - 1] > v) {
                    tmp[b] = tmp[b - 1];
                    b--;
                }
                tmp[b] = v;
            }
            sum -= min_pair_sum(tmp, m);
        }
        i = j;
    }
    qsort(fab, nf, sizeof *fab, cmp_fab);
    for (size_t i = 0; i < nf;) {
        size_t j = i;
        while (j < nf && fab[j].domain == fab[i].domain) {
            tmp[j - i] = fab[j].mbs;
            j++;
        }
        sum += min_pair_sum(tmp, j - i);
        i = j;
    }
    *quality = sum / 1000.0;
out:
    gs_free(ids);
    gs_free(fab);
    gs_free(tmp);
    return st;
}

GS_API gs_status gs_topo_quality(const gs_topo *t, const uint32_t *gpus,
                                 size_t count, double *quality)
{
    if (!FROZEN(t))
        return t ? GS_ENOTFROZEN : GS_EINVAL;
    if ((count && !gpus) || !quality)
        return GS_EINVAL;
    /* every pair, for the sets jobs usually have; large sets (whole racks
     * and clusters) would take seconds that way */
    if (count > 256)
        return quality_large(t, gpus, count, quality);
    uint64_t sum = 0;
    for (size_t i = 0; i < count; i++) {
        if (gpus[i] >= t->n_gpus)
            return GS_EINVAL;
        for (size_t j = 0; j < i; j++) {
            if (gpus[i] == gpus[j])
                return GS_EINVAL;
            sum += gs_topo_bw_mbs(t, gpus[i], gpus[j]);
        }
    }
    *quality = (double)sum / 1000.0;
    return GS_OK;
}

GS_API uint32_t gs_topo_node_switch(const gs_topo *t, uint32_t node)
{
    const gs_node_rec *n = node_at(t, node);
    return n ? n->sw : GS_NONE;
}

GS_API uint32_t gs_topo_node_domain(const gs_topo *t, uint32_t node)
{
    const gs_node_rec *n = node_at(t, node);
    return n ? n->domain : GS_NONE;
}

static const gs_switch_rec *switch_at(const gs_topo *t, uint32_t sw)
{
    return FROZEN(t) && sw < t->n_switches ? &t->switches[sw] : NULL;
}

GS_API const char *gs_topo_switch_name(const gs_topo *t, uint32_t sw)
{
    const gs_switch_rec *s = switch_at(t, sw);
    return s ? s->name : NULL;
}

GS_API uint32_t gs_topo_switch_parent(const gs_topo *t, uint32_t sw)
{
    const gs_switch_rec *s = switch_at(t, sw);
    return s ? s->parent : GS_NONE;
}

GS_API uint32_t gs_topo_switch_depth(const gs_topo *t, uint32_t sw)
{
    const gs_switch_rec *s = switch_at(t, sw);
    return s ? s->depth : GS_NONE;
}

GS_API uint64_t gs_topo_switch_link_speed(const gs_topo *t, uint32_t sw)
{
    const gs_switch_rec *s = switch_at(t, sw);
    return s ? s->link_speed : 0;
}

GS_API uint32_t gs_topo_common_switch(const gs_topo *t, uint32_t node_a,
                                      uint32_t node_b)
{
    const gs_node_rec *a = node_at(t, node_a), *b = node_at(t, node_b);
    if (!a || !b || a->sw == GS_NONE || b->sw == GS_NONE)
        return GS_NONE;
    uint32_t x = a->sw, y = b->sw;
    while (t->switches[x].depth > t->switches[y].depth)
        x = t->switches[x].parent;
    while (t->switches[y].depth > t->switches[x].depth)
        y = t->switches[y].parent;
    while (x != y) {
        x = t->switches[x].parent;
        y = t->switches[y].parent;
        if (x == GS_NONE || y == GS_NONE)
            return GS_NONE;
    }
    return x;
}

GS_API const char *gs_topo_nvlink_domain_name(const gs_topo *t,
                                              uint32_t domain)
{
    return FROZEN(t) && domain < t->n_domains ? t->domains[domain].name
                                              : NULL;
}

GS_API uint32_t gs_topo_nvlink_domain_size(const gs_topo *t, uint32_t domain)
{
    return FROZEN(t) && domain < t->n_domains ? t->domains[domain].size : 0;
}

/* ---- node features and weights ----------------------------------------- */

GS_API uint32_t gs_topo_feature_count(const gs_topo *t)
{
    return FROZEN(t) ? t->n_features : 0;
}

GS_API const char *gs_topo_feature_name(const gs_topo *t, uint32_t i)
{
    return FROZEN(t) && i < t->n_features ? t->features[i] : NULL;
}

GS_API uint32_t gs_topo_find_feature(const gs_topo *t, const char *name)
{
    return FROZEN(t) && name ? gs_topo_feature_index(t, name, strlen(name))
                             : GS_NONE;
}

GS_API int gs_topo_node_has_feature(const gs_topo *t, uint32_t node,
                                    const char *name)
{
    const gs_node_rec *n = node_at(t, node);
    uint32_t f = gs_topo_find_feature(t, name);
    return n && f != GS_NONE && (n->features >> f & 1);
}

GS_API gs_status gs_topo_node_features(const gs_topo *t, uint32_t node,
                                       char *buf, size_t cap, size_t *len)
{
    if (!FROZEN(t))
        return t ? GS_ENOTFROZEN : GS_EINVAL;
    const gs_node_rec *n = node_at(t, node);
    if (!n)
        return GS_EINVAL;
    /* at most 64 names of 64 characters and their commas */
    char text[GS_MAX_FEATURES * (GS_MAX_FEATURE_NAME + 1)];
    size_t k = 0;
    for (uint32_t f = 0; f < t->n_features; f++) {
        if (!(n->features >> f & 1))
            continue;
        size_t l = strlen(t->features[f]);
        if (k)
            text[k++] = ',';
        memcpy(text + k, t->features[f], l);
        k += l;
    }
    return gs_copy_out(text, k, buf, cap, len);
}

GS_API uint32_t gs_topo_node_weight(const gs_topo *t, uint32_t node)
{
    const gs_node_rec *n = node_at(t, node);
    return n ? n->weight : GS_NONE;
}

/* ---- the nvidia-smi style matrix --------------------------------------- */

static char source_mark(uint8_t s)
{
    switch (s) {
    case GS_SOURCE_INFERRED: return '*';
    case GS_SOURCE_DRIVER: return 'd';
    case GS_SOURCE_NVML: return 'n';
    case GS_SOURCE_HWLOC: return 'h';
    default: return 0;
    }
}

GS_API gs_status gs_topo_node_matrix(const gs_topo *t, uint32_t node,
                                     unsigned flags, char *buf, size_t cap,
                                     size_t *len)
{
    if (!FROZEN(t))
        return t ? GS_ENOTFROZEN : GS_EINVAL;
    const gs_node_rec *n = node_at(t, node);
    if (!n)
        return GS_EINVAL;
    const gs_ntype *ty = n->type;
    gs_buf b = {0};
    for (uint32_t j = 0; j < ty->n_gpus; j++)
        gs_buf_printf(&b, "\tGPU%u", j);
    gs_buf_puts(&b, "\tCPU Affinity\tNUMA Affinity\n");
    for (uint32_t i = 0; i < ty->n_gpus; i++) {
        gs_buf_printf(&b, "GPU%u", i);
        for (uint32_t j = 0; j < ty->n_gpus; j++) {
            gs_buf_putc(&b, '\t');
            if (i == j) {
                gs_buf_puts(&b, " X ");
                continue;
            }
            const gs_cell *c = gs_ntype_cell(ty, i, j);
            uint32_t k = gs_ntype_shown_nvlinks(ty, i, j);
            if (k)
                gs_buf_printf(&b, "NV%u", k);
            else
                gs_buf_puts(&b, gs_pcie_level_name((gs_pcie_level)c->pcie));
            char mark = source_mark(c->source);
            if (!k && (c->flags & CELL_PCIE_INFERRED))
                mark = '*';
            if ((flags & GS_MATRIX_SOURCES) && mark)
                gs_buf_putc(&b, mark);
        }
        const gs_gpu_rec *g = &ty->gpus[i];
        gs_buf_putc(&b, '\t');
        if (g->numa != GS_NONE16) {
            const gs_numa_rec *r = &ty->numa[g->numa];
            if (r->range_n)
                gs_cpulist_format(&b, (r->range_n ? ty->cpus + r->range_off : NULL), r->range_n);
            else
                gs_buf_puts(&b, "N/A");
            /* the id the machine uses, as nvidia-smi shows it */
            gs_buf_printf(&b, "\t%u\n", r->os_id);
        } else {
            gs_buf_puts(&b, "N/A\tN/A\n");
        }
    }
    if (flags & GS_MATRIX_LEGEND) {
        gs_buf_puts(&b,
                    "\nLegend:\n\n"
                    "  X    = Self\n"
                    "  SYS  = Connection traversing PCIe as well as the SMP "
                    "interconnect between NUMA nodes (e.g., QPI/UPI)\n"
                    "  NODE = Connection traversing PCIe as well as the "
                    "interconnect between PCIe Host Bridges within a NUMA "
                    "node\n"
                    "  PHB  = Connection traversing PCIe as well as a PCIe "
                    "Host Bridge (typically the CPU)\n"
                    "  PXB  = Connection traversing multiple PCIe bridges "
                    "(without traversing the PCIe Host Bridge)\n"
                    "  PIX  = Connection traversing at most a single PCIe "
                    "bridge\n"
                    "  NV#  = Connection traversing a bonded set of # "
                    "NVLinks\n");
        if (flags & GS_MATRIX_SOURCES)
            gs_buf_puts(&b, "  Marks after a cell: * inferred, d CUDA driver, "
                            "n NVML, h hwloc; none: given\n");
    }
    if (!gs_buf_finish(&b)) {
        gs_buf_free(&b);
        return GS_ENOMEM;
    }
    gs_status st = gs_copy_out(b.data, b.len, buf, cap, len);
    gs_buf_free(&b);
    return st;
}

GS_API uint32_t gs_topo_node_type_index(const gs_topo *t, uint32_t node)
{
    const gs_node_rec *n = node_at(t, node);
    return n ? n->type->id : GS_NONE;
}
