/*
 * gpusched-slurm: place the GPU jobs of an unpatched Slurm cluster with
 * gpusched (docs/slurm.md).
 *
 *   gpusched-slurm --config FILE [--once] [--dry-run] [--log FILE] [-v]
 *   gpusched-slurm --config FILE --release-all
 *
 * job_submit.lua holds every job that asks for GPUs (priority 0) and records
 * its request in admin_comment. Each pass reads Slurm's nodes and jobs,
 * decides with gpusched (gss_decide) and releases the jobs that start onto
 * exact nodes and GPUs (one GRES type per GPU), in one update each; jobs
 * that wait get gpusched's reason in their comment (squeue -o %k).
 */
#define _DEFAULT_SOURCE
#include "gss.h"

#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>
#include <slurm/slurm_version.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define GSS_VERSION "0.1"

/* ---- configuration ------------------------------------------------------- */

typedef struct config {
    char gres_conf[1024];
    char topology_conf[1024];
    char placement[128];
    gs_ordering ordering;
    gs_backfill backfill;
    double interval;        /* seconds between passes */
    char heartbeat[1024];   /* file job_submit.lua reads ("" none) */
    double release_timeout; /* a released job still pending: held again */
    unsigned comment_updates; /* most comment updates per pass */
    char accounts[1024];      /* accounts JSON for fair share ("" none) */
    double half_life;         /* usage half-life, seconds (<0: default) */
    char log[1024];
} config;

static void config_defaults(config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->gres_conf, sizeof c->gres_conf, "/etc/slurm/gres.conf");
    snprintf(c->placement, sizeof c->placement, "nvlink-pack");
    c->ordering = GS_ORDER_MULTIFACTOR;
    c->backfill = GS_BACKFILL_EASY;
    c->interval = 2;
    c->release_timeout = 120;
    c->comment_updates = 100;
    c->half_life = -1;
}

static bool set_path(char *dst, size_t cap, const char *v)
{
    if (strlen(v) >= cap)
        return false;
    snprintf(dst, cap, "%s", v);
    return true;
}

static bool set_seconds(double *dst, const char *v, double lo, double hi)
{
    char *e;
    errno = 0;
    double d = strtod(v, &e);
    if (!*v || *e || errno || !(d >= lo && d <= hi))
        return false;
    *dst = d;
    return true;
}

/* "key = value" lines; '#' starts a comment. 0, or -1 with a message
 * naming file:line:column on stderr. */
static int config_read(config *c, const char *path)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "r");
    if (!f) {
        fprintf(stderr, "gpusched-slurm: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[4096];
    unsigned lineno = 0;
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        if (++lineno > 100000) {
            fprintf(stderr, "gpusched-slurm: %s: more than 100000 lines\n",
                    path);
            rc = -1;
            break;
        }
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            fprintf(stderr, "gpusched-slurm: %s:%u: line longer than %zu "
                            "bytes\n",
                    path, lineno, sizeof line - 2);
            rc = -1;
            break;
        }
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        char *end = p + strlen(p);
        while (end > p && (end[-1] == '\n' || end[-1] == '\r' ||
                           end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        if (!*p)
            continue;
        char *eq = strchr(p, '=');
        if (!eq) {
            fprintf(stderr, "gpusched-slurm: %s:%u:%zu: expected key = "
                            "value\n",
                    path, lineno, (size_t)(p - line) + 1);
            rc = -1;
            break;
        }
        char *k = p, *ke = eq;
        while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
            ke--;
        *ke = '\0';
        char *v = eq + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        size_t vcol = (size_t)(v - line) + 1;
        bool ok = true;
        const char *want = "";
        if (!strcmp(k, "gres_conf")) {
            ok = set_path(c->gres_conf, sizeof c->gres_conf, v) && *v;
            want = "a path";
        } else if (!strcmp(k, "topology_conf")) {
            ok = set_path(c->topology_conf, sizeof c->topology_conf, v);
            want = "a path";
        } else if (!strcmp(k, "placement")) {
            ok = set_path(c->placement, sizeof c->placement, v) && *v &&
                 gs_placement_find(v) != NULL;
            want = "a placement policy gpusched has (first-fit, best-fit, "
                   "spread, nvlink-pack)";
        } else if (!strcmp(k, "ordering")) {
            want = "multifactor, fifo or priority";
            if (!strcmp(v, "multifactor"))
                c->ordering = GS_ORDER_MULTIFACTOR;
            else if (!strcmp(v, "fifo"))
                c->ordering = GS_ORDER_FIFO;
            else if (!strcmp(v, "priority"))
                c->ordering = GS_ORDER_PRIORITY;
            else
                ok = false;
        } else if (!strcmp(k, "backfill")) {
            want = "none, easy or conservative";
            if (!strcmp(v, "none"))
                c->backfill = GS_BACKFILL_NONE;
            else if (!strcmp(v, "easy"))
                c->backfill = GS_BACKFILL_EASY;
            else if (!strcmp(v, "conservative"))
                c->backfill = GS_BACKFILL_CONSERVATIVE;
            else
                ok = false;
        } else if (!strcmp(k, "interval")) {
            ok = set_seconds(&c->interval, v, 0.1, 3600);
            want = "seconds from 0.1 to 3600";
        } else if (!strcmp(k, "release_timeout")) {
            ok = set_seconds(&c->release_timeout, v, 1, 86400);
            want = "seconds from 1 to 86400";
        } else if (!strcmp(k, "comment_updates")) {
            double d = 0;
            ok = set_seconds(&d, v, 0, 100000) && d == (unsigned)d;
            if (ok)
                c->comment_updates = (unsigned)d;
            want = "a whole number from 0 to 100000";
        } else if (!strcmp(k, "accounts")) {
            ok = set_path(c->accounts, sizeof c->accounts, v);
            want = "a path";
        } else if (!strcmp(k, "half_life")) {
            ok = set_seconds(&c->half_life, v, 0, 1e9);
            want = "seconds from 0 to 1e9";
        } else if (!strcmp(k, "heartbeat")) {
            ok = set_path(c->heartbeat, sizeof c->heartbeat, v);
            want = "a path";
        } else if (!strcmp(k, "log")) {
            ok = set_path(c->log, sizeof c->log, v);
            want = "a path, or - for standard error";
        } else {
            fprintf(stderr,
                    "gpusched-slurm: %s:%u:%zu: unknown key '%s' (keys: "
                    "gres_conf, topology_conf, placement, ordering, "
                    "backfill, interval, release_timeout, comment_updates, "
                    "accounts, half_life, heartbeat, log)\n",
                    path, lineno, (size_t)(k - line) + 1, k);
            rc = -1;
            break;
        }
        if (!ok) {
            fprintf(stderr, "gpusched-slurm: %s:%u:%zu: %s: '%s' is not %s\n",
                    path, lineno, vcol, k, v, want);
            rc = -1;
        }
    }
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "gpusched-slurm: %s: read error\n", path);
        rc = -1;
    }
    if (!is_stdin)
        fclose(f);
    return rc;
}

/* A whole file, at most limit bytes; NULL with why set ("PATH: reason"). */
static char *read_text(const char *path, size_t limit, size_t *len,
                       char *why, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(why, cap, "%.512s: %s", path, strerror(errno));
        return NULL;
    }
    char *text = NULL;
    size_t n = 0, room = 0;
    const char *fault = NULL;
    for (;;) {
        if (n == room) {
            size_t grow = room ? room * 2 : 65536;
            char *nt = grow > limit + 1 ? NULL : realloc(text, grow);
            if (!nt) {
                fault = grow > limit + 1 ? "larger than the limit"
                                         : "out of memory";
                break;
            }
            text = nt;
            room = grow;
        }
        size_t got = fread(text + n, 1, room - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (!fault && ferror(f))
        fault = "read error";
    if (!fault && n > limit)
        fault = "larger than the limit";
    fclose(f);
    if (fault) {
        snprintf(why, cap, "%.512s: %s (%zu MiB)", path, fault, limit >> 20);
        free(text);
        return NULL;
    }
    *len = n;
    return text;
}

/* ---- logging ------------------------------------------------------------- */

static FILE *log_f;
static bool verbose;

static void logm(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logm(const char *fmt, ...)
{
    FILE *f = log_f ? log_f : stderr;
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(f, "%s ", ts);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fflush(f);
}

/* ---- what was released, to check what Slurm gave ------------------------- */

typedef struct released {
    uint32_t job;
    int64_t when;
    char *gpus_text; /* NULL: not exact, nothing to compare */
} released;

static released *rel;
static size_t n_rel;

static released *rel_find(uint32_t job)
{
    for (size_t i = 0; i < n_rel; i++)
        if (rel[i].job == job)
            return &rel[i];
    return NULL;
}

static void rel_add(uint32_t job, int64_t when, const char *text)
{
    released *r = rel_find(job);
    if (!r) {
        released *nr = realloc(rel, (n_rel + 1) * sizeof *nr);
        if (!nr)
            return;
        rel = nr;
        r = &rel[n_rel++];
        r->gpus_text = NULL;
    }
    r->job = job;
    r->when = when;
    free(r->gpus_text);
    r->gpus_text = text ? strdup(text) : NULL;
}

static void rel_drop(size_t i)
{
    free(rel[i].gpus_text);
    rel[i] = rel[--n_rel];
}

/* "n01:5,7 n02:5,7" of a job of the snapshot */
static void job_gpus_text(const gss_job *j, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (uint32_t k = 0; k < j->n_nodes && n < cap; k++) {
        n += (size_t)snprintf(buf + n, cap - n, "%s%s:", k ? " " : "",
                              j->nodes[k].name);
        for (uint32_t g = 0; g < j->nodes[k].n_gpus && n < cap; g++)
            n += (size_t)snprintf(buf + n, cap - n, "%s%u", g ? "," : "",
                                  j->nodes[k].gpus[g]);
    }
}

/* ---- fair share: usage charged between passes ---------------------------- */

static gs_share *share;

/* When each running job was last charged (Unix time). */
typedef struct charged {
    uint32_t job;
    int64_t when;
} charged;

static charged *chg;
static size_t n_chg;

/* Charge every running job its GPU-seconds since the last pass (or since
 * the daemon first saw it), to its user and account: usage lives as long
 * as the daemon (docs/slurm.md). */
static void charge_usage(const gss_snapshot *s)
{
    if (!share)
        return;
    charged *next = calloc(s->n_jobs ? s->n_jobs : 1, sizeof *next);
    size_t nn = 0;
    if (!next)
        return;
    for (size_t i = 0; i < s->n_jobs; i++) {
        const gss_job *j = &s->jobs[i];
        if (j->kind != GSS_JOB_RUNNING)
            continue;
        int64_t since = s->now;
        for (size_t k = 0; k < n_chg; k++)
            if (chg[k].job == j->id)
                since = chg[k].when;
        next[nn++] = (charged){j->id, s->now};
        uint32_t gpus = 0;
        for (uint32_t k = 0; k < j->n_nodes; k++)
            gpus += j->nodes[k].n_gpus;
        double amount = (double)(s->now - since) * gpus;
        if (amount <= 0)
            continue;
        const char *acct = j->account ? j->account : "root";
        if (strcmp(acct, "root") != 0)
            gs_share_add_account(share, acct, "root", 1); /* EEXIST: fine */
        gs_share_add_user(share, j->user, acct, 1);
        if (gs_share_add_usage(share, j->user, acct, amount,
                               (double)s->now) != GS_OK)
            logm("usage of %s in %s: %s", j->user, acct,
                 gs_share_errmsg(share));
    }
    free(chg);
    chg = next;
    n_chg = nn;
}

/* ---- one pass ------------------------------------------------------------ */

static void write_heartbeat(const config *c)
{
    if (!c->heartbeat[0])
        return;
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", c->heartbeat);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        logm("heartbeat %s: %s", tmp, strerror(errno));
        return;
    }
    fprintf(f, "%lld\n", (long long)time(NULL));
    if (fclose(f) != 0 || rename(tmp, c->heartbeat) != 0)
        logm("heartbeat %s: %s", c->heartbeat, strerror(errno));
}

static const gss_job *snap_job(const gss_snapshot *s, uint32_t id)
{
    for (size_t i = 0; i < s->n_jobs; i++)
        if (s->jobs[i].id == id)
            return &s->jobs[i];
    return NULL;
}

/* 0: done; -1: Slurm could not be read (retry later) */
static int pass(const config *c, const gs_topo *t, bool dry, bool giveback_all)
{
    write_heartbeat(c);
    gss_snapshot s;
    char why[512];
    struct timespec t0, t1, t2;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (gss_slurm_read(t, &s, why, sizeof why) != 0) {
        logm("cannot read Slurm: %s", why);
        return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    size_t held = 0;
    for (size_t i = 0; i < s.n_jobs; i++)
        held += s.jobs[i].kind == GSS_JOB_HELD;
    if (giveback_all) {
        int failed = 0;
        for (size_t i = 0; i < s.n_jobs; i++) {
            const gss_job *j = &s.jobs[i];
            if (j->kind != GSS_JOB_HELD)
                continue;
            if (dry) {
                printf("job %u: would release with its own request\n", j->id);
            } else if (gss_slurm_giveback(j, why, sizeof why) != 0) {
                logm("%s", why);
                failed++;
            } else {
                logm("job %u: released to Slurm with its own request", j->id);
            }
        }
        gss_snapshot_free(&s);
        return failed ? 1 : 0;
    }
    /* what Slurm gave the jobs released earlier */
    for (size_t i = 0; i < n_rel;) {
        const gss_job *j = snap_job(&s, rel[i].job);
        if (!j) {
            rel_drop(i); /* ended or cancelled */
            continue;
        }
        if (j->kind == GSS_JOB_HELD) {
            rel_drop(i); /* held again: decided anew */
            continue;
        }
        if (j->kind == GSS_JOB_RUNNING) {
            char got[1024];
            job_gpus_text(j, got, sizeof got);
            if (rel[i].gpus_text && strcmp(got, rel[i].gpus_text) != 0)
                logm("job %u: Slurm gave %s, gpusched decided %s", j->id,
                     got, rel[i].gpus_text);
            else if (verbose)
                logm("job %u: runs on %s as decided", j->id, got);
            rel_drop(i);
            continue;
        }
        if (j->kind == GSS_JOB_PINNED &&
            (double)(s.now - rel[i].when) > c->release_timeout && !dry) {
            char cm[512];
            snprintf(cm, sizeof cm,
                     GSS_REASON_PREFIX "Slurm did not start it on the GPUs given "
                                   "within %.0f s: deciding again",
                     c->release_timeout);
            if (gss_slurm_hold(j, GSS_COMMENT_OURS(j->comment) ? cm : NULL,
                               why, sizeof why) != 0)
                logm("%s", why);
            else
                logm("job %u: still pending %.0f s after release: held "
                     "again",
                     j->id, (double)(s.now - rel[i].when));
            rel_drop(i);
            continue;
        }
        i++;
    }
    /* pinned jobs released by an earlier run of the daemon */
    for (size_t i = 0; i < s.n_jobs; i++)
        if (s.jobs[i].kind == GSS_JOB_PINNED && !rel_find(s.jobs[i].id))
            rel_add(s.jobs[i].id, s.now, NULL);

    charge_usage(&s);
    gss_options o = {c->placement, c->ordering, c->backfill, share};
    gss_result r;
    if (gss_decide(t, &s, &o, &r, why, sizeof why) != 0) {
        logm("deciding failed: %s", why);
        gss_snapshot_free(&s);
        return -1;
    }
    for (size_t i = 0; i < r.n_notes; i++)
        logm("note: %s", r.notes[i]);
    /* for tests: a window between deciding and applying, in which jobs
     * change under the daemon (docs/slurm.md, live.py's race test) */
    const char *delay = getenv("GPUSCHED_SLURM_TEST_APPLY_DELAY");
    if (delay && *delay && r.n && !dry) {
        double sec = atof(delay);
        if (sec > 0 && sec <= 60) {
            logm("test: applying %zu decisions in %.1f s", r.n, sec);
            usleep((useconds_t)(sec * 1e6));
        }
    }
    size_t started = 0, updates = 0, comments = 0;
    for (size_t i = 0; i < r.n; i++) {
        const gss_decision *d = &r.d[i];
        const gss_job *j = &s.jobs[d->index];
        if (d->start) {
            started++;
            if (dry) {
                printf("job %u: start on %s%s\n", d->job, d->gpus_text,
                       d->exact ? "" : " (counts only: Slurm picks indexes)");
                continue;
            }
            updates++;
            if (gss_slurm_start(j, d, why, sizeof why) != 0) {
                logm("%s (decided again next pass)", why);
                continue;
            }
            logm("job %u: released on %s%s", d->job, d->gpus_text,
                 d->exact ? "" : " (counts only: Slurm picks the indexes)");
            rel_add(d->job, s.now, d->exact ? d->gpus_text : NULL);
        } else if (d->rehold) {
            char cm[600];
            snprintf(cm, sizeof cm, GSS_REASON_PREFIX "%s", d->reason);
            if (dry) {
                printf("job %u: hold again: %s\n", d->job, d->reason);
                continue;
            }
            updates++;
            if (gss_slurm_hold(j, GSS_COMMENT_OURS(j->comment) ? cm : NULL,
                               why, sizeof why) != 0)
                logm("%s", why);
            else
                logm("job %u: held again: %s", d->job, d->reason);
        } else if (d->giveback) {
            if (dry) {
                printf("job %u: give back to Slurm: %s\n", d->job,
                       d->reason ? d->reason : "");
                continue;
            }
            updates++;
            if (gss_slurm_giveback(j, why, sizeof why) != 0)
                logm("%s", why);
            else
                logm("job %u: released to Slurm (%s)", d->job,
                     d->reason ? d->reason : "");
        } else if (d->reason) {
            char cm[600];
            snprintf(cm, sizeof cm, GSS_REASON_PREFIX "%s", d->reason);
            if (dry) {
                printf("job %u: waits: %s\n", d->job, d->reason);
                continue;
            }
            if (strcmp(cm, j->comment) == 0 || !GSS_COMMENT_OURS(j->comment))
                continue;
            /* an RPC each (Slurm has no update of many jobs): a budget per
             * pass keeps passes short; the rest follow in later passes */
            if (comments == c->comment_updates)
                continue;
            comments++;
            updates++;
            if (gss_slurm_comment(d->job, cm, why, sizeof why) != 0)
                logm("%s", why);
            else if (verbose)
                logm("job %u: waits: %s", d->job, d->reason);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t2);
    double load_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
                     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    double all_ms = (double)(t2.tv_sec - t1.tv_sec) * 1e3 +
                    (double)(t2.tv_nsec - t1.tv_nsec) / 1e6;
    if (verbose || started || dry)
        logm("pass: %zu nodes, %zu jobs (%zu held), %zu started, %zu "
             "updates; load %.1f ms, decide %.1f ms, apply %.1f ms",
             s.n_nodes, s.n_jobs, held, started, updates, load_ms,
             r.decide_ms, all_ms - r.decide_ms);
    gss_result_free(&r);
    gss_snapshot_free(&s);
    return 0;
}

/* ---- main ---------------------------------------------------------------- */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void usage(FILE *f)
{
    fputs(
        "usage: gpusched-slurm --config FILE [--once] [--dry-run] [--log FILE] "
        "[-v]\n"
        "       gpusched-slurm --config FILE --release-all [--dry-run]\n"
        "\n"
        "Place the GPU jobs of a Slurm cluster with gpusched: job_submit.lua\n"
        "holds each job that asks for GPUs; each pass releases the ones that\n"
        "can start onto the nodes and exact GPUs gpusched chose, and puts\n"
        "gpusched's reason in the comment of the others (squeue -o %k).\n"
        "\n"
        "Options:\n"
        "  --config FILE   the daemon's configuration (docs/slurm.md); - for\n"
        "                  standard input\n"
        "  --once          one pass, then exit\n"
        "  --dry-run       decide and print, change nothing in Slurm\n"
        "  --release-all   give every held job back to Slurm with its own\n"
        "                  request (when stopping gpusched-slurm for good)\n"
        "  --log FILE      log there instead of standard error (overrides\n"
        "                  the configuration's log)\n"
        "  -v, --verbose   log every pass and every waiting job\n"
        "  -h, --help      show this help and exit\n"
        "  -V, --version   show the version and exit\n"
        "\n"
        "Slurm is found through SLURM_CONF as every Slurm command finds it.\n"
        "Exit status: 0; 1 a failure (configuration, Slurm unreachable with\n"
        "--once); 2 bad arguments.\n",
        f);
}

int main(int argc, char **argv)
{
    const char *conf_path = NULL, *log_path = NULL;
    bool once = false, dry = false, release_all = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
            long v = slurm_api_version();
            printf("gpusched-slurm %s (gpusched %s, built with Slurm "
                   "%d.%02d.%d, running libslurm API %ld.%ld.%ld)\n",
                   GSS_VERSION, gs_version_string(),
                   (int)SLURM_VERSION_MAJOR(SLURM_VERSION_NUMBER),
                   (int)SLURM_VERSION_MINOR(SLURM_VERSION_NUMBER),
                   (int)SLURM_VERSION_MICRO(SLURM_VERSION_NUMBER),
                   SLURM_VERSION_MAJOR(v), SLURM_VERSION_MINOR(v),
                   SLURM_VERSION_MICRO(v));
            return 0;
        } else if (!strcmp(a, "--config") || !strcmp(a, "--log")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "gpusched-slurm: %s needs a value\ntry "
                                "'gpusched-slurm --help'\n",
                        a);
                return 2;
            }
            if (!strcmp(a, "--config"))
                conf_path = argv[++i];
            else
                log_path = argv[++i];
        } else if (!strcmp(a, "--once")) {
            once = true;
        } else if (!strcmp(a, "--dry-run")) {
            dry = true;
        } else if (!strcmp(a, "--release-all")) {
            release_all = true;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            verbose = true;
        } else {
            fprintf(stderr, "gpusched-slurm: unknown argument '%s'\ntry "
                            "'gpusched-slurm --help'\n",
                    a);
            return 2;
        }
    }
    if (!conf_path) {
        fprintf(stderr, "gpusched-slurm: --config FILE is required\ntry "
                        "'gpusched-slurm --help'\n");
        return 2;
    }
    config c;
    config_defaults(&c);
    if (config_read(&c, conf_path) != 0)
        return 1;
    if (log_path)
        snprintf(c.log, sizeof c.log, "%s", log_path);
    if (c.log[0] && strcmp(c.log, "-") != 0) {
        log_f = fopen(c.log, "a");
        if (!log_f) {
            fprintf(stderr, "gpusched-slurm: log %s: %s\n", c.log,
                    strerror(errno));
            return 1;
        }
    }
    /* the cluster's GPUs: gres.conf (with Links= and Cores=), and the
     * switches of topology.conf when given */
    gs_topo *t = NULL;
    int rc = 1;
    char why[1024];
    if (gss_topo_build(c.gres_conf, c.topology_conf, &t, why, sizeof why) !=
        0) {
        fprintf(stderr, "gpusched-slurm: %s\n", why);
        goto out;
    }
    /* fair share: the accounts given, and usage charged from now on */
    if (gs_share_create(&share) != GS_OK) {
        fprintf(stderr, "gpusched-slurm: out of memory\n");
        goto out;
    }
    if (c.half_life >= 0 &&
        gs_share_set_half_life(share, c.half_life) != GS_OK) {
        fprintf(stderr, "gpusched-slurm: half_life: %s\n",
                gs_share_errmsg(share));
        goto out;
    }
    if (c.accounts[0]) {
        size_t alen = 0;
        char *atext = read_text(c.accounts, (size_t)16 << 20, &alen, why,
                                sizeof why);
        if (!atext) {
            fprintf(stderr, "gpusched-slurm: accounts %s\n", why);
            goto out;
        }
        gs_status ast = gs_share_load_accounts(share, atext, alen, c.accounts);
        free(atext);
        if (ast != GS_OK) {
            fprintf(stderr, "gpusched-slurm: %s\n", gs_share_errmsg(share));
            goto out;
        }
    }
    if (gss_check_types(t, why, sizeof why) != 0) {
        fprintf(stderr, "gpusched-slurm: %s: %s\n", c.gres_conf, why);
        goto out;
    }
    slurm_init(NULL);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGHUP, on_signal);
    /* Slurm's nodes against gres.conf: retried while slurmctld is away */
    double backoff = 1;
    for (;;) {
        int k = gss_slurm_check_nodes(t, c.gres_conf, why, sizeof why);
        if (k == 0)
            break;
        if (k > 0) {
            fprintf(stderr, "gpusched-slurm: %s\n", why);
            goto fini;
        }
        if (once || release_all) {
            fprintf(stderr, "gpusched-slurm: %s\n", why);
            goto fini;
        }
        logm("cannot reach Slurm (%s): again in %.0f s", why, backoff);
        sleep((unsigned)backoff);
        if (stop)
            goto fini;
        backoff = backoff * 2 > 30 ? 30 : backoff * 2;
    }
    logm("gpusched-slurm %s: %u nodes, %u GPUs from %s; placement %s%s",
         GSS_VERSION, gs_topo_node_count(t), gs_topo_gpu_count(t),
         c.gres_conf, c.placement, dry ? " (dry run)" : "");
    if (release_all) {
        rc = pass(&c, t, dry, true) == 0 ? 0 : 1;
        goto fini;
    }
    backoff = 1;
    while (!stop) {
        int p = pass(&c, t, dry, false);
        if (once) {
            rc = p == 0 ? 0 : 1;
            goto fini;
        }
        double wait = c.interval;
        if (p != 0) {
            wait = backoff;
            backoff = backoff * 2 > 30 ? 30 : backoff * 2;
        } else {
            backoff = 1;
        }
        /* sleep in small steps, so that a signal ends the wait */
        for (double w = 0; w < wait && !stop; w += 0.1)
            usleep(100000);
    }
    logm("stopping");
    rc = 0;
fini:
    slurm_fini();
out:
    for (size_t i = 0; i < n_rel; i++)
        free(rel[i].gpus_text);
    free(rel);
    free(chg);
    gs_share_destroy(share);
    gs_topo_destroy(t);
    if (log_f)
        fclose(log_f);
    return rc;
}
