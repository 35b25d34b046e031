/*
 * gpusched topo show | convert | templates
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cli.h"

#include <errno.h>
#include <math.h>
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
    /* features and weight only where set, so that most outputs stay as
     * they were */
    char feats[GS_MAX_TOPO_FEATURES * 65];
    if (gs_topo_node_features(t, node, feats, sizeof feats, NULL) == GS_OK &&
        *feats)
        fprintf(out, ", features %s", feats);
    if (gs_topo_node_weight(t, node) != 1)
        fprintf(out, ", weight %u", gs_topo_node_weight(t, node));
    fputc('\n', out);
}

/* Whether two nodes have the same features and weight (node_line prints
 * them for a whole run of nodes). */
static bool same_tags(const gs_topo *t, uint32_t a, uint32_t b)
{
    if (gs_topo_node_weight(t, a) != gs_topo_node_weight(t, b))
        return false;
    char fa[GS_MAX_TOPO_FEATURES * 65], fb[sizeof fa];
    if (gs_topo_node_features(t, a, fa, sizeof fa, NULL) != GS_OK ||
        gs_topo_node_features(t, b, fb, sizeof fb, NULL) != GS_OK)
        return false;
    return strcmp(fa, fb) == 0;
}

/* ---- nodes that print the same ------------------------------------------ */

/* What the tool prints about a node of a kind (its summary line, matrix and
 * fabric line) as bytes, built from the public API in one pass over the
 * node: two nodes print the same exactly when their descriptions are
 * equal. Names, UUIDs and bus ids are not printed per kind and are left
 * out. (The library knows which nodes share a type, but does not say:
 * this costs a look at each GPU pair of each node, once.) */
typedef struct node_desc {
    unsigned char *bytes;
    size_t len, cap;
    bool failed; /* out of memory */
} node_desc;

/* Room for n more bytes; false when out of memory. */
static bool desc_reserve(node_desc *d, size_t n)
{
    if (d->failed)
        return false;
    if (n > d->cap - d->len) {
        size_t cap = d->cap ? d->cap : 1024;
        while (n > cap - d->len) {
            if (cap > SIZE_MAX / 2) {
                d->failed = true;
                return false;
            }
            cap *= 2;
        }
        unsigned char *nb = realloc(d->bytes, cap);
        if (!nb) {
            d->failed = true;
            return false;
        }
        d->bytes = nb;
        d->cap = cap;
    }
    return true;
}

static void desc_put(node_desc *d, const void *v, size_t n)
{
    if (n == 0) /* v may be NULL then */
        return;
    if (!desc_reserve(d, n))
        return;
    memcpy(d->bytes + d->len, v, n);
    d->len += n;
}

static void desc_u32(node_desc *d, uint32_t v)
{
    desc_put(d, &v, sizeof v);
}

static void desc_u64(node_desc *d, uint64_t v)
{
    desc_put(d, &v, sizeof v);
}

/* A string with its length first, so that "ab","c" and "a","bc" differ. */
static void desc_str(node_desc *d, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    desc_u64(d, n);
    desc_put(d, s, n);
}

/* Describe node n into d (emptied first); cpus is a scratch buffer for the
 * cpulists. */
static void describe_node(const gs_topo *t, uint32_t n, node_desc *d,
                          char **cpus, size_t *cpus_cap)
{
    d->len = 0;
    uint32_t nd = gs_topo_node_numa_count(t, n);
    desc_u32(d, gs_topo_node_cpu_count(t, n));
    desc_u32(d, nd);
    for (uint32_t k = 0; k < nd && !d->failed; k++) {
        desc_u64(d, gs_topo_numa_memory(t, n, k));
        desc_u32(d, gs_topo_numa_os_id(t, n, k));
        size_t len = 0;
        gs_topo_numa_cpus(t, n, k, NULL, 0, &len);
        if (len + 1 > *cpus_cap) {
            char *nb = realloc(*cpus, len + 1);
            if (!nb) {
                d->failed = true;
                break;
            }
            *cpus = nb;
            *cpus_cap = len + 1;
        }
        if (gs_topo_numa_cpus(t, n, k, *cpus, *cpus_cap, &len) != GS_OK)
            (*cpus)[0] = '\0';
        desc_str(d, *cpus);
    }
    uint32_t ng = gs_topo_node_gpu_count(t, n);
    uint32_t first = gs_topo_node_first_gpu(t, n);
    desc_u32(d, ng);
    for (uint32_t g = 0; g < ng && !d->failed; g++) {
        gs_gpu_info gi;
        gs_gpu_info_init(&gi);
        gs_topo_gpu_info(t, first + g, &gi);
        desc_str(d, gi.model);
        desc_u64(d, gi.memory_bytes);
        desc_u32(d, gi.cc_major);
        desc_u32(d, gi.cc_minor);
        desc_u32(d, gi.numa);
        desc_u32(d, gi.fabric);
        desc_u32(d, gi.fabric_links);
    }
    /* the matrix's cells: links are symmetric (a pair is one link), so one
     * half of it says all */
    enum { CELL = sizeof(uint32_t) + 1 };
    size_t pairs = ng ? (size_t)ng * (ng - 1) / 2 : 0;
    if (pairs > SIZE_MAX / CELL) {
        d->failed = true;
        return;
    }
    if (!desc_reserve(d, pairs * CELL))
        return;
    unsigned char *p = d->bytes + d->len;
    for (uint32_t i = 0; i < ng; i++)
        for (uint32_t j = i + 1; j < ng; j++) {
            gs_link_info l = GS_LINK_INFO_INIT;
            gs_topo_link(t, first + i, first + j, &l);
            memcpy(p, &l.nvlinks, sizeof l.nvlinks);
            p[sizeof l.nvlinks] = (unsigned char)l.pcie;
            p += CELL;
        }
    d->len += pairs * CELL;
}

static bool desc_equal(const node_desc *a, const node_desc *b)
{
    return a->len == b->len &&
           (a->len == 0 || memcmp(a->bytes, b->bytes, a->len) == 0);
}

/* Matrices shown without --node: one per kind, this many at most. */
#define MAX_KINDS 8

/* A topology's nodes grouped for printing. */
typedef struct node_groups {
    uint32_t *run_start; /* runs of consecutive nodes that print the same */
    uint32_t nruns;
    uint32_t kind[MAX_KINDS + 1]; /* the first node of each kind of node
                                     with GPUs; one past MAX_KINDS says
                                     that there are more */
    uint32_t nkinds;
} node_groups;

static void groups_free(node_groups *g)
{
    free(g->run_start);
    g->run_start = NULL;
}

/* Group the nodes, describing each one once. CLI_FAIL: out of memory. */
static int group_nodes(const gs_topo *t, node_groups *g)
{
    uint32_t nn = gs_topo_node_count(t);
    memset(g, 0, sizeof *g);
    g->run_start = malloc((nn ? nn : 1) * sizeof *g->run_start);
    node_desc desc[2] = {{0}}, kinds[MAX_KINDS + 1];
    memset(kinds, 0, sizeof kinds);
    char *cpus = NULL;
    size_t cpus_cap = 0;
    bool failed = !g->run_start;
    for (uint32_t n = 0; n < nn && !failed; n++) {
        node_desc *cur = &desc[n % 2], *prev = &desc[(n + 1) % 2];
        describe_node(t, n, cur, &cpus, &cpus_cap);
        if ((failed = cur->failed))
            break;
        bool same = n > 0 && desc_equal(cur, prev);
        if (!same || !same_tags(t, n - 1, n))
            g->run_start[g->nruns++] = n;
        /* a node like the one before is of its kind */
        if (same || !gs_topo_node_gpu_count(t, n) || g->nkinds > MAX_KINDS)
            continue;
        uint32_t k = 0;
        while (k < g->nkinds && !desc_equal(cur, &kinds[k]))
            k++;
        if (k < g->nkinds)
            continue;
        desc_put(&kinds[k], cur->bytes, cur->len);
        failed = kinds[k].failed;
        g->kind[g->nkinds++] = n;
    }
    for (size_t k = 0; k <= MAX_KINDS; k++)
        free(kinds[k].bytes);
    free(desc[0].bytes);
    free(desc[1].bytes);
    free(cpus);
    if (failed) {
        groups_free(g);
        return CLI_FAIL;
    }
    return CLI_OK;
}

static void print_summary(FILE *out, const gs_topo *t, const node_groups *g)
{
    uint32_t nn = gs_topo_node_count(t);
    fprintf(out, "Cluster: %u node%s, %u GPU%s, %u switch%s, %u NVLink "
                 "domain%s\n",
            nn, nn == 1 ? "" : "s", gs_topo_gpu_count(t),
            gs_topo_gpu_count(t) == 1 ? "" : "s", gs_topo_switch_count(t),
            gs_topo_switch_count(t) == 1 ? "" : "es",
            gs_topo_nvlink_domain_count(t),
            gs_topo_nvlink_domain_count(t) == 1 ? "" : "s");
    for (uint32_t r = 0; r < g->nruns; r++) {
        uint32_t first = g->run_start[r];
        uint32_t last = r + 1 < g->nruns ? g->run_start[r + 1] - 1 : nn - 1;
        if (first == last)
            fprintf(out, "  %s: ", gs_topo_node_name(t, first));
        else
            fprintf(out, "  %u nodes %s .. %s: ", last - first + 1,
                    gs_topo_node_name(t, first), gs_topo_node_name(t, last));
        node_line(out, t, first);
    }
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

int cli_print_summary(FILE *out, const gs_topo *t)
{
    node_groups g;
    if (group_nodes(t, &g) != CLI_OK)
        return CLI_FAIL;
    print_summary(out, t, &g);
    groups_free(&g);
    return CLI_OK;
}

int cli_print_topo(FILE *out, const gs_topo *t, uint32_t node, unsigned flags)
{
    if (node != GS_NONE) {
        fprintf(out, "Node %s:\n", gs_topo_node_name(t, node));
        return print_matrix(out, t, node, flags);
    }
    node_groups g;
    if (group_nodes(t, &g) != CLI_OK)
        return CLI_FAIL;
    print_summary(out, t, &g);
    /* the matrix of the first node of each kind */
    int rc = CLI_OK;
    for (uint32_t k = 0; k < g.nkinds && rc == CLI_OK; k++) {
        if (k == MAX_KINDS) {
            fprintf(out, "\n(more node kinds: use --node NAME)\n");
            break;
        }
        fprintf(out, "\nNode %s%s:\n", gs_topo_node_name(t, g.kind[k]),
                gs_topo_node_count(t) > 1 ? " (and the nodes like it)" : "");
        rc = print_matrix(out, t, g.kind[k], flags);
    }
    groups_free(&g);
    return rc;
}

/* ---- topo show ----------------------------------------------------------- */

enum { SHOW_NODE, SHOW_SOURCES, SHOW_LEGEND, SHOW_QUALITY };
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
    {SHOW_QUALITY, "--quality", NULL, "LIST", "none",
     "instead of the matrix, the bandwidth models of this GPU set "
     "(cluster-wide indices like 0,2,4-5): Q(S), the sum of its pair "
     "bandwidths, and the model of each communication pattern, in GB/s",
     0},
    CLI_OPTION_PATTERN("all of them, one line",
                       "with --quality: the pattern whose model is shown "
                       "with its detail: any, ring (the rings' summed rate, "
                       "how many, the best single ring), all-to-all (the "
                       "weakest pair, the bisection), chain or none"),
    CLI_OPTION_JSON("write the topology as gpusched JSON (docs/formats.md) "
                    "instead of the matrix; with --quality, the set's "
                    "models as one JSON document"),
    CLI_OPTION_OUT,
    {.name = NULL}};
static const int topo_positional[] = {CLI_O_TOPO, -1};

/* Nodes --quality names in its text before "and N more". */
#define SHOWN_NODES 4

/* The set's GPUs and nodes, the way --quality prints them: in text, runs
 * of three or more GPUs as ranges (0-71), like the option takes them. */
static void print_set(FILE *out, const gs_topo *t, const uint32_t *gpus,
                      size_t m, bool json)
{
    fputs(json ? "{\"gpus\": [" : "GPUs ", out);
    for (size_t i = 0; i < m; i++) {
        size_t run = 1;
        while (!json && i + run < m && gpus[i + run] == gpus[i] + run)
            run++;
        fprintf(out, i ? (json ? ", %u" : ",%u") : "%u", gpus[i]);
        if (run >= 3) {
            fprintf(out, "-%u", gpus[i + run - 1]);
            i += run - 1;
        }
    }
    fputs(json ? "], \"nodes\": [" : " on ", out);
    uint32_t last = GS_NONE, shown = 0, more = 0;
    for (size_t i = 0; i < m; i++) {
        uint32_t node = gs_topo_gpu_node(t, gpus[i]);
        if (node == last)
            continue;
        last = node;
        if (!json && shown == SHOWN_NODES) {
            more++;
            continue;
        }
        fputs(shown++ ? ", " : "", out);
        if (json)
            cli_json_string(out, gs_topo_node_name(t, node));
        else
            fputs(gs_topo_node_name(t, node), out);
    }
    if (more)
        fprintf(out, " and %u more node%s", more, more == 1 ? "" : "s");
    fputs(json ? "]" : "\n", out);
}

/* "NAME GB/s" */
static void print_gbs(FILE *out, const char *before, double v)
{
    fputs(before, out);
    cli_print_gbs(out, v);
    fputs(" GB/s", out);
}

/* A JSON member: what comes before the number (its key), then the number
 * (null when not finite). */
static void json_member_number(FILE *out, const char *before, double v)
{
    fputs(before, out);
    cli_json_number(out, v);
}

/* The detail line of one pattern's model. */
static void print_model(FILE *out, gs_comm_pattern p, size_t m,
                        const gs_pattern_info *pi)
{
    fprintf(out, "%s: ", gs_pattern_name(p));
    print_gbs(out, "", pi->bandwidth);
    switch (p) {
    case GS_PATTERN_ANY:
        fprintf(out, ", Q(S), the sum of the %zu pair bandwidths",
                m * (m - 1) / 2);
        break;
    case GS_PATTERN_RING:
        fprintf(out, ", the summed rate of %u ring%s the links carry "
                     "together;",
                pi->rings, pi->rings == 1 ? "" : "s");
        print_gbs(out, " the best single ring ", pi->ring_single);
        break;
    case GS_PATTERN_ALL_TO_ALL:
        fprintf(out, ", %zu x the weakest effective pair,", m - 1);
        print_gbs(out, " ", pi->weakest_pair);
        if (pi->bisection > 0 || m < 2)
            print_gbs(out, "; bisection ", pi->bisection);
        else
            fputs("; bisection not computed (too many GPUs to split "
                  "exactly)",
                  out);
        break;
    case GS_PATTERN_CHAIN:
        fputs(", the bottleneck of the best path through the GPUs", out);
        break;
    case GS_PATTERN_NONE:
        fputs(", no communication between the GPUs", out);
        break;
    }
    fputc('\n', out);
}

/* topo show --quality LIST [--pattern P]: the set's models. */
static int show_quality(cli_args *a, const gs_topo *t, gs_comm_pattern p)
{
    uint32_t n = gs_topo_gpu_count(t);
    unsigned char *in = calloc((size_t)n + 1, 1);
    uint32_t *gpus = calloc((size_t)n + 1, sizeof *gpus);
    int rc = CLI_OK;
    if (!in || !gpus) {
        rc = cli_fail(a, "out of memory");
        goto out;
    }
    if ((rc = cli_parse_gpu_list(a, "--quality", a->val[SHOW_QUALITY], n,
                                 in)) != CLI_OK)
        goto out;
    size_t m = 0;
    for (uint32_t g = 0; g < n; g++)
        if (in[g])
            gpus[m++] = g;
    gs_pattern_info pi = GS_PATTERN_INFO_INIT;
    gs_status st = gs_topo_pattern_bandwidth(t, gpus, m, p, &pi);
    if (st != GS_OK) {
        rc = cli_fail(a, "--quality: %s", gs_strerror(st));
        goto out;
    }
    FILE *f = a->out;
    if (cli_given(a, CLI_O_JSON)) {
        print_set(f, t, gpus, m, true);
        fprintf(f, ", \"pattern\": \"%s\"", gs_pattern_name(p));
        json_member_number(f, ", \"bandwidth\": ", pi.bandwidth);
        json_member_number(f, ", \"quality\": ", pi.q);
        json_member_number(f, ",\n \"ring\": {\"bandwidth\": ", pi.ring);
        fprintf(f, ", \"rings\": %u", pi.rings);
        json_member_number(f, ", \"best_single\": ", pi.ring_single);
        json_member_number(f, "},\n \"all_to_all\": {\"bandwidth\": ",
                           pi.all_to_all);
        json_member_number(f, ", \"weakest_pair\": ", pi.weakest_pair);
        /* 0 for a set of 2 or more: not computed */
        json_member_number(f, ", \"bisection\": ",
                           pi.bisection > 0 || m < 2 ? pi.bisection : NAN);
        json_member_number(f, "},\n \"chain\": {\"bandwidth\": ", pi.chain);
        fprintf(f, "}, \"exact\": %s}\n", pi.exact ? "true" : "false");
        goto out;
    }
    print_set(f, t, gpus, m, false);
    print_gbs(f, "Q(S) ", pi.q);
    fputc('\n', f);
    if (cli_given(a, CLI_O_PATTERN)) {
        print_model(f, p, m, &pi);
    } else {
        const struct {
            const char *name;
            double v;
        } models[] = {{"any", pi.q},
                      {"ring", pi.ring},
                      {"all-to-all", pi.all_to_all},
                      {"chain", pi.chain}};
        for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
            fprintf(f, "%s%s ", i ? ", " : "models: ", models[i].name);
            cli_print_gbs(f, models[i].v);
        }
        fputs(" GB/s\n", f);
    }
    bool rings_or_paths = !cli_given(a, CLI_O_PATTERN) ||
                          p == GS_PATTERN_RING || p == GS_PATTERN_CHAIN;
    if (!pi.exact && rings_or_paths)
        fputs("(ring and chain are lower bounds: the set spans more than 16 "
              "GPUs of a node or NVLink domain, so its rings and paths "
              "follow the GPU ids)\n",
              f);
out:
    free(in);
    free(gpus);
    return rc;
}

static int topo_show(cli_args *a)
{
    bool json = cli_given(a, CLI_O_JSON);
    bool quality = cli_given(a, SHOW_QUALITY);
    bool shape = cli_given(a, SHOW_NODE) || cli_given(a, SHOW_SOURCES) ||
                 cli_given(a, SHOW_LEGEND);
    if (json && shape && !quality)
        return cli_usage_error(a, "--node, --sources and --legend shape the "
                                  "matrix; --json writes the whole topology");
    if (quality && shape)
        return cli_usage_error(a, "--node, --sources and --legend shape the "
                                  "matrix; --quality shows a GPU set instead");
    if (cli_given(a, CLI_O_PATTERN) && !quality)
        return cli_usage_error(a, "--pattern shows the model of a GPU set: "
                                  "give the set with --quality");
    gs_comm_pattern pattern;
    if (cli_parse_pattern_option(a, &pattern) != CLI_OK)
        return CLI_USAGE;
    unsigned flags = (cli_given(a, SHOW_SOURCES) ? GS_MATRIX_SOURCES : 0) |
                     (cli_given(a, SHOW_LEGEND) ? GS_MATRIX_LEGEND : 0);
    if (cli_open_output(a) != CLI_OK)
        return CLI_FAIL;
    gs_topo *t = cli_load_topo(a, a->val[CLI_O_TOPO]);
    if (!t)
        return CLI_FAIL;
    int rc = CLI_OK;
    if (quality) {
        rc = show_quality(a, t, pattern);
    } else if (json) {
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
            rc = cli_print_summary(a->out, t);
            fputc('\n', a->out);
            node = 0;
        }
        if (rc == CLI_OK)
            rc = cli_print_topo(a->out, t, node, flags);
        if (rc != CLI_OK)
            cli_fail(a, "out of memory");
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
        "--json, the topology in gpusched's JSON format instead.\n\n"
        "With --quality LIST, a GPU set instead: its quality Q(S) (the sum "
        "of its pair bandwidths) and the bandwidth model of each "
        "communication pattern, the one placement maximizes for a job of "
        "that pattern (ring all-reduce, all-to-all, chain); --pattern shows "
        "one of them with its detail.",
    .options = show_options,
    .groups = CLI_GROUP_TOPO | CLI_GROUP_INPUT,
    .positional = topo_positional,
    .exit_status = "0 shown, 1 the topology cannot be read, 2 bad arguments "
                   "(also a GPU index the topology does not have).",
    .examples = "gpusched topo show dgx-h100\n"
                "gpusched topo show gb200-nvl72 --node nvl72-tray01\n"
                "gpusched topo show dgx1-v100 --legend\n"
                "gpusched topo show dgx1-v100 --quality 0,1,2,4,5 --pattern "
                "ring\n"
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
