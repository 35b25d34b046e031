/*
 * The refresh stage (refresh.c): usage charged and fair share recomputed
 * when the ordering reads factors, the ordering's refresh hook, and each
 * pending job's value under the ordering (job_rec.prio_value, f_*).
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_SCHED_REFRESH_H
#define GS_SCHED_REFRESH_H

#include "sched/sched_impl.h"

void gs_refresh(gs_sched *s, int64_t now);
/* Recompute fair share when calc_period has passed (or when forced). */
void gs_refresh_fairshare(gs_sched *s, int64_t now, bool force);
#endif
