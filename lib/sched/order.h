/*
 * The order stage (order.c): the pending jobs sorted by the ordering's
 * values (refresh stage) or its compare function.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_SCHED_ORDER_H
#define GS_SCHED_ORDER_H

#include "sched/sched_impl.h"

void gs_order_rank(gs_sched *s, int64_t now);
/* Room to sort n pending jobs (called at submission). */
gs_status gs_order_reserve(gs_sched *s, size_t n);

#endif
