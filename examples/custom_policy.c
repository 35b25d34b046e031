/*
 * A placement policy of your own: "cool-first" keeps jobs off GPUs you name
 * as running hot (or reserved), using them only when nothing else fits.
 *
 * It shows the whole plugin ABI: a const ops table with designated
 * initializers, options parsed into per-scheduler state by init, place
 * answering through the context (gs_place_gpu_usable,
 * gs_place_node_capacity), a reason when it cannot place, and the optional
 * job_started/job_ended hooks.
 *
 *   cc custom_policy.c $(pkg-config --cflags --libs gpusched)
 *   ./a.out            (exits 0 when every decision is the expected one)
 * SPDX-License-Identifier: Apache-2.0
 */
#include <gpusched/gpusched.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cool_state {
    unsigned char *hot; /* per cluster-wide GPU */
    uint32_t gpus;
    unsigned started, ended;
} cool_state;

/* options: "hot=3,7" lists cluster-wide GPU ids to avoid */
static gs_status cool_init(void **state, const gs_topo *topo,
                           const char *options)
{
    cool_state *st = calloc(1, sizeof *st);
    if (!st)
        return GS_ENOMEM;
    st->gpus = gs_topo_gpu_count(topo);
    st->hot = calloc(st->gpus + 1, 1);
    if (!st->hot) {
        free(st);
        return GS_ENOMEM;
    }
    if (options && strncmp(options, "hot=", 4) == 0) {
        for (const char *p = options + 4; *p;) {
            char *end;
            unsigned long g = strtoul(p, &end, 10);
            if (end == p || g >= st->gpus) {
                free(st->hot);
                free(st);
                return GS_EINVAL; /* the scheduler refuses to start */
            }
            st->hot[g] = 1;
            p = *end == ',' ? end + 1 : end;
        }
    }
    *state = st;
    return GS_OK;
}

static void cool_destroy(void *state)
{
    cool_state *st = state;
    if (st)
        free(st->hot);
    free(st);
}

/* One node only: the first node that fits, cool GPUs first, then hot. */
static gs_status cool_place(void *state, gs_place_ctx *ctx,
                            const gs_place_request *req, uint32_t *gpus)
{
    cool_state *st = state;
    const gs_topo *topo = gs_place_topo(ctx);
    if (req->n_required || req->min_nodes > 1 || req->gpus_per_node) {
        gs_place_set_reason(ctx, "cool-first places whole jobs on one node");
        return GS_ENORES;
    }
    for (uint32_t node = 0; node < gs_topo_node_count(topo); node++) {
        if (gs_place_node_capacity(ctx, node) < req->gpus)
            continue;
        uint32_t first = gs_topo_node_first_gpu(topo, node), n = 0;
        for (int pass = 0; pass < 2 && n < req->gpus; pass++)
            for (uint32_t i = 0; i < gs_topo_node_gpu_count(topo, node) &&
                                 n < req->gpus;
                 i++) {
                uint32_t g = first + i;
                if (st->hot[g] == pass && gs_place_gpu_usable(ctx, g))
                    gpus[n++] = g;
            }
        return GS_OK;
    }
    gs_place_set_reason(ctx, "no node has enough usable GPUs");
    return GS_ENORES;
}

static void cool_started(void *state, uint64_t job, const uint32_t *gpus,
                         size_t n)
{
    (void)job;
    (void)gpus;
    (void)n;
    ((cool_state *)state)->started++;
}

static void cool_ended(void *state, uint64_t job, const uint32_t *gpus,
                       size_t n)
{
    (void)job;
    (void)gpus;
    (void)n;
    ((cool_state *)state)->ended++;
}

static const gs_placement_ops cool_first = {
    .abi_version = GS_PLACEMENT_ABI_VERSION,
    .name = "cool-first",
    .description = "avoid GPUs named hot in the options unless needed",
    .init = cool_init,
    .destroy = cool_destroy,
    .place = cool_place,
    .job_started = cool_started,
    .job_ended = cool_ended,
};

static int expect(const char *what, const char *got, const char *want)
{
    printf("%-28s %s\n", what, got);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "unexpected: %s is %s, expected %s\n", what, got,
                want);
        return 1;
    }
    return 0;
}

int main(void)
{
    int bad = 0;
    if (gs_placement_register(&cool_first) != GS_OK) {
        fprintf(stderr, "cannot register cool-first\n");
        return 1;
    }
    bad |= gs_placement_register(&cool_first) != GS_EEXIST;
    gs_topo *topo = NULL;
    if (gs_topo_load(&topo, "dgx1-v100", NULL) != GS_OK) {
        fprintf(stderr, "%s\n", gs_topo_errmsg(topo));
        gs_topo_destroy(topo);
        return 1;
    }
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.placement = "cool-first";
    cfg.placement_options = "hot=0,1";
    gs_sched *s = NULL;
    if (gs_sched_create(&s, topo, &cfg) != GS_OK) {
        fprintf(stderr, "%s\n", gs_sched_errmsg(s));
        return 1;
    }
    uint64_t a, b;
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 2;
    gs_sched_submit(s, &spec, &a); /* cool GPUs 2,3 */
    spec.gpus = 6;
    gs_sched_submit(s, &spec, &b); /* 4-7, then hot 0,1 */
    gs_sched_step(s, 0, NULL);
    char cvd[64] = "";
    gs_sched_cuda_visible_devices(s, a, 0, 0, cvd, sizeof cvd, NULL);
    bad |= expect("job 1 (2 GPUs)", cvd, "2,3");
    gs_sched_cuda_visible_devices(s, b, 0, 0, cvd, sizeof cvd, NULL);
    bad |= expect("job 2 (6 GPUs)", cvd, "0,1,4,5,6,7");
    gs_sched_complete(s, a, 1);
    bad |= gs_sched_check(s) != GS_OK;
    gs_sched_destroy(s);

    /* bad options: the policy's init refuses, and the scheduler says so */
    cfg.placement_options = "hot=99";
    gs_status st = gs_sched_create(&s, topo, &cfg);
    printf("%-28s %s\n", "options hot=99", gs_sched_errmsg(s));
    bad |= st != GS_EINVAL;
    gs_sched_destroy(s);
    bad |= gs_placement_unregister("cool-first") != GS_OK;
    bad |= gs_placement_find("cool-first") != NULL;
    bad |= gs_placement_unregister("nvlink-pack") != GS_EINVAL;
    gs_topo_destroy(topo);
    printf("%s\n", bad ? "FAILED" : "ok");
    return bad;
}
