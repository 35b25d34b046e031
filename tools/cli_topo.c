/*
 * gpusched topo show | convert | templates
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One line naming the node's NVSwitch fabrics and their GPUs, e.g.
 * "NVSwitch fabrics: 0: GPU0-7 (6 links each); 1: GPU8-15 (6 links each)".
 * Two fabrics on one node share no bandwidth (the DGX-2 case when the
 * baseboard trunk is not visible), so this is worth a line of its own. */
static void print_fabrics(FILE *out, const gs_topo *t, uint32_t node)
{
    uint32_t ng = gs_topo_node_gpu_count(t, node);
    uint32_t first = gs_topo_node_first_gpu(t, node);
    uint32_t max_fabric = 0;
    bool any = false;
    for (uint32_t g = 0; g < ng; g++) {
        gs_gpu_info gi;
        gs_gpu_info_init(&gi);
        if (gs_topo_gpu_info(t, first + g, &gi) == GS_OK &&
            gi.fabric != GS_NONE) {
            any = true;
            if (gi.fabric > max_fabric)
                max_fabric = gi.fabric;
        }
    }
    if (!any)
        return;
    fprintf(out, "NVSwitch fabric%s:", max_fabric ? "s" : "");
    for (uint32_t f = 0; f <= max_fabric; f++) {
        uint32_t lo = UINT32_MAX, hi = 0, count = 0;
        uint32_t run_start = GS_NONE, prev = GS_NONE;
        bool first_run = true;
        fprintf(out, "%s %u: GPU", f ? ";" : "", f);
        for (uint32_t g = 0; g <= ng; g++) {
            gs_gpu_info gi;
            gs_gpu_info_init(&gi);
            bool in = g < ng && gs_topo_gpu_info(t, first + g, &gi) == GS_OK &&
                      gi.fabric == f;
            if (in) {
                count++;
                if (gi.fabric_links < lo)
                    lo = gi.fabric_links;
                if (gi.fabric_links > hi)
                    hi = gi.fabric_links;
                if (run_start == GS_NONE)
                    run_start = g;
                prev = g;
                continue;
            }
            if (run_start != GS_NONE) {
                fprintf(out, first_run ? "%u" : ",%u", run_start);
                if (prev > run_start)
                    fprintf(out, "-%u", prev);
                first_run = false;
                run_start = GS_NONE;
            }
        }
        if (!count)
            fprintf(out, " none");
        else if (lo == hi)
            fprintf(out, " (%u link%s each)", lo, lo == 1 ? "" : "s");
        else
            fprintf(out, " (%u-%u links)", lo, hi);
    }
    fputc('\n', out);
}

/* Print one node's matrix through the library's renderer. */
static int print_matrix(FILE *out, const gs_topo *t, uint32_t node,
                        unsigned flags)
{
    size_t len = 0;
    gs_status st = gs_topo_node_matrix(t, node, flags, NULL, 0, &len);
    if (st != GS_OK && st != GS_ENOSPC)
        return CLI_FAIL;
    char *buf = malloc(len + 1);
    if (!buf)
        return CLI_FAIL;
    st = gs_topo_node_matrix(t, node, flags, buf, len + 1, &len);
    if (st == GS_OK) {
        fputs(buf, out);
        if (len && buf[len - 1] != '\n')
            fputc('\n', out);
    }
    free(buf);
    if (st != GS_OK)
        return CLI_FAIL;
    print_fabrics(out, t, node);
    return CLI_OK;
}

static void fmt_bytes(char *buf, size_t cap, uint64_t b)
{
    const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = (double)b;
    int u = 0;
    while (v >= 1024 && u < 5) {
        v /= 1024;
        u++;
    }
    snprintf(buf, cap, v == (double)(uint64_t)v ? "%.0f %s" : "%.1f %s", v,
             units[u]);
}

/* Describe a node's hardware in one line. */
static void node_line(FILE *out, const gs_topo *t, uint32_t node)
{
    uint32_t ng = gs_topo_node_gpu_count(t, node);
    uint32_t first = gs_topo_node_first_gpu(t, node);
    uint64_t mem = 0;
    for (uint32_t d = 0; d < gs_topo_node_numa_count(t, node); d++)
        mem += gs_topo_numa_memory(t, node, d);
    char mbuf[32];
    if (mem)
        fmt_bytes(mbuf, sizeof mbuf, mem);
    else
        snprintf(mbuf, sizeof mbuf, "memory ?");
    fprintf(out, "%u NUMA domain%s, %u CPUs, %s", gs_topo_node_numa_count(t, node),
            gs_topo_node_numa_count(t, node) == 1 ? "" : "s",
            gs_topo_node_cpu_count(t, node), mbuf);
    /* GPUs by model, in order of appearance */
    uint32_t i = 0;
    while (i < ng) {
        gs_gpu_info a, b;
        gs_gpu_info_init(&a);
        gs_gpu_info_init(&b);
        gs_topo_gpu_info(t, first + i, &a);
        uint32_t j = i + 1;
        for (; j < ng; j++) {
            gs_topo_gpu_info(t, first + j, &b);
            if (strcmp(a.model ? a.model : "", b.model ? b.model : "") != 0 ||
                a.memory_bytes != b.memory_bytes)
                break;
        }
        char ccbuf[24];
        if (a.memory_bytes)
            fmt_bytes(mbuf, sizeof mbuf, a.memory_bytes);
        else
            snprintf(mbuf, sizeof mbuf, "memory ?");
        if (a.cc_major)
            snprintf(ccbuf, sizeof ccbuf, "%u.%u", a.cc_major, a.cc_minor);
        else
            snprintf(ccbuf, sizeof ccbuf, "?");
        fprintf(out, ", %ux %s (%s, cc %s)", j - i,
                a.model && *a.model ? a.model : "unknown GPU", mbuf, ccbuf);
        i = j;
    }
    fputc('\n', out);
}

void cli_print_summary(FILE *out, const gs_topo *t)
{
    uint32_t nn = gs_topo_node_count(t);
    fprintf(out, "Cluster: %u node%s, %u GPU%s, %u switch%s, %u NVLink "
                 "domain%s\n",
            nn, nn == 1 ? "" : "s", gs_topo_gpu_count(t),
            gs_topo_gpu_count(t) == 1 ? "" : "s", gs_topo_switch_count(t),
            gs_topo_switch_count(t) == 1 ? "" : "es",
            gs_topo_nvlink_domain_count(t),
            gs_topo_nvlink_domain_count(t) == 1 ? "" : "s");
    /* Runs of nodes whose matrices print the same. */
    char *prev = NULL;
    uint32_t run_start = 0;
    for (uint32_t n = 0; n <= nn; n++) {
        char *cur = NULL;
        if (n < nn) {
            size_t len = 0;
            gs_topo_node_matrix(t, n, 0, NULL, 0, &len);
            cur = malloc(len + 1);
            if (cur)
                gs_topo_node_matrix(t, n, 0, cur, len + 1, &len);
        }
        if (n == nn || !prev || !cur || strcmp(prev, cur) != 0 ||
            gs_topo_node_cpu_count(t, n) != gs_topo_node_cpu_count(t, run_start)) {
            if (n > 0) {
                uint32_t cnt = n - run_start;
                if (cnt == 1)
                    fprintf(out, "  %s: ", gs_topo_node_name(t, run_start));
                else
                    fprintf(out, "  %u nodes %s .. %s: ", cnt,
                            gs_topo_node_name(t, run_start),
                            gs_topo_node_name(t, n - 1));
                node_line(out, t, run_start);
            }
            run_start = n;
        }
        free(prev);
        prev = cur;
    }
    free(prev);
    for (uint32_t d = 0; d < gs_topo_nvlink_domain_count(t); d++)
        fprintf(out, "  NVLink domain %s: %u nodes\n",
                gs_topo_nvlink_domain_name(t, d),
                gs_topo_nvlink_domain_size(t, d));
    uint32_t roots = 0, depth = 0;
    for (uint32_t s = 0; s < gs_topo_switch_count(t); s++) {
        if (gs_topo_switch_parent(t, s) == GS_NONE)
            roots++;
        if (gs_topo_switch_depth(t, s) + 1 > depth)
            depth = gs_topo_switch_depth(t, s) + 1;
    }
    if (gs_topo_switch_count(t))
        fprintf(out, "  Switch tree: %u switches in %u level%s, %u root%s\n",
                gs_topo_switch_count(t), depth, depth == 1 ? "" : "s", roots,
                roots == 1 ? "" : "s");
}

int cli_print_topo(FILE *out, const gs_topo *t, uint32_t node, unsigned flags)
{
    if (node != GS_NONE) {
        fprintf(out, "Node %s:\n", gs_topo_node_name(t, node));
        return print_matrix(out, t, node, flags);
    }
    cli_print_summary(out, t);
    /* The matrix of the first node of each distinct kind. */
    uint32_t nn = gs_topo_node_count(t);
    char **seen = calloc(nn ? nn : 1, sizeof *seen);
    size_t nseen = 0;
    int rc = CLI_OK;
    for (uint32_t n = 0; n < nn && rc == CLI_OK; n++) {
        if (!gs_topo_node_gpu_count(t, n))
            continue;
        size_t len = 0;
        gs_topo_node_matrix(t, n, 0, NULL, 0, &len);
        char *m = malloc(len + 1);
        if (!m || !seen) {
            free(m);
            rc = CLI_FAIL;
            break;
        }
        gs_topo_node_matrix(t, n, 0, m, len + 1, &len);
        bool dup = false;
        for (size_t k = 0; k < nseen && !dup; k++)
            dup = strcmp(seen[k], m) == 0;
        if (dup) {
            free(m);
            continue;
        }
        seen[nseen++] = m;
        if (nseen > 8) {
            fprintf(out, "\n(more node kinds: use --node NAME)\n");
            break;
        }
        fprintf(out, "\nNode %s%s:\n", gs_topo_node_name(t, n),
                nn > 1 ? " (and the nodes like it)" : "");
        rc = print_matrix(out, t, n, flags);
    }
    for (size_t k = 0; k < nseen; k++)
        free(seen[k]);
    free(seen);
    return rc;
}

/* ---- topo show ----------------------------------------------------------- */

enum { SHOW_NODE, SHOW_SOURCES, SHOW_LEGEND };
static const cli_option show_options[] = {
    CLI_OPTION_TOPO(NULL, CLI_REQUIRED),
    {SHOW_NODE, "--node", NULL, "NAME",
     "the node alone when the topology has one, else a summary and the "
     "first node of each kind",
     "print this node's matrix", 0},
    {SHOW_SOURCES, "--sources", "--source", NULL, "off",
     "mark each cell with where it came from (d CUDA driver, n NVML, h "
     "hwloc, * inferred)",
     0},
    {SHOW_LEGEND, "--legend", NULL, NULL, "off", "explain the matrix", 0},
    CLI_OPTION_JSON("write the topology as gpusched JSON (docs/formats.md) "
                    "instead of the matrix"),
    CLI_OPTION_OUT,
    {.name = NULL}};
static const int topo_positional[] = {CLI_O_TOPO, -1};

static int topo_show(cli_args *a)
{
    bool json = cli_given(a, CLI_O_JSON);
    if (json && (cli_given(a, SHOW_NODE) || cli_given(a, SHOW_SOURCES) ||
                 cli_given(a, SHOW_LEGEND)))
        return cli_usage_error(a, "--node, --sources and --legend shape the "
                                  "matrix; --json writes the whole topology");
    unsigned flags = (cli_given(a, SHOW_SOURCES) ? GS_MATRIX_SOURCES : 0) |
                     (cli_given(a, SHOW_LEGEND) ? GS_MATRIX_LEGEND : 0);
    if (cli_open_output(a) != CLI_OK)
        return CLI_FAIL;
    gs_topo *t = cli_load_topo(a, a->val[CLI_O_TOPO]);
    if (!t)
        return CLI_FAIL;
    int rc = CLI_OK;
    if (json) {
        char *text;
        if (gs_topo_to_json(t, &text, NULL) != GS_OK) {
            rc = cli_fail(a, "out of memory");
        } else {
            fputs(text, a->out);
            gs_free(text);
        }
    } else {
        uint32_t node = GS_NONE;
        const char *name = a->val[SHOW_NODE];
        if (name) {
            node = gs_topo_find_node(t, name);
            if (node == GS_NONE) {
                cli_fail(a, "no node named '%s' (the first is '%s')", name,
                         gs_topo_node_name(t, 0));
                gs_topo_destroy(t);
                return CLI_FAIL;
            }
        } else if (gs_topo_node_count(t) == 1) {
            cli_print_summary(a->out, t);
            fputc('\n', a->out);
            node = 0;
        }
        rc = cli_print_topo(a->out, t, node, flags);
    }
    gs_topo_destroy(t);
    return rc;
}

const cli_command cli_cmd_topo_show = {
    .path = "topo show",
    .synopsis = "[--topo] SRC [options]",
    .summary = "print a topology's GPU matrix and a summary, or its JSON",
    .description =
        "Print a topology the way nvidia-smi topo -m prints a machine: the "
        "GPU matrix (NV# the number of NVLinks, direct or through NVSwitches; "
        "PIX PXB PHB NODE SYS the PCIe path), the CPU and NUMA affinity, and a summary of the "
        "cluster (nodes, GPUs by model, switches, NVLink domains). With "
        "--json, the topology in gpusched's JSON format instead.",
    .options = show_options,
    .groups = CLI_GROUP_TOPO | CLI_GROUP_INPUT,
    .positional = topo_positional,
    .exit_status = "0 shown, 1 the topology cannot be read, 2 bad arguments.",
    .examples = "gpusched topo show dgx-h100\n"
                "gpusched topo show gb200-nvl72 --node nvl72-tray01\n"
                "gpusched topo show dgx1-v100 --legend\n"
                "nvidia-smi topo -m | gpusched topo show -\n"
                "gpusched topo show cluster.json --json --out copy.json",
    .run = topo_show,
};

/* ---- topo convert -------------------------------------------------------- */

static const cli_option convert_options[] = {
    CLI_OPTION_TOPO(NULL, CLI_REQUIRED),
    CLI_OPTION_OUT,
    CLI_OPTION_JSON("accepted for uniformity: the output is always gpusched "
                    "JSON"),
    {.name = NULL}};
static const int convert_positional[] = {CLI_O_TOPO, CLI_O_OUT, -1};

static int topo_convert(cli_args *a)
{
    if (cli_open_output(a) != CLI_OK)
        return CLI_FAIL;
    gs_topo *t = cli_load_topo(a, a->val[CLI_O_TOPO]);
    if (!t)
        return CLI_FAIL;
    int rc = CLI_OK;
    char *text;
    if (gs_topo_to_json(t, &text, NULL) != GS_OK) {
        rc = cli_fail(a, "out of memory");
    } else {
        fputs(text, a->out);
        gs_free(text);
    }
    gs_topo_destroy(t);
    return rc;
}

const cli_command cli_cmd_topo_convert = {
    .path = "topo convert",
    .synopsis = "[--topo] IN [[--out] OUT] [options]",
    .summary = "write any supported topology source as gpusched JSON",
    .description =
        "Read a topology in any supported format (a template, nvidia-smi "
        "topo -m text, hwloc XML, Slurm topology.conf or gres.conf, gpusched "
        "JSON) and write it as gpusched JSON, the format every tool and the "
        "library load fastest and that keeps everything. Identical nodes "
        "are written once.",
    .options = convert_options,
    .groups = CLI_GROUP_TOPO | CLI_GROUP_INPUT,
    .positional = convert_positional,
    .exit_status = "0 written, 1 the topology cannot be read or the output "
                   "cannot be written, 2 bad arguments.",
    .examples = "gpusched topo convert dgx-h100\n"
                "gpusched topo convert topo-m.txt node.json --hostname gpu01\n"
                "gpusched topo convert topology.conf c.json --node-template "
                "dgx-h100",
    .run = topo_convert,
};

/* ---- topo templates ------------------------------------------------------ */

static const cli_option templates_options[] = {
    CLI_OPTION_JSON("write {\"templates\": [{\"name\", \"kind\", "
                    "\"description\"}...]}"),
    CLI_OPTION_OUT,
    {.name = NULL}};

static int topo_templates(cli_args *a)
{
    if (cli_open_output(a) != CLI_OK)
        return CLI_FAIL;
    bool json = cli_given(a, CLI_O_JSON);
    if (json)
        fputs("{\"templates\": [", a->out);
    for (size_t i = 0; i < gs_template_count(); i++) {
        const char *kind = gs_template_is_cluster(i) ? "cluster" : "node";
        if (!json) {
            fprintf(a->out, "%-26s %-8s %s\n", gs_template_name(i), kind,
                    gs_template_description(i));
            continue;
        }
        fputs(i ? ",\n  {\"name\": " : "\n  {\"name\": ", a->out);
        cli_json_string(a->out, gs_template_name(i));
        fprintf(a->out, ", \"kind\": \"%s\", \"description\": ", kind);
        cli_json_string(a->out, gs_template_description(i));
        fputc('}', a->out);
    }
    if (json)
        fputs("\n]}\n", a->out);
    return CLI_OK;
}

const cli_command cli_cmd_topo_templates = {
    .path = "topo templates",
    .synopsis = "[--json] [--out FILE]",
    .summary = "list the built-in topologies (names for --topo)",
    .description = "List the built-in topologies: single machines (node) "
                   "and whole clusters (cluster). Their names work wherever "
                   "a topology is asked for.",
    .options = templates_options,
    .exit_status = "0 listed, 2 bad arguments.",
    .examples = "gpusched topo templates\n"
                "gpusched topo templates --json",
    .run = topo_templates,
};

/* ---- the topo group ------------------------------------------------------ */

const cli_command cli_cmd_topo = {
    .path = "topo",
    .synopsis = "SUBCOMMAND [options]",
    .summary = "look at, convert and list topologies",
    .description = "Topologies: what GPUs a machine or a cluster has and how "
                   "they are linked.",
    .exit_status = "0 success, 1 failure, 2 bad arguments.",
    .examples = "gpusched topo templates\n"
                "gpusched topo show dgx-h100\n"
                "gpusched topo convert topo-m.txt node.json",
};
