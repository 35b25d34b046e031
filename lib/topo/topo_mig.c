/*
 * The MIG mode of GPUs in the topology: off, a fixed layout the admin made
 * (with its instances' UUIDs), or dynamic. Kept per node (not in the node
 * type: layouts and UUIDs belong to one machine), only for nodes that have
 * a GPU in MIG mode.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "topo/topo_impl.h"

#include <stdio.h>
#include <string.h>

GS_API const char *gs_mig_mode_name(gs_mig_mode mode)
{
    switch (mode) {
    case GS_MIG_OFF:
        return "off";
    case GS_MIG_FIXED:
        return "fixed";
    case GS_MIG_DYNAMIC:
        return "dynamic";
    }
    return "?";
}

static gs_status building_gpu(gs_topo *t, uint32_t node, uint32_t gpu,
                              gs_node_rec **out)
{
    if (!t)
        return GS_EINVAL;
    if (t->frozen)
        return gs_errf(&t->err, GS_EFROZEN,
                       "the topology is frozen and cannot be changed");
    if (node >= t->n_nodes)
        return gs_errf(&t->err, GS_EINVAL, "node %u does not exist", node);
    gs_node_rec *n = &t->nodes[node];
    if (gpu >= n->type->n_gpus)
        return gs_errf(&t->err, GS_EINVAL,
                       "node \"%s\" has no GPU %u (it has %u)", n->name, gpu,
                       n->type->n_gpus);
    *out = n;
    return GS_OK;
}

/* Room for the node's GPUs in its MIG array (new entries off). */
static gs_status mig_room(gs_topo *t, gs_node_rec *n)
{
    uint32_t want = n->type->n_gpus;
    if (n->mig_n >= want)
        return GS_OK;
    gs_mig_rec *m = gs_realloc(n->mig, (size_t)want * sizeof *m);
    if (!m)
        return gs_errf(&t->err, GS_ENOMEM, "out of memory");
    memset(m + n->mig_n, 0, (size_t)(want - n->mig_n) * sizeof *m);
    n->mig = m;
    n->mig_n = want;
    return GS_OK;
}

static bool spec_is(const char *spec, const char *word)
{
    size_t i = 0, k = 0;
    while (spec[i] == ' ' || spec[i] == '\t')
        i++;
    for (; word[k]; k++, i++) {
        char c = spec[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[k])
            return false;
    }
    while (spec[i] == ' ' || spec[i] == '\t')
        i++;
    return spec[i] == '\0';
}

GS_API gs_status gs_topo_set_gpu_mig(gs_topo *t, uint32_t node, uint32_t gpu,
                                     const char *spec)
{
    gs_node_rec *n = NULL;
    gs_status st = building_gpu(t, node, gpu, &n);
    if (st != GS_OK)
        return st;
    if (!spec || spec_is(spec, "") || spec_is(spec, "off")) {
        if (gpu < n->mig_n)
            memset(&n->mig[gpu], 0, sizeof n->mig[gpu]);
        return GS_OK;
    }
    const gs_gpu_rec *g = &n->type->gpus[gpu];
    gs_mig_gpu kind;
    if (gs_mig_gpu_find(g->model ? g->model : "", g->memory, &kind) != GS_OK)
        return gs_errf(&t->err, GS_EINVAL,
                       "node \"%s\" GPU %u: \"%s\"%s has no MIG table (MIG "
                       "is known for A100 40GB and 80GB, H100 80GB and "
                       "H200)",
                       n->name, gpu, g->model ? g->model : "(no model)",
                       g->memory ? "" : " without its memory");
    gs_mig_rec rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = (uint8_t)kind;
    if (spec_is(spec, "dynamic")) {
        rec.mode = GS_MIG_DYNAMIC;
    } else {
        char why[160];
        size_t cnt = 0;
        st = gs_mig_layout_parse(kind, spec, rec.inst, GS_MIG_COMPUTE_SLICES,
                                 &cnt, why, sizeof why);
        if (st != GS_OK) {
            /* the text as given, its first 64 bytes, printable */
            char shown[65];
            size_t k = 0;
            for (; k < 64 && spec[k]; k++)
                shown[k] = (spec[k] >= 0x20 && spec[k] < 0x7f) ? spec[k] : '?';
            shown[k] = '\0';
            return gs_errf(&t->err, st == GS_ENOSPC ? GS_EINVAL : st,
                           "node \"%s\" GPU %u (%s): MIG layout \"%s%s\": %s",
                           n->name, gpu, gs_mig_gpu_name(kind), shown,
                           spec[k] ? "..." : "",
                           st == GS_ENOSPC ? "more than 7 instances" : why);
        }
        if (cnt == 0)
            return gs_errf(&t->err, GS_EINVAL,
                           "node \"%s\" GPU %u: a fixed MIG layout needs at "
                           "least one instance (\"dynamic\" lets the "
                           "scheduler make them)",
                           n->name, gpu);
        rec.mode = GS_MIG_FIXED;
        rec.n = (uint8_t)cnt;
    }
    if ((st = mig_room(t, n)) != GS_OK)
        return st;
    n->mig[gpu] = rec;
    return GS_OK;
}

bool gs_mig_uuid_ok(const char *u)
{
    if (strncmp(u, "MIG-", 4) != 0)
        return false;
    size_t len = strlen(u);
    if (len < 5 || len > GS_MAX_MIG_UUID)
        return false;
    for (size_t i = 4; i < len; i++) {
        char c = u[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '/' || c == '.'))
            return false;
    }
    return true;
}

GS_API gs_status gs_topo_set_mig_uuids(gs_topo *t, uint32_t node,
                                       uint32_t gpu,
                                       const char *const *uuids, size_t n)
{
    gs_node_rec *nd = NULL;
    gs_status st = building_gpu(t, node, gpu, &nd);
    if (st != GS_OK)
        return st;
    gs_mig_rec *m = gpu < nd->mig_n ? &nd->mig[gpu] : NULL;
    if (!m || m->mode != GS_MIG_FIXED)
        return gs_errf(&t->err, GS_EINVAL,
                       "node \"%s\" GPU %u: MIG instance UUIDs need a fixed "
                       "MIG layout (its mode is %s)",
                       nd->name, gpu,
                       gs_mig_mode_name(m ? (gs_mig_mode)m->mode : GS_MIG_OFF));
    if (n != m->n || (n && !uuids))
        return gs_errf(&t->err, GS_EINVAL,
                       "node \"%s\" GPU %u: %zu MIG instance UUIDs for %u "
                       "instances",
                       nd->name, gpu, uuids ? n : 0, m->n);
    for (size_t i = 0; i < n; i++) {
        if (!uuids[i])
            continue;
        if (!gs_mig_uuid_ok(uuids[i]))
            return gs_errf(&t->err, GS_EINVAL,
                           "node \"%s\" GPU %u instance %zu: \"%.64s\" is "
                           "not a MIG UUID (\"MIG-\" and up to %u letters, "
                           "digits, '-', '/', '.')",
                           nd->name, gpu, i, uuids[i], GS_MAX_MIG_UUID - 4);
        for (size_t k = 0; k < i; k++)
            if (uuids[k] && strcmp(uuids[k], uuids[i]) == 0)
                return gs_errf(&t->err, GS_EINVAL,
                               "node \"%s\" GPU %u: instances %zu and %zu "
                               "have the same UUID \"%s\"",
                               nd->name, gpu, k, i, uuids[i]);
    }
    const char *copy[GS_MIG_COMPUTE_SLICES] = {0};
    for (size_t i = 0; i < n; i++)
        if (uuids[i] && !(copy[i] = gs_arena_strndup(&t->strings.arena,
                                                     uuids[i],
                                                     strlen(uuids[i]))))
            return gs_errf(&t->err, GS_ENOMEM, "out of memory");
    memcpy(m->uuid, copy, sizeof copy);
    return GS_OK;
}

const gs_mig_rec *gs_topo_mig_rec(const gs_topo *t, uint32_t gpu)
{
    const gs_node_rec *n = &t->nodes[t->gpu_node[gpu]];
    uint32_t i = gpu - n->first_gpu;
    if (i >= n->mig_n || n->mig[i].mode == GS_MIG_OFF)
        return NULL;
    return &n->mig[i];
}

GS_API gs_status gs_topo_gpu_mig(const gs_topo *t, uint32_t gpu,
                                 gs_mig_mode *mode, gs_mig_gpu *kind,
                                 gs_mig_instance *inst, size_t cap,
                                 size_t *n)
{
    if (!t)
        return GS_EINVAL;
    if (!t->frozen)
        return GS_ENOTFROZEN;
    if (gpu >= t->n_gpus || (cap && !inst))
        return GS_EINVAL;
    const gs_mig_rec *m = gs_topo_mig_rec(t, gpu);
    if (mode)
        *mode = m ? (gs_mig_mode)m->mode : GS_MIG_OFF;
    if (m && kind)
        *kind = (gs_mig_gpu)m->kind;
    size_t cnt = m ? m->n : 0;
    if (n)
        *n = cnt;
    if (!inst)
        return GS_OK; /* the mode and the count only */
    if (cnt > cap)
        return GS_ENOSPC;
    if (cnt)
        memcpy(inst, m->inst, cnt * sizeof *inst);
    return GS_OK;
}

GS_API const char *gs_topo_mig_uuid(const gs_topo *t, uint32_t gpu,
                                    uint32_t instance)
{
    if (!t || !t->frozen || gpu >= t->n_gpus)
        return NULL;
    const gs_mig_rec *m = gs_topo_mig_rec(t, gpu);
    if (!m || instance >= m->n)
        return NULL;
    return m->uuid[instance];
}
