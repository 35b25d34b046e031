/*
 * gpusched - GPU-aware scheduling library.
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file policy.h
 * @brief The placement policy plugin ABI: a versioned ops table and a
 *        process-wide registry.
 *
 * A placement policy decides which GPUs a job gets. The built-in ones
 * (`first-fit`, `best-fit`, `spread`, `nvlink-pack`, `frag-aware`, `fgd`)
 * register through the same table a host application uses for its own. A policy sees the
 * topology and what is usable for the job being placed through a
 * ::gs_place_ctx, and answers with cluster-wide GPU ids; the scheduler then
 * checks the answer (count, usability, node constraints) and assigns CPUs
 * and memory itself, from the GPUs' NUMA domains first.
 *
 * The ops table starts with its ABI version and only grows at the end, in
 * version blocks (like SQLite's `sqlite3_vfs`). The registry is guarded by a
 * lock; registering and unregistering are meant for program start-up.
 */
#ifndef GPUSCHED_POLICY_H
#define GPUSCHED_POLICY_H

#include <gpusched/core.h>
#include <gpusched/job.h>
#include <gpusched/topo.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup policy Placement policies
 *  @brief Placement policies: the built-in ones and the plugin ABI for your
 *         own.
 *
 *  Where a job goes. Built in: `nvlink-pack` (the default: the best
 *  bandwidth for the job's communication pattern, then what the remainder
 *  offers the coming jobs, fewest NUMA domains, keeping intact NVLink
 *  groups free; docs/placement.md), `first-fit`, `best-fit`, `spread`,
 *  and for shared GPUs `frag-aware` and `fgd` (where fragmentation grows
 *  least; docs/sharing.md); a scheduler picks one by name in
 *  ::gs_sched_config. A host adds its own by filling a
 *  ::gs_placement_ops table and registering it (custom_policy.c): the
 *  policy sees a ::gs_place_ctx and answers with GPU ids, which the
 *  scheduler checks before anything changes.
 *  @{ */

/** The placement ABI version this header describes. */
#define GS_PLACEMENT_ABI_VERSION 1

/**
 * @brief The placement ABI version of the library linked at run time.
 * @return ::GS_PLACEMENT_ABI_VERSION of the library.
 */
GS_API unsigned gs_placement_abi_version(void);

/** @brief What a policy must place: the job's request, normalized. */
typedef struct gs_place_request {
    /** sizeof(gs_place_request) as the library knows it. */
    uint32_t struct_size;
    /** The job's id. */
    uint64_t job;
    /** GPUs in total. */
    uint32_t gpus;
    /** GPUs per node, or 0 for any split. */
    uint32_t gpus_per_node;
    /** Fewest nodes (at least 1). */
    uint32_t min_nodes;
    /** Most nodes (at least min_nodes). */
    uint32_t max_nodes;
    /** CPUs per GPU. */
    uint32_t cpus_per_gpu;
    /** Host memory per GPU, bytes. */
    uint64_t mem_per_gpu;
    /** GPUs the answer must include (cluster-wide ids, increasing). */
    const uint32_t *required;
    /** Number of entries in @ref required. */
    size_t n_required;
    /** Non-zero: only idle nodes may be used, and nothing else will run on
     *  them. */
    int exclusive;
    /** Non-zero: one node, or nodes of one multi-node NVLink domain. */
    int one_nvlink_domain;
    /** Bandwidth-sensitive or not. */
    gs_comm_hint comm;
    /** Its communication pattern (::GS_PATTERN_NONE when @ref comm is
     *  ::GS_COMM_INSENSITIVE). Present when struct_size covers it. */
    gs_comm_pattern pattern;
    /** Share of each GPU in milli-GPU (1 to 999 for a shared job, which
     *  runs on one node; 1000 for whole GPUs). For a shared job,
     *  gs_place_gpu_usable() says which GPUs have room for it.  Present
     *  when struct_size covers it. */
    uint32_t gpu_milli;
    /** Device memory per GPU a shared job uses, bytes. */
    uint64_t gpu_mem;
    /** For a job asking for MIG instances (::gs_job_spec::mig_profile), the
     *  profile's name; NULL otherwise. Such a job needs @ref gpus GPUs of
     *  one node, each able to take an instance of the profile: exactly
     *  the GPUs gs_place_gpu_usable() accepts (@ref gpu_milli is then
     *  the instance's share, slices x 1000 / 7 rounded down, 1000 for 7
     *  slices). Present when struct_size covers it. */
    const char *mig_profile;
} gs_place_request;

/** @brief What a policy may look at while placing (valid during the call
 *         only). */
typedef struct gs_place_ctx gs_place_ctx;

/**
 * @brief The topology being placed on.
 * @param ctx The context.
 * @return The frozen topology.
 */
GS_API const gs_topo *gs_place_topo(const gs_place_ctx *ctx);

/**
 * @brief Whether the job may get this GPU now: free, not drained or
 *        failed, on a usable node, and of a model, memory and compute
 *        capability the job accepts.
 * @param ctx The context.
 * @param gpu Cluster-wide GPU id.
 * @return 1 or 0.
 */
GS_API int gs_place_gpu_usable(const gs_place_ctx *ctx, uint32_t gpu);

/**
 * @brief The share of a GPU still free for shared jobs, in milli-GPU
 *        (1000 for an idle GPU; 0 for one held whole, drained or failed).
 * @param ctx The context.
 * @param gpu Cluster-wide GPU id.
 * @return The free share.
 */
GS_API uint32_t gs_place_gpu_free_milli(const gs_place_ctx *ctx,
                                        uint32_t gpu);

/**
 * @brief How many GPUs of a node the job could get at once: the usable
 *        GPUs, capped by the node's free CPUs and memory for the job's
 *        per-GPU needs (0 for a drained node, or a busy one when the job
 *        is exclusive).
 * @param ctx The context.
 * @param node The node's index.
 * @return The count.
 */
GS_API uint32_t gs_place_node_capacity(const gs_place_ctx *ctx, uint32_t node);

/**
 * @brief Free GPUs of a node whatever the job (usable by someone).
 * @param ctx The context.
 * @param node The node's index.
 * @return The count.
 */
GS_API uint32_t gs_place_node_free_gpus(const gs_place_ctx *ctx,
                                        uint32_t node);

/**
 * @brief Set a short reason the policy could not place the job; the
 *        scheduler shows it as the job's pending reason.
 * @param ctx The context.
 * @param reason The text (copied, truncated to 160 bytes).
 */
GS_API void gs_place_set_reason(gs_place_ctx *ctx, const char *reason);

/**
 * @brief A placement policy. Fill it statically and register it with
 *        gs_placement_register(); it must outlive every scheduler using it.
 */
typedef struct gs_placement_ops {
    /** ::GS_PLACEMENT_ABI_VERSION the table was written for. */
    uint32_t abi_version;
    /** Unique name, e.g. "my-policy". */
    const char *name;
    /** One line of description (may be NULL). */
    const char *description;
    /**
     * Optional: create the policy's state for one scheduler.
     * @param state Receives the state (NULL is fine).
     * @param topo The scheduler's frozen topology.
     * @param options The scheduler's placement_options (may be NULL).
     * @return ::GS_OK, or an error that makes gs_sched_create() fail.
     */
    gs_status (*init)(void **state, const gs_topo *topo, const char *options);
    /**
     * Optional: release the state made by init.
     * @param state The state.
     */
    void (*destroy)(void *state);
    /**
     * Required: choose the job's GPUs.
     * @param state The state made by init (or NULL).
     * @param ctx What is usable now.
     * @param req The request.
     * @param gpus Receives exactly req->gpus cluster-wide GPU ids.
     * @return ::GS_OK, or ::GS_ENORES when the job cannot be placed now
     *         (give a reason with gs_place_set_reason()).
     */
    gs_status (*place)(void *state, gs_place_ctx *ctx,
                       const gs_place_request *req, uint32_t *gpus);
    /**
     * Optional hook: a job started with these GPUs.
     * @param state The state.
     * @param job The job's id.
     * @param gpus Its cluster-wide GPU ids.
     * @param n Their number.
     */
    void (*job_started)(void *state, uint64_t job, const uint32_t *gpus,
                        size_t n);
    /**
     * Optional hook: a job ended (or was cancelled or failed) and freed
     * these GPUs.
     * @param state The state.
     * @param job The job's id.
     * @param gpus Its cluster-wide GPU ids.
     * @param n Their number.
     */
    void (*job_ended)(void *state, uint64_t job, const uint32_t *gpus,
                      size_t n);
    /* Version 1 ends here; later versions add members below. */
} gs_placement_ops;

/**
 * @brief Register a placement policy under its name.
 * @param ops The table (kept by pointer, not copied).
 * @return ::GS_OK; ::GS_EINVAL (NULL, no name, no place function, or an
 *         ABI version this library does not know); ::GS_EEXIST.
 */
GS_API gs_status gs_placement_register(const gs_placement_ops *ops);

/**
 * @brief Find a registered policy by name.
 * @param name The name.
 * @return The table, or NULL.
 */
GS_API const gs_placement_ops *gs_placement_find(const char *name);

/**
 * @brief Unregister a policy. Schedulers already using it keep it.
 * @param name The name.
 * @return ::GS_OK; ::GS_ENOTFOUND; ::GS_EINVAL (a built-in policy).
 */
GS_API gs_status gs_placement_unregister(const char *name);

/**
 * @brief Number of registered policies.
 * @return The count.
 */
GS_API size_t gs_placement_count(void);

/**
 * @brief The name of the i-th registered policy (built-ins first).
 * @param i Index below gs_placement_count().
 * @return The name, or NULL.
 */
GS_API const char *gs_placement_name(size_t i);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* GPUSCHED_POLICY_H */
