/*
 * A fake libnvidia-ml.so.1: the NVML entry points the device probe uses,
 * serving the machine scripted in $GPUSCHED_FAKE_MACHINE (see
 * fake_machine.h). Like the real NVML it sees every GPU of the machine,
 * whatever CUDA_VISIBLE_DEVICES says, in its own order (nvml-order).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "fake_machine.h"
#include "probe/nvml_decls.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

FAKE_API gs_nvml_return nvmlInit_v2(void);
FAKE_API gs_nvml_return nvmlShutdown(void);
FAKE_API const char *nvmlErrorString(gs_nvml_return result);
FAKE_API gs_nvml_return nvmlSystemGetDriverVersion(char *version,
                                                   unsigned int length);
FAKE_API gs_nvml_return nvmlDeviceGetCount_v2(unsigned int *count);
FAKE_API gs_nvml_return nvmlDeviceGetHandleByIndex_v2(unsigned int index,
                                                      gs_nvml_device *device);
FAKE_API gs_nvml_return nvmlDeviceGetPciInfo_v3(gs_nvml_device device,
                                                gs_nvml_pci_info *pci);
FAKE_API gs_nvml_return nvmlDeviceGetUUID(gs_nvml_device device, char *uuid,
                                          unsigned int length);
FAKE_API gs_nvml_return nvmlDeviceGetNvLinkState(gs_nvml_device device,
                                                 unsigned int link,
                                                 gs_nvml_enable_state *active);
FAKE_API gs_nvml_return nvmlDeviceGetNvLinkRemotePciInfo_v2(
    gs_nvml_device device, unsigned int link, gs_nvml_pci_info *pci);
FAKE_API gs_nvml_return nvmlDeviceGetNvLinkRemoteDeviceType(
    gs_nvml_device device, unsigned int link,
    gs_nvml_nvlink_device_type *type);
FAKE_API gs_nvml_return nvmlDeviceGetTopologyCommonAncestor(
    gs_nvml_device device1, gs_nvml_device device2,
    gs_nvml_topology_level *path_info);
FAKE_API gs_nvml_return nvmlDeviceGetMigMode(gs_nvml_device device,
                                             unsigned int *current_mode,
                                             unsigned int *pending_mode);
FAKE_API gs_nvml_return nvmlDeviceGetP2PStatus(gs_nvml_device device1,
                                               gs_nvml_device device2,
                                               gs_nvml_p2p_caps_index index,
                                               gs_nvml_p2p_status *status);
FAKE_API gs_nvml_return nvmlDeviceGetMaxMigDeviceCount(gs_nvml_device device,
                                                       unsigned int *count);
FAKE_API gs_nvml_return nvmlDeviceGetMigDeviceHandleByIndex(
    gs_nvml_device device, unsigned int index, gs_nvml_device *mig_device);
FAKE_API gs_nvml_return nvmlDeviceGetGpuInstanceId(gs_nvml_device device,
                                                   unsigned int *id);
FAKE_API gs_nvml_return nvmlDeviceGetGpuInstanceById(
    gs_nvml_device device, unsigned int id,
    gs_nvml_gpu_instance *gpu_instance);
FAKE_API gs_nvml_return nvmlGpuInstanceGetInfo(
    gs_nvml_gpu_instance gpu_instance, gs_nvml_gpu_instance_info *info);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static fm_machine M;
static int init_count;

/* NVML's error values the fake answers with. */
enum {
    E_OK = GS_NVML_SUCCESS,
    E_UNINIT = GS_NVML_ERROR_UNINITIALIZED,
    E_ARG = GS_NVML_ERROR_INVALID_ARGUMENT,
    E_NOTSUP = GS_NVML_ERROR_NOT_SUPPORTED,
    E_SIZE = GS_NVML_ERROR_INSUFFICIENT_SIZE,
    E_DRIVER = GS_NVML_ERROR_DRIVER_NOT_LOADED,
    E_NOFN = GS_NVML_ERROR_FUNCTION_NOT_FOUND,
    E_LOST = GS_NVML_ERROR_GPU_IS_LOST
};

#define ENTER(fn)                                                           \
    pthread_mutex_lock(&lock);                                              \
    gs_nvml_return r_ = fm_lacks(&M, fn) ? E_NOFN : fm_fail_now(&M, fn);    \
    if (!r_ && !init_count)                                                 \
        r_ = E_UNINIT;                                                      \
    if (r_) {                                                               \
        pthread_mutex_unlock(&lock);                                        \
        return r_;                                                          \
    }
#define LEAVE(r)                                                            \
    do {                                                                    \
        pthread_mutex_unlock(&lock);                                        \
        return (r);                                                         \
    } while (0)

/* The GPU behind a handle, or -1. */
static int gpu_of(gs_nvml_device d)
{
    for (int i = 0; i < M.n_gpus; i++)
        if ((void *)d == (void *)&M.gpus[i])
            return M.gpus[i].nvml_lost ? -1 : i;
    return -1;
}

static void fill_pci(gs_nvml_pci_info *p, long long dom, long long bus,
                     long long dev)
{
    memset(p, 0, sizeof *p);
    p->domain = (unsigned)dom;
    p->bus = (unsigned)bus;
    p->device = (unsigned)dev;
    p->pci_device_id = 0x1db510de;
    snprintf(p->bus_id, sizeof p->bus_id, "%08X:%02X:%02X.0", p->domain,
             p->bus, p->device);
    snprintf(p->bus_id_legacy, sizeof p->bus_id_legacy, "%04X:%02X:%02X.0",
             p->domain & 0xffff, p->bus & 0xff, p->device & 0xff);
}

FAKE_API gs_nvml_return nvmlInit_v2(void)
{
    pthread_mutex_lock(&lock);
    if (!init_count)
        fm_load(&M);
    gs_nvml_return r = fm_fail_now(&M, "nvmlInit_v2");
    if (!r && (M.nvml_off || !M.loaded))
        r = E_DRIVER;
    if (!r)
        init_count++;
    pthread_mutex_unlock(&lock);
    return r;
}

FAKE_API gs_nvml_return nvmlShutdown(void)
{
    pthread_mutex_lock(&lock);
    gs_nvml_return r = init_count ? E_OK : E_UNINIT;
    if (init_count)
        init_count--;
    pthread_mutex_unlock(&lock);
    return r;
}

FAKE_API const char *nvmlErrorString(gs_nvml_return result)
{
    switch (result) {
    case E_OK: return "Success";
    case E_UNINIT: return "Uninitialized";
    case E_ARG: return "Invalid Argument";
    case E_NOTSUP: return "Not Supported";
    case E_DRIVER: return "Driver Not Loaded";
    case E_NOFN: return "Function Not Found";
    case E_LOST: return "GPU is lost";
    default: return "Unknown Error";
    }
}

FAKE_API gs_nvml_return nvmlSystemGetDriverVersion(char *version,
                                                   unsigned int length)
{
    ENTER("nvmlSystemGetDriverVersion");
    if (!version || length <= strlen(M.nvml_driver))
        LEAVE(E_SIZE);
    memcpy(version, M.nvml_driver, strlen(M.nvml_driver) + 1);
    LEAVE(E_OK);
}

FAKE_API gs_nvml_return nvmlDeviceGetCount_v2(unsigned int *count)
{
    ENTER("nvmlDeviceGetCount_v2");
    if (!count)
        LEAVE(E_ARG);
    *count = M.nvml_count_set ? (unsigned)M.nvml_count : (unsigned)M.n_gpus;
    LEAVE(E_OK);
}

FAKE_API gs_nvml_return nvmlDeviceGetHandleByIndex_v2(unsigned int index,
                                                      gs_nvml_device *device)
{
    ENTER("nvmlDeviceGetHandleByIndex_v2");
    if (!device || index >= (unsigned)M.n_gpus)
        LEAVE(E_ARG);
    fm_gpu *g = &M.gpus[M.nvml_order[index]];
    if (g->nvml_lost || g->vanish)
        LEAVE(E_LOST);
    *device = (gs_nvml_device)(void *)g;
    LEAVE(E_OK);
}

FAKE_API gs_nvml_return nvmlDeviceGetPciInfo_v3(gs_nvml_device device,
                                                gs_nvml_pci_info *pci)
{
    ENTER("nvmlDeviceGetPciInfo_v3");
    int g = gpu_of(device);
    if (g < 0 || !pci)
        LEAVE(E_ARG);
    fill_pci(pci, M.gpus[g].dom, M.gpus[g].bus, M.gpus[g].dev);
    LEAVE(E_OK);
}

/* The MIG device behind a handle (a pointer to its fm_mig), or NULL; *g
 * receives its GPU. */
static const fm_mig *mig_of(const void *h, int *g)
{
    for (int i = 0; i < M.n_gpus; i++)
        for (int k = 0; k < M.gpus[i].n_migs; k++)
            if (h == (const void *)&M.gpus[i].migs[k]) {
                if (g)
                    *g = i;
                return &M.gpus[i].migs[k];
            }
    return NULL;
}

FAKE_API gs_nvml_return nvmlDeviceGetUUID(gs_nvml_device device, char *uuid,
                                          unsigned int length)
{
    ENTER("nvmlDeviceGetUUID");
    const fm_mig *mg = mig_of(device, NULL);
    if (mg && uuid) {
        if (strlen(mg->uuid) + 1 > length)
            LEAVE(E_SIZE);
        memcpy(uuid, mg->uuid, strlen(mg->uuid) + 1);
        LEAVE(E_OK);
    }
    int g = gpu_of(device);
    if (g < 0 || !uuid)
        LEAVE(E_ARG);
    size_t n = strlen(M.gpus[g].uuid_text);
    if (length <= n)
        LEAVE(E_SIZE);
    memcpy(uuid, M.gpus[g].uuid_text, n + 1);
    LEAVE(E_OK);
}

/* The port of a link, or NULL with r set. */
static const fm_port *port_of(gs_nvml_device device, unsigned link,
                              gs_nvml_return *r)
{
    int g = gpu_of(device);
    if (g < 0) {
        *r = E_ARG;
        return NULL;
    }
    if (M.gpus[g].n_ports == 0) {
        *r = E_NOTSUP;
        return NULL;
    }
    if (link >= (unsigned)M.gpus[g].n_ports) {
        *r = E_ARG;
        return NULL;
    }
    return &M.gpus[g].ports[link];
}

FAKE_API gs_nvml_return nvmlDeviceGetNvLinkState(gs_nvml_device device,
                                                 unsigned int link,
                                                 gs_nvml_enable_state *active)
{
    ENTER("nvmlDeviceGetNvLinkState");
    gs_nvml_return r = E_OK;
    const fm_port *p = port_of(device, link, &r);
    if (!p)
        LEAVE(r);
    if (!active)
        LEAVE(E_ARG);
    *active = p->up ? GS_NVML_FEATURE_ENABLED : GS_NVML_FEATURE_DISABLED;
    LEAVE(E_OK);
}

FAKE_API gs_nvml_return nvmlDeviceGetNvLinkRemotePciInfo_v2(
    gs_nvml_device device, unsigned int link, gs_nvml_pci_info *pci)
{
    ENTER("nvmlDeviceGetNvLinkRemotePciInfo_v2");
    gs_nvml_return r = E_OK;
    const fm_port *p = port_of(device, link, &r);
    if (!p)
        LEAVE(r);
    if (!pci)
        LEAVE(E_ARG);
    switch (p->end) {
    case FM_END_GPU: {
        const fm_gpu *t = &M.gpus[p->target];
        fill_pci(pci, t->dom, t->bus, t->dev);
        break;
    }
    case FM_END_SWITCH: {
        const fm_switch *s = &M.sw[p->target];
        fill_pci(pci, s->dom, s->bus, s->dev);
        break;
    }
    case FM_END_CPU: fill_pci(pci, 4, 4, 0); break; /* a POWER9 NPU */
    default: fill_pci(pci, 0, 0xfe, 0); break;
    }
    LEAVE(E_OK);
}

FAKE_API gs_nvml_return nvmlDeviceGetNvLinkRemoteDeviceType(
    gs_nvml_device device, unsigned int link,
    gs_nvml_nvlink_device_type *type)
{
    ENTER("nvmlDeviceGetNvLinkRemoteDeviceType");
    gs_nvml_return r = E_OK;
    const fm_port *p = port_of(device, link, &r);
    if (!p)
        LEAVE(r);
    if (!type)
        LEAVE(E_ARG);
    *type = p->end == FM_END_GPU      ? GS_NVML_NVLINK_DEVICE_TYPE_GPU
            : p->end == FM_END_SWITCH ? GS_NVML_NVLINK_DEVICE_TYPE_SWITCH
            : p->end == FM_END_CPU    ? GS_NVML_NVLINK_DEVICE_TYPE_IBMNPU
                                      : GS_NVML_NVLINK_DEVICE_TYPE_UNKNOWN;
    LEAVE(E_OK);
}

FAKE_API gs_nvml_return nvmlDeviceGetTopologyCommonAncestor(
    gs_nvml_device device1, gs_nvml_device device2,
    gs_nvml_topology_level *path_info)
{
    ENTER("nvmlDeviceGetTopologyCommonAncestor");
    int a = gpu_of(device1), b = gpu_of(device2);
    if (a < 0 || b < 0 || !path_info)
        LEAVE(E_ARG);
    int v = M.pcie[a][b] != -2 ? M.pcie[a][b] : M.pcie_default;
    if (v == -1)
        LEAVE(E_NOTSUP);
    *path_info = v;
    LEAVE(E_OK);
}

FAKE_API gs_nvml_return nvmlDeviceGetMigMode(gs_nvml_device device,
                                             unsigned int *current_mode,
                                             unsigned int *pending_mode)
{
    ENTER("nvmlDeviceGetMigMode");
    int g = gpu_of(device);
    if (g < 0 || !current_mode || !pending_mode)
        LEAVE(E_ARG);
    if (M.gpus[g].mig < 0)
        LEAVE(E_NOTSUP);
    *current_mode = (unsigned)M.gpus[g].mig;
    *pending_mode = (unsigned)(M.gpus[g].mig_pending >= 0
                                   ? M.gpus[g].mig_pending
                                   : M.gpus[g].mig);
    LEAVE(E_OK);
}

FAKE_API gs_nvml_return nvmlDeviceGetP2PStatus(gs_nvml_device device1,
                                               gs_nvml_device device2,
                                               gs_nvml_p2p_caps_index index,
                                               gs_nvml_p2p_status *status)
{
    ENTER("nvmlDeviceGetP2PStatus");
    int a = gpu_of(device1), b = gpu_of(device2);
    if (a < 0 || b < 0 || !status)
        LEAVE(E_ARG);
    if (index != GS_NVML_P2P_CAPS_INDEX_NVLINK)
        LEAVE(E_NOTSUP);
    bool ok = M.nvlink_p2p[a][b] != -2
                  ? M.nvlink_p2p[a][b] == 1
                  : fm_direct_links(&M, a, b) > 0 ||
                        (fm_on_switch(&M, a) && fm_on_switch(&M, b));
    *status = ok ? GS_NVML_P2P_STATUS_OK : 5; /* NVML_P2P_STATUS_NOT_SUPPORTED */
    LEAVE(E_OK);
}

FAKE_API gs_nvml_return nvmlDeviceGetMaxMigDeviceCount(gs_nvml_device device,
                                                       unsigned int *count)
{
    ENTER("nvmlDeviceGetMaxMigDeviceCount");
    int g = gpu_of(device);
    if (g < 0 || !count)
        LEAVE(E_ARG);
    if (M.gpus[g].mig < 0)
        LEAVE(E_NOTSUP);
    /* an A100 has room for 7; the scripts may list more, to test */
    *count = M.gpus[g].n_migs > 7 ? (unsigned)M.gpus[g].n_migs : 7u;
    LEAVE(E_OK);
}

FAKE_API gs_nvml_return nvmlDeviceGetMigDeviceHandleByIndex(
    gs_nvml_device device, unsigned int index, gs_nvml_device *mig_device)
{
    ENTER("nvmlDeviceGetMigDeviceHandleByIndex");
    int g = gpu_of(device);
    if (g < 0 || !mig_device)
        LEAVE(E_ARG);
    if (M.gpus[g].mig != 1)
        LEAVE(E_NOTSUP);
    if (index >= (unsigned)M.gpus[g].n_migs)
        LEAVE(GS_NVML_ERROR_NOT_FOUND);
    *mig_device = (gs_nvml_device)(void *)&M.gpus[g].migs[index];
    LEAVE(E_OK);
}

FAKE_API gs_nvml_return nvmlDeviceGetGpuInstanceId(gs_nvml_device device,
                                                   unsigned int *id)
{
    ENTER("nvmlDeviceGetGpuInstanceId");
    const fm_mig *mg = mig_of(device, NULL);
    if (!mg || !id)
        LEAVE(E_ARG);
    *id = mg->gi;
    LEAVE(E_OK);
}

FAKE_API gs_nvml_return nvmlDeviceGetGpuInstanceById(
    gs_nvml_device device, unsigned int id,
    gs_nvml_gpu_instance *gpu_instance)
{
    ENTER("nvmlDeviceGetGpuInstanceById");
    int g = gpu_of(device);
    if (g < 0 || !gpu_instance)
        LEAVE(E_ARG);
    for (int k = 0; k < M.gpus[g].n_migs; k++)
        if (M.gpus[g].migs[k].gi == id) {
            /* the handle of a GPU instance: its first MIG device's */
            *gpu_instance =
                (gs_nvml_gpu_instance)(void *)&M.gpus[g].migs[k];
            LEAVE(E_OK);
        }
    LEAVE(GS_NVML_ERROR_NOT_FOUND);
}

FAKE_API gs_nvml_return nvmlGpuInstanceGetInfo(
    gs_nvml_gpu_instance gpu_instance, gs_nvml_gpu_instance_info *info)
{
    ENTER("nvmlGpuInstanceGetInfo");
    int g = -1;
    const fm_mig *mg = mig_of(gpu_instance, &g);
    if (!mg || !info)
        LEAVE(E_ARG);
    memset(info, 0, sizeof *info);
    info->device = (gs_nvml_device)(void *)&M.gpus[g];
    info->id = mg->gi;
    info->profile_id = mg->profile_id;
    info->placement.start = mg->start;
    info->placement.size = mg->size;
    LEAVE(E_OK);
}
