/*
 * Durable state: the snapshot codec and the journal (lib/durable/), the
 * layer above the scheduler. SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_DURABLE_H
#define GS_DURABLE_H

#include <gpusched/state.h>

#include "sched/sched_impl.h"

struct gs_wbuf;
typedef struct gs_journal gs_journal;

/* The snapshot of s (snapshot.c). */
gs_status gs_snapshot_encode(gs_sched *s, struct gs_wbuf *out);
/* Check a snapshot's header, length and checksum; its format in *format. */
gs_status gs_snapshot_check_header(const uint8_t *p, size_t n,
                                   const char *name, gs_err *err,
                                   uint32_t *format);
/* Write a file atomically: a temporary file beside it, fsync, rename,
 * fsync of the directory. */
gs_status gs_write_file_atomic(const char *path, const void *data, size_t n,
                               gs_err *err);
/* A reader's whole output, at most max bytes. */
gs_status gs_read_all(gs_read_fn read, void *ud, uint64_t max, uint8_t **data,
                      size_t *size, gs_err *err, const char *name);

#endif
