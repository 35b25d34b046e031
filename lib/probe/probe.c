/*
 * gs_topo_probe: the machine the program runs on, as a one-node topology.
 *
 * The order of things:
 *   1. the CUDA driver (probe_cuda.c): which GPUs, their attributes and
 *      P2P attributes. Without it the probe fails, or with
 *      GS_PROBE_PARTIAL returns hwloc's view (the hwloc importer);
 *   2. NVML (probe_nvml.c): NVLinks, NVSwitch fabrics, PCIe levels, MIG;
 *   3. CUDA_VISIBLE_DEVICES, for the report (probe_visible.c);
 *   4. hwloc (import_hwloc.c's shared internals): NUMA domains, CPUs,
 *      memory, each GPU's domain, and the PCIe levels and NVLinks NVML
 *      did not give;
 *   5. the node: GPUs in CUDA order, then every pair's link, each fact
 *      with its source; then freeze.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "import/import_hwloc.h"
#include "probe/probe_impl.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- helpers shared by the probe's files ------------------------------- */

void pr_warn(pr_ctx *c, const char *fmt, ...)
{
    if (!c->lo.warn)
        return;
    char msg[GS_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    gs_load_warn(&c->lo, "probe: %s", msg);
}

gs_status pr_lib_result(pr_ctx *c, gs_probe_lib lib, gs_status st,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->lib_message[lib], GS_ERRMSG_MAX, fmt, ap);
    va_end(ap);
    c->lib_status[lib] = st;
    return st;
}

void pr_clean(const char *in, size_t max, char *out, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return;
    if (in) {
        size_t i = 0;
        while (i < max && in[i] && (in[i] == ' ' || in[i] == '\t'))
            i++;
        for (; i < max && in[i] && n + 1 < cap; i++) {
            unsigned char ch = (unsigned char)in[i];
            out[n++] = ch < 0x20 || ch >= 0x7f ? '?' : (char)ch;
        }
    }
    while (n && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

void *pr_dlopen(const char *name, int extra_flags, gs_status *st, char *msg,
                size_t cap)
{
    void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL | extra_flags);
    if (h) {
        *st = GS_OK;
        return h;
    }
    const char *why = dlerror();
    char e[300];
    pr_clean(why, sizeof e - 1, e, sizeof e);
    if (!*e || strstr(e, "No such file")) {
        *st = GS_ENODEV;
        if (strchr(name, '/'))
            snprintf(msg, cap, "%s not found (no such file)", name);
        else
            snprintf(msg, cap,
                     "%s not found: the NVIDIA driver is not installed, or "
                     "the dynamic loader does not find it",
                     name);
    } else {
        *st = GS_EDRIVER;
        snprintf(msg, cap, "%s cannot be loaded: %s", name, e);
    }
    return NULL;
}

const char *pr_library(const char *given, const char *env_var,
                       const char *soname)
{
    if (given && *given)
        return given;
    const char *env = getenv(env_var);
    return env && *env ? env : soname;
}

pr_fn pr_dlsym(void *handle, const char *symbol)
{
    void *p = dlsym(handle, symbol);
    pr_fn f;
    /* ISO C has no conversion from void * to a function pointer; POSIX
     * guarantees the representation is the same. */
    memcpy(&f, &p, sizeof f);
    return f;
}

/* ---- options ----------------------------------------------------------- */

GS_API void gs_probe_options_init(gs_probe_options *opts)
{
    if (opts) {
        gs_probe_options d = GS_PROBE_OPTIONS_INIT;
        *opts = d;
    }
}

#define PR_FLAGS \
    (GS_PROBE_PARTIAL | GS_PROBE_NO_NVML | GS_PROBE_NO_HWLOC | \
     GS_PROBE_NOFREEZE)

static gs_status read_options(const gs_probe_options *in,
                              gs_probe_options *out, gs_err *err)
{
    gs_probe_options_init(out);
    if (!in)
        return GS_OK;
    if (in->struct_size < offsetof(gs_probe_options, flags) + sizeof in->flags)
        return gs_errf(err, GS_EINVAL,
                       "probe options: struct_size %u is too small "
                       "(initialize them with gs_probe_options_init)",
                       in->struct_size);
    size_t n = GS_MIN((size_t)in->struct_size, sizeof *out);
    memcpy(out, in, n);
    out->struct_size = sizeof *out;
    if (out->flags & ~PR_FLAGS)
        return gs_errf(err, GS_EINVAL, "probe options: unknown flags 0x%x",
                       out->flags & ~PR_FLAGS);
    if (out->hostname && *out->hostname &&
        gs_check_name("node", out->hostname, err) != GS_OK)
        return GS_EINVAL;
    return GS_OK;
}

/* The node's name: the caller's, else this host's when it is a valid
 * node name, else "localhost". */
static const char *pick_hostname(const gs_probe_options *o, char *buf,
                                 size_t cap)
{
    if (o->hostname && *o->hostname)
        return o->hostname;
    gs_err scratch;
    memset(buf, 0, cap);
    if (gethostname(buf, cap - 1) == 0 && buf[0] &&
        gs_check_name("node", buf, &scratch) == GS_OK)
        return buf;
    return "localhost";
}

/* ---- the node ---------------------------------------------------------- */

static gs_status add_node(pr_ctx *c)
{
    return gs_topo_add_node(c->t, c->lo.hostname, &c->node);
}

/* Start again with an empty topology and the node (after hwloc left a
 * half-built one). */
static gs_status reset_topology(pr_ctx *c, bool with_node)
{
    gs_topo *fresh = NULL;
    gs_status st = gs_topo_create(&fresh);
    if (st != GS_OK)
        return st;
    gs_topo_destroy(c->t);
    c->t = fresh;
    return with_node ? add_node(c) : GS_OK;
}

/* hwloc's source, when it is used: the XML file's text, read when the
 * probe began (NULL for this machine; owned by c). *used is false with
 * GS_PROBE_NO_HWLOC (recorded for the report). */
static gs_status hwloc_source(pr_ctx *c, bool *used, char **text,
                              size_t *len)
{
    *text = c->xml_text;
    *len = c->xml_len;
    *used = !(c->flags & GS_PROBE_NO_HWLOC);
    if (!*used) {
        pr_lib_result(c, GS_PROBE_LIB_HWLOC, GS_EUNSUPPORTED,
                      "not used (GS_PROBE_NO_HWLOC)");
        return GS_OK;
    }
    const char *xml = c->o->hwloc_xml;
    snprintf(c->lib_name[GS_PROBE_LIB_HWLOC], PR_NAME_MAX, "%s",
             xml ? xml : "this machine");
    return GS_OK;
}

/* hwloc's view for the node. A failure of the live view is a warning (the
 * node goes without NUMA domains); an explicit XML file that cannot be
 * used fails the probe. */
static gs_status open_hwloc(pr_ctx *c, gs_hwloc **h)
{
    *h = NULL;
    const char *xml = c->o->hwloc_xml;
    char *text;
    size_t len;
    bool used;
    gs_status st = hwloc_source(c, &used, &text, &len);
    if (!used)
        return GS_OK;
    /* hwloc's NVLinks only for GPUs NVML did not count */
    bool nvlinks = false;
    for (uint32_t g = 0; g < c->n_gpus; g++)
        nvlinks |= !c->gpus[g].nv_known && *c->gpus[g].pci;
    if (st == GS_OK)
        st = gs_hwloc_open(h, c->t, c->node, text, len, xml, nvlinks, &c->lo);
    if (st == GS_OK) {
        uint32_t nd = gs_hwloc_numa_count(*h);
        pr_lib_result(c, GS_PROBE_LIB_HWLOC, GS_OK,
                      "%s: %u NUMA domain%s, %u CPUs", xml ? xml : "hwloc",
                      nd, nd == 1 ? "" : "s",
                      c->t->nodes[c->node].type->n_cpus);
        return GS_OK;
    }
    if (st == GS_ENOMEM)
        return st;
    pr_lib_result(c, GS_PROBE_LIB_HWLOC, st, "%s", c->t->err.msg);
    if (xml)
        return st;
    pr_warn(c, "%s; the node has no NUMA domains and no CPUs",
            c->t->err.msg);
    return reset_topology(c, true);
}

/* NUMA domains and hwloc's NVLink facts for the GPUs NVML did not cover. */
static void gpu_locality(pr_ctx *c, gs_hwloc *h)
{
    uint32_t n_numa = h ? gs_hwloc_numa_count(h) : 0;
    bool hw_nv = h && gs_hwloc_has_nvlinks(h);
    /* hwloc's fabric numbers go after NVML's so the two never merge */
    uint32_t first_hw_fabric = 0;
    for (uint32_t g = 0; g < c->n_gpus; g++)
        if (c->gpus[g].fabric != GS_NONE)
            first_hw_fabric = GS_MAX(first_hw_fabric, c->gpus[g].fabric + 1);
    for (uint32_t g = 0; g < c->n_gpus; g++) {
        pr_gpu *gp = &c->gpus[g];
        if (!h || !*gp->pci)
            continue;
        uint32_t numa = gs_hwloc_pci_numa(h, gp->pci);
        if (numa != GS_NONE && numa < n_numa) {
            gp->numa = numa;
            gp->numa_src = GS_SOURCE_HWLOC;
        }
        if (gp->nv_known || !hw_nv || !gs_hwloc_has_pci(h, gp->pci))
            continue;
        uint32_t fabric, links;
        gs_hwloc_gpu_fabric(h, gp->pci, &fabric, &links);
        if (fabric != GS_NONE && links) {
            gp->fabric = first_hw_fabric + fabric;
            gp->fabric_links = links;
            gp->fabric_src = GS_SOURCE_HWLOC;
        }
        gp->nvlink_src = GS_SOURCE_HWLOC;
    }
}

static gs_status add_gpus(pr_ctx *c)
{
    for (uint32_t g = 0; g < c->n_gpus; g++) {
        pr_gpu *gp = &c->gpus[g];
        gs_gpu_info gi = GS_GPU_INFO_INIT;
        gi.model = *gp->model ? gp->model : NULL;
        gi.uuid = *gp->uuid ? gp->uuid : NULL;
        gi.pci_bus_id = *gp->pci ? gp->pci : NULL;
        gi.memory_bytes = gp->memory;
        gi.cc_major = gp->cc_major;
        gi.cc_minor = gp->cc_minor;
        gi.sm_count = gp->sms;
        gi.numa = gp->numa;
        if (gp->fabric != GS_NONE && (gp->fabric >= 255 ||
                                      gp->fabric_links > 255)) {
            pr_warn(c, "GPU %u: NVSwitch fabric %u with %u links is beyond "
                       "what a node holds (255 fabrics, 255 links); left off "
                       "the fabric",
                    g, gp->fabric, gp->fabric_links);
            gp->fabric = GS_NONE;
            gp->fabric_links = 0;
        }
        gi.fabric = gp->fabric;
        gi.fabric_links = gp->fabric != GS_NONE ? gp->fabric_links : 0;
        gs_status st = gs_topo_add_gpu(c->t, c->node, &gi, NULL);
        if (st != GS_OK) {
            if (st != GS_ENOMEM) {
                char msg[GS_ERRMSG_MAX];
                snprintf(msg, sizeof msg, "%s", c->t->err.msg);
                gs_errf(&c->t->err, st, "probe: GPU %u (CUDA device %d): %s",
                        g, gp->ordinal, msg);
            }
            return st;
        }
    }
    return GS_OK;
}

/* The GPU instance profiles by the id NVML (and `nvidia-smi mig -lgip`)
 * gives them, on A100, H100 and H200 alike, as the number of mig.h's
 * tables (NVIDIA MIG user guide, "Supported MIG Profiles"). */
static uint32_t mig_profile_of(uint32_t id)
{
    switch (id) {
    case 19: return 0; /* 1g */
    case 20: return 1; /* 1g+me */
    case 15: return 2; /* 1g with two memory slots */
    case 14: return 3; /* 2g */
    case 9: return 4;  /* 3g */
    case 5: return 5;  /* 4g */
    case 0: return 6;  /* 7g */
    default: return GS_NONE;
    }
}

/* GPUs in MIG mode: a fixed layout of the GPU instances NVML listed (with
 * their UUIDs), or dynamic when there are none. A GPU whose model has no
 * MIG table, or whose instances could not be read or make no legal
 * layout, stays a whole GPU, with a warning. */
static gs_status set_mig(pr_ctx *c)
{
    for (uint32_t g = 0; g < c->n_gpus; g++) {
        pr_gpu *gp = &c->gpus[g];
        if (gp->mig != 1)
            continue;
        const char *who = *gp->uuid ? gp->uuid : gp->pci;
        gs_mig_gpu kind;
        if (gs_mig_gpu_find(gp->model, gp->memory, &kind) != GS_OK) {
            pr_warn(c, "GPU %u (%s) has MIG enabled, but its model (%s) is "
                       "not in gpusched's MIG tables: the node lists the "
                       "whole GPU",
                    g, who, *gp->model ? gp->model : "unknown");
            continue;
        }
        if (gp->mig_n < 0) {
            pr_warn(c, "GPU %u (%s) has MIG enabled, but NVML did not list "
                       "its MIG instances: the node lists the whole GPU",
                    g, who);
            continue;
        }
        gs_mig_instance inst[7];
        const char *uuids[7];
        bool ok = true;
        for (int i = 0; i < gp->mig_n && ok; i++) {
            const struct pr_mig *m = &gp->mig_inst[i];
            gs_mig_profile_info info;
            uint32_t p = mig_profile_of(m->profile_id);
            ok = p != GS_NONE && gs_mig_profile_get(kind, p, &info) == GS_OK &&
                 info.span == m->size && m->start < GS_MIG_SLOTS;
            if (!ok)
                pr_warn(c, "GPU %u (%s): GPU instance %u (profile id %u, "
                           "placement %u:%u) is not a profile of %s's MIG "
                           "table: the node lists the whole GPU",
                        g, who, m->gi, m->profile_id, m->start, m->size,
                        gs_mig_gpu_name(kind));
            inst[i] = (gs_mig_instance){p, m->start};
            uuids[i] = gs_mig_uuid_ok(m->uuid) ? m->uuid : NULL;
        }
        if (!ok)
            continue;
        char text[160], why[160];
        size_t len = 0;
        if (gp->mig_n == 0) {
            snprintf(text, sizeof text, "dynamic");
        } else if (gs_mig_layout_check(kind, inst, (size_t)gp->mig_n, why,
                                       sizeof why) != GS_OK ||
                   gs_mig_layout_format(kind, inst, (size_t)gp->mig_n, text,
                                        sizeof text, &len) != GS_OK) {
            pr_warn(c, "GPU %u (%s): its MIG instances are not a legal "
                       "layout of %s (%s): the node lists the whole GPU",
                    g, who, gs_mig_gpu_name(kind), why);
            continue;
        }
        gs_status st = gs_topo_set_gpu_mig(c->t, c->node, g, text);
        if (st == GS_OK && gp->mig_n > 0)
            st = gs_topo_set_mig_uuids(c->t, c->node, g, uuids,
                                       (size_t)gp->mig_n);
        if (st == GS_ENOMEM)
            return st;
        if (st != GS_OK) {
            pr_warn(c, "GPU %u (%s): %s: the node lists the whole GPU", g,
                    who, gs_topo_errmsg(c->t));
            gs_topo_set_gpu_mig(c->t, c->node, g, "off");
        }
    }
    return GS_OK;
}

/* Every pair: NVLinks from NVML, else hwloc; PCIe level from NVML, else
 * hwloc, else left to be inferred; the cell's source is that of what the
 * matrix shows for it. */
static gs_status set_links(pr_ctx *c, gs_hwloc *h)
{
    for (uint32_t a = 0; a < c->n_gpus; a++)
        for (uint32_t b = a + 1; b < c->n_gpus; b++) {
            pr_gpu *ga = &c->gpus[a], *gb = &c->gpus[b];
            pr_pair *p = pr_pair_at(c, a, b), *q = pr_pair_at(c, b, a);
            gs_link_info li = GS_LINK_INFO_INIT;
            if (p->nvlink_src == GS_SOURCE_NVML) {
                li.nvlinks = GS_MIN(p->nvlinks, 255u);
            } else if (h && ga->nvlink_src == GS_SOURCE_HWLOC &&
                       gb->nvlink_src == GS_SOURCE_HWLOC) {
                gs_status st = gs_hwloc_pair_nvlink(h, ga->pci, gb->pci, &li);
                if (st != GS_OK)
                    return st;
                p->nvlink_src = q->nvlink_src = GS_SOURCE_HWLOC;
                p->nvlinks = q->nvlinks = li.nvlinks;
            }
            if (p->pcie_src != GS_SOURCE_NVML && h) {
                gs_pcie_level lv = gs_hwloc_pci_level(h, ga->pci, gb->pci);
                if (lv != GS_PCIE_UNKNOWN) {
                    p->pcie = q->pcie = (uint8_t)lv;
                    p->pcie_src = q->pcie_src = GS_SOURCE_HWLOC;
                }
            }
            li.pcie = (gs_pcie_level)p->pcie;
            bool fabric = ga->fabric != GS_NONE && ga->fabric == gb->fabric;
            if (li.nvlinks)
                li.source = (gs_source)p->nvlink_src;
            else if (fabric)
                li.source = ga->fabric_src;
            else if (li.pcie != GS_PCIE_UNKNOWN)
                li.source = (gs_source)p->pcie_src;
            else
                li.source = GS_SOURCE_INFERRED;
            gs_status st = gs_topo_set_link(c->t, c->node, a, b, &li);
            if (st != GS_OK)
                return st;
        }
    return GS_OK;
}

/* ---- partial: hwloc alone ---------------------------------------------- */

/* The driver gave nothing: the node as the hwloc importer sees it. */
static gs_status probe_partial(pr_ctx *c, gs_status cuda_st)
{
    const char *xml = c->o->hwloc_xml;
    char *text;
    size_t len;
    bool used;
    gs_status st = hwloc_source(c, &used, &text, &len);
    if (!used)
        return cuda_st;
    if (st == GS_OK)
        st = xml ? gs_import_hwloc_xml(c->t, text, len, xml, &c->lo)
                 : gs_import_hwloc_live(c->t, &c->lo);
    if (st != GS_OK) {
        if (st == GS_ENOMEM)
            return st;
        pr_lib_result(c, GS_PROBE_LIB_HWLOC, st, "%s", c->t->err.msg);
        /* nothing to hand out: the driver's reason stands */
        if ((st = reset_topology(c, false)) != GS_OK)
            return st;
        gs_errf(&c->t->err, cuda_st, "%s",
                c->lib_message[GS_PROBE_LIB_CUDA]);
        return cuda_st;
    }
    c->partial = true;
    /* the report's view of the node hwloc gave */
    const gs_ntype *ty = c->t->nodes[0].type;
    uint32_t n = ty->n_gpus;
    pr_lib_result(c, GS_PROBE_LIB_HWLOC, GS_OK,
                  "%s: %u NUMA domain%s, %u GPU%s (no driver: partial)",
                  xml ? xml : "hwloc", ty->n_numa, ty->n_numa == 1 ? "" : "s",
                  n, n == 1 ? "" : "s");
    c->gpus = gs_calloc(n ? n : 1, sizeof *c->gpus);
    c->pairs = gs_calloc(n ? (size_t)n * n : 1, sizeof *c->pairs);
    if (!c->gpus || !c->pairs)
        return GS_ENOMEM;
    c->n_gpus = n;
    for (uint32_t g = 0; g < n; g++) {
        pr_gpu *gp = &c->gpus[g];
        gp->ordinal = -1;
        gp->nvml = GS_NONE;
        gp->multi_board = gp->board_group = gp->mig = gp->mig_pending = -1;
        gp->mig_n = -1;
        gp->numa_src = ty->gpus[g].numa != GS_NONE16 ? GS_SOURCE_HWLOC
                                                      : GS_SOURCE_INFERRED;
        bool links = ty->gpus[g].fabric != GS_NONE8;
        for (uint32_t k = 0; k < n; k++)
            links |= k != g && gs_ntype_cell(ty, g, k)->nvlinks;
        gp->nvlink_src = links ? GS_SOURCE_HWLOC : GS_SOURCE_INFERRED;
        for (uint32_t k = 0; k < n; k++) {
            pr_pair *p = pr_pair_at(c, g, k);
            p->access = p->atomics = p->rank = p->nvlink_p2p = -1;
            p->nvlinks = gs_ntype_cell(ty, g, k)->nvlinks;
            p->pcie = gs_ntype_cell(ty, g, k)->pcie;
            p->pcie_src = p->nvlink_src = GS_SOURCE_HWLOC;
        }
    }
    return GS_OK;
}

/* ---- the entry point --------------------------------------------------- */

static gs_status probe(pr_ctx *c)
{
    gs_status st = pr_cuda(c);
    if (st == GS_ENOMEM)
        return st;
    if (st != GS_OK) {
        /* what the driver gave before it failed is not used */
        gs_free(c->gpus);
        gs_free(c->pairs);
        c->gpus = NULL;
        c->pairs = NULL;
        c->n_gpus = 0;
        /* CUDA_VISIBLE_DEVICES may be why: NVML's device list (quietly)
         * lets the report say where CUDA stopped reading it */
        if (c->cvd && !(c->flags & GS_PROBE_NO_NVML)) {
            gs_warning_fn warn = c->lo.warn;
            c->lo.warn = NULL;
            gs_status nst = pr_nvml(c);
            c->lo.warn = warn;
            if (nst != GS_OK)
                return nst;
        }
        pr_visible(c);
        gs_errf(&c->t->err, st, "%s", c->lib_message[GS_PROBE_LIB_CUDA]);
        if (!(c->flags & GS_PROBE_PARTIAL))
            return st;
        if ((st = probe_partial(c, st)) != GS_OK)
            return st;
    } else {
        if ((st = pr_nvml(c)) != GS_OK)
            return st;
        pr_visible(c);
        gs_hwloc *h = NULL;
        if ((st = add_node(c)) != GS_OK || (st = open_hwloc(c, &h)) != GS_OK)
            return st;
        gpu_locality(c, h);
        if ((st = add_gpus(c)) == GS_OK && (st = set_mig(c)) == GS_OK)
            st = set_links(c, h);
        gs_hwloc_close(h);
        if (st != GS_OK)
            return st;
    }
    if (!(c->flags & GS_PROBE_NOFREEZE))
        st = gs_topo_freeze(c->t);
    return st;
}

GS_API gs_status gs_topo_probe(gs_topo **out, const gs_probe_options *opts)
{
    if (!out)
        return GS_EINVAL;
    *out = NULL;
    gs_probe_report **report = NULL;
    if (opts && opts->struct_size >= offsetof(gs_probe_options, report) +
                                         sizeof opts->report) {
        report = opts->report;
        if (report)
            *report = NULL;
    }
    pr_ctx c;
    memset(&c, 0, sizeof c);
    c.n_nv = GS_NONE;
    c.cvd_stop = GS_NONE;
    for (int i = 0; i < 3; i++)
        c.lib_status[i] = GS_EUNSUPPORTED; /* until tried */
    snprintf(c.lib_message[GS_PROBE_LIB_NVML], GS_ERRMSG_MAX,
             "not used: the CUDA driver gave no GPU");
    snprintf(c.lib_message[GS_PROBE_LIB_HWLOC], GS_ERRMSG_MAX,
             "not used: the CUDA driver gave no GPU");
    gs_status st = gs_topo_create(&c.t);
    if (st != GS_OK)
        return st;
    gs_probe_options o;
    char host[GS_MAX_NAME + 2];
    st = read_options(opts, &o, &c.t->err);
    if (st == GS_OK) {
        c.o = &o;
        c.flags = o.flags;
        gs_load_options_init(&c.lo);
        c.lo.warn = o.warn;
        c.lo.warn_user = o.warn_user;
        c.lo.hostname = pick_hostname(&o, host, sizeof host);
        c.cvd = getenv("CUDA_VISIBLE_DEVICES");
        /* an hwloc export that cannot be read fails the probe whatever the
         * driver says: read it first (once: it may be a pipe) */
        if (o.hwloc_xml && !(o.flags & GS_PROBE_NO_HWLOC)) {
            st = gs_read_file(o.hwloc_xml, &c.xml_text, &c.xml_len, 0,
                              &c.t->err);
            if (st != GS_OK && st != GS_ENOMEM) {
                snprintf(c.lib_name[GS_PROBE_LIB_HWLOC], PR_NAME_MAX, "%s",
                         o.hwloc_xml);
                pr_lib_result(&c, GS_PROBE_LIB_HWLOC, st, "%s",
                              c.t->err.msg);
                for (int i = 0; i < 2; i++)
                    pr_lib_result(&c, (gs_probe_lib)i, GS_EUNSUPPORTED,
                                  "not tried: the hwloc export cannot be "
                                  "read");
            }
        }
        if (st == GS_OK)
            st = probe(&c);
    }
    if (st == GS_ENOMEM)
        gs_errf(&c.t->err, GS_ENOMEM, "out of memory");
    if (report) {
        *report = pr_report_new(&c, st);
        if (!*report && st == GS_OK)
            st = gs_errf(&c.t->err, GS_ENOMEM, "out of memory");
    }
    gs_free(c.gpus);
    gs_free(c.pairs);
    gs_free(c.nv);
    gs_free(c.xml_text);
    *out = c.t;
    return st;
}
