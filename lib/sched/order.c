/*
 * The order stage: the pending jobs sorted by the values the refresh stage
 * computed (or by the policy's compare function).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/order.h"
#include "sched/jobview.h"

#include <string.h>

/* Room for the records of n pending jobs, twice (the merge sort's
 * buffer); made at submission, so that sorting allocates nothing. */
gs_status gs_order_reserve(gs_sched *s, size_t n)
{
    if (n <= s->cap_order)
        return GS_OK;
    size_t cap = GS_MAX(n, s->cap_order * 2);
    order_rec *b = gs_realloc(s->order_buf, 2 * cap * sizeof *b);
    if (!b)
        return GS_ENOMEM;
    s->order_buf = b;
    s->cap_order = cap;
    return GS_OK;
}

/* The end of the non-decreasing run of v that starts at lo. */
static size_t run_end(const order_rec *v, size_t lo, size_t n)
{
    size_t i = lo + 1;
    while (i < n && gs_order_le(&v[i - 1], &v[i]))
        i++;
    return i;
}

/* Natural merge sort of v[0..n) using tmp[0..n); returns where the sorted
 * records are. The queue a step sorts is mostly last step's order (values
 * move together as jobs age) with new jobs appended: it is a few runs, so
 * merging runs as they come takes log2(runs) passes, not log2(n). A
 * queue already in order costs one scan. */
static order_rec *merge_sort(order_rec *v, order_rec *tmp, size_t n,
                             bool *in_order)
{
    *in_order = run_end(v, 0, n) >= n;
    if (*in_order)
        return v;
    order_rec *src = v, *dst = tmp;
    for (;;) {
        size_t runs = 0;
        for (size_t lo = 0; lo < n;) {
            size_t mid = run_end(src, lo, n);
            size_t hi = mid < n ? run_end(src, mid, n) : n;
            size_t a = lo, b = mid, k = lo;
            while (a < mid && b < hi)
                dst[k++] = gs_order_le(&src[a], &src[b]) ? src[a++] : src[b++];
            while (a < mid)
                dst[k++] = src[a++];
            while (b < hi)
                dst[k++] = src[b++];
            runs++;
            lo = hi;
        }
        order_rec *t = src;
        src = dst;
        dst = t;
        if (runs == 1)
            return src;
    }
}

/* The policy's compare(), then submission time, then id. */
typedef struct cmp_ctx {
    const gs_sched *s;
    int64_t now;
} cmp_ctx;

static int cmp_jobs(const void *arg, uint32_t a, uint32_t b)
{
    const cmp_ctx *c = arg;
    const gs_sched *s = c->s;
    const job_rec *x = &s->jobs[a], *y = &s->jobs[b];
    if (x->tier != y->tier)
        return x->tier > y->tier ? -1 : 1;
    gs_order_job vx, vy;
    gs_view_job(s, x, c->now, &vx);
    gs_view_job(s, y, c->now, &vy);
    int r = s->ordering->compare(s->ordering_state, &vx, &vy);
    if (r)
        return r < 0 ? -1 : 1;
    if ((s->ordering->flags & GS_ORDERING_TIES_BY_PRIORITY) &&
        x->priority != y->priority)
        return x->priority > y->priority ? -1 : 1;
    if (x->submit_time != y->submit_time)
        return x->submit_time < y->submit_time ? -1 : 1;
    return a < b ? -1 : a > b;
}

void gs_order_rank(gs_sched *s, int64_t now)
{
    size_t n = s->n_pending;
    if (n < 2 || n > s->cap_order)
        return;
    if (s->ordering->compare) {
        /* a heap sort of the indices: allocation-free; ties broken by
         * submission and id, so the order is total */
        cmp_ctx c = {s, now};
        gs_sort_idx(s->pending, n, cmp_jobs, &c);
        return;
    }
    /* the records the refresh stage wrote, in the pending list's order */
    order_rec *v = s->order_buf, *tmp = s->order_buf + s->cap_order;
    bool in_order;
    const order_rec *out = merge_sort(v, tmp, n, &in_order);
    if (in_order)
        return; /* the pending list already is in this order */
    for (size_t i = 0; i < n; i++)
        s->pending[i] = out[i].idx;
}

/* ---- selection: the first jobs in rank order, without sorting the rest - */

static void sift_down(order_rec *h, size_t n, size_t i)
{
    order_rec v = h[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && gs_order_le(&h[c + 1], &h[c]))
            c++;
        if (gs_order_le(&v, &h[c]))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = v;
}

void gs_order_heapify(order_rec *h, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(h, n, i);
}

uint32_t gs_order_pop(order_rec *h, size_t *n)
{
    uint32_t idx = h[0].idx;
    h[0] = h[--*n];
    if (*n > 1)
        sift_down(h, *n, 0);
    return idx;
}
