/*
 * CUDA_VISIBLE_DEVICES, read the way the CUDA driver reads it, for the
 * report. The driver applies it itself (the probe sees only the devices it
 * leaves); reading it here says how many entries took effect and where
 * the driver stopped, and catches a driver that saw another value (the
 * variable is read once per process, at the first cuInit).
 *
 * The rules (NVIDIA's CUDA programming guide, "CUDA Environment
 * Variables"; docs/probe.md restates them with the cases the guide leaves
 * open):
 * - entries are separated by commas and taken in order;
 * - an entry is a device index (decimal digits), a GPU UUID or a prefix of
 *   one ("GPU-8932f937") that names exactly one GPU, or a MIG instance
 *   ("MIG-...");
 * - the first entry that is none of these (an index past the last device,
 *   "-1", an unknown or ambiguous UUID prefix, an empty entry, an index
 *   given twice) ends the list: only the entries before it count.
 * Blanks around an entry are ignored. Without NVML the probe does not know
 * the machine's devices, so indexes and UUIDs are taken on trust.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "probe/probe_impl.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Devices NVML knows whose UUID starts with the prefix (case-blind). */
static uint32_t uuid_matches(const pr_ctx *c, const char *s, size_t len)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < c->n_nv; i++)
        if (c->nv[i].handle && strlen(c->nv[i].uuid) >= len &&
            strncasecmp(c->nv[i].uuid, s, len) == 0)
            n++;
    return n;
}

void pr_visible(pr_ctx *c)
{
    c->cvd_entries = 0;
    c->cvd_stop = GS_NONE;
    if (!c->cvd)
        return;
    bool known = c->n_nv != GS_NONE; /* NVML gave the machine's devices */
    bool any_mig = false;
    /* indexes seen so far: a bitmap over the indexes gpusched takes */
    uint64_t seen[GS_MAX_GPUS_PER_NODE / 64];
    memset(seen, 0, sizeof seen);
    const char *p = c->cvd;
    for (uint32_t pos = 0;; pos++) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *s = p;
        while (len && isspace((unsigned char)*s)) {
            s++;
            len--;
        }
        while (len && isspace((unsigned char)s[len - 1]))
            len--;
        bool ok = false;
        if (len && isdigit((unsigned char)s[0])) {
            size_t k = 0;
            unsigned long v = 0;
            while (k < len && isdigit((unsigned char)s[k]) && v <= 1000000)
                v = v * 10 + (unsigned long)(s[k++] - '0');
            ok = k == len && v < GS_MAX_GPUS_PER_NODE &&
                 !(seen[v / 64] >> (v % 64) & 1) && (!known || v < c->n_nv);
            if (ok)
                seen[v / 64] |= UINT64_C(1) << (v % 64);
        } else if (len > 4 && strncmp(s, "GPU-", 4) == 0) {
            ok = !known || uuid_matches(c, s, len) == 1;
        } else if (len > 4 && strncmp(s, "MIG-", 4) == 0) {
            ok = true;
            any_mig = true;
        }
        if (!ok) {
            c->cvd_stop = pos;
            break;
        }
        c->cvd_entries++;
        if (!end)
            break;
        p = end + 1;
    }
    /* Only when every entry could be checked: the driver must show as
     * many devices as the entries that count. */
    if (known && !any_mig && c->lib_status[GS_PROBE_LIB_CUDA] == GS_OK &&
        c->cuda_devices != c->cvd_entries)
        pr_warn(c, "CUDA_VISIBLE_DEVICES=\"%.64s\" names %u device%s before "
                   "CUDA stops reading it, but the driver shows %u: it read "
                   "another value (the driver reads it once per process) or "
                   "another device order",
                c->cvd, c->cvd_entries, c->cvd_entries == 1 ? "" : "s",
                c->cuda_devices);
}
