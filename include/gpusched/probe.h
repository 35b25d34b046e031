/*
 * gpusched - GPU-aware scheduling library.
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file probe.h
 * @brief The device probe: the machine the program runs on, as a one-node
 *        topology, read from the CUDA driver API, NVML and hwloc.
 *
 * gs_topo_probe() gives the same kind of node as the importers (topo.h):
 * NUMA domains, CPUs and memory, GPUs with their attributes, and for each
 * GPU pair the NVLink count (direct wires or an NVSwitch fabric) and the
 * PCIe level. Where each fact came from is recorded:
 *
 * | fact | read from | fallback |
 * |---|---|---|
 * | GPUs (which, in which order), model, UUID, memory, compute capability, SMs, PCI bus id, multi-GPU board, P2P attributes | CUDA driver API (`libcuda.so.1`) | hwloc, with ::GS_PROBE_PARTIAL |
 * | NVLinks per pair, NVSwitch fabrics, MIG mode and instances | NVML (`libnvidia-ml.so.1`) | hwloc's `NVLinkBandwidth` matrix |
 * | PCIe level of each pair | NVML (common ancestor) | hwloc's PCI tree; else inferred when freezing |
 * | NUMA domains, CPUs, memory, each GPU's NUMA domain | hwloc | none (left unknown) |
 *
 * Each cell's source (gs_link_info::source: ::GS_SOURCE_DRIVER,
 * ::GS_SOURCE_NVML, ::GS_SOURCE_HWLOC, ::GS_SOURCE_INFERRED) is the source
 * of what the matrix shows for it: the NVLink fact when the pair has
 * NVLinks, else the PCIe level. The report (::gs_probe_report) has the
 * rest: per GPU the sources of its attributes, NUMA domain and links, and
 * per pair the P2P attributes and both sources.
 *
 * Both libraries are loaded at run time with `dlopen`: the library builds
 * and runs where no NVIDIA driver is installed, and the probe then answers
 * ::GS_ENODEV ("libcuda.so.1 not found: ...") instead of crashing. Nothing
 * is kept between calls: every call loads the libraries, reads the machine
 * and closes them (libcuda stays mapped once loaded: a started driver is
 * not safely unmapped), so the probe is safe to call from several threads
 * (the libraries themselves are thread-safe). It is never on the
 * scheduler's decision path: probe once, keep the frozen topology.
 *
 * **GPU indexes** on the node are the CUDA device ordinals the calling
 * process sees: the driver applies `CUDA_VISIBLE_DEVICES` (and
 * `CUDA_DEVICE_ORDER`) before the probe sees anything, so a restricted
 * process gets a node of its visible GPUs only. Indexes are then relative
 * to that process; give children UUIDs (::GS_CVD_UUIDS) rather than
 * indexes. docs/probe.md has the details.
 */
#ifndef GPUSCHED_PROBE_H
#define GPUSCHED_PROBE_H

#include <gpusched/topo.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup probe Device probe
 *  @brief This machine as a topology, from the CUDA driver, NVML and hwloc.
 *
 *  This machine as a one-node topology: the GPUs and their attributes
 *  from the CUDA driver API, NVLinks, NVSwitch fabrics and PCIe levels
 *  from NVML (both loaded at run time, so nothing is needed to build), and
 *  NUMA domains and CPUs from hwloc. gs_topo_probe() returns a frozen
 *  topology like any other, and a report (::gs_probe_report) of what each
 *  source said. With no driver or no GPU it says why (::GS_ENODEV), or
 *  with ::GS_PROBE_PARTIAL gives the node as hwloc sees it.
 *  @{ */

/** Flag for ::gs_probe_options::flags: when the CUDA driver is missing or
 *  fails, return the node as hwloc alone sees it (GPUs as PCI devices,
 *  NUMA domains, PCIe levels) with ::GS_OK instead of failing; the report
 *  says why the driver gave nothing (gs_probe_summary::partial). */
#define GS_PROBE_PARTIAL 0x1u
/** Flag for ::gs_probe_options::flags: do not load NVML (no NVLink counts
 *  unless hwloc has them, PCIe levels from hwloc). */
#define GS_PROBE_NO_NVML 0x2u
/** Flag for ::gs_probe_options::flags: do not use hwloc (no NUMA domains,
 *  no CPUs, no GPU locality). */
#define GS_PROBE_NO_HWLOC 0x4u
/** Flag for ::gs_probe_options::flags: leave the topology unfrozen so the
 *  caller can add to it before gs_topo_freeze(). */
#define GS_PROBE_NOFREEZE 0x8u

/** The oldest CUDA driver API version the probe works with, as
 *  cuDriverGetVersion() reports it (1000 x major + 10 x minor): CUDA 10.0.
 *  An older driver gives ::GS_EUNSUPPORTED. */
#define GS_PROBE_MIN_CUDA_VERSION 10000

/** @brief What a probe found, beyond the topology: an opaque handle
 *         (see gs_probe_report_summary()). */
typedef struct gs_probe_report gs_probe_report;

/**
 * @brief Options for gs_topo_probe(). Initialize with
 *        ::GS_PROBE_OPTIONS_INIT or gs_probe_options_init().
 */
typedef struct gs_probe_options {
    /** sizeof(gs_probe_options) as the caller knows it. */
    uint32_t struct_size;
    /** Bitwise OR of GS_PROBE_* flags. */
    unsigned flags;
    /** The CUDA driver library: a path or a name for the dynamic loader.
     *  NULL: `$GPUSCHED_CUDA_LIBRARY` when set and not empty, else
     *  "libcuda.so.1". */
    const char *cuda_library;
    /** The NVML library, likewise: NULL gives `$GPUSCHED_NVML_LIBRARY`,
     *  else "libnvidia-ml.so.1". */
    const char *nvml_library;
    /** An hwloc XML export to read instead of this machine's hwloc view
     *  (a machine described offline, or tests); NULL: this machine. */
    const char *hwloc_xml;
    /** The node's name; NULL: this machine's host name (gethostname), or
     *  "localhost" when it is not a valid node name. */
    const char *hostname;
    /** Called for each warning (a vanished device, an inconsistency between
     *  sources...); NULL ignores them. */
    gs_warning_fn warn;
    /** Passed to the warning function as its first argument. */
    void *warn_user;
    /** When not NULL, receives a report on what was found, also when the
     *  probe fails (NULL only when even that could not be allocated);
     *  release it with gs_probe_report_destroy(). */
    gs_probe_report **report;
} gs_probe_options;

/** Static initializer for ::gs_probe_options. */
#define GS_PROBE_OPTIONS_INIT \
    { sizeof(gs_probe_options), 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL }

/**
 * @brief Initialize a ::gs_probe_options (for bindings that cannot use
 *        macros).
 * @param[out] opts The struct to initialize.
 */
GS_API void gs_probe_options_init(gs_probe_options *opts);

/**
 * @brief Probe the machine the program runs on: a one-node topology with
 *        its GPUs, their links and its NUMA layout.
 *
 * The result is frozen unless ::GS_PROBE_NOFREEZE is given. Like
 * gs_topo_load(), the handle is returned even on failure (when memory
 * allowed creating it) so that gs_topo_errmsg() says why, e.g.
 * "libcuda.so.1 not found: ..." or "cuDeviceGetAttribute(device 2):
 * CUDA_ERROR_NOT_INITIALIZED: initialization error"; the caller destroys
 * it either way.
 *
 * A device that the driver counts but that has vanished when queried
 * (`CUDA_ERROR_INVALID_DEVICE`: a GPU fallen off the bus) is left out with
 * a warning; NVML and hwloc failing are warnings too (their facts are then
 * missing, see the table above), except that an unreadable
 * gs_probe_options::hwloc_xml fails the probe: it is read first, so that
 * it fails it whatever the driver says.
 *
 * @param[out] out Receives the handle.
 * @param opts Options, or NULL for the defaults.
 * @return ::GS_OK (at least one GPU); ::GS_ENODEV (no driver library, no
 *         device, or `CUDA_VISIBLE_DEVICES` hides them all);
 *         ::GS_EDRIVER (the driver library cannot be loaded or returned an
 *         error; the message has its name and text); ::GS_EUNSUPPORTED
 *         (a driver older than ::GS_PROBE_MIN_CUDA_VERSION, or missing an
 *         entry point); ::GS_EIO, ::GS_EPARSE (gs_probe_options::hwloc_xml);
 *         ::GS_EINVAL; ::GS_ENOMEM. With ::GS_PROBE_PARTIAL a driver
 *         failure gives ::GS_OK and the hwloc view when hwloc has one.
 */
GS_API gs_status gs_topo_probe(gs_topo **out, const gs_probe_options *opts);

/** @brief The three sources a probe reads, for gs_probe_summary. */
typedef enum gs_probe_lib {
    GS_PROBE_LIB_CUDA = 0,  /**< The CUDA driver API (libcuda). */
    GS_PROBE_LIB_NVML = 1,  /**< NVML (libnvidia-ml). */
    GS_PROBE_LIB_HWLOC = 2  /**< hwloc (linked in, or not built). */
} gs_probe_lib;

/**
 * @brief What the probe found: the driver, the libraries and
 *        `CUDA_VISIBLE_DEVICES`. Strings live as long as the report.
 *
 * Initialize with ::GS_PROBE_SUMMARY_INIT or gs_probe_summary_init()
 * (struct_size); gs_probe_report_summary() fills the rest.
 */
typedef struct gs_probe_summary {
    /** sizeof(gs_probe_summary) as the caller knows it. */
    uint32_t struct_size;
    /** What gs_topo_probe() returned. */
    gs_status status;
    /** 1 when the node comes from hwloc alone (::GS_PROBE_PARTIAL after the
     *  driver gave nothing), else 0. */
    int partial;
    /** GPUs on the probed node (0 on failure). */
    uint32_t gpus;
    /** Per source (indexed by ::gs_probe_lib): ::GS_OK when it was read;
     *  ::GS_ENODEV when its library was not found (or no device);
     *  ::GS_EDRIVER when it failed; ::GS_EUNSUPPORTED when too old, or not
     *  built in (hwloc), or turned off by a flag. */
    gs_status lib_status[3];
    /** Per source: what happened, one line ("" when there is nothing to
     *  say), e.g. "libnvidia-ml.so.1 not found: ...". */
    const char *lib_message[3];
    /** Per source: the name or path handed to the dynamic loader (CUDA,
     *  NVML), the XML file or "this machine" (hwloc); NULL when unused. */
    const char *lib_name[3];
    /** cuDriverGetVersion(): 1000 x major + 10 x minor (12040 is 12.4);
     *  0 when unknown. */
    int cuda_driver_version;
    /** Devices cuDeviceGetCount() reported (after `CUDA_VISIBLE_DEVICES`). */
    uint32_t cuda_devices;
    /** Of those, devices that vanished before they could be read (left
     *  out of the node). */
    uint32_t vanished;
    /** NVML's driver version string ("550.54.15"), NULL when unknown. */
    const char *nvml_driver_version;
    /** GPUs NVML sees: all of the machine's, whatever
     *  `CUDA_VISIBLE_DEVICES` says; ::GS_NONE without NVML. */
    uint32_t nvml_devices;
    /** The value of `CUDA_VISIBLE_DEVICES` when the probe ran, NULL when it
     *  was not set. */
    const char *cuda_visible_devices;
    /** How many of its entries CUDA takes: entries are read in order up to
     *  the first one that is not a valid index, a unique UUID prefix or a
     *  MIG instance (see docs/probe.md); 0 when unset. */
    uint32_t visible_entries;
    /** Position (from 0) of the entry CUDA stops at, or ::GS_NONE when it
     *  reads them all (or the variable is not set). */
    uint32_t visible_stop;
} gs_probe_summary;

/** Static initializer for ::gs_probe_summary. */
#define GS_PROBE_SUMMARY_INIT                                               \
    { sizeof(gs_probe_summary), GS_OK, 0, 0, {GS_OK, GS_OK, GS_OK},         \
      {NULL, NULL, NULL}, {NULL, NULL, NULL}, 0, 0, 0, NULL, GS_NONE, NULL, \
      0, GS_NONE }

/**
 * @brief Initialize a ::gs_probe_summary.
 * @param[out] summary The struct to initialize.
 */
GS_API void gs_probe_summary_init(gs_probe_summary *summary);

/**
 * @brief What the probe knows about one GPU beyond gs_gpu_info.
 *
 * Initialize with ::GS_PROBE_GPU_INIT or gs_probe_gpu_init().
 */
typedef struct gs_probe_gpu {
    /** sizeof(gs_probe_gpu) as the caller knows it. */
    uint32_t struct_size;
    /** The CUDA device ordinal (in the probing process), -1 for a GPU seen
     *  by hwloc alone. */
    int cuda_ordinal;
    /** NVML's index of the GPU (the machine-wide numbering nvidia-smi
     *  uses), ::GS_NONE without NVML. */
    uint32_t nvml_index;
    /** 1 when the GPU is on a multi-GPU board, 0 when not, -1 unknown. */
    int multi_gpu_board;
    /** Group id shared by the GPUs of one multi-GPU board, -1 unknown. */
    int board_group;
    /** MIG mode: 1 enabled, 0 disabled, -1 unknown or not supported. A GPU
     *  with MIG enabled is put in MIG mode in the topology, with the GPU
     *  instances NVML lists as its fixed layout, or dynamic when there are
     *  none (gs_topo_gpu_mig(); docs/probe.md). */
    int mig_mode;
    /** MIG mode after the next GPU reset, same values. */
    int mig_pending;
    /** Active NVLinks (NVML): the sum of the four counts below. */
    uint32_t nvlinks_active;
    /** Of those, links to other GPUs of this node. */
    uint32_t nvlinks_to_gpus;
    /** Links to NVSwitches. */
    uint32_t nvlinks_to_switches;
    /** Links to CPUs (IBM POWER9 NPUs). */
    uint32_t nvlinks_to_cpus;
    /** Links to GPUs outside the node (hidden by `CUDA_VISIBLE_DEVICES`)
     *  or to an unknown device. */
    uint32_t nvlinks_other;
    /** Source of the attributes (model, UUID, memory, compute capability,
     *  SMs, PCI bus id): ::GS_SOURCE_DRIVER, ::GS_SOURCE_HWLOC when
     *  partial. */
    gs_source attr_source;
    /** Source of its NUMA domain: ::GS_SOURCE_HWLOC; ::GS_SOURCE_INFERRED
     *  when nothing told it (the domain is then unknown). */
    gs_source numa_source;
    /** Source of its NVLink facts (counts, fabric): ::GS_SOURCE_NVML,
     *  ::GS_SOURCE_HWLOC, or ::GS_SOURCE_INFERRED when no source could
     *  count links (none are assumed). */
    gs_source nvlink_source;
} gs_probe_gpu;

/** Static initializer for ::gs_probe_gpu. */
#define GS_PROBE_GPU_INIT                                                   \
    { sizeof(gs_probe_gpu), -1, GS_NONE, -1, -1, -1, -1, 0, 0, 0, 0, 0,     \
      GS_SOURCE_INFERRED, GS_SOURCE_INFERRED, GS_SOURCE_INFERRED }

/**
 * @brief Initialize a ::gs_probe_gpu.
 * @param[out] gpu The struct to initialize.
 */
GS_API void gs_probe_gpu_init(gs_probe_gpu *gpu);

/**
 * @brief What the probe knows about a pair of GPUs beyond gs_link_info.
 *
 * Initialize with ::GS_PROBE_PAIR_INIT or gs_probe_pair_init().
 */
typedef struct gs_probe_pair {
    /** sizeof(gs_probe_pair) as the caller knows it. */
    uint32_t struct_size;
    /** cuDeviceGetP2PAttribute(ACCESS_SUPPORTED): 1, 0, or -1 unknown. */
    int access_supported;
    /** cuDeviceGetP2PAttribute(NATIVE_ATOMIC_SUPPORTED): 1, 0, -1. */
    int native_atomics;
    /** cuDeviceGetP2PAttribute(PERFORMANCE_RANK): the driver's relative
     *  rank of the link (lower is better), -1 unknown. */
    int performance_rank;
    /** NVML's P2P status over NVLink (nvmlDeviceGetP2PStatus): 1 OK, 0 not,
     *  -1 unknown. */
    int nvlink_p2p;
    /** Source of the pair's NVLink count. */
    gs_source nvlink_source;
    /** Source of the pair's PCIe level (::GS_SOURCE_INFERRED: inferred
     *  when the topology froze). */
    gs_source pcie_source;
} gs_probe_pair;

/** Static initializer for ::gs_probe_pair. */
#define GS_PROBE_PAIR_INIT                                                  \
    { sizeof(gs_probe_pair), -1, -1, -1, -1, GS_SOURCE_INFERRED,            \
      GS_SOURCE_INFERRED }

/**
 * @brief Initialize a ::gs_probe_pair.
 * @param[out] pair The struct to initialize.
 */
GS_API void gs_probe_pair_init(gs_probe_pair *pair);

/**
 * @brief Release a report. Accepts NULL.
 * @param report The report.
 */
GS_API void gs_probe_report_destroy(gs_probe_report *report);

/**
 * @brief The summary of a probe.
 * @param report The report.
 * @param[in,out] summary Its struct_size must be set; the rest is filled.
 * @return ::GS_OK, ::GS_EINVAL.
 */
GS_API gs_status gs_probe_report_summary(const gs_probe_report *report,
                                         gs_probe_summary *summary);

/**
 * @brief What the probe knows about one GPU of the node.
 * @param report The report.
 * @param index The GPU's index on the node.
 * @param[in,out] gpu Its struct_size must be set; the rest is filled.
 * @return ::GS_OK, ::GS_EINVAL (bad index or struct).
 */
GS_API gs_status gs_probe_report_gpu(const gs_probe_report *report,
                                     uint32_t index, gs_probe_gpu *gpu);

/**
 * @brief What the probe knows about a pair of GPUs of the node.
 * @param report The report.
 * @param a Index of one GPU on the node.
 * @param b Index of the other GPU (different from @p a).
 * @param[in,out] pair Its struct_size must be set; the rest is filled.
 * @return ::GS_OK, ::GS_EINVAL (bad indexes or struct).
 */
GS_API gs_status gs_probe_report_pair(const gs_probe_report *report,
                                      uint32_t a, uint32_t b,
                                      gs_probe_pair *pair);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* GPUSCHED_PROBE_H */
