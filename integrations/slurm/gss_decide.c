/*
 * One pass of gpusched-slurm's decisions: a fresh gpusched scheduler on the
 * cluster's topology is told what Slurm runs (every running or pinned job on
 * exactly its GPUs), which nodes Slurm cannot use, and the held jobs in
 * submission order; one step says which held jobs start and where. No
 * libslurm here: the unit tests drive it with made-up snapshots.
 */
#define _POSIX_C_SOURCE 200809L
#include "gss.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A growing string; fails (NULL text) when out of memory. */
typedef struct gss_str {
    char *s;
    size_t len, cap;
    bool oom;
} gss_str;

static void str_add(gss_str *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void str_add(gss_str *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->oom = true;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* The string, owned by the caller ("" when empty); NULL when out of
 * memory. */
static char *str_take(gss_str *b)
{
    if (b->oom) {
        free(b->s);
        return NULL;
    }
    if (!b->s)
        return calloc(1, 1);
    return b->s;
}

static int note(gss_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int note(gss_result *r, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **nn = realloc(r->notes, (r->n_notes + 1) * sizeof *nn);
    if (!nn)
        return -1;
    r->notes = nn;
    if (!(nn[r->n_notes] = strdup(buf)))
        return -1;
    r->n_notes++;
    return 0;
}

void gss_result_free(gss_result *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->d[i].req_nodes);
        free(r->d[i].tres_per_node);
        free(r->d[i].tres_per_job);
        free(r->d[i].gpus_text);
        free(r->d[i].reason);
    }
    free(r->d);
    for (size_t i = 0; i < r->n_notes; i++)
        free(r->notes[i]);
    free(r->notes);
    memset(r, 0, sizeof *r);
}

int gss_check_types(const gs_topo *t, char *why, size_t cap)
{
    for (uint32_t n = 0; n < gs_topo_node_count(t); n++) {
        uint32_t first = gs_topo_node_first_gpu(t, n);
        uint32_t ng = gs_topo_node_gpu_count(t, n);
        for (uint32_t a = 0; a < ng; a++) {
            gs_gpu_info ga = GS_GPU_INFO_INIT;
            gs_topo_gpu_info(t, first + a, &ga);
            if (!ga.model || !*ga.model) {
                snprintf(why, cap,
                         "node %s: GPU %u has no Type in gres.conf: "
                         "gpusched-slurm needs one Type per GPU (Type=g0, "
                         "g1, ...) to give a job exact GPUs",
                         gs_topo_node_name(t, n), a);
                return -1;
            }
            for (uint32_t b = 0; b < a; b++) {
                gs_gpu_info gb = GS_GPU_INFO_INIT;
                gs_topo_gpu_info(t, first + b, &gb);
                if (gb.model && strcmp(ga.model, gb.model) == 0) {
                    snprintf(why, cap,
                             "node %s: GPUs %u and %u have the same Type "
                             "\"%s\" in gres.conf: gpusched-slurm needs one "
                             "Type per GPU (Type=g0, g1, ...) to give a job "
                             "exact GPUs",
                             gs_topo_node_name(t, n), b, a, ga.model);
                    return -1;
                }
            }
        }
    }
    return 0;
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
           (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* A held job's place in the queue: submission time, then id. */
typedef struct held_key {
    int64_t submit;
    uint32_t id;
    size_t index; /* in the snapshot */
} held_key;

static int cmp_held(const void *pa, const void *pb)
{
    const held_key *a = pa, *b = pb;
    if (a->submit != b->submit)
        return a->submit < b->submit ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

static gss_decision *new_decision(gss_result *r, const gss_snapshot *snap,
                                  size_t i)
{
    gss_decision *nd = realloc(r->d, (r->n + 1) * sizeof *nd);
    if (!nd)
        return NULL;
    r->d = nd;
    gss_decision *d = &nd[r->n++];
    memset(d, 0, sizeof *d);
    d->job = snap->jobs[i].id;
    d->index = i;
    return d;
}

/* A multi-node job given different GPU indexes on its nodes cannot be
 * pinned by type (a typed tres_per_node applies to every node). Look for
 * one set of k indexes free on all of its nodes (after this pass's other
 * starts; its own GPUs count as free), with the same type on each, that
 * has the most bandwidth summed over the nodes. nodes[] are its nodes;
 * out[] receives the set. false: none (or too many to search). */
static bool common_set(const gs_topo *t, gs_sched *s, uint64_t sid,
                       const uint32_t *nodes, uint32_t nn, uint32_t k,
                       uint32_t *out)
{
    enum { MAX_CAND = 16 };
    uint32_t cand[MAX_CAND], nc = 0;
    uint32_t ng = gs_topo_node_gpu_count(t, nodes[0]);
    for (uint32_t g = 0; g < ng; g++) {
        bool ok = true;
        gs_gpu_info g0 = GS_GPU_INFO_INIT;
        gs_topo_gpu_info(t, gs_topo_node_first_gpu(t, nodes[0]) + g, &g0);
        for (uint32_t n = 0; n < nn && ok; n++) {
            if (g >= gs_topo_node_gpu_count(t, nodes[n])) {
                ok = false;
                break;
            }
            uint32_t gg = gs_topo_node_first_gpu(t, nodes[n]) + g;
            uint64_t holder = gs_sched_gpu_job(s, gg);
            gs_gpu_info gi = GS_GPU_INFO_INIT;
            gs_topo_gpu_info(t, gg, &gi);
            ok = (holder == 0 || holder == sid) && g0.model && gi.model &&
                 strcmp(g0.model, gi.model) == 0;
        }
        if (ok) {
            if (nc == MAX_CAND)
                return false; /* too many subsets to try */
            cand[nc++] = g;
        }
    }
    if (nc < k || k == 0 || k > MAX_CAND)
        return false;
    /* every k-subset of the candidates, in lexicographic order */
    uint32_t pick[MAX_CAND], ids[MAX_CAND];
    for (uint32_t i = 0; i < k; i++)
        pick[i] = i;
    double best = -1;
    for (;;) {
        double q = 0;
        for (uint32_t n = 0; n < nn; n++) {
            double qn = 0;
            for (uint32_t i = 0; i < k; i++)
                ids[i] = gs_topo_node_first_gpu(t, nodes[n]) + cand[pick[i]];
            if (gs_topo_quality(t, ids, k, &qn) != GS_OK)
                return false;
            q += qn;
        }
        if (q > best) {
            best = q;
            for (uint32_t i = 0; i < k; i++)
                out[i] = cand[pick[i]];
        }
        /* next subset */
        int i = (int)k - 1;
        while (i >= 0 && pick[i] == nc - k + (uint32_t)i)
            i--;
        if (i < 0)
            break;
        pick[i]++;
        for (uint32_t j = (uint32_t)i + 1; j < k; j++)
            pick[j] = pick[j - 1] + 1;
    }
    return best >= 0;
}

/* The decision for a held job that starts: its nodes and GPUs, as the TRES
 * strings Slurm takes. Exact (typed, one type per GPU) when every node has
 * the same GPU indexes, which typed tres_per_node can say; otherwise the
 * counts only, and Slurm picks the indexes. */
static int started(const gs_topo *t, gs_sched *s, uint64_t sid,
                   gss_decision *d)
{
    uint32_t nn = gs_sched_alloc_node_count(s, sid);
    uint32_t *idx = malloc(GSS_MAX_GPUS * sizeof *idx);
    uint32_t *first_idx = malloc(GSS_MAX_GPUS * sizeof *first_idx);
    const char **first_model = malloc(GSS_MAX_GPUS * sizeof *first_model);
    size_t first_n = 0, total = 0;
    bool same = true;
    gss_str nodes = {0}, text = {0}, typed = {0};
    if (!idx || !first_idx || !first_model) {
        free(idx);
        free(first_idx);
        free(first_model);
        return -1;
    }
    for (uint32_t k = 0; k < nn; k++) {
        gs_alloc_node an = GS_ALLOC_NODE_INIT;
        size_t cnt = 0;
        if (gs_sched_alloc_node(s, sid, k, &an) != GS_OK ||
            gs_sched_alloc_gpus(s, sid, k, idx, GSS_MAX_GPUS, &cnt) != GS_OK)
            continue;
        const char *name = gs_topo_node_name(t, an.node);
        str_add(&nodes, "%s%s", k ? "," : "", name);
        str_add(&text, "%s%s:", k ? " " : "", name);
        uint32_t first = gs_topo_node_first_gpu(t, an.node);
        for (size_t g = 0; g < cnt; g++) {
            str_add(&text, "%s%u", g ? "," : "", idx[g]);
            gs_gpu_info gi = GS_GPU_INFO_INIT;
            gs_topo_gpu_info(t, first + idx[g], &gi);
            if (k == 0) {
                first_idx[g] = idx[g];
                first_model[g] = gi.model;
                str_add(&typed, "%sgres:gpu:%s:1", g ? "," : "",
                        gi.model ? gi.model : "");
            } else if (cnt != first_n || idx[g] != first_idx[g]) {
                same = false;
            } else if (!first_model[g] || !gi.model ||
                       strcmp(first_model[g], gi.model) != 0) {
                /* the same index must have the same type on every node */
                same = false;
            }
        }
        if (k == 0)
            first_n = cnt;
        else if (cnt != first_n)
            same = false;
        total += cnt;
    }
    free(idx);
    free(first_idx);
    free(first_model);
    d->start = true;
    d->req_nodes = str_take(&nodes);
    if (!same && nn > 1 && nn <= GSS_MAX_GPUS && total % nn == 0 &&
        total / nn <= 16) {
        /* the same count on every node, different indexes: one set free
         * on all of them, if there is one, can be pinned */
        uint32_t k = (uint32_t)(total / nn), set[16];
        uint32_t *nodes_ix = malloc(nn * sizeof *nodes_ix);
        bool found = false;
        if (nodes_ix) {
            for (uint32_t i = 0; i < nn; i++) {
                gs_alloc_node an = GS_ALLOC_NODE_INIT;
                gs_sched_alloc_node(s, sid, i, &an);
                nodes_ix[i] = an.node;
            }
            found = common_set(t, s, sid, nodes_ix, nn, k, set);
        }
        if (found) {
            gss_str tx = {0}, ty = {0};
            for (uint32_t i = 0; i < nn; i++) {
                str_add(&tx, "%s%s:", i ? " " : "",
                        gs_topo_node_name(t, nodes_ix[i]));
                for (uint32_t g = 0; g < k; g++)
                    str_add(&tx, "%s%u", g ? "," : "", set[g]);
            }
            uint32_t f0 = gs_topo_node_first_gpu(t, nodes_ix[0]);
            for (uint32_t g = 0; g < k; g++) {
                gs_gpu_info gi = GS_GPU_INFO_INIT;
                gs_topo_gpu_info(t, f0 + set[g], &gi);
                str_add(&ty, "%sgres:gpu:%s:1", g ? "," : "",
                        gi.model ? gi.model : "");
            }
            free(str_take(&text));
            free(str_take(&typed));
            text = tx;
            typed = ty;
            same = true;
        }
        free(nodes_ix);
    }
    d->gpus_text = str_take(&text);
    if (same) {
        d->exact = true;
        d->tres_per_node = str_take(&typed);
    } else {
        free(str_take(&typed));
        bool even = nn && total % nn == 0;
        /* counts only: the same count on each node, or a total */
        gss_str c = {0};
        if (even)
            str_add(&c, "gres:gpu:%zu", total / nn);
        else
            str_add(&c, "gres:gpu:%zu", total);
        if (even)
            d->tres_per_node = str_take(&c);
        else
            d->tres_per_job = str_take(&c);
    }
    if (!d->req_nodes || !d->gpus_text ||
        (!d->tres_per_node && !d->tres_per_job))
        return -1;
    return 0;
}

int gss_decide(const gs_topo *t, const gss_snapshot *snap,
               const gss_options *o, gss_result *r, char *why, size_t cap)
{
    memset(r, 0, sizeof *r);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    gs_sched_config cfg = GS_SCHED_CONFIG_INIT;
    cfg.placement = o->placement;
    cfg.ordering = o->ordering;
    cfg.backfill = o->backfill;
    cfg.share = o->share;
    gs_sched *s = NULL;
    gs_status st = gs_sched_create(&s, t, &cfg);
    if (st != GS_OK) {
        snprintf(why, cap, "%s", s ? gs_sched_errmsg(s) : gs_strerror(st));
        gs_sched_destroy(s);
        return -1;
    }
    /* Slurm checked every job's association when it took the job: the
     * account tree read from it may lack what sshare does not list */
    gs_sched_set_auto_accounts(s, 1);
    size_t nj = snap->n_jobs;
    uint32_t ngpu = gs_topo_gpu_count(t);
    /* scheduler id of each snapshot job (0: not given to it) */
    uint64_t *sid = calloc(nj ? nj : 1, sizeof *sid);
    held_key *held = malloc((nj ? nj : 1) * sizeof *held);
    uint32_t *req = malloc((ngpu ? ngpu : 1) * sizeof *req);
    uint32_t *owner = calloc(ngpu ? ngpu : 1, sizeof *owner); /* job id */
    int rc = -1;
    if (!sid || !held || !req || !owner)
        goto oom;

    /* The scheduler's clock never goes back, and a job may not be
     * submitted before it: the running jobs are placed by a first step at
     * t1, the earliest of now and the held jobs' submission times, so that
     * the held jobs keep their own (their age, their order) when they are
     * submitted after it; the second step decides at now. To make the
     * first step change nothing the second one sees, the running jobs are
     * submitted no later than t1 and with the time limits that end where
     * Slurm expects them to, they charge no usage to the share tree
     * between t1 and now (weights 0: with both steps at now they charged
     * none either), and fair share is computed again at now. */
    int64_t t1 = snap->now;
    for (size_t i = 0; i < nj; i++) {
        int64_t sub = snap->jobs[i].submit;
        /* a time out of range is the submission's to refuse */
        if (snap->jobs[i].kind == GSS_JOB_HELD && sub < t1 &&
            sub >= -GS_TIME_MAX)
            t1 = sub;
    }
    if (gs_sched_set_usage_weights(s, 0, 0, 0) != GS_OK) {
        snprintf(why, cap, "%s", gs_sched_errmsg(s));
        goto done;
    }

    /* 1. what Slurm runs, on exactly its GPUs; then the jobs released
     * earlier on the GPUs they were given (Slurm runs them soon), unless
     * a running job has one of those GPUs: then they are held again */
    for (size_t pi = 0; pi < 2 * nj; pi++) {
        size_t i = pi % nj;
        const gss_job *j = &snap->jobs[i];
        if (j->kind != (pi < nj ? GSS_JOB_RUNNING : GSS_JOB_PINNED))
            continue;
        size_t n = 0;
        bool ok = true;
        for (uint32_t k = 0; k < j->n_nodes && ok; k++) {
            const gss_job_node *jn = &j->nodes[k];
            uint32_t node = gs_topo_find_node(t, jn->name);
            if (node == GS_NONE) {
                if (note(r, "job %u: node %s is not in the topology (its "
                            "GPUs are not counted)",
                         j->id, jn->name) != 0)
                    goto oom;
                ok = false;
                break;
            }
            uint32_t first = gs_topo_node_first_gpu(t, node);
            uint32_t cnt = gs_topo_node_gpu_count(t, node);
            for (uint32_t g = 0; g < jn->n_gpus; g++) {
                if (jn->gpus[g] >= cnt) {
                    if (note(r, "job %u: GPU %u of %s, which has %u GPUs",
                             j->id, jn->gpus[g], jn->name, cnt) != 0)
                        goto oom;
                    ok = false;
                    break;
                }
                uint32_t gg = first + jn->gpus[g];
                if (owner[gg] && j->kind == GSS_JOB_PINNED) {
                    char text[160];
                    snprintf(text, sizeof text,
                             "GPU %u of %s, given to it, is taken by job %u: "
                             "deciding again",
                             jn->gpus[g], jn->name, owner[gg]);
                    gss_decision *d = new_decision(r, snap, i);
                    if (!d || !(d->reason = strdup(text)))
                        goto oom;
                    d->rehold = true;
                    ok = false;
                    break;
                }
                if (owner[gg]) {
                    if (note(r, "jobs %u and %u both hold GPU %u of %s",
                             owner[gg], j->id, jn->gpus[g], jn->name) != 0)
                        goto oom;
                    ok = false;
                    break;
                }
                req[n++] = gg;
            }
        }
        if (!ok || n == 0)
            continue;
        for (size_t g = 0; g < n; g++)
            owner[req[g]] = j->id;
        gs_job_spec spec = GS_JOB_SPEC_INIT;
        char name[32];
        snprintf(name, sizeof name, "%u", j->id);
        spec.name = name;
        spec.gpus = (uint32_t)n;
        spec.require_gpus = req;
        spec.n_require_gpus = n;
        spec.max_nodes = j->n_nodes;
        spec.submit_time = j->submit < t1 ? j->submit : t1;
        spec.user = j->user;
        spec.account = j->account;
        /* GPU types are per-GPU GRES names here, not models */
        spec.any_model = 1;
        /* started at t1, expected to end at its end (1 s from now when
         * that is past; no limit when unknown) */
        int64_t end = j->end > snap->now ? j->end
                      : j->end          ? snap->now + 1
                                        : 0;
        spec.time_limit = end ? end - t1 : 0;
        if (gs_sched_submit(s, &spec, &sid[i]) != GS_OK) {
            if (note(r, "job %u: %s", j->id, gs_sched_errmsg(s)) != 0)
                goto oom;
            sid[i] = 0;
        }
    }
    if (gs_sched_step(s, t1, NULL) != GS_OK) {
        snprintf(why, cap, "%s", gs_sched_errmsg(s));
        goto done;
    }
    /* fair share again at now (the weights are the defaults: gss_decide
     * sets none) */
    gs_priority_weights w;
    gs_priority_weights_init(&w);
    if (gs_sched_set_priority_weights(s, &w) != GS_OK) {
        snprintf(why, cap, "%s", gs_sched_errmsg(s));
        goto done;
    }
    for (size_t i = 0; i < nj; i++) {
        if (!sid[i] || snap->jobs[i].kind == GSS_JOB_HELD)
            continue;
        gs_job_info ji = GS_JOB_INFO_INIT;
        if (gs_sched_job_info(s, sid[i], &ji) == GS_OK &&
            ji.state != GS_JOB_RUNNING &&
            note(r, "job %u: runs in Slurm, but gpusched could not place it "
                    "on its GPUs",
                 snap->jobs[i].id) != 0)
            goto oom;
    }

    /* 2. nodes Slurm cannot use, and nodes Slurm does not have */
    for (uint32_t n = 0; n < gs_topo_node_count(t); n++) {
        bool usable = false;
        for (size_t k = 0; k < snap->n_nodes; k++)
            if (strcmp(snap->nodes[k].name, gs_topo_node_name(t, n)) == 0) {
                usable = snap->nodes[k].usable;
                break;
            }
        if (!usable)
            gs_sched_drain_node(s, n);
    }

    /* 3. the held jobs, in submission order */
    size_t nh = 0;
    for (size_t i = 0; i < nj; i++)
        if (snap->jobs[i].kind == GSS_JOB_HELD)
            held[nh++] = (held_key){snap->jobs[i].submit, snap->jobs[i].id,
                                    i};
    qsort(held, nh, sizeof *held, cmp_held);
    for (size_t h = 0; h < nh; h++) {
        size_t i = held[h].index;
        const gss_job *j = &snap->jobs[i];
        const gss_request *q = &j->req;
        gs_job_spec spec = GS_JOB_SPEC_INIT;
        char name[32];
        snprintf(name, sizeof name, "%u", j->id);
        spec.name = name;
        uint32_t nodes = j->min_nodes ? j->min_nodes : 1;
        uint64_t gpus = q->gpus_per_job
                            ? q->gpus_per_job
                            : (uint64_t)q->gpus_per_node * nodes;
        spec.gpus = gpus > UINT32_MAX ? UINT32_MAX : (uint32_t)gpus;
        spec.gpus_per_node = q->gpus_per_node;
        spec.min_nodes = j->min_nodes;
        spec.max_nodes = j->max_nodes;
        if (q->gpus_per_node && !q->gpus_per_job) {
            /* N GPUs on each of -N nodes: exactly that many nodes */
            spec.max_nodes = nodes;
        }
        /* a submission later than now is the clocks of two machines
         * (slurmctld's, ours) disagreeing: it is here, it may start */
        spec.submit_time = j->submit < snap->now ? j->submit : snap->now;
        spec.time_limit = j->time_limit;
        spec.user = j->user;
        spec.account = j->account;
        /* GPU types are per-GPU GRES names here, not models */
        spec.any_model = 1;
        if (!j->partition_ok) {
            /* gpusched does not model partitions yet: pinned to nodes
             * outside its partition, the job would wait for good */
            char text[200];
            snprintf(text, sizeof text,
                     "partition %s does not hold every GPU node: Slurm "
                     "places the job",
                     j->partition[0] ? j->partition : "(none)");
            gss_decision *d = new_decision(r, snap, i);
            if (!d || !(d->reason = strdup(text)))
                goto oom;
            d->giveback = true;
            continue;
        }
        if (!j->features_ok) {
            char text[300];
            snprintf(text, sizeof text,
                     "constraint %s does not hold on every GPU node: Slurm "
                     "places the job",
                     j->features);
            gss_decision *d = new_decision(r, snap, i);
            if (!d || !(d->reason = strdup(text)))
                goto oom;
            d->giveback = true;
            continue;
        }
        if (q->type[0]) {
            /* GPU models are per-GPU types here: a model asked for by
             * name is Slurm's to match */
            gss_decision *d = new_decision(r, snap, i);
            if (!d || !(d->reason = strdup("a GPU type was asked for: "
                                           "Slurm places the job")))
                goto oom;
            d->giveback = true;
            continue;
        }
        if (gs_sched_submit(s, &spec, &sid[i]) != GS_OK) {
            gss_decision *d = new_decision(r, snap, i);
            if (!d || !(d->reason = strdup(gs_sched_errmsg(s))))
                goto oom;
            sid[i] = 0;
        }
    }
    if (gs_sched_step(s, snap->now, NULL) != GS_OK) {
        snprintf(why, cap, "%s", gs_sched_errmsg(s));
        goto done;
    }
    for (size_t h = 0; h < nh; h++) {
        size_t i = held[h].index;
        if (!sid[i])
            continue;
        gs_job_info ji = GS_JOB_INFO_INIT;
        if (gs_sched_job_info(s, sid[i], &ji) != GS_OK)
            continue;
        gss_decision *d = new_decision(r, snap, i);
        if (!d)
            goto oom;
        if (ji.state == GS_JOB_RUNNING) {
            if (started(t, s, sid[i], d) != 0)
                goto oom;
        } else {
            char text[400];
            if (gs_sched_job_reason_text(s, sid[i], text, sizeof text,
                                         NULL) != GS_OK)
                snprintf(text, sizeof text, "waiting");
            if (!(d->reason = strdup(text)))
                goto oom;
        }
    }
    rc = 0;
    goto done;
oom:
    snprintf(why, cap, "out of memory");
done:
    r->decide_ms = ms_since(&t0);
    free(sid);
    free(held);
    free(req);
    free(owner);
    gs_sched_destroy(s);
    if (rc != 0)
        gss_result_free(r);
    return rc;
}
