/*
 * The journal: a scheduler opened with gs_sched_open survives a crash at
 * any point with every acknowledged call.
 *
 * The crash test forks a process that drives a random workload on a
 * durable scheduler (checkpoints included) and reports each call that
 * returned on a pipe; the parent kills it with SIGKILL at a random moment,
 * opens the store again, and compares the state (snapshot bytes) with a
 * reference scheduler that made the same calls without any journal: it
 * must equal the reference after the acknowledged calls, or after one
 * more (the call that was being made may have reached the journal).
 * GS_CRASH_RUNS sets the number of runs (default 200).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"
#include "membuf.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static membuf snap(gs_sched *s)
{
    membuf m = {0};
    if (gs_sched_save(s, membuf_write, &m) != GS_OK)
        fail_msg("save: %s", gs_sched_errmsg(s));
    return m;
}

static bool same(gs_sched *a, gs_sched *b)
{
    membuf x = snap(a), y = snap(b);
    bool eq = x.n == y.n && memcmp(x.p, y.p, x.n) == 0;
    free(x.p);
    free(y.p);
    return eq;
}

/* ---- the workload: call i from a seed, chosen from the state ---------- */

typedef struct workload {
    uint64_t rng;
    int64_t now;
} workload;

static uint64_t wnext(workload *w)
{
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    return w->rng;
}

static const char *const users[] = {"ann", "bob", "cy"};

static void do_call(gs_sched *s, workload *w)
{
    uint64_t k = wnext(w) % 100;
    uint64_t n = gs_sched_job_count(s);
    uint64_t job = n ? gs_sched_job_at(s, (size_t)(wnext(w) % n)) : 1;
    if (k < 35) {
        gs_job_spec spec;
        gs_job_spec_init(&spec);
        spec.gpus = 1 + (uint32_t)(wnext(w) % 8);
        spec.time_limit = (int64_t)(wnext(w) % 300);
        spec.user = users[wnext(w) % 3];
        spec.submit_time = w->now;
        spec.cpus_per_gpu = (uint32_t)(wnext(w) % 3);
        spec.name = "job";
        gs_sched_submit(s, &spec, NULL);
    } else if (k < 60) {
        w->now += (int64_t)(wnext(w) % 60);
        gs_sched_step(s, w->now, NULL);
    } else if (k < 75) {
        w->now += (int64_t)(wnext(w) % 10);
        gs_sched_complete(s, job, w->now);
    } else if (k < 80) {
        gs_sched_cancel(s, job, w->now);
    } else if (k < 90) {
        gs_sched_events_consume(s, gs_sched_event_count(s));
    } else if (k < 93) {
        uint32_t g = (uint32_t)(wnext(w) % gs_topo_gpu_count(gs_sched_topo(s)));
        gs_sched_fail_gpu(s, g, w->now, NULL);
    } else if (k < 96) {
        uint32_t g = (uint32_t)(wnext(w) % gs_topo_gpu_count(gs_sched_topo(s)));
        gs_sched_repair_gpu(s, g);
    } else if (k < 97) {
        gs_sched_set_retention(s, (int64_t)(wnext(w) % 100),
                               (int64_t)(wnext(w) % 30));
    } else if (k < 99) {
        /* one call each (an acknowledgement is one call) */
        switch (wnext(w) % 8) {
        case 0: {
            gs_priority_breakdown b = GS_PRIORITY_BREAKDOWN_INIT;
            gs_sched_job_priority(s, job, &b);
            break;
        }
        case 1: gs_sched_set_job_factor(s, job, (double)(wnext(w) % 100)); break;
        case 2:
            gs_sched_set_limit(s, GS_LIMIT_USER, users[wnext(w) % 3],
                               (uint32_t)(wnext(w) % 9));
            break;
        case 3: gs_sched_drain_node(s, 0); break;
        case 4: gs_sched_resume_node(s, 0); break;
        case 5: gs_sched_set_usage_weights(s, 1, (double)(wnext(w) % 3), 0); break;
        case 6: gs_sched_set_model_weight(s, "H100", (double)(wnext(w) % 3)); break;
        default: gs_sched_update_usage(s, w->now); break;
        }
    } else {
        /* documents that apply, and ones that fail (changing nothing) */
        static const char *const docs[] = {
            ("{\"accounts\": [{\"name\": \"a\", \"shares\": 2}], "
             "\"users\": [{\"name\": \"ann\", \"account\": \"a\"}]}"),
            "{\"backfill\": {\"mode\": \"easy\", \"interval\": 7}}",
            "{\"ordering\": \"fifo\", \"preemption\": \"requeue\"}",
            "{\"ordering\": \"multifactor\", \"half_life\": 100}",
            "{\"limits\": {\"default_user\": 4294967297}}",
            "{\"accounts\": [{\"name\": \"x\", \"parent\": \"y\"}]}",
            "{\"priority_weights\": {\"calc_period\": 0, \"age\": 5}}",
        };
        const char *doc = docs[wnext(w) % 7];
        gs_sched_configure(s, doc, strlen(doc), "doc");
    }
}

static gs_topo *topo;

static gs_sched *reference(uint64_t seed, long calls)
{
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, topo, NULL), GS_OK);
    workload w = {seed, 1000};
    for (long i = 0; i < calls; i++)
        do_call(s, &w);
    return s;
}

static char dir[256];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/gs-journal-%ld", (long)getpid());
    mkdir(dir, 0700);
}

static void clear_dir(const char *path)
{
    char p[400];
    snprintf(p, sizeof p, "%s", path);
    unlink(p);
    snprintf(p, sizeof p, "%s.journal", path);
    unlink(p);
}

static int warnings;
static char last_warning[512];

static void on_warn(void *ud, const char *msg)
{
    (void)ud;
    warnings++;
    snprintf(last_warning, sizeof last_warning, "%s", msg);
}

static gs_status open_store(gs_sched **s, const char *path,
                            gs_sync_policy sync)
{
    gs_store_config sc = GS_STORE_CONFIG_INIT;
    sc.path = path;
    sc.sync = sync;
    sc.warn = on_warn;
    return gs_sched_open(s, topo, &sc);
}

/* The child: open, make calls, report each, checkpoint now and then. */
static void child(const char *path, uint64_t seed, int ack_fd,
                  gs_sync_policy sync)
{
    gs_sched *s = NULL;
    if (open_store(&s, path, sync) != GS_OK)
        _exit(3);
    workload w = {seed, 1000}, cp = {seed ^ 0x5555, 0};
    for (uint32_t i = 0;; i++) {
        do_call(s, &w);
        if (write(ack_fd, &i, sizeof i) != sizeof i)
            _exit(4);
        /* checkpoints on their own random stream: not the workload's */
        if (wnext(&cp) % 40 == 0 && gs_sched_checkpoint(s) != GS_OK)
            _exit(5);
    }
}

static long crash_runs(void)
{
    const char *e = getenv("GS_CRASH_RUNS");
    if (e)
        return atol(e);
    if (getenv("GS_TEST_UNDER_VALGRIND"))
        return 3;
    return 200;
}

static void crash_anywhere(void **state)
{
    (void)state;
    make_dir();
    char path[300];
    snprintf(path, sizeof path, "%s/state.gss", dir);
    long runs = crash_runs();
    uint64_t r = 0x9e3779b97f4a7c15ull;
    long extra = 0;
    for (long run = 0; run < runs; run++) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        uint64_t seed = r | 1;
        clear_dir(path);
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        gs_sync_policy sync = (gs_sync_policy)(r % 7 == 0 ? GS_SYNC_EVERY_N
                                               : GS_SYNC_NEVER);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            child(path, seed, fds[1], sync);
        }
        close(fds[1]);
        /* wait for some acknowledgements, then kill at a random moment */
        long want = 1 + (long)(r % 400);
        long acks = 0;
        uint32_t v;
        while (acks < want && read(fds[0], &v, sizeof v) == sizeof v)
            acks++;
        if (r % 3 == 0) {
            struct timespec ts = {0, (long)(r % 2000) * 1000};
            nanosleep(&ts, NULL);
        }
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        assert_true(WIFSIGNALED(status) || !WEXITSTATUS(status));
        while (read(fds[0], &v, sizeof v) == sizeof v)
            acks++;
        close(fds[0]);
        /* recover */
        gs_sched *s = NULL;
        gs_status st = open_store(&s, path, GS_SYNC_NEVER);
        if (st != GS_OK)
            fail_msg("run %ld (seed %llx, %ld acks): open: %s", run,
                     (unsigned long long)seed, acks, gs_sched_errmsg(s));
        assert_int_equal(gs_sched_check(s), GS_OK);
        gs_sched *ref = reference(seed, acks);
        bool eq = same(s, ref);
        if (!eq) {
            gs_sched_destroy(ref);
            ref = reference(seed, acks + 1);
            eq = same(s, ref);
            extra++;
        }
        if (!eq) {
            gs_sched *r0 = reference(seed, acks);
            fprintf(stderr, "seq recovered %llu, reference %llu/%llu\n",
                    (unsigned long long)gs_sched_journal_seq(s),
                    (unsigned long long)gs_sched_journal_seq(r0),
                    (unsigned long long)gs_sched_journal_seq(ref));
            membuf x = snap(s), y = snap(r0);
            size_t i = 0;
            while (i < x.n && i < y.n && x.p[i] == y.p[i])
                i++;
            fprintf(stderr, "differ at %zu of %zu/%zu\n", i, x.n, y.n);
            FILE *f = fopen("/tmp/rec.gss", "wb");
            fwrite(x.p, 1, x.n, f);
            fclose(f);
            f = fopen("/tmp/ref.gss", "wb");
            fwrite(y.p, 1, y.n, f);
            fclose(f);
        }
        if (!eq)
            fail_msg("run %ld (seed %llx): the recovered state is neither "
                     "the reference after %ld calls nor after %ld",
                     run, (unsigned long long)seed, acks, acks + 1);
        /* and it goes on deciding like the reference */
        workload w1 = {seed ^ 77, 100000}, w2 = w1;
        for (int i = 0; i < 30; i++) {
            do_call(s, &w1);
            do_call(ref, &w2);
        }
        assert_true(same(s, ref));
        gs_sched_destroy(ref);
        gs_sched_destroy(s);
    }
    clear_dir(path);
    rmdir(dir);
    /* the in-flight call is sometimes in the journal (not a requirement,
     * but a harness that never sees it kills at too few moments) */
    print_message("crash runs: %ld, recovered with the in-flight call: %ld\n",
                  runs, extra);
}

/* Cut the journal at every length: whole records come back, a cut record
 * is dropped with a warning; a damaged middle record is an error. */
static void torn_and_damaged(void **state)
{
    (void)state;
    make_dir();
    char path[300], jpath[400];
    snprintf(path, sizeof path, "%s/torn.gss", dir);
    snprintf(jpath, sizeof jpath, "%s.journal", path);
    clear_dir(path);
    gs_sched *s = NULL;
    assert_int_equal(open_store(&s, path, GS_SYNC_ALWAYS), GS_OK);
    workload w = {12345, 1000};
    long calls = 40;
    for (long i = 0; i < calls; i++)
        do_call(s, &w);
    uint64_t seq = gs_sched_journal_seq(s);
    gs_sched_destroy(s);
    char *j = NULL;
    size_t jn = 0;
    {
        FILE *f = fopen(jpath, "rb");
        assert_non_null(f);
        j = malloc(1 << 20);
        jn = fread(j, 1, 1 << 20, f);
        fclose(f);
    }
    assert_true(jn > 24);
    /* whole: the same state as the reference */
    s = NULL;
    assert_int_equal(open_store(&s, path, GS_SYNC_NEVER), GS_OK);
    assert_int_equal(gs_sched_journal_seq(s), seq);
    gs_sched *ref = reference(12345, calls);
    assert_true(same(s, ref));
    gs_sched_destroy(s);
    gs_sched_destroy(ref);
    /* cut at every length after the header: it opens, with at most the
     * calls recorded whole, and warns exactly when a record was cut */
    uint64_t prev_seq = 0;
    for (size_t cut = 24; cut <= jn; cut++) {
        FILE *f = fopen(jpath, "wb");
        fwrite(j, 1, cut, f);
        fclose(f);
        warnings = 0;
        s = NULL;
        gs_status st = open_store(&s, path, GS_SYNC_NEVER);
        if (st != GS_OK)
            fail_msg("cut at %zu: %s", cut, gs_sched_errmsg(s));
        uint64_t got = gs_sched_journal_seq(s);
        assert_true(got >= prev_seq && got <= seq);
        if (got > prev_seq)
            assert_int_equal(warnings, 0); /* cut right after a record */
        else if (cut > 24)
            assert_int_equal(warnings, 1);
        prev_seq = got;
        assert_int_equal(gs_sched_check(s), GS_OK);
        gs_sched_destroy(s);
        /* the torn tail was cut off the file: opening again is clean */
        warnings = 0;
        s = NULL;
        assert_int_equal(open_store(&s, path, GS_SYNC_NEVER), GS_OK);
        assert_int_equal(warnings, 0);
        assert_int_equal(gs_sched_journal_seq(s), got);
        gs_sched_destroy(s);
    }
    assert_int_equal(prev_seq, seq);
    /* zeros after a cut (a file system that extended the file): torn */
    {
        FILE *f = fopen(jpath, "wb");
        fwrite(j, 1, jn - 5, f);
        for (int i = 0; i < 4096; i++)
            fputc(0, f);
        fclose(f);
        warnings = 0;
        s = NULL;
        assert_int_equal(open_store(&s, path, GS_SYNC_NEVER), GS_OK);
        assert_int_equal(warnings, 1);
        assert_non_null(strstr(last_warning, "offset"));
        gs_sched_destroy(s);
    }
    /* a damaged byte inside a record with records after it: an error
     * naming the offset, and the files are left as they were */
    {
        size_t at = 24 + 12 + 1; /* the first record's payload */
        j[at] ^= 0x40;
        FILE *f = fopen(jpath, "wb");
        fwrite(j, 1, jn, f);
        fclose(f);
        s = NULL;
        assert_int_equal(open_store(&s, path, GS_SYNC_NEVER), GS_EPARSE);
        assert_non_null(strstr(gs_sched_errmsg(s), "offset 24"));
        assert_non_null(strstr(gs_sched_errmsg(s), "damaged"));
        gs_sched_destroy(s);
        struct stat sb;
        assert_int_equal(stat(jpath, &sb), 0);
        assert_int_equal((size_t)sb.st_size, jn);
        j[at] ^= 0x40;
    }
    free(j);
    clear_dir(path);
    rmdir(dir);
}

/* Checkpoint: the journal is emptied; crash between the snapshot and the
 * new journal (simulated: the old journal put back) opens the same. */
static void checkpoint_compacts(void **state)
{
    (void)state;
    make_dir();
    char path[300], jpath[400];
    snprintf(path, sizeof path, "%s/cp.gss", dir);
    snprintf(jpath, sizeof jpath, "%s.journal", path);
    clear_dir(path);
    gs_sched *s = NULL;
    assert_int_equal(open_store(&s, path, GS_SYNC_EVERY_N), GS_OK);
    workload w = {999, 1000};
    for (int i = 0; i < 60; i++)
        do_call(s, &w);
    struct stat before, after;
    assert_int_equal(stat(jpath, &before), 0);
    char *old = malloc((size_t)before.st_size);
    FILE *f = fopen(jpath, "rb");
    assert_int_equal(fread(old, 1, (size_t)before.st_size, f),
                     (size_t)before.st_size);
    fclose(f);
    assert_int_equal(gs_sched_checkpoint(s), GS_OK);
    assert_int_equal(stat(jpath, &after), 0);
    {
        /* the new journal holds its header and nothing else: the rest of
         * the file (allocated ahead) is zeros */
        char *now = malloc((size_t)after.st_size);
        f = fopen(jpath, "rb");
        assert_int_equal(fread(now, 1, (size_t)after.st_size, f),
                         (size_t)after.st_size);
        fclose(f);
        assert_true(after.st_size >= 24);
        for (off_t i = 24; i < after.st_size; i++)
            assert_int_equal(now[i], 0);
        free(now);
    }
    assert_true(before.st_size > 24);
    assert_true(old[24] != 0); /* the old one had records */
    gs_sched_destroy(s);
    /* the old journal with the new snapshot: its calls are in it */
    f = fopen(jpath, "wb");
    fwrite(old, 1, (size_t)before.st_size, f);
    fclose(f);
    free(old);
    s = NULL;
    assert_int_equal(open_store(&s, path, GS_SYNC_NEVER), GS_OK);
    gs_sched *ref = reference(999, 60);
    assert_true(same(s, ref));
    assert_int_equal(gs_sched_sync(s), GS_OK);
    gs_sched_destroy(ref);
    gs_sched_destroy(s);
    /* checkpoint and sync need a journal */
    assert_int_equal(gs_sched_create(&s, topo, NULL), GS_OK);
    assert_int_equal(gs_sched_checkpoint(s), GS_EINVAL);
    assert_int_equal(gs_sched_sync(s), GS_EINVAL);
    gs_sched_destroy(s);
    /* a path in a directory that does not exist: a clear error */
    gs_store_config sc = GS_STORE_CONFIG_INIT;
    sc.path = "/nonexistent-dir/x.gss";
    s = NULL;
    assert_int_equal(gs_sched_open(&s, topo, &sc), GS_EIO);
    assert_non_null(strstr(gs_sched_errmsg(s), "/nonexistent-dir/x.gss"));
    gs_sched_destroy(s);
    clear_dir(path);
    rmdir(dir);
}

/* A full disk (a file size limit): the call that could not be recorded
 * says so, later changes are refused and change nothing, a checkpoint
 * makes the scheduler durable again. */
static int disk_full_child(const char *path)
{
    gs_sched *s = NULL;
    if (open_store(&s, path, GS_SYNC_NEVER) != GS_OK)
        return 10;
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old, rl;
    if (getrlimit(RLIMIT_FSIZE, &old) != 0)
        return 11;
    rl = old;
    rl.rlim_cur = 3u << 19; /* 1.5 MiB; the hard limit stays */
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
        return 11;
    gs_status st = GS_OK;
    long calls = 0;
    while (st == GS_OK && calls < 10000000) {
        st = gs_sched_drain_gpu(s, (uint32_t)(calls % 8));
        calls++;
    }
    if (st != GS_EIO || !strstr(gs_sched_errmsg(s), "could not be recorded"))
        return 12;
    uint64_t seq = gs_sched_journal_seq(s);
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 1;
    if (gs_sched_submit(s, &spec, NULL) != GS_EIO ||
        gs_sched_job_count(s) != 0 || gs_sched_journal_seq(s) != seq)
        return 13;
    if (gs_sched_checkpoint(s) != GS_OK)
        return 14;
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, SIG_DFL);
    if (gs_sched_submit(s, &spec, NULL) != GS_OK || gs_sched_job_count(s) != 1)
        return 15;
    gs_sched_destroy(s);
    /* what was acknowledged is there */
    s = NULL;
    if (open_store(&s, path, GS_SYNC_NEVER) != GS_OK ||
        gs_sched_job_count(s) != 1 || gs_sched_journal_seq(s) != seq + 1)
        return 16;
    gs_sched_destroy(s);
    return 0;
}

static void disk_full(void **state)
{
    (void)state;
    make_dir();
    char path[300];
    snprintf(path, sizeof path, "%s/full.gss", dir);
    clear_dir(path);
    /* in this process (valgrind follows it): the soft limit is put back */
    assert_int_equal(disk_full_child(path), 0);
    clear_dir(path);
    rmdir(dir);
}

int main(void)
{
    test_alloc_install();
    assert_int_equal(gs_topo_load(&topo, "dgx-h100", NULL), GS_OK);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(torn_and_damaged),
        cmocka_unit_test(checkpoint_compacts),
        cmocka_unit_test(disk_full),
        cmocka_unit_test(crash_anywhere),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    gs_topo_destroy(topo);
    return rc;
}
