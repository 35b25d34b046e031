/*
 * The placement policy registry and the built-in policies' ops tables.
 * One process-wide list, guarded by a lock; the built-ins are registered
 * through gs_placement_register like any host policy, on first use.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "place/place.h"

#include <pthread.h>
#include <string.h>

GS_API unsigned gs_placement_abi_version(void)
{
    return GS_PLACEMENT_ABI_VERSION;
}

static gs_status ff_place(void *st, gs_place_ctx *ctx,
                          const gs_place_request *req, uint32_t *gpus)
{
    (void)st;
    return gs_place_simple(ctx, req, PREF_INDEX, gpus);
}

static gs_status bf_place(void *st, gs_place_ctx *ctx,
                          const gs_place_request *req, uint32_t *gpus)
{
    (void)st;
    return gs_place_simple(ctx, req, PREF_FEWEST_FREE, gpus);
}

static gs_status spread_place(void *st, gs_place_ctx *ctx,
                              const gs_place_request *req, uint32_t *gpus)
{
    (void)st;
    return gs_place_simple(ctx, req, PREF_MOST_FREE, gpus);
}

static gs_status nv_place(void *st, gs_place_ctx *ctx,
                          const gs_place_request *req, uint32_t *gpus)
{
    (void)st;
    return gs_place_nvlink(ctx, req, gpus);
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
    .description = "highest NVLink bandwidth, fewest NUMA domains, keep "
                   "intact NVLink groups free (DESIGN 5)",
    .place = nv_place,
};

#define MAX_POLICIES 64

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static const gs_placement_ops *registry[MAX_POLICIES];
static size_t n_registry;
static size_t n_builtin;
static bool builtins_done;

static gs_status register_locked(const gs_placement_ops *ops)
{
    if (!ops || !ops->name || !*ops->name || !ops->place ||
        ops->abi_version < 1 || ops->abi_version > GS_PLACEMENT_ABI_VERSION)
        return GS_EINVAL;
    for (size_t i = 0; i < n_registry; i++)
        if (strcmp(registry[i]->name, ops->name) == 0)
            return GS_EEXIST;
    if (n_registry == MAX_POLICIES)
        return GS_ENOMEM;
    registry[n_registry++] = ops;
    return GS_OK;
}

/* Called with the lock held. */
static void ensure_builtins(void)
{
    if (builtins_done)
        return;
    builtins_done = true;
    register_locked(&gs_policy_first_fit);
    register_locked(&gs_policy_best_fit);
    register_locked(&gs_policy_spread);
    register_locked(&gs_policy_nvlink_pack);
    n_builtin = n_registry;
}

GS_API gs_status gs_placement_register(const gs_placement_ops *ops)
{
    pthread_mutex_lock(&registry_lock);
    ensure_builtins();
    gs_status st = register_locked(ops);
    pthread_mutex_unlock(&registry_lock);
    return st;
}

GS_API const gs_placement_ops *gs_placement_find(const char *name)
{
    if (!name)
        return NULL;
    const gs_placement_ops *found = NULL;
    pthread_mutex_lock(&registry_lock);
    ensure_builtins();
    for (size_t i = 0; i < n_registry && !found; i++)
        if (strcmp(registry[i]->name, name) == 0)
            found = registry[i];
    pthread_mutex_unlock(&registry_lock);
    return found;
}

GS_API gs_status gs_placement_unregister(const char *name)
{
    if (!name)
        return GS_EINVAL;
    gs_status st = GS_ENOTFOUND;
    pthread_mutex_lock(&registry_lock);
    ensure_builtins();
    for (size_t i = 0; i < n_registry; i++) {
        if (strcmp(registry[i]->name, name) != 0)
            continue;
        if (i < n_builtin) {
            st = GS_EINVAL;
            break;
        }
        memmove(registry + i, registry + i + 1,
                (n_registry - i - 1) * sizeof *registry);
        n_registry--;
        st = GS_OK;
        break;
    }
    pthread_mutex_unlock(&registry_lock);
    return st;
}

GS_API size_t gs_placement_count(void)
{
    pthread_mutex_lock(&registry_lock);
    ensure_builtins();
    size_t n = n_registry;
    pthread_mutex_unlock(&registry_lock);
    return n;
}

GS_API const char *gs_placement_name(size_t i)
{
    const char *name = NULL;
    pthread_mutex_lock(&registry_lock);
    ensure_builtins();
    if (i < n_registry)
        name = registry[i]->name;
    pthread_mutex_unlock(&registry_lock);
    return name;
}
