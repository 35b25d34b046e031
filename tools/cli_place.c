/*
 * gpusched place: one-shot placement decisions, e.g. for a device plugin.
 *
 *   gpusched place --topo SRC [--free LIST | --busy LIST] [--require LIST]
 *                  --gpus N[,N...] [--policy NAME] [--json]
 *
 * Several sizes are successive jobs; none is freed. Each job prints one
 * line: its GPUs ("0,4"), or an empty line (and the reason on stderr). With
 * --json, one object per line: {"gpus": [0, 4], "quality": 50}. Exit 0 when
 * every job was placed, 3 when one could not be, 2 for bad arguments, 1
 * when the topology cannot be loaded.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#define MAX_JOBS 256

/* Parse "0,2,4-5" into a 0/1 array over n GPUs. */
static int parse_list(const char *what, const char *s, uint32_t n,
                      unsigned char *in)
{
    const char *p = s;
    while (*p) {
        char *end;
        unsigned long lo = strtoul(p, &end, 10), hi = lo;
        if (end == p || lo >= n) {
            fprintf(stderr, "gpusched place: %s \"%s\": bad GPU index at "
                            "\"%s\" (the topology has GPUs 0-%u)\n",
                    what, s, p, n ? n - 1 : 0);
            return -1;
        }
        p = end;
        if (*p == '-') {
            hi = strtoul(p + 1, &end, 10);
            if (end == p + 1 || hi >= n || hi < lo) {
                fprintf(stderr, "gpusched place: %s \"%s\": bad range at "
                                "\"%s\"\n",
                        what, s, p);
                return -1;
            }
            p = end;
        }
        for (unsigned long i = lo; i <= hi; i++)
            in[i] = 1;
        if (*p == ',')
            p++;
        else if (*p) {
            fprintf(stderr, "gpusched place: %s \"%s\": unexpected \"%s\"\n",
                    what, s, p);
            return -1;
        }
    }
    return 0;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: gpusched place --topo SRC [--free LIST | --busy LIST] "
            "[--require LIST]\n"
            "                      --gpus N[,N...] [--policy NAME] [--json] "
            "[topology options]\n"
            "LIST is GPU indices like 0,2,4-5 (cluster-wide ids when the "
            "topology has\nseveral nodes). --require applies to the first "
            "job.\n");
}

int cli_place(int argc, char **argv)
{
    const char *src = NULL, *free_s = NULL, *busy_s = NULL, *req_s = NULL;
    const char *sizes_s = NULL, *policy = "nvlink-pack";
    bool json = false;
    cli_topo_args ta;
    cli_topo_args_init(&ta);
    for (int i = 1; i < argc; i++) {
        int r = cli_topo_option("gpusched place", argc, argv, &i, &ta);
        if (r < 0)
            return CLI_USAGE;
        if (r > 0)
            continue;
        const char *a = argv[i];
        const char **dst = !strcmp(a, "--topo")      ? &src
                           : !strcmp(a, "--free")    ? &free_s
                           : !strcmp(a, "--busy")    ? &busy_s
                           : !strcmp(a, "--require") ? &req_s
                           : !strcmp(a, "--gpus")    ? &sizes_s
                           : !strcmp(a, "--policy")  ? &policy
                                                     : NULL;
        if (!strcmp(a, "--json")) {
            json = true;
        } else if (dst && i + 1 < argc) {
            *dst = argv[++i];
        } else {
            fprintf(stderr, "gpusched place: %s '%s'\n",
                    dst ? "missing value for" : "unknown argument", a);
            usage();
            return CLI_USAGE;
        }
    }
    if (!src || !sizes_s) {
        fprintf(stderr, "gpusched place: --topo and --gpus are required\n");
        usage();
        return CLI_USAGE;
    }
    if (free_s && busy_s) {
        fprintf(stderr, "gpusched place: give --free or --busy, not both\n");
        return CLI_USAGE;
    }
    uint32_t sizes[MAX_JOBS], nsizes = 0;
    for (const char *p = sizes_s; *p;) {
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p || v == 0 || v > 1000000 || nsizes == MAX_JOBS ||
            (*end && *end != ',')) {
            fprintf(stderr, "gpusched place: --gpus \"%s\": expected sizes "
                            "like 2 or 1,1,2\n",
                    sizes_s);
            return CLI_USAGE;
        }
        sizes[nsizes++] = (uint32_t)v;
        p = *end ? end + 1 : end;
    }
    if (!gs_placement_find(policy)) {
        fprintf(stderr, "gpusched place: unknown policy '%s' (", policy);
        for (size_t i = 0; i < gs_placement_count(); i++)
            fprintf(stderr, "%s%s", i ? ", " : "", gs_placement_name(i));
        fprintf(stderr, ")\n");
        return CLI_USAGE;
    }
    gs_topo *t = cli_load_topo("gpusched place", src, &ta);
    if (!t)
        return CLI_FAIL;
    uint32_t n = gs_topo_gpu_count(t);
    unsigned char *busy = calloc(n + 1, 1), *req = calloc(n + 1, 1);
    uint32_t *req_ids = calloc(n + 1, sizeof *req_ids);
    uint32_t *got = calloc(n + 1, sizeof *got);
    gs_sched *s = NULL;
    int rc = CLI_OK;
    if (!busy || !req || !req_ids || !got) {
        rc = CLI_FAIL;
        goto out;
    }
    if (free_s) {
        if (parse_list("--free", free_s, n, busy) < 0) {
            rc = CLI_USAGE;
            goto out;
        }
        for (uint32_t g = 0; g < n; g++)
            busy[g] = !busy[g];
    } else if (busy_s && parse_list("--busy", busy_s, n, busy) < 0) {
        rc = CLI_USAGE;
        goto out;
    }
    size_t nreq = 0;
    if (req_s) {
        if (parse_list("--require", req_s, n, req) < 0) {
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
        fprintf(stderr, "gpusched place: %s\n", gs_sched_errmsg(s));
        rc = CLI_FAIL;
        goto out;
    }
    /* busy GPUs are taken out of service for these decisions */
    for (uint32_t g = 0; g < n; g++)
        if (busy[g])
            gs_sched_drain_gpu(s, g);
    for (uint32_t k = 0; k < nsizes; k++) {
        gs_job_spec spec;
        gs_job_spec_init(&spec);
        spec.gpus = sizes[k];
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
            for (uint32_t a = 0; a < gs_sched_alloc_node_count(s, job); a++) {
                gs_alloc_node an;
                an.struct_size = sizeof an;
                gs_sched_alloc_node(s, job, a, &an);
                uint32_t first = gs_topo_node_first_gpu(t, an.node);
                size_t cnt = 0;
                gs_sched_alloc_gpus(s, job, a, got + m, n - m, &cnt);
                for (size_t i = 0; i < cnt; i++)
                    got[m + i] += first;
                m += cnt;
            }
            if (m == 0) {
                gs_sched_job_reason_text(s, job, reason, sizeof reason, NULL);
                gs_sched_cancel(s, job, 0);
            }
        }
        double q = 0;
        if (m)
            gs_topo_quality(t, got, m, &q);
        if (json) {
            printf("{\"gpus\": [");
            for (size_t i = 0; i < m; i++)
                printf(i ? ", %u" : "%u", got[i]);
            printf("], \"quality\": %g", q);
            if (!m) {
                printf(", \"reason\": \"");
                for (const char *c = reason; *c; c++)
                    printf(*c == '"' || *c == '\\' ? "\\%c" : "%c", *c);
                printf("\"");
            }
            printf("}\n");
        } else {
            for (size_t i = 0; i < m; i++)
                printf(i ? ",%u" : "%u", got[i]);
            printf("\n");
        }
        if (!m) {
            fprintf(stderr, "gpusched place: job %u (%u GPUs) not placed: "
                            "%s\n",
                    k + 1, sizes[k], reason);
            rc = 3;
        }
    }
out:
    gs_sched_destroy(s);
    gs_topo_destroy(t);
    free(busy);
    free(req);
    free(req_ids);
    free(got);
    return rc;
}
