/*
 * gpusched place: one-shot placement decisions, e.g. for a device plugin.
 *
 *   gpusched place --topo SRC --gpus N[,N...] [--free LIST | --busy LIST]
 *                  [--require LIST] [--placement NAME] [--pattern P]
 *                  [--numa MODE] [--demand LIST] [--no-lookahead]
 *                  [--json] [--out FILE]
 *
 * Several sizes are successive jobs; none is freed. Each job prints one
 * line: its GPUs ("0,4"), or an empty line (and the reason on stderr); with
 * --pattern, each placed job's bandwidth model goes to stderr too. With
 * --json, one document (docs/cli.md) that has the quality and the model. Exit 0 when every job was placed, 3
 * when one could not be, 2 for bad arguments, 1 when the topology cannot
 * be loaded.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#define MAX_JOBS 256

enum { PLACE_GPUS, PLACE_FREE, PLACE_BUSY, PLACE_REQUIRE, PLACE_POLICY };
static const cli_option place_options[] = {
    CLI_OPTION_TOPO(NULL, CLI_REQUIRED),
    {PLACE_GPUS, "--gpus", NULL, "N[,N...]", NULL,
     "GPUs each job asks for; several sizes are successive jobs, none of "
     "which ends (at most 256)",
     CLI_REQUIRED},
    {PLACE_FREE, "--free", NULL, "LIST", "every GPU",
     "the GPUs that are free, like 0,2,4-5 (cluster-wide indices when the "
     "topology has several nodes)",
     0},
    {PLACE_BUSY, "--busy", NULL, "LIST", "none",
     "the GPUs that are in use (instead of --free)", 0},
    {PLACE_REQUIRE, "--require", NULL, "LIST", "none",
     "GPUs the first job must include", 0},
    CLI_OPTION_PLACEMENT(PLACE_POLICY),
    CLI_OPTION_PATTERN("any",
                       "how the jobs communicate, which sets the bandwidth "
                       "model placement maximizes: any (Q(S), the sum of "
                       "the pair bandwidths), ring (ring all-reduce), "
                       "all-to-all, chain (pipeline) or none; with it, "
                       "each job's model goes to standard error"),
    CLI_OPTIONS_TUNING,
    CLI_OPTION_JSON("write one JSON document: {\"placements\": [{\"job\", "
                    "\"gpus_requested\", \"gpus\", \"nodes\", \"quality\", "
                    "\"pattern\", \"bandwidth\", \"reason\"}...], "
                    "\"placed\", \"not_placed\"}"),
    CLI_OPTION_OUT,
    {.name = NULL}};

static int parse_sizes(cli_args *a, uint32_t *sizes, uint32_t *nsizes)
{
    const char *s = a->val[PLACE_GPUS];
    *nsizes = 0;
    for (const char *p = s;;) {
        char num[24];
        size_t w = strspn(p, "0123456789");
        uint64_t v = 0;
        if (w && w < sizeof num) {
            memcpy(num, p, w);
            num[w] = '\0';
        }
        if (!w || w >= sizeof num ||
            cli_parse_u64(num, UINT32_MAX, &v) != 0 || v == 0 ||
            (p[w] && p[w] != ',') || (p[w] == ',' && !p[w + 1]))
            return cli_usage_error(a, "--gpus '%s': want GPU counts from 1 "
                                      "to 4294967295, like 2 or 1,1,2",
                                   s);
        if (*nsizes == MAX_JOBS)
            return cli_usage_error(a, "--gpus '%s': at most %d jobs", s,
                                   MAX_JOBS);
        sizes[(*nsizes)++] = (uint32_t)v;
        if (!p[w])
            return CLI_OK;
        p += w + 1;
    }
}

/* What a job got: its GPUs (m of them, none when not placed), the set's
 * quality Q(S) and the bandwidth model of its pattern. */
typedef struct place_result {
    uint32_t job, asked;
    const uint32_t *got;
    size_t m;
    double q, bandwidth;
    gs_comm_pattern pattern;
    const char *reason;
} place_result;

static void print_result(cli_args *a, const gs_topo *t, const place_result *r)
{
    FILE *f = a->out;
    if (!cli_given(a, CLI_O_JSON)) {
        for (size_t i = 0; i < r->m; i++)
            fprintf(f, i ? ",%u" : "%u", r->got[i]);
        fputc('\n', f);
        return;
    }
    fprintf(f, "%s\n  {\"job\": %u, \"gpus_requested\": %u, \"gpus\": [",
            r->job > 1 ? "," : "", r->job, r->asked);
    for (size_t i = 0; i < r->m; i++)
        fprintf(f, i ? ", %u" : "%u", r->got[i]);
    fputs("], \"nodes\": [", f);
    uint32_t last = GS_NONE;
    for (size_t i = 0; i < r->m; i++) {
        uint32_t node = gs_topo_gpu_node(t, r->got[i]);
        if (node == last)
            continue;
        fputs(last == GS_NONE ? "" : ", ", f);
        cli_json_string(f, gs_topo_node_name(t, node));
        last = node;
    }
    fputs("], \"quality\": ", f);
    if (r->m)
        cli_json_number(f, r->q);
    else
        fputs("null", f);
    fprintf(f, ", \"pattern\": \"%s\", \"bandwidth\": ",
            gs_pattern_name(r->pattern));
    if (r->m)
        cli_json_number(f, r->bandwidth);
    else
        fputs("null", f);
    fputs(", \"reason\": ", f);
    if (r->m)
        fputs("null", f);
    else
        cli_json_string(f, r->reason);
    fputc('}', f);
}

static int place(cli_args *a)
{
    const char *policy =
        cli_given(a, PLACE_POLICY) ? a->val[PLACE_POLICY] : "nvlink-pack";
    if (cli_given(a, PLACE_FREE) && cli_given(a, PLACE_BUSY))
        return cli_usage_error(a, "give --free or --busy, not both");
    uint32_t sizes[MAX_JOBS], nsizes = 0;
    if (parse_sizes(a, sizes, &nsizes) != CLI_OK)
        return CLI_USAGE;
    if (cli_check_placement(a, policy) != CLI_OK)
        return CLI_USAGE;
    gs_comm_pattern pattern;
    cli_tuning tuning;
    if (cli_parse_pattern_option(a, &pattern) != CLI_OK ||
        cli_parse_tuning(a, &tuning) != CLI_OK)
        return CLI_USAGE;
    if (cli_open_output(a) != CLI_OK)
        return CLI_FAIL;
    gs_topo *t = cli_load_topo(a, a->val[CLI_O_TOPO]);
    if (!t)
        return CLI_FAIL;
    uint32_t n = gs_topo_gpu_count(t);
    unsigned char *busy = calloc(n + 1, 1), *req = calloc(n + 1, 1);
    uint32_t *req_ids = calloc(n + 1, sizeof *req_ids);
    uint32_t *got = calloc(n + 1, sizeof *got);
    gs_sched *s = NULL;
    int rc = CLI_OK;
    uint32_t placed = 0;
    if (!busy || !req || !req_ids || !got) {
        rc = cli_fail(a, "out of memory");
        goto out;
    }
    if (cli_given(a, PLACE_FREE)) {
        if (cli_parse_gpu_list(a, "--free", a->val[PLACE_FREE], n, busy) !=
            CLI_OK) {
            rc = CLI_USAGE;
            goto out;
        }
        for (uint32_t g = 0; g < n; g++)
            busy[g] = !busy[g];
    } else if (cli_given(a, PLACE_BUSY) &&
               cli_parse_gpu_list(a, "--busy", a->val[PLACE_BUSY], n,
                                  busy) != CLI_OK) {
        rc = CLI_USAGE;
        goto out;
    }
    size_t nreq = 0;
    if (cli_given(a, PLACE_REQUIRE)) {
        if (cli_parse_gpu_list(a, "--require", a->val[PLACE_REQUIRE], n,
                               req) != CLI_OK) {
            rc = CLI_USAGE;
            goto out;
        }
        for (uint32_t g = 0; g < n; g++)
            if (req[g])
                req_ids[nreq++] = g;
    }
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.placement = policy;
    if (gs_sched_create(&s, t, &cfg) != GS_OK) {
        rc = cli_fail(a, "%s", s ? gs_sched_errmsg(s) : "out of memory");
        goto out;
    }
    if ((rc = cli_apply_tuning(a, s, &tuning)) != CLI_OK)
        goto out;
    /* busy GPUs are taken out of service for these decisions */
    for (uint32_t g = 0; g < n; g++)
        if (busy[g])
            gs_sched_drain_gpu(s, g);
    if (cli_given(a, CLI_O_JSON))
        fputs("{\"placements\": [", a->out);
    for (uint32_t k = 0; k < nsizes; k++) {
        gs_job_spec spec;
        gs_job_spec_init(&spec);
        spec.gpus = sizes[k];
        spec.pattern = pattern;
        if (k == 0) {
            spec.require_gpus = req_ids;
            spec.n_require_gpus = nreq;
        }
        uint64_t job = 0;
        size_t m = 0;
        char reason[512] = "";
        gs_status st = gs_sched_submit(s, &spec, &job);
        if (st != GS_OK) {
            snprintf(reason, sizeof reason, "%s", gs_sched_errmsg(s));
        } else {
            gs_sched_step(s, 0, NULL);
            for (uint32_t i = 0; i < gs_sched_alloc_node_count(s, job); i++) {
                gs_alloc_node an;
                an.struct_size = sizeof an;
                gs_sched_alloc_node(s, job, i, &an);
                uint32_t first = gs_topo_node_first_gpu(t, an.node);
                size_t cnt = 0;
                gs_sched_alloc_gpus(s, job, i, got + m, n - m, &cnt);
                for (size_t g = 0; g < cnt; g++)
                    got[m + g] += first;
                m += cnt;
            }
            if (m == 0) {
                gs_sched_job_reason_text(s, job, reason, sizeof reason, NULL);
                gs_sched_cancel(s, job, 0);
            }
        }
        place_result r = {k + 1, sizes[k], got, m, 0, 0, pattern, reason};
        if (m) {
            gs_pattern_info pi = GS_PATTERN_INFO_INIT;
            st = gs_topo_pattern_bandwidth(t, got, m, pattern, &pi);
            if (st != GS_OK) {
                rc = cli_fail(a, "job %u: %s", k + 1, gs_strerror(st));
                goto out;
            }
            r.q = pi.q;
            r.bandwidth = pi.bandwidth;
        }
        print_result(a, t, &r);
        if (m && cli_given(a, CLI_O_PATTERN) && !cli_given(a, CLI_O_JSON)) {
            /* the line on standard output stays the GPUs alone */
            fprintf(stderr, "%s: job %u: %s ", a->prog, k + 1,
                    gs_pattern_name(pattern));
            cli_print_gbs(stderr, r.bandwidth);
            fputs(" GB/s, Q(S) ", stderr);
            cli_print_gbs(stderr, r.q);
            fputs(" GB/s\n", stderr);
        }
        if (m) {
            placed++;
        } else {
            fprintf(stderr, "%s: job %u (%u GPUs) not placed: %s\n", a->prog,
                    k + 1, sizes[k], reason);
            rc = 3;
        }
    }
    if (cli_given(a, CLI_O_JSON))
        fprintf(a->out, "\n], \"placed\": %u, \"not_placed\": %u}\n", placed,
                nsizes - placed);
out:
    gs_sched_destroy(s);
    gs_topo_destroy(t);
    free(busy);
    free(req);
    free(req_ids);
    free(got);
    return rc;
}

const cli_command cli_cmd_place = {
    .path = "place",
    .synopsis = "--topo SRC --gpus N[,N...] [--free LIST | --busy LIST] "
                "[options]",
    .summary = "choose GPUs for successive jobs (one-shot decisions)",
    .description =
        "Choose the GPUs of one job, or of several successive jobs (none of "
        "which ends), on a topology whose free GPUs you give: what a device "
        "plugin or a launcher asks. Each job prints a line with its GPUs, "
        "like 0,4, or an empty line when it cannot be placed (the reason "
        "goes to standard error). GPU indices are cluster-wide: a node's "
        "GPUs follow those of the nodes before it.\n\n"
        "--pattern says how the jobs communicate: placement maximizes that "
        "pattern's bandwidth model of the set (ring: the rings the links "
        "carry together; all-to-all: the weakest pair; chain: the best path; "
        "any: the sum of the pair bandwidths), and each placed job's model "
        "goes to standard error (with --json, into the document). --numa, "
        "--demand and --no-lookahead tune how nvlink-pack breaks ties among "
        "the job's best sets.",
    .options = place_options,
    .groups = CLI_GROUP_TOPO | CLI_GROUP_INPUT,
    .exit_status = "0 every job was placed, 3 one could not be (the others "
                   "still were), 1 the topology cannot be read or the "
                   "output written, 2 bad arguments.",
    .examples = "gpusched place --topo dgx1-v100 --free 0,2,4,5 --gpus 2\n"
                "gpusched place --topo dgx1-v100 --gpus 1,1,2,2,2 "
                "--placement first-fit\n"
                "gpusched place --topo dgx-h100 --busy 0-3 --require 4 "
                "--gpus 2 --json\n"
                "gpusched place --topo dgx1-v100 --gpus 5 --pattern ring\n"
                "gpusched place --topo dgx1-v100 --gpus 2,2 --demand "
                "4:ring,2:any:0.5 --numa strict",
    .run = place,
};
