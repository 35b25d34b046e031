/*
 * The cluster gpusched-slurm places on: the nodes and GPUs of gres.conf
 * (Links=, Cores=, one Type per GPU) under the switch tree and blocks of
 * topology.conf, joined through the public builder API (no libslurm).
 */
#include "gss.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int load(const char *path, gs_format fmt, gs_topo **t, char *why,
                size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(why, cap, "%s: %s", path, strerror(errno));
        return -1;
    }
    fclose(f);
    gs_load_options o;
    gs_load_options_init(&o);
    o.format = fmt;
    if (gs_topo_load(t, path, &o) != GS_OK) {
        snprintf(why, cap, "%s", *t ? gs_topo_errmsg(*t) : "out of memory");
        gs_topo_destroy(*t);
        *t = NULL;
        return -1;
    }
    return 0;
}

/* Copy node n of src (its NUMA domains, GPUs and links) into dst. */
static gs_status copy_node(const gs_topo *src, uint32_t n, gs_topo *dst)
{
    uint32_t node;
    gs_status st = gs_topo_add_node(dst, gs_topo_node_name(src, n), &node);
    for (uint32_t k = 0; st == GS_OK && k < gs_topo_node_numa_count(src, n);
         k++) {
        size_t len = 0;
        gs_topo_numa_cpus(src, n, k, NULL, 0, &len);
        char *cpus = malloc(len + 1);
        if (!cpus)
            return GS_ENOMEM;
        st = gs_topo_numa_cpus(src, n, k, cpus, len + 1, &len);
        uint32_t numa;
        if (st == GS_OK)
            st = gs_topo_add_numa(dst, node, cpus,
                                  gs_topo_numa_memory(src, n, k), &numa);
        if (st == GS_OK)
            st = gs_topo_set_numa_os_id(dst, node, numa,
                                        gs_topo_numa_os_id(src, n, k));
        free(cpus);
    }
    uint32_t first = gs_topo_node_first_gpu(src, n);
    uint32_t ng = gs_topo_node_gpu_count(src, n);
    for (uint32_t g = 0; st == GS_OK && g < ng; g++) {
        gs_gpu_info gi = GS_GPU_INFO_INIT;
        st = gs_topo_gpu_info(src, first + g, &gi);
        if (st == GS_OK)
            st = gs_topo_add_gpu(dst, node, &gi, NULL);
    }
    for (uint32_t a = 0; st == GS_OK && a < ng; a++)
        for (uint32_t b = a + 1; st == GS_OK && b < ng; b++) {
            gs_link_info l = GS_LINK_INFO_INIT;
            st = gs_topo_link(src, first + a, first + b, &l);
            gs_link_info in = GS_LINK_INFO_INIT;
            in.nvlinks = l.nvlinks;
            in.pcie = l.pcie;
            in.bandwidth = l.bandwidth_explicit ? l.bandwidth : 0;
            in.source = l.source;
            if (st == GS_OK)
                st = gs_topo_set_link(dst, node, a, b, &in);
        }
    return st;
}

int gss_topo_build(const char *gres_path, const char *topology_path,
                   gs_topo **out, char *why, size_t cap)
{
    *out = NULL;
    gs_topo *g = NULL, *tc = NULL, *m = NULL;
    if (load(gres_path, GS_FORMAT_SLURM_GRES, &g, why, cap) != 0)
        return -1;
    if (!topology_path || !*topology_path) {
        *out = g;
        return 0;
    }
    if (load(topology_path, GS_FORMAT_SLURM_TOPOLOGY, &tc, why, cap) != 0) {
        gs_topo_destroy(g);
        return -1;
    }
    gs_status st = gs_topo_create(&m);
    for (uint32_t n = 0; st == GS_OK && n < gs_topo_node_count(g); n++)
        st = copy_node(g, n, m);
    /* the switch tree: the same indexes as in topology.conf's topology */
    uint32_t ns = gs_topo_switch_count(tc);
    for (uint32_t s = 0; st == GS_OK && s < ns; s++)
        st = gs_topo_add_switch(m, gs_topo_switch_name(tc, s),
                                gs_topo_switch_link_speed(tc, s), NULL);
    for (uint32_t s = 0; st == GS_OK && s < ns; s++) {
        uint32_t p = gs_topo_switch_parent(tc, s);
        if (p != GS_NONE)
            st = gs_topo_set_switch_parent(m, s, p);
    }
    uint32_t nd = gs_topo_nvlink_domain_count(tc);
    for (uint32_t d = 0; st == GS_OK && d < nd; d++)
        st = gs_topo_add_nvlink_domain(m, gs_topo_nvlink_domain_name(tc, d),
                                       NULL);
    /* each GPU node where topology.conf puts it; a node topology.conf
     * leaves out stays outside the tree */
    for (uint32_t n = 0; st == GS_OK && n < gs_topo_node_count(g); n++) {
        uint32_t tn = gs_topo_find_node(tc, gs_topo_node_name(g, n));
        if (tn == GS_NONE)
            continue;
        uint32_t sw = gs_topo_node_switch(tc, tn);
        if (sw != GS_NONE)
            st = gs_topo_attach_node(m, n, sw);
        uint32_t dom = gs_topo_node_domain(tc, tn);
        if (st == GS_OK && dom != GS_NONE)
            st = gs_topo_set_node_domain(m, dom, n);
    }
    if (st == GS_OK)
        st = gs_topo_freeze(m);
    if (st != GS_OK) {
        snprintf(why, cap, "%s with %s: %s", gres_path, topology_path,
                 m && gs_topo_errmsg(m)[0] ? gs_topo_errmsg(m)
                                           : gs_strerror(st));
        gs_topo_destroy(m);
        m = NULL;
    }
    gs_topo_destroy(g);
    gs_topo_destroy(tc);
    *out = m;
    return m ? 0 : -1;
}
