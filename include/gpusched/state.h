/*
 * gpusched - GPU-aware scheduling library.
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file state.h
 * @brief Durable state: snapshots of a scheduler and a journal of the calls
 *        that change it.
 *
 * A resource manager restarts; its scheduler should not forget what it
 * knew. gs_sched_save() writes the whole state of a scheduler (jobs in
 * every state with their requests and allocations, the queued events,
 * usage and its decay clock, drains and failed GPUs, limits, the
 * configuration, the id counter and the clock) in the versioned,
 * checksummed format of docs/formats.md; gs_sched_restore() makes a
 * scheduler from it that decides exactly as the saved one would have.
 *
 * Between snapshots, a journal records each call that changed the state,
 * so that a crash loses nothing that was acknowledged: gs_sched_open()
 * opens (or starts) the pair "snapshot + journal", gs_sched_checkpoint()
 * compacts it. What each fsync policy can lose is in docs/state.md.
 */
#ifndef GPUSCHED_STATE_H
#define GPUSCHED_STATE_H

#include <gpusched/core.h>
#include <gpusched/sched.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup state Durable state
 *  @brief Snapshots, restore, and the journal.
 *
 *  @code
 *  gs_store_config sc = GS_STORE_CONFIG_INIT;
 *  sc.path = "/var/lib/myrm/sched.gss";       // and sched.gss.journal
 *  gs_sched *s = NULL;
 *  if (gs_sched_open(&s, topo, &sc) != GS_OK) { ... gs_sched_errmsg(s) ... }
 *  gs_sched_submit(s, &spec, &id);             // acknowledged: journaled
 *  gs_sched_step(s, now, NULL);
 *  gs_sched_checkpoint(s);                     // now and then
 *  @endcode
 *  @{ */

/** The snapshot format this library writes (docs/formats.md). It reads
 *  this one and every older one. */
#define GS_STATE_FORMAT 5

/** The largest snapshot gs_sched_restore() reads by default, bytes. */
#define GS_STATE_MAX_BYTES ((uint64_t)1 << 32)

/**
 * @brief Where a snapshot goes: called with consecutive pieces of it.
 * @param user_data The pointer given with the writer.
 * @param data The bytes.
 * @param size How many.
 * @return ::GS_OK, or an error that stops the save (returned by it).
 */
typedef gs_status (*gs_write_fn)(void *user_data, const void *data,
                                 size_t size);

/**
 * @brief Where a snapshot comes from: fill up to @p cap bytes.
 * @param user_data The pointer given with the reader.
 * @param buf Receives the bytes.
 * @param cap Its size.
 * @param[out] got Bytes read; 0 at the end.
 * @return ::GS_OK, or an error that stops the restore (returned by it).
 */
typedef gs_status (*gs_read_fn)(void *user_data, void *buf, size_t cap,
                                size_t *got);

/**
 * @brief Write the scheduler's whole state through @p write. The
 *        scheduler is not changed. The output depends only on the state:
 *        two schedulers in the same state write the same bytes.
 *
 * Host ordering and placement policies are saved by name and options
 * (their own state is not: they are started again on restore);
 * the forget hook is not saved.
 * @param sched The scheduler.
 * @param write The writer.
 * @param user_data Passed to it.
 * @return ::GS_OK, ::GS_EINVAL, ::GS_ENOMEM, or the writer's error.
 */
GS_API gs_status gs_sched_save(gs_sched *sched, gs_write_fn write,
                               void *user_data);

/**
 * @brief Write a snapshot to a file atomically: a temporary file in the
 *        same directory, fsync, rename over @p path, fsync of the
 *        directory. A crash leaves the old file or the new one, whole.
 * @param sched The scheduler.
 * @param path The file.
 * @return ::GS_OK, ::GS_EINVAL, ::GS_EIO (with the system's reason),
 *         ::GS_ENOMEM.
 */
GS_API gs_status gs_sched_save_file(gs_sched *sched, const char *path);

/** @brief Options of gs_sched_restore(). */
typedef struct gs_restore_options {
    /** sizeof(gs_restore_options) as the caller knows it. */
    uint32_t struct_size;
    /** An account tree (borrowed, as in ::gs_sched_config) to load the
     *  saved accounts and usage into; NULL: the scheduler gets its own
     *  tree, rebuilt from the snapshot. A given tree must hold every saved
     *  account and user, or the restore fails naming the first missing. */
    gs_share *share;
    /** The largest input read, bytes (0: ::GS_STATE_MAX_BYTES). */
    uint64_t max_bytes;
    /** Name for error messages (NULL: "<snapshot>"). */
    const char *name;
} gs_restore_options;

/** Static initializer for ::gs_restore_options. */
#define GS_RESTORE_OPTIONS_INIT { sizeof(gs_restore_options), NULL, 0, NULL }

/**
 * @brief Initialize a ::gs_restore_options with the defaults.
 * @param[out] opt The struct to initialize.
 */
GS_API void gs_restore_options_init(gs_restore_options *opt);

/**
 * @brief Make a scheduler from a snapshot, on a topology that must match
 *        the saved one (same nodes in the same order with the same
 *        names, GPU counts and models; otherwise ::GS_EINVALID naming the
 *        first difference).
 *
 * Like gs_sched_create(), the handle is returned even on failure when
 * memory allowed, so that gs_sched_errmsg() can say why (damaged input:
 * ::GS_EPARSE with the byte offset; a newer format: ::GS_EUNSUPPORTED).
 * Ordering, fair-share and placement policies are looked up by their
 * saved names (host policies must be registered first).
 * Without a topology (@p topo NULL) the scheduler runs on one made from
 * the snapshot, which the scheduler owns: the saved nodes with their
 * names, GPU models, CPUs and memory, but no links or NUMA layout. That is
 * for looking at a snapshot (`gpusched state show`); decisions made on it
 * ignore NVLink.
 * @param[out] out Receives the handle.
 * @param topo A frozen topology, or NULL (see above).
 * @param opt Options, or NULL.
 * @param read The reader.
 * @param user_data Passed to it.
 * @return ::GS_OK, ::GS_EPARSE, ::GS_EUNSUPPORTED, ::GS_EINVALID,
 *         ::GS_ENOTFOUND (a policy not registered), ::GS_ERANGE (input
 *         larger than max_bytes), ::GS_ENOMEM, ::GS_EINVAL, or the
 *         reader's error.
 */
GS_API gs_status gs_sched_restore(gs_sched **out, const gs_topo *topo,
                                  const gs_restore_options *opt,
                                  gs_read_fn read, void *user_data);

/**
 * @brief gs_sched_restore() from bytes in memory.
 * @param[out] out Receives the handle.
 * @param topo A frozen topology.
 * @param opt Options, or NULL.
 * @param data The snapshot.
 * @param size Its length.
 * @return As gs_sched_restore().
 */
GS_API gs_status gs_sched_restore_buffer(gs_sched **out, const gs_topo *topo,
                                         const gs_restore_options *opt,
                                         const void *data, size_t size);

/**
 * @brief gs_sched_restore() from a file (its name goes in messages).
 * @param[out] out Receives the handle.
 * @param topo A frozen topology.
 * @param opt Options, or NULL.
 * @param path The file.
 * @return As gs_sched_restore(); ::GS_EIO when the file cannot be read.
 */
GS_API gs_status gs_sched_restore_file(gs_sched **out, const gs_topo *topo,
                                       const gs_restore_options *opt,
                                       const char *path);

/** @brief When the journal is flushed to the disk (fsync). Every record
 *         is written to the file (write(2)) before the call returns, so a
 *         killed process loses nothing under any policy; the policy says
 *         what a machine crash or power loss may lose (docs/state.md). */
typedef enum gs_sync_policy {
    GS_SYNC_ALWAYS = 0,  /**< fsync after every recorded call: nothing
                              acknowledged is lost. */
    GS_SYNC_EVERY_N = 1, /**< fsync every sync_every calls (and at
                              gs_sched_sync()): up to that many calls
                              lost. */
    GS_SYNC_NEVER = 2    /**< Only at checkpoints and gs_sched_sync(): what
                              the system had not written back is lost. */
} gs_sync_policy;

/**
 * @brief Told of what recovery had to drop (a torn last record).
 * @param user_data The pointer given with it.
 * @param message What happened, with the file and byte offset.
 */
typedef void (*gs_warn_fn)(void *user_data, const char *message);

/** @brief Where a durable scheduler lives (gs_sched_open()). */
typedef struct gs_store_config {
    /** sizeof(gs_store_config) as the caller knows it. */
    uint32_t struct_size;
    /** The snapshot file; the journal is this path + ".journal". */
    const char *path;
    /** The fsync policy. */
    gs_sync_policy sync;
    /** For ::GS_SYNC_EVERY_N: calls between fsyncs (0: 64). */
    uint32_t sync_every;
    /** Configuration of a scheduler made new (no snapshot yet); NULL: the
     *  defaults. Ignored when a snapshot exists (it has its own). */
    const gs_sched_config *sched;
    /** A borrowed account tree, as in ::gs_restore_options. */
    gs_share *share;
    /** Told of a dropped torn record (may be NULL). */
    gs_warn_fn warn;
    /** Passed to warn. */
    void *warn_data;
} gs_store_config;

/** Static initializer for ::gs_store_config. */
#define GS_STORE_CONFIG_INIT                                                \
    { sizeof(gs_store_config), NULL, GS_SYNC_ALWAYS, 0, NULL, NULL, NULL,  \
      NULL }

/**
 * @brief Initialize a ::gs_store_config with the defaults (no path,
 *        ::GS_SYNC_ALWAYS).
 * @param[out] cfg The struct to initialize.
 */
GS_API void gs_store_config_init(gs_store_config *cfg);

/**
 * @brief Open a durable scheduler: restore the snapshot at cfg->path (or
 *        create a new scheduler when there is none), replay the journal's
 *        records that came after it, and record every later call that
 *        changes the state.
 *
 * A torn last record (a crash in the middle of writing it) is dropped and
 * reported through cfg->warn; a damaged record with others after it is
 * ::GS_EPARSE naming its offset, and nothing is opened. A scheduler opened
 * this way writes each state-changing call (submit, step, the ends of
 * jobs, drains, failures, limits, settings, consuming events) to the
 * journal before returning; when that write fails the call returns
 * ::GS_EIO and the scheduler refuses further changes (::GS_EIO) until a
 * gs_sched_checkpoint() succeeds. Changes made to the account tree
 * directly (gs_share_*) are not journaled: they are saved by the next
 * checkpoint.
 * @param[out] out Receives the handle (on failure too, when memory
 *        allowed, for gs_sched_errmsg()).
 * @param topo A frozen topology (checked against the snapshot's).
 * @param cfg Where and how.
 * @return ::GS_OK, ::GS_EIO, ::GS_EPARSE, ::GS_EUNSUPPORTED,
 *         ::GS_EINVALID, ::GS_ENOMEM, ::GS_EINVAL, or what gs_sched_create()
 *         returns.
 */
GS_API gs_status gs_sched_open(gs_sched **out, const gs_topo *topo,
                               const gs_store_config *cfg);

/**
 * @brief Compact: write a new snapshot atomically, then empty the journal.
 *        A crash at any point leaves a pair that opens to the same state.
 * @param sched A scheduler from gs_sched_open().
 * @return ::GS_OK, ::GS_EINVAL (not opened with gs_sched_open()),
 *         ::GS_EIO, ::GS_ENOMEM.
 */
GS_API gs_status gs_sched_checkpoint(gs_sched *sched);

/**
 * @brief fsync the journal now (whatever the policy).
 * @param sched A scheduler from gs_sched_open().
 * @return ::GS_OK, ::GS_EINVAL, ::GS_EIO.
 */
GS_API gs_status gs_sched_sync(gs_sched *sched);

/**
 * @brief How many state-changing calls the scheduler has taken since it
 *        was first created (restores and replays included): the sequence
 *        number of the last journal record.
 * @param sched The scheduler.
 * @return The count (0 for NULL).
 */
GS_API uint64_t gs_sched_journal_seq(const gs_sched *sched);

/**
 * @brief Write the accounting records of every job held that started: CSV
 *        with a header, `job,name,user,account,partition,state,submit,
 *        start,end,gpus,model,gpu_seconds,cpu_seconds`, one line per GPU
 *        model a job held (GPU-seconds = seconds run x its GPUs of that
 *        model; CPU-seconds on its first line). A running job's end is the
 *        scheduler's clock. Jobs are forgotten after their retention
 *        (gs_sched_set_retention): a host that keeps every record writes
 *        it from the forget hook (gs_sched_job_accounting()). Format:
 *        docs/formats.md.
 * @param sched The scheduler.
 * @param write Called with the text in pieces.
 * @param user_data Passed to @p write.
 * @return ::GS_OK, ::GS_EINVAL, ::GS_ENOMEM, or the writer's status.
 */
GS_API gs_status gs_sched_export_accounting(const gs_sched *sched,
                                            gs_write_fn write,
                                            void *user_data);

/**
 * @brief The accounting lines of one job (no header; "" for a job that
 *        never started), as gs_sched_export_accounting() writes them.
 * @param sched The scheduler.
 * @param job The job's id.
 * @param[out] buf Receives the text.
 * @param cap Size of @p buf.
 * @param[out] len Receives its length (may be NULL).
 * @return ::GS_OK, ::GS_ENOSPC (len set), ::GS_ENOTFOUND, ::GS_EINVAL,
 *         ::GS_ENOMEM.
 */
GS_API gs_status gs_sched_job_accounting(const gs_sched *sched, uint64_t job,
                                         char *buf, size_t cap, size_t *len);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* GPUSCHED_STATE_H */
