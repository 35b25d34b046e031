/*
 * Durable state: the snapshot codec and the journal (lib/durable/), the
 * layer above the scheduler. SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_DURABLE_H
#define GS_DURABLE_H

#include <gpusched/state.h>

#include "sched/sched_impl.h"

typedef struct gs_journal gs_journal;

/* The snapshot format written, and the newest read (docs/formats.md): 4
 * adds the jobs' shares of their GPUs and the fragmentation measure's
 * job mix. GS_STATE_FORMAT in <gpusched/state.h> names it for callers. */
#define GS_SNAP_FORMAT GS_STATE_FORMAT

/* A handle that holds only an error message (what restore and open hand
 * back on failure, for gs_sched_errmsg), or NULL without memory. */
gs_sched *gs_durable_error_handle(const gs_err *err);
/* Write a file atomically: a temporary file beside it, fsync, rename,
 * fsync of the directory. */
gs_status gs_write_file_atomic(const char *path, const void *data, size_t n,
                               gs_err *err);
/* A reader's whole output, at most max bytes. */
gs_status gs_read_all(gs_read_fn read, void *ud, uint64_t max, uint8_t **data,
                      size_t *size, gs_err *err, const char *name);

#endif
