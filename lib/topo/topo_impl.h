/*
 * Private layout of gs_topo, shared by the modules that build, read, write
 * and place on topologies.
 *
 * Nodes of identical hardware share one "node type" (gs_ntype): NUMA
 * domains, CPUs, GPU attributes and the GPU-pair link table. Types are
 * copy-on-write while building (a node made from a template points at the
 * template's type until it is changed) and deduplicated when the topology
 * freezes, so a 10,000-node cluster of one model stores its tables once.
 * Per-node facts (hostname, GPU UUIDs, switch, NVLink domain, feature tags
 * and weight) live in the node record.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_TOPO_IMPL_H
#define GS_TOPO_IMPL_H

#include "common/lists.h"
#include "common/util.h"

#define GS_MAX_GPUS_PER_NODE 1024u
#define GS_MAX_NUMA_PER_NODE 4096u
#define GS_MAX_NAME 256u
/* The largest bandwidth of a GPU pair, MB/s (4,000,000 GB/s). */
#define GS_BW_MAX_MBS 4000000000u
/* Distinct feature names one topology may have: a node's set is a 64-bit
 * mask (bit i = gs_topo.features[i]). */
#define GS_MAX_FEATURES GS_MAX_TOPO_FEATURES /* 64 */
/* Longest feature name, bytes. */
#define GS_MAX_FEATURE_NAME 64u
#define GS_NONE16 0xFFFFu
#define GS_NONE8 0xFFu

/* Bandwidth slots, in MB/s (1/1000 GB/s). */
enum { BW_PER_LINK = 0, BW_PIX, BW_PXB, BW_PHB, BW_NODE, BW_SYS, BW_SLOTS };

/* One ordered GPU pair of a node type. Both (i,j) and (j,i) hold the same
 * values. */
typedef struct gs_cell {
    uint8_t pcie;    /* gs_pcie_level */
    uint8_t nvlinks; /* direct wires */
    uint8_t flags;   /* CELL_* */
    uint8_t source;  /* gs_source */
    uint32_t bw;     /* MB/s: explicit when CELL_BW_SET, else computed at
                        freeze */
} gs_cell;

#define CELL_BW_SET 0x1u        /* bw given, not derived */
#define CELL_PCIE_INFERRED 0x2u  /* pcie inferred by freeze */

typedef struct gs_gpu_rec {
    const char *model; /* interned, NULL if unknown */
    const char *pci;   /* interned, normalized, NULL if unknown */
    uint64_t memory;
    uint32_t sm_count;
    uint16_t numa; /* GS_NONE16 if unknown */
    uint8_t cc_major, cc_minor;
    uint8_t fabric; /* GS_NONE8 if not on a fabric */
    uint8_t fabric_links;
} gs_gpu_rec;

typedef struct gs_numa_rec {
    uint64_t memory;
    uint32_t range_off, range_n; /* into gs_ntype.cpus */
    uint32_t cpu_n;              /* CPUs in those ranges */
    uint32_t os_id;              /* the machine's id; the index by default */
} gs_numa_rec;

typedef struct gs_ntype {
    uint32_t refs;
    uint32_t n_gpus, n_numa, n_ranges, n_cpus;
    uint32_t cap_gpus, cap_numa, cap_ranges; /* cells stride = cap_gpus
                                                while building, n_gpus once
                                                frozen */
    gs_gpu_rec *gpus;
    gs_numa_rec *numa;
    gs_cpu_range *cpus; /* each NUMA domain's canonical ranges in turn */
    gs_cell *cells;
    uint32_t bw_set[BW_SLOTS]; /* node overrides, 0 = inherit */
    const char *origin;        /* template it was made from, or NULL */
    /* set by freeze */
    uint32_t bw_eff[BW_SLOTS];
    uint32_t id;
    uint64_t hash;
    struct gs_place_tables *place; /* placement tables (sched), or NULL */
} gs_ntype;

typedef struct gs_node_rec {
    const char *name;
    gs_ntype *type;
    const char **uuids; /* per GPU (entries may be NULL), or NULL */
    uint32_t uuid_cap;
    uint32_t sw;     /* leaf switch or GS_NONE */
    uint32_t domain; /* NVLink domain or GS_NONE */
    uint32_t first_gpu;
    uint32_t weight;   /* Slurm's Weight: lower is preferred; 1 by default */
    uint64_t features; /* bit i: the node has feature i of the topology */
    struct gs_mig_rec *mig; /* per GPU below mig_n (topo_mig.c), or NULL */
    uint32_t mig_n;
} gs_node_rec;

/* A GPU's MIG mode (topo_mig.c): a fixed layout's instances and their
 * UUIDs (in the arena; NULL unknown). */
typedef struct gs_mig_rec {
    uint8_t mode; /* gs_mig_mode */
    uint8_t kind; /* gs_mig_gpu, when mode is not off */
    uint8_t n;    /* instances of a fixed layout */
    gs_mig_instance inst[GS_MIG_COMPUTE_SLICES];
    const char *uuid[GS_MIG_COMPUTE_SLICES];
} gs_mig_rec;

/* The MIG record of a GPU (cluster-wide id, frozen topology), or NULL
 * when it is not in MIG mode. */
const gs_mig_rec *gs_topo_mig_rec(const gs_topo *t, uint32_t gpu);
/* Whether u is a MIG instance UUID as gpusched takes them: "MIG-" and 1
 * to GS_MAX_MIG_UUID - 4 letters, digits, '-', '/', '.'. */
bool gs_mig_uuid_ok(const char *u);

typedef struct gs_switch_rec {
    const char *name;
    uint32_t parent; /* GS_NONE for a root */
    uint32_t depth;  /* set by freeze */
    uint64_t link_speed;
} gs_switch_rec;

typedef struct gs_domain_rec {
    const char *name;
    uint32_t size; /* nodes, set by freeze */
} gs_domain_rec;

typedef struct gs_tcache {
    const char *name; /* interned */
    gs_ntype *type;   /* holds one reference */
} gs_tcache;

struct gs_topo {
    bool frozen;
    gs_err err;
    gs_interner strings;

    gs_node_rec *nodes;
    size_t n_nodes, cap_nodes;
    gs_strtab node_names;

    gs_switch_rec *switches;
    size_t n_switches, cap_switches;
    gs_strtab switch_names;

    gs_domain_rec *domains;
    size_t n_domains, cap_domains;
    gs_strtab domain_names;

    /* Feature names (interned), in the order they were first given; a
     * name stays once added, even when no node has it any more. The array
     * and the table are sized for GS_MAX_FEATURES when the first name
     * comes, so adding a name later allocates nothing but its text. */
    const char **features;
    uint32_t n_features, cap_features;
    gs_strtab feature_names; /* name -> index in features */

    uint32_t bw_default[BW_SLOTS]; /* 0 = built-in default */

    gs_tcache *tcache;
    size_t n_tcache, cap_tcache;
    gs_strtab tcache_names; /* name -> index in tcache */

    /* frozen */
    gs_ntype **types;
    uint32_t n_types;
    uint32_t n_gpus;
    uint32_t *gpu_node;
    uint32_t *uuid_slots; /* open addressing: cluster-wide GPU ids by UUID */
    size_t uuid_cap;
};

extern const uint32_t gs_bw_builtin[BW_SLOTS];

/* ---- node types (topo.c) ----------------------------------------------- */

gs_ntype *gs_ntype_new(void);
void gs_ntype_unref(gs_ntype *ty);
/* Operations on a type that is being built (refs must be 1). They return
 * a status and set err on failure, leaving the type unchanged. */
gs_status gs_ntype_add_numa(gs_ntype *ty, const gs_cpu_range *cpus,
                            size_t n_ranges, uint64_t memory, gs_err *err);
gs_status gs_ntype_add_gpu(gs_topo *t, gs_ntype *ty, const gs_gpu_info *info,
                           gs_err *err);
gs_status gs_ntype_set_link(gs_ntype *ty, uint32_t a, uint32_t b,
                            const gs_link_info *link, gs_err *err);
gs_status gs_ntype_set_bandwidths(uint32_t *slots, const gs_bandwidths *bw,
                                  gs_err *err);
/* The first domain (in index order) whose OS id an earlier domain has, or
 * GS_NONE; *earlier receives that earlier domain. O(n log n). */
uint32_t gs_ntype_os_id_twin(const gs_ntype *ty, uint32_t *earlier);
static inline gs_cell *gs_ntype_cell(const gs_ntype *ty, uint32_t a,
                                     uint32_t b)
{
    return &ty->cells[(size_t)a * ty->cap_gpus + b];
}

/* ---- topology internals (topo.c) --------------------------------------- */

/* Add a node that takes a reference on ty (and the uuids array, which must
 * have ty->n_gpus entries or be NULL: ownership moves to the topology on
 * success only). */
gs_status gs_topo_add_node_typed(gs_topo *t, const char *hostname,
                                 gs_ntype *ty, const char **uuids,
                                 uint32_t *node);
/* Cache of template types, by name. */
gs_ntype *gs_topo_tcache_get(gs_topo *t, const char *name);
gs_status gs_topo_tcache_put(gs_topo *t, const char *name, gs_ntype *ty);
/* The features named in list[0..len) as a mask, adding the names the
 * topology does not know yet to its table. With sep ',' the list is names
 * separated by commas (duplicates merge; len 0 gives 0); with sep '\0' it
 * is one name. Every name is checked first (1 to GS_MAX_FEATURE_NAME
 * characters of [A-Za-z0-9_.:+-]; at most GS_MAX_FEATURES distinct names
 * in the topology), so on failure nothing changes: GS_EINVAL (bad name) or
 * GS_ERANGE (a 65th name) with the message in err, prefixed by "who: "
 * when who is not NULL, and *bad (may be NULL) the offset of the name at
 * fault; GS_ENOMEM. */
gs_status gs_topo_intern_features(gs_topo *t, const char *list, size_t len,
                                  char sep, const char *who, uint64_t *mask,
                                  size_t *bad, gs_err *err);
/* Whether c may be in a feature name: [A-Za-z0-9_.:+-]. */
bool gs_feature_name_char(unsigned char c);
/* Index of a feature name, or GS_NONE. Works while building too. */
uint32_t gs_topo_feature_index(const gs_topo *t, const char *name,
                               size_t len);
/* Check a name for nodes, switches and domains; sets err. */
gs_status gs_check_name(const char *what, const char *name, gs_err *err);
/* Normalize a PCI bus id to "dddd:bb:dd.f" (lowercase hex); false if it is
 * not one. out must hold 32 bytes. */
bool gs_pci_normalize(const char *in, char *out);
/* Human name of a gs_source ("file", "inferred", ...). */
const char *gs_source_name(gs_source s);
/* Bandwidth in MB/s between two GPUs (cluster-wide ids, both valid). */
uint32_t gs_topo_bw_mbs(const gs_topo *t, uint32_t a, uint32_t b);
/* The UUID of a GPU (cluster-wide id), or NULL. */
const char *gs_topo_gpu_uuid(const gs_topo *t, uint32_t gpu);
/* Number of NVLinks the matrix shows for a pair of one type. */
uint32_t gs_ntype_shown_nvlinks(const gs_ntype *ty, uint32_t a, uint32_t b);

/* ---- JSON (topo_json.c) and templates (templates.c) -------------------- */

gs_status gs_topo_read_json(gs_topo *t, const char *text, size_t len,
                            const char *name);
/* Build the type of a built-in node template. GS_ENOTFOUND when there is
 * no such template, GS_EINVAL when it describes a whole cluster. */
gs_status gs_template_build(gs_topo *t, const char *name, gs_ntype **out,
                            gs_err *err);
/* The JSON of a built-in template, or NULL. *is_cluster set if found. */
const char *gs_template_find(const char *name, int *is_cluster);
/* Build a node type from a parsed JSON node description (topo_json.c). */
struct json_value;
gs_status gs_json_build_type(gs_topo *t, const struct json_value *desc,
                             const char *src_name, gs_ntype **out,
                             gs_err *err);

#endif
