/*
 * Helpers shared by the unit tests.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_TEST_SUPPORT_H
#define GS_TEST_SUPPORT_H

#include <gpusched/gpusched.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* ---- counting allocator ------------------------------------------------ */

typedef struct test_alloc_stats {
    long allocs;        /* successful malloc/realloc calls */
    long live_blocks;
    size_t live_bytes, peak_bytes;
} test_alloc_stats;

/* Install the counting allocator (call first in main). */
void test_alloc_install(void);
/* Make the n-th allocation from now fail (1 = the next); 0 disables. */
void test_alloc_fail_at(long n);
/* True if an allocation was made to fail since the last fail_at. */
bool test_alloc_failed(void);
test_alloc_stats test_alloc_stats_get(void);
void test_alloc_reset_peak(void);

/* Run op() with allocation number 1, 2, 3... failing in turn until it
 * succeeds with no failure injected; each failing run must return
 * GS_ENOMEM (or an error status that the op accepts) and leak nothing.
 * Returns the number of allocations the op made. */
typedef gs_status (*test_op)(void *ctx);
long test_each_allocation_fails(test_op op, void *ctx);

/* ---- topologies -------------------------------------------------------- */

/* Load (and freeze) a topology from JSON text; fails the test on error. */
gs_topo *test_topo_json(const char *json);
/* Load expecting failure; returns the status and copies the message. */
gs_status test_topo_json_error(const char *json, char *msg, size_t cap);

/* Load a topology from text (with options, may be NULL) and save it as
 * JSON: the operation the out-of-memory sweeps run. */
gs_status test_load_and_save(const char *text, const char *name,
                             const gs_load_options *opts);

/* Node node has n NUMA domains whose OS ids are want[0..n) (fails the
 * test naming the first that differs). */
void test_assert_numa_os_ids(const gs_topo *t, uint32_t node, uint32_t n,
                             const uint32_t *want);

/* ---- commands ---------------------------------------------------------- */

/* Run a shell command; capture at most cap - 1 bytes of its standard
 * output into out (NUL-terminated). Returns its exit status, or -1 when it
 * did not exit normally. */
int test_run_command(const char *cmd, char *out, size_t cap);

/* ---- text --------------------------------------------------------------- */

/* Text built from printf pieces (inputs of any size); free(t.s) after. */
typedef struct test_text {
    char *s;
    size_t len, cap;
} test_text;
void test_printf(test_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A step of a 64-bit linear congruential generator (Knuth's MMIX
 * constants) from *state: a number below n (n > 0). */
uint32_t test_rnd(uint64_t *state, uint32_t n);

/* ---- two schedulers in lockstep ---------------------------------------- */

/* Fail, naming the seed, the time and sides[0] / sides[1], unless
 * schedulers a and b queued the same events (kind, job, time) and hold
 * each job of ids alike: both forgotten, or the same state, reason,
 * reason text, start, end, expected start and hold, a running CPU-only
 * job on the same node and CPUs; and every GPU of the n_gpus with the same
 * job. */
void test_same_schedulers(gs_sched *a, gs_sched *b, const uint64_t *ids,
                          size_t n, uint32_t n_gpus,
                          const char *const sides[2], unsigned seed,
                          int64_t now);

/* ---- files ------------------------------------------------------------- */

/* Read a file into a malloc'd NUL-terminated string (NULL if missing). */
char *test_read_file(const char *path, size_t *len);
/* Call fn(path, user) for each file of a directory (names starting with
 * '.' and README files skipped), in name order so that failures repeat;
 * returns how many, or -1 when the directory cannot be read. */
typedef void (*test_file_fn)(const char *path, void *user);
int test_for_each_file(const char *dir, test_file_fn fn, void *user);

/* Path of a file in tests/data (static buffer). */
const char *test_data(const char *name);
/* Path of a file in ../shared/data, or NULL when that directory is absent. */
const char *test_shared_data(const char *name);

/* ---- nvidia-smi matrices, parsed independently of the library ---------- */

/* Parse the GPU cells of `nvidia-smi topo -m` text: cells[i*n+j] gets the
 * token ("X", "NV2", "SYS"...). Returns n, or -1. */
int test_parse_smi_cells(const char *text, char cells[][8], int max_n);

#endif
