/*
 * Small helpers for the benchmarks: a monotonic clock, medians and a
 * counting allocator for memory figures.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_BENCH_UTIL_H
#define GS_BENCH_UTIL_H

#include <gpusched/gpusched.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static inline double bench_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Counting allocator: live and peak bytes. */
typedef struct bench_hdr {
    size_t size, pad;
} bench_hdr;
static size_t bench_live, bench_peak;
static void *bench_malloc(void *u, size_t n)
{
    (void)u;
    bench_hdr *h = malloc(sizeof *h + n);
    if (!h)
        return NULL;
    h->size = n;
    bench_live += n;
    if (bench_live > bench_peak)
        bench_peak = bench_live;
    return h + 1;
}
static void *bench_realloc(void *u, void *p, size_t n)
{
    (void)u;
    bench_hdr *o = (bench_hdr *)p - 1;
    size_t old = o->size;
    bench_hdr *h = realloc(o, sizeof *h + n);
    if (!h)
        return NULL;
    h->size = n;
    bench_live = bench_live - old + n;
    if (bench_live > bench_peak)
        bench_peak = bench_live;
    return h + 1;
}
static void bench_free(void *u, void *p)
{
    (void)u;
    if (!p)
        return;
    bench_hdr *h = (bench_hdr *)p - 1;
    bench_live -= h->size;
    free(h);
}
static inline void bench_install_allocator(void)
{
    gs_allocator a = {bench_malloc, bench_realloc, bench_free, NULL};
    if (gs_set_allocator(&a) != GS_OK) {
        fprintf(stderr, "cannot install the counting allocator\n");
        exit(1);
    }
}

#endif
