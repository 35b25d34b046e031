/*
 * Settings: weights, usage weights, and gs_sched_configure (the JSON
 * accounts-and-settings document).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/books.h"
#include "sched/plan.h"
#include "common/json.h"
#include "common/lists.h"

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
    /* an integer literal is compared exactly: as a double, 2^60 + 1 is
     * 2^60 */
    bool over = v->type == JSON_NUMBER && v->u.num.is_int && whole &&
                v->u.num.i > 0 && (uint64_t)v->u.num.i > (uint64_t)max;
    if (over || !(d >= 0) || !(d <= max) || (whole && d != floor(d))) {
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

/* ---- partitions --------------------------------------------------------- */

/* A string member without NUL bytes (NULL when absent); else an error. */
static gs_status get_str(cfg_ctx *c, const json_value *obj, const char *key,
                         const json_value **where, const char **out)
{
    const json_member *m = json_member_get(obj, key);
    *out = NULL;
    *where = obj;
    if (!m)
        return GS_OK;
    *where = m->value;
    if (m->value->type != JSON_STRING ||
        strlen(m->value->u.str.s) != m->value->u.str.len) {
        char what[128];
        snprintf(what, sizeof what, "\"%s\" must be a string (without NUL)",
                 key);
        return cerr(c, m->value, what);
    }
    *out = m->value->u.str.s;
    return GS_OK;
}

/* Bytes: a whole number from 0 to 2^60, exact (a double is not above
 * 2^53). */
static gs_status get_bytes(cfg_ctx *c, const json_value *v, const char *key,
                           uint64_t *out)
{
    double d;
    gs_status st = get_num_in(c, v, key, (double)GS_TIME_MAX, true, &d);
    if (st != GS_OK)
        return st;
    *out = v->u.num.is_int ? (uint64_t)v->u.num.i : (uint64_t)d;
    return GS_OK;
}

/* The name of element i of "partitions", "" when it has none (yet to be
 * checked). */
static const char *part_name(const json_value *arr, size_t i)
{
    const json_value *e = arr->u.arr.items[i];
    const json_member *m =
        e->type == JSON_OBJECT ? json_member_get(e, "name") : NULL;
    return m && m->value->type == JSON_STRING ? m->value->u.str.s : "";
}

/* Is `name` (len bytes) a partition the scheduler has, or one of the
 * document's first `upto` (its i-th included)? */
static bool part_known(const cfg_ctx *c, const json_value *arr, size_t upto,
                       const char *name, size_t len)
{
    for (uint32_t p = 0; p < c->s->n_parts; p++)
        if (strlen(c->s->parts[p].name) == len &&
            memcmp(c->s->parts[p].name, name, len) == 0)
            return true;
    for (size_t i = 0; i < upto; i++) {
        const char *n = part_name(arr, i);
        if (strlen(n) == len && memcmp(n, name, len) == 0)
            return true;
    }
    return false;
}

typedef struct cfg_walk {
    const gs_topo *topo;
    uint32_t n, max;
    char bad[GS_MAX_NAME + 1];
} cfg_walk;

static bool cfg_node(void *arg, const char *name, size_t len)
{
    cfg_walk *w = arg;
    (void)len;
    if (gs_topo_find_node(w->topo, name) == GS_NONE) {
        snprintf(w->bad, sizeof w->bad, "%s", name);
        return false;
    }
    return ++w->n <= w->max;
}

/* A partition's nodes: "", "ALL" or a hostlist of nodes that exist, each
 * once (what gs_sched_add_partition checks). */
static gs_status check_part_nodes(cfg_ctx *c, const json_value *v,
                                  const char *nodes)
{
    if (!*nodes || strcmp(nodes, "ALL") == 0)
        return GS_OK;
    cfg_walk w = {c->s->topo, 0, c->s->n_nodes, ""};
    size_t bad_at = 0;
    const char *why = NULL;
    gs_status st = gs_hostlist_expand(nodes, strlen(nodes),
                                      (size_t)c->s->n_nodes + 1, cfg_node,
                                      &w, &bad_at, &why);
    char what[GS_MAX_NAME + 200], q[80];
    if (*w.bad) {
        snprintf(what, sizeof what, "\"nodes\": no node \"%s\"",
                 gs_printable(q, sizeof q, w.bad, SIZE_MAX));
        return cerr(c, v, what);
    }
    if (st == GS_ERANGE || w.n > c->s->n_nodes)
        return cerr(c, v,
                    "\"nodes\" names more nodes than the cluster has (a "
                    "node twice?)");
    if (st != GS_OK) {
        snprintf(what, sizeof what,
                 "\"nodes\", character %zu: %s (want a hostlist such as "
                 "\"gpu[01-16],dgx1\", or \"ALL\")",
                 bad_at + 1, why ? why : "not a hostlist");
        return cerr(c, v, what);
    }
    return GS_OK;
}

/* A partition's "preempts": names of partitions that exist, come earlier
 * in the document, or are this one, separated by commas. */
static gs_status check_part_preempts(cfg_ctx *c, const json_value *arr,
                                     size_t i, const json_value *v,
                                     const char *text)
{
    const char *p = text;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *q = p;
        while (len && *q == ' ')
            q++, len--;
        while (len && q[len - 1] == ' ')
            len--;
        if (!len || (e && !e[1]))
            return cerr(c, v, "\"preempts\" has an empty name (want names "
                              "of partitions separated by commas)");
        if (!part_known(c, arr, i + 1, q, len)) {
            char what[200], qn[80];
            bool later = false;
            for (size_t k = i + 1; k < arr->u.arr.n && !later; k++) {
                const char *n = part_name(arr, k);
                later = strlen(n) == len && memcmp(n, q, len) == 0;
            }
            snprintf(what, sizeof what, "\"preempts\": no partition \"%s\"%s",
                     gs_printable(qn, sizeof qn, q, len),
                     later ? " before this one (partitions are added in "
                             "order: list it first)"
                           : "");
            return cerr(c, v, what);
        }
        p = e ? e + 1 : p + strlen(p);
    }
    return GS_OK;
}

static const char *const part_keys[] = {
    "name", "nodes", "default", "max_gpus_per_job", "max_gpus_per_user",
    "default_time", "max_time", "priority_tier", "preempts",
    "def_cpus_per_gpu", "def_mem_per_gpu", NULL};

/* Element i of "partitions" as a spec (strings point into the document).
 * Checking (apply false) checks all gs_sched_add_partition would. */
static gs_status read_partition(cfg_ctx *c, const json_value *arr, size_t i,
                                bool apply, gs_partition_spec *ps)
{
    const json_value *e = arr->u.arr.items[i], *where;
    gs_status st = keys_ok(c, e, part_keys, "a partition");
    if (st != GS_OK)
        return st;
    gs_partition_spec_init(ps);
    if ((st = get_str(c, e, "name", &where, &ps->name)) != GS_OK)
        return st;
    if (!ps->name)
        return cerr(c, e, "a partition needs a \"name\"");
    size_t len = strlen(ps->name);
    if (!apply) {
        char what[200], q[80];
        gs_printable(q, sizeof q, ps->name, len);
        if (len < 1 || len > 64 ||
            strspn(ps->name, "abcdefghijklmnopqrstuvwxyz"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             "0123456789_.-") != len) {
            snprintf(what, sizeof what,
                     "partition \"%s\": a name is 1 to 64 letters, digits, "
                     "'_', '.' or '-'",
                     q);
            return cerr(c, where, what);
        }
        if (part_known(c, arr, i, ps->name, len)) {
            snprintf(what, sizeof what, "partition \"%s\" exists already%s",
                     q,
                     gs_sched_find_partition(c->s, ps->name) == GS_NONE
                         ? " (listed twice)"
                         : "");
            return cerr(c, where, what);
        }
        if (c->s->n_parts + i >= GS_MAX_PARTITIONS) {
            snprintf(what, sizeof what,
                     "partition \"%s\": a scheduler holds at most %u "
                     "partitions",
                     q, GS_MAX_PARTITIONS);
            return cerr(c, e, what);
        }
    }
    if ((st = get_str(c, e, "nodes", &where, &ps->nodes)) != GS_OK ||
        (!apply && ps->nodes &&
         (st = check_part_nodes(c, where, ps->nodes)) != GS_OK))
        return st;
    if ((st = get_str(c, e, "preempts", &where, &ps->preempts)) != GS_OK ||
        (!apply && ps->preempts &&
         (st = check_part_preempts(c, arr, i, where, ps->preempts)) != GS_OK))
        return st;
    const json_member *m;
    if ((m = json_member_get(e, "default"))) {
        if (m->value->type != JSON_TRUE && m->value->type != JSON_FALSE)
            return cerr(c, m->value, "\"default\" must be true or false");
        ps->is_default = m->value->type == JSON_TRUE;
    }
    static const char *const counts[] = {"max_gpus_per_job",
                                         "max_gpus_per_user", "priority_tier",
                                         "def_cpus_per_gpu"};
    uint32_t *cf[] = {&ps->max_gpus_per_job, &ps->max_gpus_per_user,
                      &ps->priority_tier, &ps->def_cpus_per_gpu};
    double d;
    for (int k = 0; k < 4; k++)
        if ((m = json_member_get(e, counts[k]))) {
            if ((st = get_count(c, m->value, counts[k], UINT32_MAX, &d)) !=
                GS_OK)
                return st;
            *cf[k] = (uint32_t)d;
        }
    const json_value *dt = NULL;
    if ((m = json_member_get(e, "default_time"))) {
        if ((st = get_seconds(c, m->value, "default_time", &d)) != GS_OK)
            return st;
        ps->default_time = (int64_t)d;
        dt = m->value;
    }
    if ((m = json_member_get(e, "max_time"))) {
        if ((st = get_seconds(c, m->value, "max_time", &d)) != GS_OK)
            return st;
        ps->max_time = (int64_t)d;
    }
    if (dt && ps->max_time && ps->default_time > ps->max_time) {
        char what[160];
        snprintf(what, sizeof what,
                 "\"default_time\" %lld is above \"max_time\" %lld",
                 (long long)ps->default_time, (long long)ps->max_time);
        return cerr(c, dt, what);
    }
    if ((m = json_member_get(e, "def_mem_per_gpu")) &&
        (st = get_bytes(c, m->value, "def_mem_per_gpu",
                        &ps->def_mem_per_gpu)) != GS_OK)
        return st;
    return GS_OK;
}

/* "partitions": checked whole first; applied in order (only running out
 * of memory can then fail). */
static gs_status read_partitions(cfg_ctx *c, const json_value *v, bool apply)
{
    if (v->type != JSON_ARRAY)
        return cerr(c, v,
                    "\"partitions\" must be an array of partitions: "
                    "[{\"name\": \"gpu\", \"nodes\": \"gpu[01-16]\"}]");
    if (!apply && v->u.arr.n && c->s->last_id) {
        char what[200];
        snprintf(what, sizeof what,
                 "partitions are defined before the first job is submitted "
                 "(%llu were)",
                 (unsigned long long)c->s->last_id);
        return cerr(c, v, what);
    }
    for (size_t i = 0; i < v->u.arr.n; i++) {
        gs_partition_spec ps;
        gs_status st = read_partition(c, v, i, apply, &ps);
        if (st != GS_OK)
            return st;
        if (apply && (st = gs_sched_add_partition(c->s, &ps)) != GS_OK) {
            char what[GS_ERRMSG_MAX];
            snprintf(what, sizeof what, "%s", c->s->err.msg);
            const json_value *e = v->u.arr.items[i];
            return gs_errf(&c->s->err, st == GS_ENOMEM ? st : GS_EPARSE,
                           "%s:%u:%u: %s", c->name, e->line, e->col, what);
        }
    }
    return GS_OK;
}

/* "numa": "prefer|strict|ignore", "lookahead": true|false, "demand":
 * [{"gpus": 2, "pattern": "ring", "weight": 1}, ...] (docs/placement.md). */
static gs_status read_placement_tuning(cfg_ctx *c, const json_value *root,
                                       bool apply)
{
    gs_sched *s = c->s;
    const json_member *m;
    gs_status st;
    if ((m = json_member_get(root, "numa"))) {
        const json_value *v = m->value;
        int mode = -1;
        if (v->type == JSON_STRING)
            for (int i = 0; i <= GS_NUMA_IGNORE; i++)
                if (strcmp(v->u.str.s, gs_numa_mode_name((gs_numa_mode)i)) ==
                    0)
                    mode = i;
        if (mode < 0)
            return cerr(c, v,
                        "\"numa\" must be \"prefer\", \"strict\" or "
                        "\"ignore\"");
        if (apply)
            gs_sched_set_numa_mode(s, (gs_numa_mode)mode);
    }
    if ((m = json_member_get(root, "lookahead"))) {
        const json_value *v = m->value;
        int mode = v->type == JSON_TRUE    ? GS_LOOKAHEAD_ON
                   : v->type == JSON_FALSE ? GS_LOOKAHEAD_OFF
                   : v->type == JSON_STRING && strcmp(v->u.str.s, "auto") == 0
                       ? GS_LOOKAHEAD_AUTO
                       : -1;
        if (mode < 0)
            return cerr(c, v, "\"lookahead\" must be true, false or "
                              "\"auto\"");
        if (apply)
            gs_sched_set_lookahead(s, mode);
    }
    if (!(m = json_member_get(root, "demand")))
        return GS_OK;
    const json_value *a = m->value;
    if (a->type != JSON_ARRAY)
        return cerr(c, a, "\"demand\" must be an array of {\"gpus\", "
                          "\"pattern\", \"weight\"}");
    if (a->u.arr.n > GS_MAX_DEMAND)
        return cerr(c, a, "\"demand\" has more than 8 entries");
    gs_demand_entry d[GS_MAX_DEMAND];
    static const char *const dk[] = {"gpus", "pattern", "weight", NULL};
    for (size_t i = 0; i < a->u.arr.n; i++) {
        const json_value *e = a->u.arr.items[i];
        if ((st = keys_ok(c, e, dk, "a \"demand\" entry")) != GS_OK)
            return st;
        const json_member *g = json_member_get(e, "gpus");
        const json_member *p = json_member_get(e, "pattern");
        const json_member *w = json_member_get(e, "weight");
        double x;
        if (!g)
            return cerr(c, e, "a \"demand\" entry needs \"gpus\"");
        if ((st = get_count(c, g->value, "gpus", 64, &x)) != GS_OK)
            return st;
        if (x < 1)
            return cerr(c, g->value, "\"gpus\" must be from 1 to 64");
        d[i].gpus = (uint32_t)x;
        d[i].pattern = GS_PATTERN_ANY;
        if (p && (p->value->type != JSON_STRING ||
                  gs_pattern_parse(p->value->u.str.s, &d[i].pattern) !=
                      GS_OK))
            return cerr(c, p->value,
                        "\"pattern\" must be any, ring, all-to-all, chain "
                        "or none");
        d[i].weight = 1.0;
        if (w) {
            if ((st = get_num_in(c, w->value, "weight", 1e12, false, &x)) !=
                GS_OK)
                return st;
            if (!(x > 0))
                return cerr(c, w->value, "\"weight\" must be above 0");
            d[i].weight = x;
        }
        for (size_t j = 0; j < i; j++)
            if (d[j].gpus == d[i].gpus && d[j].pattern == d[i].pattern)
                return cerr(c, e, "a \"demand\" entry repeats an earlier "
                                  "size and pattern");
    }
    if (apply)
        gs_sched_set_demand(s, d, a->u.arr.n);
    return GS_OK;
}

/* "frag_classes": [{"gpus": 1, "gpu_milli": 500, "cpus": 4, "mem": "16GiB",
 * "weight": 2}, ...] (docs/sharing.md). */
static gs_status read_frag_classes(cfg_ctx *c, const json_value *a,
                                   bool apply)
{
    gs_sched *s = c->s;
    gs_status st;
    if (a->type != JSON_ARRAY)
        return cerr(c, a, "\"frag_classes\" must be an array of {\"gpus\", "
                          "\"gpu_milli\", \"cpus\", \"mem\", \"weight\"}");
    if (a->u.arr.n > GS_MAX_FRAG_CLASSES)
        return cerr(c, a, "\"frag_classes\" has more than 32 classes");
    gs_frag_class fc[GS_MAX_FRAG_CLASSES];
    static const char *const fk[] = {"gpus", "gpu_milli", "cpus", "mem",
                                     "weight", NULL};
    for (size_t i = 0; i < a->u.arr.n; i++) {
        const json_value *e = a->u.arr.items[i];
        if ((st = keys_ok(c, e, fk, "a \"frag_classes\" class")) != GS_OK)
            return st;
        const json_member *g = json_member_get(e, "gpus");
        const json_member *mi = json_member_get(e, "gpu_milli");
        const json_member *cp = json_member_get(e, "cpus");
        const json_member *me = json_member_get(e, "mem");
        const json_member *w = json_member_get(e, "weight");
        double x;
        fc[i] = (gs_frag_class){1, 1000, 0, 0, 1.0};
        if (g) {
            if ((st = get_count(c, g->value, "gpus", 64, &x)) != GS_OK)
                return st;
            if (x < 1)
                return cerr(c, g->value, "\"gpus\" must be from 1 to 64");
            fc[i].gpus = (uint32_t)x;
        }
        if (mi) {
            if ((st = get_count(c, mi->value, "gpu_milli", 1000, &x)) !=
                GS_OK)
                return st;
            if (x < 1)
                return cerr(c, mi->value,
                            "\"gpu_milli\" must be from 1 to 1000");
            fc[i].gpu_milli = (uint32_t)x;
        }
        if (fc[i].gpu_milli < 1000 && fc[i].gpus > 1 &&
            fc[i].gpus > s->max_node_gpus)
            return cerr(c, e, "a shared class runs on one node: more GPUs "
                              "than any node has");
        if (cp) {
            if ((st = get_count(c, cp->value, "cpus", UINT32_MAX, &x)) !=
                GS_OK)
                return st;
            fc[i].cpus = (uint32_t)x;
        }
        if (me && (st = get_bytes(c, me->value, "mem", &fc[i].mem)) != GS_OK)
            return st;
        if (w) {
            if ((st = get_num_in(c, w->value, "weight", 1e12, false, &x)) !=
                GS_OK)
                return st;
            if (!(x > 0))
                return cerr(c, w->value, "\"weight\" must be above 0");
            fc[i].weight = x;
        }
        for (size_t j = 0; j < i; j++)
            if (fc[j].gpus == fc[i].gpus &&
                fc[j].gpu_milli == fc[i].gpu_milli &&
                fc[j].cpus == fc[i].cpus && fc[j].mem == fc[i].mem)
                return cerr(c, e, "a \"frag_classes\" class repeats an "
                                  "earlier one");
    }
    if (apply)
        gs_sched_set_frag_classes(s, fc, a->u.arr.n); /* checked */
    return GS_OK;
}

static gs_status configure(cfg_ctx *c, const json_value *root, bool apply)
{
    gs_sched *s = c->s;
    static const char *const keys[] = {
        "gpusched", "description", "accounts", "users", "ordering",
        "fairshare", "half_life", "priority_weights", "usage_weights",
        "limits", "backfill", "preemption", "partitions", "job_defaults",
        "auto_accounts", "timeout_grace", "numa", "lookahead", "demand",
        "frag_classes", NULL};
    gs_status st = keys_ok(c, root, keys, "the configuration");
    if (st != GS_OK)
        return st;
    const json_member *m;
    /* partitions first: the settings below cannot fail once checked, so a
     * document whose partitions cannot be added changes nothing else */
    if ((m = json_member_get(root, "partitions")) &&
        (st = read_partitions(c, m->value, apply)) != GS_OK)
        return st;
    if ((m = json_member_get(root, "job_defaults"))) {
        static const char *const jk[] = {"cpus_per_gpu", "mem_per_gpu",
                                         NULL};
        if ((st = keys_ok(c, m->value, jk, "\"job_defaults\"")) != GS_OK)
            return st;
        uint32_t cpus = s->def_cpus_per_gpu;
        uint64_t mem = s->def_mem_per_gpu;
        const json_member *e;
        double d;
        if ((e = json_member_get(m->value, "cpus_per_gpu"))) {
            if ((st = get_count(c, e->value, "cpus_per_gpu", UINT32_MAX,
                                &d)) != GS_OK)
                return st;
            cpus = (uint32_t)d;
        }
        if ((e = json_member_get(m->value, "mem_per_gpu")) &&
            (st = get_bytes(c, e->value, "mem_per_gpu", &mem)) != GS_OK)
            return st;
        if (apply)
            gs_sched_set_job_defaults(s, cpus, mem); /* checked: cannot fail */
    }
    if ((m = json_member_get(root, "auto_accounts"))) {
        if (m->value->type != JSON_TRUE && m->value->type != JSON_FALSE)
            return cerr(c, m->value,
                        "\"auto_accounts\" must be true or false");
        if (apply)
            gs_sched_set_auto_accounts(s, m->value->type == JSON_TRUE);
    }
    if ((m = json_member_get(root, "timeout_grace"))) {
        double d;
        if ((st = get_seconds(c, m->value, "timeout_grace", &d)) != GS_OK)
            return st;
        if (apply)
            gs_sched_set_timeout_grace(s, (int64_t)d);
    }
    if ((st = read_placement_tuning(c, root, apply)) != GS_OK)
        return st;
    if ((m = json_member_get(root, "frag_classes")) &&
        (st = read_frag_classes(c, m->value, apply)) != GS_OK)
        return st;
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
                     (size_t)s->bf_depth * GS_MAX(s->max_job_gpus, 1)) ||
            !GS_GROW(s->memo_gpus, s->cap_memo_gpus,
                     (size_t)s->bf_depth * GS_MAX(s->max_job_gpus, 1)) ||
            !GS_GROW(s->bf_iv, s->cap_bf_iv,
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
