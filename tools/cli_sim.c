/*
 * gpusched sim: replay jobs in simulated time.
 *
 *   gpusched sim --topo SRC --jobs FILE [--accounts FILE] [--placement P]
 *                [--ordering fifo|priority|multifactor]
 *                [--backfill easy|conservative|none]
 *                [--backfill-interval SECONDS]
 *                [--preempt off|requeue|cancel] [--out FILE]
 *
 * Jobs: CSV with the columns id,submit,duration,time_limit,gpus,
 * gpus_per_node,user,account,priority,preemptible (a header names them, in
 * any order; without a header they are taken in that order and the first
 * five are required; docs/formats.md has the rules). A job runs for its
 * duration, or until its time limit if that comes first (it then ends as
 * failed: a timeout).
 *
 * Output: CSV id,submit,start,end,nodes,gpus,reason_if_never_started to
 * --out (or stdout), and a summary on stderr (stdout with --out).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct sim_job {
    size_t line; /* order in the file: breaks ties in submit time */
    char id[64], user[64], account[64];
    int64_t submit, duration, limit, priority;
    uint32_t gpus, gpn;
    int preemptible;
    uint64_t sid;      /* scheduler job id, 0 if refused */
    int64_t start, end;
    uint32_t epoch;    /* bumped at each start, to drop stale ends */
    char reason[200];
} sim_job;

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
       C_PRIORITY, C_PREEMPT, C_N };
static const char *const col_names[C_N] = {
    "id",    "submit",        "duration", "time_limit", "gpus",
    "gpus_per_node", "user",  "account",  "priority",   "preemptible"};

/* Split a CSV line in place into at most max fields, with their 1-based
 * columns in col[]. Fields may be quoted ("a,b", "say ""hi"""); blanks
 * around a field are dropped. Returns the field count, or -1 with *bad
 * the column of an unterminated quote or of text after a closing one. */
static int split(char *line, char **f, unsigned *col, int max, unsigned *bad)
{
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    int n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (n == max)
            return n;
        col[n] = (unsigned)(p - line) + 1;
        char *out = p;
        f[n] = p;
        if (*p == '"') {
            char *q = p + 1;
            for (;;) {
                if (!*q) {
                    *bad = col[n];
                    return -1;
                }
                if (*q == '"' && q[1] == '"') {
                    *out++ = '"';
                    q += 2;
                } else if (*q == '"') {
                    q++;
                    break;
                } else {
                    *out++ = *q++;
                }
            }
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q && *q != ',') {
                *bad = (unsigned)(q - line) + 1;
                return -1;
            }
            bool more = *q == ',';
            *out = '\0';
            n++;
            if (!more)
                return n;
            p = q + 1;
            continue;
        }
        char *c = strchr(p, ',');
        char *end = c ? c : p + strlen(p);
        while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        bool more = c != NULL;
        *end = '\0';
        n++;
        if (!more)
            return n;
        p = c + 1;
    }
}

/* Is this a column name (any case)? Its index, or -1. */
static int column_of(const char *name)
{
    for (int i = 0; i < C_N; i++)
        if (!strcasecmp(name, col_names[i]))
            return i;
    return -1;
}

static int parse_i64(const char *s, int64_t *out)
{
    if (!*s)
        return -1;
    char *e;
    errno = 0;
    double d = strtod(s, &e); /* "12", "12.0" and "1e3" all appear */
    if (*e || errno || d < -9e15 || d > 9e15)
        return -1;
    *out = (int64_t)d;
    return 0;
}

static sim_job *read_jobs(const char *prog, const char *path, size_t *count)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
        return NULL;
    }
    int map[C_N];
    for (int i = 0; i < C_N; i++)
        map[i] = i;
    int ncols = 0; /* fields in the header, 0 without one */
    sim_job *jobs = NULL;
    size_t n = 0, cap = 0;
    char line[4096];
    unsigned lineno = 0;
    bool ok = true, first = true;
    while (ok && fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            fprintf(stderr, "%s: %s:%u: line longer than %zu bytes\n", prog,
                    path, lineno, sizeof line - 2);
            ok = false;
            break;
        }
        const char *lead = line + strspn(line, " \t");
        if (*lead == '#' || *lead == '\n' || *lead == '\r' || !*lead)
            continue;
        char *fld[32];
        unsigned col[32], bad = 0;
        unsigned eol = (unsigned)strcspn(line, "\r\n") + 1;
        int nf = split(line, fld, col, 32, &bad);
        if (nf < 0) {
            fprintf(stderr, "%s: %s:%u:%u: unterminated quote or text after "
                    "a closing quote\n", prog, path, lineno, bad);
            ok = false;
            break;
        }
        if (first) {
            /* a header names the columns: any known name makes the line
             * one, and then every field must be a known name */
            first = false;
            int known = 0;
            for (int k = 0; k < nf; k++)
                known += column_of(fld[k]) >= 0;
            if (known > 0) {
                for (int i = 0; i < C_N; i++)
                    map[i] = -1;
                for (int k = 0; k < nf && ok; k++) {
                    int c = column_of(fld[k]);
                    if (c < 0 || map[c] >= 0) {
                        fprintf(stderr,
                                "%s: %s:%u:%u: %s column \"%s\" (the columns "
                                "are id, submit, duration, time_limit, gpus, "
                                "gpus_per_node, user, account, priority, "
                                "preemptible)\n",
                                prog, path, lineno, col[k],
                                c < 0 ? "unknown" : "duplicate", fld[k]);
                        ok = false;
                    } else {
                        map[c] = k;
                    }
                }
                for (int i = 0; i <= C_GPUS && ok; i++)
                    if (map[i] < 0 && i != C_ID && i != C_LIMIT) {
                        fprintf(stderr, "%s: %s:%u: no \"%s\" column\n", prog,
                                path, lineno, col_names[i]);
                        ok = false;
                    }
                ncols = nf;
                continue;
            }
        }
        if (ncols && nf > ncols) {
            fprintf(stderr, "%s: %s:%u:%u: %d fields, the header has %d\n",
                    prog, path, lineno, col[ncols], nf, ncols);
            ok = false;
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            sim_job *nj = realloc(jobs, cap * sizeof *nj);
            if (!nj) {
                ok = false;
                break;
            }
            jobs = nj;
        }
        sim_job *j = &jobs[n];
        memset(j, 0, sizeof *j);
        j->line = n;
        j->start = j->end = -1;
        int64_t v[C_N] = {0};
        for (int i = 0; i < C_N && ok; i++) {
            const char *s = map[i] >= 0 && map[i] < nf ? fld[map[i]] : "";
            if (i == C_ID) {
                snprintf(j->id, sizeof j->id, "%s", s);
            } else if (i == C_USER) {
                snprintf(j->user, sizeof j->user, "%s", s);
            } else if (i == C_ACCOUNT) {
                snprintf(j->account, sizeof j->account, "%s", s);
            } else if (i == C_PREEMPT) {
                j->preemptible = !strcmp(s, "1") || !strcmp(s, "true") ||
                                 !strcmp(s, "yes");
            } else if (*s || (i <= C_GPUS && i != C_LIMIT)) {
                /* an empty time limit means none, like 0 */
                if (parse_i64(s, &v[i]) != 0 || v[i] < 0) {
                    unsigned c = map[i] >= 0 && map[i] < nf
                                     ? col[map[i]]
                                     : eol;
                    fprintf(stderr,
                            "%s: %s:%u:%u: bad %s \"%s\" (%s)\n", prog, path,
                            lineno, c, col_names[i], s,
                            *s ? "want a whole number, 0 or more"
                               : "missing");
                    ok = false;
                }
            }
        }
        if (!ok)
            break;
        if (!*j->id)
            snprintf(j->id, sizeof j->id, "%zu", n + 1);
        j->submit = v[C_SUBMIT];
        j->duration = v[C_DURATION];
        j->limit = v[C_LIMIT];
        j->gpus = (uint32_t)v[C_GPUS];
        j->gpn = (uint32_t)v[C_GPN];
        j->priority = v[C_PRIORITY];
        n++;
    }
    fclose(f);
    if (!ok) {
        free(jobs);
        return NULL;
    }
    *count = n;
    return jobs;
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

/* ---- the replay ---------------------------------------------------------- */

int cli_sim(int argc, char **argv)
{
    const char *prog = "gpusched sim";
    const char *topo_src = NULL, *jobs_path = NULL, *acc = NULL, *out = NULL;
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    const char *flag_order = NULL, *flag_bf = NULL, *flag_pre = NULL;
    const char *flag_bfi = NULL;
    cli_topo_args ta;
    cli_topo_args_init(&ta);
    for (int i = 1; i < argc; i++) {
        int r = cli_topo_option(prog, argc, argv, &i, &ta);
        if (r < 0)
            return CLI_USAGE;
        if (r > 0)
            continue;
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "%s: %s needs a value\n", prog, a);
            return CLI_USAGE;
        }
        i++;
        if (!strcmp(a, "--topo"))
            topo_src = v;
        else if (!strcmp(a, "--jobs"))
            jobs_path = v;
        else if (!strcmp(a, "--accounts"))
            acc = v;
        else if (!strcmp(a, "--out"))
            out = v;
        else if (!strcmp(a, "--placement"))
            cfg.placement = v;
        else if (!strcmp(a, "--ordering")) {
            flag_order = v;
            if (!strcmp(v, "fifo"))
                cfg.ordering = GS_ORDER_FIFO;
            else if (!strcmp(v, "priority"))
                cfg.ordering = GS_ORDER_PRIORITY;
            else if (!strcmp(v, "multifactor"))
                cfg.ordering = GS_ORDER_MULTIFACTOR;
            else {
                fprintf(stderr, "%s: --ordering fifo|priority|multifactor\n",
                        prog);
                return CLI_USAGE;
            }
        } else if (!strcmp(a, "--backfill")) {
            flag_bf = v;
            if (!strcmp(v, "none"))
                cfg.backfill = GS_BACKFILL_NONE;
            else if (!strcmp(v, "easy"))
                cfg.backfill = GS_BACKFILL_EASY;
            else if (!strcmp(v, "conservative"))
                cfg.backfill = GS_BACKFILL_CONSERVATIVE;
            else {
                fprintf(stderr, "%s: --backfill easy|conservative|none\n",
                        prog);
                return CLI_USAGE;
            }
        } else if (!strcmp(a, "--backfill-interval")) {
            char *e;
            long secs = strtol(v, &e, 10);
            if (*e || !*v || secs < 0) {
                fprintf(stderr, "%s: --backfill-interval takes seconds\n",
                        prog);
                return CLI_USAGE;
            }
            flag_bfi = v;
        } else if (!strcmp(a, "--preempt")) {
            flag_pre = v;
            if (!strcmp(v, "off"))
                cfg.preempt = GS_PREEMPT_OFF;
            else if (!strcmp(v, "requeue"))
                cfg.preempt = GS_PREEMPT_REQUEUE;
            else if (!strcmp(v, "cancel"))
                cfg.preempt = GS_PREEMPT_CANCEL;
            else {
                fprintf(stderr, "%s: --preempt off|requeue|cancel\n", prog);
                return CLI_USAGE;
            }
        } else {
            fprintf(stderr, "%s: unknown argument '%s'\n", prog, a);
            return CLI_USAGE;
        }
    }
    if (!topo_src || !jobs_path) {
        fprintf(stderr,
                "usage: gpusched sim --topo SRC --jobs FILE [--accounts FILE] "
                "[--placement P]\n"
                "       [--ordering fifo|priority|multifactor] [--backfill "
                "easy|conservative|none]\n"
                "       [--backfill-interval SECONDS] [--preempt "
                "off|requeue|cancel] [--out FILE]\n");
        return CLI_USAGE;
    }
    if (cfg.placement && !gs_placement_find(cfg.placement)) {
        fprintf(stderr, "%s: unknown placement policy '%s'\n", prog,
                cfg.placement);
        return CLI_USAGE;
    }
    size_t nj = 0;
    sim_job *jobs = read_jobs(prog, jobs_path, &nj);
    if (!jobs)
        return CLI_FAIL;
    gs_topo *t = cli_load_topo(prog, topo_src, &ta);
    if (!t) {
        free(jobs);
        return CLI_FAIL;
    }
    int rc = CLI_OK;
    gs_sched *s = NULL;
    heap h = {0};
    uint32_t *by_sid = NULL;
    FILE *fo = NULL;
    if (gs_sched_create(&s, t, &cfg) != GS_OK) {
        fprintf(stderr, "%s: %s\n", prog, gs_sched_errmsg(s));
        rc = CLI_FAIL;
        goto done;
    }
    if (acc) {
        size_t len;
        char *text = cli_read_file(prog, acc, &len);
        if (!text) {
            rc = CLI_FAIL;
            goto done;
        }
        gs_status st = gs_sched_configure(s, text, len, acc);
        free(text);
        if (st != GS_OK) {
            fprintf(stderr, "%s: %s\n", prog, gs_sched_errmsg(s));
            rc = CLI_FAIL;
            goto done;
        }
        /* flags given on the command line win over the file */
        char over[256];
        snprintf(over, sizeof over, "{%s%s%s%s%s%s%s%s%s}",
                 flag_order ? "\"ordering\": \"" : "",
                 flag_order ? flag_order : "", flag_order ? "\"" : "",
                 flag_bf ? (flag_order ? ", \"backfill\": \"" : "\"backfill\": \"")
                         : "",
                 flag_bf ? flag_bf : "", flag_bf ? "\"" : "",
                 flag_pre ? ((flag_order || flag_bf) ? ", \"preemption\": \""
                                                     : "\"preemption\": \"")
                          : "",
                 flag_pre ? flag_pre : "", flag_pre ? "\"" : "");
        if (gs_sched_configure(s, over, strlen(over), "command line") !=
            GS_OK) {
            fprintf(stderr, "%s: %s\n", prog, gs_sched_errmsg(s));
            rc = CLI_FAIL;
            goto done;
        }
    }
    if (flag_bfi) {
        char over[96];
        snprintf(over, sizeof over, "{\"backfill\": {\"interval\": %s}}",
                 flag_bfi);
        if (gs_sched_configure(s, over, strlen(over), "command line") !=
            GS_OK) {
            fprintf(stderr, "%s: %s\n", prog, gs_sched_errmsg(s));
            rc = CLI_FAIL;
            goto done;
        }
    }
    qsort(jobs, nj, sizeof *jobs, cmp_submit);
    by_sid = calloc(nj + 2, sizeof *by_sid);
    if (!by_sid) {
        rc = CLI_FAIL;
        goto done;
    }
    size_t next = 0, ended = 0, n_started = 0, n_preempted = 0;
    size_t n_requeued = 0;
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
        /* ends first (their GPUs are free for the jobs that arrive now) */
        while (h.n && h.v[0].t == now) {
            ev e = heap_pop(&h);
            sim_job *j = &jobs[e.job];
            if (j->epoch != e.epoch)
                continue;
            bool timeout = j->limit && j->duration > j->limit;
            if (timeout)
                gs_sched_fail(s, j->sid, now);
            else
                gs_sched_complete(s, j->sid, now);
            gpu_seconds += (double)(now - j->start) * j->gpus;
            j->end = now;
            if (timeout)
                snprintf(j->reason, sizeof j->reason, "timeout");
            last_end = now > last_end ? now : last_end;
            ended++;
        }
        while (next < nj && jobs[next].submit == now) {
            sim_job *j = &jobs[next];
            gs_job_spec spec;
            gs_job_spec_init(&spec);
            spec.name = j->id;
            spec.gpus = j->gpus;
            spec.gpus_per_node = j->gpn;
            spec.time_limit = j->limit;
            spec.submit_time = j->submit;
            spec.user = *j->user ? j->user : NULL;
            spec.account = *j->account ? j->account : NULL;
            spec.priority = j->priority;
            spec.preemptible = j->preemptible;
            if (gs_sched_submit(s, &spec, &j->sid) != GS_OK) {
                snprintf(j->reason, sizeof j->reason, "%s",
                         gs_sched_errmsg(s));
                j->sid = 0;
            } else {
                by_sid[j->sid] = (uint32_t)next;
            }
            next++;
        }
        gs_sched_step(s, now, NULL);
        for (size_t i = 0; i < gs_sched_event_count(s); i++) {
            gs_event e;
            e.struct_size = sizeof e;
            gs_sched_event(s, i, &e);
            sim_job *j = &jobs[by_sid[e.job]];
            if (e.kind == GS_EVENT_STARTED) {
                j->start = now;
                j->end = -1;
                j->epoch++;
                n_started++;
                int64_t run = j->duration;
                if (j->limit && run > j->limit)
                    run = j->limit;
                if (heap_push(&h, (ev){now + run, by_sid[e.job],
                                       j->epoch}) != 0) {
                    rc = CLI_FAIL;
                    goto done;
                }
            } else if (e.kind == GS_EVENT_PREEMPTED) {
                gpu_seconds += (double)(now - j->start) * j->gpus;
                j->epoch++; /* its pending end is stale */
                j->end = now;
                snprintf(j->reason, sizeof j->reason, "preempted");
                n_preempted++;
            } else if (e.kind == GS_EVENT_REQUEUED) {
                n_requeued++;
                j->end = -1;
                j->reason[0] = '\0';
            }
        }
    }
    (void)ended;
    /* what never started, and why */
    for (size_t i = 0; i < nj; i++) {
        sim_job *j = &jobs[i];
        if (j->sid && j->start < 0 && !*j->reason)
            gs_sched_job_reason_text(s, j->sid, j->reason, sizeof j->reason,
                                     NULL);
    }
    fo = out ? fopen(out, "w") : stdout;
    if (!fo) {
        fprintf(stderr, "%s: %s: %s\n", prog, out, strerror(errno));
        rc = CLI_FAIL;
        goto done;
    }
    fprintf(fo, "id,submit,start,end,nodes,gpus,reason_if_never_started\n");
    int64_t *waits = malloc((nj + 1) * sizeof *waits);
    size_t nw = 0;
    int64_t first_submit = nj ? jobs[0].submit : 0;
    for (size_t i = 0; i < nj; i++) {
        sim_job *j = &jobs[i];
        csv_field(fo, j->id, false);
        fprintf(fo, ",%lld,", (long long)j->submit);
        if (j->start >= 0)
            fprintf(fo, "%lld,", (long long)j->start);
        else
            fprintf(fo, ",");
        if (j->end >= 0)
            fprintf(fo, "%lld,", (long long)j->end);
        else
            fprintf(fo, ",");
        uint32_t nn = j->sid ? gs_sched_alloc_node_count(s, j->sid) : 0;
        for (uint32_t k = 0; k < nn && j->start >= 0; k++) {
            gs_alloc_node an;
            an.struct_size = sizeof an;
            gs_sched_alloc_node(s, j->sid, k, &an);
            fprintf(fo, "%s%s", k ? ";" : "", gs_topo_node_name(t, an.node));
        }
        fprintf(fo, ",%u,", j->gpus);
        if (j->start < 0 || strcmp(j->reason, "timeout") == 0 ||
            strcmp(j->reason, "preempted") == 0) {
            csv_field(fo, j->reason, true); /* reasons hold commas */
        }
        fputc('\n', fo);
        if (j->start >= 0 && waits)
            waits[nw++] = j->start - j->submit;
    }
    if (fo != stdout)
        fclose(fo);
    fo = NULL;
    FILE *sum = out ? stdout : stderr;
    double mean = 0;
    for (size_t i = 0; i < nw; i++)
        mean += (double)waits[i];
    mean = nw ? mean / nw : 0;
    if (waits)
        qsort(waits, nw, sizeof *waits, cmp_i64);
    double median = nw ? (nw % 2 ? (double)waits[nw / 2]
                                 : (waits[nw / 2 - 1] + waits[nw / 2]) / 2.0)
                       : 0;
    /* nearest rank: the smallest wait that at least 95% of jobs meet */
    double p95 = nw ? (double)waits[(nw * 95 + 99) / 100 - 1] : 0;
    int64_t makespan = last_end - first_submit;
    double util = makespan > 0 && gs_topo_gpu_count(t)
                      ? gpu_seconds / ((double)gs_topo_gpu_count(t) * makespan)
                      : 0;
    fprintf(sum,
            "jobs %zu, started %zu, never started %zu\n"
            "wait: mean %.1f s, median %.1f s, p95 %.1f s\n"
            "makespan %lld s, GPU utilization %.1f%%\n",
            nj, nw, nj - nw, mean, median, p95, (long long)makespan,
            100.0 * util);
    if (n_preempted)
        fprintf(sum, "preemptions: %zu (%zu requeued)\n", n_preempted,
                n_requeued);
    free(waits);
    (void)n_started;
done:
    if (fo && fo != stdout)
        fclose(fo);
    free(h.v);
    free(by_sid);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
    free(jobs);
    return rc;
}
