/*
 * The refresh stage (refresh.c): usage charged and fair share recomputed
 * when the ordering reads factors, the ordering's refresh hook, and each
 * pending job's value under the ordering (job_rec.prio_value, f_*).
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_SCHED_REFRESH_H
#define GS_SCHED_REFRESH_H

#include "sched/sched_impl.h"

/* What a step refreshes before it looks at any job: the learned demand,
 * the fragmentation classes and (when the ordering reads factors) usage
 * and fair share. Once per step, before gs_refresh. */
void gs_refresh_books(gs_sched *s, int64_t now);
/* Each pending job's value (and factors) and its record for the order
 * stage; keep_max: the priority factor's scale as it is (a step that
 * started jobs before this pass computed it with them). */
void gs_refresh(gs_sched *s, int64_t now, bool keep_max);
/* The value key gs_refresh would give j at now (its prio_value and
 * factors set as gs_refresh sets them). */
uint64_t gs_refresh_key(gs_sched *s, job_rec *j, int64_t now);
/* The value gs_refresh would give j at now under the built-in multifactor
 * ordering, bit for bit, without writing anything (quiet steps compare
 * jobs they do not rank by it). */
double gs_refresh_peek(const gs_sched *s, const job_rec *j, int64_t now);
/* Recompute fair share when calc_period has passed (or when forced). */
void gs_refresh_fairshare(gs_sched *s, int64_t now, bool force);
#endif
