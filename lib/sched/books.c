/*
 * The books: usage charged to the share tree, billing rates, and the GPUs
 * each user and account holds against its limits.
 *
 * Usage is charged lazily: a running job's usage is added to its
 * association when it ends and whenever fair share is recomputed, as the
 * exact integral of its rate under exponential decay:
 *     usage += rate * H / ln 2 * (1 - exp(-ln 2 * dt / H))
 * (rate * dt when there is no decay), charged at the end of the interval.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/books.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define LN2 0.69314718055994530942

/* ---- usage -------------------------------------------------------------- */

/* Usage a rate produces over [t0, t1], decayed to t1. */
static double decayed_integral(const gs_share *sh, double rate, double t0,
                               double t1)
{
    double dt = t1 - t0;
    if (dt <= 0 || rate <= 0)
        return 0;
    if (sh->half_life <= 0)
        return rate * dt;
    double k = LN2 / sh->half_life;
    return rate * (1.0 - exp(-k * dt)) / k;
}

void gs_books_charge_job(gs_sched *s, job_rec *j, int64_t now)
{
    if (j->state != GS_JOB_RUNNING || now <= j->charged_until)
        return;
    double amount = decayed_integral(s->share, j->rate,
                                     (double)j->charged_until, (double)now);
    if (amount > 0)
        gs_share_charge(s->share, j->assoc, amount, (double)now);
    j->charged_until = now;
}

void gs_books_charge_running(gs_sched *s, int64_t now)
{
    for (size_t i = 0; i < s->n_running; i++)
        gs_books_charge_job(s, &s->jobs[s->running[i]], now);
}

GS_API gs_status gs_sched_update_usage(gs_sched *s, int64_t now)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    gs_status st = gs_sched_now_arg(s, now);
    if (st != GS_OK)
        return st;
    gs_books_charge_running(s, now);
    gs_sched_tick(s, now);
    gs_jr_rec r = {.kind = GS_JR_UPDATE_USAGE};
    r.t = now;
    return gs_jr_done(s, &r);
}

/* The billing rate of a job that got these GPUs, CPUs and memory. */
double gs_books_rate(const gs_sched *s, const job_rec *j)
{
    double rate = 0;
    for (uint32_t k = 0; k < j->n_alloc; k++) {
        const alloc_node *a = &j->alloc[k];
        const gs_ntype *ty = s->topo->nodes[a->node].type;
        for (gs_mask m = a->gpus; m; m &= m - 1) {
            const char *model = ty->gpus[mask_first(m)].model;
            double w = 1.0;
            for (size_t r = 0; model && r < s->n_model_weights; r++) {
                const char *p = model;
                size_t n = strlen(s->model_weights[r].model);
                for (; *p; p++) {
                    size_t i = 0;
                    while (i < n && p[i] &&
                           (p[i] | 0x20) == s->model_weights[r].model[i])
                        i++;
                    if (i == n) {
                        w = s->model_weights[r].weight;
                        break;
                    }
                }
            }
            rate += s->w_gpu * w * job_fraction(j);
        }
        rate += s->w_cpu * a->cpu_n;
        rate += s->w_mem * (double)a->mem / (double)(1ull << 30);
    }
    return rate;
}

/* ---- limits ------------------------------------------------------------- */

static gs_status grow_accounts(gs_sched *s, size_t need);

/* A slot for a user's counters (created at submission). */
gs_status gs_books_user_slot(gs_sched *s, const char *user, uint32_t *slot)
{
    const char *u = user ? user : "";
    size_t len = strlen(u);
    const gs_strtab_slot *e = gs_strtab_get(&s->user_slots, u, len);
    if (e) {
        *slot = e->val;
        return GS_OK;
    }
    const char *iu = gs_intern(&s->strings, u, len);
    size_t cap = s->cap_user_slots;
    if (!iu || !GS_GROW(s->user_running, cap, s->n_user_slots + 1))
        return GS_ENOMEM;
    cap = s->cap_user_slots;
    if (!GS_GROW(s->user_limit, cap, s->n_user_slots + 1))
        return GS_ENOMEM;
    s->cap_user_slots = cap;
    if (!gs_strtab_put(&s->user_slots, iu, len, (uint32_t)s->n_user_slots))
        return GS_ENOMEM;
    s->user_running[s->n_user_slots] = 0;
    s->user_limit[s->n_user_slots] = 0;
    *slot = (uint32_t)s->n_user_slots++;
    return GS_OK;
}

/* Room for a submission's books: its user's slot and the two
 * associations it may add, so that gs_books_user_slot and
 * gs_books_grow_accounts cannot fail after it. */
gs_status gs_books_reserve(gs_sched *s, const char *user)
{
    const char *u = user ? user : "";
    size_t len = strlen(u);
    if (!gs_strtab_get(&s->user_slots, u, len)) {
        size_t cap = s->cap_user_slots;
        if (!gs_intern(&s->strings, u, len) ||
            !GS_GROW(s->user_running, cap, s->n_user_slots + 1))
            return GS_ENOMEM;
        cap = s->cap_user_slots;
        if (!GS_GROW(s->user_limit, cap, s->n_user_slots + 1))
            return GS_ENOMEM;
        s->cap_user_slots = cap;
        if (!gs_strtab_reserve(&s->user_slots, 1))
            return GS_ENOMEM;
    }
    if (gs_part_reserve_users(s, s->n_user_slots + 1) != GS_OK)
        return GS_ENOMEM;
    return grow_accounts(s, s->share->n + 2);
}

/* Per-account counters follow the share tree's size. */
gs_status gs_books_grow_accounts(gs_sched *s)
{
    return grow_accounts(s, s->share->n);
}

static gs_status grow_accounts(gs_sched *s, size_t need)
{
    if (need <= s->cap_acct)
        return GS_OK;
    size_t ncap = s->cap_acct ? s->cap_acct * 2 : 16;
    while (ncap < need)
        ncap *= 2;
    uint64_t *r = gs_realloc(s->acct_running, ncap * sizeof *r);
    if (!r)
        return GS_ENOMEM;
    s->acct_running = r;
    uint32_t *l = gs_realloc(s->acct_limit, ncap * sizeof *l);
    if (!l)
        return GS_ENOMEM;
    s->acct_limit = l;
    for (size_t i = s->cap_acct; i < ncap; i++)
        r[i] = l[i] = 0;
    s->cap_acct = ncap;
    return GS_OK;
}

/* Add (sign 1) or take back (-1) a job's GPUs (in milli-GPUs: shared
 * jobs count their share) from its user's and its accounts' counters. */
void gs_books_count(gs_sched *s, const job_rec *j, int sign)
{
    uint64_t d = job_milli(j);
    s->user_running[j->user_slot] += sign > 0 ? d : (uint64_t)-d;
    for (uint32_t a = s->share->a[j->assoc].parent; a != GS_NONE;
         a = s->share->a[a].parent)
        if (a < s->cap_acct)
            s->acct_running[a] += sign > 0 ? d : (uint64_t)-d;
}

/* Would starting j break a limit? Writes why. */
bool gs_books_over_limit(const gs_sched *s, const job_rec *j, char *why,
                         size_t cap)
{
    if (!s->any_limit)
        return false;
    if (s->part_user_limits && j->parts) {
        /* over the per-user limit of every partition it may use */
        uint32_t first = GS_NONE;
        bool all = true;
        for (uint32_t p = 0; p < s->n_parts && all; p++)
            if ((j->parts >> p) & 1) {
                if (!gs_part_over_user_limit(s, j, p))
                    all = false;
                else if (first == GS_NONE)
                    first = p;
            }
        if (all && first != GS_NONE) {
            const sched_part *pp = &s->parts[first];
            char held[32];
            gs_fmt_milli(held, sizeof held,
                         pp->user_running[j->user_slot] + job_milli(j));
            snprintf(why, cap,
                     "user %s would hold %s GPUs in partition %s, over its "
                     "limit %u",
                     j->user ? j->user : GS_NOBODY, held, pp->name,
                     pp->max_gpus_per_user);
            return true;
        }
    }
    uint32_t lim = s->user_limit[j->user_slot];
    if (!lim)
        lim = s->user_limit_default;
    if (lim &&
        s->user_running[j->user_slot] + job_milli(j) > (uint64_t)lim * 1000) {
        char held[32];
        gs_fmt_milli(held, sizeof held,
                     s->user_running[j->user_slot] + job_milli(j));
        snprintf(why, cap, "user %s would hold %s GPUs, over the limit %u",
                 j->user ? j->user : "(none)", held, lim);
        return true;
    }
    for (uint32_t a = s->share->a[j->assoc].parent; a != GS_NONE;
         a = s->share->a[a].parent) {
        if (a >= s->cap_acct)
            continue;
        uint32_t al = s->acct_limit[a];
        if (!al && s->share->a[a].parent != GS_NONE)
            al = s->acct_limit_default; /* not for root */
        if (al && s->acct_running[a] + job_milli(j) > (uint64_t)al * 1000) {
            char held[32];
            gs_fmt_milli(held, sizeof held, s->acct_running[a] + job_milli(j));
            snprintf(why, cap,
                     "account %s would hold %s GPUs, over the limit %u",
                     s->share->a[a].account, held, al);
            return true;
        }
    }
    return false;
}

static gs_status set_limit(gs_sched *s, gs_limit_kind kind, const char *name,
                           uint32_t max_gpus);

GS_API gs_status gs_sched_set_limit(gs_sched *s, gs_limit_kind kind,
                                    const char *name, uint32_t max_gpus)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    gs_status st = set_limit(s, kind, name, max_gpus);
    if (st != GS_OK)
        return st;
    gs_jr_rec r = {.kind = GS_JR_LIMIT};
    r.a = (uint64_t)kind;
    r.b = max_gpus;
    r.s1 = name;
    return gs_jr_done(s, &r);
}

static gs_status set_limit(gs_sched *s, gs_limit_kind kind, const char *name,
                           uint32_t max_gpus)
{
    if ((unsigned)kind > GS_LIMIT_ACCOUNT)
        return gs_errf(&s->err, GS_EINVAL,
                       "set_limit: %d is not a gs_limit_kind", (int)kind);
    if (name && gs_check_name(kind == GS_LIMIT_USER ? "user" : "account", name,
                              &s->err) != GS_OK)
        return GS_EINVAL;
    if (!name) {
        if (kind == GS_LIMIT_USER)
            s->user_limit_default = max_gpus;
        else
            s->acct_limit_default = max_gpus;
        s->any_limit |= max_gpus != 0;
        return GS_OK;
    }
    if (kind == GS_LIMIT_USER) {
        uint32_t slot;
        if (gs_books_user_slot(s, name, &slot) != GS_OK)
            return gs_errf(&s->err, GS_ENOMEM, "out of memory");
        s->user_limit[slot] = max_gpus;
        s->any_limit |= max_gpus != 0;
        return GS_OK;
    }
    uint32_t a = gs_share_find(s->share, NULL, name);
    if (a == GS_NONE)
        return gs_errf(&s->err, GS_ENOTFOUND, "no account \"%.64s\"", name);
    if (gs_books_grow_accounts(s) != GS_OK)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    s->acct_limit[a] = max_gpus;
    s->any_limit |= max_gpus != 0;
    return GS_OK;
}
