/*
 * gpusched-slurm's decision pass (integrations/slurm/gss_decide.c) without
 * Slurm: 64 DGX-1V-shaped nodes from a gres.conf with one Type per GPU,
 * half of their GPUs held by running jobs, and 1,000 held jobs of 1, 2, 4
 * and 8 GPUs and 2-node jobs. Target (docs/slurm.md): a pass decides in
 * at most 20 ms. Prints medians of several passes.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "bench_util.h"
#include "gss.h"

static const char *const links[8] = {
    "-1,1,1,2,2,0,0,0", "1,-1,2,1,0,2,0,0", "1,2,-1,2,0,0,1,0",
    "2,1,2,-1,0,0,0,1", "2,0,0,0,-1,1,1,2", "0,2,0,0,1,-1,2,1",
    "0,0,1,0,1,2,-1,2", "0,0,0,1,2,1,2,-1"};

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (!d)
        abort();
    memcpy(d, s, n);
    return d;
}

static void run(uint32_t nodes, uint32_t n_held, int reps)
{
    bench_text g = {0};
    for (int k = 0; k < 8; k++)
        bench_printf(&g,
                     "NodeName=n[001-%03u] Name=gpu Type=g%d File=/dev/"
                     "nvidia%d Cores=%s Links=%s\n",
                     nodes, k, k, k < 4 ? "0-19" : "20-39", links[k]);
    gs_load_options o;
    gs_load_options_init(&o);
    o.format = GS_FORMAT_SLURM_GRES;
    gs_topo *t = NULL;
    if (gs_topo_load_buffer(&t, g.s, g.len, "gres.conf", &o) != GS_OK) {
        fprintf(stderr, "%s\n", gs_topo_errmsg(t));
        exit(1);
    }
    free(g.s);
    gss_snapshot s;
    memset(&s, 0, sizeof s);
    s.now = 100000;
    s.nodes = calloc(nodes, sizeof *s.nodes);
    s.jobs = calloc(nodes * 2 + n_held, sizeof *s.jobs);
    if (!s.nodes || !s.jobs)
        abort();
    for (uint32_t n = 0; n < nodes; n++) {
        char name[16];
        snprintf(name, sizeof name, "n%03u", n + 1);
        s.nodes[n].name = dupstr(name);
        s.nodes[n].usable = true;
        s.n_nodes++;
        /* two running jobs per node: GPUs {0,3} and {4,5} */
        for (int r = 0; r < 2; r++) {
            gss_job *j = &s.jobs[s.n_jobs++];
            j->id = (uint32_t)s.n_jobs;
            j->kind = GSS_JOB_RUNNING;
            j->submit = 1000;
            j->end = s.now + 600 + (int64_t)n * 7;
            j->user = dupstr("u1");
            j->comment = dupstr("");
            j->nodes = calloc(1, sizeof *j->nodes);
            j->n_nodes = 1;
            j->nodes[0].name = dupstr(name);
            j->nodes[0].gpus = calloc(2, sizeof(uint32_t));
            j->nodes[0].n_gpus = 2;
            j->nodes[0].gpus[0] = r ? 4 : 0;
            j->nodes[0].gpus[1] = r ? 5 : 3;
        }
    }
    static const char *const reqs[] = {
        "gpusched:v1 job=gres:gpu:1", "gpusched:v1 job=gres:gpu:2",
        "gpusched:v1 job=gres:gpu:4", "gpusched:v1 job=gres:gpu:8",
        "gpusched:v1 node=gres:gpu:8"};
    for (uint32_t h = 0; h < n_held; h++) {
        gss_job *j = &s.jobs[s.n_jobs++];
        j->id = (uint32_t)s.n_jobs;
        j->kind = GSS_JOB_HELD;
        j->submit = 2000 + h;
        j->time_limit = 3600;
        char user[16];
        snprintf(user, sizeof user, "u%u", h % 20);
        j->user = dupstr(user);
        j->comment = dupstr("");
        int k = (int)(h % 5);
        char why[128];
        if (gss_request_parse(reqs[k], &j->req, why, sizeof why) != 0)
            abort();
        j->min_nodes = k == 4 ? 2 : 1;
        j->max_nodes = j->min_nodes;
        /* a partition and constraint that cover every node: placed by
         * gpusched, not given back to Slurm */
        j->partition_ok = true;
        j->features_ok = true;
    }
    double *ms = calloc((size_t)reps, sizeof *ms);
    size_t started = 0;
    for (int r = 0; r < reps; r++) {
        gss_options opt = {NULL, GS_ORDER_MULTIFACTOR, GS_BACKFILL_EASY,
                           NULL};
        gss_result res;
        char why[256];
        double t0 = bench_now();
        if (gss_decide(t, &s, &opt, &res, why, sizeof why) != 0) {
            fprintf(stderr, "gss_decide: %s\n", why);
            exit(1);
        }
        ms[r] = (bench_now() - t0) * 1e3;
        started = 0;
        for (size_t i = 0; i < res.n; i++)
            started += res.d[i].start;
        if (r == 0 && getenv("BENCH_DEBUG")) {
            for (size_t i = 0; i < res.n_notes && i < 3; i++)
                fprintf(stderr, "note: %s\n", res.notes[i]);
            for (size_t i = 0; i < res.n && i < 3; i++)
                fprintf(stderr, "job %u: %s\n", res.d[i].job,
                        res.d[i].reason ? res.d[i].reason : "start");
        }
        gss_result_free(&res);
    }
    if (started == 0) {
        fprintf(stderr, "bench_slurm_decide: no job started: the pass did "
                        "not decide anything\n");
        exit(1);
    }
    printf("%4u nodes, %4u running, %5u held: decide median %7.2f ms "
           "(%zu start), target <= 20 ms\n",
           nodes, nodes * 2, n_held, bench_median(ms, (size_t)reps), started);
    free(ms);
    gss_snapshot_free(&s);
    gs_topo_destroy(t);
}

int main(void)
{
    run(16, 100, 21);
    run(64, 1000, 21);
    run(256, 4000, 7);
    return 0;
}
