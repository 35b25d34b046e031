/*
 * gpusched probe: this machine's GPUs, as the CUDA driver, NVML and hwloc
 * see them (gs_topo_probe), printed like nvidia-smi topo -m plus the GPU
 * attributes, or as gpusched JSON.
 *
 * Exit status: 0 a GPU was found; 3 no GPU (no driver library, no device,
 * CUDA_VISIBLE_DEVICES hides them all); 4 the driver failed or is too old;
 * 1 any other failure (an unreadable --hwloc-xml, out of memory); 2 bad
 * arguments. With --partial the hwloc view is printed when the driver
 * gives nothing, and the status still says that no GPU was found.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char probe_usage[] =
    "usage: gpusched probe [--json] [--source] [--legend] [--partial]\n"
    "                      [--cuda-library PATH] [--nvml-library PATH] "
    "[--no-nvml]\n"
    "                      [--hwloc-xml FILE] [--no-hwloc] [--hostname "
    "NAME] [--quiet]\n"
    "  --json               write the topology as gpusched JSON\n"
    "  --source             mark each cell and attribute with its source: "
    "d CUDA\n"
    "                       driver, n NVML, h hwloc, * inferred\n"
    "  --legend             explain the matrix\n"
    "  --partial            without a usable driver, show what hwloc sees\n"
    "  --cuda-library PATH  the CUDA driver library (default: "
    "$GPUSCHED_CUDA_LIBRARY,\n"
    "                       else libcuda.so.1)\n"
    "  --nvml-library PATH  the NVML library (default: "
    "$GPUSCHED_NVML_LIBRARY,\n"
    "                       else libnvidia-ml.so.1)\n"
    "  --no-nvml, --no-hwloc  do not use NVML / hwloc\n"
    "  --hwloc-xml FILE     read an hwloc XML export instead of this "
    "machine\n"
    "  --hostname NAME      the node's name (default: this host's)\n"
    "  --quiet              do not print warnings\n"
    "Exit status: 0 GPUs found, 3 no GPU or no driver, 4 driver error or "
    "too old,\n"
    "1 other failure, 2 bad arguments.\n";

static char source_letter(gs_source s)
{
    switch (s) {
    case GS_SOURCE_DRIVER: return 'd';
    case GS_SOURCE_NVML: return 'n';
    case GS_SOURCE_HWLOC: return 'h';
    case GS_SOURCE_INFERRED: return '*';
    default: return '-';
    }
}

static void fmt_mem(char *buf, size_t cap, uint64_t b)
{
    if (!b)
        snprintf(buf, cap, "?");
    else if (b % (UINT64_C(1) << 30) == 0)
        snprintf(buf, cap, "%llu GiB", (unsigned long long)(b >> 30));
    else
        snprintf(buf, cap, "%.1f GiB", (double)b / (double)(1u << 30));
}

static const char *status_word(gs_status st)
{
    switch (st) {
    case GS_OK: return "ok";
    case GS_ENODEV: return "not found";
    case GS_EUNSUPPORTED: return "not used";
    default: return "failed";
    }
}

void cli_print_probe_summary(FILE *out, const gs_probe_report *r)
{
    gs_probe_summary s;
    gs_probe_summary_init(&s);
    if (gs_probe_report_summary(r, &s) != GS_OK)
        return;
    static const char *const names[3] = {"CUDA driver", "NVML", "hwloc"};
    for (int i = 0; i < 3; i++)
        fprintf(out, "  %-12s %-9s %s\n", names[i],
                status_word(s.lib_status[i]), s.lib_message[i]);
    if (s.cuda_visible_devices) {
        fprintf(out, "  CUDA_VISIBLE_DEVICES=\"%s\": %u entr%s taken",
                s.cuda_visible_devices, s.visible_entries,
                s.visible_entries == 1 ? "y" : "ies");
        if (s.visible_stop != GS_NONE)
            fprintf(out, ", CUDA stops at entry %u", s.visible_stop);
        if (s.nvml_devices != GS_NONE)
            fprintf(out, "; the machine has %u GPUs", s.nvml_devices);
        fputc('\n', out);
    }
    if (s.vanished)
        fprintf(out, "  %u device%s vanished before they could be read\n",
                s.vanished, s.vanished == 1 ? "" : "s");
}

/* The GPU attribute table. */
void cli_print_probe_gpus(FILE *out, const gs_topo *t,
                          const gs_probe_report *r, bool sources)
{
    uint32_t n = gs_topo_node_gpu_count(t, 0);
    fprintf(out, "GPU  %-24s %-8s %-4s %-4s %-13s %-4s %-9s %-4s %s%s\n",
            "Model", "Memory", "CC", "SMs", "PCI bus id", "NUMA", "NVLinks",
            "MIG", "UUID", sources ? "  sources" : "");
    for (uint32_t g = 0; g < n; g++) {
        gs_gpu_info gi;
        gs_gpu_info_init(&gi);
        gs_probe_gpu pg;
        gs_probe_gpu_init(&pg);
        if (gs_topo_gpu_info(t, g, &gi) != GS_OK)
            continue;
        bool have = r && gs_probe_report_gpu(r, g, &pg) == GS_OK;
        char mem[24], cc[16], sms[16], numa[16], links[24];
        fmt_mem(mem, sizeof mem, gi.memory_bytes);
        snprintf(cc, sizeof cc, gi.cc_major ? "%u.%u" : "?", gi.cc_major,
                 gi.cc_minor);
        snprintf(sms, sizeof sms, gi.sm_count ? "%u" : "?", gi.sm_count);
        snprintf(numa, sizeof numa, gi.numa != GS_NONE ? "%u" : "?", gi.numa);
        if (have && pg.nvlink_source == GS_SOURCE_NVML) {
            if (pg.nvlinks_to_switches)
                snprintf(links, sizeof links, "%u (%u sw)", pg.nvlinks_active,
                         pg.nvlinks_to_switches);
            else
                snprintf(links, sizeof links, "%u", pg.nvlinks_active);
        } else if (gi.fabric != GS_NONE) {
            snprintf(links, sizeof links, "%u (sw)", gi.fabric_links);
        } else {
            snprintf(links, sizeof links, have && pg.nvlink_source ==
                                                     GS_SOURCE_HWLOC
                                              ? "hwloc"
                                              : "?");
        }
        const char *mig = !have || pg.mig_mode < 0 ? "-"
                          : pg.mig_mode ? "on"
                                        : "off";
        fprintf(out, "%-4u %-24.24s %-8s %-4s %-4s %-13s %-4s %-9s %-4s %s",
                g, gi.model && *gi.model ? gi.model : "?", mem, cc, sms,
                gi.pci_bus_id ? gi.pci_bus_id : "?", numa, links, mig,
                gi.uuid ? gi.uuid : "?");
        if (sources && have)
            fprintf(out, "  attributes %c, NUMA %c, links %c",
                    source_letter(pg.attr_source),
                    gi.numa != GS_NONE ? source_letter(pg.numa_source) : '-',
                    source_letter(pg.nvlink_source));
        fputc('\n', out);
    }
}

/* P2P as the CUDA driver reports it: OK / NS (access), +A native atomics,
 * /N performance rank. */
static void print_p2p(FILE *out, const gs_probe_report *r, uint32_t n)
{
    fprintf(out, "\nP2P (CUDA driver: OK access supported, NS not "
                 "supported; +A native atomics; /N performance rank)\n");
    for (uint32_t j = 0; j < n; j++)
        fprintf(out, "\tGPU%u", j);
    fputc('\n', out);
    for (uint32_t i = 0; i < n; i++) {
        fprintf(out, "GPU%u", i);
        for (uint32_t j = 0; j < n; j++) {
            gs_probe_pair p;
            gs_probe_pair_init(&p);
            if (i == j || gs_probe_report_pair(r, i, j, &p) != GS_OK) {
                fputs("\t X ", out);
                continue;
            }
            fprintf(out, "\t%s%s", p.access_supported < 0 ? "?"
                                   : p.access_supported ? "OK"
                                                        : "NS",
                    p.native_atomics == 1 ? "+A" : "");
            if (p.performance_rank >= 0)
                fprintf(out, "/%d", p.performance_rank);
        }
        fputc('\n', out);
    }
}

static void print_warning(void *user, const char *msg)
{
    fprintf(stderr, "%s: warning: %s\n", (const char *)user, msg);
}

int cli_exit_for_probe(gs_status st)
{
    switch (st) {
    case GS_OK: return CLI_OK;
    case GS_ENODEV: return CLI_PROBE_NO_GPU;
    case GS_EDRIVER:
    case GS_EUNSUPPORTED: return CLI_PROBE_DRIVER;
    case GS_EINVAL: return CLI_USAGE;
    default: return CLI_FAIL;
    }
}

int cli_probe(int argc, char **argv)
{
    const char *prog = "gpusched probe";
    gs_probe_options o;
    gs_probe_options_init(&o);
    bool json = false, quiet = false;
    unsigned mflags = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool value = !strcmp(a, "--cuda-library") ||
                     !strcmp(a, "--nvml-library") ||
                     !strcmp(a, "--hwloc-xml") || !strcmp(a, "--hostname");
        if (value && i + 1 >= argc) {
            fprintf(stderr, "%s: %s needs a value\n", prog, a);
            return CLI_USAGE;
        }
        if (!strcmp(a, "--json"))
            json = true;
        else if (!strcmp(a, "--source") || !strcmp(a, "--sources"))
            mflags |= GS_MATRIX_SOURCES;
        else if (!strcmp(a, "--legend"))
            mflags |= GS_MATRIX_LEGEND;
        else if (!strcmp(a, "--partial"))
            o.flags |= GS_PROBE_PARTIAL;
        else if (!strcmp(a, "--no-nvml"))
            o.flags |= GS_PROBE_NO_NVML;
        else if (!strcmp(a, "--no-hwloc"))
            o.flags |= GS_PROBE_NO_HWLOC;
        else if (!strcmp(a, "--quiet"))
            quiet = true;
        else if (!strcmp(a, "--cuda-library"))
            o.cuda_library = argv[++i];
        else if (!strcmp(a, "--nvml-library"))
            o.nvml_library = argv[++i];
        else if (!strcmp(a, "--hwloc-xml"))
            o.hwloc_xml = argv[++i];
        else if (!strcmp(a, "--hostname"))
            o.hostname = argv[++i];
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(probe_usage, stdout);
            return CLI_OK;
        } else {
            fprintf(stderr, "%s: unknown argument '%s'\n%s", prog, a,
                    probe_usage);
            return CLI_USAGE;
        }
    }
    if (!quiet) {
        o.warn = print_warning;
        o.warn_user = (void *)(uintptr_t)prog;
    }
    gs_probe_report *r = NULL;
    o.report = &r;
    gs_topo *t = NULL;
    gs_status st = gs_topo_probe(&t, &o);
    gs_probe_summary s;
    gs_probe_summary_init(&s);
    if (r)
        gs_probe_report_summary(r, &s);
    /* what the driver said decides the exit status, also when --partial
     * turned a failure into hwloc's view */
    gs_status found = st != GS_OK           ? st
                      : s.partial           ? s.lib_status[GS_PROBE_LIB_CUDA]
                      : gs_topo_gpu_count(t) ? GS_OK
                                             : GS_ENODEV;
    int rc = cli_exit_for_probe(found);
    if (st != GS_OK) {
        fprintf(stderr, "%s: %s\n", prog,
                t && gs_topo_errmsg(t)[0] ? gs_topo_errmsg(t)
                                          : gs_strerror(st));
        if (r && !json) {
            fprintf(stderr, "What the probe found:\n");
            cli_print_probe_summary(stderr, r);
        }
    } else if (json) {
        char *text = NULL;
        if (gs_topo_to_json(t, &text, NULL) != GS_OK) {
            fprintf(stderr, "%s: out of memory\n", prog);
            rc = CLI_FAIL;
        } else {
            fputs(text, stdout);
            gs_free(text);
        }
    } else {
        uint32_t n = gs_topo_node_gpu_count(t, 0);
        if (s.partial)
            printf("No usable CUDA driver (%s): this is what hwloc alone "
                   "sees.\n",
                   s.lib_message[GS_PROBE_LIB_CUDA]);
        printf("This machine (%s): %u GPU%s, %u NUMA domain%s, %u CPUs\n",
               gs_topo_node_name(t, 0), n, n == 1 ? "" : "s",
               gs_topo_node_numa_count(t, 0),
               gs_topo_node_numa_count(t, 0) == 1 ? "" : "s",
               gs_topo_node_cpu_count(t, 0));
        cli_print_probe_summary(stdout, r);
        putchar('\n');
        if (n) {
            rc = cli_print_topo(stdout, t, 0, mflags) == CLI_OK ? rc
                                                                : CLI_FAIL;
            putchar('\n');
            cli_print_probe_gpus(stdout, t, r, mflags & GS_MATRIX_SOURCES);
            if (!s.partial && n > 1)
                print_p2p(stdout, r, n);
        }
    }
    gs_probe_report_destroy(r);
    gs_topo_destroy(t);
    return rc;
}
