/*
 * The order stage (order.c): the pending jobs sorted by the ordering's
 * values (refresh stage) or its compare function.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_SCHED_ORDER_H
#define GS_SCHED_ORDER_H

#include "sched/sched_impl.h"

#include <string.h>

/* The order stage's keys (all ascending): a signed time or priority as an
 * unsigned key. */
static inline uint64_t gs_key_i64_asc(int64_t v)
{
    return (uint64_t)v ^ (1ull << 63);
}

/* Larger doubles first; -0.0 and 0.0 alike; NaN (a policy's answer)
 * after everything, -infinity included. */
static inline uint64_t gs_key_double_desc(double d)
{
    if (d != d)
        return UINT64_MAX;
    if (d == 0)
        d = 0;
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    u = (u & (1ull << 63)) ? ~u : u | (1ull << 63); /* ascending */
    return ~u;
}

/* A pending job's record: the partition tier (higher first), the value's
 * key k1, with GS_ORDERING_TIES_BY_PRIORITY the job's priority (k2), then
 * its submission time (k3) and slot. */
static inline void gs_order_put(order_rec *r, uint32_t idx, uint64_t k1,
                                const job_rec *j, bool by_prio)
{
    r->idx = idx;
    r->pad = UINT32_MAX - j->tier; /* higher partition tiers first */
    r->k1 = k1;
    r->k2 = by_prio ? ~gs_key_i64_asc(j->priority) : 0;
    r->k3 = gs_key_i64_asc(j->submit_time);
}

/* Does a rank before (or as) b? The order is total: slots differ. */
static inline bool gs_order_le(const order_rec *a, const order_rec *b)
{
    if (a->pad != b->pad)
        return a->pad < b->pad;
    if (a->k1 != b->k1)
        return a->k1 < b->k1;
    if (a->k2 != b->k2)
        return a->k2 < b->k2;
    if (a->k3 != b->k3)
        return a->k3 < b->k3;
    return a->idx <= b->idx;
}

void gs_order_rank(gs_sched *s, int64_t now);
/* The refresh stage's records as a heap whose top ranks first (O(n)), and
 * the slot of the job that ranks first, taken off it (O(log n)): a step
 * that needs only the first jobs in order (quiet.c) takes those. */
void gs_order_heapify(order_rec *h, size_t n);
uint32_t gs_order_pop(order_rec *h, size_t *n);
/* Room to sort n pending jobs (called at submission). */
gs_status gs_order_reserve(gs_sched *s, size_t n);

#endif
