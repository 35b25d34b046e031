/*
 * The books (books.c): usage charged to the share tree, billing rates,
 * and the GPUs users and accounts hold against their limits. The refresh
 * and apply stages write them; the plan stage reads the limits.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_SCHED_BOOKS_H
#define GS_SCHED_BOOKS_H

#include "sched/sched_impl.h"

/* Charge a running job's usage up to now. */
void gs_books_charge_job(gs_sched *s, job_rec *j, int64_t now);
/* Charge every running job up to now. */
void gs_books_charge_running(gs_sched *s, int64_t now);
/* The billing rate of a job that got its allocation. */
double gs_books_rate(const gs_sched *s, const job_rec *j);
/* A slot for a user's counters (created at submission). */
gs_status gs_books_user_slot(gs_sched *s, const char *user, uint32_t *slot);
/* Per-account counters follow the share tree's size. */
gs_status gs_books_grow_accounts(gs_sched *s);
/* Room for a submission's books (its user's slot, two associations):
 * after it, gs_books_user_slot and gs_books_grow_accounts cannot fail. */
gs_status gs_books_reserve(gs_sched *s, const char *user);
/* Add (sign 1) or take back (-1) a job's GPUs from its user's and its
 * accounts' counters. */
void gs_books_count(gs_sched *s, const job_rec *j, int sign);
/* Would starting j break a limit? Writes why. */
bool gs_books_over_limit(const gs_sched *s, const job_rec *j, char *why,
                         size_t cap);

#endif
