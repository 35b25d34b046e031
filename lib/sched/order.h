/*
 * Ordering, accounting and limits, shared by the scheduler and backfill.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_ORDER_H
#define GS_ORDER_H

#include "sched/sched_impl.h"

/* Usage: charge a running job up to now; the billing rate of a job. */
void gs_order_charge_job(gs_sched *s, job_rec *j, int64_t now);
double gs_order_rate(const gs_sched *s, const job_rec *j);
/* Priorities */
void gs_order_refresh_fairshare(gs_sched *s, int64_t now, bool force);
void gs_order_factors(gs_sched *s, job_rec *j, int64_t now, int64_t max_prio);
int64_t gs_order_max_prio(const gs_sched *s);
void gs_order_pending(gs_sched *s, int64_t now);
/* Room to sort n pending jobs (called at submission). */
gs_status gs_order_reserve(gs_sched *s, size_t n);
bool gs_order_outranks(const gs_sched *s, const job_rec *hi,
                       const job_rec *lo);
/* Limits */
gs_status gs_order_user_slot(gs_sched *s, const char *user, uint32_t *slot);
gs_status gs_order_grow_accounts(gs_sched *s);
void gs_order_count(gs_sched *s, const job_rec *j, int sign);
bool gs_order_over_limit(const gs_sched *s, const job_rec *j, char *why,
                         size_t cap);

/* Backfill and preemption (backfill.c) */
void gs_bf_begin(gs_sched *s);
/* Lift the reservation blocks backfill left in place (end of a step). */
void gs_bf_end(gs_sched *s);
/* Room for n reservations. */
gs_status gs_bf_grow(gs_sched *s, size_t n);
/* Could j fit on the free-GPU counts of the nodes now (an upper bound)? */
bool gs_sched_counts_fit(const gs_sched *s, const job_rec *j);
/* Hold back the GPUs of the reservations that overlap j running from now
 * for its time limit (kept until the window changes or the step ends). */
void gs_bf_window(gs_sched *s, const job_rec *j, int64_t now);
bool gs_bf_reserved_start(gs_sched *s, job_rec *j, int64_t now,
                          int64_t *when);
bool gs_bf_try_start(gs_sched *s, job_rec *j, int64_t now);
bool gs_bf_preempt(gs_sched *s, job_rec *j, int64_t now);

/* From sched.c: placing without starting, starting, ending. */
bool gs_sched_place_quiet(gs_sched *s, job_rec *j, uint32_t *out);
bool gs_sched_place_only(gs_sched *s, job_rec *j, uint32_t *out,
                         char *reason, size_t cap);
void gs_sched_start_job(gs_sched *s, job_rec *j, const uint32_t *gpus,
                        int64_t now);
void gs_sched_release_job(gs_sched *s, job_rec *j, int64_t now);
void gs_sched_emit(gs_sched *s, gs_event_kind kind, uint64_t job,
                   int64_t now);
void gs_sched_requeue(gs_sched *s, job_rec *j);

#endif
