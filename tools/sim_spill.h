/*
 * Bounded memory for the simulator (gpusched sim): what a replay must keep
 * of every job until the end (the output's rows in submission order, the
 * values whose percentiles the summary reports, the trace's order) goes
 * through a sorter of fixed-size records and a store of text that hold up
 * to a memory budget and spill the rest to temporary files. A replay's
 * memory then follows the jobs in the system, not the trace's length.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GPUSCHED_SIM_SPILL_H
#define GPUSCHED_SIM_SPILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The least budget a sorter or store takes (smaller ones are raised). */
#define SIM_SPILL_MIN 4096

/* A temporary file, removed when closed (in $TMPDIR, else /tmp), or NULL
 * with errno set. */
FILE *sim_tmpfile(void);
/* Where: $TMPDIR, else /tmp. */
const char *sim_tmpdir(void);
/* A string's 64-bit hash (the trace's ids, the accounts' names). */
uint64_t sim_hash(const char *s);

/* ---- a sorter of fixed-size records --------------------------------------- */

typedef int (*sim_cmp_fn)(const void *a, const void *b);

typedef struct sim_run sim_run;

typedef struct sim_sorter {
    size_t rec;        /* bytes per record */
    size_t cap;        /* records the buffer holds */
    sim_cmp_fn cmp;    /* a total order (ties would make the order vary) */
    unsigned char *buf;
    size_t n;          /* records in the buffer */
    size_t buf_cap;    /* records it has room for (grows up to cap) */
    size_t budget;
    FILE *f;           /* the sorted runs, one after another; NULL while
                          every record fits in the buffer */
    sim_run *runs;
    size_t nruns, runs_cap;
    size_t *heap;      /* merging: the runs left, least head first */
    size_t nheap;
    size_t pos;        /* reading: the next record of the buffer */
} sim_sorter;

/* A sorter of records of rec bytes, ordered by cmp, holding at most about
 * budget bytes in memory. 0, or -1 (out of memory). */
int sim_sorter_init(sim_sorter *s, size_t rec, sim_cmp_fn cmp, size_t budget);
/* Add a record (before sim_sorter_sort). 0, or -1 with errno set (out of
 * memory, or a temporary file that cannot be written). */
int sim_sorter_add(sim_sorter *s, const void *rec);
/* Done adding: sort. 0, or -1 with errno set. */
int sim_sorter_sort(sim_sorter *s);
/* The next record in order into rec: 1, 0 when there are no more, -1
 * with errno set (a temporary file that cannot be read). */
int sim_sorter_next(sim_sorter *s, void *rec);
void sim_sorter_free(sim_sorter *s);

/* ---- a store of text ---------------------------------------------------- */

/* Text appended piece by piece (in memory until it holds budget bytes,
 * then in a temporary file), read back by where each piece begins. */
typedef struct sim_store {
    char *mem;       /* in memory: the text */
    size_t len, cap;
    FILE *f;         /* spilled: the file, NULL before */
    uint64_t size;   /* bytes stored */
    size_t budget;
    char *win;       /* spilled: a window of the file read back */
    uint64_t win_at;
    size_t win_len, win_cap;
} sim_store;

void sim_store_init(sim_store *st, size_t budget);
/* Append len bytes; where they begin into *at. 0, or -1 with errno set
 * (memory, a temporary file). */
int sim_store_add(sim_store *st, const char *p, size_t len, uint64_t *at);
/* The len bytes from at (valid until the next call), or NULL with errno
 * set. Reading forward from near the last piece read is cheap. */
const char *sim_store_get(sim_store *st, uint64_t at, size_t len);
void sim_store_free(sim_store *st);

#endif
