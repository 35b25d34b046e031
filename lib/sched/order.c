/*
 * Who goes first: usage accrual, priorities (fifo, priority, multifactor
 * with fair share), GPU limits per user and account, and the scheduler's
 * JSON configuration.
 *
 * Usage is charged lazily: a running job's usage is added to its
 * association when it ends and whenever fair share is recomputed, as the
 * exact integral of its rate under exponential decay:
 *     usage += rate * H / ln 2 * (1 - exp(-ln 2 * dt / H))
 * (rate * dt when there is no decay), charged at the end of the interval.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/order.h"

#include "common/json.h"
#include "place/place.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define LN2 0.69314718055994530942

GS_API void gs_priority_weights_init(gs_priority_weights *w)
{
    if (!w)
        return;
    memset(w, 0, sizeof *w);
    w->struct_size = sizeof *w;
    w->age = 1000;
    w->fairshare = 10000;
    w->job_size = 0;
    w->priority = 1000;
    w->max_age = 7 * 24 * 3600;
    w->calc_period = 300;
}

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

void gs_order_charge_job(gs_sched *s, job_rec *j, int64_t now)
{
    if (j->state != GS_JOB_RUNNING || now <= j->charged_until)
        return;
    double amount = decayed_integral(s->share, j->rate,
                                     (double)j->charged_until, (double)now);
    if (amount > 0)
        gs_share_charge(s->share, j->assoc, amount, (double)now);
    j->charged_until = now;
}

GS_API gs_status gs_sched_update_usage(gs_sched *s, int64_t now)
{
    if (!s)
        return GS_EINVAL;
    gs_status st = gs_sched_time_arg(s, now, "now");
    if (st != GS_OK)
        return st;
    for (size_t i = 0; i < s->n_running; i++)
        gs_order_charge_job(s, &s->jobs[s->running[i]], now);
    return GS_OK;
}

/* The billing rate of a job that got these GPUs, CPUs and memory. */
double gs_order_rate(const gs_sched *s, const job_rec *j)
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
            rate += s->w_gpu * w;
        }
        rate += s->w_cpu * a->cpu_n;
        rate += s->w_mem * (double)a->mem / (double)(1ull << 30);
    }
    return rate;
}

/* ---- priorities --------------------------------------------------------- */

void gs_order_factors(gs_sched *s, job_rec *j, int64_t now, int64_t max_prio)
{
    const gs_priority_weights *w = &s->weights;
    double age = 0;
    if (w->max_age > 0) {
        double waited = (double)(now - j->submit_time);
        age = waited <= 0 ? 0 : GS_MIN(1.0, waited / (double)w->max_age);
    }
    double fs = s->share->a[j->assoc].factor;
    double size = s->topo->n_gpus ? (double)j->gpus / s->topo->n_gpus : 0;
    double prio = max_prio > 0 && j->priority > 0
                      ? GS_MIN(1.0, (double)j->priority / (double)max_prio)
                      : 0;
    j->f_age = age;
    j->f_fs = fs;
    j->f_size = size;
    j->f_prio = prio;
    j->prio_value = w->age * age + w->fairshare * fs + w->job_size * size +
                    w->priority * prio - (double)j->nice;
}

int64_t gs_order_max_prio(const gs_sched *s)
{
    int64_t mx = 0;
    for (size_t i = 0; i < s->n_pending; i++)
        mx = GS_MAX(mx, s->jobs[s->pending[i]].priority);
    return mx;
}

void gs_order_refresh_fairshare(gs_sched *s, int64_t now, bool force)
{
    if (!force && s->fs_fresh && now - s->last_fs < s->weights.calc_period)
        return;
    gs_sched_update_usage(s, now);
    gs_share_compute(s->share, s->fs_algo, (double)now);
    s->last_fs = now;
    s->fs_fresh = true;
}

/* ---- sorting the pending jobs ----------------------------------------- */

/* A job's place in the ordering as two unsigned keys and its index (which
 * follows the id): sorting compact records is several times faster than
 * comparing job records through a callback. */
typedef struct order_rec {
    uint64_t k1, k2; /* k1 first, then k2, then idx; all ascending */
    uint32_t idx, pad;
} order_rec;

gs_status gs_order_reserve(gs_sched *s, size_t n)
{
    if (n <= s->cap_order)
        return GS_OK;
    size_t cap = GS_MAX(n, s->cap_order * 2);
    order_rec *b = gs_realloc(s->order_buf, 2 * cap * sizeof *b);
    if (!b)
        return GS_ENOMEM;
    s->order_buf = b;
    s->cap_order = cap;
    return GS_OK;
}

static uint64_t key_i64_asc(int64_t v)
{
    return (uint64_t)v ^ (1ull << 63);
}

/* larger doubles first; -0.0 and 0.0 alike; NaN never occurs */
static uint64_t key_double_desc(double d)
{
    if (d == 0)
        d = 0;
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    u = (u & (1ull << 63)) ? ~u : u | (1ull << 63); /* ascending */
    return ~u;
}

static bool rec_le(const order_rec *a, const order_rec *b)
{
    if (a->k1 != b->k1)
        return a->k1 < b->k1;
    if (a->k2 != b->k2)
        return a->k2 < b->k2;
    return a->idx <= b->idx;
}

/* Bottom-up merge sort of v[0..n) using tmp[0..n); returns where the
 * sorted records are. A queue already in order (nothing changed since the
 * last step) costs one scan. */
static order_rec *merge_sort(order_rec *v, order_rec *tmp, size_t n)
{
    size_t i = 1;
    while (i < n && rec_le(&v[i - 1], &v[i]))
        i++;
    if (i >= n)
        return v;
    order_rec *src = v, *dst = tmp;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = GS_MIN(lo + width, n), hi = GS_MIN(lo + 2 * width, n);
            size_t a = lo, b = mid, k = lo;
            while (a < mid && b < hi)
                dst[k++] = rec_le(&src[a], &src[b]) ? src[a++] : src[b++];
            while (a < mid)
                dst[k++] = src[a++];
            while (b < hi)
                dst[k++] = src[b++];
        }
        order_rec *t = src;
        src = dst;
        dst = t;
    }
    return src;
}

void gs_order_pending(gs_sched *s, int64_t now)
{
    size_t n = s->n_pending;
    if (n < 2 || n > s->cap_order) {
        if (s->ordering == GS_ORDER_MULTIFACTOR) {
            gs_order_refresh_fairshare(s, now, false);
            int64_t mx = gs_order_max_prio(s);
            for (size_t i = 0; i < n; i++)
                gs_order_factors(s, &s->jobs[s->pending[i]], now, mx);
        }
        return;
    }
    int64_t mx = 0;
    if (s->ordering == GS_ORDER_MULTIFACTOR) {
        gs_order_refresh_fairshare(s, now, false);
        mx = gs_order_max_prio(s);
    }
    order_rec *v = s->order_buf, *tmp = s->order_buf + s->cap_order;
    for (size_t i = 0; i < n; i++) {
        job_rec *j = &s->jobs[s->pending[i]];
        order_rec *r = &v[i];
        r->idx = s->pending[i];
        r->pad = 0;
        r->k2 = key_i64_asc(j->submit_time);
        switch (s->ordering) {
        case GS_ORDER_MULTIFACTOR:
            gs_order_factors(s, j, now, mx);
            r->k1 = key_double_desc(j->prio_value);
            break;
        case GS_ORDER_PRIORITY:
            r->k1 = ~key_i64_asc(j->priority);
            break;
        default:
            r->k1 = 0;
            break;
        }
    }
    const order_rec *out = merge_sort(v, tmp, n);
    for (size_t i = 0; i < n; i++)
        s->pending[i] = out[i].idx;
}

/* Does a job outrank another for preemption? By the ordering's own key. */
bool gs_order_outranks(const gs_sched *s, const job_rec *hi,
                       const job_rec *lo)
{
    if (s->ordering == GS_ORDER_MULTIFACTOR)
        return hi->prio_value > lo->prio_value;
    return hi->priority > lo->priority;
}

GS_API gs_status gs_sched_job_priority(gs_sched *s, uint64_t job,
                                       gs_priority_breakdown *out)
{
    if (!s || !out || out->struct_size < sizeof(uint32_t))
        return GS_EINVAL;
    if (job < 1 || job > s->n_jobs)
        return gs_errf(&s->err, GS_ENOTFOUND, "no job %llu",
                       (unsigned long long)job);
    job_rec *j = &s->jobs[job - 1];
    if (!s->fs_fresh)
        gs_order_refresh_fairshare(s, s->last_fs, true);
    if (j->state != GS_JOB_PENDING || (j->f_fs == 0 && j->prio_value == 0))
        gs_order_factors(s, j, s->last_fs, gs_order_max_prio(s));
    const gs_priority_weights *w = &s->weights;
    gs_priority_breakdown full;
    memset(&full, 0, sizeof full);
    full.struct_size = sizeof full;
    full.age = j->f_age;
    full.fairshare = j->f_fs;
    full.job_size = j->f_size;
    full.priority = j->f_prio;
    full.nice = (double)j->nice;
    full.w_age = w->age * j->f_age;
    full.w_fairshare = w->fairshare * j->f_fs;
    full.w_job_size = w->job_size * j->f_size;
    full.w_priority = w->priority * j->f_prio;
    full.total = full.w_age + full.w_fairshare + full.w_job_size +
                 full.w_priority - full.nice;
    uint32_t caller = out->struct_size;
    memcpy(out, &full, GS_MIN((size_t)caller, sizeof full));
    out->struct_size = caller;
    return GS_OK;
}

/* ---- limits ------------------------------------------------------------- */

/* A slot for a user's counters (created at submission). */
gs_status gs_order_user_slot(gs_sched *s, const char *user, uint32_t *slot)
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

/* Per-account counters follow the share tree's size. */
gs_status gs_order_grow_accounts(gs_sched *s)
{
    size_t need = s->share->n;
    if (need <= s->cap_acct)
        return GS_OK;
    size_t ncap = s->cap_acct ? s->cap_acct * 2 : 16;
    while (ncap < need)
        ncap *= 2;
    uint32_t *r = gs_realloc(s->acct_running, ncap * sizeof *r);
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

/* Add (sign 1) or take back (-1) a job's GPUs from its user's and its
 * accounts' counters. */
void gs_order_count(gs_sched *s, const job_rec *j, int sign)
{
    uint32_t d = (uint32_t)j->gpus;
    s->user_running[j->user_slot] += sign > 0 ? d : (uint32_t)-d;
    for (uint32_t a = s->share->a[j->assoc].parent; a != GS_NONE;
         a = s->share->a[a].parent)
        if (a < s->cap_acct)
            s->acct_running[a] += sign > 0 ? d : (uint32_t)-d;
}

/* Would starting j break a limit? Writes why. */
bool gs_order_over_limit(const gs_sched *s, const job_rec *j, char *why,
                         size_t cap)
{
    if (!s->any_limit)
        return false;
    uint32_t lim = s->user_limit[j->user_slot];
    if (!lim)
        lim = s->user_limit_default;
    if (lim && s->user_running[j->user_slot] + j->gpus > lim) {
        snprintf(why, cap, "user %s would hold %u GPUs, over the limit %u",
                 j->user ? j->user : "(none)",
                 s->user_running[j->user_slot] + j->gpus, lim);
        return true;
    }
    for (uint32_t a = s->share->a[j->assoc].parent; a != GS_NONE;
         a = s->share->a[a].parent) {
        if (a >= s->cap_acct)
            continue;
        uint32_t al = s->acct_limit[a];
        if (!al && s->share->a[a].parent != GS_NONE)
            al = s->acct_limit_default; /* not for root */
        if (al && s->acct_running[a] + j->gpus > al) {
            snprintf(why, cap,
                     "account %s would hold %u GPUs, over the limit %u",
                     s->share->a[a].account, s->acct_running[a] + j->gpus,
                     al);
            return true;
        }
    }
    return false;
}

GS_API gs_status gs_sched_set_limit(gs_sched *s, gs_limit_kind kind,
                                    const char *name, uint32_t max_gpus)
{
    if (!s)
        return GS_EINVAL;
    if ((unsigned)kind > GS_LIMIT_ACCOUNT)
        return gs_errf(&s->err, GS_EINVAL,
                       "set_limit: %d is not a gs_limit_kind", (int)kind);
    if (name && gs_check_name(kind == GS_LIMIT_USER ? "user" : "account", name,
                              &s->err) != GS_OK)
        return GS_EINVAL;
    if (max_gpus)
        s->any_limit = true;
    if (!name) {
        if (kind == GS_LIMIT_USER)
            s->user_limit_default = max_gpus;
        else
            s->acct_limit_default = max_gpus;
        return GS_OK;
    }
    if (kind == GS_LIMIT_USER) {
        uint32_t slot;
        if (gs_order_user_slot(s, name, &slot) != GS_OK)
            return gs_errf(&s->err, GS_ENOMEM, "out of memory");
        s->user_limit[slot] = max_gpus;
        return GS_OK;
    }
    uint32_t a = gs_share_find(s->share, NULL, name);
    if (a == GS_NONE)
        return gs_errf(&s->err, GS_ENOTFOUND, "no account \"%.64s\"", name);
    if (gs_order_grow_accounts(s) != GS_OK)
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    s->acct_limit[a] = max_gpus;
    return GS_OK;
}

/* ---- settings ----------------------------------------------------------- */

GS_API gs_status gs_sched_set_priority_weights(gs_sched *s,
                                               const gs_priority_weights *w)
{
    if (!s)
        return GS_EINVAL;
    if (!w || w->struct_size < sizeof(gs_priority_weights))
        return gs_errf(&s->err, GS_EINVAL,
                       "priority weights: NULL or struct_size too small "
                       "(initialize with gs_priority_weights_init)");
    if (!(w->age >= 0) || !(w->fairshare >= 0) || !(w->job_size >= 0) ||
        !(w->priority >= 0) || w->max_age < 0 || w->calc_period < 0)
        return gs_errf(&s->err, GS_EINVAL,
                       "priority weights, max_age and calc_period must not "
                       "be negative");
    if (w->age > GS_WEIGHT_MAX || w->fairshare > GS_WEIGHT_MAX ||
        w->job_size > GS_WEIGHT_MAX || w->priority > GS_WEIGHT_MAX ||
        w->max_age > GS_TIME_MAX || w->calc_period > GS_TIME_MAX)
        return gs_errf(&s->err, GS_ERANGE,
                       "priority weights must be at most 1e15, max_age and "
                       "calc_period at most 2^60 seconds");
    s->weights = *w;
    s->fs_fresh = false;
    return GS_OK;
}

GS_API gs_status gs_sched_set_usage_weights(gs_sched *s, double gpu,
                                            double cpu, double mem_gib)
{
    if (!s)
        return GS_EINVAL;
    if (!(gpu >= 0) || !(cpu >= 0) || !(mem_gib >= 0))
        return gs_errf(&s->err, GS_EINVAL,
                       "usage weights must not be negative (or NaN)");
    if (gpu > GS_WEIGHT_MAX || cpu > GS_WEIGHT_MAX || mem_gib > GS_WEIGHT_MAX)
        return gs_errf(&s->err, GS_ERANGE,
                       "usage weights must be at most 1e15");
    s->w_gpu = gpu;
    s->w_cpu = cpu;
    s->w_mem = mem_gib;
    return GS_OK;
}

GS_API gs_status gs_sched_set_model_weight(gs_sched *s, const char *model,
                                           double weight)
{
    if (!s)
        return GS_EINVAL;
    if (!model || !*model || !(weight >= 0))
        return gs_errf(&s->err, GS_EINVAL,
                       "model weight: a model name and a weight >= 0");
    if (weight > GS_WEIGHT_MAX)
        return gs_errf(&s->err, GS_ERANGE,
                       "model weight: %g is above the largest allowed, 1e15",
                       weight);
    if (strlen(model) > GS_MAX_NAME)
        return gs_errf(&s->err, GS_EINVAL,
                       "model weight: the model name is longer than %u "
                       "characters",
                       GS_MAX_NAME);
    size_t n = strlen(model);
    char *m = gs_strndup(model, n);
    if (!m || !GS_GROW(s->model_weights, s->cap_model_weights,
                       s->n_model_weights + 1)) {
        gs_free(m);
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        m[i] = (char)(m[i] | (m[i] >= 'A' && m[i] <= 'Z' ? 0x20 : 0));
    s->model_weights[s->n_model_weights++] = (model_weight){m, weight};
    return GS_OK;
}

GS_API gs_share *gs_sched_share(gs_sched *s)
{
    return s ? s->share : NULL;
}

/* ---- JSON configuration ------------------------------------------------- */

typedef struct cfg_ctx {
    gs_sched *s;
    const char *name;
    const json_value *root; /* the document */
    gs_strtab accounts;     /* names the document's "accounts" adds */
} cfg_ctx;

/* Does the account exist, or will the document's "accounts" add it? */
static bool account_known(const cfg_ctx *c, const char *acct)
{
    return gs_share_find(c->s->share, NULL, acct) != GS_NONE ||
           gs_strtab_get(&c->accounts, acct, strlen(acct)) != NULL;
}

/* Index the names of the document's "accounts" (for account_known). */
static bool index_accounts(cfg_ctx *c)
{
    const json_member *m = json_member_get(c->root, "accounts");
    if (!m || m->value->type != JSON_ARRAY)
        return true;
    if (!gs_strtab_reserve(&c->accounts, m->value->u.arr.n))
        return false;
    for (size_t i = 0; i < m->value->u.arr.n; i++) {
        const json_value *e = m->value->u.arr.items[i];
        const json_member *n =
            e->type == JSON_OBJECT ? json_member_get(e, "name") : NULL;
        if (n && n->value->type == JSON_STRING &&
            !gs_strtab_get(&c->accounts, n->value->u.str.s,
                           n->value->u.str.len))
            gs_strtab_put(&c->accounts, n->value->u.str.s,
                          n->value->u.str.len, 0); /* reserved */
    }
    return true;
}

static gs_status cerr(cfg_ctx *c, const json_value *v, const char *what)
{
    return gs_errf(&c->s->err, GS_EPARSE, "%s:%u:%u: %s", c->name, v->line,
                   v->col, what);
}

/* A number from 0 to max (a whole number when `whole`), else an error at
 * its place naming the key and the range. */
static gs_status get_num_in(cfg_ctx *c, const json_value *v, const char *key,
                            double max, bool whole, double *out)
{
    char qk[80], what[200];
    gs_printable(qk, sizeof qk, key, SIZE_MAX);
    double d = v->type == JSON_NUMBER ? json_number_double(v) : NAN;
    if (!(d >= 0) || !(d <= max) || (whole && d != floor(d))) {
        if (whole) /* exactly: 4294967295, not 4.29497e+09 */
            snprintf(what, sizeof what,
                     "\"%s\" must be a whole number from 0 to %.0f", qk, max);
        else
            snprintf(what, sizeof what, "\"%s\" must be a number from 0 to %g",
                     qk, max);
        return cerr(c, v, what);
    }
    *out = d;
    return GS_OK;
}

/* Weights (usage, priority, model): numbers from 0 to GS_WEIGHT_MAX. */
static gs_status get_num(cfg_ctx *c, const json_value *v, const char *key,
                         double *out)
{
    return get_num_in(c, v, key, GS_WEIGHT_MAX, false, out);
}

/* Seconds: whole numbers from 0 to GS_TIME_MAX. */
static gs_status get_seconds(cfg_ctx *c, const json_value *v, const char *key,
                             double *out)
{
    return get_num_in(c, v, key, (double)GS_TIME_MAX, true, out);
}

/* GPU limits: whole numbers that fit a uint32_t. */
static gs_status get_count(cfg_ctx *c, const json_value *v, const char *key,
                           double max, double *out)
{
    return get_num_in(c, v, key, max, true, out);
}

static gs_status keys_ok(cfg_ctx *c, const json_value *obj,
                         const char *const *allowed, const char *where)
{
    if (obj->type != JSON_OBJECT) {
        char what[128];
        snprintf(what, sizeof what, "%s must be an object", where);
        return cerr(c, obj, what);
    }
    for (size_t i = 0; i < obj->u.obj.n; i++) {
        const json_member *m = &obj->u.obj.members[i];
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, m->key) == 0;
        if (!ok)
            return gs_errf(&c->s->err, GS_EPARSE,
                           "%s:%u:%u: unknown key \"%.64s\" in %s", c->name,
                           m->line, m->col, m->key, where);
    }
    return GS_OK;
}

static gs_status pick(cfg_ctx *c, const json_value *v, const char *key,
                      const char *const *names, int *out)
{
    if (v->type == JSON_STRING)
        for (int i = 0; names[i]; i++)
            if (strcmp(v->u.str.s, names[i]) == 0) {
                *out = i;
                return GS_OK;
            }
    char what[256];
    size_t n = (size_t)snprintf(what, sizeof what, "\"%s\" must be one of",
                                key);
    for (int i = 0; names[i] && n < sizeof what; i++)
        n += (size_t)snprintf(what + n, sizeof what - n, "%s %s",
                              i ? "," : "", names[i]);
    return cerr(c, v, what);
}

static gs_status read_limits(cfg_ctx *c, const json_value *v, bool apply)
{
    static const char *const keys[] = {"users", "accounts", "default_user",
                                       "default_account", NULL};
    gs_status st = keys_ok(c, v, keys, "\"limits\"");
    if (st != GS_OK)
        return st;
    for (size_t i = 0; i < v->u.obj.n; i++) {
        const json_member *m = &v->u.obj.members[i];
        double d;
        if (!strncmp(m->key, "default_", 8)) {
            if ((st = get_count(c, m->value, m->key, UINT32_MAX, &d)) != GS_OK)
                return st;
            if (apply)
                gs_sched_set_limit(c->s,
                                   m->key[8] == 'u' ? GS_LIMIT_USER
                                                    : GS_LIMIT_ACCOUNT,
                                   NULL, (uint32_t)d);
            continue;
        }
        if (m->value->type != JSON_OBJECT)
            return cerr(c, m->value,
                        "limits must map names to GPU counts: "
                        "{\"user1\": 8}");
        for (size_t k = 0; k < m->value->u.obj.n; k++) {
            const json_member *e = &m->value->u.obj.members[k];
            if ((st = get_count(c, e->value, e->key, UINT32_MAX, &d)) != GS_OK)
                return st;
            bool user = m->key[0] == 'u';
            char qk[100];
            gs_printable(qk, sizeof qk, e->key, e->key_len);
            if (strlen(e->key) != e->key_len ||
                gs_check_name(user ? "user" : "account", e->key,
                              &c->s->err) != GS_OK) {
                char what[GS_ERRMSG_MAX];
                snprintf(what, sizeof what, "%s",
                         strlen(e->key) != e->key_len
                             ? "a name must not contain a NUL character"
                             : c->s->err.msg);
                return gs_errf(&c->s->err, GS_EPARSE, "%s:%u:%u: %s",
                               c->name, e->line, e->col, what);
            }
            if (!apply && !user && !account_known(c, e->key))
                return gs_errf(&c->s->err, GS_EPARSE,
                               "%s:%u:%u: no account \"%s\"", c->name,
                               e->line, e->col, qk);
            if (apply &&
                (st = gs_sched_set_limit(c->s,
                                         user ? GS_LIMIT_USER
                                              : GS_LIMIT_ACCOUNT,
                                         e->key, (uint32_t)d)) != GS_OK) {
                char what[GS_ERRMSG_MAX];
                snprintf(what, sizeof what, "%s", c->s->err.msg);
                return gs_errf(&c->s->err,
                               st == GS_ENOMEM ? st : GS_EPARSE,
                               "%s:%u:%u: %s", c->name, e->line, e->col,
                               what);
            }
        }
    }
    return GS_OK;
}

static gs_status configure(cfg_ctx *c, const json_value *root, bool apply)
{
    gs_sched *s = c->s;
    static const char *const keys[] = {
        "gpusched", "description", "accounts", "users", "ordering",
        "fairshare", "half_life", "priority_weights", "usage_weights",
        "limits", "backfill", "preemption", NULL};
    gs_status st = keys_ok(c, root, keys, "the configuration");
    if (st != GS_OK)
        return st;
    const json_member *m;
    if ((m = json_member_get(root, "ordering"))) {
        static const char *const names[] = {"multifactor", "fifo",
                                            "priority", NULL};
        int v;
        if ((st = pick(c, m->value, "ordering", names, &v)) != GS_OK)
            return st;
        if (apply)
            s->ordering = (gs_ordering)v;
    }
    if ((m = json_member_get(root, "fairshare"))) {
        static const char *const names[] = {"fair-tree", "classic", NULL};
        int v;
        if ((st = pick(c, m->value, "fairshare", names, &v)) != GS_OK)
            return st;
        if (apply)
            s->fs_algo = (gs_fairshare_algo)v;
    }
    if ((m = json_member_get(root, "half_life"))) {
        double d;
        if ((st = get_num_in(c, m->value, "half_life", (double)GS_TIME_MAX,
                             false, &d)) != GS_OK)
            return st;
        if (apply)
            gs_share_set_half_life(s->share, d);
    }
    if ((m = json_member_get(root, "priority_weights"))) {
        static const char *const wk[] = {"age", "fairshare", "job_size",
                                         "priority", "max_age",
                                         "calc_period", NULL};
        if ((st = keys_ok(c, m->value, wk, "\"priority_weights\"")) != GS_OK)
            return st;
        gs_priority_weights w = s->weights;
        double *f[] = {&w.age, &w.fairshare, &w.job_size, &w.priority};
        for (int i = 0; i < 6; i++) {
            const json_member *e = json_member_get(m->value, wk[i]);
            double d;
            if (!e)
                continue;
            if ((st = i < 4 ? get_num(c, e->value, wk[i], &d)
                            : get_seconds(c, e->value, wk[i], &d)) != GS_OK)
                return st;
            if (i < 4)
                *f[i] = d;
            else if (i == 4)
                w.max_age = (int64_t)d;
            else
                w.calc_period = (int64_t)d;
        }
        if (apply)
            s->weights = w;
    }
    if ((m = json_member_get(root, "usage_weights"))) {
        static const char *const uk[] = {"gpu", "cpu", "memory_gib",
                                         "models", NULL};
        if ((st = keys_ok(c, m->value, uk, "\"usage_weights\"")) != GS_OK)
            return st;
        double w[3] = {s->w_gpu, s->w_cpu, s->w_mem};
        for (int i = 0; i < 3; i++) {
            const json_member *e = json_member_get(m->value, uk[i]);
            if (e && (st = get_num(c, e->value, uk[i], &w[i])) != GS_OK)
                return st;
        }
        const json_member *mm = json_member_get(m->value, "models");
        if (mm && mm->value->type != JSON_OBJECT)
            return cerr(c, mm->value,
                        "\"models\" must map model names to weights");
        for (size_t k = 0; mm && k < mm->value->u.obj.n; k++) {
            const json_member *e = &mm->value->u.obj.members[k];
            double d;
            /* checked before anything is applied: a name the setter
             * refuses would fail half-way through the document */
            if (!e->key_len || e->key_len > GS_MAX_NAME ||
                strlen(e->key) != e->key_len) {
                char qk[100];
                return gs_errf(&c->s->err, GS_EPARSE,
                               "%s:%u:%u: model name \"%s\": 1 to %u "
                               "characters, without NUL",
                               c->name, e->line, e->col,
                               gs_printable(qk, sizeof qk, e->key,
                                            e->key_len),
                               GS_MAX_NAME);
            }
            if ((st = get_num(c, e->value, e->key, &d)) != GS_OK)
                return st;
            if (apply &&
                (st = gs_sched_set_model_weight(s, e->key, d)) != GS_OK)
                return st;
        }
        if (apply)
            gs_sched_set_usage_weights(s, w[0], w[1], w[2]);
    }
    if ((m = json_member_get(root, "backfill"))) {
        static const char *const bk[] = {"mode", "depth", "horizon",
                                         "interval", NULL};
        const json_value *bv = m->value;
        if (bv->type == JSON_STRING) {
            static const char *const names[] = {"none", "easy",
                                                "conservative", NULL};
            int v;
            if ((st = pick(c, bv, "backfill", names, &v)) != GS_OK)
                return st;
            if (apply)
                s->backfill = (gs_backfill)v;
        } else {
            if ((st = keys_ok(c, bv, bk, "\"backfill\"")) != GS_OK)
                return st;
            const json_member *e;
            if ((e = json_member_get(bv, "mode"))) {
                static const char *const names[] = {"none", "easy",
                                                    "conservative", NULL};
                int v;
                if ((st = pick(c, e->value, "mode", names, &v)) != GS_OK)
                    return st;
                if (apply)
                    s->backfill = (gs_backfill)v;
            }
            double d;
            if ((e = json_member_get(bv, "depth"))) {
                if ((st = get_count(c, e->value, "depth", GS_BF_DEPTH_MAX,
                                    &d)) != GS_OK)
                    return st;
                if (apply)
                    s->bf_depth = d >= 1 ? (uint32_t)d : 100;
            }
            if ((e = json_member_get(bv, "horizon"))) {
                if ((st = get_seconds(c, e->value, "horizon", &d)) != GS_OK)
                    return st;
                if (apply)
                    s->bf_horizon = d > 0 ? (int64_t)d : 7 * 24 * 3600;
            }
            if ((e = json_member_get(bv, "interval"))) {
                if ((st = get_seconds(c, e->value, "interval", &d)) != GS_OK)
                    return st;
                if (apply) {
                    s->bf_interval = (int64_t)d;
                    s->bf_last = INT64_MIN;
                }
            }
        }
    }
    if ((m = json_member_get(root, "preemption"))) {
        static const char *const names[] = {"off", "requeue", "cancel", NULL};
        int v;
        if ((st = pick(c, m->value, "preemption", names, &v)) != GS_OK)
            return st;
        if (apply)
            s->preempt = (gs_preempt_mode)v;
    }
    if ((m = json_member_get(root, "limits")) &&
        (st = read_limits(c, m->value, apply)) != GS_OK)
        return st;
    return GS_OK;
}

GS_API gs_status gs_sched_configure(gs_sched *s, const char *text, size_t size,
                                    const char *name)
{
    if (!s || (!text && size))
        return GS_EINVAL;
    cfg_ctx c = {s, name ? name : "<buffer>", NULL, {0}};
    json_doc doc;
    gs_status st = json_parse(&doc, text ? text : "", size, c.name, &s->err);
    if (st != GS_OK)
        return st;
    c.root = doc.root;
    if (!index_accounts(&c)) {
        json_doc_free(&doc);
        gs_strtab_free(&c.accounts);
        return gs_errf(&s->err, GS_ENOMEM, "out of memory");
    }
    /* check first, then change: accounts go into the share tree (which
     * checks its part before adding), then the rest is applied */
    if ((st = configure(&c, doc.root, false)) == GS_OK &&
        (json_member_get(doc.root, "accounts") ||
         json_member_get(doc.root, "users"))) {
        st = gs_share_load_accounts(s->share, text, size, c.name);
        if (st != GS_OK)
            gs_errf(&s->err, st, "%s", gs_share_errmsg(s->share));
    }
    if (st == GS_OK && (st = gs_order_grow_accounts(s)) != GS_OK)
        gs_errf(&s->err, st, "out of memory");
    if (st == GS_OK)
        st = configure(&c, doc.root, true);
    if (st == GS_OK && s->cap_rsv < (size_t)s->bf_depth + 1) {
        if (gs_bf_grow(s, (size_t)s->bf_depth + 1) != GS_OK ||
            !GS_GROW(s->rsv_gpus, s->cap_rsv_gpus,
                     (size_t)s->bf_depth * GS_MAX(s->max_job_gpus, 1)))
            st = gs_errf(&s->err, GS_ENOMEM, "out of memory");
    }
    json_doc_free(&doc);
    gs_strtab_free(&c.accounts);
    s->fs_fresh = false;
    return st;
}
