/*
 * MIG placement cost (issue 17): one MIG decision on a 1,000-node
 * cluster.
 *
 * 1,000 nodes of 8 A100 80GB: on each, GPUs 0-1 hold fixed layouts
 * (3g.40gb,2g.20gb,1g.10gb and 1g.10gb x 7), GPUs 2-5 are dynamic, GPUs
 * 6-7 are not in MIG mode. Each policy fills the MIG GPUs to about 70%
 * of their compute slices with a mix of profiles, then we time:
 * - preview: gs_sched_preview of a profile, a different one each call
 *   (every MIG node evaluated; costs of known layouts are cached);
 * - start: submit, step (the job is placed, its instance made) and
 *   complete it, so that each decision sees a changed GPU.
 * Medians of per-call times.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "bench_util.h"

static const char *const profiles[] = {"1g.10gb", "2g.20gb", "3g.40gb",
                                       "4g.40gb", "1g.20gb", "7g.80gb"};
static const uint32_t slices[] = {1, 2, 3, 4, 1, 7};
static const double weight[] = {40, 20, 15, 10, 10, 5};
#define NP (sizeof profiles / sizeof *profiles)

static uint64_t rng(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static size_t draw(uint64_t *x)
{
    double total = 0;
    for (size_t i = 0; i < NP; i++)
        total += weight[i];
    double r = (double)(rng(x) % 1000000) / 1000000.0 * total;
    for (size_t i = 0; i < NP; i++) {
        if (r < weight[i])
            return i;
        r -= weight[i];
    }
    return 0;
}

int main(void)
{
    const char *json =
        "{\"templates\": {\"a8\": {\"numa\": [{\"cpus\": \"0-127\", "
        "\"memory\": \"2TiB\"}], \"gpus\": {\"count\": 8, \"model\": "
        "\"NVIDIA A100-SXM4-80GB\", \"memory\": \"80GiB\", \"numa\": 0}}},"
        " \"nodes\": [{\"name\": \"n[0000-0999]\", \"template\": \"a8\", "
        "\"mig\": [\"3g.40gb,2g.20gb,1g.10gb\", \"1g.10gb,1g.10gb,1g.10gb,"
        "1g.10gb,1g.10gb,1g.10gb,1g.10gb\", \"dynamic\", \"dynamic\", "
        "\"dynamic\", \"dynamic\", null, null]}]}";
    gs_topo *t = NULL;
    if (gs_topo_load_buffer(&t, json, strlen(json), "bench", NULL) != GS_OK) {
        fprintf(stderr, "topology: %s\n", gs_topo_errmsg(t));
        return 1;
    }
    static const char *const pol[] = {"first-fit", "best-fit", "spread",
                                      "nvlink-pack", "fgd", "frag-aware"};
    /* compute slices of the MIG GPUs: 2 fixed (6 and 7) + 4 x 7 */
    double cap = 1000.0 * (6 + 7 + 4 * 7);
    printf("MIG decisions on %u nodes, %u GPUs, 6,000 in MIG mode "
           "(medians, us)\n",
           gs_topo_node_count(t), gs_topo_gpu_count(t));
    printf("%-12s %8s %10s %10s\n", "policy", "load", "preview", "start");
    for (size_t p = 0; p < sizeof pol / sizeof *pol; p++) {
        gs_sched_config c = GS_SCHED_CONFIG_INIT;
        c.placement = pol[p];
        c.ordering = GS_ORDER_FIFO;
        gs_sched *s = NULL;
        if (gs_sched_create(&s, t, &c) != GS_OK) {
            fprintf(stderr, "%s\n", gs_sched_errmsg(s));
            return 1;
        }
        uint64_t x = 88172645463325252ull;
        double load = 0;
        int64_t now = 0;
        int misses = 0;
        while (load < 0.7 * cap && misses < 1000) {
            size_t k = draw(&x);
            gs_job_spec spec;
            gs_job_spec_init(&spec);
            spec.gpus = 1;
            spec.mig_profile = profiles[k];
            spec.submit_time = now;
            uint64_t id;
            if (gs_sched_submit(s, &spec, &id) != GS_OK)
                return 1;
            gs_sched_step(s, now, NULL);
            gs_job_info ji = GS_JOB_INFO_INIT;
            gs_sched_job_info(s, id, &ji);
            if (ji.state == GS_JOB_RUNNING) {
                load += slices[k];
            } else {
                gs_sched_cancel(s, id, now);
                misses++;
            }
            gs_sched_events_consume(s, gs_sched_event_count(s));
            now++;
        }
        enum { N = 2000 };
        static double v[N];
        uint32_t gpus[8];
        size_t cnt;
        for (int i = 0; i < N; i++) {
            gs_job_spec spec;
            gs_job_spec_init(&spec);
            spec.gpus = 1;
            spec.mig_profile = profiles[i % 4];
            spec.submit_time = now;
            double t0 = bench_now();
            gs_sched_preview(s, &spec, gpus, 8, &cnt);
            v[i] = bench_now() - t0;
        }
        double preview = bench_median(v, N) * 1e6;
        for (int i = 0; i < N; i++) {
            gs_job_spec spec;
            gs_job_spec_init(&spec);
            spec.gpus = 1;
            spec.mig_profile = profiles[i % 4];
            spec.submit_time = now;
            uint64_t id;
            double t0 = bench_now();
            gs_sched_submit(s, &spec, &id);
            gs_sched_step(s, now, NULL);
            v[i] = bench_now() - t0;
            gs_sched_complete(s, id, now);
            gs_sched_events_consume(s, gs_sched_event_count(s));
            now++;
        }
        double start = bench_median(v, N) * 1e6;
        printf("%-12s %7.1f%% %10.2f %10.2f\n", pol[p],
               100.0 * load / cap, preview, start);
        gs_sched_destroy(s);
    }
    gs_topo_destroy(t);
    return 0;
}
