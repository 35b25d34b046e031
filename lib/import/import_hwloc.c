/*
 * The hwloc importer: one node from an hwloc topology, either the machine
 * we run on (hwloc_topology_load) or an hwloc XML export given as text.
 *
 * What is read, what is inferred and what is left out is documented in
 * docs/formats.md; the rules that decide something are restated next
 * to the code that applies them.
 *
 * Memory: every allocation of ours goes through the allocator hooks
 * (gs_malloc...). hwloc allocates its topology, bitmaps and distance
 * matrices with its own malloc: the hooks cannot reach those. They are all
 * released before the import returns, on every path.
 *
 * Built without hwloc (no GS_HAVE_HWLOC), both entry points return
 * GS_EUNSUPPORTED.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "import/import_hwloc.h"

#include <errno.h>
#include <string.h>

#if !defined(GS_HAVE_HWLOC)

gs_status gs_import_hwloc_xml(gs_topo *t, const char *text, size_t len,
                              const char *name, const gs_load_options *o)
{
    (void)text;
    (void)len;
    (void)o;
    return gs_errf(&t->err, GS_EUNSUPPORTED,
                   "%s: this gpusched was built without hwloc, so it cannot "
                   "read hwloc XML (install libhwloc-dev and rebuild)",
                   name);
}

gs_status gs_import_hwloc_live(gs_topo *t, const gs_load_options *o)
{
    (void)o;
    return gs_errf(&t->err, GS_EUNSUPPORTED,
                   "hwloc: this gpusched was built without hwloc, so it "
                   "cannot read this machine's topology (install "
                   "libhwloc-dev and rebuild)");
}

/* The probe's view: never opened, so the queries are never reached. */
gs_status gs_hwloc_open(gs_hwloc **out, gs_topo *t, uint32_t node,
                        const char *xml, size_t len, const char *name,
                        bool nvlinks, const gs_load_options *o)
{
    (void)node;
    (void)nvlinks;
    (void)len;
    *out = NULL;
    if (xml)
        return gs_import_hwloc_xml(t, xml, len, name, o);
    return gs_import_hwloc_live(t, o);
}

void gs_hwloc_close(gs_hwloc *h) { (void)h; }

uint32_t gs_hwloc_numa_count(const gs_hwloc *h)
{
    (void)h;
    return 0;
}

bool gs_hwloc_has_pci(const gs_hwloc *h, const char *pci)
{
    (void)h;
    (void)pci;
    return false;
}

uint32_t gs_hwloc_pci_numa(const gs_hwloc *h, const char *pci)
{
    (void)h;
    (void)pci;
    return GS_NONE;
}

gs_pcie_level gs_hwloc_pci_level(const gs_hwloc *h, const char *a,
                                 const char *b)
{
    (void)h;
    (void)a;
    (void)b;
    return GS_PCIE_UNKNOWN;
}

bool gs_hwloc_has_nvlinks(const gs_hwloc *h)
{
    (void)h;
    return false;
}

gs_status gs_hwloc_pair_nvlink(gs_hwloc *h, const char *a, const char *b,
                               gs_link_info *li)
{
    (void)h;
    (void)a;
    (void)b;
    (void)li;
    return GS_OK;
}

void gs_hwloc_gpu_fabric(const gs_hwloc *h, const char *pci,
                         uint32_t *fabric, uint32_t *links)
{
    (void)h;
    (void)pci;
    *fabric = GS_NONE;
    *links = 0;
}

#else /* GS_HAVE_HWLOC */

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include <hwloc.h>
#include <hwloc/distances.h>

/* hwloc's XML parsers (libxml2 or its own) are not ours to harden; the
 * size limit bounds what a hostile input can make them do. Real exports
 * are far smaller (a 2-socket, 224-thread machine with its PCI tree is
 * about 1 MiB). */
#define HW_XML_MAX ((size_t)64 << 20)

/* hwloc reports NVLink bandwidth in MB/s; one NVLink 2.0-5.0 lane pair is
 * 25 GB/s in each direction, which is also gpusched's default per link. */
#define HW_NVLINK_MBS 25000u

/* Largest explicit pair bandwidth the builder takes (MB/s). */
#define HW_BW_MAX_MBS 4000000000ull

#define HW_NVIDIA 0x10de
#define HW_CLASS_VGA 0x0300
#define HW_CLASS_3D 0x0302

/* ---- the import context ------------------------------------------------ */

typedef struct hw_gpu {
    hwloc_obj_t key;  /* the PCI device, or the OS device when it has none */
    hwloc_obj_t pci;  /* NULL for a GPU known only as an OS device */
    unsigned found;   /* discovery order: ties in the sort */
    uint32_t numa;    /* our domain index or GS_NONE */
    uint32_t fabric;  /* GS_NONE or 0, 1... */
    uint64_t sw_mbs;  /* bandwidth into NVSwitches, MB/s */
    uint32_t fabric_links;
} hw_gpu;

typedef struct hw_numa {
    unsigned os_index;
    uint32_t dom;   /* our domain index, GS_NONE when skipped */
    bool has_cpus;  /* holds at least one CPU in our model */
    bool os_dup;    /* a kept domain before it has its os_index */
} hw_numa;

/* One NVLink fact: a, b are GPU indexes, or HW_SW + switch index. */
typedef struct hw_edge {
    uint32_t a, b;
    uint64_t mbs;
} hw_edge;

#define HW_SW 0x80000000u
#define HW_IGNORE 0xFFFFFFFFu

typedef struct hw_ctx {
    gs_topo *t;
    hwloc_topology_t topo;
    const char *name; /* for messages: the file name, or "hwloc" */
    const gs_load_options *o;
    uint32_t node;

    hw_numa *numa;
    unsigned n_numa;

    hw_gpu *gpus;
    size_t n_gpus, cap_gpus;

    hwloc_obj_t *sw; /* NVSwitches (non-GPU PCI devices in the matrix) */
    size_t n_sw, cap_sw;
    hw_edge *gg, *gs, *ss; /* GPU-GPU (a < b), GPU-switch, switch-switch */
    size_t n_gg, cap_gg, n_gs, cap_gs, n_ss, cap_ss;
    uint32_t n_fabrics;
    char *xml_copy; /* the text hwloc loaded from, NUL-terminated */
} hw_ctx;

static void ctx_free(hw_ctx *c)
{
    gs_free(c->xml_copy);
    gs_free(c->numa);
    gs_free(c->gpus);
    gs_free(c->sw);
    gs_free(c->gg);
    gs_free(c->gs);
    gs_free(c->ss);
}

static gs_status oom(hw_ctx *c)
{
    return gs_errf(&c->t->err, GS_ENOMEM, "out of memory");
}

/* Something in the input that gpusched cannot take: GS_EPARSE, named after
 * the source (hwloc gives no line numbers for what it loaded). */
static gs_status bad(hw_ctx *c, const char *fmt, ...) GS_PRINTF(2, 3);
static gs_status bad(hw_ctx *c, const char *fmt, ...)
{
    char what[GS_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return gs_errf(&c->t->err, GS_EPARSE, "%s: %s", c->name, what);
}

/* A builder call refused what we derived from the input: keep its message,
 * prefixed with the source, as a parse error (out of memory stays). */
static gs_status refused(hw_ctx *c, gs_status st)
{
    if (st == GS_ENOMEM || st == GS_OK)
        return st;
    char msg[GS_ERRMSG_MAX];
    snprintf(msg, sizeof msg, "%s", c->t->err.msg);
    return bad(c, "%s", msg);
}

#define GROW_OR_OOM(c, arr, cap, need)                                      \
    do {                                                                    \
        if (!GS_GROW(arr, cap, need))                                       \
            return oom(c);                                                  \
    } while (0)

/* ---- small helpers ----------------------------------------------------- */

static bool starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Decimal text to an unsigned value; false unless it is all digits and
 * fits. */
static bool parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* A printable-ASCII copy of s in out (cap bytes) for the GPU model: hwloc
 * strings come from the hardware and may hold anything. Control and
 * non-ASCII bytes become '?', outer spaces go. Returns NULL when empty. */
static const char *clean_text(const char *s, char *out, size_t cap)
{
    if (!s)
        return NULL;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = 0;
    for (; *s && n + 1 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        out[n++] = (ch < 0x20 || ch >= 0x7f) ? '?' : (char)ch;
    }
    while (n && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
    return n ? out : NULL;
}

static bool is_io(hwloc_obj_t o)
{
    return o->type == HWLOC_OBJ_BRIDGE || o->type == HWLOC_OBJ_PCI_DEVICE ||
           o->type == HWLOC_OBJ_OS_DEVICE;
}

/* ---- NUMA domains ------------------------------------------------------ */

/* CPUs of a set as a Linux cpulist, through our allocator. */
static gs_status cpulist_of(hw_ctx *c, hwloc_const_bitmap_t set, char **out)
{
    int need = hwloc_bitmap_list_snprintf(NULL, 0, set);
    if (need < 0)
        return oom(c);
    char *s = gs_malloc((size_t)need + 1);
    if (!s)
        return oom(c);
    hwloc_bitmap_list_snprintf(s, (size_t)need + 1, set);
    *out = s;
    return GS_OK;
}

/*
 * One domain per hwloc NUMA node, in logical order, except the nodes hwloc
 * marks as GPU memory (POWER9 + V100 exposes each GPU's memory as a NUMA
 * node): they are the GPUs' memory, not the host's.
 *
 * A CPU belongs to one domain in our model, but hwloc attaches several NUMA
 * nodes to one set of CPUs when memory comes in tiers (DRAM plus HBM,
 * MCDRAM or CXL memory): each CPU goes to the first node, in logical order,
 * that has it, and the later nodes keep the rest (often nothing: they
 * become memory-only domains).
 */
static gs_status import_numa(hw_ctx *c)
{
    int n = hwloc_get_nbobjs_by_type(c->topo, HWLOC_OBJ_NUMANODE);
    if (n < 0)
        n = 0;
    if ((unsigned)n > GS_MAX_NUMA_PER_NODE)
        return bad(c, "%d NUMA nodes; gpusched takes at most %u per node", n,
                   GS_MAX_NUMA_PER_NODE);
    c->numa = gs_calloc((size_t)n + 1, sizeof *c->numa);
    if (!c->numa)
        return oom(c);
    c->n_numa = (unsigned)n;
    hwloc_bitmap_t taken = hwloc_bitmap_alloc();
    hwloc_bitmap_t mine = hwloc_bitmap_alloc();
    gs_status st = GS_OK;
    uint32_t dom = 0;
    if (!taken || !mine) {
        st = oom(c);
        goto out;
    }
    for (int i = 0; i < n; i++) {
        hwloc_obj_t obj = hwloc_get_obj_by_type(c->topo, HWLOC_OBJ_NUMANODE,
                                                (unsigned)i);
        hw_numa *hn = &c->numa[i];
        hn->dom = GS_NONE;
        if (!obj)
            continue;
        hn->os_index = obj->os_index;
        if (obj->subtype && strcmp(obj->subtype, "GPUMemory") == 0)
            continue;
        if (obj->cpuset) {
            if (hwloc_bitmap_andnot(mine, obj->cpuset, taken) < 0) {
                st = oom(c);
                goto out;
            }
        } else {
            hwloc_bitmap_zero(mine);
        }
        if (hwloc_bitmap_weight(mine) < 0) {
            st = bad(c, "NUMA node P#%u has an infinite CPU set",
                     obj->os_index);
            goto out;
        }
        int last = hwloc_bitmap_last(mine);
        if (last > (int)GS_CPU_MAX) {
            st = bad(c,
                     "NUMA node P#%u has CPU %d, above the largest CPU number "
                     "gpusched takes (%u)",
                     obj->os_index, last, GS_CPU_MAX);
            goto out;
        }
        char *list = NULL;
        if ((st = cpulist_of(c, mine, &list)) != GS_OK)
            goto out;
        uint64_t mem = obj->attr->numanode.local_memory;
        if (mem > (uint64_t)INT64_MAX) {
            /* 8 EiB and more is no machine: hwloc saturates sizes it
             * cannot parse, and gpusched's formats stop at 2^63 - 1 */
            gs_load_warn(c->o,
                         "%s: NUMA node P#%u: local_memory %llu is not "
                         "believable; left unknown",
                         c->name, obj->os_index, (unsigned long long)mem);
            mem = 0;
        }
        st = gs_topo_add_numa(c->t, c->node, list, mem, NULL);
        gs_free(list);
        /* the machine's id for it (hwloc's os_index): what numactl and
         * cgroups take */
        if (st == GS_OK && obj->os_index <= GS_NUMA_OS_ID_MAX)
            st = gs_topo_set_numa_os_id(c->t, c->node, dom, obj->os_index);
        else if (st == GS_OK)
            gs_load_warn(c->o,
                         "%s: NUMA node P#%u: an os_index above %u; the "
                         "domain's OS id is left as its index %u",
                         c->name, obj->os_index, GS_NUMA_OS_ID_MAX, dom);
        if (st != GS_OK) {
            st = refused(c, st);
            goto out;
        }
        hn->dom = dom++;
        hn->has_cpus = !hwloc_bitmap_iszero(mine);
        if (hwloc_bitmap_or(taken, taken, mine) < 0) {
            st = oom(c);
            goto out;
        }
    }
    /* CPUs under no NUMA node would vanish without a word. */
    hwloc_const_bitmap_t all = hwloc_topology_get_topology_cpuset(c->topo);
    if (all && hwloc_bitmap_andnot(mine, all, taken) == 0 &&
        !hwloc_bitmap_iszero(mine) && hwloc_bitmap_weight(mine) > 0) {
        char list[128];
        hwloc_bitmap_list_snprintf(list, sizeof list, mine);
        gs_load_warn(c->o,
                     "%s: CPUs %s are in no NUMA node that gpusched keeps; "
                     "they are left out",
                     c->name, list);
    }
out:
    hwloc_bitmap_free(taken);
    hwloc_bitmap_free(mine);
    return st;
}

static int cmp_numa_os(const void *arg, uint32_t a, uint32_t b)
{
    const hw_numa *n = arg;
    if (n[a].os_index != n[b].os_index)
        return n[a].os_index < n[b].os_index ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* Mark the kept domains whose os_index an earlier kept domain has, so
 * that a GPU's locality counts each os_index once (as hwloc's nodesets
 * do). Sorting keeps this O(n log n) for the 4096 domains a node may
 * have. */
static gs_status mark_os_dups(hw_ctx *c)
{
    uint32_t *idx = gs_malloc(((size_t)c->n_numa + 1) * sizeof *idx);
    if (!idx)
        return oom(c);
    uint32_t n = 0;
    for (unsigned k = 0; k < c->n_numa; k++)
        if (c->numa[k].dom != GS_NONE)
            idx[n++] = k;
    gs_sort_idx(idx, n, cmp_numa_os, c->numa);
    uint32_t dup = GS_NONE;
    for (uint32_t i = 1; i < n; i++) {
        c->numa[idx[i]].os_dup =
            c->numa[idx[i]].os_index == c->numa[idx[i - 1]].os_index;
        if (c->numa[idx[i]].os_dup && dup == GS_NONE)
            dup = c->numa[idx[i]].os_index;
    }
    gs_free(idx);
    /* two NUMA nodes of one machine never share an id (the domains'
     * OS ids would clash) */
    if (dup != GS_NONE)
        return bad(c, "two NUMA nodes have os_index %u", dup);
    return GS_OK;
}

/*
 * A GPU's NUMA domain: hwloc hangs I/O off the smallest CPU-side object
 * that holds its local CPUs (a Package, a Group, the Machine...). Of the
 * NUMA nodes in that object's nodeset, the one that holds CPUs is the
 * GPU's domain (memory-only tiers sharing those CPUs do not count). When
 * the object spans several such nodes (I/O of unknown locality hung off the
 * Machine), the domain is unknown.
 */
static uint32_t gpu_numa(const hw_ctx *c, hwloc_obj_t key)
{
    hwloc_obj_t anc = hwloc_get_non_io_ancestor_obj(c->topo, key);
    if (!anc || !anc->nodeset)
        return GS_NONE;
    uint32_t with_cpus = GS_NONE, any = GS_NONE;
    unsigned n_with_cpus = 0, n_any = 0;
    /* Our domains, each looked up in the nodeset: O(domains) per GPU,
     * whatever the nodeset holds (it may be infinite, or name os_indexes
     * up to a million that are no domain of ours). */
    for (unsigned k = 0; k < c->n_numa; k++) {
        const hw_numa *hn = &c->numa[k];
        if (hn->dom == GS_NONE || hn->os_dup ||
            !hwloc_bitmap_isset(anc->nodeset, hn->os_index))
            continue;
        n_any++;
        any = hn->dom;
        if (hn->has_cpus) {
            n_with_cpus++;
            with_cpus = hn->dom;
        }
        if (n_any > 1 && n_with_cpus > 1)
            break;
    }
    if (n_with_cpus == 1)
        return with_cpus;
    if (n_with_cpus == 0 && n_any == 1)
        return any;
    return GS_NONE;
}

/* ---- finding the GPUs -------------------------------------------------- */

/* The OS devices that are GPUs: NVML, CUDA and OpenCL devices (GPU or
 * co-processor OS devices of those names). DRM devices (card0, renderD128)
 * are left out on purpose: a server's BMC display chip has them too. */
static int gpu_osdev_rank(hwloc_obj_t o)
{
    if (o->type != HWLOC_OBJ_OS_DEVICE || !o->name)
        return -1;
    if (o->attr->osdev.type != HWLOC_OBJ_OSDEV_GPU &&
        o->attr->osdev.type != HWLOC_OBJ_OSDEV_COPROC)
        return -1;
    if (starts_with(o->name, "nvml"))
        return 0;
    if (starts_with(o->name, "cuda"))
        return 1;
    if (starts_with(o->name, "opencl")) {
        /* hwloc only reports OpenCL devices it can place on PCI, but say
         * so explicitly: an OpenCL CPU or accelerator is not a GPU. */
        const char *ty = hwloc_obj_get_info_by_name(o, "OpenCLDeviceType");
        return ty && strcmp(ty, "GPU") != 0 ? -1 : 2;
    }
    return -1;
}

static bool is_nvidia_gpu_pci(hwloc_obj_t o)
{
    return o->type == HWLOC_OBJ_PCI_DEVICE &&
           o->attr->pcidev.vendor_id == HW_NVIDIA &&
           (o->attr->pcidev.class_id == HW_CLASS_VGA ||
            o->attr->pcidev.class_id == HW_CLASS_3D);
}

/* The object that identifies the GPU an OS device belongs to: its PCI
 * device (nvml0 and cuda0 of one board share it), else itself. */
static hwloc_obj_t gpu_key_of_osdev(hwloc_obj_t o)
{
    return o->parent && o->parent->type == HWLOC_OBJ_PCI_DEVICE ? o->parent
                                                                 : o;
}

static size_t find_gpu(const hw_ctx *c, hwloc_obj_t key)
{
    for (size_t i = 0; i < c->n_gpus; i++)
        if (c->gpus[i].key == key)
            return i;
    return SIZE_MAX;
}

static gs_status add_gpu_key(hw_ctx *c, hwloc_obj_t key, unsigned *found)
{
    if (find_gpu(c, key) != SIZE_MAX)
        return GS_OK;
    if (c->n_gpus >= GS_MAX_GPUS_PER_NODE)
        return bad(c, "more than %u GPUs; gpusched takes at most %u per node",
                   GS_MAX_GPUS_PER_NODE, GS_MAX_GPUS_PER_NODE);
    GROW_OR_OOM(c, c->gpus, c->cap_gpus, c->n_gpus + 1);
    hw_gpu *g = &c->gpus[c->n_gpus++];
    memset(g, 0, sizeof *g);
    g->key = key;
    g->pci = key->type == HWLOC_OBJ_PCI_DEVICE ? key : NULL;
    g->found = (*found)++;
    g->numa = GS_NONE;
    g->fabric = GS_NONE;
    return GS_OK;
}

/* nvidia-smi and CUDA_DEVICE_ORDER=PCI_BUS_ID number GPUs by PCI bus id;
 * GPUs without a PCI device follow, in the order hwloc lists them. */
static int cmp_gpu(const void *pa, const void *pb)
{
    const hw_gpu *a = pa, *b = pb;
    if (!a->pci != !b->pci)
        return a->pci ? -1 : 1;
    if (a->pci) {
        const struct hwloc_pcidev_attr_s *x = &a->pci->attr->pcidev,
                                         *y = &b->pci->attr->pcidev;
        unsigned long kx = ((unsigned long)x->domain << 24) |
                           ((unsigned long)x->bus << 16) |
                           ((unsigned long)x->dev << 8) | x->func;
        unsigned long ky = ((unsigned long)y->domain << 24) |
                           ((unsigned long)y->bus << 16) |
                           ((unsigned long)y->dev << 8) | y->func;
        if (kx != ky)
            return kx < ky ? -1 : 1;
    }
    return a->found < b->found ? -1 : a->found > b->found;
}

/*
 * GPUs are the PCI devices that carry an NVML, CUDA or OpenCL OS device,
 * plus NVIDIA PCI devices of display class (VGA 0x0300, 3D 0x0302) that
 * carry none (an export made without the NVML/CUDA plugins): one GPU per
 * PCI device however many OS devices hang off it. OS devices with no PCI
 * device above them (the export left the PCI tree out) cannot be matched
 * across backends, so only those of one backend count: NVML if there are
 * any, else CUDA, else OpenCL.
 */
static gs_status find_gpus(hw_ctx *c)
{
    unsigned found = 0;
    int loose_rank = 3; /* best backend among OS devices without PCI */
    for (hwloc_obj_t o = hwloc_get_next_osdev(c->topo, NULL); o;
         o = hwloc_get_next_osdev(c->topo, o)) {
        int r = gpu_osdev_rank(o);
        if (r < 0)
            continue;
        hwloc_obj_t key = gpu_key_of_osdev(o);
        if (key != o) {
            gs_status st = add_gpu_key(c, key, &found);
            if (st != GS_OK)
                return st;
        } else if (r < loose_rank) {
            loose_rank = r;
        }
    }
    for (hwloc_obj_t o = hwloc_get_next_pcidev(c->topo, NULL); o;
         o = hwloc_get_next_pcidev(c->topo, o)) {
        if (is_nvidia_gpu_pci(o)) {
            gs_status st = add_gpu_key(c, o, &found);
            if (st != GS_OK)
                return st;
        }
    }
    if (loose_rank < 3) {
        for (hwloc_obj_t o = hwloc_get_next_osdev(c->topo, NULL); o;
             o = hwloc_get_next_osdev(c->topo, o))
            if (gpu_osdev_rank(o) == loose_rank && gpu_key_of_osdev(o) == o) {
                gs_status st = add_gpu_key(c, o, &found);
                if (st != GS_OK)
                    return st;
            }
    }
    if (c->n_gpus > 1)
        qsort(c->gpus, c->n_gpus, sizeof *c->gpus, cmp_gpu);
    for (size_t i = 0; i < c->n_gpus; i++)
        c->gpus[i].numa = gpu_numa(c, c->gpus[i].key);
    return GS_OK;
}

/* The GPU's OS devices in order of preference for attributes (NVML, CUDA,
 * OpenCL): out[rank] is the first of each kind, or NULL. */
static void gpu_osdevs(const hw_gpu *g, hwloc_obj_t out[3])
{
    out[0] = out[1] = out[2] = NULL;
    if (!g->pci) {
        int r = gpu_osdev_rank(g->key);
        if (r >= 0)
            out[r] = g->key;
        return;
    }
    for (hwloc_obj_t o = g->pci->io_first_child; o; o = o->next_sibling) {
        int r = gpu_osdev_rank(o);
        if (r >= 0 && !out[r])
            out[r] = o;
    }
}

/* The first of the GPU's OS devices (in preference order) that has the
 * info attribute. */
static const char *gpu_info(hwloc_obj_t devs[3], const char *key)
{
    for (int r = 0; r < 3; r++) {
        const char *v = devs[r] ? hwloc_obj_get_info_by_name(devs[r], key)
                                : NULL;
        if (v && *v)
            return v;
    }
    return NULL;
}

/* A UUID the builder takes: printable ASCII without spaces or commas. */
static bool uuid_ok(const char *u)
{
    size_t n = strlen(u);
    if (!n || n > GS_MAX_NAME)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)u[i];
        if (ch <= 0x20 || ch >= 0x7f || ch == ',')
            return false;
    }
    return true;
}

/* ---- NVLink: the NVLinkBandwidth distances ----------------------------- */

static gs_status push_edge(hw_ctx *c, hw_edge **arr, size_t *n, size_t *cap,
                           uint32_t a, uint32_t b, uint64_t mbs)
{
    if (!GS_GROW(*arr, *cap, *n + 1))
        return oom(c);
    (*arr)[(*n)++] = (hw_edge){a, b, mbs};
    return GS_OK;
}

static int cmp_edge(const void *pa, const void *pb)
{
    const hw_edge *a = pa, *b = pb;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

/* Sort and keep one edge per pair: the larger value. Both directions of a
 * pair and duplicate objects (nvml0 and cuda0 both listed) describe the
 * same wires, so they are not added up. */
static size_t merge_edges(hw_edge *e, size_t n)
{
    if (n < 2)
        return n;
    qsort(e, n, sizeof *e, cmp_edge);
    size_t k = 0;
    for (size_t i = 1; i < n; i++) {
        if (e[i].a == e[k].a && e[i].b == e[k].b) {
            if (e[i].mbs > e[k].mbs)
                e[k].mbs = e[i].mbs;
        } else {
            e[++k] = e[i];
        }
    }
    return k + 1;
}

/* Classify one object of the matrix: a GPU index, HW_SW + a switch index,
 * or HW_IGNORE. */
static gs_status classify(hw_ctx *c, hwloc_obj_t o, uint32_t *out)
{
    *out = HW_IGNORE;
    if (!o)
        return GS_OK;
    hwloc_obj_t key = o->type == HWLOC_OBJ_OS_DEVICE ? gpu_key_of_osdev(o) : o;
    size_t g = find_gpu(c, key);
    if (g != SIZE_MAX) {
        *out = (uint32_t)g;
        return GS_OK;
    }
    /* Any other PCI device in the matrix is an NVSwitch (the DGX-2H
     * export even has one whose id reads 0000:0000, class 0000). CPUs
     * (POWER9 NVLink) and OS devices that are not GPUs are left out. */
    if (o->type != HWLOC_OBJ_PCI_DEVICE)
        return GS_OK;
    size_t s = 0;
    while (s < c->n_sw && c->sw[s] != o)
        s++;
    if (s == c->n_sw) {
        GROW_OR_OOM(c, c->sw, c->cap_sw, c->n_sw + 1);
        c->sw[c->n_sw++] = o;
    }
    *out = HW_SW + (uint32_t)s;
    return GS_OK;
}

static gs_status read_matrix(hw_ctx *c, const struct hwloc_distances_s *d)
{
    unsigned n = d->nbobjs;
    if (!(d->kind & HWLOC_DISTANCES_KIND_MEANS_BANDWIDTH)) {
        gs_load_warn(c->o,
                     "%s: an NVLinkBandwidth matrix that does not hold "
                     "bandwidths is ignored",
                     c->name);
        return GS_OK;
    }
    if (n < 2 || !d->objs || !d->values)
        return GS_OK;
    uint32_t *map = gs_malloc((size_t)n * sizeof *map);
    if (!map)
        return oom(c);
    gs_status st = GS_OK;
    for (unsigned i = 0; i < n && st == GS_OK; i++)
        st = classify(c, d->objs[i], &map[i]);
    for (unsigned i = 0; i < n && st == GS_OK; i++) {
        for (unsigned j = i + 1; j < n && st == GS_OK; j++) {
            /* one pair, the larger of its two directions */
            uint64_t v = GS_MAX(d->values[(size_t)i * n + j],
                                d->values[(size_t)j * n + i]);
            uint32_t x = map[i], y = map[j];
            if (!v || x == HW_IGNORE || y == HW_IGNORE || x == y)
                continue;
            bool xs = x >= HW_SW, ys = y >= HW_SW;
            uint32_t lo = GS_MIN(x, y), hi = GS_MAX(x, y);
            if (!xs && !ys)
                st = push_edge(c, &c->gg, &c->n_gg, &c->cap_gg, lo, hi, v);
            else if (xs && ys)
                st = push_edge(c, &c->ss, &c->n_ss, &c->cap_ss, lo - HW_SW,
                               hi - HW_SW, v);
            else
                st = push_edge(c, &c->gs, &c->n_gs, &c->cap_gs, lo,
                               hi - HW_SW, v);
        }
    }
    gs_free(map);
    return st;
}

/* Gather every NVLinkBandwidth matrix hwloc has (usually one). */
static gs_status read_nvlinks(hw_ctx *c)
{
    struct hwloc_distances_s *d[8];
    unsigned nr = GS_ARRAY_LEN(d);
    if (hwloc_distances_get_by_name(c->topo, "NVLinkBandwidth", &nr, d, 0) <
        0)
        return GS_OK; /* none we can read: PCIe only */
    unsigned got = GS_MIN(nr, (unsigned)GS_ARRAY_LEN(d));
    if (nr > got)
        gs_load_warn(c->o,
                     "%s: %u NVLinkBandwidth matrices; only the first %u are "
                     "read",
                     c->name, nr, got);
    gs_status st = GS_OK;
    for (unsigned i = 0; i < got; i++) {
        if (st == GS_OK)
            st = read_matrix(c, d[i]);
        hwloc_distances_release(c->topo, d[i]);
    }
    if (st != GS_OK)
        return st;
    c->n_gg = merge_edges(c->gg, c->n_gg);
    c->n_gs = merge_edges(c->gs, c->n_gs);
    c->n_ss = merge_edges(c->ss, c->n_ss);
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

/* Links for a bandwidth: exact multiples of 25 GB/s are that many links;
 * anything else (NVLink 1.0 runs 20 GB/s per link) rounds to the nearest
 * count, at least 1, and the caller keeps the exact bandwidth. */
static uint64_t links_for(uint64_t mbs, bool *exact)
{
    *exact = mbs % HW_NVLINK_MBS == 0;
    uint64_t k = mbs / HW_NVLINK_MBS +
                 (mbs % HW_NVLINK_MBS >= HW_NVLINK_MBS / 2);
    return k ? k : 1;
}

/* Write GPU indexes lo..hi of fabric f into buf as "0-7" ranges. */
static void fabric_members(const hw_ctx *c, uint32_t f, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->n_gpus; i++) {
        if (c->gpus[i].fabric != f ||
            (i > 0 && c->gpus[i - 1].fabric == f))
            continue;
        size_t j = i;
        while (j + 1 < c->n_gpus && c->gpus[j + 1].fabric == f)
            j++;
        int w = j > i ? snprintf(buf + used, cap - used, "%s%zu-%zu",
                                 used ? "," : "", i, j)
                      : snprintf(buf + used, cap - used, "%s%zu",
                                 used ? "," : "", i);
        if (w < 0 || (size_t)w >= cap - used) {
            if (cap > 4)
                memcpy(buf + cap - 4, "...", 4);
            return;
        }
        used += (size_t)w;
    }
}

/*
 * NVSwitch fabrics. A GPU's fabric links are its bandwidth into all the
 * switches it reaches, in 25 GB/s links. GPUs and switches joined by
 * GPU-switch or switch-switch entries form connected components; each
 * component with GPUs is one fabric, numbered 0, 1... in GPU order.
 */
static gs_status build_fabrics(hw_ctx *c)
{
    if (!c->n_gs)
        return GS_OK;
    size_t nn = c->n_gpus + c->n_sw;
    uint32_t *parent = gs_malloc((nn + 1) * sizeof *parent);
    uint32_t *fid = gs_malloc((nn + 1) * sizeof *fid);
    if (!parent || !fid) {
        gs_free(parent);
        gs_free(fid);
        return oom(c);
    }
    for (size_t i = 0; i < nn; i++) {
        parent[i] = (uint32_t)i;
        fid[i] = GS_NONE;
    }
    gs_status st = GS_OK;
    for (size_t k = 0; k < c->n_gs; k++) {
        hw_gpu *g = &c->gpus[c->gs[k].a];
        /* saturate: hostile input may hold anything up to 2^64 - 1 */
        g->sw_mbs = c->gs[k].mbs > UINT64_MAX - g->sw_mbs
                        ? UINT64_MAX
                        : g->sw_mbs + c->gs[k].mbs;
        uint32_t ra = uf_find(parent, c->gs[k].a);
        uint32_t rb = uf_find(parent, (uint32_t)c->n_gpus + c->gs[k].b);
        parent[ra] = rb;
    }
    for (size_t k = 0; k < c->n_ss; k++) {
        uint32_t ra = uf_find(parent, (uint32_t)c->n_gpus + c->ss[k].a);
        uint32_t rb = uf_find(parent, (uint32_t)c->n_gpus + c->ss[k].b);
        parent[ra] = rb;
    }
    bool inexact = false;
    for (size_t i = 0; i < c->n_gpus && st == GS_OK; i++) {
        hw_gpu *g = &c->gpus[i];
        if (!g->sw_mbs)
            continue;
        bool exact;
        uint64_t links = links_for(g->sw_mbs, &exact);
        inexact |= !exact;
        if (links > 255) {
            st = bad(c,
                     "GPU %zu has %llu MB/s into NVSwitches, %llu links; "
                     "gpusched takes at most 255",
                     i, (unsigned long long)g->sw_mbs,
                     (unsigned long long)links);
            break;
        }
        g->fabric_links = (uint32_t)links;
        uint32_t r = uf_find(parent, (uint32_t)i);
        if (fid[r] == GS_NONE) {
            if (c->n_fabrics >= 255) {
                st = bad(c,
                         "more than 255 separate NVSwitch fabrics; gpusched "
                         "takes at most 255 per node");
                break;
            }
            fid[r] = c->n_fabrics++;
        }
        g->fabric = fid[r];
    }
    gs_free(parent);
    gs_free(fid);
    if (st != GS_OK)
        return st;
    if (inexact)
        gs_load_warn(c->o,
                     "%s: some GPU's bandwidth into its NVSwitches is not a "
                     "multiple of 25 GB/s; its fabric links were rounded to "
                     "the nearest count",
                     c->name);
    if (c->n_fabrics > 1) {
        /* The DGX-2 case: hwloc shows each baseboard's six switches with
         * their eight GPUs, but not the NVLink trunks between the
         * baseboards' switches. Nothing in the source joins them, so
         * they stay apart; say so, since the real machine may be one
         * fabric. */
        char a[96], b[96];
        fabric_members(c, 0, a, sizeof a);
        fabric_members(c, 1, b, sizeof b);
        gs_load_warn(c->o,
                     "%s: NVLinkBandwidth shows %u NVSwitch fabrics (fabric "
                     "0: GPUs %s; fabric 1: GPUs %s%s) and nothing in the "
                     "source joins them, so GPUs on different fabrics talk "
                     "over PCIe here. hwloc does not export the NVLink "
                     "trunks between NVSwitch baseboards (a DGX-2 or HGX-2 "
                     "has them and is one fabric): if this machine has "
                     "them, describe it in JSON with one fabric",
                     c->name, c->n_fabrics, a, b,
                     c->n_fabrics > 2 ? "; ..." : "");
    }
    return GS_OK;
}

/* ---- PCIe levels ------------------------------------------------------- */

static unsigned obj_depth(hwloc_obj_t o)
{
    unsigned d = 0;
    for (; o->parent; o = o->parent)
        d++;
    return d;
}

/*
 * The PCIe level of two GPUs, from the lowest common ancestor L of their
 * PCI devices in hwloc's tree, with nvidia-smi's meanings:
 *
 *   L is a PCI bridge or device, and each GPU is at most two levels below
 *     it (GPU <- downstream port <- L = the upstream port of one switch):
 *     PIX, they share one PCIe switch;
 *   L is a PCI bridge otherwise (deeper: switches below switches): PXB;
 *   L is a host bridge (different root ports of one root complex): PHB;
 *   L is not an I/O object (different host bridges): NODE when both GPUs
 *     are in the same known NUMA domain, SYS otherwise.
 *
 * docs/formats.md works through the DGX-2H's tree.
 */
static gs_pcie_level pcie_level(const hw_gpu *x, const hw_gpu *y)
{
    hwloc_obj_t a = x->key, b = y->key;
    unsigned da = obj_depth(a), db = obj_depth(b);
    unsigned ha = 0, hb = 0;
    while (da > db) {
        a = a->parent;
        da--;
        ha++;
    }
    while (db > da) {
        b = b->parent;
        db--;
        hb++;
    }
    while (a != b && a->parent && b->parent) {
        a = a->parent;
        b = b->parent;
        ha++;
        hb++;
    }
    if (a == b && is_io(a)) {
        if (a->type == HWLOC_OBJ_BRIDGE &&
            a->attr->bridge.upstream_type == HWLOC_OBJ_BRIDGE_HOST)
            return GS_PCIE_PHB;
        return ha <= 2 && hb <= 2 ? GS_PCIE_PIX : GS_PCIE_PXB;
    }
    return x->numa != GS_NONE && x->numa == y->numa ? GS_PCIE_NODE
                                                     : GS_PCIE_SYS;
}

/* ---- building the node ------------------------------------------------- */

static gs_status add_gpus(hw_ctx *c)
{
    for (size_t i = 0; i < c->n_gpus; i++) {
        hw_gpu *g = &c->gpus[i];
        hwloc_obj_t devs[3];
        gpu_osdevs(g, devs);
        gs_gpu_info info = GS_GPU_INFO_INIT;
        char model[GS_MAX_NAME + 1], pci[32];
        /* Model: the OS devices' GPUModel, else the PCI device's name. */
        info.model =
            clean_text(gpu_info(devs, "GPUModel"), model, sizeof model);
        if (!info.model && g->pci) {
            const char *pn = g->pci->name;
            if (!pn || !*pn)
                pn = hwloc_obj_get_info_by_name(g->pci, "PCIDevice");
            info.model = clean_text(pn, model, sizeof model);
        }
        if (g->pci) {
            const struct hwloc_pcidev_attr_s *p = &g->pci->attr->pcidev;
            if (p->dev <= 0x1f && p->func <= 7) {
                snprintf(pci, sizeof pci, "%04x:%02x:%02x.%x",
                         (unsigned)p->domain, (unsigned)p->bus,
                         (unsigned)p->dev, (unsigned)p->func);
                info.pci_bus_id = pci;
            } else {
                gs_load_warn(c->o,
                             "%s: GPU %zu: PCI device %02x.%x is not a valid "
                             "device.function; its bus id is left out",
                             c->name, i, (unsigned)p->dev,
                             (unsigned)p->func);
            }
        }
        const char *uuid = gpu_info(devs, "NVIDIAUUID");
        if (uuid && uuid_ok(uuid))
            info.uuid = uuid;
        else if (uuid)
            gs_load_warn(c->o,
                         "%s: GPU %zu: UUID \"%.64s\" has spaces, commas or "
                         "non-ASCII bytes; left out",
                         c->name, i, uuid);
        uint64_t v;
        /* hwloc gives memory sizes in KiB */
        const char *mem = gpu_info(devs, "CUDAGlobalMemorySize");
        if (!mem)
            mem = gpu_info(devs, "OpenCLGlobalMemorySize");
        if (parse_u64(mem, &v) && v <= (uint64_t)INT64_MAX / 1024)
            info.memory_bytes = v * 1024;
        if (parse_u64(gpu_info(devs, "CUDAMultiProcessors"), &v) &&
            v <= UINT32_MAX)
            info.sm_count = (uint32_t)v;
        info.numa = g->numa;
        info.fabric = g->fabric;
        info.fabric_links = g->fabric_links;
        gs_status st = gs_topo_add_gpu(c->t, c->node, &info, NULL);
        if (st != GS_OK)
            return refused(c, st);
    }
    return GS_OK;
}

/* The NVLink part of the link between GPUs i < j from their matrix entry
 * (mbs MB/s of direct wires): the wire count and, when the figure is not a
 * multiple of 25 GB/s, the exact bandwidth. */
static gs_status edge_link(hw_ctx *c, size_t i, size_t j, uint64_t mbs,
                           gs_link_info *li)
{
    const hw_gpu *a = &c->gpus[i], *b = &c->gpus[j];
    bool exact;
    uint64_t links = links_for(mbs, &exact);
    if (links > 255 || mbs > HW_BW_MAX_MBS)
        return bad(c,
                   "GPUs %zu and %zu: %llu MB/s of NVLink is out of range (at "
                   "most 255 links)",
                   i, j, (unsigned long long)mbs);
    li->nvlinks = (uint32_t)links;
    if (!exact) {
        /* the exact figure wins over links x 25 GB/s; a shared fabric
         * still adds its part */
        if (a->fabric != GS_NONE && a->fabric == b->fabric)
            mbs += (uint64_t)GS_MIN(a->fabric_links, b->fabric_links) *
                   HW_NVLINK_MBS;
        li->bandwidth = (double)GS_MIN(mbs, HW_BW_MAX_MBS) / 1000.0;
    }
    return GS_OK;
}

static gs_status set_links(hw_ctx *c)
{
    size_t k = 0; /* cursor in the sorted GPU-GPU edges */
    for (size_t i = 0; i < c->n_gpus; i++) {
        for (size_t j = i + 1; j < c->n_gpus; j++) {
            const hw_gpu *a = &c->gpus[i], *b = &c->gpus[j];
            gs_link_info li = GS_LINK_INFO_INIT;
            li.pcie = pcie_level(a, b);
            li.source = GS_SOURCE_HWLOC;
            while (k < c->n_gg &&
                   (c->gg[k].a < i || (c->gg[k].a == i && c->gg[k].b < j)))
                k++;
            gs_status st;
            if (k < c->n_gg && c->gg[k].a == i && c->gg[k].b == j &&
                (st = edge_link(c, i, j, c->gg[k].mbs, &li)) != GS_OK)
                return st;
            st = gs_topo_set_link(c->t, c->node, (uint32_t)i, (uint32_t)j,
                                  &li);
            if (st != GS_OK)
                return refused(c, st);
        }
    }
    return GS_OK;
}

/* Everything after hwloc has loaded: one node, its NUMA domains, GPUs and
 * links. */
static gs_status analyse(hw_ctx *c, bool nvlinks)
{
    gs_status st;
    if ((st = import_numa(c)) != GS_OK || (st = mark_os_dups(c)) != GS_OK ||
        (st = find_gpus(c)) != GS_OK)
        return st;
    if (nvlinks &&
        ((st = read_nvlinks(c)) != GS_OK || (st = build_fabrics(c)) != GS_OK))
        return st;
    return GS_OK;
}

static gs_status import_loaded(hw_ctx *c)
{
    gs_status st = gs_topo_add_node(c->t, gs_load_hostname(c->o), &c->node);
    if (st != GS_OK)
        return refused(c, st);
    if ((st = analyse(c, true)) != GS_OK || (st = add_gpus(c)) != GS_OK)
        return st;
    return set_links(c);
}

/* Settings common to both sources. */
static gs_status prepare(hw_ctx *c)
{
    if (hwloc_topology_init(&c->topo) < 0) {
        c->topo = NULL;
        return oom(c);
    }
    /* Keep every PCI device, bridge and OS device: the PCIe levels need the
     * bridges, and NVSwitches are PCI devices hwloc would otherwise drop as
     * unimportant. */
    hwloc_topology_set_io_types_filter(c->topo, HWLOC_TYPE_FILTER_KEEP_ALL);
    /* The whole machine, not just what the calling process may use: a
     * scheduler describes nodes for others. */
    hwloc_topology_set_flags(c->topo, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED);
    return GS_OK;
}

/* ---- reading the XML before hwloc does --------------------------------- */

/*
 * hwloc 2.9 reads XML with libxml2 when its plugin is installed, else with
 * a minimal reader of its own (Debian's libhwloc15 has only that one). The
 * minimal reader takes the subset of XML that hwloc writes: name="value"
 * attributes after exactly one space, the escapes &quot; &lt; &gt; &amp;
 * &#10; &#13; &#9; and no others, no '>' inside a value, no comment or
 * CDATA between elements. On anything else (a space around '=', a single
 * quote, a newline after the element name, &#x20;...) its attribute loop
 * stops without an error, so the rest of the tag's attributes are silently
 * missing, and hwloc 2.9 then dereferences the NULL of a set it expected
 * (a NUMA node's complete_nodeset).
 *
 * So the text is read here by XML 1.0's grammar (attributes with white
 * space around '=', either quote, character and entity references, line
 * ends and white space in values normalized as XML says; comments,
 * processing instructions, CDATA and a DOCTYPE where XML allows them), the
 * document's content is checked for what hwloc 2.9 needs, and hwloc is
 * given the same document written the way hwloc writes it: one tag per
 * line, name="value" attributes one space apart, values escaped with the
 * escapes above only, no declaration, comment or CDATA. Both of hwloc's
 * readers read that form alike. The checks look at what the document
 * says, not at how it is spelled, and name the place in the caller's text.
 */

typedef struct xml_problem {
    size_t at;
    char why[200];
} xml_problem;

#define X_DEPTH 256

typedef struct x_attr {
    size_t name_at, name_len; /* in the source */
    size_t value_at;          /* the value's first character in the source */
    size_t dec_at, dec_len;   /* the decoded value, in x_doc.vals */
} x_attr;

typedef struct x_open {
    size_t at, len; /* the element name in the source */
    bool children;  /* it has a child element */
    bool content;   /* hwloc reads its text */
} x_open;

typedef struct x_doc {
    const char *s;
    size_t n;
    xml_problem *p;
    gs_buf out;  /* the document as hwloc gets it */
    gs_buf vals; /* the decoded attribute values of the current tag */
    gs_buf text; /* the character data of the innermost open element */
    size_t text_at; /* its first non-blank character, SIZE_MAX: none */
    x_attr *attrs;
    size_t n_attrs, cap_attrs;
    uint32_t *order; /* scratch: attribute indexes sorted by name */
    size_t cap_order;
    x_open stack[X_DEPTH];
    size_t depth;
    bool root_seen, root_closed, v1, has_numa, oom;
} x_doc;

static bool x_ws(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static bool x_name_start(char ch)
{
    unsigned char u = (unsigned char)ch;
    return isalpha(u) || ch == '_' || ch == ':' || u >= 0x80;
}

static bool x_name_char(char ch)
{
    return x_name_start(ch) || isdigit((unsigned char)ch) || ch == '-' ||
           ch == '.';
}

/* The <object> attributes hwloc 1.x exports have (and the few of 2.x that
 * hwloc 2 reads the same way in either format). */
static bool x_v1_attr(const char *s, size_t at, size_t len)
{
    static const char *const names[] = {
        "type", "os_level", "os_index", "cpuset", "complete_cpuset",
        "online_cpuset", "allowed_cpuset", "nodeset", "complete_nodeset",
        "allowed_nodeset", "name", "local_memory", "cache_size", "depth",
        "cache_linesize", "cache_associativity", "cache_type",
        "huge_page_size_kb", "huge_page_free", "pci_busid", "pci_type",
        "pci_link_speed", "bridge_type", "bridge_pci", "osdev_type",
        "dmi_board_vendor", "dmi_board_name", "gp_index", "subtype"};
    for (size_t k = 0; k < GS_ARRAY_LEN(names); k++)
        if (len == strlen(names[k]) && memcmp(s + at, names[k], len) == 0)
            return true;
    return false;
}

static const char *x_find(const char *s, size_t n, size_t from,
                          const char *what)
{
    size_t w = strlen(what);
    for (size_t i = from; i + w <= n; i++)
        if (memcmp(s + i, what, w) == 0)
            return s + i;
    return NULL;
}

static unsigned x_line(const char *s, size_t at)
{
    unsigned line = 1;
    for (size_t i = 0; i < at; i++)
        line += s[i] == '\n';
    return line;
}

/* Record the problem at source offset at; returns false, for
 * `return x_bad(...)` in the readers below, which return whether all is
 * well. */
static bool x_bad(x_doc *x, size_t at, const char *fmt, ...) GS_PRINTF(3, 4);
static bool x_bad(x_doc *x, size_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->p->why, sizeof x->p->why, fmt, ap);
    va_end(ap);
    x->p->at = at;
    return false;
}

static bool x_nomem(x_doc *x)
{
    x->oom = true;
    return false;
}

/* One pseudo-attribute of an XML declaration at *k (after the blank
 * before it): its name must be word; *val and *vlen receive the quoted
 * value. */
static bool x_decl_item(const char *s, size_t end, size_t *k,
                        const char *word, size_t *val, size_t *vlen)
{
    size_t w = strlen(word), j = *k;
    if (end - j < w || memcmp(s + j, word, w) != 0)
        return false;
    j += w;
    while (j < end && x_ws(s[j]))
        j++;
    if (j == end || s[j] != '=')
        return false;
    j++;
    while (j < end && x_ws(s[j]))
        j++;
    if (j == end || (s[j] != '"' && s[j] != '\''))
        return false;
    char q = s[j++];
    size_t v = j;
    while (j < end && s[j] != q)
        j++;
    if (j == end)
        return false;
    *val = v;
    *vlen = j - v;
    *k = j + 1;
    return true;
}

/* The XML declaration s[from, end) (after "<?xml", before "?>"), by the
 * grammar of XML 1.0: version="1.x", then an optional encoding and an
 * optional standalone="yes"|"no", in that order. The encoding may be
 * absent, UTF-8 or ASCII: anything else would make libxml2 load ICU
 * converters (which leak once hwloc unloads its XML plugin) for text hwloc
 * never writes. On a fault, *at and *why say where and what. */
static bool x_decl_ok(const char *s, size_t from, size_t end, size_t *at,
                      const char **why)
{
    static const char *const ok[] = {"UTF-8", "UTF8", "US-ASCII", "ASCII"};
    size_t k = from, v, vlen;
    const char *const items[] = {"version", "encoding", "standalone"};
    bool seen[3] = {false, false, false};
    unsigned next = 0;
    for (;;) {
        size_t blank = k;
        while (k < end && x_ws(s[k]))
            k++;
        if (k == end)
            break;
        *at = k;
        unsigned it = next;
        while (it < 3 && !x_decl_item(s, end, &k, items[it], &v, &vlen))
            it++;
        if (it == 3 || k == blank) {
            *why = next == 0 ? "an XML declaration starts with version=\"1.0\""
                             : "an XML declaration has version=, encoding= "
                               "and standalone=, in that order, separated "
                               "by blanks";
            return false;
        }
        if (blank == *at) {
            *why = "a blank must separate the parts of an XML declaration";
            return false;
        }
        if (it != next && !(next == 1 && it == 2)) {
            *why = "an XML declaration starts with version=\"1.0\"";
            return false;
        }
        seen[it] = true;
        next = it + 1;
        *at = v;
        if (it == 0) {
            size_t d = 2;
            while (d < vlen && s[v + d] >= '0' && s[v + d] <= '9')
                d++;
            if (vlen < 3 || memcmp(s + v, "1.", 2) != 0 || d != vlen) {
                *why = "the XML version is 1.x";
                return false;
            }
        } else if (it == 1) {
            bool good = false;
            for (size_t i = 0; i < GS_ARRAY_LEN(ok); i++)
                if (vlen == strlen(ok[i]) &&
                    strncasecmp(s + v, ok[i], vlen) == 0)
                    good = true;
            if (!good) {
                *why = "hwloc writes UTF-8, and gpusched reads UTF-8 or "
                       "ASCII only";
                return false;
            }
        } else if (!(vlen == 3 && memcmp(s + v, "yes", 3) == 0) &&
                   !(vlen == 2 && memcmp(s + v, "no", 2) == 0)) {
            *why = "standalone= is \"yes\" or \"no\"";
            return false;
        }
    }
    if (!seen[0]) {
        *at = from;
        *why = "an XML declaration starts with version=\"1.0\"";
        return false;
    }
    return true;
}

static bool x_is(const char *s, size_t at, size_t len, const char *word)
{
    return len == strlen(word) && memcmp(s + at, word, len) == 0;
}

/* Objects on the CPU side or memory: hwloc 2 writes cpuset,
 * complete_cpuset, nodeset and complete_nodeset for each of them. hwloc
 * 1.x also wrote System (a root above Machines), Socket (Package before
 * 1.11) and Cache (with depth and cache_type instead of L1Cache...), which
 * hwloc 2 still reads from a 1.x export. */
static bool x_v1_only_type(const char *s, size_t at, size_t len)
{
    return x_is(s, at, len, "System") || x_is(s, at, len, "Socket") ||
           x_is(s, at, len, "Cache");
}

static bool x_cpu_side_type(const char *s, size_t at, size_t len, bool v1)
{
    if (v1 && x_v1_only_type(s, at, len))
        return true;
    static const char *const types[] = {
        "Machine",  "Package",  "Die",      "Core",     "PU",
        "Group",    "NUMANode", "MemCache", "L1Cache",  "L2Cache",
        "L3Cache",  "L4Cache",  "L5Cache",  "L1iCache", "L2iCache",
        "L3iCache"};
    for (size_t i = 0; i < GS_ARRAY_LEN(types); i++)
        if (x_is(s, at, len, types[i]))
            return true;
    return false;
}

/* hwloc's bitmap text: "0x" hex groups separated by commas, optionally
 * after "0xf...f" (an infinite set). */
static bool x_bitmap_ok(const char *s, size_t at, size_t len)
{
    size_t k = at, end = at + len;
    if (len >= 7 && memcmp(s + k, "0xf...f", 7) == 0) {
        k += 7;
        if (k == end)
            return true;
        if (s[k++] != ',')
            return false;
    }
    for (;;) {
        if (end - k < 3 || s[k] != '0' || (s[k + 1] != 'x' && s[k + 1] != 'X'))
            return false;
        k += 2;
        size_t d = k;
        while (k < end && k - d < 17 && isxdigit((unsigned char)s[k]))
            k++;
        if (k == d || k - d > 16)
            return false;
        if (k == end)
            return true;
        if (s[k++] != ',')
            return false;
    }
}

/* A decimal index from 0 to GS_CPU_MAX. */
static bool x_small_index(const char *s, size_t at, size_t len)
{
    if (!len || len > 7)
        return false;
    unsigned long v = 0;
    for (size_t k = at; k < at + len; k++) {
        if (s[k] < '0' || s[k] > '9')
            return false;
        v = v * 10 + (unsigned long)(s[k] - '0');
    }
    return v <= GS_CPU_MAX;
}

/* Whether code point cp is a character XML 1.0 allows in a document. */
static bool x_char_ok(uint32_t cp)
{
    return cp == 0x9 || cp == 0xA || cp == 0xD ||
           (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
           (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* Every byte of the text is part of a character XML allows, in UTF-8 (the
 * encoding hwloc writes; the declaration may only say UTF-8 or ASCII). */
static bool x_chars_ok(x_doc *x)
{
    for (size_t i = 0; i < x->n;) {
        uint32_t cp = 0;
        size_t len = gs_utf8_decode(x->s + i, x->n - i, &cp);
        if (!len)
            return x_bad(x, i, "byte 0x%02x is not UTF-8 text",
                         (unsigned char)x->s[i]);
        if (!x_char_ok(cp))
            return x_bad(x, i, "character U+%04X is not allowed in XML",
                         (unsigned)cp);
        i += len;
    }
    return true;
}

/* The reference at s[*j] == '&' (&#N; &#xH; or one of the five entities
 * XML predefines), appended to b as the character it stands for; *j moves
 * past its ';'. A DOCTYPE may not declare entities (it is refused), so no
 * other name is defined. */
static bool x_reference(x_doc *x, size_t *j, gs_buf *b)
{
    const char *s = x->s;
    size_t at = *j, k = at + 1;
    if (k < x->n && s[k] == '#') {
        bool hex = k + 1 < x->n && s[k + 1] == 'x';
        k += hex ? 2 : 1;
        size_t d = k;
        uint32_t cp = 0;
        for (; k < x->n && s[k] != ';'; k++) {
            int v = hex ? (isxdigit((unsigned char)s[k])
                               ? (isdigit((unsigned char)s[k])
                                      ? s[k] - '0'
                                      : (tolower((unsigned char)s[k]) - 'a' +
                                         10))
                               : -1)
                        : (isdigit((unsigned char)s[k]) ? s[k] - '0' : -1);
            if (v < 0)
                return x_bad(x, at, "bad character reference (&#N; or &#xH;)");
            cp = cp * (hex ? 16u : 10u) + (uint32_t)v;
            if (cp > 0x10FFFF)
                return x_bad(x, at,
                             "character reference beyond U+10FFFF");
        }
        if (k == d || k >= x->n)
            return x_bad(x, at, "bad character reference (&#N; or &#xH;)");
        if (!x_char_ok(cp))
            return x_bad(x, at,
                         "character reference to U+%04X, which XML does not "
                         "allow",
                         (unsigned)cp);
        char u8[4];
        gs_buf_put(b, u8, gs_utf8_encode(u8, cp));
        *j = k + 1;
        return true;
    }
    static const struct {
        const char *name;
        char ch;
    } ents[] = {{"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"apos", '\''},
                {"quot", '"'}};
    size_t name = k;
    while (k < x->n && k - name < 8 && x_name_char(s[k]))
        k++;
    if (k < x->n && s[k] == ';')
        for (size_t e = 0; e < GS_ARRAY_LEN(ents); e++)
            if (x_is(s, name, k - name, ents[e].name)) {
                gs_buf_putc(b, ents[e].ch);
                *j = k + 1;
                return true;
            }
    if (k < x->n && s[k] == ';' && k > name)
        return x_bad(x, at,
                     "entity &%.*s; is not defined (XML defines &lt; &gt; "
                     "&amp; &apos; &quot;, and gpusched reads no DTD)",
                     (int)GS_MIN(k - name, 8), s + name);
    return x_bad(x, at, "'&' that starts no reference (write &amp;)");
}

/* An attribute value from s[*j] (just after its quote q) to the closing
 * quote, decoded and normalized as XML 1.0 says (3.3.3: each literal
 * tab, newline or carriage return, and each CR LF pair, becomes a space;
 * references keep the character they name), appended to x->vals. */
static bool x_att_value(x_doc *x, size_t *j, char q, size_t an, size_t alen)
{
    const char *s = x->s;
    size_t k = *j;
    for (;;) {
        if (k >= x->n)
            return x_bad(x, *j - 1, "unterminated value of attribute %.*s",
                         (int)GS_MIN(alen, 40), s + an);
        char ch = s[k];
        if (ch == q)
            break;
        if (ch == '<')
            return x_bad(x, k, "'<' inside the value of attribute %.*s",
                         (int)GS_MIN(alen, 40), s + an);
        if (ch == '&') {
            if (!x_reference(x, &k, &x->vals))
                return false;
            continue;
        }
        if (ch == '\r' && k + 1 < x->n && s[k + 1] == '\n')
            k++;
        gs_buf_putc(&x->vals, x_ws(ch) ? ' ' : ch);
        k++;
    }
    *j = k + 1;
    return true;
}

static int x_cmp_attr(const void *arg, uint32_t a, uint32_t b)
{
    const x_doc *x = arg;
    const x_attr *p = &x->attrs[a], *q = &x->attrs[b];
    size_t n = GS_MIN(p->name_len, q->name_len);
    int c = memcmp(x->s + p->name_at, x->s + q->name_at, n);
    if (c)
        return c;
    if (p->name_len != q->name_len)
        return p->name_len < q->name_len ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* The first attribute (in the tag's order) whose name an earlier one
 * already had, or n_attrs. Sorting keeps this O(k log k) for a tag of k
 * attributes, however many a hostile tag has. */
static size_t x_first_repeat(x_doc *x)
{
    size_t n = x->n_attrs, first = n;
    if (n < 2)
        return n;
    if (!GS_GROW(x->order, x->cap_order, n)) {
        x_nomem(x);
        return n;
    }
    for (size_t i = 0; i < n; i++)
        x->order[i] = (uint32_t)i;
    gs_sort_idx(x->order, n, x_cmp_attr, x);
    for (size_t i = 1; i < n; i++) {
        const x_attr *p = &x->attrs[x->order[i - 1]],
                     *q = &x->attrs[x->order[i]];
        if (p->name_len == q->name_len &&
            memcmp(x->s + p->name_at, x->s + q->name_at, p->name_len) == 0)
            first = GS_MIN(first, (size_t)x->order[i]);
    }
    return first;
}

/* The names hwloc writes: elements of lower-case letters, digits and '_',
 * attributes of lower-case letters and '_' (its minimal reader reads no
 * others). */
static bool x_hwloc_name(const char *s, size_t at, size_t len, bool digits)
{
    for (size_t k = at; k < at + len; k++)
        if (!((s[k] >= 'a' && s[k] <= 'z') || s[k] == '_' ||
              (digits && s[k] >= '0' && s[k] <= '9')))
            return false;
    return true;
}

/* What hwloc 2.9 needs of a start tag at i (element name at name, len),
 * given its decoded attributes. */
/* The most objects a distance matrix may cover (nbobjs). */
#define X_MAX_DISTANCE_OBJS 4096

/* A count of distance objects: digits only, 0 to X_MAX_DISTANCE_OBJS. */
static bool x_count_ok(const char *v, size_t n)
{
    if (!n || n > 4)
        return false;
    int c = 0;
    for (size_t k = 0; k < n; k++) {
        if (v[k] < '0' || v[k] > '9')
            return false;
        c = c * 10 + (v[k] - '0');
    }
    return c <= X_MAX_DISTANCE_OBJS;
}

/* Whether hwloc reads the bitmap text a as a subset of the bitmap text b
 * (both already checked by x_bitmap_ok), parsed by hwloc itself so that
 * the answer is hwloc's; *oom when out of memory. */
static bool x_set_included(const char *a, size_t alen, const char *b,
                           size_t blen, bool *oom)
{
    char *sa = malloc(alen + 1), *sb = malloc(blen + 1);
    hwloc_bitmap_t ba = hwloc_bitmap_alloc(), bb = hwloc_bitmap_alloc();
    bool ok = false;
    if (!sa || !sb || !ba || !bb) {
        *oom = true;
    } else {
        memcpy(sa, a, alen);
        sa[alen] = '\0';
        memcpy(sb, b, blen);
        sb[blen] = '\0';
        /* a text hwloc cannot read is not included in anything */
        ok = hwloc_bitmap_sscanf(ba, sa) == 0 &&
             hwloc_bitmap_sscanf(bb, sb) == 0 &&
             hwloc_bitmap_isincluded(ba, bb);
    }
    hwloc_bitmap_free(ba);
    hwloc_bitmap_free(bb);
    free(sa);
    free(sb);
    return ok;
}

static bool x_check_tag(x_doc *x, size_t i, size_t name, size_t len)
{
    static const char *const set_names[] = {"cpuset", "complete_cpuset",
                                            "nodeset", "complete_nodeset"};
    const char *s = x->s, *v = x->vals.data;
    bool root = x->depth == 0;
    bool is_obj = !root && x_is(s, name, len, "object");
    if (root) {
        if (x->root_closed)
            return x_bad(x, i, "a second root element");
        if (!x_is(s, name, len, "topology"))
            return x_bad(x, i, "the root element is <%.*s>, not <topology>",
                         (int)GS_MIN(len, 40), s + name);
        x->root_seen = true;
    } else if (!x_hwloc_name(s, name, len, true)) {
        return x_bad(x, name,
                     "element <%.*s> is not one hwloc writes (hwloc's are "
                     "lower-case letters, digits and '_')",
                     (int)GS_MIN(len, 40), s + name);
    }
    size_t repeat = x_first_repeat(x);
    if (x->oom)
        return false;
    const x_attr *type = NULL, *os = NULL, *version = NULL;
    const x_attr *set_attr[4] = {NULL, NULL, NULL, NULL};
    unsigned sets = 0;
    for (size_t k = 0; k < x->n_attrs; k++) {
        const x_attr *a = &x->attrs[k];
        size_t an = a->name_at, alen = a->name_len;
        const char *val = v + a->dec_at;
        size_t vlen = a->dec_len;
        /* hwloc 2.9 reading a format-1 export crashes on some attributes
         * it does not know (found by fuzzing: a name like "cpusetX"):
         * there, take only the attributes hwloc 1.x wrote */
        if (is_obj && x->v1 && !x_v1_attr(s, an, alen))
            return x_bad(x, an,
                         "attribute %.*s is not one hwloc 1.x writes on an "
                         "<object>",
                         (int)GS_MIN(alen, 40), s + an);
        if (k == repeat)
            return x_bad(x, an, "attribute %.*s given twice",
                         (int)GS_MIN(alen, 40), s + an);
        if (!x_hwloc_name(s, an, alen, false))
            return x_bad(x, an,
                         "attribute %.*s is not one hwloc writes (hwloc's "
                         "are lower-case letters and '_')",
                         (int)GS_MIN(alen, 40), s + an);
        if (root && x_is(s, an, alen, "version")) {
            version = a;
            if (vlen && val[0] >= '3' && val[0] <= '9')
                return x_bad(x, a->value_at,
                             "hwloc XML format version %.*s is newer than "
                             "the hwloc 2.x gpusched uses can read (export "
                             "it with hwloc 2.x)",
                             (int)GS_MIN(vlen, 16), val);
        }
        /* hwloc allocates an nbobjs x nbobjs matrix before it reads the
         * values: 4294967295 asked for 32 GiB (an abort under ASan).
         * Distance matrices cover NUMA nodes or a few thousand PUs. */
        if (x_is(s, an, alen, "nbobjs") && !x_count_ok(val, vlen))
            return x_bad(x, a->value_at,
                         "nbobjs=\"%.*s\": a distance matrix of 0 to %d "
                         "objects",
                         (int)GS_MIN(vlen, 24), val, X_MAX_DISTANCE_OBJS);
        if (!is_obj)
            continue;
        /* hwloc parses every set it is given (found by fuzzing format-1
         * exports: allowed_cpuset="0x000&000f7") */
        if ((x_is(s, an, alen, "online_cpuset") ||
             x_is(s, an, alen, "allowed_cpuset") ||
             x_is(s, an, alen, "allowed_nodeset")) &&
            !x_bitmap_ok(val, 0, vlen))
            return x_bad(x, a->value_at,
                         "%.*s=\"%.*s\" is not an hwloc bitmap (0x... groups "
                         "separated by commas)",
                         (int)alen, s + an, (int)GS_MIN(vlen, 40), val);
        if (x_is(s, an, alen, "os_index"))
            os = a;
        if (x_is(s, an, alen, "type"))
            type = a;
        /* hwloc 2.9 crashes on objects whose sets are missing or garbled
         * (its own lstopo too; a missing complete_cpuset on any object, a
         * missing complete_nodeset on a NUMA node) */
        for (unsigned b = 0; b < 4; b++) {
            if (!x_is(s, an, alen, set_names[b]))
                continue;
            sets |= 1u << b;
            set_attr[b] = a;
            if (!x_bitmap_ok(val, 0, vlen))
                return x_bad(x, a->value_at,
                             "%s=\"%.*s\" is not an hwloc bitmap (0x... "
                             "groups separated by commas)",
                             set_names[b], (int)GS_MIN(vlen, 24), val);
        }
    }
    if (root) {
        /* hwloc 2.x has always written version="2.0"; hwloc 1.x wrote no
         * version at all (format 1, which hwloc 2 still reads through a
         * path of its own). Anything else is no hwloc export. */
        if (version) {
            const char *val = v + version->dec_at;
            size_t vlen = version->dec_len, d = 2;
            while (d < vlen && isdigit((unsigned char)val[d]))
                d++;
            if (vlen < 3 || val[0] != '2' || val[1] != '.' || d != vlen)
                return x_bad(x, i,
                             "<topology> has a version that is neither "
                             "\"2.x\" (hwloc 2) nor absent (hwloc 1.x)");
        }
        x->v1 = !version;
        return true;
    }
    if (!is_obj)
        return true;
    if (!type)
        return x_bad(x, i, "an <object> without a type");
    const char *ty = v + type->dec_at;
    size_t tlen = type->dec_len;
    if (!x_cpu_side_type(ty, 0, tlen, x->v1) && !x_is(ty, 0, tlen, "Bridge") &&
        !x_is(ty, 0, tlen, "PCIDev") && !x_is(ty, 0, tlen, "OSDev") &&
        !x_is(ty, 0, tlen, "Misc"))
        return x_bad(x, type->value_at, "unknown object type \"%.*s\"",
                     (int)GS_MIN(tlen, 24), ty);
    bool numa = x_is(ty, 0, tlen, "NUMANode");
    x->has_numa |= numa;
    /* A PU or NUMA node without os_index gets hwloc's "unknown" index,
     * 2^32 - 1, and hwloc then grows a bitmap to that bit (512 MiB).
     * Exports always give it; gpusched takes CPU numbers up to GS_CPU_MAX
     * anyway. */
    if ((numa || x_is(ty, 0, tlen, "PU")) &&
        !(os && x_small_index(v, os->dec_at, os->dec_len)))
        return x_bad(x, i, "<object type=\"%.*s\"> needs an os_index from 0 "
                           "to %u",
                     (int)tlen, ty, GS_CPU_MAX);
    /* Every object's cpuset is part of its complete_cpuset, its nodeset of
     * its complete_nodeset (hwloc_topology_check asserts it). hwloc 2.9
     * reading a format-1 export whose complete_cpuset leaves out part of
     * the cpuset empties the topology and then crashes (found by fuzzing:
     * cpuset="0x1" complete_cpuset="0x0"). */
    for (unsigned b = 0; b < 4; b += 2) {
        const x_attr *part = set_attr[b], *whole = set_attr[b + 1];
        if (!part || !whole)
            continue;
        bool oom = false;
        bool in = x_set_included(v + part->dec_at, part->dec_len,
                                 v + whole->dec_at, whole->dec_len, &oom);
        if (oom)
            return x_nomem(x);
        if (!in)
            return x_bad(x, whole->value_at,
                         "%s=\"%.*s\" leaves out part of %s=\"%.*s\"; hwloc "
                         "writes every set inside its complete set",
                         set_names[b + 1], (int)GS_MIN(whole->dec_len, 24),
                         v + whole->dec_at, set_names[b],
                         (int)GS_MIN(part->dec_len, 24), v + part->dec_at);
    }
    /* hwloc 1.x wrote the nodesets only when the machine had NUMA nodes: a
     * format-1 object needs its cpusets, a NUMA node its nodesets too, and
     * the others both nodesets or neither. */
    unsigned need = 15;
    if (x->v1 && !numa)
        need = (sets & 12) ? 15 : 3;
    if (x_cpu_side_type(ty, 0, tlen, x->v1) && (sets & need) != need) {
        unsigned b = 0;
        while (sets & (1u << b))
            b++;
        return x_bad(x, i,
                     "<object type=\"%.*s\"> has no %s (hwloc writes it for "
                     "every such object; hwloc 2.9 can crash without it)",
                     (int)GS_MIN(tlen, 24), ty, set_names[b]);
    }
    return true;
}

/* Append an attribute value escaped the way hwloc's minimal reader reads
 * it back: the seven escapes it knows, nothing else escaped. */
static void x_put_value(gs_buf *b, const char *v, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        switch (v[k]) {
        case '"': gs_buf_puts(b, "&quot;"); break;
        case '<': gs_buf_puts(b, "&lt;"); break;
        case '>': gs_buf_puts(b, "&gt;"); break;
        case '&': gs_buf_puts(b, "&amp;"); break;
        case '\n': gs_buf_puts(b, "&#10;"); break;
        case '\r': gs_buf_puts(b, "&#13;"); break;
        case '\t': gs_buf_puts(b, "&#9;"); break;
        default: gs_buf_putc(b, v[k]);
        }
    }
}

/* Write the start tag just read. The root goes first, alone with its
 * version: hwloc's minimal reader looks for exactly `<topology
 * version="M.m">` or `<topology>` at the start of the text. */
static void x_put_start(x_doc *x, size_t name, size_t len, bool empty)
{
    gs_buf *b = &x->out;
    if (x->depth == 0) {
        gs_buf_puts(b, "<topology");
        for (size_t k = 0; k < x->n_attrs; k++)
            if (x_is(x->s, x->attrs[k].name_at, x->attrs[k].name_len,
                     "version")) {
                gs_buf_puts(b, " version=\"");
                x_put_value(b, x->vals.data + x->attrs[k].dec_at,
                            x->attrs[k].dec_len);
                gs_buf_putc(b, '"');
            }
        gs_buf_puts(b, empty ? "></topology>" : ">");
        return;
    }
    gs_buf_putc(b, '\n');
    gs_buf_putc(b, '<');
    gs_buf_put(b, x->s + name, len);
    /* type= first, as hwloc writes it: hwloc ignores every attribute that
     * depends on the type (local_memory, pci_busid, bridge_*, osdev_type)
     * when it comes before type=, and XML lets attributes come in any
     * order (canonicalizers sort them) */
    size_t type_at = x->n_attrs;
    for (size_t k = 0; k < x->n_attrs; k++)
        if (x_is(x->s, x->attrs[k].name_at, x->attrs[k].name_len, "type"))
            type_at = k;
    for (size_t m = 0; m < x->n_attrs; m++) {
        size_t k = type_at == x->n_attrs ? m
                   : m == 0               ? type_at
                   : m <= type_at         ? m - 1
                                          : m;
        const x_attr *a = &x->attrs[k];
        gs_buf_putc(b, ' ');
        gs_buf_put(b, x->s + a->name_at, a->name_len);
        gs_buf_puts(b, "=\"");
        x_put_value(b, x->vals.data + a->dec_at, a->dec_len);
        gs_buf_putc(b, '"');
    }
    gs_buf_puts(b, empty ? "/>" : ">");
}

/* The character data of the innermost open element, at one of its child
 * tags (child) or at its end tag. White space between elements goes;
 * hwloc reads text only in <indexes>, <u64values> and <userdata>, and
 * there it is kept as it is (its minimal reader takes it raw, so it may
 * not hold '<', '&' or a carriage return, which it would read differently
 * from libxml2). */
static bool x_flush_text(x_doc *x, bool child)
{
    if (x->depth == 0 || x->depth > X_DEPTH)
        return true;
    x_open *o = &x->stack[x->depth - 1];
    bool blank = x->text_at == SIZE_MAX;
    if (!blank && (!o->content || child || o->children))
        return x_bad(x, x->text_at,
                     o->content ? "<%.*s> holds both text and elements"
                                : "text inside <%.*s> (hwloc reads text only "
                                  "inside <indexes>, <u64values> and "
                                  "<userdata>)",
                     (int)GS_MIN(o->len, 40), x->s + o->at);
    if (!child && o->content && !o->children && x->text.len) {
        const char *t = x->text.data;
        for (size_t k = 0; k < x->text.len; k++)
            if (t[k] == '<' || t[k] == '&' || t[k] == '\r' ||
                (t[k] == '>' && k >= 2 && t[k - 1] == ']' && t[k - 2] == ']'))
                return x_bad(x, x->text_at,
                             "the text of <%.*s> holds '%s', which hwloc's "
                             "own XML reader cannot take",
                             (int)GS_MIN(o->len, 40), x->s + o->at,
                             t[k] == '\r' ? "\\r" : t[k] == '<' ? "<"
                                              : t[k] == '&' ? "&" : "]]>");
        gs_buf_put(&x->out, t, x->text.len);
    }
    x->text.len = 0;
    x->text_at = SIZE_MAX;
    return true;
}

/* Character data from s[*i] up to the next '<', decoded into x->text
 * (XML's line ends: CR LF and a lone CR become LF). */
static bool x_chardata(x_doc *x, size_t *i)
{
    const char *s = x->s;
    size_t k = *i;
    while (k < x->n && s[k] != '<') {
        char ch = s[k];
        if (x->depth == 0) {
            if (!x_ws(ch))
                return x_bad(x, k, x->root_closed
                                       ? "text after the root element"
                                       : "text before the root element");
            k++;
            continue;
        }
        if (!x_ws(ch) && x->text_at == SIZE_MAX)
            x->text_at = k;
        if (ch == '&') {
            if (!x_reference(x, &k, &x->text))
                return false;
            continue;
        }
        if (ch == '>' && k >= *i + 2 && s[k - 1] == ']' && s[k - 2] == ']')
            return x_bad(x, k - 2, "\"]]>\" in text (write ]]&gt;)");
        if (ch == '\r') {
            if (k + 1 < x->n && s[k + 1] == '\n')
                k++;
            ch = '\n';
        }
        gs_buf_putc(&x->text, ch);
        k++;
    }
    *i = k;
    return true;
}

/* A start tag from s[i] == '<'; *next receives the offset after it. */
static bool x_start_tag(x_doc *x, size_t i, size_t *next)
{
    const char *s = x->s;
    size_t n = x->n, j = i + 1, name = j;
    if (j >= n || !x_name_start(s[j]))
        return x_bad(x, j, "expected an element name after '<'");
    while (j < n && x_name_char(s[j]))
        j++;
    size_t len = j - name;
    x->n_attrs = 0;
    x->vals.len = 0;
    bool closed = false, empty = false;
    while (j < n) {
        size_t ws = j;
        while (j < n && x_ws(s[j]))
            j++;
        if (j >= n)
            break;
        if (s[j] == '>') {
            closed = true;
            j++;
            break;
        }
        if (s[j] == '/') {
            if (j + 1 >= n || s[j + 1] != '>')
                return x_bad(x, j, "expected '>' after '/'");
            closed = empty = true;
            j += 2;
            break;
        }
        if (j == ws || !x_name_start(s[j]))
            return x_bad(x, j, "unexpected '%c' in <%.*s>",
                         isprint((unsigned char)s[j]) ? s[j] : '?',
                         (int)GS_MIN(len, 40), s + name);
        size_t an = j;
        while (j < n && x_name_char(s[j]))
            j++;
        size_t alen = j - an;
        while (j < n && x_ws(s[j]))
            j++;
        if (j >= n || s[j] != '=')
            return x_bad(x, j, "expected '=' after attribute %.*s",
                         (int)GS_MIN(alen, 40), s + an);
        j++;
        while (j < n && x_ws(s[j]))
            j++;
        if (j >= n || (s[j] != '"' && s[j] != '\''))
            return x_bad(x, j, "expected a quoted value for attribute %.*s",
                         (int)GS_MIN(alen, 40), s + an);
        char q = s[j++];
        size_t value_at = j, dec_at = x->vals.len;
        if (!x_att_value(x, &j, q, an, alen))
            return false;
        if (!GS_GROW(x->attrs, x->cap_attrs, x->n_attrs + 1))
            return x_nomem(x);
        x->attrs[x->n_attrs++] =
            (x_attr){an, alen, value_at, dec_at, x->vals.len - dec_at};
    }
    if (!closed)
        return x_bad(x, i, "the text ends inside the tag <%.*s>",
                     (int)GS_MIN(len, 40), s + name);
    /* a NUL ends the values for the checks below, which quote them */
    gs_buf_putc(&x->vals, '\0');
    if (x->vals.failed)
        return x_nomem(x);
    if (!x_flush_text(x, true) || !x_check_tag(x, i, name, len))
        return false;
    if (x->depth >= X_DEPTH)
        return x_bad(x, i,
                     "elements nested deeper than %d levels (hwloc exports "
                     "are far shallower)",
                     X_DEPTH);
    x_put_start(x, name, len, empty);
    if (x->depth > 0)
        x->stack[x->depth - 1].children = true;
    if (empty) {
        if (x->depth == 0)
            x->root_closed = true;
    } else {
        x->stack[x->depth++] = (x_open){
            name, len, false,
            x_is(s, name, len, "indexes") || x_is(s, name, len, "u64values") ||
                x_is(s, name, len, "userdata")};
    }
    *next = j;
    return true;
}

/* An end tag from s[i] == '<', s[i + 1] == '/'. */
static bool x_end_tag(x_doc *x, size_t i, size_t *next)
{
    const char *s = x->s;
    size_t n = x->n, j = i + 2, name = j;
    if (j >= n || !x_name_start(s[j]))
        return x_bad(x, j, "expected an element name after \"</\"");
    while (j < n && x_name_char(s[j]))
        j++;
    size_t len = j - name;
    while (j < n && x_ws(s[j]))
        j++;
    if (j >= n || s[j] != '>')
        return x_bad(x, j, "expected '>' to end </%.*s>",
                     (int)GS_MIN(len, 40), s + name);
    if (x->depth == 0)
        return x_bad(x, i, "</%.*s> closes no open element",
                     (int)GS_MIN(len, 40), s + name);
    const x_open *o = &x->stack[x->depth - 1];
    if (o->len != len || memcmp(s + o->at, s + name, len) != 0)
        return x_bad(x, i, "</%.*s> closes <%.*s> (line %u)",
                     (int)GS_MIN(len, 40), s + name,
                     (int)GS_MIN(o->len, 40), s + o->at, x_line(s, o->at));
    if (!x_flush_text(x, false))
        return false;
    gs_buf_puts(&x->out, "</");
    gs_buf_put(&x->out, s + name, len);
    gs_buf_putc(&x->out, '>');
    if (--x->depth == 0)
        x->root_closed = true;
    *next = j + 1;
    return true;
}

/* Markup that starts with "<!" or "<?" at s[i]; *next receives the offset
 * after it. Comments and processing instructions go (hwloc reads none);
 * CDATA is text; a DOCTYPE may come before the root, without an internal
 * subset. */
static bool x_other_markup(x_doc *x, size_t i, bool at_start, size_t *next)
{
    const char *s = x->s;
    size_t n = x->n, rest = n - i;
    if (s[i + 1] == '?') {
        const char *e = x_find(s, n, i + 2, "?>");
        if (!e)
            return x_bad(x, i, "unterminated <? ... ?>");
        size_t end = (size_t)(e - s), t = i + 2;
        if (t >= end || !x_name_start(s[t]))
            return x_bad(x, t, "expected a name after \"<?\"");
        while (t < end && x_name_char(s[t]))
            t++;
        if (t - (i + 2) == 3 && strncasecmp(s + i + 2, "xml", 3) == 0) {
            size_t at = i;
            const char *why = "";
            if (!at_start || memcmp(s + i + 2, "xml", 3) != 0)
                return x_bad(x, i, "an XML declaration must open the "
                                   "document");
            if (!x_decl_ok(s, i + 5, end, &at, &why))
                return x_bad(x, at, "bad XML declaration: %s", why);
        }
        *next = end + 2;
        return true;
    }
    if (rest >= 4 && memcmp(s + i, "<!--", 4) == 0) {
        const char *e = x_find(s, n, i + 4, "--");
        if (!e)
            return x_bad(x, i, "unterminated comment");
        size_t end = (size_t)(e - s);
        if (end + 2 >= n || s[end + 2] != '>')
            return x_bad(x, end, "\"--\" inside a comment");
        *next = end + 3;
        return true;
    }
    if (rest >= 9 && memcmp(s + i, "<![CDATA[", 9) == 0) {
        const char *e = x_find(s, n, i + 9, "]]>");
        if (!e)
            return x_bad(x, i, "unterminated CDATA section");
        if (x->depth == 0)
            return x_bad(x, i, "CDATA outside the root element");
        size_t end = (size_t)(e - s);
        for (size_t k = i + 9; k < end; k++) {
            char ch = s[k];
            if (!x_ws(ch) && x->text_at == SIZE_MAX)
                x->text_at = k;
            if (ch == '\r') {
                if (k + 1 < end && s[k + 1] == '\n')
                    k++;
                ch = '\n';
            }
            gs_buf_putc(&x->text, ch);
        }
        *next = end + 3;
        return true;
    }
    if (rest >= 10 && memcmp(s + i, "<!DOCTYPE", 9) == 0 && x_ws(s[i + 9])) {
        if (x->depth > 0 || x->root_seen)
            return x_bad(x, i, "a <!DOCTYPE> after the root element "
                               "started");
        size_t j = i + 9;
        char quote = 0;
        for (; j < n; j++) {
            char ch = s[j];
            if (quote) {
                if (ch == quote)
                    quote = 0;
            } else if (ch == '"' || ch == '\'') {
                quote = ch;
            } else if (ch == '[') {
                return x_bad(x, j,
                             "a DOCTYPE with an internal subset: gpusched "
                             "reads no DTD (its entities and default "
                             "attributes would change the document), and "
                             "hwloc writes none");
            } else if (ch == '>') {
                break;
            }
        }
        if (j >= n)
            return x_bad(x, i, "unterminated <!DOCTYPE ...>");
        *next = j + 1;
        return true;
    }
    return x_bad(x, i, "unknown markup \"<!\" (XML has <!-- -->, "
                       "<![CDATA[ ]]> and <!DOCTYPE>)");
}

/*
 * Read the document s[0, n) (without NUL bytes) into x->out in hwloc's
 * own form (above), checking it on the way. Returns false with x->p set,
 * or with x->oom. x->v1 tells format 1 (hwloc 1.x) from 2.
 */
static bool xml_canonical(x_doc *x)
{
    const char *s = x->s;
    size_t n = x->n, i = 0;
    x->text_at = SIZE_MAX;
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    if (!x_chars_ok(x))
        return false;
    bool at_start = true; /* nothing but blanks so far */
    while (i < n) {
        size_t next = i;
        bool ok;
        if (s[i] != '<') {
            ok = x_chardata(x, &next);
        } else if (i + 1 < n && s[i + 1] == '/') {
            ok = x_end_tag(x, i, &next);
        } else if (i + 1 < n && (s[i + 1] == '!' || s[i + 1] == '?')) {
            ok = x_other_markup(x, i, at_start, &next);
        } else if (x->depth == 0 && x->root_closed) {
            ok = x_bad(x, i, "a second root element");
        } else {
            ok = x_start_tag(x, i, &next);
        }
        if (!ok)
            return false;
        if (x->out.failed || x->text.failed || x->vals.failed)
            return x_nomem(x);
        for (size_t k = i; k < next && at_start; k++)
            at_start = x_ws(s[k]);
        i = next;
    }
    if (!x->root_seen)
        return x_bad(x, n, "no <topology> element");
    if (x->depth > 0) {
        const x_open *o = &x->stack[x->depth - 1];
        return x_bad(x, n, "the text ends inside <%.*s> (line %u)",
                     (int)GS_MIN(o->len, 40), s + o->at, x_line(s, o->at));
    }
    if (!gs_buf_finish(&x->out))
        return x_nomem(x);
    return true;
}

static void x_doc_free(x_doc *x)
{
    gs_buf_free(&x->out);
    gs_buf_free(&x->vals);
    gs_buf_free(&x->text);
    gs_free(x->attrs);
    gs_free(x->order);
}

/* The document in hwloc's form (c->xml_copy, NUL-terminated, its length
 * in *len_out), or GS_EPARSE naming the first problem as file:line:column
 * in the caller's text, or GS_ENOMEM. Run before hwloc sees anything: it
 * keeps what hwloc 2.9 cannot read away from it (its error paths leak and
 * some crash, see docs/formats.md) and gives the position hwloc never
 * reports. */
static gs_status xml_prepare(hw_ctx *c, const char *text, size_t len,
                             size_t *len_out, bool *v1, bool *has_numa)
{
    xml_problem p;
    x_doc x;
    memset(&x, 0, sizeof x);
    x.s = text;
    x.n = len;
    x.p = &p;
    if (xml_canonical(&x)) {
        if (x.out.len >= (size_t)INT_MAX) {
            x_doc_free(&x);
            return bad(c, "the document is too large for hwloc");
        }
        c->xml_copy = x.out.data;
        *len_out = x.out.len;
        *v1 = x.v1;
        *has_numa = x.has_numa;
        x.out.data = NULL;
        x_doc_free(&x);
        return GS_OK;
    }
    x_doc_free(&x);
    if (x.oom)
        return oom(c);
    /* the reason quotes the input: keep the message printable ASCII */
    for (char *w = p.why; *w; w++)
        if ((unsigned char)*w < 0x20 || (unsigned char)*w >= 0x7f)
            *w = '?';
    size_t line_start = p.at;
    while (line_start > 0 && text[line_start - 1] != '\n')
        line_start--;
    return gs_errf(&c->t->err, GS_EPARSE,
                   "%s:%u:%zu: not an hwloc XML topology (%s)", c->name,
                   x_line(text, p.at), p.at - line_start + 1, p.why);
}

/* hwloc refused well-formed text: say what we can. */
static gs_status xml_refused(hw_ctx *c, bool v1, bool has_numa, int err)
{
    /* hwloc 2 refuses a format-2 topology without NUMA nodes (and prints
     * so on stderr unless HWLOC_HIDE_ERRORS=2): name that case. */
    if (!v1 && !has_numa)
        return gs_errf(&c->t->err, GS_EPARSE,
                       "%s: not an hwloc XML topology (it has no NUMANode "
                       "object, which hwloc 2 requires)",
                       c->name);
    return gs_errf(&c->t->err, GS_EPARSE,
                   "%s: not an hwloc XML topology (hwloc could not load it: "
                   "%s; the XML is well-formed, so hwloc refused its "
                   "content: HWLOC_XML_VERBOSE=1 makes hwloc print why)",
                   c->name, strerror(err ? err : EINVAL));
}

/* ---- loading ----------------------------------------------------------- */

/* Load an XML export into c->topo: the reading above first, then hwloc
 * on the rewritten text. The caller destroys c->topo (when set) and frees
 * the context. */
static gs_status load_xml(hw_ctx *c, const char *text, size_t len)
{
    if (len > HW_XML_MAX)
        return bad(c,
                   "%zu bytes is more than the %zu MiB gpusched accepts for "
                   "an hwloc XML export",
                   len, HW_XML_MAX >> 20);
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        size_t at = (size_t)(nul - text), ls = at;
        while (ls > 0 && text[ls - 1] != '\n')
            ls--;
        return gs_errf(&c->t->err, GS_EPARSE,
                       "%s:%u:%zu: not an hwloc XML topology (a NUL byte)",
                       c->name, x_line(text, at), at - ls + 1);
    }
    size_t n = 0;
    bool v1 = false, has_numa = false;
    gs_status st = xml_prepare(c, text, len, &n, &v1, &has_numa);
    if (st != GS_OK)
        return st;
    /* A format-2 export always has a NUMA node: hwloc 2 adds one to any
     * machine. Without one hwloc refuses the file, but prints to stderr
     * first: refuse it here, quietly. A format-1 export may have none
     * (hwloc 1.x showed no NUMA node on a machine without NUMA): hwloc 2
     * adds one, with the Machine's memory. */
    if (!v1 && !has_numa)
        return xml_refused(c, v1, has_numa, EINVAL);
    if ((st = prepare(c)) != GS_OK)
        return st;
    /* Check set_xmlbuffer: when it fails, hwloc_topology_load would
     * quietly read the machine we run on instead. hwloc wants the size
     * with the NUL. */
    errno = 0;
    int rc = hwloc_topology_set_xmlbuffer(c->topo, c->xml_copy, (int)n + 1);
    if (rc == 0) {
        errno = 0;
        rc = hwloc_topology_load(c->topo);
    }
    return rc < 0 ? xml_refused(c, v1, has_numa, errno) : GS_OK;
}

/* Load this machine's topology into c->topo. */
static gs_status load_live(hw_ctx *c)
{
    gs_status st = prepare(c);
    if (st != GS_OK)
        return st;
    /* The OpenGL component probes X displays: slow, and no use for compute
     * GPUs. The "pci" component (libpciaccess) only adds PCI vendor and
     * device names to what Linux's own I/O discovery finds, and
     * libpciaccess leaks about 1 KiB on every load doing so
     * (pci_get_strings). Blacklisting a component that is not there is no
     * error. */
    hwloc_topology_set_components(c->topo,
                                  HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST,
                                  "gl");
    hwloc_topology_set_components(c->topo,
                                  HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST,
                                  "pci");
    errno = 0;
    if (hwloc_topology_load(c->topo) < 0) {
        int err = errno;
        return gs_errf(&c->t->err, err == ENOSYS ? GS_EUNSUPPORTED : GS_EIO,
                       "hwloc: could not read this machine's topology: %s",
                       strerror(err ? err : EIO));
    }
    return GS_OK;
}

static void ctx_close(hw_ctx *c)
{
    if (c->topo)
        hwloc_topology_destroy(c->topo);
    c->topo = NULL;
    ctx_free(c);
}

/* ---- entry points ------------------------------------------------------ */

gs_status gs_import_hwloc_xml(gs_topo *t, const char *text, size_t len,
                              const char *name, const gs_load_options *o)
{
    hw_ctx c = {.t = t, .name = name, .o = o};
    gs_status st = load_xml(&c, text, len);
    if (st == GS_OK)
        st = import_loaded(&c);
    ctx_close(&c);
    return st;
}

gs_status gs_import_hwloc_live(gs_topo *t, const gs_load_options *o)
{
    hw_ctx c = {.t = t, .name = "hwloc", .o = o};
    gs_status st = load_live(&c);
    if (st == GS_OK)
        st = import_loaded(&c);
    ctx_close(&c);
    return st;
}

/* ---- the probe's view -------------------------------------------------- */

struct gs_hwloc {
    hw_ctx c;
};

gs_status gs_hwloc_open(gs_hwloc **out, gs_topo *t, uint32_t node,
                        const char *xml, size_t len, const char *name,
                        bool nvlinks, const gs_load_options *o)
{
    *out = NULL;
    gs_hwloc *h = gs_calloc(1, sizeof *h);
    if (!h)
        return gs_errf(&t->err, GS_ENOMEM, "out of memory");
    h->c = (hw_ctx){.t = t, .name = xml ? name : "hwloc", .o = o,
                    .node = node};
    gs_status st = xml ? load_xml(&h->c, xml, len) : load_live(&h->c);
    if (st == GS_OK)
        st = analyse(&h->c, nvlinks);
    if (st != GS_OK) {
        gs_hwloc_close(h);
        return st;
    }
    /* queries warn about nothing: the caller's options may go */
    h->c.o = NULL;
    *out = h;
    return GS_OK;
}

void gs_hwloc_close(gs_hwloc *h)
{
    if (!h)
        return;
    ctx_close(&h->c);
    gs_free(h);
}

uint32_t gs_hwloc_numa_count(const gs_hwloc *h)
{
    uint32_t n = 0;
    for (unsigned i = 0; i < h->c.n_numa; i++)
        n += h->c.numa[i].dom != GS_NONE;
    return n;
}

/* hwloc's PCI device for a normalized bus id, or NULL. */
static hwloc_obj_t pci_obj(const gs_hwloc *h, const char *pci)
{
    unsigned dom, bus, dev, fn;
    char tail;
    if (!pci || sscanf(pci, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &tail) !=
                    4)
        return NULL;
    return hwloc_get_pcidev_by_busid(h->c.topo, dom, bus, dev, fn);
}

bool gs_hwloc_has_pci(const gs_hwloc *h, const char *pci)
{
    return pci_obj(h, pci) != NULL;
}

uint32_t gs_hwloc_pci_numa(const gs_hwloc *h, const char *pci)
{
    hwloc_obj_t o = pci_obj(h, pci);
    return o ? gpu_numa(&h->c, o) : GS_NONE;
}

gs_pcie_level gs_hwloc_pci_level(const gs_hwloc *h, const char *a,
                                 const char *b)
{
    hwloc_obj_t x = pci_obj(h, a), y = pci_obj(h, b);
    if (!x || !y || x == y)
        return GS_PCIE_UNKNOWN;
    hw_gpu gx = {.key = x, .pci = x, .numa = gpu_numa(&h->c, x)};
    hw_gpu gy = {.key = y, .pci = y, .numa = gpu_numa(&h->c, y)};
    return pcie_level(&gx, &gy);
}

bool gs_hwloc_has_nvlinks(const gs_hwloc *h)
{
    return h->c.n_gg > 0 || h->c.n_gs > 0;
}

gs_status gs_hwloc_pair_nvlink(gs_hwloc *h, const char *a, const char *b,
                               gs_link_info *li)
{
    hwloc_obj_t x = pci_obj(h, a), y = pci_obj(h, b);
    size_t i = x ? find_gpu(&h->c, x) : SIZE_MAX;
    size_t j = y ? find_gpu(&h->c, y) : SIZE_MAX;
    if (i == SIZE_MAX || j == SIZE_MAX || i == j)
        return GS_OK;
    size_t lo = GS_MIN(i, j), hi = GS_MAX(i, j);
    for (size_t k = 0; k < h->c.n_gg; k++)
        if (h->c.gg[k].a == lo && h->c.gg[k].b == hi)
            return edge_link(&h->c, lo, hi, h->c.gg[k].mbs, li);
    return GS_OK;
}

void gs_hwloc_gpu_fabric(const gs_hwloc *h, const char *pci,
                         uint32_t *fabric, uint32_t *links)
{
    hwloc_obj_t x = pci_obj(h, pci);
    size_t i = x ? find_gpu(&h->c, x) : SIZE_MAX;
    *fabric = i == SIZE_MAX ? GS_NONE : h->c.gpus[i].fabric;
    *links = i == SIZE_MAX ? 0 : h->c.gpus[i].fabric_links;
}

#endif /* GS_HAVE_HWLOC */
