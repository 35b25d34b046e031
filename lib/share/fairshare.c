/*
 * Accounts, usage and fair-share factors (include/gpusched/fairshare.h).
 *
 * Associations (accounts and user-in-account pairs) live in one array; each
 * keeps its own usage with the time it holds at, and decays lazily when
 * read, so charging usage costs O(1) whatever the number of users. Computing
 * the factors walks the tree once; the scratch it needs grows with the tree
 * when associations are added, so computing allocates nothing.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "share/fairshare_impl.h"
#include "common/registry.h"

#include "common/codec.h"
#include "common/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ROOT 0u

/* A frame of the fair-tree walk: the merged child list at
 * scratch[off, off + n), the next group to visit, and whether the list's
 * first group ties with what was ranked just before. */
typedef struct fs_frame {
    uint32_t off, n, next;
    bool tied, sorted;
} fs_frame;

/* ---- lifecycle ---------------------------------------------------------- */

/* Make room for `more` associations beyond the current ones: the array,
 * the index and every scratch buffer, so that adding them cannot fail. */
static gs_status reserve_assocs(gs_share *s, size_t more)
{
    if (more > UINT32_MAX - 2 - s->n)
        return GS_ENOMEM;
    size_t need = s->n + more;
    if (!GS_GROW(s->a, s->cap, need) || !gs_strtab_reserve(&s->index, more))
        return GS_ENOMEM;
    need++;
    if (s->cap_scratch >= need)
        return GS_OK;
    size_t cap = s->cap_scratch ? s->cap_scratch : 16;
    while (cap < need)
        cap *= 2;
    uint32_t *a = gs_realloc(s->order, cap * sizeof *a);
    if (!a)
        return GS_ENOMEM;
    s->order = a;
    uint32_t *d = gs_realloc(s->display, cap * sizeof *d);
    if (!d)
        return GS_ENOMEM;
    s->display = d;
    fs_frame *f = gs_realloc(s->frames, cap * sizeof *f);
    if (!f)
        return GS_ENOMEM;
    s->frames = f;
    /* two thirds for walks and merged child lists, a third for the
     * stack that expands Fairshare=parent accounts */
    uint32_t *b = gs_realloc(s->scratch, 3 * cap * sizeof *b);
    if (!b)
        return GS_ENOMEM;
    s->scratch = b;
    s->cap_scratch = cap;
    return GS_OK;
}

/* The index key of an association: the account, or "user<US>account". */
static size_t assoc_key(char *key, size_t cap, const char *user,
                        const char *account)
{
    int n = snprintf(key, cap, "%s%s%s", user ? user : "", user ? "\x1f" : "",
                     account);
    return n < 0 ? 0 : GS_MIN((size_t)n, cap - 1);
}

/* Intern the strings an association needs. Interning the same strings
 * again later finds them without allocating, so a caller that prepares
 * every association first (and reserves room) adds them without any
 * possible failure. */
static gs_status prepare_assoc(gs_share *s, const char *account,
                               const char *user)
{
    char key[2 * GS_MAX_NAME + 4];
    size_t klen = assoc_key(key, sizeof key, user, account);
    if (!gs_intern(&s->strings, account, strlen(account)) ||
        (user && !gs_intern(&s->strings, user, strlen(user))) ||
        !gs_intern(&s->strings, key, klen))
        return GS_ENOMEM;
    return GS_OK;
}

/* Append an association; the caller has checked names. Fails only when
 * memory runs out, and then changes nothing. */
static gs_status add_assoc(gs_share *s, const char *account, const char *user,
                           uint32_t parent, double shares, uint32_t *out)
{
    if (reserve_assocs(s, 1) != GS_OK || prepare_assoc(s, account, user))
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    char key[2 * GS_MAX_NAME + 4];
    size_t klen = assoc_key(key, sizeof key, user, account);
    /* found, not allocated: prepared above */
    const char *iacct = gs_intern(&s->strings, account, strlen(account));
    const char *iuser = user ? gs_intern(&s->strings, user, strlen(user)) : NULL;
    const char *ikey = gs_intern(&s->strings, key, klen);
    gs_strtab_put(&s->index, ikey, klen, (uint32_t)s->n); /* reserved */
    assoc *a = &s->a[s->n];
    memset(a, 0, sizeof *a);
    a->account = iacct;
    a->user = iuser;
    a->parent = parent;
    a->shares = shares;
    a->first_child = a->next_sibling = a->last_child = GS_NONE;
    a->depth = parent == GS_NONE ? 0 : s->a[parent].depth + 1;
    if (parent != GS_NONE) {
        /* keep children in insertion order: append in O(1) */
        assoc *p = &s->a[parent];
        if (p->last_child == GS_NONE)
            p->first_child = (uint32_t)s->n;
        else
            s->a[p->last_child].next_sibling = (uint32_t)s->n;
        p->last_child = (uint32_t)s->n;
    }
    if (user)
        s->n_users++;
    if (out)
        *out = (uint32_t)s->n;
    s->n++;
    s->computed = false;
    s->display_ok = false;
    return GS_OK;
}

GS_API gs_status gs_share_create(gs_share **out)
{
    if (!out)
        return GS_EINVAL;
    gs_share *s = *out = gs_calloc(1, sizeof *s);
    if (!s)
        return GS_ENOMEM;
    s->half_life = 604800.0;
    gs_status st = add_assoc(s, "root", NULL, GS_NONE, 1.0, NULL);
    if (st != GS_OK) {
        gs_share_destroy(s);
        *out = NULL;
        return GS_ENOMEM;
    }
    return GS_OK;
}

GS_API void gs_share_destroy(gs_share *s)
{
    if (!s)
        return;
    gs_free(s->a);
    gs_free(s->order);
    gs_free(s->display);
    gs_free(s->frames);
    gs_free(s->scratch);
    gs_strtab_free(&s->index);
    gs_interner_free(&s->strings);
    gs_free(s);
}

GS_API const char *gs_share_errmsg(const gs_share *s)
{
    return s ? s->err.msg : "no share tree (NULL handle)";
}

/* ---- lookup ------------------------------------------------------------- */

uint32_t gs_share_find(const gs_share *s, const char *user,
                       const char *account)
{
    if (!account)
        return GS_NONE;
    if ((user && strlen(user) > GS_MAX_NAME) || strlen(account) > GS_MAX_NAME)
        return GS_NONE;
    char key[2 * GS_MAX_NAME + 4];
    size_t klen = assoc_key(key, sizeof key, user, account);
    const gs_strtab_slot *slot = gs_strtab_get(&s->index, key, klen);
    return slot ? slot->val : GS_NONE;
}

static gs_status check_shares(gs_share *s, double shares)
{
    if (!(shares >= 0) || shares > 1e15)
        return gs_errf(&s->err, shares > 1e15 ? GS_ERANGE : GS_EINVAL,
                       "shares must be a number from 0 to 1e15, not %g", shares);
    return GS_OK;
}

bool gs_share_time_ok(double now)
{
    return isfinite(now) && fabs(now) <= (double)GS_TIME_MAX;
}

static gs_status check_time(gs_share *s, double now)
{
    if (!gs_share_time_ok(now))
        return gs_errf(&s->err, isnan(now) ? GS_EINVAL : GS_ERANGE,
                       "time %g is out of range (a finite number of seconds "
                       "within +-2^60)",
                       now);
    return GS_OK;
}

static gs_status check_usage(gs_share *s, const char *what, double usage)
{
    if (!(usage >= 0) || usage > GS_USAGE_MAX)
        return gs_errf(&s->err, usage > GS_USAGE_MAX ? GS_ERANGE : GS_EINVAL,
                       "%s must be a number from 0 to 1e30, not %g", what,
                       usage);
    return GS_OK;
}

GS_API gs_status gs_share_add_account(gs_share *s, const char *name,
                                      const char *parent, double shares)
{
    if (!s)
        return GS_EINVAL;
    gs_status st = gs_check_name("account", name, &s->err);
    if (st != GS_OK || (st = check_shares(s, shares)) != GS_OK)
        return st;
    if (gs_share_find(s, NULL, name) != GS_NONE)
        return gs_errf(&s->err, GS_EEXIST, "account \"%s\" already exists",
                       name);
    uint32_t p = gs_share_find(s, NULL, parent ? parent : "root");
    if (p == GS_NONE) {
        char q[100];
        return gs_errf(&s->err, GS_ENOTFOUND,
                       "account \"%s\": no parent account \"%s\"", name,
                       gs_printable(q, sizeof q, parent, SIZE_MAX));
    }
    return add_assoc(s, name, NULL, p, shares, NULL);
}

GS_API gs_status gs_share_add_user(gs_share *s, const char *user,
                                   const char *account, double shares)
{
    if (!s)
        return GS_EINVAL;
    gs_status st = gs_check_name("user", user, &s->err);
    if (st != GS_OK || (st = check_shares(s, shares)) != GS_OK)
        return st;
    uint32_t a = account ? gs_share_find(s, NULL, account) : GS_NONE;
    if (a == GS_NONE) {
        char q[100];
        return gs_errf(&s->err, GS_ENOTFOUND,
                       "user \"%s\": no account \"%s\"", user,
                       gs_printable(q, sizeof q, account, SIZE_MAX));
    }
    if (gs_share_find(s, user, account) != GS_NONE)
        return gs_errf(&s->err, GS_EEXIST,
                       "user \"%s\" already charges account \"%s\"", user,
                       account);
    return add_assoc(s, account, user, a, shares, NULL);
}

gs_status gs_share_prepare(gs_share *s, const char *user, const char *account)
{
    const char *acct = account && *account ? account : "root";
    if (reserve_assocs(s, 2) != GS_OK || prepare_assoc(s, acct, NULL) ||
        (user && *user && prepare_assoc(s, acct, user)))
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    return GS_OK;
}

gs_status gs_share_ensure(gs_share *s, const char *user, const char *account,
                          uint32_t *out)
{
    const char *acct = account && *account ? account : "root";
    uint32_t a = gs_share_find(s, NULL, acct);
    gs_status st;
    if (a == GS_NONE) {
        if ((st = gs_share_add_account(s, acct, "root", 1.0)) != GS_OK)
            return st;
        a = (uint32_t)s->n - 1;
    }
    if (!user || !*user) {
        *out = a;
        return GS_OK;
    }
    uint32_t u = gs_share_find(s, user, acct);
    if (u == GS_NONE) {
        if ((st = gs_share_add_user(s, user, acct, 1.0)) != GS_OK)
            return st;
        u = (uint32_t)s->n - 1;
    }
    *out = u;
    return GS_OK;
}

/* ---- usage -------------------------------------------------------------- */

double gs_share_decay(const gs_share *s, double dt)
{
    if (s->half_life <= 0 || dt <= 0)
        return 1.0;
    return exp(-0.69314718055994530942 * dt / s->half_life); /* ln 2 */
}

static double own_usage(const gs_share *s, const assoc *a, double now)
{
    return a->usage * gs_share_decay(s, now - a->t_usage);
}

void gs_share_charge(gs_share *s, uint32_t idx, double amount, double now)
{
    assoc *a = &s->a[idx];
    double u = own_usage(s, a, now) + amount;
    a->usage = u < GS_USAGE_MAX ? u : GS_USAGE_MAX; /* also NaN -> max */
    a->t_usage = now;
    s->computed = false;
}

static gs_status assoc_arg(gs_share *s, const char *user, const char *account,
                           uint32_t *idx)
{
    if (!s)
        return GS_EINVAL;
    *idx = gs_share_find(s, user, account);
    if (*idx == GS_NONE) {
        char qu[100], qa[100];
        return gs_errf(&s->err, GS_ENOTFOUND, "no association %s%s%s",
                       user ? gs_printable(qu, sizeof qu, user, SIZE_MAX) : "",
                       user ? " in account " : "account ",
                       gs_printable(qa, sizeof qa, account, SIZE_MAX));
    }
    return GS_OK;
}

GS_API gs_status gs_share_set_usage(gs_share *s, const char *user,
                                    const char *account, double usage,
                                    double now)
{
    uint32_t idx;
    gs_status st = assoc_arg(s, user, account, &idx);
    if (st != GS_OK || (st = check_usage(s, "usage", usage)) != GS_OK ||
        (st = check_time(s, now)) != GS_OK)
        return st;
    s->a[idx].usage = usage;
    s->a[idx].t_usage = now;
    s->computed = false;
    return GS_OK;
}

GS_API gs_status gs_share_add_usage(gs_share *s, const char *user,
                                    const char *account, double amount,
                                    double now)
{
    uint32_t idx;
    gs_status st = assoc_arg(s, user, account, &idx);
    if (st != GS_OK || (st = check_usage(s, "usage", amount)) != GS_OK ||
        (st = check_time(s, now)) != GS_OK)
        return st;
    gs_share_charge(s, idx, amount, now);
    return GS_OK;
}

GS_API double gs_share_usage(const gs_share *s, const char *user,
                             const char *account, double now)
{
    if (!s || !gs_share_time_ok(now))
        return -1.0;
    uint32_t idx = gs_share_find(s, user, account);
    if (idx == GS_NONE)
        return -1.0;
    /* own usage plus every descendant's (a subtree walk on the scratch,
     * sized with the tree: like every call on a share tree, one thread at
     * a time) */
    double sum = 0;
    uint32_t stack_top = 0;
    uint32_t *stack = s->scratch;
    stack[stack_top++] = idx;
    while (stack_top) {
        const assoc *a = &s->a[stack[--stack_top]];
        sum += own_usage(s, a, now);
        for (uint32_t c = a->first_child; c != GS_NONE;
             c = s->a[c].next_sibling)
            stack[stack_top++] = c;
    }
    return sum;
}

GS_API gs_status gs_share_set_half_life(gs_share *s, double half_life)
{
    if (!s)
        return GS_EINVAL;
    if (!(half_life >= 0) || half_life > (double)GS_TIME_MAX)
        return gs_errf(&s->err,
                       half_life > (double)GS_TIME_MAX ? GS_ERANGE : GS_EINVAL,
                       "half_life must be from 0 to 2^60 seconds, not %g",
                       half_life);
    s->half_life = half_life;
    s->computed = false;
    return GS_OK;
}

/* ---- computing the factors --------------------------------------------- */

/* Pre-order (parents before children) into s->order[0..n); read backwards
 * it visits children before their parents. */
static void pre_order(gs_share *s)
{
    uint32_t *stack = s->scratch, *out = s->order;
    uint32_t top = 0, k = 0;
    stack[top++] = ROOT;
    while (top) {
        uint32_t i = stack[--top];
        out[k++] = i;
        for (uint32_t c = s->a[i].first_child; c != GS_NONE;
             c = s->a[c].next_sibling)
            stack[top++] = c;
    }
}

/* Level fairshares are the same for grouping: equal, or both NaN (which
 * the computation never makes for the associations it ranks, but a loop
 * must end whatever the numbers are). */
static bool same_lf(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static int cmp_lf_desc(const gs_share *s, uint32_t x, uint32_t y)
{
    double a = s->a[x].level_fs, b = s->a[y].level_fs;
    if (!same_lf(a, b)) {
        if (isnan(a) || isnan(b)) /* NaN last: a total order */
            return isnan(a) ? 1 : -1;
        return a > b ? -1 : 1;
    }
    /* equal level: users before accounts, then by name, for a stable,
     * documented order */
    bool ux = s->a[x].user != NULL, uy = s->a[y].user != NULL;
    if (ux != uy)
        return ux ? -1 : 1;
    int c = strcmp(ux ? s->a[x].user : s->a[x].account,
                   uy ? s->a[y].user : s->a[y].account);
    return c ? c : (x < y ? -1 : 1);
}

static int cmp_lf_idx(const void *arg, uint32_t x, uint32_t y)
{
    return cmp_lf_desc(arg, x, y);
}

static void sort_by_lf(const gs_share *s, uint32_t *v, uint32_t n)
{
    gs_sort_idx(v, n, cmp_lf_idx, s);
}

/* The associations that share out p's shares (Slurm's children list of
 * the fair-share parent): p's children, where an account with
 * Fairshare=parent is replaced by its own such children, recursively.
 * With `with_parent_accounts` those accounts are listed too (before their
 * children). Writes to out[] and returns the count; uses the last third of
 * the scratch as a stack. */
static uint32_t fs_children(const gs_share *s, uint32_t p, uint32_t *out,
                            bool with_parent_accounts)
{
    uint32_t *stack = s->scratch + 2 * s->cap_scratch;
    uint32_t m = 0, top = 0;
    stack[top++] = p;
    while (top) {
        uint32_t x = stack[--top];
        for (uint32_t c = s->a[x].first_child; c != GS_NONE;
             c = s->a[c].next_sibling) {
            const assoc *a = &s->a[c];
            if (!a->user && a->use_parent) {
                if (with_parent_accounts)
                    out[m++] = c;
                stack[top++] = c;
            } else {
                out[m++] = c;
            }
        }
    }
    return m;
}

/* Rank the users depth first. Each frame holds a merged child list: its
 * associations are sorted by level fairshare, and each group of equal
 * level is visited in turn: its users share one rank, and the children of
 * its accounts are merged into one list, visited (a new frame) before the
 * next group. A frame's `tied` says its first group ties with what was
 * ranked just before (so its users share that rank). An explicit stack,
 * not recursion: account trees may be as deep as they are large. The
 * lists of the open frames are disjoint sets of associations, so they fit
 * in the scratch one after another. */
static void fair_tree_rank(gs_share *s)
{
    uint32_t *lists = s->scratch;
    fs_frame *fr = s->frames;
    uint32_t rnt = s->n_users;       /* rank of the next user, untied */
    uint32_t last_rank = s->n_users; /* rank of the last user ranked */
    uint32_t m = fs_children(s, ROOT, lists, false);
    if (!m)
        return;
    uint32_t top = 0;
    fr[top++] = (fs_frame){0, m, 0, false, false};
    while (top) {
        fs_frame *f = &fr[top - 1];
        uint32_t *v = lists + f->off;
        if (!f->sorted) {
            sort_by_lf(s, v, f->n);
            f->sorted = true;
        }
        if (f->next >= f->n) {
            top--; /* its list is the last one: released with it */
            continue;
        }
        uint32_t i = f->next, j = i + 1;
        while (j < f->n && same_lf(s->a[v[j]].level_fs, s->a[v[i]].level_fs))
            j++;
        bool group_tied = f->tied && i == 0;
        /* users of the group share one rank */
        bool any_user = false;
        uint32_t rank = group_tied ? last_rank : rnt;
        for (uint32_t k = i; k < j; k++) {
            assoc *a = &s->a[v[k]];
            if (!a->user)
                continue;
            any_user = true;
            a->rank = rank;
            last_rank = rank;
            rnt--;
        }
        f->next = j;
        /* tied accounts: their children merged, then visited once */
        uint32_t base = f->off + f->n, kids = 0;
        for (uint32_t k = i; k < j; k++)
            if (!s->a[v[k]].user)
                kids += fs_children(s, v[k], lists + base + kids, false);
        if (kids)
            fr[top++] = (fs_frame){base, kids, 0, any_user || group_tied,
                                   false};
    }
}

GS_API gs_status gs_share_compute(gs_share *s, gs_fairshare_algo algo,
                                  double now)
{
    if (!s)
        return GS_EINVAL;
    if ((unsigned)algo > GS_FAIRSHARE_CLASSIC)
        return gs_errf(&s->err, GS_EINVAL, "unknown fair-share algorithm %d",
                       (int)algo);
    gs_status st = check_time(s, now);
    if (st != GS_OK)
        return st;
    uint32_t n = (uint32_t)s->n;
    /* 1. usage: own decayed usage, summed up the tree */
    pre_order(s);
    for (uint32_t k = 0; k < n; k++) {
        assoc *a = &s->a[s->order[k]];
        a->tot_usage = own_usage(s, a, now);
        a->rank = 0;
    }
    for (uint32_t k = n; k-- > 1;) {
        const assoc *a = &s->a[s->order[k]];
        s->a[a->parent].tot_usage += a->tot_usage;
    }
    double root_usage = s->a[ROOT].tot_usage;
    /* 2. shares and usage among siblings, top-down (pre-order) */
    assoc *root = &s->a[ROOT];
    for (uint32_t i = 0; i < n; i++)
        if (!s->a[i].user)
            s->a[i].factor = 0;
    root->norm_shares = 1.0;
    root->norm_usage = root_usage > 0 ? 1.0 : 0.0;
    root->effective_usage = root->norm_usage;
    root->level_fs = INFINITY;
    root->level_shares = 1.0;
    root->factor = 1.0;
    /* Each account shares out its shares among its fair-share children
     * (fs_children: accounts with Fairshare=parent are see-through). An
     * association with Fairshare=parent takes the normalized shares,
     * effective usage and (classic) factor of its fair-share parent. */
    uint32_t *kids = s->scratch;
    for (uint32_t k = 0; k < n; k++) {
        const assoc *p = &s->a[s->order[k]];
        if (p->user || p->use_parent)
            continue;
        uint32_t m = fs_children(s, s->order[k], kids, true);
        double sh = 0, us = 0;
        for (uint32_t q = 0; q < m; q++)
            if (!s->a[kids[q]].use_parent)
                sh += s->a[kids[q]].shares;
        /* the usage below p: its children's (so usage charged to a
         * Fairshare=parent account itself still counts) */
        for (uint32_t c = p->first_child; c != GS_NONE;
             c = s->a[c].next_sibling)
            us += s->a[c].tot_usage;
        for (uint32_t q = 0; q < m; q++) {
            assoc *a = &s->a[kids[q]];
            double level_u = us > 0 ? a->tot_usage / us : 0;
            a->norm_usage = root_usage > 0 ? a->tot_usage / root_usage : 0;
            if (a->use_parent) {
                a->norm_shares = p->norm_shares;
                a->level_shares = p->level_shares;
                /* users rank first in the account (Slurm: level_fs =
                 * INFINITY); accounts have no level of their own */
                a->level_fs = a->user ? INFINITY : NAN;
                if (algo == GS_FAIRSHARE_CLASSIC) {
                    a->effective_usage = p->effective_usage;
                    a->factor = p->factor;
                } else {
                    a->effective_usage = level_u;
                }
                continue;
            }
            double level_s = sh > 0 ? a->shares / sh : 0;
            a->level_shares = level_s;
            a->norm_shares = p->norm_shares * level_s;
            a->level_fs = level_s <= 0   ? 0
                          : level_u <= 0 ? INFINITY
                                         : level_s / level_u;
            if (algo == GS_FAIRSHARE_CLASSIC) {
                a->effective_usage =
                    p == root ? a->norm_usage
                              : a->norm_usage + (p->effective_usage -
                                                 a->norm_usage) *
                                                    level_s;
                a->factor = a->norm_shares > 0
                                ? pow(2.0, -a->effective_usage /
                                               a->norm_shares)
                                : 0.0;
            } else {
                a->effective_usage = level_u;
            }
        }
    }
    /* 3. fair tree: rank users depth first */
    if (algo == GS_FAIRSHARE_FAIR_TREE) {
        fair_tree_rank(s);
        for (uint32_t i = 0; i < n; i++) {
            assoc *a = &s->a[i];
            a->factor = a->user && s->n_users
                            ? (double)a->rank / (double)s->n_users
                            : 0;
        }
        /* an account shows its best user's factor (children first: the
         * pre-order read backwards) */
        for (uint32_t k = n; k-- > 1;) {
            const assoc *a = &s->a[s->order[k]];
            assoc *p = &s->a[a->parent];
            p->factor = GS_MAX(p->factor, a->factor);
        }
    }
    s->algo = algo;
    s->t_compute = now;
    s->computed = true;
    gs_err_clear(&s->err);
    return GS_OK;
}

GS_API double gs_share_factor(const gs_share *s, const char *user,
                              const char *account)
{
    if (!s || !user)
        return -1.0;
    uint32_t idx = gs_share_find(s, user, account);
    return idx == GS_NONE ? -1.0 : s->a[idx].factor;
}

/* ---- rows --------------------------------------------------------------- */

/* Tree order for display: each account, then its users by name, then its
 * sub-accounts by name. */
static int row_cmp(const gs_share *s, uint32_t x, uint32_t y)
{
    const assoc *a = &s->a[x], *b = &s->a[y];
    if ((a->user != NULL) != (b->user != NULL))
        return a->user ? -1 : 1;
    return strcmp(a->user ? a->user : a->account,
                  b->user ? b->user : b->account);
}

GS_API size_t gs_share_row_count(const gs_share *s)
{
    return s ? s->n : 0;
}

static int row_cmp_idx(const void *arg, uint32_t x, uint32_t y)
{
    int c = row_cmp(arg, x, y);
    return c ? c : (x < y ? -1 : x > y);
}

/* The associations in display order: pre-order, each association's
 * children sorted by row_cmp. O(n log n); allocates nothing (the buffers
 * grow with the tree). */
static void build_display(gs_share *s)
{
    uint32_t *stack = s->scratch, *kids = s->scratch + s->cap_scratch;
    uint32_t top = 0;
    size_t k = 0;
    stack[top++] = ROOT;
    while (top) {
        uint32_t x = stack[--top];
        s->display[k++] = x;
        uint32_t m = 0;
        for (uint32_t c = s->a[x].first_child; c != GS_NONE;
             c = s->a[c].next_sibling)
            kids[m++] = c;
        gs_sort_idx(kids, m, row_cmp_idx, s);
        while (m) /* the first in display order on top */
            stack[top++] = kids[--m];
    }
    s->display_ok = true;
}

GS_API gs_status gs_share_row_get(const gs_share *s, size_t i,
                                  gs_share_row *row)
{
    if (!s || i >= s->n || !row || row->struct_size < sizeof(uint32_t))
        return GS_EINVAL;
    /* the display order is made once per change of the tree (the first
     * call after one), not per row: a report of n rows costs n log n */
    if (!s->display_ok) /* a cache: one thread at a time, like every call */
        build_display((gs_share *)(uintptr_t)s);
    uint32_t found = s->display[i];
    const assoc *a = &s->a[found];
    gs_share_row full;
    memset(&full, 0, sizeof full);
    full.struct_size = sizeof full;
    full.depth = a->depth;
    full.account = a->account;
    full.user = a->user;
    full.raw_shares = a->use_parent ? NAN : a->shares;
    full.norm_shares = a->norm_shares;
    full.level_shares = a->level_shares;
    full.raw_usage = a->tot_usage;
    full.norm_usage = a->norm_usage;
    full.effective_usage = a->effective_usage;
    full.factor = a->factor;
    full.level_fs = a->level_fs;
    full.rank = a->rank;
    uint32_t caller = row->struct_size;
    memcpy(row, &full, GS_MIN((size_t)caller, sizeof full));
    row->struct_size = caller;
    return GS_OK;
}

/* ---- algorithms as ops tables ------------------------------------------ */

static gs_status fair_tree_compute(void *arg, gs_share *s, double now)
{
    (void)arg;
    return gs_share_compute(s, GS_FAIRSHARE_FAIR_TREE, now);
}

static gs_status classic_compute(void *arg, gs_share *s, double now)
{
    (void)arg;
    return gs_share_compute(s, GS_FAIRSHARE_CLASSIC, now);
}

const gs_fairshare_ops gs_fairshare_fair_tree = {
    .abi_version = GS_FAIRSHARE_ABI_VERSION,
    .name = "fair-tree",
    .description = "Slurm's Fair Tree: users ranked depth first by level "
                   "fair share",
    .compute = fair_tree_compute,
};

const gs_fairshare_ops gs_fairshare_classic = {
    .abi_version = GS_FAIRSHARE_ABI_VERSION,
    .name = "classic",
    .description = "Slurm's classic formula: 2^(-effective usage / shares)",
    .compute = classic_compute,
};

static const void *const fs_builtins[] = {&gs_fairshare_fair_tree,
                                          &gs_fairshare_classic, NULL};

static const char *fs_name_of(const void *ops)
{
    return ((const gs_fairshare_ops *)ops)->name;
}

static gs_registry fs_registry = GS_REGISTRY_INIT(fs_builtins, fs_name_of);

GS_API gs_status gs_fairshare_register(const gs_fairshare_ops *ops)
{
    if (!ops || !ops->name || !*ops->name || !ops->compute ||
        ops->abi_version < 1 || ops->abi_version > GS_FAIRSHARE_ABI_VERSION)
        return GS_EINVAL;
    return gs_registry_add(&fs_registry, ops);
}

GS_API const gs_fairshare_ops *gs_fairshare_find(const char *name)
{
    return gs_registry_find(&fs_registry, name);
}

GS_API gs_status gs_fairshare_unregister(const char *name)
{
    return gs_registry_remove(&fs_registry, name);
}

GS_API size_t gs_fairshare_count(void)
{
    return gs_registry_count(&fs_registry);
}

GS_API const char *gs_fairshare_name(size_t i)
{
    return gs_registry_name(&fs_registry, i);
}

GS_API gs_status gs_share_compute_with(gs_share *s, const gs_fairshare_ops *ops,
                                       double now)
{
    if (!s)
        return GS_EINVAL;
    if (!ops || !ops->compute)
        return gs_errf(&s->err, GS_EINVAL, "no fair-share algorithm given");
    if (ops == &gs_fairshare_fair_tree || ops == &gs_fairshare_classic)
        return ops->compute(ops->arg, s, now);
    /* a plugin starts from the classic columns */
    gs_status st = gs_share_compute(s, GS_FAIRSHARE_CLASSIC, now);
    if (st != GS_OK)
        return st;
    gs_err_clear(&s->err); /* what the algorithm's own calls say, if any */
    st = ops->compute(ops->arg, s, now);
    if (st != GS_OK) {
        char name[80], said[GS_ERRMSG_MAX];
        gs_printable(name, sizeof name, ops->name, SIZE_MAX);
        snprintf(said, sizeof said, "%s", s->err.msg);
        /* whatever it set before failing is replaced: classic factors */
        gs_share_compute(s, GS_FAIRSHARE_CLASSIC, now);
        gs_errf(&s->err, st, "fair-share algorithm \"%s\" failed: %s%s%s",
                name, gs_strerror(st), said[0] ? ": " : "", said);
        return st;
    }
    gs_err_clear(&s->err);
    return GS_OK;
}

GS_API gs_status gs_share_set_factor(gs_share *s, size_t i, double factor)
{
    if (!s)
        return GS_EINVAL;
    if (i >= s->n)
        return gs_errf(&s->err, GS_EINVAL, "set_factor: no row %zu (%zu rows)",
                       i, s->n);
    if (isnan(factor))
        return gs_errf(&s->err, GS_EINVAL, "set_factor: factor is NaN");
    if (!(factor >= 0 && factor <= 1))
        return gs_errf(&s->err, GS_ERANGE,
                       "set_factor: factor %g is outside [0, 1]", factor);
    if (!s->display_ok)
        build_display(s);
    s->a[s->display[i]].factor = factor;
    return GS_OK;
}

/* ---- files -------------------------------------------------------------- */

static gs_status jpos(gs_share *s, const char *name, const json_value *v,
                      const char *what)
{
    return gs_errf(&s->err, GS_EPARSE, "%s:%u:%u: %s", name, v->line, v->col,
                   what);
}

/* "shares": "parent" is Slurm's Fairshare=parent. */
static bool is_parent_shares(const json_value *v)
{
    return v->type == JSON_STRING && strcmp(v->u.str.s, "parent") == 0;
}

/* Shares of a checked entry: a number, "parent" (use_parent) or absent
 * (1). */
static double entry_shares(const json_value *e, bool *use_parent)
{
    const json_member *ms = json_member_get(e, "shares");
    *use_parent = ms && is_parent_shares(ms->value);
    return ms && !*use_parent ? json_number_double(ms->value) : 1.0;
}

static const json_value *entry_name(const json_value *e)
{
    return json_member_get(e, "name")->value;
}

/* The parent (accounts) or account (users) an entry names. */
static const char *entry_parent(const json_value *e, bool user)
{
    const json_member *mp = json_member_get(e, user ? "account" : "parent");
    return mp ? mp->value->u.str.s : "root";
}

static const json_value *entry_parent_value(const json_value *e, bool user)
{
    const json_member *mp = json_member_get(e, user ? "account" : "parent");
    return mp ? mp->value : e;
}

/* Check the shape of every entry of "accounts" or "users": objects with
 * known keys, string names that are valid names, numeric or "parent"
 * shares. */
static gs_status check_entries(gs_share *s, const json_value *arr,
                               const char *name, bool users)
{
    if (arr->type != JSON_ARRAY)
        return jpos(s, name, arr, users ? "\"users\" must be an array"
                                        : "\"accounts\" must be an array");
    for (size_t i = 0; i < arr->u.arr.n; i++) {
        const json_value *e = arr->u.arr.items[i];
        if (e->type != JSON_OBJECT)
            return jpos(s, name, e, "an entry must be an object");
        for (size_t k = 0; k < e->u.obj.n; k++) {
            const json_member *m = &e->u.obj.members[k];
            const char *ok[] = {"name", users ? "account" : "parent",
                                "shares"};
            bool known = false;
            for (int q = 0; q < 3; q++)
                known |= m->key_len == strlen(ok[q]) &&
                         strcmp(m->key, ok[q]) == 0;
            if (!known) {
                char what[160], qk[100];
                snprintf(what, sizeof what, "unknown key \"%s\"",
                         gs_printable(qk, sizeof qk, m->key, m->key_len));
                return gs_errf(&s->err, GS_EPARSE, "%s:%u:%u: %s", name,
                               m->line, m->col, what);
            }
        }
        const json_member *mn = json_member_get(e, "name");
        const json_member *mp =
            json_member_get(e, users ? "account" : "parent");
        const json_member *ms = json_member_get(e, "shares");
        if (!mn || mn->value->type != JSON_STRING)
            return jpos(s, name, mn ? mn->value : e,
                        "\"name\" must be a string");
        if (mp && mp->value->type != JSON_STRING)
            return jpos(s, name, mp->value,
                        users ? "\"account\" must be a string"
                              : "\"parent\" must be a string");
        if (users && !mp)
            return jpos(s, name, e, "a user needs \"account\"");
        if (ms && !is_parent_shares(ms->value)) {
            int64_t milli;
            if (ms->value->type != JSON_NUMBER ||
                !json_number_milli(ms->value, &milli) || milli < 0 ||
                json_number_double(ms->value) > 1e15)
                return jpos(s, name, ms->value,
                            "\"shares\" must be a number from 0 to 1e15 or "
                            "\"parent\"");
        }
        /* names: valid, and no NUL hidden by an escape (\u0000) */
        const json_value *nv = mn->value;
        if (strlen(nv->u.str.s) != nv->u.str.len)
            return jpos(s, name, nv, "a name must not contain a NUL character");
        if (gs_check_name(users ? "user" : "account", nv->u.str.s,
                          &s->err) != GS_OK) {
            char what[GS_ERRMSG_MAX]; /* the message is rewritten in place */
            snprintf(what, sizeof what, "%s", s->err.msg);
            return jpos(s, name, nv, what);
        }
        if (mp && strlen(mp->value->u.str.s) != mp->value->u.str.len)
            return jpos(s, name, mp->value,
                        "a name must not contain a NUL character");
    }
    return GS_OK;
}

/* What loading a document will add, decided before anything changes:
 * accounts in an order where each parent comes before its children. */
typedef struct acct_plan {
    gs_strtab names;  /* account name in the file -> entry index */
    uint32_t *order;  /* entry indices, parents first */
    uint8_t *state;   /* 0 new, 1 on the path being added, 2 placed */
    uint32_t *path;
} acct_plan;

static void plan_free(acct_plan *p)
{
    gs_strtab_free(&p->names);
    gs_free(p->order);
    gs_free(p->state);
    gs_free(p->path);
}

static gs_status oom(gs_share *s)
{
    return gs_errf(&s->err, GS_ENOMEM, "out of memory");
}

/* Order the accounts parents first (a parent may be listed after its
 * child, or already be in the tree), in O(n): a depth-first walk up the
 * parents, with an explicit path so that long chains cannot overflow the
 * stack. Refuses repeated or existing accounts, missing parents and
 * cycles, naming the place in the file. */
static gs_status plan_accounts(gs_share *s, const json_value *arr,
                               const char *name, acct_plan *p)
{
    size_t n = arr->u.arr.n;
    p->order = gs_malloc((n + 1) * sizeof *p->order);
    p->state = gs_calloc(n + 1, 1);
    p->path = gs_malloc((n + 1) * sizeof *p->path);
    if (!p->order || !p->state || !p->path ||
        !gs_strtab_reserve(&p->names, n))
        return oom(s);
    char what[GS_ERRMSG_MAX];
    for (size_t i = 0; i < n; i++) {
        const json_value *nv = entry_name(arr->u.arr.items[i]);
        const gs_strtab_slot *dup =
            gs_strtab_get(&p->names, nv->u.str.s, nv->u.str.len);
        if (dup) {
            const json_value *first = entry_name(arr->u.arr.items[dup->val]);
            snprintf(what, sizeof what,
                     "account \"%s\" is listed twice (first at line %u)",
                     nv->u.str.s, first->line);
            return jpos(s, name, nv, what);
        }
        if (gs_share_find(s, NULL, nv->u.str.s) != GS_NONE) {
            snprintf(what, sizeof what, "account \"%s\" already exists",
                     nv->u.str.s);
            return jpos(s, name, nv, what);
        }
        gs_strtab_put(&p->names, nv->u.str.s, nv->u.str.len,
                      (uint32_t)i); /* reserved */
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (p->state[i])
            continue;
        size_t top = 0;
        p->path[top++] = (uint32_t)i;
        p->state[i] = 1;
        while (top) {
            uint32_t x = p->path[top - 1];
            const json_value *e = arr->u.arr.items[x];
            const char *parent = entry_parent(e, false);
            const gs_strtab_slot *ps =
                gs_strtab_get(&p->names, parent, strlen(parent));
            if (!ps && gs_share_find(s, NULL, parent) == GS_NONE) {
                char qp[100];
                snprintf(what, sizeof what,
                         "parent account \"%s\" does not exist",
                         gs_printable(qp, sizeof qp, parent, SIZE_MAX));
                return jpos(s, name, entry_parent_value(e, false), what);
            }
            if (!ps || p->state[ps->val] == 2) {
                p->state[x] = 2; /* its parent is placed: place it */
                p->order[k++] = x;
                top--;
                continue;
            }
            if (p->state[ps->val] == 1) {
                snprintf(what, sizeof what,
                         "the accounts form a cycle: \"%s\" is its own "
                         "ancestor",
                         parent);
                return jpos(s, name, entry_parent_value(e, false), what);
            }
            p->state[ps->val] = 1;
            p->path[top++] = ps->val;
        }
    }
    return GS_OK;
}

/* Users: each names an account that exists or that the document adds, and
 * is not already in it. */
static gs_status plan_users(gs_share *s, const json_value *arr,
                            const char *name, const acct_plan *p)
{
    gs_strtab seen = {0};
    gs_status st = GS_OK;
    char what[GS_ERRMSG_MAX], key[2 * GS_MAX_NAME + 4];
    if (!gs_strtab_reserve(&seen, arr->u.arr.n))
        return oom(s);
    for (size_t i = 0; i < arr->u.arr.n && st == GS_OK; i++) {
        const json_value *e = arr->u.arr.items[i];
        const char *user = entry_name(e)->u.str.s;
        const char *acct = entry_parent(e, true);
        if (gs_share_find(s, NULL, acct) == GS_NONE &&
            !gs_strtab_get(&p->names, acct, strlen(acct))) {
            char qa[100];
            snprintf(what, sizeof what, "user \"%s\": no account \"%s\"",
                     user, gs_printable(qa, sizeof qa, acct, SIZE_MAX));
            st = jpos(s, name, entry_parent_value(e, true), what);
            break;
        }
        size_t klen = assoc_key(key, sizeof key, user, acct);
        if (gs_share_find(s, user, acct) != GS_NONE ||
            gs_strtab_get(&seen, key, klen)) {
            snprintf(what, sizeof what,
                     "user \"%s\" already charges account \"%s\"", user,
                     acct);
            st = jpos(s, name, entry_name(e), what);
            break;
        }
        /* the key must outlive the loop: intern it (harmless if the load
         * fails: an unused string) */
        const char *ik = gs_intern(&s->strings, key, klen);
        if (!ik) {
            st = oom(s);
            break;
        }
        gs_strtab_put(&seen, ik, klen, 0); /* reserved */
    }
    gs_strtab_free(&seen);
    return st;
}

/* Add a planned entry; cannot fail once prepared and reserved. */
static void add_entry(gs_share *s, const json_value *e, bool user)
{
    bool use_parent;
    double shares = entry_shares(e, &use_parent);
    const char *nm = entry_name(e)->u.str.s, *parent = entry_parent(e, user);
    uint32_t p = gs_share_find(s, NULL, parent);
    uint32_t idx = 0;
    add_assoc(s, user ? parent : nm, user ? nm : NULL, p, shares, &idx);
    s->a[idx].use_parent = use_parent;
}

GS_API gs_status gs_share_load_accounts(gs_share *s, const char *text,
                                        size_t size, const char *name)
{
    if (!s || (!text && size))
        return GS_EINVAL;
    name = name ? name : "<buffer>";
    json_doc doc;
    gs_status st = json_parse(&doc, text ? text : "", size, name, &s->err);
    if (st != GS_OK)
        return st;
    acct_plan plan;
    memset(&plan, 0, sizeof plan);
    const json_value *root = doc.root;
    const json_member *ma = json_member_get(root, "accounts");
    const json_member *mu = json_member_get(root, "users");
    const json_value *accts = ma ? ma->value : NULL;
    const json_value *users = mu ? mu->value : NULL;
    if (root->type != JSON_OBJECT) {
        st = jpos(s, name, root, "the document must be an object");
        goto out;
    }
    /* decide everything first, so that a bad file adds nothing */
    if ((accts && (st = check_entries(s, accts, name, false))) ||
        (users && (st = check_entries(s, users, name, true))))
        goto out;
    static const json_value empty = {.type = JSON_ARRAY};
    if (!accts)
        accts = &empty;
    if ((st = plan_accounts(s, accts, name, &plan)) != GS_OK ||
        (users && (st = plan_users(s, users, name, &plan)) != GS_OK))
        goto out;
    /* then make room for all of it, and only then add */
    size_t na = accts->u.arr.n, nu = users ? users->u.arr.n : 0;
    if (reserve_assocs(s, na + nu) != GS_OK) {
        st = oom(s);
        goto out;
    }
    for (size_t i = 0; i < na + nu; i++) {
        bool user = i >= na;
        const json_value *e =
            user ? users->u.arr.items[i - na] : accts->u.arr.items[i];
        const char *nm = entry_name(e)->u.str.s;
        const char *parent = entry_parent(e, user);
        if (prepare_assoc(s, user ? parent : nm, user ? nm : NULL) != GS_OK) {
            st = oom(s);
            goto out;
        }
    }
    for (size_t i = 0; i < na; i++)
        add_entry(s, accts->u.arr.items[plan.order[i]], false);
    for (size_t i = 0; i < nu; i++)
        add_entry(s, users->u.arr.items[i], true);
    st = GS_OK;
out:
    plan_free(&plan);
    json_doc_free(&doc);
    return st;
}

/* A non-negative decimal number, without the C library's locale; *huge
 * says a well-formed number was too large for a double. */
static bool parse_decimal(const char *p, size_t n, double *out, bool *huge)
{
    double v = 0, scale = 1;
    size_t i = 0;
    bool digits = false, frac = false;
    for (; i < n; i++) {
        char c = p[i];
        if (c >= '0' && c <= '9') {
            digits = true;
            if (frac) {
                scale /= 10;
                v += (c - '0') * scale;
            } else {
                v = v * 10 + (c - '0');
            }
        } else if (c == '.' && !frac) {
            frac = true;
        } else {
            break;
        }
    }
    if (!digits)
        return false;
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        bool neg = false;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            neg = p[i++] == '-';
        int e = 0;
        size_t start = i;
        for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
            if (e < 1000)
                e = e * 10 + (p[i] - '0');
        if (i == start)
            return false;
        v *= pow(10.0, neg ? -e : e);
    }
    *huge = i == n && !isfinite(v);
    if (i != n || !isfinite(v))
        return false;
    /* correctly rounded (an export's 17 digits give back the same double):
     * the digits without the point and an exponent, which strtod reads
     * the same in every locale */
    char buf[400];
    size_t k = 0, frac_digits = 0;
    bool point = false;
    int e10 = 0;
    size_t j = 0;
    for (; j < n && k + 1 < sizeof buf; j++) {
        char c = p[j];
        if (c >= '0' && c <= '9') {
            buf[k++] = c;
            frac_digits += point;
        } else if (c == '.') {
            point = true;
        } else {
            break;
        }
    }
    if (j < n && (p[j] == 'e' || p[j] == 'E')) {
        size_t m = j + 1;
        bool neg = m < n && p[m] == '-';
        if (m < n && (p[m] == '+' || p[m] == '-'))
            m++;
        for (; m < n; m++)
            if (e10 < 100000)
                e10 = e10 * 10 + (p[m] - '0');
        e10 = neg ? -e10 : e10;
        j = n;
    }
    if (j == n && k + 24 < sizeof buf) {
        snprintf(buf + k, sizeof buf - k, "e%d", e10 - (int)frac_digits);
        double w = strtod(buf, NULL);
        if (isfinite(w))
            v = w;
    }
    *out = v;
    return true;
}

/* Count an association (and its account) that a usage line would add and
 * that neither the tree nor an earlier line has; intern their strings. */
static gs_status count_new(gs_share *s, gs_strtab *fresh, const char *user,
                           const char *acct, size_t *n_new)
{
    for (int k = 0; k < 2; k++) {
        const char *u = k ? user : NULL;
        if (k && !u)
            break;
        if (gs_share_find(s, u, acct) != GS_NONE)
            continue;
        char key[2 * GS_MAX_NAME + 4];
        size_t klen = assoc_key(key, sizeof key, u, acct);
        if (gs_strtab_get(fresh, key, klen))
            continue;
        const char *ik = gs_intern(&s->strings, key, klen);
        if (!ik || prepare_assoc(s, acct, u) != GS_OK ||
            !gs_strtab_put(fresh, ik, klen, 0))
            return GS_ENOMEM;
        (*n_new)++;
    }
    return GS_OK;
}

static gs_status load_usage(gs_share *s, const char *text, size_t size,
                            const char *name, gs_strtab *fresh_tab)
{
    /* pass 0 checks every line and counts what it adds, pass 1 applies
     * them after making room: a bad line changes nothing */
    size_t n_new = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && reserve_assocs(s, n_new) != GS_OK)
            return oom(s);
        const char *p = text, *end = text + size;
        int ord[3] = {0, 1, 2}; /* the fields holding user, account, usage */
        bool first = true;
        double as_of = 0; /* "# as of T": the time the usage is as of */
        for (uint32_t line = 1; p < end; line++) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *le = nl ? nl : end;
            if (le > p && le[-1] == '\r')
                le--;
            const char *f[3];
            size_t fl[3];
            size_t nf = 0;
            const char *q = p;
            bool blank = true;
            for (const char *c = p; c < le; c++)
                if (*c != ' ' && *c != '\t')
                    blank = false;
            static const char as_of_tag[] = "# as of ";
            if (*p == '#' && (size_t)(le - p) > sizeof as_of_tag - 1 &&
                memcmp(p, as_of_tag, sizeof as_of_tag - 1) == 0) {
                /* the time the usages below are as of (an export's) */
                const char *v = p + sizeof as_of_tag - 1;
                char num[64];
                size_t vl = (size_t)(le - v);
                char *e = NULL;
                double t = 0;
                if (vl < sizeof num) {
                    memcpy(num, v, vl);
                    num[vl] = '\0';
                    t = strtod(num, &e);
                }
                if (vl >= sizeof num || !e || e == num || *e ||
                    !gs_share_time_ok(t))
                    return gs_errf(&s->err, GS_EPARSE,
                                   "%s:%u:%u: \"# as of\" wants a time in "
                                   "seconds, at most 2^60 either side of 0",
                                   name, line, (unsigned)(v - p + 1));
                as_of = t;
            }
            if (!blank && *p != '#') {
                while (nf < 3) {
                    const char *comma = memchr(q, ',', (size_t)(le - q));
                    const char *fe = comma ? comma : le;
                    /* trim spaces */
                    const char *a = q, *b = fe;
                    while (a < b && (*a == ' ' || *a == '\t'))
                        a++;
                    while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
                        b--;
                    f[nf] = a;
                    fl[nf] = (size_t)(b - a);
                    nf++;
                    if (!comma)
                        break;
                    q = comma + 1;
                    if (nf == 3 && q <= le)
                        return gs_errf(&s->err, GS_EPARSE,
                                       "%s:%u:%u: expected 3 fields "
                                       "user,account,usage",
                                       name, line, (unsigned)(q - p));
                }
                if (nf != 3)
                    return gs_errf(&s->err, GS_EPARSE,
                                   "%s:%u:1: expected 3 fields "
                                   "user,account,usage",
                                   name, line);
                /* quoted fields: drop the quotes (names hold none) */
                for (size_t k = 0; k < 3; k++)
                    if (fl[k] >= 2 && f[k][0] == '"' &&
                        f[k][fl[k] - 1] == '"') {
                        f[k]++;
                        fl[k] -= 2;
                    }
                /* the first line may be a header naming the three columns in
                 * any order and case */
                bool header = false;
                if (first) {
                    static const char *const cols[3] = {"user", "account",
                                                        "usage"};
                    int at[3] = {-1, -1, -1}, known = 0;
                    for (int k = 0; k < 3; k++)
                        for (int c = 0; c < 3; c++)
                            if (fl[k] == strlen(cols[c]) &&
                                strncasecmp(f[k], cols[c], fl[k]) == 0) {
                                at[k] = c;
                                known++;
                            }
                    if (known > 0) {
                        for (int k = 0; k < 3; k++) {
                            bool dup = false;
                            for (int m = 0; m < k; m++)
                                dup |= at[k] >= 0 && at[k] == at[m];
                            if (at[k] < 0 || dup)
                                return gs_errf(
                                    &s->err, GS_EPARSE,
                                    "%s:%u:%u: %s column \"%.*s\" (the columns "
                                    "are user, account, usage)",
                                    name, line, (unsigned)(f[k] - p + 1),
                                    dup ? "duplicate" : "unknown",
                                    (int)GS_MIN(fl[k], 32), f[k]);
                        }
                        for (int k = 0; k < 3; k++)
                            ord[at[k]] = k;
                        header = true;
                    }
                    first = false;
                }
                if (!header) {
                    const char *g[3] = {f[ord[0]], f[ord[1]], f[ord[2]]};
                    size_t gl[3] = {fl[ord[0]], fl[ord[1]], fl[ord[2]]};
                    memcpy(f, g, sizeof g);
                    memcpy(fl, gl, sizeof gl);
                    char user[GS_MAX_NAME + 1], acct[GS_MAX_NAME + 1];
                    if (!fl[1])
                        return gs_errf(&s->err, GS_EPARSE,
                                       "%s:%u:%u: the account is missing",
                                       name, line, (unsigned)(f[1] - p + 1));
                    /* a bad name is reported at its own field */
                    int bad_name = fl[0] > GS_MAX_NAME   ? 0
                                   : fl[1] > GS_MAX_NAME ? 1
                                                         : -1;
                    if (bad_name >= 0)
                        return gs_errf(&s->err, GS_EPARSE,
                                       "%s:%u:%u: %s name is longer than %u "
                                       "characters",
                                       name, line,
                                       (unsigned)(f[bad_name] - p + 1),
                                       bad_name ? "account" : "user",
                                       GS_MAX_NAME);
                    /* a NUL would cut the name short without a word */
                    for (int k = 0; k < 2; k++) {
                        const char *z = memchr(f[k], '\0', fl[k]);
                        if (z)
                            return gs_errf(&s->err, GS_EPARSE,
                                           "%s:%u:%u: a NUL byte in the %s "
                                           "name",
                                           name, line,
                                           (unsigned)(z - p + 1),
                                           k ? "account" : "user");
                    }
                    memcpy(user, f[0], fl[0]);
                    user[fl[0]] = '\0';
                    memcpy(acct, f[1], fl[1]);
                    acct[fl[1]] = '\0';
                    double usage;
                    char qv[64];
                    bool huge = false;
                    if (!parse_decimal(f[2], fl[2], &usage, &huge))
                        return gs_errf(&s->err, GS_EPARSE,
                                       huge ? "%s:%u:%u: usage %s is above "
                                              "the largest allowed, 1e30"
                                            : "%s:%u:%u: usage \"%s\" is "
                                              "not a number >= 0",
                                       name, line, (unsigned)(f[2] - p + 1),
                                       gs_printable(qv, sizeof qv, f[2],
                                                    fl[2]));
                    if (usage > GS_USAGE_MAX)
                        return gs_errf(&s->err, GS_EPARSE,
                                       "%s:%u:%u: usage %s is above the "
                                       "largest allowed, 1e30",
                                       name, line, (unsigned)(f[2] - p + 1),
                                       gs_printable(qv, sizeof qv, f[2],
                                                    fl[2]));
                    if (pass == 0) {
                        int bad_at = -1;
                        if (fl[0] &&
                            gs_check_name("user", user, &s->err) != GS_OK)
                            bad_at = 0;
                        else if (gs_check_name("account", acct, &s->err) !=
                                 GS_OK)
                            bad_at = 1;
                        if (bad_at >= 0) {
                            char what[GS_ERRMSG_MAX];
                            snprintf(what, sizeof what, "%s", s->err.msg);
                            return gs_errf(&s->err, GS_EPARSE, "%s:%u:%u: %s",
                                           name, line,
                                           (unsigned)(f[bad_at] - p + 1),
                                           what);
                        }
                        /* count what the line will add, and intern its
                         * strings now, so applying cannot fail midway */
                        if (count_new(s, fresh_tab, fl[0] ? user : NULL, acct,
                                      &n_new) != GS_OK)
                            return oom(s);
                        p = nl ? nl + 1 : end;
                        continue;
                    }
                    uint32_t idx;
                    gs_status st = gs_share_ensure(s, fl[0] ? user : NULL, acct,
                                                   &idx);
                    if (st != GS_OK) {
                        char what[GS_ERRMSG_MAX];
                        snprintf(what, sizeof what, "%s", s->err.msg);
                        return gs_errf(&s->err,
                                       st == GS_ENOMEM ? st : GS_EPARSE,
                                       "%s:%u:1: %s", name, line, what);
                    }
                    s->a[idx].usage = usage;
                    s->a[idx].t_usage = as_of;
                    s->computed = false;
                }
            }
            p = nl ? nl + 1 : end;
        }
    }
    return GS_OK;
}

GS_API gs_status gs_share_load_usage(gs_share *s, const char *text,
                                     size_t size, const char *name)
{
    if (!s || (!text && size))
        return GS_EINVAL;
    gs_strtab fresh = {0}; /* associations the file adds */
    gs_status st = load_usage(s, text, size, name ? name : "<buffer>", &fresh);
    gs_strtab_free(&fresh);
    return st;
}

/* ---- snapshots (lib/durable) -------------------------------------------- */

void gs_share_encode(const gs_share *s, gs_wbuf *w)
{
    gs_w_f64(w, s->half_life);
    gs_w_u8(w, (uint8_t)((s->computed ? 1 : 0) | (s->algo << 1)));
    gs_w_f64(w, s->t_compute);
    gs_w_uv(w, s->n);
    for (size_t i = 0; i < s->n; i++) {
        const assoc *a = &s->a[i];
        gs_w_str(w, a->account);
        gs_w_str(w, a->user);
        gs_w_uv(w, a->parent == GS_NONE ? 0 : (uint64_t)a->parent + 1);
        gs_w_u8(w, a->use_parent);
        const double d[] = {a->shares,          a->usage,
                            a->t_usage,         a->tot_usage,
                            a->norm_shares,     a->norm_usage,
                            a->effective_usage, a->factor,
                            a->level_fs,        a->level_shares};
        for (size_t k = 0; k < GS_ARRAY_LEN(d); k++)
            gs_w_f64(w, d[k]);
        gs_w_uv(w, a->rank);
    }
}

gs_status gs_share_decode(gs_share *s, gs_rbuf *r, bool fresh, uint32_t *map,
                          size_t cap_map, size_t *n_out, gs_err *err)
{
    double half_life = gs_r_f64(r);
    uint8_t flags = gs_r_u8(r);
    double t_compute = gs_r_f64(r);
    /* each association takes at least 84 bytes */
    uint64_t n = gs_r_uv_max(r, GS_MIN(gs_r_left(r) / 84, cap_map),
                             "the number of accounts and users");
    if (!r->bad && (n < 1 || !(half_life >= 0) || half_life > 1e18 ||
                    (flags >> 1) > GS_FAIRSHARE_CLASSIC))
        gs_r_fail(r, "the account tree's header is out of range");
    if (r->bad)
        return GS_EPARSE;
    for (uint64_t i = 0; i < n; i++) {
        size_t at = r->pos;
        const char *account = gs_r_str(r, GS_MAX_NAME, NULL);
        const char *user = gs_r_str(r, GS_MAX_NAME, NULL);
        uint64_t parent = gs_r_uv_max(r, i, "an account's parent");
        uint8_t use_parent = gs_r_u8(r);
        double d[10];
        for (size_t k = 0; k < 10; k++)
            d[k] = gs_r_f64(r);
        uint64_t rank = gs_r_uv_max(r, UINT32_MAX, "a rank");
        if (r->bad)
            return GS_EPARSE;
        bool ok = account && use_parent <= 1 && (i == 0) == (parent == 0) &&
                  (i > 0 || (!user && !strcmp(account, "root")));
        /* what was given (shares, usage and its time) is checked; what
         * the last computation made (infinities and NaN included, as it
         * left them) is kept bit for bit */
        ok = ok && d[0] >= 0 && d[0] <= 1e15 && d[1] >= 0 &&
             d[1] <= GS_USAGE_MAX && gs_share_time_ok(d[2]);
        if (ok && parent) {
            /* a parent is an account saved earlier */
            const char *pa = s->a[map[parent - 1]].account;
            ok = !s->a[map[parent - 1]].user &&
                 (!user || !strcmp(pa, account));
        }
        if (!ok) {
            r->pos = at;
            gs_r_fail(r, "an account or user of the tree is invalid");
            return GS_EPARSE;
        }
        uint32_t idx = gs_share_find(s, user, account);
        if (i == 0) {
            idx = ROOT;
        } else if (fresh) {
            if (idx != GS_NONE) {
                r->pos = at;
                gs_r_fail(r, "an account or user is saved twice");
                return GS_EPARSE;
            }
            gs_status st = add_assoc(s, account, user, map[parent - 1], d[0],
                                     &idx);
            if (st != GS_OK)
                return gs_errf(err, GS_ENOMEM, "out of memory");
        } else if (idx == GS_NONE) {
            char qa[80], qu[80];
            return gs_errf(err, GS_EINVALID,
                           "the account tree given has no %s%s%s \"%s\", "
                           "which the snapshot has",
                           user ? "user \"" : "account",
                           user ? gs_printable(qu, sizeof qu, user, SIZE_MAX)
                                : "",
                           user ? "\" in account" : "",
                           gs_printable(qa, sizeof qa, account, SIZE_MAX));
        }
        map[i] = idx;
        assoc *a = &s->a[idx];
        a->use_parent = use_parent;
        a->shares = d[0];
        a->usage = d[1];
        a->t_usage = d[2];
        a->tot_usage = d[3];
        a->norm_shares = d[4];
        a->norm_usage = d[5];
        a->effective_usage = d[6];
        a->factor = d[7];
        a->level_fs = d[8];
        a->level_shares = d[9];
        a->rank = (uint32_t)rank;
    }
    s->half_life = half_life;
    s->computed = flags & 1;
    s->algo = (gs_fairshare_algo)(flags >> 1);
    s->t_compute = t_compute;
    s->display_ok = false;
    *n_out = (size_t)n;
    return GS_OK;
}

GS_API gs_status gs_share_save_usage(const gs_share *s, char **text,
                                     size_t *len)
{
    if (text)
        *text = NULL;
    if (len)
        *len = 0;
    if (!s || !text)
        return GS_EINVAL;
    /* every usage as of the latest time any was charged */
    double t = 0;
    bool any = false;
    for (size_t i = 0; i < s->n; i++)
        if (s->a[i].usage > 0 && (!any || s->a[i].t_usage > t)) {
            t = s->a[i].t_usage;
            any = true;
        }
    gs_buf b = {0};
    gs_buf_printf(&b, "# gpusched fair-share usage (GPU-seconds, decayed)\n"
                      "# as of %.17g\nuser,account,usage\n",
                  t);
    for (size_t i = 0; i < s->n; i++) {
        const assoc *a = &s->a[i];
        if (!(a->usage > 0))
            continue;
        double u = a->t_usage == t ? a->usage : own_usage(s, a, t);
        gs_buf_printf(&b, "%s,%s,%.17g\n", a->user ? a->user : "",
                      a->account, u);
    }
    if (!gs_buf_finish(&b)) {
        gs_buf_free(&b);
        return GS_ENOMEM;
    }
    *text = b.data;
    if (len)
        *len = b.len;
    return GS_OK;
}
