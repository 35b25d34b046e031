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
 *                [--summary FILE] [--slowdown-bound SECONDS]
 *                [--full-steps] [--spill-after SIZE] [--json] [--out FILE]
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
 *
 * Memory follows the jobs in the system, not the trace: the trace is read
 * twice as a stream, a job is held from its submission until it ends for
 * good, and what only comes out at the end goes through sim_spill.h.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cli.h"
#include "sim_metrics.h"
#include "sim_spill.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* A job of the trace while it is in the system (submitted, not yet ended
 * for good). Its names point into strings, a copy of its row's (into the
 * line read until it is submitted): stored whole, whatever their
 * length. */
typedef struct sim_job {
    size_t line;   /* order in the file: breaks ties in submit time */
    uint64_t seq;  /* order of submission: the output's */
    char *strings; /* its names, owned */
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
    uint64_t epoch;    /* its current run's number (every start has its
                          own), to drop stale ends */
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

/* A run's end: at t, for the job in slot of the jobs in the system,
 * submitted seq-th (ends at the same time are taken in that order). */
typedef struct ev {
    int64_t t;
    uint64_t seq, epoch;
    uint32_t slot;
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
        if (h->v[p].t < e.t || (h->v[p].t == e.t && h->v[p].seq <= e.seq))
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
             (h->v[c + 1].t == h->v[c].t && h->v[c + 1].seq < h->v[c].seq)))
            c++;
        if (last.t < h->v[c].t ||
            (last.t == h->v[c].t && last.seq <= h->v[c].seq))
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
    [C_GPUS] = {0, UINT32_MAX, false,
                "a whole number from 0 (a CPU-only job) to 4294967295"},
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
    if (!j->gpus && !j->cpus_per_gpu && !j->mem_per_gpu)
        return line_error(r, lineno, col[r->map[C_GPUS]],
                          "gpus 0 is a CPU-only job: it needs cpus_per_gpu "
                          "or mem_per_gpu (the job's CPUs and memory)");
    j->share = j->milli / 1000.0;
    if (j->milli < 1000 && *j->mig)
        return line_error(r, lineno, j->mig_col,
                          "a job asks for a MIG profile or a share "
                          "(gpu_milli %u), not both",
                          j->milli);
    return 0;
}

/* A temporary file could not be made, written or read: 1 after the
 * message. */
static int tmp_failed(cli_args *a)
{
    int err = errno ? errno : EIO;
    if (err == ENOMEM)
        return cli_fail(a, "out of memory");
    return cli_fail(a, "a temporary file in %s (set TMPDIR, or raise "
                       "--spill-after): %s",
                    sim_tmpdir(), strerror(err));
}

/* ---- the trace, read as a stream ----------------------------------------- */

/* The trace is read twice, a line at a time: once to check every row
 * (nothing is simulated when one is wrong) and learn what the replay
 * needs beforehand, then to submit the jobs; a pipe is copied to a
 * temporary file on the first pass. Memory does not grow with the trace:
 * a trace out of submission order is put in order by a sorter that
 * spills (sim_spill.h), and repeated ids are found by sorting the ids'
 * hashes the same way. */
typedef struct trace_in {
    job_reader r;
    FILE *f;          /* the file, or the copy of a pipe */
    bool own;         /* f is closed at the end */
    FILE *copy;       /* first pass over a pipe: what is read goes here */
    char *line;
    size_t lcap;
    uint64_t off;     /* the next line's byte offset */
    uint64_t base;    /* where the trace begins (standard input may have
                         been read before) */
    uint64_t bytes;   /* read on the first pass */
    bool scanning;    /* the first pass: bytes counted */
    size_t lineno, row;
    bool first;       /* no header or row seen yet */
} trace_in;

/* What the first pass learns. */
typedef struct trace_info {
    size_t n;
    bool sorted;            /* rows in submission order already */
    int64_t first, last;    /* least and greatest submit */
    int64_t longest;        /* longest run (duration, cut by the limit) */
    bool comm;              /* a row has a comm_fraction */
} trace_info;

/* The next line into in->line (its length in *len; NUL-terminated, the
 * newline dropped): 1, 0 at the end, -1 after a message. */
static int next_line(trace_in *in, size_t *len, uint64_t *at)
{
    cli_args *a = in->r.a;
    /* the first pass counts every byte of the input against its limit,
     * the second every line's (it was counted) */
    uint64_t limit = a->max_input - (in->scanning ? in->bytes : 0);
    size_t n = 0, used = 0;
    int c = EOF;
    *at = in->off;
    for (;;) {
        if (n + 2 > in->lcap) {
            size_t cap = in->lcap ? in->lcap * 2 : 4096;
            char *l = realloc(in->line, cap);
            if (!l) {
                cli_fail(a, "out of memory");
                return -1;
            }
            in->line = l;
            in->lcap = cap;
        }
        c = getc_unlocked(in->f);
        if (c == EOF)
            break;
        if (++used > limit) {
            cli_input_too_big(a, in->r.name);
            return -1;
        }
        if (c == '\n')
            break;
        in->line[n++] = (char)c;
    }
    if (c == EOF && ferror(in->f)) {
        cli_fail(a, "%s: %s", in->r.name, strerror(errno ? errno : EIO));
        return -1;
    }
    if (!used)
        return 0;
    in->off += used;
    if (in->scanning)
        in->bytes += used;
    if (in->copy) {
        in->line[n] = '\n';
        if (fwrite(in->line, 1, used, in->copy) != used) {
            cli_fail(a, "%s: cannot copy it to a temporary file in %s: %s",
                     in->r.name, sim_tmpdir(), strerror(errno ? errno : EIO));
            return -1;
        }
    }
    in->line[n] = '\0';
    *len = n;
    return 1;
}

/* The next job row into *j (its names point into in->line until the next
 * call), where it begins in *at: 1, 0 at the end, -1 after a message. */
static int next_row(trace_in *in, sim_job *j, uint64_t *at)
{
    job_reader *r = &in->r;
    for (;;) {
        size_t llen;
        int got = next_line(in, &llen, at);
        if (got <= 0)
            return got;
        in->lineno++;
        size_t lineno = in->lineno;
        char *line = in->line;
        /* a spreadsheet's CSV may start with a UTF-8 byte order mark */
        if (*at == in->base && llen >= 3 &&
            memcmp(line, "\xef\xbb\xbf", 3) == 0) {
            line += 3;
            llen -= 3;
        }
        /* a NUL would end a name early, silently */
        char *nul = memchr(line, '\0', llen);
        if (nul)
            return line_error(r, lineno, (size_t)(nul - line) + 1,
                              "a NUL byte (is this a text file?)");
        const char *lead = line + strspn(line, " \t\r");
        if (*lead == '#' || !*lead)
            continue;
        char *fld[C_N + 1];
        size_t col[C_N + 1], bad = 0;
        size_t eol = strcspn(line, "\r") + 1;
        if (llen && line[llen - 1] == '\r')
            line[--llen] = '\0';
        int nf = cli_csv_split(line, fld, col, C_N + 1, &bad);
        if (nf < 0)
            return line_error(r, lineno, bad,
                              "unterminated quote or text after a closing "
                              "quote");
        if (in->first) {
            /* a header names the columns: any known name makes the line
             * one, and then every field must be a known name */
            in->first = false;
            int known = 0;
            for (int k = 0; k < nf && k < C_N; k++)
                known += column_of(fld[k]) >= 0;
            if (known > 0) {
                if (read_header(r, lineno, fld, col, nf) != 0)
                    return -1;
                continue;
            }
        }
        if (nf > r->ncols) {
            if (r->ncols < C_N)
                return line_error(r, lineno, col[r->ncols],
                                  "%d fields, the header has %d", nf,
                                  r->ncols);
            return line_error(r, lineno, col[C_N], "%d fields, at most %d",
                              nf, C_N);
        }
        memset(j, 0, sizeof *j);
        j->line = in->row++;
        j->lineno = lineno;
        j->start = j->end = -1;
        j->expected = GS_TIME_UNKNOWN;
        if (read_row(r, lineno, fld, col, nf, eol, j) != 0)
            return -1;
        return 1;
    }
}

/* Back to the trace's start, for the second pass (the copy of a pipe
 * becomes the trace). 0, or -1 after a message. */
static int trace_rewind(trace_in *in)
{
    if (in->copy) {
        if (fflush(in->copy) != 0) {
            cli_fail(in->r.a, "%s: cannot copy it to a temporary file in %s: "
                             "%s",
                     in->r.name, sim_tmpdir(), strerror(errno));
            return -1;
        }
        if (in->own)
            fclose(in->f);
        in->f = in->copy;
        in->own = true;
        in->copy = NULL;
    }
    if (fseeko(in->f, (off_t)in->base, SEEK_SET) != 0) {
        cli_fail(in->r.a, "%s: %s", in->r.name, strerror(errno));
        return -1;
    }
    in->off = in->base;
    in->lineno = in->row = 0;
    in->first = true;
    return 0;
}

/* To the row that begins at byte at, on line lineno, the row-th. */
static int trace_seek(trace_in *in, uint64_t at, size_t lineno, size_t row)
{
    if (fseeko(in->f, (off_t)at, SEEK_SET) != 0) {
        cli_fail(in->r.a, "%s: %s", in->r.name, strerror(errno));
        return -1;
    }
    in->off = at;
    in->lineno = lineno - 1;
    in->row = row;
    in->first = false;
    return 0;
}

static void trace_close(trace_in *in)
{
    if (in->own && in->f)
        fclose(in->f);
    if (in->copy)
        fclose(in->copy);
    free(in->line);
    memset(in, 0, sizeof *in);
}

/* Open the trace (path, or - for standard input). 0, or -1 after a
 * message. */
static int trace_open(trace_in *in, cli_args *a, const char *path,
                      const char *name)
{
    memset(in, 0, sizeof *in);
    in->r = (job_reader){.a = a, .name = name, .ncols = C_N};
    for (int i = 0; i < C_N; i++)
        in->r.map[i] = i;
    in->first = true;
    bool is_stdin = !strcmp(path, "-");
    if (is_stdin && isatty(STDIN_FILENO))
        fprintf(stderr, "%s: reading %s from the terminal (end with Ctrl-D)\n",
                a->prog, a->stdin_for ? a->stdin_for : "-");
    in->f = is_stdin ? stdin : fopen(path, "rb");
    if (!in->f) {
        cli_fail(a, "%s: %s", path, strerror(errno));
        return -1;
    }
    in->own = !is_stdin;
    /* what cannot be read again (a pipe) is copied on the first pass */
    off_t base = ftello(in->f);
    if (base >= 0 && fseeko(in->f, base, SEEK_SET) == 0) {
        in->off = in->base = (uint64_t)base;
    } else if (!(in->copy = sim_tmpfile())) {
        cli_fail(a, "%s: cannot make a temporary file in %s to read it "
                    "twice (set TMPDIR): %s",
                 name, sim_tmpdir(), strerror(errno));
        trace_close(in);
        return -1;
    }
    return 0;
}

/* A repeated id's record: its hash and row. */
typedef struct id_rec {
    uint64_t hash, row;
} id_rec;

static int cmp_id_rec(const void *a, const void *b)
{
    const id_rec *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

/* A row whose id shares its hash with another's, read again. */
typedef struct id_cand {
    char *id;
    size_t row, lineno, col;
} id_cand;

static int cmp_cand(const void *a, const void *b)
{
    const id_cand *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : x->row < y->row ? -1 : x->row > y->row;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* A job id given twice: an error at the second (the output could not tell
 * the two apart). The sorted hashes name the rows that may repeat one
 * (few: the repeats, and hashes that collide); those are read again and
 * compared. 0, or -1 after the message. */
static int check_ids(trace_in *in, sim_sorter *ids)
{
    cli_args *a = in->r.a;
    size_t *rows = NULL, nrows = 0, cap = 0;
    id_cand *cand = NULL;
    size_t ncand = 0;
    int rc = -1;
    if (sim_sorter_sort(ids) != 0)
        goto io;
    id_rec prev = {0}, cur;
    bool have = false, prev_in = false;
    int got;
    while ((got = sim_sorter_next(ids, &cur)) > 0) {
        bool same = have && cur.hash == prev.hash;
        size_t add[2], na = 0;
        if (same && !prev_in)
            add[na++] = (size_t)prev.row;
        if (same)
            add[na++] = (size_t)cur.row;
        for (size_t k = 0; k < na; k++) {
            if (nrows == cap) {
                cap = cap ? cap * 2 : 16;
                size_t *nr = realloc(rows, cap * sizeof *nr);
                if (!nr)
                    goto oom;
                rows = nr;
            }
            rows[nrows++] = add[k];
        }
        prev_in = same;
        prev = cur;
        have = true;
    }
    if (got < 0)
        goto io;
    if (!nrows) {
        rc = 0;
        goto out;
    }
    qsort(rows, nrows, sizeof *rows, cmp_size);
    /* the rows again, their ids kept */
    if (!(cand = calloc(nrows, sizeof *cand)))
        goto oom;
    if (trace_rewind(in) != 0)
        goto out;
    sim_job j;
    uint64_t at;
    while (ncand < nrows && (got = next_row(in, &j, &at)) > 0) {
        if (!bsearch(&j.line, rows, nrows, sizeof *rows, cmp_size))
            continue;
        size_t len = strlen(j.id) + 1;
        id_cand *c = &cand[ncand];
        if (!(c->id = malloc(len)))
            goto oom;
        memcpy(c->id, j.id, len);
        c->row = j.line;
        c->lineno = j.lineno;
        c->col = j.id_col;
        ncand++;
    }
    if (got < 0)
        goto out;
    qsort(cand, ncand, sizeof *cand, cmp_cand);
    /* the repeat that comes first in the file */
    const id_cand *bad = NULL, *first = NULL;
    for (size_t i = 1; i < ncand; i++) {
        const id_cand *x = &cand[i - 1], *y = &cand[i];
        if (strcmp(x->id, y->id) || (bad && bad->row < y->row))
            continue;
        size_t f = i - 1; /* the runs are sorted by row */
        while (f > 0 && !strcmp(cand[f - 1].id, y->id))
            f--;
        bad = y;
        first = &cand[f];
    }
    if (!bad) {
        rc = 0; /* hashes alike, ids not */
        goto out;
    }
    char sh[SHOWN_CAP];
    line_error(&in->r, bad->lineno, bad->col,
               "job id \"%s\" again (first on line %zu): ids must differ",
               shown(bad->id, sh, sizeof sh), first->lineno);
    goto out;
oom:
    cli_fail(a, "out of memory");
    goto out;
io:
    tmp_failed(a);
out:
    for (size_t i = 0; i < ncand; i++)
        free(cand[i].id);
    free(cand);
    free(rows);
    return rc;
}

/* Where a row is in the file, to read the rows in submission order when
 * the file has them otherwise. */
typedef struct order_rec {
    int64_t submit;
    uint64_t row, at, lineno;
} order_rec;

static int cmp_order(const void *a, const void *b)
{
    const order_rec *x = a, *y = b;
    if (x->submit != y->submit)
        return x->submit < y->submit ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

/* The first pass: every row checked, ids compared, what the replay needs
 * to know first in *info. Out of order, the rows' places are sorted into
 * order (a third pass). Then the trace is at its start again. 0, or -1
 * after a message. */
static int scan_trace(trace_in *in, size_t budget, trace_info *info,
                      sim_sorter *order)
{
    cli_args *a = in->r.a;
    sim_sorter ids;
    memset(info, 0, sizeof *info);
    info->sorted = true;
    if (sim_sorter_init(&ids, sizeof(id_rec), cmp_id_rec, 2 * budget) != 0) {
        cli_fail(a, "out of memory");
        return -1;
    }
    int rc = -1, got;
    sim_job j;
    uint64_t at;
    in->scanning = true;
    while ((got = next_row(in, &j, &at)) > 0) {
        if (info->n && j.submit < info->last)
            info->sorted = false;
        if (!info->n || j.submit < info->first)
            info->first = j.submit;
        if (!info->n || j.submit > info->last)
            info->last = j.submit;
        int64_t run = j.limit && j.limit < j.duration ? j.limit : j.duration;
        info->longest = run > info->longest ? run : info->longest;
        info->comm |= j.comm >= 0;
        info->n++;
        if (*j.id && sim_sorter_add(&ids, &(id_rec){sim_hash(j.id), j.line}) !=
                         0) {
            tmp_failed(a);
            goto out;
        }
    }
    in->scanning = false;
    if (got < 0 || check_ids(in, &ids) != 0 || trace_rewind(in) != 0)
        goto out;
    if (!info->sorted) {
        if (sim_sorter_init(order, sizeof(order_rec), cmp_order, budget) !=
            0) {
            cli_fail(a, "out of memory");
            goto out;
        }
        while ((got = next_row(in, &j, &at)) > 0)
            if (sim_sorter_add(order, &(order_rec){j.submit, j.line, at,
                                                   j.lineno}) != 0) {
                tmp_failed(a);
                goto out;
            }
        if (got < 0)
            goto out;
        if (sim_sorter_sort(order) != 0) {
            tmp_failed(a);
            goto out;
        }
    }
    rc = 0;
out:
    sim_sorter_free(&ids);
    return rc;
}

/* The trace is not what the first pass read: -1 after the message. */
static int trace_changed(const trace_in *in)
{
    cli_fail(in->r.a, "%s: changed while it was read", in->r.name);
    return -1;
}

/* The next job in submission order into *j (second pass): 1, 0 at the
 * end, -1 after a message. */
static int next_job(trace_in *in, const trace_info *info, sim_sorter *order,
                    sim_job *j)
{
    uint64_t at;
    if (info->sorted) {
        /* rows added since the first pass are not the trace read */
        if (in->row >= info->n)
            return 0;
        int got = next_row(in, j, &at);
        return got == 0 ? trace_changed(in) : got;
    }
    order_rec o;
    int got = sim_sorter_next(order, &o);
    if (got < 0) {
        tmp_failed(in->r.a);
        return -1;
    }
    if (got == 0 || trace_seek(in, o.at, (size_t)o.lineno, (size_t)o.row) !=
                        0)
        return got == 0 ? 0 : -1;
    got = next_row(in, j, &at);
    return got == 0 ? trace_changed(in) : got;
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

/* Exit status: jobs were refused at submission (the others were replayed
 * and the output written). */
#define SIM_REFUSED 3

/* ---- options --------------------------------------------------------------- */

enum { SIM_JOBS, SIM_ACCOUNTS, SIM_PLACEMENT, SIM_ORDERING, SIM_FAIRSHARE,
       SIM_BACKFILL, SIM_BF_INTERVAL, SIM_PREEMPT, SIM_SPLIT, SIM_ANY_MODEL,
       SIM_AUTO_ACCOUNTS, SIM_EXPECTED_START, SIM_COMM_FRACTION,
       SIM_BLIND, SIM_SUMMARY, SIM_BOUND, SIM_FULL_STEPS, SIM_SPILL };

/* What the replay's results kept for the end take in memory before they
 * spill to temporary files (--spill-after). */
#define SIM_SPILL_DEFAULT ((uint64_t)32 << 20)
/* The output is written out whenever it holds this much (or a quarter of
 * the budget, when less). */
#define OUT_CHUNK ((uint64_t)1 << 20)
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
    {SIM_SPILL, "--spill-after", NULL, "SIZE", "32M",
     "memory the results kept for the end may take (the output's rows, "
     "the values of the summary's percentiles, the trace's order when it "
     "is not in submission order) before the rest goes to temporary "
     "files in $TMPDIR (else /tmp): bytes with an optional K, M, G or T "
     "suffix, from 32K; the replay's memory then follows the jobs in the "
     "system, not the trace's length (docs/sim.md)",
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

/* ---- the jobs in the system ---------------------------------------------- */

/* The jobs in the system in slots that are reused, and a hash table from
 * the scheduler's job ids to their slots (open addressing, linear
 * probing; id 0 marks an empty entry). */
typedef struct sim_live {
    sim_job *job;
    size_t n, cap;   /* slots made */
    uint32_t *free;  /* slots to reuse */
    size_t nfree;
    uint64_t *key;
    uint32_t *val;
    size_t tcap, count;
} sim_live;

static size_t sid_hash(uint64_t sid, size_t tcap)
{
    return (size_t)((sid * 0x9e3779b97f4a7c15ull) >> 17) & (tcap - 1);
}

/* A free slot into *slot (job->strings NULL: unused). 0 or -1. */
static int live_take(sim_live *l, uint32_t *slot)
{
    if (l->nfree) {
        *slot = l->free[--l->nfree];
        return 0;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        if (cap > UINT32_MAX)
            return -1;
        sim_job *nj = realloc(l->job, cap * sizeof *nj);
        if (!nj)
            return -1;
        l->job = nj;
        uint32_t *nf = realloc(l->free, cap * sizeof *nf);
        if (!nf)
            return -1;
        l->free = nf;
        l->cap = cap;
    }
    memset(&l->job[l->n], 0, sizeof *l->job);
    *slot = (uint32_t)l->n++;
    return 0;
}

static int live_put(sim_live *l, uint64_t sid, uint32_t slot)
{
    if (2 * (l->count + 1) > l->tcap) {
        size_t cap = l->tcap ? l->tcap * 2 : 1024;
        uint64_t *k = calloc(cap, sizeof *k);
        uint32_t *v = malloc(cap * sizeof *v);
        if (!k || !v) {
            free(k);
            free(v);
            return -1;
        }
        for (size_t i = 0; i < l->tcap; i++) {
            if (!l->key[i])
                continue;
            size_t h = sid_hash(l->key[i], cap);
            while (k[h])
                h = (h + 1) & (cap - 1);
            k[h] = l->key[i];
            v[h] = l->val[i];
        }
        free(l->key);
        free(l->val);
        l->key = k;
        l->val = v;
        l->tcap = cap;
    }
    size_t h = sid_hash(sid, l->tcap);
    while (l->key[h])
        h = (h + 1) & (l->tcap - 1);
    l->key[h] = sid;
    l->val[h] = slot;
    l->count++;
    return 0;
}

/* The slot of a job the replay holds, or -1. */
static int64_t live_get(const sim_live *l, uint64_t sid)
{
    if (!l->tcap || !sid)
        return -1;
    for (size_t h = sid_hash(sid, l->tcap); l->key[h];
         h = (h + 1) & (l->tcap - 1))
        if (l->key[h] == sid)
            return l->val[h];
    return -1;
}

/* Forget a job id (the entries after it move back into the gap). */
static void live_del(sim_live *l, uint64_t sid)
{
    size_t mask = l->tcap - 1, i = sid_hash(sid, l->tcap);
    while (l->key[i] != sid) {
        if (!l->key[i])
            return;
        i = (i + 1) & mask;
    }
    for (size_t j = i;;) {
        j = (j + 1) & mask;
        if (!l->key[j])
            break;
        size_t k = sid_hash(l->key[j], l->tcap);
        /* an entry that may not go back past its home stays */
        if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
            continue;
        l->key[i] = l->key[j];
        l->val[i] = l->val[j];
        i = j;
    }
    l->key[i] = 0;
    l->count--;
}

/* What a job holds let go (the slot then reads as unused). */
static void job_clear(sim_job *j)
{
    free(j->strings);
    free(j->reason);
    free(j->held);
    memset(j, 0, sizeof *j);
}

static void live_free(sim_live *l)
{
    for (size_t i = 0; i < l->n; i++)
        job_clear(&l->job[i]);
    free(l->job);
    free(l->free);
    free(l->key);
    free(l->val);
    memset(l, 0, sizeof *l);
}

/* The job's names copied out of the line they point into. 0 or -1. */
static int own_strings(sim_job *j)
{
    const char **f[] = {&j->id, &j->user, &j->account, &j->partition,
                        &j->constraint, &j->mig, &j->models};
    size_t len[7], total = 0;
    for (int i = 0; i < 7; i++)
        total += len[i] = strlen(*f[i]) + 1;
    if (!(j->strings = malloc(total)))
        return -1;
    char *p = j->strings;
    for (int i = 0; i < 7; i++) {
        memcpy(p, *f[i], len[i]);
        *f[i] = p;
        p += len[i];
    }
    return 0;
}

/* ---- the replay's results --------------------------------------------------- */

/* Where a job's output row was put, to write the rows in submission
 * order at the end. */
typedef struct out_rec {
    uint64_t seq, at, len;
    int64_t wait;        /* -1: it never started */
    double gpu_seconds;
    uint32_t groups;     /* its groups in the metrics (sim_metrics_add) */
    uint32_t spare;      /* 0: no padding of unknown bytes in the files */
} out_rec;

static int cmp_out(const void *a, const void *b)
{
    uint64_t x = ((const out_rec *)a)->seq, y = ((const out_rec *)b)->seq;
    return x < y ? -1 : x > y;
}

typedef struct replay {
    const gs_sched *s;
    const gs_topo *t;
    sim_live live;
    sim_store rows;   /* the output's rows, as jobs are done */
    FILE *row;        /* one row is written here first (memory) */
    char *row_mem;
    size_t row_len;
    sim_sorter order; /* out_rec: where each is */
    sim_metrics met;
    bool json, expected;
    size_t best_known, on_best;
} replay;

/* The nodes a job ran on, separated by sep, each as CSV or JSON. */
static void print_nodes(FILE *fo, const gs_sched *s, const gs_topo *t,
                        const sim_job *j, const char *sep, bool json)
{
    uint32_t nn = 0;
    if (j->sid && j->start >= 0)
        nn = gs_sched_alloc_node_count(s, j->sid);
    for (uint32_t k = 0; k < nn; k++) {
        gs_alloc_node an;
        an.struct_size = sizeof an;
        gs_sched_alloc_node(s, j->sid, k, &an);
        fputs(k ? sep : "", fo);
        if (json)
            cli_json_string(fo, gs_topo_node_name(t, an.node));
        else
            csv_field(fo, gs_topo_node_name(t, an.node), false);
    }
}

/* A job's output row (CSV, or the JSON object) into the store. */
static void print_row(FILE *fo, const replay *rp, const sim_job *j)
{
    if (rp->json) {
        fputs("{\"id\": ", fo);
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
        print_nodes(fo, rp->s, rp->t, j, ", ", true);
        fprintf(fo, "], \"gpus\": %u, \"reason\": ", j->gpus);
        if (j->reason)
            cli_json_string(fo, j->reason);
        else
            fputs("null", fo);
        if (rp->expected && j->expected != GS_TIME_UNKNOWN)
            fprintf(fo, ", \"expected_start\": %lld", (long long)j->expected);
        else if (rp->expected)
            fputs(", \"expected_start\": null", fo);
        fputc('}', fo);
        return;
    }
    csv_field(fo, job_name(j), false);
    fprintf(fo, ",%lld,", (long long)j->submit);
    if (j->start >= 0)
        fprintf(fo, "%lld", (long long)j->start);
    fputc(',', fo);
    if (j->end >= 0)
        fprintf(fo, "%lld", (long long)j->end);
    fputc(',', fo);
    print_nodes(fo, rp->s, rp->t, j, ";", false);
    fprintf(fo, ",%u,", j->gpus);
    if (j->reason)
        csv_field(fo, j->reason, true); /* reasons hold commas */
    if (rp->expected) {
        fputc(',', fo);
        if (j->expected != GS_TIME_UNKNOWN)
            fprintf(fo, "%lld", (long long)j->expected);
    }
    fputc('\n', fo);
}

/* The replay is done with the job in slot (it ended for good, was
 * refused, or never started): its row and its figures are kept, its slot
 * freed. 0, or -1 with errno set (memory, a temporary file). */
static int finalize(replay *rp, uint32_t slot)
{
    sim_job *j = &rp->live.job[slot];
    if (fseeko(rp->row, 0, SEEK_SET) != 0)
        return -1;
    print_row(rp->row, rp, j);
    off_t len = ftello(rp->row);
    if (ferror(rp->row) || fflush(rp->row) != 0 || len < 0) {
        errno = ENOMEM; /* a memory stream */
        return -1;
    }
    out_rec o = {.seq = j->seq, .len = (uint64_t)len,
                 .wait = j->start >= 0 ? j->start - j->submit : -1,
                 .gpu_seconds = j->gpu_seconds};
    sim_result res = {
        .account = j->sid ? j->account : "",
        .submit = j->submit, .start = j->start, .end = j->end,
        .ideal = j->limit && j->limit < j->duration ? j->limit : j->duration,
        .gpus = j->gpus, .shared = j->milli < 1000 || *j->mig,
        /* ran to its end, or to its time limit */
        .completed = j->start >= 0 && j->end >= 0 &&
                     (!j->reason || !strcmp(j->reason, "timeout"))};
    if (sim_metrics_add(&rp->met, &res, &o.groups) != 0 ||
        sim_store_add(&rp->rows, rp->row_mem, (size_t)len, &o.at) != 0 ||
        sim_sorter_add(&rp->order, &o) != 0)
        return -1;
    rp->best_known += j->start >= 0 && j->has_best;
    rp->on_best += j->start >= 0 && j->on_best;
    if (j->sid)
        live_del(&rp->live, j->sid);
    job_clear(j);
    rp->live.free[rp->live.nfree++] = slot;
    return 0;
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

/* One more place in a growing array of slots. 0 or -1. */
static int grow_u32(uint32_t **v, size_t *cap)
{
    size_t n = *cap ? *cap * 2 : 64;
    uint32_t *p = realloc(*v, n * sizeof *p);
    if (!p)
        return -1;
    *v = p;
    *cap = n;
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
    uint64_t budget = SIM_SPILL_DEFAULT;
    const char *sp = a->val[SIM_SPILL];
    if (sp && (cli_parse_bytes(sp, &budget) != 0 ||
               budget < 8 * SIM_SPILL_MIN || budget > ((uint64_t)1 << 40)))
        return cli_usage_error(a, "--spill-after '%s': want bytes from 32K "
                                  "to 1T, like 64M",
                               sp);
    const char *summary_path = a->val[SIM_SUMMARY];
    if (summary_path && !strcmp(summary_path, "-"))
        return cli_usage_error(a, "--summary -: want a file (the results "
                                  "go to standard output)");
    if (cli_open_output(a) != CLI_OK)
        return CLI_FAIL;
    bool summary_created = false;
    int summary_fd = -1;
    const char *jobs_path = a->val[SIM_JOBS], *acc = a->val[SIM_ACCOUNTS];
    const char *jobs_name = strcmp(jobs_path, "-") ? jobs_path : "<stdin>";
    int rc = CLI_OK;
    gs_topo *t = NULL;
    gs_sched *s = NULL;
    heap h = {0};
    sim_track trk = {0};
    sim_report own = {0};
    sim_report *rep = sim_report_to ? sim_report_to : &own;
    sim_progress prog = {0};
    replay rp = {0};
    trace_in in;
    trace_info info;
    sim_sorter order = {0};
    uint32_t *batch = NULL, *pre = NULL;
    size_t batch_cap = 0, pre_cap = 0;
    char *first_refused = NULL;
    size_t first_refused_line = 0;
    if (trace_open(&in, a, jobs_path, jobs_name) != 0)
        return CLI_FAIL;
    /* the budget shared: the rows half, the percentiles' values (9 a
     * job) a quarter, the rows' order and the trace's an eighth each (the
     * ids' hashes a quarter, before the replay) */
    if (scan_trace(&in, (size_t)budget / 8, &info, &order) != 0) {
        rc = CLI_FAIL;
        goto done;
    }
    size_t nj = info.n;
    t = cli_load_topo(a, a->val[CLI_O_TOPO]);
    if (!t) {
        rc = CLI_FAIL;
        goto done;
    }
    cm.t = t;
    rp.t = t;
    rp.json = cli_given(a, CLI_O_JSON);
    rp.expected = cli_given(a, SIM_EXPECTED_START);
    sim_store_init(&rp.rows, (size_t)budget / 2);
    if (!(rp.row = open_memstream(&rp.row_mem, &rp.row_len)) ||
        sim_sorter_init(&rp.order, sizeof(out_rec), cmp_out,
                        (size_t)budget / 8) != 0 ||
        sim_metrics_init(&rp.met, bound, (size_t)budget / 4) != 0) {
        rc = cli_fail(a, "out of memory");
        goto done;
    }
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
    cm.on |= info.comm;
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
    rp.s = s;
    /* a step that can start nothing is known without ranking the queue:
     * the same decisions (gs_sched_set_quiet_steps) */
    if (!cli_given(a, SIM_FULL_STEPS) && gs_sched_set_quiet_steps(s, 1) !=
                                             GS_OK) {
        rc = cli_fail(a, "%s", gs_sched_errmsg(s));
        goto done;
    }
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
    {
        /* the timeline's first width: the trace's span over its buckets */
        int64_t span = nj ? info.last - info.first : 0;
        span = span < GS_TIME_MAX - info.longest ? span + info.longest
                                                 : GS_TIME_MAX;
        if (sim_track_init(&trk, t, nj ? info.first : 0, span) != 0) {
            rc = cli_fail(a, "out of memory");
            goto done;
        }
    }
    /* progress: in the memory gpusched compare shares, else here */
    rep->total = nj;
    prog.show = !sim_report_to && !cli_given(a, CLI_O_QUIET) &&
                isatty(STDERR_FILENO);
    prog.t0 = cli_now_seconds();
    size_t n_preempted = 0, n_requeued = 0, n_refused = 0;
    uint64_t seq = 0, epochs = 0;
    double gpu_seconds = 0;
    sim_job nextj; /* the next job to submit, read ahead */
    int have = next_job(&in, &info, &order, &nextj);
    if (have < 0) {
        rc = CLI_FAIL;
        goto done;
    }
    int64_t now = nj ? info.first : 0, last_end = now;
    sim_live *lv = &rp.live;
    for (;;) {
        if (have && nextj.submit < now) {
            trace_changed(&in);
            rc = CLI_FAIL;
            goto done;
        }
        /* the next moment something happens */
        int64_t tn = INT64_MAX;
        if (have)
            tn = nextj.submit;
        while (h.n) {
            ev e = h.v[0];
            if (lv->job[e.slot].epoch != e.epoch) {
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
            sim_job *j = &lv->job[e.slot];
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
            if (finalize(&rp, e.slot) != 0) {
                rc = tmp_failed(a);
                goto done;
            }
        }
        size_t nbatch = 0; /* the jobs submitted now */
        while (have && nextj.submit == now) {
            uint32_t slot;
            if (live_take(lv, &slot) != 0) {
                rc = cli_fail(a, "out of memory");
                goto done;
            }
            sim_job *j = &lv->job[slot];
            *j = nextj;
            j->seq = seq++;
            if (own_strings(j) != 0) {
                lv->free[lv->nfree++] = slot;
                rc = cli_fail(a, "out of memory");
                goto done;
            }
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
                if (n_refused++ == 0) {
                    size_t len = strlen(spec.name) + 1;
                    if (!(first_refused = malloc(len))) {
                        rc = cli_fail(a, "out of memory");
                        goto done;
                    }
                    memcpy(first_refused, spec.name, len);
                    first_refused_line = j->lineno;
                }
            }
            if (sst != GS_OK) {
                rep->done++;
                if (set_reason(j, msg) != 0) {
                    rc = cli_fail(a, "out of memory");
                    goto done;
                }
                j->sid = 0;
                if (finalize(&rp, slot) != 0) {
                    rc = tmp_failed(a);
                    goto done;
                }
            } else {
                if (live_put(lv, j->sid, slot) != 0 ||
                    (nbatch == batch_cap &&
                     grow_u32(&batch, &batch_cap) != 0)) {
                    rc = cli_fail(a, "out of memory");
                    goto done;
                }
                batch[nbatch++] = slot;
                j->need = sim_track_need(&trk, j->gpus, j->gpn,
                                         j->milli < 1000 || *j->mig);
                sim_track_wait(&trk, j->need);
                /* the time limit it runs with: its own, else its
                 * partition's */
                gs_job_info ji = GS_JOB_INFO_INIT;
                if (gs_sched_job_info(s, j->sid, &ji) == GS_OK)
                    j->limit = ji.time_limit;
            }
            if ((have = next_job(&in, &info, &order, &nextj)) < 0) {
                rc = CLI_FAIL;
                goto done;
            }
        }
        if (gs_sched_step(s, now, NULL) != GS_OK) {
            rc = cli_fail(a, "at %lld s: %s", (long long)now,
                          gs_sched_errmsg(s));
            goto done;
        }
        /* when the step that followed their submission expects the new
         * jobs to start (a job started by it: its start) */
        for (size_t i = 0; rp.expected && i < nbatch; i++) {
            gs_job_info ji = GS_JOB_INFO_INIT;
            sim_job *j = &lv->job[batch[i]];
            if (gs_sched_job_info(s, j->sid, &ji) == GS_OK)
                j->expected = ji.expected_start;
        }
        /* the step's events, taken off the queue as they are read */
        size_t npre = 0;
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
            int64_t at = live_get(lv, e.job);
            if (at < 0)
                continue; /* a job the replay is done with (its failure) */
            uint32_t slot = (uint32_t)at;
            sim_job *j = &lv->job[slot];
            if (e.kind == GS_EVENT_STARTED) {
                j->start = now;
                j->end = -1;
                j->epoch = ++epochs;
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
                if (heap_push(&h, (ev){now + run, j->seq, j->epoch, slot}) !=
                    0) {
                    rc = cli_fail(a, "out of memory");
                    goto done;
                }
            } else if (e.kind == GS_EVENT_PREEMPTED) {
                gpu_seconds += run_stopped(&trk, j, now);
                rep->done++; /* back to the queue if requeued */
                j->epoch = 0; /* its pending end is stale */
                j->end = now;
                if (set_reason(j, "preempted") != 0 ||
                    (npre == pre_cap && grow_u32(&pre, &pre_cap) != 0)) {
                    rc = cli_fail(a, "out of memory");
                    goto done;
                }
                pre[npre++] = slot;
                n_preempted++;
            } else if (e.kind == GS_EVENT_REQUEUED) {
                n_requeued++;
                rep->done--;
                sim_track_wait(&trk, j->need);
                j->end = -1;
                set_reason(j, NULL);
            }
        }
        /* preempted and not requeued: done */
        for (size_t i = 0; i < npre; i++) {
            sim_job *j = &lv->job[pre[i]];
            if (j->strings && j->end >= 0 && j->reason &&
                !strcmp(j->reason, "preempted") && finalize(&rp, pre[i]) !=
                                                      0) {
                rc = tmp_failed(a);
                goto done;
            }
        }
    }
    rep->done = nj;
    if (prog.show)
        fputs("\r\033[K", stderr);
    prog.show = false;
    /* what never started, and why */
    for (size_t i = 0; i < lv->n; i++) {
        sim_job *j = &lv->job[i];
        if (!j->strings)
            continue;
        gs_status st = j->sid && j->start < 0 && !j->reason
                           ? pending_reason(s, j)
                           : GS_OK;
        if (st != GS_OK) {
            char sh[SHOWN_CAP];
            rc = cli_fail(a, "job %s: %s", shown(job_name(j), sh, sizeof sh),
                          gs_strerror(st));
            goto done;
        }
        if (finalize(&rp, (uint32_t)i) != 0) {
            rc = tmp_failed(a);
            goto done;
        }
    }
    /* the rows in submission order */
    if (sim_sorter_sort(&rp.order) != 0) {
        rc = tmp_failed(a);
        goto done;
    }
    FILE *fo = a->out;
    if (rp.json)
        fputs("{\"jobs\": [", fo);
    else
        fprintf(fo, "id,submit,start,end,nodes,gpus,reason_if_never_started"
                    "%s\n",
                rp.expected ? ",expected_start" : "");
    out_rec o;
    int got;
    uint64_t held = 0; /* bytes the output holds in memory */
    /* sums taken in submission order (floating point: the order shows in
     * the last digits): the waits' mean, each group's GPU time */
    double wait_sum = 0;
    for (size_t i = 0; (got = sim_sorter_next(&rp.order, &o)) > 0; i++) {
        const char *row = sim_store_get(&rp.rows, o.at, (size_t)o.len);
        if (!row) {
            got = -1;
            break;
        }
        if (rp.json)
            fputs(i ? ",\n  " : "\n  ", fo);
        fwrite(row, 1, (size_t)o.len, fo);
        if (o.wait >= 0)
            wait_sum += (double)o.wait;
        sim_metrics_add_gpu(&rp.met, o.groups, o.gpu_seconds);
        /* written out as it goes: the rows are as long as the trace */
        if ((held += o.len) >= OUT_CHUNK || held >= budget / 4) {
            if ((rc = cli_drain_output(a)) != CLI_OK)
                goto done;
            held = 0;
        }
    }
    if (got < 0) {
        rc = tmp_failed(a);
        goto done;
    }
    sim_metrics *met = &rp.met;
    if (sim_metrics_finish(met, &trk) != 0) {
        rc = tmp_failed(a);
        goto done;
    }
    sim_totals tot = {.preempted = n_preempted, .requeued = n_requeued,
                      .comm = cm.on, .started = met->all.started,
                      .never = nj - met->all.started,
                      .best_known = rp.best_known, .on_best = rp.on_best,
                      .mean = met->all.started
                                  ? wait_sum / (double)met->all.started
                                  : 0,
                      .median = met->all.wait.median,
                      .p95 = met->all.wait.p95};
    tot.makespan = last_end - (nj ? info.first : 0);
    uint32_t gpus = gs_topo_gpu_count(t);
    tot.util = tot.makespan > 0 && gpus
                   ? gpu_seconds / ((double)gpus * (double)tot.makespan)
                   : 0;
    *rep = (sim_report){.total = nj, .done = nj, .now = now, .jobs = nj,
                        .started = tot.started, .never = tot.never,
                        .refused = n_refused, .multi = tot.best_known,
                        .on_best = tot.on_best, .makespan = tot.makespan,
                        .util = tot.util, .queue_mean = met->queue_mean,
                        .free_wait_mean = met->idle_wait_mean,
                        .stranded_mean = met->stranded_mean,
                        .wait = met->all.wait, .jct = met->all.jct,
                        .slowdown = met->all.slowdown};
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
        print_summary_json(sf, nj, &tot, met, &trk, gpus);
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
    if (rp.json) {
        fputs("\n],\n\"summary\": ", fo);
        print_summary_json(fo, nj, &tot, met, &trk, gpus);
        fputs("}\n", fo);
    } else {
        /* no summary of results that could not be written */
        bool to_stdout = a->out_fd == STDOUT_FILENO;
        rc = cli_close_output(a, rc);
        if (rc == CLI_OK) {
            /* the summary is a result too: not writing it is a failure
             * (2>/dev/full; standard output is checked at exit) */
            FILE *sf = to_stdout ? stderr : stdout;
            print_summary(sf, nj, &tot, met);
            if (sf == stderr && (fflush(sf) != 0 || ferror(sf)))
                rc = cli_fail(a, "cannot write the summary to standard "
                                 "error");
        }
    }
    if (rc == CLI_OK && n_refused) {
        char sh[SHOWN_CAP];
        fprintf(stderr, "%s: %zu job%s refused at submission (the first: "
                        "job %s, %s:%zu); the others were replayed\n",
                a->prog, n_refused, n_refused == 1 ? " was" : "s were",
                shown(first_refused, sh, sizeof sh), jobs_name,
                first_refused_line);
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
    free(first_refused);
    free(batch);
    free(pre);
    sim_metrics_free(&rp.met);
    sim_store_free(&rp.rows);
    if (rp.row)
        fclose(rp.row);
    free(rp.row_mem);
    sim_sorter_free(&rp.order);
    live_free(&rp.live);
    sim_sorter_free(&order);
    trace_close(&in);
    sim_track_free(&trk);
    free(h.v);
    free(cm.gpus);
    free(cm.best);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
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
