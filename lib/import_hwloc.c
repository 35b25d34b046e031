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
#include "import_hwloc.h"

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

/* Our domain for an hwloc NUMA os_index, or GS_NONE. */
static const hw_numa *numa_by_os(const hw_ctx *c, unsigned os_index)
{
    for (unsigned i = 0; i < c->n_numa; i++)
        if (c->numa[i].dom != GS_NONE && c->numa[i].os_index == os_index)
            return &c->numa[i];
    return NULL;
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
    unsigned n_with_cpus = 0, n_any = 0, max_os = 0;
    for (unsigned k = 0; k < c->n_numa; k++)
        max_os = GS_MAX(max_os, c->numa[k].os_index);
    /* bounded by the largest os_index: a nodeset may be infinite */
    for (int i = hwloc_bitmap_first(anc->nodeset);
         i >= 0 && (unsigned)i <= max_os;
         i = hwloc_bitmap_next(anc->nodeset, i)) {
        const hw_numa *hn = numa_by_os(c, (unsigned)i);
        if (!hn)
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
    if ((st = import_numa(c)) != GS_OK || (st = find_gpus(c)) != GS_OK)
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

/* ---- checking the XML before hwloc reads it ---------------------------- */

typedef struct xml_problem {
    size_t at;
    char why[200];
} xml_problem;

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

static bool x_fail(xml_problem *p, size_t at, const char *fmt, ...)
    GS_PRINTF(3, 4);
static bool x_fail(xml_problem *p, size_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->why, sizeof p->why, fmt, ap);
    va_end(ap);
    p->at = at;
    return true;
}

/* Length of a quoted attribute value starting at at (up to end). */
static size_t x_value_len(const char *s, size_t at, size_t end)
{
    size_t k = at;
    while (k < end && s[k] != '"' && s[k] != '\'')
        k++;
    return k - at;
}

/* The encoding in an XML declaration s[from, end): absent, UTF-8 or ASCII
 * is fine. Anything else would make libxml2 load ICU converters (which
 * leak once hwloc unloads its XML plugin) for text hwloc never writes.
 * *at receives the position of a refused value. */
static bool x_encoding_ok(const char *s, size_t from, size_t end, size_t *at)
{
    static const char *const ok[] = {"UTF-8", "UTF8", "US-ASCII", "ASCII"};
    const char *e = x_find(s, end, from, "encoding");
    if (!e)
        return true;
    size_t k = (size_t)(e - s) + 8;
    while (k < end && x_ws(s[k]))
        k++;
    if (k < end && s[k] == '=')
        k++;
    while (k < end && x_ws(s[k]))
        k++;
    if (k < end && (s[k] == '"' || s[k] == '\''))
        k++;
    *at = k;
    size_t len = x_value_len(s, k, end);
    for (size_t i = 0; i < GS_ARRAY_LEN(ok); i++)
        if (len == strlen(ok[i]) && strncasecmp(s + k, ok[i], len) == 0)
            return true;
    return false;
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

#define X_DEPTH 256

typedef struct x_open {
    size_t at, len; /* the element name in the text */
} x_open;

/*
 * The first problem in the text, with its position: hwloc says only
 * "Invalid argument" when it refuses XML, and hwloc 2.9 crashes, leaks or
 * allocates without bound on some damaged files, so the text is checked
 * before hwloc sees it. Well-formedness (unbalanced or unterminated tags,
 * unquoted values, text outside the root), a root that is not <topology>,
 * an encoding or format version hwloc 2 does not write, and the object
 * attributes whose absence hwloc 2.9 does not survive. It is a cheap check,
 * not a validating parser: finding nothing proves nothing.
 */
static bool xml_first_problem(const char *s, size_t n, xml_problem *p,
                              unsigned *major)
{
    x_open stack[X_DEPTH];
    size_t depth = 0;
    bool root_seen = false, root_closed = false, v2 = false, v1 = false;
    bool has_version = false;
    static const char *const set_names[] = {"cpuset", "complete_cpuset",
                                            "nodeset", "complete_nodeset"};
    size_t i = 0;
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n) {
        if (s[i] != '<') {
            if (depth == 0 && !x_ws(s[i]))
                return x_fail(p, i, root_closed
                                        ? "text after the root element"
                                        : "text before the root element");
            i++;
            continue;
        }
        size_t rest = n - i;
        if (rest >= 2 && s[i + 1] == '?') {
            const char *e = x_find(s, n, i + 2, "?>");
            if (!e)
                return x_fail(p, i, "unterminated <? ... ?>");
            size_t end = (size_t)(e - s), at;
            if (rest >= 6 && memcmp(s + i, "<?xml", 5) == 0 &&
                x_ws(s[i + 5]) && !x_encoding_ok(s, i + 5, end, &at))
                return x_fail(p, at,
                              "encoding \"%.*s\": hwloc writes UTF-8, and "
                              "gpusched reads UTF-8 or ASCII only",
                              (int)GS_MIN(x_value_len(s, at, end), 32),
                              s + at);
            i = end + 2;
            continue;
        }
        if (rest >= 4 && memcmp(s + i, "<!--", 4) == 0) {
            const char *e = x_find(s, n, i + 4, "-->");
            if (!e)
                return x_fail(p, i, "unterminated comment");
            i = (size_t)(e - s) + 3;
            continue;
        }
        if (rest >= 9 && memcmp(s + i, "<![CDATA[", 9) == 0) {
            const char *e = x_find(s, n, i + 9, "]]>");
            if (!e || depth == 0)
                return x_fail(p, i, e ? "CDATA outside the root element"
                                      : "unterminated CDATA section");
            i = (size_t)(e - s) + 3;
            continue;
        }
        if (rest >= 2 && s[i + 1] == '!') {
            if (depth > 0 || root_seen)
                return x_fail(p, i, "a <!...> declaration after the root "
                                    "element started");
            /* <!DOCTYPE ...>, possibly with an internal subset [...] */
            size_t j = i + 2;
            int brackets = 0;
            char quote = 0;
            for (; j < n; j++) {
                char ch = s[j];
                if (quote) {
                    if (ch == quote)
                        quote = 0;
                } else if (ch == '"' || ch == '\'') {
                    quote = ch;
                } else if (ch == '[') {
                    brackets++;
                } else if (ch == ']') {
                    brackets--;
                } else if (ch == '>' && brackets <= 0) {
                    break;
                }
            }
            if (j >= n)
                return x_fail(p, i, "unterminated <!...> declaration");
            i = j + 1;
            continue;
        }
        if (rest >= 2 && s[i + 1] == '/') {
            size_t j = i + 2, name = j;
            if (j >= n || !x_name_start(s[j]))
                return x_fail(p, j, "expected an element name after \"</\"");
            while (j < n && x_name_char(s[j]))
                j++;
            size_t len = j - name;
            while (j < n && x_ws(s[j]))
                j++;
            if (j >= n || s[j] != '>')
                return x_fail(p, j, "expected '>' to end </%.*s>",
                              (int)GS_MIN(len, 40), s + name);
            if (depth == 0)
                return x_fail(p, i, "</%.*s> closes no open element",
                              (int)GS_MIN(len, 40), s + name);
            if (depth <= X_DEPTH) {
                size_t oat = stack[depth - 1].at, olen = stack[depth - 1].len;
                if (olen != len || memcmp(s + oat, s + name, len) != 0)
                    return x_fail(p, i,
                                  "</%.*s> closes <%.*s> (line %u)",
                                  (int)GS_MIN(len, 40), s + name,
                                  (int)GS_MIN(olen, 40), s + oat,
                                  x_line(s, oat));
            }
            if (--depth == 0)
                root_closed = true;
            i = j + 1;
            continue;
        }
        /* a start tag */
        size_t j = i + 1, name = j;
        if (j >= n || !x_name_start(s[j]))
            return x_fail(p, j, "expected an element name after '<'");
        while (j < n && x_name_char(s[j]))
            j++;
        size_t len = j - name;
        if (depth == 0) {
            if (root_closed)
                return x_fail(p, i, "a second root element");
            if (len != 8 || memcmp(s + name, "topology", 8) != 0)
                return x_fail(p, i,
                              "the root element is <%.*s>, not <topology>",
                              (int)GS_MIN(len, 40), s + name);
            root_seen = true;
        }
        bool closed = false, empty = false;
        bool is_obj = depth > 0 && x_is(s, name, len, "object");
        size_t type_at = 0, type_len = 0, os_at = 0, os_len = 0;
        unsigned sets = 0;
        while (j < n && !closed) {
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
                    return x_fail(p, j, "expected '>' after '/'");
                closed = empty = true;
                j += 2;
                break;
            }
            if (j == ws || !x_name_start(s[j]))
                return x_fail(p, j, "unexpected '%c' in <%.*s>",
                              isprint((unsigned char)s[j]) ? s[j] : '?',
                              (int)GS_MIN(len, 40), s + name);
            size_t an = j;
            while (j < n && x_name_char(s[j]))
                j++;
            size_t alen = j - an;
            while (j < n && x_ws(s[j]))
                j++;
            if (j >= n || s[j] != '=')
                return x_fail(p, j, "expected '=' after attribute %.*s",
                              (int)GS_MIN(alen, 40), s + an);
            j++;
            while (j < n && x_ws(s[j]))
                j++;
            if (j >= n || (s[j] != '"' && s[j] != '\''))
                return x_fail(p, j, "expected a quoted value for attribute "
                                    "%.*s",
                              (int)GS_MIN(alen, 40), s + an);
            char q = s[j++];
            size_t v = j;
            while (j < n && s[j] != q && s[j] != '<')
                j++;
            if (j >= n)
                return x_fail(p, v - 1, "unterminated value of attribute "
                                        "%.*s",
                              (int)GS_MIN(alen, 40), s + an);
            if (s[j] == '<')
                return x_fail(p, j, "'<' inside the value of attribute %.*s",
                              (int)GS_MIN(alen, 40), s + an);
            if (depth == 0 && alen == 7 && memcmp(s + an, "version", 7) == 0 &&
                j > v && s[v] >= '3' && s[v] <= '9')
                return x_fail(p, v,
                              "hwloc XML format version %.*s is newer than "
                              "the hwloc 2.x gpusched uses can read (export "
                              "it with hwloc 2.x)",
                              (int)GS_MIN(j - v, 16), s + v);
            if (depth == 0 && x_is(s, an, alen, "version")) {
                has_version = true;
                if (j - v >= 2 && s[v] == '2' && s[v + 1] == '.')
                    v2 = true;
            }
            /* hwloc 2.9 crashes on objects whose sets are missing or
             * garbled (its own lstopo too; a missing complete_cpuset on
             * any object, a missing complete_nodeset on a NUMA node):
             * check them first. */
            /* hwloc 2.9 reading a format-1 export crashes on some
             * attributes it does not know (found by fuzzing: a name like
             * "cpusetX"): there, take only the attributes hwloc 1.x wrote */
            if (is_obj && v1 && !x_v1_attr(s, an, alen))
                return x_fail(p, an,
                              "attribute %.*s is not one hwloc 1.x writes "
                              "on an <object>",
                              (int)GS_MIN(alen, 40), s + an);
            /* the other sets too: hwloc parses them all (found by
             * fuzzing format-1 exports: allowed_cpuset="0x000&000f7") */
            if (is_obj &&
                (x_is(s, an, alen, "online_cpuset") ||
                 x_is(s, an, alen, "allowed_cpuset") ||
                 x_is(s, an, alen, "allowed_nodeset")) &&
                !x_bitmap_ok(s, v, j - v))
                return x_fail(p, v,
                              "%.*s=\"%.*s\" is not an hwloc bitmap (0x... "
                              "groups separated by commas)",
                              (int)alen, s + an, (int)GS_MIN(j - v, 40),
                              s + v);
            if (is_obj && x_is(s, an, alen, "os_index")) {
                os_at = v;
                os_len = j - v;
            }
            if (is_obj && x_is(s, an, alen, "type")) {
                if (type_len)
                    return x_fail(p, an, "attribute type given twice");
                type_at = v;
                type_len = j - v;
            }
            for (unsigned b = 0; is_obj && b < 4; b++) {
                if (!x_is(s, an, alen, set_names[b]))
                    continue;
                if (sets & (1u << b))
                    return x_fail(p, an, "attribute %s given twice",
                                  set_names[b]);
                sets |= 1u << b;
                if (!x_bitmap_ok(s, v, j - v))
                    return x_fail(p, v,
                                  "%s=\"%.*s\" is not an hwloc bitmap "
                                  "(0x... groups separated by commas)",
                                  set_names[b], (int)GS_MIN(j - v, 24),
                                  s + v);
            }
            j++;
        }
        if (!closed)
            return x_fail(p, i, "the text ends inside the tag <%.*s>",
                          (int)GS_MIN(len, 40), s + name);
        /* hwloc 2.x has always written version="2.0"; hwloc 1.x wrote no
         * version at all (format 1, which hwloc 2 still reads through a
         * path of its own). Anything else is no hwloc export. */
        if (depth == 0 && has_version && !v2)
            return x_fail(p, i,
                          "<topology> has a version that is neither \"2.x\" "
                          "(hwloc 2) nor absent (hwloc 1.x)");
        if (depth == 0 && !has_version)
            v1 = true;
        if (is_obj && !type_len)
            return x_fail(p, i, "an <object> without a type");
        if (is_obj && !x_cpu_side_type(s, type_at, type_len, v1) &&
            !x_is(s, type_at, type_len, "Bridge") &&
            !x_is(s, type_at, type_len, "PCIDev") &&
            !x_is(s, type_at, type_len, "OSDev") &&
            !x_is(s, type_at, type_len, "Misc"))
            return x_fail(p, type_at, "unknown object type \"%.*s\"",
                          (int)GS_MIN(type_len, 24), s + type_at);
        /* A PU or NUMA node without os_index gets hwloc's "unknown" index,
         * 2^32 - 1, and hwloc then grows a bitmap to that bit (512 MiB).
         * Exports always give it; gpusched takes CPU numbers up to
         * GS_CPU_MAX anyway. */
        if (is_obj &&
            (x_is(s, type_at, type_len, "PU") ||
             x_is(s, type_at, type_len, "NUMANode")) &&
            !x_small_index(s, os_at, os_len))
            return x_fail(p, i,
                          "<object type=\"%.*s\"> needs an os_index from 0 "
                          "to %u",
                          (int)type_len, s + type_at, GS_CPU_MAX);
        /* hwloc 1.x wrote the nodesets only when the machine had NUMA
         * nodes: a format-1 object needs its cpusets, a NUMA node its
         * nodesets too, and the others both nodesets or neither. */
        unsigned need = 15;
        if (v1 && !x_is(s, type_at, type_len, "NUMANode"))
            need = (sets & 12) ? 15 : 3;
        if (is_obj && x_cpu_side_type(s, type_at, type_len, v1) &&
            (sets & need) != need) {
            unsigned b = 0;
            while (sets & (1u << b))
                b++;
            return x_fail(p, i,
                          "<object type=\"%.*s\"> has no %s (hwloc writes "
                          "it for every such object; hwloc 2.9 can crash "
                          "without it)",
                          (int)GS_MIN(type_len, 24), s + type_at,
                          set_names[b]);
        }
        if (empty) {
            if (depth == 0)
                root_closed = true;
        } else {
            if (depth < X_DEPTH)
                stack[depth] = (x_open){name, len};
            depth++;
        }
        i = j;
    }
    if (!root_seen)
        return x_fail(p, n, "no <topology> element");
    if (depth > 0) {
        size_t k = GS_MIN(depth, (size_t)X_DEPTH) - 1;
        return x_fail(p, n, "the text ends inside <%.*s> (line %u)",
                      (int)GS_MIN(stack[k].len, 40), s + stack[k].at,
                      x_line(s, stack[k].at));
    }
    *major = v1 ? 1 : 2;
    return false;
}

/* GS_OK when the scan finds nothing wrong, else GS_EPARSE naming the
 * place. Run before hwloc sees the text: it keeps malformed XML away from
 * hwloc's parsers (whose error paths leak, see docs/formats.md) and
 * gives the position hwloc never reports. */
static gs_status xml_precheck(hw_ctx *c, const char *text, size_t len,
                              unsigned *major)
{
    xml_problem p;
    if (!xml_first_problem(text, len, &p, major))
        return GS_OK;
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
static gs_status xml_refused(hw_ctx *c, const char *text, size_t len,
                             unsigned major, int err)
{
    /* hwloc 2 refuses a format-2 topology without NUMA nodes (and prints
     * so on stderr unless HWLOC_HIDE_ERRORS=2): name that case. */
    if (major >= 2 && !x_find(text, len, 0, "\"NUMANode\""))
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

/* Load an XML export into c->topo: the checks above first, then hwloc.
 * The caller destroys c->topo (when set) and frees the context. */
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
    unsigned major = 2;
    gs_status st = xml_precheck(c, text, len, &major);
    if (st != GS_OK)
        return st;
    /* Format detection skips a UTF-8 BOM and blank lines before "<?xml";
     * XML parsers refuse them, so hwloc gets the text without. */
    size_t skip = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        skip = 3;
    while (skip < len && x_ws(text[skip]))
        skip++;
    /* hwloc wants the text NUL-terminated and its size with the NUL. */
    size_t n = len - skip;
    char *copy = gs_malloc(n + 1);
    if (!copy)
        return oom(c);
    memcpy(copy, text + skip, n);
    copy[n] = '\0';
    c->xml_copy = copy;
    /* A format-2 export always has a NUMA node: hwloc 2 adds one to any
     * machine. Without one hwloc refuses the file, but prints to stderr
     * first: refuse it here, quietly. A format-1 export may have none
     * (hwloc 1.x showed no NUMA node on a machine without NUMA): hwloc 2
     * adds one, with the Machine's memory. */
    if (major >= 2 && !x_find(copy, n, 0, "\"NUMANode\""))
        return xml_refused(c, text, len, major, EINVAL);
    if ((st = prepare(c)) != GS_OK)
        return st;
    /* Check set_xmlbuffer: when it fails, hwloc_topology_load would
     * quietly read the machine we run on instead. */
    errno = 0;
    int rc = hwloc_topology_set_xmlbuffer(c->topo, copy, (int)n + 1);
    if (rc == 0) {
        errno = 0;
        rc = hwloc_topology_load(c->topo);
    }
    /* positions in messages are in the caller's text */
    return rc < 0 ? xml_refused(c, text, len, major, errno) : GS_OK;
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
