/*
 * The threading uses docs/threading.md documents, run concurrently: many
 * schedulers on one shared frozen topology while other threads query it,
 * one scheduler shared under the caller's lock, the policy registry used
 * from several threads, templates loaded in parallel, one fair-share tree
 * per thread (and two schedulers sharing one tree in one thread), probes in
 * parallel, all through allocator hooks set once at start. scripts/check
 * also runs it built with ThreadSanitizer, which turns any data race in
 * these uses into a failure.
 *
 * cmocka's assertions longjmp and must stay in the main thread: the worker
 * threads note the first thing that went wrong and the main thread fails
 * the test with it after joining them.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define N_THREADS 4

/* ---- what a worker thread found ---------------------------------------- */

typedef struct worker {
    int id;
    pthread_t thread;
    char failure[512]; /* the first failure, "" when none */
    void *shared;      /* the test's shared state */
    uint64_t result;   /* a digest of what it computed, compared across threads */
} worker;

static void note_failure(worker *w, const char *file, int line,
                         const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void note_failure(worker *w, const char *file, int line,
                         const char *fmt, ...)
{
    if (w->failure[0])
        return;
    int n = snprintf(w->failure, sizeof w->failure, "thread %d, %s:%d: ",
                     w->id, file, line);
    if (n < 0 || (size_t)n >= sizeof w->failure)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->failure + n, sizeof w->failure - (size_t)n, fmt, ap);
    va_end(ap);
}

/* In a worker: note the failure and leave the worker function. */
#define CHECK(w, cond, ...)                                                  \
    do {                                                                     \
        if (!(cond)) {                                                       \
            note_failure((w), __FILE__, __LINE__, __VA_ARGS__);              \
            goto out;                                                        \
        }                                                                    \
    } while (0)

typedef void *(*worker_fn)(void *);

/* Run fn in n threads on the same shared state, join them, and fail the
 * test with the first failure any of them noted. */
static void run_workers(worker *ws, int n, worker_fn fn, void *shared)
{
    for (int i = 0; i < n; i++) {
        memset(&ws[i], 0, sizeof ws[i]);
        ws[i].id = i;
        ws[i].shared = shared;
    }
    for (int i = 0; i < n; i++)
        assert_int_equal(pthread_create(&ws[i].thread, NULL, fn, &ws[i]), 0);
    for (int i = 0; i < n; i++)
        assert_int_equal(pthread_join(ws[i].thread, NULL), 0);
    for (int i = 0; i < n; i++)
        if (ws[i].failure[0])
            fail_msg("%s", ws[i].failure);
}

/* FNV-1a over bytes: a digest to compare threads' results. */
static uint64_t digest(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    if (!h)
        h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* ---- DGX-1V facts, from NVIDIA's published hybrid cube-mesh ------------ */

/* NVLinks between the GPUs of one DGX-1 V100 (its `nvidia-smi topo -m`:
 * NV1/NV2; 0 is SYS or PIX/NODE, no NVLink). */
static const uint32_t dgx1v_nvlinks[8][8] = {
    {0, 1, 1, 2, 2, 0, 0, 0}, {1, 0, 2, 1, 0, 2, 0, 0},
    {1, 2, 0, 2, 0, 0, 1, 0}, {2, 1, 2, 0, 0, 0, 0, 1},
    {2, 0, 0, 0, 0, 1, 1, 2}, {0, 2, 0, 0, 1, 0, 2, 1},
    {0, 0, 1, 0, 1, 2, 0, 2}, {0, 0, 0, 1, 2, 1, 2, 0},
};
/* 25 GB/s per NVLink (DESIGN §5). Q{0,1,2,3} = 25+25+50+50+25+50 = 225;
 * Q{0,1,4,5} = 25+50+6+6+50+25 = 162 (GPU0-5 and GPU1-4 cross the
 * sockets: SYS, 6 GB/s). The best pair is an NV2 pair: 50. */
#define DGX1V_Q_QUAD 225.0
#define DGX1V_Q_SPLIT 162.0
#define DGX1V_Q_PAIR 50.0

#define CLUSTER_NODES 4
static const char cluster_json[] =
    "{\"nodes\": [{\"name\": \"dgx[1-4]\", \"template\": \"dgx1-v100\"}]}";

static gs_topo *load_cluster(void)
{
    gs_topo *t = NULL;
    if (gs_topo_load_buffer(&t, cluster_json, strlen(cluster_json),
                            "cluster.json", NULL) != GS_OK)
        fail_msg("cluster: %s", gs_topo_errmsg(t));
    assert_int_equal(gs_topo_gpu_count(t), 8 * CLUSTER_NODES);
    return t;
}

/* ---- many schedulers on one topology, readers alongside ---------------- */

typedef struct shared_topo {
    const gs_topo *topo;
    char matrix[4096]; /* node 0's matrix, rendered before the threads */
    char *json;        /* the topology as JSON, likewise */
} shared_topo;

/* The quality of job's GPUs, on the shared topology. */
static double job_quality(const gs_sched *s, const gs_topo *t, uint64_t job)
{
    uint32_t ids[64];
    size_t n = 0;
    uint32_t nodes = gs_sched_alloc_node_count(s, job);
    for (uint32_t k = 0; k < nodes; k++) {
        gs_alloc_node an = {sizeof an, 0, 0, 0, 0};
        uint32_t idx[64];
        size_t count = 0;
        if (gs_sched_alloc_node(s, job, k, &an) != GS_OK ||
            gs_sched_alloc_gpus(s, job, k, idx, 64, &count) != GS_OK ||
            n + count > 64)
            return -1;
        for (size_t i = 0; i < count; i++)
            ids[n++] = gs_topo_node_first_gpu(t, an.node) + idx[i];
    }
    double q = -1;
    if (gs_topo_quality(t, ids, n, &q) != GS_OK)
        return -1;
    return q;
}

/* One round: four 4-GPU jobs then eight 2-GPU jobs fill the four DGX-1V
 * nodes. nvlink-pack gives each 4-GPU job a whole quad (Q 225) and each
 * 2-GPU job an NV2 pair of the other quad (Q 50); then all end. */
static void *schedule_rounds(void *arg)
{
    worker *w = arg;
    const shared_topo *sh = w->shared;
    gs_sched *s = NULL;
    uint64_t ids[12];
    CHECK(w, gs_sched_create(&s, sh->topo, NULL) == GS_OK, "create: %s",
          gs_sched_errmsg(s));
    char user[32];
    snprintf(user, sizeof user, "user%d", w->id);
    for (int round = 0; round < 5; round++) {
        int64_t now = round * 100;
        for (int j = 0; j < 12; j++) {
            gs_job_spec spec;
            gs_job_spec_init(&spec);
            spec.gpus = j < 4 ? 4 : 2;
            spec.user = user;
            spec.submit_time = now;
            spec.time_limit = 50;
            CHECK(w, gs_sched_submit(s, &spec, &ids[j]) == GS_OK,
                  "submit: %s", gs_sched_errmsg(s));
        }
        /* a bad request: the message is this scheduler's own */
        gs_job_spec bad;
        gs_job_spec_init(&bad);
        bad.gpus = 0;
        uint64_t none = 0;
        CHECK(w, gs_sched_submit(s, &bad, &none) == GS_EINVAL,
              "a job of 0 GPUs was accepted");
        CHECK(w, strstr(gs_sched_errmsg(s), "gpus") != NULL,
              "message of another handle? \"%s\"", gs_sched_errmsg(s));
        size_t started = 0;
        CHECK(w, gs_sched_step(s, now + 1, &started) == GS_OK, "step: %s",
              gs_sched_errmsg(s));
        CHECK(w, started == 12, "round %d: %zu of 12 jobs started", round,
              started);
        /* the 12 starts, read and taken off the queue */
        CHECK(w, gs_sched_event_count(s) == 12 &&
                     gs_sched_events_consume(s, 12) == GS_OK,
              "round %d: %zu events queued", round, gs_sched_event_count(s));
        CHECK(w, gs_sched_check(s) == GS_OK, "check: %s",
              gs_sched_errmsg(s));
        CHECK(w, gs_sched_free_gpus(s) == 0, "%u GPUs left free",
              gs_sched_free_gpus(s));
        for (int j = 0; j < 12; j++) {
            double q = job_quality(s, sh->topo, ids[j]);
            double want = j < 4 ? DGX1V_Q_QUAD : DGX1V_Q_PAIR;
            CHECK(w, q == want, "job %d: Q %g, expected %g", j, q, want);
            gs_alloc_node an = {sizeof an, 0, 0, 0, 0};
            char cvd[64];
            CHECK(w, gs_sched_alloc_node(s, ids[j], 0, &an) == GS_OK &&
                         gs_sched_cuda_visible_devices(s, ids[j], 0, 0,
                                                       cvd, sizeof cvd,
                                                       NULL) == GS_OK,
                  "CUDA_VISIBLE_DEVICES: %s", gs_sched_errmsg(s));
            w->result = digest(w->result, &an.node, sizeof an.node);
            w->result = digest(w->result, cvd, strlen(cvd));
        }
        for (int j = 0; j < 12; j++)
            CHECK(w, gs_sched_complete(s, ids[j], now + 10) == GS_OK,
                  "complete: %s", gs_sched_errmsg(s));
        CHECK(w, gs_sched_free_gpus(s) == 8 * CLUSTER_NODES,
              "%u GPUs free after all ended", gs_sched_free_gpus(s));
        CHECK(w, gs_sched_check(s) == GS_OK, "check: %s",
              gs_sched_errmsg(s));
    }
out:
    gs_sched_destroy(s);
    return NULL;
}

/* Everything a reader asks of the shared topology, checked against the
 * DGX-1V facts and against what the main thread rendered alone. */
static void *query_topology(void *arg)
{
    worker *w = arg;
    const shared_topo *sh = w->shared;
    const gs_topo *t = sh->topo;
    char *json = NULL;
    for (int pass = 0; pass < 20; pass++) {
        uint32_t node = (uint32_t)(pass % CLUSTER_NODES);
        uint32_t base = gs_topo_node_first_gpu(t, node);
        for (uint32_t a = 0; a < 8; a++)
            for (uint32_t b = 0; b < 8; b++) {
                if (a == b)
                    continue;
                gs_link_info li;
                gs_link_info_init(&li);
                CHECK(w, gs_topo_link(t, base + a, base + b, &li) == GS_OK,
                      "link %u-%u", a, b);
                CHECK(w, li.nvlinks == dgx1v_nvlinks[a][b],
                      "GPU%u-GPU%u: %u NVLinks, expected %u", a, b,
                      li.nvlinks, dgx1v_nvlinks[a][b]);
                if (dgx1v_nvlinks[a][b])
                    CHECK(w,
                          gs_topo_bandwidth(t, base + a, base + b) ==
                              25.0 * dgx1v_nvlinks[a][b],
                          "GPU%u-GPU%u bandwidth %g", a, b,
                          gs_topo_bandwidth(t, base + a, base + b));
            }
        uint32_t quad[] = {base, base + 1, base + 2, base + 3};
        uint32_t split[] = {base, base + 1, base + 4, base + 5};
        double q = 0;
        CHECK(w, gs_topo_quality(t, quad, 4, &q) == GS_OK && q == DGX1V_Q_QUAD,
              "Q{0,1,2,3} = %g", q);
        CHECK(w,
              gs_topo_quality(t, split, 4, &q) == GS_OK && q == DGX1V_Q_SPLIT,
              "Q{0,1,4,5} = %g", q);
        /* GPUs of different nodes: no NVLink domain here, so 0 */
        CHECK(w, gs_topo_bandwidth(t, 0, 8) == 0.0, "GPU0-GPU8 %g",
              gs_topo_bandwidth(t, 0, 8));
        char text[4096];
        size_t len = 0;
        CHECK(w, gs_topo_node_matrix(t, 0, 0, text, sizeof text, &len) ==
                     GS_OK,
              "matrix: %s", gs_topo_errmsg(t));
        CHECK(w, strcmp(text, sh->matrix) == 0, "matrix differs:\n%s", text);
        char cells[8 * 8][8];
        CHECK(w, test_parse_smi_cells(text, cells, 8) == 8,
              "matrix not 8x8:\n%s", text);
        for (int a = 0; a < 8; a++)
            for (int b = 0; b < 8; b++) {
                const char *want = a == b                       ? "X"
                                   : dgx1v_nvlinks[a][b] == 1 ? "NV1"
                                   : dgx1v_nvlinks[a][b] == 2 ? "NV2"
                                                              : NULL;
                if (!want)
                    continue; /* a PCIe level */
                CHECK(w, strcmp(cells[a * 8 + b], want) == 0,
                      "cell %d,%d: %s, expected %s", a, b, cells[a * 8 + b],
                      want);
            }
        CHECK(w, gs_topo_find_node(t, "dgx3") == 2, "dgx3 not node 2");
        CHECK(w, strcmp(gs_topo_errmsg(t), "") == 0,
              "a query set the message: %s", gs_topo_errmsg(t));
        CHECK(w, gs_topo_to_json(t, &json, NULL) == GS_OK, "to_json");
        CHECK(w, strcmp(json, sh->json) == 0, "JSON differs");
        gs_free(json);
        json = NULL;
    }
out:
    gs_free(json);
    return NULL;
}

static void *schedule_or_query(void *arg)
{
    worker *w = arg;
    return w->id % 2 ? query_topology(arg) : schedule_rounds(arg);
}

static void schedulers_share_a_topology(void **state)
{
    (void)state;
    shared_topo sh;
    gs_topo *t = load_cluster();
    sh.topo = t;
    assert_int_equal(gs_topo_node_matrix(t, 0, 0, sh.matrix, sizeof sh.matrix,
                                         NULL),
                     GS_OK);
    assert_int_equal(gs_topo_to_json(t, &sh.json, NULL), GS_OK);

    worker ws[N_THREADS];
    /* every thread schedules */
    run_workers(ws, N_THREADS, schedule_rounds, &sh);
    /* the same decisions in every thread, as with one thread alone */
    worker alone;
    run_workers(&alone, 1, schedule_rounds, &sh);
    assert_true(alone.result != 0);
    for (int i = 0; i < N_THREADS; i++)
        assert_true(ws[i].result == alone.result);
    /* half schedule, half query */
    run_workers(ws, N_THREADS, schedule_or_query, &sh);
    for (int i = 0; i < N_THREADS; i += 2)
        assert_true(ws[i].result == alone.result);
    gs_free(sh.json);
    gs_topo_destroy(t);
}

/* ---- one scheduler, several threads, the caller's lock ----------------- */

typedef struct locked_sched {
    pthread_mutex_t lock;
    gs_sched *s;
    const gs_topo *topo;
    int64_t now;      /* the host's clock, under the lock: never goes back */
    size_t forgotten; /* jobs the forget hook saw, under the lock */
} locked_sched;

/* The forget hook runs inside a step, in the thread that holds the lock. */
static void count_forgotten(void *user_data, const gs_sched *s,
                            const gs_job_info *info)
{
    (void)s;
    locked_sched *ls = user_data;
    if (info->state == GS_JOB_COMPLETED)
        ls->forgotten++;
}

/* Each thread submits 2-GPU jobs, steps, takes the step's event and
 * completes what it started, every call under the lock, at the shared
 * clock (10 s a job: ended jobs are forgotten after 300 s). */
static void *use_locked_scheduler(void *arg)
{
    worker *w = arg;
    locked_sched *ls = w->shared;
    for (int i = 0; i < 20; i++) {
        pthread_mutex_lock(&ls->lock);
        int64_t now = ls->now;
        ls->now += 10;
        gs_job_spec spec;
        gs_job_spec_init(&spec);
        spec.gpus = 2;
        spec.submit_time = now;
        uint64_t id = 0;
        gs_status st = gs_sched_submit(ls->s, &spec, &id);
        if (st == GS_OK)
            st = gs_sched_step(ls->s, now, NULL);
        gs_event ev = GS_EVENT_INIT;
        if (st == GS_OK)
            st = gs_sched_next_event(ls->s, &ev);
        size_t more = gs_sched_event_count(ls->s);
        gs_job_info info;
        memset(&info, 0, sizeof info);
        info.struct_size = sizeof info;
        if (st == GS_OK)
            st = gs_sched_job_info(ls->s, id, &info);
        double q = st == GS_OK ? job_quality(ls->s, ls->topo, id) : -1;
        if (st == GS_OK)
            st = gs_sched_complete(ls->s, id, now);
        if (st == GS_OK)
            st = gs_sched_check(ls->s);
        char msg[256];
        snprintf(msg, sizeof msg, "%s", gs_sched_errmsg(ls->s));
        pthread_mutex_unlock(&ls->lock);
        CHECK(w, st == GS_OK, "job %d: %s", i, msg);
        /* the step's one event: this job started */
        CHECK(w, ev.kind == GS_EVENT_STARTED && ev.job == id && more == 0,
              "job %d: event %d for job %llu, %zu more", i, (int)ev.kind,
              (unsigned long long)ev.job, more);
        /* each job ran alone on an idle cluster: an NV2 pair */
        CHECK(w, info.state == GS_JOB_RUNNING, "job %d did not start", i);
        CHECK(w, q == DGX1V_Q_PAIR, "job %d: Q %g", i, q);
    }
out:
    return NULL;
}

static void one_scheduler_under_a_lock(void **state)
{
    (void)state;
    locked_sched ls;
    gs_topo *t = load_cluster();
    ls.topo = t;
    ls.s = NULL;
    ls.now = 0;
    ls.forgotten = 0;
    assert_int_equal(pthread_mutex_init(&ls.lock, NULL), 0);
    assert_int_equal(gs_sched_create(&ls.s, t, NULL), GS_OK);
    assert_int_equal(gs_sched_set_forget_hook(ls.s, count_forgotten, &ls),
                     GS_OK);
    worker ws[N_THREADS];
    run_workers(ws, N_THREADS, use_locked_scheduler, &ls);
    /* every job is held or was forgotten: those that ended 300 s or more
     * before the last step, at 10 * (20 * N_THREADS - 1), which keeps the
     * last 30 */
    assert_int_equal(ls.forgotten, 20 * N_THREADS - 30);
    assert_int_equal(gs_sched_job_count(ls.s) + ls.forgotten,
                     20 * N_THREADS);
    assert_int_equal(gs_sched_free_gpus(ls.s), 8 * CLUSTER_NODES);
    assert_int_equal(gs_sched_check(ls.s), GS_OK);
    gs_sched_destroy(ls.s);
    pthread_mutex_destroy(&ls.lock);
    gs_topo_destroy(t);
}

/* ---- the policy registry ----------------------------------------------- */

typedef struct registry_run {
    const gs_topo *topo;
    size_t n_builtin;
    gs_placement_ops ops[N_THREADS];
    char names[N_THREADS][32];
    gs_placement_ops contested; /* registered by every thread at once */
    int contested_ok[N_THREADS];
} registry_run;

/* Register a policy of its own (first-fit's place function under another
 * name), race the others for one more, look policies up, schedule with its
 * own by name, then unregister it. */
static void *use_registry(void *arg)
{
    worker *w = arg;
    registry_run *r = w->shared;
    gs_sched *s = NULL;
    const gs_placement_ops *mine = &r->ops[w->id];
    CHECK(w, gs_placement_register(mine) == GS_OK, "register %s",
          mine->name);
    gs_status st = gs_placement_register(&r->contested);
    CHECK(w, st == GS_OK || st == GS_EEXIST, "contested: %s",
          gs_status_name(st));
    r->contested_ok[w->id] = st == GS_OK;
    for (int i = 0; i < 50; i++) {
        CHECK(w, gs_placement_find("nvlink-pack") != NULL, "no nvlink-pack");
        CHECK(w, gs_placement_find(mine->name) == mine, "own policy lost");
        size_t n = gs_placement_count();
        CHECK(w, n > r->n_builtin && n <= r->n_builtin + N_THREADS + 1,
              "%zu policies", n);
        CHECK(w, strcmp(gs_placement_name(0), "first-fit") == 0,
              "policy 0 is %s", gs_placement_name(0));
    }
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.placement = mine->name;
    CHECK(w, gs_sched_create(&s, r->topo, &cfg) == GS_OK, "create: %s",
          gs_sched_errmsg(s));
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 2;
    uint64_t id = 0;
    size_t started = 0;
    CHECK(w, gs_sched_submit(s, &spec, &id) == GS_OK &&
                 gs_sched_step(s, 1, &started) == GS_OK && started == 1,
          "2 GPUs: %s", gs_sched_errmsg(s));
    /* first-fit: the lowest free GPUs, 0 and 1 */
    uint32_t idx[2] = {99, 99};
    CHECK(w, gs_sched_alloc_gpus(s, id, 0, idx, 2, NULL) == GS_OK &&
                 idx[0] == 0 && idx[1] == 1,
          "first-fit gave GPUs %u,%u", idx[0], idx[1]);
    /* unregistered, it stays with the scheduler that uses it */
    CHECK(w, gs_placement_unregister(mine->name) == GS_OK, "unregister");
    CHECK(w, gs_placement_find(mine->name) == NULL, "still registered");
    spec.submit_time = 2; /* not before the scheduler's clock */
    CHECK(w, gs_sched_complete(s, id, 2) == GS_OK &&
                 gs_sched_submit(s, &spec, &id) == GS_OK &&
                 gs_sched_step(s, 3, &started) == GS_OK && started == 1,
          "after unregistering: %s", gs_sched_errmsg(s));
out:
    gs_sched_destroy(s);
    return NULL;
}

static void registry_from_threads(void **state)
{
    (void)state;
    registry_run r;
    memset(&r, 0, sizeof r);
    gs_topo *t = load_cluster();
    r.topo = t;
    r.n_builtin = gs_placement_count();
    const gs_placement_ops *ff = gs_placement_find("first-fit");
    assert_non_null(ff);
    for (int i = 0; i < N_THREADS; i++) {
        snprintf(r.names[i], sizeof r.names[i], "thread-policy-%d", i);
        r.ops[i] = *ff;
        r.ops[i].name = r.names[i];
    }
    r.contested = *ff;
    r.contested.name = "contested-policy";
    worker ws[N_THREADS];
    run_workers(ws, N_THREADS, use_registry, &r);
    int winners = 0;
    for (int i = 0; i < N_THREADS; i++)
        winners += r.contested_ok[i];
    assert_int_equal(winners, 1);
    assert_ptr_equal(gs_placement_find("contested-policy"), &r.contested);
    assert_int_equal(gs_placement_unregister("contested-policy"), GS_OK);
    assert_int_equal(gs_placement_count(), r.n_builtin);
    gs_topo_destroy(t);
}

/* ---- templates loaded in parallel -------------------------------------- */

typedef struct template_run {
    size_t n;
    char **json; /* each template as JSON, loaded by the main thread alone */
    char hwloc_xml[1024];
    char *hwloc_json; /* the hwloc XML file as JSON, likewise */
} template_run;

static void *load_templates(void *arg)
{
    worker *w = arg;
    const template_run *tr = w->shared;
    gs_topo *t = NULL;
    char *json = NULL;
    for (int pass = 0; pass < 3; pass++)
        for (size_t k = 0; k < tr->n; k++) {
            size_t i = (k + (size_t)w->id) % tr->n; /* not all in step */
            const char *name = gs_template_name(i);
            CHECK(w, gs_topo_load(&t, name, NULL) == GS_OK, "%s: %s", name,
                  gs_topo_errmsg(t));
            CHECK(w, gs_topo_to_json(t, &json, NULL) == GS_OK, "%s", name);
            CHECK(w, strcmp(json, tr->json[i]) == 0, "%s loads differently",
                  name);
            gs_free(json);
            json = NULL;
            gs_topo_destroy(t);
            t = NULL;
        }
    /* hwloc XML files too, in parallel */
    for (int pass = 0; pass < 3 && GS_HAVE_HWLOC_BUILD; pass++) {
        CHECK(w, gs_topo_load(&t, tr->hwloc_xml, NULL) == GS_OK, "%s: %s",
              tr->hwloc_xml, gs_topo_errmsg(t));
        CHECK(w, gs_topo_to_json(t, &json, NULL) == GS_OK, "hwloc to_json");
        CHECK(w, strcmp(json, tr->hwloc_json) == 0, "hwloc XML differs");
        gs_free(json);
        json = NULL;
        gs_topo_destroy(t);
        t = NULL;
    }
    /* a failing load: the message is on this thread's handle */
    char bad[64];
    snprintf(bad, sizeof bad, "no-such-template-%d", w->id);
    CHECK(w, gs_topo_load(&t, bad, NULL) != GS_OK, "%s loaded", bad);
    CHECK(w, t && strstr(gs_topo_errmsg(t), bad) != NULL,
          "message \"%s\" does not name %s", t ? gs_topo_errmsg(t) : "",
          bad);
out:
    gs_free(json);
    gs_topo_destroy(t);
    return NULL;
}

static void templates_in_parallel(void **state)
{
    (void)state;
    template_run tr;
    tr.n = gs_template_count();
    assert_true(tr.n >= 10);
    tr.json = calloc(tr.n, sizeof *tr.json);
    assert_non_null(tr.json);
    for (size_t i = 0; i < tr.n; i++) {
        gs_topo *t = NULL;
        assert_int_equal(gs_topo_load(&t, gs_template_name(i), NULL), GS_OK);
        assert_int_equal(gs_topo_to_json(t, &tr.json[i], NULL), GS_OK);
        gs_topo_destroy(t);
    }
    snprintf(tr.hwloc_xml, sizeof tr.hwloc_xml, "%s/probe/dgx1-v100.xml",
             GS_TEST_DATA_DIR);
    tr.hwloc_json = NULL;
    if (GS_HAVE_HWLOC_BUILD) {
        gs_topo *t = NULL;
        if (gs_topo_load(&t, tr.hwloc_xml, NULL) != GS_OK)
            fail_msg("%s: %s", tr.hwloc_xml, gs_topo_errmsg(t));
        assert_int_equal(gs_topo_gpu_count(t), 8);
        assert_int_equal(gs_topo_to_json(t, &tr.hwloc_json, NULL), GS_OK);
        gs_topo_destroy(t);
    }
    worker ws[N_THREADS];
    run_workers(ws, N_THREADS, load_templates, &tr);
    for (size_t i = 0; i < tr.n; i++)
        gs_free(tr.json[i]);
    free(tr.json);
    gs_free(tr.hwloc_json);
}

/* ---- one fair-share tree per thread ------------------------------------ */

static const char accounts_json[] =
    "{\"accounts\": [{\"name\": \"A\", \"shares\": 1},"
    "               {\"name\": \"B\", \"shares\": 1}],"
    " \"users\": [{\"name\": \"a1\", \"account\": \"A\"},"
    "            {\"name\": \"b1\", \"account\": \"B\"}]}";

/* Accounts A and B with equal shares, one user each; a1 used 100, b1
 * nothing.
 * Fair tree: B's level fair share is infinite (no usage), so b1 ranks
 * first of two users: factor 2/2 = 1; a1 second: 1/2.
 * Classic: a1's normalized share S = 1/2 (A's half, a1 alone in A) and
 * effective usage UE = 1 (all of root's usage; alone in A, it takes A's
 * UE), so F = 2^(-UE/S) = 2^-2 = 0.25; b1 has no usage: 2^0 = 1. */
static void *use_own_share(void *arg)
{
    worker *w = arg;
    gs_share *sh = NULL;
    gs_topo *t = NULL;
    gs_sched *s1 = NULL, *s2 = NULL;
    CHECK(w, gs_share_create(&sh) == GS_OK, "create");
    CHECK(w, gs_share_load_accounts(sh, accounts_json, strlen(accounts_json),
                                    "accounts.json") == GS_OK,
          "accounts: %s", gs_share_errmsg(sh));
    CHECK(w, gs_share_set_half_life(sh, 0) == GS_OK, "half-life");
    CHECK(w, gs_share_set_usage(sh, "a1", "A", 100, 0) == GS_OK, "usage: %s",
          gs_share_errmsg(sh));
    for (int i = 0; i < 20; i++) {
        CHECK(w, gs_share_compute(sh, GS_FAIRSHARE_FAIR_TREE, 10) == GS_OK,
              "fair tree: %s", gs_share_errmsg(sh));
        CHECK(w, gs_share_factor(sh, "b1", "B") == 1.0, "fair tree b1 %g",
              gs_share_factor(sh, "b1", "B"));
        CHECK(w, gs_share_factor(sh, "a1", "A") == 0.5, "fair tree a1 %g",
              gs_share_factor(sh, "a1", "A"));
        /* rows use a cache kept in the tree: fine from its one thread */
        size_t rows = gs_share_row_count(sh);
        CHECK(w, rows == 5, "%zu rows (root, A, a1, B, b1)", rows);
        for (size_t r = 0; r < rows; r++) {
            gs_share_row row;
            memset(&row, 0, sizeof row);
            row.struct_size = sizeof row;
            CHECK(w, gs_share_row_get(sh, r, &row) == GS_OK, "row %zu", r);
        }
        CHECK(w, gs_share_compute(sh, GS_FAIRSHARE_CLASSIC, 10) == GS_OK,
              "classic: %s", gs_share_errmsg(sh));
        CHECK(w, fabs(gs_share_factor(sh, "a1", "A") - 0.25) < 1e-12,
              "classic a1 %g", gs_share_factor(sh, "a1", "A"));
        CHECK(w, gs_share_factor(sh, "b1", "B") == 1.0, "classic b1 %g",
              gs_share_factor(sh, "b1", "B"));
    }
    /* two schedulers given this tree, both used from this thread */
    CHECK(w, gs_topo_load(&t, "dgx1-v100", NULL) == GS_OK, "%s",
          gs_topo_errmsg(t));
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.share = sh;
    CHECK(w, gs_sched_create(&s1, t, &cfg) == GS_OK, "%s",
          gs_sched_errmsg(s1));
    CHECK(w, gs_sched_create(&s2, t, &cfg) == GS_OK, "%s",
          gs_sched_errmsg(s2));
    for (int i = 0; i < 10; i++) {
        gs_job_spec spec;
        gs_job_spec_init(&spec);
        spec.gpus = 8;
        spec.user = i % 2 ? "a1" : "b1";
        spec.account = i % 2 ? "A" : "B";
        spec.submit_time = i * 10;
        uint64_t id1 = 0, id2 = 0;
        size_t n1 = 0, n2 = 0;
        CHECK(w, gs_sched_submit(s1, &spec, &id1) == GS_OK &&
                     gs_sched_submit(s2, &spec, &id2) == GS_OK,
              "submit: %s %s", gs_sched_errmsg(s1), gs_sched_errmsg(s2));
        CHECK(w, gs_sched_step(s1, i * 10, &n1) == GS_OK &&
                     gs_sched_step(s2, i * 10, &n2) == GS_OK && n1 == 1 &&
                     n2 == 1,
              "step %d: %zu and %zu started", i, n1, n2);
        CHECK(w, gs_sched_complete(s1, id1, i * 10 + 5) == GS_OK &&
                     gs_sched_complete(s2, id2, i * 10 + 5) == GS_OK,
              "complete");
    }
    /* both charged the tree: 5 jobs each of 8 GPUs for 5 s per user, on
     * top of a1's 100 (no decay) */
    CHECK(w, gs_share_usage(sh, "b1", "B", 100) == 2 * 5 * 8 * 5.0,
          "b1 usage %g", gs_share_usage(sh, "b1", "B", 100));
    CHECK(w, gs_share_usage(sh, "a1", "A", 100) == 100 + 2 * 5 * 8 * 5.0,
          "a1 usage %g", gs_share_usage(sh, "a1", "A", 100));
out:
    gs_sched_destroy(s1);
    gs_sched_destroy(s2);
    gs_topo_destroy(t);
    gs_share_destroy(sh);
    return NULL;
}

static void one_share_per_thread(void **state)
{
    (void)state;
    worker ws[N_THREADS];
    run_workers(ws, N_THREADS, use_own_share, NULL);
}

/* ---- probes in parallel ------------------------------------------------ */

typedef struct probe_run {
    char xml[1024];
    char *json; /* what one probe alone finds */
} probe_run;

static gs_status probe_once(const probe_run *pr, gs_topo **t,
                            gs_probe_report **report)
{
    gs_probe_options o;
    gs_probe_options_init(&o);
    o.cuda_library = GS_FAKE_CUDA;
    o.nvml_library = GS_FAKE_NVML;
    if (GS_HAVE_HWLOC_BUILD)
        o.hwloc_xml = pr->xml;
    else
        o.flags |= GS_PROBE_NO_HWLOC;
    o.hostname = "probed";
    o.report = report;
    return gs_topo_probe(t, &o);
}

static void *probe_in_thread(void *arg)
{
    worker *w = arg;
    const probe_run *pr = w->shared;
    gs_topo *t = NULL;
    gs_probe_report *report = NULL;
    char *json = NULL;
    for (int i = 0; i < 5; i++) {
        CHECK(w, probe_once(pr, &t, &report) == GS_OK, "probe: %s",
              gs_topo_errmsg(t));
        gs_probe_summary sum;
        gs_probe_summary_init(&sum);
        CHECK(w, gs_probe_report_summary(report, &sum) == GS_OK &&
                     sum.status == GS_OK,
              "summary");
        CHECK(w, gs_topo_gpu_count(t) == 8, "%u GPUs", gs_topo_gpu_count(t));
        gs_link_info li;
        gs_link_info_init(&li);
        CHECK(w, gs_topo_link(t, 0, 3, &li) == GS_OK && li.nvlinks == 2,
              "GPU0-GPU3: %u NVLinks", li.nvlinks);
        CHECK(w, gs_topo_to_json(t, &json, NULL) == GS_OK, "to_json");
        CHECK(w, strcmp(json, pr->json) == 0, "probed differently");
        gs_free(json);
        json = NULL;
        gs_probe_report_destroy(report);
        report = NULL;
        gs_topo_destroy(t);
        t = NULL;
    }
out:
    gs_free(json);
    gs_probe_report_destroy(report);
    gs_topo_destroy(t);
    return NULL;
}

static void probes_in_parallel(void **state)
{
    (void)state;
    probe_run pr;
    char machine[1024];
    snprintf(machine, sizeof machine, "%s/probe/dgx1-v100.machine",
             GS_TEST_DATA_DIR);
    snprintf(pr.xml, sizeof pr.xml, "%s/probe/dgx1-v100.xml",
             GS_TEST_DATA_DIR);
    /* the environment is set before the threads and left alone while they
     * probe (docs/threading.md) */
    setenv("GPUSCHED_FAKE_MACHINE", machine, 1);
    unsetenv("CUDA_VISIBLE_DEVICES");
    gs_topo *t = NULL;
    gs_probe_report *report = NULL;
    gs_status st = probe_once(&pr, &t, &report);
    if (st != GS_OK)
        fail_msg("probe: %s", gs_topo_errmsg(t));
    assert_int_equal(gs_topo_to_json(t, &pr.json, NULL), GS_OK);
    gs_probe_report_destroy(report);
    gs_topo_destroy(t);
    worker ws[N_THREADS];
    run_workers(ws, N_THREADS, probe_in_thread, &pr);
    gs_free(pr.json);
}

/* ---- the allocator: set once at start, called from every thread -------- */

/* Hooks must be thread-safe when the library is used from several threads:
 * these count with atomics. */
static atomic_long hook_live, hook_calls;

static void *hook_malloc(void *user, size_t size)
{
    (void)user;
    void *p = malloc(size);
    if (p) {
        atomic_fetch_add(&hook_live, 1);
        atomic_fetch_add(&hook_calls, 1);
    }
    return p;
}

static void *hook_realloc(void *user, void *ptr, size_t size)
{
    (void)user;
    atomic_fetch_add(&hook_calls, 1);
    return realloc(ptr, size);
}

static void hook_free(void *user, void *ptr)
{
    (void)user;
    if (ptr)
        atomic_fetch_sub(&hook_live, 1);
    free(ptr);
}

int main(void)
{
    /* before any other gpusched call, from this one thread */
    const gs_allocator hooks = {hook_malloc, hook_realloc, hook_free, NULL};
    if (gs_set_allocator(&hooks) != GS_OK) {
        fprintf(stderr, "gs_set_allocator refused the hooks\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schedulers_share_a_topology),
        cmocka_unit_test(one_scheduler_under_a_lock),
        cmocka_unit_test(registry_from_threads),
        cmocka_unit_test(templates_in_parallel),
        cmocka_unit_test(one_share_per_thread),
        cmocka_unit_test(probes_in_parallel),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    /* every thread's memory went through the hooks and came back */
    if (atomic_load(&hook_calls) == 0 || atomic_load(&hook_live) != 0) {
        fprintf(stderr, "allocator hooks: %ld calls, %ld blocks not freed\n",
                atomic_load(&hook_calls), atomic_load(&hook_live));
        return 1;
    }
    return failed;
}
