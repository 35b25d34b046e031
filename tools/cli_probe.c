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
        fprintf(out, "  %-12s %-10s %s\n", names[i],
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
        /* the machine's NUMA id (what numactl takes), not the index */
        if (gi.numa != GS_NONE)
            snprintf(numa, sizeof numa, "%u", gs_topo_numa_os_id(t, 0, gi.numa));
        else
            snprintf(numa, sizeof numa, "?");
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

void cli_print_probe_next_steps(FILE *out, const char *indent, bool partial)
{
    if (!partial)
        fprintf(out, "%sgpusched probe --partial      this machine as hwloc "
                     "sees it, without the driver\n",
                indent);
    fprintf(out,
            "%sgpusched topo templates       the built-in machines and "
            "clusters\n"
            "%sgpusched topo show dgx-h100   one of them\n"
            "%sgpusched topo show FILE       a file (nvidia-smi topo -m, "
            "lstopo .xml, JSON)\n",
            indent, indent, indent);
}

static void probe_warning(void *user, const char *msg)
{
    fprintf(stderr, "%s: warning: %s\n", (const char *)user, msg);
}

enum { PROBE_SOURCES, PROBE_LEGEND, PROBE_PARTIAL, PROBE_CUDA, PROBE_NVML,
       PROBE_NO_NVML, PROBE_NO_HWLOC, PROBE_XML };
static const cli_option probe_options[] = {
    CLI_OPTION_JSON("write the machine as gpusched JSON (docs/formats.md), "
                    "a topology every command takes"),
    {PROBE_SOURCES, "--sources", "--source", NULL, "off",
     "mark each cell and attribute with its source: d CUDA driver, n NVML, "
     "h hwloc, * inferred",
     0},
    {PROBE_LEGEND, "--legend", NULL, NULL, "off", "explain the matrix", 0},
    {PROBE_PARTIAL, "--partial", NULL, NULL, "off",
     "without a usable driver, show what hwloc sees (the exit status still "
     "says no GPU was found)",
     0},
    {PROBE_CUDA, "--cuda-library", NULL, "PATH",
     "$GPUSCHED_CUDA_LIBRARY, else libcuda.so.1", "the CUDA driver library",
     0},
    {PROBE_NVML, "--nvml-library", NULL, "PATH",
     "$GPUSCHED_NVML_LIBRARY, else libnvidia-ml.so.1", "the NVML library",
     0},
    {PROBE_NO_NVML, "--no-nvml", NULL, NULL, "off",
     "do not use NVML (NVLink counts then come from hwloc, if at all)", 0},
    {PROBE_NO_HWLOC, "--no-hwloc", NULL, NULL, "off",
     "do not use hwloc (no NUMA domains, CPUs or PCIe paths)", 0},
    {PROBE_XML, "--hwloc-xml", NULL, "FILE", "this machine",
     "read hwloc's view from an XML export (lstopo x.xml) instead; - for "
     "standard input",
     CLI_INPUT},
    {CLI_O_HOSTNAME, "--hostname", NULL, "NAME", "this host's name",
     "the node's name", 0},
    {CLI_O_QUIET, "--quiet", NULL, NULL, "off", "do not print warnings", 0},
    CLI_OPTION_OUT,
    {.name = NULL}};

static int probe(cli_args *a)
{
    gs_probe_options o;
    gs_probe_options_init(&o);
    bool json = cli_given(a, CLI_O_JSON);
    unsigned mflags = (cli_given(a, PROBE_SOURCES) ? GS_MATRIX_SOURCES : 0) |
                      (cli_given(a, PROBE_LEGEND) ? GS_MATRIX_LEGEND : 0);
    o.flags = (cli_given(a, PROBE_PARTIAL) ? GS_PROBE_PARTIAL : 0) |
              (cli_given(a, PROBE_NO_NVML) ? GS_PROBE_NO_NVML : 0) |
              (cli_given(a, PROBE_NO_HWLOC) ? GS_PROBE_NO_HWLOC : 0);
    o.cuda_library = a->val[PROBE_CUDA];
    o.nvml_library = a->val[PROBE_NVML];
    o.hostname = a->val[CLI_O_HOSTNAME];
    o.hwloc_xml = a->val[PROBE_XML];
    /* the library reads the export once, whole (up to its input limit) */
    if (o.hwloc_xml && !strcmp(o.hwloc_xml, "-"))
        o.hwloc_xml = "/dev/stdin";
    if (!cli_given(a, CLI_O_QUIET)) {
        o.warn = probe_warning;
        o.warn_user = a->prog;
    }
    if (cli_open_output(a) != CLI_OK)
        return CLI_FAIL;
    FILE *out = a->out;
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
        const char *why = t && gs_topo_errmsg(t)[0] ? gs_topo_errmsg(t)
                                                    : gs_strerror(st);
        if (st == GS_ENODEV)
            fprintf(stderr, "%s: no GPU found: %s\n", a->prog, why);
        else if (st == GS_EDRIVER || st == GS_EUNSUPPORTED)
            fprintf(stderr, "%s: the CUDA driver cannot be used: %s\n",
                    a->prog, why);
        else
            fprintf(stderr, "%s: %s\n", a->prog, why);
        if (r) {
            fprintf(stderr, "What the probe found:\n");
            cli_print_probe_summary(stderr, r);
        }
        if (rc == CLI_PROBE_NO_GPU || rc == CLI_PROBE_DRIVER) {
            fprintf(stderr, "What next:\n");
            if (rc == CLI_PROBE_DRIVER)
                fprintf(stderr, "  nvidia-smi                    check "
                                "that the driver works\n");
            cli_print_probe_next_steps(stderr, "  ",
                                       cli_given(a, PROBE_PARTIAL));
        }
    } else if (json) {
        char *text = NULL;
        if (gs_topo_to_json(t, &text, NULL) != GS_OK) {
            rc = cli_fail(a, "out of memory");
        } else {
            fputs(text, out);
            gs_free(text);
        }
    } else {
        uint32_t n = gs_topo_node_gpu_count(t, 0);
        if (s.partial)
            fprintf(out,
                    "No usable CUDA driver (%s): this is what hwloc alone "
                    "sees.\n",
                    s.lib_message[GS_PROBE_LIB_CUDA]);
        fprintf(out, "This machine (%s): %u GPU%s, %u NUMA domain%s, %u CPUs\n",
                gs_topo_node_name(t, 0), n, n == 1 ? "" : "s",
                gs_topo_node_numa_count(t, 0),
                gs_topo_node_numa_count(t, 0) == 1 ? "" : "s",
                gs_topo_node_cpu_count(t, 0));
        cli_print_probe_summary(out, r);
        fputc('\n', out);
        if (!n) {
            /* hwloc saw no GPU either (--partial) */
            fprintf(stderr, "%s: no GPU here. What next:\n", a->prog);
            cli_print_probe_next_steps(stderr, "  ", true);
        } else {
            rc = cli_print_topo(out, t, 0, mflags) == CLI_OK ? rc : CLI_FAIL;
            fputc('\n', out);
            cli_print_probe_gpus(out, t, r, mflags & GS_MATRIX_SOURCES);
            if (!s.partial && n > 1)
                print_p2p(out, r, n);
        }
    }
    gs_probe_report_destroy(r);
    gs_topo_destroy(t);
    return rc;
}

const cli_command cli_cmd_probe = {
    .path = "probe",
    .synopsis = "[options]",
    .summary = "this machine's GPUs, from the CUDA driver, NVML and hwloc",
    .description =
        "Look at the machine this runs on: its GPUs as the CUDA driver sees "
        "them (CUDA_VISIBLE_DEVICES applies), their NVLinks from NVML, the "
        "PCIe paths and NUMA layout from hwloc. Prints what each source "
        "gave, the GPU matrix (like nvidia-smi topo -m), each GPU's "
        "attributes and the driver's peer-to-peer table; with --json, the "
        "machine as a topology file for the other commands. Without a GPU, "
        "the probe says why and what to try instead.",
    .options = probe_options,
    .exit_status = "0 GPUs found, 3 no GPU (no driver, no device, or "
                   "CUDA_VISIBLE_DEVICES hides them), 4 the driver failed "
                   "or is too old, 1 another failure (an unreadable "
                   "--hwloc-xml, an unwritable --out), 2 bad arguments.",
    .examples = "gpusched probe\n"
                "gpusched probe --sources --legend\n"
                "gpusched probe --json --out this-node.json\n"
                "gpusched probe --partial",
    .run = probe,
};
