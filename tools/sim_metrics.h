/*
 * The simulator's measurements (gpusched sim): what the cluster looked
 * like over time (a tracker fed by the replay's events) and what the jobs
 * saw (distributions of wait, job completion time and bounded slowdown,
 * by job size and by account), written as text and as JSON.
 * docs/sim.md defines every figure.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GPUSCHED_SIM_METRICS_H
#define GPUSCHED_SIM_METRICS_H

#include <gpusched/gpusched.h>

#include "sim_spill.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Most buckets of the timeline: past it, neighbours merge and the width
 * doubles, so its memory does not grow with the trace. */
#define SIM_TIMELINE_MAX 1024

/* ---- the state over time ------------------------------------------------ */

typedef struct sim_bucket {
    double busy;     /* GPU-seconds in use (shares by their share) */
    double queue;    /* job-seconds waiting */
    double running;  /* job-seconds running */
    size_t queue_max; /* most jobs waiting for a while (not a job that
                         started at once) */
} sim_bucket;

typedef struct sim_track {
    const gs_topo *t;
    uint32_t max_node;   /* most GPUs of a node */
    uint32_t *node_free; /* whole GPUs no job holds, per node (GPUs in MIG
                            mode are never whole) */
    uint32_t *holders;   /* jobs holding some of each GPU */
    size_t *nodes_with;  /* nodes_with[f]: nodes with f whole GPUs free */
    size_t *need;        /* need[k]: waiting jobs that need k GPUs on a
                            node (1..max_node) */
    size_t pending, running;
    double busy;         /* GPUs in use now (shares by their share) */
    int64_t last;        /* until when the integrals are taken */
    /* integrals over [first submit, last) */
    double busy_int, queue_int, idle_wait_int, stranded_int;
    int64_t wait_span;   /* seconds with a job waiting */
    /* the timeline: buckets of width seconds from t0 */
    int64_t t0, width;
    sim_bucket *b;
    size_t nb;
} sim_track;

/* Start tracking a cluster from time t0; span is how long the trace is
 * expected to last (the first width is span / SIM_TIMELINE_MAX, at least
 * 1 s). 0 or -1 (out of memory). */
int sim_track_init(sim_track *k, const gs_topo *t, int64_t t0, int64_t span);
void sim_track_free(sim_track *k);
/* Take the state since the last call as it was until now. */
void sim_track_advance(sim_track *k, int64_t now);
/* A job's need on one node: gpus_per_node when set, else its GPUs up to
 * the biggest node's; 1 for a share or a MIG instance. */
uint32_t sim_track_need(const sim_track *k, uint32_t gpus, uint32_t gpn,
                        bool shared);
/* A job began waiting (submitted, or requeued). */
void sim_track_wait(sim_track *k, uint32_t need);
/* A waiting job started on these cluster-wide GPUs, using busy GPUs. */
void sim_track_start(sim_track *k, uint32_t need, const uint32_t *gpus,
                     size_t n, double busy);
/* A running job stopped (ended, failed or was preempted). */
void sim_track_stop(sim_track *k, const uint32_t *gpus, size_t n,
                    double busy);

/* ---- what the jobs saw -------------------------------------------------- */

/* One job of the trace, as the measurements need it. */
typedef struct sim_result {
    const char *account; /* "" none */
    int64_t submit, start, end; /* -1: never */
    int64_t ideal;       /* its run on its best set at once: its duration,
                            cut by its time limit */
    uint32_t gpus;
    bool shared;         /* a fraction of a GPU or a MIG instance */
    bool completed;      /* ran to its end (or to its time limit) */
} sim_result;

typedef struct sim_dist {
    size_t n;
    double mean, median, p95, p99;
} sim_dist;

typedef struct sim_group {
    const char *name;
    size_t jobs, started, completed;
    double gpu_seconds;
    sim_dist wait, jct, slowdown;
} sim_group;

/* Size classes: CPU-only (no GPU), shares, 1, 2-4, 5-8, 9-16, 17-64, 65+
 * GPUs. */
#define SIM_SIZES 8

typedef struct sim_metrics {
    double bound;          /* the slowdown's bound, seconds */
    sim_group all;
    sim_group size[SIM_SIZES];
    sim_group *account;    /* sorted by name after sim_metrics_finish (in
                              the order first seen before); names owned */
    size_t naccounts;
    /* from the tracker, over the makespan */
    int64_t span;
    double busy_mean, queue_mean, idle_wait_mean, stranded_mean;
    double wait_share;     /* share of the time with a job waiting */
    size_t queue_max;
    /* while jobs are added: the accounts by name (a hash table of indices
     * into account) and the values the distributions are taken from */
    size_t accounts_cap;
    char **names;          /* the accounts' names, in the order first seen */
    uint32_t *slots;
    size_t slots_cap;
    sim_sorter values;
} sim_metrics;

/* Start measuring; bound is the slowdown's (seconds, > 0), budget the
 * memory the values may take before they spill to a temporary file
 * (sim_spill.h). 0 or -1 (out of memory). */
int sim_metrics_init(sim_metrics *m, double bound, size_t budget);
/* A job the replay is done with (it ended for good, was refused, or never
 * started), all but its GPU time; the groups it is in into *groups (for
 * sim_metrics_add_gpu). 0, or -1 with errno set. */
int sim_metrics_add(sim_metrics *m, const sim_result *r, uint32_t *groups);
/* A job's GPU time, to the groups sim_metrics_add gave: after every job
 * was added, before sim_metrics_finish, in the order the sums are to be
 * taken in (floating point: the order shows in the last digits; the
 * simulator's is the trace's). */
void sim_metrics_add_gpu(sim_metrics *m, uint32_t groups, double gpu_seconds);
/* Compute the figures of the jobs added, with the tracker's. 0, or -1
 * with errno set. */
int sim_metrics_finish(sim_metrics *m, const sim_track *k);
void sim_metrics_free(sim_metrics *m);
/* A distribution as JSON: "key": {"n", "mean", "median", "p95", "p99"}. */
void sim_json_dist(FILE *f, const char *key, const sim_dist *d);
/* The lines the text summary adds (after wait, makespan, utilization). */
void sim_metrics_print(FILE *f, const sim_metrics *m);
/* The JSON keys the summary object adds (", \"jct\": {...}, ..."), with the
 * timeline of k. */
void sim_metrics_json(FILE *f, const sim_metrics *m, const sim_track *k,
                      uint32_t gpus);

/* ---- the run-time model's communication fractions ---------------------- */

#define SIM_COMM_SIZES 16

/* --comm-fraction: one F for every job, or F by job size ("2:0.1,8:0.3":
 * a job of g GPUs takes the F of the largest size at most g; smaller
 * jobs 0). */
typedef struct sim_comm {
    uint32_t size[SIM_COMM_SIZES];
    double f[SIM_COMM_SIZES];
    size_t n;
} sim_comm;

/* Parse "F" (0 to 1) or "SIZE:F,..." (sizes rising, 1 to 65536, at most
 * 16). 0, or -1 with why in msg. */
int sim_comm_parse(const char *text, sim_comm *c, char *msg, size_t cap);
/* The F of a job of g GPUs. */
double sim_comm_for(const sim_comm *c, uint32_t g);

/* ---- a run's figures and progress, for gpusched compare ---------------- */

/* What a replay tells the process that watches it (in memory it shares
 * with it: gpusched compare's workers). The progress fields are written
 * as the replay goes, the figures when it ends. */
typedef struct sim_report {
    /* progress */
    volatile size_t total;   /* jobs in the trace */
    volatile size_t done;    /* ended, refused or never to start */
    volatile int64_t now;    /* simulated time */
    /* the figures (when the run ended well) */
    size_t jobs, started, never, refused, multi, on_best;
    int64_t makespan;
    double util, queue_mean, free_wait_mean, stranded_mean;
    sim_dist wait, jct, slowdown;
} sim_report;

/* Where a replay writes its report: NULL (plain gpusched sim), or memory
 * gpusched compare shares with its worker. */
extern sim_report *sim_report_to;

#endif
