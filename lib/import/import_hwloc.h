/*
 * The hwloc importer's internals, shared with the device probe
 * (lib/probe.c). The importer (gs_import_hwloc_xml, _live in import.h)
 * turns all of hwloc's view into a node; the probe takes the GPUs from the
 * CUDA driver and asks hwloc only for what the driver cannot say: the NUMA
 * domains, each GPU's domain and PCIe level (by PCI bus id), and the
 * NVLinks of hwloc's NVLinkBandwidth matrix when NVML is not there.
 *
 * Both go through the same code: loading (live machine or XML text, with
 * the same checks before hwloc sees the text), the NUMA domains, finding
 * the GPUs, the NVLink matrix and the NVSwitch fabrics.
 *
 * Built without hwloc (no GS_HAVE_HWLOC), gs_hwloc_open returns
 * GS_EUNSUPPORTED and the queries are never reached.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_IMPORT_HWLOC_H
#define GS_IMPORT_HWLOC_H

#include "import/import.h"

/* A loaded and analysed hwloc topology. */
typedef struct gs_hwloc gs_hwloc;

/*
 * Load hwloc's view of this machine (xml == NULL) or of an XML export
 * (xml, len; name for messages), add its NUMA domains to node `node` of t
 * (which must have none yet) and analyse its GPUs, and with `nvlinks` its
 * NVLinkBandwidth matrix and NVSwitch fabrics (with their warnings), as
 * the importer does. On failure *out is NULL, t->err says why (GS_EPARSE,
 * GS_EIO, GS_EUNSUPPORTED, GS_ENOMEM) and some domains may have been
 * added: the caller discards the node. Warnings go through o.
 */
gs_status gs_hwloc_open(gs_hwloc **out, gs_topo *t, uint32_t node,
                        const char *xml, size_t len, const char *name,
                        bool nvlinks, const gs_load_options *o);
void gs_hwloc_close(gs_hwloc *h);

/* NUMA domains added to the node. */
uint32_t gs_hwloc_numa_count(const gs_hwloc *h);

/* The PCI device with this bus id ("dddd:bb:dd.f", normalized) is in
 * hwloc's tree. */
bool gs_hwloc_has_pci(const gs_hwloc *h, const char *pci);
/* The NUMA domain (index on the node) of a PCI device, GS_NONE when
 * unknown or when hwloc has no such device. */
uint32_t gs_hwloc_pci_numa(const gs_hwloc *h, const char *pci);
/* The PCIe level between two PCI devices (same rules as the importer),
 * GS_PCIE_UNKNOWN when hwloc lacks either. */
gs_pcie_level gs_hwloc_pci_level(const gs_hwloc *h, const char *a,
                                 const char *b);

/* Whether hwloc has an NVLinkBandwidth matrix that names any GPU. */
bool gs_hwloc_has_nvlinks(const gs_hwloc *h);
/* The NVLink part of the link between two GPUs (bus ids), as the importer
 * sets it: li->nvlinks (direct wires) and, when the matrix's figure is not
 * a multiple of 25 GB/s, li->bandwidth. Leaves li alone when hwloc has no
 * wires between them. GS_EPARSE (t->err) when the figure is out of range.
 * Not const: a refusal writes the topology's message. */
gs_status gs_hwloc_pair_nvlink(gs_hwloc *h, const char *a, const char *b,
                               gs_link_info *li);
/* A GPU's NVSwitch fabric as the importer numbers them (GS_NONE when on
 * none) and its links into it. */
void gs_hwloc_gpu_fabric(const gs_hwloc *h, const char *pci,
                         uint32_t *fabric, uint32_t *links);

#endif
