/*
 * Shared-GPU placement cost (issue 17: one fractional placement on a
 * 1,000-node cluster within 50 us).
 *
 * A cluster shaped like Alibaba's 2023 GPU cluster: 600 nodes of 8 GPUs
 * (96 CPUs) and 400 of 2 GPUs (104 CPUs), 5,600 GPUs. Each policy fills
 * it to about 70% with a job mix like the trace's (whole GPUs, and shares
 * of 0.81, 0.47, 0.32, 0.65, 0.23 GPU), then we time:
 * - same kind: gs_sched_preview of one kind of share, again and again
 *   (the per-node answers are cached while nodes do not change);
 * - kinds change: a different kind each call (every node evaluated);
 * - start: submit, step (the job is placed and starts) and complete it,
 *   so that each decision sees a changed node.
 * Medians of per-call times.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "bench_util.h"

static gs_topo *alibaba_like(void)
{
    const char *json =
        "{\"nodes\": ["
        "{\"name\": \"g[0-599]\", \"numa\": [{\"cpus\": \"0-95\", "
        "\"memory\": \"384GiB\"}], \"gpus\": {\"count\": 8, \"model\": "
        "\"G2\", \"memory\": \"32GiB\", \"numa\": 0}, \"matrix\": ["
        "\"X NV1 NV1 NV2 NV2 SYS SYS SYS\", \"NV1 X NV2 NV1 SYS NV2 SYS SYS\","
        "\"NV1 NV2 X NV2 SYS SYS NV1 SYS\", \"NV2 NV1 NV2 X SYS SYS SYS NV1\","
        "\"NV2 SYS SYS SYS X NV1 NV1 NV2\", \"SYS NV2 SYS SYS NV1 X NV2 NV1\","
        "\"SYS SYS NV1 SYS NV1 NV2 X NV2\", \"SYS SYS SYS NV1 NV2 NV1 NV2 X\""
        "]},"
        "{\"name\": \"t[0-399]\", \"numa\": [{\"cpus\": \"0-103\", "
        "\"memory\": \"512GiB\"}], \"gpus\": {\"count\": 2, \"model\": "
        "\"T4\", \"memory\": \"16GiB\", \"numa\": 0}, \"matrix\": "
        "[\"X PHB\", \"PHB X\"]}]}";
    gs_topo *t = NULL;
    if (gs_topo_load_buffer(&t, json, strlen(json), "bench", NULL) != GS_OK) {
        fprintf(stderr, "topology: %s\n", gs_topo_errmsg(t));
        exit(1);
    }
    return t;
}

typedef struct kind {
    uint32_t gpus, milli, cpus;
    double weight;
} kind;

/* The trace's most common GPU requests (openb_pod_list_default.csv). */
static const kind mix[] = {{1, 1000, 12, 39}, {1, 810, 6, 11}, {1, 470, 6, 8},
                           {1, 320, 4, 3},    {1, 650, 8, 3},  {1, 230, 4, 2},
                           {1, 460, 6, 2},    {8, 1000, 64, 1}};
#define NMIX (sizeof mix / sizeof *mix)

static uint64_t rng(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static const kind *draw(uint64_t *x)
{
    double total = 0;
    for (size_t i = 0; i < NMIX; i++)
        total += mix[i].weight;
    double r = (double)(rng(x) % 1000000) / 1000000.0 * total;
    for (size_t i = 0; i < NMIX; i++) {
        if (r < mix[i].weight)
            return &mix[i];
        r -= mix[i].weight;
    }
    return &mix[0];
}

static void spec_of(const kind *k, gs_job_spec *spec, int64_t t)
{
    gs_job_spec_init(spec);
    spec->gpus = k->gpus;
    spec->gpu_milli = k->milli;
    spec->cpus_per_gpu = k->cpus / k->gpus;
    spec->submit_time = t;
}

int main(void)
{
    static const char *const pol[] = {"first-fit", "best-fit", "spread",
                                      "nvlink-pack", "fgd", "frag-aware"};
    gs_topo *t = alibaba_like();
    printf("shared-GPU decisions on %u nodes, %u GPUs (medians, us)\n",
           gs_topo_node_count(t), gs_topo_gpu_count(t));
    printf("%-12s %8s %10s %12s %10s\n", "policy", "load", "same kind",
           "kinds change", "start");
    for (size_t p = 0; p < sizeof pol / sizeof *pol; p++) {
        gs_sched_config c = GS_SCHED_CONFIG_INIT;
        c.placement = pol[p];
        c.ordering = GS_ORDER_FIFO;
        gs_sched *s = NULL;
        if (gs_sched_create(&s, t, &c) != GS_OK) {
            fprintf(stderr, "%s\n", gs_sched_errmsg(s));
            return 1;
        }
        /* fill to about 70% of the GPU capacity */
        uint64_t x = 88172645463325252ull;
        double load = 0, cap = gs_topo_gpu_count(t);
        int64_t now = 0;
        while (load < 0.7 * cap) {
            gs_job_spec spec;
            const kind *k = draw(&x);
            spec_of(k, &spec, now);
            uint64_t id;
            if (gs_sched_submit(s, &spec, &id) != GS_OK)
                return 1;
            gs_sched_step(s, now, NULL);
            gs_job_info ji = GS_JOB_INFO_INIT;
            gs_sched_job_info(s, id, &ji);
            if (ji.state == GS_JOB_RUNNING)
                load += k->gpus * k->milli / 1000.0;
            else
                gs_sched_cancel(s, id, now);
            gs_sched_events_consume(s, gs_sched_event_count(s));
            now++;
        }
        enum { N = 2000 };
        static double v[N];
        uint32_t gpus[8];
        size_t cnt;
        gs_job_spec spec;
        spec_of(&mix[2], &spec, now);
        for (int i = 0; i < N; i++) {
            double t0 = bench_now();
            gs_sched_preview(s, &spec, gpus, 8, &cnt);
            v[i] = bench_now() - t0;
        }
        double same = bench_median(v, N) * 1e6;
        for (int i = 0; i < N; i++) {
            spec_of(&mix[1 + i % 6], &spec, now);
            spec.cpus_per_gpu += (uint32_t)(i % 5); /* another kind */
            double t0 = bench_now();
            gs_sched_preview(s, &spec, gpus, 8, &cnt);
            v[i] = bench_now() - t0;
        }
        double change = bench_median(v, N) * 1e6;
        for (int i = 0; i < N; i++) {
            spec_of(&mix[1 + i % 6], &spec, now);
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
        printf("%-12s %7.1f%% %10.2f %12.2f %10.2f\n", pol[p],
               100.0 * load / cap, same, change, start);
        gs_sched_destroy(s);
    }
    gs_topo_destroy(t);
    return 0;
}
