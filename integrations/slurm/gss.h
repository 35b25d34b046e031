/*
 * gpusched-slurm: gpusched decides which GPUs the GPU jobs of a Slurm
 * cluster get (docs/slurm.md).
 *
 * The daemon is stateless between passes: each pass reads Slurm (nodes and
 * jobs) into a gss_snapshot, decides with a fresh gpusched scheduler on the
 * cluster's topology (gss_decide, which knows nothing of libslurm and is
 * unit-tested without Slurm), then applies the decisions through libslurm.
 * A restart, or a kill -9, loses nothing: the next pass reads everything
 * again from Slurm.
 */
#ifndef GSS_H
#define GSS_H

#include <gpusched/gpusched.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The marker job_submit.lua puts first in a held job's admin_comment. */
#define GSS_MARK "gpusched:v1"

/* How gpusched-slurm's comments start: it writes (and clears) only comments
 * that are empty or start so, never a user's own --comment. */
#define GSS_REASON_PREFIX "gpusched: "

/* Whether a job's comment is gpusched-slurm's to write. */
#define GSS_COMMENT_OURS(c)                                                \
    (!(c) || !*(c) ||                                                      \
     strncmp((c), GSS_REASON_PREFIX, sizeof GSS_REASON_PREFIX - 1) == 0)

/* Most GPUs on a node, as in gpusched. */
#define GSS_MAX_GPUS 1024

/* ---- the request a held job carries (gss_request.c) ---------------------- */

/* What job_submit.lua recorded of a job's GPU request: the original TRES
 * strings (restored as they were when the job is given back to Slurm) and
 * what gpusched needs of them. */
typedef struct gss_request {
    uint32_t gpus_per_job;  /* --gpus N (0: per node) */
    uint32_t gpus_per_node; /* --gpus-per-node / --gres=gpu:N (0: per job) */
    char type[64];          /* a GPU type asked for (gpu:v100:2), "" any */
    uint32_t cpus_per_gpu;  /* --cpus-per-gpu (0: none) */
    uint64_t mem_per_gpu;   /* --mem-per-gpu, MiB (0: none) */
    /* the originals, "" when the job had none */
    char tres_per_job[256], tres_per_node[256];
    char cpus_per_tres[128], mem_per_tres[128];
} gss_request;

/* Read the request in an admin_comment written by job_submit.lua:
 * "gpusched:v1 job=TRES node=TRES cpg=TRES mpg=TRES" (values without
 * blanks; "-" for none). 0, or -1 with why (cap bytes) set. */
int gss_request_parse(const char *admin_comment, gss_request *r, char *why,
                      size_t cap);

/* The GPU entry of a TRES list ("gres:gpu:2", "gres/gpu:v100:2",
 * "gres:gpu:2,license:x:1", "gres:gpu:4" in cpus_per_tres...): its count and
 * type ("" when untyped). 1 found, 0 no GPU entry, -1 malformed. */
int gss_tres_gpu(const char *tres, uint64_t *count, char *type, size_t cap);

/* A TRES list without its GPU entry ("gres:nic:1,gres:gpu:g5:1" ->
 * "gres:nic:1"); NULL or "" gives "". 0, or -1 when it does not fit. */
int gss_tres_without_gpu(const char *tres, char *out, size_t cap);

/* The GPU indexes named in a gres_detail_str entry of a running job
 * ("gpu:g0:1(IDX:0),gpu:g1:0(IDX:)" or "gpu:2(IDX:0-1,4)"): the union of
 * every IDX list, ascending, at most max. Returns the count, or -1 when
 * malformed or too many. */
int gss_gres_indexes(const char *detail, uint32_t *out, int max);

/* Whether a job's --constraint holds on a node with the given features
 * ("a,b,c"): names joined by '&' (or ',') and '|', '&' binding tighter.
 * 1 holds, 0 does not, -1 a form this reader does not take (brackets,
 * counts, '*', '!'...): the job is then given back to Slurm. */
int gss_constraint_holds(const char *expr, const char *node_features);

/* ---- what a pass reads from Slurm ---------------------------------------- */

typedef enum gss_job_kind {
    GSS_JOB_HELD,    /* pending, priority 0, with our request: ours to place */
    GSS_JOB_RUNNING, /* running (or completing, suspended) with GPUs */
    GSS_JOB_PINNED   /* released by us, still pending on the GPUs we gave */
} gss_job_kind;

/* One node of a job that holds GPUs: its name and its GPU indexes there. */
typedef struct gss_job_node {
    char *name;
    uint32_t *gpus;
    uint32_t n_gpus;
} gss_job_node;

typedef struct gss_job {
    uint32_t id;
    gss_job_kind kind;
    int64_t submit;     /* Unix time */
    int64_t end;        /* running: expected end (Unix time), 0 unknown */
    int64_t time_limit; /* seconds, 0 none */
    uint32_t min_nodes, max_nodes; /* held: Slurm's -N (0: not given) */
    char *user, *account;
    char *comment;      /* its comment now (we put pending reasons there) */
    /* its TRES per node and per job now, without GPU entries (a job's
     * other GRES, kept when its GPUs are set) */
    char tres_node_rest[256], tres_job_rest[256];
    gss_request req;    /* held jobs */
    /* held jobs: whether one of its partitions holds every GPU node of the
     * topology (gpusched does not model partitions yet: the job is given
     * back to Slurm otherwise); which one it is not, for the reason */
    bool partition_ok;
    char partition[64];
    /* held jobs: whether its --constraint (if any) holds on every GPU node
     * (gpusched does not place by node features yet: given back to Slurm
     * otherwise), and the constraint, for the reason */
    bool features_ok;
    char features[128];
    gss_job_node *nodes; /* running and pinned jobs */
    uint32_t n_nodes;
} gss_job;

typedef struct gss_node {
    char *name;
    bool usable; /* idle/mixed/allocated; not down, drained, failing */
} gss_node;

typedef struct gss_snapshot {
    gss_node *nodes;
    size_t n_nodes;
    gss_job *jobs;
    size_t n_jobs;
    int64_t now;
} gss_snapshot;

void gss_snapshot_free(gss_snapshot *s);

/* ---- deciding (gss_decide.c) --------------------------------------------- */

typedef struct gss_options {
    const char *placement; /* NULL: nvlink-pack */
    gs_ordering ordering;
    gs_backfill backfill;
    /* accounts and decayed usage that outlive the pass (the daemon charges
     * running jobs to it between passes); NULL: none, every user equal */
    gs_share *share;
} gss_options;

/* What to do with a held job: start it (req_nodes and the TRES to give
 * Slurm), or leave it held with a reason for its comment. */
typedef struct gss_decision {
    uint32_t job;
    size_t index;        /* the job's place in the snapshot */
    bool start;
    char *req_nodes;     /* "n01,n02" */
    char *tres_per_node; /* "gres:gpu:g5:1,gres:gpu:g7:1" (typed: exact) */
    char *tres_per_job;  /* set only when the per-node sets cannot be typed */
    bool exact;          /* the GPUs are pinned by type */
    bool giveback;       /* not for gpusched: release with the original
                            request, and Slurm places it */
    bool rehold;         /* released, but its GPUs are taken by a job
                            Slurm runs: hold it again, decide again */
    char *gpus_text;     /* "n01:5,7 n02:5,7" for logs and checks */
    char *reason;        /* not started: why, for the job's comment */
} gss_decision;

typedef struct gss_result {
    gss_decision *d;
    size_t n;
    /* problems of the snapshot: running jobs on GPUs another holds, nodes
     * unknown to the topology... one line each */
    char **notes;
    size_t n_notes;
    double decide_ms; /* time spent in gpusched */
} gss_result;

void gss_result_free(gss_result *r);

/* The cluster from gres.conf (nodes, GPUs, Links=, Cores=, types) and,
 * when topology_path is given, topology.conf's switch tree and blocks
 * (gss_topo.c). 0, or -1 with why set (file:line:column of a bad line). */
int gss_topo_build(const char *gres_path, const char *topology_path,
                   gs_topo **out, char *why, size_t cap);

/* Check the topology against Slurm's nodes at start: every GPU's model is
 * its per-node type (unique on its node). 0, or -1 with why set. */
int gss_check_types(const gs_topo *t, char *why, size_t cap);

/* Decide one pass. 0, or -1 with why set (out of memory, a policy name
 * gpusched does not know). */
int gss_decide(const gs_topo *t, const gss_snapshot *s,
               const gss_options *o, gss_result *out, char *why, size_t cap);

/* ---- talking to Slurm (gss_slurm.c, libslurm) --------------------------- */

/* Read nodes and jobs. Pinned jobs' GPUs are found from their typed
 * requests through t (each GPU's model is its type). 0; -1 with why set
 * (slurmctld unreachable, out of memory). */
int gss_slurm_read(const gs_topo *t, gss_snapshot *s, char *why, size_t cap);

/* Check Slurm's nodes against the topology from gres.conf (named path, for
 * messages): every node with GPUs in Slurm is in gres.conf with as many.
 * 0; 1 with why set (a configuration error); -1 with why set (Slurm
 * unreachable). */
int gss_slurm_check_nodes(const gs_topo *t, const char *gres_path,
                          char *why, size_t cap);

/* Release a held job onto the decided nodes and GPUs (one RPC). */
int gss_slurm_start(const gss_job *j, const gss_decision *d, char *why,
                    size_t cap);
/* Release a held job with its original request: Slurm places it. */
int gss_slurm_giveback(const gss_job *j, char *why, size_t cap);
/* Set a job's comment (the pending reason users see with squeue -o %k). */
int gss_slurm_comment(uint32_t job, const char *comment, char *why,
                      size_t cap);
/* Hold a released job again (priority 0), without the GPUs it was given,
 * with a comment (NULL: the comment is left alone). */
int gss_slurm_hold(const gss_job *j, const char *comment, char *why,
                   size_t cap);

#endif
