/*
 * Bandwidth models of a GPU set per communication pattern (issue 16;
 * docs/placement.md has the formulas). Shared by the topology query
 * (gs_topo_pattern_bandwidth) and placement (place_tables.c), so that what
 * placement maximizes is what the query reports and what the simulator's
 * run-time model uses.
 *
 * A "pattern graph" describes GPUs and the paths between them:
 *   - bw[i][j]: the pair's bandwidth (MB/s, per direction);
 *   - med[i][j]: the medium: PG_DIRECT (NVLink wires of the pair's own:
 *     nothing else shares them), or a shared medium (NVSwitch fabric, PCIe,
 *     network) whose traffic from i goes through i's port of that medium
 *     and into j through j's port;
 *   - port[i][m]: the port index of GPU i on medium m, cap[p] its
 *     bandwidth in each direction (several GPUs may share one port: the
 *     GPUs of a node share its network port).
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_TOPO_PATTERN_H
#define GS_TOPO_PATTERN_H

#include "common/util.h"

#include <gpusched/job.h>

enum { PG_DIRECT = 0, PG_FABRIC = 1, PG_PCIE = 2, PG_NET = 3, PG_MEDIA = 4 };

/* Exact models up to this many GPUs (rings and paths by bitmask dynamic
 * programming); larger sets use the GPUs in the order given. */
#define PG_EXACT_MAX 16u
/* Bisection by enumeration up to this many GPUs. */
#define PG_BISECT_MAX 20u
/* Rings in one packing (NCCL's MAXCHANNELS is 32). */
#define PG_MAX_RINGS 32u
/* Scratch entries (uint16_t) the exact models need. */
#define PG_SCRATCH ((size_t)1 << PG_EXACT_MAX)

typedef struct pg_graph {
    uint32_t n;            /* vertices */
    const uint32_t *bw;    /* n x n, MB/s (0 on the diagonal) */
    const uint8_t *med;    /* n x n */
    const uint32_t *port;  /* n x PG_MEDIA: port index (unused for direct) */
    const uint32_t *cap;   /* per port, MB/s */
    uint32_t n_ports;
} pg_graph;

/* Every model of one set. */
typedef struct pg_result {
    uint64_t q;            /* sum of pair bandwidths */
    uint64_t ring;         /* summed ring rates */
    uint64_t ring_single;  /* the first (best) ring's rate */
    uint32_t rings;
    uint64_t a2a;          /* (k - 1) * weakest */
    uint64_t weakest;
    uint64_t bisection;    /* 0 when not computed */
    uint64_t chain;
    bool exact;
} pg_result;

/* Largest set the models take. */
#define PG_SET_MAX 128u
#define PG_PORTS_MAX (PG_SET_MAX * PG_MEDIA)

/* Working memory of pg_eval (about 430 KB): made once, so that evaluating
 * allocates nothing. */
typedef struct pg_sub {
    uint32_t k;
    uint32_t bw[PG_SET_MAX * PG_SET_MAX];
    uint8_t med[PG_SET_MAX * PG_SET_MAX];
    uint16_t lport[PG_SET_MAX * PG_MEDIA]; /* local port per vertex and medium */
    uint64_t cap[PG_PORTS_MAX];
    uint32_t nport;
} pg_sub;

typedef struct pg_ring_state {
    uint64_t rem[PG_SET_MAX * PG_SET_MAX];
    uint64_t pout[PG_PORTS_MAX], pin[PG_PORTS_MAX];
} pg_ring_state;

typedef struct pg_work {
    pg_sub s;
    pg_ring_state rs;
    uint16_t dp[PG_SCRATCH];
} pg_work;

/* Which models pg_eval computes (others are left 0). */
#define PG_WANT_Q 0x1u
#define PG_WANT_RING 0x2u
#define PG_WANT_A2A 0x4u
#define PG_WANT_BISECT 0x8u
#define PG_WANT_CHAIN 0x10u
#define PG_WANT_ALL 0x1Fu

/* The models of the set v[0..k) of g (distinct vertices, k <= PG_SET_MAX), in
 * the working memory w. */
void pg_eval(const pg_graph *g, const uint32_t *v, uint32_t k, unsigned want,
             pg_work *w, pg_result *out);

/* The model placement maximizes for a pattern, from a result. */
uint64_t pg_value(const pg_result *r, gs_comm_pattern p);
/* The models pattern p needs. */
unsigned pg_want(gs_comm_pattern p);

/* Upper bounds used by placement's branch and bound: the best any set S
 * with in ⊆ S ⊆ in ∪ more can reach (sets of at most 64 vertices as
 * masks of g's vertices, g->n <= 64). */
uint64_t pg_bound(const pg_graph *g, gs_comm_pattern p, uint64_t in,
                  uint64_t more, uint32_t k);

struct gs_ntype;
struct gs_pattern_info;
/* A GPU's port bandwidth on a medium (MB/s): its fabric bandwidth, or its
 * best pair on that medium. */
uint32_t pg_port_cap(const struct gs_ntype *ty, uint32_t gpu, uint32_t m);
/* The graph of a node type (n GPUs): bw and med n x n, port n x PG_MEDIA,
 * cap 2n (fabric ports 0..n-1, PCIe ports n..2n-1). */
void pg_type_fill(const struct gs_ntype *ty, uint32_t *bw, uint8_t *med,
                  uint32_t *port, uint32_t *cap);
/* The public figures (GB/s) of a result, the pattern's model in
 * bandwidth. */
void pg_info_fill(const pg_result *r, gs_comm_pattern p,
                  struct gs_pattern_info *out);
/* Copy a full info into the caller's, of its struct_size. */
void pg_info_copy(const struct gs_pattern_info *full,
                  struct gs_pattern_info *info);

#endif
