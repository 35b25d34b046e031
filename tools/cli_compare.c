/*
 * gpusched compare: one trace replayed under several policy combinations
 * (placement x ordering x backfill x preemption), one table out.
 *
 *   gpusched compare --topo SRC --jobs FILE [--accounts FILE]
 *                    [--placement LIST] [--ordering LIST] [--backfill LIST]
 *                    [--preempt LIST] [--comm-fraction F] [--split]
 *                    [--any-model] [--auto-accounts] [--runs DIR]
 *                    [--parallel N] [--csv | --json] [--out FILE]
 *
 * Each combination is one `gpusched sim` run, in a worker process (at
 * most --parallel at once): the worker parses the run's own sim command
 * line and runs it, so a comparison replays exactly what `gpusched sim`
 * would, and the figures come back in memory the processes share
 * (sim_report). With --runs DIR each run's job CSV, JSON summary and
 * summary text are kept there (for tools/gpusched-plot). On a terminal a
 * progress line says how far the runs are.
 * SPDX-License-Identifier: Apache-2.0
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "cli.h"
#include "sim_metrics.h"
#include "sim_spill.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { C_JOBS, C_ACCOUNTS, C_PLACEMENT, C_ORDERING, C_BACKFILL, C_PREEMPT,
       C_COMM, C_SPLIT, C_ANY_MODEL, C_AUTO, C_RUNS, C_PARALLEL, C_CSV };

#define MAX_VALUES 8 /* per list */
#define MAX_PARALLEL 64

static const cli_option compare_options[] = {
    CLI_OPTION_TOPO(NULL, CLI_REQUIRED),
    {C_JOBS, "--jobs", NULL, "FILE", NULL,
     "the job trace, CSV (docs/formats.md); a file, read by every run",
     CLI_REQUIRED},
    {C_ACCOUNTS, "--accounts", NULL, "FILE", "none",
     "accounts and scheduler configuration, JSON (as gpusched sim)", 0},
    {C_PLACEMENT, "--placement", "--policy", "LIST", "nvlink-pack",
     "placement policies, separated by commas (first-fit, best-fit, "
     "spread, nvlink-pack, frag-aware, fgd)",
     0},
    {C_ORDERING, "--ordering", NULL, "LIST", "multifactor",
     "orderings, separated by commas (fifo, priority, multifactor)", 0},
    {C_BACKFILL, "--backfill", NULL, "LIST", "none",
     "backfill modes, separated by commas (none, easy, conservative)", 0},
    {C_PREEMPT, "--preempt", NULL, "LIST", "off",
     "preemption modes, separated by commas (off, requeue, cancel)", 0},
    {C_COMM, "--comm-fraction", NULL, "F|LIST", "0 (off)",
     "the run-time model of every run (gpusched sim --comm-fraction)", 0},
    {C_SPLIT, "--split", NULL, NULL, "off", "gpusched sim --split", 0},
    {C_ANY_MODEL, "--any-model", NULL, NULL, "off",
     "gpusched sim --any-model", 0},
    {C_AUTO, "--auto-accounts", NULL, NULL, "off",
     "gpusched sim --auto-accounts", 0},
    {C_RUNS, "--runs", NULL, "DIR", "none (kept nowhere)",
     "keep each run's outputs in DIR (made if missing): NAME.csv (the "
     "jobs), NAME.json (--summary) and NAME.txt (the summary text), NAME "
     "being placement_ordering_backfill_preempt; gpusched-plot DIR draws "
     "them",
     0},
    {C_PARALLEL, "--parallel", NULL, "N", "the CPUs this process may use",
     "runs at once, 1 to 64", 0},
    {C_CSV, "--csv", NULL, NULL, "off", "write the table as CSV", 0},
    CLI_OPTION_JSON("write the table as JSON: {\"runs\": [{\"name\", "
                    "\"placement\", \"ordering\", \"backfill\", \"preempt\", "
                    "\"status\", \"seconds\", the figures}...]}"),
    CLI_OPTION_OUT,
    {.name = NULL}};

/* One run: its policies, and what it reported. */
typedef struct run {
    const char *placement, *ordering, *backfill, *preempt;
    char name[160];
    int state;  /* 0 waiting, 1 running, 2 ended */
    int status; /* its exit status (sim's: 0, 3 refused jobs, 1 failed) */
    double seconds;
    sim_report rep;
} run;

typedef struct list {
    char *buf;
    const char *v[MAX_VALUES];
    size_t n;
} list;

/* Split a comma list; each value must be one of allowed (NULL-ended) or,
 * for placements, a registered policy. CLI_OK or CLI_USAGE. */
static int split_list(cli_args *a, const char *opt, const char *text,
                      const char *const *allowed, list *l)
{
    l->buf = strdup(text);
    if (!l->buf)
        return cli_fail(a, "out of memory");
    l->n = 0;
    for (char *save = NULL, *p = strtok_r(l->buf, ",", &save); p;
         p = strtok_r(NULL, ",", &save)) {
        if (l->n == MAX_VALUES)
            return cli_usage_error(a, "%s: at most %d values", opt,
                                   MAX_VALUES);
        bool ok = !allowed;
        for (size_t i = 0; allowed && allowed[i]; i++)
            ok |= !strcmp(p, allowed[i]);
        if (!allowed && cli_check_placement(a, p) != CLI_OK)
            return CLI_USAGE;
        if (!ok)
            return cli_usage_error(a, "%s: unknown value '%s'", opt, p);
        for (size_t i = 0; i < l->n; i++)
            if (!strcmp(l->v[i], p))
                return cli_usage_error(a, "%s: '%s' given twice", opt, p);
        l->v[l->n++] = p;
    }
    if (!l->n)
        return cli_usage_error(a, "%s '%s': want values separated by "
                                  "commas",
                               opt, text);
    return CLI_OK;
}

/* The run's gpusched sim command line, and run it in this process (a
 * worker). Its figures land in r->rep. Returns sim's exit status. */
/* The parser takes char *argv[] and only reads it. */
static char *unconst(const char *s)
{
    union {
        const char *c;
        char *m;
    } u = {.c = s};
    return u.m;
}

static int run_sim(const cli_args *a, run *r, const char *dir)
{
    const char *argv[64 + 2 * CLI_MAX_REPEAT];
    char *args[64 + 2 * CLI_MAX_REPEAT];
    int n = 0;
    char out[4096], sum[4096], txt[4096];
    argv[n++] = "sim";
    argv[n++] = "--topo";
    argv[n++] = a->val[CLI_O_TOPO];
    argv[n++] = "--jobs";
    argv[n++] = a->val[C_JOBS];
    if (a->val[C_ACCOUNTS]) {
        argv[n++] = "--accounts";
        argv[n++] = a->val[C_ACCOUNTS];
    }
    argv[n++] = "--placement";
    argv[n++] = r->placement;
    argv[n++] = "--ordering";
    argv[n++] = r->ordering;
    argv[n++] = "--backfill";
    argv[n++] = r->backfill;
    argv[n++] = "--preempt";
    argv[n++] = r->preempt;
    if (a->val[C_COMM]) {
        argv[n++] = "--comm-fraction";
        argv[n++] = a->val[C_COMM];
    }
    if (cli_given(a, C_SPLIT))
        argv[n++] = "--split";
    if (cli_given(a, C_ANY_MODEL))
        argv[n++] = "--any-model";
    if (cli_given(a, C_AUTO))
        argv[n++] = "--auto-accounts";
    if (a->val[CLI_O_MAX_INPUT]) {
        argv[n++] = "--max-input";
        argv[n++] = a->val[CLI_O_MAX_INPUT];
    }
    /* the topology options, as given */
    static const struct {
        int id;
        const char *name;
    } topo_opts[] = {{CLI_O_FORMAT, "--format"},
                     {CLI_O_HOSTNAME, "--hostname"}};
    for (size_t i = 0; i < sizeof topo_opts / sizeof *topo_opts; i++)
        if (a->val[topo_opts[i].id]) {
            argv[n++] = topo_opts[i].name;
            argv[n++] = a->val[topo_opts[i].id];
        }
    for (size_t i = 0; i < a->nrepeat; i++)
        if (a->repeat_id[i] == CLI_O_NODE_TEMPLATE) {
            argv[n++] = "--node-template";
            argv[n++] = a->repeat[i];
        }
    argv[n++] = "--quiet";
    argv[n++] = "--out";
    if (dir) {
        snprintf(out, sizeof out, "%s/%s.csv", dir, r->name);
        snprintf(sum, sizeof sum, "%s/%s.json", dir, r->name);
        snprintf(txt, sizeof txt, "%s/%s.txt", dir, r->name);
        argv[n++] = out;
        argv[n++] = "--summary";
        argv[n++] = sum;
    } else {
        argv[n++] = "/dev/null";
    }
    argv[n] = NULL;
    /* the summary text goes to standard output: into NAME.txt, or away */
    int fd = open(dir ? txt : "/dev/null",
                  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) {
        fprintf(stderr, "%s: %s: cannot write there: %s\n", a->prog,
                dir ? txt : "/dev/null", strerror(errno));
        return CLI_FAIL;
    }
    close(fd);
    for (int i = 0; i <= n; i++)
        args[i] = unconst(argv[i]);
    cli_args sa;
    int rc = cli_parse(&cli_cmd_sim, n, args, &sa);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? CLI_FAIL : rc;
    /* its messages name the run */
    snprintf(sa.prog, sizeof sa.prog, "gpusched sim (%.40s)", r->name);
    sim_report_to = &r->rep;
    rc = cli_cmd_sim.run(&sa);
    rc = cli_close_output(&sa, rc);
    if (fflush(stdout) != 0)
        rc = CLI_FAIL;
    return rc;
}

typedef struct shared {
    int next; /* the next run to take */
    run runs[];
} shared;

static void progress_line(const cli_args *a, const shared *sh, size_t n,
                          double t0)
{
    size_t ended = 0, done = 0, total = 0;
    for (size_t i = 0; i < n; i++) {
        const run *r = &sh->runs[i];
        int st = __atomic_load_n(&r->state, __ATOMIC_ACQUIRE);
        ended += st == 2;
        total += r->rep.total;
        done += st == 2 ? r->rep.total : st == 1 ? r->rep.done : 0;
    }
    /* runs not started yet count as their peers' size */
    double f = total && ended < n ? (double)done / (double)total : 1;
    size_t started = 0;
    for (size_t i = 0; i < n; i++)
        started += sh->runs[i].state != 0;
    if (started < n && started)
        f *= (double)started / (double)n;
    double t = cli_now_seconds() - t0;
    /* one write: a run's messages (show_messages) never land inside it */
    char line[512];
    int len = snprintf(line, sizeof line,
                       "\r%s: %zu of %zu runs done, %.0f%% of the jobs, "
                       "%.0f s",
                       a->prog, ended, n, 100 * f, t);
    if (len > 0 && (size_t)len < sizeof line && f > 0.01 && f < 1)
        len += snprintf(line + len, sizeof line - (size_t)len,
                        ", about %.0f s to go", t * (1 - f) / f);
    if (len > 0 && (size_t)len < sizeof line)
        len += snprintf(line + len, sizeof line - (size_t)len, "\033[K");
    if (len > 0 && (size_t)len < sizeof line)
        (void)cli_write_all(STDERR_FILENO, line, (size_t)len);
}

/* Most of a run's messages shown (the rest are counted). */
#define MESSAGES_MAX ((size_t)64 << 10)

/* A run's messages, kept in f while the progress line was drawn: on a
 * line of their own, in one write. */
static void show_messages(FILE *f)
{
    long size = ftell(f);
    if (size <= 0)
        return;
    size_t len = (size_t)size < MESSAGES_MAX ? (size_t)size : MESSAGES_MAX;
    size_t cap = 4 + len + 64; /* the clearing, the text, the count */
    char *buf = malloc(cap);
    if (!buf || fseek(f, 0, SEEK_SET) != 0) {
        free(buf);
        return;
    }
    memcpy(buf, "\r\033[K", 4);
    size_t got = fread(buf + 4, 1, len, f), n = 4 + got;
    if (got < (size_t)size)
        n += (size_t)snprintf(buf + n, cap - n,
                              "(%ld more bytes of messages)\n",
                              size - (long)got);
    (void)cli_write_all(STDERR_FILENO, buf, n);
    free(buf);
}

static void worker(const cli_args *a, shared *sh, size_t n, const char *dir,
                   bool show)
{
    for (;;) {
        int i = __atomic_fetch_add(&sh->next, 1, __ATOMIC_SEQ_CST);
        if (i < 0 || (size_t)i >= n)
            return;
        run *r = &sh->runs[i];
        double t0 = cli_now_seconds();
        __atomic_store_n(&r->state, 1, __ATOMIC_RELEASE);
        /* under a progress line, the run's messages wait for its end */
        FILE *msgs = show ? sim_tmpfile() : NULL;
        pid_t pid = fork();
        if (pid == 0) {
            if (msgs)
                dup2(fileno(msgs), STDERR_FILENO);
            _exit(run_sim(a, r, dir));
        }
        int status = 0;
        while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        r->status = pid < 0 ? CLI_FAIL
                    : WIFEXITED(status) ? WEXITSTATUS(status)
                                        : 128 + WTERMSIG(status);
        r->seconds = cli_now_seconds() - t0;
        if (msgs) {
            fseek(msgs, 0, SEEK_END); /* the child wrote through its fd */
            show_messages(msgs);
            fclose(msgs);
        }
        __atomic_store_n(&r->state, 2, __ATOMIC_RELEASE);
    }
}

/* What each worker process and the progress line need. */
typedef struct workers {
    const cli_args *a;
    shared *sh;
    size_t n;
    const char *dir;
    double t0;
    bool show; /* a progress line is drawn */
} workers;

static int work(void *arg)
{
    const workers *w = arg;
    worker(w->a, w->sh, w->n, w->dir, w->show);
    return 0;
}

static void tick(void *arg)
{
    const workers *w = arg;
    progress_line(w->a, w->sh, w->n, w->t0);
}

static void print_text(FILE *f, const run *runs, size_t n)
{
    fprintf(f, "%-12s %-11s %-12s %-7s %9s %9s %9s %9s %8s %8s %6s %6s "
               "%8s %5s %6s\n",
            "placement", "ordering", "backfill", "preempt", "wait", "wait",
            "JCT", "JCT", "slowdown", "slowdown", "util", "queue",
            "stranded", "best", "run");
    fprintf(f, "%-12s %-11s %-12s %-7s %9s %9s %9s %9s %8s %8s %6s %6s "
               "%8s %5s %6s\n",
            "", "", "", "", "mean s", "p95 s", "mean s", "p99 s", "mean",
            "p95", "%", "mean", "GPUs", "set %", "s");
    for (size_t i = 0; i < n; i++) {
        const run *r = &runs[i];
        fprintf(f, "%-12s %-11s %-12s %-7s ", r->placement, r->ordering,
                r->backfill, r->preempt);
        if (r->status != 0 && r->status != 3) {
            fprintf(f, "failed (exit status %d)\n", r->status);
            continue;
        }
        const sim_report *p = &r->rep;
        fprintf(f, "%9.1f %9.1f %9.1f %9.1f %8.2f %8.2f %6.1f %6.2f %8.2f ",
                p->wait.mean, p->wait.p95, p->jct.mean, p->jct.p99,
                p->slowdown.mean, p->slowdown.p95, 100 * p->util,
                p->queue_mean, p->stranded_mean);
        if (p->multi)
            fprintf(f, "%5.1f", 100.0 * (double)p->on_best / (double)p->multi);
        else
            fprintf(f, "%5s", "-");
        fprintf(f, " %6.1f%s\n", r->seconds,
                r->status == 3 ? " (jobs refused)" : "");
    }
}

static void print_csv(FILE *f, const run *runs, size_t n)
{
    fputs("name,placement,ordering,backfill,preempt,status,jobs,started,"
          "never_started,refused,wait_mean,wait_median,wait_p95,wait_p99,"
          "jct_mean,jct_median,jct_p95,jct_p99,slowdown_mean,"
          "slowdown_median,slowdown_p95,slowdown_p99,makespan,"
          "gpu_utilization,queue_mean,free_gpus_while_waiting_mean,"
          "stranded_gpus_mean,multi_gpu_jobs,on_best_set,seconds\n",
          f);
    for (size_t i = 0; i < n; i++) {
        const run *r = &runs[i];
        const sim_report *p = &r->rep;
        fprintf(f, "%s,%s,%s,%s,%s,%d,", r->name, r->placement, r->ordering,
                r->backfill, r->preempt, r->status);
        if (r->status != 0 && r->status != 3) {
            fputs(",,,,,,,,,,,,,,,,,,,,,,,", f);
            fprintf(f, "%.3f\n", r->seconds);
            continue;
        }
        fprintf(f, "%zu,%zu,%zu,%zu,", p->jobs, p->started, p->never,
                p->refused);
        const sim_dist *d[3] = {&p->wait, &p->jct, &p->slowdown};
        for (int k = 0; k < 3; k++)
            fprintf(f, "%.15g,%.15g,%.15g,%.15g,", d[k]->mean, d[k]->median,
                    d[k]->p95, d[k]->p99);
        fprintf(f, "%lld,%.15g,%.15g,%.15g,%.15g,%zu,%zu,%.3f\n",
                (long long)p->makespan, p->util, p->queue_mean,
                p->free_wait_mean, p->stranded_mean, p->multi, p->on_best,
                r->seconds);
    }
}

static void print_json(FILE *f, const run *runs, size_t n)
{
    fputs("{\"runs\": [", f);
    for (size_t i = 0; i < n; i++) {
        const run *r = &runs[i];
        const sim_report *p = &r->rep;
        fputs(i ? ",\n  {\"name\": " : "\n  {\"name\": ", f);
        cli_json_string(f, r->name);
        fprintf(f, ", \"placement\": \"%s\", \"ordering\": \"%s\", "
                   "\"backfill\": \"%s\", \"preempt\": \"%s\", \"status\": "
                   "%d, \"seconds\": ",
                r->placement, r->ordering, r->backfill, r->preempt,
                r->status);
        cli_json_number(f, r->seconds);
        if (r->status != 0 && r->status != 3) {
            fputc('}', f);
            continue;
        }
        fprintf(f, ", \"jobs\": %zu, \"started\": %zu, \"never_started\": "
                   "%zu, \"refused\": %zu, \"makespan\": %lld, "
                   "\"gpu_utilization\": ",
                p->jobs, p->started, p->never, p->refused,
                (long long)p->makespan);
        cli_json_number(f, p->util);
        fputs(", \"queue_mean\": ", f);
        cli_json_number(f, p->queue_mean);
        fputs(", \"free_gpus_while_waiting_mean\": ", f);
        cli_json_number(f, p->free_wait_mean);
        fputs(", \"stranded_gpus_mean\": ", f);
        cli_json_number(f, p->stranded_mean);
        fprintf(f, ", \"multi_gpu_jobs\": %zu, \"on_best_set\": %zu",
                p->multi, p->on_best);
        const sim_dist *d[3] = {&p->wait, &p->jct, &p->slowdown};
        const char *keys[3] = {"wait", "jct", "slowdown"};
        for (int k = 0; k < 3; k++) {
            fputs(", ", f);
            sim_json_dist(f, keys[k], d[k]);
        }
        fputc('}', f);
    }
    fputs("\n]}\n", f);
}

static int compare(cli_args *a)
{
    static const char *const orderings[] = {"fifo", "priority", "multifactor",
                                            NULL};
    static const char *const backfills[] = {"none", "easy", "conservative",
                                            NULL};
    static const char *const preempts[] = {"off", "requeue", "cancel", NULL};
    const char *topo = a->val[CLI_O_TOPO], *jobs = a->val[C_JOBS];
    if (!strcmp(topo, "-") || !strcmp(jobs, "-") ||
        (a->val[C_ACCOUNTS] && !strcmp(a->val[C_ACCOUNTS], "-")))
        return cli_usage_error(a, "every run reads the topology, the trace "
                                  "and the accounts again: give files, not "
                                  "- (standard input)");
    /* found before any run starts */
    const char *inputs[2] = {jobs, a->val[C_ACCOUNTS]};
    for (int i = 0; i < 2; i++)
        if (inputs[i] && access(inputs[i], R_OK) != 0)
            return cli_fail(a, "%s %s: cannot read it: %s",
                            i ? "--accounts" : "--jobs", inputs[i],
                            strerror(errno));
    if (cli_given(a, C_CSV) && cli_given(a, CLI_O_JSON))
        return cli_usage_error(a, "--csv and --json: choose one");
    if (a->val[C_COMM]) {
        sim_comm c;
        char why[160];
        if (sim_comm_parse(a->val[C_COMM], &c, why, sizeof why) != 0)
            return cli_usage_error(a, "--comm-fraction '%s': %s",
                                   a->val[C_COMM], why);
    }
    uint64_t parallel = 0;
    if (a->val[C_PARALLEL] &&
        (cli_parse_u64(a->val[C_PARALLEL], MAX_PARALLEL, &parallel) != 0 ||
         parallel < 1))
        return cli_usage_error(a, "--parallel '%s': want a whole number "
                                  "from 1 to %d",
                               a->val[C_PARALLEL], MAX_PARALLEL);
    if (!parallel) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        parallel = cpus > 0 ? (uint64_t)cpus : 1;
        if (parallel > MAX_PARALLEL)
            parallel = MAX_PARALLEL;
    }
    list l[4] = {{0}};
    int rc = CLI_OK;
    shared *sh = MAP_FAILED;
    size_t n = 0, sh_size = 0;
    const char *dir = a->val[C_RUNS];
    if ((rc = split_list(a, "--placement",
                         a->val[C_PLACEMENT] ? a->val[C_PLACEMENT]
                                             : "nvlink-pack",
                         NULL, &l[0])) != CLI_OK ||
        (rc = split_list(a, "--ordering",
                         a->val[C_ORDERING] ? a->val[C_ORDERING]
                                            : "multifactor",
                         orderings, &l[1])) != CLI_OK ||
        (rc = split_list(a, "--backfill",
                         a->val[C_BACKFILL] ? a->val[C_BACKFILL] : "none",
                         backfills, &l[2])) != CLI_OK ||
        (rc = split_list(a, "--preempt",
                         a->val[C_PREEMPT] ? a->val[C_PREEMPT] : "off",
                         preempts, &l[3])) != CLI_OK)
        goto done;
    if (dir && mkdir(dir, 0777) != 0 && errno != EEXIST) {
        rc = cli_fail(a, "--runs %s: cannot make the directory: %s", dir,
                      strerror(errno));
        goto done;
    }
    if (dir) {
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
            access(dir, W_OK | X_OK) != 0) {
            rc = cli_fail(a, "--runs %s: not a directory this process can "
                             "write",
                          dir);
            goto done;
        }
    }
    if ((rc = cli_open_output(a)) != CLI_OK)
        goto done;
    n = l[0].n * l[1].n * l[2].n * l[3].n;
    sh_size = sizeof *sh + n * sizeof(run);
    sh = mmap(NULL, sh_size, PROT_READ | PROT_WRITE,
              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        rc = cli_fail(a, "cannot share memory with the workers: %s",
                      strerror(errno));
        goto done;
    }
    memset(sh, 0, sh_size);
    size_t k = 0;
    for (size_t p = 0; p < l[0].n; p++)
        for (size_t o = 0; o < l[1].n; o++)
            for (size_t b = 0; b < l[2].n; b++)
                for (size_t e = 0; e < l[3].n; e++, k++) {
                    run *r = &sh->runs[k];
                    r->placement = l[0].v[p];
                    r->ordering = l[1].v[o];
                    r->backfill = l[2].v[b];
                    r->preempt = l[3].v[e];
                    snprintf(r->name, sizeof r->name, "%s_%s_%s_%s",
                             r->placement, r->ordering, r->backfill,
                             r->preempt);
                }
    if (parallel > n)
        parallel = n;
    bool show = isatty(STDERR_FILENO);
    double t0 = cli_now_seconds();
    workers w = {a, sh, n, dir, t0, show};
    /* a worker that dies leaves its run unfinished: it counts as failed
     * below */
    if (cli_run_workers(a, (unsigned)parallel, work, show ? tick : NULL, &w,
                        NULL) < 0)
        rc = CLI_FAIL;
    if (rc != CLI_OK)
        goto done;
    size_t failed = 0, refused = 0;
    for (size_t i = 0; i < n; i++) {
        /* a run a worker never took (it died) failed too */
        if (sh->runs[i].state != 2)
            sh->runs[i].status = CLI_FAIL;
        failed += sh->runs[i].status != 0 && sh->runs[i].status != 3;
        refused += sh->runs[i].status == 3;
    }
    if (cli_given(a, CLI_O_JSON))
        print_json(a->out, sh->runs, n);
    else if (cli_given(a, C_CSV))
        print_csv(a->out, sh->runs, n);
    else
        print_text(a->out, sh->runs, n);
    if (failed) {
        fprintf(stderr, "%s: %zu of %zu runs failed (their messages are "
                        "above)\n",
                a->prog, failed, n);
        rc = CLI_FAIL;
    } else if (refused) {
        fprintf(stderr, "%s: jobs were refused at submission in %zu run%s "
                        "(gpusched sim names them)\n",
                a->prog, refused, refused == 1 ? "" : "s");
        rc = 3;
    }
done:
    if (sh != MAP_FAILED)
        munmap(sh, sh_size);
    for (int i = 0; i < 4; i++)
        free(l[i].buf);
    return rc;
}

const cli_command cli_cmd_compare = {
    .path = "compare",
    .synopsis = "--topo SRC --jobs FILE [--placement LIST] [--ordering "
                "LIST] [--backfill LIST] [options]",
    .summary = "replay one trace under several policies, one table out",
    .description =
        "Replay one job trace under every combination of the placement "
        "policies, orderings, backfill and preemption modes given (lists "
        "separated by commas), each run a gpusched sim in a worker process, "
        "--parallel at once, and write one table: per run the wait "
        "(mean, p95), JCT (mean, p99), bounded slowdown (mean, p95), GPU "
        "utilization, the mean queue, GPUs stranded by fragmentation, the "
        "share of multi-GPU jobs on their best set and the run's seconds "
        "(docs/sim.md defines each). --csv and --json write every figure. "
        "--runs DIR keeps each run's job CSV and JSON summary for "
        "gpusched-plot. On a terminal a progress line shows the runs done, "
        "the share of the jobs replayed and the time left.",
    .options = compare_options,
    .groups = CLI_GROUP_TOPO | CLI_GROUP_INPUT,
    .exit_status = "0 every run replayed, 3 jobs were refused at submission "
                   "in some run, 1 a run failed (its message is shown) or "
                   "the output cannot be written, 2 bad arguments.",
    .examples = "gpusched compare --topo cluster.json --jobs trace.csv "
                "--placement first-fit,nvlink-pack --backfill none,easy\n"
                "gpusched compare --topo c.json --jobs t.csv --ordering "
                "fifo,multifactor --runs out/ --csv --out table.csv",
    .run = compare,
};
