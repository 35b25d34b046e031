/*
 * gpusched - GPU-aware scheduling library.
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file sched.h
 * @brief The scheduler: jobs on a frozen topology, decisions, allocations.
 *
 * A ::gs_sched holds one frozen topology, the jobs (pending, running,
 * ended), which GPU, CPU and byte of memory each running job holds, and
 * which nodes and GPUs are drained or failed. The caller drives it:
 * gs_sched_submit() queues jobs, gs_sched_step() starts what can start at
 * the caller's time `now` and reports each decision as an event,
 * gs_sched_complete() and friends end jobs. The library never reads a
 * clock.
 *
 * Invariants that hold after every call (gs_sched_check() verifies them):
 * no GPU or CPU is given twice, no node's memory is over-committed, every
 * job is in exactly one state, and a job's allocation matches its request.
 *
 * A scheduler is used by one thread at a time; its topology may be shared.
 * Job ids start at 1 and are never reused. Deciding (inside
 * gs_sched_step()) allocates no memory.
 */
#ifndef GPUSCHED_SCHED_H
#define GPUSCHED_SCHED_H

#include <gpusched/gpusched.h>
#include <gpusched/job.h>
#include <gpusched/topo.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup sched Scheduler
 *  @{ */

/** @brief An opaque scheduler handle. */
typedef struct gs_sched gs_sched;

/**
 * @brief Scheduler configuration. Initialize with ::GS_SCHED_CONFIG_INIT
 *        or gs_sched_config_init().
 */
typedef struct gs_sched_config {
    /** sizeof(gs_sched_config) as the caller knows it. */
    uint32_t struct_size;
    /** Placement policy by name (see gs_placement_find()); NULL gives
     *  "nvlink-pack". */
    const char *placement;
    /** Options passed to the policy's init function (may be NULL). */
    const char *placement_options;
} gs_sched_config;

/** Static initializer for ::gs_sched_config. */
#define GS_SCHED_CONFIG_INIT { sizeof(gs_sched_config), NULL, NULL }

/**
 * @brief Initialize a ::gs_sched_config.
 * @param[out] cfg The struct to initialize.
 */
GS_API void gs_sched_config_init(gs_sched_config *cfg);

/**
 * @brief Create a scheduler on a frozen topology.
 *
 * The topology must outlive the scheduler. Like gs_topo_load(), the handle
 * is returned even on failure when memory allowed, so gs_sched_errmsg()
 * can say why.
 * @param[out] out Receives the handle.
 * @param topo A frozen topology.
 * @param cfg Configuration, or NULL for the defaults.
 * @return ::GS_OK; ::GS_ENOTFROZEN; ::GS_ENOTFOUND (unknown policy);
 *         ::GS_EUNSUPPORTED (a node with more than 64 GPUs); ::GS_EINVAL;
 *         ::GS_ENOMEM; or the policy's init error.
 */
GS_API gs_status gs_sched_create(gs_sched **out, const gs_topo *topo,
                                 const gs_sched_config *cfg);

/**
 * @brief Release a scheduler. Accepts NULL.
 * @param sched The scheduler.
 */
GS_API void gs_sched_destroy(gs_sched *sched);

/**
 * @brief The message describing the scheduler's last error.
 * @param sched The scheduler (NULL gives a fixed message).
 * @return A string owned by the scheduler; "" when there was no error.
 */
GS_API const char *gs_sched_errmsg(const gs_sched *sched);

/**
 * @brief The topology a scheduler works on.
 * @param sched The scheduler.
 * @return The topology, or NULL.
 */
GS_API const gs_topo *gs_sched_topo(const gs_sched *sched);

/** @name Jobs
 *  @{ */

/**
 * @brief Queue a job. The spec is checked and copied; an invalid spec is
 *        refused with a message naming the field.
 *
 * A job the cluster could never run (more GPUs than it has, a GPU model
 * nobody has, a required GPU that does not exist...) is refused too, so
 * that it cannot block the queue forever.
 * @param sched The scheduler.
 * @param spec The request.
 * @param[out] job Receives the new job's id (may be NULL).
 * @return ::GS_OK, ::GS_EINVAL (with a message), ::GS_ENORES (can never
 *         run), ::GS_ENOMEM.
 */
GS_API gs_status gs_sched_submit(gs_sched *sched, const gs_job_spec *spec,
                                 uint64_t *job);

/**
 * @brief Cancel a pending or running job (a running job frees what it
 *        holds).
 * @param sched The scheduler.
 * @param job The job's id.
 * @param now The caller's time.
 * @return ::GS_OK, ::GS_ENOTFOUND, ::GS_ESTATE (already ended).
 */
GS_API gs_status gs_sched_cancel(gs_sched *sched, uint64_t job, int64_t now);

/**
 * @brief A running job ended normally; its resources are freed.
 * @param sched The scheduler.
 * @param job The job's id.
 * @param now The caller's time.
 * @return ::GS_OK, ::GS_ENOTFOUND, ::GS_ESTATE (not running).
 */
GS_API gs_status gs_sched_complete(gs_sched *sched, uint64_t job, int64_t now);

/**
 * @brief A running job failed; its resources are freed.
 * @param sched The scheduler.
 * @param job The job's id.
 * @param now The caller's time.
 * @return ::GS_OK, ::GS_ENOTFOUND, ::GS_ESTATE (not running).
 */
GS_API gs_status gs_sched_fail(gs_sched *sched, uint64_t job, int64_t now);

/**
 * @brief Where would a job go now? Runs the placement policy for a spec
 *        without queueing it or changing anything (what a device plugin's
 *        "preferred allocation" asks).
 *
 * The spec is checked as gs_sched_submit() checks it, except that a job
 * the cluster could never run is reported as ::GS_ENORES only when it
 * cannot be placed now.
 * @param sched The scheduler.
 * @param spec The request.
 * @param[out] gpus Receives the chosen cluster-wide GPU ids, increasing.
 * @param cap Capacity of @p gpus (at least spec->gpus).
 * @param[out] count Receives the number of GPUs chosen (0 when none).
 * @return ::GS_OK; ::GS_ENORES (cannot be placed now; gs_sched_errmsg()
 *         says why); ::GS_EINVAL (bad spec, message names the field);
 *         ::GS_ENOSPC (@p cap too small); ::GS_ENOMEM.
 */
GS_API gs_status gs_sched_preview(gs_sched *sched, const gs_job_spec *spec,
                                  uint32_t *gpus, size_t cap, size_t *count);

/** @brief What happened to a job during gs_sched_step() (or a GPU
 *         failure). */
typedef enum gs_event_kind {
    GS_EVENT_STARTED = 1, /**< The job started; see its allocation. */
    GS_EVENT_FAILED = 2   /**< The job failed because a GPU it held
                               failed (gs_sched_fail_gpu()). */
} gs_event_kind;

/** @brief One decision or happening, as gs_sched_event() reports it. */
typedef struct gs_event {
    /** sizeof(gs_event) as the caller knows it. */
    uint32_t struct_size;
    /** What happened. */
    gs_event_kind kind;
    /** The job it happened to. */
    uint64_t job;
    /** When (the caller's time passed to the call). */
    int64_t time;
} gs_event;

/**
 * @brief Start every job that can start now, in the ordering policy's
 *        order (first come, first served: a job that cannot start makes
 *        the ones behind it wait).
 *
 * The events of this call (one ::GS_EVENT_STARTED per job started) are
 * read with gs_sched_event_count() and gs_sched_event(); they replace
 * those of the previous call. Deciding allocates no memory.
 * @param sched The scheduler.
 * @param now The caller's time.
 * @param[out] started Receives the number of jobs started (may be NULL).
 * @return ::GS_OK or ::GS_EINVAL.
 */
GS_API gs_status gs_sched_step(gs_sched *sched, int64_t now, size_t *started);

/**
 * @brief Number of events from the last gs_sched_step() or
 *        gs_sched_fail_gpu().
 * @param sched The scheduler.
 * @return The count.
 */
GS_API size_t gs_sched_event_count(const gs_sched *sched);

/**
 * @brief One event of the last step.
 * @param sched The scheduler.
 * @param i Index below gs_sched_event_count().
 * @param[in,out] ev Its struct_size must be set; the rest is filled.
 * @return ::GS_OK or ::GS_EINVAL.
 */
GS_API gs_status gs_sched_event(const gs_sched *sched, size_t i, gs_event *ev);

/** @brief What is known about a job, as gs_sched_job_info() reports it. */
typedef struct gs_job_info {
    /** sizeof(gs_job_info) as the caller knows it. */
    uint32_t struct_size;
    /** The job's id. */
    uint64_t id;
    /** Its state. */
    gs_job_state state;
    /** Why it waits (pending jobs). */
    gs_pending_reason reason;
    /** GPUs it asked for. */
    uint32_t gpus;
    /** Nodes it runs on (0 unless running or ended after running). */
    uint32_t nodes;
    /** Submission time. */
    int64_t submit_time;
    /** Start time (-1 if it never started). */
    int64_t start_time;
    /** End time (-1 if it has not ended). */
    int64_t end_time;
    /** Its priority. */
    int64_t priority;
    /** Its time limit (0: none). */
    int64_t time_limit;
    /** Its name, or NULL (owned by the scheduler). */
    const char *name;
    /** Its user, or NULL. */
    const char *user;
    /** Its account, or NULL. */
    const char *account;
} gs_job_info;

/**
 * @brief Number of jobs the scheduler knows (every state).
 * @param sched The scheduler.
 * @return The count.
 */
GS_API size_t gs_sched_job_count(const gs_sched *sched);

/**
 * @brief The id of the i-th job in submission order (to iterate jobs).
 * @param sched The scheduler.
 * @param i Index below gs_sched_job_count().
 * @return The id, or 0 when @p i is out of range.
 */
GS_API uint64_t gs_sched_job_at(const gs_sched *sched, size_t i);

/**
 * @brief What is known about a job.
 * @param sched The scheduler.
 * @param job The job's id.
 * @param[in,out] info Its struct_size must be set; the rest is filled.
 * @return ::GS_OK, ::GS_ENOTFOUND, ::GS_EINVAL.
 */
GS_API gs_status gs_sched_job_info(const gs_sched *sched, uint64_t job,
                                   gs_job_info *info);

/**
 * @brief Why a job waits, in words ("needs 4 GPUs on one node; at most 3
 *        are free on a node").
 * @param sched The scheduler.
 * @param job The job's id.
 * @param[out] buf Receives the text.
 * @param cap Size of @p buf.
 * @param[out] len Receives its length (may be NULL).
 * @return ::GS_OK, ::GS_ENOSPC, ::GS_ENOTFOUND, ::GS_EINVAL.
 */
GS_API gs_status gs_sched_job_reason_text(const gs_sched *sched, uint64_t job,
                                          char *buf, size_t cap, size_t *len);

/** @} */

/** @name Allocations
 *  What a running (or ended) job was given, node by node.
 *  @{ */

/** @brief A job's share of one node. */
typedef struct gs_alloc_node {
    /** sizeof(gs_alloc_node) as the caller knows it. */
    uint32_t struct_size;
    /** The node's index. */
    uint32_t node;
    /** GPUs on the node. */
    uint32_t gpus;
    /** CPUs on the node. */
    uint32_t cpus;
    /** Host memory on the node, bytes. */
    uint64_t memory;
} gs_alloc_node;

/**
 * @brief Number of nodes in a job's allocation (0 if it never started).
 * @param sched The scheduler.
 * @param job The job's id.
 * @return The count.
 */
GS_API uint32_t gs_sched_alloc_node_count(const gs_sched *sched, uint64_t job);

/**
 * @brief A job's share of the k-th node of its allocation (nodes in
 *        increasing index order).
 * @param sched The scheduler.
 * @param job The job's id.
 * @param k Index below gs_sched_alloc_node_count().
 * @param[in,out] out Its struct_size must be set; the rest is filled.
 * @return ::GS_OK, ::GS_ENOTFOUND, ::GS_EINVAL.
 */
GS_API gs_status gs_sched_alloc_node(const gs_sched *sched, uint64_t job,
                                     uint32_t k, gs_alloc_node *out);

/**
 * @brief The GPU indices (on their node) of the k-th node of a job's
 *        allocation, in increasing order.
 * @param sched The scheduler.
 * @param job The job's id.
 * @param k Index below gs_sched_alloc_node_count().
 * @param[out] gpus Receives up to @p cap indices.
 * @param cap Capacity of @p gpus.
 * @param[out] count Receives the number of GPUs (may be NULL).
 * @return ::GS_OK, ::GS_ENOSPC (count still set), ::GS_ENOTFOUND,
 *         ::GS_EINVAL.
 */
GS_API gs_status gs_sched_alloc_gpus(const gs_sched *sched, uint64_t job,
                                     uint32_t k, uint32_t *gpus, size_t cap,
                                     size_t *count);

/**
 * @brief The CPUs of the k-th node of a job's allocation, as a cpulist.
 * @param sched The scheduler.
 * @param job The job's id.
 * @param k Index below gs_sched_alloc_node_count().
 * @param[out] buf Receives the text.
 * @param cap Size of @p buf.
 * @param[out] len Receives its length (may be NULL).
 * @return ::GS_OK, ::GS_ENOSPC, ::GS_ENOTFOUND, ::GS_EINVAL, ::GS_ENOMEM.
 */
GS_API gs_status gs_sched_alloc_cpus(const gs_sched *sched, uint64_t job,
                                     uint32_t k, char *buf, size_t cap,
                                     size_t *len);

/** Flag for gs_sched_cuda_visible_devices(): list GPU UUIDs instead of
 *  indices (GPUs without a UUID are listed by index). */
#define GS_CVD_UUIDS 0x1u

/**
 * @brief The value of `CUDA_VISIBLE_DEVICES` for a job's GPUs on one of
 *        its nodes: indices in increasing order ("0,1,4,5"), or UUIDs.
 * @param sched The scheduler.
 * @param job The job's id.
 * @param node The node's index (one of the job's nodes).
 * @param flags 0 or ::GS_CVD_UUIDS.
 * @param[out] buf Receives the text.
 * @param cap Size of @p buf.
 * @param[out] len Receives its length (may be NULL).
 * @return ::GS_OK, ::GS_ENOSPC, ::GS_ENOTFOUND (job unknown or not on that
 *         node), ::GS_EINVAL.
 */
GS_API gs_status gs_sched_cuda_visible_devices(const gs_sched *sched,
                                               uint64_t job, uint32_t node,
                                               unsigned flags, char *buf,
                                               size_t cap, size_t *len);

/** @} */

/** @name Nodes and GPUs
 *  @{ */

/**
 * @brief Drain a node: running jobs go on, no new job starts on it.
 * @param sched The scheduler.
 * @param node The node's index.
 * @return ::GS_OK or ::GS_EINVAL.
 */
GS_API gs_status gs_sched_drain_node(gs_sched *sched, uint32_t node);

/**
 * @brief Undo gs_sched_drain_node().
 * @param sched The scheduler.
 * @param node The node's index.
 * @return ::GS_OK or ::GS_EINVAL.
 */
GS_API gs_status gs_sched_resume_node(gs_sched *sched, uint32_t node);

/**
 * @brief Drain one GPU (cluster-wide id): its job goes on, no new job gets
 *        it.
 * @param sched The scheduler.
 * @param gpu Cluster-wide GPU id.
 * @return ::GS_OK or ::GS_EINVAL.
 */
GS_API gs_status gs_sched_drain_gpu(gs_sched *sched, uint32_t gpu);

/**
 * @brief Undo gs_sched_drain_gpu().
 * @param sched The scheduler.
 * @param gpu Cluster-wide GPU id.
 * @return ::GS_OK or ::GS_EINVAL.
 */
GS_API gs_status gs_sched_resume_gpu(gs_sched *sched, uint32_t gpu);

/**
 * @brief Mark a GPU failed: the job holding it (if any) fails and frees
 *        everything it held, and the GPU is unusable until repaired. The
 *        failed job is reported in @p job and as a ::GS_EVENT_FAILED event
 *        (replacing the previous events).
 * @param sched The scheduler.
 * @param gpu Cluster-wide GPU id.
 * @param now The caller's time.
 * @param[out] job Receives the failed job's id, or 0 (may be NULL).
 * @return ::GS_OK or ::GS_EINVAL.
 */
GS_API gs_status gs_sched_fail_gpu(gs_sched *sched, uint32_t gpu, int64_t now,
                                   uint64_t *job);

/**
 * @brief A failed GPU is usable again.
 * @param sched The scheduler.
 * @param gpu Cluster-wide GPU id.
 * @return ::GS_OK or ::GS_EINVAL.
 */
GS_API gs_status gs_sched_repair_gpu(gs_sched *sched, uint32_t gpu);

/**
 * @brief GPUs of a node that a new job could get now (free, not drained,
 *        not failed, node not drained or held exclusively).
 * @param sched The scheduler.
 * @param node The node's index.
 * @return The count (0 for an invalid node).
 */
GS_API uint32_t gs_sched_node_free_gpus(const gs_sched *sched, uint32_t node);

/**
 * @brief Free CPUs of a node.
 * @param sched The scheduler.
 * @param node The node's index.
 * @return The count.
 */
GS_API uint32_t gs_sched_node_free_cpus(const gs_sched *sched, uint32_t node);

/**
 * @brief Free host memory of a node, bytes.
 * @param sched The scheduler.
 * @param node The node's index.
 * @return The bytes.
 */
GS_API uint64_t gs_sched_node_free_memory(const gs_sched *sched,
                                          uint32_t node);

/**
 * @brief GPUs of the whole cluster that a new job could get now.
 * @param sched The scheduler.
 * @return The count.
 */
GS_API uint32_t gs_sched_free_gpus(const gs_sched *sched);

/**
 * @brief Whether a GPU is held by a running job.
 * @param sched The scheduler.
 * @param gpu Cluster-wide GPU id.
 * @return The job's id, or 0 when the GPU is not held (or invalid).
 */
GS_API uint64_t gs_sched_gpu_job(const gs_sched *sched, uint32_t gpu);

/**
 * @brief Verify every invariant (a debugging aid the tests call after each
 *        step): no GPU or CPU given twice, no capacity exceeded, counters
 *        and indexes consistent, every job in exactly one state.
 * @param sched The scheduler.
 * @return ::GS_OK, or ::GS_EINVALID with a message saying what is wrong.
 */
GS_API gs_status gs_sched_check(gs_sched *sched);

/** @} */

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* GPUSCHED_SCHED_H */
