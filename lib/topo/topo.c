/*
 * The topology: building, freezing and queries.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "topo/topo_impl.h"

#include "common/lists.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const uint32_t gs_bw_builtin[BW_SLOTS] = {25000, 16000, 14000,
                                          12000, 10000, 6000};

GS_API void gs_gpu_info_init(gs_gpu_info *info)
{
    if (info) {
        gs_gpu_info d = GS_GPU_INFO_INIT;
        *info = d;
    }
}

GS_API void gs_link_info_init(gs_link_info *info)
{
    if (info) {
        gs_link_info d = GS_LINK_INFO_INIT;
        *info = d;
    }
}

GS_API void gs_bandwidths_init(gs_bandwidths *bw)
{
    if (bw) {
        gs_bandwidths d = GS_BANDWIDTHS_INIT;
        *bw = d;
    }
}

GS_API const char *gs_pcie_level_name(gs_pcie_level level)
{
    static const char *names[] = {"?", "PIX", "PXB", "PHB", "NODE", "SYS"};
    return (unsigned)level < GS_ARRAY_LEN(names) ? names[level] : "?";
}

const char *gs_source_name(gs_source s)
{
    static const char *names[] = {"file", "inferred", "driver", "nvml",
                                  "hwloc"};
    return (unsigned)s < GS_ARRAY_LEN(names) ? names[s] : "?";
}

/* ---- names and identifiers --------------------------------------------- */

gs_status gs_check_name(const char *what, const char *name, gs_err *err)
{
    if (!name || !*name)
        return gs_errf(err, GS_EINVAL, "%s name is empty", what);
    size_t n = strlen(name);
    if (n > GS_MAX_NAME)
        return gs_errf(err, GS_EINVAL,
                       "%s name is longer than %u characters", what,
                       GS_MAX_NAME);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c <= 0x20 || c >= 0x7f || c == '[' || c == ']' || c == ',' ||
            c == '"' || c == '\\') {
            /* quote the name escaped: it may hold control bytes or
             * broken UTF-8 that would garble the message */
            char q[100];
            return gs_errf(err, GS_EINVAL,
                           "%s name \"%s\" has a character that is not "
                           "allowed at offset %zu (byte 0x%02x; use printable "
                           "ASCII without spaces, commas, brackets, quotes or "
                           "backslashes)",
                           what, gs_printable(q, sizeof q, name, n), i, c);
        }
    }
    return GS_OK;
}

/* Free text attributes (model, UUID): printable, valid UTF-8, bounded. */
static gs_status check_text(const char *what, const char *s, gs_err *err)
{
    size_t n = strlen(s);
    if (n > GS_MAX_NAME)
        return gs_errf(err, GS_EINVAL, "%s is longer than %u bytes", what,
                       GS_MAX_NAME);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return gs_errf(err, GS_EINVAL,
                           "%s has a control character at offset %zu", what,
                           i);
        if (c >= 0x80)
            return gs_errf(err, GS_EINVAL,
                           "%s has a non-ASCII byte at offset %zu", what, i);
    }
    return GS_OK;
}

bool gs_pci_normalize(const char *in, char *out)
{
    /* Accept [domain:]bus:device.function in hex. */
    unsigned long part[4];
    int nparts = 0;
    const char *p = in;
    char seps[4] = {0};
    while (nparts < 4) {
        if (!isxdigit((unsigned char)*p))
            return false;
        unsigned long v = 0;
        int digits = 0;
        while (isxdigit((unsigned char)*p)) {
            if (++digits > 8)
                return false;
            int c = tolower((unsigned char)*p++);
            v = v * 16 + (unsigned long)(c <= '9' ? c - '0' : c - 'a' + 10);
        }
        part[nparts] = v;
        seps[nparts] = *p;
        nparts++;
        if (*p == ':' || *p == '.')
            p++;
        else
            break;
    }
    if (*p != '\0')
        return false;
    unsigned long dom, bus, dev, fn;
    if (nparts == 4 && seps[0] == ':' && seps[1] == ':' && seps[2] == '.') {
        dom = part[0];
        bus = part[1];
        dev = part[2];
        fn = part[3];
    } else if (nparts == 3 && seps[0] == ':' && seps[1] == '.') {
        dom = 0;
        bus = part[0];
        dev = part[1];
        fn = part[2];
    } else {
        return false;
    }
    if (bus > 0xff || dev > 0x1f || fn > 0x7)
        return false;
    snprintf(out, 32, "%04lx:%02lx:%02lx.%lx", dom, bus, dev, fn);
    return true;
}

/* ---- node types -------------------------------------------------------- */

gs_ntype *gs_ntype_new(void)
{
    gs_ntype *ty = gs_calloc(1, sizeof *ty);
    if (ty)
        ty->refs = 1;
    return ty;
}

void gs_ntype_unref(gs_ntype *ty)
{
    if (!ty || --ty->refs > 0)
        return;
    gs_free(ty->gpus);
    gs_free(ty->numa);
    gs_free(ty->cpus);
    gs_free(ty->cells);
    gs_free(ty->place);
    gs_free(ty);
}

static gs_ntype *ntype_clone(const gs_ntype *src)
{
    gs_ntype *ty = gs_ntype_new();
    if (!ty)
        return NULL;
    *ty = *src;
    ty->refs = 1;
    ty->gpus = NULL;
    ty->numa = NULL;
    ty->cpus = NULL;
    ty->cells = NULL;
    ty->place = NULL;
    if (src->cap_gpus) {
        ty->gpus = gs_malloc(src->cap_gpus * sizeof *ty->gpus);
        ty->cells = gs_malloc((size_t)src->cap_gpus * src->cap_gpus *
                              sizeof *ty->cells);
        if (!ty->gpus || !ty->cells)
            goto oom;
        memcpy(ty->gpus, src->gpus, src->n_gpus * sizeof *ty->gpus);
        memcpy(ty->cells, src->cells,
               (size_t)src->cap_gpus * src->cap_gpus * sizeof *ty->cells);
    }
    if (src->cap_numa) {
        ty->numa = gs_malloc(src->cap_numa * sizeof *ty->numa);
        if (!ty->numa)
            goto oom;
        memcpy(ty->numa, src->numa, src->n_numa * sizeof *ty->numa);
    }
    if (src->cap_ranges) {
        ty->cpus = gs_malloc(src->cap_ranges * sizeof *ty->cpus);
        if (!ty->cpus)
            goto oom;
        memcpy(ty->cpus, src->cpus, src->n_ranges * sizeof *ty->cpus);
    }
    return ty;
oom:
    gs_ntype_unref(ty);
    return NULL;
}

gs_status gs_ntype_add_numa(gs_ntype *ty, const gs_cpu_range *cpus,
                            size_t n_ranges, uint64_t memory, gs_err *err)
{
    if (ty->n_numa >= GS_MAX_NUMA_PER_NODE)
        return gs_errf(err, GS_ERANGE, "more than %u NUMA domains on a node",
                       GS_MAX_NUMA_PER_NODE);
    size_t count = gs_cpu_ranges_count(cpus, n_ranges);
    if (count > UINT32_MAX - ty->n_cpus ||
        n_ranges > UINT32_MAX - ty->n_ranges)
        return gs_errf(err, GS_ERANGE, "too many CPUs on a node");
    size_t cap_numa = ty->cap_numa, cap_ranges = ty->cap_ranges;
    if (!GS_GROW(ty->numa, cap_numa, ty->n_numa + 1))
        return gs_errf(err, GS_ENOMEM, "out of memory");
    ty->cap_numa = (uint32_t)cap_numa;
    if (n_ranges && !GS_GROW(ty->cpus, cap_ranges, ty->n_ranges + n_ranges))
        return gs_errf(err, GS_ENOMEM, "out of memory");
    ty->cap_ranges = (uint32_t)cap_ranges;
    if (n_ranges)
        memcpy(ty->cpus + ty->n_ranges, cpus, n_ranges * sizeof *cpus);
    ty->numa[ty->n_numa] = (gs_numa_rec){memory, ty->n_ranges,
                                         (uint32_t)n_ranges, (uint32_t)count,
                                         ty->n_numa};
    ty->n_ranges += (uint32_t)n_ranges;
    ty->n_cpus += (uint32_t)count;
    ty->n_numa++;
    return GS_OK;
}

/* Make room for one more GPU: the cell table keeps stride cap_gpus. */
static bool ntype_reserve_gpu(gs_ntype *ty)
{
    if (ty->n_gpus < ty->cap_gpus)
        return true;
    uint32_t ncap = ty->cap_gpus ? ty->cap_gpus * 2 : 8;
    if (ncap > GS_MAX_GPUS_PER_NODE)
        ncap = GS_MAX_GPUS_PER_NODE;
    gs_gpu_rec *g = gs_realloc(ty->gpus, ncap * sizeof *g);
    if (!g)
        return false;
    ty->gpus = g;
    gs_cell *c = gs_calloc((size_t)ncap * ncap, sizeof *c);
    if (!c)
        return false;
    for (uint32_t i = 0; i < ty->n_gpus; i++)
        memcpy(c + (size_t)i * ncap, ty->cells + (size_t)i * ty->cap_gpus,
               ty->n_gpus * sizeof *c);
    gs_free(ty->cells);
    ty->cells = c;
    ty->cap_gpus = ncap;
    return true;
}

static gs_status check_gpu_info(gs_topo *t, const gs_gpu_info *info,
                                gs_gpu_rec *rec, gs_err *err)
{
    if (!info || info->struct_size < offsetof(gs_gpu_info, fabric_links) +
                                         sizeof info->fabric_links)
        return gs_errf(err, GS_EINVAL,
                       "GPU info is NULL or its struct_size is too small "
                       "(initialize it with gs_gpu_info_init)");
    memset(rec, 0, sizeof *rec);
    gs_status st;
    if (info->model && *info->model) {
        if ((st = check_text("GPU model", info->model, err)) != GS_OK)
            return st;
        rec->model = gs_intern(&t->strings, info->model, strlen(info->model));
        if (!rec->model)
            return gs_errf(err, GS_ENOMEM, "out of memory");
    }
    if (info->pci_bus_id && *info->pci_bus_id) {
        char norm[32];
        if (!gs_pci_normalize(info->pci_bus_id, norm))
            return gs_errf(err, GS_EINVAL,
                           "PCI bus id \"%.64s\" is not of the form "
                           "[domain:]bus:device.function",
                           info->pci_bus_id);
        rec->pci = gs_intern(&t->strings, norm, strlen(norm));
        if (!rec->pci)
            return gs_errf(err, GS_ENOMEM, "out of memory");
    }
    if (info->uuid && *info->uuid) {
        if ((st = check_text("GPU UUID", info->uuid, err)) != GS_OK)
            return st;
        if (strchr(info->uuid, ' ') || strchr(info->uuid, ','))
            return gs_errf(err, GS_EINVAL,
                           "GPU UUID \"%.64s\" contains a space or a comma",
                           info->uuid);
    }
    if (info->cc_major > 255 || info->cc_minor > 255)
        return gs_errf(err, GS_ERANGE,
                       "compute capability %u.%u is out of range",
                       info->cc_major, info->cc_minor);
    if (info->numa != GS_NONE && info->numa >= GS_MAX_NUMA_PER_NODE)
        return gs_errf(err, GS_ERANGE, "NUMA domain %u is out of range",
                       info->numa);
    if (info->fabric != GS_NONE && info->fabric >= 255)
        return gs_errf(err, GS_ERANGE, "fabric %u is out of range (0-254)",
                       info->fabric);
    if (info->fabric_links > 255)
        return gs_errf(err, GS_ERANGE,
                       "%u fabric links is out of range (0-255)",
                       info->fabric_links);
    if ((info->fabric == GS_NONE) != (info->fabric_links == 0))
        return gs_errf(err, GS_EINVAL,
                       "a GPU on an NVSwitch fabric needs both a fabric and "
                       "a positive number of fabric links");
    rec->memory = info->memory_bytes;
    rec->sm_count = info->sm_count;
    rec->cc_major = (uint8_t)info->cc_major;
    rec->cc_minor = (uint8_t)info->cc_minor;
    rec->numa = info->numa == GS_NONE ? GS_NONE16 : (uint16_t)info->numa;
    rec->fabric = info->fabric == GS_NONE ? GS_NONE8 : (uint8_t)info->fabric;
    rec->fabric_links = (uint8_t)info->fabric_links;
    return GS_OK;
}

gs_status gs_ntype_add_gpu(gs_topo *t, gs_ntype *ty, const gs_gpu_info *info,
                           gs_err *err)
{
    gs_gpu_rec rec;
    gs_status st = check_gpu_info(t, info, &rec, err);
    if (st != GS_OK)
        return st;
    if (ty->n_gpus >= GS_MAX_GPUS_PER_NODE)
        return gs_errf(err, GS_ERANGE, "more than %u GPUs on a node",
                       GS_MAX_GPUS_PER_NODE);
    if (!ntype_reserve_gpu(ty))
        return gs_errf(err, GS_ENOMEM, "out of memory");
    uint32_t i = ty->n_gpus;
    ty->gpus[i] = rec;
    for (uint32_t j = 0; j <= i; j++) {
        gs_cell c = {GS_PCIE_UNKNOWN, 0, 0, GS_SOURCE_FILE, 0};
        *gs_ntype_cell(ty, i, j) = c;
        *gs_ntype_cell(ty, j, i) = c;
    }
    ty->n_gpus++;
    return GS_OK;
}

static gs_status mbs_from_gbps(double gbps, uint32_t *out, const char *what,
                               gs_err *err)
{
    if (!(gbps >= 0) || gbps * 1000.0 > (double)GS_BW_MAX_MBS)
        return gs_errf(err, gbps < 0 || gbps != gbps ? GS_EINVAL : GS_ERANGE,
                       "%s bandwidth %g GB/s is out of range (0 to 4000000)",
                       what, gbps);
    *out = (uint32_t)llround(gbps * 1000.0);
    return GS_OK;
}

gs_status gs_ntype_set_link(gs_ntype *ty, uint32_t a, uint32_t b,
                            const gs_link_info *link, gs_err *err)
{
    if (!link ||
        link->struct_size < offsetof(gs_link_info, source) + sizeof link->source)
        return gs_errf(err, GS_EINVAL,
                       "link info is NULL or its struct_size is too small "
                       "(initialize it with gs_link_info_init)");
    if (a >= ty->n_gpus || b >= ty->n_gpus)
        return gs_errf(err, GS_EINVAL,
                       "GPU %u does not exist (the node has %u GPUs)",
                       a >= ty->n_gpus ? a : b, ty->n_gpus);
    if (a == b)
        return gs_errf(err, GS_EINVAL, "a GPU cannot link to itself (GPU %u)",
                       a);
    if (link->nvlinks > 255)
        return gs_errf(err, GS_ERANGE,
                       "%u NVLinks between GPU %u and GPU %u is out of range "
                       "(0-255)",
                       link->nvlinks, a, b);
    if ((unsigned)link->pcie > GS_PCIE_SYS)
        return gs_errf(err, GS_EINVAL, "PCIe level %d is not valid",
                       (int)link->pcie);
    if ((unsigned)link->source > GS_SOURCE_HWLOC)
        return gs_errf(err, GS_EINVAL, "link source %d is not valid",
                       (int)link->source);
    uint32_t bw = 0;
    gs_status st = mbs_from_gbps(link->bandwidth, &bw, "link", err);
    if (st != GS_OK)
        return st;
    gs_cell c = {(uint8_t)link->pcie, (uint8_t)link->nvlinks,
                 bw ? CELL_BW_SET : 0, (uint8_t)link->source, bw};
    *gs_ntype_cell(ty, a, b) = c;
    *gs_ntype_cell(ty, b, a) = c;
    return GS_OK;
}

gs_status gs_ntype_set_bandwidths(uint32_t *slots, const gs_bandwidths *bw,
                                  gs_err *err)
{
    if (!bw || bw->struct_size < sizeof(gs_bandwidths))
        return gs_errf(err, GS_EINVAL,
                       "bandwidths struct is NULL or its struct_size is too "
                       "small (initialize it with gs_bandwidths_init)");
    const double in[BW_SLOTS] = {bw->nvlink_per_link, bw->pix, bw->pxb,
                                 bw->phb, bw->node, bw->sys};
    static const char *what[BW_SLOTS] = {"NVLink per-link", "PIX", "PXB",
                                         "PHB", "NODE", "SYS"};
    uint32_t out[BW_SLOTS];
    for (int i = 0; i < BW_SLOTS; i++) {
        gs_status st = mbs_from_gbps(in[i], &out[i], what[i], err);
        if (st != GS_OK)
            return st;
    }
    for (int i = 0; i < BW_SLOTS; i++)
        if (out[i])
            slots[i] = out[i];
    return GS_OK;
}

/* ---- topology lifecycle ------------------------------------------------ */

GS_API gs_status gs_topo_create(gs_topo **out)
{
    if (!out)
        return GS_EINVAL;
    *out = gs_calloc(1, sizeof **out);
    return *out ? GS_OK : GS_ENOMEM;
}

static void tcache_clear(gs_topo *t)
{
    for (size_t i = 0; i < t->n_tcache; i++)
        gs_ntype_unref(t->tcache[i].type);
    gs_free(t->tcache);
    gs_strtab_free(&t->tcache_names);
    t->tcache = NULL;
    t->n_tcache = t->cap_tcache = 0;
}

GS_API void gs_topo_destroy(gs_topo *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_nodes; i++) {
        gs_ntype_unref(t->nodes[i].type);
        gs_free(t->nodes[i].uuids);
        gs_free(t->nodes[i].mig);
    }
    tcache_clear(t);
    gs_free(t->nodes);
    gs_free(t->switches);
    gs_free(t->domains);
    gs_free(t->features);
    gs_strtab_free(&t->feature_names);
    gs_strtab_free(&t->node_names);
    gs_strtab_free(&t->switch_names);
    gs_strtab_free(&t->domain_names);
    gs_free(t->uuid_slots);
    gs_free(t->types);
    gs_free(t->gpu_node);
    gs_interner_free(&t->strings);
    gs_free(t);
}

GS_API const char *gs_topo_errmsg(const gs_topo *t)
{
    return t ? t->err.msg : "no topology (NULL handle)";
}

GS_API int gs_topo_is_frozen(const gs_topo *t) { return t && t->frozen; }

#define CHECK_BUILDING(t)                                                   \
    do {                                                                    \
        if (!(t))                                                           \
            return GS_EINVAL;                                               \
        if ((t)->frozen)                                                    \
            return gs_errf(&(t)->err, GS_EFROZEN,                           \
                           "the topology is frozen and cannot be changed"); \
    } while (0)

/* Templates are looked up by name for every node made from one: through
 * a table, since a file may define thousands of them. */
gs_ntype *gs_topo_tcache_get(gs_topo *t, const char *name)
{
    const gs_strtab_slot *s =
        gs_strtab_get(&t->tcache_names, name, strlen(name));
    return s ? t->tcache[s->val].type : NULL;
}

gs_status gs_topo_tcache_put(gs_topo *t, const char *name, gs_ntype *ty)
{
    size_t len = strlen(name);
    const gs_strtab_slot *s = gs_strtab_get(&t->tcache_names, name, len);
    if (s) {
        /* a name defined again replaces the type it had */
        ty->refs++;
        gs_ntype_unref(t->tcache[s->val].type);
        t->tcache[s->val].type = ty;
        return GS_OK;
    }
    const char *iname = gs_intern(&t->strings, name, len);
    if (!iname || !GS_GROW(t->tcache, t->cap_tcache, t->n_tcache + 1) ||
        !gs_strtab_put(&t->tcache_names, iname, len,
                       (uint32_t)t->n_tcache))
        return gs_errf(&t->err, GS_ENOMEM, "out of memory");
    ty->refs++;
    t->tcache[t->n_tcache++] = (gs_tcache){iname, ty};
    return GS_OK;
}

gs_status gs_topo_add_node_typed(gs_topo *t, const char *hostname,
                                 gs_ntype *ty, const char **uuids,
                                 uint32_t *node)
{
    CHECK_BUILDING(t);
    gs_status st = gs_check_name("node", hostname, &t->err);
    if (st != GS_OK)
        return st;
    size_t len = strlen(hostname);
    if (gs_strtab_get(&t->node_names, hostname, len))
        return gs_errf(&t->err, GS_EEXIST, "node \"%s\" already exists",
                       hostname);
    if (t->n_nodes >= UINT32_MAX - 1)
        return gs_errf(&t->err, GS_ERANGE, "too many nodes");
    const char *name = gs_intern(&t->strings, hostname, len);
    if (!name || !GS_GROW(t->nodes, t->cap_nodes, t->n_nodes + 1) ||
        !gs_strtab_put(&t->node_names, name, len, (uint32_t)t->n_nodes))
        return gs_errf(&t->err, GS_ENOMEM, "out of memory");
    gs_node_rec *n = &t->nodes[t->n_nodes];
    memset(n, 0, sizeof *n);
    n->name = name;
    n->type = ty;
    ty->refs++;
    n->uuids = uuids;
    n->uuid_cap = uuids ? ty->n_gpus : 0;
    n->sw = GS_NONE;
    n->domain = GS_NONE;
    n->weight = 1; /* Slurm's default */
    if (node)
        *node = (uint32_t)t->n_nodes;
    t->n_nodes++;
    return GS_OK;
}

GS_API gs_status gs_topo_add_node(gs_topo *t, const char *hostname,
                                  uint32_t *node)
{
    CHECK_BUILDING(t);
    gs_ntype *ty = gs_ntype_new();
    if (!ty)
        return gs_errf(&t->err, GS_ENOMEM, "out of memory");
    gs_status st = gs_topo_add_node_typed(t, hostname, ty, NULL, node);
    gs_ntype_unref(ty);
    return st;
}

GS_API gs_status gs_topo_add_template_node(gs_topo *t,
                                           const char *template_name,
                                           const char *hostname,
                                           uint32_t *node)
{
    CHECK_BUILDING(t);
    if (!template_name)
        return gs_errf(&t->err, GS_EINVAL, "template name is NULL");
    gs_ntype *ty = gs_topo_tcache_get(t, template_name);
    if (!ty) {
        gs_status st = gs_template_build(t, template_name, &ty, &t->err);
        if (st == GS_EINVAL)
            st = GS_ENOTFOUND; /* a cluster template is not a node template */
        if (st != GS_OK)
            return st;
        st = gs_topo_tcache_put(t, template_name, ty);
        gs_ntype_unref(ty);
        if (st != GS_OK)
            return st;
    }
    return gs_topo_add_node_typed(t, hostname, ty, NULL, node);
}

/* Look up a node for building and make its type private (copy on write). */
static gs_status node_for_change(gs_topo *t, uint32_t node, gs_node_rec **out)
{
    *out = NULL;
    CHECK_BUILDING(t);
    if (node >= t->n_nodes)
        return gs_errf(&t->err, GS_EINVAL,
                       "node %u does not exist (the topology has %zu nodes)",
                       node, t->n_nodes);
    gs_node_rec *n = &t->nodes[node];
    if (n->type->refs > 1) {
        gs_ntype *c = ntype_clone(n->type);
        if (!c)
            return gs_errf(&t->err, GS_ENOMEM, "out of memory");
        gs_ntype_unref(n->type);
        n->type = c;
    }
    *out = n;
    return GS_OK;
}

GS_API gs_status gs_topo_add_numa(gs_topo *t, uint32_t node,
                                  const char *cpulist, uint64_t memory_bytes,
                                  uint32_t *numa)
{
    gs_node_rec *n = NULL;
    gs_status st = node_for_change(t, node, &n);
    if (st != GS_OK)
        return st;
    gs_cpu_range *cpus = NULL;
    size_t count = 0, bad = 0;
    if (cpulist) {
        st = gs_cpulist_parse(cpulist, strlen(cpulist), &cpus, &count, &bad);
        if (st == GS_ENOMEM)
            return gs_errf(&t->err, st, "out of memory");
        if (st != GS_OK)
            return gs_errf(&t->err, st,
                           "node \"%s\": bad cpulist \"%.64s\" at offset %zu",
                           n->name, cpulist, bad);
    }
    uint32_t idx = n->type->n_numa;
    st = gs_ntype_add_numa(n->type, cpus, count, memory_bytes, &t->err);
    gs_free(cpus);
    if (st == GS_OK && numa)
        *numa = idx;
    return st;
}

GS_API gs_status gs_topo_set_numa_os_id(gs_topo *t, uint32_t node,
                                        uint32_t numa, uint32_t os_id)
{
    CHECK_BUILDING(t);
    if (node >= t->n_nodes)
        return gs_errf(&t->err, GS_EINVAL, "node %u does not exist", node);
    if (numa >= t->nodes[node].type->n_numa)
        return gs_errf(&t->err, GS_EINVAL,
                       "node \"%s\" has no NUMA domain %u (it has %u)",
                       t->nodes[node].name, numa,
                       t->nodes[node].type->n_numa);
    if (os_id > GS_NUMA_OS_ID_MAX)
        return gs_errf(&t->err, GS_ERANGE,
                       "NUMA OS id %u is out of range (0 to %u)", os_id,
                       GS_NUMA_OS_ID_MAX);
    if (t->nodes[node].type->numa[numa].os_id == os_id)
        return GS_OK; /* no change: a shared type stays shared */
    gs_node_rec *n = NULL;
    gs_status st = node_for_change(t, node, &n);
    if (st != GS_OK)
        return st;
    n->type->numa[numa].os_id = os_id;
    return GS_OK;
}

GS_API gs_status gs_topo_add_gpu(gs_topo *t, uint32_t node,
                                 const gs_gpu_info *info, uint32_t *index)
{
    gs_node_rec *n = NULL;
    gs_status st = node_for_change(t, node, &n);
    if (st != GS_OK)
        return st;
    uint32_t idx = n->type->n_gpus;
    const char *uuid = NULL;
    if (info && info->struct_size >= offsetof(gs_gpu_info, uuid) +
                                         sizeof info->uuid &&
        info->uuid && *info->uuid) {
        /* UUIDs are unique: copy them, interning would only cost a table */
        uuid = gs_arena_strndup(&t->strings.arena, info->uuid,
                                strlen(info->uuid));
        if (!uuid)
            return gs_errf(&t->err, GS_ENOMEM, "out of memory");
    }
    if (uuid || n->uuids) {
        size_t cap = n->uuid_cap;
        const char **u = n->uuids;
        if (!GS_GROW(u, cap, (size_t)idx + 1))
            return gs_errf(&t->err, GS_ENOMEM, "out of memory");
        if (!n->uuids)
            memset(u, 0, cap * sizeof *u);
        n->uuids = u;
        n->uuid_cap = (uint32_t)cap;
    }
    st = gs_ntype_add_gpu(t, n->type, info, &t->err);
    if (st != GS_OK)
        return st;
    if (n->uuids)
        n->uuids[idx] = uuid;
    if (index)
        *index = idx;
    return GS_OK;
}

GS_API gs_status gs_topo_set_link(gs_topo *t, uint32_t node, uint32_t gpu_a,
                                  uint32_t gpu_b, const gs_link_info *link)
{
    gs_node_rec *n = NULL;
    gs_status st = node_for_change(t, node, &n);
    if (st != GS_OK)
        return st;
    return gs_ntype_set_link(n->type, gpu_a, gpu_b, link, &t->err);
}

GS_API gs_status gs_topo_set_bandwidths(gs_topo *t, uint32_t node,
                                        const gs_bandwidths *bw)
{
    CHECK_BUILDING(t);
    if (node == GS_NONE)
        return gs_ntype_set_bandwidths(t->bw_default, bw, &t->err);
    gs_node_rec *n = NULL;
    gs_status st = node_for_change(t, node, &n);
    if (st != GS_OK)
        return st;
    return gs_ntype_set_bandwidths(n->type->bw_set, bw, &t->err);
}

GS_API gs_status gs_topo_add_switch(gs_topo *t, const char *name,
                                    uint64_t link_speed, uint32_t *sw)
{
    CHECK_BUILDING(t);
    gs_status st = gs_check_name("switch", name, &t->err);
    if (st != GS_OK)
        return st;
    size_t len = strlen(name);
    if (gs_strtab_get(&t->switch_names, name, len))
        return gs_errf(&t->err, GS_EEXIST, "switch \"%s\" already exists",
                       name);
    const char *iname = gs_intern(&t->strings, name, len);
    if (!iname || !GS_GROW(t->switches, t->cap_switches, t->n_switches + 1) ||
        !gs_strtab_put(&t->switch_names, iname, len, (uint32_t)t->n_switches))
        return gs_errf(&t->err, GS_ENOMEM, "out of memory");
    t->switches[t->n_switches] =
        (gs_switch_rec){iname, GS_NONE, 0, link_speed};
    if (sw)
        *sw = (uint32_t)t->n_switches;
    t->n_switches++;
    return GS_OK;
}

GS_API gs_status gs_topo_set_switch_parent(gs_topo *t, uint32_t child,
                                           uint32_t parent)
{
    CHECK_BUILDING(t);
    if (child >= t->n_switches || parent >= t->n_switches)
        return gs_errf(&t->err, GS_EINVAL,
                       "switch %u does not exist (the topology has %zu "
                       "switches)",
                       child >= t->n_switches ? child : parent,
                       t->n_switches);
    if (child == parent)
        return gs_errf(&t->err, GS_EINVAL,
                       "switch \"%s\" cannot be its own parent",
                       t->switches[child].name);
    gs_switch_rec *c = &t->switches[child];
    if (c->parent != GS_NONE && c->parent != parent)
        return gs_errf(&t->err, GS_EEXIST,
                       "switch \"%s\" is already below \"%s\"; it cannot also "
                       "be below \"%s\"",
                       c->name, t->switches[c->parent].name,
                       t->switches[parent].name);
    c->parent = parent;
    return GS_OK;
}

GS_API gs_status gs_topo_attach_node(gs_topo *t, uint32_t node, uint32_t sw)
{
    CHECK_BUILDING(t);
    if (node >= t->n_nodes)
        return gs_errf(&t->err, GS_EINVAL, "node %u does not exist", node);
    if (sw >= t->n_switches)
        return gs_errf(&t->err, GS_EINVAL, "switch %u does not exist", sw);
    gs_node_rec *n = &t->nodes[node];
    if (n->sw != GS_NONE && n->sw != sw)
        return gs_errf(&t->err, GS_EEXIST,
                       "node \"%s\" is already on switch \"%s\"; it cannot also "
                       "be on \"%s\"",
                       n->name, t->switches[n->sw].name, t->switches[sw].name);
    n->sw = sw;
    return GS_OK;
}

GS_API gs_status gs_topo_add_nvlink_domain(gs_topo *t, const char *name,
                                           uint32_t *domain)
{
    CHECK_BUILDING(t);
    gs_status st = gs_check_name("NVLink domain", name, &t->err);
    if (st != GS_OK)
        return st;
    size_t len = strlen(name);
    if (gs_strtab_get(&t->domain_names, name, len))
        return gs_errf(&t->err, GS_EEXIST,
                       "NVLink domain \"%s\" already exists", name);
    const char *iname = gs_intern(&t->strings, name, len);
    if (!iname || !GS_GROW(t->domains, t->cap_domains, t->n_domains + 1) ||
        !gs_strtab_put(&t->domain_names, iname, len, (uint32_t)t->n_domains))
        return gs_errf(&t->err, GS_ENOMEM, "out of memory");
    t->domains[t->n_domains] = (gs_domain_rec){iname, 0};
    if (domain)
        *domain = (uint32_t)t->n_domains;
    t->n_domains++;
    return GS_OK;
}

GS_API gs_status gs_topo_set_node_domain(gs_topo *t, uint32_t domain,
                                         uint32_t node)
{
    CHECK_BUILDING(t);
    if (node >= t->n_nodes)
        return gs_errf(&t->err, GS_EINVAL, "node %u does not exist", node);
    if (domain >= t->n_domains)
        return gs_errf(&t->err, GS_EINVAL, "NVLink domain %u does not exist",
                       domain);
    gs_node_rec *n = &t->nodes[node];
    if (n->domain != GS_NONE && n->domain != domain)
        return gs_errf(&t->err, GS_EEXIST,
                       "node \"%s\" (all its GPUs) is already in NVLink domain "
                       "\"%s\"; a GPU cannot be in two domains (\"%s\")",
                       n->name, t->domains[n->domain].name,
                       t->domains[domain].name);
    n->domain = domain;
    return GS_OK;
}

/* ---- node features and weights ---------------------------------------- */

bool gs_feature_name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' ||
           c == '+' || c == '-';
}

uint32_t gs_topo_feature_index(const gs_topo *t, const char *name, size_t len)
{
    const gs_strtab_slot *s = gs_strtab_get(&t->feature_names, name, len);
    return s ? s->val : GS_NONE;
}

/* "who: " for messages, or "". */
static gs_status feature_err(gs_err *err, gs_status st, const char *who,
                             const char *fmt, ...) GS_PRINTF(4, 5);
static gs_status feature_err(gs_err *err, gs_status st, const char *who,
                             const char *fmt, ...)
{
    char what[GS_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return gs_errf(err, st, "%s%s%s", who ? who : "", who ? ": " : "", what);
}

gs_status gs_topo_intern_features(gs_topo *t, const char *list, size_t len,
                                  char sep, const char *who, uint64_t *mask,
                                  size_t *bad, gs_err *err)
{
    /* Pass 1 checks every name and finds the new ones (at most
     * GS_MAX_FEATURES of them fit, so they are kept on the stack); pass 2
     * allocates, then adds them in a step that cannot fail. */
    struct {
        size_t off, len;
    } fresh[GS_MAX_FEATURES];
    uint32_t n_fresh = 0;
    uint64_t m = 0;
    *mask = 0;
    if (bad)
        *bad = 0;
    for (size_t i = 0; i < len || (sep == '\0' && i == 0);) {
        size_t j = i;
        while (j < len && (sep == '\0' || list[j] != sep))
            j++;
        const char *name = list + i;
        size_t n = j - i;
        char q[80];
        if (bad)
            *bad = i;
        if (n == 0 && sep == '\0')
            return feature_err(err, GS_EINVAL, who, "empty feature name");
        if (n == 0)
            return feature_err(err, GS_EINVAL, who,
                               "empty feature name in \"%s\" at offset %zu "
                               "(names are separated by single commas)",
                               gs_printable(q, sizeof q, list, len), i);
        for (size_t k = 0; k < n; k++)
            if (!gs_feature_name_char((unsigned char)name[k]))
                return feature_err(
                    err, GS_EINVAL, who,
                    "feature \"%s\" has a character that is not allowed at "
                    "offset %zu (byte 0x%02x; feature names are letters, "
                    "digits and _ . : + -)",
                    gs_printable(q, sizeof q, name, n), k,
                    (unsigned char)name[k]);
        if (n > GS_MAX_FEATURE_NAME)
            return feature_err(err, GS_EINVAL, who,
                               "feature \"%s\" is longer than %u characters",
                               gs_printable(q, sizeof q, name, n),
                               GS_MAX_FEATURE_NAME);
        uint32_t idx = gs_topo_feature_index(t, name, n);
        for (uint32_t k = 0; idx == GS_NONE && k < n_fresh; k++)
            if (fresh[k].len == n && !memcmp(list + fresh[k].off, name, n))
                idx = t->n_features + k;
        if (idx == GS_NONE) {
            if (t->n_features + n_fresh >= GS_MAX_FEATURES)
                return feature_err(err, GS_ERANGE, who,
                                   "feature \"%s\" would be the topology's "
                                   "%uth distinct feature; at most %u are "
                                   "allowed",
                                   gs_printable(q, sizeof q, name, n),
                                   GS_MAX_FEATURES + 1, GS_MAX_FEATURES);
            idx = t->n_features + n_fresh;
            fresh[n_fresh].off = i;
            fresh[n_fresh].len = n;
            n_fresh++;
        }
        m |= UINT64_C(1) << idx;
        i = j + 1;
        if (sep == '\0')
            break;
        if (j + 1 == len) /* a trailing comma */
            return feature_err(err, GS_EINVAL, who,
                               "empty feature name at the end of \"%s\"",
                               gs_printable(q, sizeof q, list, len));
    }
    if (n_fresh) {
        if (!t->features) {
            t->features = gs_malloc(GS_MAX_FEATURES * sizeof *t->features);
            if (!t->features)
                return gs_errf(err, GS_ENOMEM, "out of memory");
            t->cap_features = GS_MAX_FEATURES;
        }
        if (!gs_strtab_reserve(&t->feature_names, GS_MAX_FEATURES))
            return gs_errf(err, GS_ENOMEM, "out of memory");
        const char *names[GS_MAX_FEATURES];
        for (uint32_t k = 0; k < n_fresh; k++)
            if (!(names[k] = gs_intern(&t->strings, list + fresh[k].off,
                                       fresh[k].len)))
                return gs_errf(err, GS_ENOMEM, "out of memory");
        for (uint32_t k = 0; k < n_fresh; k++) {
            /* reserved above: cannot fail */
            gs_strtab_put(&t->feature_names, names[k], fresh[k].len,
                          t->n_features);
            t->features[t->n_features++] = names[k];
        }
    }
    *mask = m;
    return GS_OK;
}

GS_API gs_status gs_topo_set_node_features(gs_topo *t, uint32_t node,
                                           const char *features)
{
    CHECK_BUILDING(t);
    if (node >= t->n_nodes)
        return gs_errf(&t->err, GS_EINVAL, "node %u does not exist", node);
    char who[GS_MAX_NAME + 16];
    snprintf(who, sizeof who, "node \"%s\"", t->nodes[node].name);
    uint64_t mask = 0;
    gs_status st = gs_topo_intern_features(
        t, features ? features : "", features ? strlen(features) : 0, ',',
        who, &mask, NULL, &t->err);
    if (st == GS_OK)
        t->nodes[node].features = mask;
    return st;
}

GS_API gs_status gs_topo_set_node_weight(gs_topo *t, uint32_t node,
                                         uint32_t weight)
{
    CHECK_BUILDING(t);
    if (node >= t->n_nodes)
        return gs_errf(&t->err, GS_EINVAL, "node %u does not exist", node);
    if (weight > GS_NODE_WEIGHT_MAX)
        return gs_errf(&t->err, GS_ERANGE,
                       "node \"%s\": weight %u is out of range (0 to %u, as "
                       "Slurm's Weight)",
                       t->nodes[node].name, weight, GS_NODE_WEIGHT_MAX);
    t->nodes[node].weight = weight;
    return GS_OK;
}

/* ---- freeze ------------------------------------------------------------ */

static int cmp_range_lo(const void *arg, uint32_t a, uint32_t b)
{
    const gs_cpu_range *r = arg;
    if (r[a].lo != r[b].lo)
        return r[a].lo < r[b].lo ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* No CPU in two NUMA domains. Ranges are canonical within each domain
 * (the cpulist parser sees to it), so a sweep over all of the node's
 * ranges sorted by their start finds the smallest CPU in two domains in
 * O(r log r); comparing every pair of domains cost O(domains^2). */
static gs_status cpus_disjoint(gs_topo *t, const gs_node_rec *n)
{
    const gs_ntype *ty = n->type;
    if (ty->n_numa < 2 || ty->n_ranges < 2)
        return GS_OK;
    uint32_t *idx = gs_malloc(ty->n_ranges * sizeof *idx);
    uint32_t *dom = gs_malloc(ty->n_ranges * sizeof *dom);
    if (!idx || !dom) {
        gs_free(idx);
        gs_free(dom);
        return gs_errf(&t->err, GS_ENOMEM, "out of memory");
    }
    for (uint32_t d = 0; d < ty->n_numa; d++)
        for (uint32_t k = 0; k < ty->numa[d].range_n; k++)
            dom[ty->numa[d].range_off + k] = d;
    for (uint32_t k = 0; k < ty->n_ranges; k++)
        idx[k] = k;
    gs_sort_idx(idx, ty->n_ranges, cmp_range_lo, ty->cpus);
    gs_status st = GS_OK;
    uint32_t widest = idx[0]; /* the range reaching furthest so far */
    for (uint32_t k = 1; k < ty->n_ranges; k++) {
        const gs_cpu_range *r = &ty->cpus[idx[k]], *w = &ty->cpus[widest];
        if (r->lo <= w->hi && dom[idx[k]] != dom[widest]) {
            st = gs_errf(&t->err, GS_EINVALID,
                         "node \"%s\": CPU %u is in NUMA domains %u and %u",
                         n->name, r->lo, GS_MIN(dom[idx[k]], dom[widest]),
                         GS_MAX(dom[idx[k]], dom[widest]));
            break;
        }
        if (r->hi > w->hi)
            widest = idx[k];
    }
    gs_free(idx);
    gs_free(dom);
    return st;
}

static int cmp_os_id(const void *arg, uint32_t a, uint32_t b)
{
    const gs_numa_rec *r = arg;
    if (r[a].os_id != r[b].os_id)
        return r[a].os_id < r[b].os_id ? -1 : 1;
    return a < b ? -1 : a > b;
}

uint32_t gs_ntype_os_id_twin(const gs_ntype *ty, uint32_t *earlier)
{
    /* sorted, so that 4096 domains cost no more than sorting them (the
     * stack holds 16 KiB of indexes) */
    uint32_t idx[GS_MAX_NUMA_PER_NODE];
    uint32_t later = GS_NONE;
    for (uint32_t a = 0; a < ty->n_numa; a++)
        idx[a] = a;
    gs_sort_idx(idx, ty->n_numa, cmp_os_id, ty->numa);
    for (uint32_t k = 1; k < ty->n_numa; k++)
        if (ty->numa[idx[k]].os_id == ty->numa[idx[k - 1]].os_id &&
            idx[k] < later) {
            later = idx[k]; /* ties sort by index: idx[k - 1] is earlier */
            *earlier = idx[k - 1];
        }
    return later;
}

static gs_status validate_type(gs_topo *t, const gs_node_rec *n)
{
    const gs_ntype *ty = n->type;
    uint32_t earlier = 0, later = gs_ntype_os_id_twin(ty, &earlier);
    if (later != GS_NONE)
        return gs_errf(&t->err, GS_EINVALID,
                       "node \"%s\": NUMA domains %u and %u have the same "
                       "OS id %u",
                       n->name, earlier, later, ty->numa[later].os_id);
    gs_status st = cpus_disjoint(t, n);
    if (st != GS_OK)
        return st;
    for (uint32_t g = 0; g < ty->n_gpus; g++) {
        const gs_gpu_rec *r = &ty->gpus[g];
        if (r->numa != GS_NONE16 && r->numa >= ty->n_numa)
            return gs_errf(&t->err, GS_EINVALID,
                           "node \"%s\": GPU %u is in NUMA domain %u, but the "
                           "node has %u NUMA domains",
                           n->name, g, r->numa, ty->n_numa);
        if (r->pci)
            for (uint32_t h = 0; h < g; h++)
                if (ty->gpus[h].pci == r->pci)
                    return gs_errf(&t->err, GS_EINVALID,
                                   "node \"%s\": GPUs %u and %u have the same "
                                   "PCI bus id %s",
                                   n->name, h, g, r->pci);
    }
    /* Links are symmetric by construction (gs_ntype_set_link writes both
     * cells); check it anyway, it is what placement relies on. */
    for (uint32_t i = 0; i < ty->n_gpus; i++)
        for (uint32_t j = i + 1; j < ty->n_gpus; j++)
            if (memcmp(gs_ntype_cell(ty, i, j), gs_ntype_cell(ty, j, i),
                       sizeof(gs_cell)) != 0)
                return gs_errf(&t->err, GS_EINVALID,
                               "node \"%s\": the link GPU%u-GPU%u differs from "
                               "GPU%u-GPU%u",
                               n->name, i, j, j, i);
    return GS_OK;
}

static gs_status validate_switches(gs_topo *t, uint8_t *state)
{
    /* state: 0 unvisited, 1 on the current path, 2 done */
    for (size_t s = 0; s < t->n_switches; s++) {
        size_t cur = s, steps = 0;
        while (cur != GS_NONE && state[cur] == 0) {
            state[cur] = 1;
            cur = t->switches[cur].parent;
            if (++steps > t->n_switches)
                break;
        }
        if (cur != GS_NONE && state[cur] == 1)
            return gs_errf(&t->err, GS_EINVALID,
                           "switch \"%s\" is its own ancestor (a cycle in the "
                           "switch tree)",
                           t->switches[cur].name);
        for (cur = s; cur != GS_NONE && state[cur] == 1;
             cur = t->switches[cur].parent)
            state[cur] = 2;
    }
    return GS_OK;
}

static uint64_t hash_type(const gs_ntype *ty)
{
    uint32_t h = gs_hash_bytes(&ty->n_gpus, sizeof ty->n_gpus, 1);
    h = gs_hash_bytes(&ty->n_numa, sizeof ty->n_numa, h);
    h = gs_hash_bytes(&ty->n_ranges, sizeof ty->n_ranges, h);
    h = gs_hash_bytes(ty->bw_set, sizeof ty->bw_set, h);
    if (ty->n_ranges)
        h = gs_hash_bytes(ty->cpus, ty->n_ranges * sizeof *ty->cpus, h);
    for (uint32_t i = 0; i < ty->n_numa; i++)
        h = gs_hash_bytes(&ty->numa[i].os_id, sizeof ty->numa[i].os_id, h);
    for (uint32_t i = 0; i < ty->n_gpus; i++) {
        const gs_gpu_rec *g = &ty->gpus[i];
        h = gs_hash_bytes(&g->memory, sizeof g->memory, h);
        h = gs_hash_bytes(&g->numa, sizeof g->numa, h);
        h = gs_hash_bytes(&g->model, sizeof g->model, h);
    }
    if (ty->n_gpus)
        h = gs_hash_bytes(ty->cells,
                          (size_t)ty->n_gpus * ty->n_gpus * sizeof *ty->cells,
                          h);
    return h;
}

static bool types_equal(const gs_ntype *a, const gs_ntype *b)
{
    if (a->n_gpus != b->n_gpus || a->n_numa != b->n_numa ||
        a->n_ranges != b->n_ranges ||
        memcmp(a->bw_set, b->bw_set, sizeof a->bw_set) != 0)
        return false;
    for (uint32_t i = 0; i < a->n_numa; i++)
        if (a->numa[i].memory != b->numa[i].memory ||
            a->numa[i].range_off != b->numa[i].range_off ||
            a->numa[i].range_n != b->numa[i].range_n ||
            a->numa[i].os_id != b->numa[i].os_id)
            return false;
    if (a->n_ranges &&
        memcmp(a->cpus, b->cpus, a->n_ranges * sizeof *a->cpus) != 0)
        return false;
    for (uint32_t i = 0; i < a->n_gpus; i++) {
        const gs_gpu_rec *x = &a->gpus[i], *y = &b->gpus[i];
        if (x->model != y->model || x->pci != y->pci ||
            x->memory != y->memory || x->sm_count != y->sm_count ||
            x->numa != y->numa || x->cc_major != y->cc_major ||
            x->cc_minor != y->cc_minor || x->fabric != y->fabric ||
            x->fabric_links != y->fabric_links)
            return false;
    }
    return a->n_gpus == 0 ||
           memcmp(a->cells, b->cells,
                  (size_t)a->n_gpus * a->n_gpus * sizeof *a->cells) == 0;
}

/* Compact the cell table to stride n_gpus, infer unknown PCIe levels and
 * compute bandwidths. Cannot fail. */
static void finish_type(const gs_topo *t, gs_ntype *ty)
{
    uint32_t n = ty->n_gpus;
    if (ty->cap_gpus != n && n) {
        for (uint32_t i = 0; i < n; i++)
            memmove(ty->cells + (size_t)i * n,
                    ty->cells + (size_t)i * ty->cap_gpus, n * sizeof(gs_cell));
    }
    ty->cap_gpus = n;
    for (int s = 0; s < BW_SLOTS; s++)
        ty->bw_eff[s] = ty->bw_set[s]   ? ty->bw_set[s]
                        : t->bw_default[s] ? t->bw_default[s]
                                           : gs_bw_builtin[s];
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t j = 0; j < n; j++) {
            gs_cell *c = &ty->cells[(size_t)i * n + j];
            if (i == j) {
                *c = (gs_cell){0, 0, 0, GS_SOURCE_FILE, 0};
                continue;
            }
            if (c->pcie == GS_PCIE_UNKNOWN) {
                /* Rule: same known NUMA domain -> NODE, otherwise SYS. */
                const gs_gpu_rec *a = &ty->gpus[i], *b = &ty->gpus[j];
                c->pcie = (a->numa != GS_NONE16 && a->numa == b->numa)
                              ? GS_PCIE_NODE
                              : GS_PCIE_SYS;
                c->flags |= CELL_PCIE_INFERRED;
            }
            if (!(c->flags & CELL_BW_SET)) {
                const gs_gpu_rec *a = &ty->gpus[i], *b = &ty->gpus[j];
                uint64_t links = c->nvlinks;
                if (a->fabric != GS_NONE8 && a->fabric == b->fabric)
                    links += GS_MIN(a->fabric_links, b->fabric_links);
                uint64_t bw = links ? links * ty->bw_eff[BW_PER_LINK]
                                    : ty->bw_eff[c->pcie];
                c->bw = bw > GS_BW_MAX_MBS ? GS_BW_MAX_MBS : (uint32_t)bw;
            }
        }
    }
}

GS_API gs_status gs_topo_freeze(gs_topo *t)
{
    CHECK_BUILDING(t);
    gs_status st;
    /* 1. Validate and allocate without changing anything. */
    uint64_t total_gpus = 0;
    for (size_t i = 0; i < t->n_nodes; i++) {
        const gs_node_rec *n = &t->nodes[i];
        total_gpus += n->type->n_gpus;
        if (i == 0 || n->type != t->nodes[i - 1].type)
            if ((st = validate_type(t, n)) != GS_OK)
                return st;
    }
    if (total_gpus >= UINT32_MAX)
        return gs_errf(&t->err, GS_ERANGE, "too many GPUs in the cluster");
    size_t slot_cap = 16;
    while (slot_cap < t->n_nodes * 2)
        slot_cap *= 2;
    uint8_t *state = gs_calloc(t->n_switches + 1, 1);
    uint32_t *gpu_node = gs_malloc((total_gpus + 1) * sizeof *gpu_node);
    gs_ntype **types = gs_malloc((t->n_nodes + 1) * sizeof *types);
    uint32_t *slot = gs_malloc(slot_cap * sizeof *slot);
    size_t n_uuids = 0;
    for (size_t i = 0; i < t->n_nodes; i++)
        for (uint32_t g = 0; t->nodes[i].uuids && g < t->nodes[i].type->n_gpus;
             g++)
            n_uuids += t->nodes[i].uuids[g] != NULL;
    size_t uuid_cap = 16;
    while (uuid_cap < n_uuids * 2)
        uuid_cap *= 2;
    uint32_t *uuid_slots = gs_malloc(uuid_cap * sizeof *uuid_slots);
    /* Where each node's GPUs start, before the nodes themselves say it. */
    uint32_t *first = gs_malloc((t->n_nodes + 1) * sizeof *first);
    if (!state || !gpu_node || !types || !slot || !uuid_slots || !first) {
        st = gs_errf(&t->err, GS_ENOMEM, "out of memory");
        goto fail;
    }
    {
        uint32_t g0 = 0;
        for (size_t i = 0; i < t->n_nodes; i++) {
            first[i] = g0;
            for (uint32_t g = 0; g < t->nodes[i].type->n_gpus; g++)
                gpu_node[g0++] = (uint32_t)i;
        }
    }
    if ((st = validate_switches(t, state)) != GS_OK)
        goto fail;
    /* UUIDs unique across the cluster: index them by cluster-wide GPU id
     * (the index stays, for gs_topo_find_gpu_uuid). */
    for (size_t k = 0; k < uuid_cap; k++)
        uuid_slots[k] = GS_NONE;
    uint32_t gid = 0;
    for (size_t i = 0; i < t->n_nodes; i++) {
        const gs_node_rec *n = &t->nodes[i];
        for (uint32_t g = 0; g < n->type->n_gpus; g++, gid++) {
            const char *u = n->uuids ? n->uuids[g] : NULL;
            if (!u)
                continue;
            size_t h = gs_hash_bytes(u, strlen(u), 0) & (uuid_cap - 1);
            for (; uuid_slots[h] != GS_NONE; h = (h + 1) & (uuid_cap - 1)) {
                uint32_t on_i = gpu_node[uuid_slots[h]];
                const gs_node_rec *on = &t->nodes[on_i];
                uint32_t other = uuid_slots[h] - first[on_i];
                if (strcmp(on->uuids[other], u) == 0) {
                    st = gs_errf(&t->err, GS_EINVALID,
                                 "GPU UUID %s is used twice: node \"%s\" GPU "
                                 "%u and node \"%s\" GPU %u",
                                 u, on->name, other, n->name, g);
                    goto fail;
                }
            }
            uuid_slots[h] = gid;
        }
    }

    /* 2. From here on nothing can fail. Finish each distinct type, then
     * merge equal types (found through their hashes). */
    for (size_t i = 0; i < t->n_nodes; i++)
        t->nodes[i].type->id = GS_NONE;
    uint32_t n_types = 0;
    for (size_t i = 0; i < t->n_nodes; i++) {
        gs_ntype *ty = t->nodes[i].type;
        if (ty->id != GS_NONE)
            continue;
        finish_type(t, ty);
        ty->hash = hash_type(ty);
        ty->id = n_types;
        types[n_types++] = ty;
    }
    for (size_t k = 0; k < slot_cap; k++)
        slot[k] = GS_NONE;
    uint32_t kept = 0;
    for (uint32_t k = 0; k < n_types; k++) {
        gs_ntype *ty = types[k];
        size_t h = (size_t)ty->hash & (slot_cap - 1);
        gs_ntype *same = NULL;
        while (slot[h] != GS_NONE) {
            gs_ntype *o = types[slot[h]];
            if (o->hash == ty->hash && types_equal(o, ty)) {
                same = o;
                break;
            }
            h = (h + 1) & (slot_cap - 1);
        }
        if (same) {
            ty->id = same->id; /* merged: points at the kept twin */
            continue;
        }
        slot[h] = kept;
        ty->id = kept;
        types[kept++] = ty;
    }
    n_types = kept;
    for (size_t i = 0; i < t->n_nodes; i++) {
        gs_node_rec *n = &t->nodes[i];
        gs_ntype *keep = types[n->type->id];
        if (keep != n->type) {
            if (!keep->origin)
                keep->origin = n->type->origin;
            keep->refs++;
            gs_ntype_unref(n->type);
            n->type = keep;
        }
    }
    tcache_clear(t);
    /* 3. Cluster-wide GPU numbering, switch depths, domain sizes. */
    gid = 0;
    for (size_t i = 0; i < t->n_nodes; i++) {
        gs_node_rec *n = &t->nodes[i];
        n->first_gpu = gid;
        for (uint32_t g = 0; g < n->type->n_gpus; g++)
            gpu_node[gid++] = (uint32_t)i;
        if (n->domain != GS_NONE)
            t->domains[n->domain].size++;
    }
    /* Depths in one pass over each chain: walk up to the first switch
     * whose depth is known (or a root), then down again. Walking up from
     * every switch to its root cost O(switches x depth): 25 s for a chain
     * of 100,000. */
    for (size_t s = 0; s < t->n_switches; s++)
        t->switches[s].depth = GS_NONE;
    for (size_t s = 0; s < t->n_switches; s++) {
        uint32_t steps = 0, top = (uint32_t)s;
        while (t->switches[top].depth == GS_NONE &&
               t->switches[top].parent != GS_NONE) {
            top = t->switches[top].parent;
            steps++;
        }
        uint32_t d = t->switches[top].depth == GS_NONE
                         ? 0
                         : t->switches[top].depth;
        t->switches[top].depth = d;
        /* validate_switches refused cycles, so this walk ends at top */
        for (uint32_t x = (uint32_t)s; steps > 0;
             x = t->switches[x].parent, steps--)
            t->switches[x].depth = d + steps;
    }
    gs_free(state);
    gs_free(slot);
    gs_free(first);
    t->types = types;
    t->n_types = n_types;
    t->gpu_node = gpu_node;
    t->n_gpus = gid;
    t->uuid_slots = uuid_slots;
    t->uuid_cap = uuid_cap;
    t->frozen = true;
    gs_err_clear(&t->err);
    return GS_OK;
fail:
    gs_free(state);
    gs_free(gpu_node);
    gs_free(types);
    gs_free(slot);
    gs_free(uuid_slots);
    gs_free(first);
    return st;
}
