/*
 * What nvlink-pack breaks ties by after a job's own objective (issue 16):
 * the NUMA mode, the look-ahead switch and the demand profile the
 * look-ahead judges a remainder by.
 *
 * The profile is the host's (gs_sched_set_demand) or learned: every
 * accepted submission counts its GPUs for its (size on a node, pattern)
 * -- so that the demand is the share of GPUs asked for in jobs of each
 * size, and large jobs weigh as much as the GPUs they take -- with an
 * exponential decay (half-life DEMAND_HALF_LIFE submissions, by a
 * growing unit instead of touching every count), and the refresh stage of
 * each step turns the counts into a profile: the DEMAND_LEARNED heaviest
 * pairs with a share of at least 1/16, weights quantized to 1/64. The
 * placement caches are keyed by an epoch that changes only when the
 * profile, the NUMA mode, the switch or whether the host set a demand do.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/sched_impl.h"

#include <math.h>
#include <string.h>

#define DEMAND_HALF_LIFE 256.0
#define DEMAND_LEARNED 4u

gs_status gs_demand_init(gs_sched *s)
{
    s->demand_cnt = gs_calloc(DEMAND_SLOTS, sizeof *s->demand_cnt);
    if (!s->demand_cnt)
        return GS_ENOMEM;
    s->demand_unit = 1.0;
    s->la_mode = GS_LOOKAHEAD_AUTO;
    s->max_node_gpus = 0;
    for (uint32_t i = 0; i < s->n_ttypes; i++)
        s->max_node_gpus = GS_MAX(s->max_node_gpus, s->topo->types[i]->n_gpus);
    return GS_OK;
}

void gs_demand_free(gs_sched *s)
{
    gs_free(s->demand_cnt);
    s->demand_cnt = NULL;
}

void gs_demand_note(gs_sched *s, const job_rec *j)
{
    /* GPUs asked for, by the size each node is asked for: a job over
     * several nodes asks each for its share, or for whole nodes */
    uint32_t k = j->gpus;
    if (j->gpus_per_node && j->gpus_per_node < k)
        k = j->gpus_per_node;
    if (k > s->max_node_gpus)
        k = s->max_node_gpus;
    if (k == 0 || k > 64)
        return;
    s->demand_cnt[(size_t)k * GS_PATTERN_COUNT + job_pattern(j)] +=
        s->demand_unit * j->gpus;
    s->demand_unit *= exp2(1.0 / DEMAND_HALF_LIFE);
    if (s->demand_unit > 1e100) {
        for (size_t i = 0; i < DEMAND_SLOTS; i++)
            s->demand_cnt[i] /= s->demand_unit;
        s->demand_unit = 1.0;
    }
}

/* Profile entries from (k, p, weight) triples, heaviest first (ties: the
 * smaller size, then the lower pattern), weights quantized to 1/64 of the
 * total, entries below min_share dropped. */
static void make_profile(const uint32_t *k, const uint8_t *p, const double *w,
                         uint32_t n, uint32_t keep, double min_share,
                         la_profile *out)
{
    uint32_t idx[DEMAND_SLOTS];
    double total = 0;
    for (uint32_t i = 0; i < n; i++) {
        idx[i] = i;
        total += w[i];
    }
    memset(out, 0, sizeof *out);
    if (!(total > 0))
        return;
    /* selection of the heaviest `keep` */
    for (uint32_t a = 0; a < n && a < keep; a++) {
        uint32_t b = a;
        for (uint32_t c = a + 1; c < n; c++) {
            uint32_t x = idx[c], y = idx[b];
            if (w[x] > w[y] ||
                (w[x] == w[y] && (k[x] < k[y] || (k[x] == k[y] && p[x] < p[y]))))
                b = c;
        }
        uint32_t t = idx[a];
        idx[a] = idx[b];
        idx[b] = t;
        double share = w[idx[a]] / total;
        if (share < min_share)
            break;
        uint32_t q = (uint32_t)lround(share * 64.0);
        out->k[out->n] = k[idx[a]];
        out->p[out->n] = p[idx[a]];
        out->w[out->n] = q ? q : 1;
        out->n++;
    }
}

static void set_profile(gs_sched *s, const la_profile *np)
{
    if (memcmp(np, &s->la_prof, sizeof *np) != 0) {
        s->la_prof = *np;
        s->la_epoch++;
    }
}

void gs_demand_refresh(gs_sched *s)
{
    if (s->demand_set)
        return;
    uint32_t k[DEMAND_SLOTS];
    uint8_t p[DEMAND_SLOTS];
    double w[DEMAND_SLOTS];
    uint32_t n = 0;
    for (uint32_t i = 0; i < DEMAND_SLOTS; i++)
        if (s->demand_cnt[i] > 0) {
            k[n] = i / GS_PATTERN_COUNT;
            p[n] = (uint8_t)(i % GS_PATTERN_COUNT);
            w[n] = s->demand_cnt[i];
            n++;
        }
    la_profile np;
    make_profile(k, p, w, n, DEMAND_LEARNED, 1.0 / 16.0, &np);
    set_profile(s, &np);
}

GS_API const char *gs_numa_mode_name(gs_numa_mode mode)
{
    switch (mode) {
    case GS_NUMA_PREFER:
        return "prefer";
    case GS_NUMA_STRICT:
        return "strict";
    case GS_NUMA_IGNORE:
        return "ignore";
    }
    return "?";
}

GS_API gs_status gs_sched_set_numa_mode(gs_sched *s, gs_numa_mode mode)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    if ((unsigned)mode > GS_NUMA_IGNORE)
        return gs_errf(&s->err, GS_EINVAL,
                             "NUMA mode %d is not strict, prefer or ignore",
                             (int)mode);
    if (s->numa_mode != (uint8_t)mode) {
        s->numa_mode = (uint8_t)mode;
        s->la_epoch++;
    }
    gs_err_clear(&s->err);
    gs_jr_rec r = {.kind = GS_JR_NUMA_MODE};
    r.a = (uint64_t)mode;
    return gs_jr_done(s, &r);
}

GS_API gs_status gs_sched_set_lookahead(gs_sched *s, int mode)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    if (mode < GS_LOOKAHEAD_OFF || mode > GS_LOOKAHEAD_AUTO)
        return gs_errf(&s->err, GS_EINVAL,
                       "look-ahead mode %d is not GS_LOOKAHEAD_OFF (0), _ON "
                       "(1) or _AUTO (2)",
                       mode);
    if (s->la_mode != (uint8_t)mode) {
        s->la_mode = (uint8_t)mode;
        s->la_epoch++;
    }
    gs_err_clear(&s->err);
    gs_jr_rec r = {.kind = GS_JR_LOOKAHEAD};
    r.a = (uint64_t)mode;
    return gs_jr_done(s, &r);
}

gs_status gs_demand_apply(gs_sched *s, const gs_demand_entry *e, size_t n)
{
    if (n > GS_MAX_DEMAND)
        return gs_errf(&s->err, GS_ERANGE,
                             "demand: %zu entries, at most %d", n,
                             GS_MAX_DEMAND);
    if (n && !e)
        return gs_errf(&s->err, GS_EINVAL, "demand: entries is NULL");
    uint32_t k[GS_MAX_DEMAND];
    uint8_t p[GS_MAX_DEMAND];
    double w[GS_MAX_DEMAND];
    for (size_t i = 0; i < n; i++) {
        if (e[i].gpus < 1 || e[i].gpus > 64)
            return gs_errf(&s->err, GS_EINVAL,
                                 "demand entry %zu: gpus %u is outside 1..64",
                                 i, e[i].gpus);
        if ((unsigned)e[i].pattern >= GS_PATTERN_COUNT)
            return gs_errf(&s->err, GS_EINVAL,
                                 "demand entry %zu: pattern %d is not a "
                                 "gs_comm_pattern",
                                 i, (int)e[i].pattern);
        if (!(e[i].weight > 0) || !isfinite(e[i].weight) ||
            e[i].weight > 1e12)
            return gs_errf(&s->err, GS_EINVAL,
                                 "demand entry %zu: weight %g is not a "
                                 "finite number in (0, 1e12]",
                                 i, e[i].weight);
        for (size_t j = 0; j < i; j++)
            if (e[j].gpus == e[i].gpus && e[j].pattern == e[i].pattern)
                return gs_errf(&s->err, GS_EINVAL,
                                     "demand entry %zu: %u GPUs %s repeats "
                                     "entry %zu",
                                     i, e[i].gpus,
                                     gs_pattern_name(e[i].pattern), j);
        k[i] = e[i].gpus;
        p[i] = (uint8_t)e[i].pattern;
        w[i] = e[i].weight;
    }
    /* under GS_LOOKAHEAD_AUTO whether a demand is set turns the look-ahead
     * on or off: cached answers must not outlive that, even when the
     * learned profile comes out equal to the host's */
    if (s->demand_set != (n != 0))
        s->la_epoch++;
    if (n) {
        la_profile np;
        make_profile(k, p, w, (uint32_t)n, GS_MAX_DEMAND, 0.0, &np);
        memcpy(s->demand_host, e, n * sizeof *e);
        s->n_demand_host = (uint32_t)n;
        s->demand_set = true;
        set_profile(s, &np);
    } else {
        s->n_demand_host = 0;
        s->demand_set = false;
        gs_demand_refresh(s);
    }
    return GS_OK;
}

GS_API gs_status gs_sched_set_demand(gs_sched *s, const gs_demand_entry *e,
                                     size_t n)
{
    if (!gs_sched_ready(s))
        return GS_EINVAL;
    GS_JR_BEGIN(s);
    gs_status st = gs_demand_apply(s, e, n);
    if (st != GS_OK)
        return st;
    gs_err_clear(&s->err);
    gs_jr_rec r = {.kind = GS_JR_DEMAND};
    r.a = n;
    r.dem = e;
    return gs_jr_done(s, &r);
}

GS_API size_t gs_sched_demand(const gs_sched *s, gs_demand_entry *out,
                              size_t cap)
{
    if (!s)
        return 0;
    const la_profile *lp = &s->la_prof;
    double total = 0;
    for (uint32_t i = 0; i < lp->n; i++)
        total += lp->w[i];
    if (out)
        for (uint32_t i = 0; i < lp->n && i < cap; i++) {
            out[i].gpus = lp->k[i];
            out[i].pattern = (gs_comm_pattern)lp->p[i];
            out[i].weight = lp->w[i] / total;
        }
    return lp->n;
}

/* nvlink-pack's placement options: "numa=strict|prefer|ignore" and
 * "lookahead=on|off", separated by commas, semicolons or spaces. */
gs_status gs_demand_options(gs_sched *s, const char *opts)
{
    if (!opts)
        return GS_OK;
    const char *p = opts;
    while (*p) {
        while (*p == ',' || *p == ';' || *p == ' ')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && *e != ',' && *e != ';' && *e != ' ')
            e++;
        size_t len = (size_t)(e - p);
        const char *eq = memchr(p, '=', len);
        size_t kl = eq ? (size_t)(eq - p) : len;
        const char *v = eq ? eq + 1 : e;
        size_t vl = (size_t)(e - v);
        size_t col = (size_t)(p - opts) + 1;
#define IS(str, n, lit) ((n) == sizeof(lit) - 1 && memcmp(str, lit, n) == 0)
        if (IS(p, kl, "numa")) {
            if (IS(v, vl, "prefer"))
                s->numa_mode = GS_NUMA_PREFER;
            else if (IS(v, vl, "strict"))
                s->numa_mode = GS_NUMA_STRICT;
            else if (IS(v, vl, "ignore"))
                s->numa_mode = GS_NUMA_IGNORE;
            else
                return gs_errf(&s->err, GS_EINVAL,
                               "placement options, column %zu: numa=%.*s: "
                               "want strict, prefer or ignore",
                               col, (int)GS_MIN(vl, (size_t)64), v);
        } else if (IS(p, kl, "lookahead")) {
            if (IS(v, vl, "on"))
                s->la_mode = GS_LOOKAHEAD_ON;
            else if (IS(v, vl, "off"))
                s->la_mode = GS_LOOKAHEAD_OFF;
            else if (IS(v, vl, "auto"))
                s->la_mode = GS_LOOKAHEAD_AUTO;
            else
                return gs_errf(&s->err, GS_EINVAL,
                               "placement options, column %zu: "
                               "lookahead=%.*s: want on, off or auto",
                               col, (int)GS_MIN(vl, (size_t)64), v);
        } else {
            return gs_errf(&s->err, GS_EINVAL,
                           "placement options, column %zu: unknown option "
                           "\"%.*s\" (nvlink-pack knows numa= and "
                           "lookahead=)",
                           col, (int)GS_MIN(kl, (size_t)64), p);
        }
#undef IS
        p = e;
    }
    s->la_epoch++;
    return GS_OK;
}

GS_API gs_numa_mode gs_sched_numa_mode(const gs_sched *s)
{
    return s ? (gs_numa_mode)s->numa_mode : GS_NUMA_PREFER;
}

GS_API int gs_sched_lookahead(const gs_sched *s, int *active)
{
    if (!s) {
        if (active)
            *active = 0;
        return -1;
    }
    if (active)
        *active = s->la_mode == GS_LOOKAHEAD_ON ||
                  (s->la_mode == GS_LOOKAHEAD_AUTO && s->demand_set);
    return s->la_mode;
}
