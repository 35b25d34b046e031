/*
 * Snapshots: save, restore, and a restored scheduler that decides exactly
 * as the saved one would have.
 *
 * The property test drives two schedulers with the same random calls;
 * at a random point the second is replaced by a restore of the first's
 * snapshot, and from then on every status, event, priority breakdown and
 * usage figure must be identical, and so must the state (their snapshots
 * are compared byte for byte after every call).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"
#include "membuf.h"

#include <stdlib.h>
#include <unistd.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint64_t pick(uint64_t n)
{
    return n ? next() % n : 0;
}

static gs_topo *load(const char *src)
{
    gs_topo *t = NULL;
    gs_status st = src[0] == '{'
                       ? gs_topo_load_buffer(&t, src, strlen(src), "test", NULL)
                       : gs_topo_load(&t, src, NULL);
    if (st != GS_OK)
        fail_msg("load %s: %s", src, t ? gs_topo_errmsg(t) : "");
    return t;
}

/* A snapshot in memory. */
static membuf snap(gs_sched *s)
{
    membuf m = {0};
    gs_status st = gs_sched_save(s, membuf_write, &m);
    if (st != GS_OK)
        fail_msg("save: %s", gs_sched_errmsg(s));
    return m;
}

static void assert_same_state(gs_sched *a, gs_sched *b, const char *after)
{
    membuf x = snap(a), y = snap(b);
    if (x.n != y.n || memcmp(x.p, y.p, x.n) != 0) {
        size_t i = 0;
        while (i < x.n && i < y.n && x.p[i] == y.p[i])
            i++;
        FILE *fa = fopen("/tmp/sa.gss", "wb"), *fb = fopen("/tmp/sb.gss", "wb");
        if (fa && fb) {
            fwrite(x.p, 1, x.n, fa);
            fwrite(y.p, 1, y.n, fb);
        }
        if (fa)
            fclose(fa);
        if (fb)
            fclose(fb);
        fail_msg("after %s: snapshots differ at byte %zu (%zu vs %zu bytes; "
                 "written to /tmp/sa.gss and /tmp/sb.gss)",
                 after, i, x.n, y.n);
    }
    free(x.p);
    free(y.p);
}

static const char *const topologies[] = {
    "dgx-h100",
    "dgx1-v100",
    "{\"nodes\": [{\"name\": \"h[1-4]\", \"template\": \"dgx-h100\", "
    "\"racks\": {\"size\": 2, \"prefix\": \"leaf\", \"parent\": \"spine\"}},"
    " {\"name\": \"v[1-2]\", \"template\": \"dgx1-v100\"},"
    " {\"name\": \"p1\", \"template\": \"pcie-8gpu\"}]}",
};

static const char *const configs[] = {
    "{\"accounts\": [{\"name\": \"a\", \"shares\": 3}, {\"name\": \"b\"}],"
    " \"users\": [{\"name\": \"u1\", \"account\": \"a\"}], "
    " \"priority_weights\": {\"calc_period\": 0}}",
    "{\"backfill\": {\"mode\": \"easy\", \"depth\": 5, \"interval\": 7}}",
    "{\"backfill\": \"conservative\", \"preemption\": \"requeue\"}",
    "{\"ordering\": \"fifo\", \"preemption\": \"cancel\"}",
    "{\"ordering\": \"priority\", \"fairshare\": \"classic\"}",
    "{\"limits\": {\"default_user\": 6, \"accounts\": {\"a\": 3}}}",
    "{\"usage_weights\": {\"gpu\": 2, \"models\": {\"H100\": 3}}}",
};

static const char *const users[] = {"u1", "u2", "u3", NULL};
static const char *const accounts[] = {"a", "b", NULL};

/* Both schedulers, the clock and the ids the test has seen. */
typedef struct pair {
    gs_sched *a, *b;
    int64_t now;
    uint64_t last_id;
    char what[96];
} pair;

#define BOTH(p, call)                                                       \
    do {                                                                    \
        gs_sched *s_ = (p)->a;                                              \
        gs_status x_ = (call);                                              \
        s_ = (p)->b;                                                        \
        gs_status y_ = (call);                                              \
        if (x_ != y_)                                                       \
            fail_msg("%s: %s vs %s (%s | %s)", (p)->what,                   \
                     gs_status_name(x_), gs_status_name(y_),                \
                     gs_sched_errmsg((p)->a), gs_sched_errmsg((p)->b));     \
    } while (0)

static void same_events(pair *p)
{
    size_t n = gs_sched_event_count(p->a);
    assert_int_equal(n, gs_sched_event_count(p->b));
    for (size_t i = 0; i < n; i++) {
        gs_event x = GS_EVENT_INIT, y = GS_EVENT_INIT;
        assert_int_equal(gs_sched_event(p->a, i, &x), GS_OK);
        assert_int_equal(gs_sched_event(p->b, i, &y), GS_OK);
        assert_int_equal(x.kind, y.kind);
        assert_int_equal(x.job, y.job);
        assert_int_equal(x.time, y.time);
    }
}

static void same_usage(pair *p)
{
    gs_share *x = gs_sched_share(p->a), *y = gs_sched_share(p->b);
    for (size_t u = 0; u < LEN(users); u++)
        for (size_t a = 0; a < LEN(accounts); a++) {
            const char *acct = accounts[a] ? accounts[a] : "root";
            const char *user = users[u] ? users[u] : "(none)";
            double ux = gs_share_usage(x, user, acct, (double)p->now);
            double uy = gs_share_usage(y, user, acct, (double)p->now);
            if (memcmp(&ux, &uy, sizeof ux) != 0)
                fail_msg("%s: usage of %s/%s %.17g vs %.17g", p->what, user,
                         acct, ux, uy);
        }
}

static void one_call(pair *p)
{
    uint64_t k = pick(100);
    uint64_t job = 1 + pick(p->last_id + 2);
    if (k < 30) {
        gs_job_spec spec;
        gs_job_spec_init(&spec);
        spec.gpus = 1 + (uint32_t)pick(8);
        if (pick(4) == 0)
            spec.gpus = 8 * (1 + (uint32_t)pick(3));
        if (pick(5) == 0 && spec.gpus % 8 == 0)
            spec.gpus_per_node = 8;
        spec.time_limit = pick(3) ? (int64_t)(10 + pick(500)) : 0;
        spec.priority = (int64_t)pick(5);
        spec.preemptible = pick(3) == 0;
        spec.user = users[pick(LEN(users))];
        spec.account = accounts[pick(LEN(accounts))];
        spec.submit_time = p->now + (int64_t)pick(3);
        spec.cpus_per_gpu = (uint32_t)pick(3);
        spec.name = pick(2) ? "train" : NULL;
        if (pick(8) == 0 && p->last_id)
            spec.depends_on = 1 + pick(p->last_id);
        snprintf(p->what, sizeof p->what, "submit %u GPUs", spec.gpus);
        uint64_t ia = 0, ib = 0;
        gs_status x = gs_sched_submit(p->a, &spec, &ia);
        gs_status y = gs_sched_submit(p->b, &spec, &ib);
        if (x != y || ia != ib)
            fail_msg("submit: %s/%llu vs %s/%llu (%s | %s)",
                     gs_status_name(x), (unsigned long long)ia,
                     gs_status_name(y), (unsigned long long)ib,
                     gs_sched_errmsg(p->a), gs_sched_errmsg(p->b));
        if (x == GS_OK)
            p->last_id = ia;
    } else if (k < 50) {
        p->now += (int64_t)pick(120);
        snprintf(p->what, sizeof p->what, "step %lld", (long long)p->now);
        size_t x = 0, y = 0;
        BOTH(p, gs_sched_step(s_, p->now, s_ == p->a ? &x : &y));
        assert_int_equal(x, y);
    } else if (k < 62) {
        p->now += (int64_t)pick(30);
        snprintf(p->what, sizeof p->what, "end job %llu",
                 (unsigned long long)job);
        if (k < 56)
            BOTH(p, gs_sched_complete(s_, job, p->now));
        else if (k < 59)
            BOTH(p, gs_sched_fail(s_, job, p->now));
        else
            BOTH(p, gs_sched_cancel(s_, job, p->now));
    } else if (k < 70) {
        size_t n = gs_sched_event_count(p->a);
        size_t c = pick(n + 2);
        snprintf(p->what, sizeof p->what, "consume %zu", c);
        BOTH(p, gs_sched_events_consume(s_, c));
    } else if (k < 74) {
        uint32_t gpu = (uint32_t)pick(gs_topo_gpu_count(gs_sched_topo(p->a)));
        snprintf(p->what, sizeof p->what, "fail/repair GPU %u", gpu);
        if (k < 72) {
            uint64_t ja = 0, jb = 0;
            p->now += (int64_t)pick(5);
            BOTH(p, gs_sched_fail_gpu(s_, gpu, p->now,
                                      s_ == p->a ? &ja : &jb));
            assert_int_equal(ja, jb);
        } else {
            BOTH(p, gs_sched_repair_gpu(s_, gpu));
        }
    } else if (k < 78) {
        uint32_t nodes = (uint32_t)gs_topo_node_count(gs_sched_topo(p->a));
        uint32_t node = (uint32_t)pick(nodes);
        snprintf(p->what, sizeof p->what, "drain/resume %u", node);
        switch (k % 4) {
        case 0: BOTH(p, gs_sched_drain_node(s_, node)); break;
        case 1: BOTH(p, gs_sched_resume_node(s_, node)); break;
        case 2: BOTH(p, gs_sched_drain_gpu(s_, node)); break;
        default: BOTH(p, gs_sched_resume_gpu(s_, node)); break;
        }
    } else if (k < 84) {
        gs_priority_breakdown x = GS_PRIORITY_BREAKDOWN_INIT,
                              y = GS_PRIORITY_BREAKDOWN_INIT;
        snprintf(p->what, sizeof p->what, "priority of %llu",
                 (unsigned long long)job);
        gs_status sx = gs_sched_job_priority(p->a, job, &x);
        gs_status sy = gs_sched_job_priority(p->b, job, &y);
        assert_int_equal(sx, sy);
        if (sx == GS_OK && (memcmp(&x.total, &y.total, sizeof x.total) ||
                            memcmp(&x.fairshare, &y.fairshare,
                                   sizeof x.fairshare) ||
                            memcmp(&x.value, &y.value, sizeof x.value)))
            fail_msg("priority of job %llu: %.17g/%.17g vs %.17g/%.17g",
                     (unsigned long long)job, x.total, x.value, y.total,
                     y.value);
    } else if (k < 87) {
        p->now += (int64_t)pick(50);
        snprintf(p->what, sizeof p->what, "update usage");
        BOTH(p, gs_sched_update_usage(s_, p->now));
    } else if (k < 90) {
        const char *c = configs[pick(LEN(configs))];
        snprintf(p->what, sizeof p->what, "configure %.60s", c);
        BOTH(p, gs_sched_configure(s_, c, strlen(c), NULL));
    } else if (k < 93) {
        snprintf(p->what, sizeof p->what, "set factor");
        double f = (double)pick(1000) / 7.0;
        BOTH(p, gs_sched_set_job_factor(s_, job, f));
    } else if (k < 95) {
        int64_t keep = (int64_t)pick(200);
        int64_t count = pick(2) ? (int64_t)pick(20) : GS_KEEP_FOREVER;
        snprintf(p->what, sizeof p->what, "retention %lld %lld",
                 (long long)keep, (long long)count);
        BOTH(p, gs_sched_set_retention(s_, keep, count));
    } else if (k < 97) {
        snprintf(p->what, sizeof p->what, "limit");
        uint32_t lim = (uint32_t)pick(10);
        const char *u = users[pick(LEN(users))];
        BOTH(p, gs_sched_set_limit(s_, GS_LIMIT_USER, u, lim));
    } else {
        snprintf(p->what, sizeof p->what, "weights");
        gs_priority_weights w;
        gs_priority_weights_init(&w);
        w.age = (double)pick(2000);
        w.calc_period = (int64_t)pick(100);
        BOTH(p, gs_sched_set_priority_weights(s_, &w));
    }
    assert_int_equal(gs_sched_check(p->a), GS_OK);
    assert_int_equal(gs_sched_check(p->b), GS_OK);
    same_events(p);
}

static const char *const placements[] = {"nvlink-pack", "first-fit",
                                         "spread"};

static void run_property(int rounds, int calls)
{
    for (int r = 0; r < rounds; r++) {
        const char *src = topologies[r % LEN(topologies)];
        gs_topo *t = load(src);
        gs_sched_config cfg;
        gs_sched_config_init(&cfg);
        cfg.placement = placements[pick(LEN(placements))];
        cfg.backfill = (gs_backfill)pick(3);
        cfg.preempt = (gs_preempt_mode)pick(3);
        pair p = {NULL, NULL, 1000, 0, ""};
        assert_int_equal(gs_sched_create(&p.a, t, &cfg), GS_OK);
        assert_int_equal(gs_sched_create(&p.b, t, &cfg), GS_OK);
        int cut = (int)pick((uint64_t)calls);
        for (int i = 0; i < calls; i++) {
            if (i == cut) {
                /* the second becomes a restore of the first */
                membuf m = snap(p.a);
                gs_sched_destroy(p.b);
                p.b = NULL;
                gs_status st = gs_sched_restore_buffer(&p.b, t, NULL, m.p, m.n);
                if (st != GS_OK)
                    fail_msg("restore (%s, call %d): %s", src, i,
                             gs_sched_errmsg(p.b));
                free(m.p);
                assert_same_state(p.a, p.b, "restore");
                same_events(&p);
            }
            one_call(&p);
            if (i >= cut)
                assert_same_state(p.a, p.b, p.what);
        }
        same_usage(&p);
        gs_sched_destroy(p.a);
        gs_sched_destroy(p.b);
        gs_topo_destroy(t);
    }
}

static void restored_decides_the_same(void **state)
{
    (void)state;
    int rounds = getenv("GS_TEST_UNDER_VALGRIND") ? 6 : 60;
    run_property(rounds, 150);
}

/* Hand-checked: one pending, one running on known GPUs, one completed;
 * the restore has the same jobs, the same GPUs, the same usage. */
static void round_trip_by_hand(void **state)
{
    (void)state;
    gs_topo *t = load("dgx-h100");
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 4;
    spec.submit_time = 100;
    spec.user = "ann";
    spec.name = "four";
    uint64_t a, b, c;
    assert_int_equal(gs_sched_submit(s, &spec, &a), GS_OK);
    spec.gpus = 2;
    spec.name = "two";
    assert_int_equal(gs_sched_submit(s, &spec, &b), GS_OK);
    assert_int_equal(gs_sched_step(s, 100, NULL), GS_OK);
    assert_int_equal(gs_sched_complete(s, b, 160), GS_OK);
    spec.gpus = 8;
    spec.name = "eight";
    spec.submit_time = 170;
    assert_int_equal(gs_sched_submit(s, &spec, &c), GS_OK);
    assert_int_equal(gs_sched_step(s, 170, NULL), GS_OK);
    /* b ran 60 s on 2 GPUs: 120 GPU-seconds, decayed over a week's
     * half-life from 160 to 160: exactly 120 * H/ln2 * (1 - 2^(-60/H)) */
    membuf m = snap(s);
    gs_sched *r = NULL;
    assert_int_equal(gs_sched_restore_buffer(&r, t, NULL, m.p, m.n), GS_OK);
    assert_int_equal(gs_sched_job_count(r), 3);
    gs_job_info ia = GS_JOB_INFO_INIT, ib = GS_JOB_INFO_INIT,
                ic = GS_JOB_INFO_INIT;
    assert_int_equal(gs_sched_job_info(r, a, &ia), GS_OK);
    assert_int_equal(gs_sched_job_info(r, b, &ib), GS_OK);
    assert_int_equal(gs_sched_job_info(r, c, &ic), GS_OK);
    assert_int_equal(ia.state, GS_JOB_RUNNING);
    assert_int_equal(ib.state, GS_JOB_COMPLETED);
    assert_int_equal(ic.state, GS_JOB_PENDING);
    assert_string_equal(ia.name, "four");
    assert_int_equal(ib.start_time, 100);
    assert_int_equal(ib.end_time, 160);
    /* the same GPUs: 4 of the 8 for a, the other 4 free */
    uint32_t g1[8], g2[8];
    size_t n1 = 0, n2 = 0;
    assert_int_equal(gs_sched_alloc_gpus(s, a, 0, g1, 8, &n1), GS_OK);
    assert_int_equal(gs_sched_alloc_gpus(r, a, 0, g2, 8, &n2), GS_OK);
    assert_int_equal(n1, 4);
    assert_int_equal(n2, 4);
    assert_memory_equal(g1, g2, sizeof g1[0] * 4);
    assert_int_equal(gs_sched_free_gpus(r), 4);
    assert_int_equal(gs_sched_clock(r), 170);
    double u1 = gs_share_usage(gs_sched_share(s), "ann", "root", 160);
    double u2 = gs_share_usage(gs_sched_share(r), "ann", "root", 160);
    assert_true(u1 > 119.9 && u1 < 120.0);
    assert_true(u1 == u2);
    /* without a topology: one made from the snapshot's nodes */
    {
        gs_sched *q = NULL;
        assert_int_equal(gs_sched_restore_buffer(&q, NULL, NULL, m.p, m.n),
                         GS_OK);
        const gs_topo *qt = gs_sched_topo(q);
        assert_int_equal(gs_topo_node_count(qt), 1);
        assert_string_equal(gs_topo_node_name(qt, 0), "dgx-h100");
        assert_int_equal(gs_topo_node_cpu_count(qt, 0),
                         gs_topo_node_cpu_count(t, 0));
        size_t n3 = 0;
        assert_int_equal(gs_sched_alloc_gpus(q, a, 0, g2, 8, &n3), GS_OK);
        assert_int_equal(n3, 4);
        assert_memory_equal(g1, g2, sizeof g1[0] * 4);
        membuf m2 = snap(q);
        assert_int_equal(m2.n, m.n);
        assert_memory_equal(m2.p, m.p, m.n);
        free(m2.p);
        gs_sched_destroy(q);
    }
    /* both go on alike: a ends, c starts on all 8 */
    assert_int_equal(gs_sched_complete(r, a, 200), GS_OK);
    assert_int_equal(gs_sched_step(r, 200, NULL), GS_OK);
    assert_int_equal(gs_sched_job_info(r, c, &ic), GS_OK);
    assert_int_equal(ic.state, GS_JOB_RUNNING);
    free(m.p);
    gs_sched_destroy(r);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

static void wrong_topology_and_damage(void **state)
{
    (void)state;
    gs_topo *t = load("dgx-h100"), *v = load("dgx1-v100");
    gs_sched *s = NULL, *r = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 2;
    assert_int_equal(gs_sched_submit(s, &spec, NULL), GS_OK);
    assert_int_equal(gs_sched_step(s, 5, NULL), GS_OK);
    membuf m = snap(s);
    /* another machine: the first difference is named */
    assert_int_equal(gs_sched_restore_buffer(&r, v, NULL, m.p, m.n),
                     GS_EINVALID);
    assert_non_null(strstr(gs_sched_errmsg(r),
                           "node 0 is \"dgx-h100\" in the snapshot but "
                           "\"dgx1-v100\""));
    gs_sched_destroy(r);
    /* same name, other GPUs */
    {
        static const char h[] = "{\"nodes\": [{\"name\": \"n1\", "
                                "\"template\": \"dgx-h100\"}]}";
        static const char w[] = "{\"nodes\": [{\"name\": \"n1\", "
                                "\"template\": \"dgx1-v100\"}]}";
        gs_topo *th = load(h), *tw = load(w);
        gs_sched *sh = NULL;
        assert_int_equal(gs_sched_create(&sh, th, NULL), GS_OK);
        membuf mh = snap(sh);
        r = NULL;
        assert_int_equal(gs_sched_restore_buffer(&r, tw, NULL, mh.p, mh.n),
                         GS_EINVALID);
        assert_non_null(strstr(gs_sched_errmsg(r), "GPU 0 of node \"n1\""));
        gs_sched_destroy(r);
        free(mh.p);
        gs_sched_destroy(sh);
        gs_topo_destroy(th);
        gs_topo_destroy(tw);
    }
    /* every single-byte change is caught (checksum, or a field) */
    for (size_t i = 0; i < m.n; i += 1 + m.n / 97) {
        m.p[i] ^= 0x5a;
        r = NULL;
        gs_status st = gs_sched_restore_buffer(&r, t, NULL, m.p, m.n);
        assert_true(st == GS_EPARSE || st == GS_EUNSUPPORTED);
        assert_non_null(strstr(gs_sched_errmsg(r), "offset") ?
                        gs_sched_errmsg(r) : strstr(gs_sched_errmsg(r),
                                                    "format"));
        assert_int_equal(gs_sched_step(r, 10, NULL), GS_EINVAL);
        gs_sched_destroy(r);
        m.p[i] ^= 0x5a;
    }
    /* truncated at every length */
    for (size_t n = 0; n < m.n; n += 1 + m.n / 50) {
        r = NULL;
        assert_int_equal(gs_sched_restore_buffer(&r, t, NULL, m.p, n),
                         GS_EPARSE);
        gs_sched_destroy(r);
    }
    /* a newer format: a clear error */
    m.p[8] = (uint8_t)(GS_STATE_FORMAT + 1);
    r = NULL;
    assert_int_equal(gs_sched_restore_buffer(&r, t, NULL, m.p, m.n),
                     GS_EUNSUPPORTED);
    assert_non_null(strstr(gs_sched_errmsg(r), "newer"));
    gs_sched_destroy(r);
    free(m.p);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
    gs_topo_destroy(v);
}

static gs_status restore_op(void *ctx)
{
    const membuf *m = ((void **)ctx)[0];
    const gs_topo *t = ((void **)ctx)[1];
    gs_sched *r = NULL;
    gs_status st = gs_sched_restore_buffer(&r, t, NULL, m->p, m->n);
    gs_sched_destroy(r);
    return st;
}

static gs_status save_op(void *ctx)
{
    gs_sched *s = ((void **)ctx)[2];
    membuf m = {0};
    gs_status st = gs_sched_save(s, membuf_write, &m);
    free(m.p);
    if (st == GS_OK && gs_sched_check(s) != GS_OK)
        return GS_EINVALID;
    return st;
}

static void out_of_memory(void **state)
{
    (void)state;
    gs_topo *t = load(topologies[2]);
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    for (int i = 0; i < 12; i++) {
        spec.gpus = 1 + (uint32_t)(i % 5);
        spec.user = i % 2 ? "x" : "y";
        spec.cpus_per_gpu = 2;
        spec.submit_time = i;
        assert_int_equal(gs_sched_submit(s, &spec, NULL), GS_OK);
    }
    assert_int_equal(gs_sched_step(s, 20, NULL), GS_OK);
    assert_int_equal(gs_sched_complete(s, 1, 30), GS_OK);
    membuf m = snap(s);
    void *ctx[3] = {&m, t, s};
    assert_true(test_each_allocation_fails(restore_op, ctx) > 10);
    assert_true(test_each_allocation_fails(save_op, ctx) > 2);
    free(m.p);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* The library's CRC-32C (lib/common/codec.c; the test links the static
 * library) against the published check value: "123456789" -> e3069283
 * (RFC 3720, iSCSI); split input gives the same; a snapshot whose bytes
 * were changed is refused at the checksum. */
uint32_t gs_crc32c(uint32_t crc, const void *p, size_t n);

static void crc_known_value(void **state)
{
    (void)state;
    assert_int_equal(gs_crc32c(0, "123456789", 9), 0xe3069283u);
    assert_int_equal(gs_crc32c(gs_crc32c(0, "1234", 4), "56789", 5),
                     0xe3069283u);
    assert_int_equal(gs_crc32c(0, "", 0), 0);
    /* a header and 9 bytes of state with a zero checksum: refused there */
    uint8_t buf[20 + 9 + 4] = {'G', 'S', 'S', 'T', 'A', 'T', 'E', '\n', 1};
    buf[12] = 9;
    memcpy(buf + 20, "123456789", 9);
    gs_topo *t = load("dgx-h100");
    gs_sched *r = NULL;
    assert_int_equal(gs_sched_restore_buffer(&r, t, NULL, buf, sizeof buf),
                     GS_EPARSE);
    assert_non_null(strstr(gs_sched_errmsg(r), "checksum mismatch"));
    gs_sched_destroy(r);
    gs_topo_destroy(t);
}

/* The format-1 files checked in (tests/data/state, made by
 * make_state_files.c): a later library must read them as they were
 * written. The contents are the generator's calls, worked out by hand. */
static void format_1_files(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/state/v1-small.gss", GS_TEST_DATA_DIR);
    gs_topo *t = load("dgx-h100");
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_restore_file(&s, t, NULL, path), GS_OK);
    assert_int_equal(gs_sched_clock(s), 170);
    assert_int_equal(gs_sched_journal_seq(s), 6);
    assert_int_equal(gs_sched_job_count(s), 3);
    gs_job_info ji = GS_JOB_INFO_INIT;
    assert_int_equal(gs_sched_job_info(s, 1, &ji), GS_OK);
    assert_int_equal(ji.state, GS_JOB_RUNNING);
    assert_int_equal(ji.start_time, 100);
    assert_string_equal(ji.name, "four");
    assert_string_equal(ji.user, "ann");
    uint32_t g[8];
    size_t n = 0;
    assert_int_equal(gs_sched_alloc_gpus(s, 1, 0, g, 8, &n), GS_OK);
    assert_int_equal(n, 4);
    /* nvlink-pack on an idle NVSwitch box: the lowest four */
    for (uint32_t i = 0; i < 4; i++)
        assert_int_equal(g[i], i);
    gs_alloc_node an = GS_ALLOC_NODE_INIT;
    assert_int_equal(gs_sched_alloc_node(s, 1, 0, &an), GS_OK);
    assert_int_equal(an.cpus, 8); /* 4 GPUs x 2 CPUs */
    assert_int_equal(gs_sched_job_info(s, 2, &ji), GS_OK);
    assert_int_equal(ji.state, GS_JOB_COMPLETED);
    assert_int_equal(ji.end_time, 160);
    assert_int_equal(gs_sched_job_info(s, 3, &ji), GS_OK);
    assert_int_equal(ji.state, GS_JOB_PENDING);
    assert_int_equal(ji.gpus, 8);
    assert_int_equal(gs_sched_free_gpus(s), 4);
    /* two STARTED events at 100, not consumed */
    assert_int_equal(gs_sched_event_count(s), 2);
    gs_event ev = GS_EVENT_INIT;
    assert_int_equal(gs_sched_next_event(s, &ev), GS_OK);
    assert_int_equal(ev.kind, GS_EVENT_STARTED);
    assert_int_equal(ev.job, 1);
    assert_int_equal(ev.time, 100);
    /* job 1 ends: job 3 takes all eight */
    assert_int_equal(gs_sched_complete(s, 1, 200), GS_OK);
    assert_int_equal(gs_sched_step(s, 200, NULL), GS_OK);
    assert_int_equal(gs_sched_job_info(s, 3, &ji), GS_OK);
    assert_int_equal(ji.state, GS_JOB_RUNNING);
    gs_sched_destroy(s);
    gs_topo_destroy(t);

    /* the cluster snapshot with its journal: 3 calls + 10 */
    static const char cluster[] =
        "{\"nodes\": [{\"name\": \"h[1-4]\", \"template\": \"dgx-h100\"},"
        " {\"name\": \"v1\", \"template\": \"dgx1-v100\"}]}";
    t = load(cluster);
    char dir[] = "/tmp/gs-state-XXXXXX", sp[600], jp[620], src[512];
    assert_non_null(mkdtemp(dir));
    snprintf(sp, sizeof sp, "%s/c.gss", dir);
    snprintf(jp, sizeof jp, "%s.journal", sp);
    const char *names[2] = {"v1-cluster.gss", "v1-cluster.journal"};
    const char *dst[2] = {sp, jp};
    for (int k = 0; k < 2; k++) {
        snprintf(src, sizeof src, "%s/state/%s", GS_TEST_DATA_DIR, names[k]);
        FILE *in = fopen(src, "rb"), *out = fopen(dst[k], "wb");
        assert_non_null(in);
        assert_non_null(out);
        int c;
        while ((c = fgetc(in)) != EOF)
            fputc(c, out);
        fclose(in);
        fclose(out);
    }
    gs_store_config sc = GS_STORE_CONFIG_INIT;
    sc.path = sp;
    s = NULL;
    assert_int_equal(gs_sched_open(&s, t, &sc), GS_OK);
    assert_int_equal(gs_sched_journal_seq(s), 13);
    assert_int_equal(gs_sched_clock(s), 40);
    assert_int_equal(gs_sched_node_free_gpus(s, 4), 0); /* v1 drained */
    assert_int_equal(gs_sched_job_count(s), 4);
    assert_int_equal(gs_sched_job_info(s, 1, &ji), GS_OK);
    assert_int_equal(ji.state, GS_JOB_COMPLETED);
    assert_int_equal(ji.end_time, 30);
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_destroy(s);
    /* opening a format-1 journal wrote a snapshot and a journal of this
     * library's format (5), holding the same state */
    FILE *jf = fopen(jp, "rb");
    assert_non_null(jf);
    unsigned char hdr[12];
    assert_int_equal(fread(hdr, 1, sizeof hdr, jf), sizeof hdr);
    fclose(jf);
    assert_memory_equal(hdr, "GSJOURN\n", 8);
    assert_int_equal(hdr[8], 5);
    s = NULL;
    assert_int_equal(gs_sched_open(&s, t, &sc), GS_OK);
    assert_int_equal(gs_sched_journal_seq(s), 13);
    assert_int_equal(gs_sched_job_count(s), 4);
    gs_sched_destroy(s);
    remove(jp);
    remove(sp);
    rmdir(dir);
    gs_topo_destroy(t);
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_by_hand),
        cmocka_unit_test(wrong_topology_and_damage),
        cmocka_unit_test(crc_known_value),
        cmocka_unit_test(format_1_files),
        cmocka_unit_test(out_of_memory),
        cmocka_unit_test(restored_decides_the_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
