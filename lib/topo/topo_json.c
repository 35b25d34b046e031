/*
 * gpusched's JSON topology format (docs/formats.md): reader and writer.
 * Every error names file:line:column of the value at fault.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "common/json.h"
#include "common/lists.h"
#include "topo/topo_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Most nodes one file may describe (262,144: more than any machine room
 * has, and few enough that a short file cannot ask for gigabytes). */
#define MAX_NODES (1u << 18)
/* Most GPU pairs (link cells, 8 bytes each) the node descriptions of one
 * file may build, n x n for n GPUs: 256 MiB. A 37-byte inline node of
 * 1024 GPUs builds 8 MiB of them, so 200 such nodes took 16 s and 1.6 GB;
 * 262,144 inline nodes of 8 GPUs stay below. Identical nodes belong in one
 * template, which is built once. */
#define MAX_CELLS (UINT64_C(1) << 25)

typedef struct jctx {
    gs_topo *t;
    const char *name;
    gs_err *err;
    uint64_t cells; /* built so far */
} jctx;

static gs_status jerr(jctx *c, const json_value *v, gs_status st,
                      const char *fmt, ...) GS_PRINTF(4, 5);

static gs_status jerr(jctx *c, const json_value *v, gs_status st,
                      const char *fmt, ...)
{
    char what[GS_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return gs_errf(c->err, st, "%s:%u:%u: %s", c->name, v ? v->line : 1,
                   v ? v->col : 1, what);
}

static gs_status jerr_at(jctx *c, uint32_t line, uint32_t col, gs_status st,
                         const char *what)
{
    return gs_errf(c->err, st, "%s:%u:%u: %s", c->name, line, col, what);
}

/* Prefix the message a builder call left with the value's position. A
 * problem found in the file is GS_EPARSE whatever the builder called it;
 * running out of memory stays GS_ENOMEM. */
static gs_status jwrap(jctx *c, const json_value *v, gs_status st)
{
    char what[GS_ERRMSG_MAX];
    snprintf(what, sizeof what, "%s", c->err->msg);
    return jerr_at(c, v->line, v->col, st == GS_ENOMEM ? st : GS_EPARSE, what);
}

static gs_status check_keys(jctx *c, const json_value *obj, const char *where,
                            const char *const *allowed)
{
    for (size_t i = 0; i < obj->u.obj.n; i++) {
        const json_member *m = &obj->u.obj.members[i];
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strlen(*a) == m->key_len && memcmp(*a, m->key, m->key_len) == 0;
        if (!ok)
            return gs_errf(c->err, GS_EPARSE,
                           "%s:%u:%u: unknown key \"%.64s\" in %s", c->name,
                           m->line, m->col, m->key, where);
    }
    return GS_OK;
}

static gs_status want_type(jctx *c, const json_value *v, json_type t,
                           const char *what)
{
    if (v->type == t)
        return GS_OK;
    return jerr(c, v, GS_EPARSE, "\"%s\" must be %s, not %s", what,
                json_type_name(t), json_type_name(v->type));
}

static gs_status get_uint(jctx *c, const json_value *v, const char *what,
                          uint64_t max, uint64_t *out)
{
    *out = 0;
    if (v->type != JSON_NUMBER || !v->u.num.is_int || v->u.num.i < 0 ||
        (uint64_t)v->u.num.i > max)
        return jerr(c, v, GS_EPARSE,
                    "\"%s\" must be an integer from 0 to %" PRIu64, what, max);
    *out = (uint64_t)v->u.num.i;
    return GS_OK;
}

static gs_status get_string(jctx *c, const json_value *v, const char *what,
                            const char **out)
{
    *out = NULL;
    gs_status st = want_type(c, v, JSON_STRING, what);
    if (st == GS_OK) {
        if (strlen(v->u.str.s) != v->u.str.len)
            return jerr(c, v, GS_EPARSE, "\"%s\" contains a NUL character",
                        what);
        *out = v->u.str.s;
    }
    return st;
}

/* A size: integer bytes, or a string "<number><unit>" (KiB.., KB.., K..). */
static gs_status get_size(jctx *c, const json_value *v, const char *what,
                          uint64_t *out)
{
    *out = 0;
    if (v->type == JSON_NUMBER)
        return get_uint(c, v, what, INT64_MAX, out);
    if (v->type != JSON_STRING)
        return jerr(c, v, GS_EPARSE,
                    "\"%s\" must be a byte count or a string like \"80GiB\"",
                    what);
    const char *s = v->u.str.s;
    uint64_t num = 0;
    size_t i = 0;
    bool huge = false;
    while (s[i] >= '0' && s[i] <= '9') {
        if (num > (UINT64_MAX - 9) / 10)
            huge = true; /* keep reading: the unit still has to be right */
        else
            num = num * 10 + (uint64_t)(s[i] - '0');
        i++;
    }
    if (i == 0)
        goto bad;
    while (s[i] == ' ')
        i++;
    static const struct {
        const char *unit;
        uint64_t mul;
    } units[] = {{"", 1},
                 {"B", 1},
                 {"K", 1ull << 10},
                 {"KiB", 1ull << 10},
                 {"KB", 1000ull},
                 {"M", 1ull << 20},
                 {"MiB", 1ull << 20},
                 {"MB", 1000000ull},
                 {"G", 1ull << 30},
                 {"GiB", 1ull << 30},
                 {"GB", 1000000000ull},
                 {"T", 1ull << 40},
                 {"TiB", 1ull << 40},
                 {"TB", 1000000000000ull}};
    for (size_t u = 0; u < GS_ARRAY_LEN(units); u++) {
        if (strcmp(s + i, units[u].unit) == 0) {
            if (huge || num > INT64_MAX / units[u].mul)
                return jerr(c, v, GS_EPARSE,
                            "\"%s\": \"%.64s\" is too large (at most "
                            "9223372036854775807 bytes)",
                            what, s);
            *out = num * units[u].mul;
            return GS_OK;
        }
    }
bad:
    return jerr(c, v, GS_EPARSE,
                "\"%s\": \"%.64s\" is not a size (use bytes or a number with "
                "KiB, MiB, GiB, TiB, KB, MB, GB or TB)",
                what, s);
}

/* A bandwidth in GB/s: a non-negative number with at most 3 decimals kept. */
static gs_status get_gbps(jctx *c, const json_value *v, const char *what,
                          double *out)
{
    *out = 0;
    int64_t milli;
    if (v->type != JSON_NUMBER || !json_number_milli(v, &milli) ||
        milli < 0 || milli > 4000000000ll)
        return jerr(c, v, GS_EPARSE,
                    "\"%s\" must be a bandwidth in GB/s from 0 to 4000000",
                    what);
    *out = (double)milli / 1000.0;
    return GS_OK;
}

static gs_status read_bandwidths(jctx *c, const json_value *v,
                                 gs_bandwidths *bw)
{
    static const char *const keys[] = {"nvlink_per_link", "PIX", "PXB", "PHB",
                                       "NODE", "SYS", NULL};
    gs_status st = want_type(c, v, JSON_OBJECT, "bandwidth");
    if (st == GS_OK)
        st = check_keys(c, v, "\"bandwidth\"", keys);
    if (st != GS_OK)
        return st;
    gs_bandwidths_init(bw);
    double *fields[] = {&bw->nvlink_per_link, &bw->pix, &bw->pxb,
                        &bw->phb, &bw->node, &bw->sys};
    for (size_t i = 0; keys[i]; i++) {
        const json_member *m = json_member_get(v, keys[i]);
        if (m && (st = get_gbps(c, m->value, keys[i], fields[i])) != GS_OK)
            return st;
        if (m && *fields[i] == 0)
            return jerr(c, m->value, GS_EPARSE,
                        "\"%s\" must be a positive bandwidth", keys[i]);
    }
    return GS_OK;
}

/* ---- node descriptions ------------------------------------------------- */

/* Cells as read from matrix/pcie/links/sources, before they are applied. */
typedef struct rcell {
    int16_t nv;      /* shown NV count, -1: not NV */
    int8_t pcie;     /* -1 not given, 0 unknown ("?"), 1..5 */
    int8_t source;   /* -1 not given */
    uint32_t bw;     /* explicit MB/s, 0 none */
    bool touched;
    bool in_matrix;  /* "matrix" gave this cell */
    uint32_t line, col; /* where "matrix" gave it */
} rcell;

/* Two domains of a node cannot have one OS id. Named at the later one,
 * at its "id" if it has one. */
static gs_status check_numa_ids(jctx *c, const gs_ntype *ty,
                                const json_value *arr)
{
    uint32_t earlier = 0, later = gs_ntype_os_id_twin(ty, &earlier);
    if (later == GS_NONE)
        return GS_OK;
    const json_value *e = arr->u.arr.items[later];
    const json_member *mid = json_member_get(e, "id");
    return jerr(c, mid ? mid->value : e, GS_EPARSE,
                "NUMA domain %u has OS id %u, as domain %u does (a domain "
                "without \"id\" has its index)",
                later, ty->numa[later].os_id, earlier);
}

static gs_status read_numa(jctx *c, gs_ntype *ty, const json_value *arr)
{
    gs_status st = want_type(c, arr, JSON_ARRAY, "numa");
    if (st != GS_OK)
        return st;
    static const char *const keys[] = {"cpus", "memory", "id", NULL};
    for (size_t i = 0; i < arr->u.arr.n; i++) {
        const json_value *e = arr->u.arr.items[i];
        if ((st = want_type(c, e, JSON_OBJECT, "numa[]")) != GS_OK ||
            (st = check_keys(c, e, "a NUMA domain", keys)) != GS_OK)
            return st;
        /* the machine's id for it; absent: its index, as files written
         * before ids existed meant */
        uint64_t id = ty->n_numa;
        const json_member *mid = json_member_get(e, "id");
        if (mid && (st = get_uint(c, mid->value, "id", GS_NUMA_OS_ID_MAX,
                                  &id)) != GS_OK)
            return st;
        uint64_t mem = 0;
        const json_member *m = json_member_get(e, "memory");
        if (m && (st = get_size(c, m->value, "memory", &mem)) != GS_OK)
            return st;
        gs_cpu_range *cpus = NULL;
        size_t n = 0;
        m = json_member_get(e, "cpus");
        if (m) {
            const char *s;
            if ((st = get_string(c, m->value, "cpus", &s)) != GS_OK)
                return st;
            size_t bad = 0;
            st = gs_cpulist_parse(s, strlen(s), &cpus, &n, &bad);
            if (st == GS_ENOMEM)
                return gs_errf(c->err, st, "out of memory");
            if (st != GS_OK)
                return jerr_at(c, m->value->line,
                               m->value->col + 1 + (uint32_t)bad, GS_EPARSE,
                               "bad cpulist (expected numbers and ranges like "
                               "\"0-11,24-35\")");
        }
        st = gs_ntype_add_numa(ty, cpus, n, mem, c->err);
        gs_free(cpus);
        if (st != GS_OK)
            return jwrap(c, e, st);
        ty->numa[ty->n_numa - 1].os_id = (uint32_t)id;
    }
    return check_numa_ids(c, ty, arr);
}

static const char *const gpu_keys[] = {
    "model", "uuid", "pci", "memory", "cc", "sms", "numa",
    "nvswitch_links", "fabric", NULL};

/* Compute capability: "8.9" or 8.9 or 9 */
static gs_status get_cc(jctx *c, const json_value *v, uint32_t *maj,
                        uint32_t *min)
{
    const char *s;
    size_t len;
    if (v->type == JSON_STRING) {
        s = v->u.str.s;
        len = v->u.str.len;
    } else if (v->type == JSON_NUMBER) {
        s = v->u.num.text;
        len = v->u.num.len;
    } else {
        goto bad;
    }
    {
        uint32_t a = 0, b = 0;
        size_t i = 0, da = 0, db = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9' && da < 3)
            a = a * 10 + (uint32_t)(s[i++] - '0'), da++;
        if (i < len && s[i] == '.') {
            i++;
            while (i < len && s[i] >= '0' && s[i] <= '9' && db < 3)
                b = b * 10 + (uint32_t)(s[i++] - '0'), db++;
            if (!db)
                goto bad;
        }
        if (!da || i != len || a > 255 || b > 255)
            goto bad;
        *maj = a;
        *min = b;
        return GS_OK;
    }
bad:
    return jerr(c, v, GS_EPARSE,
                "\"cc\" must be a compute capability like \"8.0\"");
}

/* Fill one GPU's info from field values (any of which may be NULL). */
static gs_status read_gpu_fields(jctx *c, const json_value *const *f,
                                 gs_gpu_info *gi, const gs_ntype *ty)
{
    gs_status st;
    uint64_t u;
    gs_gpu_info_init(gi);
    if (f[0] && (st = get_string(c, f[0], "model", &gi->model)) != GS_OK)
        return st;
    if (f[1] && (st = get_string(c, f[1], "uuid", &gi->uuid)) != GS_OK)
        return st;
    if (f[2] && (st = get_string(c, f[2], "pci", &gi->pci_bus_id)) != GS_OK)
        return st;
    if (f[2]) {
        char norm[32];
        if (!gs_pci_normalize(gi->pci_bus_id, norm))
            return jerr(c, f[2], GS_EPARSE,
                        "\"pci\": \"%.64s\" is not a PCI bus id like "
                        "\"0000:07:00.0\"",
                        gi->pci_bus_id);
    }
    if (f[3] && (st = get_size(c, f[3], "memory", &gi->memory_bytes)) != GS_OK)
        return st;
    if (f[4] && (st = get_cc(c, f[4], &gi->cc_major, &gi->cc_minor)) != GS_OK)
        return st;
    if (f[5]) {
        if ((st = get_uint(c, f[5], "sms", UINT32_MAX, &u)) != GS_OK)
            return st;
        gi->sm_count = (uint32_t)u;
    }
    if (f[6]) {
        if (f[6]->type == JSON_NULL) {
            gi->numa = GS_NONE;
        } else {
            if ((st = get_uint(c, f[6], "numa", UINT32_MAX - 1, &u)) != GS_OK)
                return st;
            /* a GPU names its domain by the domain's id, the machine's
             * number (the index when the domain has no "id") */
            uint32_t d = 0;
            while (d < ty->n_numa && ty->numa[d].os_id != u)
                d++;
            if (d == ty->n_numa)
                return jerr(c, f[6], GS_EPARSE,
                            "\"numa\": no NUMA domain of the node has id "
                            "%" PRIu64 " (it has %u domain%s%s)",
                            u, ty->n_numa, ty->n_numa == 1 ? "" : "s",
                            ty->n_numa ? "; a domain without \"id\" has its "
                                         "index"
                                       : "");
            gi->numa = d;
        }
    }
    if (f[7]) {
        if ((st = get_uint(c, f[7], "nvswitch_links", 255, &u)) != GS_OK)
            return st;
        gi->fabric_links = (uint32_t)u;
        if (u)
            gi->fabric = 0;
    }
    if (f[8]) {
        if ((st = get_uint(c, f[8], "fabric", 254, &u)) != GS_OK)
            return st;
        if (!gi->fabric_links)
            return jerr(c, f[8], GS_EPARSE,
                        "\"fabric\" needs \"nvswitch_links\" above 0");
        gi->fabric = (uint32_t)u;
    }
    return GS_OK;
}

static gs_status add_gpu_checked(jctx *c, gs_ntype *ty, const gs_gpu_info *gi,
                                 const json_value *at, const char **uuids)
{
    uint32_t idx = ty->n_gpus;
    gs_status st = gs_ntype_add_gpu(c->t, ty, gi, c->err);
    if (st != GS_OK)
        return jwrap(c, at, st);
    if (gi->uuid) {
        /* validated by gs_ntype_add_gpu */
        uuids[idx] = gs_arena_strndup(&c->t->strings.arena, gi->uuid,
                                      strlen(gi->uuid));
        if (!uuids[idx])
            return gs_errf(c->err, GS_ENOMEM, "out of memory");
    }
    return GS_OK;
}

static gs_status read_gpus(jctx *c, gs_ntype *ty, const json_value *v,
                           const char ***uuids_out)
{
    gs_status st;
    size_t count;
    if (v->type == JSON_ARRAY) {
        count = v->u.arr.n;
    } else if (v->type == JSON_OBJECT) {
        const json_member *m = json_member_get(v, "count");
        uint64_t n;
        if (!m)
            return jerr(c, v, GS_EPARSE,
                        "\"gpus\" given as an object needs \"count\"");
        if ((st = get_uint(c, m->value, "count", GS_MAX_GPUS_PER_NODE, &n)) !=
            GS_OK)
            return st;
        count = (size_t)n;
        static const char *const keys[] = {
            "count", "model", "uuid", "pci", "memory", "cc", "sms", "numa",
            "nvswitch_links", "fabric", NULL};
        if ((st = check_keys(c, v, "\"gpus\"", keys)) != GS_OK)
            return st;
    } else {
        return jerr(c, v, GS_EPARSE,
                    "\"gpus\" must be an array of GPUs or an object with "
                    "\"count\"");
    }
    if (count > GS_MAX_GPUS_PER_NODE)
        return jerr(c, v, GS_EPARSE, "more than %u GPUs on a node",
                    GS_MAX_GPUS_PER_NODE);
    if ((uint64_t)count * count > MAX_CELLS - c->cells)
        return jerr(c, v, GS_EPARSE,
                    "the node descriptions of this file have more than "
                    "%" PRIu64 " GPU pairs in all (n GPUs make n x n): "
                    "describe identical nodes once, as a template",
                    MAX_CELLS);
    c->cells += (uint64_t)count * count;
    const char **uuids = gs_calloc(count ? count : 1, sizeof *uuids);
    if (!uuids)
        return gs_errf(c->err, GS_ENOMEM, "out of memory");
    bool any_uuid = false;
    for (size_t i = 0; i < count; i++) {
        const json_value *f[9] = {0};
        const json_value *at;
        if (v->type == JSON_ARRAY) {
            at = v->u.arr.items[i];
            if ((st = want_type(c, at, JSON_OBJECT, "gpus[]")) != GS_OK ||
                (st = check_keys(c, at, "a GPU", gpu_keys)) != GS_OK)
                goto fail;
            for (size_t k = 0; gpu_keys[k]; k++) {
                const json_member *m = json_member_get(at, gpu_keys[k]);
                f[k] = m ? m->value : NULL;
            }
        } else {
            at = v;
            for (size_t k = 0; gpu_keys[k]; k++) {
                const json_member *m = json_member_get(v, gpu_keys[k]);
                if (!m)
                    continue;
                if (m->value->type == JSON_ARRAY) {
                    if (m->value->u.arr.n != count) {
                        st = jerr(c, m->value, GS_EPARSE,
                                  "\"%s\" has %zu entries for %zu GPUs",
                                  gpu_keys[k], m->value->u.arr.n, count);
                        goto fail;
                    }
                    f[k] = m->value->u.arr.items[i];
                } else if (k == 1 && count > 1) {
                    st = jerr(c, m->value, GS_EPARSE,
                              "\"uuid\" must be an array: GPUs cannot share "
                              "a UUID");
                    goto fail;
                } else {
                    f[k] = m->value;
                }
            }
        }
        gs_gpu_info gi;
        if ((st = read_gpu_fields(c, f, &gi, ty)) != GS_OK)
            goto fail;
        if (gi.uuid)
            any_uuid = true;
        if ((st = add_gpu_checked(c, ty, &gi, at, uuids)) != GS_OK)
            goto fail;
    }
    if (any_uuid && uuids_out) {
        *uuids_out = uuids;
        return GS_OK;
    }
    if (any_uuid) {
        gs_free(uuids);
        return jerr(c, v, GS_EPARSE,
                    "a template cannot give GPU UUIDs (every node made from "
                    "it would share them); give \"uuids\" per node");
    }
    gs_free(uuids);
    return GS_OK;
fail:
    gs_free(uuids);
    return st;
}

/* Split a row into tokens; calls fn(tok, len, col) for each. */
typedef struct row_tok {
    const char *s;
    size_t len;
    uint32_t line, col;
} row_tok;

static gs_status read_row(jctx *c, const json_value *row, uint32_t n,
                          const char *what, uint32_t i, row_tok *toks)
{
    uint32_t k = 0;
    if (row->type == JSON_STRING) {
        const char *s = row->u.str.s;
        size_t len = row->u.str.len, p = 0;
        while (p < len) {
            while (p < len && (s[p] == ' ' || s[p] == '\t'))
                p++;
            if (p == len)
                break;
            size_t q = p;
            while (q < len && s[q] != ' ' && s[q] != '\t')
                q++;
            if (k == n)
                return jerr_at(c, row->line, row->col + 1 + (uint32_t)p,
                               GS_EPARSE,
                               "row has more cells than the node has GPUs");
            toks[k++] = (row_tok){s + p, q - p, row->line,
                                  row->col + 1 + (uint32_t)p};
            p = q;
        }
    } else if (row->type == JSON_ARRAY) {
        for (size_t j = 0; j < row->u.arr.n; j++) {
            const json_value *e = row->u.arr.items[j];
            if (e->type != JSON_STRING)
                return jerr(c, e, GS_EPARSE, "a %s cell must be a string",
                            what);
            if (k == n)
                return jerr(c, e, GS_EPARSE,
                            "row has more cells than the node has GPUs");
            toks[k++] = (row_tok){e->u.str.s, e->u.str.len, e->line, e->col};
        }
    } else {
        return jerr(c, row, GS_EPARSE,
                    "a \"%s\" row must be a string of cells or an array",
                    what);
    }
    if (k != n)
        return jerr(c, row, GS_EPARSE,
                    "\"%s\" row for GPU%u has %u cells; the node has %u GPUs",
                    what, i, k, n);
    if (!(toks[i].len == 1 && toks[i].s[0] == 'X'))
        return jerr_at(c, toks[i].line, toks[i].col, GS_EPARSE,
                       "the diagonal cell must be \"X\"");
    return GS_OK;
}

static int pcie_token(const char *s, size_t len)
{
    static const char *names[] = {"?", "PIX", "PXB", "PHB", "NODE", "SYS"};
    for (int i = 0; i < 6; i++)
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
            return i;
    return -1;
}

static int source_token(const char *s, size_t len)
{
    static const char *names[] = {"f", "i", "d", "n", "h"};
    for (int i = 0; i < 5; i++)
        if (len == 1 && names[i][0] == s[0])
            return i;
    return -1;
}

/* kind: 0 matrix, 1 pcie, 2 sources */
static gs_status read_matrix(jctx *c, const json_value *v, int kind,
                             uint32_t n, rcell *cells, row_tok *toks,
                             row_tok *seen)
{
    static const char *what[] = {"matrix", "pcie", "sources"};
    gs_status st = want_type(c, v, JSON_ARRAY, what[kind]);
    if (st != GS_OK)
        return st;
    if (v->u.arr.n != n)
        return jerr(c, v, GS_EPARSE, "\"%s\" has %zu rows; the node has %u GPUs",
                    what[kind], v->u.arr.n, n);
    for (uint32_t i = 0; i < n; i++) {
        if ((st = read_row(c, v->u.arr.items[i], n, what[kind], i, toks)) !=
            GS_OK)
            return st;
        for (uint32_t j = 0; j < n; j++) {
            if (i == j)
                continue;
            const row_tok *tk = &toks[j];
            rcell val = {-1, -1, -1, 0, true, false, 0, 0};
            if (kind == 0) {
                if (tk->len > 2 && tk->s[0] == 'N' && tk->s[1] == 'V') {
                    uint32_t k = 0;
                    size_t p = 2;
                    while (p < tk->len && tk->s[p] >= '0' && tk->s[p] <= '9' &&
                           k < 1000)
                        k = k * 10 + (uint32_t)(tk->s[p++] - '0');
                    if (p != tk->len || k == 0 || k > 510)
                        goto bad_token;
                    val.nv = (int16_t)k;
                } else if ((val.pcie = (int8_t)pcie_token(tk->s, tk->len)) <
                           0) {
                    goto bad_token;
                }
            } else if (kind == 1) {
                if ((val.pcie = (int8_t)pcie_token(tk->s, tk->len)) < 0)
                    goto bad_token;
            } else {
                if ((val.source = (int8_t)source_token(tk->s, tk->len)) < 0)
                    goto bad_token;
            }
            if (j < i) {
                /* compare with the mirror cell read earlier */
                const rcell *m = &cells[(size_t)j * n + i];
                bool same = kind == 0   ? (m->nv == val.nv && m->pcie == val.pcie)
                            : kind == 1 ? m->pcie == val.pcie
                                        : m->source == val.source;
                if (!same) {
                    const row_tok *o = &seen[(size_t)j * n + i];
                    return gs_errf(c->err, GS_EPARSE,
                                   "%s:%u:%u: \"%s\" is not symmetric: GPU%u-"
                                   "GPU%u is \"%.*s\" but GPU%u-GPU%u (line %u) "
                                   "is \"%.*s\"",
                                   c->name, tk->line, tk->col, what[kind], i,
                                   j, (int)tk->len, tk->s, j, i, o->line,
                                   (int)o->len, o->s);
                }
            }
            seen[(size_t)i * n + j] = *tk;
            rcell *dst = &cells[(size_t)i * n + j];
            if (kind == 0) {
                dst->nv = val.nv;
                dst->pcie = val.nv >= 0 ? dst->pcie : val.pcie;
                dst->in_matrix = true;
                dst->line = tk->line;
                dst->col = tk->col;
            } else if (kind == 1) {
                if (dst->nv < 0 && dst->pcie >= 0 && dst->pcie != val.pcie)
                    return gs_errf(c->err, GS_EPARSE,
                                   "%s:%u:%u: \"pcie\" says %.*s for GPU%u-"
                                   "GPU%u but \"matrix\" says %s",
                                   c->name, tk->line, tk->col, (int)tk->len,
                                   tk->s, i, j,
                                   gs_pcie_level_name(
                                       (gs_pcie_level)dst->pcie));
                dst->pcie = val.pcie;
            } else {
                dst->source = val.source;
            }
            dst->touched = true;
            continue;
        bad_token:
            return gs_errf(c->err, GS_EPARSE,
                           "%s:%u:%u: unknown %s cell \"%.*s\" (expected %s)",
                           c->name, tk->line, tk->col, what[kind],
                           (int)GS_MIN(tk->len, 32), tk->s,
                           kind == 0 ? "X, NV#, PIX, PXB, PHB, NODE, SYS or ?"
                           : kind == 1 ? "X, PIX, PXB, PHB, NODE, SYS or ?"
                                       : "X, f, i, d, n or h");
        }
    }
    return GS_OK;
}

static gs_status read_links(jctx *c, const json_value *v, uint32_t n,
                            rcell *cells)
{
    gs_status st = want_type(c, v, JSON_ARRAY, "links");
    if (st != GS_OK)
        return st;
    static const char *const keys[] = {"gpus", "nvlink", "pcie", "bandwidth",
                                       "source", NULL};
    for (size_t k = 0; k < v->u.arr.n; k++) {
        const json_value *e = v->u.arr.items[k];
        if ((st = want_type(c, e, JSON_OBJECT, "links[]")) != GS_OK ||
            (st = check_keys(c, e, "a link", keys)) != GS_OK)
            return st;
        const json_member *g = json_member_get(e, "gpus");
        if (!g)
            return jerr(c, e, GS_EPARSE, "a link needs \"gpus\": [a, b]");
        if (g->value->type != JSON_ARRAY || g->value->u.arr.n != 2)
            return jerr(c, g->value, GS_EPARSE,
                        "\"gpus\" must be a pair of GPU indices [a, b]");
        uint64_t a, b;
        if ((st = get_uint(c, g->value->u.arr.items[0], "gpus", n ? n - 1 : 0,
                           &a)) != GS_OK ||
            (st = get_uint(c, g->value->u.arr.items[1], "gpus", n ? n - 1 : 0,
                           &b)) != GS_OK)
            return st;
        if (a == b)
            return jerr(c, g->value, GS_EPARSE,
                        "a link joins two different GPUs");
        rcell *x = &cells[a * n + b], *y = &cells[b * n + a];
        const json_member *m;
        uint64_t u;
        if ((m = json_member_get(e, "nvlink"))) {
            if ((st = get_uint(c, m->value, "nvlink", 255, &u)) != GS_OK)
                return st;
            x->nv = (int16_t)u;
            x->in_matrix = false;
        }
        if ((m = json_member_get(e, "pcie"))) {
            int p = m->value->type == JSON_STRING
                        ? pcie_token(m->value->u.str.s, m->value->u.str.len)
                        : -1;
            if (p < 0)
                return jerr(c, m->value, GS_EPARSE,
                            "\"pcie\" must be one of PIX, PXB, PHB, NODE, SYS "
                            "or ?");
            x->pcie = (int8_t)p;
        }
        if ((m = json_member_get(e, "bandwidth"))) {
            double gbps;
            if ((st = get_gbps(c, m->value, "bandwidth", &gbps)) != GS_OK)
                return st;
            x->bw = (uint32_t)(gbps * 1000.0 + 0.5);
        }
        if ((m = json_member_get(e, "source"))) {
            static const char *names[] = {"file", "inferred", "driver", "nvml",
                                          "hwloc"};
            int s = -1;
            if (m->value->type == JSON_STRING)
                for (int i = 0; i < 5; i++)
                    if (strcmp(m->value->u.str.s, names[i]) == 0)
                        s = i;
            if (s < 0)
                return jerr(c, m->value, GS_EPARSE,
                            "\"source\" must be file, inferred, driver, nvml "
                            "or hwloc");
            x->source = (int8_t)s;
        }
        x->touched = true;
        *y = *x;
    }
    return GS_OK;
}

static const char *const desc_keys[] = {"description", "bandwidth", "numa",
                                        "gpus",        "matrix",    "pcie",
                                        "links",       "sources",   NULL};

static gs_status apply_cells(jctx *c, gs_ntype *ty, const json_value *desc,
                             uint32_t n, rcell *cells)
{
    gs_status st;
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t j = i + 1; j < n; j++) {
            const rcell *r = &cells[(size_t)i * n + j];
            if (!r->touched)
                continue;
            gs_link_info li;
            gs_link_info_init(&li);
            const gs_gpu_rec *a = &ty->gpus[i], *b = &ty->gpus[j];
            uint32_t shared = (a->fabric != GS_NONE8 && a->fabric == b->fabric)
                                  ? GS_MIN(a->fabric_links, b->fabric_links)
                                  : 0;
            char what[160];
            if (r->nv >= 0 && r->in_matrix) {
                if ((uint32_t)r->nv < shared || (uint32_t)r->nv - shared > 255) {
                    snprintf(what, sizeof what,
                             "GPU%u-GPU%u shows NV%d but the two GPUs have %u "
                             "links into their NVSwitch fabric",
                             i, j, r->nv, shared);
                    return jerr_at(c, r->line, r->col, GS_EPARSE, what);
                }
                li.nvlinks = (uint32_t)r->nv - shared;
            } else if (r->nv >= 0) {
                li.nvlinks = (uint32_t)r->nv; /* direct wires from "links" */
            } else if (shared && r->in_matrix) {
                snprintf(what, sizeof what,
                         "GPU%u and GPU%u share an NVSwitch fabric, so their "
                         "cell must show NV%u or more",
                         i, j, shared);
                return jerr_at(c, r->line, r->col, GS_EPARSE, what);
            }
            li.pcie = r->pcie > 0 ? (gs_pcie_level)r->pcie : GS_PCIE_UNKNOWN;
            li.source = r->source >= 0 ? (gs_source)r->source : GS_SOURCE_FILE;
            li.bandwidth = r->bw / 1000.0;
            if ((st = gs_ntype_set_link(ty, i, j, &li, c->err)) != GS_OK)
                return jwrap(c, desc, st);
        }
    }
    return GS_OK;
}

/* Build a node type from a description; extra_keys are the other keys the
 * enclosing object may have. */
static gs_status build_type(jctx *c, const json_value *desc,
                            const char *const *extra_keys,
                            const char ***uuids_out, gs_ntype **out)
{
    *out = NULL;
    gs_status st = want_type(c, desc, JSON_OBJECT, "node");
    if (st != GS_OK)
        return st;
    /* allowed keys: the description's plus the caller's */
    const char *keys[32];
    size_t nk = 0;
    for (size_t i = 0; desc_keys[i]; i++)
        keys[nk++] = desc_keys[i];
    for (size_t i = 0; extra_keys && extra_keys[i] && nk < 31; i++)
        keys[nk++] = extra_keys[i];
    keys[nk] = NULL;
    if ((st = check_keys(c, desc, "a node description", keys)) != GS_OK)
        return st;
    gs_ntype *ty = gs_ntype_new();
    rcell *cells = NULL;
    row_tok *toks = NULL, *seen = NULL;
    const char **uuids = NULL;
    if (!ty)
        return gs_errf(c->err, GS_ENOMEM, "out of memory");
    const json_member *m;
    const char *ignored;
    if ((m = json_member_get(desc, "description")) &&
        (st = get_string(c, m->value, "description", &ignored)) != GS_OK)
        goto fail;
    if ((m = json_member_get(desc, "bandwidth"))) {
        gs_bandwidths bw;
        if ((st = read_bandwidths(c, m->value, &bw)) != GS_OK)
            goto fail;
        if ((st = gs_ntype_set_bandwidths(ty->bw_set, &bw, c->err)) != GS_OK) {
            st = jwrap(c, m->value, st);
            goto fail;
        }
    }
    if ((m = json_member_get(desc, "numa")) &&
        (st = read_numa(c, ty, m->value)) != GS_OK)
        goto fail;
    if ((m = json_member_get(desc, "gpus")) &&
        (st = read_gpus(c, ty, m->value, uuids_out ? &uuids : NULL)) != GS_OK)
        goto fail;
    uint32_t n = ty->n_gpus;
    const json_member *mm = json_member_get(desc, "matrix");
    const json_member *mp = json_member_get(desc, "pcie");
    const json_member *ml = json_member_get(desc, "links");
    const json_member *ms = json_member_get(desc, "sources");
    if (mm || mp || ml || ms) {
        size_t nn = (size_t)n * n;
        cells = gs_malloc((nn ? nn : 1) * sizeof *cells);
        toks = gs_malloc((n ? n : 1) * sizeof *toks);
        seen = gs_malloc((nn ? nn : 1) * sizeof *seen);
        if (!cells || !toks || !seen) {
            st = gs_errf(c->err, GS_ENOMEM, "out of memory");
            goto fail;
        }
        for (size_t k = 0; k < nn; k++)
            cells[k] = (rcell){-1, -1, -1, 0, false, false, 0, 0};
        if ((mm && (st = read_matrix(c, mm->value, 0, n, cells, toks,
                                     seen)) != GS_OK) ||
            (mp && (st = read_matrix(c, mp->value, 1, n, cells, toks,
                                     seen)) != GS_OK) ||
            (ms && (st = read_matrix(c, ms->value, 2, n, cells, toks,
                                     seen)) != GS_OK) ||
            (ml && (st = read_links(c, ml->value, n, cells)) != GS_OK) ||
            (st = apply_cells(c, ty, desc, n, cells)) != GS_OK)
            goto fail;
    }
    gs_free(cells);
    gs_free(toks);
    gs_free(seen);
    if (uuids_out)
        *uuids_out = uuids;
    *out = ty;
    return GS_OK;
fail:
    gs_free(cells);
    gs_free(toks);
    gs_free(seen);
    gs_free(uuids);
    gs_ntype_unref(ty);
    return st;
}

gs_status gs_json_build_type(gs_topo *t, const json_value *desc,
                             const char *src_name, gs_ntype **out,
                             gs_err *err)
{
    jctx c = {t, src_name, err, 0};
    return build_type(&c, desc, NULL, NULL, out);
}



/* ---- whole documents --------------------------------------------------- */

typedef struct name_collector {
    const char **names;
    size_t n, cap;
    gs_topo *t;
    bool oom;
} name_collector;

static bool collect_name(void *ctx, const char *name, size_t len)
{
    name_collector *nc = ctx;
    const char *s = gs_intern(&nc->t->strings, name, len);
    if (!s || !GS_GROW(nc->names, nc->cap, nc->n + 1)) {
        nc->oom = true;
        return false;
    }
    nc->names[nc->n++] = s;
    return true;
}

/* Expand a hostlist value into interned names (caller frees names). */
static gs_status expand_names(jctx *c, const json_value *v, const char *what,
                              name_collector *nc)
{
    const char *s;
    gs_status st = get_string(c, v, what, &s);
    if (st != GS_OK)
        return st;
    memset(nc, 0, sizeof *nc);
    nc->t = c->t;
    size_t bad = 0;
    const char *why = "";
    st = gs_hostlist_expand(s, strlen(s), MAX_NODES, collect_name, nc, &bad,
                            &why);
    if (nc->oom)
        return gs_errf(c->err, GS_ENOMEM, "out of memory");
    if (st != GS_OK) {
        gs_free(nc->names);
        nc->names = NULL;
        return jerr_at(c, v->line, v->col + 1 + (uint32_t)bad, GS_EPARSE, why);
    }
    return GS_OK;
}

static gs_status find_switch(jctx *c, const json_value *at, const char *name,
                             uint32_t *sw)
{
    *sw = GS_NONE;
    const gs_strtab_slot *s =
        gs_strtab_get(&c->t->switch_names, name, strlen(name));
    if (!s)
        return jerr(c, at, GS_EPARSE, "switch \"%.64s\" is not declared",
                    name);
    *sw = s->val;
    return GS_OK;
}

static gs_status get_or_add_domain(jctx *c, const json_value *at,
                                   const char *name, uint32_t *dom)
{
    const gs_strtab_slot *s =
        gs_strtab_get(&c->t->domain_names, name, strlen(name));
    if (s) {
        *dom = s->val;
        return GS_OK;
    }
    gs_status st = gs_topo_add_nvlink_domain(c->t, name, dom);
    return st == GS_OK ? st : jwrap(c, at, st);
}

typedef struct pending_parent {
    uint32_t child;
    const char *parent;
    const json_value *at;
    uint64_t link_speed;
} pending_parent;

static gs_status read_racks(jctx *c, const json_value *v, uint32_t first,
                            uint32_t count, pending_parent **pp, size_t *npp,
                            size_t *cpp)
{
    static const char *const keys[] = {"size", "prefix", "parent",
                                       "link_speed", "nvlink_domain", NULL};
    gs_status st;
    if ((st = want_type(c, v, JSON_OBJECT, "racks")) != GS_OK ||
        (st = check_keys(c, v, "\"racks\"", keys)) != GS_OK)
        return st;
    const json_member *m = json_member_get(v, "size");
    uint64_t size, speed = 0;
    if (!m)
        return jerr(c, v, GS_EPARSE, "\"racks\" needs \"size\"");
    if ((st = get_uint(c, m->value, "size", MAX_NODES, &size)) != GS_OK)
        return st;
    if (size == 0)
        return jerr(c, m->value, GS_EPARSE, "\"size\" must be at least 1");
    const char *prefix = "rack", *parent = NULL;
    const json_value *parent_at = NULL;
    bool domain = false;
    if ((m = json_member_get(v, "prefix")) &&
        (st = get_string(c, m->value, "prefix", &prefix)) != GS_OK)
        return st;
    if ((m = json_member_get(v, "parent"))) {
        if ((st = get_string(c, m->value, "parent", &parent)) != GS_OK)
            return st;
        parent_at = m->value;
    }
    if ((m = json_member_get(v, "link_speed")) &&
        (st = get_uint(c, m->value, "link_speed", INT64_MAX, &speed)) != GS_OK)
        return st;
    if ((m = json_member_get(v, "nvlink_domain"))) {
        if (m->value->type != JSON_TRUE && m->value->type != JSON_FALSE)
            return jerr(c, m->value, GS_EPARSE,
                        "\"nvlink_domain\" must be true or false");
        domain = m->value->type == JSON_TRUE;
    }
    uint32_t racks = (uint32_t)((count + size - 1) / size);
    int width = 1;
    for (uint32_t r = racks; r >= 10; r /= 10)
        width++;
    for (uint32_t r = 0; r < racks; r++) {
        char name[GS_MAX_NAME + 32], num[16];
        int nd = snprintf(num, sizeof num, "%u", r + 1);
        size_t pl = strlen(prefix) > GS_MAX_NAME ? GS_MAX_NAME : strlen(prefix);
        memcpy(name, prefix, pl);
        for (int z = nd; z < width; z++)
            name[pl++] = '0';
        memcpy(name + pl, num, (size_t)nd + 1);
        uint32_t sw, dom = 0;
        st = gs_topo_add_switch(c->t, name, speed, &sw);
        if (st != GS_OK)
            return jwrap(c, v, st);
        if (domain && (st = get_or_add_domain(c, v, name, &dom)) != GS_OK)
            return st;
        if (parent) {
            if (!GS_GROW(*pp, *cpp, *npp + 1))
                return gs_errf(c->err, GS_ENOMEM, "out of memory");
            (*pp)[(*npp)++] = (pending_parent){sw, parent, parent_at, 0};
        }
        for (uint64_t k = (uint64_t)r * size;
             k < (uint64_t)(r + 1) * size && k < count; k++) {
            uint32_t node = first + (uint32_t)k;
            if ((st = gs_topo_attach_node(c->t, node, sw)) != GS_OK ||
                (domain &&
                 (st = gs_topo_set_node_domain(c->t, dom, node)) != GS_OK))
                return jwrap(c, v, st);
        }
    }
    return GS_OK;
}

/* Read "uuids" for a node made from a template with n GPUs. */
static gs_status read_uuids(jctx *c, const json_value *v, uint32_t n,
                            const char ***out)
{
    gs_status st = want_type(c, v, JSON_ARRAY, "uuids");
    if (st != GS_OK)
        return st;
    if (v->u.arr.n != n)
        return jerr(c, v, GS_EPARSE,
                    "\"uuids\" has %zu entries; the node has %u GPUs",
                    v->u.arr.n, n);
    const char **uuids = gs_calloc(n ? n : 1, sizeof *uuids);
    if (!uuids)
        return gs_errf(c->err, GS_ENOMEM, "out of memory");
    for (uint32_t g = 0; g < n; g++) {
        const json_value *u = v->u.arr.items[g];
        const char *s;
        if (u->type == JSON_NULL)
            continue;
        if ((st = get_string(c, u, "uuids", &s)) != GS_OK)
            goto fail;
        bool ok = *s != '\0';
        for (const char *q = s; *q && ok; q++)
            ok = (unsigned char)*q > 0x20 && (unsigned char)*q < 0x7f &&
                 *q != ',';
        if (!ok) {
            st = jerr(c, u, GS_EPARSE,
                      "a GPU UUID must be printable ASCII without spaces or "
                      "commas");
            goto fail;
        }
        if (!(uuids[g] = gs_arena_strndup(&c->t->strings.arena, s,
                                          strlen(s)))) {
            st = gs_errf(c->err, GS_ENOMEM, "out of memory");
            goto fail;
        }
    }
    *out = uuids;
    return GS_OK;
fail:
    gs_free(uuids);
    return st;
}

/* The type named by "template": from the file's templates, else built in. */
static gs_status template_type(jctx *c, const json_value *v, gs_ntype **out)
{
    const char *tname;
    gs_status st = get_string(c, v, "template", &tname);
    if (st != GS_OK)
        return st;
    gs_ntype *ty = gs_topo_tcache_get(c->t, tname);
    if (!ty) {
        st = gs_template_build(c->t, tname, &ty, c->err);
        if (st == GS_ENOTFOUND)
            return jerr(c, v, GS_EPARSE,
                        "unknown template \"%.64s\" (not in \"templates\" "
                        "and not built in)",
                        tname);
        if (st == GS_EINVAL)
            return jerr(c, v, GS_EPARSE,
                        "\"%.64s\" describes a whole cluster; a node needs a "
                        "node template",
                        tname);
        if (st != GS_OK)
            return jwrap(c, v, st);
        st = gs_topo_tcache_put(c->t, tname, ty);
        gs_ntype_unref(ty);
        if (st != GS_OK)
            return st;
    }
    ty->refs++;
    *out = ty;
    return GS_OK;
}

/* "features": an array of names, as a mask (names new to the topology
 * are added to its table in the order they come). */
static gs_status read_features(jctx *c, const json_value *v, uint64_t *mask)
{
    *mask = 0;
    gs_status st = want_type(c, v, JSON_ARRAY, "features");
    for (size_t i = 0; st == GS_OK && i < v->u.arr.n; i++) {
        const json_value *f = v->u.arr.items[i];
        const char *name;
        uint64_t bit;
        if ((st = get_string(c, f, "features", &name)) != GS_OK)
            break;
        st = gs_topo_intern_features(c->t, name, f->u.str.len, '\0', NULL,
                                     &bit, NULL, c->err);
        if (st != GS_OK)
            st = jwrap(c, f, st);
        *mask |= bit;
    }
    return st;
}

/* "mig" of a node entry: one mode for all GPUs ("dynamic", "off", a
 * layout) or one per GPU (null: off); "mig_uuids" (one node only): per
 * GPU null or the fixed layout's instance UUIDs. */
static gs_status read_mig(jctx *c, const json_value *e, uint32_t first,
                          uint32_t count)
{
    const json_member *mm = json_member_get(e, "mig");
    const json_member *mu = json_member_get(e, "mig_uuids");
    gs_status st;
    if (mu && count != 1)
        return jerr(c, mu->value, GS_EPARSE,
                    "MIG instance UUIDs belong to one node, but \"name\" "
                    "names %u nodes",
                    count);
    if (mu && !mm)
        return jerr(c, mu->value, GS_EPARSE,
                    "\"mig_uuids\" needs \"mig\" (the fixed layouts)");
    if (!mm)
        return GS_OK;
    const json_value *v = mm->value;
    for (uint32_t k = 0; k < count; k++) {
        uint32_t node = first + k;
        uint32_t ng = c->t->nodes[node].type->n_gpus;
        if (v->type == JSON_ARRAY && v->u.arr.n != ng)
            return jerr(c, v, GS_EPARSE,
                        "\"mig\" has %zu entries; the node has %u GPUs",
                        v->u.arr.n, ng);
        if (v->type != JSON_ARRAY && v->type != JSON_STRING)
            return jerr(c, v, GS_EPARSE,
                        "\"mig\" must be a string (\"dynamic\", \"off\" or "
                        "a layout like \"3g.40gb,2g.20gb,1g.10gb\") or an "
                        "array of them, one per GPU");
        for (uint32_t g = 0; g < ng; g++) {
            const json_value *x = v->type == JSON_ARRAY ? v->u.arr.items[g]
                                                        : v;
            const char *spec;
            if (x->type == JSON_NULL)
                continue;
            if ((st = get_string(c, x, "mig", &spec)) != GS_OK)
                return st;
            if ((st = gs_topo_set_gpu_mig(c->t, node, g, spec)) != GS_OK)
                return jwrap(c, x, st);
        }
    }
    if (!mu)
        return GS_OK;
    v = mu->value;
    uint32_t ng = c->t->nodes[first].type->n_gpus;
    if ((st = want_type(c, v, JSON_ARRAY, "mig_uuids")) != GS_OK)
        return st;
    if (v->u.arr.n != ng)
        return jerr(c, v, GS_EPARSE,
                    "\"mig_uuids\" has %zu entries; the node has %u GPUs",
                    v->u.arr.n, ng);
    for (uint32_t g = 0; g < ng; g++) {
        const json_value *x = v->u.arr.items[g];
        if (x->type == JSON_NULL)
            continue;
        if ((st = want_type(c, x, JSON_ARRAY, "mig_uuids[]")) != GS_OK)
            return st;
        const char *u[GS_MIG_COMPUTE_SLICES] = {0};
        size_t n = x->u.arr.n;
        if (n > GS_MIG_COMPUTE_SLICES)
            return jerr(c, x, GS_EPARSE,
                        "more than %u MIG instance UUIDs for one GPU",
                        GS_MIG_COMPUTE_SLICES);
        for (size_t i = 0; i < n; i++)
            if (x->u.arr.items[i]->type != JSON_NULL &&
                (st = get_string(c, x->u.arr.items[i], "mig_uuids",
                                 &u[i])) != GS_OK)
                return st;
        if ((st = gs_topo_set_mig_uuids(c->t, first, g, u, n)) != GS_OK)
            return jwrap(c, x, st);
    }
    return GS_OK;
}

static gs_status read_node_entry(jctx *c, const json_value *e,
                                 pending_parent **pp, size_t *npp, size_t *cpp)
{
    static const char *const entry_keys[] = {
        "name",  "template", "uuids",  "switch", "nvlink_domain",
        "racks", "features", "weight", "mig",  "mig_uuids",     NULL};
    static const char *const inline_keys[] = {
        "name",     "switch", "nvlink_domain", "racks", "features",
        "weight",   "mig",    "mig_uuids",     NULL};
    gs_status st = want_type(c, e, JSON_OBJECT, "nodes[]");
    if (st != GS_OK)
        return st;
    const json_member *mname = json_member_get(e, "name");
    if (!mname)
        return jerr(c, e, GS_EPARSE, "a node needs \"name\"");
    const json_member *mt = json_member_get(e, "template");
    const json_member *mu = json_member_get(e, "uuids");
    gs_ntype *ty = NULL;
    const char **uuids = NULL;
    name_collector nc = {0};
    if (mt) {
        if ((st = check_keys(c, e, "a node made from a template",
                             entry_keys)) != GS_OK ||
            (st = template_type(c, mt->value, &ty)) != GS_OK)
            return st;
        if (mu && (st = read_uuids(c, mu->value, ty->n_gpus, &uuids)) != GS_OK)
            goto out;
    } else {
        if (mu)
            return jerr(c, mu->value, GS_EPARSE,
                        "\"uuids\" goes with \"template\"; GPUs described "
                        "inline carry their own \"uuid\"");
        if ((st = build_type(c, e, inline_keys, &uuids, &ty)) != GS_OK)
            return st;
    }
    if ((st = expand_names(c, mname->value, "name", &nc)) != GS_OK)
        goto out;
    if (uuids && nc.n != 1) {
        st = jerr(c, mname->value, GS_EPARSE,
                  "GPU UUIDs belong to one node, but \"name\" names %zu nodes",
                  nc.n);
        goto out;
    }
    if (c->t->n_nodes + nc.n > MAX_NODES) {
        st = jerr(c, mname->value, GS_EPARSE,
                  "more than %u nodes in one file", MAX_NODES);
        goto out;
    }
    uint32_t first = (uint32_t)c->t->n_nodes;
    for (size_t k = 0; k < nc.n; k++) {
        if ((st = gs_topo_add_node_typed(c->t, nc.names[k], ty, uuids, NULL)) !=
            GS_OK) {
            st = jwrap(c, mname->value, st);
            goto out;
        }
        uuids = NULL; /* the node owns them now */
    }
    uint32_t count = (uint32_t)nc.n;
    const json_member *m;
    if ((m = json_member_get(e, "features"))) {
        uint64_t mask;
        if ((st = read_features(c, m->value, &mask)) != GS_OK)
            goto out;
        for (uint32_t k = 0; k < count; k++)
            c->t->nodes[first + k].features = mask;
    }
    if ((m = json_member_get(e, "weight"))) {
        uint64_t w;
        if ((st = get_uint(c, m->value, "weight", GS_NODE_WEIGHT_MAX, &w)) !=
            GS_OK)
            goto out;
        for (uint32_t k = 0; k < count; k++)
            c->t->nodes[first + k].weight = (uint32_t)w;
    }
    if ((st = read_mig(c, e, first, count)) != GS_OK)
        goto out;
    if ((m = json_member_get(e, "switch"))) {
        const char *sname;
        uint32_t sw;
        if ((st = get_string(c, m->value, "switch", &sname)) != GS_OK ||
            (st = find_switch(c, m->value, sname, &sw)) != GS_OK)
            goto out;
        for (uint32_t k = 0; k < count; k++)
            if ((st = gs_topo_attach_node(c->t, first + k, sw)) != GS_OK) {
                st = jwrap(c, m->value, st);
                goto out;
            }
    }
    if ((m = json_member_get(e, "nvlink_domain"))) {
        const char *dname;
        uint32_t dom;
        if ((st = get_string(c, m->value, "nvlink_domain", &dname)) != GS_OK ||
            (st = get_or_add_domain(c, m->value, dname, &dom)) != GS_OK)
            goto out;
        for (uint32_t k = 0; k < count; k++)
            if ((st = gs_topo_set_node_domain(c->t, dom, first + k)) != GS_OK) {
                st = jwrap(c, m->value, st);
                goto out;
            }
    }
    if ((m = json_member_get(e, "racks")))
        st = read_racks(c, m->value, first, count, pp, npp, cpp);
out:
    gs_free(nc.names);
    gs_free(uuids);
    gs_ntype_unref(ty);
    return st;
}

static gs_status read_switches(jctx *c, const json_value *v, bool declare)
{
    static const char *const keys[] = {"name", "link_speed", "switches",
                                       "nodes", NULL};
    gs_status st = want_type(c, v, JSON_ARRAY, "switches");
    if (st != GS_OK)
        return st;
    for (size_t i = 0; i < v->u.arr.n; i++) {
        const json_value *e = v->u.arr.items[i];
        if ((st = want_type(c, e, JSON_OBJECT, "switches[]")) != GS_OK ||
            (st = check_keys(c, e, "a switch", keys)) != GS_OK)
            return st;
        const json_member *m = json_member_get(e, "name");
        if (!m)
            return jerr(c, e, GS_EPARSE, "a switch needs \"name\"");
        const char *name;
        if ((st = get_string(c, m->value, "name", &name)) != GS_OK)
            return st;
        if (declare) {
            uint64_t speed = 0;
            const json_member *ls = json_member_get(e, "link_speed");
            if (ls && (st = get_uint(c, ls->value, "link_speed", INT64_MAX,
                                     &speed)) != GS_OK)
                return st;
            if ((st = gs_topo_add_switch(c->t, name, speed, NULL)) != GS_OK)
                return jwrap(c, m->value, st);
            continue;
        }
        uint32_t self = gs_strtab_get(&c->t->switch_names, name,
                                      strlen(name))->val;
        name_collector nc;
        if ((m = json_member_get(e, "switches"))) {
            if ((st = expand_names(c, m->value, "switches", &nc)) != GS_OK)
                return st;
            for (size_t k = 0; k < nc.n && st == GS_OK; k++) {
                uint32_t child;
                st = find_switch(c, m->value, nc.names[k], &child);
                if (st == GS_OK &&
                    (st = gs_topo_set_switch_parent(c->t, child, self)) !=
                        GS_OK)
                    st = jwrap(c, m->value, st);
            }
            gs_free(nc.names);
            if (st != GS_OK)
                return st;
        }
        if ((m = json_member_get(e, "nodes"))) {
            if ((st = expand_names(c, m->value, "nodes", &nc)) != GS_OK)
                return st;
            for (size_t k = 0; k < nc.n && st == GS_OK; k++) {
                const gs_strtab_slot *s = gs_strtab_get(
                    &c->t->node_names, nc.names[k], strlen(nc.names[k]));
                if (!s)
                    st = jerr(c, m->value, GS_EPARSE,
                              "node \"%.64s\" is not declared in \"nodes\"",
                              nc.names[k]);
                else if ((st = gs_topo_attach_node(c->t, s->val, self)) !=
                         GS_OK)
                    st = jwrap(c, m->value, st);
            }
            gs_free(nc.names);
            if (st != GS_OK)
                return st;
        }
    }
    return GS_OK;
}

static gs_status read_domains(jctx *c, const json_value *v)
{
    static const char *const keys[] = {"name", "nodes", NULL};
    gs_status st = want_type(c, v, JSON_ARRAY, "nvlink_domains");
    if (st != GS_OK)
        return st;
    for (size_t i = 0; i < v->u.arr.n; i++) {
        const json_value *e = v->u.arr.items[i];
        if ((st = want_type(c, e, JSON_OBJECT, "nvlink_domains[]")) != GS_OK ||
            (st = check_keys(c, e, "an NVLink domain", keys)) != GS_OK)
            return st;
        const json_member *m = json_member_get(e, "name");
        if (!m)
            return jerr(c, e, GS_EPARSE, "an NVLink domain needs \"name\"");
        const char *name;
        uint32_t dom;
        if ((st = get_string(c, m->value, "name", &name)) != GS_OK ||
            (st = get_or_add_domain(c, m->value, name, &dom)) != GS_OK)
            return st;
        if ((m = json_member_get(e, "nodes"))) {
            name_collector nc;
            if ((st = expand_names(c, m->value, "nodes", &nc)) != GS_OK)
                return st;
            for (size_t k = 0; k < nc.n && st == GS_OK; k++) {
                const gs_strtab_slot *s = gs_strtab_get(
                    &c->t->node_names, nc.names[k], strlen(nc.names[k]));
                if (!s)
                    st = jerr(c, m->value, GS_EPARSE,
                              "node \"%.64s\" is not declared in \"nodes\"",
                              nc.names[k]);
                else if ((st = gs_topo_set_node_domain(c->t, dom, s->val)) !=
                         GS_OK)
                    st = jwrap(c, m->value, st);
            }
            gs_free(nc.names);
            if (st != GS_OK)
                return st;
        }
    }
    return GS_OK;
}

static gs_status read_document(jctx *c, const json_value *root)
{
    static const char *const keys[] = {"gpusched",  "description",
                                       "bandwidth", "features",
                                       "templates", "nodes",
                                       "switches",  "nvlink_domains",
                                       NULL};
    gs_status st = want_type(c, root, JSON_OBJECT, "the document");
    if (st != GS_OK)
        return st;
    if ((st = check_keys(c, root, "the document", keys)) != GS_OK)
        return st;
    const json_member *m;
    if ((m = json_member_get(root, "gpusched"))) {
        uint64_t ver;
        if ((st = get_uint(c, m->value, "gpusched", 1000, &ver)) != GS_OK)
            return st;
        if (ver != 1)
            return jerr(c, m->value, GS_EPARSE,
                        "format version %" PRIu64
                        " is not supported (this library reads version 1)",
                        ver);
    }
    if ((m = json_member_get(root, "description")) &&
        (st = get_string(c, m->value, "description", &(const char *){0})) !=
            GS_OK)
        return st;
    if ((m = json_member_get(root, "bandwidth"))) {
        gs_bandwidths bw;
        if ((st = read_bandwidths(c, m->value, &bw)) != GS_OK)
            return st;
        if ((st = gs_topo_set_bandwidths(c->t, GS_NONE, &bw)) != GS_OK)
            return jwrap(c, m->value, st);
    }
    /* the table's order, which the nodes' "features" may not show (a
     * name no node has any more, nodes listing later names first) */
    if ((m = json_member_get(root, "features"))) {
        uint64_t mask;
        if ((st = read_features(c, m->value, &mask)) != GS_OK)
            return st;
    }
    if ((m = json_member_get(root, "templates"))) {
        const json_value *tv = m->value;
        if ((st = want_type(c, tv, JSON_OBJECT, "templates")) != GS_OK)
            return st;
        for (size_t i = 0; i < tv->u.obj.n; i++) {
            const json_member *tm = &tv->u.obj.members[i];
            if (gs_check_name("template", tm->key, c->err) != GS_OK)
                return gs_errf(c->err, GS_EPARSE,
                               "%s:%u:%u: bad template name \"%.64s\" (use "
                               "printable ASCII without spaces, commas or "
                               "brackets)",
                               c->name, tm->line, tm->col, tm->key);
            gs_ntype *ty;
            if ((st = build_type(c, tm->value, NULL, NULL, &ty)) != GS_OK)
                return st;
            ty->origin = gs_intern(&c->t->strings, tm->key, tm->key_len);
            st = ty->origin ? gs_topo_tcache_put(c->t, tm->key, ty)
                            : gs_errf(c->err, GS_ENOMEM, "out of memory");
            gs_ntype_unref(ty);
            if (st != GS_OK)
                return st;
        }
    }
    const json_member *msw = json_member_get(root, "switches");
    if (msw && (st = read_switches(c, msw->value, true)) != GS_OK)
        return st;
    pending_parent *pp = NULL;
    size_t npp = 0, cpp = 0;
    if ((m = json_member_get(root, "nodes"))) {
        if ((st = want_type(c, m->value, JSON_ARRAY, "nodes")) != GS_OK)
            return st;
        for (size_t i = 0; i < m->value->u.arr.n; i++)
            if ((st = read_node_entry(c, m->value->u.arr.items[i], &pp, &npp,
                                      &cpp)) != GS_OK)
                goto out;
    }
    if (msw && (st = read_switches(c, msw->value, false)) != GS_OK)
        goto out;
    for (size_t i = 0; i < npp; i++) {
        const gs_strtab_slot *s = gs_strtab_get(
            &c->t->switch_names, pp[i].parent, strlen(pp[i].parent));
        uint32_t parent;
        if (s) {
            parent = s->val;
        } else if ((st = gs_topo_add_switch(c->t, pp[i].parent, 0, &parent)) !=
                   GS_OK) {
            st = jwrap(c, pp[i].at, st);
            goto out;
        }
        if ((st = gs_topo_set_switch_parent(c->t, pp[i].child, parent)) !=
            GS_OK) {
            st = jwrap(c, pp[i].at, st);
            goto out;
        }
    }
    if ((m = json_member_get(root, "nvlink_domains")) &&
        (st = read_domains(c, m->value)) != GS_OK)
        goto out;
out:
    gs_free(pp);
    return st;
}

gs_status gs_topo_read_json(gs_topo *t, const char *text, size_t len,
                            const char *name)
{
    json_doc doc;
    gs_status st = json_parse(&doc, text, len, name, &t->err);
    if (st != GS_OK)
        return st;
    jctx c = {t, name ? name : "<buffer>", &t->err, 0};
    st = read_document(&c, doc.root);
    json_doc_free(&doc);
    return st;
}

/* ---- writer ------------------------------------------------------------ */

static void put_milli(gs_buf *b, uint64_t milli)
{
    gs_buf_printf(b, "%" PRIu64, milli / 1000);
    unsigned frac = (unsigned)(milli % 1000);
    if (frac) {
        char f[8];
        snprintf(f, sizeof f, "%03u", frac);
        size_t n = strlen(f);
        while (n > 0 && f[n - 1] == '0')
            f[--n] = '\0';
        gs_buf_printf(b, ".%s", f);
    }
}

static void put_size(gs_buf *b, uint64_t bytes)
{
    if (bytes && bytes % (1ull << 40) == 0)
        gs_buf_printf(b, "\"%" PRIu64 "TiB\"", bytes >> 40);
    else if (bytes && bytes % (1ull << 30) == 0)
        gs_buf_printf(b, "\"%" PRIu64 "GiB\"", bytes >> 30);
    else if (bytes && bytes % (uint64_t)1000000000000 == 0)
        gs_buf_printf(b, "\"%" PRIu64 "TB\"", bytes / (uint64_t)1000000000000);
    else if (bytes && bytes % (uint64_t)1000000000 == 0)
        gs_buf_printf(b, "\"%" PRIu64 "GB\"", bytes / (uint64_t)1000000000);
    else if (bytes && bytes % (1ull << 20) == 0)
        gs_buf_printf(b, "\"%" PRIu64 "MiB\"", bytes >> 20);
    else
        gs_buf_printf(b, "%" PRIu64, bytes);
}

static void put_bandwidths(gs_buf *b, const uint32_t *slots)
{
    static const char *keys[BW_SLOTS] = {"nvlink_per_link", "PIX", "PXB",
                                         "PHB", "NODE", "SYS"};
    gs_buf_putc(b, '{');
    bool first = true;
    for (int i = 0; i < BW_SLOTS; i++) {
        if (!slots[i])
            continue;
        gs_buf_printf(b, "%s\"%s\": ", first ? "" : ", ", keys[i]);
        put_milli(b, slots[i]);
        first = false;
    }
    gs_buf_putc(b, '}');
}

static bool any_set(const uint32_t *slots)
{
    for (int i = 0; i < BW_SLOTS; i++)
        if (slots[i])
            return true;
    return false;
}

static void put_row_cell(gs_buf *b, const char *tok, bool last)
{
    gs_buf_puts(b, tok);
    if (!last) {
        /* Columns of 5, and always at least one space (NV200 is 5 wide). */
        size_t k = strlen(tok);
        do
            gs_buf_putc(b, ' ');
        while (++k < 5);
    }
}

static void write_type(gs_buf *b, const gs_ntype *ty)
{
    const char *ind = "      ";
    gs_buf_puts(b, "{\n");
    bool sep = false;
#define NEXT()                    \
    do {                          \
        if (sep)                  \
            gs_buf_puts(b, ",\n"); \
        sep = true;               \
    } while (0)
    if (any_set(ty->bw_set)) {
        NEXT();
        gs_buf_printf(b, "%s\"bandwidth\": ", ind);
        put_bandwidths(b, ty->bw_set);
    }
    if (ty->n_numa) {
        NEXT();
        gs_buf_printf(b, "%s\"numa\": [\n", ind);
        for (uint32_t i = 0; i < ty->n_numa; i++) {
            const gs_numa_rec *r = &ty->numa[i];
            gs_buf_printf(b, "%s  {\"cpus\": \"", ind);
            gs_cpulist_format(b, (r->range_n ? ty->cpus + r->range_off : NULL), r->range_n);
            gs_buf_puts(b, "\", \"memory\": ");
            put_size(b, r->memory);
            /* only where it is not the index: files keep their form */
            if (r->os_id != i)
                gs_buf_printf(b, ", \"id\": %u", r->os_id);
            gs_buf_printf(b, "}%s\n", i + 1 < ty->n_numa ? "," : "");
        }
        gs_buf_printf(b, "%s]", ind);
    }
    uint32_t n = ty->n_gpus;
    if (n) {
        NEXT();
        gs_buf_printf(b, "%s\"gpus\": [\n", ind);
        for (uint32_t i = 0; i < n; i++) {
            const gs_gpu_rec *g = &ty->gpus[i];
            gs_buf_printf(b, "%s  {", ind);
            bool f = false;
#define FIELD(k)                                      \
    do {                                              \
        gs_buf_printf(b, "%s\"%s\": ", f ? ", " : "", k); \
        f = true;                                     \
    } while (0)
            if (g->model) {
                FIELD("model");
                json_write_string(b, g->model, strlen(g->model));
            }
            if (g->memory) {
                FIELD("memory");
                put_size(b, g->memory);
            }
            if (g->cc_major || g->cc_minor) {
                FIELD("cc");
                gs_buf_printf(b, "\"%u.%u\"", g->cc_major, g->cc_minor);
            }
            if (g->sm_count) {
                FIELD("sms");
                gs_buf_printf(b, "%u", g->sm_count);
            }
            if (g->numa != GS_NONE16) { /* by the domain's id */
                FIELD("numa");
                gs_buf_printf(b, "%u", ty->numa[g->numa].os_id);
            }
            if (g->pci) {
                FIELD("pci");
                json_write_string(b, g->pci, strlen(g->pci));
            }
            if (g->fabric != GS_NONE8) {
                FIELD("nvswitch_links");
                gs_buf_printf(b, "%u", g->fabric_links);
                if (g->fabric) {
                    FIELD("fabric");
                    gs_buf_printf(b, "%u", g->fabric);
                }
            }
#undef FIELD
            gs_buf_printf(b, "}%s\n", i + 1 < n ? "," : "");
        }
        gs_buf_printf(b, "%s]", ind);
    }
    if (n > 1) {
        bool hidden_pcie = false, sources = false, explicit_bw = false;
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t j = 0; j < n; j++) {
                if (i == j)
                    continue;
                const gs_cell *cl = gs_ntype_cell(ty, i, j);
                if (gs_ntype_shown_nvlinks(ty, i, j) &&
                    !(cl->flags & CELL_PCIE_INFERRED))
                    hidden_pcie = true;
                if (cl->source != GS_SOURCE_FILE)
                    sources = true;
                if (cl->flags & CELL_BW_SET)
                    explicit_bw = true;
            }
        for (int kind = 0; kind < 3; kind++) {
            static const char *names[] = {"matrix", "pcie", "sources"};
            if ((kind == 1 && !hidden_pcie) || (kind == 2 && !sources))
                continue;
            NEXT();
            gs_buf_printf(b, "%s\"%s\": [\n", ind, names[kind]);
            for (uint32_t i = 0; i < n; i++) {
                gs_buf_printf(b, "%s  \"", ind);
                for (uint32_t j = 0; j < n; j++) {
                    char tok[16];
                    const gs_cell *cl = gs_ntype_cell(ty, i, j);
                    uint32_t k = gs_ntype_shown_nvlinks(ty, i, j);
                    const char *pc =
                        (cl->flags & CELL_PCIE_INFERRED)
                            ? "?"
                            : gs_pcie_level_name((gs_pcie_level)cl->pcie);
                    if (i == j)
                        snprintf(tok, sizeof tok, "X");
                    else if (kind == 0 && k)
                        snprintf(tok, sizeof tok, "NV%u", k);
                    else if (kind < 2)
                        snprintf(tok, sizeof tok, "%s", pc);
                    else
                        snprintf(tok, sizeof tok, "%c",
                                 "fidnh"[cl->source % 5]);
                    put_row_cell(b, tok, j + 1 == n);
                }
                gs_buf_printf(b, "\"%s\n", i + 1 < n ? "," : "");
            }
            gs_buf_printf(b, "%s]", ind);
        }
        if (explicit_bw) {
            NEXT();
            gs_buf_printf(b, "%s\"links\": [\n", ind);
            bool first = true;
            for (uint32_t i = 0; i < n; i++)
                for (uint32_t j = i + 1; j < n; j++) {
                    const gs_cell *cl = gs_ntype_cell(ty, i, j);
                    if (!(cl->flags & CELL_BW_SET))
                        continue;
                    if (!first)
                        gs_buf_puts(b, ",\n");
                    first = false;
                    gs_buf_printf(b, "%s  {\"gpus\": [%u, %u], \"bandwidth\": ",
                                  ind, i, j);
                    put_milli(b, cl->bw);
                    gs_buf_putc(b, '}');
                }
            gs_buf_printf(b, "\n%s]", ind);
        }
    }
#undef NEXT
    gs_buf_printf(b, "\n    }");
}

/* Names of the types in the file: their origin where it is unique, else
 * the origin (or "node-type") with the first free "-k". A table of the
 * names taken and, per base, the next k to try keep this linear in the
 * number of types (a cluster described node by node may have thousands). */
static char **type_names(const gs_topo *t)
{
    char **names = gs_calloc(t->n_types ? t->n_types : 1, sizeof *names);
    gs_strtab taken = {0}, next_k = {0};
    uint32_t *next = gs_malloc((t->n_types ? t->n_types : 1) * sizeof *next);
    gs_arena bases = {0};
    uint32_t n_bases = 0;
    bool ok = names && next;
    for (uint32_t i = 0; ok && i < t->n_types; i++) {
        bool origin = t->types[i]->origin != NULL;
        const char *base = origin ? t->types[i]->origin : "node-type";
        /* the counter's key: whether k = 1 is the bare base, then the base */
        char key[GS_MAX_NAME + 2];
        int kl = snprintf(key, sizeof key, "%c%s", origin ? 'o' : 'n', base);
        size_t klen = GS_MIN((size_t)(kl < 0 ? 0 : kl), sizeof key - 1);
        const gs_strtab_slot *ks = gs_strtab_get(&next_k, key, klen);
        uint32_t b = ks ? ks->val : n_bases;
        if (!ks) {
            const char *kcopy = gs_arena_strndup(&bases, key, klen);
            if (!kcopy || !gs_strtab_put(&next_k, kcopy, klen, b)) {
                ok = false;
                break;
            }
            next[n_bases++] = 1;
        }
        char cand[GS_MAX_NAME + 32];
        for (unsigned k = next[b];; k++) {
            if (k == 1 && origin)
                snprintf(cand, sizeof cand, "%s", base);
            else
                snprintf(cand, sizeof cand, "%s-%u", base, k);
            if (!gs_strtab_get(&taken, cand, strlen(cand))) {
                next[b] = k + 1;
                break;
            }
        }
        if (!(names[i] = gs_strdup(cand)) ||
            !gs_strtab_put(&taken, names[i], strlen(names[i]), i))
            ok = false;
    }
    gs_strtab_free(&taken);
    gs_strtab_free(&next_k);
    gs_arena_free(&bases);
    gs_free(next);
    if (!ok && names) {
        for (uint32_t j = 0; j < t->n_types; j++)
            gs_free(names[j]);
        gs_free(names);
        names = NULL;
    }
    return names;
}

static void free_names(char **names, uint32_t n)
{
    if (!names)
        return;
    for (uint32_t i = 0; i < n; i++)
        gs_free(names[i]);
    gs_free(names);
}

/* Members grouped by owner, in index order within each: members of owner
 * k are idx[first[k] .. first[k + 1]). A counting sort, so that writing
 * every switch's nodes and children costs O(nodes + switches), not their
 * product (a 126-byte file of 262,144 one-node racks took minutes). */
typedef struct groups {
    uint32_t *first; /* owners + 1 entries */
    uint32_t *idx;
} groups;

static bool group_by(groups *g, size_t owners, size_t members,
                     uint32_t (*owner_of)(const gs_topo *, size_t),
                     const gs_topo *t)
{
    g->first = gs_calloc(owners + 2, sizeof *g->first);
    g->idx = gs_malloc((members ? members : 1) * sizeof *g->idx);
    if (!g->first || !g->idx)
        return false;
    for (size_t i = 0; i < members; i++) {
        uint32_t o = owner_of(t, i);
        if (o != GS_NONE)
            g->first[o + 2]++;
    }
    for (size_t k = 0; k < owners; k++)
        g->first[k + 2] += g->first[k + 1];
    /* first[k + 1] is now where owner k's members start: fill from there */
    for (size_t i = 0; i < members; i++) {
        uint32_t o = owner_of(t, i);
        if (o != GS_NONE)
            g->idx[g->first[o + 1]++] = (uint32_t)i;
    }
    return true;
}

static void groups_free(groups *g)
{
    gs_free(g->first);
    gs_free(g->idx);
}

static uint32_t switch_of_node(const gs_topo *t, size_t i)
{
    return t->nodes[i].sw;
}

static uint32_t domain_of_node(const gs_topo *t, size_t i)
{
    return t->nodes[i].domain;
}

static uint32_t parent_of_switch(const gs_topo *t, size_t i)
{
    return t->switches[i].parent;
}

/* The names of the features in mask, as a JSON array in index order. */
static void put_features(gs_buf *b, const gs_topo *t, uint64_t mask)
{
    gs_buf_putc(b, '[');
    bool first = true;
    for (uint32_t f = 0; f < t->n_features; f++) {
        if (!(mask >> f & 1))
            continue;
        if (!first)
            gs_buf_puts(b, ", ");
        json_write_string(b, t->features[f], strlen(t->features[f]));
        first = false;
    }
    gs_buf_putc(b, ']');
}

/* The names of owner k's members as a hostlist expression. */
static void write_group(gs_buf *b, const groups *g, uint32_t k,
                        const char **scratch, bool nodes, const gs_topo *t)
{
    size_t n = 0;
    for (uint32_t i = g->first[k]; i < g->first[k + 1]; i++)
        scratch[n++] = nodes ? t->nodes[g->idx[i]].name
                             : t->switches[g->idx[i]].name;
    gs_buf_putc(b, '"');
    gs_hostlist_compress(b, scratch, n);
    gs_buf_putc(b, '"');
}

/* A node's "mig" (one entry per GPU) and, when any is known, its
 * "mig_uuids". */
static void put_mig(gs_buf *b, const gs_node_rec *n)
{
    uint32_t ng = n->type->n_gpus;
    bool any_uuid = false;
    gs_buf_puts(b, ", \"mig\": [");
    for (uint32_t g = 0; g < ng; g++) {
        const gs_mig_rec *m = g < n->mig_n ? &n->mig[g] : NULL;
        if (g)
            gs_buf_puts(b, ", ");
        if (!m || m->mode == GS_MIG_OFF) {
            gs_buf_puts(b, "null");
        } else if (m->mode == GS_MIG_DYNAMIC) {
            gs_buf_puts(b, "\"dynamic\"");
        } else {
            char text[160];
            size_t len = 0;
            if (gs_mig_layout_format((gs_mig_gpu)m->kind, m->inst, m->n, text,
                                     sizeof text, &len) != GS_OK)
                len = 0; /* a legal layout of at most 7 items always fits */
            json_write_string(b, text, len);
            for (uint32_t i = 0; i < m->n; i++)
                any_uuid |= m->uuid[i] != NULL;
        }
    }
    gs_buf_putc(b, ']');
    if (!any_uuid)
        return;
    gs_buf_puts(b, ", \"mig_uuids\": [");
    for (uint32_t g = 0; g < ng; g++) {
        const gs_mig_rec *m = g < n->mig_n ? &n->mig[g] : NULL;
        if (g)
            gs_buf_puts(b, ", ");
        if (!m || m->mode != GS_MIG_FIXED) {
            gs_buf_puts(b, "null");
            continue;
        }
        gs_buf_putc(b, '[');
        for (uint32_t i = 0; i < m->n; i++) {
            if (i)
                gs_buf_puts(b, ", ");
            if (m->uuid[i])
                json_write_string(b, m->uuid[i], strlen(m->uuid[i]));
            else
                gs_buf_puts(b, "null");
        }
        gs_buf_putc(b, ']');
    }
    gs_buf_putc(b, ']');
}

GS_API gs_status gs_topo_to_json(const gs_topo *t, char **text, size_t *size)
{
    if (!t || !text)
        return GS_EINVAL;
    *text = NULL;
    if (size)
        *size = 0;
    if (!t->frozen)
        return GS_ENOTFROZEN;
    gs_buf b = {0};
    char **names = type_names(t);
    size_t scratch_n = GS_MAX(t->n_nodes, t->n_switches);
    const char **scratch =
        gs_malloc((scratch_n ? scratch_n : 1) * sizeof *scratch);
    groups on_sw = {0}, in_dom = {0}, below = {0};
    if (!names || !scratch ||
        !group_by(&on_sw, t->n_switches, t->n_nodes, switch_of_node, t) ||
        !group_by(&in_dom, t->n_domains, t->n_nodes, domain_of_node, t) ||
        !group_by(&below, t->n_switches, t->n_switches, parent_of_switch,
                  t)) {
        gs_free(scratch);
        free_names(names, t->n_types);
        groups_free(&on_sw);
        groups_free(&in_dom);
        groups_free(&below);
        return GS_ENOMEM;
    }
    gs_buf_puts(&b, "{\n  \"gpusched\": 1");
    if (any_set(t->bw_default)) {
        gs_buf_puts(&b, ",\n  \"bandwidth\": ");
        put_bandwidths(&b, t->bw_default);
    }
    if (t->n_features) {
        gs_buf_puts(&b, ",\n  \"features\": ");
        put_features(&b, t, ~UINT64_C(0));
    }
    if (t->n_types) {
        gs_buf_puts(&b, ",\n  \"templates\": {\n");
        for (uint32_t i = 0; i < t->n_types; i++) {
            gs_buf_puts(&b, "    ");
            json_write_string(&b, names[i], strlen(names[i]));
            gs_buf_puts(&b, ": ");
            write_type(&b, t->types[i]);
            gs_buf_puts(&b, i + 1 < t->n_types ? ",\n" : "\n");
        }
        gs_buf_puts(&b, "  }");
    }
    if (t->n_nodes) {
        gs_buf_puts(&b, ",\n  \"nodes\": [\n");
        size_t i = 0;
        bool first = true;
        while (i < t->n_nodes) {
            const gs_node_rec *n = &t->nodes[i];
            size_t j = i + 1;
            if (!n->uuids && !n->mig)
                while (j < t->n_nodes && !t->nodes[j].uuids &&
                       !t->nodes[j].mig &&
                       t->nodes[j].type == n->type &&
                       t->nodes[j].features == n->features &&
                       t->nodes[j].weight == n->weight)
                    j++;
            for (size_t k = i; k < j; k++)
                scratch[k - i] = t->nodes[k].name;
            gs_buf_puts(&b, first ? "    {\"name\": \"" : ",\n    {\"name\": \"");
            first = false;
            gs_hostlist_compress(&b, scratch, j - i);
            gs_buf_puts(&b, "\", \"template\": ");
            json_write_string(&b, names[n->type->id],
                              strlen(names[n->type->id]));
            if (n->uuids) {
                gs_buf_puts(&b, ", \"uuids\": [");
                for (uint32_t g = 0; g < n->type->n_gpus; g++) {
                    if (g)
                        gs_buf_puts(&b, ", ");
                    if (n->uuids[g])
                        json_write_string(&b, n->uuids[g],
                                          strlen(n->uuids[g]));
                    else
                        gs_buf_puts(&b, "null");
                }
                gs_buf_putc(&b, ']');
            }
            /* only when set: files without them keep their bytes */
            if (n->features) {
                gs_buf_puts(&b, ", \"features\": ");
                put_features(&b, t, n->features);
            }
            if (n->weight != 1)
                gs_buf_printf(&b, ", \"weight\": %u", n->weight);
            if (n->mig)
                put_mig(&b, n);
            gs_buf_putc(&b, '}');
            i = j;
        }
        gs_buf_puts(&b, "\n  ]");
    }
    if (t->n_switches) {
        gs_buf_puts(&b, ",\n  \"switches\": [\n");
        for (size_t s = 0; s < t->n_switches; s++) {
            const gs_switch_rec *sw = &t->switches[s];
            gs_buf_puts(&b, "    {\"name\": ");
            json_write_string(&b, sw->name, strlen(sw->name));
            if (sw->link_speed)
                gs_buf_printf(&b, ", \"link_speed\": %" PRIu64,
                              sw->link_speed);
            if (below.first[s + 1] > below.first[s]) {
                gs_buf_puts(&b, ", \"switches\": ");
                write_group(&b, &below, (uint32_t)s, scratch, false, t);
            }
            if (on_sw.first[s + 1] > on_sw.first[s]) {
                gs_buf_puts(&b, ", \"nodes\": ");
                write_group(&b, &on_sw, (uint32_t)s, scratch, true, t);
            }
            gs_buf_puts(&b, s + 1 < t->n_switches ? "},\n" : "}\n");
        }
        gs_buf_puts(&b, "  ]");
    }
    if (t->n_domains) {
        gs_buf_puts(&b, ",\n  \"nvlink_domains\": [\n");
        for (size_t d = 0; d < t->n_domains; d++) {
            gs_buf_puts(&b, "    {\"name\": ");
            json_write_string(&b, t->domains[d].name,
                              strlen(t->domains[d].name));
            if (t->domains[d].size) {
                gs_buf_puts(&b, ", \"nodes\": ");
                write_group(&b, &in_dom, (uint32_t)d, scratch, true, t);
            }
            gs_buf_puts(&b, d + 1 < t->n_domains ? "},\n" : "}\n");
        }
        gs_buf_puts(&b, "  ]");
    }
    gs_buf_puts(&b, "\n}\n");
    free_names(names, t->n_types);
    gs_free(scratch);
    groups_free(&on_sw);
    groups_free(&in_dom);
    groups_free(&below);
    if (!gs_buf_finish(&b)) {
        gs_buf_free(&b);
        return GS_ENOMEM;
    }
    *text = b.data;
    if (size)
        *size = b.len;
    return GS_OK;
}

GS_API gs_status gs_topo_save_json(const gs_topo *t, const char *path)
{
    if (!t || !path)
        return GS_EINVAL;
    char *text;
    size_t len;
    gs_status st = gs_topo_to_json(t, &text, &len);
    if (st != GS_OK)
        return st;
    FILE *f = fopen(path, "wb");
    if (!f) {
        gs_free(text);
        return GS_EIO;
    }
    size_t w = fwrite(text, 1, len, f);
    int bad = w != len;
    if (fclose(f) != 0)
        bad = 1;
    gs_free(text);
    return bad ? GS_EIO : GS_OK;
}
