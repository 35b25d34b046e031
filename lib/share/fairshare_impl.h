/*
 * Private layout of gs_share, used by the scheduler to charge usage and
 * read factors.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_FAIRSHARE_IMPL_H
#define GS_FAIRSHARE_IMPL_H

#include <gpusched/fairshare.h>

#include "topo/topo_impl.h"

typedef struct assoc {
    const char *account; /* interned */
    const char *user;    /* NULL for an account */
    uint32_t parent;     /* GS_NONE for root */
    uint32_t first_child, next_sibling, last_child;
    uint32_t depth;
    double shares;
    bool use_parent; /* Slurm's Fairshare=parent: no shares of its own */
    double usage;   /* own usage, as of t_usage */
    double t_usage;
    /* set by gs_share_compute */
    double tot_usage, norm_shares, norm_usage, effective_usage, factor,
        level_fs, level_shares;
    uint32_t rank;
} assoc;

struct gs_share {
    gs_err err;
    gs_interner strings;
    assoc *a;
    size_t n, cap;
    gs_strtab index; /* "account" or "user\x1faccount" -> association */
    uint32_t n_users;
    double half_life;
    /* scratch sized with the tree: computing allocates nothing */
    uint32_t *order, *scratch;
    struct fs_frame *frames; /* the fair-tree walk's stack */
    uint32_t *display;       /* rows in display order (valid if display_ok) */
    bool display_ok;
    size_t cap_scratch;
    bool computed;
    gs_fairshare_algo algo;
    double t_compute;
};

uint32_t gs_share_find(const gs_share *s, const char *user,
                       const char *account);
/* Find or add (with 1 share) the association of a user in an account; a
 * missing account is added below root. */
gs_status gs_share_ensure(gs_share *s, const char *user, const char *account,
                          uint32_t *out);
/* Make gs_share_ensure(s, user, account) unable to fail: room for the
 * two associations it may add, and their names interned. */
gs_status gs_share_prepare(gs_share *s, const char *user, const char *account);
/* Decay factor over dt seconds. */
double gs_share_decay(const gs_share *s, double dt);
/* Add usage to one association at time now (the sum saturates at
 * GS_USAGE_MAX). */
void gs_share_charge(gs_share *s, uint32_t idx, double amount, double now);
/* The built-in algorithms' tables (registered first). */
extern const gs_fairshare_ops gs_fairshare_fair_tree, gs_fairshare_classic;
/* Is now a time the share tree accepts (finite, |now| <= GS_TIME_MAX)? */
bool gs_share_time_ok(double now);

/* Snapshots (lib/durable): the whole tree, usage and the last
 * computation's results. Decoding into a fresh tree (fresh: only root)
 * rebuilds it; into a host's tree, finds each saved association by name
 * (GS_EINVALID naming the first missing) and sets its values. map[i]
 * receives the index of saved association i (cap_map entries at most). */
struct gs_wbuf;
struct gs_rbuf;
void gs_share_encode(const gs_share *s, struct gs_wbuf *w);
gs_status gs_share_decode(gs_share *s, struct gs_rbuf *r, bool fresh,
                          uint32_t *map, size_t cap_map, size_t *n_out,
                          gs_err *err);

#endif
