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
#include "fairshare_impl.h"

#include "json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define ROOT 0u

/* ---- lifecycle ---------------------------------------------------------- */

static gs_status grow_scratch(gs_share *s)
{
    size_t need = s->n + 1;
    if (s->cap_scratch >= need)
        return GS_OK;
    size_t cap = s->cap_scratch ? s->cap_scratch : 16;
    while (cap < need)
        cap *= 2;
    uint32_t *a = gs_realloc(s->order, cap * sizeof *a);
    if (!a)
        return GS_ENOMEM;
    s->order = a;
    /* two halves for walks and merged child lists, a third for the
     * stack that expands Fairshare=parent accounts */
    uint32_t *b = gs_realloc(s->scratch, 3 * cap * sizeof *b);
    if (!b)
        return GS_ENOMEM;
    s->scratch = b;
    s->cap_scratch = cap;
    return GS_OK;
}

/* Append an association; the caller has checked names. */
static gs_status add_assoc(gs_share *s, const char *account, const char *user,
                           uint32_t parent, double shares, uint32_t *out)
{
    if (s->n >= UINT32_MAX - 1 || !GS_GROW(s->a, s->cap, s->n + 1))
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    const char *iacct = gs_intern(&s->strings, account, strlen(account));
    const char *iuser = user ? gs_intern(&s->strings, user, strlen(user)) : NULL;
    if (!iacct || (user && !iuser))
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    /* index key: the account, or "user<US>account" */
    char key[2 * GS_MAX_NAME + 4];
    size_t klen = (size_t)snprintf(key, sizeof key, "%s%s%s", user ? user : "",
                                   user ? "\x1f" : "", account);
    const char *ikey = gs_intern(&s->strings, key, klen);
    if (!ikey || !gs_strtab_put(&s->index, ikey, klen, (uint32_t)s->n))
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    assoc *a = &s->a[s->n];
    memset(a, 0, sizeof *a);
    a->account = iacct;
    a->user = iuser;
    a->parent = parent;
    a->shares = shares;
    a->first_child = a->next_sibling = GS_NONE;
    a->depth = parent == GS_NONE ? 0 : s->a[parent].depth + 1;
    if (parent != GS_NONE) {
        /* keep children in insertion order: append */
        uint32_t *link = &s->a[parent].first_child;
        while (*link != GS_NONE)
            link = &s->a[*link].next_sibling;
        *link = (uint32_t)s->n;
    }
    if (user)
        s->n_users++;
    if (out)
        *out = (uint32_t)s->n;
    s->n++;
    s->computed = false;
    if (grow_scratch(s) != GS_OK)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
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
    char key[2 * GS_MAX_NAME + 4];
    int klen = snprintf(key, sizeof key, "%s%s%s", user ? user : "",
                        user ? "\x1f" : "", account);
    if (klen < 0 || (size_t)klen >= sizeof key)
        return GS_NONE;
    const gs_strtab_slot *slot = gs_strtab_get(&s->index, key, (size_t)klen);
    return slot ? slot->val : GS_NONE;
}

static gs_status check_shares(gs_share *s, double shares)
{
    if (!(shares >= 0) || shares > 1e15)
        return gs_errf(&s->err, GS_EINVAL,
                       "shares must be a number from 0 to 1e15, not %g", shares);
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
    if (p == GS_NONE)
        return gs_errf(&s->err, GS_ENOTFOUND,
                       "account \"%s\": no parent account \"%.64s\"", name,
                       parent);
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
    if (a == GS_NONE)
        return gs_errf(&s->err, GS_ENOTFOUND,
                       "user \"%s\": no account \"%.64s\"", user,
                       account ? account : "(null)");
    if (gs_share_find(s, user, account) != GS_NONE)
        return gs_errf(&s->err, GS_EEXIST,
                       "user \"%s\" already charges account \"%s\"", user,
                       account);
    return add_assoc(s, account, user, a, shares, NULL);
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
    a->usage = own_usage(s, a, now) + amount;
    a->t_usage = now;
    s->computed = false;
}

static gs_status assoc_arg(gs_share *s, const char *user, const char *account,
                           uint32_t *idx)
{
    if (!s)
        return GS_EINVAL;
    *idx = gs_share_find(s, user, account);
    if (*idx == GS_NONE)
        return gs_errf(&s->err, GS_ENOTFOUND, "no association %s%s%.64s",
                       user ? user : "", user ? " in account " : "account ",
                       account ? account : "(null)");
    return GS_OK;
}

GS_API gs_status gs_share_set_usage(gs_share *s, const char *user,
                                    const char *account, double usage,
                                    double now)
{
    uint32_t idx;
    gs_status st = assoc_arg(s, user, account, &idx);
    if (st != GS_OK)
        return st;
    if (!(usage >= 0) || !isfinite(usage))
        return gs_errf(&s->err, GS_EINVAL, "usage must be >= 0");
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
    if (st != GS_OK)
        return st;
    if (!(amount >= 0) || !isfinite(amount))
        return gs_errf(&s->err, GS_EINVAL, "usage must be >= 0");
    gs_share_charge(s, idx, amount, now);
    return GS_OK;
}

GS_API double gs_share_usage(const gs_share *s, const char *user,
                             const char *account, double now)
{
    if (!s)
        return -1.0;
    uint32_t idx = gs_share_find(s, user, account);
    if (idx == GS_NONE)
        return -1.0;
    /* own usage plus every descendant's (a subtree walk) */
    double sum = 0;
    uint32_t stack_top = 0;
    uint32_t *stack = s->scratch; /* sized with the tree */
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
    if (!(half_life >= 0) || !isfinite(half_life))
        return gs_errf(&s->err, GS_EINVAL, "half_life must be >= 0 seconds");
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

static int cmp_lf_desc(const gs_share *s, uint32_t x, uint32_t y)
{
    double a = s->a[x].level_fs, b = s->a[y].level_fs;
    if (a != b)
        return a > b ? -1 : 1;
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

typedef struct ranker {
    gs_share *s;
    uint32_t rnt;       /* rank of the next user when not tied */
    uint32_t last_rank; /* rank of the last user ranked */
    uint32_t *stack;    /* scratch for merged child lists */
    uint32_t used;
} ranker;

/* Visit the merged children list v[0..n): rank users, descend into
 * accounts. `tied` says the first group ties with what was ranked just
 * before (so its users share that rank). */
static void fair_tree_visit(ranker *r, uint32_t *v, uint32_t n, bool tied)
{
    gs_share *s = r->s;
    sort_by_lf(s, v, n);
    for (uint32_t i = 0; i < n;) {
        uint32_t j = i;
        while (j < n && s->a[v[j]].level_fs == s->a[v[i]].level_fs)
            j++;
        bool group_tied = tied && i == 0;
        /* users of the group share one rank */
        bool any_user = false;
        uint32_t rank = group_tied ? r->last_rank : r->rnt;
        for (uint32_t k = i; k < j; k++) {
            assoc *a = &s->a[v[k]];
            if (!a->user)
                continue;
            any_user = true;
            a->rank = rank;
            r->last_rank = rank;
            r->rnt--;
        }
        /* tied accounts: their children merged, then visited once */
        uint32_t base = r->used, m = 0;
        for (uint32_t k = i; k < j; k++) {
            const assoc *a = &s->a[v[k]];
            if (a->user)
                continue;
            m += fs_children(s, v[k], r->stack + base + m, false);
        }
        if (m) {
            r->used += m;
            fair_tree_visit(r, r->stack + base, m, any_user || group_tied);
            r->used -= m;
        }
        i = j;
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
        ranker r = {s, s->n_users, s->n_users, s->scratch, 0};
        uint32_t m = fs_children(s, ROOT, r.stack, false);
        r.used = m;
        fair_tree_visit(&r, r.stack, m, false);
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

GS_API gs_status gs_share_row_get(const gs_share *s, size_t i,
                                  gs_share_row *row)
{
    if (!s || i >= s->n || !row || row->struct_size < sizeof(uint32_t))
        return GS_EINVAL;
    /* the i-th association in display order: walk the tree with children
     * sorted (small trees; this is for reports) */
    uint32_t *stack = s->scratch;
    uint32_t top = 0;
    size_t k = 0;
    uint32_t found = GS_NONE;
    stack[top++] = ROOT;
    while (top && found == GS_NONE) {
        uint32_t x = stack[--top];
        if (k++ == i) {
            found = x;
            break;
        }
        /* push children in reverse display order */
        uint32_t start = top;
        for (uint32_t c = s->a[x].first_child; c != GS_NONE;
             c = s->a[c].next_sibling)
            stack[top++] = c;
        for (uint32_t p = start + 1; p < top; p++) {
            uint32_t v = stack[p], q = p;
            while (q > start && row_cmp(s, v, stack[q - 1]) > 0) {
                stack[q] = stack[q - 1];
                q--;
            }
            stack[q] = v;
        }
    }
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

/* Add the (checked) account or user entry e under parent: its shares are
 * a number, "parent" or absent (1). An error names e's place in file. */
static gs_status add_entry(gs_share *s, const char *file, const json_value *e,
                           bool user, const char *parent)
{
    const json_value *nv = json_member_get(e, "name")->value;
    const json_member *ms = json_member_get(e, "shares");
    bool use_parent = ms && is_parent_shares(ms->value);
    double shares = ms && !use_parent ? json_number_double(ms->value) : 1.0;
    gs_status st = user ? gs_share_add_user(s, nv->u.str.s, parent, shares)
                        : gs_share_add_account(s, nv->u.str.s, parent, shares);
    if (st == GS_OK) {
        s->a[s->n - 1].use_parent = use_parent;
        return GS_OK;
    }
    char what[GS_ERRMSG_MAX];
    snprintf(what, sizeof what, "%s", s->err.msg);
    return gs_errf(&s->err, st == GS_ENOMEM ? st : GS_EPARSE, "%s:%u:%u: %s",
                   file, nv->line, nv->col, what);
}

static gs_status read_entries(gs_share *s, const json_value *arr,
                              const char *name, bool users, bool apply)
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
                known |= strcmp(m->key, ok[q]) == 0;
            if (!known) {
                char what[160];
                snprintf(what, sizeof what, "unknown key \"%.64s\"", m->key);
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
                !json_number_milli(ms->value, &milli) || milli < 0)
                return jpos(s, name, ms->value,
                            "\"shares\" must be a number >= 0 or "
                            "\"parent\"");
        }
        const char *nm = mn->value->u.str.s;
        const char *parent = mp ? mp->value->u.str.s : "root";
        if (gs_check_name(users ? "user" : "account", nm, &s->err) != GS_OK)
            return jpos(s, name, mn->value, s->err.msg);
        if (!apply)
            continue;
        gs_status st = add_entry(s, name, e, users, parent);
        if (st != GS_OK)
            return st;
    }
    return GS_OK;
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
    const json_value *root = doc.root;
    const json_member *ma = json_member_get(root, "accounts");
    const json_member *mu = json_member_get(root, "users");
    if (root->type != JSON_OBJECT) {
        st = jpos(s, name, root, "the document must be an object");
        goto out;
    }
    /* check everything first, so a bad file adds nothing */
    if ((ma && (st = read_entries(s, ma->value, name, false, false))) ||
        (mu && (st = read_entries(s, mu->value, name, true, false))))
        goto out;
    if (ma) {
        /* accounts whose parent comes later in the file: add in passes */
        const json_value *arr = ma->value;
        size_t left = arr->u.arr.n;
        bool *done = gs_calloc(left + 1, sizeof *done);
        if (!done) {
            st = gs_errf(&s->err, GS_ENOMEM, "out of memory");
            goto out;
        }
        size_t before = s->n;
        while (left) {
            size_t progress = 0;
            for (size_t i = 0; i < arr->u.arr.n; i++) {
                if (done[i])
                    continue;
                const json_value *e = arr->u.arr.items[i];
                const json_member *mp = json_member_get(e, "parent");
                const char *parent = mp ? mp->value->u.str.s : "root";
                if (gs_share_find(s, NULL, parent) == GS_NONE)
                    continue;
                st = add_entry(s, name, e, false, parent);
                if (st != GS_OK) {
                    gs_free(done);
                    goto out;
                }
                done[i] = true;
                left--;
                progress++;
            }
            if (!progress) {
                /* a parent that never appears, or a cycle */
                for (size_t i = 0; i < arr->u.arr.n; i++)
                    if (!done[i]) {
                        const json_value *e = arr->u.arr.items[i];
                        const json_member *mp = json_member_get(e, "parent");
                        char what[200];
                        snprintf(what, sizeof what,
                                 "parent account \"%.64s\" does not exist (or "
                                 "the accounts form a cycle)",
                                 mp->value->u.str.s);
                        st = jpos(s, name, mp->value, what);
                        break;
                    }
                (void)before;
                gs_free(done);
                goto out;
            }
        }
        gs_free(done);
    }
    if (mu && (st = read_entries(s, mu->value, name, true, true)) != GS_OK)
        goto out;
    st = GS_OK;
out:
    json_doc_free(&doc);
    return st;
}

/* A non-negative decimal number, without the C library's locale. */
static bool parse_decimal(const char *p, size_t n, double *out)
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
    if (i != n || !isfinite(v))
        return false;
    *out = v;
    return true;
}

GS_API gs_status gs_share_load_usage(gs_share *s, const char *text,
                                     size_t size, const char *name)
{
    if (!s || (!text && size))
        return GS_EINVAL;
    name = name ? name : "<buffer>";
    /* pass 0 checks every line, pass 1 applies them: a bad line changes
     * nothing */
    for (int pass = 0; pass < 2; pass++) {
        const char *p = text, *end = text + size;
        int ord[3] = {0, 1, 2}; /* the fields holding user, account, usage */
        bool first = true;
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
                    if (fl[0] > GS_MAX_NAME || fl[1] > GS_MAX_NAME || !fl[1])
                        return gs_errf(&s->err, GS_EPARSE,
                                       "%s:%u:%u: %s", name, line,
                                       (unsigned)(f[fl[1] ? 0 : 1] - p + 1),
                                       fl[1] ? "name too long"
                                             : "the account is missing");
                    memcpy(user, f[0], fl[0]);
                    user[fl[0]] = '\0';
                    memcpy(acct, f[1], fl[1]);
                    acct[fl[1]] = '\0';
                    double usage;
                    if (!parse_decimal(f[2], fl[2], &usage))
                        return gs_errf(&s->err, GS_EPARSE,
                                       "%s:%u:%u: usage \"%.*s\" is not a "
                                       "number "
                                       ">= 0",
                                       name, line, (unsigned)(f[2] - p + 1),
                                       (int)GS_MIN(fl[2], 32), f[2]);
                    if (pass == 0) {
                        if ((fl[0] && gs_check_name("user", user, &s->err) !=
                                          GS_OK) ||
                            gs_check_name("account", acct, &s->err) != GS_OK) {
                            char what[GS_ERRMSG_MAX];
                            snprintf(what, sizeof what, "%s", s->err.msg);
                            return gs_errf(&s->err, GS_EPARSE, "%s:%u:1: %s",
                                           name, line, what);
                        }
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
                    s->a[idx].t_usage = 0;
                    s->computed = false;
                }
            }
            p = nl ? nl + 1 : end;
        }
    }
    return GS_OK;
}
