/*
 * The device probe's internals, shared by its files:
 *
 *   probe.c          gs_topo_probe: options, the order of things, the node
 *   probe_cuda.c     the CUDA driver: loading, the entry point table, devices
 *   probe_nvml.c     NVML: NVLinks, NVSwitches, PCIe levels, MIG mode
 *   probe_visible.c  CUDA_VISIBLE_DEVICES, read the way CUDA reads it
 *   probe_report.c   the report handle and its accessors
 *
 * Everything lives in one context per call (pr_ctx): no global state, so
 * probes may run in several threads at once.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_PROBE_IMPL_H
#define GS_PROBE_IMPL_H

#include <gpusched/probe.h>

#include "import/import.h"
#include "probe/nvml_decls.h"

/* Longest library name or path we keep. */
#define PR_NAME_MAX 1024

/* One GPU of the node being built, in node order. */
typedef struct pr_gpu {
    /* the CUDA driver */
    int ordinal;
    char model[GS_MAX_NAME + 1]; /* printable ASCII, "" unknown */
    char uuid[48];               /* "GPU-xxxxxxxx-...", "" unknown */
    char pci[32];                /* normalized "dddd:bb:dd.f", "" unknown */
    uint64_t memory;
    uint32_t cc_major, cc_minor, sms;
    int multi_board, board_group; /* -1 unknown */
    /* NVML */
    uint32_t nvml;              /* index in pr_ctx.nv, GS_NONE */
    int mig, mig_pending;       /* -1 unknown */
    /* its GPU instances (MIG on; NVML): -1 when they could not be read */
    int mig_n;
    struct pr_mig {
        uint32_t gi, profile_id, start, size;
        char uuid[GS_NVML_DEVICE_UUID_V2_BUFFER_SIZE];
    } mig_inst[7];
    bool nv_known;              /* NVML counted this GPU's links */
    uint32_t nv_gpus, nv_switches, nv_cpus, nv_other;
    uint32_t fabric, fabric_links;
    gs_source fabric_src;
    /* hwloc */
    uint32_t numa;
    /* sources for the report */
    gs_source numa_src, nvlink_src;
} pr_gpu;

/* One ordered pair (a, b) of node GPUs: pairs[a * n + b]. */
typedef struct pr_pair {
    int access, atomics, rank; /* cuDeviceGetP2PAttribute, -1 unknown */
    int nvlink_p2p;            /* NVML P2P status over NVLink, -1 */
    uint32_t nvlinks;          /* direct wires (links of a ending at b) */
    uint8_t pcie;              /* gs_pcie_level */
    uint8_t pcie_src, nvlink_src; /* gs_source */
} pr_pair;

/* One device as NVML sees it (all of the machine's GPUs). */
typedef struct pr_nvdev {
    void *handle; /* gs_nvml_device */
    char pci[32]; /* normalized, "" unknown */
    char uuid[GS_NVML_DEVICE_UUID_V2_BUFFER_SIZE];
} pr_nvdev;

typedef struct pr_ctx {
    gs_topo *t;           /* the topology being built (t->err: messages) */
    const gs_probe_options *o; /* the caller's options, read in full */
    gs_load_options lo;   /* warnings and hostname, for the importers */
    unsigned flags;
    /* per source: status, message, what was loaded */
    gs_status lib_status[3];
    char lib_message[3][GS_ERRMSG_MAX];
    char lib_name[3][PR_NAME_MAX];
    /* the CUDA driver */
    int driver_version;
    uint32_t cuda_devices, vanished;
    /* NVML */
    pr_nvdev *nv;
    uint32_t n_nv; /* GS_NONE without NVML */
    char nvml_version[GS_NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE];
    /* CUDA_VISIBLE_DEVICES */
    const char *cvd; /* getenv value, NULL when unset */
    uint32_t cvd_entries, cvd_stop;
    /* the node */
    uint32_t node;
    pr_gpu *gpus;
    uint32_t n_gpus;
    pr_pair *pairs; /* n_gpus * n_gpus */
    bool partial;
    /* gs_probe_options::hwloc_xml, read before anything else (NULL: none
     * or not used) */
    char *xml_text;
    size_t xml_len;
} pr_ctx;

static inline pr_pair *pr_pair_at(pr_ctx *c, uint32_t a, uint32_t b)
{
    return &c->pairs[(size_t)a * c->n_gpus + b];
}

/* A warning through the caller's callback. */
void pr_warn(pr_ctx *c, const char *fmt, ...) GS_PRINTF(2, 3);
/* Record a source's outcome (status and message) for the report; returns
 * st. */
gs_status pr_lib_result(pr_ctx *c, gs_probe_lib lib, gs_status st,
                        const char *fmt, ...) GS_PRINTF(4, 5);
/* Copy text from a driver into out (cap bytes): at most cap - 1 bytes,
 * stopping at a NUL or at max bytes of the source (which need not be
 * terminated), control and non-ASCII bytes made '?', outer blanks gone. */
void pr_clean(const char *in, size_t max, char *out, size_t cap);
/* dlopen a library (name or path). On failure returns NULL, and st/msg
 * say why: GS_ENODEV "NAME not found", or GS_EDRIVER with dlerror. */
void *pr_dlopen(const char *name, int extra_flags, gs_status *st,
                char *msg, size_t cap);
/* The library to load: the caller's name when given and not empty, else
 * the environment variable's when set and not empty, else soname. */
const char *pr_library(const char *given, const char *env_var,
                       const char *soname);
/* dlsym as a function pointer; NULL when absent. */
typedef void (*pr_fn)(void);
pr_fn pr_dlsym(void *handle, const char *symbol);

/* probe_cuda.c: load the driver, read the devices and their pairs into
 * c->gpus / c->pairs. Fails with GS_ENODEV, GS_EDRIVER, GS_EUNSUPPORTED
 * (the message in c->lib_message[GS_PROBE_LIB_CUDA]) or GS_ENOMEM. */
gs_status pr_cuda(pr_ctx *c);

/* probe_nvml.c: what NVML adds to c->gpus / c->pairs. Fails only with
 * GS_ENOMEM; NVML's own failures are recorded and warned about. */
gs_status pr_nvml(pr_ctx *c);

/* probe_visible.c: read CUDA_VISIBLE_DEVICES (c->cvd) the way CUDA does,
 * against NVML's devices when known: sets cvd_entries and cvd_stop, and
 * warns when the driver shows another count than the entries predict. */
void pr_visible(pr_ctx *c);

/* probe_report.c: a report from the context (NULL when out of memory). */
gs_probe_report *pr_report_new(const pr_ctx *c, gs_status st);

#endif
