/*
 * The probe's CUDA driver part: load libcuda at run time, resolve the
 * entry points once into one table, and read the devices the driver shows
 * (after CUDA_VISIBLE_DEVICES) and the P2P attributes of each pair.
 *
 * Rules (docs/probe.md):
 * - a device query that answers CUDA_ERROR_INVALID_DEVICE means the device
 *   vanished after cuDeviceGetCount counted it: it is left out, with a
 *   warning;
 * - CUDA_ERROR_INVALID_VALUE or CUDA_ERROR_NOT_SUPPORTED leave that one
 *   value unknown;
 * - any other error ends the probe with the driver's own name and text
 *   for it (GS_ENODEV for CUDA_ERROR_NO_DEVICE, else GS_EDRIVER);
 * - values out of range (negative counts, bus numbers above 255...) are
 *   left unknown with a warning, strings are read within their buffers.
 *
 * libcuda is opened with RTLD_NODELETE: cuInit cannot be undone, and a
 * driver unloaded after it has started may leave code running that is no
 * longer mapped. The handle is still closed; only the unmapping is left
 * to process exit.
 * SPDX-License-Identifier: Apache-2.0
 */
#define _GNU_SOURCE /* RTLD_NODELETE */
#include "probe/cuda_decls.h"
#include "probe/probe_impl.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

/* The entry point table: resolved once per probe, used for all calls. */
typedef struct cu_api {
    void *dl;
    const char *lib;
    gs_cu_init_fn init;
    gs_cu_driver_get_version_fn driver_get_version;
    gs_cu_device_get_count_fn device_get_count;
    gs_cu_device_get_fn device_get;
    gs_cu_device_get_name_fn device_get_name;
    gs_cu_device_get_uuid_fn device_get_uuid;
    gs_cu_device_total_mem_fn device_total_mem;
    gs_cu_device_get_attribute_fn device_get_attribute;
    gs_cu_device_get_p2p_attribute_fn device_get_p2p_attribute;
    gs_cu_get_error_text_fn get_error_name, get_error_string;
} cu_api;

/* "CUDA_ERROR_NOT_INITIALIZED: initialization error", in the driver's own
 * words when it has them. */
static void cu_errtext(const cu_api *a, gs_cu_result r, char *out, size_t cap)
{
    const char *name = NULL, *text = NULL;
    if (a->get_error_name && a->get_error_name(r, &name) != GS_CUDA_SUCCESS)
        name = NULL;
    if (a->get_error_string &&
        a->get_error_string(r, &text) != GS_CUDA_SUCCESS)
        text = NULL;
    char n[96], s[160];
    pr_clean(name, 95, n, sizeof n);
    pr_clean(text, 159, s, sizeof s);
    if (!*n)
        snprintf(n, sizeof n, "CUDA error %d", (int)r);
    if (*s)
        snprintf(out, cap, "%s: %s", n, s);
    else
        snprintf(out, cap, "%s", n);
}

static gs_status cu_status(gs_cu_result r)
{
    return r == GS_CUDA_ERROR_NO_DEVICE ? GS_ENODEV : GS_EDRIVER;
}

/* A call failed for good: record "what: error" and return the status. */
static gs_status cu_fail(pr_ctx *c, const cu_api *a, gs_cu_result r,
                         const char *what)
{
    char e[280];
    cu_errtext(a, r, e, sizeof e);
    gs_status st = cu_status(r);
    if (c->cvd && r == GS_CUDA_ERROR_NO_DEVICE)
        pr_lib_result(c, GS_PROBE_LIB_CUDA, st,
                      "%s: %s (CUDA_VISIBLE_DEVICES=\"%.64s\" may hide "
                      "every GPU)",
                      what, e, c->cvd);
    else
        pr_lib_result(c, GS_PROBE_LIB_CUDA, st, "%s: %s", what, e);
    return st;
}

/* How the probe takes an error of a per-device query. */
enum { Q_OK, Q_UNKNOWN, Q_VANISHED, Q_FATAL };

static int cu_classify(gs_cu_result r)
{
    switch (r) {
    case GS_CUDA_SUCCESS: return Q_OK;
    case GS_CUDA_ERROR_INVALID_DEVICE: return Q_VANISHED;
    case GS_CUDA_ERROR_INVALID_VALUE:
    case GS_CUDA_ERROR_NOT_SUPPORTED: return Q_UNKNOWN;
    default: return Q_FATAL;
    }
}

static const char *attr_name(gs_cu_device_attribute at)
{
    switch (at) {
    case GS_CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT:
        return "MULTIPROCESSOR_COUNT";
    case GS_CU_DEVICE_ATTRIBUTE_PCI_BUS_ID: return "PCI_BUS_ID";
    case GS_CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID: return "PCI_DEVICE_ID";
    case GS_CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID: return "PCI_DOMAIN_ID";
    case GS_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR:
        return "COMPUTE_CAPABILITY_MAJOR";
    case GS_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR:
        return "COMPUTE_CAPABILITY_MINOR";
    case GS_CU_DEVICE_ATTRIBUTE_MULTI_GPU_BOARD: return "MULTI_GPU_BOARD";
    case GS_CU_DEVICE_ATTRIBUTE_MULTI_GPU_BOARD_GROUP_ID:
        return "MULTI_GPU_BOARD_GROUP_ID";
    default: return "?";
    }
}

/* Reading one device: the first failing call is kept for messages. */
typedef struct cu_dev_read {
    const cu_api *a;
    pr_ctx *c;
    int ordinal;
    gs_cu_device dev;
    int outcome;           /* worst Q_* so far */
    gs_cu_result err;      /* its error */
    char what[96];         /* the call that gave it */
} cu_dev_read;

/* Note a call's result; true when the value it gave can be used. */
static bool cu_note(cu_dev_read *d, gs_cu_result r, const char *fmt, ...)
    GS_PRINTF(3, 4);
static bool cu_note(cu_dev_read *d, gs_cu_result r, const char *fmt, ...)
{
    int q = cu_classify(r);
    if (q > d->outcome && q >= Q_VANISHED) {
        d->outcome = q;
        d->err = r;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->what, sizeof d->what, fmt, ap);
        va_end(ap);
    }
    return q == Q_OK;
}

static bool cu_attr(cu_dev_read *d, gs_cu_device_attribute at, int *v)
{
    if (d->outcome >= Q_VANISHED)
        return false;
    *v = 0;
    return cu_note(d, d->a->device_get_attribute(v, at, d->dev),
                   "cuDeviceGetAttribute(%s) on device %d", attr_name(at),
                   d->ordinal);
}

/* Read one device into g. Returns d.outcome (Q_OK, Q_VANISHED, Q_FATAL). */
static int cu_read_device(pr_ctx *c, const cu_api *a, int ordinal, pr_gpu *g,
                          cu_dev_read *d)
{
    *d = (cu_dev_read){.a = a, .c = c, .ordinal = ordinal};
    memset(g, 0, sizeof *g);
    g->ordinal = ordinal;
    g->multi_board = g->board_group = -1;
    g->mig = g->mig_pending = -1;
    g->nvml = GS_NONE;
    g->numa = GS_NONE;
    g->fabric = GS_NONE;
    g->numa_src = g->nvlink_src = g->fabric_src = GS_SOURCE_INFERRED;
    gs_cu_result r = a->device_get(&d->dev, ordinal);
    if (r == GS_CUDA_ERROR_INVALID_VALUE)
        r = GS_CUDA_ERROR_INVALID_DEVICE; /* an ordinal no longer valid */
    if (!cu_note(d, r, "cuDeviceGet(%d)", ordinal))
        return d->outcome;

    /* The name: the driver fills at most len bytes and need not end it. */
    char name[GS_MAX_NAME + 1];
    memset(name, 0, sizeof name);
    if (cu_note(d, a->device_get_name(name, (int)sizeof name - 1, d->dev),
                "cuDeviceGetName on device %d", ordinal))
        pr_clean(name, sizeof name - 1, g->model, sizeof g->model);

    gs_cu_uuid u;
    memset(&u, 0, sizeof u);
    if (d->outcome < Q_VANISHED &&
        cu_note(d, a->device_get_uuid(&u, d->dev),
                "cuDeviceGetUuid on device %d", ordinal)) {
        const unsigned char *b = (const unsigned char *)u.bytes;
        snprintf(g->uuid, sizeof g->uuid,
                 "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                 "%02x%02x%02x%02x%02x%02x",
                 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
                 b[10], b[11], b[12], b[13], b[14], b[15]);
    }

    size_t mem = 0;
    if (d->outcome < Q_VANISHED &&
        cu_note(d, a->device_total_mem(&mem, d->dev),
                "cuDeviceTotalMem on device %d", ordinal)) {
        if ((uint64_t)mem > (uint64_t)INT64_MAX)
            pr_warn(c, "CUDA device %d: total memory %llu bytes is not "
                       "believable; left unknown",
                    ordinal, (unsigned long long)mem);
        else
            g->memory = (uint64_t)mem;
    }

    int major = 0, minor = 0, v = 0;
    bool have_major = cu_attr(d, GS_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                              &major);
    bool have_minor = cu_attr(d, GS_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                              &minor);
    if (have_major && have_minor && major > 0 && major <= 255 &&
        minor >= 0 && minor <= 255) {
        g->cc_major = (uint32_t)major;
        g->cc_minor = (uint32_t)minor;
    } else if (have_major && (major != 0 || minor != 0)) {
        pr_warn(c, "CUDA device %d: compute capability %d.%d is out of "
                   "range; left unknown",
                ordinal, major, have_minor ? minor : 0);
    }
    if (cu_attr(d, GS_CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, &v)) {
        if (v > 0)
            g->sms = (uint32_t)v;
        else if (v < 0)
            pr_warn(c, "CUDA device %d: %d multiprocessors; left unknown",
                    ordinal, v);
    }

    int dom = 0, bus = 0, dev = 0;
    bool have_dom = cu_attr(d, GS_CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID, &dom);
    bool have_bus = cu_attr(d, GS_CU_DEVICE_ATTRIBUTE_PCI_BUS_ID, &bus);
    bool have_dev = cu_attr(d, GS_CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID, &dev);
    if (have_dom && have_bus && have_dev) {
        char raw[48];
        /* CUDA has no function number: GPUs are function 0 */
        snprintf(raw, sizeof raw, "%04x:%02x:%02x.0", (unsigned)dom,
                 (unsigned)bus, (unsigned)dev);
        if (dom < 0 || bus < 0 || bus > 0xff || dev < 0 || dev > 0x1f ||
            !gs_pci_normalize(raw, g->pci)) {
            g->pci[0] = '\0';
            pr_warn(c, "CUDA device %d: PCI domain %d, bus %d, device %d is "
                       "not a PCI address; its bus id is left unknown",
                    ordinal, dom, bus, dev);
        }
    }

    if (cu_attr(d, GS_CU_DEVICE_ATTRIBUTE_MULTI_GPU_BOARD, &v))
        g->multi_board = v == 0 || v == 1 ? v : -1;
    if (cu_attr(d, GS_CU_DEVICE_ATTRIBUTE_MULTI_GPU_BOARD_GROUP_ID, &v))
        g->board_group = v >= 0 ? v : -1;
    return d->outcome;
}

/* Two devices with one UUID or one bus id cannot both keep it: the node
 * refuses duplicate UUIDs, and a bus id names the device whose NVML and
 * hwloc facts are taken. The first keeps it. */
static void cu_dedup(pr_ctx *c)
{
    for (uint32_t i = 0; i < c->n_gpus; i++)
        for (uint32_t j = 0; j < i; j++) {
            pr_gpu *a = &c->gpus[j], *b = &c->gpus[i];
            if (*b->uuid && strcmp(a->uuid, b->uuid) == 0) {
                pr_warn(c, "CUDA devices %d and %d have the same UUID %s; "
                           "the second is left without one",
                        a->ordinal, b->ordinal, b->uuid);
                b->uuid[0] = '\0';
            }
            if (*b->pci && strcmp(a->pci, b->pci) == 0) {
                pr_warn(c, "CUDA devices %d and %d have the same PCI bus id "
                           "%s; the second is left without one (and without "
                           "NVML and hwloc facts)",
                        a->ordinal, b->ordinal, b->pci);
                b->pci[0] = '\0';
            }
        }
}

static int p2p_value(pr_ctx *c, const cu_api *a, gs_cu_p2p_attribute at,
                     gs_cu_device x, gs_cu_device y, gs_status *st)
{
    int v = -1;
    gs_cu_result r = a->device_get_p2p_attribute(&v, at, x, y);
    int q = cu_classify(r);
    if (q == Q_FATAL) {
        char what[96];
        snprintf(what, sizeof what, "cuDeviceGetP2PAttribute(%d) on devices "
                                    "%d and %d",
                 (int)at, (int)x, (int)y);
        *st = cu_fail(c, a, r, what);
        return -1;
    }
    return q == Q_OK ? v : -1;
}

/* P2P attributes of every ordered pair. */
static gs_status cu_pairs(pr_ctx *c, const cu_api *a, const gs_cu_device *devs)
{
    gs_status st = GS_OK;
    for (uint32_t i = 0; i < c->n_gpus && st == GS_OK; i++)
        for (uint32_t j = 0; j < c->n_gpus && st == GS_OK; j++) {
            pr_pair *p = pr_pair_at(c, i, j);
            p->access = p->atomics = p->rank = p->nvlink_p2p = -1;
            p->pcie = GS_PCIE_UNKNOWN;
            p->pcie_src = p->nvlink_src = GS_SOURCE_INFERRED;
            if (i == j)
                continue;
            int v = p2p_value(c, a, GS_CU_DEVICE_P2P_ATTRIBUTE_ACCESS_SUPPORTED,
                              devs[i], devs[j], &st);
            p->access = v == 0 || v == 1 ? v : -1;
            if (st == GS_OK)
                v = p2p_value(c, a,
                              GS_CU_DEVICE_P2P_ATTRIBUTE_NATIVE_ATOMIC_SUPPORTED,
                              devs[i], devs[j], &st);
            p->atomics = v == 0 || v == 1 ? v : -1;
            if (st == GS_OK)
                v = p2p_value(c, a, GS_CU_DEVICE_P2P_ATTRIBUTE_PERFORMANCE_RANK,
                              devs[i], devs[j], &st);
            p->rank = v >= 0 ? v : -1;
        }
    return st;
}

/* The driver is loaded: read everything. */
static gs_status cu_read(pr_ctx *c, cu_api *a)
{
#define CU_RESOLVE(field, type, sym) (a->field = (type)pr_dlsym(a->dl, sym))
    CU_RESOLVE(driver_get_version, gs_cu_driver_get_version_fn,
               "cuDriverGetVersion");
    CU_RESOLVE(init, gs_cu_init_fn, "cuInit");
    CU_RESOLVE(get_error_name, gs_cu_get_error_text_fn, "cuGetErrorName");
    CU_RESOLVE(get_error_string, gs_cu_get_error_text_fn, "cuGetErrorString");
    if (!a->driver_get_version || !a->init)
        return pr_lib_result(c, GS_PROBE_LIB_CUDA, GS_EDRIVER,
                             "%s has no cuDriverGetVersion or cuInit: it is "
                             "not a CUDA driver library",
                             a->lib);
    int version = 0;
    gs_cu_result r = a->driver_get_version(&version);
    if (r != GS_CUDA_SUCCESS)
        return cu_fail(c, a, r, "cuDriverGetVersion");
    if (version <= 0)
        return pr_lib_result(c, GS_PROBE_LIB_CUDA, GS_EDRIVER,
                             "cuDriverGetVersion gave %d, not a version",
                             version);
    c->driver_version = version;
    if (version < GS_PROBE_MIN_CUDA_VERSION)
        return pr_lib_result(c, GS_PROBE_LIB_CUDA, GS_EUNSUPPORTED,
                             "%s is CUDA %d.%d, older than the %d.%d the "
                             "probe needs: update the NVIDIA driver",
                             a->lib, version / 1000, version % 1000 / 10,
                             GS_PROBE_MIN_CUDA_VERSION / 1000,
                             GS_PROBE_MIN_CUDA_VERSION % 1000 / 10);

    CU_RESOLVE(device_get_count, gs_cu_device_get_count_fn,
               "cuDeviceGetCount");
    CU_RESOLVE(device_get, gs_cu_device_get_fn, "cuDeviceGet");
    CU_RESOLVE(device_get_name, gs_cu_device_get_name_fn, "cuDeviceGetName");
    /* _v2 (CUDA 11.4) first; the plain name has the same signature */
    CU_RESOLVE(device_get_uuid, gs_cu_device_get_uuid_fn,
               "cuDeviceGetUuid_v2");
    if (!a->device_get_uuid)
        CU_RESOLVE(device_get_uuid, gs_cu_device_get_uuid_fn,
                   "cuDeviceGetUuid");
    /* _v2 only: the plain name returns an unsigned int */
    CU_RESOLVE(device_total_mem, gs_cu_device_total_mem_fn,
               "cuDeviceTotalMem_v2");
    CU_RESOLVE(device_get_attribute, gs_cu_device_get_attribute_fn,
               "cuDeviceGetAttribute");
    CU_RESOLVE(device_get_p2p_attribute, gs_cu_device_get_p2p_attribute_fn,
               "cuDeviceGetP2PAttribute");
#undef CU_RESOLVE
    const struct {
        bool set;
        const char *name;
    } need[] = {
        {a->device_get_count != NULL, "cuDeviceGetCount"},
        {a->device_get != NULL, "cuDeviceGet"},
        {a->device_get_name != NULL, "cuDeviceGetName"},
        {a->device_get_uuid != NULL, "cuDeviceGetUuid"},
        {a->device_total_mem != NULL, "cuDeviceTotalMem_v2"},
        {a->device_get_attribute != NULL, "cuDeviceGetAttribute"},
        {a->device_get_p2p_attribute != NULL, "cuDeviceGetP2PAttribute"},
    };
    for (size_t i = 0; i < GS_ARRAY_LEN(need); i++)
        if (!need[i].set)
            return pr_lib_result(c, GS_PROBE_LIB_CUDA, GS_EUNSUPPORTED,
                                 "%s (CUDA %d.%d) has no %s, which the probe "
                                 "needs: update the NVIDIA driver",
                                 a->lib, version / 1000, version % 1000 / 10,
                                 need[i].name);

    if ((r = a->init(0)) != GS_CUDA_SUCCESS)
        return cu_fail(c, a, r, "cuInit");
    int count = 0;
    if ((r = a->device_get_count(&count)) != GS_CUDA_SUCCESS)
        return cu_fail(c, a, r, "cuDeviceGetCount");
    if (count < 0 || (uint32_t)count > GS_MAX_GPUS_PER_NODE)
        return pr_lib_result(c, GS_PROBE_LIB_CUDA, GS_EDRIVER,
                             "cuDeviceGetCount gave %d devices; gpusched "
                             "takes 0 to %u per node",
                             count, GS_MAX_GPUS_PER_NODE);
    c->cuda_devices = (uint32_t)count;
    if (count == 0)
        return pr_lib_result(c, GS_PROBE_LIB_CUDA, GS_ENODEV,
                             "the CUDA driver (%s) shows no device%s%.64s%s",
                             a->lib, c->cvd ? " (CUDA_VISIBLE_DEVICES=\"" : "",
                             c->cvd ? c->cvd : "", c->cvd ? "\")" : "");

    c->gpus = gs_calloc((size_t)count, sizeof *c->gpus);
    gs_cu_device *devs = gs_calloc((size_t)count, sizeof *devs);
    if (!c->gpus || !devs) {
        gs_free(devs);
        return GS_ENOMEM;
    }
    gs_status st = GS_OK;
    for (int i = 0; i < count && st == GS_OK; i++) {
        cu_dev_read d;
        pr_gpu *g = &c->gpus[c->n_gpus];
        int q = cu_read_device(c, a, i, g, &d);
        if (q == Q_FATAL) {
            st = cu_fail(c, a, d.err, d.what);
        } else if (q == Q_VANISHED) {
            char e[200];
            cu_errtext(a, d.err, e, sizeof e);
            c->vanished++;
            pr_warn(c, "CUDA device %d vanished between cuDeviceGetCount and "
                       "its queries (%s: %s): left out%s",
                    i, d.what, e,
                    i + 1 < count ? "; the GPU indexes after it are one less "
                                    "than their CUDA ordinals"
                                  : "");
        } else {
            devs[c->n_gpus++] = d.dev;
        }
    }
    if (st == GS_OK && c->n_gpus == 0)
        st = pr_lib_result(c, GS_PROBE_LIB_CUDA, GS_ENODEV,
                           "all %d CUDA devices vanished before they could "
                           "be read",
                           count);
    if (st == GS_OK) {
        cu_dedup(c);
        c->pairs = gs_calloc((size_t)c->n_gpus * c->n_gpus, sizeof *c->pairs);
        st = c->pairs ? cu_pairs(c, a, devs) : GS_ENOMEM;
    }
    gs_free(devs);
    if (st == GS_OK)
        pr_lib_result(c, GS_PROBE_LIB_CUDA, GS_OK, "%s: CUDA %d.%d, %u device%s",
                      a->lib, version / 1000, version % 1000 / 10,
                      c->n_gpus, c->n_gpus == 1 ? "" : "s");
    return st;
}

gs_status pr_cuda(pr_ctx *c)
{
    cu_api a;
    memset(&a, 0, sizeof a);
    a.lib = pr_library(c->o->cuda_library, "GPUSCHED_CUDA_LIBRARY",
                       "libcuda.so.1");
    snprintf(c->lib_name[GS_PROBE_LIB_CUDA], PR_NAME_MAX, "%s", a.lib);
    gs_status st;
    char msg[GS_ERRMSG_MAX];
    a.dl = pr_dlopen(a.lib, RTLD_NODELETE, &st, msg, sizeof msg);
    if (!a.dl) {
        pr_lib_result(c, GS_PROBE_LIB_CUDA, st, "%s", msg);
        return st;
    }
    st = cu_read(c, &a);
    dlclose(a.dl);
    return st;
}
