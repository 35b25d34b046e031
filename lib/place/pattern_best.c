/*
 * gs_topo_pattern_best: the set nvlink-pack gives a job of a pattern on an
 * empty node, by the same exact search (place_tables.c), for hosts and the
 * simulator's run-time model (the best a job's size could get).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/sched_impl.h"
#include "topo/pattern.h"

#include <string.h>

GS_API gs_status gs_topo_pattern_best(const gs_topo *t, uint32_t node,
                                      uint32_t k, gs_comm_pattern pattern,
                                      uint32_t *gpus, gs_pattern_info *info)
{
    if (!t || !t->frozen)
        return t ? GS_ENOTFROZEN : GS_EINVAL;
    if (node >= t->n_nodes || (unsigned)pattern >= GS_PATTERN_COUNT ||
        (info && (info->struct_size < 2 * sizeof(double) ||
                  info->struct_size > (1u << 16))))
        return GS_EINVAL;
    const gs_node_rec *nr = &t->nodes[node];
    const gs_ntype *ty = nr->type;
    if (k == 0 || k > ty->n_gpus || ty->n_gpus > 64)
        return GS_EINVAL;
    gs_err err;
    gs_err_clear(&err);
    gs_place_tables *pt = gs_place_tables_build(ty, &err);
    if (!pt)
        return GS_ENOMEM;
    pt->work = gs_malloc(sizeof *pt->work);
    pt->own_work = true;
    if (!pt->work) {
        gs_place_tables_free(pt);
        return GS_ENOMEM;
    }
    place_obj obj = {(uint8_t)pattern, GS_NUMA_STRICT, 0, NULL};
    gs_mask all = mask_all(ty->n_gpus), set = 0;
    pscore sc;
    bool ok = gs_place_best_on_node(pt, all, all, 0, k, &obj, &set, &sc);
    gs_place_tables_free(pt);
    if (!ok)
        return GS_EINVAL; /* cannot happen: k GPUs are free */
    uint32_t ids[64], m = 0;
    for (gs_mask s = set; s; s &= s - 1)
        ids[m++] = nr->first_gpu + mask_first(s);
    if (gpus)
        memcpy(gpus, ids, m * sizeof *ids);
    if (info)
        return gs_topo_pattern_bandwidth(t, ids, m, pattern, info);
    return GS_OK;
}
