/*
 * Private layout of gs_sched and the placement context, shared by the
 * scheduler's stages (lib/sched/), the placement machinery and the
 * built-in policies (lib/place/). Which stage may change which part is
 * said field by field below and in docs/architecture.md.
 *
 * GPUs of a node are a 64-bit mask (nodes with more GPUs are refused at
 * creation). Every buffer the decision path needs is allocated when the
 * scheduler is created or a job is submitted, so deciding allocates nothing.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_SCHED_IMPL_H
#define GS_SCHED_IMPL_H

#include <gpusched/ordering.h>
#include <gpusched/policy.h>
#include <gpusched/sched.h>

#include "share/fairshare_impl.h"
#include "common/util.h"
#include "topo/topo_impl.h"

typedef uint64_t gs_mask;

#define GS_SCHED_MAX_GPUS 64u
/* The deepest switch tree the scheduler takes (levels, root = 1). */
#define GS_SCHED_MAX_SWITCH_DEPTH 64u
/* The most jobs backfill looks at per step (gs_sched_config). */
#define GS_BF_DEPTH_MAX 1000000u
/* The largest usage or model weight, or site factor. */
#define GS_WEIGHT_MAX 1e15
#define REASON_MAX 160
/* The user jobs without one are charged to (0 shares). */
#define GS_NOBODY "(none)"
/* Bits of an association's flags (gs_sched.assoc_auto). */
#define ASSOC_AUTO 1u        /* made by a submission, not by the host */
#define ASSOC_LISTS_USERS 2u /* an account the host listed users in */

enum {
    LAZY_NONE = 0,         /* reason_text holds the text */
    LAZY_BEHIND,           /* waiting behind job `behind` */
    LAZY_BEHIND_NOLIMIT,   /* the same, and it has no time limit */
    LAZY_NOFIT,            /* not enough free GPUs by counts */
    LAZY_DELAY,            /* would delay job `behind`'s reserved start */
    /* a flag on the kinds above (not on LAZY_NONE): the text goes on with
     * "; reserved to start at" the job's est_start (conservative backfill
     * reserves for most jobs it looks at, at every step) */
    LAZY_RESERVED = 0x80
};

/* Bit count without the POPCNT instruction (the library is built for the
 * baseline x86-64, where __builtin_popcountll becomes a libgcc call). */
static inline uint32_t mask_count(gs_mask m)
{
    m = m - ((m >> 1) & 0x5555555555555555ull);
    m = (m & 0x3333333333333333ull) + ((m >> 2) & 0x3333333333333333ull);
    m = (m + (m >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return (uint32_t)((m * 0x0101010101010101ull) >> 56);
}
static inline uint32_t mask_first(gs_mask m)
{
    return (uint32_t)__builtin_ctzll(m);
}
static inline gs_mask mask_all(uint32_t n)
{
    return n >= 64 ? ~(gs_mask)0 : (((gs_mask)1 << n) - 1);
}

/* ---- placement tables of one node type (place_tables.c) --------------- */

/* Damage: sizes of the intact NVLink groups a placement breaks, largest
 * first, at most DMG_MAX of them (placement compares these lists). */
#define DMG_MAX 32

typedef struct pscore {
    uint64_t pat;  /* the job's pattern model, MB/s (Q for "any", 0 for
                      insensitive jobs) */
    uint64_t pat2; /* its second measure (the bisection for all-to-all) */
    uint64_t q;    /* Q(S) in MB/s (0 for bandwidth-insensitive jobs) */
    uint64_t look; /* what the remainder offers the demand (look-ahead) */
    uint32_t numa; /* NUMA domains spanned (0 for insensitive jobs) */
    uint8_t ndmg;
    uint8_t dmg[DMG_MAX];
} pscore;

/* The demand the look-ahead judges a remainder by (quantized weights). */
typedef struct la_profile {
    uint32_t n;
    uint32_t k[GS_MAX_DEMAND];
    uint8_t p[GS_MAX_DEMAND];
    uint32_t w[GS_MAX_DEMAND]; /* 1..64 */
} la_profile;

/* What a single-node search maximizes and how it breaks ties. */
typedef struct place_obj {
    uint8_t pattern;      /* gs_comm_pattern (NONE: insensitive) */
    uint8_t order;        /* gs_numa_mode */
    uint32_t epoch;       /* changes with the profile and the order */
    const la_profile *la; /* NULL: no look-ahead */
} place_obj;

/* A memoized answer: best set for (candidates, k, pattern) at an epoch. */
typedef struct pmemo {
    gs_mask set; /* 0 with valid = 2: no answer */
    pscore score;
    uint32_t epoch;
    uint8_t valid; /* 0 unknown, 1 answer, 2 infeasible */
} pmemo;

/* A cached best model value of k GPUs of pattern p among r. */
typedef struct la_slot {
    gs_mask r;
    gs_mask set; /* the best set (0: none) */
    uint64_t v;
    uint8_t k, p, valid;
} la_slot;
#define LA_HASH 4096u

struct pg_work;

typedef struct gs_place_tables {
    uint32_t n;       /* GPUs */
    uint32_t *bw;     /* n x n, MB/s */
    uint16_t *numa;   /* per GPU, GS_NONE16 if unknown */
    /* equivalence classes: GPUs with the same NUMA domain, the same
     * bandwidth and medium to every other GPU and the same ports are
     * interchangeable */
    uint32_t n_classes;
    uint8_t *cls;      /* per GPU */
    gs_mask *cls_mask; /* per class */
    uint32_t *cls_bw;  /* n_classes x n_classes: member-to-member bw */
    uint32_t *suffix_max; /* max cls_bw among classes >= i */
    /* NVLink groups: maximal cliques of the NVLink graph */
    uint32_t n_groups;
    gs_mask *groups;
    uint8_t *group_size;
    /* pattern graph (topo/pattern.h): media, ports and their bandwidths */
    uint8_t *med;
    uint32_t *port;
    uint32_t *cap;
    struct pg_work *work; /* the scheduler's (shared by its tables), set
                             before any search: the models need it */
    bool own_work;
    /* memo for small nodes (n <= 8): [cand][k][pattern] */
    pmemo *memo;
    /* look-ahead: best sets and model values of remainders (n <= 8:
     * [r][k][p]; larger nodes: a direct-mapped cache), and the values of
     * the whole node per (k, p) (value + 1, 0 unknown) */
    la_slot *la_small;
    la_slot *la_hash;
    uint64_t la_full[65 * GS_PATTERN_COUNT];
} gs_place_tables;

/* ---- scheduler state ---------------------------------------------------- */

typedef struct node_state {
    gs_mask busy;    /* GPUs held by running jobs (whole or shared) */
    gs_mask shared;  /* of those, GPUs shared jobs use (gpushare.c) */
    gs_mask drained; /* GPUs drained */
    gs_mask failed;  /* GPUs failed */
    gs_mask rsv;     /* GPUs held back for a reservation (only inside a
                        step; zero between calls) */
    gs_mask mig;     /* GPUs in MIG mode: only MIG jobs use them (never
                        free for whole or fractional jobs; migstate.c) */
    gs_mask avail;   /* GPUs a new job could get (0 if the node is out) */
    uint32_t free_cpus;
    uint32_t jobs;      /* running jobs on the node */
    uint64_t free_mem;
    uint64_t excl_job;  /* job holding the node exclusively, or 0 */
    bool drained_node;
    bool counts_cpus;   /* its type has CPUs: jobs' CPUs are accounted */
    bool counts_mem;    /* its type has memory: jobs' memory is accounted */
    bool dirty;         /* changed by a virtual release, not reindexed */
    uint8_t lcount;     /* while dirty in a light scan (backfill.c): the
                           GPUs it would have free, not yet indexed */
    uint32_t ver;       /* changes with every reindex (fragment caches) */
    bool touched;       /* in bf_touched (it may hold blocks) */
    /* index by (type, avail): sorted list of nodes sharing a key */
    uint32_t key;       /* key slot, GS_NONE when not indexed */
    uint32_t key_prev, key_next;
    uint32_t cpu_word;  /* offset of the node's CPU bitset */
    uint32_t numa_off;  /* offset of the node's per-NUMA free CPU counts */
} node_state;

/* A node kind and free-GPU mask shared by nodes; the nodes are kept in a
 * list sorted by index, so the lowest one is at hand. */
#define KEY_CACHE 4
typedef struct key_slot {
    uint32_t type;
    gs_mask avail;
    uint32_t head, count;
    uint32_t prev_active, next_active;
    struct {
        gs_mask cand;
        uint32_t k;
        uint32_t epoch;
        uint8_t pattern;
        uint8_t valid; /* 0 empty, 1 answer, 2 infeasible */
        gs_mask set;
        pscore score;
    } cache[KEY_CACHE];
    uint32_t cache_next;
} key_slot;

/* One key's best answer during a single-node placement. */
typedef struct key_eval {
    uint32_t key;
    gs_mask set;
    pscore score;
} key_eval;

typedef struct alloc_node {
    uint32_t node;
    gs_mask gpus;
    uint32_t cpu_off, cpu_n; /* into job->cpus: node-local CPU indices */
    uint64_t mem;
} alloc_node;

/* A job. Fields are grouped by who reads them for every pending job at
 * every step, so that a pass over the pending jobs (spread over memory in
 * rank order) touches one or two cache lines per job: first what the plan
 * stage reads, then what the refresh stage reads and writes; the rest
 * (the request's details, texts, the allocation) after. */
typedef struct job_rec {
    /* plan: one line */
    uint64_t id;
    gs_job_state state;
    gs_pending_reason reason;
    /* A reason whose text is made when asked (formatting a text for every
     * waiting job at every step would cost more than deciding): lazy is
     * one of LAZY_*, behind the job the text names. */
    uint64_t behind;
    uint64_t depends_on;
    uint8_t lazy;
    bool held;          /* gs_sched_hold: waits until released */
    uint8_t part;       /* partition it runs (ran) in, GS_NONE8: none yet */
    uint32_t user_slot; /* index into the per-user GPU counters */
    int64_t time_limit;
    uint32_t gpus_per_node, min_nodes, max_nodes;
    /* refresh */
    uint32_t gpus;
    uint32_t assoc; /* user-in-account association in the share tree */
    uint32_t tier;  /* the highest priority tier of its partitions */
    int64_t priority, submit_time, nice;
    double site_factor; /* the host's (gs_sched_set_job_factor) */
    /* the refresh stage's output: the ordering's value and, when the
     * ordering uses factors, the factors */
    double prio_value, f_age, f_fs, f_size, f_prio;
    /* the rest */
    int64_t start_time, end_time;
    char *name; /* in the job's block (gs_job_buffers), freed with it */
    const char *user, *account; /* interned in the scheduler */
    uint32_t unread;     /* queued events that name it */
    uint32_t dependents; /* jobs depending on it that have not ended */
    uint32_t cpus_per_gpu;
    uint64_t mem_per_gpu, min_gpu_memory;
    char **models; /* NULL-terminated lowercase substrings, or NULL */
    uint32_t min_cc; /* major * 1000 + minor */
    uint32_t *required; /* sorted cluster-wide ids */
    size_t n_required;
    int exclusive, one_domain, preemptible;
    gs_comm_hint comm;
    uint8_t pattern;    /* gs_comm_pattern as given (comm may override) */
    double rate;        /* usage charged per second while running */
    uint16_t milli;     /* share of each GPU, 1..999; 0: whole GPUs (and
                           MIG jobs) */
    uint64_t gpu_mem;   /* device memory per GPU a shared job uses */
    /* a MIG job: compute slices of its profile (1..7; 0: not MIG), the
     * profile's number per MIG table (GS_NONE8: the GPU has none of that
     * name) and its name (mig.h's static string) */
    uint8_t mig_slices;
    uint8_t mig_prof[GS_MIG_GPU_COUNT];
    const char *mig_name;
    uint32_t requeues;
    /* its last reservation scan: the place in its plan's memo and the
     * plan's memo_tag (backfill.c) */
    uint32_t memo_pos, memo_tag;
    double lost_gpu_seconds;
    int64_t charged_until; /* usage charged up to this time */
    uint32_t run_pos;      /* index in s->running while running */
    /* allocation, sized at submission: one block holds alloc, gpu_ids,
     * cpus and name (gs_job_buffers) */
    uint32_t n_alloc, cap_alloc;
    alloc_node *alloc;
    uint32_t *cpus;     /* CPU indices for all nodes */
    uint32_t *gpu_ids;  /* cluster-wide GPU ids, gpus entries */
    /* REASON_MAX bytes in the job's block (gs_job_buffers) while it may
     * wait; NULL for an ended job a restore made (it never waits again) */
    char *reason_text;
    /* partitions, constraint, defaults (partition.c) */
    uint64_t parts;            /* partitions it may run in (bits) */
    struct gs_constraint *cons; /* compiled constraint, or NULL (owned) */
    int64_t est_start;         /* expected start, valid when est_step is
                                  the scheduler's n_steps */
    uint64_t est_step;
    bool auto_nodes;           /* max_nodes chosen by the scheduler */
    bool allow_split, any_model;
    bool timed_out;            /* GS_EVENT_TIMEOUT queued */
} job_rec;

/* A slot whose job was forgotten (gs_sched_set_retention): its id stays
 * for the binary search until the slots are compacted. */
#define GS_JOB_FORGOTTEN ((gs_job_state)0x7f)

typedef struct sched_event {
    gs_event_kind kind;
    uint64_t job;
    int64_t time;
} sched_event;

struct gs_place_ctx {
    gs_sched *s;
    const job_rec *job;
    const gs_place_request *req;
    gs_mask *elig;     /* per node type: GPUs the job accepts */
    bool prepared;     /* scratch_scores hold this placement's node scores */
    bool quiet;        /* a what-if placement: no reason is wanted */
    uint32_t part;     /* the partition it is placed in, GS_NONE: none */
    place_obj obj;     /* nvlink-pack's objective for this job */
    char reason[REASON_MAX];
};

typedef struct reservation {
    uint64_t job;
    int64_t start;  /* when the job should start */
    int64_t end;    /* start + time limit (INT64_MAX without one) */
    uint32_t off, n; /* its GPUs: rsv_gpus[off .. off + n) */
    uint16_t milli;  /* the share it holds on each (1000: whole) */
    bool on;         /* its GPUs are blocked right now */
    bool whole;      /* a whole-GPU job's (not shared, not MIG) */
} reservation;

/* One reservation scan of a plan: the job, the state it ran on (seq:
 * the starts and ends logged before it; tag: the plan's memo_tag), the
 * partitions it could use, and what it found (an index into memo_rsv, or
 * GS_NONE). */
struct bf_memo {
    uint64_t job, seq, try_parts;
    uint32_t rsv, tag;
    uint32_t ri; /* running jobs released by its reservation's start */
};

/* A start or an end, as the memo's log keeps it (backfill.c): the plan
 * it happened in or after (memo_tag then), and whether it leaves a scan
 * of the last plan as it was: BF_EV_ON_TIME an end at the job's expected
 * end; a position: a start exactly as the last plan's scan at that
 * position reserved it (a scan after that position saw it); GS_NONE
 * neither. */
#define BF_EV_ON_TIME 0xfffffffeu
#define BF_MEMO_LOG 512
struct bf_memo_ev {
    uint32_t tag, pos;
};

/* An interval [a, b) a reservation holds a GPU, in the GPU's list by a
 * (backfill.c, first_usable). */
struct bf_iv {
    int64_t a, b;
    uint32_t next;
};

/* A running job's expected end and the GPUs of the running jobs up to it
 * (ends' order), for reservation scans. */
struct bf_end {
    int64_t at;
    uint64_t gpus;
    /* the free GPUs counted at this end (the last of those ending then)
     * by a scan of this plan and state (stamp) with windows of length L:
     * a longer window, with as many reservations or more, finds as many
     * free GPUs or fewer */
    uint64_t stamp;
    int64_t L, free;
};

/* A pending job's place in the ordering, as the refresh stage writes it
 * and the order stage sorts it: compact keys (k1 first, then k2, k3, idx;
 * all ascending) instead of job records read through a callback. */
typedef struct order_rec {
    uint64_t k1, k2, k3;
    uint32_t idx, pad;
} order_rec;

/* A partition (partition.c). */
typedef struct sched_part {
    char *name;
    uint64_t preempts;  /* partitions whose jobs its jobs may preempt */
    uint32_t tier;
    uint32_t max_gpus_per_job, max_gpus_per_user;
    int64_t default_time, max_time;
    uint32_t def_cpus_per_gpu;
    uint64_t def_mem_per_gpu;
    uint32_t n_nodes, n_gpus;
    uint32_t gpus_in_use, running;
    uint64_t *user_running; /* milli-GPUs per user slot (job_milli) */
    size_t cap_users;
    uint32_t *nodes;        /* its nodes, in increasing order */
    int64_t free;           /* free GPUs on them (avail) */
} sched_part;

typedef struct model_weight {
    char *model; /* lower case */
    double weight;
} model_weight;

struct gs_sched {
    const gs_topo *topo;
    gs_topo *own_topo; /* made from a snapshot (restore without one) */
    gs_err err;
    /* ordering, fair share, backfill, preemption */
    const gs_ordering_ops *ordering;
    void *ordering_state;
    const gs_fairshare_ops *fairshare;
    int64_t max_prio; /* largest priority among pending jobs (refresh) */
    gs_backfill backfill;
    uint32_t bf_depth;
    int64_t bf_horizon;
    int64_t bf_interval; /* least time between backfill passes (0: every
                            step) */
    int64_t bf_last;     /* time of the last backfill pass */
    gs_preempt_mode preempt;
    gs_share *share;
    bool own_share;
    gs_priority_weights weights;
    double w_gpu, w_cpu, w_mem;
    model_weight *model_weights;
    size_t n_model_weights, cap_model_weights;
    /* running jobs (indices into jobs[]) */
    uint32_t *running;
    size_t n_running, cap_running;
    uint32_t *requeued; /* victims requeued during a step */
    size_t n_requeued;
    int64_t last_accrue, last_fs;
    bool fs_fresh, accrue_started;
    /* limits: per user name and per account association */
    gs_strtab user_slots;       /* user -> slot */
    uint64_t *user_running;     /* milli-GPUs held, per slot */
    uint32_t *user_limit;       /* cap per slot, 0: the default */
    size_t n_user_slots, cap_user_slots;
    uint64_t *acct_running;     /* per share association (accounts) */
    uint32_t *acct_limit;
    size_t cap_acct;
    uint32_t user_limit_default, acct_limit_default;
    bool any_limit; /* a limit was ever set (else no job is checked) */
    /* backfill scratch */
    reservation *rsv;
    size_t n_rsv, cap_rsv;
    uint32_t *rsv_by_start, *rsv_by_end; /* indexes into rsv, in order */
    uint32_t *rsv_gpus;
    size_t cap_rsv_gpus, n_rsv_gpus_used;
    uint32_t *bf_touched; /* nodes whose rsv mask is set */
    uint32_t *bf_free_now; /* scratch: GPU lists for backfill preferences */
    uint32_t *bf_best;     /* scratch: the best placement found so far */
    uint32_t *bf_pos;      /* scratch per GPU, zero between uses */
    int64_t *bf_key;       /* scratch per GPU: preference keys */
    int64_t bf_blocked_free; /* GPUs free but for the blocks, on them */
    int64_t free_sum;        /* GPUs free in the cluster (its histogram) */
    uint32_t *rsv_count;     /* per GPU: blocks holding it */
    uint32_t *bf_dirty;       /* nodes with `dirty` set */
    size_t n_bf_dirty;
    /* a light scan (backfill.c): counts kept as nodes change, the indexes
     * left for later; p is the job's GPUs per node (0: any split) */
    bool bf_light;
    uint32_t bf_light_p;
    int64_t bf_light_free, bf_light_slots;
    /* A step's reservation scans (backfill.c) go on from where the last
     * one left the what-if state (open): ends[0 .. bf_rel) released, the
     * blocks of its last candidate. Anything else that reads the state
     * settles it first (gs_bf_settle). While open, the real state's
     * cluster counts are kept here. */
    bool bf_open;
    /* the blocks are exactly those of rsv[0 .. bf_sync_n) overlapping
     * [bf_sync_t0, bf_sync_t1) (backfill.c, blocks_at), when bf_sync_ok */
    bool bf_sync_ok;
    size_t bf_sync_n;
    int64_t bf_sync_t0, bf_sync_t1;
    size_t bf_rel;
    int64_t bf_real_free;
    uint32_t bf_real_row[65];
    /* the running jobs' expected ends and running sums of their GPUs, in
     * ends' order, as of ends_ver and bf_end_now; bf_end_plain: none of
     * them exclusive or MIG (then a release frees only its own GPUs) */
    struct bf_end *bf_end;
    size_t cap_bf_end;
    /* The last plan's reservation scans in call order and what they
     * found (backfill.c): a plan on the same state asking for the same
     * jobs in the same order finds the same. */
    struct bf_memo *memo_cur, *memo_old;
    size_t n_memo_cur, n_memo_old, cap_memo;
    reservation *memo_rsv;   /* the last plan's reservations */
    uint32_t *memo_gpus;     /* and their GPUs */
    size_t cap_memo_gpus;
    size_t memo_rd;          /* the next memo_old entry to compare */
    uint32_t bf_last_ri;     /* record()'s released jobs, for memo_note */
    uint32_t memo_tag;       /* plans whose scans were kept (memo_old's is
                                memo_tag - 1) */
    uint64_t memo_seq;       /* starts and ends logged so far */
    uint64_t memo_log_seq0;  /* memo_seq before memo_log[0] */
    uint64_t memo_plan_seq;  /* memo_seq when this plan began */
    uint32_t n_memo_log;
    bool memo_log_lost;      /* the log overflowed: no memo until reset */
    struct bf_memo_ev memo_log[BF_MEMO_LOG];
    bool memo_have;          /* memo_old is a whole plan's */
    bool memo_use;           /* this plan takes it (until a call differs) */
    bool memo_rec;           /* this plan's calls all fit memo_cur */
    uint32_t memo_la_epoch, memo_frag_epoch;
    int64_t memo_horizon;
    uint64_t memo_kinds;     /* kinds of the calls recorded since */
    uint64_t ends_ver, bf_end_ver;
    int64_t bf_end_now;
    bool bf_end_plain;
    bool bf_end_whole; /* and none takes a share of a GPU */
    /* The GPUs of this plan's reservations that were free when reserved
     * (bf_fr, n_bf_fr; bf_fr_plan[g] == bf_plan_no: g is listed), with
     * the earliest start of a reservation holding each (backfill.c): the
     * GPUs free now that a backfill window would block, counted without
     * settling the open scan. */
    uint32_t *bf_fr;
    size_t n_bf_fr;
    int64_t *bf_fr_at;
    uint64_t *bf_fr_plan, bf_plan_no;
    /* The GPUs this plan's reservations hold, for the earliest time a
     * one-GPU job could find one (backfill.c, first_usable): each listed
     * GPU (bf_rg; bf_rg_mark[g] == bf_rg_stamp) with the time it is free
     * from and its intervals by start; built from rsv[0 .. bf_iv_rsv) on
     * the plan bf_iv_plan and the running jobs of ends_ver bf_iv_ver.
     * ends[0 .. bf_un_pos) hold only listed GPUs; n_rg_free GPUs listed
     * are free now. */
    uint64_t *bf_rg_mark, bf_rg_stamp;
    uint32_t *bf_rg_head;
    int64_t *bf_rg_from;
    uint32_t *bf_rg;
    size_t n_bf_rg, n_rg_free;
    struct bf_iv *bf_iv;
    size_t n_bf_iv, cap_bf_iv;
    size_t bf_iv_rsv, bf_un_pos;
    uint64_t bf_iv_plan, bf_iv_ver;
    uint64_t bf_stamp, bf_stamp_ver; /* bf_end's counts: this plan's, on
                                        ends_ver bf_stamp_ver */
    size_t n_bf_touched;
    uint32_t *running_scratch;  /* job indices */
    size_t cap_running_scratch;
    /* the running jobs by start + time limit (none: last), then index;
     * kept in order as jobs start and end, for reservations */
    uint32_t *ends;
    size_t n_ends, cap_ends;

    uint32_t max_job_gpus;
    const gs_placement_ops *policy;
    void *policy_state;
    gs_interner strings;

    uint32_t n_nodes, n_types;
    uint32_t *type_nodes; /* nodes of each type */
    node_state *nodes;
    gs_place_tables **tables; /* per node type (topo->types order) */
    struct pg_work *pg_work;  /* the pattern models' working memory */
    /* nvlink-pack's tie-breaks (demand.c): NUMA mode, look-ahead, the
     * demand profile in use and what changes it */
    uint8_t numa_mode;
    uint8_t la_mode;          /* GS_LOOKAHEAD_* */
    bool demand_set;          /* the host's profile, not a learned one */
    la_profile la_prof;
    uint32_t la_epoch;
    uint32_t n_demand_host;
    gs_demand_entry demand_host[GS_MAX_DEMAND];
    double *demand_cnt;       /* [65][GS_PATTERN_COUNT] decayed counts, in
                                 units of demand_unit */
    double demand_unit;       /* weight of the next submission */
    uint32_t max_node_gpus;   /* GPUs of the largest node */
    uint64_t *cpu_bits;       /* all nodes' used-CPU bitsets */
    uint32_t *numa_free;      /* all nodes' free CPUs per NUMA domain */
    uint64_t *gpu_job;        /* per cluster GPU: holding job id or 0 (0
                                 for a shared GPU) */
    struct gpu_share *shr;    /* per cluster GPU: what shared jobs use */
    struct frag_state *frag;  /* the fragmentation measure (fragment.c) */
    struct mig_state *mig;    /* MIG GPUs and their instances (migstate.c) */

    /* key index */
    key_slot *keys;
    uint32_t n_key_slots, free_key; /* pool and free list */
    uint32_t *key_hash;             /* open addressing -> slot */
    size_t key_hash_cap;
    uint32_t active_keys;           /* head of the active list */

    /* jobs in increasing id order (slots); forgotten ones stay as holes
     * (state GS_JOB_FORGOTTEN) until compacted. n_jobs: slots in use. */
    job_rec *jobs;
    size_t n_jobs, cap_jobs;
    size_t n_live;      /* jobs held (not forgotten) */
    size_t n_dead;      /* holes */
    uint64_t last_id;   /* ids given so far */
    uint32_t *remap;    /* scratch for compaction */
    size_t cap_remap;
    /* job_at's cursor (a cache a const scheduler may move, so behind a
     * pointer): the i-th live job is in slot `slot` when ok */
    struct job_cursor {
        size_t i, slot;
        bool ok;
    } *cursor;
    /* ended jobs in the order they ended (ids), [ended_lo, ended_hi) */
    uint64_t *ended;
    size_t ended_lo, ended_hi, cap_ended;
    size_t n_ended; /* ended jobs held */
    int64_t keep_seconds, keep_count;
    gs_forget_fn forget_fn;
    void *forget_ud;
    /* the clock: the latest `now` accepted (INT64_MIN: none yet) */
    int64_t clock;
    int64_t max_submit; /* latest submission time of any job */
    /* durable state (lib/durable): calls recorded, the journal */
    uint64_t seq;
    struct gs_journal *journal;
    const struct gs_jr_hooks *jr;
    unsigned jr_quiet;
    /* names and options of the policies, as given (for snapshots) */
    char *placement_name, *placement_options, *ordering_options;
    uint32_t *pending; /* job indices, in the order of the last step (new
                          jobs appended) */
    size_t n_pending, cap_pending;
    order_rec *order_buf; /* 2 x cap_order records for sorting */
    size_t cap_order;
    size_t cap_requeued;
    /* the event queue: a ring, oldest at ev_head */
    sched_event *events;
    size_t ev_head, n_events, cap_events;

    /* scratch for the decision path, sized at creation */
    gs_mask *elig;        /* per type */
    uint32_t *place_out;  /* cluster-wide ids the policy returns */
    size_t cap_place_out;
    uint32_t *scratch_nodes, *scratch_nodes2;
    uint32_t *scratch_u32;
    uint64_t *scratch_u64;
    gs_mask *node_mask; /* per node: GPUs chosen during a placement; all
                           zero between uses */
    gs_mask *forced_mask; /* per node holding required GPUs, in order */
    pscore *scratch_scores; /* per node */
    bool *scratch_ok;       /* per node */
    key_eval *scratch_keys; /* one per key slot */
    /* nodes in switch-tree order: switch s's subtree is
     * switch_order[switch_lo[s] .. switch_hi[s]) */
    uint32_t *switch_order, *switch_lo, *switch_hi;
    uint32_t *switch_pos;      /* node -> index in switch_order, or GS_NONE */
    uint32_t *switch_by_depth; /* switches, deepest first, then by index */
    /* nodes by NVLink domain: domain d is domain_order[range[d]..range[d+1]) */
    uint32_t *domain_order, *domain_range;
    /* how many nodes have 0..64 free GPUs, per switch subtree (rows
     * 0..switches-1), per domain (next rows) and for the cluster (last
     * row); kept up to date as nodes change */
    uint32_t *hist;
    uint32_t hist_cluster;
    uint32_t placement_abi;
    bool ready; /* gs_sched_create succeeded: the handle may be used */

    /* Node classes (partition.c): nodes of one topology type, in the same
     * partitions, with the same features and weight. The key index, the
     * per-class GPU masks a job accepts (elig) and type_nodes are by
     * class; s->n_types is the number of classes, s->tables are by
     * topology type (cls_ttype). */
    uint32_t n_ttypes;
    uint32_t *node_cls;   /* per node */
    uint32_t *cls_ttype;  /* per class: topology type */
    uint64_t *cls_parts;  /* per class: partitions (bits) */
    uint64_t *cls_feat;   /* per class: features (bits) */
    uint32_t *cls_weight; /* per class: node weight */
    bool node_weights;    /* some node has a weight other than 1 */
    /* GPU models: distinct models of the topology, in preference order
     * (lowest node weight, then first appearance); per topology type,
     * the GPUs of each model */
    const char **models;
    uint32_t n_models;
    gs_mask *tt_model; /* [ttype * n_models + m] */
    /* partitions */
    sched_part parts[GS_MAX_PARTITIONS];
    uint32_t n_parts;
    uint32_t part_default;
    uint32_t part_rank[GS_MAX_PARTITIONS]; /* try order: tier, index */
    uint64_t *node_parts; /* per node */
    uint64_t try_parts;   /* partitions placement may use now (plan) */
    bool tiers;           /* some partition has a tier above 0 */
    bool part_user_limits; /* some partition has max_gpus_per_user */
    /* defaults and settings */
    uint32_t def_cpus_per_gpu;
    uint64_t def_mem_per_gpu;
    bool auto_accounts;
    int64_t timeout_grace;
    uint64_t n_steps;        /* steps since creation or restore */
    /* quiet steps (quiet.c): NULL while off; jr_kinds: the kinds of the
     * calls recorded since the last step (bits) */
    struct quiet_state *quiet;
    bool quiet_sort; /* a full step with quiet steps on sorts the queue
                        (the last one took many jobs off its heap) */
    uint64_t jr_kinds;
    uint8_t *assoc_auto;     /* per association: ASSOC_* bits */
    size_t cap_assoc_auto;
    /* the account tree as the host gave it (submit.c, scan_tree) */
    size_t tree_scanned;     /* associations looked at */
    bool tree_accounts, tree_users;
    gs_strtab user_home;     /* user -> first association the host made */
};

/* ---- internal API ------------------------------------------------------- */

/* Placement tables (place_tables.c). */
gs_place_tables *gs_place_tables_build(const gs_ntype *ty, gs_err *err);
void gs_place_tables_free(gs_place_tables *pt);

/* Best set of k GPUs among cand (required GPUs req ⊆ cand), with free the
 * node's free GPUs (for the damage count and the look-ahead). Returns
 * false when none. */
bool gs_place_best_on_node(gs_place_tables *pt, gs_mask cand, gs_mask free,
                           gs_mask req, uint32_t k, const place_obj *obj,
                           gs_mask *set, pscore *score);
/* With the NUMA mode in gs_pscore_cmp's order: leave the look-ahead out
 * (nodes are compared without it: it chooses within a node). */
#define PSCORE_NO_LOOK 0x80u
/* Compare two scores under a gs_numa_mode: > 0 if a is better. */
int gs_pscore_cmp(const pscore *a, const pscore *b, uint8_t order);
/* Lowest-index rule between two sets of equal size: true if a wins. */
static inline bool mask_lower(gs_mask a, gs_mask b)
{
    gs_mask d = a ^ b;
    return d && (a & (d & (~d + 1)));
}

/* The usable mask of a node for the job in ctx (place.c). */
gs_mask gs_place_node_usable(const gs_place_ctx *ctx, uint32_t node);
uint32_t gs_place_capacity(const gs_place_ctx *ctx, uint32_t node,
                           gs_mask *usable);
/* Node order preferences for the shared multi-node logic (place.c). */
typedef enum node_pref {
    PREF_INDEX,      /* first-fit */
    PREF_FEWEST_FREE, /* best-fit */
    PREF_MOST_FREE   /* spread */
} node_pref;
/* GS_ERANGE (with a message naming what) unless |t| <= GS_TIME_MAX. */
gs_status gs_sched_time_arg(gs_sched *s, int64_t t, const char *what);

gs_status gs_place_simple(gs_place_ctx *ctx, const gs_place_request *req,
                          node_pref pref, uint32_t *out);
gs_status gs_place_nvlink(gs_place_ctx *ctx, const gs_place_request *req,
                          uint32_t *out);

/* The built-in policies and the registry (policy.c). */
extern const gs_placement_ops gs_policy_first_fit, gs_policy_best_fit,
    gs_policy_spread, gs_policy_nvlink_pack, gs_policy_frag_aware,
    gs_policy_fgd;
/* One of the built-in placement policies (whose answers depend on the
 * resource state and the learned profiles' epochs only)? */
static inline bool gs_policy_builtin(const gs_placement_ops *p)
{
    return p == &gs_policy_first_fit || p == &gs_policy_best_fit ||
           p == &gs_policy_spread || p == &gs_policy_nvlink_pack ||
           p == &gs_policy_frag_aware || p == &gs_policy_fgd;
}

/* Key index maintenance (state.c). */
void gs_sched_reindex_node(gs_sched *s, uint32_t node);

/* ---- small shared helpers ---------------------------------------------- */

static inline const gs_ntype *node_type(const gs_sched *s, uint32_t n)
{
    return s->topo->nodes[n].type;
}

/* The class of node n (key index, elig) and of a class its type. */
static inline uint32_t node_class(const gs_sched *s, uint32_t n)
{
    return s->node_cls[n];
}
/* Partition p's free-GPU histogram row (65 counts). */
static inline uint32_t *gs_part_hist(const gs_sched *s, uint32_t p)
{
    return s->hist + (size_t)(s->hist_cluster + 1 + p) * 65;
}
static inline const gs_ntype *class_type(const gs_sched *s, uint32_t c)
{
    return s->topo->types[s->cls_ttype[c]];
}
/* Does node a come before node b among nodes of equal fit (lower weight,
 * then lower index)? */
static inline bool node_before(const gs_sched *s, uint32_t a, uint32_t b)
{
    if (s->node_weights) {
        uint32_t wa = s->cls_weight[s->node_cls[a]];
        uint32_t wb = s->cls_weight[s->node_cls[b]];
        if (wa != wb)
            return wa < wb;
    }
    return a < b;
}

/* Does node n account CPUs (its type lists some)? */
static inline bool cpu_accounted(const gs_sched *s, uint32_t n)
{
    return node_type(s, n)->n_cpus > 0;
}

uint64_t gs_type_memory(const gs_ntype *ty);

static inline uint64_t node_memory(const gs_sched *s, uint32_t n)
{
    return gs_type_memory(node_type(s, n));
}

/* A handle whose creation failed holds only its error message: every call
 * but gs_sched_errmsg and gs_sched_destroy refuses it. */
static inline bool gs_sched_ready(const gs_sched *s)
{
    return s && s->ready;
}

/* Ask for the parts of the job record at pending position i + ahead that
 * a pass over the pending jobs reads: the records lie all over memory in
 * rank order, and a pass whose body is longer than a few instructions
 * keeps too few loads in flight to hide the misses. */
#define GS_PREFETCH_AHEAD 8
#if defined(__GNUC__)
#define GS_PREFETCH(p) __builtin_prefetch((p), 1, 1)
#else
#define GS_PREFETCH(p) ((void)(p))
#endif

/* GPU-seconds a running job would lose if stopped now (preemption). */
static inline double gs_lost_work(const job_rec *j, int64_t now)
{
    return (double)(now - j->start_time) * j->gpus *
           (j->milli ? j->milli / 1000.0 : 1.0);
}

/* The slot of job id (held or a hole), or NULL: slots are in increasing
 * id order, so a guess from the first id, else a binary search. */
static inline job_rec *find_slot(const gs_sched *s, uint64_t id)
{
    size_t n = s->n_jobs;
    if (!n || id < s->jobs[0].id || id > s->jobs[n - 1].id)
        return NULL;
    uint64_t guess = id - s->jobs[0].id;
    if (guess < n && s->jobs[guess].id == id)
        return &s->jobs[guess];
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->jobs[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && s->jobs[lo].id == id ? &s->jobs[lo] : NULL;
}

/* A job the scheduler holds, or NULL (never submitted, or forgotten). */
static inline job_rec *find_job(const gs_sched *s, uint64_t id)
{
    job_rec *j = find_slot(s, id);
    return j && j->state != GS_JOB_FORGOTTEN ? j : NULL;
}

static inline uint32_t job_slot(const gs_sched *s, const job_rec *j)
{
    return (uint32_t)(j - s->jobs);
}

/* The time a call gives (`now`): in range and not before the clock;
 * gs_sched_tick records it once the call succeeded (sched.c). */
gs_status gs_sched_now_arg(gs_sched *s, int64_t now);
static inline void gs_sched_tick(gs_sched *s, int64_t now)
{
    if (now > s->clock)
        s->clock = now;
}

/* A job ended (sched.c): it joins the ended list, and the job it
 * depended on is told. The ended list has room for every job. */
void gs_sched_job_ended(gs_sched *s, job_rec *j);
/* Forget the ended jobs the retention lets go (retention.c), then compact
 * the slots when holes are many. */
void gs_sched_forget(gs_sched *s, int64_t now);
/* Room in the event queue for n more (before a call that emits). */
gs_status gs_sched_event_room(gs_sched *s, size_t n);
/* Room in the ended list for n jobs (submit). */
gs_status gs_sched_ended_room(gs_sched *s, size_t n);
/* Close the holes forgotten jobs left in the slots (indices in the
 * pending, running and ends lists are renumbered; their order holds). */
void gs_sched_compact(gs_sched *s);
/* The record gs_sched_job_info reports (query.c). */
void gs_sched_fill_info(const gs_sched *s, const job_rec *j,
                        gs_job_info *full);

/* The built-in orderings' tables (ordering.c). The refresh stage computes
 * their values inline, by the same formula (no view, no indirect call). */
extern const gs_ordering_ops gs_ordering_multifactor, gs_ordering_fifo,
    gs_ordering_priority;

/* Slurm's multifactor priority: the weighted factors, minus nice, plus the
 * site factor as it is. One expression for the table and the inline path,
 * so that both give the same bits. */
static inline double gs_multifactor_value(const gs_priority_weights *w,
                                          double age, double fs, double size,
                                          double prio, int64_t nice,
                                          double site)
{
    double v = w->age * age + w->fairshare * fs + w->job_size * size +
               w->priority * prio - (double)nice;
    return site != 0 ? v + site : v;
}

/* Ordering policies and fair-share algorithms by name for a scheduler
 * (ordering.c): GS_ENOTFOUND with a message naming the built-ins. */
gs_status gs_ordering_lookup(gs_sched *s, const char *name,
                             const gs_ordering_ops **out);
gs_status gs_fairshare_lookup(gs_sched *s, const char *name,
                              const gs_fairshare_ops **out);
/* Run o's init with options into *state; its error with a message when it
 * refuses (then *state is NULL). */
gs_status gs_ordering_make(gs_sched *s, const gs_ordering_ops *o,
                           const char *options, void **state);
/* Put an ordering policy (and the state its init made, and a copy of its
 * options, owned) in place of the scheduler's, destroying the old state
 * (ordering.c). */
void gs_ordering_install(gs_sched *s, const gs_ordering_ops *o, void *state,
                         char *options);

/* A job's buffers (allocation, GPU ids, CPUs), sized from its request;
 * the most CPUs it may hold; room for nj job slots (submit.c). */
gs_status gs_job_buffers(const gs_sched *s, job_rec *j, const char *name,
                         bool may_wait);
uint64_t gs_job_cpu_cap(const gs_sched *s, const job_rec *j);
gs_status gs_sched_reserve(gs_sched *s, size_t nj, uint32_t gpus);

/* qsort order of uint32_t values (submit.c). */
int gs_cmp_u32(const void *a, const void *b);

/* End a job as the host says (sched.c): pending (when pending_ok) or
 * running, to state `to`. */
gs_status gs_sched_end_job(gs_sched *s, uint64_t id, int64_t now,
                           gs_job_state to, bool pending_ok);

/* ---- the journal's view of a call (lib/durable/journal.c) ------------- */

/* Each call that changes the state, once it succeeded, counts in s->seq
 * and, with a journal open, is appended to it (docs/formats.md). */
enum gs_jr_kind {
    GS_JR_SUBMIT = 1,
    GS_JR_CANCEL = 2,
    GS_JR_COMPLETE = 3,
    GS_JR_FAIL = 4,
    GS_JR_STEP = 5,
    GS_JR_CONSUME = 6,
    GS_JR_FAIL_GPU = 7,
    GS_JR_REPAIR_GPU = 8,
    GS_JR_DRAIN_NODE = 9,
    GS_JR_RESUME_NODE = 10,
    GS_JR_DRAIN_GPU = 11,
    GS_JR_RESUME_GPU = 12,
    GS_JR_LIMIT = 13,
    GS_JR_PRIO_WEIGHTS = 14,
    GS_JR_USAGE_WEIGHTS = 15,
    GS_JR_MODEL_WEIGHT = 16,
    GS_JR_CONFIGURE = 17,
    GS_JR_UPDATE_USAGE = 18,
    GS_JR_ORDERING = 19,
    GS_JR_FAIRSHARE = 20,
    GS_JR_JOB_FACTOR = 21,
    GS_JR_RETENTION = 22,
    GS_JR_JOB_PRIORITY = 23,
    GS_JR_ADD_PARTITION = 24,
    GS_JR_JOB_DEFAULTS = 25,
    GS_JR_AUTO_ACCOUNTS = 26,
    GS_JR_HOLD = 27,
    GS_JR_RELEASE = 28,
    GS_JR_UPDATE_JOB = 29,
    GS_JR_TIMEOUT_GRACE = 30,
    GS_JR_TIMEOUT = 31,
    GS_JR_NUMA_MODE = 32,
    GS_JR_LOOKAHEAD = 33,
    GS_JR_DEMAND = 34,
    GS_JR_FRAG_CLASSES = 35,
    GS_JR_MIG_UUID = 36,
    GS_JR_KIND_MAX = 36
};
/* The recorded calls that change no setting, node or running job (only
 * the queue, and the running set through ends, which quiet steps and the
 * scans' memo check on their own): what a step's plan may be carried over
 * across (quiet.c, the memo in backfill.c); any other kind recorded stops
 * both. */
#define GS_JR_PLAN_KINDS                                                    \
    ((1ull << GS_JR_SUBMIT) | (1ull << GS_JR_STEP) |                        \
     (1ull << GS_JR_COMPLETE) | (1ull << GS_JR_FAIL) |                      \
     (1ull << GS_JR_CANCEL) | (1ull << GS_JR_CONSUME))

typedef struct gs_jr_rec {
    uint8_t kind;
    uint64_t a, b;  /* ids, counts, kinds */
    int64_t t;      /* a time */
    double d[3];
    const char *s1, *s2; /* names, options (NUL-terminated) */
    const char *text;    /* configure: text bytes */
    size_t text_len;
    const gs_job_spec *spec;
    const gs_priority_weights *w;
    const gs_partition_spec *part;
    const gs_job_update *upd;
    const gs_demand_entry *dem; /* a entries */
    const gs_frag_class *frag;  /* a classes */
} gs_jr_rec;

/* The journal's entry points, set by gs_sched_open (lib/durable/, the
 * layer above): the scheduler records through them without depending on
 * that layer. */
typedef struct gs_jr_hooks {
    gs_status (*append)(gs_sched *s, const gs_jr_rec *r);
    /* a write failed: changes are refused until a checkpoint */
    bool (*broken)(const gs_sched *s);
    gs_status (*refuse)(gs_sched *s);
    void (*close)(gs_sched *s);
} gs_jr_hooks;

static inline gs_status gs_jr_done(gs_sched *s, const gs_jr_rec *r)
{
    s->jr_kinds |= (uint64_t)1 << (r->kind & 63);
    s->memo_kinds |= (uint64_t)1 << (r->kind & 63);
    if (s->jr_quiet)
        return GS_OK; /* part of a call being recorded */
    s->seq++;
    return s->journal ? s->jr->append(s, r) : GS_OK;
}
#define GS_JR_BEGIN(s)                                                      \
    do {                                                                    \
        if ((s)->journal && (s)->jr->broken(s))                             \
            return (s)->jr->refuse(s);                                      \
    } while (0)

/* The last error of a scheduler a query holds as const (sched.c): a
 * gs_sched is used by one thread at a time and always allocated
 * writable, so a query may say why it failed. Returns st. */
gs_status gs_sched_errf_const(const gs_sched *s, gs_status st,
                              const char *fmt, ...) GS_PRINTF(3, 4);

/* A job the scheduler holds, or NULL with *st and the message set
 * ("CALL: no job N", or forgotten) (query.c). */
const job_rec *gs_sched_job_or_err(const gs_sched *s, uint64_t job,
                                   const char *call, gs_status *st);

/* ---- demand and look-ahead (demand.c) --------------------------------- */

/* Learned demand counts: one per (GPUs 0..64, pattern). */
#define DEMAND_SLOTS (65u * GS_PATTERN_COUNT)

/* A job's pattern as placement sees it: none for an insensitive job. */
static inline gs_comm_pattern job_pattern(const job_rec *j)
{
    return j->comm == GS_COMM_INSENSITIVE ? GS_PATTERN_NONE
                                          : (gs_comm_pattern)j->pattern;
}

gs_status gs_demand_init(gs_sched *s);
void gs_demand_free(gs_sched *s);
/* An accepted submission counts for the learned profile. */
void gs_demand_note(gs_sched *s, const job_rec *j);
/* The refresh stage: the learned profile from the counts. */
void gs_demand_refresh(gs_sched *s);
/* nvlink-pack's placement options (numa=, lookahead=). */
gs_status gs_demand_options(gs_sched *s, const char *opts);
/* gs_sched_set_demand without the journal (restore). */
gs_status gs_demand_apply(gs_sched *s, const gs_demand_entry *e, size_t n);

/* ---- partitions, classes, defaults (partition.c) ---------------------- */

/* Classes and models for the scheduler's topology (creation), and again
 * when partitions change: every node re-keyed. */
gs_status gs_sched_classes(gs_sched *s);
void gs_sched_free_parts(gs_sched *s);
/* Add a partition already checked (its nodes by index): the public call
 * and restores. */
gs_status gs_part_add(gs_sched *s, const gs_partition_spec *spec,
                      uint64_t preempts, const uint32_t *nodes, uint32_t n);
/* Resolve a job's partitions (text: comma list, NULL: the default) and
 * apply the partition defaults and limits to j; sets j->parts. */
gs_status gs_part_resolve(gs_sched *s, job_rec *j, const char *text,
                          uint32_t spec_cpus, uint64_t spec_mem,
                          int64_t spec_time);
/* The partitions of j in the order they are tried (bits of j->parts by
 * part_rank); returns how many. */
uint32_t gs_part_order(const gs_sched *s, const job_rec *j, uint32_t *out);
/* The partition j runs in given its allocation (apply). */
uint8_t gs_part_of_alloc(const gs_sched *s, const job_rec *j);
/* Is j's user over partition p's per-user limit? */
bool gs_part_over_user_limit(const gs_sched *s, const job_rec *j, uint32_t p);
/* Partition counters follow a job starting (1) or ending (-1). */
void gs_part_count(gs_sched *s, const job_rec *j, int sign);
/* Room in every partition's per-user counters for cap user slots. */
gs_status gs_part_reserve_users(gs_sched *s, size_t cap);
/* Queue GS_EVENT_TIMEOUT for running jobs past limit + grace (step). */
void gs_sched_timeouts(gs_sched *s, int64_t now);

/* Drop the oldest n queued events (retention.c). */
gs_status gs_sched_events_take(gs_sched *s, size_t n);

/* ---- shared GPUs (gpushare.c) ---------------------------------------- */

/* What shared jobs use of one GPU; rsv: shares held back for reservations
 * inside a step (1000 for a whole-GPU reservation), zero between calls. */
typedef struct gpu_share {
    uint32_t used;
    uint32_t rsv;
    uint32_t jobs;
    uint64_t mem;
} gpu_share;

/* A MIG instance's share of its GPU in milli-GPU: slices / 7, rounded
 * down (so seven 1g instances never count more than the GPU), 1000 for
 * the whole GPU. */
static inline uint32_t mig_share(uint32_t slices)
{
    return slices >= 7 ? 1000u : slices * 1000u / 7u;
}
/* A job's share of each of its GPUs, 1..1000. */
static inline uint32_t job_share(const job_rec *j)
{
    return j->mig_slices ? mig_share(j->mig_slices)
           : j->milli    ? j->milli
                         : 1000u;
}
/* A job's GPUs in milli-GPUs (limits). */
static inline uint64_t job_milli(const job_rec *j)
{
    return (uint64_t)j->gpus * job_share(j);
}
/* The fraction of each GPU a job is charged for (usage, accounting):
 * exact for MIG slices. */
static inline double job_fraction(const job_rec *j)
{
    return j->mig_slices ? j->mig_slices / 7.0
           : j->milli    ? j->milli / 1000.0
                         : 1.0;
}
/* Whether a job holds its GPUs whole. */
static inline bool job_whole(const job_rec *j)
{
    return !j->milli && !j->mig_slices;
}
/* The units a job's cpus_per_gpu and mem_per_gpu count: its GPUs, or
 * one for a CPU-only job (gpus 0), whose need they are. */
static inline uint32_t job_units(const job_rec *j)
{
    return j->gpus ? j->gpus : 1;
}
/* ---- CPU-only jobs (gpus 0; ask.c) --------------------------------------
 * They run on one node, which the scheduler picks (placement policies
 * place GPUs): a node of their partitions and features whose type lists
 * what they ask (CPUs, memory). */
/* Could class c's nodes hold j when idle (in partitions `parts`)? */
bool gs_cpu_class_fits(const gs_sched *s, const job_rec *j, uint32_t c,
                       uint64_t parts);
/* Could node n take j now (its class fits: checked by the caller)? */
bool gs_cpu_node_fits(const gs_sched *s, const job_rec *j, uint32_t n);
/* The node for CPU-only job j in partition part (GS_NONE: any) on the
 * current state, or GS_NONE: of the nodes that could take it, the one
 * with the fewest free GPUs (a GPU job's CPUs are left where its GPUs
 * are), then the fewest free CPUs (best fit), then node_before. */
uint32_t gs_cpu_place(const gs_sched *s, const job_rec *j, uint32_t part);
gs_status gs_gpushare_init(gs_sched *s);
/* A shared job takes / gives back its share of `set` on node n; give
 * returns the GPUs no shared job uses any more. */
void gs_gpushare_take(gs_sched *s, const job_rec *j, uint32_t n, gs_mask set);
gs_mask gs_gpushare_give(gs_sched *s, const job_rec *j, uint32_t n,
                         gs_mask set);
/* GPUs of node n with room for a share of `milli` and `mem` bytes each
 * (free or shared, not held whole, not drained or failed, reservations'
 * shares counted). */
gs_mask gs_gpushare_roomy(const gs_sched *s, uint32_t n, uint32_t milli,
                          uint64_t mem);
/* ---- MIG (migstate.c: the instances; place_mig.c: where they go) ----- */

gs_status gs_mig_init(gs_sched *s);
void gs_mig_free(gs_sched *s);
/* GPUs of node n that can take an instance of j's profile now (not
 * drained, failed or held back for a reservation). */
gs_mask gs_mig_roomy(const gs_sched *s, uint32_t n, const job_rec *j);
/* For GPU g (roomy for j): what taking an instance there costs the GPU's
 * ability to take the job mix (>= 0) and the compute slices left free. */
void gs_mig_cost(gs_sched *s, const job_rec *j, uint32_t g, double *loss,
                 uint32_t *left);
/* A node's last answer for a kind of MIG job (place_mig.c), valid while
 * the node (ver) and the profile mix (epoch) are unchanged. */
typedef struct mig_memo {
    uint64_t key[4];
    uint32_t ver, epoch;
    uint32_t used; /* placement that last read it (least recent goes) */
    uint8_t valid; /* 0 empty, 1 an answer, 2 none */
    gs_mask set;
    double loss;
    uint32_t left, nfree;
} mig_memo;
/* Node n's memos (GS_MIG_MEMOS of them; NULL without MIG GPUs) and the
 * mix's epoch. */
#define GS_MIG_MEMOS 4
mig_memo *gs_mig_memo(gs_sched *s, uint32_t n);
uint32_t gs_mig_epoch(const gs_sched *s);
/* A new number for each MIG placement (the memos' recency). */
uint32_t gs_mig_tick(gs_sched *s);
/* How many GPUs of `among` on node n are in MIG mode with j's profile. */
uint32_t gs_mig_count(const gs_sched *s, uint32_t n, const job_rec *j,
                      gs_mask among);
/* A MIG job takes / gives back an instance on each GPU of `set` (node n).
 * give with virtual = true marks them released for a what-if (backfill,
 * preemption); take with virtual = true undoes that. */
void gs_mig_take(gs_sched *s, const job_rec *j, uint32_t n, gs_mask set,
                 bool virtual_);
void gs_mig_give(gs_sched *s, const job_rec *j, uint32_t n, gs_mask set,
                 bool virtual_);
/* The instance j holds on GPU g: start slot, number in the fixed layout
 * (GS_NONE for a made one) and UUID (NULL unknown); false if none. */
bool gs_mig_held(const gs_sched *s, const job_rec *j, uint32_t g,
                 uint32_t *start, uint32_t *fixed, const char **uuid);
/* A submission of a MIG job counts in the profile mix. */
void gs_mig_note(gs_sched *s, const job_rec *j);
/* Resolve a profile name against the cluster's MIG tables into j. */
gs_status gs_mig_resolve(gs_sched *s, job_rec *j, const char *name);
/* gs_sched_check's part: instances, holders and layouts agree. */
gs_status gs_mig_check(gs_sched *s);
/* Snapshots: the learned mix and the instances' starts and UUIDs. */
#define GS_MIG_PROFILES 7
/* The mix in doubles: per table and profile the decayed counts, then the
 * weights in use, then the submissions since they were made. */
#define GS_MIG_MIX_LEN (2 * GS_MIG_GPU_COUNT * GS_MIG_PROFILES + 1)
void gs_mig_mix_get(const gs_sched *s, double *cnt);
void gs_mig_mix_set(gs_sched *s, const double *cnt);
/* Restore: put j's instance on GPU g at `start` (a dynamic GPU) or on
 * the fixed instance `fixed`; false if that is not possible now. */
bool gs_mig_restore_one(gs_sched *s, const job_rec *j, uint32_t g,
                        uint32_t start, uint32_t fixed, const char *uuid);

/* A GPU's device memory in bytes (0: unknown). */
uint64_t gs_gpu_memory(const gs_sched *s, uint32_t gpu);
/* Format milli-GPUs as GPUs ("3", "2.5", "0.125"). */
void gs_fmt_milli(char *buf, size_t cap, uint64_t milli);

/* ---- fragmentation (fragment.c: the job mix; place_share.c: the
 * measure and shared placement) ----------------------------------------- */

#define FRAG_LEARN 64u        /* learned kinds kept */
#define FRAG_REFRESH 64u      /* submissions between learned mixes */

typedef struct frag_cls {
    uint32_t gpus, milli, cpus;
    uint64_t mem;
    double w; /* share, sums to 1 */
} frag_cls;

typedef struct frag_learn {
    uint32_t gpus, milli;
    double cnt, cpus, mem; /* decayed count and sums */
} frag_learn;

/* A node's measure under the mix at an epoch: per class the GPUs with
 * room for one of its GPUs and the free share of the others. */
typedef struct frag_node {
    uint32_t ver, epoch;
    bool valid;
    uint32_t sumfree; /* free share of its schedulable GPUs */
    uint32_t free_cpus;
    uint64_t free_mem;
    double F;
} frag_node;
typedef struct frag_stat {
    uint32_t small; /* free share on GPUs too small for the class */
    uint16_t cnt;   /* GPUs with room for one of its GPUs */
} frag_stat;

/* The best answer for one kind of job on a node, while the node and the
 * mix are unchanged. */
#define FRAG_KEY_WORDS 5
typedef struct frag_best {
    uint64_t key[FRAG_KEY_WORDS];
    uint32_t ver, epoch;
    uint8_t valid; /* 0 none, 1 answer, 2 does not fit */
    gs_mask set;
    double d;      /* measure's growth */
    uint32_t left; /* free share left on the chosen GPUs */
    uint32_t nfree; /* the node's free share */
    bool scored;
    pscore score;
} frag_best;

struct frag_state {
    bool host; /* the host's mix, not a learned one */
    uint32_t n;
    frag_cls cls[GS_MAX_FRAG_CLASSES];
    uint32_t epoch;
    uint32_t n_learn, since;
    frag_learn learn[FRAG_LEARN];
    double unit;
    /* per node (allocated at creation for the policies that use them) */
    frag_node *node;
    frag_stat *stat; /* n_nodes x GS_MAX_FRAG_CLASSES */
    frag_best *best;
};

gs_status gs_frag_init(gs_sched *s);
void gs_frag_free(gs_sched *s);
/* An accepted submission counts for the learned mix. */
void gs_frag_note(gs_sched *s, const job_rec *j);
/* The refresh stage: the learned mix from the counts. */
void gs_frag_refresh(gs_sched *s);
/* gs_sched_set_frag_classes without the journal (restore). */
gs_status gs_frag_apply(gs_sched *s, const gs_frag_class *c, size_t n);
/* The measure of node n under the mix (milli-GPU); stats cached. */
double gs_frag_node(const gs_sched *s, uint32_t n);

/* Release what a job record owns (not the record). */
void gs_job_free(job_rec *j);

#endif
