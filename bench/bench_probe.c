/*
 * Probe figures (issue 6): gs_topo_probe on scripted machines served by
 * the fake libcuda.so.1 and libnvidia-ml.so.1 of tests/fake/ (so the
 * "driver's own time" is the fakes': reading a small script), for 8 GPUs
 * (the DGX-1V of tests/data/probe) and 16 GPUs (the DGX-2H). Target: a
 * probe of 8 GPUs costs at most 50 ms beyond the driver's own time.
 * Prints medians, each part added in turn: the CUDA driver alone, then
 * NVML, then hwloc from an XML export, then hwloc reading this machine.
 *
 *   bench_probe [RUNS]
 * SPDX-License-Identifier: Apache-2.0
 */
#include "bench_util.h"

#include <gpusched/gpusched.h>

#define MAX_RUNS 1001

static int runs = 51;

/* Median milliseconds of a probe of the machine script with these flags
 * and hwloc XML (NULL: none, or this machine with live). */
static double probe_ms(const char *machine, unsigned flags, const char *xml,
                       uint32_t *gpus)
{
    static double times[MAX_RUNS];
    char path[1024];
    snprintf(path, sizeof path, "%s/probe/%s", GS_BENCH_TEST_DATA, machine);
    setenv("GPUSCHED_FAKE_MACHINE", path, 1);
    for (int r = 0; r < runs; r++) {
        gs_probe_options o;
        gs_probe_options_init(&o);
        o.cuda_library = GS_FAKE_CUDA;
        o.nvml_library = GS_FAKE_NVML;
        o.hwloc_xml = xml;
        o.flags = flags;
        o.hostname = "bench";
        gs_topo *t = NULL;
        double t0 = bench_now();
        gs_status st = gs_topo_probe(&t, &o);
        times[r] = bench_now() - t0;
        if (st != GS_OK) {
            fprintf(stderr, "probe of %s: %s\n", machine, gs_topo_errmsg(t));
            exit(1);
        }
        *gpus = gs_topo_gpu_count(t);
        gs_topo_destroy(t);
    }
    return bench_median(times, (size_t)runs) * 1e3;
}

static void row(const char *what, const char *machine, unsigned flags,
                const char *xml)
{
    uint32_t gpus = 0;
    double ms = probe_ms(machine, flags, xml, &gpus);
    printf("%-48s %2u GPUs  median %7.2f ms\n", what, gpus, ms);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        runs = atoi(argv[1]);
    if (runs < 1 || runs > MAX_RUNS)
        runs = 51;
    unsetenv("CUDA_VISIBLE_DEVICES");
    printf("gpusched %s probe benchmark (fake driver and NVML), %d runs\n\n",
           gs_version_string(), runs);
    const char *dgx1_xml = GS_BENCH_TEST_DATA "/probe/dgx1-v100.xml";
    unsigned none = GS_PROBE_NO_NVML | GS_PROBE_NO_HWLOC;
    row("DGX-1V: CUDA driver only", "dgx1-v100.machine", none, NULL);
    row("DGX-1V: + NVML", "dgx1-v100.machine", GS_PROBE_NO_HWLOC, NULL);
    row("DGX-1V: + NVML + hwloc XML export", "dgx1-v100.machine", 0,
        dgx1_xml);
    row("DGX-1V: + NVML + hwloc of this machine", "dgx1-v100.machine", 0,
        NULL);

    const char *dgx2_xml = GS_BENCH_SHARED_DATA "/hwloc/nvidia-dgx2h.xml";
    FILE *f = fopen(dgx2_xml, "rb");
    if (f)
        fclose(f);
    row("DGX-2H: CUDA driver only", "dgx2h.machine", none, NULL);
    row("DGX-2H: + NVML", "dgx2h.machine", GS_PROBE_NO_HWLOC, NULL);
    if (f)
        row("DGX-2H: + NVML + hwloc XML export (real DGX-2H)",
            "dgx2h.machine", 0, dgx2_xml);
    row("DGX-2H: + NVML + hwloc of this machine", "dgx2h.machine", 0, NULL);
    printf("\ntarget: a probe of 8 GPUs <= 50 ms beyond the driver's own "
           "time\n(the fakes' own time is in these figures: they read "
           "their script)\n");
    return 0;
}
