/*
 * Small helpers for the benchmarks: a monotonic clock, medians and a
 * counting allocator for memory figures.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_BENCH_UTIL_H
#define GS_BENCH_UTIL_H

#include <gpusched/gpusched.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Text built with printf pieces (inputs of any size for the readers). */
typedef struct bench_text {
    char *s;
    size_t len, cap;
} bench_text;

static void bench_printf(bench_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), unused));
static void bench_printf(bench_text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    if (t->len + (size_t)n + 1 > t->cap) {
        t->cap = (t->len + (size_t)n + 1) * 2;
        t->s = realloc(t->s, t->cap);
        if (!t->s)
            abort();
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

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
