/*
 * gpusched - GPU-aware scheduling library.
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file ordering.h
 * @brief The ordering policy plugin ABI: who goes first, as a versioned
 *        ops table and a process-wide registry.
 *
 * An ordering policy ranks the pending jobs at every gs_sched_step(). The
 * built-in ones (`multifactor`, `fifo`, `priority`) register through the
 * same table a host uses for its own (a site factor, a QoS tier, deadlines,
 * an external quota service, a learned model). A policy sees a read-only
 * ::gs_order_job view of each pending job and answers with a number
 * (larger first) or, for orders a number cannot express, compares two jobs.
 * Ties go to the earlier submission, then the lower job id, so the order is
 * total whatever the policy answers.
 *
 * The table starts with its ABI version and only grows at the end, in
 * version blocks, like ::gs_placement_ops. The registry is guarded by a
 * lock; registering and unregistering are meant for program start-up.
 */
#ifndef GPUSCHED_ORDERING_H
#define GPUSCHED_ORDERING_H

#include <gpusched/core.h>
#include <gpusched/topo.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gs_priority_weights; /* sched.h */

/** @defgroup ordering Ordering policies
 *  @brief Who goes first: the built-in orderings and the plugin ABI for
 *         your own.
 *
 *  Built in: `multifactor` (the default: Slurm's weighted age, fair-share,
 *  job-size and priority factors minus nice, plus the host's site factor),
 *  `fifo` (submission time) and `priority` (the job's own priority). A
 *  scheduler picks one by name (::gs_sched_config's `ordering_name`, the
 *  JSON key "ordering", `--ordering`). A host adds its own by filling a
 *  ::gs_ordering_ops table and registering it (examples/custom_ordering.c;
 *  from Python, gpusched.register_ordering()).
 *  @{ */

/** The ordering ABI version this header describes. */
#define GS_ORDERING_ABI_VERSION 1

/**
 * @brief The ordering ABI version of the library linked at run time.
 * @return ::GS_ORDERING_ABI_VERSION of the library.
 */
GS_API unsigned gs_ordering_abi_version(void);

/** Flag of ::gs_ordering_ops: the policy reads the fair-share and the other
 *  normalized factors of ::gs_order_job, so the scheduler charges usage and
 *  recomputes fair share (every calc_period of ::gs_priority_weights)
 *  before asking. Without it those fields are 0 and `fairshare` is -1. */
#define GS_ORDERING_USES_FACTORS 0x1u

/** Flag of ::gs_ordering_ops: jobs of equal value are ordered by their own
 *  priority (larger first) before their submission time. The built-in
 *  `priority` ordering is this flag with a value of 0 for every job, which
 *  ranks priorities exactly (a double does not tell apart priorities
 *  beyond 2^53). */
#define GS_ORDERING_TIES_BY_PRIORITY 0x2u

/** @brief What an ordering policy may read of a job (valid during the call
 *         only; strings owned by the scheduler). */
typedef struct gs_order_job {
    /** sizeof(gs_order_job) as the library knows it. */
    uint32_t struct_size;
    /** The job's id (ids grow with submission). */
    uint64_t id;
    /** Its name, or NULL. */
    const char *name;
    /** Its user, or NULL. */
    const char *user;
    /** Its account, or NULL. */
    const char *account;
    /** Its partition, or NULL (reserved: jobs have no partition yet). */
    const char *partition;
    /** GPUs it asks for. */
    uint32_t gpus;
    /** Fewest nodes it asks for. */
    uint32_t min_nodes;
    /** Non-zero when the job is running (asked by outranks() for a
     *  preemption victim), zero when pending. */
    int running;
    /** Non-zero: the job may be preempted. */
    int preemptible;
    /** The job's own priority. */
    int64_t priority;
    /** Its nice value. */
    int64_t nice;
    /** Its submission time. */
    int64_t submit_time;
    /** Its time limit in seconds (0: none). */
    int64_t time_limit;
    /** The time of the step asking (the caller's clock). */
    int64_t now;
    /** Seconds waited: now - submit_time, at least 0. */
    int64_t age;
    /** Times it was requeued by preemption. */
    uint32_t requeues;
    /** The host's factor for the job (gs_sched_set_job_factor(); 0 when
     *  never set). */
    double site_factor;
    /** The scheduler's multifactor weights (gs_sched_set_priority_weights()),
     *  for any policy that uses them. */
    const struct gs_priority_weights *weights;
    /** With ::GS_ORDERING_USES_FACTORS: the fair-share factor in [0, 1] of
     *  the job's user in its account; else -1. */
    double fairshare;
    /** With ::GS_ORDERING_USES_FACTORS: the age factor in [0, 1] (age /
     *  max_age of ::gs_priority_weights, capped); else 0. */
    double age_factor;
    /** With ::GS_ORDERING_USES_FACTORS: GPUs asked / GPUs in the cluster;
     *  else 0. */
    double size_factor;
    /** With ::GS_ORDERING_USES_FACTORS: the job's priority / the largest
     *  among pending jobs, in [0, 1] (0 when that is not positive); else
     *  0. */
    double priority_factor;
} gs_order_job;

/**
 * @brief An ordering policy. Fill it statically and register it with
 *        gs_ordering_register(); it must outlive every scheduler using it.
 *
 * Every function is called on the thread driving the scheduler, from
 * within a gs_sched_* call, and must not call back into that scheduler.
 */
typedef struct gs_ordering_ops {
    /** ::GS_ORDERING_ABI_VERSION the table was written for. */
    uint32_t abi_version;
    /** Unique name, e.g. "deadline". */
    const char *name;
    /** One line of description (may be NULL). */
    const char *description;
    /** ::GS_ORDERING_USES_FACTORS, ::GS_ORDERING_TIES_BY_PRIORITY, or 0. */
    uint32_t flags;
    /**
     * Optional: create the policy's state for one scheduler.
     * @param state Receives the state (NULL is fine).
     * @param topo The scheduler's frozen topology.
     * @param options The scheduler's ordering_options, or the options of
     *        gs_sched_set_ordering(); NULL when chosen by the JSON key
     *        "ordering" (which has no options).
     * @return ::GS_OK, or an error that makes gs_sched_create() (or the
     *         change of ordering) fail.
     */
    gs_status (*init)(void **state, const gs_topo *topo, const char *options);
    /**
     * Optional: release the state made by init.
     * @param state The state.
     */
    void (*destroy)(void *state);
    /**
     * Optional: called once per step before any job is ranked (after usage
     * was charged and fair share recomputed, with the flag).
     * @param state The state.
     * @param now The step's time.
     */
    void (*refresh)(void *state, int64_t now);
    /**
     * The job's rank: larger goes first (ties: with
     * ::GS_ORDERING_TIES_BY_PRIORITY the larger own priority, then the
     * earlier submission, then the lower id). Required unless compare is given. A NaN answer counts as
     * the lowest rank; infinities are kept.
     * @param state The state.
     * @param job The job.
     * @return Its value (shown as gs_job_info::priority_value).
     */
    double (*priority)(void *state, const gs_order_job *job);
    /**
     * Optional: an order a number cannot express. Negative when a goes
     * before b, positive when after, 0 when tied (then submission time
     * and id decide). It must be a consistent order. Sorting calls it
     * O(n log n) times per step, where priority() is called n times.
     * @param state The state.
     * @param a A pending job.
     * @param b Another.
     * @return The comparison.
     */
    int (*compare)(void *state, const gs_order_job *a, const gs_order_job *b);
    /**
     * Optional: may job hi preempt job lo (a running preemptible job)?
     * Without it: hi's priority() is larger than lo's (with compare only:
     * compare(hi, lo) < 0). lo's priority_factor is taken against the
     * largest priority among the jobs still pending at that moment of the
     * step, hi's against the largest at the step's start.
     * @param state The state.
     * @param hi The blocked pending job.
     * @param lo A running job.
     * @return Non-zero when hi outranks lo.
     */
    int (*outranks)(void *state, const gs_order_job *hi,
                    const gs_order_job *lo);
    /**
     * Optional hook: a job started.
     * @param state The state.
     * @param job The job's id.
     * @param now The time.
     */
    void (*job_started)(void *state, uint64_t job, int64_t now);
    /**
     * Optional hook: a running job ended (completed, failed, cancelled or
     * preempted). After a change of ordering, jobs started under the old
     * policy end under the new one.
     * @param state The state.
     * @param job The job's id.
     * @param now The time.
     */
    void (*job_ended)(void *state, uint64_t job, int64_t now);
    /* Version 1 ends here; later versions add members below. */
} gs_ordering_ops;

/**
 * @brief Register an ordering policy under its name.
 * @param ops The table (kept by pointer, not copied).
 * @return ::GS_OK; ::GS_EINVAL (NULL, no name, neither priority nor
 *         compare, unknown flags, or an ABI version this library does not
 *         know); ::GS_EEXIST; ::GS_ENOMEM (64 policies already).
 */
GS_API gs_status gs_ordering_register(const gs_ordering_ops *ops);

/**
 * @brief Find a registered ordering policy by name.
 * @param name The name.
 * @return The table, or NULL.
 */
GS_API const gs_ordering_ops *gs_ordering_find(const char *name);

/**
 * @brief Unregister an ordering policy. Schedulers already using it keep
 *        it.
 * @param name The name.
 * @return ::GS_OK; ::GS_ENOTFOUND; ::GS_EINVAL (a built-in policy).
 */
GS_API gs_status gs_ordering_unregister(const char *name);

/**
 * @brief Number of registered ordering policies.
 * @return The count.
 */
GS_API size_t gs_ordering_count(void);

/**
 * @brief The name of the i-th registered ordering policy (built-ins
 *        first: multifactor, fifo, priority).
 * @param i Index below gs_ordering_count().
 * @return The name, or NULL.
 */
GS_API const char *gs_ordering_name(size_t i);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* GPUSCHED_ORDERING_H */
