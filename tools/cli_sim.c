/*
 * gpusched sim: replay jobs in simulated time.
 *
 *   gpusched sim --topo SRC --jobs FILE [--accounts FILE] [--placement P]
 *                [--ordering fifo|priority|multifactor]
 *                [--fairshare fair-tree|classic]
 *                [--backfill easy|conservative|none]
 *                [--backfill-interval SECONDS]
 *                [--preempt off|requeue|cancel] [--split] [--any-model]
 *                [--auto-accounts] [--expected-start] [--numa MODE]
 *                [--demand LIST] [--no-lookahead] [--comm-fraction F]
 *                [--json] [--out FILE]
 *
 * Jobs: CSV with the columns id,submit,duration,time_limit,gpus,
 * gpus_per_node,user,account,priority,preemptible,partition,constraint,
 * pattern,comm_fraction,gpu_milli,gpu_mem,mig_profile,cpus_per_gpu,
 * mem_per_gpu,gpu_models (a header names them, in any order; without a
 * header they are taken in that order and the first five are required;
 * docs/formats.md has the rules). A job runs for its duration, or until its
 * time limit (its own, else its partition's) if that comes first (it then
 * ends as failed: a timeout). With --comm-fraction (or a job's
 * comm_fraction), the duration is the run time on the best set for the
 * job's size and pattern, and a job started on a set with less bandwidth
 * for its pattern runs longer (see comm_slowdown).
 *
 * Output: CSV id,submit,start,end,nodes,gpus,reason_if_never_started
 * (,expected_start with --expected-start) to --out (or stdout), and a
 * summary on stderr (stdout with --out); with --json one document with the
 * jobs and the summary (docs/cli.md).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cli.h"
#include "sim_metrics.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Names point into the jobs file's text, kept for the whole run: stored
 * whole, whatever their length. */
typedef struct sim_job {
    size_t line;   /* order in the file: breaks ties in submit time */
    size_t lineno; /* its line in the file, for messages */
    /* columns of the fields a submission may refuse, for messages */
    size_t id_col, user_col, account_col, partition_col, constraint_col, mig_col,
        models_col;
    /* id "" : named by its place */
    const char *id, *user, *account, *partition, *constraint;
    const char *mig, *models; /* mig_profile, gpu_models ("": none) */
    uint32_t milli;           /* gpu_milli: 1000 whole GPUs */
    uint32_t cpus_per_gpu;
    uint64_t gpu_mem, mem_per_gpu;
    double share;             /* of each GPU it is charged, 0..1 */
    int64_t submit, duration, limit, priority;
    int64_t expected; /* expected start after its first step, or
                         GS_TIME_UNKNOWN */
    uint32_t gpus, gpn;
    int preemptible;
    gs_comm_pattern pattern;
    double comm;       /* its comm_fraction, or -1: --comm-fraction's */
    int64_t run;       /* how long its current run takes without a time
                          limit: its duration, stretched by the model */
    bool has_best;     /* the model knew the best set for its size */
    bool on_best;      /* ... and it was started on a set as good */
    uint64_t sid;      /* scheduler job id, 0 if refused */
    int64_t start, end;
    uint32_t epoch;    /* bumped at each start, to drop stale ends */
    bool forgotten;    /* the scheduler forgot it: its nodes are kept */
    uint32_t n_nodes;  /* then: how many, at nodes_at in the node pool */
    size_t nodes_at;
    char *reason;      /* why it never started, or how it ended early;
                          NULL: it ran (most jobs) */
    uint32_t *held;    /* while it runs: its cluster-wide GPUs */
    size_t nheld;
    uint32_t need;     /* GPUs it needs on one node (sim_track_need) */
    double gpu_seconds; /* GPU time it used, by its share */
} sim_job;

/* Set a job's reason (a copy); -1 when out of memory. */
static int set_reason(sim_job *j, const char *text)
{
    free(j->reason);
    j->reason = NULL;
    if (!text)
        return 0;
    size_t len = strlen(text) + 1;
    j->reason = malloc(len);
    if (!j->reason)
        return -1;
    memcpy(j->reason, text, len);
    return 0;
}

typedef struct ev {
    int64_t t;
    uint32_t job, epoch;
} ev;

/* ---- a binary min-heap of job ends -------------------------------------- */

typedef struct heap {
    ev *v;
    size_t n, cap;
} heap;

static int heap_push(heap *h, ev e)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 1024;
        ev *nv = realloc(h->v, cap * sizeof *nv);
        if (!nv)
            return -1;
        h->v = nv;
        h->cap = cap;
    }
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h->v[p].t < e.t || (h->v[p].t == e.t && h->v[p].job <= e.job))
            break;
        h->v[i] = h->v[p];
        i = p;
    }
    h->v[i] = e;
    return 0;
}

static ev heap_pop(heap *h)
{
    ev top = h->v[0], last = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n &&
            (h->v[c + 1].t < h->v[c].t ||
             (h->v[c + 1].t == h->v[c].t && h->v[c + 1].job < h->v[c].job)))
            c++;
        if (last.t < h->v[c].t ||
            (last.t == h->v[c].t && last.job <= h->v[c].job))
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    h->v[i] = last;
    return top;
}

/* ---- reading the jobs --------------------------------------------------- */

enum { C_ID, C_SUBMIT, C_DURATION, C_LIMIT, C_GPUS, C_GPN, C_USER, C_ACCOUNT,
       C_PRIORITY, C_PREEMPT, C_PARTITION, C_CONSTRAINT, C_PATTERN, C_COMM,
       C_MILLI, C_GPU_MEM, C_MIG, C_CPG, C_MPG, C_MODELS, C_N };
static const char *const col_names[C_N] = {
    "id",    "submit",        "duration", "time_limit", "gpus",
    "gpus_per_node", "user",  "account",  "priority",   "preemptible",
    "partition", "constraint", "pattern", "comm_fraction", "gpu_milli",
    "gpu_mem", "mig_profile", "cpus_per_gpu", "mem_per_gpu", "gpu_models"};
/* col_names for messages */
#define COLUMN_LIST                                                         \
    "id, submit, duration, time_limit, gpus, gpus_per_node, user, "         \
    "account, priority, preemptible, partition, constraint, pattern, "      \
    "comm_fraction, gpu_milli, gpu_mem, mig_profile, cpus_per_gpu, "        \
    "mem_per_gpu, gpu_models"

/* The range of each numeric column, and how an error states it. Times may
 * have a fraction (traces log them so), which is dropped; counts and
 * priorities are whole ("2.0" and "1e3" are, "2.9" GPUs is not). */
static const struct {
    int64_t lo, hi;
    bool fraction;
    const char *want;
} col_range[C_N] = {
    [C_SUBMIT] = {0, GS_TIME_MAX, true, "seconds, from 0 to 2^60"},
    [C_DURATION] = {0, GS_TIME_MAX, true, "seconds, from 0 to 2^60"},
    [C_LIMIT] = {0, GS_TIME_MAX, true, "seconds, from 0 to 2^60"},
    [C_GPUS] = {1, UINT32_MAX, false, "a whole number from 1 to 4294967295"},
    [C_GPN] = {0, UINT32_MAX, false, "a whole number from 0 to 4294967295"},
    [C_PRIORITY] = {0, INT64_MAX, false, "a whole number from 0 to 2^63-1"},
    [C_MILLI] = {1, 1000, false, "milli-GPU, a whole number from 1 to 1000"},
    [C_CPG] = {0, UINT32_MAX, false, "a whole number from 0 to 4294967295"},
};


/* Is this a column name (any case)? Its index, or -1. */
static int column_of(const char *name)
{
    for (int i = 0; i < C_N; i++)
        if (!strcasecmp(name, col_names[i]))
            return i;
    return -1;
}

/* A number in [lo, hi]: digits (exact), or a decimal such as "12.0" or
 * "1e3", which traces have; with fraction, a fraction is dropped (12.7 is
 * 12), else it is an error. NaN, infinities, hexadecimal and blanks are
 * refused before strtod could take them. */
static int parse_whole(const char *s, int64_t lo, int64_t hi, bool fraction,
                       int64_t *out)
{
    if (!*s || s[strspn(s, "0123456789+-.eE")])
        return -1;
    char *e;
    errno = 0;
    long long v = strtoll(s, &e, 10);
    if (!*e) {
        if (errno || v < lo || v > hi)
            return -1;
        *out = v;
        return 0;
    }
    errno = 0;
    double d = strtod(s, &e);
    if (*e || errno || !isfinite(d))
        return -1;
    if (!fraction && d != trunc(d))
        return -1;
    d = trunc(d);
    /* compared as doubles before the cast: (int64_t)1e30 is undefined */
    if (!(d >= (double)lo) || !(d <= (double)hi) || !(d < 0x1p63))
        return -1;
    *out = (int64_t)d;
    return 0;
}

/* Text from the trace as a message shows it: bytes that are not printable
 * ASCII as \xNN (a control byte would act on the terminal), the first
 * 80 bytes at most (then "..."). Returns buf. */
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

/* Room for shown(). */
#define SHOWN_CAP 400

static int parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"1", "true", "yes"};
    static const char *const no[] = {"", "0", "false", "no"};
    for (size_t i = 0; i < 3; i++)
        if (!strcasecmp(s, yes[i])) {
            *out = 1;
            return 0;
        }
    for (size_t i = 0; i < 4; i++)
        if (!strcasecmp(s, no[i])) {
            *out = 0;
            return 0;
        }
    return -1;
}

typedef struct job_reader {
    cli_args *a;
    const char *name; /* for messages */
    int map[C_N];     /* column index of each field, -1 when absent */
    int ncols;        /* fields a row may have */
} job_reader;

static int line_error(job_reader *r, size_t line, size_t col,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int line_error(job_reader *r, size_t line, size_t col,
                      const char *fmt, ...)
{
    fprintf(stderr, "%s: %s:%zu", r->a->prog, r->name, line);
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

/* A header line: every field a known column, once. */
static int read_header(job_reader *r, size_t lineno, char **fld,
                       const size_t *col, int nf)
{
    for (int i = 0; i < C_N; i++)
        r->map[i] = -1;
    if (nf > C_N)
        return line_error(r, lineno, col[C_N],
                          "%d columns, there are only %d kinds (" COLUMN_LIST
                          ")",
                          nf, C_N);
    for (int k = 0; k < nf; k++) {
        int c = column_of(fld[k]);
        char sh[SHOWN_CAP];
        if (c < 0 || r->map[c] >= 0)
            return line_error(r, lineno, col[k],
                              "%s column \"%s\" (the columns are "
                              COLUMN_LIST ")",
                              c < 0 ? "unknown" : "duplicate",
                              shown(fld[k], sh, sizeof sh));
        r->map[c] = k;
    }
    for (int i = 0; i <= C_GPUS; i++)
        if (r->map[i] < 0 && i != C_ID && i != C_LIMIT)
            return line_error(r, lineno, 0, "no \"%s\" column",
                              col_names[i]);
    r->ncols = nf;
    return 0;
}

static int read_row(job_reader *r, size_t lineno, char **fld,
                    const size_t *col, int nf, size_t eol, sim_job *j)
{
    int64_t v[C_N] = {0};
    for (int i = 0; i < C_N; i++) {
        bool present = r->map[i] >= 0 && r->map[i] < nf;
        const char *s = present ? fld[r->map[i]] : "";
        size_t c = present ? col[r->map[i]] : eol;
        char sh[SHOWN_CAP];
        if (i == C_ID) {
            j->id = s;
            j->id_col = c;
        } else if (i == C_USER) {
            j->user = s;
            j->user_col = c;
        } else if (i == C_ACCOUNT) {
            j->account = s;
            j->account_col = c;
        } else if (i == C_PARTITION) {
            /* names the configuration defines: checked at submission */
            j->partition = s;
            j->partition_col = c;
        } else if (i == C_CONSTRAINT) {
            j->constraint = s;
            j->constraint_col = c;
        } else if (i == C_PATTERN) {
            j->pattern = GS_PATTERN_ANY;
            if (*s && gs_pattern_parse(s, &j->pattern) != GS_OK)
                return line_error(r, lineno, c, "bad pattern \"%s\" (want %s)",
                                  shown(s, sh, sizeof sh),
                                  cli_pattern_names());
        } else if (i == C_COMM) {
            /* empty: --comm-fraction's */
            j->comm = -1;
            if (*s && (cli_parse_double(s, &j->comm) != 0 ||
                       !(j->comm >= 0 && j->comm <= 1)))
                return line_error(r, lineno, c,
                                  "bad comm_fraction \"%s\" (a number from 0 "
                                  "to 1)",
                                  shown(s, sh, sizeof sh));
        } else if (i == C_MIG) {
            /* checked at submission */
            j->mig = s;
            j->mig_col = c;
        } else if (i == C_MODELS) {
            j->models = s;
            j->models_col = c;
        } else if (i == C_GPU_MEM || i == C_MPG) {
            uint64_t bytes = 0;
            if (*s && strcmp(s, "0") != 0 &&
                (cli_parse_bytes(s, &bytes) != 0 ||
                 bytes > ((uint64_t)1 << 56)))
                return line_error(r, lineno, c,
                                  "bad %s \"%s\" (bytes with an optional K, "
                                  "M, G or T suffix, at most 2^56)",
                                  col_names[i], shown(s, sh, sizeof sh));
            if (i == C_GPU_MEM)
                j->gpu_mem = bytes;
            else
                j->mem_per_gpu = bytes;
        } else if (i == C_PREEMPT) {
            if (parse_bool(s, &j->preemptible) != 0)
                return line_error(r, lineno, c,
                                  "bad preemptible \"%s\" (want 1, true, "
                                  "yes, 0, false, no or nothing)",
                                  shown(s, sh, sizeof sh));
        } else if (*s || (i <= C_GPUS && i != C_LIMIT)) {
            /* an empty time limit means none, like 0 */
            if (parse_whole(s, col_range[i].lo, col_range[i].hi,
                            col_range[i].fraction, &v[i]) != 0)
                return line_error(r, lineno, c, "bad %s \"%s\" (%s)",
                                  col_names[i], shown(s, sh, sizeof sh),
                                  *s ? col_range[i].want : "missing");
        }
    }
    j->submit = v[C_SUBMIT];
    j->duration = v[C_DURATION];
    j->limit = v[C_LIMIT];
    j->gpus = (uint32_t)v[C_GPUS];
    j->gpn = (uint32_t)v[C_GPN];
    if (j->gpn && j->gpus % j->gpn)
        return line_error(r, lineno,
                          r->map[C_GPN] < nf ? col[r->map[C_GPN]] : eol,
                          "gpus (%u) is not a multiple of gpus_per_node "
                          "(%u)",
                          j->gpus, j->gpn);
    j->priority = v[C_PRIORITY];
    j->milli = v[C_MILLI] ? (uint32_t)v[C_MILLI] : 1000u;
    j->cpus_per_gpu = (uint32_t)v[C_CPG];
    j->share = j->milli / 1000.0;
    if (j->milli < 1000 && *j->mig)
        return line_error(r, lineno, j->mig_col,
                          "a job asks for a MIG profile or a share "
                          "(gpu_milli %u), not both",
                          j->milli);
    return 0;
}

/* Read the jobs from text (modified in place: the jobs point into it). */
static const sim_job *id_base;

/* By id, then by line: the order that finds a repeated id. */
static int cmp_id(const void *a, const void *b)
{
    const sim_job *x = &id_base[*(const size_t *)a],
                  *y = &id_base[*(const size_t *)b];
    int c = strcmp(x->id, y->id);
    return c ? c : x->line < y->line ? -1 : x->line > y->line;
}

/* A job id given twice: an error at the second (the output could not tell
 * the two apart). Unnamed jobs are named by their place. 0, or -1 after
 * the message. */
static int check_ids(job_reader *r, const sim_job *jobs, size_t n)
{
    size_t *idx = malloc((n + 1) * sizeof *idx);
    if (!idx) {
        cli_fail(r->a, "out of memory");
        return -1;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (*jobs[i].id)
            idx[m++] = i;
    id_base = jobs;
    qsort(idx, m, sizeof *idx, cmp_id);
    /* the repeat that comes first in the file */
    const sim_job *bad = NULL, *first = NULL;
    for (size_t i = 1; i < m; i++) {
        const sim_job *x = &jobs[idx[i - 1]], *y = &jobs[idx[i]];
        if (strcmp(x->id, y->id) || (bad && bad->line < y->line))
            continue;
        /* x is the id's first line: the runs are sorted by line */
        size_t f = i - 1;
        while (f > 0 && !strcmp(jobs[idx[f - 1]].id, y->id))
            f--;
        bad = y;
        first = &jobs[idx[f]];
    }
    free(idx);
    if (!bad)
        return 0;
    char sh[SHOWN_CAP];
    return line_error(r, bad->lineno, bad->id_col,
                      "job id \"%s\" again (first on line %zu): ids must "
                      "differ",
                      shown(bad->id, sh, sizeof sh), first->lineno);
}

static sim_job *read_jobs(cli_args *a, const char *name, char *text,
                          size_t len, size_t *count)
{
    job_reader r = {.a = a, .name = name, .ncols = C_N};
    for (int i = 0; i < C_N; i++)
        r.map[i] = i;
    sim_job *jobs = NULL;
    size_t n = 0, cap = 0, lineno = 0;
    bool first = true;
    char *p = text, *end = text + len;
    /* a spreadsheet's CSV may start with a UTF-8 byte order mark */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        p += 3;
    while (p < end) {
        lineno++;
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *line = p;
        size_t llen = nl ? (size_t)(nl - p) : (size_t)(end - p);
        p = nl ? nl + 1 : end;
        /* a NUL would end a name early, silently */
        char *nul = memchr(line, '\0', llen);
        if (nul) {
            line_error(&r, lineno, (size_t)(nul - line) + 1,
                       "a NUL byte (is this a text file?)");
            goto fail;
        }
        line[llen] = '\0';
        const char *lead = line + strspn(line, " \t\r");
        if (*lead == '#' || !*lead)
            continue;
        char *fld[C_N + 1];
        size_t col[C_N + 1], bad = 0;
        size_t eol = strcspn(line, "\r") + 1;
        if (llen && line[llen - 1] == '\r')
            line[--llen] = '\0';
        int nf = cli_csv_split(line, fld, col, C_N + 1, &bad);
        if (nf < 0) {
            line_error(&r, lineno, bad,
                       "unterminated quote or text after a closing quote");
            goto fail;
        }
        if (first) {
            /* a header names the columns: any known name makes the line
             * one, and then every field must be a known name */
            first = false;
            int known = 0;
            for (int k = 0; k < nf && k < C_N; k++)
                known += column_of(fld[k]) >= 0;
            if (known > 0) {
                if (read_header(&r, lineno, fld, col, nf) != 0)
                    goto fail;
                continue;
            }
        }
        if (nf > r.ncols) {
            if (r.ncols < C_N)
                line_error(&r, lineno, col[r.ncols],
                           "%d fields, the header has %d", nf, r.ncols);
            else
                line_error(&r, lineno, col[C_N], "%d fields, at most %d",
                           nf, C_N);
            goto fail;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            sim_job *nj = realloc(jobs, cap * sizeof *nj);
            if (!nj) {
                cli_fail(a, "out of memory");
                goto fail;
            }
            jobs = nj;
        }
        sim_job *j = &jobs[n];
        memset(j, 0, sizeof *j);
        j->line = n;
        j->lineno = lineno;
        j->start = j->end = -1;
        j->expected = GS_TIME_UNKNOWN;
        if (read_row(&r, lineno, fld, col, nf, eol, j) != 0)
            goto fail;
        n++;
    }
    if (check_ids(&r, jobs, n) != 0)
        goto fail;
    *count = n;
    if (!jobs)
        jobs = malloc(sizeof *jobs); /* none: an empty trace is fine */
    if (!jobs)
        cli_fail(a, "out of memory");
    return jobs;
fail:
    free(jobs);
    return NULL;
}

/* Write a CSV field, quoted when asked or when it needs it. */
static void csv_field(FILE *fo, const char *v, bool quote)
{
    if (!quote && !v[strcspn(v, ",\"\r\n")]) {
        fputs(v, fo);
        return;
    }
    fputc('"', fo);
    for (const char *c = v; *c; c++) {
        if (*c == '"')
            fputc('"', fo);
        fputc(*c, fo);
    }
    fputc('"', fo);
}

/* The job's name as the output shows it (valid until the next call). */
static const char *job_name(const sim_job *j)
{
    static char num[32];
    if (*j->id)
        return j->id;
    snprintf(num, sizeof num, "%zu", j->line + 1);
    return num;
}

/* Why a job is still pending, in its reason. */
static gs_status pending_reason(const gs_sched *s, sim_job *j)
{
    char buf[512];
    size_t len = 0;
    gs_status st = gs_sched_job_reason_text(s, j->sid, buf, sizeof buf, &len);
    if (st == GS_OK)
        return set_reason(j, buf) == 0 ? GS_OK : GS_ENOMEM;
    if (st != GS_ENOSPC || len < sizeof buf)
        return st;
    char *big = malloc(len + 1); /* a long reason: no cut */
    if (!big)
        return GS_ENOMEM;
    st = gs_sched_job_reason_text(s, j->sid, big, len + 1, NULL);
    if (st == GS_OK && set_reason(j, big) != 0)
        st = GS_ENOMEM;
    free(big);
    return st;
}

/* The column of the field a submission's refusal names, from the
 * scheduler's message (0: none in particular). */
static size_t refused_col(const sim_job *j, const char *msg)
{
    if (!strncmp(msg, "job spec: constraint", 20))
        return j->constraint_col;
    if (strstr(msg, "partition"))
        return j->partition_col;
    if (!strncmp(msg, "job spec: user", 14))
        return j->user_col;
    if (!strncmp(msg, "job spec: account", 17))
        return j->account_col;
    if (!strncmp(msg, "job spec: mig_profile", 21) ||
        strstr(msg, "MIG job"))
        return j->mig_col;
    if (!strncmp(msg, "job spec: gpu_models", 20))
        return j->models_col;
    return 0;
}

static int cmp_submit(const void *a, const void *b)
{
    const sim_job *x = a, *y = b;
    if (x->submit != y->submit)
        return x->submit < y->submit ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Exit status: jobs were refused at submission (the others were replayed
 * and the output written). */
#define SIM_REFUSED 3

/* ---- options --------------------------------------------------------------- */

enum { SIM_JOBS, SIM_ACCOUNTS, SIM_PLACEMENT, SIM_ORDERING, SIM_FAIRSHARE,
       SIM_BACKFILL, SIM_BF_INTERVAL, SIM_PREEMPT, SIM_SPLIT, SIM_ANY_MODEL,
       SIM_AUTO_ACCOUNTS, SIM_EXPECTED_START, SIM_COMM_FRACTION,
       SIM_BLIND, SIM_SUMMARY, SIM_BOUND, SIM_FULL_STEPS };
static const cli_option sim_options[] = {
    CLI_OPTION_TOPO(NULL, CLI_REQUIRED),
    {SIM_JOBS, "--jobs", NULL, "FILE", NULL,
     "the job trace, CSV (docs/formats.md), or - for standard input",
     CLI_REQUIRED | CLI_INPUT},
    {SIM_ACCOUNTS, "--accounts", NULL, "FILE", "none",
     "accounts and scheduler configuration, JSON (docs/formats.md); the "
     "options below override its settings",
     CLI_INPUT},
    CLI_OPTION_PLACEMENT(SIM_PLACEMENT),
    {SIM_ORDERING, "--ordering", NULL, "ORDER", "multifactor",
     "who goes first: fifo, priority or multifactor", 0},
    {SIM_FAIRSHARE, "--fairshare", "--algo", "ALGO", "fair-tree",
     "the fair-share algorithm of the multifactor ordering: fair-tree or "
     "classic",
     0},
    {SIM_BACKFILL, "--backfill", NULL, "MODE", "none",
     "backfill: none, easy or conservative", 0},
    {SIM_BF_INTERVAL, "--backfill-interval", NULL, "SECONDS", "0",
     "least seconds between backfill passes (0: at every step)", 0},
    {SIM_PREEMPT, "--preempt", NULL, "MODE", "off",
     "preemption: off, requeue or cancel", 0},
    {SIM_SPLIT, "--split", NULL, NULL, "off",
     "let every job spread its GPUs over more nodes than it needs "
     "(allow_split; by default a job that sets no gpus_per_node runs on as "
     "few nodes as could hold it)",
     0},
    {SIM_ANY_MODEL, "--any-model", NULL, NULL, "off",
     "let every job mix GPU models (any_model; by default a job's GPUs are "
     "all of one model)",
     0},
    {SIM_AUTO_ACCOUNTS, "--auto-accounts", NULL, NULL, "off",
     "create the accounts and users jobs name that --accounts does not list "
     "(by default such jobs are refused)",
     0},
    {SIM_EXPECTED_START, "--expected-start", NULL, NULL, "off",
     "add an expected_start column (JSON: key): the start the scheduler "
     "expected for each job after the step that followed its submission",
     0},
    CLI_OPTIONS_TUNING,
    {SIM_COMM_FRACTION, "--comm-fraction", NULL, "F|LIST", "0 (off)",
     "the share of a job's run time spent communicating, from 0 to 1, or "
     "by job size as SIZE:F entries (2:0.1,8:0.3: jobs of 2 to 7 GPUs 0.1, "
     "8 and more 0.3, smaller 0): a "
     "job of 2 GPUs or more started on a set with less bandwidth for its "
     "pattern than the best set for its size runs for duration x ((1 - F) "
     "+ F x best / actual), at most 100 x; the trace's comm_fraction "
     "column overrides it per job (docs/formats.md)",
     0},
    {SIM_BLIND, "--blind-placement", NULL, NULL, "off",
     "submit every job with pattern any (placement maximizes Q, as before "
     "patterns) while the run-time model still uses the trace's patterns: "
     "the baseline that shows what knowing the pattern is worth",
     0},
    {SIM_SUMMARY, "--summary", NULL, "FILE", "none",
     "also write the summary as JSON to FILE (what the run was, the "
     "figures, by size, by account, the timeline; docs/sim.md), for "
     "comparisons and plots",
     0},
    {SIM_BOUND, "--slowdown-bound", NULL, "SECONDS", "10",
     "the bounded slowdown's floor: a job's slowdown is its JCT over its "
     "run time on its best set, or over this when the run is shorter, and "
     "at least 1",
     0},
    {SIM_FULL_STEPS, "--full-steps", NULL, NULL, "off",
     "rank and plan every pending job at every step, as before quiet "
     "steps: the same decisions, slower (for checking and timing; "
     "docs/sim.md)",
     0},
    CLI_OPTION_JSON("write one JSON document: {\"jobs\": [{\"id\", "
                    "\"submit\", \"start\", \"end\", \"nodes\", \"gpus\", "
                    "\"reason\" (, \"expected_start\")}...], \"summary\": "
                    "{...}} instead of CSV and the summary text"),
    CLI_OPTION_OUT,
    {.name = NULL}};

/* Is v one of the words (NULL-terminated)? */
static bool one_of(const char *v, const char *const *words)
{
    for (; *words; words++)
        if (!strcmp(v, *words))
            return true;
    return false;
}

/* The settings given on the command line, as a configuration document
 * (the words are checked, so they need no escaping). */
static int overrides(cli_args *a, char *doc, size_t cap)
{
    static const char *const orderings[] = {"fifo", "priority", "multifactor",
                                            NULL};
    static const char *const algos[] = {"fair-tree", "classic", NULL};
    static const char *const backfills[] = {"none", "easy", "conservative",
                                            NULL};
    static const char *const preempts[] = {"off", "requeue", "cancel", NULL};
    static const struct {
        int id;
        const char *key;
        const char *const *words;
    } words[] = {{SIM_ORDERING, "ordering", orderings},
                 {SIM_FAIRSHARE, "fairshare", algos},
                 {SIM_PREEMPT, "preemption", preempts}};
    size_t n = (size_t)snprintf(doc, cap, "{");
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        const char *v = a->val[words[i].id];
        if (!v)
            continue;
        if (!one_of(v, words[i].words)) {
            const cli_option *o = NULL;
            for (o = sim_options; o->id != words[i].id; o++)
                ;
            return cli_usage_error(a, "%s '%s': want %s", o->name, v,
                                   o->help + strcspn(o->help, ":") + 2);
        }
        n += (size_t)snprintf(doc + n, cap - n, "%s\"%s\": \"%s\"",
                              n > 1 ? ", " : "", words[i].key, v);
    }
    const char *bf = a->val[SIM_BACKFILL], *bfi = a->val[SIM_BF_INTERVAL];
    if (bf && !one_of(bf, backfills))
        return cli_usage_error(a, "--backfill '%s': want none, easy or "
                                  "conservative",
                               bf);
    uint64_t interval = 0;
    if (bfi && cli_parse_u64(bfi, (uint64_t)GS_TIME_MAX, &interval) != 0)
        return cli_usage_error(a, "--backfill-interval '%s': want seconds, a "
                                  "whole number from 0 to 2^60",
                               bfi);
    if (bf || bfi) {
        n += (size_t)snprintf(doc + n, cap - n, "%s\"backfill\": {",
                              n > 1 ? ", " : "");
        if (bf)
            n += (size_t)snprintf(doc + n, cap - n, "\"mode\": \"%s\"", bf);
        if (bfi)
            n += (size_t)snprintf(doc + n, cap - n, "%s\"interval\": %llu",
                                  bf ? ", " : "",
                                  (unsigned long long)interval);
        n += (size_t)snprintf(doc + n, cap - n, "}");
    }
    snprintf(doc + n, cap - n, "}");
    return CLI_OK;
}

/* ---- the run-time model (--comm-fraction) ---------------------------------- */

/* The best model a job of k GPUs and one pattern could get: on one node of
 * a hardware type, or (type ANY_NODE) on any one node that has k GPUs. */
typedef struct best_set {
    uint64_t key; /* type << 32 | k << 8 | pattern */
    double bandwidth; /* < 0: no node has k GPUs */
} best_set;

#define ANY_NODE UINT32_MAX
/* ... or (type MULTI_NODE) over several nodes, for a job no node holds */
#define MULTI_NODE (UINT32_MAX - 1)

typedef struct comm_model {
    const gs_topo *t;
    sim_comm fraction; /* --comm-fraction (one F, or F by size) */
    bool on;         /* --comm-fraction given, or a comm_fraction column */
    uint32_t *gpus;  /* a job's GPUs, as many as the topology has */
    best_set *best;  /* sorted by key: a few entries per size and pattern */
    size_t nbest, capbest;
} comm_model;

static const gs_topo *node_order_topo;

/* Most GPUs first, then by index. */
static int cmp_node_size(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    uint32_t gx = gs_topo_node_gpu_count(node_order_topo, x),
             gy = gs_topo_node_gpu_count(node_order_topo, y);
    if (gx != gy)
        return gx > gy ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* ALL_SWITCHES: fill_group takes every node */
#define ALL_SWITCHES (UINT32_MAX - 1)

/* The model of k GPUs taken from the nodes under switch sw (GS_NONE: the
 * nodes under none; ALL_SWITCHES: every node), in order (most GPUs
 * first), each giving its best set of as many GPUs as are still wanted;
 * -1 when they hold fewer than k. set has room for k ids. */
static gs_status fill_group(const gs_topo *t, const uint32_t *order,
                            uint32_t nn, uint32_t sw, uint32_t k,
                            gs_comm_pattern p, uint32_t *set, double *bw)
{
    *bw = -1;
    size_t m = 0;
    for (uint32_t h = 0; h < nn && m < k; h++) {
        uint32_t n = order[h];
        if (sw != ALL_SWITCHES && gs_topo_node_switch(t, n) != sw)
            continue;
        uint32_t c = gs_topo_node_gpu_count(t, n);
        c = c < k - m ? c : (uint32_t)(k - m);
        c = c < 64 ? c : 64; /* the exact best set's limit */
        if (!c)
            continue;
        gs_status st = gs_topo_pattern_best(t, n, c, p, set + m, NULL);
        if (st != GS_OK)
            return st;
        m += c;
    }
    if (m < k)
        return GS_OK;
    gs_pattern_info pi = GS_PATTERN_INFO_INIT;
    gs_status st = gs_topo_pattern_bandwidth(t, set, m, p, &pi);
    if (st == GS_OK)
        *bw = pi.bandwidth;
    return st;
}

/* The reference set of a k-GPU job no node holds: under one leaf switch
 * (each group of nodes that hang off the same switch, or off none), its
 * nodes with most GPUs first, each giving its best set of as many GPUs as
 * are still wanted; the best model among the groups that hold k, else the
 * whole cluster taken so (crossing switches). -1 when the cluster has
 * fewer than k GPUs. */
static gs_status multi_best(comm_model *cm, uint32_t k, gs_comm_pattern p,
                            double *out)
{
    const gs_topo *t = cm->t;
    uint32_t nn = gs_topo_node_count(t), nsw = gs_topo_switch_count(t);
    *out = -1;
    if (k > gs_topo_gpu_count(t))
        return GS_OK;
    uint32_t *order = malloc(((size_t)nn + 1) * sizeof *order);
    uint32_t *set = malloc(((size_t)k + 1) * sizeof *set);
    gs_status st = order && set ? GS_OK : GS_ENOMEM;
    for (uint32_t n = 0; n < nn && st == GS_OK; n++)
        order[n] = n;
    node_order_topo = t;
    if (st == GS_OK)
        qsort(order, nn, sizeof *order, cmp_node_size);
    /* each switch, then the nodes under none (sw == nsw) */
    for (uint32_t sw = 0; sw <= nsw && st == GS_OK; sw++) {
        double bw;
        st = fill_group(t, order, nn, sw < nsw ? sw : GS_NONE, k, p, set,
                        &bw);
        if (st == GS_OK && bw > *out)
            *out = bw;
    }
    if (st == GS_OK && *out < 0)
        st = fill_group(t, order, nn, ALL_SWITCHES, k, p, set, out);
    free(order);
    free(set);
    return st;
}

/* The cached best model of (type, k, pattern); node is a node of that
 * type (unused for ANY_NODE). GS_OK or the library's error. */
static gs_status best_model(comm_model *cm, uint32_t type, uint32_t node,
                            uint32_t k, gs_comm_pattern p, double *out)
{
    uint64_t key = (uint64_t)type << 32 | (uint64_t)k << 8 | (uint64_t)p;
    size_t lo = 0, hi = cm->nbest;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cm->best[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < cm->nbest && cm->best[lo].key == key) {
        *out = cm->best[lo].bandwidth;
        return GS_OK;
    }
    double bw = -1;
    if (type == MULTI_NODE) {
        gs_status st = multi_best(cm, k, p, &bw);
        if (st != GS_OK)
            return st;
    } else if (type != ANY_NODE) {
        gs_pattern_info pi = GS_PATTERN_INFO_INIT;
        gs_status st = gs_topo_pattern_best(cm->t, node, k, p, NULL, &pi);
        if (st != GS_OK)
            return st;
        bw = pi.bandwidth;
    } else {
        /* the best of the node types that have k GPUs, each once */
        for (uint32_t n = 0; n < gs_topo_node_count(cm->t); n++) {
            double b;
            if (gs_topo_node_gpu_count(cm->t, n) < k)
                continue;
            gs_status st = best_model(cm, gs_topo_node_type_index(cm->t, n),
                                      n, k, p, &b);
            if (st != GS_OK)
                return st;
            if (b > bw)
                bw = b;
        }
        /* the entries moved: find the place again */
        for (lo = 0; lo < cm->nbest && cm->best[lo].key < key; lo++)
            ;
    }
    if (cm->nbest == cm->capbest) {
        size_t cap = cm->capbest ? cm->capbest * 2 : 64;
        best_set *nb = realloc(cm->best, cap * sizeof *nb);
        if (!nb)
            return GS_ENOMEM;
        cm->best = nb;
        cm->capbest = cap;
    }
    memmove(cm->best + lo + 1, cm->best + lo,
            (cm->nbest - lo) * sizeof *cm->best);
    cm->best[lo] = (best_set){key, bw};
    cm->nbest++;
    *out = bw;
    return GS_OK;
}

/* A running job's cluster-wide GPUs into gpus (cap: the topology's GPU
 * count), their number in *m and its node count in *nn; its last node in
 * *node. GS_OK or the library's error. */
static gs_status job_gpus(const gs_sched *s, const gs_topo *t, uint64_t sid,
                          uint32_t *gpus, size_t cap, size_t *m,
                          uint32_t *nn, uint32_t *node)
{
    *m = 0;
    *nn = gs_sched_alloc_node_count(s, sid);
    *node = GS_NONE;
    for (uint32_t i = 0; i < *nn; i++) {
        gs_alloc_node an;
        an.struct_size = sizeof an;
        size_t cnt = 0;
        if (gs_sched_alloc_node(s, sid, i, &an) != GS_OK ||
            gs_sched_alloc_gpus(s, sid, i, gpus + *m, cap - *m, &cnt) !=
                GS_OK)
            return GS_EINVAL;
        uint32_t first = gs_topo_node_first_gpu(t, an.node);
        for (size_t g = 0; g < cnt; g++)
            gpus[*m + g] += first;
        *m += cnt;
        *node = an.node;
    }
    return GS_OK;
}

/* Most a run is stretched by the model. */
#define MAX_SLOWDOWN 100.0

/* How much longer a job runs on its GPUs than on the best set for its size
 * and pattern: (1 - F) + F x best / actual, at most MAX_SLOWDOWN. The best
 * set is the best of the job's node (single-node jobs), else the best of
 * any one node that has as many GPUs (none: the set multi_best makes
 * under one leaf switch); a set
 * at least as good as the best counts as the best. Sets has_best and
 * on_best. */
/* A job that just started: its cluster-wide GPUs into j->held (the
 * tracker lets them go when it stops; the model reads them), its node
 * count and last node into *nn and *node. GS_OK or the library's
 * error. */
static gs_status take_gpus(comm_model *cm, const gs_sched *s, sim_job *j,
                           uint32_t *nn, uint32_t *node)
{
    size_t m = 0;
    gs_status st = job_gpus(s, cm->t, j->sid, cm->gpus,
                            gs_topo_gpu_count(cm->t), &m, nn, node);
    if (st != GS_OK)
        return st;
    if (m && !(j->held = malloc(m * sizeof *j->held)))
        return GS_ENOMEM;
    if (m)
        memcpy(j->held, cm->gpus, m * sizeof *j->held);
    j->nheld = m;
    return GS_OK;
}

static gs_status comm_slowdown(comm_model *cm, sim_job *j, uint32_t nn,
                               uint32_t node, double *factor)
{
    *factor = 1;
    j->has_best = j->on_best = false;
    const gs_topo *t = cm->t;
    size_t m = j->nheld;
    /* the best set is measured with the model on, and for a job that
     * names its pattern (the exact models of any are dear: 50% more time
     * on a replay of 30,000 jobs); the run is stretched only with the
     * model on (f is 0 otherwise) */
    if (j->gpus < 2 || j->pattern == GS_PATTERN_NONE ||
        (!cm->on && j->pattern == GS_PATTERN_ANY))
        return GS_OK;
    if (m < 2)
        return GS_OK;
    gs_pattern_info pi = GS_PATTERN_INFO_INIT;
    gs_status st = gs_topo_pattern_bandwidth(t, j->held, m, j->pattern, &pi);
    double best = -1;
    if (st == GS_OK && nn == 1)
        st = best_model(cm, gs_topo_node_type_index(t, node), node,
                        (uint32_t)m, j->pattern, &best);
    else if (st == GS_OK)
        st = best_model(cm, ANY_NODE, GS_NONE, (uint32_t)m, j->pattern,
                        &best);
    /* no node holds it: the same size over the fewest nodes under one
     * switch */
    if (st == GS_OK && nn > 1 && best < 0)
        st = best_model(cm, MULTI_NODE, GS_NONE, (uint32_t)m, j->pattern,
                        &best);
    if (st != GS_OK)
        return st;
    double actual = pi.bandwidth;
    j->has_best = best >= 0;
    if (best < actual)
        best = actual;
    /* equal up to rounding: the best set's model may add its rings or
     * pairs in another order */
    j->on_best = j->has_best && actual >= best * (1 - 1e-9);
    double f = j->comm >= 0 ? j->comm : sim_comm_for(&cm->fraction, j->gpus);
    if (f == 0 || !j->has_best || j->on_best || best == 0)
        return GS_OK;
    *factor = actual > 0 ? (1 - f) + f * (best / actual) : MAX_SLOWDOWN;
    if (!(*factor <= MAX_SLOWDOWN))
        *factor = MAX_SLOWDOWN;
    return GS_OK;
}

/* ---- the replay ---------------------------------------------------------- */

/* A run ended (or was preempted) now: the tracker lets its GPUs go, the
 * job counts the GPU-seconds it used; returns them. */
static double run_stopped(sim_track *trk, sim_job *j, int64_t now)
{
    double used = (double)(now - j->start) * j->gpus * j->share;
    j->gpu_seconds += used;
    sim_track_stop(trk, j->held, j->nheld, j->gpus * j->share);
    free(j->held);
    j->held = NULL;
    j->nheld = 0;
    return used;
}

sim_report *sim_report_to;

/* The progress line on a terminal: jobs done, simulated time, and when
 * the run should end at this pace. */
typedef struct sim_progress {
    bool show;
    double t0, last;
    unsigned tick;
} sim_progress;

static void show_progress(const cli_args *a, sim_progress *p,
                          const sim_report *r, bool force)
{
    if (!p->show || ((++p->tick & 1023) != 0 && !force))
        return;
    double t = cli_now_seconds();
    if (t - p->last < 0.25 && !force)
        return;
    p->last = t;
    double f = r->total ? (double)r->done / (double)r->total : 1;
    fprintf(stderr, "\r%s: %zu of %zu jobs done (%.0f%%), simulated time "
                    "%lld s, %.0f s",
            a->prog, (size_t)r->done, (size_t)r->total, 100 * f,
            (long long)r->now, t - p->t0);
    if (f > 0.01 && f < 1)
        fprintf(stderr, ", about %.0f s to go", (t - p->t0) * (1 - f) / f);
    fputs("\033[K", stderr);
}

typedef struct sim_totals {
    size_t started, never, preempted, requeued;
    bool comm;              /* the run-time model was on: */
    size_t best_known;      /* started multi-GPU jobs whose best set the
                               model knew */
    size_t on_best;         /* ... last started on a set as good */
    double mean, median, p95, util;
    int64_t makespan;
} sim_totals;

/* What the output needs of the jobs the scheduler forgets (it keeps ended
 * jobs for a while, gs_sched_set_retention): their nodes, saved by the
 * forget hook, so that its memory stays bounded on a long trace. */
typedef struct sim_memory {
    sim_job *jobs;
    const uint32_t *by_sid;
    uint32_t *pool; /* node indices of the forgotten jobs */
    size_t n, cap;
    bool oom;
} sim_memory;

static void sim_forget(void *user_data, const gs_sched *s,
                       const gs_job_info *info)
{
    sim_memory *m = user_data;
    sim_job *j = &m->jobs[m->by_sid[info->id]];
    /* what print_nodes would have read at the end */
    uint32_t nn = j->start >= 0 ? gs_sched_alloc_node_count(s, j->sid) : 0;
    if (m->n + nn > m->cap) {
        size_t cap = m->cap ? m->cap : 1024;
        while (cap < m->n + nn)
            cap *= 2;
        uint32_t *np = realloc(m->pool, cap * sizeof *np);
        if (!np) {
            m->oom = true;
            return;
        }
        m->pool = np;
        m->cap = cap;
    }
    j->forgotten = true;
    j->nodes_at = m->n;
    j->n_nodes = nn;
    for (uint32_t k = 0; k < nn; k++) {
        gs_alloc_node an;
        an.struct_size = sizeof an;
        gs_sched_alloc_node(s, j->sid, k, &an);
        m->pool[m->n++] = an.node;
    }
}

/* The nodes a job ran on, separated by sep, each as CSV or JSON. */
static void print_nodes(FILE *fo, const gs_sched *s, const gs_topo *t,
                        const sim_memory *m, const sim_job *j,
                        const char *sep, bool json)
{
    uint32_t nn = 0;
    if (j->sid && j->start >= 0)
        nn = j->forgotten ? j->n_nodes : gs_sched_alloc_node_count(s, j->sid);
    for (uint32_t k = 0; k < nn; k++) {
        uint32_t node;
        if (j->forgotten) {
            node = m->pool[j->nodes_at + k];
        } else {
            gs_alloc_node an;
            an.struct_size = sizeof an;
            gs_sched_alloc_node(s, j->sid, k, &an);
            node = an.node;
        }
        fputs(k ? sep : "", fo);
        if (json)
            cli_json_string(fo, gs_topo_node_name(t, node));
        else
            csv_field(fo, gs_topo_node_name(t, node), false);
    }
}

static void print_csv(FILE *fo, const gs_sched *s, const gs_topo *t,
                      const sim_memory *m, const sim_job *jobs, size_t nj,
                      bool expected)
{
    fprintf(fo, "id,submit,start,end,nodes,gpus,reason_if_never_started%s\n",
            expected ? ",expected_start" : "");
    for (size_t i = 0; i < nj; i++) {
        const sim_job *j = &jobs[i];
        csv_field(fo, job_name(j), false);
        fprintf(fo, ",%lld,", (long long)j->submit);
        if (j->start >= 0)
            fprintf(fo, "%lld", (long long)j->start);
        fputc(',', fo);
        if (j->end >= 0)
            fprintf(fo, "%lld", (long long)j->end);
        fputc(',', fo);
        print_nodes(fo, s, t, m, j, ";", false);
        fprintf(fo, ",%u,", j->gpus);
        if (j->reason)
            csv_field(fo, j->reason, true); /* reasons hold commas */
        if (expected) {
            fputc(',', fo);
            if (j->expected != GS_TIME_UNKNOWN)
                fprintf(fo, "%lld", (long long)j->expected);
        }
        fputc('\n', fo);
    }
}

/* Write all of buf to fd from its start, emptying what it held first.
 * 0 or an errno value. */
static int write_whole(int fd, const char *buf, size_t len)
{
    if (ftruncate(fd, 0) != 0 && errno != EINVAL)
        return errno; /* EINVAL: not a regular file (a pipe) */
    if (lseek(fd, 0, SEEK_SET) < 0 && errno != ESPIPE)
        return errno;
    return cli_write_all(fd, buf, len);
}

/* What the run was (--summary's "run"): the inputs and the policies as
 * given; null for what was left to its default or the --accounts file. */
static void print_run_json(FILE *f, const cli_args *a, const char *jobs_name,
                           const char *fraction, double bound)
{
    static const struct {
        const char *key;
        int opt;
    } keys[] = {{"topo", CLI_O_TOPO},          {"accounts", SIM_ACCOUNTS},
                {"placement", SIM_PLACEMENT},  {"ordering", SIM_ORDERING},
                {"fairshare", SIM_FAIRSHARE},  {"backfill", SIM_BACKFILL},
                {"backfill_interval", SIM_BF_INTERVAL},
                {"preempt", SIM_PREEMPT}};
    fputs("{\"jobs\": ", f);
    cli_json_string(f, jobs_name);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        fprintf(f, ", \"%s\": ", keys[i].key);
        if (a->val[keys[i].opt])
            cli_json_string(f, a->val[keys[i].opt]);
        else
            fputs("null", f);
    }
    fprintf(f, ", \"split\": %s, \"any_model\": %s, \"blind_placement\": "
               "%s, \"comm_fraction\": ",
            cli_given(a, SIM_SPLIT) ? "true" : "false",
            cli_given(a, SIM_ANY_MODEL) ? "true" : "false",
            cli_given(a, SIM_BLIND) ? "true" : "false");
    if (fraction)
        cli_json_string(f, fraction);
    else
        fputs("null", f);
    fputs(", \"slowdown_bound\": ", f);
    cli_json_number(f, bound);
    fputc('}', f);
}

/* The summary object of --json and --summary. */
static void print_summary_json(FILE *fo, size_t njobs_total,
                               const sim_totals *tot, const sim_metrics *met,
                               const sim_track *trk, uint32_t gpus)
{
    fprintf(fo,
            "{\"jobs\": %zu, \"started\": %zu, "
            "\"never_started\": %zu, \"wait_mean\": ",
            njobs_total, tot->started, tot->never);
    cli_json_number(fo, tot->mean);
    fputs(", \"wait_median\": ", fo);
    cli_json_number(fo, tot->median);
    fputs(", \"wait_p95\": ", fo);
    cli_json_number(fo, tot->p95);
    fprintf(fo, ", \"makespan\": %lld, \"gpu_utilization\": ",
            (long long)tot->makespan);
    cli_json_number(fo, tot->util);
    fprintf(fo, ", \"preemptions\": %zu, \"requeued\": %zu",
            tot->preempted, tot->requeued);
    fprintf(fo, ", \"multi_gpu_jobs\": %zu, \"on_best_set\": %zu",
            tot->best_known, tot->on_best);
    sim_metrics_json(fo, met, trk, gpus);
    fputs("}", fo);
}

static void print_json(FILE *fo, const gs_sched *s, const gs_topo *t,
                       const sim_memory *m, const sim_job *jobs, size_t nj,
                       size_t njobs_total, const sim_totals *tot,
                       const sim_metrics *met, const sim_track *trk,
                       bool expected)
{
    fputs("{\"jobs\": [", fo);
    for (size_t i = 0; i < nj; i++) {
        const sim_job *j = &jobs[i];
        fputs(i ? ",\n  {\"id\": " : "\n  {\"id\": ", fo);
        cli_json_string(fo, job_name(j));
        fprintf(fo, ", \"submit\": %lld, \"start\": ", (long long)j->submit);
        if (j->start >= 0)
            fprintf(fo, "%lld", (long long)j->start);
        else
            fputs("null", fo);
        fputs(", \"end\": ", fo);
        if (j->end >= 0)
            fprintf(fo, "%lld", (long long)j->end);
        else
            fputs("null", fo);
        fputs(", \"nodes\": [", fo);
        print_nodes(fo, s, t, m, j, ", ", true);
        fprintf(fo, "], \"gpus\": %u, \"reason\": ", j->gpus);
        if (j->reason)
            cli_json_string(fo, j->reason);
        else
            fputs("null", fo);
        if (expected && j->expected != GS_TIME_UNKNOWN)
            fprintf(fo, ", \"expected_start\": %lld", (long long)j->expected);
        else if (expected)
            fputs(", \"expected_start\": null", fo);
        fputc('}', fo);
    }
    fputs("\n],\n\"summary\": ", fo);
    print_summary_json(fo, njobs_total, tot, met, trk,
                       gs_topo_gpu_count(t));
    fputs("}\n", fo);
}

static void print_summary(FILE *f, size_t nj, const sim_totals *tot,
                          const sim_metrics *met)
{
    fprintf(f,
            "jobs %zu, started %zu, never started %zu\n"
            "wait: mean %.1f s, median %.1f s, p95 %.1f s, p99 %.1f s\n"
            "makespan %lld s, GPU utilization %.1f%%\n",
            nj, tot->started, tot->never, tot->mean, tot->median, tot->p95,
            met->all.wait.p99, (long long)tot->makespan, 100.0 * tot->util);
    if (tot->preempted)
        fprintf(f, "preemptions: %zu (%zu requeued)\n", tot->preempted,
                tot->requeued);
    if (tot->comm)
        fprintf(f, "on their best set: %zu of %zu multi-GPU jobs (%.1f%%)\n",
                tot->on_best, tot->best_known,
                tot->best_known ? 100.0 * (double)tot->on_best /
                                      (double)tot->best_known
                                : 0.0);
    sim_metrics_print(f, met);
}

/* Waits, makespan and utilization. */
static int totals(const sim_job *jobs, size_t nj, double gpu_seconds,
                  int64_t last_end, uint32_t gpus, sim_totals *tot)
{
    int64_t *waits = malloc((nj + 1) * sizeof *waits);
    if (!waits)
        return -1;
    size_t nw = 0;
    for (size_t i = 0; i < nj; i++)
        if (jobs[i].start >= 0)
            waits[nw++] = jobs[i].start - jobs[i].submit;
    double mean = 0;
    for (size_t i = 0; i < nw; i++)
        mean += (double)waits[i];
    tot->mean = nw ? mean / (double)nw : 0;
    qsort(waits, nw, sizeof *waits, cmp_i64);
    tot->median = nw ? (nw % 2 ? (double)waits[nw / 2]
                               : ((double)waits[nw / 2 - 1] +
                                  (double)waits[nw / 2]) / 2.0)
                     : 0;
    /* nearest rank: the smallest wait that at least 95% of jobs meet */
    tot->p95 = nw ? (double)waits[(nw * 95 + 99) / 100 - 1] : 0;
    free(waits);
    tot->started = nw;
    tot->never = nj - nw;
    for (size_t i = 0; i < nj; i++) {
        tot->best_known += jobs[i].start >= 0 && jobs[i].has_best;
        tot->on_best += jobs[i].start >= 0 && jobs[i].on_best;
    }
    int64_t first_submit = nj ? jobs[0].submit : 0;
    tot->makespan = last_end - first_submit;
    tot->util = tot->makespan > 0 && gpus
                    ? gpu_seconds / ((double)gpus * (double)tot->makespan)
                    : 0;
    return 0;
}

static int sim(cli_args *a)
{
    const char *placement = a->val[SIM_PLACEMENT];
    if (placement && cli_check_placement(a, placement) != CLI_OK)
        return CLI_USAGE;
    char over[512];
    if (overrides(a, over, sizeof over) != CLI_OK)
        return CLI_USAGE;
    cli_tuning tuning;
    if (cli_parse_tuning(a, &tuning) != CLI_OK)
        return CLI_USAGE;
    comm_model cm = {.on = cli_given(a, SIM_COMM_FRACTION)};
    const char *cf = a->val[SIM_COMM_FRACTION];
    char why[160];
    if (cf && sim_comm_parse(cf, &cm.fraction, why, sizeof why) != 0)
        return cli_usage_error(a, "--comm-fraction '%s': %s", cf, why);
    double bound = 10;
    const char *bs = a->val[SIM_BOUND];
    if (bs && (cli_parse_double(bs, &bound) != 0 ||
               !(bound >= 1 && bound <= 1e9)))
        return cli_usage_error(a, "--slowdown-bound '%s': want seconds, a "
                                  "number from 1 to 1e9, like 10",
                               bs);
    const char *summary_path = a->val[SIM_SUMMARY];
    if (summary_path && !strcmp(summary_path, "-"))
        return cli_usage_error(a, "--summary -: want a file (the results "
                                  "go to standard output)");
    if (cli_open_output(a) != CLI_OK)
        return CLI_FAIL;
    bool summary_created = false;
    int summary_fd = -1;
    const char *jobs_path = a->val[SIM_JOBS], *acc = a->val[SIM_ACCOUNTS];
    size_t jobs_len = 0, nj = 0;
    char *jobs_text = cli_read_input(a, jobs_path, &jobs_len);
    if (!jobs_text)
        return CLI_FAIL;
    const char *jobs_name = strcmp(jobs_path, "-") ? jobs_path : "<stdin>";
    sim_job *jobs = read_jobs(a, jobs_name, jobs_text, jobs_len, &nj);
    if (!jobs) {
        free(jobs_text);
        return CLI_FAIL;
    }
    gs_topo *t = cli_load_topo(a, a->val[CLI_O_TOPO]);
    int rc = CLI_OK;
    gs_sched *s = NULL;
    heap h = {0};
    uint32_t *by_sid = NULL;
    sim_memory mem = {0};
    sim_track trk = {0};
    sim_report own = {0};
    sim_report *rep = sim_report_to ? sim_report_to : &own;
    sim_progress prog = {0};
    sim_result *res = NULL;
    sim_metrics met = {0};
    if (!t) {
        rc = CLI_FAIL;
        goto done;
    }
    cm.t = t;
    if (summary_path) {
        /* found unwritable now, not after the run; emptied only when the
         * summary is written */
        summary_fd = cli_open_file(summary_path, &summary_created);
        if (summary_fd < 0) {
            rc = cli_fail(a, "--summary %s: cannot write there: %s",
                          summary_path, strerror(errno));
            goto done;
        }
    }
    for (size_t i = 0; i < nj && !cm.on; i++)
        cm.on = jobs[i].comm >= 0;
    if (!(cm.gpus = malloc(((size_t)gs_topo_gpu_count(t) + 1) *
                           sizeof *cm.gpus))) {
        rc = cli_fail(a, "out of memory");
        goto done;
    }
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.placement = placement;
    if (gs_sched_create(&s, t, &cfg) != GS_OK) {
        rc = cli_fail(a, "%s", s ? gs_sched_errmsg(s) : "out of memory");
        goto done;
    }
    /* a step that can start nothing is known without ranking the queue:
     * the same decisions (gs_sched_set_quiet_steps) */
    if (!cli_given(a, SIM_FULL_STEPS) && gs_sched_set_quiet_steps(s, 1) !=
                                             GS_OK) {
        rc = cli_fail(a, "%s", gs_sched_errmsg(s));
        goto done;
    }
    bool expected = cli_given(a, SIM_EXPECTED_START);
    if (acc) {
        size_t len;
        char *text = cli_read_input(a, acc, &len);
        if (!text) {
            rc = CLI_FAIL;
            goto done;
        }
        gs_status st = gs_sched_configure(s, text, len,
                                          strcmp(acc, "-") ? acc : "<stdin>");
        free(text);
        if (st != GS_OK) {
            rc = cli_fail(a, "%s", gs_sched_errmsg(s));
            goto done;
        }
    }
    /* options given on the command line win over the file */
    if (strcmp(over, "{}") != 0 &&
        gs_sched_configure(s, over, strlen(over), "command line") != GS_OK) {
        rc = cli_fail(a, "%s", gs_sched_errmsg(s));
        goto done;
    }
    if (cli_given(a, SIM_AUTO_ACCOUNTS) &&
        gs_sched_set_auto_accounts(s, 1) != GS_OK) {
        rc = cli_fail(a, "%s", gs_sched_errmsg(s));
        goto done;
    }
    if ((rc = cli_apply_tuning(a, s, &tuning)) != CLI_OK)
        goto done;
    qsort(jobs, nj, sizeof *jobs, cmp_submit);
    by_sid = calloc(nj + 2, sizeof *by_sid);
    if (!by_sid) {
        rc = cli_fail(a, "out of memory");
        goto done;
    }
    mem.jobs = jobs;
    mem.by_sid = by_sid;
    gs_sched_set_forget_hook(s, sim_forget, &mem);
    {
        /* the timeline's first width: the trace's span over its buckets */
        int64_t longest = 0;
        for (size_t i = 0; i < nj; i++) {
            int64_t run = jobs[i].limit && jobs[i].limit < jobs[i].duration
                              ? jobs[i].limit
                              : jobs[i].duration;
            longest = run > longest ? run : longest;
        }
        int64_t t0 = nj ? jobs[0].submit : 0;
        int64_t span = nj ? jobs[nj - 1].submit - t0 : 0;
        span = span < GS_TIME_MAX - longest ? span + longest : GS_TIME_MAX;
        if (sim_track_init(&trk, t, t0, span) != 0) {
            rc = cli_fail(a, "out of memory");
            goto done;
        }
    }
    /* progress: in the memory gpusched compare shares, else here */
    rep->total = nj;
    prog.show = !sim_report_to && !cli_given(a, CLI_O_QUIET) &&
                isatty(STDERR_FILENO);
    prog.t0 = cli_now_seconds();
    size_t next = 0, n_preempted = 0, n_requeued = 0, n_refused = 0;
    size_t first_refused = 0;
    double gpu_seconds = 0;
    int64_t now = nj ? jobs[0].submit : 0, last_end = now;
    for (;;) {
        /* the next moment something happens */
        int64_t tn = INT64_MAX;
        if (next < nj)
            tn = jobs[next].submit;
        while (h.n) {
            ev e = h.v[0];
            if (jobs[e.job].epoch != e.epoch) {
                heap_pop(&h); /* a run that was preempted */
                continue;
            }
            if (e.t < tn)
                tn = e.t;
            break;
        }
        if (tn == INT64_MAX)
            break;
        now = tn;
        sim_track_advance(&trk, now);
        rep->now = now;
        show_progress(a, &prog, rep, false);
        /* ends first (their GPUs are free for the jobs that arrive now) */
        while (h.n && h.v[0].t == now) {
            ev e = heap_pop(&h);
            sim_job *j = &jobs[e.job];
            if (j->epoch != e.epoch)
                continue;
            bool timeout = j->limit && j->run > j->limit;
            gs_status st = timeout ? gs_sched_fail(s, j->sid, now)
                                   : gs_sched_complete(s, j->sid, now);
            if (st != GS_OK) {
                rc = cli_fail(a, "at %lld s: %s", (long long)now,
                              gs_sched_errmsg(s));
                goto done;
            }
            gpu_seconds += run_stopped(&trk, j, now);
            j->end = now;
            rep->done++;
            if (timeout && set_reason(j, "timeout") != 0) {
                rc = cli_fail(a, "out of memory");
                goto done;
            }
            last_end = now > last_end ? now : last_end;
        }
        size_t batch = next; /* the jobs submitted now */
        while (next < nj && jobs[next].submit == now) {
            sim_job *j = &jobs[next];
            gs_job_spec spec;
            gs_job_spec_init(&spec);
            spec.name = job_name(j);
            spec.gpus = j->gpus;
            spec.gpus_per_node = j->gpn;
            spec.time_limit = j->limit;
            spec.submit_time = j->submit;
            spec.user = *j->user ? j->user : NULL;
            spec.account = *j->account ? j->account : NULL;
            spec.priority = j->priority;
            spec.preemptible = j->preemptible;
            spec.partition = *j->partition ? j->partition : NULL;
            spec.constraint = *j->constraint ? j->constraint : NULL;
            spec.pattern = cli_given(a, SIM_BLIND) ? GS_PATTERN_ANY : j->pattern;
            spec.allow_split = cli_given(a, SIM_SPLIT);
            spec.any_model = cli_given(a, SIM_ANY_MODEL);
            spec.gpu_milli = j->milli;
            spec.gpu_mem = j->gpu_mem;
            spec.mig_profile = *j->mig ? j->mig : NULL;
            spec.cpus_per_gpu = j->cpus_per_gpu;
            spec.mem_per_gpu = j->mem_per_gpu;
            spec.gpu_models = *j->models ? j->models : NULL;
            gs_status sst = gs_sched_submit(s, &spec, &j->sid);
            if (sst == GS_OK && *j->mig) {
                /* a MIG instance is charged its slices' share */
                gs_job_info ji = GS_JOB_INFO_INIT;
                if (gs_sched_job_info(s, j->sid, &ji) == GS_OK)
                    j->share = ji.gpu_milli / 1000.0;
            }
            const char *msg = gs_sched_errmsg(s);
            char sh[SHOWN_CAP];
            size_t col = sst == GS_OK ? 0 : refused_col(j, msg);
            if (sst != GS_OK && prog.show)
                fputs("\r\033[K", stderr); /* a message: a line of its own */
            if (sst == GS_EINVAL && (strstr(msg, "user name") ||
                                     strstr(msg, "account name"))) {
                /* a job no scheduler takes (a user or account name it
                 * refuses) is a mistake in the trace: nothing is written */
                fprintf(stderr, "%s: %s:%zu", a->prog, jobs_name, j->lineno);
                if (col)
                    fprintf(stderr, ":%zu", col);
                fprintf(stderr, ": job %s: %s\n",
                        shown(spec.name, sh, sizeof sh), msg);
                rc = CLI_FAIL;
                goto done;
            }
            if (sst == GS_ENOMEM) {
                rc = cli_fail(a, "out of memory");
                goto done;
            }
            if (sst == GS_ENORES) {
                /* the cluster could never run it: not a mistake in the
                 * trace (a trace from a bigger cluster), but most often
                 * worth a look; the output says why */
                if (!cli_given(a, CLI_O_QUIET))
                    fprintf(stderr, "%s: warning: %s:%zu: job %s refused: "
                                    "%s\n",
                            a->prog, jobs_name, j->lineno,
                            shown(spec.name, sh, sizeof sh), msg);
            } else if (sst != GS_OK) {
                /* refused for what it asks of this configuration (a
                 * partition, its limits, a feature, an account): the
                 * replay goes on without it, and the exit status says so */
                fprintf(stderr, "%s: %s:%zu", a->prog, jobs_name, j->lineno);
                if (col)
                    fprintf(stderr, ":%zu", col);
                fprintf(stderr, ": job %s refused: %s\n",
                        shown(spec.name, sh, sizeof sh), msg);
                if (n_refused++ == 0)
                    first_refused = next;
            }
            if (sst != GS_OK) {
                rep->done++;
                if (set_reason(j, msg) != 0) {
                    rc = cli_fail(a, "out of memory");
                    goto done;
                }
                j->sid = 0;
            } else {
                by_sid[j->sid] = (uint32_t)next;
                j->need = sim_track_need(&trk, j->gpus, j->gpn,
                                         j->milli < 1000 || *j->mig);
                sim_track_wait(&trk, j->need);
                /* the time limit it runs with: its own, else its
                 * partition's */
                gs_job_info info = GS_JOB_INFO_INIT;
                if (gs_sched_job_info(s, j->sid, &info) == GS_OK)
                    j->limit = info.time_limit;
            }
            next++;
        }
        if (gs_sched_step(s, now, NULL) != GS_OK) {
            rc = cli_fail(a, "at %lld s: %s", (long long)now,
                          gs_sched_errmsg(s));
            goto done;
        }
        if (mem.oom) {
            rc = cli_fail(a, "out of memory");
            goto done;
        }
        /* when the step that followed their submission expects the new
         * jobs to start (a job started by it: its start) */
        for (size_t i = batch; expected && i < next; i++) {
            gs_job_info info = GS_JOB_INFO_INIT;
            if (jobs[i].sid &&
                gs_sched_job_info(s, jobs[i].sid, &info) == GS_OK)
                jobs[i].expected = info.expected_start;
        }
        /* the step's events, taken off the queue as they are read */
        for (;;) {
            gs_event e;
            e.struct_size = sizeof e;
            gs_status est = gs_sched_next_event(s, &e);
            if (est == GS_ENOTFOUND)
                break;
            if (est != GS_OK) {
                rc = cli_fail(a, "at %lld s: %s", (long long)now,
                              gs_sched_errmsg(s));
                goto done;
            }
            sim_job *j = &jobs[by_sid[e.job]];
            if (e.kind == GS_EVENT_STARTED) {
                j->start = now;
                j->end = -1;
                j->epoch++;
                double factor = 1;
                uint32_t nn = 0, node = GS_NONE;
                gs_status mst = take_gpus(&cm, s, j, &nn, &node);
                if (mst == GS_OK)
                    mst = comm_slowdown(&cm, j, nn, node, &factor);
                if (mst != GS_OK) {
                    rc = cli_fail(a, "at %lld s: %s", (long long)now,
                                  gs_strerror(mst));
                    goto done;
                }
                sim_track_start(&trk, j->need, j->held, j->nheld,
                                j->gpus * j->share);
                /* to the nearest second; past 2^62 s it is refused below */
                double stretched = (double)j->duration * factor;
                j->run = factor == 1 ? j->duration
                         : stretched < 0x1p62 ? (int64_t)llround(stretched)
                                              : INT64_MAX;
                int64_t run = j->run;
                if (j->limit && run > j->limit)
                    run = j->limit;
                /* both are at most GS_TIME_MAX: the sum cannot wrap, and
                 * the scheduler takes no later time */
                if (run > GS_TIME_MAX - now) {
                    char sh[SHOWN_CAP];
                    rc = cli_fail(a,
                                  "job %s would end at %lld + %lld s, after "
                                  "2^60 s, the latest time the scheduler "
                                  "takes",
                                  shown(job_name(j), sh, sizeof sh),
                                  (long long)now, (long long)run);
                    goto done;
                }
                if (heap_push(&h, (ev){now + run, by_sid[e.job],
                                       j->epoch}) != 0) {
                    rc = cli_fail(a, "out of memory");
                    goto done;
                }
            } else if (e.kind == GS_EVENT_PREEMPTED) {
                gpu_seconds += run_stopped(&trk, j, now);
                rep->done++; /* back to the queue if requeued */
                j->epoch++; /* its pending end is stale */
                j->end = now;
                if (set_reason(j, "preempted") != 0) {
                    rc = cli_fail(a, "out of memory");
                    goto done;
                }
                n_preempted++;
            } else if (e.kind == GS_EVENT_REQUEUED) {
                n_requeued++;
                rep->done--;
                sim_track_wait(&trk, j->need);
                j->end = -1;
                set_reason(j, NULL);
            }
        }
    }
    rep->done = nj;
    if (prog.show)
        fputs("\r\033[K", stderr);
    prog.show = false;
    /* what never started, and why */
    for (size_t i = 0; i < nj; i++) {
        sim_job *j = &jobs[i];
        gs_status st = j->sid && j->start < 0 && !j->reason
                           ? pending_reason(s, j)
                           : GS_OK;
        if (st != GS_OK) {
            char sh[SHOWN_CAP];
            rc = cli_fail(a, "job %s: %s", shown(job_name(j), sh, sizeof sh),
                          gs_strerror(st));
            goto done;
        }
    }
    sim_totals tot = {.preempted = n_preempted, .requeued = n_requeued,
                      .comm = cm.on};
    if (totals(jobs, nj, gpu_seconds, last_end, gs_topo_gpu_count(t),
               &tot) != 0 ||
        !(res = malloc((nj + 1) * sizeof *res))) {
        rc = cli_fail(a, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nj; i++) {
        const sim_job *j = &jobs[i];
        res[i] = (sim_result){
            .account = j->sid ? j->account : "",
            .submit = j->submit, .start = j->start, .end = j->end,
            .ideal = j->limit && j->limit < j->duration ? j->limit
                                                        : j->duration,
            .gpu_seconds = j->gpu_seconds, .gpus = j->gpus,
            .shared = j->milli < 1000 || *j->mig,
            /* ran to its end, or to its time limit */
            .completed = j->start >= 0 && j->end >= 0 &&
                         (!j->reason || !strcmp(j->reason, "timeout"))};
    }
    if (sim_metrics_compute(&met, res, nj, bound, &trk) != 0) {
        rc = cli_fail(a, "out of memory");
        goto done;
    }
    *rep = (sim_report){.total = nj, .done = nj, .now = now, .jobs = nj,
                        .started = tot.started, .never = tot.never,
                        .refused = n_refused, .multi = tot.best_known,
                        .on_best = tot.on_best, .makespan = tot.makespan,
                        .util = tot.util, .queue_mean = met.queue_mean,
                        .free_wait_mean = met.idle_wait_mean,
                        .stranded_mean = met.stranded_mean,
                        .wait = met.all.wait, .jct = met.all.jct,
                        .slowdown = met.all.slowdown};
    if (summary_fd >= 0) {
        char *buf = NULL;
        size_t blen = 0;
        FILE *sf = open_memstream(&buf, &blen);
        if (!sf) {
            rc = cli_fail(a, "out of memory");
            goto done;
        }
        fputs("{\"run\": ", sf);
        print_run_json(sf, a, jobs_name, cf, bound);
        fputs(",\n\"summary\": ", sf);
        print_summary_json(sf, nj, &tot, &met, &trk, gs_topo_gpu_count(t));
        fputs("}\n", sf);
        int werr = fclose(sf) != 0 ? ENOMEM : 0;
        if (!werr)
            werr = write_whole(summary_fd, buf, blen);
        free(buf);
        if (werr) {
            rc = cli_fail(a, "--summary %s: cannot write: %s", summary_path,
                          strerror(werr));
            goto done;
        }
    }
    if (cli_given(a, CLI_O_JSON)) {
        print_json(a->out, s, t, &mem, jobs, nj, nj, &tot, &met, &trk,
                   expected);
    } else {
        print_csv(a->out, s, t, &mem, jobs, nj, expected);
        /* no summary of results that could not be written */
        bool to_stdout = a->out_fd == STDOUT_FILENO;
        rc = cli_close_output(a, rc);
        if (rc == CLI_OK) {
            /* the summary is a result too: not writing it is a failure
             * (2>/dev/full; standard output is checked at exit) */
            FILE *sf = to_stdout ? stderr : stdout;
            print_summary(sf, nj, &tot, &met);
            if (sf == stderr && (fflush(sf) != 0 || ferror(sf)))
                rc = cli_fail(a, "cannot write the summary to standard "
                                 "error");
        }
    }
    if (rc == CLI_OK && n_refused) {
        char sh[SHOWN_CAP];
        const sim_job *first = &jobs[first_refused];
        fprintf(stderr, "%s: %zu job%s refused at submission (the first: "
                        "job %s, %s:%zu); the others were replayed\n",
                a->prog, n_refused, n_refused == 1 ? " was" : "s were",
                shown(job_name(first), sh, sizeof sh), jobs_name,
                first->lineno);
        rc = SIM_REFUSED;
    }
done:
    if (prog.show)
        fputs("\r\033[K", stderr); /* the line the error follows */
    if (summary_fd >= 0) {
        if (rc == CLI_FAIL && summary_created)
            unlink(summary_path); /* nothing half made is left */
        close(summary_fd);
    }
    free(res);
    sim_metrics_free(&met);
    sim_track_free(&trk);
    free(h.v);
    free(cm.gpus);
    free(cm.best);
    free(by_sid);
    free(mem.pool);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
    for (size_t i = 0; i < nj; i++)
        free(jobs[i].reason), free(jobs[i].held);
    free(jobs);
    free(jobs_text);
    return rc;
}

const cli_command cli_cmd_sim = {
    .path = "sim",
    .synopsis = "--topo SRC --jobs FILE [options]",
    .summary = "replay a job trace in simulated time",
    .description =
        "Replay a job trace through the scheduler in simulated time: each "
        "job is submitted at its time, starts when the ordering, backfill "
        "and placement policies say so, and runs for its duration (or until "
        "its time limit). Writes one CSV line per job (id, submit, start, "
        "end, nodes, gpus, and why it never started) and a summary (waits, "
        "makespan, GPU utilization) to standard error, or to standard "
        "output when the CSV goes to --out; with --json, one document "
        "holding both.",
    .options = sim_options,
    .groups = CLI_GROUP_TOPO | CLI_GROUP_INPUT,
    .exit_status = "0 replayed, 3 replayed but jobs were refused at "
                   "submission for what they ask of the configuration (a "
                   "partition, its limits, a feature, an account; each is "
                   "named with its line, and the output has them with the "
                   "reason), 1 an input cannot be read or is wrong (the "
                   "message has file:line:column) or the output cannot be "
                   "written, 2 bad arguments.",
    .examples = "gpusched sim --topo dgx-h100 --jobs jobs.csv\n"
                "gpusched sim --topo cluster.json --jobs jobs.csv "
                "--backfill easy\n"
                "gpusched sim --topo c.json --jobs jobs.csv --accounts "
                "acc.json --out r.csv\n"
                "gpusched sim --topo dgx-h100 --jobs - --json < jobs.csv",
    .run = sim,
};
