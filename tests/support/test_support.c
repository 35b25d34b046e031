/*
 * Helpers shared by the unit tests.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include <sys/wait.h>

#include <dirent.h>
#include <stdarg.h>

#include <pthread.h>
#include <stdlib.h>

/* ---- counting allocator ------------------------------------------------ */

typedef struct header {
    size_t size;
    size_t pad; /* keeps the payload 16-byte aligned */
} header;

static test_alloc_stats stats;
static long fail_countdown;
static bool failed;
/* The library calls the hooks from whichever thread uses it (test_probe
 * and test_threads probe in several threads): the counts need a lock. */
static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;

static bool should_fail(void)
{
    if (fail_countdown > 0 && --fail_countdown == 0) {
        failed = true;
        return true;
    }
    return false;
}

static void *t_malloc(void *user, size_t size)
{
    (void)user;
    pthread_mutex_lock(&stats_lock);
    header *h = should_fail() ? NULL : malloc(sizeof *h + size);
    if (!h) {
        pthread_mutex_unlock(&stats_lock);
        return NULL;
    }
    h->size = size;
    stats.allocs++;
    stats.live_blocks++;
    stats.live_bytes += size;
    if (stats.live_bytes > stats.peak_bytes)
        stats.peak_bytes = stats.live_bytes;
    pthread_mutex_unlock(&stats_lock);
    return h + 1;
}

static void *t_realloc(void *user, void *ptr, size_t size)
{
    (void)user;
    pthread_mutex_lock(&stats_lock);
    header *old = (header *)ptr - 1;
    size_t old_size = old->size;
    header *h = should_fail() ? NULL : realloc(old, sizeof *h + size);
    if (!h) {
        pthread_mutex_unlock(&stats_lock);
        return NULL;
    }
    h->size = size;
    stats.allocs++;
    stats.live_bytes = stats.live_bytes - old_size + size;
    if (stats.live_bytes > stats.peak_bytes)
        stats.peak_bytes = stats.live_bytes;
    pthread_mutex_unlock(&stats_lock);
    return h + 1;
}

static void t_free(void *user, void *ptr)
{
    (void)user;
    if (!ptr)
        return;
    header *h = (header *)ptr - 1;
    pthread_mutex_lock(&stats_lock);
    stats.live_blocks--;
    stats.live_bytes -= h->size;
    pthread_mutex_unlock(&stats_lock);
    free(h);
}

void test_alloc_install(void)
{
    gs_allocator a = {t_malloc, t_realloc, t_free, NULL};
    if (gs_set_allocator(&a) != GS_OK) {
        fprintf(stderr, "cannot install the counting allocator\n");
        exit(1);
    }
}

void test_alloc_fail_at(long n)
{
    fail_countdown = n;
    failed = false;
}

bool test_alloc_failed(void) { return failed; }

test_alloc_stats test_alloc_stats_get(void) { return stats; }

void test_alloc_reset_peak(void) { stats.peak_bytes = stats.live_bytes; }

long test_each_allocation_fails(test_op op, void *ctx)
{
    for (long n = 1; n < 1000000; n++) {
        long live = stats.live_blocks;
        test_alloc_fail_at(n);
        gs_status st = op(ctx);
        bool injected = test_alloc_failed();
        test_alloc_fail_at(0);
        /* Whatever happened, nothing may be left allocated. */
        if (stats.live_blocks != live) {
            fprintf(stderr, "allocation %ld failing leaked %ld blocks (op "
                            "returned %s)\n",
                    n, stats.live_blocks - live, gs_status_name(st));
            fail();
        }
        if (!injected) {
            assert_int_equal(st, GS_OK);
            return n - 1;
        }
        if (st == GS_OK) {
            fprintf(stderr, "allocation %ld failed but the op succeeded\n", n);
            fail();
        }
        if (st != GS_ENOMEM) {
            fprintf(stderr, "allocation %ld failing gave %s, not GS_ENOMEM\n",
                    n, gs_status_name(st));
            fail();
        }
    }
    fail_msg("the op never succeeded");
    return -1;
}

/* ---- topologies -------------------------------------------------------- */

gs_topo *test_topo_json(const char *json)
{
    gs_topo *t = NULL;
    gs_status st = gs_topo_load_buffer(&t, json, strlen(json), "test.json",
                                       NULL);
    if (st != GS_OK) {
        fprintf(stderr, "load failed: %s: %s\n", gs_status_name(st),
                gs_topo_errmsg(t));
        gs_topo_destroy(t);
        fail();
    }
    return t;
}

gs_status test_topo_json_error(const char *json, char *msg, size_t cap)
{
    gs_topo *t = NULL;
    gs_status st = gs_topo_load_buffer(&t, json, strlen(json), "test.json",
                                       NULL);
    snprintf(msg, cap, "%s", gs_topo_errmsg(t));
    gs_topo_destroy(t);
    return st;
}

/* ---- text --------------------------------------------------------------- */

void test_printf(test_text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    if (t->len + (size_t)n + 1 > t->cap) {
        t->cap = (t->len + (size_t)n + 1) * 2;
        t->s = realloc(t->s, t->cap);
        assert_non_null(t->s);
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

/* ---- files ------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int test_for_each_file(const char *dir, test_file_fn fn, void *user)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strncmp(e->d_name, "README", 6) == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = realloc(names, cap * sizeof *names);
            assert_non_null(names);
        }
        names[n] = strdup(e->d_name);
        assert_non_null(names[n]);
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        fn(path, user);
        free(names[i]);
    }
    free(names);
    return (int)n;
}

char *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        if (len)
            *len = (size_t)n;
    }
    return buf;
}

const char *test_data(const char *name)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", GS_TEST_DATA_DIR, name);
    return path;
}

const char *test_shared_data(const char *name)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", GS_SHARED_DATA_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fclose(f);
    return path;
}

void test_assert_numa_os_ids(const gs_topo *t, uint32_t node, uint32_t n,
                             const uint32_t *want)
{
    assert_int_equal(gs_topo_node_numa_count(t, node), n);
    for (uint32_t d = 0; d < n; d++)
        if (gs_topo_numa_os_id(t, node, d) != want[d])
            fail_msg("node %u domain %u: OS id %u, want %u", node, d,
                     gs_topo_numa_os_id(t, node, d), want[d]);
}

/* ---- nvidia-smi matrices ----------------------------------------------- */

int test_parse_smi_cells(const char *text, char cells[][8], int max_n)
{
    int n = -1, row = 0;
    const char *line = text;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[1024];
        if (len >= sizeof buf)
            return -1;
        memcpy(buf, line, len);
        buf[len] = '\0';
        char *save = NULL;
        char *tok = strtok_r(buf, " \t", &save);
        if (tok && n < 0 && strcmp(tok, "GPU0") == 0) {
            /* header: count GPUk columns */
            n = 1;
            while ((tok = strtok_r(NULL, " \t", &save)) &&
                   strncmp(tok, "GPU", 3) == 0)
                n++;
            if (n > max_n)
                return -1;
        } else if (tok && n > 0 && row < n && strncmp(tok, "GPU", 3) == 0) {
            for (int j = 0; j < n; j++) {
                tok = strtok_r(NULL, " \t", &save);
                if (!tok || strlen(tok) >= 8)
                    return -1;
                strcpy(cells[row * n + j], tok);
            }
            row++;
        }
        line = end ? end + 1 : line + len;
    }
    return row == n ? n : -1;
}

gs_status test_load_and_save(const char *text, const char *name,
                             const gs_load_options *opts)
{
    gs_topo *t = NULL;
    gs_status st = gs_topo_load_buffer(&t, text, strlen(text), name, opts);
    if (st == GS_OK) {
        char *json;
        st = gs_topo_to_json(t, &json, NULL);
        if (st == GS_OK)
            gs_free(json);
    }
    gs_topo_destroy(t);
    return st;
}

int test_run_command(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

uint32_t test_rnd(uint64_t *state, uint32_t n)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(*state >> 33) % n;
}

/* ---- two schedulers in lockstep ---------------------------------------- */

void test_same_schedulers(gs_sched *a, gs_sched *b, const uint64_t *ids,
                          size_t n, uint32_t n_gpus,
                          const char *const sides[2], unsigned seed,
                          int64_t now)
{
    gs_sched *s[2] = {a, b};
    for (;;) {
        gs_event e[2] = {GS_EVENT_INIT, GS_EVENT_INIT};
        gs_status x = gs_sched_next_event(a, &e[0]);
        gs_status y = gs_sched_next_event(b, &e[1]);
        if (x != y)
            fail_msg("seed %u at %lld: next_event %s (%s), %s (%s)", seed,
                     (long long)now, gs_strerror(x), sides[0],
                     gs_strerror(y), sides[1]);
        if (x != GS_OK)
            break;
        if (e[0].kind != e[1].kind || e[0].job != e[1].job ||
            e[0].time != e[1].time)
            fail_msg("seed %u at %lld: event %d job %llu (%s), %d job %llu "
                     "(%s)",
                     seed, (long long)now, (int)e[0].kind,
                     (unsigned long long)e[0].job, sides[0], (int)e[1].kind,
                     (unsigned long long)e[1].job, sides[1]);
    }
    for (size_t i = 0; i < n; i++) {
        gs_job_info x[2] = {GS_JOB_INFO_INIT, GS_JOB_INFO_INIT};
        gs_status sa = gs_sched_job_info(a, ids[i], &x[0]);
        gs_status sb = gs_sched_job_info(b, ids[i], &x[1]);
        if (sa != sb)
            fail_msg("seed %u at %lld: job %llu: %s (%s), %s (%s)", seed,
                     (long long)now, (unsigned long long)ids[i],
                     gs_strerror(sa), sides[0], gs_strerror(sb), sides[1]);
        if (sa != GS_OK)
            continue; /* ended and forgotten by both */
        if (x[0].state != x[1].state || x[0].reason != x[1].reason ||
            x[0].start_time != x[1].start_time ||
            x[0].end_time != x[1].end_time ||
            x[0].expected_start != x[1].expected_start ||
            x[0].held != x[1].held)
            fail_msg("seed %u at %lld: job %llu: state %d/%d reason %d/%d "
                     "start %lld/%lld expected %lld/%lld (%s/%s)",
                     seed, (long long)now, (unsigned long long)ids[i],
                     (int)x[0].state, (int)x[1].state, (int)x[0].reason,
                     (int)x[1].reason, (long long)x[0].start_time,
                     (long long)x[1].start_time,
                     (long long)x[0].expected_start,
                     (long long)x[1].expected_start, sides[0], sides[1]);
        char t[2][256] = {"", ""};
        for (int k = 0; k < 2; k++)
            gs_sched_job_reason_text(s[k], ids[i], t[k], sizeof t[k], NULL);
        if (strcmp(t[0], t[1]) != 0)
            fail_msg("seed %u at %lld: job %llu: \"%s\" (%s), \"%s\" (%s)",
                     seed, (long long)now, (unsigned long long)ids[i], t[0],
                     sides[0], t[1], sides[1]);
        /* a CPU-only job holds no GPU: its node and CPUs */
        if (x[0].gpus == 0 && x[0].state == GS_JOB_RUNNING) {
            gs_alloc_node an[2] = {GS_ALLOC_NODE_INIT, GS_ALLOC_NODE_INIT};
            for (int k = 0; k < 2; k++) {
                if (gs_sched_alloc_node(s[k], ids[i], 0, &an[k]) != GS_OK)
                    fail_msg("job %llu: no allocation (%s)",
                             (unsigned long long)ids[i], sides[k]);
                gs_sched_alloc_cpus(s[k], ids[i], 0, t[k], sizeof t[k],
                                    NULL);
            }
            if (an[0].node != an[1].node || strcmp(t[0], t[1]) != 0)
                fail_msg("seed %u at %lld: CPU-only job %llu on node %u "
                         "CPUs %s (%s), node %u CPUs %s (%s)",
                         seed, (long long)now, (unsigned long long)ids[i],
                         an[0].node, t[0], sides[0], an[1].node, t[1],
                         sides[1]);
        }
    }
    for (uint32_t g = 0; g < n_gpus; g++)
        if (gs_sched_gpu_job(a, g) != gs_sched_gpu_job(b, g))
            fail_msg("seed %u at %lld: GPU %u holds job %llu (%s), %llu "
                     "(%s)",
                     seed, (long long)now, g,
                     (unsigned long long)gs_sched_gpu_job(a, g), sides[0],
                     (unsigned long long)gs_sched_gpu_job(b, g), sides[1]);
}
