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
 * A scheduler is used by one thread at a time; its topology may be shared
 * (docs/threading.md). Job ids start at 1 and are never reused. Deciding
 * (inside gs_sched_step()) allocates no memory.
 *
 * Every time the scheduler takes (`now`, submission times) must lie within
 * ::GS_TIME_MAX of 0 and every duration (time limits, horizons, ages) from 0
 * to ::GS_TIME_MAX: other values are ::GS_ERANGE, and change nothing.
 * Weights are numbers from 0 to 1e15 (NaN and negative values are
 * ::GS_EINVAL, larger ones and infinity ::GS_ERANGE).
 */
#ifndef GPUSCHED_SCHED_H
#define GPUSCHED_SCHED_H

#include <gpusched/fairshare.h>
#include <gpusched/core.h>
#include <gpusched/job.h>
#include <gpusched/ordering.h>
#include <gpusched/topo.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup sched Scheduler
 *  @brief The scheduler: submit, step at the host's time, read decisions, end
 *         jobs.
 *
 *  What runs and what waits, decided at the host's time. The host
 *  creates a scheduler on a frozen topology, submits jobs, calls
 *  gs_sched_step() whenever something may have changed (a job ended, a
 *  job arrived, time passed), reads the decisions as events, and ends jobs
 *  with gs_sched_complete(), gs_sched_fail() or gs_sched_cancel():
 *
 *  @code
 *  gs_sched *s = NULL;
 *  gs_sched_create(&s, topo, NULL);
 *  gs_sched_submit(s, &spec, &id);
 *  gs_sched_step(s, now, NULL);
 *  gs_event ev = GS_EVENT_INIT;
 *  while (gs_sched_next_event(s, &ev) == GS_OK) {
 *      // GS_EVENT_STARTED: read ev.job's allocation
 *  }
 *  gs_sched_complete(s, id, later);
 *  @endcode
 *
 *  Who goes first (ordering, fair share, limits, backfill, preemption) is
 *  set in ::gs_sched_config, with the gs_sched_set_* functions or from
 *  JSON with gs_sched_configure(). host_loop.c is a complete host.
 *  @{ */

/** @brief An opaque scheduler handle. */
typedef struct gs_sched gs_sched;

/** @brief Backfill on top of the ordering. */
typedef enum gs_backfill {
    GS_BACKFILL_NONE = 0,        /**< Strict order: the first job that cannot
                                      start makes the rest wait. */
    GS_BACKFILL_EASY = 1,        /**< Reserve for the first blocked job only;
                                      later jobs start when they delay no
                                      reserved start. */
    GS_BACKFILL_CONSERVATIVE = 2 /**< Reserve for every blocked job ahead. */
} gs_backfill;

/** @brief What preemption does to its victims. */
typedef enum gs_preempt_mode {
    GS_PREEMPT_OFF = 0,     /**< No preemption. */
    GS_PREEMPT_REQUEUE = 1, /**< Victims go back to the queue. */
    GS_PREEMPT_CANCEL = 2   /**< Victims end (state ::GS_JOB_PREEMPTED). */
} gs_preempt_mode;

/** @brief Who goes first: the built-in ordering policies by number (any
 *         registered one is chosen by name: ::gs_sched_config's
 *         ordering_name, gs_sched_set_ordering()). */
typedef enum gs_ordering {
    GS_ORDER_MULTIFACTOR = 0, /**< Weighted factors (default). */
    GS_ORDER_FIFO = 1,        /**< Submission time, then id. */
    GS_ORDER_PRIORITY = 2     /**< The job's priority, then submission
                                   time, then id. */
} gs_ordering;

/**
 * @brief Scheduler configuration. Initialize with ::GS_SCHED_CONFIG_INIT
 *        or gs_sched_config_init(). More settings (weights, limits) are
 *        set with gs_sched_configure() or the gs_sched_set_* functions.
 */
typedef struct gs_sched_config {
    /** sizeof(gs_sched_config) as the caller knows it. */
    uint32_t struct_size;
    /** Placement policy by name (see gs_placement_find()); NULL gives
     *  "nvlink-pack". */
    const char *placement;
    /** Options passed to the policy's init function (may be NULL). For
     *  nvlink-pack: `numa=strict|prefer|ignore` and `lookahead=on|off`,
     *  separated by commas (docs/placement.md); an unknown one makes
     *  gs_sched_create() fail with ::GS_EINVAL. */
    const char *placement_options;
    /** Ordering policy (a built-in one; see ordering_name). */
    gs_ordering ordering;
    /** Fair-share algorithm (a built-in one; see fairshare_name). */
    gs_fairshare_algo fairshare;
    /** Backfill mode. */
    gs_backfill backfill;
    /** Most pending jobs looked at per step once a job is blocked, for
     *  backfill (0: 100; at most 1,000,000). */
    uint32_t backfill_depth;
    /** Furthest a reservation may lie ahead, seconds (0: one week; at most
     *  ::GS_TIME_MAX). */
    int64_t backfill_horizon;
    /** Preemption mode. */
    gs_preempt_mode preempt;
    /** Accounts with shares and usage, borrowed (it must outlive the
     *  scheduler, which charges usage to it); NULL: the scheduler keeps
     *  its own, adding users as jobs arrive. */
    gs_share *share;
    /** Ordering policy by name (see gs_ordering_find()); when not NULL it
     *  wins over @ref ordering. (Added in 0.1: check struct_size.) */
    const char *ordering_name;
    /** Options passed to the ordering policy's init function (may be
     *  NULL). */
    const char *ordering_options;
    /** Fair-share algorithm by name (see gs_fairshare_find()); when not
     *  NULL it wins over @ref fairshare. */
    const char *fairshare_name;
} gs_sched_config;

/** Static initializer for ::gs_sched_config. */
#define GS_SCHED_CONFIG_INIT                                                \
    { sizeof(gs_sched_config), NULL, NULL, GS_ORDER_MULTIFACTOR,           \
      GS_FAIRSHARE_FAIR_TREE, GS_BACKFILL_NONE, 0, 0, GS_PREEMPT_OFF, NULL, \
      NULL, NULL, NULL }

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
 * can say why; every other call refuses such a handle (::GS_EINVAL, or 0
 * or NULL for the counts and lookups) until gs_sched_destroy().
 * @param[out] out Receives the handle.
 * @param topo A frozen topology.
 * @param cfg Configuration, or NULL for the defaults.
 * @return ::GS_OK; ::GS_ENOTFROZEN; ::GS_ENOTFOUND (unknown policy);
 *         ::GS_ERANGE (backfill depth or horizon too large);
 *         ::GS_EUNSUPPORTED (a node with more than 64 GPUs, or a switch
 *         tree deeper than 64 levels); ::GS_EINVAL;
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
 * @return ::GS_OK, ::GS_EINVAL (with a message), ::GS_ERANGE (a time out
 *         of range), ::GS_ENORES (can never run), ::GS_ENOMEM.
 */
GS_API gs_status gs_sched_submit(gs_sched *sched, const gs_job_spec *spec,
                                 uint64_t *job);

/**
 * @brief Cancel a pending or running job (a running job frees what it
 *        holds).
 * @param sched The scheduler.
 * @param job The job's id.
 * @param now The caller's time.
 * @return ::GS_OK, ::GS_ENOTFOUND, ::GS_ESTATE (already ended),
 *         ::GS_ERANGE (@p now out of range).
 */
GS_API gs_status gs_sched_cancel(gs_sched *sched, uint64_t job, int64_t now);

/**
 * @brief A running job ended normally; its resources are freed.
 * @param sched The scheduler.
 * @param job The job's id.
 * @param now The caller's time.
 * @return ::GS_OK, ::GS_ENOTFOUND, ::GS_ESTATE (not running), ::GS_ERANGE
 *         (@p now out of range).
 */
GS_API gs_status gs_sched_complete(gs_sched *sched, uint64_t job, int64_t now);

/**
 * @brief A running job failed; its resources are freed.
 * @param sched The scheduler.
 * @param job The job's id.
 * @param now The caller's time.
 * @return ::GS_OK, ::GS_ENOTFOUND, ::GS_ESTATE (not running), ::GS_ERANGE
 *         (@p now out of range).
 */
GS_API gs_status gs_sched_fail(gs_sched *sched, uint64_t job, int64_t now);

/** @brief How nvlink-pack weighs a job's NUMA domains against what its
 *         choice leaves for the jobs that come next (docs/placement.md). */
typedef enum gs_numa_mode {
    /** The remainder first, then fewer NUMA domains (the default: over
     *  job sequences in bench/bench_quality it was never below strict and
     *  beat it in 38 to 73 of 15,000, and it keeps jobs in one NUMA domain
     *  far more often than ignore, for about the same totals). */
    GS_NUMA_PREFER = 0,
    /** Fewer NUMA domains first, then the remainder. */
    GS_NUMA_STRICT = 1,
    /** NUMA domains do not count. */
    GS_NUMA_IGNORE = 2
} gs_numa_mode;

/**
 * @brief A mode's name: "prefer", "strict", "ignore".
 * @param mode A mode.
 * @return A static string, or "?".
 */
GS_API const char *gs_numa_mode_name(gs_numa_mode mode);

/**
 * @brief Set how nvlink-pack ranks NUMA domains against the remainder.
 *        Also `numa=strict|prefer|ignore` in the placement options.
 * @param sched The scheduler.
 * @param mode The mode.
 * @return ::GS_OK, ::GS_EINVAL.
 */
GS_API gs_status gs_sched_set_numa_mode(gs_sched *sched, gs_numa_mode mode);

/**
 * @brief The NUMA mode in use (gs_sched_set_numa_mode()).
 * @param sched The scheduler.
 * @return The mode (::GS_NUMA_PREFER for NULL).
 */
GS_API gs_numa_mode gs_sched_numa_mode(const gs_sched *sched);

/** @brief One kind of job the coming demand is made of: its size on a
 *         node, its pattern and its weight. */
typedef struct gs_demand_entry {
    /** GPUs (1 to 64). */
    uint32_t gpus;
    /** Its pattern. */
    gs_comm_pattern pattern;
    /** Weight (finite, > 0); entries are weighed by their share. */
    double weight;
} gs_demand_entry;

/** Most entries a demand profile holds. */
#define GS_MAX_DEMAND 8

/**
 * @brief Set the demand nvlink-pack judges a placement's remainder by:
 *        among the sets that are best for the job itself, it takes the one
 *        whose remaining free GPUs offer these jobs the most bandwidth,
 *        each by its own pattern's model, relative to an empty node.
 *
 * Setting a demand turns the look-ahead on under ::GS_LOOKAHEAD_AUTO (the
 * default). Without a call (or after one with @p n 0) the scheduler learns
 * the demand from submissions (used under ::GS_LOOKAHEAD_ON): the most common (size, pattern) pairs of
 * single-node jobs, with an exponential decay of half-life 256
 * submissions, refreshed at each step.
 * @param sched The scheduler.
 * @param entries The entries (may be NULL when @p n is 0).
 * @param n Their number (at most ::GS_MAX_DEMAND; 0: learn again).
 * @return ::GS_OK, ::GS_EINVAL (a size, pattern or weight out of range:
 *         the message names the entry), ::GS_ERANGE (too many).
 */
GS_API gs_status gs_sched_set_demand(gs_sched *sched,
                                     const gs_demand_entry *entries,
                                     size_t n);

/**
 * @brief The demand profile in use (set by the host or learned, as of the
 *        last step), heaviest first.
 * @param sched The scheduler.
 * @param[out] entries Receives up to @p cap entries (may be NULL when
 *        @p cap is 0); weights are shares that sum to 1.
 * @param cap Capacity of @p entries.
 * @return The number of entries in the profile (0 to ::GS_MAX_DEMAND).
 */
GS_API size_t gs_sched_demand(const gs_sched *sched, gs_demand_entry *entries,
                              size_t cap);

/** Look-ahead off: ties among the job's best sets go to fewer NUMA
 *  domains, then to the sets that break the fewest intact NVLink groups,
 *  as before the look-ahead. */
#define GS_LOOKAHEAD_OFF 0
/** Look-ahead on, with the host's demand or the one learned from
 *  submissions. */
#define GS_LOOKAHEAD_ON 1
/** The default: on while the host has set a demand (gs_sched_set_demand()),
 *  off with only the learned one (measured: in `gpusched sim` runs where
 *  jobs end and free GPUs, the learned look-ahead did not shorten job
 *  completion times; docs/placement.md). */
#define GS_LOOKAHEAD_AUTO 2

/**
 * @brief Set nvlink-pack's look-ahead: ::GS_LOOKAHEAD_OFF, ::GS_LOOKAHEAD_ON
 *        or ::GS_LOOKAHEAD_AUTO (the default). Also `lookahead=on|off|auto`
 *        in the placement options. Whatever the mode, the look-ahead only
 *        chooses among the sets of one node; nodes are compared without it.
 * @param sched The scheduler.
 * @param mode The mode.
 * @return ::GS_OK, ::GS_EINVAL (another value).
 */
GS_API gs_status gs_sched_set_lookahead(gs_sched *sched, int mode);

/**
 * @brief The look-ahead mode in use (gs_sched_set_lookahead()).
 * @param sched The scheduler.
 * @param[out] active Receives 1 when the look-ahead runs now (its mode,
 *        and under ::GS_LOOKAHEAD_AUTO whether a demand is set), else 0
 *        (may be NULL).
 * @return ::GS_LOOKAHEAD_OFF, ::GS_LOOKAHEAD_ON or ::GS_LOOKAHEAD_AUTO;
 *         -1 for NULL.
 */
GS_API int gs_sched_lookahead(const gs_sched *sched, int *active);

/** @brief One kind of job the fragmentation measure expects
 *         (docs/sharing.md): GPUs, share of each, CPUs and memory. */
typedef struct gs_frag_class {
    /** GPUs (1 to 64). */
    uint32_t gpus;
    /** Share of each GPU in milli-GPU (1 to 1000; 1000: whole GPUs). */
    uint32_t gpu_milli;
    /** CPUs in all (0: none). */
    uint32_t cpus;
    /** Host memory in all, bytes (0: none). */
    uint64_t mem;
    /** Weight (finite, > 0); classes are weighed by their share. */
    double weight;
} gs_frag_class;

/** Most classes a fragmentation profile holds. */
#define GS_MAX_FRAG_CLASSES 32

/**
 * @brief Set the job mix the fragmentation measure judges free GPU
 *        capacity by (the `frag-aware` and `fgd` policies place each job
 *        where it grows the measure least).
 *
 * A node's fragmentation for one class is the free GPU share that class
 * could not use there: all of the node's free share when the class does
 * not fit on the node at all (too few GPUs with room, CPUs or memory),
 * else the free share of the GPUs with less room than one of its GPUs
 * needs. The measure is the classes' weighted sum over the nodes (Weng et
 * al., USENIX ATC '23). Without a call (or after one with @p n 0) the
 * scheduler learns the mix from submissions: the most common (GPUs,
 * share) kinds with their mean CPUs and memory, with an exponential decay
 * of half-life 1,024 submissions, refreshed every 64 submissions.
 * @param sched The scheduler.
 * @param classes The classes (may be NULL when @p n is 0).
 * @param n Their number (at most ::GS_MAX_FRAG_CLASSES; 0: learn again).
 * @return ::GS_OK, ::GS_EINVAL (a value out of range: the message names
 *         the class), ::GS_ERANGE (too many).
 */
GS_API gs_status gs_sched_set_frag_classes(gs_sched *sched,
                                           const gs_frag_class *classes,
                                           size_t n);

/**
 * @brief The job mix in use (set by the host or learned as of the last
 *        step), heaviest first.
 * @param sched The scheduler.
 * @param[out] classes Receives up to @p cap classes (may be NULL when
 *        @p cap is 0); weights are shares that sum to 1.
 * @param cap Capacity of @p classes.
 * @return The number of classes in the mix (0 before any submission).
 */
GS_API size_t gs_sched_frag_classes(const gs_sched *sched,
                                    gs_frag_class *classes, size_t cap);

/**
 * @brief The cluster's fragmentation now under the job mix in use, in
 *        GPUs (the sum over nodes; see gs_sched_set_frag_classes()).
 * @param sched The scheduler.
 * @param[out] gpus Receives the fragmented GPU capacity (0 with no mix).
 * @return ::GS_OK or ::GS_EINVAL.
 */
GS_API gs_status gs_sched_fragmentation(const gs_sched *sched, double *gpus);

/**
 * @brief What shared jobs use of one GPU.
 * @param sched The scheduler.
 * @param gpu Cluster-wide GPU id.
 * @param[out] milli Receives the share in use, milli-GPU (1000 when a
 *        whole-GPU job holds it; may be NULL).
 * @param[out] mem Receives the device memory shared jobs use, bytes (may
 *        be NULL).
 * @param[out] jobs Receives the number of jobs on it (may be NULL).
 * @return ::GS_OK or ::GS_EINVAL.
 */
GS_API gs_status gs_sched_gpu_share(const gs_sched *sched, uint32_t gpu,
                                    uint32_t *milli, uint64_t *mem,
                                    uint32_t *jobs);

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
 * @param[out] gpus Receives the chosen cluster-wide GPU ids, increasing
 *        (may be NULL for a CPU-only job: ::GS_OK then says a node could
 *        take it now, with 0 GPUs).
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
    GS_EVENT_STARTED = 1,   /**< The job started; see its allocation. */
    GS_EVENT_FAILED = 2,    /**< The job failed because a GPU it held
                                 failed (gs_sched_fail_gpu()). */
    GS_EVENT_PREEMPTED = 3, /**< The job was preempted (it ended, or was
                                 requeued: see ::GS_EVENT_REQUEUED). */
    GS_EVENT_REQUEUED = 4,  /**< A preempted job went back to the queue. */
    GS_EVENT_TIMEOUT = 5    /**< A running job passed its time limit (and
                                 the grace, gs_sched_set_timeout_grace());
                                 the scheduler does not stop it: the host
                                 does, then calls gs_sched_timeout(). */
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

/** Initializer for a ::gs_event to be filled by gs_sched_event(). */
#define GS_EVENT_INIT { sizeof(gs_event), (gs_event_kind)0, 0, 0 }

/**
 * @brief Start every job that can start now.
 *
 * Pending jobs are taken in the ordering policy's order (ordering.h). Jobs
 * whose dependency has not completed, or whose user or account is at its
 * GPU limit, wait without holding back the others. The first job that
 * cannot start is the blocker: with preemption on it may preempt
 * preemptible jobs it outranks; otherwise the jobs behind it wait (reason
 * ::GS_REASON_PRIORITY), unless backfill is on: then the blocker gets a
 * reservation at its earliest start (judged by the running jobs' time
 * limits) and jobs behind it with a time limit start when they delay no
 * reservation (conservative backfill reserves for each of them too).
 *
 * The events of this call (::GS_EVENT_STARTED, ::GS_EVENT_PREEMPTED,
 * ::GS_EVENT_REQUEUED) join the event queue, read with
 * gs_sched_next_event() (or gs_sched_event_count(), gs_sched_event() and
 * gs_sched_events_consume()); nothing is lost until the host reads it.
 * Ended jobs older than the retention (gs_sched_set_retention()) are
 * forgotten first. Deciding allocates no memory (the queue may grow
 * before it: then ::GS_ENOMEM, and nothing changed). A host's fair-share algorithm (gs_fairshare_ops)
 * that fails leaves the classic factors in place: the step goes on and
 * returns ::GS_OK, and gs_sched_errmsg() says what failed.
 * @param sched The scheduler.
 * @param now The caller's time.
 * @param[out] started Receives the number of jobs started (may be NULL).
 * @return ::GS_OK, ::GS_EINVAL (@p now earlier than the scheduler's
 *         clock, gs_sched_clock()), ::GS_ERANGE (@p now out of range),
 *         ::GS_ENOMEM, or ::GS_EIO (the journal could not record it).
 */
GS_API gs_status gs_sched_step(gs_sched *sched, int64_t now, size_t *started);

/**
 * @brief Turn quiet steps on (1) or off (0, the default).
 *
 * With quiet steps, a gs_sched_step() is decided, where it can be, from
 * the first jobs in rank without ranking and planning every pending job:
 * the blocker of the last full step (the first job that could not
 * start), the jobs ranked right behind it and the jobs submitted since,
 * compared by their exact sort keys, taken in rank order while each
 * surely ranks before every other pending job (under multifactor: its
 * value is above a bound per association that holds however the others'
 * ages and fair share moved). Each starts where it fits, the first that
 * does not is the new blocker. With EASY backfill the jobs so taken are
 * planned as a full step plans them (the blocker's reservation, backfill
 * under it) until backfill has looked at its depth of jobs, each of which
 * must surely rank first; the jobs after them only wait. Most steps of a
 * long queue are decided so in O(associations + jobs compared) instead of
 * O(pending jobs); the others are full steps. The decisions are exactly a
 * full step's: every event, start time, expected start, GPU and reason.
 * It applies without backfill or with EASY backfill at every step (a
 * backfill interval of 0, a depth up to 1,024), without preemption,
 * partitions or limits, under the built-in orderings and fair-share
 * algorithms; other configurations, and any other call in between (a
 * hold, a cancellation of a pending job, a setting), make the next step a
 * full one.
 *
 * What differs: a quiet step values only the jobs it compares, so the
 * values and factors gs_sched_job_priority() reports for the others are
 * those of the last step that valued them. The setting is not kept in
 * snapshots (it decides nothing): set it again after gs_sched_open().
 * `gpusched sim` turns it on (docs/sim.md).
 * @param sched The scheduler.
 * @param on 1 or 0.
 * @return ::GS_OK, ::GS_EINVAL (another value), ::GS_ENOMEM.
 */
GS_API gs_status gs_sched_set_quiet_steps(gs_sched *sched, int on);

/**
 * @brief Whether quiet steps are on (gs_sched_set_quiet_steps()).
 * @param sched The scheduler.
 * @param[out] quiet Receives the number of steps decided so (quiet
 *        steps) since they were turned on (may be NULL).
 * @return 1 on, 0 off, -1 for NULL.
 */
GS_API int gs_sched_quiet_steps(const gs_sched *sched, uint64_t *quiet);

/**
 * @brief Number of events in the queue: produced by gs_sched_step() and
 *        gs_sched_fail_gpu() and not yet consumed.
 * @param sched The scheduler.
 * @return The count.
 */
GS_API size_t gs_sched_event_count(const gs_sched *sched);

/**
 * @brief Look at the i-th oldest event in the queue without taking it.
 * @param sched The scheduler.
 * @param i Index below gs_sched_event_count() (0: the oldest).
 * @param[in,out] ev Its struct_size must be set; the rest is filled.
 * @return ::GS_OK or ::GS_EINVAL.
 */
GS_API gs_status gs_sched_event(const gs_sched *sched, size_t i, gs_event *ev);

/**
 * @brief Take the oldest @p n events off the queue (the host has read
 *        them). A job is never forgotten while an event naming it is
 *        queued, so a host that never consumes keeps every job.
 * @param sched The scheduler.
 * @param n At most gs_sched_event_count().
 * @return ::GS_OK, ::GS_EINVAL (@p n larger than the queue), ::GS_EIO
 *         (the journal could not record it).
 */
GS_API gs_status gs_sched_events_consume(gs_sched *sched, size_t n);

/**
 * @brief Take the oldest event off the queue:
 *        gs_sched_event(sched, 0, ev) then gs_sched_events_consume(sched,
 *        1).
 * @param sched The scheduler.
 * @param[in,out] ev Its struct_size must be set; the rest is filled.
 * @return ::GS_OK, ::GS_ENOTFOUND (the queue is empty), ::GS_EINVAL,
 *         ::GS_EIO.
 */
GS_API gs_status gs_sched_next_event(gs_sched *sched, gs_event *ev);

/**
 * @brief The scheduler's clock: the latest time any call gave it (`now`
 *        of a step or of a job's end, a GPU failure, a usage update).
 *        Calls that take a time refuse one earlier than this (::GS_EINVAL
 *        naming both), and a job's submission time may not be earlier
 *        either.
 * @param sched The scheduler.
 * @return The time, or INT64_MIN before any.
 */
GS_API int64_t gs_sched_clock(const gs_sched *sched);

/** Keep ended jobs forever (gs_sched_set_retention()). */
#define GS_KEEP_FOREVER INT64_MAX

/**
 * @brief How long ended jobs are kept (like Slurm's MinJobAge and
 *        MaxJobCount). At each step, an ended job is forgotten when it
 *        ended @p keep_seconds or more before `now`, or when more than
 *        @p keep_count ended jobs are held (the earliest ended first);
 *        its usage was charged when it ended, and the forget hook
 *        (gs_sched_set_forget_hook()) sees its final record first. A job
 *        is kept while an unconsumed event names it or while a job that
 *        depends on it has not ended. Defaults: 300 seconds, 10,000 jobs.
 *        A forgotten job's id is ::GS_ENOTFOUND to every call.
 * @param sched The scheduler.
 * @param keep_seconds From 0 to ::GS_TIME_MAX, or ::GS_KEEP_FOREVER.
 * @param keep_count Ended jobs held at most (::GS_KEEP_FOREVER: no cap).
 * @return ::GS_OK, ::GS_EINVAL, ::GS_ERANGE, ::GS_EIO.
 */
GS_API gs_status gs_sched_set_retention(gs_sched *sched, int64_t keep_seconds,
                                        int64_t keep_count);

struct gs_job_info;

/**
 * @brief The retention in force (gs_sched_set_retention()).
 * @param sched The scheduler.
 * @param[out] keep_seconds Receives the time (may be NULL).
 * @param[out] keep_count Receives the count (may be NULL).
 * @return ::GS_OK or ::GS_EINVAL.
 */
GS_API gs_status gs_sched_retention(const gs_sched *sched,
                                    int64_t *keep_seconds,
                                    int64_t *keep_count);

/** @brief Called with each ended job's final record just before the
 *         scheduler forgets it (for accounting, like Slurm's job
 *         completion log). The job may still be queried (its allocation,
 *         gs_sched_alloc_gpus()...) during the call; the hook must not
 *         change the scheduler. */
typedef void (*gs_forget_fn)(void *user_data, const gs_sched *sched,
                             const struct gs_job_info *info);

/**
 * @brief Set (or clear, with NULL) the forget hook. It is not part of a
 *        snapshot: set it again after gs_sched_restore() or
 *        gs_sched_open().
 * @param sched The scheduler.
 * @param fn The hook, or NULL.
 * @param user_data Passed to it.
 * @return ::GS_OK or ::GS_EINVAL.
 */
GS_API gs_status gs_sched_set_forget_hook(gs_sched *sched, gs_forget_fn fn,
                                          void *user_data);

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
    /** Its value under the ordering policy at the last step (multifactor:
     *  the priority of gs_sched_job_priority(); fifo and priority, which
     *  rank by the job's own fields: 0). */
    double priority_value;
    /** Times it was requeued by preemption. */
    uint32_t requeues;
    /** Seconds of GPU time lost to preemption (GPU-seconds). */
    double lost_gpu_seconds;
    /** Pending: when the backfill plan of the last step expects it to
     *  start (like `squeue --start`); started: its start time;
     *  ::GS_TIME_UNKNOWN when no plan gave it a time. */
    int64_t expected_start;
    /** Non-zero while it is held (gs_sched_hold()). */
    int held;
    /** Non-zero once it ran past its time limit and grace
     *  (::GS_EVENT_TIMEOUT was queued). */
    int timed_out;
    /** The partition it runs in (or ran in, or the only one it may run
     *  in); NULL without partitions or while it may run in several. */
    const char *partition;
    /** Its communication pattern (::GS_PATTERN_NONE for an insensitive
     *  job). */
    gs_comm_pattern pattern;
    /** Its share of each GPU in milli-GPU (1000: whole GPUs). */
    uint32_t gpu_milli;
    /** Device memory per GPU a shared job uses, bytes. */
    uint64_t gpu_mem;
    /** For a MIG job, the profile it asked for ("3g.40gb", the
     *  scheduler's string); NULL otherwise. */
    const char *mig_profile;
} gs_job_info;

/** Initializer for a ::gs_job_info to be filled by gs_sched_job_info(). */
#define GS_JOB_INFO_INIT                                                    \
    { sizeof(gs_job_info), 0, GS_JOB_PENDING, GS_REASON_NONE, 0, 0, 0, 0,  \
      0, 0, 0, NULL, NULL, NULL, 0, 0, 0, GS_TIME_UNKNOWN, 0, 0, NULL,      \
      GS_PATTERN_ANY, 0, 0, NULL }

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

/** @name Partitions, defaults, holds, changes and time limits
 *  Like Slurm's partitions (`PartitionName=` in slurm.conf), its
 *  `DefCpuPerGPU`/`DefMemPerGPU`, `scontrol hold|release|update` and
 *  `OverTimeLimit`.
 *  @{ */

/** The most partitions a scheduler holds. */
#define GS_MAX_PARTITIONS 64

/**
 * @brief A partition (a queue): a named set of nodes with its own limits
 *        and defaults. Initialize with ::GS_PARTITION_SPEC_INIT or
 *        gs_partition_spec_init(); zero means "no limit" or "no default".
 */
typedef struct gs_partition_spec {
    /** sizeof(gs_partition_spec) as the caller knows it. */
    uint32_t struct_size;
    /** Its name: 1 to 64 characters of letters, digits and `_.-`. */
    const char *name;
    /** Its nodes: a Slurm hostlist expression ("gpu[01-16],dgx1"); NULL,
     *  "" or "ALL" for every node. A node may be in several partitions. */
    const char *nodes;
    /** Non-zero: jobs that name no partition run here (the first partition
     *  added is the default when none says so). */
    int is_default;
    /** Most GPUs one job may ask for here (like MaxTRESPerJob). */
    uint32_t max_gpus_per_job;
    /** Most GPUs one user's running jobs may hold here. */
    uint32_t max_gpus_per_user;
    /** Time limit of jobs that set none, seconds (like DefaultTime). */
    int64_t default_time;
    /** Longest time limit a job may have here, seconds (like MaxTime); a
     *  job without a time limit gets this one. */
    int64_t max_time;
    /** Jobs of a higher tier are considered before any job of a lower
     *  tier, whatever their priority (like PriorityTier). */
    uint32_t priority_tier;
    /** Partitions whose running jobs this partition's jobs may preempt
     *  (with preemption on), by name, separated by commas; they need not
     *  be marked preemptible. NULL: only preemptible jobs, as without
     *  partitions. */
    const char *preempts;
    /** CPUs per GPU for jobs that set none (like DefCpuPerGPU); 0: the
     *  scheduler's default (gs_sched_set_job_defaults()). */
    uint32_t def_cpus_per_gpu;
    /** Host memory per GPU for jobs that set none, bytes (like
     *  DefMemPerGPU); 0: the scheduler's default. */
    uint64_t def_mem_per_gpu;
} gs_partition_spec;

/** Static initializer for ::gs_partition_spec. */
#define GS_PARTITION_SPEC_INIT                                              \
    { sizeof(gs_partition_spec), NULL, NULL, 0, 0, 0, 0, 0, 0, NULL, 0, 0 }

/**
 * @brief Initialize a ::gs_partition_spec (for bindings).
 * @param[out] spec The struct to initialize.
 */
GS_API void gs_partition_spec_init(gs_partition_spec *spec);

/**
 * @brief Add a partition. Partitions are defined before the first job is
 *        submitted; once a scheduler has any, every job runs in one of
 *        them (nodes in no partition run no job).
 * @param sched The scheduler.
 * @param spec The partition; strings are copied.
 * @return ::GS_OK; ::GS_EINVAL (bad name, bad hostlist, a node that does
 *         not exist, a value out of range; the message says which),
 *         ::GS_ENOTFOUND (an unknown partition in `preempts`),
 *         ::GS_EEXIST (name taken),
 *         ::GS_EBUSY (jobs were submitted), ::GS_ERANGE (more than
 *         ::GS_MAX_PARTITIONS), ::GS_ENOMEM.
 */
GS_API gs_status gs_sched_add_partition(gs_sched *sched,
                                        const gs_partition_spec *spec);

/**
 * @brief Number of partitions.
 * @param sched The scheduler.
 * @return The count (0 without partitions).
 */
GS_API uint32_t gs_sched_partition_count(const gs_sched *sched);

/**
 * @brief A partition's index by name.
 * @param sched The scheduler.
 * @param name Its name.
 * @return The index, or ::GS_NONE.
 */
GS_API uint32_t gs_sched_find_partition(const gs_sched *sched,
                                        const char *name);

/** @brief A partition as the scheduler holds it, with its counts now. */
typedef struct gs_partition_info {
    /** sizeof(gs_partition_info) as the caller knows it. */
    uint32_t struct_size;
    /** Its name (owned by the scheduler). */
    const char *name;
    /** Non-zero for the default partition. */
    int is_default;
    /** Nodes in it. */
    uint32_t nodes;
    /** GPUs on those nodes. */
    uint32_t gpus;
    /** GPUs held by jobs running in it. */
    uint32_t gpus_in_use;
    /** Its jobs running now. */
    uint32_t running;
    /** Most GPUs per job (0: no limit). */
    uint32_t max_gpus_per_job;
    /** Most GPUs one user's running jobs may hold (0: no limit). */
    uint32_t max_gpus_per_user;
    /** Time limit of jobs that set none, seconds (0: none). */
    int64_t default_time;
    /** Longest time limit, seconds (0: none). */
    int64_t max_time;
    /** Its priority tier. */
    uint32_t priority_tier;
    /** Default CPUs and memory per GPU (0: none). */
    uint32_t def_cpus_per_gpu;
    /** Default memory per GPU, bytes (0: none). */
    uint64_t def_mem_per_gpu;
} gs_partition_info;

/** Initializer for a ::gs_partition_info to be filled. */
#define GS_PARTITION_INFO_INIT                                              \
    { sizeof(gs_partition_info), NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }

/**
 * @brief A partition's settings and counts.
 * @param sched The scheduler.
 * @param part Its index, below gs_sched_partition_count().
 * @param[in,out] out Its struct_size must be set; the rest is filled.
 * @return ::GS_OK, ::GS_EINVAL (bad index or struct_size; the message says
 *         which).
 */
GS_API gs_status gs_sched_partition_info(const gs_sched *sched, uint32_t part,
                                         gs_partition_info *out);

/**
 * @brief Is a node in a partition?
 * @param sched The scheduler.
 * @param node A node index.
 * @param part A partition index.
 * @return 1 if it is, 0 if not or an index is out of range.
 */
GS_API int gs_sched_node_in_partition(const gs_sched *sched, uint32_t node,
                                      uint32_t part);

/**
 * @brief The partition a job runs (or ran, or will run) in.
 * @param sched The scheduler.
 * @param job The job's id.
 * @return The partition's name (owned by the scheduler); NULL when the
 *         scheduler has no partitions, for an unknown job, or for a pending
 *         job that may run in several (see gs_sched_job_partitions()).
 */
GS_API const char *gs_sched_job_partition(const gs_sched *sched,
                                          uint64_t job);

/**
 * @brief The partitions a job may run in, as a comma-separated list in
 *        the order they are tried.
 * @param sched The scheduler.
 * @param job The job's id.
 * @param[out] buf Receives the text ("" without partitions).
 * @param cap Size of @p buf.
 * @param[out] len Receives its length (may be NULL).
 * @return ::GS_OK, ::GS_ENOSPC (len set), ::GS_ENOTFOUND, ::GS_EINVAL.
 */
GS_API gs_status gs_sched_job_partitions(const gs_sched *sched, uint64_t job,
                                         char *buf, size_t cap, size_t *len);

/**
 * @brief Scheduler-wide defaults for jobs that set no CPUs or memory per
 *        GPU (like Slurm's `DefCpuPerGPU`, `DefMemPerGPU`); a partition's
 *        own defaults win. Applies to jobs submitted from now on.
 * @param sched The scheduler.
 * @param cpus_per_gpu CPUs per GPU (0: none).
 * @param mem_per_gpu Host memory per GPU, bytes (0: none; at most 2^60).
 * @return ::GS_OK, ::GS_ERANGE.
 */
GS_API gs_status gs_sched_set_job_defaults(gs_sched *sched,
                                           uint32_t cpus_per_gpu,
                                           uint64_t mem_per_gpu);

/**
 * @brief Create accounts and users that the account tree does not list.
 *
 * Off by default: when the tree (gs_sched_share()) lists any account, a
 * job naming an account it does not list, or a user the account does not
 * list (when it lists users), is refused with ::GS_ENOTFOUND naming it;
 * a job with no account runs in its user's first account. A tree that
 * lists no account takes every name (a scheduler without accounts). With
 * auto-creation on, unknown accounts are added below root and unknown
 * users to their account, each with 1 share. Jobs with no user are
 * charged to the user "(none)" of their account, which has 0 shares (so
 * it takes no share from anyone).
 * @param sched The scheduler.
 * @param on Non-zero: create; 0: refuse.
 * @return ::GS_OK, ::GS_EINVAL.
 */
GS_API gs_status gs_sched_set_auto_accounts(gs_sched *sched, int on);

/**
 * @brief Hold a pending job: it does not start until released (reason
 *        ::GS_REASON_HELD). Holding a held job is allowed.
 * @param sched The scheduler.
 * @param job The job's id.
 * @return ::GS_OK, ::GS_ENOTFOUND, ::GS_EBUSY (not pending; the message
 *         says its state).
 */
GS_API gs_status gs_sched_hold(gs_sched *sched, uint64_t job);

/**
 * @brief Release a held job.
 * @param sched The scheduler.
 * @param job The job's id.
 * @return ::GS_OK, ::GS_ENOTFOUND, ::GS_EBUSY (not pending), ::GS_EINVAL
 *         (not held).
 */
GS_API gs_status gs_sched_release(gs_sched *sched, uint64_t job);

/** gs_job_update field: the priority. */
#define GS_UPDATE_PRIORITY 0x1u
/** gs_job_update field: the time limit. */
#define GS_UPDATE_TIME_LIMIT 0x2u
/** gs_job_update field: the GPU count. */
#define GS_UPDATE_GPUS 0x4u
/** gs_job_update field: the partitions. */
#define GS_UPDATE_PARTITION 0x8u
/** gs_job_update field: the constraint. */
#define GS_UPDATE_CONSTRAINT 0x10u

/** @brief A change to a pending job (like `scontrol update job`). */
typedef struct gs_job_update {
    /** sizeof(gs_job_update) as the caller knows it. */
    uint32_t struct_size;
    /** Which fields to change: GS_UPDATE_* bits. */
    unsigned fields;
    /** New priority. */
    int64_t priority;
    /** New time limit, seconds (0: none, or the partition's default). */
    int64_t time_limit;
    /** New GPU count (a multiple of its gpus_per_node). */
    uint32_t gpus;
    /** New partitions, as in ::gs_job_spec (NULL: the default). */
    const char *partition;
    /** New constraint (NULL: none). */
    const char *constraint;
} gs_job_update;

/** Static initializer for ::gs_job_update. */
#define GS_JOB_UPDATE_INIT { sizeof(gs_job_update), 0, 0, 0, 0, NULL, NULL }

/**
 * @brief Initialize a ::gs_job_update (for bindings).
 * @param[out] u The struct to initialize.
 */
GS_API void gs_job_update_init(gs_job_update *u);

/**
 * @brief Change a pending job. The new request is checked as a submission
 *        is (limits, partitions, whether the cluster could ever run it);
 *        on any error nothing changes.
 * @param sched The scheduler.
 * @param job The job's id.
 * @param update What to change.
 * @return ::GS_OK, ::GS_ENOTFOUND, ::GS_EBUSY (running or ended: the
 *         message says so), ::GS_EINVAL, ::GS_ERANGE, ::GS_ENORES,
 *         ::GS_ENOMEM.
 */
GS_API gs_status gs_sched_update_job(gs_sched *sched, uint64_t job,
                                     const gs_job_update *update);

/**
 * @brief Grace after a running job's time limit before
 *        gs_sched_step() reports it with ::GS_EVENT_TIMEOUT (like Slurm's
 *        OverTimeLimit). Default 0.
 * @param sched The scheduler.
 * @param seconds From 0 to ::GS_TIME_MAX.
 * @return ::GS_OK, ::GS_EINVAL, ::GS_ERANGE.
 */
GS_API gs_status gs_sched_set_timeout_grace(gs_sched *sched, int64_t seconds);

/**
 * @brief End a running job at its time limit (the host acts on a
 *        ::GS_EVENT_TIMEOUT): its state becomes ::GS_JOB_TIMEOUT.
 * @param sched The scheduler.
 * @param job The job's id.
 * @param now The caller's time.
 * @return ::GS_OK, ::GS_ENOTFOUND, ::GS_ESTATE (not running: the message
 *         says its state), ::GS_EINVAL (a time before the clock or before
 *         it started).
 */
GS_API gs_status gs_sched_timeout(gs_sched *sched, uint64_t job, int64_t now);

/** @} */

/** @brief Weights of the multifactor priority (like Slurm's
 *         PriorityWeight*). */
typedef struct gs_priority_weights {
    /** sizeof(gs_priority_weights) as the caller knows it. */
    uint32_t struct_size;
    /** Weight of the age factor (default 1000). */
    double age;
    /** Weight of the fair-share factor (default 10000). */
    double fairshare;
    /** Weight of the job-size factor (default 0). */
    double job_size;
    /** Weight of the job's own priority factor (default 1000). */
    double priority;
    /** Age at which the age factor reaches 1, seconds (default 7 days). */
    int64_t max_age;
    /** Seconds between fair-share recomputations (default 300; 0: every
     *  step). */
    int64_t calc_period;
} gs_priority_weights;

/**
 * @brief Initialize a ::gs_priority_weights with the defaults.
 * @param[out] w The struct to initialize.
 */
GS_API void gs_priority_weights_init(gs_priority_weights *w);

/**
 * @brief Set the multifactor weights.
 * @param sched The scheduler.
 * @param w The weights: from 0 to 1e15; max_age and calc_period from 0 to
 *        ::GS_TIME_MAX.
 * @return ::GS_OK, ::GS_EINVAL (negative or NaN) or ::GS_ERANGE.
 */
GS_API gs_status gs_sched_set_priority_weights(gs_sched *sched,
                                               const gs_priority_weights *w);

/** @brief Why a job has the priority it has (what Slurm's `sprio`
 *         shows). */
typedef struct gs_priority_breakdown {
    /** sizeof(gs_priority_breakdown) as the caller knows it. */
    uint32_t struct_size;
    /** The multifactor priority: the sum of the weighted factors minus
     *  nice plus the site factor. */
    double total;
    /** Age factor in [0, 1]: waiting time / max_age, capped. */
    double age;
    /** Fair-share factor in [0, 1] of the job's user in its account. */
    double fairshare;
    /** Job-size factor in [0, 1]: GPUs asked / GPUs in the cluster. */
    double job_size;
    /** The job's own priority factor in [0, 1]: its priority / the largest
     *  among pending jobs (0 when that is not positive). */
    double priority;
    /** The job's nice value. */
    double nice;
    /** Weighted contribution of age: age * its weight. */
    double w_age;
    /** Weighted contribution of fair share. */
    double w_fairshare;
    /** Weighted contribution of job size. */
    double w_job_size;
    /** Weighted contribution of the job's own priority. */
    double w_priority;
    /** The host's site factor (gs_sched_set_job_factor()), added as it is.
     *  (Added in 0.1: check struct_size.) */
    double site;
    /** The job's value under the scheduler's ordering policy at the last
     *  step (what it was ranked by; under multifactor equal to total
     *  unless the weights or its site factor changed since). */
    double value;
} gs_priority_breakdown;

/** Initializer for a ::gs_priority_breakdown to be filled by
 *  gs_sched_job_priority(). */
#define GS_PRIORITY_BREAKDOWN_INIT                                          \
    { sizeof(gs_priority_breakdown), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }

/**
 * @brief The multifactor priority of a pending job, factor by factor, as
 *        of the last gs_sched_step() (for a job no step ranked with
 *        factors, as of the last fair-share computation).
 * @param sched The scheduler.
 * @param job The job's id.
 * @param[in,out] out Its struct_size must be set; the rest is filled.
 * @return ::GS_OK, ::GS_ENOTFOUND, ::GS_EINVAL.
 */
GS_API gs_status gs_sched_job_priority(gs_sched *sched, uint64_t job,
                                       gs_priority_breakdown *out);

/**
 * @brief Usage charged per second of a running job: per GPU, per CPU and
 *        per GiB of host memory (default 1, 0, 0: billable GPU-seconds).
 * @param sched The scheduler.
 * @param gpu Per GPU.
 * @param cpu Per CPU.
 * @param mem_gib Per GiB of memory.
 * @return ::GS_OK, ::GS_EINVAL (negative or NaN weight) or ::GS_ERANGE
 *         (above 1e15, infinity included).
 */
GS_API gs_status gs_sched_set_usage_weights(gs_sched *sched, double gpu,
                                            double cpu, double mem_gib);

/**
 * @brief Weigh GPUs of a model differently: a GPU whose model contains
 *        @p model (case-insensitive) counts @p weight times the GPU
 *        weight. The last matching rule set wins.
 * @param sched The scheduler.
 * @param model A model substring ("H100").
 * @param weight Its weight, from 0 to 1e15.
 * @return ::GS_OK, ::GS_EINVAL, ::GS_ERANGE, ::GS_ENOMEM.
 */
GS_API gs_status gs_sched_set_model_weight(gs_sched *sched, const char *model,
                                           double weight);

/** @brief What a GPU limit applies to. */
typedef enum gs_limit_kind {
    GS_LIMIT_USER = 0,   /**< GPUs a user's running jobs hold (all
                              accounts). */
    GS_LIMIT_ACCOUNT = 1 /**< GPUs an account's running jobs hold, its
                              sub-accounts included. */
} gs_limit_kind;

/**
 * @brief Cap the GPUs in use by a user or an account (like Slurm's
 *        MaxTRESPerUser / GrpTRES). Jobs over the limit wait with reason
 *        ::GS_REASON_LIMIT and do not hold back the jobs behind them.
 * @param sched The scheduler.
 * @param kind User or account.
 * @param name The user or account; NULL sets the default for every user
 *        (or account) without a limit of its own.
 * @param max_gpus The cap; 0 removes it.
 * @return ::GS_OK, ::GS_EINVAL, ::GS_ENOMEM.
 */
GS_API gs_status gs_sched_set_limit(gs_sched *sched, gs_limit_kind kind,
                                    const char *name, uint32_t max_gpus);

/**
 * @brief Configure the scheduler from JSON (the accounts file of
 *        docs/formats.md): accounts and users go into its share tree, and
 *        the optional keys "ordering", "fairshare", "half_life",
 *        "priority_weights", "usage_weights", "limits", "backfill" (mode,
 *        depth, horizon, interval), "preemption", "partitions" (as
 *        gs_sched_add_partition(): before the first job),
 *        "job_defaults", "auto_accounts" and "timeout_grace" set the rest.
 *        A document with an error changes nothing.
 * @param sched The scheduler.
 * @param text The JSON text.
 * @param size Its length.
 * @param name Name for error messages (NULL: "<buffer>").
 * @return ::GS_OK, ::GS_EPARSE (%file:line:column), ::GS_ENOMEM,
 *         ::GS_EINVAL.
 */
GS_API gs_status gs_sched_configure(gs_sched *sched, const char *text,
                                    size_t size, const char *name);

/**
 * @brief Charge running jobs' usage up to @p now. The scheduler does it by
 *        itself when fair share is recomputed and when a job ends; call
 *        this before reading usage from gs_sched_share().
 * @param sched The scheduler.
 * @param now The caller's time.
 * @return ::GS_OK, ::GS_EINVAL or ::GS_ERANGE (@p now out of range).
 */
GS_API gs_status gs_sched_update_usage(gs_sched *sched, int64_t now);

/**
 * @brief The account tree the scheduler charges usage to (its own, or
 *        the one given in the config).
 * @param sched The scheduler.
 * @return The tree (owned by the scheduler or the caller), or NULL.
 */
GS_API gs_share *gs_sched_share(gs_sched *sched);

/**
 * @brief Change the ordering policy (a registered name). The new policy's
 *        state is made first; on failure nothing changes.
 * @param sched The scheduler.
 * @param name The policy's name ("multifactor", "fifo", "priority", or one
 *        registered with gs_ordering_register()).
 * @param options Passed to its init function (may be NULL).
 * @return ::GS_OK, ::GS_EINVAL, ::GS_ENOTFOUND (no such policy), or the
 *         policy's init error.
 */
GS_API gs_status gs_sched_set_ordering(gs_sched *sched, const char *name,
                                       const char *options);

/**
 * @brief The name of the scheduler's ordering policy.
 * @param sched The scheduler.
 * @return The name (owned by the policy's table), or NULL.
 */
GS_API const char *gs_sched_ordering(const gs_sched *sched);

/**
 * @brief The name of the scheduler's placement policy.
 * @param sched The scheduler.
 * @return The name as configured (owned by the scheduler), or NULL.
 */
GS_API const char *gs_sched_placement(const gs_sched *sched);

/**
 * @brief The name of the scheduler's fair-share algorithm.
 * @param sched The scheduler.
 * @return The name (owned by the algorithm's table), or NULL.
 */
GS_API const char *gs_sched_fairshare(const gs_sched *sched);

/**
 * @brief Change the fair-share algorithm (a registered name).
 * @param sched The scheduler.
 * @param name "fair-tree", "classic", or one registered with
 *        gs_fairshare_register().
 * @return ::GS_OK, ::GS_EINVAL, ::GS_ENOTFOUND.
 */
GS_API gs_status gs_sched_set_fairshare(gs_sched *sched, const char *name);

/**
 * @brief The host's own factor for a job (Slurm's site factor): added to
 *        the multifactor priority as it is, and shown to every ordering
 *        policy as gs_order_job::site_factor.
 * @param sched The scheduler.
 * @param job A pending or running job.
 * @param factor From -::GS_SITE_FACTOR_MAX to ::GS_SITE_FACTOR_MAX.
 * @return ::GS_OK, ::GS_ENOTFOUND, ::GS_ESTATE (the job ended),
 *         ::GS_EINVAL (NaN), ::GS_ERANGE (larger, or infinite).
 */
GS_API gs_status gs_sched_set_job_factor(gs_sched *sched, uint64_t job,
                                         double factor);

/** The largest site factor (either sign) gs_sched_set_job_factor()
 *  takes. */
#define GS_SITE_FACTOR_MAX 1e15

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
    /** GPUs on the node (0 for a CPU-only job). */
    uint32_t gpus;
    /** CPUs on the node. */
    uint32_t cpus;
    /** Host memory on the node, bytes. */
    uint64_t memory;
} gs_alloc_node;

/** Initializer for a ::gs_alloc_node to be filled by
 *  gs_sched_alloc_node(). */
#define GS_ALLOC_NODE_INIT { sizeof(gs_alloc_node), 0, 0, 0, 0 }

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
 * @brief The value of `CUDA_VISIBLE_DEVICES` for a job's GPUs on the k-th
 *        node of its allocation: indices in increasing order ("0,1,4,5"),
 *        or UUIDs. (Before 0.1 the third argument was the node's index;
 *        every allocation call now names a node by its position k.)
 * @param sched The scheduler.
 * @param job The job's id.
 * @param k Index below gs_sched_alloc_node_count().
 * @param flags 0 or ::GS_CVD_UUIDS.
 * @param[out] buf Receives the text.
 * @param cap Size of @p buf.
 * @param[out] len Receives its length (may be NULL).
 * @return ::GS_OK, ::GS_ENOSPC (len set; the message says how much),
 *         ::GS_ENOTFOUND (no such job), ::GS_EINVAL (bad position or
 *         flags; the message says which).
 */
GS_API gs_status gs_sched_cuda_visible_devices(const gs_sched *sched,
                                               uint64_t job, uint32_t k,
                                               unsigned flags, char *buf,
                                               size_t cap, size_t *len);

/** The most GPUs on one node of an allocation (GPU masks are 64 bits). */
#define GS_ALLOC_MAX_GPUS 64

/** @brief Everything about one node of a job's allocation, in one call
 *         (gs_sched_alloc_entry()). Texts and the CPU list point into the
 *         caller's buffer; the node name into the topology. */
typedef struct gs_alloc_entry {
    /** sizeof(gs_alloc_entry) as the caller knows it. */
    uint32_t struct_size;
    /** The node's index. */
    uint32_t node;
    /** The node's name (the topology's string). */
    const char *node_name;
    /** GPUs on the node (0 for a CPU-only job, whose entry gives its
     *  CPUs and memory). */
    uint32_t n_gpus;
    /** Their indices on the node, increasing. */
    uint32_t gpus[GS_ALLOC_MAX_GPUS];
    /** Their cluster-wide ids, in the same order. */
    uint32_t gpu_ids[GS_ALLOC_MAX_GPUS];
    /** CPUs it holds on the node (0 when the node's CPUs are not
     *  accounted). */
    uint32_t n_cpus;
    /** Their numbers (the machine's CPU ids), increasing: @ref n_cpus of
     *  them, in the buffer. */
    const uint32_t *cpus;
    /** Host memory on the node, bytes. */
    uint64_t memory;
    /** `CUDA_VISIBLE_DEVICES` by index ("0,1,4,5"), in the buffer. */
    const char *cuda_visible_devices;
    /** `CUDA_VISIBLE_DEVICES` by UUID (GPUs without one by index). */
    const char *cuda_visible_uuids;
    /** The CPUs as a cpulist ("0-15,32-47"; "" for none). */
    const char *cpulist;
    /** Bytes of buffer the texts and the CPU numbers need (set also when
     *  the buffer was too small). */
    size_t buf_needed;
    /** The job's share of each GPU, milli-GPU (1000: whole GPUs). */
    uint32_t gpu_milli;
    /** For a shared job, `CUDA_MPS_ACTIVE_THREAD_PERCENTAGE`: its share
     *  in percent, rounded up (0 for whole GPUs). */
    uint32_t mps_thread_percentage;
    /** For a shared job with device memory, the value of
     *  `CUDA_MPS_PINNED_DEVICE_MEM_LIMIT` ("0=2048M,1=2048M": per visible
     *  device, MiB rounded down); "" otherwise. In the buffer. */
    const char *mps_mem_limit;
    /** For a MIG job, its profile's name on this node's GPUs ("3g.40gb");
     *  NULL otherwise. The job holds one instance on each of @ref gpus;
     *  @ref cuda_visible_devices and @ref cuda_visible_uuids then list the
     *  instances' UUIDs ("MIG-..."), or are "" while one is unknown. */
    const char *mig_profile;
    /** For a MIG job, each instance's first memory slot on its GPU (the
     *  placement `nvidia-smi mig -cgi PROFILE:START -C` creates on a GPU
     *  in dynamic mode), in the order of @ref gpus. */
    uint32_t mig_starts[GS_ALLOC_MAX_GPUS];
    /** For a MIG job, each instance's number in its GPU's fixed layout
     *  (gs_topo_gpu_mig()), or ::GS_NONE for an instance made for the job
     *  (dynamic mode), in the order of @ref gpus. */
    uint32_t mig_instances[GS_ALLOC_MAX_GPUS];
} gs_alloc_entry;

/**
 * @brief Initialize a ::gs_alloc_entry (for bindings).
 * @param[out] entry The struct to initialize.
 */
GS_API void gs_alloc_entry_init(gs_alloc_entry *entry);

/**
 * @brief One node of a job's allocation in one call: node index and name,
 *        GPU indices and ids, `CUDA_VISIBLE_DEVICES` (indices and UUIDs),
 *        the CPUs as a cpulist and as numbers, memory.
 *
 * @code
 * char buf[4096];
 * for (uint32_t k = 0; k < gs_sched_alloc_node_count(s, job); k++) {
 *     gs_alloc_entry e;
 *     gs_alloc_entry_init(&e);
 *     if (gs_sched_alloc_entry(s, job, k, &e, buf, sizeof buf) == GS_OK)
 *         printf("%s: CUDA_VISIBLE_DEVICES=%s cpus %s\n", e.node_name,
 *                e.cuda_visible_devices, e.cpulist);
 * }
 * @endcode
 * @param sched The scheduler.
 * @param job The job's id.
 * @param k Index below gs_sched_alloc_node_count().
 * @param[in,out] out Its struct_size must be set; the rest is filled.
 * @param buf Room for the texts and CPU numbers.
 * @param cap Size of @p buf (out->buf_needed says how much is enough).
 * @return ::GS_OK, ::GS_ENOSPC (only buf_needed set), ::GS_ENOTFOUND (no
 *         such job), ::GS_EINVAL (bad position, struct_size or buffer;
 *         the message says which), ::GS_ENOMEM.
 */
GS_API gs_status gs_sched_alloc_entry(const gs_sched *sched, uint64_t job,
                                      uint32_t k, gs_alloc_entry *out,
                                      char *buf, size_t cap);

/**
 * @brief Record the UUID of a MIG instance the host made for a job (a GPU
 *        in dynamic MIG mode), so that `CUDA_VISIBLE_DEVICES` can name it.
 *
 * After the job starts, the host creates its instance on each GPU at the
 * start gs_sched_alloc_entry() gives (::gs_alloc_entry::mig_starts) and
 * passes the UUID the driver gives it ("MIG-..."); the UUID is forgotten
 * when the job ends. Instances of a fixed layout take their UUIDs from the
 * topology (gs_topo_set_mig_uuids()) and need no call.
 *
 * @param sched The scheduler.
 * @param job A running MIG job.
 * @param gpu A cluster-wide id of one of its GPUs.
 * @param uuid "MIG-" followed by 1 to 123 letters, digits, '-', '/', '.'.
 * @return ::GS_OK; ::GS_ENOTFOUND (no such job); ::GS_EINVAL (not a
 *         running MIG job, not one of its GPUs, a malformed UUID, or the
 *         UUID of another instance); nothing changes on failure.
 */
GS_API gs_status gs_sched_set_mig_uuid(gs_sched *sched, uint64_t job,
                                       uint32_t gpu, const char *uuid);

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
 *        in the queue.
 * @param sched The scheduler.
 * @param gpu Cluster-wide GPU id.
 * @param now The caller's time.
 * @param[out] job Receives the failed job's id, or 0 (may be NULL).
 * @return ::GS_OK, ::GS_EINVAL or ::GS_ERANGE (@p now out of range).
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
