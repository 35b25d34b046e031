/*
 * gpusched - GPU-aware scheduling library.
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file fairshare.h
 * @brief Accounts, shares, usage and the fair-share factor.
 *
 * A ::gs_share holds an account tree with shares (accounts nest below the
 * implicit account "root"; users belong to accounts, with shares of their
 * own), the usage charged to each association, and the fair-share factor
 * computed from them by one of two algorithms:
 *
 * - **classic** (Slurm's original): F = 2^(-UE/S), where S is the
 *   association's normalized share (shares / siblings' shares, multiplied
 *   down the tree) and UE its effective usage: the actual usage for
 *   accounts just below root, and below them
 *   UE = UA + (UE_parent - UA) * S_child / S_siblings (raw shares).
 *   Usage is normalized by root's usage.
 * - **fair-tree** (the default, Slurm's Fair Tree): each association's
 *   Level Fairshare LF = S / U against its siblings (shares and usage
 *   normalized among siblings; LF is infinite without usage); the tree is
 *   walked depth first with siblings in decreasing LF, users are ranked in
 *   the order they are met, and a user's factor is rank / number of users
 *   (the first gets 1.0). Sibling users with equal LF share a rank, a user
 *   tied with a sibling account shares the rank of that account's first
 *   user, and tied sibling accounts have their children merged.
 *
 * Usage decays exactly: u(t + dt) = u(t) * exp(-ln 2 * dt / half_life).
 * The caller passes times; the object never reads a clock.
 *
 * Numbers are checked where they enter: times must be finite and within
 * ::GS_TIME_MAX of 0, usage from 0 to ::GS_USAGE_MAX, shares from 0 to
 * 1e15, the half-life from 0 to ::GS_TIME_MAX; NaN and negative values
 * are ::GS_EINVAL, values too large (infinity included) ::GS_ERANGE. So
 * every factor is a number (never NaN) whatever the input.
 *
 * A tree is used by one thread at a time, reading calls included (they
 * use scratch memory kept in the tree); docs/threading.md has the rules of
 * every handle.
 */
#ifndef GPUSCHED_FAIRSHARE_H
#define GPUSCHED_FAIRSHARE_H

#include <gpusched/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup fairshare Fair share
 *  @brief Accounts, shares, decayed usage and fair-share factors (Slurm's
 *         classic and Fair Tree).
 *
 *  An account tree with shares and decayed usage, and the fair-share
 *  factor of every user by Slurm's classic or Fair Tree algorithm.
 *
 *  A scheduler keeps its own tree (gs_sched_share()) and charges the
 *  GPU-seconds of its jobs to it; a host can also give it one (the
 *  `share` field of ::gs_sched_config) or use a tree alone, as
 *  `gpusched share` does:
 *
 *  @code
 *  gs_share *sh = NULL;
 *  gs_share_create(&sh);
 *  gs_share_load_accounts(sh, json, json_len, "accounts.json");
 *  gs_share_load_usage(sh, csv, csv_len, "usage.csv");
 *  gs_share_compute(sh, GS_FAIRSHARE_FAIR_TREE, now);
 *  double f = gs_share_factor(sh, "alice", "vision");
 *  gs_share_destroy(sh);
 *  @endcode
 *  @{ */

/**
 * @brief The largest usage one association may hold: 1e30 (billable
 *        GPU-seconds by default).
 *
 * Usage set or loaded above it is refused with ::GS_ERANGE; usage charged
 * by running jobs stops growing at it. Sums over any number of
 * associations then stay finite, so the factors are never NaN.
 */
#define GS_USAGE_MAX 1e30

/** @brief An opaque account tree with usage. */
typedef struct gs_share gs_share;

/** @brief The fair-share algorithm. */
typedef enum gs_fairshare_algo {
    GS_FAIRSHARE_FAIR_TREE = 0, /**< Slurm's Fair Tree (default). */
    GS_FAIRSHARE_CLASSIC = 1    /**< Slurm's classic formula. */
} gs_fairshare_algo;

/**
 * @brief Create an empty tree (just "root").
 * @param[out] out Receives the handle.
 * @return ::GS_OK, ::GS_EINVAL, ::GS_ENOMEM.
 */
GS_API gs_status gs_share_create(gs_share **out);

/**
 * @brief Release a tree. Accepts NULL.
 * @param share The tree.
 */
GS_API void gs_share_destroy(gs_share *share);

/**
 * @brief The message about the last error.
 * @param share The tree (NULL gives a fixed message).
 * @return A string owned by the tree.
 */
GS_API const char *gs_share_errmsg(const gs_share *share);

/**
 * @brief Read accounts and users from JSON (docs/formats.md):
 *        `{"accounts": [{"name": "A", "parent": "root", "shares": 40}],
 *        "users": [{"name": "u1", "account": "A", "shares": 1}]}`.
 *        Other keys (scheduler settings in the same file) are ignored.
 *
 * Accounts may be listed in any order (a parent after its child); the
 * time taken grows as n log n with the number of entries, whatever the
 * order or depth. On failure (an account listed twice or already in the
 * tree, a missing parent, a cycle, a bad value, or memory) nothing is
 * added and the message has %file:line:column.
 * @param share The tree.
 * @param text The JSON text.
 * @param size Its length.
 * @param name Name for error messages (NULL: "<buffer>").
 * @return ::GS_OK, ::GS_EPARSE, ::GS_ENOMEM, ::GS_EINVAL.
 */
GS_API gs_status gs_share_load_accounts(gs_share *share, const char *text,
                                        size_t size, const char *name);

/**
 * @brief Read usage from CSV lines `user,account,usage` (a first line
 *        naming these three columns, in any order and case, is a header
 *        and sets the order; fields may be in double quotes; `#` starts a
 *        comment). The usage is as of time 0, from 0 to ::GS_USAGE_MAX.
 *        An empty user charges the account itself (usage of users no
 *        longer listed, for instance). Each line replaces that
 *        association's usage; unknown users and accounts are added with 1
 *        share. A bad line (or running out of memory) changes nothing.
 * @param share The tree.
 * @param text The CSV text.
 * @param size Its length.
 * @param name Name for error messages.
 * @return ::GS_OK, ::GS_EPARSE (%file:line:column), ::GS_ENOMEM,
 *         ::GS_EINVAL.
 */
GS_API gs_status gs_share_load_usage(gs_share *share, const char *text,
                                     size_t size, const char *name);

/**
 * @brief Write the usage of every association that has any, in the CSV
 *        gs_share_load_usage() reads back: a comment line `# as of T`
 *        (the latest time usage was charged; each usage is decayed to it),
 *        a header, then `user,account,usage` per association in the tree's
 *        order (an empty user: the account's own usage), each usage with
 *        17 significant digits. Loading it into a tree with the same
 *        accounts gives the same usages as of T (bit for bit where an
 *        association was charged at T, else to the last bits of the
 *        decay); a host keeps the file as its accounting of record.
 * @param share The tree.
 * @param[out] text Receives the text (free with gs_free()).
 * @param[out] len Receives its length (may be NULL).
 * @return ::GS_OK, ::GS_EINVAL, ::GS_ENOMEM.
 */
GS_API gs_status gs_share_save_usage(const gs_share *share, char **text,
                                     size_t *len);

/**
 * @brief Add an account below a parent ("root" or an existing account).
 * @param share The tree.
 * @param name Unique account name.
 * @param parent The parent account (NULL or "root" for the top).
 * @param shares Raw shares, from 0 to 1e15.
 * @return ::GS_OK, ::GS_EEXIST, ::GS_ENOTFOUND (parent), ::GS_EINVAL,
 *         ::GS_ERANGE, ::GS_ENOMEM.
 */
GS_API gs_status gs_share_add_account(gs_share *share, const char *name,
                                      const char *parent, double shares);

/**
 * @brief Let a user charge an account, with raw shares.
 * @param share The tree.
 * @param user The user.
 * @param account An existing account ("root" allowed).
 * @param shares Raw shares, from 0 to 1e15.
 * @return ::GS_OK, ::GS_EEXIST, ::GS_ENOTFOUND, ::GS_EINVAL, ::GS_ERANGE,
 *         ::GS_ENOMEM.
 */
GS_API gs_status gs_share_add_user(gs_share *share, const char *user,
                                   const char *account, double shares);

/**
 * @brief Set the usage of an association (seed it), as of time @p now.
 * @param share The tree.
 * @param user The user, or NULL for the account's own usage.
 * @param account The account.
 * @param usage The usage (billable GPU-seconds by default), from 0 to
 *        ::GS_USAGE_MAX.
 * @param now The caller's time the value holds at.
 * @return ::GS_OK, ::GS_ENOTFOUND, ::GS_EINVAL, ::GS_ERANGE.
 */
GS_API gs_status gs_share_set_usage(gs_share *share, const char *user,
                                    const char *account, double usage,
                                    double now);

/**
 * @brief Add usage to an association at time @p now (decaying what it had
 *        up to then).
 * @param share The tree.
 * @param user The user, or NULL for the account's own usage.
 * @param account The account.
 * @param amount The usage to add, from 0 to ::GS_USAGE_MAX (the sum stops
 *        at ::GS_USAGE_MAX).
 * @param now The caller's time.
 * @return ::GS_OK, ::GS_ENOTFOUND, ::GS_EINVAL, ::GS_ERANGE.
 */
GS_API gs_status gs_share_add_usage(gs_share *share, const char *user,
                                    const char *account, double amount,
                                    double now);

/**
 * @brief The usage of an association at time @p now, decayed: for an
 *        account, its own usage plus all of its descendants'.
 * @param share The tree.
 * @param user The user, or NULL for the account.
 * @param account The account.
 * @param now The caller's time.
 * @return The usage, or a negative value when the association is unknown
 *         or @p now is not a valid time.
 */
GS_API double gs_share_usage(const gs_share *share, const char *user,
                             const char *account, double now);

/**
 * @brief Set the decay half-life in seconds (0: no decay). Default: one
 *        week (604800).
 * @param share The tree.
 * @param half_life Seconds, from 0 to ::GS_TIME_MAX.
 * @return ::GS_OK, ::GS_EINVAL or ::GS_ERANGE.
 */
GS_API gs_status gs_share_set_half_life(gs_share *share, double half_life);

/**
 * @brief Compute the fair-share factors of every association at time
 *        @p now with the given algorithm.
 * @param share The tree.
 * @param algo The algorithm.
 * @param now The caller's time (usage is decayed to it).
 * @return ::GS_OK, ::GS_EINVAL, ::GS_ERANGE (a time out of range). It
 *         allocates nothing, and walks the tree with explicit stacks, so
 *         a tree of any depth is fine.
 */
GS_API gs_status gs_share_compute(gs_share *share, gs_fairshare_algo algo,
                                  double now);

/**
 * @brief A user's fair-share factor from the last gs_share_compute().
 * @param share The tree.
 * @param user The user.
 * @param account The account.
 * @return The factor in [0, 1], or a negative value when unknown.
 */
GS_API double gs_share_factor(const gs_share *share, const char *user,
                              const char *account);

/** @brief One association, as `gpusched share` prints it (like `sshare`). */
typedef struct gs_share_row {
    /** sizeof(gs_share_row) as the caller knows it. */
    uint32_t struct_size;
    /** Depth in the tree: 0 for root, 1 below it... */
    uint32_t depth;
    /** The account. */
    const char *account;
    /** The user, or NULL for an account row. */
    const char *user;
    /** Raw shares; NaN for `"shares": "parent"` (Slurm's
     *  Fairshare=parent: the association takes its parent's place). */
    double raw_shares;
    /** Normalized shares (fraction of the whole machine). */
    double norm_shares;
    /** Raw usage (decayed to the last compute time). */
    double raw_usage;
    /** Usage as a fraction of root's usage. */
    double norm_usage;
    /** Effective usage (classic) or usage among siblings (fair-tree). */
    double effective_usage;
    /** The fair-share factor (users; accounts: the classic factor of the
     *  account, or its best user's fair-tree factor). */
    double factor;
    /** Level Fairshare: shares / usage among siblings (infinity without
     *  usage, and for a user with `"parent"` shares; NaN for an account
     *  with `"parent"` shares). */
    double level_fs;
    /** Fair-tree rank of a user (number of users for the first), 0 for
     *  accounts or with the classic algorithm. */
    uint32_t rank;
    /** Shares among siblings: raw shares over the sum of the raw shares
     *  of the associations sharing the parent's (what Slurm's sshare shows
     *  as NormShares under Fair Tree); with `"parent"` shares, that of the
     *  parent; 1 for root. (Added in 0.1: check struct_size.) */
    double level_shares;
} gs_share_row;

/** Initializer for a ::gs_share_row to be filled by gs_share_row_get(). */
#define GS_SHARE_ROW_INIT                                                   \
    { sizeof(gs_share_row), 0, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0 }

/**
 * @brief Number of rows (associations) in tree order: root, then each
 *        account followed by its users and sub-accounts, by name. The
 *        order is sorted once after each change of the tree (O(n log n)),
 *        so reading every row costs O(n log n) in all.
 * @param share The tree.
 * @return The count.
 */
GS_API size_t gs_share_row_count(const gs_share *share);

/**
 * @brief One row, with the values of the last gs_share_compute().
 * @param share The tree.
 * @param i Index below gs_share_row_count().
 * @param[in,out] row Its struct_size must be set; the rest is filled
 *        (strings owned by the tree).
 * @return ::GS_OK or ::GS_EINVAL.
 */
GS_API gs_status gs_share_row_get(const gs_share *share, size_t i,
                                  gs_share_row *row);

/** @name Fair-share algorithms as plugins
 *  The algorithms are ops tables in a registry, like placement and
 *  ordering policies: `fair-tree` and `classic` are built in, and a host
 *  registers its own (a schedule of shares, a quota service). A plugin's
 *  compute function runs after the library has computed every row's
 *  usage, shares and classic columns (its `factor` holds the classic
 *  factor); it sets the factors it wants with gs_share_set_factor().
 *  @{ */

/** The fair-share ABI version this header describes. */
#define GS_FAIRSHARE_ABI_VERSION 1

/** @brief A fair-share algorithm. Fill it statically and register it with
 *         gs_fairshare_register(); it must outlive every user. */
typedef struct gs_fairshare_ops {
    /** ::GS_FAIRSHARE_ABI_VERSION the table was written for. */
    uint32_t abi_version;
    /** Unique name, e.g. "quota". */
    const char *name;
    /** One line of description (may be NULL). */
    const char *description;
    /**
     * Required: set the factors of the tree's rows (gs_share_row_count(),
     * gs_share_row_get(), gs_share_set_factor()).
     * @param arg The table's arg.
     * @param share The tree, its classic columns computed at @p now.
     * @param now The time the factors are for.
     * @return ::GS_OK, or an error that the compute call returns.
     */
    gs_status (*compute)(void *arg, gs_share *share, double now);
    /** Passed to compute. */
    void *arg;
    /* Version 1 ends here; later versions add members below. */
} gs_fairshare_ops;

/**
 * @brief Register a fair-share algorithm under its name.
 * @param ops The table (kept by pointer, not copied).
 * @return ::GS_OK; ::GS_EINVAL (NULL, no name, no compute function, or an
 *         unknown ABI version); ::GS_EEXIST; ::GS_ENOMEM (64 already).
 */
GS_API gs_status gs_fairshare_register(const gs_fairshare_ops *ops);

/**
 * @brief Find a registered fair-share algorithm by name.
 * @param name The name ("fair-tree", "classic", or a registered one).
 * @return The table, or NULL.
 */
GS_API const gs_fairshare_ops *gs_fairshare_find(const char *name);

/**
 * @brief Unregister a fair-share algorithm; schedulers using it keep it.
 * @param name The name.
 * @return ::GS_OK; ::GS_ENOTFOUND; ::GS_EINVAL (a built-in one).
 */
GS_API gs_status gs_fairshare_unregister(const char *name);

/**
 * @brief Number of registered fair-share algorithms.
 * @return The count.
 */
GS_API size_t gs_fairshare_count(void);

/**
 * @brief The name of the i-th registered fair-share algorithm (built-ins
 *        first: fair-tree, classic).
 * @param i Index below gs_fairshare_count().
 * @return The name, or NULL.
 */
GS_API const char *gs_fairshare_name(size_t i);

/**
 * @brief Compute the factors with a registered algorithm (what
 *        gs_share_compute() does with a built-in one).
 * @param share The tree.
 * @param ops The algorithm (from gs_fairshare_find()).
 * @param now The caller's time (usage is decayed to it).
 * @return ::GS_OK, ::GS_EINVAL, ::GS_ERANGE, or the algorithm's error
 *         (the factors are then those of the classic algorithm).
 */
GS_API gs_status gs_share_compute_with(gs_share *share,
                                       const gs_fairshare_ops *ops,
                                       double now);

/**
 * @brief Set one row's fair-share factor (from a plugin's compute
 *        function).
 * @param share The tree.
 * @param i Row index below gs_share_row_count() (the order of
 *        gs_share_row_get()).
 * @param factor From 0 to 1.
 * @return ::GS_OK; ::GS_EINVAL (no such row, or NaN); ::GS_ERANGE
 *         (outside [0, 1]).
 */
GS_API gs_status gs_share_set_factor(gs_share *share, size_t i,
                                     double factor);

/** @} */

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* GPUSCHED_FAIRSHARE_H */
