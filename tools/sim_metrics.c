/*
 * The simulator's measurements: sim_metrics.h; docs/sim.md defines them.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sim_metrics.h"

#include "cli.h"
#include "sim_spill.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the state over time ------------------------------------------------ */

int sim_track_init(sim_track *k, const gs_topo *t, int64_t t0, int64_t span)
{
    memset(k, 0, sizeof *k);
    k->t = t;
    uint32_t nn = gs_topo_node_count(t), ng = gs_topo_gpu_count(t);
    for (uint32_t n = 0; n < nn; n++) {
        uint32_t c = gs_topo_node_gpu_count(t, n);
        k->max_node = c > k->max_node ? c : k->max_node;
    }
    k->node_free = calloc((size_t)nn + 1, sizeof *k->node_free);
    k->holders = calloc((size_t)ng + 1, sizeof *k->holders);
    k->nodes_with = calloc((size_t)k->max_node + 1, sizeof *k->nodes_with);
    k->need = calloc((size_t)k->max_node + 2, sizeof *k->need);
    k->b = calloc(SIM_TIMELINE_MAX, sizeof *k->b);
    if (!k->node_free || !k->holders || !k->nodes_with || !k->need ||
        !k->b) {
        sim_track_free(k);
        return -1;
    }
    for (uint32_t n = 0; n < nn; n++) {
        uint32_t first = gs_topo_node_first_gpu(t, n), free = 0;
        for (uint32_t g = 0; g < gs_topo_node_gpu_count(t, n); g++) {
            gs_mig_mode mode = GS_MIG_OFF;
            if (gs_topo_gpu_mig(t, first + g, &mode, NULL, NULL, 0, NULL) ==
                    GS_OK &&
                mode != GS_MIG_OFF)
                k->holders[first + g] = UINT32_MAX / 2; /* never whole */
            else
                free++;
        }
        k->node_free[n] = free;
        k->nodes_with[free]++;
    }
    k->t0 = k->last = t0;
    k->width = span / SIM_TIMELINE_MAX + 1;
    return 0;
}

void sim_track_free(sim_track *k)
{
    free(k->node_free);
    free(k->holders);
    free(k->nodes_with);
    free(k->need);
    free(k->b);
    memset(k, 0, sizeof *k);
}

/* Merge neighbouring buckets: the timeline covers twice the time. */
static void halve(sim_track *k)
{
    size_t half = (k->nb + 1) / 2;
    for (size_t i = 0; i < half; i++) {
        sim_bucket a = k->b[2 * i], z = {0};
        if (2 * i + 1 < k->nb)
            z = k->b[2 * i + 1];
        k->b[i] = (sim_bucket){a.busy + z.busy, a.queue + z.queue,
                               a.running + z.running,
                               a.queue_max > z.queue_max ? a.queue_max
                                                         : z.queue_max};
    }
    memset(k->b + half, 0, (SIM_TIMELINE_MAX - half) * sizeof *k->b);
    k->nb = half;
    k->width *= 2;
}

/* The bucket that holds time t (made, merging when the timeline is
 * full). */
static sim_bucket *bucket_at(sim_track *k, int64_t t)
{
    while ((t - k->t0) / k->width >= SIM_TIMELINE_MAX)
        halve(k);
    size_t i = (size_t)((t - k->t0) / k->width);
    if (i >= k->nb)
        k->nb = i + 1;
    return &k->b[i];
}

void sim_track_advance(sim_track *k, int64_t now)
{
    if (now <= k->last)
        return;
    double dt = (double)(now - k->last);
    /* the state held over [last, now) */
    double free_gpus = 0, stranded = 0;
    uint32_t least = 0; /* the smallest need of a waiting job */
    for (uint32_t f = 1; f <= k->max_node + 1 && !least; f++)
        if (k->need[f])
            least = f;
    /* GPUs free while a job that needs GPUs waits (least: one does) */
    for (uint32_t f = 1; least && f <= k->max_node; f++) {
        double g = (double)f * (double)k->nodes_with[f];
        free_gpus += g;
        if (f < least)
            stranded += g;
    }
    if (k->pending)
        k->wait_span += now - k->last;
    k->busy_int += k->busy * dt;
    k->queue_int += (double)k->pending * dt;
    k->idle_wait_int += free_gpus * dt;
    k->stranded_int += stranded * dt;
    /* the timeline: bucket by bucket */
    for (int64_t t = k->last; t < now;) {
        sim_bucket *b = bucket_at(k, t);
        int64_t end = k->t0 + ((t - k->t0) / k->width + 1) * k->width;
        if (end > now)
            end = now;
        double d = (double)(end - t);
        b->busy += k->busy * d;
        b->queue += (double)k->pending * d;
        b->running += (double)k->running * d;
        if (k->pending > b->queue_max)
            b->queue_max = k->pending;
        t = end;
    }
    k->last = now;
}

uint32_t sim_track_need(const sim_track *k, uint32_t gpus, uint32_t gpn,
                        bool shared)
{
    if (!gpus && !shared)
        return 0; /* a CPU-only job: no GPU need (not in the GPU figures) */
    uint32_t need = shared ? 1 : gpn ? gpn
                                : gpus < k->max_node ? gpus : k->max_node;
    if (need > k->max_node)
        need = k->max_node + 1; /* more than a node has: no node is enough */
    return need ? need : 1;
}

void sim_track_wait(sim_track *k, uint32_t need)
{
    k->pending++;
    k->need[need]++;
}

/* One more (delta 1) or one fewer (-1) job on a cluster-wide GPU. */
static void hold(sim_track *k, uint32_t gpu, int delta)
{
    uint32_t before = k->holders[gpu];
    k->holders[gpu] = delta > 0 ? before + 1 : before ? before - 1 : 0;
    bool was_free = before == 0, is_free = k->holders[gpu] == 0;
    if (was_free == is_free)
        return;
    uint32_t node = gs_topo_gpu_node(k->t, gpu);
    if (node == GS_NONE)
        return;
    k->nodes_with[k->node_free[node]]--;
    k->node_free[node] += is_free ? 1 : (uint32_t)-1;
    k->nodes_with[k->node_free[node]]++;
}

void sim_track_start(sim_track *k, uint32_t need, const uint32_t *gpus,
                     size_t n, double busy)
{
    if (k->pending) {
        k->pending--;
        if (k->need[need])
            k->need[need]--;
    }
    k->running++;
    k->busy += busy;
    for (size_t i = 0; i < n; i++)
        hold(k, gpus[i], 1);
}

void sim_track_stop(sim_track *k, const uint32_t *gpus, size_t n,
                    double busy)
{
    if (k->running)
        k->running--;
    k->busy -= busy;
    if (k->busy < 1e-9)
        k->busy = 0; /* what the sum of shares leaves */
    for (size_t i = 0; i < n; i++)
        hold(k, gpus[i], -1);
}

/* ---- what the jobs saw -------------------------------------------------- */

static int size_class(const sim_result *r)
{
    if (r->shared)
        return 1;
    uint32_t g = r->gpus;
    return g == 0    ? 0
           : g <= 1  ? 2
           : g <= 4  ? 3
           : g <= 8  ? 4
           : g <= 16 ? 5
           : g <= 64 ? 6
                     : 7;
}

static const char *const size_names[SIM_SIZES] = {
    "cpu", "share", "1", "2-4", "5-8", "9-16", "17-64", "65+"};

/* The values whose distributions the summary has: one per job and figure
 * of each group it is in, sorted by group, figure and value. */
typedef struct value_rec {
    uint64_t key; /* group x 3 + figure (0 wait, 1 JCT, 2 slowdown) */
    double v;
} value_rec;

static int cmp_value(const void *a, const void *b)
{
    const value_rec *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->v < y->v ? -1 : x->v > y->v;
}

/* Groups: all, the sizes, then the accounts in the order first seen. */
#define GROUP_ACCOUNTS (1 + SIM_SIZES)

static sim_group *group_at(sim_metrics *m, uint64_t g)
{
    return g == 0 ? &m->all
           : g < GROUP_ACCOUNTS ? &m->size[g - 1]
                                : &m->account[g - GROUP_ACCOUNTS];
}

/* The account's group index (made when new), or -1 (out of memory). */
static int64_t account_group(sim_metrics *m, const char *name)
{
    if (2 * (m->naccounts + 1) > m->slots_cap) {
        size_t cap = m->slots_cap ? m->slots_cap * 2 : 64;
        uint32_t *sl = malloc(cap * sizeof *sl);
        if (!sl)
            return -1;
        for (size_t i = 0; i < cap; i++)
            sl[i] = UINT32_MAX;
        for (size_t i = 0; i < m->naccounts; i++) {
            size_t k = sim_hash(m->account[i].name) & (cap - 1);
            while (sl[k] != UINT32_MAX)
                k = (k + 1) & (cap - 1);
            sl[k] = (uint32_t)i;
        }
        free(m->slots);
        m->slots = sl;
        m->slots_cap = cap;
    }
    size_t k = sim_hash(name) & (m->slots_cap - 1);
    for (; m->slots[k] != UINT32_MAX; k = (k + 1) & (m->slots_cap - 1))
        if (!strcmp(m->account[m->slots[k]].name, name))
            return (int64_t)m->slots[k];
    if (m->naccounts == m->accounts_cap) {
        size_t cap = m->accounts_cap ? m->accounts_cap * 2 : 16;
        sim_group *g = realloc(m->account, cap * sizeof *g);
        if (!g)
            return -1;
        m->account = g;
        char **nm = realloc(m->names, cap * sizeof *nm);
        if (!nm)
            return -1;
        m->names = nm;
        m->accounts_cap = cap;
    }
    size_t len = strlen(name) + 1;
    char *copy = malloc(len);
    if (!copy)
        return -1;
    memcpy(copy, name, len);
    m->names[m->naccounts] = copy;
    m->account[m->naccounts] = (sim_group){.name = copy};
    m->slots[k] = (uint32_t)m->naccounts;
    return (int64_t)m->naccounts++;
}

int sim_metrics_init(sim_metrics *m, double bound, size_t budget)
{
    memset(m, 0, sizeof *m);
    m->bound = bound;
    m->all.name = "all";
    for (int c = 0; c < SIM_SIZES; c++)
        m->size[c].name = size_names[c];
    return sim_sorter_init(&m->values, sizeof(value_rec), cmp_value,
                           budget);
}

int sim_metrics_add(sim_metrics *m, const sim_result *x, uint32_t *groups_of)
{
    int64_t acc = account_group(m, x->account);
    if (acc < 0)
        return -1;
    int size = size_class(x);
    *groups_of = (uint32_t)acc * SIM_SIZES + (uint32_t)size;
    uint64_t groups[3] = {0, 1 + (uint64_t)size,
                          GROUP_ACCOUNTS + (uint64_t)acc};
    double v[3];
    int figures = 0;
    if (x->start >= 0) {
        v[figures++] = (double)(x->start - x->submit);
        if (x->completed && x->end >= 0) {
            double jct = (double)(x->end - x->submit);
            double base = (double)x->ideal > m->bound ? (double)x->ideal
                                                      : m->bound;
            double sd = jct / base;
            v[figures++] = jct;
            v[figures++] = sd > 1 ? sd : 1;
        }
    }
    for (int i = 0; i < 3; i++) {
        sim_group *g = group_at(m, groups[i]);
        g->jobs++;
        g->started += figures > 0;
        g->completed += figures > 1;
        for (int f = 0; f < figures; f++) {
            value_rec r = {groups[i] * 3 + (uint64_t)f, v[f]};
            if (sim_sorter_add(&m->values, &r) != 0)
                return -1;
        }
    }
    return 0;
}

void sim_metrics_add_gpu(sim_metrics *m, uint32_t groups, double gpu_seconds)
{
    m->all.gpu_seconds += gpu_seconds;
    m->size[groups % SIM_SIZES].gpu_seconds += gpu_seconds;
    m->account[groups / SIM_SIZES].gpu_seconds += gpu_seconds;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(((const sim_group *)a)->name, ((const sim_group *)b)->name);
}

/* Mean, median (the middle two averaged) and the 95th and 99th
 * percentiles by nearest rank (the smallest value at least p% of the
 * values are at most), from the n values of one key in order; the sum in
 * that order. */
typedef struct dist_acc {
    size_t n, i;
    double sum, lo; /* lo: the lower middle value (n even) */
    sim_dist d;
} dist_acc;

static void dist_take(dist_acc *a, double v)
{
    size_t n = a->n, i = a->i++;
    a->sum += v;
    if (n % 2 && i == n / 2)
        a->d.median = v;
    if (n % 2 == 0 && i == n / 2 - 1)
        a->lo = v;
    if (n % 2 == 0 && i == n / 2)
        a->d.median = (a->lo + v) / 2.0;
    if (i == (n * 95 + 99) / 100 - 1)
        a->d.p95 = v;
    if (i == (n * 99 + 99) / 100 - 1)
        a->d.p99 = v;
}

int sim_metrics_finish(sim_metrics *m, const sim_track *k)
{
    if (sim_sorter_sort(&m->values) != 0)
        return -1;
    value_rec r;
    int got;
    uint64_t key = UINT64_MAX;
    dist_acc acc = {0};
    sim_dist *to = NULL;
    for (;;) {
        got = sim_sorter_next(&m->values, &r);
        if (got < 0)
            return -1;
        if (got == 0 || r.key != key) {
            if (to) {
                acc.d.n = acc.n;
                acc.d.mean = acc.n ? acc.sum / (double)acc.n : 0;
                *to = acc.d;
            }
            if (got == 0)
                break;
            key = r.key;
            sim_group *g = group_at(m, key / 3);
            unsigned fig = (unsigned)(key % 3);
            to = fig == 0 ? &g->wait : fig == 1 ? &g->jct : &g->slowdown;
            acc = (dist_acc){.n = fig == 0 ? g->started : g->completed};
        }
        dist_take(&acc, r.v);
    }
    sim_sorter_free(&m->values);
    if (m->naccounts)
        qsort(m->account, m->naccounts, sizeof *m->account, cmp_name);
    free(m->slots);
    m->slots = NULL;
    m->slots_cap = 0;
    if (k) {
        m->span = k->last - k->t0;
        double span = m->span > 0 ? (double)m->span : 1;
        m->busy_mean = k->busy_int / span;
        m->queue_mean = k->queue_int / span;
        m->idle_wait_mean = k->idle_wait_int / span;
        m->stranded_mean = k->stranded_int / span;
        m->wait_share = m->span > 0 ? (double)k->wait_span / span : 0;
        for (size_t i = 0; i < k->nb; i++)
            if (k->b[i].queue_max > m->queue_max)
                m->queue_max = k->b[i].queue_max;
    }
    return 0;
}

void sim_metrics_free(sim_metrics *m)
{
    for (size_t i = 0; i < m->naccounts; i++)
        free(m->names[i]);
    free(m->names);
    free(m->account);
    free(m->slots);
    sim_sorter_free(&m->values);
    m->account = NULL;
    m->names = NULL;
    m->slots = NULL;
    m->naccounts = m->accounts_cap = m->slots_cap = 0;
}

static void print_group(FILE *f, const sim_group *g)
{
    fprintf(f, "%zu job%s, %zu started; wait mean %.1f s, p95 %.1f s; ",
            g->jobs, g->jobs == 1 ? "" : "s", g->started, g->wait.mean,
            g->wait.p95);
    if (g->completed)
        fprintf(f, "JCT mean %.1f s, p95 %.1f s; slowdown mean %.2f\n",
                g->jct.mean, g->jct.p95, g->slowdown.mean);
    else
        fputs("none ran to its end\n", f);
}

/* Most accounts the text lists (the JSON has all). */
#define TEXT_ACCOUNTS 20

static int cmp_gpu_time(const void *a, const void *b)
{
    const sim_group *x = *(const sim_group *const *)a,
                    *y = *(const sim_group *const *)b;
    if (x->gpu_seconds != y->gpu_seconds)
        return x->gpu_seconds > y->gpu_seconds ? -1 : 1;
    return strcmp(x->name, y->name);
}

void sim_metrics_print(FILE *f, const sim_metrics *m)
{
    const sim_group *a = &m->all;
    fprintf(f,
            "JCT: mean %.1f s, median %.1f s, p95 %.1f s, p99 %.1f s (%zu "
            "job%s ran to the end)\n",
            a->jct.mean, a->jct.median, a->jct.p95, a->jct.p99, a->completed,
            a->completed == 1 ? "" : "s");
    fprintf(f,
            "bounded slowdown (%g s): mean %.2f, median %.2f, p95 %.2f, "
            "p99 %.2f\n",
            m->bound, a->slowdown.mean, a->slowdown.median, a->slowdown.p95,
            a->slowdown.p99);
    fprintf(f,
            "queue: mean %.2f jobs, max %zu; jobs waited %.1f%% of the "
            "time\n",
            m->queue_mean, m->queue_max, 100.0 * m->wait_share);
    fprintf(f,
            "GPUs free while jobs waited: mean %.1f; stranded (on nodes "
            "with fewer free than any waiting job needs): mean %.1f\n",
            m->idle_wait_mean, m->stranded_mean);
    fputs("by size (GPUs):\n", f);
    for (int c = 0; c < SIM_SIZES; c++) {
        if (!m->size[c].jobs)
            continue;
        fprintf(f, "  %s: ", m->size[c].name);
        print_group(f, &m->size[c]);
    }
    if (m->naccounts < 2 && (!m->naccounts || !*m->account[0].name))
        return; /* no accounts in the trace */
    const sim_group **top = malloc(m->naccounts * sizeof *top);
    if (!top)
        return;
    for (size_t i = 0; i < m->naccounts; i++)
        top[i] = &m->account[i];
    qsort(top, m->naccounts, sizeof *top, cmp_gpu_time);
    size_t shown = m->naccounts < TEXT_ACCOUNTS ? m->naccounts
                                                 : TEXT_ACCOUNTS;
    if (shown < m->naccounts)
        fprintf(f, "by account (the %zu of %zu that used most GPU time):\n",
                shown, m->naccounts);
    else
        fputs("by account:\n", f);
    for (size_t i = 0; i < shown; i++) {
        fprintf(f, "  %s: ", *top[i]->name ? top[i]->name : "(none)");
        print_group(f, top[i]);
    }
    free(top);
}

void sim_json_dist(FILE *f, const char *key, const sim_dist *d)
{
    fprintf(f, "\"%s\": {\"n\": %zu, \"mean\": ", key, d->n);
    cli_json_number(f, d->mean);
    fputs(", \"median\": ", f);
    cli_json_number(f, d->median);
    fputs(", \"p95\": ", f);
    cli_json_number(f, d->p95);
    fputs(", \"p99\": ", f);
    cli_json_number(f, d->p99);
    fputc('}', f);
}

static void json_group(FILE *f, const sim_group *g)
{
    fputs("{\"name\": ", f);
    cli_json_string(f, g->name);
    fprintf(f, ", \"jobs\": %zu, \"started\": %zu, \"completed\": %zu, "
               "\"gpu_seconds\": ",
            g->jobs, g->started, g->completed);
    cli_json_number(f, g->gpu_seconds);
    fputs(", ", f);
    sim_json_dist(f, "wait", &g->wait);
    fputs(", ", f);
    sim_json_dist(f, "jct", &g->jct);
    fputs(", ", f);
    sim_json_dist(f, "slowdown", &g->slowdown);
    fputc('}', f);
}

/* A timeline series: each bucket's value / width (a mean over it). */
static void json_series(FILE *f, const char *key, const sim_track *k,
                        size_t field)
{
    fprintf(f, ", \"%s\": [", key);
    for (size_t i = 0; i < k->nb; i++) {
        const sim_bucket *b = &k->b[i];
        double v = field == 0 ? b->busy : field == 1 ? b->queue : b->running;
        /* the last bucket ends at the last moment */
        int64_t w = k->width;
        if (i + 1 == k->nb && k->last - k->t0 - (int64_t)i * k->width < w)
            w = k->last - k->t0 - (int64_t)i * k->width;
        if (i)
            fputs(", ", f);
        cli_json_number(f, w > 0 ? v / (double)w : 0);
    }
    fputc(']', f);
}

void sim_metrics_json(FILE *f, const sim_metrics *m, const sim_track *k,
                      uint32_t gpus)
{
    fputs(", ", f);
    sim_json_dist(f, "wait", &m->all.wait);
    fputs(", ", f);
    sim_json_dist(f, "jct", &m->all.jct);
    fputs(", ", f);
    sim_json_dist(f, "slowdown", &m->all.slowdown);
    fputs(", \"slowdown_bound\": ", f);
    cli_json_number(f, m->bound);
    fprintf(f, ", \"completed\": %zu, \"queue_mean\": ", m->all.completed);
    cli_json_number(f, m->queue_mean);
    fprintf(f, ", \"queue_max\": %zu, \"wait_time_share\": ", m->queue_max);
    cli_json_number(f, m->wait_share);
    fputs(", \"busy_gpus_mean\": ", f);
    cli_json_number(f, m->busy_mean);
    fputs(", \"free_gpus_while_waiting_mean\": ", f);
    cli_json_number(f, m->idle_wait_mean);
    fputs(", \"stranded_gpus_mean\": ", f);
    cli_json_number(f, m->stranded_mean);
    fputs(",\n \"by_size\": [", f);
    int shown = 0;
    for (int c = 0; c < SIM_SIZES; c++) {
        if (!m->size[c].jobs)
            continue;
        fputs(shown++ ? ",\n  " : "\n  ", f);
        json_group(f, &m->size[c]);
    }
    fputs("],\n \"by_account\": [", f);
    for (size_t i = 0; i < m->naccounts; i++) {
        fputs(i ? ",\n  " : "\n  ", f);
        json_group(f, &m->account[i]);
    }
    fputs("]", f);
    if (!k)
        return;
    fprintf(f, ",\n \"timeline\": {\"start\": %lld, \"interval\": %lld, "
               "\"gpus\": %u",
            (long long)k->t0, (long long)k->width, gpus);
    json_series(f, "busy_gpus", k, 0);
    json_series(f, "queue", k, 1);
    json_series(f, "running", k, 2);
    fputs(", \"queue_max\": [", f);
    for (size_t i = 0; i < k->nb; i++)
        fprintf(f, "%s%zu", i ? ", " : "", k->b[i].queue_max);
    fputs("]}", f);
}

/* ---- the run-time model's communication fractions ---------------------- */

int sim_comm_parse(const char *text, sim_comm *c, char *msg, size_t cap)
{
    memset(c, 0, sizeof *c);
    double f;
    if (!strchr(text, ':')) {
        if (cli_parse_double(text, &f) != 0 || !(f >= 0 && f <= 1)) {
            snprintf(msg, cap, "want a number from 0 to 1, like 0.3, or "
                               "fractions by job size, like 2:0.1,8:0.3");
            return -1;
        }
        c->size[0] = 1;
        c->f[0] = f;
        c->n = 1;
        return 0;
    }
    char buf[512];
    if (strlen(text) >= sizeof buf) {
        snprintf(msg, cap, "longer than %zu characters", sizeof buf - 1);
        return -1;
    }
    strcpy(buf, text);
    size_t k = 0;
    for (char *save = NULL, *e = strtok_r(buf, ",", &save); e;
         e = strtok_r(NULL, ",", &save), k++) {
        char *colon = strchr(e, ':');
        uint64_t size;
        if (k == SIM_COMM_SIZES) {
            snprintf(msg, cap, "at most %d sizes", SIM_COMM_SIZES);
            return -1;
        }
        if (!colon) {
            snprintf(msg, cap, "entry %zu \"%.40s\": want SIZE:F", k + 1, e);
            return -1;
        }
        *colon = '\0';
        if (cli_parse_u64(e, 65536, &size) != 0 || size < 1) {
            snprintf(msg, cap, "entry %zu: size \"%.40s\": want a whole "
                               "number of GPUs from 1 to 65536",
                     k + 1, e);
            return -1;
        }
        if (cli_parse_double(colon + 1, &f) != 0 || !(f >= 0 && f <= 1)) {
            snprintf(msg, cap, "entry %zu: fraction \"%.40s\": want a "
                               "number from 0 to 1",
                     k + 1, colon + 1);
            return -1;
        }
        if (k && size <= c->size[k - 1]) {
            snprintf(msg, cap, "entry %zu: size %llu after %u: want the "
                               "sizes rising",
                     k + 1, (unsigned long long)size, c->size[k - 1]);
            return -1;
        }
        c->size[k] = (uint32_t)size;
        c->f[k] = f;
    }
    if (!k) {
        snprintf(msg, cap, "want SIZE:F entries separated by commas");
        return -1;
    }
    c->n = k;
    return 0;
}

double sim_comm_for(const sim_comm *c, uint32_t g)
{
    double f = 0;
    for (size_t i = 0; i < c->n && c->size[i] <= g; i++)
        f = c->f[i];
    return f;
}
