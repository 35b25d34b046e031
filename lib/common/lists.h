/*
 * Text lists found in machine descriptions: Linux cpulists ("0-11,24-35")
 * and Slurm hostlist expressions ("gpu[001-128,200]").
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_LISTS_H
#define GS_LISTS_H

#include "common/util.h"

/* Largest CPU number accepted in a cpulist. */
#define GS_CPU_MAX 1048575u

/* CPUs are kept as sorted, disjoint, non-adjacent ranges: a socket of 112
 * hardware threads is two ranges, not 112 numbers. */
typedef struct gs_cpu_range {
    uint32_t lo, hi; /* inclusive */
} gs_cpu_range;

/* Parse a cpulist into canonical ranges (gs_malloc'd, caller frees; NULL
 * when empty). On error returns GS_EINVAL and sets *bad_at to the byte
 * offset of the offending character. */
gs_status gs_cpulist_parse(const char *s, size_t len, gs_cpu_range **ranges,
                           size_t *n_ranges, size_t *bad_at);
/* Append the cpulist of canonical ranges to b. */
void gs_cpulist_format(gs_buf *b, const gs_cpu_range *r, size_t n);
/* Number of CPUs in canonical ranges. */
size_t gs_cpu_ranges_count(const gs_cpu_range *r, size_t n);

/* Expand a hostlist expression. fn is called for each name in order with a
 * NUL-terminated name; it returns false to stop (the expansion then returns
 * GS_OK early only if fn asked to stop, see below). Errors: GS_EINVAL with
 * *bad_at set to the offending byte offset, *why to a static reason.
 * Expansion stops with GS_ERANGE when more than max_names names would be
 * produced. */
typedef bool (*gs_hostlist_fn)(void *ctx, const char *name, size_t len);
gs_status gs_hostlist_expand(const char *expr, size_t len, size_t max_names,
                             gs_hostlist_fn fn, void *ctx, size_t *bad_at,
                             const char **why);

/* Compress names[0..n) into a hostlist expression whose expansion gives the
 * same names in the same order. Appends to b. */
void gs_hostlist_compress(gs_buf *b, const char *const *names, size_t n);

#endif
