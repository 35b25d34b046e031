/*
 * Topology figures (issue "Foundation"): building and freezing a
 * 10,000-node x 8-GPU cluster (target <= 100 ms, <= 256 bytes per GPU) and
 * loading the same from JSON (target <= 300 ms); and the readers on the
 * inputs of issue 10 item 7 that were super-linear (80,000 JSON keys,
 * a 109-byte file of 262,144 one-node racks, 100,000-deep switch chains,
 * a fat tree over a deep chain). Prints medians.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "bench_util.h"

#include <stdarg.h>

#define NODES 10000
#define RUNS 7

/* Every node from the dgx-h100 template. */
static gs_topo *build_template(void)
{
    gs_topo *t;
    gs_topo_create(&t);
    char name[32];
    for (int i = 0; i < NODES; i++) {
        snprintf(name, sizeof name, "gpu%05d", i + 1);
        if (gs_topo_add_template_node(t, "dgx-h100", name, NULL) != GS_OK)
            abort();
    }
    if (gs_topo_freeze(t) != GS_OK)
        abort();
    return t;
}

/* Every node described call by call (2 NUMA domains, 8 GPUs, 28 links),
 * optionally with a UUID per GPU, as an importer or a probe would. */
static gs_topo *build_explicit(int uuids)
{
    gs_topo *t;
    gs_topo_create(&t);
    char name[32], uuid[64];
    gs_link_info l;
    gs_link_info_init(&l);
    for (int i = 0; i < NODES; i++) {
        uint32_t n;
        snprintf(name, sizeof name, "gpu%05d", i + 1);
        gs_topo_add_node(t, name, &n);
        gs_topo_add_numa(t, n, "0-55,112-167", 1ull << 40, NULL);
        gs_topo_add_numa(t, n, "56-111,168-223", 1ull << 40, NULL);
        for (uint32_t g = 0; g < 8; g++) {
            gs_gpu_info gi;
            gs_gpu_info_init(&gi);
            gi.model = "NVIDIA H100 80GB HBM3";
            gi.memory_bytes = 80ull << 30;
            gi.cc_major = 9;
            gi.sm_count = 132;
            gi.numa = g / 4;
            if (uuids) {
                snprintf(uuid, sizeof uuid,
                         "GPU-%08x-0000-4000-8000-%012x", i, g);
                gi.uuid = uuid;
            }
            gs_topo_add_gpu(t, n, &gi, NULL);
        }
        for (uint32_t a = 0; a < 8; a++)
            for (uint32_t b = a + 1; b < 8; b++) {
                l.nvlinks = 18;
                l.pcie = a / 4 == b / 4 ? GS_PCIE_NODE : GS_PCIE_SYS;
                gs_topo_set_link(t, n, a, b, &l);
            }
    }
    if (gs_topo_freeze(t) != GS_OK)
        abort();
    return t;
}

static void report_build(const char *what, gs_topo *(*fn)(int), int arg)
{
    double times[RUNS];
    size_t retained = 0, peak = 0;
    for (int r = 0; r < RUNS; r++) {
        size_t before = bench_live;
        bench_peak = bench_live;
        double t0 = bench_now();
        gs_topo *t = fn(arg);
        times[r] = bench_now() - t0;
        retained = bench_live - before;
        peak = bench_peak - before;
        gs_topo_destroy(t);
    }
    double gpus = NODES * 8.0;
    printf("%-44s median %7.1f ms   %6.1f B/GPU kept, %6.1f B/GPU peak\n",
           what, bench_median(times, RUNS) * 1e3, retained / gpus,
           peak / gpus);
}

static gs_topo *tpl(int unused)
{
    (void)unused;
    return build_template();
}

static void report_load(const char *what, const char *json)
{
    double times[RUNS];
    size_t retained = 0;
    for (int r = 0; r < RUNS; r++) {
        size_t before = bench_live;
        gs_topo *t = NULL;
        double t0 = bench_now();
        gs_status st = gs_topo_load_buffer(&t, json, strlen(json), "bench",
                                           NULL);
        times[r] = bench_now() - t0;
        if (st != GS_OK) {
            fprintf(stderr, "%s\n", gs_topo_errmsg(t));
            abort();
        }
        retained = bench_live - before;
        gs_topo_destroy(t);
    }
    printf("%-44s median %7.1f ms   %6.1f B/GPU kept  (%zu bytes of JSON)\n",
           what, bench_median(times, RUNS) * 1e3, retained / (NODES * 8.0),
           strlen(json));
}

/* ---- readers at the sizes that were super-linear (issue 10 item 7) ---- */

#define READER_RUNS 5

/* Load (format forced) and save as JSON; medians of both. */
static void report_reader(const char *what, const bench_text *in, gs_format fmt)
{
    double load[READER_RUNS], save[READER_RUNS];
    gs_load_options o;
    gs_load_options_init(&o);
    o.format = fmt;
    for (int r = 0; r < READER_RUNS; r++) {
        gs_topo *t = NULL;
        double t0 = bench_now();
        gs_status st = gs_topo_load_buffer(&t, in->s, in->len, "bench", &o);
        double t1 = bench_now();
        if (st != GS_OK) {
            fprintf(stderr, "%s: %s\n", what, gs_topo_errmsg(t));
            abort();
        }
        char *json = NULL;
        if (gs_topo_to_json(t, &json, NULL) != GS_OK)
            abort();
        save[r] = bench_now() - t1;
        load[r] = t1 - t0;
        gs_free(json);
        gs_topo_destroy(t);
    }
    printf("%-44s load %8.1f ms  save %8.1f ms  (%zu bytes)\n", what,
           bench_median(load, READER_RUNS) * 1e3,
           bench_median(save, READER_RUNS) * 1e3, in->len);
}

static void bench_readers(void)
{
    printf("\nreaders, inputs that were super-linear (%d runs):\n",
           READER_RUNS);
    bench_text in = {0};
    /* one JSON object of 80,000 keys (the duplicate check was pairwise),
     * then as many nodes naming them (the template lookup was a scan) */
    bench_printf(&in, "{\"gpusched\": 1, \"templates\": {");
    for (int i = 0; i < 80000; i++)
        bench_printf(&in, "%s\"t%d\": {}", i ? ", " : "", i);
    bench_printf(&in, "}}");
    report_reader("JSON, 80,000 template keys", &in, GS_FORMAT_JSON);
    in.len = 0;
    bench_printf(&in, "{\"gpusched\": 1, \"templates\": {");
    for (int i = 0; i < 80000; i++)
        bench_printf(&in, "%s\"t%d\": {}", i ? ", " : "", i);
    bench_printf(&in, "}, \"nodes\": [");
    for (int i = 0; i < 80000; i++)
        bench_printf(&in, "%s{\"name\": \"n%d\", \"template\": \"t%d\"}",
             i ? ", " : "", i, i);
    bench_printf(&in, "]}");
    report_reader("JSON, 80,000 templates and nodes", &in, GS_FORMAT_JSON);
    /* 109 bytes: 262,144 nodes in one-node racks, each rack a switch and
     * an NVLink domain (the writer scanned every node per switch) */
    in.len = 0;
    bench_printf(&in, "{\"nodes\":[{\"name\":\"a[0-262143]\",\"template\":"
              "\"dgx-h100\",\"racks\":{\"size\":1,\"parent\":\"x\","
              "\"nvlink_domain\":true}}]}");
    report_reader("JSON, 262,144 one-node racks", &in, GS_FORMAT_JSON);
    /* a chain of 100,000 switches (depths were found by walking to the
     * root from every switch) */
    in.len = 0;
    bench_printf(&in, "SwitchName=s0 Nodes=a\n");
    for (int i = 1; i < 100000; i++)
        bench_printf(&in, "SwitchName=s%d Switches=s%d\n", i, i - 1);
    report_reader("topology.conf, 100,000-deep switch chain", &in,
                  GS_FORMAT_SLURM_TOPOLOGY);
    in.len = 0;
    bench_printf(&in, "{\"nodes\": [{\"name\": \"a\"}], \"switches\": "
              "[{\"name\": \"s0\", \"nodes\": \"a\"}");
    for (int i = 1; i < 100000; i++)
        bench_printf(&in, ", {\"name\": \"s%d\", \"switches\": \"s%d\"}", i,
             i - 1);
    bench_printf(&in, "]}");
    report_reader("JSON, 100,000-deep switch chain", &in, GS_FORMAT_JSON);
    /* the same chain listed whole by 30 more parents (Slurm accepts a
     * switch under several; each extra edge was checked for a cycle by a
     * search of its own) */
    in.len = 0;
    for (int i = 0; i < 99999; i++)
        bench_printf(&in, "SwitchName=s%d Switches=s%d\n", i, i + 1);
    bench_printf(&in, "SwitchName=s99999 Nodes=a\n");
    for (int k = 0; k < 30; k++)
        bench_printf(&in, "SwitchName=p%d Switches=s[0-99999]\n", k);
    report_reader("topology.conf, 30 parents over that chain", &in,
                  GS_FORMAT_SLURM_TOPOLOGY);
    free(in.s);
}

int main(void)
{
    bench_install_allocator();
    printf("gpusched %s topology benchmark: %d nodes x 8 GPUs, %d runs\n\n",
           gs_version_string(), NODES, RUNS);
    report_build("build+freeze, template nodes", tpl, 0);
    report_build("build+freeze, call by call", build_explicit, 0);
    report_build("build+freeze, call by call, GPU UUIDs", build_explicit, 1);

    const char *compact =
        "{\"nodes\": [{\"name\": \"gpu[00001-10000]\", \"template\": "
        "\"dgx-h100\", \"racks\": {\"size\": 32, \"prefix\": \"leaf\", "
        "\"parent\": \"spine\"}}]}";
    report_load("load JSON, template + count (5 lines)", compact);
    gs_topo *t = build_explicit(1);
    char *saved;
    gs_topo_to_json(t, &saved, NULL);
    gs_topo_destroy(t);
    report_load("load JSON, one entry per node with UUIDs", saved);
    gs_free(saved);
    printf("\ntargets: build+freeze <= 100 ms and <= 256 B/GPU; load <= 300 ms\n");
    bench_readers();
    return 0;
}
