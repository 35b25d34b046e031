/*
 * gpusched tour: the README's main job. Looks at this machine with the
 * probe (its GPUs when it has some, else why not), then shows a built-in
 * topology and why placement matters on it.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cli.h"

#include <string.h>

/* Best and worst quality among all k-subsets of a node's GPUs (brute
 * force: fine for the 8 GPUs of the tour's example). */
static void extremes(const gs_topo *t, uint32_t n, uint32_t k, uint32_t *best,
                     double *qbest, uint32_t *worst, double *qworst)
{
    *qbest = -1;
    *qworst = 1e300;
    uint32_t bmask = 0;
    for (uint32_t mask = 0; mask < (1u << n); mask++) {
        if ((uint32_t)__builtin_popcount(mask) != k)
            continue;
        uint32_t set[32], m = 0;
        for (uint32_t i = 0; i < n; i++)
            if (mask & (1u << i))
                set[m++] = i;
        double q;
        if (gs_topo_quality(t, set, m, &q) != GS_OK)
            continue;
        /* ties go to the lowest indices, as in placement */
        if (q > *qbest) {
            *qbest = q;
            bmask = mask;
            memcpy(best, set, m * sizeof *set);
        } else if (q == *qbest) {
            uint32_t d = mask ^ bmask;
            if (mask & d & (~d + 1)) {
                bmask = mask;
                memcpy(best, set, m * sizeof *set);
            }
        }
        if (q < *qworst) {
            *qworst = q;
            memcpy(worst, set, m * sizeof *set);
        }
    }
}

static void print_set(const uint32_t *s, uint32_t k)
{
    putchar('{');
    for (uint32_t i = 0; i < k; i++)
        printf(i ? ",%u" : "%u", s[i]);
    putchar('}');
}

/* Section 1: the probe (gs_topo_probe). With GPUs: this machine's
 * matrix, its GPUs and, with two or more, its best and worst GPU sets;
 * without: why not, and the tour goes on with the built-in topology. */
static void local_machine(const char *fallback, const char *kind)
{
    printf("1. This machine (gpusched probe: the CUDA driver, NVML and "
           "hwloc)\n\n");
    gs_probe_options o;
    gs_probe_options_init(&o);
    gs_probe_report *r = NULL;
    o.report = &r;
    gs_topo *t = NULL;
    gs_status st = gs_topo_probe(&t, &o);
    if (st != GS_OK) {
        printf("   No GPU found here: %s.\n   The tour goes on with %s, "
               "%s.\n\n",
               t && gs_topo_errmsg(t)[0] ? gs_topo_errmsg(t)
                                         : gs_strerror(st),
               kind, fallback);
    } else {
        uint32_t n = gs_topo_gpu_count(t);
        printf("   %u GPU%s found:\n\n", n, n == 1 ? "" : "s");
        cli_print_probe_summary(stdout, r);
        putchar('\n');
        cli_print_topo(stdout, t, 0, 0);
        putchar('\n');
        cli_print_probe_gpus(stdout, t, r, false);
        if (n >= 4 && n <= 16) {
            uint32_t best[32], worst[32];
            double qb, qw;
            extremes(t, n, n / 2, best, &qb, worst, &qw);
            printf("\n   Best %u of its GPUs: ", n / 2);
            print_set(best, n / 2);
            printf(" Q=%g GB/s; worst: ", qb);
            print_set(worst, n / 2);
            printf(" Q=%g GB/s.\n", qw);
        }
        printf("\n   The rest of the tour uses %s, %s, so that it reads "
               "the\n   same everywhere.\n\n",
               kind, fallback);
    }
    gs_probe_report_destroy(r);
    gs_topo_destroy(t);
}

/* Run jobs of the given sizes in turn (none ends) and print each one's
 * GPUs and quality. */
static void stream(const gs_topo *t, const char *policy, const uint32_t *sizes,
                   size_t n)
{
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.placement = policy;
    gs_sched *s = NULL;
    if (gs_sched_create(&s, t, &cfg) != GS_OK) {
        gs_sched_destroy(s);
        return;
    }
    printf("   %-12s", policy);
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        gs_job_spec spec;
        gs_job_spec_init(&spec);
        spec.gpus = sizes[i];
        uint64_t id;
        char cvd[64] = "-";
        if (gs_sched_submit(s, &spec, &id) == GS_OK &&
            gs_sched_step(s, 0, NULL) == GS_OK &&
            gs_sched_cuda_visible_devices(s, id, 0, 0, cvd, sizeof cvd,
                                          NULL) == GS_OK) {
            uint32_t g[16];
            size_t k = 0;
            gs_sched_alloc_gpus(s, id, 0, g, 16, &k);
            double q = 0;
            gs_topo_quality(t, g, k, &q);
            total += q;
        }
        printf(" {%s}", cvd);
    }
    printf("  total Q=%g\n", total);
    gs_sched_destroy(s);
}

static int tour(cli_args *a)
{
    const char *tname =
        cli_given(a, CLI_O_TOPO) ? a->val[CLI_O_TOPO] : "dgx1-v100";
    /* loaded first: a wrong name fails before the tour begins */
    gs_topo *t = cli_load_topo(a, tname);
    if (!t)
        return CLI_FAIL;
    bool builtin = false;
    for (size_t i = 0; i < gs_template_count(); i++)
        builtin |= !strcmp(gs_template_name(i), tname);
    const char *kind = builtin ? "a built-in topology" : "the topology";
    printf("gpusched %s: a short tour\n\n", gs_version_string());
    local_machine(tname, kind);
    printf("2. %s: %s\n\n", builtin ? "A built-in topology" : "The topology",
           tname);
    int rc = cli_print_topo(stdout, t, gs_topo_node_count(t) == 1 ? 0 : GS_NONE,
                            GS_MATRIX_LEGEND);
    uint32_t n = gs_topo_node_gpu_count(t, 0);
    if (rc == CLI_OK && n >= 2 && n <= 16) {
        printf("\n3. Why placement matters: Q(S) is the sum of the GPU-pair "
               "bandwidths of a set\n   (GB/s, one direction). Best and worst "
               "sets on one node:\n\n");
        for (uint32_t k = 2; k <= n / 2; k *= 2) {
            uint32_t best[32], worst[32];
            double qb, qw;
            extremes(t, n, k, best, &qb, worst, &qw);
            printf("   %u GPUs: best ", k);
            print_set(best, k);
            printf(" Q=%g, worst ", qb);
            print_set(worst, k);
            printf(" Q=%g (%.1fx less)\n", qw, qw > 0 ? qb / qw : 0.0);
        }
        static const uint32_t sizes[] = {1, 1, 2, 2, 2};
        printf("\n4. Jobs of 1, 1, 2, 2 and 2 GPUs arrive in turn; none "
               "ends. Where they go:\n\n");
        stream(t, "first-fit", sizes, 5);
        stream(t, "nvlink-pack", sizes, 5);
        printf("\n   nvlink-pack fills broken NVLink groups before "
               "breaking intact ones, so\n   every 2-GPU job gets an "
               "NVLink pair.\n");
        /* one command a line, whole: they are copied and pasted */
        printf("\nTry:\n"
               "  gpusched topo templates\n"
               "  gpusched topo show dgx-h100\n"
               "  gpusched place --topo dgx1-v100 --free 0,2,4,5 --gpus 2\n"
               "  gpusched topo show FILE --json\n"
               "  gpusched --help\n");
    }
    gs_topo_destroy(t);
    return rc;
}

static const cli_option tour_options[] = {
    CLI_OPTION_TOPO("dgx1-v100", 0),
    {.name = NULL}};
static const int tour_positional[] = {CLI_O_TOPO, -1};

const cli_command cli_cmd_tour = {
    .path = "tour",
    .synopsis = "[[--topo] SRC] [options]",
    .summary = "look at this machine, then at a built-in topology",
    .description =
        "A short guided look: this machine's GPUs through the probe (or why "
        "there are none), then a topology's GPU matrix, its best and worst "
        "GPU sets, and where successive jobs go under two placement "
        "policies. The tour is text for people; the other commands have "
        "--json.",
    .options = tour_options,
    .groups = CLI_GROUP_TOPO | CLI_GROUP_INPUT,
    .positional = tour_positional,
    .exit_status = "0 shown (also without a GPU), 1 the topology cannot be "
                   "read, 2 bad arguments.",
    .examples = "gpusched tour\n"
                "gpusched tour dgx-h100",
    .run = tour,
};
