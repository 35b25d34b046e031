/*
 * gpusched topo show | convert | templates
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char cli_topo_options_help[] =
    "  --format F            force the input format: json, smi, hwloc, "
    "slurm-topology,\n"
    "                        slurm-gres (default: detected from the content)\n"
    "  --node-template T     hardware of the nodes a Slurm topology.conf "
    "names: a\n"
    "                        template for all, or HOSTLIST=TEMPLATE (may "
    "repeat)\n"
    "  --hostname NAME       name of the node of single-machine formats\n"
    "  --quiet               do not print warnings\n";

void cli_topo_args_init(cli_topo_args *a)
{
    memset(a, 0, sizeof *a);
    a->format = GS_FORMAT_AUTO;
}

int cli_topo_option(const char *prog, int argc, char **argv, int *i,
                    cli_topo_args *a)
{
    const char *opt = argv[*i];
    bool takes_value = !strcmp(opt, "--format") ||
                       !strcmp(opt, "--node-template") ||
                       !strcmp(opt, "--hostname");
    if (!strcmp(opt, "--quiet")) {
        a->quiet = 1;
        return 1;
    }
    if (!takes_value)
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "%s: %s needs a value\n", prog, opt);
        return -1;
    }
    const char *val = argv[++*i];
    if (!strcmp(opt, "--format")) {
        if (gs_format_from_name(val, &a->format) != GS_OK) {
            fprintf(stderr,
                    "%s: unknown format '%s' (json, smi, hwloc, "
                    "slurm-topology, slurm-gres)\n",
                    prog, val);
            return -1;
        }
    } else if (!strcmp(opt, "--hostname")) {
        a->hostname = val;
    } else {
        size_t used = strlen(a->templates_buf);
        if (used + strlen(val) + 2 > sizeof a->templates_buf) {
            fprintf(stderr, "%s: too many --node-template values\n", prog);
            return -1;
        }
        if (used)
            strcat(a->templates_buf, ";");
        strcat(a->templates_buf, val);
        a->node_templates = a->templates_buf;
    }
    return 1;
}

static void print_warning(void *user, const char *msg)
{
    fprintf(stderr, "%s: warning: %s\n", (const char *)user, msg);
}

gs_topo *cli_load_topo(const char *prog, const char *src,
                       const cli_topo_args *a)
{
    gs_load_options o;
    gs_load_options_init(&o);
    o.format = a->format;
    o.node_templates = a->node_templates;
    o.hostname = a->hostname;
    if (!a->quiet) {
        o.warn = print_warning;
        o.warn_user = (void *)(uintptr_t)prog;
    }
    gs_topo *t = NULL;
    gs_status st = gs_topo_load(&t, src, &o);
    if (st != GS_OK) {
        fprintf(stderr, "%s: %s\n", prog,
                t && gs_topo_errmsg(t)[0] ? gs_topo_errmsg(t)
                                          : gs_strerror(st));
        gs_topo_destroy(t);
        return NULL;
    }
    return t;
}

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

static int topo_show(int argc, char **argv)
{
    const char *src = NULL, *node_name = NULL;
    bool json = false;
    unsigned flags = 0;
    cli_topo_args ta;
    cli_topo_args_init(&ta);
    for (int i = 1; i < argc; i++) {
        int r = cli_topo_option("gpusched topo show", argc, argv, &i, &ta);
        if (r < 0)
            return CLI_USAGE;
        if (r > 0)
            continue;
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--sources"))
            flags |= GS_MATRIX_SOURCES;
        else if (!strcmp(argv[i], "--legend"))
            flags |= GS_MATRIX_LEGEND;
        else if (!strcmp(argv[i], "--node") && i + 1 < argc)
            node_name = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "gpusched topo show: unknown option '%s'\n",
                    argv[i]);
            return CLI_USAGE;
        } else if (!src)
            src = argv[i];
        else {
            fprintf(stderr, "gpusched topo show: one source only\n");
            return CLI_USAGE;
        }
    }
    if (!src) {
        fprintf(stderr, "usage: gpusched topo show SRC [--json] [--node NAME] "
                        "[--sources] [--legend] [topology options]\n%s",
                cli_topo_options_help);
        return CLI_USAGE;
    }
    gs_topo *t = cli_load_topo("gpusched topo show", src, &ta);
    if (!t)
        return CLI_FAIL;
    int rc = CLI_OK;
    if (json) {
        char *text;
        if (gs_topo_to_json(t, &text, NULL) != GS_OK) {
            fprintf(stderr, "gpusched topo show: out of memory\n");
            rc = CLI_FAIL;
        } else {
            fputs(text, stdout);
            gs_free(text);
        }
    } else {
        uint32_t node = GS_NONE;
        if (node_name) {
            node = gs_topo_find_node(t, node_name);
            if (node == GS_NONE) {
                fprintf(stderr, "gpusched topo show: no node named '%s'\n",
                        node_name);
                gs_topo_destroy(t);
                return CLI_FAIL;
            }
        } else if (gs_topo_node_count(t) == 1) {
            cli_print_summary(stdout, t);
            putchar('\n');
            node = 0;
        }
        rc = cli_print_topo(stdout, t, node, flags);
    }
    gs_topo_destroy(t);
    return rc;
}

static int topo_convert(int argc, char **argv)
{
    cli_topo_args ta;
    cli_topo_args_init(&ta);
    const char *in = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        int r = cli_topo_option("gpusched topo convert", argc, argv, &i, &ta);
        if (r < 0)
            return CLI_USAGE;
        if (r > 0)
            continue;
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "gpusched topo convert: unknown option '%s'\n",
                    argv[i]);
            return CLI_USAGE;
        } else if (!in)
            in = argv[i];
        else if (!out)
            out = argv[i];
        else {
            fprintf(stderr, "gpusched topo convert: too many arguments\n");
            return CLI_USAGE;
        }
    }
    if (!in || !out) {
        fprintf(stderr, "usage: gpusched topo convert IN OUT [topology "
                        "options]\n%s",
                cli_topo_options_help);
        return CLI_USAGE;
    }
    gs_topo *t = cli_load_topo("gpusched topo convert", in, &ta);
    if (!t)
        return CLI_FAIL;
    int rc = CLI_OK;
    if (!strcmp(out, "-")) {
        char *text;
        if (gs_topo_to_json(t, &text, NULL) != GS_OK) {
            rc = CLI_FAIL;
        } else {
            fputs(text, stdout);
            gs_free(text);
        }
    } else {
        errno = 0;
        gs_status st = gs_topo_save_json(t, out);
        if (st != GS_OK) {
            fprintf(stderr, "gpusched topo convert: %s: %s\n", out,
                    errno ? strerror(errno) : gs_strerror(st));
            rc = CLI_FAIL;
        }
    }
    gs_topo_destroy(t);
    return rc;
}

static int topo_templates(void)
{
    for (size_t i = 0; i < gs_template_count(); i++)
        printf("%-26s %-8s %s\n", gs_template_name(i),
               gs_template_is_cluster(i) ? "cluster" : "node",
               gs_template_description(i));
    return CLI_OK;
}

int cli_topo(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: gpusched topo show|convert|templates ...\n");
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "show"))
        return topo_show(argc - 1, argv + 1);
    if (!strcmp(argv[1], "convert"))
        return topo_convert(argc - 1, argv + 1);
    if (!strcmp(argv[1], "templates"))
        return topo_templates();
    fprintf(stderr, "gpusched topo: unknown subcommand '%s'\n", argv[1]);
    return CLI_USAGE;
}
