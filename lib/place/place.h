/*
 * Placement internals shared by place.c and the built-in policies.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_PLACE_H
#define GS_PLACE_H

#include "sched/sched_impl.h"

#include <stdarg.h>

/* Comparators: < 0 when node a comes first. */
typedef int (*node_cmp_fn)(const void *arg, uint32_t a, uint32_t b);
typedef int (*node_cmp_fn2)(gs_place_ctx *ctx, uint32_t a, uint32_t b);
/* Which k GPUs of a node (usable, including reqm). */
typedef gs_mask (*choose_fn)(gs_place_ctx *ctx, const gs_place_request *req,
                             uint32_t node, gs_mask usable, gs_mask reqm,
                             uint32_t k);
/* Called before ranking candidate nodes that each give `share` GPUs. */
typedef void (*prepare_fn)(gs_place_ctx *ctx, const gs_place_request *req,
                           const uint32_t *nodes, uint32_t n, uint32_t share);

/* How a policy ranks nodes and picks GPUs within the shared selection. */
typedef struct place_strategy {
    node_cmp_fn2 node_cmp;
    choose_fn choose;
    prepare_fn prepare; /* may be NULL */
    bool group_aware;   /* prefer one NVLink domain, then the lowest switch */
    bool single_only;   /* the job must fit on one node */
} place_strategy;

void gs_place_reasonf(gs_place_ctx *ctx, const char *fmt, ...)
    GS_PRINTF(2, 3);
void gs_place_sort(uint32_t *v, size_t n, node_cmp_fn cmp, const void *arg);
uint32_t gs_place_required_nodes(const gs_place_ctx *ctx, uint32_t *nodes,
                                 gs_mask *masks);
uint32_t gs_place_emit(const gs_place_ctx *ctx, uint32_t node, gs_mask set,
                       uint32_t *out);
gs_mask gs_place_lowest(gs_mask usable, gs_mask req, uint32_t k);
/* The nodes a one-node job may use: its required GPUs' node (with them in
 * *reqm), else its partition's nodes, else all (*list NULL: 0..n-1).
 * *only is storage for a list of one. GS_ENORES (with the reason) when its
 * required GPUs are on several nodes. */
gs_status gs_place_one_node_list(gs_place_ctx *ctx,
                                 const gs_place_request *req,
                                 const uint32_t **list, uint32_t *nlist,
                                 gs_mask *reqm, uint32_t *only);
/* nvlink-pack's objective for a request (place_nvlink.c). */
void gs_place_objective(const gs_sched *s, const gs_place_request *req,
                        place_obj *obj);
/* Shared GPUs and the fragmentation-aware policies (place_share.c). */
typedef enum share_mode {
    SH_FIRST,  /* lowest node, lowest GPUs with room */
    SH_BEST,   /* least room left on the GPUs taken */
    SH_SPREAD, /* most room left */
    SH_NVLINK, /* best-fit; several GPUs: nvlink-pack's set */
    SH_FRAG,   /* frag-aware */
    SH_FGD     /* FGD's own rule */
} share_mode;
gs_status gs_place_shared(gs_place_ctx *ctx, const gs_place_request *req,
                          share_mode mode, uint32_t *out);
gs_status gs_place_frag(gs_place_ctx *ctx, const gs_place_request *req,
                        share_mode mode, uint32_t *out);
/* MIG jobs (place_mig.c): first-fit, spread, or least cost (others). */
gs_status gs_place_mig(gs_place_ctx *ctx, const gs_place_request *req,
                       share_mode mode, uint32_t *out);
gs_status gs_place_multi(gs_place_ctx *ctx, const gs_place_request *req,
                         const place_strategy *st, uint32_t *out);

#endif
