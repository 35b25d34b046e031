/*
 * gpusched - GPU-aware scheduling library.
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file topo.h
 * @brief The topology model: nodes, NUMA domains, CPUs, GPUs, the links
 *        between GPUs, a switch tree and multi-node NVLink domains.
 *
 * A ::gs_topo goes through two phases:
 *
 * 1. **Building.** Create it with gs_topo_create(), then add nodes, NUMA
 *    domains, GPUs, links, switches and NVLink domains (or load a file or a
 *    built-in template with gs_topo_load()).
 * 2. **Frozen.** gs_topo_freeze() validates the description (symmetric
 *    links, NUMA domains that exist, no CPU in two NUMA domains, no node in
 *    two NVLink domains, no switch cycles, unique names and UUIDs...),
 *    precomputes the link tables and makes the topology immutable. Every
 *    builder call then fails with ::GS_EFROZEN; every query needs a frozen
 *    topology. A frozen topology may be shared by any number of threads and
 *    schedulers: queries never modify it, not even its error message.
 *
 * **Identifiers.** Nodes, switches and NVLink domains are numbered from 0 in
 * the order they were added. GPUs have two numbers: their index on their
 * node (as `nvidia-smi` shows it) and a cluster-wide id; the GPUs of node n
 * have the consecutive ids gs_topo_node_first_gpu(t, n) + index. Queries
 * take cluster-wide GPU ids.
 *
 * **Bandwidth** (DESIGN §5) is in GB/s, one direction. For GPUs i and j on
 * one node: the pair's explicit bandwidth if one was set; otherwise
 * NVLink wires count `k × per_link`; two GPUs on the same NVSwitch fabric
 * get `min(k_i, k_j) × per_link` for their k_i, k_j links into the fabric
 * (plus any direct wires); other pairs get their PCIe level's bandwidth
 * (PIX 16, PXB 14, PHB 12, NODE 10, SYS 6; per_link 25). All of these are
 * overridable per topology and per node with gs_topo_set_bandwidths().
 * GPUs on different nodes of one multi-node NVLink domain get the smaller
 * fabric bandwidth of the two; other GPUs on different nodes get 0.
 * The quality of a GPU set is `Q(S) = sum over pairs of bw(i, j)`.
 */
#ifndef GPUSCHED_TOPO_H
#define GPUSCHED_TOPO_H

#include <gpusched/core.h>
#include <gpusched/job.h>
#include <gpusched/mig.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup topo Topology
 *  @brief The topology model: nodes, NUMA domains, CPUs, GPUs, links, switches
 *         and NVLink domains.
 *
 *  What exists: nodes with NUMA domains, CPUs, memory and GPUs, the links
 *  between GPUs (NVLink, NVSwitch fabrics, PCIe levels) with their
 *  bandwidths, the switch tree above the nodes and multi-node NVLink
 *  domains. Most programs load one and query it:
 *
 *  @code
 *  gs_topo *t = NULL;
 *  if (gs_topo_load(&t, "dgx-h100", NULL) != GS_OK)  // or a file path
 *      fprintf(stderr, "%s\n", gs_topo_errmsg(t));  // file:line:column
 *  uint32_t set[] = {0, 1, 2, 3};
 *  double q;
 *  gs_topo_quality(t, set, 4, &q);
 *  gs_topo_destroy(t);
 *  @endcode
 *
 *  gs_topo_load() takes a built-in template name (gs_template_count()),
 *  `hwloc` for this machine, or a file in any supported format, detected
 *  from its content (docs/formats.md); gs_topo_probe() (probe.h) gives
 *  this machine from its driver. A topology can also be built call by
 *  call, then frozen.
 *  @{ */

/** @brief An opaque topology handle. */
typedef struct gs_topo gs_topo;

/** @brief "No such object": returned by index queries that find nothing. */
#define GS_NONE UINT32_MAX

/**
 * @brief PCIe relation between two GPUs, as `nvidia-smi topo -m` shows it.
 *
 * Larger values are farther apart.
 */
typedef enum gs_pcie_level {
    GS_PCIE_UNKNOWN = 0, /**< Not given; inferred when the topology freezes. */
    GS_PCIE_PIX = 1,     /**< At most one PCIe bridge between them. */
    GS_PCIE_PXB = 2,     /**< Several PCIe bridges, no host bridge. */
    GS_PCIE_PHB = 3,     /**< Through a PCIe host bridge (the CPU). */
    GS_PCIE_NODE = 4,    /**< Between host bridges within one NUMA node. */
    GS_PCIE_SYS = 5      /**< Across the inter-socket link (QPI/UPI/xGMI). */
} gs_pcie_level;

/** @brief What connects two GPUs, as gs_topo_link() reports it. */
typedef enum gs_link_kind {
    GS_LINK_NONE = 0,       /**< Different nodes, no NVLink between them. */
    GS_LINK_SELF = 1,       /**< The same GPU (`X` in the matrix). */
    GS_LINK_PCIE = 2,       /**< PCIe only; see gs_link_info::pcie. */
    GS_LINK_NVLINK = 3,     /**< Direct NVLink wires. */
    GS_LINK_NVSWITCH = 4,   /**< An NVSwitch fabric inside the node. */
    GS_LINK_NVL_DOMAIN = 5  /**< Different nodes of one NVLink domain. */
} gs_link_kind;

/** @brief Where a fact about the machine came from. */
typedef enum gs_source {
    GS_SOURCE_FILE = 0,     /**< Given by the caller or an input file. */
    GS_SOURCE_INFERRED = 1, /**< Derived by gpusched from other facts. */
    GS_SOURCE_DRIVER = 2,   /**< Read from the CUDA driver API. */
    GS_SOURCE_NVML = 3,     /**< Read from NVML. */
    GS_SOURCE_HWLOC = 4     /**< Read from hwloc. */
} gs_source;

/**
 * @brief Attributes of one GPU: filled by the caller for gs_topo_add_gpu(),
 *        filled by the library for gs_topo_gpu_info().
 *
 * Initialize with ::GS_GPU_INFO_INIT or gs_gpu_info_init() so that
 * gs_gpu_info::struct_size is set; fields added in later versions go at the end.
 * Strings returned by gs_topo_gpu_info() live as long as the topology.
 */
typedef struct gs_gpu_info {
    /** sizeof(gs_gpu_info) as the caller knows it. */
    uint32_t struct_size;
    /** Index on the node (output only; GPUs are numbered in order). */
    uint32_t index;
    /** Product name, e.g. "Tesla V100-SXM2-32GB"; NULL or "" if unknown. */
    const char *model;
    /** UUID as the driver prints it ("GPU-..."); NULL if unknown. */
    const char *uuid;
    /** PCI bus id "dddd:bb:dd.f"; NULL if unknown. */
    const char *pci_bus_id;
    /** Device memory in bytes; 0 if unknown. */
    uint64_t memory_bytes;
    /** Compute capability, major part; 0 if unknown. */
    uint32_t cc_major;
    /** Compute capability, minor part. */
    uint32_t cc_minor;
    /** Number of streaming multiprocessors; 0 if unknown. */
    uint32_t sm_count;
    /** NUMA domain on the node (index), or ::GS_NONE if unknown. */
    uint32_t numa;
    /** NVSwitch fabric the GPU is attached to (0, 1... on its node), or
     *  ::GS_NONE when it is not on a fabric. */
    uint32_t fabric;
    /** Number of NVLinks from this GPU into its fabric (0 when none). */
    uint32_t fabric_links;
} gs_gpu_info;

/** Static initializer for ::gs_gpu_info. */
#define GS_GPU_INFO_INIT                                                    \
    { sizeof(gs_gpu_info), 0, NULL, NULL, NULL, 0, 0, 0, 0, GS_NONE,        \
      GS_NONE, 0 }

/**
 * @brief Initialize a ::gs_gpu_info (for bindings that cannot use macros).
 * @param[out] info The struct to initialize.
 */
GS_API void gs_gpu_info_init(gs_gpu_info *info);

/**
 * @brief A link between two GPUs: given to gs_topo_set_link(), returned by
 *        gs_topo_link().
 *
 * Initialize with ::GS_LINK_INFO_INIT or gs_link_info_init().
 */
typedef struct gs_link_info {
    /** sizeof(gs_link_info) as the caller knows it. */
    uint32_t struct_size;
    /** Output only: what connects the pair. */
    gs_link_kind kind;
    /** Direct NVLink wires between the pair (input). On output: the count
     *  `nvidia-smi` would show, fabric links included (`NV#`). */
    uint32_t nvlinks;
    /** PCIe relation (::GS_PCIE_UNKNOWN on input: infer it). */
    gs_pcie_level pcie;
    /** Bandwidth in GB/s, one direction. On input, 0 means "derive it from
     *  the link" and a positive value overrides it. */
    double bandwidth;
    /** Where the facts about this pair came from. */
    gs_source source;
    /** Output only: 1 if the bandwidth was set explicitly. */
    int bandwidth_explicit;
} gs_link_info;

/** Static initializer for ::gs_link_info. */
#define GS_LINK_INFO_INIT \
    { sizeof(gs_link_info), GS_LINK_NONE, 0, GS_PCIE_UNKNOWN, 0.0, \
      GS_SOURCE_FILE, 0 }

/**
 * @brief Initialize a ::gs_link_info (for bindings that cannot use macros).
 * @param[out] info The struct to initialize.
 */
GS_API void gs_link_info_init(gs_link_info *info);

/**
 * @brief Bandwidth of each link type in GB/s, one direction (DESIGN §5).
 *
 * Used with gs_topo_set_bandwidths(). A field set to 0 keeps the value in
 * force (the topology's default, or the built-in default).
 */
typedef struct gs_bandwidths {
    /** sizeof(gs_bandwidths) as the caller knows it. */
    uint32_t struct_size;
    /** One NVLink, one direction (default 25). */
    double nvlink_per_link;
    /** PCIe level PIX (default 16). */
    double pix;
    /** PCIe level PXB (default 14). */
    double pxb;
    /** PCIe level PHB (default 12). */
    double phb;
    /** PCIe level NODE (default 10). */
    double node;
    /** PCIe level SYS (default 6). */
    double sys;
} gs_bandwidths;

/** Static initializer for ::gs_bandwidths (all fields "keep"). */
#define GS_BANDWIDTHS_INIT { sizeof(gs_bandwidths), 0, 0, 0, 0, 0, 0 }

/**
 * @brief Initialize a ::gs_bandwidths (all fields "keep").
 * @param[out] bw The struct to initialize.
 */
GS_API void gs_bandwidths_init(gs_bandwidths *bw);

/** @name Lifecycle
 *  @{ */

/**
 * @brief Create an empty topology in the building phase.
 * @param[out] out Receives the handle (NULL on failure).
 * @return ::GS_OK, ::GS_EINVAL or ::GS_ENOMEM.
 */
GS_API gs_status gs_topo_create(gs_topo **out);

/**
 * @brief Release a topology. Accepts NULL.
 *
 * Objects created on the topology (schedulers) must be destroyed first.
 * @param topo The topology.
 */
GS_API void gs_topo_destroy(gs_topo *topo);

/**
 * @brief The message describing the last error of a building call,
 *        gs_topo_freeze() or a load function.
 *
 * Queries on a frozen topology do not change it (they may run in several
 * threads at once), they only return a status.
 * @param topo The topology (NULL gives a fixed message).
 * @return A string owned by the topology; "" when there was no error.
 */
GS_API const char *gs_topo_errmsg(const gs_topo *topo);

/**
 * @brief Validate the topology, precompute its tables and make it
 *        immutable.
 *
 * On failure the topology stays in the building phase, unchanged, and the
 * message names the offending object.
 * @param topo The topology.
 * @return ::GS_OK; ::GS_EINVALID with a message when the description is
 *         inconsistent; ::GS_EFROZEN if already frozen; ::GS_ENOMEM.
 */
GS_API gs_status gs_topo_freeze(gs_topo *topo);

/**
 * @brief Whether the topology is frozen.
 * @param topo The topology.
 * @return 1 if frozen, 0 if building (or NULL).
 */
GS_API int gs_topo_is_frozen(const gs_topo *topo);

/** @} */

/** @name Building
 *  All of these fail with ::GS_EFROZEN after gs_topo_freeze() and leave the
 *  topology unchanged when they fail.
 *  @{ */

/**
 * @brief Add a node (a host) with no NUMA domains and no GPUs yet.
 * @param topo The topology.
 * @param hostname Unique name: printable ASCII without spaces, commas,
 *        brackets, quotes or backslashes.
 * @param[out] node Receives the node's index (may be NULL).
 * @return ::GS_OK, ::GS_EINVAL (bad name), ::GS_EEXIST, ::GS_EFROZEN,
 *         ::GS_ENOMEM.
 */
GS_API gs_status gs_topo_add_node(gs_topo *topo, const char *hostname,
                                  uint32_t *node);

/**
 * @brief Add a node built from a built-in node template (see
 *        gs_template_count()).
 *
 * Nodes made from one template share its tables, so a cluster of many
 * identical nodes costs little memory.
 * @param topo The topology.
 * @param template_name A node template, e.g. "dgx-h100".
 * @param hostname Unique name for the node.
 * @param[out] node Receives the node's index (may be NULL).
 * @return ::GS_OK, ::GS_ENOTFOUND (no such template, or it describes a
 *         whole cluster), ::GS_EINVAL, ::GS_EEXIST, ::GS_EFROZEN,
 *         ::GS_ENOMEM.
 */
GS_API gs_status gs_topo_add_template_node(gs_topo *topo,
                                           const char *template_name,
                                           const char *hostname,
                                           uint32_t *node);

/**
 * @brief Add a NUMA domain to a node.
 * @param topo The topology.
 * @param node The node's index.
 * @param cpulist The domain's logical CPUs as a Linux cpulist
 *        ("0-11,24-35"); "" or NULL for none.
 * @param memory_bytes The domain's memory (0 if unknown).
 * @param[out] numa Receives the domain's index on the node (may be NULL).
 * @return ::GS_OK, ::GS_EINVAL (bad node or cpulist), ::GS_EFROZEN,
 *         ::GS_ENOMEM.
 */
GS_API gs_status gs_topo_add_numa(gs_topo *topo, uint32_t node,
                                  const char *cpulist, uint64_t memory_bytes,
                                  uint32_t *numa);

/** Largest operating-system id a NUMA domain may have
 *  (gs_topo_set_numa_os_id()). */
#define GS_NUMA_OS_ID_MAX 1048575u

/**
 * @brief Give a NUMA domain the id the operating system uses for it.
 *
 * A domain's index numbers a node's domains from 0 in the order they were
 * added, and is what the rest of the API (gs_gpu_info::numa...) takes. Its
 * OS id is the number the machine gives it: what `numactl --membind`,
 * cgroups' `cpuset.mems`, hwloc's `os_index` and the NUMA Affinity column
 * of `nvidia-smi topo -m` show. The two differ when the machine's ids have
 * gaps or another order (domains 3 and 1, a GB200 tray's 0 and 3-9...).
 * Without this call a domain's OS id is its index. OS ids must be unique
 * on a node: gs_topo_freeze() refuses twins (::GS_EINVALID). Nodes whose
 * domains have different OS ids are different hardware to the library:
 * they never share a node type.
 * @param topo The topology.
 * @param node The node's index.
 * @param numa The domain's index on the node.
 * @param os_id Its OS id, 0 to ::GS_NUMA_OS_ID_MAX.
 * @return ::GS_OK, ::GS_EINVAL (no such node or domain), ::GS_ERANGE
 *         (os_id too large), ::GS_EFROZEN, ::GS_ENOMEM.
 */
GS_API gs_status gs_topo_set_numa_os_id(gs_topo *topo, uint32_t node,
                                        uint32_t numa, uint32_t os_id);

/**
 * @brief Add a GPU to a node. It gets the next index on the node.
 *
 * Its links to the node's other GPUs start unset (see gs_topo_set_link());
 * gs_topo_freeze() infers the PCIe level of pairs left unset.
 * @param topo The topology.
 * @param node The node's index.
 * @param info The GPU's attributes (::gs_gpu_info::index is ignored).
 * @param[out] index Receives the GPU's index on the node (may be NULL).
 * @return ::GS_OK, ::GS_EINVAL, ::GS_ERANGE (more than 1024 GPUs on a
 *         node), ::GS_EFROZEN, ::GS_ENOMEM.
 */
GS_API gs_status gs_topo_add_gpu(gs_topo *topo, uint32_t node,
                                 const gs_gpu_info *info, uint32_t *index);

/**
 * @brief Describe the link between two GPUs of one node (both directions).
 * @param topo The topology.
 * @param node The node's index.
 * @param gpu_a Index of one GPU on the node.
 * @param gpu_b Index of the other GPU (different from @p gpu_a).
 * @param link nvlinks, pcie, bandwidth (0 = derive) and source are used.
 * @return ::GS_OK, ::GS_EINVAL, ::GS_ERANGE (more than 255 NVLinks or a
 *         bandwidth above 4,000,000 GB/s), ::GS_EFROZEN, ::GS_ENOMEM.
 */
GS_API gs_status gs_topo_set_link(gs_topo *topo, uint32_t node,
                                  uint32_t gpu_a, uint32_t gpu_b,
                                  const gs_link_info *link);

/**
 * @brief Override link bandwidths for one node or for the whole topology.
 * @param topo The topology.
 * @param node A node's index, or ::GS_NONE for the topology's defaults
 *        (used by every node that does not override them).
 * @param bw The values; fields at 0 are left as they are.
 * @return ::GS_OK, ::GS_EINVAL (negative value, bad node), ::GS_ERANGE,
 *         ::GS_EFROZEN, ::GS_ENOMEM.
 */
GS_API gs_status gs_topo_set_bandwidths(gs_topo *topo, uint32_t node,
                                        const gs_bandwidths *bw);

/**
 * @brief Add a network switch (a vertex of the tree above the nodes, like a
 *        `SwitchName=` line of Slurm's topology.conf).
 * @param topo The topology.
 * @param name Unique switch name.
 * @param link_speed Free-form speed figure, as in Slurm's LinkSpeed
 *        (0 if unknown).
 * @param[out] sw Receives the switch's index (may be NULL).
 * @return ::GS_OK, ::GS_EINVAL, ::GS_EEXIST, ::GS_EFROZEN, ::GS_ENOMEM.
 */
GS_API gs_status gs_topo_add_switch(gs_topo *topo, const char *name,
                                    uint64_t link_speed, uint32_t *sw);

/**
 * @brief Place switch @p child under switch @p parent.
 * @param topo The topology.
 * @param child The child switch's index.
 * @param parent The parent switch's index.
 * @return ::GS_OK, ::GS_EINVAL (bad index, self-parent), ::GS_EEXIST
 *         (the child already has another parent), ::GS_EFROZEN. Cycles are
 *         reported by gs_topo_freeze().
 */
GS_API gs_status gs_topo_set_switch_parent(gs_topo *topo, uint32_t child,
                                           uint32_t parent);

/**
 * @brief Connect a node to a (leaf) switch.
 * @param topo The topology.
 * @param node The node's index.
 * @param sw The switch's index.
 * @return ::GS_OK, ::GS_EINVAL, ::GS_EEXIST (the node is already on another
 *         switch), ::GS_EFROZEN.
 */
GS_API gs_status gs_topo_attach_node(gs_topo *topo, uint32_t node,
                                     uint32_t sw);

/**
 * @brief Add a multi-node NVLink domain (an NVL72-style rack).
 * @param topo The topology.
 * @param name Unique domain name.
 * @param[out] domain Receives the domain's index (may be NULL).
 * @return ::GS_OK, ::GS_EINVAL, ::GS_EEXIST, ::GS_EFROZEN, ::GS_ENOMEM.
 */
GS_API gs_status gs_topo_add_nvlink_domain(gs_topo *topo, const char *name,
                                           uint32_t *domain);

/**
 * @brief Put every GPU of a node into an NVLink domain.
 * @param topo The topology.
 * @param domain The domain's index.
 * @param node The node's index.
 * @return ::GS_OK, ::GS_EINVAL, ::GS_EEXIST (the node's GPUs are already in
 *         another domain), ::GS_EFROZEN.
 */
GS_API gs_status gs_topo_set_node_domain(gs_topo *topo, uint32_t domain,
                                         uint32_t node);

/** @} */

/** @name Loading and saving
 *  @{ */

/** @brief Input formats understood by gs_topo_load(). */
typedef enum gs_format {
    GS_FORMAT_AUTO = 0,           /**< Detect from the content (or a template
                                       name). */
    GS_FORMAT_JSON = 1,           /**< gpusched's JSON format
                                       (docs/formats.md). */
    GS_FORMAT_SMI = 2,            /**< `nvidia-smi topo -m` text. */
    GS_FORMAT_HWLOC_XML = 3,      /**< An hwloc XML export (`lstopo foo.xml`). */
    GS_FORMAT_SLURM_TOPOLOGY = 4, /**< Slurm's topology.conf (tree or block). */
    GS_FORMAT_SLURM_GRES = 5      /**< Slurm's gres.conf (GPU lines). */
} gs_format;

/**
 * @brief The name of a format ("json", "smi", "hwloc", "slurm-topology",
 *        "slurm-gres"; "auto").
 * @param format A format.
 * @return A static string, or NULL for an unknown value.
 */
GS_API const char *gs_format_name(gs_format format);

/**
 * @brief The format with a given name (as gs_format_name() prints it).
 * @param name The name.
 * @param[out] format Receives the format.
 * @return ::GS_OK, or ::GS_ENOTFOUND for an unknown name, ::GS_EINVAL.
 */
GS_API gs_status gs_format_from_name(const char *name, gs_format *format);

/** Flag for ::gs_load_options::flags: leave the topology unfrozen so the
 *  caller can add to it before calling gs_topo_freeze(). */
#define GS_LOAD_NOFREEZE 0x1u

/**
 * @brief Receives a warning from a load function (an unknown key in a Slurm
 *        file, a line that is noted and skipped...). The message names
 *        %file:line:column.
 * @param user ::gs_load_options::warn_user.
 * @param message The warning, valid during the call only.
 */
typedef void (*gs_warning_fn)(void *user, const char *message);

/**
 * @brief Options for the load functions. Initialize with
 *        ::GS_LOAD_OPTIONS_INIT or gs_load_options_init().
 */
typedef struct gs_load_options {
    /** sizeof(gs_load_options) as the caller knows it. */
    uint32_t struct_size;
    /** Input format, or ::GS_FORMAT_AUTO. */
    gs_format format;
    /** Bitwise OR of GS_LOAD_* flags. */
    unsigned flags;
    /** Hardware of the nodes a Slurm topology.conf names: a template name
     *  for all of them ("dgx-h100"), or `HOSTLIST=TEMPLATE` entries
     *  separated by ';' ("gpu[001-064]=dgx-h100;cpu[1-8]=pcie-8gpu"). NULL:
     *  nodes without GPUs. */
    const char *node_templates;
    /** Hostname of the single node that formats describing one machine
     *  (nvidia-smi text, hwloc) produce; NULL gives "localhost". */
    const char *hostname;
    /** Called for each warning; NULL ignores them. */
    gs_warning_fn warn;
    /** Passed to the warning function as its first argument. */
    void *warn_user;
    /** Largest file the load functions read, bytes; a larger one (or an
     *  endless stream such as a FIFO) fails with ::GS_ERANGE. 0 means
     *  ::GS_MAX_INPUT_DEFAULT. (Added in 0.1: check struct_size.) */
    uint64_t max_input_bytes;
} gs_load_options;

/** Static initializer for ::gs_load_options. */
#define GS_LOAD_OPTIONS_INIT \
    { sizeof(gs_load_options), GS_FORMAT_AUTO, 0, NULL, NULL, NULL, NULL, 0 }

/**
 * @brief Initialize a ::gs_load_options.
 * @param[out] opts The struct to initialize.
 */
GS_API void gs_load_options_init(gs_load_options *opts);

/**
 * @brief Create a topology from a source: a built-in template name (see
 *        gs_template_count()) or a file path.
 *
 * The result is frozen unless ::GS_LOAD_NOFREEZE is given. Like
 * `sqlite3_open`, the handle is returned even on failure (when memory
 * allowed creating it) so that gs_topo_errmsg() can say why, e.g.
 * `cluster.json:12:7: "gpus" must be an array or an object`; the caller
 * destroys it either way.
 * @param[out] out Receives the handle.
 * @param source A template name or a path.
 * @param opts Options, or NULL for the defaults.
 * @return ::GS_OK; ::GS_EIO (unreadable file); ::GS_EPARSE (malformed, the
 *         message has %file:line:column); ::GS_EINVALID (inconsistent);
 *         ::GS_ENOTFOUND (unknown template); ::GS_ENOMEM; ::GS_EINVAL.
 */
GS_API gs_status gs_topo_load(gs_topo **out, const char *source,
                              const gs_load_options *opts);

/**
 * @brief Create a topology from text in memory. See gs_topo_load().
 * @param[out] out Receives the handle.
 * @param data The text (need not be NUL-terminated).
 * @param size Its length in bytes.
 * @param name Name used in error messages (e.g. the file it came from);
 *        NULL gives "<buffer>".
 * @param opts Options, or NULL for the defaults.
 * @return As gs_topo_load().
 */
GS_API gs_status gs_topo_load_buffer(gs_topo **out, const char *data,
                                     size_t size, const char *name,
                                     const gs_load_options *opts);

/**
 * @brief Create a one-node topology from hwloc: the live machine, or an
 *        hwloc XML export.
 *
 * NUMA domains, CPUs and memory come from hwloc; GPUs are found as OS
 * devices or NVIDIA PCI devices; PCIe levels come from their PCI ancestry
 * and NVLinks from the `NVLinkBandwidth` distances matrix when present (see
 * docs/formats.md).
 * @param[out] out Receives the handle (also on failure, see gs_topo_load()).
 * @param xml_path An hwloc XML file, or NULL for the machine it runs on.
 * @param opts Options (hostname, flags), or NULL.
 * @return ::GS_OK; ::GS_EUNSUPPORTED when built without hwloc; ::GS_EIO;
 *         ::GS_EPARSE; ::GS_ENOMEM; ::GS_EINVAL.
 */
GS_API gs_status gs_topo_load_hwloc(gs_topo **out, const char *xml_path,
                                    const gs_load_options *opts);

/**
 * @brief Render a frozen topology as JSON (docs/formats.md). Loading the
 *        text gives back an equal topology.
 *
 * Identical nodes are written once, as a template, and runs of nodes as
 * hostlist expressions, so a large uniform cluster stays small.
 * @param topo A frozen topology.
 * @param[out] text Receives a NUL-terminated string; free it with gs_free().
 * @param[out] size Receives its length (may be NULL).
 * @return ::GS_OK, ::GS_ENOTFROZEN, ::GS_EINVAL, ::GS_ENOMEM.
 */
GS_API gs_status gs_topo_to_json(const gs_topo *topo, char **text,
                                 size_t *size);

/**
 * @brief Write a frozen topology as JSON to a file.
 * @param topo A frozen topology.
 * @param path The file to create or replace.
 * @return ::GS_OK, ::GS_EIO (errno tells why), ::GS_ENOTFROZEN,
 *         ::GS_EINVAL, ::GS_ENOMEM.
 */
GS_API gs_status gs_topo_save_json(const gs_topo *topo, const char *path);

/** @} */

/** @name Built-in templates
 *  @{ */

/**
 * @brief Number of built-in templates.
 * @return The count.
 */
GS_API size_t gs_template_count(void);

/**
 * @brief A built-in template's name.
 * @param i Index below gs_template_count().
 * @return A static string, or NULL when @p i is out of range.
 */
GS_API const char *gs_template_name(size_t i);

/**
 * @brief A one-line description of a built-in template.
 * @param i Index below gs_template_count().
 * @return A static string, or NULL when @p i is out of range.
 */
GS_API const char *gs_template_description(size_t i);

/**
 * @brief Whether a built-in template describes a whole cluster (rather than
 *        one node usable with gs_topo_add_template_node()).
 * @param i Index below gs_template_count().
 * @return 1 for a cluster template, 0 for a node template, -1 when out of
 *         range.
 */
GS_API int gs_template_is_cluster(size_t i);

/**
 * @brief The JSON text of a built-in template (docs/formats.md).
 * @param i Index below gs_template_count().
 * @return A static string, or NULL when @p i is out of range.
 */
GS_API const char *gs_template_json(size_t i);

/** @} */

/** @name Queries (frozen topology)
 *  Counts and names return 0 / NULL for a NULL or unfrozen topology or an
 *  index out of range; functions returning ::gs_status return
 *  ::GS_ENOTFROZEN or ::GS_EINVAL in those cases.
 *  @{ */

/**
 * @brief Number of nodes.
 * @param topo The topology.
 * @return The count.
 */
GS_API uint32_t gs_topo_node_count(const gs_topo *topo);

/**
 * @brief Number of GPUs in the whole cluster.
 * @param topo The topology.
 * @return The count.
 */
GS_API uint32_t gs_topo_gpu_count(const gs_topo *topo);

/**
 * @brief Number of switches.
 * @param topo The topology.
 * @return The count.
 */
GS_API uint32_t gs_topo_switch_count(const gs_topo *topo);

/**
 * @brief Number of multi-node NVLink domains.
 * @param topo The topology.
 * @return The count.
 */
GS_API uint32_t gs_topo_nvlink_domain_count(const gs_topo *topo);

/**
 * @brief Find a node by hostname.
 * @param topo The topology.
 * @param hostname The name.
 * @return The node's index, or ::GS_NONE.
 */
GS_API uint32_t gs_topo_find_node(const gs_topo *topo, const char *hostname);

/**
 * @brief A node's hostname.
 * @param topo The topology.
 * @param node The node's index.
 * @return The name, or NULL.
 */
GS_API const char *gs_topo_node_name(const gs_topo *topo, uint32_t node);

/**
 * @brief Number of GPUs on a node.
 * @param topo The topology.
 * @param node The node's index.
 * @return The count.
 */
GS_API uint32_t gs_topo_node_gpu_count(const gs_topo *topo, uint32_t node);

/**
 * @brief Cluster-wide id of a node's GPU 0 (its GPUs follow in order).
 * @param topo The topology.
 * @param node The node's index.
 * @return The id, or ::GS_NONE.
 */
GS_API uint32_t gs_topo_node_first_gpu(const gs_topo *topo, uint32_t node);

/**
 * @brief Number of NUMA domains on a node.
 * @param topo The topology.
 * @param node The node's index.
 * @return The count.
 */
GS_API uint32_t gs_topo_node_numa_count(const gs_topo *topo, uint32_t node);

/**
 * @brief Number of logical CPUs on a node (all NUMA domains).
 * @param topo The topology.
 * @param node The node's index.
 * @return The count.
 */
GS_API uint32_t gs_topo_node_cpu_count(const gs_topo *topo, uint32_t node);

/**
 * @brief Memory of a NUMA domain in bytes.
 * @param topo The topology.
 * @param node The node's index.
 * @param numa The domain's index on the node.
 * @return The bytes (0 if unknown or out of range).
 */
GS_API uint64_t gs_topo_numa_memory(const gs_topo *topo, uint32_t node,
                                    uint32_t numa);

/**
 * @brief The operating system's id of a NUMA domain (see
 *        gs_topo_set_numa_os_id()): the number `numactl` and cgroups take
 *        for it, which need not be its index.
 * @param topo The topology (frozen).
 * @param node The node's index.
 * @param numa The domain's index on the node.
 * @return The OS id, or ::GS_NONE when the node or domain does not exist or
 *         the topology is not frozen.
 */
GS_API uint32_t gs_topo_numa_os_id(const gs_topo *topo, uint32_t node,
                                   uint32_t numa);

/**
 * @brief The logical CPUs of a NUMA domain as a cpulist ("0-11,24-35").
 * @param topo The topology.
 * @param node The node's index.
 * @param numa The domain's index on the node.
 * @param[out] buf Receives the NUL-terminated text (may be NULL if
 *        @p cap is 0).
 * @param cap Size of @p buf.
 * @param[out] len Receives the text's length without the NUL, also when
 *        the buffer is too small (may be NULL).
 * @return ::GS_OK, ::GS_ENOSPC, ::GS_EINVAL, ::GS_ENOTFROZEN.
 */
GS_API gs_status gs_topo_numa_cpus(const gs_topo *topo, uint32_t node,
                                   uint32_t numa, char *buf, size_t cap,
                                   size_t *len);

/**
 * @brief The node a GPU belongs to.
 * @param topo The topology.
 * @param gpu Cluster-wide GPU id.
 * @return The node's index, or ::GS_NONE.
 */
GS_API uint32_t gs_topo_gpu_node(const gs_topo *topo, uint32_t gpu);

/**
 * @brief The attributes of a GPU.
 * @param topo The topology.
 * @param gpu Cluster-wide GPU id.
 * @param[in,out] info Its struct_size must be set; the rest is filled.
 * @return ::GS_OK, ::GS_EINVAL, ::GS_ENOTFROZEN.
 */
GS_API gs_status gs_topo_gpu_info(const gs_topo *topo, uint32_t gpu,
                                  gs_gpu_info *info);

/**
 * @brief Find a GPU by UUID.
 * @param topo The topology.
 * @param uuid The UUID as the driver prints it.
 * @return The cluster-wide id, or ::GS_NONE.
 */
GS_API uint32_t gs_topo_find_gpu_uuid(const gs_topo *topo, const char *uuid);

/**
 * @brief The logical CPUs local to a GPU (those of its NUMA domain) as a
 *        cpulist. Empty when the GPU's NUMA domain is unknown.
 * @param topo The topology.
 * @param gpu Cluster-wide GPU id.
 * @param[out] buf Receives the NUL-terminated text.
 * @param cap Size of @p buf.
 * @param[out] len Receives the text's length (may be NULL).
 * @return ::GS_OK, ::GS_ENOSPC, ::GS_EINVAL, ::GS_ENOTFROZEN.
 */
GS_API gs_status gs_topo_gpu_local_cpus(const gs_topo *topo, uint32_t gpu,
                                        char *buf, size_t cap, size_t *len);

/**
 * @brief The logical CPUs local to a GPU, as an array of CPU numbers in
 *        increasing order.
 * @param topo The topology.
 * @param gpu Cluster-wide GPU id.
 * @param[out] cpus Receives up to @p cap CPU numbers (may be NULL if
 *        @p cap is 0).
 * @param cap Capacity of @p cpus.
 * @param[out] count Receives the number of local CPUs (may be NULL).
 * @return ::GS_OK, ::GS_ENOSPC (count is still set), ::GS_EINVAL,
 *         ::GS_ENOTFROZEN.
 */
GS_API gs_status gs_topo_gpu_local_cpu_ids(const gs_topo *topo, uint32_t gpu,
                                           uint32_t *cpus, size_t cap,
                                           size_t *count);

/**
 * @brief What connects two GPUs and with which bandwidth.
 * @param topo The topology.
 * @param gpu_a Cluster-wide id of one GPU.
 * @param gpu_b Cluster-wide id of the other GPU.
 * @param[in,out] info Its struct_size must be set; the rest is filled.
 * @return ::GS_OK, ::GS_EINVAL, ::GS_ENOTFROZEN.
 */
GS_API gs_status gs_topo_link(const gs_topo *topo, uint32_t gpu_a,
                              uint32_t gpu_b, gs_link_info *info);

/**
 * @brief Bandwidth between two GPUs in GB/s (DESIGN §5).
 * @param topo The topology.
 * @param gpu_a Cluster-wide id of one GPU.
 * @param gpu_b Cluster-wide id of the other GPU.
 * @return The bandwidth; 0 for the same GPU, unconnected GPUs or invalid
 *         arguments.
 */
GS_API double gs_topo_bandwidth(const gs_topo *topo, uint32_t gpu_a,
                                uint32_t gpu_b);

/**
 * @brief The quality Q(S) of a set of GPUs: the sum of the bandwidths of
 *        all its pairs (DESIGN §5), in GB/s.
 * @param topo The topology.
 * @param gpus Cluster-wide GPU ids, all distinct.
 * @param count Number of ids.
 * @param[out] quality Receives Q(S).
 * @return ::GS_OK, ::GS_EINVAL (bad or repeated id), ::GS_ENOTFROZEN.
 */
GS_API gs_status gs_topo_quality(const gs_topo *topo, const uint32_t *gpus,
                                 size_t count, double *quality);

/**
 * @brief The bandwidth models of a GPU set, one per communication pattern
 *        (docs/placement.md gives the formulas), in GB/s.
 */
typedef struct gs_pattern_info {
    /** sizeof(gs_pattern_info) as the caller knows it. */
    uint32_t struct_size;
    /** The model of the pattern asked for (the field below that matches
     *  it; 0 for ::GS_PATTERN_NONE). */
    double bandwidth;
    /** Q(S): the sum of the pair bandwidths (::GS_PATTERN_ANY). */
    double q;
    /** Ring all-reduce: the summed rate of the rings packed greedily
     *  into the links, each ring the best remaining one (::GS_PATTERN_RING). */
    double ring;
    /** The best single ring's bottleneck. */
    double ring_single;
    /** Rings in the packing. */
    uint32_t rings;
    /** All-to-all: (k - 1) times the weakest effective pair
     *  (::GS_PATTERN_ALL_TO_ALL). */
    double all_to_all;
    /** The weakest effective pair bandwidth. */
    double weakest_pair;
    /** The least bandwidth across a split of the set into halves; 0 when
     *  the set is too large to split exactly (over 20 GPUs). */
    double bisection;
    /** Chain: the bottleneck of the best Hamiltonian path
     *  (::GS_PATTERN_CHAIN). */
    double chain;
    /** Non-zero when every model is exact; 0 when the set spans more than
     *  16 GPUs of a node or NVLink domain and the rings and paths are the
     *  ones through the GPUs in id order (a lower bound). */
    int exact;
} gs_pattern_info;

/** Initializer for a ::gs_pattern_info. */
#define GS_PATTERN_INFO_INIT { sizeof(gs_pattern_info), 0, 0, 0, 0, 0, 0, 0, \
                               0, 0, 0 }

/**
 * @brief The bandwidth a set of GPUs offers a job of a communication
 *        pattern, in GB/s (the model placement maximizes).
 *
 * Pairs on one node use the node's links: NVLink wires are the pair's own,
 * NVSwitch and PCIe paths share the GPU's port (its best bandwidth on that
 * medium) in each direction. Pairs on different nodes of one NVLink domain
 * use the fabric; other pairs cross the network at 25 GB/s per node,
 * halved for each switch level above the nodes' leaf switches that the
 * path climbs.
 * @param topo The topology.
 * @param gpus Cluster-wide GPU ids, all distinct.
 * @param count Number of ids (0 and 1 give 0). Above 128 only Q(S) is
 *        computed (the other models are 0 and `exact` is 0).
 * @param pattern The pattern whose model goes to info->bandwidth.
 * @param[out] info Receives every model (struct_size set by the caller).
 * @return ::GS_OK, ::GS_EINVAL (bad or repeated id, bad pattern, NULL),
 *         ::GS_ENOTFROZEN, ::GS_ENOMEM.
 */
GS_API gs_status gs_topo_pattern_bandwidth(const gs_topo *topo,
                                           const uint32_t *gpus, size_t count,
                                           gs_comm_pattern pattern,
                                           gs_pattern_info *info);

/**
 * @brief The best set of k GPUs of one node when all its GPUs are free, by
 *        a pattern's model (the set nvlink-pack gives a job of that
 *        pattern on the empty node): highest model, then highest Q(S),
 *        then fewest NUMA domains, then lowest indices. Exact.
 * @param topo The topology.
 * @param node The node's index.
 * @param k GPUs (1 to the node's GPU count, at most 64).
 * @param pattern The pattern.
 * @param[out] gpus Receives k cluster-wide GPU ids, increasing (may be
 *        NULL).
 * @param[out] info Receives the set's models (may be NULL).
 * @return ::GS_OK, ::GS_EINVAL (bad node, k or pattern), ::GS_ENOTFROZEN,
 *         ::GS_ENOMEM.
 */
GS_API gs_status gs_topo_pattern_best(const gs_topo *topo, uint32_t node,
                                      uint32_t k, gs_comm_pattern pattern,
                                      uint32_t *gpus, gs_pattern_info *info);

/**
 * @brief The index of a node's hardware type: nodes with the same index
 *        have identical GPUs, links and NUMA domains (handy to cache
 *        per-node results).
 * @param topo The topology.
 * @param node The node's index.
 * @return The index (below the number of distinct types), or ::GS_NONE.
 */
GS_API uint32_t gs_topo_node_type_index(const gs_topo *topo, uint32_t node);

/** Flag for gs_topo_node_matrix(): add a line with the legend. */
#define GS_MATRIX_LEGEND 0x1u
/** Flag for gs_topo_node_matrix(): mark each cell's source (`*` inferred,
 *  `d` driver, `n` NVML, `h` hwloc). */
#define GS_MATRIX_SOURCES 0x2u

/**
 * @brief Render a node's GPU matrix in the layout of `nvidia-smi topo -m`:
 *        tab-separated, GPU rows, `X`/`NV#`/`PIX`/`PXB`/`PHB`/`NODE`/`SYS`
 *        cells, then CPU Affinity and NUMA Affinity columns.
 * @param topo The topology.
 * @param node The node's index.
 * @param flags Bitwise OR of GS_MATRIX_* flags.
 * @param[out] buf Receives the NUL-terminated text (may be NULL if
 *        @p cap is 0).
 * @param cap Size of @p buf.
 * @param[out] len Receives the text's length (may be NULL); set even when
 *        the buffer is too small, so a first call with @p cap 0 sizes it.
 * @return ::GS_OK, ::GS_ENOSPC, ::GS_EINVAL, ::GS_ENOTFROZEN.
 */
GS_API gs_status gs_topo_node_matrix(const gs_topo *topo, uint32_t node,
                                     unsigned flags, char *buf, size_t cap,
                                     size_t *len);

/**
 * @brief The PCIe level's short name ("PIX", "PXB", "PHB", "NODE", "SYS").
 * @param level A level.
 * @return A static string; "?" for ::GS_PCIE_UNKNOWN or invalid values.
 */
GS_API const char *gs_pcie_level_name(gs_pcie_level level);

/**
 * @brief A node's switch (the leaf it is attached to).
 * @param topo The topology.
 * @param node The node's index.
 * @return The switch's index, or ::GS_NONE.
 */
GS_API uint32_t gs_topo_node_switch(const gs_topo *topo, uint32_t node);

/**
 * @brief A node's multi-node NVLink domain.
 * @param topo The topology.
 * @param node The node's index.
 * @return The domain's index, or ::GS_NONE.
 */
GS_API uint32_t gs_topo_node_domain(const gs_topo *topo, uint32_t node);

/**
 * @brief Find a switch by name.
 * @param topo The topology.
 * @param name The name.
 * @return The switch's index, or ::GS_NONE.
 */
GS_API uint32_t gs_topo_find_switch(const gs_topo *topo, const char *name);

/**
 * @brief A switch's name.
 * @param topo The topology.
 * @param sw The switch's index.
 * @return The name, or NULL.
 */
GS_API const char *gs_topo_switch_name(const gs_topo *topo, uint32_t sw);

/**
 * @brief A switch's parent.
 * @param topo The topology.
 * @param sw The switch's index.
 * @return The parent's index, or ::GS_NONE for a root.
 */
GS_API uint32_t gs_topo_switch_parent(const gs_topo *topo, uint32_t sw);

/**
 * @brief A switch's depth: 0 for a root, 1 for its children...
 * @param topo The topology.
 * @param sw The switch's index.
 * @return The depth, or ::GS_NONE.
 */
GS_API uint32_t gs_topo_switch_depth(const gs_topo *topo, uint32_t sw);

/**
 * @brief A switch's link speed figure (as given; 0 if unknown).
 * @param topo The topology.
 * @param sw The switch's index.
 * @return The figure.
 */
GS_API uint64_t gs_topo_switch_link_speed(const gs_topo *topo, uint32_t sw);

/**
 * @brief The lowest switch that both nodes are below.
 * @param topo The topology.
 * @param node_a One node's index.
 * @param node_b The other node's index (may equal @p node_a: its leaf).
 * @return The switch's index, or ::GS_NONE when they share none (or a node
 *         is on no switch, or an argument is invalid).
 */
GS_API uint32_t gs_topo_common_switch(const gs_topo *topo, uint32_t node_a,
                                      uint32_t node_b);

/**
 * @brief Find an NVLink domain by name.
 * @param topo The topology.
 * @param name The name.
 * @return The domain's index, or ::GS_NONE.
 */
GS_API uint32_t gs_topo_find_nvlink_domain(const gs_topo *topo,
                                           const char *name);

/**
 * @brief An NVLink domain's name.
 * @param topo The topology.
 * @param domain The domain's index.
 * @return The name, or NULL.
 */
GS_API const char *gs_topo_nvlink_domain_name(const gs_topo *topo,
                                              uint32_t domain);

/**
 * @brief Number of nodes in an NVLink domain.
 * @param topo The topology.
 * @param domain The domain's index.
 * @return The count.
 */
GS_API uint32_t gs_topo_nvlink_domain_size(const gs_topo *topo,
                                           uint32_t domain);

/** @} */

/** @name Node features and weights
 *  Like the `Feature=` and `Weight=` of a `NodeName=` line in Slurm's
 *  slurm.conf, and `sbatch --constraint`.
 *
 *  A node carries a set of **features**, free tags such as `h100`, `ib` or
 *  `rack3`, and a **weight** (default 1; lower weights are preferred, as in
 *  Slurm). Feature names are 1 to 64 characters of `[A-Za-z0-9_.:+-]`,
 *  compared case-sensitively; a topology has at most ::GS_MAX_TOPO_FEATURES
 *  distinct ones, numbered from 0 in the order they were first given.
 *
 *  A **constraint** is a boolean expression over feature names: `&` or `,`
 *  for AND, `|` for OR, parentheses for grouping, spaces ignored
 *  (`h100&(ib|roce)`). `&` binds tighter than `|`. At most 4096 bytes,
 *  nesting at most 64 parentheses deep, and at most 256 alternatives once
 *  expanded into an OR of ANDs (the expansion of every parenthesized part
 *  counts too; expanding may make at most 2^20 terms in all). Slurm's node
 *  counts (`a*2`), matching OR (`[a|b]`) and negation are not supported.
 *
 *  The setters work while building (::GS_EFROZEN after gs_topo_freeze(),
 *  and on failure nothing changes); the queries need a frozen topology,
 *  as the other queries do.
 *  @{ */

/** Most distinct feature names one topology may have. */
#define GS_MAX_TOPO_FEATURES 64u

/** Largest node weight (Slurm's largest `Weight=`, 2^32 - 2). */
#define GS_NODE_WEIGHT_MAX 4294967294u

/**
 * @brief Set a node's features, replacing those it had.
 * @param topo The topology (building).
 * @param node The node's index.
 * @param features Names separated by commas (`"h100,ib,rack3"`); a name
 *        given twice counts once. "" or NULL clears the node's features.
 * @return ::GS_OK; ::GS_EINVAL (no such node, or a bad or empty name: the
 *         message names it and the node); ::GS_ERANGE (the name would be
 *         the topology's 65th distinct feature); ::GS_EFROZEN; ::GS_ENOMEM.
 */
GS_API gs_status gs_topo_set_node_features(gs_topo *topo, uint32_t node,
                                           const char *features);

/**
 * @brief Set a node's weight (1 unless set; lower weights are preferred).
 * @param topo The topology (building).
 * @param node The node's index.
 * @param weight 0 to ::GS_NODE_WEIGHT_MAX.
 * @return ::GS_OK, ::GS_EINVAL (no such node), ::GS_ERANGE (above
 *         ::GS_NODE_WEIGHT_MAX), ::GS_EFROZEN.
 */
GS_API gs_status gs_topo_set_node_weight(gs_topo *topo, uint32_t node,
                                         uint32_t weight);

/**
 * @brief Number of distinct feature names in the topology (those of all
 *        nodes, and any a node was given and no longer has).
 * @param topo The topology (frozen).
 * @return The count; 0 for a NULL or unfrozen topology.
 */
GS_API uint32_t gs_topo_feature_count(const gs_topo *topo);

/**
 * @brief A feature's name.
 * @param topo The topology (frozen).
 * @param i Index below gs_topo_feature_count().
 * @return The name (owned by the topology), or NULL when @p i is out of
 *         range or the topology is not frozen.
 */
GS_API const char *gs_topo_feature_name(const gs_topo *topo, uint32_t i);

/**
 * @brief Find a feature by name (case-sensitively).
 * @param topo The topology (frozen).
 * @param name The name.
 * @return Its index, or ::GS_NONE.
 */
GS_API uint32_t gs_topo_find_feature(const gs_topo *topo, const char *name);

/**
 * @brief Whether a node has a feature.
 * @param topo The topology (frozen).
 * @param node The node's index.
 * @param name The feature's name.
 * @return 1 if it has; 0 if not, or when the node or the feature does not
 *         exist or the topology is not frozen.
 */
GS_API int gs_topo_node_has_feature(const gs_topo *topo, uint32_t node,
                                    const char *name);

/**
 * @brief A node's features as names separated by commas, in the order of
 *        their indexes ("" for none).
 * @param topo The topology (frozen).
 * @param node The node's index.
 * @param[out] buf Receives the NUL-terminated text (may be NULL if
 *        @p cap is 0).
 * @param cap Size of @p buf.
 * @param[out] len Receives the text's length without the NUL, also when
 *        the buffer is too small (may be NULL).
 * @return ::GS_OK, ::GS_ENOSPC, ::GS_EINVAL, ::GS_ENOTFROZEN.
 */
GS_API gs_status gs_topo_node_features(const gs_topo *topo, uint32_t node,
                                       char *buf, size_t cap, size_t *len);

/**
 * @brief A node's weight.
 * @param topo The topology (frozen).
 * @param node The node's index.
 * @return The weight (1 unless set); ::GS_NONE, which no node can have,
 *         when the node does not exist or the topology is not frozen.
 */
GS_API uint32_t gs_topo_node_weight(const gs_topo *topo, uint32_t node);

/**
 * @brief Check a constraint against the topology's features, for a tool or
 *        a binding to validate what a user typed.
 * @param topo The topology (frozen).
 * @param constraint The expression; NULL, "" or only spaces is valid (no
 *        constraint).
 * @param[out] buf Receives the message, truncated to fit ("" when valid;
 *        may be NULL if @p cap is 0).
 * @param cap Size of @p buf.
 * @return ::GS_OK; ::GS_EINVAL (a syntax error: the message gives its
 *         1-based column); ::GS_ENOTFOUND (a feature no node has: the
 *         message lists the topology's features); ::GS_ERANGE (a limit
 *         above); ::GS_ENOTFROZEN; ::GS_ENOMEM.
 */
GS_API gs_status gs_topo_check_constraint(const gs_topo *topo,
                                          const char *constraint, char *buf,
                                          size_t cap);

/**
 * @brief Whether a node's features satisfy a constraint.
 *
 * The expression is compiled at each call: fine for a tool, not for a loop
 * over a large cluster.
 * @param topo The topology (frozen).
 * @param node The node's index.
 * @param constraint The expression; NULL or "" matches every node.
 * @param[out] match Receives 1 or 0.
 * @return ::GS_OK; ::GS_EINVAL (no such node, NULL @p match, a syntax
 *         error); ::GS_ENOTFOUND; ::GS_ERANGE; ::GS_ENOTFROZEN;
 *         ::GS_ENOMEM. gs_topo_check_constraint() gives the message.
 */
GS_API gs_status gs_topo_node_matches(const gs_topo *topo, uint32_t node,
                                      const char *constraint, int *match);

/** @} */

/** @defgroup topo_mig MIG mode of GPUs
 *  @brief Which GPUs are split into MIG instances, and how.
 *
 *  A GPU is in one of three modes (::gs_mig_mode). **Off** (the default):
 *  the GPU is handed out whole or shared by fractions. **Fixed**: the
 *  admin created a layout of GPU instances (`nvidia-smi mig -cgi ... -C`)
 *  and each instance is a device a job may get, as it is; the probe sets
 *  this mode with the instances NVML reports, and their UUIDs
 *  ("MIG-..."). **Dynamic**: the GPU is in MIG mode and the scheduler
 *  chooses which instance to create for each job, within the legal
 *  geometry of the GPU's model (mig.h), to keep the GPU able to take what
 *  comes next; the host creates it (`nvidia-smi mig -cgi PROFILE:START
 *  -C`) and destroys it when the job ends. A GPU in MIG mode is never
 *  given whole or to fractional jobs; only jobs that ask for a MIG profile
 *  (::gs_job_spec::mig_profile) land on it. Its model must be one of
 *  mig.h's (gs_mig_gpu_find() on its model and memory). docs/sharing.md
 *  has the rules and the JSON form (`"mig"`, `"mig_uuids"` of a node).
 *  @{ */

/** @brief How a GPU is split into MIG instances. */
typedef enum gs_mig_mode {
    /** Not in MIG mode: given whole or by fractions. */
    GS_MIG_OFF = 0,
    /** In MIG mode with a layout the admin made: its instances are the
     *  devices jobs get. */
    GS_MIG_FIXED = 1,
    /** In MIG mode, instances made per job where the scheduler says. */
    GS_MIG_DYNAMIC = 2
} gs_mig_mode;

/** Longest MIG instance UUID (without the NUL). */
#define GS_MAX_MIG_UUID 127u

/**
 * @brief A mode's name: "off", "fixed", "dynamic" ("?" for other values).
 * @param mode A mode.
 * @return A static string.
 */
GS_API const char *gs_mig_mode_name(gs_mig_mode mode);

/**
 * @brief Set a GPU's MIG mode.
 *
 * @p spec is NULL, "" or "off" (not in MIG mode); "dynamic"; or a layout
 * of GPU instances in gs_mig_layout_parse()'s text form (`"3g.40gb@0,
 * 2g.20gb@4,1g.10gb@6"`, or without starts), which makes the mode fixed
 * with those instances, numbered in the text's order. Setting the mode
 * again replaces it (and drops instance UUIDs set before).
 *
 * @param topo The topology (building).
 * @param node The node's index.
 * @param gpu The GPU's index on the node.
 * @param spec The mode, as above.
 * @return ::GS_OK; ::GS_EINVAL (no such node or GPU; a GPU whose model
 *         and memory are not in mig.h's tables, when @p spec is not off;
 *         an illegal layout: the message says why, naming the column);
 *         ::GS_EPARSE (a malformed layout); ::GS_EFROZEN; ::GS_ENOMEM.
 */
GS_API gs_status gs_topo_set_gpu_mig(gs_topo *topo, uint32_t node,
                                     uint32_t gpu, const char *spec);

/**
 * @brief Give the UUIDs of a fixed layout's instances, as the driver
 *        prints them ("MIG-bd5c4e2b-ad2c-5a5e-9b6e-b8ab46c96e0e"), for
 *        `CUDA_VISIBLE_DEVICES`.
 * @param topo The topology (building).
 * @param node The node's index.
 * @param gpu The GPU's index on the node; its mode must be fixed.
 * @param uuids One per instance, in the layout's order; an entry may be
 *        NULL (unknown). Each is "MIG-" followed by 1 to 123 characters
 *        of letters, digits, '-', '/' and '.'.
 * @param n The layout's number of instances.
 * @return ::GS_OK; ::GS_EINVAL (no such node or GPU, a GPU not in fixed
 *         mode, @p n not its instance count, a malformed UUID, the same
 *         UUID twice on the GPU); ::GS_EFROZEN; ::GS_ENOMEM.
 */
GS_API gs_status gs_topo_set_mig_uuids(gs_topo *topo, uint32_t node,
                                       uint32_t gpu,
                                       const char *const *uuids, size_t n);

/**
 * @brief A GPU's MIG mode and, for a fixed layout, its instances.
 * @param topo The topology (frozen).
 * @param gpu Cluster-wide GPU id.
 * @param[out] mode Receives the mode (may be NULL).
 * @param[out] kind Receives the GPU's MIG table (may be NULL); left alone
 *        when the mode is off.
 * @param[out] inst Receives a fixed layout's instances (may be NULL: then
 *        only the mode, the table and the count are given).
 * @param cap Capacity of @p inst (7 is always enough).
 * @param[out] n Receives the number of instances of a fixed layout, 0 for
 *        the other modes (may be NULL).
 * @return ::GS_OK; ::GS_ENOSPC when @p inst is given and @p cap is too
 *         small (@p n still gets the count); ::GS_EINVAL (no such GPU, or
 *         a NULL @p inst with @p cap above 0); ::GS_ENOTFROZEN.
 */
GS_API gs_status gs_topo_gpu_mig(const gs_topo *topo, uint32_t gpu,
                                 gs_mig_mode *mode, gs_mig_gpu *kind,
                                 gs_mig_instance *inst, size_t cap,
                                 size_t *n);

/**
 * @brief The UUID of a fixed layout's instance.
 * @param topo The topology (frozen).
 * @param gpu Cluster-wide GPU id.
 * @param instance The instance's number in the layout.
 * @return The UUID (owned by the topology), or NULL when it is unknown or
 *         the arguments name no instance.
 */
GS_API const char *gs_topo_mig_uuid(const gs_topo *topo, uint32_t gpu,
                                    uint32_t instance);

/** @} */

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* GPUSCHED_TOPO_H */
