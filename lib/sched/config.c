/*
 * Settings: weights, usage weights, and gs_sched_configure (the JSON
 * accounts-and-settings document).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/books.h"
#include "sched/plan.h"
#include "common/json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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

/* ---- settings ----------------------------------------------------------- */

GS_API gs_status gs_sched_set_priority_weights(gs_sched *s,
                                               const gs_priority_weights *w)
{
    if (!gs_sched_ready(s))
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
    GS_JR_BEGIN(s);
    s->weights = *w;
    s->fs_fresh = false;
    gs_jr_rec r = {.kind = GS_JR_PRIO_WEIGHTS};
    r.w = w;
    return gs_jr_done(s, &r);
}

GS_API gs_status gs_sched_set_usage_weights(gs_sched *s, double gpu,
                                            double cpu, double mem_gib)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    if (!(gpu >= 0) || !(cpu >= 0) || !(mem_gib >= 0))
        return gs_errf(&s->err, GS_EINVAL,
                       "usage weights must not be negative (or NaN)");
    if (gpu > GS_WEIGHT_MAX || cpu > GS_WEIGHT_MAX || mem_gib > GS_WEIGHT_MAX)
        return gs_errf(&s->err, GS_ERANGE,
                       "usage weights must be at most 1e15");
    GS_JR_BEGIN(s);
    s->w_gpu = gpu;
    s->w_cpu = cpu;
    s->w_mem = mem_gib;
    gs_jr_rec r = {.kind = GS_JR_USAGE_WEIGHTS};
    r.d[0] = gpu;
    r.d[1] = cpu;
    r.d[2] = mem_gib;
    return gs_jr_done(s, &r);
}

GS_API gs_status gs_sched_set_model_weight(gs_sched *s, const char *model,
                                           double weight)
{
    if (!gs_sched_ready(s))
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
    GS_JR_BEGIN(s);
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
    gs_jr_rec r = {.kind = GS_JR_MODEL_WEIGHT};
    r.s1 = model;
    r.d[0] = weight;
    return gs_jr_done(s, &r);
}

GS_API gs_share *gs_sched_share(gs_sched *s)
{
    return gs_sched_ready(s) ? s->share : NULL;
}

/* ---- JSON configuration ------------------------------------------------- */

typedef struct cfg_ctx {
    gs_sched *s;
    const char *name;
    const json_value *root; /* the document */
    gs_strtab accounts;     /* names the document's "accounts" adds */
    /* a new ordering policy, its state made while checking */
    const gs_ordering_ops *ordering;
    void *ordering_state;
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

/* A name that is not registered: the error lists the ones that are. */
static gs_status registered_error(cfg_ctx *c, const json_value *v,
                                  const char *key, size_t (*count)(void),
                                  const char *(*name_at)(size_t))
{
    char what[512];
    size_t n = (size_t)snprintf(what, sizeof what,
                                "\"%s\" must be the name of a registered "
                                "policy:",
                                key);
    const char *name;
    char q[80];
    /* (a name unregistered meanwhile ends the list) */
    for (size_t i = 0; i < count() && n < sizeof what && (name = name_at(i));
         i++)
        n += (size_t)snprintf(what + n, sizeof what - n, "%s %s",
                              i ? "," : "",
                              gs_printable(q, sizeof q, name, SIZE_MAX));
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
        const gs_ordering_ops *o =
            m->value->type == JSON_STRING &&
                    strlen(m->value->u.str.s) == m->value->u.str.len
                ? gs_ordering_find(m->value->u.str.s)
                : NULL;
        if (!o)
            return registered_error(c, m->value, "ordering",
                                    gs_ordering_count, gs_ordering_name);
        if (!apply && o != s->ordering) {
            /* made now, so that a policy refusing to start fails the
             * document before anything changed */
            void *state;
            if (gs_ordering_make(s, o, NULL, &state) != GS_OK) {
                char what[GS_ERRMSG_MAX];
                snprintf(what, sizeof what, "%s", s->err.msg);
                return cerr(c, m->value, what);
            }
            c->ordering = o;
            c->ordering_state = state;
        }
        if (apply && c->ordering) {
            gs_ordering_install(s, c->ordering, c->ordering_state, NULL);
            c->ordering = NULL;
        }
    }
    if ((m = json_member_get(root, "fairshare"))) {
        const gs_fairshare_ops *f =
            m->value->type == JSON_STRING &&
                    strlen(m->value->u.str.s) == m->value->u.str.len
                ? gs_fairshare_find(m->value->u.str.s)
                : NULL;
        if (!f)
            return registered_error(c, m->value, "fairshare",
                                    gs_fairshare_count, gs_fairshare_name);
        if (apply)
            s->fairshare = f;
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

static gs_status configure_doc(gs_sched *s, const char *text, size_t size,
                               const char *name);

GS_API gs_status gs_sched_configure(gs_sched *s, const char *text, size_t size,
                                    const char *name)
{
    if (!gs_sched_ready(s) || (!text && size))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    s->jr_quiet++; /* the settings it makes are this one call */
    gs_status st = configure_doc(s, text, size, name);
    s->jr_quiet--;
    if (st != GS_OK)
        return st;
    gs_jr_rec r = {.kind = GS_JR_CONFIGURE};
    r.text = text ? text : "";
    r.text_len = size;
    r.s1 = name;
    return gs_jr_done(s, &r);
}

static gs_status configure_doc(gs_sched *s, const char *text, size_t size,
                               const char *name)
{
    cfg_ctx c = {s, name ? name : "<buffer>", NULL, {0}, NULL, NULL};
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
    if (st == GS_OK && (st = gs_books_grow_accounts(s)) != GS_OK)
        gs_errf(&s->err, st, "out of memory");
    if (st == GS_OK)
        st = configure(&c, doc.root, true);
    if (st == GS_OK && s->cap_rsv < (size_t)s->bf_depth + 1) {
        if (gs_bf_grow(s, (size_t)s->bf_depth + 1) != GS_OK ||
            !GS_GROW(s->rsv_gpus, s->cap_rsv_gpus,
                     (size_t)s->bf_depth * GS_MAX(s->max_job_gpus, 1)))
            st = gs_errf(&s->err, GS_ENOMEM, "out of memory");
    }
    if (c.ordering && c.ordering->destroy) /* made, never installed */
        c.ordering->destroy(c.ordering_state);
    json_doc_free(&doc);
    gs_strtab_free(&c.accounts);
    if (st == GS_OK)
        s->fs_fresh = false; /* a failed document changes nothing */
    return st;
}
