/*
 * A fake libcuda.so.1: the CUDA driver API entry points the device probe
 * uses, serving the machine scripted in $GPUSCHED_FAKE_MACHINE (see
 * fake_machine.h). Like the real driver it applies CUDA_VISIBLE_DEVICES
 * at cuInit: entries are indexes or unique GPU UUID prefixes, taken in
 * order up to the first invalid or repeated one.
 *
 * Variants (compile definitions):
 *   FAKE_CUDA_OLD    no cuDeviceGetUuid_v2, cuGetErrorName, cuGetErrorString
 *                    (a driver from before CUDA 11.4, or before 6.0 for the
 *                    error strings);
 *   FAKE_CUDA_NO_P2P no cuDeviceGetP2PAttribute.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "probe/cuda_decls.h"
#include "fake_machine.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

FAKE_API gs_cu_result cuInit(unsigned int flags);
FAKE_API gs_cu_result cuDriverGetVersion(int *version);
FAKE_API gs_cu_result cuDeviceGetCount(int *count);
FAKE_API gs_cu_result cuDeviceGet(gs_cu_device *device, int ordinal);
FAKE_API gs_cu_result cuDeviceGetName(char *name, int len, gs_cu_device dev);
FAKE_API gs_cu_result cuDeviceGetUuid(gs_cu_uuid *uuid, gs_cu_device dev);
FAKE_API gs_cu_result cuDeviceTotalMem_v2(size_t *bytes, gs_cu_device dev);
FAKE_API gs_cu_result cuDeviceGetAttribute(int *value,
                                           gs_cu_device_attribute attrib,
                                           gs_cu_device dev);
#if !defined(FAKE_CUDA_OLD)
FAKE_API gs_cu_result cuDeviceGetUuid_v2(gs_cu_uuid *uuid, gs_cu_device dev);
FAKE_API gs_cu_result cuGetErrorName(gs_cu_result error, const char **text);
FAKE_API gs_cu_result cuGetErrorString(gs_cu_result error, const char **text);
#endif
#if !defined(FAKE_CUDA_NO_P2P)
FAKE_API gs_cu_result cuDeviceGetP2PAttribute(int *value,
                                              gs_cu_p2p_attribute attrib,
                                              gs_cu_device src,
                                              gs_cu_device dst);
#endif

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static fm_machine M;
static bool initialized;
static int vis[FM_MAX_GPUS], n_vis;

/* CUDA_VISIBLE_DEVICES as the driver reads it. */
static void apply_visible(void)
{
    const char *v = getenv("CUDA_VISIBLE_DEVICES");
    n_vis = 0;
    if (!v) {
        for (int i = 0; i < M.n_gpus; i++)
            vis[n_vis++] = i;
        return;
    }
    char buf[1024];
    strncpy(buf, v, sizeof buf - 1);
    buf[sizeof buf - 1] = '\0';
    /* strtok would skip empty entries: walk by hand */
    char *p = buf;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        while (isspace((unsigned char)*p))
            p++;
        size_t len = strlen(p);
        while (len && isspace((unsigned char)p[len - 1]))
            p[--len] = '\0';
        int hit = -1;
        if (len && strspn(p, "0123456789") == len && len < 6) {
            hit = atoi(p);
            if (hit >= M.n_gpus)
                hit = -1;
        } else if (len > 4 && !strncmp(p, "GPU-", 4)) {
            int found = 0;
            for (int i = 0; i < M.n_gpus; i++)
                if (!strncasecmp(M.gpus[i].uuid_text, p, len)) {
                    found++;
                    hit = i;
                }
            if (found != 1)
                hit = -1;
        }
        for (int i = 0; i < n_vis && hit >= 0; i++)
            if (vis[i] == hit)
                hit = -1;
        if (hit < 0)
            return;
        vis[n_vis++] = hit;
        if (!comma)
            return;
        p = comma + 1;
    }
}

/* The GPU behind a device handle, or NULL (invalid or vanished). */
static fm_gpu *gpu_of(gs_cu_device dev, int *index)
{
    if (dev < 0 || dev >= n_vis)
        return NULL;
    fm_gpu *g = &M.gpus[vis[dev]];
    if (index)
        *index = vis[dev];
    return g->vanish ? NULL : g;
}

#define ENTER(fn)                                                           \
    pthread_mutex_lock(&lock);                                              \
    gs_cu_result r_ = fm_fail_now(&M, fn);                                  \
    if (!r_ && !initialized)                                                \
        r_ = GS_CUDA_ERROR_NOT_INITIALIZED;                                 \
    if (r_) {                                                               \
        pthread_mutex_unlock(&lock);                                        \
        return r_;                                                          \
    }
#define LEAVE(r)                                                            \
    do {                                                                    \
        pthread_mutex_unlock(&lock);                                        \
        return (r);                                                         \
    } while (0)

FAKE_API gs_cu_result cuDriverGetVersion(int *version)
{
    pthread_mutex_lock(&lock);
    /* another script: another machine (the library stays loaded between
     * probes, as the real one does) */
    if (fm_stale(&M)) {
        fm_load(&M);
        initialized = false;
    }
    gs_cu_result r = fm_fail_now(&M, "cuDriverGetVersion");
    if (!r && !version)
        r = GS_CUDA_ERROR_INVALID_VALUE;
    if (!r)
        *version = M.driver;
    pthread_mutex_unlock(&lock);
    return r;
}

FAKE_API gs_cu_result cuInit(unsigned int flags)
{
    pthread_mutex_lock(&lock);
    if (fm_stale(&M))
        fm_load(&M);
    /* every probe calls cuInit once: its fail lines count from here */
    fm_reset_fails(&M);
    gs_cu_result r = fm_fail_now(&M, "cuInit");
    if (!r && flags)
        r = GS_CUDA_ERROR_INVALID_VALUE;
    if (!r) {
        /* unlike the real driver, which reads it once per process, the
         * fake reads CUDA_VISIBLE_DEVICES at every cuInit */
        apply_visible();
        r = n_vis ? GS_CUDA_SUCCESS : GS_CUDA_ERROR_NO_DEVICE;
    }
    initialized = !r;
    pthread_mutex_unlock(&lock);
    return r;
}

FAKE_API gs_cu_result cuDeviceGetCount(int *count)
{
    ENTER("cuDeviceGetCount");
    if (!count)
        LEAVE(GS_CUDA_ERROR_INVALID_VALUE);
    *count = M.cuda_count_set ? (int)M.cuda_count : n_vis;
    LEAVE(GS_CUDA_SUCCESS);
}

FAKE_API gs_cu_result cuDeviceGet(gs_cu_device *device, int ordinal)
{
    ENTER("cuDeviceGet");
    if (!device)
        LEAVE(GS_CUDA_ERROR_INVALID_VALUE);
    if (ordinal < 0 || ordinal >= n_vis)
        LEAVE(GS_CUDA_ERROR_INVALID_DEVICE);
    *device = ordinal;
    LEAVE(GS_CUDA_SUCCESS);
}

FAKE_API gs_cu_result cuDeviceGetName(char *name, int len, gs_cu_device dev)
{
    ENTER("cuDeviceGetName");
    fm_gpu *g = gpu_of(dev, NULL);
    if (!g)
        LEAVE(GS_CUDA_ERROR_INVALID_DEVICE);
    if (!name || len <= 0)
        LEAVE(GS_CUDA_ERROR_INVALID_VALUE);
    if (g->name_unterminated) {
        memset(name, 'N', (size_t)len); /* no NUL anywhere */
    } else {
        strncpy(name, g->name, (size_t)len - 1);
        name[len - 1] = '\0';
    }
    LEAVE(GS_CUDA_SUCCESS);
}

static gs_cu_result get_uuid(const char *fn, gs_cu_uuid *uuid,
                             gs_cu_device dev)
{
    ENTER(fn);
    fm_gpu *g = gpu_of(dev, NULL);
    if (!g)
        LEAVE(GS_CUDA_ERROR_INVALID_DEVICE);
    if (!uuid)
        LEAVE(GS_CUDA_ERROR_INVALID_VALUE);
    memcpy(uuid->bytes, g->uuid, 16);
    LEAVE(GS_CUDA_SUCCESS);
}

FAKE_API gs_cu_result cuDeviceGetUuid(gs_cu_uuid *uuid, gs_cu_device dev)
{
    return get_uuid("cuDeviceGetUuid", uuid, dev);
}

#if !defined(FAKE_CUDA_OLD)
FAKE_API gs_cu_result cuDeviceGetUuid_v2(gs_cu_uuid *uuid, gs_cu_device dev)
{
    return get_uuid("cuDeviceGetUuid_v2", uuid, dev);
}
#endif

FAKE_API gs_cu_result cuDeviceTotalMem_v2(size_t *bytes, gs_cu_device dev)
{
    ENTER("cuDeviceTotalMem_v2");
    fm_gpu *g = gpu_of(dev, NULL);
    if (!g)
        LEAVE(GS_CUDA_ERROR_INVALID_DEVICE);
    if (!bytes)
        LEAVE(GS_CUDA_ERROR_INVALID_VALUE);
    *bytes = (size_t)g->mem;
    LEAVE(GS_CUDA_SUCCESS);
}

FAKE_API gs_cu_result cuDeviceGetAttribute(int *value,
                                           gs_cu_device_attribute attrib,
                                           gs_cu_device dev)
{
    ENTER("cuDeviceGetAttribute");
    int idx;
    fm_gpu *g = gpu_of(dev, &idx);
    if (!g)
        LEAVE(GS_CUDA_ERROR_INVALID_DEVICE);
    if (!value)
        LEAVE(GS_CUDA_ERROR_INVALID_VALUE);
    for (int i = 0; i < g->n_over; i++)
        if (g->over_attr[i] == attrib) {
            *value = g->over_value[i];
            LEAVE(GS_CUDA_SUCCESS);
        }
    switch (attrib) {
    case GS_CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *value = g->sms; break;
    case GS_CU_DEVICE_ATTRIBUTE_PCI_BUS_ID: *value = (int)g->bus; break;
    case GS_CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID: *value = (int)g->dev; break;
    case GS_CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID: *value = (int)g->dom; break;
    case GS_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR:
        *value = g->cc_major;
        break;
    case GS_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR:
        *value = g->cc_minor;
        break;
    case GS_CU_DEVICE_ATTRIBUTE_MULTI_GPU_BOARD: *value = g->board; break;
    case GS_CU_DEVICE_ATTRIBUTE_MULTI_GPU_BOARD_GROUP_ID:
        *value = g->group;
        break;
    default: LEAVE(GS_CUDA_ERROR_INVALID_VALUE);
    }
    LEAVE(GS_CUDA_SUCCESS);
}

#if !defined(FAKE_CUDA_NO_P2P)
FAKE_API gs_cu_result cuDeviceGetP2PAttribute(int *value,
                                              gs_cu_p2p_attribute attrib,
                                              gs_cu_device src,
                                              gs_cu_device dst)
{
    ENTER("cuDeviceGetP2PAttribute");
    int a, b;
    if (!gpu_of(src, &a) || !gpu_of(dst, &b) || a == b)
        LEAVE(GS_CUDA_ERROR_INVALID_DEVICE);
    if (!value)
        LEAVE(GS_CUDA_ERROR_INVALID_VALUE);
    bool nvlinked = fm_direct_links(&M, a, b) > 0 ||
                    (fm_on_switch(&M, a) && fm_on_switch(&M, b));
    switch (attrib) {
    case GS_CU_DEVICE_P2P_ATTRIBUTE_ACCESS_SUPPORTED:
        *value = M.access[a][b] != -2 ? M.access[a][b] : 1;
        break;
    case GS_CU_DEVICE_P2P_ATTRIBUTE_NATIVE_ATOMIC_SUPPORTED:
        *value = M.atomics[a][b] != -2 ? M.atomics[a][b] : nvlinked;
        break;
    case GS_CU_DEVICE_P2P_ATTRIBUTE_PERFORMANCE_RANK:
        *value = M.rank[a][b] != -2 ? M.rank[a][b] : 0;
        break;
    default: LEAVE(GS_CUDA_ERROR_INVALID_VALUE);
    }
    LEAVE(GS_CUDA_SUCCESS);
}
#endif

#if !defined(FAKE_CUDA_OLD)
static const struct {
    int code;
    const char *name, *text;
} errors[] = {
    {0, "CUDA_SUCCESS", "no error"},
    {1, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {3, "CUDA_ERROR_NOT_INITIALIZED", "initialization error"},
    {4, "CUDA_ERROR_DEINITIALIZED", "driver shutting down"},
    {100, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
    {101, "CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"},
    {801, "CUDA_ERROR_NOT_SUPPORTED", "operation not supported"},
    {999, "CUDA_ERROR_UNKNOWN", "unknown error"},
};

static gs_cu_result error_text(gs_cu_result error, const char **text,
                               bool name)
{
    if (!text)
        return GS_CUDA_ERROR_INVALID_VALUE;
    for (size_t i = 0; i < sizeof errors / sizeof *errors; i++)
        if (errors[i].code == error) {
            *text = name ? errors[i].name : errors[i].text;
            return GS_CUDA_SUCCESS;
        }
    *text = NULL;
    return GS_CUDA_ERROR_INVALID_VALUE;
}

FAKE_API gs_cu_result cuGetErrorName(gs_cu_result error, const char **text)
{
    return error_text(error, text, true);
}

FAKE_API gs_cu_result cuGetErrorString(gs_cu_result error, const char **text)
{
    return error_text(error, text, false);
}
#endif
