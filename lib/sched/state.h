/*
 * The resource state (state.c): what the plan stage's what-ifs and the
 * apply stage change, and what placement reads.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_SCHED_STATE_H
#define GS_SCHED_STATE_H

#include "sched/sched_impl.h"

/* The GPUs of node n a new job could get now (inline: backfill's light
 * scans count it at every release and block). */
static inline gs_mask gs_state_avail(const gs_sched *s, uint32_t n)
{
    const node_state *ns = &s->nodes[n];
    if (ns->drained_node || ns->excl_job)
        return 0;
    return mask_all(node_type(s, n)->n_gpus) &
           ~(ns->busy | ns->drained | ns->failed | ns->rsv | ns->mig);
}
/* A running job's expected end: start + time limit (none: INT64_MAX). */
int64_t gs_state_end_key(const job_rec *j);
/* CPUs for the GPUs `gpus` of node n, per_gpu each, from each GPU's NUMA
 * domain first; written to out. Returns how many. */
uint32_t gs_state_take_cpus(gs_sched *s, uint32_t n, gs_mask gpus,
                            uint32_t per_gpu, uint32_t *out);
/* count CPUs of node n for a CPU-only job: from the NUMA domain with the
 * fewest free that has them all, else the lowest free ones; written to
 * out. Returns how many. */
uint32_t gs_state_take_cpus_n(gs_sched *s, uint32_t n, uint32_t count,
                              uint32_t *out);
void gs_state_give_cpus(gs_sched *s, uint32_t n, const uint32_t *cpus,
                        uint32_t count);
/* The running jobs by expected end (start + time limit), then index. */
void gs_state_ends_insert(gs_sched *s, uint32_t idx);
void gs_state_ends_remove(gs_sched *s, uint32_t idx);
/* Could j fit on the free-GPU counts of the nodes now (an upper bound),
 * under the reservation blocks in place / as if there were none? */
void gs_state_rekey(gs_sched *s);
bool gs_sched_counts_fit(const gs_sched *s, const job_rec *j);
/* The same test on a cluster histogram row and free-GPU count (kept
 * aside: gs_bf_fits_real). */
bool gs_state_counts_fit_in(const uint32_t *row, int64_t free,
                            const job_rec *j);
/* What the counts judge a whole-GPU job by: the GPUs it needs on each
 * node (0: any split will do), the slots of p GPUs nodes with a row of
 * free-GPU counts (index: GPUs free) hold (1 <= p <= 64), and the slots
 * it needs (p 0: its GPUs). */
uint32_t gs_state_node_shape(const job_rec *j);
uint64_t gs_state_slots(const uint32_t *row, uint32_t p);
uint64_t gs_state_slots_needed(const job_rec *j, uint32_t p);
bool gs_state_fits_unblocked(const gs_sched *s, const job_rec *j);

#endif
