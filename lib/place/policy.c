/*
 * The placement policy registry and the built-in policies' ops tables.
 * One process-wide list (common/registry.c); the built-ins are its first
 * entries, checked by the same rules as a host's policy.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "common/registry.h"
#include "place/place.h"

GS_API unsigned gs_placement_abi_version(void)
{
    return GS_PLACEMENT_ABI_VERSION;
}

static gs_status ff_place(void *st, gs_place_ctx *ctx,
                          const gs_place_request *req, uint32_t *gpus)
{
    (void)st;
    if (req->mig_profile)
        return gs_place_mig(ctx, req, SH_FIRST, gpus);
    if (req->gpu_milli < 1000)
        return gs_place_shared(ctx, req, SH_FIRST, gpus);
    return gs_place_simple(ctx, req, PREF_INDEX, gpus);
}

static gs_status bf_place(void *st, gs_place_ctx *ctx,
                          const gs_place_request *req, uint32_t *gpus)
{
    (void)st;
    if (req->mig_profile)
        return gs_place_mig(ctx, req, SH_BEST, gpus);
    if (req->gpu_milli < 1000)
        return gs_place_shared(ctx, req, SH_BEST, gpus);
    return gs_place_simple(ctx, req, PREF_FEWEST_FREE, gpus);
}

static gs_status spread_place(void *st, gs_place_ctx *ctx,
                              const gs_place_request *req, uint32_t *gpus)
{
    (void)st;
    if (req->mig_profile)
        return gs_place_mig(ctx, req, SH_SPREAD, gpus);
    if (req->gpu_milli < 1000)
        return gs_place_shared(ctx, req, SH_SPREAD, gpus);
    return gs_place_simple(ctx, req, PREF_MOST_FREE, gpus);
}

static gs_status nv_place(void *st, gs_place_ctx *ctx,
                          const gs_place_request *req, uint32_t *gpus)
{
    (void)st;
    if (req->mig_profile)
        return gs_place_mig(ctx, req, SH_NVLINK, gpus);
    if (req->gpu_milli < 1000)
        return gs_place_shared(ctx, req, SH_NVLINK, gpus);
    return gs_place_nvlink(ctx, req, gpus);
}

static gs_status frag_place(void *st, gs_place_ctx *ctx,
                            const gs_place_request *req, uint32_t *gpus)
{
    (void)st;
    if (req->mig_profile)
        return gs_place_mig(ctx, req, SH_FRAG, gpus);
    return gs_place_frag(ctx, req, SH_FRAG, gpus);
}

static gs_status fgd_place(void *st, gs_place_ctx *ctx,
                           const gs_place_request *req, uint32_t *gpus)
{
    (void)st;
    if (req->mig_profile)
        return gs_place_mig(ctx, req, SH_FGD, gpus);
    return gs_place_frag(ctx, req, SH_FGD, gpus);
}

const gs_placement_ops gs_policy_first_fit = {
    .abi_version = GS_PLACEMENT_ABI_VERSION,
    .name = "first-fit",
    .description = "lowest-numbered node and GPUs that fit",
    .place = ff_place,
};

const gs_placement_ops gs_policy_best_fit = {
    .abi_version = GS_PLACEMENT_ABI_VERSION,
    .name = "best-fit",
    .description = "the feasible node with the fewest free GPUs (packing)",
    .place = bf_place,
};

const gs_placement_ops gs_policy_spread = {
    .abi_version = GS_PLACEMENT_ABI_VERSION,
    .name = "spread",
    .description = "the feasible node with the most free GPUs",
    .place = spread_place,
};

const gs_placement_ops gs_policy_nvlink_pack = {
    .abi_version = GS_PLACEMENT_ABI_VERSION,
    .name = "nvlink-pack",
    .description = "the best bandwidth for the job's communication "
                   "pattern, then what the remainder offers the coming "
                   "jobs, fewest NUMA domains, keep intact NVLink groups "
                   "free (docs/placement.md)",
    .place = nv_place,
};

const gs_placement_ops gs_policy_frag_aware = {
    .abi_version = GS_PLACEMENT_ABI_VERSION,
    .name = "frag-aware",
    .description = "where the fragmentation of free GPU capacity, judged "
                   "by the job mix, grows least; ties packed, then "
                   "nvlink-pack's score (docs/sharing.md)",
    .place = frag_place,
};

const gs_placement_ops gs_policy_fgd = {
    .abi_version = GS_PLACEMENT_ABI_VERSION,
    .name = "fgd",
    .description = "Fragmentation Gradient Descent (Weng et al., USENIX "
                   "ATC '23): the node and GPU where fragmentation grows "
                   "least, ties to the first node",
    .place = fgd_place,
};

static const void *const builtins[] = {
    &gs_policy_first_fit, &gs_policy_best_fit, &gs_policy_spread,
    &gs_policy_nvlink_pack, &gs_policy_frag_aware, &gs_policy_fgd, NULL};

static const char *name_of(const void *ops)
{
    return ((const gs_placement_ops *)ops)->name;
}

static gs_registry registry = GS_REGISTRY_INIT(builtins, name_of);

GS_API gs_status gs_placement_register(const gs_placement_ops *ops)
{
    if (!ops || !ops->name || !*ops->name || !ops->place ||
        ops->abi_version < 1 || ops->abi_version > GS_PLACEMENT_ABI_VERSION)
        return GS_EINVAL;
    return gs_registry_add(&registry, ops);
}

GS_API const gs_placement_ops *gs_placement_find(const char *name)
{
    return gs_registry_find(&registry, name);
}

GS_API gs_status gs_placement_unregister(const char *name)
{
    return gs_registry_remove(&registry, name);
}

GS_API size_t gs_placement_count(void)
{
    return gs_registry_count(&registry);
}

GS_API const char *gs_placement_name(size_t i)
{
    return gs_registry_name(&registry, i);
}
