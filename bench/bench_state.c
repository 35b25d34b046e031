/*
 * Durable state and bounded memory, in figures (medians):
 *
 *   snapshot   save and restore of 100,000 jobs on 10,000 nodes (targets:
 *              save <= 200 ms and <= 100 bytes per job, restore <= 300 ms)
 *   journal    the cost a journal (no fsync) adds to a call (target
 *              <= 2 us)
 *   forget     10,000,000 jobs submitted, run and ended with the default
 *              retention: the library's live memory and the cost of a step
 *              every million jobs (targets: flat)
 *
 *   bench_state [--jobs N] [--only snapshot|journal|forget] [--reps R]
 * SPDX-License-Identifier: Apache-2.0
 */
#include "bench_util.h"

#include <inttypes.h>
#include <unistd.h>

typedef struct membuf {
    uint8_t *p;
    size_t n, cap;
} membuf;

static gs_status mem_write(void *ud, const void *data, size_t size)
{
    membuf *m = ud;
    if (m->n + size > m->cap) {
        size_t cap = m->cap ? m->cap : 1 << 20;
        while (cap < m->n + size)
            cap *= 2;
        uint8_t *q = realloc(m->p, cap);
        if (!q)
            return GS_ENOMEM;
        m->p = q;
        m->cap = cap;
    }
    memcpy(m->p + m->n, data, size);
    m->n += size;
    return GS_OK;
}

static void die(const char *what, gs_sched *s)
{
    fprintf(stderr, "bench_state: %s: %s\n", what, s ? gs_sched_errmsg(s) : "");
    exit(1);
}

static gs_topo *cluster(unsigned nodes)
{
    char doc[256];
    snprintf(doc, sizeof doc,
             "{\"nodes\": [{\"name\": \"n[1-%u]\", \"template\": "
             "\"dgx-h100\", \"racks\": {\"size\": 32, \"prefix\": \"leaf\", "
             "\"parent\": \"spine\"}}]}",
             nodes);
    gs_topo *t = NULL;
    if (gs_topo_load_buffer(&t, doc, strlen(doc), "bench", NULL) != GS_OK) {
        fprintf(stderr, "bench_state: topology: %s\n", gs_topo_errmsg(t));
        exit(1);
    }
    return t;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* 100,000 jobs on 10,000 nodes: most have run and ended, a fair part
 * runs, the rest waits (like a busy cluster's controller). */
static gs_sched *busy(const gs_topo *t, unsigned jobs)
{
    gs_sched *s = NULL;
    if (gs_sched_create(&s, t, NULL) != GS_OK)
        die("create", s);
    gs_sched_set_retention(s, GS_KEEP_FOREVER, GS_KEEP_FOREVER);
    static const char *const users[] = {"alice", "bob", "carol", "dave",
                                        "erin",  "frank", "grace", "heidi"};
    gs_job_spec sp;
    gs_job_spec_init(&sp);
    int64_t now = 1700000000;
    char name[32];
    for (unsigned i = 0; i < jobs; i++) {
        sp.gpus = 1u << (next() % 4); /* 1, 2, 4, 8 */
        sp.time_limit = 3600 * (1 + (int64_t)(next() % 24));
        sp.user = users[next() % 8];
        sp.account = next() % 2 ? "research" : "prod";
        sp.cpus_per_gpu = 8;
        sp.mem_per_gpu = (uint64_t)64 << 30;
        snprintf(name, sizeof name, "job-%u", i);
        sp.name = name;
        sp.submit_time = now;
        if (gs_sched_submit(s, &sp, NULL) != GS_OK)
            die("submit", s);
        if (i % 1000 == 999) {
            now += 60;
            if (gs_sched_step(s, now, NULL) != GS_OK)
                die("step", s);
            gs_sched_events_consume(s, gs_sched_event_count(s));
            /* end about half of what runs */
            for (uint32_t n = 0; n < gs_topo_node_count(t); n += 12) {
                uint64_t j = gs_sched_gpu_job(s, gs_topo_node_first_gpu(t, n));
                if (j && next() % 2)
                    gs_sched_complete(s, j, now);
            }
        }
    }
    if (gs_sched_step(s, now + 60, NULL) != GS_OK)
        die("step", s);
    return s;
}

static void bench_snapshot(int reps)
{
    gs_topo *t = cluster(10000);
    double t0 = bench_now();
    gs_sched *s = busy(t, 100000);
    double built = bench_now() - t0;
    size_t counts[6] = {0};
    for (size_t i = 0; i < gs_sched_job_count(s); i++) {
        gs_job_info ji = GS_JOB_INFO_INIT;
        gs_sched_job_info(s, gs_sched_job_at(s, i), &ji);
        counts[ji.state]++;
    }
    printf("snapshot: 100,000 jobs on 10,000 nodes (%zu pending, %zu running, "
           "%zu ended; built in %.1f s)\n",
           counts[GS_JOB_PENDING], counts[GS_JOB_RUNNING],
           counts[GS_JOB_COMPLETED] + counts[GS_JOB_FAILED] +
               counts[GS_JOB_CANCELLED],
           built);
    double *ts = calloc((size_t)reps, sizeof *ts);
    double *tr = calloc((size_t)reps, sizeof *tr);
    membuf m = {0};
    for (int r = 0; r < reps; r++) {
        m.n = 0;
        double a = bench_now();
        if (gs_sched_save(s, mem_write, &m) != GS_OK)
            die("save", s);
        ts[r] = bench_now() - a;
    }
    for (int r = 0; r < reps; r++) {
        gs_sched *q = NULL;
        double a = bench_now();
        if (gs_sched_restore_buffer(&q, t, NULL, m.p, m.n) != GS_OK)
            die("restore", q);
        tr[r] = bench_now() - a;
        gs_sched_destroy(q);
    }
    char path[64];
    snprintf(path, sizeof path, "/tmp/bench_state.%ld.gss", (long)getpid());
    const char *keep = getenv("BENCH_STATE_KEEP"); /* for profiling */
    double a = bench_now();
    if (gs_sched_save_file(s, keep ? keep : path) != GS_OK)
        die("save_file", s);
    double tf = bench_now() - a;
    unlink(path);
    printf("  save      %8.1f ms median of %d   (target <= 200 ms)\n",
           1e3 * bench_median(ts, (size_t)reps), reps);
    printf("  size      %8zu bytes, %.1f bytes per job   (target <= 100)\n",
           m.n, (double)m.n / 100000.0);
    printf("  restore   %8.1f ms median of %d   (target <= 300 ms)\n",
           1e3 * bench_median(tr, (size_t)reps), reps);
    printf("  save_file %8.1f ms (with fsync and rename, once)\n", 1e3 * tf);
    free(m.p);
    free(ts);
    free(tr);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* What a journal adds to a call: the same calls with and without one. */
static void bench_journal(int reps)
{
    gs_topo *t = cluster(16);
    char path[64];
    snprintf(path, sizeof path, "/tmp/bench_journal.%ld.gss", (long)getpid());
    const int calls = 100000;
    double *with = calloc((size_t)reps, sizeof *with);
    double *without = calloc((size_t)reps, sizeof *without);
    double *subm = calloc((size_t)reps, sizeof *subm);
    for (int r = 0; r < reps; r++) {
        for (int mode = 0; mode < 2; mode++) {
            gs_sched *s = NULL;
            if (mode) {
                unlink(path);
                char jp[80];
                snprintf(jp, sizeof jp, "%s.journal", path);
                unlink(jp);
                gs_store_config sc = GS_STORE_CONFIG_INIT;
                sc.path = path;
                sc.sync = GS_SYNC_NEVER;
                if (gs_sched_open(&s, t, &sc) != GS_OK)
                    die("open", s);
            } else if (gs_sched_create(&s, t, NULL) != GS_OK) {
                die("create", s);
            }
            /* a cheap call: what is measured is the recording */
            double a = bench_now();
            for (int i = 0; i < calls; i++)
                gs_sched_drain_gpu(s, (uint32_t)(i % 128));
            double d = (bench_now() - a) / calls;
            (mode ? with : without)[r] = d;
            if (mode) {
                gs_job_spec sp;
                gs_job_spec_init(&sp);
                sp.gpus = 1;
                sp.user = "alice";
                sp.name = "a-job-name";
                a = bench_now();
                for (int i = 0; i < calls / 10; i++)
                    gs_sched_submit(s, &sp, NULL);
                subm[r] = (bench_now() - a) / (calls / 10);
            }
            gs_sched_destroy(s);
        }
    }
    double w = bench_median(with, (size_t)reps);
    double wo = bench_median(without, (size_t)reps);
    printf("journal (no fsync), %d calls, median of %d:\n", calls, reps);
    printf("  drain_gpu without a journal %6.3f us, with %6.3f us: the "
           "journal adds %.3f us per call (target <= 2 us)\n",
           1e6 * wo, 1e6 * w, 1e6 * (w - wo));
    printf("  submit with a journal (record of a whole spec) %6.3f us\n",
           1e6 * bench_median(subm, (size_t)reps));
    char jp[80];
    snprintf(jp, sizeof jp, "%s.journal", path);
    unlink(path);
    unlink(jp);
    free(with);
    free(without);
    free(subm);
    gs_topo_destroy(t);
}

static void count_forgotten(void *ud, const gs_sched *s,
                            const gs_job_info *info)
{
    (void)s;
    (void)info;
    (*(uint64_t *)ud)++;
}

/* 10 million jobs through a scheduler with the default retention. */
static void bench_forget(uint64_t total)
{
    gs_topo *t = cluster(64);
    gs_sched *s = NULL;
    if (gs_sched_create(&s, t, NULL) != GS_OK)
        die("create", s);
    uint64_t forgotten = 0;
    gs_sched_set_forget_hook(s, count_forgotten, &forgotten);
    gs_job_spec sp;
    gs_job_spec_init(&sp);
    sp.time_limit = 600;
    int64_t now = 0;
    uint64_t submitted = 0;
    const unsigned batch = 256; /* 512 GPUs, jobs of 1 or 2 */
    printf("forget: %" PRIu64 " jobs, 64 nodes, default retention (300 s, "
           "10,000 jobs), a step every %u jobs\n",
           total, batch);
    printf("  %12s %14s %12s %16s\n", "JOBS", "LIVE BYTES", "JOBS HELD",
           "STEP (median)");
    double steps[4096];
    size_t ns = 0;
    uint64_t report = total / 10;
    uint64_t *ids = calloc(batch, sizeof *ids);
    while (submitted < total) {
        for (unsigned i = 0; i < batch; i++) {
            sp.gpus = 1 + (uint32_t)(next() % 2);
            sp.user = (next() % 2) ? "alice" : "bob";
            sp.submit_time = now;
            if (gs_sched_submit(s, &sp, &ids[i]) != GS_OK)
                die("submit", s);
        }
        submitted += batch;
        double a = bench_now();
        if (gs_sched_step(s, now, NULL) != GS_OK)
            die("step", s);
        double d = bench_now() - a;
        if (ns < sizeof steps / sizeof steps[0])
            steps[ns++] = d;
        gs_sched_events_consume(s, gs_sched_event_count(s));
        now += 30;
        for (unsigned i = 0; i < batch; i++)
            gs_sched_complete(s, ids[i], now);
        if (submitted % report < batch) {
            printf("  %12" PRIu64 " %14zu %12zu %13.1f us\n", submitted,
                   bench_live, gs_sched_job_count(s),
                   1e6 * bench_median(steps, ns));
            fflush(stdout);
            ns = 0;
        }
    }
    printf("  peak live bytes %zu; jobs handed to the forget hook %" PRIu64
           "\n",
           bench_peak, forgotten);
    free(ids);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

int main(int argc, char **argv)
{
    uint64_t jobs = 10000000;
    const char *only = NULL;
    int reps = 7;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--jobs") && i + 1 < argc)
            jobs = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_state [--jobs N] [--only "
                            "snapshot|journal|forget] [--reps R]\n");
            return 2;
        }
    }
    if (reps < 1 || reps > 1000 || jobs < 1000) {
        fprintf(stderr, "bench_state: --reps 1..1000, --jobs >= 1000\n");
        return 2;
    }
    bench_install_allocator();
    if (!only || !strcmp(only, "snapshot"))
        bench_snapshot(reps);
    if (!only || !strcmp(only, "journal"))
        bench_journal(reps);
    if (!only || !strcmp(only, "forget"))
        bench_forget(jobs);
    return 0;
}
