/*
 * The probe's NVML part: what the CUDA driver API cannot say. NVML sees
 * every GPU of the machine (it ignores CUDA_VISIBLE_DEVICES); the node's
 * GPUs are matched to NVML's devices by UUID, else by PCI bus id. Then:
 *
 * - each active NVLink of a GPU and what is at its far end (GPU, NVSwitch,
 *   CPU): the direct wires of each pair, and each GPU's links into
 *   NVSwitches;
 * - NVSwitch fabrics: GPUs joined through a shared switch, or whose P2P
 *   status over NVLink is OK (the two baseboards of a DGX-2 share no
 *   switch but are one fabric through their trunks), are one fabric;
 * - the PCIe common ancestor of each pair (nvmlDeviceGetTopologyCommon-
 *   Ancestor), mapped to nvidia-smi's levels;
 * - MIG mode, and on a GPU in MIG mode its GPU instances (profile id,
 *   placement, the UUID of their MIG device): the topology puts the GPU
 *   in MIG mode with them as its fixed layout (probe.c).
 *
 * NVML failing is never fatal: its facts are then missing (hwloc's are
 * used when it has them), the report says why and a warning is given.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "probe/probe_impl.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct nv_api {
    void *dl;
    const char *lib;
    gs_nvml_init_fn init;
    gs_nvml_shutdown_fn shutdown;
    gs_nvml_error_string_fn error_string;
    gs_nvml_system_get_driver_version_fn driver_version;
    gs_nvml_device_get_count_fn get_count;
    gs_nvml_device_get_handle_by_index_fn handle_by_index;
    gs_nvml_device_get_pci_info_fn pci_info;
    gs_nvml_device_get_uuid_fn uuid;
    gs_nvml_device_get_nvlink_state_fn nvlink_state;
    gs_nvml_device_get_nvlink_remote_pci_info_fn remote_pci;
    gs_nvml_device_get_nvlink_remote_device_type_fn remote_type;
    gs_nvml_device_get_topology_common_ancestor_fn common_ancestor;
    gs_nvml_device_get_mig_mode_fn mig_mode;
    gs_nvml_device_get_p2p_status_fn p2p_status;
    gs_nvml_device_get_max_mig_device_count_fn mig_count;
    gs_nvml_device_get_mig_device_handle_by_index_fn mig_handle;
    gs_nvml_device_get_gpu_instance_id_fn gi_id;
    gs_nvml_device_get_gpu_instance_by_id_fn gi_by_id;
    gs_nvml_gpu_instance_get_info_fn gi_info;
} nv_api;

/* "NVML_ERROR_GPU_IS_LOST (15): GPU is lost" style text. */
static void nv_errtext(const nv_api *a, gs_nvml_return r, char *out,
                       size_t cap)
{
    char s[160];
    s[0] = '\0';
    if (a->error_string)
        pr_clean(a->error_string(r), 159, s, sizeof s);
    if (*s)
        snprintf(out, cap, "NVML error %d: %s", (int)r, s);
    else
        snprintf(out, cap, "NVML error %d", (int)r);
}

/* NVML stopped answering: its facts are not used; say why. */
static void nv_give_up(pr_ctx *c, const nv_api *a, gs_nvml_return r,
                       const char *what)
{
    char e[200];
    nv_errtext(a, r, e, sizeof e);
    pr_lib_result(c, GS_PROBE_LIB_NVML, GS_EDRIVER,
                  "%s (%s): %s; NVLink counts and NVSwitch fabrics come from "
                  "hwloc when it has them",
                  what, a->lib, e);
    pr_warn(c, "%s", c->lib_message[GS_PROBE_LIB_NVML]);
}

/* A normalized bus id from NVML's numeric fields ("" when they are not a
 * PCI address; NVML's own string need not be terminated). */
static void nv_pci(const gs_nvml_pci_info *p, char out[32])
{
    char raw[48];
    out[0] = '\0';
    if (p->bus > 0xff || p->device > 0x1f)
        return;
    snprintf(raw, sizeof raw, "%04x:%02x:%02x.0", p->domain, p->bus,
             p->device);
    if (!gs_pci_normalize(raw, out))
        out[0] = '\0';
}

static uint32_t nv_find_pci(const pr_ctx *c, const char *pci)
{
    for (uint32_t i = 0; *pci && i < c->n_nv; i++)
        if (c->nv[i].handle && strcmp(c->nv[i].pci, pci) == 0)
            return i;
    return GS_NONE;
}

static uint32_t node_find_pci(const pr_ctx *c, const char *pci)
{
    for (uint32_t i = 0; *pci && i < c->n_gpus; i++)
        if (strcmp(c->gpus[i].pci, pci) == 0)
            return i;
    return GS_NONE;
}

/* Read NVML's device list into c->nv. */
static gs_status nv_devices(pr_ctx *c, const nv_api *a, bool *usable)
{
    *usable = false;
    unsigned int count = 0;
    gs_nvml_return r = a->get_count(&count);
    if (r != GS_NVML_SUCCESS) {
        nv_give_up(c, a, r, "nvmlDeviceGetCount_v2");
        return GS_OK;
    }
    if (count > GS_MAX_GPUS_PER_NODE) {
        pr_lib_result(c, GS_PROBE_LIB_NVML, GS_EDRIVER,
                      "nvmlDeviceGetCount_v2 gave %u devices; gpusched takes "
                      "at most %u per node: NVML is not used",
                      count, GS_MAX_GPUS_PER_NODE);
        pr_warn(c, "%s", c->lib_message[GS_PROBE_LIB_NVML]);
        return GS_OK;
    }
    c->nv = gs_calloc(count ? count : 1, sizeof *c->nv);
    if (!c->nv)
        return GS_ENOMEM;
    c->n_nv = count;
    for (unsigned i = 0; i < count; i++) {
        pr_nvdev *d = &c->nv[i];
        gs_nvml_device h = NULL;
        r = a->handle_by_index(i, &h);
        if (r != GS_NVML_SUCCESS || !h) {
            char e[200];
            nv_errtext(a, r, e, sizeof e);
            pr_warn(c, "NVML device %u cannot be read (%s): left out of "
                       "NVML's facts",
                    i, e);
            continue;
        }
        d->handle = (void *)h;
        gs_nvml_pci_info p;
        memset(&p, 0, sizeof p);
        if (a->pci_info(h, &p) == GS_NVML_SUCCESS)
            nv_pci(&p, d->pci);
        char u[GS_NVML_DEVICE_UUID_V2_BUFFER_SIZE];
        memset(u, 0, sizeof u);
        if (a->uuid(h, u, sizeof u - 1) == GS_NVML_SUCCESS)
            pr_clean(u, sizeof u - 1, d->uuid, sizeof d->uuid);
        for (unsigned j = 0; j < i; j++) {
            if (*d->pci && strcmp(c->nv[j].pci, d->pci) == 0) {
                pr_warn(c, "NVML devices %u and %u have the same PCI bus id "
                           "%s; the second is not matched by it",
                        j, i, d->pci);
                d->pci[0] = '\0';
            }
            if (*d->uuid && strcasecmp(c->nv[j].uuid, d->uuid) == 0) {
                pr_warn(c, "NVML devices %u and %u have the same UUID %s; "
                           "the second is not matched by it",
                        j, i, d->uuid);
                d->uuid[0] = '\0';
            }
        }
    }
    *usable = true;
    return GS_OK;
}

/* Match the node's GPUs to NVML's devices: UUID first, then bus id. */
static void nv_match(pr_ctx *c)
{
    for (uint32_t g = 0; g < c->n_gpus; g++) {
        pr_gpu *gp = &c->gpus[g];
        uint32_t hit = GS_NONE;
        for (uint32_t i = 0; *gp->uuid && i < c->n_nv && hit == GS_NONE; i++)
            if (c->nv[i].handle && strcasecmp(c->nv[i].uuid, gp->uuid) == 0)
                hit = i;
        if (hit == GS_NONE)
            hit = nv_find_pci(c, gp->pci);
        for (uint32_t k = 0; k < g && hit != GS_NONE; k++)
            if (c->gpus[k].nvml == hit)
                hit = GS_NONE;
        gp->nvml = hit;
        if (hit == GS_NONE)
            pr_warn(c, "GPU %u (%s%s%s) is not among NVML's devices: its "
                       "NVLinks and PCIe levels come from hwloc when it has "
                       "them",
                    g, *gp->pci ? gp->pci : "no PCI bus id",
                    *gp->uuid ? ", " : "", gp->uuid);
    }
}

static gs_nvml_device nv_handle(const pr_ctx *c, uint32_t g)
{
    return (gs_nvml_device)c->nv[c->gpus[g].nvml].handle;
}

/* A GPU's active NVLinks, classified by their far end. Switch ends are
 * appended to sw (pairs of GPU index, bus id) for the fabrics. */
typedef struct nv_swlink {
    uint32_t gpu;
    char pci[32];
} nv_swlink;

static gs_status nv_links(pr_ctx *c, const nv_api *a, uint32_t g,
                          nv_swlink **sw, size_t *n_sw, size_t *cap_sw)
{
    pr_gpu *gp = &c->gpus[g];
    gs_nvml_device h = nv_handle(c, g);
    for (unsigned l = 0; l < GS_NVML_PROBE_MAX_LINKS; l++) {
        gs_nvml_enable_state on = GS_NVML_FEATURE_DISABLED;
        gs_nvml_return r = a->nvlink_state(h, l, &on);
        if (r == GS_NVML_ERROR_INVALID_ARGUMENT ||
            r == GS_NVML_ERROR_NOT_SUPPORTED) {
            gp->nv_known = true; /* no more links (or none at all) */
            return GS_OK;
        }
        if (r != GS_NVML_SUCCESS) {
            char e[200];
            nv_errtext(a, r, e, sizeof e);
            pr_warn(c, "GPU %u: nvmlDeviceGetNvLinkState(link %u): %s; its "
                       "NVLinks come from hwloc when it has them",
                    g, l, e);
            gp->nv_known = false;
            gp->nv_gpus = gp->nv_switches = gp->nv_cpus = gp->nv_other = 0;
            for (uint32_t k = 0; k < c->n_gpus; k++)
                pr_pair_at(c, g, k)->nvlinks = 0;
            /* drop the switch ends recorded for it */
            size_t w = 0;
            for (size_t k = 0; k < *n_sw; k++)
                if ((*sw)[k].gpu != g)
                    (*sw)[w++] = (*sw)[k];
            *n_sw = w;
            return GS_OK;
        }
        gp->nv_known = true;
        if (on != GS_NVML_FEATURE_ENABLED)
            continue;
        gs_nvml_nvlink_device_type type = GS_NVML_NVLINK_DEVICE_TYPE_UNKNOWN;
        bool typed = a->remote_type &&
                     a->remote_type(h, l, &type) == GS_NVML_SUCCESS;
        char pci[32] = "";
        gs_nvml_pci_info p;
        memset(&p, 0, sizeof p);
        if (a->remote_pci(h, l, &p) == GS_NVML_SUCCESS)
            nv_pci(&p, pci);
        if (!typed) {
            /* NVML without nvmlDeviceGetNvLinkRemoteDeviceType: a far end
             * that is one of NVML's GPUs is a GPU, any other an NVSwitch */
            type = nv_find_pci(c, pci) != GS_NONE
                       ? GS_NVML_NVLINK_DEVICE_TYPE_GPU
                       : *pci ? GS_NVML_NVLINK_DEVICE_TYPE_SWITCH
                              : GS_NVML_NVLINK_DEVICE_TYPE_UNKNOWN;
        }
        if (type == GS_NVML_NVLINK_DEVICE_TYPE_GPU) {
            uint32_t k = node_find_pci(c, pci);
            if (k != GS_NONE && k != g) {
                pr_pair_at(c, g, k)->nvlinks++;
                gp->nv_gpus++;
            } else {
                gp->nv_other++; /* hidden by CUDA_VISIBLE_DEVICES, or unknown */
            }
        } else if (type == GS_NVML_NVLINK_DEVICE_TYPE_SWITCH) {
            gp->nv_switches++;
            if (*pci) {
                if (!GS_GROW(*sw, *cap_sw, *n_sw + 1))
                    return GS_ENOMEM;
                (*sw)[*n_sw].gpu = g;
                memcpy((*sw)[*n_sw].pci, pci, sizeof pci);
                (*n_sw)++;
            }
        } else if (type == GS_NVML_NVLINK_DEVICE_TYPE_IBMNPU) {
            gp->nv_cpus++;
        } else {
            gp->nv_other++;
        }
    }
    return GS_OK;
}

static uint32_t uf_find(uint32_t *p, uint32_t x)
{
    while (p[x] != x) {
        p[x] = p[p[x]];
        x = p[x];
    }
    return x;
}

/* Fabrics: GPUs with links into NVSwitches, joined by a shared switch or
 * by an OK P2P status over NVLink; numbered in GPU order. */
static gs_status nv_fabrics(pr_ctx *c, const nv_swlink *sw, size_t n_sw)
{
    uint32_t n = c->n_gpus;
    uint32_t *parent = gs_malloc((size_t)n * sizeof *parent);
    uint32_t *fid = gs_malloc((size_t)n * sizeof *fid);
    if (!parent || !fid) {
        gs_free(parent);
        gs_free(fid);
        return GS_ENOMEM;
    }
    for (uint32_t i = 0; i < n; i++) {
        parent[i] = i;
        fid[i] = GS_NONE;
    }
    for (size_t i = 0; i < n_sw; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(sw[i].pci, sw[j].pci) == 0)
                parent[uf_find(parent, sw[i].gpu)] =
                    uf_find(parent, sw[j].gpu);
    for (uint32_t a = 0; a < n; a++)
        for (uint32_t b = a + 1; b < n; b++)
            if (c->gpus[a].nv_switches && c->gpus[b].nv_switches &&
                pr_pair_at(c, a, b)->nvlink_p2p == 1)
                parent[uf_find(parent, a)] = uf_find(parent, b);
    uint32_t next = 0;
    for (uint32_t g = 0; g < n; g++) {
        pr_gpu *gp = &c->gpus[g];
        if (!gp->nv_known || !gp->nv_switches)
            continue;
        uint32_t r = uf_find(parent, g);
        if (fid[r] == GS_NONE)
            fid[r] = next++;
        gp->fabric = fid[r];
        gp->fabric_links = gp->nv_switches;
        gp->fabric_src = GS_SOURCE_NVML;
    }
    gs_free(parent);
    gs_free(fid);
    return GS_OK;
}

static gs_pcie_level nv_level(int v, bool *ok)
{
    *ok = true;
    switch (v) {
    /* INTERNAL: two GPUs of one board behind its own bridge */
    case GS_NVML_TOPOLOGY_INTERNAL: return GS_PCIE_PIX;
    case GS_NVML_TOPOLOGY_SINGLE: return GS_PCIE_PIX;
    case GS_NVML_TOPOLOGY_MULTIPLE: return GS_PCIE_PXB;
    case GS_NVML_TOPOLOGY_HOSTBRIDGE: return GS_PCIE_PHB;
    case GS_NVML_TOPOLOGY_NODE: return GS_PCIE_NODE;
    case GS_NVML_TOPOLOGY_SYSTEM: return GS_PCIE_SYS;
    default: *ok = false; return GS_PCIE_UNKNOWN;
    }
}

/* Everything per pair: P2P status over NVLink, PCIe common ancestor. */
static void nv_pairs(pr_ctx *c, const nv_api *a)
{
    bool warned_level = false;
    for (uint32_t x = 0; x < c->n_gpus; x++)
        for (uint32_t y = x + 1; y < c->n_gpus; y++) {
            if (c->gpus[x].nvml == GS_NONE || c->gpus[y].nvml == GS_NONE)
                continue;
            gs_nvml_device hx = nv_handle(c, x), hy = nv_handle(c, y);
            pr_pair *p = pr_pair_at(c, x, y), *q = pr_pair_at(c, y, x);
            if (a->p2p_status) {
                gs_nvml_p2p_status s = -1;
                if (a->p2p_status(hx, hy, GS_NVML_P2P_CAPS_INDEX_NVLINK, &s) ==
                    GS_NVML_SUCCESS)
                    p->nvlink_p2p = q->nvlink_p2p =
                        s == GS_NVML_P2P_STATUS_OK ? 1 : 0;
            }
            if (!a->common_ancestor)
                continue;
            gs_nvml_topology_level lv = -1;
            gs_nvml_return r = a->common_ancestor(hx, hy, &lv);
            if (r != GS_NVML_SUCCESS)
                continue;
            bool ok;
            gs_pcie_level level = nv_level(lv, &ok);
            if (!ok) {
                if (!warned_level)
                    pr_warn(c, "GPUs %u and %u: NVML gives PCIe common "
                               "ancestor %d, which is no known level; such "
                               "pairs take hwloc's level when it has one",
                            x, y, (int)lv);
                warned_level = true;
                continue;
            }
            p->pcie = q->pcie = (uint8_t)level;
            p->pcie_src = q->pcie_src = GS_SOURCE_NVML;
        }
}

/* Direct wires as both ends see them: they should agree; when they do
 * not (a link down at one end), the smaller count is kept. */
static void nv_symmetry(pr_ctx *c)
{
    for (uint32_t x = 0; x < c->n_gpus; x++)
        for (uint32_t y = x + 1; y < c->n_gpus; y++) {
            pr_gpu *gx = &c->gpus[x], *gy = &c->gpus[y];
            if (!gx->nv_known && !gy->nv_known)
                continue;
            pr_pair *p = pr_pair_at(c, x, y), *q = pr_pair_at(c, y, x);
            uint32_t k;
            if (gx->nv_known && gy->nv_known) {
                k = GS_MIN(p->nvlinks, q->nvlinks);
                if (p->nvlinks != q->nvlinks)
                    pr_warn(c, "GPUs %u and %u: NVML shows %u NVLinks from "
                               "GPU %u's end and %u from GPU %u's; %u are "
                               "kept",
                            x, y, p->nvlinks, x, q->nvlinks, y, k);
            } else {
                k = gx->nv_known ? p->nvlinks : q->nvlinks;
            }
            p->nvlinks = q->nvlinks = k;
            p->nvlink_src = q->nvlink_src = GS_SOURCE_NVML;
        }
    for (uint32_t g = 0; g < c->n_gpus; g++)
        if (c->gpus[g].nv_known)
            c->gpus[g].nvlink_src = GS_SOURCE_NVML;
}

/* The GPU instances of node GPU g (MIG on): one per GPU instance, with
 * the UUID of its first MIG device (compute instance). gp->mig_n stays -1
 * when NVML cannot list them. */
static void nv_mig(pr_ctx *c, const nv_api *a, uint32_t g)
{
    pr_gpu *gp = &c->gpus[g];
    gp->mig_n = -1;
    if (!a->mig_count || !a->mig_handle || !a->gi_id || !a->gi_by_id ||
        !a->gi_info)
        return;
    gs_nvml_device dev = nv_handle(c, g);
    unsigned int max = 0;
    if (a->mig_count(dev, &max) != GS_NVML_SUCCESS)
        return;
    if (max > 64)
        max = 64;
    int n = 0;
    for (unsigned int i = 0; i < max; i++) {
        gs_nvml_device md = NULL;
        gs_nvml_return r = a->mig_handle(dev, i, &md);
        if (r == GS_NVML_ERROR_NOT_FOUND ||
            r == GS_NVML_ERROR_INVALID_ARGUMENT)
            continue; /* no MIG device at this index */
        unsigned int gid = 0;
        gs_nvml_gpu_instance gi = NULL;
        gs_nvml_gpu_instance_info info;
        memset(&info, 0, sizeof info);
        char raw[GS_NVML_DEVICE_UUID_V2_BUFFER_SIZE];
        memset(raw, 0, sizeof raw);
        if (r != GS_NVML_SUCCESS || a->gi_id(md, &gid) != GS_NVML_SUCCESS ||
            a->gi_by_id(dev, gid, &gi) != GS_NVML_SUCCESS ||
            a->gi_info(gi, &info) != GS_NVML_SUCCESS ||
            a->uuid(md, raw, sizeof raw - 1) != GS_NVML_SUCCESS) {
            pr_warn(c, "GPU %u (%s): NVML did not describe MIG device %u; "
                       "the GPU's MIG instances are not modelled",
                    g, *gp->uuid ? gp->uuid : gp->pci, i);
            return;
        }
        bool seen = false;
        for (int k = 0; k < n && !seen; k++)
            seen = gp->mig_inst[k].gi == gid;
        if (seen)
            continue; /* another compute instance of the same GPU instance */
        if (n == 7) {
            pr_warn(c, "GPU %u (%s): more than 7 GPU instances; its MIG "
                       "instances are not modelled",
                    g, *gp->uuid ? gp->uuid : gp->pci);
            return;
        }
        struct pr_mig *m = &gp->mig_inst[n++];
        m->gi = gid;
        m->profile_id = info.profile_id;
        m->start = info.placement.start;
        m->size = info.placement.size;
        pr_clean(raw, sizeof raw - 1, m->uuid, sizeof m->uuid);
    }
    gp->mig_n = n;
}

static gs_status nv_read(pr_ctx *c, const nv_api *a)
{
    char v[GS_NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE];
    memset(v, 0, sizeof v);
    if (a->driver_version &&
        a->driver_version(v, sizeof v - 1) == GS_NVML_SUCCESS)
        pr_clean(v, sizeof v - 1, c->nvml_version, sizeof c->nvml_version);
    bool usable;
    gs_status st = nv_devices(c, a, &usable);
    if (st != GS_OK || !usable)
        return st;
    nv_match(c);
    for (uint32_t g = 0; g < c->n_gpus; g++) {
        pr_gpu *gp = &c->gpus[g];
        if (gp->nvml == GS_NONE || !a->mig_mode)
            continue;
        unsigned int cur = 0, pend = 0;
        if (a->mig_mode(nv_handle(c, g), &cur, &pend) == GS_NVML_SUCCESS) {
            gp->mig = cur == GS_NVML_DEVICE_MIG_ENABLE    ? 1
                      : cur == GS_NVML_DEVICE_MIG_DISABLE ? 0
                                                          : -1;
            gp->mig_pending = pend == GS_NVML_DEVICE_MIG_ENABLE    ? 1
                              : pend == GS_NVML_DEVICE_MIG_DISABLE ? 0
                                                                   : -1;
            if (gp->mig == 1)
                nv_mig(c, a, g);
        }
    }
    nv_pairs(c, a);
    if (a->nvlink_state && a->remote_pci) {
        nv_swlink *sw = NULL;
        size_t n_sw = 0, cap_sw = 0;
        for (uint32_t g = 0; g < c->n_gpus && st == GS_OK; g++)
            if (c->gpus[g].nvml != GS_NONE)
                st = nv_links(c, a, g, &sw, &n_sw, &cap_sw);
        if (st == GS_OK) {
            nv_symmetry(c);
            st = nv_fabrics(c, sw, n_sw);
        }
        gs_free(sw);
    }
    if (st == GS_OK)
        pr_lib_result(c, GS_PROBE_LIB_NVML, GS_OK, "%s: %u device%s%s%s",
                      a->lib, c->n_nv, c->n_nv == 1 ? "" : "s",
                      *c->nvml_version ? ", driver " : "", c->nvml_version);
    return st;
}

gs_status pr_nvml(pr_ctx *c)
{
    c->n_nv = GS_NONE;
    if (c->flags & GS_PROBE_NO_NVML) {
        pr_lib_result(c, GS_PROBE_LIB_NVML, GS_EUNSUPPORTED,
                      "not used (GS_PROBE_NO_NVML)");
        return GS_OK;
    }
    nv_api a;
    memset(&a, 0, sizeof a);
    a.lib = pr_library(c->o->nvml_library, "GPUSCHED_NVML_LIBRARY",
                       "libnvidia-ml.so.1");
    snprintf(c->lib_name[GS_PROBE_LIB_NVML], PR_NAME_MAX, "%s", a.lib);
    gs_status st;
    char msg[GS_ERRMSG_MAX];
    a.dl = pr_dlopen(a.lib, 0, &st, msg, sizeof msg);
    if (!a.dl) {
        pr_lib_result(c, GS_PROBE_LIB_NVML, st,
                      "%s; NVLink counts and NVSwitch fabrics come from hwloc "
                      "when it has them",
                      msg);
        pr_warn(c, "%s", c->lib_message[GS_PROBE_LIB_NVML]);
        return GS_OK;
    }
#define NV_RESOLVE(field, type, sym) (a.field = (type)pr_dlsym(a.dl, sym))
    NV_RESOLVE(init, gs_nvml_init_fn, "nvmlInit_v2");
    NV_RESOLVE(shutdown, gs_nvml_shutdown_fn, "nvmlShutdown");
    NV_RESOLVE(error_string, gs_nvml_error_string_fn, "nvmlErrorString");
    NV_RESOLVE(driver_version, gs_nvml_system_get_driver_version_fn,
               "nvmlSystemGetDriverVersion");
    NV_RESOLVE(get_count, gs_nvml_device_get_count_fn, "nvmlDeviceGetCount_v2");
    NV_RESOLVE(handle_by_index, gs_nvml_device_get_handle_by_index_fn,
               "nvmlDeviceGetHandleByIndex_v2");
    /* _v3 and _v2 fill the same struct (v3 reads the legacy id better) */
    NV_RESOLVE(pci_info, gs_nvml_device_get_pci_info_fn,
               "nvmlDeviceGetPciInfo_v3");
    if (!a.pci_info)
        NV_RESOLVE(pci_info, gs_nvml_device_get_pci_info_fn,
                   "nvmlDeviceGetPciInfo_v2");
    NV_RESOLVE(uuid, gs_nvml_device_get_uuid_fn, "nvmlDeviceGetUUID");
    NV_RESOLVE(nvlink_state, gs_nvml_device_get_nvlink_state_fn,
               "nvmlDeviceGetNvLinkState");
    NV_RESOLVE(remote_pci, gs_nvml_device_get_nvlink_remote_pci_info_fn,
               "nvmlDeviceGetNvLinkRemotePciInfo_v2");
    NV_RESOLVE(remote_type, gs_nvml_device_get_nvlink_remote_device_type_fn,
               "nvmlDeviceGetNvLinkRemoteDeviceType");
    NV_RESOLVE(common_ancestor, gs_nvml_device_get_topology_common_ancestor_fn,
               "nvmlDeviceGetTopologyCommonAncestor");
    NV_RESOLVE(mig_mode, gs_nvml_device_get_mig_mode_fn,
               "nvmlDeviceGetMigMode");
    NV_RESOLVE(p2p_status, gs_nvml_device_get_p2p_status_fn,
               "nvmlDeviceGetP2PStatus");
    NV_RESOLVE(mig_count, gs_nvml_device_get_max_mig_device_count_fn,
               "nvmlDeviceGetMaxMigDeviceCount");
    NV_RESOLVE(mig_handle, gs_nvml_device_get_mig_device_handle_by_index_fn,
               "nvmlDeviceGetMigDeviceHandleByIndex");
    NV_RESOLVE(gi_id, gs_nvml_device_get_gpu_instance_id_fn,
               "nvmlDeviceGetGpuInstanceId");
    NV_RESOLVE(gi_by_id, gs_nvml_device_get_gpu_instance_by_id_fn,
               "nvmlDeviceGetGpuInstanceById");
    NV_RESOLVE(gi_info, gs_nvml_gpu_instance_get_info_fn,
               "nvmlGpuInstanceGetInfo");
#undef NV_RESOLVE
    st = GS_OK;
    if (!a.init || !a.shutdown || !a.get_count || !a.handle_by_index ||
        !a.pci_info || !a.uuid) {
        pr_lib_result(c, GS_PROBE_LIB_NVML, GS_EUNSUPPORTED,
                      "%s lacks nvmlInit_v2, nvmlDeviceGetCount_v2, "
                      "nvmlDeviceGetHandleByIndex_v2, nvmlDeviceGetPciInfo "
                      "or nvmlDeviceGetUUID: too old to use",
                      a.lib);
        pr_warn(c, "%s", c->lib_message[GS_PROBE_LIB_NVML]);
    } else {
        gs_nvml_return r = a.init();
        if (r != GS_NVML_SUCCESS) {
            nv_give_up(c, &a, r, "nvmlInit_v2");
        } else {
            st = nv_read(c, &a);
            a.shutdown();
        }
    }
    dlclose(a.dl);
    return st;
}
