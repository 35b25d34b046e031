/*
 * gpusched - GPU-aware scheduling library.
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file job.h
 * @brief What a job asks for: the job spec.
 *
 * A job asks for a number of GPUs (all-or-nothing: it starts with all of
 * them or not at all), how they may be split over nodes, CPU cores and host
 * memory per GPU, which GPUs qualify, and where they must be. It also
 * carries who submitted it and when, used by the ordering policies.
 */
#ifndef GPUSCHED_JOB_H
#define GPUSCHED_JOB_H

#include <gpusched/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup job Jobs
 *  @brief What a job asks for, its states and why it waits.
 *
 *  What a job asks for (::gs_job_spec: GPUs, their split over nodes,
 *  CPUs and memory per GPU, models, required GPUs, who and when), its
 *  states and why it waits. Fill a spec from ::GS_JOB_SPEC_INIT and give
 *  it to gs_sched_submit() or gs_sched_preview(); fields left at their
 *  initial value mean "no constraint".
 *  @{ */

/** @brief How a job communicates between its GPUs. */
typedef enum gs_comm_hint {
    /** Bandwidth-sensitive (the default): placement maximizes the NVLink
     *  bandwidth between the job's GPUs. */
    GS_COMM_BANDWIDTH = 0,
    /** Insensitive: placement ignores bandwidth and keeps NVLink-rich sets
     *  free for the jobs that need them. */
    GS_COMM_INSENSITIVE = 1
} gs_comm_hint;

/**
 * @brief What a job does with its GPUs, which sets the bandwidth model
 *        placement maximizes (docs/placement.md has the formulas; see
 *        gs_topo_pattern_bandwidth()).
 */
typedef enum gs_comm_pattern {
    /** Every GPU with every other, measured by Q(S), the sum of the pair
     *  bandwidths (the default, and the behaviour before patterns). */
    GS_PATTERN_ANY = 0,
    /** Ring all-reduce (data parallel, NCCL): the bandwidth of the rings
     *  through the GPUs that the links carry together. */
    GS_PATTERN_RING = 1,
    /** All-to-all (expert parallel): the weakest pair, then the
     *  bisection. */
    GS_PATTERN_ALL_TO_ALL = 2,
    /** A chain (pipeline parallel): the bottleneck of the best path
     *  through the GPUs. */
    GS_PATTERN_CHAIN = 3,
    /** No communication between GPUs (like ::GS_COMM_INSENSITIVE). */
    GS_PATTERN_NONE = 4
} gs_comm_pattern;

/** Number of ::gs_comm_pattern values. */
#define GS_PATTERN_COUNT 5

/**
 * @brief A pattern's name: "any", "ring", "all-to-all", "chain", "none".
 * @param pattern A pattern.
 * @return A static string, or "?" for an invalid value.
 */
GS_API const char *gs_pattern_name(gs_comm_pattern pattern);

/**
 * @brief Parse a pattern's name (case-insensitive; also "all-reduce" for
 *        ring, "alltoall"/"a2a" for all-to-all, "pipeline" for chain).
 * @param name The name.
 * @param[out] pattern Receives the pattern.
 * @return ::GS_OK, or ::GS_EINVAL for NULL or an unknown name.
 */
GS_API gs_status gs_pattern_parse(const char *name, gs_comm_pattern *pattern);

/**
 * @brief A job request. Initialize with ::GS_JOB_SPEC_INIT or
 *        gs_job_spec_init(); fields left at their initial value mean "no
 *        constraint". Strings and arrays are copied at submission.
 */
typedef struct gs_job_spec {
    /** sizeof(gs_job_spec) as the caller knows it. */
    uint32_t struct_size;
    /** Free-form name (may be NULL). */
    const char *name;
    /** GPUs in total. 0 makes a CPU-only job: it runs on one node, takes
     *  @ref cpus_per_gpu CPUs and @ref mem_per_gpu bytes of host memory
     *  there (the job's whole need; at least one of them, from the spec or
     *  the partition's defaults), only on nodes whose type lists what it
     *  asks (CPUs, memory), and sets none of the GPU fields (node counts,
     *  models, required GPUs, sharing, MIG, NVLink domain). Placement
     *  policies place GPUs: the scheduler picks a CPU-only job's node
     *  itself (docs/placement.md, "CPU-only jobs"). */
    uint32_t gpus;
    /** GPUs on each node it uses; 0 lets the scheduler split them. When
     *  set, @ref gpus must be a multiple of it. */
    uint32_t gpus_per_node;
    /** Fewest nodes to spread over (0: no minimum). */
    uint32_t min_nodes;
    /** Most nodes to spread over (0: no maximum). */
    uint32_t max_nodes;
    /** CPU cores (logical CPUs) per GPU, taken from the GPUs' NUMA domains
     *  first; for a CPU-only job (@ref gpus 0) the job's CPUs, from one
     *  NUMA domain when one has them free. */
    uint32_t cpus_per_gpu;
    /** Host memory per GPU in bytes, from the GPUs' NUMA domains first; for
     *  a CPU-only job (@ref gpus 0) the job's memory. */
    uint64_t mem_per_gpu;
    /** Least device memory a GPU must have, in bytes (0: any). */
    uint64_t min_gpu_memory;
    /** Allowed GPU models: names separated by commas, each matched
     *  case-insensitively as a substring of the model ("A100,H100");
     *  NULL or "" allows any. */
    const char *gpu_models;
    /** Least compute capability, major part (0: any). */
    uint32_t min_cc_major;
    /** Least compute capability, minor part. */
    uint32_t min_cc_minor;
    /** GPUs the job must include, as cluster-wide GPU ids (see
     *  gs_topo_node_first_gpu() for node + index). */
    const uint32_t *require_gpus;
    /** Number of entries in @ref require_gpus. */
    size_t n_require_gpus;
    /** GPUs the job must include, by UUID. */
    const char *const *require_uuids;
    /** Number of entries in @ref require_uuids. */
    size_t n_require_uuids;
    /** Non-zero: the job's nodes run no other job. */
    int exclusive;
    /** Non-zero: all its GPUs in one NVLink domain (one node, or nodes of
     *  one multi-node NVLink domain). */
    int one_nvlink_domain;
    /** Bandwidth-sensitive (default) or insensitive. */
    gs_comm_hint comm;
    /** User name (for ordering and limits; may be NULL). */
    const char *user;
    /** Account name (may be NULL). */
    const char *account;
    /** The job's own priority (larger first). */
    int64_t priority;
    /** Time limit in seconds; 0 means none. */
    int64_t time_limit;
    /** Submission time (the caller's clock, seconds). */
    int64_t submit_time;
    /** Subtracted from the multifactor priority (like Slurm's nice). */
    int64_t nice;
    /** Non-zero: a higher-priority job may preempt it. */
    int preemptible;
    /** A job that must complete first (0: none). */
    uint64_t depends_on;
    /** Partitions it may run in, by name, separated by commas ("gpu,debug");
     *  NULL or "": the default partition (see gs_sched_add_partition()).
     *  It runs in one of them: the highest priority tier first, then the
     *  order the partitions were added. Partitions whose limits the job
     *  exceeds (GPUs per job, time) are left out at submission; none left
     *  is ::GS_EINVAL naming the limit. */
    const char *partition;
    /** Node features its nodes must have, like Slurm's `--constraint`:
     *  feature names joined by `&` or `,` (and) and `|` (or), with
     *  parentheses ("h100&(ib|roce)"). NULL or "": any node. A name no node
     *  has is ::GS_ENOTFOUND. See gs_topo_set_node_features(). */
    const char *constraint;
    /** Non-zero: its GPUs may be spread over more nodes than they need.
     *  By default a job that sets none of @ref gpus_per_node,
     *  @ref min_nodes and @ref max_nodes runs on as few nodes as could ever
     *  hold it (one, when a node it may use has that many GPUs). */
    int allow_split;
    /** Non-zero: its GPUs may be of different models. By default all of a
     *  job's GPUs are of one model (any model its @ref gpu_models allows). */
    int any_model;
    /** How it communicates (::GS_PATTERN_ANY by default): placement
     *  maximizes that pattern's bandwidth model on the job's GPUs.
     *  ::GS_COMM_INSENSITIVE in @ref comm makes it ::GS_PATTERN_NONE. */
    gs_comm_pattern pattern;
    /** Share of each GPU's compute in milli-GPU (as in Alibaba's traces):
     *  0 or 1000 (the default) asks for whole GPUs; 1 to 999 asks for
     *  @ref gpus GPUs of one node, each shared with other jobs at this
     *  share (docs/sharing.md). Whole-GPU jobs never land on a GPU a
     *  shared job uses. */
    uint32_t gpu_milli;
    /** Device memory per GPU in bytes that a shared job (@ref gpu_milli
     *  below 1000) uses: the jobs on a GPU never use more than it has
     *  (0: none counted). For whole-GPU jobs it is a least GPU memory, like
     *  @ref min_gpu_memory. */
    uint64_t gpu_mem;
    /** A MIG instance on each GPU instead of the GPU: the GPU instance
     *  profile's name as `nvidia-smi` prints it ("3g.40gb", "1g.10gb+me";
     *  "MIG 3g.40gb" too), NULL or "" for none. The job gets @ref gpus
     *  instances of the profile, each on a different GPU of one node, on
     *  GPUs in MIG mode (gs_topo_set_gpu_mig()) whose model has the
     *  profile (mig.h); it is charged for each instance its share of the
     *  GPU's compute (slices / 7). It cannot also ask for @ref gpu_milli
     *  or be exclusive. docs/sharing.md has the rules. */
    const char *mig_profile;
} gs_job_spec;

/** Static initializer for ::gs_job_spec. */
#define GS_JOB_SPEC_INIT                                                     \
    { sizeof(gs_job_spec), NULL, 0, 0, 0, 0, 0, 0, 0, NULL, 0, 0, NULL, 0,   \
      NULL, 0, 0, 0, GS_COMM_BANDWIDTH, NULL, NULL, 0, 0, 0, 0, 0, 0, NULL, \
      NULL, 0, 0, GS_PATTERN_ANY, 0, 0, NULL }

/**
 * @brief Initialize a ::gs_job_spec (for bindings that cannot use macros).
 * @param[out] spec The struct to initialize.
 */
GS_API void gs_job_spec_init(gs_job_spec *spec);

/** @brief The state of a job. Every job is in exactly one. */
typedef enum gs_job_state {
    GS_JOB_PENDING = 0,   /**< Waiting to start. */
    GS_JOB_RUNNING = 1,   /**< Started and holding its resources. */
    GS_JOB_COMPLETED = 2, /**< Ended normally. */
    GS_JOB_FAILED = 3,    /**< Ended in failure (or a GPU it held failed). */
    GS_JOB_CANCELLED = 4, /**< Cancelled before or while running. */
    GS_JOB_PREEMPTED = 5, /**< Ended by preemption (mode "cancel"). */
    GS_JOB_TIMEOUT = 6    /**< Ended by the host at its time limit
                               (gs_sched_timeout(), after a
                               ::GS_EVENT_TIMEOUT). */
} gs_job_state;

/**
 * @brief A job state's name ("pending", "running"...).
 * @param state A state.
 * @return A static string, or "?" for an invalid value.
 */
GS_API const char *gs_job_state_name(gs_job_state state);

/** @brief Why a pending job has not started. */
typedef enum gs_pending_reason {
    GS_REASON_NONE = 0,        /**< Not pending, or not considered yet. */
    GS_REASON_RESOURCES = 1,   /**< Not enough free resources now. */
    GS_REASON_PRIORITY = 2,    /**< Waiting behind a job that goes first. */
    GS_REASON_REQUIRED_BUSY = 3, /**< A GPU it requires is busy, drained or
                                      failed. */
    GS_REASON_POLICY = 4,      /**< The placement policy failed or returned
                                    an invalid placement. */
    GS_REASON_LIMIT = 5,       /**< Its user or account is at its GPU
                                    limit. */
    GS_REASON_RESERVATION = 6, /**< It fits, but would delay a job that
                                    holds a reservation (backfill). */
    GS_REASON_DEPENDENCY = 7,  /**< The job it depends on has not completed
                                    (or never will). */
    GS_REASON_BEGIN_TIME = 8,  /**< Its submission time is later than the
                                    step's `now`: it waits until then. */
    GS_REASON_HELD = 9         /**< Held by the host (gs_sched_hold()) until
                                    released. */
} gs_pending_reason;

/**
 * @brief A pending reason's name ("resources", "priority"...).
 * @param reason A reason.
 * @return A static string, or "?" for an invalid value.
 */
GS_API const char *gs_pending_reason_name(gs_pending_reason reason);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* GPUSCHED_JOB_H */
