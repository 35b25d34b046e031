/*
 * gpusched podsim: placement policies compared on a GPU-sharing pod trace,
 * as in the workload-inflation experiment of Weng et al., "Beware of
 * Fragmentation: Scheduling GPU-Sharing Workloads with Fragmentation
 * Gradient Descent", USENIX ATC '23, section 6.
 *
 *   gpusched podsim --nodes FILE --pods FILE [--policies LIST]
 *                   [--seeds LIST] [--target PERCENT] [--order random|trace]
 *                   [--frag-mix learned|trace] [--parallel N] [--check N]
 *                   [--csv | --json] [--out FILE]
 *
 * Inputs: Alibaba's cluster-trace-gpu-v2023 ("openb") files. The node list
 * (sn,cpu_milli,memory_mib,gpu,model) becomes a topology: one node a line,
 * its GPUs of its model, its CPUs (cpu_milli / 1000) and memory in one
 * NUMA domain. The pod list (name,cpu_milli,memory_mib,num_gpu,gpu_milli,
 * gpu_spec, and columns that are read over: qos, pod_phase, creation_time,
 * deletion_time, scheduled_time) gives the pods; a header names the
 * columns, in any order. Pods without GPUs are counted and left out: the
 * experiment allocates GPUs (gpusched sim runs them as CPU-only jobs).
 *
 * The experiment: pods arrive one by one, drawn at random from the pod
 * list with replacement (seeded: every policy sees the same sequence), or
 * in the file's order; each is submitted and the scheduler stepped; a pod
 * that cannot start is cancelled (dropped); nothing ever ends. Arrivals
 * stop once the arrived GPU demand (num_gpu x gpu_milli / 1000, summed)
 * reaches the target share of the cluster's GPUs. Reported per policy: the
 * share of the GPUs allocated when the arrived demand reaches 10%, 20%...,
 * and, when the first pod could not start, the arrived demand, the GPUs
 * left unallocated and the fragmentation measure (gs_sched_fragmentation).
 * Runs (policy x seed) go to --parallel worker processes.
 * SPDX-License-Identifier: Apache-2.0
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- limits ------------------------------------------------------------- */

#define MAX_NODES 100000u          /* node lines */
#define MAX_PODS 10000000u         /* pod lines */
#define MAX_NAME 255u              /* bytes of a node or pod name */
#define MAX_MODEL 63u              /* bytes of a GPU model name */
#define MAX_SPEC 255u              /* bytes of a gpu_spec */
#define MAX_NODE_GPUS 64u          /* the scheduler's limit per node */
#define MAX_CPU_MILLI 1048576000ull /* 1,048,576 CPUs (cpulists' limit) */
#define MAX_MEM_MIB (1ull << 30)   /* 1 PiB */
#define MAX_POLICIES 16u
#define MAX_SEEDS 100u
#define MAX_TARGET 1000u           /* percent of the GPU capacity */
#define MAX_CK (MAX_TARGET / 10u)  /* checkpoints: every 10% */
#define MAX_ARRIVALS 2000000ull    /* pods arriving in one run */
#define MAX_PARALLEL 256u
#define DEFAULT_POLICIES "first-fit,best-fit,spread,nvlink-pack,fgd,frag-aware"

/* ---- the rows ----------------------------------------------------------- */

typedef struct node_row {
    const char *sn, *model; /* into the node list's text */
    size_t lineno, sn_col;
    uint32_t cpus, gpus;
    uint64_t mem; /* bytes */
} node_row;

typedef struct pod {
    const char *name;   /* into the pod list's text; "" when unnamed */
    const char *models; /* gpu_spec with ',' for '|'; NULL: any model */
    size_t lineno;
    uint32_t gpus, milli, cpus_per_gpu;
    uint64_t mem_per_gpu; /* bytes */
} pod;

/* ---- CSV ---------------------------------------------------------------- */


/* Text from an input as a message shows it: bytes that are not printable
 * ASCII as \xNN, at most 80 of them (then "..."). Returns buf. */
static const char *shown(const char *s, char *buf, size_t cap)
{
    size_t n = 0, k = 0;
    for (; s[k] && k < 80 && n + 5 < cap; k++) {
        unsigned char c = (unsigned char)s[k];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            buf[n++] = (char)c;
        else
            n += (size_t)snprintf(buf + n, cap - n, "\\x%02x", c);
    }
    if (s[k] && n + 4 <= cap) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}
#define SHOWN_CAP 400

/* A whole number in [0, max]: digits, or a decimal without a fraction
 * ("12000.0", "1.2e4"), as traces write them. Signs, blanks, hexadecimal,
 * nan and infinities are not numbers here. 0, or -1. */
static int parse_count(const char *s, uint64_t max, uint64_t *out)
{
    if (!*s || *s < '0' || *s > '9' || s[strspn(s, "0123456789.eE+-")])
        return -1;
    if (!s[strspn(s, "0123456789")])
        return cli_parse_u64(s, max, out);
    char *e;
    errno = 0;
    double d = strtod(s, &e);
    if (*e || errno || !isfinite(d) || d != trunc(d) || d > (double)max)
        return -1;
    *out = (uint64_t)d;
    return 0;
}

/* One CSV file read by its header. */
typedef struct csv_in {
    cli_args *a;
    const char *name;          /* for messages: the path or <stdin> */
    const char *const *cols;   /* the column names it knows */
    const char *col_list;      /* the same, for messages */
    int ncols;
    const bool *required;      /* per column */
    int map[16];               /* field index of each column, -1 absent */
    int nfields;               /* fields of the header */
    /* the current line */
    size_t lineno, eol;
    char *fld[17];
    size_t col[17];
    int nf;
} csv_in;

static int line_error(const csv_in *r, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int line_error(const csv_in *r, size_t col, const char *fmt, ...)
{
    fprintf(stderr, "%s: %s:%zu", r->a->prog, r->name, r->lineno);
    if (col)
        fprintf(stderr, ":%zu", col);
    fputs(": ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

/* Column c of the current line ("" when the line is short or the file has
 * no such column) and where it is (the end of the line when missing). */
static char *field(const csv_in *r, int c, size_t *col)
{
    static char none[1];
    int k = r->map[c];
    if (k >= 0 && k < r->nf) {
        *col = r->col[k];
        return r->fld[k];
    }
    *col = r->eol;
    none[0] = '\0';
    return none;
}

/* A whole-number column, range-checked: 0 or -1 (reported). */
static int count_field(const csv_in *r, int c, uint64_t max, const char *want,
                       uint64_t *out)
{
    size_t col;
    const char *s = field(r, c, &col);
    char sh[SHOWN_CAP];
    if (parse_count(s, max, out) != 0)
        return line_error(r, col, "bad %s \"%s\" (%s)", r->cols[c],
                          shown(s, sh, sizeof sh), *s ? want : "missing");
    return 0;
}

typedef int (*row_fn)(csv_in *r, void *ctx);

static int read_header(csv_in *r)
{
    if (r->nf > r->ncols)
        return line_error(r, r->col[r->ncols],
                          "%d columns, there are only %d kinds (%s)", r->nf,
                          r->ncols, r->col_list);
    for (int i = 0; i < r->ncols; i++)
        r->map[i] = -1;
    for (int k = 0; k < r->nf; k++) {
        int c = -1;
        for (int i = 0; i < r->ncols && c < 0; i++)
            if (!strcasecmp(r->fld[k], r->cols[i]))
                c = i;
        char sh[SHOWN_CAP];
        if (c < 0 || r->map[c] >= 0)
            return line_error(r, r->col[k], "%s column \"%s\" (the columns "
                                            "are %s)",
                              c < 0 ? "unknown" : "duplicate",
                              shown(r->fld[k], sh, sizeof sh), r->col_list);
        r->map[c] = k;
    }
    for (int i = 0; i < r->ncols; i++)
        if (r->required[i] && r->map[i] < 0)
            return line_error(r, 0, "no \"%s\" column (the header must name "
                                    "at least %s)",
                              r->cols[i], r->col_list);
    r->nfields = r->nf;
    return 0;
}

/* Read text (changed in place: rows point into it), a header first, and
 * call fn for every other line that is not blank or a # comment. */
static int csv_read(csv_in *r, char *text, size_t len, size_t max_rows,
                    const char *what, row_fn fn, void *ctx)
{
    char *p = text, *end = text + len;
    bool header = false;
    size_t rows = 0;
    /* a spreadsheet's CSV may start with a UTF-8 byte order mark */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        p += 3;
    r->lineno = 0;
    while (p < end) {
        r->lineno++;
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *line = p;
        size_t llen = nl ? (size_t)(nl - p) : (size_t)(end - p);
        p = nl ? nl + 1 : end;
        char *nul = memchr(line, '\0', llen);
        if (nul)
            return line_error(r, (size_t)(nul - line) + 1,
                              "a NUL byte (is this a text file?)");
        line[llen] = '\0';
        if (llen && line[llen - 1] == '\r')
            line[--llen] = '\0';
        const char *lead = line + strspn(line, " \t");
        if (!*lead || *lead == '#')
            continue;
        size_t bad = 0;
        r->eol = llen + 1;
        r->nf = cli_csv_split(line, r->fld, r->col, 17, &bad);
        if (r->nf < 0)
            return line_error(r, bad, "unterminated quote or text after a "
                                      "closing quote");
        if (!header) {
            bool known = false;
            for (int k = 0; k < r->nf && k < 17 && !known; k++)
                for (int i = 0; i < r->ncols && !known; i++)
                    known = !strcasecmp(r->fld[k], r->cols[i]);
            if (!known)
                return line_error(r, 1, "no header: the first line must "
                                        "name the columns (%s)",
                                  r->col_list);
            if (read_header(r) != 0)
                return -1;
            header = true;
            continue;
        }
        if (r->nf > r->nfields)
            return line_error(r, r->col[r->nfields < 16 ? r->nfields : 16],
                              "%d fields, the header has %d", r->nf,
                              r->nfields);
        if (++rows > max_rows)
            return line_error(r, 0, "more than %zu %s", max_rows, what);
        if (fn(r, ctx) != 0)
            return -1;
    }
    if (!header) {
        r->lineno = 1;
        return line_error(r, 1, "empty: no header naming the columns (%s)",
                          r->col_list);
    }
    return 0;
}

/* A name (node or pod): printable ASCII or UTF-8, not too long. */
static int check_name(const csv_in *r, const char *s, size_t col,
                      const char *what, bool need)
{
    char sh[SHOWN_CAP];
    if (need && !*s)
        return line_error(r, col, "missing %s", what);
    if (strlen(s) > MAX_NAME)
        return line_error(r, col, "%s \"%s\" is longer than %u bytes", what,
                          shown(s, sh, sizeof sh), MAX_NAME);
    for (const unsigned char *q = (const unsigned char *)s; *q; q++)
        if (*q < 0x20 || *q == 0x7f)
            return line_error(r, col + (size_t)(q - (const unsigned char *)s),
                              "%s \"%s\" has a control byte", what,
                              shown(s, sh, sizeof sh));
    return 0;
}

/* A GPU model name: 1 to MAX_MODEL printable ASCII bytes, no blank, comma
 * or '|' (gs_job_spec::gpu_models separates names with commas). */
static bool model_ok(const char *s, size_t len)
{
    if (len < 1 || len > MAX_MODEL)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == ',' || s[i] == '|')
            return false;
    return true;
}

/* Does model hold name[0..len) (any case)? How the scheduler matches
 * gs_job_spec::gpu_models. */
static bool has_name(const char *model, const char *name, size_t len)
{
    for (size_t ml = strlen(model), i = 0; i + len <= ml; i++)
        if (!strncasecmp(model + i, name, len))
            return true;
    return false;
}

/* ---- the node list ------------------------------------------------------ */

enum { N_SN, N_CPU, N_MEM, N_GPU, N_MODEL, N_COLS };
static const char *const node_cols[N_COLS] = {"sn", "cpu_milli", "memory_mib",
                                              "gpu", "model"};
static const bool node_required[N_COLS] = {true, true, true, true, true};

typedef struct node_list {
    node_row *v;
    size_t n, cap;
} node_list;

static int node_row_fn(csv_in *r, void *ctx)
{
    node_list *l = ctx;
    node_row row = {.lineno = r->lineno};
    size_t col;
    row.sn = field(r, N_SN, &col);
    row.sn_col = col;
    if (check_name(r, row.sn, col, "node name (sn)", true) != 0)
        return -1;
    uint64_t cpu, mem, gpus;
    if (count_field(r, N_CPU, MAX_CPU_MILLI,
                    "a whole number from 0 to 1048576000", &cpu) != 0 ||
        count_field(r, N_MEM, MAX_MEM_MIB,
                    "MiB, a whole number from 0 to 2^30", &mem) != 0 ||
        count_field(r, N_GPU, MAX_NODE_GPUS, "a whole number from 0 to 64",
                    &gpus) != 0)
        return -1;
    row.cpus = (uint32_t)(cpu / 1000);
    row.mem = mem << 20;
    row.gpus = (uint32_t)gpus;
    row.model = field(r, N_MODEL, &col);
    char sh[SHOWN_CAP];
    if (row.gpus && !model_ok(row.model, strlen(row.model)))
        return line_error(r, col,
                          *row.model ? "bad model \"%s\" (1 to 63 printable "
                                       "characters, no blank, ',' or '|')"
                                     : "missing model%s",
                          *row.model ? shown(row.model, sh, sizeof sh) : "");
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        node_row *nv = realloc(l->v, cap * sizeof *nv);
        if (!nv) {
            cli_fail(r->a, "out of memory");
            return -1;
        }
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = row;
    return 0;
}

/* Device memory by model (GiB); 0: unknown (Alibaba's G2 and G3 are not
 * public). Only informative: the trace's pods ask for no GPU memory. */
static uint64_t model_memory(const char *model)
{
    static const struct {
        const char *name;
        unsigned gib;
    } tab[] = {{"V100M16", 16}, {"V100M32", 32}, {"P100", 16},
               {"T4", 16},      {"A10", 24}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (!strcasecmp(model, tab[i].name))
            return (uint64_t)tab[i].gib << 30;
    return 0;
}

/* The topology of the node list (nodes without GPUs left out). */
static gs_topo *build_topo(cli_args *a, const char *name, const node_list *l,
                           size_t *without_gpus)
{
    gs_topo *t = NULL;
    if (gs_topo_create(&t) != GS_OK) {
        cli_fail(a, "out of memory");
        return NULL;
    }
    *without_gpus = 0;
    for (size_t i = 0; i < l->n; i++) {
        const node_row *row = &l->v[i];
        if (!row->gpus) {
            (*without_gpus)++;
            continue;
        }
        uint32_t node;
        gs_status st = gs_topo_add_node(t, row->sn, &node);
        if (st == GS_OK) {
            char cpus[32] = "";
            if (row->cpus == 1)
                snprintf(cpus, sizeof cpus, "0");
            else if (row->cpus > 1)
                snprintf(cpus, sizeof cpus, "0-%u", row->cpus - 1);
            st = gs_topo_add_numa(t, node, cpus, row->mem, NULL);
        }
        gs_gpu_info info = GS_GPU_INFO_INIT;
        info.model = row->model;
        info.memory_bytes = model_memory(row->model);
        info.numa = 0;
        for (uint32_t g = 0; g < row->gpus && st == GS_OK; g++)
            st = gs_topo_add_gpu(t, node, &info, NULL);
        if (st != GS_OK) {
            char sh[SHOWN_CAP];
            if (st == GS_ENOMEM)
                cli_fail(a, "out of memory");
            else if (st == GS_EEXIST)
                fprintf(stderr, "%s: %s:%zu:%zu: node \"%s\" twice\n",
                        a->prog, name, row->lineno, row->sn_col,
                        shown(row->sn, sh, sizeof sh));
            else
                fprintf(stderr, "%s: %s:%zu:%zu: %s\n", a->prog, name,
                        row->lineno, row->sn_col, gs_topo_errmsg(t));
            gs_topo_destroy(t);
            return NULL;
        }
    }
    if (*without_gpus == l->n) {
        cli_fail(a, "%s: no node with GPUs", name);
        gs_topo_destroy(t);
        return NULL;
    }
    if (gs_topo_freeze(t) != GS_OK) {
        cli_fail(a, "%s: %s", name, gs_topo_errmsg(t));
        gs_topo_destroy(t);
        return NULL;
    }
    return t;
}

/* ---- the pod list ------------------------------------------------------- */

enum { P_NAME, P_CPU, P_MEM, P_NGPU, P_MILLI, P_SPEC, P_QOS, P_PHASE,
       P_CREATED, P_DELETED, P_SCHEDULED, P_COLS };
static const char *const pod_cols[P_COLS] = {
    "name",      "cpu_milli",     "memory_mib",    "num_gpu",
    "gpu_milli", "gpu_spec",      "qos",           "pod_phase",
    "creation_time", "deletion_time", "scheduled_time"};
static const bool pod_required[P_COLS] = {false, true, true, true, true};

typedef struct pod_list {
    pod *v;
    size_t n, cap;
    size_t cpu_only; /* num_gpu 0: left out */
} pod_list;

static uint64_t ceil_div(uint64_t x, uint64_t y)
{
    return x / y + (x % y != 0);
}

static int pod_row_fn(csv_in *r, void *ctx)
{
    pod_list *l = ctx;
    pod p = {.lineno = r->lineno};
    size_t col, mcol;
    p.name = field(r, P_NAME, &col);
    if (check_name(r, p.name, col, "pod name", false) != 0)
        return -1;
    uint64_t cpu, mem, ngpu, milli;
    if (count_field(r, P_CPU, MAX_CPU_MILLI,
                    "a whole number from 0 to 1048576000", &cpu) != 0 ||
        count_field(r, P_MEM, MAX_MEM_MIB,
                    "MiB, a whole number from 0 to 2^30", &mem) != 0 ||
        count_field(r, P_NGPU, MAX_NODE_GPUS,
                    "a whole number from 0 to 64: a pod runs on one node",
                    &ngpu) != 0 ||
        count_field(r, P_MILLI, 1000, "a whole number from 0 to 1000",
                    &milli) != 0)
        return -1;
    (void)field(r, P_MILLI, &mcol);
    if (ngpu == 0 && milli != 0)
        return line_error(r, mcol, "gpu_milli %llu with num_gpu 0 (a pod "
                                   "without GPUs has gpu_milli 0)",
                          (unsigned long long)milli);
    if (ngpu > 0 && milli == 0)
        return line_error(r, mcol, "gpu_milli 0 with num_gpu %llu (want 1 "
                                   "to 1000: the share of each GPU)",
                          (unsigned long long)ngpu);
    char *spec = field(r, P_SPEC, &col);
    if (*spec) {
        char sh[SHOWN_CAP];
        size_t len = strlen(spec);
        if (len > MAX_SPEC)
            return line_error(r, col, "gpu_spec \"%s\" is longer than %u "
                                      "bytes",
                              shown(spec, sh, sizeof sh), MAX_SPEC);
        for (size_t at = 0; at <= len;) {
            size_t w = strcspn(spec + at, "|");
            if (!model_ok(spec + at, w))
                return line_error(r, col,
                                  "bad gpu_spec \"%s\" (GPU models separated "
                                  "by '|', like A10|V100M32; each 1 to 63 "
                                  "printable characters, no blank or ',')",
                                  shown(spec, sh, sizeof sh));
            at += w + 1;
        }
        for (char *q = spec; *q; q++)
            if (*q == '|')
                *q = ',';
        p.models = spec;
    }
    if (ngpu == 0) {
        l->cpu_only++;
        return 0;
    }
    p.gpus = (uint32_t)ngpu;
    p.milli = (uint32_t)milli;
    p.cpus_per_gpu = (uint32_t)ceil_div(cpu, 1000 * ngpu);
    p.mem_per_gpu = ceil_div(mem, ngpu) << 20;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        pod *nv = realloc(l->v, cap * sizeof *nv);
        if (!nv) {
            cli_fail(r->a, "out of memory");
            return -1;
        }
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = p;
    return 0;
}

/* The scheduler matches a gpu_spec name as a part of a model's name ("A10"
 * is also in "A100"): say so once per name when the cluster has such a
 * model besides the name itself. */
static void warn_spec_overlap(cli_args *a, const char *file, const gs_topo *t,
                              const pod_list *l)
{
    const char *models[64];
    size_t nm = 0;
    for (uint32_t g = 0; g < gs_topo_gpu_count(t); g++) {
        gs_gpu_info info = GS_GPU_INFO_INIT;
        gs_topo_gpu_info(t, g, &info);
        size_t i = 0;
        while (i < nm && strcmp(models[i], info.model))
            i++;
        if (i == nm && nm < 64)
            models[nm++] = info.model;
    }
    char warned[16][MAX_MODEL + 1];
    size_t nw = 0;
    for (size_t i = 0; i < l->n && nw < 16; i++)
        for (const char *m = l->v[i].models; m && *m && nw < 16;) {
            size_t w = strcspn(m, ",");
            bool seen = false;
            for (size_t k = 0; k < nw && !seen; k++)
                seen = strlen(warned[k]) == w && !strncasecmp(warned[k], m, w);
            for (size_t k = 0; k < nm && !seen; k++)
                if (has_name(models[k], m, w) && strlen(models[k]) != w) {
                    fprintf(stderr, "%s: warning: %s:%zu: gpu_spec %.*s also "
                                    "matches the model %s (the scheduler "
                                    "matches model names as parts of names)\n",
                            a->prog, file, l->v[i].lineno, (int)w, m,
                            models[k]);
                    snprintf(warned[nw++], sizeof warned[0], "%.*s", (int)w,
                             m);
                    seen = true;
                }
            m += w + (m[w] == ',');
        }
}

/* The spec the scheduler gets for a pod. */
static void pod_spec(const pod *p, gs_job_spec *spec, int64_t t)
{
    gs_job_spec_init(spec);
    spec->gpus = p->gpus;
    spec->gpus_per_node = p->gpus; /* a pod runs on one node */
    spec->max_nodes = 1;
    spec->gpu_milli = p->milli;
    spec->cpus_per_gpu = p->cpus_per_gpu;
    spec->mem_per_gpu = p->mem_per_gpu;
    spec->gpu_models = p->models;
    /* any of them: by default a job keeps to the GPU model of the
     * lowest-weight nodes while it has room (docs/partitions.md), which
     * would fill the models one after the other whatever the policy; a
     * pod's node has one model anyway */
    spec->any_model = 1;
    spec->submit_time = t;
}

/* ---- the experiment ----------------------------------------------------- */

/* xoshiro256** seeded by splitmix64: the same sequence everywhere. */
typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

/* Uniform in [0, n), n > 0, without modulo bias. */
static uint64_t rng_below(rng *r, uint64_t n)
{
    uint64_t lim = UINT64_MAX - UINT64_MAX % n;
    for (;;) {
        uint64_t x = rng_next(r);
        if (x < lim)
            return x % n;
    }
}

/* What one run (a policy, a seed) measured. Lives in memory the worker
 * processes share with the parent. */
typedef struct run_result {
    int state;                 /* 0 to do, 1 running, 2 done */
    uint32_t policy;           /* index into the policy list */
    uint64_t seed;
    uint64_t arrived, dropped; /* pods */
    uint64_t arrived_milli, alloc_milli;
    double progress;           /* 0 to 1, for the progress line */
    double alloc[MAX_CK];      /* % of capacity at each checkpoint; NaN
                                  when not reached */
    double frag[MAX_CK];       /* fragmentation then, GPUs */
    bool failed;               /* a pod could not start */
    double fail_load;          /* arrived demand then, % of capacity */
    double fail_unalloc;       /* GPUs unallocated then */
    double fail_frag;          /* fragmentation then, GPUs */
    size_t fail_pod;           /* the pod (index) */
    uint64_t fail_at;          /* its arrival number, from 1 */
    double seconds;
} run_result;

/* What all the runs share (read only). */
typedef struct experiment {
    cli_args *a;
    const char *pods_name;
    const gs_topo *topo;
    const pod *pods;
    const size_t *pool; /* indices of the pods that arrive */
    size_t n_pool;
    bool trace_order;
    uint32_t target;    /* percent */
    uint32_t n_ck;      /* checkpoints: 10%, 20%... target */
    uint64_t cap_milli; /* GPU capacity in milli-GPU */
    const char *const *policies;
    size_t n_policies;
    const gs_frag_class *mix; /* the trace's mix, or NULL: learned */
    size_t n_mix;
    uint64_t check; /* gs_sched_check every this many pods (0: never) */
    int *stop; /* a worker failed: the others stop */
    /* the progress line of a single process (NULL: none) */
    void (*progress)(const struct experiment *x);
    const void *progress_arg;
    size_t progress_n;
    double t0;
} experiment;

static int run_fail(const experiment *x, const run_result *r, uint64_t i,
                    const pod *p, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int run_fail(const experiment *x, const run_result *r, uint64_t i,
                    const pod *p, const char *fmt, ...)
{
    char head[512];
    int n = snprintf(head, sizeof head, "%s", x->policies[r->policy]);
    if (!x->trace_order && n > 0 && (size_t)n < sizeof head)
        n += snprintf(head + n, sizeof head - (size_t)n, ", seed %llu",
                      (unsigned long long)r->seed);
    if (i && n > 0 && (size_t)n < sizeof head)
        snprintf(head + n, sizeof head - (size_t)n, ", pod %llu",
                 (unsigned long long)i);
    fprintf(stderr, "%s: %s", x->a->prog, head);
    if (p) {
        char sh[SHOWN_CAP];
        fprintf(stderr, " (%s%s%s:%zu)", *p->name ? shown(p->name, sh,
                                                          sizeof sh)
                                                  : "",
                *p->name ? ", " : "", x->pods_name, p->lineno);
    }
    fputs(": ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

/* The debugging checks of --check: the scheduler's invariants, and the
 * shares it reports against what this program allocated. */
static int deep_check(const experiment *x, const run_result *r, gs_sched *s,
                      uint64_t i, const pod *p)
{
    if (gs_sched_check(s) != GS_OK)
        return run_fail(x, r, i, p, "gs_sched_check failed: %s",
                        gs_sched_errmsg(s));
    uint64_t sum = 0;
    uint32_t n = gs_topo_gpu_count(x->topo);
    for (uint32_t g = 0; g < n; g++) {
        uint32_t milli = 0;
        if (gs_sched_gpu_share(s, g, &milli, NULL, NULL) != GS_OK)
            return run_fail(x, r, i, p, "gs_sched_gpu_share(%u): %s", g,
                            gs_sched_errmsg(s));
        if (milli > 1000)
            return run_fail(x, r, i, p, "GPU %u is %u milli-GPU in use", g,
                            milli);
        sum += milli;
    }
    if (sum != r->alloc_milli)
        return run_fail(x, r, i, p,
                        "the GPUs' shares add up to %llu milli-GPU, the "
                        "started pods asked for %llu",
                        (unsigned long long)sum,
                        (unsigned long long)r->alloc_milli);
    return 0;
}

/* Is the started pod where it should be (one node, its GPU count, its
 * models, its CPUs and memory)? --check only. */
static int check_alloc(const experiment *x, const run_result *r, gs_sched *s,
                       uint64_t id, uint64_t i, const pod *p)
{
    uint32_t gpus[MAX_NODE_GPUS];
    size_t n = 0;
    gs_alloc_node an = GS_ALLOC_NODE_INIT;
    if (gs_sched_alloc_node_count(s, id) != 1)
        return run_fail(x, r, i, p, "started on %u nodes",
                        gs_sched_alloc_node_count(s, id));
    if (gs_sched_alloc_node(s, id, 0, &an) != GS_OK ||
        gs_sched_alloc_gpus(s, id, 0, gpus, MAX_NODE_GPUS, &n) != GS_OK ||
        n != p->gpus || an.gpus != p->gpus)
        return run_fail(x, r, i, p, "started with %zu GPUs, asked %u", n,
                        p->gpus);
    if (an.cpus != p->cpus_per_gpu * p->gpus ||
        an.memory != p->mem_per_gpu * p->gpus)
        return run_fail(x, r, i, p,
                        "started with %u CPUs and %llu bytes of memory, "
                        "asked %u and %llu",
                        an.cpus, (unsigned long long)an.memory,
                        p->cpus_per_gpu * p->gpus,
                        (unsigned long long)(p->mem_per_gpu * p->gpus));
    uint32_t first = gs_topo_node_first_gpu(x->topo, an.node);
    for (size_t k = 0; k < n && p->models; k++) {
        gs_gpu_info info = GS_GPU_INFO_INIT;
        gs_topo_gpu_info(x->topo, first + gpus[k], &info);
        bool ok = false;
        for (const char *m = p->models; *m && !ok;) {
            size_t w = strcspn(m, ",");
            ok = has_name(info.model, m, w);
            m += w + (m[w] == ',');
        }
        if (!ok)
            return run_fail(x, r, i, p, "started on GPU %u, a %s, outside "
                                        "its gpu_spec %s",
                            first + gpus[k], info.model, p->models);
    }
    return 0;
}

/* One run: 0, or -1 after a message. */
static int run_one(const experiment *x, run_result *r)
{
    double t0 = cli_now_seconds();
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.placement = x->policies[r->policy];
    cfg.ordering = GS_ORDER_FIFO;
    gs_sched *s = NULL;
    if (gs_sched_create(&s, x->topo, &cfg) != GS_OK) {
        run_fail(x, r, 0, NULL, "%s",
                 s ? gs_sched_errmsg(s) : "out of memory");
        gs_sched_destroy(s);
        return -1;
    }
    if (x->n_mix && gs_sched_set_frag_classes(s, x->mix, x->n_mix) != GS_OK) {
        run_fail(x, r, 0, NULL, "the trace's mix: %s", gs_sched_errmsg(s));
        gs_sched_destroy(s);
        return -1;
    }
    for (uint32_t k = 0; k < x->n_ck; k++)
        r->alloc[k] = r->frag[k] = NAN;
    rng g;
    rng_seed(&g, r->seed);
    uint32_t next_ck = 0;
    uint64_t cap = x->cap_milli;
    int rc = 0;
    for (uint64_t i = 0;; i++) {
        /* the target reached, or the file's pods all came */
        if (r->arrived_milli * 100 >= (uint64_t)x->target * cap ||
            (x->trace_order && i == x->n_pool))
            break;
        if (i == MAX_ARRIVALS) {
            rc = run_fail(x, r, i, NULL,
                          "more than %llu pods would arrive before the "
                          "target (lower --target)",
                          MAX_ARRIVALS);
            break;
        }
        if ((i & 1023) == 0) {
            r->progress = (double)r->arrived_milli * 100.0 /
                          ((double)x->target * (double)cap);
            if (__atomic_load_n(x->stop, __ATOMIC_RELAXED))
                break;
            if (x->progress)
                x->progress(x);
        }
        size_t pi = x->trace_order ? x->pool[i]
                                   : x->pool[rng_below(&g, x->n_pool)];
        const pod *p = &x->pods[pi];
        uint64_t demand = (uint64_t)p->gpus * p->milli;
        r->arrived++;
        r->arrived_milli += demand;
        gs_job_spec spec;
        pod_spec(p, &spec, (int64_t)i);
        uint64_t id = 0;
        size_t started = 0;
        gs_status st = gs_sched_submit(s, &spec, &id);
        if (st == GS_OK)
            st = gs_sched_step(s, (int64_t)i, &started);
        else if (st == GS_ENORES)
            st = GS_OK; /* cannot run here now: as a pod that waits */
        if (st != GS_OK) {
            rc = run_fail(x, r, i + 1, p, "%s", gs_sched_errmsg(s));
            break;
        }
        gs_sched_events_consume(s, gs_sched_event_count(s));
        if (started) {
            r->alloc_milli += demand;
            if (x->check && check_alloc(x, r, s, id, i + 1, p) != 0) {
                rc = -1;
                break;
            }
        } else {
            if (id && gs_sched_cancel(s, id, (int64_t)i) != GS_OK) {
                rc = run_fail(x, r, i + 1, p, "cancel: %s",
                              gs_sched_errmsg(s));
                break;
            }
            r->dropped++;
            if (!r->failed) {
                r->failed = true;
                r->fail_load = (double)r->arrived_milli * 100.0 / (double)cap;
                r->fail_unalloc = (double)(cap - r->alloc_milli) / 1000.0;
                gs_sched_fragmentation(s, &r->fail_frag);
                r->fail_pod = pi;
                r->fail_at = i + 1;
            }
        }
        if (x->check && (i + 1) % x->check == 0 &&
            deep_check(x, r, s, i + 1, p) != 0) {
            rc = -1;
            break;
        }
        while (next_ck < x->n_ck &&
               r->arrived_milli * 100 >= (uint64_t)(next_ck + 1) * 10 * cap) {
            r->alloc[next_ck] =
                (double)r->alloc_milli * 100.0 / (double)cap;
            gs_sched_fragmentation(s, &r->frag[next_ck]);
            next_ck++;
        }
    }
    if (rc == 0 && x->check && deep_check(x, r, s, r->arrived, NULL) != 0)
        rc = -1;
    gs_sched_destroy(s);
    r->progress = 1;
    r->seconds = cli_now_seconds() - t0;
    return rc;
}

/* ---- running them all --------------------------------------------------- */

typedef struct shared {
    int next; /* the next run to take */
    int stop; /* a worker failed */
    run_result runs[];
} shared;

static void progress_line(const experiment *x, const shared *sh, size_t n,
                          double t0)
{
    size_t done = 0;
    double part = 0;
    for (size_t i = 0; i < n; i++) {
        int st = __atomic_load_n(&sh->runs[i].state, __ATOMIC_ACQUIRE);
        if (st == 2)
            done++;
        else if (st == 1)
            part += sh->runs[i].progress;
    }
    fprintf(stderr, "\r%s: %zu of %zu runs done (%.0f%%), %.0f s\033[K",
            x->a->prog, done, n, (done + part) * 100.0 / (double)n,
            cli_now_seconds() - t0);
}

/* The single process's progress line, at most every 0.2 s. */
static void serial_progress(const experiment *x)
{
    static double last;
    double t = cli_now_seconds();
    if (t - last < 0.2)
        return;
    last = t;
    progress_line(x, x->progress_arg, x->progress_n, x->t0);
}

/* Take runs until none is left; returns 0 or -1. */
static int worker(const experiment *x, shared *sh, size_t n, bool show,
                  double t0)
{
    for (;;) {
        if (__atomic_load_n(&sh->stop, __ATOMIC_RELAXED))
            return 0;
        int i = __atomic_fetch_add(&sh->next, 1, __ATOMIC_SEQ_CST);
        if (i < 0 || (size_t)i >= n)
            return 0;
        run_result *r = &sh->runs[i];
        __atomic_store_n(&r->state, 1, __ATOMIC_RELEASE);
        if (show)
            progress_line(x, sh, n, t0);
        if (run_one(x, r) != 0) {
            __atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
            return -1;
        }
        __atomic_store_n(&r->state, 2, __ATOMIC_RELEASE);
        if (show)
            progress_line(x, sh, n, t0);
    }
}

/* What each worker process and the progress line need. */
typedef struct workers {
    const experiment *x;
    shared *sh;
    size_t n;
    double t0;
} workers;

static int work(void *arg)
{
    const workers *w = arg;
    return worker(w->x, w->sh, w->n, false, w->t0) == 0 ? 0 : 1;
}

static void tick(void *arg)
{
    const workers *w = arg;
    progress_line(w->x, w->sh, w->n, w->t0);
}

static int run_all(experiment *x, shared *sh, size_t n, unsigned parallel,
                   bool show)
{
    double t0 = cli_now_seconds();
    if (parallel <= 1) {
        if (show) {
            x->progress = serial_progress;
            x->progress_arg = sh;
            x->progress_n = n;
            x->t0 = t0;
        }
        int rc = worker(x, sh, n, show, t0);
        if (show)
            fputs("\r\033[K", stderr);
        return rc;
    }
    workers w = {x, sh, n, t0};
    int rc = cli_run_workers(x->a, parallel, work, show ? tick : NULL, &w,
                             &sh->stop) != 0
                 ? -1
                 : 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (sh->runs[i].state != 2) {
            cli_fail(x->a, "run %zu was not finished", i);
            rc = -1;
        }
    return rc;
}

/* ---- the trace's mix ---------------------------------------------------- */

typedef struct kind {
    uint32_t gpus, milli;
    double n, cpus, mem;
} kind;

static int kind_cmp(const void *pa, const void *pb)
{
    const kind *a = pa, *b = pb;
    if (a->n != b->n)
        return a->n > b->n ? -1 : 1;
    if (a->gpus != b->gpus)
        return a->gpus < b->gpus ? -1 : 1;
    return a->milli < b->milli ? -1 : a->milli > b->milli;
}

/* The GS_MAX_FRAG_CLASSES commonest (GPUs, share) kinds of the pods that
 * arrive, with their mean CPUs and memory (rounded up), weighed by their
 * counts; kinds more GPUs than any node has are left out. */
static size_t trace_mix(const experiment *x, uint32_t max_gpus,
                        gs_frag_class *out)
{
    kind *k = calloc(x->n_pool + 1, sizeof *k);
    if (!k)
        return 0;
    size_t nk = 0;
    for (size_t i = 0; i < x->n_pool; i++) {
        const pod *p = &x->pods[x->pool[i]];
        size_t j = 0;
        while (j < nk && !(k[j].gpus == p->gpus && k[j].milli == p->milli))
            j++;
        if (j == nk)
            k[nk++] = (kind){p->gpus, p->milli, 0, 0, 0};
        k[j].n += 1;
        k[j].cpus += (double)p->cpus_per_gpu * p->gpus;
        k[j].mem += (double)p->mem_per_gpu * p->gpus;
    }
    qsort(k, nk, sizeof *k, kind_cmp);
    size_t n = 0;
    for (size_t j = 0; j < nk && n < GS_MAX_FRAG_CLASSES; j++) {
        if (k[j].gpus > max_gpus)
            continue;
        double cpus = ceil(k[j].cpus / k[j].n - 1e-9);
        double mem = ceil(k[j].mem / k[j].n - 1e-6);
        out[n++] = (gs_frag_class){k[j].gpus, k[j].milli,
                                   cpus > 0 ? (uint32_t)cpus : 0,
                                   mem > 0 ? (uint64_t)mem : 0, k[j].n};
    }
    free(k);
    return n;
}

/* ---- output ------------------------------------------------------------- */

/* The mean of each policy's runs. */
typedef struct summary {
    double alloc[MAX_CK], frag[MAX_CK];
    size_t n_runs, n_failed;
    double fail_load, fail_unalloc, fail_frag, final_alloc;
    double arrived, dropped, seconds;
} summary;

static void summarize(const experiment *x, const run_result *runs, size_t n,
                      uint32_t policy, summary *m)
{
    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < n; i++) {
        const run_result *r = &runs[i];
        if (r->policy != policy)
            continue;
        m->n_runs++;
        for (uint32_t k = 0; k < x->n_ck; k++) {
            m->alloc[k] += r->alloc[k]; /* NaN when a run did not reach it */
            m->frag[k] += r->frag[k];
        }
        m->final_alloc +=
            (double)r->alloc_milli * 100.0 / (double)x->cap_milli;
        m->arrived += (double)r->arrived;
        m->dropped += (double)r->dropped;
        m->seconds += r->seconds;
        if (r->failed) {
            m->n_failed++;
            m->fail_load += r->fail_load;
            m->fail_unalloc += r->fail_unalloc;
            m->fail_frag += r->fail_frag;
        }
    }
    double d = m->n_runs ? (double)m->n_runs : 1;
    for (uint32_t k = 0; k < x->n_ck; k++) {
        m->alloc[k] /= d;
        m->frag[k] /= d;
    }
    m->final_alloc /= d;
    m->arrived /= d;
    m->dropped /= d;
    m->seconds /= d;
    double f = m->n_failed ? (double)m->n_failed : NAN;
    m->fail_load /= f;
    m->fail_unalloc /= f;
    m->fail_frag /= f;
}

static void text_num(FILE *f, int width, int prec, double v)
{
    if (isfinite(v))
        fprintf(f, " %*.*f", width, prec, v);
    else
        fprintf(f, " %*s", width, "-");
}

static void text_row(FILE *f, const experiment *x, int pw, const char *policy,
                     const char *seed, const double *alloc, bool failed,
                     double load, double unalloc, double frag)
{
    fprintf(f, "%-*s", pw, policy);
    if (seed)
        fprintf(f, " %5s", seed);
    for (uint32_t k = 0; k < x->n_ck; k++)
        text_num(f, 5, 1, alloc[k]);
    fputs("  |", f);
    text_num(f, 6, 1, failed ? load : NAN);
    text_num(f, 8, 1, failed ? unalloc : NAN);
    text_num(f, 8, 1, failed ? frag : NAN);
    fputc('\n', f);
}

static void text_head(FILE *f, const experiment *x, int pw, bool seed)
{
    fprintf(f, "%-*s", pw, "policy");
    if (seed)
        fprintf(f, " %5s", "seed");
    for (uint32_t k = 0; k < x->n_ck; k++) {
        char h[16];
        snprintf(h, sizeof h, "%u%%", (k + 1) * 10);
        fprintf(f, " %5s", h);
    }
    fprintf(f, "  | %6s %8s %8s\n", "fail@", "unalloc", "frag");
}

typedef struct inputs {
    const char *nodes_name, *pods_name;
    size_t node_lines, without_gpus, pod_lines, cpu_only, unplaceable;
    size_t first_unplaceable; /* its line */
    const uint64_t *seeds;
    size_t n_seeds;
    const char *mix_name;
    const gs_frag_class *mix; /* the trace's, when used */
    size_t n_mix;
} inputs;

/* "G2 4396, T4 1256" (models in the order nodes list them). */
static void model_counts(FILE *f, const gs_topo *t)
{
    const char *names[64];
    size_t counts[64], n = 0, other = 0;
    for (uint32_t g = 0; g < gs_topo_gpu_count(t); g++) {
        gs_gpu_info info = GS_GPU_INFO_INIT;
        gs_topo_gpu_info(t, g, &info);
        size_t i = 0;
        while (i < n && strcmp(names[i], info.model))
            i++;
        if (i == n && n == 64) {
            other++;
            continue;
        }
        if (i == n) {
            names[n] = info.model;
            counts[n++] = 0;
        }
        counts[i]++;
    }
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%s %zu", i ? ", " : "", names[i], counts[i]);
    if (other)
        fprintf(f, ", other models %zu", other);
}

static void print_text(FILE *f, const experiment *x, const inputs *in,
                       const run_result *runs, size_t n)
{
    char sh[SHOWN_CAP];
    fprintf(f, "Cluster: %u nodes, %u GPUs (", gs_topo_node_count(x->topo),
            gs_topo_gpu_count(x->topo));
    model_counts(f, x->topo);
    fprintf(f, ") from %s", shown(in->nodes_name, sh, sizeof sh));
    if (in->without_gpus)
        fprintf(f, "; %zu node%s without GPUs left out", in->without_gpus,
                in->without_gpus == 1 ? "" : "s");
    fprintf(f, "\nPods: %zu in %s; %zu with GPUs arrive", in->pod_lines,
            shown(in->pods_name, sh, sizeof sh), x->n_pool);
    if (in->cpu_only)
        fprintf(f, "; %zu CPU-only pod%s skipped (the experiment "
                   "allocates GPUs)",
                in->cpu_only, in->cpu_only == 1 ? "" : "s");
    if (in->unplaceable)
        fprintf(f, "; %zu pod%s no node could ever hold skipped",
                in->unplaceable, in->unplaceable == 1 ? "" : "s");
    fprintf(f, "\nArrivals: ");
    if (x->trace_order)
        fprintf(f, "in the file's order");
    else {
        fprintf(f, "drawn at random with replacement, seed%s ",
                in->n_seeds == 1 ? "" : "s");
        for (size_t i = 0; i < in->n_seeds; i++)
            fprintf(f, "%s%llu", i ? "," : "",
                    (unsigned long long)in->seeds[i]);
    }
    fprintf(f, ", until the arrived GPU demand reaches %u%% of %u GPUs; a "
               "pod that cannot start is dropped, none ends\n",
            x->target, gs_topo_gpu_count(x->topo));
    fprintf(f, "Fragmentation mix (fgd, frag-aware and the frag column): %s\n",
            in->mix_name);
    fprintf(f, "\nGPUs allocated (%% of capacity) when the arrived GPU demand "
               "reaches N%% of capacity");
    if (!x->trace_order)
        fprintf(f, ", mean of %zu seed%s", in->n_seeds,
                in->n_seeds == 1 ? "" : "s");
    fputs(":\n\n", f);
    int pw = 6;
    for (size_t p = 0; p < x->n_policies; p++)
        if ((int)strlen(x->policies[p]) > pw)
            pw = (int)strlen(x->policies[p]);
    text_head(f, x, pw, false);
    bool partial = false;
    for (uint32_t p = 0; p < x->n_policies; p++) {
        summary m;
        summarize(x, runs, n, p, &m);
        text_row(f, x, pw, x->policies[p], NULL, m.alloc, m.n_failed > 0,
                 m.fail_load, m.fail_unalloc, m.fail_frag);
        partial |= m.n_failed > 0 && m.n_failed < m.n_runs;
    }
    fputs("\nfail@: the arrived GPU demand (% of capacity) when the first pod "
          "could not start;\nunalloc: the GPUs not allocated then; frag: the "
          "fragmentation measure then\n(GPUs, gs_sched_fragmentation); -: "
          "not reached, or no pod failed.\n",
          f);
    if (partial)
        fputs("Where some seeds had no failure, fail@, unalloc and frag are "
              "the means of those\nthat had one.\n",
              f);
    if (x->trace_order || in->n_seeds < 2)
        return;
    fputs("\nPer seed:\n\n", f);
    text_head(f, x, pw, true);
    for (uint32_t p = 0; p < x->n_policies; p++)
        for (size_t i = 0; i < n; i++) {
            const run_result *r = &runs[i];
            if (r->policy != p)
                continue;
            char seed[32];
            snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->seed);
            text_row(f, x, pw, x->policies[p], seed, r->alloc, r->failed,
                     r->fail_load, r->fail_unalloc, r->fail_frag);
        }
}

static void csv_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, ",%.4f", v);
    else
        fputc(',', f);
}

static void csv_row(FILE *f, const experiment *x, const char *policy,
                    const char *seed, double arrived, double dropped,
                    const double *alloc, const double *frag, bool failed,
                    double load, double unalloc, double fr, double final)
{
    fprintf(f, "%s,%s", policy, seed);
    if (!strcmp(seed, "mean")) {
        csv_num(f, arrived);
        csv_num(f, dropped);
    } else {
        fprintf(f, ",%.0f,%.0f", arrived, dropped);
    }
    for (uint32_t k = 0; k < x->n_ck; k++)
        csv_num(f, alloc[k]);
    csv_num(f, failed ? load : NAN);
    csv_num(f, failed ? unalloc : NAN);
    csv_num(f, failed ? fr : NAN);
    csv_num(f, final);
    for (uint32_t k = 0; k < x->n_ck; k++)
        csv_num(f, frag[k]);
    fputc('\n', f);
}

static void print_csv(FILE *f, const experiment *x, const run_result *runs,
                      size_t n)
{
    fputs("policy,seed,arrived_pods,dropped_pods", f);
    for (uint32_t k = 0; k < x->n_ck; k++)
        fprintf(f, ",alloc_%u", (k + 1) * 10);
    fputs(",first_failure_load,first_failure_unallocated_gpus,"
          "first_failure_fragmentation_gpus,final_alloc",
          f);
    for (uint32_t k = 0; k < x->n_ck; k++)
        fprintf(f, ",frag_%u", (k + 1) * 10);
    fputc('\n', f);
    for (uint32_t p = 0; p < x->n_policies; p++) {
        for (size_t i = 0; i < n; i++) {
            const run_result *r = &runs[i];
            if (r->policy != p)
                continue;
            char seed[32] = "";
            if (!x->trace_order)
                snprintf(seed, sizeof seed, "%llu",
                         (unsigned long long)r->seed);
            csv_row(f, x, x->policies[p], seed, (double)r->arrived,
                    (double)r->dropped, r->alloc, r->frag, r->failed,
                    r->fail_load, r->fail_unalloc, r->fail_frag,
                    (double)r->alloc_milli * 100.0 / (double)x->cap_milli);
        }
        if (x->trace_order)
            continue;
        summary m;
        summarize(x, runs, n, p, &m);
        csv_row(f, x, x->policies[p], "mean", m.arrived, m.dropped, m.alloc,
                m.frag, m.n_failed > 0, m.fail_load, m.fail_unalloc,
                m.fail_frag, m.final_alloc);
    }
}

static void json_nums(FILE *f, const double *v, uint32_t n)
{
    fputc('[', f);
    for (uint32_t k = 0; k < n; k++) {
        if (k)
            fputs(", ", f);
        cli_json_number(f, v[k]);
    }
    fputc(']', f);
}

static void json_failure(FILE *f, bool failed, double load, double unalloc,
                         double frag)
{
    fputs("\"first_failure\": ", f);
    if (!failed) {
        fputs("null", f);
        return;
    }
    fputs("{\"load\": ", f);
    cli_json_number(f, load);
    fputs(", \"unallocated_gpus\": ", f);
    cli_json_number(f, unalloc);
    fputs(", \"fragmentation_gpus\": ", f);
    cli_json_number(f, frag);
    fputc('}', f);
}

static void print_json(FILE *f, const experiment *x, const inputs *in,
                       const run_result *runs, size_t n)
{
    fputs("{\n  \"nodes\": {\"file\": ", f);
    cli_json_string(f, in->nodes_name);
    fprintf(f, ", \"lines\": %zu, \"nodes\": %u, \"gpus\": %u, "
               "\"without_gpus\": %zu},\n",
            in->node_lines, gs_topo_node_count(x->topo),
            gs_topo_gpu_count(x->topo), in->without_gpus);
    fputs("  \"pods\": {\"file\": ", f);
    cli_json_string(f, in->pods_name);
    fprintf(f, ", \"lines\": %zu, \"arriving\": %zu, \"cpu_only_skipped\": "
               "%zu, \"unplaceable_skipped\": %zu},\n",
            in->pod_lines, x->n_pool, in->cpu_only, in->unplaceable);
    fprintf(f, "  \"order\": \"%s\",\n  \"target\": %u,\n  \"frag_mix\": ",
            x->trace_order ? "trace" : "random", x->target);
    cli_json_string(f, in->mix ? "trace" : "learned");
    fputs(",\n  \"mix\": [", f);
    for (size_t i = 0; i < in->n_mix; i++)
        fprintf(f, "%s{\"gpus\": %u, \"gpu_milli\": %u, \"cpus\": %u, "
                   "\"mem\": %llu, \"weight\": %.15g}",
                i ? ", " : "", in->mix[i].gpus, in->mix[i].gpu_milli,
                in->mix[i].cpus, (unsigned long long)in->mix[i].mem,
                in->mix[i].weight);
    fputs("],\n  \"checkpoints\": [", f);
    for (uint32_t k = 0; k < x->n_ck; k++)
        fprintf(f, "%s%u", k ? ", " : "", (k + 1) * 10);
    fputs("],\n  \"runs\": [", f);
    for (size_t i = 0; i < n; i++) {
        const run_result *r = &runs[i];
        fputs(i ? ",\n    {\"policy\": " : "\n    {\"policy\": ", f);
        cli_json_string(f, x->policies[r->policy]);
        fputs(", \"seed\": ", f);
        if (x->trace_order)
            fputs("null", f);
        else
            fprintf(f, "%llu", (unsigned long long)r->seed);
        fprintf(f, ", \"arrived\": %llu, \"dropped\": %llu, \"alloc\": ",
                (unsigned long long)r->arrived,
                (unsigned long long)r->dropped);
        json_nums(f, r->alloc, x->n_ck);
        fputs(", \"frag\": ", f);
        json_nums(f, r->frag, x->n_ck);
        fputs(", \"final_alloc\": ", f);
        cli_json_number(f, (double)r->alloc_milli * 100.0 /
                               (double)x->cap_milli);
        fputs(", ", f);
        json_failure(f, r->failed, r->fail_load, r->fail_unalloc,
                     r->fail_frag);
        if (r->failed) {
            const pod *p = &x->pods[r->fail_pod];
            fprintf(f, ", \"first_failure_pod\": {\"arrival\": %llu, "
                       "\"line\": %zu, \"name\": ",
                    (unsigned long long)r->fail_at, p->lineno);
            cli_json_string(f, p->name);
            fputc('}', f);
        }
        fputs(", \"seconds\": ", f);
        cli_json_number(f, r->seconds);
        fputc('}', f);
    }
    fputs("\n  ],\n  \"mean\": [", f);
    for (uint32_t p = 0; p < x->n_policies; p++) {
        summary m;
        summarize(x, runs, n, p, &m);
        fputs(p ? ",\n    {\"policy\": " : "\n    {\"policy\": ", f);
        cli_json_string(f, x->policies[p]);
        fprintf(f, ", \"runs\": %zu, \"runs_failed\": %zu, \"arrived\": ",
                m.n_runs, m.n_failed);
        cli_json_number(f, m.arrived);
        fputs(", \"dropped\": ", f);
        cli_json_number(f, m.dropped);
        fputs(", \"alloc\": ", f);
        json_nums(f, m.alloc, x->n_ck);
        fputs(", \"frag\": ", f);
        json_nums(f, m.frag, x->n_ck);
        fputs(", \"final_alloc\": ", f);
        cli_json_number(f, m.final_alloc);
        fputs(", ", f);
        json_failure(f, m.n_failed > 0, m.fail_load, m.fail_unalloc,
                     m.fail_frag);
        fputs(", \"seconds\": ", f);
        cli_json_number(f, m.seconds);
        fputc('}', f);
    }
    fputs("\n  ]\n}\n", f);
}

/* ---- options ------------------------------------------------------------ */

enum { O_NODES, O_PODS, O_POLICIES, O_SEEDS, O_TARGET, O_ORDER, O_MIX,
       O_PARALLEL, O_CHECK, O_CSV };
static const cli_option podsim_options[] = {
    {O_NODES, "--nodes", NULL, "FILE", NULL,
     "the node list, CSV with the columns sn, cpu_milli, memory_mib, gpu and "
     "model (Alibaba's openb_node_list_gpu_node.csv), or - for standard "
     "input",
     CLI_REQUIRED | CLI_INPUT},
    {O_PODS, "--pods", NULL, "FILE", NULL,
     "the pod list, CSV with the columns cpu_milli, memory_mib, num_gpu and "
     "gpu_milli, and optionally name, gpu_spec, qos, pod_phase, "
     "creation_time, deletion_time and scheduled_time (Alibaba's "
     "openb_pod_list_*.csv), or - for standard input",
     CLI_REQUIRED | CLI_INPUT},
    {O_POLICIES, "--policies", NULL, "LIST", DEFAULT_POLICIES,
     "the placement policies to compare, separated by commas (each once)",
     0},
    {O_SEEDS, "--seeds", NULL, "LIST", "1,2,3,4,5",
     "the random arrival sequences, one run of each policy per seed: whole "
     "numbers separated by commas, at most 100",
     0},
    {O_TARGET, "--target", NULL, "PERCENT", "130",
     "stop once the arrived GPU demand reaches this share of the cluster's "
     "GPUs: a multiple of 10 from 10 to 1000",
     0},
    {O_ORDER, "--order", NULL, "ORDER", "random",
     "random: pods drawn from the list with replacement, seeded; trace: "
     "each pod once, in the file's order, until the target or the end of "
     "the file (no --seeds then)",
     0},
    {O_MIX, "--frag-mix", NULL, "MIX", "learned",
     "the job mix the fragmentation measure assumes (fgd, frag-aware and "
     "the frag column): learned (the scheduler learns it from the "
     "submissions) or trace (the pod list's 32 commonest kinds of GPU "
     "count and share, with their mean CPUs and memory, set with "
     "gs_sched_set_frag_classes, as the paper assumes)",
     0},
    {O_PARALLEL, "--parallel", NULL, "N", "1",
     "run N simulations at once, in worker processes (1 to 256)", 0},
    {O_CHECK, "--check", NULL, "N", "0 (never)",
     "debugging: call gs_sched_check and compare the GPUs' shares with the "
     "started pods every N pods and at the end, and check each started "
     "pod's GPUs (one node, its count, its gpu_spec); a failure stops the "
     "run (exit 1)",
     0},
    {O_CSV, "--csv", NULL, NULL, "off",
     "write the table as CSV: one line per run and one per policy with "
     "seed 'mean'",
     0},
    CLI_OPTION_JSON("write one JSON document: the inputs, every run and "
                    "each policy's means (with the seconds each run took)"),
    CLI_OPTION_OUT,
    {.name = NULL}};

/* Split a comma-separated list into words (in place); the count, or -1
 * when a word is empty or there are more than max. */
static int words(char *s, char **out, size_t max)
{
    size_t n = 0;
    for (char *p = s;;) {
        size_t w = strcspn(p, ",");
        if (w == 0 || n == max)
            return -1;
        out[n++] = p;
        if (!p[w])
            break;
        p[w] = '\0';
        p += w + 1;
    }
    return (int)n;
}

static int podsim(cli_args *a)
{
    /* the arguments, all checked before any input is read */
    char pol_buf[1024], seed_buf[4096];
    char *policies[MAX_POLICIES];
    const char *pl = a->val[O_POLICIES] ? a->val[O_POLICIES]
                                        : DEFAULT_POLICIES;
    if (strlen(pl) >= sizeof pol_buf)
        return cli_usage_error(a, "--policies: too long");
    snprintf(pol_buf, sizeof pol_buf, "%s", pl);
    int n_pol = words(pol_buf, policies, MAX_POLICIES);
    if (n_pol < 0)
        return cli_usage_error(a, "--policies '%s': want placement policy "
                                  "names separated by commas, at most %u",
                               pl, MAX_POLICIES);
    for (int i = 0; i < n_pol; i++) {
        if (cli_check_placement(a, policies[i]) != CLI_OK)
            return CLI_USAGE;
        for (int k = 0; k < i; k++)
            if (!strcmp(policies[k], policies[i]))
                return cli_usage_error(a, "--policies: %s given twice",
                                       policies[i]);
    }
    bool trace_order = false;
    const char *ord = a->val[O_ORDER];
    if (ord && !strcmp(ord, "trace"))
        trace_order = true;
    else if (ord && strcmp(ord, "random") != 0)
        return cli_usage_error(a, "--order '%s': want random or trace", ord);
    uint64_t seeds[MAX_SEEDS];
    size_t n_seeds = 0;
    if (trace_order && cli_given(a, O_SEEDS))
        return cli_usage_error(a, "--seeds with --order trace: the file's "
                                  "order has no randomness");
    if (trace_order) {
        seeds[n_seeds++] = 0;
    } else {
        const char *sl = a->val[O_SEEDS] ? a->val[O_SEEDS] : "1,2,3,4,5";
        char *sw[MAX_SEEDS];
        if (strlen(sl) >= sizeof seed_buf)
            return cli_usage_error(a, "--seeds: too long");
        snprintf(seed_buf, sizeof seed_buf, "%s", sl);
        int ns = words(seed_buf, sw, MAX_SEEDS);
        if (ns < 0)
            return cli_usage_error(a, "--seeds '%s': want whole numbers "
                                      "separated by commas, at most %u",
                                   sl, MAX_SEEDS);
        for (int i = 0; i < ns; i++) {
            if (cli_parse_u64(sw[i], UINT64_MAX, &seeds[i]) != 0)
                return cli_usage_error(a, "--seeds: '%s' is not a whole "
                                          "number from 0 to 2^64-1",
                                       sw[i]);
            for (int k = 0; k < i; k++)
                if (seeds[k] == seeds[i])
                    return cli_usage_error(a, "--seeds: %s given twice",
                                           sw[i]);
        }
        n_seeds = (size_t)ns;
    }
    uint64_t target = 130;
    if (a->val[O_TARGET] &&
        (cli_parse_u64(a->val[O_TARGET], MAX_TARGET, &target) != 0 ||
         target < 10 || target % 10))
        return cli_usage_error(a, "--target '%s': want a multiple of 10 from "
                                  "10 to 1000 (percent)",
                               a->val[O_TARGET]);
    bool mix_trace = false;
    const char *mx = a->val[O_MIX];
    if (mx && !strcmp(mx, "trace"))
        mix_trace = true;
    else if (mx && strcmp(mx, "learned") != 0)
        return cli_usage_error(a, "--frag-mix '%s': want learned or trace",
                               mx);
    uint64_t parallel = 1, check = 0;
    if (a->val[O_PARALLEL] &&
        (cli_parse_u64(a->val[O_PARALLEL], MAX_PARALLEL, &parallel) != 0 ||
         parallel < 1))
        return cli_usage_error(a, "--parallel '%s': want a whole number from "
                                  "1 to %u",
                               a->val[O_PARALLEL], MAX_PARALLEL);
    if (a->val[O_CHECK] &&
        cli_parse_u64(a->val[O_CHECK], UINT32_MAX, &check) != 0)
        return cli_usage_error(a, "--check '%s': want a whole number from 0 "
                                  "to 4294967295",
                               a->val[O_CHECK]);
    if (cli_given(a, O_CSV) && cli_given(a, CLI_O_JSON))
        return cli_usage_error(a, "--csv and --json: one output format");
    if (cli_open_output(a) != CLI_OK)
        return CLI_FAIL;

    /* the inputs */
    const char *np = a->val[O_NODES], *pp = a->val[O_PODS];
    inputs in = {.nodes_name = strcmp(np, "-") ? np : "<stdin>",
                 .pods_name = strcmp(pp, "-") ? pp : "<stdin>",
                 .seeds = seeds,
                 .n_seeds = n_seeds};
    size_t nlen = 0, plen = 0;
    char *ntext = NULL, *ptext = NULL;
    node_list nodes = {0};
    pod_list pods = {0};
    size_t *pool = NULL;
    gs_topo *t = NULL;
    gs_sched *probe = NULL;
    shared *sh = NULL;
    size_t sh_size = 0;
    int rc = CLI_FAIL;
    ntext = cli_read_input(a, np, &nlen);
    if (!ntext)
        goto done;
    csv_in nr = {.a = a,
                 .name = in.nodes_name,
                 .cols = node_cols,
                 .col_list = "sn, cpu_milli, memory_mib, gpu, model",
                 .ncols = N_COLS,
                 .required = node_required};
    if (csv_read(&nr, ntext, nlen, MAX_NODES, "nodes", node_row_fn,
                 &nodes) != 0)
        goto done;
    in.node_lines = nodes.n;
    t = build_topo(a, in.nodes_name, &nodes, &in.without_gpus);
    if (!t)
        goto done;
    ptext = cli_read_input(a, pp, &plen);
    if (!ptext)
        goto done;
    csv_in pr = {.a = a,
                 .name = in.pods_name,
                 .cols = pod_cols,
                 .col_list = "name, cpu_milli, memory_mib, num_gpu, "
                             "gpu_milli, gpu_spec, qos, pod_phase, "
                             "creation_time, deletion_time, scheduled_time",
                 .ncols = P_COLS,
                 .required = pod_required};
    if (csv_read(&pr, ptext, plen, MAX_PODS, "pods", pod_row_fn, &pods) != 0)
        goto done;
    in.cpu_only = pods.cpu_only;
    in.pod_lines = pods.n + pods.cpu_only;
    warn_spec_overlap(a, in.pods_name, t, &pods);

    /* the pods that arrive: those some node could hold when all is free
     * (each is checked as a submission would be: a bad one is an error) */
    pool = malloc((pods.n + 1) * sizeof *pool);
    if (!pool) {
        cli_fail(a, "out of memory");
        goto done;
    }
    gs_sched_config pcfg;
    gs_sched_config_init(&pcfg);
    pcfg.placement = "first-fit"; /* the quickest to find a node */
    if (gs_sched_create(&probe, t, &pcfg) != GS_OK) {
        cli_fail(a, "%s", probe ? gs_sched_errmsg(probe) : "out of memory");
        goto done;
    }
    size_t n_pool = 0;
    for (size_t i = 0; i < pods.n; i++) {
        gs_job_spec spec;
        pod_spec(&pods.v[i], &spec, 0);
        uint32_t g[MAX_NODE_GPUS];
        size_t cnt = 0;
        gs_status st = gs_sched_preview(probe, &spec, g, MAX_NODE_GPUS, &cnt);
        if (st == GS_OK) {
            pool[n_pool++] = i;
        } else if (st == GS_ENORES) {
            if (!in.unplaceable++)
                in.first_unplaceable = pods.v[i].lineno;
        } else {
            char shn[SHOWN_CAP];
            fprintf(stderr, "%s: %s:%zu: pod %s: %s\n", a->prog, in.pods_name,
                    pods.v[i].lineno,
                    *pods.v[i].name ? shown(pods.v[i].name, shn, sizeof shn)
                                    : "(unnamed)",
                    gs_sched_errmsg(probe));
            goto done;
        }
    }
    gs_sched_destroy(probe);
    probe = NULL;
    if (in.unplaceable)
        fprintf(stderr, "%s: warning: %s: %zu pod%s no node can hold even "
                        "when all is free (the first on line %zu); left out\n",
                a->prog, in.pods_name, in.unplaceable,
                in.unplaceable == 1 ? "" : "s", in.first_unplaceable);
    if (n_pool == 0) {
        cli_fail(a, "%s: no pod with GPUs that the cluster could hold",
                 in.pods_name);
        goto done;
    }

    int stop = 0;
    experiment x = {.a = a,
                    .pods_name = in.pods_name,
                    .topo = t,
                    .pods = pods.v,
                    .pool = pool,
                    .n_pool = n_pool,
                    .trace_order = trace_order,
                    .target = (uint32_t)target,
                    .n_ck = (uint32_t)(target / 10),
                    .cap_milli = (uint64_t)gs_topo_gpu_count(t) * 1000,
                    .policies = (const char *const *)policies,
                    .n_policies = (size_t)n_pol,
                    .check = check,
                    .stop = &stop};
    gs_frag_class mix[GS_MAX_FRAG_CLASSES];
    in.mix_name = "learned by the scheduler from the submissions";
    if (mix_trace) {
        uint32_t max_gpus = 0;
        for (uint32_t n = 0; n < gs_topo_node_count(t); n++)
            if (gs_topo_node_gpu_count(t, n) > max_gpus)
                max_gpus = gs_topo_node_gpu_count(t, n);
        x.n_mix = trace_mix(&x, max_gpus, mix);
        if (!x.n_mix) {
            cli_fail(a, "out of memory");
            goto done;
        }
        x.mix = mix;
        in.mix = mix;
        in.n_mix = x.n_mix;
        in.mix_name = "the pod list's (set with gs_sched_set_frag_classes)";
    }
    /* the runs, in memory the workers share */
    size_t n_runs = (size_t)n_pol * n_seeds;
    sh_size = sizeof *sh + n_runs * sizeof sh->runs[0];
    sh = mmap(NULL, sh_size, PROT_READ | PROT_WRITE,
              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        sh = NULL;
        cli_fail(a, "cannot map memory for the results: %s",
                 strerror(errno));
        goto done;
    }
    x.stop = &sh->stop;
    /* a policy's seeds in turn: slow policies do not all come last */
    for (size_t s = 0, i = 0; s < n_seeds; s++)
        for (size_t p = 0; p < (size_t)n_pol; p++, i++) {
            sh->runs[i].policy = (uint32_t)p;
            sh->runs[i].seed = seeds[s];
        }
    bool show = isatty(STDERR_FILENO);
    if (parallel > n_runs)
        parallel = n_runs;
    double t0 = cli_now_seconds();
    if (run_all(&x, sh, n_runs, (unsigned)parallel, show) != 0)
        goto done;
    double wall = cli_now_seconds() - t0;
    if (cli_given(a, CLI_O_JSON))
        print_json(a->out, &x, &in, sh->runs, n_runs);
    else if (cli_given(a, O_CSV))
        print_csv(a->out, &x, sh->runs, n_runs);
    else
        print_text(a->out, &x, &in, sh->runs, n_runs);
    /* the table first (written out now), then the time it took, for
     * people */
    rc = cli_close_output(a, CLI_OK);
    if (rc != CLI_OK)
        goto done;
    fprintf(stderr, "%s: %zu run%s in %.1f s (%llu process%s); seconds a "
                    "run:",
            a->prog, n_runs, n_runs == 1 ? "" : "s", wall,
            (unsigned long long)parallel, parallel == 1 ? "" : "es");
    for (uint32_t p = 0; p < (uint32_t)n_pol; p++) {
        summary m;
        summarize(&x, sh->runs, n_runs, p, &m);
        fprintf(stderr, " %s %.2f", policies[p], m.seconds);
    }
    fputc('\n', stderr);
    rc = CLI_OK;
done:
    if (sh)
        munmap(sh, sh_size);
    gs_sched_destroy(probe);
    gs_topo_destroy(t);
    free(pool);
    free(pods.v);
    free(nodes.v);
    free(ptext);
    free(ntext);
    return rc;
}

const cli_command cli_cmd_podsim = {
    .path = "podsim",
    .synopsis = "--nodes FILE --pods FILE [options]",
    .summary = "compare placement policies on a GPU-sharing pod trace",
    .description =
        "Compare placement policies on Alibaba's GPU-sharing traces "
        "(cluster-trace-gpu-v2023) as in the workload-inflation experiment "
        "of the FGD paper (Weng et al., USENIX ATC '23, section 6): pods "
        "arrive one at a time, drawn at random from the pod list with "
        "replacement (the same sequence for every policy) or in the file's "
        "order, and never end; a pod that cannot start at once is dropped. "
        "Arrivals stop when the arrived GPU demand (num_gpu x gpu_milli / "
        "1000, summed) reaches the target share of the cluster's GPUs.\n\n"
        "The table shows, per policy, the share of the GPUs allocated when "
        "the arrived demand reaches 10%, 20%... of the capacity, and when "
        "the first pod could not start: the arrived demand, the GPUs left "
        "unallocated and the fragmentation measure (gs_sched_fragmentation). "
        "With several seeds, the means come first, then each run.\n\n"
        "The node list makes the cluster: a node per line with gpu GPUs of "
        "its model, cpu_milli / 1000 CPUs and memory_mib of memory in one "
        "NUMA domain; nodes without GPUs are left out. A pod asks for "
        "num_gpu GPUs on one node, gpu_milli of each (1000: whole GPUs), "
        "ceil(cpu_milli / 1000 / num_gpu) CPUs and ceil(memory_mib / "
        "num_gpu) MiB per GPU, and one of the GPU models its gpu_spec names "
        "(A10|V100M32). Pods without GPUs (num_gpu 0) are counted and "
        "skipped: the experiment allocates GPUs (gpusched sim runs them as "
        "CPU-only jobs).",
    .options = podsim_options,
    .groups = CLI_GROUP_INPUT,
    .exit_status = "0 the table was written, 1 an input cannot be read or "
                   "is wrong (the message has file:line:column), a check "
                   "of --check failed or the output cannot be written, 2 "
                   "bad arguments.",
    .examples =
        "gpusched podsim --nodes openb_node_list_gpu_node.csv --pods "
        "openb_pod_list_default.csv\n"
        "gpusched podsim --nodes nodes.csv --pods pods.csv --policies "
        "best-fit,fgd --seeds 1,2,3 --parallel 2\n"
        "gpusched podsim --nodes nodes.csv --pods - --order trace --csv < "
        "pods.csv\n"
        "gpusched podsim --nodes nodes.csv --pods pods.csv --frag-mix trace "
        "--json --out r.json",
    .run = podsim,
};
