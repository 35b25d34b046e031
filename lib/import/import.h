/*
 * Importers: each reads one foreign format into a fresh, unfrozen topology
 * through the builder API. On failure they return GS_EPARSE (message
 * "name:line:column: what" in t->err) or GS_ENOMEM, and the caller discards
 * the topology.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_IMPORT_H
#define GS_IMPORT_H

#include "topo/topo_impl.h"

/* nvidia-smi topo -m text (lib/import_smi.c) */
gs_status gs_import_smi(gs_topo *t, const char *text, size_t len,
                        const char *name, const gs_load_options *o);
/* hwloc XML export and the live machine (lib/import_hwloc.c) */
gs_status gs_import_hwloc_xml(gs_topo *t, const char *text, size_t len,
                              const char *name, const gs_load_options *o);
gs_status gs_import_hwloc_live(gs_topo *t, const gs_load_options *o);
/* Slurm topology.conf and gres.conf (lib/import_slurm.c) */
gs_status gs_import_slurm_topology(gs_topo *t, const char *text, size_t len,
                                   const char *name,
                                   const gs_load_options *o);
gs_status gs_import_slurm_gres(gs_topo *t, const char *text, size_t len,
                               const char *name, const gs_load_options *o);

/* Report a warning through the caller's callback, if any. */
void gs_load_warn(const gs_load_options *o, const char *fmt, ...)
    GS_PRINTF(2, 3);
/* The hostname for single-machine imports ("localhost" by default). */
const char *gs_load_hostname(const gs_load_options *o);

#endif
